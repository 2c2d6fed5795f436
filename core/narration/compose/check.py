"""The last check every line goes through, whoever wrote it (the composer, the LLM, a fallback).

`reads_wrong(line, card)` names the first defect a copywriter would reject the line for, or None: a bare list
of facts, a repeated word or clause, a dangling clause, a word of another kind of product, two calls to buy
(or a second one in the ad), a figure or offer the card does not say.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from core.narration.compose import lexicon as lx
from core.narration.compose.collocation import bad_before
from core.narration.compose.facts import CHILD, Card, predicate_form, spoken_forms
from core.narration.words import _jieba, words

_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")
_CLAUSE = re.compile(r"[，,；;：:]")
_FUNCTION = frozenset(
    "它我你他她们这那很真也都就还又的了吧呢啊呀哦嘛让把被给在是有能会要更最太超特别非常用得着过"
)
"""Characters of a spoken clause that is more than a listed item (a pronoun, an adverb, a particle)."""
_REPEAT_OK = frozenset(
    (
        "这款", "真的", "非常", "特别", "我们", "大家", "可以", "就是", "一个", "这个", "时候", "自己", "不会",
        "没有", "一下", "已经", "而且", "还有", "每天", "一直", "什么", "不是", "也是", "都是", "还是", "不用",
        "觉得", "感觉", "一样", "起来", "我的", "你的", "它的", "姐妹", "宝宝", "喜欢", "一款", "这么",
    )
)  # fmt: skip
"""Words a line may say twice without sounding repetitive."""
_DANGLING_END = re.compile(
    r"(?:之后|以后|的时候|的话|接下来|然后|而且|并且|以及|(?<![违温柔暖缓平调随谦祥总])和|跟|与|因为|如果|虽然|不仅|不但|比如|"
    r"还有|另外|所以|但是|可是|同时|加上|再加上|首先|其次|对于|关于|作为|为了|由于|除了|通过|随着)$"
)
_LEAD_ONLY = re.compile(r"^(?:因为|如果|虽然|只要|一旦|由于|除了)")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CN_FIGURE = re.compile(
    r"(?<![第每])[一二两三四五六七八九十百千万半]+(?:个月|天|年|小时|分钟|秒|倍|折|元|块|斤|公斤|克|毫升|升|片|粒|瓶|支|件|层|档|度|速|期)"
)
_UNITS = frozenset("克升米元块%毫瓦帕小分秒天年个月倍折期件瓶支袋包粒片次度寸斤吨号码GgMmKkLlWwHh")
"""What follows a figure as its unit: "买50克" against a card's 买100克 is another offer."""
_CN_FIGURE_OK = frozenset(
    {"一天", "一瓶", "一支", "一件", "一片", "一粒", "一层", "一年", "两天", "半天", "一秒", "一度"}
)
_DEAL = re.compile(
    r"半价|免单|包邮|免息|买[一二两三四五]送[一二两三]|第[二三两]件|[一二两三四五六七八九十]折|赠品|送[^，。！？]{0,2}礼"
)


def _clauses(text: str) -> list[str]:
    return [
        c.strip(" 。！？!?")
        for s in _SENTENCE.findall(text)
        for c in _CLAUSE.split(s)
        if c.strip(" 。！？!?")
    ]


def _says_something(item: str) -> bool:
    """The last item of a 、 run goes on into a predicate ("下巴各点一点"), not just a listed thing."""
    return bool(set(item) & _FUNCTION) or any(f.startswith("v") and f != "vn" for _, f in words(item))


def _listed(clause: str, facts: frozenset[str]) -> bool:
    """A clause that is only a listed item: a card fact or the name alone, or a phrase with no verb and
    no pronoun, adverb or particle ("不锈钢机身", "上班族")."""
    if clause in facts:
        return True
    if set(clause) & _FUNCTION or clause.startswith(lx.CONNECTIVES):
        return False
    return not any(f.startswith("v") and f != "vn" for _, f in words(clause))


