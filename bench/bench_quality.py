"""tessera.quality beside crowd-kit 1.4.2 and `krippendorff`: seconds, peak RSS and accuracy.

Synthetic Dawid-Skene data: 2M labels (400k items x 5 answers, 1,000 annotators of mixed skill
including spammers, 5 classes, fixed seed); preferences: 1M comparisons over 10k items by 1,000
annotators (spammers and adversaries among them, Davidson ties). Every (method, library) runs
in a fresh subprocess that loads the data from .npy files, so its peak RSS (VmHWM) is its own.
The peers run from another virtual environment (`--peer-python`, e.g. /tmp/ck-venv, made with
`python3 -m venv /tmp/ck-venv && /tmp/ck-venv/bin/pip install crowd-kit==1.4.2 krippendorff`);
they are never a dependency of Tessera.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness import machine

SEED = 2024
N_ITEMS, N_ANNOTATORS, N_CLASSES, PER_ITEM = 400_000, 1_000, 5, 5
BT_ITEMS, BT_COMPARISONS, BT_TIE = 10_000, 1_000_000, 0.3

WORKER = r"""
import json, sys, time
from pathlib import Path
import numpy as np

def peak_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

def categorical(data, limit):
    d = {k: np.load(data / f"cat_{k}.npy") for k in ("items", "annotators", "labels", "truth")}
    if limit:
        keep = d["items"] < limit
        rows = {k: d[k][keep] for k in ("items", "annotators", "labels")}
        d = {**rows, "truth": d["truth"][:limit]}
    return d

def tessera_categorical(name, d):
    from tessera.quality import GLAD, MACE, Answers, DawidSkene
    answers = Answers.from_arrays(d["items"], d["annotators"], d["labels"])
    def fit():
        model = {"ds": DawidSkene, "mace": MACE, "glad": GLAD}[name]().fit(answers)
        return model.labels_, model.n_iter_, model.converged_
    return fit

def crowdkit_categorical(name, d):
    import pandas as pd
    from crowdkit.aggregation import GLAD, MACE, DawidSkene
    frame = pd.DataFrame({"task": d["items"], "worker": d["annotators"], "label": d["labels"]})
    def fit():
        model = {"ds": DawidSkene, "mace": MACE, "glad": GLAD}[name]()
        result = model.fit_predict(frame)
        labels = np.full(len(d["truth"]), -1)
        labels[result.index.to_numpy(dtype=np.int64)] = result.to_numpy(dtype=np.int64)
        history = getattr(model, "loss_history_", None)
        return labels, (len(history) if history is not None else None), None
    return fit

def alpha(impl, d):
    if impl == "tessera":
        from tessera.quality import KrippendorffAlpha
        def fit():
            value = KrippendorffAlpha().fit(d["items"], d["annotators"], d["labels"]).value_
            return value, None, None
        return fit
    import krippendorff
    def fit():
        # the package's own fast input: a units x values count table, built here from rows
        n = int(d["items"].max()) + 1
        counts = np.bincount(d["items"] * 5 + d["labels"], minlength=n * 5).reshape(n, 5)
        return krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"), None, None
    return fit

def preferences(impl, name, data):
    d = {k: np.load(data / f"bt_{k}.npy") for k in ("left", "right", "outcomes", "annotators")}
    if impl == "tessera":
        from tessera.quality import BradleyTerry, Comparisons, CrowdBradleyTerry
        comparisons = Comparisons.from_arrays(
            d["left"], d["right"], d["outcomes"], d["annotators"]
        )
        def fit():
            model = {"bt": BradleyTerry, "crowdbt": CrowdBradleyTerry}[name]().fit(comparisons)
            return model.scores_, model.n_iter_, model.converged_
        return fit
    import pandas as pd
    from crowdkit.aggregation import BradleyTerry
    keep = d["outcomes"] < 2  # crowd-kit takes a winner; ties are left out
    left, right = d["left"][keep], d["right"][keep]
    winner = np.where(d["outcomes"][keep] == 0, left, right)
    frame = pd.DataFrame(
        {"worker": d["annotators"][keep], "left": left, "right": right, "label": winner}
    )
    def fit():
        model = BradleyTerry(n_iter=100)
        scores = model.fit_predict(frame)
        full = np.zeros(int(np.load(data / "bt_scores.npy").size))
        full[scores.index.to_numpy(dtype=np.int64)] = scores.to_numpy(dtype=np.float64)
        history = getattr(model, "loss_history_", None)
        rounds = len(history) if history is not None else None
        return np.log(np.maximum(full, 1e-300)), rounds, None
    return fit

