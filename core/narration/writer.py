"""Line writer: fills learned slot templates with this product's terms so each line hits its budget.

Candidates are templates of the clip's label whose fixed text length plus the lengths of the product
terms put into their slots lands inside chars_min..chars_max (a two-label clip also draws, a little
lower, on its second label's templates). They are ranked by consensus (how typical
the line is for its label), the similarity of the template's source product to this one, a matching
position in the ad, use of product knowledge, and penalised for repeating what the ad already said.
The pool is then re-ranked by likeness to three pseudo-references (expected CIDEr-style overlap with
what an unseen reference says): the other candidates (minimum Bayes risk), and the lines of the 20 most
similar products' ads, with lines from the same place in their ads (opening, middle, closing) weighted up.
Templates still carrying words bound to another product (brands, product types) are never used, and
fixed wording only one product's ads say ("不掉裆") ranks low, as does wording only a few products' ads
say ("不卡粉") when none of them is like this one; the product's brand and its type word
("眼霜") are slots of their own. The chosen line is moved to the budget's centre by small spoken-style
rewrites (非常 -> 很, 很 -> 真的很). Long budgets combine two candidates
into one sentence; a last-resort fitter guarantees the budget.

Faithfulness (issue #14): a slot takes only terms of its type (knowledge.term_kind); fixed wording that
claims what the knowledge does not say is never used, nor, outside beauty care, skin-care or wearing wording,
wording only a few unrelated products' ads say, or learned wording that misuses a term ("采用清洗方便",
"这款巴旦木"); hand-written category-neutral templates (core.narration.neutral) are a second source; a line
of 6+ characters says a fact, a 引导购买 line the offer, and long budgets with no fitting one- or two-part
line are composed of several short lines (_compose).
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.narration.knowledge import (
    BEAUTY_WORDS,
    CLAIM_WORDS,
    FALLBACK_KEYS,
    GENERIC_TYPE,
    KEY_KIND,
    KEYS,
    NAME_KEY,
    PROPERTY,
    SKIN_USAGE,
    SLOT_BASE,
    SLOT_KEYS,
    SPEC,
    THING,
    TYPE_KEY,
    WEAR_USAGE,
    head_type,
    is_beauty,
    is_clothing,
    is_pet,
    knowledge_text,
    product_terms,
    product_type,
    short_name,
    slot_char,
    term_kind,
    words,
)
from core.narration.learn import ad_place
from core.narration.naming import brand_and_type, derive_name
from core.narration.neutral import neutral_rows

_NAMES = (NAME_KEY, TYPE_KEY)
"""Slots that name the product rather than state knowledge (may repeat; not counted as knowledge)."""

_NAME_TAIL = re.compile(
    "[" + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in _NAMES) + "]"
    "[^了吧呢吗啊呀哦嘛的来里后用上中呗哈哇\\W\\d\\sA-Za-z][，。！？、；]"
)
"""A name or type slot followed by one character and a pause ("这款◇霜。", "购入的◇刷。"): the tail of
the source product's type word, which names something else in another product's line."""

_THING_BEFORE = re.compile(
    "(?:采用|含有|添加|加入|里面有|用的是|选用|搭配|成分|材料|材质|富含|复配|蕴含)(?:了|的是|的)?["
    + "".join(
        chr(SLOT_BASE + SLOT_KEYS.index(k))
        for k in SLOT_KEYS
        if k not in ("成分/材质", "相关产品", NAME_KEY, TYPE_KEY)
    )
    + "]"
)
"""A word that takes a thing ("采用", "含有") before a slot of another field: learned from beauty care's
loosely typed knowledge, it would say "采用清洗方便" of another product."""

_ODD_AROUND = re.compile(
    "["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in SLOT_KEYS if k not in (NAME_KEY, TYPE_KEY))
    + "](?:采用|含有|选用|添加|用的是|系列)"
    + "|(?:这款|这一款|这个|这就是|就是这款)["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in SLOT_KEYS if k not in (NAME_KEY, TYPE_KEY))
    + "]"
    + "|每天["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in (NAME_KEY, TYPE_KEY))
    + "]|是一["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in (NAME_KEY, TYPE_KEY))
    + "]|一点都不["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in SLOT_KEYS)
    + "]|没有["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in SLOT_KEYS)
    + "]|["
    + "".join(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in SLOT_KEYS if k not in (NAME_KEY, TYPE_KEY))
    + "]的(?:朋友|姐妹|小伙伴|宝宝|人)"
)
"""A term as the subject of 采用 ("每袋25克采用巴旦木"), a term made a series ("长耳朵系列") or the
product itself ("这款巴旦木", "这就是ABS塑料颗粒"), a selling
point denied ("没有粉色蝴蝶结"), the product as an activity ("每天华为蓝牙耳机的时候"), a pain point
negated as a quality ("一点都不地铁太吵"), or a situation ("没有每天扫地累"), a selling point made an
audience ("激光导航的朋友们"): learned wording that only reads right for beauty care's terms."""
_CJK2 = re.compile(r"[\u4e00-\u9fff]{2}")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CALL = re.compile(r"点击|抢购|购买|买起来|赶紧下单|快下单|赶紧入手|入手[^，。！？]*吧")
"""A clause that asks the viewer to buy; a line asks once ("快点击链接购买吧，赶紧下单吧" twice)."""
_TOPIC_MID = re.compile(r"[，。！？](?:品质方面|外观上|说到品质|材料上|先来看|我们来看|今天给大家|今天推荐)")
"""A topic opener after the start of a line: "它肠胃好，品质方面，美毛亮毛。" stitches two lines."""
_YOU_ME = re.compile(r"[你我]")
_LATIN = re.compile(r"[A-Za-z]+")
_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,})\1")
_CONTAINS = re.compile(r"含有|富含|蕴含|添加了")
"""Words for what food or cosmetics contain: "这里面含有精铁锅身" is not said of a pan."""


def _fragment(ctx: ProductContext, text: str) -> bool:
    """A figure, or a Latin run of up to 3 letters, that the title and knowledge do not say as a whole
    ("这个是小米0。", "U波司登羽绒服"): a learned template's leftover of its own product's model."""
    if any(x not in ctx.numbers for x in _NUMBER.findall(text)):
        return True
    return any(len(x) <= 3 and x not in ctx.latin for x in _LATIN.findall(text))


def reads_wrong(ctx: ProductContext, text: str) -> bool:
    """Whether a whole line reads wrong whatever its template: a figure not in the knowledge as a whole
    number ("这个是小米0。"), two calls to buy, a bare name as a clause of its own between others
    ("快点击链接购买吧，小米，赶紧下单吧。"), a topic opener in mid-line, or 不仅 without its 而且."""
    if _fragment(ctx, text):
        return True
    if re.search("可以[可能]", text):
        return True  # "还可以可冲马桶"
    if _DOUBLED.search(text):
        return True  # "现在下单下单送礼品袋": the template's word and the offer's
    clauses = [x for x in re.split(r"[，。！？；]", text) if x]
    if sum(1 for x in clauses if _CALL.search(x)) > 1:
        return True
    if any(x in ctx.names for x in clauses[1:]):
        return True
    if _TOPIC_MID.search(text):
        return True
    if text.startswith("且"):
        return True  # "且它的肠胃好很强": the rest of 并且
    j = text.find("不仅")
    return j >= 0 and not re.search("而且|还|也|更|同时", text[j + 2 :])


