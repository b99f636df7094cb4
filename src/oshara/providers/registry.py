"""Provider strings → Pipecat services, with lazy imports.

LLM   ``local:qwen2.5-0.5b`` · ``local:qwen2.5-1.5b`` · ``local:smollm2-135m`` (llama.cpp)
      ``openai-compatible:<model>`` · ``openai:<model>`` · any bare name (``gpt-4o-mini``) → the
      OpenAI-compatible endpoint of ``OSHARA_OPENAI_BASE_URL``/``OSHARA_OPENAI_API_KEY``
      (falling back to ``OPENAI_BASE_URL``/``OPENAI_API_KEY``)
STT   ``local:whisper-tiny.en`` (default) · ``local:whisper-base`` · ``deepgram[:model]`` ·
      ``openai[:model]``
TTS   ``local:piper`` (Joe voice; falls back to espeak-ng) · ``local:espeak`` ·
      ``elevenlabs[:model]`` · ``cartesia[:model]`` · ``openai[:model]``

Cloud families are optional extras: a missing one raises :class:`ProviderUnavailable` naming the
pip command. Nothing here logs keys.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oshara.voice.models import ModelError, default_models_dir, get_spec, resolve_model

log = logging.getLogger(__name__)

LOCAL_LLMS = ("qwen2.5-0.5b", "qwen2.5-1.5b", "smollm2-135m")
LOCAL_STT = ("whisper-tiny.en", "whisper-base")


class ProviderError(ValueError):
    """A provider string is malformed or names nothing we know."""


class ProviderUnavailable(RuntimeError):
    """The provider is known but its package, key or weights are missing."""


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _cpu_count() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass
class ProviderSettings:
    """Everything the registry needs; ``from_env()`` reads the ``OSHARA_`` variables."""

    models_dir: Path = field(default_factory=default_models_dir)
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    deepgram_api_key: str | None = None
    elevenlabs_api_key: str | None = None
    cartesia_api_key: str | None = None
    llm_threads: int = field(default_factory=lambda: 1 if _cpu_count() <= 4 else _cpu_count() // 2)
    """llama.cpp generation threads (``OSHARA_LLM_THREADS``)."""
    llm_batch_threads: int = field(default_factory=_cpu_count)
    """llama.cpp prompt-evaluation threads (``OSHARA_LLM_BATCH_THREADS``)."""
    stt_threads: int = field(default_factory=lambda: min(2, _cpu_count()))
    tts_first_clause_words: int = 4
    """Local TTS speaks a response's first clause once it has this many words (0: whole
    sentences only)."""
    llm_context_size: int = 4096
    llm_max_tokens: int = 200

    @classmethod
    def from_env(cls) -> ProviderSettings:
        s = cls(
            openai_base_url=_env("OSHARA_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
            openai_api_key=_env("OSHARA_OPENAI_API_KEY", "OPENAI_API_KEY"),
            deepgram_api_key=_env("OSHARA_DEEPGRAM_API_KEY", "DEEPGRAM_API_KEY"),
            elevenlabs_api_key=_env("OSHARA_ELEVENLABS_API_KEY", "ELEVENLABS_API_KEY"),
            cartesia_api_key=_env("OSHARA_CARTESIA_API_KEY", "CARTESIA_API_KEY"),
        )
        if threads := _env("OSHARA_LLM_THREADS"):
            s.llm_threads = int(threads)
        if threads := _env("OSHARA_LLM_BATCH_THREADS"):
            s.llm_batch_threads = int(threads)
        if threads := _env("OSHARA_STT_THREADS"):
            s.stt_threads = int(threads)
        return s


def _import(module: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ProviderUnavailable(
            f"this provider needs an optional package: pip install 'pipecat-ai[{extra}]' "
            f"(or pip install 'oshara[{extra}]')"
        ) from exc


def split_provider(value: str) -> tuple[str, str]:
    """``"local:piper"`` → ``("local", "piper")``; ``"gpt-4o-mini"`` → ``("", "gpt-4o-mini")``."""
    value = (value or "").strip()
    if not value:
        raise ProviderError("empty provider string")
    family, sep, rest = value.partition(":")
    if not sep:
        return "", value
    return family.lower(), rest


def _local_weights(name: str, settings: ProviderSettings) -> Path:
    try:
        return resolve_model(name, settings.models_dir)
    except ModelError as exc:
        raise ProviderUnavailable(str(exc)) from exc


# ----------------------------------------------------------------------------- LLM


def llama_options(settings: ProviderSettings) -> Any:
    """The llama.cpp options for local LLMs (also the key of the process-wide model cache)."""
    from oshara.providers.llm.local import LlamaOptions

    return LlamaOptions(
        n_ctx=settings.llm_context_size,
        n_threads=settings.llm_threads,
        n_threads_batch=settings.llm_batch_threads,
    )


def create_llm(value: str, settings: ProviderSettings | None = None) -> Any:
    settings = settings or ProviderSettings.from_env()
    family, name = split_provider(value)
    if family == "local":
        if name not in LOCAL_LLMS:
            raise ProviderError(f"unknown local LLM '{name}' (known: {', '.join(LOCAL_LLMS)})")
        path = _local_weights(name, settings)
        mod = _import("oshara.providers.llm.local", "local")
        return mod.LocalLlamaLLMService(
            options=llama_options(settings),
            model_name=name,
            model_path=path,
            max_tokens=settings.llm_max_tokens,
        )
    if family in ("", "openai", "openai-compatible"):
        if not name:
            raise ProviderError("missing model name, e.g. 'openai:gpt-4o-mini'")
        mod = _import("pipecat.services.openai.llm", "openai")
        if not settings.openai_api_key and not settings.openai_base_url:
            raise ProviderUnavailable(
                f"LLM '{value}' needs OSHARA_OPENAI_API_KEY (or OPENAI_API_KEY), "
                "and OSHARA_OPENAI_BASE_URL for a non-OpenAI endpoint"
            )
        return mod.OpenAILLMService(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            settings=mod.OpenAILLMService.Settings(model=name),
        )
    raise ProviderError(f"unknown LLM provider '{value}'")


# ----------------------------------------------------------------------------- STT


def _pipecat_language(code: str) -> Any:
    from pipecat.transcriptions.language import Language

    try:
        return Language(code)
    except ValueError:
        try:
            return Language(code.split("-")[0].lower())
        except ValueError:
            return Language.EN


def _family(value: str) -> tuple[str, str]:
    """For STT/TTS a bare word names the family: ``"deepgram"`` == ``"deepgram:"``."""
    family, name = split_provider(value)
    return (name.lower(), "") if not family else (family, name)


def create_stt(value: str, language: str = "en", settings: ProviderSettings | None = None) -> Any:
    settings = settings or ProviderSettings.from_env()
    family, name = _family(value)
    lang = _pipecat_language(language)
    if family == "local":
        if name not in LOCAL_STT:
            raise ProviderError(f"unknown local STT '{name}' (known: {', '.join(LOCAL_STT)})")
        path = _local_weights(name, settings)
        mod = _import("oshara.providers.stt.local", "whisper")
        if name.endswith(".en") and not language.lower().startswith("en"):
            log.warning("STT %s is English-only; session language %s ignored", name, language)
            lang = _pipecat_language("en")
        return mod.LocalWhisperSTTService(
            model_dir=path.parent,
            model_name=name,
            language=lang,
            options=mod.WhisperOptions(cpu_threads=settings.stt_threads),
        )
    if family == "deepgram":
        mod = _import("pipecat.services.deepgram.stt", "deepgram")
        key = _need(settings.deepgram_api_key, "OSHARA_DEEPGRAM_API_KEY")
        kwargs: dict[str, Any] = {"language": lang}
        if name:
            kwargs["model"] = name
        return mod.DeepgramSTTService(
            api_key=key, settings=mod.DeepgramSTTService.Settings(**kwargs)
        )
    if family == "openai":
        mod = _import("pipecat.services.openai.stt", "openai")
        key = _need(settings.openai_api_key, "OSHARA_OPENAI_API_KEY")
        return mod.OpenAISTTService(
            api_key=key,
            base_url=settings.openai_base_url,
            settings=mod.OpenAISTTService.Settings(
                model=name or "gpt-4o-transcribe", language=lang
            ),
        )
    raise ProviderError(f"unknown STT provider '{value}'")


def _need(value: str | None, env: str) -> str:
    if not value:
        raise ProviderUnavailable(f"this provider needs {env}")
    return value


# ----------------------------------------------------------------------------- TTS


def create_tts(
    value: str,
    voice: str | None = None,
    language: str = "en",
    settings: ProviderSettings | None = None,
) -> Any:
    settings = settings or ProviderSettings.from_env()
    family, name = _family(value)
    if family == "local":
        if name in ("piper", "piper-joe", "en_US-joe-medium"):
            service = _piper_or_espeak(settings, language)
        elif name == "espeak":
            service = _espeak(voice, language)
        else:
            raise ProviderError(f"unknown local TTS '{name}' (known: piper, espeak)")
        if settings.tts_first_clause_words > 0:
            from oshara.providers.tts.aggregation import speak_first_clause_early

            speak_first_clause_early(service, settings.tts_first_clause_words)
        return service
    if family == "elevenlabs":
        mod = _import("pipecat.services.elevenlabs.tts", "elevenlabs")
        key = _need(settings.elevenlabs_api_key, "OSHARA_ELEVENLABS_API_KEY")
        s: dict[str, Any] = {
            "voice": voice or "21m00Tcm4TlvDq8ikWAM",
            "language": _pipecat_language(language),
        }
        if name:
            s["model"] = name
        return mod.ElevenLabsTTSService(
            api_key=key, settings=mod.ElevenLabsTTSService.Settings(**s)
        )
    if family == "cartesia":
        mod = _import("pipecat.services.cartesia.tts", "cartesia")
        key = _need(settings.cartesia_api_key, "OSHARA_CARTESIA_API_KEY")
        s = {
            "voice": voice or "71a7ad14-091c-4e8e-a314-022ece01c121",
            "language": _pipecat_language(language),
        }
        if name:
            s["model"] = name
        return mod.CartesiaTTSService(api_key=key, settings=mod.CartesiaTTSService.Settings(**s))
    if family == "openai":
        mod = _import("pipecat.services.openai.tts", "openai")
        key = _need(settings.openai_api_key, "OSHARA_OPENAI_API_KEY")
        return mod.OpenAITTSService(
            api_key=key,
            base_url=settings.openai_base_url,
            settings=mod.OpenAITTSService.Settings(
                model=name or "gpt-4o-mini-tts", voice=voice or "alloy"
            ),
        )
    raise ProviderError(f"unknown TTS provider '{value}'")


def _espeak(voice: str | None, language: str) -> Any:
    from oshara.providers.tts.local import EspeakTTSService

    try:
        return EspeakTTSService(voice=voice or (language or "en").lower())
    except RuntimeError as exc:
        raise ProviderUnavailable(str(exc)) from exc


def _piper_or_espeak(settings: ProviderSettings, language: str) -> Any:
    from oshara.providers.tts import local

    spec = get_spec("piper-joe")
    try:
        if not local.piper_available():
            raise ProviderUnavailable("piper-tts is not installed: pip install 'pipecat-ai[piper]'")
        path = _local_weights(spec.name, settings)
        return local.create_piper_tts(path)
    except ProviderUnavailable as exc:
        if local.espeak_binary() is None:
            raise ProviderUnavailable(f"{exc}; and espeak-ng (fallback) is not installed") from exc
        log.warning("Piper unavailable (%s); falling back to espeak-ng", exc)
        return _espeak(None, language)


_CLOUD = {
    "llm": ("", "openai", "openai-compatible"),
    "stt": ("deepgram", "openai"),
    "tts": ("elevenlabs", "cartesia", "openai"),
}
_LOCAL = {"llm": LOCAL_LLMS, "stt": LOCAL_STT, "tts": ("piper", "piper-joe", "espeak")}


def validate_provider(role: str, value: str) -> str:
    """Check a provider string without importing or loading anything (for saving a character).

    Returns the normalised string; raises :class:`ProviderError` with a message naming the
    accepted forms."""
    if role not in _CLOUD:
        raise ValueError(f"unknown role {role!r}")
    family, name = split_provider(value) if role == "llm" else _family(value)
    if family == "local":
        if name not in _LOCAL[role]:
            known = ", ".join(f"local:{n}" for n in _LOCAL[role])
            raise ProviderError(f"unknown local {role} '{name}' (known: {known})")
    elif family not in _CLOUD[role]:
        families = ", ".join(f or "<model name>" for f in _CLOUD[role])
        raise ProviderError(f"unknown {role} provider '{value}' (local:…, {families})")
    elif role == "llm" and not name:
        raise ProviderError("missing model name, e.g. 'gpt-4o-mini'")
    return value.strip()
