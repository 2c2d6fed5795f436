"""Chinese text front-end shared by every voice: what a narration line should sound like.

A line such as "到手价¥199，续航长达30小时，SPF50+" is turned into words with tone-numbered pinyin
(`dao4 shou3 jia4 yi1 bai3 jiu3 shi2 jiu3 yuan2 ...`) before any engine sees it:

- numbers are read in Chinese: integers, decimals, percentages, ranges (3-5天 -> 三到五天), prices
  (¥199, 9.9元), dates and shopping festivals (2024年, 双11, 618), quantities with units (500g, 3.5L,
  5000mAh, 67W), times (8:00); digit strings that are codes (phone numbers, order numbers) digit by
  digit with 1 as yao1;
- polyphones are resolved by word (jieba segments, pypinyin's phrase table reads, a small override
  table fixes the phrases it gets wrong: 长达 chang2, not zhang3);
- Latin brand and model words come from a small lexicon (OPPO, iPhone, SK-II, SPF50+), anything else is
  spelled letter by letter as a Chinese listener says letters; nothing is dropped silently.

The subtitle keeps the original text ("4.5%"); only speech uses the reading (百分之四点五).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------------------------------------------------
# tables

LETTERS: dict[str, tuple[str, ...]] = {
    "A": ("ei1",), "B": ("bi4",), "C": ("xi1",), "D": ("di4",), "E": ("yi4",), "F": ("ai2", "fu1"),
    "G": ("ji4",), "H": ("ai2", "qi1"), "I": ("ai4",), "J": ("jie4",), "K": ("kai4",), "L": ("ai2", "ou1"),
    "M": ("ai2", "mu3"), "N": ("en1",), "O": ("ou1",), "P": ("pi4",), "Q": ("kiu1",), "R": ("a1", "er3"),
    "S": ("ai2", "si1"), "T": ("ti4",), "U": ("you1",), "V": ("wei1",), "W": ("da1", "bu4", "liu1"),
    "X": ("ai2", "ke4", "si1"), "Y": ("wai1",), "Z": ("zei4",),
}  # fmt: skip
"""How Chinese speakers say the Latin letters (VC -> wei1 xi1, 5G -> wu3 ji4)."""

LEXICON: dict[str, str] = {
    # brands: their Chinese names or the usual Chinese rendering
    "oppo": "ou1 po4", "vivo": "wei2 wo4", "iphone": "ai4 feng4", "ipad": "ai4 pai4", "apple": "ping2 guo3",
    "huawei": "hua2 wei2", "xiaomi": "xiao3 mi3", "redmi": "hong2 mi3", "honor": "rong2 yao4",
    "nike": "nai4 ke4", "adidas": "a1 di2 da2 si1", "dyson": "dai4 sen1", "philips": "fei1 li4 pu3",
    "lancome": "lan2 kou4", "olay": "ou1 lei3", "loreal": "ou1 lai2 ya3", "dior": "di2 ao4",
    "chanel": "xiang1 nai4 er3", "gucci": "gu3 chi2", "sony": "suo3 ni2", "samsung": "san1 xing1",
    "lego": "le4 gao1", "uniqlo": "you1 yi1 ku4", "zara": "ze4 la1", "muji": "wu2 yin4 liang2 pin3",
    "ikea": "yi2 jia1", "starbucks": "xing1 ba1 ke4", "tesla": "te4 si1 la1", "sk-ii": "ai2 si1 kai4 tu4",
    "skii": "ai2 si1 kai4 tu4", "nivea": "ni2 wei2 ya4", "kiehl's": "qi3 yan2", "kiehls": "qi3 yan2",
    "mac": "mai4 ke4", "bose": "bo2 shi4", "jbl": "jie4 bi4 ai2 ou1",
    # product words and terms
    "pro": "pu3 rou2", "max": "mai4 ke4 si1", "plus": "pu3 la1 si1", "mini": "mi1 ni3", "air": "ai1 er3",
    "ultra": "ou1 te4 la1", "mate": "mei2 te4", "wifi": "wai1 fai1", "wi-fi": "wai1 fai1",
    "bluetooth": "lan2 ya2", "type-c": "tai4 pu3 xi1", "typec": "tai4 pu3 xi1", "ok": "ou1 kai4",
    "app": "ei1 pi4 pi4", "logo": "luo2 ge4", "spf50+": "ai2 si1 pi4 ai2 fu1 wu3 shi2 jia1",
    "spf30+": "ai2 si1 pi4 ai2 fu1 san1 shi2 jia1", "pa+++": "pi4 ei1 san1 jia1", "pa++++": "pi4 ei1 si4 jia1",
    "vc": "wei1 xi1", "ve": "wei1 yi4", "diy": "di4 ai4 wai1", "emoji": "yi4 mo2 ji4",
    "hello": "ha1 lou4", "hi": "hai1", "baby": "bei4 bi3", "wow": "wa1 o4", "vlog": "wei1 luo4 ge2",
    "yyds": "wai1 wai1 di4 ai2 si1", "upf50+": "you1 pi4 ai2 fu1 wu3 shi2 jia1", "3ce": "san1 xi1 yi4",
}  # fmt: skip
"""Lower-case Latin words -> tone-numbered pinyin, tried before spelling letters."""

PHRASE_OVERRIDES: dict[str, str] = {
    "长达": "chang2 da2", "长效": "chang2 xiao4", "长久": "chang2 jiu3", "超长": "chao1 chang2",
    "长时间": "chang2 shi2 jian1", "长期": "chang2 qi1", "长得": "zhang3 de5", "还是": "hai2 shi4",
    "重量": "zhong4 liang4", "重复": "chong2 fu4", "银行": "yin2 hang2", "一行": "yi4 hang2",
    "薄款": "bao2 kuan3", "轻薄": "qing1 bao2", "超薄": "chao1 bao2", "干皮": "gan1 pi2",
    "干性": "gan1 xing4", "可调": "ke3 tiao2", "调速": "tiao2 su4", "买一送一": "mai3 yi1 song4 yi1", "着": "zhe5", "了": "le5", "幺": "yao1",
}  # fmt: skip
"""Words pypinyin reads wrongly or out of context (checked in tests/test_speech_frontend.py)."""
_LONG_OVERRIDES = sorted((k for k in PHRASE_OVERRIDES if len(k) > 1), key=len, reverse=True)

UNITS: tuple[tuple[str, str], ...] = (
    ("mAh", "毫安时"), ("kWh", "千瓦时"), ("Wh", "瓦时"), ("kHz", "千赫兹"), ("Hz", "赫兹"),
    ("kg", "千克"), ("KG", "千克"), ("Kg", "千克"), ("mg", "毫克"), ("ml", "毫升"), ("mL", "毫升"), ("ML", "毫升"),
    ("cm", "厘米"), ("CM", "厘米"), ("mm", "毫米"), ("km", "公里"), ("nm", "纳米"), ("min", "分钟"),
    ("dB", "分贝"), ("db", "分贝"), ("kW", "千瓦"), ("KW", "千瓦"), ("℃", "摄氏度"), ("°C", "摄氏度"),
    ("°", "度"), ("m²", "平方米"), ("㎡", "平方米"), ("g", "克"), ("G", "G"), ("L", "升"), ("l", "升"),
    ("m", "米"), ("h", "小时"), ("s", "秒"), ("W", "瓦"), ("w", "瓦"), ("V", "伏"), ("x", "倍"), ("X", "倍"),
)  # fmt: skip
"""Unit symbols after a number, longest first; a unit must not run into another Latin letter."""

MEASURE_WORDS = set(
    "个件瓶支盒袋包片颗粒次天年周斤升克米种款套张位只双杯罐台部本份层步倍块毛条根桶箱把盏岁人口顿遍分秒"
)
"""After these, 2 is read 两 (两瓶, 两天), as spoken."""
TWO_BEFORE_UNITS = {"小时", "分钟", "千克", "公斤", "厘米", "毫升", "公里", "个月", "周", "米"}

HANZI = r"\u3400-\u4dbf\u4e00-\u9fff"
STRONG_PAUSE = set("。！？!?；;")
WEAK_PAUSE = set("，,、：:…—~～-（）()“”\"《》「」【】/|·")

_DIGIT_CODE = "零幺二三四五六七八九"  # codes: 1 is yao1
_DIGIT_PLAIN = "零一二三四五六七八九"  # years: 二零二四年


# ---------------------------------------------------------------------------------------------------------
# numbers


def cardinal(number: str, *, before: str = "") -> str:
    """An Arabic integer or decimal in Chinese (cn2an), with 两 where Mandarin says it."""
    import cn2an

    number = number.replace(",", "")
    if "." in number:
        whole, frac = number.split(".", 1)
        return cardinal(whole or "0") + "点" + "".join(_DIGIT_PLAIN[int(d)] for d in frac)
    if len(number.lstrip("0")) > 12:  # too long for a quantity: a code
        return digits(number)
    value = int(number)
    text = str(cn2an.an2cn(str(value)))
    if value == 2 and (before[:1] in MEASURE_WORDS or any(before.startswith(u) for u in TWO_BEFORE_UNITS)):
        return "两"
    if text.startswith("二") and len(text) > 1 and text[1] in "千万亿":
        text = "两" + text[1:]
    return text


def digits(number: str, *, code: bool = True) -> str:
    """Digit by digit; in codes (phone numbers, order numbers) 1 is 幺."""
    table = _DIGIT_CODE if code else _DIGIT_PLAIN
    return "".join(table[int(d)] if d.isdigit() else d for d in number)


_NUM = r"\d+(?:\.\d+)?"
_RANGE_SEP = r"\s*[-~～—–至到]\s*"
_CODE_WORDS = r"电话|热线|客服|订单号|单号|编号|型号|货号|验证码|尾号|批号|房号|工号|手机号|号码"


def _unit_reading(unit: str) -> str:
    return dict(UNITS).get(unit, unit)


_UNIT_ALT = "|".join(re.escape(u) for u, _ in UNITS)
_UNIT_RE = rf"(?:{_UNIT_ALT})(?![A-Za-z])"


def normalize_numbers(text: str) -> str:
    """Every digit sequence replaced by how it is read; Latin words and Hanzi stay as they are."""
    text = _fullwidth_to_ascii(text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,299 -> 1299

    # codes, read digit by digit
    text = re.sub(
        rf"({_CODE_WORDS})([:：是为\s]*)([A-Za-z]*[\d][\d\- ]*\d)",
        lambda m: m.group(1) + m.group(2) + digits(re.sub(r"[\s\-]", "", m.group(3))),
        text,
    )
    text = re.sub(r"(?<![\d.])(\d{3,4})-(\d{3,4})-(\d{4})(?![\d.])", lambda m: digits("".join(m.groups())), text)
    text = re.sub(r"(?<![\d.])1[3-9]\d{9}(?![\d.])", lambda m: digits(m.group()), text)
    text = re.sub(r"(?<![\d.])(0\d{2,}|\d{8,})(?![\d.%])", lambda m: digits(m.group()), text)

    # dates, festivals, times
    text = re.sub(
        r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)",
        lambda m: f"{digits(m.group(1), code=False)}年{cardinal(m.group(2))}月{cardinal(m.group(3))}日",
        text,
    )
    text = re.sub(r"(?<!\d)(\d{4})(?=\s*年)", lambda m: digits(m.group(1), code=False), text)
    text = re.sub(r"双\s*(\d{1,2})(?!\d)", lambda m: "双" + cardinal(m.group(1)), text)
    text = re.sub(
        rf"(?<![\d.¥￥$])(618|520|1111|1212)(?![\d.%]|\s*(?:元|块|{_UNIT_RE}))",
        lambda m: {"1111": "双十一", "1212": "双十二"}.get(m.group(1), digits(m.group(1), code=False)),
        text,
    )
    text = re.sub(
        r"(?<![\d.])([01]?\d|2[0-3])[:：]([0-5]\d)(?![\d.])",
        lambda m: cardinal(m.group(1))
        + "点"
        + ("" if m.group(2) == "00" else ("零" if m.group(2)[0] == "0" else "") + cardinal(m.group(2)) + "分"),
        text,
    )

    # model numbers glued to Latin letters (HX2471, RTX4090, 1080P) and shade numbers (299号) digit by digit
    text = re.sub(r"(?<=[A-Za-z])(\d{3,})(?![\d.])", lambda m: digits(m.group(1), code=False), text)
    text = re.sub(
        rf"(?<![\d.])(\d{{3,}})(?=[A-Za-z])(?!{_UNIT_RE}|GB|TB|MB)",
        lambda m: digits(m.group(1), code=False),
        text,
    )
    text = re.sub(r"(?<![\d.])(\d{3,})(?=号)", lambda m: digits(m.group(1), code=False), text)

    # percentages, prices, ranges
    text = re.sub(
        rf"({_NUM})\s*%?{_RANGE_SEP}({_NUM})\s*%",
        lambda m: f"百分之{cardinal(m.group(1))}到百分之{cardinal(m.group(2))}",
        text,
    )
    text = re.sub(rf"({_NUM})\s*[%％]", lambda m: "百分之" + cardinal(m.group(1)), text)
    text = re.sub(rf"({_NUM})\s*‰", lambda m: "千分之" + cardinal(m.group(1)), text)
    currencies = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑"}
    text = re.sub(
        rf"([¥￥$€£])\s*({_NUM})(?:{_RANGE_SEP}[¥￥$€£]?\s*({_NUM}))?(\s*元)?",
        lambda m: cardinal(m.group(2))
        + (f"到{cardinal(m.group(3))}" if m.group(3) else "")
        + currencies[m.group(1)],
        text,
    )
    def number_range(m: re.Match[str]) -> str:  # 80-200℃, 10-20kg: the unit symbol is read too
        reading = _unit_reading(m.group(3)) if m.group(3) else ""
        last = cardinal(m.group(2), before=reading or _after(text, m.end()))
        return f"{cardinal(m.group(1))}到{last}{reading}"

    text = re.sub(
        rf"(?<![A-Za-z\d.])({_NUM}){_RANGE_SEP}({_NUM})(?:\s*({_UNIT_RE})|(?=\s*[{HANZI}]))",
        number_range,
        text,
    )
    text = re.sub(r"(\d)\s*[x×*]\s*(?=\d)", r"\1乘", text)  # 30x40cm
    text = re.sub(r"(\d+)\s*/\s*(\d+)(?!\d)", lambda m: f"{cardinal(m.group(2))}分之{cardinal(m.group(1))}", text)

    # quantities with units, then every number left
    def unit(m: re.Match[str]) -> str:
        reading = _unit_reading(m.group(2))
        return cardinal(m.group(1), before=reading) + reading

    text = re.sub(rf"({_NUM})\s*({_UNIT_RE})", unit, text)
    text = re.sub(rf"({_NUM})\s*\+", lambda m: cardinal(m.group(1)) + "加", text)
    text = re.sub(r"(?<=[万千百亿])\+", "加", text)  # 10万+
    text = re.sub(r"(\d+\.\d+|\d+)", lambda m: cardinal(m.group(1), before=_after(text, m.end())), text)
    return text


def _after(text: str, end: int) -> str:
    """The text following a match (for 两 before measure words)."""
    return text[end : end + 3].lstrip()


def _fullwidth_to_ascii(text: str) -> str:
    """Full-width digits, letters and number signs as ASCII (Chinese punctuation is left alone)."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A or ch in "％＋．":
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# words