_SLOT_CHARS = re.compile("[" + "".join(chr(SLOT_BASE + i) for i in range(len(SLOT_KEYS))) + "]")


def _verb_first(term: str) -> bool:
    """The term starts with a verb ("补充能量", "骑行省力"), not a quality ("可充电", "手感软糯")."""
    ws = words(term)
    return bool(ws) and ws[0][1].startswith("v") and not term.startswith(("可", "能", "不", "无"))


PAIR_SEP = "\x00"
"""Joins the templates of a two-part line (so both count as used in the ad)."""

_FILLERS = (
    "喜欢的朋友可以去看看。",
    "整体来说很值得入手。",
    "真的很不错。",
    "推荐给大家。",
    "值得一试。",
    "很实用。",
    "好用。",
    "超赞。",
    "真的。",
)


_SETTLE_EDITS: tuple[tuple[str, str], ...] = (
    # shorter
    ("非常非常", "非常"),
    ("真的", ""),
    ("，而且", "，"),
    ("，然后", "，"),
    ("，所以", "，"),
    ("，同时", "，"),
    ("非常", "很"),
    ("特别", "很"),
    ("超级", "超"),
    ("就是", "是"),
    ("吧。", "。"),
    ("啊，", "，"),
    ("呢，", "，"),
    ("哦，", "，"),
    # longer
    ("很", "非常"),
    ("它是", "它就是"),
    ("这是", "这就是"),
    ("购买。", "购买吧。"),
    ("下单。", "下单吧。"),
    ("很", "特别"),
    ("很", "真的很"),
    ("非常", "真的非常"),
)
"""Small spoken-style rewrites that change a line's length by a character or two without changing
what it says: the budget's centre is where speech fills its clip best."""


def _settle_keeps_meaning(text: str, j: int, old: str, new: str) -> bool:
    """Whether rewriting `old` at `j` keeps the sense: 真的 goes only before what it stresses ("这是真的。"
    keeps it), 就是 stays after 不/也 ("这不就是" is not "这不是"), 特别是 ("especially") stays."""
    after = text[j + len(old) : j + len(old) + 1]
    before = text[j - 1 : j] if j else ""
    if new.startswith("真的") and text[max(0, j - 2) : j] == "真的":
        return False  # no "真的真的"
    if old == "真的" and not new:
        return "\u4e00" <= after <= "\u9fff"
    if old == "就是":
        return bool(before) and before not in ("不", "也")  # "就是这款X。" does not open as "是这款X。"
    if old == "非常" and new == "很":
        return after != "的"  # "非常的舒服", not "很的舒服"
    if old == "，而且":
        return "不仅" not in text[:j]
    if old == "特别":
        return after != "是"
    return True


def settle(text: str, target: int, lo: int, hi: int, depth: int = 2) -> str:
    """`text` moved towards `target` characters (within lo..hi) by at most `depth` small rewrites."""
    best, best_key = text, (abs(len(text) - target), 0)
    frontier = [text]
    for step in range(1, depth + 1):
        nxt = []
        for cur in frontier:
            for old, new in _SETTLE_EDITS:
                j = cur.find(old)
                if j < 0 or not _settle_keeps_meaning(cur, j, old, new):
                    continue
                got = cur[:j] + new + cur[j + len(old) :]
                if not lo <= len(got) <= hi:
                    continue
                key = (abs(len(got) - target), step)
                if key < best_key:
                    best, best_key = got, key
                nxt.append(got)
        if best_key[0] == 0:
            break
        frontier = nxt
    return best


PICK_POOL = 12
"""One-part lines `write` picks among (besides the two-part ones); the ceiling bench scores the same pool."""


@dataclass(frozen=True)
class Weights:
    consensus: float = 3.0
    similarity: float = 2.0
    position: float = 0.15
    knowledge: float = 0.35
    second_label: float = 0.5
    repetition: float = 1.5
    reuse: float = 0.3  # a term the ad already said
    reuse_other: float = 3.0  # ... outside beauty care (no learned consensus to weigh it against)
    length: float = 0.1
    # aim a character above the budget centre: lines came out 3% shorter than the references
    target_shift: float = 1.0
    mbr: float = 6.0
    neighbours: float = 20.0  # likeness to what the most similar products' ads said
    neighbour_count: int = 20
    neighbour_place: float = 35.0  # likeness to lines from the same place (first/middle/last) of their ads
    place_share: float = 20.0  # how much more those lines count there
    own_words: float = 3.0  # fixed text that only the source product's ads say ("不掉裆")
    kin: float = 1.0  # category wording ("不卡粉") whose products are all unlike this one
    kin_near: float = 0.05  # a product this similar shares its category's wording
    name_first: float = 3.0  # the opening line names the product
    scan: int = 96
    pool: int = 24
    always_pairs: bool = True
    pair_from: int = 16
    pair_penalty: float = -0.5  # a two-part line (joined into one sentence) reads like the references
    pair_min: int = 2  # two-part lines to find before trying other split points (3 was no better, slower)
    split_from: int = 30
    pair_width: int = 2
    second_pool: float = 1.0  # a two-label clip also draws on its second label's templates, this much lower
    short_line: int = 14  # whole lines with budgets up to this many characters (clips under ~3 s) ...
    min_fixed: int = 3  # ... use templates with slots only if they keep this many Chinese characters
    tail_leaks: bool = True  # refuse templates with a type word's tail after a name slot ("◇霜。")
    settle: bool = True  # small rewrites move the chosen line to the budget centre
    faithful: bool = True  # refuse fixed wording that claims what the knowledge does not say (or, outside
    # beauty care, skin-care wording)
    facts_from: int = 6  # a line whose budget allows this many characters says a fact of the product
    offer_cta: bool = True  # a 引导购买 line states the product's offer when it has one
    neutral: float = 1.0  # hand-written category-neutral templates, for a product outside beauty care
    neutral_beauty: float = -1.0  # ... and for a beauty product (the learned ones suit it)
    beauty_source: float = 1.0  # a learned template only beauty-care ads said, for another product
    common_share: float = 0.04  # outside beauty care, a learned template's fixed two-character words must
    # be said by the ads of this share of products (or by the product's knowledge): category-neutral
    rare_near: float = 0.15  # ... or come from a product at least this similar (its own category)


_NAME_SLOTS = frozenset(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in (NAME_KEY,))
_TYPE_SLOTS = frozenset(chr(SLOT_BASE + SLOT_KEYS.index(k)) for k in (TYPE_KEY,))


def _names_twice(first: str, second: str) -> bool:
    """Both halves of a two-part line name the product."""
    return any(ch in _NAME_SLOTS for ch in first) and any(ch in _NAME_SLOTS for ch in second)


def _shared_term(first: Sequence[str], second: Sequence[str]) -> bool:
    """Both halves of a two-part line say a term, or one says part of the other's (护龈 / 温和护龈)."""
    return any(a in b or b in a for a in first for b in second)


def _says_twice(first: Candidate, second: Candidate) -> bool:
    """The halves of a two-part line would say a thing twice: the product's name ("这款X，这款X精华。"),
    a term ("买一送一，买一送一下单。") or a phrase ("赶紧点击链接购买吧，赶紧点击下方链接抢购。")."""
    return (
        _names_twice(first.template, second.template)
        or _shared_term(first.terms, second.terms)
        or bool(grams4(first.text) & grams4(second.text))
    )


