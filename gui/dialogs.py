"""Every modal question the editor asks goes through here, so tests can answer them by monkeypatching."""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.errors import SyncNarratorError
from gui.i18n import QT_TRANSLATE_NOOP, tr
from gui.lines_dialog import LinesDialog

log = logging.getLogger("syncnarrator")


def video_filter() -> str:
    return (
        tr("Videos and projects")
        + " (*.mp4 *.mov *.mkv *.avi *.webm *.m4v *.narr.json);;"
        + tr("All files")
        + " (*)"
    )


def project_filter() -> str:
    return tr("SyncNarrator projects") + " (*.narr.json)"


VIDEO_FILTER = "Videos and projects (*.mp4 *.mov *.mkv *.avi *.webm *.m4v *.narr.json);;All files (*)"
PROJECT_FILTER = "SyncNarrator projects (*.narr.json)"

# Core messages are "FILE: what is wrong (technical reason)"; the ones a user meets by mistake are
# shown translated and without the reason (which goes to the log).
_USER_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^(?P<file>.+): not a video file ffmpeg can read\b.*$"),
        QT_TRANSLATE_NOOP("", "{file}: not a video file"),
    ),
    (
        re.compile(r"^(?P<file>.+): has no known duration \(damaged or not a video file\)$"),
        QT_TRANSLATE_NOOP("", "{file}: not a video file"),
    ),
    (
        re.compile(r"^(?P<file>.+): no video frame could be decoded\b.*$"),
        QT_TRANSLATE_NOOP("", "{file}: not a video file"),
    ),
    (re.compile(r"^(?P<file>.+): no such file$"), QT_TRANSLATE_NOOP("", "{file}: no such file")),
    (
        re.compile(r"^(?P<file>.+): is a folder, not a video or project$"),
        QT_TRANSLATE_NOOP("", "{file}: is a folder, not a video or project"),
    ),
    (
        re.compile(r"^(?P<file>.+): not a video or SyncNarrator project$"),
        QT_TRANSLATE_NOOP("", "{file}: not a video or SyncNarrator project"),
    ),
    (
        re.compile(r"^(?P<file>.+): the video is missing$"),
        QT_TRANSLATE_NOOP("", "{file}: the video is missing"),
    ),
    (
        re.compile(r"^(?P<file>.+): file is empty \(0 bytes\)$"),
        QT_TRANSLATE_NOOP("", "{file}: the file is empty (0 bytes)"),
    ),
    # Settings > Add voice pack (core.speech.voices.add_voice_pack, core.speech.kokoro.load_style_file)
    (re.compile(r"^(?P<file>.+): no such voice pack file$"), QT_TRANSLATE_NOOP("", "{file}: no such file")),
    (
        re.compile(r"^(?P<file>.+): a voice pack is a \.npy or \.pt file$"),
        QT_TRANSLATE_NOOP("", "{file}: a voice pack is a .npy or .pt file"),
    ),
    (
        re.compile(r"^(?P<file>.+): (not a Kokoro voice\b.*|holds \d+ arrays; a voice pack holds one)$"),
        QT_TRANSLATE_NOOP("", "{file}: not a voice pack (a style file of the neural voice)"),
    ),
    (
        re.compile(r"^(?P<file>.+): cannot read the voice pack\b.*$"),
        QT_TRANSLATE_NOOP("", "{file}: the voice pack cannot be read"),
    ),
]

