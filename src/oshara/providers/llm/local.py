"""``local:<name>`` LLMs: llama.cpp in-process on the registry-packaged GGUF weights.

:class:`LocalLlamaLLMService` is Pipecat's ``OpenAILLMService`` with the HTTP client swapped for
an in-process llama.cpp stream that yields the same ``ChatCompletionChunk`` objects, so context
handling, metrics, interruptions and the assistant aggregator behave exactly as with a cloud
model. One ``Llama`` per model file is loaded per process and shared by every session; a lock
serialises generation (llama.cpp contexts are not re-entrant), and an interrupted response
stops generating at the next token instead of burning CPU to the end.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletionChunk
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.services.openai.llm import OpenAILLMService

log = logging.getLogger(__name__)

try:
    from llama_cpp import Llama
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

    def warm(self, messages: list[dict[str, Any]]) -> None:
        """Evaluate a prompt prefix so the first real turn reuses its KV cache."""
        with self.lock:
            chunks: Any = self.llm.create_chat_completion(
                messages=messages,  # type: ignore[arg-type]
                max_tokens=1,
                stream=True,
            )
            for _ in chunks:
                pass


class LlamaChunkStream:
    """Async iterator of ``ChatCompletionChunk`` fed by a generation thread."""

    def __init__(self, model: SharedLlama, params: dict[str, Any]) -> None:
        self._model = model
        self._params = params
        self._stop = threading.Event()
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._thread = threading.Thread(target=self._run, name="llama-generate", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # loop closed: nobody is listening any more
            self._stop.set()

    def _run(self) -> None:
        try:
            with self._model.lock:
                if self._stop.is_set():
                    return
                chunks: Any = self._model.llm.create_chat_completion(stream=True, **self._params)
                for chunk in chunks:
                    if self._stop.is_set():
                        break
                    self._put(chunk)
        except Exception as exc:
            self._put(exc)
        finally:
            self._put(_END)

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
        **kwargs: Any,
    ) -> None:
        settings = OpenAILLMService.Settings(
            model=model_name, max_tokens=max_tokens, temperature=temperature
        )
        super().__init__(settings=settings, api_key="local", **kwargs)
        self._model_path = model_path
        self._options = options or LlamaOptions()
        self._shared: SharedLlama | None = None
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

    async def warm(self, messages: list[dict[str, Any]] | None = None) -> None:
        """Prefill the system prompt (and any context so far) into the shared KV cache."""
        model = await self._model()
        if messages is None:
            messages = []
            if system := self._system_instruction():
                messages.append({"role": "system", "content": system})
            messages.append({"role": "user", "content": "Hello"})
        await asyncio.to_thread(model.warm, messages)

    def _system_instruction(self) -> str | None:
        value = getattr(self._settings, "system_instruction", None)
        return value if isinstance(value, str) else None

    def _llama_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"messages": params["messages"]}
        for key in _SAMPLING:
            value = params.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = value
        # Tool calling for local models is done elsewhere (constrained generation);
        # llama.cpp's own emulation is unreliable with these models, so never pass tools.
        return out

    async def get_chat_completions(self, context: LLMContext) -> Any:
        adapter = self.get_llm_adapter()
        invocation = await adapter.get_llm_invocation_params(
            context,
            system_instruction=self._system_instruction(),
            convert_developer_to_user=True,
        )
        params = self.build_chat_completion_params(invocation)
        model = await self._model()
        return LlamaChunkStream(model, self._llama_params(params))

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
        params = self._llama_params(self.build_chat_completion_params(invocation))
        if max_tokens is not None:
            params["max_tokens"] = max_tokens
        if response_schema is not None:
            params["response_format"] = {"type": "json_object", "schema": response_schema}
        model = await self._model()

        def complete() -> str | None:
            with model.lock:
                result: Any = model.llm.create_chat_completion(stream=False, **params)
            content = result["choices"][0]["message"].get("content")
            return str(content) if content is not None else None

        return await asyncio.to_thread(complete)
