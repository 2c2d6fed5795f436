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
            ctx = self.writer.product_context(request.product.name, request.product.attributes)
        return self.planner.plan(clips, self.planner.product_bias(ctx.similarity))

    # ---- writing ----
    def narrate(
        self,
        request: NarrationRequest,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[ClipNarration]:
        budgets = [clip_budget(c, request) for c in request.clips]
        ctx = self.writer.product_context(request.product.name, request.product.attributes)
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
        progress(1.0, "narration written")
        return out

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
        cand = self.writer.write(ctx, labels or (LABEL_NAMES[-1],), lo, hi, pos, state, choice, exclude)
        state.add(cand.text, cand.terms, cand.template)
        return ClipNarration(c.index, labels, cand.text, lo, hi)

    def rewrite(
        self,
        request: NarrationRequest,
        index: int,
        *,
        seed: int,
        context: list[ClipNarration] | None = None,
    ) -> ClipNarration:
        """A different line for clip `index`: the seed picks among the best candidates, not the current one."""
        pos_of = {c.index: i for i, c in enumerate(request.clips)}
        if index not in pos_of:
            raise InputError(f"no clip with index {index}")
        i = pos_of[index]
        c = request.clips[i]
        lo, hi = clip_budget(c, request)
        ctx = self.writer.product_context(request.product.name, request.product.attributes)
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
            labels = self.plan(request)[i]
        exclude = frozenset({current}) if current else frozenset()
        return self._one(request, i, c, labels, lo, hi, ctx, state, seed, exclude, rewrite=True)
