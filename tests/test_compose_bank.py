"""The sentence bank reads (issue #23): every unit, its slots filled with the documented examples of each
slot type (docs/sentence-bank.md), passes the last check; a unit whose frame cannot take its slot's type
("采用{benefit}") is refused by the collocation rules kept in code."""

from __future__ import annotations

import re

import pytest

from core.narration.compose.bank import Unit, bad_collocation, load_bank, parse_bank
from core.narration.compose.check import reads_wrong
from core.narration.compose.composer import follows
from core.narration.compose.facts import Card, Fact, say
from core.narration.compose.lexicon import KINDS

EXAMPLES: dict[str, tuple[str, ...]] = {
    "material": ("玻色因", "烟酰胺", "纯棉面料", "碳纤维车架", "食品级不锈钢", "巴旦木"),
    "part": ("4D扶手", "5000毫安大电池", "可视窗口", "独立小包装", "5升大容量", "22速变速"),
    "trait": ("破壁无渣", "轻薄透气", "久洗不变形", "快速吸收", "防水防汗", "静音", "整车重量8.5公斤"),
    "benefit": ("补水保湿", "淡化细纹", "补充能量", "缓解腰酸", "保护牙龈", "遮住瑕疵"),
    "look": ("哑光黑车架", "奶白色机身", "流线型车身", "磨砂瓶身", "小方管"),
    "texture": ("细腻", "轻薄", "清爽不油腻", "酥脆", "绵软", "丝滑"),
    "audience": ("敏感肌", "上班族", "学生党", "宝妈", "油皮", "新手"),
    "pain": ("油烟大", "爬坡吃力", "清洗麻烦", "肌肤松垮", "脱妆", "久坐腰酸"),
    "offer": ("买100克享190克", "到手价299元", "送码表和车灯", "第二件半价", "12期免息", "买二送一"),
    "event": ("双11", "618", "限时大促", "会员日", "年货节"),
    "service": ("车架终身质保", "七天无理由退换", "顺丰包邮", "一年只换不修"),
    "cert": ("SGS检测", "国家专利", "3C认证", "欧盟CE认证", "国家发明专利"),
}
NAMES = {  # products a kind's every unit is written for (a toy, dog food or a bike is checked by its use: wrong_use)
    "skincare": ("植物医生面霜", "面霜"),
    "makeup": ("完美日记粉底液", "粉底液"),
    "clothing": ("南极人T恤", "T恤"),
    "food": ("三只松鼠坚果", "坚果"),
    "appliance": ("美的空气炸锅", "空气炸锅"),
    "electronics": ("公牛插线板", "插线板"),
    "hometextile": ("水星家纺四件套", "四件套"),
    "kids": ("贝亲奶瓶", "奶瓶"),
    "pet": ("网易严选猫砂", "猫砂"),
    "sports": ("迪卡侬瑜伽垫", "瑜伽垫"),
    "personalcare": ("舒适达牙膏", "牙膏"),
    "generic": ("天堂雨伞", "雨伞"),
}
OFFSET = {slot: i for i, slot in enumerate(EXAMPLES)}
"""Different slots of one unit take different examples (轻薄 and 轻薄透气 are one texture, one trait)."""
_SLOT = re.compile(r"\{([a-z]+)(2?)\}")


def example_card(kind: str) -> Card:
    """A card that says every documented example (so their figures and offers are on it)."""
    name, type_word = NAMES[kind]
    facts = tuple(Fact(x, slot, "") for slot, xs in EXAMPLES.items() for x in xs)
    # who it is for is a claim only the card can make: this card makes them all (the bank test is about
    # reading, tests/test_narrator_faithfulness.py about claims)
    audiences = "宝宝|婴儿|婴幼儿|孕妇|孕期|新妈妈|宝妈|老人|敏感肌|油皮|干皮"
    return Card(name, type_word, kind, facts, name + "|" + "|".join(f.text for f in facts) + "|" + audiences)


