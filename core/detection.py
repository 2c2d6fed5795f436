"""Clip (shot) detection: hard cuts, dissolves and fades, from small grayscale frames.

Why this design: decoding is the cost, so ffmpeg decodes once at reduced cost (no loop filter, all
threads, from HD up only the reference frames) and scales to a thumbnail in gray; numpy then works on
a few KB per frame. Hard cuts are spikes of frame difference against the local motion level on both
sides (so camera motion, which raises the level, does not cut), minus flashes (the picture after the
spike returns to the picture before it). Gradual transitions are found with a blend test: inside a
dissolve or fade a frame is close to the time-weighted mix of the frames ~0.16/0.32 s before and after
it, while camera motion or a cut is not; a run of such frames counts when the picture across it
changes clearly more than within the shots on either side. Fades are also found directly as dark
stretches between two different pictures.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from core.errors import Cancelled, MediaError
from core.ffmpeg_exec import child_process_options, ffmpeg_path
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.media import MediaInfo, ffmpeg_input, probe
from core.timebase import frame_to_ms

ANALYSIS_WIDTH = 64
"""Thumbnail width for detection; cuts and blends are visible at this size and noise is averaged."""

MAX_ANALYSIS_FPS = Fraction(60)
FAST_DECODE_PIXELS = 1280 * 720
"""From this picture size on, detect_clips skips non-reference frames by default."""


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect_clips`: clips in ms, contiguous from 0 to info.duration_ms."""

    info: MediaInfo
    clips: list[tuple[int, int]]
    # (boundary ms, "cut" | "dissolve" | "fade") as found, before short clips were merged away
    cuts: list[tuple[int, str]] = field(default_factory=list)


