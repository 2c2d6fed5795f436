"""The composer's choices a copywriter rated 'rewrite' in the session-8b blind rating (issue #23,
tests/bench/ratings/session8b): which fact a storyline role's line says and which frame may hold it.

Each case is the rated product card with its storyline: a 产品功效 line says what the product does (not only
"说到这款炒锅，就不能不提精铁锅身。"), an 外观设计 line a look, a 质地/成分/材质 line a material, a 安全认证 clip with no
certificate on the card a trusted material or the service, a 生产过程 clip no feature list; an experience or
discovery frame ("体验下来，我发现它…", "没想到，它…") never holds a figure, a spec, a feature or an effect nobody
feels; a frame's claim follows from its fact; lead-ins open a line; a mix is never said as one ingredient."""

from __future__ import annotations

import re

import pytest

from core.narration.base import ClipRequest, NarrationRequest
from core.narration.compose.bank import load_bank
from core.narration.compose.composer import (
    CAUSAL,
    LEAD_IN,
    MAX_TIMES,
    AdMemory,
    ClipNeeds,
    experience,
    felt,
    tail_needs,
)
from core.narration.compose.facts import Card, said_in
from core.narration.embedded import EmbeddedNarrator
from core.project import Product
from tests.rated_products import rated_product

WOK = rated_product("苏泊尔不粘锅炒锅家用32厘米燃气灶电磁炉通用")
WOK_STORY = (
    ("痛点铺垫", 17, 23),
    ("产品功效", 63, 69),
    ("产品功效", 13, 19),
    ("产品功效", 15, 21),
    ("产品功效", 13, 19),
)
LEGO = rated_product("乐高城市系列消防局拼装积木玩具")
LEGO_STORY = (
    ("痛点铺垫", 56, 62),
    ("产品试用", 27, 33),
    ("痛点铺垫", 12, 18),
    ("产品试用", 36, 42),
    ("产品功效", 20, 26),
    ("引导购买", 29, 35),
)
BUNNY = rated_product("萌兔毛绒玩具兔子公仔抱枕玩偶")
BUNNY_STORY = (
    ("产品推荐", 34, 40),
    ("引导购买", 20, 26),
    ("产品功效", 29, 35),
    ("产品功效", 10, 16),
    ("产品推荐", 43, 49),
    ("产品推荐", 24, 30),
)
SODA = rated_product("元气森林无糖气泡水白桃味480毫升15瓶")
SODA_STORY = (
    ("产品推荐", 26, 32),
    ("产品推荐", 33, 39),
    ("产品功效", 40, 46),
    ("产品功效+产品试用", 47, 53),
    ("产品功效", 21, 27),
)
NUTS = rated_product("三只松鼠每日坚果混合果仁坚果礼盒750克30袋")
NUTS_STORY = (
    ("产品推荐", 32, 38),
    ("质地/成分/材质", 35, 41),
    ("产品功效", 18, 24),
    ("质地/成分/材质", 28, 34),
    ("质地/成分/材质", 8, 14),
    ("产品功效", 29, 35),
    ("产品功效", 24, 30),
)
CAR = rated_product("奥迪双钻遥控赛车玩具车充电")
CAR_STORY = (
    ("产品功效", 19, 25),
    ("质地/成分/材质+外观设计+质量/特性介绍", 47, 53),
    ("外观设计+质量/特性介绍", 50, 56),
    ("外观设计", 32, 38),
    ("产品功效", 19, 25),
)
DOWN = rated_product("波司登羽绒服女中长款连帽加厚冬季")
DOWN_STORY = (
    ("产品功效", 21, 27),
    ("引导购买", 28, 34),
    ("外观设计", 21, 27),
    ("产品功效", 13, 19),
    ("外观设计", 25, 31),
    ("产品功效", 29, 35),
    ("外观设计", 21, 27),
    ("产品功效", 22, 28),
    ("引导购买", 14, 20),
)
EARBUDS = rated_product("华为FreeBuds无线蓝牙耳机主动降噪入耳式")
EARBUDS_STORY = (
    ("产品推荐", 11, 17),
    ("引导购买", 33, 39),
    ("产品试用", 30, 36),
    ("外观设计+质量/特性介绍", 40, 46),
    ("产品试用", 31, 37),
    ("产品功效", 21, 27),
    ("产品功效", 29, 35),
)
MOUSE = rated_product("罗技无线鼠标静音办公鼠标便携")
MOUSE_STORY = (
    ("产品功效", 17, 23),
    ("质地/成分/材质", 12, 18),
    ("生产过程", 34, 40),
    ("产品功效", 10, 16),
    ("产品功效", 14, 20),
    ("外观设计", 15, 21),
    ("产品推荐", 30, 36),
)
SHIRT = rated_product("南极人纯棉男士短袖T恤圆领夏季")
SHIRT_STORY = (
    ("痛点铺垫", 20, 26),
    ("产品推荐", 19, 25),
    ("安全认证", 29, 35),
    ("质地/成分/材质", 28, 34),
    ("产品功效", 41, 47),
    ("引导购买", 15, 21),
)
SWEEPER = rated_product("科沃斯扫地机器人扫拖一体自动集尘家用")
SWEEPER_STORY = (
    ("引导购买", 29, 35),
    ("引导购买", 50, 56),
    ("产品推荐", 9, 15),
    ("产品试用", 18, 24),
    ("产品推荐", 28, 34),
    ("引导购买", 14, 20),
    ("安全认证", 8, 14),
    ("质地/成分/材质+产品功效", 32, 38),
    ("产品推荐", 14, 20),
)
WATCH = rated_product("小天才儿童电话手表4G全网通定位防水")
WATCH_STORY = (
    ("引导购买", 12, 18),
    ("产品推荐", 31, 37),
    ("引导购买", 26, 32),
    ("产品功效", 9, 15),
    ("引导购买", 20, 26),
)
POWERBANK = rated_product("小米充电宝20000毫安快充移动电源大容量便携")
POWERBANK_STORY = (
    ("产品功效", 23, 29),
    ("质量/特性介绍", 22, 28),
    ("质地/成分/材质", 21, 27),
    ("外观设计", 24, 30),
    ("引导购买", 31, 37),
)
ADS = {
    "wok": (WOK, WOK_STORY),
    "lego": (LEGO, LEGO_STORY),
    "bunny": (BUNNY, BUNNY_STORY),
    "soda": (SODA, SODA_STORY),
    "nuts": (NUTS, NUTS_STORY),
    "car": (CAR, CAR_STORY),
    "down": (DOWN, DOWN_STORY),
    "earbuds": (EARBUDS, EARBUDS_STORY),
    "mouse": (MOUSE, MOUSE_STORY),
    "shirt": (SHIRT, SHIRT_STORY),
    "sweeper": (SWEEPER, SWEEPER_STORY),
    "watch": (WATCH, WATCH_STORY),
    "powerbank": (POWERBANK, POWERBANK_STORY),
}
_FIGURE = re.compile(r"[0-9]")


