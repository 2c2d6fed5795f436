"""What the controllers need from the window and its views, as protocols (no widget types here).

The controllers (gui/narration_commands.py, gui/documents.py, gui/clip_edits.py) are handed these, not the
window: a controller cannot reach into a widget it was not given, the type checker says what each one
uses, and a test can hand it a plain object. `MainWindow` satisfies `CommandHost` and `DocumentHost`,
`Preview` satisfies `Player`, `Inspector` satisfies `AlternativesView` (mypy checks it where the window
builds the controllers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QWidget

from core.project import Document
from gui.operations import Host

Alternative = tuple[tuple[str, ...], str]  # (labels, text)


class CommandHost(Host, Protocol):
    """The window as the commands see it: messages and errors (Host), and the few things they ask of it."""

    def window(self) -> QWidget:
        """The parent of the dialogs a command opens (QWidget.window())."""
        ...

    def flush_edits(self) -> None:
        """Commit what is being typed (line, product field) before acting on the project."""
        ...

    def show_product_tab(self) -> None: ...

    def update_title(self) -> None:
        """After a change the document's undo history does not show (saved state of an export's settings)."""
        ...


class DocumentHost(CommandHost, Protocol):
    """What open/save/recover need besides: replace the document, point out a missing product card."""

    def set_document(self, doc: Document) -> None: ...

    def show_product_banner(self, video: Path) -> None: ...


class Player(Protocol):
    """The preview, as the narration commands use it (gui.preview.Preview)."""

    def set_narration_audio(self, path: str | None) -> None: ...

    def warn_if_no_audio_output(self) -> bool: ...

    def play_file(self, path: str) -> bool: ...


class AlternativesView(Protocol):
    """The Clip panel's list of other lines (gui.inspector.Inspector)."""

    def refresh(self) -> None: ...

    def set_alternatives(self, index: int, lines: list[Alternative]) -> None: ...

    def next_alternative(self, index: int) -> Alternative | None: ...
