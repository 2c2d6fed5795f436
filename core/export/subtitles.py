"""Subtitle cues timed to the spoken lines, written as SRT and ASS.

Chinese wraps at about 16 characters a line and a cue holds at most two lines; a longer line is
split into several cues that share its speech time in proportion to their characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

LINE_CHARS = 16
MAX_LINES = 2
_BREAK_AFTER = set("，。！？；：、,.!?;:）)」』】》…")
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'._%+-]*")


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


def _units(text: str) -> list[str]:
    """Characters, except that Latin words/numbers stay whole."""
    units: list[str] = []
    i = 0
    while i < len(text):
        m = _ASCII_WORD.match(text, i)
        if m:
            units.append(m.group())
            i = m.end()
        else:
            units.append(text[i])
            i += 1
    return units


def wrap_lines(text: str, width: int = LINE_CHARS) -> list[str]:
    """Break into lines of at most `width` characters, preferring breaks after punctuation."""
    text = " ".join(text.split())
    lines: list[str] = []
    current = ""
    last_break = -1  # position in `current` after the last punctuation mark
    for unit in _units(text):
        if len(current) + len(unit) > width and current:
            if 0 < last_break < len(current) and last_break >= width // 2:
                lines.append(current[:last_break].strip())
                current = current[last_break:]
            else:
                lines.append(current.strip())
                current = ""
            last_break = -1
        current += unit
        if unit in _BREAK_AFTER:
            last_break = len(current)
    if current.strip():
        lines.append(current.strip())
    return [ln for ln in lines if ln]


def make_cues(
    text: str, start_ms: int, end_ms: int, width: int = LINE_CHARS, max_lines: int = MAX_LINES
) -> list[Cue]:
    """Cues for one spoken line over [start_ms, end_ms]."""
    lines = wrap_lines(text.replace("\x00", ""), width)  # a NUL makes ffmpeg drop the whole subtitle file
    if not lines or end_ms <= start_ms:
        return []
    groups = [tuple(lines[i : i + max_lines]) for i in range(0, len(lines), max_lines)]
    weights = [sum(len(x) for x in g) for g in groups]
    total = sum(weights)
    cues = []
    t = start_ms
    acc = 0
    for group, w in zip(groups, weights):
        acc += w
        end = start_ms + round((end_ms - start_ms) * acc / total)
        cues.append(Cue(t, end, group))
        t = end
    return cues


def _srt_time(ms: int) -> str:
    h, rem = divmod(max(0, ms), 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{milli:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for i, cue in enumerate(cues, 1):
        blocks.append(
            f"{i}\n{_srt_time(cue.start_ms)} --> {_srt_time(cue.end_ms)}\n" + "\n".join(cue.lines) + "\n"
        )
    return "\n".join(blocks)


def _ass_time(ms: int) -> str:
    cs = max(0, ms) // 10
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, c = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _ass_text(line: str) -> str:
    # ASS has no escape for override braces or backslashes; use the full-width forms instead.
    return line.replace("\\", "＼").replace("{", "｛").replace("}", "｝")


def to_ass(cues: Sequence[Cue], width: int, height: int, font_family: str) -> str:
    """An ASS script sized to the output picture: white text, dark outline, bottom centre."""
    size = max(12, round(min(width, height) * 0.06))
    outline = max(1, round(size / 14))
    margin = max(8, round(height * 0.05))
    header = (
        "[Script Info]\nScriptType: v4.00+\nWrapStyle: 2\nScaledBorderAndShadow: yes\n"
        f"PlayResX: {width}\nPlayResY: {height}\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
        "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
        "Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font_family},{size},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,"
        f"1,{outline},0,2,{margin},{margin},{margin},1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    events = [
        f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.end_ms)},Default,,0,0,0,,"
        + "\\N".join(_ass_text(x) for x in c.lines)
        for c in cues
    ]
    return header + "\n".join(events) + ("\n" if events else "")
