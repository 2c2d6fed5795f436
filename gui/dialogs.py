"""Every modal question the editor asks goes through here, so tests can answer them by monkeypatching."""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QWidget

from core.errors import SyncNarratorError

VIDEO_FILTER = "Videos and projects (*.mp4 *.mov *.mkv *.avi *.webm *.m4v *.narr.json);;All files (*)"
PROJECT_FILTER = "SyncNarrator projects (*.narr.json)"


def one_line(exc: BaseException) -> str:
    """The message a user sees: ours as-is, anything else prefixed with its kind."""
    if isinstance(exc, SyncNarratorError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"internal error: {type(exc).__name__}{': ' + text if text else ''}"


def show_error(parent: QWidget | None, title: str, exc: BaseException, details: str = "") -> None:
    """One-line message; the traceback (if any) behind "Show Details..."."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, one_line(exc), QMessageBox.StandardButton.Ok, parent)
    if (details and not isinstance(exc, SyncNarratorError)) or details:
        box.setDetailedText(details)
    box.exec()


def exec_dialog(dialog: QDialog) -> bool:
    """Run a modal dialog; True when accepted."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def ask_open_backup(parent: QWidget | None, message: str) -> bool:
    """A project did not load but its previous save did survive: True to open that instead."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Damaged project", message, QMessageBox.StandardButton.NoButton, parent
    )
    open_button = box.addButton("Open previous save", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(open_button)
    box.exec()
    return box.clickedButton() is open_button


def ask_save_discard_cancel(parent: QWidget | None, name: str) -> str:
    """'save', 'discard' or 'cancel' for closing a document with unsaved changes."""
    buttons = (
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    answer = QMessageBox.question(parent, "Unsaved changes", f"Save the changes to {name}?", buttons)
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(answer, "cancel")


def choose_open_file(
    parent: QWidget | None, caption: str = "Open video or project", filt: str = VIDEO_FILTER
) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, caption, "", filt)
    return path


def choose_save_file(
    parent: QWidget | None, caption: str, start: str = "", filt: str = PROJECT_FILTER
) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, caption, start, filt)
    return path


def choose_folder(parent: QWidget | None, caption: str, start: str = "") -> str:
    return QFileDialog.getExistingDirectory(parent, caption, start)


def install_excepthook() -> None:
    """Uncaught exceptions in slots become an error dialog instead of killing the editor."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, exc, tb))
        print(details, file=sys.stderr)
        if isinstance(exc, KeyboardInterrupt):
            QApplication.quit()
            return
        app = QApplication.instance()
        if app is None:
            return
        try:
            show_error(QApplication.activeWindow(), "SyncNarrator", exc, details)
        except Exception:  # the hook itself must never raise
            pass

    sys.excepthook = hook


def show_lines(parent: QWidget | None, title: str, lines: list[str]) -> None:
    """A list of lines to read, through `exec_dialog` (tests answer it)."""
    from gui.export_dialog import LinesDialog

    if lines:
        exec_dialog(LinesDialog(title, lines, parent))


def show_export_summary(parent: QWidget | None, output: Any, summary: str) -> None:
    """The export's report summary with "Open folder" and "Play", through `exec_dialog`."""
    from gui.export_dialog import ExportSummaryDialog

    exec_dialog(ExportSummaryDialog(output, summary, parent))
