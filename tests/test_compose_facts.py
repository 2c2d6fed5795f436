"""The writer's facts (issue #23): card values split, cleaned and typed into the sentence bank's slots."""

from __future__ import annotations

import pytest

from core.narration.compose.facts import (
    FORM_CHECKS,
    Fact,
    clean_phrase,
    kind_of,
    read_card,
    type_fact,
    type_phrase,
)
from core.narration.knowledge import knowledge_warnings
from core.project import Product

# the examples of docs/sentence-bank.md, each under the card field it is usually written in
SLOT_EXAMPLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "material": ("成分/材质", ("玻色因", "烟酰胺", "纯棉面料", "碳纤维车架", "食品级不锈钢", "巴旦木")),
    "part": ("质量/特性", ("4D扶手", "5000毫安大电池", "可视窗口", "独立小包装", "5升大容量", "22速变速")),
    "trait": ("质量/特性", ("破壁无渣", "轻薄透气", "久洗不变形", "快速吸收", "防水防汗", "整车重量8.5公斤")),
    "benefit": ("功效", ("补水保湿", "淡化细纹", "补充能量", "缓解腰酸", "保护牙龈", "遮住瑕疵")),
    "look": ("外观", ("哑光黑车架", "奶白色机身", "流线型车身", "磨砂瓶身", "小方管")),
    "texture": ("质地", ("细腻", "轻薄", "清爽不油腻", "酥脆", "绵软", "丝滑")),
    "audience": ("适用人群/肤质", ("敏感肌", "上班族", "学生党", "宝妈", "油皮", "新手")),
    "pain": ("痛点", ("油烟大", "爬坡吃力", "清洗麻烦", "肌肤松垮", "脱妆", "久坐腰酸")),
    "offer": (
        "活动优惠",
        ("买100克享190克", "到手价299元", "送码表和车灯", "第二件半价", "12期免息", "买二送一"),
    ),
    "event": ("活动优惠", ("双11", "618", "限时大促", "会员日", "年货节")),
    "service": ("售后服务", ("车架终身质保", "七天无理由退换", "顺丰包邮", "一年只换不修")),
    "cert": ("鉴定/认证", ("SGS检测", "国家专利", "3C认证", "欧盟CE认证", "国家发明专利")),
}


@pytest.mark.parametrize(
    ("slot", "key", "phrase"),
    [(slot, key, p) for slot, (key, phrases) in SLOT_EXAMPLES.items() for p in phrases],
)
def test_every_documented_example_gets_its_slot(slot: str, key: str, phrase: str) -> None:
    assert type_phrase(phrase, key) == slot
    assert type_fact(phrase, key) == (phrase, slot)  # and has its slot's form: said as written


@pytest.mark.parametrize(
    ("phrase", "key"),
    [
        ("AUTHENTICATION", "鉴定/认证"),  # no Chinese: a heading, not a certificate to voice
        ("涵盖20+", "通用卖点"),  # a stray number
        ("TOP好评", "通用卖点"),  # a shop's ranking talk
        ("好", "质量/特性"),  # one character
        ("A1", "质量/特性"),  # a model code
        ("T26706-2011", "鉴定/认证"),
        ("155B2", "专利"),
        ("质地", "质地"),  # the field's own heading
        ("洗后会干燥吗", "痛点"),  # a question
        ("无专利技术信息", "专利"),  # the card saying it has nothing
        ("福利多", "活动优惠"),  # not a deal a line can state
        ("官方唯一天猫旗舰店", "鉴定/认证"),
        ("小棕瓶精华", "通用卖点"),  # another product of the brand
        ("告别黏腻夏天", "痛点"),  # a promise, not a problem
        ("易生锈不耐用", "质量/特性"),  # a competitor's fault
        ("每袋25克", "质量/特性"),
        ("32厘米", "质量/特性"),  # a bare measure
        ("1916年诞生于日本东京", "品牌故事"),
        ("颗粒乳胶枕", "相关产品"),
        ("买一瓶试试非常非常划算真的很值得大家去购买一下", "活动优惠"),  # a paragraph, not a phrase
    ],
)
def test_noise_is_not_voiced(phrase: str, key: str) -> None:
    assert type_phrase(clean_phrase(phrase), key) is None


def test_cleaning_drops_emoji_brackets_and_spaces() -> None:
    assert clean_phrase("🔥补水保湿🔥") == "补水保湿"
    assert clean_phrase("【限时】买二送一！") == "买二送一"
    assert clean_phrase(" 纯棉 面料 ") == "纯棉面料"
    assert clean_phrase("Lycra 弹力纤维") == "Lycra弹力纤维"


