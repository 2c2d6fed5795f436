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
import functools
import itertools
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.narration.compose.bank import Unit, index_units
from core.narration.compose.check import DEAL_TALK, reads_wrong, same_idea
from core.narration.compose.facts import Card, Fact, say, sayable
from core.narration.compose.fluency import Fluency

MAX_UNITS = 3
SAMPLES = 136
"""Candidate lines sampled per clip (they are checked and scored; ~10 ms). 136: the role and order rules
leave fewer dead ends, so as many lines are sampled as with 160 before."""
FIT_CACHE = 200_000
PICKS = 4
"""Tries to find a next sentence that may follow the ones picked (one call, one fact-free sentence ...)."""
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
"""Facts per line: two at most (more is a list; and later clips need facts too)..."""
LONG = 60
"""... except above this budget: three sentences, each with its fact (a copywriter rewrote most long lines
padded with stock talk)."""
VERY_LONG = 80
"""A budget this long needs a second sentence without a fact now and then (bank sentences run to ~40)."""


def fact_cap(hi: int) -> int:
    """Facts a line of budget `hi` may say: two, and one more per ~22 characters past LONG."""
    return MAX_FACTS if hi <= LONG else max(3, min(5, (hi + 5) // 22))


def plain_cap(hi: int) -> int:
    return MAX_PLAIN if hi <= VERY_LONG else MAX_PLAIN + 1


BARE = 6
"""A sentence with no more words around its fact than this ("它还有{part}。", "主打{material}。", "它的核心是
{material}。") is a fragment when strung after or before another sentence."""
SHORT_PLAIN = 7
"""A sentence without a fact this short is a fragment on its own ("运动状态在线。", "品质在线。")."""
FACT_ROLES = frozenset(
    {"产品功效", "外观设计", "质地/成分/材质", "产品试用", "质量/特性介绍", "安全认证", "鉴定展示", "生产过程",
     "其他/通用卖点"}
)  # fmt: skip
"""Roles whose line says a fact of the product: none opens with a sentence that says nothing of it."""
ROLE_SLOTS: dict[str, frozenset[str]] = {
    "产品功效": frozenset({"benefit", "trait", "texture"}),
    "外观设计": frozenset({"look"}),
    "质地/成分/材质": frozenset({"material", "texture"}),
    "产品试用": frozenset({"benefit", "trait", "texture"}),
    "安全认证": frozenset({"cert"}),
    "鉴定展示": frozenset({"cert"}),
}
"""The facts that do a role's job: 产品功效 says what it does, 外观设计 a look, 质地/成分/材质 a material or
texture, 产品试用 something a demo shows (when the card has such a fact left)."""
CERT_LABELS = ("安全认证", "鉴定展示")
MAKING_LABEL = "生产过程"
SAFE = re.compile(r"安全|无毒|食品级|甲醛|母婴|天然|环保|无添加|检测|质保|国标|纯棉|有机|放心")
"""A trait that vouches for the product's safety when the card has no certificate (a parent trusts it)."""
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
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    "产品功效": ("功效",),
    "外观设计": ("外观",),
    "质地/成分/材质": ("成分/材质", "质地"),
    "质量/特性介绍": ("质量/特性",),
    "安全认证": ("鉴定/认证",),
    "鉴定展示": ("鉴定/认证",),
    "生产过程": ("生产工艺",),
    "痛点铺垫": ("痛点",),
}
"""The card field written for a storyline role: a 产品功效 clip says the card's 功效 before a 质量/特性 spec."""
MATERIAL_LABEL = "质地/成分/材质"
MATERIALISH = re.compile(r"(面料|网布|布|棉|绒|材质|纤维|皮|革|钢|铝合金|塑料|硅胶|玻璃|陶瓷|实木|木)$")
"""A part that is what the product is made of ("弹性面料", "织物网布"): a material clip may say it."""
FIELD_SLOTS = frozenset({"material", "texture", "look", "part", "trait", "benefit"})
"""The slots a fact of a role's own card field may have and still do the role's job."""
FIELD_BONUS = 1.0
"""A line that says what the product is ("这款空气炸锅…") over one that only says 它."""
NEUTRAL_FIT = 0.0
"""The fit of a line with no slot filled: as good as the average frame (fits are relative)."""
PAIN_LABEL = "痛点铺垫"
BUY_LABEL = "引导购买"
DEAL_SLOTS = frozenset({"offer", "event"})
AFTER_CALL = frozenset({"offer", "event", "service"})
"""What a line says after its call to buy: the deal and the service that back it, nothing else."""
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


MAX_TIMES = 3
"""Times one fact is said in an ad at most (a small card in a long ad says its facts again in other
words rather than off its clip's job, but not in every clip: "它强劲而不噪" in five)."""


@dataclass
class AdMemory:
    """What the ad has said so far: facts, units, whether it asked to buy and named the product."""

    facts: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    grams: set[str] = field(default_factory=set)
    cta: bool = False
    named: bool = False
    last: tuple[str, ...] = ()
    """The facts of the line before (a fact said again is never said in the next clip)."""
    times: dict[str, int] = field(default_factory=dict)
    """How often the ad said each fact (`MAX_TIMES`)."""

    def add(self, line: Line, name: str = "") -> None:
        self.last = line.facts
        self.facts.update(line.facts)
        for x in line.facts:
            self.times[x] = self.times.get(x, 0) + 1
        self.units.update(line.units)
        self.grams.update(_grams(line.text))
        self.cta = self.cta or line.cta
        self.named = self.named or bool(name and name in line.text)

    def again(self) -> AdMemory:
        """The ad's memory with its facts free again but those of the line before: a clip late in an ad
        says a fact again (in other words) rather than stock talk ("运动状态在线。")."""
        spent = {x for x, n in self.times.items() if n >= MAX_TIMES}
        return dataclasses.replace(
            self,
            facts=set(self.last) | spent,
            units=set(self.units),
            grams=set(self.grams),
            times=dict(self.times),
        )

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
    padding: int = 0
    """How much of the line is stock talk (`_padding`): a short line with a fact beats a padded one."""


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
    own: tuple[str, ...] = ()
    """The clip's own labels when the writer borrows others' units (empty: `labels`): the facts a line
    may say are those of the clip's labels, not of the borrowed ones."""


FOLLOW_UPS = ("它还", "它也", "还", "也")
"""Openings that add to a sentence before: "它还有独立包装。", "也很适合…"."""
SAME_AS = ("同样的烦恼", "同样的问题", "这种烦恼", "这种情况")
"""Anywhere in a unit: it points back to a problem said before ("我身边很多朋友，也有同样的烦恼。")."""
BACK_REFS = ("它还", "它也", "这也", "也这样", "这种情况", "同样的")
"""Words near a unit's start that point back to a sentence before ("细节上，它还有…", "你是不是也这样？")."""


@functools.lru_cache(maxsize=16384)
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


def _plain(unit: Unit) -> bool:
    """A sentence that says no fact and does not ask to buy ("真的很实用！", "今天推荐{name}。")."""
    return not unit.fact_slots() and not _calls(unit)


def _padded(unit: Unit, needs: ClipNeeds) -> bool:
    """A fact-free sentence counted against MAX_PLAIN: a pain clip's own questions and a making clip's
    look at the making ("看看它是怎么做出来的。") are their job."""
    role = needs.role or needs.labels[0]
    return _plain(unit) and not (role in (PAIN_LABEL, MAKING_LABEL) and unit.label == role)


@functools.lru_cache(maxsize=65536)
def _same_idea(a: str, b: str) -> bool:
    return same_idea(a, b)


def _opens_the_job(unit: Unit, role: str, must_name: bool = False) -> bool:
    """A fact-free sentence that is the clip's job: a recommendation naming the product (in the clip that
    names it), a pain question, a demo's setup ("我们来试一下。")."""
    if role == RECOMMEND_LABEL or must_name:
        return unit.label == RECOMMEND_LABEL and bool(unit.slots)
    return unit.label == role and role in (PAIN_LABEL, "产品试用", MAKING_LABEL)


def _padding(seq: Sequence[_Filled], needs: ClipNeeds) -> int:
    """How padded a line is: each fact-free sentence that is not the clip's job, a fragment of a few
    characters ("品质在线。"), or one opening a line of a fact role that says a fact ("运动状态在线。它…")."""
    role = needs.role or needs.labels[0]
    out = 0
    for k, f in enumerate(seq):
        if not _padded(f.unit, needs) or (k == 0 and _opens_the_job(f.unit, role, needs.must_name)):
            continue
        out += 1
        if len(f.text) <= SHORT_PLAIN:
            out += 1
        if k == 0 and role in FACT_ROLES and any(x.facts for x in seq):
            out += 1
    if len(seq) > 1:  # "它22.5瓦快充。它还有20000毫安大容量。": bare fact sentences strung together
        out += sum(1 for f in seq if f.unit.fact_slots() and f.unit.fixed_len <= BARE)
    deal = any(DEAL_TALK.search(f.text) for f in seq)
    if deal and not any(s.rstrip("2") in DEAL_SLOTS for f in seq for s in f.unit.fact_slots()):
        out += 1  # "这波福利真的很值" says which deal in the same line ("福利未点明满99减20")
    return out


_CN_FIGURE = re.compile(r"[一二两三四五六七八九十百千万半]+(?:个|分钟|小时|天|年|月|倍|度|层|速|档|种|款)")


def _figure(fact: str) -> bool:
    """A spec with a figure ("续航30小时", "二十分钟出浆"): a fact to state, not a benefit to show."""
    return any(ch.isdigit() for ch in fact) or bool(_CN_FIGURE.search(fact))


EXPERIENCE = re.compile(
    r"体验|用下来|用了|用过|用完|试了|试下来|试试|试过|尝了|尝的|入口|穿了|穿上|换上|上手|一试|发现|没想到|"
    r"感觉|感受|惊喜|预期|就知道|上脸|上妆|一摸|摸一|能感觉|操作下来|用的时候|没有夸张|没让我失望"
)
"""Words of a frame that tells what the speaker found by using the product ("体验下来，我发现它…", "没想到，
它…", "这一点我自己能感觉到"): such a frame holds only a fact a user can feel (`felt`)."""
FELT_SLOTS = frozenset({"trait", "benefit", "texture", "part"})
"""The slots whose facts an experience frame must be able to feel (a material or look is said as such)."""
UNFELT = re.compile(
    r"抗氧化|防晒|腐蚀|抗菌|抑菌|除菌|杀菌|除螨|防螨|蓝光|辐射|抗衰|抗老|抗糖|抵抗力|免疫|维生素|补钙|营养|"
    r"卡路里|低卡|零卡|零糖|零脂|无糖|不加糖|不加水|无添加|非浓缩|还原|防伪|质保|认证|环保|甲醛|食品级|通用|"
    r"兼容|全网通|定位|续航|防水|阻燃|冷链|运输|包装|容量|分享|按键|集尘|导航|纯净|正品"
)
"""Effects nobody feels and specs or features nobody discovers by use ("体验之后发现它免费分享5人", "它确实能
抗氧化，这一点我自己能感觉到", "用了几天发现它抗腐蚀", "我发现它自动集尘"): stated, never 'found'."""
FEATURE_START = (
    "可",
    "支持",
    "自动",
    "智能",
    "一键",
    "预约",
    "即插",
    "免费",
    "附带",
    "四驱",
    "激光",
    "精准",
    "视频",
)
FEATURE_OK = ("可口", "可爱")
DEMO_UNFELT = re.compile(r"耐用|耐磨|经久|不变形|不起球|不褪色|不掉色|久洗|抗皱|淡纹|长效|持久")
"""What only shows over weeks: a try-out in a clip cannot show it ("看这里。体验下来，我发现它耐用。")."""


@functools.lru_cache(maxsize=16384)
def felt(fact: str) -> bool:
    """A fact a user feels or sees by using the product (轻薄透气, 握感舒适, 煎蛋不粘), not a figure, a
    certification, an invisible effect or a feature ("续航18个月", "抗氧化", "可充电", "自动集尘")."""
    if _figure(fact) or UNFELT.search(fact):
        return False
    return not fact.startswith(FEATURE_START) or fact.startswith(FEATURE_OK)


def experience(unit: Unit) -> bool:
    """A frame of experience, discovery or feeling around a fact slot (not a pain sentence)."""
    return unit.label != PAIN_LABEL and _experience_words(unit.text)


@functools.lru_cache(maxsize=16384)
def _experience_words(text: str) -> bool:
    return bool(EXPERIENCE.search(_SLOT_RE.sub("", text)))


_SLOT_RE = re.compile(r"\{[a-z]+2?\}")
TAILS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"不占地方|放在包里|随身|带着很方便|带出门"),
        re.compile(r"小|迷你|轻|便携|折叠|薄|独立|包装|袋|巧"),
    ),
    (
        re.compile(r"用起来很方便|用起来更省心|很省心|省事|不费心|很方便"),
        re.compile(
            r"方便|一键|自动|轻松|简单|便捷|可拆|易|省|快|即插即用|免|预约|智能|清洗|收纳|机洗|冲|遥控|语音|独立|包装"
        ),
    ),
    (
        re.compile(r"孩子用得开心|不用一直在旁边盯着|给孩子用.*放心|不用操心|家长用着放心|当家长的也放心"),
        re.compile(r"安全|圆角|无毒|稳|结实|耐摔|防摔|食品级|环保|无味|不伤手|软|不掉毛"),
    ),
    (
        re.compile(r"秘诀"),  # "化妆的秘诀，其实就是…能帮你抗氧化的粉底液": a secret that shows on the face
        re.compile(r"遮瑕|服帖|持妆|脱妆|提亮|细腻|自然|轻薄|控油|光泽|水润|保湿|滋润|妆|白|亮|嫩|透"),
    ),
)
"""A frame's claim after its fact and the facts it follows from: "放在包里不占地方" from a small or light
thing, "用起来很方便" from an easy feature, "我也不用一直在旁边盯着" from a safe toy (not "它是磨砂外壳，放在
包里不占地方", "它有5000帕吸力，用起来很方便", "它可充电，…不用一直在旁边盯着")."""


