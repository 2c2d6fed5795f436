"""The burn-in export, whose sound is made on a thread while the picture encodes and joined by stream copy:
the file still meets the loudness target and true-peak limit, has the subtitles burned in, keeps sound and
picture the same length, and a failure or cancel on either side leaves nothing beside the output."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import core.export.exporter as exporter
from core.errors import Cancelled, ExportError
from core.export import ExportOptions, export_project, measure_file
from core.export.loudness import TRUE_PEAK_MAX_DBTP
from core.ffmpeg_exec import ffmpeg_path
from core.jobs import CancelToken
from core.media import probe
from core.project import Clip, MediaSummary, Project
from core.speech import Speaker
from tests.mediagen import ffmpeg, make_video

W, H = 320, 240


pytestmark = pytest.mark.usefixtures("shared_speech_cache")


@pytest.fixture(scope="module")
def loud_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A still black picture (a re-encoded frame stays close to the source's) under full-scale pink noise."""
    folder = tmp_path_factory.mktemp("burnin-source")
    return make_video(
        folder / "src.mp4", duration=6.0, size=f"{W}x{H}", source="color",
        audio="anoisesrc=color=pink:amplitude=1.0",
    )  # fmt: skip


def project_for(video: Path, clips: list[tuple[int, int, str]]) -> Project:
    info = probe(video)
    return Project(
        video=str(video),
        media=MediaSummary(
            info.duration_ms, info.fps, info.display_width, info.display_height, info.has_audio
        ),
        clips=tuple(Clip(a, b, narration=text) for a, b, text in clips),
    )


def gray_frame(path: Path, ms: int) -> np.ndarray:
    proc = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-ss", f"{ms / 1000:.3f}", "-i", str(path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(H, W).astype(int)


def stream_spans(path: Path) -> dict[int, tuple[float, float]]:
    """Per stream index, (first pts, end of the last packet) in seconds, from the packets (no decoding)."""
    proc = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-map", "0:a:0", "-c", "copy",
         "-f", "framecrc", "-"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    bases: dict[int, Fraction] = {}
    spans: dict[int, tuple[float, float]] = {}
    for line in proc.stdout.decode().splitlines():
        if line.startswith("#tb"):
            index, base = line[3:].split(":")
            bases[int(index)] = Fraction(base.strip())
        elif line and not line.startswith("#"):
            index, _dts, pts, duration = (int(x) for x in line.split(",")[:4])
            tb = bases[index]
            start, end = float(pts * tb), float((pts + duration) * tb)
            first, last = spans.get(index, (start, end))
            spans[index] = (min(first, start), max(last, end))
    return spans


def test_burn_in_export_meets_the_loudness_target_burns_the_text_and_keeps_sound_and_picture_together(
    tmp_path: Path, speaker: Speaker, loud_source: Path
) -> None:
    project = project_for(loud_source, [(0, 3000, "这款精华液很轻薄。"), (3000, 6000, "")])
    out = tmp_path / "ad.mp4"
    stages: list[str] = []
    result = export_project(
        project, out, ExportOptions(burn_subtitles=True), speaker=speaker,
        progress=lambda fraction, stage: stages.append(stage),
    )  # fmt: skip
    assert not result.video_copied and "encoding" in stages
    # the loudness promise, measured on the file itself
    measured = measure_file(out)
    assert measured.integrated_lufs is not None and measured.true_peak_dbtp is not None
    assert abs(measured.integrated_lufs - (-14.0)) <= 1.0, measured
    assert measured.true_peak_dbtp <= TRUE_PEAK_MAX_DBTP, measured
    report = json.loads(Path(str(result.report_path)).read_text(encoding="utf-8"))
    assert report["loudness"]["integrated_lufs"] == pytest.approx(measured.integrated_lufs, abs=0.05)
    assert report["loudness"]["true_peak_dbtp"] == pytest.approx(measured.true_peak_dbtp, abs=0.05)
    # the text is in the picture while its cue shows, and gone where no line is spoken
    cue = result.cues[0]
    assert cue.end_ms <= 3000
    with_text = gray_frame(out, (cue.start_ms + cue.end_ms) // 2)
    without = gray_frame(out, 4500)
    source = gray_frame(loud_source, 4500)
    assert np.abs(with_text[H // 2 :] - source[H // 2 :]).max() > 100
    assert np.abs(without - source).max() < 30
    # sound and picture start together and last as long as the source
    spans = stream_spans(out)
    (v_start, v_end), (a_start, a_end) = spans[0], spans[1]
    assert abs(v_start) < 0.001 and abs(a_start) < 0.03, spans
    assert abs(v_end - 6.0) < 0.05 and abs(a_end - v_end) < 0.05, spans
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ad.mp4", "ad.report.json"]


def test_a_failure_making_the_sound_stops_the_burn_in_and_is_the_error_reported(
    tmp_path: Path, speaker: Speaker, loud_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ExportError("src.mp4: cannot decode its sound (damaged)")

    monkeypatch.setattr(exporter, "mix_sound", broken)
    project = project_for(loud_source, [(0, 3000, "这款精华液很轻薄。"), (3000, 6000, "快来抢购吧！")])
    with pytest.raises(ExportError, match="cannot decode its sound"):
        export_project(project, tmp_path / "ad.mp4", ExportOptions(burn_subtitles=True), speaker=speaker)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("burn", [True, False])
def test_cancel_while_the_sound_is_made_leaves_no_file(
    tmp_path: Path, speaker: Speaker, loud_source: Path, monkeypatch: pytest.MonkeyPatch, burn: bool
) -> None:
    token = CancelToken()
    real_mix = exporter.mix_sound

    def mix_then_cancel(*args: object, **kwargs: object) -> float | None:
        token.cancel()  # the user presses Cancel while the original sound is decoded and mixed
        return real_mix(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(exporter, "mix_sound", mix_then_cancel)
    project = project_for(loud_source, [(0, 3000, "这款精华液很轻薄。"), (3000, 6000, "快来抢购吧！")])
    with pytest.raises(Cancelled):
        export_project(
            project, tmp_path / "ad.mp4", ExportOptions(burn_subtitles=burn, srt=tmp_path / "ad.srt"),
            speaker=speaker, cancel=token,
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_a_picture_that_starts_after_the_sound_keeps_its_offset_when_burned(
    tmp_path: Path, speaker: Speaker
) -> None:
    """The picture is encoded apart and joined later: it must keep its place on the source's timeline."""
    src = tmp_path / "late picture.mkv"
    ffmpeg([
        "-itsoffset", "0.5", "-f", "lavfi", "-i", f"testsrc2=size={W}x{H}:rate=25:duration=3",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3.5:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(src),
    ])  # fmt: skip
    source = stream_spans(src)
    assert source[0][0] - source[1][0] > 0.4, source
    project = project_for(src, [(0, 3000, "这款精华液很轻薄。")])
    starts = {}
    for burn in (True, False):  # without burn-in the picture is copied from the source in one run
        out = tmp_path / f"ad {burn}.mp4"
        export_project(project, out, ExportOptions(burn_subtitles=burn, report=False), speaker=speaker)
        spans = stream_spans(out)
        starts[burn] = spans[0][0]
        assert spans[0][0] - spans[1][0] > 0.4, (burn, spans, source)
        assert abs(spans[1][0]) < 0.03, (burn, spans)
    assert starts[True] == pytest.approx(starts[False], abs=0.03), starts  # within a frame (AAC priming)
