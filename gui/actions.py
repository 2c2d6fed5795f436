"""Every command of the editor as data (model: Picard's MainAction table): one row per action.

Ids are the `ActionId` enum. A row gives the action's id, text, shortcuts, tooltip, when it is enabled, its
shortcut context and whether it commits pending typing first. MENUS and TOOLBAR place actions by id.
`handlers(Commands(...))` is the typed registry of what each id runs: a method of the window, the document
or narration controller, the preview, the timeline or the status bar, checked by mypy (no "owner.method"
strings resolved at run time); `ActionTable` refuses an id without a handler. Views never hold actions:
they look them up by id (`window.action(ActionId.SPLIT)`).

To add a command: a member of `ActionId`, a row here (text wrapped in `_t`, then
`scripts/build_translations.py`), its id in MENUS/TOOLBAR, and its entry in `handlers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidget

from gui.i18n import QT_TRANSLATE_NOOP, tr

if TYPE_CHECKING:
    from gui.documents import DocumentController
    from gui.job_status import JobStatus
    from gui.narration_commands import NarrationCommands

K = QKeySequence.StandardKey
Shortcut = str | QKeySequence.StandardKey


class ActionId(str, Enum):
    """Every command's id (Picard's MainAction): menus, toolbar, `window.action(ActionId.SPLIT)` name them."""

    OPEN = "open"
    SAVE = "save"
    SAVE_AS = "save_as"
    EXPORT = "export"
    EXPORT_TIMELINE = "export_timeline"
    QUIT = "quit"
    UNDO = "undo"
    REDO = "redo"
    TOOL_UNDO = "tool_undo"
    TOOL_REDO = "tool_redo"
    SPLIT = "split"
    MERGE = "merge"
    CLEAR_LINE = "clear_line"
    SELECT_ALL = "select_all"
    SETTINGS = "settings"
    DETECT = "detect"
    NARRATE = "narrate"
    NARRATE_SEL = "narrate_sel"
    REGENERATE = "regenerate"
    SYNTH = "synth"
    CANCEL = "cancel"
    PLAY = "play"
    PLAY_CLIP = "play_clip"
    SHUTTLE_BACK = "shuttle_back"
    SHUTTLE_STOP = "shuttle_stop"
    SHUTTLE_FORWARD = "shuttle_forward"
    PREV_FRAME = "prev_frame"
    NEXT_FRAME = "next_frame"
    PREV_CLIP = "prev_clip"
    NEXT_CLIP = "next_clip"
    HOME = "home"
    END = "end"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    FIT = "fit"
    SHORTCUTS = "shortcuts"
    LOG_FOLDER = "log_folder"
    ABOUT = "about"


A = ActionId
Handler = Callable[[], object]


@dataclass(frozen=True)
class ActionSpec:
    id: ActionId
    text: str  # menu text with & mnemonic (translated where shown)
    shortcuts: tuple[Shortcut, ...] = ()
    tip: str = ""  # tooltip (default: the text)
    short: str = ""  # toolbar label (iconText) when shorter than the menu text
    enabled_when: str = ""  # a key of the state passed to ActionTable.update ("" = always)
    context: str = "window"  # "window": the window's shortcut; "widget": only in the widgets it is added to
    flush: bool = True  # commit what is being typed (line, product field) before running


def _t(text: str) -> str:
    return QT_TRANSLATE_NOOP("", text)


# fmt: off
ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec(A.OPEN, _t("&Open…"), (K.Open,), _t("Open a video or project"), _t("Open")),
    ActionSpec(A.SAVE, _t("&Save"), (K.Save,), short=_t("Save")),
    ActionSpec(A.SAVE_AS, _t("Save &As…"), (K.SaveAs,)),
    ActionSpec(A.EXPORT, _t("&Export…"), ("Ctrl+E",), _t("Export the narrated video"),
               _t("Export"), enabled_when="has_clips"),
    ActionSpec(A.EXPORT_TIMELINE, _t("Export &timeline…"),
               tip=_t("OpenTimelineIO timeline for other editors (Resolve, Premiere, Final Cut)"),
               enabled_when="has_clips"),
    ActionSpec(A.QUIT, _t("&Quit"), (K.Quit,)),
    # Edit
    ActionSpec(A.UNDO, _t("&Undo"), (K.Undo,), enabled_when="can_undo"),
    ActionSpec(A.REDO, _t("&Redo"), (K.Redo,), enabled_when="can_redo"),
    ActionSpec(A.TOOL_UNDO, _t("Undo"), enabled_when="can_undo"),  # toolbar: fixed text
    ActionSpec(A.TOOL_REDO, _t("Redo"), enabled_when="can_redo"),
    ActionSpec(A.SPLIT, _t("&Split at playhead"), ("S", "Ctrl+B"), short=_t("Split"),
               enabled_when="has_clips"),  # Ctrl+B: CapCut's habit
    ActionSpec(A.MERGE, _t("&Merge with next"), ("M",), short=_t("Merge"),
               enabled_when="selected"),
    ActionSpec(A.CLEAR_LINE, _t("&Clear line"), ("Delete",),
               _t("Remove the narration of the selected clips"), enabled_when="selected", context="widget"),
    ActionSpec(A.SELECT_ALL, _t("Select &all clips"), (K.SelectAll,)),
    ActionSpec(A.SETTINGS, _t("Se&ttings…"), ("Ctrl+,",), short=_t("Settings")),
    # Narration
    ActionSpec(A.DETECT, _t("&Detect clips"), ("Ctrl+D",), _t("Find the clips (shots) of the video"),
               _t("Detect"), enabled_when="has_video"),
    ActionSpec(A.NARRATE, _t("&Narrate all"), ("Ctrl+R",), _t("Write storyline and lines"),
               _t("Narrate"), enabled_when="has_clips"),
    ActionSpec(A.NARRATE_SEL, _t("Narrate &selected"), ("Ctrl+Shift+R",),
               enabled_when="selected"),
    ActionSpec(A.REGENERATE, _t("Re&generate line"), ("R",),
               _t("Use the next alternative line for this clip"), enabled_when="selected"),
    ActionSpec(A.SYNTH, _t("S&ynthesize speech"), ("Ctrl+T",), _t("Speak every line"),
               _t("Speak"), enabled_when="has_clips"),
    ActionSpec(A.CANCEL, _t("Cancel job"), ("Esc",), flush=False),
    # View
    ActionSpec(A.PLAY, _t("&Play / pause"), ("Space",), flush=False),
    ActionSpec(A.PLAY_CLIP, _t("Play selected clip"), ("Shift+Space",), flush=False),
    ActionSpec(A.SHUTTLE_BACK, _t("Shuttle back"), ("J",), flush=False),
    ActionSpec(A.SHUTTLE_STOP, _t("Shuttle stop"), ("K",), flush=False),
    ActionSpec(A.SHUTTLE_FORWARD, _t("Shuttle forward"), ("L",), flush=False),
    ActionSpec(A.PREV_FRAME, _t("Previous frame"), ("Left",), flush=False),
    ActionSpec(A.NEXT_FRAME, _t("Next frame"), ("Right",), flush=False),
    ActionSpec(A.PREV_CLIP, _t("Previous clip"), ("Up",), flush=False),
    ActionSpec(A.NEXT_CLIP, _t("Next clip"), ("Down",), flush=False),
    ActionSpec(A.HOME, _t("Go to start"), ("Home",), flush=False),
    ActionSpec(A.END, _t("Go to end"), ("End",), flush=False),
    ActionSpec(A.ZOOM_IN, _t("Zoom &in"), (K.ZoomIn,), short=_t("Zoom in"), flush=False),
    ActionSpec(A.ZOOM_OUT, _t("Zoom &out"), (K.ZoomOut,), short=_t("Zoom out"), flush=False),
    ActionSpec(A.FIT, _t("&Fit timeline"), ("Ctrl+0",), flush=False),
    # Help
    ActionSpec(A.SHORTCUTS, _t("&Keyboard shortcuts"), ("F1",), flush=False),
    ActionSpec(A.LOG_FOLDER, _t("Open &log folder"), flush=False),
    ActionSpec(A.ABOUT, _t("&About SyncNarrator"), flush=False),
)

RECENT = "@recent"  # the Open Recent submenu
MENUS: tuple[tuple[str, tuple[ActionId | str | None, ...]], ...] = (
    (_t("&File"), (A.OPEN, RECENT, None, A.SAVE, A.SAVE_AS, A.EXPORT, A.EXPORT_TIMELINE, None, A.QUIT)),
    (_t("&Edit"), (A.UNDO, A.REDO, None, A.SPLIT, A.MERGE, A.CLEAR_LINE, A.SELECT_ALL, None, A.SETTINGS)),
    (_t("&Narration"), (A.DETECT, A.NARRATE, A.NARRATE_SEL, A.REGENERATE, A.SYNTH, None, A.CANCEL)),
    (_t("&View"), (A.PLAY, A.PLAY_CLIP, A.SHUTTLE_BACK, A.SHUTTLE_STOP, A.SHUTTLE_FORWARD, None, A.PREV_FRAME,
                   A.NEXT_FRAME, A.PREV_CLIP, A.NEXT_CLIP, A.HOME, A.END, None, A.ZOOM_IN, A.ZOOM_OUT, A.FIT)),
    (_t("&Help"), (A.SHORTCUTS, A.LOG_FOLDER, None, A.ABOUT)),
)
TOOLBAR: tuple[ActionId | None, ...] = (
    A.OPEN, A.SAVE, None, A.TOOL_UNDO, A.TOOL_REDO, None, A.DETECT, A.NARRATE, A.SYNTH, A.EXPORT, None,
    A.SPLIT, A.MERGE, None, A.ZOOM_IN, A.ZOOM_OUT, None, A.SETTINGS,
)
# fmt: on
CLIP_CONTEXT_MENU = (A.SPLIT, A.MERGE, A.REGENERATE, A.NARRATE_SEL, A.CLEAR_LINE, A.PLAY_CLIP)


class EditCommands(Protocol):
    """The window's own commands (gui.main_window.MainWindow)."""

    def close(self) -> bool: ...
    def undo(self) -> None: ...
    def redo(self) -> None: ...
    def split_at_playhead(self) -> None: ...
    def merge_selected(self) -> None: ...
    def clear_selected_lines(self) -> None: ...
    def select_all(self) -> None: ...
    def previous_frame(self) -> None: ...
    def next_frame(self) -> None: ...
    def previous_clip(self) -> None: ...
    def next_clip(self) -> None: ...
    def go_to_start(self) -> None: ...
    def go_to_end(self) -> None: ...
    def shortcuts_dialog(self) -> None: ...
    def open_log_folder(self) -> None: ...
    def about_dialog(self) -> None: ...