def bare_list(text: str, facts: frozenset[str] = frozenset()) -> bool:
    """Three or more listed items in a row (comma-separated clauses, or card facts joined by 、)."""
    for c in _clauses(text):
        items = c.split("、")
        said = sum(1 for x in items if x in facts)
        if len(items) >= 3 and (said >= 2 or not _says_something(items[-1])) and said >= 1:
            return True
    run = 0
    for sentence in _SENTENCE.findall(text):
        for c in _CLAUSE.split(sentence):
            c = c.strip(" 。！？!?")
            if not c:
                continue
            run = run + 1 if _listed(c, facts) else 0
            if run >= 3:
                return True
    return False


@functools.lru_cache(maxsize=8192)
def _plain_words(text: str) -> tuple[str, ...]:
    """jieba's dictionary words of `text` (no tags, no HMM: fast enough for every candidate line)."""
    return tuple(_jieba().tokenizer.lcut(text, HMM=False))


def repeats(text: str) -> str | None:
    """A word or clause said twice ("它里面…，它里面…", "下单下单", "SPF48PA…，SPF48PA")."""
    clauses = _clauses(text)
    if len(set(clauses)) < len(clauses):
        return "a clause said twice"
    openings = [c[:3] for c in clauses if len(c) >= 5 and re.fullmatch(r"[\u4e00-\u9fff]{3}", c[:3])]
    if len(set(openings)) < len(openings):
        return "two clauses open the same way"
    if re.search(r"可以可|能可以|可以能|能能|可能可", text):
        return "a doubled modal"
    for m in re.finditer(r"([\u4e00-\u9fff]{2,4})\1", text):
        if not (m.group(1)[0] == "一" or m.group(1)[-1] in "着了过"):
            return "a doubled word"  # "下单下单"; not "用着用着", "一层一层"
    seen: set[str] = set()
    for w in (w for sentence in _SENTENCE.findall(text) for w in _plain_words(sentence)):
        # a word of three or more characters said twice ("它里面…它里面" is caught by the openings);
        # two-character words recur in natural speech ("好看的不舒服，舒服的又不好看")
        ok = len(w) < 3 or w in _REPEAT_OK or not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", w)
        if ok:
            continue
        if w in seen and f"{w}又{w}" not in text:
            return f"'{w}' said twice"
        seen.add(w)
    latin = re.findall(r"[A-Za-z0-9]{3,}", text)
    if len(set(latin)) < len(latin):
        return "a code said twice"
    return None


def dangles(text: str) -> bool:
    """A sentence left open ("今天推荐星耀智能手机，接下来。", "用过一些植物医生之后。")."""
    for sentence in _SENTENCE.findall(text):
        parts = [c.strip(" 。！？!?") for c in _CLAUSE.split(sentence) if c.strip(" 。！？!?")]
        if not parts:
            continue
        if _DANGLING_END.search(parts[-1]):
            return True
        if any(p.endswith("方面") and len(p) <= 4 for p in parts[1:]):
            return True  # a topic opener mid-sentence ("它激光导航，品质方面，自动回充")
        if len(parts) == 1 and _LEAD_ONLY.match(parts[0]):
            return True
        body = "".join(parts)
        rest = re.split("不仅|不但", body)[-1]
        if ("不仅" in body or "不但" in body) and not re.search(r"而且|还|也|更|同时", rest):
            return True
    return False


def off_kind(text: str, card: Card) -> str | None:
    """A word that belongs to another kind of product and that the card does not say."""
    for word, kinds in lx.ONLY_KINDS.items():
        if word in text and card.kind not in kinds and word not in card.text:
            return word
    return None


def calls_to_buy(text: str, card: Card | None = None) -> int:
    """Clauses that ask to buy ("点击下方链接购买" is one call); with the card, its offers ("下单送礼品袋"),
    name and type ("Toyroyal购物车") are not calls."""
    if card is not None:
        for said in sorted(
            [card.name, card.type_word, *(f.text for f in card.of("offer"))], key=len, reverse=True
        ):
            if said:
                text = text.replace(said, "")
    return sum(1 for c in re.split(r"[，,。！？!?；;]", text) if lx.CTA.search(c))


