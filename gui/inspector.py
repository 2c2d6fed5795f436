"""Inspector for the selected clip: storyline labels, narration text with a live budget meter, lock."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.labels import LABELS
from core.pipeline import LineFit, line_fit
from core.project import Project, set_labels, set_narration
from core.speech import count_chars
from core.timebase import format_timecode
from gui.bridge import DocumentBridge
from gui.i18n import label_definition, tr
from gui.speech_queue import SPEECH_TEXT
from gui.style import FIT_COLORS, label_color

MAX_LABELS = 2  # the data never gives a clip more than two storyline labels


class Inspector(QWidget):
    """Edits one clip; text edits commit as one undo step when typing pauses or focus leaves.

    Everything sits in a vertical scroll area: in a small window the panel scrolls, the 12 label
    checkboxes are never squashed.
    """

    regenerateRequested = Signal()
    playSpeechRequested = Signal()
    alternativesRequested = Signal()  # "换一句": ask the narrator for the clip's alternatives
    alternativeChosen = Signal(int, str, list)  # clip index, line, its labels
    labelsChanged = Signal(int)  # the user changed clip `index`'s storyline

    def __init__(self, bridge: DocumentBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._updating = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area)
        body = QWidget()
        self.scroll_area.setWidget(body)
        layout = QVBoxLayout(body)
        self.header = QLabel(tr("No clip selected"))
        self.header.setObjectName("inspectorHeader")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)

        box = QGroupBox(tr("Storyline"))
        grid = QGridLayout(box)
        self.label_boxes: dict[str, QCheckBox] = {}
        for i, (name, definition) in enumerate(LABELS.items()):
            check = QCheckBox(name)
            check.setToolTip(label_definition(name, definition))
            colour = label_color(name)
            check.setStyleSheet(f"QCheckBox {{ border-left: 6px solid {colour.name()}; padding-left: 3px; }}")
            check.setMinimumHeight(check.sizeHint().height())
            check.toggled.connect(self._labels_toggled)
            grid.addWidget(check, i // 2, i % 2)
            self.label_boxes[name] = check
        if not self.label_boxes:
            grid.addWidget(QLabel(tr("(storyline labels are not available in this build)")), 0, 0)
        layout.addWidget(box)

        layout.addWidget(QLabel(tr("Narration")))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(tr("One line of narration for this clip"))
        self.text.setMinimumHeight(54)
        self.text.setMaximumHeight(90)
        self.text.textChanged.connect(self._text_changed)
        layout.addWidget(self.text)

        self.chars_meter = QProgressBar()
        self.chars_meter.setTextVisible(True)
        self.seconds_meter = QProgressBar()
        self.seconds_meter.setTextVisible(True)
        self.fit_label = QLabel("")
        self.fit_label.setWordWrap(True)
        layout.addWidget(self.chars_meter)
        layout.addWidget(self.seconds_meter)
        layout.addWidget(self.fit_label)

        row = QHBoxLayout()
        self.lock = QCheckBox(tr("Lock line"))
        self.lock.setToolTip(tr("The narrator keeps a locked line when narrating again"))
        self.lock.toggled.connect(self._lock_toggled)
        self.regenerate = QPushButton(tr("Regenerate"))
        self.regenerate.setToolTip(tr("Use the next alternative line for this clip (R)"))
        self.regenerate.clicked.connect(self.regenerateRequested)
        self.play_speech = QPushButton(tr("Play speech"))
        self.play_speech.clicked.connect(self.playSpeechRequested)
        row.addWidget(self.lock)
        row.addStretch(1)
        row.addWidget(self.regenerate)
        row.addWidget(self.play_speech)
        layout.addLayout(row)

        alt_box = QGroupBox(tr("Alternatives"))
        alt_layout = QVBoxLayout(alt_box)
        alt_row = QHBoxLayout()
        self.more_lines = QPushButton(tr("Other lines"))
        self.more_lines.setToolTip(
            tr("The narrator's best other lines that fit this clip: click one to use it")
        )
        self.more_lines.clicked.connect(self.alternativesRequested)
        alt_row.addWidget(self.more_lines)
        alt_row.addStretch(1)
        alt_layout.addLayout(alt_row)
        self.alternatives = QListWidget()
        self.alternatives.setWordWrap(True)
        self.alternatives.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.alternatives.setMinimumHeight(60)
        self.alternatives.setMaximumHeight(150)
        self.alternatives.itemClicked.connect(self._alternative_clicked)
        self.alternatives.itemActivated.connect(self._alternative_clicked)
        alt_layout.addWidget(self.alternatives)
        layout.addWidget(alt_box)
        layout.addStretch(1)
        # The panel never gets narrower than its content (the splitter gives it that much): it scrolls
        # vertically in a small window, never sideways, and no checkbox is cut.
        self.setMinimumWidth(
            body.minimumSizeHint().width() + self.scroll_area.verticalScrollBar().sizeHint().width() + 2
        )

        self._commit_timer = QTimer(self)
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(800)
        self._commit_timer.timeout.connect(self.commit_text)
        self._text_index: int | None = None
        self.fit: LineFit | None = None
        # alternatives per clip, keyed by the clip's span (a retimed clip needs new ones): lines, next position
        self._alternatives: dict[tuple[int, int], tuple[list[tuple[tuple[str, ...], str]], int]] = {}
        bridge.documentReplaced.connect(self._alternatives.clear)
        for part in (
            bridge.documentReplaced,
            bridge.clipsChanged,
            bridge.narrationChanged,
            bridge.settingsChanged,
        ):
            part.connect(self.refresh)
        bridge.selectionChanged.connect(self._selection_changed)
        bridge.speechChanged.connect(self._update_meter)  # the line's speech made: the verdict reads it
        self.refresh()

    # -- alternatives
    def _span(self, index: int) -> tuple[int, int] | None:
        clips = self.bridge.project.clips
        return (clips[index].start_ms, clips[index].end_ms) if 0 <= index < len(clips) else None

    def set_alternatives(self, index: int, lines: list[tuple[tuple[str, ...], str]]) -> None:
        """The narrator's alternatives for clip `index` (best first); shown when that clip is current."""
        span = self._span(index)
        if span is None:
            return
        self._alternatives[span] = (list(lines), 0)
        self._show_alternatives()

    def alternative_lines(self, index: int) -> list[tuple[tuple[str, ...], str]]:
        span = self._span(index)
        return list(self._alternatives.get(span, ([], 0))[0]) if span else []

    def next_alternative(self, index: int) -> tuple[tuple[str, ...], str] | None:
        """The next listed alternative for clip `index` not yet used (Regenerate walks through them)."""
        span = self._span(index)
        if span is None or span not in self._alternatives:
            return None
        lines, pos = self._alternatives[span]
        current = self.bridge.project.clips[index].narration
        while pos < len(lines) and lines[pos][1] == current:
            pos += 1
        if pos >= len(lines):
            return None
        self._alternatives[span] = (lines, pos + 1)
        return lines[pos]

    def _show_alternatives(self) -> None:
        self.alternatives.clear()
        index = self.bridge.current
        if index is None:
            return
        project = self.bridge.project
        clip = project.clips[index]
        for labels_, text in self.alternative_lines(index):
            n = count_chars(text)
            item = QListWidgetItem(tr("{line}  ({count} characters)").format(line=text, count=n))
            item.setData(Qt.ItemDataRole.UserRole, (text, list(labels_)))
            item.setToolTip("、".join(labels_))
            if text == clip.narration:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.alternatives.addItem(item)

    def _alternative_clicked(self, item: QListWidgetItem) -> None:
        index = self.bridge.current
        data = item.data(Qt.ItemDataRole.UserRole)
        if index is None or not data or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        text, labels_ = data
        self.alternativeChosen.emit(index, text, list(labels_))

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
            for w in (self.text, self.lock, self.regenerate, self.play_speech, self.more_lines,
                      *self.label_boxes.values()):  # fmt: skip
                w.setEnabled(enabled)
            if index is None:
                self.header.setText(tr("No clip selected"))
                self.text.setPlainText("")
                self._text_index = None
                self._update_meter()
                self._show_alternatives()
                return
            clip = project.clips[index]
            extra = (
                " " + tr("(+%n more selected)", "", len(self.bridge.selection) - 1)
                if len(self.bridge.selection) > 1
                else ""
            )
            self.header.setText(
                tr("Clip {number} of {count}: {start} – {end} ({seconds} s)").format(
                    number=index + 1,
                    count=len(project.clips),
                    start=format_timecode(clip.start_ms),
                    end=format_timecode(clip.end_ms),
                    seconds=f"{clip.duration_ms / 1000:.2f}",
                )
                + extra
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
            self._show_alternatives()
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
        made = self.bridge.document.made_speech() if text == clip.narration else None
        fit = line_fit(project, clip, text, wait=False, made=made)  # the lane's and the export check's verdict too
        self.fit = fit
        n, lo, hi = fit.chars, fit.chars_min, fit.chars_max
        self.chars_meter.setRange(0, max(hi, n, 1))
        self.chars_meter.setValue(n)
        self.chars_meter.setFormat(
            tr("%n characters (budget {low}–{high})", "", n).format(low=lo, high=hi)
            if hi
            else tr("%n characters (clip too short to speak)", "", n)
        )
        self.seconds_meter.setRange(0, max(fit.room_ms, fit.speech_ms, 1))
        self.seconds_meter.setValue(fit.speech_ms)
        if fit.state == "over":  # the figure the export check names: even at the fastest allowed speech
            seconds = tr("needs {needs} s even spoken fastest; room {room} s of the {clip} s clip").format(
                needs=f"{fit.needs_ms / 1000:.1f}",
                room=f"{fit.room_ms / 1000:.1f}",
                clip=f"{clip.duration_ms / 1000:.1f}",
            )
        else:
            seconds = tr("speech ≈{speech} s; room {room} s of the {clip} s clip").format(
                speech=f"{fit.speech_ms / 1000:.1f}",
                room=f"{fit.room_ms / 1000:.1f}",
                clip=f"{clip.duration_ms / 1000:.1f}",
            )
        self.seconds_meter.setFormat(seconds)
        colour = FIT_COLORS[fit.state]
        # one verdict, one colour: both bars show it; a short line (fewer characters than the budget asks
        # for) greys the character bar
        chars_state = "short" if fit.state == "fits" and fit.short else fit.state
        for bar, state in ((self.chars_meter, chars_state), (self.seconds_meter, fit.state)):
            pal = bar.palette()
            pal.setColor(
                QPalette.ColorRole.Highlight, QColor(FIT_COLORS["fits" if state == "empty" else state])
            )
            bar.setPalette(pal)
            bar.setProperty("state", state)
        messages = {
            "over": tr("Too long: this line will not fit the clip"),
            "tight": tr("Tight: it will be spoken a little faster to fit"),
            "fits": tr("Short: the clip will have some silence") if n < lo else tr("Fits"),
            "empty": "",
        }
        message = messages[fit.state]
        speech = self.bridge.document.speech_of(clip) if made is not None and fit.state != "empty" else None
        if speech is not None:
            message += ("  ·  " if message else "") + tr(SPEECH_TEXT[speech.state])
        self.fit_label.setText(message)
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

        if self.bridge.edit(tr("Change storyline"), apply):
            self.refresh()
            self.labelsChanged.emit(index)  # the window offers to rewrite the line for the new storyline
        else:
            self.refresh()

    def _lock_toggled(self, on: bool) -> None:
        if self._updating or self.bridge.current is None:
            return
        self.commit_text()
        index = self.bridge.current
        text = self.bridge.project.clips[index].narration
        self.bridge.edit(
            tr("Lock line") if on else tr("Unlock line"), lambda p: set_narration(p, index, text, lock=on)
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
            self.bridge.edit(  # the pauses while typing one line make one undo step
                tr("Edit narration"),
                lambda p: set_narration(p, index, text, lock=True),
                merge_key=("narration", index),
            )
