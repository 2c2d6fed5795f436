"""Learn the embedded narrator's resource from E-SyncVidStory-shaped videos (dev.jsonl).

Every reference line becomes typed templates: the product's own attribute terms and name are turned
into slots (private-use characters), the rest stays as text. Each template keeps its label(s), its
position in the ad, a consensus score (expected CIDEr-style similarity to other lines of its label),
the product-bound words left in it (brands, product types) so the writer can refuse a template
that would name something foreign, how much of its fixed wording only its own product's ads say, and
which products say its rarest fixed word (category wording such as 不卡粉). Clauses are templates too,
so budgets can be hit exactly.
The storyline planner's count tables come from the label sequences. Deterministic, so the committed
resource can be checked against a rebuild; `build_resource` takes any subset (cross-validation).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.labels import LABEL_NAMES, canonical_label
from core.narration.knowledge import (
    CLASSIFIERS,
    NAME_KEY,
    TYPE_KEY,
    clean_name,
    knowledge_text,
    product_terms,
    product_type,
    slot_char,
)

FORMAT = 1
MAX_N = 4
_CLAUSE = re.compile(r"[^，。！？!?；;]+[，。！？!?；;]?")
_END = "。！？!?"
_WORD = re.compile(r"[\u4e00-\u9fff]{3}")
KIN_MAX = 6
TYPE_MIN_PRODUCTS = 2
"""A new product's title word is taken as its type ("眼霜") only when this many products' ads say it
after a measure word: one ad's "这个容量" or "这款清爽" would make "这款清泉牌容量". Templates are cut
with every type word (one product's 素颜霜 included), or "◇霜" would be left in them to leak."""
COMMON_WORD = 20
"""A two-character string said by this many products' ads is a common word."""
"""A fixed 3-character word said by at most this many products' ads is category wording."""
_NUMBER_CLAIM = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[%％]|[\u4e00-\u9fffA-Za-z])?")
"""A figure with its unit (4.5%, 24小, 12岁): a fact about the product whose ad said it."""
_SLOTTED = re.compile("[\ue000-\uefff]")


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


def slot_line(
    text: str,
    name: str,
    attributes: Mapping[str, str],
    bound: set[str],
    ptype: str = "",
    words: frozenset[str] = frozenset(),
) -> str:
    """Replace the product's own terms (longest first), type word and name words by typed slot characters.

    A title word other than the brand is not a name where it would cut a common two-character word of
    `words` in two ("持久细腻" is not the title's "持久细" + 腻)."""
    spans: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    terms = sorted(product_terms(attributes), key=lambda t: -len(t.text))
    cands: list[tuple[str, str]] = [(ptype, TYPE_KEY)] if ptype else []
    cands += [(t.text, t.key) for t in terms if t.text != ptype]
    cname = clean_name(name)
    # the spoken name: the start of the title (brand), or a longer product-bound title word
    # ("黑精华", "玉容霜"); short title words ("细纹") are ordinary text
    for n in range(min(8, len(cname)), 1, -1):
        for i in range(len(cname) - n + 1):
            w = cname[i : i + n]
            if w in text and ((w in bound and n >= 3) or i == 0) and not (ptype and w in ptype):
                if i and words and _cuts_a_word(text, w, words):
                    continue
                cands.append((w, NAME_KEY))
    cands.sort(key=lambda c: -len(c[0]))
    for word, key in cands:
        start = 0
        while True:
            j = text.find(word, start)
            if j < 0:
                break
            if not any(taken[j : j + len(word)]):
                spans.append((j, j + len(word), key))
                for k in range(j, j + len(word)):
                    taken[k] = True
            start = j + 1
    spans.sort()
    out, pos = [], 0
    for a, b, key in spans:
        if key == NAME_KEY and a == pos and out and out[-1] == slot_char(NAME_KEY):
            pos = b  # adjacent name words ("欧莱雅" + "黑精华") are one spoken name
            continue
        out.append(text[pos:a])
        out.append(slot_char(key))
        pos = b
    out.append(text[pos:])
    return "".join(s for s in out if s)


def _cuts_a_word(text: str, w: str, words: frozenset[str]) -> bool:
    """Some occurrence of `w` in `text` starts or ends inside a word of `words`."""
    j = text.find(w)
    while j >= 0:
        end = j + len(w)
        if (j and text[j - 1 : j + 1] in words) or (end < len(text) and text[end - 1 : end + 1] in words):
            return True
        j = text.find(w, j + 1)
    return False


