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
