"""Every dev.jsonl product narrated with its given storyline (issue #23): every line in its budget, every
figure and offer in a line found on the product's card, every line through the last check, every ad naming
its product and asking to buy at most once. Needs ../shared/data/esync/dev.jsonl (skipped without it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.narration.base import ClipRequest, NarrationRequest
from core.narration.compose.check import calls_to_buy, reads_wrong, unsupported_figure
from core.narration.embedded import EmbeddedNarrator
from core.project import Product

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esync" / "dev.jsonl"


def narrate_dev(path: Path) -> list[tuple[Product, list[tuple[int, int, str]]]]:
    narrator = EmbeddedNarrator()
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        video = json.loads(raw)
        product = Product(video["product"]["name"], video["product"].get("attributes", {}))
        clips = tuple(
            ClipRequest(c["index"], 0, c["chars_min"], c["chars_max"], tuple(c["labels"]))
            for c in video["clips"]
        )
        lines = narrator.narrate(NarrationRequest(product, clips))
        out.append(
            (product, [(x.chars_min, x.chars_max, x.text, tuple(c.labels)) for x, c in zip(lines, clips)])
        )
    return out


def problems(ads: list[tuple[Product, list[tuple[int, int, str, tuple[str, ...]]]]]) -> list[str]:
    """What breaks the writer's promises, one line per problem."""
    narrator = EmbeddedNarrator()
    bad = []
    for product, lines in ads:
        card = narrator.card(product)
        if not any(card.name in text for _, _, text, _labels in lines):
            bad.append(f"{product.name}: no line names {card.name}")
        # one call to buy per 引导购买 clip (an ad may have several), never two in a line, none elsewhere
        # (an ad without a 引导购买 clip may end on one)
        buying = sum("引导购买" in labels for *_, labels in lines)
        calls = sum(calls_to_buy(text, card) for _, _, text, _labels in lines)
        if calls > max(1, buying):
            bad.append(f"{product.name}: {calls} calls to buy in an ad with {buying} 引导购买 clips")
        for lo, hi, text, labels in lines:
            if calls_to_buy(text, card) > 1:
                bad.append(f"{product.name}: two calls to buy in one line: {text}")
            if buying and calls_to_buy(text, card) and "引导购买" not in labels:
                bad.append(f"{product.name}: a call to buy outside the 引导购买 clips: {text}")
            if not lo <= len(text) <= hi:
                bad.append(f"{product.name}: out of budget {lo}-{hi}: {text}")
            figure = unsupported_figure(text, card)
            if figure or (
                re.search(r"[0-9]", text) and not all(n in card.text for n in re.findall(r"[0-9.]+", text))
            ):
                bad.append(f"{product.name}: figure {figure} not on the card: {text}")
            problem = reads_wrong(text, card)
            if problem:
                bad.append(f"{product.name}: {problem}: {text}")
    return bad


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/data/esync is not available")
def test_every_dev_product_in_budget_with_card_figures_only() -> None:
    ads = narrate_dev(DEV)
    assert len(ads) == 417
    bad = problems(ads)
    assert not bad, "\n".join(bad[:30]) + f"\n({len(bad)} problems)"
