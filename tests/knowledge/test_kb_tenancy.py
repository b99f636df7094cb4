"""Another organization's knowledge base answers exactly like a missing one, and stays intact."""

from __future__ import annotations

import uuid

import httpx

from tests.helpers import auth_headers, character_body

from .kbutil import Owner


def like_missing(theirs: httpx.Response, missing: httpx.Response, their: str, ghost: str) -> None:
    assert theirs.status_code == missing.status_code == 404, (theirs.text, missing.text)
    assert theirs.json()["detail"].replace(their, "<x>") == missing.json()["detail"].replace(
        ghost, "<x>"
    )


async def test_other_organization_sees_404_everywhere(owner: Owner) -> None:
    c = owner.client
    r = await owner.upload("secret.txt", b"The vault code of organization A is 4242.")
    assert r.status_code == 201
    doc_id = r.json()["id"]
    before = (await c.get(owner.base, headers=owner.headers)).json()

    b_jwt = await auth_headers(c, "intruder@b.example", "Org B")
    r = await c.post("/api/ai-characters/", json=character_body("b-bot"), headers=b_jwt)
    assert r.status_code == 201
    r = await c.post("/api/api-keys/", json={"name": "b key"}, headers=b_jwt)
    assert r.status_code == 201, r.text
    b_key = {"Authorization": f"Bearer {r.json()['key']}"}

    ghost = f"zz-{uuid.uuid4().hex[:10]}"
    theirs_base, ghost_base = owner.base, f"/api/ai-characters/{ghost}/knowledge/"
    theirs_search = owner.search_url
    ghost_search = f"/api/ai-characters/{ghost}/knowledge-search/"
    missing_doc = str(uuid.uuid4())
    for creds in (b_jwt, b_key):
        pairs = [
            (c.get(theirs_base, headers=creds), c.get(ghost_base, headers=creds)),
            (
                c.get(f"{theirs_base}{doc_id}/", headers=creds),
                c.get(f"{ghost_base}{missing_doc}/", headers=creds),
            ),
            (
                c.delete(f"{theirs_base}{doc_id}/", headers=creds),
                c.delete(f"{ghost_base}{missing_doc}/", headers=creds),
            ),
            (
                c.get(theirs_search, params={"q": "vault code"}, headers=creds),
                c.get(ghost_search, params={"q": "vault code"}, headers=creds),
            ),
            (
                c.post(theirs_base, files={"file": ("x.txt", b"planted")}, headers=creds),
                c.post(ghost_base, files={"file": ("x.txt", b"planted")}, headers=creds),
            ),
            (
                c.post(theirs_base, json={"title": "t", "text": "planted"}, headers=creds),
                c.post(ghost_base, json={"title": "t", "text": "planted"}, headers=creds),
            ),
        ]
        for theirs_call, missing_call in pairs:
            theirs, missing = await theirs_call, await missing_call
            like_missing(theirs, missing, owner.slug, ghost)
            assert "4242" not in theirs.text
        # B's own character cannot address A's document either.
        r = await c.get(f"/api/ai-characters/b-bot/knowledge/{doc_id}/", headers=creds)
        assert r.status_code == 404
        r = await c.delete(f"/api/ai-characters/b-bot/knowledge/{doc_id}/", headers=creds)
        assert r.status_code == 404
        r = await c.get("/api/ai-characters/b-bot/knowledge/", headers=creds)
        assert r.status_code == 200 and r.json() == []
    assert (await c.get(owner.base, headers=owner.headers)).json() == before
    assert "4242" in (await owner.search("vault code"))[0]["text"]
    r = await c.get(owner.base)
    assert r.status_code == 401
