"""What the dashboard's LLM / STT / TTS pickers offer (``GET /api/models/``).

For each role: the local models of the weights catalog (:data:`oshara.voice.models.CATALOG`)
with whether their weights are installed and whether the package that runs them is present,
and the cloud providers with whether they are *configured* (their key is set in the server's
settings — the key itself is never returned, nor the OpenAI base URL, which may name an
internal host). Each entry carries the exact string to store in ``llm_model`` /
``stt_model`` / ``tts_model``; every one passes :func:`oshara.providers.registry.validate_provider`.

Nothing is imported or loaded: installed weights are checked by file size (as at run time),
runtime packages with :func:`importlib.util.find_spec`.
"""

from __future__ import annotations

import importlib.util
import shutil
from typing import Literal

from pydantic import BaseModel, Field

from oshara.config import Settings
from oshara.voice.models import CATALOG, ModelSpec, is_installed

__all__ = ["CloudOption", "CloudProvider", "LocalModel", "ModelsOut", "RoleModels", "models_out"]

Role = Literal["llm", "stt", "tts"]
DEFAULTS: dict[Role, str] = {
    "llm": "local:qwen2.5-1.5b",  # what a new character gets (characters.schemas)
    "stt": "local:whisper-tiny.en",
    "tts": "local:piper",
}
_RUNTIME: dict[Role, str] = {"llm": "llama_cpp", "stt": "faster_whisper", "tts": "piper"}
_RUNTIME_HINT: dict[Role, str] = {
    "llm": "llama-cpp-python is not installed (scripts/install builds it)",
    "stt": "faster-whisper is not installed: pip install 'pipecat-ai[whisper]'",
    "tts": "piper-tts is not installed: pip install 'pipecat-ai[piper]' (espeak-ng is used)",
}


class LocalModel(BaseModel):
    """A model that runs on this server, offline."""

    value: str = Field(description="The string to store, e.g. local:qwen2.5-0.5b")
    name: str
    description: str
    installed: bool = Field(description="Its weights are on this server")
    available: bool = Field(description="Installed and the package that runs it is present")
    default: bool = Field(description="What a new character uses")
    size_bytes: int | None = None
    license: str = ""
    install_hint: str | None = Field(
        default=None, description="What to run when it is not available"
    )


class CloudOption(BaseModel):
    """One choice of a cloud provider."""

    value: str = Field(description="The string to store, e.g. gpt-4o-mini or deepgram:nova-3")
    label: str


class CloudProvider(BaseModel):
    """A cloud provider; usable when ``configured``."""

    provider: str
    label: str
    configured: bool = Field(description="Its key (or base URL) is set on this server")
    setting: str = Field(description="The setting that configures it, e.g. OSHARA_DEEPGRAM_API_KEY")
    options: list[CloudOption]
    custom: str | None = Field(
        default=None, description="The form of any other model name, e.g. openai:<model>"
    )


class RoleModels(BaseModel):
    """The choices for one role."""

    default: str
    local: list[LocalModel]
    cloud: list[CloudProvider]


class ModelsOut(BaseModel):
    """``GET /api/models/``: the choices for each role."""

    llm: RoleModels
    stt: RoleModels
    tts: RoleModels


def _runtime_present(role: Role) -> bool:
    try:
        return importlib.util.find_spec(_RUNTIME[role]) is not None
    except (ImportError, ValueError):
        return False


def _value(spec: ModelSpec) -> str:
    return "local:piper" if spec.name == "piper-joe" else f"local:{spec.name}"


def _local(role: Role, settings: Settings) -> list[LocalModel]:
    runtime = _runtime_present(role)
    out: list[LocalModel] = []
    for spec in CATALOG.values():
        if spec.kind != role:
            continue
        installed = is_installed(spec.name, settings.models_dir)
        value = _value(spec)
        hint = None
        if not installed:
            hint = f"oshara models install {spec.name}"
        elif not runtime:
            hint = _RUNTIME_HINT[role]
        out.append(
            LocalModel(
                value=value,
                name=spec.name,
                description=spec.description,
                installed=installed,
                available=installed and runtime,
                default=value == DEFAULTS[role],
                size_bytes=spec.size,
                license=spec.license,
                install_hint=hint,
            )
        )
    if role == "tts":
        espeak = shutil.which("espeak-ng") or shutil.which("espeak")
        out.append(
            LocalModel(
                value="local:espeak",
                name="espeak-ng",
                description="espeak-ng (robotic, many languages; the fallback when Piper is "
                "unavailable)",
                installed=espeak is not None,
                available=espeak is not None,
                default=False,
                license="GPL-3.0",
                install_hint=None if espeak else "apt-get install espeak-ng",
            )
        )
    return out


def _cloud(role: Role, settings: Settings) -> list[CloudProvider]:
    openai = bool(settings.openai_api_key or settings.openai_base_url)
    if role == "llm":
        return [
            CloudProvider(
                provider="openai",
                label="OpenAI or any OpenAI-compatible endpoint",
                configured=openai,
                setting="OSHARA_OPENAI_API_KEY (OSHARA_OPENAI_BASE_URL for a compatible server)",
                options=[
                    CloudOption(value="gpt-4o-mini", label="GPT-4o mini"),
                    CloudOption(value="gpt-4o", label="GPT-4o"),
                    CloudOption(value="gpt-4.1-mini", label="GPT-4.1 mini"),
                ],
                custom="openai-compatible:<model>",
            )
        ]
    if role == "stt":
        return [
            CloudProvider(
                provider="deepgram",
                label="Deepgram",
                configured=bool(settings.deepgram_api_key),
                setting="OSHARA_DEEPGRAM_API_KEY",
                options=[
                    CloudOption(value="deepgram", label="Deepgram (default model)"),
                    CloudOption(value="deepgram:nova-3", label="Deepgram Nova-3"),
                ],
                custom="deepgram:<model>",
            ),
            CloudProvider(
                provider="openai",
                label="OpenAI",
                configured=openai,
                setting="OSHARA_OPENAI_API_KEY",
                options=[
                    CloudOption(value="openai", label="OpenAI (default model)"),
                    CloudOption(value="openai:gpt-4o-transcribe", label="GPT-4o Transcribe"),
                ],
                custom="openai:<model>",
            ),
        ]
    return [
        CloudProvider(
            provider="elevenlabs",
            label="ElevenLabs",
            configured=bool(settings.elevenlabs_api_key),
            setting="OSHARA_ELEVENLABS_API_KEY",
            options=[CloudOption(value="elevenlabs", label="ElevenLabs (default model)")],
            custom="elevenlabs:<model>",
        ),
        CloudProvider(
            provider="cartesia",
            label="Cartesia",
            configured=bool(settings.cartesia_api_key),
            setting="OSHARA_CARTESIA_API_KEY",
            options=[CloudOption(value="cartesia", label="Cartesia (default model)")],
            custom="cartesia:<model>",
        ),
        CloudProvider(
            provider="openai",
            label="OpenAI",
            configured=openai,
            setting="OSHARA_OPENAI_API_KEY",
            options=[CloudOption(value="openai:gpt-4o-mini-tts", label="GPT-4o mini TTS")],
            custom="openai:<model>",
        ),
    ]


def models_out(settings: Settings) -> ModelsOut:
    """The pickers' choices for this server's settings and installed weights."""
    roles: dict[Role, RoleModels] = {
        role: RoleModels(
            default=DEFAULTS[role], local=_local(role, settings), cloud=_cloud(role, settings)
        )
        for role in ("llm", "stt", "tts")
    }
    return ModelsOut(llm=roles["llm"], stt=roles["stt"], tts=roles["tts"])
