"""Cheap per-clip image statistics for the storyline planner (numpy, a few downscaled frames per clip).

Faces (OpenCV's Haar frontal-face cascade, evaluated in numpy by core.face_cascade; a skin-colour share only if
the cascade file is missing) hint at try-on / effect shots, text-heavy frames at offers and
certificates, close-ups at appearance and texture shots, motion at demonstrations. Everything is in 0..1.
Frames are decoded by ffmpeg (core.detection.gray_frames), as for shot detection and thumbnails: the
package needs no OpenCV (151 MiB with its own video libraries) for this.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.face_cascade import Cascade, frontal_face, has_face
from core.jobs import CancelToken
from core.media import MediaInfo
from core.narration.base import VisualCues

SAMPLES_PER_CLIP = 3
WIDTH = 160


def _cascade() -> Cascade | None:
    """The frontal-face cascade (parsed once), or None when its file is missing."""
    return frontal_face()


def _gray(frame: np.ndarray) -> np.ndarray:
    """A BGR frame as 8-bit luma (BT.601, as OpenCV's BGR2GRAY and ffmpeg's gray), a gray one as it is."""
    if frame.ndim == 2:
        return frame
    b, g, r = (frame[..., i].astype(np.float32) for i in range(3))
    return np.clip(np.rint(0.114 * b + 0.587 * g + 0.299 * r), 0, 255).astype(np.uint8)


def _skin_share(bgr: np.ndarray) -> float:
    """Share of skin-coloured pixels (YCrCb box): the face/hands proxy when no cascade is available."""
    if bgr.ndim != 3:
        return 0.0
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    y = 0.114 * b + 0.587 * g + 0.299 * r
    cr, cb = (r - y) * 0.713 + 128, (b - y) * 0.564 + 128
    mask = (cr >= 135) & (cr <= 180) & (cb >= 85) & (cb <= 135)
    return float(mask.mean())


def _filter3(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """3x3 correlation with mirrored borders (OpenCV's BORDER_REFLECT_101), as float32."""
    padded = np.pad(img.astype(np.float32), 1, mode="reflect")
    h, w = img.shape
    out = np.zeros((h, w), np.float32)
    for dy in range(3):
        for dx in range(3):
            if kernel[dy, dx]:
                out += kernel[dy, dx] * padded[dy : dy + h, dx : dx + w]
    return out


SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)


def _text_score(gray: np.ndarray) -> float:
    """Share of rows dense in short vertical strokes (captions, price tags, certificates)."""
    gx = _filter3(gray, SOBEL_X)
    strong = (np.abs(gx) > 120).astype(np.float32)
    row_density = strong.mean(axis=1)
    return float(min(1.0, (row_density > 0.3).mean() * 2.0))


def _closeup_score(gray: np.ndarray) -> float:
    """A sharp centre against a soft border suggests a close-up of the product."""
    lap = np.abs(_filter3(gray, LAPLACIAN))
    h, w = lap.shape
    centre = lap[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].mean()
    total = lap.mean()
    border = max(1e-6, (total * h * w - centre * (h // 2) * (w // 2)) / max(1, h * w - (h // 2) * (w // 2)))
    ratio = centre / (centre + border)
    return float(min(1.0, max(0.0, (ratio - 0.5) * 2.5)))


def cues_for_frames(frames: Sequence[np.ndarray], cascade: Cascade | None = None) -> VisualCues:
    """Cues from the frames of one clip (gray, or BGR as drawn by tests)."""
    if not frames:
        return VisualCues()
    grays = [_gray(f) for f in frames]
    faces = 0.0
    for frame, g in zip(frames, grays):
        if cascade is not None:
            faces += has_face(cascade, g)
        else:
            faces += min(1.0, max(0.0, (_skin_share(frame) - 0.15) * 3.0))
    diffs = [
        float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) / 255.0
        for a, b in itertools.pairwise(grays)
        if a.shape == b.shape
    ]
    motion = min(1.0, 4.0 * sum(diffs) / len(diffs)) if diffs else 0.0
    return VisualCues(
        faces=faces / len(frames),
        text=sum(_text_score(g) for g in grays) / len(grays),
        motion=motion,
        brightness=float(sum(g.mean() for g in grays) / len(grays) / 255.0),
        closeup=sum(_closeup_score(g) for g in grays) / len(grays),
    )


def compute_cues(
    video_path: str | Path, clips_ms: Sequence[tuple[int, int]], cancel: CancelToken | None = None
) -> list[VisualCues]:
    """One VisualCues per clip (start_ms, end_ms), from SAMPLES_PER_CLIP frames inside each clip."""
    from core.media import probe

    path = Path(video_path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    if not clips_ms:
        return []
    try:
        info = probe(path)
    except MediaError as exc:
        raise MediaError(f"{path}: cannot open the video for visual cues ({exc})") from None
    cascade = _cascade()
    out: list[VisualCues] = []
    for start, end in clips_ms:
        if cancel is not None:
            cancel.raise_if_cancelled()
        span = max(0, int(end) - int(start))
        times = [int(start) + span * (k + 1) / (SAMPLES_PER_CLIP + 1) for k in range(SAMPLES_PER_CLIP)]
        frames = [f for f in (_frame_at(path, info, t, cancel) for t in times) if f is not None]
        out.append(cues_for_frames(frames, cascade))
    return out


def _frame_at(path: Path, info: MediaInfo, ms: float, cancel: CancelToken | None) -> np.ndarray | None:
    """The gray frame shown at `ms`, WIDTH pixels wide (None past the end of the video)."""
    from core.detection import gray_frames

    frames = gray_frames(
        path, width=WIDTH, info=info, start_ms=int(ms), duration_ms=1000, cancel=cancel, fast=False, timeout=60.0
    )
    try:
        return next(frames, None)
    finally:
        frames.close()
