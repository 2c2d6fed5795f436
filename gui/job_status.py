"""The status bar: messages, the main operation's name, progress and Cancel, the speech being made in the
background (gui/speech_queue.py) and thumbnail progress."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton

from gui import i18n
from gui.i18n import tr
from gui.operations import Operations
from gui.speech_queue import SpeechQueue
from gui.thumbnails import ThumbnailLoader


class JobStatus(QObject):
    """Shows what `Operations`, the speech queue and the thumbnail loader are doing; Cancel stops the main
    operation, else the speech being made, else the thumbnails."""

    def __init__(
        self,
        window: QMainWindow,
        operations: Operations,
        thumbnails: ThumbnailLoader,
        speech: SpeechQueue | None = None,
    ) -> None:
        super().__init__(window)
        self.operations = operations
        self.thumbnails = thumbnails
        self.speech = speech
        self.status_text = QLabel("")
        self.job_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.thumb_label = QLabel("")
        bar = window.statusBar()
        bar.addWidget(self.status_text, 1)
        bar.addPermanentWidget(self.thumb_label)
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        operations.mainJobChanged.connect(self.refresh)
        operations.mainJobProgressed.connect(self._progressed)
        thumbnails.progressed.connect(
            lambda f: self.thumb_label.setText(tr("thumbnails {percent}%").format(percent=int(f * 100)))
        )
        thumbnails.finished.connect(self._thumbnails_ended)
        if speech is not None:
            speech.changed.connect(self.refresh)
            speech.progressed.connect(self._speech_progressed)
        self.refresh()

    def show_message(self, text: str) -> None:
        self.status_text.setText(text)

    def refresh(self) -> None:
        job = self.operations.main_job
        speaking = job is None and self.speech is not None and self.speech.active
        for w in (self.job_label, self.progress):
            w.setVisible(job is not None or speaking)
        self.cancel_button.setVisible(job is not None or speaking or self.thumbnails.running)
        if job is not None:
            self.job_label.setText(job.name)
            self.progress.setValue(0)
        elif speaking and self.speech is not None:
            ready, total = self.speech.counts()
            self.job_label.setText(self.speech.status_text())
            self.progress.setValue(int(1000 * ready / max(total, 1)))

    def _speech_progressed(self, fraction: float) -> None:
        """The clip being spoken moves the bar between the lines already ready (ready + fraction of one)."""
        if self.operations.main_job is None and self.speech is not None and self.speech.active:
            ready, total = self.speech.counts()
            self.progress.setValue(int(1000 * min(1.0, (ready + fraction) / max(total, 1))))

    def thumbnails_started(self) -> None:
        self.thumb_label.setText("")
        self.refresh()

    def _progressed(self, fraction: float, stage: str) -> None:
        job = self.operations.main_job
        if job is not None:
            self.progress.setValue(int(fraction * 1000))
            stage = i18n.stage_text(stage)
            self.job_label.setText(f"{job.name}: {stage}" if stage else job.name)

    def _thumbnails_ended(self) -> None:
        self.thumb_label.setText("")
        self.refresh()

    def cancel(self) -> None:
        """Cancel the main operation; with none running, stop the speech being made, else the thumbnails."""
        job = self.operations.main_job
        if job is not None:
            job.cancel()
            self.job_label.setText(tr("{job}: cancelling…").format(job=job.name))
        elif self.speech is not None and self.speech.stop():
            self.show_message(tr("Speech stopped; it resumes when you edit a line or play one"))
        elif self.thumbnails.running:
            self.thumbnails.cancel()
