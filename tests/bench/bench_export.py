"""`./run bench export [--seconds 60] [--preset veryfast]`: the three export speed ratios in one run.

1. export without burn-in of a 1080p video (video stream copied) / the video's duration   (goal <= 0.1)
2. export with burned-in subtitles / a plain `ffmpeg -i V -c:v libx264 -preset P -c:a aac` (goal <= 1.15)
3. synthesis + fitting of every line (cold cache) / the narration's spoken duration     (goal <= 0.3),
   and the same on a warm cache                                                         (goal 0);
   with the syntheses per line (goal about 1) and CPU-seconds per second of speech.
`--speech-only` measures 3 alone, on the same clips and lines (no video is made or encoded); `--burn-only`
measures 2 alone (the lines are still fitted first, as an export needs them, but not timed).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource  # Unix only, like the CI that runs this benchmark
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SENTENCES = [
    "这款精华液质地轻薄，一抹就化开，吸收特别快。",
    "换季干燥脸部紧绷？早晚各用一次，肌肤水润有光泽。",
    "透明质酸加神经酰胺，长效补水还能修护屏障。",
    "粉色玻璃瓶配滴管设计，颜值高又方便取用。",
    "今晚下单立减五十元，买一送一还赠同款小样。",
    "七天无理由退换，还有运费险，放心买。",
    "干皮混合肌敏感肌都能用，温和不刺激。",
    "赶紧点击下方链接，把这瓶好用的精华带回家吧！",
]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./run bench export")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the 1080p test video")
    parser.add_argument("--preset", default="veryfast", help="x264 preset for burn-in and the baseline")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--repeat", type=int, default=2, help="re-encode runs each (best is kept; shared CPUs)"
    )
    parser.add_argument("--speech-only", action="store_true", help="only synthesis + fitting (no video)")
    parser.add_argument("--burn-only", action="store_true", help="only burn-in vs the plain x264 re-encode")
    args = parser.parse_args(argv)
    if args.speech_only:
        os.environ["SYNCNARRATOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-speech-")
        try:
            return speech_only(args.seconds)
        finally:
            shutil.rmtree(os.environ["SYNCNARRATOR_CACHE_DIR"], ignore_errors=True)

    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    os.environ["SYNCNARRATOR_CACHE_DIR"] = str(work / "cache")  # a cold synthesis cache
    try:
        return run(work, args.seconds, args.preset, max(1, args.repeat), burn_only=args.burn_only)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): fair on a machine shared with others."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: object) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    fn()  # type: ignore[operator]
    return time.perf_counter() - wall, cpu_seconds() - cpu


def narrated_clips(duration_ms: int) -> list[object]:
    """Clips of 3-7 s with lines sized to their budgets at 5 chars/s (the same for every run)."""
    from core.narration.budget import char_budget
    from core.project import Clip

    bounds, t, k = [0], 0, 0
    while t < duration_ms:
        t = min(duration_ms, t + 3000 + (k * 1700) % 4000)
        bounds.append(t)
        k += 1
    clips = []
    text_pool = "".join(SENTENCES) * 4
    offset = 0
    for a, b in itertools.pairwise(bounds):
        lo, hi = char_budget(b - a, 5.0)
        n = (lo + hi) // 2
        line = text_pool[offset : offset + n] if n else ""
        offset = (offset + n) % (len(text_pool) // 2)
        clips.append(Clip(a, b, narration=line))
    return clips


def fit_speech(project: object) -> dict[str, float]:
    """Cold and warm fitting of every line: wall and CPU seconds, syntheses, seconds of speech."""
    from core.speech import Speaker

    speaker = Speaker()
    speaker.calibration()  # measured once per voice, not part of the per-export cost
    load = getattr(speaker.engine_for(None), "load", None)
    if load is not None:  # a warm voice, as the editor's helper and batch workers keep it (load time apart)
        load()
    lines = sum(1 for c in project.clips if c.narration.strip())  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter(), cpu_seconds()
    fits = speaker.fit_project(project)  # type: ignore[arg-type]
    synth_s, synth_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    syntheses = speaker.syntheses
    started = time.perf_counter()
    fits_again = speaker.fit_project(project)  # type: ignore[arg-type]
    cached_s = time.perf_counter() - started
    assert [f.wav for f in fits] == [f.wav for f in fits_again] and speaker.syntheses == syntheses
    spoken_s = sum(f.duration_ms for f in fits if f.fits) / 1000
    return {
        "speaker": speaker,  # type: ignore[dict-item]
        "fits": fits,  # type: ignore[dict-item]
        "synth_s": synth_s,
        "synth_cpu": synth_cpu,
        "cached_s": cached_s,
        "spoken_s": spoken_s,
        "lines": lines,
        "syntheses": syntheses,
        "fitted": sum(1 for f in fits if f.fits and f.text),
    }


def speech_line(m: dict[str, float]) -> str:
    return (
        f"synthesis + fitting: {m['synth_s']:.2f} s for {m['spoken_s']:.1f} s of speech -> ratio "
        f"{m['synth_s'] / m['spoken_s']:.3f} (goal <= 0.3); CPU {m['synth_cpu'] / m['spoken_s']:.3f} s per s; "
        f"{m['syntheses'] / max(1, m['lines']):.2f} syntheses per line ({m['syntheses']:.0f} for {m['lines']:.0f} "
        f"lines, {m['fitted']:.0f} fitted); cache hit: {m['cached_s']:.3f} s -> ratio "
        f"{m['cached_s'] / m['spoken_s']:.4f} (goal 0)"
    )


def speech_only(seconds: float) -> int:
    from core.project import Project

    project = Project(video="bench.mp4", clips=tuple(narrated_clips(round(seconds * 1000))))  # type: ignore[arg-type]
    m = fit_speech(project)
    print(f"{len(project.clips)} clips, engine {m['speaker'].engine.name}, load average {os.getloadavg()[0]:.1f}")  # type: ignore[attr-defined]
    print(speech_line(m))
    print(f"RATIOS synth={m['synth_s'] / m['spoken_s']:.3f} synth_cpu={m['synth_cpu'] / m['spoken_s']:.3f} "
          f"syntheses_per_line={m['syntheses'] / max(1, m['lines']):.2f}")
    m["speaker"].close()  # type: ignore[attr-defined]
    return 0


def run(work: Path, seconds: float, preset: str, repeat: int, *, burn_only: bool = False) -> int:
    from core.export import ExportOptions, export_project
    from core.ffmpeg_exec import ffmpeg_path
    from core.media import probe
    from core.project import MediaSummary, Project

    video = work / "source 1080p.mp4"
    print(f"generating a {seconds:.0f} s 1920x1080 H.264 + AAC test video ...", flush=True)
    subprocess.run(
        [
            ffmpeg_path(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=330:duration={seconds}:sample_rate=48000",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
            str(video),
        ],
        check=True,
        timeout=3600,
    )
    info = probe(video)
    duration_s = info.duration_ms / 1000

    clips = narrated_clips(info.duration_ms)
    project = Project(
        video=str(video),
        media=MediaSummary(info.duration_ms, info.fps, info.width, info.height, info.has_audio),
        clips=tuple(clips),
    )

    load_before = os.getloadavg()[0]
    m = fit_speech(project)
    speaker, fits = m["speaker"], m["fits"]
    synth_s, cached_s, spoken_s = m["synth_s"], m["cached_s"], m["spoken_s"]
    fitted = m["fitted"]

    out_copy = work / "narrated copy.mp4"
    copy_results = []

    def copy_export() -> None:
        copy_results.append(
            export_project(project, out_copy, ExportOptions(allow_silent=True), speaker=speaker, fits=fits)
        )

    if not burn_only:
        copy_runs = [measure(copy_export) for _ in range(repeat)]
        copy_s, copy_cpu = min(r[0] for r in copy_runs), min(r[1] for r in copy_runs)
        copy_result = copy_results[-1]

    baseline_out = work / "baseline.mp4"
    out_burn = work / "narrated burn.mp4"

    def baseline() -> None:
        subprocess.run(
            [
                ffmpeg_path(),
                "-v",
                "error",
                "-y",
                "-i",
                str(video),
                "-c:v",
                "libx264",
                "-preset",
                preset,
                "-c:a",
                "aac",
                str(baseline_out),
            ],
            check=True,
            timeout=7200,
        )

    def burn() -> None:
        export_project(
            project,
            out_burn,
            ExportOptions(burn_subtitles=True, x264_preset=preset, allow_silent=True),
            speaker=speaker,
            fits=fits,
        )

    base_runs, burn_runs = [], []
    load_burn = os.getloadavg()[0]
    for _ in range(repeat):  # interleaved, so load from other processes hits both alike
        base_runs.append(measure(baseline))
        burn_runs.append(measure(burn))
    if burn_only:
        for (b_s, b_cpu), (x_s, x_cpu) in zip(base_runs, burn_runs, strict=True):
            print(
                f"  run: burn-in {x_s:.2f} s / {x_cpu:.1f} CPU-s, plain {b_s:.2f} s / {b_cpu:.1f} CPU-s "
                f"-> wall {x_s / b_s:.3f}, CPU {x_cpu / b_cpu:.3f}"
            )
    baseline_s, baseline_cpu = min(r[0] for r in base_runs), min(r[1] for r in base_runs)
    burn_s, burn_cpu = min(r[0] for r in burn_runs), min(r[1] for r in burn_runs)

    print(
        f"video: {duration_s:.1f} s 1920x1080, {len(clips)} clips, {fitted} lines fitted, "
        f"{spoken_s:.1f} s of speech, engine {speaker.engine.name}"
    )
    if not burn_only:
        print(
            f"export, no burn-in (video copied={copy_result.video_copied}): {copy_s:.2f} s "
            f"-> ratio {copy_s / duration_s:.3f} of the video's duration (goal <= 0.1); "
            f"CPU time {copy_cpu:.2f} s -> {copy_cpu / duration_s:.3f}"
        )
    print(
        f"export with burn-in: {burn_s:.2f} s vs plain ffmpeg libx264 -preset {preset} + aac: {baseline_s:.2f} s "
        f"-> ratio {burn_s / baseline_s:.3f} (goal <= 1.15); CPU time {burn_cpu:.1f} s vs {baseline_cpu:.1f} s "
        f"-> ratio {burn_cpu / baseline_cpu:.3f}"
    )
    if burn_only:
        print(f"load average: {load_burn:.1f} before the encodes, {os.getloadavg()[0]:.1f} at the end")
        print(f"RATIOS burn={burn_s / baseline_s:.3f} burn_cpu={burn_cpu / baseline_cpu:.3f}")
        speaker.close()
        return 0
    print(speech_line(m))
    print(f"load average: {load_before:.1f} before synthesis, {os.getloadavg()[0]:.1f} at the end")
    print(
        f"RATIOS copy={copy_s / duration_s:.3f} burn={burn_s / baseline_s:.3f} burn_cpu={burn_cpu / baseline_cpu:.3f} "
        f"synth={synth_s / spoken_s:.3f} synth_cpu={m['synth_cpu'] / spoken_s:.3f} synth_cached={cached_s / spoken_s:.4f} "
        f"syntheses_per_line={m['syntheses'] / max(1, m['lines']):.2f}"
    )
    speaker.close()
    return 0
