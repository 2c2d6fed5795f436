"""Visual cues for the planner on tiny generated clips (OpenCV)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Cancelled, MediaError
from core.jobs import CancelToken
from core.visual_cues import compute_cues
from tests.mediagen import make_cut_video


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cues") / "cues.mp4"
    shots = [
        ("color=c=black", 1.0),  # dark, flat
        ("color=c=white", 1.0),  # bright, flat
        ("testsrc2", 1.0),  # moving pattern with digits: edges, text-like rows, motion
    ]
    return make_cut_video(out, shots, size="160x120")


def test_cues_tell_shots_apart(video: Path) -> None:
    dark, bright, busy = compute_cues(video, [(0, 1000), (1000, 2000), (2000, 3000)])
    assert dark.brightness < 0.15 < 0.85 < bright.brightness
    assert dark.motion == 0.0 == bright.motion < busy.motion
    assert dark.text == 0.0 and busy.text > 0.0
    for c in (dark, bright, busy):
        for value in (c.faces, c.text, c.motion, c.brightness, c.closeup):
            assert 0.0 <= value <= 1.0


def test_cues_errors_and_cancel(video: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        compute_cues(tmp_path / "missing.mp4", [(0, 1000)])
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(MediaError):
        compute_cues(junk, [(0, 1000)])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        compute_cues(video, [(0, 1000)], cancel=token)
    assert compute_cues(video, []) == []
