"""Every typed phrase of every dev.jsonl card has its slot's form (issue #23): a trait reads after 它, a part
after 有/带, a benefit after 帮你, a look where a noun goes. A phrase of the wrong form makes an ungrammatical
line ("帮你清洁力", "它灰色哑光油漆", "它有带绑带"). Needs ../shared/data/esync/dev.jsonl (skipped without it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.narration.compose import lexicon as lx
from core.narration.compose.facts import FORM_CHECKS
from core.narration.embedded import EmbeddedNarrator
from core.narration.words import words
from core.project import Product

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esync" / "dev.jsonl"

_VERB_LEAD = re.compile(r"^(?:带有|配有|配备|含有|带|有|配|含)(?!方|色|件|套|饰|料|量)")
_ABILITY_NOUN = re.compile(
    r"^(?:清洁|保湿|滋润|补水|修护|抗氧|遮瑕|控油|提亮|吸收)(?:力|度|性|力度|能力|速度)$"
)


def form_problem(text: str, slot: str) -> str | None:
    """Why a typed phrase cannot stand in its slot, by rules written apart from the typer's (and its own)."""
    check = FORM_CHECKS.get(slot)
    if check is not None and not check(text):
        return "fails its slot's form check"
    tags = [(w, f) for w, f in words(text) if w.strip()]
    if slot == "part" and _VERB_LEAD.match(text) and len(text) > 2:
        return "a part starting with a verb"
    if slot == "benefit":
        if _ABILITY_NOUN.match(text) or text.endswith(("霜", "膏", "微粒", "产品", "因子", "面料")):
            return "a benefit that is a noun"
        if not (text.startswith(lx.BENEFIT_VERBS) or tags[0][1][:1] == "v" or len(tags) > 1):
            return "a benefit without a verb"
    if slot == "trait" and re.search(r"[\u4e00-\u9fff]的[\u4e00-\u9fff]+(?:性|感|度)$", text):
        return "a trait that is a noun phrase"
    if slot == "trait" and text.endswith(("快充", "闪充")):
        return "a feature typed as a trait"
    if slot == "look" and re.fullmatch(r"[0-9.]+(?:厘米|毫米|米|cm|mm)", text):
        return "a measure typed as a look"
    return None


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/data/esync is not available")
def test_every_typed_phrase_of_every_dev_card_has_its_slots_form() -> None:
    narrator = EmbeddedNarrator()
    bad: list[str] = []
    counts: dict[str, int] = {}
    n = 0
    for raw in DEV.read_text(encoding="utf-8").splitlines():
        video = json.loads(raw)
        card = narrator.card(Product(video["product"]["name"], video["product"].get("attributes", {})))
        n += 1
        for fact in card.facts:
            counts[fact.slot] = counts.get(fact.slot, 0) + 1
            if fact.slot in ("trait", "part", "benefit", "look"):
                problem = form_problem(fact.text, fact.slot)
                if problem:
                    bad.append(f"{fact.slot} {fact.text!r} ({fact.key}): {problem}")
    assert n == 417
    assert not bad, "\n".join(bad[:40]) + f"\n({len(bad)} phrases)"
    # the form rules drop and retype, but most of the card is still said
    for slot, least in (("trait", 1200), ("part", 350), ("benefit", 1000), ("look", 500), ("material", 2000)):
        assert counts.get(slot, 0) >= least, (slot, counts)


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("清洁力", "benefit"),
        ("带绑带", "part"),
        ("灰色哑光油漆", "trait"),
        ("22.5瓦快充", "trait"),
        ("17厘米", "look"),
    ],
)
def test_the_form_check_rejects_the_raters_examples(text: str, slot: str) -> None:
    assert form_problem(text, slot)
