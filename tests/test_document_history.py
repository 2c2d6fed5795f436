"""Document history: merged steps (typing one line is one undo), a capped history, before/after notices."""

from __future__ import annotations

from pathlib import Path

from core.project import MAX_UNDO_STEPS, Change, Clip, Document, Project, set_narration


def doc() -> Document:
    return Document(Project(clips=(Clip(0, 1000), Clip(1000, 2000))))


def test_edits_with_the_same_merge_key_are_one_undo_step() -> None:
    d = doc()
    for text in ("好", "好用", "好用又"):
        d.edit("Edit narration", lambda p, t=text: set_narration(p, 0, t), merge_key=("narration", 0))
    assert d.project.clips[0].narration == "好用又"
    assert d.undo() and d.project.clips[0].narration == ""
    assert not d.can_undo()
    assert d.redo() and d.project.clips[0].narration == "好用又"


def test_another_key_undo_or_save_ends_the_merging(tmp_path: Path) -> None:
    d = doc()
    key0, key1 = ("narration", 0), ("narration", 1)
    d.edit("a", lambda p: set_narration(p, 0, "一"), merge_key=key0)
    d.edit("b", lambda p: set_narration(p, 1, "二"), merge_key=key1)
    d.edit("c", lambda p: set_narration(p, 0, "一二"), merge_key=key0)  # not merged with the first
    assert len(d._undo) == 3
    d.save(tmp_path / "p.narr.json")
    d.edit("d", lambda p: set_narration(p, 0, "一二三"), merge_key=key0)
    assert len(d._undo) == 4
    d.undo()
    d.edit("e", lambda p: set_narration(p, 0, "四"), merge_key=key0)
    assert len(d._undo) == 4 and d.undo_text() == "e"
    d.edit("f", lambda p: set_narration(p, 1, "五"))  # no key: never merged
    d.edit("g", lambda p: set_narration(p, 1, "五六"))
    assert len(d._undo) == 6


def test_history_is_capped() -> None:
    d = doc()
    for k in range(MAX_UNDO_STEPS + 20):
        d.edit(f"step {k}", lambda p, k=k: set_narration(p, 0, str(k)))
    undone = 0
    while d.undo():
        undone += 1
    assert undone == MAX_UNDO_STEPS
    assert d.project.clips[0].narration == "19"  # the 20 oldest steps were dropped


def test_observers_get_before_and_after() -> None:
    d = doc()
    seen: list[Change] = []
    d.observe(seen.append)
    first = d.project
    d.edit("Edit narration", lambda p: set_narration(p, 0, "好"))
    d.undo()
    d.redo()
    assert [c.kind for c in seen] == ["edit", "undo", "redo"]
    assert seen[0].before is first and seen[0].after.clips[0].narration == "好"
    assert seen[1].before.clips[0].narration == "好" and seen[1].after is first
    assert seen[2].description == "Edit narration"
