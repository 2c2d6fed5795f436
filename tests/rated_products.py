"""The made-up products of the blind ratings (tests/bench/data/faithfulness_products.jsonl, written by
scripts/make_faithfulness_products.py): the composer's tests build lines for the very cards whose lines the
raters struck, read from that one file instead of copies of it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from core.project import Product

DATA = Path(__file__).resolve().parent / "bench" / "data" / "faithfulness_products.jsonl"


@cache
def _cards() -> dict[str, dict[str, str]]:
    cards: dict[str, dict[str, str]] = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            product = json.loads(line)["product"]
            cards[product["name"]] = product["attributes"]
    return cards


def rated_product(name: str) -> Product:
    """The rated product called `name` (a KeyError names a product the file does not hold)."""
    return Product(name, dict(_cards()[name]))
