"""Timeline thumbnails, decoded by one ffmpeg process and delivered one by one as they arrive.

Long videos decode key frames only (-skip_frame nokey), so a 10-minute 1080p file yields its strip
in seconds while the window is already usable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from core.errors import Cancelled, MediaError
from core.ffmpeg_exec import ffmpeg_stream
from core.jobs import CancelToken, ProgressCallback

THUMB_H = 44
MAX_THUMBS = 240
KEYFRAMES_ONLY_FROM_MS = 60_000


class ThumbnailSink(QObject):
    """Carries thumbnails from the worker to the GUI thread.

    Create it without a parent, let the job's closure hold it and pass it to the job runner as an
    endpoint: the worker then always emits into a live object, even when the window that receives
    `arrived` was deleted (its connection is gone), and the sink is deleted in the GUI thread.
    """

    arrived = Signal(int, int, QImage)  # (generation, ms, image)


def thumbnail_plan(duration_ms: int, width: int, height: int) -> tuple[float, int, int]:
    """(interval seconds, thumb width, thumb height) for a video."""
    count = max(24, min(MAX_THUMBS, duration_ms // 1000))
    aspect = (width / height) if width and height else 16 / 9
    tw = max(8, round(THUMB_H * aspect / 2) * 2)
    return duration_ms / 1000 / count, tw, THUMB_H


def thumbnails_job(
    video: str, duration_ms: int, width: int, height: int, deliver: Callable[[int, QImage], None]
) -> Callable[[ProgressCallback, CancelToken], int]:
    """A job that calls `deliver(ms, image)` for each thumbnail (from the worker thread)."""

    def run(progress: ProgressCallback, cancel: CancelToken) -> int:
        interval, tw, th = thumbnail_plan(duration_ms, width, height)
        args = ["-loglevel", "error"]
        if duration_ms >= KEYFRAMES_ONLY_FROM_MS:
            args += ["-skip_frame", "nokey"]
        args += ["-i", video, "-an", "-sn", "-vf", f"fps=1/{interval:.4f}:round=down,scale={tw}:{th}",
                 "-fps_mode", "vfr", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]  # fmt: skip
        size = tw * th * 3
        count = 0
        expected = max(1, int(duration_ms / 1000 / interval))

        def too_slow(seconds: float) -> MediaError:
            return MediaError(f"{video}: making thumbnails took longer than {seconds:.0f} s")

        with ffmpeg_stream(
            args, timeout=max(120.0, duration_ms / 1000), cancel=cancel, timeout_error=too_slow
        ) as proc:
            while True:
                data = proc.read(size)
                if len(data) < size or cancel.cancelled:  # a read may have blocked: deliver nothing stale
                    break
                image = QImage(data, tw, th, tw * 3, QImage.Format.Format_RGB888).copy()
                try:
                    deliver(round(count * interval * 1000), image)
                except RuntimeError:  # the receiving window was deleted during shutdown
                    if cancel.cancelled:
                        break
                    raise
                count += 1
                progress(min(count / expected, 1.0), "thumbnails")
            proc.wait(10)
        if cancel.cancelled:
            raise Cancelled("cancelled")
        if proc.returncode not in (0, None) and count == 0:
            err = proc.stderr_text().strip().splitlines()
            raise MediaError(f"{video}: cannot make thumbnails ({err[-1] if err else 'ffmpeg failed'})")
        return count

    return run
