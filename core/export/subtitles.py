"""Subtitle cues timed to the spoken lines, one style for the preview overlay and the burned-in export,
and the SRT/ASS writers (pysubs2).

A cue shows the spoken line cleaned for reading: no trailing "。" "，", inner pauses as a space, no
markup, control or bidi-override characters (the same escaping for SRT, the soft track and burn-in).
It is one line when it fits the picture's width, else two balanced lines broken between words (jieba);
a longer line becomes several consecutive cues sharing its speech time in proportion to their length.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pysubs2

# ---------------------------------------------------------------------------------------------
# the one subtitle style

TEXT_HEIGHT = 0.055
"""Height of a Chinese character's ink as a share of the frame height (5-6% reads on a phone)."""
INK_PER_EM = 0.93
"""Ink height of a CJK ideograph per em in Noto Sans CJK / Source Han Sans (bold; measured on a libass render)."""
LIBASS_EM_PER_SIZE = 1000 / 1448
"""libass sizes a font by its win ascent + descent (1448 units in Noto Sans CJK), not by the em."""
LINE_WIDTH = 0.88
"""Share of the frame width one subtitle line may use."""
BOTTOM_MARGIN = 0.08
"""Distance of the last line's baseline area from the bottom edge, as a share of the frame height."""
OUTLINE_PER_EM = 0.08
SHADOW_PER_EM = 0.04
LATIN_ADVANCE = 0.55  # a Latin letter or digit is about half an ideograph wide
MAX_LINES = 2
LINE_CHARS = 16  # the width used when the picture size is unknown (landscape 16:9 at 5.5%)


@dataclass(frozen=True)
class SubtitleStyle:
    """Sizes in pixels for a picture of width x height."""

    width: int
    height: int

    @property
    def em_px(self) -> float:
        return TEXT_HEIGHT * self.height / INK_PER_EM

    @property
    def ass_font_size(self) -> int:
        return max(12, round(self.em_px / LIBASS_EM_PER_SIZE))

    @property
    def outline_px(self) -> float:
        return max(1.0, round(self.em_px * OUTLINE_PER_EM, 1))

    @property
    def shadow_px(self) -> float:
        return max(0.5, round(self.em_px * SHADOW_PER_EM, 1))

    @property
    def margin_v(self) -> int:
        return max(4, round(self.height * BOTTOM_MARGIN))

    @property
    def margin_h(self) -> int:
        return max(4, round(self.width * (1 - LINE_WIDTH) / 2))

    @property
    def line_width(self) -> float:
        """How many ideographs fit one line."""
        return max(4.0, self.width * LINE_WIDTH / self.em_px)


def style_for(width: int, height: int) -> SubtitleStyle:
    """The style for a picture *as displayed* (square pixels: MediaInfo.display_width/height, the
    export's output size): on a 16:11 video the stored 704x576 would give letters stretched 45%."""
    return SubtitleStyle(max(2, int(width)), max(2, int(height)))


# ---------------------------------------------------------------------------------------------
# text cleaning (escaping)

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MARKUP = str.maketrans({"{": "｛", "}": "｝", "\\": "＼", "<": "＜", ">": "＞"})
PAUSES = set("，。、；：,;:…·～~")
TRAILING = PAUSES | set(".．")
_DECIMAL_POINT = re.compile(r"(?<=\d)[.．](?=\d)")


def clean_text(text: str) -> str:
    """What a subtitle may show: markup neutralised (full-width braces, brackets and backslash, so no
    `{\\an8}`, `<font>` or `-->`), control, format and bidi-override characters removed."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\u2028\u2029\x0b\x0c\x85":
            out.append(" ")
        elif ch in _BIDI or cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out).translate(_MARKUP)


def reading_text(text: str) -> str:
    """The spoken line as a subtitle reads it: cleaned, inner pauses as one space, no trailing pause."""
    text = clean_text(text)
    text = _DECIMAL_POINT.sub("\x00", text)  # keep 3.5 whole
    text = "".join(" " if ch in PAUSES or ch == "." else ch for ch in text).replace("\x00", ".")
    text = re.sub(r"([！？!?]+)(?=\S)", r"\1 ", text)  # a question or exclamation inside is a pause too
    text = " ".join(text.split())
    while text and text[-1] in TRAILING:
        text = text[:-1].rstrip()
    return text


# ---------------------------------------------------------------------------------------------
# breaking into lines and cues


@cache
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """The word segmentation subtitle lines break on (jieba); spaces are their own tokens."""
    if not text:
        return []
    return [w for w in _jieba().lcut(text) if w]  # type: ignore[attr-defined]


def display_width(text: str) -> float:
    """Width in ideographs: wide characters count 1, the rest about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else LATIN_ADVANCE for ch in text)


