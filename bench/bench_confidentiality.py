"""What confidentiality costs: import/export with and without encryption, and the ledger's
append per served task. In-process through the services, same data, same run, alternating."""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import Row, machine, markdown, median
from tessera.domain.keys import KeyLoader
from tessera.formats import ImportFormat
from tessera.security.envelope import Keyring
from tessera.services import accounts, assignment, exports, imports, ledger, projects, workspaces
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine, make_single_use_engine

SCHEMA = {
    "fields": [{"name": "text"}],
    "questions": [{"name": "label", "type": "single_choice", "options": ["a", "b"]}],
}


class PlaintextKeyring(Keyring):
    """The baseline: the same seam with no cryptography (for this benchmark only)."""

    def seal(
        self, workspace_id: int, purpose: str, row: str, plaintext: bytes, keys: KeyLoader
    ) -> bytes:
        return b"\x00" + plaintext

    def open(
        self, workspace_id: int, purpose: str, row: str, ciphertext: bytes, keys: KeyLoader
    ) -> bytes:
        return ciphertext[1:]


@contextmanager
def database(url: str | None, plaintext: bool) -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        target = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(make_single_use_engine(target))
        ring = PlaintextKeyring if plaintext else Keyring
        db = Database(make_engine(target), ring(b"k" * 32))
        try:
            yield db
        finally:
            db.dispose()


def _setup(db: Database, tag: str) -> tuple[object, int, int]:
    with db.session() as s:
        op = accounts.create_user(
            s, email=f"op-{tag}@bench.local", name="op", password=None, is_operator=True
        )
        ws = workspaces.create_workspace(s, actor=op, name=tag, owner_email=None)
        p = projects.create_project(s, actor=op, workspace_id=ws.id, name=tag, label_schema=SCHEMA)
    return op, ws.id, p.id


def import_export(db: Database, body: bytes, items: int, tag: str) -> tuple[float, float]:
    """(import items/s, export items/s) for one fresh project."""
    op, ws, pid = _setup(db, tag)
    with db.session() as s:
        t0 = time.perf_counter()
        imports.import_items(
            s,
            actor=op,
            workspace_id=ws,
            project_id=pid,  # type: ignore[arg-type]
            stream=io.BytesIO(body),
            fmt=ImportFormat.JSONL,
        )
        t1 = time.perf_counter()
        _, chunks = exports.export_project(
            s,
            actor=op,
            workspace_id=ws,
            project_id=pid,  # type: ignore[arg-type]
            fmt=exports.ExportFormat.JSONL,
        )
        for _ in chunks:
            pass
        t2 = time.perf_counter()
    return items / (t1 - t0), items / (t2 - t1)


def serve_cycle_ms(db: Database, cycles: int, tag: str) -> float:
    """Median milliseconds of one next-task call (each followed by a submit)."""
    op, ws, pid = _setup(db, tag)
    body = "\n".join(json.dumps({"text": f"t{i}"}) for i in range(cycles)).encode()
    with db.session() as s:
        imports.import_items(
            s,
            actor=op,
            workspace_id=ws,
            project_id=pid,  # type: ignore[arg-type]
            stream=io.BytesIO(body),
            fmt=ImportFormat.JSONL,
        )
        times = []
        for _ in range(cycles):
            t0 = time.perf_counter()
            task = assignment.next_task(s, actor=op, workspace_id=ws, project_id=pid)  # type: ignore[arg-type]
            times.append(time.perf_counter() - t0)
            assert task is not None
            assignment.submit_annotation(
                s,
                actor=op,
                workspace_id=ws,
                assignment_id=task.assignment.id,  # type: ignore[arg-type]
                value={"label": "a"},
            )
    return median(times) * 1000


@contextmanager
def ledger_disabled() -> Iterator[None]:
    original: Callable[..., None] = ledger.record
    ledger.record = lambda *a, **k: None  # type: ignore[assignment]
    try:
        yield
    finally:
        ledger.record = original  # type: ignore[assignment]


def run(items: int, runs: int, cycles: int, url: str | None) -> list[Row]:
    body = "\n".join(
        json.dumps({"external_id": f"e{i}", "text": f"a short review, number {i}"})
        for i in range(items)
    ).encode()
    results: dict[str, list[float]] = {}
    for r in range(runs):
        for plaintext in (False, True):
            name = "plain" if plaintext else "aes"
            with database(url, plaintext) as db:
                imp, exp = import_export(db, body, items, f"{name}{r}")
            results.setdefault(f"import-{name}", []).append(imp)
            results.setdefault(f"export-{name}", []).append(exp)
            print(
                f"  run {r + 1}/{runs} {name:5}: "
                f"import {imp:,.0f} items/s, export {exp:,.0f} items/s",
                flush=True,
            )
        for with_ledger in (True, False):
            with database(url, False) as db:
                if with_ledger:
                    ms = serve_cycle_ms(db, cycles, f"l{r}")
                else:
                    with ledger_disabled():
                        ms = serve_cycle_ms(db, cycles, f"n{r}")
            key = "next-ledger" if with_ledger else "next-noledger"
            results.setdefault(key, []).append(ms)
            print(
                f"  run {r + 1}/{runs} next-task "
                f"{'with' if with_ledger else 'without'} ledger: {ms:.2f} ms",
                flush=True,
            )
    where = "PostgreSQL" if url else "SQLite"
    fresh = "a fresh database" if url is None else "a fresh workspace in one database"
    how = f"services in-process on {where}, {items:,} items, {fresh} per run"
    m = {k: median(v) for k, v in results.items()}
    return [
        Row("import, AES-256-GCM", "items/s", f"{m['import-aes']:,.0f}", runs, how),
        Row("import, no encryption", "items/s", f"{m['import-plain']:,.0f}", runs, how),
        Row("export, AES-256-GCM", "items/s", f"{m['export-aes']:,.0f}", runs, how),
        Row("export, no encryption", "items/s", f"{m['export-plain']:,.0f}", runs, how),
        Row(
            "next task, with ledger append",
            "ms (median)",
            f"{m['next-ledger']:.2f}",
            runs,
            f"{cycles} next+submit cycles by one annotator on {where}",
        ),
        Row(
            "next task, ledger disabled",
            "ms (median)",
            f"{m['next-noledger']:.2f}",
            runs,
            f"{cycles} next+submit cycles by one annotator on {where}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    rows = run(args.items, args.runs, args.cycles, args.database_url)
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
