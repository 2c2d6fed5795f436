"""`./run bench publishable`'s files and scoring (tests/bench/publishable.py): the blind rating set's format,
the per-source arithmetic, budget bands, defects, n mismatches named, and the automatic floor figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bench import bench_publishable
from tests.bench.publishable import (
    Item,
    RatingError,
    band_of,
    defect_tags,
    floor_figures,
    format_scores,
    read_jsonl,
    score_ratings,
    shuffled_rows,
    unsupported_figures,
    write_jsonl,
)

CARD = {
    "name": "美的无油空气炸锅家用5升大容量",
    "attributes": {"活动优惠": "到手价299元、送烘焙纸", "功效": "少油健康"},
}


def _items() -> list[Item]:
    out = []
    for clip, (lo, hi) in enumerate([(5, 10), (18, 24), (30, 36), (45, 51), (70, 76)]):
        labels = ("产品推荐",)
        out.append(Item("ours-dev", "p1", clip, CARD, labels, lo, hi, f"我们的第{clip}句"))
        out.append(Item("reference", "p1", clip, CARD, labels, lo, hi, f"人写的第{clip}句"))
    out.append(Item("ours-ooc", "ooc-01", 0, CARD, ("引导购买",), 12, 18, "到手价299元，送烘焙纸。"))
    return out


def test_rating_files_have_the_rubric_fields_and_keep_the_source_apart(tmp_path: Path) -> None:
    items = _items()
    rate, key = shuffled_rows(items, seed=7)
    assert [r["n"] for r in rate] == list(range(1, len(items) + 1)) == [k["n"] for k in key]
    for r in rate:
        assert set(r) == {"n", "product", "labels", "budget", "line"}
        assert set(r["product"]) == {"name", "attributes"} and r["budget"].count("-") == 1
    assert {k["source"] for k in key} == {"ours-dev", "reference", "ours-ooc"}
    assert all(set(k) >= {"n", "source", "product", "clip"} for k in key)
    # the same seed gives the same order; another seed shuffles differently; nothing is lost
    assert shuffled_rows(items, seed=7) == (rate, key)
    assert [r["line"] for r in shuffled_rows(items, seed=8)[0]] != [r["line"] for r in rate]
    assert sorted(r["line"] for r in rate) == sorted(it.line for it in items)
    by_n = {k["n"]: k for k in key}
    assert all(by_n[r["n"]]["line"] == r["line"] for r in rate)
    write_jsonl(tmp_path / "rate.jsonl", rate)
    assert read_jsonl(tmp_path / "rate.jsonl") == rate
    assert "ours" not in (tmp_path / "rate.jsonl").read_text(encoding="utf-8")  # no hint of the writer


def _ratings(key: list[dict[str, Any]], scores: dict[tuple[str, int], tuple[int, Any]]) -> list[dict]:
    out = []
    for k in key:
        score, defect = scores.get((k["source"], k["clip"]), (2, "none"))
        out.append({"n": k["n"], "score": score, "defect": defect, "note": "n" + str(k["n"])})
    return out


def test_shares_bands_and_defects_per_source() -> None:
    _, key = shuffled_rows(_items(), seed=3)
    given = {
        ("ours-dev", 0): (0, "list-dump"),
        ("ours-dev", 1): (0, "wrong-collocation, name"),
        ("ours-dev", 2): (1, ["name"]),
        ("ours-dev", 4): (0, "list-dump"),
        ("reference", 3): (1, "awkward"),
        ("ours-ooc", 0): (0, "double-cta"),
    }
    scores = score_ratings(_ratings(key, given), key)
    dev, ref, ooc = scores["ours-dev"], scores["reference"], scores["ours-ooc"]
    assert (dev.count, dev.share(2), dev.share(1), dev.share(0)) == (5, 20.0, 20.0, 60.0)
    assert (ref.share(2), ref.share(1), ref.share(0)) == (80.0, 20.0, 0.0)
    assert ooc.share(0) == 100.0
    # budgets 5-10, 18-24 -> <=20 ... by the upper bound: 10 and 24 fall in <=20 and 21-40
    assert dev.band_share("<=20") == 100.0 and dev.band_share("21-40") == 50.0
    assert dev.band_share("41-60") == 0.0 and dev.band_share(">60") == 100.0
    assert ooc.band_share(">60") is None
    assert dev.defects == {"list-dump": 2, "wrong-collocation": 1, "name": 2}
    assert dev.examples["list-dump"][0].startswith("我们的第")
    text = format_scores(scores)
    assert "| ours-dev | 5 | 20% | 20% | 60% |" in text and "list-dump: 2" in text
    assert "100% (1/1)" in text  # the >60 band of ours-dev


def test_budget_bands_by_upper_bound() -> None:
    assert [band_of(b) for b in ("1-7", "15-20", "18-21", "35-40", "41-47", "55-60", "58-64")] == [
        "<=20",
        "<=20",
        "21-40",
        "21-40",
        "41-60",
        "41-60",
        ">60",
    ]
    assert defect_tags("awkward / name；filler") == ["awkward", "name", "filler"]
    assert defect_tags(None) == [] and defect_tags("none") == []


def test_missing_extra_and_repeated_n_are_named() -> None:
    _, key = shuffled_rows(_items(), seed=1)
    ratings = _ratings(key, {})
    with pytest.raises(RatingError, match=r"missing n 3-4, 9.*not in the key 40"):
        score_ratings(
            [r for r in ratings if r["n"] not in (3, 4, 9)] + [{"n": 40, "score": 1}], key, Path("r.jsonl")
        )
    with pytest.raises(RatingError, match="rated twice 2"):
        score_ratings([*ratings, dict(ratings[1])], key)
    with pytest.raises(RatingError, match=r"r\.jsonl: line 1 .*'score' must be 0, 1 or 2"):
        score_ratings([{"n": 1, "score": 3}], key, Path("r.jsonl"))
    with pytest.raises(RatingError, match="integer 'n'"):
        score_ratings([{"n": "one", "score": 2}], key)
    with pytest.raises(RatingError, match="'score' must be 0, 1 or 2, not True"):
        score_ratings([{"n": 1, "score": True}], key)
    as_text = [{**r, "n": str(r["n"]), "score": str(r["score"])} for r in ratings]  # "2" is read as 2
    assert score_ratings(as_text, key)["reference"].share(2) == 100.0


def test_score_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rate, key = shuffled_rows(_items(), seed=5)
    write_jsonl(tmp_path / "rate.jsonl", rate)
    write_jsonl(tmp_path / "key.jsonl", key)
    write_jsonl(tmp_path / "ratings.jsonl", _ratings(key, {}))
    args = ["--score", str(tmp_path / "ratings.jsonl"), "--key", str(tmp_path / "key.jsonl")]
    assert bench_publishable.main(args) == 0
    out = capsys.readouterr().out
    assert "| reference | 5 | 100% | 0% | 0% |" in out and "inside budget" in out
    write_jsonl(tmp_path / "ratings.jsonl", _ratings(key, {})[1:])
    assert bench_publishable.main(args) == 2
    assert "missing n 1" in capsys.readouterr().err
    (tmp_path / "ratings.jsonl").write_text("{not json\n", encoding="utf-8")
    assert bench_publishable.main(args) == 2
    assert "line 1 is not JSON" in capsys.readouterr().err
    assert bench_publishable.main(["--score", str(tmp_path / "ratings.jsonl")]) == 2


def test_floor_figures_find_changed_and_invented_offers() -> None:
    card = "九阳豆浆机|活动优惠:买100克享190克、第二件半价、到手价299元|质量/特性:二十分钟做好"
    assert unsupported_figures("现在买100克享190克，第二件半价！", card) == []
    assert unsupported_figures("到手价299元，赶紧入手。", card) == []
    assert "买50克享95克" in unsupported_figures("现在买50克享95克。", card)
    assert set(unsupported_figures("加一元升级DDR5，试用30天。", card)) == {"5", "30"}
    assert unsupported_figures("下单送数据线。", card) == ["送数据线"]
    assert unsupported_figures("我送给你一个好消息。", card) == []
    rate, key = shuffled_rows(
        [
            Item("ours-ooc", "a", 0, CARD, ("引导购买",), 8, 14, "到手价299元，送烘焙纸。"),
            Item("ours-ooc", "a", 1, CARD, ("引导购买",), 8, 14, "到手价199元，送烘焙纸。"),
            Item("ours-ooc", "a", 2, CARD, ("引导购买",), 2, 4, "到手价299元。"),
        ],
        seed=0,
    )
    f = floor_figures(rate, key)["ours-ooc"]
    assert (f["lines"], f["inside"], f["card_ok"]) == (3, 2, 2)
    assert "199" in f["examples"][0]


def test_the_committed_before_set_matches_its_key() -> None:
    """tests/bench/ratings/before: what the lead has rated blind; rate and key agree line by line."""
    folder = Path(__file__).parent / "bench" / "ratings" / "before"
    rate, key = read_jsonl(folder / "rate.jsonl"), read_jsonl(folder / "key.jsonl")
    assert [r["n"] for r in rate] == [k["n"] for k in key] == list(range(1, len(rate) + 1))
    assert all(r["line"] == k["line"] and r["budget"] == k["budget"] for r, k in zip(rate, key))
    sources = {k["source"] for k in key}
    assert sources == {"reference", "ours-dev", "ours-ooc"}
    dev = [k for k in key if k["source"] == "ours-dev"]
    refs = {(k["product"], k["clip"]) for k in key if k["source"] == "reference"}
    assert {(k["product"], k["clip"]) for k in dev} == refs  # every dev clip has its reference
    assert json.dumps(rate[0], ensure_ascii=False).count("source") == 0
