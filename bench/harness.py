"""What the benchmarks share: machine facts, medians, a `tessera serve` subprocess, RSS readings."""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from tessera import __version__
from tessera.security.envelope import Keyring
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine, make_single_use_engine

TESSERA = [sys.executable, "-m", "tessera.cli"]


@dataclass(frozen=True)
class Row:
    """One line of the Markdown table: a figure, its median over `runs`, how it was measured."""

    benchmark: str
    figure: str
    median: str
    runs: int
    how: str


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """One line naming the machine, OS, Python, SQLite and Tessera versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu} ({os.cpu_count()} logical CPUs{mem}); {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"Tessera {__version__}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def proc_status_kib(pid: int, key: str) -> int:
    """A memory figure (VmRSS, VmHWM ...) of a live process, in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a `tessera` command to completion; its stdout, or the whole output on failure."""
    done = subprocess.run([*TESSERA, *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    seconds_to_ready: float


STARTED = "Application startup complete."  # what uvicorn logs once a process serves


@contextmanager
def serving(
    data_dir: Path, env: dict[str, str] | None = None, *, workers: int = 1
) -> Iterator[Server]:
    """`tessera serve` on a free port, ready (GET /healthz answered 200 and, with `workers`,
    every process started: connections made earlier all land on the first); stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [*TESSERA, "serve", "--data-dir", str(data_dir), "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile(prefix="tessera-serve-", suffix=".log") as log:
        process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
        try:
            with httpx.Client(timeout=1.0) as client:
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"`tessera serve` exited with {process.returncode}")
                    try:
                        answered = client.get(url + "/healthz").status_code == 200
                    except httpx.TransportError:
                        answered = False
                    if answered and Path(log.name).read_text().count(STARTED) >= workers:
                        break
                    if time.perf_counter() - started > 60:
                        raise RuntimeError("`tessera serve` did not answer within 60 s")
                    time.sleep(0.005)
            yield Server(process, url, time.perf_counter() - started)
        finally:
            stop(process, timeout_s=15)


def stop(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout_s`."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def scratch_database(url: str | None, root: Path, name: str) -> Iterator[Database]:
    """A migrated, empty database for one in-process measurement: a SQLite file under `root`,
    or on the PostgreSQL server of `url` a schema of its own, dropped afterwards."""
    schema = None
    if url is None:
        url = f"sqlite:///{root / (name + '.db')}"
    else:
        schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        admin_url = url
        with make_single_use_engine(admin_url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}?options=-csearch_path%3D{schema}"
    migrate.upgrade(make_single_use_engine(url))
    database = Database(make_engine(url), Keyring(b"k" * 32))
    try:
        yield database
    finally:
        database.dispose()
        if schema is not None:
            with make_single_use_engine(admin_url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def markdown(rows: Sequence[Row]) -> str:
    lines = [
        "| benchmark | figure | median | runs | how |",
        "|---|---|---:|---:|---|",
    ]
    lines += [f"| {r.benchmark} | {r.figure} | {r.median} | {r.runs} | {r.how} |" for r in rows]
    return "\n".join(lines)
