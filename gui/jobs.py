"""Run core long jobs off the GUI thread with progress, cancel and result callbacks.

A core job is any callable `fn(progress, cancel) -> result`. It runs in the global QThreadPool;
its progress and outcome come back to the GUI thread as queued Qt signals, so callbacks may touch
widgets. The job gets an immutable Project snapshot from its caller, so edits made while it runs
never change what it works on.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from core.errors import Cancelled
from core.jobs import CancelToken
from gui.process_host import shared_host

JobFn = Callable[[Callable[[float, str], None], CancelToken], Any]


class Job(QObject):
    """One running job; lives in the GUI thread, its signals arrive from the worker via a _Relay."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object, str)  # exception, formatted traceback
    cancelled = Signal()
    ended = Signal()  # after any of the three outcomes

    def __init__(self, name: str, fn: JobFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.fn = fn
        self.token = CancelToken()
        self.running = True
        self.detached = False  # set on shutdown: the worker emits nothing more
        self.fraction = 0.0
        self.stage = ""
        self.ended.connect(self._mark_ended)

    def cancel(self) -> None:
        self.token.cancel()

    def detach(self) -> None:
        """Its window is closing: cancel, and let the worker emit nothing more (no outcome reaches
        slots of a window that is shutting down)."""
        self.detached = True
        self.running = False
        self.token.cancel()

    def _mark_ended(self) -> None:
        self.running = False


def adopt_for_worker(obj: QObject) -> QObject:
    """Make a GUI-thread object that a worker emits into safe to let go of on the worker thread.

    A Python-owned QObject is deleted wherever its last Python reference drops, and for an object the
    worker holds that is the worker thread, while the GUI thread may still be delivering its queued
    signals: a segfault under load (the CI crash of 2026-11-25, reproduced by
    tests/gui/test_jobs.py::test_many_short_jobs_never_crash). Parented to the application, the C++
    object outlives its Python wrapper and only `deleteLater()` ends it, in its own (GUI) thread.
    """
    app = QCoreApplication.instance()
    if app is not None and obj.parent() is None:
        obj.setParent(app)
    return obj


class _Relay(QObject):
    """The worker's end of a Job: it emits here, and each signal is forwarded (queued) to the Job.

    The worker holds the relay, so it is alive whenever the worker emits; it is adopted by the
    application (see `adopt_for_worker`) and deleted later in the GUI thread. The Job dies with its
    window; emitting on it directly after that is a use-after-free (a crash, or at best "Signal source
    has been deleted"), while a dead Job just stops receiving the relay's signals.
    """

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()
    ended = Signal()

    def __init__(self, job: Job) -> None:
        super().__init__()
        for name in ("progressed", "succeeded", "failed", "cancelled", "ended"):
            getattr(self, name).connect(getattr(job, name))


class _Runnable(QRunnable):
    def __init__(self, job: Job, in_process: bool, endpoints: Sequence[QObject] = ()) -> None:
        super().__init__()
        self.job = job
        self.relay = adopt_for_worker(_Relay(job))  # created in the GUI thread, like the Job
        self.endpoints = [adopt_for_worker(obj) for obj in endpoints]
        self.in_process = in_process
        self.setAutoDelete(True)

    def run(self) -> None:
        job = self.job

        def progress(fraction: float, stage: str) -> None:
            self._emit("progressed", float(min(max(fraction, 0.0), 1.0)), str(stage))

        try:
            if self.in_process:
                result = shared_host().call(job.fn, progress, job.token)
            else:
                result = job.fn(progress, job.token)
        except Cancelled:
            self._emit("cancelled")
        except BaseException as exc:  # reported to the GUI, never raised in a pool thread
            if not job.detached:  # after shutdown a failure is the window going away, not news
                self._emit("failed", exc, traceback.format_exc())
        else:
            if job.token.cancelled:
                self._emit("cancelled")
            else:
                self._emit("succeeded", result)
        self._emit("ended")
        for obj in (self.relay, *self.endpoints):  # after their last signal, in the GUI thread
            obj.deleteLater()

    def _emit(self, signal: str, *args: Any) -> None:
        """Emit through the relay unless the job was detached (its window shut down)."""
        job = self.job
        if job.detached:
            return
        try:
            getattr(self.relay, signal).emit(*args)
        except RuntimeError:  # never expected: the relay lives as long as this runnable
            job.detached = True


class JobRunner(QObject):
    """Starts jobs and remembers the running ones (so the window can show and cancel them)."""

    jobStarted = Signal(object)
    jobEnded = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool.globalInstance()
        if self.pool.maxThreadCount() < 4:
            self.pool.setMaxThreadCount(4)
        self.jobs: list[Job] = []
        self.closed = False

    def start(
        self,
        name: str,
        fn: JobFn,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        in_process: bool = False,
        endpoints: Sequence[QObject] = (),
    ) -> Job:
        """Run `fn` in a pool thread, or (in_process) in the helper process with `fn` pickled.

        `endpoints`: GUI-thread objects `fn` emits into (see `adopt_for_worker`); deleted after the job.
        """
        job = Job(name, fn, self)
        if on_success is not None:
            job.succeeded.connect(on_success)
        if on_failure is not None:
            job.failed.connect(on_failure)
        if on_cancel is not None:
            job.cancelled.connect(on_cancel)
        job.progressed.connect(lambda f, s, j=job: self._progress(j, f, s))
        job.ended.connect(lambda j=job: self._ended(j))
        self.jobs.append(job)
        self.jobStarted.emit(job)
        if self.closed:  # a start racing the shutdown (e.g. SIGTERM handled mid-slot): never runs
            job.detach()
            return job
        self.pool.start(_Runnable(job, in_process, endpoints))
        return job

    def _progress(self, job: Job, fraction: float, stage: str) -> None:
        job.fraction, job.stage = fraction, stage

    def _ended(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self.jobEnded.emit(job)
        job.deleteLater()

    def busy(self, name: str | None = None) -> bool:
        return any(j.running and (name is None or j.name == name) for j in self.jobs)

    def cancel_all(self) -> None:
        for job in self.jobs:
            job.cancel()

    def wait_all(self, msecs: int = 10000) -> bool:
        """Block until every job finished (used on close so no worker outlives the window)."""
        return self.pool.waitForDone(msecs)

    def close(self, msecs: int = 10000) -> bool:
        """Window shutdown: cancel and detach every job, start no new ones, wait up to `msecs`.

        Detached workers that outlive the wait (a loaded machine, a blocking read) finish silently
        instead of emitting into a deleted window.
        """
        self.closed = True
        for job in list(self.jobs):
            job.detach()
        return self.wait_all(msecs)