@dataclass(frozen=True)
class Word:
    """One spoken word: its text after normalisation and its tone-numbered pinyin, or a pause."""

    text: str
    syllables: tuple[str, ...] = ()
    pause: str = ""  # "," (short) or "." (sentence end) for punctuation
    latin: bool = False


@dataclass(frozen=True)
class Reading:
    """How a line is spoken: the original, the normalised text and the words with pinyin."""

    original: str
    normalized: str
    words: tuple[Word, ...]

    @property
    def syllables(self) -> list[str]:
        return [s for w in self.words for s in w.syllables]

    @property
    def pinyin(self) -> str:
        """Tone-numbered pinyin syllables, space separated (what `speak --pinyin` prints)."""
        return " ".join(self.syllables)

    def pinyin_with_pauses(self) -> str:
        """Pinyin with punctuation kept as `,` and `.` (espeak-ng's cmn-latn-pinyin input)."""
        parts: list[str] = []
        for w in self.words:
            if w.pause:
                if parts and parts[-1] not in (",", "."):
                    parts.append(w.pause)
                elif parts and w.pause == ".":
                    parts[-1] = "."
            else:
                parts.extend(w.syllables)
        return " ".join(parts).replace(" ,", ",").replace(" .", ".")


_PUA = 0xE000  # lexicon hits are parked on private-use characters while numbers are read
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*\+*")
_TOKEN = re.compile(rf"[{HANZI}]+|[A-Za-z]+|[\ue000-\uf8ff]|\S")

