"""Character-level narration metrics (BLEU, METEOR, CIDEr-D) and the sync/knowledge/repetition figures.

Chinese narration has no word boundaries, so every metric works on characters (whitespace ignored).
CIDEr-D follows Vedantam et al. / pycocoevalcap: tf-idf n-gram vectors with document frequencies from
the references, clipped similarity, Gaussian length penalty sigma=6, averaged over n=1..4, times 10.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def chars(text: str) -> list[str]:
    """The tokens every metric uses: characters without whitespace."""
    return [c for c in text if not c.isspace()]


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def bleu(candidates: Sequence[str], references: Sequence[Sequence[str]], max_n: int = 4) -> list[float]:
    """Corpus BLEU-1..max_n (cumulative, uniform weights, brevity penalty), each in 0..100."""
    matches = [0] * max_n
    totals = [0] * max_n
    cand_len = ref_len = 0
    for cand, refs in zip(candidates, references):
        c = chars(cand)
        rs = [chars(r) for r in refs]
        cand_len += len(c)
        ref_len += min((len(r) for r in rs), key=lambda n: (abs(n - len(c)), n)) if rs else 0
        for n in range(1, max_n + 1):
            cc = ngrams(c, n)
            best: Counter[tuple[str, ...]] = Counter()
            for r in rs:
                best |= ngrams(r, n)
            matches[n - 1] += sum(min(k, best[g]) for g, k in cc.items())
            totals[n - 1] += max(0, len(c) - n + 1)
    if cand_len == 0:
        return [0.0] * max_n
    bp = 1.0 if cand_len > ref_len else math.exp(1 - ref_len / cand_len)
    out = []
    log_sum = 0.0
    for n in range(max_n):
        if matches[n] == 0 or totals[n] == 0:
            out.extend([0.0] * (max_n - n))
            break
        log_sum += math.log(matches[n] / totals[n])
        out.append(100.0 * bp * math.exp(log_sum / (n + 1)))
    return out


def _align(cand: list[str], ref: list[str]) -> list[tuple[int, int]]:
    """Exact-match alignment, one-to-one, preferring to continue the current chunk (fewer chunks)."""
    positions: dict[str, list[int]] = {}
    for j, ch in enumerate(ref):
        positions.setdefault(ch, []).append(j)
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    prev = -2
    for i, ch in enumerate(cand):
        options = [j for j in positions.get(ch, ()) if j not in used]
        if not options:
            continue
        j = prev + 1 if prev + 1 in options else options[0]
        used.add(j)
        pairs.append((i, j))
        prev = j
    return pairs


def meteor_segment(cand: str, ref: str, alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5) -> float:
    """METEOR with exact character matches: F-mean (recall-weighted) times (1 - fragmentation penalty)."""
    c, r = chars(cand), chars(ref)
    pairs = _align(c, r)
    m = len(pairs)
    if m == 0:
        return 0.0
    p, rec = m / len(c), m / len(r)
    fmean = p * rec / (alpha * p + (1 - alpha) * rec)
    chunks = 1
    for (i0, j0), (i1, j1) in itertools.pairwise(pairs):
        if not (i1 == i0 + 1 and j1 == j0 + 1):
            chunks += 1
    penalty = gamma * float((chunks / m) ** beta)  # float ** float is typed Any (a negative base is complex)
    return fmean * (1 - penalty)


def meteor(candidates: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Mean over segments of the best METEOR against any reference, 0..100."""
    if not candidates:
        return 0.0
    total = sum(
        max((meteor_segment(c, r) for r in refs), default=0.0) for c, refs in zip(candidates, references)
    )
    return 100.0 * total / len(candidates)


