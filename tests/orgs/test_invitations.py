"""Invitations: the only way into an existing organization; members, roles, the last owner."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from oshara.auth.service import AuthService
from oshara.orgs.models import Invitation, Membership
from tests.conftest import Database
from tests.helpers import PASSWORD, bearer, invite, join, register

INVITATIONS = "/api/organization/invitations/"
ACCEPT = "/api/organization/join/"
MEMBERS = "/api/organization/members/"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_enabled": False}


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.get("/api/auth/me/", headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def _roles(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    r = await client.get(MEMBERS, headers=headers)
    assert r.status_code == 200, r.text
    return {m["email"]: m["role"] for m in r.json()}


def _register_body(email: str, token: str, password: str = PASSWORD) -> dict[str, str]:
    return {"email": email, "password": password, "invitation": token}


async def test_invited_user_registers_into_the_organization_with_the_role(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice@acme.example", "Acme")
    created = await invite(client, bearer(alice), "Bob@Acme.example", "admin")
    assert created["email"] == "bob@acme.example" and created["role"] == "admin"
    assert created["invited_by"] == "alice@acme.example"
    assert created["token"].startswith("osi_")
    bob = await join(client, created["token"], "bob@acme.example")
    assert bob["user"]["role"] == "admin"
    assert bob["user"]["organization"] == alice["user"]["organization"]
    me = await _me(client, bearer(bob))
    assert me["role"] == "admin" and me["organization"]["id"] == alice["user"]["organization"]["id"]
    assert await _roles(client, bearer(alice)) == {
        "alice@acme.example": "owner",
        "bob@acme.example": "admin",
    }
    pending = await client.get(INVITATIONS, headers=bearer(alice))
    assert pending.json() == []


async def test_the_token_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice = await register(client, "alice@acme.example")
    r = await client.post(INVITATIONS, json={"email": "bob@acme.example"}, headers=bearer(alice))
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    token = r.json()["token"]
    assert r.json()["role"] == "member"  # the default
    listed = await client.get(INVITATIONS, headers=bearer(alice))
    assert [i["id"] for i in listed.json()] == [r.json()["id"]]
    assert "token" not in listed.json()[0] and token not in listed.text
    async with app.state.sessionmaker() as db:
        row = await db.scalar(select(Invitation))
    assert row is not None and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row.__dict__)
    expires = datetime.fromisoformat(r.json()["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)


async def test_a_signed_in_user_accepts_and_can_sign_in_to_either_organization(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice@acme.example", "Acme")
    carol = await register(client, "carol@beta.example", "Beta")
    token = (await invite(client, bearer(alice), "carol@beta.example"))["token"]
    r = await client.post(ACCEPT, json={"token": token}, headers=bearer(carol))
    assert r.status_code == 200, r.text
    joined = r.json()
    acme, beta = alice["user"]["organization"]["id"], carol["user"]["organization"]["id"]
    assert joined["user"]["organization"]["id"] == acme and joined["user"]["role"] == "member"
    assert (await _me(client, bearer(joined)))["organization"]["id"] == acme
    # The login she already had stays in her own organization, as its owner.
    me = await _me(client, bearer(carol))
    assert me["organization"]["id"] == beta and me["role"] == "owner"
    # Signing in: the first organization by default, another one on request.
    login = {"email": "carol@beta.example", "password": PASSWORD}
    r = await client.post("/api/auth/login/", json=login)
    assert (await _me(client, bearer(r.json())))["organization"]["id"] == beta
    r = await client.post("/api/auth/login/", json={**login, "organization": acme})
    assert r.status_code == 200, r.text
    assert (await _me(client, bearer(r.json())))["organization"]["id"] == acme
    r = await client.post("/api/auth/login/", json={**login, "organization": str(uuid.uuid4())})
    assert r.status_code == 401
    # The same token does not work twice.
    r = await client.post(ACCEPT, json={"token": token}, headers=bearer(carol))
    assert r.status_code == 410, r.text


async def test_an_existing_account_joins_through_register_with_its_own_password(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice@acme.example")
    await register(client, "dave@else.example")
    token = (await invite(client, bearer(alice), "dave@else.example", "admin"))["token"]
    wrong = await client.post(
        "/api/auth/register/", json=_register_body("dave@else.example", token, "not-his-pass")
    )
    assert wrong.status_code == 401, wrong.text
    r = await client.post("/api/auth/register/", json=_register_body("dave@else.example", token))
    assert r.status_code == 201, r.text
    assert r.json()["user"]["role"] == "admin"
    assert r.json()["user"]["organization"] == alice["user"]["organization"]


async def test_expired_invitation_is_refused(client: httpx.AsyncClient, database: Database) -> None:
    alice = await register(client, "alice@acme.example")
    token = (await invite(client, bearer(alice), "bob@acme.example"))["token"]
    carol = await register(client, "carol@acme.example")
    token_c = (await invite(client, bearer(alice), "carol@acme.example"))["token"]
    async with database.engine.begin() as conn:
        await conn.execute(
            update(Invitation).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    r = await client.post("/api/auth/register/", json=_register_body("bob@acme.example", token))
    assert r.status_code == 410 and "expired" in r.json()["detail"], r.text
    r = await client.post(ACCEPT, json={"token": token_c}, headers=bearer(carol))
    assert r.status_code == 410 and "expired" in r.json()["detail"], r.text
    assert (await client.get(INVITATIONS, headers=bearer(alice))).json() == []
    login = {"email": "bob@acme.example", "password": PASSWORD}
    assert (await client.post("/api/auth/login/", json=login)).status_code == 401
    assert set(await _roles(client, bearer(alice))) == {"alice@acme.example"}


async def test_used_invitation_is_refused(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    token = (await invite(client, bearer(alice), "bob@acme.example"))["token"]
    bob = await join(client, token, "bob@acme.example")
    again = await client.post("/api/auth/register/", json=_register_body("bob@acme.example", token))
    assert again.status_code == 410 and "already used" in again.json()["detail"]
    r = await client.post(ACCEPT, json={"token": token}, headers=bearer(bob))
    assert r.status_code == 410


async def test_revoked_invitation_is_refused(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    created = await invite(client, bearer(alice), "bob@acme.example")
    url = f"{INVITATIONS}{created['id']}/"
    assert (await client.delete(url, headers=bearer(alice))).status_code == 204
    assert (await client.delete(url, headers=bearer(alice))).status_code == 404
    r = await client.post(
        "/api/auth/register/", json=_register_body("bob@acme.example", created["token"])
    )
    assert r.status_code == 410 and "revoked" in r.json()["detail"]
    # Inviting again replaces a pending invitation: the older token stops working.
    first = await invite(client, bearer(alice), "carol@acme.example")
    second = await invite(client, bearer(alice), "carol@acme.example")
    listed = (await client.get(INVITATIONS, headers=bearer(alice))).json()
    assert [i["id"] for i in listed] == [second["id"]]
    r = await client.post(
        "/api/auth/register/", json=_register_body("carol@acme.example", first["token"])
    )
    assert r.status_code == 410
    await join(client, second["token"], "carol@acme.example")


async def test_unknown_token_and_wrong_email(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    token = (await invite(client, bearer(alice), "bob@acme.example"))["token"]
    r = await client.post(
        "/api/auth/register/", json=_register_body("bob@acme.example", "osi_" + "x" * 43)
    )
    assert r.status_code == 404
    r = await client.post("/api/auth/register/", json=_register_body("eve@evil.example", token))
    assert r.status_code == 403 and "another email" in r.json()["detail"]
    eve = await register(client, "eve@evil.example")
    r = await client.post(ACCEPT, json={"token": token}, headers=bearer(eve))
    assert r.status_code == 403
    # Nothing was created or spent: eve has no account in Acme, bob can still join.
    assert set(await _roles(client, bearer(alice))) == {"alice@acme.example"}
    r = await client.post(
        "/api/auth/register/",
        json={**_register_body("bob@acme.example", token), "organization": "Mine"},
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "organization"
    await join(client, token, "bob@acme.example")


async def test_invitation_joins_the_inviting_organization_only(
    client: httpx.AsyncClient,
) -> None:
    """An owner of B invited to A joins A; B is untouched; A's admin cannot touch B."""
    alice = await register(client, "alice@a.example", "A")
    bella = await register(client, "bella@b.example", "B")
    bart = await join(
        client, (await invite(client, bearer(bella), "bart@b.example"))["token"], "bart@b.example"
    )
    token = (await invite(client, bearer(alice), "bella@b.example", "admin"))["token"]
    r = await client.post(ACCEPT, json={"token": token}, headers=bearer(bella))
    assert r.status_code == 200
    bella_in_a = r.json()
    assert bella_in_a["user"]["organization"]["id"] == alice["user"]["organization"]["id"]
    assert await _roles(client, bearer(bella)) == {
        "bella@b.example": "owner",
        "bart@b.example": "member",
    }
    # As A's admin, bella's A login sees A only: B's member is not found there.
    r = await client.delete(f"{MEMBERS}{bart['user']['id']}/", headers=bearer(bella_in_a))
    assert r.status_code in (403, 404)
    r = await client.patch(
        f"{MEMBERS}{bart['user']['id']}/", json={"role": "admin"}, headers=bearer(alice)
    )
    assert r.status_code == 404
    assert (await _roles(client, bearer(bella)))["bart@b.example"] == "member"


