"""Probing: exact rates, rotation, audio layout, and one clear MediaError for anything unreadable."""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from core.errors import MediaError
from core.media import MediaInfo, probe
from tests.mediagen import SHARED_MEDIA, ffmpeg, make_video


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def ntsc_video(media_dir: Path) -> Path:
    return make_video(media_dir / "ntsc.mp4", duration=1.5, size="160x120", rate="30000/1001", channels=1)


def test_probe_exact_ntsc_rate_and_basics(ntsc_video: Path) -> None:
    info = probe(ntsc_video)
    assert isinstance(info, MediaInfo)
    assert info.fps == Fraction(30000, 1001)
    assert (info.width, info.height) == (160, 120)
    assert (info.display_width, info.display_height) == (160, 120)
    assert info.rotation == 0
    assert info.pix_fmt == "yuv420p"
    assert info.video_codec == "h264"
    assert 1450 <= info.duration_ms <= 1600
    assert info.has_audio and info.audio_channels == 1 and info.audio_sample_rate == 48000
    assert info.bit_rate and info.bit_rate > 0
    assert info.frame_count == pytest.approx(45, abs=2)


@pytest.mark.parametrize("rate", ["24000/1001", "12.5", "50"])
def test_probe_other_rates(media_dir: Path, rate: str) -> None:
    out = make_video(
        media_dir / f"r{rate.replace('/', '_')}.mp4", duration=1, size="64x48", rate=rate, audio=None
    )
    info = probe(out)
    num, _, den = rate.partition("/")
    assert info.fps == (Fraction(int(num), int(den)) if den else Fraction(num))
    assert not info.has_audio and info.audio_channels == 0


def test_probe_rotation_swaps_display_size(ntsc_video: Path, media_dir: Path) -> None:
    out = media_dir / "rotated.mp4"
    ffmpeg(["-display_rotation", "90", "-i", str(ntsc_video), "-c", "copy", str(out)])
    info = probe(out)
    assert info.rotation == 90
    assert (info.width, info.height) == (160, 120)
    assert (info.display_width, info.display_height) == (120, 160)
    out2 = media_dir / "rotated270.mp4"
    ffmpeg(["-display_rotation", "-90", "-i", str(ntsc_video), "-c", "copy", str(out2)])
    assert probe(out2).rotation == 270


def test_probe_shared_media() -> None:
    bunny = probe(SHARED_MEDIA / "bigbuckbunny.mp4")
    assert bunny.audio_channels == 6 and bunny.has_audio
    assert (bunny.width, bunny.height, bunny.fps) == (1280, 720, Fraction(25))
    assert bunny.duration_ms == 5310
    bikes = probe(SHARED_MEDIA / "bikes.mp4")
    assert (bikes.width, bikes.height, bikes.fps, bikes.duration_ms) == (640, 272, Fraction(25), 10000)
    assert not bikes.has_audio


