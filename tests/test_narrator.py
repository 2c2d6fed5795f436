"""Embedded narrator: budget, storyline planner, line writer, registry and bad input."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.labels import LABEL_NAMES, LABELS, canonical_label
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, VisualCues
from core.narration.budget import MAX_SPEEDUP, char_budget
from core.narration.embedded import EmbeddedNarrator, resource_path
from core.narration.evaluation import repetition_4gram
from core.narration.knowledge import knowledge_text, product_terms
from core.narration.learn import decode_resource
from core.narration.planner import PlanClip
from core.narration.registry import create_narrator
from core.project import Product

CUP = Product(
    "清泉牌保温杯大容量不锈钢水杯",
    {
        "外观": "磨砂杯身、简约白色",
        "成分/材质": "316不锈钢、食品级硅胶",
        "质地": "手感细腻",
        "功效": "保温12小时、保冷",
        "活动优惠": "买一送一、下单立减20元",
        "痛点": "水很快变凉、杯子漏水",
    },
)
AD_LABELS = ["产品推荐", "痛点铺垫", "外观设计", "质地/成分/材质", "产品功效", "引导购买"]


@pytest.fixture(scope="module")
def narrator() -> EmbeddedNarrator:
    return EmbeddedNarrator()


@pytest.fixture(scope="module")
def resource() -> dict:
    return decode_resource(resource_path().read_bytes())


def request(
    product: Product = CUP, durations=(4000,) * 6, labels=None, seed: int = 0, **kw
) -> NarrationRequest:
    clips = tuple(
        ClipRequest(i, d, labels=(labels[i],) if labels and labels[i] else ())
        for i, d in enumerate(durations)
    )
    return NarrationRequest(product=product, clips=clips, seed=seed, **kw)


# ---- labels and budget ----
def test_labels_are_the_twelve_with_definitions() -> None:
    assert len(LABELS) == 12 and all(LABELS[name] for name in LABEL_NAMES)
    assert canonical_label("其他") == "其他/通用卖点" == canonical_label("其他/通用卖点")
    assert canonical_label("不是标签") is None


def test_budget_follows_duration_and_rate() -> None:
    assert char_budget(5000, 5.0) == (20, 26)  # (5000-250) ms at 5 chars/s = 23 +- 3
    assert char_budget(5000, 5.0, tolerance=0) == (23, 23)
    assert char_budget(5000, 6.0)[0] > char_budget(5000, 5.0)[0]
    assert char_budget(400, 5.0) == (0, 0)  # too short for any speech
    lows = [char_budget(d, 5.0)[0] for d in range(0, 20000, 250)]
    assert lows == sorted(lows)
    with pytest.raises(ValueError):
        char_budget(1000, 0)


def test_short_clip_budget_asks_only_for_what_speech_can_fit() -> None:
    # 1.2 s clip: 950 ms of room at 5 chars/s is 4 characters; +3 would be 7 = 1.4 s, more than even the
    # fastest fitting (1.38x) can say, so the export would drop the line
    assert char_budget(1200, 5.0) == (1, 6)


@given(st.integers(0, 60_000), st.floats(1.0, 12.0), st.integers(0, 6))
def test_budget_max_fits_when_spoken_fastest(duration_ms: int, rate: float, tolerance: int) -> None:
    lo, hi = char_budget(duration_ms, rate, tolerance)
    if hi == 0:
        return
    target = int(max(0, duration_ms - 250) * rate / 1000.0)
    assert lo <= target <= hi <= target + tolerance
    assert hi == target or hi * 1000 / rate <= (duration_ms - 250) * MAX_SPEEDUP + 1e-6


# ---- writer ----
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=110), min_size=1, max_size=8), st.integers(0, 5))
def test_every_line_lands_in_its_budget(narrator: EmbeddedNarrator, targets: list[int], seed: int) -> None:
    clips = tuple(
        ClipRequest(i, t * 200, chars_min=max(1, t - 3), chars_max=t + 3) for i, t in enumerate(targets)
    )
    for line in narrator.narrate(NarrationRequest(CUP, clips, seed=seed)):
        assert line.chars_min <= len(line.text) <= line.chars_max, line


def test_short_clip_gets_an_empty_line(narrator: EmbeddedNarrator) -> None:
    lines = narrator.narrate(request(durations=(300, 4000)))
    assert lines[0].text == "" and (lines[0].chars_min, lines[0].chars_max) == (0, 0)
    assert lines[1].text


def test_lines_use_knowledge_that_fits_their_label(narrator: EmbeddedNarrator) -> None:
    terms = {t.text: t.key for t in product_terms(CUP.attributes)}
    keys_for = {
        "引导购买": {"活动优惠"},
        "质地/成分/材质": {"质地", "成分/材质", "质量/特性"},
        "外观设计": {"外观"},
    }
    for label, keys in keys_for.items():
        hits = 0
        for seed, duration in enumerate((3000, 4000, 5000, 6000)):
            line = narrator.narrate(request(durations=(duration,), labels=[label], seed=seed))[0]
            hits += any(k in keys for t, k in terms.items() if t in line.text)
        assert hits >= 3, label


def test_no_foreign_brand_or_product_word(narrator: EmbeddedNarrator, resource: dict) -> None:
    own = knowledge_text(CUP.name, CUP.attributes)
    foreign = [b for b in resource["brands"] if b not in own]
    assert len(foreign) > 25  # whole brands only (雅诗兰黛, not also 雅诗)
    bound = {w for t in resource["templates"] for w in t[4]} - {w for w in own.split("|")}
    for seed in range(4):
        for line in narrator.narrate(request(durations=(2500, 4000, 6000, 9000, 4000, 3000), seed=seed)):
            assert not [b for b in foreign if b in line.text], line.text
            assert not [w for w in bound if w in line.text and w not in own], line.text


def test_no_figure_another_product_claimed(narrator: EmbeddedNarrator) -> None:
    """Fixed text with a number ("里面有4.5%的", "保湿24小时") is that product's claim, not this one's."""
    plain = Product("柔雾哑光口红", {"质地": "丝绒、不拔干", "功效": "显白、持妆", "活动优惠": "买一送一"})
    durations = (2500, 4000, 6000, 9000, 4000, 3000, 5000, 7000, 3500, 4500, 8000, 5500)
    for seed in range(3):
        lines = narrator.narrate(request(plain, durations=durations, labels=LABEL_NAMES, seed=seed))
        assert not [x.text for x in lines if re.search("[0-9]", x.text)]


def test_no_repetition_across_the_ad(narrator: EmbeddedNarrator) -> None:
    lines = [
        x.text for x in narrator.narrate(request(durations=(4000, 5000, 3000, 6000, 4000, 5000, 3500, 4500)))
    ]
    assert len(set(lines)) == len(lines)
    repeated, total = repetition_4gram(lines)
    assert repeated / total < 0.15


def test_deterministic_per_seed_and_seeds_vary(narrator: EmbeddedNarrator) -> None:
    a = narrator.narrate(request(seed=0))
    assert a == EmbeddedNarrator().narrate(request(seed=0))
    others = [narrator.narrate(request(seed=s)) for s in (1, 2, 3)]
    assert any(o != a for o in others)


def test_regenerate_gives_different_valid_lines(narrator: EmbeddedNarrator) -> None:
    req = request(labels=AD_LABELS)
    lines = narrator.narrate(req)
    new = [narrator.rewrite(req, 3, seed=s, context=lines) for s in (0, 1, 2)]
    texts = {n.text for n in new}
    assert len(texts) == 3 and lines[3].text not in texts
    for n in new:
        assert n.index == 3 and n.labels == ("质地/成分/材质",)
        assert n.chars_min <= len(n.text) <= n.chars_max
    assert narrator.rewrite(req, 3, seed=1, context=lines) == new[1]


def test_locked_lines_are_kept_and_used_as_context(narrator: EmbeddedNarrator) -> None:
    clips = (
        ClipRequest(0, 4000),
        ClipRequest(1, 4000, locked_text="我自己写的这一句。"),
        ClipRequest(2, 4000),
    )
    lines = narrator.narrate(NarrationRequest(CUP, clips))
    assert lines[1].text == "我自己写的这一句。"
    assert "locked line is outside the budget" in lines[1].warnings


def test_opens_with_the_product_and_closes_with_a_call_to_action(narrator: EmbeddedNarrator) -> None:
    lines = narrator.narrate(request(durations=(3000, 5000, 4000, 6000, 4000, 4000)))
    assert lines[0].labels[0] in ("产品推荐", "痛点铺垫")
    assert lines[-1].labels[0] == "引导购买"
    assert any(w in lines[-1].text for w in ("下单", "链接", "买", "入手", "抢", "拍"))


# ---- planner ----
def test_planner_keeps_fixed_labels_and_conditions_the_rest(narrator: EmbeddedNarrator) -> None:
    free = narrator.plan(request(durations=(4000,) * 6))
    assert all(1 <= len(x) <= 2 and all(lab in LABELS for lab in x) for x in free)
    fixed = narrator.plan(request(durations=(4000,) * 6, labels=[None, None, "安全认证", None, None, None]))
    assert fixed[2] == ("安全认证",)
    assert fixed != free


def test_planner_reads_visual_cues(narrator: EmbeddedNarrator) -> None:
    def rank(cues: VisualCues | None, label: str) -> int:
        clips = [PlanClip(20), PlanClip(20), PlanClip(20, cues=cues), PlanClip(20), PlanClip(20)]
        post = narrator.planner.posteriors(clips)[2]
        order = sorted(range(len(post)), key=lambda k: -post[k])
        return order.index(LABEL_NAMES.index(label))

    assert rank(VisualCues(text=1.0), "引导购买") < rank(None, "引导购买")
    assert rank(VisualCues(closeup=1.0), "外观设计") < rank(None, "外观设计")
    assert rank(VisualCues(faces=1.0, motion=1.0), "产品试用") < rank(None, "产品试用")


def test_planner_leans_on_similar_products_storylines(narrator: EmbeddedNarrator) -> None:
    planner = narrator.planner
    looks = LABEL_NAMES.index("外观设计")
    share = [row[looks] / max(1e-9, sum(row)) for row in planner.product_labels]
    assert len(share) == len(narrator.writer.product_text)
    # a product resembling only the ads that talk most about looks
    top = set(sorted(range(len(share)), key=lambda i: -share[i])[:10])
    bias = planner.product_bias([1.0 if i in top else 0.0 for i in range(len(share))])
    assert bias is not None and bias[looks] == max(bias) > 0
    assert planner.product_bias([0.0] * len(share)) is None
    clips = [PlanClip(20) for _ in range(6)]
    plain, biased = planner.posteriors(clips), planner.posteriors(clips, bias)
    for p, b in zip(plain, biased):
        assert sorted(b, reverse=True).index(b[looks]) <= sorted(p, reverse=True).index(p[looks])


# ---- bad input ----
def test_empty_product_still_gets_generic_lines(narrator: EmbeddedNarrator) -> None:
    for line in narrator.narrate(request(Product("", {}))):
        assert line.chars_min <= len(line.text) <= line.chars_max and line.text


def test_unknown_keys_count_as_selling_points(narrator: EmbeddedNarrator) -> None:
    p = Product("清泉牌保温杯", {"奇怪的键": "超长续航、一键开盖"})
    text = "".join(x.text for s in range(3) for x in narrator.narrate(request(p, seed=s)))
    assert "超长续航" in text or "一键开盖" in text


def test_non_chinese_product_text(narrator: EmbeddedNarrator) -> None:
    p = Product("Acme Bottle", {"功效": "keeps water cold, BPA free", "weird": "x"})
    for line in narrator.narrate(request(p)):
        assert line.chars_min <= len(line.text) <= line.chars_max


def test_zero_clips_and_inverted_budget(narrator: EmbeddedNarrator) -> None:
    assert narrator.narrate(NarrationRequest(CUP, ())) == []
    bad = NarrationRequest(CUP, (ClipRequest(0, 4000, chars_min=20, chars_max=10),))
    with pytest.raises(InputError, match="chars_max 10 is smaller than chars_min 20"):
        narrator.narrate(bad)
    with pytest.raises(InputError, match="no clip with index 7"):
        narrator.rewrite(request(), 7, seed=1, context=[ClipNarration(0, (), "", 0, 0)])


# ---- registry ----
def test_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(create_narrator("embedded"), EmbeddedNarrator)
    with pytest.raises(InputError, match="unknown narrator"):
        create_narrator("gpt")
    monkeypatch.setitem(sys.modules, "core.narration.llm", None)  # as if the module/torch were missing
    with pytest.raises(InputError, match="llm"):
        create_narrator("llm", model_dir="/nonexistent")


# ---- spoken name, product type and similar products ----
def test_spoken_name_is_the_whole_brand() -> None:
    from core.narration.knowledge import short_name

    # an unknown brand ends where a common title word begins
    assert short_name("伊诗兰顿弹力眼霜精华抗皱", title_words={"弹力", "眼霜"}) == "伊诗兰顿"
    assert short_name("全棉时代新生婴儿湿巾", title_words={"新生", "婴儿"}) == "全棉时代"
    # the longest known brand wins over a shorter one
    assert short_name("雅诗兰黛小棕瓶眼霜", brands={"雅诗", "雅诗兰黛"}) == "雅诗兰黛"
    assert short_name("Mistine小黄帽防晒霜") == "Mistine"


def test_product_type_comes_from_the_title_not_the_brand() -> None:
    from core.narration.knowledge import product_type

    words = {"眼霜": 1.3, "小棕": 0.2, "精华": 0.9}
    assert product_type("雅诗兰黛第五代小棕瓶抗蓝光熬夜眼霜 淡化细纹", words) == "眼霜"
    assert product_type("眼霜牌保湿霜", words) == ""  # the title's start is the brand
    assert product_type("无名牌水杯", words) == ""


def test_type_words_are_learned_from_how_ads_say_them() -> None:
    from core.narration.knowledge import TYPE_KEY, slot_char
    from core.narration.learn import slot_line, type_words

    def video(name: str, lines: list[str]) -> dict:
        return {"product": {"name": name, "attributes": {}}, "clips": [{"narration": x} for x in lines]}

    videos = [
        video("甲乙眼霜清爽型", ["这款眼霜很好用。", "质地很清爽。"]),
        video("丙丁眼霜清爽版", ["这个眼霜我很喜欢。", "用起来很清爽。"]),
    ]
    learned = type_words(videos)
    assert "眼霜" in learned and "清爽" not in learned  # said after 款/个, not after 很
    # one product's ads saying "这个容量" do not make 容量 a new product's type, however often they say it
    # (but its templates still get a type slot there)
    videos += [
        video("甲乙水杯大容量", ["这个容量真的够用。", "这个容量很大。"]),
        video("戊己水壶大容量", ["容量很大。"]),
    ]
    assert "容量" not in type_words(videos, 2) and "容量" in type_words(videos)
    assert (
        slot_line("这款眼霜很好用。", "甲乙眼霜清爽型", {}, set(), "眼霜")
        == f"这款{slot_char(TYPE_KEY)}很好用。"
    )


def test_lines_like_similar_products_ads_rank_higher(resource: dict) -> None:
    from core.narration.writer import LineWriter

    writer = LineWriter(resource)
    ctx = writer.product_context("雅诗兰黛沁水粉底液 保湿滋润遮瑕", {"功效": "遮瑕、持妆"})
    assert ctx.neighbour_vector, "similar products' lines should form a pseudo-reference"
    near = writer._neighbour_score(ctx, "这款粉底液遮瑕力很强，持妆一整天都不脱妆。", 1)
    far = writer._neighbour_score(ctx, "这款床垫睡起来很舒服，支撑力很好。", 1)
    assert near > far


def test_two_part_lines_name_the_product_once() -> None:
    from core.narration.knowledge import NAME_KEY, slot_char
    from core.narration.writer import _names_twice

    name = slot_char(NAME_KEY)
    assert _names_twice(f"这款{name}。", f"{name}真的很好用。")
    assert not _names_twice(f"这款{name}。", "真的很好用。")


def test_demo_product_is_named_once_per_line(narrator: EmbeddedNarrator) -> None:
    product = Product("澜肌轻盈保湿精华液", {"功效": "长效补水、修护屏障", "活动优惠": "买一送一"})
    out = narrator.narrate(request(product=product, durations=(6000,) * 6))
    spoken = narrator.writer.product_context(product.name, product.attributes).spoken_name
    assert spoken.startswith("澜肌")
    assert all(c.text.count(spoken) <= 1 for c in out), [c.text for c in out]


def test_planner_adds_a_second_label_only_on_close_calls(narrator: EmbeddedNarrator) -> None:
    import math

    planner = narrator.planner
    clip = PlanClip(30, (), None)
    post = [-10.0] * len(planner.labels)
    post[0], post[3] = 0.0, math.log(0.95)  # runner-up nearly as likely
    assert planner._with_second(clip, 0, post) == (planner.labels[0], planner.labels[3])
    post[3] = math.log(0.5)  # a clear winner
    assert planner._with_second(clip, 0, post) == (planner.labels[0],)


def test_two_part_lines_do_not_repeat_a_term(narrator: EmbeddedNarrator) -> None:
    # terms no template carries as plain text, so a second copy can only come from a second slot
    product = Product(
        "清泉牌保温杯大容量不锈钢水杯", {"功效": "锁温十二小时、冰镇一整天", "活动优惠": "第二件半价送杯刷"}
    )
    labels = ["产品推荐", "产品功效", "产品功效", "产品功效", "引导购买"]
    for seed in range(3):
        out = narrator.narrate(request(product=product, durations=(7000,) * 5, labels=labels, seed=seed))
        for c in out:
            for term in ("锁温十二小时", "冰镇一整天", "第二件半价送杯刷"):
                assert c.text.count(term) <= 1, c.text


def test_pseudo_reference_knows_how_ads_open_and_close(resource: dict) -> None:
    from core.narration.writer import LineWriter

    writer = LineWriter(resource)
    ctx = writer.product_context("雅诗兰黛沁水粉底液 保湿滋润遮瑕", {"功效": "遮瑕、持妆"})
    first, middle, last = 0, 1, 2
    opening = "今天给大家推荐一款粉底液。"
    closing = "喜欢的赶紧点击下方链接购买吧。"
    assert writer._neighbour_score(ctx, opening, first) > writer._neighbour_score(ctx, opening, middle)
    assert writer._neighbour_score(ctx, closing, last) > writer._neighbour_score(ctx, closing, first)
    assert writer._neighbour_score(ctx, closing, last) > writer._neighbour_score(ctx, closing, middle)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["这款", "很", "非常", "真的", "好用", "，而且", "，", "它是", "购买", "吧", "。"]),
        max_size=14,
    ),
    st.integers(-4, 4),
)
def test_settle_moves_a_line_towards_the_budget_centre(parts: list[str], shift: int) -> None:
    from core.narration.writer import settle

    text = "".join(parts) + "。"
    target = len(text) + shift
    lo, hi = min(len(text), target - 3), max(len(text), target + 3)
    got = settle(text, target, lo, hi)
    assert lo <= len(got) <= hi
    assert abs(len(got) - target) <= abs(len(text) - target)
    if len(text) == target:
        assert got == text  # a line already at the centre is left alone


def test_settle_rewrites_without_changing_what_is_said() -> None:
    from core.narration.writer import settle

    assert settle("这款面霜非常滋润，真的很好用。", 12, 9, 15) == "这款面霜很滋润，很好用。"
    assert settle("这款面霜很滋润。", 9, 6, 12) == "这款面霜非常滋润。"
    assert settle("质地清爽。", 9, 2, 8) == "质地清爽。"  # nothing to rewrite: unchanged


def test_narrated_lines_sit_at_the_budget_centre_more_often(resource: dict) -> None:
    from dataclasses import replace

    plain = EmbeddedNarrator(resource=resource)
    plain.writer.weights = replace(plain.writer.weights, settle=False)
    settled = EmbeddedNarrator(resource=resource)
    product = Product("雅诗兰黛沁水粉底液", {"功效": "遮瑕、持妆、轻薄服帖", "活动优惠": "买一送一"})
    req = request(product=product, durations=tuple(range(3000, 13000, 700)))

    def off_centre(lines: list[ClipNarration]) -> int:
        return sum(abs(len(c.text) - (c.chars_min + c.chars_max) // 2) for c in lines)

    a, b = plain.narrate(req), settled.narrate(req)
    assert off_centre(b) < off_centre(a)


def test_wording_only_one_product_says_ranks_low() -> None:
    from core.narration.learn import build_resource
    from core.narration.writer import LineWriter, Weights

    def video(name: str, lines: list[str]) -> dict:
        clips = [{"narration": x, "labels": ["产品功效"], "chars_min": 8, "chars_max": 14} for x in lines]
        return {"product": {"name": name, "attributes": {"功效": "保湿"}}, "clips": clips}

    videos = [
        video("甲乙面霜", ["它真的很保湿，很好用。", "穿上不掉裆，很保湿。"]),
        video("丙丁面霜", ["它真的很保湿，很好用。"]),
        video("戊己面霜", ["它真的很保湿，很好用。"]),
    ]
    res = build_resource(videos)
    own = {row[0]: row[6] for row in res["templates"]}
    odd = next(t for t in own if "不掉裆" in t)
    shared = next(t for t in own if "真的很" in t)
    assert own[odd] > 0 and own[shared] == 0

    def base_scores(writer: LineWriter) -> dict[str, float]:
        ctx = writer.product_context("庚辛面霜", {"功效": "保湿"})
        label = LABEL_NAMES.index("产品功效")
        return {
            t.text: base
            for slots in range(3)
            for static in range(30)
            for base, t in writer._usable(ctx, label, slots, static)
        }

    with_rule = base_scores(LineWriter(res))
    without = base_scores(LineWriter(res, Weights(own_words=0.0)))
    assert with_rule[odd] < without[odd] - 0.5
    assert with_rule[shared] == without[shared]


def test_attribute_values_that_repeat_their_heading_are_not_terms() -> None:
    terms = [
        t.text for t in product_terms({"质地": "质地、乳霜质地、生产日期", "成分/材质": "成分、乳木果油"})
    ]
    assert terms == ["乳霜质地", "生产日期", "乳木果油"]  # "质地"/"成分" filled in "这种非常质地的感觉"


def test_category_wording_stays_in_its_category() -> None:
    from core.narration.learn import build_resource
    from core.narration.writer import LineWriter, Weights

    def video(name: str, attributes: dict[str, str], lines: list[str]) -> dict:
        clips = [{"narration": x, "labels": ["产品功效"], "chars_min": 8, "chars_max": 14} for x in lines]
        return {"product": {"name": name, "attributes": attributes}, "clips": clips}

    foundation = {"功效": "遮瑕、持妆", "质地": "轻薄粉底"}
    videos = [
        video("甲乙粉底液遮瑕", foundation, ["上脸很服帖，不卡粉。", "它真的很好用。"]),
        video("丙丁粉底液遮瑕", foundation, ["上脸很服帖，不卡粉。"]),
        video("戊己电动牙刷", {"功效": "亮白、清洁"}, ["它真的很好用。"]),
    ]
    res = build_resource(videos)
    kin = {row[0]: row[7] for row in res["templates"]}
    odd = next(t for t in kin if "不卡粉" in t)
    assert sorted(kin[odd]) == [0, 1]  # the products whose ads say it

    def base_of(writer: LineWriter, name: str, attributes: dict[str, str]) -> float:
        ctx = writer.product_context(name, attributes)
        label = LABEL_NAMES.index("产品功效")
        return next(
            base
            for slots in range(3)
            for static in range(30)
            for base, t in writer._usable(ctx, label, slots, static)
            if t.text == odd
        )

    # the kin rule alone (the faithfulness filter would drop skin-care wording for a toothbrush outright)
    ruled, plain = LineWriter(res, Weights(faithful=False)), LineWriter(res, Weights(kin=0.0, faithful=False))
    brush = ("庚辛电动牙刷", {"功效": "亮白、清洁"})
    makeup = ("壬癸粉底液遮瑕", foundation)
    assert base_of(ruled, *brush) < base_of(plain, *brush) - 0.5  # a toothbrush is not a foundation
    assert base_of(ruled, *makeup) == base_of(plain, *makeup)  # another foundation may say it
    with pytest.raises(StopIteration):  # faithful (default): "上脸" is not for a toothbrush at all
        base_of(LineWriter(res), *brush)


def test_a_line_does_not_say_a_term_and_part_of_it(resource: dict) -> None:
    from core.narration.knowledge import slot_char
    from core.narration.writer import AdState, LineWriter, Template, _shared_term

    writer = LineWriter(resource)
    ctx = writer.product_context("清泉牌电动牙刷", {"功效": "护龈、温和护龈、亮白"})
    slot = slot_char("功效")
    two = Template([f"包括{slot}、{slot}。", [0], 2, 0.0, [], [], 0, []])
    fill = writer._fill(two, ctx, 2, 12, AdState())
    assert fill is not None and not _shared_term(fill[:1], fill[1:]), fill
    assert _shared_term(("温和护龈",), ("护龈",)) and not _shared_term(("亮白",), ("护龈",))


def test_two_part_lines_do_not_say_a_phrase_twice() -> None:
    from core.narration.writer import Candidate, _says_twice

    def half(text: str, terms: tuple[str, ...] = ()) -> Candidate:
        return Candidate(0.0, text, terms, text)

    assert _says_twice(half("赶紧点击链接购买吧。"), half("赶紧点击下方链接抢购。"))
    assert _says_twice(half("现在买一送一。", ("买一送一",)), half("一送一很划算。", ("一送一",)))
    assert not _says_twice(half("现在下单买一送一。", ("买一送一",)), half("赶紧点击链接购买吧。"))


def test_two_label_clips_draw_on_both_labels_templates(resource: dict) -> None:
    from core.narration.writer import AdState, LineWriter, Weights

    def first_labels(writer: LineWriter) -> set[str]:
        ctx = writer.product_context(CUP.name, CUP.attributes)
        got = writer.candidates(ctx, ["产品推荐", "引导购买"], 20, 26, 2, AdState(), limit=100)
        primary = {t.text: writer.labels[t.labels[0]] for t in writer.templates}
        return {primary[c.template] for c in got}

    assert first_labels(LineWriter(resource)) == {"产品推荐", "引导购买"}
    assert first_labels(LineWriter(resource, Weights(second_pool=0.0))) == {"产品推荐"}


def test_a_title_word_cutting_a_common_word_is_not_the_name() -> None:
    from core.narration.knowledge import NAME_KEY, slot_char
    from core.narration.learn import slot_line

    title = "蜜丝婷眼线液笔两用持久细胶笔速干"
    line = "这款眼线笔，持久细腻，不易晕染。"
    # "持久细" is this title's own word, but in the line it is 持久 + 细腻: no name slot ("飞利浦腻")
    assert slot_line(line, title, {}, {"持久细"}, "", frozenset({"细腻"})) == line
    assert slot_char(NAME_KEY) in slot_line(line, title, {}, {"持久细"}, "")
    # the brand at the title's start is still the name
    assert slot_line("蜜丝婷真的很细腻。", title, {}, set(), "", frozenset({"细腻"})).startswith(
        slot_char(NAME_KEY)
    )


def test_settle_keeps_the_meaning() -> None:
    from core.narration.writer import settle

    assert settle("这是真的。", 3, 3, 8) == "这是真的。"  # 真的 as "true" stays
    assert settle("这不就是我要的。", 7, 5, 11) == "这不就是我要的。"  # not "这不是我要的"
    assert settle("特别是干皮。", 5, 3, 9) == "特别是干皮。"  # "especially" is not "very"
    assert settle("它真的很好用。", 5, 3, 9) == "它很好用。"  # 真的 before what it stresses may go


def test_short_lines_are_not_a_fragment_around_a_term(resource: dict) -> None:
    """A 1-3 s clip's whole line is not "送错◇。" or "整个◇◇。" refilled ("送错欧莱雅。"): with slots, a
    template must keep three Chinese characters of its own there."""
    from core.narration.knowledge import SLOT_BASE, SLOT_KEYS
    from core.narration.writer import AdState, LineWriter, Weights

    def fragments(writer: LineWriter) -> list[str]:
        ctx = writer.product_context(CUP.name, CUP.attributes)
        out = []
        for label in LABEL_NAMES:
            for lo, hi in ((1, 6), (2, 8), (4, 10), (8, 14)):
                for c in writer.candidates(ctx, [label], lo, hi, 1, AdState(), limit=24):
                    slotted = any(SLOT_BASE <= ord(ch) < SLOT_BASE + len(SLOT_KEYS) for ch in c.template)
                    own = sum(1 for ch in c.template if "\u4e00" <= ch <= "\u9fff")
                    if slotted and own < 3:
                        out.append(c.text)
        return out

    assert not fragments(LineWriter(resource))
    assert fragments(LineWriter(resource, Weights(short_line=0)))  # the rule is what keeps them out


def test_one_products_type_word_is_a_slot_but_not_a_new_products_type() -> None:
    """素颜霜, said after 这款 by one product's ads, is cut out of its lines (a fixed "◇霜" would leak
    into other products' lines) but is not offered as a new product's type (一个 ad's 这个容量)."""
    from core.narration.knowledge import TYPE_KEY, slot_char
    from core.narration.learn import build_resource

    def video(name: str, lines: list[str]) -> dict:
        clips = [{"narration": x, "labels": ["产品推荐"], "chars_min": 8, "chars_max": 14} for x in lines]
        return {"product": {"name": name, "attributes": {"功效": "保湿"}}, "clips": clips}

    videos = [
        video("甲乙素颜霜懒人霜", ["这款素颜霜真的很保湿。", "素颜霜一抹就好。"]),
        video("丙丁素颜霜", ["它真的很保湿，很好用。", "素颜霜很保湿。"]),
        video("戊己面霜", ["它真的很保湿，很好用。"]),
    ]
    res = build_resource(videos)
    lines = [row[0] for row in res["templates"]]
    assert any(slot_char(TYPE_KEY) in t for t in lines)
    assert not [t for t in lines if "素颜霜" in t or "颜霜" in t]
    assert "素颜霜" not in res["type_words"]


def test_a_type_words_tail_after_the_name_is_refused(resource: dict) -> None:
    """ "这款◇霜。" (the source product's 面霜 cut after its name) would call a serum a cream."""
    from core.narration.knowledge import NAME_KEY, slot_char
    from core.narration.writer import AdState, LineWriter, Template, Weights

    name = slot_char(NAME_KEY)

    def row(text: str) -> list:
        return [text, [0], 0, 0.0, [], [], 0, []]

    assert Template(row(f"就是因为我用的这款{name}霜。")).tail_leak
    assert Template(row(f"这是我最近购入的{name}刷，很好用。")).tail_leak
    assert not Template(row(f"我真的是太爱{name}了。")).tail_leak
    assert not Template(row(f"赶快试试{name}吧。")).tail_leak

    def leaked(writer: LineWriter) -> list[str]:
        ctx = writer.product_context("澜肌轻盈保湿精华液", {"功效": "长效补水、修护屏障"})
        out = []
        for label in LABEL_NAMES:
            for lo, hi in ((7, 13), (12, 18), (18, 24)):
                for c in writer.candidates(ctx, [label], lo, hi, 0, AdState(), limit=96):
                    said = "|".join(re.escape(x) for x in (ctx.full_name, ctx.spoken_name) if x)
                    if re.search(f"(?:{said})[霜乳膏刷膜水液华][，。！？、；]", c.text):
                        out.append(c.text)
        return out

    writer = LineWriter(resource, Weights(scan=400, pool=96))
    assert not leaked(writer)
    assert leaked(LineWriter(resource, Weights(scan=400, pool=96, tail_leaks=False)))


def test_a_second_half_that_only_names_the_product_is_refused() -> None:
    from core.narration.knowledge import TYPE_KEY, slot_char
    from core.narration.writer import Candidate, _dangles

    only_name = Candidate(0.0, "这款产品。", (), f"这款{slot_char(TYPE_KEY)}。")
    says_more = Candidate(0.0, "这款产品真的很好用。", (), f"这款{slot_char(TYPE_KEY)}真的很好用。")
    fixed = Candidate(0.0, "真的很好用。", (), "真的很好用。")
    assert _dangles(only_name) and not _dangles(says_more) and not _dangles(fixed)


def test_a_type_word_is_only_said_of_products_named_so(resource: dict) -> None:
    """ "这款◇精华。" needs 精华 in the product's title, not just 植物精华 among its ingredients."""
    from core.narration.writer import AdState, LineWriter, Weights

    writer = LineWriter(resource, Weights(scan=400, pool=96))
    ctx = writer.product_context("娇韵诗果冻护唇油", {"成分/材质": "植物精华、维生素E", "功效": "保湿滋润"})
    said = [
        c.text
        for label in LABEL_NAMES
        for lo, hi in ((6, 12), (10, 16), (14, 20))
        for c in writer.candidates(ctx, [label], lo, hi, 0, AdState(), limit=96)
    ]
    assert said and not [x for x in said if "娇韵诗精华" in x]
