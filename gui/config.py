"""Where the editor keeps its settings, recent files and crash-recovery copies.

Everything lives under one folder that `SYNCNARRATOR_CONFIG_DIR` overrides, so tests and portable
installs never touch the user's real home.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

MAX_RECENT = 10
NARRATOR_BACKENDS = ("embedded", "llm")


def config_dir() -> Path:
    """The settings folder: $SYNCNARRATOR_CONFIG_DIR or the platform's per-user config location."""
    override = os.environ.get("SYNCNARRATOR_CONFIG_DIR")
    if override:
        folder = Path(override)
    else:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
        folder = Path(base or Path.home() / ".config") / "SyncNarrator"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def recovery_dir() -> Path:
    folder = config_dir() / "recovery"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def settings() -> QSettings:
    """An INI file in config_dir(); never the registry or ~/.config/<org> directly."""
    return QSettings(str(config_dir() / "settings.ini"), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if str(v)]


def add_recent_file(path: str | Path) -> list[str]:
    path = str(Path(path).resolve())
    items = [p for p in recent_files() if p != path]
    items.insert(0, path)
    items = items[:MAX_RECENT]
    s = settings()
    s.setValue("recent", items)
    s.sync()
    return items


def narrator_backend() -> str:
    value = str(settings().value("narrator/backend", "embedded"))
    return value if value in NARRATOR_BACKENDS else "embedded"


def model_dir() -> str:
    return str(settings().value("narrator/model_dir", "") or "")


def save_narrator_settings(backend: str, model_folder: str) -> None:
    s = settings()
    s.setValue("narrator/backend", backend)
    s.setValue("narrator/model_dir", model_folder)
    s.sync()


def default_burn_subtitles() -> bool:
    """Burn subtitles into new projects' exports (on unless the user turned it off last time)."""
    value = settings().value("export/burn_subtitles", True)
    return str(value).lower() not in ("false", "0", "no")


def set_default_burn_subtitles(on: bool) -> None:
    s = settings()
    s.setValue("export/burn_subtitles", bool(on))
    s.sync()
