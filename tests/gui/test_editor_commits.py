"""What is typed counts at once: actions commit a line or product field still being edited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gui.actions import ActionId
from tests.gui.test_editor_flows import WAIT, idle, open_video


def test_play_speech_speaks_the_line_just_typed(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([0])
    inspector = window.inspector
    inspector.text.setFocus()
    qtbot.keyClicks(inspector.text, "OK")  # within the 800 ms pause: not committed by the timer yet
    inspector.text.insertPlainText("好用")
    inspector.play_speech.click()
    assert window.bridge.project.clips[0].narration == "OK好用"  # committed before the speech job starts
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    assert answers.errors == []


def test_narrate_uses_the_product_field_being_typed(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    panel = window.product_panel
    window.tabs.setCurrentWidget(panel)
    panel.name.setFocus()
    qtbot.keyClicks(panel.name, "Serum")  # focus stays in the field: editingFinished never fired
    steps = window.bridge.document.undo_text()
    window.action(ActionId.NARRATE).trigger()
    assert window.bridge.project.product.name == "Serum"
    assert steps != window.bridge.document.undo_text() or steps == "Edit product"
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    assert answers.errors == []


def test_untouched_product_fields_make_no_undo_step(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    before = window.bridge.document.undo_text()
    window.flush_edits()
    assert window.bridge.document.undo_text() == before
