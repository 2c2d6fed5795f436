"""The spoken name of a product: what an ad calls it, brand + product type ("美的空气炸锅", "植物医生面霜").

Titles are keyword lists written for search ("【会员加赠】雪肌精套装补水保湿美白淡斑紧致优醇水乳霜正品"), so the
name is built, never cut: the brand is a known brand at the title's start (resources/narrator/names.txt) or
whole jieba words there by the rules below, and the type is the first product-type word after it (the same
lexicon, else knowledge.head_type's rules). A name is never a fragment of a word ("内衣女", "宁美国台式机")
and never a bare brand when a type can be found ("这款公牛" -> 公牛插线板). The user's own
`Product.spoken_name` wins over all of this. Every writer (embedded lines, alternatives, the LLM prompt)
calls `spoken_name(product)`, so the name is the same everywhere.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from core.narration.knowledge import _common, _jieba, clean_name, head_type, short_name, words
from core.platform import resources_dir

LEXICON_NAME = "names.txt"
MAX_NAME = 12
"""Longer derived names are cut back to the type (a long Latin brand + type is still said whole)."""

_LEAD = re.compile(
    r"^(?:官方旗舰店|官方正品|旗舰店|官方|官网|正品|自营|预售|现货|\d{4}新款|新款|[\u4e00-\u9fff]{2,4}同款)[\s/|]*"
)
"""Shop words and 'as worn by X' before the brand: never part of a name."""
_BRACKETED = re.compile(r"(?<=\S)(?:【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\))(?=\S)")
"""A tag inside a title (clean_name drops it, joining the words on either side)."""
_NAME_SUFFIXES = (
    "小姐", "先生", "妈妈", "姐姐", "哥哥", "小子", "女士", "太太", "爸爸", "奶奶", "阿姨", "大叔", "叔叔", "老爹",
    "博士", "教授", "小妹", "小哥", "牌",
)  # fmt: skip
"""Words that end a brand made like a person's name ("波波小姐", "三个爸爸", "清泉牌"): part of the name."""
_COUNTRIES = (
    "泰国",
    "日本",
    "韩国",
    "美国",
    "法国",
    "德国",
    "英国",
    "意大利",
    "澳洲",
    "澳大利亚",
    "新西兰",
    "瑞士",
)
_AGE = re.compile(r"^\d+年")  # "36年经典老国货": a claim, not a brand
_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'.+-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_PROPER = ("nr", "nrt", "ns", "nz", "nt")
_DESCRIPTIVE = ("a", "ad", "an", "d", "v", "vn", "vd")
MAX_LATIN_BRAND = 20
_NOT_BRANDS = """经典 官方 正品 新款 爆款 家用 儿童 婴儿 宝宝 男士 女士 男款 女款 夏季 冬季 春季 秋季 加厚 升级 全新
限定 纯棉 全棉 实木 全铜 硅胶 乳胶 真皮 羊毛 蚕丝 陶瓷 玻璃 不锈钢 竹 棉麻 智能 多功能 便携 无线 迷你 现代 北欧
日式 简约 轻奢 大码 韩版 网红 国货 进口 专业 高端 豪华 商用 定制 批发 整箱"""
NOT_BRANDS = frozenset(_NOT_BRANDS.split())
"""Words that start titles but are never a brand (materials, styles, audiences, shop words)."""
EFFECT_WORDS = (
    "补水",
    "保湿",
    "美白",
    "淡化",
    "修护",
    "紧致",
    "抗皱",
    "控油",
    "提亮",
    "滋润",
    "清洁",
    "淡纹",
)
"""Beauty effects in a title: a "type" that contains one (knowledge.head_type's 补水) is no type."""


@dataclass(frozen=True)
class Lexicon:
    brands: frozenset[str]
    types: frozenset[str]
    generic: frozenset[str]
    weak: frozenset[str]
    modifiers: frozenset[str]
    longest_brand: int
    longest_type: int


def parse_lexicon(text: str) -> Lexicon:
    """names.txt: `[section]` headers, then words separated by spaces or lines; `#` starts a comment."""
    sections: dict[str, set[str]] = {k: set() for k in ("brands", "types", "generic", "weak", "modifiers")}
    current: set[str] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = sections.setdefault(m.group(1), set())
            continue
        if current is not None:
            current.update(line.split())
    brands, generic = frozenset(sections["brands"]), frozenset(sections["generic"])
    weak = frozenset(sections["weak"])
    types = frozenset(sections["types"]) | generic | weak
    return Lexicon(
        brands,
        types,
        generic,
        weak,
        frozenset(sections["modifiers"]),
        max(map(len, brands), default=0),
        max(map(len, types), default=0),
    )


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The names lexicon shipped in resources/narrator (loaded once)."""
    return parse_lexicon((resources_dir() / "narrator" / LEXICON_NAME).read_text(encoding="utf-8"))


def spoken_name(product: Any) -> str:
    """What every line calls the product: the user's `spoken_name` when set, else `derive_name(name)`."""
    own = str(getattr(product, "spoken_name", "") or "").strip()
    return own or derive_name(str(getattr(product, "name", "") or ""))