@pytest.fixture(scope="module")
def narrator() -> EmbeddedNarrator:
    return EmbeddedNarrator()


def _ad(narrator: EmbeddedNarrator, name: str, seed: int = 0) -> list[tuple[tuple[str, ...], str]]:
    product, story = ADS[name]
    clips = tuple(
        ClipRequest(i, 5000, chars_min=lo, chars_max=hi, labels=tuple(labels.split("+")))
        for i, (labels, lo, hi) in enumerate(story)
    )
    lines = narrator.narrate(NarrationRequest(product, clips, seed=seed))
    return [(c.labels, x.text) for c, x in zip(clips, lines)]


def _said(card: Card, text: str, *slots: str) -> list[str]:
    return [f.text for f in card.facts if f.slot in slots and said_in(f, text)]


BENEFIT_ADS = ("wok", "lego", "bunny", "soda", "nuts", "car", "down", "earbuds", "mouse", "shirt", "watch")


@pytest.mark.parametrize("name", BENEFIT_ADS)
@pytest.mark.parametrize("seed", [0, 2])
def test_a_benefit_clip_says_what_the_product_does(narrator: EmbeddedNarrator, name: str, seed: int) -> None:
    """ "说到这款炒锅，就不能不提精铁锅身。", "我真的很喜欢它的粉色蝴蝶结。", "它用的是白桃果汁，再搭配赤藓糖醇",
    "家里人都说好的，就是这款奥迪双钻遥控赛车。", "体验下来，我发现它续航18个月。": every 产品功效 clip says a
    benefit or property that is not a bare figure (said again in other words when the card's are said, up
    to MAX_TIMES in an ad), and never a look."""
    product, _ = ADS[name]
    card = narrator.card(product)
    times: dict[str, int] = {}
    for labels, text in _ad(narrator, name, seed):
        kinds = [x for x in _said(card, text, "benefit", "trait", "texture") if not _FIGURE.search(x)]
        if labels[0] == "产品功效":
            sayable = [
                f.text
                for f in card.facts
                if f.slot in ("benefit", "trait", "texture") and not _FIGURE.search(f.text)
            ]
            if not all(times.get(x, 0) >= MAX_TIMES for x in sayable):  # the card's are not all spent
                assert kinds, (labels, text)
        for x in kinds:
            times[x] = times.get(x, 0) + 1
        if labels[0] != "产品功效":
            continue
        if len(labels) == 1:
            assert not _said(card, text, "look"), text