def tail_needs(unit: Unit) -> tuple[re.Pattern[str] | None, ...]:
    """Per fact slot of `unit`, what its fact must say for the claim next to it to follow (None: anything):
    the claim's fact is the slot before it, else the first after it."""
    return _tail_needs(unit.text)


@functools.lru_cache(maxsize=16384)
def _tail_needs(text: str) -> tuple[re.Pattern[str] | None, ...]:
    fact_at = [m for m in _SLOT_RE.finditer(text) if m.group()[1:-1].rstrip("2") not in ("name", "type")]
    out: list[re.Pattern[str] | None] = [None] * len(fact_at)
    for claim, need in TAILS:
        m = claim.search(text)
        if m is None:
            continue
        before = [k for k, s in enumerate(fact_at) if s.end() <= m.start()]
        if before:
            out[before[-1]] = need
        elif fact_at:  # the claim leads to its fact ("…其实秘诀就是它能帮你{benefit}。")
            out[0] = need
    return tuple(out)


CAUSAL = ("所以", "因此", "难怪", "正因为")
"""A sentence opening so says the one before caused it: only after a fact of the same idea (不粘涂层 ->
煎蛋不粘), never "它能帮你控油。所以它能帮你改善暗沉。"."""
LEAD_IN = re.compile(
    r"被问了好多次|都在问我|很多人问我|朋友问我|家长问我|有了孩子才知道|一开始|没抱|有人问我|私信问我"
)
"""A lead-in or a before/after story: it opens the line, never after the praise ("今天推荐…，它气泡足。被问了好
多次的气泡水，今天终于来分享了。")."""
PROMISE = re.compile(r"回答一下|我的答案|答案就是")
"""A sentence that promises an answer: it gives the product's name, or the next sentence does."""
MIX_TYPES = re.compile(r"每日坚果|混合|什锦|综合|杂粮|果蔬|礼盒")
"""A product that is a mix of its ingredients: never said as one of them ("这款用的是巴旦木")."""


