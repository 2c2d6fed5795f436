"""Fades through black: dark stretches between two pictures, one boundary at the darkest frame.

Why found directly: a fade's frames are blends of a picture and black, but eased fades and exposure
settling after black are not linear blends. A dark run is extended over the fade out and in, including
a slow end (brightness changing, not the picture); faded out and back in (or between two different
pictures) it is one transition. A dark stretch cut into and cut out of (a dark title card, a night
shot) is two hard cuts instead, where the picture changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.detection.features import Features, Transition, busy_around, runs, shot_change
from core.detection.params import (
    CUT_RAMP,
    DARK_LUMA,
    DARK_SPREAD,
    FADE_STEP,
    FADE_TAIL,
    FADE_TAIL_STEP,
    Params,
)


@dataclass(frozen=True)
class FadeCandidate:
    """A dark run extended over its fade out and in: samples first..last, the darkest, both ramps seen."""

    first: int
    last: int
    darkest: int
    ramped: bool  # faded out and faded in, not a cut to black


def fade_candidates(ft: Features, fps: float, cuts: list[int]) -> list[FadeCandidate]:
    """Runs of dark frames between two pictures, extended over the fade out and in, including a slow end
    (an eased fade or exposure settling after black changes brightness, not picture)."""
    n = len(ft.f)
    fade_len = round(1.5 * fps)
    dark = (ft.luma < DARK_LUMA) & (ft.spread < DARK_SPREAD)
    cut_set = set(cuts)

    def cut_at(i: int) -> bool:  # a hard cut starts the new picture at sample i (give or take one)
        return bool(cut_set & {i - 1, i, i + 1})

    luma = ft.luma
    found: list[FadeCandidate] = []
    for t, q in runs(dark):
        if t == 0 or q == n - 1:
            continue  # fade in at the start or out at the end: not a boundary
        s, e = t, q
        while s > 0 and t - s < fade_len and luma[s - 1] > luma[s] + FADE_STEP:
            s -= 1
        while e < n - 1 and e - q < fade_len and luma[e + 1] > luma[e] + FADE_STEP:
            e += 1
        ramps = t - s >= 2 and e - q >= 2  # faded out and faded in, not a cut to black
        if t - s <= CUT_RAMP and e - q <= CUT_RAMP and cut_at(t) and cut_at(q + 1):
            # Cut into a dark picture (a title card, a night shot) and cut out of it: two hard cuts
            # where the picture changes, not one fade in the middle of the card.
            continue
        while s > 0 and t - s < fade_len and luma[max(0, s - FADE_TAIL)] > luma[s] + FADE_TAIL_STEP:
            s -= 1
        while e < n - 1 and e - q < fade_len and luma[min(n - 1, e + FADE_TAIL)] > luma[e] + FADE_TAIL_STEP:
            e += 1
        low = luma[t : q + 1]
        darkest = t + np.flatnonzero(
            low <= low.min() + 0.5
        )  # the darkest frame, or the middle of a black hold
        found.append(FadeCandidate(s, e, int(darkest[len(darkest) // 2]), ramps))
    return found


def judge_fades(
    ft: Features, p: Params, cuts: list[int], candidates: list[FadeCandidate], spans: list[tuple[int, int]]
) -> list[Transition]:
    """The candidates that are transitions: the picture changes across them more than within the shots
    around (`spans`: every gradual candidate), or they fade to black and back."""
    found: list[Transition] = []
    for fade in candidates:
        s, e = fade.first, fade.last
        ratio = shot_change(ft.f, s, e, busy_around(s, e, cuts, spans), p)
        if ratio >= p.cross_ratio or fade.ramped:  # a fade to black and back is a transition
            found.append(Transition(fade.darkest, max(ratio, p.cross_ratio), "fade", s, e))
    return found