# Under zh_CN a message the table above does not know is not shown in English: the dialog says what
# kind of problem it is and where; the English original is in the log (MainWindow.show_error logs it).
_KIND_TEXTS = {
    "MediaError": QT_TRANSLATE_NOOP("", "the video cannot be read"),
    "ProjectError": QT_TRANSLATE_NOOP("", "the project file cannot be used"),
    "ExportError": QT_TRANSLATE_NOOP("", "the export failed"),
    "WriteError": QT_TRANSLATE_NOOP("", "the file cannot be written"),
    "SpeechError": QT_TRANSLATE_NOOP("", "the speech could not be made"),
    "FitError": QT_TRANSLATE_NOOP("", "some lines do not fit their clips"),
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_FILE_HEAD = re.compile(r"^(?P<file>(?:[A-Za-z]:)?[^:]*[/\\.][^:]*): ")


def _in_chinese(exc: BaseException, text: str) -> str:
    """A message for the zh_CN interface when `text` (a core message) is English."""
    from gui.i18n import active_language

    if active_language() != "zh_CN" or _CJK.search(text):
        return text
    kind = next((k for k in (type(c).__name__ for c in type(exc).__mro__) if k in _KIND_TEXTS), "")
    what = tr(_KIND_TEXTS[kind]) if kind else tr("the input cannot be used")
    m = _FILE_HEAD.match(text)
    return tr("{file}: {problem}").format(file=m.group("file"), problem=what) if m else what


def _os_error_text(exc: OSError) -> str:
    import errno

    reasons = {
        errno.ENOENT: QT_TRANSLATE_NOOP("", "no such file or folder"),
        errno.EACCES: QT_TRANSLATE_NOOP("", "permission denied"),
        errno.EPERM: QT_TRANSLATE_NOOP("", "permission denied"),
        errno.ENOSPC: QT_TRANSLATE_NOOP("", "the disk is full"),
        errno.EROFS: QT_TRANSLATE_NOOP("", "the disk is read-only"),
        errno.EISDIR: QT_TRANSLATE_NOOP("", "is a folder"),
    }
    from gui.i18n import active_language

    if active_language() != "zh_CN" or exc.errno not in reasons:  # the system's own words elsewhere
        return f"{exc.filename}: {exc.strerror or exc}"
    return tr("{file}: {problem}").format(file=exc.filename, problem=tr(reasons[exc.errno]))


def one_line(exc: BaseException) -> str:
    """The message a user sees: ours (translated when it is a common one), anything else prefixed with its kind."""
    if isinstance(exc, SyncNarratorError):
        text = str(exc).strip()
        for pattern, template in _USER_MESSAGES:
            m = pattern.match(text)
            if m:
                return tr(template).format(file=m.group("file"))
        first = text.splitlines()[0] if text else type(exc).__name__
        return _in_chinese(exc, first)
    if isinstance(exc, OSError) and exc.filename:
        return _os_error_text(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return tr("internal error: {kind}").format(kind=type(exc).__name__) + (f": {text}" if text else "")


def is_user_mistake(exc: BaseException) -> bool:
    """Errors the user can fix (a wrong file, a missing model): no "see the log" noise, no traceback."""
    return isinstance(exc, (SyncNarratorError, OSError))


def show_error(parent: QWidget | None, title: str, exc: BaseException, details: str = "") -> None:
    """A one-line message and where the log is (the details, a traceback, are only there)."""
    box = make_error_box(parent, title, exc)
    box.exec()


def make_error_box(parent: QWidget | None, title: str, exc: BaseException) -> QMessageBox:
    """The error dialog: one line in the interface language (the core's own English words, and any
    technical reason, are in the log: Help > Open log folder)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, one_line(exc), QMessageBox.StandardButton.Ok, parent)
    if is_user_mistake(exc):
        box.setInformativeText(tr("More in the log: Help ▸ Open log folder"))
    else:
        from gui.logs import log_file

        box.setInformativeText(tr("The details are in the log: {path}").format(path=log_file()))
    return box


def exec_dialog(dialog: QDialog) -> bool:
    """Run a modal dialog; True when accepted."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def ask_open_backup(parent: QWidget | None, message: str) -> bool:
    """A project did not load but its previous save did survive: True to open that instead."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, tr("Damaged project"), message, QMessageBox.StandardButton.NoButton, parent
    )
    open_button = box.addButton(tr("Open previous save"), QMessageBox.ButtonRole.AcceptRole)
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
    answer = QMessageBox.question(
        parent, tr("Unsaved changes"), tr("Save the changes to {name}?").format(name=name), buttons
    )
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(answer, "cancel")


def make_file_dialog(
    parent: QWidget | None,
    caption: str,
    start: str = "",
    filt: str = "",
    mode: str = "open",
) -> QFileDialog:
    """Qt's own file dialog (never the platform's): the same everywhere, translated by qtbase_zh_CN.qm
    ("Look in", "Files of type" in Chinese), and one that tests can walk. `mode`: open, save or folder."""
    dialog = QFileDialog(parent, caption, start)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    # qtbase_zh_CN.qm leaves these two in English ("Look in", "Files of type"): ours are translated
    dialog.setLabelText(QFileDialog.DialogLabel.LookIn, tr("Look in:"))
    dialog.setLabelText(QFileDialog.DialogLabel.FileType, tr("Files of type:"))
    dialog.resize(820, 520)  # room for the names, sizes and dates (Qt opens it smaller)
    if mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    elif mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        if start and not Path(start).is_dir():
            dialog.selectFile(start)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if filt and mode != "folder":
        dialog.setNameFilters(filt.split(";;"))
    return dialog


def _chosen(dialog: QFileDialog) -> str:
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return ""
    files = dialog.selectedFiles()
    return files[0] if files else ""


def choose_open_file(parent: QWidget | None, caption: str = "", filt: str = "", start: str = "") -> str:
    """A file to open; starts in `start` (File > Open passes the last folder used)."""
    return _chosen(make_file_dialog(parent, caption or tr("Open video or project"), start, filt or video_filter()))


def choose_save_file(parent: QWidget | None, caption: str, start: str = "", filt: str = "") -> str:
    return _chosen(make_file_dialog(parent, caption, start, filt or project_filter(), mode="save"))


def choose_folder(parent: QWidget | None, caption: str, start: str = "") -> str:
    return _chosen(make_file_dialog(parent, caption, start, mode="folder"))


def open_folder(folder: Path) -> bool:
    """Show `folder` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def open_file(path: Path) -> bool:
    """Open `path` with the system's default application (Play an export)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


# --- Help ----------------------------------------------------------------------------------------


def shortcuts_table(rows: list[tuple[str, str]]) -> QTableWidget:
    table = QTableWidget(len(rows), 2)
    table.setHorizontalHeaderLabels([tr("Keys"), tr("Action")])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, (keys, what) in enumerate(rows):
        table.setItem(r, 0, QTableWidgetItem(keys))
        table.setItem(r, 1, QTableWidgetItem(what))
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def make_shortcuts_dialog(parent: QWidget | None, rows: list[tuple[str, str]]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(tr("Keyboard shortcuts"))
    dialog.resize(520, 560)
    layout = QVBoxLayout(dialog)
    dialog.table = shortcuts_table(rows)  # type: ignore[attr-defined]
    layout.addWidget(dialog.table)  # type: ignore[attr-defined]
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return dialog


def show_shortcuts(parent: QWidget | None, rows: list[tuple[str, str]]) -> None:
    exec_dialog(make_shortcuts_dialog(parent, rows))


def app_version() -> str:
    from core import __version__

    return str(__version__)


def about_html() -> str:
    """Version, licences of what is bundled, and the offer of the ffmpeg build's source (LGPL/GPL)."""
    from gui.config import log_dir

    rows = [
        (
            tr("Voices"),
            tr(
                "Speech by the espeak-ng engine (GPL-3.0) and, where bundled, the Kokoro-82M voice (Apache-2.0); see NOTICE."
            ),
        ),
        (
            tr("Models"),
            tr(
                "The built-in writer is learned from the E-SyncVidStory dataset, published by Alibaba (2024) under the BSD-3-Clause licence (see NOTICE); no model is downloaded at run time."
            ),
        ),
        (tr("Fonts"), tr("Noto Sans CJK (SIL Open Font License 1.1) for subtitles.")),
        (
            tr("Video"),
            tr(
                "The bundled ffmpeg build comes from imageio-ffmpeg (ffmpeg is LGPL/GPL). Its complete source code is available on request, and from https://ffmpeg.org and https://github.com/imageio/imageio-binaries, for at least three years."
            ),
        ),
        (tr("Interface"), tr("Qt 6 and PySide6 (LGPL-3.0).")),
    ]
    body = "".join(f"<tr><td valign='top'><b>{a}</b></td><td>{b}</td></tr>" for a, b in rows)
    tagline = tr("Offline narration for product videos.")
    logs_line = tr("Log folder: {folder}").format(folder=log_dir())
    return (
        f"<h3>SyncNarrator {app_version()}</h3><p>{tagline}</p>"
        f"<table cellspacing='6'>{body}</table><p>{logs_line}</p>"
    )


def make_about_dialog(parent: QWidget | None) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(tr("About SyncNarrator"))
    dialog.resize(560, 420)
    layout = QVBoxLayout(dialog)
    text = QTextBrowser()
    text.setOpenExternalLinks(True)
    text.setHtml(about_html())
    dialog.text = text  # type: ignore[attr-defined]
    layout.addWidget(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return dialog


def show_about(parent: QWidget | None) -> None:
    exec_dialog(make_about_dialog(parent))


# --- export finished ---------------------------------------------------------------------------


def report_summary(result: object, output: Path) -> list[str]:
    """Lines for the finishing dialog from the export report (OUT.report.json, see core.export.report)."""
    report: dict[str, Any] = {}
    report_path = getattr(result, "report_path", None) or output.with_name(output.stem + ".report.json")
    try:
        data = json.loads(Path(report_path).read_text(encoding="utf-8"))
        report = data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        report = {}
    lines = [tr("Saved as {name}").format(name=output.name)]
    duration = report.get("duration_ms") or getattr(result, "duration_ms", None)
    if isinstance(duration, (int, float)) and duration > 0:
        lines.append(tr("Length: {seconds} s").format(seconds=f"{duration / 1000:.1f}"))
    summary = report.get("summary")
    summary = summary if isinstance(summary, dict) else {}
    clips = [c for c in report.get("clips") or [] if isinstance(c, dict)]
    if summary:
        spoken = int(summary.get("fitted", 0)) + int(summary.get("shortened", 0))
        lines.append(tr("%n lines spoken", "", spoken))
        if summary.get("shortened"):
            lines.append(tr("%n lines shortened to fit", "", int(summary["shortened"])))
        silent = [c for c in clips if c.get("status") == "silent" and c.get("line")]
        if silent:
            lines.append(tr("%n lines left silent (too long for their clip):", "", len(silent)))
            lines.extend("• " + tr("clip {number}").format(number=c.get("clip", "?")) for c in silent[:6])
    loudness = report.get("loudness")
    lufs = loudness.get("integrated_lufs") if isinstance(loudness, dict) else None
    if isinstance(lufs, (int, float)):
        lines.append(tr("Loudness: {lufs} LUFS").format(lufs=f"{lufs:.1f}"))
    warnings = list(report.get("warnings") or getattr(result, "warnings", ()) or ())
    if warnings:
        lines.append(tr("%n warnings:", "", len(warnings)))
        lines.extend(f"• {w}" for w in warnings[:8])
    return lines


def make_export_finished_dialog(parent: QWidget | None, output: Path, result: object) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(tr("Export finished"))
    box.setText("\n".join(report_summary(result, output)))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open_button = box.addButton(tr("Open folder"), QMessageBox.ButtonRole.ActionRole)  # type: ignore[attr-defined]
    box.play_button = box.addButton(tr("Play"), QMessageBox.ButtonRole.ActionRole)  # type: ignore[attr-defined]
    box.addButton(QMessageBox.StandardButton.Close)
    return box


def show_export_finished(parent: QWidget | None, output: Path, result: object) -> None:
    box = make_export_finished_dialog(parent, output, result)
    box.exec()
    if box.clickedButton() is box.open_button:  # type: ignore[attr-defined]
        open_folder(output.parent)
    elif box.clickedButton() is box.play_button:  # type: ignore[attr-defined]
        open_file(output)


def install_excepthook() -> None:
    """Uncaught exceptions in slots become a one-line error dialog (traceback to the log) instead of a crash."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, exc, tb))
        log.error("uncaught exception\n%s", details.rstrip())
        if sys.stderr is not None:
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
    """A list of lines to read (the narrator's shorter lines), through `exec_dialog` (tests answer it)."""
    if lines:
        exec_dialog(LinesDialog(title, lines, parent))
