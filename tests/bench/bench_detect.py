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
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# ../shared/media beside the repository (a worktree in /work/wt/NAME finds the one further up)
SHARED = next(
    (d / "shared" / "media" for d in ROOT.parents if (d / "shared" / "media").is_dir()),
    ROOT.parent / "shared" / "media",
)
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
        tmp,
        shots,
        transitions,
        size="1920x1080",
        rate=str(FPS),
        preset="veryfast",
        extra=["-crf", "20"],
        timeout=3600,
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


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg, scenedetect); NaN off Unix."""
    try:
        import resource
    except ImportError:
        return float("nan")
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], list[float] | None]) -> tuple[float, float, list[float] | None]:
    """(wall seconds, CPU seconds, result): CPU time is steadier than wall time on a busy machine."""
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, _cpu_seconds() - cpu0, result


def measure_all(
    fns: dict[str, Callable[[], list[float] | None]], repeat: int
) -> dict[str, tuple[float, float, list[float] | None]]:
    """Median wall and CPU time of each over `repeat` rounds (the contenders alternate within a round,
    so a burst of load elsewhere hits all of them alike); the result of the last round."""
    rounds: dict[str, list[tuple[float, float, list[float] | None]]] = {name: [] for name in fns}
    for i in range(repeat):
        for name, fn in fns.items():
            rounds[name].append(measure(fn))
            if repeat > 1:
                wall, cpu, _ = rounds[name][-1]
                print(f"  round {i + 1}/{repeat} {name}: {wall:.2f} s wall, {cpu:.2f} s cpu", file=sys.stderr)
    return {
        name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs), rs[-1][2])
        for name, rs in rounds.items()
    }


def ffmpeg_decode(video: Path) -> None:
    """The baseline: a plain full decode, nothing else."""
    from core.ffmpeg_exec import ffmpeg_path

    cmd = [
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
    ]
    subprocess.run(cmd, check=True, timeout=1800)


def run_scenedetect(video: Path) -> list[float]:
    """PySceneDetect's CLI with its default detector; cuts parsed from its timecode list."""
    exe = Path(sys.executable).with_name("scenedetect")
    cmd = [str(exe), "-i", str(video), "detect-adaptive", "list-scenes", "-n"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"scenedetect failed: {proc.stderr[-2000:]}")
    lines = proc.stdout.splitlines()
    for i, line in enumerate(lines):
        if "Comma-separated timecode list" in line:
            codes = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return [_seconds(c) for c in codes.split(",") if c.strip()]
    if "Detected 1 scenes" in proc.stdout or "No scenes" in proc.stdout:
        return []
    raise RuntimeError(f"could not parse scenedetect output: {proc.stdout[-1000:]}")


def _seconds(timecode: str) -> float:
    h, m, s = timecode.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def run_ours(video: Path, skip_nonref: bool | None = None, chroma: bool = True) -> list[float]:
    from core.detection import detect_clips

    det = detect_clips(video, skip_nonref=skip_nonref, chroma=chroma)
    return [start / 1000 for start, _ in det.clips[1:]]


CASES_VERSION = 1
CASE_SIZE = "640x360"


