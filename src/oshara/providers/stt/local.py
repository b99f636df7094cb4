"""``local:whisper-*`` speech-to-text: Pipecat's Whisper service on packaged CTranslate2 weights.

Pipecat's ``WhisperSTTService`` loads a model by name (from a hub) and passes neither a CPU
thread count nor decoding options. Here the model is loaded from a local directory once per
process with an explicit ``cpu_threads``, and every call decodes greedily without timestamps
(beam search costs ~2x on two cores for no gain on short utterances).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transcriptions.language import Language

log = logging.getLogger(__name__)

try:
    from faster_whisper import WhisperModel  # type: ignore[import-untyped,unused-ignore]
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "local speech-to-text needs faster-whisper: pip install 'pipecat-ai[whisper]'"
    ) from exc


@dataclass(frozen=True)
class WhisperOptions:
    cpu_threads: int = 2
    compute_type: str = "int8"
    beam_size: int = 1


class FastTranscribe:
    """Wraps a ``WhisperModel`` so Pipecat's ``transcribe()`` calls use our decoding options."""

    def __init__(self, model: Any, beam_size: int) -> None:
        self._model = model
        self._beam_size = beam_size

    def transcribe(self, audio: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("beam_size", self._beam_size)
        kwargs.setdefault("without_timestamps", True)
        kwargs.setdefault("condition_on_previous_text", False)
        kwargs.setdefault("vad_filter", False)
        return self._model.transcribe(audio, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


_models: dict[tuple[str, WhisperOptions], Any] = {}
_models_lock = threading.Lock()


def shared_whisper(model_dir: Path, options: WhisperOptions) -> Any:
    """One ``WhisperModel`` per directory and options, shared by the process."""
    key = (str(model_dir), options)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            log.info("loading Whisper model from %s", model_dir)
            model = WhisperModel(
                str(model_dir),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.cpu_threads,
                num_workers=1,
                local_files_only=True,
            )
            _models[key] = model
        return model


class LocalWhisperSTTService(WhisperSTTService):
    """Pipecat's segmented Whisper service on a local model directory."""

    def __init__(
        self,
        *,
        model_dir: Path,
        model_name: str,
        language: Language | None = Language.EN,
        options: WhisperOptions | None = None,
        **kwargs: Any,
    ) -> None:
        self._model_dir = model_dir
        self._options = options or WhisperOptions()
        settings = WhisperSTTService.Settings(model=model_name, language=language)
        super().__init__(
            device="cpu", compute_type=self._options.compute_type, settings=settings, **kwargs
        )

    def _load(self) -> None:
        model = shared_whisper(self._model_dir, self._options)
        self._model = FastTranscribe(model, self._options.beam_size)
        problem = self._unsupported_language()
        if problem:
            raise ValueError(problem)
