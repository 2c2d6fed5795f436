"""Learn the embedded narrator's resource from E-SyncVidStory-shaped videos (dev.jsonl).

What the embedded narrator learns from real ads (its lines come from the sentence bank, not from here): the
storyline planner's count tables (label sequences by position and length), the products' text (so a new
product's storyline leans towards similar products'), brand prefixes and type words of titles (the spoken
name), and the character n-gram counts of every narration (the fluency score). Deterministic, so the
committed resource can be checked against a rebuild; `build_resource` takes any subset (cross-validation).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.labels import LABEL_NAMES, canonical_label
from core.narration.compose.fluency import count_grams
from core.narration.compose.lexicon import ONLY_KINDS
from core.narration.knowledge import clean_name, knowledge_text
from core.narration.planner import length_bucket, position_class
from core.narration.resource import FORMAT


def video_labels(clip: Mapping[str, Any]) -> list[str]:
    out = []
    for raw in clip.get("labels", []) or []:
        lab = canonical_label(str(raw))
        if lab and lab not in out:
            out.append(lab)
    return out


def build_resource(videos: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The narrator resource (plain JSON data) learned from `videos` (dev.jsonl shape)."""
    videos = list(videos)
    products: list[str] = []
    product_index: dict[str, int] = {}
    product_text: list[str] = []
    narrations: list[str] = []
    for v in videos:
        p = v["product"]
        if p["name"] not in product_index:
            product_index[p["name"]] = len(products)
            products.append(p["name"])
            product_text.append(knowledge_text(p["name"], p.get("attributes", {})))
        narrations += [str(c.get("narration", "")).strip() for c in v["clips"] if c.get("narration")]
    # the fluency model's counts: every narration's character 1..4-grams (the bank's are added at load)
    grams = count_grams(narrations)
    examples = role_examples(videos)

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
        "products": products,
        "product_text": product_text,
        "fluency": dict(sorted(grams.items())),
        "examples": examples,
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


EXAMPLES_PER_LABEL = 3


def role_examples(videos: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """A few real lines per storyline label for the LLM's prompt: single-label lines of 12-30 characters
    with no figure, no Latin letters, no word of their own product's title (no other brand to copy) and
    no word of one kind of product (skin, make-up, taste), the ones sharing most 2-grams with the label's
    other lines (typical moves, not odd ones)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for v in videos:
        title = clean_name(str(v["product"]["name"]))
        title_pairs = {title[i : i + 2] for i in range(len(title) - 1)}
        for c in v["clips"]:
            labels = video_labels(c)
            text = str(c.get("narration", "")).strip()
            if len(labels) != 1 or not 12 <= len(text) <= 30 or re.search(r"[0-9A-Za-z]", text):
                continue
            if any(text[i : i + 2] in title_pairs for i in range(len(text) - 1)):
                continue
            if any(w in text for w in ONLY_KINDS) or re.search(r"皮|肌|脸|妆|宝宝|头发|睫毛|秀发", text):
                continue  # words of one kind of product: the examples are for any product
            by_label[labels[0]].append(text)
    out: dict[str, list[str]] = {}
    for label, lines in sorted(by_label.items()):
        df: Counter[str] = Counter()
        for x in lines:
            df.update({x[i : i + 2] for i in range(len(x) - 1)})
        scored = sorted(
            set(lines), key=lambda x: (-sum(df[x[i : i + 2]] for i in range(len(x) - 1)) / len(x), x)
        )
        out[label] = scored[:EXAMPLES_PER_LABEL]
    return out


def read_videos(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
