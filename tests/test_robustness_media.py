"""Odd and broken media through probe, detection and a quick export: each works or gives one line.

The corpus is generated here (ffmpeg lavfi, tiny); every case must finish (pytest-timeout guards the
subprocess timeouts), leave its source byte-identical, and fail only with a MediaError/ExportError
whose message is one line naming the file.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from core.detection import detect_clips
from core.errors import SyncNarratorError
from core.media import probe
from core.project import Clip, MediaSummary, Project
from tests.mediagen import ffmpeg, make_video


def _zero(d: Path) -> Path:
    p = d / "zero.mp4"
    p.write_bytes(b"")
    return p


def _truncated(d: Path) -> Path:
    """Index (moov) at the end, file cut in half: no index at all."""
    full = make_video(d / "full-tail.mp4", duration=2.0, size="160x120")
    p = d / "truncated.mp4"
    p.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    full.unlink()
    return p


def _truncated_faststart(d: Path) -> Path:
    """Index at the front, media data cut off: the header looks fine, the end cannot be decoded."""
    full = make_video(d / "full-front.mp4", duration=2.0, size="160x120", extra=["-movflags", "+faststart"])
    p = d / "truncated-faststart.mp4"
    p.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 3])
    full.unlink()
    return p


def _png(d: Path) -> Path:
    png = d / "still.png"
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "1", str(png)])
    p = d / "picture.mp4"
    png.rename(p)
    return p


def _audio_only(d: Path) -> Path:
    p = d / "audio-only.mp4"
    ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(p)])
    return p


def _garbage(d: Path) -> Path:
    p = d / "garbage.mp4"
    p.write_bytes(hashlib.sha256(b"seed").digest() * 2048)
    return p


def _text(d: Path) -> Path:
    p = d / "notes.mp4"
    p.write_text("这不是视频 — not a video\n" * 50, encoding="utf-8")
    return p


def _one_frame(d: Path) -> Path:
    p = d / "one-frame.mp4"
    ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", "1", "-c:v", "libx264", str(p)]
    )
    return p


def _short(d: Path) -> Path:
    return make_video(d / "short-0.3s.mp4", duration=0.3, size="160x120")


def _uhd_header(d: Path) -> Path:
    """A real 7680x4320 stream (two flat frames encode to almost nothing)."""
    p = d / "8k.mp4"
    ffmpeg(
        [
            *("-f", "lavfi", "-i", "color=c=gray:size=7680x4320:rate=25:duration=0.08"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(p)),
        ]
    )
    return p


def _huge_rate(d: Path) -> Path:
    return make_video(d / "1000fps.mp4", duration=0.5, size="64x48", rate="1000", audio=None)


def _no_audio(d: Path) -> Path:
    return make_video(d / "silent.mp4", duration=1.5, size="160x120", audio=None)


def _pix(fmt: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        return make_video(d / f"{fmt}.mp4", duration=1.2, size="160x120", pix_fmt=fmt, audio=None)

    return make


def _odd_size(d: Path) -> Path:
    return make_video(d / "odd-161x121.mp4", duration=1.2, size="161x121", pix_fmt="yuv444p")


def _rotated(d: Path) -> Path:
    return make_video(d / "rotated.mp4", duration=1.2, size="160x96", extra=["-metadata:s:v", "rotate=90"])


def _mjpeg_avi(d: Path) -> Path:
    p = d / "old.avi"
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15:duration=1.2", "-c:v", "mjpeg", str(p)])
    return p


def _transport(suffix: str, *extra: str) -> Callable[[Path], Path]:
    """MPEG-TS (.ts; .m2ts/.mts as AVCHD cameras write them: 192-byte packets). The bundled static
    ffmpeg used to segfault opening any of them (issue #25)."""

    def make(d: Path) -> Path:
        return make_video(d / f"camera{suffix}", duration=1.5, size="160x120", extra=["-f", "mpegts", *extra])

    return make


def _mkv_offset(d: Path) -> Path:
    """Timestamps starting at 5 s: ffmpeg reports the Matroska duration as the end time (6.5 s)."""
    return make_video(d / "offset.mkv", duration=1.5, size="160x120", extra=["-output_ts_offset", "5"])


def _pal_16_11(d: Path) -> Path:
    """Non-square pixels: 176x144 at SAR 16:11 displays as 256x144."""
    return make_video(d / "pal-16-11.mp4", duration=1.2, size="176x144", extra=["-vf", "setsar=16/11"])


# name -> (maker, expected: "ok" probes and detects, "error" must be refused with one line)
CORPUS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "zero-bytes": (_zero, "error"),
    "truncated-mp4": (_truncated, "error"),
    "truncated-faststart": (_truncated_faststart, "error"),
    "png-renamed": (_png, "error"),
    "audio-only": (_audio_only, "error"),
    "garbage": (_garbage, "error"),
    "text": (_text, "error"),
    "one-frame": (_one_frame, "ok"),
    "0.3s": (_short, "ok"),
    "7680x4320": (_uhd_header, "ok"),
    "1000fps": (_huge_rate, "ok"),
    "no-audio": (_no_audio, "ok"),
    "yuv444p": (_pix("yuv444p"), "ok"),
    "yuv422p10le": (_pix("yuv422p10le"), "ok"),
    "gray": (_pix("gray"), "ok"),
    "odd-size": (_odd_size, "ok"),
    "rotated": (_rotated, "ok"),
    "mjpeg-avi": (_mjpeg_avi, "ok"),
    "ts": (_transport(".ts"), "ok"),
    "m2ts": (_transport(".m2ts", "-mpegts_m2ts_mode", "1"), "ok"),
    "mts": (_transport(".mts", "-mpegts_m2ts_mode", "1"), "ok"),
    "mkv-offset": (_mkv_offset, "ok"),
    "sar-16-11": (_pal_16_11, "ok"),
}
EXPORT_CASES = {"one-frame", "0.3s", "1000fps", "no-audio", "yuv422p10le", "gray", "odd-size", "rotated"}
EXPORT_CASES |= {"ts", "m2ts", "mts", "mkv-offset", "sar-16-11"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clean(exc: SyncNarratorError, path: Path) -> None:
    message = str(exc)
    assert "\n" not in message and message.strip(), repr(message)
    assert str(path) in message or path.name in message, message
    assert "Traceback" not in message and len(message) < 500, message


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep synthesized speech out of the user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path_factory.mktemp("speech-cache")))
    yield
    mp.undo()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_media_corpus_probe_and_detect(tmp_path: Path, name: str) -> None:
    maker, expected = CORPUS[name]
    path = maker(tmp_path)
    before = digest(path)
    outcome: str
    try:
        info = probe(path)
        assert info.duration_ms > 0 and info.width > 0 and info.height > 0 and info.fps > 0
        detection = detect_clips(path)
        clips = detection.clips
        assert clips and clips[0][0] == 0 and clips[-1][1] == detection.info.duration_ms
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(clips))
        outcome = "ok"
    except SyncNarratorError as exc:
        assert_clean(exc, path)
        outcome = "error"
    assert digest(path) == before, f"{name}: the source file was modified"
    if expected != "either":
        assert outcome == expected, f"{name}: expected {expected}, got {outcome}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "temporary files left beside the source"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(EXPORT_CASES))