class PlaybackCommands(Protocol):
    """gui.preview.Preview's transport."""

    def toggle_play(self) -> object: ...
    def play_selected_clip(self) -> object: ...
    def shuttle_back(self) -> object: ...
    def shuttle_stop(self) -> object: ...
    def shuttle_forward(self) -> object: ...


class ZoomCommands(Protocol):
    """gui.timeline.TimelineView's zoom."""

    def zoom_in(self) -> object: ...
    def zoom_out(self) -> object: ...
    def fit(self) -> object: ...


@dataclass(frozen=True)
class Commands:
    """The objects whose methods the actions run."""

    window: EditCommands
    documents: DocumentController
    narration: NarrationCommands
    preview: PlaybackCommands
    timeline: ZoomCommands
    status: JobStatus


def handlers(c: Commands) -> dict[ActionId, Handler]:
    """What each action runs (the registry: a missing or misspelt method is a type error)."""
    return {
        A.OPEN: c.documents.open_dialog,
        A.SAVE: c.documents.save,
        A.SAVE_AS: c.documents.save_as,
        A.EXPORT: c.narration.export_dialog,
        A.EXPORT_TIMELINE: c.narration.export_timeline_dialog,
        A.QUIT: c.window.close,
        A.UNDO: c.window.undo,
        A.REDO: c.window.redo,
        A.TOOL_UNDO: c.window.undo,
        A.TOOL_REDO: c.window.redo,
        A.SPLIT: c.window.split_at_playhead,
        A.MERGE: c.window.merge_selected,
        A.CLEAR_LINE: c.window.clear_selected_lines,
        A.SELECT_ALL: c.window.select_all,
        A.SETTINGS: c.narration.settings_dialog,
        A.DETECT: c.narration.detect,
        A.NARRATE: c.narration.narrate_all,
        A.NARRATE_SEL: c.narration.narrate_selected,
        A.REGENERATE: c.narration.regenerate_current,
        A.SYNTH: c.narration.synthesize,
        A.CANCEL: c.status.cancel,
        A.PLAY: c.preview.toggle_play,
        A.PLAY_CLIP: c.preview.play_selected_clip,
        A.SHUTTLE_BACK: c.preview.shuttle_back,
        A.SHUTTLE_STOP: c.preview.shuttle_stop,
        A.SHUTTLE_FORWARD: c.preview.shuttle_forward,
        A.PREV_FRAME: c.window.previous_frame,
        A.NEXT_FRAME: c.window.next_frame,
        A.PREV_CLIP: c.window.previous_clip,
        A.NEXT_CLIP: c.window.next_clip,
        A.HOME: c.window.go_to_start,
        A.END: c.window.go_to_end,
        A.ZOOM_IN: c.timeline.zoom_in,
        A.ZOOM_OUT: c.timeline.zoom_out,
        A.FIT: c.timeline.fit,
        A.SHORTCUTS: c.window.shortcuts_dialog,
        A.LOG_FOLDER: c.window.open_log_folder,
        A.ABOUT: c.window.about_dialog,
    }

