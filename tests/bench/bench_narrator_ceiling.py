"""`./run bench narrator_ceiling [--max-folds N] [--wide POOL]`: how far re-ranking could take BLEU-4.

For each held-out clip (cross-validated by product as in `bench narrator`, storyline given) it keeps every
line the writer chose from, then scores picks made *with the reference in hand*: the line with most
n-gram matches among the top K (an oracle no narrator can be). If even the oracle's top-5 pick falls
short of a goal, no ranking of these candidates reaches it: the lines themselves would have to change.
`--wide` repeats it with a pool that large (scan 3x), to see whether more templates would help.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from tests.bench.bench_narrator import DATA, blank, fold_of

TOPS = (1, 3, 5, 10, 1000)


def _matches(cand: str, ref: str) -> int:
    """n-gram matches with the reference, longer n-grams counting more (what BLEU-4 rewards)."""
    from core.narration.evaluation import chars, ngrams

    c, r = chars(cand), chars(ref)
    score = 0
    for n in range(1, 5):
        got, want = ngrams(c, n), ngrams(r, n)
        score += n * n * sum(min(k, want[g]) for g, k in got.items())
    return score


def _pools(narrator: Any, test: Sequence[dict], limit: int) -> list[list[str]]:
    """Per clip of `test` (in order), the lines the writer chose from (`limit` one-part lines and the
    two-part ones), its own pick first."""
    from core.narration.dataset import video_request

    writer = narrator.writer
    write = writer.write
    pools: list[list[str]] = []

    def recording(ctx: Any, labels: Any, lo: int, hi: int, pos: int, state: Any, *rest: Any) -> Any:
        found = writer.ranked_lines(ctx, labels, lo, hi, pos, state, limit=limit)
        lines = [c.text for c in found]
        pick = write(ctx, labels, lo, hi, pos, state, *rest)
        pools[-1].append([pick.text, *[x for x in lines if x != pick.text]])
        return pick

    writer.write = recording
    try:
        for v in blank(test):
            pools.append([])
            got = narrator.narrate(video_request(v, "given"))
            lines = iter(pools.pop())
            # clips too short for speech never reach the writer
            pools.extend(next(lines) if line.text else [""] for line in got)
    finally:
        writer.write = write
    return pools


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench narrator_ceiling")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--max-folds", type=int, default=2)
    ap.add_argument("--wide", type=int, default=96, help="pool size of the wide run (0: skip it)")
    args = ap.parse_args(argv)
    if not DATA.is_file():
        print(f"{DATA}: not found", file=sys.stderr)
        return 2
    from core.narration.embedded import EmbeddedNarrator
    from core.narration.evaluation import bleu, cider_d
    from core.narration.learn import build_resource, read_videos
    from core.narration.writer import PICK_POOL, Weights

    videos = read_videos(DATA)
    names = sorted({v["product"]["name"] for v in videos})
    runs = [("default pool", Weights(), PICK_POOL)]  # the pool write() picks from
    if args.wide:
        runs.append((f"pool {args.wide}", Weights(pool=args.wide, scan=3 * args.wide), args.wide))
    refs: list[str] = []
    pools: dict[str, list[list[str]]] = {name: [] for name, _, _ in runs}
    for k in range(min(args.folds, args.max_folds)):
        test_names = {n for n in names if fold_of(n, args.folds) == k}
        train = [v for v in videos if v["product"]["name"] not in test_names]
        test = [v for v in videos if v["product"]["name"] in test_names]
        resource = build_resource(train)
        refs.extend(c["narration"] for v in test for c in v["clips"])
        for name, weights, limit in runs:
            pools[name].extend(_pools(EmbeddedNarrator(resource=resource, weights=weights), test, limit))
        print(f"fold {k + 1}/{args.folds}: {len(test)} videos", file=sys.stderr, flush=True)
    print(f"storyline given, folds 1-{min(args.folds, args.max_folds)} of {args.folds}, {len(refs)} clips")
    print("| candidates | mean pool | pick | BLEU-4 | CIDEr-D |")
    print("| --- | --- | --- | --- | --- |")
    for name, per_clip in pools.items():
        mean = sum(len(p) for p in per_clip) / max(1, len(per_clip))
        for top in TOPS:
            if top == 1:
                picks, how = [p[0] for p in per_clip], "the writer's own"
            else:
                picks = [max(p[:top], key=lambda x, r=r: _matches(x, r)) for p, r in zip(per_clip, refs)]
                how = f"oracle, best of top {top}" if top < 1000 else "oracle, best of all"
            wrapped = [[r] for r in refs]
            print(
                f"| {name} | {mean:.0f} | {how} | {bleu(picks, wrapped)[3]:.2f} | {cider_d(picks, wrapped):.1f} |"
            )
    return 0
