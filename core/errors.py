"""Error types that reach the user as one clear line (CLI exit code 2 or an editor dialog)."""

from __future__ import annotations

import logging
import os
import sys


class SyncNarratorError(Exception):
    """Base class for errors caused by the user's input; the message is shown as-is."""

    exit_code = 2


class MediaError(SyncNarratorError):
    """A media file cannot be read or is not a usable video."""


class ProjectError(SyncNarratorError):
    """A project file is missing, malformed, or from a newer version."""


class InputError(SyncNarratorError):
    """Any other bad user input (product JSON, dataset JSONL, arguments)."""


class ExportError(SyncNarratorError):
    """Exporting failed for a reason the user can act on (disk, permissions, ffmpeg message)."""


class Cancelled(Exception):
    """A long job stopped because its cancel token was set."""

    exit_code = 130


class WriteError(SyncNarratorError, OSError):
    """Writing a file the user named failed (full disk, permissions, a vanished folder): exit 2 with one line
    naming that file. Also an OSError (errno kept) so code that handles OSError keeps working."""

    @classmethod
    def from_os_error(cls, path: object, exc: OSError, action: str = "cannot write") -> WriteError:
        reason = "no space left on the disk" if exc.errno == 28 else (exc.strerror or str(exc))
        error = cls(f"{display_path(path)}: {action} ({reason})")
        error.errno, error.strerror, error.filename = exc.errno, exc.strerror, str(path)
        return error

    def __str__(self) -> str:  # the one line, not OSError's "[Errno 28] ..." rendering
        return str(self.args[0]) if self.args else ""


def display_path(path: object) -> str:
    """`path` as one printable line: control characters (newline, ESC, DEL, C1, bidi overrides) escaped."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0 or ch in _BIDI or 0xD800 <= code <= 0xDFFF:
            if code == 0x0A:
                out.append("\\n")
            elif code == 0x0D:
                out.append("\\r")
            elif code == 0x09:
                out.append("\\t")
            elif code <= 0xFF:
                out.append(f"\\x{code:02x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


# Bidirectional overrides/isolates and line/paragraph separators: they reorder or break a terminal line.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


class _WarningLines(logging.Formatter):
    """Log records of core modules as the CLI's own lines: `warning: ...`, names escaped, one line."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {' '.join(display_path(record.getMessage()).split())}"


def log_warnings_to_stderr() -> None:
    """Warnings that core modules log (a damaged voice pack skipped ...) go to stderr as `warning:` lines.
    Called by core.cli.run and in batch's worker processes (which do not run it)."""
    logger = logging.getLogger("core")
    if not any(getattr(h, "_syncnarrator", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_WarningLines())
        handler.setLevel(logging.WARNING)
        handler._syncnarrator = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