def fill(unit: str, kind: str, k: int) -> str | None:
    """The unit filled as the composer fills it: each example in the form its frame asks (`say`: "它还{trait}"
    + 音质饱满 -> 它的音质也很饱满); None when an example cannot read there (the composer never says it)."""
    name, type_word = NAMES[kind]
    text = unit
    for m in list(_SLOT.finditer(unit)):
        slot, second = m.group(1), m.group(2)
        at = text.find(m.group(0))
        if slot == "name":
            value = name
        elif slot == "type":
            value = type_word
        else:
            xs = EXAMPLES[slot]
            fact = xs[(k + (1 if second else 0) + OFFSET[slot]) % len(xs)]
            said = say(fact, slot, text[:at], text[at + len(m.group(0)) :], (name, type_word), type_word)
            if said is None:
                return None
            drop, value = said
            text = text[: at - drop] + text[at:]
            at -= drop
        text = text[:at] + value + text[at + len(m.group(0)) :]
    return text


UNITS = load_bank()


def test_the_bank_has_every_kind_and_label() -> None:
    kinds = {u.kind for u in UNITS}
    assert kinds == set(KINDS), set(KINDS) - kinds
    assert len(UNITS) > 2000
    generic_labels = {u.label for u in UNITS if u.kind == "generic"}
    assert len(generic_labels) == 12


@pytest.mark.parametrize("kind", KINDS)
def test_every_unit_filled_with_every_example_reads(kind: str) -> None:
    card = example_card(kind)
    kinds = [kind] if kind != "generic" else ["generic", "sports", "skincare"]
    bad: list[str] = []
    for unit in (u for u in UNITS if u.kind == kind):
        n = max((len(EXAMPLES[s.rstrip("2")]) for s in unit.fact_slots()), default=1)
        for as_kind in kinds:
            for k in range(n):
                filled = fill(unit.text, as_kind, k)
                if filled is None:
                    continue
                line = ("我一眼就看中了它。" if unit.connective else "") + filled
                problem = reads_wrong(line, example_card(as_kind) if as_kind != kind else card)
                if problem and problem.startswith("an adverb before a measure"):
                    continue  # "它还整车重量8.5公斤": refused here, so the composer never says it
                if problem:
                    bad.append(f"{unit.text} -> {line}: {problem}")
                    break
    assert not bad, "\n".join(bad[:40]) + f"\n({len(bad)} units)"


def test_a_frame_that_cannot_take_its_slot_type_is_refused() -> None:
    for unit in ("它采用{benefit}，真的很好。", "这款{type}用的是{pain}。", "它特别适合{trait}的人。",
                 "现在有{offer}！", "它通过了{cert}。", "它的质地是{material}。", "它能{material}。"):  # fmt: skip
        assert bad_collocation(unit), unit
        assert parse_bank(f"[产品功效]\n{unit}\n", "generic") == []
    for unit in ("它采用{material}，真的很好。", "它能{benefit}。", "特别适合{audience}。", "今天{offer}！"):
        assert bad_collocation(unit) is None, unit
        assert len(parse_bank(f"[产品功效]\n{unit}\n", "generic")) == 1


def test_units_are_parsed_with_their_slots_and_roles() -> None:
    units = parse_bank("[引导购买]\n现在下单，{offer}！\n而且{offer2}。\n[痛点铺垫]\n没有句号\n", "food")
    assert [u.text for u in units] == ["现在下单，{offer}！", "而且{offer2}。"]
    assert units[0].cta and not units[1].cta
    assert units[1].connective and units[1].slots == ("offer2",)
    assert units[0].fixed_len == len("现在下单，！")


# ---- the copywriter's lint (issue #23, the blind rating's complaints about the bank's fixed words) ----