def _case_edits() -> dict[str, tuple[str, list[tuple[str, float]], list[tuple[str, float]], list[str]]]:
    """Issue #25's cases: name -> (file suffix, shots, transitions, extra ffmpeg output options).

    Real footage from ../shared/media where it matters (motion, texture), lavfi otherwise."""
    bikes = str(SHARED / "bikes.mp4").replace(":", r"\:")
    bunny = str(SHARED / "bigbuckbunny.mp4").replace(":", r"\:")

    def bike(start: float, end: float, more: str = "") -> str:
        return f"movie={bikes},trim=start={start}:end={end},setpts=PTS-STARTPTS{more}"

    def bun(start: float, more: str = "") -> str:
        return f"movie={bunny},trim=start={start}:end=5.3,setpts=PTS-STARTPTS{more}"

    letters = ",".join(
        f"drawbox=x=iw*{0.2 + 0.1 * i:.2f}:y=ih*0.45:w=iw*0.06:h=ih*0.1:color=white:t=2" for i in range(6)
    )
    card = "color=c=0x101010:size={size}:rate={rate}," + letters
    cut: tuple[str, float] = ("cut", 0)
    hand = "drawbox=x='iw*0.3+t*{speed}':y=ih*0.2:w=iw*0.4:h=ih*0.8:color=0x302018:t=fill"
    exposure = "eq=brightness='min(0.35\\,max(0\\,(t-{t0})*{ramp}))':eval=frame"

    def ramp(src: str, speed: int, t0: float, rate: float) -> str:
        return f"{src},{hand.format(speed=speed)},{exposure.format(t0=t0, ramp=rate)}"

    return {
        # two 1 s dark cards with text cut into a 24 s edit, as in the issue (cut in, cut out)
        "dark title cards": (
            ".mp4",
            [
                (bun(0), 5.0),
                (card, 1.0),
                (bike(1.30, 2.95), 1.6),
                (bike(3.12, 5.40), 2.2),
                ("testsrc2=size={size}:rate={rate}", 3.0),
                (card, 1.0),
                (bun(1, ",hflip"), 4.0),
                (bike(5.56, 7.40), 1.8),
                ("mandelbrot=size={size}:rate={rate}", 4.4),
            ],
            [cut, cut, cut, cut, cut, cut, cut, cut],
            [],
        ),
        "colour only, equal luma": (
            ".mp4",
            [
                ("color=c=0xC34444:size={size}:rate={rate}", 2.0),
                ("color=c=0x3D8D3D:size={size}:rate={rate}", 2.0),
                (bun(0), 2.0),
                (bun(2.0, ",hue=h=180"), 2.0),
                (bike(3.12, 4.30), 1.2),
                (bike(4.30, 5.40, ",hue=h=120"), 1.1),  # the same shot, its colours turned
            ],
            [cut, cut, cut, cut, cut],
            [],
        ),
        "brightness ramp + motion, no cut": (
            ".mp4",
            [(ramp("gradients=size={size}:rate={rate}:speed=0.01:seed=0", 250, 1.0, 0.25), 4.0)],
            [],
            [],
        ),
        "16:11 pixels (704x576 PAL)": (
            ".mp4",
            [
                (bun(0), 3.0),
                (bike(1.30, 2.95), 1.6),
                ("testsrc2=size={size}:rate={rate}", 2.0),
                (bike(3.12, 5.40), 2.2),
                (card, 1.0),
                (bun(1, ",hflip"), 3.0),
            ],
            [cut, ("fade", 0.8), ("fadeblack", 1.0), cut, cut],
            ["post:scale=704:576,setsar=16/11"],
        ),
        "MPEG-TS (.ts)": (
            ".ts",
            [
                (bun(0), 3.0),
                (bike(1.30, 2.95), 1.6),
                ("mandelbrot=size={size}:rate={rate}", 2.0),
                (bike(3.12, 5.40), 2.2),
                (bun(1, ",vflip"), 3.0),
            ],
            [cut, cut, ("fade", 0.8), cut],
            ["-g", "25"],
        ),
    }


def case_videos(refresh: bool = False) -> dict[str, tuple[Path, list[tuple[float, str]]]]:
    """The cached case edits (generated once) and their true boundaries."""
    sys.path.insert(0, str(ROOT))
    from tests.mediagen import ffmpeg, make_edit_video

    folder = CACHE / f"cases_v{CASES_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Path, list[tuple[float, str]]]] = {}
    for i, (name, (suffix, shots, transitions, extra)) in enumerate(_case_edits().items()):
        video = folder / f"case{i}{suffix}"
        truth_file = folder / f"case{i}.json"
        if refresh or not (video.exists() and truth_file.exists()):
            print(f"generating {video} ({name}) ...", file=sys.stderr, flush=True)
            tmp = video.with_name(video.stem + ".part" + suffix)
            post = [x.removeprefix("post:") for x in extra if x.startswith("post:")]
            extra = [x for x in extra if not x.startswith("post:")]
            times = make_edit_video(
                tmp,
                shots,
                transitions,
                size=CASE_SIZE,
                rate=str(FPS),
                preset="veryfast",
                extra=extra,
                timeout=1800,
            )
            if post:  # e.g. store as 704x576 with 16:11 pixels: a second encode with that filter
                again = tmp.with_name(tmp.stem + ".post" + suffix)
                ffmpeg(
                    ["-i", str(tmp), "-vf", post[0], "-c:v", "libx264", "-preset", "veryfast", str(again)],
                    1800,
                )
                again.replace(tmp)
            kinds = ["cut" if kind == "cut" else "gradual" for kind, _ in transitions]
            tmp.replace(video)
            truth_file.write_text(json.dumps(list(zip(times, kinds, strict=True))))
        out[name] = (video, [(t, k) for t, k in json.loads(truth_file.read_text())])
    return out


