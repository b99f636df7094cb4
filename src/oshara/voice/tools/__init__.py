"""Agent tools during a call (DESIGN §6): ``http``, ``kb``, ``mcp`` and the ``show_form``
built-in, dispatched for voice and text sessions alike; every outbound request goes through
:mod:`oshara.egress`. See :mod:`oshara.voice.tools.registry` for the dispatch rules."""

from oshara.voice.tools.base import KbSearch, Tool, ToolDeps, ToolError
from oshara.voice.tools.forms import ShowFormTool, offered_forms
from oshara.voice.tools.http import HttpTool, webhook_headers
from oshara.voice.tools.registry import SessionTools, prepare_tools

__all__ = [
    "HttpTool",
    "KbSearch",
    "SessionTools",
    "ShowFormTool",
    "Tool",
    "ToolDeps",
    "ToolError",
    "offered_forms",
    "prepare_tools",
    "webhook_headers",
]
