"""Timeline thumbnails, decoded by one ffmpeg process and delivered one by one as they arrive.

Each thumbnail carries its frame's decoder timestamp (the preview's and detection's time), so the
strip shows at a time the frame the preview shows there. Long videos decode key frames only
(-skip_frame nokey), so a 10-minute 1080p file yields its strip in seconds while the window is usable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtGui import QImage

from core.errors import Cancelled
from core.jobs import CancelToken, ProgressCallback
from core.project import Project
from gui.dialogs import one_line
from gui.jobs import Job, JobRunner, dispatcher

THUMB_H = 44
MAX_THUMBS = 240
KEYFRAMES_ONLY_FROM_MS = 60_000


def thumbnail_plan(duration_ms: int, width: int, height: int) -> tuple[float, int, int]:
    """(interval seconds, thumb width, thumb height) for a video."""
    count = max(24, min(MAX_THUMBS, duration_ms // 1000))
    aspect = (width / height) if width and height else 16 / 9
    tw = max(8, round(THUMB_H * aspect / 2) * 2)
    return duration_ms / 1000 / count, tw, THUMB_H


def thumbnails_job(
    video: str, duration_ms: int, width: int, height: int, deliver: Callable[[int, QImage], None]
) -> Callable[[ProgressCallback, CancelToken], int]:
    """A job that calls `deliver(ms, image)` for each thumbnail (from the worker thread).

    `ms` is the time of the frame in the picture, from the decoder (core.detection.sampled_frames: the
    timestamps the preview and detection use), so the tile at a time shows the frame the preview shows
    there; never a frame from later labelled with an earlier time."""

    def run(progress: ProgressCallback, cancel: CancelToken) -> int:
        from core.detection import sampled_frames  # numpy: not paid for when the window opens

        interval, tw, th = thumbnail_plan(duration_ms, width, height)
        count = 0
        expected = max(1, int(duration_ms / 1000 / interval))
        frames = sampled_frames(
            video,
            interval_ms=round(interval * 1000),
            width=tw,
            height=th,
            keyframes_only=duration_ms >= KEYFRAMES_ONLY_FROM_MS,
            cancel=cancel,
            timeout=max(120.0, duration_ms / 1000),
        )
        try:
            for ms, data in frames:
                if cancel.cancelled:  # a read may have blocked: deliver nothing stale
                    break
                image = QImage(data, tw, th, tw * 3, QImage.Format.Format_RGB888).copy()
                try:
                    deliver(ms, image)
                except RuntimeError:  # the receiving window was deleted during shutdown
                    if cancel.cancelled:
                        break
                    raise
                count += 1
                progress(min(count / expected, 1.0), "thumbnails")
        finally:
            frames.close()
        if cancel.cancelled:
            raise Cancelled("cancelled")
        return count

    return run


class ThumbnailLoader(QObject):
    """Loads the timeline's thumbnails in the background (a pool thread, not the main job slot).

    Each thumbnail is posted through the application's dispatcher; late ones from a video no longer
    shown (an older generation) or after shutdown (`close`) are dropped on the GUI thread.
    """

    progressed = Signal(float)
    finished = Signal()  # done, cancelled or failed

    def __init__(
        self,
        jobs: JobRunner,
        on_thumbnail: Callable[[int, QImage], None],
        on_error: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.on_thumbnail = on_thumbnail
        self.on_error = on_error
        self.job: Job | None = None
        self.generation = 0
        self.closed = False

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def start(self, project: Project) -> Job | None:
        self.cancel()
        self.generation += 1
        generation = self.generation
        if self.closed or project.video is None or project.media is None or project.video_missing:
            return None
        media = project.media

        def deliver(ms: int, image: QImage) -> None:  # on the worker thread
            dispatcher().post(lambda: self._arrived(generation, ms, image))

        fn = thumbnails_job(project.video, media.duration_ms, media.width, media.height, deliver)
        job = self.jobs.start("Thumbnails", fn, on_failure=lambda exc, _d: self.on_error(one_line(exc)))
        job.progressed.connect(lambda f, _s: self._relay(job, self.progressed, f))
        job.ended.connect(lambda: self._relay(job, self.finished))
        self.job = job
        return job

    def _relay(self, job: Job, signal: SignalInstance, *args: object) -> None:
        if job is self.job:  # a cancelled job of an older video says nothing
            signal.emit(*args)

    def _arrived(self, generation: int, ms: int, image: QImage) -> None:
        if not self.closed and generation == self.generation:
            self.on_thumbnail(ms, image)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def close(self) -> None:
        """Window shutdown: deliver nothing more."""
        self.closed = True
        self.cancel()