def clauses(text: str) -> list[str]:
    return [m.group(0) for m in _CLAUSE.finditer(text) if m.group(0).strip()]


def _grams(text: str, n_max: int = 4) -> set[str]:
    return {text[i : i + n] for n in range(2, n_max + 1) for i in range(len(text) - n + 1)}


def bound_words(videos: Sequence[Mapping[str, Any]]) -> set[str]:
    """Words (2-4 chars) of product titles/terms that ads say only when the product has them.

    A word counts as product-bound when products that say it mostly have it in their knowledge: at
    most max(1, half as many) products say it without having it (brands, product types, special names).
    """
    know: dict[str, str] = {}
    said: dict[str, str] = defaultdict(str)
    for v in videos:
        p = v["product"]
        know[p["name"]] = knowledge_text(p["name"], p.get("attributes", {}))
        said[p["name"]] += "|" + "|".join(c.get("narration", "") for c in v["clips"])
    with_k: Counter[str] = Counter()
    without_k: Counter[str] = Counter()
    for name, text in said.items():
        kg = _grams(know[name])
        for w in _grams(text):
            if not re.search(r"[\u4e00-\u9fffA-Za-z]{2}", w) or "|" in w:
                continue
            if w in kg:
                with_k[w] += 1
            else:
                without_k[w] += 1
    return {w for w, n in with_k.items() if without_k[w] <= max(1, n // 2)}


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


def _vectors(text: str, df: Mapping[str, float], n_docs: int) -> list[dict[str, float]]:
    vecs = []
    for n in range(1, MAX_N + 1):
        counts = Counter(text[i : i + n] for i in range(len(text) - n + 1))
        v = {g: k * (math.log(n_docs) - math.log(max(1.0, df.get(g, 0.0)))) for g, k in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({g: x / norm for g, x in v.items()})
    return vecs


def build_resource(videos: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The narrator resource (plain JSON data) learned from `videos` (dev.jsonl shape)."""
    videos = list(videos)
    bound = bound_words(videos)
    products: list[str] = []
    product_index: dict[str, int] = {}
    product_text: list[str] = []
    product_lines: list[list[str]] = []
    line_places: list[list[str]] = []  # per line: "0" first clip of its ad, "1" middle, "2" last
    brands: Counter[str] = Counter()
    said_prefixes: set[str] = set()
    for v in videos:
        p = v["product"]
        if p["name"] not in product_index:
            product_index[p["name"]] = len(products)
            products.append(p["name"])
            product_text.append(knowledge_text(p["name"], p.get("attributes", {})))
            product_lines.append([])
            line_places.append([])
            cn = clean_name(p["name"])
            for n in (2, 3, 4):
                if len(cn) >= n:
                    brands[cn[:n]] += 1
        n_clips = len(v["clips"])
        for i, c in enumerate(v["clips"]):
            text = str(c.get("narration", "")).strip()
            if text:
                product_lines[product_index[p["name"]]].append(text)
                line_places[product_index[p["name"]]].append(str(ad_place(position_class(i, n_clips))))
        said = "|".join(str(c.get("narration", "")) for c in v["clips"])
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
    types = type_words(videos)  # where learned lines have a type slot
    # Words that follow a brand in titles ("弹力", "男士"): two characters seen after the start of at
    # least two titles; where one begins, an unknown brand ends.
    word_df: Counter[str] = Counter()
    for name in products:
        cn = clean_name(name)
        word_df.update({cn[i : i + 2] for i in range(2, len(cn) - 1)})
    title_words = sorted(w for w, n in word_df.items() if n >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w))

    # How many products' ads say each 3-gram: fixed text only one product's ads say ("不掉裆") is that
    # product's own wording, odd in another product's line.
    spread: Counter[str] = Counter()
    sayers: dict[str, list[int]] = defaultdict(list)  # products whose ads say a 3-gram (rare ones kept)
    for p_id, lines in enumerate(product_lines):
        said3 = {x[i : i + 3] for x in lines for i in range(len(x) - 2)}
        spread.update(said3)
        for g in said3:
            if len(sayers[g]) <= KIN_MAX:
                sayers[g].append(p_id)

    # Two-character words many products' ads say (细腻, 持久): a title word cutting one is not a name.
    pair_spread: Counter[str] = Counter()
    for lines in product_lines:
        pair_spread.update({x[i : i + 2] for x in lines for i in range(len(x) - 1)})
    common = frozenset(
        g for g, k in pair_spread.items() if k >= COMMON_WORD and re.fullmatch(r"[\u4e00-\u9fff]{2}", g)
    )

    # --- templates (whole lines and clauses) ---
    raw: dict[tuple[str, tuple[str, ...], int], list[int]] = {}
    name_slot = slot_char(NAME_KEY)
    whole: set[tuple[str, tuple[str, ...], int]] = set()
    for v in videos:
        p = v["product"]
        pid = product_index[p["name"]]
        n_clips = len(v["clips"])
        for i, c in enumerate(v["clips"]):
            labels = tuple(video_labels(c))
            text = str(c.get("narration", "")).strip()
            if not labels or not text:
                continue
            slotted = slot_line(
                text, p["name"], p.get("attributes", {}), bound, product_type(p["name"], types), common
            )
            pos = position_class(i, n_clips)
            units = [slotted]
            parts = clauses(slotted)
            if len(parts) > 1:
                for k, part in enumerate(parts):
                    piece = (
                        part if part[-1] in _END else part[:-1] + "。" if part[-1] in "，；;" else part + "。"
                    )
                    units.append(piece)
                    if k + 1 < len(parts):
                        nxt = parts[k + 1]
                        pair = part + (nxt if nxt[-1] in _END else nxt[:-1] + "。")
                        units.append(pair)
            if len(slotted) >= 4:
                whole.add((slotted, labels, pos))
            for u in units:
                if len(u) >= 4 and u.count(name_slot) <= 1:  # "这个欧莱雅的欧莱雅" reads badly refilled
                    raw.setdefault((u, labels, pos), []).append(pid)

    # Consensus = expected CIDEr-style similarity to a reference line of the label: idf and the
    # label centroids come from whole lines (what references are), every unit is scored against them.
    line_keys = list(raw)
    whole_keys = sorted(whole)
    df: Counter[str] = Counter()
    for u, _, _ in whole_keys:
        df.update({u[i : i + n] for n in range(1, MAX_N + 1) for i in range(len(u) - n + 1)})
    n_docs = max(2, len(whole_keys))
    centroid: dict[str, list[dict[str, float]]] = {
        lab: [defaultdict(float) for _ in range(MAX_N)] for lab in LABEL_NAMES
    }
    members: Counter[str] = Counter()
    for key in whole_keys:
        vec = _vectors(key[0], df, n_docs)
        for lab in key[1]:
            members[lab] += 1
            for n in range(MAX_N):
                for g, x in vec[n].items():
                    centroid[lab][n][g] += x
    templates = []
    for key in line_keys:
        u, labels, pos = key
        vec = _vectors(u, df, n_docs)
        scores = []
        for lab in labels:
            own = 1 if key in whole else 0
            m = members[lab] - own
            if m <= 0:
                scores.append(0.0)
                continue
            s = 0.0
            for n in range(MAX_N):
                cen = centroid[lab][n]
                s += sum(x * cen[g] for g, x in vec[n].items()) - own * sum(x * x for x in vec[n].values())
            scores.append(10.0 * s / MAX_N / m)
        static = "".join(ch for ch in u if not (0xE000 <= ord(ch) < 0xF000))
        bw = sorted({w for w in _grams(static) if w in bound})
        # keep only maximal bound words
        bw = [w for w in bw if not any(w != o and w in o for o in bw)]
        # a number in the fixed text is another product's claim ("含有4.5%的", "保湿24小时"): the
        # template is only for a product whose knowledge states the same figure
        bw += sorted(set(_NUMBER_CLAIM.findall(static)) - set(bw))
        pids = sorted(set(raw[(u, labels, pos)]))
        fixed = [u[i : i + 3] for i in range(len(u) - 2) if not _SLOTTED.search(u[i : i + 3])]
        own_words = sum(1 for g in fixed if spread[g] <= 1) if len(pids) == 1 else 0
        # category wording ("不卡粉" is said by foundation ads only): the products that say the
        # template's rarest fixed word, when only a few do, so the writer can ask if they are alike
        words = [g for g in fixed if _WORD.fullmatch(g) and 2 <= spread[g] <= KIN_MAX]
        kin = sayers[min(words, key=lambda g: (spread[g], g))] if words else []
        templates.append(
            [
                u,
                [LABEL_NAMES.index(x) for x in labels],
                pos,
                round(sum(scores) / len(scores), 4),
                bw,
                pids[:3],
                own_words,
                kin,
            ]
        )
    templates.sort(key=lambda t: (t[1][0], -t[3], t[0], t[2]))

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
        "product_lines": product_lines,
        "line_places": ["".join(x) for x in line_places],
        "templates": templates,
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
