"""Cheap per-clip image statistics for the storyline planner (a few downscaled frames per clip).

Frames come from ffmpeg (core.ffmpeg_exec, the decoder every other stage uses), never from OpenCV's video
I/O: cv2.VideoCapture crashed (SIGSEGV) on file names that are not valid UTF-8, and without it the package
needs none of OpenCV's video libraries. OpenCV only does the image arithmetic.

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

from core.detection import thumbnail_size
from core.errors import ExportError, MediaError
from core.ffmpeg_exec import ffmpeg_stream
from core.jobs import CancelToken
from core.media import MediaInfo, ffmpeg_input, probe
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


MAX_SEEKS = 30  # sample times decoded by one ffmpeg process (one seeking input each)


def _frames_at(
    path: Path, info: MediaInfo, times_ms: Sequence[float], cancel: CancelToken | None
) -> list[np.ndarray | None]:
    """The BGR frame (at most WIDTH wide) shown at each of `times_ms`, None where none could be decoded."""
    w, h = thumbnail_size(info, min(WIDTH, max(2, info.display_width)))
    last = max(0.0, info.duration_ms - 1000 / float(info.fps or 25))
    times = [min(max(0.0, float(t)), last) for t in times_ms]
    window = max(0.1, 3 / float(info.fps or 25))  # a few frames from each time: the first is the one
    out: list[np.ndarray | None] = []
    for k in range(0, len(times), MAX_SEEKS):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = times[k : k + MAX_SEEKS]
        frames: list[np.ndarray | None] = list(_decode(path, chunk, w, h, cancel, window))
        if len(frames) != len(chunk):  # a seek found no frame: ask one time at a time, to know which
            frames = [_first(_decode(path, [t], w, h, cancel, 1.0)) for t in chunk]
        out += frames
    return out


def _first(frames: list[np.ndarray]) -> np.ndarray | None:
    return frames[0] if frames else None


def _decode(
    path: Path, times: Sequence[float], w: int, h: int, cancel: CancelToken | None, window_s: float = 1.0
) -> list[np.ndarray]:
    """One ffmpeg run: an input seeking to each time, its first frame scaled, all concatenated to a pipe."""
    args = ["-nostats", "-loglevel", "error"]
    for t in times:  # each input decodes a short window from its time (one thread, no loop filter: 160 px)
        args += ["-threads", "1", "-skip_loop_filter", "all"]
        args += ["-ss", f"{t / 1000:.3f}", "-t", f"{window_s:.3f}", "-i", ffmpeg_input(path)]
    chains = [
        f"[{i}:v:0]trim=end_frame=1,scale={w}:{h}:flags=area,format=bgr24,setsar=1[v{i}]"
        for i in range(len(times))
    ]
    joined = "".join(f"[v{i}]" for i in range(len(times)))
    graph = ";".join([*chains, f"{joined}concat=n={len(times)}:v=1:a=0[out]"])
    args += ["-filter_complex", graph, "-map", "[out]", "-fps_mode", "passthrough"]
    args += ["-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]
    size = w * h * 3
    frames: list[np.ndarray] = []
    try:
        with ffmpeg_stream(args, timeout=60.0 + 10.0 * len(times), cancel=cancel) as proc:
            while len(buf := proc.read(size)) == size:
                frames.append(np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3).copy())
            proc.wait(10)
    except ExportError as exc:  # ffmpeg_stream's timeout error: the video, not an export, is at fault here
        raise MediaError(f"{path}: {exc}") from None
    return frames


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
    if cancel is not None:
        cancel.raise_if_cancelled()
    if not clips_ms:
        return []
    info = probe(path)  # MediaError for anything that is not a readable video
    cascade = _cascade()
    times: list[float] = []
    for start, end in clips_ms:
        span = max(0, int(end) - int(start))
        times += [int(start) + span * (k + 1) / (SAMPLES_PER_CLIP + 1) for k in range(SAMPLES_PER_CLIP)]
    frames = _frames_at(path, info, times, cancel)
    out: list[VisualCues] = []
    for i in range(len(clips_ms)):
        mine = [f for f in frames[i * SAMPLES_PER_CLIP : (i + 1) * SAMPLES_PER_CLIP] if f is not None]
        out.append(cues_for_frames(mine, cascade))
    return out
