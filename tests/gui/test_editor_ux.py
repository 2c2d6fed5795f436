"""Issue #24, items 4-9: product card on open, thumbnails at their time, split/merge lines, the window on
small screens, and the rough edges a new user hit."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect

from core.media import probe
from core.project import Clip, Document, MediaSummary, Project
from gui.actions import ActionId
from tests.gui.test_editor_flows import WAIT, idle, open_video
from tests.mediagen import make_cut_video, make_frame_colour_video

CARD = {
    "name": "轻骑折叠自行车",
    "attributes": {
        "外观": "银色车架、20寸轮",
        "成分/材质": "铝合金车架",
        "功效": "折叠后放进后备箱、通勤省力",
        "活动优惠": "今晚下单立减100元",
    },
}


def _with_card(cut_video: Path, folder: Path) -> Path:
    video = folder / "bike.mp4"
    shutil.copy(cut_video, video)
    (folder / "bike.product.json").write_text(json.dumps(CARD, ensure_ascii=False), encoding="utf-8")
    return video


# --- 4. a product card beside the video ---------------------------------------------------------


def test_a_video_with_its_product_card_gets_lines_at_once(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    video = _with_card(cut_video, tmp_path)
    answers.open_file = str(video)
    window.action(ActionId.OPEN).trigger()
    qtbot.waitUntil(
        lambda: (
            idle(window)
            and len(window.bridge.project.clips) >= 2
            and all(c.narration for c in window.bridge.project.clips)
        ),
        timeout=WAIT * 2,
    )
    assert answers.errors == [] and answers.questions == []
    assert window.bridge.project.product.name == CARD["name"]
    assert not window.banner.isVisibleTo(window)
    assert window.confirm_discard() and answers.questions == []  # the editor's own work: nothing to save


def test_a_video_without_a_card_shows_a_banner_not_a_question(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    banner = window.banner
    assert banner.isVisibleTo(window) and answers.questions == []
    assert "shots.product.json" in banner.text.text()
    assert not any(c.narration for c in window.bridge.project.clips)  # nothing to say about the product
    window.tabs.setCurrentWidget(window.inspector)
    banner.button.click()
    assert window.tabs.currentWidget() is window.product_panel
    banner.close_button.click()
    assert not banner.isVisibleTo(window)
    # typing a product name also retires it
    open_video(window, qtbot, answers, cut_video)
    assert banner.isVisibleTo(window)
    window.product_panel.name.setText("折叠自行车")
    window.product_panel.commit()
    assert not banner.isVisibleTo(window)


# --- 5. thumbnails are the frame at their time ----------------------------------------------------


def _mean_rgb(image: Any) -> tuple[float, float, float]:
    """The picture's mean colour over all its pixels (pictures of different sizes compare)."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    rgb = data[:, : w * 3].reshape(h, w, 3).astype(float)
    r, g, b = rgb.mean(axis=(0, 1))
    return float(r), float(g), float(b)


