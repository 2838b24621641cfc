"""Simulated annotators over HTTP: random next/submit/skip/abandon cycles, then a drain."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from serving_checks import Answer, Call, Outcome

from tessera.services.clock import utcnow

if TYPE_CHECKING:
    from serving_scenario import Setup, StressConfig

CLOCK_MARGIN = timedelta(seconds=1)  # client and servers share a clock; requests take time
DRAIN_THREADS = 8
DRAIN_ROUNDS = 20


@dataclass
class Lease:
    project_id: int
    assignment_id: int
    item_id: int
    expires_at: datetime


@dataclass
class Annotator:
    """A simulated annotator: the leases it walked away from, and those it lost."""

    user_id: int
    headers: dict[str, str]
    held: dict[int, Lease] = field(default_factory=dict)  # project id -> abandoned lease
    lost: list[Lease] = field(default_factory=list)  # leases next no longer hands back


class Pool:
    """Annotators not in use by a thread; one thread acts as one annotator at a time."""

    def __init__(self, annotators: list[Annotator]) -> None:
        self._free = list(annotators)
        self._lock = threading.Lock()

    def take(self, rng: random.Random) -> Annotator:
        with self._lock:
            return self._free.pop(rng.randrange(len(self._free)))

    def give_back(self, who: Annotator) -> None:
        with self._lock:
            self._free.append(who)


class Session:
    """One thread's clients (one per server); every request is recorded in the outcome."""

    def __init__(self, urls: list[str], workspace_id: int, outcome: Outcome) -> None:
        self.clients = [httpx.Client(base_url=u, timeout=60.0) for u in urls]
        self.base = f"/api/workspaces/{workspace_id}"
        self.outcome = outcome

    def close(self) -> None:
        for c in self.clients:
            c.close()

    def post(
        self, rng: random.Random, op: str, who: Annotator, path: str, body: object = None
    ) -> httpx.Response | None:
        client = rng.choice(self.clients)
        try:
            r = client.post(self.base + path, json=body, headers=who.headers)
        except httpx.TransportError:
            # A keep-alive connection the server closed as it was reused: send it again, as a
            # real client would (next, submit and skip are all safe to repeat).
            self.outcome.calls.append(Call(op, 0, "connection reset; sent again"))
            try:
                r = client.post(self.base + path, json=body, headers=who.headers)
            except httpx.HTTPError as exc:
                self.outcome.violation(f"{op}: no response from {client.base_url}: {exc!r}")
                return None
        message = ""
        if r.status_code >= 400:
            try:
                message = str(r.json()["error"]["message"])
            except (ValueError, KeyError, TypeError):
                message = r.text[:200]
        self.outcome.calls.append(Call(op, r.status_code, message))
        return r

    def next_task(self, rng: random.Random, who: Annotator, project_id: int) -> Lease | None:
        r = self.post(rng, "next", who, f"/projects/{project_id}/tasks/next")
        if r is None or r.status_code != 200:
            return None
        t = r.json()
        expires_at = datetime.fromisoformat(t["expires_at"])
        return Lease(project_id, t["assignment_id"], t["item"]["id"], expires_at)

    def submit(self, rng: random.Random, op: str, who: Annotator, lease: Lease) -> int:
        """Submit an answer; the status (0 when no response), the answer recorded on 201."""
        value = {"label": rng.choice("abc")}
        path = f"/tasks/{lease.assignment_id}/annotations"
        r = self.post(rng, op, who, path, {"value": value})
        if r is None:
            return 0
        if r.status_code == 201:
            a = r.json()
            answer = Answer(a["id"], a["item_id"], a["assignment_id"], who.user_id)
            self.outcome.answer(answer, expected_item=lease.item_id)
            if rng.random() < 0.5:  # a client retry, as after a lost response: stored once
                again = self.post(rng, "retry", who, path, {"value": value})
                if again is not None and again.status_code == 201 and again.json()["id"] != a["id"]:
                    self.outcome.violation(
                        f"retry of assignment {lease.assignment_id} stored twice"
                    )
        elif (
            r.status_code == 409
            and op in ("submit", "drain")
            and utcnow() < lease.expires_at - CLOCK_MARGIN
        ):
            self.outcome.violation(f"409 on a live lease {lease}: {r.text[:200]}")
        return r.status_code

    def skip(self, rng: random.Random, who: Annotator, lease: Lease) -> None:
        r = self.post(rng, "skip", who, f"/tasks/{lease.assignment_id}/skip", {"reason": "unsure"})
        if r is not None and r.status_code == 204:
            self.outcome.skip(lease.item_id, who.user_id)