def _adds_to_pain(unit: Unit, seq: Sequence[_Filled]) -> bool:
    """A pain clip's one remark after its question ("你是不是也遇到过？其实这也是很多人共同的烦恼。"): not a
    second question, not a second remark."""
    return (
        unit.label == seq[-1].unit.label == PAIN_LABEL
        and not unit.text.endswith("？")
        and not any(follows(f.unit) for f in seq)
    )


def _promises(unit: Unit) -> bool:
    """A sentence that promises an answer it does not give ("…今天就统一回答一下。" without the name)."""
    return _order_flags(unit.text)[1]


@functools.lru_cache(maxsize=16384)
def _order_flags(text: str) -> tuple[bool, bool, bool]:
    """(says why from the sentence before, promises an answer without the name, opens the line) of a
    unit's text (`CAUSAL`, `PROMISE`, `OPENERS`/`LEAD_IN`)."""
    has_fact = any(m.group()[1:-1].rstrip("2") not in ("name", "type") for m in _SLOT_RE.finditer(text))
    return (
        text.startswith(CAUSAL) and has_fact,
        bool(PROMISE.search(text)) and "{name}" not in text,
        text.startswith(OPENERS) or bool(LEAD_IN.search(text)),
    )


def _related(a: str, b: str) -> bool:
    """Two facts that share a word of two characters ("不粘涂层", "煎蛋不粘")."""
    return any(a[i : i + 2] in b for i in range(len(a) - 1))


