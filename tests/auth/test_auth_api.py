"""Auth: login, refresh rotation and reuse detection, logout, password change, API keys."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import PASSWORD, register


async def test_login_returns_access_and_refresh(client: httpx.AsyncClient) -> None:
    await register(client, "you@yoursite.com")
    r = await client.post(
        "/api/auth/login/", json={"email": "You@YourSite.com", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access", "refresh"}
    assert body["access"].startswith("eyJhbGci")
    me = await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {body['access']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "you@yoursite.com"
    assert me.json()["auth"] == "user"


async def test_wrong_password_and_unknown_email_are_401_alike(client: httpx.AsyncClient) -> None:
    await register(client, "a@example.com")
    wrong = await client.post(
        "/api/auth/login/", json={"email": "a@example.com", "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/auth/login/", json={"email": "b@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_login_validation_names_the_field(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/login/", json={"email": "not-an-email", "password": "x"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "email"
    r = await client.post("/api/auth/login/", json={"email": "a@b.co"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "password"


async def test_refresh_works_without_json_content_type(client: httpx.AsyncClient) -> None:
    """The guide's curl sends ``-d '{"refresh": …}'`` which curl labels form-encoded."""
    tokens = await register(client, "r@example.com")
    r = await client.post(
        "/api/auth/refresh/",
        content=f'{{"refresh": "{tokens["refresh"]}"}}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access", "refresh"}
    assert r.json()["refresh"] != tokens["refresh"]


async def test_refresh_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    tokens = await register(client, "reuse@example.com")
    first = await client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert first.status_code == 200
    rotated = first.json()
    # The old refresh token comes back: refused, and everything from that login dies.
    again = await client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert again.status_code == 401
    assert "already used" in again.json()["detail"]
    after = await client.post("/api/auth/refresh/", json={"refresh": rotated["refresh"]})
    assert after.status_code == 401
    me = await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {rotated['access']}"})
    assert me.status_code == 401


async def test_other_logins_survive_a_reuse(client: httpx.AsyncClient) -> None:
    tokens = await register(client, "two@example.com")
    other = (
        await client.post(
            "/api/auth/login/", json={"email": "two@example.com", "password": PASSWORD}
        )
    ).json()
    await client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    await client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    me = await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {other['access']}"})
    assert me.status_code == 200


async def test_access_token_is_not_a_refresh_token(client: httpx.AsyncClient) -> None:
    tokens = await register(client, "typ@example.com")
    r = await client.post("/api/auth/refresh/", json={"refresh": tokens["access"]})
    assert r.status_code == 401
    me = await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {tokens['refresh']}"})
    assert me.status_code == 401


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient) -> None:
    tokens = await register(client, "out@example.com")
    h = {"Authorization": f"Bearer {tokens['access']}"}
    assert (await client.post("/api/auth/logout/", headers=h)).status_code == 204
    assert (await client.get("/api/auth/me/", headers=h)).status_code == 401
    r = await client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert r.status_code == 401


async def test_password_change_revokes_every_login(client: httpx.AsyncClient) -> None:
    tokens = await register(client, "pw@example.com")
    other = (
        await client.post(
            "/api/auth/login/", json={"email": "pw@example.com", "password": PASSWORD}
        )
    ).json()
    h = {"Authorization": f"Bearer {tokens['access']}"}
    bad = await client.post(
        "/api/auth/password/",
        headers=h,
        json={"current_password": "wrong-one", "new_password": "new password 123"},
    )
    assert bad.status_code == 400
    r = await client.post(
        "/api/auth/password/",
        headers=h,
        json={"current_password": PASSWORD, "new_password": "new password 123"},
    )
    assert r.status_code == 200
    fresh = r.json()
    assert (await client.get("/api/auth/me/", headers=h)).status_code == 401
    assert (
        await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {other['access']}"})
    ).status_code == 401
    assert (
        await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {fresh['access']}"})
    ).status_code == 200
    old_login = await client.post(
        "/api/auth/login/", json={"email": "pw@example.com", "password": PASSWORD}
    )
    assert old_login.status_code == 401


async def test_garbage_tokens_are_401(client: httpx.AsyncClient) -> None:
    for header in (
        "Bearer abc",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
        "Basic Zm9vOmJhcg==",
        "Bearer osk_nope",
    ):
        r = await client.get("/api/auth/me/", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert "detail" in r.json()
    assert (await client.get("/api/auth/me/")).status_code == 401


async def test_alg_none_token_is_refused(client: httpx.AsyncClient) -> None:
    import base64
    import json

    tokens = await register(client, "alg@example.com")
    payload = tokens["access"].split(".")[1]
    header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        .rstrip(b"=")
        .decode()
    )
    forged = f"{header}.{payload}."
    r = await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


async def test_api_keys_work_like_jwt_and_can_be_revoked(client: httpx.AsyncClient) -> None:
    tokens = await register(client, "keys@example.com")
    h = {"Authorization": f"Bearer {tokens['access']}"}
    r = await client.post("/api/api-keys/", headers=h, json={"name": "backend"})
    assert r.status_code == 201
    key = r.json()["key"]
    assert key.startswith("osk_")
    listed = (await client.get("/api/api-keys/", headers=h)).json()
    assert [k["name"] for k in listed] == ["backend"]
    assert "key" not in listed[0] and key not in str(listed)
    kh = {"Authorization": f"Bearer {key}"}
    me = await client.get("/api/auth/me/", headers=kh)
    assert me.status_code == 200 and me.json()["auth"] == "api_key"
    assert (await client.get("/api/ai-characters/", headers=kh)).status_code == 200
    # A key cannot mint keys.
    assert (await client.post("/api/api-keys/", headers=kh, json={})).status_code == 403
    assert (await client.delete(f"/api/api-keys/{listed[0]['id']}/", headers=h)).status_code == 204
    assert (await client.get("/api/auth/me/", headers=kh)).status_code == 401


@pytest.mark.parametrize("settings_overrides", [{"registration_enabled": False}])
async def test_registration_can_be_disabled(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/auth/register/", json={"email": "x@example.com", "password": PASSWORD}
    )
    assert r.status_code == 403


async def test_register_duplicate_email_is_409(client: httpx.AsyncClient) -> None:
    await register(client, "dup@example.com")
    r = await client.post(
        "/api/auth/register/",
        json={"email": "DUP@example.com", "password": PASSWORD, "organization": "Other"},
    )
    assert r.status_code == 409
