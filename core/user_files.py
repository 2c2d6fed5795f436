"""Files the user names: reading them (product JSON, dataset JSONL) fails with one InputError line;
writing them (temp file then rename) keeps the permissions a plainly written file would have."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

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
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def give_replacement_mode(tmp: str | Path, path: Path) -> None:
    """chmod the temp file `tmp` that will be renamed onto `path` (best effort: some filesystems refuse)."""
    with contextlib.suppress(OSError):
        os.chmod(tmp, replacement_mode(path))
