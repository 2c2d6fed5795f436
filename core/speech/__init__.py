"""Offline speech: a Chinese text front-end, engines (Kokoro neural voice, espeak-ng, pyttsx3), voices,
calibration, fitting, cache."""

from core.narration.budget import MAX_TEMPO
from core.speech.cache import SynthesisCache, cache_dir
from core.speech.engine import (
    EspeakEngine,
    Pyttsx3Engine,
    SpeechEngine,
    SpeechError,
    Voice,
)
from core.speech.frontend import Reading, read_text
from core.speech.speaker import (
    Calibration,
    FitResult,
    Speaker,
    count_chars,
    shared_speaker,
)
from core.speech.voices import DEFAULT_VOICE, VoiceInfo, default_engine, list_voices, voice_licences

__all__ = [
    "DEFAULT_VOICE",
    "MAX_TEMPO",
    "Calibration",
    "EspeakEngine",
    "FitResult",
    "Pyttsx3Engine",
    "Reading",
    "Speaker",
    "SpeechEngine",
    "SpeechError",
    "SynthesisCache",
    "Voice",
    "VoiceInfo",
    "cache_dir",
    "count_chars",
    "default_engine",
    "list_voices",
    "read_text",
    "shared_speaker",
    "voice_licences",
]
