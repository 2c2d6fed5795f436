"""Defaults and limits shared by the project, the narrator, speech, the CLI and the editor: one definition.

Change a value here and every command, dialog and validator follows (tests/test_structure.py checks
that no module spells these literals again).
"""

from __future__ import annotations

from typing import Final

# Speaking rate: spoken characters per second the budgets and synthesis assume.
RATE_CPS: Final = 5.0
RATE_MIN_CPS: Final = 0.5  # slower is not speech any more
RATE_MAX_CPS: Final = 30.0  # faster is not intelligible
# `speak` says at most this many characters in one go (about a minute and a half of speech, half a minute
# of synthesis): longer text is a one-line error, not minutes of waiting without progress.
SPEAK_MAX_CHARS: Final = 500
# Speech starts LEAD_MS after its clip starts and ends at least TAIL_MS before the clip ends.
LEAD_MS: Final = 100
TAIL_MS: Final = 150
# The shortest clip an edit may leave (shorter than one frame at 25 fps is never useful) ...
MIN_CLIP_MS: Final = 40
# ... and the shortest shot detection keeps before merging it into a neighbour.
DETECT_MIN_CLIP_MS: Final = 600

# Narrator backends (core.narration.registry.create_narrator) and the default one.
NARRATOR_KINDS: Final = ("embedded", "llm")
NARRATOR_KIND: Final = "embedded"
# Speech engines SYNCNARRATOR_TTS may force (core.speech.voices.default_voice_id).
VOICE_ENGINES: Final = ("kokoro", "espeak", "pyttsx3")

# Export: the size presets ("source" keeps the video's size, so its stream may be copied) and the default.
PRESET_SOURCE: Final = "source"
EXPORT_PRESETS: Final = (PRESET_SOURCE, "1080p", "720p")
EXPORT_PRESET: Final = PRESET_SOURCE
# The export's integrated loudness (LUFS): what short-video platforms normalise to, the targets the
# export dialog offers, and the range a project file or --loudness may ask for.
LOUDNESS_LUFS: Final = -14.0
LOUDNESS_TARGETS: Final = (LOUDNESS_LUFS, -16.0, -23.0)
LOUDNESS_MIN_LUFS: Final = -31.0
LOUDNESS_MAX_LUFS: Final = -5.0
# The original sound's level (dB) while a line is spoken.
DUCK_DB: Final = -12.0


def loudness_in_range(lufs: float) -> bool:
    """True for a loudness target the exporter accepts (the project file and the CLI agree)."""
    return LOUDNESS_MIN_LUFS <= lufs <= LOUDNESS_MAX_LUFS


def rate_in_range(rate_cps: float) -> bool:
    """True for a usable speaking rate (the project file, the CLI and the settings dialog agree)."""
    return RATE_MIN_CPS <= rate_cps <= RATE_MAX_CPS


def rate_range_text() -> str:
    return f"between {RATE_MIN_CPS:g} and {RATE_MAX_CPS:g} characters per second"
