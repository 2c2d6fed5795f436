"""How a card fact reads inside a sentence (issue #23, the session-8 blind rating's struck lines): each fact is
said in the form its grammar takes (`say`), the last check rejects the struck forms, stock words are said once
a line, words of using another kind of product and generic pain lines are refused. Every case is a line the
rater rewrote or edited."""

from __future__ import annotations

import pytest

from core.narration.compose.bank import load_bank
from core.narration.compose.check import reads_wrong
from core.narration.compose.facts import Card, Fact, predicate_form, read_card, say, type_fact


def card(title: str, attributes: dict[str, str], name: str, type_word: str) -> Card:
    return read_card(title, attributes, name, type_word)


def facts_card(name: str, type_word: str, kind: str, facts: dict[str, str]) -> Card:
    """A card whose facts are typed as given (the form rules, not the typer, are under test)."""
    fs = tuple(Fact(text, slot, "") for text, slot in facts.items())
    return Card(name, type_word, kind, fs, name + "|" + "|".join(facts))


def spoken(
    text: str, slot: str, before: str, after: str = "。", type_word: str = "", name: str = ""
) -> str | None:
    """The frame `before{slot}after` filled as the composer fills it."""
    said = say(text, slot, before, after, (name, type_word), type_word)
    if said is None:
        return None
    drop, phrase = said
    return before[: len(before) - drop] + phrase + after


@pytest.mark.parametrize(
    ("fact", "slot", "before", "said"),
    [
        ("轻量", "trait", "它", "它很轻。"),  # rater: 它轻量 -> 它很轻
        ("光滑", "trait", "更重要的是，它", "更重要的是，它很光滑。"),
        ("音质饱满", "trait", "不仅如此，它还", "不仅如此，它的音质也很饱满。"),  # not 它还音质饱满
        ("音质饱满", "trait", "，还", "，音质也很饱满。"),
        ("豆浆细腻", "trait", "体验下来，我发现它", "体验下来，我发现它的豆浆很细腻。"),
        ("颗粒小", "trait", "另外，它还", "另外，它的颗粒也很小。"),
        ("小颗粒", "part", "另外，它还有", "另外，它的颗粒也很小。"),  # not 它还有小颗粒
        ("一键清洗", "trait", "这款豆浆机", "这款豆浆机能一键清洗。"),
        ("轻松爬坡", "trait", "它", "它能轻松爬坡。"),
        ("骑行省力", "trait", "除此之外，它还", "除此之外，它骑行也很省力。"),
        ("半小时充满一半", "trait", "它", "它半小时就能充满一半。"),
        ("10毫米加厚", "trait", "它", "它有10毫米厚。"),
        ("可冲厕所", "trait", "它", "它能冲厕所。"),
        ("低延迟", "trait", "实际用下来，它", "实际用下来，它延迟很低。"),
        ("服帖", "trait", "这款粉底液", "这款粉底液很服帖。"),
        ("柔软", "texture", "你们看这个面料，", "你们看这个面料，很柔软。"),
        ("买1送1送粉扑", "offer", "透蜜素颜霜正在做活动，", "透蜜素颜霜正在做活动，买1送1，还送粉扑。"),
        ("不掉毛", "trait", "它还", "它还不掉毛。"),  # a negated verb reads after 它 as it is
        ("细腻", "trait", "它真的很", "它真的很细腻。"),  # an adverb in the frame: no second 很
    ],
)
def test_a_fact_is_said_in_the_form_its_grammar_takes(fact: str, slot: str, before: str, said: str) -> None:
    assert spoken(fact, slot, before, name="九阳豆浆机", type_word="豆浆机") in (
        said,
        said.replace("这款豆浆机", ""),
    )


def test_the_users_feeling_is_said_of_the_user() -> None:
    assert spoken("不紧绷", "trait", "实际体验下来，它", type_word="洁面膏") == "实际体验下来，洗完不紧绷。"
    assert spoken("不紧绷", "trait", "另外，它还", type_word="面霜") == "另外，用完也不紧绷。"


@pytest.mark.parametrize(
    ("fact", "slot", "before", "after"),
    [
        ("强劲而不噪", "trait", "它", "。"),  # card wording too literary
        ("水靓弹嫩", "trait", "它", "，每天用着都安心。"),
        ("奢润无瑕", "trait", "它", "，我很喜欢。"),
        ("音质饱满", "trait", "它真的很", "。"),  # a clause cannot follow 很
        ("一键清洗", "trait", "它特别", "。"),
        ("半小时充满一半", "trait", "除此之外，它还", "。"),  # rater: 它还半小时充满一半
        ("送码表和车灯", "offer", "喜欢的朋友别再犹豫了，", "，赶紧下单吧。"),  # -> 现在下单还送码表和车灯
        ("小学生", "audience", "如果你是", "，一定要看看它。"),  # the parent buys a child's watch
    ],
)
def test_a_fact_that_cannot_read_in_a_frame_is_not_put_there(
    fact: str, slot: str, before: str, after: str
) -> None:
    assert say(fact, slot, before, after) is None