# Single keys that would fire while typing in a field are window-wide only (Qt: WindowShortcut) and the
# window's line edits and text boxes take the key first. Delete clears lines only where "widget"
# actions are added (timeline, preview): in a table or field it deletes text.
SHORTCUT_CONTEXTS = {
    "window": Qt.ShortcutContext.WindowShortcut,
    "widget": Qt.ShortcutContext.WidgetWithChildrenShortcut,
}


class ActionTable(QObject):
    """The QActions built from ACTIONS for one window; look them up with `table[id]`."""

    def __init__(
        self,
        window: QMainWindow,
        run: Mapping[ActionId, Handler],
        flush: Callable[[], None],
        specs: tuple[ActionSpec, ...] = ACTIONS,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.specs = {s.id: s for s in specs}
        missing = sorted(s.id.value for s in specs if s.id not in run)
        if missing:
            raise ValueError(f"actions without a handler: {', '.join(missing)}")
        self.actions: dict[ActionId, QAction] = {}
        for spec in specs:
            self.actions[spec.id] = self._build(spec, run[spec.id], flush)

    def __getitem__(self, action_id: ActionId) -> QAction:
        return self.actions[action_id]

    def _build(self, spec: ActionSpec, run: Callable[[], object], flush: Callable[[], None]) -> QAction:
        action = QAction(tr(spec.text), self.window)
        keys = [QKeySequence(k) for k in spec.shortcuts]
        if keys:
            action.setShortcuts(keys)
        if spec.short:
            action.setIconText(tr(spec.short))
        plain = tr(spec.tip or spec.text).replace("&", "")
        shown = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
        action.setToolTip(f"{plain} ({shown})" if shown else plain)
        action.setShortcutContext(SHORTCUT_CONTEXTS[spec.context])

        def triggered(_checked: bool = False) -> None:
            if spec.flush:
                flush()
            run()

        action.triggered.connect(triggered)
        if spec.context == "window":
            self.window.addAction(action)
        return action

    def add_to_widgets(self, widgets: list[QWidget]) -> None:
        """ "widget"-context actions work only in these widgets (and their children)."""
        for spec in self.specs.values():
            if spec.context == "widget":
                for w in widgets:
                    w.addAction(self.actions[spec.id])

    def build_menus(self, recent: QMenu) -> list[QMenu]:
        menus = []
        for title, ids in MENUS:
            menu = self.window.menuBar().addMenu(tr(title))
            for action_id in ids:
                if action_id is None:
                    menu.addSeparator()
                elif isinstance(action_id, ActionId):
                    menu.addAction(self.actions[action_id])
                elif action_id == RECENT:
                    menu.addMenu(recent)
            menus.append(menu)
        return menus

    def build_toolbar(self) -> QToolBar:
        bar = self.window.addToolBar(tr("Main"))
        bar.setObjectName("mainToolbar")
        bar.setIconSize(QSize(16, 16))
        for action_id in TOOLBAR:
            bar.addSeparator() if action_id is None else bar.addAction(self.actions[action_id])
        return bar

    def context_menu(self, parent: QWidget, ids: tuple[ActionId, ...] = CLIP_CONTEXT_MENU) -> QMenu:
        menu = QMenu(parent)
        for action_id in ids:
            menu.addAction(self.actions[action_id])
        return menu

    def update(self, state: Mapping[str, bool]) -> None:
        """Enable each action whose `enabled_when` key is true in `state`."""
        for spec in self.specs.values():
            if spec.enabled_when:
                self.actions[spec.id].setEnabled(bool(state.get(spec.enabled_when)))

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what) for every action with a shortcut, in table order (the Help's shortcut list)."""
        rows = []
        for spec in self.specs.values():
            act = self.actions[spec.id]
            keys = [
                k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts() if not k.isEmpty()
            ]
            if keys:
                name = re.sub(r"\(&\w\)", "", act.text()).replace("&", "").rstrip("…").strip()
                rows.append((tr(" or ").join(keys), name))
        return rows
