"""`./run bench faithfulness [--lines FILE] [--show]`: is the narrator faithful on products outside beauty care?

Narrates the out-of-category product set (tests/bench/data/faithfulness_products.jsonl, made by
scripts/make_faithfulness_products.py: electronics, food and drink, home and kitchen, toys, sports, pets,
clothing; clip budgets and storylines borrowed from real dev ads) with the storyline given and predicted,
and reports (issue #14):

- name rate: ads in which some line names the product by one of its proper short names or its full title
- truncated names: lines containing a cut-off start of the title (3+ characters, not ending at a title word)
- off-category wording: lines using skin-care usage words the product's knowledge does not say
- grounded lines: lines with a budget of 6+ characters sharing a non-generic two-character word with the
  product's knowledge or name (generic = in >= 3% of dev lines)
- offer in call to action: 引导购买 lines, for products with an offer, that state it (share a non-generic
  two-character word with the offer)
- unsupported claims: lines with a claim word (certification, patent, award, rank, audience, skin effect)
  the product's knowledge never says
- inside budget: lines within chars_min..chars_max
`--lines FILE` writes every line (product, labels, budget, text, flags) for reading; `--show` prints them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "tests" / "bench" / "data" / "faithfulness_products.jsonl"
DEV = ROOT.parent / "shared" / "data" / "esync" / "dev.jsonl"

SKIN_WORDS = (
    "上脸", "贴脸", "推开", "涂抹", "抹开", "油皮", "干皮", "混油", "长痘", "痘痘", "护肤", "吸收", "肤质",
    "毛孔", "肌肤", "皮肤", "敏感肌", "上妆", "卡粉", "脱妆", "持妆", "搓泥", "面膜", "精华液", "素颜",
    "化妆", "妆容", "底妆", "肤色", "乳液", "成膜",
)  # fmt: skip
"""Skin-care usage words: odd in an ad for a bike, a toy or nuts unless the product's knowledge says them."""

CLAIM_WORDS = (
    # certification, patent, tests, awards, ranks
    "认证", "专利", "检测", "质检", "权威", "医护级", "医用", "无毒", "国标", "国家标准", "获奖", "大奖",
    "金奖", "销量第一", "第一名", "排名", "冠军", "榜单", "榜首", "TOP", "好评率", "爆卖", "累计", "临床",
    # audiences
    "宝宝", "婴儿", "婴幼儿", "孕妇", "孕期", "新妈妈", "宝妈", "儿童", "老人", "敏感肌", "油皮", "干皮",
    # skin effects
    "美白", "祛痘", "抗衰", "抗老", "淡斑", "祛斑", "抗皱", "淡纹", "补水", "保湿", "修护", "紧致", "控油",
    "提亮", "嫩肤", "去黑头", "收缩毛孔",
)  # fmt: skip
"""Claims a line may make only when the product's knowledge says them."""

GENERIC_SHARE = 0.03
_PAIR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2}")


def load_products(path: Path = PRODUCTS) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if _PAIR.fullmatch(text[i : i + 2])}


def generic_bigrams(dev_lines: Sequence[str]) -> set[str]:
    df: Counter[str] = Counter()
    for line in dev_lines:
        df.update(bigrams(line))
    return {g for g, k in df.items() if k >= GENERIC_SHARE * len(dev_lines)}


def knowledge_of(product: dict[str, Any]) -> str:
    return product["name"] + "|" + "|".join(str(v) for v in product.get("attributes", {}).values())


def truncated_name(line: str, words: Sequence[str]) -> str | None:
    """The cut-off start of the title the line says (3+ characters ending inside a title word), or None."""
    title = "".join(words)
    ends = set()
    at = 0
    for w in words:
        at += len(w)
        ends.add(at)
    j = line.find(title[:3])
    while j >= 0:
        m = 0
        while j + m < len(line) and m < len(title) and line[j + m] == title[m]:
            m += 1
        if m >= 3 and m not in ends:
            return line[j : j + m]
        j = line.find(title[:3], j + 1)
    return None


def names_product(lines: Iterable[str], item: dict[str, Any]) -> bool:
    names = [*item["names"], item["product"]["name"]]
    return any(n in line for line in lines for n in names)


def claims(line: str, knowledge: str) -> list[str]:
    return [w for w in CLAIM_WORDS if w in line and w not in knowledge]


def off_category(line: str, knowledge: str) -> list[str]:
    return [w for w in SKIN_WORDS if w in line and w not in knowledge]


class Tally:
    def __init__(self) -> None:
        self.c: Counter[str] = Counter()

    def pct(self, num: str, den: str) -> str:
        d = self.c[den]
        return f"{100.0 * self.c[num] / d:.1f}% ({self.c[num]}/{d})" if d else "n/a"


