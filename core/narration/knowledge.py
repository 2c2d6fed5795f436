"""Product knowledge as the narrator uses it: typed terms, a short spoken name, and its text.

Shared by the resource builder and the runtime writer so both slot and fill terms the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

KEYS = (
    "痛点",
    "适用人群/肤质",
    "外观",
    "质地",
    "成分/材质",
    "质量/特性",
    "生产工艺",
    "专利",
    "鉴定/认证",
    "功效",
    "活动优惠",
    "通用卖点",
    "相关产品",
    "品牌故事",
    "售后服务",
)
NAME_KEY = "名称"
TYPE_KEY = "品类"
"""The product type an ad calls it by ("眼霜", "床垫"): a title word, slotted apart from the brand name."""
GENERAL_KEY = "通用卖点"
GENERIC_TYPE = "产品"
SLOT_KEYS = (*KEYS, NAME_KEY, TYPE_KEY)
SLOT_BASE = 0xE000
"""Slots are stored in templates as private-use characters SLOT_BASE + index into SLOT_KEYS."""

FALLBACK_KEYS: dict[str, tuple[str, ...]] = {
    "质地": ("成分/材质", "质量/特性"),
    "成分/材质": ("质地", "质量/特性"),
    "质量/特性": ("功效", "通用卖点"),
    "功效": ("质量/特性", "通用卖点"),
    "通用卖点": ("质量/特性", "功效"),
    "生产工艺": ("专利", "质量/特性"),
    "专利": ("生产工艺", "鉴定/认证"),
    "鉴定/认证": ("专利",),
    "适用人群/肤质": (),
    "外观": (),
    "痛点": (),
    "活动优惠": (),
    "相关产品": (),
    "品牌故事": ("通用卖点",),
    "售后服务": ("活动优惠",),
}

_SPLIT = re.compile(r"[、，,;；/]")
_HEADINGS = frozenset(word for key in KEYS for word in key.split("/")) | {"效果", "产品"}
"""Attribute values that only repeat a heading ("质地" under 质地, "成分"): extraction noise, not knowledge."""
_CJK = re.compile(r"[\u4e00-\u9fff]")


def slot_char(key: str) -> str:
    return chr(SLOT_BASE + SLOT_KEYS.index(key))


def slot_key(ch: str) -> str | None:
    i = ord(ch) - SLOT_BASE
    return SLOT_KEYS[i] if 0 <= i < len(SLOT_KEYS) else None


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


def clean_name(name: str) -> str:
    """The product title without bracketed marketing tags such as 【官方正品】."""
    name = re.sub(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)", "", name)
    return name.strip(" -_/|·")


def short_name(
    name: str,
    brands: frozenset[str] | set[str] = frozenset(),
    title_words: frozenset[str] | set[str] = frozenset(),
) -> str:
    """How an ad calls the product: its brand, the start of the title.

    Titles are keyword lists ("伊诗兰顿弹力眼霜精华..."), so the brand is a known brand prefix (the longest),
    else the characters before the first common title word ("弹力"), 2 to 4 of them, else 3.
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
        return name[:4]
    run = m.group(0)
    for i in range(2, min(5, len(run) - 1)):
        if run[i : i + 2] in title_words:
            return run[:i]
    return run if len(run) <= 4 else run[:3]


CLASSIFIERS = frozenset("款个支瓶套台件双条盒把张罐只")
"""Measure words that precede a product type in speech ("这款眼霜", "这个床垫")."""


def product_type(name: str, type_words: Mapping[str, float]) -> str:
    """The product type word of the title ("眼霜" in "雅诗兰黛...眼霜 淡化细纹"): the best-scored known one.

    Never the title's first characters (those are the brand); ties go to the longer, then earlier word.
    """
    title = clean_name(name)
    best: tuple[float, int, int, str] | None = None
    for n in (4, 3, 2):
        for i in range(2, len(title) - n + 1):
            w = title[i : i + n]
            score = type_words.get(w)
            if score is not None:
                key = (score, n, -i, w)
                if best is None or key > best:
                    best = key
    return best[3] if best else ""


def knowledge_text(name: str, attributes: Mapping[str, str]) -> str:
    """Everything the product itself says, to check that a line names nothing foreign."""
    return name + "|" + "|".join(str(v) for v in attributes.values())


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))