def annotate(urls: list[str], setup: Setup, config: StressConfig, outcome: Outcome) -> int:
    """Run the threads until `config.cycles` next calls were made or time is up; the cycles."""
    budget = Budget(config.cycles, time.monotonic() + config.time_limit_s)
    pool = Pool(setup.annotators)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        session = Session(urls, setup.workspace_id, outcome)
        try:
            while budget.take():
                who = pool.take(rng)
                try:
                    _cycle(session, rng, who, rng.choice(setup.project_ids), config)
                finally:
                    pool.give_back(who)
        except Exception as exc:  # reported as a violation: the run must go on to its checks
            outcome.violation(f"worker {seed} crashed: {exc!r}")
        finally:
            session.close()

    _run_threads(work, [config.seed * 10_000 + i for i in range(config.workers)])
    return budget.used


def _cycle(
    session: Session, rng: random.Random, who: Annotator, project_id: int, config: StressConfig
) -> None:
    held = who.held.pop(project_id, None)
    lease = session.next_task(rng, who, project_id)
    if held is not None and (lease is None or lease.assignment_id != held.assignment_id):
        if utcnow() < held.expires_at - CLOCK_MARGIN:
            session.outcome.violation(f"next did not hand back the live lease {held}: {lease}")
        who.lost.append(held)
    if lease is not None:
        # an expired lease may come back renewed, under the same assignment id
        who.lost = [x for x in who.lost if x.assignment_id != lease.assignment_id]
        roll = rng.random()
        if roll < config.p_abandon:
            who.held[project_id] = lease  # walk away: the lease must expire by itself
        elif roll < config.p_abandon + config.p_skip:
            session.skip(rng, who, lease)
        else:
            session.submit(rng, "submit", who, lease)
    if who.lost and rng.random() < config.p_late:
        # An annotator who comes back to a tab left open: 201 while the item still needs
        # an answer, else 409 saying why.
        session.submit(rng, "late", who, who.lost.pop(rng.randrange(len(who.lost))))


def drain(urls: list[str], setup: Setup, outcome: Outcome) -> None:
    """Every annotator answers whatever is left to them, in rounds, until a round is quiet."""

    for round_ in range(DRAIN_ROUNDS):
        busy = threading.Event()

        def finish(i: int, round_: int = round_, busy: threading.Event = busy) -> None:
            rng = random.Random(f"drain {round_} {i}")
            session = Session(urls, setup.workspace_id, outcome)
            try:
                for who in setup.annotators[i::DRAIN_THREADS]:
                    who.held.clear()
                    for project_id in setup.project_ids:
                        while (lease := session.next_task(rng, who, project_id)) is not None:
                            busy.set()
                            if session.submit(rng, "drain", who, lease) == 0:
                                return
            except Exception as exc:
                outcome.violation(f"drain thread {i} crashed: {exc!r}")
            finally:
                session.close()

        _run_threads(finish, list(range(DRAIN_THREADS)))
        if not busy.is_set():
            return
    outcome.violation(f"the drain was still handing out tasks after {DRAIN_ROUNDS} rounds")


class Budget:
    """The shared cycle count and deadline."""

    def __init__(self, cycles: int, deadline: float) -> None:
        self.cycles = cycles
        self.deadline = deadline
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.used >= self.cycles or time.monotonic() > self.deadline:
                return False
            self.used += 1
            return True


def _run_threads(target: Callable[[int], None], args: list[int]) -> None:
    with ThreadPoolExecutor(max_workers=len(args)) as ex:
        for f in [ex.submit(target, a) for a in args]:
            f.result()