def score(
    items: Sequence[dict[str, Any]], results: Sequence[Sequence[Any]], generic: set[str]
) -> tuple[Tally, list[str]]:
    """Figures for one storyline mode, and the per-line report."""
    t = Tally()
    report: list[str] = []
    for item, lines in zip(items, results):
        product = item["product"]
        know = knowledge_of(product)
        know_pairs = bigrams(know) - generic
        offer = str(product.get("attributes", {}).get("活动优惠", ""))
        offer_pairs = bigrams(offer) - generic
        t.c["ads"] += 1
        t.c["named ads"] += names_product((n.text for n in lines), item)
        report.append(f"## {item['id']} {product['name']} ({item['category']})")
        for n in lines:
            flags = []
            text = n.text
            t.c["lines"] += 1
            if n.chars_min <= len(text) <= n.chars_max:
                t.c["inside"] += 1
            else:
                flags.append("OUT OF BUDGET")
            cut = truncated_name(text, item["title_words"])
            if cut:
                t.c["truncated"] += 1
                flags.append(f"truncated name {cut}")
            odd = off_category(text, know)
            if odd:
                t.c["off-category"] += 1
                flags.append("skin-care words " + ",".join(odd))
            said = claims(text, know)
            if said:
                t.c["claims"] += 1
                flags.append("unsupported " + ",".join(said))
            if n.chars_max >= 6:
                t.c["budget6"] += 1
                if bigrams(text) & know_pairs:
                    t.c["grounded"] += 1
                else:
                    flags.append("not grounded")
            if "引导购买" in n.labels and offer_pairs:
                t.c["cta"] += 1
                if bigrams(text) & offer_pairs:
                    t.c["cta offer"] += 1
                else:
                    flags.append("no offer")
            report.append(
                f"  [{'/'.join(n.labels)}] {n.chars_min}-{n.chars_max} {text}"
                + (f"   <- {'; '.join(flags)}" if flags else "")
            )
    return t, report


ROWS = (
    ("name rate", "named ads", "ads", "100%"),
    ("truncated names", "truncated", "lines", "<= 1%"),
    ("off-category wording", "off-category", "lines", "<= 1%"),
    ("grounded lines", "grounded", "budget6", ">= 90%"),
    ("offer in call to action", "cta offer", "cta", ">= 85%"),
    ("unsupported claims", "claims", "lines", "<= 2%"),
    ("inside budget", "inside", "lines", "100%"),
)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench faithfulness")
    ap.add_argument("--products", type=Path, default=PRODUCTS)
    ap.add_argument("--lines", type=Path, default=None, help="write every line with its flags to FILE")
    ap.add_argument("--show", action="store_true", help="print every line with its flags")
    args = ap.parse_args(argv)
    if not DEV.is_file():
        print(f"{DEV}: not found (generic words are counted on dev lines)", file=sys.stderr)
        return 2
    from core.narration.dataset import video_request
    from core.narration.embedded import EmbeddedNarrator
    from core.narration.learn import read_videos

    items = load_products(args.products)
    generic = generic_bigrams([c["narration"] for v in read_videos(DEV) for c in v["clips"]])
    narrator = EmbeddedNarrator()
    tallies: dict[str, Tally] = {}
    out_lines: list[str] = []
    start = time.perf_counter()
    clips = 0
    for storyline in ("given", "predict"):
        results = []
        for item in items:
            results.append(narrator.narrate(video_request(item, storyline)))
            clips += len(item["clips"])
        tally, report = score(items, results, generic)
        tallies[storyline] = tally
        out_lines += [f"# storyline {storyline}", *report]
    secs = time.perf_counter() - start
    cats = Counter(x["category"] for x in items)
    print(
        f"{len(items)} products outside beauty care ({', '.join(f'{k} {n}' for k, n in sorted(cats.items()))}), "
        f"{sum(len(x['clips']) for x in items)} clips; budgets and storylines borrowed from dev ads"
    )
    print("| figure | goal | storyline given | storyline predicted |")
    print("| --- | --- | --- | --- |")
    for title, num, den, goal in ROWS:
        print(f"| {title} | {goal} | {tallies['given'].pct(num, den)} | {tallies['predict'].pct(num, den)} |")
    print(f"speed: {1000 * secs / max(1, clips):.1f} ms/clip")
    if args.lines:
        args.lines.write_text("\n".join(out_lines) + "\n", encoding="utf-8")
        print(f"lines written to {args.lines}")
    if args.show:
        print("\n".join(out_lines))
    return 0
