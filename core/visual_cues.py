"""Cheap per-clip image statistics for the storyline planner (OpenCV, a few downscaled frames per clip).

Faces (OpenCV's Haar frontal-face cascade, shipped in cv2.data with the pinned OpenCV 4; a skin-colour share only if
the cascade file is missing) hint at try-on / effect shots, text-heavy frames at offers and
certificates, close-ups at appearance and texture shots, motion at demonstrations. Everything is in 0..1.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken
from core.narration.base import VisualCues

SAMPLES_PER_CLIP = 3
WIDTH = 160


@functools.lru_cache(maxsize=1)
def _cascade() -> Any | None:
    """OpenCV's Haar frontal-face cascade (loaded once), or None when this build lacks the file (OpenCV 5)."""
    make = getattr(cv2, "CascadeClassifier", None)
    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if make is None or not folder:
        return None
    path = Path(folder) / "haarcascade_frontalface_default.xml"
    if not path.is_file():
        return None
    clf = make(str(path))
    return None if clf.empty() else clf


def _skin_share(bgr: np.ndarray) -> float:
    """Share of skin-coloured pixels (YCrCb box): the face/hands proxy when no cascade is available."""
    ycrcb = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    mask = cv2.inRange(ycrcb, (0, 135, 85), (255, 180, 135))
    return float(mask.mean() / 255.0)


def _frame_at(cap: cv2.VideoCapture, ms: float) -> np.ndarray | None:
    """The frame at `ms`, downscaled to WIDTH, in BGR."""
    cap.set(cv2.CAP_PROP_POS_MSEC, float(ms))
    ok, frame = cap.read()
    if not ok or frame is None:
        return None
    h, w = frame.shape[:2]
    if w > WIDTH:
        frame = cv2.resize(frame, (WIDTH, max(1, round(h * WIDTH / w))), interpolation=cv2.INTER_AREA)
    return frame


def _text_score(gray: np.ndarray) -> float:
    """Share of rows dense in short vertical strokes (captions, price tags, certificates)."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    strong = (np.abs(gx) > 120).astype(np.float32)
    row_density = strong.mean(axis=1)
    return float(min(1.0, (row_density > 0.3).mean() * 2.0))


def _closeup_score(gray: np.ndarray) -> float:
    """A sharp centre against a soft border suggests a close-up of the product."""
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    h, w = lap.shape
    centre = lap[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].mean()
    total = lap.mean()
    border = max(1e-6, (total * h * w - centre * (h // 2) * (w // 2)) / max(1, h * w - (h // 2) * (w // 2)))
    ratio = centre / (centre + border)
    return float(min(1.0, max(0.0, (ratio - 0.5) * 2.5)))


def cues_for_frames(frames: Sequence[np.ndarray], cascade: Any | None = None) -> VisualCues:
    """Cues from the BGR frames of one clip."""
    if not frames:
        return VisualCues()
    grays = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    faces = 0.0
    for bgr, g in zip(frames, grays):
        if cascade is not None:
            faces += len(cascade.detectMultiScale(g, 1.2, 4, minSize=(16, 16))) > 0
        else:
            faces += min(1.0, max(0.0, (_skin_share(bgr) - 0.15) * 3.0))
    diffs = [
        float(cv2.absdiff(a, b).mean()) / 255.0 for a, b in itertools.pairwise(grays) if a.shape == b.shape
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
    path = Path(video_path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise MediaError(f"{path}: cannot open the video for visual cues")
    cascade = _cascade()
    out: list[VisualCues] = []
    try:
        for start, end in clips_ms:
            if cancel is not None:
                cancel.raise_if_cancelled()
            span = max(0, int(end) - int(start))
            times = [int(start) + span * (k + 1) / (SAMPLES_PER_CLIP + 1) for k in range(SAMPLES_PER_CLIP)]
            frames = [f for f in (_frame_at(cap, t) for t in times) if f is not None]
            out.append(cues_for_frames(frames, cascade))
    finally:
        cap.release()
    return out
