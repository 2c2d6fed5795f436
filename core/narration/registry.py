"""Pick a narrator backend by name; the LLM backend is imported only when asked for."""

from __future__ import annotations

import sys
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from core import defaults
from core.errors import InputError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.narration.base import ClipNarration, NarrationRequest, Narrator

KINDS = defaults.NARRATOR_KINDS


def create_narrator(
    kind: str = defaults.NARRATOR_KIND, model_dir: str | Path | None = None, **options: Any
) -> Narrator:
    """A ready narrator. `embedded` needs nothing else; `llm` needs the llm extra and `model_dir`."""
    if kind == "embedded":
        from core.narration.embedded import EmbeddedNarrator

        return EmbeddedNarrator(**options)
    if kind == "llm":
        if getattr(sys, "frozen", False) and not all(find_spec(m) for m in ("torch", "transformers")):
            raise InputError(  # the packaged app leaves the llm extra out (see pyinstaller.spec)
                "the LLM narrator is not available in this build (no torch/transformers); "
                "use the embedded narrator, or run SyncNarrator from source with the 'llm' extra"
            )
        try:
            from core.narration.llm import LLMNarrator
        except ImportError as exc:
            raise InputError(
                f"the llm narrator is not available ({exc}); install the 'llm' extra (torch, transformers)"
            ) from None
        return LLMNarrator(model_dir=model_dir, **options)
    raise InputError(f"unknown narrator '{kind}' (choose one of: {', '.join(KINDS)})")


_loaded: dict[tuple[str, str], Narrator] = {}
_loaded_lock = threading.Lock()


class SharedNarrator(Narrator):
    """A narrator named by backend and model folder: it pickles as those two (the editor sends it to its
    helper process with each job) and the process creates the real one once and keeps it (loading a
    model is the slow part)."""

    def __init__(self, kind: str = defaults.NARRATOR_KIND, model_dir: str = "") -> None:
        self.kind = kind
        self.model_dir = model_dir

    def __reduce__(self) -> tuple[type[SharedNarrator], tuple[str, str]]:
        return SharedNarrator, (self.kind, self.model_dir)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SharedNarrator) and (self.kind, self.model_dir) == (other.kind, other.model_dir)

    def __hash__(self) -> int:
        return hash((self.kind, self.model_dir))

    def __repr__(self) -> str:
        return f"SharedNarrator({self.kind!r}, {self.model_dir!r})"

    @property
    def narrator(self) -> Narrator:
        """The real narrator of this process (created on first use)."""
        key = (self.kind, self.model_dir)
        with _loaded_lock:
            if key not in _loaded:
                _loaded[key] = create_narrator(self.kind, model_dir=Path(self.model_dir) if self.model_dir else None)
            return _loaded[key]

    def load(self, progress: ProgressCallback = no_progress) -> None:
        self.narrator.load(progress)

    def narrate(
        self, request: NarrationRequest, *, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
    ) -> list[ClipNarration]:
        return self.narrator.narrate(request, progress=progress, cancel=cancel)

    def rewrite(
        self, request: NarrationRequest, index: int, *, seed: int, context: list[ClipNarration] | None = None
    ) -> ClipNarration:
        return self.narrator.rewrite(request, index, seed=seed, context=context)

    def alternatives(
        self, request: NarrationRequest, index: int, *, count: int = 5, context: list[ClipNarration] | None = None
    ) -> list[ClipNarration]:
        return self.narrator.alternatives(request, index, count=count, context=context)
