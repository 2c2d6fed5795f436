"""Core jobs for the editor's helper processes in tests: module-level, so they pickle by name and the
spawned helper imports them from here (a threading.Event cannot cross a process: the gate is a file)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from core.jobs import CancelToken
from core.narration.registry import SharedNarrator, _loaded
from core.project import Project
from core.speech import FitResult


def gated_speech(
    project: Project, index: int, gate: str, wav: str, *, cancel: CancelToken | None = None
) -> FitResult:
    """Stands in for one clip's speech in the voice helper process: says it started (`gate`.started, with
    its process id), then 'speaks' once the file `gate` exists (cancel stops it, as a changed line does)."""
    Path(gate + ".started").write_text(f"{os.getpid()} {index}", encoding="utf-8")
    while not Path(gate).exists():
        if cancel is not None:
            cancel.raise_if_cancelled()
        time.sleep(0.02)
    clip = project.clips[index]
    room = clip.duration_ms - project.speech.lead_ms - project.speech.tail_ms
    return FitResult(clip.narration.strip(), Path(wav), project.speech.lead_ms, min(500, room), room, 100, 1.0, True)


def no_voice(*, cancel: CancelToken | None = None) -> bool:
    """The voice's warm-up, skipped (the speech is `gated_speech`)."""
    return True


def narrator_here(narrator: SharedNarrator) -> tuple[int, int, bool]:
    """(process id, id of this process's narrator, whether it was loaded before this call): two answers
    alike mean the same warm process kept the same narrator."""
    loaded = (narrator.kind, narrator.model_dir) in _loaded
    return os.getpid(), id(narrator.narrator), loaded


def process_id() -> int:
    return os.getpid()
