"""Chinese text front-end: what every voice is asked to say (numbers, units, prices, codes, polyphones, Latin)."""

from __future__ import annotations

import re

import pytest

from core.speech.frontend import LETTERS, LEXICON, read_text, spoken_syllables, to_pinyin

# (line, the normalised Hanzi reading it must contain)
NORMALIZED = [
    ("到手价199元", "到手价一百九十九元"),
    ("¥199", "一百九十九元"),
    ("￥199", "一百九十九元"),
    ("9.9元包邮", "九点九元包邮"),
    ("¥9.9", "九点九元"),
    ("$20", "二十美元"),
    ("立减50%", "立减百分之五十"),
    ("4.5%的烟酰胺", "百分之四点五的烟酰胺"),
    ("20%-30%", "百分之二十到百分之三十"),
    ("20-30%", "百分之二十到百分之三十"),
    ("3-5天发货", "三到五天发货"),
    ("7~15天", "七到十五天"),
    ("5升大容量", "五升大容量"),
    ("500g", "五百克"),
    ("350ml", "三百五十毫升"),
    ("3.5L", "三点五升"),
    ("30cm", "三十厘米"),
    ("5000mAh", "五千毫安时"),
    ("67W快充", "六十七瓦快充"),
    ("1.5升", "一点五升"),
    ("2kg", "两千克"),
    ("100℃", "一百摄氏度"),
    ("30x40cm", "三十乘四十厘米"),
    ("30小时", "三十小时"),
    ("2小时", "两小时"),
    ("2瓶", "两瓶"),
    ("买2送1", "买二送一"),
    ("2000元", "两千元"),
    ("10000", "一万"),
    ("1,299元", "一千二百九十九元"),
    ("2024年", "二零二四年"),
    ("2024-11-11", "二零二四年十一月十一日"),
    ("11月11日", "十一月十一日"),
    ("双11", "双十一"),
    ("双12", "双十二"),
    ("618大促", "六一八大促"),
    ("8:00开抢", "八点开抢"),
    ("8:30", "八点三十分"),
    ("20:05", "二十点零五分"),
    ("1/2", "二分之一"),
    ("10万+", "十万加"),
    ("客服电话400-820-8820", "四零零八二零八八二零"),
    ("13812345678", "幺三八幺二三四五六七八"),
    ("订单号20231234567", "订单号二零二三幺二三四五六七"),
    ("型号 X100", "X幺零零"),
    ("0571", "零五七幺"),
    ("１２３", "一百二十三"),
    ("飞利浦HX2471", "HX二四七一"),
    ("6446HEX护膝", "六四四六HEX"),
    ("1080P高清", "一零八零P"),
    ("128GB", "一百二十八GB"),
    ("299号口红", "二九九号"),
    ("10月31号", "十月三十一号"),
    ("3.14", "三点一四"),
    # ranges ending in a unit symbol: the unit is read, not dropped or spelled (QA: 80-200℃ lost its ℃)
    ("温度80-200℃可调", "八十到二百摄氏度可调"),
    ("10-20kg", "十到二十千克"),
    ("3-5cm", "三到五厘米"),
    ("1-2kg", "一到两千克"),
]


@pytest.mark.parametrize("line,expected", NORMALIZED)
def test_numbers_units_prices_codes_are_read_in_chinese(line: str, expected: str) -> None:
    reading = read_text(line)
    assert expected in reading.normalized
    assert not re.search(r"\d", reading.normalized), reading.normalized  # no digit is left for an engine to guess


# (line, pinyin the reading must contain)
PINYIN = [
    ("银行卡", "yin2 hang2 ka3"),
    ("续航长达30小时", "chang2 da2 san1 shi2"),
    ("重量很轻", "zhong4 liang4"),
    ("不会重复", "chong2 fu4"),
    ("还是很好用", "hai2 shi4"),
    ("了解一下", "liao3 jie3"),
    ("为了你", "wei4 le5"),
    ("长得好看", "zhang3 de5"),
    ("一行代码", "yi4 hang2"),
    ("行业第一", "hang2 ye4"),
    ("空调", "kong1 tiao2"),
    ("调料", "tiao2 liao4"),
    ("快乐", "kuai4 le4"),
    ("音乐", "yin1 yue4"),
    ("便宜", "pian2 yi5"),
    ("轻薄透气", "qing1 bao2"),
    ("干皮救星", "gan1 pi2"),
    ("着急", "zhao2 ji2"),
    ("看着", "kan4 zhe5"),
    ("差不多", "cha4 bu5 duo1"),
    ("出差", "chu1 chai1"),
    ("的确", "di2 que4"),
    ("睡着了", "shui4 zhao2 le5"),
    ("客服400-820-8820", "si4 ling2 ling2 ba1 er4 ling2"),
    ("13812345678", "yao1 san1 ba1 yao1"),
    ("OPPO手机", "ou1 po4 shou3 ji1"),
    ("iPhone15", "ai4 feng4 shi2 wu3"),
    ("SK-II神仙水", "ai2 si1 kai4 tu4 shen2 xian1 shui3"),
    ("SPF50+防晒", "ai2 si1 pi4 ai2 fu1 wu3 shi2 jia1 fang2 shai4"),
    ("PA+++", "pi4 ei1 san1 jia1"),
    ("支持5G", "wu3 ji4"),
    ("VC含量", "wei1 xi1 han2 liang4"),
    ("VIP专享", "wei1 ai4 pi4 zhuan1 xiang3"),
    ("USB充电", "you1 ai2 si1 bi4 chong1 dian4"),
    ("4K画质", "si4 kai4 hua4 zhi4"),
    ("Type-C接口", "tai4 pu3 xi1 jie1 kou3"),
    ("华为Mate60 Pro", "mei2 te4 liu4 shi2 pu3 rou2"),
    ("小米WiFi", "wai1 fai1"),
    ("Good", "ji4 ou1 ou1 di4"),
    ("Hello，姐妹们", "ha1 lou4 jie3 mei4 men5"),
    ("3CE唇釉", "san1 xi1 yi4 chun2 you4"),
    ("温度可调", "wen1 du4 ke3 tiao2"),
    ("无极调速", "wu2 ji2 tiao2 su4"),
    # 不/一 tone sandhi as spoken (QA: 不用 was bu4 yong4, 一次 yi1 ci4), numbers and dates keep yi1
    ("不用担心", "bu2 yong4"),
    ("一次搞定", "yi2 ci4"),
    ("一瓶就够", "yi4 ping2"),
    ("一键调温", "yi2 jian4"),
    ("十一月", "shi2 yi1 yue4"),
    ("第一名", "di4 yi1"),
    ("二零二一年", "er4 yi1 nian2"),
    ("买一送一", "mai3 yi1 song4 yi1"),
    ("不好", "bu4 hao3"),
    ("1.5升", "yi1 dian3 wu3 sheng1"),
    ("快一点", "kuai4 yi4 dian3"),
]


@pytest.mark.parametrize("line,expected", PINYIN)
def test_pinyin_by_word_and_latin_readings(line: str, expected: str) -> None:
    assert expected in to_pinyin(line)


def test_at_least_sixty_cases() -> None:
    assert len(NORMALIZED) + len(PINYIN) >= 60


LINES = [
    "这款空气炸锅5升大容量，到手价199元，双11下单立减50%",
    "OPPO Find X7，5000mAh大电池，67W快充",
    "SK-II神仙水，SPF50+ PA+++，VC含量高达20%",
    "客服电话400-820-8820，早上8:00准时开抢！",
    "Hello宝宝们，今天推荐一款iPhone15 Pro Max手机壳～",
]


@pytest.mark.parametrize("line", LINES)
def test_every_syllable_is_tone_numbered_pinyin(line: str) -> None:
    """Engines get only pinyin: no Latin spelling, no digits, nothing dropped silently."""
    syllables = read_text(line).syllables
    assert syllables
    assert all(re.fullmatch(r"[a-z]+[1-5]", s) for s in syllables), syllables
    latin = re.findall(r"[A-Za-z]+", line)
    spoken_latin = [w for w in read_text(line).words if w.latin]
    assert len(spoken_latin) >= len([w for w in latin if w.lower() not in ("mah", "w")]) - 2


def test_letters_and_lexicon_are_valid_pinyin_for_both_engines() -> None:
    """Every reading must be a syllable espeak-ng's pinyin voice and misaki's pinyin_to_ipa accept."""
    from misaki.transcription import pinyin_to_ipa

    syllables = {s for v in LETTERS.values() for s in v} | {s for v in LEXICON.values() for s in v.split()}
    for s in sorted(syllables):
        assert re.fullmatch(r"[a-z]+[1-5]", s), s
        assert pinyin_to_ipa(s), s


def test_subtitle_text_is_untouched_and_pauses_are_kept() -> None:
    reading = read_text("只要4.5%，真的！")
    assert reading.original == "只要4.5%，真的！"
    assert reading.pinyin_with_pauses() == "zhi3 yao4 bai3 fen1 zhi1 si4 dian3 wu3, zhen1 de5."


def test_spoken_length_counts_syllables_not_characters() -> None:
    assert spoken_syllables("SPF50+") == 8
    assert spoken_syllables("好看") == 2
    assert spoken_syllables("😀！") == 0
