"""The editor never exports a silent line without asking: a project with one line too long for its clip,
exported through the dialog's three choices (shorten with the narrator / export anyway / cancel), and the
report's summary at the end (gui.dialogs.show_export_finished, with "Open folder" and "Play")."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core.project import Product, set_narration
from gui import dialogs
from gui.actions import ActionId
from gui.export_dialog import ExportDialog, FitDialog, ShortenDialog
from tests.gui.test_editor_flows import WAIT, idle, open_video

PRODUCT = {"name": "澜肌轻盈保湿精华液", "attributes": {"质地": "轻薄、水润、一抹即化", "活动优惠": "买一送一"}}
LONG = "这款精华液质地轻薄水润，一抹就化开，换季干燥的时候用它特别舒服，现在下单还送同款小样。"


class Script:
    """Answers every dialog of the export flow; records what each showed."""

    def __init__(self, out: Path, choice: str) -> None:
        self.out, self.choice = out, choice
        self.problems: list[str] = []
        self.new_lines: list[str] = []
        self.asked = 0

    def __call__(self, dialog: Any) -> bool:
        if isinstance(dialog, ExportDialog):
            dialog.output.setText(str(self.out))
            dialog.burn.setChecked(False)  # keeps the test quick (stream copy)
            return True
        if isinstance(dialog, FitDialog):
            self.asked += 1
            if self.asked > 1:  # after shortening: no shorter line fitted; export it silent
                dialog.silent_button.click()
                return True
            self.problems = [p.message() for p in dialog.problems]
            assert dialog.list.count() == len(self.problems)
            button = {
                FitDialog.SHORTEN: dialog.shorten_button,
                FitDialog.SILENT: dialog.silent_button,
                FitDialog.CANCEL: dialog.cancel_button,
            }[self.choice]
            button.click()
            assert dialog.choice == self.choice
            return dialog.result() == dialog.DialogCode.Accepted
        if isinstance(dialog, ShortenDialog):
            self.new_lines = [f"Clip {v.index + 1}: {v.text}" for v in dialog.chosen()]
            return True
        raise AssertionError(f"unexpected dialog {dialog!r}")


def setup_project(window: Any, qtbot: Any, answers: Any, video: Path) -> None:
    open_video(window, qtbot, answers, video)
    window.bridge.edit("Product", lambda p: replace(p, product=Product.from_json(PRODUCT)))
    window.bridge.edit("Lines", lambda p: set_narration(set_narration(set_narration(
        p, 0, "很轻薄。"), 1, "好用！"), 2, LONG))  # fmt: skip


@pytest.mark.parametrize("choice", [FitDialog.SHORTEN, FitDialog.SILENT, FitDialog.CANCEL])
def test_too_long_line_asks_before_export(
    window: Any,
    qtbot: Any,
    answers: Any,
    cut_video: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
) -> None:
    setup_project(window, qtbot, answers, cut_video)
    out = tmp_path / "ad.mp4"
    script = Script(out, choice)
    answers.dialog_hook = script
    undo_before = window.bridge.document.undo_text()
    window.action(ActionId.EXPORT).trigger()
    qtbot.waitUntil(lambda: bool(script.problems), timeout=WAIT)
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 2)
    assert answers.errors == []
    # the dialog listed the one clip that cannot fit, in the CLI's words
    assert len(script.problems) == 1 and script.problems[0].startswith("clip 3 (00:00:02.800-00:00:04.400): ")
    report_path = tmp_path / "ad.report.json"

    if choice == FitDialog.CANCEL:
        assert not out.exists() and not report_path.exists()
        assert "cancelled" in window.status_text.text().lower()
        assert window.bridge.project.clips[2].narration == LONG
        assert window.bridge.document.undo_text() in (undo_before, "Export settings")  # nothing else changed
        return

    qtbot.waitUntil(lambda: bool(answers.finished), timeout=WAIT)
    assert out.is_file() and report_path.is_file()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    statuses = [c["status"] for c in report["clips"]]
    assert statuses[:2] == ["fitted", "fitted"]
    ((shown_out, result),) = answers.finished  # the summary shown at the end, read from the report
    assert shown_out == out and result.report_path == report_path
    summary = dialogs.report_summary(result, out)
    assert any("LUFS" in line for line in summary)

    if choice == FitDialog.SILENT:
        assert statuses[2] == "silent" and any("left silent" in line for line in summary)
        assert window.bridge.project.clips[2].narration == LONG  # the line is kept for the user
        return

    # shorten: the new line is shown (ticked: the user did not type or lock it), applied as one undo step,
    # and spoken in the export
    new = window.bridge.project.clips[2].narration
    if not script.new_lines:  # the narrator found no shorter line: exported silent after asking again
        assert new == LONG and statuses[2] == "silent" and script.asked == 2
        return
    assert new != LONG and len(new) < len(LONG)
    assert script.new_lines == [f"Clip 3: {new}"]
    assert any("shortened" in line for line in summary)
    assert statuses[2] == "shortened" and report["clips"][2]["line"] == new.strip()
    assert window.bridge.document.undo_text() == "Shorten lines"
    window.bridge.document.undo()
    assert window.bridge.project.clips[2].narration == LONG


def test_burn_in_is_on_for_new_projects_and_the_choice_is_remembered(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gui import config

    open_video(window, qtbot, answers, cut_video)
    assert window.bridge.project.export.burn_subtitles  # on by default
    seen: list[bool] = []

    def untick(dialog: Any) -> bool:
        if isinstance(dialog, ExportDialog):
            seen.append(dialog.burn.isChecked())
            dialog.output.setText(str(tmp_path / "plain.mp4"))
            dialog.burn.setChecked(False)
            return True
        raise AssertionError(f"unexpected dialog {dialog!r}")

    answers.dialog_hook = untick
    window.action(ActionId.EXPORT).trigger()
    qtbot.waitUntil(lambda: (tmp_path / "plain.mp4").is_file() and idle(window), timeout=WAIT * 2)
    assert seen == [True]
    assert not window.bridge.project.export.burn_subtitles  # kept in the project
    assert not config.default_burn_subtitles()  # and as the user's default for the next new project
    open_video(window, qtbot, answers, cut_video)
    assert not window.bridge.project.export.burn_subtitles
