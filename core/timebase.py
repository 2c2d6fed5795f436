"""Exact time: integer milliseconds on the timeline, frame numbers with a Fraction rate.

Floats appear only at the edges (JSON seconds for the CLI contract, ffmpeg arguments).
"""

from __future__ import annotations

from fractions import Fraction


def ms_to_frame(ms: int, fps: Fraction) -> int:
    """Index of the frame shown at `ms`: the last frame whose (ms-rounded) start is <= ms.

    Consistent with frame_to_ms, so ms_to_frame(frame_to_ms(n)) == n even at 29.97 fps, where the
    exact start of frame 1 (33.37 ms) rounds down to 33.
    """
    n = int(Fraction(2 * ms + 1, 2000) * fps)
    while n > 0 and frame_to_ms(n, fps) > ms:
        n -= 1
    while frame_to_ms(n + 1, fps) <= ms:
        n += 1
    return n


def frame_to_ms(frame: int, fps: Fraction) -> int:
    """Start time of `frame`, rounded to the nearest millisecond."""
    return round(Fraction(frame, 1) / fps * 1000)


def nearest_frame(ms: int, fps: Fraction) -> int:
    """Index of the frame whose start is nearest to `ms`: for a cut point (a clip boundary).

    A boundary lies between two frames, at a frame's start rounded to whole ms (or a decoder's PTS with
    its own rounding), so it may sit a little before the exact start: rounding maps it to that frame,
    where ms_to_frame (the frame on screen at `ms`) would pick the frame before and keep one frame of
    the previous shot. For a playhead use ms_to_frame."""
    return round(Fraction(ms, 1000) * fps)


def snap_ms_to_frame(ms: int, fps: Fraction) -> int:
    """Nearest frame boundary to `ms`, in ms."""
    return frame_to_ms(nearest_frame(ms, fps), fps)


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
    value = Fraction(text)
    for base in (24, 30, 48, 60, 120):  # NTSC rates written as decimals (29.97, 23.976, 59.94)
        ntsc = Fraction(base * 1000, 1001)
        if abs(value - ntsc) < Fraction(1, 100):
            return ntsc
    return value.limit_denominator(1001)


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