async def test_who_may_invite_whom(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    admin = await join(
        client,
        (await invite(client, bearer(alice), "ad@acme.example", "admin"))["token"],
        "ad@acme.example",
    )
    member = await join(
        client, (await invite(client, bearer(alice), "me@acme.example"))["token"], "me@acme.example"
    )
    r = await client.post(
        INVITATIONS, json={"email": "x@acme.example", "role": "owner"}, headers=bearer(admin)
    )
    assert r.status_code == 403 and "owner" in r.json()["detail"]
    await invite(client, bearer(admin), "x@acme.example", "admin")
    owner_inv = await invite(client, bearer(alice), "y@acme.example", "owner")
    r = await client.delete(f"{INVITATIONS}{owner_inv['id']}/", headers=bearer(admin))
    assert r.status_code == 403  # an owner invitation is the owners' to revoke
    for method, url, body in (
        ("POST", INVITATIONS, {"email": "z@acme.example"}),
        ("GET", INVITATIONS, None),
        ("DELETE", f"{INVITATIONS}{owner_inv['id']}/", None),
    ):
        r = await client.request(method, url, json=body, headers=bearer(member))
        assert r.status_code == 403, (method, url, r.text)
        assert "admin or owner" in r.json()["detail"] and "member" in r.json()["detail"]
    key = await client.post("/api/api-keys/", json={}, headers=bearer(alice))
    kh = {"Authorization": f"Bearer {key.json()['key']}"}
    r = await client.post(INVITATIONS, json={"email": "k@acme.example"}, headers=kh)
    assert r.status_code == 403 and "API key" in r.json()["detail"]
    r = await client.post(INVITATIONS, json={"email": "alice@acme.example"}, headers=bearer(alice))
    assert r.status_code == 409  # already a member
    r = await client.post(
        INVITATIONS, json={"email": "nope", "role": "boss"}, headers=bearer(alice)
    )
    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} == {"email", "role"}


