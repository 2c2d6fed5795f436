"""A character n-gram model (stupid backoff) that breaks ties between good candidate lines.

Trained on dev.jsonl's narrations (counts built into resources/narrator/embedded.json.gz by
scripts/build_narrator_resource.py) plus the sentence bank's fixed words (counted when the bank is read, so a
bank edit needs no rebuild). It scores how much a line reads like spoken ad Mandarin; it never decides alone
whether a line may be said (that is check.reads_wrong).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

ORDER = 4
BACKOFF = 0.4
START, STOP = "^", "$"
_SLOT = re.compile(r"\{[a-z]+2?\}")


def count_grams(lines: Iterable[str], order: int = ORDER) -> Counter[str]:
    """Every 1..order-gram of the lines, each padded with a start and a stop mark."""
    counts: Counter[str] = Counter()
    for line in lines:
        text = START + line.strip() + STOP
        for n in range(1, order + 1):
            counts.update(text[i : i + n] for i in range(len(text) - n + 1))
    return counts


def bank_segments(units: Iterable[str]) -> list[str]:
    """The fixed words of bank units, cut at their slots (what is around a slot is not known)."""
    out: list[str] = []
    for u in units:
        out += [s for s in _SLOT.split(u) if len(s) >= 2]
    return out


class Fluency:
    """Mean log stupid-backoff score per character: higher reads more like an ad's spoken line."""

    def __init__(self, counts: Mapping[str, int], extra: Iterable[str] = (), order: int = ORDER) -> None:
        self.order = order
        merged = Counter(counts)
        merged.update(count_grams(extra, order))
        self.counts = merged
        self.total = sum(v for g, v in merged.items() if len(g) == 1) or 1
        self.vocab = sum(1 for g in merged if len(g) == 1) + 1
        self._cache: dict[str, float] = {}

    def _log_p(self, history: str, ch: str) -> float:
        weight = 0.0
        for k in range(min(len(history), self.order - 1), 0, -1):
            ctx = history[-k:]
            joint = self.counts.get(ctx + ch, 0)
            if joint:
                return weight + math.log(joint / max(joint, self.counts.get(ctx, 0)))
            weight += math.log(BACKOFF)
        return weight + math.log((self.counts.get(ch, 0) + 1) / (self.total + self.vocab))

    def score(self, line: str) -> float:
        """Mean log score per character of `line` (with its stop mark); remembered (units recur)."""
        got = self._cache.get(line)
        if got is None:
            if len(self._cache) > 50_000:
                self._cache.clear()
            got = self._cache[line] = self._score(line)
        return got

    def sentences_score(self, sentences: Sequence[str]) -> float:
        """The score of sentences said one after another: their scores weighted by length."""
        total = sum(len(s) for s in sentences) or 1
        return sum(self.score(s) * len(s) for s in sentences) / total

    def junction_score(self, line: str, spans: Sequence[tuple[int, int]]) -> float | None:
        """Mean log score at the seams of the phrases put into a sentence (`spans`): each phrase's first
        character after the frame's words, and the two characters after it. How well the facts read in
        their frame (None: nothing was put in); neither the frame's own words (the model has read the bank)
        nor the inside of a fact (rare words are not worse sentences) are scored."""
        if not spans:
            return None
        text = START + line.strip() + STOP
        at: set[int] = set()
        for a, b in spans:
            at.update(i for i in (a + 1, b + 1, b + 2) if i < len(text))
        total = sum(self._log_p(text[:i], text[i]) for i in sorted(at))
        return total / max(1, len(at))

    def _score(self, line: str) -> float:
        text = START + line.strip() + STOP
        if len(text) <= 2:
            return -20.0
        total = sum(self._log_p(text[:i], text[i]) for i in range(1, len(text)))
        return total / (len(text) - 1)
