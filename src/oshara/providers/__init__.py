"""Speech and language providers, chosen by strings (see :mod:`oshara.providers.registry`)."""

from oshara.providers.registry import (
    ProviderError,
    ProviderSettings,
    ProviderUnavailable,
    create_llm,
    create_stt,
    create_tts,
    split_provider,
    validate_provider,
)

__all__ = [
    "ProviderError",
    "ProviderSettings",
    "ProviderUnavailable",
    "create_llm",
    "create_stt",
    "create_tts",
    "split_provider",
    "validate_provider",
]