def test_a_phrase_is_typed_by_what_it_says_not_only_its_field() -> None:
    assert type_phrase("不粘涂层", "成分/材质") == "material"  # a thing, though it starts with 不
    assert type_phrase("不加糖", "成分/材质") == "trait"  # a property written under 成分
    assert type_phrase("棕色瓶身", "成分/材质") == "look"
    assert type_phrase("20000毫安大容量", "质量/特性") == "part"
    assert type_phrase("50米防水", "质量/特性") == "trait"
    assert type_phrase("高级感", "功效") != "trait"  # "它高级感" is no sentence
    assert type_phrase("限时直降30元", "活动优惠") == "offer"
    assert type_phrase("毛孔堵塞", "痛点") == "pain"


def test_a_card_types_every_value_once_and_names_what_it_could_not_use() -> None:
    card = read_card(
        "迅驰轻量化公路自行车碳纤维车架22速",
        {
            "成分/材质": "碳纤维车架、铝合金轮组、碳纤维车架",
            "功效": "骑行省力、刹车稳",
            "活动优惠": "福利多、大放送",
            "鉴定/认证": "AUTHENTICATION",
        },
        "迅驰自行车",
        "自行车",
        "迅驰",
    )
    assert [f.text for f in card.of("material")] == ["碳纤维车架", "铝合金轮组"]
    assert card.unusable == ("活动优惠", "鉴定/认证")
    assert card.kind == "sports"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("植物医生石斛兰保湿面霜", "skincare"),
        ("3CE丝绒唇釉哑光口红", "makeup"),
        ("南极人纯棉男士短袖T恤", "clothing"),
        ("三只松鼠每日坚果750克", "food"),
        ("美的无油空气炸锅家用5升", "appliance"),
        ("公牛插线板USB插座", "electronics"),
        ("水星家纺四件套纯棉", "hometextile"),
        ("乐高城市系列消防局拼装积木玩具", "kids"),
        ("麦富迪鸡肉双拼成犬狗粮", "pet"),
        ("骑迹公路自行车", "sports"),
        ("舒适达抗敏感牙膏", "personalcare"),
        ("天堂晴雨伞", "generic"),
    ],
)
def test_kind_of_product_from_the_title(title: str, kind: str) -> None:
    assert kind_of(title, {}) == kind


def test_a_noisy_card_gives_fewer_clean_facts_and_warnings_naming_the_fields() -> None:
    noisy = Product(
        "清泉牌保温杯",
        {
            "功效": "保温12小时、😀😀、A、X9-200B、" + "超长保温" * 500,
            "活动优惠": "福利多、AUTHENTICATION、7",
            "通用卖点": "雅诗兰黛小棕瓶精华、清泉牌保温杯真好",
            "相关产品": "杯刷",
        },
    )
    warnings = knowledge_warnings(noisy)
    assert any(w.startswith("活动优惠: nothing usable") for w in warnings), warnings
    assert any(w.startswith("通用卖点: nothing usable") for w in warnings), warnings
    assert not any(w.startswith("相关产品") for w in warnings)  # never voiced: no point warning
    assert all("\n" not in w for w in warnings)


