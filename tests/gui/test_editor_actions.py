"""Settings, regenerate, synthesize and recent files, driven through the editor's actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gui import config
from gui.actions import ActionId
from tests.gui.test_editor_flows import WAIT, idle, narrate, open_video


def test_settings_change_rate_and_backend(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([0])
    budget_before = window.inspector.fit.chars_max

    def choose(dialog: Any) -> bool:
        dialog.rate.setValue(8.0)
        dialog.backend.setCurrentIndex(dialog.backend.findData("llm"))  # shown as 本地大模型 / Local language model
        assert dialog.model_dir.isEnabled()
        dialog.model_dir.setText(str(tmp_path / "no-model-here"))
        return True

    answers.dialog_hook = choose
    window.action(ActionId.SETTINGS).trigger()
    assert window.bridge.project.speech.rate_cps == 8.0
    assert window.inspector.fit.chars_max > budget_before  # faster speech: more characters fit
    assert config.narrator_backend() == "llm" and config.model_dir().endswith("no-model-here")
    # the LLM narrator without a model: a one-line error naming the problem, the project untouched
    before = window.bridge.project
    window.action(ActionId.NARRATE).trigger()
    qtbot.waitUntil(lambda: idle(window) and bool(answers.errors), timeout=WAIT)
    assert "no-model-here" in answers.errors[0] and "\n" not in answers.errors[0]
    assert window.bridge.project == before
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project.speech.rate_cps == 5.0


def test_regenerate_writes_a_different_line(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([0])
    first = window.bridge.project.clips[0].narration
    lines = {first}
    for _ in range(3):
        window.inspector.regenerate.click()
        qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
        lines.add(window.bridge.project.clips[0].narration)
    assert answers.errors == []
    assert len(lines) > 1
    assert window.bridge.document.undo_text() == "Regenerate line"


def test_locked_line_survives_narrate_all(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([2])
    window.inspector.text.setPlainText("我的台词")
    window.inspector.commit_text()
    assert window.inspector.lock.isChecked()
    narrate(window, qtbot)
    assert window.bridge.project.clips[2].narration == "我的台词"
    window.inspector.lock.click()  # unlock
    assert not window.bridge.project.clips[2].locked


def test_synthesize_builds_the_narration_track(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.action(ActionId.SYNTH).trigger()
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 3)
    assert answers.errors == []
    track = window.preview.narration_audio
    assert track and Path(track).is_file() and Path(track).stat().st_size > 1000
    player = window.preview.narration_player
    if player is not None:  # QtMultimedia installed: the preview plays this track along
        assert Path(player.source().toLocalFile()) == Path(track)
        window.preview.play()
        assert window.preview.playing
        window.preview.pause()


def test_recent_files_menu(window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.document.save(tmp_path / "r.narr.json")
    window.open_path(tmp_path / "r.narr.json")
    window.documents.fill_recent()
    entries = [a.text() for a in window.documents.recent_menu.actions()]
    assert entries[0] == str((tmp_path / "r.narr.json").resolve()) and str(cut_video.resolve()) in entries
    assert Path(config.config_dir()).is_relative_to(tmp_path)  # isolated from the real settings


def test_single_key_shortcuts_do_not_fire_while_typing(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    from PySide6.QtCore import Qt

    open_video(window, qtbot, answers, cut_video)
    n = len(window.bridge.project.clips)
    window.bridge.select([0])
    window.bridge.set_playhead(800)
    window.inspector.text.setFocus()
    qtbot.keyClicks(window.inspector.text, "SM R")
    assert window.inspector.text.toPlainText() == "SM R"
    assert len(window.bridge.project.clips) == n and not window.preview.playing
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_M)  # outside the text box the same key merges
    assert len(window.bridge.project.clips) == n - 1


def test_open_a_product_json_imports_it(window: Any, qtbot: Any, answers: Any, tmp_path: Path) -> None:
    import json

    good = tmp_path / "p.json"
    good.write_text(
        json.dumps({"name": "保温杯", "attributes": {"功效": "长效保温"}}, ensure_ascii=False),
        encoding="utf-8",
    )
    assert window.open_path(good)
    assert window.bridge.project.product.name == "保温杯"
    assert window.product_panel.fields["功效"].text() == "长效保温"
    assert window.tabs.currentWidget() is window.product_panel
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "attributes": ["not", "a", "map"]}', encoding="utf-8")
    assert not window.open_path(bad)
    assert answers.errors and "bad.json" in answers.errors[0]
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project.product.name == ""


def test_clip_navigation_keys(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    from PySide6.QtCore import Qt

    open_video(window, qtbot, answers, cut_video)
    window.timeline.setFocus()
    window.bridge.select([0])
    qtbot.keyClick(window.timeline, Qt.Key.Key_Down)
    clips = window.bridge.project.clips
    assert window.bridge.selection == [1] and window.bridge.playhead_ms == clips[1].start_ms
    qtbot.keyClick(window.timeline, Qt.Key.Key_End)
    assert window.bridge.playhead_ms == window.bridge.project.media.duration_ms
    qtbot.keyClick(window.timeline, Qt.Key.Key_Up)
    assert window.bridge.selection == [0]


def test_uncaught_exception_becomes_a_dialog(window: Any, answers: Any, monkeypatch: Any) -> None:
    import sys

    from gui import dialogs

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    dialogs.install_excepthook()
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert answers.errors == ["internal error: ZeroDivisionError: division by zero"]
    assert window.isVisible()


def test_no_two_actions_share_a_shortcut(window: Any) -> None:
    """An ambiguous shortcut fires neither action; Redo's platform keys count too."""
    seen: dict[str, str] = {}
    for action in window.actions():
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text}: {seen.get(text)} and {action.text()}"
            seen[text] = action.text()
    assert "Ctrl+Y" not in seen or seen["Ctrl+Y"].startswith("&Redo")


