"""Preview: the project's video through QtMultimedia, the narration track and a subtitle overlay.

The picture is a QGraphicsVideoItem in a QGraphicsView, so the subtitle (the cue of the line spoken
under the playhead, wrapped as the export burns it in) is simply an item drawn over it. The video
player is the clock while playing; the synthesized narration track plays in a second player that
follows every seek and is put back in step when it drifts. While paused, the player is parked in
the middle of the playhead's frame: for a position exactly on a frame boundary Qt shows the frame
before it.
"""

from __future__ import annotations

import ctypes
import sys
from fractions import Fraction
from typing import cast

import shiboken6
from PySide6.QtCore import QElapsedTimer, QObject, QPointF, QRectF, QSizeF, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QResizeEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoFrame
from PySide6.QtMultimediaWidgets import QGraphicsVideoItem
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyleOptionGraphicsItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.export.subtitles import BOTTOM_MARGIN, LINE_CHARS, make_cues, style_for
from core.pipeline import estimate_speech_ms
from core.project import Project
from core.timebase import format_timecode, frame_to_ms, ms_to_frame, snap_ms_to_frame
from gui.bridge import DocumentBridge
from gui.i18n import tr

DRIFT_MS = 150  # narration further than this from the picture is moved back in step (jitter is ~100)
RESYNC_GAP_MS = 500  # a seek takes a moment to settle: do not resync again before this
TICK_MS = 15  # playhead update while playing (the stop at a clip's end is this precise)
Status = QMediaPlayer.MediaStatus
State = QMediaPlayer.PlaybackState


def native_audio_output(parent: QObject) -> QAudioOutput:
    """A QAudioOutput constructed by Qt itself rather than through PySide.

    An object made from Python is a binding subclass whose virtual functions first take the
    interpreter lock. Qt's audio renderer thread calls one (disconnectNotify) while destroying its
    renderer with a Qt lock held; if the GUI thread is inside any player call at that moment it
    holds the interpreter lock and waits for that Qt lock: a deadlock that froze the editor now and
    then on stop, seek or load. Built by the C++ constructor, the object has no such subclass.
    Falls back to the ordinary constructor where the library cannot be reached this way.
    """
    try:
        if not sys.platform.startswith("linux"):
            raise OSError("native construction is implemented for Linux")
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            lib = next(w for w in maps.read().split() if "/libQt6Multimedia.so" in w)
        qt = ctypes.CDLL(lib)
        new = qt._Znwm  # operator new, resolved through the library's own dependencies
        new.restype, new.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
        ctor = qt._ZN12QAudioOutputC1EP7QObject  # QAudioOutput::QAudioOutput(QObject*)
        ctor.restype, ctor.argtypes = None, [ctypes.c_void_p, ctypes.c_void_p]
        memory = new(256)  # sizeof(QAudioOutput) is 24 on 64-bit Qt 6; room to spare
        ctor(memory, None)
        output = cast(QAudioOutput, shiboken6.wrapInstance(memory, QAudioOutput))
    except (OSError, AttributeError, StopIteration):
        return QAudioOutput(parent)
    output.setParent(parent)  # through the binding, so it knows when the parent deletes it
    return output


def _button(text: str, tip: str) -> QToolButton:
    button = QToolButton()  # (QToolButton(text=...) works, but PySide6's stubs do not know it)
    button.setText(text)
    button.setToolTip(tip)
    return button


def frame_middle_ms(frame: int, fps: Fraction) -> int:
    """A position strictly inside `frame`, where the player shows exactly that frame."""
    return int(Fraction(2 * frame + 1, 2) / fps * 1000)


def speech_window(project: Project, index: int) -> tuple[int, int] | None:
    """When clip `index`'s line is (estimated to be) spoken: [start, end) ms, None without a line."""
    clip = project.clips[index]
    if not clip.narration.strip():
        return None
    start = clip.start_ms + project.speech.lead_ms
    speech = project.effective_speech(clip)  # the GUI thread never waits for the calibration:
    spoken = estimate_speech_ms(clip.narration, speech.rate_cps, speech.voice, wait=False)
    return start, start + max(spoken, 800)


