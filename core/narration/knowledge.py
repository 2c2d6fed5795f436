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
GENERAL_KEY = "通用卖点"
SLOT_KEYS = (*KEYS, NAME_KEY)
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
            if 2 <= len(part) <= 16 and part not in seen:
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
    """How an ad calls the product: a known brand at the start of the title, else its first word.

    Titles are keyword lists ("欧莱雅黑精华紧致抗初老..."), so the spoken name is a short prefix: a
    brand seen in the data, else 2 characters when a common title word follows them, else 3.
    """
    name = clean_name(name)
    if not name:
        return ""
    m = re.match(r"[A-Za-z][A-Za-z0-9.&'-]*", name)
    if m and len(m.group(0)) >= 2:
        return m.group(0).strip()
    two, three = name[:2] in brands, name[:3] in brands
    if two != three:
        return name[:2] if two else name[:3]
    m = re.match(r"[\u4e00-\u9fff]{2,4}", name)
    if not m:
        return name[:4]
    if name[2:4] in title_words or len(m.group(0)) == 2:
        return name[:2]
    return name[:3]


def knowledge_text(name: str, attributes: Mapping[str, str]) -> str:
    """Everything the product itself says, to check that a line names nothing foreign."""
    return name + "|" + "|".join(str(v) for v in attributes.values())


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))
