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


def descendant_pids(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children ...), at the time of the call."""
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in child_pids(todo.pop()):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead child of a dead parent waits for init to reap it)."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