def run_cases(refresh: bool = False) -> None:
    """Precision/recall per case for ours and PySceneDetect, and the size `detect --json` reports."""
    from core.detection import detect_clips

    print()
    print(f"{'case':34s} {'ours P':>7s} {'R':>5s} {'exact':>6s} {'sd P':>6s} {'R':>5s}  display size")
    for name, (video, truth) in case_videos(refresh).items():
        det = detect_clips(video)
        ours = [a / 1000 for a, _ in det.clips[1:]]
        s_ours = score(ours, truth)
        cut_ms = [round(t * 1000) for t, k in truth if k == "cut"]
        exact = sum(1 for t in cut_ms if t in [a for a, _ in det.clips[1:]])
        try:
            s_sd = score(run_scenedetect(video), truth)
            sd = f"{s_sd['precision']:6.2f} {s_sd['recall']:5.2f}"
        except RuntimeError:
            sd = f"{'failed':>12s}"
        info = det.info
        size = f"{info.display_width}x{info.display_height} (stored {info.width}x{info.height})"
        print(
            f"{name:34s} {s_ours['precision']:7.2f} {s_ours['recall']:5.2f} {exact:>2d}/{len(cut_ms):<3d} {sd}  {size}"
        )
        missed = [t for t, _ in truth if all(abs(t - c) > 0.5 for c in ours)]
        extra = [round(c, 2) for c in ours if all(abs(t - c) > 0.5 for t, _ in truth)]
        if missed or extra:
            print(f"{'':34s} missed {missed}, extra {extra}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./run bench detect", description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="regenerate the cached benchmark video")
    parser.add_argument("--video", type=Path, help="use this video (no accuracy figures unless --truth)")
    parser.add_argument("--truth", type=Path, help="JSON [[seconds, 'cut'|'gradual'], ...] for --video")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of all timings; medians are reported (default 1)"
    )
    parser.add_argument("--cases-only", action="store_true", help="only the issue #25 case edits")
    args = parser.parse_args(argv)
    if args.cases_only:
        run_cases(args.refresh)
        return 0
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
    try:
        load = os.getloadavg()[0]
        print(f"load average before: {load:.1f} on {os.cpu_count()} CPUs (wall times are noisy when busy)")
    except OSError:
        pass

    contenders: dict[str, Callable[[], list[float] | None]] = {
        "ffmpeg -i V -f null -": lambda: ffmpeg_decode(video),
        "scenedetect detect-adaptive": lambda: run_scenedetect(video),
        "ours (detect_clips)": lambda: run_ours(video),
        "ours, every frame decoded": lambda: run_ours(video, skip_nonref=False),
        "ours, gray only (no colour)": lambda: run_ours(video, chroma=False),
    }
    runs = measure_all(contenders, max(1, args.repeat))
    if args.repeat > 1:
        print(f"(medians of {args.repeat} rounds)")
    fps = float(info.fps)
    print()
    print(
        f"{'':30s} {'wall s':>7s} {'cpu s':>7s} {'precision':>9s} {'recall':>7s} {'cuts':>7s} {'gradual':>8s}"
    )
    for name, (wall, cpu, cuts) in runs.items():
        row = f"{name:30s} {wall:7.2f} {cpu:7.2f}"
        if cuts is not None and truth:
            s = score(cuts, truth, fps)
            row += (
                f" {s['precision']:9.2f} {s['recall']:7.2f} "
                f"{s['cuts_found']:>3d}/{s['cuts_true']:<3d} {s['gradual_found']:>4d}/{s['gradual_true']:<3d}"
            )
        print(row)
    wall_ff, cpu_ff, _ = runs["ffmpeg -i V -f null -"]
    wall_sd, cpu_sd, _ = runs["scenedetect detect-adaptive"]
    wall_us, cpu_us, our_cuts = runs["ours (detect_clips)"]
    wall_full, cpu_full, _ = runs["ours, every frame decoded"]
    _, cpu_gray, _ = runs["ours, gray only (no colour)"]
    print()
    print(
        f"ours vs scenedetect:           {wall_sd / wall_us:5.2f}x faster (wall), {cpu_sd / cpu_us:5.2f}x (cpu)"
    )
    print(
        f"ours vs plain ffmpeg decode:   {wall_us / wall_ff:5.2f}x its time (wall), {cpu_us / cpu_ff:5.2f}x (cpu)"
    )
    print(
        f"every frame vs scenedetect:    {wall_sd / wall_full:5.2f}x faster (wall), {cpu_sd / cpu_full:5.2f}x (cpu)"
    )
    print(
        f"scenedetect vs ffmpeg decode:  {wall_sd / wall_ff:5.2f}x its time (wall), {cpu_sd / cpu_ff:5.2f}x (cpu)"
    )
    print(f"colour's cost:                 {cpu_us / cpu_gray:5.2f}x the CPU of gray-only detection")
    if truth and our_cuts is not None:
        missed = [t for t, _ in truth if all(abs(t - c) > 0.5 for c in our_cuts)]
        extra = [c for c in our_cuts if all(abs(t - c) > 0.5 for t, _ in truth)]
        print(f"ours: missed {missed}, extra {[round(c, 2) for c in extra]}")
    if not args.video:
        run_cases(args.refresh)
    return 0
