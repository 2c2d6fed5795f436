"""All of a video's analysis thumbnails at once, long videos decoded as two halves in parallel.

Why two halves: decoding is nearly all of detection's cost, and two ffmpeg processes (split at a
keyframe near the middle) keep both cores busy without frame threading's overhead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.detection.decoding import ANALYSIS_WIDTH, gray_frames
from core.detection.packets import Packets
from core.errors import MediaError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.media import MediaInfo

SPLIT_MIN_MS = 20_000
"""From this duration on, detection decodes the two halves of the video in parallel processes."""
SPLIT_OVERLAP_MS = 500  # the first half decodes this far past the split (frames shown before a keyframe)


def may_split(duration_ms: int) -> bool:
    """Whether a video this long is worth decoding as two halves (its packet list is then read)."""
    return duration_ms >= SPLIT_MIN_MS


def split_point(packets: Packets | None, duration_ms: int) -> int | None:
    """A keyframe near the middle to split decoding at, or None (too short, no keyframe near the middle)."""
    if packets is None or not may_split(duration_ms) or (os.cpu_count() or 1) < 2:
        return None
    middle = duration_ms // 2
    near = [k for k in packets.keyframes if 0.3 * duration_ms <= k <= 0.7 * duration_ms]
    return min(near, key=lambda k: abs(k - middle)) if near else None


class _LinkedToken(CancelToken):
    """Cancelled with its parent token, or on its own (a helper decoder stopped after an error)."""

    def __init__(self, parent: CancelToken | None) -> None:
        super().__init__()
        self._parent = parent

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)


@dataclass
class _Part:
    """One ffmpeg decode of [start_ms, start_ms + duration_ms) and what it produced."""

    start_ms: int
    duration_ms: int | None
    exact: bool
    threads: int
    frames: list[np.ndarray] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    error: BaseException | None = None

    def done_ms(self) -> int:
        return max(0, self.times[-1] - self.start_ms) if self.times else 0


def read_frames(
    path: str | Path,
    info: MediaInfo,
    *,
    width: int = ANALYSIS_WIDTH,
    skip_nonref: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    split_at_ms: int | None = None,
    chroma: bool = False,
) -> tuple[np.ndarray, list[int]]:
    """All thumbnails as one (n, h, w) uint8 array and each frame's PTS in ms, with progress.

    With `chroma` each frame is planar YUV 4:2:0, (n, h * 3 // 2, w) (see :func:`gray_frames`).
    Frames come as decoded (variable frame rates stay variable); times are the decoder's PTS.
    `split_at_ms` (a keyframe time) decodes before and from it in two ffmpeg processes at once: the
    two cores both decode, without frame threading's overhead.
    """
    duration = max(1, info.duration_ms)
    if split_at_ms is None:
        parts = [_Part(0, None, True, 0)]
    else:
        each = max(1, (os.cpu_count() or 2) // 2)
        parts = [_Part(0, split_at_ms + SPLIT_OVERLAP_MS, True, each), _Part(split_at_ms, None, False, each)]
    progress(0.0, "decoding")

    def decode(part: _Part, token: CancelToken | None) -> Iterator[np.ndarray]:
        return gray_frames(
            path,
            width=width,
            info=info,
            cancel=token,
            skip_nonref=skip_nonref,
            times_ms=part.times,
            start_ms=part.start_ms,
            duration_ms=part.duration_ms,
            seek_exact=part.exact,
            threads=part.threads,
            chroma=chroma,
        )

    stop = _LinkedToken(cancel)

    def run(part: _Part) -> None:
        try:
            for frame in decode(part, stop):
                part.frames.append(frame)
        except BaseException as exc:  # re-raised in the calling thread
            part.error = exc

    workers = [threading.Thread(target=run, args=(part,), daemon=True) for part in parts[1:]]
    for w in workers:
        w.start()
    last = 0.0

    def report() -> None:
        nonlocal last
        done = sum(p.done_ms() for p in parts) / duration
        if done - last >= 0.01:
            last = done
            progress(min(0.99, done), "decoding")

    # The first part runs here, reporting progress as its frames (and the other part's) arrive.
    failed = True
    try:
        for frame in decode(parts[0], cancel):
            parts[0].frames.append(frame)
            report()
        failed = False
    finally:
        if failed:
            stop.cancel()  # stop the other decoder too
        for w in workers:
            while w.is_alive():
                w.join(0.05)
                report()
    for part in parts[1:]:
        if part.error is not None:
            raise part.error
    if cancel is not None:
        cancel.raise_if_cancelled()
    if split_at_ms is not None and (
        any(len(p.times) != len(p.frames) for p in parts) or split_at_ms not in parts[1].times
    ):  # times unreadable, or the second decoder did not start at the keyframe: one decoder instead
        done = last
        return read_frames(
            path,
            info,
            width=width,
            skip_nonref=skip_nonref,
            progress=lambda f, stage: progress(max(f, done), stage),
            cancel=cancel,
            chroma=chroma,
        )
    return _joined(path, info, parts, split_at_ms)


def _joined(
    path: str | Path, info: MediaInfo, parts: list[_Part], split_at_ms: int | None
) -> tuple[np.ndarray, list[int]]:
    """The parts' frames as one sequence: the first half's up to the split, the second's from it."""
    frames: list[np.ndarray] = []
    times: list[int] = []
    for k, part in enumerate(parts):
        if len(part.times) != len(part.frames):  # frame times unreadable: spread the frames evenly
            part.times[:] = [
                i * info.duration_ms // max(1, len(part.frames)) for i in range(len(part.frames))
            ]
        lo = split_at_ms if k > 0 and split_at_ms is not None else None
        hi = split_at_ms if k == 0 and split_at_ms is not None else None
        for ms, frame in zip(part.times, part.frames, strict=True):
            if (lo is None or ms >= lo) and (hi is None or ms < hi):
                times.append(ms)
                frames.append(frame)
    if not frames:
        raise MediaError(f"{path}: no video frames could be decoded")
    return np.stack(frames), times
