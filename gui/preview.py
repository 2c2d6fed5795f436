"""Preview: the video frame at the playhead with the narration subtitle, and transport controls.

Frames are decoded with OpenCV in a background thread (only the newest request is served, so
scrubbing never queues up work). A transport clock drives the playhead while playing; when
QtMultimedia is installed (PySide6-Addons) the original sound and the synthesized narration track
play along, otherwise the preview is silent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

# Imported with the window, not in the decoder thread: importing a C extension holds the interpreter
# lock, which would freeze the GUI for ~0.1-0.3 s in the middle of the first job.
import cv2
from PySide6.QtCore import QElapsedTimer, QObject, QPointF, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from core.ffmpeg_exec import ffmpeg_path
from core.timebase import format_timecode, frame_to_ms, ms_to_frame
from gui.bridge import DocumentBridge
from gui.services import estimate_speech_ms

MAX_FRAME_W = 960

try:  # optional: PySide6-Essentials does not ship QtMultimedia
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    HAVE_AUDIO = True
except ImportError:  # pragma: no cover - depends on the installed wheel
    HAVE_AUDIO = False


class FfmpegAudio:
    """Fallback sound without QtMultimedia: one ffmpeg process mixing the video's sound and the
    narration track into PulseAudio/PipeWire from the playhead on (killed on pause/seek)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            return False
        if os.environ.get("PULSE_SERVER"):
            return True
        runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
        return (Path(runtime) / "pulse" / "native").exists()

    def play(self, sources: list[tuple[str, float]], start_ms: int) -> None:
        """`sources`: (audio or video file, gain in dB) mixed together from `start_ms`."""
        self.stop()
        if not sources:
            return
        args = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "quiet"]
        for path, _gain in sources:
            args += ["-ss", f"{start_ms / 1000:.3f}", "-i", path]
        chains = [f"[{i}:a]volume={gain}dB[a{i}]" for i, (_p, gain) in enumerate(sources)]
        mix = "".join(f"[a{i}]" for i in range(len(sources)))
        graph = ";".join(chains) + f";{mix}amix=inputs={len(sources)}:normalize=0[out]"
        args += ["-filter_complex", graph, "-map", "[out]", "-f", "pulse", "SyncNarrator preview"]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)  # fmt: skip
        except OSError:
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None


class FrameDecoder(QObject):
    """Decodes the most recently requested frame in a background thread."""

    frameReady = Signal(int, QImage)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._request: tuple[str, int] | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="frame-decoder", daemon=True)
        self._thread.start()

    def request(self, video: str, ms: int) -> None:
        with self._cond:
            self._request = (video, ms)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _loop(self) -> None:
        cap = None
        opened = ""
        pos_ms = -1.0
        while True:
            with self._cond:
                while self._request is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    break
                video, ms = self._request  # type: ignore[misc]
                self._request = None
            try:
                if video != opened:
                    if cap is not None:
                        cap.release()
                    cap = cv2.VideoCapture(video)
                    opened, pos_ms = video, -1.0
                if cap is None or not cap.isOpened():
                    continue
                fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
                frame_ms = 1000.0 / fps
                # Read forward when the target is just ahead (playback); seek otherwise.
                if not (pos_ms < ms <= pos_ms + 1500):
                    cap.set(cv2.CAP_PROP_POS_MSEC, float(ms))
                    pos_ms = ms - frame_ms
                frame = None
                while pos_ms + frame_ms <= ms + frame_ms / 2:
                    ok, img = cap.read()
                    if not ok:
                        break
                    frame = img
                    pos_ms = cap.get(cv2.CAP_PROP_POS_MSEC) - frame_ms
                    if self._request is not None and self._request[1] < ms:
                        break
                if frame is None:
                    continue
                h, w = frame.shape[:2]
                if w > MAX_FRAME_W:
                    frame = cv2.resize(
                        frame, (MAX_FRAME_W, int(h * MAX_FRAME_W / w)), interpolation=cv2.INTER_AREA
                    )
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                h, w = rgb.shape[:2]
                image = QImage(rgb.data, w, h, w * 3, QImage.Format.Format_RGB888).copy()
                self.frameReady.emit(ms, image)
            except Exception:  # a broken file shows no frame; the editor reports it elsewhere
                continue
        if cap is not None:
            cap.release()