def test_narrate_selected_keeps_locked_lines(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([0])
    window.inspector.text.setPlainText("锁定的台词")
    window.inspector.commit_text()
    window.bridge.select([0, 1])
    window.action(ActionId.NARRATE_SEL).trigger()
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    clips = window.bridge.project.clips
    assert clips[0].narration == "锁定的台词" and clips[0].locked
    assert clips[1].narration and window.bridge.document.undo_text() == "Narrate selected"
    assert answers.errors == []


def test_double_click_a_line_edits_it(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    from PySide6.QtCore import Qt

    from gui.timeline import NARR_H, NARR_Y

    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    view = window.timeline
    qtbot.mouseDClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.clip_center(2, NARR_Y + NARR_H / 2)
    )
    assert window.bridge.selection == [2]
    assert window.bridge.playhead_ms == window.bridge.project.clips[2].start_ms
    assert window.inspector.text.hasFocus() or window.focusWidget() is window.inspector.text
    assert view.narr_items[2].toolTip().startswith(window.bridge.project.clips[2].narration)


def test_no_display_gives_one_clear_line() -> None:
    from gui.app import display_problem

    assert display_problem({}, "linux") is not None
    assert "\n" not in display_problem({}, "linux")
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None


def test_settings_add_voice_pack(window: Any, qtbot: Any, answers: Any, tmp_path: Path) -> None:
    """A Kokoro voice pack added in Settings is listed by name, saved by id, and kept in the voice folder;
    a file that is not a voice pack is refused with a one-line error naming it."""
    import numpy as np

    bad = tmp_path / "notes.npy"
    np.save(bad, np.zeros((2, 3), np.float32))
    pack = tmp_path / "zf_demo.npy"
    np.save(pack, np.random.default_rng(0).normal(size=(510, 1, 256)).astype(np.float32))

    def choose(dialog: Any) -> bool:
        answers.open_file = str(bad)
        dialog._add_voice_pack()
        answers.open_file = str(pack)
        dialog._add_voice_pack()
        assert dialog.voice.currentText() == "女声 · demo"
        return True

    answers.dialog_hook = choose
    window.action(ActionId.SETTINGS).trigger()
    assert len(answers.errors) == 1 and "notes.npy" in answers.errors[0] and "\n" not in answers.errors[0]
    assert window.bridge.project.speech.voice == "kokoro:zf_demo"
    assert (config.config_dir() / "voices" / "zf_demo.npy").is_file()
