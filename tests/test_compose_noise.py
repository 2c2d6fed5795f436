"""Bad input (issue #23): a card full of noise gives fewer, clean lines and warnings naming the fields; never
a crash, never noise read aloud."""

from __future__ import annotations

import re

from core.narration.base import ClipRequest, NarrationRequest
from core.narration.embedded import EmbeddedNarrator
from core.narration.knowledge import knowledge_warnings
from core.project import Product

NOISE = ("AUTHENTICATION", "X9-200B", "😀", "雅诗兰黛", "小棕瓶", "涵盖20", "TOP", "超长保温超长保温", "A1")
NOISY = Product(
    "清泉牌保温杯大容量不锈钢水杯",
    {
        "功效": "保温12小时、😀😀、A、X9-200B、" + "超长保温" * 500,
        "成分/材质": "316不锈钢、A1、食、雅诗兰黛小棕瓶精华",
        "活动优惠": "福利多、AUTHENTICATION、7",
        "通用卖点": "涵盖20+、TOP好评、计销售件数",
        "鉴定/认证": "AUTHENTICATION",
        "痛点": "水很快变凉",
    },
)


def test_a_noisy_card_gives_clean_lines_in_budget_and_warnings() -> None:
    narrator = EmbeddedNarrator()
    labels = ("产品推荐", "痛点铺垫", "产品功效", "质地/成分/材质", "安全认证", "引导购买")
    clips = tuple(ClipRequest(i, 0, 8 + 6 * i, 14 + 6 * i, (lab,)) for i, lab in enumerate(labels))
    lines = narrator.narrate(NarrationRequest(NOISY, clips))
    assert len(lines) == len(labels)
    for line in lines:
        assert line.chars_min <= len(line.text) <= line.chars_max, line
        assert not any(n in line.text for n in NOISE), line.text
        assert not re.search(r"[0-9]", line.text.replace("316", "").replace("12", "")), line.text
    said = "".join(x.text for x in lines)
    assert "316不锈钢" in said or "保温12小时" in said  # the clean facts are still said
    warnings = knowledge_warnings(NOISY)
    for field in ("活动优惠", "通用卖点", "鉴定/认证"):
        assert any(w.startswith(f"{field}: nothing usable") for w in warnings), (field, warnings)
    assert not any(w.startswith(("功效", "成分/材质", "痛点")) for w in warnings)


def test_an_empty_or_garbage_card_never_crashes() -> None:
    narrator = EmbeddedNarrator()
    clips = tuple(ClipRequest(i, 0, lo, lo + 6) for i, lo in enumerate((3, 10, 25, 60, 94)))
    for product in (
        Product("", {}),
        Product("😀😀😀", {"?": "?", "": "、、、", "功效": "、".join("ABCDEFG")}),
        Product("X" * 300, {"功效": "好" * 2000}),
    ):
        for line in narrator.narrate(NarrationRequest(product, clips)):
            assert line.chars_min <= len(line.text) <= line.chars_max, (product.name[:10], line)
