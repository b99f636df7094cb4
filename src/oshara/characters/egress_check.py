"""Save-time warnings for tool URLs the call-time egress policy will refuse.

A tool whose ``config.url`` is loopback, private, link-local… is accepted on save (self-hosters
legitimately call internal services once the operator lists them in ``OSHARA_EGRESS_ALLOW``),
but the save response says so: ``warnings: [{field, message}]`` naming the tool and the
setting. The check is the egress client's own (:class:`oshara.egress.EgressGuard`) with the
server's current allow-list; names are resolved with a short time budget, and a name that
does not resolve now is not reported (it may at call time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from oshara.characters.schemas import CharacterOut
from oshara.egress import AllowList, EgressError, EgressGuard, blocked_reason, parse_url

__all__ = ["CharacterSaved", "EgressWarning", "egress_warnings", "with_egress_warnings"]

log = logging.getLogger(__name__)

RESOLVE_SECONDS = 2.0


class EgressWarning(BaseModel):
    """A problem that does not stop the save but will stop calls."""

    field: str = Field(description="e.g. tools[0].config.url")
    message: str


class CharacterSaved(CharacterOut):
    """The response of a create or update: the character plus save-time ``warnings``, present
    only when there is something to say (so a save answers exactly what GET answers, and the
    body can be sent back as is)."""

    warnings: list[EgressWarning] = Field(
        default_factory=list,
        description="Tool URLs calls will be refused for (private targets need "
        "OSHARA_EGRESS_ALLOW); left out when there is nothing to say.",
        exclude_if=lambda warnings: not warnings,
    )


def _suggestion(host: str, port: int, literal: bool) -> str:
    if literal and ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


async def _check(index: int, tool: Mapping[str, Any], guard: EgressGuard) -> EgressWarning | None:
    config = tool.get("config")
    url = config.get("url") if isinstance(config, Mapping) else None
    if tool.get("kind") not in ("http", "mcp") or not isinstance(url, str):
        return None
    field = f"tools[{index}].config.url"
    name = tool.get("name")
    try:
        _, target = parse_url(url)
        async with asyncio.timeout(RESOLVE_SECONDS):
            await guard.addresses(target.host, target.port)
    except EgressError as exc:
        if exc.code != "blocked_address":
            return None  # not resolvable now (offline, internal DNS): unknown until the call
        literal = target.address is not None
        if target.address is not None:
            where = f"{target.host} is a {blocked_reason(target.address)} address"
        else:
            where = f"{target.host} resolves to a non-public address"
        return EgressWarning(
            field=field,
            message=f"tool {name!r}: {where}; calls to it will be refused unless the "
            "server's OSHARA_EGRESS_ALLOW admits it (e.g. "
            f"OSHARA_EGRESS_ALLOW={_suggestion(target.host, target.port, literal)})",
        )
    except TimeoutError:
        return None
    return None


async def egress_warnings(tools: Sequence[Mapping[str, Any]], allow: str) -> list[EgressWarning]:
    """Warnings for the ``http`` and ``mcp`` tools whose URLs the egress policy refuses."""
    try:
        guard = EgressGuard(AllowList.parse(allow))
    except ValueError:
        guard = EgressGuard(AllowList())  # an invalid setting admits nothing at call time either
    found = await asyncio.gather(*(_check(i, tool, guard) for i, tool in enumerate(tools)))
    return [w for w in found if w is not None]


async def with_egress_warnings(
    out: CharacterOut, tools: Sequence[Mapping[str, Any]] | None, allow: str
) -> CharacterSaved:
    """``out`` as a :class:`CharacterSaved` with the warnings of the saved ``tools``."""
    warnings = await egress_warnings(tools or [], allow)
    return CharacterSaved.model_construct(**dict(out), warnings=warnings)
