"""``local:<name>`` LLMs: llama.cpp in-process on the registry-packaged GGUF weights.

:class:`LocalLlamaLLMService` is Pipecat's ``OpenAILLMService`` with the HTTP client swapped for
an in-process llama.cpp stream that yields the same ``ChatCompletionChunk`` objects, so context
handling, metrics, interruptions and the assistant aggregator behave exactly as with a cloud
model. One ``Llama`` per model file is loaded per process and shared by every session; a lock
serialises generation (llama.cpp contexts are not re-entrant), and an interrupted response
stops generating at the next token instead of burning CPU to the end.

Every turn is generated under a grammar (:mod:`oshara.providers.llm.toolcall`): either a
speakable reply, streamed token by token, or one call of an offered tool with arguments that
match its schema — never tool JSON in the reply, never markdown in the voice.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openai.types.chat import ChatCompletionChunk
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.services.openai.llm import OpenAILLMService

from oshara.providers.llm.toolcall import (
    ARGUMENTS,
    ARGUMENTS_TAIL,
    RESPOND,
    TOOL_OPEN,
    GrammarCache,
    Tool,
    ToolCall,
    TurnDecoder,
    arguments_head,
    called_this_turn,
    completed_ids,
    offered_tools,
    prepare_messages,
    unfillable,
    ungrounded,
    unwarranted_end,
    unwarranted_form,
    with_respond,
)

log = logging.getLogger(__name__)

try:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "local LLMs need llama-cpp-python (a dependency of oshara; run scripts/install) "
        "(or pip install llama-cpp-python==0.3.36; it compiles llama.cpp, ~7 min on 2 cores)"
    ) from exc

_END = object()


@dataclass(frozen=True)
class LlamaOptions:
    n_ctx: int = 4096
    n_threads: int = 1
    """Threads generating tokens. One leaves a core for STT/TTS running at the same time;
    token generation is memory-bound, so a second thread gains little and on two cores it
    collapses when Whisper or Piper compete for the CPU (measured: 25 → 5 tok/s)."""
    n_threads_batch: int = 2
    """Threads evaluating the prompt (compute-bound, nothing else runs then)."""
    n_batch: int = 256
    saved_contexts: int = 8
    """KV caches of other sessions kept in memory. The model has one context; when a turn of
    another session comes in, the current session's cache is saved (~10 ms) and the new
    one's restored (~2 ms) instead of evaluating its whole prompt again (seconds: ~140
    tokens/s for 0.5B and ~70 for 1.5B on 2 cores). ~12-30 KB per token of context."""
    call_threshold: float | None = 0.001
    """The decision step: with tools offered (``tool_choice="auto"``) the turn becomes a tool
    call when the model puts at least this much probability on starting one (``<`` / ``{``
    tokens) as its first token, and a plain reply otherwise. ``None`` leaves the choice to
    sampling under the combined grammar. Calibrated on the eval set (docs/evals.md)."""
    respond_option: bool = True
    """The decision step asks the model *which function it would call*, with one more function
    in the prompt's tool list: ``respond_directly`` (answer in words). The turn's prompt is
    followed by the opening of a call, ``<tool_call>\n{"name": "``, and the probabilities of
    the functions' names decide: the most likely one is called, or the reply is
    generated when ``respond_directly`` wins. Small models pick the right option there far
    more reliably than they decide to open a call at all (docs/voice.md). ``call_threshold``
    decides instead when an offered tool is itself named ``respond_directly``."""


@dataclass
class Generation:
    """One started turn: its completion chunks and how the reply/call decision went."""

    prompt_tokens: int
    tool_choice: Any
    call_mass: float | None = None
    """Probability the decision step gave to calling a tool rather than replying (with
    ``respond_option``: what ``respond_directly`` and an unwarranted ``end_call`` leave)."""
    options: dict[str, float] | None = None
    """The decision step's probabilities by function (``respond_directly`` included)."""
    prefix: str = ""
    """Text of the turn that is part of the prompt, not of ``chunks``: the opening of the call
    the decision step chose, up to its arguments."""
    chunks: Any = None
    unfillable: tuple[str, list[str]] | None = None
    """The call the decision step chose and its required arguments that nothing said could
    fill (:func:`unfillable`): no arguments are generated (``chunks`` is ``None``); the turn is
    a reply asking for them."""

    @property
    def decided(self) -> bool:
        """Did the decision step (not the caller's ``tool_choice``) choose a call?"""
        return self.call_mass is not None


class SharedLlama:
    """One loaded model, shared by all sessions of the process."""

    _instances: dict[tuple[str, LlamaOptions], SharedLlama] = {}
    _create_lock = threading.Lock()

    def __init__(self, path: Path, options: LlamaOptions) -> None:
        self.path = path
        self.options = options
        self.lock = threading.Lock()
        self.llm = Llama(
            model_path=str(path),
            n_ctx=options.n_ctx,
            n_threads=options.n_threads,
            n_threads_batch=options.n_threads_batch,
            n_batch=options.n_batch,
            verbose=False,
        )
        self.formatter, self.native_tools = _chat_formatter(self.llm)
        self.grammars = GrammarCache(verify=self.grammar_ok)
        self._call_mask: np.ndarray[Any, np.dtype[np.bool_]] | None = None
        self._tokenized: dict[tuple[str, bool], list[int]] = {}
        self._kept: tuple[list[int], np.ndarray[Any, np.dtype[np.float32]]] | None = None
        self._saved: OrderedDict[tuple[int, ...], tuple[Any, int]] = OrderedDict()
        # The first evaluation in a process pays a one-time setup cost (~1 s on 2 cores);
        # pay it at load time rather than on the first caller's turn.
        self.warm([{"role": "user", "content": "Hi"}])

    @classmethod
    def get(cls, path: Path, options: LlamaOptions) -> SharedLlama:
        key = (str(path), options)
        with cls._create_lock:
            inst = cls._instances.get(key)
            if inst is None:
                log.info("loading local LLM %s", path.name)
                inst = cls(path, options)
                cls._instances[key] = inst
            return inst

    def prompt_tokens(
        self, messages: list[dict[str, Any]], tools: list[Tool]
    ) -> tuple[list[int], list[str]]:
        """The chat template applied to ``messages`` (and the offered tools), tokenized."""
        if tools and self.options.respond_option:
            tools = with_respond(tools)
        prepared = prepare_messages(messages, tools, native_tools=self.native_tools)
        rendered = self.formatter(
            messages=prepared,  # type: ignore[arg-type]
            tools=[t.as_openai() for t in tools] if (tools and self.native_tools) else None,  # type: ignore[misc]
        )
        tokens = self.llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=False, special=True)
        stop = rendered.stop if isinstance(rendered.stop, list) else [rendered.stop or ""]
        return tokens, [s for s in stop if s]

    def generate(
        self,
        messages: list[dict[str, Any]],
        tools: list[Tool],
        tool_choice: Any,
        sampling: dict[str, Any],
        *,
        prompt_tools: list[Tool] | None = None,
    ) -> Generation:
        """Start one assistant turn (call with :attr:`lock` held).

        ``prompt_tools`` are described in the prompt (default: ``tools``); ``tools`` are the
        ones this turn may call. With ``tool_choice="auto"`` the decision step picks reply or
        call first (:attr:`LlamaOptions.call_threshold`).
        """
        tokens, stop = self.prompt_tokens(messages, tools if prompt_tools is None else prompt_tools)
        gen = Generation(prompt_tokens=len(tokens), tool_choice=tool_choice)
        threshold = self.options.call_threshold
        callable_tools = tools
        grammar_choice: str | None = None
        options = (
            self.choose(tokens, tools)
            if tools and tool_choice == "auto" and self.options.respond_option
            else None
        )
        if options is not None:
            gen.options = options
            reply = raw_reply = options.pop(RESPOND.name)
            # A small model that would rather hang up on a caller who did not say goodbye is
            # declining the request ("print your instructions": end_call 0.3-0.9): that
            # probability is the reply's.
            reply += sum(p for name, p in options.items() if unwarranted_end(name, messages))
            gen.call_mass = 1.0 - reply
            # Calls that would be dropped whatever their arguments (end_call without a goodbye,
            # a form nobody asked for) are not candidates: generating their arguments first
            # cost a 0.5B up to 28 s of a voice turn.
            candidates = {
                name: p
                for name, p in options.items()
                if not unwarranted_end(name, messages)
                and not unwarranted_form(name, tools, messages)
            }
            best = max(candidates, key=candidates.__getitem__, default="")
            if not best or candidates[best] <= reply:
                gen.tool_choice = "none"
                self.step_back(tokens)
            elif missing := unfillable(next(t for t in tools if t.name == best), messages):
                gen.tool_choice = "none"
                gen.unfillable = (best, missing)
            else:
                # The call's opening and name are the prompt's: evaluated in one batch
                # (mostly already, by the decision) instead of sampled token by token under
                # the grammar (eval set, 1.5B: a call complete after 1.8 s p50, was 2.5 s).
                callable_tools = [t for t in tools if t.name == best]
                gen.tool_choice = "required"
                gen.prefix = arguments_head(best)
                grammar_choice = ARGUMENTS
                tokens = [
                    *tokens,
                    *self._tokens(_OPENING, special=True),  # as the decision read the name
                    *self._tokens(gen.prefix[len(_OPENING) : -len(ARGUMENTS_TAIL)], special=False),
                    *self._tokens(ARGUMENTS_TAIL, special=False),
                ]
            gen.options[RESPOND.name] = raw_reply
            outcome = "reply" if gen.tool_choice == "none" else best
            if gen.unfillable:
                outcome = f"reply ({best} lacks {', '.join(gen.unfillable[1])})"
            log.debug(
                "local LLM: %s → %s",
                " ".join(f"{k}={v:.2f}" for k, v in gen.options.items()),
                outcome,
            )
        elif tools and tool_choice == "auto" and threshold is not None:
            gen.call_mass = self.call_mass(tokens)
            gen.tool_choice = "required" if gen.call_mass >= threshold else "none"
            log.debug("local LLM: call mass %.3f → %s", gen.call_mass, gen.tool_choice)
        if gen.unfillable is not None:
            return gen
        gen.chunks = self.llm.create_completion(
            prompt=tokens,
            grammar=self.grammars.get(callable_tools, grammar_choice or gen.tool_choice),
            stop=stop,
            stream=True,
            **sampling,
        )
        return gen

    def grammar_ok(self, grammar: str) -> bool:
        """Does llama.cpp's own GBNF parser accept ``grammar``? (It returns no sampler
        instead of raising, and llama-cpp-python would then crash on the null pointer.)"""
        import llama_cpp as lib

        sampler = lib.llama_sampler_init_grammar(
            self.llm._model.vocab, grammar.encode("utf-8"), b"root"
        )
        if not sampler:
            return False
        lib.llama_sampler_free(sampler)
        return True

    def call_mass(self, tokens: list[int]) -> float:
        """Probability the model gives to starting a tool call right after ``tokens``.

        Evaluates the prompt (reusing the cached prefix) and leaves the state so the following
        ``create_completion`` of the same prompt samples at once, without evaluating again.
        Call with :attr:`lock` held.
        """
        weights = self.evaluate(tokens)
        return float(weights[self._call_starts()].sum() / weights.sum())

    def choose(self, tokens: list[int], tools: list[Tool]) -> dict[str, float] | None:
        """The decision step: the probability of each offered function and of
        ``respond_directly`` as the name of a call opened right after ``tokens``, normalised
        over those names. Names sharing their first tokens are told apart by evaluating the
        shared tokens (``shop__order_status`` / ``shop__list_stores``). The state is left
        after the call's opening: a call goes on from it, a reply steps back
        (:meth:`step_back`, with the prompt's logits kept from the same batch). ``None`` when
        an offered tool is itself called ``respond_directly``. Call with :attr:`lock` held."""
        if any(t.name == RESPOND.name for t in tools):
            return None  # an owner's tool has that name: decide by call mass
        opening = self._tokens(_OPENING, special=True)
        names = {
            name: self._tokens(name, special=False)
            for name in [t.name for t in tools] + [RESPOND.name]
        }
        out: dict[str, float] = {}
        # The prompt's own next-token logits come from the same batch, for a reply.
        self.evaluate(tokens + opening, keep=len(tokens) - 1)
        self._split(tokens + opening, names, 0, 1.0, out)
        return out

    def _tokens(self, text: str, *, special: bool) -> list[int]:
        """``text`` tokenized (cached: the same call openings and names every turn)."""
        key = (text, special)
        ids = self._tokenized.get(key)
        if ids is None:
            ids = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)
            if len(self._tokenized) < 4096:
                self._tokenized[key] = ids
        return list(ids)

    def _split(
        self,
        prefix: list[int],
        names: dict[str, list[int]],
        depth: int,
        mass: float,
        out: dict[str, float],
    ) -> None:
        """Share ``mass`` among ``names`` (all of which start with ``prefix``'s last
        ``depth`` tokens) by the model's next-token probabilities."""
        if len(names) == 1:
            out[next(iter(names))] = mass
            return
        branches: dict[int, dict[str, list[int]]] = {}
        for name, ids in names.items():
            branches.setdefault(ids[depth] if depth < len(ids) else -1, {})[name] = ids
        if -1 in branches or depth >= 8:  # one name is a prefix of another: call it even
            for name in names:
                out[name] = mass / len(names)
            return
        if len(branches) == 1:  # a shared token: no choice to read here
            ((token, members),) = branches.items()
            self._split([*prefix, token], members, depth + 1, mass, out)
            return
        weights = self.evaluate(prefix)
        total = float(sum(weights[token] for token in branches))
        for token, members in branches.items():
            share = float(weights[token]) / total if total > 0.0 else 1.0 / len(branches)
            self._split([*prefix, token], members, depth + 1, mass * share, out)

    def evaluate(
        self, tokens: list[int], *, keep: int | None = None
    ) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Evaluate ``tokens`` (reusing the cached prefix) and return the unnormalised
        next-token weights. The state is left so that a ``create_completion`` of the same
        prompt samples at once. Another session's prompt swaps KV caches (see
        :attr:`LlamaOptions.saved_contexts`). ``keep``: a position of ``tokens`` whose
        next-token logits are kept as well, from the same batch (:meth:`step_back`). Call with
        :attr:`lock` held."""
        llm = self.llm
        common = _common_prefix(llm._input_ids, tokens)
        resumed = False
        if len(tokens) - common > _SWITCH_MIN and self.options.saved_contexts > 0:
            self._save_context()
            before = common
            common = self._restore_context(tokens, common)
            resumed = common != before
        if (
            not resumed
            and common == len(tokens)
            and llm.n_tokens == len(tokens)
            and not llm._requires_eval
        ):
            pass  # the logits of this exact prompt are current
        else:
            common = min(common, len(tokens) - 1)
            llm.n_tokens = common
            started = time.perf_counter()
            self._eval(tokens, common, keep)
            log.debug(
                "local LLM: evaluated %d of %d tokens in %.0f ms",
                len(tokens) - common,
                len(tokens),
                (time.perf_counter() - started) * 1000,
            )
        logits = self._logits(-1).astype(np.float64)
        return np.exp(logits - float(logits.max()))

    def _logits(self, i: int) -> np.ndarray[Any, np.dtype[np.float32]]:
        """The next-token logits of the last batch's ``i``-th token (``-1``: its last output),
        as a view of llama.cpp's own buffer (what its sampler reads)."""
        import llama_cpp as lib

        raw = lib.llama_get_logits_ith(self.llm._ctx.ctx, i)
        return np.ctypeslib.as_array(raw, shape=(self.llm.n_vocab(),))

    def _eval(self, tokens: list[int], start: int, keep: int | None) -> None:
        """``llm.eval(tokens[start:])``, and with ``keep`` (a position among them) the logits
        after that token as well, asked of the same batch (no extra pass over the weights)."""
        llm = self.llm
        new = tokens[start:]
        if keep is None or not start <= keep < len(tokens):
            llm.eval(new)
            return
        llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
        for i in range(0, len(new), llm.n_batch):
            batch = new[i : i + llm.n_batch]
            n_past = llm.n_tokens
            llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=False)
            at = keep - n_past
            if 0 <= at < len(batch):
                llm._batch.batch.logits[at] = True
            llm._ctx.decode(llm._batch)
            if 0 <= at < len(batch):
                self._kept = (tokens[: keep + 1], self._logits(at).copy())
            llm.input_ids[n_past : n_past + len(batch)] = batch
            llm.n_tokens += len(batch)
            llm._requires_eval = False

    def step_back(self, tokens: list[int]) -> None:
        """Make ``tokens`` the evaluated prompt again after more was evaluated (the decision's
        call opening), with their own next-token logits current: a ``create_completion`` of
        ``tokens`` then samples at once instead of evaluating their last token again (one pass
        over the weights: ~60 ms of a 1.5B's first token). Without logits kept for exactly
        ``tokens`` (:meth:`evaluate`'s ``keep``) nothing changes."""
        llm = self.llm
        kept, self._kept = self._kept, None
        if (
            kept is None
            or kept[0] != tokens
            or llm.n_tokens <= len(tokens)
            or _common_prefix(llm._input_ids, tokens) < len(tokens)
        ):
            return
        llm._ctx.kv_cache_seq_rm(-1, len(tokens), -1)
        llm.n_tokens = len(tokens)
        self._logits(-1)[:] = kept[1]
        llm._requires_eval = False

    def _save_context(self) -> None:
        """Keep the KV cache of what is evaluated now (a session's conversation so far)."""
        import llama_cpp as lib

        llm = self.llm
        if llm.n_tokens <= _SWITCH_MIN:
            return
        ctx = llm._ctx.ctx
        size = lib.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = lib.llama_state_seq_get_data(ctx, buffer, size, 0)
        if not written:
            return
        key = tuple(int(t) for t in llm._input_ids)
        for old in [k for k in self._saved if len(k) <= len(key) and key[: len(k)] == k]:
            del self._saved[old]  # the same conversation, further on
        self._saved[key] = (buffer, written)
        while len(self._saved) > self.options.saved_contexts:
            self._saved.popitem(last=False)

    def _restore_context(self, tokens: list[int], common: int) -> int:
        """Load the saved KV cache sharing the longest prefix with ``tokens`` when it beats
        the current one by more than a few tokens; returns the usable prefix length."""
        import llama_cpp as lib

        best, best_common = None, common
        for key in self._saved:
            shared = _common_prefix(key, tokens)
            if shared > best_common:
                best, best_common = key, shared
        if best is None or best_common - common <= _SWITCH_MIN:
            return common
        llm = self.llm
        buffer, size = self._saved.pop(best)  # it becomes the live context
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        if not lib.llama_state_seq_set_data(llm._ctx.ctx, buffer, size, 0):
            log.warning("local LLM: a saved context could not be restored")
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            llm.n_tokens = 0
            return 0
        llm.input_ids[: len(best)] = best
        llm.n_tokens = len(best)
        return best_common

    def forget(self, tokens: list[int], keep: int = 0) -> int:
        """Drop the saved KV caches of the conversation whose last prompt was ``tokens`` (an
        ended session): those continuing it and the earlier states of it, except states of at
        most ``keep`` tokens (a prefix other sessions share). Returns how many. Takes
        :attr:`lock`."""
        with self.lock:
            gone = [
                key
                for key in self._saved
                if len(key) > keep and _common_prefix(key, tokens) >= min(len(key), len(tokens))
            ]
            for key in gone:
                del self._saved[key]
            return len(gone)

    def forget_conversation(
        self,
        turn: tuple[list[dict[str, Any]], list[Tool]],
        shared: tuple[list[dict[str, Any]], list[Tool]] | None = None,
    ) -> int:
        """:meth:`forget` a conversation given its last turn's ``(messages, prompt tools)``,
        keeping the states no longer than the ``shared`` prefill's prompt."""
        with self.lock:
            tokens, _ = self.prompt_tokens(*turn)
            keep = len(self.prompt_tokens(*shared)[0]) if shared is not None else 0
        return self.forget(tokens, keep)

    def _call_starts(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Vocabulary mask: tokens that begin a tool call (``<tool_call>``, ``<``, ``{``…)."""
        if self._call_mask is None:
            n = self.llm.n_vocab()
            mask = np.zeros(n, dtype=np.bool_)
            for i in range(n):
                piece = self.llm.detokenize([i]).decode("utf-8", errors="ignore").lstrip()
                mask[i] = piece.startswith(("<", "{"))
            self._call_mask = mask
        return self._call_mask

    def warm(self, messages: list[dict[str, Any]], tools: list[Tool] | None = None) -> None:
        """Evaluate a prompt prefix so the first real turn reuses its KV cache."""
        with self.lock:
            tokens, _ = self.prompt_tokens(messages, tools or [])
            self.evaluate(tokens)


_SWITCH_MIN = 64
"""Tokens of difference below which evaluating beats swapping KV caches."""

_OPENING = TOOL_OPEN + '\n{"name": "'
"""The start of a call, up to its function's name: the decision step reads the names here."""


def _common_prefix(a: Any, b: Any) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    diff = np.flatnonzero(np.asarray(a[:n], dtype=np.int64) != np.asarray(b[:n], dtype=np.int64))
    return int(diff[0]) if diff.size else n


def _chat_formatter(llm: Any) -> tuple[Jinja2ChatFormatter, bool]:
    """The model's chat template (ChatML when the file has none); does it render tools?"""
    template = llm.metadata.get("tokenizer.chat_template") or _CHATML
    eos_id, bos_id = llm.token_eos(), llm.token_bos()
    eos = llm._model.token_get_text(eos_id) if eos_id != -1 else ""
    bos = llm._model.token_get_text(bos_id) if bos_id != -1 else ""
    formatter = Jinja2ChatFormatter(
        template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id]
    )
    return formatter, "tools" in template and "tool_call" in template


_CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@dataclass(frozen=True)
class TurnRequest:
    """One assistant turn to generate: the conversation, the offered tools and the sampling."""

    messages: list[dict[str, Any]]
    prompt_tools: list[Tool]
    """Tools described in the prompt (all offered: the prompt prefix stays cacheable)."""
    tools: list[Tool]
    """Tools the grammar lets this turn call."""
    tool_choice: Any
    sampling: dict[str, Any]
    max_reply_tokens: int
    model_name: str


class LlamaChunkStream:
    """Async iterator of ``ChatCompletionChunk`` fed by a generation thread.

    Reply text is passed on piece by piece as it is sampled; a tool call is held back until
    it is complete and then delivered as one ``tool_calls`` delta, as an OpenAI stream would.
    """

    def __init__(self, model: SharedLlama, request: TurnRequest) -> None:
        self._model = model
        self._request = request
        self._stop = threading.Event()
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._id = f"chatcmpl-{uuid.uuid4().hex[:20]}"
        self.call_mass: float | None = None
        self.dropped_call: str | None = None
        self._created = int(time.time())
        self._thread = threading.Thread(target=self._run, name="llama-generate", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # loop closed: nobody is listening any more
            self._stop.set()

    def _chunk(
        self, delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None
    ) -> dict[str, Any]:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        out: dict[str, Any] = {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._request.model_name,
            "choices": choices,
        }
        if usage is not None:
            out["usage"] = usage
        return out

    def _run(self) -> None:
        req = self._request
        try:
            with self._model.lock:
                if self._stop.is_set():
                    return
                gen = self._model.generate(
                    req.messages,
                    req.tools,
                    req.tool_choice,
                    req.sampling,
                    prompt_tools=req.prompt_tools,
                )
                self.call_mass = gen.call_mass
                call: ToolCall | None = None
                decoder, generated, finish = TurnDecoder(req.tools), 0, "stop"
                dropped, missing = gen.unfillable or ("", [])
                if not dropped:
                    decoder, generated, finish = self._consume(gen)
                    call = decoder.finish()
                    if call is not None:
                        call = completed_ids(call, req.tools, req.messages)
                    if (
                        call is not None
                        and gen.decided  # the decision step (not the caller) chose the call
                        and not self._stop.is_set()
                        and (
                            (missing := ungrounded(call, req.tools, req.messages))
                            or unwarranted_end(call.name, req.messages)
                            or unwarranted_form(call.name, req.tools, req.messages)
                        )
                    ):
                        dropped = call.name
                if dropped and not self._stop.is_set():
                    log.info(
                        "local LLM: %s call dropped (%s)",
                        dropped,
                        f"{', '.join(missing)} not given" if missing else "not asked for",
                    )
                    self.dropped_call = dropped
                    messages = req.messages
                    if missing:
                        # Say what is missing: left alone, the model announces the lookup
                        # ("Sure, I'll check your ticket") instead of asking for the id.
                        wanted = " and ".join(m.replace("_", " ") for m in missing)
                        note = f"Reply with one short question asking the user for the {wanted}."
                        messages = [*messages, {"role": "system", "content": note}]
                    gen = self._model.generate(
                        messages,
                        req.tools,
                        "none",
                        req.sampling,
                        prompt_tools=req.prompt_tools,
                    )
                    decoder, more, finish = self._consume(gen)
                    generated += more
                    call = decoder.finish()
                if call is not None and call.name:
                    if not call.valid:
                        log.info(
                            "local LLM: %s arguments do not validate: %s", call.name, call.error
                        )
                    self._put(
                        self._chunk(
                            {
                                "role": "assistant",
                                "tool_calls": [
                                    {
                                        "index": 0,
                                        "id": f"call_{uuid.uuid4().hex[:24]}",
                                        "type": "function",
                                        "function": {
                                            "name": call.name,
                                            "arguments": json.dumps(call.arguments),
                                        },
                                    }
                                ],
                            }
                        )
                    )
                    finish = "tool_calls"
                elif decoder.mode == "call":
                    log.warning("local LLM: unfinished tool call dropped (%d tokens)", generated)
                self._put(self._chunk({}, finish))
                self._put(
                    self._chunk(
                        None,
                        usage={
                            "prompt_tokens": gen.prompt_tokens,
                            "completion_tokens": generated,
                            "total_tokens": gen.prompt_tokens + generated,
                        },
                    )
                )
        except Exception as exc:
            self._put(exc)
        finally:
            self._put(_END)

    def _consume(self, gen: Generation) -> tuple[TurnDecoder, int, str]:
        """Stream reply text as it is sampled; a call is held in the decoder."""
        req = self._request
        decoder = TurnDecoder(req.tools)
        decoder.feed(gen.prefix)
        chunks = gen.chunks
        generated = 0
        finish = "stop"
        for chunk in chunks:
            if self._stop.is_set():
                break
            generated += 1
            choice = chunk["choices"][0]
            text = decoder.feed(choice.get("text") or "")
            if text:
                self._put(self._chunk({"role": "assistant", "content": text}))
            if choice.get("finish_reason") == "length":
                finish = "length"
            if decoder.mode == "reply" and generated >= req.max_reply_tokens:
                finish = "length"
                break
        return decoder, generated, finish

    def __aiter__(self) -> LlamaChunkStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        item = await self._queue.get()
        if item is _END:
            raise StopAsyncIteration
        if isinstance(item, Exception):
            raise item
        return ChatCompletionChunk.model_validate(item)

    async def aclose(self) -> None:
        self._stop.set()

    async def close(self) -> None:
        self._stop.set()


def _form_offered(messages: list[dict[str, Any]]) -> bool:
    """Is the latest tool result a form just put on screen (text mode)? Then the reply says
    so; "based on the result" made small models announce a booking."""
    last = next((m for m in reversed(messages) if m.get("role") == "tool"), None)
    if last is None or not isinstance(last.get("content"), str):
        return False
    try:
        result = json.loads(last["content"])
    except ValueError:
        return False
    return isinstance(result, dict) and result.get("status") == "offered"


AFTER_TOOL = (
    "Now reply to the user in one or two short sentences, based on the tool result above. Give "
    "the details that matter to them (reference numbers, status, dates, times, prices); if "
    "nothing was found or it failed, say so. Do not describe the tool."
)

AFTER_FORM = (
    'Now tell the user that the form is on their screen, e.g. "The form is on your screen now, '
    'ready to fill in." Do not confirm any booking or request yet.'
)

AFTER_TOOL_TEMPERATURE = 0.3

_SAMPLING = ("temperature", "top_p", "max_tokens", "seed", "presence_penalty", "frequency_penalty")


class LocalLlamaLLMService(OpenAILLMService):
    """Pipecat's OpenAI LLM service running a local GGUF model in-process."""

    def __init__(
        self,
        *,
        model_name: str,
        model_path: Path,
        options: LlamaOptions | None = None,
        max_tokens: int = 200,
        temperature: float = 0.6,
        top_k: int = 20,
        top_p: float = 0.8,
        **kwargs: Any,
    ) -> None:
        """``top_k``/``top_p``: the Qwen2.5 instruct models' own generation settings (their
        model cards); llama.cpp's defaults (40 / 0.95) let small models drift into other
        languages and re-greet the caller."""
        settings = OpenAILLMService.Settings(
            model=model_name, max_tokens=max_tokens, temperature=temperature
        )
        super().__init__(settings=settings, api_key="local", **kwargs)
        self._model_path = model_path
        self._top_k = top_k
        self._top_p = top_p
        self._options = options or LlamaOptions()
        self._shared: SharedLlama | None = None
        self._last_turn: TurnRequest | None = None
        self._prefill: tuple[list[dict[str, Any]], list[Tool]] | None = None
        self.set_full_model_name(model_name)

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        return None  # no HTTP: generation happens in-process

    async def _model(self) -> SharedLlama:
        if self._shared is None:
            self._shared = await asyncio.to_thread(SharedLlama.get, self._model_path, self._options)
        return self._shared

    async def load(self) -> None:
        """Load the weights now (otherwise the first response does it)."""
        await self._model()

    async def release_session(self) -> None:
        """The session has ended: drop the KV caches saved for its conversation.

        Only conversations with a turn of their own are dropped: the prefill of the system
        prompt, tools and greeting (:meth:`warm_context`) is the character's, and the next
        session of that character starts from it."""
        turn, self._last_turn = self._last_turn, None
        if turn is None or self._shared is None:
            return
        await asyncio.to_thread(
            self._shared.forget_conversation, (turn.messages, turn.prompt_tools), self._prefill
        )

    async def warm(self, messages: list[dict[str, Any]] | None = None, tools: Any = None) -> None:
        """Prefill the system prompt and tools (and any context so far) into the KV cache.

        Called when a session starts, while the greeting plays, so the first real turn only
        evaluates the caller's words.
        """
        model = await self._model()
        if messages is None:
            messages = []
            if system := self._system_instruction():
                messages.append({"role": "system", "content": system})
            messages.append({"role": "user", "content": "Hello"})
        self._prefill = (messages, offered_tools(tools))
        await asyncio.to_thread(model.warm, *self._prefill)

    async def warm_context(self, context: LLMContext) -> None:
        """:meth:`warm` with a session's context (its messages and tools)."""
        # The system instruction as the first turn will have it: Pipecat composes it (e.g. its
        # "ASYNC TOOLS" guidance when a tool such as show_form runs asynchronously) only once a
        # context frame syncs the tool handlers. Without this the first turn's prompt parted
        # from the prefilled one before the tools and evaluated ~550 tokens again (13 s for the
        # demo's 0.5B on a 2-core EPYC).
        sync = getattr(self, "_sync_registered_tool_handlers", None)
        if callable(sync):
            sync(context.tools)
        invocation = await self.get_llm_adapter().get_llm_invocation_params(
            context,
            system_instruction=self._system_instruction(),
            convert_developer_to_user=True,
        )
        messages = [dict(m) for m in invocation["messages"]]
        await self.warm(messages, invocation.get("tools"))

    def _system_instruction(self) -> str | None:
        value = getattr(self._settings, "system_instruction", None)
        return value if isinstance(value, str) else None

    def _turn(self, params: dict[str, Any]) -> TurnRequest:
        sampling: dict[str, Any] = {}
        for key in _SAMPLING:
            value = params.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sampling[key] = value
        sampling.setdefault("top_p", self._top_p)
        sampling["top_k"] = self._top_k
        max_reply = int(sampling.get("max_tokens") or 200)
        messages = [dict(m) for m in params["messages"]]
        offered = offered_tools(params.get("tools"))
        # Once a tool has answered in this turn, the model speaks: small models otherwise
        # chain further calls (and the same call again) after every result.
        tools = [] if called_this_turn(messages) else offered
        if offered and not tools:
            # The reply to a tool result says what the result says: sampled colder, so a small
            # model does not wander off it (a made-up status after "Ticket not found").
            temperature = float(sampling.get("temperature", AFTER_TOOL_TEMPERATURE))
            sampling["temperature"] = min(temperature, AFTER_TOOL_TEMPERATURE)
            # Small models often answer a tool result with "Thank you for the ticket status"
            # (or, after a form, "I can't assist with that"): the latest instruction is the
            # one they follow best.
            note = AFTER_FORM if _form_offered(messages) else AFTER_TOOL
            messages.append({"role": "system", "content": note})
        # A tool call may need more tokens than a spoken reply (form prefills); the reply
        # itself is cut at ``max_reply`` by the stream.
        sampling["max_tokens"] = max(max_reply, 512) if tools else max_reply
        choice = params.get("tool_choice")
        return TurnRequest(
            messages=messages,
            prompt_tools=offered,
            tools=tools,
            tool_choice=choice if isinstance(choice, (str, dict)) else "auto",
            sampling=sampling,
            max_reply_tokens=max_reply,
            model_name=str(params.get("model") or "local"),
        )

    async def get_chat_completions(self, context: LLMContext) -> Any:
        adapter = self.get_llm_adapter()
        invocation = await adapter.get_llm_invocation_params(
            context,
            system_instruction=self._system_instruction(),
            convert_developer_to_user=True,
        )
        params = self.build_chat_completion_params(invocation)
        model = await self._model()
        self._last_turn = turn = self._turn(params)
        return LlamaChunkStream(model, turn)

    async def run_inference(
        self,
        context: LLMContext,
        max_tokens: int | None = None,
        system_instruction: str | None = None,
        response_schema: dict[str, Any] | None = None,
    ) -> str | None:
        adapter = self.get_llm_adapter()
        invocation = await adapter.get_llm_invocation_params(
            context,
            system_instruction=system_instruction or self._system_instruction(),
            convert_developer_to_user=True,
        )
        params = self.build_chat_completion_params(invocation)
        sampling: dict[str, Any] = {
            k: v
            for k in _SAMPLING
            if isinstance(v := params.get(k), (int, float)) and not isinstance(v, bool)
        }
        if max_tokens is not None:
            sampling["max_tokens"] = max_tokens
        messages = [dict(m) for m in params["messages"]]
        model = await self._model()

        def complete() -> str | None:
            with model.lock:
                tokens, stop = model.prompt_tokens(messages, [])
                model.evaluate(tokens)  # keeps the sessions' saved contexts
                kwargs: dict[str, Any] = {}
                if response_schema is not None:
                    from llama_cpp.llama_grammar import LlamaGrammar

                    kwargs["grammar"] = LlamaGrammar.from_json_schema(
                        json.dumps(response_schema), verbose=False
                    )
                result: Any = model.llm.create_completion(
                    prompt=tokens,
                    stop=stop,
                    stream=False,
                    **sampling,
                    **kwargs,
                )
            text = result["choices"][0].get("text")
            return str(text) if text is not None else None

        return await asyncio.to_thread(complete)