FILLER = (
    "只有用过的人才知道", "颜值党", "选对产品", "真的很重要", "不想再换", "不夸张地说", "用过最顺手", "状态在线",
    "动起来更轻松", "生活就该", "品质在线", "我只能说", "宝藏好物", "私藏好物", "不允许你不知道", "很难形容",
    "越用越喜欢", "有它就够了", "真的很实用", "放在日常生活里", "太实用了", "细节见真章", "就对了", "我愿称",
    "忍不住想分享", "最满意的一款", "再也离不开", "值得拥有", "真的可以。", "值得一说", "感受真的很不错",
    "周末想好好休息", "好物的样子", "这才是它的底气", "看得见的用心", "品牌的用心", "边边角角", "状态都不一样",
    "体验感拉满", "它太懂我了", "试过就知道", "省心又省事", "好看到犯规", "就连细节", "这个细节很打动人",
    "一看就很高级", "真的绝了", "真的不踩雷", "挑东西特别挑剔", "谁能不爱", "谁能不心动", "这就够了",
    "真正能帮你", "该有的样子", "只有自己体验过", "跟着我一步一步", "第一感觉就很不错", "细节真的很到位",
    "运动状态", "状态拉满", "宝藏", "安排上了", "太懂", "绝绝子", "yyds", "闭眼入", "一生推",
)  # fmt: skip
"""Stock praise a copywriter strikes (it says nothing of the product): never in a unit's fixed words."""

EMPHATIC = (
    "最看重", "最重要", "最喜欢", "最让我惊喜", "最大的特点", "最满意", "最大的感受", "最打动", "最厉害",
    "最让我放心", "最在意", "很在意的", "最实在", "最大的亮点", "核心是", "最想推荐", "最值", "最顺手",
)  # fmt: skip
"""Superlatives of one fact ("我最看重的是…"): two in a line contradict each other; plain connectives instead."""

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # every file: words of one kind only, or of a sub-kind the file does not always hold
    "generic": ("手感", "脚感", "上脸", "上身", "口感", "穿", "吃", "喝", "肌肤", "皮肤", "做工", "耐用", "运动",
                "在家练", "嘴馋", "解馋", "味道", "上妆", "质地", "香", "颜值党"),
    "skincare": ("口感", "手感", "脚感", "穿", "吃", "喝", "做工", "上身", "运动"),
    "makeup": ("口感", "手感", "脚感", "穿", "吃", "喝", "做工", "上身", "运动"),
    # clothes and shoes: 手感 is not a shoe's, 脚感 not a shirt's
    "clothing": ("口感", "手感", "脚感", "上脸", "吃", "喝", "肌肤", "运动", "上身"),
    # drinks and snacks: no 吃/喝/嚼/嘴馋 (black coffee, water), no things' words
    "food": ("手感", "做工", "耐用", "上脸", "上身", "穿", "吃", "喝", "嚼", "嘴馋", "解馋", "零食", "夜宵",
             "餐桌", "酥脆", "香脆", "下饭", "饱腹", "用起来", "好用"),
    # fans, vacuums, lamps, chairs and cookers
    "appliance": ("口感", "好吃", "上脸", "肌肤", "穿", "下厨", "做饭", "厨房", "吃", "喝", "插上电", "开机", "开关",
                  "家电", "一台"),
    # phones, earbuds, power banks, power strips, keyboards, watches
    "electronics": ("口感", "上脸", "肌肤", "皮肤", "穿", "吃", "喝", "上身", "开机", "办公桌", "桌面"),
    "hometextile": ("口感", "上脸", "吃", "喝", "上身", "运动"),
    # toys, bottles, nappies, wipes, children's clothes
    "kids": ("口感", "上脸", "吃", "喝", "一看就喜欢", "手感", "运动"),
    # food, litter and toys for pets
    "pet": ("口感", "上脸", "穿", "手感", "好吃", "吃", "喝", "运动"),
    # shampoo, toothbrush, shaver, wipes, detergent
    "personalcare": ("口感", "上脸", "穿", "吃", "喝", "运动", "手感", "头发", "牙齿", "口腔"),
    # bikes, shoes, balls, mats, tents, treadmills
    "sports": ("口感", "上脸", "手感", "脚感", "在家练", "上身", "穿", "骑", "跑步", "顺手", "趁手", "吃", "喝",
               "游泳"),
}  # fmt: skip
"""Words the fixed words of a kind's file never say (not true of every product of the kind)."""

