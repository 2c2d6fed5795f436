"""What the detectors measure on the thumbnails: blurred pictures, frame differences, brightness.

Why apart: the hard-cut, fade and dissolve detectors read the same per-frame signals, computed once
with numpy over a few KB per frame. Colour (U and V at the blurred luma's size) is weighted into the
hard cuts' difference only: dissolves and fades stay luma-only, where smooth colour cycling looked like
a blend. `z` (brightness and contrast normalised) is blind to fades and exposure drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from core.detection.params import CHROMA_WEIGHT, DARK_SPREAD, NORM_SPREAD, Params


def blur(frames: np.ndarray) -> np.ndarray:
    """2x2 box-average: halves the size, averaging away noise and sub-pixel motion."""
    _, h, w = frames.shape
    f = frames[:, : h // 2 * 2, : w // 2 * 2].astype(np.float32)
    return (f[:, 0::2, 0::2] + f[:, 1::2, 0::2] + f[:, 0::2, 1::2] + f[:, 1::2, 1::2]) * 0.25


def mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference per frame pair (0..255)."""
    per_pair: np.ndarray = np.abs(a - b).mean(axis=(1, 2))
    return per_pair


def dist(f: np.ndarray, a: int, b: int) -> float:
    """Mean absolute difference between pictures a and b of `f`."""
    return float(np.abs(f[a] - f[b]).mean())


def colour_mad(
    c: np.ndarray, a: np.ndarray | slice | list[int], b: np.ndarray | slice | list[int]
) -> np.ndarray:
    """CHROMA_WEIGHT x (MAD of U + MAD of V) per frame pair of `c` (U|V side by side, uint8)."""
    diff = np.abs(c[a].astype(np.int16) - c[b].astype(np.int16))
    weighted: np.ndarray = (diff.mean(axis=(1, 2)) * (2 * CHROMA_WEIGHT)).astype(np.float32)
    return weighted


@dataclass
class Features:
    """The per-frame signals of one video's thumbnails (index t = the t-th decoded frame)."""

    f: np.ndarray  # (n, h, w) float32 blurred thumbnails
    d1: np.ndarray  # d1[t] = MAD(f[t-1], f[t]) (+ weighted colour MAD); d1[0] = 0
    luma: np.ndarray  # mean luma per frame
    spread: np.ndarray  # luma standard deviation per frame
    times: np.ndarray  # ms of each sample
    gap: np.ndarray  # frames between sample t-1 and t (1 unless frames were skipped); gap[0] = 1
    z: np.ndarray  # thumbnails with mean and contrast normalised: blind to fades and exposure drift
    c: np.ndarray | None = None  # (n, h, 2w) uint8 U|V planes at f's size, when colour was decoded
    dc: np.ndarray | None = None  # dc[t] = weighted colour MAD(t-1, t) (already inside d1); dc[0] = 0
    zd: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))  # MAD(z[t-1], z[t])

    @property
    def chroma(self) -> bool:
        return self.c is not None

    def cut_dist(self, a: int, b: int) -> float:
        """Picture difference for the hard-cut tests: luma MAD plus the weighted colour MAD."""
        d = dist(self.f, a, b)
        if self.c is not None:
            d += float(colour_mad(self.c, np.array([a]), np.array([b]))[0])
        return d


