"""Keep conversation content out of the logs.

Pipecat logs through loguru, and at DEBUG it prints transcripts, prompts, spoken text and tool
arguments. :func:`configure_pipecat_logging` replaces loguru's default DEBUG handler with one
that forwards INFO and above to the standard ``logging`` module (so the platform's logging
setup applies) and blanks the few higher-level messages that quote content.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_CONTENT = [
    re.compile(r"\[.*\]", re.DOTALL),  # Pipecat quotes text as [..] (TTS, transcripts)
    re.compile(r"(arguments:).*", re.DOTALL),
    re.compile(r"(instruction:).*", re.DOTALL),
]
_configured = False


def redact(message: str) -> str:
    for pattern in _CONTENT:
        message = pattern.sub(
            lambda m: (m.group(1) + " <redacted>") if m.groups() else "[<redacted>]", message
        )
    return message


def _forward(message: Any) -> None:
    record = message.record
    level = record["level"].no
    name = "pipecat." + (record["name"] or "").removeprefix("pipecat.")
    logging.getLogger(name).log(level, "%s", redact(record["message"]))


def configure_pipecat_logging(level: int | str = logging.INFO) -> None:
    """Route Pipecat's loguru output through ``logging`` at ``level`` (never below INFO)."""
    global _configured
    from loguru import logger

    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        numeric = logging.INFO
    logger.remove()
    logger.add(_forward, level=max(numeric, logging.INFO), format="{message}")
    _configured = True
