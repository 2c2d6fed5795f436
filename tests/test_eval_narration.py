"""Narration metrics on tiny cases that can be checked by hand."""

from __future__ import annotations

import math

import pytest

from core.narration.evaluation import (
    bleu,
    cider_d,
    evaluate,
    knowledge_terms,
    meteor,
    meteor_segment,
    repetition_4gram,
)


def test_bleu_by_hand() -> None:
    assert bleu(["abcd"], [["abcd"]]) == pytest.approx([100, 100, 100, 100])
    # p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0; same length so no brevity penalty
    b = bleu(["abcx"], [["abcd"]])
    assert b[0] == pytest.approx(75.0)
    assert b[1] == pytest.approx(100 * math.sqrt(0.75 * 2 / 3))
    assert b[2] == pytest.approx(100 * (0.75 * 2 / 3 * 0.5) ** (1 / 3))
    assert b[3] == 0.0
    # brevity penalty exp(1 - r/c) = exp(1 - 4/2)
    assert bleu(["ab"], [["abcd"]])[0] == pytest.approx(100 * math.exp(-1))
    # corpus level: counts are pooled before dividing; whitespace is ignored
    assert bleu(["a b", "cd"], [["ab"], ["ce"]])[0] == pytest.approx(75.0)
    # clipping: "aaaa" against "abcd" matches one 'a' only
    assert bleu(["aaaa"], [["abcd"]])[0] == pytest.approx(25.0)


def test_meteor_by_hand() -> None:
    # 2 matches, 1 chunk: F = 1, penalty = 0.5 * (1/2)^3
    assert meteor_segment("ab", "ab") == pytest.approx(1 - 0.0625)
    # swapped: 2 chunks -> penalty 0.5
    assert meteor_segment("ba", "ab") == pytest.approx(0.5)
    # P = 1/2, R = 1: F = P R / (0.9 P + 0.1 R) = 0.5 / 0.55; one chunk of one match: penalty 0.5
    assert meteor_segment("ax", "a") == pytest.approx(0.5 / 0.55 * 0.5)
    assert meteor_segment("xyz", "abc") == 0.0
    assert meteor(["ab", "ba"], [["ab"], ["ab"]]) == pytest.approx(100 * (0.9375 + 0.5) / 2)


def test_cider_d_by_hand() -> None:
    # Two documents: "abcd" matches its reference exactly (cosine 1 for every n) -> 10;
    # "xyz" vs "xyw": 1-grams 2/3, 2-grams 1/2, none longer, equal length -> 10 * (2/3 + 1/2) / 4.
    score = cider_d(["abcd", "xyz"], [["abcd"], ["xyw"]])
    assert score == pytest.approx(100 * (10 + 10 * (2 / 3 + 1 / 2) / 4) / 2)
    # Gaussian length penalty, sigma 6: one extra unmatched char changes the score
    assert cider_d(["abcdq", "xyz"], [["abcd"], ["xyw"]]) < score
    # n-grams in every reference have idf 0 and earn nothing
    assert cider_d(["ab", "ab"], [["ab"], ["ab"]]) == 0.0


def test_repetition_and_knowledge_terms() -> None:
    assert repetition_4gram(["abcdabcd"]) == (1, 5)
    assert repetition_4gram(["abcde", "xbcde"]) == (1, 4)
    assert knowledge_terms({"功效": "补水、保湿，美白", "x": "a、长效"}) == ["补水", "保湿", "美白", "长效"]


def test_evaluate_sync_coverage_and_labels() -> None:
    refs = [
        {
            "product": {"name": "p", "attributes": {"功效": "补水、保湿"}},
            "clips": [
                {"index": 0, "chars_min": 2, "chars_max": 4, "labels": ["产品推荐"], "narration": "补水好"},
                {"index": 1, "chars_min": 2, "chars_max": 4, "labels": ["其他"], "narration": "很好用"},
            ],
        }
    ]
    preds = [
        {
            "clips": [
                {"index": 0, "labels": ["产品功效", "产品推荐"], "narration": "保湿真好"},
                {"index": 1, "labels": ["其他/通用卖点"], "narration": "这个真的很好用"},
            ]
        }
    ]
    r = evaluate(refs, preds)
    assert r.sync == 50.0 and r.coverage == 50.0 and r.label_accuracy == 100.0 and r.lines == 2
    assert evaluate(refs, refs).bleu[2] == pytest.approx(100.0)  # 3-char lines have no 4-grams
