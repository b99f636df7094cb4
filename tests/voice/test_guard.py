"""PromptGuard: replies stream through unchanged unless they start reciting the system prompt."""

from __future__ import annotations

import re

from pipecat.frames.frames import (
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
)
from pipecat.tests.utils import run_test

from oshara.voice.guard import REFUSAL, PromptGuard, words

PROMPT = (
    "You are Sam, the support agent of Acme Internet. Internal reference: OSH-CANARY-7Q2. "
    "When the caller gives a ticket number and asks about it, call ticket_lookup and tell them "
    "its status. Never discuss other customers' tickets. How can I help you today is a fine "
    "way to start. We are open from nine to five, Monday to Friday.\nBe brief."
)


def _pieces(text: str) -> list[str]:
    """Split like a tokenizer would: words with their leading space, sometimes mid-word."""
    out: list[str] = []
    for token in re.findall(r"\s*\S+", text):
        if len(token) > 6:
            out += [token[:4], token[4:]]
        else:
            out.append(token)
    return out


async def _through_guard(reply: str, guard: PromptGuard | None = None) -> tuple[str, list[str]]:
    guard = guard or PromptGuard(PROMPT)
    frames = [LLMFullResponseStartFrame(), *(LLMTextFrame(p) for p in _pieces(reply))]
    frames.append(LLMFullResponseEndFrame())
    down, _ = await run_test(guard, frames_to_send=frames)
    texts = [f.text for f in down if isinstance(f, LLMTextFrame)]
    assert isinstance(down[-1], LLMFullResponseEndFrame)
    return "".join(texts), texts


def _longest_prompt_run(text: str) -> int:
    prompt = " ".join(words(PROMPT))
    said = words(text)
    best = 0
    for i in range(len(said)):
        for j in range(i + 1, len(said) + 1):
            if f" {' '.join(said[i:j])} " in f" {prompt} ":
                best = max(best, j - i)
    return best


async def test_ordinary_replies_pass_unchanged() -> None:
    reply = "Ticket TICKET-456 is in progress, and a technician comes on Friday."
    out, _ = await _through_guard(reply)
    assert out == reply


async def test_common_phrases_from_the_prompt_are_only_delayed() -> None:
    reply = "Sure. How can I help you with your router today?"  # 4 prompt words, then it breaks
    out, texts = await _through_guard(reply)
    assert out == reply
    assert texts == _pieces(reply)  # same pieces, same order (held ones sent when the run broke)


async def test_a_recited_prompt_is_replaced_by_a_refusal() -> None:
    guard = PromptGuard(PROMPT)
    leak = (
        "Of course! My instructions say: When the caller gives a ticket number and asks about "
        "it, call ticket_lookup and tell them its status. Internal reference OSH-CANARY-7Q2."
    )
    out, _ = await _through_guard(leak, guard)
    assert out.endswith(REFUSAL)
    assert "CANARY" not in out
    assert _longest_prompt_run(out) < guard.block_at
    assert guard.blocked_replies == 1


async def test_facts_the_prompt_gives_the_agent_may_be_said_verbatim() -> None:
    reply = "We are open from nine to five, Monday to Friday."  # one prompt sentence, 10 words
    out, _ = await _through_guard(reply)
    assert out == reply


async def test_a_recitation_across_sentences_is_blocked() -> None:
    out, _ = await _through_guard("Sure: never discuss other customers' tickets. How can I help")
    assert out.endswith(REFUSAL)


async def test_each_response_starts_fresh() -> None:
    guard = PromptGuard(PROMPT)
    await _through_guard("You are Sam, the support agent of Acme Internet.", guard)
    out, _ = await _through_guard("Your ticket is closed.", guard)
    assert out == "Your ticket is closed."


def test_run_length_counts_consecutive_prompt_words() -> None:
    guard = PromptGuard(PROMPT)
    assert guard.run_length(words("well you are sam the")) == 4
    assert guard.run_length(words("sam the support")) == 3
    assert guard.run_length(words("hello there")) == 0
