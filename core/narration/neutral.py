"""Hand-written category-neutral line templates, per storyline label and length band.

A second source beside the templates learned from E-SyncVidStory (mostly beauty care): their fixed words
suit any product (a bike, an air fryer, nuts, a toy), and every one of them carries a fact of the product
in a typed slot. `{名称}` is the spoken name, `{品类}` the product type, the other slots are knowledge
fields and take terms of that field's type (see knowledge.KEY_KIND).
"""

from __future__ import annotations

from core.narration.knowledge import SLOT_KEYS, slot_char

NEUTRAL: dict[str, tuple[str, ...]] = {
    "产品推荐": (
        "{名称}。",
        "推荐{名称}。",
        "就是这款{名称}。",
        "今天推荐{名称}。",
        "今天给大家推荐{名称}。",
        "这款{名称}，{质量/特性}。",
        "{名称}，{功效}。",
        "今天给大家推荐这款{名称}，{质量/特性}。",
        "最近入手了{名称}，{功效}，真的很满意。",
        "给大家推荐一款我自己一直在用的{名称}。",
        "如果你想要{功效}，一定要试试{名称}。",
        "这款{名称}，{质量/特性}，而且{功效}。",
        "一直在找好用的{品类}，直到遇见了{名称}。",
    ),
    "痛点铺垫": (
        "{痛点}？",
        "是不是{痛点}？",
        "你是不是也{痛点}？",
        "你是不是也经常{痛点}？",
        "很多人都有这个烦恼，{痛点}。",
        "以前总是{痛点}，真的很头疼。",
        "是不是也{痛点}？试试{名称}。",
        "{痛点}？有了{名称}就不用担心了。",
        "以前的{品类}总让我{痛点}，直到换了{名称}。",
    ),
    "引导购买": (
        "{活动优惠}。",
        "现在{活动优惠}。",
        "现在下单{活动优惠}。",
        "{名称}，{活动优惠}。",
        "现在下单{活动优惠}，赶紧入手吧。",
        "{名称}现在{活动优惠}，点击下方链接就能买。",
        "喜欢的话赶紧下单，现在{活动优惠}。",
        "现在入手{名称}，{活动优惠}，数量有限，先到先得。",
        "想要{名称}的赶紧点击下方链接，现在{活动优惠}。",
        "{售后服务}，放心买。",
        "喜欢{名称}的赶紧点击下方链接下单吧。",
        "赶紧点击下方链接，把{名称}带回家吧。",
        "{名称}，赶紧下单吧。",
        "赶紧入手{名称}吧。",
    ),
    "外观设计": (
        "{外观}。",
        "{外观}，很好看。",
        "它是{外观}。",
        "外观上是{外观}。",
        "{名称}的外观是{外观}，简洁好看。",
        "看它的外观，{外观}，设计很用心。",
        "{外观}，放在哪里都好看。",
        "这款{品类}是{外观}，颜值很高。",
    ),
    "质地/成分/材质": (
        "{成分/材质}。",
        "用的是{成分/材质}。",
        "它用的是{成分/材质}。",
        "{名称}用的是{成分/材质}。",
        "材料上用的是{成分/材质}，很放心。",
        "它采用{成分/材质}，{质量/特性}。",
        "{名称}选用{成分/材质}，做工很扎实。",
        "用料很实在，{成分/材质}。",
    ),
    "产品试用": (
        "用起来{功效}。",
        "实际用了一下，{功效}。",
        "我自己用了一段时间，{功效}。",
        "上手试了一下，{质量/特性}，{功效}。",
        "用了{名称}之后，{功效}，真的很方便。",
        "我们来试一下，{质量/特性}。",
        "日常用起来，{功效}。",
    ),
    "产品功效": (
        "{功效}。",
        "它能{功效}。",
        "{名称}，{功效}。",
        "用了它，{功效}。",
        "最让我满意的是{功效}。",
        "{名称}最大的亮点就是{功效}。",
        "{功效}，这一点真的很实用。",
        "它不仅{功效}，而且{质量/特性}。",
        "有了{名称}，{功效}，省心很多。",
    ),
    "质量/特性介绍": (
        "{质量/特性}。",
        "它{质量/特性}。",
        "{名称}，{质量/特性}。",
        "品质方面，{质量/特性}。",
        "{名称}{质量/特性}，品质很可靠。",
        "这款{品类}{质量/特性}，用着很放心。",
        "做工很好，{质量/特性}。",
        "{售后服务}，用着放心。",
    ),
    "鉴定展示": (
        "{鉴定/认证}。",
        "{名称}，{鉴定/认证}。",
        "大家可以看到，{鉴定/认证}。",
    ),
    "安全认证": (
        "{鉴定/认证}。",
        "{名称}{鉴定/认证}，用着放心。",
        "安全方面，{鉴定/认证}。",
    ),
    "生产过程": (
        "{生产工艺}。",
        "{名称}采用{生产工艺}。",
        "生产上，{生产工艺}，每一步都很用心。",
    ),
    "其他/通用卖点": (
        "{质量/特性}。",
        "{名称}，{质量/特性}。",
        "{名称}{功效}，值得一试。",
        "总之，{名称}{质量/特性}，很值得入手。",
        "这款{名称}，{功效}。",
    ),
}


def neutral_rows(labels: list[str]) -> list[list[object]]:
    """The templates as resource rows: [text with slot characters, [label index], position, score,
    bound words, source products, own words, kin] (position 2: any place; no source product)."""
    rows: list[list[object]] = []
    for label, texts in NEUTRAL.items():
        if label not in labels:
            continue
        for text in texts:
            out = text
            for key in SLOT_KEYS:
                out = out.replace("{" + key + "}", slot_char(key))
            rows.append([out, [labels.index(label)], 2, 0.1, [], [], 0, []])
    return rows
