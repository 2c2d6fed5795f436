"""Split (S) and merge (M) that keep the narration sensible, each one undo step.

A split used to leave the whole line on the first half (now too long for it) and the second half
empty; a merge glued two lines together without a pause. Now:
- split: the user is offered a new line for each half; or the line stays on the half where it fits
  (the other half gets a new line). A locked line (the user's own text) is never rewritten without
  that answer. The narrator's lines are merged into the split's undo step.
- merge: the lines are joined with a pause between them and the merged line's fit is shown; a
  joined line that cannot fit and is not locked is rewritten for the merged clip by the narrator (in
  the same undo step); a locked one is left to the user, with its fit shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core.jobs import core_job
from core.pipeline import apply_lines, line_fit, merge_range, rewrite_lines
from core.project import Clip, Project, split_clip
from core.timebase import snap_ms_to_frame
from gui import config, dialogs
from gui.bridge import DocumentBridge
from gui.hosts import CommandHost
from gui.i18n import tr
from gui.operations import DocumentOp, Operations

if TYPE_CHECKING:
    from core.pipeline import LineVerdict

_keys = itertools.count()
_PAUSES = tuple("，。！？；、,.!?;…~～")


def join_lines(lines: list[str]) -> str:
    """Lines of merged clips as one: a comma between two lines unless the first already ends in a pause."""
    out = ""
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if out and not out.endswith(_PAUSES):
            out += "，"
        out += line
    return out


def where_it_fits(project: Project, left: int, text: str) -> int:
    """Which half of a split keeps `text`: the one where it fits (the left when both do), else the one it
    overflows least (the longer half)."""
    fits = [line_fit(project, project.clips[i], text, wait=False) for i in (left, left + 1)]
    order = {"fits": 0, "empty": 0, "tight": 1, "over": 2}
    ranked = sorted(
        range(2), key=lambda k: (order.get(fits[k].state, 2), fits[k].speech_ms - fits[k].room_ms, k)
    )
    return left + ranked[0]


def fit_text(project: Project, index: int) -> str:
    """The merged line's fit, as the status bar says it."""
    clip = project.clips[index]
    fit = line_fit(project, clip, wait=False)
    seconds = {"speech": f"{fit.speech_ms / 1000:.1f}", "room": f"{fit.room_ms / 1000:.1f}"}
    texts = {
        "fits": tr("the line fits (speech ≈{speech} s, room {room} s)"),
        "tight": tr(
            "the line is tight: it will be spoken a little faster (speech ≈{speech} s, room {room} s)"
        ),
        "over": tr("the line is too long for the clip (speech ≈{speech} s, room {room} s)"),
        "empty": tr("no line"),
    }
    return texts.get(fit.state, "").format(**seconds)


