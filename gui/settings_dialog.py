"""Settings: voice and speaking rate (saved with the project), narrator backend and model folder (per user)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
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

from core.project import SpeechSettings
from gui import config, dialogs

DEFAULT_VOICE = "(default Chinese voice)"


class SettingsDialog(QDialog):
    def __init__(self, speech: SpeechSettings, voices: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.voice = QComboBox()
        self.voice.setEditable(True)
        self.voice.addItem(DEFAULT_VOICE)
        self.voice.addItems([v for v in voices if v])
        self.voice.setCurrentText(speech.voice or DEFAULT_VOICE)
        form.addRow("Voice", self.voice)
        add_pack = QPushButton("Add voice pack…")
        add_pack.setToolTip("A Kokoro voice style file (.npy or .pt, e.g. a Mandarin zf_*/zm_* voice)")
        add_pack.clicked.connect(self._add_voice_pack)
        form.addRow("", add_pack)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(2.0, 12.0)
        self.rate.setSingleStep(0.5)
        self.rate.setDecimals(1)
        self.rate.setSuffix(" characters/s")
        self.rate.setValue(speech.rate_cps)
        self.rate.setToolTip("Budgets and synthesis assume this speaking rate")
        form.addRow("Speaking rate", self.rate)
        self.backend = QComboBox()
        self.backend.addItems(list(config.NARRATOR_BACKENDS))
        self.backend.setCurrentText(config.narrator_backend())
        self.backend.setToolTip("embedded: built in; llm: a local language model from the folder below")
        form.addRow("Narrator", self.backend)
        row = QHBoxLayout()
        self.model_dir = QLineEdit(config.model_dir())
        self.model_dir.setPlaceholderText("folder with the LLM narrator's model")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.model_dir, 1)
        row.addWidget(browse)
        form.addRow("Model folder", row)
        self.backend.currentTextChanged.connect(self._backend_changed)
        self._backend_changed(self.backend.currentText())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def add_voices(self, voices: list[str]) -> None:
        current = self.voice.currentText()
        known = {self.voice.itemText(i) for i in range(self.voice.count())}
        self.voice.addItems([v for v in voices if v and v not in known])
        self.voice.setCurrentText(current)

    def _add_voice_pack(self) -> None:
        """Copy a Kokoro voice pack into the user's voice folder (checked, never unpickled) and select it."""
        path = dialogs.choose_open_file(self, "Add voice pack", "Kokoro voice (*.npy *.pt *.pth)")
        if not path:
            return
        from core.errors import SyncNarratorError
        from core.speech.voices import add_voice_pack

        try:
            info = add_voice_pack(path)
        except SyncNarratorError as exc:
            dialogs.show_error(self, "Add voice pack", exc)
            return
        self.voice.addItem(info.name, info.id)
        self.voice.setCurrentIndex(self.voice.count() - 1)

    def _backend_changed(self, kind: str) -> None:
        self.model_dir.setEnabled(kind == "llm")

    def _browse(self) -> None:
        path = dialogs.choose_folder(self, "Model folder", self.model_dir.text())
        if path:
            self.model_dir.setText(path)

    def speech(self, current: SpeechSettings) -> SpeechSettings:
        added = self.voice.currentData()  # a voice pack added here: shown by name, saved by id
        voice = str(added) if added else self.voice.currentText().strip()
        return replace(
            current, voice=None if voice in ("", DEFAULT_VOICE) else voice, rate_cps=self.rate.value()
        )

    def apply_user_settings(self) -> None:
        config.save_narrator_settings(self.backend.currentText(), self.model_dir.text().strip())