# A card phrase typed into a slot whose form it does not have makes an ungrammatical line. The examples are
# the blind rater's ("帮你清洁力", "它灰色哑光油漆", "它有带绑带", ...): phrase, card field -> (text as said,
# slot) or None (not voiced).
FORM_CASES: list[tuple[str, str, tuple[str, str] | None]] = [
    ("清洁力", "通用卖点", None),  # "帮你清洁力": a noun, not a verb phrase
    ("清洁力强", "功效", ("清洁力强", "trait")),  # the card says it: a property ("它清洁力强")
    ("吸收快", "功效", ("吸收快", "trait")),  # "帮你吸收快" -> "它吸收快"
    ("保湿微粒", "功效", ("保湿微粒", "material")),  # "帮你保湿微粒": what is in it
    ("抗菌面料", "功效", ("抗菌面料", "material")),
    ("保湿霜", "功效", None),  # a product, not what it does
    ("高质量生活", "功效", None),  # "它高质量生活"
    ("高质量生活", "质量/特性", None),
    ("提升腰部", "功效", None),  # "想提升腰部": 提升 takes a quality, not a body part
    ("灰色哑光油漆", "质地", ("灰色哑光油漆", "look")),  # "它灰色哑光油漆": a look
    ("奶茶色", "质量/特性", ("奶茶色", "look")),
    ("踏实的稳定性", "质量/特性", None),  # "它有踏实的稳定性"
    ("支撑性", "质量/特性", None),
    ("办公安静", "功效", None),  # "它办公安静": a scene, not a property
    ("轻便出门", "通用卖点", None),  # "它最大的特点就是轻便出门"
    ("带绑带", "外观", ("绑带", "part")),  # "它有带绑带": the frame says 有/带 itself
    ("有塑封层", "外观", ("塑封层", "part")),
    ("床头有夜灯", "外观", None),  # a clause, not a noun phrase
    ("22.5瓦快充", "质量/特性", ("22.5瓦快充", "part")),  # "它22.5瓦快充" -> "它有22.5瓦快充"
    ("双向快充", "质量/特性", ("双向快充", "part")),
    ("智能语音互动", "质量/特性", ("智能语音互动", "part")),  # "它智能语音互动"
    ("USB接口", "外观", ("USB接口", "part")),  # a port, not a look
    ("17厘米", "外观", None),  # a bare measure
    ("黑色素", "外观", None),  # melanin, not a colour
    ("肌肤软嫩透亮", "质量/特性", None),  # the user's skin is the subject: "它肌肤软嫩透亮"
    ("细腻柔雾肌", "质地", None),  # a make-up finish noun: "它细腻柔雾肌"
    ("智能触控", "质量/特性", ("智能触控", "part")),  # "它智能触控" -> "它有智能触控"
    ("自定义提示音", "功效", ("自定义提示音", "part")),
    ("舒适沐浴", "功效", None),  # "它舒适沐浴": what the user does
    ("高效率工作", "功效", None),  # "它还高效率工作"
    ("抗腐蚀", "功效", ("抗腐蚀", "trait")),  # "帮你抗腐蚀" -> "它抗腐蚀"
    ("遮瑕力", "功效", None),  # "轻松遮瑕力"
    ("一分钟快速升温", "质量/特性", ("一分钟快速升温", "trait")),  # "它有一分钟快速升温"
    ("吊顶空间12厘米", "外观", None),  # an installation measure, not a look
    ("不刺激", "痛点", None),  # a promise, not a problem: "不刺激，真的太让人头疼了"
    ("不会化妆的宝宝", "痛点", None),
    ("不透气", "痛点", ("不透气", "pain")),
    ("珍珠粉", "成分/材质", ("珍珠粉", "material")),  # a powder, not a pink
    ("胶原流失", "成分/材质", None),  # a problem written under 成分
    ("特别", "质地", None),  # "质地很特别" says nothing
    # kept as they are: each has its slot's form
    ("不挑皮", "质量/特性", ("不挑皮", "trait")),
    ("持久控油", "质量/特性", ("持久控油", "trait")),
    ("方便携带", "生产工艺", ("方便携带", "trait")),
    ("不掉毛", "质量/特性", ("不掉毛", "trait")),
    ("低功耗", "质量/特性", ("低功耗", "trait")),
    ("骑行省力", "功效", ("骑行省力", "trait")),
    ("缓解腰酸", "功效", ("缓解腰酸", "benefit")),
    ("补充胶原蛋白", "功效", ("补充胶原蛋白", "benefit")),
    ("深层补水", "功效", ("深层补水", "benefit")),
    ("提升配速", "功效", ("提升配速", "benefit")),
    ("抗老化", "功效", ("抗老化", "benefit")),
    ("轻松爬坡", "功效", ("轻松爬坡", "benefit")),  # "帮你轻松爬坡"
    ("随时随地", "功效", None),  # no verb
    ("自动集尘", "质量/特性", ("自动集尘", "trait")),
    ("智能恒温", "质量/特性", ("智能恒温", "trait")),
    ("16H不浮粉", "质量/特性", ("16H不浮粉", "trait")),
]


@pytest.mark.parametrize(("phrase", "key", "expected"), FORM_CASES)
def test_a_phrase_gets_a_slot_whose_form_it_has(
    phrase: str, key: str, expected: tuple[str, str] | None
) -> None:
    got = type_fact(phrase, key)
    assert got == expected
    if got is not None:
        said, slot = got
        assert FORM_CHECKS.get(slot, lambda _p: True)(said)


def test_a_card_says_a_part_without_its_verb_and_names_fields_that_gave_nothing() -> None:
    card = read_card(
        "飞跃运动护膝",
        {"外观": "带绑带、17厘米", "功效": "提升腰部、清洁力", "质量/特性": "双向快充"},
        "飞跃护膝",
        "护膝",
        "飞跃",
    )
    assert [(f.text, f.slot) for f in card.facts] == [("绑带", "part"), ("双向快充", "part")]
    assert card.unusable == ("功效",)  # knowledge_warnings names it


def test_facts_that_say_one_idea_share_a_core() -> None:
    def fact(text: str) -> Fact:
        return Fact(text, "part", "质量/特性")

    assert fact("双向快充").same_idea(fact("22.5瓦快充"))  # "它双向快充…它22.5瓦快充" in one line
    assert fact("补水保湿").same_idea(fact("深层补水"))
    assert fact("轻薄").same_idea(fact("轻薄透气"))
    assert not fact("不掉色").same_idea(fact("不掉毛"))
    assert not fact("轻薄透气").same_idea(fact("防水防汗"))
    assert not fact("4D扶手").same_idea(fact("5升大容量"))
    assert not fact("红花籽油").same_idea(fact("霍霍巴籽油"))  # two oils, two materials
    assert not Fact("肌肤暗沉", "pain", "痛点").same_idea(
        Fact("改善暗沉", "benefit", "功效")
    )  # problem, answer
    assert fact("22.5瓦快充").core == frozenset({"快充"})