def test_odd_but_valid_media_export(tmp_path: Path, name: str, cache_env: None) -> None:
    from core.export import ExportOptions, export_project

    source_dir = tmp_path / "src"
    source_dir.mkdir()
    path = CORPUS[name][0](source_dir)
    before = digest(path)
    detection = detect_clips(path)
    info = detection.info
    clips = tuple(
        Clip(a, b, ("产品推荐",), False, "好用" if b - a >= 1000 else "", False) for a, b in detection.clips
    )
    project = Project(
        video=str(path),
        media=MediaSummary(info.duration_ms, Fraction(info.fps), info.width, info.height, info.has_audio),
        clips=clips,
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "narrated.mp4"
    export_project(project, out, ExportOptions(burn_subtitles=True, x264_preset="ultrafast"))
    result = probe(out)
    assert result.has_audio
    assert abs(result.duration_ms - info.duration_ms) <= max(120, round(2000 / float(info.fps)))
    assert (result.display_width, result.display_height) in (
        (info.display_width, info.display_height),
        (info.display_width // 2 * 2, info.display_height // 2 * 2),
        (info.display_width + info.display_width % 2, info.display_height + info.display_height % 2),
    )
    assert digest(path) == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["narrated.mp4", "narrated.report.json"]
    assert [p.name for p in source_dir.iterdir()] == [path.name]


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_pipes_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer appears: probing one must refuse it instead of hanging."""
    fifo = tmp_path / "stream.mp4"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), Path("/dev/null")):
        if not path.exists():
            continue
        for call in (probe, detect_clips):
            with pytest.raises(SyncNarratorError) as info:
                call(path)
            assert_clean(info.value, path)
