"""The last check (issue #23): every defect the blind copywriter rating found is rejected, with the issue's
own examples; lines a copywriter would voice pass."""

from __future__ import annotations

import re

import pytest

from core.narration.compose.check import reads_wrong
from core.narration.compose.facts import Card, read_card


def card(title: str, attributes: dict[str, str], name: str, type_word: str) -> Card:
    return read_card(title, attributes, name, type_word)


SERUM = card(
    "透蜜角鲨烷修护精华液",
    {"成分/材质": "角鲨烷、水分50%", "功效": "隐形毛孔、补水保湿", "活动优惠": "买100克享190克"},
    "透蜜精华液",
    "精华液",
)
SOYMILK = card(
    "九阳豆浆机破壁家用免滤",
    {"质量/特性": "破壁无渣、预约定时、一键清洗、小巧不占地", "成分/材质": "不锈钢机身"},
    "九阳豆浆机",
    "豆浆机",
)
CHAIR = card(
    "得力人体工学办公椅电脑椅",
    {"适用人群/肤质": "上班族、学生、游戏玩家", "质量/特性": "可调节腰托、头枕、4D扶手"},
    "得力办公椅",
    "办公椅",
)
PHONE = card("星耀智能手机5G", {"质量/特性": "大电池、高刷屏"}, "星耀智能手机", "手机")
TSHIRT = card(
    "南极人纯棉男士短袖T恤", {"质量/特性": "亲肤透气、久洗不变形", "痛点": "移位"}, "南极人T恤", "T恤"
)
NUTS = card("三只松鼠每日坚果", {"成分/材质": "巴旦木、腰果"}, "三只松鼠坚果", "坚果")
UMBRELLA = card("天堂晴雨伞折叠", {"质量/特性": "防晒防紫外线"}, "天堂晴雨伞", "晴雨伞")
EYESHADOW = card("完美日记十二色眼影盘", {"质地": "细腻、显色"}, "完美日记眼影", "眼影")
RICE = card("五常大米稻花香5公斤", {"成分/材质": "稻花香米"}, "五常大米", "大米")
PC = card("宁美国度台式机电脑主机", {"质量/特性": "DDR4内存、512G固态"}, "宁美台式机", "台式机")
SUNSCREEN = card("安热沙小金瓶防晒霜", {"质量/特性": "SPF48PA+++、防水防汗"}, "安热沙防晒霜", "防晒霜")


@pytest.mark.parametrize(
    ("line", "product", "why"),
    [
        ("它的质地是角鲨烷，它就是水分50%。", SERUM, "before a material"),  # wrong collocation
        ("这款透蜜用的是隐形毛孔。", SERUM, "before a"),
        ("南极人采用亲肤透气，穿着很舒服。", TSHIRT, "before a trait"),
        ("它不仅移位，而且久洗不变形。", TSHIRT, "before a pain|dangling"),
        ("赶紧大优惠吧！", SERUM, "赶紧"),
        (
            "九阳豆浆机，破壁无渣，预约定时，一键清洗，二十分钟做好一壶热豆浆，小巧不占地，不锈钢机身。",
            SOYMILK,
            "list",
        ),
        ("得力办公椅，上班族，学生，游戏玩家，可调节腰托，头枕，4D扶手。", CHAIR, "list"),
        ("它适合上班族、学生、游戏玩家。", CHAIR, "list"),
        ("今天推荐星耀智能手机，接下来。", PHONE, "dangling"),
        ("用过一些植物医生之后。", SERUM, "dangling"),
        ("它不仅大电池。", PHONE, "dangling"),
        ("它里面有角鲨烷，它里面还有补水保湿。", SERUM, "twice|open the same way"),
        ("SPF48PA3个加号，SPF48PA+++。", SUNSCREEN, "twice|not on the product card"),
        ("喜欢的赶紧下单下单！", SERUM, "doubled"),
        ("这款坚果做工真的很好，吃着也放心。", NUTS, "another kind"),
        ("用了五常大米之后，日常用起来很省心。", RICE, "another kind"),
        ("它的质地很好推开。", UMBRELLA, "another kind"),
        ("这盘眼影流动性特别好。", EYESHADOW, "another kind"),
        ("现在买50克享95克，赶紧入手吧！", SERUM, "not on the product card"),
        ("现在加一元升级DDR5，赶紧下单！", PC, "not on the product card"),
        ("试用100天，不满意随时退。", PHONE, "not on the product card"),
        ("这款手机销量第一，大家都在用。", PHONE, "not on the product card"),
        ("赶紧下单，链接就在下方！", SERUM, "two calls to buy"),
    ],
)
def test_the_issues_defects_are_rejected(line: str, product: Card, why: str) -> None:
    problem = reads_wrong(line, product)
    assert problem is not None and re.search(why, problem), (line, problem)


def test_a_second_call_to_buy_in_the_ad_is_rejected() -> None:
    line = "买100克享190克，赶紧入手吧！"
    assert reads_wrong(line, SERUM) is None
    assert "second call to buy" in (reads_wrong(line, SERUM, cta_said=True) or "")


@pytest.mark.parametrize(
    ("line", "product"),
    [
        ("今天推荐九阳豆浆机，它破壁无渣，打出来的豆浆特别细腻。", SOYMILK),
        ("可调节腰托真的很贴心，上班族久坐也不累。", CHAIR),
        ("买100克享190克，现在下单真的很划算！", SERUM),
        ("它亲肤透气，而且久洗不变形，穿着很省心。", TSHIRT),
        ("巴旦木和腰果，每一颗都很饱满。", NUTS),
        ("你是不是也有移位的烦恼？", TSHIRT),
    ],
)
def test_lines_a_copywriter_would_voice_pass(line: str, product: Card) -> None:
    assert reads_wrong(line, product) is None
