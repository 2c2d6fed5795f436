"""Colours shared by the timeline and the inspector (one per storyline label)."""

from __future__ import annotations

import zlib

from PySide6.QtGui import QColor

from core.labels import LABELS

_PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#8cd17d", "#86bcb6", "#d4a6c8",
)  # fmt: skip
NO_LABEL = QColor("#8a8f98")
FITS = QColor("#3fa34d")
OVER = QColor("#d64545")
TIGHT = QColor("#d99a1e")
FIT_COLORS = {"fits": FITS, "tight": TIGHT, "over": OVER, "empty": NO_LABEL, "short": NO_LABEL}
SELECTED = QColor("#ffb000")


def label_color(name: str | None) -> QColor:
    if not name:
        return QColor(NO_LABEL)
    names = list(LABELS)
    index = names.index(name) if name in names else zlib.crc32(name.encode("utf-8"))
    return QColor(_PALETTE[index % len(_PALETTE)])