@pytest.mark.parametrize("name", ["down", "powerbank", "car", "earbuds"])
def test_a_looks_clip_says_a_look_and_no_spec(narrator: EmbeddedNarrator, name: str) -> None:
    """ "它充绒量200克，这点很加分。另外，它还有防风面料。", "尝了之后发现它不加糖", "用了之后发现它可充电" in
    外观设计 clips: a look when the card has one, never a spec or a material alone."""
    product, _ = ADS[name]
    card = narrator.card(product)
    for labels, text in _ad(narrator, name):
        if labels != ("外观设计",):
            continue
        if card.of("look"):
            assert _said(card, text, "look"), text
            assert not _said(card, text, "material", "trait", "benefit"), text
        else:  # no look on the card: no experience of a feature ("用了之后发现它可充电")
            assert "发现它可充电" not in text, text


@pytest.mark.parametrize("name", ["shirt", "nuts", "powerbank"])
def test_a_material_clip_says_no_look(narrator: EmbeddedNarrator, name: str) -> None:
    """ "我很喜欢它的高领口设计。印花设计，一眼就爱上了。", "第一眼看到它的磨砂外壳…" in 质地/成分/材质 clips."""
    product, _ = ADS[name]
    card = narrator.card(product)
    for labels, text in _ad(narrator, name):
        if labels == ("质地/成分/材质",) and card.of("material"):
            assert _said(card, text, "material", "texture"), text
            assert not _said(card, text, "look"), text


def test_a_safety_clip_without_a_certificate_says_what_vouches_for_it(narrator: EmbeddedNarrator) -> None:
    """ "它自动集尘，这点很加分。", "它不起球…透气吸汗，这一点让我很放心。" for 安全认证 with no certificate on the
    card: the material a buyer trusts, else the card's service guarantee."""
    lines = dict((labels, text) for labels, text in _ad(narrator, "shirt") if labels == ("安全认证",))
    assert "新疆长绒棉" in lines[("安全认证",)], lines
    sweeper = [text for labels, text in _ad(narrator, "sweeper") if labels == ("安全认证",)]
    assert sweeper and all("两年质保" in t and "自动集尘" not in t for t in sweeper), sweeper


def test_a_making_clip_lists_no_features(narrator: EmbeddedNarrator) -> None:
    """ "它有静音按键，用起来很方便。更重要的是，它续航18个月，这一点让我很放心。" in a 生产过程 clip."""
    card = narrator.card(MOUSE)
    for labels, text in _ad(narrator, "mouse"):
        if labels == ("生产过程",):
            assert not _said(card, text, "trait", "part", "benefit"), text


def test_a_demo_shows_what_a_demo_can_show(narrator: EmbeddedNarrator) -> None:
    """ "有了孩子才知道…今天就把乐高积木分享给大家" (no trying), "我们来试一下。它有5000帕吸力，用起来很方便。",
    "看这里。体验下来，我发现它耐用。": a 产品试用 line says a fact a user sees or feels in the clip."""
    for name in ("lego", "sweeper", "earbuds"):
        card = narrator.card(ADS[name][0])
        for labels, text in _ad(narrator, name):
            if labels == ("产品试用",):
                said = _said(card, text, "benefit", "trait", "texture", "part")
                assert said and all(felt(x) for x in said), (name, text)
                assert not re.search(r"耐用|[0-9]", text), text


@pytest.mark.parametrize(
    ("fact", "can_feel"),
    [
        ("续航18个月", False),
        ("50米防水", False),
        ("免费分享5人", False),
        ("压力克数60g", False),
        ("抗腐蚀", False),
        ("抗氧化", False),
        ("防晒", False),
        ("自动集尘", False),
        ("可充电", False),
        ("二十分钟出浆", False),
        ("握感舒适", True),
        ("煎蛋不粘", True),
        ("气泡足", True),
        ("香脆可口", True),
        ("手感软糯", True),
        ("保暖不臃肿", True),
    ],
)
def test_felt_tells_what_use_can_discover(fact: str, can_feel: bool) -> None:
    assert felt(fact) is can_feel