def _call_last(seq: list[_Filled]) -> list[_Filled] | None:
    """The line with its call to buy last: what is said for the product comes first, then the 引导购买
    sentences (the call, the deal); None when that order starts with a follow-up or leaves a selling
    point after the call ("赶紧去抢！它最大的特点就是50米防水。")."""
    if not any(_calls(f.unit) for f in seq):
        return seq
    first = [f for f in seq if f.unit.label != BUY_LABEL]
    buy = [f for f in seq if f.unit.label == BUY_LABEL]
    out = first + buy
    if follows(out[0].unit) or any(follows(b.unit) and not a.facts for a, b in itertools.pairwise(out)):
        return None
    at = next(k for k, f in enumerate(out) if _calls(f.unit))
    for f in out[at + 1 :]:
        if f.unit.label != BUY_LABEL or not {s.rstrip("2") for s in f.unit.fact_slots()} <= AFTER_CALL:
            return None
        if not f.unit.fact_slots():
            return None
    return out


def plays_role(
    seq: Sequence[_Filled],
    role: str,
    card: Card,
    *,
    cta: bool,
    free: frozenset[str] | None = None,
    hi: int = 0,
    labels: Sequence[str] = (),
) -> bool:
    """Whether a line does its clip's job (a copywriter rates a line that misses it 0): a 引导购买 clip asks
    to buy, a 痛点铺垫 clip has a pain or a question unit, a 产品推荐 line opens with its recommendation and
    names the product when the name fits, and a line of a fact role says a fact of its kind when the card
    has one left (`free`: the slots with facts not said yet; None: all of the card's): 产品功效 a benefit or
    property (not only what it is made of or looks like, not a bare spec with a figure), 外观设计 a look,
    质地/成分/材质 a material or texture, 产品试用 something a demo shows (never a spec with a figure)."""
    if not seq:
        return False
    if cta and not any(f.unit.cta for f in seq):
        return False  # a clip labelled 引导购买 (first or second label) asks to buy
    if role == PAIN_LABEL:
        if sum(f.text.count("？") for f in seq) > 1:
            return False  # "…耗在家务上？早上没时间做早餐怎么办？": two problems stacked
        if all(lab == PAIN_LABEL for lab in labels or (role,)) and any(
            card.slot_of(x) not in ("pain", "audience") for f in seq for x in f.facts
        ):
            return (
                False  # "…你是不是也有这样的担心？它有四个人仔，这一点很实用。": the problem, not the answer
            )
        if free is not None and "pain" in free:  # the card's own pain, not a stock one of its kind
            return any("pain" in {s.rstrip("2") for s in f.unit.fact_slots()} for f in seq)
        return any(f.unit.label == PAIN_LABEL for f in seq)
    if role == RECOMMEND_LABEL:
        fits = bool(card.name) and hi >= len(card.name) + 4
        return seq[0].unit.label == RECOMMEND_LABEL and (
            not fits or card.name in "".join(f.text for f in seq)
        )
    said = [(x, card.slot_of(x)) for f in seq for x in f.facts]
    if role in CERT_LABELS and not card.of("cert"):
        # no certificate: what the card has that vouches for it (a material, the service, a safe trait)
        trusted = [x for x, s in said if s in ("material", "service") or SAFE.search(x)]
        if any(f.slot in ("material", "service") or SAFE.search(f.text) for f in card.facts):
            return bool(trusted) and len(trusted) == len(said)  # "它自动集尘，这点很加分。" never
        return bool(said)
    if role == MAKING_LABEL:
        # how it is made: its craft or material, or the making itself ("看看它是怎么做出来的。")
        craft = {f.text for f in card.facts if f.key == "生产工艺" or f.slot == "material"}
        return all(x in craft for x, _ in said) and (bool(said) or any(f.unit.label == role for f in seq))
    wanted = ROLE_SLOTS.get(role)
    if wanted is None:
        return True
    demo = role == "产品试用"

    keys = {f.text: f.key for f in card.facts}

    def good(x: str, s: str) -> bool:
        return _does_the_job(role, x, s, keys.get(x, ""))

    on_card = any(good(f.text, f.slot) for f in card.facts)
    if not on_card and role == MATERIAL_LABEL and any(_touch(f.text, f.slot) for f in card.facts):
        # nothing it is made of on the card: how it feels in the hand ("握感舒适"), not a look ("第一眼看到
        # 它的磨砂外壳…", "我真的很喜欢它的小巧机身。" in a material clip)
        return any(_touch(x, s) for x, s in said) and all(s != "look" for _, s in said)
    if not on_card:  # the card cannot serve the job: any fact of the product, not stock talk
        return bool(said) or not card.facts
    done = [(x, s) for x, s in said if good(x, s)]
    if not done:
        return False  # "说到这款炒锅，就不能不提精铁锅身。", "家里人都说好的，就是这款X。"
    if demo and any(s in FELT_SLOTS and not felt(x) for x, s in said):
        return False  # "我们来试一下。它有5000帕吸力…"
    labels = tuple(labels) or (role,)
    if all(lab in ROLE_SLOTS for lab in labels):  # every label of the clip has its kind of fact
        allowed: set[str] = set().union(*(ROLE_SLOTS[lab] for lab in labels))
        if role in (BENEFIT_LABEL, "产品试用"):
            allowed |= {"material", "part"}  # "它用的是不粘涂层，煎蛋不粘": what does it, with what it does
        if any(s not in allowed and not good(x, s) for x, s in said):
            return False  # "…它能提升配速。它的荧光绿配色…", "我很喜欢它的高领口设计。" in a material clip
    if role in (BENEFIT_LABEL, "产品试用") and free is not None and "benefit" in free:
        return any(s == "benefit" for _, s in done)  # the card's own benefits first
    return True


