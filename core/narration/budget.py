"""How many characters fit in a clip: the speaking time at the voice's rate, +- a tolerance."""

from __future__ import annotations

MIN_SPEECH_CHARS = 3
"""Below this many characters a line is not worth speaking; the clip stays silent."""


def char_budget(
    duration_ms: int, rate_cps: float, tolerance: int = 3, lead_ms: int = 100, tail_ms: int = 150
) -> tuple[int, int]:
    """(chars_min, chars_max) for a clip, or (0, 0) when it is too short for any speech.

    The speech starts `lead_ms` after the cut and ends `tail_ms` before the next one; the target is
    the characters spoken in between at `rate_cps`, and the budget is target +- `tolerance`
    (the same convention as E-SyncVidStory's chars_min/chars_max).
    """
    if rate_cps <= 0:
        raise ValueError("rate_cps must be positive")
    speech_ms = max(0, int(duration_ms) - lead_ms - tail_ms)
    target = int(speech_ms * rate_cps / 1000.0)
    if target < MIN_SPEECH_CHARS:
        return (0, 0)
    tolerance = max(0, int(tolerance))
    return (max(1, target - tolerance), target + tolerance)
