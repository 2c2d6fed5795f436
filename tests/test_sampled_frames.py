"""core.detection.sampled_frames: the timeline's thumbnails carry the time of the frame they show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.detection import sampled_frames
from tests.mediagen import make_frame_colour_video


@pytest.fixture(scope="module")
def colour_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_frame_colour_video(tmp_path_factory.mktemp("frames") / "frames.mp4", duration=3.0, size="64x48")


def _expected(n: int) -> np.ndarray:
    return np.array([(37 * n) % 256, (91 * n) % 256, (53 * n) % 256], dtype=float)


def test_each_picture_is_the_frame_at_its_time(colour_video: Path) -> None:
    frames = list(sampled_frames(colour_video, interval_ms=170, width=16, height=12))
    times = [ms for ms, _ in frames]
    assert times[0] == 0 and times == sorted(times) and len(times) >= 15
    for ms, data in frames:
        assert ms % 40 == 0  # a frame's own start (25 fps), not a multiple of the interval
        n = ms // 40
        mean = np.frombuffer(data, dtype=np.uint8).reshape(12, 16, 3).astype(float).mean(axis=(0, 1))
        assert np.abs(mean - _expected(n)).max() < 12, f"{ms} ms shows another frame"
    # the first frame at or after each multiple of the interval: never more than a frame later
    for k, ms in enumerate(times):
        assert k * 170 <= ms < k * 170 + 40


def test_key_frames_only_keeps_exact_times(colour_video: Path) -> None:
    frames = list(sampled_frames(colour_video, interval_ms=500, width=16, height=12, keyframes_only=True))
    assert frames and frames[0][0] == 0
    for ms, data in frames:
        n = ms // 40
        mean = np.frombuffer(data, dtype=np.uint8).reshape(12, 16, 3).astype(float).mean(axis=(0, 1))
        assert ms % 40 == 0 and np.abs(mean - _expected(n)).max() < 12