@functools.lru_cache(maxsize=65536)
def _does_the_job(role: str, x: str, s: str, key: str) -> bool:
    """Whether fact `x` (slot `s`, card field `key`) does a fact role's job (a benefit clip: not a bare
    figure; a demo: one it can show): of the role's kind, or from the card's field for the role ("质地:
    舒适" in a material clip), or a part that is a fabric in a material clip ("弹性面料" of 生产工艺)."""
    wanted = ROLE_SLOTS.get(role, frozenset())
    fabric = role == MATERIAL_LABEL and s == "part" and bool(MATERIALISH.search(x))
    if s not in wanted and not (key in ROLE_FIELDS.get(role, ()) and s in FIELD_SLOTS) and not fabric:
        return False
    if role in (BENEFIT_LABEL, "产品试用") and _figure(x):
        return False
    return role != "产品试用" or (felt(x) and not DEMO_UNFELT.search(x))


TOUCH = re.compile(r"手感|握感|触感|质感|肤感|软|滑|细腻|舒适|舒服|亲肤|顺滑|轻|薄|厚实|扎实|结实")
"""A property felt in the hand: what a material clip says of a product whose card names no material."""


def _touch(x: str, s: str) -> bool:
    return s in ("trait", "texture", "benefit") and felt(x) and bool(TOUCH.search(x))


