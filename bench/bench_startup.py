"""Seconds from launching `tessera serve` to the first 200 on /healthz, and its idle RSS."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from harness import TESSERA, Row, cli, machine, markdown, median, proc_status_kib, serving

IDLE_SETTLE_S = 1.0


def run(runs: int, database_url: str | None = None) -> list[Row]:
    """Start and stop the server `runs` times on one initialised data directory."""
    env = dict(os.environ)
    if database_url:
        env["TESSERA_DATABASE_URL"] = database_url
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        cli("init", "--data-dir", str(data_dir), env=env)
        cli("demo", "--data-dir", str(data_dir), "--if-missing", env=env)
        ready_s: list[float] = []
        idle_kib: list[int] = []
        for i in range(runs):
            with serving(data_dir, env) as server:
                time.sleep(IDLE_SETTLE_S)
                ready_s.append(server.seconds_to_ready)
                idle_kib.append(proc_status_kib(server.process.pid, "VmRSS"))
            print(
                f"  startup run {i + 1}/{runs}: ready in {ready_s[-1]:.3f} s, "
                f"idle RSS {idle_kib[-1] / 1024:.1f} MiB",
                flush=True,
            )
    command = " ".join(["python", *TESSERA[1:], "serve", "--data-dir", "DIR"])
    how = (
        f"`{command}` on a data dir after `init` + `demo`; launch to first 200 on "
        "/healthz (polled every 5 ms)"
    )
    return [
        Row("server startup", "seconds to first 200", f"{median(ready_s):.2f}", runs, how),
        Row(
            "server startup",
            "idle RSS (MiB)",
            f"{median(idle_kib) / 1024:.0f}",
            runs,
            f"VmRSS from /proc/PID/status {IDLE_SETTLE_S:.0f} s after the first 200",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="medians are over this many runs")
    parser.add_argument("--database-url", help="benchmark on this database instead of SQLite")
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    rows = run(args.runs, args.database_url)
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
