"""``kb`` tools: the character's knowledge base, searched through the platform's function.

The runtime never touches the database: the platform passes ``ToolDeps.kb_search`` (see
:func:`oshara.sessions.runtime.tool_deps`). The LLM gets the best passages with their source::

    {"query": "...", "passages": [{"source": "Returns policy", "heading": "...", "text": "..."}]}
"""

from __future__ import annotations

import asyncio
from typing import Any

from oshara.characters.tools import CharacterTool, KbToolConfig
from oshara.voice.spec import SessionSpec
from oshara.voice.tools.base import KbSearch, Tool, ToolCall, ToolError

__all__ = ["DEFAULT_KB_SCHEMA", "KbTool"]

KB_TIMEOUT = 10.0
MAX_PASSAGE_CHARS = 2_000

DEFAULT_KB_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"query": {"type": "string", "description": "What to look up, in a few words."}},
    "required": ["query"],
}


class KbTool(Tool):
    kind = "kb"

    def __init__(self, tool: CharacterTool, *, spec: SessionSpec, search: KbSearch | None) -> None:
        schema = tool.input_schema
        if not (schema.get("properties") or {}):
            schema = DEFAULT_KB_SCHEMA  # the owner left the schema empty: ask for a query
        description = tool.description or "Search the knowledge base for relevant passages."
        super().__init__(tool.name, description, schema)
        assert isinstance(tool.config, KbToolConfig)
        self.top_k = tool.config.top_k
        self.spec = spec
        self.search = search

    @staticmethod
    def query_of(arguments: dict[str, Any]) -> str:
        query = arguments.get("query")
        if isinstance(query, str) and query.strip():
            return query.strip()
        texts = [v.strip() for v in arguments.values() if isinstance(v, str) and v.strip()]
        return " ".join(texts)

    async def run(self, arguments: dict[str, Any], call: ToolCall) -> Any:
        query = self.query_of(arguments)
        if not query:
            raise ToolError("invalid_arguments", "Give a 'query' to search the knowledge base for.")
        if self.search is None:
            raise ToolError("unavailable", "The knowledge base is not available right now.")
        try:
            hits = await asyncio.wait_for(self.search(self.spec, query, self.top_k), KB_TIMEOUT)
        except TimeoutError:
            raise ToolError("timeout", "The knowledge base did not answer in time.") from None
        passages = []
        for hit in hits[: self.top_k]:
            passage: dict[str, Any] = {
                "source": str(hit.get("title") or "Untitled document"),
                "text": str(hit.get("text") or "")[:MAX_PASSAGE_CHARS],
            }
            for key in ("heading", "page"):
                if hit.get(key) not in (None, ""):
                    passage[key] = hit[key]
            passages.append(passage)
        result: dict[str, Any] = {"query": query, "passages": passages}
        if not passages:
            result["message"] = "Nothing relevant was found in the knowledge base."
        return result
