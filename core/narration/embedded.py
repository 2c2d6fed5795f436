"""The embedded narrator: storyline planner + template line writer, from a bundled resource.

Works on every machine with no model download; the resource (resources/narrator/embedded.json.gz) is
built from E-SyncVidStory by scripts/build_narrator_resource.py and loaded once per process.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.labels import LABEL_NAMES, canonical_label, resource_dir
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, Narrator
from core.narration.budget import char_budget
from core.narration.knowledge import CLAIM_LABELS, has_knowledge_for
from core.narration.learn import decode_resource, position_class
from core.narration.planner import PlanClip, StorylinePlanner
from core.narration.writer import AdState, LineWriter, Weights

RESOURCE_NAME = "embedded.json.gz"


def resource_path() -> Path:
    return resource_dir() / "narrator" / RESOURCE_NAME


@functools.lru_cache(maxsize=2)
def _load(path: str) -> tuple[StorylinePlanner, LineWriter]:
    try:
        resource = decode_resource(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the narrator resource ({exc})") from None
    return _models(resource)


def _models(
    resource: Mapping[str, Any], weights: Weights | None = None
) -> tuple[StorylinePlanner, LineWriter]:
    return StorylinePlanner(resource["labels"], resource["planner"]), LineWriter(resource, weights)


def clip_budget(clip: ClipRequest, request: NarrationRequest) -> tuple[int, int]:
    """The clip's explicit budget (dataset) or the one from its duration and the speaking rate."""
    if clip.chars_min is not None and clip.chars_max is not None:
        if clip.chars_max < clip.chars_min:
            raise InputError(
                f"clip {clip.index}: chars_max {clip.chars_max} is smaller than chars_min {clip.chars_min}"
            )
        return max(0, int(clip.chars_min)), max(0, int(clip.chars_max))
    return char_budget(clip.duration_ms, request.rate_cps, request.tolerance)


def _labels(raw: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for x in raw:
        lab = canonical_label(x)
        if lab and lab not in out:
            out.append(lab)
    return tuple(out)


_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "外观设计": (("外观",), "质量/特性介绍"),
    "质地/成分/材质": (("成分/材质", "质地"), "质量/特性介绍"),
    "痛点铺垫": (("痛点",), "产品推荐"),
}
"""Labels whose lines need a knowledge field, and the label that writes the line without it."""


