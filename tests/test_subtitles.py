"""Subtitle cleaning, line breaking (jieba word boundaries), cue splitting, and the SRT/ASS writers read
back with pysubs2."""

from __future__ import annotations

import itertools

import pysubs2
from hypothesis import given, settings
from hypothesis import strategies as st

from core.export import Cue, make_cues, to_ass, to_srt, wrap_lines
from core.export.fonts import find_cjk_font
from core.export.subtitles import (
    TEXT_HEIGHT,
    clean_text,
    display_width,
    reading_text,
    style_for,
    words,
)

LONG = "现在下单还送同款小样，赶紧点击下方链接抢购吧！限时优惠只有今天，错过再等一年，快来抢购吧！"


def word_boundaries(text: str) -> set[int]:
    """Positions (in `text` without spaces) where jieba puts a word boundary."""
    cuts, pos = {0}, 0
    for w in words(text):
        if w != " ":
            pos += len(w)
            cuts.add(pos)
    return cuts


def assert_breaks_between_words(text: str, cues: list[Cue]) -> None:
    reading = reading_text(text)
    bounds = word_boundaries(reading)
    pos = 0
    for line in (ln for c in cues for ln in c.lines):
        pos += len(line.replace(" ", ""))
        assert pos in bounds, (line, reading)
    assert pos == len(reading.replace(" ", ""))


def test_no_trailing_pause_and_inner_pauses_as_spaces() -> None:
    assert reading_text("这款精华液质地轻薄，一抹就化开，吸收特别快。") == "这款精华液质地轻薄 一抹就化开 吸收特别快"
    assert reading_text("好用！") == "好用！"  # exclamation and question marks are kept
    assert reading_text("3.5折，12小时保湿。") == "3.5折 12小时保湿"  # decimal point kept
    for text in ("赶紧抢购吧，", "快来。", "好、"):
        cue_text = "".join(make_cues(text, 0, 1000)[0].lines)
        assert cue_text[-1] not in "。，、"


def test_one_line_when_it_fits_else_two_balanced_lines_between_words() -> None:
    wide = style_for(1920, 1080).line_width
    narrow = style_for(720, 1280).line_width
    text = "这款精华液质地轻薄，一抹就化开，吸收特别快。"
    (cue,) = make_cues(text, 0, 3000, wide)
    assert cue.lines == ("这款精华液质地轻薄 一抹就化开 吸收特别快",)
    cues = make_cues(text, 0, 3000, narrow)
    assert all(1 <= len(c.lines) <= 2 for c in cues)
    assert all(display_width(x) <= narrow for c in cues for x in c.lines)
    assert_breaks_between_words(text, cues)
    # the case from the issue: "…还是 / 眼线液笔派的" was broken mid-word at a fixed 16 characters
    mid = "你是眼线胶笔派的还是眼线液笔派的呢？我两种都用过"
    for width in (8, 10, 12, 16):
        cues = make_cues(mid, 0, 3000, width)
        assert_breaks_between_words(mid, cues)
        for c in cues:
            if len(c.lines) == 2:  # balanced: neither line more than twice the other (plus a word)
                a, b = (display_width(x) for x in c.lines)
                assert max(a, b) <= 2 * min(a, b) + 4


def test_long_line_becomes_consecutive_cues_timed_by_the_speech() -> None:
    cues = make_cues(LONG, 1000, 9000, 8)
    assert len(cues) >= 2
    assert all(1 <= len(c.lines) <= 2 for c in cues)
    assert cues[0].start_ms == 1000 and cues[-1].end_ms == 9000
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(cues))
    # each cue's time is in proportion to its length
    for c in cues:
        share = sum(display_width(x) for x in c.lines) / sum(display_width(x) for d in cues for x in d.lines)
        assert abs((c.end_ms - c.start_ms) / 8000 - share) < 0.02
    assert_breaks_between_words(LONG, cues)


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("产品好用很轻薄精华液质地，。！？ab1 ")), max_size=80),
    st.integers(0, 10_000),
    st.sampled_from([6.0, 8.0, 12.0, 16.0, 25.0]),
)
def test_cues_cover_the_speech_in_order(text: str, start: int, width: float) -> None:
    cues = make_cues(text, start, start + 3000, width)
    if not reading_text(text):
        assert cues == []
        return
    assert cues[0].start_ms == start and cues[-1].end_ms == start + 3000
    assert all(c.start_ms <= c.end_ms for c in cues)
    assert all(1 <= len(c.lines) <= 2 for c in cues)
    assert all(display_width(x) <= width for c in cues for x in c.lines)
    assert "".join("".join(c.lines) for c in cues).replace(" ", "") == reading_text(text).replace(" ", "")
    assert all(c.lines[-1][-1] not in "，。、；：" for c in cues)


