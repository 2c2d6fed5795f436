"""The preview: QtMultimedia video on frame boundaries, the narration track in step, the subtitle overlay."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer

from core.export.subtitles import display_width, reading_text, style_for
from core.ffmpeg_exec import ffmpeg_path
from core.media import probe
from core.project import Clip, Document, MediaSummary, Project
from core.timebase import frame_to_ms, ms_to_frame, snap_ms_to_frame
from tests.mediagen import ffmpeg, make_video

WAIT = 60_000  # ms; generous for 2 shared CI cores
CLIPS = (Clip(0, 1200), Clip(1200, 2800, narration="这是第二个镜头。"), Clip(2800, 4000))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """4 s videos at 25 and 30000/1001 fps (with sound), and a 4 s 'narration track'."""
    folder = tmp_path_factory.mktemp("preview-media")
    out = {
        "25": make_video(folder / "v25.mp4", duration=4.0, size="160x120", rate="25"),
        "ntsc": make_video(folder / "ntsc.mp4", duration=4.0, size="160x120", rate="30000/1001"),
        "track": folder / "track.wav",
        "line": folder / "line.wav",
    }
    for name, seconds in (("track", 4), ("line", 1)):
        src = f"sine=frequency=600:duration={seconds}:sample_rate=22050"
        ffmpeg(["-f", "lavfi", "-i", src, "-ac", "1", str(out[name])])
    assert ffmpeg_path()
    return out


def project_for(video: Path, clips: tuple[Clip, ...] = CLIPS) -> Project:
    info = probe(video)
    summary = MediaSummary(info.duration_ms, info.fps, info.width, info.height, info.has_audio)
    return Project(video=str(video), media=summary, clips=clips)


@pytest.fixture
def make_preview(qtbot: Any) -> Iterator[Callable[[Project], Any]]:
    from gui.bridge import DocumentBridge
    from gui.preview import Preview

    made: list[Preview] = []

    def make(project: Project) -> Preview:
        bridge = DocumentBridge(Document(project))
        preview = Preview(bridge)
        bridge.setParent(preview)
        qtbot.addWidget(preview)
        preview.resize(480, 320)
        preview.show()
        made.append(preview)
        return preview

    yield make
    for preview in made:
        preview.shutdown()


def frame_on_screen(preview: Any) -> int:
    """Index of the frame the video sink last received (from its start time)."""
    fps = preview.bridge.project.media.fps
    return round(Fraction(preview.shown_frame_us, 1_000_000) * fps)


def wait_loaded(qtbot: Any, preview: Any) -> None:
    qtbot.waitUntil(lambda: preview.player.duration() > 0 and preview.frames_shown > 0, timeout=WAIT)


def test_ms_to_frame_inverts_rounded_frame_starts() -> None:
    from gui.preview import frame_middle_ms

    for fps in (Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60)):
        for n in range(0, 2000, 7):
            start = frame_to_ms(n, fps)
            assert ms_to_frame(start, fps) == n
            assert ms_to_frame(frame_to_ms(n + 1, fps) - 1, fps) == n
            middle = frame_middle_ms(n, fps)
            assert start < middle < frame_to_ms(n + 1, fps) and ms_to_frame(middle, fps) == n


def test_loading_a_project_sets_the_player_source_and_duration(
    qtbot: Any, make_preview: Any, media: dict[str, Path]
) -> None:
    preview = make_preview(project_for(media["25"]))
    assert Path(preview.player.source().toLocalFile()) == media["25"]
    wait_loaded(qtbot, preview)
    frame = 40
    assert abs(preview.player.duration() - preview.duration_ms) <= frame
    assert preview.player.hasVideo() and preview.player.hasAudio()
    assert frame_on_screen(preview) == 0
    assert preview.time_label.text().endswith(" / 00:04.000")
    assert preview.view.video_item.isVisible() and not preview.view.placeholder.isVisible()
    # a document without a video unloads it and shows the placeholder
    preview.bridge.set_document(Document())
    assert preview.player.source().isEmpty() and preview.view.placeholder.isVisible()
    preview.play()
    assert not preview.playing


@pytest.mark.parametrize("which", ["25", "ntsc"])
def test_seek_and_frame_step_land_on_frame_boundaries(
    qtbot: Any, make_preview: Any, media: dict[str, Path], which: str
) -> None:
    preview = make_preview(project_for(media[which]))
    fps = preview.bridge.project.media.fps
    wait_loaded(qtbot, preview)
    preview.seek(1013)
    target = snap_ms_to_frame(1013, fps)
    assert preview.bridge.playhead_ms == target
    n = ms_to_frame(target, fps)
    qtbot.waitUntil(lambda: frame_on_screen(preview) == n, timeout=WAIT)
    for _ in range(3):
        preview.step_forward.click()
    assert preview.bridge.playhead_ms == frame_to_ms(n + 3, fps)
    qtbot.waitUntil(lambda: frame_on_screen(preview) == n + 3, timeout=WAIT)
    preview.step_back.click()
    assert preview.bridge.playhead_ms == frame_to_ms(n + 2, fps)
    qtbot.waitUntil(lambda: frame_on_screen(preview) == n + 2, timeout=WAIT)
    # the slider seeks too, and never lands between frames
    preview.slider.setValue(2222)
    assert preview.bridge.playhead_ms == snap_ms_to_frame(2222, fps)
    qtbot.waitUntil(
        lambda: frame_on_screen(preview) == ms_to_frame(snap_ms_to_frame(2222, fps), fps), timeout=WAIT
    )
    # stepping stops at the first and the last frame
    preview.seek(0)
    preview.step_back.click()
    assert preview.bridge.playhead_ms == 0
    preview.seek(preview.duration_ms)
    preview.step_forward.click()
    last = ms_to_frame(preview.duration_ms - 1, fps)
    assert preview.bridge.playhead_ms == frame_to_ms(last, fps)
    qtbot.waitUntil(lambda: frame_on_screen(preview) == last, timeout=WAIT)


def test_play_clip_stops_at_its_end_and_play_stops_at_the_end(
    qtbot: Any, make_preview: Any, media: dict[str, Path]
) -> None:
    preview = make_preview(project_for(media["25"]))
    wait_loaded(qtbot, preview)
    preview.bridge.select([0])
    seen: list[int] = []
    preview.bridge.playheadChanged.connect(seen.append)
    preview.play_clip_button.click()
    assert preview.playing
    qtbot.waitUntil(
        lambda: preview.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=WAIT
    )
    qtbot.waitUntil(lambda: not preview.playing, timeout=WAIT)
    assert preview.bridge.playhead_ms == CLIPS[0].end_ms and max(seen) == CLIPS[0].end_ms  # never past it
    assert preview.player.playbackState() == QMediaPlayer.PlaybackState.PausedState
    qtbot.waitUntil(lambda: frame_on_screen(preview) == 30, timeout=WAIT)  # 1200 ms at 25 fps
    # play from near the end: stops at the end, and the next play starts over
    preview.seek(3600)
    preview.play_button.click()
    qtbot.waitUntil(lambda: not preview.playing, timeout=WAIT)
    assert preview.bridge.playhead_ms == preview.duration_ms
    preview.play_button.click()
    assert preview.playing and preview.bridge.playhead_ms == 0
    preview.play_button.click()
    assert not preview.playing


def test_playhead_follows_the_player_while_playing(
    qtbot: Any, make_preview: Any, media: dict[str, Path]
) -> None:
    preview = make_preview(project_for(media["25"]))
    wait_loaded(qtbot, preview)
    seen: list[int] = []
    preview.bridge.playheadChanged.connect(seen.append)
    preview.play()
    qtbot.waitUntil(lambda: preview.bridge.playhead_ms >= 500, timeout=WAIT)
    moves = list(seen)
    preview.pause()
    fps = preview.bridge.project.media.fps
    assert (
        snap_ms_to_frame(preview.bridge.playhead_ms, fps) == preview.bridge.playhead_ms
    )  # paused on a frame
    assert len(set(moves)) >= 3 and moves == sorted(moves)  # it moved forward step by step


def test_subtitle_shows_the_line_under_the_playhead_and_follows_edits(
    qtbot: Any, window: Any, media: dict[str, Path]
) -> None:
    window.set_document(Document(project_for(media["25"])))
    preview = window.preview
    wait_loaded(qtbot, preview)
    assert preview.subtitle == ""  # clip 0 has no line
    preview.seek(1200 + 80)  # clip 1, before its speech starts (lead 100 ms)
    assert preview.subtitle == ""
    window.bridge.set_playhead(1600)
    assert preview.subtitle == "这是第二个镜头"  # as burned in: no trailing 。
    bare = window.preview.view.grab().toImage()
    window.bridge.set_playhead(3000)  # clip 2: no line
    assert preview.subtitle == ""
    # edited in the inspector: the overlay follows once the edit is committed
    window.bridge.set_playhead(1600)
    window.bridge.select([1])
    window.inspector.text.setPlainText("新的台词")
    qtbot.waitUntil(lambda: preview.subtitle == "新的台词", timeout=WAIT)
    # a long line is shown as the export burns it in: a cue of at most two wrapped lines
    long_line = "这款折叠自行车重量只有十一公斤，一只手就能轻松提起，地铁公交都能带上车，通勤出游都方便。"
    window.inspector.text.setPlainText(long_line)
    qtbot.waitUntil(lambda: preview.subtitle != "新的台词", timeout=WAIT)
    lines = preview.subtitle.split("\n")
    media = window.bridge.project.media
    width = style_for(media.width, media.height).line_width
    assert 1 <= len(lines) <= 2 and all(display_width(x) <= width for x in lines)
    assert reading_text(long_line).replace(" ", "").startswith("".join(lines).replace(" ", ""))
    # and it is drawn over the picture
    qtbot.waitUntil(lambda: preview.view.grab().toImage() != bare, timeout=WAIT)
    window.inspector.text.setPlainText("")
    qtbot.waitUntil(lambda: preview.subtitle == "", timeout=WAIT)


def test_narration_player_follows_seeks_and_drift(
    qtbot: Any, make_preview: Any, media: dict[str, Path]
) -> None:
    preview = make_preview(project_for(media["25"]))
    wait_loaded(qtbot, preview)
    narr = preview.narration_player
    preview.set_narration_audio(str(media["track"]))
    assert Path(narr.source().toLocalFile()) == media["track"]
    qtbot.waitUntil(lambda: narr.duration() > 0, timeout=WAIT)
    preview.seek(1200)
    qtbot.waitUntil(lambda: narr.position() == 1200, timeout=WAIT)  # paused: ready at the playhead
    preview.play()
    qtbot.waitUntil(lambda: narr.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=WAIT)
    qtbot.waitUntil(lambda: preview._audio.volume() < 0.5, timeout=WAIT)  # ducked while the line speaks
    preview.seek(200)  # the user seeks while playing: the narration jumps back with the picture
    qtbot.waitUntil(lambda: preview.playing and narr.position() < 1000, timeout=WAIT)
    preview.pause()
    preview.seek(400)
    preview.play()
    narr.pause()  # knocked out of step (stalled, then elsewhere): the preview puts it back
    narr.setPosition(3000)
    qtbot.waitUntil(lambda: preview.resyncs >= 1, timeout=WAIT)
    qtbot.waitUntil(
        lambda: (
            preview.playing
            and narr.playbackState() == QMediaPlayer.PlaybackState.PlayingState
            and abs(narr.position() - preview.player.position()) < 200
        ),
        timeout=WAIT,
    )
    preview.pause()
    # a single line played on its own; the next play brings the track back
    assert preview.play_file(str(media["line"]))
    assert Path(narr.source().toLocalFile()) == media["line"]
    preview.play()
    assert narr.source() == QUrl.fromLocalFile(str(media["track"]))
    qtbot.waitUntil(lambda: narr.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=WAIT)
    preview.pause()
    preview.set_narration_audio(None)
    assert narr.source().isEmpty() and preview._audio.volume() == 1.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="native construction is Linux-only")
def test_audio_outputs_are_made_by_qt_not_python(
    qtbot: Any, make_preview: Any, media: dict[str, Path]
) -> None:
    """A Python-made QAudioOutput deadlocks with Qt's audio thread now and then (see native_audio_output)."""
    import shiboken6

    preview = make_preview(project_for(media["25"]))
    for output in (preview.player.audioOutput(), preview.narration_player.audioOutput()):
        assert output is not None and not shiboken6.createdByPython(output)
        assert output.parent() is preview
    output.setVolume(0.5)
    assert abs(output.volume() - 0.5) < 1e-6


