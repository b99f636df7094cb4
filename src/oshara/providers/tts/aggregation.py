"""Speak sooner: release the first clause of each response before its sentence ends.

Pipecat's sentence aggregator waits for a full sentence before synthesis. With a local LLM
producing ~25 tokens/s, a 12-word first sentence costs ~0.5 s of waiting, and Piper's time grows
with the length of what it synthesises. :class:`FirstClauseTextAggregator` keeps Pipecat's
sentence logic but lets the *first* chunk of a response go at a clause boundary (``, ; :``
followed by a space) once it has ``min_words`` words. Later chunks are whole sentences.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pipecat.utils.text.base_text_aggregator import Aggregation, TextType
from pipecat.utils.text.simple_text_aggregator import SimpleTextAggregator

CLAUSE_MARKS = ",;:"


class FirstClauseTextAggregator(SimpleTextAggregator):
    def __init__(self, min_words: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._min_words = min_words
        self._first = True

    async def aggregate(self, text: str) -> AsyncIterator[Aggregation]:
        if self._aggregation_type == TextType.TOKEN or not self._first:
            async for aggregation in super().aggregate(text):
                self._first = False
                yield aggregation
            return
        for char in text:
            async for aggregation in super().aggregate(char):
                self._first = False
                yield aggregation
            if self._first and (clause := self._take_clause()):
                self._first = False
                yield clause

    def _take_clause(self) -> Aggregation | None:
        buf = self._text
        # "3,000" or "a:b" are not clause ends: wait for the space after the mark.
        if len(buf) < 2 or buf[-1] != " " or buf[-2] not in CLAUSE_MARKS:
            return None
        head = buf[:-1].strip()
        if len(head.split()) < self._min_words:
            return None
        self._text = ""
        return Aggregation(text=head, type=TextType.SENTENCE)

    async def flush(self) -> Aggregation | None:
        self._first = True
        return await super().flush()

    async def reset(self) -> None:
        self._first = True
        await super().reset()  # type: ignore[no-untyped-call]

    async def handle_interruption(self) -> None:
        self._first = True
        await super().handle_interruption()  # type: ignore[no-untyped-call]


def speak_first_clause_early(service: Any, min_words: int = 4) -> Any:
    """Swap a Pipecat TTS service's sentence aggregator for :class:`FirstClauseTextAggregator`."""
    current = getattr(service, "_text_aggregator", None)
    if isinstance(current, SimpleTextAggregator) and not isinstance(
        current, FirstClauseTextAggregator
    ):
        service._text_aggregator = FirstClauseTextAggregator(
            min_words=min_words,
            aggregation_type=current._aggregation_type,
            language=current.language,
        )
    return service
