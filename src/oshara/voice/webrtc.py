"""SmallWebRTC signaling, framework-agnostic: the platform's route calls these two methods.

The stock ``@pipecat-ai/small-webrtc-transport`` client speaks (see DESIGN §9):

* ``POST webrtc_url`` ``{sdp, type: "offer", pc_id: null, restart_pc: false}`` →
  ``{sdp, type: "answer", pc_id}``  — :meth:`WebRTCSignaling.offer`
* ``PATCH webrtc_url`` ``{pc_id, candidates: [{candidate, sdp_mid, sdp_mline_index}]}``
  (trickle ICE) — :meth:`WebRTCSignaling.patch`

The route checks the session token first (before any media is set up), then calls these
with the session's id; a ``pc_id`` only ever works for the session that created it. Errors
are :class:`SignalingError` with an HTTP status and a message safe to show.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pipecat.transports.base_transport import TransportParams
from pipecat.transports.smallwebrtc.connection import IceServer, SmallWebRTCConnection
from pipecat.transports.smallwebrtc.request_handler import (
    IceCandidate,
    SmallWebRTCPatchRequest,
    SmallWebRTCRequest,
    SmallWebRTCRequestHandler,
)
from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport

from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import SessionRecorder, SessionSpec

log = logging.getLogger(__name__)

MAX_SDP_BYTES = 64 * 1024
MAX_CANDIDATES = 64

# Starts the call for a fresh connection; the platform usually passes ``start_call`` below.
OnConnection = Callable[[SmallWebRTCConnection], Awaitable[None]]


class SignalingError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _parse_offer(body: Any) -> SmallWebRTCRequest:
    if not isinstance(body, dict):
        raise SignalingError(400, "body must be a JSON object")
    sdp, kind = body.get("sdp"), body.get("type")
    if not isinstance(sdp, str) or not sdp.lstrip().startswith("v=0"):
        raise SignalingError(400, "sdp: required SDP string (starting with v=0)")
    if len(sdp.encode()) > MAX_SDP_BYTES:
        raise SignalingError(413, "sdp: too large")
    if "m=audio" not in sdp:
        raise SignalingError(400, "sdp: the offer has no audio section")
    if kind != "offer":
        raise SignalingError(400, "type: must be 'offer'")
    pc_id = body.get("pc_id")
    if pc_id is not None and not isinstance(pc_id, str):
        raise SignalingError(400, "pc_id: must be a string or null")
    restart = body.get("restart_pc")
    if restart is not None and not isinstance(restart, bool):
        raise SignalingError(400, "restart_pc: must be a boolean")
    return SmallWebRTCRequest(sdp=sdp, type=kind, pc_id=pc_id or None, restart_pc=restart)


def _parse_patch(body: Any) -> SmallWebRTCPatchRequest:
    if not isinstance(body, dict):
        raise SignalingError(400, "body must be a JSON object")
    pc_id = body.get("pc_id")
    if not isinstance(pc_id, str) or not pc_id:
        raise SignalingError(400, "pc_id: required string")
    raw = body.get("candidates")
    if not isinstance(raw, list) or len(raw) > MAX_CANDIDATES:
        raise SignalingError(400, f"candidates: a list of at most {MAX_CANDIDATES}")
    out = []
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise SignalingError(400, f"candidates[{i}]: must be an object")
        cand = c.get("candidate", "")
        mid = c.get("sdp_mid", c.get("sdpMid"))
        index = c.get("sdp_mline_index", c.get("sdpMLineIndex"))
        if not isinstance(cand, str) or len(cand) > 2048:
            raise SignalingError(400, f"candidates[{i}].candidate: must be a string")
        if cand and (not isinstance(mid, (str, int)) or not isinstance(index, int)):
            raise SignalingError(400, f"candidates[{i}]: sdp_mid and sdp_mline_index required")
        out.append(IceCandidate(candidate=cand, sdp_mid=str(mid), sdp_mline_index=int(index or 0)))
    return SmallWebRTCPatchRequest(pc_id=pc_id, candidates=out)


class WebRTCSignaling:
    """One per process: wraps Pipecat's ``SmallWebRTCRequestHandler`` and ties pcs to sessions."""

    def __init__(
        self,
        runner: VoiceRunner,
        *,
        ice_servers: list[str] | None = None,
        transport_params: Callable[[], TransportParams] | None = None,
    ) -> None:
        self.runner = runner
        servers = [IceServer(urls=u) for u in ice_servers or []]
        self._handler = SmallWebRTCRequestHandler(ice_servers=servers or None)
        self._pc_session: dict[str, str] = {}
        self._transport_params = transport_params or _default_params

    def session_for_pc(self, pc_id: str) -> str | None:
        return self._pc_session.get(pc_id)

    async def offer(
        self, session_id: str, body: Any, on_connection: OnConnection
    ) -> dict[str, str]:
        """Answer an SDP offer. A new peer connection calls ``on_connection`` once."""
        request = _parse_offer(body)
        if request.pc_id is not None and self._pc_session.get(request.pc_id) != session_id:
            if request.pc_id in self._pc_session:
                raise SignalingError(404, "unknown pc_id")
            request.pc_id = None  # a stale id from an earlier page load: start afresh
        started: list[SmallWebRTCConnection] = []
        failed: list[BaseException] = []

        async def callback(connection: SmallWebRTCConnection) -> None:
            started.append(connection)
            try:
                await on_connection(connection)
            except Exception as exc:  # Pipecat would only log it and answer anyway
                failed.append(exc)
                raise

        try:
            answer = await self._handler.handle_web_request(request, callback)
        except SignalingError:
            raise
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if isinstance(status, int):
                raise SignalingError(status, str(getattr(exc, "detail", "rejected"))) from exc
            log.error("WebRTC offer failed: %s", type(exc).__name__)
            raise SignalingError(400, "could not negotiate the WebRTC offer") from exc
        if failed:
            for connection in started:
                await connection.disconnect()  # type: ignore[no-untyped-call]
            raise failed[0]
        if answer is None:
            raise SignalingError(500, "no SDP answer")
        pc_id = answer["pc_id"]
        self._pc_session[pc_id] = session_id
        for connection in started:
            connection.add_event_handler("closed", self._forget)
        return {"sdp": answer["sdp"], "type": answer["type"], "pc_id": pc_id}

    async def _forget(self, connection: SmallWebRTCConnection) -> None:
        self._pc_session.pop(connection.pc_id, None)

    async def patch(self, session_id: str, body: Any) -> None:
        """Add trickled ICE candidates to the session's peer connection."""
        request = _parse_patch(body)
        if self._pc_session.get(request.pc_id) != session_id:
            raise SignalingError(404, "unknown pc_id")
        try:
            await self._handler.handle_patch_request(request)
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if isinstance(status, int):
                raise SignalingError(status, str(getattr(exc, "detail", "rejected"))) from exc
            raise SignalingError(400, "invalid ICE candidate") from exc

    async def start_call(
        self, spec: SessionSpec, recorder: SessionRecorder, body: Any
    ) -> dict[str, str]:
        """Offer → answer, and start ``spec``'s voice session on the new connection.

        Services are created first: a missing model or key raises ``ProviderUnavailable``
        before any media is negotiated."""
        fresh = isinstance(body, dict) and not body.get("pc_id")
        services = await self.runner.prepare(spec) if fresh else None

        async def on_connection(connection: SmallWebRTCConnection) -> None:
            transport = SmallWebRTCTransport(
                webrtc_connection=connection, params=self._transport_params()
            )
            await self.runner.start_voice(spec, recorder, transport, services=services)

        try:
            return await self.offer(spec.session_id, body, on_connection)
        except BaseException:
            if services is not None:  # the slot and services prepared above are not used
                await self.runner.abandon(spec.session_id, services)
            raise

    async def close(self) -> None:
        await self._handler.close()  # type: ignore[no-untyped-call]
        self._pc_session.clear()


def _default_params() -> TransportParams:
    return TransportParams(audio_in_enabled=True, audio_out_enabled=True)