def test_non_square_pixels_show_and_thumbnail_at_the_display_aspect(
    qtbot: Any, make_preview: Callable[[Project], Any], tmp_path: Path
) -> None:
    """176x144 stored at 16:11 pixels displays as 256x144 (16:9): the picture, the subtitle area on
    it and the timeline thumbnails follow the display size, not the stored one (1.22:1)."""
    from core.jobs import CancelToken
    from core.pipeline import media_summary
    from gui.thumbnails import thumbnails_job

    video = make_video(tmp_path / "pal.mp4", duration=2.0, size="176x144", extra=["-vf", "setsar=16/11"])
    summary = media_summary(probe(video))
    assert (summary.width, summary.height) == (256, 144)
    preview = make_preview(Project(video=str(video), media=summary, clips=(Clip(0, summary.duration_ms),)))
    wait_loaded(qtbot, preview)
    qtbot.waitUntil(lambda: preview.view.subtitle.area.height() > 0, timeout=WAIT)
    area = preview.view.subtitle.area
    assert area.width() / area.height() == pytest.approx(16 / 9, abs=0.03)
    images: list[Any] = []
    thumbnails_job(
        str(video), summary.duration_ms, summary.width, summary.height, lambda ms, im: images.append(im)
    )(lambda f, s: None, CancelToken())
    assert images and images[0].width() / images[0].height() == pytest.approx(16 / 9, abs=0.05)
