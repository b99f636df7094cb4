"""The dashboard's account (API keys, invitations), form responses and overview pages in
headless Chromium against the real server, on SQLite and PostgreSQL.

Reuses the server fixture and helpers of ``test_dashboard_browser``; screenshots of each page
at 1280 and 390 px go to ``/tmp/dash-shots/``.
"""

from __future__ import annotations

import uuid

import httpx

from tests.web.axe import assert_accessible
from tests.web.browser import Browser
from tests.web.test_dashboard_browser import PASSWORD, Server, _shots, button, label, link
from tests.web.test_dashboard_browser import server as server  # the fixture

ORIGIN = "https://shop.example.com"
CONTACT = {
    "id": "contact",
    "title": "Contact us",
    "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "email", "label": "Email", "type": "email"},
    ],
}
CALLBACK = {
    "id": "callback",
    "title": "Call me back",
    "fields": [{"name": "phone", "label": "Phone", "type": "text", "required": True}],
}
NAV = 'role=navigation[name="Main"] >> '


def _sign_up(base: str) -> tuple[str, dict[str, str]]:
    email = f"owner-{uuid.uuid4().hex[:6]}@acme.test"
    r = httpx.post(
        f"{base}/api/auth/register/",
        json={"email": email, "password": PASSWORD, "organization": "Acme"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return email, {"Authorization": f"Bearer {r.json()['access']}"}


def _seed_agent_with_forms(base: str, headers: dict[str, str]) -> str:
    r = httpx.post(
        f"{base}/api/ai-characters/",
        json={
            "slug": "acme-forms",
            "name": "Acme Forms",
            "allowed_origins": [ORIGIN],
            "widget_appearance": {"forms": [CONTACT, CALLBACK]},
        },
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    # A visitor's text session, then submissions through the public API from an allowed origin.
    r = httpx.post(
        f"{base}/api/agents/agent-session/",
        json={"agent": "acme-forms", "mode": "text"},
        headers={"Origin": ORIGIN},
        timeout=10,
    )
    assert r.status_code in (200, 201), r.text
    session: str = r.json()["session_id"]
    submissions = [
        ("contact", {"name": "Ada Lovelace", "email": "ada@example.com"}, session),
        ("contact", {"name": "=HYPERLINK(1)", "email": "bo@example.com"}, None),
        ("callback", {"phone": "+1 555 0100"}, None),
    ]
    for form_id, values, session_id in submissions:
        body: dict[str, object] = {"form_id": form_id, "values": values}
        if session_id:
            body["session_id"] = session_id
        r = httpx.post(
            f"{base}/api/agents/acme-forms/form-responses/",
            json=body,
            headers={"Origin": ORIGIN},
            timeout=10,
        )
        assert r.status_code == 201, r.text
    return session


def _sign_in(b: Browser, base: str, email: str) -> None:
    b.goto(base + "/dashboard/")
    b.fill(label("Email"), email)
    b.fill(label("Password"), PASSWORD)
    b.click(button("Sign in"))
    b.wait_text("h1", "Agents")


def test_account_keys_and_invitations(server: Server) -> None:
    base = server.url
    email, headers = _sign_up(base)
    r = httpx.post(
        f"{base}/api/ai-characters/",
        json={"slug": f"hooks-{server.backend}", "name": "Hooks"},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    with Browser.launch(viewport={"width": 1280, "height": 900}) as b:
        _sign_in(b, base, email)
        b.click(NAV + link("Account"))
        b.wait_text("main", "API keys")

        # The webhook signing secret of the agent: off, then created (shown once).
        b.wait_text("main", "Signing is off")
        b.click(button("Create secret"))
        secret = b.wait_text("#new-webhook-secret", "whsec_")
        assert secret.startswith("whsec_")
        b.click(button("Done, hide it"))
        b.wait_text("main", "Signing is on")
        assert b.visible(button("Rotate secret"))

        # Create an API key: shown once, it works, then it is revoked.
        b.wait_text("main", "No API keys yet")
        b.fill(label("Key name"), "Nightly sync")
        b.click(button("Create key"))
        key = b.wait_text("#new-api-key", "osk_")
        assert key.startswith("osk_")
        r = httpx.get(f"{base}/api/auth/me/", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.text
        b.wait("role=table[name=\"API keys\"] >> text=Nightly sync")
        _shots(b, "account-key-created", server.backend)
        b.click(button("Done, hide it"))
        b.wait("#new-api-key", state="detached")
        assert key not in b.text("main"), "the key is shown once"
        b.click(button("Revoke Nightly sync"))
        b.wait("role=dialog")
        b.click("role=dialog >> " + button("Revoke key"))
        b.wait_text("main", "No API keys yet")
        r = httpx.get(f"{base}/api/auth/me/", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 401

        # A bad email is refused on the field; a good one makes a pending invitation.
        b.fill(label("Email to invite"), "not-an-email")
        b.click(button("Invite"))
        b.wait_text("#invite_email-error", "email address")
        invitee = f"sam-{uuid.uuid4().hex[:6]}@acme.test"
        b.fill(label("Email to invite"), invitee)
        b.call("select", selector=label("Role"), value="admin")
        b.click(button("Invite"))
        token = b.wait_text("#new-invitation", "osi_")
        assert token.startswith("osi_")
        b.wait(f'role=table[name="Pending invitations"] >> text={invitee}')
        assert "admin" in b.text('role=table[name="Pending invitations"]')
        # The signed-in owner sees the member table with a role picker for themself.
        assert b.visible(f'role=combobox[name="Role of {email}"]')
        _shots(b, "account-members", server.backend)
        assert_accessible(b, "account-members")
        b.click(button("Done, hide it"))
        pending = httpx.get(f"{base}/api/organization/invitations/", headers=headers).json()
        assert [i["email"] for i in pending] == [invitee]

        # The invitee registers with the token and appears as a member.
        r = httpx.post(
            f"{base}/api/auth/register/",
            json={"email": invitee, "password": PASSWORD, "invitation": token},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        b.goto(base + "/dashboard/account")
        b.wait(f'role=table[name="Members"] >> text={invitee}')
        b.wait_text("main", "No pending invitations")
        # The owner changes the new member's role.
        b.call("select", selector=f'role=combobox[name="Role of {invitee}"]', value="member")
        b.wait_text("role=status >> text=is now", f"{invitee} is now member.")
        members = httpx.get(f"{base}/api/organization/members/", headers=headers).json()
        assert {m["email"]: m["role"] for m in members}[invitee] == "member"

        # Signed in as the new member: no role pickers (owners only), no API keys, no invitations.
        b.click(button("Sign out"))
        _sign_in(b, base, invitee)
        b.goto(base + "/dashboard/account")
        b.wait(f'role=table[name="Members"] >> text={email}')
        assert b.call("count", selector="role=combobox[name^=\"Role of\"]") == 0
        b.wait_text("main", "Admins and owners invite people")
        assert b.call("count", selector=label("Key name")) == 0
        assert b.call("count", selector=label("Email to invite")) == 0
        assert b.visible(button("Leave"))


def test_form_responses_and_overview(server: Server) -> None:
    base = server.url
    email, headers = _sign_up(base)
    session = _seed_agent_with_forms(base, headers)
    with Browser.launch(viewport={"width": 1280, "height": 900}) as b:
        _sign_in(b, base, email)
        b.click(NAV + link("Responses"))
        b.wait_text("h1", "Form responses")
        b.wait_text("#responses-title", "3 responses")
        table = b.text('role=table[name="Form responses, oldest first"]')
        assert "Ada Lovelace" in table and "+1 555 0100" in table
        assert "Contact us" in table and "Email" in table  # form titles, field labels
        # Each row with a session links to its call.
        href = b.call("attr", selector=f'role=link[name="Call {session}"]', name="href")
        assert href == f"/dashboard/calls/{session}"
        _shots(b, "responses", server.backend)
        assert_accessible(b, "responses")

        # Filter by form: only the contact form's rows, then export exactly those.
        b.call("select", selector=label("Form"), value="contact")
        b.click(button("Apply filters"))
        b.wait_text("#responses-title", "2 responses")
        assert "+1 555 0100" not in b.text("main")
        out = b.call("download", selector=button("Export CSV"))
        assert out["name"] == "acme-forms-form-responses-contact.csv"
        lines = out["text"].lstrip("\ufeff").splitlines()
        assert lines[0].startswith("created_at,id,form_id,session_id,source,Name,Email"), lines[0]
        assert len(lines) == 3
        assert "Ada Lovelace" in lines[1] and session in lines[1]
        assert "'=HYPERLINK(1)" in lines[2]
        assert "555" not in out["text"]

        # A reversed date range is refused on the field.
        b.fill(label("From (YYYY-MM-DD)"), "2026-12-05")
        b.fill(label("To (YYYY-MM-DD)"), "2026-12-01")
        b.click(button("Apply filters"))
        b.wait_text("#until-error", "before")
        b.fill(label("From (YYYY-MM-DD)"), "2020-01-01")
        b.fill(label("To (YYYY-MM-DD)"), "2020-01-31")
        b.click(button("Apply filters"))
        b.wait_text("main", "No responses match these filters")

        # The agent's own tab shows the same table.
        b.goto(f"{base}/dashboard/agents/acme-forms/responses")
        b.wait_text("#responses-title", "3 responses")
        tab = 'role=navigation[name="Agent"] >> ' + link("Form responses")
        assert b.call("attr", selector=tab, name="aria-current") == "page"

        # The overview counts the three submissions (no calls on this server).
        b.click(NAV + link("Overview"))
        b.wait_text("h1", "Overview")
        b.wait('role=figure[name="Calls per day"]')
        stats = b.text(".stats")
        assert "Form submissions\n3" in stats, stats
        assert "Calls\n0\nof 1 sessions" in stats, stats
        # The chart's numbers are in a table behind "Numbers per day" too.
        b.click("text=Numbers per day")
        b.wait('role=table[name="Sessions, calls and form submissions per day"]')
        forms = b.call("texts", selector="#per-day-table tbody td:last-child")
        assert len(forms) == 30
        assert sum(int(n) for n in forms) == 3
        assert b.call("count", selector=".chart-svg rect.bar title") >= 30
        _shots(b, "overview", server.backend)
        assert_accessible(b, "overview")
        console = [line for line in b.call("console") if line.startswith(("error", "pageerror"))]
        assert all("Failed to load resource" in line for line in console), console