async def test_roles_change_and_the_last_owner_stays(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    bob = await join(
        client,
        (await invite(client, bearer(alice), "bob@acme.example"))["token"],
        "bob@acme.example",
    )
    alice_id, bob_id = alice["user"]["id"], bob["user"]["id"]
    # The only owner can neither be demoted nor removed, not even by herself.
    r = await client.patch(f"{MEMBERS}{alice_id}/", json={"role": "admin"}, headers=bearer(alice))
    assert r.status_code == 409 and "last owner" in r.json()["detail"]
    r = await client.delete(f"{MEMBERS}{alice_id}/", headers=bearer(alice))
    assert r.status_code == 409
    # A member cannot change roles (not even their own).
    r = await client.patch(f"{MEMBERS}{bob_id}/", json={"role": "owner"}, headers=bearer(bob))
    assert r.status_code == 403 and "owner" in r.json()["detail"]
    r = await client.patch(f"{MEMBERS}{bob_id}/", json={"role": "admin"}, headers=bearer(alice))
    assert r.status_code == 200 and r.json()["role"] == "admin"
    # Takes effect at once on bob's existing login.
    assert (await _me(client, bearer(bob)))["role"] == "admin"
    r = await client.patch(f"{MEMBERS}{bob_id}/", json={"role": "owner"}, headers=bearer(bob))
    assert r.status_code == 403  # admins do not change roles
    r = await client.patch(f"{MEMBERS}{bob_id}/", json={"role": "owner"}, headers=bearer(alice))
    assert r.status_code == 200
    # Two owners: now alice may step down, and then bob is the last one.
    r = await client.patch(f"{MEMBERS}{alice_id}/", json={"role": "member"}, headers=bearer(bob))
    assert r.status_code == 200
    r = await client.patch(f"{MEMBERS}{bob_id}/", json={"role": "member"}, headers=bearer(bob))
    assert r.status_code == 409
    assert await _roles(client, bearer(alice)) == {
        "alice@acme.example": "member",
        "bob@acme.example": "owner",
    }
    r = await client.patch(f"{MEMBERS}{uuid.uuid4()}/", json={"role": "admin"}, headers=bearer(bob))
    assert r.status_code == 404


async def test_removed_member_loses_access_at_once(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    token = (await invite(client, bearer(alice), "bob@acme.example", "admin"))["token"]
    bob = await join(client, token, "bob@acme.example")
    key = await client.post("/api/api-keys/", json={"name": "bob's"}, headers=bearer(bob))
    assert key.status_code == 201
    # Another admin cannot remove bob; the owner can.
    carol = await join(
        client,
        (await invite(client, bearer(alice), "carol@acme.example", "admin"))["token"],
        "carol@acme.example",
    )
    r = await client.delete(f"{MEMBERS}{bob['user']['id']}/", headers=bearer(carol))
    assert r.status_code == 403 and "owner" in r.json()["detail"]
    r = await client.delete(f"{MEMBERS}{bob['user']['id']}/", headers=bearer(alice))
    assert r.status_code == 204
    assert (await client.get("/api/auth/me/", headers=bearer(bob))).status_code == 401
    r = await client.post("/api/auth/refresh/", json={"refresh": bob["refresh"]})
    assert r.status_code == 401
    login = {"email": "bob@acme.example", "password": PASSWORD}
    assert (await client.post("/api/auth/login/", json=login)).status_code == 401
    # The organization's key he made stays the organization's.
    kh = {"Authorization": f"Bearer {key.json()['key']}"}
    assert (await _me(client, kh))["organization"] == alice["user"]["organization"]
    # Invited again, he signs up with his existing password and is back as a member.
    token = (await invite(client, bearer(alice), "bob@acme.example"))["token"]
    r = await client.post("/api/auth/register/", json=_register_body("bob@acme.example", token))
    assert r.status_code == 201 and r.json()["user"]["role"] == "member"
    # Re-inviting does not revive the old login.
    assert (await client.get("/api/auth/me/", headers=bearer(bob))).status_code == 401


async def test_a_member_may_leave(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice@acme.example")
    bob = await join(
        client,
        (await invite(client, bearer(alice), "bob@acme.example"))["token"],
        "bob@acme.example",
    )
    r = await client.delete(f"{MEMBERS}{alice['user']['id']}/", headers=bearer(bob))
    assert r.status_code == 403  # not someone else
    r = await client.delete(f"{MEMBERS}{bob['user']['id']}/", headers=bearer(bob))
    assert r.status_code == 204
    assert (await client.get("/api/auth/me/", headers=bearer(bob))).status_code == 401
    assert set(await _roles(client, bearer(alice))) == {"alice@acme.example"}


@pytest.mark.parametrize("settings_overrides", [{"registration_enabled": False}])
async def test_invitations_work_when_open_registration_is_off(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with app.state.sessionmaker() as db:
        await AuthService(db, app.state.settings).create_user(
            "alice@acme.example", PASSWORD, org_name="Acme"
        )
        await db.commit()
    login = {"email": "alice@acme.example", "password": PASSWORD}
    alice = (await client.post("/api/auth/login/", json=login)).json()
    token = (await invite(client, bearer(alice), "bob@acme.example"))["token"]
    r = await client.post(
        "/api/auth/register/", json={"email": "eve@acme.example", "password": PASSWORD}
    )
    assert r.status_code == 403
    bob = await join(client, token, "bob@acme.example")
    assert bob["user"]["organization"]["name"] == "Acme"


async def test_one_invitation_accepted_by_many_at_once_works_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice = await register(client, "alice@acme.example")
    token = (await invite(client, bearer(alice), "bob@acme.example"))["token"]
    body = _register_body("bob@acme.example", token)
    results = await asyncio.gather(
        *(client.post("/api/auth/register/", json=body) for _ in range(12))
    )
    codes = Counter(r.status_code for r in results)
    assert codes[201] == 1, codes
    assert set(codes) <= {201, 409, 410}, [r.text for r in results]
    async with app.state.sessionmaker() as db:
        n = await db.scalar(select(func.count()).select_from(Membership))
    assert n == 2


async def test_two_owners_demoting_each_other_at_once_leave_one(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice = await register(client, "alice@acme.example")
    bob = await join(
        client,
        (await invite(client, bearer(alice), "bob@acme.example", "owner"))["token"],
        "bob@acme.example",
    )
    for _ in range(3):
        results = await asyncio.gather(
            client.patch(
                f"{MEMBERS}{bob['user']['id']}/", json={"role": "admin"}, headers=bearer(alice)
            ),
            client.patch(
                f"{MEMBERS}{alice['user']['id']}/", json={"role": "admin"}, headers=bearer(bob)
            ),
        )
        assert all(r.status_code < 500 for r in results), [r.text for r in results]
        async with app.state.sessionmaker() as db:
            owners = await db.scalar(
                select(func.count()).select_from(Membership).where(Membership.role == "owner")
            )
        assert owners == 1, [r.text for r in results]
        # Restore two owners for the next round.
        roles = await _roles(client, bearer(alice))
        promoter = alice if roles["alice@acme.example"] == "owner" else bob
        other = bob if promoter is alice else alice
        r = await client.patch(
            f"{MEMBERS}{other['user']['id']}/", json={"role": "owner"}, headers=bearer(promoter)
        )
        assert r.status_code == 200
