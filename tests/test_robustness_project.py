"""Project files from the wild: whatever the bytes, loading gives a Project or one clear ProjectError.

Generated JSON (arbitrary and project-shaped), truncations and byte corruption of a real save; each
damaged file leaves the previous save loadable from `path.bak`.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import project as pj
from core.errors import ProjectError
from core.project import Clip, MediaSummary, Product, Project

ROOT = Path(__file__).resolve().parents[1]
HYPO = settings(
    max_examples=60,
    deadline=None,  # a shared CI machine must not turn slowness into failures
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def good_project(narration: str = "这款面霜真的好用") -> Project:
    return Project(
        video="/nonexistent/广告.mp4",
        media=MediaSummary(duration_ms=4000, fps=Fraction(25), width=320, height=240, has_audio=True),
        product=Product("好物面霜", {"功效": "保湿、修护"}),
        clips=(
            Clip(0, 2000, ("产品推荐",), False, narration, False),
            Clip(2000, 4000, ("引导购买",), True, "赶紧下单吧", True, voice="cmn", rate_cps=4.5),
        ),
    )


def load_or_error(path: Path) -> Project | ProjectError:
    """The only acceptable outcomes: a project, or a one-line ProjectError naming the file."""
    try:
        return pj.load_project(path)
    except ProjectError as exc:
        message = str(exc)
        assert str(path) in message, message
        assert "\n" not in message and len(message) < 1000, message
        assert "Traceback" not in message
        return exc


def assert_roundtrips(project: Project, folder: Path) -> None:
    """Whatever loads can be saved and reloaded unchanged (the editor saves what it opened)."""
    again = folder / "again.narr.json"
    pj.save_project(project, again)
    assert pj.load_project(again) == project


# --- generated JSON ---------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "30000/1001", "1/0", "-25", "1e999", "nan", "产品推荐", "../../etc/passwd"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@HYPO
@given(value=json_values)
def test_arbitrary_json_never_crashes_the_loader(tmp_path: Path, value: Any) -> None:
    path = tmp_path / "any.narr.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    outcome = load_or_error(path)
    assert isinstance(outcome, ProjectError)  # no bare value is a project


def _mutate(doc: Any, route: list[int], value: Any) -> Any:
    """Replace one node of `doc` chosen by `route` (indices into keys/items) with `value`."""
    if not route or not isinstance(doc, (dict, list)) or not doc:
        return value
    if isinstance(doc, dict):
        key = sorted(doc)[route[0] % len(doc)]
        return {**doc, key: _mutate(doc[key], route[1:], value)}
    i = route[0] % len(doc)
    return [*doc[:i], _mutate(doc[i], route[1:], value), *doc[i + 1 :]]


@HYPO
@given(
    route=st.lists(st.integers(0, 20), min_size=1, max_size=4),
    value=json_values,
    drop=st.booleans(),
)
def test_project_shaped_json_loads_or_fails_cleanly(
    tmp_path: Path, route: list[int], value: Any, drop: bool
) -> None:
    doc = pj.project_to_json(good_project())
    if drop and isinstance(value, str) and value:
        doc.pop(sorted(doc)[route[0] % len(doc)], None)
    else:
        doc = _mutate(doc, route, value)
    path = tmp_path / "p.narr.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    outcome = load_or_error(path)
    if isinstance(outcome, Project):
        assert_roundtrips(outcome, tmp_path)
        for a, b in zip(outcome.clips, outcome.clips[1:]):
            assert a.start_ms < a.end_ms <= b.start_ms < b.end_ms


@pytest.mark.parametrize(
    "fragment",
    [
        '"fps": "1e99999999"',  # Fraction() would compute a 100-million-digit power of ten
        '"fps": "' + "9" * 5000 + '/1"',
        '"duration_ms": ' + "1" * 5000,  # longer than Python's int conversion limit
        '"duration_ms": 1e400',
        '"duration_ms": NaN',
        '"duration_ms": -Infinity',
    ],
)
def test_hostile_numbers_fail_fast_and_cleanly(tmp_path: Path, fragment: str) -> None:
    key = fragment.split(":")[0].strip('"')
    media = {"duration_ms": 1000, "fps": "25", "width": 320, "height": 240}
    text = json.dumps({"format": pj.PROJECT_FORMAT, "schema": 1, "media": media})
    old = f'"{key}": {json.dumps(media[key])}'
    assert old in text
    path = tmp_path / "n.narr.json"
    path.write_text(text.replace(old, fragment), encoding="utf-8")
    assert isinstance(load_or_error(path), ProjectError)


def test_deep_nesting_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.narr.json"
    path.write_text('{"format": "syncnarrator-project", "schema": 1, "product": ' + "[" * 100_000, "utf-8")
    assert isinstance(load_or_error(path), ProjectError)


def test_infinite_float_values_are_rejected(tmp_path: Path) -> None:
    doc = pj.project_to_json(good_project())
    doc["clips"][1]["rate_cps"] = math.inf
    doc["speech"]["rate_cps"] = math.nan
    path = tmp_path / "f.narr.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert isinstance(load_or_error(path), ProjectError)


# --- damaged saves and the backup --------------------------------------------------------------------------


@pytest.fixture
def saved_twice(tmp_path: Path) -> tuple[Path, Project, Project]:
    """A project saved twice: the file holds `new`, its backup `old`."""
    path = tmp_path / "ad.narr.json"
    old, new = good_project("旧台词"), good_project("新台词")
    pj.save_project(old, path)
    pj.save_project(new, path)
    return path, old, new


def test_every_truncation_is_an_error_and_the_backup_loads(
    saved_twice: tuple[Path, Project, Project],
) -> None:
    path, old, new = saved_twice
    data = path.read_bytes()
    stripped = len(data.rstrip())
    step = max(1, stripped // 120)
    for cut in [*range(0, stripped, step), stripped - 1]:
        path.write_bytes(data[:cut])
        outcome = load_or_error(path)
        assert isinstance(outcome, ProjectError), f"truncated at {cut} of {len(data)} bytes loaded"
        assert getattr(outcome, "backup", None) == pj.backup_path(path), "the previous save is not offered"
        assert pj.backup_path(path).name in str(outcome)
        assert pj.load_project(outcome.backup) == old  # type: ignore[attr-defined]
    path.write_bytes(data)
    assert pj.load_project(path) == new


@HYPO
@given(
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=8),
)
def test_corrupted_bytes_never_crash_and_backup_survives(
    saved_twice: tuple[Path, Project, Project], flips: list[tuple[int, int]]
) -> None:
    path, old, _ = saved_twice
    data = bytearray(path.read_bytes())
    original = bytes(data)
    for pos, xor in flips:
        data[pos % len(data)] ^= xor
    path.write_bytes(bytes(data))
    try:
        outcome = load_or_error(path)
        if isinstance(outcome, Project):  # a flip inside a string can still be a valid project
            assert_roundtrips(outcome, path.parent)
        assert pj.load_project(pj.backup_path(path)) == old
    finally:
        path.write_bytes(original)


def test_without_a_backup_nothing_is_offered(tmp_path: Path) -> None:
    path = tmp_path / "first.narr.json"
    pj.save_project(good_project(), path)  # first save: no backup yet
    path.write_bytes(path.read_bytes()[:40])
    outcome = load_or_error(path)
    assert isinstance(outcome, ProjectError) and not hasattr(outcome, "backup")
    assert ".bak" not in str(outcome)


def test_binary_garbage_and_other_files(tmp_path: Path) -> None:
    cases = {
        "zeros.narr.json": b"\x00" * 4096,
        "png.narr.json": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "utf16.narr.json": json.dumps(pj.project_to_json(good_project())).encode("utf-16"),
        "empty.narr.json": b"",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert isinstance(load_or_error(path), ProjectError), name
    if hasattr(os, "mkfifo"):  # reading a named pipe would block forever
        os.mkfifo(tmp_path / "pipe.narr.json")
        assert isinstance(load_or_error(tmp_path / "pipe.narr.json"), ProjectError)
    (tmp_path / "folder.narr.json").mkdir()
    assert isinstance(load_or_error(tmp_path / "folder.narr.json"), ProjectError)
    assert isinstance(load_or_error(tmp_path / "missing.narr.json"), ProjectError)


def test_cli_names_the_damage_and_the_backup(saved_twice: tuple[Path, Project, Project]) -> None:
    """What a user sees: exit 2, one line on stderr naming the file and the backup to open instead."""
    path, _, _ = saved_twice
    path.write_bytes(path.read_bytes()[:100])
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", str(path), "--out", str(path.with_suffix(".mp4"))],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and pj.backup_path(path).name in lines[0], lines
    assert not path.with_suffix(".mp4").exists()


# --- the other files a user hands over: product knowledge and dataset JSONL --------------------------------


@HYPO
@given(value=json_values, raw=st.binary(max_size=64))
def test_product_files_load_or_fail_cleanly(tmp_path: Path, value: Any, raw: bytes) -> None:
    from core.errors import InputError
    from core.pipeline import load_product

    for name, content in (("p.json", json.dumps(value).encode()), ("raw.json", raw)):
        path = tmp_path / name
        path.write_bytes(content)
        try:
            product = load_product(path)
        except InputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), str(exc)
        else:
            assert isinstance(product, Product)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_user_files_that_are_pipes_are_refused_without_blocking(tmp_path: Path) -> None:
    from core.errors import InputError
    from core.narration.dataset import read_jsonl
    from core.pipeline import load_product

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for call in (load_product, read_jsonl):
        with pytest.raises(InputError) as info:
            call(fifo)
        assert str(fifo) in str(info.value)


@HYPO
@given(
    name=st.text(max_size=40),
    attrs=st.dictionaries(
        st.sampled_from(["痛点", "功效", "活动优惠", "外观", "x", ""]), st.text(max_size=40), max_size=5
    ),
    durations=st.lists(st.integers(-100, 60_000), min_size=1, max_size=6),
    rate=st.floats(0.5, 30),
    seed=st.integers(0, 2**31),
)
def test_any_product_knowledge_narrates_or_fails_cleanly(
    name: str, attrs: dict[str, str], durations: list[int], rate: float, seed: int
) -> None:
    """Whatever a product file holds (odd keys, empty or control-character values), narration never crashes."""
    from core.errors import SyncNarratorError
    from core.narration.base import ClipRequest, NarrationRequest
    from core.narration.registry import create_narrator

    narrator = create_narrator("embedded")
    request = NarrationRequest(
        product=Product(name, attrs),
        clips=tuple(ClipRequest(i, d) for i, d in enumerate(durations)),
        rate_cps=rate,
        seed=seed,
    )
    try:
        lines = narrator.narrate(request)
        assert [line.index for line in lines] == list(range(len(durations)))
        narrator.rewrite(request, 0, seed=seed + 1, context=lines)
    except SyncNarratorError as exc:
        assert "\n" not in str(exc)