def pictures(frames: np.ndarray, chroma: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(2x2-blurred luma, U and V side by side at the same size or None) of uint8 frames: gray, or
    planar YUV 4:2:0 with `chroma` (the chroma planes are already half size: no blur needed)."""
    if not chroma:
        return blur(frames), None
    n, rows, w = frames.shape
    h = rows * 2 // 3
    y = blur(frames[:, :h])
    flat = frames.reshape(n, rows * w)
    q = (h // 2) * (w // 2)
    u = flat[:, h * w : h * w + q].reshape(n, h // 2, w // 2)
    v = flat[:, h * w + q : h * w + 2 * q].reshape(n, h // 2, w // 2)
    yh, yw = y.shape[1:]
    return y, np.ascontiguousarray(np.concatenate([u[:, :yh, :yw], v[:, :yh, :yw]], axis=2))


def features(
    frames: np.ndarray, times: list[int] | None = None, frame_ms: float = 40.0, chroma: bool = False
) -> Features:
    """The signals of uint8 thumbnails (gray, or planar YUV 4:2:0 with `chroma`) shown at `times` (ms;
    default every `frame_ms`)."""
    f, c = pictures(frames, chroma)
    n = f.shape[0]
    d1 = np.zeros(n, dtype=np.float32)
    if n > 1:
        d1[1:] = mad(f[1:], f[:-1])
    dc: np.ndarray | None = None
    if c is not None:  # a cut between colours of equal brightness differs in chroma alone
        dc = np.zeros(n, dtype=np.float32)
        if n > 1:
            dc[1:] = colour_mad(c, slice(1, None), slice(None, -1))
        d1 += dc
    t = np.asarray(times if times is not None else np.arange(n) * frame_ms, dtype=np.float64)
    gap = np.ones(n, dtype=np.float32)
    if n > 1:
        gap[1:] = np.maximum(1.0, np.round(np.diff(t) / frame_ms))
    luma, spread = f.mean(axis=(1, 2)), f.std(axis=(1, 2))
    z = (f - luma[:, None, None]) * (NORM_SPREAD / np.maximum(spread, DARK_SPREAD))[:, None, None]
    z = z.astype(np.float32)
    zd = np.zeros(n, dtype=np.float32)
    if n > 1:
        zd[1:] = mad(z[1:], z[:-1])
    return Features(f=f, d1=d1, luma=luma, spread=spread, times=t, gap=gap, z=z, c=c, dc=dc, zd=zd)


def runs(mask: np.ndarray, bridge: int = 0) -> list[tuple[int, int]]:
    """Inclusive index ranges where mask is true, bridging gaps of up to `bridge` false values."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    found: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > bridge + 1:
            found.append((start, prev))
            start = i
        prev = i
    found.append((start, prev))
    return found


class Transition(NamedTuple):
    """A gradual transition found: its boundary sample, strength, kind and the samples it spans."""

    mid: int
    strength: float
    kind: str  # "fade" | "dissolve"
    first: int
    last: int


def busy_around(s: int, e: int, cuts: list[int], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The other transitions next to [s, e] (hard cuts outside it, candidate spans not overlapping it):
    where :func:`shot_change`'s within-shot comparisons stop."""
    busy = [(c, c) for c in cuts if not s <= c <= e + 1]
    return busy + [(s2, e2) for s2, e2 in spans if e2 < s or s2 > e]


def shot_change(f: np.ndarray, s: int, e: int, busy: list[tuple[int, int]], p: Params) -> float:
    """How much more the picture differs across [s, e] than within the shots on either side (ratio).

    `busy` are other transitions (frame intervals); the within-shot comparisons stop at them. The
    fade and dissolve detectors both judge a candidate by it.
    """
    n = len(f)
    a, b = max(0, s - 1), min(n - 1, e + 1)
    gap = max(1, b - a)
    cross = dist(f, a, b)
    if cross < p.cross_min:
        return 0.0
    lo = max([0, *[hi + 1 for lo_, hi in busy if hi < s]])
    hi = min([n - 1, *[lo_ - 1 for lo_, hi_ in busy if lo_ > e]])
    inner = []  # change within each neighbouring shot over the same gap (extrapolated when shorter)
    if a - lo >= 2:
        start = max(lo, a - gap)
        inner.append(dist(f, start, a) * gap / (a - start))
    if hi - b >= 2:
        end = min(hi, b + gap)
        inner.append(dist(f, b, end) * gap / (end - b))
    if not inner:  # boxed in by other transitions: no evidence either way
        return 1.0
    return cross / (max(inner) + 2.0)
