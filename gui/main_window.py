"""The editor window: preview, timeline, inspector and product panel around one Document.

Every user action is a QAction (menu + toolbar + shortcut). Long work runs through gui.jobs with
progress and Cancel in the status bar, on an immutable snapshot of the project.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
)

from core.errors import InputError, SyncNarratorError
from core.project import (
    PROJECT_SUFFIX,
    Clip,
    Document,
    Product,
    Project,
    merge_with_next,
    set_clips,
    split_clip,
)
from core.timebase import snap_ms_to_frame
from gui import config, dialogs, recovery, services
from gui.bridge import DocumentBridge
from gui.export_dialog import ExportDialog, beside
from gui.inspector import Inspector
from gui.jobs import Job, JobRunner
from gui.preview import Preview
from gui.process_host import shared_host
from gui.product_panel import ProductPanel
from gui.settings_dialog import SettingsDialog
from gui.thumbnails import ThumbnailSink, thumbnails_job
from gui.timeline import TimelineView

APP_NAME = "SyncNarrator"
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts", ".flv", ".wmv"}


def is_project_file(path: Path) -> bool:
    return path.name.endswith(PROJECT_SUFFIX) or path.suffix.lower() == ".json"


def is_product_file(path: Path) -> bool:
    """A .json that is not a project but a product ({name, attributes}), judged by its first bytes."""
    if path.name.endswith(PROJECT_SUFFIX) or path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        head = path.read_bytes()[:4096].decode("utf-8", "ignore")
    except OSError:
        return False
    return '"attributes"' in head and '"format"' not in head


def load_product_beside(video: Path) -> Product | None:
    """`VIDEO.product.json` next to a video holds its product knowledge ({name, attributes})."""
    candidate = video.with_name(video.stem + ".product.json")
    if not candidate.is_file():
        return None
    try:
        data = json.loads(candidate.read_text(encoding="utf-8"))
        return Product.from_json(data, str(candidate))
    except (OSError, ValueError, SyncNarratorError):
        return None


class MainWindow(QMainWindow):
    def __init__(self, autosave_ms: int = recovery.AUTOSAVE_MS) -> None:
        super().__init__()
        self.bridge = DocumentBridge(parent=self)
        self.jobs = JobRunner(self)
        self.main_job: Job | None = None
        self.thumb_job: Job | None = None
        self._thumb_generation = 0  # thumbnails of an older generation are late ones from another video
        self.narration_track: str | None = None
        self._seed = random.randrange(1 << 30)
        self._auto_narrate = False
        self._shut_down = False
        self.voices: list[str] = []
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.preview = Preview(self.bridge)
        self.timeline = TimelineView(self.bridge)
        self.inspector = Inspector(self.bridge)
        self.product_panel = ProductPanel(self.bridge)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inspector, "Clip")
        self.tabs.addTab(self.product_panel, "Product")
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.preview)
        top.addWidget(self.tabs)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 1)
        self.setCentralWidget(main)

        self.status_text = QLabel("")
        self.job_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_job)
        self.thumb_label = QLabel("")
        bar = self.statusBar()
        bar.addWidget(self.status_text, 1)
        bar.addPermanentWidget(self.thumb_label)
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self._show_job(None)

        self._make_actions()
        self.bridge.projectChanged.connect(self._update_title)
        self.bridge.projectChanged.connect(self._update_actions)
        self.bridge.selectionChanged.connect(self._update_actions)
        self.bridge.message.connect(self.show_message)
        self.bridge.playheadChanged.connect(self._follow_playhead)
        self.timeline.editLineRequested.connect(self._edit_line)
        self.inspector.regenerateRequested.connect(self.regenerate_current)
        self.inspector.playSpeechRequested.connect(self.play_current_speech)
        self.recovery = recovery.RecoveryManager(self.bridge, self, interval_ms=autosave_ms)
        shared_host().warm_up()
        self._update_title()
        self._update_actions()

    # ------------------------------------------------------------------------------------------
    # actions
    def _action(self, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip or text}" + (f" ({QKeySequence(shortcut).toString()})" if shortcut else ""))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_open = self._action("&Open…", self.open_dialog, K.Open, "Open a video or project")
        self.act_save = self._action("&Save", self.save, K.Save)
        self.act_save_as = self._action("Save &As…", self.save_as, K.SaveAs)
        self.act_export = self._action("&Export…", self.export_dialog, "Ctrl+E", "Export the narrated video")
        self.act_export_timeline = self._action(
            "Export &timeline…",
            self.export_timeline_dialog,
            None,
            "OpenTimelineIO timeline for other editors",
        )
        self.act_quit = self._action("&Quit", self.close, K.Quit)
        self.act_undo = self._action("&Undo", self.undo, K.Undo)
        self.act_redo = self._action("&Redo", self.redo, K.Redo)
        self.act_split = self._action("&Split at playhead", self.split_at_playhead, "S")
        self.act_merge = self._action("&Merge with next", self.merge_selected, "M")
        self.act_select_all = self._action("Select &all clips", self.select_all, K.SelectAll)
        self.act_detect = self._action(
            "&Detect clips", self.detect, "Ctrl+D", "Find the clips (shots) of the video"
        )
        self.act_narrate = self._action(
            "&Narrate all", self.narrate_all, "Ctrl+R", "Write storyline and lines"
        )
        self.act_narrate_sel = self._action("Narrate &selected", self.narrate_selected, "Ctrl+Shift+R")
        self.act_regenerate = self._action("Re&generate line", self.regenerate_current, "R")
        self.act_synth = self._action("S&ynthesize speech", self.synthesize, "Ctrl+T", "Speak every line")
        self.act_play = self._action("&Play / pause", self.preview.toggle_play, "Space")
        self.act_prev_frame = self._action("Previous frame", lambda: self.preview.step(-1), "Left")
        self.act_next_frame = self._action("Next frame", lambda: self.preview.step(1), "Right")
        self.act_play_clip = self._action(
            "Play selected clip", self.preview.play_selected_clip, "Shift+Space"
        )
        self.act_prev_clip = self._action("Previous clip", lambda: self.step_clip(-1), "Up")
        self.act_next_clip = self._action("Next clip", lambda: self.step_clip(1), "Down")
        self.act_home = self._action("Go to start", lambda: self.bridge.set_playhead(0), "Home")
        self.act_end = self._action(
            "Go to end", lambda: self.bridge.set_playhead(self.timeline.duration_ms), "End"
        )
        self.act_zoom_in = self._action("Zoom &in", self.timeline.zoom_in, K.ZoomIn)
        self.act_zoom_out = self._action("Zoom &out", self.timeline.zoom_out, K.ZoomOut)
        self.act_fit = self._action("&Fit timeline", self.timeline.fit, "Ctrl+0")
        self.act_settings = self._action("Se&ttings…", self.settings_dialog, "Ctrl+,")
        self.act_cancel = self._action("Cancel job", self.cancel_job, "Esc")
        for act in (self.act_split, self.act_merge, self.act_regenerate, self.act_play, self.act_prev_frame,
                    self.act_next_frame, self.act_prev_clip, self.act_next_clip, self.act_home, self.act_end):  # fmt: skip
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

        menu = self.menuBar()
        m = menu.addMenu("&File")
        m.addAction(self.act_open)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addMenu(self.recent_menu)
        m.addSeparator()
        for a in (self.act_save, self.act_save_as, self.act_export, self.act_export_timeline):
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.act_quit)
        m = menu.addMenu("&Edit")
        for a in (self.act_undo, self.act_redo, None, self.act_split, self.act_merge, self.act_select_all,
                  None, self.act_settings):  # fmt: skip
            m.addSeparator() if a is None else m.addAction(a)
        m = menu.addMenu("&Narration")
        for a in (self.act_detect, self.act_narrate, self.act_narrate_sel, self.act_regenerate, self.act_synth,
                  None, self.act_cancel):  # fmt: skip
            m.addSeparator() if a is None else m.addAction(a)
        m = menu.addMenu("&View")
        for a in (self.act_play, self.act_play_clip, self.act_prev_frame, self.act_next_frame, self.act_prev_clip,
                  self.act_next_clip, self.act_home, self.act_end, None,
                  self.act_zoom_in, self.act_zoom_out, self.act_fit):  # fmt: skip
            m.addSeparator() if a is None else m.addAction(a)

        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setIconSize(QSize(16, 16))
        for a in (self.act_open, self.act_save, None, self.act_undo, self.act_redo, None, self.act_detect,
                  self.act_narrate, self.act_synth, self.act_export, None, self.act_split, self.act_merge,
                  None, self.act_zoom_in, self.act_zoom_out, None, self.act_settings):  # fmt: skip
            tb.addSeparator() if a is None else tb.addAction(a)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = config.recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in files:
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_path(p))

    def _update_title(self) -> None:
        doc = self.bridge.document
        self.setWindowTitle(f"{doc.name}{'*' if doc.dirty else ''} — {APP_NAME}")

    def _update_actions(self) -> None:
        doc = self.bridge.document
        project = doc.project
        has_video = project.video is not None and project.media is not None
        has_clips = bool(project.clips)
        self.act_undo.setEnabled(doc.can_undo())
        self.act_redo.setEnabled(doc.can_redo())
        self.act_undo.setText(f"&Undo {doc.undo_text()}".rstrip())
        self.act_redo.setText(f"&Redo {doc.redo_text()}".rstrip())
        self.act_detect.setEnabled(has_video)
        for a in (self.act_narrate, self.act_synth, self.act_export, self.act_export_timeline):
            a.setEnabled(has_clips)
        selected = bool(self.bridge.selection)
        for a in (self.act_narrate_sel, self.act_regenerate, self.act_merge):
            a.setEnabled(selected)
        self.act_split.setEnabled(has_clips)

    def _edit_line(self, _index: int) -> None:
        self.tabs.setCurrentWidget(self.inspector)
        self.inspector.text.setFocus()
        self.inspector.text.selectAll()

    def _follow_playhead(self, _ms: int) -> None:
        if self.preview.playing:
            self.timeline.ensure_playhead_visible()

    def show_message(self, text: str) -> None:
        self.status_text.setText(text)

    def show_error(self, title: str, exc: BaseException, details: str = "") -> None:
        self.show_message(dialogs.one_line(exc))
        dialogs.show_error(self, title, exc, details)

    # ------------------------------------------------------------------------------------------
    # documents
    def confirm_discard(self) -> bool:
        """True when the current document may be replaced (saved, discarded or clean)."""
        self.inspector.commit_text()
        doc = self.bridge.document
        if not doc.dirty:
            return True
        answer = dialogs.ask_save_discard_cancel(self, doc.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def set_document(self, doc: Document) -> None:
        if self.thumb_job is not None:
            self.thumb_job.cancel()
        self.narration_track = None
        self.bridge.set_document(doc)
        self.preview.set_narration_audio(None)
        self.start_thumbnails()
        self._update_title()
        self._update_actions()

    def open_dialog(self) -> None:
        path = dialogs.choose_open_file(self)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path, auto_narrate: bool = False) -> bool:
        """Open a project (.narr.json) or a video; errors become one-line dialogs."""
        path = Path(path)
        if not path.exists():
            self.show_error("Open", InputError(f"{path}: no such file"))
            return False
        if path.is_dir():
            self.show_error("Open", InputError(f"{path}: is a folder, not a video or project"))
            return False
        if is_product_file(path):
            return self.import_product(path)
        if not self.confirm_discard():
            return False
        if is_project_file(path):
            try:
                doc = Document.open(path)
            except SyncNarratorError as exc:
                backup_doc = self._open_previous_save(path, exc)
                if backup_doc is None:
                    return False
                doc = backup_doc
            self.set_document(doc)
            config.add_recent_file(path)
            self.show_message(
                f"Opened the previous save of {path.name}: Save replaces the damaged file"
                if doc.dirty
                else f"Opened {path.name}"
            )
            if doc.project.video_missing:
                self.offer_relink()
            return True
        if path.suffix.lower() not in VIDEO_SUFFIXES:
            self.show_error("Open", InputError(f"{path}: not a video or SyncNarrator project"))
            return False
        self.run_job(
            "Reading video",
            services.probe_job(str(path)),
            lambda media: self._video_probed(path, media, auto_narrate),
        )
        return True

    def _open_previous_save(self, path: Path, exc: SyncNarratorError) -> Document | None:
        """A damaged project whose last good save survived as `.bak`: offer that (neither file is touched)."""
        backup = getattr(exc, "backup", None)
        if backup is None:
            self.show_error("Open project", exc)
            return None
        if not dialogs.ask_open_backup(self, dialogs.one_line(exc)):
            self.show_message(dialogs.one_line(exc))
            return None
        try:
            return recovery.open_backup(path, Path(backup))
        except SyncNarratorError as backup_exc:
            self.show_error("Open previous save", backup_exc)
            return None

    def import_product(self, path: Path) -> bool:
        """A product JSON ({name, attributes}) replaces the current project's product knowledge."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            product = Product.from_json(data, str(path))
        except (OSError, UnicodeDecodeError) as exc:
            self.show_error("Import product", InputError(f"{path}: cannot read ({exc})"))
            return False
        except ValueError as exc:
            self.show_error("Import product", InputError(f"{path}: not valid JSON ({exc})"))
            return False
        except SyncNarratorError as exc:
            self.show_error("Import product", exc)
            return False
        self.bridge.edit("Import product", lambda p: replace(p, product=product))
        self.tabs.setCurrentWidget(self.product_panel)
        self.show_message(f"Product knowledge from {path.name}")
        return True

    def _video_probed(self, path: Path, media: Any, auto_narrate: bool = False) -> None:
        self._auto_narrate = auto_narrate
        product = load_product_beside(path) or Product()
        project = Project(
            video=str(path.resolve()), media=media, product=product, clips=(Clip(0, media.duration_ms),)
        )
        doc = Document(project)
        doc.mark_saved()  # nothing to lose yet
        self.set_document(doc)
        config.add_recent_file(path)
        self.show_message(
            f"Opened {path.name}: {media.width}×{media.height}, {media.duration_ms / 1000:.1f} s"
        )
        self.detect()

    def offer_relink(self) -> None:
        video = self.bridge.project.video
        if not dialogs.ask_yes_no(
            self, "Video missing", f"{video}: the video is missing. Choose its new location?"
        ):
            self.show_message(f"{video}: video missing (File ▸ Open a project again to relink)")
            return
        new = dialogs.choose_open_file(self, "Locate the video", dialogs.VIDEO_FILTER)
        if not new:
            return
        new_path = str(Path(new).resolve())
        self.bridge.edit("Relink video", lambda p: replace(p, video=new_path))
        self.preview._on_document()
        self.start_thumbnails()

    def save(self) -> bool:
        self.inspector.commit_text()
        doc = self.bridge.document
        if doc.path is None:
            return self.save_as()
        try:
            doc.save()
        except (SyncNarratorError, OSError) as exc:
            self.show_error("Save", exc)
            return False
        config.add_recent_file(doc.path)
        self.recovery.discard()
        self.show_message(f"Saved {doc.path}")
        return True

    def save_as(self) -> bool:
        self.inspector.commit_text()
        doc = self.bridge.document
        if doc.path is not None:
            start = str(doc.path)
        elif doc.project.video:
            start = str(beside(Path(doc.project.video), Path(doc.project.video).stem + PROJECT_SUFFIX))
        else:
            start = str(Path.home() / ("untitled" + PROJECT_SUFFIX))
        path = dialogs.choose_save_file(self, "Save project as", start)
        if not path:
            return False
        if not path.endswith(PROJECT_SUFFIX):
            path = (
                str(Path(path).with_suffix("")) + PROJECT_SUFFIX
                if path.endswith(".json")
                else path + PROJECT_SUFFIX
            )
        try:
            doc.save(Path(path))
        except (SyncNarratorError, OSError) as exc:
            self.show_error("Save", exc)
            return False
        config.add_recent_file(path)
        self.recovery.discard()
        self._update_title()
        self.show_message(f"Saved {path}")
        return True

    # ------------------------------------------------------------------------------------------
    # edits
    def undo(self) -> None:
        self.inspector.commit_text()
        self.bridge.document.undo()

    def redo(self) -> None:
        self.inspector.commit_text()
        self.bridge.document.redo()

    def split_at_playhead(self) -> None:
        self.inspector.commit_text()
        ms = self.bridge.playhead_ms
        media = self.bridge.project.media
        if media is not None:  # cuts fall on frame boundaries, wherever playback stopped
            ms = snap_ms_to_frame(ms, media.fps)
        if self.bridge.edit("Split clip", lambda p: split_clip(p, ms)):
            index = self.bridge.project.clip_index_at(ms)
            if index is not None:
                self.bridge.select([index])

    def merge_selected(self) -> None:
        self.inspector.commit_text()
        sel = self.bridge.selection
        if not sel:
            return
        first, last = sel[0], sel[-1]
        if len(sel) > 1 and sel == list(range(first, last + 1)):

            def merge_run(p: Project) -> Project:
                for _ in range(last - first):
                    p = merge_with_next(p, first)
                return p

            done = self.bridge.edit(f"Merge {len(sel)} clips", merge_run)
        else:
            done = self.bridge.edit("Merge with next clip", lambda p: merge_with_next(p, first))
        if done:
            self.bridge.select([first])

    def step_clip(self, delta: int) -> None:
        """Select the previous/next clip and put the playhead at its start."""
        clips = self.bridge.project.clips
        if not clips:
            return
        current = self.bridge.current
        if current is None:
            current = self.bridge.project.clip_index_at(self.bridge.playhead_ms) or 0
            delta = 0
        index = max(0, min(len(clips) - 1, current + delta))
        self.bridge.select([index])
        self.bridge.set_playhead(clips[index].start_ms)
        self.timeline.ensure_playhead_visible()

    def select_all(self) -> None:
        self.bridge.select(list(range(len(self.bridge.project.clips))))

    # ------------------------------------------------------------------------------------------
    # jobs
    def run_job(self, name: str, fn: Any, on_success: Any, on_cancel: Any = None) -> Job | None:
        """Start the main job (one at a time); its progress and Cancel show in the status bar."""
        if self.main_job is not None:
            self.show_message(f"{self.main_job.name} is still running: wait for it or cancel it")
            return None

        holder: list[Job] = []

        def succeeded(result: Any) -> None:
            self._job_ended(holder[0])  # free the slot first: the callback may start the next job
            on_success(result)

        def failed(exc: BaseException, details: str) -> None:
            self._job_ended(holder[0])
            self.show_error(name, exc, details)

        def cancelled() -> None:
            self._job_ended(holder[0])
            self.show_message(f"{name}: cancelled")
            if on_cancel is not None:
                on_cancel()

        job = self.jobs.start(name, fn, succeeded, failed, cancelled, in_process=True)
        holder.append(job)
        self.main_job = job
        job.progressed.connect(lambda f, s: self._job_progress(job, f, s))
        job.ended.connect(lambda: self._job_ended(job))
        self._show_job(job)
        return job

    def _show_job(self, job: Job | None) -> None:
        visible = job is not None
        for w in (self.job_label, self.progress, self.cancel_button):
            w.setVisible(visible)
        if job is not None:
            self.job_label.setText(job.name)
            self.progress.setValue(0)

    def _job_progress(self, job: Job, fraction: float, stage: str) -> None:
        if job is self.main_job:
            self.progress.setValue(int(fraction * 1000))
            self.job_label.setText(f"{job.name}: {stage}" if stage else job.name)

    def _job_ended(self, job: Job) -> None:
        if job is self.main_job:
            self.main_job = None
            self._show_job(None)
            if self.thumb_job is not None and self.thumb_job.running:
                self.cancel_button.setVisible(True)  # Cancel now stops the thumbnails

    def cancel_job(self) -> None:
        """Cancel the main job; with none running, stop the thumbnails."""
        if self.main_job is not None:
            self.main_job.cancel()
            self.job_label.setText(f"{self.main_job.name}: cancelling…")
        elif self.thumb_job is not None and self.thumb_job.running:
            self.thumb_job.cancel()

    def start_thumbnails(self) -> None:
        project = self.bridge.project
        if self.thumb_job is not None:
            self.thumb_job.cancel()
        self._thumb_generation += 1
        generation = self._thumb_generation
        self.thumb_label.setText("")
        if project.video is None or project.media is None or project.video_missing:
            return
        media = project.media
        sink = ThumbnailSink()  # the worker emits into this, never into the window (it may be deleted)
        sink.arrived.connect(self._thumbnail_arrived)
        fn = thumbnails_job(
            project.video,
            media.duration_ms,
            media.width,
            media.height,
            lambda ms, image: sink.arrived.emit(generation, ms, image),
        )
        job = self.jobs.start(
            "Thumbnails",
            fn,
            on_failure=lambda exc, _d: self.show_message(dialogs.one_line(exc)),
            endpoints=[sink],
        )
        job.progressed.connect(
            lambda f, _s: job is self.thumb_job and self.thumb_label.setText(f"thumbnails {int(f * 100)}%")
        )
        job.ended.connect(lambda: job is self.thumb_job and self._thumbnails_ended())
        if self.main_job is None:
            self.cancel_button.setVisible(True)
        self.thumb_job = job

    def _thumbnail_arrived(self, generation: int, ms: int, image: QImage) -> None:
        """Queued thumbnails of a video no longer shown (the user opened another) are dropped."""
        if generation == self._thumb_generation:
            self.timeline.set_thumbnail(ms, image)

    def _thumbnails_ended(self) -> None:
        self.thumb_label.setText("")
        if self.main_job is None:
            self.cancel_button.setVisible(False)

    def detect(self) -> None:
        project = self.bridge.project
        if project.video is None or project.media is None:
            self.show_message("Open a video first")
            return
        if project.video_missing:
            self.show_error("Detect clips", InputError(f"{project.video}: the video is missing"))
            return
        doc, video = self.bridge.document, project.video

        def done(clips: list[tuple[int, int]]) -> None:
            if self.bridge.document is not doc or self.bridge.project.video != video:
                return  # the user opened something else meanwhile
            current = {(c.start_ms, c.end_ms): c for c in self.bridge.project.clips}
            new = tuple(current.get(span, Clip(*span)) for span in clips)
            self.bridge.edit("Detect clips", lambda p: set_clips(p, new))
            self.bridge.select([0] if new else [])
            self.show_message(f"Detected {len(new)} clips")
            if self._auto_narrate:
                self._auto_narrate = False
                self.narrate_all()

        self.run_job("Detecting clips", services.detect_job(video), done)

    def _narration_target(self) -> tuple[str, str]:
        return config.narrator_backend(), config.model_dir()

    def _apply_lines(
        self, snapshot: Project, lines: list[tuple[int, tuple[str, ...], str]], what: str
    ) -> None:
        """Apply narrator output unless the clips were retimed meanwhile (then the lines would not fit)."""
        spans = [(c.start_ms, c.end_ms) for c in snapshot.clips]
        if [(c.start_ms, c.end_ms) for c in self.bridge.project.clips] != spans:
            self.show_message(f"{what}: the clips changed while it ran; run it again")
            return

        def apply(p: Project) -> Project:
            clips = list(p.clips)
            for index, labels, text in lines:
                clip = clips[index]
                changes: dict[str, Any] = {}
                if not clip.labels_locked:
                    changes["labels"] = labels
                if not clip.locked:
                    changes["narration"] = text
                clips[index] = replace(clip, **changes)
            return replace(p, clips=tuple(clips))

        self.bridge.edit(what, apply)
        self.show_message(f"{what}: {len(lines)} lines")

    def narrate_all(self) -> None:
        self.inspector.commit_text()
        snapshot = self.bridge.project
        if not snapshot.clips:
            return
        backend, model = self._narration_target()
        self._seed += 1
        fn = services.narrate_job(snapshot, backend, model, self._seed)
        doc = self.bridge.document

        def done(lines: Any) -> None:
            if self.bridge.document is doc:  # not if the user opened another project meanwhile
                self._apply_lines(snapshot, lines, "Narrate all")

        self.run_job("Narrating", fn, done)

    def narrate_selected(
        self, indexes: list[int] | None = None, what: str = "Narrate selected", override_lock: bool = False
    ) -> None:
        """New lines for the selected clips; locked lines are kept unless `override_lock` (Regenerate)."""
        self.inspector.commit_text()
        snapshot = self.bridge.project
        indexes = list(indexes if indexes is not None else self.bridge.selection)
        if not override_lock:
            indexes = [i for i in indexes if not snapshot.clips[i].locked]
        if not indexes:
            self.show_message(f"{what}: the selected lines are locked")
            return
        snapshot = replace(snapshot, clips=tuple(
            replace(c, locked=False) if i in indexes else c for i, c in enumerate(snapshot.clips)))  # fmt: skip
        backend, model = self._narration_target()
        self._seed += 7
        fn = services.rewrite_job(snapshot, indexes, backend, model, self._seed)

        doc = self.bridge.document

        def done(lines: list[tuple[int, tuple[str, ...], str]]) -> None:
            if self.bridge.document is not doc:
                return
            current = self.bridge.project
            spans = [(c.start_ms, c.end_ms) for c in snapshot.clips]
            if [(c.start_ms, c.end_ms) for c in current.clips] != spans:
                self.show_message(f"{what}: the clips changed while it ran; run it again")
                return

            def apply(p: Project) -> Project:
                clips = list(p.clips)
                for index, labels, text in lines:
                    clip = clips[index]
                    clips[index] = replace(clip, narration=text, locked=False,
                                           labels=clip.labels if clip.labels_locked else labels)  # fmt: skip
                return replace(p, clips=tuple(clips))

            self.bridge.edit(what, apply)

        self.run_job("Writing lines", fn, done)

    def regenerate_current(self) -> None:
        if self.bridge.current is not None:
            self.narrate_selected([self.bridge.current], "Regenerate line", override_lock=True)

    def synthesize(self) -> None:
        self.inspector.commit_text()
        snapshot = self.bridge.project
        if not snapshot.clips:
            return
        doc = self.bridge.document

        def done(track: Any) -> None:
            if self.bridge.document is not doc:
                return
            self.narration_track = str(track) if track else None
            self.preview.set_narration_audio(self.narration_track)
            self.show_message("Narration synthesized" + (f": {track}" if track else ""))

        self.run_job("Synthesizing speech", services.synthesize_job(snapshot), done)

    def play_current_speech(self) -> None:
        index = self.bridge.current
        if index is None:
            return
        clip = self.bridge.project.clips[index]
        if not clip.narration:
            self.show_message("This clip has no narration yet")
            return
        snapshot = self.bridge.project

        def done(wav: Any) -> None:
            self.show_message(f"Speech for clip {index + 1}: {wav}")
            self.preview.play_file(str(wav))

        self.run_job("Speaking line", services.speak_line_job(snapshot, index), done)

    def export_dialog(self) -> None:
        self.inspector.commit_text()
        doc = self.bridge.document
        dialog = ExportDialog(doc.project, doc.path, self)
        if not dialogs.exec_dialog(dialog):
            return
        settings = dialog.settings(doc.project.export)
        self.start_export(dialog.output_path(), settings)

    def start_export(self, output: Path, settings: Any = None) -> Job | None:
        """Export a snapshot of the project; edits made meanwhile do not change this export."""
        if settings is not None and settings != self.bridge.project.export:
            self.bridge.edit("Export settings", lambda p: replace(p, export=settings))
        snapshot = self.bridge.project
        if snapshot.video_missing:
            self.show_error("Export", InputError(f"{snapshot.video}: the video is missing"))
            return None

        def done(result: Any) -> None:
            warnings = list(getattr(result, "warnings", ()) or ())
            extra = (
                f" ({len(warnings)} warning{'s' if len(warnings) > 1 else ''}: {warnings[0]})"
                if warnings
                else ""
            )
            self.show_message(f"Exported {output}{extra}")

        return self.run_job(
            "Exporting",
            services.export_job(snapshot, output),
            done,
            on_cancel=lambda: self.show_message(f"Export cancelled; {output.name} was not written"),
        )

    def export_timeline_dialog(self) -> None:
        """Ask for OUT.otio (or .xml / .edl), then write the timeline in the job process."""
        self.inspector.commit_text()
        doc = self.bridge.document
        project = doc.project
        if project.video is None or project.video_missing:
            self.show_error("Export timeline", InputError(f"{project.video}: the video is missing"))
            return
        start = beside(doc.path or Path(project.video), Path(project.video).stem + ".otio")
        filt = "OpenTimelineIO (*.otio);;FCP 7 XML (*.xml);;CMX 3600 EDL (*.edl)"
        path = dialogs.choose_save_file(self, "Export timeline", str(start), filt)
        if path:
            self.start_timeline_export(Path(path))

    def start_timeline_export(self, output: Path) -> Job | None:
        from functools import partial

        from core.interchange import timeline_job

        snapshot = self.bridge.project
        return self.run_job(
            "Exporting timeline",
            partial(timeline_job, project=snapshot, output=str(output)),
            lambda result: self.show_message(
                f"Exported {result.output} ({result.lines} lines in {result.media_dir.name})"
            ),
        )

    def settings_dialog(self) -> None:
        doc = self.bridge.document
        dialog = SettingsDialog(doc.project.speech, self.voices, self)
        if not self.voices:  # listing voices starts the speech engine: do it off the GUI thread
            self.jobs.start("Voices", services.voices_job(),
                            on_success=lambda names: (self.voices.extend(names), dialog.add_voices(names)),
                            in_process=True)  # fmt: skip
        if not dialogs.exec_dialog(dialog):
            return
        dialog.apply_user_settings()
        speech = dialog.speech(doc.project.speech)
        self.bridge.edit("Speech settings", lambda p: replace(p, speech=speech))

    # ------------------------------------------------------------------------------------------
    # window events
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.open_path(urls[0].toLocalFile())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._shut_down:
            event.accept()
            return
        if not self.confirm_discard():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop workers and drop the recovery copy (a clean exit leaves nothing to recover)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.jobs.close(15000)
        self.preview.shutdown()
        self.recovery.close()

    def terminate(self) -> None:
        """Asked to stop by the system (SIGTERM, logout): keep unsaved work for recovery, no questions."""
        self.inspector.commit_text()
        self.recovery.autosave()
        self.recovery.timer.stop()
        self._shut_down = True
        self.jobs.close(10000)
        self.preview.shutdown()
        QApplication.quit()

    def offer_recovery(self) -> bool:
        orphans = recovery.find_orphans()
        if not orphans:
            return False
        orphan = orphans[0]
        if dialogs.ask_yes_no(
            self, "Recover work", f"SyncNarrator did not close properly. Recover {orphan.describe()}?"
        ):
            try:
                doc = recovery.restore(orphan)
            except SyncNarratorError as exc:
                self.show_error("Recover", exc)
                return False
            self.set_document(doc)
            for o in orphans:
                recovery.remove(o)
            self.show_message("Recovered unsaved work; save it to keep it")
            if doc.project.video_missing:
                self.offer_relink()
            return True
        for o in orphans:
            recovery.remove(o)
        return False