class ClipEdits(QObject):
    """The window's split and merge commands (gui/actions.py: ActionId.SPLIT, ActionId.MERGE); `next_seed(step)`
    is the narration commands' seed, so a rewrite here differs from the last one there."""

    def __init__(
        self,
        host: CommandHost,
        bridge: DocumentBridge,
        operations: Operations,
        next_seed: Callable[[int], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.bridge = bridge
        self.operations = operations
        self.next_seed = next_seed

    # -- split
    def split_at_playhead(self) -> bool:
        w = self.host
        ms = self.bridge.playhead_ms
        media = self.bridge.project.media
        if media is not None:  # cuts fall on frame boundaries, wherever playback stopped
            ms = snap_ms_to_frame(ms, media.fps)
        before = self.bridge.project
        index = before.clip_index_at(ms)
        key = ("split", next(_keys))
        if not self.bridge.edit(tr("Split clip"), lambda p: split_clip(p, ms), merge_key=key):
            return False
        right = self.bridge.project.clip_index_at(ms)
        if right is not None:
            self.bridge.select([right])
        if index is None or not before.clips[index].narration.strip():
            return True
        original = before.clips[index]
        question = (
            tr("The clip was split in two. Its line is locked (you wrote or locked it): rewrite the lines of both halves? No keeps it on the half where it fits and writes a new line for the other half.")
            if original.locked
            else tr("The clip was split in two. Write a new line for each half? No keeps the line on the half where it fits and writes a new line for the other half.")
        )  # fmt: skip
        if dialogs.ask_yes_no(w.window(), tr("Split clip"), question):
            return self._write_lines([index, index + 1], key)
        keep = where_it_fits(self.bridge.project, index, original.narration)
        other = index + 1 if keep == index else index

        def place(p: Project) -> Project:
            clips = list(p.clips)
            clips[keep] = replace(clips[keep], narration=original.narration, locked=original.locked)
            clips[other] = replace(clips[other], narration="", locked=False)
            return replace(p, clips=tuple(clips))

        self.bridge.edit(tr("Split clip"), place, merge_key=key)
        return self._write_lines([other], key)

    def _write_lines(self, indexes: list[int], key: object) -> bool:
        """The narrator's lines for `indexes`, applied into the undo step `key` (the split's)."""
        w = self.host
        narrator = config.narrator()
        seed = self.next_seed(17)

        def unlock(p: Project) -> Project:
            return replace(p, clips=tuple(replace(c, locked=False) if i in indexes else c
                                          for i, c in enumerate(p.clips)))  # fmt: skip

        def apply(p: Project, verdicts: list[LineVerdict]) -> Project:
            return apply_lines(p, verdicts, unlock=True)

        def done(verdicts: list[LineVerdict], _applied: bool) -> None:
            w.show_message(tr("Split clip: %n new lines", "", len(verdicts)))

        job = self.operations.change(DocumentOp["list[LineVerdict]"](
            tr("Writing lines"), tr("Split clip"),
            lambda snap: core_job(rewrite_lines, snap, narrator, indexes, seed=seed, speak=False),
            apply, prepare=unlock, done=done, merge_key=key,
        ))  # fmt: skip
        return job is not None

    # -- merge
    def merge_selected(self) -> bool:
        sel = self.bridge.selection
        if not sel:
            return False
        first, last = sel[0], sel[-1]
        run = len(sel) > 1 and sel == list(range(first, last + 1))  # a run of clips, else with the next
        if not run:
            last = first + 1
        clips = self.bridge.project.clips
        if last >= len(clips):
            self.host.show_message(tr("Merge: there is no next clip to merge with"))
            return False
        description = tr("Merge %n clips", "", last - first + 1) if run else tr("Merge with next clip")
        key = ("merge", next(_keys))
        joined = join_lines([c.narration for c in clips[first : last + 1]])

        def merge(p: Project) -> Project:
            merged = merge_range(p, first, last)
            out = list(merged.clips)
            out[first] = replace(out[first], narration=joined)
            return replace(merged, clips=tuple(out))

        if not self.bridge.edit(description, merge, merge_key=key):
            return False
        self.bridge.select([first])
        project = self.bridge.project
        clip: Clip = project.clips[first]
        fit = line_fit(project, clip, wait=False)
        if fit.state == "over" and not clip.locked:  # the narrator writes one for the merged clip, same undo step
            self._shorten(first, description, key)
            return True
        message = tr("Clip {number}: {fit}").format(number=first + 1, fit=fit_text(project, first))
        self.host.show_message(message)
        return True

    def _shorten(self, index: int, description: str, key: object) -> None:
        w = self.host
        narrator = config.narrator()
        seed = self.next_seed(19)

        def apply(p: Project, verdicts: list[LineVerdict]) -> Project:
            return apply_lines(p, [v for v in verdicts if v.fits], unlock=True)

        def done(_verdicts: list[LineVerdict], _applied: bool) -> None:
            project = self.bridge.project
            if index < len(project.clips):
                w.show_message(
                    tr("Clip {number}: {fit}").format(number=index + 1, fit=fit_text(project, index))
                )

        self.operations.change(DocumentOp["list[LineVerdict]"](
            tr("Writing lines"), description,
            lambda snap: core_job(rewrite_lines, snap, narrator, [index], seed=seed, speak=False),
            apply, done=done, merge_key=key,
        ))  # fmt: skip