def test_card_wording_no_one_says_is_not_a_fact() -> None:
    assert type_fact("水靓弹嫩", "质量/特性") is None
    assert predicate_form("层层阻黑由内匀净焕亮")[0] == "literary"  # dev: "它层层阻黑由内匀净焕亮，我很喜欢"
    assert type_fact("强劲而不噪", "质量/特性") is None
    assert type_fact("增加水嫩有光泽", "功效") is None  # rater: 它能增加水嫩有光泽
    assert type_fact("看不出来的好素颜", "痛点") is None  # a selling point used as a pain
    assert type_fact("补水保湿", "功效") == ("补水保湿", "benefit")
    assert predicate_form("握感舒适")[0] == "sp" and predicate_form("双面防滑")[0] == "other"


EARPHONES = facts_card(
    "华为蓝牙耳机", "蓝牙耳机", "electronics", {"音质饱满": "trait", "低延迟": "trait", "通话清晰": "trait"}
)
SHOES = facts_card("李宁跑鞋", "跑鞋", "sports", {"轻量": "trait", "回弹强": "trait", "抓地力好": "trait"})
SOY = facts_card("九阳豆浆机", "豆浆机", "appliance", {"一键清洗": "trait", "豆浆细腻": "trait"})
BIKE = facts_card(
    "迅驰自行车", "自行车", "sports", {"轻松爬坡": "trait", "骑行省力": "trait", "整车重量8.5公斤": "trait"}
)
POWER = facts_card(
    "小米充电宝", "充电宝", "electronics", {"半小时充满一半": "trait", "能给手机充四次": "trait"}
)
MAT = facts_card("迪卡侬瑜伽垫", "瑜伽垫", "sports", {"10毫米加厚": "trait", "双面防滑": "trait"})
CATFOOD = facts_card("皇家猫粮", "猫粮", "pet", {"小颗粒": "part", "易咀嚼": "trait"})
CLEANSER = facts_card("三生花洁面膏", "洁面膏", "skincare", {"不紧绷": "trait", "控油": "benefit"})
LITTER = facts_card("网易严选豆腐猫砂", "猫砂", "pet", {"可冲厕所": "trait", "低尘": "trait"})
FOUNDATION = facts_card(
    "雅诗兰黛粉底液", "粉底液", "makeup", {"服帖": "trait", "奢润无瑕": "trait", "买1送1送粉扑": "offer"}
)
EYECREAM = facts_card("伊诗兰顿眼霜", "眼霜", "skincare", {"水靓弹嫩": "trait", "光滑": "trait"})
TREADMILL = facts_card("亿健跑步机", "跑步机", "sports", {"强劲而不噪": "trait", "智能语音互动": "part"})
BRA = facts_card("波波小姐文胸贴", "文胸贴", "clothing", {"柔软": "texture", "防滑": "trait"})
TSHIRT = facts_card("南极人T恤", "T恤", "clothing", {"穿着凉爽": "trait", "不起球": "trait"})
NUTS = facts_card("三只松鼠每日坚果", "每日坚果", "food", {"补充能量": "benefit", "腰果": "material"})
PORK = facts_card("良品铺子猪肉脯", "猪肉脯", "food", {"越嚼越香": "trait"})
COFFEE = facts_card("瑞幸挂耳咖啡", "挂耳咖啡", "food", {"香气浓郁": "trait"})
LEGO = facts_card("乐高积木", "积木", "kids", {"锻炼动手能力": "benefit"})
CAR = facts_card("奥迪双钻遥控赛车", "遥控赛车", "kids", {"可充电": "trait"})
DOGFOOD = facts_card("麦富迪狗粮", "狗粮", "pet", {"鲜牛肉": "material"})
KEYBOARD = facts_card("达尔优机械键盘", "机械键盘", "electronics", {"多媒体按键": "part"})
BALL = facts_card("安踏篮球", "篮球", "sports", {"耐磨": "trait", "手感好": "trait"})
WATCH = facts_card("小天才电话手表", "电话手表", "electronics", {"小学生": "audience", "50米防水": "trait"})
CAMERA = facts_card("TP-LINK摄像头", "摄像头", "electronics", {"双向云台设计": "part"})
TOY = facts_card("萌兔毛绒玩具", "毛绒玩具", "kids", {"下单送礼品袋": "offer", "不掉毛": "trait"})
BIKE_OFFER = facts_card("迅驰自行车", "自行车", "sports", {"送码表和车灯": "offer"})

