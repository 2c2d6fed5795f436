"""Settings: voice and speaking rate (saved with the project); narrator, model folder and language (per user)."""

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

from core import defaults
from core.project import SpeechSettings
from gui import config, dialogs, logs
from gui.i18n import QT_TRANSLATE_NOOP, tr

NARRATOR_NAMES = {
    "embedded": QT_TRANSLATE_NOOP("", "Built-in writer"),
    "llm": QT_TRANSLATE_NOOP("", "Local language model"),
}


class SettingsDialog(QDialog):
    def __init__(
        self, speech: SpeechSettings, voices: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Settings"))
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.voice = QComboBox()
        self.voice.addItem(tr("(default Chinese voice)"), None)
        if speech.voice:  # the project's voice even before the list arrives (or when this build lacks it)
            self.voice.addItem(speech.voice, speech.voice)
        self.add_voices(voices)
        self._select_voice(speech.voice)
        form.addRow(tr("Voice"), self.voice)
        add_pack = QPushButton(tr("Add voice pack…"))
        add_pack.setToolTip(tr("A neural voice style file (.npy or .pt, e.g. a Mandarin zf_*/zm_* voice)"))
        add_pack.clicked.connect(self._add_voice_pack)
        form.addRow("", add_pack)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(defaults.RATE_MIN_CPS, defaults.RATE_MAX_CPS)
        self.rate.setSingleStep(0.5)
        self.rate.setDecimals(1)
        self.rate.setSuffix(tr(" characters/s"))
        self.rate.setValue(speech.rate_cps)
        self.rate.setToolTip(tr("Budgets and synthesis assume this speaking rate"))
        form.addRow(tr("Speaking rate"), self.rate)
        self.backend = QComboBox()
        for kind in config.NARRATOR_BACKENDS:  # shown by what it is, saved by its id
            self.backend.addItem(tr(NARRATOR_NAMES.get(kind, kind)), kind)
        self.backend.setCurrentIndex(max(0, self.backend.findData(config.narrator_backend())))
        self.backend.setToolTip(
            tr("Built-in writer: works offline at once; local language model: a model from the folder below")
        )
        form.addRow(tr("Narrator"), self.backend)
        row = QHBoxLayout()
        self.model_dir = QLineEdit(config.model_dir())
        self.model_dir.setPlaceholderText(tr("folder with the local language model"))
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.model_dir, 1)
        row.addWidget(browse)
        form.addRow(tr("Model folder"), row)
        self.language = QComboBox()
        # language names are written in their own language, so anyone can find theirs
        for code, name in (("system", tr("System language")), ("zh_CN", "中文"), ("en", "English")):
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(config.language())))
        self.language.setToolTip(tr("The interface language; used from the next start"))
        form.addRow(tr("Language"), self.language)
        self.backend.currentIndexChanged.connect(lambda _i: self._backend_changed(self.backend_kind()))
        self._backend_changed(self.backend_kind())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def add_voices(self, voices: list[tuple[str, str]]) -> None:
        """(id, readable name) pairs; no voice is listed twice (by id or by name)."""
        current = self.voice.currentData()
        known_ids = {self.voice.itemData(i) for i in range(self.voice.count())}
        known_names = {self.voice.itemText(i) for i in range(self.voice.count())}
        for voice_id, name in voices:
            if not voice_id or voice_id in known_ids or name in known_names:
                if voice_id in known_ids and name and name not in known_names:
                    self.voice.setItemText(self.voice.findData(voice_id), name)  # the id shown so far
                    known_names.add(name)
                continue
            self.voice.addItem(name or voice_id, voice_id)
            known_ids.add(voice_id)
            known_names.add(name)
        self._select_voice(current)

    def _select_voice(self, voice_id: str | None) -> None:
        self.voice.setCurrentIndex(max(0, self.voice.findData(voice_id)) if voice_id else 0)

    def _add_voice_pack(self) -> None:
        """Copy a Kokoro voice pack into the user's voice folder (checked, never unpickled) and select it."""
        path = dialogs.choose_open_file(self, tr("Add voice pack"), tr("Neural voice") + " (*.npy *.pt *.pth)")
        if not path:
            return
        from core.errors import SyncNarratorError
        from core.speech.voices import add_voice_pack

        try:
            info = add_voice_pack(path)
        except SyncNarratorError as exc:
            logs.log_error(tr("Add voice pack"), exc)  # the core's own words, if the dialog shows a translation
            dialogs.show_error(self, tr("Add voice pack"), exc)
            return
        self.add_voices([(info.id, info.name)])
        self._select_voice(info.id)

    def backend_kind(self) -> str:
        """The chosen narrator's id ("embedded" or "llm")."""
        return str(self.backend.currentData())

    def _backend_changed(self, kind: str) -> None:
        self.model_dir.setEnabled(kind == "llm")

    def _browse(self) -> None:
        path = dialogs.choose_folder(self, tr("Model folder"), self.model_dir.text())
        if path:
            self.model_dir.setText(path)

    def speech(self, current: SpeechSettings) -> SpeechSettings:
        voice = self.voice.currentData()
        return replace(current, voice=str(voice) if voice else None, rate_cps=self.rate.value())

    def apply_user_settings(self) -> None:
        config.save_narrator_settings(self.backend_kind(), self.model_dir.text().strip())
        config.save_language(str(self.language.currentData()))
