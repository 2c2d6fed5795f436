"""Issue #17: the zh_CN interface, picking alternative lines, help/logs and the rough edges a new user hits."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.errors import MediaError
from core.project import Clip, Document, Product, Project
from gui.actions import ActionId
from tests.gui.test_editor_flows import WAIT, idle, narrate, open_video

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build_translations  # noqa: E402


@pytest.fixture
def chinese(qapp: Any) -> Iterator[None]:
    from gui import i18n

    assert i18n.install("zh_CN") == "zh_CN"
    yield
    i18n.uninstall()


@pytest.fixture
def english(qapp: Any) -> Iterator[None]:
    from gui import i18n

    assert i18n.install("en") == "en"
    yield
    i18n.uninstall()


# --- translation -------------------------------------------------------------------------------


def test_zh_cn_translation_loads_and_menus_are_chinese(chinese: None, make_window: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    window = make_window()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["文件(&F)", "编辑(&E)", "旁白(&N)", "视图(&V)", "帮助(&H)"]
    assert window.action(ActionId.NARRATE).text() == "全部生成文案(&N)"
    assert window.tabs.tabText(0) == "片段" and window.tabs.tabText(1) == "商品"
    assert window.inspector.more_lines.text() == "换一句"
    assert window.cancel_button.text() == "取消"
    shortcuts = dict((what, keys) for keys, what in window.shortcut_rows())
    assert shortcuts["在播放头处分割"] == "S 或 Ctrl+B" and "打开" in shortcuts  # no "(&O)…" in the dialog
    # Qt's own strings (standard buttons, context menus) come from qtbase_zh_CN, shipped with the app
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    # label definitions and progress stages from the core are shown in Chinese too
    from gui import i18n

    tip = window.inspector.label_boxes["引导购买"].toolTip()
    assert tip.startswith("诱导或鼓励消费者购买")
    assert i18n.stage_text("speaking clip 2/5") == "合成语音 2/5"
    assert i18n.stage_text("encoding") == "编码"
    assert i18n.knowledge_warning_text("the product knowledge has only 1 fact") == "商品信息只有 1 条"
    assert i18n.knowledge_warning_text("the product has no name: lines cannot name it") == "商品没有名称：文案无法说出商品名"
    # every warning the writer gives for a noisy card (one per unusable field) reads in Chinese
    from core.narration.knowledge import knowledge_warnings
    from core.project import Product

    noisy = Product("", {"鉴定/认证": "AUTHENTICATION", "活动优惠": "A1、B2", "功效": "😀"})
    shown = [i18n.knowledge_warning_text(w) for w in knowledge_warnings(noisy)]
    assert len(shown) >= 3 and not any(re.search(r"[A-Za-z]{3,}", text) for text in shown), shown


def test_english_has_plural_forms(english: None) -> None:
    from gui.i18n import tr

    assert tr("Detected %n clips", "", 1) == "Detected 1 clip"
    assert tr("Detected %n clips", "", 3) == "Detected 3 clips"
    assert tr("{what}: %n lines", "", 1).format(what="Narrate all") == "Narrate all: 1 line"


def test_language_follows_the_system_locale_unless_chosen() -> None:
    from gui.i18n import resolve

    assert resolve("system", "zh_CN") == "zh_CN"
    assert resolve("system", "zh_TW") == "zh_CN"
    assert resolve("system", "en_US") == "en"
    assert resolve("en", "zh_CN") == "en"
    assert resolve("zh_CN", "de_DE") == "zh_CN"


def test_every_source_string_has_a_translation() -> None:
    """lupdate into a temporary copy of the committed .ts: nothing new, nothing unfinished, same placeholders."""
    for language in build_translations.LANGUAGES:
        assert build_translations.missing_strings(language) == [], (
            f"untranslated strings: run python scripts/build_translations.py and translate "
            f"{build_translations.ts_file(language).name}"
        )
        assert build_translations.placeholder_mismatches(build_translations.ts_file(language)) == []


def _tr_literals() -> list[tuple[str, int, str]]:
    """Every literal text of tr(...) / QT_TRANSLATE_NOOP("", ...) / _t(...) in gui/ (what lupdate must see)."""
    out = []
    for path in (ROOT / "gui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            args = node.args[1:] if name == "QT_TRANSLATE_NOOP" else node.args
            literal = args[0] if args else None
            marked = name in ("tr", "QT_TRANSLATE_NOOP", "QT_TR_NOOP", build_translations.NOOP_ALIAS)
            if marked and isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                out.append((path.name, node.lineno, literal.value))
    return out


def test_every_tr_literal_is_in_the_catalogue() -> None:
    """Also the calls lupdate cannot see (inside f-strings): each one must be translated."""
    sources = {source for (_ctx, source) in build_translations.messages(build_translations.ts_file("zh_CN"))}
    literals = _tr_literals()
    assert len(literals) > 200
    missing = [f"{f}:{line}: {text!r}" for f, line, text in literals if text not in sources]
    assert missing == []


def test_compiled_qm_is_up_to_date_with_the_ts() -> None:
    for language in build_translations.LANGUAGES:
        assert build_translations.qm_is_current(language), (
            f"{build_translations.qm_file(language).name} is stale: run python scripts/build_translations.py"
        )


def test_translation_check_fails_on_a_new_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a module with an untranslated tr() string is reported."""
    gui = tmp_path / "gui"
    gui.mkdir()
    (gui / "new.py").write_text('from gui.i18n import tr\n\nTEXT = tr("A brand new string")\n', encoding="utf-8")
    i18n = tmp_path / "resources" / "i18n"
    i18n.mkdir(parents=True)
    ts = build_translations.ts_file("zh_CN")
    (i18n / ts.name).write_bytes(ts.read_bytes())
    monkeypatch.setattr(build_translations, "ROOT", tmp_path)
    monkeypatch.setattr(build_translations, "I18N", i18n)
    assert build_translations.missing_strings("zh_CN") == ["A brand new string"]


