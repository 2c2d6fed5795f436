"""`export PROJECT --otio OUT.otio`: the timeline read back with OpenTimelineIO, to the frame, media present."""

from __future__ import annotations

import json
import wave
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from core.interchange import available_formats
from core.media import probe
from core.project import Clip, MediaSummary, Product, Project, save_project
from core.timebase import frame_to_ms
from tests.mediagen import make_video
from tests.test_render_cli import PRODUCT, cli

FPS = Fraction(30000, 1001)
CUT_FRAMES = [0, 77, 101]  # clip starts; the last clip ends at the video's last frame
LINES = ["换季干燥别担心。", "", "轻薄水润一抹即化。"]
LABELS = [("痛点铺垫",), ("产品展示",), ("产品推荐", "促销活动")]


@pytest.fixture
def project_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Project, int]:
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    video = make_video(tmp_path / "源 video.mp4", duration=6.0, size="160x120", rate="30000/1001")
    info = probe(video)
    assert info.fps == FPS
    total = round(Fraction(info.duration_ms, 1000) * FPS)
    bounds = [frame_to_ms(f, FPS) for f in CUT_FRAMES] + [info.duration_ms]
    clips = tuple(
        Clip(bounds[i], bounds[i + 1], labels=LABELS[i], narration=LINES[i]) for i in range(len(CUT_FRAMES))
    )
    project = Project(
        video=str(video),
        media=MediaSummary(info.duration_ms, info.fps, info.width, info.height, info.has_audio),
        product=Product(PRODUCT["name"], PRODUCT["attributes"]),
        clips=clips,
    )
    path = tmp_path / "ad.narr.json"
    save_project(project, path)
    return path, project, total


def frames(t: otio.opentime.RationalTime) -> int:
    value = t.value_rescaled_to(float(FPS))
    assert value == pytest.approx(round(value), abs=1e-6), t  # on a frame, not between two
    return round(value)


def check_video_track(timeline: otio.schema.Timeline, video: Path, total: int) -> None:
    track = timeline.video_tracks()[0]
    clips = list(track.find_clips())
    assert len(clips) == len(CUT_FRAMES)
    ends = [*CUT_FRAMES[1:], total]
    for clip, first, last in zip(clips, CUT_FRAMES, ends):
        assert frames(clip.source_range.start_time) == first
        assert frames(clip.source_range.duration) == last - first
        assert frames(track.range_of_child(clip).start_time) == first  # the cut happens where it did
        assert Path(otio.url_utils.filepath_from_url(clip.media_reference.target_url)) == video.resolve()
    assert frames(track.duration()) == total


def test_otio_round_trip_to_the_frame_with_spoken_lines(project_file: tuple, tmp_path: Path) -> None:
    path, project, total = project_file
    out_dir = tmp_path / "时间线 out"
    out_dir.mkdir()
    out = out_dir / "ad.otio"
    proc = cli("export", str(path), "--otio", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str(out), str(out_dir / "ad_media")]
    timeline = otio.adapters.read_from_file(str(out))
    assert timeline.video_tracks()[0][0].source_range.start_time.rate == pytest.approx(float(FPS))
    check_video_track(timeline, Path(project.video), total)

    markers = [m for c in timeline.video_tracks()[0].find_clips() for m in c.markers]
    assert [m.metadata["syncnarrator"]["narration"] for m in markers] == LINES
    assert [tuple(m.metadata["syncnarrator"]["labels"]) for m in markers] == LABELS
    assert markers[2].name == "产品推荐 / 促销活动" and markers[0].comment == LINES[0]

    audio = timeline.audio_tracks()[0]
    spoken = list(audio.find_clips())
    assert [c.metadata["syncnarrator"]["clip"] for c in spoken] == [0, 2]  # the empty line is not spoken
    for item in spoken:
        url = item.media_reference.target_url
        assert not Path(url).is_absolute() and url.startswith("ad_media/")
        wav = out.parent / otio.url_utils.filepath_from_url(url)
        assert wav.is_file()
        with wave.open(str(wav)) as w:
            length_s = w.getnframes() / w.getframerate()
        clip = project.clips[item.metadata["syncnarrator"]["clip"]]
        placed = audio.range_of_child(item)
        start_s = placed.start_time.to_seconds()
        assert start_s == pytest.approx((clip.start_ms + project.speech.lead_ms) / 1000, abs=0.002)
        assert 0.3 < placed.duration.to_seconds() <= length_s + 1e-6
        assert start_s + placed.duration.to_seconds() <= (clip.end_ms - project.speech.tail_ms) / 1000 + 1e-3

    # a second export replaces the timeline and drops lines that are no longer spoken
    data = json.loads(path.read_text(encoding="utf-8"))
    data["clips"][2]["narration"] = ""
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = cli("export", str(path), "--otio", str(out), "--out", str(out_dir / "ad.mp4"))
    assert proc.returncode == 0, proc.stderr
    assert (out_dir / "ad.mp4").is_file()
    assert sorted(p.name for p in (out_dir / "ad_media").iterdir()) == ["line-001.wav"]
    assert len(list(otio.adapters.read_from_file(str(out)).audio_tracks()[0].find_clips())) == 1
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


def test_fcp_xml_and_edl_through_the_adapters(project_file: tuple, tmp_path: Path) -> None:
    path, project, total = project_file
    formats = available_formats()
    if ".xml" not in formats or ".edl" not in formats:
        pytest.skip("OTIO's FCP XML / CMX 3600 adapters are not installed (extra 'interchange')")
    proc = cli("export", str(path), "--otio", str(tmp_path / "ad.xml"))
    assert proc.returncode == 0, proc.stderr
    check_video_track(otio.adapters.read_from_file(str(tmp_path / "ad.xml")), Path(project.video), total)
    proc = cli("export", str(path), "--otio", str(tmp_path / "ad.edl"))
    assert proc.returncode == 0, proc.stderr
    edl = otio.adapters.read_from_file(str(tmp_path / "ad.edl"), rate=float(FPS))
    clips = list(edl.video_tracks()[0].find_clips())
    assert [frames(c.source_range.start_time) for c in clips] == CUT_FRAMES


def test_timeline_errors_exit_2(project_file: tuple, tmp_path: Path) -> None:
    path, _, _ = project_file
    for args, message in (
        (["--otio", str(tmp_path / "t.aaf")], "unknown timeline format"),
        ([], "--out OUT.mp4, --otio OUT.otio, or both"),
        (["--otio", str(tmp_path / "t.otio"), "--srt", str(tmp_path / "t.srt")], "go with --out"),
        (["--otio", str(tmp_path / "t.otio"), "--out", str(tmp_path / "t.otio")], "t.otio"),
        (["--otio", str(tmp_path / "missing" / "t.otio")], "does not exist"),
    ):
        proc = cli("export", str(path), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, lines)