def unsupported_figure(text: str, card: Card) -> str | None:
    """A figure, amount or deal in the line that the card does not say exactly."""
    said = unicodedata.normalize("NFKC", text)
    numbers = set(_NUMBER.findall(card.text))
    for m in _NUMBER.finditer(said):
        if m.group(0) not in numbers:
            return m.group(0)
        tail = said[m.end() : m.end() + 1]
        unit_of = tail in _UNITS and said[m.end() : m.end() + 2] != "期间"  # "双11期间" is no 11期
        if tail and unit_of and m.group(0) + tail not in card.text:
            return m.group(0) + tail
    for m in re.finditer(r"[A-Za-z]+", said):
        if m.group(0).lower() not in card.text.lower():
            return m.group(0)  # a model letter ("U小米扫地机器人")
    for m in _CN_FIGURE.finditer(said):
        if m.group(0) not in _CN_FIGURE_OK and m.group(0) not in card.text:
            return m.group(0)
    for m in _DEAL.finditer(said):
        if m.group(0) not in card.text:
            return m.group(0)
    return None


_MEASURE = re.compile(r"[\u4e00-\u9fff]{2,6}(?:约|达|高达|仅|只有)?[0-9.]+[A-Za-z%\u4e00-\u9fff]{0,3}")
"""A measure of the product said as a property ("整车重量8.5公斤", "续航30小时")."""
_HURRY = re.compile(
    r"赶紧(?!下单|入手|拍|抢|去|来|买|收藏|加购|加入|放进|点|囤|冲|试|用|带|领|行动|上车|把|给|看|跟|让|一起|关注|安排|备|换|选)"
)
"""赶紧 asks for an action: "赶紧大优惠吧" is not a sentence."""


def misplaced_fact(text: str, card: Card) -> str | None:
    """A card fact in a frame that does not take its type ("质地是角鲨烷", "采用亲肤透气"); a fact inside a
    longer one ("轻薄" in "轻薄透气") is the longer one's."""
    taken: list[tuple[int, int]] = []
    for fact in sorted((*card.facts, *card.raw), key=lambda f: -len(f.text)):
        if fact.text in card.name or (card.type_word and fact.text in card.type_word):
            continue  # part of what the product is called ("彩色" of 彩色打印机)
        at = text.find(fact.text)
        while at >= 0:
            end = at + len(fact.text)
            if not any(a < end and at < b for a, b in taken):
                if any(text[a:b] == fact.text for a, b in taken):
                    return f"'{fact.text}' said twice"
                taken.append((at, end))
                problem = bad_before(text[:at], fact.slot) if at > 0 else None
                if (
                    not problem
                    and (
                        _MEASURE.fullmatch(fact.text)
                        or (fact.slot == "trait" and re.search(r"[0-9]", fact.text))
                    )
                    and re.search(r"(?:还|也|更|很|超|真的)$", text[:at])
                ):
                    problem = "an adverb before a measure"  # "它还整车重量8.5公斤"
                if problem:
                    return f"{problem} ({fact.text})"
            at = text.find(fact.text, at + 1)
    if _HURRY.search(text):
        return "赶紧 without an action"
    return None


def unsupported_claim(text: str, card: Card) -> str | None:
    """A claim word (认证, 销量, 天猫 ...) in the line that the card does not say."""
    for m in lx.CLAIMS.finditer(text):
        if m.group(0) not in card.text:
            return m.group(0)
    return None


@functools.lru_cache(maxsize=4096)
def subject_predicate(phrase: str) -> bool:
    """A trait with its own subject ("手感好", "蓬松度高", "豆浆细腻", "整车重量8.5公斤"): it reads as a
    clause on its own, never after 它还/很 ("它还手感好")."""
    tags = words(phrase, hmm=False)
    return len(tags) >= 2 and tags[0][1].startswith("n") and tags[-1][1][:1] in ("a", "q", "m")


_BEFORE_CLAUSE = ("它还", "还", "很", "更", "也很", "它也")


def clause_after_adverb(text: str, card: Card) -> str | None:
    """A subject-predicate trait after an adverb ("同时它还蓬松度高"), or None."""
    for f in card.facts:
        after = any(a + f.text in text for a in _BEFORE_CLAUSE)
        if f.slot in ("trait", "texture") and after and subject_predicate(f.text):
            return f.text
    return None


