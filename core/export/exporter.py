"""The narrated export: source video + narration track (+ ducked original audio) + subtitles -> MP4.

The sound (narration track, ducked mix, loudness mastering, AAC, the loudness meter for the report) is
made on a thread from the small audio inputs while ffmpeg encodes the picture (subtitles burned in; the
filter graph built with ffmpeg-python); a last ffmpeg run joins the streams by copying them, so the
sound never holds up the encode. The video stream is copied from the source when nothing forces a
re-encode (no burn-in, preset 'source', H.264 yuv420p with even dimensions), so rotation metadata
survives and a minute of 1080p takes seconds. Output goes to a temp file beside the target and is
renamed on success; cancel or failure (of either side) stops both and removes every partial file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import ffmpeg
import numpy as np

from core import defaults, leftovers
from core.errors import Cancelled, ExportError, InputError
from core.export.burnin import CueImages, filter_path, render_cue_images, single_font_folder
from core.export.fonts import find_cjk_font
from core.export.loudness import (
    DEFAULT_TARGET_LUFS,
    LIMITER_CEILING_DBTP,
    MIX_RATE,
    Loudness,
    decode_audio,
    duck_gains,
    master,
    measure_file,
)
from core.export.report import FitError, fit_problems, report_path_for, write_report
from core.export.subtitles import Cue, make_cues, snap_to_pauses, style_for, to_ass, to_srt
from core.export.track import Placement, place_lines, speech_pauses, write_track
from core.ffmpeg_exec import ffmpeg_stream, run_ffmpeg
from core.jobs import CancelToken, ProgressCallback, no_progress, scaled
from core.media import MediaInfo, ffmpeg_input, probe
from core.output_guard import display_path, same_file
from core.project import EXPORT_PRESETS, Project
from core.speech import FitResult, Speaker, shared_speaker
from core.speech.audio import read_wav, resample
from core.user_files import give_replacement_mode

PRESET_SHORT_SIDE = {"1080p": 1080, "720p": 720}


@dataclass(frozen=True)
class ExportOptions:
    preset: str = defaults.EXPORT_PRESET
    burn_subtitles: bool = False
    soft_subtitles: bool = True
    srt: Path | None = None  # also write the subtitles here
    narration_wav: Path | None = None  # also write the narration track alone here
    duck_db: float = defaults.DUCK_DB
    loudness_lufs: float = DEFAULT_TARGET_LUFS  # integrated loudness of the export
    allow_silent: bool = False  # a line that cannot fit is left silent (else FitError before any work)
    shortened: frozenset[int] = frozenset()  # clips whose lines the narrator shortened (for the report)
    report: bool = True  # write OUT.report.json beside the output
    x264_preset: str = "veryfast"
    crf: int = 23  # x264's own default, so burn-in costs what a plain re-encode costs

    @staticmethod
    def from_project(project: Project, **overrides: object) -> ExportOptions:
        e = project.export
        base = ExportOptions(
            preset=e.preset,
            burn_subtitles=e.burn_subtitles,
            soft_subtitles=e.soft_subtitles,
            duck_db=e.duck_db,
            loudness_lufs=getattr(e, "loudness_lufs", DEFAULT_TARGET_LUFS),
        )
        return ExportOptions(**{**base.__dict__, **overrides})


@dataclass(frozen=True)
class ExportResult:
    output: Path
    duration_ms: int
    placements: tuple[Placement, ...]
    cues: tuple[Cue, ...]
    video_copied: bool
    srt: Path | None = None
    narration_wav: Path | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    report_path: Path | None = None
    loudness: Loudness | None = None
    silent: tuple[int, ...] = ()  # clips with a line that was left silent


# ---------------------------------------------------------------------------------------------
# checks


def check_output_path(out: Path, source: Path, what: str = "output") -> Path:
    """Refuse the source itself, folders, and folders we cannot write to (tested by creating a file)."""
    out = Path(out)
    if same_file(out, source):
        raise ExportError(f"{out}: {what} is the source video itself; choose another file name")
    if out.is_dir():
        raise ExportError(f"{out}: {what} is a folder; give a file name")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{folder}: output folder does not exist")
    try:
        fd, probe_file = tempfile.mkstemp(prefix=".syncnarrator-", dir=folder)
        os.close(fd)
        os.unlink(probe_file)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot write to the output folder ({exc.strerror or exc})") from None
    return out


def _temp_beside(target: Path, suffix: str) -> Path:
    fd, tmp = tempfile.mkstemp(
        prefix=leftovers.partial_prefix(target), suffix=f".partial{suffix}", dir=target.parent
    )
    os.close(fd)
    give_replacement_mode(tmp, target)
    return Path(tmp)


# ---------------------------------------------------------------------------------------------
# graph


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def output_size(info: MediaInfo, preset: str) -> tuple[int, int]:
    """Display size after the preset: short side at most 1080/720 (never upscaled), even numbers."""
    w, h = info.display_width, info.display_height
    limit = PRESET_SHORT_SIDE.get(preset)
    if limit and min(w, h) > limit:
        f = limit / min(w, h)
        return _even(round(w * f / 2) * 2), _even(round(h * f / 2) * 2)
    return _even(w), _even(h)


def can_copy_video(info: MediaInfo, options: ExportOptions) -> bool:
    return (
        not options.burn_subtitles
        and options.preset == defaults.PRESET_SOURCE
        and info.video_codec.lower() in ("h264", "avc1")
        and info.pix_fmt.lower() in ("yuv420p", "yuvj420p")
        and info.width % 2 == 0
        and info.height % 2 == 0
    )


def video_command(
    source: Path,
    info: MediaInfo,
    output: Path,
    *,
    options: ExportOptions,
    ass: Path | None,
    fonts_dir: Path | None,
    cues: CueImages | None = None,
) -> list[str]:
    """ffmpeg arguments (without the program) that re-encode the picture alone (subtitles burned in) to `output`.

    The subtitles are `cues` (drawn once each, overlaid while shown) or else the `ass` script (drawn on
    every frame). The sound is made on another thread meanwhile and joined by `mux_command` (stream copy)."""
    # ffmpeg-python hashes its nodes' arguments as UTF-8: a file name that is not UTF-8 (a Latin-1 name from a
    # zip, surrogate-escaped by Python) would break it, so the graph names stand-ins, swapped in below
    src = ffmpeg.input(_SOURCE_NAME)
    w, h = output_size(info, options.preset)
    video = src["v:0"]
    square = info.sar == 1
    if square and (w, h) == (info.display_width, info.display_height):
        pass
    elif not square or (
        options.preset in PRESET_SHORT_SIDE and min(w, h) < min(info.display_width, info.display_height) - 1
    ):
        # Non-square pixels (704x576 at 16:11) become square at the display size (1024x576)
        # before the subtitles are burned in: libass draws on square pixels, so letters on a
        # 16:11 picture would come out stretched; the aspect ratio the viewer sees is kept.
        video = video.filter("scale", w, h, flags="bicubic").filter("setsar", "1")
    else:
        video = video.filter("crop", w, h, 0, 0)
    if cues is not None:
        if info.pix_fmt != "yuv420p":  # the overlay blends in the output's format
            video = video.filter("format", "yuv420p")
        images = ffmpeg.input(
            _CUES_NAME, f="rawvideo", pix_fmt="yuva420p", s=f"{cues.width}x{cues.height}", framerate=1
        )
        timed = images.filter("settb", "1/1000").filter("setpts", cues.pts_expression())
        video = ffmpeg.overlay(
            video, timed, x=cues.x, y=cues.y, format="yuv420", enable=cues.enable_expression()
        )
    elif ass is not None:
        video = video.filter("ass", filename=_ASS_NAME, fontsdir=_FONTS_NAME if fonts_dir else None)
    if info.pix_fmt != "yuv420p" and cues is None:
        video = video.filter("format", "yuv420p")
    out_kwargs: dict[str, object] = {
        "c:v": "libx264",
        "preset": options.x264_preset,
        "crf": str(options.crf),
        "fps_mode": "vfr",
        "t": f"{info.duration_ms / 1000:.3f}",
        "f": "mp4",
        "map_metadata": "-1",
    }
    node = ffmpeg.output(video, _OUTPUT_NAME, **out_kwargs)
    names = {_SOURCE_NAME: ffmpeg_input(source), _OUTPUT_NAME: ffmpeg_input(output)}
    if cues is not None:
        names[_CUES_NAME] = ffmpeg_input(cues.path)
    in_filters = {_ASS_NAME: ass, _FONTS_NAME: fonts_dir}
    args = []
    for arg in node.compile(cmd="ffmpeg")[1:]:
        arg = names.get(arg, arg)
        for stand_in, path in in_filters.items():
            if path is not None and stand_in in arg:  # escaped as ffmpeg-python escapes a filter's option
                arg = arg.replace(stand_in, filter_path(path))
        args.append(arg)
    return ["-y", "-nostats", "-progress", "pipe:1", *args]


def audio_command(mix: Path, output: Path, duration_ms: int) -> list[str]:
    """ffmpeg arguments that encode the finished sound (raw float32 stereo at MIX_RATE, see `mix_sound`)."""
    return [
        *("-y", "-v", "error", "-f", "f32le", "-ar", str(MIX_RATE), "-ac", "2", "-i", ffmpeg_input(mix)),
        # 'fast' is twice as fast as 'twoloop'; speech over ducked audio at 192k sounds the same
        *("-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-ar", "48000", "-ac", "2"),
        *("-t", f"{duration_ms / 1000:.3f}", "-f", "mp4", "-map_metadata", "-1", ffmpeg_input(output)),
    ]


def mux_command(
    video: Path, audio: Path, output: Path, *, duration_ms: int, srt: Path | None, encoded: bool
) -> list[str]:
    """ffmpeg arguments that put the picture (the source's, or `video_command`'s when `encoded`), the encoded
    sound and the soft subtitles into the MP4, copying both streams."""
    # `video_command`'s picture is on the export's timeline already (the source's start at 0): a picture that
    # starts after the source's sound keeps that offset (-copyts), else it would move ahead of the sound
    times = ["-copyts"] if encoded else []
    args = ["-y", "-nostats", "-progress", "pipe:1", *times]
    args += ["-i", ffmpeg_input(video), "-i", ffmpeg_input(audio)]
    maps = ["-map", "0:v:0", "-map", "1:a:0"]
    if srt is not None:
        args += ["-f", "srt", "-sub_charenc", "UTF-8", "-i", ffmpeg_input(srt)]
        maps += ["-map", "2:s:0", "-c:s", "mov_text", "-metadata:s:s:0", "language=chi"]
    return [
        *args,
        *maps,
        *("-c:v", "copy", "-c:a", "copy", "-t", f"{duration_ms / 1000:.3f}", "-f", "mp4"),
        *("-movflags", "+faststart", "-map_metadata", "-1", ffmpeg_input(output)),
    ]


_SOURCE_NAME = "syncnarrator-source-video"
_OUTPUT_NAME = "syncnarrator-output-video"
_MIX_NAME = "syncnarrator-mix"
_SRT_NAME = "syncnarrator-subtitles"
_ASS_NAME = "syncnarrator-styled-subtitles"
_FONTS_NAME = "syncnarrator-fonts"
_CUES_NAME = "syncnarrator-subtitle-images"


# ---------------------------------------------------------------------------------------------
# running ffmpeg with progress and cancel


def run_with_progress(
    args: list[str],
    duration_ms: int,
    *,
    progress: ProgressCallback,
    cancel: CancelToken | None,
    timeout: float,
) -> None:
    """Run ffmpeg, report `-progress` output, kill it on cancel/Ctrl-C/timeout; errors carry its stderr tail."""
    done_us = [0]

    def read_progress(stdout: IO[bytes]) -> None:
        for raw in iter(stdout.readline, b""):
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key in ("out_time_us", "out_time_ms") and value.strip().lstrip("-").isdigit():
                done_us[0] = max(done_us[0], int(value))

    with ffmpeg_stream(args, timeout=timeout, cancel=cancel, tail_lines=60) as run:
        assert run.stdout is not None
        reader = threading.Thread(target=read_progress, args=(run.stdout,), daemon=True)
        reader.start()
        while run.wait(0.1) is None:
            progress(min(0.99, done_us[0] / 1000 / max(1, duration_ms)), "encoding")
        reader.join(timeout=2)
    tail = [line for line in run.tail if line]
    returncode = run.returncode if run.returncode is not None else -1
    if returncode != 0:
        raise ExportError("ffmpeg failed: " + failure_summary(tail, returncode))


_NOISE = ("frame=", "size=", "[libx264 @", "[aac @", "[mp4 @", "Stream mapping", "  Stream #", "Press [q]")
_ERROR_WORDS = ("rror", "No space", "denied", "Invalid", "not found", "No such", "failed", "Cannot", "Unable")


def _shorten(line: str, limit: int = 240) -> str:
    return line if len(line) <= limit else line[: limit - 20] + " ... " + line[-15:]


def failure_summary(lines: list[str], returncode: int) -> str:
    """The stderr lines that explain a failure (x264's closing statistics are not an explanation)."""
    useful = [_shorten(ln.strip()) for ln in lines if ln.strip() and not ln.startswith(_NOISE)]
    errors = [ln for ln in useful if any(w in ln for w in _ERROR_WORDS)]
    chosen = (errors or useful)[-3:]
    return " | ".join(chosen or [f"exit code {returncode}"])


def run_ffmpeg_or_fail(args: list[str], *, timeout: float, cancel: CancelToken | None) -> None:
    """Run ffmpeg to the end; a failure is an ExportError with ffmpeg's explanation."""
    proc = run_ffmpeg(args, timeout=timeout, cancel=cancel, tail_lines=60)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").splitlines()
        raise ExportError("ffmpeg failed: " + failure_summary(lines, proc.returncode))


class _LinkedCancel(CancelToken):
    """Cancelled when its parent (the user's token) is, or by itself (a sibling step failed)."""

    def __init__(self, parent: CancelToken | None) -> None:
        super().__init__()
        self._parent = parent

    @property
    def cancelled(self) -> bool:
        return super().cancelled or (self._parent is not None and self._parent.cancelled)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled("cancelled")

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.cancelled and time.monotonic() < deadline:
            super().wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return self.cancelled


class _Sound(threading.Thread):
    """The export's sound on a thread of its own: made and AAC-encoded (`make`), then measured (`measure`).

    The picture's encode keeps both cores busy from the start instead of waiting for the mix, and the
    meter runs while the streams are joined. A failure stops the picture's encode through `stop`."""

    def __init__(
        self, make: Callable[[], Path], measure: Callable[[Path], Loudness], stop: CancelToken
    ) -> None:
        super().__init__(name="export-sound", daemon=True)
        self._make, self._measure, self._stop_token = make, measure, stop
        self._encoded_event = threading.Event()
        self.encoded: Path | None = None
        self.loudness: Loudness | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.encoded = self._make()
            self._encoded_event.set()
            self.loudness = self._measure(self.encoded)
        except BaseException as exc:  # handed to the export's thread, which raises it (Ctrl-C included)
            self.error = exc
            self._stop_token.cancel()
        finally:
            self._encoded_event.set()

    def _raise(self, cancel: CancelToken) -> None:
        if self.error is not None:
            raise self.error
        cancel.raise_if_cancelled()

    def wait_encoded(self, cancel: CancelToken) -> Path:
        while not self._encoded_event.wait(0.1):
            cancel.raise_if_cancelled()
        if self.encoded is None:
            self._raise(cancel)
        assert self.encoded is not None
        return self.encoded

    def wait_loudness(self, cancel: CancelToken) -> Loudness:
        while self.is_alive():
            self.join(0.1)
            cancel.raise_if_cancelled()
        self._raise(cancel)
        assert self.loudness is not None
        return self.loudness


# ---------------------------------------------------------------------------------------------
# the export job


def fit_all(
    project: Project,
    speaker: Speaker | None = None,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[FitResult]:
    """Synthesize and fit every clip's line (cached), for export or a full preview."""
    return (speaker or shared_speaker()).fit_project(project, progress=progress, cancel=cancel)


def mix_sound(
    project: Project,
    info: MediaInfo,
    narration_track: Path,
    placements: Sequence[Placement],
    options: ExportOptions,
    out: Path,
    cancel: CancelToken | None = None,
) -> float | None:
    """The original (ducked) + the narration, at the loudness target, true peaks limited -> raw f32le.
    Returns the mix's integrated loudness (LUFS; None when silent)."""
    n = round(info.duration_ms * MIX_RATE / 1000)
    voice, rate = read_wav(narration_track)
    voice = resample(voice, rate, MIX_RATE)[:n]
    speech = np.zeros((n, 2), dtype=np.float32)
    speech[: voice.size] = voice[:, None]
    if info.has_audio and project.video:
        original = decode_audio(Path(project.video), info.duration_ms, work=out.parent, cancel=cancel)
        spans = [(p.start_ms / 1000, p.end_ms / 1000) for p in placements]
        original *= duck_gains(original, speech, spans, options.duck_db)[:, None]
        mix = original + speech
    else:
        mix = speech
    mastered, loudness = master(mix, options.loudness_lufs, LIMITER_CEILING_DBTP)
    out.write_bytes(np.ascontiguousarray(mastered, dtype="<f4").tobytes())
    return loudness


def export_project(
    project: Project,
    out: Path | str,
    options: ExportOptions | None = None,
    *,
    speaker: Speaker | None = None,
    fits: Sequence[FitResult] | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Export `project` (a frozen snapshot: later edits in the editor do not affect this run) to `out`."""
    options = options or ExportOptions.from_project(project)
    if options.preset not in EXPORT_PRESETS:
        raise InputError(f"unknown preset {options.preset!r} (choose one of: {', '.join(EXPORT_PRESETS)})")
    if not project.video:
        raise ExportError("the project has no video")
    source = Path(project.video)
    info = probe(source)
    out = check_output_path(Path(out), source)
    extra_targets = [p for p in (options.srt, options.narration_wav) if p is not None]
    for extra in extra_targets:
        check_output_path(Path(extra), source, "subtitle/narration file")
        if same_file(Path(extra), out):
            raise ExportError(f"{extra}: same file as the video output")
    font = find_cjk_font() if options.burn_subtitles else None

    warnings: list[str] = []
    if cancel is not None:
        cancel.raise_if_cancelled()
    speaker = speaker or shared_speaker()
    if fits is None:
        fits = fit_all(project, speaker, progress=scaled(progress, 0.0, 0.3), cancel=cancel)
    problems = fit_problems(project, fits)
    if problems and not options.allow_silent:
        raise FitError(problems)
    for problem in problems:
        warnings.append(f"{problem.message()}; left silent")
    progress(0.3, "mixing narration")

    finished: list[tuple[Path, Path]] = []
    staged_files: list[Path] = []
    report_target = report_path_for(out) if options.report else None
    leftovers.sweep(out.parent)  # what a killed earlier run left beside this output
    try:
        work = Path(tempfile.mkdtemp(prefix=leftovers.work_prefix(), dir=out.parent))
    except OSError as exc:
        raise ExportError(f"{display_path(out)}: cannot write the export ({exc.strerror or exc})") from None
    partial = work / "unused"
    writing = out  # the file named when a write fails
    try:
        partial = _temp_beside(out, ".mp4")
        track = work / "narration.wav"
        samples, placements = place_lines(project, fits, info.duration_ms)
        w, h = output_size(info, options.preset)
        width = style_for(w, h).line_width
        cues: list[Cue] = []
        for p in placements:
            line_cues = make_cues(p.text, p.start_ms, p.end_ms, width)
            wav = fits[p.clip_index].wav if len(line_cues) > 1 else None
            if wav is not None:  # long line: the cues change where the voice pauses
                line_cues = snap_to_pauses(line_cues, [p.start_ms + t for t in speech_pauses(wav)])
            cues.extend(line_cues)
        srt_file = ass_file = None
        ass_text = ""
        if cues:
            srt_file = work / "subtitles.srt"
            srt_file.write_text(to_srt(cues), encoding="utf-8")
        if options.burn_subtitles and cues and font is not None:
            ass_file = work / "subtitles.ass"
            ass_text = to_ass(cues, w, h, font.family)
            ass_file.write_text(ass_text, encoding="utf-8")
        if cancel is not None:
            cancel.raise_if_cancelled()
        copied = can_copy_video(info, options)
        timeout = max(600.0, info.duration_ms / 1000 * 30)
        stop = _LinkedCancel(cancel)  # stops the sound and the picture together, whichever fails

        def make_sound() -> Path:
            write_track(track, samples, placements)
            stop.raise_if_cancelled()
            mix_file = work / "mix.f32"
            mix_sound(project, info, track, placements, options, mix_file, stop)
            stop.raise_if_cancelled()
            encoded = work / "sound.m4a"
            run_ffmpeg_or_fail(
                audio_command(mix_file, encoded, info.duration_ms), timeout=timeout, cancel=stop
            )
            mix_file.unlink()
            return encoded

        def measure(encoded: Path) -> Loudness:  # the very stream the MP4 gets (copied), so its loudness
            return measure_file(encoded, stop) if info.duration_ms > 0 else Loudness(None, None)

        sound = _Sound(make_sound, measure, stop)
        sound.start()  # mixing, mastering, AAC and the loudness meter run while the picture encodes
        try:
            picture = source
            if not copied:
                picture = work / "picture.mp4"
                progress(0.4, "encoding")
                fonts = single_font_folder(font, work) if ass_file is not None and font else None
                images = None
                if ass_file is not None:  # each cue drawn once, overlaid while shown (else libass per frame)
                    images = render_cue_images(ass_text, w, h, fonts, work, cancel=stop, timeout=timeout)
                args = video_command(
                    source,
                    info,
                    picture,
                    options=options,
                    ass=ass_file if images is None else None,
                    fonts_dir=fonts,
                    cues=images,
                )
                run_with_progress(
                    args, info.duration_ms, progress=scaled(progress, 0.4, 0.95), cancel=stop, timeout=timeout
                )
            encoded = sound.wait_encoded(stop)
            progress(0.95, "encoding")
            args = mux_command(
                picture,
                encoded,
                partial,
                duration_ms=info.duration_ms,
                srt=srt_file if options.soft_subtitles else None,
                encoded=not copied,
            )
            run_with_progress(
                args, info.duration_ms, progress=scaled(progress, 0.95, 0.98), cancel=stop, timeout=timeout
            )
            loudness = sound.wait_loudness(stop)
        except BaseException:
            stop.cancel()
            sound.join()  # its ffmpeg is killed by `stop`; numpy work ends within seconds
            user_cancelled = cancel is not None and cancel.cancelled
            if sound.error is not None and not user_cancelled and not isinstance(sound.error, Cancelled):
                raise sound.error from None  # the sound failed first and stopped the picture
            raise
        # everything succeeded: move the results into place
        if options.narration_wav is not None:
            finished.append((track, Path(options.narration_wav)))
        if options.srt is not None:
            srt_target = writing = Path(options.srt)
            srt_tmp = work / "out.srt"
            srt_tmp.write_text(to_srt(cues), encoding="utf-8")
            finished.append((srt_tmp, srt_target))
        silent = tuple(p.index for p in problems)
        result = ExportResult(
            output=out,
            duration_ms=info.duration_ms,
            placements=tuple(placements),
            cues=tuple(cues),
            video_copied=copied,
            srt=Path(options.srt) if options.srt else None,
            narration_wav=Path(options.narration_wav) if options.narration_wav else None,
            warnings=tuple(warnings),
            report_path=report_target,
            loudness=loudness,
            silent=silent,
        )
        if report_target is not None:
            report_tmp = work / "report.json"
            write_report(report_tmp, project, fits, result, options, speaker)
            finished.append((report_tmp, report_target))
        for tmp, target in finished:
            writing = target
            staged = _temp_beside(target, target.suffix)
            staged_files.append(staged)
            shutil.copyfile(tmp, staged)
            os.replace(staged, target)
        writing = out
        os.replace(partial, out)
    except OSError as exc:  # disk full, permissions changed mid-way, ...: the user can act on it
        reason = "no space left on the disk" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise ExportError(f"{display_path(writing)}: cannot write the export ({reason})") from None
    finally:
        for leftover in (partial, *staged_files):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    progress(1.0, "done")
    return result
