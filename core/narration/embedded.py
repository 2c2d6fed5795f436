"""The embedded narrator: storyline planner + the sentence-bank writer (core/narration/compose/).

Works on every machine with no model download. The planner's tables and the fluency model's counts are in
resources/narrator/embedded.json.gz (built from E-SyncVidStory by scripts/build_narrator_resource.py); the
lines are whole sentences of resources/narrator/bank/*.txt with the product card's typed facts in their slots.
Both are loaded once per process.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.labels import LABEL_NAMES, canonical_label, resource_dir
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, Narrator
from core.narration.compose.bank import Unit, load_bank
from core.narration.compose.check import calls_to_buy, reads_wrong
from core.narration.compose.composer import (
    BUY_LABEL,
    CERT_LABELS,
    FACT_ROLES,
    MAKING_LABEL,
    MAX_TIMES,
    ROLE_SLOTS,
    AdMemory,
    ClipNeeds,
    Composer,
    Line,
)
from core.narration.compose.facts import Card, read_card, said_in
from core.narration.compose.fluency import Fluency, bank_segments
from core.narration.knowledge import CLAIM_LABELS, has_knowledge_for, knowledge_text
from core.narration.naming import brand_and_type, lexicon, spoken_name
from core.narration.planner import PlanClip, StorylinePlanner
from core.narration.resource import decode_resource
from core.narration.words import clean_name, words
from core.project import Product

RESOURCE_NAME = "embedded.json.gz"
RECOMMEND = "产品推荐"
FALLBACK_LABELS = ("质量/特性介绍", "产品推荐", "其他/通用卖点")
"""Labels whose units write a clip whose own label's units cannot be filled from this card."""
BORROW_LABELS = ("质地/成分/材质", "质量/特性介绍", "产品功效", "外观设计")
"""Labels whose units a clip borrows to say a fact its own labels' units cannot take."""
RESERVED = ("look", "material", "texture")
"""Facts a later 外观设计 / 质地/成分/材质 clip needs: an earlier clip of another job leaves them to it."""
ROOM_FOR_REASON = 30
"""A 引导购买 clip this long says a reason to buy (a fact) before its call, not stock talk."""
STOCK = (
    "就是它！",
    "认准{name}！",
    "今天推荐{name}。",
    "就是这款{type}。",
    "这款{type}真的值得一试。",
    "我真的很喜欢这款{type}。",
    "这款{type}，我已经用了一段时间了。",
    "说实话，这款{type}越用越喜欢。",
    "今天想跟大家好好聊聊这款{type}。",
    "身边的朋友都在问我用的是哪款{type}。",
    "每次用它，心情都特别好。",
    "这次真的选对了。",
    "有机会一定要亲自试试。",
    "喜欢的朋友可以多看看它。",
)
"""Lines true of any product, for a clip the bank cannot fill (a very short or very long budget)."""


def _stock_lines(filled: Sequence[str], lo: int, hi: int) -> list[str]:
    """Different stock sentences one after another, as many as the budget wants (deterministic)."""
    out = [x for x in filled if lo <= len(x) <= hi]
    rng = random.Random(lo * 1000 + hi)
    for _ in range(300):
        order = list(filled)
        rng.shuffle(order)
        text = ""
        for x in order:
            if len(text) >= lo:
                break
            if len(text) + len(x) <= hi:
                text += x
        if lo <= len(text) <= hi:
            out.append(text)
    return out


def resource_path() -> Path:
    return resource_dir() / "narrator" / RESOURCE_NAME


@dataclass(frozen=True)
class _Models:
    planner: StorylinePlanner
    composer: Composer
    product_vectors: tuple[tuple[Counter[str], float], ...]
    bigram_idf: dict[str, float]
    idf_max: float
    examples: dict[str, tuple[str, ...]]
    """A few real lines per storyline label (for the LLM narrator's prompt)."""


