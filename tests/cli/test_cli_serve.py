"""`tessera serve` refuses to start without keys or on an old schema, and serves /healthz."""

from __future__ import annotations

import gc
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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


def test_serve_answers_healthz(tmp_path: Path) -> None:
    ok(Cli(tmp_path)("init"))
    port = _free_port()
    cmd = [sys.executable, "-m", "tessera.cli", "serve", "--data-dir", str(tmp_path)]
    server = subprocess.Popen(
        [*cmd, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 30 s"
            time.sleep(0.1)
    finally:
        server.terminate()
        output = server.communicate(timeout=15)[0]
    assert f"http://127.0.0.1:{port}/" in output


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