# --- alternatives, labels, knowledge ------------------------------------------------------------


def _alternatives(window: Any, qtbot: Any, index: int) -> list[tuple[tuple[str, ...], str]]:
    window.bridge.select([index])
    window.request_alternatives(index)
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    return window.inspector.alternative_lines(index)


def test_alternatives_replace_a_line_as_one_undo_step(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    before = window.bridge.project.clips[0].narration
    lines = _alternatives(window, qtbot, 0)
    assert answers.errors == []
    assert lines, "the narrator offered no alternative"
    texts = [t for _l, t in lines]
    assert len(set(texts)) == len(texts) and before not in texts  # distinct, and not the current line
    items = window.inspector.alternatives
    assert items.count() == len(lines)
    assert "characters" in items.item(0).text()  # each with its length
    window.inspector.alternatives.itemClicked.emit(items.item(0))  # one click uses it
    assert window.bridge.project.clips[0].narration == texts[0]
    assert window.bridge.document.undo_text() == "Use another line"
    window.action(ActionId.UNDO).trigger()  # one undo step brings the previous line back
    assert window.bridge.project.clips[0].narration == before
    # Regenerate walks through the listed alternatives in order
    window.action(ActionId.REGENERATE).trigger()
    assert window.bridge.project.clips[0].narration == texts[0]
    if len(texts) > 1:
        window.action(ActionId.REGENERATE).trigger()
        assert window.bridge.project.clips[0].narration == texts[1]


def test_locked_line_survives_a_label_change(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([1])
    window.inspector.text.setPlainText("我自己写的台词")
    window.inspector.commit_text()
    assert window.bridge.project.clips[1].locked
    answers.yes = False  # "rewrite it for the new storyline?" -> no
    name = next(n for n in window.inspector.label_boxes if n not in window.bridge.project.clips[1].labels)
    answers.questions.clear()
    window.inspector.label_boxes[name].click()
    qtbot.waitUntil(lambda: bool(answers.questions) and idle(window), timeout=WAIT)  # once the clicks pause
    clip = window.bridge.project.clips[1]
    assert name in clip.labels
    assert clip.narration == "我自己写的台词" and clip.locked
    assert any("locked" in q for q in answers.questions)  # it asked, naming the lock
    # an alternative offered later still asks before replacing the locked line
    lines = _alternatives(window, qtbot, 1)
    if lines:
        assert not window.use_alternative(1, lines[0][1], lines[0][0])
        assert window.bridge.project.clips[1].narration == "我自己写的台词"
    window.bridge.select([1])
    window.action(ActionId.CLEAR_LINE).trigger()  # Delete asks before clearing a locked line
    assert window.bridge.project.clips[1].narration == "我自己写的台词"
    assert "locked" in answers.questions[-1]


def test_label_change_offers_a_rewrite_for_an_unlocked_line(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([0])
    before = window.bridge.project.clips[0].narration
    answers.yes = True
    name = next(n for n in window.inspector.label_boxes if n not in window.bridge.project.clips[0].labels)
    answers.questions.clear()
    window.inspector.label_boxes[name].click()
    qtbot.waitUntil(lambda: bool(answers.questions), timeout=WAIT)  # asked once the clicks pause
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    assert answers.errors == []
    assert answers.questions and "rewrite" in answers.questions[-1]
    assert window.bridge.project.clips[0].narration != before


def test_thin_knowledge_is_shown_and_asked_before_narrating(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("empty product", lambda p: p.__class__(**{**p.__dict__, "product": Product()}))
    assert window.product_panel.warning.isVisibleTo(window.product_panel)
    assert "no name" in window.product_panel.warning.text()
    answers.yes = False
    before = window.bridge.project
    window.action(ActionId.NARRATE).trigger()
    assert answers.questions and "thin" in answers.questions[-1]
    assert window.main_job is None and window.bridge.project == before
    window.bridge.edit(
        "product", lambda p: p.__class__(**{**p.__dict__, "product": Product("面霜", {"功效": "保湿、修护、提亮", "成分/材质": "玻尿酸、神经酰胺"})})
    )
    assert not window.product_panel.warning.isVisibleTo(window.product_panel)


# --- help, logs, errors --------------------------------------------------------------------------


def test_help_menu_shortcuts_about_and_logs(window: Any, answers: Any) -> None:
    from gui import dialogs, logs

    help_menu = window.menuBar().actions()[-1].menu()
    assert window.action(ActionId.SHORTCUTS) in help_menu.actions() and window.action(ActionId.ABOUT) in help_menu.actions()
    assert window.action(ActionId.LOG_FOLDER) in help_menu.actions()
    rows = dict((what, keys) for keys, what in window.shortcut_rows())
    assert "Ctrl+B" in rows["Split at playhead"] and "S" in rows["Split at playhead"]
    assert rows["Shuttle back"] == "J" and rows["Shuttle stop"] == "K" and rows["Shuttle forward"] == "L"
    assert rows["Clear line"] == "Del"
    dialog = dialogs.make_shortcuts_dialog(window, window.shortcut_rows())
    assert dialog.table.rowCount() == len(rows)
    about = dialogs.make_about_dialog(window).text.toPlainText()
    for needle in ("espeak-ng", "Noto Sans CJK", "ffmpeg", "source code", "LGPL"):
        assert needle in about
    window.action(ActionId.LOG_FOLDER).trigger()
    assert str(logs.log_dir()) in window.status_text.text()


def test_error_is_logged_with_traceback_and_shown_in_one_line(window: Any, answers: Any) -> None:
    from gui import logs

    logs.setup("test")
    try:
        try:
            raise RuntimeError("boom\nsecond line")
        except RuntimeError as exc:
            import traceback

            window.show_error("Test", exc, traceback.format_exc())
        assert answers.errors == ["internal error: RuntimeError: boom"]
        for handler in logs.log.handlers:
            handler.flush()
        text = logs.log_file().read_text(encoding="utf-8")
        assert "Traceback" in text and "boom" in text
        assert logs.crash_file().is_file()  # faulthandler writes native crashes there
    finally:
        logs.shutdown()


def test_a_text_file_named_mp4_is_not_a_video_file(
    window: Any, qtbot: Any, answers: Any, tmp_path: Path
) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n", encoding="utf-8")
    window.open_path(fake)
    qtbot.waitUntil(lambda: idle(window) and bool(answers.errors), timeout=WAIT)
    assert answers.errors[-1] == f"{fake}: not a video file"
    assert "moov" not in answers.errors[-1]


def test_user_mistakes_get_one_line_and_no_traceback(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from gui import dialogs

    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self) or 0)
    exc = MediaError("/x/notes.mp4: not a video file ffmpeg can read (moov atom not found)")
    dialogs.show_error(None, "Open", exc, "Traceback (most recent call last): ...")
    assert shown[-1].text() == "/x/notes.mp4: not a video file"
    assert shown[-1].detailedText() == "" and "moov" not in shown[-1].informativeText()
    assert "log" in shown[-1].informativeText()
    dialogs.show_error(None, "Open", RuntimeError("bug"), "Traceback ...")
    assert shown[-1].detailedText() == "" and "log" in shown[-1].informativeText()


# --- rough edges ---------------------------------------------------------------------------------


def test_clip_panel_at_900x600_shows_every_label_by_scrolling(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.width() <= 900 and window.height() <= 600, timeout=WAIT)
    qtbot.wait(50)
    inspector = window.inspector
    assert len(inspector.label_boxes) == 12
    viewport = inspector.scroll_area.viewport()
    for name, box in inspector.label_boxes.items():
        assert box.height() >= box.sizeHint().height(), f"{name} is squashed"
        inspector.scroll_area.ensureWidgetVisible(box)
        top_left = box.mapTo(viewport, box.rect().topLeft())
        bottom_right = box.mapTo(viewport, box.rect().bottomRight())
        assert viewport.rect().contains(top_left) and viewport.rect().contains(bottom_right), name
    assert inspector.scroll_area.horizontalScrollBar().maximum() == 0  # no sideways scrolling
    window.tabs.setCurrentWidget(window.product_panel)
    qtbot.wait(50)
    assert window.product_panel.scroll_area.horizontalScrollBar().maximum() == 0


def test_toolbar_undo_keeps_its_width(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    widget = window.toolbar.widgetForAction(window.action(ActionId.TOOL_UNDO))
    width = widget.sizeHint().width()
    window.bridge.select([0])
    window.inspector.text.setPlainText("一句很长的台词用来改变撤销按钮的文字")
    window.inspector.commit_text()
    assert window.action(ActionId.UNDO).text().endswith("Edit narration")  # the menu names the step
    assert window.action(ActionId.TOOL_UNDO).text() == "Undo" and "Edit narration" in window.action(ActionId.TOOL_UNDO).toolTip()
    assert widget.sizeHint().width() == width
    window.resize(900, 600)
    qtbot.wait(50)
    settings = window.toolbar.widgetForAction(window.action(ActionId.SETTINGS))
    assert settings is not None and settings.isVisible()  # not pushed into the overflow menu


def test_export_settings_are_not_undone_by_ctrl_z() -> None:
    from dataclasses import replace

    doc = Document(Project(clips=(Clip(0, 2000),)))
    doc.edit("Edit narration", lambda p: replace(p, clips=(replace(p.clips[0], narration="你好"),)))
    doc.set_untracked(lambda p: replace(p, export=replace(p.export, duck_db=-20.0)))
    assert doc.undo_text() == "Edit narration"
    doc.undo()
    assert doc.project.clips[0].narration == "" and doc.project.export.duck_db == -20.0
    doc.redo()
    assert doc.project.clips[0].narration == "你好" and doc.project.export.duck_db == -20.0


def test_delete_clears_the_selected_line_as_one_step(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.bridge.select([0, 1])
    lines = [c.narration for c in window.bridge.project.clips[:2]]
    assert all(lines)
    window.action(ActionId.CLEAR_LINE).trigger()
    assert [c.narration for c in window.bridge.project.clips[:2]] == ["", ""]
    assert len(window.bridge.project.clips) == 3  # the clips stay
    window.action(ActionId.UNDO).trigger()
    assert [c.narration for c in window.bridge.project.clips[:2]] == lines
    from PySide6.QtCore import Qt

    window.product_panel.extra.setFocus()  # Delete in the product table is not for the clips
    qtbot.keyClick(window.product_panel.extra, Qt.Key.Key_Delete)
    assert [c.narration for c in window.bridge.project.clips[:2]] == lines
    window.activateWindow()
    window.timeline.setFocus()
    qtbot.waitUntil(window.timeline.hasFocus, timeout=WAIT)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Delete)
    assert [c.narration for c in window.bridge.project.clips[:2]] == ["", ""]


def test_untouched_demo_closes_without_asking(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    window.open_path(cut_video, auto_narrate=True)  # the demo path: detect, then narrate by itself
    qtbot.waitUntil(
        lambda: idle(window) and any(c.narration for c in window.bridge.project.clips), timeout=WAIT
    )
    assert not window.bridge.document.dirty
    assert window.confirm_discard() and answers.questions == []


def test_opening_a_bad_file_does_not_ask_to_save_first(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([0])
    window.inspector.text.setPlainText("改过的台词")
    window.inspector.commit_text()
    broken = tmp_path / "broken.narr.json"
    broken.write_text("{not json", encoding="utf-8")
    window.open_path(broken)
    fake = tmp_path / "fake.mp4"
    fake.write_text("text", encoding="utf-8")
    window.open_path(fake)
    qtbot.waitUntil(lambda: idle(window) and len(answers.errors) == 2, timeout=WAIT)
    assert answers.questions == []  # nothing to replace the document with: no "Save the changes?"
    assert window.bridge.project.clips[0].narration == "改过的台词"


def test_status_bar_shows_no_internal_paths(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    import tempfile

    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    window.action(ActionId.SYNTH).trigger()
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 3)
    assert tempfile.gettempdir() not in window.status_text.text()
    window.bridge.select([0])
    window.play_current_speech()  # made by Synthesize: plays at once
    assert answers.errors == []
    assert "Speech for clip 1" in window.status_text.text()
    assert tempfile.gettempdir() not in window.status_text.text()


def test_timeline_refits_when_the_window_grows(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.resize(900, 600)
    qtbot.wait(50)
    narrow = window.timeline.px_per_ms
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.timeline.px_per_ms > narrow * 1.3, timeout=WAIT)


def test_long_line_is_drawn_inside_its_clip(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([1])
    window.inspector.text.setPlainText("这是一句非常非常长的旁白文案，远远超出了这个片段能够容纳的时长范围，一定会溢出")
    window.inspector.commit_text()
    timeline = window.timeline
    item = timeline.narr_items[1]
    assert item.state == "over"
    assert item.boundingRect().right() > timeline.ms_to_x(window.bridge.project.clips[1].end_ms)  # it runs long
    from PySide6.QtGui import QImage, QPainter

    image = QImage(int(timeline.scene().width()) + 10, 200, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    item.paint(painter, None)  # type: ignore[arg-type]
    painter.end()
    next_x = int(timeline.ms_to_x(window.bridge.project.clips[2].start_ms)) + 2
    y = int(item.boundingRect().center().y())
    assert image.pixel(next_x, y) == 0  # nothing drawn over the next clip's block


def test_durations_update_while_dragging_a_boundary(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    timeline = window.timeline
    first = window.bridge.project.clips[0]
    timeline._drag = 1
    timeline._drag_ms = first.end_ms - 400
    assert timeline.span(0) == (first.start_ms, first.end_ms - 400)
    assert timeline.span(1)[0] == first.end_ms - 400
    timeline._drag = None
    assert timeline.span(0) == (first.start_ms, first.end_ms)


def test_no_audio_output_device_is_reported(window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(window.preview), "has_audio_output", lambda self: False)
    assert window.preview.warn_if_no_audio_output()
    assert "No audio output device" in window.status_text.text()


# --- crash recovery ------------------------------------------------------------------------------

CRASHING_EDITOR = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from core.project import Clip, Document, Project, set_narration
    from gui import process_host
    process_host.ProcessHost.warm_up = lambda self: None  # no helper process to orphan when killed
    from gui.main_window import MainWindow
    window = MainWindow()  # default periodic autosave (30 s): only the save after the edit can help
    doc = Document(Project(clips=(Clip(0, 2000), Clip(2000, 4000))))
    doc.mark_saved()
    window.set_document(doc)
    window.bridge.edit("Edit narration", lambda p: set_narration(p, 1, "崩溃前三秒的修改", lock=True))
    print("edited", flush=True)
    app.exec()
    """
)


def test_recovery_after_a_crash_keeps_an_edit_made_3_s_before(tmp_path: Path, isolated: Path, qapp: Any) -> None:
    from gui import recovery

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_EDITOR], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "edited"
        import time

        time.sleep(3.0)  # the user edits, then 3 s later the editor is killed
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    orphans = recovery.find_orphans()
    assert len(orphans) == 1
    assert ":" in orphans[0].describe()  # the dialog says when the data was saved
    doc = recovery.restore(orphans[0])
    assert doc.project.clips[1].narration == "崩溃前三秒的修改"
    recovery.remove(orphans[0])


def test_screenshot_of_the_chinese_interface(chinese: None, window: Any, qtbot: Any, answers: Any) -> None:
    """Saved to test-artifacts/ (and docs/screenshot_zh_CN.png with SYNCNARRATOR_UPDATE_SCREENSHOT=1)."""
    from PySide6.QtCore import QRect

    from gui.app import demo_video

    window.fit_to_screen(QRect(0, 0, 1280, 720))  # as it opens on a 1280x720 screen
    assert window.open_path(demo_video(), auto_narrate=True)
    qtbot.waitUntil(
        lambda: idle(window) and all(c.narration and c.labels for c in window.bridge.project.clips),
        timeout=WAIT * 3,  # narrating speaks every line: slow on shared cores
    )
    window.bridge.select([1])
    window.request_alternatives(1)
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    clip = window.bridge.project.clips[1]
    window.bridge.set_playhead(clip.start_ms + 600)
    qtbot.waitUntil(lambda: window.preview.frames_shown > 0 and window.thumb_job is not None
                    and not window.thumb_job.running, timeout=WAIT)  # fmt: skip
    window.inspector.scroll_area.ensureWidgetVisible(window.inspector.alternatives)  # show the 换一句 list
    qtbot.wait(300)
    assert window.menuBar().actions()[0].text() == "文件(&F)"
    image = window.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(colours) > 50  # a real picture, not a blank window
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    assert image.save(str(artifacts / "editor-zh_CN.png"))
    if os.environ.get("SYNCNARRATOR_UPDATE_SCREENSHOT") == "1":
        assert image.save(str(ROOT / "docs" / "screenshot_zh_CN.png"))


def test_export_finished_dialog_summarises_the_report(qapp: Any, tmp_path: Path, english: None) -> None:
    import json

    from gui import dialogs

    out = tmp_path / "ad.narrated.mp4"
    report = {
        "duration_ms": 8400,
        "summary": {"fitted": 3, "shortened": 1, "silent": 1, "silent_with_line": 1},
        "clips": [{"clip": 1, "line": "a", "status": "fitted"}, {"clip": 2, "line": "太长的一句", "status": "silent"}],
        "loudness": {"integrated_lufs": -14.2, "target_lufs": -14},
        "warnings": [],
    }
    (tmp_path / "ad.narrated.report.json").write_text(json.dumps(report), encoding="utf-8")
    lines = dialogs.report_summary(object(), out)
    assert lines[0] == "Saved as ad.narrated.mp4"
    assert "Length: 8.4 s" in lines and "4 lines spoken" in lines and "1 line shortened to fit" in lines
    assert "• clip 2" in lines and "Loudness: -14.2 LUFS" in lines
    box = dialogs.make_export_finished_dialog(None, out, object())
    assert box.open_button.text() == "Open folder" and box.play_button.text() == "Play"


def test_every_progress_stage_of_the_core_is_translated() -> None:
    """Stage texts the core reports (progress(f, "stage")) are shown translated in the status bar."""
    from gui import i18n

    stages = set()
    for path in [*(ROOT / "core").rglob("*.py"), *(ROOT / "gui").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in ("progress", "report") and isinstance(node.args[1].value, str) and node.args[1].value:
                    stages.add(node.args[1].value)
    assert "encoding" in stages
    missing = sorted(s for s in stages if s not in i18n._STAGES and not i18n._COUNTED_STAGE.match(s))
    assert missing == [], "add these to gui/i18n.py _STAGES and translate them"


def test_language_choice_in_settings(window: Any, answers: Any) -> None:
    from gui import config

    assert config.language() == "system"

    def choose(dialog: Any) -> bool:
        names = [dialog.language.itemText(i) for i in range(dialog.language.count())]
        assert "中文" in names and "English" in names
        dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
        return True

    answers.dialog_hook = choose
    window.action(ActionId.SETTINGS).trigger()
    assert config.language() == "zh_CN"
    assert "next start" in window.status_text.text()


def test_voices_are_listed_by_name_without_duplicates(qapp: Any) -> None:
    from core.project import SpeechSettings
    from gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(SpeechSettings(voice="zf_xiaobei"), [])
    dialog.add_voices([("zf_xiaobei", "女声 · 清亮"), ("zm_yunjian", "男声 · 沉稳"), ("zm_yunjian", "男声 · 沉稳"),
                       ("cmn", "女声 · 清亮")])  # fmt: skip
    names = [dialog.voice.itemText(i) for i in range(dialog.voice.count())]
    assert names[1:] == ["女声 · 清亮", "男声 · 沉稳"]
    assert dialog.voice.currentText() == "女声 · 清亮"  # the project's voice, shown by its name
    assert dialog.speech(SpeechSettings()).voice == "zf_xiaobei"  # saved by its id


# --- issue #24: every visible string Chinese under zh_CN ------------------------------------------

# Latin words that may stay: names (programs, licences, fonts, formats), units, key names
ALLOWED_LATIN = {
    "SyncNarrator", "E-SyncVidStory", "Alibaba", "BSD-3-Clause", "NOTICE", "Kokoro-82M", "Apache-2.0",
    "espeak-ng", "GPL-3.0", "LGPL", "GPL", "LGPL-3.0", "Noto", "Sans", "CJK", "SIL", "Qt", "PySide6", "ffmpeg",
    "imageio-ffmpeg", "https", "LUFS", "dB", "dBTP", "s", "p", "SRT", "srt", "MP4", "npy", "pt", "pth",
    "zf_", "zm_", "Ctrl", "Shift", "Alt", "Space", "Del", "Delete", "Left", "Right", "Up", "Down", "Home",
    "End", "PgUp", "PgDown", "Return", "Enter", "Esc", "Backspace", "F1",
    *"ABCDEFGHIJKLMNOPQRSTUVWXYZ",  # single keys of shortcuts
    "OpenTimelineIO", "Premiere", "Resolve", "Final", "Cut", "FCP", "XML", "EDL", "CMX",  # editors, formats
    "shots",  # the test video's name (window title)
    "English",  # the language list names each language in itself
    "EBU", "R128",  # the broadcast loudness standard
}
_TOKEN = __import__("re").compile(r"[A-Za-z][A-Za-z0-9_.+-]*")


def _latin_words(text: str) -> list[str]:
    import re

    text = re.sub(r"<[^>]+>", " ", text)  # rich text tags
    text = re.sub(r"\S*[/\\]\S*|\S*\*\.\S*|\S+\.(mp4|json|srt|otio|npy|pt|pth|txt|png)\b", " ", text)  # paths
    text = re.sub(r"\(&\w\)|&(?=\w)", "", text)  # mnemonics
    words = []
    for token in _TOKEN.findall(text):
        token = token.rstrip(".-+")
        parts = [token, *re.split(r"[+._-]", token)]
        if not any(p in ALLOWED_LATIN for p in parts) and not all(
            p in ALLOWED_LATIN or p.isdigit() or p == "" for p in re.split(r"[+._-]", token)
        ):
            words.append(token)
    return words


def _visible_texts(top: Any) -> list[str]:
    """What a user can read in `top` and its visible children (and its menus and tool bar)."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QGroupBox,
        QHeaderView,
        QLabel,
        QLineEdit,
        QListWidget,
        QMainWindow,
        QPlainTextEdit,
        QProgressBar,
        QTabWidget,
        QTextBrowser,
        QWidget,
    )  # fmt: skip

    texts = [top.windowTitle()]
    for w in [top, *top.findChildren(QWidget)]:
        if not w.isVisibleTo(top) and w is not top:
            continue
        if isinstance(w, QLabel):
            texts.append(w.text())
        elif isinstance(w, QAbstractButton):
            texts += [w.text(), w.toolTip()]
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, (QLineEdit, QPlainTextEdit)):
            texts.append(w.placeholderText())
        elif isinstance(w, QTextBrowser):
            texts.append(w.toPlainText())
        elif isinstance(w, QProgressBar) and w.isTextVisible():
            texts.append(w.text())
        elif isinstance(w, QListWidget):
            texts += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QHeaderView) and w.model() is not None:
            m = w.model()
            n = m.columnCount() if w.orientation().name == "Horizontal" else 0
            texts += [str(m.headerData(i, w.orientation()) or "") for i in range(n)]
    if isinstance(top, QMainWindow):
        stack = list(top.menuBar().actions()) + list(top.toolbar.actions())
        while stack:
            action = stack.pop()
            texts += [action.text(), action.toolTip()]
            if action.menu() is not None:
                stack += action.menu().actions()
    return [t for t in texts if t]


def _assert_chinese(where: str, top: Any) -> None:
    bad = sorted({w for t in _visible_texts(top) for w in _latin_words(t)})
    assert bad == [], f"{where}: English words on screen under zh_CN: {bad}"


def test_latin_word_check_can_fail(qapp: Any) -> None:
    from PySide6.QtWidgets import QLabel

    label = QLabel("Files of type: 视频 (*.mp4)")
    assert _latin_words(label.text()) == ["Files", "of", "type"]
    assert _latin_words("合并 2 个片段 (Ctrl+M)，-14 LUFS，shots.mp4，/tmp/a") == []


def test_every_visible_string_is_chinese(
    chinese: None, window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    from core.errors import InputError
    from core.project import SpeechSettings
    from gui import dialogs
    from gui.export_dialog import ExportDialog
    from gui.settings_dialog import SettingsDialog

    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([1])
    window.inspector.text.setPlainText("轻巧折叠，通勤好帮手")
    window.inspector.commit_text()
    assert window.banner.isVisibleTo(window)  # no product card beside the video
    _assert_chinese("main window", window)
    window.tabs.setCurrentWidget(window.product_panel)
    _assert_chinese("product tab", window)
    settings = SettingsDialog(SpeechSettings(), [("zf_xiaobei", "女声 · 清亮")], window)
    assert [settings.backend.itemText(i) for i in range(settings.backend.count())] == ["内置文案", "本地大模型"]
    _assert_chinese("settings", settings)
    export = ExportDialog(window.bridge.project, None, window)
    assert export.preset.itemText(0) != "source" and export.preset.itemData(0) == "source"
    _assert_chinese("export dialog", export)
    about = dialogs.make_about_dialog(window)
    assert "BSD-3-Clause" in about.text.toPlainText() and "研究用途" not in about.text.toPlainText()
    _assert_chinese("about", about)
    _assert_chinese("shortcuts", dialogs.make_shortcuts_dialog(window, window.shortcut_rows()))
    empty = tmp_path / "empty"
    empty.mkdir()
    for mode in ("open", "save", "folder"):
        box = dialogs.make_file_dialog(window, "打开", str(empty), dialogs.video_filter(), mode=mode)
        box.show()
        _assert_chinese(f"file dialog ({mode})", box)
        box.close()
    voice_pack = tmp_path / "voice.txt"
    voice_pack.write_text("x", encoding="utf-8")
    for exc in (
        InputError(f"{voice_pack}: a voice pack is a .npy or .pt file"),
        InputError(f"{tmp_path / 'v.npy'}: not a Kokoro voice (shape (3,), expected (510, 1, 256))"),
        MediaError(f"{tmp_path / 'x.mp4'}: some message nobody translated yet"),
        OSError(13, "Permission denied", str(tmp_path / "out.mp4")),
    ):
        box = dialogs.make_error_box(window, "添加声音包", exc)
        box.show()
        _assert_chinese(f"error {exc}", box)
        assert box.text().startswith(str(tmp_path))  # still names the file
        box.close()
    finished = dialogs.make_export_finished_dialog(window, tmp_path / "out.mp4", object())
    finished.show()
    _assert_chinese("export finished", finished)
    finished.close()
    # an edit that makes no sense says why in Chinese in the status bar
    window.bridge.set_playhead(window.bridge.project.clips[1].start_ms)
    window.action(ActionId.SPLIT).trigger()
    assert window.status_text.text() == "分割片段: 离片段边界太近，无法分割"
