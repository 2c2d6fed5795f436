"""Product knowledge helpers: card terms, brands and product types from the title, and warnings.

Brands and types from whole jieba words of the title (short_name, head_type; core.narration.naming builds the
spoken name on them), the card's text (knowledge_text), the labels that need knowledge of their own
(CLAIM_LABELS), the words the faithfulness tests and bench treat as skin-care usage or claims (SKIN_USAGE,
CLAIM_WORDS), and `knowledge_warnings`, which names the fields the writer could not use
(core.narration.compose.facts types every value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.narration.words import KEYS as KEYS
from core.narration.words import _jieba as _jieba
from core.narration.words import clean_name as clean_name
from core.narration.words import words as words

NAME_KEY = "名称"
TYPE_KEY = "品类"
"""The product type an ad calls it by ("眼霜", "床垫"): a title word, slotted apart from the brand name."""
GENERAL_KEY = "通用卖点"
GENERIC_TYPE = "产品"
_SPLIT = re.compile(r"[、，,;；/]")
_HEADINGS = frozenset(word for key in KEYS for word in key.split("/")) | {"效果", "产品"}
"""Attribute values that only repeat a heading ("质地" under 质地, "成分"): extraction noise, not knowledge."""
_CJK = re.compile(r"[\u4e00-\u9fff]")


def canonical_key(key: str) -> str:
    """Known attribute keys stay; unknown ones count as general selling points."""
    key = key.strip()
    return key if key in KEYS else GENERAL_KEY


@dataclass(frozen=True)
class Term:
    text: str
    key: str


def product_terms(attributes: Mapping[str, str]) -> list[Term]:
    """Attribute values split at '、' (and similar), typed by key, de-duplicated, 2..16 characters."""
    out: list[Term] = []
    seen: set[str] = set()
    for key, value in attributes.items():
        ck = canonical_key(str(key))
        for part in _SPLIT.split(str(value)):
            part = part.strip()
            if 2 <= len(part) <= 16 and part not in seen and part not in _HEADINGS:
                seen.add(part)
                out.append(Term(part, ck))
    return out


_PROPER = ("nr", "ns", "nt", "nz", "nrt", "nrfg")


def _split_word(word: str) -> list[str]:
    """The dictionary words a long jieba word is made of ("天才儿童" -> 天才, 儿童), or the word itself."""
    tk = _jieba().tokenizer
    parts = [w for w in tk.lcut(word, cut_all=True) if len(w) > 1]
    out, at = [], 0
    for w in parts:
        if word.startswith(w, at):
            out.append(w)
            at += len(w)
    return out if at == len(word) else [word]


def _jieba_brand(title: str) -> str:
    """The brand as whole jieba words of the title's start: "麦富迪", "南极人" (南极 + 人), "三只松鼠"."""
    ws = [(w, f) for w, f in words(title) if w.strip()]
    if not ws:
        return ""
    brand, flag = ws[0]
    i = 1
    while i < len(ws) and re.fullmatch(r"[\u4e00-\u9fff]+", ws[i][0]):
        nxt, nflag = ws[i]
        one_char = len(brand) == 1
        numeral = flag == "m" and len(brand) <= 2  # 三只 + 松鼠
        split_name = len(brand) == 2 and flag in _PROPER and len(nxt) == 1 and nflag[:1] in ("n", "g")
        if not (one_char or numeral or split_name):
            break
        if len(brand) + len(nxt) > 4:
            head = _split_word(nxt)[0]
            if len(brand) + len(head) > 4 or head == nxt:
                break
            brand += head
            break
        brand += nxt
        flag = nflag
        i += 1
    return brand


