"""`SyncNarrator --selftest`: prove an installed build works end to end, headless.

Runs the bundled demo through the same render flow as the CLI and the editor (detect -> narrate ->
speak -> export) into a temporary folder, then checks the result from the files themselves: streams,
duration, narration audible inside clips and silent across clip boundaries, the demo unchanged, nothing
left behind. Prints `selftest ok` (exit 0) or one line per failed check (exit 1). Works unfrozen too
(`python main.py --selftest`), which is how the tests exercise it quickly.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import SyncNarratorError
from core.platform import bundle_dir, env_flag
from core.platform import resources_dir as platform_resources_dir

BOUNDARY_GUARD_MS = 40  # narration must be silent this close to a clip boundary
SILENCE_DBFS = -45.0  # narration-track level counted as silence
SPEECH_DBFS = -35.0  # a narrated placement must reach at least this RMS level


def resources_dir() -> Path:
    """`resources/` inside the PyInstaller bundle, else next to the code (core.platform)."""
    return platform_resources_dir()


@dataclass
class Report:
    """Collects check outcomes; a failed check never stops the others that do not depend on it."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verbose: bool = False

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if not ok:
            self.failures.append(f"{name}: {detail}" if detail else name)
        elif self.verbose:
            self.notes.append(f"ok: {name}" + (f" ({detail})" if detail else ""))
        return ok

    def step(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run a stage; a user-facing error or a crash becomes a failure line instead of a traceback."""
        try:
            return fn()
        except SyncNarratorError as exc:
            self.failures.append(f"{name}: {exc}")
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
            self.failures.append(f"{name}: internal error: {detail}")
            if env_flag("SYNCNARRATOR_DEBUG"):
                traceback.print_exc()
        return None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_demo() -> Path:
    """The demo video shipped in resources/demo/ (made by scripts/make_demo.py)."""
    folder = resources_dir() / "demo"
    videos = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".mp4", ".mov", ".mkv", ".webm"))
    if not videos:
        raise SyncNarratorError(f"{folder}: no demo video bundled")
    return videos[0]


def decode_audio(path: Path, rate: int = 16000, stream: str = "0:a:0") -> np.ndarray:
    """Mono float samples of an audio stream, decoded by the (bundled) ffmpeg."""
    from core.ffmpeg_exec import run_ffmpeg

    cmd = ["-loglevel", "error", "-i", str(path), "-map", stream]
    cmd += ["-ac", "1", "-ar", str(rate), "-f", "s16le", "-"]
    proc = run_ffmpeg(cmd, timeout=120, stdout_to=subprocess.PIPE)
    if proc.returncode != 0:
        raise SyncNarratorError(
            f"{path}: audio cannot be decoded ({proc.stderr.decode(errors='replace')[-200:]})"
        )
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0


def dbfs(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return float(20 * np.log10(max(rms, 1e-6)))


def stream_kinds(path: Path) -> list[str]:
    """'Video' / 'Audio' / 'Subtitle' for each stream, from ffmpeg's header dump."""
    from core.ffmpeg_exec import run_ffmpeg

    proc = run_ffmpeg(["-i", str(path)], timeout=60, tail_lines=None)
    kinds = []
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith("Stream #0:"):
            kinds.append(line.split(": ", 2)[1].split(":")[0] if ": " in line else "?")
    return kinds


# ---------------------------------------------------------------------------------------------------------
# checks of the build itself


def check_build(report: Report, work: Path) -> None:
    from core.ffmpeg_exec import ffmpeg_path

    frozen = bool(getattr(sys, "frozen", False))
    if frozen and sys.platform.startswith("linux"):
        bundle = str(bundle_dir())
        inherited = os.environ.get("LD_LIBRARY_PATH", "")
        report.check("programs started get the system libraries", bundle not in inherited, inherited)
    ffmpeg = Path(ffmpeg_path())
    if report.check("ffmpeg present", ffmpeg.is_file(), str(ffmpeg)):
        if frozen:
            bundle_path = Path(str(bundle_dir())).resolve()
            report.check("ffmpeg is the bundled one", bundle_path in ffmpeg.resolve().parents, str(ffmpeg))
        try:
            proc = subprocess.run([str(ffmpeg), "-hide_banner", "-version"], capture_output=True, timeout=30)
            report.check("ffmpeg runs", proc.returncode == 0, f"exit {proc.returncode}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            report.check("ffmpeg runs", False, str(exc))

    def labels() -> None:
        from core.labels import LABELS

        report.check("12 storyline labels", len(LABELS) == 12, f"{len(LABELS)} found")

    report.step("labels", labels)

    def font() -> None:
        from core.export import find_cjk_font

        choice = find_cjk_font()
        if frozen:
            bundle = Path(str(bundle_dir())).resolve()
            inside = bundle in choice.path.resolve().parents
            report.check("CJK font is the bundled one", inside, str(choice.path))

    report.step("CJK subtitle font", font)

    def llm() -> None:
        from core.narration.registry import create_narrator

        try:
            create_narrator("llm", model_dir=work / "no-model")
        except SyncNarratorError as exc:
            if frozen:
                report.check(
                    "LLM narrator says it is not in this build", "not available" in str(exc), str(exc)
                )
            return
        report.check("LLM narrator without a model is refused", False, "it was created")

    report.step("LLM narrator", llm)
    report.step("default voice", lambda: check_voice_offline(report, work, frozen))


def check_voice_offline(report: Report, work: Path, frozen: bool) -> None:
    """check_voice with every network connection of this process refused (and counted)."""
    import socket

    attempts: list[str] = []
    original = socket.socket.connect

    def refuse(sock: socket.socket, address: Any) -> None:
        attempts.append(str(address))
        raise OSError("network use refused by the self-test")

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    try:
        check_voice(report, work, frozen)
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
    report.check("voice works offline (no network connection tried)", not attempts, ", ".join(attempts))


def _bundled_voice_model() -> str:
    """Which Kokoro model the frozen app should run: the one with fused activations where their library
    is bundled, else the rewritten convolutions, else the shipped model (and that where the CPU's int8
    products are not exact)."""
    import onnxruntime as ort

    from core.speech.kokoro import CONVS_NAME, FUSED_NAME
    from core.speech.kokoro_convs import int8_products_exact
    from core.speech.kokoro_ops import LIBRARY_NAME

    folder = Path(str(bundle_dir())) / "kokoro"
    if not int8_products_exact(ort):
        return "shipped"
    if (folder / FUSED_NAME).is_file() and (folder / LIBRARY_NAME).is_file():
        return "int8 matmul+fused"
    return "int8 matmul" if (folder / CONVS_NAME).is_file() else "shipped"


def check_voice(report: Report, work: Path, frozen: bool) -> None:
    """The default voice is the neural one, loads from the bundle (no download), and speaks Mandarin of a
    plausible length; espeak-ng, when installed, is used through a voice whose phonemes are Mandarin."""
    from core.speech.audio import read_wav
    from core.speech.voices import DEFAULT_VOICE, default_voice_id, espeak_engine, resolve_voice

    voice = default_voice_id()
    report.check("default voice is the neural voice", voice == DEFAULT_VOICE, voice)
    engine, local, _ = resolve_voice(voice)
    if engine.name == "kokoro":
        from core.speech.kokoro import model_path, phonemes_for

        model = model_path()
        if frozen:
            bundle = Path(str(bundle_dir())).resolve()
            report.check("voice model is the bundled one", bundle in model.resolve().parents, str(model))
        phonemes = phonemes_for(VOICE_LINE)
        report.check("voice input is Mandarin phonemes", sum(phonemes.count(t) for t in "↗↓↘→") >= 10, phonemes)
    predicted = engine.predict_ms(VOICE_LINE, voice=local) if engine.name == "kokoro" else None
    wav = engine.synthesize(VOICE_LINE, work / "voice.wav", voice=local)
    samples, rate = read_wav(wav)
    seconds = samples.size / rate
    if engine.name == "kokoro":  # fitting chooses a line's speed from it before speaking (one synthesis)
        from core.speech.audio import trim_silence

        spoken_s = trim_silence(samples, rate).size / rate
        report.check(
            "voice knows a line's length before speaking it",
            predicted is not None and abs(predicted / 1000 / max(spoken_s, 0.01) - 1) < 0.05,
            f"predicted {predicted} ms, spoken {spoken_s * 1000:.0f} ms",
        )
    report.check("voice speaks", dbfs(samples) > SPEECH_DBFS, f"{dbfs(samples):.1f} dBFS")
    if engine.name == "kokoro" and frozen:
        running = str(getattr(engine, "convs", ""))
        report.check("voice runs its fastest bundled model", running == _bundled_voice_model(), running)
    report.check(
        "voice speaks at a plausible rate", 2.5 < len(VOICE_LINE) / max(seconds, 0.01) < 9, f"{seconds:.2f} s"
    )
    wav.unlink()
    espeak = espeak_engine()
    if espeak is not None:
        from core.speech.engine import phonemes_are_mandarin

        mandarin, spoken = espeak.spoken_input(VOICE_LINE)
        report.check("espeak-ng speaks Mandarin", phonemes_are_mandarin(espeak.phonemes(spoken, mandarin), 11), mandarin)


VOICE_LINE = "赶紧点击下方链接抢购吧，只要99元！"


# ---------------------------------------------------------------------------------------------------------
# the end-to-end render of the demo


def render_demo(video: Path, out: Path, narration_wav: Path) -> tuple[Any, Any]:
    """(project, export result) of the render flow on the demo; see core.pipeline."""
    from core import pipeline

    return pipeline.render_for_selftest(video, out, narration_wav=narration_wav)


def check_render(report: Report, work: Path) -> None:
    from core.media import probe

    demo = report.step("demo video", find_demo)
    if demo is None:
        return
    before = sha256(demo)
    source = report.step("probe demo", lambda: probe(demo))
    out = work / "out" / "演示 demo.mp4"
    out.parent.mkdir()
    wav = work / "out" / "narration.wav"
    started = time.monotonic()
    rendered = report.step("render demo", lambda: render_demo(demo, out, wav))
    report.notes.append(f"render took {time.monotonic() - started:.1f} s")
    report.check("demo video left unchanged", sha256(demo) == before)
    if rendered is None or source is None:
        return
    project, result = rendered
    clips = list(project.clips)
    report.check("clips detected", len(clips) >= 2, f"{len(clips)} clips")
    if clips:
        contiguous = clips[0].start_ms == 0 and all(
            a.end_ms == b.start_ms for a, b in itertools.pairwise(clips)
        )
        report.check("clips cover the video", contiguous and abs(clips[-1].end_ms - source.duration_ms) <= 50)

    def roundtrip() -> None:
        from core.project import load_project, save_project

        saved = work / "demo.narr.json"
        save_project(project, saved)
        save_project(project, saved)  # the second save keeps a backup
        report.check("project saves and loads", load_project(saved) == project)
        saved.unlink()
        saved.with_name(saved.name + ".bak").unlink()

    report.step("project file", roundtrip)
    narrated = [c for c in clips if c.narration.strip()]
    report.check(
        "narration written", len(narrated) >= max(1, len(clips) // 2), f"{len(narrated)}/{len(clips)}"
    )

    if not report.check("output written", out.is_file() and out.stat().st_size > 0, str(out)):
        return
    info = report.step("probe output", lambda: probe(out))
    if info is not None:
        tolerance = max(120, round(2000 / float(source.fps)))
        report.check(
            "output duration",
            abs(info.duration_ms - source.duration_ms) <= tolerance,
            f"{info.duration_ms} ms vs source {source.duration_ms} ms",
        )
        report.check("output has audio", info.has_audio)
        report.check(
            "output picture size",
            (info.display_width, info.display_height) == (source.display_width, source.display_height),
            f"{info.display_width}x{info.display_height}",
        )
    kinds = report.step("output streams", lambda: stream_kinds(out)) or []
    report.check(
        "one video and one audio stream", kinds.count("Video") == 1 and kinds.count("Audio") == 1, str(kinds)
    )
    report.check("subtitle stream", kinds.count("Subtitle") == 1, str(kinds))
    mixed = report.step("decode output audio", lambda: decode_audio(out))
    if mixed is not None:
        report.check("output audio is audible", dbfs(mixed) > -50, f"{dbfs(mixed):.1f} dBFS")

    placements = list(getattr(result, "placements", ()))
    report.check("narration placed", len(placements) >= 1, f"{len(placements)} lines")
    for p in placements:
        clip = clips[p.clip_index] if 0 <= p.clip_index < len(clips) else None
        inside = clip is not None and clip.start_ms <= p.start_ms < p.end_ms <= clip.end_ms
        report.check(f"line {p.clip_index + 1} inside its clip", inside, f"{p.start_ms}-{p.end_ms} ms")
    if wav.is_file():
        check_speech_audio(report, wav, clips, placements)
    else:
        report.check("narration track written", False, str(wav))
    report_file = getattr(result, "report_path", None)
    report.check("export report written", report_file is not None and Path(report_file).is_file(), str(report_file))
    leftovers = sorted(p.name for p in out.parent.iterdir() if p not in (out, wav, report_file))
    report.check("no temporary files left", not leftovers, ", ".join(leftovers))
    if placements and info is not None:
        report.step(
            "burned-in subtitles", lambda: check_burn_in(report, work, project, out, placements[0], info)
        )


def gray_frame(path: Path, ms: int, width: int, height: int) -> np.ndarray:
    """One decoded frame at `ms` as a gray height x width array."""
    from core.ffmpeg_exec import run_ffmpeg

    cmd = ["-loglevel", "error", "-ss", f"{ms / 1000:.3f}"]
    cmd += [
        "-i",
        str(path),
        "-frames:v",
        "1",
        "-vf",
        f"scale={width}:{height},format=gray",
        "-f",
        "rawvideo",
        "-",
    ]
    proc = run_ffmpeg(cmd, timeout=60, stdout_to=subprocess.PIPE)
    if proc.returncode != 0 or len(proc.stdout) < width * height:
        raise SyncNarratorError(f"{path}: no frame at {ms} ms")
    return (
        np.frombuffer(proc.stdout[: width * height], dtype=np.uint8).reshape(height, width).astype(np.float32)
    )


def check_burn_in(report: Report, work: Path, project: Any, plain: Path, first: Any, info: Any) -> None:
    """Export again with subtitles burned in (bundled CJK font, libass): text appears low in the picture."""
    from core.export import ExportOptions, export_project

    burned = work / "burned" / "字幕 burned.mp4"
    burned.parent.mkdir()
    export_project(
        project, burned, ExportOptions(burn_subtitles=True, soft_subtitles=False, x264_preset="ultrafast")
    )
    w, h = info.display_width // 2 * 2, info.display_height // 2 * 2
    at = (first.start_ms + first.end_ms) // 2
    diff = np.abs(gray_frame(burned, at, w, h) - gray_frame(plain, at, w, h))
    changed = diff > 48  # glyphs and their outline, well above re-encoding noise
    bottom, top = float(changed[int(h * 0.6) :].mean()), float(changed[: int(h * 0.4)].mean())
    report.check(
        "subtitles burned into the picture",
        bottom > 0.002 and bottom > 10 * top,
        f"{bottom:.2%} of the lower picture changed, {top:.2%} of the upper",
    )


def check_speech_audio(report: Report, wav: Path, clips: list[Any], placements: list[Any]) -> None:
    """From the narration track itself: speech where lines are placed, silence at every clip boundary."""
    rate = 16000
    samples = decode_audio(wav, rate)

    def span(a_ms: int, b_ms: int) -> np.ndarray:
        return samples[max(0, a_ms * rate // 1000) : max(0, b_ms * rate // 1000)]

    for p in placements:
        level = dbfs(span(p.start_ms, p.end_ms))
        report.check(f"line {p.clip_index + 1} is audible", level > SPEECH_DBFS, f"{level:.1f} dBFS")
    for clip in clips[1:]:
        level = dbfs(span(clip.start_ms - BOUNDARY_GUARD_MS, clip.start_ms + BOUNDARY_GUARD_MS))
        report.check(
            f"silence at the cut at {clip.start_ms} ms",
            level < SILENCE_DBFS,
            f"{level:.1f} dBFS across the cut",
        )
    spoken = np.zeros(samples.size, dtype=bool)
    for p in placements:
        spoken[p.start_ms * rate // 1000 : p.end_ms * rate // 1000] = True
    outside = samples[~spoken]
    level = dbfs(outside)
    report.check("silence outside the placed lines", level < SILENCE_DBFS, f"{level:.1f} dBFS")


# ---------------------------------------------------------------------------------------------------------


def run_selftest(verbose: bool = False, keep: Path | None = None) -> Report:
    report = Report(verbose=verbose)
    work = Path(tempfile.mkdtemp(prefix="syncnarrator-selftest-"))
    saved_cache = os.environ.get("SYNCNARRATOR_CACHE_DIR")
    os.environ["SYNCNARRATOR_CACHE_DIR"] = str(work / "cache")  # speak for real, leave the user's cache alone
    try:
        check_build(report, work)
        check_render(report, work)
        if keep is not None:
            shutil.copytree(work / "out", keep, dirs_exist_ok=True)
    finally:
        if saved_cache is None:
            os.environ.pop("SYNCNARRATOR_CACHE_DIR", None)
        else:
            os.environ["SYNCNARRATOR_CACHE_DIR"] = saved_cache
        shutil.rmtree(work, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="SyncNarrator --selftest", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the checks that passed")
    parser.add_argument("--keep", type=Path, help="copy the rendered demo into this folder")
    args = parser.parse_args(argv or [])
    report = run_selftest(verbose=args.verbose, keep=args.keep)
    for line in report.notes:
        print(line)
    if report.failures:
        for line in report.failures:
            print(f"FAILED {line}")
        print(f"selftest failed ({len(report.failures)} problems)")
        return 1
    print("selftest ok")
    return 0
