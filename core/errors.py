"""Error types that reach the user as one clear line (CLI exit code 2 or an editor dialog)."""

from __future__ import annotations


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
        from core.output_guard import display_path

        reason = "no space left on the disk" if exc.errno == 28 else (exc.strerror or str(exc))
        error = cls(f"{display_path(path)}: {action} ({reason})")
        error.errno, error.strerror, error.filename = exc.errno, exc.strerror, str(path)
        return error

    def __str__(self) -> str:  # the one line, not OSError's "[Errno 28] ..." rendering
        return str(self.args[0]) if self.args else ""
