"""`detect_clips`: a video split into contiguous clips at hard cuts, dissolves and fades.

Why this order: decoding is the cost, so the video is decoded once to small thumbnails (long videos as
two halves at once, from HD up only the reference frames), the detectors work on numpy signals of a few
KB per frame, and only where skipped frames sit next to a boundary is a short window decoded again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from core import defaults
from core.detection import reader
from core.detection.boundaries import boundaries, enforce_min_length
from core.detection.decoding import MAX_ANALYSIS_FPS
from core.detection.features import features
from core.detection.packets import read_packets
from core.detection.params import Params
from core.detection.refine import refine
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.media import MediaInfo, probe

FAST_DECODE_PIXELS = 1280 * 720
"""From this picture size on, detect_clips skips non-reference frames by default."""


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect_clips`: clips in ms, contiguous from 0 to info.duration_ms."""

    info: MediaInfo
    clips: list[tuple[int, int]]
    # (boundary ms, "cut" | "dissolve" | "fade") as found, before short clips were merged away
    cuts: list[tuple[int, str]] = field(default_factory=list)


def detect_clips(
    path: str | Path,
    *,
    min_clip_ms: int = defaults.DETECT_MIN_CLIP_MS,
    sensitivity: float = 0.5,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    skip_nonref: bool | None = None,
    chroma: bool = True,
) -> Detection:
    """Split the video at `path` into contiguous clips at hard cuts, dissolves and fades.

    Boundaries are frame times from the decoder (PTS in ms on the file's timeline, see
    :func:`gray_frames`): a cut is at the first frame of the new shot, a fade through black at its
    darkest frame, on constant and variable frame rates alike.
    `skip_nonref` first decodes only frames that other frames reference: about half the decoding on
    H.264 with B-frames (none are skipped without them); where the container shows skipped frames
    next to a cut or a fade's darkest frame, just those few frames are then decoded to place it
    exactly. Default (None): on from HD (1280x720) up, where decoding is nearly all the cost;
    smaller videos are decoded fully.
    `chroma` (default on) decodes colour too, so cuts between colours of equal brightness count.
    Raises MediaError for unreadable input and Cancelled when `cancel` is set (the decoder is killed).
    """
    info = probe(path)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if skip_nonref is None:
        skip_nonref = info.width * info.height >= FAST_DECODE_PIXELS
    wanted = skip_nonref or reader.may_split(info.duration_ms)
    packets = read_packets(path, cancel=cancel, timeout=60 + info.duration_ms / 1000) if wanted else None
    split = reader.split_point(packets, info.duration_ms)
    frames, times = reader.read_frames(
        path,
        info,
        skip_nonref=skip_nonref,
        progress=progress,
        cancel=cancel,
        split_at_ms=split,
        chroma=chroma,
    )
    progress(0.99, "analysing")
    duration = info.duration_ms
    rate = info.fps if 0 < info.fps <= MAX_ANALYSIS_FPS else Fraction(30)
    span_s = (times[-1] - times[0]) / 1000 if len(times) > 1 else 0.0
    # Samples per second actually analysed (lower than the frame rate when frames were skipped).
    fps = (len(times) - 1) / span_s if span_s > 0 else float(rate)
    if cancel is not None:
        cancel.raise_if_cancelled()
    ft = features(frames, times, 1000 / float(rate), chroma=chroma)
    del frames
    if cancel is not None:
        cancel.raise_if_cancelled()
    found = boundaries(ft, fps, Params.for_sensitivity(sensitivity))
    if skip_nonref and found:
        progress(0.99, "refining")
        in_ms = refine(path, info, ft, found, cancel, packets.times if packets is not None else None)
    else:
        in_ms = [(times[t], s, k) for t, s, k in found if 0 <= t < len(times)]
    in_ms = [b for b in in_ms if 0 < b[0] < duration]
    kept = enforce_min_length(in_ms, duration, max(0, int(min_clip_ms)))
    edges = [0, *[b[0] for b in kept], duration]
    clips = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    progress(1.0, "done")
    return Detection(info=info, clips=clips, cuts=[(ms, kind) for ms, _, kind in in_ms])
