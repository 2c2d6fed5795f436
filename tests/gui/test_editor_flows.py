"""The editor's main flows, driven through its widgets and actions as a user would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidgetItem

from core.project import Document
from core.timebase import snap_ms_to_frame
from gui.actions import ActionId

WAIT = 60_000  # ms; generous for 2 shared CI cores


def idle(window: Any) -> bool:
    return window.main_job is None


def open_video(window: Any, qtbot: Any, answers: Any, path: Path) -> None:
    """File > Open, pick the video, wait for probing and the automatic clip detection."""
    answers.open_file = str(path)
    window.action(ActionId.OPEN).trigger()
    qtbot.waitUntil(lambda: window.bridge.project.video is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: idle(window) and len(window.bridge.project.clips) >= 2, timeout=WAIT)


def narrate(window: Any, qtbot: Any) -> None:
    window.action(ActionId.NARRATE).trigger()
    qtbot.waitUntil(
        lambda: idle(window) and any(c.narration for c in window.bridge.project.clips), timeout=WAIT
    )


def test_open_detect_narrate_shows_blocks_and_title(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    assert "SyncNarrator" in window.windowTitle()
    open_video(window, qtbot, answers, cut_video)
    clips = window.bridge.project.clips
    assert [round(c.start_ms / 100) for c in clips] == [0, 16, 28]  # the three shots
    assert len(window.timeline.clip_items) == len(clips)
    assert "shots" in window.windowTitle() and "SyncNarrator" in window.windowTitle()
    assert window.windowTitle().startswith("shots*")  # detection is an unsaved change
    narrate(window, qtbot)
    project = window.bridge.project
    assert all(c.labels for c in project.clips)
    assert sum(bool(c.narration) for c in project.clips) >= 2
    # the narration lane shows a bar per line, as long as its estimated speech
    item = window.timeline.narr_items[0]
    assert item.boundingRect().width() > 2
    assert window.inspector.text.toPlainText() == project.clips[0].narration
    assert answers.errors == []
    # one undo step takes the whole narration back
    window.action(ActionId.UNDO).trigger()
    assert not any(c.narration for c in window.bridge.project.clips)
    window.action(ActionId.REDO).trigger()
    assert window.bridge.project == project


def test_label_checkbox_changes_storyline_and_undo(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    qtbot.mouseClick(
        window.timeline.viewport(), Qt.MouseButton.LeftButton, pos=window.timeline.clip_center(1)
    )
    assert window.bridge.selection == [1]
    box = window.inspector.label_boxes["引导购买"]
    assert box.toolTip()  # the label's definition
    assert len(window.inspector.label_boxes) == 12
    box.click()
    clip = window.bridge.project.clips[1]
    assert clip.labels == ("引导购买",) and clip.labels_locked
    colour = window.timeline.clip_items[1]
    assert colour is not None
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project.clips[1].labels == ()
    assert not box.isChecked()
    window.action(ActionId.REDO).trigger()
    assert box.isChecked()


def test_typing_a_line_updates_the_budget_meter(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([1])  # the 1.2 s clip
    inspector = window.inspector
    hi = inspector.fit.chars_max if inspector.fit else 0
    inspector.text.setFocus()
    qtbot.keyClicks(inspector.text, "OK")  # QTest types ASCII only; Chinese arrives as an input-method commit
    inspector.text.insertPlainText("好用")
    assert inspector.chars_meter.value() == 4
    assert "4 characters" in inspector.chars_meter.format()
    assert not inspector.warning
    inspector.text.insertPlainText("这款精华液质地轻薄吸收快还不黏腻")
    assert inspector.chars_meter.value() > hi
    assert inspector.warning and inspector.fit.state == "over"
    assert inspector.chars_meter.palette().highlight().color() == QColor("#d64545")
    # typing commits as one undo step (when typing pauses or on selection change), locking the line
    window.bridge.select([0])
    line = window.bridge.project.clips[1]
    assert line.narration == "OK好用这款精华液质地轻薄吸收快还不黏腻" and line.locked
    assert window.timeline.narr_items[1].state == "over"
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project.clips[1].narration == ""


def test_drag_boundary_snaps_to_frames_and_is_one_undo_step(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    view = window.timeline
    before = window.bridge.project
    undo_depth = len(window.bridge.document._undo)
    start = view.boundary_point(1)
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for dx in (5, 12, 23):
        qtbot.mouseMove(vp, QPoint(start.x() + dx, start.y()))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(start.x() + 23, start.y()))
    moved = window.bridge.project.clips[1].start_ms
    assert moved > before.clips[1].start_ms
    assert moved == snap_ms_to_frame(moved, before.media.fps)  # on a frame boundary
    assert window.bridge.project.clips[0].end_ms == moved
    assert len(window.bridge.document._undo) == undo_depth + 1
    assert window.bridge.document.undo_text() == "Move clip boundary"
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project == before


def test_split_at_playhead_and_merge(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    n = len(window.bridge.project.clips)
    window.bridge.set_playhead(800)
    qtbot.keyClick(window.timeline, Qt.Key.Key_S)  # the S shortcut
    clips = window.bridge.project.clips
    assert len(clips) == n + 1 and clips[0].end_ms == 800 and clips[1].start_ms == 800
    assert len(window.timeline.clip_items) == n + 1
    window.bridge.select([0])
    window.action(ActionId.MERGE).trigger()
    assert len(window.bridge.project.clips) == n and window.bridge.project.clips[0].end_ms > 800
    window.action(ActionId.UNDO).trigger()
    assert len(window.bridge.project.clips) == n + 1
    window.action(ActionId.UNDO).trigger()
    assert len(window.bridge.project.clips) == n
    window.action(ActionId.REDO).trigger()
    assert len(window.bridge.project.clips) == n + 1


def test_multi_select_with_ctrl_and_merge_run(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    view = window.timeline
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.clip_center(0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     pos=view.clip_center(1))  # fmt: skip
    assert window.bridge.selection == [0, 1]
    window.inspector.label_boxes["外观设计"].click()  # labels go to every selected clip, one step
    assert [c.labels for c in window.bridge.project.clips[:2]] == [("外观设计",), ("外观设计",)]
    assert window.bridge.project.clips[2].labels != ("外观设计",)
    window.action(ActionId.MERGE).trigger()
    assert len(window.bridge.project.clips) == 2
    assert window.bridge.document.undo_text() == "Merge 2 clips"


def test_save_and_reopen(make_window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path) -> None:
    window = make_window()
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([2])
    window.inspector.label_boxes["产品功效"].click()
    answers.save_file = str(tmp_path / "ad")
    window.action(ActionId.SAVE).trigger()  # no file yet: asks for a name
    saved = tmp_path / "ad.narr.json"
    assert saved.is_file() and not window.bridge.document.dirty
    assert window.windowTitle().startswith("ad —")
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["clips"][2]["labels"] == ["产品功效"]
    second = make_window()
    second.open_path(saved)
    assert second.bridge.project == window.bridge.project
    from gui.config import recent_files

    assert str(saved.resolve()) in recent_files()


def test_close_with_unsaved_changes_asks(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    answers.close_answer = "cancel"
    assert not window.close()
    assert window.isVisible() and answers.questions == ["close shots"]
    answers.close_answer = "discard"
    assert window.close()


def test_product_panel_paste_fills_fields(window: Any, qtbot: Any, answers: Any) -> None:
    panel = window.product_panel
    assert len(panel.fields) == 15
    panel.paste.setPlainText("名称：澜肌精华\n功效：补水、修护\n活动优惠: 买一送一\n赠品：小样")
    panel.fill.click()
    product = window.bridge.project.product
    assert product.name == "澜肌精华"
    assert product.attributes == {"功效": "补水、修护", "活动优惠": "买一送一", "赠品": "小样"}
    assert panel.fields["功效"].text() == "补水、修护"
    assert panel.extra.rowCount() == 1 and panel.extra.item(0, 0).text() == "赠品"
    panel._add_row()  # a free key typed before its value is not wiped by the refresh
    panel.extra.setItem(1, 0, QTableWidgetItem("产地"))
    assert panel.extra.rowCount() == 2 and panel.extra.item(1, 0).text() == "产地"
    panel.extra.setItem(1, 1, QTableWidgetItem("云南"))
    assert window.bridge.project.product.attributes["产地"] == "云南"
    window.action(ActionId.UNDO).trigger()
    panel.fields["痛点"].setText("干燥")
    panel.fields["痛点"].editingFinished.emit()
    assert window.bridge.project.product.attributes["痛点"] == "干燥"
    window.action(ActionId.UNDO).trigger()
    assert "痛点" not in window.bridge.project.product.attributes
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project.product.name == ""


def test_bad_files_give_one_line_errors(window: Any, qtbot: Any, answers: Any, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    window.open_path(text)
    broken = tmp_path / "broken.narr.json"
    broken.write_text("{not json")
    window.open_path(broken)
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00" * 100)
    window.open_path(fake)
    qtbot.waitUntil(lambda: len(answers.errors) == 3 and idle(window), timeout=WAIT)
    assert "notes.txt" in answers.errors[0]
    assert "broken.narr.json" in answers.errors[1] and "\n" not in answers.errors[1]
    assert "fake.mp4" in answers.errors[2]
    assert not any(e.startswith("internal error") for e in answers.errors)


def test_missing_video_offers_relink(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    import shutil

    moved = tmp_path / "moved.mp4"
    shutil.copy(cut_video, moved)
    open_video(window, qtbot, answers, moved)
    project_file = tmp_path / "p.narr.json"
    window.bridge.document.save(project_file)
    moved.rename(tmp_path / "elsewhere.mp4")
    answers.open_file = str(tmp_path / "elsewhere.mp4")
    window.open_path(project_file)
    assert any("missing" in q for q in answers.questions)
    assert window.bridge.project.video == str((tmp_path / "elsewhere.mp4").resolve())
    assert not window.bridge.project.video_missing and window.bridge.document.dirty


def test_zoom_keys_and_ctrl_wheel(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    view = window.timeline
    width = view.clip_items[0].boundingRect().width()
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.clip_items[0].boundingRect().width() > width * 1.4
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert abs(view.clip_items[0].boundingRect().width() - width) < 1
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    pos = QPointF(view.viewport().width() / 2, 90)
    event = QWheelEvent(pos, view.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    view.wheelEvent(event)
    assert view.clip_items[0].boundingRect().width() > width * 1.2


def test_transport_controls(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    preview = window.preview
    fps = window.bridge.project.media.fps
    preview.step_forward.click()
    assert window.bridge.playhead_ms == snap_ms_to_frame(40, fps)
    preview.step_forward.click()
    preview.step_back.click()
    assert window.bridge.playhead_ms == 40
    qtbot.waitUntil(lambda: preview.frames_shown > 0, timeout=WAIT)  # a decoded frame is on screen
    window.bridge.select([1])
    clip = window.bridge.project.clips[1]
    preview.play_clip_button.click()
    assert preview.playing and window.bridge.playhead_ms >= clip.start_ms
    qtbot.waitUntil(lambda: not preview.playing, timeout=WAIT)  # stops by itself at the clip's end
    assert window.bridge.playhead_ms == clip.end_ms
    preview.play_button.click()
    assert preview.playing
    preview.play_button.click()
    assert not preview.playing
    preview.slider.setValue(1000)
    assert window.bridge.playhead_ms == 1000
    assert "00:01.000" in preview.time_label.text()


def test_drop_a_file_opens_it(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(cut_video))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(event)
    qtbot.waitUntil(lambda: idle(window) and len(window.bridge.project.clips) >= 2, timeout=WAIT)


def test_project_document_roundtrip_keeps_video_relative(tmp_path: Path, cut_video: Path) -> None:
    from core.project import Clip, Project

    doc = Document(Project(video=str(cut_video), clips=(Clip(0, 1000),)))
    doc.save(tmp_path / "x.narr.json")
    assert Document.open(tmp_path / "x.narr.json").project.video == str(cut_video)
