"""Words of product cards shared by the knowledge helpers and the writer: the card's field names, titles
without marketing tags, and jieba's words with their part of speech (loaded once, on first use)."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

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


def clean_name(name: str) -> str:
    """The product title without bracketed marketing tags such as 【官方正品】."""
    name = re.sub(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)", "", name)
    return name.strip(" -_/|·")


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:
    """A private jieba POS tokenizer (the global one is left alone), loaded on first use (~0.5 s)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    # POSTokenizer(tokenizer) would read the word tags again (importing jieba.posseg already did, ~0.5 s):
    # take a copy of the global tagger's table instead
    tagger: Any = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    tagger.tokenizer = tokenizer
    tagger.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
    return tagger


@functools.lru_cache(maxsize=4096)
def words(text: str, hmm: bool = True) -> tuple[tuple[str, str], ...]:
    """(word, part of speech) of `text` by jieba (its default dictionary, and HMM for unknown words)."""
    return tuple((p.word, p.flag) for p in _jieba().cut(text, HMM=hmm))
