"""The editor's own temp folder for the preview's narration tracks (Qt-free: the helper process writes there).

Created by the GUI process and passed to the helper process with each job, so both use the same folder;
private to this editor process and removed when it exits.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from core.project import Project

_folder: Path | None = None


def preview_dir() -> Path:
    """This editor process's own folder for preview WAVs (created on first use, removed at exit)."""
    global _folder
    if _folder is None or not _folder.is_dir():
        _folder = Path(tempfile.mkdtemp(prefix=f"syncnarrator-preview-{os.getpid()}-"))
        atexit.register(remove_preview_dir)
    return _folder


def remove_preview_dir() -> None:
    """Delete the preview folder and its WAVs (window shutdown, and at exit)."""
    global _folder
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
        _folder = None


def preview_name(project: Project) -> str:
    """A stable name for the narration track of this project state (same state, same file)."""
    key = repr((project.video, project.clips, project.speech)).encode("utf-8")
    return f"narration-{hashlib.sha256(key).hexdigest()[:16]}.wav"
