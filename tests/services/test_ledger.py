"""The access ledger: appends chain, verify names the first break, checkpoints catch rewrites."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select, update

from conftest import Factory, Person
from tessera.domain.entities import Role, Workspace
from tessera.domain.errors import Conflict, Forbidden, NotFound
from tessera.security.signing import sign, signing_key_from_seed
from tessera.services import ledger
from tessera.storage.engine import Database, write_transaction
from tessera.storage.repositories.ledger import GENESIS_HASH
from tessera.storage.tables import access_events, ledger_checkpoints, ledger_heads

KEY = signing_key_from_seed(secrets.token_bytes(32))
_chains = itertools.count(1)


def _append(database: Database, workspace_id: int, n: int, who: Person | None = None) -> None:
    for i in range(n):
        with database.session() as db, write_transaction(db):
            ledger.record(
                db,
                workspace_id=workspace_id,
                actor=who.user if who else None,
                action="item.viewed",
                object_type="item",
                object_id=i,
                detail={"n": i, "note": "ünïcode"},
            )


def _drop_chain(database: Database, workspace_id: int) -> None:
    with database.engine.begin() as conn:
        for table in (access_events, ledger_heads, ledger_checkpoints):
            conn.execute(delete(table).where(table.c.workspace_id == workspace_id))


@pytest.fixture
def chain(database: Database) -> Iterator[int]:
    """A chain of 6 events in a workspace id of its own, removed afterwards (verify_all)."""
    workspace_id = 2_000_000_000 + (uuid.uuid4().int % 1_000_000) * 100 + next(_chains) % 100
    _append(database, workspace_id, 6)
    yield workspace_id
    _drop_chain(database, workspace_id)


def _verify(database: Database, workspace_id: int) -> ledger.VerifyReport:
    with database.session() as db:
        return ledger.verify_chain(db, workspace_id)


def _rows(database: Database, workspace_id: int) -> list[dict[str, object]]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(access_events)
            .where(access_events.c.workspace_id == workspace_id)
            .order_by(access_events.c.seq)
        ).all()
    return [dict(r._mapping) for r in rows]


def test_appends_chain_and_verify(database: Database, chain: int) -> None:
    report = _verify(database, chain)
    assert report == ledger.VerifyReport(ok=True, events=6)
    rows = _rows(database, chain)
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    assert json.loads(str(rows[2]["detail"])) == {"n": 2, "note": "ünïcode"}
    with database.session() as db:
        assert ledger.verify_all(db)[chain].ok


AWKWARD = ['say "hi"\\n', "tab\tnew\nline", "emoji 🧪 and ünïcode", "</script>", "", "\\u0041"]


def test_events_with_awkward_text_chain_and_verify(database: Database) -> None:
    # The hash is made around the seq and the previous hash (in SQL on PostgreSQL): the
    # verifier's canonical JSON must agree for quotes, escapes, control and non-ASCII text.
    workspace_id = 1_800_000_000 + uuid.uuid4().int % 1_000_000
    try:
        for i, text in enumerate(AWKWARD):
            with database.session() as db, write_transaction(db):
                ledger.record(
                    db,
                    workspace_id=workspace_id,
                    actor=None,
                    actor_label=text or "system",
                    action="item.viewed",
                    object_type="item",
                    object_id=text,
                    detail={text: [text, i, None, 1.5]},
                )
        rows = _rows(database, workspace_id)
        assert [r["object_id"] for r in rows] == AWKWARD
        assert _verify(database, workspace_id) == ledger.VerifyReport(ok=True, events=6)
        for row in rows:
            fields = {k: v for k, v in row.items() if k not in ("id", "hash")}
            assert ledger.event_hash(**fields) == row["hash"]  # type: ignore[arg-type]
    finally:
        _drop_chain(database, workspace_id)


def test_an_empty_chain_is_intact(database: Database) -> None:
    assert _verify(database, 1_999_999_999) == ledger.VerifyReport(ok=True, events=0)


def _sql(database: Database, *statements: object) -> None:
    with database.engine.begin() as conn:
        for stmt in statements:
            conn.execute(stmt)  # type: ignore[call-overload]


def _event(workspace_id: int, seq: int) -> object:
    return (access_events.c.workspace_id == workspace_id) & (access_events.c.seq == seq)


def test_an_edited_field_is_caught(database: Database, chain: int) -> None:
    _sql(database, update(access_events).where(_event(chain, 3)).values(detail='{"n": 99}'))
    report = _verify(database, chain)
    assert (report.ok, report.first_bad_seq, report.events) == (False, 3, 2)
    assert report.reason == "event 3 was altered"


def test_an_edited_actor_is_caught(database: Database, chain: int) -> None:
    _sql(database, update(access_events).where(_event(chain, 5)).values(actor="someone-else"))
    assert _verify(database, chain).first_bad_seq == 5


def test_a_deleted_middle_event_is_caught(database: Database, chain: int) -> None:
    _sql(database, delete(access_events).where(_event(chain, 4)))
    report = _verify(database, chain)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert report.reason == "event 4 is missing"


def test_a_deleted_last_event_is_caught(database: Database, chain: int) -> None:
    _sql(database, delete(access_events).where(_event(chain, 6)))
    report = _verify(database, chain)
    assert (report.ok, report.first_bad_seq) == (False, 6)
    assert "event 6 is missing" in report.reason and "truncated" in report.reason


def test_reordered_events_are_caught(database: Database, chain: int) -> None:
    # Swap the seq of events 2 and 5 (through -1: seq is unique per chain).
    _sql(
        database,
        update(access_events).where(_event(chain, 2)).values(seq=-1),
        update(access_events).where(_event(chain, 5)).values(seq=2),
        update(access_events).where(_event(chain, -1)).values(seq=5),
    )
    report = _verify(database, chain)
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert report.reason == "event 2 was moved (written as event 5)"


def test_a_forged_head_is_caught(database: Database, chain: int) -> None:
    _sql(
        database,
        update(ledger_heads).where(ledger_heads.c.workspace_id == chain).values(hash="f" * 64),
    )
    report = _verify(database, chain)
    assert (report.ok, report.first_bad_seq) == (False, 6)
    assert "forged" in report.reason


def test_an_event_inserted_behind_the_head_is_caught(database: Database, chain: int) -> None:
    row = _rows(database, chain)[-1]
    row.pop("id")
    _sql(database, access_events.insert().values({**row, "seq": 7, "prev_hash": row["hash"]}))
    report = _verify(database, chain)
    assert (report.ok, report.first_bad_seq) == (False, 7)


def _rewrite_consistently(database: Database, workspace_id: int, seq: int) -> None:
    """What an attacker with database access does: edit, then recompute every later hash."""
    prev = GENESIS_HASH
    with database.engine.begin() as conn:
        for row in _rows(database, workspace_id):
            fields = {k: v for k, v in row.items() if k not in ("id", "hash")}
            if row["seq"] == seq:
                fields["detail"] = '{"n": -1}'
            fields["prev_hash"] = prev
            prev = ledger.event_hash(**fields)  # type: ignore[arg-type]
            conn.execute(
                update(access_events)
                .where(access_events.c.id == row["id"])
                .values(detail=fields["detail"], prev_hash=fields["prev_hash"], hash=prev)
            )
        conn.execute(
            update(ledger_heads)
            .where(ledger_heads.c.workspace_id == workspace_id)
            .values(hash=prev)
        )


@pytest.fixture
def owned(factory: Factory, database: Database) -> Iterator[tuple[Person, Workspace]]:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    _append(database, ws.id, 4, owner)
    yield owner, ws
    _drop_chain(database, ws.id)


def _checkpoint(database: Database, who: Person, ws: Workspace) -> ledger.Checkpoint:
    with database.session() as db:
        return ledger.create_checkpoint(db, actor=who.user, workspace_id=ws.id, signing_key=KEY)


def _check(database: Database, cp: ledger.Checkpoint) -> ledger.VerifyReport:
    with database.session() as db:
        return ledger.verify_checkpoint(db, cp)


def test_a_checkpoint_catches_a_consistently_recomputed_history(
    database: Database, owned: tuple[Person, Workspace]
) -> None:
    owner, ws = owned
    cp = _checkpoint(database, owner, ws)
    assert cp.seq == _rows(database, ws.id)[-1]["seq"]  # covers its own ledger.checkpointed
    assert _check(database, cp).ok
    assert _check(database, ledger.Checkpoint.from_dict(json.loads(json.dumps(cp.to_dict())))).ok
    _append(database, ws.id, 2, owner)
    assert _check(database, cp).ok  # later appends do not disturb an earlier checkpoint

    _rewrite_consistently(database, ws.id, seq=2)
    assert _verify(database, ws.id).ok  # the hashes alone no longer show it ...
    report = _check(database, cp)  # ... the signed checkpoint does
    assert (report.ok, report.first_bad_seq) == (False, cp.seq)
    assert "does not match the signed checkpoint" in report.reason
    with database.session() as db:
        both = ledger.verify_workspace_ledger(
            db, actor=owner.user, workspace_id=ws.id, checkpoint=cp
        )
    assert (both.ok, both.first_bad_seq) == (False, cp.seq)


def test_a_checkpoint_with_a_bad_signature_or_a_lost_event_fails(
    database: Database, owned: tuple[Person, Workspace]
) -> None:
    owner, ws = owned
    cp = _checkpoint(database, owner, ws)
    stored = _rows(database, ws.id)
    forged = ledger.Checkpoint(**{**cp.__dict__, "hash": str(stored[0]["hash"]), "seq": 1})
    assert _check(database, forged).reason == "the checkpoint's signature is not valid"
    assert not _check(database, ledger.Checkpoint(**{**cp.__dict__, "signature": "not b64!"})).ok
    other = signing_key_from_seed(secrets.token_bytes(32))
    resigned = ledger.Checkpoint(**{**cp.__dict__, "signature": sign(other, cp.message())})
    assert not _check(database, resigned).ok  # a valid signature, but not by the named key
    _sql(database, delete(access_events).where(_event(ws.id, cp.seq)))
    assert _check(database, cp).reason == f"event {cp.seq} is missing"


def test_no_checkpoint_is_signed_over_a_broken_chain(
    database: Database, owned: tuple[Person, Workspace]
) -> None:
    owner, ws = owned
    first = _rows(database, ws.id)[0]["seq"]
    _sql(database, update(access_events).where(_event(ws.id, int(str(first)))).values(actor="x"))
    with pytest.raises(Conflict, match="was altered"):
        _checkpoint(database, owner, ws)


def test_only_owners_and_auditors_reach_the_ledger(
    database: Database, factory: Factory, owned: tuple[Person, Workspace]
) -> None:
    owner, ws = owned
    auditor = factory.add(ws, owner, Role.AUDITOR, with_password=False)
    assert _checkpoint(database, auditor, ws).workspace_id == ws.id
    for role in (Role.MANAGER, Role.REVIEWER, Role.ANNOTATOR):
        member = factory.add(ws, owner, role, with_password=False)
        with pytest.raises(Forbidden):
            _checkpoint(database, member, ws)
    stranger = factory.person(with_password=False)
    with pytest.raises(NotFound), database.session() as db:
        ledger.verify_workspace_ledger(db, actor=stranger.user, workspace_id=ws.id)


def test_concurrent_appends_make_one_contiguous_chain(database: Database) -> None:
    workspace_id = 1_900_000_000 + uuid.uuid4().int % 1_000_000
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            _append(database, workspace_id, 10)
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        assert [r["seq"] for r in _rows(database, workspace_id)] == list(range(1, 81))
        assert _verify(database, workspace_id) == ledger.VerifyReport(ok=True, events=80)
    finally:
        _drop_chain(database, workspace_id)
