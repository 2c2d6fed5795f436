"""The editor window: composes the views (preview, timeline, inspector, product panel) around one Document.

What the window does not do, and where it lives instead:
- commands as data (ids, texts, shortcuts, menus, toolbar, enabled-when): gui/actions.py;
- long work (typed operations, one main job, stale results dropped, one undo step): gui/operations.py,
  delivered through the application's dispatcher (gui/jobs.py);
- narration commands (detect, narrate, alternatives, speech, export, settings): gui/narration_commands.py;
- open/save/relink/recover: gui/documents.py; status bar and Cancel: gui/job_status.py;
- change events (clipsChanged, narrationChanged, ...): gui/bridge.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.project import Document, Project
from gui import config, dialogs, logs, recovery
from gui.actions import ActionId, ActionTable, Commands, handlers
from gui.banner import Banner
from gui.bridge import DocumentBridge
from gui.clip_edits import ClipEdits
from gui.documents import DocumentController
from gui.i18n import tr
from gui.inspector import Inspector
from gui.job_status import JobStatus
from gui.jobs import Job, JobRunner
from gui.narration_commands import NarrationCommands
from gui.operations import Operations
from gui.preview import Preview
from gui.process_host import shared_host
from gui.product_panel import ProductPanel
from gui.speech_queue import SpeechQueue
from gui.thumbnails import ThumbnailLoader
from gui.timeline import TimelineView

APP_NAME = "SyncNarrator"
DEFAULT_SIZE = QSize(1280, 800)  # shrunk to the screen's available area (fit_to_screen)
TITLE_BAR_ALLOWANCE = QSize(8, 40)  # a frame's size before the window manager has drawn one


class MainWindow(QMainWindow):
    def __init__(self, autosave_ms: int = recovery.AUTOSAVE_MS) -> None:
        super().__init__()
        self.bridge = DocumentBridge(parent=self)
        self.jobs = JobRunner(self)
        self.operations = Operations(self.bridge, self.jobs, self, self)
        self._shut_down = False
        self.setAcceptDrops(True)
        self.resize(DEFAULT_SIZE)

        self.preview = Preview(self.bridge)
        self.timeline = TimelineView(self.bridge)
        self.inspector = Inspector(self.bridge)
        self.product_panel = ProductPanel(self.bridge)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inspector, tr("Clip"))
        self.tabs.addTab(self.product_panel, tr("Product"))
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
        main.setChildrenCollapsible(False)  # never squash the timeline (or the preview) to nothing
        self.banner = Banner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(main, 1)
        self.setCentralWidget(central)
        self.banner.actionRequested.connect(self.show_product_tab)

        self.thumbnails = ThumbnailLoader(self.jobs, self.timeline.set_thumbnail, self.show_message, self)
        self.speech = SpeechQueue(self.bridge, self.jobs, self.operations, self)
        self.status = JobStatus(self, self.operations, self.thumbnails, self.speech)
        self.recovery = recovery.RecoveryManager(self.bridge, self, interval_ms=autosave_ms)
        # the controllers get the window as a protocol (gui/hosts.py) and the views they use, nothing else
        self.narration = NarrationCommands(
            self, self.bridge, self.operations, self.speech, self.preview, self.inspector, self
        )
        self.documents = DocumentController(
            self, self.bridge, self.operations, self.recovery, self.narration.detect, self
        )
        self.clip_edits = ClipEdits(self, self.bridge, self.operations, self.narration.next_seed, self)
        self.speech.warm_job = self.narration.warm_job
        self.speech.changed.connect(self.narration.build_track_when_spoken)

        commands = Commands(self, self.documents, self.narration, self.preview, self.timeline, self.status)
        self.actions_table = ActionTable(self, handlers(commands), self.flush_edits)
        self.actions_table.add_to_widgets([self.timeline, self.preview])
        self.menus = self.actions_table.build_menus(self.documents.recent_menu)
        self.toolbar: QToolBar = self.actions_table.build_toolbar()

        self.bridge.projectChanged.connect(self.update_title)
        self.bridge.projectChanged.connect(self._update_actions)
        self.bridge.selectionChanged.connect(self._update_actions)
        self.bridge.videoChanged.connect(self._start_thumbnails)  # relink, and undoing it
        self.bridge.message.connect(self.show_message)
        self.bridge.playheadChanged.connect(self._follow_playhead)
        self.bridge.selectionChanged.connect(self._move_to_selected_clip)
        self.bridge.documentReplaced.connect(self.banner.hide)
        self.bridge.productChanged.connect(self._product_changed)
        self._shown_clip: int | None = None
        self.timeline.editLineRequested.connect(self._edit_line)
        self.timeline.contextMenuRequested.connect(self._clip_context_menu)
        self.inspector.regenerateRequested.connect(self.action(ActionId.REGENERATE).trigger)
        self.inspector.playSpeechRequested.connect(self.narration.play_current_speech)
        self.inspector.alternativesRequested.connect(lambda: self.narration.request_alternatives())
        self.inspector.alternativeChosen.connect(
            lambda i, text, labels: self.narration.use_alternative(i, text, tuple(labels))
        )
        self.inspector.labelsChanged.connect(self.narration.offer_rewrite_for_labels)
        self.product_panel.set_warnings_source(self.narration.knowledge_warnings)
        shared_host().warm_up()
        self.update_title()
        self._update_actions()

    # ------------------------------------------------------------------------------------------
    # actions (the table is gui/actions.py)
    def action(self, action_id: ActionId) -> QAction:
        """The window's QAction for an id (`window.action(ActionId.SPLIT)`); gui/actions.py lists them."""
        return self.actions_table[action_id]

    def shortcut_rows(self) -> list[tuple[str, str]]:
        return self.actions_table.shortcut_rows()

    def update_title(self) -> None:
        doc = self.bridge.document
        name = doc.name if doc.path is not None or doc.project.video else tr("Untitled")
        self.setWindowTitle(f"{name}{'*' if doc.dirty else ''} — {APP_NAME}")

    def _update_actions(self) -> None:
        doc = self.bridge.document
        project = doc.project
        self.actions_table.update({
            "has_video": project.video is not None and project.media is not None,
            "has_clips": bool(project.clips),
            "selected": bool(self.bridge.selection),
            "can_undo": doc.can_undo(),
            "can_redo": doc.can_redo(),
        })  # fmt: skip
        undo_text = (
            tr("&Undo {action}").format(action=doc.undo_text()).rstrip() if doc.can_undo() else tr("&Undo")
        )
        redo_text = (
            tr("&Redo {action}").format(action=doc.redo_text()).rstrip() if doc.can_redo() else tr("&Redo")
        )
        self.action(ActionId.UNDO).setText(undo_text)
        self.action(ActionId.REDO).setText(redo_text)
        self.action(ActionId.TOOL_UNDO).setToolTip(undo_text.replace("&", ""))
        self.action(ActionId.TOOL_REDO).setToolTip(redo_text.replace("&", ""))

    def _clip_context_menu(self, global_pos: QPoint) -> None:
        self.actions_table.context_menu(self.timeline).exec(global_pos)

    # ------------------------------------------------------------------------------------------
    # shared by the controllers
    def flush_edits(self) -> None:
        """Commit what is typed but not yet committed (inspector line, product fields) before acting."""
        self.inspector.commit_text()
        self.product_panel.flush()

    def show_message(self, text: str) -> None:
        self.status.show_message(text)

    def show_error(self, title: str, exc: BaseException, details: str = "") -> None:
        logs.log_error(title, exc, details)
        self.show_message(dialogs.one_line(exc))
        dialogs.show_error(self, title, exc, details)

    def set_document(self, doc: Document) -> None:
        self.narration.narration_track = None
        self.bridge.set_document(doc)
        self.preview.set_narration_audio(None)
        self._start_thumbnails()
        self.update_title()
        self._update_actions()

    def automatic_edit(self, description: str, change: Callable[[Project], Project]) -> bool:
        """An edit the editor makes by itself (detection on open, the demo's narration).

        On a document the user has not changed it keeps the document clean: closing the untouched
        demo never asks "Save the changes?". It is still an undo step.
        """
        doc = self.bridge.document
        clean = not doc.dirty
        done = self.bridge.edit(description, change)
        if done and clean:
            doc.mark_saved()
            self.update_title()
        return done

    def _start_thumbnails(self) -> None:
        self.thumbnails.start(self.bridge.project)
        self.status.thumbnails_started()

    def _edit_line(self, _index: int) -> None:
        self.tabs.setCurrentWidget(self.inspector)
        self.inspector.text.setFocus()
        self.inspector.text.selectAll()

    def _move_to_selected_clip(self) -> None:
        """Selecting a clip moves the preview to its start (unless the playhead is already in it)."""
        index = self.bridge.current
        previous, self._shown_clip = self._shown_clip, index
        if index is None or index == previous or self.preview.playing:
            return
        clip = self.bridge.project.clips[index]
        if not clip.start_ms <= self.bridge.playhead_ms < clip.end_ms:
            self.bridge.set_playhead(clip.start_ms)
            self.timeline.ensure_playhead_visible()

    def show_product_banner(self, video: Path) -> None:
        """The video opened without its product card: say what to add (dismissable, not modal)."""
        self.banner.show_missing_product(video)

    def show_product_tab(self) -> None:
        self.tabs.setCurrentWidget(self.product_panel)
        self.product_panel.name.setFocus()

    def _product_changed(self) -> None:
        if self.bridge.project.product.name.strip():
            self.banner.hide()

    def fit_to_screen(self, available: QRect | None = None) -> QRect:
        """Open inside the screen's available area (1280x720 and 1366x768 screens included): the
        default size, shrunk to the area, centred in it. Returns the geometry given to the window."""
        if available is None:
            screen = self.screen() or QApplication.primaryScreen()
            if screen is None:
                return self.geometry()
            available = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders, if any
        if not self.isVisible() and frame.isNull():  # not known before the window manager frames it
            frame = TITLE_BAR_ALLOWANCE
        room = QSize(max(1, available.width() - frame.width()), max(1, available.height() - frame.height()))
        size = DEFAULT_SIZE.boundedTo(room).expandedTo(self.minimumSizeHint().boundedTo(room))
        self.resize(size)
        x = available.x() + max(0, (available.width() - size.width() - frame.width()) // 2)
        y = available.y() + max(0, (available.height() - size.height() - frame.height()) // 2)
        self.move(x, y)
        return QRect(x, y, size.width() + frame.width(), size.height() + frame.height())

    def keep_on_screen(self) -> None:
        """After the window manager framed the window: fit again if the frame went past the screen."""
        screen = self.screen()
        if screen is not None and not screen.availableGeometry().contains(self.frameGeometry()):
            self.fit_to_screen()

    def _follow_playhead(self, _ms: int) -> None:
        if self.preview.playing:
            self.timeline.ensure_playhead_visible()

    # -- what other modules and tests reach through the window
    @property
    def main_job(self) -> Job | None:
        return self.operations.main_job

    @property
    def thumb_job(self) -> Job | None:
        return self.thumbnails.job

    @property
    def status_text(self) -> QLabel:
        return self.status.status_text

    @property
    def thumb_label(self) -> QLabel:
        return self.status.thumb_label

    @property
    def cancel_button(self) -> QPushButton:
        return self.status.cancel_button

    def open_path(self, path: str | Path, auto_narrate: bool = False) -> bool:
        return self.documents.open_path(path, auto_narrate)

    def confirm_discard(self) -> bool:
        return self.documents.confirm_discard()

    def offer_recovery(self) -> bool:
        return self.documents.offer_recovery()

    def request_alternatives(self, index: int | None = None, then_use_next: bool = False) -> Job | None:
        return self.narration.request_alternatives(index, then_use_next)

    def use_alternative(self, index: int, text: str, labels: tuple[str, ...] = (), what: str = "") -> bool:
        return self.narration.use_alternative(index, text, labels, what)

    def play_current_speech(self) -> bool:
        return self.narration.play_current_speech()

    # ------------------------------------------------------------------------------------------
    # edits
    def undo(self) -> None:
        self.bridge.document.undo()

    def redo(self) -> None:
        self.bridge.document.redo()

    def split_at_playhead(self) -> None:
        """S: split at the playhead; the line goes where it fits or each half gets a new one (gui/clip_edits.py)."""
        self.clip_edits.split_at_playhead()

    def merge_selected(self) -> None:
        """M: merge with the next clip (or the selected run); the lines are joined and refitted."""
        self.clip_edits.merge_selected()

    def clear_selected_lines(self) -> None:
        """Delete: the selected clips lose their narration (one undo step; the clips stay)."""
        targets = [i for i in self.bridge.selection if self.bridge.project.clips[i].narration]
        if not targets:
            return
        locked = sum(1 for i in targets if self.bridge.project.clips[i].locked)
        if locked and not dialogs.ask_yes_no(
            self, tr("Clear line"), tr("%n of the lines are locked (you wrote or locked them). Clear them?", "", locked)
        ):
            return

        def clear(p: Project) -> Project:
            clips = list(p.clips)
            for i in targets:
                clips[i] = replace(clips[i], narration="", locked=False)
            return replace(p, clips=tuple(clips))

        self.bridge.edit(tr("Clear %n lines", "", len(targets)), clear)

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

    def previous_frame(self) -> None:
        self.preview.step(-1)

    def next_frame(self) -> None:
        self.preview.step(1)

    def previous_clip(self) -> None:
        self.step_clip(-1)

    def next_clip(self) -> None:
        self.step_clip(1)

    def go_to_start(self) -> None:
        self.bridge.set_playhead(0)

    def go_to_end(self) -> None:
        self.bridge.set_playhead(self.timeline.duration_ms)

    # -- help
    def shortcuts_dialog(self) -> None:
        dialogs.show_shortcuts(self, self.shortcut_rows())

    def about_dialog(self) -> None:
        dialogs.show_about(self)

    def open_log_folder(self) -> None:
        folder = config.log_dir()
        self.show_message(tr("Log folder: {folder}").format(folder=folder))
        dialogs.open_folder(folder)

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
        self.speech.enabled = False
        self.thumbnails.close()
        self.jobs.close(15000)
        self.preview.shutdown()
        self.recovery.close()

    def terminate(self) -> None:
        """Asked to stop by the system (SIGTERM, logout): keep unsaved work for recovery, no questions."""
        self.flush_edits()
        self.recovery.autosave()
        self.recovery.timer.stop()
        self.recovery.idle_timer.stop()
        self._shut_down = True
        self.speech.enabled = False
        self.thumbnails.close()
        self.jobs.close(10000)
        self.preview.shutdown()
        QApplication.quit()