CARDS = ("mouse", "watch", "earbuds", "sweeper", "powerbank", "car", "wok", "soda", "down", "nuts")
LABELS = ("产品功效", "产品试用", "产品推荐", "外观设计", "质地/成分/材质", "引导购买")


def _candidates(narrator: EmbeddedNarrator) -> list[tuple[Card, tuple[str, ...], str]]:
    """Every candidate line (units and text) the composer writes for the cards, labels and budgets."""
    out = []
    for name in CARDS:
        card = narrator.card(ADS[name][0])
        for label in LABELS:
            for lo, hi in ((9, 15), (14, 20), (21, 27), (34, 40), (47, 53)):
                needs = ClipNeeds((label,), lo, hi, cta=label == "引导购买", role=label)
                out += [(card, x.units, x.text) for x in narrator.composer.lines(card, needs, AdMemory())]
    return out


def test_an_experience_frame_never_holds_what_use_cannot_show(narrator: EmbeddedNarrator) -> None:
    """ "体验下来，我发现它续航18个月", "没想到，它50米防水", "它确实能抗氧化，这一点我自己能感觉到": a frame of
    experience, discovery or surprise takes only a fact a user feels."""
    by_text = {u.text: u for u in load_bank()}
    checked = 0
    for card, units, text in _candidates(narrator):
        for u in units:
            if experience(by_text[u]):
                filled = _fill_of(u, text)
                checked += 1
                for f in card.facts:
                    if f.slot in ("trait", "benefit", "texture", "part") and f.text in filled:
                        assert felt(f.text), (u, text)
    assert checked > 50
    texts = {t for _, _, t in _candidates(narrator)}
    for bad in ("我发现它续航18个月", "没想到，它50米防水", "发现它自动集尘", "发现它可充电"):
        assert not any(bad in t for t in texts), bad


def _fill_of(frame: str, text: str) -> str:
    """The part of `text` a one-slot frame filled ("" when the frame is not in the text)."""
    pattern = re.escape(frame)
    pattern = re.sub(r"\\\{[a-z]+2?\\\}", "(.+?)", pattern)
    m = re.search(pattern, text)
    return "".join(m.groups()) if m else ""


def test_a_frames_claim_follows_from_its_fact(narrator: EmbeddedNarrator) -> None:
    """ "它有5000帕吸力，用起来很方便", "它是磨砂外壳，放在包里不占地方", "它可充电，孩子用得开心，我也不用一直在旁边
    盯着": the claim after a fact needs a fact it follows from; "…控油。所以它能帮你改善暗沉。" never."""
    by_text = {u.text: u for u in load_bank()}
    assert tail_needs(by_text["它{trait}，孩子用得开心，我也不用一直在旁边盯着。"])[0] is not None
    texts = [t for _, _, t in _candidates(narrator)]
    for bad in ("5000帕吸力，用起来很方便", "磨砂外壳，放在包里不占地方", "可充电，孩子用得开心"):
        assert not any(bad in t for t in texts), bad
    for card, units, text in _candidates(narrator):
        for k, u in enumerate(units[1:], 1):
            if u.startswith(CAUSAL) and by_text[u].fact_slots():
                before = [f.text for f in card.facts if f.text in _fill_of(units[k - 1], text)]
                mine = [f.text for f in card.facts if f.text in _fill_of(u, text)]
                assert any(a[i : i + 2] in b for a in mine for b in before for i in range(len(a) - 1)), text


def test_lead_ins_open_the_line_and_promises_are_kept(narrator: EmbeddedNarrator) -> None:
    """ "今天推荐元气森林气泡水，它气泡足。被问了好多次的气泡水，今天终于来分享了。", "一开始没抱期待" after the
    praise, "…今天就统一回答一下。心动就赶紧入手吧！": a lead-in opens its line; a promised answer names it."""
    by_text = {u.text: u for u in load_bank()}
    seen = 0
    for _, units, _text in _candidates(narrator):
        for k, u in enumerate(units):
            if LEAD_IN.search(u):
                seen += 1
                assert k == 0, units
            if "回答一下" in u and "{name}" not in u:
                assert k + 1 < len(units) and "name" in by_text[units[k + 1]].slots, units
    assert seen


def test_a_pain_comes_before_the_try_out(narrator: EmbeddedNarrator) -> None:
    """ "…铲屎官是不是都有这样的担心？我们直接来实际体验一下。换了好几款狗粮，主子都不买账？"."""
    by_text = {u.text: u for u in load_bank()}
    card = narrator.card(SHIRT)
    for lo, hi in ((33, 39), (57, 63)):
        needs = ClipNeeds(("痛点铺垫", "产品试用"), lo, hi, role="痛点铺垫")
        for x in narrator.composer.lines(card, needs, AdMemory()):
            labels = [by_text[u].label for u in x.units]
            assert labels == sorted(labels, key=lambda lab: lab != "痛点铺垫"), x.text