class EmbeddedNarrator(Narrator):
    """Narrator backed by the bundled resource; `resource` (a dict) overrides it (cross-validation)."""

    name = "embedded"

    def __init__(
        self,
        resource: Mapping[str, Any] | None = None,
        resource_file: str | Path | None = None,
        weights: Weights | None = None,
    ) -> None:
        if resource is not None:
            self.planner, self.writer = _models(resource, weights)
        else:
            path = Path(resource_file) if resource_file else resource_path()
            if not path.is_file():
                raise InputError(
                    f"{path}: narrator resource is missing (run scripts/build_narrator_resource.py)"
                )
            self.planner, self.writer = _load(str(path))

    # ---- planning ----
    def plan(self, request: NarrationRequest, ctx: Any = None) -> list[tuple[str, ...]]:
        """Labels per clip: fixed ones kept, the rest predicted (conditioned on similar products' ads)."""
        clips = []
        for c in request.clips:
            lo, hi = clip_budget(c, request)
            clips.append(PlanClip((lo + hi) // 2, _labels(c.labels), c.cues))
        if ctx is None:
            ctx = self.writer.product_context(
                request.product.name, request.product.attributes, request.product.spoken_name
            )
        # no 安全认证 / 鉴定展示 / 生产过程 clip for a product whose knowledge cannot back it
        attrs = request.product.attributes
        forbid = {x for x in CLAIM_LABELS if not has_knowledge_for(x, attrs)}
        # nor a looks or materials clip for a product whose knowledge says nothing of them
        forbid |= {
            lab
            for lab, (keys, _) in _NEEDS.items()
            if lab != "痛点铺垫" and not any(str(attrs.get(k, "")).strip() for k in keys)
        }
        return self.planner.plan(clips, self.planner.product_bias(ctx.similarity), forbid)

    # ---- writing ----
    def narrate(
        self,
        request: NarrationRequest,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[ClipNarration]:
        budgets = [clip_budget(c, request) for c in request.clips]
        ctx = self.writer.product_context(
            request.product.name, request.product.attributes, request.product.spoken_name
        )
        plan = self.plan(request, ctx)
        state = AdState()
        for c in request.clips:
            if c.locked_text:
                state.add(c.locked_text)
        out: list[ClipNarration] = []
        count = len(request.clips)
        for i, (c, labels, (lo, hi)) in enumerate(zip(request.clips, plan, budgets)):
            if cancel is not None:
                cancel.raise_if_cancelled()
            progress(i / max(1, count), "writing narration")
            out.append(self._one(request, i, c, labels, lo, hi, ctx, state, request.seed))
        self._name_once(request, out, plan, ctx)
        progress(1.0, "narration written")
        return out

    def _name_once(
        self, request: NarrationRequest, out: list[ClipNarration], plan: list[tuple[str, ...]], ctx: Any
    ) -> None:
        """Every ad names the product: when no line does, the best clip for it (a recommendation, else
        the first long enough one that is not the user's) is rewritten with a line that names it."""
        names = [x for x in (ctx.full_name, ctx.spoken_name) if x]
        if not names or any(n in line.text for line in out for n in names):
            return
        order = sorted(
            range(len(out)),
            key=lambda i: ("产品推荐" not in plan[i], i != 0, i),
        )
        for i in order:
            c, line = request.clips[i], out[i]
            if c.locked_text or line.chars_max < min(map(len, names)) + 2:
                continue
            state = AdState()
            for j, other in enumerate(out):
                if j != i and other.text:
                    state.add(other.text)
            labels = self._writing_labels(plan[i], request)
            pos = position_class(i, len(request.clips))
            cand = self.writer.write(
                ctx, labels, line.chars_min, line.chars_max, pos, state, 0, frozenset(), must_name=True
            )
            if any(n in cand.text for n in names) and line.chars_min <= len(cand.text) <= line.chars_max:
                out[i] = ClipNarration(line.index, line.labels, cand.text, line.chars_min, line.chars_max)
                return

    @staticmethod
    def _writing_labels(labels: tuple[str, ...], request: NarrationRequest) -> tuple[str, ...]:
        """The labels whose templates write the line: a 安全认证 / 鉴定展示 / 生产过程 clip of a product
        with no such knowledge talks about its quality instead of inventing a certificate."""
        out: list[str] = []
        attrs = request.product.attributes
        for lab in labels or (LABEL_NAMES[-1],):
            if not has_knowledge_for(lab, attrs):
                lab = "质量/特性介绍"
            elif lab in _NEEDS and not any(str(attrs.get(k, "")).strip() for k in _NEEDS[lab][0]):
                lab = _NEEDS[lab][1]  # a looks clip of a product whose knowledge says nothing of its looks
            if lab not in out:
                out.append(lab)
        return tuple(out)

    def _one(
        self,
        request: NarrationRequest,
        i: int,
        c: ClipRequest,
        labels: tuple[str, ...],
        lo: int,
        hi: int,
        ctx: Any,
        state: AdState,
        seed: int,
        exclude: frozenset[str] = frozenset(),
        rewrite: bool = False,
    ) -> ClipNarration:
        if c.locked_text is not None and c.locked_text != "" and not rewrite:
            warn = () if lo <= len(c.locked_text) <= hi else ("locked line is outside the budget",)
            return ClipNarration(c.index, labels, c.locked_text, lo, hi, warn)
        if hi <= 0:
            return ClipNarration(c.index, labels, "", 0, 0, ("clip too short for speech",))
        pos = position_class(i, len(request.clips))
        # narrate: seed 0 is the best line, other seeds vary it; rewrite: seed k is the k-th best
        choice = seed if rewrite else 0 if seed == 0 else random.Random(seed * 1_000_003 + i).randrange(4)
        cand = self.writer.write(
            ctx, self._writing_labels(labels, request), lo, hi, pos, state, choice, exclude
        )
        state.add(cand.text, cand.terms, cand.template)
        return ClipNarration(c.index, labels, cand.text, lo, hi)

    def _clip_in_context(
        self, request: NarrationRequest, index: int, context: list[ClipNarration] | None
    ) -> tuple[int, ClipRequest, int, int, Any, AdState, str, tuple[str, ...]]:
        """What rewrite and alternatives both need for clip `index`: its position, request and budget, the
        product context, the other clips' lines as ad state, its current line and its labels."""
        pos_of = {c.index: i for i, c in enumerate(request.clips)}
        if index not in pos_of:
            raise InputError(f"no clip with index {index}")
        i = pos_of[index]
        c = request.clips[i]
        lo, hi = clip_budget(c, request)
        ctx = self.writer.product_context(
            request.product.name, request.product.attributes, request.product.spoken_name
        )
        state = AdState()
        current = ""
        labels: tuple[str, ...] = _labels(c.labels)
        for other in context or []:
            if other.index == index:
                current = other.text
                labels = labels or _labels(other.labels)
            elif other.text:
                state.add(other.text)
        if not labels:
            labels = self.plan(request, ctx)[i]
        return i, c, lo, hi, ctx, state, current, labels

    def rewrite(
        self,
        request: NarrationRequest,
        index: int,
        *,
        seed: int,
        context: list[ClipNarration] | None = None,
    ) -> ClipNarration:
        """A different line for clip `index`: the seed picks among the best candidates, not the current one."""
        i, c, lo, hi, ctx, state, current, labels = self._clip_in_context(request, index, context)
        exclude = frozenset({current}) if current else frozenset()
        return self._one(request, i, c, labels, lo, hi, ctx, state, seed, exclude, rewrite=True)

    def alternatives(
        self,
        request: NarrationRequest,
        index: int,
        *,
        count: int = 5,
        context: list[ClipNarration] | None = None,
    ) -> list[ClipNarration]:
        """Up to `count` distinct lines for clip `index`, best first, each inside the clip's budget (the
        lines `rewrite` walks through with seeds 0, 1, 2 ...); the clip's current line (in `context`) is
        not among them."""
        i, c, lo, hi, ctx, state, current, labels = self._clip_in_context(request, index, context)
        if hi <= 0 or count <= 0:
            return []
        pos = position_class(i, len(request.clips))
        lines = self.writer.ranked_lines(ctx, self._writing_labels(labels, request), lo, hi, pos, state)
        if not [x for x in lines if x.text != current]:  # what write() falls back to
            lines = [
                self.writer.write(
                    ctx, self._writing_labels(labels, request), lo, hi, pos, state, 0, frozenset({current})
                )
            ]
        out: list[ClipNarration] = []
        seen = {current}
        for cand in lines:
            if cand.text in seen or not lo <= len(cand.text) <= hi:
                continue
            seen.add(cand.text)
            out.append(ClipNarration(c.index, labels, cand.text, lo, hi))
            if len(out) >= count:
                break
        return out
