"""Change events that say what changed: views update only what changed; typing a line is one undo step."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl

from core.project import set_narration
from tests.gui.test_editor_flows import open_video


def record(window: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    bridge = window.bridge
    for name in ("clipsChanged", "narrationChanged", "productChanged", "videoChanged", "settingsChanged"):
        counts[name] = 0
        getattr(bridge, name).connect(lambda name=name: counts.__setitem__(name, counts[name] + 1))
    return counts


def test_each_edit_emits_only_the_part_it_changed(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    counts = record(window)
    rebuilt: list[int] = []
    real_rebuild = window.timeline.rebuild
    window.timeline.rebuild = lambda: (rebuilt.append(1), real_rebuild())[1]
    window.bridge.document.save(tmp_path / "p.narr.json")  # a save changes no part of the project
    window.bridge.edit("line", lambda p: set_narration(p, 0, "好用"))
    assert counts == {"clipsChanged": 0, "narrationChanged": 1, "productChanged": 0, "videoChanged": 0,
                      "settingsChanged": 0}  # fmt: skip
    window.bridge.document.undo()
    assert counts["narrationChanged"] == 2 and counts["clipsChanged"] == 0


def test_undoing_relink_reloads_the_player(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.mp4"
    shutil.copy(cut_video, first)
    open_video(window, qtbot, answers, first)
    second = tmp_path / "second.mp4"
    shutil.copy(cut_video, second)
    answers.open_file = str(second)
    answers.yes = True
    window.documents.offer_relink()
    assert window.preview.player.source() == QUrl.fromLocalFile(str(second.resolve()))
    window.bridge.document.undo()
    assert window.preview.player.source() == QUrl.fromLocalFile(str(first.resolve()))


def test_typing_a_line_in_pauses_is_one_undo_step(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([0])
    inspector = window.inspector
    before = window.bridge.document.undo_text()
    for part in ("好", "用", "又便宜"):
        inspector.text.insertPlainText(part)
        inspector.commit_text()  # what the 800 ms pause does
    assert window.bridge.project.clips[0].narration == "好用又便宜"
    window.bridge.document.undo()
    assert window.bridge.project.clips[0].narration == ""
    assert window.bridge.document.undo_text() == before
