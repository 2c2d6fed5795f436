"""Run core long jobs off the GUI thread; progress and outcomes come back through ONE dispatcher.

A core job is any callable `fn(progress, cancel) -> result` (picklable when it runs in the helper
process). It runs in the global QThreadPool. Whatever the worker reports (progress, result, error,
cancel, a thumbnail) is posted as a plain Python callable to the application's `Dispatcher`: one
QObject that lives on the GUI thread as long as the application, so callbacks run on the GUI thread
and may touch widgets. No per-job QObject is created or crosses a thread: a Job is a plain object and
its "signals" are callback lists (`Callbacks`) called on the GUI thread. A job whose window shut down
is detached: its posted callbacks are dropped. (The 2026-11-25 segfault came from per-job relay
objects deleted on a worker thread while their queued signals were delivered; see tests/gui/test_jobs.py.)
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal

from core.errors import Cancelled
from core.jobs import CancelToken, CoreJob
from gui.process_host import Lane, shared_host

JobFn = CoreJob[Any]
R = TypeVar("R")


class Dispatcher(QObject):
    """The one bridge from worker threads to the GUI thread: `post(fn)` runs `fn()` on the GUI thread.

    Created once on the GUI thread, parented to the application, never deleted while it runs; workers
    only ever emit its signal, so no object a worker touches can be deleted under it.
    """

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        """Thread-safe: queue `fn` for the GUI thread's event loop."""
        self._posted.emit(fn)

    @staticmethod
    def _run(fn: Callable[[], None]) -> None:
        fn()


_dispatcher: Dispatcher | None = None


def dispatcher() -> Dispatcher:
    """The application's dispatcher (created on first use, which must be on the GUI thread)."""
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = Dispatcher(QCoreApplication.instance())
    return _dispatcher


class Callbacks:
    """A signal-like list of callbacks, called on the GUI thread by the dispatcher (never by a worker)."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., object]] = []

    def connect(self, slot: Callable[..., object]) -> None:
        self._slots.append(slot)

    def emit(self, *args: object) -> None:
        for slot in list(self._slots):
            slot(*args)

    def clear(self) -> None:
        self._slots.clear()


class Job:
    """One job: a plain object owned by the GUI thread; the worker reports through `post`."""

    def __init__(self, name: str, fn: JobFn) -> None:
        self.name = name
        self.fn = fn
        self.token = CancelToken()
        self.running = True
        self.detached = False  # set on shutdown: nothing more is delivered
        self.fraction = 0.0
        self.stage = ""
        self.progressed: Callbacks = Callbacks()  # (fraction, stage)
        self.succeeded: Callbacks = Callbacks()  # (result)
        self.failed: Callbacks = Callbacks()  # (exception, formatted traceback)
        self.cancelled: Callbacks = Callbacks()
        self.ended: Callbacks = Callbacks()  # after any of the three outcomes

    def cancel(self) -> None:
        self.token.cancel()

    def detach(self) -> None:
        """Its window is closing: cancel, and deliver nothing more."""
        self.detached = True
        self.running = False
        self.token.cancel()

    def release(self) -> None:
        """Drop every callback, on the GUI thread, once nothing more can be delivered.

        Callbacks close over the job itself (`lambda: self._ended(job)`), so a Job is a reference
        cycle holding the window's closures; left to the cyclic garbage collector, it would be freed
        on whichever thread the collector happens to run, often a pool worker, destroying any
        Python-owned Qt object it reaches there.
        """
        for callbacks in (self.progressed, self.succeeded, self.failed, self.cancelled, self.ended):
            callbacks.clear()

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the GUI thread, unless the job is detached by then."""
        dispatcher().post(partial(self._deliver, fn))

    def _deliver(self, fn: Callable[[], None]) -> None:
        if not self.detached:
            fn()

    def _report(self, callbacks: Callbacks, *args: object) -> None:
        self.post(partial(callbacks.emit, *args))


class _WorkerSide:
    """What a worker holds of its job: the function, the token and a key, never the Job itself.

    The Job's callbacks are closures over the window, its views and operations. Had the worker held
    the Job, its last reference could drop on the worker thread (the runnable is deleted there,
    after the GUI thread has already delivered `ended` and let go), and with it Python-owned Qt
    objects reachable only from those closures would be destroyed on the worker thread: a native
    crash with no Python frame. The worker posts (key, outcome, args); the GUI thread looks the Job
    up in `_live`, so every Job and closure is created and released on the GUI thread.
    """

    def __init__(self, job: Job) -> None:
        self.key = id(job)
        self.fn = job.fn
        self.token = job.token
        _live[self.key] = job

    def report(self, outcome: str, *args: object) -> None:
        dispatcher().post(partial(_deliver_outcome, self.key, outcome, args))


