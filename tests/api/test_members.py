"""API: workspace members and roles."""

from __future__ import annotations

from conftest import TEST_PASSWORD, Factory, World
from tessera.services import accounts


def test_add_new_member_gets_one_time_password(world: World, factory: Factory) -> None:
    r = world.client.post(
        f"{world.base}/members",
        json={"email": "New.Person@Example.org", "role": "reviewer"},
        headers=world.manager.headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["email"] == "new.person@example.org"
    assert body["initial_password"]
    with factory.database.session() as db:
        user = accounts.authenticate(db, email=body["email"], password=body["initial_password"])
    assert user.email == body["email"]


def test_existing_user_added_without_password(world: World, factory: Factory) -> None:
    p = factory.person()
    r = world.client.post(
        f"{world.base}/members",
        json={"email": p.email, "role": "annotator"},
        headers=world.owner.headers,
    )
    assert r.status_code == 201
    assert r.json()["initial_password"] is None
    again = world.client.post(
        f"{world.base}/members",
        json={"email": p.email, "role": "annotator"},
        headers=world.owner.headers,
    )
    assert again.status_code == 409
    with factory.database.session() as db:
        assert accounts.authenticate(db, email=p.email, password=TEST_PASSWORD)


def test_manager_cannot_grant_owner_or_manager(world: World) -> None:
    for role in ("owner", "manager"):
        r = world.client.post(
            f"{world.base}/members",
            json={"email": f"x-{role}@example.org", "role": role},
            headers=world.manager.headers,
        )
        assert r.status_code == 403


def test_annotator_cannot_see_members(world: World) -> None:
    r = world.client.get(f"{world.base}/members", headers=world.annotators[0].headers)
    assert r.status_code == 403


def test_change_role_and_remove(world: World) -> None:
    target = world.annotators[1].user.id
    r = world.client.patch(
        f"{world.base}/members/{target}", json={"role": "reviewer"}, headers=world.manager.headers
    )
    assert r.status_code == 200 and r.json()["role"] == "reviewer"
    r = world.client.delete(f"{world.base}/members/{target}", headers=world.manager.headers)
    assert r.status_code == 204
    members = world.client.get(f"{world.base}/members", headers=world.owner.headers).json()
    assert target not in [m["user_id"] for m in members]
    r = world.client.get(world.base, headers=world.annotators[1].headers)
    assert r.status_code == 404


def test_last_owner_stays(world: World) -> None:
    me = world.owner.user.id
    r = world.client.delete(f"{world.base}/members/{me}", headers=world.owner.headers)
    assert r.status_code == 409
    r = world.client.patch(
        f"{world.base}/members/{me}", json={"role": "manager"}, headers=world.owner.headers
    )
    assert r.status_code == 409


def test_unknown_member_is_404(world: World) -> None:
    r = world.client.patch(
        f"{world.base}/members/99999999", json={"role": "reviewer"}, headers=world.owner.headers
    )
    assert r.status_code == 404