def _dangles(second: Candidate) -> bool:
    """A second half that only names the product ("……买一送一，这款产品。"): it says nothing after the comma."""
    t = second.template
    return (
        not second.terms
        and sum(1 for ch in t if "\u4e00" <= ch <= "\u9fff") < 3
        and any(ch in _NAME_SLOTS or ch in _TYPE_SLOTS for ch in t)
    )


def _ngram_counts(text: str, n: int) -> dict[str, int]:
    counts: dict[str, int] = {}  # a plain loop: faster than Counter for lines this short
    for i in range(len(text) - n + 1):
        g = text[i : i + n]
        counts[g] = counts.get(g, 0) + 1
    return counts


def _completes(need: Any, first: str, second: str) -> bool:
    """Whether `second` after `first` makes a line that says what `need` asks."""
    return bool(need(first + second))


def _distinct(cands: Iterable[Candidate]) -> list[Candidate]:
    """The candidates with each text once (the first, best, of equal ones)."""
    seen: set[str] = set()
    return [c for c in cands if not (c.text in seen or seen.add(c.text))]  # type: ignore[func-returns-value]


def _fresh_piece(need: Any, before: str, names: Sequence[str], terms: Sequence[str], piece: str) -> bool:
    """A part of a composed line: it says a term of the product, names the product and says a term no
    more than once in the whole line, and with it the line says what `need` asks (None: anything)."""
    if terms and not any(x in piece for x in terms):
        return False
    if any(n in before and n in piece for n in names):
        return False
    return need is None or bool(need(before + piece))


def _joined(first: str, second: str) -> str:
    """One spoken sentence from two: the first one's full stop becomes a comma (refs say "A，B。")."""
    return (first[:-1] + "，" if first.endswith("。") else first) + second


class Template:
    __slots__ = (
        "adjacent",
        "beauty_source",
        "bound",
        "can_slots",
        "claims",
        "fixed_words",
        "kin",
        "labels",
        "neutral",
        "own_words",
        "pids",
        "pos",
        "score",
        "slots",
        "static_len",
        "tail_leak",
        "text",
        "thing_context",
    )

    def __init__(self, row: Sequence[Any]) -> None:
        self.text: str = row[0]
        self.labels: tuple[int, ...] = tuple(row[1])
        self.pos: int = int(row[2])
        self.score: float = float(row[3])
        self.bound: tuple[str, ...] = tuple(row[4])
        self.pids: tuple[int, ...] = tuple(row[5])
        self.own_words: int = int(row[6]) if len(row) > 6 else 0
        self.kin: tuple[int, ...] = tuple(row[7]) if len(row) > 7 else ()
        self.slots: tuple[str, ...] = tuple(
            SLOT_KEYS[ord(ch) - SLOT_BASE]
            for ch in self.text
            if SLOT_BASE <= ord(ch) < SLOT_BASE + len(SLOT_KEYS)
        )
        self.static_len = len(self.text) - len(self.slots)
        self.fixed_words = sum(1 for ch in self.text if "\u4e00" <= ch <= "\u9fff")
        self.tail_leak = bool(_NAME_TAIL.search(self.text))
        self.neutral = False  # a hand-written category-neutral template (core.narration.neutral)
        self.claims: tuple[tuple[str, ...], ...] | None = None
        """(claim words, skin-care usage words, wearing words) its fixed text says (on first use)."""
        self.beauty_source = False  # learned from beauty-care ads only
        self.thing_context = bool(_THING_BEFORE.search(self.text) or _ODD_AROUND.search(self.text))
        name_type = slot_char(NAME_KEY) + slot_char(TYPE_KEY)
        self.adjacent = any(
            _SLOT_CHARS.match(a) and _SLOT_CHARS.match(b) and a + b != name_type
            for a, b in zip(self.text, self.text[1:])
        )
        # slots after 能 ("它能◇"): an effect said as a verb goes there ("它能骑行省力", not "它能可充电")
        self.can_slots = tuple(
            k
            for k, m in enumerate(re.finditer(_SLOT_CHARS, self.text))
            if self.text[: m.start()].endswith(("能", "有效"))
        )

    @property
    def static(self) -> str:
        """The fixed text (slots removed)."""
        return "".join(ch for ch in self.text if not SLOT_BASE <= ord(ch) < SLOT_BASE + len(SLOT_KEYS))


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _norm(a: Counter[str]) -> float:
    return math.sqrt(sum(x * x for x in a.values()))


def _cosine(a: Counter[str], na: float, b: Counter[str], nb: float) -> float:
    """Cosine of `a` and `b`, given their norms |a| = na and |b| = nb."""
    if not a or not b:
        return 0.0
    dot = sum(a[g] * b[g] for g in a.keys() & b.keys())  # the key intersection runs in C
    return dot / (na * nb) if na and nb else 0.0


def grams4(text: str) -> set[str]:
    return {text[i : i + 4] for i in range(len(text) - 3)}


@dataclass
class ProductContext:
    """What the writer needs about one product, computed once per ad."""

    name: str
    spoken_name: str
    type_word: str
    terms: dict[str, list[str]]
    text: str
    similarity: list[float]
    max_term: int
    neighbour_vector: list[tuple[float, float, dict[str, float], dict[str, float]]] = field(
        default_factory=list
    )
    """Per ad place, the pseudo-reference a * plain + b * place's own, as (a, b, plain, own)."""
    neighbour_scores: dict[tuple[int, str], float] = field(default_factory=dict)  # (place, text), lazily
    gram_weights: list[tuple[dict[str, float], dict[str, float]]] = field(
        default_factory=lambda: [({}, {}), ({}, {}), ({}, {})]
    )
    """Per ad place, each scored gram's idf^2 and idf * pseudo-reference weight, filled lazily."""
    grams: dict[str, tuple[list[list[str]], set[str]]] = field(default_factory=dict)  # per line, lazily
    ranked: dict[
        tuple[int, int, int, int, frozenset[int], float], list[tuple[float, int, int, int, int, Template]]
    ] = field(default_factory=dict)
    """Per template bucket, clip position and other labels, the scored templates best first (lazily)."""
    buckets: dict[tuple[int, int, int], list[tuple[float, Template]]] = field(default_factory=dict)
    """Per template bucket, the usable templates with their product-dependent score (filled lazily)."""
    beauty: bool = True
    full_name: str = ""  # the spoken name (naming.spoken_name): brand + product type ("美的空气炸锅")
    kinds: dict[str, str] = field(default_factory=dict)  # term -> what it is (knowledge.term_kind)
    clothing: bool = True
    pet: bool = False  # a pet's product: its problems are the pet's ("你是不是也掉毛" is not said)
    numbers: frozenset[str] = frozenset()  # the figures the title and knowledge say ("4000", "22.5")
    latin: frozenset[str] = frozenset()  # ... and their Latin runs ("TPE", "Pa")
    names: tuple[str, ...] = ()  # what the product is called in a line (a clause of its own is filler)
    own_name: bool = False  # the spoken name is the user's (Product.spoken_name), not brand + type


