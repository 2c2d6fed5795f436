"""The `Narrator` interface every backend implements (embedded n-gram/template writer, local LLM)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from core import defaults
from core.errors import InputError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.narration.budget import char_budget
from core.project import Product


@dataclass(frozen=True)
class VisualCues:
    """Cheap per-clip image statistics (OpenCV) the storyline planner may use; all in 0..1."""

    faces: float = 0.0  # share of sampled frames with a detected face
    text: float = 0.0  # text-heaviness (edge density in horizontal bands)
    motion: float = 0.0  # mean inter-frame difference
    brightness: float = 0.5
    closeup: float = 0.0  # large central subject / low background detail


@dataclass(frozen=True)
class ClipRequest:
    """One clip to narrate. An explicit budget (dataset) overrides the one computed from duration."""

    index: int
    duration_ms: int
    chars_min: int | None = None
    chars_max: int | None = None
    labels: tuple[str, ...] = ()  # given/fixed storyline; empty = predict
    locked_text: str | None = None  # the user's own line: kept verbatim, used as context
    cues: VisualCues | None = None


@dataclass(frozen=True)
class NarrationRequest:
    product: Product
    clips: tuple[ClipRequest, ...]
    rate_cps: float = defaults.RATE_CPS  # spoken characters per second (calibrated to the voice when known)
    tolerance: int = 3  # budget is target +- tolerance characters
    seed: int = 0

    def budget(self, clip: ClipRequest) -> tuple[int, int]:
        """(chars_min, chars_max) of the clip's line, the one rule every narrator writes to: the clip's
        explicit budget (the project's at the voice's calibrated rate, or the dataset's), else the one its
        duration allows at `rate_cps` +- `tolerance`."""
        if clip.chars_min is not None and clip.chars_max is not None:
            if clip.chars_max < clip.chars_min:
                raise InputError(
                    f"clip {clip.index}: chars_max {clip.chars_max} is smaller than chars_min {clip.chars_min}"
                )
            return max(0, int(clip.chars_min)), max(0, int(clip.chars_max))
        return char_budget(clip.duration_ms, self.rate_cps, self.tolerance)


@dataclass(frozen=True)
class ClipNarration:
    index: int
    labels: tuple[str, ...]
    text: str
    chars_min: int
    chars_max: int
    warnings: tuple[str, ...] = field(default_factory=tuple)


class Narrator(ABC):
    """Plans a storyline and writes one line per clip that fits its character budget."""

    name: str = "narrator"

    def load(self, progress: ProgressCallback = no_progress) -> None:  # noqa: B027 (optional, not abstract)
        """Make the narrator ready before its first line (the LLM loads and checks its model: seconds to
        minutes), so a bad model fails before minutes of other work; nothing to do for most backends."""

    @abstractmethod
    def narrate(
        self,
        request: NarrationRequest,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[ClipNarration]:
        """All clips, in order. Locked lines are returned unchanged."""

    @abstractmethod
    def rewrite(
        self,
        request: NarrationRequest,
        index: int,
        *,
        seed: int,
        context: list[ClipNarration] | None = None,
    ) -> ClipNarration:
        """A new line for clip `index` (different seed -> different valid line), given the others."""

    def alternatives(
        self,
        request: NarrationRequest,
        index: int,
        *,
        count: int = 5,
        context: list[ClipNarration] | None = None,
    ) -> list[ClipNarration]:
        """Up to `count` distinct lines for clip `index`, best first, each inside the clip's budget
        (here: the distinct results of `rewrite` over seeds; backends may do better)."""
        out: list[ClipNarration] = []
        current = {n.text for n in context or [] if n.index == index}
        seen: set[str] = set(current)
        for seed in range(max(0, count) * 3):
            if len(out) >= count:
                break
            line = self.rewrite(request, index, seed=seed, context=context)
            if line.text and line.text not in seen and line.chars_min <= len(line.text) <= line.chars_max:
                seen.add(line.text)
                out.append(line)
        return out