def short_name(
    name: str,
    brands: frozenset[str] | set[str] = frozenset(),
    title_words: frozenset[str] | set[str] = frozenset(),
) -> str:
    """How an ad calls the product: its brand, whole words at the start of the title.

    Titles are keyword lists ("伊诗兰顿弹力眼霜精华..."), so the brand is a known brand prefix (the longest),
    else the characters before a common title word ("弹力") 2 to 4 characters in, else the first word(s)
    of the title as jieba segments it ("麦富迪狗粮" -> 麦富迪, "李宁飞电跑鞋" -> 李宁): never a character
    count cut ("李宁飞").
    """
    name = clean_name(name)
    if not name:
        return ""
    m = re.match(r"[A-Za-z][A-Za-z0-9.&'-]*", name)
    if m and len(m.group(0)) >= 2:
        return m.group(0).strip()
    for n in (4, 3, 2):  # the longest known brand ("雅诗兰黛", not "雅诗")
        if name[:n] in brands:
            return name[:n]
    m = re.match(r"[\u4e00-\u9fff]{2,}", name)
    if not m:
        return _jieba_brand(name)[:8] or name[:4]
    run = m.group(0)
    ws = words(run)
    if len(ws) >= 2 and len(ws[0][0]) >= 2 and ws[0][1] in _PROPER and _common(ws[1][0]):
        return ws[0][0]  # "乐高" of 乐高城市系列: a name, then an everyday word
    if (
        len(ws) >= 2
        and len(ws[0][0]) >= 2
        and ws[0][1] in _PROPER
        and ws[1][1] not in (*_PROPER, "eng")
        and (len(ws[1][0]) >= 2 or ws[1][1][:1] not in ("n", "g"))  # 南极 + 人 is one name
    ):
        return ws[0][0]  # "瑞幸" of 瑞幸挂耳咖啡: a name, then what it is
    ends = set()
    at = 0
    for w, _ in ws:
        at += len(w)
        ends.add(at)
    for i in range(2, min(5, len(run) - 1)):
        if run[i : i + 2] in title_words and i in ends:  # "萌兔毛绒" of 萌兔毛绒玩具 would cut a word
            return run[:i]
    return _jieba_brand(run) or run[:2]


def _common(word: str) -> bool:
    """An everyday word (frequent in jieba's dictionary), not the rest of a brand name ("兰顿")."""
    return len(word) >= 2 and _jieba().tokenizer.FREQ.get(word, 0) >= 2000


_TYPE_HEADS = frozenset(
    "煲车锅机器鞋服衣裤裙恤衫包表灯垫粮砂汁水茶啡果具木仔偶标盘源宝脯干球杯壶箱柜椅桌床被枕帽袜笔本镜伞扇罩奶酒饮饼肉米面盒架泵刀剪铲勺碗盆桶袋线筒扣绳尺琴仪秤键屏卡筐篮箱耳"
)
"""Last characters of Chinese product-type nouns (自行车, 炒锅, 耳机, 跑鞋, 狗粮, 猫砂, 橙汁, 积木 ...)."""
_NOT_TYPES = frozenset(
    [
        "家用",
        "男士",
        "女士",
        "男款",
        "女款",
        "男女",
        "夏季",
        "冬季",
        "春季",
        "秋季",
        "礼盒",
        "整箱",
        "系列",
        "特产",
        "大容量",
        "通用型",
        "全价",
        "官方",
        "正品",
        "名牌",
        "套装",
        "新款",
        "爆款",
        "儿童",
        "男子",
        "女子",
        "男童",
        "女童",
        "成人",
        "学生",
        "办公",
        "便携",
        "多功能",
        "无线",
        "智能",
        "家庭",
        "客厅",
        "卧室",
        "厨房",
        "户外",
        "室内",
        "加厚",
        "升级",
    ]
)


def head_type(name: str, brand: str = "") -> str:
    """The product-type noun of a title (see _head_type), from jieba's words with its HMM for unknown
    words, else from dictionary words only ("气泡水白桃味" is one HMM word, 气泡 + 水 + ... otherwise)."""
    return _head_type(name, brand, True) or _head_type(name, brand, False)


