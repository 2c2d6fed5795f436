"""`detect VIDEO [--json]`: find the clips (shots) of a video.

The JSON shape is a contract other tools parse: one object on stdout, times in seconds (3 decimals),
clips contiguous from 0 to the duration. Progress goes to stderr only.
"""

from __future__ import annotations

import argparse
import json
import math

from core import defaults
from core.errors import InputError
from core.output_guard import display_path
from core.timebase import format_rate, format_timecode, seconds

MAX_MIN_CLIP_S = 86_400  # a day: longer asks for one clip anyway, and 1e308 s must not overflow the ms integer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("detect", help="split a video into clips (hard cuts, dissolves, fades)")
    p.add_argument("video")
    p.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    p.add_argument(
        "--min-clip",
        type=float,
        default=defaults.DETECT_MIN_CLIP_MS / 1000,
        help=f"minimum clip length in seconds ({defaults.DETECT_MIN_CLIP_MS / 1000:g})",
    )
    p.add_argument("--sensitivity", type=float, default=0.5, help="0 (fewest cuts) .. 1 (most cuts)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from core.cli import StderrProgress
    from core.detection import detect_clips
    from core.jobs import no_progress

    if not math.isfinite(args.min_clip) or not 0 <= args.min_clip <= MAX_MIN_CLIP_S:
        raise InputError(f"--min-clip must be between 0 and {MAX_MIN_CLIP_S} seconds, not {args.min_clip:g}")
    if not math.isfinite(args.sensitivity) or not 0 <= args.sensitivity <= 1:
        raise InputError(f"--sensitivity must be between 0 and 1, not {args.sensitivity}")
    progress = no_progress if args.quiet else StderrProgress("detect")
    det = detect_clips(
        args.video, min_clip_ms=round(args.min_clip * 1000), sensitivity=args.sensitivity, progress=progress
    )
    info = det.info
    if args.json:
        doc = {
            "duration": seconds(info.duration_ms),
            "fps": format_rate(info.fps),
            "width": info.display_width,
            "height": info.display_height,
            "clips": [{"start": seconds(a), "end": seconds(b)} for a, b in det.clips],
        }
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    rate = float(info.fps)
    print(
        f"{display_path(info.path)}: {seconds(info.duration_ms):.3f} s, {info.display_width}x{info.display_height}, "
        f"{rate:.3f}".rstrip("0").rstrip(".")
        + f" fps, {len(det.clips)} clip{'s' if len(det.clips) != 1 else ''}"
    )
    print(f"{'#':>4}  {'start':>9}  {'end':>9}  {'length':>8}")
    for i, (a, b) in enumerate(det.clips, 1):
        print(f"{i:>4}  {format_timecode(a):>9}  {format_timecode(b):>9}  {seconds(b - a):>7.3f}s")
    return 0
