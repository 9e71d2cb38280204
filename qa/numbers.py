"""Numbers in Chinese and English text: parse them to values, render Chinese amounts in English,
and check that a stated number is supported by a source.

万 = 10^4 and 亿 = 10^8, so 7903.8万美元 is US$79.038 million, 18.72亿美元 is US$1.872 billion and
55.4亿港元 is HK$5.54 billion. Small LLMs get this wrong; here it is exact (Decimal arithmetic).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from corpus.lang import MONTHS
from qa import units

_MAG = {
    "万亿": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "亿": Decimal(10) ** 8,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}
_CURRENCY = {
    "美元": "US$",
    "美金": "US$",
    "港元": "HK$",
    "港币": "HK$",
    "元人民币": "RMB ",
    "人民币": "RMB ",
    "元": "RMB ",
    "欧元": "€",
    "日元": "JP¥",
    "英镑": "£",
    "新台币": "NT$",
}
_EN_MAG = {
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "k": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "bn": Decimal(10) ** 9,
    "b": Decimal(10) ** 9,
}
# Every magnitude word, Chinese or English, to its value.
MAGNITUDES = {**_MAG, **_EN_MAG}

# An amount may say "more than" (5.26亿余元, 10多万元) and name the currency first (人民币5.26亿).
ZH_AMOUNT = re.compile(
    r"(?P<pre>人民币)?(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<more>余|多)?"
    r"(?P<mag>万亿|千亿|百亿|亿|千万|百万|十万|万|千)?(?P<more2>余|多)?"
    r"(?P<cur>元人民币|人民币|美元|美金|港元|港币|欧元|日元|英镑|新台币|元)?(?P<pct>%|％)?"
)
EN_AMOUNT = re.compile(
    r"(?P<cur>US\$|HK\$|NT\$|RMB|CNY|JP¥|¥|\$|€|£)?\s?(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?:\s?(?P<mag>thousand|million|billion|trillion|bn|mn|k|m|b)\b)?(?P<pct>\s?%|\s?percent)?",
    re.I,
)


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    kind: str  # "percent", "money:US$", "number"
    text: str
    start: int
    end: int
    more_than: bool = False  # 5.26亿余元: more than RMB 526 million


def _dec(num: str) -> Decimal:
    return Decimal(num.replace(",", ""))


def parse_chinese(text: str) -> list[Quantity]:
    out = []
    for m in ZH_AMOUNT.finditer(text):
        value = _dec(m.group("num")) * _MAG.get(m.group("mag") or "", Decimal(1))
        cur = m.group("cur") or m.group("pre")
        if m.group("pct"):
            kind = "percent"
        elif cur:
            kind = "money:" + _CURRENCY[cur].strip()
        else:
            kind = "number"
        more = bool(m.group("more") or m.group("more2"))
        out.append(Quantity(value, kind, m.group(), m.start(), m.end(), more))
    return out


def parse_english(text: str) -> list[Quantity]:
    out = []
    for m in EN_AMOUNT.finditer(text):
        mag = (m.group("mag") or "").lower()
        value = _dec(m.group("num")) * _EN_MAG.get(mag, Decimal(1))
        cur = (
            (m.group("cur") or "").upper().replace("CNY", "RMB").replace("¥", "RMB")
            if m.group("cur")
            else ""
        )
        if cur == "$":
            cur = "US$"
        kind = "percent" if m.group("pct") else (f"money:{cur}" if cur else "number")
        out.append(Quantity(value, kind, m.group().strip(), m.start(), m.end()))
    return out


# 20世纪90年代 is the 1990s: one number, the decade's first year (1990), as English writes it.
_DECADE = re.compile(r"(?<!\d)(\d{1,2})\s*世纪\s*([1-9]0|00)\s*年代")


# The characters of a number in Chinese numerals under 10,000 (`chinese_numeral` reads them).
CHINESE_NUMERAL = "[零〇一二两三四五六七八九十百千]"
# 百分之七十 is 70%, 百分之九十九点五 99.5%, 百分之30 30%.
_PERCENT_WORDS = re.compile(
    rf"百分之\s*(?P<num>{CHINESE_NUMERAL}+(?:点[零〇一二三四五六七八九]+)?|\d+(?:\.\d+)?)"
)
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def chinese_numeral(text: str) -> Decimal | None:
    """The value of a number in Chinese numerals under 10,000 (七十 = 70, 二十五 = 25, 一百零五 =
    105, 九十九点五 = 99.5), or None."""
    whole, _, frac = text.partition("点")
    total, digit = 0, None
    for ch in whole:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        else:
            return None
    value = Decimal(total + (digit or 0))
    if frac:
        if any(ch not in _CN_DIGIT for ch in frac):
            return None
        value += Decimal("0." + "".join(str(_CN_DIGIT[ch]) for ch in frac))
    return value


def parse_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its value (Chinese magnitudes and English scale words applied;
    a Chinese decade, 20世纪90年代, as the year English names it by, 1990; a percentage in words,
    百分之七十, as 70%)."""
    words = [
        Quantity(
            Decimal(100 * (int(m.group(1)) - 1) + int(m.group(2))),
            "number",
            m.group(),
            m.start(),
            m.end(),
        )
        for m in _DECADE.finditer(text)
    ]
    for m in _PERCENT_WORDS.finditer(text):
        num = m.group("num")
        value = Decimal(num) if num[0].isdigit() else chinese_numeral(num)
        if value is not None:
            words.append(Quantity(value, "percent", m.group(), m.start(), m.end()))
    rest = [
        q
        for q in _parse_quantities(text)
        if not any(d.start < q.end and q.start < d.end for d in words)
    ]
    return sorted(words + rest, key=lambda q: q.start)


