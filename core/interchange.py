"""Hand the timeline to other editors: an OpenTimelineIO timeline of a project (`export --otio`, the editor's
"Export timeline…").

At the video's frame rate: a video track with one clip per project clip (source range = the clip's frames in
the source video, an external reference to the video, a marker carrying the storyline labels and the line), an
audio track with one clip per spoken line (the fitted WAV written to OUT_media/, referenced relatively, at the
position the export speaks it). `.otio` is OTIO's own JSON; `.xml` (FCP 7 XML: Premiere, Resolve) and `.edl`
(CMX 3600, the video track) go through OTIO's adapters when the `interchange` extra is installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from core.errors import ExportError, InputError, display_path
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.project import Project
from core.timebase import nearest_frame
from core.user_files import give_replacement_mode

# file suffix -> (OTIO adapter, the pip package that provides it)
FORMATS = {
    ".otio": ("otio_json", "opentimelineio"),
    ".xml": ("fcp_xml", "otio-fcp-adapter"),
    ".edl": ("cmx_3600", "otio-cmx3600-adapter"),
}
LINE_PREFIX = "line-"


@dataclass(frozen=True)
class TimelineResult:
    output: Path
    media_dir: Path
    clips: int
    lines: int
    adapter: str


def media_dir_for(out: Path) -> Path:
    """OUT.otio -> OUT_media/ beside it (the spoken lines' WAVs)."""
    return out.with_name(f"{out.stem}_media")


def available_formats() -> dict[str, str]:
    """The suffixes this installation can write, with their adapter names."""
    import opentimelineio as otio

    installed = set(otio.adapters.available_adapter_names())
    return {suffix: adapter for suffix, (adapter, _) in FORMATS.items() if adapter in installed}


def check_timeline_target(out: Path) -> str:
    """The adapter for `out`, or an InputError now (unknown format, adapter missing, no such folder), so a
    command refuses a bad target before any work. Returns the OTIO adapter name."""
    adapter = _adapter_for(out)
    try:
        str(out.resolve()).encode("utf-8")
    except UnicodeEncodeError:  # OTIO keeps names and media URLs as UTF-8 text
        raise InputError(
            f"{display_path(out)}: a timeline's name must be valid UTF-8 text (it names its media folder "
            "inside the file); choose another name"
        ) from None
    if not out.parent.is_dir():
        raise InputError(f"{display_path(out.parent)}: output folder does not exist")
    media_dir = media_dir_for(out)
    if media_dir.exists() and not media_dir.is_dir():
        raise InputError(
            f"{display_path(media_dir)}: exists and is not a folder (the timeline's media go there)"
        )
    return adapter


def check_beside_timeline(out: Path, others: Sequence[Path | str | None]) -> None:
    """Refuse (InputError) another output of the same command that is the timeline's media folder or lies
    inside it (`--out M_media --otio M.otio`), before anything is written."""
    from core.output_guard import same_or_inside

    media_dir = media_dir_for(out)
    for other in others:
        if other is not None and str(other) != "" and same_or_inside(Path(other), media_dir):
            raise InputError(
                f"{display_path(other)}: is where the timeline {display_path(out.name)} keeps its media "
                f"({display_path(media_dir.name)}/); choose another file name"
            )


def _adapter_for(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{out}: unknown timeline format (use .otio, or .xml / .edl with the adapters)")
    adapter, package = FORMATS[suffix]
    if suffix not in available_formats():
        raise InputError(f"{out}: writing {suffix} needs the OpenTimelineIO adapter package {package}")
    return adapter


def build_timeline(
    project: Project,
    lines: list[tuple[int, Path, int, int]],
    media_dir: Path,
    *,
    audio_in_frames: bool = False,
) -> Any:
    """The OTIO timeline. `lines`: (clip index, WAV written to media_dir, start ms, duration ms) per line.

    The audio track is timed in samples of each WAV (exact); `audio_in_frames` rounds it to video frames
    instead, for formats that count everything in frames (FCP XML, EDL)."""
    import opentimelineio as otio

    if project.media is None or not project.video:
        raise InputError("the project has no video to build a timeline on")
    fps = project.media.fps
    rate = float(fps)
    video_url = otio.url_utils.url_from_filepath(str(Path(project.video).resolve()))
    total_frames = nearest_frame(project.media.duration_ms, fps)

    def frames(n: int) -> Any:
        return otio.opentime.RationalTime(n, rate)

    timeline = otio.schema.Timeline(name=Path(project.video).stem, global_start_time=frames(0))
    timeline.metadata["syncnarrator"] = {
        "product": project.product.to_json(),
        "fps": f"{fps.numerator}/{fps.denominator}",
    }
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    for i, clip in enumerate(project.clips):
        first, last = nearest_frame(clip.start_ms, fps), nearest_frame(clip.end_ms, fps)
        if last <= first:
            continue  # shorter than a frame: nothing to cut
        reference = otio.schema.ExternalReference(
            target_url=video_url, available_range=otio.opentime.TimeRange(frames(0), frames(total_frames))
        )
        source = otio.opentime.TimeRange(frames(first), frames(last - first))
        item = otio.schema.Clip(name=f"Clip {i + 1}", media_reference=reference, source_range=source)
        labels = " / ".join(clip.labels)
        item.markers.append(
            otio.schema.Marker(
                name=labels or f"Clip {i + 1}",
                marked_range=source,
                color=otio.schema.MarkerColor.GREEN,
                metadata={"syncnarrator": {"labels": list(clip.labels), "narration": clip.narration}},
                comment=clip.narration,
            )
        )
        item.metadata["syncnarrator"] = {"clip": i, "start_ms": clip.start_ms, "end_ms": clip.end_ms}
        video.append(item)
    timeline.tracks.append(video)

    audio = otio.schema.Track(name="Narration", kind=otio.schema.TrackKind.Audio)
    cursor = Fraction(0)  # seconds: where the track ends so far
    for index, wav_path, start_ms, duration_ms in lines:
        with wave.open(str(wav_path), "rb") as w:
            wav_rate, wav_frames = Fraction(w.getframerate()), w.getnframes()
        if audio_in_frames:  # the WAV's length in whole frames, its start on a frame
            wav_frames = int(wav_frames / wav_rate * fps)
            wav_rate = fps
        start = Fraction(round(start_ms * wav_rate / 1000), 1) / wav_rate  # on a sample (or frame)
        length = min(wav_frames, int(duration_ms * wav_rate / 1000))
        if start > cursor:
            gap = otio.opentime.RationalTime(float((start - cursor) * wav_rate), float(wav_rate))
            audio.append(otio.schema.Gap(duration=gap))
            cursor = start
        reference = otio.schema.ExternalReference(
            target_url=f"{media_dir.name}/{wav_path.name}",
            available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, float(wav_rate)),
                otio.opentime.RationalTime(wav_frames, float(wav_rate)),
            ),
        )
        item = otio.schema.Clip(
            name=f"Line {index + 1}",
            media_reference=reference,
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, float(wav_rate)),
                otio.opentime.RationalTime(length, float(wav_rate)),
            ),
        )
        item.metadata["syncnarrator"] = {"clip": index, "text": project.clips[index].narration}
        audio.append(item)
        cursor += Fraction(length, 1) / wav_rate
    timeline.tracks.append(audio)
    return timeline