@functools.lru_cache(maxsize=2)
def _load(path: str) -> _Models:
    try:
        resource = decode_resource(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the narrator resource ({exc})") from None
    return _models(resource)


def _models(resource: Mapping[str, Any], bank: Sequence[Unit] | None = None) -> _Models:
    if "fluency" not in resource:
        raise InputError(
            "the narrator resource is from an older version (run scripts/build_narrator_resource.py)"
        )
    units = tuple(bank) if bank is not None else load_bank()
    fluency = Fluency(resource["fluency"], bank_segments(u.text for u in units))
    texts = list(resource["product_text"])
    df: Counter[str] = Counter()
    for pt in texts:
        df.update(set(_bigrams(pt)))
    log_n = math.log(max(2, len(texts)))
    idf = {g: log_n - math.log(k) for g, k in df.items()}
    vectors = []
    for pt in texts:
        v = Counter({g: k * idf.get(g, log_n) for g, k in _bigrams(pt).items()})
        vectors.append((v, _norm(v)))
    return _Models(
        StorylinePlanner(resource["labels"], resource["planner"]),
        Composer(units, fluency, Fluency(resource["fluency"])),
        tuple(vectors),
        idf,
        log_n,
        {str(k): tuple(v) for k, v in dict(resource.get("examples", {})).items()},
    )


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _norm(a: Counter[str]) -> float:
    return math.sqrt(sum(x * x for x in a.values()))


def _role(labels: tuple[str, ...], writing: tuple[str, ...]) -> str:
    """The clip's job: its first label when other labels' units write it (a 安全认证 clip with no
    certificate is written with material sentences but judged as a 安全认证 line), else what writes it."""
    if labels and labels[0] in (*CERT_LABELS, MAKING_LABEL):
        return labels[0]
    return writing[0] if writing else ""


def _labels(raw: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for x in raw:
        lab = canonical_label(x)
        if lab and lab not in out:
            out.append(lab)
    return tuple(out)


_NEEDS: dict[str, tuple[str, ...]] = {
    "外观设计": ("外观",),
    "质地/成分/材质": ("成分/材质", "质地"),
}
"""Labels the planner does not predict for a product whose card has none of these fields."""


class EmbeddedNarrator(Narrator):
    """Narrator backed by the bundled resource; `resource` (a dict) overrides it (cross-validation), `bank`
    overrides the sentence bank's units (tests)."""

    name = "embedded"

    def __init__(
        self,
        resource: Mapping[str, Any] | None = None,
        resource_file: str | Path | None = None,
        bank: Sequence[Unit] | None = None,
    ) -> None:
        if resource is not None or bank is not None:
            if resource is None:
                resource = decode_resource(Path(resource_file or resource_path()).read_bytes())
            self.models = _models(resource, bank)
        else:
            path = Path(resource_file) if resource_file else resource_path()
            if not path.is_file():
                raise InputError(
                    f"{path}: narrator resource is missing (run scripts/build_narrator_resource.py)"
                )
            self.models = _load(str(path))
        self.planner = self.models.planner
        self.composer = self.models.composer
        self._cards: dict[tuple[str, str, tuple[tuple[str, str], ...]], Card] = {}

    def load(self, progress: ProgressCallback = no_progress) -> None:
        """Load jieba's dictionary and part-of-speech table now (about a second), not inside the first
        Narrate all: reading a card tags its phrases."""
        words("这款面霜补水保湿")

    # ---- the product ----
    def card(self, product: Product) -> Card:
        """The product's typed facts, spoken name and kind (cached per product)."""
        attrs = {str(k): str(v) for k, v in (product.attributes or {}).items()}
        key = (product.name, str(getattr(product, "spoken_name", "") or ""), tuple(sorted(attrs.items())))
        got = self._cards.get(key)
        if got is None:
            brand, ptype = brand_and_type(product.name)
            name = spoken_name(product) or clean_name(product.name)[:6]
            if ptype and ptype not in name and not name.endswith(ptype[-1]):
                ptype = ""  # the user's own name says another type: "这款{type}" must not contradict it
            others = frozenset(b for b in lexicon().brands if b not in product.name)
            got = read_card(product.name, attrs, name, ptype, brand or name, others)
            if len(self._cards) > 64:
                self._cards.clear()
            self._cards[key] = got
        return got

    def similarity(self, product: Product) -> list[float]:
        """Cosine of the product's knowledge bigrams (weighted by rarity) with each training product's."""
        m = self.models
        text = knowledge_text(product.name, {str(k): str(v) for k, v in product.attributes.items()})
        mine = Counter({g: k * m.bigram_idf.get(g, m.idf_max) for g, k in _bigrams(text).items()})
        n_mine = _norm(mine)
        out = []
        for v, nv in m.product_vectors:
            dot = sum(mine[g] * v[g] for g in mine.keys() & v.keys())
            out.append(dot / (n_mine * nv) if n_mine and nv else 0.0)
        return out

    # ---- planning ----
    def plan(self, request: NarrationRequest, ctx: Any = None) -> list[tuple[str, ...]]:
        """Labels per clip: fixed ones kept, the rest predicted (conditioned on similar products' ads)."""
        clips = []
        for c in request.clips:
            lo, hi = request.budget(c)
            clips.append(PlanClip((lo + hi) // 2, _labels(c.labels), c.cues))
        sims = ctx if isinstance(ctx, list) else self.similarity(request.product)
        attrs = request.product.attributes
        # no 安全认证 / 鉴定展示 / 生产过程 clip for a product whose knowledge cannot back it
        forbid = {x for x in CLAIM_LABELS if not has_knowledge_for(x, attrs)}
        forbid |= {
            lab for lab, keys in _NEEDS.items() if not any(str(attrs.get(k, "")).strip() for k in keys)
        }
        if not self.card(request.product).of("pain"):
            forbid.add("痛点铺垫")
        return self.planner.plan(clips, self.planner.product_bias(sims), forbid)

    # ---- writing ----
    def narrate(
        self,
        request: NarrationRequest,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[ClipNarration]:
        budgets = [request.budget(c) for c in request.clips]
        card = self.card(request.product)
        plan = self.plan(request)
        memory = AdMemory()
        said: set[str] = set()  # the ad's lines so far: never the same line twice in one ad
        for c in request.clips:
            if c.locked_text:
                said.add(c.locked_text)
                memory.add_text(c.locked_text, card.name, calls_to_buy(c.locked_text, card) > 0)
        writing = [self._writing_labels(labels, card) for labels in plan]
        cta_at = self._cta_clip(request, writing, budgets, memory, card)
        name_at = self._name_clip(request, plan, budgets, memory, card)
        out: list[ClipNarration] = []
        count = len(request.clips)
        for i, (c, labels, (lo, hi)) in enumerate(zip(request.clips, plan, budgets)):
            if cancel is not None:
                cancel.raise_if_cancelled()
            progress(i / max(1, count), "writing narration")
            if c.locked_text:
                warn = () if lo <= len(c.locked_text) <= hi else ("locked line is outside the budget",)
                out.append(ClipNarration(c.index, labels, c.locked_text, lo, hi, warn))
                continue
            if hi <= 0:
                out.append(ClipNarration(c.index, labels, "", 0, 0, ("clip too short for speech",)))
                continue
            needs = ClipNeeds(
                writing[i],
                lo,
                hi,
                must_name=i == name_at,
                cta=i == cta_at or BUY_LABEL in writing[i],  # every 引导购买 clip asks (one call per line)
                offer_ok=cta_at in (i, -1) or len(card.of("offer")) >= 2,
                role=_role(labels, writing[i]),
            )
            lines = self._reserving(card, needs, memory, [w[0] for w in writing[i + 1 :] if w])
            refused = {x.text: reads_wrong(x.text, card) is not None for x in lines}
            wrong = refused.__getitem__
            named_ok = any(card.name in x.text and not wrong(x.text) for x in lines)
            if needs.must_name and not named_ok and not (needs.cta and lines[0].facts):
                lines = self._named(card, needs, memory) + lines
                refused.update(
                    {x.text: reads_wrong(x.text, card) is not None for x in lines if x.text not in refused}
                )
            # the clip's job first; the clip that names the ad's product names it (a role-ok line if one
            # does, else any line that names it: every ad names its product)
            unnamed = needs.must_name and not any(x.role_ok and card.name in x.text for x in lines)
            lines = sorted(
                lines,
                key=lambda x: (
                    wrong(x.text),  # a fallback line the last check refuses: last
                    x.text in said,  # a small card late in an ad: a line already said, after any other
                    (needs.must_name and card.name not in x.text) if unnamed else False,
                    not x.role_ok,
                    needs.must_name and card.name not in x.text,
                ),
            )
            pick = 0 if request.seed == 0 else random.Random(request.seed * 1_000_003 + i).randrange(4)
            line = lines[min(pick, len(lines) - 1)]
            memory.add(line, card.name)
            said.add(line.text)
            out.append(ClipNarration(c.index, labels, line.text, lo, hi))
        progress(1.0, "narration written")
        return out

    @staticmethod
    def _cta_clip(
        request: NarrationRequest,
        writing: Sequence[tuple[str, ...]],
        budgets: Sequence[tuple[int, int]],
        memory: AdMemory,
        card: Card,
    ) -> int:
        """The 引导购买 clip that states the offer with its call: the first one the narrator writes that
        has room for the offer and a call (else the last one; -1: none, or the user's own line asks)."""
        if memory.cta:
            return -1
        buy = [
            i
            for i in range(len(request.clips))
            if BUY_LABEL in writing[i] and not request.clips[i].locked_text and budgets[i][1] >= 5
        ]
        offers = [len(f.text) for f in card.of("offer")]
        roomy = [i for i in buy if offers and budgets[i][1] >= min(offers) + 8]  # the offer and a call fit
        return roomy[0] if roomy else (buy or [-1])[-1]

    @staticmethod
    def _name_clip(
        request: NarrationRequest,
        plan: Sequence[tuple[str, ...]],
        budgets: Sequence[tuple[int, int]],
        memory: AdMemory,
        card: Card,
    ) -> int:
        """The clip that names the product: a recommendation, else the first one long enough."""
        if memory.named or not card.name:
            return -1
        room = [
            i
            for i, c in enumerate(request.clips)
            if not c.locked_text and budgets[i][1] >= len(card.name) + 4
        ]
        for i in room:
            if RECOMMEND in plan[i]:
                return i
        # else the roomiest clip that neither sets up a problem nor asks to buy (they have their own job)
        plain = [i for i in room if not {"痛点铺垫", BUY_LABEL} & set(plan[i])]
        if plain:
            return max(plain, key=lambda i: (budgets[i][1], -i))
        return room[0] if room else -1

    def _writing_labels(self, labels: tuple[str, ...], card: Card) -> tuple[str, ...]:
        """The labels whose units write the line: a 安全认证 / 鉴定展示 clip of a product with no certificate
        talks about its quality instead of inventing one; a 痛点铺垫 clip with no pain point recommends."""
        out: list[str] = []
        for lab in labels or (LABEL_NAMES[-1],):
            if lab in CERT_LABELS and not card.of("cert"):
                # no certificate: a material a parent trusts, else the service that guarantees it
                lab = "质地/成分/材质" if card.of("material") else "其他/通用卖点"
            elif (
                lab == MAKING_LABEL
                and card.of("material")
                and not any(f.key == "生产工艺" for f in card.facts)
            ):
                out.append(lab)  # no craft on the card: the making, then what it is made of
                lab = "质地/成分/材质"
            elif lab == "痛点铺垫" and not card.of("pain") and not self._asks(card):
                lab = RECOMMEND
            if lab not in out:
                out.append(lab)
        return tuple(out[:2])

    def _asks(self, card: Card) -> bool:
        """Whether the bank has a slot-free 痛点铺垫 question for this kind ("你是不是也这样？"): a pain
        clip of a card with no pain point asks it rather than recommending."""
        return any(
            not u.slots and u.text.endswith("？") and not u.connective
            for u in self.composer.index.get((card.kind, "痛点铺垫"), ())
        )

    def _reserving(self, card: Card, needs: ClipNeeds, memory: AdMemory, later: Sequence[str]) -> list[Line]:
        """The clip's lines keeping for later clips the looks and materials they need ("外观设计" later:
        a recommendation says a benefit, not the card's only look), unless that leaves this clip no fact."""
        mine = ROLE_SLOTS.get(needs.role, frozenset()) | ROLE_SLOTS.get(needs.labels[0], frozenset())
        keep: set[str] = set()
        for slot in RESERVED:
            if slot in mine:
                continue
            wanted = sum(slot in ROLE_SLOTS.get(role, ()) for role in later)
            left = [f.text for f in card.of(slot) if f.text not in memory.facts]
            if wanted and len(left) <= wanted:
                keep.update(left)
        if keep:
            spared = dataclasses.replace(memory, facts=memory.facts | keep)
            lines = self._lines(card, needs, spared)
            if lines and lines[0].facts and lines[0].role_ok:
                return lines
        return self._lines(card, needs, memory)

    def _lines(self, card: Card, needs: ClipNeeds, memory: AdMemory) -> list[Line]:
        """The clip's good lines, best first; never empty (relaxing what the ad asks, then stock lines).

        A clip whose own labels' units cannot say any fact left on the card borrows the units of a label
        that can (a 质量/特性介绍 clip says the material a 质地/成分/材质 unit takes), so the ad keeps
        saying facts instead of stock talk while it has some."""
        lines = self.composer.lines(card, needs, memory)
        own_job = needs.role in (BUY_LABEL, "痛点铺垫")  # asks to buy / sets up a pain: no borrowed facts
        # ... but a long call gives a reason before it ("它能保护膝盖，想动起来的，就从它开始吧。")
        reason = needs.cta and needs.hi >= ROOM_FOR_REASON
        if not lines or not lines[0].facts or not lines[0].role_ok:
            memories = [memory]
            if card.facts and memory.facts and (needs.role in (*FACT_ROLES, RECOMMEND) or reason):
                # every fact is said: one again in other words, not stock talk
                memories.append(memory.again())
                if needs.role in ROLE_SLOTS and memory.last:
                    # the clip before said the card's only fact for this job: said again beats off the job
                    again = memory.again()
                    # ... but a fact said MAX_TIMES stays spent
                    spent_facts = {x for x, n in memory.times.items() if n >= MAX_TIMES}
                    free = set(memory.last) - spent_facts
                    memories.append(dataclasses.replace(again, facts=again.facts - free))
            base = BUY_LABEL if needs.cta else needs.labels[0]  # a clip that asks to buy keeps its call
            named = needs.must_name and bool(card.name)
            off_role: list[Line] = []
            wanted = ROLE_SLOTS.get(needs.role, frozenset())
            spent = bool(wanted) and not any(
                f.slot in wanted and f.text not in memory.facts for f in card.facts
            )
            for k, mem in enumerate(memories):
                got = [] if mem is memory else [x for x in self.composer.lines(card, needs, mem) if x.facts]
                if spent and mem is memory and len(memories) > 1:
                    continue  # the card's facts for this job are all said: only said again can do it
                if not own_job or reason:
                    for lab in BORROW_LABELS:
                        if lab not in needs.labels:
                            borrowed = dataclasses.replace(
                                needs, labels=(base, lab), own=needs.own or needs.labels
                            )
                            got += [x for x in self.composer.lines(card, borrowed, mem) if x.facts]
                if lines and lines[0].facts:
                    got = [x for x in got if x.role_ok]  # only a line that does the job the best did not
                if got and not any(x.role_ok for x in got) and k < len(memories) - 1:
                    # new facts only off the clip's job ("它的珍珠白…" in a 产品功效 clip): a fact of
                    # its job said again in other words first
                    off_role += got
                    continue
                got += off_role
                if got:
                    got.sort(
                        key=lambda x: (
                            not x.role_ok,
                            named and card.name not in x.text,
                            x.padding,
                            -x.score,
                            x.text,
                        )
                    )
                    lines = got + lines
                    break
        if lines and not lines[0].facts and not self._says_what_it_is(lines[0].text, card) and not own_job:
            # nothing new to say: at least say what the product is, with a recommendation's sentence
            own = dataclasses.replace(
                needs, labels=(needs.labels[0], RECOMMEND), own=needs.own or needs.labels
            )
            lines += [
                x for x in self.composer.lines(card, own, memory) if self._says_what_it_is(x.text, card)
            ]
            lines.sort(key=lambda x: (not (needs.must_name and card.name in x.text), -x.score, x.text))
        if lines:
            unique: dict[str, Line] = {}
            for x in lines:  # borrowed lines repeat the clip's own
                unique.setdefault(x.text, x)
            return self._prefer(list(unique.values()), card, needs)
        tries = [
            dataclasses.replace(needs, labels=(*needs.labels, lab)[-2:], own=needs.own or needs.labels)
            for lab in FALLBACK_LABELS
        ]
        longest = max(1, needs.hi // 22 - 2)  # long budgets: more whole sentences, never a longer list
        for attempt, extra in ((1, 0), (2, longest)):
            for n in tries if attempt == 1 else [needs, *tries]:
                fresh = memory if attempt < 2 else AdMemory(cta=memory.cta)
                lines = self.composer.lines(card, n, fresh, extra_units=extra)
                if lines:
                    return self._prefer(lines, card, needs)
        return [self._stock(card, needs, memory)]

    def _named(self, card: Card, needs: ClipNeeds, memory: AdMemory) -> list[Line]:
        """Lines that name the product for a clip whose own labels' units do not: a recommendation's
        naming sentence with one of the clip's own, else stock sentences."""
        both = dataclasses.replace(needs, labels=(RECOMMEND, needs.labels[0]), own=needs.own or needs.labels)
        named = [x for x in self.composer.lines(card, both, memory) if card.name in x.text]
        return self._prefer(named, card, needs) or [self._stock(card, needs, memory, named=True)]

    @staticmethod
    def _says_what_it_is(text: str, card: Card) -> bool:
        return bool(card.name and card.name in text) or bool(card.type_word and card.type_word in text)

    @staticmethod
    def _prefer(lines: list[Line], card: Card, needs: ClipNeeds) -> list[Line]:
        """Lines that do their clip's job first, then what the ad asks of the clip (name it, ask to buy
        with the offer)."""
        if needs.must_name:
            named = [x for x in lines if card.name in x.text]
            lines = named + [x for x in lines if card.name not in x.text]
        if needs.cta:
            offers = {f.text for f in card.of("offer")}
            asking = [x for x in lines if x.cta]
            with_offer = [x for x in asking if offers & set(x.facts)]
            rest = [x for x in lines if x not in with_offer and x not in asking]
            lines = with_offer + [x for x in asking if x not in with_offer] + rest
        return [x for x in lines if x.role_ok] + [x for x in lines if not x.role_ok]

    def _stock(self, card: Card, needs: ClipNeeds, memory: AdMemory, named: bool = False) -> Line:
        """A line of stock sentences true of any product, in budget (the last resort); `named`: one that
        names the product when one fits."""
        filled = [s.replace("{name}", card.name).replace("{type}", card.type_word or "产品") for s in STOCK]
        if named:
            stock = _stock_lines(filled, needs.lo, needs.hi)
            once = [x for x in stock if x.count(card.name) == 1]  # the name once, the type only inside it
            alone = [x for x in once if not card.type_word or x.count(card.type_word) == 1]
            with_name = alone + [x for x in once if x not in alone] or [x for x in stock if card.name in x]
            for text in with_name:
                if reads_wrong(text, card, cta_said=memory.cta) is None:
                    return Line(text, (), (), False)
            if with_name:
                return Line(with_name[0], (), (), False)
        best: Line | None = None
        options = _stock_lines(filled, needs.lo, needs.hi)
        for text in options:
            if reads_wrong(text, card, cta_said=memory.cta) is None:
                line = Line(text, (), (), False, self.composer.fluency.score(text))
                if best is None or line.score > best.score:
                    best = line
        if best is not None:
            return best
        if options:  # in budget matters more than a repeated word here (only for budgets no bank line fits)
            return Line(options[0], (), (), False)
        # nothing of stock fits: the shortest that is not longer than the budget, else cut at the budget
        fits = sorted((s for s in filled if len(s) <= needs.hi), key=len, reverse=True)
        text = fits[0] if fits else filled[0][: max(0, needs.hi - 1)] + "。"
        return Line(text[: needs.hi], (), (), False)

    # ---- one clip again ----
    def _clip_in_context(
        self, request: NarrationRequest, index: int, context: list[ClipNarration] | None
    ) -> tuple[int, ClipRequest, int, int, Card, AdMemory, str, tuple[str, ...], ClipNeeds]:
        """What rewrite and alternatives both need for clip `index`: its position, request and budget, the
        card, the other clips' lines as the ad's memory, its current line, its labels and what it must do."""
        pos_of = {c.index: i for i, c in enumerate(request.clips)}
        if index not in pos_of:
            raise InputError(f"no clip with index {index}")
        i = pos_of[index]
        c = request.clips[i]
        lo, hi = request.budget(c)
        card = self.card(request.product)
        memory = AdMemory()
        current = ""
        labels: tuple[str, ...] = _labels(c.labels)
        others: list[str] = []
        for other in context or []:
            if other.index == index:
                current = other.text
                labels = labels or _labels(other.labels)
            elif other.text:
                others.append(other.text)
                memory.add_text(other.text, card.name, calls_to_buy(other.text, card) > 0)
                memory.facts.update(f.text for f in card.facts if said_in(f, other.text))
        if not labels:
            labels = self.plan(request)[i]
        writing = self._writing_labels(labels, card)
        needs = ClipNeeds(
            writing,
            lo,
            hi,
            must_name=not memory.named and bool(context),
            cta=BUY_LABEL in writing,
            role=_role(labels, writing),
        )
        return i, c, lo, hi, card, memory, current, labels, needs

    def _choices(self, card: Card, needs: ClipNeeds, memory: AdMemory, current: str) -> list[str]:
        """The distinct lines "换一句" walks through, best first, never the current one: the clip's own good
        lines, then lines that may say a fact again (a clip late in an ad has few new ones)."""
        out: list[str] = []
        for pool in (memory, AdMemory(cta=memory.cta, named=memory.named)):
            for line in self._lines(card, needs, pool):
                if line.text != current and line.text not in out and needs.lo <= len(line.text) <= needs.hi:
                    out.append(line.text)
            if len(out) >= 8:
                break
        return out

    def rewrite(
        self,
        request: NarrationRequest,
        index: int,
        *,
        seed: int,
        context: list[ClipNarration] | None = None,
    ) -> ClipNarration:
        """A different line for clip `index`: seed k is the k-th alternative (wrapping round)."""
        _i, c, lo, hi, card, memory, current, labels, needs = self._clip_in_context(request, index, context)
        if hi <= 0:
            return ClipNarration(c.index, labels, "", 0, 0, ("clip too short for speech",))
        lines = self._choices(card, needs, memory, current) or [
            x.text for x in self._lines(card, needs, memory)
        ]
        return ClipNarration(c.index, labels, lines[seed % len(lines)], lo, hi)

    def alternatives(
        self,
        request: NarrationRequest,
        index: int,
        *,
        count: int = 5,
        context: list[ClipNarration] | None = None,
    ) -> list[ClipNarration]:
        """Up to `count` distinct lines for clip `index`, best first, each inside the clip's budget (the
        lines `rewrite` walks through with seeds 0, 1, 2 ...); the clip's current line is not among them."""
        _i, c, lo, hi, card, memory, current, labels, needs = self._clip_in_context(request, index, context)
        if hi <= 0 or count <= 0:
            return []
        return [
            ClipNarration(c.index, labels, t, lo, hi)
            for t in self._choices(card, needs, memory, current)[:count]
        ]
