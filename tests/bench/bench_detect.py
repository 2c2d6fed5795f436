"""`./run bench detect`: our clip detection vs PySceneDetect's default CLI vs a plain ffmpeg decode.

Generates (once, cached under build/bench/) a 60 s 1080p25 H.264 edit of real footage from ../shared/media
and lavfi patterns joined by hard cuts, dissolves and fades through black, with a static shot holding
a flash and a panning shot (neither is a cut). All three are timed in the same run, so the ratios hold
on whatever machine runs it. Accuracy: a found boundary matches a true one within 2 frames for cuts
and 0.5 s for gradual transitions (each true boundary matched at most once).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "media"
CACHE = ROOT / "build" / "bench"
VIDEO_VERSION = 3
FPS = 25


def _shots() -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The edit: (source chain, seconds) and the transitions between consecutive shots."""
    bikes = str(SHARED / "bikes.mp4").replace(":", r"\:")
    bunny = str(SHARED / "bigbuckbunny.mp4").replace(":", r"\:")

    def bike(start: float, end: float) -> str:  # one shot of bikes.mp4 (its own cuts are outside)
        return f"movie={bikes},trim=start={start}:end={end},setpts=PTS-STARTPTS"

    lo = "480x270"  # synthetic sources are drawn small and upscaled: generating 1080p fractals is slow
    shots = [
        (f"movie={bunny},trim=start=0:end=5.3,setpts=PTS-STARTPTS", 5.2),
        (bike(1.30, 2.95), 1.6),
        (f"testsrc2=size=1920x1080:rate={FPS}", 3.0),
        (bike(3.12, 5.40), 2.2),
        (f"mandelbrot=size={lo}:rate={FPS}", 3.0),
        (bike(5.56, 7.40), 1.8),
        (f"gradients=size={lo}:rate={FPS}:speed=0.02", 3.0),
        (bike(7.56, 9.60), 2.0),
        (
            f"smptehdbars=size={lo}:rate={FPS},drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:"
            "enable='between(n,30,31)'",
            3.0,
        ),
        (f"testsrc2=size=1440x270:rate={FPS},crop=480:270:x='min(t*260\\,960)':y=0", 3.5),
        (f"movie={bunny},trim=start=1:end=5.3,setpts=PTS-STARTPTS,hflip", 4.0),
        (f"life=size={lo}:rate={FPS}:mold=10:ratio=0.3:death_color=#203040:life_color=#f0c020", 3.0),
        (bike(0.0, 1.12), 1.1),
        (f"cellauto=size={lo}:rate={FPS}:rule=110", 3.0),
        (f"rgbtestsrc=size={lo}:rate={FPS},hue=H=t", 3.0),
        (f"zoneplate=size={lo}:rate={FPS}:kt2=2:kx2=128:ky2=128", 3.0),
        (bike(3.12, 5.40) + ",hflip", 2.2),
        (f"movie={bunny},trim=start=0:end=5.3,setpts=PTS-STARTPTS,vflip", 5.0),
        (f"testsrc2=size=1920x1080:rate={FPS},hue=s=0", 3.0),
        (bike(5.56, 7.40) + ",negate", 1.8),
        (f"mandelbrot=size={lo}:rate={FPS}:start_scale=1.5,hue=h=90", 4.0),
        (f"movie={bunny},trim=start=0.3:end=5.3,setpts=PTS-STARTPTS,hue=s=0.3", 4.6),
        (bike(1.30, 2.95) + ",hflip", 1.6),
        (f"testsrc2=size=1920x1080:rate={FPS},hue=H=2*t", 1.0),
    ]
    transitions = [
        ("cut", 0),
        ("fade", 1.0),
        ("cut", 0),
        ("fadeblack", 1.0),
        ("cut", 0),
        ("fade", 0.8),
        ("cut", 0),
        ("cut", 0),
        ("fade", 1.2),
        ("cut", 0),
        ("fadeblack", 0.8),
        ("cut", 0),
        ("fade", 0.6),
        ("cut", 0),
        ("cut", 0),
        ("fade", 1.0),
        ("cut", 0),
        ("fadeblack", 1.2),
        ("cut", 0),
        ("cut", 0),
        ("fade", 1.0),
        ("cut", 0),
        ("cut", 0),
    ]
    return shots, transitions


def bench_video(refresh: bool = False) -> tuple[Path, list[tuple[float, str]]]:
    """The cached benchmark video and its true boundaries [(seconds, 'cut' | 'gradual')]."""
    sys.path.insert(0, str(ROOT))
    from tests.mediagen import make_edit_video

    CACHE.mkdir(parents=True, exist_ok=True)
    video = CACHE / f"detect_bench_v{VIDEO_VERSION}.mp4"
    truth_file = video.with_suffix(".json")
    if video.exists() and truth_file.exists() and not refresh:
        return video, [(t, k) for t, k in json.loads(truth_file.read_text())]
    shots, transitions = _shots()
    print(f"generating {video} (once) ...", file=sys.stderr, flush=True)
    tmp = video.with_name(video.stem + ".part.mp4")
    times = make_edit_video(
        tmp, shots, transitions, size="1920x1080", rate=str(FPS), preset="veryfast", extra=["-crf", "20"]
    )
    kinds = ["cut" if kind == "cut" else "gradual" for kind, _ in transitions]
    truth = list(zip(times, kinds, strict=True))
    tmp.replace(video)
    truth_file.write_text(json.dumps(truth))
    return video, truth


