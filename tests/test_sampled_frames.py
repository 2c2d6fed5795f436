"""core.detection.sampled_frames: the timeline's thumbnails carry the time of the frame they show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.detection import gray_frames, sampled_frames
from core.errors import MediaError
from core.media import probe
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


def test_an_unreadable_file_is_one_line_with_ffmpegs_reason(colour_video: Path, tmp_path: Path) -> None:
    """Both frame readers share one ffmpeg reader (core.detection.decoding): its last error line is the
    reason in the message, not an exit code; `info` of a real video makes gray_frames skip the probe."""
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all\n" * 200)
    with pytest.raises(MediaError) as thumbs:
        list(sampled_frames(junk, interval_ms=200, width=16, height=12))
    with pytest.raises(MediaError) as gray:
        list(gray_frames(junk, info=probe(colour_video)))
    for exc, what in ((thumbs, "cannot make thumbnails"), (gray, "no video frames could be decoded")):
        message = str(exc.value)
        assert message.startswith(f"{junk}: {what} (") and "\n" not in message
        assert "Invalid data" in message and "exit code" not in message, message
