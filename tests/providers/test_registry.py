from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest

from oshara.providers import registry
from oshara.providers.registry import (
    ProviderError,
    ProviderSettings,
    ProviderUnavailable,
    create_llm,
    create_stt,
    create_tts,
    split_provider,
)


def test_split_provider() -> None:
    assert split_provider("local:qwen2.5-0.5b") == ("local", "qwen2.5-0.5b")
    assert split_provider("gpt-4o-mini") == ("", "gpt-4o-mini")
    assert split_provider("openai-compatible:llama3:8b") == ("openai-compatible", "llama3:8b")
    with pytest.raises(ProviderError):
        split_provider("  ")


def test_env_prefers_oshara_then_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "plain")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.delenv("OSHARA_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OSHARA_OPENAI_BASE_URL", raising=False)
    s = ProviderSettings.from_env()
    assert (s.openai_api_key, s.openai_base_url) == ("plain", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("OSHARA_OPENAI_API_KEY", "ours")
    assert ProviderSettings.from_env().openai_api_key == "ours"


def test_openai_compatible_llm(tmp_path: Path) -> None:
    settings = ProviderSettings(models_dir=tmp_path, openai_base_url="http://127.0.0.1:9/v1")
    llm = create_llm("openai-compatible:my-model", settings)
    assert type(llm).__name__ == "OpenAILLMService"
    assert create_llm("gpt-4o-mini", settings) is not None
    with pytest.raises(ProviderUnavailable, match="OSHARA_OPENAI_API_KEY"):
        create_llm("gpt-4o-mini", ProviderSettings(models_dir=tmp_path))


def test_unknown_names(tmp_path: Path) -> None:
    s = ProviderSettings(models_dir=tmp_path)
    with pytest.raises(ProviderError, match=r"known: qwen2\.5-0\.5b"):
        create_llm("local:llama-70b", s)
    with pytest.raises(ProviderError):
        create_llm("mystery:thing", s)
    with pytest.raises(ProviderError):
        create_stt("local:whisper-huge", "en", s)
    with pytest.raises(ProviderError):
        create_tts("local:festival", None, "en", s)


def test_missing_local_model_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "resolve_model", _missing)
    with pytest.raises(ProviderUnavailable, match=r"oshara models install qwen2\.5-1\.5b"):
        create_llm("local:qwen2.5-1.5b", ProviderSettings(models_dir=tmp_path))


def _missing(name: str, models_dir: Path | None = None) -> Path:
    from oshara.voice.models import ModelNotInstalled

    raise ModelNotInstalled(name.removeprefix("local:"), models_dir or Path("."))


def test_cloud_extra_missing_names_pip_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pipecat.services.deepgram"):
            raise ModuleNotFoundError("No module named 'deepgram'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(registry.importlib, "import_module", lambda n: fake_import(n))
    s = ProviderSettings(models_dir=tmp_path, deepgram_api_key="k")
    with pytest.raises(ProviderUnavailable, match=r"pip install 'pipecat-ai\[deepgram\]'"):
        create_stt("deepgram", "en", s)


def test_cloud_keys_required(tmp_path: Path) -> None:
    s = ProviderSettings(models_dir=tmp_path)
    for factory in (
        lambda: create_stt("deepgram", "en", s),
        lambda: create_tts("elevenlabs", None, "en", s),
        lambda: create_tts("cartesia", None, "en", s),
        lambda: create_tts("openai", None, "en", s),
        lambda: create_stt("openai", "en", s),
    ):
        with pytest.raises(ProviderUnavailable):
            factory()


def test_piper_falls_back_to_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oshara.providers.tts import local

    monkeypatch.setattr(local, "piper_available", lambda: False)
    if local.espeak_binary() is None:
        with pytest.raises(ProviderUnavailable, match="espeak-ng"):
            create_tts("local:piper", None, "en", ProviderSettings(models_dir=tmp_path))
    else:
        tts = create_tts("local:piper", None, "en", ProviderSettings(models_dir=tmp_path))
        assert type(tts).__name__ == "EspeakTTSService"


def test_cloud_services_construct_offline(tmp_path: Path) -> None:
    s = ProviderSettings(
        models_dir=tmp_path,
        openai_api_key="k",
        elevenlabs_api_key="k",
        cartesia_api_key="k",
        deepgram_api_key="k",
    )
    built = {
        "cartesia": create_tts("cartesia", "voice-id", "fr", s),
        "elevenlabs": create_tts("elevenlabs:eleven_flash_v2_5", None, "en", s),
        "openai-tts": create_tts("openai", "nova", "en", s),
        "openai-stt": create_stt("openai:whisper-1", "en", s),
    }
    assert type(built["cartesia"]).__name__ == "CartesiaTTSService"
    assert type(built["elevenlabs"]).__name__ == "ElevenLabsTTSService"
    assert type(built["openai-tts"]).__name__ == "OpenAITTSService"
    assert type(built["openai-stt"]).__name__ == "OpenAISTTService"
    try:
        stt = create_stt("deepgram:nova-3", "en", s)
    except ProviderUnavailable as exc:  # the deepgram extra is optional
        assert "pipecat-ai[deepgram]" in str(exc)
    else:
        assert type(stt).__name__ == "DeepgramSTTService"


def test_validate_provider_without_loading() -> None:
    from oshara.providers.registry import validate_provider

    for role, value in [
        ("llm", "local:qwen2.5-0.5b"),
        ("llm", "gpt-4o-mini"),
        ("llm", "openai-compatible:llama3:8b"),
        ("stt", "local:whisper-tiny.en"),
        ("stt", "deepgram"),
        ("stt", "openai:whisper-1"),
        ("tts", "local:piper"),
        ("tts", "cartesia:sonic-2"),
    ]:
        assert validate_provider(role, value) == value
    for role, value in [
        ("llm", "local:gpt-5"),
        ("llm", "anthropic:claude"),
        ("llm", "openai:"),
        ("stt", "assemblyai"),
        ("tts", "local:festival"),
        ("tts", ""),
    ]:
        with pytest.raises(ProviderError):
            validate_provider(role, value)