def _parse_quantities(text: str) -> list[Quantity]:
    zh = parse_chinese(text)
    taken = [(q.start, q.end) for q in zh if q.kind != "number" or any(k in q.text for k in _MAG)]
    en = [q for q in parse_english(text) if not any(s < q.end and q.start < e for s, e in taken)]
    zh_keep = [
        q
        for q in zh
        if (q.start, q.end) in taken or not any(e.start < q.end and q.start < e.end for e in en)
    ]
    return sorted(zh_keep + en, key=lambda q: q.start)


def _plain(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def english_amount(value: Decimal, kind: str = "number") -> str:
    """`Decimal('79038000'), 'money:US$'` -> `US$79.038 million`."""
    if kind == "percent":
        return f"{_plain(value)}%"
    prefix = kind.split(":", 1)[1] if kind.startswith("money:") else ""
    sep = " " if prefix.isalpha() else ""
    a = abs(value)
    for word, scale in (("trillion", 10**12), ("billion", 10**9), ("million", 10**6)):
        if a >= scale:
            return f"{prefix}{sep}{_plain(value / scale)} {word}"
    if a >= 10000 or (a >= 1000 and a == a.to_integral_value()):
        body = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"
        return f"{prefix}{sep}{body}"
    return f"{prefix}{sep}{_plain(value)}"


def _english(q: Quantity) -> str:
    return ("more than " if q.more_than else "") + english_amount(q.value, q.kind)


def english_figures(text: str) -> list[str]:
    """`7903.8万美元 = US$79.038 million` for every Chinese amount with a magnitude or a currency
    whose English notation differs (percentages and bare numbers read the same)."""
    out = []
    for q in parse_chinese(text):
        if q.kind == "percent" or (q.kind == "number" and not re.search(r"[万亿千百]", q.text)):
            continue
        rendered = _english(q)
        if rendered != q.text:
            out.append(f"{q.text} = {rendered}")
    return list(dict.fromkeys(out))


_QUOTED = re.compile(r"“[^”]*”|「[^」]*」")


def to_english(text: str) -> str:
    """Rewrite the Chinese amounts of `text` in English notation (`7903.8万美元` -> `US$79.038 million`).
    Quotations (“...”) are left as they are: a quote is the source's own words."""
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    out, pos = [], 0
    for q in parse_chinese(text):
        if q.kind == "number" and not any(k in q.text for k in _MAG):
            continue
        if any(a <= q.start < b for a, b in quoted):
            continue
        out.append(text[pos : q.start])
        out.append(_english(q))
        pos = q.end
    out.append(text[pos:])
    return "".join(out)


def _day(y: int, m: int, d: int) -> str | None:
    return f"{MONTHS[m - 1]} {d}, {y}" if 1 <= m <= 12 and 1 <= d <= 31 else None


def _month(y: int, m: int) -> str | None:
    return f"{MONTHS[m - 1]} {y}" if 1 <= m <= 12 else None


def _month_day(m: int, d: int) -> str | None:
    return f"{MONTHS[m - 1]} {d}" if 1 <= m <= 12 and 1 <= d <= 31 else None


_DATE_FORMS: tuple[tuple[re.Pattern[str], Callable[..., str | None]], ...] = (
    # 1967-01-27 (ISO, as a small model writes a date) and 1967年1月27日
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), _day),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), _day),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)"), _month),
    (re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), _month_day),
    (re.compile(r"(?<=\bthe )(\d{4})\s*年代", re.I), lambda y: f"{y}s"),
    (re.compile(r"(?<!\d)(\d{4})\s*年代"), lambda y: f"the {y}s"),
    (re.compile(r"(?<!\d)(\d{4})\s*年(?![代度])"), str),
)


