"""`main.py batch CATALOGUE --out DIR` as other tools call it: outputs, report, exit codes, reruns, cancel, Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.batch import (
    STAGING_SUFFIX,
    BatchItem,
    BatchOptions,
    export_writes_report,
    read_catalogue,
    run_local,
)
from core.errors import InputError
from core.media import probe
from core.project import load_project
from tests.mediagen import make_cut_video, make_video
from tests.test_render_cli import PRODUCT, ROOT, cli

pytestmark = pytest.mark.slow

OUTPUT_SUFFIXES = (".mp4", ".srt", ".narr.json", ".report.json")


@pytest.fixture
def media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue folder: two tiny videos, a broken one, a product file."""
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "广告 cat"
    (folder / "clips").mkdir(parents=True)
    make_cut_video(folder / "clips" / "a.mp4", [("color=c=green", 1.5), ("color=c=red", 1.5)], size="160x120")
    make_video(folder / "clips" / "b.mp4", duration=2.0, size="160x120")
    (folder / "clips" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200)
    (folder / "p.json").write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    return folder


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def outputs(out: Path, name: str) -> list[Path]:
    suffixes = OUTPUT_SUFFIXES if export_writes_report() else OUTPUT_SUFFIXES[:3]
    return [out / f"{name}{s}" for s in suffixes]


def assert_item_done(out: Path, name: str, video: Path) -> None:
    mp4, srt, proj, *report = outputs(out, name)
    project = load_project(proj)
    assert project.video is not None and os.path.samefile(project.video, video)
    info = probe(mp4)
    assert info.has_audio and abs(info.duration_ms - probe(video).duration_ms) <= 80
    srt.read_text(encoding="utf-8")
    for r in report:
        assert isinstance(json.loads(r.read_text(encoding="utf-8")), dict)


def read_report(out: Path) -> dict[str, dict]:
    data = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert set(data) == {"items"}
    return {e["name"]: e for e in data["items"]}


def no_leftovers(out: Path) -> None:
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden == [], hidden


def test_broken_item_is_reported_and_the_rest_renders_then_rerun_skips(media: Path, tmp_path: Path) -> None:
    rows = [
        {"video": "clips/a.mp4", "product": "p.json"},  # name defaults to the stem "a"
        {
            "video": "clips/b.mp4",
            "product": {"name": "保温杯", "attributes": {"材质": "不锈钢"}},
            "name": "杯子",
        },
        {"video": "clips/broken.mp4", "product": "p.json", "name": "坏"},
        {"video": "clips/a.mp4", "product": "missing.json", "name": "no-product"},
    ]
    catalogue = write_jsonl(media / "catalogue.jsonl", rows)
    out = tmp_path / "out"
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "2")
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout.strip() == str(out / "batch-report.json")
    report = read_report(out)
    assert [report[n]["status"] for n in ("a", "杯子", "坏", "no-product")] == [
        "done",
        "done",
        "failed",
        "failed",
    ]
    assert report["a"]["video"] == str(media / "clips" / "a.mp4")
    assert report["a"]["output"] == str((out / "a.mp4").resolve()) and report["a"]["seconds"] > 0
    for name, culprit in (("坏", "broken.mp4"), ("no-product", "missing.json")):
        error = report[name]["error"]
        assert culprit in error and "\n" not in error
        assert f"batch: {name}: failed: " in proc.stderr
        assert not any(p.exists() for p in outputs(out, name))
    assert "batch: 4/4 items (2 failed, 0 skipped), ETA" in proc.stderr
    assert_item_done(out, "a", media / "clips" / "a.mp4")
    assert_item_done(out, "杯子", media / "clips" / "b.mp4")
    no_leftovers(out)
    stamps = {p: p.stat().st_mtime_ns for p in outputs(out, "a") + outputs(out, "杯子")}

    # rerun: complete items are skipped (nothing rewritten), the failed ones are tried again
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "2")
    assert proc.returncode == 4, proc.stderr
    report = read_report(out)
    assert [report[n]["status"] for n in ("a", "杯子", "坏", "no-product")] == [
        "skipped",
        "skipped",
        "failed",
        "failed",
    ]
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps

    # outputs that are present but not sound are redone: a truncated MP4, a project that is not one;
    # the staging folder of a batch killed outright (its process is gone) is swept
    (out / ".a.999999999-dead.partial").mkdir()
    mp4 = out / "杯子.mp4"
    mp4.write_bytes(mp4.read_bytes()[: mp4.stat().st_size // 3])
    (out / "a.narr.json").write_text("{}", encoding="utf-8")
    write_jsonl(catalogue, rows[:2])
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    report = read_report(out)
    assert set(report) == {"a", "杯子"} and {e["status"] for e in report.values()} == {"done"}
    assert_item_done(out, "a", media / "clips" / "a.mp4")
    assert_item_done(out, "杯子", media / "clips" / "b.mp4")
    no_leftovers(out)


def test_csv_catalogue_with_inline_product(media: Path, tmp_path: Path) -> None:
    product_cell = json.dumps({"name": "保温杯", "attributes": {"材质": "不锈钢"}}, ensure_ascii=False)
    csv_text = 'video,product,name,sku\n"clips/b.mp4","' + product_cell.replace('"', '""') + '",杯,SKU-1\n'
    catalogue = media / "catalogue.csv"
    catalogue.write_bytes(b"\xef\xbb\xbf" + csv_text.encode("utf-8"))  # as a spreadsheet saves it
    out = tmp_path / "csv out"
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "1", "--no-burn-subtitles")
    assert proc.returncode == 0, proc.stderr
    assert read_report(out)["杯"]["status"] == "done"
    assert_item_done(out, "杯", media / "clips" / "b.mp4")
    assert load_project(out / "杯.narr.json").product.name == "保温杯"
    assert not load_project(out / "杯.narr.json").export.burn_subtitles
    # a rerun with other render options is not "complete": burning the subtitles in (the default, as
    # `render` does: a batch item is exactly a render) redoes the item
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert read_report(out)["杯"]["status"] == "done"
    assert load_project(out / "杯.narr.json").export.burn_subtitles
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "1", "--burn-subtitles")
    assert read_report(out)["杯"]["status"] == "skipped"