def main():
    impl, name, data = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    runs, limit = int(sys.argv[4]), int(sys.argv[5])
    if name in ("bt", "crowdbt"):
        fit = preferences(impl, name, data)
    else:
        d = categorical(data, limit)
        if name == "alpha":
            fit = alpha(impl, d)
        else:
            fit = (tessera_categorical if impl == "tessera" else crowdkit_categorical)(name, d)
    loaded_mib = peak_mib()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result, n_iter, converged = fit()
        seconds.append(time.perf_counter() - started)
    if name in ("bt", "crowdbt"):
        from scipy.stats import spearmanr
        quality = float(spearmanr(result, np.load(data / "bt_scores.npy"))[0])
    elif name == "alpha":
        quality = float(result)
    else:
        quality = float(np.mean(result == d["truth"]))
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib(), "loaded_mib": loaded_mib,
                      "quality": quality, "n_iter": n_iter, "converged": converged}))

main()
"""


def dawid_skene_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Labels drawn from one confusion matrix per annotator; 15 % spammers answer at random."""
    prior = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    truth = rng.choice(N_CLASSES, size=N_ITEMS, p=prior)
    confusion = np.empty((N_ANNOTATORS, N_CLASSES, N_CLASSES))
    for a in range(N_ANNOTATORS):
        if rng.random() < 0.15:
            confusion[a] = rng.dirichlet(np.ones(N_CLASSES))[None, :]
            continue
        accuracy = rng.uniform(0.45, 0.95)
        for t in range(N_CLASSES):
            errors = rng.dirichlet(np.ones(N_CLASSES - 1)) * (1 - accuracy)
            confusion[a, t] = np.insert(errors, t, accuracy)
    who = rng.integers(0, N_ANNOTATORS, size=(N_ITEMS, PER_ITEM))
    while True:  # five different annotators per item
        ordered = np.sort(who, axis=1)
        repeated = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not repeated.any():
            break
        who[repeated] = rng.integers(0, N_ANNOTATORS, size=(int(repeated.sum()), PER_ITEM))
    items = np.repeat(np.arange(N_ITEMS), PER_ITEM)
    annotators = who.reshape(-1)
    cumulative = confusion.cumsum(axis=2)[annotators, truth[items]]
    labels = np.minimum((rng.random(len(items))[:, None] > cumulative).sum(axis=1), N_CLASSES - 1)
    return {"items": items, "annotators": annotators, "labels": labels, "truth": truth}


