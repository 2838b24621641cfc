"""Review reasons, fixed values and replaced answers are sealed, and re-sealed on rotation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from conftest import MASTER_KEY, Factory, make_world
from tessera.domain.entities import Role
from tessera.security.envelope import Keyring
from tessera.services import keys
from tessera.storage.engine import Database
from tessera.storage.tables import reviews

MARKER = "quokka-review-5512"


def test_review_columns_are_sealed_and_follow_the_key(client: Any, factory: Factory) -> None:
    w = make_world(client, factory, items=3)
    client.patch(w.project_url, json={"review_rate": 1.0}, headers=w.manager.headers)
    reviewer = factory.add(w.workspace, w.owner, Role.REVIEWER, with_password=False)
    a = w.annotators[0]
    for note in ("first", "second"):
        t = w.next_task(a)
        assert w.submit(a, t["assignment_id"], {"sentiment": "neutral", "note": note}).is_success
    url = f"{w.base}/reviews"
    first = client.post(f"{w.project_url}/reviews/next", headers=reviewer.headers).json()
    fix = {"sentiment": "negative", "note": MARKER}
    r = client.post(
        f"{url}/{first['review']['id']}/decision",
        json={"decision": "fix", "value": fix, "reason": MARKER},
        headers=reviewer.headers,
    )
    assert r.status_code == 200, r.text
    second = client.post(f"{w.project_url}/reviews/next", headers=reviewer.headers).json()
    r = client.post(
        f"{url}/{second['review']['id']}/decision",
        json={"decision": "reject", "reason": MARKER, "send_to": "annotator"},
        headers=reviewer.headers,
    )
    assert r.status_code == 200, r.text
    again = w.next_task(a)
    assert w.submit(a, again["assignment_id"], {"sentiment": "positive"}).is_success

    database: Database = client.app.state.database
    ring = Keyring(MASTER_KEY)

    def sealed() -> list[bytes]:
        with database.engine.connect() as conn:
            rows = conn.execute(
                select(reviews.c.reason, reviews.c.fixed_value, reviews.c.replaced_value).where(
                    reviews.c.workspace_id == w.workspace.id
                )
            ).all()
        return [bytes(v) for row in rows for v in row if v is not None]

    blobs = sealed()
    assert len(blobs) == 4  # two reasons, one fixed value, one replaced answer
    for blob in blobs:
        assert MARKER.encode() not in blob and b"second" not in blob
    assert {ring.key_version_of(b) for b in blobs} == {1}
    with database.session() as db:
        keys.rotate_key(db, actor=w.owner.user, workspace_id=w.workspace.id, settle_s=0)
    assert {ring.key_version_of(b) for b in sealed()} == {2}
    export = client.get(f"{w.project_url}/export", headers=w.owner.headers).text
    # the fix's reason and value read back after rotation (the returned round is superseded in
    # the export by the round its resubmission opened)
    assert export.count(MARKER) == 2