def _bad_inputs(media_dir: Path, good: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, a phrase the message must contain)."""
    cases: dict[str, tuple[Path, str]] = {}
    cases["missing"] = (media_dir / "nope.mp4", "no such file")
    folder = media_dir / "folder.mp4"
    folder.mkdir(exist_ok=True)
    cases["directory"] = (folder, "folder")
    empty = media_dir / "empty.mp4"
    empty.write_bytes(b"")
    cases["empty"] = (empty, "empty")
    text = media_dir / "notes.mp4"
    text.write_text("this is not a video\n" * 20)
    cases["text"] = (text, "not a video")
    audio = media_dir / "sound.m4a"
    ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(audio)])
    cases["audio-only"] = (audio, "audio-only")
    png = media_dir / "picture.mp4"
    ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x48",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            str(png),
        ]
    )
    cases["png"] = (png, "still image")
    data = good.read_bytes()
    cut = media_dir / "truncated.mp4"  # moov at the end (ffmpeg's default): the index is lost
    cut.write_bytes(data[: len(data) // 2])
    cases["truncated"] = (cut, "moov")
    fast = media_dir / "faststart.mp4"
    ffmpeg(["-i", str(good), "-c", "copy", "-movflags", "+faststart", str(fast)])
    fdata = fast.read_bytes()
    cut2 = media_dir / "truncated_faststart.mp4"  # index intact, media data missing
    cut2.write_bytes(fdata[: len(fdata) // 2])
    cases["truncated-faststart"] = (cut2, "truncated")
    return cases


def test_bad_inputs_raise_one_line_media_error(media_dir: Path, ntsc_video: Path) -> None:
    for label, (path, phrase) in _bad_inputs(media_dir, ntsc_video).items():
        with pytest.raises(MediaError) as exc_info:
            probe(path)
        message = str(exc_info.value)
        assert "\n" not in message, label
        assert str(path) in message, label
        assert phrase in message, (label, message)


@pytest.mark.parametrize("name", ["pipe:1.mp4", "concat:a|b.mp4", "100% ?#x.mp4", "视频 a'b.mp4", "-i.mp4"])
def test_odd_file_names_are_plain_local_files(
    ntsc_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """ffmpeg reads "pipe:1" or "concat:..." as protocols; a file so named must still be the file."""
    from core.detection import detect_clips

    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(ntsc_video.read_bytes())
    info = probe(name)  # relative, as typed on a command line
    assert info.fps == Fraction(30000, 1001) and (info.width, info.height) == (160, 120)
    det = detect_clips(name)
    assert det.clips[-1][1] == info.duration_ms


# ---------------------------------------------------------------------------------------------------
# Issue #25: containers and non-square pixels


@pytest.mark.parametrize(
    ("suffix", "extra"),
    [(".ts", ()), (".m2ts", ("-mpegts_m2ts_mode", "1")), (".mts", ("-mpegts_m2ts_mode", "1"))],
)
def test_transport_streams_probe(media_dir: Path, suffix: str, extra: tuple[str, ...]) -> None:
    """The static ffmpeg segfaulted on every MPEG-TS (iconv of the service name loaded the system's
    gconv module); a long GOP (one keyframe) must not make the tail check call the file truncated."""
    path = make_video(
        media_dir / f"cam{suffix}", duration=2.0, size="160x120", extra=["-f", "mpegts", "-g", "250", *extra]
    )
    info = probe(path)
    assert (info.width, info.height, info.fps) == (160, 120, 25)
    assert 1950 <= info.duration_ms <= 2100 and info.has_audio


def test_ffmpeg_children_run_without_system_charset_modules() -> None:
    from core.ffmpeg_exec import ffmpeg_environment

    env = ffmpeg_environment()
    blocked = Path(env["GCONV_PATH"])  # resources/gconv: charsets mapped to modules that cannot load
    assert (blocked / "gconv-modules").is_file() and "ISO_6937//" in (blocked / "gconv-modules").read_text()
    assert env["PATH"] == os.environ["PATH"]  # the rest of the environment is ours


def test_mkv_start_offset_is_not_counted_into_the_duration(media_dir: Path) -> None:
    path = make_video(media_dir / "late.mkv", duration=1.5, size="160x120", extra=["-output_ts_offset", "5"])
    info = probe(path)
    assert 1450 <= info.duration_ms <= 1600, info.duration_ms  # not 6.5 s


def test_non_square_pixels_give_the_display_size(media_dir: Path) -> None:
    path = make_video(media_dir / "pal.mp4", duration=1.0, size="704x576", extra=["-vf", "setsar=16/11"])
    info = probe(path)
    assert (info.width, info.height, info.sar) == (704, 576, Fraction(16, 11))
    assert (info.display_width, info.display_height) == (1024, 576)
    rotated = MediaInfo(**{**info.__dict__, "rotation": 90})
    assert (rotated.display_width, rotated.display_height) == (576, 1024)


def test_a_crashing_ffmpeg_is_one_media_error_line(
    ntsc_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import ffmpeg_exec

    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\nkill -SEGV $$\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SYNCNARRATOR_FFMPEG", str(fake))
    ffmpeg_exec.ffmpeg_path.cache_clear()
    try:
        with pytest.raises(MediaError) as exc_info:
            probe(ntsc_video)
    finally:
        monkeypatch.undo()
        ffmpeg_exec.ffmpeg_path.cache_clear()
    message = str(exc_info.value)
    assert str(ntsc_video) in message and "crashed" in message and "\n" not in message


SYSTEM_GCONV = Path("/usr/lib/x86_64-linux-gnu/gconv")


@pytest.mark.skipif(not (SYSTEM_GCONV / "ISO_6937.so").is_file(), reason="needs the system's gconv modules")
def test_gconv_block_holds_where_the_system_config_lists_the_module(media_dir: Path, tmp_path: Path) -> None:
    """Older distributions list ISO_6937 in their main gconv-modules (newer ones moved it to
    gconv-modules.d, which the static glibc does not read): simulate that with a config naming the
    system's modules by absolute path, and check resources/gconv's entries still win over it."""
    from core.ffmpeg_exec import ffmpeg_environment, ffmpeg_path

    old = tmp_path / "old-distro"
    old.mkdir()
    rows = []
    for conf in [SYSTEM_GCONV / "gconv-modules", *sorted((SYSTEM_GCONV / "gconv-modules.d").glob("*.conf"))]:
        for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0] == "module" and not parts[3].startswith("/"):
                parts[3] = str(SYSTEM_GCONV / parts[3])
            rows.append("\t".join(parts))
    (old / "gconv-modules").write_text("\n".join(rows) + "\n")
    ts = make_video(media_dir / "sdt.ts", duration=1.0, size="160x120", audio=None, extra=["-f", "mpegts"])

    def run(gconv_path: str) -> int:
        env = {**ffmpeg_environment(), "GCONV_PATH": gconv_path}
        cmd = [ffmpeg_path(), "-nostdin", "-v", "error", "-i", str(ts), "-f", "null", "-"]
        return subprocess.run(cmd, env=env, capture_output=True, timeout=60).returncode

    if run(str(old)) >= 0:
        pytest.skip("this ffmpeg/glibc pair does not crash on the system's module")
    ours = ffmpeg_environment()["GCONV_PATH"]
    assert Path(ours, "gconv-modules").is_file()
    assert run(f"{ours}{os.pathsep}{old}") == 0
