"""Voice runtime fixtures: a scripted OpenAI-compatible LLM, Piper speech, quiet Pipecat logs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from oshara.providers.registry import ProviderSettings
from oshara.voice.logs import configure_pipecat_logging
from oshara.voice.models import is_installed

from .scripted_llm import ScriptedLLM
from .speech import piper_pcm16k


@pytest.fixture(autouse=True, scope="session")
def _quiet_pipecat() -> None:
    configure_pipecat_logging("WARNING")


@pytest.fixture
async def scripted_llm() -> AsyncIterator[ScriptedLLM]:
    async with ScriptedLLM() as server:
        yield server


@pytest.fixture
def scripted_settings(scripted_llm: ScriptedLLM) -> ProviderSettings:
    return ProviderSettings(openai_base_url=scripted_llm.base_url, openai_api_key="test-key")


@pytest.fixture(scope="session")
def speech() -> Callable[[str], bytes]:
    """``speech(text)`` → 16 kHz mono 16-bit PCM spoken by Piper (generated at test time)."""
    if not is_installed("piper-joe"):
        pytest.skip("Piper voice not installed (oshara models install piper-joe)")
    return piper_pcm16k
