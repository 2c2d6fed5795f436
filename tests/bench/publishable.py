"""The blind copywriter rating (../shared/eval/copywriter-rubric.md) as files and figures, for
`./run bench publishable` (tests/bench/bench_publishable.py) and its tests.

A rating set is two files in one folder: `rate.jsonl`, what the rater sees (one object per line: n, product
{name, attributes}, labels, budget "min-max", line; shuffled, no hint of the writer), and `key.jsonl`, kept
apart (n -> source, product id, clip index, budget, line). Sources: `reference` (the human line of a held-out
dev clip), `ours-dev` (our line for the same clip, narrator built without that product), `ours-ooc` (our line
for a product outside beauty care, no reference). The rater returns one object per line: {n, score 2/1/0,
defect, note}; `score_ratings` turns ratings + key into shares per source, the rewrite share per budget band
and the most frequent defects with examples. `floor_figures` are the automatic checks printed beside them:
inside the budget, and every figure and offer a line says found in the product's card.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCES = ("reference", "ours-dev", "ours-ooc")
BANDS = ((0, 20, "<=20"), (21, 40, "21-40"), (41, 60, "41-60"), (61, 10**9, ">60"))
"""Budget bands by the budget's upper bound (chars_max)."""
DEFECTS = (
    "list-dump",
    "wrong-collocation",
    "off-category-word",
    "dangling",
    "filler",
    "name",
    "unsupported-claim",
    "repetition",
    "role-mismatch",
    "awkward",
    "double-cta",
    "none",
)
"""The rubric's defect tags (others are counted as given)."""


class RatingError(ValueError):
    """A ratings or key file that does not match the rating set (one line naming the file and problem)."""


@dataclass(frozen=True)
class Item:
    """One line to rate and where it came from."""

    source: str
    product_id: str
    clip: int
    product: Mapping[str, Any]  # {name, attributes}
    labels: tuple[str, ...]
    chars_min: int
    chars_max: int
    line: str


