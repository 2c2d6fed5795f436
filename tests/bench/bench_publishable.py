"""`./run bench publishable`: would an advertiser publish the narrator's lines? (issue #23)

Writes a blind rating set as ../shared/eval/copywriter-rubric.md asks, storyline given (each clip's labels
from the data):
- `ours-dev`: one ad each of `--products` products of dev.jsonl held out by fold (the narrator is rebuilt,
  as in `bench narrator`, from the other folds only, so it never saw them), and `reference`: the human lines
  of the same clips;
- `ours-ooc`: the out-of-category products of tests/bench/data/faithfulness_products.jsonl (our lines only,
  the bundled narrator).
Shuffled with `--seed` into tests/bench/ratings/TAG/rate.jsonl (what the rater sees) and key.jsonl (kept
apart), and prints the automatic floor figures (inside budget, figures and offers found in the card).

    ./run bench publishable --tag before [--products 12] [--seed 0] [--folds 5] [--data DEV] [--force]
    ./run bench publishable --score RATINGS.jsonl --key KEY.jsonl [--rate RATE.jsonl]

`--score` prints per source the share rated 2/1/0, the rewrite share per budget band and the most frequent
defects with examples (rate.jsonl beside the key adds the floor figures); a ratings file whose n values do
not match the key exactly is an error naming the missing and extra ones (exit 2).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RATINGS = ROOT / "tests" / "bench" / "ratings"
OOC = ROOT / "tests" / "bench" / "data" / "faithfulness_products.jsonl"
DEV_PARTS = ("shared", "data", "esync", "dev.jsonl")


def dev_path(given: Path | None = None) -> Path:
    """`--data`, else ../shared/data/esync/dev.jsonl beside the checkout (or beside the worktrees' folder)."""
    if given is not None:
        return given
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base.joinpath(*DEV_PARTS)
        if path.is_file():
            return path
    return ROOT.parent.joinpath(*DEV_PARTS)


def pick_held_out(videos: list[dict[str, Any]], count: int, folds: int, seed: int) -> dict[int, list[dict]]:
    """Per fold, the ads (one per product) of `count` products taken round-robin over the folds."""
    from tests.bench.bench_narrator import fold_of

    rng = random.Random(seed)
    names = sorted({v["product"]["name"] for v in videos})
    by_fold = {k: [n for n in names if fold_of(n, folds) == k] for k in range(folds)}
    for k in by_fold:
        rng.shuffle(by_fold[k])
    picked: dict[int, list[dict]] = {}
    k = 0
    while sum(map(len, picked.values())) < min(count, len(names)):
        if by_fold[k % folds]:
            name = by_fold[k % folds].pop()
            ads = sorted((v for v in videos if v["product"]["name"] == name), key=lambda v: v["id"])
            picked.setdefault(k % folds, []).append(rng.choice(ads))
        k += 1
    return picked


def make_items(args: argparse.Namespace) -> tuple[list[Any], float, int]:
    """The lines to rate (ours-dev, reference, ours-ooc), the narration seconds and clip count."""
    from core.narration.dataset import video_request
    from core.narration.embedded import EmbeddedNarrator
    from core.narration.learn import build_resource, read_videos
    from tests.bench.bench_faithfulness import load_products
    from tests.bench.bench_narrator import blank, fold_of
    from tests.bench.publishable import Item

    videos = read_videos(dev_path(args.data))
    items: list[Item] = []
    secs, clips = 0.0, 0
    for k, ads in sorted(pick_held_out(videos, args.products, args.folds, args.seed).items()):
        train = [v for v in videos if fold_of(v["product"]["name"], args.folds) != k]
        narrator = EmbeddedNarrator(resource=build_resource(train))
        for v in ads:
            start = time.perf_counter()
            lines = narrator.narrate(video_request(blank([v])[0], "given"))
            secs += time.perf_counter() - start
            clips += len(lines)
            for c, line in zip(v["clips"], lines):
                common = (
                    v["id"],
                    c["index"],
                    v["product"],
                    tuple(c["labels"]),
                    c["chars_min"],
                    c["chars_max"],
                )
                items.append(Item("ours-dev", *common, line.text))
                items.append(Item("reference", *common, str(c["narration"])))
        print(f"fold {k}: {len(ads)} held-out ads narrated", file=sys.stderr, flush=True)
    narrator = EmbeddedNarrator()
    for item in load_products(OOC):
        start = time.perf_counter()
        lines = narrator.narrate(video_request(item, "given"))
        secs += time.perf_counter() - start
        clips += len(lines)
        for c, line in zip(item["clips"], lines):
            labels = tuple(c["labels"])
            items.append(
                Item(
                    "ours-ooc",
                    item["id"],
                    c["index"],
                    item["product"],
                    labels,
                    c["chars_min"],
                    c["chars_max"],
                    line.text,
                )
            )
    return items, secs, clips


def generate(args: argparse.Namespace) -> int:
    from tests.bench.publishable import floor_figures, format_floor, shuffled_rows, write_jsonl

    if not dev_path(args.data).is_file():
        print(
            f"error: {dev_path(args.data)}: not found (the held-out products come from dev.jsonl)",
            file=sys.stderr,
        )
        return 2
    folder = RATINGS / args.tag
    rate_path, key_path = folder / "rate.jsonl", folder / "key.jsonl"
    if not args.force and (rate_path.exists() or key_path.exists()):
        print(
            f"error: {folder}: a rating set is already there (rated files are kept; --force to replace)",
            file=sys.stderr,
        )
        return 2
    items, secs, clips = make_items(args)
    rate, key = shuffled_rows(items, args.seed)
    write_jsonl(rate_path, rate)
    write_jsonl(key_path, key)
    counts = Counter(row["source"] for row in key)
    print(f"wrote {rate_path} ({len(rate)} lines to rate) and {key_path} (keep it from the rater)")
    print("lines per source: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    print(format_floor(floor_figures(rate, key)))
    print(f"speed: {1000 * secs / max(1, clips):.1f} ms/clip (warm, storyline given)")
    return 0


def score(args: argparse.Namespace) -> int:
    from tests.bench.publishable import (
        RatingError,
        floor_figures,
        format_floor,
        format_scores,
        read_jsonl,
        score_ratings,
    )

    try:
        key = read_jsonl(args.key)
        ratings = read_jsonl(args.score)
        scores = score_ratings(ratings, key, args.score, args.key)
        rate_path = args.rate or args.key.parent / "rate.jsonl"
        rate = read_jsonl(rate_path) if rate_path.is_file() else None
    except RatingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{sum(s.count for s in scores.values())} lines rated ({args.score})")
    print(format_scores(scores))
    if rate is not None:
        print()
        print(format_floor(floor_figures(rate, key)))
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench publishable")
    ap.add_argument("--tag", default="run", help="folder under tests/bench/ratings for the rating set")
    ap.add_argument("--products", type=int, default=12, help="held-out dev products, one ad each")
    ap.add_argument("--seed", type=int, default=0, help="picks the products and shuffles the lines")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--data", type=Path, default=None, help="dev.jsonl (default: ../shared/data/esync/dev.jsonl)"
    )
    ap.add_argument("--force", action="store_true", help="replace an existing rating set of this tag")
    ap.add_argument("--score", type=Path, default=None, metavar="RATINGS.jsonl")
    ap.add_argument("--key", type=Path, default=None, metavar="KEY.jsonl")
    ap.add_argument("--rate", type=Path, default=None, metavar="RATE.jsonl", help="default: beside the key")
    args = ap.parse_args(argv)
    if args.score is not None or args.key is not None:
        if args.score is None or args.key is None:
            print(
                "error: --score RATINGS.jsonl needs --key KEY.jsonl (and the other way round)",
                file=sys.stderr,
            )
            return 2
        return score(args)
    if args.products < 1 or args.folds < 2:
        print("error: --products must be >= 1 and --folds >= 2", file=sys.stderr)
        return 2
    return generate(args)
