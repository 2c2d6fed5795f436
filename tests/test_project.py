"""The project document: round-trips, atomic saves with backup, clear load errors, exact undo/redo."""

from __future__ import annotations

import itertools
import json
import os
import stat
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import project as pj
from core.errors import ProjectError
from core.project import Clip, Document, MediaSummary, Product, Project

LABELS = ["产品推荐", "痛点铺垫", "引导购买", "产品功效"]


def sample_project(video: str | None = "/tmp/v.mp4") -> Project:
    return Project(
        video=video,
        media=MediaSummary(
            duration_ms=6000, fps=Fraction(30000, 1001), width=640, height=360, has_audio=True
        ),
        product=Product("好物面霜", {"功效": "保湿、修护", "活动优惠": "买一送一"}),
        clips=(
            Clip(0, 2000, ("产品推荐",), False, "这款面霜真的好用", False),
            Clip(2000, 4000, ("痛点铺垫",), True, "", False),
            Clip(4000, 6000, ("引导购买",), False, "赶紧下单吧", True, voice="zh", rate_cps=4.5),
        ),
    )


def test_save_then_load_is_identity(tmp_path: Path) -> None:
    video = tmp_path / "media" / "广告 v1.mp4"
    video.parent.mkdir()
    video.write_bytes(b"x")
    project = sample_project(str(video))
    path = tmp_path / "p.narr.json"
    pj.save_project(project, path)
    assert pj.load_project(path) == project
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["video"] == "media/广告 v1.mp4"  # relative to the project file


def test_moved_folder_keeps_relative_video(tmp_path: Path) -> None:
    a = tmp_path / "a"
    a.mkdir()
    (a / "v.mp4").write_bytes(b"x")
    pj.save_project(sample_project(str(a / "v.mp4")), a / "p.narr.json")
    b = tmp_path / "b"
    a.rename(b)
    loaded = pj.load_project(b / "p.narr.json")
    assert loaded.video == str(b / "v.mp4") and not loaded.video_missing


def test_save_keeps_previous_as_backup_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "p.narr.json"
    first = sample_project()
    pj.save_project(first, path)
    second = pj.set_narration(first, 0, "改过的台词")
    pj.save_project(second, path)
    assert pj.load_project(path).clips[0].narration == "改过的台词"
    assert pj.load_project(pj.backup_path(path)).clips[0].narration == first.clips[0].narration
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.narr.json", "p.narr.json.bak"]


