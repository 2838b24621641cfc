"""API: listing items with keyset pagination and status filters."""

from __future__ import annotations

import json

from conftest import Factory, World, make_world
from tessera.schemas.common import Page
from tessera.schemas.projects import ItemPublic
from tessera.services import accounts


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


def test_a_page_needs_a_valid_token_and_has_every_documented_field(world: World) -> None:
    url = f"{world.project_url}/items"
    assert world.client.get(url).status_code == 401
    assert world.client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    r = world.client.get(url, params={"limit": 2}, headers=world.owner.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    page = r.json()
    assert set(page) == {"items", "next_after"} and page["next_after"] == page["items"][1]["id"]
    assert set(page["items"][0]) == {
        "id",
        "external_id",
        "data",
        "status",
        "priority",
        "submitted_count",
        "created_at",
        "overlap_override",
        "prediction_score",
    }
    schema = world.client.get("/api/openapi.json").json()["paths"]
    documented = schema["/api/workspaces/{workspace_id}/projects/{project_id}/items"]["get"]
    assert "Page_ItemPublic_" in str(documented["responses"]["200"])


def test_a_page_of_a_missing_or_foreign_project_is_404_and_past_the_end_empty(
    world: World, factory: Factory
) -> None:
    h = world.owner.headers
    other = make_world(world.client, factory, items=2)
    foreign = f"{world.base}/projects/{other.project_id}/items"
    assert world.client.get(foreign, headers=h).status_code == 404
    missing = f"{world.base}/projects/{other.project_id + 1000}/items"
    assert world.client.get(missing, headers=h).status_code == 404
    last = max(
        i["id"] for i in world.client.get(f"{world.project_url}/items", headers=h).json()["items"]
    )
    r = world.client.get(f"{world.project_url}/items", params={"after": last}, headers=h)
    assert r.status_code == 200 and r.json() == {"items": [], "next_after": None}


def test_a_page_refuses_a_revoked_token_and_hides_from_strangers(
    world: World, factory: Factory
) -> None:
    # The token is checked by the statement that reads the membership (ApiCaller).
    url = f"{world.project_url}/items"
    stranger = factory.person(with_password=False)
    assert world.client.get(url, headers=stranger.headers).status_code == 404
    unknown = {"Authorization": "Bearer tsr_" + "x" * 43}
    assert world.client.get(url, headers=unknown).status_code == 401
    assert world.client.get(url, headers=world.manager.headers).status_code == 200
    with factory.database.session() as db:
        accounts.deactivate_user(db, email=world.manager.email)
    r = world.client.get(url, headers=world.manager.headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_a_page_passes_stored_content_on_as_pydantic_would_write_the_page(
    world: World, factory: Factory
) -> None:
    # The page is written from each item's stored JSON text, unparsed (ListedItem): it must be
    # strict JSON holding what pydantic writes for the documented model, whatever the content
    # holds (floats may be spelled as Python's json module spells them: 1e-07 for 1e-7).
    w = make_world(world.client, factory, items=0)
    contents: list[dict[str, object]] = [
        {"text": 'quotes " and \\ backslash, tab\t, new\nline, é, 中文, 😀, \u2028 <script>'},
        {"text": "numbers", "n": [0, -1, 2**53, 1.5, 1e-7, 1e300, 0.1], "ok": True, "no": None},
        {"text": "nested", "deep": {"a": [{"b": {"c": []}}, {}], "empty": ""}},
    ]
    w.import_jsonl(
        [
            {"text": contents[0]["text"], "priority": 3, "prediction_score": 0.25},
            contents[1],
            contents[2],
        ]
    )
    r = w.client.get(f"{w.project_url}/items", headers=w.owner.headers)
    assert r.status_code == 200
    first = r.json()["items"][0]["id"]
    patched = w.client.patch(
        f"{w.project_url}/items",
        json={"item_ids": [first], "annotations_per_item": 4},
        headers=w.manager.headers,
    )
    assert patched.status_code == 200, patched.text
    r = w.client.get(f"{w.project_url}/items", params={"limit": 3}, headers=w.owner.headers)
    assert r.status_code == 200
    page = Page[ItemPublic].model_validate_json(r.content)
    assert strict_json(r.content) == strict_json(page.model_dump_json().encode("utf-8"))
    assert [i.data for i in page.items] == contents
    assert page.next_after == page.items[-1].id
    one = page.items[0]
    assert (one.priority, one.prediction_score, one.overlap_override) == (3, 0.25, 4)
    assert page.items[1].prediction_score is None and page.items[1].overlap_override is None
    assert one.created_at.tzinfo is not None and r.json()["items"][0]["created_at"].endswith("Z")


def strict_json(text: bytes) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)