def test_a_mix_is_never_said_as_one_ingredient(narrator: EmbeddedNarrator) -> None:
    """ "它用的是巴旦木。", "这款用的是蔓越莓干" for 每日坚果: two of its ingredients or none."""
    card = narrator.card(NUTS)
    nuts = [f.text for f in card.of("material")]
    assert len(nuts) >= 3
    lines = [x.text for x in narrator.composer.lines(card, ClipNeeds(("质地/成分/材质",), 8, 41), AdMemory())]
    lines += [text for _, text in _ad(narrator, "nuts")]
    assert lines
    for text in lines:
        assert sum(n in text for n in nuts) != 1, text


HEATER = Product(
    "欧普照明风暖浴霸灯取暖浴室排气扇一体集成吊顶卫生间暖风机S",
    {
        "痛点": "除湿除雾",
        "适用人群/肤质": "常用",
        "外观": "吊顶空间≥12厘米",
        "质地": "耐用",
        "成分/材质": "复合材料",
        "生产工艺": "水火双防",
        "专利": "PTC散热",
        "功效": "吹风、照明、取暖、换气、速热、恒温沐浴、双直流电机",
        "活动优惠": "618、7.3折优惠、5折、6折",
        "通用卖点": "舒适沐浴、一分钟快速升温、环保节能、带来神清气爽、节能省电、智能恒温",
    },
)


def test_a_demo_never_finds_durability(narrator: EmbeddedNarrator) -> None:
    """ "看这里。体验下来，我发现它耐用。" (产品试用, 13-19): what shows over months is not found in a demo."""
    by_text = {u.text: u for u in load_bank()}
    card = narrator.card(HEATER)
    assert any(f.text == "耐用" for f in card.facts)
    for lo, hi in ((13, 19), (21, 27), (30, 36)):
        needs = ClipNeeds(("产品试用",), lo, hi, role="产品试用")
        lines = narrator.composer.lines(card, needs, AdMemory())
        assert lines
        for x in lines:
            for u in x.units:
                if experience(by_text[u]):
                    assert "耐用" not in _fill_of(u, x.text), x.text


def test_a_secret_of_make_up_is_an_effect_that_shows() -> None:
    """ "很多姐妹问我化妆的秘诀，其实就是找到一款能帮你抗氧化的粉底液。": the claim leads to its fact."""
    units = {u.text: u for u in load_bank()}
    need = tail_needs(units["很多姐妹问我化妆的秘诀，其实就是找到一款能帮你{benefit}的{type}。"])[0]
    assert need is not None and need.search("遮瑕") and not need.search("抗氧化")


def test_a_meat_food_said_alone_is_its_main_ingredient(narrator: EmbeddedNarrator) -> None:
    """ "说到这款狗粮，就不能不提鸡肉。" for 麦富迪牛肉味狗粮 (鲜牛肉、鸡肉、深海鱼油): one said alone is the first."""
    card = narrator.card(
        Product(
            "麦富迪狗粮成犬牛肉味10公斤通用型全价",
            {
                "成分/材质": "鲜牛肉、鸡肉、深海鱼油",
                "功效": "亮毛护肤、狗狗爱吃",
                "活动优惠": "买10公斤送2公斤",
            },
        )
    )
    meats = [f.text for f in card.of("material")]
    assert meats[0] == "鲜牛肉" and len(meats) == 3
    for lo, hi in ((13, 19), (24, 30), (33, 39)):
        for x in narrator.composer.lines(card, ClipNeeds(("质地/成分/材质",), lo, hi), AdMemory()):
            said = [m for m in meats if m in x.text]
            assert said != ["鸡肉"] and said != ["深海鱼油"], x.text


def test_a_material_clip_without_a_material_says_how_it_feels(narrator: EmbeddedNarrator) -> None:
    """ "我真的很喜欢它的小巧机身。" (质地/成分/材质, 12-18) for a mouse whose card names no material: how it
    feels in the hand (握感舒适), not a look."""
    card = narrator.card(MOUSE)
    assert not card.of("material") and not card.of("texture")
    texts = [text for labels, text in _ad(narrator, "mouse") if labels == ("质地/成分/材质",)]
    assert texts and all(
        _said(card, t, "trait") == ["握感舒适"] and not _said(card, t, "look") for t in texts
    ), texts
