"""Timeline thumbnails, decoded by one ffmpeg process and delivered one by one as they arrive.

Long videos decode key frames only (-skip_frame nokey), so a 10-minute 1080p file yields its strip
in seconds while the window is already usable.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from core.errors import Cancelled, MediaError
from core.ffmpeg_exec import ffmpeg_path
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
        args = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error"]
        if duration_ms >= KEYFRAMES_ONLY_FROM_MS:
            args += ["-skip_frame", "nokey"]
        args += ["-i", video, "-an", "-sn", "-vf", f"fps=1/{interval:.4f}:round=down,scale={tw}:{th}",
                 "-fps_mode", "vfr", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]  # fmt: skip
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + max(120.0, duration_ms / 1000)
        killer = threading.Timer(max(1.0, deadline - time.monotonic()), proc.kill)
        killer.daemon = True
        killer.start()
        size = tw * th * 3
        count = 0
        expected = max(1, int(duration_ms / 1000 / interval))
        try:
            assert proc.stdout is not None
            while True:
                if cancel.cancelled:
                    proc.kill()
                    raise Cancelled("cancelled")
                data = proc.stdout.read(size)
                if len(data) < size:
                    break
                if cancel.cancelled:  # the read may have blocked for a while: deliver nothing stale
                    raise Cancelled("cancelled")
                image = QImage(data, tw, th, tw * 3, QImage.Format.Format_RGB888).copy()
                try:
                    deliver(round(count * interval * 1000), image)
                except RuntimeError:  # the receiving window was deleted during shutdown
                    if cancel.cancelled:
                        raise Cancelled("cancelled") from None
                    raise
                count += 1
                progress(min(count / expected, 1.0), "thumbnails")
            proc.wait(timeout=10)
            if proc.returncode not in (0, None) and count == 0:
                err = (
                    proc.stderr.read().decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
                )
                raise MediaError(f"{video}: cannot make thumbnails ({err[-1] if err else 'ffmpeg failed'})")
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        return count

    return run
