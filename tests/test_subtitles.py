"""Subtitle wrapping, cue splitting and the SRT/ASS writers."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from core.export import Cue, make_cues, to_ass, to_srt, wrap_lines
from core.export.fonts import find_cjk_font


def test_wraps_chinese_at_16_preferring_punctuation() -> None:
    text = "这款精华液质地轻薄，一抹就化开，吸收特别快。早晚各用一次就好。"
    lines = wrap_lines(text)
    assert all(len(x) <= 16 for x in lines)
    assert "".join(lines) == text
    assert lines[0].endswith("，")  # broke after the comma rather than mid-phrase


def test_latin_words_are_not_split() -> None:
    lines = wrap_lines("这款产品采用了Hyaluronic精华配方，效果非常好")
    assert any("Hyaluronic" in x for x in lines)


def test_long_line_becomes_several_cues_of_two_lines() -> None:
    text = "现在下单还送同款小样，赶紧点击下方链接抢购吧！限时优惠只有今天，错过再等一年，快来抢购吧！"
    cues = make_cues(text, 1000, 9000)
    assert len(cues) >= 2
    assert all(1 <= len(c.lines) <= 2 for c in cues)
    assert cues[0].start_ms == 1000 and cues[-1].end_ms == 9000
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(cues))
    assert "".join("".join(c.lines) for c in cues) == text


@given(st.text(alphabet=st.sampled_from(list("产品好用，。！ab1 ")), max_size=80), st.integers(0, 10_000))
def test_cues_cover_the_speech_in_order(text: str, start: int) -> None:
    cues = make_cues(text, start, start + 3000)
    if not text.strip():
        assert cues == []
        return
    assert cues[0].start_ms == start and cues[-1].end_ms == start + 3000
    assert all(c.start_ms <= c.end_ms for c in cues)
    assert all(len(line) <= 16 for c in cues for line in c.lines if " " not in line)
    assert "".join("".join(c.lines) for c in cues).replace(" ", "") == text.replace(" ", "")


def test_srt_format() -> None:
    srt = to_srt([Cue(100, 1833, ("第一行", "第二行")), Cue(3_661_005, 3_662_000, ("后来",))])
    assert srt.startswith(
        "1\n00:00:00,100 --> 00:00:01,833\n第一行\n第二行\n\n2\n01:01:01,005 --> 01:01:02,000\n"
    )


def test_ass_format_and_escaping() -> None:
    ass = to_ass([Cue(1230, 4560, ("{\\b1}括号", "第二行"))], 1280, 720, "Noto Sans CJK SC")
    assert "PlayResX: 1280\nPlayResY: 720" in ass
    assert "Style: Default,Noto Sans CJK SC," in ass
    assert "Dialogue: 0,0:00:01.23,0:00:04.56,Default,,0,0,0,,｛＼b1｝括号\\N第二行" in ass


def test_finds_a_cjk_font_here() -> None:
    font = find_cjk_font()
    assert (font.path.is_file() and "CJK" in font.family) or "Hei" in font.family
