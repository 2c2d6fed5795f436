"""What a finished export looks and sounds like: burned-in subtitle size measured on a rendered frame,
soft track and burn-in together, escaped subtitle text in the SRT and the soft track, loudness and true
peak of exports of loud and quiet sources, and the report beside the output matching the audio."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from core.export import ExportOptions, export_project, measure_file
from core.export.loudness import TRUE_PEAK_MAX_DBTP, measure_samples, sample_true_peaks
from core.ffmpeg_exec import ffmpeg_path
from core.media import probe
from core.project import Clip, MediaSummary, Project
from core.speech import Speaker
from tests.mediagen import make_cut_video, make_video

pytestmark = pytest.mark.usefixtures("shared_speech_cache")


def project_for(video: Path, clips: list[tuple[int, int, str]]) -> Project:
    info = probe(video)
    return Project(
        video=str(video),
        media=MediaSummary(info.duration_ms, info.fps, info.display_width, info.display_height, info.has_audio),
        clips=tuple(Clip(a, b, narration=text) for a, b, text in clips),
    )


def frame_rgb(path: Path, ms: int, w: int, h: int) -> np.ndarray:
    proc = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-ss", f"{ms / 1000:.3f}", "-i", str(path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(h, w, 3)


def soft_track(path: Path) -> str:
    proc = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:s:0", "-f", "srt", "-"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    return proc.stdout.decode("utf-8")


def test_burned_text_is_5_to_6_percent_of_the_frame_and_the_soft_track_is_there_too(
    tmp_path: Path, speaker: Speaker
) -> None:
    w, h = 640, 360
    src = make_cut_video(tmp_path / "src.mp4", [("color=c=0x203050", 2.0)], size=f"{w}x{h}")
    project = project_for(src, [(0, 2000, "国家品质好物。")])
    out = tmp_path / "out.mp4"
    result = export_project(project, out, ExportOptions(burn_subtitles=True, soft_subtitles=True), speaker=speaker)
    (cue,) = result.cues
    assert cue.lines == ("国家品质好物",)
    img = frame_rgb(out, (cue.start_ms + cue.end_ms) // 2, w, h)
    white = img.min(axis=2) > 200  # the text's fill; the outline is dark
    rows, cols = np.where(white.any(axis=1))[0], np.where(white.any(axis=0))[0]
    assert rows.size and cols.size
    height = (rows.max() - rows.min() + 1) / h
    assert 0.05 <= height <= 0.06, height
    assert rows.min() > h * 0.7  # in the lower part of the picture
    assert abs((cols.min() + cols.max()) / 2 - w / 2) < w * 0.03  # centred
    # an outline: dark pixels right around the text on this mid-dark background
    dark = img.max(axis=2) < 30
    assert dark[rows.min() - 3 : rows.max() + 4, cols.min() - 3 : cols.max() + 4].sum() > 50
    # both: burned in and a soft track in the same file
    assert "国家品质好物" in soft_track(out)
    report = json.loads(result.report_path.read_text(encoding="utf-8"))
    assert report["subtitles"]["burned_in"] and report["subtitles"]["soft_track"]


def test_markup_and_arrows_are_plain_text_in_srt_and_soft_track(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=8.0, size="160x120", audio=None)
    nasty = "{\\fs200}{\\an8}<font color=red>大</font> --> 好"
    project = project_for(src, [(0, 8000, nasty)])
    out, srt = tmp_path / "out.mp4", tmp_path / "out.srt"
    export_project(project, out, ExportOptions(burn_subtitles=False, srt=srt), speaker=speaker)
    for text in (srt.read_text(encoding="utf-8"), soft_track(out)):
        subs = pysubs2.SSAFile.from_string(text, format_="srt")
        assert len(subs) >= 1
        body = "\n".join(e.text for e in subs)
        assert "大" in body and "好" in body
        for bad in ("{", "}", "<font", "-->", "\\fs", "\\an"):
            assert bad not in body, (bad, body)
        # the only arrow lines are the timing lines
        assert text.count("-->") == len(subs)


@pytest.mark.parametrize(
    ("audio", "target"),
    [
        ("anoisesrc=color=pink:amplitude=1.0", -14.0),  # loud: peaks at full scale
        ("anoisesrc=color=white:amplitude=0.004", -14.0),  # quiet: around -50 dBFS
        ("anoisesrc=color=pink:amplitude=1.0", -23.0),
    ],
)
def test_loudness_and_true_peak_of_loud_and_quiet_sources(
    tmp_path: Path, speaker: Speaker, audio: str, target: float
) -> None:
    src = make_video(tmp_path / "src.mp4", duration=6.0, size="160x120", audio=audio)
    before = measure_file(src)
    project = project_for(src, [(0, 3000, "这款精华液很轻薄。"), (3000, 6000, "现在下单送小样！")])
    out = tmp_path / "out.mp4"
    result = export_project(project, out, ExportOptions(loudness_lufs=target), speaker=speaker)
    after = measure_file(out)
    assert after.integrated_lufs is not None and after.true_peak_dbtp is not None
    assert abs(after.integrated_lufs - target) <= 1.0, (before, after)
    assert after.true_peak_dbtp <= TRUE_PEAK_MAX_DBTP, after
    report = json.loads(result.report_path.read_text(encoding="utf-8"))
    assert report["loudness"]["target_lufs"] == target
    assert report["loudness"]["integrated_lufs"] == pytest.approx(after.integrated_lufs, abs=0.05)
    assert report["loudness"]["true_peak_dbtp"] == pytest.approx(after.true_peak_dbtp, abs=0.05)


def test_true_peak_meter_agrees_with_ffmpeg() -> None:
    """Inter-sample peaks: a sine at fs/4 with a 45 degree phase peaks 3 dB above its samples."""
    n = 48000 * 2
    t = np.arange(n)
    x = (0.5 * np.sin(np.pi / 2 * t + np.pi / 4)).astype(np.float32)
    ours = 20 * np.log10(sample_true_peaks(x).max())
    theirs = measure_samples(x).true_peak_dbtp
    assert theirs is not None and abs(ours - theirs) < 0.6
    assert ours > 20 * np.log10(np.abs(x).max()) + 2.5


def test_report_matches_the_audio(tmp_path: Path, speaker: Speaker) -> None:
    src = make_video(tmp_path / "src.mp4", duration=6.0, size="160x120", audio=None)
    lines = ["这款精华液很轻薄。", "", "快来抢购吧！"]
    project = project_for(src, [(0, 2500, lines[0]), (2500, 3500, lines[1]), (3500, 6000, lines[2])])
    wav = tmp_path / "n.wav"
    out = tmp_path / "ad.mp4"
    result = export_project(project, out, ExportOptions(narration_wav=wav), speaker=speaker)
    assert result.report_path == tmp_path / "ad.report.json"
    report = json.loads(result.report_path.read_text(encoding="utf-8"))
    assert report["output"] == "ad.mp4"
    assert [c["status"] for c in report["clips"]] == ["fitted", "silent", "fitted"]
    assert [c["line"] for c in report["clips"]] == [x.strip() for x in lines]
    assert report["clips"][1]["reason"] == "no line"
    import wave

    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    for c in report["clips"]:
        if c["status"] != "fitted":
            continue
        a, b = c["speech_start_ms"], c["speech_start_ms"] + c["spoken_ms"]
        assert c["start_ms"] <= a and b <= c["end_ms"]
        assert c["speedup"] >= 1.0
        inside = samples[a * rate // 1000 : b * rate // 1000]
        before = samples[max(0, a - 80) * rate // 1000 : max(0, a - 20) * rate // 1000]
        after = samples[(b + 20) * rate // 1000 : (b + 80) * rate // 1000]
        assert np.abs(inside).max() > 0.05  # speech where the report says
        assert before.size == 0 or np.abs(before).max() < 0.01  # and silence just around it
        assert after.size == 0 or np.abs(after).max() < 0.01


def test_the_fast_loudness_meter_agrees_with_ffmpeg() -> None:
    """The BS.1770 meter that settles the gain agrees with ffmpeg's ebur128 on tones, noise and
    a signal with silences (gating)."""
    from core.export.loudness import integrated_loudness

    rate = 48000
    t = np.arange(rate * 6) / rate
    rng = np.random.default_rng(3)
    signals = [0.3 * np.sin(2 * np.pi * f * t) for f in (60, 440, 3000, 9000)]
    speechy = rng.normal(0, 0.2, t.size) * (np.sin(2 * np.pi * 0.5 * t) > 0)  # half silence
    pink = np.cumsum(rng.normal(0, 0.01, t.size))
    signals += [speechy, pink - np.convolve(pink, np.ones(480) / 480, mode="same")]
    for mono in signals:
        x = np.repeat(mono[:, None], 2, axis=1).astype(np.float32)
        ours, theirs = integrated_loudness(x), measure_samples(x).integrated_lufs
        assert ours is not None and theirs is not None
        assert abs(ours - theirs) < 0.3, (ours, theirs)
    assert integrated_loudness(np.zeros((rate * 2, 2), dtype=np.float32)) is None


def test_a_long_line_changes_cue_where_the_voice_pauses(tmp_path: Path, speaker: Speaker) -> None:
    from core.export.track import speech_pauses

    src = make_video(tmp_path / "src.mp4", duration=9.0, size="120x160", audio=None)  # portrait: narrow lines
    line = "这款精华液质地轻薄，一抹就化开，换季干燥的时候用它特别舒服，现在下单还送同款小样。"
    project = project_for(src, [(0, 9000, line)])
    result = export_project(project, tmp_path / "o.mp4", ExportOptions(), speaker=speaker)
    assert len(result.cues) >= 2
    (p,) = result.placements
    fit = speaker.fit_clip(project, project.clips[0])
    assert fit.wav is not None
    pauses = {p.start_ms + t for t in speech_pauses(fit.wav)}
    changes = [c.end_ms for c in result.cues[:-1]]
    assert pauses & set(changes), (pauses, changes)  # the cue changes where the voice pauses (at a comma)
    assert all(a.end_ms == b.start_ms and a.start_ms < a.end_ms for a, b in zip(result.cues, result.cues[1:]))


def test_speech_pauses_finds_the_gaps(tmp_path: Path) -> None:
    from core.export.track import speech_pauses
    from core.speech.audio import write_wav

    rate = 22050
    tone = 0.5 * np.sin(2 * np.pi * 300 * np.arange(rate // 2) / rate)
    gap = np.zeros(rate // 10)  # 100 ms
    short = np.zeros(rate // 50)  # 20 ms: a breath inside a word, not a pause
    samples = np.concatenate([tone, gap, tone, short, tone, gap, tone]).astype(np.float32)
    write_wav(tmp_path / "s.wav", samples, rate)
    found = speech_pauses(tmp_path / "s.wav")
    assert len(found) == 2 and abs(found[0] - 550) <= 10 and abs(found[1] - 1670) <= 10, found


def test_sound_too_short_for_a_meter_block_has_no_loudness_not_an_error() -> None:
    """A one-frame video's 40 ms of sound: ebur128 reports no block; the export's report says no figure
    (as for silence) instead of failing the export. A second of tone is still measured."""
    rate = 48000
    t = np.arange(rate // 25) / rate
    short = measure_samples((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)
    assert short.integrated_lufs is None and short.true_peak_dbtp is None
    t = np.arange(rate) / rate
    long = measure_samples((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)
    assert long.integrated_lufs is not None and -20 < long.integrated_lufs < -5
