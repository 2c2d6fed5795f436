"""Export options: output path, preset, subtitles (burned in, soft, SRT), ducking level."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from core.project import EXPORT_PRESETS, ExportSettings, Project
from gui import dialogs
from gui.i18n import tr


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
        self.setWindowTitle(tr("Export narrated video"))
        self.setMinimumWidth(560)
        settings = project.export
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.output = QLineEdit(default_output(project, project_path))
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.output, 1)
        row.addWidget(browse)
        form.addRow(tr("Output file"), row)
        self.preset = QComboBox()
        self.preset.addItems(list(EXPORT_PRESETS))
        self.preset.setCurrentText(settings.preset)
        form.addRow(tr("Preset"), self.preset)
        self.burn = QCheckBox(tr("Burn subtitles into the picture"))
        self.burn.setChecked(settings.burn_subtitles)
        self.soft = QCheckBox(tr("Subtitle track (can be switched off in players)"))
        self.soft.setChecked(settings.soft_subtitles)
        self.srt = QCheckBox(tr("Also write an .srt file"))
        self.srt.setChecked(settings.write_srt)
        for w in (self.burn, self.soft, self.srt):
            form.addRow("", w)
        self.duck = QDoubleSpinBox()
        self.duck.setRange(-60.0, 0.0)
        self.duck.setSuffix(" dB")
        self.duck.setSingleStep(1.0)
        self.duck.setValue(settings.duck_db)
        self.duck.setToolTip(tr("Level of the original sound while the narration speaks"))
        form.addRow(tr("Original audio under narration"), self.duck)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Export"))
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
            dialogs.show_error(self, tr("Export"), exc)
            return
        super().accept()

    def _browse(self) -> None:
        path = dialogs.choose_save_file(
            self, tr("Export to"), self.output.text(), tr("MP4 video") + " (*.mp4)"
        )
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
        )