def _head_type(name: str, brand: str, hmm: bool) -> str:
    """The product-type noun of a title outside the learned types, from whole jieba words after the brand:
    a noun ending in a product head character, with the noun before it when both fit in 4 characters
    ("美的无油空气炸锅" -> 空气炸锅, "...公路自行车" -> 自行车), single-character nouns joined (狗 + 粮)."""
    title = clean_name(name)
    if brand and title.startswith(brand):
        title = title[len(brand) :]
    # a title with spaces is a few phrases ("麦富迪 鸡肉双拼成犬狗粮 10kg"); a phrase ends in its head noun
    # (Chinese puts the thing last: 鸡肉双拼 ... 狗粮), while a keyword run without spaces names it first
    spaced = bool(re.search(r"\S\s+\S", title.strip()))
    chunks: list[list[tuple[str, str]]] = [[]]
    for w, f in words(title, hmm):
        if not w.strip():
            chunks.append([])
        elif re.fullmatch(r"[\u4e00-\u9fffA-Za-z]+", w):
            chunks[-1].append((w, f))
    robot = ""
    for ws in chunks:
        found = _chunk_types(ws)
        if not spaced and len(found) > 1 and found[0][-1] == "肉":
            found = found[1:]  # 鸡肉 ... 狗粮: a flavour before the thing
        if found:
            return found[-1] if spaced else found[0]
        for k, (w, _) in enumerate(ws):
            if w == "机器人" and not robot:  # 扫地机器人
                before = ws[k - 1][0] if k else ""
                ok = len(before) == 2 and ws[k - 1][1][:1] == "n"
                robot = before + w if ok else w
    return robot


def _chunk_types(ws: Sequence[tuple[str, str]]) -> list[str]:
    """The product-type nouns among a phrase's words, in title order (see _head_type)."""
    merged: list[tuple[str, str]] = []
    for w, f in ws:  # 狗 + 粮, 瑜伽 + 垫: single characters stick to the noun before them
        stick = f[:1] in ("n", "g", "z") and merged and merged[-1][1][:1] in ("n", "g")
        stick = stick or (w in _TYPE_HEADS and merged and len(merged[-1][0]) == 2)  # 充电 + 宝
        if merged and len(merged[-1][0]) == 1 and w not in _TYPE_HEADS:
            stick = False  # 成犬 + 狗粮: 犬 and 狗 are two words, 狗 + 粮 one
        if merged and len(w) == 1 and stick:
            prev = merged[-1][0]
            if len(prev) + 1 <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", prev):
                merged[-1] = (prev + w, "n")
                continue
        merged.append((w, f))
    found = []
    for k, (w, f) in enumerate(merged):
        if len(w) < 2 or w in _NOT_TYPES or w[-1] not in _TYPE_HEADS or f[:1] not in ("n", "v", "g"):
            continue
        if w[0] in "无不免零防抗":  # 无油, 不粘: a property, not the thing
            continue
        if k and merged[k - 1][1][:1] == "n" and len(merged[k - 1][0]) + len(w) <= 4:
            before = merged[k - 1][0]
            if before not in _NOT_TYPES and len(before) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", before):
                found.append(before + w)
                continue
        if len(w) == 3 and w[0] == w[1]:
            w = w[1:]  # 猫猫 + 粮 is 猫粮
        found.append(w)
    return found

    return ""


def knowledge_text(name: str, attributes: Mapping[str, str]) -> str:
    """Everything the product itself says, to check that a line names nothing foreign."""
    return name + "|" + "|".join(str(v) for v in attributes.values())


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


