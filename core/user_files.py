"""Files the user names: reading them (product JSON, dataset JSONL) fails with one InputError line;
writing them (temp file then rename) keeps the permissions a plainly written file would have."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from core.errors import InputError


def read_user_text(path: Path, what: str) -> str:
    """The UTF-8 text of `path`; `what` names the kind of file in messages ("product file").
    Size-limited, pipes and devices refused, a file cut inside a character called damaged (core.parsing)."""
    from core.parsing import read_text

    return read_text(Path(path), what, InputError)


def replacement_mode(path: Path) -> int:
    """Permissions for a file written to a temp file and renamed onto `path`: those of the file it
    replaces, else what a plainly created file gets (mkstemp's 0600 would hide it from other users)."""
    with contextlib.suppress(OSError):
        return os.stat(path).st_mode & 0o7777
    return 0o666 & ~current_umask()


def _umask_from_proc() -> int | None:
    """The process umask as Linux reports it (read-only: no window in which it is changed)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            match = re.search(r"^Umask:\s*([0-7]+)", fh.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1), 8) if match else None


_umask_lock = threading.Lock()
_startup_umask: int | None = None


def current_umask() -> int:
    """The process umask without setting it to 0 while other threads may be creating files.

    Linux: read from /proc/self/status. Elsewhere os.umask() is the only way to read it, which briefly
    sets it; that is done once, under a lock, at import (start-up, before worker threads), and remembered.
    """
    mask = _umask_from_proc()
    if mask is not None:
        return mask
    global _startup_umask
    with _umask_lock:
        if _startup_umask is None:
            _startup_umask = os.umask(0o022)
            os.umask(_startup_umask)
        return _startup_umask


if _umask_from_proc() is None:  # read it now, while the process is still single-threaded
    current_umask()


def give_replacement_mode(tmp: str | Path, path: Path) -> None:
    """chmod the temp file `tmp` that will be renamed onto `path` (best effort: some filesystems refuse)."""
    with contextlib.suppress(OSError):
        os.chmod(tmp, replacement_mode(path))


@contextmanager
def atomic_file(
    path: Path, mode: str = "wb", *, suffix: str = ".tmp", fsync: bool = True, mode_of: Path | None = None
) -> Iterator[IO[Any]]:
    """The one atomic write: yields a temp file beside `path`; when the block ends it is flushed, fsynced
    and renamed onto `path` (all or nothing). On any error the temp file is removed and the error raised.

    The temp file is named by `core.leftovers.temp_prefix` (a killed run's temp is swept later) and gets
    the permissions a plainly written file would have (those of `mode_of`, default the file it replaces).
    """
    from core import leftovers

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=leftovers.temp_prefix(path), suffix=suffix, dir=path.resolve().parent)
    try:
        give_replacement_mode(tmp, mode_of or path)
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: bytes, *, fsync: bool = True, mode_of: Path | None = None) -> None:
    """`data` into `path` all or nothing (see `atomic_file`)."""
    with atomic_file(path, "wb", fsync=fsync, mode_of=mode_of) as fh:
        fh.write(data)


def utf8_text(text: str) -> str:
    """`text` writable as UTF-8: a file name that is not UTF-8 (Latin-1 bytes, surrogate-escaped by Python)
    keeps its valid parts and shows U+FFFD for each undecodable byte. For reports, which name files for
    people to read; never for a path the program reads back (those are refused up front instead)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

