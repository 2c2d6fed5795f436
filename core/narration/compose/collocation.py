"""Which words may stand right before a slot of each type: the collocation rules of docs/sentence-bank.md
("采用{benefit}", "适合{trait}", "质地是{material}" never read). Used on bank units when the bank is read and
on finished lines (a card fact in a wrong frame) by the last check."""

from __future__ import annotations

import re

BAD_BEFORE: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(
            r"(?:采用|采用了|用的是|选用|选用了|含有|富含|添加|添加了|加入|加入了|蕴含|甄选|精选|萃取)$"
        ),
        frozenset({"benefit", "trait", "pain", "texture", "offer", "event", "audience", "service", "cert"}),
    ),
    (
        re.compile(r"(?:适合|专为|适用于|特别适合)$"),
        frozenset({"trait", "benefit", "material", "part", "texture", "pain", "offer", "look", "cert"}),
    ),
    (re.compile(r"(?:有|还有|享|享受)$"), frozenset({"offer", "benefit", "trait", "texture"})),
    (re.compile(r"通过(?:了)?$"), frozenset({"cert"})),
    (re.compile(r"(?:质地是|质地|口感是|手感是)$"), frozenset({"material", "part", "look", "benefit"})),
    (re.compile(r"它$"), frozenset({"texture", "material", "part", "look", "audience", "offer", "event"})),
    (
        re.compile(r"(?:能|能够|可以|帮你|帮助|帮|助你)$"),
        frozenset({"material", "part", "look", "audience", "offer", "event", "cert", "texture", "pain"}),
    ),
    (
        re.compile(r"(?:告别|远离|解决|不再|摆脱|不怕|担心|害怕|怕)$"),
        frozenset({"benefit", "material", "part", "look", "audience", "offer", "event", "cert", "texture"}),
    ),
    (
        re.compile(r"(?:很|非常|特别|超|真的很|超级)$"),
        frozenset({"benefit", "material", "part", "pain", "offer"}),
    ),
    (re.compile(r"是$"), frozenset({"benefit", "pain", "offer"})),
    (
        re.compile(r"(?:它就是|这就是|就是)$"),
        frozenset({"part", "material", "benefit", "pain", "offer", "event", "cert", "service"}),
    ),
    (
        re.compile(r"(?:不仅|不但|而且|还|并且|更)$"),
        frozenset({"pain", "material", "look", "audience", "event"}),
    ),
)
"""Words right before a slot that cannot take phrases of these types (docs: what never reads)."""


def bad_before(before: str, slot: str) -> str | None:
    """Why a phrase of type `slot` cannot follow the text `before`, or None."""
    slot = slot.rstrip("2")
    for pattern, bad in BAD_BEFORE:
        if slot in bad:
            m = pattern.search(before)
            if m:
                return f"'{m.group(0)}' before a {slot}"
    return None
