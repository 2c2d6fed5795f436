"""Actions as data: every row of gui.actions.ACTIONS becomes one QAction, placed and enabled by the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gui.actions import ACTIONS, CLIP_CONTEXT_MENU, MENUS, TOOLBAR, ActionId
from tests.gui.test_editor_flows import open_video


def test_every_row_is_an_action_in_its_menus_and_toolbar(window: Any) -> None:
    ids = [spec.id for spec in ACTIONS]
    assert len(ids) == len(set(ids))
    for spec in ACTIONS:
        assert window.action(spec.id).text() != ""
    menu_actions = {a for menu in window.menus for a in menu.actions()}
    for _title, entries in MENUS:
        for action_id in entries:
            if action_id is not None and not action_id.startswith("@"):
                assert window.action(action_id) in menu_actions
    toolbar = set(window.toolbar.actions())
    assert all(window.action(i) in toolbar for i in TOOLBAR if i is not None)
    assert {spec.id for spec in ACTIONS} == set(ActionId)  # every id is a row, every row has a handler
    assert not hasattr(window, "act_undo")  # no attribute lookup that the type checker cannot see


def test_an_action_without_a_handler_is_refused(qapp: Any) -> None:
    from PySide6.QtWidgets import QMainWindow

    from gui.actions import ActionSpec, ActionTable

    window = QMainWindow()
    about, log = ActionSpec(ActionId.ABOUT, "&About"), ActionSpec(ActionId.LOG_FOLDER, "&Log", flush=False)
    with pytest.raises(ValueError, match="log_folder"):
        ActionTable(window, {ActionId.ABOUT: lambda: None}, lambda: None, (about, log))
    ran: list[str] = []
    table = ActionTable(window, {ActionId.ABOUT: lambda: ran.append("about"), ActionId.LOG_FOLDER: lambda: ran.append(
        "log")}, lambda: ran.append("flush"), (about, log))  # fmt: skip
    table[ActionId.ABOUT].trigger()
    table[ActionId.LOG_FOLDER].trigger()
    assert ran == ["flush", "about", "log"]  # typing is committed first, unless the row says not to


def test_enabled_when_follows_the_document(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    assert not window.action(ActionId.NARRATE).isEnabled() and not window.action(ActionId.UNDO).isEnabled()
    open_video(window, qtbot, answers, cut_video)
    assert window.action(ActionId.NARRATE).isEnabled() and window.action(ActionId.DETECT).isEnabled()
    window.bridge.select([])
    assert not window.action(ActionId.MERGE).isEnabled()
    window.bridge.select([0])
    assert window.action(ActionId.MERGE).isEnabled()


def test_the_timeline_context_menu_comes_from_the_table(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    menu = window.actions_table.context_menu(window.timeline)
    assert [a for a in menu.actions()] == [window.action(i) for i in CLIP_CONTEXT_MENU]


def test_actions_commit_what_is_being_typed_first(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([0])
    window.inspector.text.insertPlainText("好用")  # not committed yet (the 800 ms timer runs)
    window.action(ActionId.UNDO).trigger()  # flushes first: the line is one step, and undo takes it back
    assert window.bridge.project.clips[0].narration == ""
    window.action(ActionId.REDO).trigger()
    assert window.bridge.project.clips[0].narration == "好用"
