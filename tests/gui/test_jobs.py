"""The job runner under load: workers finishing while the GUI thread delivers their signals."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

MANY_SHORT_JOBS = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from PySide6.QtCore import QEventLoop, QObject, Signal
    from PySide6.QtWidgets import QApplication
    from gui.jobs import JobRunner

    class Sink(QObject):
        arrived = Signal(int)

    app = QApplication([])
    runner = JobRunner()
    done, arrived = [0], [0]
    count = int(sys.argv[2])

    def start(k):
        sink = Sink()
        sink.arrived.connect(lambda n: arrived.__setitem__(0, arrived[0] + 1))
        def fn(progress, cancel):
            progress(0.5, "half")
            sink.arrived.emit(k)
            return k
        runner.start("short", fn, on_success=lambda r: done.__setitem__(0, done[0] + 1), endpoints=[sink])

    started = time.monotonic()
    for k in range(count):
        start(k)
        if k % 4 == 0:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    while (runner.jobs or done[0] < count) and time.monotonic() - started < 100:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    print("finished", done[0], arrived[0], flush=True)
    """
)


def test_many_short_jobs_never_crash(tmp_path: Path) -> None:
    """Thousands of jobs that end at once: each worker lets go of its relay and sink while queued
    signals from them are still being delivered. Deleting those objects on the worker thread
    segfaulted about 7 runs in 10 of this script (and once in CI); it must finish every time."""
    count = 4000
    for _ in range(5):
        proc = subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", MANY_SHORT_JOBS, str(ROOT), str(count)],
            capture_output=True, text=True, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.split() == ["finished", str(count), str(count)], proc.stdout


def test_a_sink_is_deleted_in_the_gui_thread_after_its_job(qtbot: Any) -> None:
    """The runner owns endpoints for the job's lifetime and deletes them (deleteLater) when it ends."""
    from PySide6.QtCore import QCoreApplication, QObject

    from gui.jobs import JobRunner

    runner = JobRunner()
    sink = QObject()
    destroyed: list[bool] = []
    sink.destroyed.connect(lambda: destroyed.append(True))
    release = threading.Event()
    runner.start("one", lambda progress, cancel: release.wait(10), endpoints=[sink])
    assert sink.parent() is QCoreApplication.instance()
    qtbot.wait(100)
    assert not destroyed  # alive while the job may still emit into it
    release.set()
    qtbot.waitUntil(lambda: bool(destroyed), timeout=10_000)


# -- the dispatcher: one long-lived object delivers every job's reports on the GUI thread --------------


def test_dispatcher_runs_posted_callables_on_the_gui_thread(qtbot: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QThread

    from gui.jobs import dispatcher

    gui_thread = QCoreApplication.instance().thread()
    seen: list[bool] = []

    def worker() -> None:
        for _ in range(50):
            dispatcher().post(lambda: seen.append(QThread.currentThread() is gui_thread))

    dispatcher()  # created on the GUI thread
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qtbot.waitUntil(lambda: len(seen) == 200, timeout=10_000)
    assert all(seen)
    assert dispatcher() is dispatcher()  # one for the application


def test_jobs_create_no_qobjects_and_report_in_order(qtbot: Any) -> None:
    """No per-job QObject: the application's children are the same before and after 200 jobs."""
    from PySide6.QtCore import QCoreApplication

    from gui.jobs import JobRunner

    runner = JobRunner()
    app = QCoreApplication.instance()
    before = len(app.children())
    events: list[str] = []

    def fn(progress: Any, cancel: Any) -> int:
        progress(0.5, "half")
        return 7

    for _ in range(200):
        job = runner.start("short", fn)
        job.progressed.connect(lambda f, s: events.append("progress"))
        job.succeeded.connect(lambda r: events.append(f"result {r}"))
        job.ended.connect(lambda: events.append("ended"))
        assert len(app.children()) == before
    qtbot.waitUntil(lambda: not runner.jobs, timeout=30_000)
    assert events.count("ended") == 200 and events.count("result 7") == 200
    assert len(app.children()) == before


def test_a_detached_job_delivers_nothing(qtbot: Any) -> None:
    from gui.jobs import JobRunner

    runner = JobRunner()
    release = threading.Event()
    outcomes: list[str] = []

    def fn(progress: Any, cancel: Any) -> int:
        release.wait(10)
        return 1

    job = runner.start("slow", fn)
    job.succeeded.connect(lambda r: outcomes.append("succeeded"))
    job.ended.connect(lambda: outcomes.append("ended"))
    job.detach()  # the window shuts down while the worker runs
    release.set()
    assert runner.wait_all(10_000)
    qtbot.wait(100)
    assert outcomes == []


def test_a_worker_never_holds_the_job_or_its_gui_callbacks(qtbot: Any) -> None:
    """The Job's callbacks close over the window and its views; if the worker's runnable held the Job,
    the last reference could drop on the worker thread (the runnable is deleted there, after the GUI
    thread delivered `ended`) and Python-owned Qt objects reachable only from those closures would be
    destroyed on that thread: the native crash with no Python frame at GUI-test teardown."""
    import gc
    import weakref

    from gui.jobs import JobRunner

    runner = JobRunner()
    runnables: list[Any] = []
    real_pool = runner.pool

    class RecordingPool:
        def start(self, runnable: Any) -> None:
            runnables.append(runnable)  # outlives the worker: whatever it holds stays reachable
            real_pool.start(runnable)

    runner.pool = RecordingPool()  # type: ignore[assignment]
    ended: list[bool] = []
    job = runner.start("short", lambda progress, cancel: 1)
    job.ended.connect(lambda: ended.append(True))
    alive = weakref.ref(job)
    del job
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert real_pool.waitForDone(10_000)
    qtbot.wait(20)
    gc.collect()
    assert runnables and alive() is None, "the worker's runnable still holds the Job"


PROBES_IN_CALLBACKS = textwrap.dedent(
    """
    import sys, threading, time
    sys.path.insert(0, sys.argv[1])
    from PySide6.QtCore import QEventLoop, QObject
    from PySide6.QtWidgets import QApplication
    from gui.jobs import JobRunner

    app = QApplication([])
    runner = JobRunner()
    main = threading.get_ident()
    off, total = [0], [0]

    class Probe(QObject):
        def __del__(self):
            total[0] += 1
            off[0] += threading.get_ident() != main

    count = int(sys.argv[2])
    for k in range(count):
        probe = Probe()  # Python-owned, no parent, reachable only from the job's callback
        runner.start("short", lambda p, c: 1, on_success=lambda r, probe=probe: None)
        del probe
        if k % 4 == 0:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    started = time.monotonic()
    while (runner.jobs or total[0] < count) and time.monotonic() - started < 100:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    runner.wait_all()
    print("destroyed", total[0], "off the GUI thread", off[0], flush=True)
    """
)


def test_objects_in_job_callbacks_are_released_on_the_gui_thread() -> None:
    """Thousands of jobs whose callbacks hold a Python-owned QObject: each must be destroyed on the
    GUI thread. Before the fix, Jobs were reference cycles (callbacks closing over the job) freed by
    the cyclic garbage collector on whatever thread ran it, and the worker's runnable held the Job:
    ~5-30% of these objects were destroyed on pool threads (the GUI suite's native teardown crash)."""
    count = 2000
    proc = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", PROBES_IN_CALLBACKS, str(ROOT), str(count)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"destroyed {count} off the GUI thread 0" in proc.stdout, proc.stdout + proc.stderr[-2000:]