@functools.lru_cache(maxsize=1024)
def derive_name(title: str) -> str:
    """Brand + product type from a product title ("骑迹自行车"); the type alone when no brand is credible,
    the brand alone only when no type is found; "" for an empty title."""
    brand, ptype = brand_and_type(title)
    if brand and ptype:
        if ptype.startswith(brand) or brand.endswith(ptype):
            return brand if len(brand) >= len(ptype) else ptype
        name = brand + ptype
        return name if len(name) <= MAX_NAME or _LATIN.fullmatch(brand) else ptype
    return brand or ptype


def brand_and_type(title: str) -> tuple[str, str]:
    """The (brand, product type) of a title, each "" when not found. A bracketed tag ("【官方正品】") leaves a
    gap, so no brand or type is joined across it ("Keep【官方正品】5升" is not "Keep5")."""
    text = _strip_lead(clean_name(_BRACKETED.sub(" ", title)))
    if not text:
        return "", ""
    brand = title_brand(text)
    rest = text[len(brand) :] if brand and text.startswith(brand) else text
    ptype = title_type(rest)
    if not ptype:
        ptype = head_type(text, brand)
        if (ptype and brand and ptype in brand) or any(w in ptype for w in EFFECT_WORDS):
            ptype = ""  # "补水" of 海蓝之谜...补水保湿 ends in 水 but is no product
    return brand, ptype


def _strip_lead(text: str) -> str:
    """The title without shop words, celebrity tie-ins, a leading age claim or a country before a brand."""
    while True:
        text = text.strip(" -_/|·*")
        new = _LEAD.sub("", text)
        new = _AGE.sub("", new)
        for c in _COUNTRIES:
            if new.startswith(c) and len(new) > len(c) and new[len(c) :][:1].isascii():
                new = new[len(c) :]  # "泰国Mistine" -> Mistine ("德国柏曼" is a brand of its own)
        if new == text:
            return text
        text = new


def title_brand(text: str) -> str:
    """The brand at the start of a cleaned title: a lexicon brand (longest), else a Latin brand (or the
    Chinese name written right after it: "OLAY玉兰油" -> 玉兰油), else whole jieba words; "" when the title
    starts with a material, a style or the product type itself."""
    lex = lexicon()
    for n in range(min(lex.longest_brand, len(text)), 0, -1):
        if text[:n] in lex.brands:
            return text[:n]
    if text[:1].isascii():
        return _latin_brand(text)
    if _type_at(text, 0):
        return ""  # "补墙膏墙面修补": no brand
    if "之" in text[1:3] and _CJK_RUN.fullmatch(text[:4]) and len(text) > 4:
        return text[:4]  # 肌肤之钥, 海蓝之谜, 发之食谱
    run = _CJK_RUN.match(text)
    if not run:
        return ""
    cjk = run.group(0)
    before_code = (
        2 <= len(cjk) <= 4 and len(cjk) < len(text) and text[len(cjk)].isascii() and text[len(cjk)].isalnum()
    )
    if before_code and not _has_type(cjk) and cjk not in NOT_BRANDS and not _common(cjk):
        return cjk  # "有棵树C级", "伟峰3520": the Chinese run before a model code is the brand
    brand = short_name(cjk)
    if not brand or brand in NOT_BRANDS or _has_type(brand):
        return ""
    suffix = next((x for x in _NAME_SUFFIXES if cjk.startswith(x, len(brand))), "")
    if suffix and len(brand) + len(suffix) <= 6 and not _type_at(cjk, len(brand)):
        return brand + suffix  # "波波小姐", "三个爸爸": the whole name, never "波波"
    after = cjk[len(brand) : len(brand) + 1]
    if after in ("型", "式", "款") or _type_at(cjk, len(brand)) in lex.generic:
        return ""  # "错位型上下床": a property; "喂奶神器": what it is for
    if _common(brand) and not any(f in _PROPER for _, f in words(brand)):
        return ""  # an everyday word ("经典", "自然") is not a brand unless the lexicon says so
    ws = words(brand)
    if len(ws) == 1 and ws[0][1] in _DESCRIPTIVE and _jieba().tokenizer.FREQ.get(brand, 0):
        return ""  # "完美全面升级...", "喂奶神器": an adjective or a verb of the dictionary, not a name
    return brand


