"""The sentence bank (docs/sentence-bank.md): whole spoken sentences with typed slots, per kind and label.

Units are read once per process from resources/narrator/bank/<kind>.txt. A unit whose words around a slot
cannot read with every phrase of that slot's type (`bad_collocation`: "采用{benefit}", "适合{trait}") is
left out, so one badly written unit never reaches a line.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.labels import LABEL_NAMES, canonical_label, resource_dir
from core.narration.compose import lexicon as lx
from core.narration.compose.collocation import bad_before
from core.narration.compose.facts import SLOTS

log = logging.getLogger(__name__)

OWN_SLOTS = ("name", "type")
"""Slots filled from the product itself, not from a card fact."""
ALL_SLOTS = frozenset((*OWN_SLOTS, *SLOTS))
_SLOT = re.compile(r"\{([a-z]+?)(2?)\}")
_END = "。！？"


@dataclass(frozen=True)
class Unit:
    """One spoken sentence of the bank with its slots (in order; `trait2` is a second trait)."""

    text: str
    label: str
    kind: str
    slots: tuple[str, ...]
    connective: bool
    """Starts with a connective: only after another unit of the same line."""
    cta: bool
    """Asks to buy (下单, 入手, 链接 ...): one per ad."""
    fixed_len: int
    """Characters outside the slots."""

    def fact_slots(self) -> tuple[str, ...]:
        return tuple(s for s in self.slots if s.rstrip("2") not in OWN_SLOTS)


def bad_collocation(text: str) -> str | None:
    """Why a unit's words around a slot do not read with every phrase of its type, or None."""
    for m in _SLOT.finditer(text):
        slot = m.group(1)
        if slot not in ALL_SLOTS:
            return f"unknown slot {{{slot}}}"
        problem = bad_before(text[: m.start()], slot)
        if problem:
            return problem
    return None


def parse_bank(text: str, kind: str, source: str = "") -> list[Unit]:
    """The units of one bank file; unreadable lines and bad collocations are logged and left out."""
    units: list[Unit] = []
    label = ""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            label = canonical_label(line[1:-1].strip()) or ""
            if label not in LABEL_NAMES:
                log.warning("%s:%d: unknown label %s", source, n, line)
                label = ""
            continue
        if not label:
            continue
        problem = _unit_problem(line)
        if problem:
            log.info("%s:%d: unit left out (%s): %s", source, n, problem, line)
            continue
        slots = tuple(m.group(1) + m.group(2) for m in _SLOT.finditer(line))
        fixed = _SLOT.sub("", line)
        units.append(
            Unit(
                line,
                label,
                kind,
                slots,
                line.startswith(lx.CONNECTIVES),
                bool(lx.CTA.search(fixed)),
                len(fixed),
            )
        )
    return units


def _unit_problem(line: str) -> str | None:
    if line[-1] not in _END:
        return "does not end a sentence"
    if len(_SLOT.findall(line)) > 3:
        return "more than three slots"
    if re.search(r"[{}]", _SLOT.sub("", line)):
        return "a broken slot"
    if re.search(r"[0-9]", _SLOT.sub("", line)):
        return "a figure in the fixed words"
    if len(lx.CTA.findall(_SLOT.sub("", line))) > 1:
        return "two calls to buy"
    return bad_collocation(line)


def bank_dir() -> Path:
    return resource_dir() / "narrator" / "bank"


@functools.lru_cache(maxsize=4)
def load_bank(folder: str = "") -> tuple[Unit, ...]:
    """Every unit of every bank file (read once per process)."""
    path = Path(folder) if folder else bank_dir()
    units: list[Unit] = []
    for kind in lx.KINDS:
        f = path / f"{kind}.txt"
        if f.is_file():
            units += parse_bank(f.read_text(encoding="utf-8"), kind, str(f))
    return tuple(units)


def units_for(units: Iterable[Unit], kind: str, label: str) -> list[Unit]:
    """The units a product of `kind` may use for `label`: its kind's and the generic ones."""
    return [u for u in units if u.label == label and u.kind in (kind, lx.GENERIC)]


def index_units(units: Iterable[Unit]) -> dict[tuple[str, str], tuple[Unit, ...]]:
    """`units_for` of every kind and label, computed once."""
    units = tuple(units)
    return {(kind, label): tuple(units_for(units, kind, label)) for kind in lx.KINDS for label in LABEL_NAMES}
