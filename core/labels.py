"""The 12 storyline (script type) labels of E-SyncVidStory, loaded from resources/labels.json.

The dataset writes `其他` for `其他/通用卖点`; the canonical form everywhere in the app is the long one
from labels.json, and :func:`canonical_label` maps the short one onto it.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.platform import resources_dir


def resource_dir() -> Path:
    """`resources/` next to the code, or inside a PyInstaller bundle (core.platform)."""
    return resources_dir()


def _load() -> dict[str, str]:
    data = json.loads((resource_dir() / "labels.json").read_text(encoding="utf-8"))
    return {str(item["label"]): str(item["definition"]) for item in data}


LABELS: dict[str, str] = _load()
"""Label name -> definition, in the order of labels.json (iterate for the names)."""

LABEL_NAMES: tuple[str, ...] = tuple(LABELS)
OTHER = "其他/通用卖点"
_ALIASES = {"其他": OTHER, "通用卖点": OTHER}


def canonical_label(text: str) -> str | None:
    """The canonical label for `text` (exact name or a known alias), None if it is not a label."""
    text = text.strip()
    if text in LABELS:
        return text
    return _ALIASES.get(text)
