"""Learn the embedded narrator's resource from E-SyncVidStory-shaped videos (dev.jsonl).

What the embedded narrator learns from real ads (its lines come from the sentence bank, not from here): the
storyline planner's count tables (label sequences by position and length), the products' text (so a new
product's storyline leans towards similar products'), brand prefixes and type words of titles (the spoken
name), and the character n-gram counts of every narration (the fluency score). Deterministic, so the
committed resource can be checked against a rebuild; `build_resource` takes any subset (cross-validation).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.labels import LABEL_NAMES, canonical_label
from core.narration.compose.fluency import count_grams
from core.narration.knowledge import CLASSIFIERS, clean_name, knowledge_text

FORMAT = 2
TYPE_MIN_PRODUCTS = 2
"""A new product's title word is taken as its type ("眼霜") only when this many products' ads say it
after a measure word: one ad's "这个容量" or "这款清爽" would make "这款清泉牌容量"."""


def position_class(index: int, count: int) -> int:
    """0 first, 1 second, 2 middle, 3 second to last, 4 last (one clip counts as first)."""
    if index <= 0:
        return 0
    if index >= count - 1:
        return 4
    if index == 1:
        return 1
    if index == count - 2:
        return 3
    return 2


def ad_place(pos: int) -> int:
    """Place of a position class in its ad: 0 the first clip, 2 the last, 1 any other (ads open and
    close differently from their middle)."""
    return 0 if pos == 0 else 2 if pos == 4 else 1


def length_bucket(chars: int) -> int:
    for i, edge in enumerate((12, 18, 25, 35, 50, 70)):
        if chars < edge:
            return i
    return 6


def video_labels(clip: Mapping[str, Any]) -> list[str]:
    out = []
    for raw in clip.get("labels", []) or []:
        lab = canonical_label(str(raw))
        if lab and lab not in out:
            out.append(lab)
    return out


def type_words(videos: Sequence[Mapping[str, Any]], min_products: int = 1) -> dict[str, float]:
    """Title words that name a product type, scored: said by the ads of products whose title has them,
    and spoken after a measure word ("这款眼霜") rather than as a quality ("很细腻").

    Only words after the title's first two characters count (those are the brand). `min_products`:
    how many products' ads must say the word after a measure word.
    """
    said: dict[str, str] = defaultdict(str)
    for v in videos:
        said[v["product"]["name"]] += "|" + "|".join(str(c.get("narration", "")) for c in v["clips"])
    n_title: Counter[str] = Counter()
    n_said: Counter[str] = Counter()
    occurrences: Counter[str] = Counter()
    after_measure: Counter[str] = Counter()
    measured_by: Counter[str] = Counter()  # products whose ads say it after a measure word
    for name, text in said.items():
        title = clean_name(name)
        words = {
            title[i : i + n]
            for n in (2, 3, 4)
            for i in range(2, len(title) - n + 1)
            if re.fullmatch(r"[\u4e00-\u9fff]+", title[i : i + n])
        }
        for w in words:
            n_title[w] += 1
            j = text.find(w)
            if j < 0:
                continue
            n_said[w] += 1
            measured = False
            while j >= 0:
                occurrences[w] += 1
                if j > 0 and text[j - 1] in CLASSIFIERS:
                    after_measure[w] += 1
                    measured = True
                j = text.find(w, j + 1)
            measured_by[w] += measured
    out = {}
    for w, nt in n_title.items():
        if nt >= 2 and n_said[w] >= 2 and measured_by[w] >= max(1, min_products):
            measure = after_measure[w] / occurrences[w]
            if measure >= 0.15:
                out[w] = round(n_said[w] / nt + measure, 3)
    return out


