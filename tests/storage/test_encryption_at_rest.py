"""The storage cipher seam: item content and answers never reach the database in clear."""

from __future__ import annotations

from sqlalchemy import select

from conftest import World
from tessera.storage.tables import annotations, items


def test_no_plaintext_in_rows(world: World) -> None:
    marker = "zebra-marker-7431"
    world.import_jsonl([{"external_id": "m", "text": f"the {marker} text"}])
    a = world.annotators[0]
    while (t := world.next_task(a)) is not None:
        assert world.submit(a, t["assignment_id"], {"sentiment": "neutral", "note": marker})
    database = world.client.app.state.database  # type: ignore[attr-defined]
    with database.engine.connect() as conn:
        contents = [r[0] for r in conn.execute(select(items.c.content))]
        values = [r[0] for r in conn.execute(select(annotations.c.value))]
    assert contents and values
    for blob in contents + values:
        assert marker.encode() not in bytes(blob)
        assert b"neutral" not in bytes(blob)
    # and the API still reads it back
    export = world.client.get(f"{world.project_url}/export", headers=world.owner.headers).text
    assert marker in export
