"""Gold answers and aggregated results never reach the database in clear."""

from __future__ import annotations

from sqlalchemy import select

from conftest import World
from tessera.storage.tables import items, quality_results


def test_gold_and_results_are_sealed(world: World) -> None:
    world.import_jsonl([{"external_id": "g", "text": "gold", "gold": {"sentiment": "negative"}}])
    assert world.client.patch(
        world.project_url, json={"gold_rate": 1.0}, headers=world.manager.headers
    )
    who = world.annotators[0]
    while (t := world.next_task(who)) is not None:
        assert world.submit(who, t["assignment_id"], {"sentiment": "negative"}).status_code == 201
    ran = world.client.post(f"{world.project_url}/quality/aggregate", headers=world.manager.headers)
    assert ran.status_code == 200 and ran.json()["results"] == 5
    pid = world.project_id
    database = world.client.app.state.database  # type: ignore[attr-defined]
    with database.engine.connect() as conn:
        golds = [
            r[0]
            for r in conn.execute(
                select(items.c.gold).where(items.c.project_id == pid, items.c.gold.is_not(None))
            )
        ]
        values = [
            r[0]
            for r in conn.execute(
                select(quality_results.c.value).where(quality_results.c.project_id == pid)
            )
        ]
    assert len(golds) == 1 and len(values) == 5
    for blob in golds + values:
        assert b"negative" not in bytes(blob)
    export = world.client.get(f"{world.project_url}/export", headers=world.owner.headers).text
    assert '"result":{"sentiment":{"value":"negative"' in export
