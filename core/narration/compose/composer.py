"""A clip's line: one to three bank units of its storyline label(s), slots filled with the card's typed facts.

The composer samples unit sequences whose filled length is inside the clip's budget (a connective unit
never first; a two-label clip takes a unit of each label), keeps those that pass the last check and ranks
them by the fluency score plus what the ad needs from this clip (the name, the offer, a fact not said yet).
Across an ad `AdMemory` keeps each fact and unit to one use and the call to buy to one clip. The ranking
depends on the product, the clip and the ad so far, not on the seed: `seed` k picks the k-th line.
"""

from __future__ import annotations

import bisect
import dataclasses
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.narration.compose.bank import Unit, index_units
from core.narration.compose.check import reads_wrong
from core.narration.compose.facts import Card, Fact
from core.narration.compose.fluency import Fluency

MAX_UNITS = 3
SAMPLES = 160
"""Candidate lines sampled per clip (they are checked and scored; ~10 ms)."""
KEEP = 16
"""Good lines kept per clip (the line, and the alternatives "换一句" walks through)."""
FILLINGS = 3
"""Different fact fillings tried per unit."""
FACT_BONUS = 2.5
"""Score of a line that says a fact of the product (lines say facts, not stock talk): more than fluency
tells lines apart (bank sentences without slots read perfectly to a model that has read the bank)."""
SECOND_FACT_BONUS = 0.5
OWN_BONUS = 2.0
"""A line with no fact left to say at least says what the product is ("这款自行车…"), not only "它太懂我了"."""
FILLER_PENALTY = 0.6
"""Per sentence after the first that says nothing of the product ("体验感拉满！省心又省事！")."""
ROOMY = 35
"""From this budget on a line may say two facts; below, one (the ad's facts are shared among its clips)."""
MAX_FACTS = 2
"""Facts per line: two at most (more is a list; and later clips need facts too)."""
AFTER_CALL_PENALTY = 1.0
"""Per sentence without a fact after the call to buy (the call closes a line)."""
NAME_BONUS = 4.0
OFFER_BONUS = 1.5
LABEL_BONUS = 0.6
"""Per storyline label of the clip a line has a unit of."""
REPEAT_PENALTY = 0.15
"""Per 3-character piece of fixed wording the ad has already said (ads should not echo themselves)."""
STYLE_WEIGHT = 0.8
STYLE_MEAN = -4.0
"""The style score is a mean log-probability per character, about -4 for a typical line."""
TYPE_BONUS = 0.4
"""A line that says what the product is ("这款空气炸锅…") over one that only says 它."""
NEUTRAL_FIT = 0.0
"""The fit of a line with no slot filled: as good as the average frame (fits are relative)."""
PAIN_LABEL = "痛点铺垫"
BUY_LABEL = "引导购买"
DEAL_SLOTS = frozenset({"offer", "event"})
RECOMMEND_LABEL = "产品推荐"
BENEFIT_LABEL = "产品功效"
LOOKS_ONLY = frozenset({"material", "look", "part"})
"""Facts that do not tell what a product does: a 产品功效 line says a benefit or trait, not only these."""
MAX_PLAIN = 1
"""Units with no fact slot per line ("有它就够了。", "这款{type}，我爱了。"): one feeling is a voice, two
are padding (and two calls to buy: "赶紧下单吧。赶紧给自己安排上吧！"); a second one only says what the
product is ({name}/{type}) in a line that has not."""
OPENERS = (
    "今天",
    "大家好",
    "姐妹们",
    "家人们",
    "宝子们",
    "给大家",
    "先说",
    "首先",
    "最近发现",
    "最近挖到",
    "好物分享",
)
"""A unit that opens with one of these opens the line: it never comes second."""


@dataclass
class AdMemory:
    """What the ad has said so far: facts, units, whether it asked to buy and named the product."""

    facts: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    grams: set[str] = field(default_factory=set)
    cta: bool = False
    named: bool = False

    def add(self, line: Line, name: str = "") -> None:
        self.facts.update(line.facts)
        self.units.update(line.units)
        self.grams.update(_grams(line.text))
        self.cta = self.cta or line.cta
        self.named = self.named or bool(name and name in line.text)

    def add_text(self, text: str, name: str = "", cta: bool = False) -> None:
        """A line the composer did not write (the user's own): its wording and whether it names/asks."""
        self.grams.update(_grams(text))
        self.cta = self.cta or cta
        self.named = self.named or bool(name and name in text)


@dataclass(frozen=True)
class Line:
    text: str
    facts: tuple[str, ...]
    units: tuple[str, ...]
    cta: bool
    score: float = 0.0
    role_ok: bool = True
    """The line does the job of the clip's storyline label (`plays_role`)."""


