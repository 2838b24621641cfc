"""`make bench`: every benchmark, then one Markdown table to paste into docs/benchmarks.md."""

from __future__ import annotations

import argparse
import time

import bench_confidentiality
import bench_import
import bench_startup
from harness import machine, markdown


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000, help="items per import")
    parser.add_argument("--runs", type=int, default=5, help="medians are over this many runs")
    parser.add_argument("--database-url", help="benchmark on this database instead of SQLite")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"Machine: {machine()}", flush=True)
    print("bench_startup:", flush=True)
    rows = bench_startup.run(args.runs, args.database_url)
    print("bench_import:", flush=True)
    rows += bench_import.run(args.items, args.runs, args.database_url)
    print("bench_confidentiality:", flush=True)
    rows += bench_confidentiality.run(args.items, args.runs, 500, args.database_url)
    print()
    print(
        f"Measured with `python bench/run_all.py --items {args.items} --runs {args.runs}` "
        f"in {time.perf_counter() - started:.0f} s on: {machine()}. Figures are medians."
    )
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