def _show_frame(qtbot: Any, window: Any, at: int, frame: int, fps: Fraction) -> None:
    """Put the playhead at `at` and wait until the preview shows `frame`. Now and then (under load) Qt's
    player lands one frame late after a paused seek; seeking away and back again settles it."""
    preview = window.preview

    def shown() -> int:
        return round(Fraction(preview.shown_frame_us, 1_000_000) * fps)

    for _attempt in range(4):
        window.bridge.set_playhead(at)
        try:
            qtbot.waitUntil(lambda: shown() == frame, timeout=WAIT // 4)
            return
        except Exception:
            window.bridge.set_playhead(0 if at > 1000 else window.bridge.project.media.duration_ms // 2)
            qtbot.wait(200)
    raise AssertionError(f"the preview never showed frame {frame} at {at} ms (it shows {shown()})")


def _distance(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def test_the_thumbnail_at_t_is_the_frame_the_preview_shows_at_t(
    window: Any, qtbot: Any, answers: Any, tmp_path: Path
) -> None:
    video = make_frame_colour_video(tmp_path / "frames.mp4", duration=4.0)
    info = probe(video)
    media = MediaSummary(info.duration_ms, info.fps, info.width, info.height, info.has_audio)
    window.set_document(Document(Project(video=str(video), media=media, clips=(Clip(0, info.duration_ms),))))
    qtbot.waitUntil(
        lambda: (
            window.thumb_job is not None and not window.thumb_job.running and window.preview.frames_shown > 0
        ),
        timeout=WAIT,
    )
    strip = window.timeline.thumbs
    assert len(strip.times) >= 20
    fps = Fraction(info.fps)
    sink = window.preview.view.video_item.videoSink()
    checked = 0
    for t in strip.times[1::3]:
        for at in (t, t + 15):  # on the frame's start and inside the frame
            frame = int(Fraction(at, 1000) * fps)
            _show_frame(qtbot, window, at, frame, fps)
            shown = _mean_rgb(sink.videoFrame().toImage())
            thumb = _mean_rgb(strip.image_at(at))
            assert _distance(shown, thumb) < 12, f"at {at} ms the thumbnail is another frame"
            checked += 1
        # the test can tell frames apart: the frame before looks different
        before = strip.image_at(t - 1)
        if before is not strip.image_at(t):
            assert _distance(_mean_rgb(before), _mean_rgb(strip.image_at(t))) > 20
    assert checked >= 10


def test_thumbnail_tiles_change_shot_where_the_clips_do(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    from gui.timeline import THUMB_H, THUMB_Y

    open_video(window, qtbot, answers, cut_video)
    qtbot.waitUntil(lambda: window.thumb_job is not None and not window.thumb_job.running, timeout=WAIT)
    strip, timeline = window.timeline.thumbs, window.timeline
    fps = Fraction(window.bridge.project.media.fps)
    sink = window.preview.view.video_item.videoSink()
    option = QStyleOptionGraphicsItem()
    option.exposedRect = strip.boundingRect()
    canvas = QImage(int(timeline.scene().width()) + 2, int(THUMB_Y + THUMB_H) + 2, QImage.Format.Format_RGB32)
    painter = QPainter(canvas)
    strip.paint(painter, option)
    painter.end()
    for clip in window.bridge.project.clips[1:]:
        _show_frame(qtbot, window, clip.start_ms, int(Fraction(clip.start_ms, 1000) * fps), fps)
        shown = _mean_rgb(sink.videoFrame().toImage())
        tile = strip.tile_image(clip.start_ms, clip.start_ms, clip.end_ms)
        assert _distance(_mean_rgb(tile), shown) < 12  # the new shot from the clip's first pixel
        x = round(timeline.ms_to_x(clip.start_ms))  # the strip draws that tile from the clip's start
        top = round(THUMB_Y + (THUMB_H - tile.height()) / 2)
        drawn = canvas.copy(x, top, tile.width(), tile.height())
        assert _distance(_mean_rgb(drawn), _mean_rgb(tile)) < 3
        before = strip.image_at(clip.start_ms - 1)  # the last thumbnail of the shot before
        assert _distance(_mean_rgb(before), shown) > 20


# --- 7. the window on a small screen ------------------------------------------------------------


@pytest.mark.parametrize("screen", [(1280, 720), (1366, 768)])
def test_the_window_fits_a_small_screen(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, screen: tuple[int, int]
) -> None:
    open_video(window, qtbot, answers, cut_video)
    _type_line(window, 1, "轻巧折叠")
    window.bridge.select([1])
    available = QRect(0, 0, screen[0], screen[1] - 40)  # a task bar at the bottom
    geometry = window.fit_to_screen(available)
    assert available.contains(geometry)
    qtbot.waitUntil(lambda: window.height() <= available.height() and window.width() <= available.width(),
                    timeout=WAIT)  # fmt: skip
    qtbot.wait(100)
    assert window.minimumSizeHint().height() <= available.height()
    inside = window.rect()
    for widget in (window.timeline, window.statusBar(), window.status_text):
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        assert inside.contains(rect), f"{type(widget).__name__} is cut off: {rect} in {inside}"
    from gui.timeline import SCENE_H

    assert window.timeline.viewport().height() >= SCENE_H  # the narration lane is on screen
    inspector = window.inspector
    viewport = inspector.scroll_area.viewport()
    for target in (inspector.chars_meter, inspector.seconds_meter, inspector.fit_label, inspector.more_lines):
        inspector.scroll_area.ensureWidgetVisible(target)
        corner = target.mapTo(viewport, target.rect().bottomRight())
        assert viewport.rect().contains(target.mapTo(viewport, QPoint(0, 0))) and viewport.rect().contains(
            corner
        )
    window.tabs.setCurrentWidget(window.product_panel)
    qtbot.wait(50)
    panel = window.product_panel.scroll_area
    assert panel.verticalScrollBar().maximum() > 0 or panel.widget().height() <= panel.viewport().height()
    assert panel.horizontalScrollBar().maximum() == 0


def test_a_window_not_yet_shown_leaves_room_for_its_title_bar(qtbot: Any, answers: Any) -> None:
    from gui.main_window import TITLE_BAR_ALLOWANCE, MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    try:
        available = QRect(0, 0, 1280, 680)
        assert available.contains(window.fit_to_screen(available))
        assert window.height() <= available.height() - TITLE_BAR_ALLOWANCE.height()
    finally:
        window.shutdown()


# --- 9. rough edges -----------------------------------------------------------------------------


def test_one_rewrite_offer_per_label_change(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    _type_line(window, 0, "轻巧折叠")
    _type_line(window, 1, "通勤好帮手")
    window.bridge.select([0])
    answers.yes = False
    boxes = window.inspector.label_boxes
    a, b, c = list(boxes)[:3]
    answers.questions.clear()
    for name in (a, b, a, c):  # tick two, then swap one for another: four clicks, one change
        boxes[name].click()
    qtbot.waitUntil(lambda: bool(answers.questions), timeout=WAIT)
    qtbot.wait(2000)  # the pause is over: no more questions come
    assert len([q for q in answers.questions if "storyline" in q]) == 1
    assert set(window.bridge.project.clips[0].labels) == {b, c}
    # choosing another clip asks at once for the change just made
    answers.questions.clear()
    boxes[a].click()
    window.bridge.select([1])
    assert len(answers.questions) == 1


def test_open_starts_in_the_last_folder_used(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gui import config, dialogs

    starts: list[str] = []
    monkeypatch.setattr(
        dialogs, "choose_open_file", lambda parent, caption="", filt="", start="": starts.append(start) or ""
    )
    window.action(ActionId.OPEN).trigger()
    assert starts == [""]  # nothing opened yet
    window.open_path(cut_video)
    qtbot.waitUntil(lambda: idle(window) and len(window.bridge.project.clips) >= 2, timeout=WAIT)
    window.action(ActionId.OPEN).trigger()
    assert Path(starts[-1]) == cut_video.parent.resolve()
    assert Path(config.last_folder()) == cut_video.parent.resolve()  # kept in the settings file


def test_the_file_dialog_starts_where_asked(qapp: Any, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFileDialog

    from gui import dialogs

    dialog = dialogs.make_file_dialog(None, "Open", str(tmp_path), dialogs.video_filter())
    assert Path(dialog.directory().absolutePath()) == tmp_path
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)


def test_an_export_does_not_mark_the_project_modified(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    from dataclasses import replace

    open_video(window, qtbot, answers, cut_video)
    doc = window.bridge.document
    doc.save(tmp_path / "shots.narr.json")
    assert not doc.dirty and not window.windowTitle().startswith("shots*")
    settings = replace(doc.project.export, burn_subtitles=not doc.project.export.burn_subtitles)
    window.narration.start_export(tmp_path / "out.mp4", settings)
    assert not doc.dirty and "*" not in window.windowTitle()
    assert doc.project.export == settings  # used, and saved with the next save
    window.operations.cancel_main()
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 2)
    window.bridge.select([0])
    window.inspector.text.setPlainText("改一句")
    window.inspector.commit_text()
    assert doc.dirty  # a real edit still counts


def test_selecting_a_clip_moves_the_preview_to_its_start(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    open_video(window, qtbot, answers, cut_video)
    clips = window.bridge.project.clips
    window.bridge.set_playhead(100)
    timeline = window.timeline
    x = int(timeline.mapFromScene(timeline.ms_to_x((clips[2].start_ms + clips[2].end_ms) // 2), 0).x())
    from gui.timeline import CLIP_H, CLIP_Y

    y = int(timeline.mapFromScene(0, CLIP_Y + CLIP_H / 2).y())
    from PySide6.QtCore import Qt

    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert window.bridge.selection == [2]
    assert window.bridge.playhead_ms == clips[2].start_ms
    # already inside the clip chosen: the playhead stays where it is
    inside = clips[1].start_ms + 300
    window.bridge.set_playhead(inside)
    window.bridge.select([1])
    assert window.bridge.playhead_ms == inside


class SlowSpeaker:
    """The real speaker's estimate with a synthesis that takes a known 0.6 s (the bar must move meanwhile)."""

    def __init__(self, real: Any, wav: Path) -> None:
        self.real = real
        self.wav = wav

    def voice_id(self, voice: str | None) -> str:
        return str(self.real.voice_id(voice))

    def estimate_ms(self, text: str, rate_cps: float, voice: str | None = None) -> int:
        return 600

    def fit_clip(self, project: Project, clip: Clip) -> Any:
        import time

        from core.speech import FitResult

        time.sleep(0.6)
        room = clip.duration_ms - project.speech.lead_ms - project.speech.tail_ms
        return FitResult(clip.narration, self.wav, project.speech.lead_ms, 500, room, 100, 1.0, True)


def test_play_speech_reports_progress_while_it_speaks(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from core.speech import speaker as speaker_module
    from core.speech.audio import write_wav
    from gui.speech_queue import speak_job

    wav = tmp_path / "speech.wav"
    write_wav(wav, 0.2 * np.sin(np.arange(8000) / 5.0), 16000)
    slow = SlowSpeaker(speaker_module.shared_speaker(), wav)
    monkeypatch.setattr(speaker_module, "_shared", slow)
    window.speech.in_process = False  # the queue's real job function, in a pool thread of this process
    window.speech.make_job = speak_job
    open_video(window, qtbot, answers, cut_video)
    window.bridge.select([0])
    seen: list[float] = []
    window.speech.progressed.connect(seen.append)  # the speech queue speaks it (lines first, speech after)
    window.inspector.text.setPlainText("试听的时候进度条会动")
    window.inspector.commit_text()
    window.play_current_speech()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == 1.0, timeout=WAIT * 2)
    assert answers.errors == []
    assert any(0.0 < f < 1.0 for f in seen), seen  # not 0% until it is done
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_expected_fraction_moves_and_never_reaches_the_end() -> None:
    from core.jobs import expected_fraction

    values = [expected_fraction(t / 10, 2.0) for t in range(0, 200)]
    assert values == sorted(values) and values[5] > 0 and max(values) < 0.951
    assert abs(expected_fraction(1.6, 2.0) - 0.8) < 1e-9


# --- 6. split and merge keep the narration sensible --------------------------------------------


def _type_line(window: Any, index: int, text: str) -> None:
    window.bridge.select([index])
    window.inspector.text.setPlainText(text)
    window.inspector.commit_text()


@pytest.fixture(scope="module")
def long_shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5 s shot and a 2 s shot: room to split the first into two halves that each take a line."""
    out = tmp_path_factory.mktemp("split-media") / "long.mp4"
    return make_cut_video(out, [("testsrc=decimals=0", 5.0), ("color=c=0x2050c0", 2.0)], size="160x120")


def test_split_keeps_the_line_on_the_half_where_it_fits_and_writes_the_other(
    window: Any, qtbot: Any, answers: Any, long_shot: Path
) -> None:
    open_video(window, qtbot, answers, long_shot)
    line = "这辆折叠车一只手就能提起"  # the user's own line (locked): 12 characters, about 2.4 s
    _type_line(window, 0, line)
    steps = len(window.bridge.document._undo)
    answers.yes = False  # "write a new line for each half?" -> no: keep it where it fits
    window.bridge.set_playhead(2000)  # 2 s left (too short for it), 3 s right
    window.action(ActionId.SPLIT).trigger()
    assert answers.questions and "split" in answers.questions[-1] and "locked" in answers.questions[-1]
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    assert answers.errors == []
    left, right = window.bridge.project.clips[0:2]
    assert right.narration == line and right.locked  # kept, on the half it fits
    assert left.narration and left.narration != line  # the other half got a new line
    assert len(window.bridge.document._undo) == steps + 1  # one undo step
    window.action(ActionId.UNDO).trigger()
    clips = window.bridge.project.clips
    assert len(clips) == 2 and clips[0].narration == line and clips[0].locked


def test_split_can_rewrite_both_halves_as_one_step(
    window: Any, qtbot: Any, answers: Any, long_shot: Path
) -> None:
    from core.project import set_narration

    open_video(window, qtbot, answers, long_shot)
    line = "这辆折叠车一只手就能提起，通勤出游都方便"  # as the narrator would have left it (not locked)
    window.bridge.edit("line", lambda p: set_narration(p, 0, line))
    clip = window.bridge.project.clips[0]
    answers.yes = True
    window.bridge.set_playhead(2500)
    window.action(ActionId.SPLIT).trigger()
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 2)
    assert answers.errors == []
    halves = window.bridge.project.clips[0:2]
    assert len(window.bridge.project.clips) == 3 and all(h.narration for h in halves)
    assert window.bridge.document.undo_text() == "Split clip"
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project.clips[0] == clip


def test_a_split_without_a_line_asks_nothing(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    open_video(window, qtbot, answers, cut_video)
    clip = window.bridge.project.clips[0]
    window.bridge.set_playhead(clip.start_ms + 800)
    window.action(ActionId.SPLIT).trigger()
    assert answers.questions == [] and idle(window)
    assert len(window.bridge.project.clips) == 4


def test_merge_joins_the_lines_and_shows_the_fit(window: Any, qtbot: Any, answers: Any, cut_video: Path) -> None:
    from gui.clip_edits import join_lines

    assert join_lines(["第一句", "第二句。", "", "第三句"]) == "第一句，第二句。第三句"
    open_video(window, qtbot, answers, cut_video)
    _type_line(window, 0, "轻巧折叠")
    _type_line(window, 1, "通勤好帮手")
    window.bridge.select([0])
    window.action(ActionId.MERGE).trigger()
    clips = window.bridge.project.clips
    assert len(clips) == 2 and clips[0].narration == "轻巧折叠，通勤好帮手" and clips[0].locked
    assert "fits" in window.status_text.text() and "Clip 1" in window.status_text.text()
    assert window.inspector.fit is not None and window.inspector.fit.state == "fits"
    window.action(ActionId.UNDO).trigger()
    assert [c.narration for c in window.bridge.project.clips[:2]] == ["轻巧折叠", "通勤好帮手"]


def test_merge_shortens_a_joined_line_that_cannot_fit(
    window: Any, qtbot: Any, answers: Any, cut_video: Path
) -> None:
    from core.project import set_narration

    open_video(window, qtbot, answers, cut_video)
    long = "这款折叠自行车重量只有十一公斤，一只手就能轻松提起，地铁公交都能带上车"
    window.bridge.edit("lines", lambda p: set_narration(set_narration(p, 0, long), 1, long))
    before = window.bridge.project
    window.bridge.select([0])
    window.action(ActionId.MERGE).trigger()
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 2)
    assert answers.errors == []
    merged = window.bridge.project.clips[0]
    assert merged.narration and merged.narration != join_lines_of(long)  # the narrator wrote one that fits
    assert "Clip 1" in window.status_text.text()
    assert window.bridge.document.undo_text() == "Merge with next clip"
    window.action(ActionId.UNDO).trigger()
    assert window.bridge.project == before  # one undo step


def join_lines_of(line: str) -> str:
    from gui.clip_edits import join_lines

    return join_lines([line, line])
