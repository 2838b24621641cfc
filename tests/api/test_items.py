"""API: listing items with keyset pagination and status filters."""

from __future__ import annotations

from conftest import Factory, World, make_world


def test_keyset_pages_cover_everything_once(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=25)
    seen: list[int] = []
    after = 0
    while True:
        r = w.client.get(
            f"{w.project_url}/items", params={"after": after, "limit": 10}, headers=w.owner.headers
        )
        assert r.status_code == 200
        page = r.json()
        seen += [i["id"] for i in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert len(seen) == 25 and seen == sorted(set(seen))


def test_status_filter(world: World) -> None:
    a = world.annotators[0]
    t = world.next_task(a)
    world.submit(a, t["assignment_id"], {"sentiment": "positive"})
    done = world.client.get(
        f"{world.project_url}/items", params={"status": "done"}, headers=world.owner.headers
    ).json()
    assert [i["id"] for i in done["items"]] == [t["item"]["id"]]
    open_ = world.client.get(
        f"{world.project_url}/items", params={"status": "open"}, headers=world.owner.headers
    ).json()
    assert len(open_["items"]) == 4
    bad = world.client.get(
        f"{world.project_url}/items", params={"status": "deleted"}, headers=world.owner.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_limits_and_roles(world: World) -> None:
    r = world.client.get(
        f"{world.project_url}/items", params={"limit": 5000}, headers=world.owner.headers
    )
    assert r.status_code == 422
    r = world.client.get(f"{world.project_url}/items", headers=world.annotators[0].headers)
    assert r.status_code == 403
