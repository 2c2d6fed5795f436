"""`./run bench narrator [--folds K] [--narrator embedded|llm --model DIR]`: cross-validated narration quality.

Splits ../shared/data/esync/dev.jsonl by product name into K folds; for each fold the embedded resource is
built from the other folds only, and the held-out videos are narrated with references blanked, storyline
given and predicted. Two baselines run on the same folds: retrieval (a training line with the same label
and the nearest length) and a naive attribute template. Also times start-up and ms per clip.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "esync" / "dev.jsonl"


def fold_of(name: str, k: int) -> int:
    return int(hashlib.md5(name.encode("utf-8")).hexdigest(), 16) % k


def blank(videos: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(list(videos))
    for v in out:
        for c in v["clips"]:
            c["narration"] = ""
    return out


def retrieval_baseline(train: Sequence[dict], test: Sequence[dict]) -> list[dict]:
    """A training line with the clip's (first) label and the length closest to its budget."""
    from core.labels import canonical_label

    pool: dict[str, list[str]] = {}
    for v in train:
        for c in v["clips"]:
            for lab in c["labels"][:1]:
                pool.setdefault(canonical_label(lab) or lab, []).append(c["narration"])
    out = []
    for v in test:
        clips = []
        for c in v["clips"]:
            lab = canonical_label(c["labels"][0]) if c["labels"] else None
            target = (c["chars_min"] + c["chars_max"]) // 2
            lines = pool.get(lab or "", []) or [x for xs in pool.values() for x in xs]
            best = min(lines, key=lambda s: (abs(len(s) - target), s))
            clips.append({"index": c["index"], "labels": c["labels"], "narration": best})
        out.append({"id": v["id"], "clips": clips})
    return out


def template_baseline(test: Sequence[dict]) -> list[dict]:
    """A fixed sentence per label with the product's first matching attribute term (no length control)."""
    from core.narration.knowledge import product_terms, short_name

    patterns = {
        "产品推荐": "今天给大家推荐这款{name}。",
        "痛点铺垫": "你是不是也有{痛点}的烦恼？",
        "引导购买": "现在下单{活动优惠}，赶紧入手吧。",
        "外观设计": "它的外观{外观}，非常好看。",
        "质地/成分/材质": "它的质地{质地}，含有{成分/材质}。",
        "产品试用": "用起来{质地}，非常方便。",
        "产品功效": "它能{功效}，效果很好。",
        "质量/特性介绍": "它{质量/特性}，品质很好。",
    }
    out = []
    for v in test:
        terms: dict[str, str] = {}
        for t in product_terms(v["product"].get("attributes", {})):
            terms.setdefault(t.key, t.text)
        name = short_name(v["product"].get("name", "")) or "产品"
        clips = []
        for c in v["clips"]:
            pat = patterns.get(c["labels"][0] if c["labels"] else "", "这款{name}{通用卖点}，真的很不错。")
            text = pat.replace("{name}", name)
            for key in ("痛点", "活动优惠", "外观", "质地", "成分/材质", "功效", "质量/特性", "通用卖点"):
                text = text.replace("{" + key + "}", terms.get(key, terms.get("功效", "")))
            clips.append({"index": c["index"], "labels": c["labels"], "narration": text})
        out.append({"id": v["id"], "clips": clips})
    return out


def narrate_all(narrator: Any, test: Sequence[dict], storyline: str) -> tuple[list[dict], float, int]:
    from core.narration.dataset import result_row, video_request

    rows, clips = [], 0
    start = time.perf_counter()
    for v in blank(test):
        request = video_request(v, storyline)
        rows.append(result_row(v, narrator.narrate(request)))
        clips += len(v["clips"])
    return rows, time.perf_counter() - start, clips