def english_dates(text: str) -> str:
    """Dates of an English text as English prose writes them: `1967-01-27` and `1967年1月27日` ->
    `January 27, 1967`, `2015年2月` -> `February 2015`, `1950年代` -> `the 1950s`, `1967年` ->
    `1967`. Quotations (“...”) are left as they are, and an impossible month or day as written."""
    for pattern, render in _DATE_FORMS:
        quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]

        def one(
            m: re.Match[str],
            render: Callable[..., str | None] = render,
            quoted: list[tuple[int, int]] = quoted,
        ) -> str:
            if any(a <= m.start() < b for a, b in quoted):
                return m.group()
            return render(*(int(g) for g in m.groups())) or m.group()

        text = pattern.sub(one, text)
    return text


def _close(stated: Decimal, source: Decimal) -> bool:
    """Equal, or the source rounded to the precision the statement is written in (79 million for
    79.038 million), within 5%."""
    if stated == source:
        return True
    if stated == 0 or source == 0:
        return False
    exp = stated.normalize().as_tuple().exponent
    if not isinstance(exp, int):
        return False
    diff = abs(source - stated)
    return diff <= (Decimal(10) ** exp) / 2 and diff / abs(source) < Decimal("0.05")


def supported(stated: Quantity, sources: list[Quantity]) -> bool:
    """A stated quantity is supported when some source quantity has the same value (rounding allowed)
    and a compatible kind (a percentage is not a sum of money)."""
    for s in sources:
        if stated.kind == "percent" and s.kind != "percent":
            continue
        if (
            stated.kind.startswith("money:")
            and s.kind.startswith("money:")
            and stated.kind != s.kind
        ):
            continue
        if _close(stated.value, s.value):
            return True
    return False


# A count a Chinese source writes in numerals before its counter (九个国家, 两次, 十二位): what an
# answer writing 9 / nine reads it as. Source side only: in an answer 一个 is mostly "a", not a
# figure to find in the source.
_COUNTED_WORDS = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿第])"
    rf"({CHINESE_NUMERAL}+)\s*(?=[个位名种次件只条座所家项部届天岁人倍周])"
)


# A span of years in numerals (十年, 三年, 二十五年): a count too, unlike a year written in them
# (二〇一〇年, 一九九三年), whose digits come without 十 / 百 / 千.
_YEARS_IN_WORDS = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿第])"
    r"([一二两三四五六七八九]|[一二两三四五六七八九]?[十百千][零〇一二两三四五六七八九十百]*)"
    r"(?=\s*多?\s*年)"
)


def counted_in_words(source: str) -> list[Quantity]:
    """The counts `source` writes in Chinese numerals before a counter (九个 = 9), and spans of
    years (十年 = 10)."""
    out = []
    for pattern in (_COUNTED_WORDS, _YEARS_IN_WORDS):
        for m in pattern.finditer(source):
            value = chinese_numeral(m.group(1))
            if value is not None:
                out.append(Quantity(value, "number", m.group(1), m.start(1), m.end(1)))
    return out


