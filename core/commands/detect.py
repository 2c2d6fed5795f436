"""`detect VIDEO [--json]`: find the clips (shots) of a video."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="split a video into clips (hard cuts, dissolves, fades)")
    p.add_argument("video")
    p.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    p.add_argument("--min-clip", type=float, default=0.6, help="minimum clip length in seconds (0.6)")
    p.add_argument("--sensitivity", type=float, default=0.5, help="0 (fewest cuts) .. 1 (most cuts)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError("detection is being built")  # replaced by the detection work