STRUCK = [
    # a card phrase forced into 它 + phrase
    ("它轻量，运动起来很省心。", SHOES, "bare adjective"),
    ("我一眼就看中了它。更重要的是，它光滑，这一点让我很放心。", EYECREAM, "bare adjective"),
    ("这款粉底液服帖，必须拥有！", FOUNDATION, "bare adjective"),
    ("你们看这个面料，柔软。", BRA, "bare adjective"),
    ("体验下来，我发现它通话清晰。不仅如此，它还音质饱满。", EARPHONES, "own subject"),
    ("我一眼就看中了它。除此之外，它还骑行省力。", BIKE, "own subject"),
    ("它强劲而不噪。", TREADMILL, "card wording"),
    ("它水靓弹嫩，每天用着都安心。", EYECREAM, "card wording"),
    ("它奢润无瑕，我很喜欢。", FOUNDATION, "card wording"),
    ("我一眼就看中了它。更重要的是，它一键清洗。", SOY, "verb phrase"),
    ("它轻松爬坡，我很喜欢。", BIKE, "verb phrase"),
    ("它可冲厕所，这就是我喜欢它的原因。", LITTER, "verb phrase"),
    ("它能给手机充四次，我很喜欢。除此之外，它还半小时充满一半。", POWER, "adverb before a measure"),
    ("它10毫米加厚，这就是我喜欢它的原因。", MAT, "measure said as a verb"),
    ("我一眼就看中了它。另外，它还有小颗粒。", CATFOOD, "a size said as a thing"),
    ("没想到，它不紧绷。", CLEANSER, "feeling"),
    ("我们来试一下。它低延迟。", EARPHONES, "adjective before its noun"),
    # a stock word twice
    ("今天推荐雅诗兰黛粉底液。这款粉底液很服帖，必须推荐给你们。", FOUNDATION, "'推荐' said twice"),
    ("给大家安利九阳豆浆机。这款豆浆机能一键清洗，今天推荐给大家。", SOY, "'推荐' said twice"),
    ("喜欢的朋友别再犹豫了，下单送礼品袋，赶紧下单吧。", TOY, "'下单' said twice"),
    ("三只松鼠每日坚果，能补充能量的一款每日坚果。", NUTS, "type said again"),
    ("我们来试一下。实际用下来，它通话很清晰。实际体验下来，它的音质很饱满。", EARPHONES, "said twice"),
    ("它有智能语音互动，细节很用心。细节处理得很到位。", TREADMILL, "'细节' said twice"),
    ("它穿着凉爽，一整天穿着都很自在。", TSHIRT, "'穿着' said twice"),
    # words of using another kind of product
    ("体验下来，我发现它越嚼越香。", PORK, "how one uses"),
    ("体验下来，我发现它的香气很浓郁。", COFFEE, "how one uses"),
    ("体验下来，我发现它的抓地力很好。", SHOES, "how one uses"),
    ("你们看，用起来就是这么简单。", LEGO, "how one uses"),
    ("我直接上手，给大家看看真实的效果。试下来，它确实能提升配速。", SHOES, "how one uses"),
    ("它能充电，孩子用得开心，我也不用一直在旁边盯着。", CAR, "how one uses"),
    ("这款跑步机我用了一段时间，每次运动都想带上它，状态也越来越好。", TREADMILL, "stays at home"),
    ("它还有多媒体按键，放在包里带着走也很方便。", KEYBOARD, "stays at home"),
    ("它很耐磨，运动的时候不用担心什么，可以把注意力都放在自己身上。", BALL, "how one uses"),
    ("说到这款狗粮，就不能不提鲜牛肉。细节处理得很到位。", DOGFOOD, "how one uses"),
    ("它整车重量8.5公斤，这一点动起来就知道。", BIKE, "how one uses"),
    # the audience
    ("挑了这么久，最后选定的是小天才电话手表。如果你是小学生，一定要看看它。", WATCH, "not the buyer"),
    ("说白了，它就是一款能帮你随时联系孩子的电话手表。小学生可以放心入手。", WATCH, "not the buyer"),
    ("说实话，一开始我也没抱太大期待，体验之后发现它能充电，这才一直留着它。", CAR, "how one uses"),
    ("最近很多朋友问我平时穿什么，我的答案只有一个，就是波波小姐文胸贴。", BRA, "underwear"),
]


@pytest.mark.parametrize(("line", "product", "why"), STRUCK)
def test_the_struck_lines_are_rejected(line: str, product: Card, why: str) -> None:
    problem = reads_wrong(line, product)
    assert problem is not None and why in problem, (line, problem)