_live: dict[int, Job] = {}  # GUI thread only: jobs whose worker may still report


def _deliver_outcome(key: int, outcome: str, args: tuple[object, ...]) -> None:
    job = _live.get(key)
    if job is None:
        return
    if not job.detached:
        callbacks: Callbacks = getattr(job, outcome)
        callbacks.emit(*args)
    if outcome == "ended":  # the worker's last word: break the job's cycles here, on the GUI thread
        del _live[key]
        job.release()


def adopt_for_worker(obj: QObject) -> QObject:
    """Make a GUI-thread object that a worker emits into safe to let go of on the worker thread.

    A Python-owned QObject is deleted wherever its last Python reference drops, and for an object the
    worker holds that is the worker thread, while the GUI thread may still be delivering its queued
    signals: a segfault under load (the CI crash of 2026-11-25). Parented to the application, the C++
    object outlives its Python wrapper and only `deleteLater()` ends it, in its own (GUI) thread. The
    editor no longer needs this (it posts through the dispatcher); kept for callers with their own sinks.
    """
    app = QCoreApplication.instance()
    if app is not None and obj.parent() is None:
        obj.setParent(app)
    return obj


class _Runnable(QRunnable):
    def __init__(
        self, job: Job, in_process: bool, endpoints: Sequence[QObject] = (), lane: Lane = "main"
    ) -> None:
        super().__init__()
        self.job = _WorkerSide(job)  # created on the GUI thread
        self.endpoints = [adopt_for_worker(obj) for obj in endpoints]
        self.in_process = in_process
        self.lane = lane
        self.setAutoDelete(True)

    def run(self) -> None:
        job = self.job
        token = job.token

        def progress(fraction: float, stage: str) -> None:  # a detached job's is dropped on the GUI thread
            job.report("progressed", float(min(max(fraction, 0.0), 1.0)), str(stage))

        try:
            if self.in_process:
                result = shared_host(self.lane).call(job.fn, progress, token)
            else:
                result = job.fn(progress, token)
        except Cancelled:
            job.report("cancelled")
        except BaseException as exc:  # reported to the GUI, never raised in a pool thread
            job.report("failed", exc, traceback.format_exc())
        else:
            job.report("cancelled") if token.cancelled else job.report("succeeded", result)
        job.report("ended")
        endpoints, self.endpoints = self.endpoints, []
        dispatcher().post(partial(_delete_later, endpoints))  # after their last signal, in the GUI thread


def _delete_later(objects: list[QObject]) -> None:
    for obj in objects:
        obj.deleteLater()


class JobRunner(QObject):
    """Starts jobs and remembers the running ones (so the window can show and cancel them)."""

    jobStarted = Signal(object)
    jobEnded = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        dispatcher()  # created here, on the GUI thread
        self.pool = QThreadPool.globalInstance()
        if self.pool.maxThreadCount() < 4:
            self.pool.setMaxThreadCount(4)
        self.jobs: list[Job] = []
        self.closed = False

    def start(
        self,
        name: str,
        fn: CoreJob[R],
        on_success: Callable[[R], None] | None = None,
        on_failure: Callable[[BaseException, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        in_process: bool = False,
        endpoints: Sequence[QObject] = (),
        lane: Lane = "main",
    ) -> Job:
        """Run `fn` in a pool thread, or (in_process) in the helper process of `lane` with `fn` pickled
        ("voice" for synthesis, so the user's narration never waits for the speech queue).

        `endpoints`: GUI-thread objects `fn` emits into (see `adopt_for_worker`); deleted after the job.
        """
        job = Job(name, fn)
        job.progressed.connect(lambda f, s: self._progress(job, f, s))
        if on_success is not None:
            job.succeeded.connect(on_success)
        if on_failure is not None:
            job.failed.connect(on_failure)
        if on_cancel is not None:
            job.cancelled.connect(on_cancel)
        job.ended.connect(lambda: self._ended(job))
        self.jobs.append(job)
        self.jobStarted.emit(job)
        if self.closed:  # a start racing the shutdown (e.g. SIGTERM handled mid-slot): never runs
            job.detach()
            job.release()
            return job
        self.pool.start(_Runnable(job, in_process, endpoints, lane))
        return job

    def _progress(self, job: Job, fraction: float, stage: str) -> None:
        job.fraction, job.stage = fraction, stage

    def _ended(self, job: Job) -> None:
        job.running = False
        if job in self.jobs:
            self.jobs.remove(job)
        self.jobEnded.emit(job)

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

        Detached workers that outlive the wait (a loaded machine, a blocking read) finish silently:
        their posts reach the dispatcher, which outlives every window, and are dropped there.
        """
        self.closed = True
        for job in list(self.jobs):
            job.detach()
        return self.wait_all(msecs)
