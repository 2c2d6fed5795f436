"""Boundaries put on their exact frame after reference-only decoding skipped frames.

Why: decoding only the frames others reference halves HD decoding, but a cut found between two decoded
samples may really be at a skipped frame in between. The container's packet times tell where frames
were skipped; those few windows alone are decoded in full.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from core.detection.decoding import gray_frames
from core.detection.features import Features, colour_mad, pictures
from core.jobs import CancelToken
from core.media import MediaInfo


def refine(
    path: str | Path,
    info: MediaInfo,
    ft: Features,
    found: list[tuple[int, float, str]],
    cancel: CancelToken | None,
    every: list[int] | None,
) -> list[tuple[int, float, str]]:
    """Boundaries in ms, exact although non-reference frames were skipped.

    A cut found between decoded samples t-1 and t, or a fade's darkest sample t, may really be at a
    skipped frame in between; the container's packet times (`every`) tell where frames were skipped,
    and those windows alone are decoded (every frame, two windows at a time) to put the boundary on
    its frame.
    """
    times = [int(x) for x in ft.times]
    n = len(times)
    todo: list[tuple[int, int, int, float, str]] = []  # (first, last sample of the window, t, strength, kind)
    out: list[tuple[int, float, str]] = []
    for t, strength, kind in found:
        if not 0 <= t < n:
            continue
        lo, hi = (t - 1, t) if kind == "cut" else (t - 1, t + 1)
        if kind == "dissolve" or lo < 0 or hi >= n:
            out.append((times[t], strength, kind))
        elif kind == "fade" and min(ft.luma[lo], ft.luma[hi]) <= ft.luma[t] + 0.5:
            out.append((times[t], strength, kind))  # inside a black hold: t is as dark as it gets
        elif every is not None and not frame_between(every, times[lo], times[hi]):
            out.append((times[t], strength, kind))  # no frame between the decoded ones
        else:
            todo.append((lo, hi, t, strength, kind))

    def place(item: tuple[int, int, int, float, str]) -> tuple[int, float, str]:
        lo, hi, t, strength, kind = item
        a, b = times[lo], times[hi]
        window: list[int] = []
        mids = list(
            gray_frames(
                path,
                info=info,
                start_ms=a + 1,
                duration_ms=b - a,
                times_ms=window,
                cancel=cancel,
                threads=1,
                chroma=ft.chroma,
            )
        )
        inside = [(ms, fr) for ms, fr in zip(window, mids, strict=False) if a < ms < b]
        if len(window) != len(mids) or not inside:
            return times[t], strength, kind
        seq_t = [a, *[ms for ms, _ in inside], b]
        y, c = pictures(np.stack([fr for _, fr in inside]), ft.chroma)
        seq = np.concatenate([ft.f[lo : lo + 1], y, ft.f[hi : hi + 1]])
        if kind == "cut":  # the new shot starts after the largest step
            steps = [float(np.abs(seq[j] - seq[j - 1]).mean()) for j in range(1, len(seq))]
            if c is not None and ft.c is not None:
                cseq = np.concatenate([ft.c[lo : lo + 1], c, ft.c[hi : hi + 1]])
                steps = [x + float(colour_mad(cseq, [j], [j - 1])[0]) for j, x in enumerate(steps, 1)]
            return seq_t[1 + int(np.argmax(steps))], strength, kind
        luma = seq.mean(axis=(1, 2))  # fade: the darkest frame (the middle of a black hold)
        darkest = np.flatnonzero(luma <= luma.min() + 0.5)
        return seq_t[int(darkest[len(darkest) // 2])], strength, kind

    if len(todo) > 1 and (os.cpu_count() or 1) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            out += list(pool.map(place, todo))
    else:
        out += [place(item) for item in todo]
    return sorted(out)


def frame_between(every: list[int], a: int, b: int) -> bool:
    """Whether the sorted frame times `every` hold one strictly between a and b."""
    k = bisect_right(every, a)
    return k < len(every) and every[k] < b