JOB_SLOTS: dict[str, frozenset[str]] = {
    "产品功效": frozenset({"benefit", "trait", "pain"}),
    "外观设计": frozenset({"look"}),
    "质地/成分/材质": frozenset({"material", "texture"}),
    "痛点铺垫": frozenset({"pain"}),
    "产品试用": frozenset({"trait", "texture", "benefit"}),
    "鉴定展示": frozenset({"cert"}),
    "安全认证": frozenset({"cert", "material"}),
}
"""A unit of these labels that has a fact slot has one that does the label's job (a 产品功效 unit filled only
with a part, a 外观设计 unit with a trait)."""

MIN_FACT_SHARE: dict[str, float] = {
    "产品推荐": 0.75,  # {name}/{type} count: a recommendation says what it recommends
    "痛点铺垫": 0.5,  # a pain question without a slot does the job too
    "引导购买": 0.4,  # "赶紧下单吧！" is the job
    "外观设计": 0.7,
    "质地/成分/材质": 0.75,
    "产品试用": 0.4,  # kind-specific steps ("先取一点在掌心，轻轻搓开。") are content too
    "产品功效": 0.8,
    "质量/特性介绍": 0.8,
    "鉴定展示": 0.7,
    "安全认证": 0.6,
    "生产过程": 0.0,  # cards rarely say how a product is made: the move itself is the content
    "其他/通用卖点": 0.7,
}
"""Each label's minimum share of units that say something of the product (a fact slot, or for 产品推荐 the
product itself)."""

MIN_UNITS = {"生产过程": 5, "鉴定展示": 5, "安全认证": 5, "其他/通用卖点": 8}
MIN_UNITS_DEFAULT = 15


def fixed_words(unit: str) -> str:
    """The unit with its slots blanked: the words the bank itself says."""
    return _SLOT.sub("〇", unit)


DEAL_WORDS = re.compile(r"福利|优惠|划算|超值|好价|好时候")
TWICE = ("真的", "就对了", "特别", "挑", "我很喜欢", "这一点", "用起来", "体验")
SEEN_TRAIT = re.compile(
    r"看[，,]?它\{trait|(你|你们|大家)看[^。！？{]{0,12}\{trait\}|\{trait\}[^。！？]{0,8}看(到|得到)"
)
""""你看，它续航30小时": what is seen while trying a product is a texture or a result, never any trait."""


def lint(u: Unit) -> list[str]:
    """What a copywriter strikes in one unit (the blind rating's complaints about the bank's words)."""
    fixed = fixed_words(u.text)
    slots = {s.rstrip("2") for s in u.fact_slots()}
    out = [f"filler '{w}'" for w in FILLER if w in fixed]
    out += [f"superlative '{w}'" for w in EMPHATIC if w in fixed]
    if DEAL_WORDS.search(fixed) and not {"offer", "event"} & {s.rstrip("2") for s in u.slots}:
        out.append("a deal without {offer}")
    out += [f"'{w}' twice" for w in TWICE if fixed.count(w) > 1 and not (w == "挑" and "挑选" in fixed)]
    out += [f"'{w}' is not of every {u.kind} product" for w in FORBIDDEN[u.kind] if w in fixed]
    job = JOB_SLOTS.get(u.label)
    if job and slots and not slots & job:
        out.append(f"no slot that does the job of {u.label}")
    if u.label == "痛点铺垫" and not slots and "？" not in u.text and not follows(u):
        out.append("a pain unit with no pain and no question")
    if SEEN_TRAIT.search(u.text):
        out.append("a trait said as seen")
    return out


def struck(rule: str, kind: str | None = None) -> list[str]:
    return [
        f"{u.kind} {u.label}: {u.text} ({p})"
        for u in UNITS
        if kind in (None, u.kind)
        for p in lint(u)
        if p.startswith(rule)
    ]


def test_no_stock_filler_or_contradicting_superlatives() -> None:
    bad = struck("filler") + struck("superlative")
    assert not bad, "\n".join(bad[:60]) + f"\n({len(bad)} units)"


def test_only_a_deal_unit_talks_of_a_deal() -> None:
    bad = struck("a deal")
    assert not bad, "\n".join(bad)