def _join(tokens: Sequence[str]) -> str:
    return "".join(tokens).strip()


def _split_long_word(word: str, width: float) -> list[str]:
    """A single token wider than a line (a long Latin run): broken by characters, the only way."""
    parts, cur = [], ""
    for ch in word:
        if cur and display_width(cur + ch) > width:
            parts.append(cur)
            cur = ""
        cur += ch
    return [*parts, cur] if cur else parts


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(ch)[0] == "P" for ch in token)


def _tokens(text: str, width: float) -> list[str]:
    """Words; closing punctuation sticks to the word before it and opening punctuation to the word
    after it, so a line never starts with "！" or ends with "（"."""
    out: list[str] = []
    opening = ""
    for w in words(text):
        if w != " " and _is_punct(w):
            if all(unicodedata.category(ch) in ("Ps", "Pi") for ch in w):
                opening += w
                continue
            if out and out[-1] != " " and not opening:
                out[-1] += w
                continue
        w, opening = opening + w, ""
        out.extend(_split_long_word(w, width) if display_width(w) > width else [w])
    if opening:
        out.append(opening)
    return out


def _balanced_two(tokens: list[str], width: float) -> tuple[str, ...]:
    """Two lines, each within `width`, as equal as possible; a break at a pause (space) is preferred."""
    best: tuple[float, int] | None = None
    for k in range(1, len(tokens)):
        a, b = _join(tokens[:k]), _join(tokens[k:])
        if not a or not b:
            continue
        wa, wb = display_width(a), display_width(b)
        if max(wa, wb) > width:
            continue
        at_pause = tokens[k - 1] == " " or tokens[k] == " "
        score = abs(wa - wb) - (max(1.5, 0.3 * width) if at_pause else 0.0)
        if best is None or score < best[0]:
            best = (score, k)
    if best is None:
        return (_join(tokens),)
    return (_join(tokens[: best[1]]), _join(tokens[best[1] :]))


def _chunks(tokens: list[str], width: float, max_lines: int) -> list[list[str]]:
    """Split into cue-sized token runs that each fit `max_lines` lines: as even as possible, cut at
    pauses (spaces) where they are (dynamic programming over the word boundaries)."""
    total = display_width(_join(tokens))
    if len(_lines(tokens, width, max_lines)) <= max_lines:
        return [tokens]
    ideal = total / math.ceil(total / (width * max_lines * 0.9))
    n = len(tokens)
    inf = float("inf")
    best: list[tuple[float, int]] = [(0.0, 0)] + [(inf, 0)] * n
    for j in range(1, n + 1):
        if tokens[j - 1] == " " and j < n:
            continue  # a chunk ends before its trailing space, never with it
        for i in range(j - 1, -1, -1):
            if best[i][0] == inf:
                continue
            chunk = tokens[i:j]
            w = display_width(_join(chunk))
            if w > width * max_lines:
                break
            if len(_lines(chunk, width, max_lines)) > max_lines:
                continue
            at_pause = j == n or tokens[j] == " "
            cost = best[i][0] + (w - ideal) ** 2 / max(ideal, 1.0) + (0.0 if at_pause else 10.0) + 2.0
            if cost < best[j][0]:
                best[j] = (cost, i)
    if best[n][0] == inf:  # cannot happen with tokens narrower than a line; keep going regardless
        return [tokens]
    cuts = []
    j = n
    while j > 0:
        i = best[j][1]
        cuts.append(tokens[i:j])
        j = i
    chunks = [[t for t in c] for c in reversed(cuts)]
    return [c for c in chunks if _join(c)]


def _lines(tokens: list[str], width: float, max_lines: int) -> tuple[str, ...]:
    text = _join(tokens)
    if display_width(text) <= width or max_lines < 2:
        return (text,)
    two = _balanced_two(tokens, width)
    if len(two) == 2:
        return two
    # no break keeps both lines within the width: greedy lines at word boundaries
    lines: list[str] = []
    cur: list[str] = []
    for tok in tokens:
        if cur and display_width(_join([*cur, tok])) > width:
            lines.append(_join(cur))
            cur = []
        cur.append(tok)
    if _join(cur):
        lines.append(_join(cur))
    return tuple(ln for ln in lines if ln)


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


