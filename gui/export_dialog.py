"""Export options (output path, preset, subtitles burned in / soft / SRT, ducking, loudness), the dialog for
lines that do not fit their clips, and the summary shown when an export ends."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.project import EXPORT_PRESETS, ExportSettings, Project
from gui import dialogs


def default_output(project: Project, project_path: Path | None) -> str:
    if project.export.output:
        out = Path(project.export.output)
        if not out.is_absolute() and project_path is not None:
            out = project_path.resolve().parent / out
        return str(out)
    base = Path(project.video) if project.video else Path.home() / "narrated"
    return str(beside(base, base.stem + ".narrated.mp4"))


def beside(source: Path, name: str) -> Path:
    """`name` next to `source`, or in the home folder when that is the app's own or unwritable."""
    bundled = Path(__file__).resolve().parents[1] / "resources"
    folder = source.parent
    if not os.access(folder, os.W_OK) or folder.resolve().is_relative_to(bundled):
        folder = Path.home()  # never write into the app's own (maybe read-only) folders
    return folder / name


class ExportDialog(QDialog):
    def __init__(self, project: Project, project_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._inputs = [project.video, project_path]  # the output guard never lets the export overwrite these
        self.setWindowTitle("Export narrated video")
        self.setMinimumWidth(560)
        settings = project.export
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.output = QLineEdit(default_output(project, project_path))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.output, 1)
        row.addWidget(browse)
        form.addRow("Output file", row)
        self.preset = QComboBox()
        self.preset.addItems(list(EXPORT_PRESETS))
        self.preset.setCurrentText(settings.preset)
        form.addRow("Preset", self.preset)
        self.burn = QCheckBox("Burn subtitles into the picture (short-video platforms need it)")
        self.burn.setChecked(settings.burn_subtitles)
        self.soft = QCheckBox("Subtitle track (can be switched off in players)")
        self.soft.setChecked(settings.soft_subtitles)
        self.srt = QCheckBox("Also write an .srt file")
        self.srt.setChecked(settings.write_srt)
        for w in (self.burn, self.soft, self.srt):
            form.addRow("", w)
        self.duck = QDoubleSpinBox()
        self.duck.setRange(-60.0, 0.0)
        self.duck.setSuffix(" dB")
        self.duck.setSingleStep(1.0)
        self.duck.setValue(settings.duck_db)
        self.duck.setToolTip("Level of the original sound while the narration speaks")
        form.addRow("Original audio under narration", self.duck)
        self.loudness = QComboBox()
        for value, name in LOUDNESS_CHOICES:
            self.loudness.addItem(name, value)
        index = next((i for i, (v, _) in enumerate(LOUDNESS_CHOICES) if v == settings.loudness_lufs), 0)
        self.loudness.setCurrentIndex(index)
        self.loudness.setToolTip("Integrated loudness of the export; true peaks stay under -1 dBTP")
        form.addRow("Loudness", self.loudness)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        """Refuse (with a dialog, keeping this one open) an output that would overwrite the video, the
        project, or a special file; the same guard the command line runs."""
        from core.errors import InputError
        from core.output_guard import check_outputs

        out = self.output_path()
        srt = out.with_suffix(".srt") if self.srt.isChecked() else None
        try:
            check_outputs(self._inputs, [out, srt])
        except InputError as exc:
            dialogs.show_error(self, "Export", exc)
            return
        super().accept()

    def _browse(self) -> None:
        path = dialogs.choose_save_file(self, "Export to", self.output.text(), "MP4 video (*.mp4)")
        if path:
            self.output.setText(path)

    def output_path(self) -> Path:
        return Path(self.output.text().strip()).expanduser()

    def settings(self, current: ExportSettings) -> ExportSettings:
        return replace(
            current,
            preset=self.preset.currentText(),
            burn_subtitles=self.burn.isChecked(),
            soft_subtitles=self.soft.isChecked(),
            write_srt=self.srt.isChecked(),
            duck_db=float(self.duck.value()),
            output=str(self.output_path()),
            loudness_lufs=float(self.loudness.currentData()),
        )


LOUDNESS_CHOICES = (
    (-14.0, "-14 LUFS (short-video platforms)"),
    (-16.0, "-16 LUFS (podcasts, some streaming)"),
    (-23.0, "-23 LUFS (broadcast, EBU R128)"),
)


class FitDialog(QDialog):
    """Lines that cannot fit their clips even spoken at the fastest allowed speed: what to do."""

    SHORTEN, SILENT, CANCEL = "shorten", "silent", "cancel"

    def __init__(self, problems: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Lines too long for their clips")
        self.problems = list(problems)
        self.choice = self.CANCEL
        layout = QVBoxLayout(self)
        n = len(self.problems)
        label = QLabel(
            f"{n} line{'s' if n > 1 else ''} cannot be spoken inside {'their clips' if n > 1 else 'its clip'}"
            " even at the fastest allowed speed. Exported as they are, these clips would have no voice"
            " and no subtitle."
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.list = QListWidget()
        self.list.addItems([p.message() for p in self.problems])
        for row, problem in enumerate(self.problems):
            self.list.item(row).setToolTip(problem.text)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self.shorten_button = buttons.addButton("Shorten with the narrator", QDialogButtonBox.ButtonRole.AcceptRole)
        self.silent_button = buttons.addButton(
            "Export anyway, leaving them silent", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.shorten_button.clicked.connect(lambda: self._choose(self.SHORTEN))
        self.silent_button.clicked.connect(lambda: self._choose(self.SILENT))
        self.cancel_button.clicked.connect(lambda: self._choose(self.CANCEL))
        layout.addWidget(buttons)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        if choice == self.CANCEL:
            self.reject()
        else:
            self.accept()


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


class ExportSummaryDialog(QDialog):
    """The end of an export: the report's summary, "Open folder" and "Play"."""

    def __init__(self, output: Path, summary: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export finished")
        self.output = Path(output)
        self.summary = summary
        layout = QVBoxLayout(self)
        label = QLabel(f"{self.output.name}\n\n{summary}".strip())
        label.setWordWrap(True)
        layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.folder_button = buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.play_button = buttons.addButton("Play", QDialogButtonBox.ButtonRole.ActionRole)
        self.folder_button.clicked.connect(lambda: open_url(self.output.parent))
        self.play_button.clicked.connect(lambda: open_url(self.output))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def open_url(path: Path) -> bool:
    """Open a file or folder with the desktop's default application."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
