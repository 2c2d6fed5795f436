"""Storyline planner: one or two of the 12 labels per clip, from position, length, neighbours and cues.

A small generative model learned from dev.jsonl's label sequences: per-clip evidence (position in the
ad, character budget, optional visual cues) combined naive-Bayes style, and label-to-label transitions
decoded with Viterbi so the storyline reads as a whole (recommendation first, call to action last).
Labels the user fixed are clamped and condition their neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.narration.base import VisualCues

# Hand-set likelihood ratios for visual cues (the dataset has no frames to learn them from).
_CUE_BOOST: dict[str, dict[str, float]] = {
    "faces": {"产品试用": 2.0, "产品功效": 1.4, "痛点铺垫": 1.3},
    "text": {"引导购买": 3.0, "安全认证": 2.5, "鉴定展示": 2.5, "质量/特性介绍": 1.3},
    "closeup": {"外观设计": 2.0, "质地/成分/材质": 2.0},
    "motion": {"产品试用": 1.5, "生产过程": 1.3},
}


SECOND_WITHIN = 0.9
"""A clip gets a second label when the runner-up's posterior is at least this share of the top one's:
the close calls, where the ad could be read either way (15% of clips in cross-validation; dev has two
labels on 16% of clips)."""
SMOOTHING = 8.0
"""Dirichlet prior strength (in clips) pulling sparse count rows towards the overall label frequencies."""
NEIGHBOURS = 20
"""Similar training products whose storylines shape a new product's label prior (cosmetics talk texture,
clothes talk looks); cross-validated first-label accuracy 41.1 -> 43 with 20 neighbours."""
NEIGHBOUR_PRIOR = 10.0
"""Weight (in neighbours' worth) of the overall label frequencies mixed into the neighbours' distribution."""


def position_class(index: int, count: int) -> int:
    """0 first, 1 second, 2 middle, 3 second to last, 4 last (one clip counts as first): ads open and
    close differently from their middle, so the tables count labels by this class."""
    if index <= 0:
        return 0
    if index >= count - 1:
        return 4
    if index == 1:
        return 1
    if index == count - 2:
        return 3
    return 2


def length_bucket(chars: int) -> int:
    """The clip's character budget in 7 classes (a 10-character clip says other things than a 60-one)."""
    for i, edge in enumerate((12, 18, 25, 35, 50, 70)):
        if chars < edge:
            return i
    return 6


@dataclass(frozen=True)
class PlanClip:
    target_chars: int
    fixed: tuple[str, ...] = ()
    cues: VisualCues | None = None


class StorylinePlanner:
    """Viterbi over labels with learned emissions (position, length) and transitions."""

    def __init__(self, labels: Sequence[str], tables: Mapping[str, Any]) -> None:
        self.labels = list(labels)
        n = len(self.labels)
        prior = [float(x) for x in tables["prior"]]
        total = sum(prior)
        self.log_prior = [math.log(x / total) for x in prior]

        p_prior = [x / total for x in prior]

        def cond(rows: Sequence[Sequence[float]]) -> list[list[float]]:
            """log P(label | feature) - log P(label), smoothed towards the prior (sparse rows ~ 0)."""
            out = []
            for row in rows:
                s = sum(row)
                out.append(
                    [
                        math.log((x + SMOOTHING * p) / (s + SMOOTHING)) - math.log(p)
                        for x, p in zip(row, p_prior)
                    ]
                )
            return out

        self.by_pos = cond(tables["by_pos"])
        self.by_len = cond(tables["by_len"])
        self.trans = cond(tables["trans"])
        self.cooc = [list(map(float, row)) for row in tables["cooc"]]
        self.multi_by_len = [(int(a), int(b)) for a, b in tables["multi_by_len"]]
        self.product_labels = [list(map(float, row)) for row in tables.get("product_labels", ())]
        self.p_prior = p_prior
        self.start = n

    def product_bias(self, similarity: Sequence[float]) -> list[float] | None:
        """Per-label log ratio from the storylines of the training products most similar to this one.

        `similarity` is aligned with the resource's products (LineWriter.product_context computes it).
        """
        if not self.product_labels or len(similarity) != len(self.product_labels):
            return None
        near = sorted(range(len(similarity)), key=lambda i: (-similarity[i], i))[:NEIGHBOURS]
        n = len(self.labels)
        agg = [0.0] * n
        for i in near:
            row = self.product_labels[i]
            total = sum(row)
            if total > 0 and similarity[i] > 0:
                for j in range(n):
                    agg[j] += similarity[i] * row[j] / total
        z = sum(agg)
        if z <= 0:
            return None
        k = float(NEIGHBOURS)
        return [
            math.log((NEIGHBOUR_PRIOR * p + k * a / z) / (NEIGHBOUR_PRIOR + k)) - math.log(p)
            for p, a in zip(self.p_prior, agg)
        ]

    def _emission(self, i: int, count: int, clip: PlanClip) -> list[float]:
        pos = position_class(i, count)
        lb = length_bucket(clip.target_chars)
        em = [lp + a + b for lp, a, b in zip(self.log_prior, self.by_pos[pos], self.by_len[lb])]
        if clip.cues is not None:
            for cue, boosts in _CUE_BOOST.items():
                strength = float(getattr(clip.cues, cue, 0.0))
                if strength > 0.3:
                    for lab, ratio in boosts.items():
                        if lab in self.labels:
                            em[self.labels.index(lab)] += math.log(ratio) * min(1.0, strength)
        return em

    def plan(
        self,
        clips: Sequence[PlanClip],
        bias: Sequence[float] | None = None,
        forbid: Iterable[str] = (),
    ) -> list[tuple[str, ...]]:
        """Labels per clip; fixed labels are returned as given. `bias`: product_bias() of the ad's product;
        `forbid`: labels never predicted (安全认证 for a product with no certification in its knowledge)."""
        forbid = set(forbid)
        if forbid:
            n = len(self.labels)
            extra = [-1e6 if lab in forbid else 0.0 for lab in self.labels]
            bias = [b + e for b, e in zip(bias if bias is not None and len(bias) == n else [0.0] * n, extra)]
        posts = self.posteriors(clips, bias)
        out: list[tuple[str, ...]] = []
        n = len(self.labels)
        for c, post in zip(clips, posts):
            if c.fixed:
                out.append(tuple(c.fixed))
                continue
            k = max(range(n), key=post.__getitem__)
            out.append(self._with_second(c, k, post))
        return out

    def posteriors(self, clips: Sequence[PlanClip], bias: Sequence[float] | None = None) -> list[list[float]]:
        """Unnormalised log posterior of every label for every clip (forward-backward over the ad)."""
        count = len(clips)
        if count == 0:
            return []
        n = len(self.labels)
        neg = -1e9
        ems = [self._emission(i, count, c) for i, c in enumerate(clips)]
        if bias is not None and len(bias) == n:
            ems = [[e + b for e, b in zip(em, bias)] for em in ems]
        for i, c in enumerate(clips):
            fixed = [self.labels.index(x) for x in c.fixed if x in self.labels]
            if fixed:
                ems[i] = [0.0 if k == fixed[0] else neg for k in range(n)]
        # forward-backward: per-clip posterior marginals (maximises expected per-clip accuracy)
        fwd = [[ems[0][k] + self.trans[self.start][k] for k in range(n)]]
        for i in range(1, count):
            prev = fwd[-1]
            fwd.append(
                [ems[i][k] + _logsumexp([prev[j] + self.trans[j][k] for j in range(n)]) for k in range(n)]
            )
        bwd = [[0.0] * n for _ in range(count)]
        for i in range(count - 2, -1, -1):
            nxt = bwd[i + 1]
            bwd[i] = [
                _logsumexp([self.trans[k][j] + ems[i + 1][j] + nxt[j] for j in range(n)]) for k in range(n)
            ]
        posts = [[f + b for f, b in zip(fw, bw)] for fw, bw in zip(fwd, bwd)]
        return posts

    def _with_second(self, clip: PlanClip, k: int, post: Sequence[float]) -> tuple[str, ...]:
        """The top label, plus the runner-up when it is nearly as likely (a close call)."""
        j = max((x for x in range(len(self.labels)) if x != k), key=lambda x: post[x], default=-1)
        if j >= 0 and post[j] - post[k] >= math.log(SECOND_WITHIN):
            return (self.labels[k], self.labels[j])
        return (self.labels[k],)


def _logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    if m < -1e8:
        return m
    return m + math.log(sum(math.exp(x - m) for x in xs))