def thumbnail_size(info: MediaInfo, width: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    """(w, h) of a gray thumbnail keeping the displayed aspect ratio; both even, at least 2."""
    dw, dh = max(1, info.display_width), max(1, info.display_height)
    w = max(2, min(width, dw) // 2 * 2)
    h = max(2, round(w * dh / dw / 2) * 2)
    return w, h


def gray_frames(
    path: str | Path,
    *,
    width: int = ANALYSIS_WIDTH,
    info: MediaInfo | None = None,
    fps: Fraction | None = None,
    start_ms: int = 0,
    cancel: CancelToken | None = None,
    fast: bool = True,
    skip_nonref: bool = False,
    times_ms: list[int] | None = None,
    timeout: float | None = None,
) -> Iterator[np.ndarray]:
    """Yield small grayscale frames (uint8, h x w), decoded cheaply by ffmpeg.

    By default frames come at a constant rate: frame i shows start_ms + i / fps (fps defaults to the
    video's rate). `fast` skips the H.264 loop filter: invisible at thumbnail size, much less
    decoding. `skip_nonref` also skips frames no other frame depends on (typically half the B-frames,
    none in streams without B-frames); frames then come at their own times, which are appended to
    `times_ms` (ms from the first frame) as the decoder produces them. The ffmpeg child is killed
    when the consumer stops, on cancel (within ~0.1 s: raises Cancelled) and after `timeout` seconds.
    """
    info = info or probe(path)
    rate = fps or info.fps
    if rate <= 0 or rate > MAX_ANALYSIS_FPS:
        rate = Fraction(30)
    w, h = thumbnail_size(info, width)
    want_times = skip_nonref or times_ms is not None
    level = "info" if want_times else "error"  # showinfo logs frame times at info level
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", level]
    if fast:
        cmd += ["-skip_loop_filter", "all"]
    if skip_nonref:
        cmd += ["-skip_frame", "noref"]
    cmd += ["-threads", "0"]
    if start_ms > 0:
        cmd += ["-ss", f"{start_ms / 1000:.3f}"]
    cmd += ["-an", "-sn", "-dn", "-i", ffmpeg_input(path), "-map", "0:v:0"]
    chain = f"scale={w}:{h}:flags=area,format=gray"
    if want_times:
        chain += ",showinfo"
    cmd += ["-vf", chain]
    if skip_nonref:
        cmd += ["-fps_mode", "passthrough"]
    else:
        cmd += ["-fps_mode", "cfr", "-r", f"{rate}"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    if timeout is None:
        timeout = 120.0 + 4.0 * info.duration_ms / 1000
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **child_process_options(),
    )
    errors: deque[str] = deque(maxlen=5)
    stop = threading.Event()
    state = {"cancelled": False, "timed_out": False}
    first_pts: list[float] = []

    def drain() -> None:
        assert proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            m = _PTS_RE.search(line) if want_times else None
            if m:
                pts = float(m.group(1))
                if not first_pts:
                    first_pts.append(pts)
                if times_ms is not None:
                    times_ms.append(start_ms + round((pts - first_pts[0]) * 1000))
            elif not want_times or "error" in line.lower():
                errors.append(line)

    def watch() -> None:  # a blocked read cannot poll the token, so a watcher kills the child
        waited = 0.0
        while not stop.wait(0.05):
            waited += 0.05
            if cancel is not None and cancel.cancelled:
                state["cancelled"] = True
                proc.kill()
                return
            if waited > timeout:
                state["timed_out"] = True
                proc.kill()
                return

    threads = [threading.Thread(target=drain, daemon=True), threading.Thread(target=watch, daemon=True)]
    for t in threads:
        t.start()
    size = w * h
    count = 0
    try:
        assert proc.stdout is not None
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            count += 1
            yield np.frombuffer(buf, dtype=np.uint8).reshape(h, w)
        proc.wait(timeout=10)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for t in threads:
            t.join(timeout=2)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()
    if state["cancelled"]:
        raise Cancelled("cancelled")
    if state["timed_out"]:
        raise MediaError(f"{path}: decoding took longer than {timeout:.0f} s")
    if count == 0:
        detail = errors[-1] if errors else f"ffmpeg exit code {proc.returncode}"
        raise MediaError(f"{path}: no video frames could be decoded ({detail})")


_PTS_RE = re.compile(r"\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+)")


def read_frames(
    path: str | Path,
    info: MediaInfo,
    *,
    width: int = ANALYSIS_WIDTH,
    skip_nonref: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, list[int]]:
    """All thumbnails as one (n, h, w) uint8 array and each frame's time in ms, with progress."""
    rate = info.fps if 0 < info.fps <= MAX_ANALYSIS_FPS else Fraction(30)
    times: list[int] = []
    frames: list[np.ndarray] = []
    duration = max(1, info.duration_ms)
    expected = info.frame_count
    progress(0.0, "decoding")
    last = 0.0
    for i, frame in enumerate(
        gray_frames(path, width=width, info=info, cancel=cancel, skip_nonref=skip_nonref, times_ms=times)
    ):
        frames.append(frame)
        done = times[-1] / duration if skip_nonref and times else i / expected
        if done - last >= 0.01:
            last = done
            progress(min(0.99, done), "decoding")
    if cancel is not None:
        cancel.raise_if_cancelled()
    if not skip_nonref:
        times = [frame_to_ms(i, rate) for i in range(len(frames))]
    elif len(times) != len(frames):  # frame times unreadable: assume the frames are spread evenly
        times = [i * info.duration_ms // max(1, len(frames)) for i in range(len(frames))]
    return np.stack(frames), times


# ---------------------------------------------------------------------------------------------------
# Features


def _blur(frames: np.ndarray) -> np.ndarray:
    """2x2 box-average: halves the size, averaging away noise and sub-pixel motion."""
    _, h, w = frames.shape
    f = frames[:, : h // 2 * 2, : w // 2 * 2].astype(np.float32)
    return (f[:, 0::2, 0::2] + f[:, 1::2, 0::2] + f[:, 0::2, 1::2] + f[:, 1::2, 1::2]) * 0.25


def _mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference per frame pair (0..255)."""
    return np.abs(a - b).mean(axis=(1, 2))


@dataclass
class _Features:
    f: np.ndarray  # (n, h, w) float32 blurred thumbnails
    d1: np.ndarray  # d1[t] = MAD(f[t-1], f[t]); d1[0] = 0
    luma: np.ndarray  # mean luma per frame
    spread: np.ndarray  # luma standard deviation per frame
    times: np.ndarray  # ms of each sample
    gap: np.ndarray  # frames between sample t-1 and t (1 unless frames were skipped); gap[0] = 1


def _features(frames: np.ndarray, times: list[int] | None = None, frame_ms: float = 40.0) -> _Features:
    f = _blur(frames)
    n = f.shape[0]
    d1 = np.zeros(n, dtype=np.float32)
    if n > 1:
        d1[1:] = _mad(f[1:], f[:-1])
    t = np.asarray(times if times is not None else np.arange(n) * frame_ms, dtype=np.float64)
    gap = np.ones(n, dtype=np.float32)
    if n > 1:
        gap[1:] = np.maximum(1.0, np.round(np.diff(t) / frame_ms))
    return _Features(f=f, d1=d1, luma=f.mean(axis=(1, 2)), spread=f.std(axis=(1, 2)), times=t, gap=gap)


# ---------------------------------------------------------------------------------------------------
# Decisions

DARK_LUMA = 24.0  # mean luma of a "black" frame (0..255); limited-range black is 16
DARK_SPREAD = 12.0
FADE_STEP = 1.5  # luma change per frame that still counts as fading


@dataclass(frozen=True)
class _Params:
    """Thresholds scaled by sensitivity (0 = fewest cuts, 1 = most)."""

    cut_ratio: float
    cut_min: float
    blend_ratio: float
    span_min: float
    cross_ratio: float
    cross_min: float
    strong_cross: float

    @staticmethod
    def for_sensitivity(sensitivity: float) -> _Params:
        s = min(max(sensitivity, 0.0), 1.0)
        m = 1.4 ** ((0.5 - s) * 2.0)  # 0 -> 1.4x stricter, 0.5 -> as tuned, 1 -> 1.4x laxer
        return _Params(
            cut_ratio=2.5 * m,
            cut_min=7.0 * m,
            blend_ratio=0.3 / m,
            span_min=8.0 * m,
            cross_ratio=1.6 * m,
            cross_min=12.0 * m,
            strong_cross=35.0 * m,
        )


def _window_median(x: np.ndarray, lo: int, hi: int) -> float:
    lo, hi = max(0, lo), min(len(x), hi)
    return float(np.median(x[lo:hi])) if hi > lo else 0.0


def _dist(f: np.ndarray, a: int, b: int) -> float:
    return float(np.abs(f[a] - f[b]).mean())


def _hard_cuts(ft: _Features, fps: float, p: _Params) -> list[tuple[int, float]]:
    """(sample index where the new shot starts, strength) for abrupt changes that are not flashes.

    The local level is motion per frame (differences divided by the frames between samples), so
    the test is the same whether every frame was decoded or only reference frames.
    """
    d1, f, gap = ft.d1, ft.f, ft.gap
    per_frame = d1 / gap
    n = len(d1)
    w = max(3, round(0.4 * fps))
    back = max(2, round(0.2 * fps))  # a flash lasts at most this many samples
    cuts: list[tuple[int, float]] = []
    for t in range(1, n):
        d = float(d1[t])
        if d < p.cut_min:
            continue
        before = _window_median(per_frame, t - w, t)
        after = _window_median(per_frame, t + 1, t + 1 + w)
        level = max(before, after, 0.5) * float(gap[t])
        if d < p.cut_ratio * level:
            continue
        if t + 1 < n and per_frame[t + 1] > d:  # the peak is one sample later
            continue
        if t - 1 >= 1 and per_frame[t - 1] >= d:
            continue
        # Flash: the picture comes back to the one before the jump, or we are returning to it.
        similar = max(0.35 * d, 2.0 * level)
        flash = any(_dist(f, t - 1, t + j) < similar for j in range(1, back + 1) if t + j < n)
        flash = flash or any(_dist(f, t, t - 1 - j) < similar for j in range(1, back + 1) if t - 1 - j >= 0)
        if flash:
            continue
        cuts.append((t, d / (level + 1.0)))
    return cuts


def _shot_change(f: np.ndarray, s: int, e: int, busy: list[tuple[int, int]], p: _Params) -> float:
    """How much more the picture differs across [s, e] than within the shots on either side (ratio).

    `busy` are other transitions (frame intervals); the within-shot comparisons stop at them.
    """
    n = len(f)
    a, b = max(0, s - 1), min(n - 1, e + 1)
    gap = max(1, b - a)
    cross = _dist(f, a, b)
    if cross < p.cross_min:
        return 0.0
    lo = max([0, *[hi + 1 for lo_, hi in busy if hi < s]])
    hi = min([n - 1, *[lo_ - 1 for lo_, hi_ in busy if lo_ > e]])
    inner = []  # change within each neighbouring shot over the same gap (extrapolated when shorter)
    if a - lo >= 2:
        start = max(lo, a - gap)
        inner.append(_dist(f, start, a) * gap / (a - start))
    if hi - b >= 2:
        end = min(hi, b + gap)
        inner.append(_dist(f, b, end) * gap / (end - b))
    if not inner:  # boxed in by other transitions: no evidence either way
        return 1.0
    return cross / (max(inner) + 2.0)


def _runs(mask: np.ndarray, bridge: int = 0) -> list[tuple[int, int]]:
    """Inclusive index ranges where mask is true, bridging gaps of up to `bridge` false values."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    runs: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > bridge + 1:
            runs.append((start, prev))
            start = i
        prev = i
    runs.append((start, prev))
    return runs


def _gradual(
    ft: _Features, fps: float, p: _Params, cuts: list[int]
) -> list[tuple[int, float, str, int, int]]:
    """(middle sample, strength, kind, first sample, last sample) of dissolves and fades."""
    f = ft.f
    n = len(f)
    max_len = round(3.0 * fps)
    k_small = max(2, round(0.16 * fps))
    fade_len = round(1.5 * fps)
    regions: list[tuple[int, int, str]] = []  # candidate transitions (first, last frame, kind)
    # Fades: runs of dark frames between two different pictures, extended over the fade out / in.
    dark = (ft.luma < DARK_LUMA) & (ft.spread < DARK_SPREAD)
    for t, q in _runs(dark):
        if t == 0 or q == n - 1:
            continue  # fade in at the start or out at the end: not a boundary
        s, e = t, q
        while s > 0 and t - s < fade_len and ft.luma[s - 1] > ft.luma[s] + FADE_STEP:
            s -= 1
        while e < n - 1 and e - q < fade_len and ft.luma[e + 1] > ft.luma[e] + FADE_STEP:
            e += 1
        regions.append((s, e, f"fade:{(t + q + 1) // 2}"))
    # Dissolves (and fades the dark test missed): frames that are blends of their neighbours.
    candidate = np.zeros(n, dtype=bool)
    for half_ms in (160.0, 320.0):  # blend of the samples about half_ms before and after
        lo = np.clip(np.searchsorted(ft.times, ft.times - half_ms), 0, n - 1)
        hi = np.clip(np.searchsorted(ft.times, ft.times + half_ms), 0, n - 1)
        reach = 0.6 * half_ms  # both neighbours must exist (not clipped at the ends)
        ok = (ft.times - ft.times[lo] >= reach) & (ft.times[hi] - ft.times >= reach)
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        a, b = lo[idx], hi[idx]
        wgt = ((ft.times[idx] - ft.times[a]) / (ft.times[b] - ft.times[a]))[:, None, None].astype(np.float32)
        span = _mad(f[a], f[b])
        lin = _mad(f[idx], f[a] * (1 - wgt) + f[b] * wgt)
        candidate[idx] |= (span > p.span_min) & (lin < p.blend_ratio * span)
    dissolves: list[tuple[int, int]] = []
    for t, q in _runs(candidate, bridge=1):
        if q - t + 1 < 2:
            continue
        s, e = max(0, t - k_small), min(n - 1, q + k_small)
        if dissolves and t - (dissolves[-1][1] - k_small) <= k_small:  # pieces of one transition
            s = dissolves[-1][0]
            dissolves.pop()
        dissolves.append((s, e))
    regions += [(s, e, "dissolve") for s, e in dissolves if e - s <= max_len]
    found: list[tuple[int, float, str, int, int]] = []
    fades: list[tuple[int, int]] = []
    for s, e, kind in regions:
        busy = [(c, c) for c in cuts if not s <= c <= e + 1]
        busy += [(s2, e2) for s2, e2, _ in regions if e2 < s or s2 > e]
        ratio = _shot_change(f, s, e, busy, p)
        a, b = max(0, s - 1), min(n - 1, e + 1)
        cross = _dist(f, a, b)
        m = (a + b) // 2
        wgt = float((ft.times[m] - ft.times[a]) / max(1.0, ft.times[b] - ft.times[a]))
        blend = float(np.abs(f[m] - (1 - wgt) * f[a] - wgt * f[b]).mean()) / (cross + 1e-3)
        if kind.startswith("fade:"):
            if ratio >= p.cross_ratio:
                found.append((int(kind.split(":")[1]), ratio, "fade", s, e))
                fades.append((s, e))
        elif any(s <= e2 and s2 <= e for s2, e2 in fades):
            continue  # the blend part of a fade already found
        elif ratio >= p.cross_ratio or (
            ratio >= 0.45 * p.cross_ratio and cross >= p.strong_cross and blend <= p.blend_ratio
        ):
            found.append(((s + e + 1) // 2, ratio, "dissolve", s, e))
    return found


def _boundaries(ft: _Features, fps: float, p: _Params) -> list[tuple[int, float, str]]:
    """All boundaries (frame, strength, kind), one per transition, sorted by frame."""
    hard = _hard_cuts(ft, fps, p)
    grad = _gradual(ft, fps, p, [t for t, _ in hard])
    near = max(2, round(0.5 * fps))
    fades = [g for g in grad if g[2] == "fade"]
    # A fade may hold a steep step that looks like a cut: the fade wins. A "dissolve" around a hard
    # cut is the blend test straddling the cut: the cut wins.
    cuts = [(t, st) for t, st in hard if not any(s - near <= t <= e + near for _, _, _, s, e in fades)]
    pad = near // 2  # no shot is that short: a blend run touching a cut is the cut's doing
    dissolves = [
        g for g in grad if g[2] == "dissolve" and not any(g[3] - pad <= t <= g[4] + 1 + pad for t, _ in cuts)
    ]
    merged: list[tuple[int, float, str]] = [(m, st, k) for m, st, k, _, _ in fades + dissolves]
    merged += [(t, strength, "cut") for t, strength in cuts]
    merged.sort()
    # Overlapping gradual detections (dark run and blend run of one fade): keep the stronger.
    out: list[tuple[int, float, str]] = []
    for b in merged:
        if out and b[0] - out[-1][0] <= near and b[2] != "cut" and out[-1][2] != "cut":
            if b[1] > out[-1][1] and out[-1][2] != "fade":
                out[-1] = b
            continue
        out.append(b)
    return out


def _enforce_min_length(
    bounds: list[tuple[int, float, str]], duration_ms: int, min_clip_ms: int
) -> list[tuple[int, float, str]]:
    """Drop the weaker boundary of the shortest too-short clip until every clip is long enough."""
    bounds = list(bounds)
    while bounds:
        edges = [0, *[b[0] for b in bounds], duration_ms]
        lengths = [edges[i + 1] - edges[i] for i in range(len(edges) - 1)]
        i = min(range(len(lengths)), key=lengths.__getitem__)
        if lengths[i] >= min_clip_ms:
            break
        if i == 0:
            drop = 0
        elif i == len(lengths) - 1:
            drop = len(bounds) - 1
        else:
            drop = i - 1 if bounds[i - 1][1] <= bounds[i][1] else i
        del bounds[drop]
    return bounds


def detect_clips(
    path: str | Path,
    *,
    min_clip_ms: int = 600,
    sensitivity: float = 0.5,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    skip_nonref: bool | None = None,
) -> Detection:
    """Split the video at `path` into contiguous clips at hard cuts, dissolves and fades.

    `skip_nonref` decodes only frames that other frames reference: about half the decoding on H.264
    with B-frames (none are skipped without them); a cut then lands on the first decoded frame of the
    new shot, at most a frame late. Default (None): on from HD (1280x720) up, where decoding is
    nearly all the cost; smaller videos are decoded fully.
    Raises MediaError for unreadable input and Cancelled when `cancel` is set (the decoder is killed).
    """
    info = probe(path)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if skip_nonref is None:
        skip_nonref = info.width * info.height >= FAST_DECODE_PIXELS
    frames, times = read_frames(path, info, skip_nonref=skip_nonref, progress=progress, cancel=cancel)
    progress(0.99, "analysing")
    duration = info.duration_ms
    rate = info.fps if 0 < info.fps <= MAX_ANALYSIS_FPS else Fraction(30)
    span_s = (times[-1] - times[0]) / 1000 if len(times) > 1 else 0.0
    # Samples per second actually analysed (lower than the frame rate when frames were skipped).
    fps = (len(times) - 1) / span_s if span_s > 0 else float(rate)
    if cancel is not None:
        cancel.raise_if_cancelled()
    ft = _features(frames, times, 1000 / float(rate))
    del frames
    if cancel is not None:
        cancel.raise_if_cancelled()
    found = _boundaries(ft, fps, _Params.for_sensitivity(sensitivity))
    in_ms = [(times[t], s, k) for t, s, k in found if 0 <= t < len(times)]
    in_ms = [b for b in in_ms if 0 < b[0] < duration]
    kept = _enforce_min_length(in_ms, duration, max(0, int(min_clip_ms)))
    edges = [0, *[b[0] for b in kept], duration]
    clips = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    progress(1.0, "done")
    return Detection(info=info, clips=clips, cuts=[(ms, kind) for ms, _, kind in in_ms])
