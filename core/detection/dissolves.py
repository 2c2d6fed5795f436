"""Dissolves (and fades the dark test missed): runs of frames that are blends of their neighbours.

Why a blend test: inside a dissolve or fade a frame is close to the time-weighted mix of the frames
~0.16/0.32 s before and after it, while camera motion or a cut is not. A run counts when the picture
across it changes clearly more than within the shots on either side, also after normalising brightness
and contrast: a run whose change is mostly brightness (the exposure rising while a hand leaves the
frame, a ramp into clipped highlights) is not a transition.
"""

from __future__ import annotations

import numpy as np

from core.detection.features import Features, Transition, busy_around, dist, mad, runs, shot_change
from core.detection.params import BRIGHTNESS_SHARE, Params


def dissolve_candidates(ft: Features, fps: float, p: Params) -> list[tuple[int, int]]:
    """(first, last sample) of runs of blended frames, pieces of one transition joined, at most 3 s."""
    f = ft.f
    n = len(f)
    max_len = round(3.0 * fps)
    k_small = max(2, round(0.16 * fps))
    candidate = np.zeros(n, dtype=bool)
    for half_ms in (160.0, 320.0):  # blend of the samples about half_ms before and after
        lo = np.clip(np.searchsorted(ft.times, ft.times - half_ms), 0, n - 1)
        hi = np.clip(np.searchsorted(ft.times, ft.times + half_ms), 0, n - 1)
        reach = 0.6 * half_ms  # both neighbours must exist (not clipped at the ends)
        ok = (ft.times - ft.times[lo] >= reach) & (ft.times[hi] - ft.times >= reach)
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        ia, ib = lo[idx], hi[idx]
        wgt = ((ft.times[idx] - ft.times[ia]) / (ft.times[ib] - ft.times[ia]))[:, None, None].astype(
            np.float32
        )
        span = mad(f[ia], f[ib])
        lin = mad(f[idx], f[ia] * (1 - wgt) + f[ib] * wgt)
        candidate[idx] |= (span > p.span_min) & (lin < p.blend_ratio * span)
    dissolves: list[tuple[int, int]] = []
    for t, q in runs(candidate, bridge=1):
        if q - t + 1 < 2:
            continue
        s, e = max(0, t - k_small), min(n - 1, q + k_small)
        if dissolves and t - (dissolves[-1][1] - k_small) <= k_small:  # pieces of one transition
            s = dissolves[-1][0]
            dissolves.pop()
        dissolves.append((s, e))
    return [(s, e) for s, e in dissolves if e - s <= max_len]


def judge_dissolves(
    ft: Features,
    p: Params,
    cuts: list[int],
    candidates: list[tuple[int, int]],
    spans: list[tuple[int, int]],
    fades: list[Transition],
) -> list[Transition]:
    """The candidates that are dissolves: not the blend part of a fade found, not mostly brightness, and
    the picture changes across them clearly more than within the shots around (`spans`: every gradual
    candidate), or a strong change that is a clean blend."""
    f = ft.f
    n = len(f)
    found: list[Transition] = []
    for s, e in candidates:
        if any(s <= fade.last and fade.first <= e for fade in fades):
            continue  # the blend part of a fade already found
        busy = busy_around(s, e, cuts, spans)
        ratio = shot_change(f, s, e, busy, p)
        a, b = max(0, s - 1), min(n - 1, e + 1)
        cross = dist(f, a, b)
        m = (a + b) // 2
        wgt = float((ft.times[m] - ft.times[a]) / max(1.0, ft.times[b] - ft.times[a]))
        blend = float(np.abs(f[m] - (1 - wgt) * f[a] - wgt * f[b]).mean()) / (cross + 1e-3)
        if (z_ratio := shot_change(ft.z, s, e, busy, p)) < 0.25 * p.cross_ratio:
            continue  # only brightness changed (a fade's tail, exposure): the picture is the same
        if z_ratio < BRIGHTNESS_SHARE * ratio:
            # Mostly brightness: with brightness and contrast normalised, most of the evidence goes
            # (a hand leaving the frame while the exposure rises; a ramp into clipped highlights).
            # Real dissolves keep 0.7-1.0 of it (bench), exposure ramps 0.1-0.3.
            continue
        if ratio >= p.cross_ratio or (
            ratio >= 0.45 * p.cross_ratio and cross >= p.strong_cross and blend <= p.blend_ratio
        ):
            found.append(Transition((s + e + 1) // 2, ratio, "dissolve", s, e))
    return found
