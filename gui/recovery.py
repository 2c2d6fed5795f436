"""Crash safety: autosave unsaved work to a recovery folder and offer it back after a crash.

Each running editor holds a QLockFile; its autosave is an orphan only when that lock is stale
(the process died), so two editors running side by side never steal each other's work.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer

from core.project import Document, Project, load_project, save_project
from gui.bridge import DocumentBridge
from gui.config import recovery_dir
from gui.i18n import tr

AUTOSAVE_MS = 30_000  # periodic safety net
IDLE_SAVE_MS = 2_000  # after each edit, once editing pauses this long


@dataclass(frozen=True)
class Orphan:
    """Autosaved work of an editor that did not close cleanly."""

    project_file: Path
    meta_file: Path
    lock_file: Path
    original: str | None  # the project file it belonged to (None: never saved)
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        name = Path(self.original).name if self.original else tr("an unsaved project")
        return tr("{name}, saved for recovery at {time}").format(name=name, time=when)


class RecoveryManager(QObject):
    """Writes `autosave-<pid>.narr.json` IDLE_SAVE_MS after each edit (debounced) and every AUTOSAVE_MS
    while the document is dirty, so a crash (even `kill -9`) loses at most the last ~2 s of editing."""

    def __init__(
        self,
        bridge: DocumentBridge,
        parent: QObject | None = None,
        interval_ms: int = AUTOSAVE_MS,
        idle_ms: int = IDLE_SAVE_MS,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.folder = recovery_dir()
        tag = f"{os.getpid()}-{id(self):x}"
        self.project_file = self.folder / f"autosave-{tag}.narr.json"
        self.meta_file = self.folder / f"autosave-{tag}.json"
        self.lock = QLockFile(str(self.folder / f"autosave-{tag}.lock"))
        self.lock.setStaleLockTime(0)
        self.lock.tryLock(100)
        self.saves = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(idle_ms)
        self.idle_timer.timeout.connect(self.autosave)
        bridge.projectChanged.connect(
            self.idle_timer.start
        )  # restarted by every edit: saves when editing pauses

    def autosave(self) -> bool:
        """Write the recovery copy if there are unsaved changes; drop it when there are none."""
        doc = self.bridge.document
        if not doc.dirty:
            self.discard()
            return False
        try:
            save_project(doc.project, self.project_file)
            meta = {"original": str(doc.path) if doc.path else None, "saved_at": time.time()}
            self.meta_file.write_text(json.dumps(meta), encoding="utf-8")
        except OSError:
            return False  # a full disk must not interrupt editing; the next tick retries
        self.saves += 1
        return True

    def discard(self) -> None:
        for f in (
            self.project_file,
            self.meta_file,
            self.project_file.with_name(self.project_file.name + ".bak"),
        ):
            f.unlink(missing_ok=True)

    def close(self) -> None:
        """Clean shutdown: nothing to recover next time."""
        self.timer.stop()
        self.idle_timer.stop()
        self.discard()
        self.lock.unlock()


def find_orphans() -> list[Orphan]:
    """Autosaves whose editor is gone (stale lock), newest first."""
    out: list[Orphan] = []
    folder = recovery_dir()
    for project_file in folder.glob("autosave-*.narr.json"):
        tag = project_file.name[len("autosave-") : -len(".narr.json")]
        lock_path = folder / f"autosave-{tag}.lock"
        lock = QLockFile(str(lock_path))
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            continue  # that editor is still running
        lock.unlock()
        meta_file = folder / f"autosave-{tag}.json"
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        original = meta.get("original") if isinstance(meta, dict) else None
        saved_at = (
            float(meta.get("saved_at", project_file.stat().st_mtime)) if isinstance(meta, dict) else 0.0
        )
        out.append(Orphan(project_file, meta_file, lock_path, original, saved_at))
    return sorted(out, key=lambda o: o.saved_at, reverse=True)


def restore(orphan: Orphan) -> Document:
    """The recovered project as an unsaved document that saves back to its original file."""
    project: Project = load_project(orphan.project_file)
    doc = Document(project)
    if orphan.original:
        doc.path = Path(orphan.original)
    return doc


def open_backup(path: Path, backup: Path) -> Document:
    """The previous save of a damaged project, as an unsaved document that saves to `path`.

    Neither file is touched: the next Save replaces the damaged file atomically (save_project).
    """
    doc = Document(load_project(Path(backup)))  # no path yet: nothing saved, so it is dirty
    doc.path = Path(path)
    return doc


def remove(orphan: Orphan) -> None:
    for f in (
        orphan.project_file,
        orphan.meta_file,
        orphan.lock_file,
        orphan.project_file.with_name(orphan.project_file.name + ".bak"),
    ):
        try:
            f.unlink(missing_ok=True)
        except OSError:
            pass
