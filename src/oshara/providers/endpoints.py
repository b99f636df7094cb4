"""``GET /api/models/``: the choices of the dashboard's LLM / STT / TTS pickers."""

from __future__ import annotations

from fastapi import APIRouter

from oshara.deps import CurrentSubject, SettingsDep
from oshara.errors import Unauthorized, error_responses
from oshara.providers.catalog import ModelsOut, models_out

router = APIRouter(tags=["models"])


@router.get("/api/models/", response_model=ModelsOut, responses=error_responses(Unauthorized))
async def list_models(subject: CurrentSubject, settings: SettingsDep) -> ModelsOut:
    """Local models (installed or not) and cloud providers (configured or not) per role, with
    the exact ``llm_model`` / ``stt_model`` / ``tts_model`` string to store. Never a key."""
    return models_out(settings)