# A share in tenths (五成 is 50%, 七成五 75%, 两成 20%), not 一成不变 (unchanging) or 八成是 (likely).
# Source side only, as above: what an answer writing 50% reads it as.
_TENTHS = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿第])([一二两三四五六七八九])成([一二三四五六七八九])?"
    r"(?!不变|是|为|立|功|长|熟|年|员|本|果|就|交|绩|品|型|分|都|了|色)"
)


def tenths_in_words(source: str) -> list[Quantity]:
    """The shares `source` writes in tenths (五成 = 50%)."""
    out = []
    for m in _TENTHS.finditer(source):
        value = 10 * _CN_DIGIT[m.group(1)] + (_CN_DIGIT[m.group(2)] if m.group(2) else 0)
        out.append(Quantity(Decimal(value), "percent", m.group(), m.start(), m.end()))
    return out


# A count or amount an English text writes in words (`ten countries`, `two hundred and fifty`,
# `a million people`): what the number check reads as 10, 250, 1,000,000. Not `one` alone (`one
# of`, `the one`), nor a fraction (`two-thirds`, `a third`), nor a capitalised word inside a
# sentence, which is part of a name (`the Ten Commandments`, `Big Ten`), nor a vague plural
# (`hundreds of`).
_EN_ONES = {
    w: i
    for i, w in enumerate(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split(),
        start=2,
    )
}
_EN_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)
}
_EN_SCALE = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_ONES = "|".join(_EN_ONES)
_TENS = "|".join(_EN_TENS)
_UNDER_100 = rf"(?:(?:{_TENS})(?:[\s-](?:{_ONES}|one))?|{_ONES})"
_EN_WORDS = re.compile(
    rf"\b(?P<num>{_UNDER_100}|(?:one|a)(?=\s+(?:hundred|thousand|million|billion)\b))"
    rf"(?:\s+(?P<hundred>hundred)(?:\s+and\s+(?P<rest>{_UNDER_100}))?)?"
    r"(?:\s+(?P<scale>thousand|million|billion))?\b"
    r"(?![\s-]*(?:thirds?|quarters?|fourths?|fifths?|sixths?|eighths?|tenths?|halves)\b)",
    re.I,
)


def _under_100(words: str) -> int:
    parts = re.split(r"[\s-]+", words.lower())
    return sum(_EN_TENS.get(w, _EN_ONES.get(w, 1)) for w in parts)


def english_number_words(text: str) -> list[Quantity]:
    """The counts and amounts `text` writes in English words (ten = 10, twenty-one = 21, two
    hundred and fifty = 250, a million = 1,000,000), except a capitalised word inside a
    sentence (part of a name) and a fraction (two-thirds)."""
    out = []
    for m in _EN_WORDS.finditer(text):
        first = m.group("num")
        before = text[: m.start()].rstrip()
        if first[0].isupper() and before and before[-1] not in '.!?:;"“(':
            continue
        if first.lower() == "a" and re.search(r"\b(?:per|an?|one)\s*$", before, re.I):
            continue
        value = 1 if first.lower() in ("a", "one") else _under_100(first)
        if m.group("hundred"):
            value = value * 100 + (_under_100(m.group("rest")) if m.group("rest") else 0)
        if m.group("scale"):
            value *= _EN_SCALE[m.group("scale").lower()]
        out.append(Quantity(Decimal(value), "number", m.group(), m.start(), m.end()))
    return out


# The Chinese numerals a small count (up to ten) may be written with inside a word (三权分立).
_SMALL_NUMERALS = [set(), set("一"), set("二两双"), *({c} for c in "三四五六七八九十")]


