"""Cheap per-clip image statistics for the storyline planner (numpy, a few downscaled frames per clip).

Faces (OpenCV's Haar frontal-face cascade, evaluated in numpy by core.face_cascade; a skin-colour share only if
the cascade file is missing) hint at try-on / effect shots, text-heavy frames at offers and
certificates, close-ups at appearance and texture shots, motion at demonstrations. Everything is in 0..1.
Frames come from ffmpeg (core.ffmpeg_exec, the decoder every other stage uses), never from OpenCV's video
I/O (cv2.VideoCapture crashed on file names that are not valid UTF-8), and the arithmetic is numpy's: the
package needs no OpenCV (151 MiB with its own video libraries).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.detection import thumbnail_size
from core.errors import ExportError, MediaError
from core.face_cascade import Cascade, frontal_face, has_face
from core.ffmpeg_exec import ffmpeg_stream
from core.jobs import CancelToken
from core.media import MediaInfo, ffmpeg_input, probe
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
    luma: np.ndarray = np.clip(np.rint(0.114 * b + 0.587 * g + 0.299 * r), 0, 255).astype(np.uint8)
    return luma


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
