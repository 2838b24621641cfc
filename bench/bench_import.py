"""Import N short text items from JSONL through the HTTP API and through `tessera import`."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness import TESSERA, Row, cli, machine, markdown, median, proc_status_kib, serving
from tessera.services import accounts, projects, workspaces
from tessera.settings import Settings
from tessera.startup import open_database

# Short texts are drawn from these words (SIM905 would turn a literal .split() into a list).
VOCABULARY = (
    "the delivery was quick and the product works well but support never answered my "
    "question about the warranty so I am not sure I would buy again price quality fine great "
    "terrible battery screen sound fit size colour app setup easy hard broke returned love"
)
WORDS = VOCABULARY.split()
SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "label", "type": "single_choice", "options": ["positive", "negative"]},
    ],
}
OWNER = "bench-owner@example.org"


def write_items(path: Path, n: int) -> int:
    """A JSONL file of n short texts (6-20 words), the same for the same n; returns its size."""
    rng = random.Random(n)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(rng.choices(WORDS, k=rng.randint(6, 20))).capitalize() + "."
            fh.write(json.dumps({"external_id": f"item-{i}", "text": text}) + "\n")
    return path.stat().st_size


@dataclass
class Lab:
    """A data directory with an owner, a workspace and an API token for the owner."""

    settings: Settings
    env: dict[str, str]
    workspace_id: int
    token: str

    def new_project(self, name: str) -> int:
        database = open_database(self.settings)
        try:
            with database.session() as db:
                owner = accounts.authenticate(db, email=OWNER, password="bench password 123")
                p = projects.create_project(
                    db, actor=owner, workspace_id=self.workspace_id, name=name, label_schema=SCHEMA
                )
                return p.id
        finally:
            database.dispose()


def make_lab(root: Path, database_url: str | None) -> Lab:
    env = dict(os.environ, TESSERA_MAX_UPLOAD_BYTES=str(8 << 30))
    if database_url:
        env["TESSERA_DATABASE_URL"] = database_url
    data_dir = root / "data"
    cli("init", "--data-dir", str(data_dir), env=env)
    settings = Settings(data_dir=data_dir, database_url=database_url)
    database = open_database(settings)
    try:
        with database.session() as db:
            op = accounts.create_user(
                db, email="bench-op@example.org", name="", password=None, is_operator=True
            )
            accounts.create_user(db, email=OWNER, name="", password="bench password 123")
            ws = workspaces.create_workspace(db, actor=op, name="Bench", owner_email=OWNER)
            token = accounts.create_api_token(db, email=OWNER, name="bench").secret
    finally:
        database.dispose()
    return Lab(settings, env, ws.id, token)


def bench_api(lab: Lab, file: Path, n: int, runs: int) -> tuple[list[float], int, int]:
    """items/s per run, the server's RSS before the first import and its peak (VmHWM), KiB."""
    rates: list[float] = []
    with serving(lab.settings.data_dir, lab.env) as server, httpx.Client(timeout=None) as http:
        pid = server.process.pid
        idle = proc_status_kib(pid, "VmRSS")
        for i in range(runs):
            project_id = lab.new_project(f"api run {i + 1}")
            url = (
                f"{server.url}/api/workspaces/{lab.workspace_id}/projects/{project_id}"
                "/items/import?format=jsonl"
            )
            headers = {"Authorization": f"Bearer {lab.token}"}
            with file.open("rb") as fh:
                started = time.perf_counter()
                r = http.post(url, content=fh, headers=headers)
                seconds = time.perf_counter() - started
            r.raise_for_status()
            assert r.json()["created"] == n, r.text
            rates.append(n / seconds)
            peak = proc_status_kib(pid, "VmHWM")
            print(
                f"  API run {i + 1}/{runs}: {n:,} items in {seconds:.2f} s = "
                f"{rates[-1]:,.0f} items/s; server peak RSS so far {peak / 1024:.0f} MiB",
                flush=True,
            )
        return rates, idle, proc_status_kib(pid, "VmHWM")


def bench_cli(lab: Lab, file: Path, n: int, runs: int) -> tuple[list[float], list[int]]:
    """items/s per run (wall clock of the whole command) and each run's peak RSS, KiB."""
    rates: list[float] = []
    peaks: list[int] = []
    for i in range(runs):
        project_id = lab.new_project(f"cli run {i + 1}")
        cmd = [*TESSERA, "import", str(project_id), str(file), "--as", OWNER]
        cmd += ["--data-dir", str(lab.settings.data_dir)]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=lab.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0 or f"{n} created" not in stderr:
            raise RuntimeError(f"tessera import failed:\n{stderr}")
        rates.append(n / seconds)
        peaks.append(usage.ru_maxrss)  # KiB on Linux
        print(
            f"  CLI run {i + 1}/{runs}: {n:,} items in {seconds:.2f} s = {rates[-1]:,.0f} "
            f"items/s (interpreter start included); peak RSS {usage.ru_maxrss / 1024:.0f} MiB",
            flush=True,
        )
    return rates, peaks


def run(n: int, runs: int, database_url: str | None = None) -> list[Row]:
    """Both import paths, `runs` times each, every run into a fresh project."""
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        root = Path(tmp)
        file = root / "items.jsonl"
        size = write_items(file, n)
        print(
            f"  {n:,} items, {size / 1e6:.1f} MB of JSONL; database: "
            f"{database_url or 'SQLite in the data dir'}",
            flush=True,
        )
        lab = make_lab(root, database_url)
        api_rates, idle, peak = bench_api(lab, file, n, runs)
        cli_rates, cli_peaks = bench_cli(lab, file, n, runs)
    what = f"import {n:,} items ({size / 1e6:.1f} MB JSONL)"
    api_how = (
        "POST /api/workspaces/W/projects/P/items/import?format=jsonl, file streamed by httpx "
        "to `tessera serve` on 127.0.0.1; fresh project per run"
    )
    cli_how = (
        "`python -m tessera.cli import P FILE --as EMAIL`, wall clock including interpreter "
        "start; fresh project per run"
    )
    return [
        Row(f"{what} via API", "items/s", f"{median(api_rates):,.0f}", runs, api_how),
        Row(
            f"{what} via API",
            "server peak RSS (MiB)",
            f"{peak / 1024:.0f}",
            runs,
            f"VmHWM of the server after all runs (VmRSS before the first: {idle / 1024:.0f})",
        ),
        Row(f"{what} via CLI", "items/s", f"{median(cli_rates):,.0f}", runs, cli_how),
        Row(
            f"{what} via CLI",
            "peak RSS (MiB)",
            f"{median(cli_peaks) / 1024:.0f}",
            runs,
            "ru_maxrss of the `tessera import` process (os.wait4)",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000, help="items per import")
    parser.add_argument("--runs", type=int, default=5, help="medians are over this many runs")
    parser.add_argument("--database-url", help="benchmark on this database instead of SQLite")
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    rows = run(args.items, args.runs, args.database_url)
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