_jieba_lock = threading.Lock()
_jieba_ready = False


def _segment(run: str) -> list[str]:
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            import logging

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            for word in _LONG_OVERRIDES:  # the override phrases are always segmented whole
                jieba.add_word(word, freq=100_000)
            _jieba_ready = True
    return list(jieba.lcut(run, cut_all=False, HMM=True))


def _hanzi_pinyin(word: str) -> tuple[str, ...]:
    """Pinyin of one segmented word: the override table, else pypinyin's phrase-aware reading."""
    override = PHRASE_OVERRIDES.get(word)
    if override:
        return tuple(override.split())
    for key in _LONG_OVERRIDES:
        i = word.find(key)
        if i >= 0:
            return (
                _hanzi_pinyin(word[:i]) + tuple(PHRASE_OVERRIDES[key].split()) + _hanzi_pinyin(word[i + len(key) :])
            )
    if not word:
        return ()
    from pypinyin import Style, lazy_pinyin

    read = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")
    return tuple(p for p in read if re.fullmatch(r"[a-z]+[1-5]", p))


_NUMBER_CHARS = set("零一二三四五六七八九十百千万亿两第")
_YI_STAYS_BEFORE = (_NUMBER_CHARS - {"百", "千", "万", "亿"}) | set("月号")


def _tone_sandhi(words: list[Word]) -> list[Word]:
    """不 and 一 as spoken, across word boundaries in one run of Hanzi: 不 before a 4th tone is bu2 (不用);
    一 before a 4th (or neutral) tone is yi2 (一次, 一个), before the other tones yi4 (一瓶, 一天), but it keeps yi1
    in numbers, ordinals and dates (十一, 第一, 一点五, 一月)."""
    chars: list[str] = []
    syllables: list[str] = []
    fixed: list[bool] = []  # the override table's readings are final
    for w in words:
        if len(w.text) != len(w.syllables):  # cannot align characters and syllables: leave the run as read
            return words
        chars.extend(w.text)
        syllables.extend(w.syllables)
        fixed.extend([w.text in PHRASE_OVERRIDES] * len(w.text))
    out = list(syllables)
    for i, (ch, syl) in enumerate(zip(chars, syllables, strict=True)):
        if fixed[i] or i + 1 >= len(chars):
            continue
        nxt_tone = syllables[i + 1][-1]
        if ch == "不" and syl == "bu4" and nxt_tone == "4":
            out[i] = "bu2"
        elif ch == "一" and syl.startswith("yi"):
            decimal = chars[i + 1] == "点" and i + 2 < len(chars) and chars[i + 2] in _NUMBER_CHARS  # 一点五
            if (i > 0 and chars[i - 1] in _NUMBER_CHARS) or chars[i + 1] in _YI_STAYS_BEFORE or decimal:
                out[i] = "yi1"  # 第一名, 十一月: a number, not the word 'one'
            elif syl == "yi1":
                out[i] = "yi2" if nxt_tone in "45" else "yi4"
    result: list[Word] = []
    at = 0
    for w in words:
        n = len(w.syllables)
        result.append(Word(w.text, tuple(out[at : at + n])))
        at += n
    return result


