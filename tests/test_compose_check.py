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


# ---- the 'after' blind rating's defects (tests/bench/ratings/after), the rater's own examples ----
FRYER = card(
    "美的无油空气炸锅家用5升大容量",
    {
        "成分/材质": "不粘涂层炸篮、食品级内胆",
        "功效": "无油也酥脆、少油健康、清洗方便",
        "活动优惠": "到手价299元",
    },
    "美的空气炸锅",
    "空气炸锅",
)
YOGA = card(
    "迪卡侬瑜伽垫加厚防滑健身垫10毫米",
    {"成分/材质": "TPE材质", "质量/特性": "10毫米加厚、双面防滑、回弹好", "功效": "保护膝盖"},
    "迪卡侬瑜伽垫",
    "瑜伽垫",
)
TOY = card("萌兔毛绒玩具兔子公仔", {"质量/特性": "不掉毛、可机洗、手感软糯"}, "萌兔毛绒玩具", "毛绒玩具")
HEATER = card("欧普浴霸灯取暖", {"质量/特性": "耐用、智能恒温"}, "欧普浴霸灯", "浴霸灯")
JUICE = card(
    "农夫山泉NFC橙汁果汁300毫升",
    {"成分/材质": "不加糖、不加水", "功效": "补充维生素C"},
    "农夫山泉橙汁",
    "橙汁",
)
COFFEE = card("瑞幸挂耳咖啡黑咖啡", {"功效": "提神醒脑、香气浓郁"}, "瑞幸挂耳咖啡", "挂耳咖啡")
POWER = card(
    "小米充电宝20000毫安快充",
    {"质量/特性": "20000毫安大容量、22.5瓦快充、双向快充", "活动优惠": "限时直降30元"},
    "小米充电宝",
    "充电宝",
)
BALL = card("安踏篮球7号耐磨", {"质量/特性": "耐磨、手感好"}, "安踏篮球", "篮球")
WATCH = card("小天才电话手表儿童", {"质量/特性": "50米防水、精准定位"}, "小天才电话手表", "电话手表")
ROBOT = card(
    "科沃斯扫地机器人扫拖一体",
    {"质量/特性": "激光导航、自动集尘、5000帕吸力", "活动优惠": "前100名送滚刷"},
    "科沃斯扫地机器人",
    "扫地机器人",
)
LAMP = card("宜家北欧落地灯客厅", {"外观": "原木灯杆"}, "宜家落地灯", "落地灯")
LITTER = card(
    "网易严选豆腐猫砂除臭",
    {"成分/材质": "豌豆纤维", "质量/特性": "吸水快、结团硬"},
    "网易严选豆腐猫砂",
    "豆腐猫砂",
)
LEGO = card("乐高城市系列消防局拼装积木", {"质量/特性": "509块颗粒、四个人仔"}, "乐高积木", "积木")


@pytest.mark.parametrize(
    ("line", "product", "why"),
    [
        # 1. awkward joins, contradictory connectives, two emphatics
        (
            "很多人只看外观，其实我最看重的是它用的食品级内胆，这才是它的底气。更重要的是，它少油健康。",
            FRYER,
            "two emphatics|closed reason",
        ),
        ("它10毫米加厚，这就是我喜欢它的原因。最重要的是，它双面防滑。", YOGA, "closed reason"),
        ("真的很实用。体验下来，我最大的感受就是它不掉毛。最重要的是，它可机洗。", TOY, "emphatics|实用"),
        ("体验下来，我最大的感受就是它不掉毛。最重要的是，它可机洗。", TOY, "two emphatics"),
        ("今天要说的，就是这款欧普浴霸灯。最让我惊喜的是，它耐用。关键是它智能恒温。", HEATER, "emphatics"),
        ("农夫山泉橙汁，真的可以。真的能补充维生素C。", JUICE, "'真的' said twice"),
        (
            "不知道选什么挂耳咖啡的，听我的就对了。它提神醒脑，喝它就对了。",
            COFFEE,
            "'就对了' said twice",
        ),
        ("它有双向快充，我很喜欢。另外，它还有22.5瓦快充。", POWER, "same idea"),
        ("它大电池，今天推荐星耀智能手机。", PHONE, "before the product is named"),
        (
            "不管是工作日还是周末，它都能帮你解放双手，这一点对我来说真的太重要了。更重要的是，它自动集尘。",
            ROBOT,
            "two emphatics",
        ),
        ("我很喜欢这个口感。它不加水。不仅如此，它还不加糖。", JUICE, "same idea"),
        (
            "我特意研究了一下，它用的是豌豆纤维，这也是我最后选它的原因。它结团硬，这就是我喜欢它的原因。",
            LITTER,
            "原因|closed reason",
        ),
        ("真的很实用。它有四个人仔，这一点很实用。", LEGO, "'实用' said twice"),
        # 2. filler: stacked openers
        ("说实话，用上它之后就不想再换别的了。不夸张地说，这是我用过最顺手的篮球。", BALL, "vouching"),
        # 4. deal talk when the card has no offer
        ("这波福利真的很值，赶紧去抢！", WATCH, "no offer on the card"),
        ("这波福利真的很值，赶紧去抢！它最大的特点就是50米防水。", WATCH, "no offer|after the call"),
        ("想要迪卡侬瑜伽垫的，现在就是入手的好时候。", YOGA, "no offer on the card"),
        # the call ends the line: no selling point or introduction after it
        (
            "链接就在下方，喜欢的自己去看。很多人问它好不好用，我只能说，它自动集尘。另外，它还有5000帕吸力。",
            ROBOT,
            "after the call",
        ),
        (
            "心动就赶紧入手吧！如果你也和我一样，挑东西特别挑剔，那这款宜家落地灯真的可以放心试一试。",
            LAMP,
            "after the call",
        ),
        (
            "想动起来的，就从它开始吧，赶紧下单。开始认真运动之后才知道，一款趁手的瑜伽垫能帮上多大的忙。",
            YOGA,
            "after the call",
        ),
    ],
)
def test_the_after_ratings_defects_are_rejected(line: str, product: Card, why: str) -> None:
    problem = reads_wrong(line, product)
    assert problem is not None and re.search(why, problem), (line, problem)


@pytest.mark.parametrize(
    ("line", "product"),
    [
        ("它双面防滑，而且回弹好，跪着练也不硌膝盖。", YOGA),  # one 而且, no emphatic
        ("最让我惊喜的是，它无油也酥脆。", FRYER),  # one emphatic
        (
            "心动的话就点链接吧。前100名送滚刷，这波真的很值。",
            ROBOT,
        ),  # the deal after the call, with the offer
        ("这就是我喜欢它的原因，赶紧入手吧！", FRYER),  # a call may close a reason
        ("说真的，我很少主动推荐东西，但这款橙汁我是真的忍不住要分享。", JUICE),  # one sentence, one figure
    ],
)
def test_lines_the_after_rater_would_voice_pass(line: str, product: Card) -> None:
    assert reads_wrong(line, product) is None
