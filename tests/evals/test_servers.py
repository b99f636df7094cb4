"""The eval's tool servers answer like the owner APIs they stand for."""

from __future__ import annotations

from datetime import date

import httpx

from oshara.evals.servers import HttpToolServer, availability, find_products, normalise_id


async def test_ticket_api() -> None:
    async with HttpToolServer(api_key="k-123") as server, httpx.AsyncClient() as client:
        url = server.base_url
        r = await client.post(f"{url}/tickets/lookup", json={"ticket_id": "TICKET-456"})
        assert r.status_code == 401
        key = {"X-Api-Key": "k-123"}
        r = await client.post(
            f"{url}/tickets/lookup", json={"ticket_id": "ticket 456"}, headers=key
        )
        assert r.status_code == 200 and r.json()["status"] == "in_progress"
        r = await client.post(
            f"{url}/tickets/lookup", json={"ticket_id": "TICKET-404"}, headers=key
        )
        assert (r.status_code, r.json()) == (404, {"error": "Ticket not found"})
        r = await client.post(f"{url}/tickets/lookup", json={"id": 1}, headers=key)
        assert r.status_code == 400
        body = {"subject": "Router down", "priority": "high", "email": "d@example.com"}
        r = await client.post(f"{url}/tickets", json=body, headers=key)
        assert r.status_code == 201
        assert r.json() == {
            "ticket_id": "TICKET-1001",
            "status": "open",
            "subject": "Router down",
            "priority": "high",
            "confirmation_sent_to": "d@example.com",
        }
        r = await client.post(
            f"{url}/tickets/lookup", json={"ticket_id": "TICKET-1001"}, headers=key
        )
        assert r.status_code == 200 and r.json()["subject"] == "Router down"
        r = await client.post(
            f"{url}/tickets", json={"subject": "x", "priority": "asap"}, headers=key
        )
        assert r.status_code == 400
        r = await client.get(f"{url}/network/status", headers=key)
        assert r.json()["outages"][0]["area"] == "Riverside"
        assert [(q.path, q.status) for q in server.requests][:3] == [
            ("/tickets/lookup", 401),
            ("/tickets/lookup", 200),
            ("/tickets/lookup", 404),
        ]


async def test_availability_api() -> None:
    today = date(2026, 11, 25)
    async with HttpToolServer(api_key="k", today=today) as server, httpx.AsyncClient() as client:
        post = f"{server.base_url}/bookings/availability"
        r = await client.post(
            post, json={"date": "2026-12-04", "party_size": 4}, headers={"X-Api-Key": "k"}
        )
        assert r.json()["available_times"] == ["18:00", "19:30", "21:00"]
        r = await client.post(
            post, json={"date": "4 Dec", "party_size": 4}, headers={"X-Api-Key": "k"}
        )
        assert r.status_code == 400
    assert availability(date(2026, 12, 11), 6, today)["available_times"] == ["18:30", "21:00"]
    assert "past" in availability(date(2025, 12, 4), 2, today)["message"]
    assert "December" in availability(date(2026, 12, 25), 2, today)["message"]
    assert "Mondays" in availability(date(2026, 12, 7), 2, today)["message"]
    assert "private room" in availability(date(2026, 12, 12), 10, today)["message"]


def test_catalogue_search() -> None:
    assert normalise_id(" np 10231 ") == "NP-10231"
    assert find_products("two-person tents")["results"][0]["name"] == "Ridgeline 2 tent"
    assert [p["name"] for p in find_products("sleeping bag", 100)["results"]] == [
        "Campfire synthetic sleeping bag"
    ]
    assert [p["name"] for p in find_products("tent")["results"]] == [
        "Ridgeline 2 tent",
        "Summit Dome 4 tent",
    ]
    assert find_products("kayak") == {"results": [], "message": "No products matched."}