def spell_latin(word: str) -> tuple[str, ...]:
    """A Latin word from the lexicon, else letter by letter (digits inside are read as numbers)."""
    key = word.lower()
    if key in LEXICON:
        return tuple(LEXICON[key].split())
    out: list[str] = []
    for part in re.findall(r"[A-Za-z]|\d+|\+", word):
        if part.isalpha():
            out.extend(LETTERS[part.upper()])
        elif part == "+":
            out.append("jia1")
        else:
            out.extend(_hanzi_pinyin(cardinal(part)))
    return tuple(out)


@lru_cache(maxsize=4096)
def read_text(text: str) -> Reading:
    """The spoken reading of a narration line (cached: lines are read for estimates and speech alike)."""
    original = text
    parked: dict[str, str] = {}

    def park(m: re.Match[str]) -> str:
        token = m.group()
        if token.lower() in LEXICON:
            mark = chr(_PUA + len(parked))
            parked[mark] = token
            return mark
        return token

    text = _LATIN_TOKEN.sub(park, _fullwidth_to_ascii(text))
    text = normalize_numbers(text)
    words: list[Word] = []
    for tok in _TOKEN.findall(text):
        if tok in parked:
            words.append(Word(parked[tok], spell_latin(parked[tok]), latin=True))
        elif re.match(rf"[{HANZI}]", tok):
            words.extend(_tone_sandhi([Word(w, _hanzi_pinyin(w)) for w in _segment(tok)]))
        elif tok.isascii() and tok.isalpha():
            words.append(Word(tok, spell_latin(tok), latin=True))
        elif tok in STRONG_PAUSE or tok == ".":
            words.append(Word(tok, pause="."))
        elif tok in WEAK_PAUSE:
            words.append(Word(tok, pause=","))
        elif tok == "+":
            words.append(Word(tok, ("jia1",)))
        elif tok == "&":
            words.append(Word(tok, ("he2",)))
        # anything else (emoji, symbols) has no sound
    normalized = "".join(parked.get(ch, ch) for ch in text)
    return Reading(original, normalized, tuple(w for w in words if w.syllables or w.pause))


def to_pinyin(text: str) -> str:
    """Tone-numbered pinyin of `text`, space separated."""
    return read_text(text).pinyin


def spoken_syllables(text: str) -> int:
    """How many syllables a line takes to say (a 6-letter 'SPF50+' is 8 of them)."""
    return len(read_text(text).syllables)