def startup_seconds() -> float:
    """Wall time of a fresh process that loads the bundled narrator and narrates a 10-clip ad."""
    code = (
        "import time; t=time.perf_counter();"
        "from core.narration.registry import create_narrator;"
        "from core.narration.base import NarrationRequest, ClipRequest;"
        "from core.project import Product;"
        "n=create_narrator('embedded');"
        "p=Product('欧莱雅玻尿酸精华',{'功效':'补水、保湿','活动优惠':'买一送一'});"
        "r=NarrationRequest(p, tuple(ClipRequest(i, 4000) for i in range(10)));"
        "n.narrate(r); print(time.perf_counter()-t)"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    total = time.perf_counter() - t0
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return float("nan")
    return total


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench narrator")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--narrator", choices=["embedded", "llm"], default="embedded")
    ap.add_argument("--model", default=None)
    ap.add_argument("--max-folds", type=int, default=None, help="run only the first N folds (quick look)")
    ap.add_argument("--max-videos", type=int, default=None, help="only the first N test videos per fold")
    args = ap.parse_args(argv)
    if not DATA.is_file():
        print(f"{DATA}: not found", file=sys.stderr)
        return 2
    from core.narration.embedded import EmbeddedNarrator
    from core.narration.evaluation import evaluate
    from core.narration.learn import build_resource, read_videos
    from core.narration.registry import create_narrator

    videos = read_videos(DATA)
    names = sorted({v["product"]["name"] for v in videos})
    results: dict[str, tuple[list[dict], list[dict]]] = {}
    timing = [0.0, 0]
    llm_narrator = None
    speed: dict[str, list[float]] = {}  # LLM rows: [new tokens, generate s, narrate s, clips]
    for k in range(args.folds if args.max_folds is None else min(args.folds, args.max_folds)):
        test_names = {n for n in names if fold_of(n, args.folds) == k}
        train = [v for v in videos if v["product"]["name"] not in test_names]
        test = [v for v in videos if v["product"]["name"] in test_names][: args.max_videos]
        if args.narrator == "embedded":
            narrator = EmbeddedNarrator(resource=build_resource(train))
        else:
            llm_narrator = llm_narrator or create_narrator("llm", model_dir=args.model)  # load once
            narrator = llm_narrator
        for storyline in ("given", "predict"):
            stats = getattr(llm_narrator, "stats", None)
            tokens0, gen0 = (stats.new_tokens, stats.generate_seconds) if stats else (0, 0.0)
            rows, secs, clips = narrate_all(narrator, test, storyline)
            timing[0] += secs
            timing[1] += clips
            key = f"{args.narrator} ({storyline})"
            if stats is not None:
                acc = speed.setdefault(key, [0.0, 0.0, 0.0, 0.0])
                for i, d in enumerate(
                    (stats.new_tokens - tokens0, stats.generate_seconds - gen0, secs, clips)
                ):
                    acc[i] += d
            refs, preds = results.setdefault(key, ([], []))
            refs.extend(test)
            preds.extend(rows)
        for key, rows in (
            ("retrieval baseline", retrieval_baseline(train, test)),
            ("naive template baseline", template_baseline(test)),
        ):
            refs, preds = results.setdefault(key, ([], []))
            refs.extend(test)
            preds.extend(rows)
        print(f"fold {k + 1}/{args.folds}: {len(test)} videos", file=sys.stderr, flush=True)
    cols = ["bleu1", "bleu4", "meteor", "cider_d", "sync", "coverage", "repetition_4gram", "label_accuracy"]
    goals = {
        "bleu4": ">=8",
        "cider_d": ">=60",
        "sync": ">=98",
        "coverage": ">=80",
        "repetition_4gram": "<=10",
        "label_accuracy": ">=45",
    }
    print(f"cross-validated by product, {args.folds} folds, character level")
    extra = ["tokens/s", "s/clip"] if speed else []
    print("| system | " + " | ".join(cols + extra) + " |")
    print("|" + " --- |" * (len(cols) + len(extra) + 1))
    print("| goal | " + " | ".join(goals.get(c, "") for c in cols + extra) + " |")
    refs_all, _ = next(iter(results.values()))
    ref_report = evaluate(refs_all, refs_all).as_dict()
    for key, (refs, preds) in [*results.items(), ("references (for scale)", (refs_all, refs_all))]:
        rep = ref_report if key.startswith("references") else evaluate(refs, preds).as_dict()
        if "given" in key or "baseline" in key:
            rep["label_accuracy"] = None
        cells = ["" if rep[c] is None else f"{rep[c]:.1f}" for c in cols]
        if extra:
            tokens, gen_s, narrate_s, n_clips = speed.get(key, [0.0, 0.0, 0.0, 0.0])
            cells += (
                [f"{tokens / gen_s:.1f}", f"{narrate_s / n_clips:.2f}"] if n_clips and gen_s else ["", ""]
            )
        print(f"| {key} | " + " | ".join(cells) + " |")
    predicted = results.get(f"{args.narrator} (predict)")
    if predicted:
        top1 = [{"clips": [dict(c, labels=c["labels"][:1]) for c in row["clips"]]} for row in predicted[1]]
        acc = evaluate(predicted[0], top1).label_accuracy
        two = sum(len(c["labels"]) > 1 for row in predicted[1] for c in row["clips"])
        total = sum(len(row["clips"]) for row in predicted[1])
        print(
            f"label accuracy with the first predicted label only: {acc:.1f} "
            f"(two labels predicted for {100 * two / max(1, total):.0f}% of clips; 16% of dev clips have two)"
        )
    if timing[1]:
        print(f"speed: {1000 * timing[0] / timing[1]:.1f} ms/clip (warm, one process)")
    if args.narrator == "embedded":
        print(f"start-up + 10-clip ad in a fresh process: {startup_seconds():.2f} s")
    stats = getattr(llm_narrator, "stats", None)
    if stats is not None:  # the LLM narrator's generation counters (core.narration.llm.GenerationStats)
        print(
            f"llm: {llm_narrator.describe()}, load {stats.load_seconds:.1f} s, "  # type: ignore[union-attr]
            f"{stats.lines_from_model} lines from the model, {stats.fallbacks} embedded fallbacks"
        )
    return 0
