"""Warm helper processes for CPU-heavy core jobs (probe, detection, narration, speech, export).

Python threads share one interpreter lock, and loading a model or decoding in a C extension can hold
it for hundreds of milliseconds: the editor would stutter. Running those jobs in a separate process
keeps the GUI thread free. Each process is spawned once and reused; progress comes back through a
queue and Cancel is a shared event the child turns into a core CancelToken. This module never
imports Qt, so the child stays light.

There are two helper processes, one per lane, each running one job at a time:
- "main": the user's operations that write or read lines (probe, detection, Narrate all, rewrite,
  alternatives, shorten); the narrator stays loaded here.
- "voice": everything that synthesizes (the background speech queue, 试听, the preview's track, export,
  listing voices); the voice stays loaded here.
The speech queue keeps the voice busy for seconds per clip, and a synthesis cannot be interrupted: in one
shared process, Narrate all clicked while a clip was being spoken waited for that clip (1-3 s) before
writing its lines in 0.2 s. With two lanes the lines never wait for speech.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Literal, TypeAlias, TypeVar

from core.errors import Cancelled, SyncNarratorError
from core.jobs import CancelToken, CoreJob, ProgressCallback

R = TypeVar("R")
Lane = Literal["main", "voice"]  # which helper process runs a job (see the module docstring)
Progress: TypeAlias = "Queue[tuple[float, str]]"  # (not subscriptable at run time)
# the helper process's end of the progress queue and the cancel flag (set by _init)
_queue: Progress | None = None
_cancel: Event | None = None


class WorkerDied(SyncNarratorError):
    """The helper process ended unexpectedly (it is restarted for the next job)."""


def _init(progress_queue: Progress, cancel_event: Event, parent_pid: int) -> None:
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


def _run_in_child(fn: CoreJob[R]) -> R:
    queue, cancel = _queue, _cancel
    if queue is None or cancel is None:
        raise RuntimeError("the helper process was not initialised")
    token = CancelToken()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(0.05):
                token.cancel()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    def progress(fraction: float, stage: str) -> None:
        queue.put((float(fraction), str(stage)))

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
        self._pool: tuple[ProcessPoolExecutor, Progress, Event] | None = None

    def _ensure(self) -> tuple[ProcessPoolExecutor, Progress, Event]:
        """The pool with its progress queue and cancel flag (started on first use)."""
        if self._pool is None:
            progress: Progress = self._ctx.Queue()
            cancel = self._ctx.Event()
            pool = ProcessPoolExecutor(
                max_workers=1, mp_context=self._ctx, initializer=_init, initargs=(progress, cancel, os.getpid())
            )
            self._pool = (pool, progress, cancel)
        return self._pool

    def warm_up(self) -> Future[bool] | None:
        """Start the process and its imports now (never waits: skipped while a job runs)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._ensure()[0].submit(_warm)
        finally:
            self._lock.release()

    def call(self, fn: CoreJob[R], progress: ProgressCallback, cancel: CancelToken) -> R:
        """Run `fn(progress, cancel)` in the helper process; raises what it raises."""
        with self._lock:  # one job at a time: the queue and the cancel event are shared
            pool, queued, cancelling = self._ensure()
            cancelling.clear()
            while True:
                try:
                    queued.get_nowait()
                except queue.Empty:
                    break
            try:
                future = pool.submit(_run_in_child, fn)
            except BrokenProcessPool:
                self._reset()
                raise WorkerDied("the helper process stopped; try again") from None
            while True:
                if cancel.cancelled:
                    cancelling.set()
                try:
                    fraction, stage = queued.get(timeout=0.05)
                    progress(fraction, stage)
                    continue
                except queue.Empty:
                    pass
                if future.done():
                    break
            while True:  # progress sent just before the end
                try:
                    progress(*queued.get_nowait())
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
            self._pool[0].shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool[0].shutdown(wait=True, cancel_futures=True)
                self._pool = None


_hosts: dict[Lane, ProcessHost] = {}
_host_lock = threading.Lock()


def shared_host(lane: Lane = "main") -> ProcessHost:
    """The helper process of `lane`, one per editor process (started on first use)."""
    with _host_lock:
        host = _hosts.get(lane)
        if host is None:
            host = _hosts[lane] = ProcessHost()
            atexit.register(host.shutdown)
        return host
