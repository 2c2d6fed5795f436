"""The document controller: open (video, project, product JSON), save, relink, recover, recent files.

It owns the questions around replacing the window's document (save first? open the backup? where
is the video now?) and reading a video goes through a QueryOp. The window composes it; actions call
it by id (gui/actions.py: "documents.open_dialog", "documents.save", ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from core.errors import InputError, SyncNarratorError
from core.jobs import core_job
from core.media import MediaInfo, probe
from core.pipeline import load_product, load_product_beside, media_summary
from core.project import PROJECT_SUFFIX, Clip, Document, ExportSettings, MediaSummary, Product, Project
from gui import config, dialogs, recovery
from gui.bridge import DocumentBridge
from gui.export_dialog import beside
from gui.hosts import DocumentHost
from gui.i18n import tr
from gui.operations import Operations, QueryOp

if TYPE_CHECKING:
    from gui.recovery import RecoveryManager

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


class DocumentController(QObject):
    """Open, save, relink and recover, for a window seen as a `DocumentHost` (gui/hosts.py); `detect` starts
    clip detection on a newly opened video (NarrationCommands.detect)."""

    def __init__(
        self,
        host: DocumentHost,
        bridge: DocumentBridge,
        operations: Operations,
        recovery: RecoveryManager,
        detect: Callable[[bool], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.bridge = bridge
        self.operations = operations
        self.recovery = recovery
        self.detect = detect
        self.recent_menu = QMenu(tr("Open &Recent"), host.window())
        self.recent_menu.aboutToShow.connect(self.fill_recent)

    # -- replacing the document
    def confirm_discard(self) -> bool:
        """True when the current document may be replaced (saved, discarded or clean)."""
        self.host.flush_edits()
        doc = self.bridge.document
        if not doc.dirty:
            return True
        answer = dialogs.ask_save_discard_cancel(self.host.window(), doc.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def open_dialog(self) -> None:
        path = dialogs.choose_open_file(self.host.window(), "", "", config.last_folder())
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path, auto_narrate: bool = False) -> bool:
        """Open a project (.narr.json) or a video; errors become one-line dialogs.

        The file is read first; only a file that opens replaces the current document (after asking to save).
        """
        w = self.host
        path = Path(path)
        if not path.exists():
            w.show_error(tr("Open"), InputError(f"{path}: no such file"))
            return False
        if path.is_dir():
            w.show_error(tr("Open"), InputError(f"{path}: is a folder, not a video or project"))
            return False
        if is_product_file(path):
            return self.import_product(path)
        if is_project_file(path):
            try:
                doc = Document.open(path)
            except SyncNarratorError as exc:
                backup_doc = self._open_previous_save(path, exc)
                if backup_doc is None:
                    return False
                doc = backup_doc
            if not self.confirm_discard():
                return False
            w.set_document(doc)
            config.add_recent_file(path)
            config.set_last_folder(path)
            w.show_message(
                tr("Opened the previous save of {name}: Save replaces the damaged file").format(
                    name=path.name
                )
                if doc.dirty
                else tr("Opened {name}").format(name=path.name)
            )
            if doc.project.video_missing:
                self.offer_relink()
            return True
        if path.suffix.lower() not in VIDEO_SUFFIXES:
            w.show_error(tr("Open"), InputError(f"{path}: not a video or SyncNarrator project"))
            return False
        self.operations.query(
            QueryOp[MediaInfo](
                tr("Reading video"),
                core_job(probe, path),
                lambda info: self._video_probed(path, media_summary(info), auto_narrate),
            )
        )
        return True

    def _open_previous_save(self, path: Path, exc: SyncNarratorError) -> Document | None:
        """A damaged project whose last good save survived as `.bak`: offer that (neither file is touched)."""
        w = self.host
        backup = getattr(exc, "backup", None)
        if backup is None:
            w.show_error(tr("Open project"), exc)
            return None
        if not dialogs.ask_open_backup(w.window(), dialogs.one_line(exc)):
            w.show_message(dialogs.one_line(exc))
            return None
        try:
            return recovery.open_backup(path, Path(backup))
        except SyncNarratorError as backup_exc:
            w.show_error(tr("Open previous save"), backup_exc)
            return None

    def import_product(self, path: Path) -> bool:
        """A product JSON ({name, attributes}) replaces the current project's product knowledge."""
        w = self.host
        title = tr("Import product")
        try:
            product = load_product(path)  # the command line's loader and errors
        except SyncNarratorError as exc:
            w.show_error(title, exc)
            return False
        self.bridge.edit(tr("Import product"), lambda p: replace(p, product=product))
        w.show_product_tab()
        w.show_message(tr("Product knowledge from {name}").format(name=path.name))
        return True

    def _video_probed(self, path: Path, media: MediaSummary, auto_narrate: bool = False) -> None:
        w = self.host
        if not self.confirm_discard():  # asked only now that the video is known to open
            return
        card: Product | None = None
        try:
            card = load_product_beside(path)  # VIDEO.product.json: the command line's loader and errors
        except SyncNarratorError as exc:  # shown (the CLI refuses it too); the video still opens
            w.show_error(tr("Product knowledge"), exc)
        product = card or Product()
        project = Project(
            video=str(path.resolve()),
            media=media,
            product=product,
            clips=(Clip(0, media.duration_ms),),
            export=replace(ExportSettings(), burn_subtitles=config.default_burn_subtitles()),
        )
        doc = Document(project)
        doc.mark_saved()  # nothing to lose yet
        w.set_document(doc)
        config.add_recent_file(path)
        config.set_last_folder(path)
        w.show_message(
            tr("Opened {name}: {width}×{height}, {seconds} s").format(
                name=path.name,
                width=media.width,
                height=media.height,
                seconds=f"{media.duration_ms / 1000:.1f}",
            )
        )
        # A product card beside the video (X.product.json) is all the narrator needs: lines are proposed
        # at once, as for the demo. Without one the window says what to add (a banner, not a question).
        if card is None and not auto_narrate:
            w.show_product_banner(path)
        self.detect(auto_narrate or card is not None)

    def offer_relink(self) -> None:
        w = self.host
        video = self.bridge.project.video
        name = Path(video).name if video else ""
        if not dialogs.ask_yes_no(
            w.window(),
            tr("Video missing"),
            tr("{video}: the video is missing. Choose its new location?").format(video=video),
        ):
            w.show_message(
                tr("{name}: video missing (File ▸ Open a project again to relink)").format(name=name)
            )
            return
        new = dialogs.choose_open_file(w.window(), tr("Locate the video"), dialogs.video_filter(), config.last_folder())
        if not new:
            return
        new_path = str(Path(new).resolve())
        self.bridge.edit(
            tr("Relink video"), lambda p: replace(p, video=new_path)
        )  # videoChanged reloads views

    # -- saving
    def save(self) -> bool:
        w = self.host
        doc = self.bridge.document
        if doc.path is None:
            return self.save_as()
        try:
            doc.save()
        except (SyncNarratorError, OSError) as exc:
            w.show_error(tr("Save"), exc)
            return False
        config.add_recent_file(doc.path)
        self.recovery.discard()
        w.show_message(tr("Saved {name}").format(name=doc.path.name))
        return True

    def save_as(self) -> bool:
        w = self.host
        doc = self.bridge.document
        if doc.path is not None:
            start = str(doc.path)
        elif doc.project.video:
            start = str(beside(Path(doc.project.video), Path(doc.project.video).stem + PROJECT_SUFFIX))
        else:
            start = str(Path.home() / ("untitled" + PROJECT_SUFFIX))
        path = dialogs.choose_save_file(w.window(), tr("Save project as"), start)
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
            w.show_error(tr("Save"), exc)
            return False
        config.add_recent_file(path)
        self.recovery.discard()
        w.show_message(tr("Saved {name}").format(name=Path(path).name))
        return True

    # -- recent files and crash recovery
    def fill_recent(self) -> None:
        self.recent_menu.clear()
        files = config.recent_files()
        if not files:
            self.recent_menu.addAction(tr("(none)")).setEnabled(False)
        for path in files:
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_path(p))

    def offer_recovery(self) -> bool:
        w = self.host
        orphans = recovery.find_orphans()
        if not orphans:
            return False
        orphan = orphans[0]
        if dialogs.ask_yes_no(
            w.window(),
            tr("Recover work"),
            tr("SyncNarrator did not close properly. Recover {what}?").format(what=orphan.describe()),
        ):
            try:
                doc = recovery.restore(orphan)
            except SyncNarratorError as exc:
                w.show_error(tr("Recover"), exc)
                return False
            w.set_document(doc)
            for o in orphans:
                recovery.remove(o)
            w.show_message(tr("Recovered unsaved work; save it to keep it"))
            if doc.project.video_missing:
                self.offer_relink()
            return True
        for o in orphans:
            recovery.remove(o)
        return False