def test_failed_save_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.narr.json"
    pj.save_project(sample_project(), path)
    before = path.read_bytes()

    def boom(*a: object, **k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pj.os, "fsync", boom)
    with pytest.raises(OSError):
        pj.save_project(pj.set_narration(sample_project(), 0, "新"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "bad JSON at line 1"),
        (b"\xff\xfe\x00", "not a text file"),
        (b"[]", "not a SyncNarrator project"),
        (json.dumps({"format": "syncnarrator-project", "schema": 99}).encode(), "newer SyncNarrator"),
        (
            json.dumps({"format": "syncnarrator-project", "schema": 1, "clips": [{"start_ms": 5}]}).encode(),
            "clip 1: missing 'end_ms'",
        ),
        (
            json.dumps(
                {
                    "format": "syncnarrator-project",
                    "schema": 1,
                    "clips": [{"start_ms": 0, "end_ms": 900}, {"start_ms": 500, "end_ms": 1000}],
                }
            ).encode(),
            "clip 2: times overlap",
        ),
    ],
)
def test_bad_project_files_give_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.narr.json"
    path.write_bytes(content)
    with pytest.raises(ProjectError) as info:
        pj.load_project(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_video_opens_in_relink_state(tmp_path: Path) -> None:
    path = tmp_path / "p.narr.json"
    pj.save_project(sample_project(str(tmp_path / "gone.mp4")), path)
    loaded = pj.load_project(path)
    assert loaded.video_missing and len(loaded.clips) == 3


def test_split_merge_and_boundary_edits() -> None:
    p = sample_project()
    s = pj.split_clip(p, 1000)
    assert [(c.start_ms, c.end_ms) for c in s.clips][:2] == [(0, 1000), (1000, 2000)]
    assert s.clips[1].narration == "" and s.clips[1].labels == ("产品推荐",)
    m = pj.merge_with_next(s, 0)
    assert m.clips[0] == p.clips[0]
    moved = pj.move_boundary(p, 1, 2500)
    assert moved.clips[0].end_ms == 2500 and moved.clips[1].start_ms == 2500
    clamped = pj.move_boundary(p, 1, 99999)
    assert clamped.clips[1].duration_ms == pj.MIN_CLIP_MS
    with pytest.raises(ValueError):
        pj.merge_with_next(p, 2)
    with pytest.raises(ValueError):
        pj.split_clip(p, 10)


def test_document_undo_redo_and_dirty() -> None:
    doc = Document(sample_project())
    seen: list[int] = []
    doc.subscribe(lambda d: seen.append(len(d.project.clips)))
    assert doc.edit("Split", lambda p: pj.split_clip(p, 1000))
    assert not doc.edit("Nothing", lambda p: p)  # no-op edits are not recorded
    assert doc.undo_text() == "Split" and doc.dirty
    doc.undo()
    assert doc.project == sample_project() and doc.can_redo()
    doc.redo()
    assert len(doc.project.clips) == 4 and seen == [4, 3, 4]


# --- property tests ---------------------------------------------------------------------------

edit_strategy = st.one_of(
    st.tuples(st.just("split"), st.integers(0, 6000)),
    st.tuples(st.just("merge"), st.integers(0, 5)),
    st.tuples(st.just("move"), st.integers(0, 5), st.integers(-500, 6500)),
    st.tuples(st.just("text"), st.integers(0, 5), st.text(max_size=20)),
    st.tuples(st.just("labels"), st.integers(0, 5), st.lists(st.sampled_from(LABELS), max_size=2)),
    st.tuples(st.just("lock"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("product"), st.text(max_size=10)),
)


def apply_edit(doc: Document, edit: tuple) -> None:
    kind = edit[0]
    n = len(doc.project.clips)
    try:
        if kind == "split":
            doc.edit("split", lambda p: pj.split_clip(p, edit[1]))
        elif kind == "merge":
            doc.edit("merge", lambda p: pj.merge_with_next(p, edit[1] % n))
        elif kind == "move":
            doc.edit("move", lambda p: pj.move_boundary(p, edit[1] % n, edit[2]))
        elif kind == "text":
            doc.edit("text", lambda p: pj.set_narration(p, edit[1] % n, edit[2]))
        elif kind == "labels":
            doc.edit("labels", lambda p: pj.set_labels(p, edit[1] % n, tuple(edit[2])))
        elif kind == "lock":
            doc.edit("lock", lambda p: pj.replace_clip(p, edit[1] % n, locked=edit[2]))
        else:
            doc.edit("product", lambda p: pj.replace(p, product=Product(edit[1], p.product.attributes)))
    except ValueError:
        pass  # an edit that makes no sense is refused and records nothing


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(edit_strategy, max_size=25))
def test_any_edits_then_undo_all_restores_exactly(edits: list[tuple]) -> None:
    original = sample_project()
    doc = Document(original)
    states = [doc.project]
    for edit in edits:
        apply_edit(doc, edit)
        if doc.project is not states[-1]:
            states.append(doc.project)
        # invariants: contiguous clips covering the same span
        clips = doc.project.clips
        assert clips[0].start_ms == 0 and clips[-1].end_ms == 6000
        assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(clips))
        assert all(c.duration_ms >= pj.MIN_CLIP_MS for c in clips)
    while doc.undo():
        pass
    assert doc.project == original
    while doc.redo():
        pass
    assert doc.project == states[-1]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(edit_strategy, max_size=12))
def test_save_then_load_is_identity_after_any_edits(tmp_path: Path, edits: list[tuple]) -> None:
    doc = Document(sample_project(str(tmp_path / "v.mp4")))
    for edit in edits:
        apply_edit(doc, edit)
    path = tmp_path / "p.narr.json"
    doc.save(path)
    assert pj.load_project(path) == doc.project
    assert not doc.dirty


def test_saving_over_a_damaged_file_keeps_the_good_backup(tmp_path: Path) -> None:
    """Opening the previous save after damage and saving must not turn the backup into the damage."""
    path = tmp_path / "p.narr.json"
    good = sample_project()
    pj.save_project(good, path)
    pj.save_project(pj.set_narration(good, 0, "第二版"), path)  # .bak = first version
    path.write_bytes(b'{"format": "syncnarrator-proj')  # damaged by a crash elsewhere
    pj.save_project(pj.set_narration(good, 0, "修好了"), path)
    assert pj.load_project(path).clips[0].narration == "修好了"
    assert pj.load_project(pj.backup_path(path)) == good


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_files_get_normal_permissions_and_keep_chosen_ones(tmp_path: Path) -> None:
    """A temp-then-rename save must not leave the project 0600 (mkstemp's mode), nor undo a chmod."""
    old_mask = os.umask(0o022)
    try:
        path = tmp_path / "p.narr.json"
        pj.save_project(sample_project(), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        pj.save_project(pj.set_narration(sample_project(), 0, "再存一次"), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert stat.S_IMODE(pj.backup_path(path).stat().st_mode) == 0o640
    finally:
        os.umask(old_mask)
