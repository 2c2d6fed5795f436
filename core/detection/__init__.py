"""Clip (shot) detection: hard cuts, dissolves and fades, from small YUV thumbnails.

Why this design: decoding is the cost, so ffmpeg decodes once at reduced cost (no loop filter,
long videos as two halves in two processes, from HD up only the reference frames) and scales to a
thumbnail (luma plus half-size chroma, ~5% more CPU than gray alone); numpy then works on a few KB
per frame. Frame times are the decoder's PTS (showinfo under -copyts, minus the file's start), never a
frame count times a nominal rate, so variable-frame-rate footage and late-starting streams get exact
boundaries; where reference-only decoding skipped frames next to a boundary (the container's packet
list says so), just that window is decoded in full to put the boundary on its frame.

One job per module, one detector per file (as PySceneDetect keeps its detectors):

- `decoding`: the ffmpeg frame readers (`gray_frames`, `sampled_frames`) and the PTS clock;
  `packets`: the container's frame times and keyframes; `reader`: all thumbnails, long videos as two
  halves at once.
- `features`: the per-frame signals the detectors share; `params`: the tuned numbers.
- `cuts`: hard cuts; `fades`: fades through black; `dissolves`: blends; `boundaries`: one boundary
  per transition; `refine`: exact frames after reference-only decoding; `clips`: `detect_clips`.

The public API is re-exported here: `from core.detection import detect_clips` keeps working. Tuned
numbers and helpers are read and patched in their own module, where they are looked up
(`core.detection.reader.SPLIT_MIN_MS`, `core.detection.reader.gray_frames`).
"""

from __future__ import annotations

from core.detection.clips import FAST_DECODE_PIXELS, Detection, detect_clips
from core.detection.decoding import (
    ANALYSIS_WIDTH,
    MAX_ANALYSIS_FPS,
    gray_frames,
    sampled_frames,
    thumbnail_size,
)
from core.detection.packets import frame_times
from core.detection.reader import read_frames

__all__ = [
    "ANALYSIS_WIDTH",
    "FAST_DECODE_PIXELS",
    "MAX_ANALYSIS_FPS",
    "Detection",
    "detect_clips",
    "frame_times",
    "gray_frames",
    "read_frames",
    "sampled_frames",
    "thumbnail_size",
]
