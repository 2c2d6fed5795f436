"""Where the editor keeps its settings, recent files and crash-recovery copies.

Everything lives under one folder that `SYNCNARRATOR_CONFIG_DIR` overrides, so tests and portable
installs never touch the user's real home.
"""

from __future__ import annotations

import os
import sys
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


LANGUAGES = ("system", "zh_CN", "en")


def language() -> str:
    """The interface language chosen in Settings: "system" (follow the system locale), "zh_CN" or "en"."""
    value = str(settings().value("interface/language", "system") or "system")
    return value if value in LANGUAGES else "system"


def save_language(value: str) -> None:
    s = settings()
    s.setValue("interface/language", value if value in LANGUAGES else "system")
    s.sync()


def log_dir() -> Path:
    """The per-user log folder: $SYNCNARRATOR_LOG_DIR, else beside the settings when they are redirected
    ($SYNCNARRATOR_CONFIG_DIR), else the platform's place for application logs/state:
    Linux ~/.local/state/SyncNarrator/logs, macOS ~/Library/Logs/SyncNarrator,
    Windows %LOCALAPPDATA%\\SyncNarrator\\logs."""
    override = os.environ.get("SYNCNARRATOR_LOG_DIR")
    if override:
        folder = Path(override)
    elif os.environ.get("SYNCNARRATOR_CONFIG_DIR"):
        folder = config_dir() / "logs"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Logs" / "SyncNarrator"
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "SyncNarrator" / "logs"
    else:
        folder = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "SyncNarrator" / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
