"""Inspector for the selected clip: storyline labels, narration text with a live budget meter, lock."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.project import Project, set_labels, set_narration
from core.timebase import format_timecode
from gui.bridge import DocumentBridge
from gui.services import Fit, clip_fit, labels
from gui.style import FIT_COLORS, label_color

MAX_LABELS = 2  # the data never gives a clip more than two storyline labels


class Inspector(QWidget):
    """Edits one clip; text edits commit as one undo step when typing pauses or focus leaves."""

    regenerateRequested = Signal()
    playSpeechRequested = Signal()

    def __init__(self, bridge: DocumentBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._updating = False
        layout = QVBoxLayout(self)
        self.header = QLabel("No clip selected")
        self.header.setObjectName("inspectorHeader")
        layout.addWidget(self.header)

        box = QGroupBox("Storyline")
        grid = QGridLayout(box)
        self.label_boxes: dict[str, QCheckBox] = {}
        for i, info in enumerate(labels()):
            check = QCheckBox(info.name)
            check.setToolTip(info.definition)
            colour = label_color(info.name)
            check.setStyleSheet(f"QCheckBox {{ border-left: 6px solid {colour.name()}; padding-left: 3px; }}")
            check.toggled.connect(self._labels_toggled)
            grid.addWidget(check, i // 2, i % 2)
            self.label_boxes[info.name] = check
        if not self.label_boxes:
            grid.addWidget(QLabel("(storyline labels are not available in this build)"), 0, 0)
        layout.addWidget(box)

        layout.addWidget(QLabel("Narration"))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("One line of narration for this clip")
        self.text.setMaximumHeight(90)
        self.text.textChanged.connect(self._text_changed)
        layout.addWidget(self.text)

        self.chars_meter = QProgressBar()
        self.chars_meter.setTextVisible(True)
        self.seconds_meter = QProgressBar()
        self.seconds_meter.setTextVisible(True)
        self.fit_label = QLabel("")
        layout.addWidget(self.chars_meter)
        layout.addWidget(self.seconds_meter)
        layout.addWidget(self.fit_label)

        row = QHBoxLayout()
        self.lock = QCheckBox("Lock line")
        self.lock.setToolTip("The narrator keeps a locked line when narrating again")
        self.lock.toggled.connect(self._lock_toggled)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Write a different line for this clip")
        self.regenerate.clicked.connect(self.regenerateRequested)
        self.play_speech = QPushButton("Play speech")
        self.play_speech.clicked.connect(self.playSpeechRequested)
        row.addWidget(self.lock)
        row.addStretch(1)
        row.addWidget(self.regenerate)
        row.addWidget(self.play_speech)
        layout.addLayout(row)
        layout.addStretch(1)

        self._commit_timer = QTimer(self)
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(800)
        self._commit_timer.timeout.connect(self.commit_text)
        self._text_index: int | None = None
        self.fit: Fit | None = None
        bridge.projectChanged.connect(self.refresh)
        bridge.selectionChanged.connect(self._selection_changed)
        self.refresh()

    # -- model -> widgets
    def _selection_changed(self) -> None:
        self.commit_text()
        self.refresh()

    def refresh(self) -> None:
        index = self.bridge.current
        project = self.bridge.project
        self._updating = True
        try:
            enabled = index is not None
            for w in (self.text, self.lock, self.regenerate, self.play_speech, *self.label_boxes.values()):
                w.setEnabled(enabled)
            if index is None:
                self.header.setText("No clip selected")
                self.text.setPlainText("")
                self._text_index = None
                self._update_meter()
                return
            clip = project.clips[index]
            extra = (
                f" (+{len(self.bridge.selection) - 1} more selected)"
                if len(self.bridge.selection) > 1
                else ""
            )
            self.header.setText(
                f"Clip {index + 1} of {len(project.clips)}: {format_timecode(clip.start_ms)} – "
                f"{format_timecode(clip.end_ms)} ({clip.duration_ms / 1000:.2f} s){extra}"
            )
            for name, check in self.label_boxes.items():
                check.setChecked(name in clip.labels)
            self.lock.setChecked(clip.locked)
            if self._text_index != index or (
                self.text.toPlainText() != clip.narration and not self._commit_timer.isActive()
            ):
                self.text.setPlainText(clip.narration)
                self._text_index = index
            self._update_meter()
        finally:
            self._updating = False

    def _update_meter(self) -> None:
        index = self._text_index
        project = self.bridge.project
        if index is None or index >= len(project.clips):
            for bar in (self.chars_meter, self.seconds_meter):
                bar.setRange(0, 1)
                bar.setValue(0)
                bar.setFormat("")
            self.fit_label.setText("")
            self.fit_label.setProperty("warning", False)
            self.fit = None
            return
        clip = project.clips[index]
        text = self.text.toPlainText()
        fit = clip_fit(clip, project, text)
        self.fit = fit
        n, lo, hi = fit.chars, fit.chars_min, fit.chars_max
        self.chars_meter.setRange(0, max(hi, n, 1))
        self.chars_meter.setValue(n)
        self.chars_meter.setFormat(
            f"{n} characters (budget {lo}–{hi})" if hi else f"{n} characters (clip too short to speak)"
        )
        self.seconds_meter.setRange(0, max(fit.room_ms, fit.speech_ms, 1))
        self.seconds_meter.setValue(fit.speech_ms)
        self.seconds_meter.setFormat(
            f"speech ≈{fit.speech_ms / 1000:.1f} s; room {fit.room_ms / 1000:.1f} s of the {clip.duration_ms / 1000:.1f} s clip"
        )
        over_chars = n > hi
        colour = FIT_COLORS[fit.state]
        for bar, state in (
            (self.chars_meter, "over" if over_chars else "fits"),
            (self.seconds_meter, fit.state),
        ):
            pal = bar.palette()
            pal.setColor(
                QPalette.ColorRole.Highlight, QColor(FIT_COLORS["fits" if state == "empty" else state])
            )
            bar.setPalette(pal)
            bar.setProperty("state", state)
        messages = {
            "over": "Too long: this line will not fit the clip",
            "tight": "Tight: it will be spoken a little faster to fit",
            "fits": "Short: the clip will have some silence" if n < lo else "Fits",
            "empty": "",
        }
        self.fit_label.setText(messages[fit.state])
        self.fit_label.setStyleSheet(
            f"color: {colour.name()};" + (" font-weight: bold;" if fit.state == "over" else "")
        )
        self.fit_label.setProperty("warning", fit.state == "over")

    @property
    def warning(self) -> bool:
        return bool(self.fit_label.property("warning"))

    # -- widgets -> model
    def _labels_toggled(self) -> None:
        if self._updating or self.bridge.current is None:
            return
        index = self.bridge.current
        chosen = tuple(name for name, check in self.label_boxes.items() if check.isChecked())
        if len(chosen) > MAX_LABELS:
            current = self.bridge.project.clips[index].labels
            newest = [n for n in chosen if n not in current]
            chosen = (*[n for n in current if n in chosen][: MAX_LABELS - len(newest)], *newest)[-MAX_LABELS:]
        targets = list(self.bridge.selection) or [index]

        def apply(p: Project) -> Project:  # every selected clip gets the labels: one undo step
            for i in targets:
                p = set_labels(p, i, chosen, lock=True)
            return p

        self.bridge.edit("Change storyline", apply)
        self.refresh()

    def _lock_toggled(self, on: bool) -> None:
        if self._updating or self.bridge.current is None:
            return
        self.commit_text()
        index = self.bridge.current
        text = self.bridge.project.clips[index].narration
        self.bridge.edit(
            "Lock line" if on else "Unlock line", lambda p: set_narration(p, index, text, lock=on)
        )

    def _text_changed(self) -> None:
        if self._updating:
            return
        self._update_meter()
        self._commit_timer.start()

    def commit_text(self) -> None:
        """Write the edited text to the document (typing a line is one undo step; it locks the line)."""
        self._commit_timer.stop()
        index = self._text_index
        project = self.bridge.project
        if index is None or index >= len(project.clips):
            return
        text = self.text.toPlainText()
        if text != project.clips[index].narration:
            self.bridge.edit("Edit narration", lambda p: set_narration(p, index, text, lock=True))