SKIN_USAGE = (
    "上脸", "贴脸", "推开", "涂抹", "抹开", "油皮", "干皮", "混油", "混干", "长痘", "痘", "护肤", "吸收",
    "肤质", "肤感", "毛孔", "肌肤", "皮肤", "敏感肌", "上妆", "卡粉", "脱妆", "持妆", "搓泥", "面膜", "精华",
    "素颜", "化妆", "妆", "肤色", "乳液", "成膜", "脸", "肌", "涂", "抹", "姐妹", "美女", "质地", "补水",
    "保湿", "滋润", "水润", "黑眼圈", "细纹", "皱纹", "暗沉", "服帖", "肤", "眼周", "唇", "T区", "毛孔",
    "油光", "长斑", "斑", "熬夜", "显白", "光泽", "霜", "乳", "温和", "用量", "刺激", "清洁", "洗", "香味",
    "留香", "发丝", "头发", "秀发", "软软滑滑", "水油", "透亮", "气色", "遮瑕", "粉", "眼睛", "嘴",
)  # fmt: skip
"""Skin-care usage words: odd in a line for a product outside beauty care unless its card says them (tests)."""

CLAIM_WORDS = (
    "认证", "专利", "检测", "质检", "权威", "医护级", "医用", "医生", "无毒", "国标", "国家标准", "获奖", "大奖",
    "金奖", "销量第一", "第一名", "排名", "冠军", "榜单", "榜首", "TOP", "好评率", "爆卖", "累计", "临床",
    "实验", "零添加", "纯天然", "万人", "明星", "同款", "研发", "科研", "排行", "热销", "第一",
    "进口", "天猫", "淘宝", "京东", "抖音", "直播间", "旗舰店",
    "宝宝", "婴儿", "婴幼儿", "孕妇", "孕期", "新妈妈", "宝妈", "儿童", "孩子", "老人", "敏感肌", "油皮", "干皮",
    "男士", "女士", "男生", "女生", "学生",
    "美白", "祛痘", "抗衰", "抗老", "淡斑", "祛斑", "抗皱", "淡纹", "补水", "保湿", "修护", "修复", "紧致",
    "控油", "提亮", "嫩肤", "去黑头", "收缩毛孔", "去屑", "防脱", "除菌", "抑菌", "杀菌", "除螨",
)  # fmt: skip
"""Claims (certification, patent, test, award, rank, audience, effect, where it is sold) a line may make
only when the product's knowledge says them."""

CLAIM_LABELS: dict[str, tuple[str, ...]] = {
    "安全认证": ("鉴定/认证", "专利"),
    "鉴定展示": ("鉴定/认证", "专利"),
    "生产过程": ("生产工艺",),
}
"""Storyline labels that need knowledge of their own; without it the planner does not predict them."""


def has_knowledge_for(label: str, attributes: Mapping[str, str]) -> bool:
    """Whether the product's knowledge can back a 安全认证 / 鉴定展示 / 生产过程 line (other labels: yes)."""
    keys = CLAIM_LABELS.get(label)
    if keys is None:
        return True
    return any(str(attributes.get(k, "")).strip() for k in keys)


MIN_FACTS = 3
"""Fewer usable facts than this is too little to narrate a whole ad without repeating itself."""


def knowledge_warnings(product: Any) -> list[str]:
    """English one-line warnings about the product knowledge (empty: the knowledge is sufficient): no name,
    too few facts the writer can voice, and each field that had values but nothing usable
    ("活动优惠: nothing usable (codes, fragments or noise)").

    `product` is a core.project.Product (anything with `name` and `attributes`)."""
    from core.narration.compose.facts import read_card

    out: list[str] = []
    name = clean_name(str(getattr(product, "name", "") or ""))
    attributes = {str(k): str(v) for k, v in (getattr(product, "attributes", None) or {}).items()}
    if not name:
        out.append("the product has no name: lines cannot name it")
    brand = short_name(name) if name else ""
    card = read_card(name, attributes, brand, head_type(name, brand) if name else "", brand)
    n = len(card.facts)
    if n < MIN_FACTS:
        out.append(
            f"the product knowledge has only {n} fact{'' if n == 1 else 's'}: "
            "lines will be generic or repeat it (add selling points, materials, offers)"
        )
    for key in card.unusable:
        if key not in ("相关产品", "品牌故事"):
            out.append(f"{key}: nothing usable (codes, fragments or noise): the lines leave it out")
    return out