class FrameView(QWidget):
    """The current frame, letterboxed, with the subtitle painted over its lower part."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.subtitle = ""
        self.placeholder = "Open a video (File ▸ Open, or drop it here)"
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_subtitle(self, text: str) -> None:
        if text != self.subtitle:
            self.subtitle = text
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.black)
        area = QRectF(self.rect())
        if self.image is not None and not self.image.isNull():
            iw, ih = self.image.width(), self.image.height()
            scale = min(area.width() / iw, area.height() / ih)
            target = QRectF(0, 0, iw * scale, ih * scale)
            target.moveCenter(area.center())
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(target, self.image)
            area = target
        elif self.placeholder:
            p.setPen(QColor("#9aa0a6"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        if self.subtitle:
            font = QFont()
            font.setPixelSize(max(14, int(area.height() / 14)))
            font.setBold(True)
            p.setFont(font)
            fm = p.fontMetrics()
            text = fm.elidedText(self.subtitle, Qt.TextElideMode.ElideRight, int(area.width() - 16))
            x = area.center().x() - fm.horizontalAdvance(text) / 2
            y = area.bottom() - fm.descent() - area.height() * 0.05
            path = QPainterPath()
            path.addText(QPointF(x, y), font, text)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.strokePath(path, QPen(QColor(0, 0, 0, 220), 4))
            p.fillPath(path, QColor("white"))
        p.end()


class Preview(QWidget):
    """Transport (play/pause, frame step, seek, play selected clip) bound to the bridge's playhead."""

    def __init__(self, bridge: DocumentBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.playing = False
        self.stop_at_ms: int | None = None
        self.narration_audio: str | None = None
        self.frames_shown = 0
        self._clock = QElapsedTimer()
        self._clock_origin = 0
        self._tick = QTimer(self)
        self._tick.setInterval(33)
        self._tick.timeout.connect(self._advance)
        self.decoder = FrameDecoder(self)
        self.decoder.frameReady.connect(self._on_frame)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.view = FrameView()
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.step_back = QToolButton(text="◀|")
        self.step_back.setToolTip("Previous frame (Left)")
        self.play_button = QToolButton(text="▶")
        self.play_button.setToolTip("Play / pause (Space)")
        self.step_forward = QToolButton(text="|▶")
        self.step_forward.setToolTip("Next frame (Right)")
        self.play_clip_button = QToolButton(text="Play clip")
        self.play_clip_button.setToolTip("Play the selected clip alone")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.time_label = QLabel("00:00.000 / 00:00.000")
        self.fallback_audio = FfmpegAudio() if not HAVE_AUDIO and FfmpegAudio.available() else None
        silent = not HAVE_AUDIO and self.fallback_audio is None
        self.audio_label = QLabel("silent preview" if silent else "")
        self.audio_label.setToolTip("Sound in the preview needs QtMultimedia (PySide6-Addons) or PulseAudio")
        for w in (self.step_back, self.play_button, self.step_forward, self.play_clip_button):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        row.addWidget(self.audio_label)
        layout.addLayout(row)

        self.step_back.clicked.connect(lambda: self.step(-1))
        self.step_forward.clicked.connect(lambda: self.step(1))
        self.play_button.clicked.connect(self.toggle_play)
        self.play_clip_button.clicked.connect(self.play_selected_clip)
        self.slider.sliderMoved.connect(self.seek)
        self.slider.valueChanged.connect(self._slider_value)
        bridge.playheadChanged.connect(self._on_playhead)
        bridge.projectChanged.connect(self._on_project)
        bridge.documentReplaced.connect(self._on_document)

        self.player = self.narration_player = None
        if HAVE_AUDIO:
            self.player = QMediaPlayer(self)
            self._audio = QAudioOutput(self)
            self.player.setAudioOutput(self._audio)
            self.narration_player = QMediaPlayer(self)
            self._narr_audio = QAudioOutput(self)
            self.narration_player.setAudioOutput(self._narr_audio)
        self._on_document()

    # -- model
    @property
    def duration_ms(self) -> int:
        media = self.bridge.project.media
        return media.duration_ms if media else 0

    def _on_document(self) -> None:
        self.pause()
        self.view.set_image(None)
        video = self.bridge.project.video
        if self.player is not None:  # only for its sound: a silent video needs no player
            media = self.bridge.project.media
            audible = bool(video) and media is not None and media.has_audio
            self.player.setSource(QUrl.fromLocalFile(video) if audible else QUrl())
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
        if self.narration_player is not None:
            self.narration_player.setSource(QUrl.fromLocalFile(path) if path else QUrl())

    # -- transport
    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self, stop_at_ms: int | None = None) -> None:
        if self.duration_ms <= 0:
            return
        start = self.bridge.playhead_ms
        if start >= self.duration_ms - 1:
            start = 0
            self.bridge.set_playhead(0)
        self.stop_at_ms = stop_at_ms
        self.playing = True
        self._clock_origin = start
        self._clock.start()
        self._tick.start()
        self.play_button.setText("❚❚")
        self._start_fallback_audio(start)
        if self.narration_player is not None:  # "play speech" may have loaded a single line
            wanted = QUrl.fromLocalFile(self.narration_audio) if self.narration_audio else QUrl()
            if self.narration_player.source() != wanted:
                self.narration_player.setSource(wanted)
        for player in (self.player, self.narration_player):
            if player is not None and not player.source().isEmpty():
                player.setPosition(start)
                player.play()

    def pause(self) -> None:
        self.playing = False
        self.stop_at_ms = None
        self._tick.stop()
        self.play_button.setText("▶")
        if self.fallback_audio is not None:
            self.fallback_audio.stop()
        for player in (self.player, self.narration_player):
            if player is not None:
                player.pause()

    def play_selected_clip(self) -> None:
        index = self.bridge.current
        if index is None:
            return
        clip = self.bridge.project.clips[index]
        self.pause()
        self.bridge.set_playhead(clip.start_ms)
        self.play(stop_at_ms=clip.end_ms)

    def seek(self, ms: int) -> None:
        self.bridge.set_playhead(ms)
        if self.playing:
            self._clock_origin = self.bridge.playhead_ms
            self._clock.restart()
            self._start_fallback_audio(self.bridge.playhead_ms)
            for player in (self.player, self.narration_player):
                if player is not None:
                    player.setPosition(self.bridge.playhead_ms)

    def step(self, frames: int) -> None:
        """Move the playhead by whole frames (pauses playback)."""
        media = self.bridge.project.media
        if media is None:
            return
        self.pause()
        frame = ms_to_frame(self.bridge.playhead_ms, media.fps) + frames
        self.bridge.set_playhead(frame_to_ms(max(frame, 0), media.fps))

    def _advance(self) -> None:
        ms = self._clock_origin + self._clock.elapsed()
        player = self.player
        if (
            player is not None
            and player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
            and player.position() > 0
            and abs(player.position() - ms) > 150
        ):  # the sound is the master clock: pictures follow it when they drift apart
            self._clock_origin += player.position() - ms
            ms = player.position()
        end = self.stop_at_ms if self.stop_at_ms is not None else self.duration_ms
        if ms >= end:
            self.bridge.set_playhead(end)
            self.pause()
            return
        self.bridge.set_playhead(ms)

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
        video = self.bridge.project.video
        if video and Path(video).is_file():
            self.decoder.request(video, ms)
        self._update_subtitle(ms)

    def _update_subtitle(self, ms: int) -> None:
        project = self.bridge.project
        index = project.clip_index_at(ms)
        text = ""
        if index is not None:
            clip = project.clips[index]
            start = clip.start_ms + project.speech.lead_ms
            spoken = estimate_speech_ms(clip.narration, clip.rate_cps or project.speech.rate_cps)
            if clip.narration and start <= ms <= max(start + spoken, start + 800):
                text = clip.narration
        self.view.set_subtitle(text)

    def _on_frame(self, ms: int, image: QImage) -> None:
        self.frames_shown += 1
        self.view.set_image(image)

    def _start_fallback_audio(self, start_ms: int) -> None:
        if self.fallback_audio is None:
            return
        project = self.bridge.project
        sources: list[tuple[str, float]] = []
        if (
            project.video
            and project.media is not None
            and project.media.has_audio
            and not project.video_missing
        ):
            sources.append((project.video, project.export.duck_db if self.narration_audio else 0.0))
        if self.narration_audio and Path(self.narration_audio).is_file():
            sources.append((self.narration_audio, 0.0))
        self.fallback_audio.play(sources, start_ms)

    def play_file(self, path: str) -> bool:
        """Play one audio file (a line's speech) through the narration player; False when silent."""
        if self.fallback_audio is not None:
            self.pause()
            self.fallback_audio.play([(path, 0.0)], 0)
            return True
        if self.narration_player is None:
            self.bridge.message.emit(f"no sound output in this build; the speech is in {path}")
            return False
        self.pause()
        self.narration_player.setSource(QUrl.fromLocalFile(path))
        self.narration_player.play()
        return True

    def shutdown(self) -> None:
        self.pause()
        if self.fallback_audio is not None:
            self.fallback_audio.stop()
        self.decoder.stop()