def preference_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Davidson outcomes (nu = 0.3); 10 % spammers (eta 0.5), 5 % adversaries (eta 0.2)."""
    scores = rng.normal(0, 1, BT_ITEMS)
    left = rng.integers(0, BT_ITEMS, BT_COMPARISONS)
    right = (left + rng.integers(1, BT_ITEMS, BT_COMPARISONS)) % BT_ITEMS
    annotators = rng.integers(0, N_ANNOTATORS, BT_COMPARISONS)
    kind = rng.random(N_ANNOTATORS)
    reliability = np.where(
        kind < 0.1, 0.5, np.where(kind < 0.15, 0.2, rng.uniform(0.75, 1, N_ANNOTATORS))
    )
    half = (scores[left] - scores[right]) / 2
    weights = np.stack([np.exp(half), np.exp(-half), np.full_like(half, BT_TIE)], axis=1)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    outcomes = (rng.random(BT_COMPARISONS)[:, None] > cumulative).sum(axis=1)
    reversed_ = (rng.random(BT_COMPARISONS) > reliability[annotators]) & (outcomes < 2)
    outcomes = np.where(reversed_, 1 - outcomes, outcomes)
    return {
        "left": left,
        "right": right,
        "outcomes": outcomes,
        "annotators": annotators,
        "scores": scores,
    }


@dataclass(frozen=True)
class Job:
    task: str
    impl: str  # "tessera" or a peer's name
    method: str
    runs: int
    limit: int = 0  # only items below this code (0: all)


@dataclass
class Result:
    job: Job
    data: dict[str, Any] | None
    note: str = ""


def run_job(job: Job, data: Path, worker: Path, peer_python: str, timeout_s: int) -> Result:
    python = sys.executable if job.impl == "tessera" else peer_python
    kind = "tessera" if job.impl == "tessera" else "peer"
    command = [python, str(worker), kind, job.method, str(data), str(job.runs), str(job.limit)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return Result(job, None, f"stopped after {timeout_s} s")
    if done.returncode != 0:
        return Result(job, None, "failed: " + done.stderr.strip().splitlines()[-1][:120])
    return Result(job, json.loads(done.stdout.strip().splitlines()[-1]))


def jobs(
    runs: int, peer_runs: int, slow_peer_items: int, glad_peer_items: int, skip_slow: bool
) -> list[Job]:
    listed = [
        Job("Dawid-Skene", "tessera", "ds", runs),
        Job("Dawid-Skene", "crowd-kit", "ds", peer_runs),
        Job("MACE", "tessera", "mace", runs),
        Job("GLAD", "tessera", "glad", runs),
        Job("Krippendorff's alpha (nominal)", "tessera", "alpha", runs),
        Job("Krippendorff's alpha (nominal)", "krippendorff", "alpha", runs),
        Job("Bradley-Terry", "tessera", "bt", runs),
        Job("Crowd-BT (reliability)", "tessera", "crowdbt", runs),
        Job("Bradley-Terry", "crowd-kit", "bt", peer_runs),
    ]
    if not skip_slow:
        for method, task, items in (
            ("mace", "MACE", slow_peer_items),
            ("glad", "GLAD", glad_peer_items),
        ):
            listed.append(Job(task, "tessera", method, runs, items))
            listed.append(Job(task, "crowd-kit", method, peer_runs, items))
    return listed


def table(results: list[Result]) -> str:
    lines = [
        "| task | library | input | seconds (median) | runs | peak RSS (MiB) | accuracy "
        "| rounds | converged |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        j = r.job
        if j.method in ("bt", "crowdbt"):
            size = f"{BT_COMPARISONS / 1e6:.0f}M comparisons, {BT_ITEMS // 1000}k items"
        else:
            size = f"{(j.limit or N_ITEMS) * PER_ITEM / 1e6:g}M labels"
        if r.data is None:
            lines.append(f"| {j.task} | {j.impl} | {size} | {r.note} | | | | | |")
            continue
        d = r.data
        label = (
            "Spearman rho"
            if j.method in ("bt", "crowdbt")
            else ("alpha" if j.method == "alpha" else "")
        )
        quality = f"{d['quality']:.4f}" + (f" ({label})" if label else "")
        rounds = "" if d["n_iter"] is None else str(d["n_iter"])
        converged = "" if d["converged"] is None else ("yes" if d["converged"] else "no")
        lines.append(
            f"| {j.task} | {j.impl} | {size} | {statistics.median(d['seconds']):.2f} | "
            f"{len(d['seconds'])} | {d['peak_mib']:.0f} | {quality} | {rounds} | {converged} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fits per Tessera method (median)")
    parser.add_argument("--peer-runs", type=int, default=1, help="fits per peer method")
    parser.add_argument("--peer-python", default="/tmp/ck-venv/bin/python")
    parser.add_argument("--peer-timeout-s", type=int, default=1200)
    parser.add_argument(
        "--slow-peer-items",
        type=int,
        default=20_000,
        help="crowd-kit MACE (about 700 s on 2M labels) runs on the first N items; 0: all",
    )
    parser.add_argument(
        "--glad-peer-items",
        type=int,
        default=2_000,
        help="crowd-kit GLAD (minutes per round at 500k labels) runs on the first N items",
    )
    parser.add_argument("--skip-slow-peers", action="store_true", help="no MACE/GLAD peer runs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"Machine: {machine()}", flush=True)
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="tessera-quality-bench-") as tmp:
        data = Path(tmp)
        for name, values in dawid_skene_data(rng).items():
            np.save(data / f"cat_{name}.npy", values)
        for name, values in preference_data(rng).items():
            np.save(data / f"bt_{name}.npy", values)
        worker = data / "worker.py"
        worker.write_text(WORKER)
        results = []
        listed = jobs(
            args.runs,
            args.peer_runs,
            args.slow_peer_items,
            args.glad_peer_items,
            args.skip_slow_peers,
        )
        for job in listed:
            result = run_job(job, data, worker, args.peer_python, args.peer_timeout_s)
            results.append(result)
            seconds = (
                "" if result.data is None else f"{statistics.median(result.data['seconds']):.2f} s"
            )
            print(
                f"  {job.task} / {job.impl} / limit {job.limit or 'none'}: {seconds} {result.note}",
                flush=True,
            )
    print()
    print(
        f"Measured with `python bench/bench_quality.py {' '.join(argv or sys.argv[1:])}`".rstrip()
        + f" in {time.perf_counter() - started:.0f} s on: {machine()}. Seconds are medians of "
        "`fit` alone (data loaded, DataFrame built for crowd-kit); peak RSS is the worker "
        "process's VmHWM, imports and data included. Crowd-kit runs with its defaults; "
        "its Bradley-Terry gets the comparisons without ties."
    )
    print()
    print(table(results))


if __name__ == "__main__":
    main()