def cider_d(
    candidates: Sequence[str], references: Sequence[Sequence[str]], sigma: float = 6.0, max_n: int = 4
) -> float:
    """Corpus CIDEr-D: mean of pycocoevalcap's per-candidate score (which includes the x10), in percent."""
    if not candidates:
        return 0.0
    ref_counts = [[[ngrams(chars(r), n) for n in range(1, max_n + 1)] for r in refs] for refs in references]
    df: Counter[tuple[str, ...]] = Counter()
    for video_counts in ref_counts:
        seen: set[tuple[str, ...]] = set()
        for per_n in video_counts:
            for counts in per_n:
                seen.update(counts)
        df.update(seen)
    log_n = math.log(float(len(references)))

    def vec(per_n: list[Counter[tuple[str, ...]]]) -> tuple[list[dict[tuple[str, ...], float]], list[float]]:
        vecs, norms = [], []
        for counts in per_n:
            v = {g: k * (log_n - math.log(max(1.0, df[g]))) for g, k in counts.items()}
            vecs.append(v)
            norms.append(math.sqrt(sum(x * x for x in v.values())))
        return vecs, norms

    total = 0.0
    for cand, refs, rcounts in zip(candidates, references, ref_counts):
        c = chars(cand)
        cvec, cnorm = vec([ngrams(c, n) for n in range(1, max_n + 1)])
        score = 0.0
        for r, per_n in zip(refs, rcounts):
            rvec, rnorm = vec(per_n)
            delta = len(c) - len(chars(r))
            sim = 0.0
            for n in range(max_n):
                val = sum(min(x, rvec[n].get(g, 0.0)) * rvec[n].get(g, 0.0) for g, x in cvec[n].items())
                if cnorm[n] != 0 and rnorm[n] != 0:
                    val /= cnorm[n] * rnorm[n]
                sim += val * math.exp(-(delta**2) / (2 * sigma**2))
            score += sim / max_n
        total += score / max(1, len(refs)) * 10.0
    return 100.0 * total / len(candidates)


def knowledge_terms(attributes: Mapping[str, str]) -> list[str]:
    """The product's attribute terms: values split at '、' (and commas), at least two characters."""
    terms: list[str] = []
    for value in attributes.values():
        for part in str(value).replace("，", "、").replace(",", "、").split("、"):
            part = part.strip()
            if len(part) >= 2 and part not in terms:
                terms.append(part)
    return terms


def repetition_4gram(lines: Iterable[str]) -> tuple[int, int]:
    """(repeated, total) character 4-grams over one ad's lines: occurrences beyond the first."""
    counts: Counter[tuple[str, ...]] = Counter()
    for line in lines:
        counts.update(ngrams(chars(line), 4))
    total = sum(counts.values())
    return total - len(counts), total


def pct(a: float, b: float) -> float:
    return 100.0 * a / b if b else 0.0


@dataclass
class Report:
    """All figures of one evaluation, in percent (CIDEr-D on its x10 scale)."""

    bleu: list[float]
    meteor: float
    cider_d: float
    sync: float
    coverage: float
    repetition: float
    label_accuracy: float | None
    lines: int

    def as_dict(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {f"bleu{n + 1}": round(b, 2) for n, b in enumerate(self.bleu)}
        out.update(
            meteor=round(self.meteor, 2),
            cider_d=round(self.cider_d, 2),
            sync=round(self.sync, 2),
            coverage=round(self.coverage, 2),
            repetition_4gram=round(self.repetition, 2),
            label_accuracy=None if self.label_accuracy is None else round(self.label_accuracy, 2),
            lines=self.lines,
        )
        return out


def evaluate(refs: Sequence[Mapping[str, Any]], preds: Sequence[Mapping[str, Any]]) -> Report:
    """Compare predicted videos to reference videos (dev.jsonl shape), matched by position.

    Each pred has `clips` with `narration` and optionally `labels`; clips are matched by index.
    """
    cands: list[str] = []
    ref_lines: list[list[str]] = []
    in_budget = covered = 0
    rep = rep_total = 0
    label_hits = label_total = 0
    for ref, pred in zip(refs, preds):
        terms = knowledge_terms(ref.get("product", {}).get("attributes", {}) or {})
        by_index = {int(c.get("index", i)): c for i, c in enumerate(pred.get("clips", []))}
        ad_lines = []
        for i, rc in enumerate(ref["clips"]):
            pc = by_index.get(int(rc.get("index", i)), {})
            text = str(pc.get("narration", ""))
            ad_lines.append(text)
            cands.append(text)
            ref_lines.append([str(rc.get("narration", ""))])
            n = len(text)  # the dataset's budgets count every character
            if int(rc["chars_min"]) <= n <= int(rc["chars_max"]):
                in_budget += 1
            if any(t in text for t in terms):
                covered += 1
            if "labels" in pc:
                from core.labels import canonical_label

                gold = {canonical_label(x) or x for x in rc.get("labels", [])}
                label_total += 1
                if any((canonical_label(x) or x) in gold for x in pc["labels"]):
                    label_hits += 1
        r, t = repetition_4gram(ad_lines)
        rep += r
        rep_total += t
    n_lines = len(cands)
    return Report(
        bleu=bleu(cands, ref_lines),
        meteor=meteor(cands, ref_lines),
        cider_d=cider_d(cands, ref_lines),
        sync=pct(in_budget, n_lines),
        coverage=pct(covered, n_lines),
        repetition=pct(rep, rep_total),
        label_accuracy=pct(label_hits, label_total) if label_total else None,
        lines=n_lines,
    )