def subtitle_at(project: Project, ms: int) -> tuple[str, ...]:
    """The subtitle lines on screen at `ms`: the cue of the line spoken under the playhead."""
    index = project.clip_index_at(ms)
    window = speech_window(project, index) if index is not None else None
    if window is None or not window[0] <= ms <= window[1]:
        return ()
    media = project.media
    width = style_for(media.width, media.height).line_width if media else LINE_CHARS
    cues = make_cues(project.clips[index].narration, *window, width)  # type: ignore[index]
    for cue in cues:
        if cue.start_ms <= ms < cue.end_ms:
            return cue.lines
    return cues[-1].lines if cues else ()


class SubtitleItem(QGraphicsItem):
    """White outlined lines at the bottom of the picture, like the burned-in subtitles."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: tuple[str, ...] = ()
        self.area = QRectF(0, 0, 320, 180)
        self.setZValue(2)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def set_lines(self, lines: tuple[str, ...]) -> None:
        if lines != self.lines:
            self.lines = lines
            self.update()

    def set_area(self, area: QRectF) -> None:
        self.prepareGeometryChange()
        self.area = QRectF(area)

    def boundingRect(self) -> QRectF:
        return self.area

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if not self.lines or self.area.isEmpty():
            return
        # the one subtitle style (core.export.subtitles): the burned-in export looks the same
        style = style_for(round(self.area.width()), round(self.area.height()))
        font = QFont()
        font.setFamilies(["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC"])
        font.setPixelSize(max(8, round(style.em_px)))
        font.setBold(True)
        fm = QFontMetricsF(font)
        path = QPainterPath()
        y = self.area.bottom() - self.area.height() * BOTTOM_MARGIN - fm.descent()
        for line in reversed(self.lines):
            text = fm.elidedText(line, Qt.TextElideMode.ElideRight, self.area.width() - 16)
            path.addText(QPointF(self.area.center().x() - fm.horizontalAdvance(text) / 2, y), font, text)
            y -= fm.lineSpacing()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillPath(path.translated(style.shadow_px, style.shadow_px), QColor(0, 0, 0, 96))
        p.strokePath(path, QPen(QColor(0, 0, 0, 230), 2 * style.outline_px))
        p.fillPath(path, QColor("white"))


class VideoView(QGraphicsView):
    """The video letterboxed in a black scene, the subtitle and a placeholder over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setBackgroundBrush(Qt.GlobalColor.black)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setAcceptDrops(False)  # a dropped file goes on to the main window, which opens it
        self.viewport().setAcceptDrops(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video_item = QGraphicsVideoItem()
        self.video_item.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.scene().addItem(self.video_item)
        self.subtitle = SubtitleItem()
        self.scene().addItem(self.subtitle)
        self.placeholder = QGraphicsSimpleTextItem(tr("Open a video (File ▸ Open, or drop it here)"))
        self.placeholder.setBrush(QColor("#9aa0a6"))
        self.placeholder.setZValue(1)
        self.scene().addItem(self.placeholder)
        self.video_item.nativeSizeChanged.connect(lambda _size: self._layout())

    def set_has_video(self, has_video: bool) -> None:
        self.video_item.setVisible(has_video)
        self.placeholder.setVisible(not has_video)
        self._layout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout()

    def _layout(self) -> None:
        size = self.viewport().size()
        full = QRectF(0, 0, size.width(), size.height())
        self.scene().setSceneRect(full)
        self.video_item.setSize(QSizeF(size))
        picture = self.video_item.boundingRect()
        self.subtitle.set_area(picture if self.video_item.isVisible() and not picture.isEmpty() else full)
        box = self.placeholder.boundingRect()
        self.placeholder.setPos(full.center() - box.center())


class Preview(QWidget):
    """Transport (play/pause, frame step, seek, play selected clip) bound to the bridge's playhead."""

    def __init__(self, bridge: DocumentBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.playing = False
        self.rate = 1.0  # shuttle speed (J/K/L)
        self._warned_no_audio = False
        self.stop_at_ms: int | None = None
        self.narration_audio: str | None = None
        self.frames_shown = 0  # video frames that reached the screen (for tests and diagnostics)
        self.shown_frame_us = -1  # start time of the frame on screen
        self.resyncs = 0  # times the narration was moved back in step with the picture
        self._loaded = False  # the player holds the current video, ready to show frames
        self._play_pending = False
        self._following = False  # the playhead is being moved by the player itself
        self._join_narration = False  # the track is loading while playing: start it once loaded
        self._since_resync = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._advance)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.view = VideoView()
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.step_back = _button("◀|", tr("Previous frame (Left)"))
        self.play_button = _button("▶", tr("Play / pause (Space; J/K/L shuttle)"))
        self.step_forward = _button("|▶", tr("Next frame (Right)"))
        self.play_clip_button = _button(tr("Play clip"), tr("Play the selected clip alone (Shift+Space)"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.time_label = QLabel("00:00.000 / 00:00.000")
        for w in (self.step_back, self.play_button, self.step_forward, self.play_clip_button):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        layout.addLayout(row)

        self.player = QMediaPlayer(self)
        self._audio = native_audio_output(self)
        self.player.setAudioOutput(self._audio)
        self.player.setVideoOutput(self.view.video_item)
        self.narration_player = QMediaPlayer(self)
        self._narr_audio = native_audio_output(self)
        self.narration_player.setAudioOutput(self._narr_audio)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(self._on_error)
        self.narration_player.mediaStatusChanged.connect(self._on_narration_status)
        self.view.video_item.videoSink().videoFrameChanged.connect(self._on_frame)

        self.step_back.clicked.connect(lambda: self.step(-1))
        self.step_forward.clicked.connect(lambda: self.step(1))
        self.play_button.clicked.connect(self.toggle_play)
        self.play_clip_button.clicked.connect(self.play_selected_clip)
        self.slider.sliderMoved.connect(self.seek)
        self.slider.valueChanged.connect(self._slider_value)
        bridge.playheadChanged.connect(self._on_playhead)
        for part in (bridge.clipsChanged, bridge.narrationChanged, bridge.settingsChanged):
            part.connect(self._on_project)
        bridge.documentReplaced.connect(self._on_document)
        bridge.videoChanged.connect(self._on_document)  # relink, and undoing it: reload the player
        self._on_document()

    # -- model
    @property
    def duration_ms(self) -> int:
        media = self.bridge.project.media
        return media.duration_ms if media else 0

    @property
    def fps(self) -> Fraction | None:
        media = self.bridge.project.media
        return media.fps if media is not None and media.fps > 0 else None

    @property
    def subtitle(self) -> str:
        """The subtitle on screen (lines joined by newlines; empty when none)."""
        return self.view.subtitle.text

    def _on_document(self) -> None:
        """A new document, or its video relinked: load the video into the player."""
        self.pause()
        project = self.bridge.project
        has_video = bool(project.video) and not project.video_missing
        source = QUrl.fromLocalFile(project.video) if has_video else QUrl()  # type: ignore[arg-type]
        if source != self.player.source():
            self._loaded = False
            self.shown_frame_us = -1
            self.player.setSource(source)
        self.view.set_has_video(has_video)
        self.set_narration_audio(None)
        self._on_project()
        self._on_playhead(self.bridge.playhead_ms)

    def _on_project(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, self.duration_ms)
        self.slider.blockSignals(False)
        self._update_subtitle(self.bridge.playhead_ms)

    def set_narration_audio(self, path: str | None) -> None:
        """The synthesized narration track to play along (None: none yet)."""
        self.narration_audio = path
        self._set_narration_source(path)
        self._duck(False)

    def _set_narration_source(self, path: str | None) -> None:
        source = QUrl.fromLocalFile(path) if path else QUrl()
        if self.narration_player.source() != source:
            self.narration_player.setSource(source)
            self._join_narration = self.playing and bool(path)

    def _track_loaded(self) -> bool:
        """The narration track (not a single line, not still loading) is in the narration player."""
        return (
            self.narration_audio is not None
            and self.narration_player.source() == QUrl.fromLocalFile(self.narration_audio)
            and self.narration_player.mediaStatus() not in (Status.NoMedia, Status.LoadingMedia)
        )

    # -- player events
    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (Status.LoadedMedia, Status.BufferedMedia) and not self._loaded:
            if self.player.source().isEmpty():
                return
            self._loaded = True
            if self._play_pending:
                self._play_pending = False
                self._start_players(self.bridge.playhead_ms)
            else:
                self._park(self.bridge.playhead_ms)

    def _on_error(self, _error: QMediaPlayer.Error, text: str) -> None:
        name = self.player.source().fileName() or tr("video")
        self.pause()
        self.bridge.message.emit(
            tr("{name}: the preview cannot play it ({reason})").format(
                name=name, reason=text or tr("unknown error")
            )
        )

    def _on_narration_status(self, status: QMediaPlayer.MediaStatus) -> None:
        """The track finished loading while playing (after a single line played): join in."""
        if status == Status.LoadedMedia and self._join_narration and self.playing and self._track_loaded():
            self._join_narration = False
            self.narration_player.setPosition(self.player.position())
            self.narration_player.play()

    def _on_frame(self, frame: QVideoFrame) -> None:
        if frame.isValid():
            self.frames_shown += 1
            self.shown_frame_us = frame.startTime()

    # -- transport
    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self, stop_at_ms: int | None = None) -> None:
        """Play from the playhead (from the start when at the end), up to `stop_at_ms` if given."""
        if self.duration_ms <= 0 or self.player.source().isEmpty():
            if self.bridge.project.video_missing:
                self.bridge.message.emit(
                    tr("{file}: the video is missing").format(file=self.bridge.project.video)
                )
            return
        self.warn_if_no_audio_output()
        start = self.bridge.playhead_ms
        if start >= (stop_at_ms if stop_at_ms is not None else self.duration_ms) - 1:
            start = 0
            self.bridge.set_playhead(0)
        self.stop_at_ms = stop_at_ms
        self.playing = True
        self.play_button.setText("❚❚")
        if self._loaded:
            self._start_players(start)
        else:
            self._play_pending = True

    def has_audio_output(self) -> bool:
        return bool(QMediaDevices.audioOutputs())

    def warn_if_no_audio_output(self) -> bool:
        """Say so (once) when the system has no audio output device: the preview plays silently."""
        if self.has_audio_output():
            return False
        if not self._warned_no_audio:
            self._warned_no_audio = True
            self.bridge.message.emit(
                tr("No audio output device: the preview plays without sound (the export is not affected)")
            )
        return True

    # -- J/K/L shuttle
    def _set_rate(self, rate: float) -> None:
        self.rate = rate
        for player in (self.player, self.narration_player):
            player.setPlaybackRate(rate)

    def shuttle_forward(self) -> None:
        """L: play; pressed again while playing, faster (2x, 4x)."""
        if self.playing:
            self._set_rate(min(self.rate * 2, 4.0) if self.rate >= 1.0 else 1.0)
        else:
            self._set_rate(1.0)
            self.play()

    def shuttle_stop(self) -> None:
        """K: pause, back to normal speed."""
        self.pause()
        self._set_rate(1.0)

    def shuttle_back(self) -> None:
        """J: slower while playing fast; otherwise pause and jump back one second per press."""
        if self.playing and self.rate > 1.0:
            self._set_rate(self.rate / 2)
            return
        self.pause()
        self._set_rate(1.0)
        self.bridge.set_playhead(max(0, self.bridge.playhead_ms - 1000))

    def _start_players(self, start: int) -> None:
        self.player.setPosition(start)
        self.player.play()
        self._set_narration_source(self.narration_audio)  # "play speech" may have loaded a single line
        if self._track_loaded():
            self.narration_player.setPosition(start)
            self.narration_player.play()
        self._since_resync.start()
        self._tick.start()

    def pause(self, at_ms: int | None = None) -> None:
        """Stop playing; the playhead goes to `at_ms`, or to the start of the frame on screen."""
        was_playing = self.playing
        self.playing = False
        self._play_pending = False
        self._join_narration = False
        self.stop_at_ms = None
        self._tick.stop()
        self.play_button.setText("▶")
        if self._loaded:
            self.player.pause()
        self.narration_player.pause()
        self._duck(False)
        if not self._loaded:
            return
        if at_ms is None and was_playing and self.fps is not None:
            at_ms = frame_to_ms(ms_to_frame(self.player.position(), self.fps), self.fps)
        if at_ms is not None:
            self._follow(at_ms)
        self._park(self.bridge.playhead_ms)

    def play_selected_clip(self) -> None:
        index = self.bridge.current
        if index is None:
            return
        clip = self.bridge.project.clips[index]
        self.pause()
        self.bridge.set_playhead(clip.start_ms)
        self.play(stop_at_ms=clip.end_ms)

    def seek(self, ms: int) -> None:
        """Move the playhead to the frame boundary nearest `ms` (the players follow)."""
        fps = self.fps
        self.bridge.set_playhead(snap_ms_to_frame(ms, fps) if fps is not None else ms)

    def step(self, frames: int) -> None:
        """Move the playhead by whole frames (pauses playback)."""
        fps = self.fps
        if fps is None:
            return
        self.pause()
        last = ms_to_frame(max(self.duration_ms - 1, 0), fps)
        frame = min(max(ms_to_frame(self.bridge.playhead_ms, fps) + frames, 0), last)
        self.bridge.set_playhead(frame_to_ms(frame, fps))

    def _park(self, ms: int) -> None:
        """Show the frame at `ms` while paused, with the narration ready at the same time."""
        if not self._loaded:
            return
        if self.player.playbackState() != State.PausedState:
            self.player.pause()  # from Stopped (new source, end of media): frames show only when paused
        fps = self.fps
        position = frame_middle_ms(ms_to_frame(ms, fps), fps) if fps is not None else ms
        if self.player.duration() > 0:
            position = min(position, self.player.duration())
        self.player.setPosition(position)
        if self._track_loaded():
            self.narration_player.setPosition(ms)

    def _advance(self) -> None:
        """While playing: the playhead follows the picture; stop at the end; keep the narration in step."""
        if not self.playing:
            self._tick.stop()
            return
        if (
            self.player.mediaStatus() == Status.EndOfMedia
            or self.player.playbackState() == State.StoppedState
        ):
            self.pause(at_ms=self.stop_at_ms if self.stop_at_ms is not None else self.duration_ms)
            return
        ms = self.player.position()
        end = self.stop_at_ms if self.stop_at_ms is not None else self.duration_ms
        if ms >= end:
            self.pause(at_ms=end)
            return
        self._follow(ms)
        narr = self.narration_player
        if (
            self._track_loaded()
            and ms < narr.duration()
            and abs(narr.position() - ms) > DRIFT_MS
            and self._since_resync.elapsed() > RESYNC_GAP_MS
        ):
            narr.setPosition(ms)
            if narr.playbackState() != State.PlayingState:
                narr.play()
            self.resyncs += 1
            self._since_resync.restart()
        self._duck(self._speaking_at(ms))

    def _follow(self, ms: int) -> None:
        """Move the playhead to where the player is, without sending the player there again."""
        self._following = True
        try:
            self.bridge.set_playhead(ms)
        finally:
            self._following = False

    def _speaking_at(self, ms: int) -> bool:
        project = self.bridge.project
        index = project.clip_index_at(ms)
        window = speech_window(project, index) if index is not None else None
        return window is not None and window[0] <= ms < window[1]

    def _duck(self, speaking: bool) -> None:
        """The original sound at the export's ducking level while a line of the track speaks."""
        duck = speaking and self._track_loaded()
        self._audio.setVolume(10 ** (self.bridge.project.export.duck_db / 20) if duck else 1.0)

    def _slider_value(self, value: int) -> None:
        if self.slider.isSliderDown():
            return
        if value != self.bridge.playhead_ms:
            self.seek(value)

    # -- view
    def _on_playhead(self, ms: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(ms)
        self.slider.blockSignals(False)
        self.time_label.setText(f"{format_timecode(ms)} / {format_timecode(self.duration_ms)}")
        self._update_subtitle(ms)
        if self._following:
            return
        if self.playing and self._loaded:  # moved by the user while playing: both players jump there
            self.player.setPosition(ms)
            if self._track_loaded():
                self.narration_player.setPosition(ms)
                self._since_resync.restart()
        elif not self.playing:
            self._park(ms)

    def _update_subtitle(self, ms: int) -> None:
        self.view.subtitle.set_lines(subtitle_at(self.bridge.project, ms))

    def play_file(self, path: str) -> bool:
        """Play one audio file (a line's speech) through the narration player."""
        self.pause()
        self.warn_if_no_audio_output()
        self.narration_player.setSource(QUrl.fromLocalFile(path))
        self.narration_player.play()
        return True

    def shutdown(self) -> None:
        self.pause()
        for player in (self.player, self.narration_player):
            player.stop()
            player.setSource(QUrl())
