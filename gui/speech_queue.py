"""Lines first, speech after: every line's speech is made in the background, clip by clip in timeline order.

Narrate all shows its lines as soon as they are written (the narration job synthesizes nothing). This
queue then speaks each line in the warm "voice" helper process (gui/process_host.py: the voice loaded
once), one clip per job; the narrator's operations run in the other ("main") helper process, so Narrate
all never waits for a clip being spoken, and no clip starts while a main operation (narrate, export...)
runs (it has the cores). Each line's state
(waiting, speaking, ready, failed) lives in the core Document by its speech key (line, length, voice,
rate, lead/tail): the narration lane and the meter observe it through `DocumentBridge.speechChanged`.
Editing a line, its timing or the voice changes its key: only that clip is spoken again, and a job
whose line changed while it ran is cancelled and its result dropped. Cancel (Esc, when no main
operation runs) pauses the queue until the next edit or request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen

from core.jobs import CoreJob, core_job
from core.pipeline import speak_clip, warm_estimates, warm_voice
from core.project import ClipSpeech, Document, Project, SpeechKey, speech_key
from core.speech import FitResult
from gui.bridge import DocumentBridge
from gui.i18n import QT_TRANSLATE_NOOP, tr
from gui.jobs import Job, JobRunner
from gui.operations import Operations

SpeechJob = Callable[[Project, int], CoreJob[FitResult]]
Use = Callable[[FitResult], None]
SPEECH_TEXT = {  # a line's speech state, as the lane's tooltip and the Clip panel say it
    "waiting": QT_TRANSLATE_NOOP("", "speech: waiting"),
    "speaking": QT_TRANSLATE_NOOP("", "speech: being made"),
    "ready": QT_TRANSLATE_NOOP("", "speech: ready to play"),
    "failed": QT_TRANSLATE_NOOP("", "speech: failed"),
}


def draw_speech_mark(p: QPainter, r: QRectF, state: str) -> float:
    """The state's mark at the left of a narration lane block: hollow dot waiting, half dot being made, full
    dot ready, red cross failed. Returns the width it took (0 when none)."""
    if not state or r.width() <= 12:
        return 0.0
    d = QRectF(r.left() + 3, r.center().y() - 4, 8, 8)
    p.setPen(QPen(QColor("#ffffff"), 1.2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    if state == "failed":
        p.setPen(QPen(QColor("#ff3030"), 2))
        p.drawLine(d.topLeft(), d.bottomRight())
        p.drawLine(d.topRight(), d.bottomLeft())
    else:
        p.drawEllipse(d)
        p.setBrush(QColor("#ffffff"))
        if state == "ready":
            p.drawEllipse(d)
        elif state == "speaking":
            p.drawPie(d, 90 * 16, 180 * 16)
    p.setBrush(Qt.BrushStyle.NoBrush)
    return 12.0


def speak_job(project: Project, index: int) -> CoreJob[FitResult]:
    """One clip's speech, made and fitted in the helper process (the voice stays loaded there)."""
    return core_job(speak_clip, project, index)


