"""Exact time: integer milliseconds on the timeline, frame numbers with a Fraction rate.

Floats appear only at the edges (JSON seconds for the CLI contract, ffmpeg arguments).
"""

from __future__ import annotations

from fractions import Fraction


def ms_to_frame(ms: int, fps: Fraction) -> int:
    """Index of the frame shown at `ms` (floor)."""
    return int(Fraction(ms, 1000) * fps)


def frame_to_ms(frame: int, fps: Fraction) -> int:
    """Start time of `frame`, rounded to the nearest millisecond."""
    return round(Fraction(frame, 1) / fps * 1000)


def snap_ms_to_frame(ms: int, fps: Fraction) -> int:
    """Nearest frame boundary to `ms`, in ms."""
    return frame_to_ms(round(Fraction(ms, 1000) * fps), fps)


def seconds(ms: int) -> float:
    """Milliseconds as seconds for JSON/ffmpeg (3 decimals, no float accumulation)."""
    return round(ms / 1000, 3)


def parse_rate(text: str) -> Fraction:
    """'30000/1001', '25', '29.97' -> Fraction."""
    text = text.strip()
    if len(text) > 40 or "e" in text.lower():  # Fraction("1e99999999") would compute a huge power of 10
        raise ValueError(f"not a frame rate: {text[:40]!r}")
    if "/" in text:
        num, den = text.split("/", 1)
        return Fraction(int(num), int(den))
    return Fraction(text).limit_denominator(1001)


def format_rate(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"


def format_timecode(ms: int) -> str:
    """mm:ss.mmm (hh: added past an hour)."""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    if h:
        return f"{sign}{h}:{m:02d}:{s:02d}.{milli:03d}"
    return f"{sign}{m:02d}:{s:02d}.{milli:03d}"