def test_no_word_twice_in_a_unit() -> None:
    bad = [x for x in struck("'") if "twice" in x]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("kind", KINDS)
def test_fixed_words_are_true_of_every_product_of_the_kind(kind: str) -> None:
    bad = [x for x in struck("'", kind) if "is not of every" in x]
    assert not bad, "\n".join(bad)


def test_each_label_unit_needs_a_fact_that_does_its_job() -> None:
    bad = struck("no slot") + struck("a pain unit") + struck("a trait said")
    assert not bad, "\n".join(bad)


def test_every_kind_and_label_has_enough_units_that_say_facts() -> None:
    bad = []
    for kind in KINDS:
        for label, share in MIN_FACT_SHARE.items():
            units = [u for u in UNITS if u.kind == kind and u.label == label]
            need = MIN_UNITS.get(label, MIN_UNITS_DEFAULT)
            if len(units) < need:
                bad.append(f"{kind} {label}: {len(units)} units < {need}")
            own = label == "产品推荐"
            says = [u for u in units if u.fact_slots() or (own and u.slots)]
            if units and len(says) / len(units) < share:
                bad.append(f"{kind} {label}: {len(says)}/{len(units)} units say a fact < {share:.0%}")
    assert not bad, "\n".join(bad)


RATED = (
    # (kind, label, unit the rater struck, the rule that strikes it)
    ("generic", "质地/成分/材质", "这种省心的感觉，只有用过的人才知道。", "filler"),
    ("generic", "外观设计", "作为一个颜值党，东西好不好看对我来说很重要，它真的没让我失望。", "filler"),
    ("generic", "痛点铺垫", "所以选对产品真的很重要。", "filler"),
    ("sports", "产品功效", "不夸张地说，这是我用过最顺手的{type}。", "filler"),
    ("sports", "产品功效", "运动状态在线。", "filler"),
    ("generic", "产品功效", "最让我惊喜的是，它{trait}。", "superlative"),
    ("generic", "质地/成分/材质", "很多人只看外表，其实我最看重的是它用的{material}。", "superlative"),
    ("generic", "引导购买", "这波福利真的很值，赶紧去抢！", "a deal"),
    ("generic", "产品推荐", "如果你也和我一样，挑东西特别挑剔，那这款{name}可以试一试。", "'挑' twice"),
    ("food", "产品推荐", "{name}，真的好，真的能{benefit}。", "'真的' twice"),
    ("sports", "质地/成分/材质", "这个手感真的很好。", "'手感'"),
    ("sports", "产品功效", "不管在家练还是出门运动，它都很靠谱。", "'在家练'"),
    ("food", "产品推荐", "每次嘴馋的时候，我第一个想到的就是它。", "'嘴馋'"),
    ("electronics", "产品试用", "直接上脸试试。", "'上脸'"),
    ("generic", "产品功效", "细节上，它有{part}。", "no slot"),
    ("generic", "外观设计", "很多细节都是看得见的用心，比如这个{trait}。", "no slot"),
    ("generic", "产品试用", "你看，它{trait}。", "a trait said"),
    ("generic", "痛点铺垫", "周末想好好休息，结果大半天都耗在家务上。", "a pain unit"),
)


@pytest.mark.parametrize(("kind", "label", "unit", "rule"), RATED)
def test_the_lint_strikes_what_the_rater_struck(kind: str, label: str, unit: str, rule: str) -> None:
    """The lint can fail: each line the blind rater struck for the bank's words is caught by its rule."""
    parsed = parse_bank(f"[{label}]\n{unit}\n", kind)
    assert len(parsed) == 1, unit
    assert any(p.startswith(rule) for p in lint(parsed[0])), (unit, lint(parsed[0]))


def test_the_lint_passes_a_good_unit() -> None:
    for kind, label, unit in (("sports", "产品试用", "说是{trait}，我实际练了一下，确实如此。"),
                              ("food", "产品试用", "尝一口，{texture}。"),
                              ("generic", "痛点铺垫", "又踩雷了？")):  # fmt: skip
        assert lint(parse_bank(f"[{label}]\n{unit}\n", kind)[0]) == [], unit
