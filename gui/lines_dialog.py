"""A list of lines to read (the narrator's new, shorter lines): generic, so gui.dialogs.show_lines can show it
without importing the export dialog (which imports gui.dialogs: that was a runtime import cycle)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QListWidget, QVBoxLayout, QWidget


class LinesDialog(QDialog):
    """A list of lines to read (the new, shorter lines)."""

    def __init__(self, title: str, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.lines = list(lines)
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.addItems(self.lines)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