def unsupported_numbers(statement: str, source: str) -> list[str]:
    """The numbers stated in `statement` that `source` does not contain (unit conversion allowed;
    a century, `the 15th century` or `15世纪`, by a year of it: 约1455-1536; a count the source
    writes in words, 九个 for 9; a share in tenths, 五成 for 50%). A number either writes in
    English words counts as its figure (`ten countries` is 10, and must be in the source)."""
    src = parse_quantities(source) + counted_in_words(source) + tenths_in_words(source)
    src += english_number_words(source)
    # a small count in words may be one Chinese writes inside a word: three for 三权分立 / 三大,
    # two for 两分转换 (two-point conversion)
    in_words = english_number_words(statement)
    small = {
        q.start for q in in_words if q.value <= 10 and _SMALL_NUMERALS[int(q.value)] & set(source)
    }
    stated = parse_quantities(statement)
    worked = _worked_out(statement, stated, src)
    return [
        q.text
        for q in stated + in_words
        if not (
            any(s.value == q.value for s in src) if _is_year(q, statement) else supported(q, src)
        )
        and not _century_of(q, statement, src)
        and q.start not in small
        and q.start not in worked
    ]


_OPERATOR = re.compile(r"\s*([-−–+×xX*/÷])\s*")
_EQUALS = re.compile(r"\s*[=＝]\s*")
_ARITHMETIC = {
    **dict.fromkeys("-−–", operator.sub),
    "+": operator.add,
    **dict.fromkeys("×xX*", operator.mul),
    **dict.fromkeys("/÷", operator.truediv),
}


def _worked_out(statement: str, stated: list[Quantity], src: list[Quantity]) -> set[int]:
    """Where a statement writes a result with its working from two figures of the source
    (`343.3% - 187.8% = 155.5%`): the starts of the results whose arithmetic is right to the last
    digit written. Only a working written out with = counts; a result alone is checked as any
    figure is."""
    out = set()
    for a, b, c in zip(stated, stated[1:], stated[2:], strict=False):
        op = _OPERATOR.fullmatch(statement[a.end : b.start])
        if not op or not _EQUALS.fullmatch(statement[b.end : c.start]):
            continue
        if not (supported(a, src) and supported(b, src)):
            continue
        sign = op.group(1)
        if sign in "/÷" and not b.value:
            continue
        value = _ARITHMETIC[sign](a.value, b.value)
        places = len(c.text.split(".")[1].rstrip("%％")) if "." in c.text else 0
        if abs(value - c.value) <= 0.5 * 10**-places + 1e-9:
            out.add(c.start)
    return out


# A year is not rounded (2000年 is not 1993年, as 2,000 people may be 1,993): one written before
# 年, or after a word that dates (in 2000, since 1993).
_YEAR_AFTER = re.compile(r"\s*年")
_DATES_BEFORE = re.compile(r"\b(?:in|since|from|until|till|before|after|during|between)\s*$", re.I)


def _is_year(q: Quantity, statement: str) -> bool:
    """Whether the stated number is a year: a whole number 1000-2199, no thousands comma, written
    before 年 or after a word that dates."""
    if q.kind != "number" or not (1000 <= q.value <= 2199) or q.value != int(q.value):
        return False
    if "," in q.text:
        return False
    return bool(_YEAR_AFTER.match(statement, q.end) or _DATES_BEFORE.search(statement[: q.start]))


_CENTURY_AFTER = re.compile(r"(?:st|nd|rd|th)?[\s-]*centur(?:y|ies)\b|\s*世纪", re.I)


def _century_of(stated: Quantity, statement: str, sources: list[Quantity]) -> bool:
    """The stated number is a century (`15th century`) that a year of the source falls in."""
    if not _CENTURY_AFTER.match(statement, stated.end) or not 1 <= stated.value <= 21:
        return False
    low, high = 100 * (stated.value - 1), 100 * stated.value
    return any(s.value == s.value.to_integral_value() and low < s.value <= high for s in sources)


# What a figure's unit may be, right after it in a Chinese sentence: a magnitude, a currency, a
# percent, a date part, a measure or a counter (308分, 1985年, 1200海里, 3.5万亩, 21%).
_UNIT_AFTER = re.compile(
    rf"\s*(?:余|多)?(?:{units.alternation(units.MAGNITUDES)})?(?:余|多)?"
    rf"(?:{units.alternation(units.UNITS)})"
)


# the rest of a list of figures after its first: 、940万、780万 (the unit follows the last)
_LIST_REST = re.compile(r"(?:\s*[、，,和及与]\s*\d[\d.,]*\s*[万亿千百]?)+")
_DATE_UNITS = frozenset("年月日号")
_MONTH_SPAN = re.compile(r"\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?")


