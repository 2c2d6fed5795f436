"""Total parsing (core.parsing and the loaders on it): any input gives a value or the loader's own one-line
error (InputError for product and dataset files, ProjectError for projects), never another exception.

Property tests generate JSON with lone surrogates, non-finite and very long numbers, deep nesting and
wrong types in every field; unit tests pin the strict readers.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import parsing
from core import project as pj
from core.errors import InputError, ProjectError
from core.narration.dataset import read_jsonl, result_row, video_request
from core.narration.evaluation import evaluate
from core.pipeline import load_product
from core.project import Clip, MediaSummary, Product, Project

HYPO = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
texts = st.text(st.one_of(st.characters(), surrogates), max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    st.sampled_from(["false", "true", "0", "-100", "abc", "25", "30000/1001", "产品推荐"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)),
    max_leaves=20,
)
# raw JSON text a serializer would never write
hostile_fragments = st.one_of(
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(30, 6000).map(lambda n: "9" * n),
    st.integers(30, 6000).map(lambda n: "1." + "5" * n),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", '"\\ud800"', '"\\udfff\\ud800"']),
)


def json_text(value: Any, fragment: str, where: int) -> str:
    """`value` serialized, with `fragment` spliced in as the value of one key or item."""
    text = json.dumps({"x": value, "y": None})
    return (
        text.replace("null}", fragment + "}")
        if where % 2
        else text.replace('"x": ', f'"x": {fragment}, "z": ', 1)
    )


@HYPO
@given(value=json_values, fragment=hostile_fragments, where=st.integers(0, 1))
def test_parse_json_gives_a_value_or_one_input_error(value: Any, fragment: str, where: int) -> None:
    for text in (json.dumps(value), json_text(value, fragment, where)):
        try:
            data = parsing.parse_json(text, "f.json")
        except InputError as exc:
            assert str(exc).startswith("f.json: ") and "\n" not in str(exc)
        else:
            parsing.check_text(data, "f.json")
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # valid text all the way down


@HYPO
@given(value=json_values, raw=st.binary(max_size=80), fragment=hostile_fragments)
def test_product_loader_is_total(tmp_path: Path, value: Any, raw: bytes, fragment: str) -> None:
    cases = {
        "value.json": json.dumps(value).encode(),
        "raw.json": raw,
        "shaped.json": json.dumps({"name": value, "attributes": {"a": value}}).encode(),
        "hostile.json": ('{"name": "x", "attributes": {"a": ' + fragment + "}}").encode(),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        try:
            product = load_product(path)
        except InputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), str(exc)
        else:
            assert isinstance(product, Product) and isinstance(product.name, str)
            (product.name + "".join(product.attributes) + "".join(product.attributes.values())).encode(
                "utf-8"
            )


def _clip(value: Any, key: str) -> dict[str, Any]:
    clip: dict[str, Any] = {
        "index": 0,
        "chars_min": 4,
        "chars_max": 12,
        "labels": ["产品推荐"],
        "narration": "好",
    }
    clip[key] = value
    return clip


@HYPO
@given(
    value=json_values,
    key=st.sampled_from(["index", "chars_min", "chars_max", "labels", "narration", "id", "product", "clips"]),
    fragment=hostile_fragments,
)
def test_dataset_reader_and_its_users_are_total(tmp_path: Path, value: Any, key: str, fragment: str) -> None:
    """Whatever read_jsonl accepts, building requests, result rows and an evaluation never raises."""
    video: dict[str, Any] = {"id": "v", "product": {"name": "杯子", "attributes": {"功效": "保温"}}}
    if key in ("id", "product", "clips"):
        video["clips"] = [_clip(0, "index")]
        video[key] = value
    else:
        video["clips"] = [_clip(value, key)]
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(video) + "\n" + '{"id": ' + fragment + ', "clips": []}\n', encoding="utf-8")
    for need_budget in (True, False):
        try:
            videos = read_jsonl(path, need_budget=need_budget)
        except InputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), str(exc)
            continue
        if need_budget:
            for v in videos:
                request = video_request(v, "given", 5.0)
                result_row(v, [])
                assert all(c.chars_min <= c.chars_max for c in request.clips)
            evaluate(videos, videos)


def good_project() -> Project:
    return Project(
        video="/nonexistent/广告.mp4",
        media=MediaSummary(duration_ms=4000, fps=Fraction(25), width=320, height=240, has_audio=True),
        product=Product("好物面霜", {"功效": "保湿、修护"}),
        clips=(
            Clip(0, 2000, ("产品推荐",), False, "这款面霜真的好用", False),
            Clip(2000, 4000, ("引导购买",), True, "赶紧下单吧", True, voice="cmn", rate_cps=4.5),
        ),
    )


FIELDS = [
    ("media", "has_audio"),
    ("media", "width"),
    ("media", "fps"),
    ("media", "duration_ms"),
    ("speech", "voice"),
    ("speech", "rate_cps"),
    ("speech", "lead_ms"),
    ("speech", "tail_ms"),
    ("export", "preset"),
    ("export", "burn_subtitles"),
    ("export", "soft_subtitles"),
    ("export", "write_srt"),
    ("export", "duck_db"),
    ("export", "output"),
    ("product", "name"),
    ("product", "attributes"),
    ("clips", 0),
    ("clips", 1),
]
CLIP_FIELDS = ["start_ms", "end_ms", "labels", "labels_locked", "narration", "locked", "voice", "rate_cps"]


# values that broke loaders before: negative times, strings for booleans/numbers, lone surrogates, huge numbers
field_values = st.one_of(
    json_values,
    st.sampled_from(
        [-1, -100, 10**12, 2**60, 1e308, "false", "0", "\ud800", "好\udfff", [], {}, [1, 2], 0.5]
    ),
)


@settings(HYPO, max_examples=200)
@given(
    field=st.sampled_from(FIELDS),
    clip_field=st.sampled_from(CLIP_FIELDS),
    value=field_values,
    fragment=hostile_fragments,
)
def test_project_loader_is_total_and_strict(
    tmp_path: Path, field: tuple[str, Any], clip_field: str, value: Any, fragment: str
) -> None:
    doc = pj.project_to_json(good_project())
    section, key = field
    if section == "clips":
        doc["clips"][key][clip_field] = value
    else:
        doc[section][key] = value
    path = tmp_path / "p.narr.json"
    for text in (json.dumps(doc), json.dumps(doc).replace('"write_srt": false', f'"write_srt": {fragment}')):
        path.write_text(text, encoding="utf-8")
        try:
            project = pj.load_project(path)
        except ProjectError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), str(exc)
            continue
        # strict: what loads has the field types the code relies on, and saves/reloads unchanged
        e, s = project.export, project.speech
        assert all(type(b) is bool for b in (e.burn_subtitles, e.soft_subtitles, e.write_srt))
        assert all(type(c.locked) is bool and type(c.labels_locked) is bool for c in project.clips)
        assert project.media is None or type(project.media.has_audio) is bool
        assert s.lead_ms >= 0 and s.tail_ms >= 0 and 0.5 <= s.rate_cps <= 30
        assert math.isfinite(e.duck_db)
        again = tmp_path / "again.narr.json"
        pj.save_project(project, again)
        assert pj.load_project(again) == project


# --- unit checks of the strict readers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [(True, True), (False, True), (None, True), ("false", False), (0, False), (1, False), ([], False)],
)
def test_get_bool_accepts_only_json_booleans(value: Any, ok: bool) -> None:
    if ok:
        assert parsing.get_bool({"k": value}, "k", True, "w") in (True, False)
    else:
        with pytest.raises(InputError, match="'k' must be true or false"):
            parsing.get_bool({"k": value}, "k", True, "w")


def test_numbers_are_strict() -> None:
    assert parsing.get_number({"k": 3}, "k", 1.0, "w") == 3.0
    for bad in ("3", True, [3], math.nan):
        with pytest.raises(InputError, match="must be a number"):
            parsing.get_number({"k": bad}, "k", 1.0, "w")
    with pytest.raises(InputError, match="between 0 and 10"):
        parsing.get_number({"k": 11}, "k", 1.0, "w", lo=0, hi=10)
    assert parsing.get_int({"k": 4.0}, "k", 0, "w") == 4
    for bad in (4.5, "4", False):
        with pytest.raises(InputError, match="whole number"):
            parsing.get_int({"k": bad}, "k", 0, "w")
    with pytest.raises(InputError, match="missing 'k'"):
        parsing.get_int({}, "k", None, "w")


def test_decoding_tells_a_cut_file_from_a_foreign_one() -> None:
    text = "补水".encode()
    with pytest.raises(InputError, match="damaged file \\(cut inside a UTF-8 character"):
        parsing.decode_text(text[:-1], "f")
    with pytest.raises(InputError, match="not a text file"):
        parsing.decode_text(b"\xff\xfe\x00a", "f")
    assert parsing.decode_text("\ufeff{}".encode(), "f") == "{}"  # a BOM (Notepad) is not an error


def test_depth_and_size_limits(tmp_path: Path) -> None:
    assert parsing.nesting_depth('{"a": "[[[[", "b": [[1]]}') == 3
    assert parsing.nesting_depth('"\\"[[["') == 0
    ok = "[" * parsing.MAX_DEPTH + "]" * parsing.MAX_DEPTH
    assert parsing.parse_json(ok, "f") is not None
    with pytest.raises(InputError, match="nested more than"):
        parsing.parse_json("[" + ok + "]", "f")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(InputError, match="too large"):
        parsing.read_text(big, "product file", max_bytes=1024)


def test_surrogate_errors_name_the_field() -> None:
    with pytest.raises(
        InputError, match=r"f: clips\[1\]\.narration: invalid text \(a lone surrogate \\ud800\)"
    ):
        parsing.parse_json('{"clips": [{}, {"narration": "a\\ud800"}]}', "f")


@pytest.mark.parametrize(
    "content",
    ["[" * 100_000 + "]" * 100_000, '{"model_type": ' + "9" * 5000 + "}", '{"model_type": "\\ud800"}'],
)
def test_hostile_model_config_is_one_input_error(tmp_path: Path, content: str) -> None:
    from core.narration.llm import check_model_folder

    (tmp_path / "config.json").write_text(content)
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(InputError) as info:
        check_model_folder(tmp_path)
    assert "config.json" in str(info.value) and "\n" not in str(info.value)


# --- the command line over generated files: exit 0 or 2, never an internal error ---------------------------


@settings(HYPO, max_examples=40)
@given(
    ref=st.one_of(json_values, hostile_fragments),
    pred=st.one_of(json_values, hostile_fragments),
    raw=st.binary(max_size=40),
)
def test_cli_over_generated_files_never_exits_1(tmp_path: Path, ref: Any, pred: Any, raw: bytes) -> None:
    import contextlib
    import io

    from core.cli import run

    def text(value: Any) -> str:
        return value if isinstance(value, str) and value[:1] in '[{9"1NI-' else json.dumps(value)

    files = {"ref.jsonl": text(ref) + "\n", "pred.jsonl": text(pred) + "\n"}
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "raw.narr.json").write_bytes(raw)
    (tmp_path / "doc.narr.json").write_text(text(ref), encoding="utf-8", errors="surrogatepass")
    commands = [
        ["eval-narration", str(tmp_path / "ref.jsonl"), str(tmp_path / "pred.jsonl")],
        ["eval-narration", str(tmp_path / "ref.jsonl"), str(tmp_path / "ref.jsonl"), "--json"],
        ["export", str(tmp_path / "raw.narr.json"), "--out", str(tmp_path / "o.mp4")],
        ["export", str(tmp_path / "doc.narr.json"), "--out", str(tmp_path / "o.mp4")],
    ]
    for args in commands:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = run(args)
        assert code in (0, 2), (args, err.getvalue())
        if code == 2:
            assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