def export_timeline(
    project: Project,
    out: Path | str,
    *,
    inputs: Sequence[Path] = (),
    speaker: Any = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> TimelineResult:
    """Write the timeline to `out` (format from its suffix) and each spoken line's WAV to OUT_media/.

    Lines are synthesized and fitted exactly as the export does (cached), so the audio track is what the
    narrated MP4 speaks. The timeline file is written last, atomically. `inputs` (the project file) must
    not be overwritten."""
    import opentimelineio as otio

    from core.export import fit_all
    from core.output_guard import check_outputs

    out = Path(out)
    adapter = check_timeline_target(out)
    if project.media is None or not project.video:
        raise InputError(f"{out}: the project has no video to build a timeline on")
    media_dir = media_dir_for(out)
    check_outputs([project.video, *inputs], [out], input_names=["the source video"])

    fits = fit_all(project, speaker, progress=lambda f, s: progress(0.8 * f, s), cancel=cancel)
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(0.8, "writing the timeline")
    lines: list[tuple[int, Path, int, int]] = []
    try:
        media_dir.mkdir(exist_ok=True)
        keep: set[str] = set()
        for i, (clip, fit) in enumerate(zip(project.clips, fits)):
            if fit is None or fit.wav is None or not fit.fits or not clip.narration.strip():
                continue  # not spoken in the export either
            target = media_dir / f"{LINE_PREFIX}{i + 1:03d}.wav"
            _copy_atomic(Path(fit.wav), target)
            keep.add(target.name)
            start_ms = clip.start_ms + fit.offset_ms
            end_ms = min(start_ms + fit.duration_ms, clip.end_ms - project.speech.tail_ms)
            lines.append((i, target, start_ms, max(0, end_ms - start_ms)))
        for stale in media_dir.glob(f"{LINE_PREFIX}*.wav"):  # lines of an earlier export of this timeline
            if stale.name not in keep:
                stale.unlink()
        timeline = build_timeline(project, lines, media_dir, audio_in_frames=adapter != "otio_json")
        if adapter == "cmx_3600":  # an EDL holds one video track; the lines stay in OUT_media/
            timeline.tracks[:] = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
        os.close(fd)
        try:
            give_replacement_mode(tmp, out)
            otio.adapters.write_to_file(timeline, tmp, adapter_name=adapter)
            os.replace(tmp, out)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except OSError as exc:
        raise ExportError(f"{out}: cannot write the timeline ({exc.strerror or exc})") from None
    except (otio.exceptions.OTIOError, ValueError) as exc:  # e.g. a rate the format cannot express
        raise ExportError(f"{out}: the {adapter} adapter cannot write this timeline ({exc})") from None
    progress(1.0, "done")
    return TimelineResult(out, media_dir, len(timeline.tracks[0]), len(lines), adapter)


def _copy_atomic(src: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        give_replacement_mode(tmp, target)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