def _mix(card: Card) -> tuple[frozenset[str], str]:
    """(the ingredients of a product that is a mix of them (每日坚果 of 巴旦木、腰果、榛子仁…): said two at a
    time or not at all; the main one of a food with three or more (牛肉味狗粮 of 鲜牛肉、鸡肉、深海鱼油): the
    only one said alone, "说到这款狗粮，就不能不提鸡肉" never)."""
    materials = card.of("material")
    if len(materials) < 3:
        return frozenset(), ""
    if MIX_TYPES.search(card.name + card.type_word):
        return frozenset(f.text for f in materials), ""
    if card.kind in ("food", "pet"):
        return frozenset(f.text for f in materials), materials[0].text
    return frozenset(), ""


def _said(seq: Sequence[_Filled]) -> set[str]:
    """The card facts a line says."""
    return {x for f in seq for x in f.facts}


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
        self._fits: dict[str, float | None] = {}
        """Junction scores of filled units by text (a clip's lines are written several times: borrowed
        labels, facts kept for later clips)."""

    # ---- filling units ----
    def _fill(
        self, unit: Unit, card: Card, memory: AdMemory, rng: random.Random, demo: bool = False
    ) -> list[_Filled]:
        """Up to FILLINGS fillings of `unit` with facts not said yet (none when a slot has no fact); in a
        demo (`demo`) an experience frame takes only what shows in the clip ("实际用下来，它耐用" never)."""
        options: list[list[Fact]] = []
        told = experience(unit)
        needs = tail_needs(unit)
        for k, slot in enumerate(unit.fact_slots()):
            base = slot.rstrip("2")
            pool = [f for f in card.of(base) if f.text not in memory.facts]
            if told and base in FELT_SLOTS:
                pool = [f for f in pool if felt(f.text)]  # "体验下来，我发现它续航18个月" never
                if demo:
                    pool = [f for f in pool if not DEMO_UNFELT.search(f.text)]
            need = needs[k]
            if need is not None:
                pool = [f for f in pool if need.search(f.text)]
            if not pool:
                return []
            options.append(pool)

        options = [sayable(unit.text, slot, pool, card) for slot, pool in zip(unit.fact_slots(), options)]
        if not all(options):
            return []  # a fact that cannot read in this frame ("很{trait}" + 音质饱满) is not put there
        own = (card.name, card.type_word)
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
                at = text.find("{" + slot + "}")
                if slot == "name":
                    value = card.name
                elif slot == "type":
                    value = card.type_word or "产品"
                else:  # the fact in the form its frame asks ("它还{trait}" + 音质饱满 -> 它的音质也很饱满)
                    fact = next(facts)
                    said = say(
                        fact.text, fact.slot, text[:at], text[at + len(slot) + 2 :], own, card.type_word
                    )
                    drop, value = said if said else (0, fact.text)
                    text = text[: at - drop] + text[at:]
                    at -= drop
                text = text[:at] + value + text[at + len(slot) + 2 :]
                spans = [
                    (a, b) if a < at else (a + len(value) - len(slot) - 2, b + len(value) - len(slot) - 2)
                    for a, b in spans
                ]
                spans.append((at, at + len(value)))
            if text not in seen:
                seen.add(text)
                if text in self._fits:
                    fit = self._fits[text]
                else:
                    if len(self._fits) > FIT_CACHE:
                        self._fits.clear()
                    fit = self._fits[text] = self.fluency.junction_score(text, spans)
                out.append(_Filled(text, unit, tuple(f.text for f in chosen), fit))
            if len(out) >= FILLINGS or not options:
                break
        return out

    def _pool(
        self, card: Card, label: str, needs: ClipNeeds, memory: AdMemory, rng: random.Random
    ) -> list[_Filled]:
        out: list[_Filled] = []
        demo = (needs.role or needs.labels[0]) == "产品试用"
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
            out += self._fill(unit, card, memory, rng, demo)
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
        seqs = self._sequences(pools, needs, rng, MAX_UNITS + extra_units + int(needs.hi > LONG))
        scored: dict[str, Line] = {}
        offers = {f.text for f in card.of("offer")}
        free = frozenset(f.slot for f in card.facts if f.text not in memory.facts)
        role = needs.role or needs.labels[0]
        mix, main = _mix(card)
        for seq in seqs:
            text = "".join(f.text for f in seq)
            if text in scored:
                continue
            facts = tuple(x for f in seq for x in f.facts)
            if len(set(facts)) < len(facts) or len(facts) > fact_cap(needs.hi):
                continue
            if any(_same_idea(a, b) for i, a in enumerate(facts) for b in facts[i + 1 :]):
                continue  # "它双向快充。最重要的是，它22.5瓦快充。"
            opener = seq[0].unit
            if (
                facts
                and role in FACT_ROLES
                and _plain(opener)
                and not _opens_the_job(opener, role, needs.must_name)
            ):
                continue  # a fact role's line opens with its fact, not "运动状态在线。"
            if _promises(seq[-1].unit):
                continue  # "…今天就统一回答一下。心动就赶紧入手吧！" never answers
            if mix and len(alone := [x for x in facts if x in mix]) == 1 and alone[0] != main:
                continue  # a mix said as one of its ingredients ("这款用的是巴旦木"): two of them or none
            if len(offers & set(facts)) > 1:
                continue  # one offer per line (cards list one deal twice: "拍一瓶送一瓶…", "买一瓶送一瓶…")
            late_name = bool(card.name) and card.name in text and card.name not in seq[0].text
            if late_name and (needs.role or needs.labels[0]) == RECOMMEND_LABEL:
                continue  # a recommendation names the product in its first sentence
            cta = any(f.unit.cta for f in seq)
            scored[text] = Line(
                text,
                facts,
                tuple(f.unit.text for f in seq),
                cta,
                self._score(text, seq, card, needs, memory),
                plays_role(
                    seq, role, card, cta=needs.cta, free=free, hi=needs.hi, labels=needs.own or needs.labels
                ),
                _padding(seq, needs),
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
        ranked = sorted(
            scored.values(), key=lambda x: (not x.role_ok, -does_its_job(x), x.padding, -x.score, x.text)
        )
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
        more = max(0, n_facts - 1) if needs.hi > LONG else min(1, max(0, n_facts - 1))
        score += FACT_BONUS * min(1, n_facts) + second * more  # a long line: a fact in every sentence
        if not n_facts and any(s in ("name", "type") for f in seq for s in f.unit.slots):
            score += OWN_BONUS
        if needs.must_name and card.name and card.name in text:
            score += NAME_BONUS
        if needs.cta and any(f.unit.cta for f in seq):
            score += OFFER_BONUS / 2
            if any(x in (f.text for f in card.of("offer")) for s in seq for x in s.facts):
                score += OFFER_BONUS
        score += LABEL_BONUS * len({f.unit.label for f in seq} & set(needs.labels))
        fields = ROLE_FIELDS.get(needs.role or needs.labels[0], ())
        if fields:
            said = _said(seq)
            if any(f.key in fields and f.text in said for f in card.facts):
                score += FIELD_BONUS
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
        role = needs.role or needs.labels[0]
        if role in FACT_ROLES:  # a fact role's line opens with a fact when it can

            def opens(f: _Filled) -> bool:
                return not follows(f.unit) and (
                    bool(f.facts) or _opens_the_job(f.unit, role, needs.must_name)
                )

            starters = (
                [f for f in starters if opens(f)] or [f for p in pools[1:] for f in p if opens(f)] or starters
            )
        out: list[list[_Filled]] = [[f] for f in starters if lo <= len(f.text) <= hi]
        if not starters:
            return out
        cap = fact_cap(hi)

        padded_cap = plain_cap(hi)
        is_padded = {id(f.unit): _padded(f.unit, needs) for f in every}
        is_call = {id(f.unit): _calls(f.unit) for f in every}
        flags = {id(f.unit): _order_flags(f.unit.text) for f in every}

        def fits(nxt: _Filled, seq: list[_Filled], said: list[str], calls: int, padded: int) -> bool:
            unit = nxt.unit
            causal, _, opener = flags[id(unit)]
            if opener or any(unit is s.unit for s in seq):
                return False
            last = seq[-1]
            if follows(unit) and not last.facts and not _adds_to_pain(unit, seq):
                return False  # "最重要的是，…" adds to a fact just said, not to "有它就够了。"
            if causal and not any(_related(a, b) for a in nxt.facts for b in last.facts):
                return False  # "它能帮你控油。所以它能帮你改善暗沉。"
            if flags[id(last.unit)][1] and "name" not in unit.slots:
                return False  # "…今天就统一回答一下。" is answered with the name
            if unit.label == PAIN_LABEL and any(s.unit.label != PAIN_LABEL for s in seq):
                return False  # the problem comes before the try-out or the answer
            if calls and is_call[id(unit)]:
                return False  # one call per line ("给主子安排上！这波福利真的很值，赶紧去抢！")
            if padded >= padded_cap and is_padded[id(unit)]:
                return False  # one sentence per line says no fact (a call to buy is a job, not padding)
            if len(said) + len(nxt.facts) > cap:
                return False
            # each fact once a line, and not the same idea in other words
            return not any(x == y or _same_idea(x, y) for x in nxt.facts for y in said)

        attempts = 0
        while len(out) < SAMPLES and attempts < SAMPLES * 4:
            attempts += 1
            seq = [rng.choice(starters)]
            length = len(seq[0].text)
            said = list(seq[0].facts)
            calls, padded = int(is_call[id(seq[0].unit)]), int(is_padded[id(seq[0].unit)])
            for k in range(1, max_units):
                if length >= lo and (k >= len(pools) or rng.random() < 0.5):
                    break
                pool, pl = (by_len[k], lens[k]) if k < len(pools) else (every, every_lens)
                low = max(1, lo - length) if k == max_units - 1 else 1
                a, b = bisect.bisect_left(pl, low), bisect.bisect_right(pl, hi - length)
                if a >= b:
                    break
                picked = None
                for _ in range(PICKS):
                    nxt = pool[rng.randrange(a, b)]
                    if fits(nxt, seq, said, calls, padded):
                        picked = nxt
                        break
                if picked is None:
                    break
                seq.append(picked)
                length += len(picked.text)
                said += picked.facts
                calls += is_call[id(picked.unit)]
                padded += is_padded[id(picked.unit)]
            if lo <= length <= hi:
                ordered = _call_last(seq)
                if ordered:
                    out.append(ordered)
        return out
