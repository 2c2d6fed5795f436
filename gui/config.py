"""Where the editor keeps its settings, recent files and crash-recovery copies.

Everything lives under one folder that `SYNCNARRATOR_CONFIG_DIR` overrides, so tests and portable
installs never touch the user's real home.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from core import defaults, platform
from core.narration.registry import SharedNarrator

MAX_RECENT = 10
NARRATOR_BACKENDS = defaults.NARRATOR_KINDS


def config_dir() -> Path:
    """The settings folder: $SYNCNARRATOR_CONFIG_DIR or the platform's per-user config location."""
    return platform.config_dir()


def recovery_dir() -> Path:
    folder = config_dir() / "recovery"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def settings() -> QSettings:
    """An INI file in config_dir(); never the registry or ~/.config/<org> directly."""
    return QSettings(str(config_dir() / "settings.ini"), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    items = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    return [str(v) for v in items if str(v)]


def add_recent_file(path: str | Path) -> list[str]:
    path = str(Path(path).resolve())
    items = [p for p in recent_files() if p != path]
    items.insert(0, path)
    items = items[:MAX_RECENT]
    s = settings()
    s.setValue("recent", items)
    s.sync()
    return items


def last_folder() -> str:
    """The folder of the last video or project opened (File > Open starts there); "" when none yet or gone."""
    value = str(settings().value("open/last_folder", "") or "")
    return value if value and Path(value).is_dir() else ""


def set_last_folder(path: str | Path) -> None:
    """Remember the folder of a file just opened (its parent) for the next Open dialog."""
    folder = Path(path).resolve()
    folder = folder if folder.is_dir() else folder.parent
    s = settings()
    s.setValue("open/last_folder", str(folder))
    s.sync()


def narrator_backend() -> str:
    value = str(settings().value("narrator/backend", defaults.NARRATOR_KIND))
    return value if value in NARRATOR_BACKENDS else defaults.NARRATOR_KIND


def model_dir() -> str:
    return str(settings().value("narrator/model_dir", "") or "")


def narrator() -> SharedNarrator:
    """The chosen narrator, as the editor's jobs take it (created once in the helper process)."""
    return SharedNarrator(narrator_backend(), model_dir())


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
    """The per-user log folder: $SYNCNARRATOR_LOG_DIR, else beside the settings when those are redirected
    ($SYNCNARRATOR_CONFIG_DIR: tests, portable installs), else the platform's log folder
    (core.platform.log_dir: ~/.local/state/SyncNarrator/log on Linux, ~/Library/Logs/SyncNarrator on macOS,
    %LOCALAPPDATA%\\SyncNarrator\\Logs on Windows)."""
    if not platform.env("SYNCNARRATOR_LOG_DIR") and platform.env("SYNCNARRATOR_CONFIG_DIR"):
        folder = config_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return platform.log_dir()
