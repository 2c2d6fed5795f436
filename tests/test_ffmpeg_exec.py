"""run_ffmpeg: argument lists, stderr tail, cancel kills the child, no leaked pipes (warnings are errors)."""

from __future__ import annotations

import threading

import pytest

from core.errors import Cancelled
from core.ffmpeg_exec import run_ffmpeg
from core.jobs import CancelToken


def test_returns_code_and_stderr_tail() -> None:
    done = run_ffmpeg(["-i", "/nonexistent/definitely-missing.mp4"], timeout=60)
    assert done.returncode != 0
    assert b"definitely-missing.mp4" in done.stderr


def test_cancel_kills_a_long_ffmpeg() -> None:
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    with pytest.raises(Cancelled):
        run_ffmpeg(
            ["-re", "-f", "lavfi", "-i", "testsrc=duration=60", "-f", "null", "-"], cancel=token, timeout=60
        )


def test_stream_stops_ffmpeg_when_the_reader_stops() -> None:
    from core.ffmpeg_exec import ffmpeg_stream

    args = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=32x24:rate=25:duration=600",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
    ]
    with ffmpeg_stream(args, timeout=60) as run:
        assert len(run.read(32 * 24)) == 32 * 24
    assert run.returncode is not None  # killed and reaped when the block ended, not left running


def test_stream_timeout_raises_the_callers_error_even_while_a_read_blocks() -> None:
    from core.errors import MediaError
    from core.ffmpeg_exec import ffmpeg_stream

    args = ["-re", "-f", "lavfi", "-i", "testsrc=duration=60", "-f", "null", "-"]  # writes nothing to stdout
    with (
        pytest.raises(MediaError, match="too slow 0"),
        ffmpeg_stream(args, timeout=0.3, timeout_error=lambda s: MediaError(f"too slow {s:.0f}")) as run,
    ):
        assert run.read(1) == b""  # blocks until the watcher kills ffmpeg


def test_only_ffmpeg_exec_starts_ffmpeg() -> None:
    """Export, detection, probing, speech and thumbnails share one runner (kill/cancel/timeout in one place)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    starters = sorted(
        str(p.relative_to(root))
        for folder in ("core", "gui")
        for p in (root / folder).rglob("*.py")
        if "subprocess.Popen(" in p.read_text(encoding="utf-8")
        or "ffmpeg_path()," in p.read_text(encoding="utf-8")
    )
    assert starters == ["core/ffmpeg_exec.py"]
