"""`./run bench batch [--items 6] [--seconds 8] [--size 640x360] [--no-ray]`: catalogue throughput.

Renders the same generated catalogue with `main.py batch` three ways, each from a cold speech cache into a
fresh folder, and prints items per minute: local pool with 1 worker (the baseline), local pool with 2 workers,
Ray on a local 2-CPU cluster started for the run (its start-up is part of the wall time, as for a user).
Without burn-in (`--no-burn-subtitles`), as the figures in the README were measured before batch burned
subtitles in by default.
"""

from __future__ import annotations

import argparse
import json
import os
import resource  # Unix only, like the other benchmarks
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = {
    "name": "澜肌轻盈保湿精华液",
    "attributes": {
        "痛点": "换季干燥、脸部紧绷",
        "质地": "轻薄、水润、一抹即化",
        "活动优惠": "买一送一、赠同款小样",
    },
}
SHOTS = ["testsrc2", "color=c=0x2050c0", "smptebars", "color=c=0xc04020", "testsrc", "color=c=0x30a050"]


def make_catalogue(work: Path, items: int, seconds: float, size: str) -> Path:
    from tests.mediagen import make_cut_video

    (work / "media").mkdir(parents=True)
    (work / "media" / "p.json").write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    rows = []
    for i in range(items):
        shots = [(SHOTS[(i + k) % len(SHOTS)], seconds / 4) for k in range(4)]
        make_cut_video(work / "media" / f"ad{i:02d}.mp4", shots, size=size, audio=True)
        rows.append({"video": f"ad{i:02d}.mp4", "product": "p.json"})
    catalogue = work / "media" / "catalogue.jsonl"
    catalogue.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return catalogue


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(work: Path, catalogue: Path, label: str, args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `batch` run (cold cache, fresh output folder); fails loudly on a bad run.
    CPU counts the batch process, its pool workers and their ffmpeg (Ray's workers are not its children)."""
    env = {**os.environ, "SYNCNARRATOR_CACHE_DIR": str(work / f"cache-{label}")}
    out = work / f"out-{label}"
    start, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "batch", str(catalogue), "--out", str(out), "--no-burn-subtitles", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{label}: batch exited {proc.returncode}: {proc.stderr[-2000:]}")
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert all(e["status"] == "done" for e in report["items"]), report
    return wall, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./run bench batch")
    parser.add_argument("--items", type=int, default=6, help="catalogue size")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each generated ad")
    parser.add_argument("--size", default="640x360", help="frame size of the generated ads")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray run")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        catalogue = make_catalogue(work, args.items, args.seconds, args.size)
        runs = [("local-1", ["--workers", "1"]), ("local-2", ["--workers", "2"])]
        if not args.no_ray:
            try:
                import ray  # noqa: F401
            except ImportError:
                print("ray is not installed (extra 'batch'): skipping the Ray run", file=sys.stderr)
            else:
                runs.append(("ray-2", ["--engine", "ray", "--workers", "2"]))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{args.items} ads of {args.seconds:g} s {args.size}, {os.cpu_count()} CPUs, load {load:.1f}")
        walls: dict[str, float] = {}
        for label, extra in runs:
            walls[label], cpu = run_batch(work, catalogue, label, extra)
            per_minute = args.items / walls[label] * 60
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            cpu_text = f"{cpu / args.items:5.2f} CPU s/item" if not label.startswith("ray") else "CPU n/a"
            print(
                f"{label:8s} {walls[label]:7.1f} s  {per_minute:6.1f} items/min  {cpu_text}  (load {load:.1f})",
                flush=True,
            )
        base = walls["local-1"]
        print("(items/min on a shared machine depend on its load; CPU s/item do not)")
        for label in walls:
            if label != "local-1":
                print(f"{label} vs local-1: {base / walls[label]:.2f}x items per minute")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