def with_year(span: str, sources: list[str]) -> str:
    """A month or day cut off from its year (`12月` of `2021年12月才成立`) given its year back, from
    the first source that writes the span right after one; anything else unchanged. 12月 alone
    says when in some year, not when."""
    body = span.strip()
    if not _MONTH_SPAN.fullmatch(body):
        return span
    for source in sources:
        m = re.search(rf"(?<!\d)((?:1[5-9]|20)\d{{2}}\s*年\s*){re.escape(body)}", source)
        if m:
            return span.replace(body, m.group(1) + body, 1)
    return span


# what a source writes before a figure that bounds it (超6亿个视频, 不到5年): a span that drops it
# states more than its source
BOUND_WORDS = (
    r"(?:超过|超出|超|逾|多达|高达|至少|最多|不到|不足|不超过|将近|接近|近|约|大约|仅|只有)"
)
# ... and after it (五成以上, 3000万元左右, 300人之多)
BOUND_AFTER_WORDS = r"(?:以上|以下|以内|左右|之多|有余)"
# ... not the end of another word (节约5元 saves 5 yuan; 签约3家 signs with 3)
_NOT_A_BOUND = re.compile(r"(?:节|制|契|预|签|邀|相|公|条|合|赶)(?:约|超)$")
_BOUND_BEFORE = re.compile(rf"{BOUND_WORDS}\s*$")
_BOUND_AFTER = re.compile(BOUND_AFTER_WORDS)
_NUMERAL_CHARS = "一二两三四五六七八九十百千万半"


def with_bound(span: str, sources: list[str]) -> str:
    """A copied figure given back the words that bound it in the first source that holds it
    (`6亿个视频` of `累计生成超6亿个视频` -> `超6亿个视频`; `5年` of `不到5年的运营` -> `不到5年`;
    `五成` of `五成以上要归咎于二氧化碳` -> `五成以上`); anything else unchanged. Only where the span
    opens with its figure: a word before it only for a figure in digits (the 近 of 最近三年 is no
    bound)."""
    body = span.strip()
    if not body or not (body[0].isdigit() or body[0] in _NUMERAL_CHARS):
        return span
    digits = body[0].isdigit()
    for source in sources:
        at = source.find(body)
        while at >= 0:
            prev = source[at - 1] if at else ""
            if not (prev.isdigit() or prev in ".," or (prev and prev in _NUMERAL_CHARS)):
                lead = ""
                before = source[max(0, at - 4) : at]
                m = _BOUND_BEFORE.search(before) if digits else None
                if m is not None and not _NOT_A_BOUND.search(before.rstrip()):
                    lead = m.group().strip()
                after = _BOUND_AFTER.match(source, at + len(body))
                return span.replace(body, lead + body + (after.group() if after else ""), 1)
            at = source.find(body, at + 1)
    return span


def with_unit(span: str, sources: list[str]) -> str:
    """A figure cut off from its unit (`1985` of `1985年`, `308` of `308分`) given its unit back,
    from the first source that holds the span followed by one; anything else unchanged. A copied
    answer span keeps what the figure counts, which the bare number does not say."""
    body = span.strip()
    if not body or not (body[-1].isdigit() or body[-1] in "万亿千百十"):
        return span
    for source in sources:
        at = source.find(body)
        while at >= 0:
            end = at + len(body)
            m = _UNIT_AFTER.match(source, end)
            # the first figure of a list that gives its unit once, at its end (130万、940万美元);
            # not a date after it (1.15亿,2025年9月底: 年 is the next clause's year)
            if m is None and (listed := _LIST_REST.match(source, end)):
                m = _UNIT_AFTER.match(source, listed.end())
                m = None if m and m.group().strip() in _DATE_UNITS else m
            whole = at == 0 or not (source[at - 1].isdigit() or source[at - 1] in ".,")
            if whole and m and m.group().strip():
                return span.replace(body, body + m.group().strip(), 1)
            at = source.find(body, at + 1)
    return span
