"""Pick a narrator backend by name; the LLM backend is imported only when asked for."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from core import defaults
from core.errors import InputError
from core.narration.base import Narrator

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
