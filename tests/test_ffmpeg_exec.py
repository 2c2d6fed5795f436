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
