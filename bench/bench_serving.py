"""Task serving at scale: next-task and submit latency and throughput, item listing.

Tessera on SQLite and on PostgreSQL with projects of 10k, 100k and 1M short text items, and
optionally Label Studio (the peer, set up by bench/peers/labelstudio_setup.sh outside the repo)
with the same 100k items, driven by the same client loop in the same run.

Each client is a thread with its own annotator, its own token and its own keep-alive httpx
connection; its loop is `next` then `submit`, and the two calls are timed separately. A phase
runs `--warmup` cycles per client, waits for every client at a barrier, then runs a fixed number
of measured cycles; throughput is measured cycles (tasks served and answered) per second of wall
clock. Each phase also prints the client loop's own CPU time per cycle: the driver shares the
host's cores with the servers and the database, which bounds what a closed loop can reach.
Listing is measured with no other load, one request at a time.

    python bench/bench_serving.py --quick
    python bench/bench_serving.py --backends sqlite --labelstudio /tmp/lsbench/ls.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from bench_import import OWNER, Lab, make_lab, write_items
from harness import free_port, machine, serving, stop
from tessera.domain.entities import Role
from tessera.formats.base import ImportFormat
from tessera.services import accounts, imports, workspaces
from tessera.startup import open_database
from tessera.storage.tables import items as items_table

ANSWER_TESSERA = {"value": {"label": "positive"}}
ANSWER_LS = [
    {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}
]
PAGE = 100
FAR_PAGE = 1000


# ---------------------------------------------------------------- the client loop, any system


@dataclass
class Client:
    """One simulated annotator: a base URL and the headers carrying its token."""

    base_url: str
    headers: dict[str, str]


@dataclass
class System:
    """How one system serves a task and takes an answer; the loop around them is shared."""

    name: str
    # next(http) -> a handle for submit, or None when nothing is left; raises on an error
    next: Callable[[httpx.Client], object | None]
    submit: Callable[[httpx.Client, object], None]


def tessera_system(workspace_id: int, project_id: int) -> System:
    next_path = f"/api/workspaces/{workspace_id}/projects/{project_id}/tasks/next"

    def next_(http: httpx.Client) -> object | None:
        r = http.post(next_path)
        if r.status_code == 204:
            return None
        if r.status_code != 200:
            raise RuntimeError(f"next: {r.status_code} {r.text[:300]}")
        return r.json()["assignment_id"]

    def submit(http: httpx.Client, assignment_id: object) -> None:
        r = http.post(
            f"/api/workspaces/{workspace_id}/tasks/{assignment_id}/annotations", json=ANSWER_TESSERA
        )
        if r.status_code != 201:
            raise RuntimeError(f"submit: {r.status_code} {r.text[:300]}")

    return System("Tessera", next_, submit)


def labelstudio_system(project_id: int) -> System:
    def next_(http: httpx.Client) -> object | None:
        r = http.get(f"/api/projects/{project_id}/next")
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise RuntimeError(f"next: {r.status_code} {r.text[:300]}")
        return r.json()["id"]

    def submit(http: httpx.Client, task_id: object) -> None:
        r = http.post(
            f"/api/tasks/{task_id}/annotations/", json={"result": ANSWER_LS, "project": project_id}
        )
        if r.status_code != 201:
            raise RuntimeError(f"submit: {r.status_code} {r.text[:300]}")

    return System("Label Studio", next_, submit)


@dataclass
class Load:
    clients: int
    cycles: int
    seconds: float
    client_cpu_s: float = 0.0  # CPU time of this (client) process over the measured cycles
    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.submit_ms) / self.seconds

    @property
    def client_cpu_ms(self) -> float:
        """The client loop's own CPU per measured cycle: what the driver costs the host."""
        return self.client_cpu_s * 1000 / max(1, len(self.submit_ms))


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank, q in 0..100); NaN when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run_load(
    system: System, clients: Sequence[Client], cycles_each: int, warmup: int, think_s: float = 0.0
) -> Load:
    """Every client runs `warmup` cycles, then all start together and run `cycles_each`.

    With `think_s` each client pauses before every measured cycle for a random time with that
    mean (exponential, seeded per client), as an annotator reads and decides: an open workload
    of about clients / think_s cycles per second instead of a closed loop at saturation.
    """
    n = len(clients)
    barrier = threading.Barrier(n + 1)
    done = threading.Barrier(n + 1)
    load = Load(clients=n, cycles=n * cycles_each, seconds=0.0)

    def work(c: Client, seed: int) -> None:
        pause = random.Random(seed)
        with httpx.Client(base_url=c.base_url, headers=c.headers, timeout=60.0) as http:
            try:
                for _ in range(warmup):
                    handle = system.next(http)
                    if handle is not None:
                        system.submit(http, handle)
            except Exception as e:
                load.errors.append(f"warm-up: {e}")
            barrier.wait()
            try:
                for _ in range(cycles_each):
                    if think_s:
                        time.sleep(pause.expovariate(1 / think_s))
                    t0 = time.perf_counter()
                    handle = system.next(http)
                    t1 = time.perf_counter()
                    load.next_ms.append((t1 - t0) * 1000)
                    if handle is None:
                        load.errors.append("nothing left to serve")
                        break
                    system.submit(http, handle)
                    load.submit_ms.append((time.perf_counter() - t1) * 1000)
            except Exception as e:
                load.errors.append(str(e))
            done.wait()

    threads = [
        threading.Thread(target=work, args=(c, i), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    done.wait()
    load.seconds = time.perf_counter() - started
    load.client_cpu_s = time.process_time() - cpu_started
    for t in threads:
        t.join()
    return load


def time_gets(base_url: str, headers: dict[str, str], url: str, requests: int) -> list[float]:
    """Milliseconds per GET, one at a time on a keep-alive connection, after 3 unmeasured."""
    out: list[float] = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as http:
        for i in range(requests + 3):
            t0 = time.perf_counter()
            r = http.get(url)
            ms = (time.perf_counter() - t0) * 1000
            r.raise_for_status()
            if i >= 3:
                out.append(ms)
    return out


# ---------------------------------------------------------------- results


@dataclass
class Result:
    system: str
    database: str
    items: int
    figure: str
    clients: int | None
    samples: list[float]
    throughput: float | None = None
    note: str = ""
    # with --repeats: each run's samples; the row gives the median run's p50 and p99
    runs: list[list[float]] = field(default_factory=list)

    def cells(self) -> list[str]:
        if len(self.runs) > 1:
            p50 = f"{statistics.median(statistics.median(r) for r in self.runs):.1f}"
            p99 = f"{statistics.median(pct(r, 99) for r in self.runs):.1f}"
        else:
            p50 = f"{statistics.median(self.samples):.1f}" if self.samples else "-"
            p99 = f"{pct(self.samples, 99):.1f}" if self.samples else "-"
        tput = f"{self.throughput:,.0f}" if self.throughput is not None else ""
        return [
            self.system,
            self.database,
            f"{self.items:,}",
            self.figure,
            "" if self.clients is None else str(self.clients),
            p50,
            p99,
            tput,
            str(len(self.samples)),
            self.note + self.runs_note(),
        ]

    def runs_note(self) -> str:
        if len(self.runs) < 2:
            return ""
        each = " / ".join(f"{pct(r, 99):.1f}" for r in self.runs)
        return f"{'; ' if self.note else ''}median of {len(self.runs)} runs, p99s {each}"


def table(results: Sequence[Result]) -> str:
    head = [
        "system",
        "database",
        "items",
        "figure",
        "clients",
        "p50 (median) ms",
        "p99 ms",
        "tasks/s",
        "samples",
        "note",
    ]
    lines = ["| " + " | ".join(head) + " |", "|---|---|---:|---|---:|---:|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in results]
    return "\n".join(lines)


def load_results(
    system: str,
    database: str,
    items: int,
    loads: Sequence[Load],
    note: str = "",
    suffix: str = "",
) -> list[Result]:
    """The next-task and submit rows of one load, or of repeats of it (median run's figures);
    `suffix` names a variant (e.g. think time)."""
    errors = [e for load in loads for e in load.errors]
    if errors:
        note = (note + "; " if note else "") + f"{len(errors)} errors: {errors[0][:120]}"
    # The driver's CPU does not depend on the server: it gauges the machine's state per row.
    gauge = statistics.median(x.client_cpu_ms for x in loads)
    note = (note + "; " if note else "") + f"driver CPU {gauge:.1f} ms a cycle"
    nexts, submits = [x.next_ms for x in loads], [x.submit_ms for x in loads]
    return [
        Result(
            system,
            database,
            items,
            "next task" + suffix,
            loads[0].clients,
            [ms for run in nexts for ms in run],
            statistics.median(x.throughput for x in loads),
            note,
            runs=nexts,
        ),
        Result(
            system,
            database,
            items,
            "submit" + suffix,
            loads[0].clients,
            [ms for run in submits for ms in run],
            runs=submits,
        ),
    ]


# ---------------------------------------------------------------- Tessera


@contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    """A fresh database `name` on the server of `admin_url`; dropped afterwards."""
    import psycopg  # only the PostgreSQL runs need it

    def execute(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class TesseraProject:
    lab: Lab
    project_id: int
    annotator_tokens: list[str]
    far_after: int  # `after` for the far page
    far_page: int  # which page that is


def prepare_tessera(
    root: Path, database_url: str | None, n: int, annotators: int
) -> TesseraProject:
    """A data dir, one project of n items imported in-process, `annotators` annotator tokens."""
    file = root / "items.jsonl"
    write_items(file, n)
    lab = make_lab(root, database_url)
    project_id = lab.new_project(f"serving {n}")
    database = open_database(lab.settings)
    try:
        with database.session() as db:
            owner = accounts.get_user_by_email(db, email=OWNER)
            started = time.perf_counter()
            with file.open("rb") as fh:
                report = imports.import_items(
                    db,
                    actor=owner,
                    workspace_id=lab.workspace_id,
                    project_id=project_id,
                    stream=fh,
                    fmt=ImportFormat.JSONL,
                )
            assert report.created == n, report
            print(f"    imported {n:,} items in {time.perf_counter() - started:.1f} s", flush=True)
            tokens = []
            for i in range(annotators):
                email = f"annotator-{i}@example.org"
                workspaces.add_member(
                    db,
                    actor=owner,
                    workspace_id=lab.workspace_id,
                    email=email,
                    name=f"Annotator {i}",
                    role=Role.ANNOTATOR,
                )
                tokens.append(accounts.create_api_token(db, email=email, name="bench").secret)
            far_page = min(FAR_PAGE, n // PAGE)
            far_after = db.execute(
                select(items_table.c.id)
                .where(items_table.c.project_id == project_id)
                .order_by(items_table.c.id)
                .offset((far_page - 1) * PAGE - 1)
                .limit(1)
            ).scalar_one()
            db.rollback()
    finally:
        database.dispose()
    if database_url is not None:
        vacuum_items(database_url)
    return TesseraProject(lab, project_id, tokens, far_after, far_page)


def vacuum_items(database_url: str) -> None:
    """What autovacuum does to a project some time after its import: the visibility map and
    hint bits set, statistics fresh. This machine's PostgreSQL runs with autovacuum off, and
    without it a project imported a moment ago is measured in a state no deployment stays in.
    """
    import psycopg  # only the PostgreSQL runs need it

    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) items")
    print(f"    VACUUM (ANALYZE) items: {time.perf_counter() - started:.1f} s", flush=True)


def measure_tessera(
    p: TesseraProject,
    database: str,
    n: int,
    args: argparse.Namespace,
    processes: int,
    workers: int = 1,
    *,
    listing: bool = True,
) -> list[Result]:
    results: list[Result] = []
    ws = p.lab.workspace_id
    system = tessera_system(ws, p.project_id)
    label = database if processes == 1 else f"{database}, {processes} servers"
    if workers > 1:
        label += f", --workers {workers}"
    with ExitStack() as stack:
        servers = [
            stack.enter_context(serving(p.lab.settings.data_dir, p.lab.env, workers=workers))
            for _ in range(processes)
        ]
        if listing:
            results += measure_listing(p, servers[0].url, label, n, args)
        for c in args.clients:
            clients = [
                Client(servers[i % processes].url, {"Authorization": f"Bearer {tok}"})
                for i, tok in enumerate(p.annotator_tokens[:c])
            ]
            for think_ms in args.think_ms:
                if think_ms and c < args.think_min_clients:
                    continue  # one annotator pausing 1 s is an idle server: nothing to learn
                think = f", thinking {think_ms:,.0f} ms" if think_ms else ""
                loads = []
                for _ in range(args.repeats):
                    load = run_load(
                        system, clients, max(1, args.cycles // c), args.warmup, think_ms / 1000
                    )
                    print(
                        f"    {label} {n:,} items, {c} clients{think}: {load.throughput:,.0f} "
                        f"tasks/s, next p50 {pct(load.next_ms, 50):.1f} ms p99 "
                        f"{pct(load.next_ms, 99):.1f} ms, client CPU {load.client_cpu_ms:.1f} "
                        f"ms a cycle{', ERRORS: ' + load.errors[0] if load.errors else ''}",
                        flush=True,
                    )
                    loads.append(load)
                results += load_results("Tessera", label, n, loads, suffix=think)
    return results


def measure_listing(
    p: TesseraProject, url: str, label: str, n: int, args: argparse.Namespace
) -> list[Result]:
    """Page 1 and the far page, one request at a time with no other load."""
    owner = {"Authorization": f"Bearer {p.lab.token}"}
    base = f"/api/workspaces/{p.lab.workspace_id}/projects/{p.project_id}/items?limit={PAGE}"
    page1 = time_gets(url, owner, f"{base}&after=0", args.list_requests)
    far = time_gets(url, owner, f"{base}&after={p.far_after}", args.list_requests)
    print(
        f"    {label} {n:,} items: list page 1 median {statistics.median(page1):.1f} ms, "
        f"page {p.far_page} median {statistics.median(far):.1f} ms",
        flush=True,
    )
    return [
        Result("Tessera", label, n, f"list page 1 of {PAGE}", None, page1),
        Result(
            "Tessera",
            label,
            n,
            f"list page {p.far_page:,} of {PAGE}",
            None,
            far,
            note="keyset: after=id of item #" + f"{(p.far_page - 1) * PAGE:,}",
        ),
    ]


def measure_alternating(
    projects: dict[int, TesseraProject],
    database: str,
    args: argparse.Namespace,
    processes: int,
    workers: int,
) -> list[Result]:
    """Each load (a client count, with or without pauses) at every size in turn before the
    next load: this machine's speed drifts by up to 1.5x within minutes, and sizes measured
    minutes apart compare the drift as much as the sizes. Each load gets a fresh server."""
    loads = [
        (c, think)
        for c in args.clients
        for think in args.think_ms
        if not (think and c < args.think_min_clients)
    ]
    results: list[Result] = []
    for i, (c, think) in enumerate(loads):
        one_load = argparse.Namespace(**{**vars(args), "clients": [c], "think_ms": [think]})
        for n, p in projects.items():
            results += measure_tessera(p, database, n, one_load, processes, workers, listing=i == 0)
    return results


# ---------------------------------------------------------------- Label Studio


@contextmanager
def labelstudio_server(spec: dict[str, object]) -> Iterator[str]:
    """`label-studio start` on 127.0.0.1 on a copy of the prepared data dir; stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="ls-serving-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(str(spec["data_dir"]), data_dir)
        port = free_port()
        # no update check, no analytics: nothing leaves 127.0.0.1
        env = dict(
            os.environ,
            LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
            LATEST_VERSION_CHECK="false",
            COLLECT_ANALYTICS="false",
        )
        env.update({str(k): str(v) for k, v in dict(spec.get("env", {})).items()})  # type: ignore[arg-type]
        cmd = [
            str(Path(str(spec["venv"])) / "bin" / "label-studio"),
            "start",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-browser",
            "--data-dir",
            str(data_dir),
        ]
        log = (Path(tmp) / "ls.log").open("wb")
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        try:
            with httpx.Client(timeout=2.0) as http:
                while True:
                    if process.poll() is not None:
                        log.close()
                        tail = (Path(tmp) / "ls.log").read_text(errors="replace")[-2000:]
                        raise RuntimeError(
                            f"label-studio exited with {process.returncode}:\n{tail}"
                        )
                    try:
                        if http.get(url + "/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.perf_counter() - started > 180:
                        raise RuntimeError("label-studio did not answer /health within 180 s")
                    time.sleep(0.2)
            print(f"    Label Studio ready in {time.perf_counter() - started:.0f} s", flush=True)
            yield url
        finally:
            stop(process, timeout_s=20)
            log.close()


def measure_labelstudio(spec: dict[str, object], args: argparse.Namespace) -> list[Result]:
    n = int(spec["items"])  # type: ignore[call-overload]
    project_id = int(spec["project_id"])  # type: ignore[call-overload]
    tokens = [str(t) for t in spec["annotator_tokens"]]  # type: ignore[attr-defined]
    scheme = str(spec.get("auth_scheme", "Token"))
    label = f"SQLite (LS {spec.get('version', '?')})"
    results: list[Result] = []
    system = labelstudio_system(project_id)
    with labelstudio_server(spec) as url:
        admin = {"Authorization": f"{scheme} {spec['admin_token']}"}
        base = f"/api/tasks?project={project_id}&page_size={PAGE}"
        far_page = min(FAR_PAGE, n // PAGE)
        page1 = time_gets(url, admin, f"{base}&page=1", args.list_requests)
        far = time_gets(url, admin, f"{base}&page={far_page}", args.list_requests)
        results.append(Result("Label Studio", label, n, f"list page 1 of {PAGE}", None, page1))
        results.append(
            Result(
                "Label Studio",
                label,
                n,
                f"list page {far_page:,} of {PAGE}",
                None,
                far,
                note="page=N&page_size=100",
            )
        )
        print(
            f"    Label Studio {n:,} items: list page 1 median {statistics.median(page1):.1f} ms, "
            f"page {far_page} median {statistics.median(far):.1f} ms",
            flush=True,
        )
        for c in args.clients:
            if c > len(tokens):
                print(f"    (skipping {c} clients: only {len(tokens)} LS annotators)")
                continue
            clients = [Client(url, {"Authorization": f"{scheme} {t}"}) for t in tokens[:c]]
            load = run_load(system, clients, max(1, args.ls_cycles // c), args.warmup)
            print(
                f"    Label Studio {n:,} items, {c} clients: {load.throughput:,.1f} tasks/s, next "
                f"p50 {pct(load.next_ms, 50):.1f} ms p99 "
                f"{pct(load.next_ms, 99):.1f} ms, client CPU {load.client_cpu_ms:.1f} ms a cycle"
                f"{', ERRORS: ' + load.errors[0] if load.errors else ''}",
                flush=True,
            )
            results += load_results("Label Studio", label, n, [load])
    return results


def ratios(results: Sequence[Result]) -> str:
    """Tessera/LS throughput and LS/Tessera latency, from the same run, on the LS item count."""
    ls = [r for r in results if r.system == "Label Studio"]
    if not ls:
        return ""
    n = ls[0].items

    def find(system: str, figure: str, clients: int | None) -> Result | None:
        for r in results:
            if (r.system, r.database.startswith("SQLite"), r.items, r.figure, r.clients) == (
                system,
                True,
                n,
                figure,
                clients,
            ) and r.database == "SQLite":
                return r
        return None

    lines = [
        f"| ratio, {n:,} items, SQLite, same run | clients | Tessera | Label Studio | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in ls:
        t = find("Tessera", r.figure, r.clients)
        if t is None or not r.samples or not t.samples:
            continue
        if r.figure == "next task":
            assert t.throughput is not None and r.throughput is not None
            lines.append(
                f"| next-task throughput, Tessera / LS | {r.clients} | {t.throughput:,.0f} tasks/s"
                f" | {r.throughput:,.1f} tasks/s | {t.throughput / r.throughput:,.1f}x |"
            )
            tm, lm = statistics.median(t.samples), statistics.median(r.samples)
            lines.append(
                f"| next-task p50 latency, LS / Tessera | {r.clients} | {tm:.1f} ms | {lm:.1f} ms"
                f" | {lm / tm:,.1f}x |"
            )
        elif r.figure.startswith("list") or r.figure == "submit":
            tm, lm = statistics.median(t.samples), statistics.median(r.samples)
            lines.append(
                f"| {r.figure} p50 latency, LS / Tessera | {r.clients or ''} | {tm:.1f} ms | "
                f"{lm:.1f} ms | {lm / tm:,.1f}x |"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def ints(text: str) -> list[int]:
    return [
        int(x.replace("_", "").replace("k", "000").replace("M", "000000")) for x in text.split(",")
    ]


def alternating_backend(backend: str, args: argparse.Namespace) -> list[Result]:
    """`--alternate-sizes`: every size's project side by side, each load at every size in turn."""
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    results: list[Result] = []
    with ExitStack() as st:
        projects: dict[int, TesseraProject] = {}
        for n in args.sizes:
            print(f"{backend}, {n:,} items:", flush=True)
            tmp = st.enter_context(
                tempfile.TemporaryDirectory(prefix="tessera-serving-", dir=args.data_root)
            )
            url = None
            if backend == "postgres":
                url = st.enter_context(postgres_database(args.postgres_url, f"tessera_serving_{n}"))
            projects[n] = prepare_tessera(Path(tmp), url, n, max(args.clients))
        print(f"{backend}, sizes alternating:", flush=True)
        for processes in args.pg_processes if backend == "postgres" else [1]:
            for workers in args.workers:
                results += measure_alternating(projects, name, args, processes, workers)
    return results


def labelstudio_beside(
    spec: dict[str, object] | None, args: argparse.Namespace, n: int
) -> list[Result]:
    """Label Studio on its project of `n` items, when the run has one of that size."""
    if not spec or n != int(str(spec["items"])):
        return []
    print(f"Label Studio, {n:,} items (same run):", flush=True)
    try:
        return measure_labelstudio(spec, args)
    except Exception as e:
        print(f"    Label Studio failed: {e}", flush=True)
        return []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=ints, default=ints("10k,100k,1M"), help="items per project")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--clients", type=ints, default=ints("1,8,32"), help="client counts")
    parser.add_argument(
        "--cycles",
        type=int,
        default=960,
        help="measured next+submit cycles per client count, split evenly over the clients",
    )
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured cycles per client")
    parser.add_argument(
        "--think-ms",
        type=ints,
        default=[0],
        help="mean pauses before each measured cycle (exponential), e.g. 0,1000; 0: a closed "
        "loop; each client count runs once per value",
    )
    parser.add_argument(
        "--think-min-clients",
        type=int,
        default=8,
        help="run the --think-ms variants only with at least this many clients",
    )
    parser.add_argument("--list-requests", type=int, default=50, help="GETs per listed page")
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs of each Tessera load, one after another on the same server; a row gives "
        "the median of the runs' p50s and of their p99s (this machine's tail is noisy)",
    )
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a database on the server where a fresh tessera_serving_<size> is created",
    )
    parser.add_argument(
        "--pg-processes",
        type=ints,
        default=[1],
        help="`tessera serve` servers on PostgreSQL, e.g. 1,2 (clients are spread round-robin)",
    )
    parser.add_argument(
        "--workers",
        type=ints,
        default=[1],
        help="`tessera serve --workers N` variants, e.g. 1,2 (one port, the kernel spreads "
        "the clients' connections over the processes)",
    )
    parser.add_argument(
        "--labelstudio",
        type=Path,
        help="the JSON written by bench/peers/labelstudio_setup.sh; "
        "runs Label Studio right after Tessera's SQLite project of the same size",
    )
    parser.add_argument("--ls-cycles", type=int, default=240, help="measured cycles for LS")
    parser.add_argument(
        "--data-root",
        type=Path,
        help="where Tessera's data directory (the SQLite file) is made; default the system "
        "temporary directory. /dev/shm (memory) takes the disk out of the figures",
    )
    parser.add_argument(
        "--alternate-sizes",
        action="store_true",
        help="prepare every size first, then run each load at every size in turn (sizes "
        "measured minutes apart also measure the machine's drift)",
    )
    parser.add_argument("--quick", action="store_true", help="10k items only")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [10_000]
    spec = json.loads(args.labelstudio.read_text()) if args.labelstudio else None
    backends = args.backends.split(",")
    started = time.perf_counter()
    command = "python bench/bench_serving.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"Machine: {machine()}", flush=True)
    results: list[Result] = []
    for backend in backends:
        if args.alternate_sizes:
            results += alternating_backend(backend, args)
            if backend == "sqlite":
                for n in args.sizes:
                    results += labelstudio_beside(spec, args, n)
            continue
        for n in args.sizes:
            print(f"{backend}, {n:,} items:", flush=True)
            with (
                tempfile.TemporaryDirectory(prefix="tessera-serving-", dir=args.data_root) as tmp,
                ExitStack() as st,
            ):
                url = None
                if backend == "postgres":
                    url = st.enter_context(
                        postgres_database(args.postgres_url, f"tessera_serving_{n}")
                    )
                p = prepare_tessera(Path(tmp), url, n, max(args.clients))
                name = "SQLite" if backend == "sqlite" else "PostgreSQL"
                for processes in args.pg_processes if backend == "postgres" else [1]:
                    for workers in args.workers:
                        results += measure_tessera(p, name, n, args, processes, workers)
            if backend == "sqlite":
                results += labelstudio_beside(spec, args, n)
    print()
    print(
        f"Measured with `{command}` in {time.perf_counter() - started:.0f} s on: {machine()}. "
        f"Each client count runs {args.warmup} warm-up cycles per client, then "
        f"{args.cycles} measured next+submit cycles split over the clients "
        f"({args.ls_cycles} for Label Studio)"
        + (
            "; with thinking N ms, each cycle after a pause of mean N ms (exponential)"
            if any(args.think_ms)
            else ""
        )
        + (
            f"; each Tessera load {args.repeats} times, a row giving the median run's p50 and "
            "p99 (tasks/s: the median run's)"
            if args.repeats > 1
            else ""
        )
        + "; one thread, annotator, token and keep-alive "
        f"connection per client, clients and server(s) on the same host over 127.0.0.1. "
        f"Listing: {args.list_requests} sequential GETs per page after 3 unmeasured, no other load."
        + (f" Data directories under {args.data_root}." if args.data_root else "")
    )
    print()
    print(table(results))
    r = ratios(results)
    if r:
        print()
        print(r)


if __name__ == "__main__":
    main()
