"""The Qt side of core.project.Document: one object every widget observes.

The Document stays the single source of truth; the bridge turns its before/after notifications into
Qt signals that say what changed, by comparing the frozen parts of the project:

- clipsChanged: clips were added, removed or retimed (the timeline rebuilds its blocks);
- narrationChanged: a clip's line, labels, locks or per-clip voice/rate changed (same spans);
- productChanged, videoChanged (video path or media), settingsChanged (speech or export settings);
- projectChanged: any change at all, saves included (title, dirty flag, actions' enabled state);
- documentReplaced: another document (open/new/recover): views reset everything;
- speechChanged: a line's speech changed state (waiting, speaking, ready, failed: Document.set_speech),
  no edit: the narration lane, the meter and the export check read it through `made_speech()`.

It also holds view state shared by widgets (selection, playhead), which is not part of the project
and not undoable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, SignalInstance

from core.project import Change, Document, Project, SpeechKey
from core.speech import FitResult
from gui.i18n import QT_TRANSLATE_NOOP, tr


class DocumentBridge(QObject):
    projectChanged = Signal()  # any edit, undo, redo, save (dirty flag) or a new document
    documentReplaced = Signal()  # a different document (open/new): views rebuild everything
    clipsChanged = Signal()  # clip count or times
    narrationChanged = Signal()  # lines, labels, locks, per-clip voice/rate (same spans)
    productChanged = Signal()
    videoChanged = Signal()  # the video file or its media summary (relink, and undoing it)
    settingsChanged = Signal()  # speech or export settings
    speechChanged = Signal()  # a line's speech state (Document.speech_of), not an edit
    selectionChanged = Signal()
    playheadChanged = Signal(int)
    message = Signal(str)  # short status text (an edit that made no sense, ...)

    def __init__(self, document: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None
        self._unsubscribe_speech: Callable[[], None] | None = None
        self.document = Document()
        self.selection: list[int] = []
        self.playhead_ms = 0
        if document is None:
            document = Document()
            document.mark_saved()  # an empty editor has nothing to lose
        self.set_document(document)

    # -- document
    @property
    def project(self) -> Project:
        return self.document.project

    def set_document(self, document: Document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._unsubscribe_speech is not None:
            self._unsubscribe_speech()
        self.document = document
        self._unsubscribe = document.observe(self._on_change)
        self._unsubscribe_speech = document.observe_speech(self.speechChanged.emit)
        self.selection = [0] if document.project.clips else []
        self.playhead_ms = 0
        self.documentReplaced.emit()
        self.projectChanged.emit()
        self.selectionChanged.emit()
        self.playheadChanged.emit(0)

    def _on_change(self, change: Change) -> None:
        before, after = change.before, change.after
        n = len(after.clips)
        kept = [i for i in self.selection if i < n]
        selection_moved = kept != self.selection
        if selection_moved:
            self.selection = kept or ([n - 1] if n else [])
        if before is not after:
            for signal in self.changed_parts(before, after):
                signal.emit()
        self.projectChanged.emit()
        if selection_moved:
            self.selectionChanged.emit()

    def changed_parts(self, before: Project, after: Project) -> list[SignalInstance]:
        """The signals for the parts that differ, in the order views should hear them."""
        parts: list[SignalInstance] = []
        if before.video != after.video or before.media != after.media:
            parts.append(self.videoChanged)
        spans = [(c.start_ms, c.end_ms) for c in before.clips]
        if spans != [(c.start_ms, c.end_ms) for c in after.clips]:
            parts.append(self.clipsChanged)
        if before.clips != after.clips:
            parts.append(self.narrationChanged)
        if before.product != after.product:
            parts.append(self.productChanged)
        if before.speech != after.speech or before.export != after.export:
            parts.append(self.settingsChanged)
        return parts

    def edit(self, description: str, change: Callable[[Project], Project], merge_key: object = None) -> bool:
        """One undo step (merged with the previous one when `merge_key` matches); an edit that makes no
        sense (ValueError) becomes a status message."""
        try:
            return self.document.edit(description, change, merge_key=merge_key)
        except ValueError as exc:
            self.message.emit(f"{description}: {edit_problem(str(exc))}")
            return False

    def made_speech(self, project: Project | None = None) -> dict[SpeechKey, FitResult]:
        """The speech already made for the lines of `project` (default: the current one), by speech key."""
        from core.project import speech_key

        project = project or self.project
        made = self.document.made_speech()
        keys = {speech_key(project, c) for c in project.clips}
        return {k: v for k, v in made.items() if k in keys}

    # -- view state
    def select(self, indexes: list[int]) -> None:
        n = len(self.project.clips)
        indexes = sorted({i for i in indexes if 0 <= i < n})
        if indexes != self.selection:
            self.selection = indexes
            self.selectionChanged.emit()

    @property
    def current(self) -> int | None:
        """The clip the inspector shows: the first selected one."""
        return self.selection[0] if self.selection else None

    def set_playhead(self, ms: int) -> None:
        media = self.project.media
        upper = media.duration_ms if media else (self.project.clips[-1].end_ms if self.project.clips else 0)
        ms = max(0, min(int(ms), upper))
        if ms != self.playhead_ms:
            self.playhead_ms = ms
            self.playheadChanged.emit(ms)


_EDIT_PROBLEMS = {  # core.project's edit functions say why an edit makes no sense (ValueError)
    "the playhead is not on a clip": QT_TRANSLATE_NOOP("", "the playhead is not on a clip"),
    "too close to a clip boundary to split": QT_TRANSLATE_NOOP("", "too close to a clip boundary to split"),
    "there is no next clip to merge with": QT_TRANSLATE_NOOP("", "there is no next clip to merge with"),
}


def edit_problem(text: str) -> str:
    """Why an edit was refused, in the interface language when it is a known reason."""
    return tr(_EDIT_PROBLEMS[text]) if text in _EDIT_PROBLEMS else text