def build_resource(videos: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The narrator resource (plain JSON data) learned from `videos` (dev.jsonl shape)."""
    videos = list(videos)
    products: list[str] = []
    product_index: dict[str, int] = {}
    product_text: list[str] = []
    brands: Counter[str] = Counter()
    said_prefixes: set[str] = set()
    narrations: list[str] = []
    for v in videos:
        p = v["product"]
        if p["name"] not in product_index:
            product_index[p["name"]] = len(products)
            products.append(p["name"])
            product_text.append(knowledge_text(p["name"], p.get("attributes", {})))
            cn = clean_name(p["name"])
            for n in (2, 3, 4):
                if len(cn) >= n:
                    brands[cn[:n]] += 1
        said = "|".join(str(c.get("narration", "")) for c in v["clips"])
        narrations += [str(c.get("narration", "")).strip() for c in v["clips"] if c.get("narration")]
        cn = clean_name(p["name"])
        for n in (2, 3, 4):
            if len(cn) >= n and cn[:n] in said:
                said_prefixes.add(cn[:n])
    # A brand is a title prefix said in its ads; a longer prefix only when nearly all products sharing
    # the first two characters have it ("雅诗兰黛" yes, "欧莱雅黑" no).
    brand_set = sorted(
        w
        for w in brands
        if w in said_prefixes
        and re.fullmatch(r"[\u4e00-\u9fff]+", w)
        and brands[w] >= 2
        and (len(w) == 2 or brands[w] >= 0.75 * brands[w[:2]])
    )
    # only whole brands: "雅诗" and "自然" are cut-offs of 雅诗兰黛 and 自然堂 ("自然" is also a word)
    brand_set = [w for w in brand_set if not any(o != w and o.startswith(w) for o in brand_set)]
    # Words that follow a brand in titles ("弹力", "男士"): two characters seen after the start of at
    # least two titles; where one begins, an unknown brand ends.
    word_df: Counter[str] = Counter()
    for name in products:
        cn = clean_name(name)
        word_df.update({cn[i : i + 2] for i in range(2, len(cn) - 1)})
    title_words = sorted(w for w, n in word_df.items() if n >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w))
    # the fluency model's counts: every narration's character 1..4-grams (the bank's are added at load)
    grams = count_grams(narrations)

    # --- planner tables ---
    n_lab = len(LABEL_NAMES)
    prior = [0.5] * n_lab
    by_pos = [[0.0] * n_lab for _ in range(5)]
    by_len = [[0.0] * n_lab for _ in range(7)]
    trans = [[0.0] * n_lab for _ in range(n_lab + 1)]  # row n_lab = start
    pair: Counter[tuple[int, int]] = Counter()
    multi_by_len = [[0, 0] for _ in range(7)]
    product_labels = [[0.0] * n_lab for _ in products]  # label mass of each product's ads (kNN prior)
    for v in videos:
        prev = n_lab
        n_clips = len(v["clips"])
        own = product_labels[product_index[v["product"]["name"]]]
        for i, c in enumerate(v["clips"]):
            labels = [LABEL_NAMES.index(x) for x in video_labels(c)]
            if not labels:
                continue
            for lab in labels:
                own[lab] = round(own[lab] + 1.0 / len(labels), 4)
            target = (int(c.get("chars_min", 0)) + int(c.get("chars_max", 0))) // 2
            lb = length_bucket(target)
            multi_by_len[lb][0] += 1
            multi_by_len[lb][1] += len(labels) > 1
            for lab in labels:
                w = round(1.0 / len(labels), 4)
                prior[lab] += w
                by_pos[position_class(i, n_clips)][lab] += w
                by_len[lb][lab] += w
                trans[prev][lab] += w
            for a in labels:
                for b in labels:
                    if a != b:
                        pair[(a, b)] += 1
            prev = labels[0]
    cooc = [[pair[(a, b)] for b in range(n_lab)] for a in range(n_lab)]
    return {
        "format": FORMAT,
        "labels": list(LABEL_NAMES),
        "brands": brand_set,
        "title_words": title_words,
        "type_words": type_words(videos, TYPE_MIN_PRODUCTS),  # what a new product's title may use
        "products": products,
        "product_text": product_text,
        "fluency": dict(sorted(grams.items())),
        "planner": {
            "prior": prior,
            "by_pos": by_pos,
            "by_len": by_len,
            "trans": trans,
            "cooc": cooc,
            "multi_by_len": multi_by_len,
            "product_labels": product_labels,
        },
    }


def encode_resource(resource: Mapping[str, Any]) -> bytes:
    """Deterministic gzip'd JSON (fixed mtime, sorted keys) so rebuilds are byte-identical."""
    data = json.dumps(resource, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return gzip.compress(data, compresslevel=9, mtime=0)


def decode_resource(blob: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(blob).decode("utf-8"))


def read_videos(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