def _latin_brand(text: str) -> str:
    m = _LATIN.match(text)
    if not m:
        return ""
    brand = m.group(0).rstrip(".-+&'")
    if len(brand) > MAX_LATIN_BRAND:
        return ""  # a code or noise, not a name
    rest = text[m.end() :]
    two = re.match(r" ([A-Z]{3,})(?=[\u4e00-\u9fff ]|$)", rest)
    if two and brand.isupper():
        brand, rest = brand + " " + two.group(1), rest[two.end() :]  # BOBBI BROWN
    if not re.search("[A-Za-z]", brand):
        if 2 <= len(brand) <= 4 and rest[:1] and _CJK_RUN.match(rest):
            return brand  # "943官方旗舰店": a number brand
        return ""
    trailing = re.search(r"[A-Za-z]\d{3,}$", brand)
    if trailing:
        brand = brand[: trailing.start() + 1]  # zuru2023 -> zuru
    rest = rest.lstrip(" /")
    lex = lexicon()
    for n in range(min(lex.longest_brand, len(rest)), 1, -1):
        if rest[:n] in lex.brands:
            return rest[:n]  # "BOBBI BROWN芭比波朗": the Chinese name an ad says
    return _transliteration(rest) or brand


def _transliteration(rest: str) -> str:
    """The Chinese brand right after a Latin one ("玉兰油", "苏菲娜", "迈克达威"): a dictionary proper noun,
    with a rare single character or a second proper noun joined (at most 4 characters)."""
    ws = words(rest)
    if not ws:
        return ""
    w, f = ws[0]
    freq = _jieba().tokenizer.FREQ
    if f not in _PROPER or not freq.get(w, 0) or not _CJK_RUN.fullmatch(w) or not 2 <= len(w) <= 4:
        return ""
    if _has_type(w):
        return ""
    out = w
    for nxt, nf in ws[1:3]:
        if not _CJK_RUN.fullmatch(nxt) or len(out) + len(nxt) > 4 or _type_at(rest, len(out)):
            break
        rare_char = len(nxt) == 1 and freq.get(nxt, 0) < 2000  # 苏菲 + 娜
        second_name = len(nxt) == 2 and nf in _PROPER and len(out) == 2  # 迈克 + 达威
        if rare_char or second_name:
            out += nxt
        break
    return out


def _type_at(text: str, i: int) -> str:
    """The longest lexicon type starting at text[i], or ""."""
    lex = lexicon()
    for n in range(min(lex.longest_type, len(text) - i), 1, -1):
        if text[i : i + n] in lex.types:
            if text[i + n : i + n + 1] in ("机", "器") and text[i + n - 1] not in "机器":
                n += 1  # 咖啡机, 酸奶机: the machine that makes it
            return text[i : i + n]
    return ""


def _has_type(text: str) -> bool:
    return any(_type_at(text, i) for i in range(len(text)))


def types_in(text: str) -> list[tuple[int, str]]:
    """Lexicon types in `text`, left to right, longest at each position, not overlapping."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(text):
        t = _type_at(text, i)
        if t:
            for j in range(i + 1, i + len(t)):
                inner = _type_at(text, j)
                if j + len(inner) > i + len(t):
                    i, t = j, inner  # "儿童床垫": 儿童 + 床垫, not 儿童床 + 垫
                    break
            out.append((i, t))
            i += len(t)
        else:
            i += 1
    return out


def title_type(text: str) -> str:
    """The product type a title names first ("电动牙刷" of 飞利浦电动牙刷成人...宝藏刷): the first lexicon
    type that is not generic, or the one it modifies ("洗衣机龙头" -> 龙头); a weak one (红茶), then a
    generic one (玩具) only when nothing else is named."""
    lex = lexicon()
    found = types_in(text)
    for k, (i, t) in enumerate(found):
        if t in lex.generic or t in lex.weak:
            continue
        if t in lex.modifiers and k + 1 < len(found):
            j, nxt = found[k + 1]
            if j == i + len(t) and nxt not in lex.generic:
                return nxt
        return t
    for weaker in (lex.weak, lex.generic):
        for _, t in found:
            if t in weaker:
                return t
    return ""
