"""Issue 4's serving stress test at full size: 3 servers on PostgreSQL, 64 annotators, 20k cycles.

    TESSERA_TEST_POSTGRES_URL=postgresql://... python bench/stress_serving.py
    python bench/stress_serving.py --sqlite             # 1 server, 32 annotators on SQLite

The scenario and its checks live in tests/stress/ (the suite runs them at CI size).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stress"))

from serving_scenario import StressConfig, run_stress

from harness import machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite, one server process")
    parser.add_argument("--postgres-url", default=os.environ.get("TESSERA_TEST_POSTGRES_URL"))
    parser.add_argument("--servers", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--cycles", type=int, default=20_000)
    parser.add_argument("--time-limit-s", type=float, default=900.0)
    args = parser.parse_args()
    if not args.sqlite and not args.postgres_url:
        parser.error("set TESSERA_TEST_POSTGRES_URL or --postgres-url, or pass --sqlite")
    config = StressConfig(
        servers=args.servers or (1 if args.sqlite else 3),
        workers=args.workers or (32 if args.sqlite else 64),
        cycles=args.cycles,
        time_limit_s=args.time_limit_s,
    )
    print(machine())
    with tempfile.TemporaryDirectory(prefix="tessera-stress-") as tmp:
        report = run_stress(None if args.sqlite else args.postgres_url, Path(tmp), config)
    print(report.summary())
    sys.exit(1 if report.violations else 0)


if __name__ == "__main__":
    main()
