"""Every command of the editor as data (model: Picard's MainAction table): one row per action.

A row gives the action's id, text, shortcuts, tooltip, the method it runs ("owner.method", resolved
against the objects the window registers: window, documents, narration, preview, timeline), when it
is enabled, its shortcut context and whether it commits pending typing first. MENUS and TOOLBAR place
actions by id. Views never hold actions: they look them up by id (`window.action("split")`).

To add a command: add a row here (text wrapped in QT_TRANSLATE_NOOP, then `scripts/build_translations.py`),
place its id in MENUS/TOOLBAR, and implement the method it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidget

from gui.i18n import QT_TRANSLATE_NOOP, tr

K = QKeySequence.StandardKey
Shortcut = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str  # menu text with & mnemonic (translated where shown)
    slot: str  # "owner.method" (see ActionTable.bind)
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
    ActionSpec("open", _t("&Open…"), "documents.open_dialog", (K.Open,), _t("Open a video or project"), _t("Open")),
    ActionSpec("save", _t("&Save"), "documents.save", (K.Save,), short=_t("Save")),
    ActionSpec("save_as", _t("Save &As…"), "documents.save_as", (K.SaveAs,)),
    ActionSpec("export", _t("&Export…"), "narration.export_dialog", ("Ctrl+E",), _t("Export the narrated video"),
               _t("Export"), enabled_when="has_clips"),
    ActionSpec("export_timeline", _t("Export &timeline…"), "narration.export_timeline_dialog",
               tip=_t("OpenTimelineIO timeline for other editors (Resolve, Premiere, Final Cut)"),
               enabled_when="has_clips"),
    ActionSpec("quit", _t("&Quit"), "window.close", (K.Quit,)),
    # Edit
    ActionSpec("undo", _t("&Undo"), "window.undo", (K.Undo,), enabled_when="can_undo"),
    ActionSpec("redo", _t("&Redo"), "window.redo", (K.Redo,), enabled_when="can_redo"),
    ActionSpec("tool_undo", _t("Undo"), "window.undo", enabled_when="can_undo"),  # toolbar: fixed text
    ActionSpec("tool_redo", _t("Redo"), "window.redo", enabled_when="can_redo"),
    ActionSpec("split", _t("&Split at playhead"), "window.split_at_playhead", ("S", "Ctrl+B"), short=_t("Split"),
               enabled_when="has_clips"),  # Ctrl+B: CapCut's habit
    ActionSpec("merge", _t("&Merge with next"), "window.merge_selected", ("M",), short=_t("Merge"),
               enabled_when="selected"),
    ActionSpec("clear_line", _t("&Clear line"), "window.clear_selected_lines", ("Delete",),
               _t("Remove the narration of the selected clips"), enabled_when="selected", context="widget"),
    ActionSpec("select_all", _t("Select &all clips"), "window.select_all", (K.SelectAll,)),
    ActionSpec("settings", _t("Se&ttings…"), "narration.settings_dialog", ("Ctrl+,",), short=_t("Settings")),
    # Narration
    ActionSpec("detect", _t("&Detect clips"), "narration.detect", ("Ctrl+D",), _t("Find the clips (shots) of the video"),
               _t("Detect"), enabled_when="has_video"),
    ActionSpec("narrate", _t("&Narrate all"), "narration.narrate_all", ("Ctrl+R",), _t("Write storyline and lines"),
               _t("Narrate"), enabled_when="has_clips"),
    ActionSpec("narrate_sel", _t("Narrate &selected"), "narration.narrate_selected", ("Ctrl+Shift+R",),
               enabled_when="selected"),
    ActionSpec("regenerate", _t("Re&generate line"), "narration.regenerate_current", ("R",),
               _t("Use the next alternative line for this clip"), enabled_when="selected"),
    ActionSpec("synth", _t("S&ynthesize speech"), "narration.synthesize", ("Ctrl+T",), _t("Speak every line"),
               _t("Speak"), enabled_when="has_clips"),
    ActionSpec("cancel", _t("Cancel job"), "status.cancel", ("Esc",), flush=False),
    # View
    ActionSpec("play", _t("&Play / pause"), "preview.toggle_play", ("Space",), flush=False),
    ActionSpec("play_clip", _t("Play selected clip"), "preview.play_selected_clip", ("Shift+Space",), flush=False),
    ActionSpec("shuttle_back", _t("Shuttle back"), "preview.shuttle_back", ("J",), flush=False),
    ActionSpec("shuttle_stop", _t("Shuttle stop"), "preview.shuttle_stop", ("K",), flush=False),
    ActionSpec("shuttle_forward", _t("Shuttle forward"), "preview.shuttle_forward", ("L",), flush=False),
    ActionSpec("prev_frame", _t("Previous frame"), "window.previous_frame", ("Left",), flush=False),
    ActionSpec("next_frame", _t("Next frame"), "window.next_frame", ("Right",), flush=False),
    ActionSpec("prev_clip", _t("Previous clip"), "window.previous_clip", ("Up",), flush=False),
    ActionSpec("next_clip", _t("Next clip"), "window.next_clip", ("Down",), flush=False),
    ActionSpec("home", _t("Go to start"), "window.go_to_start", ("Home",), flush=False),
    ActionSpec("end", _t("Go to end"), "window.go_to_end", ("End",), flush=False),
    ActionSpec("zoom_in", _t("Zoom &in"), "timeline.zoom_in", (K.ZoomIn,), short=_t("Zoom in"), flush=False),
    ActionSpec("zoom_out", _t("Zoom &out"), "timeline.zoom_out", (K.ZoomOut,), short=_t("Zoom out"), flush=False),
    ActionSpec("fit", _t("&Fit timeline"), "timeline.fit", ("Ctrl+0",), flush=False),
    # Help
    ActionSpec("shortcuts", _t("&Keyboard shortcuts"), "window.shortcuts_dialog", ("F1",), flush=False),
    ActionSpec("log_folder", _t("Open &log folder"), "window.open_log_folder", flush=False),
    ActionSpec("about", _t("&About SyncNarrator"), "window.about_dialog", flush=False),
)

RECENT = "@recent"  # the Open Recent submenu
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (_t("&File"), ("open", RECENT, None, "save", "save_as", "export", "export_timeline", None, "quit")),
    (_t("&Edit"), ("undo", "redo", None, "split", "merge", "clear_line", "select_all", None, "settings")),
    (_t("&Narration"), ("detect", "narrate", "narrate_sel", "regenerate", "synth", None, "cancel")),
    (_t("&View"), ("play", "play_clip", "shuttle_back", "shuttle_stop", "shuttle_forward", None, "prev_frame",
                   "next_frame", "prev_clip", "next_clip", "home", "end", None, "zoom_in", "zoom_out", "fit")),
    (_t("&Help"), ("shortcuts", "log_folder", None, "about")),
)
TOOLBAR: tuple[str | None, ...] = (
    "open", "save", None, "tool_undo", "tool_redo", None, "detect", "narrate", "synth", "export", None,
    "split", "merge", None, "zoom_in", "zoom_out", None, "settings",
)
# fmt: on
CLIP_CONTEXT_MENU = ("split", "merge", "regenerate", "narrate_sel", "clear_line", "play_clip")

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
        owners: Mapping[str, object],
        flush: Callable[[], None],
        specs: tuple[ActionSpec, ...] = ACTIONS,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.specs = {s.id: s for s in specs}
        self.actions: dict[str, QAction] = {}
        for spec in specs:
            self.actions[spec.id] = self._build(spec, self._resolve(owners, spec.slot), flush)

    def __getitem__(self, action_id: str) -> QAction:
        return self.actions[action_id]

    @staticmethod
    def _resolve(owners: Mapping[str, object], slot: str) -> Callable[[], object]:
        owner, _, method = slot.partition(".")
        return getattr(owners[owner], method)  # type: ignore[no-any-return]

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
                elif action_id == RECENT:
                    menu.addMenu(recent)
                else:
                    menu.addAction(self.actions[action_id])
            menus.append(menu)
        return menus

    def build_toolbar(self) -> QToolBar:
        bar = self.window.addToolBar(tr("Main"))
        bar.setObjectName("mainToolbar")
        bar.setIconSize(QSize(16, 16))
        for action_id in TOOLBAR:
            bar.addSeparator() if action_id is None else bar.addAction(self.actions[action_id])
        return bar

    def context_menu(self, parent: QWidget, ids: tuple[str, ...] = CLIP_CONTEXT_MENU) -> QMenu:
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
