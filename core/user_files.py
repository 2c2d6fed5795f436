"""Reading files the user names (product JSON, dataset JSONL): every failure is one InputError line."""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError


def read_user_text(path: Path, what: str) -> str:
    """The UTF-8 text of `path`; `what` names the kind of file in messages ("product file")."""
    if path.exists() and not path.is_file() and not path.is_dir():  # reading a pipe would block forever
        raise InputError(f"{path}: is not a regular file (a pipe or device)")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a {what}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