def test_catalogue_errors_exit_2_and_write_nothing(media: Path, tmp_path: Path) -> None:
    (media / "other").mkdir()
    make_video(media / "other" / "a.mp4", duration=1.0, size="160x120")
    cases = {
        "dup.jsonl": (
            '{"video": "clips/a.mp4", "product": "p.json"}\n{"video": "other/a.mp4", "product": "p.json"}\n',
            "duplicate output name 'a'",
        ),
        "dupcase.jsonl": (
            '{"video": "clips/a.mp4", "product": "p.json", "name": "Ad"}\n'
            '{"video": "clips/b.mp4", "product": "p.json", "name": "aD"}\n',
            "duplicate output name",
        ),
        "badjson.jsonl": (
            '{"video": "clips/a.mp4", "product": "p.json"}\n{"video": \n',
            "line 2: not valid JSON",
        ),
        "noproduct.jsonl": ('{"video": "clips/a.mp4"}\n', "line 1: 'product'"),
        "slash.jsonl": (
            '{"video": "clips/a.mp4", "product": "p.json", "name": "../x"}\n',
            "not a plain file name",
        ),
        "empty.jsonl": ("\n", "no items"),
        "nocols.csv": ("file,what\nclips/a.mp4,p.json\n", "header needs the columns"),
        # writing DIR/a.mp4 would overwrite the source video of the item itself
        "self.jsonl": ('{"video": "other/a.mp4", "product": "p.json"}\n', "a.mp4"),
    }
    out = tmp_path / "never"
    for file_name, (text, message) in cases.items():
        (media / file_name).write_text(text, encoding="utf-8")
        target = media / "other" if file_name == "self.jsonl" else out
        proc = cli("batch", str(media / file_name), "--out", str(target))
        assert proc.returncode == 2, (file_name, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], (file_name, lines)
    proc = cli("batch", str(media / "nope.jsonl"), "--out", str(out))
    assert proc.returncode == 2 and "no such catalogue" in proc.stderr
    assert not out.exists()
    assert sorted(p.name for p in (media / "other").iterdir()) == ["a.mp4"]


