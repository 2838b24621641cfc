"""`tessera serve` refuses to start without keys or on an old schema, and serves /healthz."""

from __future__ import annotations

import gc
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cli_runner import Cli, ok, refused
from sqlalchemy import text

from tessera.cli.commands.server import freeze_startup_objects
from tessera.settings import Settings, create_keys
from tessera.storage.engine import make_single_use_engine


def test_refuses_without_keys(tmp_path: Path) -> None:
    refused(Cli(tmp_path / "nothing-here")("serve"), "run `tessera init`")


def test_refuses_on_an_empty_database(tmp_path: Path) -> None:
    create_keys(Settings(data_dir=tmp_path))
    result = refused(Cli(tmp_path)("serve"), "run `tessera db upgrade`")
    assert "at nothing" in result.stderr


def test_refuses_on_an_old_schema(tmp_path: Path) -> None:
    create_keys(Settings(data_dir=tmp_path))
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_single_use_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0000')"))
    refused(Cli(tmp_path, url)("serve"), "run `tessera db upgrade`")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    url: str
    pid: int
    output: str = ""  # what it printed, once stopped


@contextmanager
def _serving(data_dir: Path, *args: str) -> Iterator[Served]:
    """`tessera serve` on a free port, answering /healthz; stopped afterwards."""
    port = _free_port()
    cmd = [sys.executable, "-m", "tessera.cli", "serve", "--data-dir", str(data_dir)]
    server = subprocess.Popen(
        [*cmd, "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", server.pid)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if httpx.get(f"{served.url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 30 s"
            time.sleep(0.1)
        yield served
    finally:
        server.terminate()
        served.output = server.communicate(timeout=15)[0]


def test_serve_answers_healthz(tmp_path: Path) -> None:
    ok(Cli(tmp_path)("init"))
    with _serving(tmp_path) as served:
        pass
    assert f"{served.url}/" in served.output


def test_serve_with_workers_runs_that_many_processes_on_one_database(tmp_path: Path) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("counts the worker processes in /proc (Linux)")
    cli = Cli(tmp_path)
    ok(cli("init"))
    email = "ops@example.org"
    ok(cli("user", "create", email, "--generate"))
    token = ok(cli("token", "create", email)).stdout.strip()
    with _serving(tmp_path, "--workers", "2") as served:
        workers = [pid for pid in _children(served.pid) if "spawn_main" in _command_line(pid)]
        assert len(workers) == 2
        # whichever process takes a connection has the app, the keys and the database
        for _ in range(8):
            with httpx.Client(base_url=served.url) as http:
                me = http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
                assert me.status_code == 200 and me.json()["email"] == email
    assert "workers   2 processes" in served.output


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_startup_objects_are_left_out_of_later_collections() -> None:
    """A full collection then walks only what requests allocate, not the whole app."""
    before = gc.get_freeze_count()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > before
        # everything that existed now sits in the permanent generation, not in the oldest one
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count() // 100
    finally:
        gc.unfreeze()
