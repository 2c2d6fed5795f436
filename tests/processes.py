"""Process inspection for tests that check nothing is left running (Linux /proc)."""

from __future__ import annotations

import os
from pathlib import Path


def child_pids(pid: int | None = None) -> list[int]:
    """Direct children of `pid` (default: this process)."""
    parent = os.getpid() if pid is None else pid
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found