class SpeechQueue(QObject):
    """Speaks every line in the background; `play_when_ready` hands a clip's speech over once it is made."""

    changed = Signal()  # started, progressed or stopped (the status bar)
    progressed = Signal(float)  # the running clip's speech, 0..1 (the status bar; 试听 waits on it)

    def __init__(
        self,
        bridge: DocumentBridge,
        jobs: JobRunner,
        operations: Operations | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.jobs = jobs
        # a main operation (narrate, export...) goes first: no clip starts while one runs
        self.operations = operations
        self.job: Job | None = None
        self.running: tuple[SpeechKey, int] | None = None  # (key, clip index) of the job running
        self.paused = False
        self.enabled = True
        self.in_process = True  # tests run a gated fake in a pool thread instead
        self.make_job: SpeechJob = speak_job
        self._waiters: dict[SpeechKey, list[Use]] = {}
        self._first: SpeechKey | None = None  # asked for (play): spoken next
        # loads the narrator in the main helper process once there are clips (set by the window)
        self.warm_job: Callable[[Project], CoreJob[bool]] | None = None
        self._warmed = False
        self.warm_jobs: list[Job] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._pump)
        for part in (bridge.narrationChanged, bridge.clipsChanged, bridge.settingsChanged):
            part.connect(self._project_changed)
        bridge.documentReplaced.connect(self._document_replaced)
        if operations is not None:
            operations.mainJobChanged.connect(self.schedule)

    # -- what the window asks
    def schedule(self) -> None:
        """Look for lines without speech (soon, on the GUI thread's next turn)."""
        self._timer.start()

    def _project_changed(self) -> None:
        self.paused = False
        self.schedule()

    def _document_replaced(self) -> None:
        self._waiters.clear()
        self._first = None
        self.paused = False
        if self.job is not None:
            self.job.cancel()
        self.schedule()

    def stop(self) -> bool:
        """Cancel (Esc): stop speaking until the next edit or request; False when nothing was running."""
        if self.job is None and (self.paused or not self._pending()):
            return False
        self.paused = True
        self._waiters.clear()
        self._first = None
        if self.job is not None:
            self.job.cancel()
        self._forget_waiting()
        self.changed.emit()
        return True

    def play_when_ready(self, index: int, use: Use) -> bool:
        """`use(fit)` now if clip `index`'s speech is made, else once it is (spoken before the others).
        Returns True when it was ready at once."""
        project = self.bridge.project
        key = speech_key(project, project.clips[index])
        state = self.bridge.document.speech_of(project.clips[index])
        if state is not None and state.state == "ready":
            use(state.fit)
            return True
        self._waiters.setdefault(key, []).append(use)
        self._first = key
        self.paused = False
        if state is not None and state.state == "failed":
            self.bridge.document.set_speech(key, None)  # try again: it was asked for
        self.schedule()
        return False

    def record(self, project: Project, fits: Sequence[FitResult | None]) -> None:
        """Speech made elsewhere (Synthesize, an export) for the lines of `project`, in clip order."""
        doc = self.bridge.document
        made = {
            speech_key(project, clip): fit
            for clip, fit in zip(project.clips, fits)
            if fit is not None and clip.narration.strip()
        }
        doc.set_speeches({key: ClipSpeech("ready", fit) for key, fit in made.items()})
        for key, fit in made.items():
            for use in self._waiters.pop(key, []):
                use(fit)

    # -- progress, for the status bar
    @property
    def active(self) -> bool:
        return self.job is not None

    def counts(self) -> tuple[int, int]:
        """(lines with speech made, lines in all) of the current project."""
        doc = self.bridge.document
        project = doc.project
        lines = [c for c in project.clips if c.narration.strip()]
        ready = 0
        for c in lines:
            state = doc.speech_of(c)
            ready += state is not None and state.state == "ready"
        return ready, len(lines)

    def status_text(self) -> str:
        if self.running is None:
            return ""
        ready, total = self.counts()
        return tr("Speaking clip {number} ({ready} of {total} ready)").format(
            number=self.running[1] + 1, ready=ready, total=total
        )

    # -- the queue
    def _pending(self) -> list[tuple[int, SpeechKey]]:
        """Clips whose line has no speech yet (none, or waiting), in timeline order."""
        doc = self.bridge.document
        project = doc.project
        out = []
        for i, clip in enumerate(project.clips):
            if not clip.narration.strip():
                continue
            key = speech_key(project, clip)
            state = doc.speech_of(clip)
            if state is None or state.state == "waiting":
                out.append((i, key))
        return out

    def _forget_waiting(self) -> None:
        self.bridge.document.set_speeches({key: None for _i, key in self._pending()})

    def _warm(self, project: Project) -> None:
        """Once per window, when there are clips: the estimate's text front-end in this process (a pool
        thread; the views refresh when it is there), the narrator in the main helper process and the voice
        in the voice helper process (both at once: they are separate processes)."""
        detected = len(project.clips) > 1 or any(c.narration for c in project.clips)
        if self._warmed or not detected or not self.enabled:  # (a new video is one clip until detected)
            return
        self._warmed = True
        self.warm_jobs.append(self.jobs.start(
            "Warm estimates", core_job(warm_estimates), lambda _r: self.bridge.speechChanged.emit()
        ))  # fmt: skip
        if self.warm_job is not None:
            self.warm_jobs.append(self.jobs.start("Warm narrator", self.warm_job(project), in_process=True))
        if self.in_process:
            self.warm_jobs.append(
                self.jobs.start("Warm voice", core_job(warm_voice), in_process=True, lane="voice")
            )

    @property
    def warm(self) -> bool:
        """The narrator, the estimate and the voice are loaded (their warm-up jobs ended)."""
        return self._warmed and not any(job.running for job in self.warm_jobs)

    def _pump(self) -> None:
        doc = self.bridge.document
        project = doc.project
        self._warm(project)
        if self.job is not None:
            keys = {speech_key(project, c) for c in project.clips}
            if self.running is not None and self.running[0] not in keys:
                self.job.cancel()  # its line changed (or went): the result would be stale
            return
        if self.paused or not self.enabled:
            return
        if self.operations is not None and self.operations.main_job is not None:
            return  # the user's operation first (it has the cores; an export synthesizes in the same lane)
        todo = self._pending()
        if not todo:
            self.changed.emit()
            return
        index, key = next(((i, k) for i, k in todo if k == self._first), todo[0])
        waiting = {k: ClipSpeech("waiting") for _i, k in todo if doc.speech_at(k) is None and k != key}
        doc.set_speeches({**waiting, key: ClipSpeech("speaking")})
        self._start(doc, project, index, key)

    def _start(self, doc: Document, project: Project, index: int, key: SpeechKey) -> None:
        self.running = (key, index)

        def succeeded(fit: FitResult) -> None:
            doc.set_speech(key, ClipSpeech("ready", fit))
            if self._first == key:
                self._first = None
            if self.bridge.document is doc:
                for use in self._waiters.pop(key, []):
                    use(fit)

        def failed(exc: BaseException, _details: str) -> None:
            from gui.dialogs import one_line

            doc.set_speech(key, ClipSpeech("failed", error=one_line(exc)))
            if self._waiters.pop(key, None):
                self.bridge.message.emit(tr("Speech for clip {number} failed: {error}").format(
                    number=index + 1, error=one_line(exc)))  # fmt: skip
            if self._first == key:
                self._first = None

        def cancelled() -> None:
            if doc.speech_at(key) == ClipSpeech("speaking"):
                doc.set_speech(key, None)

        def ended() -> None:
            if self.job is job:
                self.job = None
                self.running = None
            self.changed.emit()
            self.schedule()

        job = self.jobs.start(
            tr("Speaking"),
            self.make_job(project, index),
            succeeded,
            failed,
            cancelled,
            in_process=self.in_process,
            lane="voice",
        )
        job.ended.connect(ended)
        job.progressed.connect(lambda fraction, _stage: self.progressed.emit(fraction))
        self.job = job
        self.changed.emit()