_EMPHATIC = re.compile(r"[最更太很]重要|最(?!近|后|初|终)|关键是|重点是")
"""Words that single one point out as the most important: a line has one ("其实我最看重的是…。更重要的是…"
contradicts itself; "最让我惊喜的是…。关键是…" stacks)."""
_CLOSING = re.compile(r"原因|底气|理由")
"""A sentence that closes a reason ("这就是我喜欢它的原因"): only a call to buy may follow it."""
_SPOKEN_ONCE = (
    "真的", "就对了", "原因", "实用", "喜欢", "满意", "惊喜", "省心", "放心", "用心", "特别", "超级",
    "不夸张", "说实话", "说真的", "讲真", "不得不说", "宝藏", "好物", "在线", "绝了", "爱了", "用的是", "这一点",
    "很高级", "很加分", "踩雷", "头疼", "烦恼", "纠结",
)  # fmt: skip
"""Spoken intensifiers and stock words of the frames: said twice in a line they sound padded ("农夫山泉橙汁，
真的可以。真的能补充维生素C。", "真的很实用。它有四个人仔，这一点很实用。", two 就对了)."""
_LOOK = re.compile(r"你们?看")
_OPENER_TALK = ("说实话", "不夸张地说", "说真的", "讲真", "不得不说", "老实说", "坦白说", "真心说")
"""Openers that vouch for what follows: one per line ("说实话…。不夸张地说…" stacks them)."""
DEAL_TALK = re.compile(r"福利|优惠|划算|这波|很值|超值|捡漏|好时候|便宜|实惠|省钱|折扣|薅羊毛|白菜价|性价比")
"""Talk of a good deal: only for a product whose card has an offer ("这波福利真的很值，赶紧去抢！" for a
product with no offer is a claim nothing backs; the composer says the offer in the same line)."""
AFTER_CALL_SLOTS = frozenset({"offer", "event", "service"})
"""What a line may still say after its call to buy: the deal and the service that back it."""


def _said_facts(text: str, card: Card) -> list[tuple[int, int, str]]:
    """The card's facts said in `text` (start, end, slot), longest first and not inside one another."""
    out: list[tuple[int, int, str]] = []
    for fact in sorted(card.facts, key=lambda f: -len(f.text)):
        if fact.text in card.name or (card.type_word and fact.text in card.type_word):
            continue
        for form in spoken_forms(fact.text, fact.slot):  # "音质饱满" is said "音质也很饱满"
            at = text.find(form)
            while at >= 0:
                end = at + len(form)
                if not any(a < end and at < b for a, b, _ in out):
                    out.append((at, end, fact.slot))
                at = text.find(form, at + 1)
    return sorted(out)


def _frame(text: str, card: Card) -> str:
    """`text` with the card's facts and the product's name and type blanked: the writer's own words."""
    out = text
    for a, b, _ in reversed(_said_facts(text, card)):
        out = out[:a] + "Ⓕ" + out[b:]
    for said in (card.name, card.type_word):
        if said:
            out = out.replace(said, "Ⓝ")
    return out


_GENERIC_PAIRS = frozenset({"设计", "材质", "面料", "功能", "效果", "成分", "颜色", "一次", "不会", "可以"})