def test_read_catalogue_resolves_paths_and_names(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    folder.mkdir()
    write_jsonl(
        folder / "c.jsonl",
        [
            {"video": "v/x.mp4", "product": "../p.json"},
            {"video": str(tmp_path / "abs.mp4"), "product": {"name": "n"}, "name": " 名字 "},
            {"video": "y.mov", "product": "p.json", "name": ""},
        ],
    )
    items = read_catalogue(folder / "c.jsonl")
    assert [i.name for i in items] == ["x", "名字", "y"]
    assert items[0].video == folder / "v" / "x.mp4" and items[0].product_path == tmp_path / "p.json"
    assert items[1].video == tmp_path / "abs.mp4" and items[1].product_inline == {"name": "n"}
    assert [i.line for i in items] == [1, 2, 3]
    (folder / "bad.jsonl").write_text('["video"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        read_catalogue(folder / "bad.jsonl")


def _staging_dirs(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name.endswith(STAGING_SUFFIX)] if out.exists() else []


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_ctrl_c_cancels_the_batch_with_exit_130_and_no_partial_outputs(
    media: Path, tmp_path: Path, engine: str
) -> None:
    if engine == "ray":
        pytest.importorskip("ray")
    shots = [("color=c=green", 4.0), ("color=c=red", 4.0), ("color=c=yellow", 4.0), ("color=c=blue", 4.0)]
    make_cut_video(media / "clips" / "long.mp4", shots, size="320x240")
    catalogue = write_jsonl(
        media / "c.jsonl",
        [{"video": "clips/long.mp4", "product": "p.json", "name": f"long{i}"} for i in range(3)],
    )
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "main.py"), "batch", str(catalogue), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--engine", engine, "--workers", "2", "--burn-subtitles"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 240
    while not _staging_dirs(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until an item is being rendered (its staging folder exists)
    assert _staging_dirs(out), "no item started"
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=180) == 130, rest
    assert "cancelled" in rest
    names = sorted(p.name for p in out.iterdir())
    report = read_report(out)
    finished = {n for n, e in report.items() if e["status"] == "done"}
    # only the report and the outputs of items that finished before the Ctrl-C, complete
    assert names == sorted(["batch-report.json", *[p.name for n in finished for p in outputs(out, n)]])
    assert len(finished) < 3
    for name in finished:
        assert_item_done(out, name, media / "clips" / "long.mp4")


def test_ray_engine_on_a_local_two_cpu_cluster(media: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    catalogue = write_jsonl(
        media / "c.jsonl",
        [
            {"video": "clips/a.mp4", "product": "p.json"},
            {"video": "clips/b.mp4", "product": "p.json"},
            {"video": "clips/broken.mp4", "product": "p.json"},
        ],
    )
    out = tmp_path / "ray out"
    proc = cli("batch", str(catalogue), "--out", str(out), "--engine", "ray", "--workers", "2")
    assert proc.returncode == 4, proc.stderr
    report = read_report(out)
    assert {n: e["status"] for n, e in report.items()} == {"a": "done", "b": "done", "broken": "failed"}
    assert "broken.mp4" in report["broken"]["error"]
    assert_item_done(out, "a", media / "clips" / "a.mp4")
    assert_item_done(out, "b", media / "clips" / "b.mp4")
    no_leftovers(out)
    # the same outputs count as done for the local engine: a rerun skips them
    proc = cli("batch", str(catalogue), "--out", str(out), "--workers", "1")
    assert proc.returncode == 4
    assert {n: e["status"] for n, e in read_report(out).items()} == {
        "a": "skipped",
        "b": "skipped",
        "broken": "failed",
    }


def test_bad_options_exit_2_before_any_work(media: Path, tmp_path: Path) -> None:
    catalogue = write_jsonl(media / "c.jsonl", [{"video": "clips/a.mp4", "product": "p.json"}])
    out = tmp_path / "o"
    for args, message in (
        (["--ray-address", "auto"], "only used with --engine ray"),
        (["--workers", "0"], "--workers 0"),
        (["--model", str(tmp_path)], "--model is only used with --narrator llm"),
        (["--narrator", "llm", "--model", str(tmp_path / "no-model")], "no-model"),
        (["--voice", "klingon"], "no such voice"),
    ):
        proc = cli("batch", str(catalogue), "--out", str(out), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, lines)
    assert not out.exists()


def test_ray_is_imported_only_inside_the_ray_engine() -> None:
    from tests.test_import_rules import _imports

    offenders = [
        f"{p.relative_to(ROOT)}:{line}"
        for p in sorted((ROOT / "core").rglob("*.py"))
        for mod, line, top in _imports(p)
        if mod.split(".")[0] == "ray" and (top or p.name != "batch_ray.py")
    ]
    assert not offenders, offenders
    probe_code = "import sys, core.cli, core.batch; core.cli.build_parser(); print('ray' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", probe_code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.stdout.strip() == "False", proc.stderr


def crash_on_crash(item: BatchItem, out_dir: Path, options: BatchOptions) -> dict:
    """A pool task double: the item named "crash" kills its worker process outright."""
    if item.name == "crash":
        os._exit(3)
    time.sleep(0.2)  # still running when the crash breaks the pool
    return {"status": "done", "seconds": 0.2, "warnings": []}


def test_a_worker_that_dies_fails_only_its_own_item(tmp_path: Path) -> None:
    items = [BatchItem(n, tmp_path / f"{n}.mp4", product_inline={}) for n in ("a", "crash", "b", "c")]
    results: dict[str, str] = {}
    run_local(
        items,
        tmp_path,
        BatchOptions(),
        workers=2,
        on_result=lambda item, result: results.__setitem__(item.name, result["status"]),
        task=crash_on_crash,
    )
    assert results == {"a": "done", "b": "done", "c": "done", "crash": "failed"}


@pytest.mark.parametrize(
    "line",
    [
        '{"video": "a.mp4", "product": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"video": "a.mp4", "product": {"name": "n", "attributes": {"x": ' + "9" * 5000 + "}}}",
        '{"video": "a.mp4", "product": {"name": "\\ud800"}}',
    ],
    ids=["deep", "huge-number", "lone-surrogate"],
)
def test_malformed_catalogue_lines_are_input_errors(tmp_path: Path, line: str) -> None:
    """The catalogue is a user file: the strict parser's limits apply (never RecursionError or exit 1)."""
    (tmp_path / "c.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        read_catalogue(tmp_path / "c.jsonl")
    (tmp_path / "c.csv").write_text(
        "video,product\na.mp4," + json.dumps(line[30:-1]) + "\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"c\.csv"):
        read_catalogue(tmp_path / "c.csv")