VOICED = [
    ("它很轻，运动起来很省心。", SHOES),
    ("体验下来，我发现它通话很清晰。不仅如此，它的音质也很饱满。", EARPHONES),
    ("它能一键清洗，这就是我喜欢它的原因。", SOY),
    ("它能轻松爬坡，我很喜欢。除此之外，它骑行也很省力。", BIKE),
    ("它有10毫米厚，这就是我喜欢它的原因。", MAT),
    ("我一眼就看中了它。另外，它的颗粒也很小。", CATFOOD),
    ("没想到，洗完不紧绷。", CLEANSER),
    ("今天推荐雅诗兰黛粉底液，它很服帖。", FOUNDATION),
    ("透蜜素颜霜正在做活动，买1送1，还送粉扑。", FOUNDATION),
    ("尝了之后发现它越嚼越香，这才一直回购。", PORK),
    ("它有双向云台设计，用起来很方便。", CAMERA),
    ("今天推荐小天才电话手表，它50米防水。", WATCH),
    ("给小学生的好选择，小天才电话手表。", WATCH),
]


@pytest.mark.parametrize(("line", "product"), VOICED)
def test_the_rewritten_lines_pass(line: str, product: Card) -> None:
    assert reads_wrong(line, product) is None, line


GENERIC_PAIN = (
    "护肤步骤一样不落，皮肤却还是不领情",
    "东西买了不少，真正用得顺心的却没几样",
    "家里的毛孩子挑得很",
    "家里的东西用着不顺手",
    "而是一直没选对东西",
    "可以把注意力都放在自己身上",
    "真正好用的却没几样",  # the struck "…真正用得顺心的却没几样" in other words
    "真正用得上的却没几样",
    "买回家的东西没用几次就闲置了",
    "每天下班回家还要忙这忙那",
    "每天都要用的东西，用着总觉得差点意思",
)


def test_the_bank_has_no_pain_line_that_fits_any_product() -> None:
    """Pain lines the rater found unrelated to the product (a 素颜霜, a soybean milk maker, cat litter) are cut;
    "没选对东西" names the product's type."""
    bad = [u.text for u in load_bank() for w in GENERIC_PAIN if w in u.text]
    assert not bad, bad
    assert any("没选对{type}" in u.text for u in load_bank())


def test_bike_offer_is_not_a_bare_gift_before_the_call() -> None:
    assert reads_wrong("现在下单还送码表和车灯。", BIKE_OFFER) is None
    assert say("送码表和车灯", "offer", "今天", "，真的很划算。") == (0, "送码表和车灯")


def test_the_composer_fills_a_frame_with_the_facts_spoken_form() -> None:
    """End to end: the composer's lines say each card fact in its form, never the card's wording pasted."""
    from core.narration.compose.bank import parse_bank
    from core.narration.compose.composer import AdMemory, ClipNeeds, Composer
    from core.narration.embedded import EmbeddedNarrator

    units = parse_bank("[产品功效]\n它{trait}，我很喜欢。\n除此之外，它还{trait}。\n", "electronics")
    composer = Composer(units, EmbeddedNarrator().composer.fluency)
    lines = {
        x.text
        for x in composer.lines(EARPHONES, ClipNeeds(("产品功效",), 8, 14, role="产品功效"), AdMemory())
    }
    assert "它的音质很饱满，我很喜欢。" in lines and "它延迟很低，我很喜欢。" in lines, lines
    two = {
        x.text
        for x in composer.lines(EARPHONES, ClipNeeds(("产品功效",), 20, 40, role="产品功效"), AdMemory())
    }
    assert any("它的音质也很饱满" in x or "它延迟也很低" in x or "它通话也很清晰" in x for x in two), two
    assert not any(
        w in x for x in lines | two for w in ("它音质饱满", "它还音质", "它低延迟", "它还低延迟")
    ), two


def test_a_fact_said_in_its_spoken_form_is_found_in_the_line() -> None:
    """Tests and checks that look for a card fact in a line find it however it is said."""
    from core.narration.compose.facts import said_in

    for text, slot, line in (("音质饱满", "trait", "不仅如此，它的音质也很饱满。"), ("轻量", "trait", "它很轻，我很喜欢。"),
                             ("一键清洗", "trait", "它能一键清洗。"), ("10毫米加厚", "trait", "它有10毫米厚。"),
                             ("不紧绷", "trait", "洗完不紧绷。"), ("低延迟", "trait", "它延迟很低。")):  # fmt: skip
        assert said_in(Fact(text, slot, ""), line), (text, line)
    assert not said_in(Fact("音质饱满", "trait", ""), "它通话很清晰。")
