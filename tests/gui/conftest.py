"""Editor tests: offscreen Qt, settings/recovery/cache in temp folders, every modal dialog answered."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mediagen import make_cut_video

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One synthesis cache for the whole session, so the voice is calibrated once."""
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, speech_cache: Path) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("SYNCNARRATOR_CONFIG_DIR", str(config))
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(speech_cache))
    return config


class Answers:
    """Scripted answers to the editor's questions; errors are recorded, never shown."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.questions: list[str] = []
        self.yes = True
        self.close_answer = "discard"
        self.open_file = ""
        self.save_file = ""
        self.dialog_hook: Any = None  # called with the dialog instead of exec(); returns accepted
        self.finished: list[tuple[Any, Any]] = []  # (output, result) of each export-finished dialog

    def show_error(self, parent: Any, title: str, exc: BaseException, details: str = "") -> None:
        from gui.dialogs import one_line

        self.errors.append(one_line(exc))

    def ask_yes_no(self, parent: Any, title: str, text: str) -> bool:
        self.questions.append(text)
        return self.yes

    def ask_save_discard_cancel(self, parent: Any, name: str) -> str:
        self.questions.append(f"close {name}")
        return self.close_answer

    def exec_dialog(self, dialog: Any) -> bool:
        return bool(self.dialog_hook(dialog)) if self.dialog_hook else False


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    from gui import dialogs

    a = Answers()
    monkeypatch.setattr(dialogs, "show_error", a.show_error)
    monkeypatch.setattr(dialogs, "ask_yes_no", a.ask_yes_no)
    monkeypatch.setattr(dialogs, "ask_save_discard_cancel", a.ask_save_discard_cancel)
    monkeypatch.setattr(dialogs, "exec_dialog", a.exec_dialog)
    monkeypatch.setattr(dialogs, "choose_open_file", lambda *args, **kw: a.open_file)
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *args, **kw: a.save_file)
    monkeypatch.setattr(dialogs, "show_export_finished", lambda parent, output, result: a.finished.append((output, result)))
    monkeypatch.setattr(dialogs, "show_shortcuts", lambda parent, rows: a.questions.append("shortcuts"))
    monkeypatch.setattr(dialogs, "show_about", lambda parent: a.questions.append("about"))
    monkeypatch.setattr(dialogs, "open_folder", lambda folder: True)
    monkeypatch.setattr(dialogs, "open_file", lambda path: True)
    return a


@pytest.fixture(scope="session")
def cut_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three shots with hard cuts (1.6 s + 1.2 s + 1.6 s) 160x120, no sound."""
    out = tmp_path_factory.mktemp("media") / "shots.mp4"
    return make_cut_video(
        out,
        [("testsrc=decimals=0", 1.6), ("color=c=0x2050c0", 1.2), ("smptebars=sar=1", 1.6)],
        size="160x120",
        audio=False,
    )


@pytest.fixture
def make_window(qtbot: Any, answers: Answers) -> Iterator[Any]:
    from gui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(**kw: Any) -> MainWindow:
        w = MainWindow(**kw)
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.shutdown()


@pytest.fixture
def window(make_window: Any) -> Any:
    return make_window()
