"""Issue #20 on the command line: nothing the user owns is overwritten, malformed files are exit 2 with one
line, a full disk names the file that failed, file names in messages are escaped.

Most cases run `core.cli.run` in process (the same code main.py runs); a few go through main.py to see
exactly what a user sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from core import project as pj
from core.cli import run
from core.project import Clip, MediaSummary, Product, Project
from tests.mediagen import make_video

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = {"name": "澜肌保湿精华液", "attributes": {"质地": "轻薄、水润", "活动优惠": "买一送一"}}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


PROGRESS = re.compile(r"^[a-z -]+: +\d+% ")  # progress lines on stderr are not messages


def one_error_line(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if not PROGRESS.match(ln)]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err and "\x1b" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("v") / "ad.mp4", duration=1.0, size="160x120")


@pytest.fixture
def files(tmp_path: Path, video: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    product = tmp_path / "product.json"
    product.write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    project = tmp_path / "p.narr.json"
    pj.save_project(sample_project(video), project)
    return {"video": video, "product": product, "project": project}


def sample_project(video: Path) -> Project:
    return Project(
        video=str(video),
        media=MediaSummary(1000, Fraction(25), 160, 120, True),
        product=Product(PRODUCT["name"], PRODUCT["attributes"]),
        clips=(Clip(0, 1000, ("产品推荐",), False, "补水保湿", False),),
    )


# --- overwrite cases: exit 2, the file is unchanged, nothing else written -----------------------------


def test_outputs_naming_an_input_or_each_other_are_refused_before_any_work(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    v, prod, proj = (str(files[k]) for k in ("video", "product", "project"))
    x = str(tmp_path / "x.out")
    render = ["render", v, "--product", prod]
    cases = [
        (["export", proj, "--out", proj], proj, "(the project)"),
        (["export", proj, "--out", "o.mp4", "--srt", proj], proj, "(the project)"),
        (["export", proj, "--out", "o.mp4", "--narration-wav", proj], proj, "(the project)"),
        (["export", proj, "--out", v], v, "source video itself"),
        (["export", proj, "--out", "o.mp4", "--srt", "o.mp4"], "o.mp4", "another output"),
        ([*render, "--out", prod], prod, "(the product knowledge)"),
        ([*render, "--out", "o.mp4", "--project", prod], prod, "(the product knowledge)"),
        ([*render, "--out", "o.mp4", "--srt", prod], prod, "(the product knowledge)"),
        ([*render, "--out", x, "--project", x], x, "another output"),
        ([*render, "--out", "o.mp4", "--srt", x, "--project", x], x, "another output"),
        ([*render, "--out", "o.mp4", "--srt", x, "--narration-wav", x], x, "another output"),
        ([*render, "--out", v], v, "source video itself"),
    ]
    hashes = {p: sha(Path(p)) for p in (v, prod, proj)}
    before = sorted(os.listdir(tmp_path))
    for args, named, why in cases:
        assert run(args) == 2, args
        one_error_line(capsys, named, why)
        assert {p: sha(Path(p)) for p in hashes} == hashes, args
        assert sorted(os.listdir(tmp_path)) == before, args


def test_same_file_by_another_name_is_refused(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    proj = files["project"]
    os.link(proj, tmp_path / "hard.mp4")
    (tmp_path / "soft.srt").symlink_to(proj)
    before = sha(proj)
    assert run(["export", str(proj), "--out", "hard.mp4"]) == 2
    one_error_line(capsys, "hard.mp4", "(the project)")
    assert run(["export", str(proj), "--out", "o.mp4", "--srt", "soft.srt"]) == 2
    one_error_line(capsys, "soft.srt")
    assert run(["export", "./sub/../p.narr.json", "--out", str(proj)]) == 2
    one_error_line(capsys)
    assert sha(proj) == before


def test_dataset_output_equal_to_its_input_by_a_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "clips": []}) + "\n", encoding="utf-8")
    os.link(src, tmp_path / "out.jsonl")
    before = sha(src)
    assert run(["narrate-dataset", str(src), str(tmp_path / "out.jsonl")]) == 2
    one_error_line(capsys, "overwrite the input")
    assert sha(src) == before


def test_special_files_as_outputs_are_refused(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    proj = str(files["project"])
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    (tmp_path / "folder.srt").mkdir()
    cases: list[tuple[list[str], str]] = [
        (["export", proj, "--out", str(fifo)], "pipe"),
        (["export", proj, "--out", "o.mp4", "--srt", "folder.srt"], "folder"),
    ]
    if os.geteuid() == 0:  # a device node of our own (the null device), and a symlink to it
        dev = tmp_path / "dev.srt"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        (tmp_path / "link.srt").symlink_to(dev)
        cases += [
            (["export", proj, "--out", "o.mp4", "--srt", str(dev)], "device"),
            (["export", proj, "--out", "o.mp4", "--narration-wav", "link.srt"], "symlink to a device"),
        ]
    for args, word in cases:
        assert run(args) == 2, args
        one_error_line(capsys, word)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if os.geteuid() == 0:
        assert stat.S_ISCHR(os.lstat(tmp_path / "dev.srt").st_mode)
        assert os.path.islink(tmp_path / "link.srt")
    assert not (tmp_path / "o.mp4").exists()


# --- malformed inputs: exit 2, one line naming the file, no traceback ---------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


def project_doc(video: Path, **changes: object) -> dict:
    doc = pj.project_to_json(sample_project(video))
    for dotted, value in changes.items():
        node = doc
        *route, last = dotted.split("__")
        for key in route:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (DEEP, "nested"),
        ('{"name": "x", "attributes": {"a": ' + HUGE + "}}", "5000 digits"),
        ('{"name": "x", "attributes": {"a": ' + HUGE + ".5}}", "number"),
        ('{"name": "\\ud800", "attributes": {}}', "name"),
        ('{"name": "x", "attributes": {"\\udfff": "y"}}', "surrogate"),
        ('{"name": NaN, "attributes": {}}', "NaN"),
        ('{"name": "x", "attributes": {"a": 1e999}}', "out of range"),
    ],
)
def test_malformed_product_files(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    bad = tmp_path / "bad product.json"
    bad.write_text(content, encoding="utf-8")
    assert run(["render", str(files["video"]), "--product", str(bad), "--out", "o.mp4"]) == 2
    one_error_line(capsys, str(bad), needle)
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"speech__lead_ms": -100}, "lead_ms"),
        ({"speech__tail_ms": -1}, "tail_ms"),
        ({"speech__lead_ms": 10**12}, "lead_ms"),
        ({"clips__0__narration": "\ud800好"}, "clips[0].narration"),
        ({"product__name": "\udc80"}, "product.name"),
        ({"export__burn_subtitles": "false"}, "burn_subtitles"),
        ({"export__soft_subtitles": 0}, "soft_subtitles"),
        ({"clips__0__locked": "yes"}, "locked"),
        ({"media__has_audio": "true"}, "has_audio"),
        ({"export__duck_db": "-12"}, "duck_db"),
        ({"speech__rate_cps": "5"}, "rate_cps"),
        ({"speech__voice": ["a"]}, "voice"),
        ({"clips__0__start_ms": -500}, "clip 1"),
        ({"clips__0__end_ms": 10**9}, "clip 1"),
        ({"media__width": 0}, "width"),
    ],
)
def test_malformed_projects(
    tmp_path: Path,
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, object],
    needle: str,
) -> None:
    bad = tmp_path / "bad.narr.json"
    bad.write_text(json.dumps(project_doc(files["video"], **changes)), encoding="utf-8")
    assert run(["export", str(bad), "--out", "o.mp4"]) == 2
    one_error_line(capsys, str(bad), needle)
    assert not (tmp_path / "o.mp4").exists()


def test_project_cut_inside_a_character_is_damaged(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    raw = files["project"].read_bytes()
    cut = raw.index("补".encode()) + 1  # inside the 3-byte character
    bad = tmp_path / "cut.narr.json"
    bad.write_bytes(raw[:cut])
    assert run(["export", str(bad), "--out", "o.mp4"]) == 2
    line = one_error_line(capsys, str(bad), "damaged")
    assert "not a text file" not in line
    bad.write_bytes(b"\xff\xfe{}")
    assert run(["export", str(bad), "--out", "o.mp4"]) == 2
    one_error_line(capsys, "not a text file")


def _dataset(clip: dict | None = None, **video: object) -> str:
    base_clip = {"index": 0, "chars_min": 4, "chars_max": 10, "labels": ["产品推荐"], "narration": "好"}
    doc = {"id": "v1", "product": PRODUCT, "clips": [{**base_clip, **(clip or {})}], **video}
    return json.dumps(doc, ensure_ascii=False)


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (_dataset({"index": "abc"}), "'index'"),
        (_dataset({"index": -1}), "'index'"),
        (_dataset(id=[1, 2]), "'id'"),
        (_dataset(id={"a": 1}), "'id'"),
        (_dataset({"narration": 5}), "'narration'"),
        (_dataset({"chars_max": 10**9}), "chars_max"),
        (_dataset(product=[1]), "'product'"),
        (_dataset(product={"name": "x", "attributes": {"a": [1]}}), "attributes"),
        (_dataset({"narration": "\ud800"}).replace("\ud800", "\\ud800"), "surrogate"),
        (DEEP, "nested"),
        ('{"id": ' + HUGE + ', "clips": []}', "digits"),
    ],
)
def test_malformed_datasets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, needle: str
) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(_dataset() + "\n" + line + "\n", encoding="utf-8")
    for args in (
        ["narrate-dataset", str(data), str(tmp_path / "out.jsonl")],
        ["eval-narration", str(data), str(data)],
    ):
        assert run(args) == 2, args
        one_error_line(capsys, f"{data}:2", needle)
    assert not (tmp_path / "out.jsonl").exists()


def test_eval_narration_on_empty_files_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    good = tmp_path / "good.jsonl"
    good.write_text(_dataset() + "\n", encoding="utf-8")
    for ref, pred in ((empty, empty), (empty, good), (good, empty)):
        assert run(["eval-narration", str(ref), str(pred)]) == 2
        one_error_line(capsys, "empty.jsonl")
    no_clips = tmp_path / "noclips.jsonl"
    no_clips.write_text(json.dumps({"id": "a", "clips": []}) + "\n")
    assert run(["eval-narration", str(no_clips), str(no_clips)]) == 2
    one_error_line(capsys, "noclips.jsonl")


def test_what_a_user_sees_for_a_deep_product_file(tmp_path: Path, files: dict[str, Path]) -> None:
    bad = tmp_path / "deep.json"
    bad.write_text(DEEP)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "render", str(files["video"]), "--product", str(bad),
         "--out", str(tmp_path / "o.mp4")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "deep.json" in proc.stderr and "Traceback" not in proc.stderr


# --- file names in messages ------------------------------------------------------------------------------


def test_file_names_with_newlines_and_escapes_print_on_one_line(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    name = tmp_path / "evil\n\x1b[31mred\x1b[0m\u202e.narr.json"
    name.write_text("{broken")
    assert run(["export", str(name), "--out", "o.mp4"]) == 2
    line = one_error_line(capsys, "evil\\n\\x1b[31mred\\x1b[0m\\u202e.narr.json")
    assert "\u202e" not in line
    missing = tmp_path / "no\nsuch.mp4"
    assert run(["render", str(missing), "--product", str(files["product"]), "--out", "o.mp4"]) == 2
    one_error_line(capsys, "no\\nsuch.mp4")


# --- write errors ----------------------------------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path: Path) -> Path:
    """A 256 KiB tmpfs filled up (root only); skipped where mounting is not allowed."""
    mount = tmp_path / "full"
    mount.mkdir()
    try:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("cannot run mount")
    if proc.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        with open(mount / "filler", "wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
    except OSError:
        pass
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def test_project_save_on_a_full_disk_is_one_line_and_leaves_no_temp(full_disk: Path, video: Path) -> None:
    from core.errors import WriteError

    target = full_disk / "p.narr.json"
    with pytest.raises(WriteError) as info:
        pj.save_project(sample_project(video), target)
    message = str(info.value)
    assert str(target) in message and "no space" in message and "\n" not in message
    assert os.listdir(full_disk) == ["filler"], "temporary files left on the full disk"
    assert isinstance(info.value, OSError) and info.value.errno == 28


def test_project_save_failing_midway_leaves_no_backup_temp(
    tmp_path: Path, video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection (works without root): the backup copy fails; neither temp file stays behind."""
    from core.errors import WriteError

    target = tmp_path / "p.narr.json"
    pj.save_project(sample_project(video), target)
    before = target.read_bytes()
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        if str(dst).endswith(".bak"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(pj.os, "replace", failing_replace)
    with pytest.raises(WriteError) as info:
        pj.save_project(pj.set_narration(sample_project(video), 0, "新台词"), target)
    assert "p.narr.json.bak" in str(info.value)
    assert sorted(os.listdir(tmp_path)) == ["p.narr.json"]
    assert target.read_bytes() == before


@pytest.mark.timeout(300)
def test_render_project_on_a_full_disk_exits_2_naming_it(
    full_disk: Path, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = full_disk / "p.narr.json"
    args = [
        "render",
        str(files["video"]),
        "--product",
        str(files["product"]),
        "--out",
        str(tmp_path / "o.mp4"),
    ]
    assert run([*args, "--project", str(target)]) == 2
    one_error_line(capsys, str(target), "no space")
    assert os.listdir(full_disk) == ["filler"]
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.timeout(300)
def test_export_srt_on_a_full_disk_names_the_srt(
    full_disk: Path, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srt = full_disk / "o.srt"
    out = tmp_path / "o.mp4"
    assert run(["export", str(files["project"]), "--out", str(out), "--srt", str(srt)]) == 2
    line = one_error_line(capsys, str(srt))
    assert str(out) not in line.split(":")[0]
    assert os.listdir(full_disk) == ["filler"]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_any_os_error_is_exit_2_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An OSError from a write path nobody wrapped (here: a fault injected into the dataset writer's
    rename) is still a user-facing exit 2 naming the file, not an internal error."""
    import core.commands.narrate as narrate

    def fail(*args: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "out.jsonl"))

    data = tmp_path / "in.jsonl"
    product = {"name": "清泉牌 保温杯", "attributes": {"质量/特性": "长效保温、轻巧杯身、一键开盖"}}
    data.write_text(json.dumps({"id": "a", "product": product, "clips": []}) + "\n")
    monkeypatch.setattr(narrate, "_write_atomic", fail)
    assert run(["narrate-dataset", str(data), str(tmp_path / "out.jsonl")]) == 2
    one_error_line(capsys, "out.jsonl", "Permission denied")


def test_dataset_output_on_a_full_disk_is_exit_2_naming_it(
    full_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(_dataset() + "\n" + _dataset(id="v2") + "\n", encoding="utf-8")
    out = full_disk / "out.jsonl"
    assert run(["narrate-dataset", str(data), str(out), "--storyline", "given"]) == 2
    one_error_line(capsys, str(out), "no space")
    assert os.listdir(full_disk) == ["filler"], "a temporary file was left on the full disk"
