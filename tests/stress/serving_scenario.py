"""The serving stress scenario: `tessera serve` processes, simulated annotators, a drain, checks.

Shared by tests/stress/test_serving_stress.py (small sizes, in CI) and bench/stress_serving.py
(the full size of issue 4). Everything goes through the public HTTP API except the setup
(users, tokens, projects, items: through the services) and the final checks (SQL on the rows).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from serving_checks import Outcome, check_invariants
from serving_clients import Annotator, annotate, drain
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tessera.domain.entities import Role, User
from tessera.domain.errors import InvalidInput
from tessera.formats import ImportFormat
from tessera.services import accounts, imports, projects, workspaces
from tessera.settings import Settings
from tessera.startup import open_database
from tessera.storage.engine import Database, make_single_use_engine

LABEL_SCHEMA: dict[str, object] = {
    "fields": [{"name": "text"}],
    "questions": [{"name": "label", "type": "single_choice", "options": ["a", "b", "c"]}],
}
# Shortest first: the engine's minimum lease drops to 2 s with issue 4; 30 s before that.
LEASE_TTLS_S = (2, 30)


@dataclass(frozen=True)
class StressConfig:
    """The sizes of one run; the defaults are the full size of issue 4."""

    servers: int = 3
    processes_per_server: int = 1  # `tessera serve --workers N`
    workers: int = 64
    cycles: int = 20_000
    time_limit_s: float = 600.0
    overlaps: tuple[int, ...] = (1, 2, 3)  # one project per entry
    answers_per_cycle: float = 0.8  # sizes the projects: ~all work is done by the run itself
    p_skip: float = 0.12
    p_abandon: float = 0.05
    p_retry: float = 0.05
    p_late: float = 0.5  # chance to submit a lease lost earlier, when the annotator has one
    seed: int = 4

    @property
    def annotators(self) -> int:
        return self.workers + self.workers // 2  # some rest while others work


@dataclass
class StressReport:
    """What one run measured, and the invariants it checked."""

    backend: str
    config: StressConfig
    lease_ttl_s: int
    items: int
    cycles: int
    run_s: float
    drain_s: float
    requests: int
    statuses: Counter[str]
    checks: list[str]
    violations: list[str]

    def summary(self) -> str:
        c = self.config
        lines = [
            f"backend {self.backend}: {c.servers} server(s) of {c.processes_per_server} "
            f"process(es), {c.workers} annotator "
            f"threads, {c.annotators} annotators, {len(c.overlaps)} projects (overlap "
            f"{', '.join(map(str, c.overlaps))}), {self.items} items, lease {self.lease_ttl_s} s",
            f"cycles {self.cycles} in {self.run_s:.1f} s: {self.cycles / self.run_s:.0f} "
            f"cycles/s, {self.requests / self.run_s:.0f} requests/s; drain {self.drain_s:.1f} s",
            "responses: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items())),
        ]
        lines += [f"  ok   {name}" for name in self.checks]
        lines += [f"  FAIL {v}" for v in self.violations]
        return "\n".join(lines)


def run_stress(base_url: str | None, work_dir: Path, config: StressConfig) -> StressReport:
    """Run the scenario on SQLite (`base_url` None) or in a fresh schema of a PostgreSQL URL."""
    data_dir = work_dir / "data"
    with _fresh_database(base_url, data_dir) as url:
        env = {**os.environ, "TESSERA_DATABASE_URL": url}
        env.pop("TESSERA_DATA_DIR", None)
        _tessera("init", "--data-dir", str(data_dir), env=env)
        database = open_database(Settings(data_dir=data_dir, database_url=url))
        try:
            return _run(
                database, data_dir, env, work_dir, config, "postgresql" if base_url else "sqlite"
            )
        finally:
            database.dispose()


def _run(
    database: Database,
    data_dir: Path,
    env: dict[str, str],
    work_dir: Path,
    config: StressConfig,
    backend: str,
) -> StressReport:
    setup = _set_up(database, config)
    outcome = Outcome()
    with _servers(data_dir, env, work_dir, config) as urls:
        started = time.perf_counter()
        cycles = annotate(urls, setup, config, outcome)
        run_s = time.perf_counter() - started
        requests = len(outcome.calls)
        started = time.perf_counter()
        drain(urls, setup, outcome)
        drain_s = time.perf_counter() - started
    checks, violations = check_invariants(
        database, outcome, project_ids=setup.project_ids, annotators=len(setup.annotators)
    )
    return StressReport(
        backend=backend,
        config=config,
        lease_ttl_s=setup.lease_ttl_s,
        items=setup.items,
        cycles=cycles,
        run_s=run_s,
        drain_s=drain_s,
        requests=requests,
        statuses=Counter(f"{c.op} {c.status}" for c in outcome.calls),
        checks=checks,
        violations=violations,
    )


@contextmanager
def _fresh_database(base_url: str | None, data_dir: Path) -> Iterator[str]:
    if base_url is None:
        yield f"sqlite:///{data_dir / 'tessera.db'}"
        return
    # The conftest trick: a schema of our own, picked by the connection's search_path.
    schema = f"stress_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    admin = make_single_use_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _tessera(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tessera.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


@dataclass
class Setup:
    workspace_id: int
    project_ids: list[int]
    annotators: list[Annotator]
    lease_ttl_s: int
    items: int


def _set_up(database: Database, config: StressConfig) -> Setup:
    tag = uuid.uuid4().hex[:6]
    with database.session() as db:
        operator = accounts.create_user(
            db, email=f"op-{tag}@example.org", name="Op", password=None, is_operator=True
        )
        owner = accounts.create_user(
            db, email=f"owner-{tag}@example.org", name="Owner", password=None
        )
        ws = workspaces.create_workspace(db, actor=operator, name="Stress", owner_email=owner.email)
        people = []
        for i in range(config.annotators):
            email = f"a{i}-{tag}@example.org"
            # created first without a password: add_member would hash a generated one (slow)
            accounts.create_user(db, email=email, name=f"A{i}", password=None)
            added = workspaces.add_member(
                db, actor=owner, workspace_id=ws.id, email=email, name="", role=Role.ANNOTATOR
            )
            token = accounts.create_api_token(db, email=email, name="stress").secret
            people.append(Annotator(added.membership.user_id, {"Authorization": f"Bearer {token}"}))
        per_project = max(1, round(config.cycles * config.answers_per_cycle / sum(config.overlaps)))
        ttl, project_ids = _create_projects(db, owner, ws.id, config.overlaps)
        for n, project_id in enumerate(project_ids):
            body = "\n".join(json.dumps({"text": f"p{n} item {i}"}) for i in range(per_project))
            imports.import_items(
                db,
                actor=owner,
                workspace_id=ws.id,
                project_id=project_id,
                stream=io.BytesIO(body.encode()),
                fmt=ImportFormat.JSONL,
            )
    return Setup(ws.id, project_ids, people, ttl, per_project * len(project_ids))


def _create_projects(
    db: Session, owner: User, workspace_id: int, overlaps: tuple[int, ...]
) -> tuple[int, list[int]]:
    for ttl in LEASE_TTLS_S:
        try:
            ids = [
                projects.create_project(
                    db,
                    actor=owner,
                    workspace_id=workspace_id,
                    name=f"overlap {overlap}",
                    label_schema=LABEL_SCHEMA,
                    annotations_per_item=overlap,
                    lease_ttl_s=ttl,
                ).id
                for overlap in overlaps
            ]
        except InvalidInput:
            continue  # below this version's minimum lease: try the next one
        return ttl, ids
    raise RuntimeError(f"no lease length in {LEASE_TTLS_S} is accepted")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _servers(
    data_dir: Path, env: dict[str, str], work_dir: Path, config: StressConfig
) -> Iterator[list[str]]:
    """`tessera serve` processes on one data directory and database, all answering."""
    procs: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for i in range(config.servers):
            port = _free_port()
            log = (work_dir / f"server-{i}.log").open("wb")
            cmd = [sys.executable, "-m", "tessera.cli", "serve", "--data-dir", str(data_dir)]
            cmd += ["--host", "127.0.0.1", "--port", str(port)]
            cmd += ["--workers", str(config.processes_per_server)]
            procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env))
            urls.append(f"http://127.0.0.1:{port}")
        for i, (proc, url) in enumerate(zip(procs, urls, strict=True)):
            _wait_ready(proc, url, work_dir / f"server-{i}.log", config.processes_per_server)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, processes: int) -> None:
    """Until /healthz answers and every process has started: the annotators' connections are
    made once, and those made before a process listens all land on the others."""
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"`tessera serve` at {url} exited with {proc.returncode}")
            try:
                answered = client.get(url + "/healthz").status_code == 200
            except httpx.TransportError:
                answered = False
            if answered and log.read_text().count("Application startup complete.") >= processes:
                return
            time.sleep(0.05)
    raise RuntimeError(f"`tessera serve` at {url} did not answer within 60 s")
