"""The narrated export on generated sources: speech inside its clips, duration, stereo, source untouched,
the awkward source variants, ducking, soft and burned subtitles, and the error cases."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from core.errors import Cancelled, ExportError
from core.export import ExportOptions, FitError, export_project, output_size
from core.ffmpeg_exec import ffmpeg_path
from core.jobs import CancelToken
from core.media import MediaInfo, probe
from core.project import Clip, MediaSummary, Project
from core.speech import EspeakEngine, Speaker
from tests.mediagen import SHARED_MEDIA, ffmpeg, make_video

LINES = ["这款精华液很轻薄。", "一抹就化开了。", "现在下单送小样！", "快来抢购吧！"]


pytestmark = pytest.mark.usefixtures("shared_speech_cache")


@pytest.fixture(scope="module")
def speaker(tmp_path_factory: pytest.TempPathFactory) -> Speaker:
    return Speaker(EspeakEngine())


def project_for(video: Path, bounds: list[int], lines: list[str] | None = None) -> Project:
    info = probe(video)
    lines = lines if lines is not None else LINES
    clips = tuple(
        Clip(a, b, narration=lines[i % len(lines)]) for i, (a, b) in enumerate(itertools.pairwise(bounds))
    )
    return Project(
        video=str(video),
        media=MediaSummary(info.duration_ms, info.fps, info.width, info.height, info.has_audio),
        clips=clips,
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def decode_audio(path: Path, rate: int = 16000, channels: int = 1) -> np.ndarray:
    proc = subprocess.run(
        [
            ffmpeg_path(),
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-ac",
            str(channels),
            "-ar",
            str(rate),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768
    return data.reshape(-1, channels) if channels > 1 else data


def speech_regions(samples: np.ndarray, rate: int = 16000, threshold: float = 0.02) -> list[tuple[int, int]]:
    """(start_ms, end_ms) of stretches with energy, 10 ms windows, gaps under 200 ms bridged."""
    win = rate // 100
    n = samples.size // win
    rms = np.sqrt(np.mean(samples[: n * win].reshape(n, win) ** 2, axis=1))
    loud = np.nonzero(rms > threshold)[0]
    regions: list[list[int]] = []
    for i in loud:
        if regions and i - regions[-1][1] <= 20:
            regions[-1][1] = i
        else:
            regions.append([i, i])
    return [(a * 10, (b + 1) * 10) for a, b in regions]


def assert_speech_inside_clips(regions: list[tuple[int, int]], project: Project, slack_ms: int = 30) -> None:
    for start, end in regions:
        owners = [c for c in project.clips if c.start_ms - slack_ms <= start and end <= c.end_ms + slack_ms]
        assert owners, f"speech {start}-{end} ms crosses a clip boundary"


def test_narration_track_lines_stay_in_their_clips(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=8.0, audio=None, size="160x120")
    bounds = [0, 2200, 4000, 6100, 8000]
    project = project_for(src, bounds)
    before = sha(src)
    result = export_project(
        project, tmp_path / "out.mp4", ExportOptions(narration_wav=tmp_path / "n.wav"), speaker=speaker
    )
    assert result.warnings == ()
    # the narration track alone, and the final mix (no original audio here, so the mix is the narration)
    for samples in (decode_audio(tmp_path / "n.wav"), decode_audio(tmp_path / "out.mp4")):
        regions = speech_regions(samples)
        assert regions
        assert_speech_inside_clips(regions, project)
        for clip in project.clips:  # every clip >= 1.2 s speaks (nothing was dropped)
            assert any(clip.start_ms <= s < clip.end_ms for s, _ in regions), clip
    info = probe(tmp_path / "out.mp4")
    assert abs(info.duration_ms - 8000) <= 40
    assert info.audio_channels == 2
    assert result.video_copied
    assert sha(src) == before
    # loudness normalization: integrated level near -16 LUFS
    from core.export import measure_lufs

    assert abs(measure_lufs(tmp_path / "n.wav") + 16) < 2.5
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name or p.name.startswith(".syncnarrator")]


def test_too_long_line_is_refused_or_left_silent_on_request(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=4.0, audio=None, size="160x120")
    long = "现在下单还送同款小样，赶紧点击下方链接抢购吧！限时优惠只有今天，错过再等一年！"
    project = project_for(src, [0, 2000, 4000], ["快来抢购吧！", long])
    with pytest.raises(FitError) as err:
        export_project(project, tmp_path / "out.mp4", ExportOptions(), speaker=speaker)
    assert [p.index for p in err.value.problems] == [1]
    assert re.fullmatch(
        r"clip 2 \(00:00:02\.000-00:00:04\.000\): the line needs \d+\.\d s, the clip leaves 1\.8 s",
        str(err.value),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mp4"]  # nothing written
    result = export_project(project, tmp_path / "out.mp4", ExportOptions(allow_silent=True), speaker=speaker)
    assert len(result.warnings) == 1 and result.warnings[0].startswith("clip 2 (") and result.silent == (1,)
    regions = speech_regions(decode_audio(tmp_path / "out.mp4"))
    assert regions and all(end <= 2000 for _, end in regions)
    report = json.loads(result.report_path.read_text(encoding="utf-8"))
    assert [c["status"] for c in report["clips"]] == ["fitted", "silent"]
    assert report["clips"][1]["reason"] == "too long" and report["summary"]["silent_with_line"] == 1


def test_original_audio_is_ducked_under_speech(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=6.0, size="160x120", audio="sine=frequency=3000")
    project = project_for(src, [0, 3000, 6000], ["快来抢购吧！", ""])
    result = export_project(project, tmp_path / "out.mp4", ExportOptions(duck_db=-12), speaker=speaker)
    (p,) = result.placements
    audio = decode_audio(tmp_path / "out.mp4", rate=16000)

    def tone_level(a_ms: int, b_ms: int) -> float:
        seg = audio[a_ms * 16 : b_ms * 16]
        spectrum = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))
        freqs = np.fft.rfftfreq(seg.size, 1 / 16000)
        return float(spectrum[(freqs > 2990) & (freqs < 3010)].max())

    span = p.end_ms - p.start_ms - 300  # equal windows: spectrum peaks scale with length
    during = tone_level(p.start_ms + 150, p.start_ms + 150 + span)
    after = tone_level(3500, 3500 + span)
    ratio_db = 20 * np.log10(during / after)
    assert ratio_db < -11.5  # at least the project's 12 dB (and more when the speech needs it)
    # the tone sits at least 12 dB under the speech while it speaks
    seg = audio[(p.start_ms + 150) * 16 : (p.start_ms + 150 + span) * 16]
    tone_rms = during / (np.hanning(seg.size).sum() / 2) / np.sqrt(2)
    speech_rms = np.sqrt(max(np.mean(seg**2) - tone_rms**2, 1e-12))
    assert 20 * np.log10(speech_rms / tone_rms) >= 11.5


def test_5_1_source_is_downmixed_to_stereo(tmp_path: Path, speaker: Speaker) -> None:
    src = SHARED_MEDIA / "bigbuckbunny.mp4"
    if not src.exists():
        pytest.skip("shared media missing")
    before = sha(src)
    project = project_for(src, [0, 2500, probe(src).duration_ms])
    export_project(project, tmp_path / "bbb.mp4", ExportOptions(), speaker=speaker)
    info = probe(tmp_path / "bbb.mp4")
    assert info.audio_channels == 2 and info.has_audio
    assert abs(info.duration_ms - probe(src).duration_ms) <= 40
    assert sha(src) == before
    stereo = decode_audio(tmp_path / "bbb.mp4", channels=2)
    assert np.abs(stereo).max() > 0.05


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("odd.mp4", {"size": "161x121", "pix_fmt": "yuv444p"}),
        ("yuv444.mp4", {"pix_fmt": "yuv444p"}),
    ],
)
def test_reencoded_sources_become_yuv420p_even(
    tmp_path: Path, speaker: Speaker, name: str, kwargs: dict
) -> None:
    src = make_video(tmp_path / name, duration=2.0, audio=None, **kwargs)
    project = project_for(src, [0, 2000])
    result = export_project(project, tmp_path / "out.mp4", ExportOptions(), speaker=speaker)
    info = probe(tmp_path / "out.mp4")
    assert not result.video_copied
    assert info.pix_fmt == "yuv420p" and info.video_codec == "h264"
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert abs(info.duration_ms - 2000) <= 40


def test_rotated_phone_video_keeps_rotation(tmp_path: Path, speaker: Speaker) -> None:
    plain = make_video(tmp_path / "plain.mp4", duration=2.0, size="160x120")
    src = tmp_path / "rotated.mp4"
    ffmpeg(["-display_rotation", "90", "-i", str(plain), "-c", "copy", str(src)])
    assert probe(src).rotation in (90, 270)
    project = project_for(src, [0, 2000])
    export_project(project, tmp_path / "copy.mp4", ExportOptions(), speaker=speaker)
    copied = probe(tmp_path / "copy.mp4")
    assert copied.rotation == probe(src).rotation
    export_project(project, tmp_path / "burn.mp4", ExportOptions(burn_subtitles=True), speaker=speaker)
    burned = probe(tmp_path / "burn.mp4")  # re-encoded upright: display size, no rotation flag
    assert (burned.display_width, burned.display_height) == (120, 160)


def test_variable_frame_rate_source(tmp_path: Path, speaker: Speaker) -> None:
    src = tmp_path / "vfr.mp4"
    ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=30:duration=3",
            "-vf",
            "select='lt(mod(n\\,10)\\,4)'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(src),
        ]
    )
    duration = probe(src).duration_ms
    project = project_for(src, [0, 1500, duration])
    for opts in (ExportOptions(allow_silent=True), ExportOptions(burn_subtitles=True, allow_silent=True)):
        out = tmp_path / f"out{int(opts.burn_subtitles)}.mp4"
        export_project(project, out, opts, speaker=speaker)
        assert abs(probe(out).duration_ms - duration) <= 40


def test_clip_shorter_than_half_a_second(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=3.0, audio=None, size="160x120")
    project = project_for(src, [0, 400, 3000], ["快来抢购吧！", "现在下单送小样！"])
    result = export_project(project, tmp_path / "out.mp4", ExportOptions(allow_silent=True), speaker=speaker)
    assert any("clip 1" in w for w in result.warnings)
    regions = speech_regions(decode_audio(tmp_path / "out.mp4"))
    assert regions and all(start >= 400 for start, _ in regions)


def test_soft_subtitles_in_mp4_and_srt_file(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=4.0, audio=None, size="160x120")
    project = project_for(src, [0, 2000, 4000])
    result = export_project(
        project, tmp_path / "out.mp4", ExportOptions(srt=tmp_path / "o.srt"), speaker=speaker
    )
    srt = (tmp_path / "o.srt").read_text(encoding="utf-8")
    assert LINES[0].rstrip("。") in srt and LINES[1].rstrip("。") in srt and "。" not in srt
    proc = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(tmp_path / "out.mp4"), "-map", "0:s:0", "-f", "srt", "-"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    embedded = proc.stdout.decode("utf-8")
    assert LINES[0].rstrip("。") in embedded and LINES[1].rstrip("。") in embedded
    assert result.cues[0].start_ms == result.placements[0].start_ms


def test_burned_subtitles_in_awkward_folder(tmp_path: Path, speaker: Speaker) -> None:
    folder = tmp_path / "my ad's 视频: v1, [final]"
    folder.mkdir()
    src = make_video(folder / "源 video's: 1.mp4", duration=2.0, audio=None, size="160x120", source="color")
    project = project_for(src, [0, 2000], ["快来抢购吧！"])
    out = folder / "成片 'burn': 1.mp4"
    result = export_project(project, out, ExportOptions(burn_subtitles=True), speaker=speaker)
    assert not result.video_copied
    cue = result.cues[0]

    def frame(path: Path, ms: int) -> np.ndarray:
        proc = subprocess.run(
            [
                ffmpeg_path(),
                "-v",
                "error",
                "-ss",
                f"{ms / 1000:.3f}",
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
        return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(120, 160).astype(int)

    mid = (cue.start_ms + cue.end_ms) // 2
    burned, original = frame(out, mid), frame(src, mid)
    assert np.abs(burned[80:] - original[80:]).max() > 100  # white text on blue in the bottom third
    assert np.abs(burned[:40] - original[:40]).max() < 40


def test_missing_font_for_burn_in(tmp_path: Path, speaker: Speaker, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "nofonts").mkdir()
    monkeypatch.setenv("SYNCNARRATOR_FONT_DIRS", str(tmp_path / "nofonts"))
    src = make_video(tmp_path / "src.mp4", duration=1.0, audio=None, size="160x120")
    with pytest.raises(ExportError, match="no Chinese font"):
        export_project(project_for(src, [0, 1000]), tmp_path / "o.mp4", ExportOptions(burn_subtitles=True))
    assert not (tmp_path / "o.mp4").exists()


def test_output_equal_to_input_is_refused(tmp_path: Path) -> None:
    src = make_video(tmp_path / "src.mp4", duration=1.0, audio=None, size="160x120")
    before = sha(src)
    for target in (src, tmp_path / "." / "src.mp4"):
        with pytest.raises(ExportError, match="source video itself"):
            export_project(project_for(src, [0, 1000]), target, ExportOptions())
    assert sha(src) == before


def test_unwritable_output_folder(tmp_path: Path) -> None:
    src = make_video(tmp_path / "src.mp4", duration=1.0, audio=None, size="160x120")
    if os.geteuid() == 0:  # root writes anywhere chmod allows; sysfs refuses even root
        target = Path("/sys/out.mp4")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out.mp4"
    with pytest.raises(ExportError, match="cannot write to the output folder"):
        export_project(project_for(src, [0, 1000]), target, ExportOptions())
    with pytest.raises(ExportError, match="does not exist"):
        export_project(project_for(src, [0, 1000]), tmp_path / "nope" / "o.mp4", ExportOptions())


def test_cancel_removes_partial_files(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=3.0, audio=None, size="160x120")
    token = CancelToken()

    def progress(fraction: float, stage: str) -> None:
        if stage == "encoding":
            token.cancel()

    with pytest.raises(Cancelled):
        export_project(
            project_for(src, [0, 3000]),
            tmp_path / "out.mp4",
            ExportOptions(burn_subtitles=True, srt=tmp_path / "o.srt"),
            speaker=speaker,
            progress=progress,
            cancel=token,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mp4"]


def test_ffmpeg_failure_surfaces_its_message(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=1.0, audio=None, size="160x120")
    with pytest.raises(ExportError, match=r"ffmpeg failed: .+"):
        export_project(
            project_for(src, [0, 1000], ["好用！"]),
            tmp_path / "out.mp4",
            ExportOptions(preset="720p", x264_preset="no-such-preset"),
            speaker=speaker,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mp4"]


def _displayed_frame(path: Path, ms: int, size: tuple[int, int]) -> np.ndarray:
    """One gray frame as a player shows it: non-square pixels stretched to square (SAR)."""
    proc = subprocess.run(
        [
            *(ffmpeg_path(), "-v", "error", "-ss", f"{ms / 1000:.3f}", "-i", str(path), "-frames:v", "1"),
            *("-vf", "scale=trunc(iw*sar/2)*2:ih,setsar=1", "-f", "rawvideo", "-pix_fmt", "gray", "-"),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    w, h = size
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(h, w).astype(int)


def _ink_box(frame: np.ndarray) -> tuple[int, int]:
    """(width, height) of the white subtitle ink in the bottom half of a frame."""
    rows, cols = np.nonzero(frame[frame.shape[0] // 2 :] > 200)
    assert rows.size > 50, "no subtitle found"
    return int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)


def test_non_square_pixels_keep_their_aspect_and_letters_are_not_stretched(
    tmp_path: Path, speaker: Speaker
) -> None:
    """A 220x180 picture at SAR 16:11 shows as 320x180: burned-in subtitles must look exactly as on
    a square-pixel 320x180 picture (the export scales to square pixels first), and a copied stream
    keeps its pixel aspect."""
    line = ["快来抢购吧！"]
    pal = make_video(tmp_path / "pal.mp4", duration=2.0, audio=None, size="220x180", source="color",
                     extra=["-vf", "setsar=16/11"])  # fmt: skip
    square = make_video(tmp_path / "square.mp4", duration=2.0, audio=None, size="320x180", source="color")
    info = probe(pal)
    assert (info.display_width, info.display_height) == (320, 180)
    boxes = []
    for src in (pal, square):
        info = probe(src)
        project = Project(
            video=str(src),
            media=MediaSummary(info.duration_ms, info.fps, info.display_width, info.display_height, False),
            clips=(Clip(0, info.duration_ms, narration=line[0]),),
        )
        out = tmp_path / f"burn-{src.name}"
        result = export_project(project, out, ExportOptions(burn_subtitles=True), speaker=speaker)
        burned = probe(out)
        assert (burned.width, burned.height, burned.sar) == (320, 180, 1)  # square pixels, display size
        cue = result.cues[0]
        boxes.append(_ink_box(_displayed_frame(out, (cue.start_ms + cue.end_ms) // 2, (320, 180))))
    (w_pal, h_pal), (w_sq, h_sq) = boxes
    assert abs(w_pal - w_sq) <= 3 and abs(h_pal - h_sq) <= 2, boxes  # stretched would be 45% wider
    copied = tmp_path / "copied.mp4"
    project = Project(
        video=str(pal),
        media=MediaSummary(2000, Fraction(25), 320, 180, False),
        clips=(Clip(0, 2000, narration=line[0]),),
    )
    assert export_project(project, copied, ExportOptions(), speaker=speaker).video_copied
    kept = probe(copied)
    assert (kept.width, kept.sar, kept.display_width, kept.display_height) == (
        220,
        Fraction(16, 11),
        320,
        180,
    )


def _info(w: int, h: int, rotation: int = 0) -> MediaInfo:
    return MediaInfo(Path("x.mp4"), 1000, Fraction(25), w, h, rotation, "yuv420p", "h264", False, 0, 0)


def test_preset_sizes() -> None:
    assert output_size(_info(1920, 1080), "720p") == (1280, 720)
    assert output_size(_info(1920, 1080), "1080p") == (1920, 1080)
    assert output_size(_info(3840, 2160), "1080p") == (1920, 1080)
    assert output_size(_info(1920, 1080, rotation=90), "720p") == (720, 1280)
    assert output_size(_info(321, 241), "source") == (320, 240)
    assert output_size(_info(320, 240), "720p") == (320, 240)  # never upscaled


def test_ducking_many_lines_is_smooth_and_deep_enough() -> None:
    """Hundreds of spoken lines: the original sits >= 12 dB under each line, ramps never jump."""
    from core.export.loudness import MIX_RATE, duck_gains

    rate = MIX_RATE
    n = rate * 60
    rng = np.random.default_rng(1)
    original = rng.normal(0, 0.3, (n, 2)).astype(np.float32)  # loud
    speech = np.zeros((n, 2), dtype=np.float32)
    spans = [(i * 0.2 + 0.02, i * 0.2 + 0.1) for i in range(0, 300, 3)]
    for a, b in spans:
        speech[round(a * rate) : round(b * rate)] = rng.normal(
            0, 0.05, (round(b * rate) - round(a * rate), 2)
        )
    gains = duck_gains(original, speech, spans, -12.0)
    for a, b in spans:
        s, e = round(a * rate), round(b * rate)
        orig_db = 10 * np.log10(np.mean((original[s:e] * gains[s:e, None]) ** 2))
        speech_db = 10 * np.log10(np.mean(speech[s:e] ** 2))
        assert speech_db - orig_db >= 12
    # smooth: no step bigger than 0.5 dB between neighbouring samples
    steps_db = np.abs(np.diff(20 * np.log10(gains)))
    assert steps_db.max() < 0.5
    # lines 0.1 s apart keep the original down in between (no pumping), and it comes back after
    assert gains[round(5.0 * rate)] < 10 ** (-11 / 20)
    assert gains[-1] == pytest.approx(1.0)


def test_fit_message_never_shows_equal_figures() -> None:
    from core.export.report import FitProblem

    p = FitProblem(2, 6200, 8040, 3100, 1590, "x")
    assert p.message() == "clip 3 (00:00:06.200-00:00:08.040): the line needs 3.1 s, the clip leaves 1.6 s"
    close = FitProblem(0, 0, 4000, 3771, 3750, "x")
    assert close.message().endswith("the line needs 3.77 s, the clip leaves 3.75 s")
