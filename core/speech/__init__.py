"""Offline speech: engines (pyttsx3 in a worker process, espeak-ng), calibration, fitting, cache."""

from core.narration.budget import MAX_TEMPO
from core.speech.cache import SynthesisCache, cache_dir
from core.speech.engine import (
    EspeakEngine,
    Pyttsx3Engine,
    SpeechEngine,
    SpeechError,
    Voice,
    default_engine,
)
from core.speech.speaker import (
    Calibration,
    FitResult,
    Speaker,
    count_chars,
    shared_speaker,
)

__all__ = [
    "MAX_TEMPO",
    "Calibration",
    "EspeakEngine",
    "FitResult",
    "Pyttsx3Engine",
    "Speaker",
    "SpeechEngine",
    "SpeechError",
    "SynthesisCache",
    "Voice",
    "cache_dir",
    "count_chars",
    "default_engine",
    "shared_speaker",
]