@dataclass(frozen=True)
class ClipNeeds:
    """What the ad asks of one clip: its labels and budget, and whether it must name, ask to buy, or
    state the offer."""

    labels: tuple[str, ...]
    lo: int
    hi: int
    must_name: bool = False
    cta: bool = False
    """This clip holds the ad's one call to buy (and its offer)."""
    offer_ok: bool = True
    """The clip may state an offer (False: the offers are kept for the clip that asks to buy)."""
    role: str = ""
    """The clip's own storyline label (its job); kept when the writer borrows other labels' units."""


FOLLOW_UPS = ("它还", "它也", "还", "也")
"""Openings that add to a sentence before: "它还有独立包装。", "也很适合…"."""
SAME_AS = ("同样的烦恼", "同样的问题", "这种烦恼", "这种情况")
"""Anywhere in a unit: it points back to a problem said before ("我身边很多朋友，也有同样的烦恼。")."""
BACK_REFS = ("它还", "它也", "这也", "也这样", "这种情况", "同样的")
"""Words near a unit's start that point back to a sentence before ("细节上，它还有…", "你是不是也这样？")."""


def follows(unit: Unit) -> bool:
    """A unit that adds to the sentence before it (a connective, or 它还/也 in its first clause): never
    first in a line, and only after a sentence that said a fact ("有它就够了。它还轻松爬坡。" reads wrong)."""
    text = unit.text
    if text.startswith(("还是", "还在", "也许")):
        return unit.connective
    return (
        unit.connective
        or text.startswith(FOLLOW_UPS)
        or any(w in text[:8] for w in BACK_REFS)
        or any(w in text for w in SAME_AS)
    )


def _calls(unit: Unit) -> bool:
    """A call to buy: a unit that asks (下单, 拍, 链接), or a 引导购买 sentence with no fact ("给主子安排上！")."""
    return unit.cta or (unit.label == BUY_LABEL and not unit.fact_slots())


def _grams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def plays_role(seq: Sequence[_Filled], role: str, card: Card, *, cta: bool) -> bool:
    """Whether a line does its clip's job: a 引导购买 clip asks to buy, a 痛点铺垫 clip has a pain or a
    question unit, a 产品推荐 line opens with its recommendation, a 产品功效 line has a 产品功效 sentence or
    a benefit/trait, not only what the product is made of or looks like (a copywriter rates a line that
    misses its clip's job 0)."""
    if not seq:
        return False
    if cta and not any(f.unit.cta for f in seq):
        return False  # a clip labelled 引导购买 (first or second label) asks to buy
    if role == PAIN_LABEL:
        return any(f.unit.label == PAIN_LABEL for f in seq)
    if role == RECOMMEND_LABEL:
        return seq[0].unit.label == RECOMMEND_LABEL
    if role == BENEFIT_LABEL:
        slots = {card.slot_of(x) for f in seq for x in f.facts}
        return any(f.unit.label == BENEFIT_LABEL for f in seq) or not slots <= LOOKS_ONLY
    return True


@dataclass(frozen=True)
class _Filled:
    text: str
    unit: Unit
    facts: tuple[str, ...]
    fit: float | None = None
    """How well the filled phrases read in the sentence (Fluency.junction_score); None: no slot."""


def _relative_fit(filled: list[_Filled]) -> list[_Filled]:
    """Each filling's fit minus the mean fit of the fillings with the same facts: how well this frame
    suits these facts compared with the other frames, not how common the facts' words are."""
    by_facts: dict[tuple[str, ...], list[float]] = {}
    for f in filled:
        if f.fit is not None:
            by_facts.setdefault(f.facts, []).append(f.fit)
    out = []
    for f in filled:
        if f.fit is not None:
            fits = by_facts[f.facts]
            f = dataclasses.replace(f, fit=f.fit - sum(fits) / len(fits))
        out.append(f)
    return out