def wrap_lines(text: str, width: float = LINE_CHARS) -> list[str]:
    """All the lines of a spoken line's cues, in order (for tests and the preview)."""
    return [ln for cue in make_cues(text, 0, 1000, width) for ln in cue.lines]


def make_cues(
    text: str, start_ms: int, end_ms: int, width: float = LINE_CHARS, max_lines: int = MAX_LINES
) -> list[Cue]:
    """Cues for one spoken line over [start_ms, end_ms]; `width` is in ideographs (see SubtitleStyle)."""
    text = reading_text(text)
    if not text or end_ms <= start_ms:
        return []
    tokens = _tokens(text, width)
    groups: list[tuple[str, ...]] = []
    for chunk in _chunks(tokens, width, max_lines):
        lines = _lines(chunk, width, max_lines)
        groups.extend(lines[i : i + max_lines] for i in range(0, len(lines), max_lines))
    weights = [sum(display_width(x) for x in g) for g in groups]
    total = sum(weights) or 1.0
    cues = []
    t = start_ms
    acc = 0.0
    for group, w in zip(groups, weights):
        acc += w
        end = start_ms + round((end_ms - start_ms) * acc / total)
        cues.append(Cue(t, end, group))
        t = end
    return cues


def snap_to_pauses(cues: Sequence[Cue], pauses_ms: Sequence[int], reach: float = 0.35) -> list[Cue]:
    """Move the boundaries between consecutive cues of one spoken line onto the nearest pause in the
    speech (timeline ms), if one lies within `reach` of the cues' average length: a cue then changes
    when the voice pauses rather than mid-phrase."""
    if len(cues) < 2 or not pauses_ms:
        return list(cues)
    span = (cues[-1].end_ms - cues[0].start_ms) / len(cues)
    bounds = [c.end_ms for c in cues[:-1]]
    lo = cues[0].start_ms
    out_bounds = []
    for k, b in enumerate(bounds):
        hi = bounds[k + 1] if k + 1 < len(bounds) else cues[-1].end_ms
        near = [p for p in pauses_ms if abs(p - b) <= reach * span and lo < p < hi]
        chosen = min(near, key=lambda p: abs(p - b)) if near else b
        out_bounds.append(chosen)
        lo = chosen
    starts = [cues[0].start_ms, *out_bounds]
    ends = [*out_bounds, cues[-1].end_ms]
    return [Cue(a, e, c.lines) for a, e, c in zip(starts, ends, cues)]


def cues_for_lines(
    lines: Sequence[tuple[str, int, int]], width: float = LINE_CHARS, max_lines: int = MAX_LINES
) -> list[Cue]:
    out: list[Cue] = []
    for text, a, b in lines:
        out.extend(make_cues(text, a, b, width, max_lines))
    return out


# ---------------------------------------------------------------------------------------------
# writers


def _ssa(cues: Sequence[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        # cue text is already cleaned: no braces or backslashes are left to be read as tags
        text = "\\N".join(clean_text(x) for x in cue.lines)
        subs.append(pysubs2.SSAEvent(start=max(0, cue.start_ms), end=max(0, cue.end_ms), text=text))
    return subs


def to_srt(cues: Sequence[Cue]) -> str:
    return _ssa(cues).to_string("srt")


def to_ass(cues: Sequence[Cue], width: int, height: int, font_family: str) -> str:
    """An ASS script sized to the output picture: the one subtitle style, bold, outlined, bottom centre."""
    st = style_for(width, height)
    subs = _ssa(cues)
    subs.info.update(
        {
            "PlayResX": str(st.width),
            "PlayResY": str(st.height),
            "WrapStyle": "2",
            "ScaledBorderAndShadow": "yes",
        }
    )
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname=font_family,
        fontsize=st.ass_font_size,
        primarycolor=pysubs2.Color(255, 255, 255, 0),
        secondarycolor=pysubs2.Color(255, 255, 255, 0),
        outlinecolor=pysubs2.Color(0, 0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 96),
        bold=True,
        borderstyle=1,
        outline=st.outline_px,
        shadow=st.shadow_px,
        alignment=pysubs2.Alignment.BOTTOM_CENTER,
        marginl=st.margin_h,
        marginr=st.margin_h,
        marginv=st.margin_v,
        encoding=1,
    )
    return subs.to_string("ass")