def shuffled_rows(items: Sequence[Item], seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rate rows, key rows): the items in a fixed-seed random order, numbered n = 1.. in that order."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    rate, key = [], []
    for n, i in enumerate(order, start=1):
        it = items[i]
        budget = f"{it.chars_min}-{it.chars_max}"
        product = {"name": it.product.get("name", ""), "attributes": dict(it.product.get("attributes", {}))}
        rate.append(
            {"n": n, "product": product, "labels": list(it.labels), "budget": budget, "line": it.line}
        )
        key.append(
            {
                "n": n,
                "source": it.source,
                "product": it.product_id,
                "clip": it.clip,
                "budget": budget,
                "line": it.line,
            }
        )
    return rate, key


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON object per non-empty line; a bad line is a RatingError naming the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RatingError(f"{path}: cannot read ({exc})") from None
    rows = []
    for i, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RatingError(f"{path}: line {i} is not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise RatingError(f"{path}: line {i} is not an object")
        rows.append(row)
    return rows


def _as_int(value: Any) -> int | None:
    """An integer or a string of digits (a rater may write "2"); anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _n_of(row: Mapping[str, Any], path: Path, i: int) -> int:
    n = _as_int(row.get("n"))
    if n is None:
        raise RatingError(f"{path}: line {i} has no integer 'n'")
    return n


def defect_tags(value: Any) -> list[str]:
    """A rater's defect field as tags: "list-dump", "awkward, name", ["name"], None -> [] ("none" dropped)."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else re.split(r"[,，;；/|\s]+", str(value))
    tags = [str(p).strip().lower() for p in parts if str(p).strip()]
    return [t for t in tags if t != "none"]


def band_of(budget: str) -> str:
    hi = int(str(budget).split("-")[-1])
    return next(name for lo_b, hi_b, name in BANDS if lo_b <= hi <= hi_b)


@dataclass
class SourceScore:
    count: int = 0
    scores: Counter[int] = field(default_factory=Counter)
    band_total: Counter[str] = field(default_factory=Counter)
    band_rewrite: Counter[str] = field(default_factory=Counter)
    defects: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def share(self, score: int) -> float:
        return 100.0 * self.scores[score] / self.count if self.count else 0.0

    def band_share(self, band: str) -> float | None:
        total = self.band_total[band]
        return 100.0 * self.band_rewrite[band] / total if total else None


def score_ratings(
    ratings: Sequence[Mapping[str, Any]],
    key: Sequence[Mapping[str, Any]],
    ratings_path: Path = Path("ratings"),
    key_path: Path = Path("key"),
    examples: int = 3,
) -> dict[str, SourceScore]:
    """Per source: the share rated 2/1/0, rewrites (0) per budget band, defect tags with example lines.

    Every n of the key must be rated exactly once and nothing else: otherwise a RatingError names the
    missing, extra or repeated n values."""
    key_by_n: dict[int, Mapping[str, Any]] = {}
    for i, row in enumerate(key, start=1):
        n = _n_of(row, key_path, i)
        if n in key_by_n:
            raise RatingError(f"{key_path}: n {n} appears twice")
        if row.get("source") not in SOURCES:
            raise RatingError(f"{key_path}: line {i} has an unknown source {row.get('source')!r}")
        key_by_n[n] = row
    rated: dict[int, Mapping[str, Any]] = {}
    repeated: list[int] = []
    for i, row in enumerate(ratings, start=1):
        n = _n_of(row, ratings_path, i)
        if n in rated:
            repeated.append(n)
        score = _as_int(row.get("score"))
        if score not in (0, 1, 2):
            raise RatingError(
                f"{ratings_path}: line {i} (n {n}): 'score' must be 0, 1 or 2, not {row.get('score')!r}"
            )
        rated[n] = {**row, "score": score}
    missing = sorted(set(key_by_n) - set(rated))
    extra = sorted(set(rated) - set(key_by_n))
    problems = []
    if missing:
        problems.append(f"missing n {_ranges(missing)}")
    if extra:
        problems.append(f"n not in the key {_ranges(extra)}")
    if repeated:
        problems.append(f"n rated twice {_ranges(sorted(set(repeated)))}")
    if problems:
        raise RatingError(f"{ratings_path}: does not match {key_path}: " + "; ".join(problems))
    out: dict[str, SourceScore] = {s: SourceScore() for s in SOURCES}
    for n in sorted(key_by_n):
        k, r = key_by_n[n], rated[n]
        s = out[str(k["source"])]
        score = int(r["score"])
        s.count += 1
        s.scores[score] += 1
        band = band_of(str(k.get("budget", "0-0")))
        s.band_total[band] += 1
        s.band_rewrite[band] += score == 0
        for tag in defect_tags(r.get("defect")) if score < 2 else []:
            s.defects[tag] += 1
            shown = s.examples.setdefault(tag, [])
            if len(shown) < examples:
                note = str(r.get("note") or "").strip()
                shown.append(f"{k.get('line', '')}" + (f" ({note})" if note else ""))
    return {s: v for s, v in out.items() if v.count}


def _ranges(ns: Sequence[int]) -> str:
    """1, 2, 3, 7 -> "1-3, 7" (long lists stay readable in one line)."""
    parts: list[str] = []
    start = prev = ns[0]
    for n in [*ns[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def format_scores(scores: Mapping[str, SourceScore], top: int = 6) -> str:
    out = [
        "| source | lines | publish as is (2) | light edit (1) | rewrite (0) |",
        "| --- | --- | --- | --- | --- |",
        "| goal for ours-dev and ours-ooc (issue #23) | | >= 50% | | <= 15% |",
    ]
    for src, s in scores.items():
        out.append(f"| {src} | {s.count} | {s.share(2):.0f}% | {s.share(1):.0f}% | {s.share(0):.0f}% |")
    out += ["", "rewrite share by budget band (upper bound of the budget):", ""]
    out.append("| source | " + " | ".join(name for _, _, name in BANDS) + " |")
    out.append("|" + " --- |" * (len(BANDS) + 1))
    for src, s in scores.items():
        cells = []
        for _, _, name in BANDS:
            share = s.band_share(name)
            cells.append(
                "" if share is None else f"{share:.0f}% ({s.band_rewrite[name]}/{s.band_total[name]})"
            )
        out.append(f"| {src} | " + " | ".join(cells) + " |")
    for src, s in scores.items():
        out += ["", f"most frequent defects, {src} (lines rated 0 or 1):"]
        if not s.defects:
            out.append("  (none)")
        for tag, count in s.defects.most_common(top):
            out.append(f"  {tag}: {count}")
            out += [f"    - {ex}" for ex in s.examples.get(tag, [])]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- automatic floor figures

_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_OFFERS = (
    re.compile(r"买[^，。！？、\s]{1,8}?[享送][^，。！？、\s]{1,8}"),
    re.compile(r"(?<!赠)送(?!给|到|你|您|货)[^，。！？、\s]{1,10}"),
    re.compile(r"第[二三2-3]件[^，。！？、\s]{1,4}"),
    re.compile(r"[\d一二两三四五六七八九十]+期免息"),
    re.compile(r"[\d.一二三四五六七八九十]+折"),
    re.compile(r"(?:到手价|券后|立减|直降|满减)[^，。！？、\s]{0,8}"),
)
"""Offer phrases in a line: each must be said by the card (活动优惠 and the rest), as the card says it."""


def unsupported_figures(line: str, card: str) -> list[str]:
    """Figures and offers in `line` that the card text never says ("买50克享95克" when it says 买100克享190克)."""
    bad = [f for f in _FIGURE.findall(line) if f not in _FIGURE.findall(card)]
    flat = re.sub(r"\s+", "", card)
    for pattern in _OFFERS:
        for m in pattern.finditer(line):
            phrase = m.group(0)
            if phrase not in flat and not _offer_in_card(phrase, flat):
                bad.append(phrase)
    return list(dict.fromkeys(bad))


def _offer_in_card(phrase: str, card: str) -> bool:
    """The phrase with its trailing particles and call-to-action words trimmed is in the card."""
    core = re.sub(r"(?:哦|呢|啦|吧|哟|呀|了|的|喔|赶紧.*|快来.*|现在.*|下单.*|入手.*|抢.*)$", "", phrase)
    return len(core) >= 2 and core in card


def card_text(product: Mapping[str, Any]) -> str:
    attrs = product.get("attributes", {}) or {}
    return str(product.get("name", "")) + "|" + "|".join(f"{k}:{v}" for k, v in attrs.items())


def floor_figures(
    rate: Sequence[Mapping[str, Any]], key: Sequence[Mapping[str, Any]], examples: int = 3
) -> dict[str, dict[str, Any]]:
    """Per source: lines inside their budget and lines whose figures and offers are all in the card."""
    by_n = {int(r["n"]): r for r in rate}
    out: dict[str, dict[str, Any]] = {}
    for k in key:
        r = by_n.get(int(k["n"]))
        if r is None:
            continue
        f = out.setdefault(str(k["source"]), {"lines": 0, "inside": 0, "card_ok": 0, "examples": []})
        line = str(r["line"])
        lo, hi = (int(x) for x in str(r["budget"]).split("-"))
        f["lines"] += 1
        f["inside"] += lo <= len(line) <= hi
        bad = unsupported_figures(line, card_text(r["product"]))
        if bad:
            if len(f["examples"]) < examples:
                f["examples"].append(f"{line}  <- {', '.join(bad)}")
        else:
            f["card_ok"] += 1
    return {s: out[s] for s in SOURCES if s in out}


def format_floor(figures: Mapping[str, Mapping[str, Any]]) -> str:
    out = [
        "automatic floor figures (goal for our lines: 100% and 100%):",
        "",
        "| source | lines | inside budget | figures and offers found in the card |",
        "| --- | --- | --- | --- |",
    ]
    for src, f in figures.items():
        n = max(1, f["lines"])
        out.append(
            f"| {src} | {f['lines']} | {100 * f['inside'] / n:.1f}% | "
            f"{100 * f['card_ok'] / n:.1f}% ({f['lines'] - f['card_ok']} lines not) |"
        )
    for src, f in figures.items():
        for ex in f["examples"]:
            out.append(f"  {src}: {ex}")
    return "\n".join(out)
