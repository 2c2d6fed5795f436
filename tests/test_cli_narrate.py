"""CLI contract of narrate-dataset and eval-narration (subprocess-free: core.cli.run in process)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from core.cli import run

VIDEOS = [
    {
        "id": "v1",
        "product": {
            "name": "清泉牌保温杯大容量不锈钢水杯",
            "attributes": {"功效": "保温12小时、保冷", "活动优惠": "买一送一", "外观": "磨砂杯身"},
        },
        "clips": [
            {
                "index": 0,
                "chars_min": 12,
                "chars_max": 18,
                "labels": ["产品推荐"],
                "narration": "今天推荐清泉牌保温杯，真的好用。",
            },
            {
                "index": 1,
                "chars_min": 20,
                "chars_max": 26,
                "labels": ["产品功效", "其他"],
                "narration": "它能保温12小时，还能保冷，出门带着特别方便。",
            },
            {
                "index": 2,
                "chars_min": 10,
                "chars_max": 16,
                "labels": ["引导购买"],
                "narration": "现在买一送一，赶紧下单吧。",
            },
        ],
    },
    {"id": "v2", "product": {"name": "", "attributes": {}}, "clips": []},
    {
        "id": "v3",
        "product": {"name": "Acme", "attributes": {"odd key": "long battery"}},
        "clips": [
            {
                "index": 0,
                "chars_min": 8,
                "chars_max": 14,
                "labels": ["外观设计"],
                "narration": "外观很简约很好看",
            }
        ],
    },
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_narrate_dataset_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", VIDEOS)
    before = src.read_bytes()
    out = tmp_path / "out.jsonl"
    assert run(["narrate-dataset", str(src), str(out), "--storyline", "given"]) == 0
    assert src.read_bytes() == before
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["v1", "v2", "v3"]
    assert rows[1]["clips"] == []
    for row, video in zip(rows, VIDEOS):
        assert set(row) == {"id", "clips"}
        assert [c["index"] for c in row["clips"]] == [c["index"] for c in video["clips"]]
        for c, ref in zip(row["clips"], video["clips"]):
            assert set(c) == {"index", "labels", "narration"}
            assert ref["chars_min"] <= len(c["narration"]) <= ref["chars_max"]
    assert rows[0]["clips"][1]["labels"] == ["产品功效", "其他/通用卖点"]
    assert "narrate: 100%" in capsys.readouterr().err

    # predicted storyline: labels come from the planner, not from IN
    pred = tmp_path / "pred.jsonl"
    assert run(["narrate-dataset", str(src), str(pred)]) == 0
    assert all(c["labels"] for r in read_jsonl(pred) for c in r["clips"])


def test_blanking_narration_changes_nothing(tmp_path: Path) -> None:
    blanked = json.loads(json.dumps(VIDEOS))
    for v in blanked:
        for c in v["clips"]:
            c["narration"] = ""
    for storyline in ("given", "predict"):
        a, b = tmp_path / f"a-{storyline}.jsonl", tmp_path / f"b-{storyline}.jsonl"
        for videos, name, out in ((VIDEOS, "full.jsonl", a), (blanked, "blank.jsonl", b)):
            src = write_jsonl(tmp_path / name, videos)
            assert run(["narrate-dataset", str(src), str(out), "--storyline", storyline]) == 0
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1, "clips": []}\n{not json\n', ":2: not valid JSON"),
        (
            '{"id": 1, "clips": [{"index": 0, "chars_min": 9, "chars_max": 3, "labels": []}]}\n',
            ":1: clip 0: chars_max 3 is smaller than chars_min 9",
        ),
        ('{"id": 1, "clips": [{"index": 0, "labels": []}]}\n', ":1: clip 0: 'chars_min' and 'chars_max'"),
        ("[1, 2]\n", ":1: expected a JSON object"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(content, encoding="utf-8")
    assert run(["narrate-dataset", str(src), str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0] and str(src) in err[0]
    assert not (tmp_path / "o.jsonl").exists()


def test_missing_input_and_same_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["narrate-dataset", str(tmp_path / "nope.jsonl"), str(tmp_path / "o.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    src = write_jsonl(tmp_path / "in.jsonl", VIDEOS)
    assert run(["narrate-dataset", str(src), str(src)]) == 2
    assert "overwrite the input" in capsys.readouterr().err


def test_eval_narration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", VIDEOS)
    assert run(["eval-narration", str(ref), str(ref), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bleu1"] == 100.0 and report["cider_d"] > 0 and report["label_accuracy"] == 100.0
    assert report["lines"] == 4 and report["sync"] == 100.0

    pred = tmp_path / "pred.jsonl"
    assert run(["narrate-dataset", str(ref), str(pred), "--storyline", "given"]) == 0
    capsys.readouterr()
    assert run(["eval-narration", str(ref), str(pred)]) == 0
    out = capsys.readouterr().out
    for name in (
        "BLEU-1",
        "BLEU-4",
        "METEOR",
        "CIDEr-D",
        "lines inside budget %",
        "knowledge coverage %",
        "4-gram repetition %",
        "label accuracy %",
    ):
        assert name in out
    assert "lines inside budget %    100.0" in out

    partial = write_jsonl(tmp_path / "partial.jsonl", read_jsonl(pred)[:1])
    assert run(["eval-narration", str(ref), str(partial)]) == 2
    assert "no prediction for video 'v2'" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_output_gets_normal_permissions(tmp_path: Path) -> None:
    """OUT is written to a temp file and renamed; it must not stay private (mkstemp's 0600)."""
    src = write_jsonl(tmp_path / "in.jsonl", VIDEOS[1:2])
    out = tmp_path / "out.jsonl"
    old_mask = os.umask(0o022)
    try:
        assert run(["narrate-dataset", str(src), str(out)]) == 0
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
