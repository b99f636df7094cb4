"""The support desk's ticket endpoint for the end-to-end calls: a real HTTP tool server.

``TicketDesk`` is :class:`tests.tools.http_server.ToolServer` (127.0.0.1, ``X-Oshara-Secret``
checked, every request kept in ``requests``) whose ``POST /ticket-lookup`` is tolerant of the
ways a spoken ticket number reaches the LLM: Whisper writes "ticket four five six" as
"ticket 456", and the model may pass ``"456"``, ``"TICKET-456"``, ``"ticket 456"`` or
``"#456"``. The ticket is found by its digits; ``ticket_ids`` lists the ids of the requests
that were answered with a ticket. It runs in a thread of its own (``running()``), so the
``oshara serve`` subprocess can call it while a test blocks on the browser.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from tests.tools.http_server import ToolServer

SECRET = "e2e-ticket-desk-secret"

#: Ticket number → what the endpoint answers. The status is one no model would guess from the
#: character's prompt (which never mentions routers) and Whisper transcribes it reliably.
TICKETS: dict[str, dict[str, Any]] = {
    "456": {
        "ticket_id": "TICKET-456",
        "status": "waiting for a replacement router",
        "subject": "Internet drops every evening",
    },
    "123": {
        "ticket_id": "TICKET-123",
        "status": "resolved",
        "subject": "Password reset",
    },
}

_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DIGIT_WORDS = {w: str(i) for i, w in enumerate(_DIGITS)}


def ticket_number(value: str) -> str:
    """The digits of a ticket id as a caller or a model might write it ("four five six" too)."""
    words = re.findall(r"[a-z]+|\d+", value.lower())
    return "".join(_DIGIT_WORDS.get(w, w) for w in words if w.isdigit() or w in _DIGIT_WORDS)


class TicketDesk(ToolServer):
    def __init__(self, secret: str = SECRET) -> None:
        super().__init__(secret=secret)
        self.received_at: list[float] = []  # time.time() of each /ticket-lookup request
        self.ticket_ids: list[str] = []  # ticket_id of each request answered with a ticket

    async def _ticket(self, request: web.Request) -> web.Response:
        self.received_at.append(time.time())
        seen = await self._seen(request)
        if seen.headers.get("x-oshara-secret") != self.secret:
            return web.json_response({"error": "Unauthorized"}, status=401)
        try:
            body = seen.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("ticket_id"), str):
            return web.json_response({"error": "ticket_id is required"}, status=400)
        ticket = TICKETS.get(ticket_number(body["ticket_id"]))
        if ticket is None:
            return web.json_response({"error": "Ticket not found"}, status=404)
        self.ticket_ids.append(body["ticket_id"])
        return web.json_response(ticket)

    def lookups(self) -> list[dict[str, Any]]:
        """The JSON bodies of the ``/ticket-lookup`` requests, oldest first."""
        out = []
        for seen in list(self.requests):
            if seen.path == "/ticket-lookup":
                try:
                    body = seen.json()
                except ValueError:
                    body = None
                out.append(body if isinstance(body, dict) else {"raw": seen.body.decode()})
        return out

    def clear(self) -> None:
        self.requests.clear()
        self.received_at.clear()
        self.ticket_ids.clear()


@contextmanager
def running(desk: TicketDesk) -> Iterator[TicketDesk]:
    """Serve ``desk`` from an event loop in its own thread for the duration of the block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ticket-desk", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(desk.start(), loop).result(10)
        yield desk
    finally:
        asyncio.run_coroutine_threadsafe(desk.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
