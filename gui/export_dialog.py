"""Export options (output path, preset, subtitles burned in / soft / SRT, ducking, loudness), the dialog for
lines that do not fit their clips, and the summary shown when an export ends."""

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
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.defaults import LOUDNESS_TARGETS, PRESET_SOURCE
from core.export import FitProblem
from core.pipeline import LineVerdict
from core.project import EXPORT_PRESETS, ExportSettings, Project
from gui import dialogs, logs
from gui.i18n import QT_TRANSLATE_NOOP, tr


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
        for preset in EXPORT_PRESETS:  # shown by a readable name, kept by its id
            self.preset.addItem(tr(PRESET_NAMES.get(preset, preset)), preset)
        self.preset.setCurrentIndex(max(0, self.preset.findData(settings.preset)))
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
        self.loudness = QComboBox()
        for value, name in LOUDNESS_CHOICES:
            self.loudness.addItem(tr(name), value)
        index = next((i for i, (v, _) in enumerate(LOUDNESS_CHOICES) if v == settings.loudness_lufs), 0)
        self.loudness.setCurrentIndex(index)
        self.loudness.setToolTip(tr("Integrated loudness of the export; true peaks stay under -1 dBTP"))
        form.addRow(tr("Loudness"), self.loudness)
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
        from core.export.report import report_path_for
        from core.output_guard import check_outputs

        out = self.output_path()
        srt = out.with_suffix(".srt") if self.srt.isChecked() else None
        try:
            check_outputs(self._inputs, [out, srt, report_path_for(out)])
        except InputError as exc:
            logs.log_error(tr("Export"), exc)  # the core's own words, if the dialog shows a translation
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
            preset=str(self.preset.currentData()),
            burn_subtitles=self.burn.isChecked(),
            soft_subtitles=self.soft.isChecked(),
            write_srt=self.srt.isChecked(),
            duck_db=float(self.duck.value()),
            output=str(self.output_path()),
            loudness_lufs=float(self.loudness.currentData()),
        )


PRESET_NAMES = {
    PRESET_SOURCE: QT_TRANSLATE_NOOP("", "Same as the source"),
    "1080p": QT_TRANSLATE_NOOP("", "1080p"),
    "720p": QT_TRANSLATE_NOOP("", "720p"),
}

LOUDNESS_CHOICES = tuple(  # the values are core.defaults.LOUDNESS_TARGETS, named in its order
    zip(
        LOUDNESS_TARGETS,
        (
            QT_TRANSLATE_NOOP("", "-14 LUFS (short-video platforms)"),
            QT_TRANSLATE_NOOP("", "-16 LUFS (podcasts, some streaming)"),
            QT_TRANSLATE_NOOP("", "-23 LUFS (broadcast, EBU R128)"),
        ),
        strict=True,
    )
)


class FitDialog(QDialog):
    """Lines that cannot fit their clips even spoken at the fastest allowed speed: what to do."""

    SHORTEN, SILENT, CANCEL = "shorten", "silent", "cancel"

    def __init__(self, problems: list[FitProblem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Lines too long for their clips"))
        self.problems = list(problems)
        self.choice = self.CANCEL
        layout = QVBoxLayout(self)
        n = len(self.problems)
        label = QLabel(
            tr(
                "%n line(s) cannot be spoken inside their clips even at the fastest allowed speed. Exported as they are, these clips would have no voice and no subtitle.",
                "",
                n,
            )
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.list = QListWidget()
        self.list.addItems([problem_text(p) for p in self.problems])
        for row, problem in enumerate(self.problems):
            self.list.item(row).setToolTip(problem.text)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self.shorten_button = buttons.addButton(
            tr("Shorten with the narrator"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.silent_button = buttons.addButton(
            tr("Export anyway, leaving them silent"), QDialogButtonBox.ButtonRole.DestructiveRole
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


def problem_text(problem: FitProblem) -> str:
    """One clip whose line cannot fit, in the interface language (the CLI prints problem.message())."""
    from core.export.report import seconds_pair

    needs, room = seconds_pair(problem.needs_ms, problem.room_ms)
    return tr("clip {number} ({start}-{end}): the line needs {needs} s, the clip leaves {room} s").format(
        number=problem.index + 1,
        start=timestamp(problem.start_ms),
        end=timestamp(problem.end_ms),
        needs=needs,
        room=room,
    )


def timestamp(ms: int) -> str:
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


class ShortenDialog(QDialog):
    """The narrator's shorter lines, one row per clip: the old line, the new one and a checkbox. A locked
    line (the user typed or locked it) is unchecked: the user's text is replaced only when they tick it.
    `chosen()` is what to apply (as one undo step)."""

    def __init__(self, project: Project, verdicts: list[LineVerdict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Shorter lines from the narrator"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "Tick the lines to replace. Lines you typed or locked are not ticked: your text is only replaced if you tick it."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 1)
        for column, title in enumerate((tr("Use"), tr("Clip"), tr("Your line"), tr("Shorter line"))):
            head = QLabel(f"<b>{title}</b>")
            grid.addWidget(head, 0, column)
        self.rows: list[tuple[QCheckBox, LineVerdict]] = []
        for row, verdict in enumerate(verdicts, start=1):
            clip = project.clips[verdict.index]
            usable = verdict.verdict == "shortened" and verdict.text.strip() != clip.narration.strip()
            check = QCheckBox()
            check.setChecked(usable and not clip.locked)
            check.setEnabled(usable)
            if clip.locked:
                check.setToolTip(tr("You typed or locked this line"))
            old = QLabel(clip.narration)
            old.setWordWrap(True)
            new = QLabel(verdict.text if usable else tr("(no shorter line fits this clip)"))
            new.setWordWrap(True)
            number = tr("Clip {number}").format(number=verdict.index + 1)
            if clip.locked:
                number += " " + tr("(locked)")
            grid.addWidget(check, row, 0)
            grid.addWidget(QLabel(number), row, 1)
            grid.addWidget(old, row, 2)
            grid.addWidget(new, row, 3)
            self.rows.append((check, verdict))
        layout.addLayout(grid)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Use the ticked lines and export"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[LineVerdict]:
        """The ticked rows' verdicts."""
        return [verdict for check, verdict in self.rows if check.isChecked() and check.isEnabled()]

