"""The Qt side of core.project.Document: one object every widget observes.

The Document stays the single source of truth; the bridge turns its plain-callback notifications
into Qt signals and also holds view state shared by widgets (selection, playhead), which is not
part of the project and not undoable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from core.project import Document, Project


class DocumentBridge(QObject):
    projectChanged = Signal()  # any edit, undo, redo, save (dirty flag) or a new document
    documentReplaced = Signal()  # a different document (open/new): views rebuild everything
    selectionChanged = Signal()
    playheadChanged = Signal(int)
    message = Signal(str)  # short status text (an edit that made no sense, ...)

    def __init__(self, document: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None
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
        self.document = document
        self._unsubscribe = document.subscribe(self._on_document)
        self.selection = [0] if document.project.clips else []
        self.playhead_ms = 0
        self.documentReplaced.emit()
        self.projectChanged.emit()
        self.selectionChanged.emit()
        self.playheadChanged.emit(0)

    def _on_document(self, _doc: Document) -> None:
        n = len(self.document.project.clips)
        kept = [i for i in self.selection if i < n]
        if kept != self.selection:
            self.selection = kept or ([n - 1] if n else [])
            self.projectChanged.emit()
            self.selectionChanged.emit()
        else:
            self.projectChanged.emit()

    def edit(self, description: str, change: Callable[[Project], Project]) -> bool:
        """One undo step; an edit that makes no sense (ValueError) becomes a status message."""
        try:
            return self.document.edit(description, change)
        except ValueError as exc:
            self.message.emit(f"{description}: {exc}")
            return False

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