def score(found: list[float], truth: list[tuple[float, str]], fps: float = FPS) -> dict[str, float]:
    """Precision/recall with greedy one-to-one matching (cuts: 2 frames, gradual: 0.5 s)."""
    used: set[int] = set()
    hits = 0
    hits_by_kind = {"cut": 0, "gradual": 0}
    for t, kind in truth:
        tol = 2.0 / fps + 1e-6 if kind == "cut" else 0.5
        best = None
        for i, f in enumerate(found):
            if i not in used and abs(f - t) <= tol and (best is None or abs(f - t) < abs(found[best] - t)):
                best = i
        if best is not None:
            used.add(best)
            hits += 1
            hits_by_kind[kind] += 1
    n_cut = sum(1 for _, k in truth if k == "cut")
    return {
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
        "found": len(found),
        "true": len(truth),
        "cuts_found": hits_by_kind["cut"],
        "cuts_true": n_cut,
        "gradual_found": hits_by_kind["gradual"],
        "gradual_true": len(truth) - n_cut,
    }


def time_ffmpeg_decode(video: Path) -> float:
    from core.ffmpeg_exec import ffmpeg_path

    t0 = time.perf_counter()
    subprocess.run(
        [
            ffmpeg_path(),
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(video),
            "-f",
            "null",
            "-",
        ],
        check=True,
        timeout=1800,
    )
    return time.perf_counter() - t0


def run_scenedetect(video: Path) -> tuple[float, list[float]]:
    """PySceneDetect's CLI with its default detector; cuts parsed from its timecode list."""
    exe = Path(sys.executable).with_name("scenedetect")
    cmd = [str(exe), "-i", str(video), "detect-adaptive", "list-scenes", "-n"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"scenedetect failed: {proc.stderr[-2000:]}")
    lines = proc.stdout.splitlines()
    for i, line in enumerate(lines):
        if "Comma-separated timecode list" in line:
            codes = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return elapsed, [_seconds(c) for c in codes.split(",") if c.strip()]
    if "Detected 1 scenes" in proc.stdout or "No scenes" in proc.stdout:
        return elapsed, []
    raise RuntimeError(f"could not parse scenedetect output: {proc.stdout[-1000:]}")


def _seconds(timecode: str) -> float:
    h, m, s = timecode.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def run_ours(video: Path, skip_nonref: bool = False) -> tuple[float, list[float]]:
    from core.detection import detect_clips

    t0 = time.perf_counter()
    det = detect_clips(video, skip_nonref=skip_nonref)
    elapsed = time.perf_counter() - t0
    return elapsed, [start / 1000 for start, _ in det.clips[1:]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./run bench detect", description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="regenerate the cached benchmark video")
    parser.add_argument("--video", type=Path, help="use this video (no accuracy figures unless --truth)")
    parser.add_argument("--truth", type=Path, help="JSON [[seconds, 'cut'|'gradual'], ...] for --video")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.video:
        video = args.video
        truth = [tuple(x) for x in json.loads(args.truth.read_text())] if args.truth else []
    else:
        video, truth = bench_video(args.refresh)
    from core.media import probe

    info = probe(video)
    print(
        f"video: {video} ({info.width}x{info.height}, {float(info.fps):g} fps, {info.duration_ms / 1000:.1f} s)"
    )
    print(
        f"true boundaries: {len(truth)} ({sum(1 for _, k in truth if k == 'cut')} cuts, "
        f"{sum(1 for _, k in truth if k != 'cut')} gradual)"
    )

    t_ffmpeg = time_ffmpeg_decode(video)
    t_sd, sd_cuts = run_scenedetect(video)
    t_ours, our_cuts = run_ours(video)
    t_draft, draft_cuts = run_ours(video, skip_nonref=True)

    fps = float(info.fps)
    results = {
        "ffmpeg decode": (t_ffmpeg, None),
        "scenedetect detect-adaptive": (t_sd, sd_cuts),
        "ours": (t_ours, our_cuts),
        "ours, skip_nonref (draft)": (t_draft, draft_cuts),
    }
    print()
    print(f"{'':30s} {'seconds':>8s} {'precision':>9s} {'recall':>7s} {'cuts':>7s} {'gradual':>8s}")
    for name, (secs, cuts) in results.items():
        if cuts is None or not truth:
            print(f"{name:30s} {secs:8.2f}")
            continue
        s = score(cuts, truth, fps)
        print(
            f"{name:30s} {secs:8.2f} {s['precision']:9.2f} {s['recall']:7.2f} "
            f"{s['cuts_found']:>3d}/{s['cuts_true']:<3d} {s['gradual_found']:>4d}/{s['gradual_true']:<3d}"
        )
    print()
    print(f"ours vs scenedetect: {t_sd / t_ours:.2f}x faster")
    print(f"ours vs ffmpeg decode: {t_ours / t_ffmpeg:.2f}x the time of a plain full decode")
    print(f"scenedetect vs ffmpeg decode: {t_sd / t_ffmpeg:.2f}x")
    print(f"ours (skip_nonref draft) vs scenedetect: {t_sd / t_draft:.2f}x faster")
    if truth:
        missed = [t for t, _ in truth if all(abs(t - c) > 0.5 for c in our_cuts)]
        extra = [c for c in our_cuts if all(abs(t - c) > 0.5 for t, _ in truth)]
        print(f"ours: missed {missed}, extra {[round(c, 2) for c in extra]}")
    return 0
