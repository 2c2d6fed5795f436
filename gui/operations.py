"""Typed operations over the core: how every long job of the editor runs (models: Anki's CollectionOp/QueryOp).

- `QueryOp[R]`: read-only work (probe a video, list voices, speak a line, synthesize, export). A core job
  runs in the helper process; its result `R` is handed to `done` on the GUI thread.
- `DocumentOp[R]`: work that changes the document (detect clips, narrate, rewrite lines). It takes an
  immutable snapshot of the project, runs a core function on it in the helper process and applies the
  result with `apply(project, result) -> project` as ONE undo step, unless the result went stale while
  it ran (another document, or `stale(snapshot, current)`: by default the clips were retimed).

`Operations` runs them: one main operation at a time (its progress and Cancel in the status bar, see
gui/job_status.py), errors as one-line dialogs, cancel as a status message, all delivered through the
application's single dispatcher (gui/jobs.py). The stale-result check lives here and only here.

Path of one operation, e.g. Narration > Narrate all (Ctrl+R): the action table (gui/actions.py) maps the
id "narrate" to `NarrationCommands.narrate_all`, which builds a `DocumentOp` and calls
`Operations.change(op)`: snapshot -> `core_job(write_lines, snapshot, ...)` in the helper process ->
result posted through the dispatcher -> stale check -> `bridge.edit("Narrate all", apply)` -> the
Document records one undo step and notifies before/after -> the bridge emits narrationChanged ->
timeline and inspector refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal

from core.jobs import CoreJob
from core.project import Document, Project
from gui.bridge import DocumentBridge
from gui.i18n import tr
from gui.jobs import Job, JobRunner
from gui.process_host import Lane

R = TypeVar("R")


def _ignore(*_args: object) -> None:
    return None


def clips_retimed(snapshot: Project, current: Project) -> bool:
    """The default staleness test: lines written for other clip spans would not fit them."""
    return [(c.start_ms, c.end_ms) for c in snapshot.clips] != [(c.start_ms, c.end_ms) for c in current.clips]


def never_stale(_snapshot: Project, _current: Project) -> bool:
    return False


@dataclass
class QueryOp(Generic[R]):
    """Read-only work; `done(result)` runs on the GUI thread (skipped if the document was replaced)."""

    name: str  # shown in the status bar while it runs
    job: CoreJob[R]  # fn(progress, cancel) -> R; picklable when in_process
    done: Callable[[R], None] = _ignore
    cancelled: Callable[[], None] | None = None
    in_process: bool = True  # run in the helper process (CPU work), else in a pool thread
    lane: Lane = "main"  # which helper process: "voice" for work that synthesizes (the voice is loaded there)
    main: bool = True  # the main slot: one at a time, progress and Cancel in the status bar
    document_bound: bool = True  # drop the result if another document was opened meanwhile


@dataclass
class DocumentOp(Generic[R]):
    """Snapshot in, core function in the helper process, `apply(project, result)` as one undo step."""

    name: str  # shown in the status bar while it runs
    description: str  # the undo step ("Narrate all")
    job: Callable[[Project], CoreJob[R]]  # the core job for a snapshot of the project
    apply: Callable[[Project, R], Project]  # the result onto the project as it is when the result comes
    stale: Callable[[Project, Project], bool] = clips_retimed  # (snapshot, current) -> drop the result
    done: Callable[[R, bool], None] = _ignore  # after applying (applied: an undo step was recorded)
    prepare: Callable[[Project], Project] = field(default=lambda p: p)  # adjust the snapshot first
    automatic: bool = False  # an edit the editor makes by itself (keeps an untouched document clean)
    merge_key: object = None  # join the undo step of the edit that started it (a split and its new lines)


class Host(Protocol):
    """What operations need from the window."""

    def show_message(self, text: str) -> None: ...

    def show_error(self, title: str, exc: BaseException, details: str = "") -> None: ...

    def automatic_edit(self, description: str, change: Callable[[Project], Project]) -> bool: ...


class Operations(QObject):
    """Runs operations; `main_job` is the one shown in the status bar (None when idle)."""

    mainJobChanged = Signal()  # started or ended
    mainJobProgressed = Signal(float, str)

    def __init__(
        self, bridge: DocumentBridge, jobs: JobRunner, host: Host, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.jobs = jobs
        self.host = host
        self.main_job: Job | None = None

    def query(self, op: QueryOp[R]) -> Job | None:
        doc = self.bridge.document

        def succeeded(result: R) -> None:
            if op.document_bound and self.bridge.document is not doc:
                return  # the user opened something else meanwhile
            op.done(result)

        return self._start(op.name, op.job, succeeded, op.cancelled, op.in_process, op.main, op.lane)

    def change(self, op: DocumentOp[R]) -> Job | None:
        doc = self.bridge.document
        snapshot = op.prepare(self.bridge.project)

        def succeeded(result: R) -> None:
            if self.stale(doc, snapshot, op.stale, op.description):
                return
            if op.automatic:
                applied = self.host.automatic_edit(op.description, lambda p: op.apply(p, result))
            else:
                applied = self.bridge.edit(op.description, lambda p: op.apply(p, result), merge_key=op.merge_key)
            op.done(result, applied)

        return self._start(op.name, op.job(snapshot), succeeded, None, True, True)

    def stale(
        self, doc: Document, snapshot: Project, test: Callable[[Project, Project], bool], what: str
    ) -> bool:
        """The one stale-result check: another document, or the project moved on in a way that matters."""
        if self.bridge.document is not doc:
            return True
        if test(snapshot, self.bridge.project):
            self.host.show_message(
                tr("{what}: the clips changed while it ran; run it again").format(what=what)
            )
            return True
        return False

    def _start(
        self,
        name: str,
        fn: CoreJob[R],
        on_success: Callable[[R], None],
        on_cancel: Callable[[], None] | None,
        in_process: bool,
        main: bool,
        lane: Lane = "main",
    ) -> Job | None:
        if main and self.main_job is not None:
            self.host.show_message(
                tr("{job} is still running: wait for it or cancel it").format(job=self.main_job.name)
            )
            return None
        holder: list[Job] = []

        def ended() -> None:
            if holder and holder[0] is self.main_job:
                self.main_job = None
                self.mainJobChanged.emit()

        def succeeded(result: R) -> None:
            ended()  # free the slot first: the callback may start the next operation
            on_success(result)

        def failed(exc: BaseException, details: str) -> None:
            ended()
            if main:
                self.host.show_error(name, exc, details)
            else:
                from gui import dialogs

                self.host.show_message(dialogs.one_line(exc))

        def cancelled() -> None:
            ended()
            self.host.show_message(tr("{job}: cancelled").format(job=name))
            if on_cancel is not None:
                on_cancel()

        job = self.jobs.start(name, fn, succeeded, failed, cancelled, in_process=in_process, lane=lane)
        holder.append(job)
        job.ended.connect(ended)
        if main:
            self.main_job = job
            job.progressed.connect(lambda f, s: self._progressed(job, f, s))
            self.mainJobChanged.emit()
        return job

    def _progressed(self, job: Job, fraction: float, stage: str) -> None:
        if job is self.main_job:
            self.mainJobProgressed.emit(fraction, stage)

    def cancel_main(self) -> bool:
        if self.main_job is None:
            return False
        self.main_job.cancel()
        return True
