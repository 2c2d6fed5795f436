"""Names of the temporary things an export puts beside its output, and the sweep of those a killed run left.

A run that is cancelled or fails removes its own partial files and work folder. A run killed outright
(`kill -9`, power loss) cannot, so the names carry the writer's process id and the next export (or project
save, or dataset write) into the same folder removes those whose process is gone:
`.syncnarrator-export-PID-XXXX/` work folders, `.NAME.PID-XXXX.partial.EXT` export files and
`.NAME.PID-XXXX.tmp` / `.part` temp files of atomic saves. Another run's live files (its process still
exists) are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

WORK_PREFIX = ".syncnarrator-export-"
_WORK_RE = re.compile(r"^\.syncnarrator-export-(\d+)-[A-Za-z0-9_]+$")
_PARTIAL_RE = re.compile(r"^\..*\.(\d+)-[A-Za-z0-9_]+\.partial(\.[A-Za-z0-9]+)?$", re.DOTALL)
_TEMP_RE = re.compile(r"^\..*\.(\d+)-[A-Za-z0-9_]+\.(tmp|part)$", re.DOTALL)


def work_prefix() -> str:
    """mkdtemp prefix of an export's work folder (beside the output)."""
    return f"{WORK_PREFIX}{os.getpid()}-"


def partial_prefix(target: Path) -> str:
    """mkstemp prefix of a hidden partial file for `target` (suffix: `.partial` + the target's suffix)."""
    return f".{Path(target).stem}.{os.getpid()}-"


def temp_prefix(target: Path) -> str:
    """mkstemp prefix of the temp file an atomic save renames onto `target` (suffix `.tmp` or `.part`)."""
    return f".{Path(target).name}.{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows: never guess there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def stale_leftovers(folder: Path) -> list[Path]:
    """Work folders and partial files in `folder` whose writing process no longer exists."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = _WORK_RE.match(entry.name) or _PARTIAL_RE.match(entry.name) or _TEMP_RE.match(entry.name)
        if m is None or _alive(int(m.group(1))):
            continue
        try:
            if entry.is_symlink():
                continue
        except OSError:
            continue
        found.append(Path(entry.path))
    return found


def sweep(folder: Path | str) -> list[Path]:
    """Remove what killed runs left in `folder` (best effort, silent); returns what was removed."""
    removed = []
    for path in stale_leftovers(Path(folder)):
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed
