"""Facts the writer understands: a product card's values split, cleaned and typed into the bank's slots.

Card values are noisy ("鉴定/认证": "AUTHENTICATION", "通用卖点": "涵盖20+、专业美容后卜、TOP好评"): each
phrase is cleaned (emoji, brackets), dropped when it is noise (a code, a stray number, a heading, a
fragment, a question, a shop's own talk, another product's name, a whole paragraph) and typed into exactly
one slot type of docs/sentence-bank.md by its field, its shape and a small lexicon (lexicon.py), with jieba's
part-of-speech tags as a last hint. Then its form is checked against its slot (`type_fact`, `FORM_CHECKS`): a
trait must read after 它, a part after 有/带, a benefit after 帮你, a look or material as a noun phrase; a phrase
of another form is retyped ("22.5瓦快充" is a part, "灰色哑光油漆" a look), rewritten exactly ("带绑带" ->
绑带) or dropped ("清洁力", "提升腰部"). A phrase that cannot be typed is not voiced: precision over recall,
since a wrongly typed fact makes a wrong sentence ("采用补水保湿", "帮你清洁力"). `Fact.same_idea` tells two
facts that say one thing ("双向快充", "22.5瓦快充") so a line says it once.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from core.narration.compose import lexicon as lx
from core.narration.words import KEYS, clean_name, words

SLOTS = (
    "material",
    "part",
    "trait",
    "benefit",
    "look",
    "texture",
    "audience",
    "pain",
    "offer",
    "event",
    "service",
    "cert",
)
"""The fact slots of the sentence bank ({name} and {type} are the product's own)."""

FIELD_SLOT = {
    "功效": "benefit",
    "痛点": "pain",
    "质量/特性": "trait",
    "质地": "texture",
    "适用人群/肤质": "audience",
    "成分/材质": "material",
    "外观": "look",
}
"""The type most values of a field have (for phrases the typer could not type)."""
MAX_CHARS = 10
"""A longer phrase is a sentence or a list of its own, not a slot filler (offers may be a little longer)."""
MAX_OFFER_CHARS = 12

_SPLIT = re.compile(r"[、，,;；/|\n]+")
_BRACKETS = re.compile(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)|<[^>]*>|《|》|“|”|\"|'|「|」")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CODE = re.compile(r"^[A-Za-z0-9.\-+_#%*/ ]+$")
"""A value with no Chinese at all: a model code, a stray number, an English heading."""
_MIXED_CODE = re.compile(r"[A-Za-z]+[0-9]+[A-Za-z0-9-]*|[0-9]+[A-Za-z]{2,}[0-9]")
"""A model code inside a phrase (A1, T26706-2011, 155B2)."""
_HEADINGS = frozenset(w for k in KEYS for w in k.split("/")) | {
    "效果",
    "产品",
    "特点",
    "卖点",
    "优惠",
    "福利",
}


@dataclass(frozen=True)
class Fact:
    """One phrase of the card as the writer may say it: its text, its slot type and its card field."""

    text: str
    slot: str
    key: str

    @property
    def core(self) -> frozenset[str]:
        """The fact's idea (`fact_core`): the composer says one fact of an idea per line and ad."""
        return fact_core(self.text)

    def same_idea(self, other: Fact) -> bool:
        """Whether two facts say the same thing in other words ("双向快充", "22.5瓦快充"). A pain and what
        answers it ("暗沉", "改善暗沉") are the storyline's two moves, not a repetition."""
        if "pain" in (self.slot, other.slot) and self.slot != other.slot:
            return False
        return self.text in other.text or other.text in self.text or bool(self.core & other.core)


@dataclass(frozen=True)
class Card:
    """A product as the writer sees it: spoken name, type word, kind, typed facts and the card's text."""

    name: str
    type_word: str
    kind: str
    facts: tuple[Fact, ...]
    text: str
    """The title and every value as given: a figure or offer in a line must be found here."""
    unusable: tuple[str, ...] = ()
    """Fields that had values but gave no fact the writer can voice."""
    raw: tuple[Fact, ...] = ()
    """Clean phrases that could not be typed, with their field's usual type: never voiced by the composer,
    but a line that says one (the LLM's) must still put it in a frame its field's type takes."""
    by_slot: dict[str, tuple[Fact, ...]] = field(default_factory=dict, compare=False)

    def of(self, slot: str) -> tuple[Fact, ...]:
        """The facts of one slot type, in card order."""
        if not self.by_slot:
            grouped: dict[str, list[Fact]] = {}
            for f in self.facts:
                grouped.setdefault(f.slot, []).append(f)
            self.by_slot.update({k: tuple(v) for k, v in grouped.items()})
        return self.by_slot.get(slot, ())

    def slot_of(self, text: str) -> str:
        """The slot type of a fact's text ("" when it is not one of the card's facts)."""
        return next((f.slot for f in self.facts if f.text == text), "")


def clean_phrase(raw: str) -> str:
    """The phrase without emoji, symbols, brackets, spaces between Chinese, and edge punctuation."""
    text = unicodedata.normalize("NFKC", raw)
    text = _BRACKETS.sub("", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat.startswith(("L", "N")) or ch in ".%+-~℃°":
            kept.append(ch)
        elif cat == "Zs":
            kept.append(" ")
    text = "".join(kept).strip(" .-+~")
    if re.search(r"[\u4e00-\u9fff][-~]|[-~][\u4e00-\u9fff]", text):
        return ""  # "干用-素颜感柔雾眉": a joined heading, not a phrase to say
    text = re.sub(r"(?<=[\u4e00-\u9fff]) +| +(?=[\u4e00-\u9fff])", "", text)
    return re.sub(r" {2,}", " ", text)


def _last_flag(p: str) -> str:
    ws = [(w, f) for w, f in words(p) if w.strip()]
    return ws[-1][1] if ws else ""


_ADJ_ENDS = (
    "稳", "快", "大", "小", "方便", "简单", "轻松", "省力", "吃力", "麻烦", "干净", "安静", "牢固", "稳固",
    "结实", "舒服", "舒适", "耐用", "持久", "清晰", "灵敏", "顺畅", "流畅", "强", "足", "好", "高", "低",
    "长", "短", "多", "少", "久", "轻", "薄", "厚", "软", "硬", "亮", "准", "匀", "透", "越香", "滑", "脆",
    "嫩", "润", "净", "静", "省", "快速", "均匀", "安全", "健康", "放心", "可口", "细腻", "透气", "浓郁",
    "醇厚", "香浓", "清香", "鲜美", "饱满", "充足", "持久", "稳定", "灵活", "便捷", "实用", "百搭", "柔软",
    "保暖", "防水", "防滑", "耐磨", "不变形", "不起球", "不掉色", "不褪色", "不掉毛", "不粘",
)  # fmt: skip


def _is_predicate(p: str) -> bool:
    """Says what the product is or does (不掉毛, 可机洗, 刹车稳, 轻薄透气), not a thing it has ("四驱",
    "USB接口", "中度烘焙"): it reads after 它 ("它不掉毛")."""
    if _is_noun_end(p) or re.search(r"[\u4e00-\u9fff]的[\u4e00-\u9fff]{2,}$", p):
        return False  # "舒适的睡眠" is a thing
    if p.startswith(lx.TRAIT_START) or p.endswith(_ADJ_ENDS):
        return True
    if p.startswith(("长效", "一键", "智能", "持久", "快速", "随时", "双向", "多档", "全天")) and len(p) >= 4:
        return True  # "长效保温", "一键开盖"
    if re.search(r"[无不免防抗]", p[1:]) and len(p) >= 3:
        return True  # "破壁无渣", "久洗不变形"
    if any(w in p for w in lx.TEXTURE_WORDS if len(w) >= 2):
        return True
    ws = [(w, f) for w, f in words(p) if w.strip()]
    if len(ws) < 2 or re.search(r"[A-Za-z]", p):
        return False
    first, last = ws[0][1], ws[-1][1]
    return last[:1] in ("a", "z") or (last == "v" and first[:1] in ("d", "a"))


_NOUN_ENDS = (
    "头", "口", "窗", "窗口", "扶手", "容量", "电池", "装", "包装", "设计", "系统", "结构", "面料", "材质",
    "涂层", "内胆", "机身", "车架", "轮组", "变速", "刹", "碟刹", "把手", "按键", "屏", "屏幕", "镜头",
    "芯片", "电机", "马达", "刀头", "刷头", "接口", "功能", "模式", "档位", "技术", "科技", "工艺", "配方",
    "层", "网", "盖", "杯", "壶", "篮", "盒", "灯", "垫", "带", "扣", "袋", "片", "棉", "绒", "布", "纤维",
    "硅胶", "塑料", "钢", "铝", "木", "玻璃", "陶瓷", "皮", "胶", "铁", "铜", "膜", "粉", "油", "液", "精华",
    "提取物", "因子", "蛋白", "酸", "素", "醇", "肽", "菌", "中底", "鞋底", "大底", "鞋面", "颗粒", "人仔",
    "感", "性能", "度", "性", "杆", "柄", "座", "罩", "脚", "腿", "轮", "链", "线", "键",
)  # fmt: skip


_LOOK_NOUN_ENDS = tuple(h for h in lx.LOOK_HEADS if len(h) >= 2 or h in "色瓶管盖壳框架盒罐袋扣")


def _is_noun_end(p: str) -> bool:
    if len(p) >= 3 and p[-2] in "不无脱掉褪防抗" and p[-1] in "色毛油水线":
        return False  # "不脱色", "不掉毛": a negated verb and its object
    return p.endswith(_NOUN_ENDS) or p.endswith(_LOOK_NOUN_ENDS)


def _is_noun_phrase(p: str) -> bool:
    """A thing (碳纤维车架, 玻色因, 5升大容量), not a clause."""
    if _is_noun_end(p):
        return True
    if _is_predicate(p):
        return False
    flag = _last_flag(p)
    return flag[:1] in ("n", "g") or flag in ("eng", "vn", "an", "q", "nz")


def _is_texture(p: str) -> bool:
    rest = re.sub(r"又|很|超|更|而|且|也|非常|特别", "", p)
    if not rest:
        return False  # "特别": an adverb alone is no texture ("质地很特别" says nothing)
    for w in sorted(lx.TEXTURE_WORDS, key=len, reverse=True):
        rest = rest.replace(w, "")
    return rest == "" and len(p) >= 2


def _is_people(p: str) -> bool:
    return p.endswith(lx.PEOPLE_ENDS) and not p.startswith(("适合", "适用", "针对", "不同", "各类", "所有"))


def _noise(p: str, key: str, brand: str, type_word: str) -> bool:
    """Not a fact to voice: too short or long, a code, a heading, a question, a shop's talk, the product's
    or another product's name."""
    limit = MAX_OFFER_CHARS if key in ("活动优惠", "售后服务") else MAX_CHARS
    if len(p) < 2 or len(p) > limit or not _CJK.search(p) or len(set(p)) == 1:
        return True
    if _CODE.match(p) or _MIXED_CODE.search(p) or p in _HEADINGS:
        return True
    if any(w in p for w in lx.NOISE_WORDS):
        return True
    if brand and len(brand) >= 2 and brand in p:
        return True  # the product's own name inside a value: the line says its name itself
    if type_word and len(type_word) >= 2 and p.endswith(type_word):
        return True
    if p.endswith(lx.PRODUCT_NOUNS) and not (key == "成分/材质" and p.endswith("精华") and 2 < len(p) <= 6):
        return True  # another product ("小棕瓶精华", "TPLINK全彩摄像头")
    if re.search(r"[0-9]", p) and not re.search(r"[0-9][\u4e00-\u9fffA-Za-z%℃°]|[\u4e00-\u9fff][0-9]", p):
        return True  # a stray number
    if re.search(r"(?<![A-Za-z0-9.])[0-9]+\+?$", p) and not lx.OFFER.match(p):
        return True  # a count without what it counts ("涵盖20+")
    return len(re.findall(r"[\u4e00-\u9fff]", p)) < 2


def type_phrase(p: str, key: str, brand: str = "", type_word: str = "") -> str | None:
    """The slot type of one cleaned phrase of card field `key`, or None when it must not be voiced."""
    if p in lx.EVENTS or (len(p) <= 6 and any(p == e + "活动" for e in lx.EVENTS)):
        return "event"
    if _noise(p, key, brand, type_word):
        return None
    if re.search(r"送(?:东西|礼物|好礼|福利|惊喜)$", p):
        return None  # a gift the card does not name is no offer to state
    if lx.OFFER.match(p):
        return "offer" if key in ("活动优惠", "通用卖点", "售后服务") else None
    if key == "活动优惠" and lx.DEAL.search(p) and re.search(r"[0-9一二两三四五六七八九十百千]|送|赠", p):
        return "offer"
    if key == "活动优惠":
        return None  # "福利多", "大放送": not a deal a line can state
    if key in ("品牌故事", "相关产品"):
        return None
    if lx.SERVICE.search(p) and key in ("售后服务", "通用卖点", "鉴定/认证", "质量/特性"):
        return "service" if not p.startswith(("不", "无需")) else None
    if key == "售后服务":
        return None
    if lx.CERT.search(p) and len(p) >= 4:
        return "cert"
    if key in ("鉴定/认证", "专利"):
        if key == "专利" and p.endswith(("技术", "科技", "工艺", "系统", "配方")):
            return "part"
        return None
    if key == "适用人群/肤质":
        return "audience" if _is_people(p) and len(p) <= 6 else None
    if key == "痛点":
        return _pain(p)
    if key == "外观":
        if (lx.COLOUR.search(p) and _is_noun_phrase(p)) or (
            p.endswith(lx.LOOK_HEADS) and not _is_predicate(p)
        ):
            return "look"
        return "part" if _is_noun_end(p) and not p.startswith(lx.TRAIT_START) else None
    if key == "质地":
        if _is_texture(p):
            return "texture"
        if p.endswith("质地"):
            return None  # "慕斯质地": not an adjective, and "质地很慕斯质地" reads wrong
        return "trait" if _is_predicate(p) else None
    if key == "成分/材质":
        head = _FIGURE_HEAD.match(p)
        if head and head.end() > 0 and len(re.findall(r"[\u4e00-\u9fff]", p[head.end() :])) < 2:
            return None  # "0.21毫米", "98%": a bare figure
        if p.endswith(("型", "款", "版")):
            return None  # "速干型": a version, not a material
        if p.endswith(lx.LOOK_HEADS) and lx.COLOUR.search(p):
            return "look"  # "棕色瓶身" written under 成分
        if re.fullmatch(r"[\u4e00-\u9fff]{2,6}[0-9.]+[A-Za-z%\u4e00-\u9fff]{0,3}", p):
            return "trait"  # "充绒量200克": a measure, not what it is made of
        if _is_noun_end(p):
            return "material"
        if _is_predicate(p):
            return "trait" if p.startswith(("不", "无", "零", "0")) and len(p) >= 3 else None
        return "material" if not p.endswith(("感", "成分", "效果", "性")) else None
    # 功效, 质量/特性, 通用卖点, 生产工艺 and unknown fields: what it does, does for you, or has
    head = _FIGURE_HEAD.match(p)
    if head and head.end() > 0:
        return _figure(p[head.end() :])
    if key == "功效" and re.match(r"^(?:随时|轻松|有效|快速|及时|全面|深层|持续|长效)", p) and len(p) >= 4:
        return "benefit"  # "随时联系孩子", "轻松去除污渍"
    if key == "生产工艺":
        return "part" if _is_noun_end(p) and len(p) >= 3 else None  # "超声波合模工艺", not "精湛工艺萃取"
    if (
        p.startswith(lx.BENEFIT_VERBS)
        and not p.endswith(
            ("模式", "功能", "设计", "系统", "技术", "科技", "工艺", "配方", "结构", "按键", "效果", "成分")
        )
        and not re.search(r"[0-9]", p)
        and key in ("功效", "质量/特性", "通用卖点")
    ):
        if p in _BARE_VERBS:
            return None  # "吸收", "保护": a verb that needs its object ("它能帮你吸收")
        return "benefit" if len(p) >= 2 and not _is_people(p) else None
    if key == "功效" and _is_texture(p):
        return "texture"
    if p.startswith("每"):
        return None  # "每袋25克": a spec of the pack, not of the product
    if re.fullmatch(r"[\u4e00-\u9fff]{2,6}(?:约|达|高达|仅|只有)?[0-9.]+[A-Za-z%\u4e00-\u9fff]{0,3}", p):
        return "trait"  # "整车重量8.5公斤", "续航30小时": a measure of the product
    if re.search(r"差|不耐|易坏|易碎|易裂|易脱落|易生锈|易变形|易断", p):
        return None  # a competitor's fault written under the product's own qualities
    if any(p.endswith(w) for ws in lx.KIND_WORDS.values() for w in ws if len(w) >= 2):
        return None  # "轻薄笔记本", "TPLINK全彩摄像头": a product, not what this one is
    if _is_predicate(p) and not (key == "通用卖点" and len(p) > 6) and not p.endswith(("操作", "认知")):
        return "trait"
    if _is_noun_phrase(p) and key in ("质量/特性", "生产工艺") and _is_noun_end(p):
        return "part" if len(p) >= 3 else None
    return None


_PAIN_MARKS = (
    "干", "燥", "痘", "油", "敏感", "暗沉", "黄", "纹", "松", "垮", "黑眼圈", "脱", "掉", "累", "吃力", "麻烦",
    "重", "大", "多", "粘", "黏", "堵", "痒", "屑", "裂", "难", "慢", "卡", "闷", "热", "冷", "酸", "痛", "疼",
    "臭", "异味", "脏", "乱", "吵", "响", "漏", "胖", "肉", "斑", "红", "痕", "皱", "粗", "塌", "晕", "花",
    "贵", "短", "小", "差", "弱", "少", "不", "没", "缺", "怕", "担心", "困扰", "烦", "坏", "锈", "霉", "菌",
    "螨", "蚊", "失眠", "疲", "乏", "僵", "肿", "秃", "稀", "白发", "起球", "变形", "褪色", "勒", "磨脚",
    "移位", "跑位", "滑落", "卷边", "走光", "尴尬", "凉", "潮", "吵", "费电", "费时", "耗时",
)  # fmt: skip
"""Morphemes of a problem: a 痛点 value without one is not a pain point ("细腻慕斯质地")."""


_FIGURE_HEAD = re.compile(
    r"^(?:[0-9.]+[A-Za-z%]*|[一二两三四五六七八九十百千万半]+"
    r"(?=个|台|层|档|种|款|块|只|张|条|颗|粒|片|袋|包|小时|分钟|秒|天|次|倍|重|米|升|克|瓦|速))"
    r"(?:毫安时|毫安|毫升|厘米|毫米|公斤|千克|小时|分钟|[升克米瓦帕速档层寸片袋包粒件个度倍台块只张条颗种款重次天秒])?"
)
"""A figure and its unit at the start of a phrase ("20000毫安", "22.5瓦", "四个", "半小时")."""


def _figure(rest: str) -> str | None:
    """A phrase that starts with a figure: a feature it has ("20000毫安大容量", "四个人仔") or, when what
    follows is a verb phrase, a property ("50米防水", "半小时充满一半")."""
    if len(re.findall(r"[\u4e00-\u9fff]", rest)) < 2:
        return None  # a bare measure ("32厘米")
    if rest.startswith(("不", "可", "无需", "易", "持", "长效", "快速")):
        return "trait"  # "16H不浮粉", "12周持色"
    if _is_noun_end(rest):
        return "part"
    ws = [f for w, f in words(rest) if w.strip()]
    if rest.endswith(_ADJ_ENDS) or (ws and ws[0][:1] in ("v", "a", "d")):
        return "trait"
    return "part"


_BARE_VERBS = frozenset(
    [
        "吸收",
        "保护",
        "提升",
        "提高",
        "改善",
        "增强",
        "增加",
        "帮助",
        "促进",
        "预防",
        "减少",
        "补充",
        "缓解",
        "去除",
        "清除",
        "消除",
        "守护",
        "调节",
        "平衡",
        "释放",
        "保持",
        "打造",
        "塑造",
        "对抗",
        "抵御",
        "阻隔",
        "解决",
        "满足",
        "唤醒",
        "激活",
        "锁住",
        "控制",
    ]
)


_NOT_GOOD = tuple(
    "不" + w
    for w in (
        "透气", "舒服", "舒适", "贴合", "够", "匀", "持久", "方便", "好", "干净", "稳", "牢", "服帖", "保暖",
        "防水", "耐用", "顺滑", "清晰", "灵敏", "均匀", "卫生", "安全", "合身", "跟脚", "吸汗", "透", "适配",
    )
)  # fmt: skip
"""A problem said as 不 + a good quality ("不透气", "不贴合")."""


def _pain(p: str) -> str | None:
    """A problem before the product (油烟大, 爬坡吃力, 脱妆), not a promise (告别黏腻) or a question."""
    if p.startswith(("告别", "不再", "解决", "防", "无", "减少", "避免", "比", "适", "让", "给")):
        return None
    if p.startswith(
        ("拒绝", "抵御", "抑制", "支撑", "拯救", "抚纹", "乳化", "不同", "因个体", "会不会", "抑菌")
    ):
        return None  # what the product does against it, not the problem ("拯救平胸")
    if p.startswith("不") and not p.startswith(_NOT_GOOD):
        return None  # "不刺激", "不勒肚子": a promise; "不透气", "不贴合" are problems
    if p.endswith(("成分", "救星", "程度")):
        return None  # "三大核心油成分", "干皮救星", "发红程度"
    if re.search(r"的好[\u4e00-\u9fff]|^好[\u4e00-\u9fff]{2}", p):
        return None  # "看不出来的好素颜": a selling point, not a problem
    if not any(m in p for m in _PAIN_MARKS) or any(
        w in p for w in lx.TEXTURE_WORDS if len(w) >= 2 and w.startswith("不")
    ):
        return None
    if p.endswith(("问题", "困扰")) and len(p) >= 6:
        p = p[:-2]
    return "pain" if 2 <= len(p) <= 8 else None


def spoken_brand(name: str, namer: Callable[[str], str] | None = None) -> str:
    """The brand part of the spoken name (for dropping values that name the product itself)."""
    return namer(name) if namer else ""


def kind_of(title: str, attributes: Mapping[str, str]) -> str:
    """The kind of product (the bank file) from the title's words, the card's as a weaker hint."""
    title = clean_name(title)
    card = "|".join(str(v) for v in attributes.values())
    best, best_score = lx.GENERIC, 0.0
    for kind in lx.KINDS:
        score = 0.0
        for w in lx.KIND_WORDS.get(kind, ()):
            if w in title:
                score += 3.0 * len(w) ** 2
            elif len(w) >= 2 and w in card:
                score += 0.5 * len(w)
        if score > best_score:
            best, best_score = kind, score
    return best if best_score >= 3.0 else lx.GENERIC


def read_card(
    title: str,
    attributes: Mapping[str, str],
    spoken_name: str,
    type_word: str,
    brand: str = "",
    other_brands: frozenset[str] = frozenset(),
) -> Card:
    """Every usable fact of the card, typed; and the fields that gave none. A value naming one of
    `other_brands` (known brands, the product's own left out) is another product, never voiced."""
    facts: list[Fact] = []
    seen: set[str] = set()
    unusable: list[str] = []
    untyped: list[Fact] = []
    for key, value in attributes.items():
        key = str(key).strip()
        got = 0
        text = str(value)
        if len(text) > 400:
            text = text[:400]  # a pasted paragraph: its first phrases are still read, the rest is not
        for piece in _SPLIT.split(text):
            p = clean_phrase(piece)
            if key == "痛点" and len(p) >= 6 and p.endswith(("问题", "困扰")):
                p = p[:-2]  # "毛孔堵塞问题" is said "毛孔堵塞"
            if not p or p in seen:
                continue
            foreign = any(b in p for b in other_brands if len(b) >= 2 and b not in (brand, spoken_name))
            typed = None if foreign else type_fact(p, key, brand or spoken_name, type_word)
            if typed is None:
                if key in FIELD_SLOT and 4 <= len(p) <= MAX_CHARS:
                    untyped.append(Fact(p, FIELD_SLOT[key], key))
                continue
            said, slot = typed
            seen.add(p)
            if said in seen and said != p:
                continue
            seen.add(said)
            facts.append(Fact(said, slot, key))
            got += 1
        if got == 0 and text.strip():
            unusable.append(key)
    card_text = unicodedata.normalize(
        "NFKC", clean_name(title) + "|" + "|".join(map(str, attributes.values()))
    )
    return Card(
        spoken_name,
        type_word,
        kind_of(title, attributes),
        tuple(facts),
        card_text,
        tuple(unusable),
        tuple(untyped),
    )


# ---- form: does the typed phrase have the grammatical form its slot expects? ----
# The bank's frames put a trait after 它 ("它{trait}"), a part after 有/带 ("它带{part}"), a benefit after
# 能/帮你 ("帮你{benefit}"), a look or material where a noun goes ("它的{look}"). A phrase typed by its
# field alone often has another form ("帮你清洁力", "它灰色哑光油漆", "它有带绑带"): the rules below retype
# it (a spec noun phrase is a part, a colour is a look), rewrite it exactly (a part loses a leading 带/有),
# or drop it. Never a new claim: a rewrite only removes words the frame already says.

_PART_LEAD = re.compile(
    r"^(?:带有|自带|配有|配备|搭载|内置|含有|内含|采用|带|有|配|含)(?!方|色|件|套|饰|料|量)"
)
"""A verb before a part ("带绑带", "有塑封层"): the frame says 有/带 itself."""
_CLAUSE_VERBS = re.compile(r"[\u4e00-\u9fff](?:有|为|是|采用|使用|用了|搭载|配备|内置)[\u4e00-\u9fff]")
"""A part that is a whole clause ("床头有夜灯", "瓶身采用HDPE材质")."""
_NOT_PART_START = (
    "通过", "营造", "配合", "适用", "适合", "深入", "破坏", "将", "立送", "明显", "调衡", "包里", "方便", "无需",
    "一样", "一台", "环环", "尽释", "模拟", "提气", "提亮", "匀净", "持久", "持妆", "全天候", "妆前", "百搭", "速干",
    "两天",
)  # fmt: skip
"""Verbs and adverbs a part cannot start with: what follows says what it does, not what it has."""
_ABSTRACT_ENDS = (
    "性", "感", "度", "性能", "速度", "力", "率", "力度", "能力", "效果", "美感", "历史", "之前", "问世",
)  # fmt: skip
"""A quality said as a noun ("支撑性", "仪式感", "厚度", "清洁力"): not a thing the product has, not a
verb phrase for the user; said only with its adjective ("清洁力强") as a trait."""
_FEATURE_NOUNS = ("快充", "闪充", "无线充", "超级快充", "语音互动", "投屏", "蓝牙", "接口", "网口", "插口")
"""Features jieba does not tag as nouns ("快/a 充/v"): "它22.5瓦快充" reads as a part ("它有22.5瓦快充")."""
_MATERIAL_HEADS = (
    "成分", "精粹", "提取物", "微粒", "因子", "复合物", "面料", "纸", "棉", "纤维", "油", "精华", "原液", "精油",
    "涂层", "材质", "蛋白", "酸", "肽",
)  # fmt: skip
"""Heads of a material noun phrase ("保湿微粒", "亲肤成分", "抗菌面料")."""
_THING_HEADS = (
    *_MATERIAL_HEADS,
    "产品", "霜", "乳", "膏", "膜", "口罩", "外套", "组合", "搭配", "秘籍", "秘密", "明星", "经典", "手法", "方式",
    "矩阵", "神器", "食谱", "四步曲", "型", "处理", "底裆", "指数", "实测", "爆款", "漱口水", "瓶", "救星", "版",
)  # fmt: skip
"""Nouns a benefit cannot end in: "帮你保湿霜", "帮你抗皱秘籍" are no verb phrases."""
_SCENES = ("办公", "出门", "出行", "旅行", "居家", "睡觉", "生活", "上班", "通勤", "户外")
"""Where it is used: "办公安静", "轻便出门", "高质量生活" are no property of the product ("它办公安静")."""
_USER_ACTS = ("沐浴", "洗澡", "工作", "学习", "休息")
"""What the user does: "它舒适沐浴", "它高效率工作" are no property of the product."""
_SUPPORTED = re.compile(r"^(?:智能|自定义)(?!恒温|控温|断电|关机|感应)[\u4e00-\u9fff]{2,}$")
"""A feature it supports ("智能触控", "智能语音互动", "自定义提示音"): a part, said "它有智能触控"."""
_PROOF_OBJECTS = (
    "腐蚀", "压", "摔", "撕裂", "开裂", "生锈", "锈", "磨", "静电", "震", "污", "脏", "腐", "冲击", "刮", "爆",
    "盐水", "氯", "变形", "菌",
)  # fmt: skip
"""What a thing resists ("抗腐蚀", "抗摔"): a property of the product (它抗摔), not a benefit (帮你抗摔)."""
_BODY_START = (
    "肌肤", "皮肤", "毛孔", "发丝", "头发", "秀发", "肤色", "肤质", "手心", "双手", "面部", "脸部", "宝宝", "晒后",
    "刷牙", "唇部", "眼周", "头皮", "发质", "发尾", "牙龈", "发缝", "发际", "头屑", "干燥", "暗淡", "暗沉", "粗糙",
    "独自", "全家",
)  # fmt: skip
"""A trait about the user's body has another subject than the product ("它肌肤软嫩透亮")."""
_BODY_OBJECTS = ("腰部", "胸部", "臀部", "腿部", "肌肤", "皮肤", "脸部", "面部", "头发", "身体", "眼部")
_BODY_NOUNS = frozenset({"视网膜", "角膜", "黏膜", "粘膜", "胃黏膜", "皮脂膜"})
_ABILITY_VERBS = frozenset(
    {
        "抗氧",
        "遮瑕",
        "遮盖",
        "清洁",
        "吸收",
        "滋润",
        "保湿",
        "补水",
        "修护",
        "控油",
        "提亮",
        "防晒",
        "防护",
        "锁水",
    }
)
"""Verbs that make an ability noun with 力/度 ("清洁力", "遮瑕度"): "帮你清洁力" is no verb phrase."""
_RAISE = ("提升", "提高", "增加", "增强")
"""提升 takes a quality ("提升配速", "提升肌肤光泽"), never a bare body part ("提升腰部", "提高肌肤")."""
_TRAIT_MODS = (
    "无", "不", "没有", "零", "防", "抗", "免", "少", "低", "高", "超", "多", "大", "小", "长", "超长", "超大", "强",
    "易", "耐", "更", "很", "可", "能", "双", "全", "快", "轻", "静", "真", "纯", "自动", "智能", "持久", "长效",
    "一键",
)  # fmt: skip
"""Words that make a predicate of the noun after them ("无异味", "低功耗", "超静音", "持久续航")."""
_HEAD_NOUNS = (
    "肌", "光妆", "粉质", "泡沫", "妆效", "质地", "笔触", "肌理", "标签", "套餐", "服务", "伴侣", "专家", "材料",
    "效果", "底妆", "肌肤", "皮肤", "眼妆", "表面", "版", "款", "细节", "纸", "胶", "成分", "配方", "刷", "瓶", "辐射", "好物", "体验", "品", "透气孔", "小孔", "微孔", "布套", "抹胸", "腰边",
)  # fmt: skip
"""Heads of a noun phrase jieba may tag otherwise ("细腻柔雾肌", "棉柔细腻泡沫", "透气孔"): never after 它."""
_FORCES = ("吸力", "拉力", "动力", "马力", "推力", "压力", "电力", "防护力")
"""Forces a product has with a figure ("5000帕吸力"); "7天大屏障锁水力" is an ability said as a noun."""
_ABSTRACT_TRAIT_ENDS = ("性", "感", "度", "性能", "力度", "能力", "力", "率")
_NOUN_TRAITS = frozenset({"静音", "防水", "防滑", "防摔", "恒温", "速干", "保温", "抑菌", "除菌", "降噪"})
"""One-word traits jieba tags as nouns that read after 它 ("它静音")."""
_MEASURE_TRAIT = re.compile(r"[\u4e00-\u9fff]{2,6}(?:约|达|高达|仅|只有)?[0-9.]+[A-Za-z%\u4e00-\u9fff]{0,3}")
_NOT_A_FACT = re.compile(
    r"[0-9]{4}年|年历史|年之前|问世|诞生|无具体|品牌故事|参与方式|上架|不禁|令人|数量有限|具体描述|免息|回购|"
    r"满[0-9]+|热销|必须|不支持|送[0-9]|不安全|^由"
)
"""History, the card's own talk, a shop's notice: nothing to voice in any slot."""
_COLOUR_LOOK = re.compile(
    r"(?:[0-9]+号色|色号)|^(?:"
    + lx.COLOUR.pattern
    + r")|色$|(?<=[\u4e00-\u9fff])[蓝紫白绿红黄粉灰黑棕金银橙青]$"
)
_NOT_COLOUR = ("黑色素", "透明质酸", "白发", "黑头", "白头", "黑眼圈")
_NOUN_FLAGS = ("n", "ng", "nz", "vn", "nr", "ns", "nt", "g")


def _tags(p: str) -> list[tuple[str, str]]:
    return [(w, f) for w, f in words(p) if w.strip()]


def _ends_in_noun(p: str) -> bool:
    """The phrase's last word is a thing (by jieba's tag or the noun-end lexicon)."""
    if p.endswith(_FEATURE_NOUNS) or _is_noun_end(p):
        return True
    ws = _tags(p)
    return bool(ws) and ws[-1][1] in _NOUN_FLAGS and ws[-1][1] not in ("nr", "ns")


def _is_colour(p: str) -> bool:
    """Names a colour ("奶茶色", "星空蓝", "03号色"); not a verb on colour ("不掉色", "持色", "不卡粉")."""
    if any(w in p for w in _NOT_COLOUR) or re.search(r"[不无易持锁提卡掉褪脱显]|上色|底色", p):
        return False
    return bool(_COLOUR_LOOK.search(p))


def reads_as_trait(p: str) -> bool:
    """A predicate with the product as subject: "它{p}" is a sentence ("它不掉毛", "它超静音",
    "它整车重量8.5公斤"); not a noun ("它灰色哑光油漆"), a scene ("它办公安静") or the user's body."""
    if _NOT_A_FACT.search(p) or lx.OFFER.match(p) or lx.SERVICE.search(p):
        return False
    if (
        p.startswith(_BODY_START)
        or p.startswith(_SCENES)
        or p.endswith(_SCENES + _USER_ACTS)
        or _CLAUSE_VERBS.search(p)
    ):
        return False
    if _SUPPORTED.match(p):
        return False  # "智能触控", "自定义提示音": a feature it supports ("它有智能触控"), not "它智能触控"
    if _MEASURE_TRAIT.fullmatch(p) and not p.endswith(_FEATURE_NOUNS):
        return True  # "充绒量200克", "续航30小时"
    if re.search(r"[\u4e00-\u9fff]的[\u4e00-\u9fff]", p):
        return False  # "踏实的稳定性", "舒适的睡眠": a thing
    if p in _NOUN_TRAITS:
        return True
    ws = _tags(p)
    if not ws:
        return False
    if len(ws) >= 2 and ws[-1][1] == "d" and ws[-1][0] not in ("自然", "持久", "长久"):
        return False  # "智能语音互动": jieba's adverb at the end is a mis-tagged noun
    if p.endswith(_FEATURE_NOUNS):
        return False
    if (
        p.startswith(("不", "无需", "无惧", "不易"))
        and len(p) >= 3
        and ws[0][1][:1] in ("d", "v")
        and not p.endswith(("标签", "效果", "配方", "成分"))
    ):
        return True  # "不磨肌肤", "不显毛孔": a negated verb and its object
    if p.endswith(_HEAD_NOUNS):
        return False  # "双向快充": a feature; "细腻柔雾肌", "绵密泡沫": a thing
    if (
        p.endswith(_ABSTRACT_TRAIT_ENDS)
        and not p.endswith(_ADJ_ENDS)
        and not re.search(r"[省吃有给费无魅活耐]力$", p)
    ):
        return False  # "防水性", "防螨率": a quality said as a noun
    if p.endswith(_ADJ_ENDS) or any(p.endswith(w) for w in lx.TEXTURE_WORDS if len(w) >= 2):
        return True  # "骑行省力", "清爽透气"
    head = _FIGURE_HEAD.match(p)
    if head and head.end() > 0:
        return _figure(p[head.end() :]) == "trait"  # "50米防水", "90天酿造"; not "4G全网通"
    verb_before = ws[-1][1].startswith("v") or any(f[:1] in ("v", "d") for _, f in ws[:-1])
    if _is_noun_end(p) and not verb_before:
        return len(p) >= 3 and p[-2] in "不无脱掉褪防抗" and p[-1] in "色毛油水线"  # "不掉毛"
    if _ends_in_noun(p):
        mod = next((m for m in sorted(_TRAIT_MODS, key=len, reverse=True) if p.startswith(m)), "")
        if not mod and p.startswith(lx.TRAIT_START):
            mod = p[0]
        if (mod and len(p) <= len(mod) + 2) or re.search(r"[无不免]", p[1:]):
            return True  # "低功耗", "防潮", "无异味", "破壁无渣"; not "大自然床垫", "高定奢美包装"
        return any(f[:1] in ("v", "a", "d") for _, f in ws[:-1])  # "不伤屏障", "持久锁水"; not "灰色哑光油漆"
    return True


def reads_as_part(p: str) -> bool:
    """A noun phrase the product has: "它有{p}", "它带{p}" ("4D扶手", "5000毫安大电池", "22.5瓦快充"); not a
    verb phrase ("带绑带", "方便携带"), a clause ("床头有夜灯") or a quality ("支撑性")."""
    if _NOT_A_FACT.search(p) or _CLAUSE_VERBS.search(p) or p.startswith(_NOT_PART_START):
        return False
    if _PART_LEAD.match(p) and len(p) > 2:
        return False
    figure = bool(_FIGURE_HEAD.match(p) and _FIGURE_HEAD.match(p).end())  # type: ignore[union-attr]
    if p.endswith(_ABSTRACT_ENDS) and not (figure and p.endswith((*_FORCES, "率", "性能"))):
        return False  # "厚度", "仪式感", "包裹性", "7天大屏障锁水力"
    if p.endswith(("之后", "之前", "以上", "以下")):
        return False
    ws = _tags(p)
    if p.startswith(("不", "很", "超级", "更", "非常", "特别", "真的", "最")):
        return False  # "不挑皮", "很舒服": an adverb starts a predicate
    if (
        ws
        and ws[0][1] == "v"
        and ws[0][0] not in ("防", "抗", "静音", "防滑", "防水", "可调")
        and len(ws) >= 2
    ):
        if not _ends_in_noun(p):
            return False  # "破坏细胞膜" ends in a noun but is a verb phrase: see the next rule
        if ws[0][0] in ("破坏", "深入", "营造", "改善", "调衡", "将", "立送", "配合"):
            return False
    if p.endswith((*_SCENES, "细节")):
        return False  # "智能生活": a way of living, not a feature
    if p.endswith(_FEATURE_NOUNS) or (_SUPPORTED.match(p) and not re.search(r"[不无更很]", p)):
        return True  # "22.5瓦快充", "USB接口", "智能触控"
    if re.search(r"[更很]", p[1:]):
        return False  # "饱满显色更持色"
    if figure:
        rest = p[_FIGURE_HEAD.match(p).end() :]  # type: ignore[union-attr]
        rest_tags = _tags(rest)
        if not rest_tags or _figure(rest) == "trait" or rest_tags[0][1] in ("d", "ad"):
            return False  # "16H不浮粉", "3个月可自然降解": a measure of what it does (a trait)
        return _ends_in_noun(rest) and len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 2
    return _ends_in_noun(p)


def _ends_in_thing(p: str) -> bool:
    """The last word is a thing: a multi-character head ("保湿微粒", "抗皱秘籍") or a one-character one standing
    alone ("保湿膜", "滋润乳") or making the whole phrase one word ("保湿霜"); not "缓解腰酸", "补充氨基酸",
    "呵护孩子娇嫩的视网膜"."""
    ws = _tags(p)
    if not ws:
        return False
    last = ws[-1][0]
    if last in _BODY_NOUNS:
        return False
    if last in _THING_HEADS:
        # "保湿膜", "滋润乳": a thing; "改善出油": 出油 is a verb and its object
        return not (len(ws) >= 2 and len(ws[-2][0]) == 1 and ws[-2][1][:1] == "v")
    long_heads = tuple(h for h in _THING_HEADS if len(h) >= 2 and h not in ("蛋白", "精华"))
    one_noun = len(ws) == 1 and ws[0][1][:1] == "n"  # "保湿霜"; not "控油", a verb
    return last.endswith(long_heads) or (one_noun and p.endswith(_THING_HEADS))


def reads_as_benefit(p: str) -> bool:
    """A verb phrase for the user: "能{p}", "帮你{p}" ("补水保湿", "提升配速"); not a noun ("清洁力",
    "保湿微粒"), a property ("吸收快") or a bare body part after 提升 ("提升腰部")."""
    if _NOT_A_FACT.search(p) or _ends_in_thing(p) or p in _BARE_VERBS or p == "遮盖":
        return False  # "保湿霜", "保湿膜", "抗皱秘籍"
    if re.match(r"^(?:增加|增强)", p) and (p[2:4] in ADJ_WORDS or re.search(r"有[\u4e00-\u9fff]", p[2:])):
        return False  # "增加水嫩有光泽": a verb on adjectives, card wording no one says
    if re.match(r"^(?:抗|防|耐)", p) and p[1:].startswith(_PROOF_OBJECTS) and not p.startswith("抗菌"):
        return False  # "帮你抗腐蚀": a property of the product
    if re.search(r"[\u4e00-\u9fff]的[\u4e00-\u9fff]", p) and not p.startswith(
        (*_RAISE, "保护", "呵护", "守护")
    ):
        return False  # "均匀的出沙口": a thing
    if p.endswith(("率", "明显", "便携", "耐用", "高达自身")):
        return False  # "抗菌抑菌率", "修护效果明显": not what it does for you
    for verb in _RAISE:
        if p.startswith(verb) and (p[len(verb) :] in _BODY_OBJECTS or not p[len(verb) :]):
            return False
    m = re.match(r"^(.{1,4}?)(力度|能力|速度|力|度|性|率|感)(.*)$", p)
    if m and (m.group(1) in lx.BENEFIT_VERBS or m.group(1) in _ABILITY_VERBS):
        return False  # "清洁力", "保湿力度", "吸收速度", "清洁力强": the ability, not the act
    ws = _tags(p)
    if len(ws) >= 2 and ws[-1][1] in ("a", "ad") and ws[-1][0] in ("快", "好", "强", "佳", "高", "大", "足"):
        return False  # "吸收快": a property of the product
    rest = re.sub(r"^(?:深层|有效|轻松|随时|快速|持续|长效|全面|及时|温和|高效|一键)", "", p)
    ws = _tags(rest) if rest != p else ws
    adverb = rest != p and len(rest) >= 2 and ws[0][1][:1] != "d"  # "轻松爬坡", "随时联系孩子"
    if not rest.startswith(lx.BENEFIT_VERBS) and not (ws and ws[0][1] in ("v", "vn")) and not adverb:
        return False  # "随时随地"
    return bool(re.search(r"[\u4e00-\u9fff]{2}", p))


def reads_as_look(p: str) -> bool:
    """An appearance noun phrase ("哑光黑车架", "奶白色机身", "椭圆形设计"), not a measure ("17厘米"), a
    port ("USB接口"), a shade for someone ("偏白肤色") or a word that only contains a colour ("黑色素")."""
    if _NOT_A_FACT.search(p) or any(w in p for w in _NOT_COLOUR) or p.endswith(_FEATURE_NOUNS):
        return False
    if p.endswith(("肤色", "肤质")) or p.startswith(("适合", "适用")) or _is_people(p):
        return False
    if re.fullmatch(r"[\u4e00-\u9fff]{0,6}[0-9.]+(?:厘米|毫米|米|cm|mm|CM|MM|公分|寸)", p):
        return False  # "17厘米", "吊顶空间12厘米": a measure, not how it looks
    ws = _tags(p)
    if ws and ws[0][1] == "v" and ws[0][0] in ("按住", "按压", "层层"):
        return False
    return _ends_in_noun(p) or _is_colour(p) or p.endswith(lx.LOOK_HEADS)


_NOT_MATERIAL = re.compile(
    r"下垂|松弛|流失|下降|松散|异常|分泌|出汗|损伤|保存$|提示$|对比$|^含有$|靠谱|^特别$|感$|率$|(?<!巧克)力$|[^温]度$"
)
"""A problem of the skin ("胶原流失"), a notice ("避光保存") or a quality ("贴合感") under 成分/材质."""


def reads_as_material(p: str) -> bool:
    """What it is made of or what is in it: not an adjective ("深沉", "新颖") or a problem ("胶原流失")."""
    if _NOT_MATERIAL.search(p):
        return False
    ws = _tags(p)
    return not (len(ws) == 1 and ws[0][1] in ("a", "ad", "d"))


FORM_CHECKS: dict[str, Callable[[str], bool]] = {
    "trait": reads_as_trait,
    "part": reads_as_part,
    "benefit": reads_as_benefit,
    "look": reads_as_look,
    "material": reads_as_material,
}
"""The slot types whose form is checked on every typed phrase (docs/sentence-bank.md, "Slot types")."""


_NOT_TRAIT_START = (
    "将", "通过", "配合", "适用", "适合", "包里", "两天", "营造", "模拟", "深入", "破坏", "调衡", "明显", "立送", "一台",
    "一样", "一秒", "环环",
)  # fmt: skip


def _predicate_start(p: str) -> bool:
    """Starts like a predicate: a modifier (持久, 不, 可), an adjective, or has a negation inside."""
    ws = _tags(p)
    head = _FIGURE_HEAD.match(p)
    if head and head.end() > 0:
        return _figure(p[head.end() :]) == "trait"
    return (
        p.startswith(_TRAIT_MODS)
        or p.startswith(lx.TRAIT_START)
        or bool(ws and ws[0][1] in ("a", "ad", "d"))
        or bool(re.search(r"[无不免防抗]", p[1:]))
    )


def _named_colour(p: str) -> bool:
    """A colour named after a thing ("曜石黑", "原木黄", "星空蓝"); not an effect ("亮白", "显白")."""
    ws = _tags(p[:-1])
    return (
        len(p) >= 3
        and p[-1] in "蓝紫白绿红黄灰黑棕橙青"
        and p[-2] not in "亮美显提透净嫩皙"
        and len(ws) == 1
        and ws[0][1][:1] == "n"
    )


def _retype(p: str, slot: str, key: str) -> tuple[str, str] | None:
    """(text, slot) of a phrase typed `slot` by its field, after the form rules; None: not voiced."""
    if (
        slot in ("part", "trait", "material")
        and (re.search(r"色$|色号$", p) or _named_colour(p))
        and _is_colour(p)
        and reads_as_look(p)
    ):
        return p, "look"  # "奶茶色", "03号色": how it looks, not a thing it has
    if slot == "material" and not reads_as_material(p):
        return None
    if slot in ("trait", "texture") and predicate_form(p)[0] == "literary":
        return None  # "水靓弹嫩", "强劲而不噪": printed on a card, never said
    check = FORM_CHECKS.get(slot)
    if check is None or check(p):
        return p, slot
    if _NOT_A_FACT.search(p):
        return None
    if slot == "part":
        lead = _PART_LEAD.match(p)
        first = _tags(p)[0][0] if _tags(p) else ""
        if lead and first == lead.group(0) and reads_as_part(p[lead.end() :]) and len(p) - lead.end() >= 2:
            return p[lead.end() :], "part"  # "带绑带" -> 绑带
        if _is_colour(p) and reads_as_look(p):
            return p, "look"  # "奶茶色"
        if reads_as_trait(p) and not p.startswith(_NOT_TRAIT_START) and _predicate_start(p):
            return p, "trait"  # "不挑皮", "方便携带", "持久控油"
        return None
    if slot == "trait":
        if _is_colour(p) and _ends_in_noun(p) and reads_as_look(p):
            return p, "look"  # "灰色哑光油漆"
        if _SUPPORTED.match(p) and reads_as_part(p):
            return p, "part"  # "智能触控": "它有智能触控"
        if (
            (p.endswith(_FEATURE_NOUNS) or _ends_in_noun(p))
            and reads_as_part(p)
            and not p.startswith(_BODY_START)
        ):
            if p.endswith(_MATERIAL_HEADS) and not re.match(r"^[0-9]", p):
                return p, "material"  # "亲肤成分", "不干胶纸"
            if p.endswith(_FEATURE_NOUNS) or re.match(r"^[0-9]", p) or p.endswith(_NOUN_ENDS):
                return p, "part"  # "22.5瓦快充", "双向快充", "前胸隐形透气孔"
        return None
    if slot == "benefit":
        if (
            _ends_in_thing(p)
            and p.endswith(_MATERIAL_HEADS)
            and key in ("功效", "成分/材质", "通用卖点", "质量/特性")
        ):
            return p, "material"  # "保湿微粒", "抗菌面料": what is in it
        m = re.match(r"^.{1,4}?(?:力度|能力|速度|力|度|性)(?:强大|很强|强|佳|好|高|大|足|快)$", p)
        if (m or re.search(r"(?:快|好|强|佳)$", p)) and reads_as_trait(p):
            return p, "trait"  # "清洁力强", "吸收快": the card says it, a property of the product
        if re.match(r"^(?:抗|防|耐)", p) and p[1:].startswith(_PROOF_OBJECTS) and reads_as_trait(p):
            return p, "trait"  # "抗腐蚀": "它抗腐蚀", not "帮你抗腐蚀"
        return None
    if slot == "look":
        if p.endswith(_FEATURE_NOUNS) and reads_as_part(p):
            return p, "part"  # "USB接口"
        if "透明质酸" in p:
            return p, "material"
        return None
    return None


def type_fact(p: str, key: str, brand: str = "", type_word: str = "") -> tuple[str, str] | None:
    """(text as said, slot type) of one cleaned phrase of card field `key`, or None when it must not be
    voiced: typed by field, shape and lexicon (`type_phrase`), then checked for its slot's form."""
    slot = type_phrase(p, key, brand, type_word)
    return None if slot is None else _retype(p, slot, key)


_CORE_WORDS = """设计 功能 技术 科技 工艺 系统 结构 模式 效果 配方 成分 材质 面料 提取 取物 肌肤 皮肤 精华 植萃 植物 复合
    自然 改善 提供 洗后 配色 天然 舒适 问题 提升 方案 深层 温和 产品 专利 进口 智能 一键 持久 长效 快速 肤质
    有效 全面 籽油 溶液 酸钠 精萃 精粹 花籽 复配 提物 萃取 纯度 高纯"""
_CORE_STOP = frozenset(_CORE_WORDS.split())
"""Character pairs too generic to make two facts one idea ("红花籽油", "霍霍巴籽油" are two oils)."""
_FUNCTION_CHARS = frozenset("不无很超更可易的了也又和与且能会有是个多大小高低双全")


@functools.lru_cache(maxsize=8192)
def fact_core(text: str) -> frozenset[str]:
    """The idea of a fact, comparable across facts: its content character pairs without figures, units and
    function words. "双向快充" and "22.5瓦快充" share 快充 (one idea said twice); "不掉色" and "不掉毛"
    share nothing."""
    head = _FIGURE_HEAD.match(text)
    rest = text[head.end() :] if head else text
    runs = re.findall(r"[\u4e00-\u9fff]+", rest)
    pairs = {r[i : i + 2] for r in runs for i in range(len(r) - 1)}
    return frozenset(
        x for x in pairs if not (set(x) & _FUNCTION_CHARS) and x not in _CORE_STOP and not x.endswith("瓦")
    )


# ---- how a fact reads inside a sentence (its predicate form) ----

_ADJ_LIST = """光滑 柔软 服帖 饱满 细腻 轻盈 轻便 轻巧 小巧 耐磨 耐用 舒适 舒服 透气 安静 清晰 顺滑 丝滑 清爽 稳定 结实 牢固
    灵敏 便携 百搭 保暖 亲肤 时尚 好看 可爱 精致 大气 简约 迅速 快速 方便 简单 轻松 省力 干净 均匀 安全 健康 放心
    可口 浓郁 醇厚 香浓 清香 鲜美 充足 持久 灵活 便捷 实用 顺畅 流畅 软糯 蓬松 松软 柔和 温和 水润 滋润 通透 自然
    轻薄 厚实 紧实 挺括 凉爽 凉快 暖和 细滑 顺手 跟脚 合身 贴合 稳固 稳当 扎实 平稳 静音 强劲 高效 节能 省电 省心
    香甜 清甜 酥脆 香脆 爽口 鲜嫩 Q弹 劲道 筋道 绵密 绵软 细软 柔顺 蓬松 顺 光亮 明亮 柔亮 鲜艳 清新 干爽 滑爽
    水嫩 精细 粉嫩 洁净 舒展 有力 给力 好用 耐脏 好洗 易洗 护眼 低调 高级 经典 新颖 独特 别致 轻量 纯净 硬朗"""
ADJ_WORDS = frozenset(_ADJ_LIST.split())
"""Adjectives a card says bare ("光滑", "轻量"): said as a predicate they take 很 ("它很光滑")."""
_ADJ_BASE = {"轻量": "轻", "轻量化": "轻", "静音": "安静"}
"""Card words whose spoken adjective is shorter ("它轻量" -> "它很轻")."""
_ADJ_CHARS = frozenset("好强快高低大小多少足稳硬软轻薄厚长短久亮准匀滑脆嫩润净静省香甜细密宽紧松")
"""One-character adjectives ending a subject-predicate fact ("颗粒小", "手感好", "刹车稳")."""
_INVERT_HEADS = "低高大小长短强轻薄厚细少多"
"""An adjective before a noun that says a property ("低延迟" -> "延迟很低", "小颗粒" -> "颗粒很小")."""
_DEGREE = ("很", "非常", "特别", "超级", "超", "太", "真的很", "十分", "相当", "更", "好", "挺", "越")
_QUOTE_BEFORE = ("说是", "主打", "号称", "主推", "所谓", "叫")
_BODY_FEEL = ("紧绷", "拔干", "干涩", "刺痛", "刺激", "假滑", "油腻", "黏腻", "粘腻", "闷")
"""What the user's skin feels after use: "它不紧绷" has the wrong subject ("洗完不紧绷")."""
_PARALLEL = frozenset("靓嫩润滑亮白透弹泽瑕艳彩")
"""Second characters of a card's four-character praise ("水靓弹嫩", "奢润无瑕"): printed, never said."""
_ABILITY_ENDS = ("力", "度", "感", "性", "量", "率", "质", "音", "面", "身", "底")
"""Ends of a subject that jieba splits ("抓地力", "蓬松度", "握感")."""
_INVERT_NOUNS = frozenset({"延迟", "噪音", "油烟", "功耗"})
_VERB_LEADS = ("一键", "自动", "轻松", "快速", "随时", "迅速", "一次", "轻轻")
_VERBAL_LIST = "通话 回弹 结团 出浆 出水 充电 散热 清洗 吸水 骑行 穿着 上脸 上身 上脚 入口 抓地"
_VERBAL_NOUNS = frozenset(_VERBAL_LIST.split())
"""Subjects of a subject-predicate fact that are what one does with it ("它清洗很方便", not "它的清洗")."""
CHILD = re.compile(r"小学生|中学生|中小学生|儿童|孩子|宝宝|婴|幼儿|小朋友|幼童|新生儿|宝贝")
"""Audiences who are not the buyer: "如果你是小学生" speaks to the wrong person."""


_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def _hen(a: str, also: bool = False) -> str:
    """An adjective said as a predicate: "很饱满", "也很饱满"; one with its own adverb or negation stays."""
    if (
        a.startswith(("不", "无", "没"))
        or (len(a) > 1 and a.startswith(_DEGREE))
        or not _CJK_ONLY.fullmatch(a)
    ):
        return ("也" if also else "") + a
    return ("也很" if also else "很") + _ADJ_BASE.get(a, a)


def _is_adj(p: str) -> bool:
    if p in ADJ_WORDS or p in _ADJ_BASE:
        return True
    ws = _tags(p)
    return len(ws) == 1 and ws[0][1] in ("a", "ad", "an") and len(p) >= 2 and not p.startswith(("偏", "自"))


@functools.lru_cache(maxsize=8192)
def predicate_form(p: str) -> tuple[str, str, str]:
    """How a trait reads as a predicate: (form, subject, predicate).

    forms: "adj" (光滑: "很光滑"), "sp" (音质饱满: its own subject, "音质也很饱满"), "verb" (一键清洗: "能一键
    清洗"), "neg" (不掉毛: as it is), "feel" (不紧绷: the user's skin, "用完不紧绷"), "measure" (续航30小时),
    "literary" (强劲而不噪, 水靓弹嫩: card wording no one says), "other" (as it is)."""
    if re.search(r"[\u4e00-\u9fff]而[\u4e00-\u9fff]", p) and not p.startswith(("而", "然而")):
        return "literary", "", p  # "强劲而不噪"
    if (
        len(p) == 4
        and p[1] in _PARALLEL
        and p[3] in _PARALLEL
        and p[0] not in "不无免零可易好少多低高大小超很更越一"
    ):
        return "literary", "", p  # "水靓弹嫩", "奢润无瑕": two parallel two-character praises
    head = _FIGURE_HEAD.match(p)
    if (head and head.end() > 0) or _MEASURE_TRAIT.fullmatch(p):
        return "measure", "", p
    if p.startswith(("不", "无", "免", "零", "没")):
        feel = any(p.endswith(w) or p[1:] == w for w in _BODY_FEEL)
        return ("feel" if feel else "neg"), "", p
    if len(p) >= 8 and not re.search(r"[0-9]", p):
        return "literary", "", p  # "层层阻黑由内匀净焕亮", "海王星象明眸无渊": a card's stack of praise
    if p.startswith(("能", "可以", "会", "令", "让", "超")) and not p.startswith("能效"):
        return "other", "", p  # "能舒缓", "超静音": already a predicate
    if p.startswith("好") and p[1:] in ADJ_WORDS:
        return "adj", "", p[1:]  # "好纯净": 好 is 很
    if _is_adj(p):
        return "adj", "", p
    if len(p) == 3 and p[0] in _INVERT_HEADS and p[1:] not in ADJ_WORDS and p[1] not in _ADJ_CHARS:
        noun = _tags(p[1:])
        if len(noun) == 1 and (noun[0][1][:1] == "n" or p[1:] in _INVERT_NOUNS):
            return "sp", p[1:], p[0]  # "低延迟" -> 延迟很低; not "高保湿"
    tokens = words(p, hmm=False)
    bounds = set(itertools.accumulate(len(w) for w, _ in tokens))
    for k in range(2, len(p)):
        subj, pred = p[:k], p[k:]
        if k not in bounds and pred not in ADJ_WORDS:
            continue  # "双面防滑" is 双面 + 防滑, not 双面防 + 滑; "骑行省力" is 骑行 + 省力
        ok_pred = pred in ADJ_WORDS or (len(pred) == 1 and pred in _ADJ_CHARS)
        ok_pred = ok_pred or (pred.startswith("不") and len(pred) in (2, 3))
        if not ok_pred or len(p) > 6:
            continue
        if subj in ADJ_WORDS or subj[-1] in "不很超更也又越得" or subj.startswith(lx.TRAIT_START[:3]):
            break  # "滋润持久", "越嚼越香": two predicates, not a subject and one
        adj_head = any(subj.startswith(a) for a in ADJ_WORDS if len(a) == 2)
        if subj[0] in "少多无免低高大只都更越很也还快慢易好持长深倍可防加" or _is_adj(subj) or adj_head:
            break  # "少油健康", "只吸收不流失", "快干透气", "持续水润"
        last, tag = words(subj, hmm=False)[-1]
        if len(last) < 2 and not subj.endswith(_ABILITY_ENDS):
            continue  # "深层维稳", "正面偏硬": a fragment, not a subject
        if tag[:1] in ("a", "d") or last in ADJ_WORDS:
            break  # "触感柔软细腻", "倍加厚": two predicates or an adverb
        return "sp", subj, pred
    if (
        p.startswith("可")
        and len(p) >= 3
        and not p.startswith(("可爱", "可口", "可靠", "可见", "可视", "可调"))
    ):
        return "verb", "", p[1:]  # "可机洗" -> 能机洗
    rest = next((p[len(w) :] for w in _VERB_LEADS if p.startswith(w)), "")
    if rest and 2 <= len(rest) <= 4 and not _is_adj(rest) and not rest.startswith(("可", "不", "自")):
        return "verb", "", p  # "一键清洗", "轻松爬坡"; not "快速稳定", "轻松可卸"
    if (
        len(tokens) == 2
        and tokens[0][1] == "v"
        and len(tokens[0][0]) == 2
        and tokens[0][0] not in ADJ_WORDS
        and tokens[1][1][:1] == "n"
        and not tokens[0][0].startswith(("防", "抗", "耐", "透", "保", "锁", "持", "显", "亮"))
    ):
        return "verb", "", p  # "解放双手": a verb and its object
    return "other", "", p


def _context(before: str, after: str, own: tuple[str, ...]) -> str:
    """What the words around a slot ask of its phrase: quote (说是{x}, 一款{x}的), deg (很{x}), add (它还{x}),
    subj (它{x}, 这款耳机{x}), clause (anything else)."""
    if before.endswith(_QUOTE_BEFORE) or after.startswith("的"):
        return "quote"
    if before.endswith(("很", "非常", "特别", "超级", "太", "十分", "相当", "更", "挺")) or re.search(
        r"(?:^|[^还也又])超$", before
    ):
        return "deg"
    if before.endswith(("还", "也", "又")):
        return "add"
    if before.endswith("它") or any(o and before.endswith(o) for o in own):
        return "subj"
    return "clause"


def _use_done(type_word: str) -> str:
    return "洗完" if re.search(r"洗|洁|沐浴|卸", type_word) else "用完"


@functools.lru_cache(maxsize=65536)
def say(
    text: str, slot: str, before: str, after: str = "", own: tuple[str, ...] = (), type_word: str = ""
) -> tuple[int, str] | None:
    """How a fact of `slot` reads between `before` and `after` (a frame's words): (characters to drop from
    the end of `before`, the phrase to say), or None when it cannot read there. A bare adjective takes 很
    ("它很轻"), a fact with its own subject is its own clause ("它的音质也很饱满", not "它还音质饱满"), a verb
    phrase takes 能 ("它能一键清洗"), card wording no one says ("水靓弹嫩") is not said."""
    if slot == "audience":
        about = before.endswith(("给", "适合", "适用于", "专为", "对于", "对", "送给", "陪伴"))
        return None if CHILD.search(text) and not about else (0, text)  # "小学生可以放心入手": not the buyer
    if slot == "offer":
        m = re.fullmatch(r"(买[0-9一二两三]+送[0-9一二两三]+)(送.+)", text)
        if m:
            return 0, f"{m.group(1)}，还{m.group(2)}"  # "买1送1送粉扑" -> "买1送1，还送粉扑"
        clause_start = not before or before[-1] in "，。！？"
        rest = re.split(r"[。！？]", after)[0]
        if (
            text.startswith(("送", "赠"))
            and clause_start
            and lx.CTA.search(rest)
            and not lx.CTA.search(before)
        ):
            return None  # "送码表和车灯，赶紧下单吧": a bare gift before the call ("现在下单还送…" reads)
        return 0, text
    if slot == "texture":
        ctx = _context(before, after, own)
        if (
            _is_adj(text)
            and ctx != "quote"
            and (before.endswith(("，", "起来", "感觉", "发现", "就是")) or ctx == "subj")
        ):
            return 0, _hen(text)  # "你们看这个面料，很柔软。"
        return 0, text
    if slot == "part" and before.endswith("有") and len(text) == 3 and text[0] in _INVERT_HEADS:
        form, subj, pred = predicate_form(text)
        if form == "sp":  # "它还有小颗粒" -> 它的颗粒也很小: a size said as a property
            if before.endswith(("它还有", "它也有")):
                return 2, f"的{subj}{_hen(pred, also=True)}"
            if before.endswith("它有"):
                return 1, f"的{subj}{_hen(pred)}"
            if before.endswith(("还有", "也有")):
                return 2, f"{subj}{_hen(pred, also=True)}"
        return 0, text
    if slot != "trait":
        return 0, text
    form, subj, pred = predicate_form(text)
    ctx = _context(before, after, own)
    if form == "literary":
        return None
    if ctx == "quote":
        return 0, text
    if form == "measure":
        if ctx == "deg":
            return None
        said = text
        m = re.fullmatch(r"([0-9.]+(?:毫米|厘米|mm|cm|MM|CM))加([厚宽长高])", text)
        if m:
            said = f"有{m.group(1)}{m.group(2)}"  # "10毫米加厚" -> 有10毫米厚
        m = re.fullmatch(
            r"((?:[0-9.]+|[一二两三四五六七八九十半]+)(?:个小时|小时|分钟|秒))(快速)?([\u4e00-\u9fff]{2,})",
            text,
        )
        if m and not m.group(3).startswith(("就", "即", "可")):
            said = f"{m.group(1)}就能{m.group(3)}"  # "半小时充满一半" -> 半小时就能充满一半
        return None if ctx == "add" else (0, said)  # "它还续航30小时", "它还半小时充满一半"
    if form == "feel":
        done = _use_done(type_word)
        if ctx == "deg":
            return None
        if ctx == "add":
            drop = 2 if before.endswith(("它还", "它也")) else 1
            return drop, f"{done}也{text}"
        return (1 if ctx == "subj" and before.endswith("它") else 0), done + text
    if form == "neg":
        return None if ctx == "deg" else (0, text)
    if form == "adj":
        base = _ADJ_BASE.get(pred, pred)
        return (0, base) if ctx == "deg" else (0, _hen(pred))
    if form == "sp":
        if ctx == "deg":
            return None
        link = (
            "的"
            if not pred.startswith("不")
            and subj not in _VERBAL_NOUNS
            and (_tags(subj)[:1] or [("", "")])[0][1][:1] == "n"
            else ""
        )
        if ctx == "add":
            if before.endswith(("它还", "它也")):
                return 1, f"{link}{subj}{_hen(pred, also=True)}"  # "它还" -> "它的音质也很饱满"
            return 1, f"{subj}{_hen(pred, also=True)}"  # "，还{x}" -> "，音质也很饱满"
        if ctx == "subj":
            return 0, f"{link}{subj}{_hen(pred)}"
        return 0, f"{subj}{_hen(pred)}"
    if form == "verb":
        if ctx == "deg":
            return None
        return 0, ("" if before.endswith(("能", "可以")) else "能") + pred
    return 0, text


def sayable(frame: str, slot: str, facts: list[Fact], card: Card) -> list[Fact]:
    """The facts that can read in `frame`'s `{slot}` (`say` is not None), in their order."""
    at = frame.find("{" + slot + "}")
    before, after = frame[:at], frame[at + len(slot) + 2 :]
    own = (card.name, card.type_word)
    return [f for f in facts if say(f.text, f.slot, before, after, own, card.type_word) is not None]


@functools.lru_cache(maxsize=16384)
def spoken_forms(text: str, slot: str) -> tuple[str, ...]:
    """The ways the composer may say a fact (`say` in the usual frames), longest first: "音质饱满" is also
    said "音质也很饱满" and "音质很饱满", "轻量" "很轻", "一键清洗" "能一键清洗". A line says the fact when it
    says one of them (`said_in`)."""
    forms = {text}
    for before in ("它", "它还", "，还", "，", "很"):
        for type_word in ("", "洗面奶"):
            said = say(text, slot, before, "。", (), type_word)
            if said and said[1]:
                forms.add(said[1].removeprefix("的"))
    return tuple(sorted(forms, key=len, reverse=True))


def said_in(fact: Fact, line: str) -> bool:
    """Whether `line` says `fact` in its card wording or one of its spoken forms."""
    return any(form in line for form in spoken_forms(fact.text, fact.slot))