def same_idea(a: str, b: str) -> bool:
    """Two facts that say the same thing ("双向快充" and "22.5瓦快充", "不粘涂层" and "煎蛋不粘", "不加水" and
    "不加糖"): they share a two-character piece of Chinese that is not a generic head word."""
    pieces = {a[i : i + 2] for i in range(len(a) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", a[i : i + 2])}
    return any(p in b and p not in _GENERIC_PAIRS for p in pieces)


def awkward_join(text: str, card: Card) -> str | None:
    """How the sentences of a line contradict or pad each other, or None: two emphatics (最…更重要的是), a
    point added to a closed reason, a stock word said twice (真的, 就对了), two vouching openers, the same
    fact idea twice, a selling point after the call to buy, deal talk for a product with no offer."""
    frame = _frame(text, card)
    if len(_EMPHATIC.findall(frame)) > 1:
        return "two emphatics in one line"
    sentences = [s for s in _SENTENCE.findall(frame) if s.strip(" 。！？!?")]
    for k, before in enumerate(sentences[:-1]):
        if _CLOSING.search(before) and not all(calls_to_buy(x, card) for x in sentences[k + 1 :]):
            return "a point added after a closed reason"  # "…这就是我喜欢它的原因。最重要的是，…"
    for w in _SPOKEN_ONCE:
        if sum(w in x for x in sentences) > 1:
            return f"'{w}' said twice"  # in two sentences: stock words stacked, not one figure of speech
    if sum(bool(_LOOK.search(x)) for x in sentences) > 1:
        return "'你看' said twice"
    if sum(any(w in x for w in _OPENER_TALK) for x in sentences) > 1:
        return "two vouching openers"
    said = _said_facts(text, card)
    texts = [text[a:b] for a, b, _ in said]
    for i, x in enumerate(texts):
        for y in texts[i + 1 :]:
            if x != y and same_idea(x, y):
                return f"the same idea twice ({x}, {y})"
    deal = DEAL_TALK.search(frame)
    if deal and not card.of("offer") and not card.of("event") and deal.group(0) not in card.text:
        return f"'{deal.group(0)}' with no offer on the card"
    asked = False
    for s in _SENTENCE.finditer(text):
        if not asked:
            asked = calls_to_buy(s.group(0), card) > 0
            continue
        slots = {slot for a, b, slot in said if s.start() <= a < s.end()}
        if not slots & AFTER_CALL_SLOTS:
            return "a selling point after the call to buy"
    return None


_ADD_BEFORE = ("它还", "它也", "还", "也", "又")


def bad_predicate(text: str, card: Card) -> str | None:
    """A card fact said in a form its grammar does not take (issue #23's struck lines): a bare adjective
    after 它 ("它轻量", "它光滑，"), a fact with its own subject after an adverb ("它还音质饱满"), a verb
    phrase after 它 without 能 ("它一键清洗"), the user's feeling said of the product ("它不紧绷"), or card
    wording no one says ("它水靓弹嫩", "强劲而不噪")."""
    own = tuple(x for x in (card.name, card.type_word) if x)
    for fact in card.facts:
        if fact.slot == "part" and len(fact.text) == 3 and predicate_form(fact.text)[0] == "sp":
            if re.search(r"有$", text[: max(0, text.find(fact.text))]) and fact.text in text:
                return f"a size said as a thing ({fact.text}): say 它的{fact.text[1:]}很{fact.text[0]}"
            continue  # "它还有小颗粒"
        if fact.slot not in ("trait", "texture"):
            continue
        at = text.find(fact.text)
        while at >= 0:
            before, after = text[:at], text[at + len(fact.text) :]
            form = predicate_form(fact.text)[0]
            after_it = before.endswith(("它", *_ADD_BEFORE, *own))
            ends = not after or after[0] in "，。！？,!?；;"
            if after.startswith("的"):
                at = text.find(fact.text, at + 1)
                continue  # "能补水又久洗不变形的面霜": said of a noun, not as a predicate
            if form == "literary":
                return f"card wording no one says ({fact.text})"
            if form == "measure" and before.endswith((*_ADD_BEFORE, "很", "更")):
                return f"an adverb before a measure ({fact.text})"  # "它还半小时充满一半"
            if (
                form == "measure"
                and before.endswith("它")
                and re.search(r"^[0-9.]+[^0-9]{1,2}加[厚宽长高]$", fact.text)
            ):
                return f"a measure said as a verb ({fact.text}): say 有…厚"  # "它10毫米加厚"
            if (
                form == "sp"
                and before.endswith("它")
                and len(fact.text) == 3
                and fact.text[0] in "低高大小长短强轻薄厚细少多"
            ):
                return f"an adjective before its noun said as a predicate ({fact.text})"  # "它低延迟"
            if form == "adj" and ends and (after_it or (fact.slot == "texture" and before.endswith("，"))):
                return f"a bare adjective as a predicate ({fact.text}): say 很"
            if form == "sp" and before.endswith((*_ADD_BEFORE, "很", "更")):
                return f"'{fact.text}' has its own subject: not after 还/很"
            if form == "verb" and before.endswith(("它", "它还", "它也")):
                return f"a verb phrase after 它 without 能 ({fact.text})"
            if form == "feel" and before.endswith("它"):
                return f"the user's feeling said of the product ({fact.text})"
            at = text.find(fact.text, at + 1)
    return None


STOCK_ONCE: tuple[tuple[str, ...], ...] = (
    ("推荐", "安利"), ("下单",), ("细节",), ("体验",), ("下来",), ("实际",), ("穿着",), ("一整天",), ("用心",),
)  # fmt: skip
"""Stock words of the frames and cards that a line says once ("今天推荐X。…必须推荐给你们", "下单送礼品袋，赶紧
下单吧", "细节很用心。细节处理得很到位", "实际用下来…实际体验下来", "穿着凉爽，一整天穿着")."""


def stock_twice(text: str, card: Card) -> str | None:
    """A stock word said twice in a line, card words included (the name is not counted)."""
    said = text.replace(card.name, "Ⓝ") if card.name else text
    for group in STOCK_ONCE:
        if sum(said.count(w) for w in group) > 1:
            return f"'{group[0]}' said twice"
    if card.type_word:
        for sentence in _SENTENCE.findall(text):
            at = sentence.find(card.name) if card.name else -1
            if at >= 0 and card.type_word in sentence[at + len(card.name) :]:
                return "the product type said again after the name"  # "三只松鼠每日坚果，…的一款每日坚果"
    return None


def wrong_use(text: str, card: Card) -> str | None:
    """A word of using another kind of product ("体验下来" for rice, "骑" things said of a treadmill carried
    out, "如果你是小学生" for the parent who buys a child's watch, "平时穿什么" for underwear)."""
    title = card.type_word or card.name
    words_of = lx.USE_WORDS.get(lx.use_kind(title) or lx.use_kind(card.name), ())
    for w in words_of:
        if w in text and w not in card.text:
            return f"'{w}' is not how one uses this product"
    if lx.STATIONARY.search(title) and any(w in text for w in lx.CARRIED):
        return "a product that stays at home carried out"
    m = re.search(r"你是([^，。！？]{2,8})", text)
    child = next((a.text for a in card.of("audience") if CHILD.search(a.text)), "")
    asks = child and re.search(re.escape(child) + r"(?:可以放心入手|看过来|一定要|可以入手|放心选)", text)
    if (m and CHILD.search(m.group(1))) or asks:
        return "speaks to the child, not the buyer"
    if lx.INTIMATE.search(title) and "穿什么" in text:
        return "underwear asked about in public"
    return None


def reads_wrong(line: str, card: Card, *, cta_said: bool = False) -> str | None:
    """Why a copywriter would not voice `line` for this product, or None. `cta_said`: the ad already asks
    to buy in another line."""
    text = line.strip()
    if not text:
        return "empty line"
    named = text.replace(card.name, "Ⓝ") if card.name else text
    facts = frozenset(f.text for f in (*card.facts, *card.raw)) | {card.name}
    openers = [s.strip(" 。！？!?").split("，")[0] for s in _SENTENCE.findall(text)][1:]
    if card.name and any(c in (card.name, card.type_word) for c in openers):
        return "a bare name opening a later sentence"
    if "Ⓝ" in named and re.search(r"(^|[，。！？])它(?!就是)", named.split("Ⓝ")[0]):
        return "'它' before the product is named"  # "它抓地力好，今天推荐李宁跑鞋。"
    if named.startswith((*lx.CONNECTIVES, "且", "并", "以及")) and not text.startswith(
        ("这样的", "还是", "还在", "而言")
    ):
        return "opens with a connective"
    if bare_list(text, facts):
        return "a bare list of facts"
    problem = "the name said twice" if named.count("Ⓝ") > 1 else repeats(named)
    if not problem and card.type_word and named.count(card.type_word) > 1:
        problem = "the product type said twice"  # "这款跑鞋…这款跑鞋"
    problem = problem or misplaced_fact(text, card)
    clause = clause_after_adverb(text, card)
    if clause and not problem:
        problem = f"'{clause}' has its own subject: not after 还/很"
    if problem:
        return problem
    if dangles(text):
        return "a dangling clause"
    word = off_kind(text, card)
    if word:
        return f"'{word}' belongs to another kind of product"
    cta = calls_to_buy(text, card)  # "下单送礼品袋" states the deal, it does not ask to buy
    if cta > 1:
        return "two calls to buy"
    if cta and cta_said:
        return "a second call to buy in the ad"
    figure = unsupported_figure(text, card) or unsupported_claim(text, card)
    if figure:
        return f"'{figure}' is not on the product card"
    return (
        awkward_join(text, card)
        or bad_predicate(text, card)
        or stock_twice(text, card)
        or wrong_use(text, card)
    )
