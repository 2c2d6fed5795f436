"""A warm helper process for CPU-heavy core jobs (probe, detection, narration, speech, export).

Python threads share one interpreter lock, and loading a model or decoding in a C extension can hold
it for hundreds of milliseconds: the editor would stutter. Running those jobs in a separate process
keeps the GUI thread free. The process is spawned once and reused; progress comes back through a
queue and Cancel is a shared event the child turns into a core CancelToken. This module never
imports Qt, so the child stays light.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from core.errors import Cancelled, SyncNarratorError
from core.jobs import CancelToken

_queue: Any = None
_cancel: Any = None


class WorkerDied(SyncNarratorError):
    """The helper process ended unexpectedly (it is restarted for the next job)."""


def _init(progress_queue: Any, cancel_event: Any, parent_pid: int) -> None:
    global _queue, _cancel
    _queue, _cancel = progress_queue, cancel_event
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    """If the editor crashes, its helper must not linger (checked once a second)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def _warm() -> bool:
    """Import what the jobs need while the user is still looking at the window."""
    import core.detection
    import core.media
    import core.narration.registry  # noqa: F401

    return True


def _run_in_child(fn: Callable[..., Any]) -> Any:
    token = CancelToken()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if _cancel.wait(0.05):
                token.cancel()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    def progress(fraction: float, stage: str) -> None:
        _queue.put((float(fraction), str(stage)))

    try:
        return fn(progress, token)
    finally:
        done.set()
        watcher.join(1)


class ProcessHost:
    """Runs one job at a time in the helper process; `call` blocks the calling (worker) thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ctx = multiprocessing.get_context("spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._cancel: Any = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._queue = self._ctx.Queue()
            self._cancel = self._ctx.Event()
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=self._ctx,
                initializer=_init,
                initargs=(self._queue, self._cancel, os.getpid()),
            )
        return self._pool

    def warm_up(self) -> Future[Any] | None:
        """Start the process and its imports now (never waits: skipped while a job runs)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._ensure().submit(_warm)
        finally:
            self._lock.release()

    def call(
        self, fn: Callable[..., Any], progress: Callable[[float, str], None], cancel: CancelToken
    ) -> Any:
        """Run `fn(progress, cancel)` in the helper process; raises what it raises."""
        with self._lock:  # one job at a time: the queue and the cancel event are shared
            pool = self._ensure()
            self._cancel.clear()
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            try:
                future = pool.submit(_run_in_child, fn)
            except BrokenProcessPool:
                self._reset()
                raise WorkerDied("the helper process stopped; try again") from None
            while True:
                if cancel.cancelled:
                    self._cancel.set()
                try:
                    fraction, stage = self._queue.get(timeout=0.05)
                    progress(fraction, stage)
                    continue
                except queue.Empty:
                    pass
                if future.done():
                    break
            while True:  # progress sent just before the end
                try:
                    progress(*self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                return future.result()
            except BrokenProcessPool:
                self._reset()
                if cancel.cancelled:
                    raise Cancelled("cancelled") from None
                raise WorkerDied("the helper process stopped unexpectedly; try again") from None

    def _reset(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


_host: ProcessHost | None = None
_host_lock = threading.Lock()


def shared_host() -> ProcessHost:
    global _host
    with _host_lock:
        if _host is None:
            _host = ProcessHost()
            atexit.register(_host.shutdown)
        return _host