@dataclass
class AdState:
    """What the ad has said so far (to avoid repeating it)."""

    grams: set[str] = field(default_factory=set)
    terms: Counter[str] = field(default_factory=Counter)
    templates: set[str] = field(default_factory=set)
    options: dict[str, list[str]] = field(default_factory=dict)
    """Per slot key, the product's terms in preference order (depends on `terms`; cleared by add)."""

    def add(self, text: str, terms: Iterable[str] = (), template: str = "") -> None:
        self.grams |= grams4(text)
        self.terms.update(terms)
        self.templates.update(x for x in template.split(PAIR_SEP) if x)
        self.options.clear()


@dataclass
class Candidate:
    score: float
    text: str
    terms: tuple[str, ...]
    template: str


class LineWriter:
    def __init__(self, resource: Mapping[str, Any], weights: Weights | None = None) -> None:
        self.weights = weights or Weights()
        self.labels: list[str] = list(resource["labels"])
        self.brands = frozenset(resource["brands"])
        self.title_words = frozenset(resource.get("title_words", ()))
        self.type_words: dict[str, float] = dict(resource.get("type_words", {}))
        self.templates = [Template(row) for row in resource["templates"]]
        beauty_product = [sum(1 for w in BEAUTY_WORDS if w in pt) >= 2 for pt in resource["product_text"]]
        for t in self.templates:
            t.beauty_source = bool(t.pids) and all(
                beauty_product[p] for p in t.pids if p < len(beauty_product)
            )
        for row in neutral_rows(self.labels):
            t = Template(row)
            t.neutral = True
            self.templates.append(t)
        self.product_text: list[str] = list(resource["product_text"])
        self.product_lines: list[list[str]] = list(resource.get("product_lines", []))
        self.line_places: list[str] = list(resource.get("line_places", ()))
        spread: Counter[str] = Counter()  # two-character words -> products whose ads say them
        for lines in self.product_lines:
            spread.update({x[i : i + 2] for x in lines for i in range(len(x) - 1)})
        least = self.weights.common_share * len(self.product_lines)
        self.common_pairs = frozenset(g for g, k in spread.items() if k >= least)
        self._idf: tuple[dict[str, float], float] | None = None
        self._product_sums: dict[int, list[tuple[dict[str, float], int]]] = {}
        self._product_vecs: list[tuple[Counter[str], float]] | None = None
        self._bigram_idf: dict[str, float] = {}
        self._bigram_idf_max = 1.0
        self.buckets: dict[tuple[int, int, int], list[Template]] = {}
        for t in self.templates:
            for lab in t.labels[:1]:
                self.buckets.setdefault((lab, len(t.slots), t.static_len), []).append(t)
        self.max_slots = max((len(t.slots) for t in self.templates), default=0)

    # ---- per product ----
    def product_context(self, name: str, attributes: Mapping[str, str], spoken: str = "") -> ProductContext:
        """`spoken`: the user's spoken name (Product.spoken_name); "" derives it from the title (naming)."""
        terms: dict[str, list[str]] = {}
        beauty = is_beauty(name, attributes)
        kinds: dict[str, str] = {}
        for term in product_terms(attributes):
            terms.setdefault(term.key, []).append(term.text)
            # beauty care's fields are what dev.jsonl says they are; others' values are read
            kinds[term.text] = KEY_KIND.get(term.key, PROPERTY) if beauty else term_kind(term.text, term.key)
        brand, named_type = brand_and_type(name)
        spoken_given = spoken.strip()
        full = spoken_given or derive_name(name) or short_name(name, self.brands, self.title_words)
        # the brand alone only as the start of the spoken name ("这款◇◆" = brand + type); else the name
        spoken = brand if brand and full.startswith(brand) and len(full) > len(brand) else full
        text = knowledge_text(name, attributes)
        if self._product_vecs is None:
            df: Counter[str] = Counter()
            for pt in self.product_text:
                df.update(set(_bigrams(pt)))
            log_n = math.log(max(2, len(self.product_text)))
            self._bigram_idf = {g: log_n - math.log(k) for g, k in df.items()}
            self._bigram_idf_max = log_n
            vecs = []
            for pt in self.product_text:
                v = self._weighted(_bigrams(pt))
                vecs.append((v, _norm(v)))
            self._product_vecs = vecs
        mine = self._weighted(_bigrams(text))
        n_mine = _norm(mine)
        sims = [_cosine(mine, n_mine, v, nv) for v, nv in self._product_vecs]
        max_term = max((len(x) for xs in terms.values() for x in xs), default=0)
        # outside beauty care the title's own head noun first ("瑞幸挂耳咖啡" is coffee, not 挂耳)
        ptype = (
            named_type
            or (not beauty and head_type(name, spoken))
            or product_type(name, self.type_words)
            or GENERIC_TYPE
        )
        max_term = max(max_term, len(full), len(ptype))
        return ProductContext(
            name,
            spoken,
            ptype,
            terms,
            text,
            sims,
            max_term,
            self._neighbour_vector(sims),
            beauty=beauty,
            full_name=full,
            kinds=kinds,
            clothing=is_clothing(name) or beauty,
            pet=is_pet(name),
            numbers=frozenset(_NUMBER.findall(text)),
            latin=frozenset(_LATIN.findall(text)),
            names=tuple(x for x in (full, spoken, ptype if ptype != GENERIC_TYPE else "") if x),
            own_name=bool(spoken_given),
        )

    def _weighted(self, counts: Counter[str]) -> Counter[str]:
        """Bigram counts weighted by rarity among products, so 眼霜 says more about a product than 保湿."""
        idf, top = self._bigram_idf, self._bigram_idf_max
        return Counter({g: k * idf.get(g, top) for g, k in counts.items()})

    # ---- what similar products' ads say ----
    def _idf_table(self) -> tuple[dict[str, float], float]:
        """Inverse document frequency of 1..4-grams over every learned line (computed once)."""
        if self._idf is None:
            df: Counter[str] = Counter()
            n_docs = 0
            for lines in self.product_lines:
                for line in lines:
                    n_docs += 1
                    df.update({line[i : i + n] for n in range(1, 5) for i in range(len(line) - n + 1)})
            log_n = math.log(max(2, n_docs))
            self._idf = ({g: log_n - math.log(k) for g, k in df.items()}, log_n)
        return self._idf

    def _tfidf(self, text: str) -> dict[str, float]:
        """1..4-gram tf-idf of `text`, each n normalised to unit length (one dict: grams of different n differ)."""
        idf, idf_max = self._idf_table()
        out: dict[str, float] = {}
        for n in range(1, 5):
            vec = {g: k * idf.get(g, idf_max) for g, k in _ngram_counts(text, n).items()}
            norm = math.sqrt(sum(x * x for x in vec.values()))
            if norm:
                for g, x in vec.items():
                    out[g] = x / norm
        return out

    def _product_sums_by_place(self, p: int) -> list[tuple[dict[str, float], int]]:
        """Per ad place (first, middle, last clip): the sum of product p's line tf-idf vectors and the
        number of lines (cached: neighbours recur across ads)."""
        got = self._product_sums.get(p)
        if got is None:
            got = [({}, 0), ({}, 0), ({}, 0)]
            places = self.line_places[p] if p < len(self.line_places) else ""
            for k, line in enumerate(self.product_lines[p]):
                place = int(places[k]) if k < len(places) else 1
                vec, count = got[place]
                for g, x in self._tfidf(line).items():
                    vec[g] = vec.get(g, 0.0) + x
                got[place] = (vec, count + 1)
            self._product_sums[p] = got
        return got

    def _neighbour_vector(
        self, sims: Sequence[float]
    ) -> list[tuple[float, float, dict[str, float], dict[str, float]]]:
        """Per ad place (first, middle, last clip), a weighted pseudo-reference: the similarity-weighted
        mean tf-idf of the lines of the most similar products (weight `neighbours`), plus the same mean
        with the lines from that place of their ads counted `place_share` times (weight `neighbour_place`).

        A line sharing n-grams with how ads of similar products talk (category words: 遮瑕, 持妆, 支撑),
        and with how they open or close, is more likely to match what an ad of this product says.
        """
        w = self.weights
        if not w.neighbours or not self.product_lines:
            return []
        top = sorted(range(len(self.product_lines)), key=lambda p: (-sims[p], p))[: w.neighbour_count]
        # plain: all lines; by_place[k]: lines from place k. Counting place k's lines `share` times is
        # plain + (share - 1) * by_place[k], so each place's vector is a mix of two sums.
        plain: dict[str, float] = {}
        by_place: list[dict[str, float]] = [{}, {}, {}]
        total = 0.0
        counts = [0.0, 0.0, 0.0]
        for p in top:
            sim = sims[p]
            for place, (vec, count) in enumerate(self._product_sums_by_place(p)):
                total += sim * count
                counts[place] += sim * count
                acc = by_place[place]
                for g, x in vec.items():
                    acc[g] = acc.get(g, 0.0) + sim * x
        if not total:
            return []
        for acc in by_place:
            for g, x in acc.items():
                plain[g] = plain.get(g, 0.0) + x
        # place k's vector is a * plain + b * by_place[k]; kept as the two parts (scored in one pass)
        out: list[tuple[float, float, dict[str, float], dict[str, float]]] = []
        extra = w.place_share - 1.0
        for place in range(3):
            weighted = total + extra * counts[place]
            a = w.neighbours / total + (w.neighbour_place / weighted if w.neighbour_place else 0.0)
            b = w.neighbour_place * extra / weighted if w.neighbour_place else 0.0
            out.append((a, b, plain, by_place[place]))
        return out

    def _neighbour_score(self, ctx: ProductContext, text: str, place: int = 1) -> float:
        """Likeness of `text` to the pseudo-reference of its ad place (weights included)."""
        if not ctx.neighbour_vector:
            return 0.0
        key = (place, text)
        score = ctx.neighbour_scores.get(key)
        if score is None:  # the same half-lines come back in many two-part candidates
            # per n, the cosine of the line's n-gram tf-idf with the pseudo-reference; a gram said k
            # times adds k * idf * weight to the dot product and (k * idf)^2 to the squared norm
            squares, products = ctx.gram_weights[place]
            score = 0.0
            for n in range(1, 5):
                grams = [text[i : i + n] for i in range(len(text) - n + 1)]
                if not grams:
                    continue
                try:
                    dot = sum(map(products.__getitem__, grams))
                except KeyError:  # grams this ad has not scored yet
                    self._learn_grams(ctx, place, grams)
                    dot = sum(map(products.__getitem__, grams))
                if len(set(grams)) == len(grams):
                    sq = sum(map(squares.__getitem__, grams))
                else:
                    sq = sum(k * k * squares[g] for g, k in _ngram_counts(text, n).items())
                if sq:
                    score += dot / math.sqrt(sq)
            score /= 4
            ctx.neighbour_scores[key] = score
        return score

    def _learn_grams(self, ctx: ProductContext, place: int, grams: Iterable[str]) -> None:
        """Cache idf^2 and idf * pseudo-reference weight of `grams` for this ad's place."""
        a, b, plain, own = ctx.neighbour_vector[place]
        squares, products = ctx.gram_weights[place]
        idf, idf_max = self._idf_table()
        for g in grams:
            if g not in products:
                i = idf.get(g, idf_max)
                squares[g] = i * i
                products[g] = i * (a * plain.get(g, 0.0) + b * own.get(g, 0.0))

    def _options(self, ctx: ProductContext, key: str, state: AdState) -> list[str]:
        got = state.options.get(key)
        if got is None:
            got = state.options[key] = self._ranked_options(ctx, key, state)
        return got

    def _ranked_options(self, ctx: ProductContext, key: str, state: AdState) -> list[str]:
        if key == NAME_KEY:
            # the spoken name (naming.spoken_name); a two-character or Latin brand alone reads as a word
            # or a fragment ("这款五常", "这款公牛", "小米"), a longer one ("麦富迪") may vary a repeated name
            if ctx.full_name and not re.fullmatch("[\u4e00-\u9fff]{3,}", ctx.spoken_name):
                return [ctx.full_name]
            return list(dict.fromkeys(x for x in (ctx.full_name, ctx.spoken_name) if x))
        if key == TYPE_KEY:
            return [ctx.type_word]
        # a slot takes terms of its type only: things (materials) where a thing is said, properties
        # where a property is; a figure ("5升大容量") only in a slot of its own field
        kind = KEY_KIND.get(key, PROPERTY)
        kind_of = ctx.kinds.get
        opts: list[str] = [x for x in ctx.terms.get(key, ()) if kind_of(x, kind) in (kind, SPEC)]
        if kind in (THING, PROPERTY):
            others = [k for k in (*FALLBACK_KEYS.get(key, ()), *KEYS) if k != key]
            for k in dict.fromkeys(others):
                if len(opts) >= 3:
                    break
                if k == "活动优惠" and not ctx.beauty:
                    continue  # "而且送数据线" is an offer, not what the product does
                if ctx.beauty and k not in FALLBACK_KEYS.get(key, ()):
                    continue  # beauty care keeps its learned fallbacks
                opts.extend(x for x in ctx.terms.get(k, ()) if kind_of(x, KEY_KIND.get(k, PROPERTY)) == kind)
        # unused terms first, then terms the product title repeats (ads say those), then short ones
        return sorted(dict.fromkeys(opts), key=lambda x: (state.terms[x], x not in ctx.name, len(x) > 8))[:10]

    def _fill(
        self, t: Template, ctx: ProductContext, lo: int, hi: int, state: AdState
    ) -> tuple[str, ...] | None:
        """Terms for the template's slots whose total length is in lo..hi (first fit in preference order)."""
        options = [self._options(ctx, k, state) for k in t.slots]
        if any(not o for o in options):
            return None
        if NAME_KEY in t.slots and TYPE_KEY in t.slots:  # "这款◇◆": the brand alone, the type follows
            if ctx.spoken_name == ctx.full_name and (ctx.own_name or ctx.type_word in ctx.full_name):
                return None  # a name that is not brand + type would say a type twice ("小美炸锅空气炸锅")
            options = [[ctx.spoken_name or o[0]] if k == NAME_KEY else o for k, o in zip(t.slots, options)]
        if t.adjacent and not ctx.beauty:
            return None  # "这款◇◇": the name runs into a term ("三只松鼠每袋25克")
        if t.can_slots and not ctx.beauty:
            options = [
                [x for x in o if _verb_first(x)] if i in t.can_slots else o for i, o in enumerate(options)
            ]
            if any(not o for o in options):
                return None
        if len(options) == 1:  # the common case: the first term that fits
            return next(((x,) for x in options[0] if lo <= len(x) <= hi), None)
        chosen: list[str] = []
        steps = [0]
        # shortest and longest total the slots after i can still add (prunes dead ends early)
        least, most = [0] * (len(options) + 1), [0] * (len(options) + 1)
        for i in range(len(options) - 1, -1, -1):
            lengths = list(map(len, options[i]))
            least[i] = least[i + 1] + min(lengths)
            most[i] = most[i + 1] + max(lengths)

        def dfs(i: int, total: int) -> bool:
            steps[0] += 1
            if steps[0] > 200:
                return False
            if i == len(options):
                return lo <= total <= hi
            for opt in options[i]:
                if t.slots[i] not in _NAMES and any(
                    opt in c or c in opt for c, k in zip(chosen, t.slots) if k not in _NAMES
                ):
                    continue  # "温和护龈、敏感、护龈" says a term twice
                if not lo <= total + len(opt) + most[i + 1] or total + len(opt) + least[i + 1] > hi:
                    continue
                chosen.append(opt)
                if dfs(i + 1, total + len(opt)):
                    return True
                chosen.pop()
            return False

        return tuple(chosen) if dfs(0, 0) else None

    @staticmethod
    def _assemble(t: Template, fill: Sequence[str]) -> str:
        out, k = [], 0
        for ch in t.text:
            if SLOT_BASE <= ord(ch) < SLOT_BASE + len(SLOT_KEYS):
                out.append(fill[k])
                k += 1
            else:
                out.append(ch)
        return "".join(out)

    def _usable(
        self, ctx: ProductContext, label: int, slots: int, static: int
    ) -> list[tuple[float, Template]]:
        """The bucket's templates this product may use, with their product-dependent score (once per ad)."""
        key = (label, slots, static)
        got = ctx.buckets.get(key)
        if got is None:
            w = self.weights
            got = []
            similarity = ctx.similarity.__getitem__
            types = self.type_words  # "这款◇精华" is for products called 精华, not ones with 植物精华 in them
            for t in self.buckets.get(key, ()):
                if t.bound and not all(b in (ctx.name if b in types else ctx.text) for b in t.bound):
                    continue  # it names something this product does not have (a type: in its title)
                if t.tail_leak and w.tail_leaks:
                    continue  # "这款◇霜。" would call this product a cream
                if w.faithful and self._unsupported(t, ctx):
                    continue  # "大家可以放心" certifications, "上脸" for a bike
                if t.neutral and (not w.neutral if not ctx.beauty else not w.neutral_beauty):
                    continue
                sim = max(map(similarity, t.pids)) if t.pids else 0.0
                base = (
                    w.consensus * t.score
                    + w.similarity * sim
                    + w.knowledge * (slots > 0 and any(k not in _NAMES for k in t.slots))
                    - w.own_words * t.own_words / max(1, t.static_len)
                    - (w.kin * max(0.0, 1.0 - max(map(similarity, t.kin)) / w.kin_near) if t.kin else 0.0)
                    + ((w.neutral_beauty if ctx.beauty else w.neutral) if t.neutral else 0.0)
                    - (w.beauty_source if t.beauty_source and not ctx.beauty else 0.0)
                )
                got.append((base, t))
            ctx.buckets[key] = got
        return got

    def _unsupported(self, t: Template, ctx: ProductContext) -> bool:
        """The template's fixed text claims what this product's knowledge does not say (a certification,
        an audience, a skin effect), or uses skin-care wording for a product outside beauty care."""
        if t.claims is None:
            static = t.static
            t.claims = (
                tuple(x for x in CLAIM_WORDS if x in static),
                tuple(x for x in SKIN_USAGE if x in static),
            )
            t.claims = (
                *t.claims,
                tuple(x for x in WEAR_USAGE if x in static),
                tuple(
                    {
                        static[i : i + 2]
                        for i in range(len(static) - 1)
                        if _CJK2.fullmatch(static[i : i + 2]) and static[i : i + 2] not in self.common_pairs
                    }
                ),
            )
        claims, skin, wear, rare = t.claims
        if any(x not in ctx.text for x in claims):
            return True
        if ctx.pet and "痛点" in t.slots and _YOU_ME.search(t.static):
            return True  # "你是不是也掉毛？": a pet's problem is the pet's
        if not ctx.beauty and t.slots and _CONTAINS.search(t.static) and not t.neutral:
            return True
        if not ctx.clothing and any(x not in ctx.text for x in wear):
            return True
        if ctx.beauty:
            return False
        if any(x not in ctx.text for x in skin):
            return True
        # outside beauty care a material slot follows a word that takes a thing ("采用◇", "含有◇")
        if t.thing_context:
            return True
        # ... and a learned template's fixed words are ones many products' ads say ("发型", "戴眼镜" are
        # not), unless it comes from a product like this one (a mattress's ads for another mattress)
        if t.neutral or not any(x not in ctx.text for x in rare):
            return False
        near = self.weights.rare_near
        return not (t.pids and max(ctx.similarity[p] for p in t.pids) >= near)

    def _requirement(
        self, ctx: ProductContext, labels: Sequence[str], hi: int, must_name: bool = False
    ) -> Any:
        """What a whole line for this clip must say, as a test of its text (None: anything fitting):
        a fact of the product when the budget allows `facts_from` characters, the offer in a 引导购买
        line of a product that has one, the product's name when `must_name`."""
        w = self.weights
        names = [x for x in (ctx.full_name, ctx.spoken_name) if x]
        if ctx.type_word != GENERIC_TYPE:
            names.append(ctx.type_word)
        facts = [x for xs in ctx.terms.values() for x in xs] + names
        offers = [x for x in ctx.terms.get("活动优惠", ())]
        need_fact = w.facts_from and hi >= w.facts_from and facts
        need_offer = w.offer_cta and offers and "引导购买" in labels and hi >= min(map(len, offers))
        need_name = must_name and names and hi >= min(map(len, names))
        if not (need_fact or need_offer or need_name):
            return None

        def ok(text: str) -> bool:
            if need_name and not any(x in text for x in names):
                return False
            if need_offer and not any(x in text for x in offers):
                return False
            return not need_fact or any(x in text for x in facts)

        return ok

    def _ranked(
        self,
        ctx: ProductContext,
        label: int,
        slots: int,
        static: int,
        pos: int,
        others: frozenset[int],
        offset: float = 0.0,
    ) -> list[tuple[float, int, int, int, int, Template]]:
        """The bucket's usable templates as (-score, label, slots, static, index, template), best first,
        for a clip at `pos` whose other labels are `others`, scored `offset` lower (once per ad: many
        budgets share buckets)."""
        key = (label, slots, static, pos, others, offset)
        got = ctx.ranked.get(key)
        if got is None:
            w = self.weights
            got = []
            for idx, (base, t) in enumerate(self._usable(ctx, label, slots, static)):
                score = (
                    base
                    - offset
                    + w.position * (t.pos == pos)
                    + (w.second_label * bool(others.intersection(t.labels)) if others else 0.0)
                    + (w.name_first * (NAME_KEY in t.slots) if pos == 0 else 0.0)
                )
                got.append((-score, label, slots, static, idx, t))
            got.sort()  # (label, slots, static, index) is unique: templates are never compared
            ctx.ranked[key] = got
        return got

    def candidates(
        self,
        ctx: ProductContext,
        labels: Sequence[str],
        lo: int,
        hi: int,
        pos: int,
        state: AdState,
        limit: int = PICK_POOL,
        place: int | None = None,
        whole: bool = True,
        need: Any = None,
    ) -> list[Candidate]:
        """The best-ranked filled templates for this label and budget, best first.

        `place` (0 first, 1 middle, 2 last) picks the pseudo-reference; by default it follows `pos`.
        `whole` is False for the halves of a two-part line; `need` tests a line's text (_requirement).
        """
        w = self.weights
        if not labels or lo > hi or hi <= 0:
            return []
        primary = self.labels.index(labels[0]) if labels[0] in self.labels else len(self.labels) - 1
        second = frozenset(self.labels.index(x) for x in labels[1:] if x in self.labels)
        # the clip's first label's templates; on a two-label clip also its other labels' (a little lower)
        sources = [(primary, second, 0.0)]
        if w.second_pool:
            sources += [(lab, frozenset({primary}), w.second_pool) for lab in sorted(second - {primary})]
        ranked = [
            self._ranked(ctx, lab, m, s, pos, others, offset)
            for lab, others, offset in sources
            for m in range(self.max_slots + 1)
            for s in range(max(1, lo - m * ctx.max_term) if m else lo, hi - 2 * m + 1)
        ]
        pre: list[tuple[float, int, int, int, int, Template]] = []  # best first, ties in bucket order
        # a short line is all fragment and term when its template keeps only a word or two ("送错◇。")
        fragile = w.min_fixed if whole and hi <= w.short_line else 0
        for item in heapq.merge(*ranked):
            t = item[5]
            if t.text not in state.templates and not (t.slots and t.fixed_words < fragile):
                pre.append(item)
                if len(pre) >= w.scan:
                    break
        out: list[Candidate] = []
        seen: set[str] = set()
        offers = () if ctx.beauty or "引导购买" in labels else tuple(ctx.terms.get("活动优惠", ()))
        for neg_score, _, _, _, _, t in pre:
            score = -neg_score
            fill = self._fill(t, ctx, lo - t.static_len, hi - t.static_len, state) if t.slots else ()
            if fill is None:
                continue
            if offers and any(x in offers for x in fill):
                continue  # "而且下单立减20元" under 产品功效: an offer is said in a call to action
            text = self._assemble(t, fill)
            if text in seen or (need is not None and not need(text)):
                continue
            if reads_wrong(ctx, text) if whole else _fragment(ctx, text):
                continue
            g = grams4(text)
            overlap = len(g & state.grams) / len(g) if g else 0.0
            if overlap > 0.5:
                continue
            reused = sum(1 for x in fill if state.terms[x]) / len(fill) if fill else 0.0
            target = (lo + hi) / 2 + w.target_shift
            reuse = w.reuse if ctx.beauty else w.reuse_other
            final = score - w.repetition * overlap - reuse * reused - w.length * abs(len(text) - target)
            if w.neighbours:
                final += self._neighbour_score(ctx, text, ad_place(pos) if place is None else place)
            seen.add(text)
            out.append(
                Candidate(final, text, tuple(x for x, k in zip(fill, t.slots) if k not in _NAMES), t.text)
            )
            if len(out) >= w.pool:
                break
        if w.mbr and len(out) > 2:
            self._consensus(ctx, out, w.mbr)
        out.sort(key=lambda c: -c.score)
        return out[:limit]

    @staticmethod
    def _consensus(ctx: ProductContext, cands: list[Candidate], weight: float) -> None:
        """Minimum-Bayes-risk bonus: lines sharing many n-grams with the other candidates are safer bets.

        For each n = 1..4, the share of a line's n-grams that the other candidates also contain (one
        pass over document frequencies instead of all pairs, to stay within a few ms per clip).
        """
        grams = []
        for c in cands:
            got = ctx.grams.get(c.text)
            if got is None:  # the same half-lines are ranked again for every split of a long budget
                per_n = [[c.text[i : i + n] for i in range(len(c.text) - n + 1)] for n in range(1, 5)]
                got = (per_n, {g for gs in per_n for g in gs})
                ctx.grams[c.text] = got
            grams.append(got)
        df: Counter[str] = Counter()
        for _, distinct in grams:
            df.update(distinct)
        others = len(cands) - 1
        for c, (per_n, _) in zip(cands, grams):
            s = sum(sum(df[g] - 1 for g in gs) / len(gs) for gs in per_n if gs) / 4
            c.score += weight * s / others

    def write(
        self,
        ctx: ProductContext,
        labels: Sequence[str],
        lo: int,
        hi: int,
        pos: int,
        state: AdState,
        choice: int = 0,
        exclude: frozenset[str] = frozenset(),
        must_name: bool = False,
    ) -> Candidate:
        """One line inside lo..hi: candidate number `choice` (0 = best), combining two when needed."""
        if hi <= 0:
            return Candidate(0.0, "", (), "")
        # enough settled lines to reach `choice` past the exclusions
        cands = self.ranked_lines(
            ctx, labels, lo, hi, pos, state, reach=choice + 1 + len(exclude), must_name=must_name
        )
        cands = [c for c in _distinct(cands) if c.text not in exclude]
        if not cands and (state.templates or state.terms):
            # every fitting template was used in this ad already: one may come back
            fresh = AdState(set(state.grams))
            cands = self.ranked_lines(
                ctx, labels, lo, hi, pos, fresh, reach=choice + 1 + len(exclude), must_name=must_name
            )
            cands = [c for c in cands if c.text not in exclude]
            if not cands and hi <= self.weights.pair_from:
                # a short clip may repeat what the ad said (the offer again at the end)
                cands = self.ranked_lines(
                    ctx, labels, lo, hi, pos, AdState(), reach=choice + 1 + len(exclude), must_name=must_name
                )
                cands = [c for c in cands if c.text not in exclude]
        if not cands:
            composed = self._compose(ctx, labels, lo, hi, pos, state, must_name)
            if composed is not None and composed.text not in exclude:
                return composed
            return Candidate(-1.0, self._fit(self._generic(ctx, labels, lo, hi), lo, hi), (), "")
        return cands[choice % len(cands)]

    def _compose(
        self,
        ctx: ProductContext,
        labels: Sequence[str],
        lo: int,
        hi: int,
        pos: int,
        state: AdState,
        must_name: bool = False,
        parts: int = 6,
    ) -> Candidate | None:
        """A long line of up to `parts` short ones, each the best that still leaves room for the rest,
        joined into one sentence (when no one- or two-part line fits: long budgets of a product whose
        templates are mostly hand-written short ones)."""
        need = self._requirement(ctx, labels, hi, must_name)
        facts = tuple(x for xs in ctx.terms.values() for x in xs)
        names = tuple(x for x in (ctx.full_name, ctx.spoken_name) if x) + facts  # nor say a term twice
        names += (ctx.type_word,) if ctx.type_word != GENERIC_TYPE else ()
        text, used = "", []
        terms: tuple[str, ...] = ()
        sub = AdState(set(state.grams), Counter(state.terms), set(state.templates))
        for k in range(parts):
            rest_lo, rest_hi = lo - len(text), hi - len(text)
            if rest_hi < 4:
                break
            last = k == parts - 1 or rest_hi <= 28
            piece_hi = min(28, rest_hi - 6)
            piece_lo, piece_hi = (
                (max(1, rest_lo), rest_hi) if last else (max(6, min(rest_lo // 3, 18)), piece_hi)
            )
            piece_need = functools.partial(_fresh_piece, need if last else None, text, names, facts)
            got = self.candidates(
                ctx, labels, piece_lo, piece_hi, pos, sub, limit=1, whole=False, need=piece_need
            )
            if not got and last and rest_lo > 0:
                piece_need = functools.partial(_fresh_piece, None, text, names, facts)
                got = self.candidates(
                    ctx, labels, 6, rest_hi - 6, pos, sub, limit=1, whole=False, need=piece_need
                )
                last = False
            if not got:
                break
            c = got[0]
            text = _joined(text, c.text) if text else c.text
            terms += c.terms
            used.append(c.template)
            sub.add(c.text, c.terms, c.template)
            if (
                lo <= len(text) <= hi
                and (last or len(text) >= lo)
                and (need is None or need(text))
                and not reads_wrong(ctx, text)
            ):
                return Candidate(-0.5, text, terms, PAIR_SEP.join(used))
        return None

    def ranked_lines(
        self,
        ctx: ProductContext,
        labels: Sequence[str],
        lo: int,
        hi: int,
        pos: int,
        state: AdState,
        reach: int | None = None,
        limit: int = PICK_POOL,
        must_name: bool = False,
    ) -> list[Candidate]:
        """The lines `write` picks from, best first (`limit` one-part lines, and two-part ones); with
        settling on, only the first `reach` (default: all), each moved to the budget centre (the ceiling
        bench scores them all). Each says what `_requirement` asks (a fact, the offer, the name)."""
        need = self._requirement(ctx, labels, hi, must_name)
        cands = self.candidates(ctx, labels, lo, hi, pos, state, limit=limit, need=need)
        if (len(cands) < 3 or self.weights.always_pairs) and hi >= self.weights.pair_from:
            # two shorter lines, each ranked (with its own consensus) in its own budget
            pairs = self._pairs(ctx, labels, lo, hi, pos, state, need=need)
            cands.extend(c for c in pairs if need is None or need(c.text))
            cands.sort(key=lambda c: -c.score)
        if self.weights.settle:
            target = (lo + hi) // 2
            cands = [
                Candidate(c.score, settle(c.text, target, lo, hi), c.terms, c.template)
                for c in (cands if reach is None else cands[:reach])
            ]
        return cands

    def _pairs(
        self,
        ctx: ProductContext,
        labels: Sequence[str],
        lo: int,
        hi: int,
        pos: int,
        state: AdState,
        place: int | None = None,
        need: Any = None,
    ) -> list[Candidate]:
        """Two-part lines; `need` tests the whole line's text (the second half makes up what the first
        half does not say: the offer of a call to action)."""
        out: list[Candidate] = []
        mid = (lo + hi) // 2
        place = ad_place(pos) if place is None else place
        # the ad opens with the first half of its first line and closes with the second half of its last
        first_place, second_place = (place, 1) if place == 0 else (1, place) if place == 2 else (1, 1)
        for frac in (0.5, 0.6, 0.4, 0.7):
            t1 = max(4, int(mid * frac))
            firsts = self.candidates(
                ctx,
                labels,
                t1 - 3,
                t1 + 3,
                pos,
                state,
                limit=self.weights.pair_width,
                place=first_place,
                whole=False,
            )
            for c1 in firsts:
                sub = AdState(set(state.grams | grams4(c1.text)), Counter(state.terms), set(state.templates))
                sub.terms.update(c1.terms)
                sub.templates.add(c1.template)
                rest_lo, rest_hi = lo - len(c1.text), hi - len(c1.text)
                rest_need = None
                if need is not None and not need(c1.text):
                    rest_need = functools.partial(_completes, need, c1.text)
                seconds = self.candidates(
                    ctx,
                    labels,
                    max(1, rest_lo),
                    rest_hi,
                    2,
                    sub,
                    need=rest_need,
                    limit=self.weights.pair_width,
                    place=second_place,
                    whole=False,
                )
                if (not seconds and rest_hi >= 16) or rest_hi >= self.weights.split_from:
                    seconds = (
                        seconds
                        + self._pairs(ctx, labels, rest_lo, rest_hi, 2, sub, second_place, rest_need)[:1]
                    )
                for c2 in seconds:
                    if _says_twice(c1, c2) or _dangles(c2) or reads_wrong(ctx, _joined(c1.text, c2.text)):
                        continue
                    out.append(
                        Candidate(
                            (c1.score + c2.score) / 2 - self.weights.pair_penalty,
                            _joined(c1.text, c2.text),
                            c1.terms + c2.terms,
                            c1.template + PAIR_SEP + c2.template,
                        )
                    )
            if len(out) >= self.weights.pair_min:
                break
        return out

    def _generic(self, ctx: ProductContext, labels: Sequence[str], lo: int = 0, hi: int = 1000) -> str:
        """One sentence of the product's name and facts up to the budget, when no template fits
        ("美的空气炸锅，5升大容量，无油也酥脆。"); a call to action leads with the offer and ends with the
        call to buy. Neither a pain point (it would say the product causes it) nor, outside a call to
        action, the offer (it is no effect) is stated as a fact."""
        name = ctx.full_name or ctx.spoken_name or (ctx.type_word if ctx.type_word != GENERIC_TYPE else "")
        cta = "引导购买" in labels
        offers = list(ctx.terms.get("活动优惠", [])) if cta else []
        skip = set(ctx.terms.get("痛点", ())) if "痛点铺垫" not in labels else set()
        skip |= set() if cta else set(ctx.terms.get("活动优惠", ()))
        facts = offers + [x for xs in ctx.terms.values() for x in xs if x not in offers and x not in skip]
        best = ""
        for call in ("赶紧点击下方链接购买吧", "赶紧下单吧", "") if cta else ("",):
            clauses: list[str] = []
            # a call to action says its offer first: the name may not fit beside it and the call
            for x in dict.fromkeys(offers + ([name] if name else []) + facts):
                if len("，".join([*clauses, x, call] if call else [*clauses, x])) + 1 <= hi:
                    clauses.append(x)
            text = "，".join([*clauses, call] if call else clauses) + "。" if clauses or call else ""
            if text and len(text) <= hi and (not best or len(text) >= lo):
                best = text
                if len(text) >= lo:
                    break
        return best or "真的很不错。"

    @staticmethod
    def _fit(text: str, lo: int, hi: int) -> str:
        """Trim at a clause boundary (or a word boundary, never mid-word) / pad with short phrases until
        lo <= len <= hi."""
        if len(text) > hi:
            cut = max(
                (i + 1 for i, ch in enumerate(text[:hi]) if ch in "，。！？" and i + 1 >= lo), default=0
            )
            if cut:
                text = text[:cut]
                if text.endswith("，") and len(text) - 1 >= lo:
                    text = text[:-1] + "。"  # "小米充电宝，" ends as a sentence
            else:  # whole words up to hi - 1 characters, and a full stop
                kept = ""
                for word, _ in words(text):
                    if len(kept) + len(word) > hi - 1 or word in "，。！？":
                        break
                    kept += word
                text = (kept or text[: max(1, hi - 1)]) + "。"
        used: set[str] = set()
        while len(text) < lo:
            room = hi - len(text)
            filler = next((f for f in _FILLERS if len(f) <= room and f not in used), None)
            used.add(filler or "")
            if filler is None:
                text += "！" * max(1, lo - len(text))
                break
            text += filler
        return text[:hi]
