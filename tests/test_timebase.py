"""Exact time: frame <-> ms conversions agree with each other at every rate, including 29.97 fps."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from core.timebase import format_rate, format_timecode, frame_to_ms, ms_to_frame, parse_rate, snap_ms_to_frame

RATES = st.sampled_from(
    [
        Fraction(24000, 1001),
        Fraction(25),
        Fraction(30000, 1001),
        Fraction(30),
        Fraction(60000, 1001),
        Fraction(50),
        Fraction(12),
    ]
)


@given(st.integers(0, 10_000_000), RATES)
def test_frame_start_maps_back_to_its_frame(frame: int, fps: Fraction) -> None:
    assert ms_to_frame(frame_to_ms(frame, fps), fps) == frame


@given(st.integers(0, 36_000_000), RATES)
def test_ms_lies_inside_the_frame_it_maps_to(ms: int, fps: Fraction) -> None:
    n = ms_to_frame(ms, fps)
    assert frame_to_ms(n, fps) <= ms < frame_to_ms(n + 1, fps)
    snapped = snap_ms_to_frame(ms, fps)
    assert ms_to_frame(snapped, fps) * 1 == round(Fraction(ms, 1000) * fps)


def test_the_2997_case_that_used_to_stick() -> None:
    fps = Fraction(30000, 1001)
    assert frame_to_ms(1, fps) == 33 and ms_to_frame(33, fps) == 1 and ms_to_frame(32, fps) == 0


def test_rates_and_timecodes() -> None:
    assert parse_rate("30000/1001") == Fraction(30000, 1001)
    assert parse_rate("29.97") == Fraction(30000, 1001)
    assert format_rate(Fraction(25)) == "25/1"
    assert format_timecode(3_723_004) == "1:02:03.004"
    assert format_timecode(61_005) == "01:01.005"
