"""The editor's log: `logging` to a rotating file in the per-user log folder, faulthandler beside it.

`editor.log` (1 MB x 3 files) gets every error with its traceback, so error dialogs can stay one line
and point here; `crash.log` receives faulthandler's dump when the process dies natively (segfault,
abort), which Python's logging never sees. Help ▸ Open log folder shows the folder.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import platform
import sys
from pathlib import Path
from typing import IO

from gui.config import log_dir

LOG_NAME = "editor.log"
CRASH_NAME = "crash.log"
MAX_BYTES = 1_000_000
BACKUPS = 3

log = logging.getLogger("syncnarrator")
_handler: logging.Handler | None = None
_crash_file: IO[str] | None = None


def log_file() -> Path:
    return log_dir() / LOG_NAME


def crash_file() -> Path:
    return log_dir() / CRASH_NAME


def setup(version: str = "") -> Path:
    """Start logging to the rotating file and enable faulthandler into crash.log; returns the log file.

    Safe to call twice (the second call changes nothing).
    """
    global _handler, _crash_file
    path = log_file()
    if _handler is None:
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        _handler = handler
        log.info(
            "SyncNarrator %s started (Python %s, %s)",
            version or "?",
            platform.python_version(),
            platform.platform(),
        )
    if _crash_file is None:
        try:
            _crash_file = open(crash_file(), "a", encoding="utf-8")  # noqa: SIM115  (open for the process's life)
            faulthandler.enable(_crash_file, all_threads=True)
        except OSError:
            _crash_file = None
            if sys.stderr is not None:
                faulthandler.enable()
    return path


def shutdown() -> None:
    """Stop writing (tests; a clean exit also closes the files)."""
    global _handler, _crash_file
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
        _handler = None
    if _crash_file is not None:
        faulthandler.disable()
        _crash_file.close()
        _crash_file = None


def log_error(title: str, exc: BaseException, details: str = "") -> None:
    """Record an error the user was shown (with its traceback when there is one)."""
    from core.errors import SyncNarratorError

    if isinstance(exc, SyncNarratorError) and not details:
        log.warning("%s: %s", title, exc)
    else:
        log.error("%s: %s: %s\n%s", title, type(exc).__name__, exc, details.rstrip())
