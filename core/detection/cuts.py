"""Hard cuts: spikes of frame difference against the local motion level on both sides, minus flashes.

Why this test: camera motion raises the level on both sides of a frame, so it does not cut; a flash
jumps too, but the picture after it returns to the one before. The difference is luma plus weighted
chroma, so a cut between colours of equal brightness counts; a spike of the chroma difference alone
against its own level counts too (a colour cut inside strong motion, whose luma level hides it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.detection.features import Features, colour_mad
from core.detection.params import CHROMA_CUT_MIN, Params


def hard_cuts(ft: Features, fps: float, p: Params) -> list[tuple[int, float]]:
    """(sample index where the new shot starts, strength) for abrupt changes that are not flashes.

    The local level is motion per frame (differences divided by the frames between samples), so
    the test is the same whether every frame was decoded or only reference frames.
    """
    found = spikes(ft.d1, ft.gap, fps, p.cut_min, p, ft.cut_dist)
    # Brightness alone (an exposure step, a ramp encoded in uneven steps) is no cut: with brightness
    # and contrast normalised, a new picture still differs (a flat picture's colour counts too).
    colour = ft.dc if ft.dc is not None else np.zeros_like(ft.zd)
    found = [(t, st) for t, st in found if ft.zd[t] + colour[t] >= max(p.cut_min, 0.35 * float(ft.d1[t]))]
    if ft.dc is not None:
        c = ft.c
        assert c is not None

        def colour_dist(a: int, b: int) -> float:
            return float(colour_mad(c, np.array([a]), np.array([b]))[0])

        seen = {t for t, _ in found}
        found += [x for x in spikes(ft.dc, ft.gap, fps, CHROMA_CUT_MIN, p, colour_dist) if x[0] not in seen]
        found.sort()
    return found


def _window_median(x: np.ndarray, lo: int, hi: int) -> float:
    lo, hi = max(0, lo), min(len(x), hi)
    return float(np.median(x[lo:hi])) if hi > lo else 0.0


def spikes(
    sig: np.ndarray,
    gap: np.ndarray,
    fps: float,
    minimum: float,
    p: Params,
    dist: Callable[[int, int], float],
) -> list[tuple[int, float]]:
    """Samples where the difference signal `sig` jumps above `minimum` and p.cut_ratio x its local
    level on both sides, at its peak, and the picture does not come back (`dist`: no flash)."""
    per_frame = sig / np.sqrt(gap)  # motion over k frames differs ~sqrt(k) times as much, not k times
    n = len(sig)
    w = max(3, round(0.4 * fps))
    back = max(2, round(0.2 * fps))  # a flash lasts at most this many samples
    cuts: list[tuple[int, float]] = []
    for t in range(1, n):
        d = float(sig[t])
        if d < minimum:
            continue
        before = _window_median(per_frame, t - w, t)
        after = _window_median(per_frame, t + 1, t + 1 + w)
        level = max(before, after, 0.5) * float(np.sqrt(gap[t]))
        if d < p.cut_ratio * level:
            continue
        if t + 1 < n and per_frame[t + 1] > d:  # the peak is one sample later
            continue
        if t - 1 >= 1 and per_frame[t - 1] >= d:
            continue
        # Flash: the picture comes back to the one before the jump, or we are returning to it.
        similar = max(0.35 * d, 2.0 * level)
        flash = any(dist(t - 1, t + j) < similar for j in range(1, back + 1) if t + j < n)
        flash = flash or any(dist(t, t - 1 - j) < similar for j in range(1, back + 1) if t - 1 - j >= 0)
        if flash:
            continue
        cuts.append((t, d / (level + 1.0)))
    return cuts