def test_markup_control_and_bidi_characters_are_neutralised() -> None:
    nasty = "{\\fs200}{\\an8}大字<font color=red>红</font> --> 看\u202e反\u2066转\x07\x1b[31m色"
    text = clean_text(nasty)
    for bad in ("{", "}", "\\", "<", ">", "-->", "\u202e", "\u2066", "\x07", "\x1b"):
        assert bad not in text
    assert "大字" in text and "红" in text and "看反转" in text
    cues = make_cues(nasty, 0, 2000, 12)
    srt = to_srt(cues)
    back = pysubs2.SSAFile.from_string(srt, format_="srt")
    assert len(back) == len(cues)  # "-->" in a line does not break the file
    for event in back:
        assert "{" not in event.text and "<" not in event.text and "-->" not in event.text
        assert not any(ch in event.plaintext for ch in "\u202e\u2066\x07\x1b")
    ass = to_ass(cues, 1280, 720, "Noto Sans CJK SC")
    back = pysubs2.SSAFile.from_string(ass)
    assert all("\\fs" not in e.text and "\\an" not in e.text for e in back)
    assert all(not e.text.replace("\\N", "").count("\\") for e in back)


def test_srt_read_back() -> None:
    cues = [Cue(100, 1833, ("第一行", "第二行")), Cue(3_661_005, 3_662_000, ("后来",))]
    srt = to_srt(cues)
    assert srt.startswith("1\n00:00:00,100 --> 00:00:01,833\n第一行\n第二行\n\n2\n01:01:01,005 --> 01:01:02,000\n")
    back = pysubs2.SSAFile.from_string(srt, format_="srt")
    assert [(e.start, e.end, e.plaintext) for e in back] == [
        (100, 1833, "第一行\n第二行"),
        (3_661_005, 3_662_000, "后来"),
    ]


def test_ass_style_read_back() -> None:
    ass = to_ass([Cue(1230, 4560, ("{\\b1}括号", "第二行"))], 1280, 720, "Noto Sans CJK SC")
    back = pysubs2.SSAFile.from_string(ass)
    assert back.info["PlayResX"] == "1280" and back.info["PlayResY"] == "720"
    style = back.styles["Default"]
    assert style.fontname == "Noto Sans CJK SC" and style.bold
    assert style.alignment == pysubs2.Alignment.BOTTOM_CENTER
    assert style.outline > 0 and style.shadow > 0
    assert style.fontsize == style_for(1280, 720).ass_font_size
    (event,) = back
    assert (event.start, event.end) == (1230, 4560)
    assert event.text == "｛＼b1｝括号\\N第二行"
    assert 0.05 <= TEXT_HEIGHT <= 0.06


def test_wrap_lines_keeps_latin_words_whole() -> None:
    lines = wrap_lines("这款产品采用了Hyaluronic精华配方，效果非常好", 10)
    assert any("Hyaluronic" in x for x in lines)


def test_finds_a_bold_cjk_font_here() -> None:
    font = find_cjk_font()
    assert (font.path.is_file() and "CJK" in font.family) or "Hei" in font.family
    assert "bold" in font.path.name.lower() or "hei" in font.family.lower()


def test_cue_changes_snap_to_pauses_in_the_speech() -> None:
    from core.export.subtitles import snap_to_pauses

    cues = [Cue(0, 1000, ("一",)), Cue(1000, 2000, ("二",)), Cue(2000, 3000, ("三",))]
    snapped = snap_to_pauses(cues, [500, 1200, 2100, 2900])
    assert [(c.start_ms, c.end_ms) for c in snapped] == [(0, 1200), (1200, 2100), (2100, 3000)]
    assert [c.lines for c in snapped] == [c.lines for c in cues]
    # a pause too far away leaves the proportional time; none never reorders the cues
    assert snap_to_pauses(cues, [1600]) == cues
    assert snap_to_pauses(cues, []) == cues
