"""How many characters fit in a clip: the speaking time at the voice's rate, +- a tolerance."""

from __future__ import annotations

from core import defaults

MIN_SPEECH_CHARS = 3
"""Below this many characters a line is not worth speaking; the clip stays silent."""

MAX_RATE_BOOST = 1.15
"""Speech may ask the engine for up to this much more than the calibrated rate to fit a line."""
MAX_TEMPO = 1.2
"""...and then time-stretch it this much more; beyond that it sounds rushed."""
MAX_SPEEDUP = MAX_RATE_BOOST * MAX_TEMPO
"""How much faster than the set rate a line can be spoken at most: the longest line a clip can take."""


def char_budget(
    duration_ms: int,
    rate_cps: float,
    tolerance: int = 3,
    lead_ms: int = defaults.LEAD_MS,
    tail_ms: int = defaults.TAIL_MS,
) -> tuple[int, int]:
    """(chars_min, chars_max) for a clip, or (0, 0) when it is too short for any speech.

    The speech starts `lead_ms` after the cut and ends `tail_ms` before the next one; the target is
    the characters spoken in between at `rate_cps`, and the budget is target +- `tolerance`
    (the same convention as E-SyncVidStory's chars_min/chars_max), except that chars_max never asks
    for more than fits when spoken `MAX_SPEEDUP` times faster: on a 1.2 s clip, +3 would be a line
    the export has to drop.
    """
    if rate_cps <= 0:
        raise ValueError("rate_cps must be positive")
    speech_ms = max(0, int(duration_ms) - lead_ms - tail_ms)
    target = int(speech_ms * rate_cps / 1000.0)
    if target < MIN_SPEECH_CHARS:
        return (0, 0)
    tolerance = max(0, int(tolerance))
    most = int(speech_ms * rate_cps * MAX_SPEEDUP / 1000.0)
    return (max(1, target - tolerance), max(target, min(target + tolerance, most)))