class Composer:
    """Writes lines from bank units for one product card."""

    def __init__(self, units: Sequence[Unit], fluency: Fluency, style: Fluency | None = None) -> None:
        self.units = tuple(units)
        self.fluency = fluency
        self.style = style
        """The same model without the bank: how much a line reads like real ads (it has not read the
        bank, so a bank sentence is not favoured for being in it)."""
        self.index = index_units(self.units)

    # ---- filling units ----
    def _fill(self, unit: Unit, card: Card, memory: AdMemory, rng: random.Random) -> list[_Filled]:
        """Up to FILLINGS fillings of `unit` with facts not said yet (none when a slot has no fact)."""
        options: list[list[Fact]] = []
        for slot in unit.fact_slots():
            pool = [f for f in card.of(slot.rstrip("2")) if f.text not in memory.facts]
            if not pool:
                return []
            options.append(pool)
        out: list[_Filled] = []
        seen: set[str] = set()
        for _ in range(FILLINGS * 2):
            chosen: list[Fact] = []
            for pool in options:
                free = [f for f in pool if all(f is not c for c in chosen)]
                if not free:
                    return out
                chosen.append(free[0] if not out and not seen else rng.choice(free))
            text = unit.text
            facts = iter(chosen)
            spans: list[tuple[int, int]] = []
            for slot in unit.slots:
                if slot == "name":
                    value = card.name
                elif slot == "type":
                    value = card.type_word or "产品"
                else:
                    value = next(facts).text
                at = text.find("{" + slot + "}")
                text = text[:at] + value + text[at + len(slot) + 2 :]
                spans = [
                    (a, b) if a < at else (a + len(value) - len(slot) - 2, b + len(value) - len(slot) - 2)
                    for a, b in spans
                ]
                spans.append((at, at + len(value)))
            if text not in seen:
                seen.add(text)
                fit = self.fluency.junction_score(text, spans)
                out.append(_Filled(text, unit, tuple(f.text for f in chosen), fit))
            if len(out) >= FILLINGS or not options:
                break
        return out

    def _pool(
        self, card: Card, label: str, needs: ClipNeeds, memory: AdMemory, rng: random.Random
    ) -> list[_Filled]:
        out: list[_Filled] = []
        for unit in self.index.get((card.kind, label), ()):
            if unit.text in memory.units or (unit.cta and not needs.cta):
                continue
            if (
                card.kind == "pet"
                and unit.kind != "pet"
                and (label == PAIN_LABEL or "audience" in unit.slots)
            ):
                continue  # a pet's problem or kind is not the viewer's ("你是不是也掉毛？", "如果你是中大型犬")
            slots = {s.rstrip("2") for s in unit.slots}
            if "pain" in slots and PAIN_LABEL not in needs.labels:
                continue
            if slots & DEAL_SLOTS and BUY_LABEL not in needs.labels:
                continue
            if "offer" in slots and not needs.offer_ok:
                continue
            if "type" in slots and not card.type_word and "name" not in slots:
                continue
            out += self._fill(unit, card, memory, rng)
        out = _relative_fit(out)
        rng.shuffle(out)
        return out

    # ---- lines ----
    def lines(self, card: Card, needs: ClipNeeds, memory: AdMemory, *, extra_units: int = 0) -> list[Line]:
        """Distinct lines for the clip that pass the last check, best first (deterministic)."""
        if needs.hi <= 0:
            return []
        key = f"{card.name}|{'+'.join(needs.labels)}|{needs.lo}|{needs.hi}|{len(memory.facts)}"
        rng = random.Random(zlib.crc32(key.encode("utf-8")))
        pools = [self._pool(card, lab, needs, memory, rng) for lab in needs.labels]
        pools = [p for p in pools if p]
        if not pools:
            return []
        seqs = self._sequences(pools, needs, rng, MAX_UNITS + extra_units)
        scored: dict[str, Line] = {}
        offers = {f.text for f in card.of("offer")}
        for seq in seqs:
            text = "".join(f.text for f in seq)
            if text in scored:
                continue
            facts = tuple(x for f in seq for x in f.facts)
            if len(set(facts)) < len(facts) or len(facts) > MAX_FACTS:
                continue
            if len(offers & set(facts)) > 1:
                continue  # one offer per line (cards list one deal twice: "拍一瓶送一瓶…", "买一瓶送一瓶…")
            late_name = bool(card.name) and card.name in text and card.name not in seq[0].text
            if late_name and (needs.role or needs.labels[0]) == RECOMMEND_LABEL:
                continue  # a recommendation names the product in its first sentence
            cta = any(f.unit.cta for f in seq)
            role = needs.role or needs.labels[0]
            scored[text] = Line(
                text,
                facts,
                tuple(f.unit.text for f in seq),
                cta,
                self._score(text, seq, card, needs, memory),
                plays_role(seq, role, card, cta=needs.cta),
            )
        if any(x.facts and x.role_ok for x in scored.values()):
            # the clip has facts left to say: it says one, never only feelings ("真的很好用。有它就够了。")
            scored = {t: x for t, x in scored.items() if x.facts}

        def does_its_job(line: Line) -> int:
            """How much of what the ad asks of this clip the line does (named, asks to buy, the offer)."""
            named = needs.must_name and bool(card.name) and card.name in line.text
            offer = needs.cta and bool(offers & set(line.facts))
            return int(named) + 2 * int(offer) + int(needs.cta and line.cta)

        out: list[Line] = []
        ranked = sorted(scored.values(), key=lambda x: (not x.role_ok, -does_its_job(x), -x.score, x.text))
        for line in ranked:
            if reads_wrong(line.text, card, cta_said=memory.cta and not needs.cta) is None:
                out.append(line)
                if len(out) >= KEEP:
                    break
        return out

    def _score(
        self, text: str, seq: Sequence[_Filled], card: Card, needs: ClipNeeds, memory: AdMemory
    ) -> float:
        fits = [f.fit for f in seq if f.fit is not None]
        score = sum(fits) / len(fits) if fits else NEUTRAL_FIT
        if self.style is not None:
            score += STYLE_WEIGHT * (self.style.sentences_score([f.text for f in seq]) - STYLE_MEAN)
        if (card.type_word and card.type_word in text) or (card.name and card.name in text):
            score += TYPE_BONUS
        n_facts = len({x for f in seq for x in f.facts})
        second = SECOND_FACT_BONUS if needs.hi >= ROOMY else -SECOND_FACT_BONUS
        score += FACT_BONUS * min(1, n_facts) + second * min(1, max(0, n_facts - 1))
        if not n_facts and any(s in ("name", "type") for f in seq for s in f.unit.slots):
            score += OWN_BONUS
        if needs.must_name and card.name and card.name in text:
            score += NAME_BONUS
        if needs.cta and any(f.unit.cta for f in seq):
            score += OFFER_BONUS / 2
            if any(x in (f.text for f in card.of("offer")) for s in seq for x in s.facts):
                score += OFFER_BONUS
        score += LABEL_BONUS * len({f.unit.label for f in seq} & set(needs.labels))
        score -= FILLER_PENALTY * sum(1 for f in seq[1:] if not f.unit.slots)
        asked = [k for k, f in enumerate(seq) if f.unit.cta]
        if asked:  # the call ends the line: "赶紧下单吧！这个味道我真的爱了。" trails off
            score -= AFTER_CALL_PENALTY * sum(1 for f in seq[asked[0] + 1 :] if not f.unit.fact_slots())
        score -= REPEAT_PENALTY * len(_grams(text) & memory.grams)
        score -= 0.01 * (len(text) - needs.lo)  # any length in budget is fine: short over padded
        return score

    @staticmethod
    def _sequences(
        pools: list[list[_Filled]], needs: ClipNeeds, rng: random.Random, max_units: int
    ) -> list[list[_Filled]]:
        """Unit sequences whose length is inside the budget: a unit of each label (in label order) first,
        then extra units of any of the clip's labels; a connective unit is never first."""
        lo, hi = needs.lo, needs.hi
        every = sorted((f for p in pools for f in p), key=lambda f: len(f.text))
        by_len = [sorted(p, key=lambda f: len(f.text)) for p in pools]
        lens = [[len(f.text) for f in p] for p in by_len]
        every_lens = [len(f.text) for f in every]
        starters = [f for f in pools[0] if not follows(f.unit)] or [
            f for p in pools for f in p if not follows(f.unit)
        ]
        out: list[list[_Filled]] = [[f] for f in starters if lo <= len(f.text) <= hi]
        if not starters:
            return out
        attempts = 0
        while len(out) < SAMPLES and attempts < SAMPLES * 4:
            attempts += 1
            seq = [rng.choice(starters)]
            length = len(seq[0].text)
            for k in range(1, max_units):
                if length >= lo and (k >= len(pools) or rng.random() < 0.5):
                    break
                pool, pl = (by_len[k], lens[k]) if k < len(pools) else (every, every_lens)
                low = max(1, lo - length) if k == max_units - 1 else 1
                a, b = bisect.bisect_left(pl, low), bisect.bisect_right(pl, hi - length)
                if a >= b:
                    break
                nxt = pool[rng.randrange(a, b)]
                if any(nxt.unit is s.unit for s in seq) or nxt.unit.text.startswith(OPENERS):
                    break
                if follows(nxt.unit) and not seq[-1].facts:
                    break  # "最重要的是，…" adds to a fact just said, not to "有它就够了。"
                if _calls(nxt.unit) and any(_calls(f.unit) for f in seq):
                    break  # one call per line ("给主子安排上！这波福利真的很值，赶紧去抢！")
                plain = [f for f in seq if not f.unit.fact_slots() and not f.unit.cta]
                if not nxt.unit.fact_slots() and not nxt.unit.cta and len(plain) >= MAX_PLAIN:
                    owns = any(s in ("name", "type") for f in seq for s in f.unit.slots)
                    if owns or not nxt.unit.slots:
                        break  # one sentence per line says no fact (a call to buy is a job, not padding)
                seq.append(nxt)
                length += len(nxt.text)
            if lo <= length <= hi:
                out.append(seq)
        return out
