"""Does a cited sentence support a claim? Beyond numbers and Latin names (`qa.numbers`,
`qa.names`), a claim is supported only when its source states:

- **the same unit**, by value: 1200海里 is not 1200 kilometers; 15亩 is 1 hectare, not 15 acres
  (`unit_problems`);
- **the same period**: a first half, a quarter or N months is not the whole year, nor 年内
  ("within the year") a half (`period_problems`);
- **the same polarity**: died is not alive, fell is not rose, a loss is not a profit
  (`polarity_problems`);
- **the same measure**: an operating cost is not a construction cost, services are not goods, a
  subsidy is not a number of places (`measure_problems`).

Each check reads two plain texts and returns problems as short phrases (empty: no objection), so
`qa.citations` shows them on the citation. The word lists are general language, not any
benchmark's: each entry is a measure or a direction that news, reports and encyclopedias state.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from corpus.lang import MONTHS
from qa import units
from qa.markers import MARKER
from qa.numbers import MAGNITUDES, Quantity, chinese_numeral, parse_quantities, supported

_HAN = re.compile(r"[\u4e00-\u9fff]")

# -- units ------------------------------------------------------------------------------------
# (pattern, dimension, size in the dimension's base unit). Longest forms first where they share
# a prefix (平方公里 before 公里, 千米 before 米).
_UNITS: tuple[tuple[str, str, Decimal], ...] = (
    (
        r"平方公里|平方千米|km²|km2|square kilometres?|square kilometers?|sq km",
        "area",
        Decimal(10**6),
    ),
    (r"平方英里|square miles?|sq mi", "area", Decimal("2589988.110336")),
    (r"平方英尺|square f(?:ee|oo)t|sq ft", "area", Decimal("0.09290304")),
    (r"平方米|m²|square met(?:er|re)s?", "area", Decimal(1)),
    (r"公顷|hectares?|\bha\b", "area", Decimal(10**4)),
    (r"英亩|acres?", "area", Decimal("4046.8564224")),
    (r"亩|\bmu\b", "area", Decimal(10**4) / 15),
    (r"海里|nautical miles?|\bnmi\b", "length", Decimal(1852)),
    (r"英里|miles?", "length", Decimal("1609.344")),
    (r"公里|千米|kilomet(?:er|re)s?|\bkm\b", "length", Decimal(1000)),
    (r"厘米|centimet(?:er|re)s?|\bcm\b", "length", Decimal("0.01")),
    (r"毫米|millimet(?:er|re)s?|\bmm\b", "length", Decimal("0.001")),
    (r"英尺|feet|foot|\bft\b", "length", Decimal("0.3048")),
    (r"英寸|inch(?:es)?", "length", Decimal("0.0254")),
    (r"(?<![平立方])米|met(?:er|re)s?\b", "length", Decimal(1)),
    (r"公吨|吨|tonnes?|metric tons?|\btons?\b", "mass", Decimal(1000)),
    (r"千克|公斤|kilograms?|\bkg\b", "mass", Decimal(1)),
    (r"斤|\bjin\b|catties", "mass", Decimal("0.5")),
    (r"(?<![千公])克|grams?\b", "mass", Decimal("0.001")),
    (r"磅|pounds?\b|\blbs?\b", "mass", Decimal("0.45359237")),
    (r"公升|升|litres?|liters?", "volume", Decimal(1)),
    (r"立方米|cubic met(?:er|re)s?|m³", "volume", Decimal(1000)),
)
_UNIT_RE = re.compile("|".join(f"(?:{p})" for p, _, _ in _UNITS), re.I)
_UNIT_OF = [(re.compile(f"^(?:{p})$", re.I), d, s) for p, d, s in _UNITS]
_MEASURED = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s{0,2}(?P<mag>万亿|亿|万|千(?!米|克)|thousand|million|billion)?"
    r"\s{0,2}(?:多|余)?\s{0,2}(?P<unit>" + _UNIT_RE.pattern + ")(?![A-Za-z])",
    re.I,
)


@dataclass(frozen=True)
class Measured:
    """A number with a physical unit, in its dimension's base unit (metres, square metres...)."""

    value: Decimal
    dimension: str
    text: str
    number: str = ""  # the number as written (1,500 of "1,500 acres")
    unit: int = -1  # which unit (index in _UNITS): a conversion is between two different ones


def measured(text: str) -> list[Measured]:
    """Every number with a unit of length, area, mass or volume in the text."""
    out = []
    for m in _MEASURED.finditer(text):
        unit = m.group("unit")
        found = next(((i, d, sz) for i, (r, d, sz) in enumerate(_UNIT_OF) if r.match(unit)), None)
        if found is None:
            continue
        index, dim, size = found
        value = Decimal(m.group("num").replace(",", ""))
        value *= MAGNITUDES.get((m.group("mag") or "").lower(), Decimal(1))
        out.append(Measured(value * size, dim, m.group().strip(), m.group("num"), index))
    return out


def _same_amount(a: Measured, b: Measured) -> bool:
    """The same amount: equal in the same unit; within the rounding of a converted figure (2%) in
    another unit (1200 nautical miles = 2222.4 km ~ 2,222)."""
    if a.dimension != b.dimension:
        return False
    if a.unit == b.unit or a.value == b.value:
        return a.value == b.value
    return b.value != 0 and abs(a.value - b.value) / abs(b.value) <= Decimal("0.02")


def converted_numbers(claim: str, source: str) -> set[str]:
    """Numbers of the claim that are a source amount converted to another unit (100 hectares for
    1500亩): right, though the number itself is not in the source."""
    src = measured(source)
    return {
        q.number
        for q in measured(claim)
        if any(s.unit != q.unit and _same_amount(q, s) for s in src)
        and not any(_restated(q, s) for s in src)
    }


def _restated(claim: Measured, source: Measured) -> bool:
    """The source writes about the claim's amount in the claim's own unit, and another number:
    the claim's figure is then that one changed, not a conversion (347英里 for 迈阿密以北约
    340英里 (550公里), which 550 km would round to within 2%)."""
    return (
        source.unit == claim.unit
        and source.value != claim.value
        and abs(source.value - claim.value) <= abs(source.value) * Decimal("0.1")
    )


def unit_problems(claim: str, source: str) -> list[str]:
    """Measured amounts of the claim whose source states that dimension, but no amount of it that
    converts to the claim's (1200 kilometers against 1200海里)."""
    src = measured(source)
    out = []
    for q in measured(claim):
        same_dim = [s for s in src if s.dimension == q.dimension]
        if same_dim and not any(_same_amount(q, s) for s in same_dim):
            out.append(f"unit or amount not in the source: {q.text}")
    return out


# "lost" before an amount of money: a loss (MiniMax lost US$20 million), not a game or a seat
_LOST_MONEY = (
    r"\blost (?:(?:about|around|nearly|almost|over|more than|some|roughly) )?"
    r"(?:(?:US|HK|NT|A|C|S)?\$|RMB|CNY|¥|€|£|[\d.,]+ (?:(?:million|billion) )?(?:yuan|dollars))"
)


# -- periods ----------------------------------------------------------------------------------
# A part of a year, by what it covers; the whole year; a claim naming one the source does not.
# English ones as whole words: "the first quarterback" names no quarter.
_PERIODS: tuple[tuple[str, str], ...] = (
    ("first half", r"上半年|上半财年|前半年|\bfirst half\b|\bH1\b|1H"),
    ("second half", r"下半年|下半财年|后半年|\bsecond half\b|\bH2\b|2H"),
    ("first quarter", r"第一季度|一季度|首季|1季度|\bfirst quarter\b|\bQ1\b"),
    ("second quarter", r"第二季度|二季度|2季度|\bsecond quarter\b|\bQ2\b"),
    ("third quarter", r"第三季度|三季度|3季度|\bthird quarter\b|\bQ3\b"),
    ("fourth quarter", r"第四季度|四季度|4季度|\bfourth quarter\b|\bQ4\b"),
    (
        "first three quarters",
        r"前三季度|前三个季度|\bfirst three quarters\b|\bfirst nine months\b|前9个?月|前九个月",
    ),
    (
        "months",
        r"前\d{1,2}个?月|前[一二三四五六七八九十]+个?月|(?<!\d)\d{1,2}\s{0,3}个月|"
        r"\bfirst (?:\w+ ){0,1}months\b",
    ),
)
_PERIOD_RE = [(name, re.compile(p, re.I)) for name, p in _PERIODS]
_WHOLE_YEAR = re.compile(r"全年|整年|年度|年内|full[- ]year|whole year|annual|for the year", re.I)


def parts_of_year(text: str) -> set[str]:
    """The parts of a year a text names (first half, third quarter, months)."""
    return {name for name, r in _PERIOD_RE if r.search(text)}


# how many months each part of a year covers: `N个月` or `前N月` is the part that long
_PART_MONTHS = {
    "first half": 6,
    "second half": 6,
    "first quarter": 3,
    "second quarter": 3,
    "third quarter": 3,
    "fourth quarter": 3,
    "first three quarters": 9,
}
_MONTHS_LONG = re.compile(r"(?:前|first )?(\d{1,2})\s*(?:个)?\s*月|first (\d{1,2}) months", re.I)


def another_part_of_year(asked: str, sentence: str) -> tuple[str, str] | None:
    """(asked, given): the part of a year a question asks about and the other part, or the whole
    year, its best sentence gives (上半年 answered by `2025年前9月` or by `全年`); None for the same
    part, a span of months as long as the one asked (`6个月` for 上半年), or no period at all."""
    wanted = parts_of_year(asked) - {"months"}
    if not wanted:
        return None
    given = parts_of_year(sentence) - {"months"}
    lengths = {int(a or b) for a, b in _MONTHS_LONG.findall(sentence)}
    if given & wanted or lengths & {_PART_MONTHS[w] for w in wanted}:
        return None
    if given:
        return min(wanted), f"the {min(given)}"
    if lengths:
        return min(wanted), f"{min(lengths)} months"
    return (min(wanted), "the whole year") if _WHOLE_YEAR.search(sentence) else None


def gives_part_of_year_only(text: str) -> bool:
    """The text gives a part of a year and never the whole year (智谱's 6-month loss)."""
    return bool(parts_of_year(text)) and not _WHOLE_YEAR.search(text)


_YEAR = re.compile(r"(?<!\d)(?<!\d\.)((?:19|20)\d{2})(?!\.?\d)")
_PART_AFTER_YEAR = re.compile(r"^\s*年?\s*(?:的|度)?\s*")
_PART_BEFORE_YEAR = re.compile(r"^\s*(?:of|in)?\s*(?:fiscal\s+|FY\s*)?$", re.I)


def parts_of_year_given(year: str, source: str) -> set[str]:
    """The parts of `year` the source gives where every mention of the year names one
    (`2025年前9月`, `the first half of 2025`); empty where the source also names the year alone
    (`2024年、2025年前9月` gives 2024 whole)."""
    parts: set[str] = set()
    mentions = [m for m in _YEAR.finditer(source) if m.group(1) == year]
    for m in mentions:
        rest = _PART_AFTER_YEAR.sub("", source[m.end() :][:24], count=1)
        before = source[: m.start()][-30:]
        found = {
            name
            for name, r in _PERIOD_RE
            if r.match(rest)
            or any(_PART_BEFORE_YEAR.search(before[h.end() :]) for h in r.finditer(before))
        }
        if not found:
            return set()
        parts |= found
    return parts


# A year told from another (次年, the following year; 去年, the previous year): a translation that
# writes one its source does not has moved a figure to another year (当年分别带来收入270.2万、
# 75.8万美元 -> "that year and $758,000 the following year").
_RELATIVE_YEARS = (
    (
        "the following year",
        r"次年|第二年|翌年|明年|下一年|来年|\b(?:following|next|subsequent) year\b|\ba year later\b",
    ),
    (
        "the previous year",
        r"去年|上一年|前一年|上年|\b(?:previous|prior|preceding|last) year\b(?! of)|\ba year (?:earlier|before)\b",
    ),
)
_RELATIVE_YEAR_RE = [(name, re.compile(p, re.I)) for name, p in _RELATIVE_YEARS]


def period_problems(claim: str, source: str) -> list[str]:
    """A part of a year the claim names that the source does not (年内 rendered "in the first
    half"); a whole year claimed from a source that gives a part of one, by name (全年) or by the
    year alone (`made US$53 million in 2025` from `2025年前9月……5343.7万美元`)."""
    src_parts, claim_parts = parts_of_year(source), parts_of_year(claim)
    out = [
        f"period not in the source: {name}"
        for name, _ in _PERIOD_RE
        if name in claim_parts and name not in src_parts
    ] + [
        f"period not in the source: {name}"
        for name, r in _RELATIVE_YEAR_RE
        if r.search(claim) and not r.search(source)
    ]
    if _WHOLE_YEAR.search(claim) and src_parts and not _WHOLE_YEAR.search(source):
        out.append(f"a whole year stated; the source gives the {min(src_parts)}")
    elif src_parts and not claim_parts:
        for year in dict.fromkeys(m.group(1) for m in _YEAR.finditer(claim)):
            given = parts_of_year_given(year, source)
            if given:
                out.append(f"{year} stated as a whole year; the source gives its {min(given)}")
    return out


# What a change is measured against: the same period a year before (同比), or the period just
# before (环比: the month or quarter before). A change against one is not a change against the other.
_BASES = (
    (
        "year on year (同比)",
        re.compile(
            r"同比|(?:比|较)(?:上年|去年)同期|(?i:year[- ]on[- ]year|year[- ]over[- ]year)|YoY"
            r"|(?i:(?:from|than|on) a year (?:earlier|ago|before))"
        ),
    ),
    (
        "against the period before (环比)",
        re.compile(
            r"环比|(?i:(?:month|quarter)[- ]on[- ](?:month|quarter)|(?:month|quarter)[- ]over[- ]"
            r"(?:month|quarter))|MoM|QoQ|(?i:(?:from|than|on) the (?:previous|prior) (?:month|quarter))"
        ),
    ),
)


def basis_problems(claim: str, source: str) -> list[str]:
    """A change the claim measures year on year (同比) where the source gives only the change
    against the month or quarter before (环比), or the other way round (`4月份农村居民消费价格同比上涨
    0.1%` from `4月份，全国居民消费价格环比上涨0.1%`). A source that names neither says nothing."""
    said = [name for name, r in _BASES if r.search(source)]
    if not said:
        return []
    return [
        f"the source gives the change {said[0]}, not {name}"
        for name, r in _BASES
        if r.search(claim) and name not in said
    ]


# A figure a source gives as what a year's own figure changed to (毛利率从2024年12.2%提升至25.4%:
# 25.4% is the later year's, not 2024's), stated by a claim as that year's own. The year must be
# the first figure's (2024年12.2%), not the end of a span the change runs over (在1991到2000年之间，
# 面积从415,000平方公里上升到587,000平方公里: 587,000 is 2000's).
_CHANGED_TO = re.compile(
    r"^\s*年?(?:末|底|初)?(?:的)?\s*(?:约|近)?\d[^。；;！？\n]{0,12}?(?:提升|提高|增长|增加|上升|上涨|下降|降低|减少|下滑|回落|飙升|攀升|"
    r"扩大|收窄|缩小|增|升|降|涨|跌)(?:了)?(?:至|到)\s*(?:约|近|超过|超|逾)?\s*$"
)
# a figure written straight after its year (2025年的343.3%, 2025年底10.5亿美元) is that year's
_YEARS_OWN = re.compile(r"\s*年?(?:末|底|初)?(?:的)?\s*(?:约|近|超过|超|逾)?\s*")
_NOT_YEAR_KINDS = ("percent", "money:")


def _figures(text: str) -> list[Quantity]:
    """The figures of a text other than its years (and citation markers)."""
    return [
        q
        for q in parse_quantities(text)
        if q.kind.startswith(_NOT_YEAR_KINDS) or not _YEAR.fullmatch(q.text.strip())
    ]


def year_problems(claim: str, source: str) -> list[str]:
    """A claim that gives one figure for one year, where the source gives that figure only as
    what the year's own figure changed to (`MiniMax's gross margin in 2024 was 25.4%` from
    `毛利率也从2024年12.2%提升至25.4%`). A claim with more figures or years (`rose from 12.2% in
    2024 to 25.4%`) is left to the other checks."""
    claim = MARKER.sub("", claim)
    years = set(m.group(1) for m in _YEAR.finditer(claim))
    figures = _figures(claim)
    if len(years) != 1 or len(figures) != 1:
        return []
    (year,), stated = years, figures[0]
    found = [q for q in _figures(source) if supported(stated, [q])]
    if not found:
        return []
    others = set()
    for q in found:
        before = source[: q.start]
        cut = max(before.rfind(c) for c in "。；;！？\n")
        mentions = list(_YEAR.finditer(before, cut + 1))
        if not mentions:
            return []
        last, between = mentions[-1].group(1), before[mentions[-1].end() :]
        if last == year:
            if not _CHANGED_TO.search(between):
                return []
        elif _YEARS_OWN.fullmatch(between):
            others.add(last)
        else:
            return []
    if others:
        return [f"the source gives {stated.text} for {'/'.join(sorted(others))}, not {year}"]
    return [f"the source gives {stated.text} as what {year}'s figure changed to, not for {year}"]


# -- days -------------------------------------------------------------------------------------
# A day of the month the claim states and the source does not: `January 1, 2026` from
# `2026年1月上市` (the 1 is in the source, as the month).
_EN_MONTH = "|".join(MONTHS)  # capitalised, as prose writes them: not "may"
_DAY_FORMS = (
    (re.compile(r"(?<!\d)\d{4}-(\d{1,2})-(\d{1,2})(?!\d)"), False),
    (re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), False),
    (re.compile(rf"\b({_EN_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"), False),
    (re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_EN_MONTH})\b"), True),
)
# a month as Chinese writes it (12月), by its number; not the length of a period (前9月: the first
# nine months, not September; 近3月, 头3月). 后 stays a month's: 随后5月 is "then in May".
MONTH_ZH = re.compile(r"(?<![\d.前近头首])(\d{1,2})\s*月")
_MONTH_FORMS = (
    re.compile(r"(?<!\d)\d{4}-(\d{1,2})(?!\d)"),
    MONTH_ZH,
    re.compile(rf"\b({_EN_MONTH})\b"),
)


def _month_number(word: str) -> int:
    return int(word) if word.isdigit() else MONTHS.index(word) + 1


def days_stated(text: str) -> set[tuple[int, int]]:
    """The (month, day) pairs a text states: 1月27日, 1967-01-27, January 27, 27 January."""
    out = set()
    for r, day_first in _DAY_FORMS:
        for m in r.finditer(text):
            a, b = m.group(1), m.group(2)
            month, day = (_month_number(b), int(a)) if day_first else (_month_number(a), int(b))
            if 1 <= month <= 12 and 1 <= day <= 31:
                out.add((month, day))
    return out


def months_stated(text: str) -> set[int]:
    """The months a text names, with a day or without (2026年1月, January)."""
    return {_month_number(m.group(1)) for r in _MONTH_FORMS for m in r.finditer(text)}


def day_problems(claim: str, source: str) -> list[str]:
    """A day of a month the source names without it (`January 1, 2026` from `2026年1月`)."""
    given = days_stated(source)
    months = months_stated(source) | {m for m, _ in given}
    return [
        f"a day the source does not give: {MONTHS[m - 1]} {d}"
        for m, d in sorted(days_stated(claim))
        if (m, d) not in given and m in months
    ]


# -- polarity ---------------------------------------------------------------------------------
# One lexicon of death, for a claim's polarity (died is not alive) and for the event a question
# asks about (died is not born).
_DIED = (
    r"死亡|死去|死于|去世|逝世|病逝|辞世|身故|遇难|丧生|罹难|身亡|卒(?=[于，。,年])"
    r"|\b(?:die[ds]?|dead|deaths?|killed|perished)\b"
)
# Opposite pairs: a claim on one side whose source states only the other side.
_OPPOSITES: tuple[tuple[str, str, str, str], ...] = (
    (
        "rose",
        r"增长|增加|上升|上涨|提高|提升|增多|扩大|\b(?:rose|rise[sn]?|increased?|grew|grow(?:s|th)|gain(?:ed|s)?)\b",
        "fell",
        r"下降|减少|下跌|降低|下滑|回落|缩小|减少|\b(?:fell|fall(?:s|en)?|decreased?|declined?|drop(?:ped|s)?|shr[ai]nk)\b",
    ),
    (
        "died",
        _DIED,
        "alive",
        r"存活|活着|幸存|生还|在世|健在|\b(?:alive|surviv(?:e|ed|ing|ors?)|living)\b",
    ),
    (
        "profit",
        # a gross profit (毛利) is a measure a loss-making company has too, no profit or loss
        r"盈利|(?<!毛)利润|净利|赚|\b(?<!gross )(?:profits?|profitable|earned)\b",
        "loss",
        rf"亏损|亏|\b(?:loss(?:es)?|lost money)\b|{_LOST_MONEY}",
    ),
    (
        "won",
        r"获胜|胜出|战胜|击败|打败|击溃|赢|夺冠|\b(?:won|wins?|winning|victor(?:y|ious)|beat)\b",
        "lost",
        r"落败|输给|负于|败给|\b(?:lost to|defeated by|lose|loses)\b",
    ),
    (
        "more than",
        r"超过|多于|高于|逾|\b(?:more than|exceed(?:s|ed)?)\b",
        "less than",
        r"不到|少于|低于|不足|\b(?:less than|fewer than)\b",
    ),
)
_Opposites = list[tuple[str, re.Pattern[str], str, re.Pattern[str]]]


def _widened(pattern: re.Pattern[str], looser: str) -> re.Pattern[str]:
    """The pattern, or its words and the looser ones, compiled case-blind: how a page states what
    a question names by the pattern alone."""
    return re.compile(f"{pattern.pattern}|{looser}", re.I) if looser else pattern


def _compiled(pairs: Sequence[tuple[str, str, str, str]]) -> _Opposites:
    """(name, pattern, name, pattern) tables, each pattern compiled case-blind."""
    return [(a, re.compile(pa, re.I), b, re.compile(pb, re.I)) for a, pa, b, pb in pairs]


_OPPOSITE_RE = _compiled(_OPPOSITES)


def polarity_problems(claim: str, source: str, cited: str | None = None) -> list[str]:
    """A direction the claim states whose source states only the opposite one; or states the
    opposite right after the same words (数量急遽增加 against 数量急遽减少, though the source
    says 提升 elsewhere). `cited`: where the same words are looked for, when `source` also holds
    the text before the cited sentences (a clause `其中猪肉价格上涨1.4%` is not turned over by its
    sentence's opening `食品烟酒类价格同比下降1.4%`)."""
    near = source if cited is None else cited
    out = []
    for a, ra, b, rb in _OPPOSITE_RE:
        for said, r_said, other, r_other in ((a, ra, b, rb), (b, rb, a, ra)):
            if not r_said.search(claim):
                continue
            if a == "won" and _told_from_the_other_side(claim, r_said, source, r_other):
                continue
            if not r_said.search(source) and r_other.search(source):
                out.append(f"the source says {other}, not {said}")
                continue
            for m in r_said.finditer(claim):
                lead = claim[max(0, m.start() - 2) : m.start()]
                if len(lead) < 2 or not _HAN.match(lead[-1]):
                    continue
                flipped = [
                    x for x in r_other.finditer(near) if near[x.start() - 2 : x.start()] == lead
                ]
                kept = [x for x in r_said.finditer(near) if near[x.start() - 2 : x.start()] == lead]
                if flipped and not kept:
                    out.append(f"the source says {lead}{flipped[0].group()}, not {lead}{m.group()}")
                    break
    return out


def _told_from_the_other_side(
    claim: str, r_said: re.Pattern[str], source: str, r_other: re.Pattern[str]
) -> bool:
    """A result told from the other side: 钢人队输给了野马队 for 野马队击败了钢人队. The one named
    right after the claim's verb (its first two characters) is named before the source's verb and
    not after it, and the one named right after the source's verb is named before the claim's
    (钢人队输给了野马队 is no retelling of 野马队击败了雄鹰队). Only verbs that name the other side
    (输给, 击败; not 落败, 获胜)."""
    m = next((m for m in r_said.finditer(claim) if _BEAT_OR_LOST_TO.fullmatch(m.group())), None)
    who = _named_after(claim, m.end()) if m else None
    if not m or not who:
        return False
    for x in r_other.finditer(source):
        whom = _named_after(source, x.end())
        if (
            _BEAT_OR_LOST_TO.fullmatch(x.group())
            and who in source[: x.start()]
            and who not in source[x.end() :]
            and whom is not None
            and whom in claim[: m.start()]
        ):
            return True
    return False


def _named_after(text: str, at: int) -> str | None:
    """The first two characters named after a verb that ends at `at` (了 skipped)."""
    found = re.match(r"了?\s*([\u4e00-\u9fff]{2})", text[at:])
    return found.group(1) if found else None


_BEAT_OR_LOST_TO = re.compile(r"输给|负于|败给|击败|打败|战胜|击溃")


# -- events and their opposites ----------------------------------------------------------------
# A stretch of time written from its start to its end (从距今74000年持续到……结束, from 1990 to 2000)
# states both when it began and when it ended.
_SPAN = r"从[^，。；]{1,24}?(?:持续)?[到至]|\bfrom\b[^,.;]{1,30}?\b(?:to|until|till)\b"

# What happens to something, and what ends it: a question about one (解散, closed, died) is not
# answered by a sentence that states only the other (成立于1993年, opened, born). Each side in
# Chinese and English: the question may be English, the sentence Chinese.
_EVENTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "founded",
        r"成立|创立|创办|创建|组建|设立|建校|建立|\b(?:founded|established|formed|created)\b",
        "dissolved",
        r"解散|撤销|撤并|废除|废止|停办|解体|\b(?:dissolv(?:e|ed|es)|disband(?:ed)?|abolish(?:ed)?|defunct)\b",
    ),
    (
        "opened",
        r"开放|开业|开馆|开幕|启用|开通|通车|投入使用|投入运营|交付运营|交付使用|"
        r"\b(?:open(?:ed|s)?|inaugurated)\b",
        "closed",
        r"关闭|停业|关门|闭馆|停用|停运|停赛|结业|\b(?:close(?!\s+(?:to|by)\b)|clos(?:ed|es|ure)|shut)\b",
    ),
    (
        "born",
        r"出生|生于|诞生|\bborn\b|\bbirth",
        "died",
        _DIED,
    ),
    (
        "began",
        rf"开始|始于|开工|动工|\b(?:began|begins?|start(?:ed|s)?)\b|{_SPAN}",
        "ended",
        rf"结束|终止|告终|完工|竣工|\b(?:ended(?!\s+up\b)|ends|finished|concluded)\b|{_SPAN}",
    ),
    (
        "champion",
        r"冠军|夺冠|\bchampions?\b",
        "runner-up",
        r"亚军|\brunners?[- ]up\b",
    ),
    ("export", r"出口|\bexports?\b", "import", r"进口|\bimports?\b"),
)

_BOUND_VERB = r"[需要须得也能可有只会]"
# ... and the attributes of a thing that exclude each other (最大 / 最小, highest / lowest)
_ATTRIBUTES: tuple[tuple[str, str, str, str], ...] = (
    ("largest", r"最大|\b(?:largest|biggest)\b", "smallest", r"最小|\bsmallest\b"),
    ("highest", r"最高|\b(?:highest|tallest)\b", "lowest", r"最低|\blowest\b"),
    ("longest", r"最长|\blongest\b", "shortest", r"最短|\bshortest\b"),
    ("earliest", r"最早|\bearliest\b", "latest", r"最晚|最迟|\blatest\b"),
    # 最少需要 / 最多只能 before a verb are "at least" / "at most", a bound and no superlative
    (
        "most",
        rf"最多(?!{_BOUND_VERB})|\bmost\b",
        "fewest",
        rf"最少(?!{_BOUND_VERB})|\b(?:fewest|(?<!at )least)\b",
    ),
)
_EXCLUDING_RE = _compiled((*_EVENTS, *_ATTRIBUTES))
# the events before began / ended, which a span of time (从…到) states whatever it is of
_FIRST_SPAN_EVENT = next(i for i, e in enumerate(_EVENTS) if e[0] == "began")
# More ways a page states a side, too loose to read a question by: 大部分 and 领先 say "most",
# 少数 and 少量 "fewest", 最初 "earliest", 赢得 (第33届超级碗) "champion". The sentence is read
# with them for the side it states, and its document for the side asked (a page that writes 少量
# may answer "fewest"). 很少 and 较少 ("rarely") are left out: 很少的情况下 is no "fewest".
_LOOSER = {
    "most": r"大部分|大多数|多数|最常|最频繁|最有|最受|最主要|领先|\bmajority\b",
    "fewest": r"少数|极少|少量|最不|\b(?:minority|rarely|seldom)\b",
    "earliest": r"最初|起初|\binitially\b|\boriginally\b",
    "latest": r"最后|最终|\bfinally\b",
    "champion": r"赢得|夺得|\bwon the\b",
}
_EXCLUDING_STATED = [
    (_widened(ra, _LOOSER.get(a, "")), _widened(rb, _LOOSER.get(b, "")))
    for a, ra, b, rb in _EXCLUDING_RE
]


# The events an English claim may not state unless its source does, whatever the source says
# instead: when a thing began to exist or a person was born or died. A Chinese claim is not read
# so: a question's own verb (开始, 建立) is put into it, and its source may say it otherwise.
_EVENT_CLAIMED = re.compile(
    r"\b(?P<founded>founded|established)\b|\b(?P<born>born)\b|\b(?P<died>died|dead)\b", re.I
)
_EVENT_SAID = {
    name: _EXCLUDING_STATED[i][side]
    for i, (a, _, b, _) in enumerate(_EXCLUDING_RE)
    for side, name in enumerate((a, b))
    if name in _EVENT_CLAIMED.groupindex
}


def event_problems(claim: str, source: str) -> list[str]:
    """An event an English claim states that its source does not (`Zhipu was founded in 2022`
    from `2022年至2024年，智谱……累亏38.87亿`, seen from the 1.5B model): founded, born, died."""
    return [
        f"the source does not say {name}"
        for m in _EVENT_CLAIMED.finditer(claim)
        for name in [m.lastgroup]
        if name and not _EVENT_SAID[name].search(source)
    ]


def events_asked(question: str) -> tuple[tuple[int, int], ...]:
    """The events and attributes of `_EXCLUDING_RE` the question asks about, each as (pair,
    side): 解散 of 华南理工大学法学院解散于哪一年, not where it names both sides of a pair."""
    out = []
    for i, (_, ra, _, rb) in enumerate(_EXCLUDING_RE):
        a, b = bool(ra.search(question)), bool(rb.search(question))
        if a != b:
            out.append((i, 0 if a else 1))
    return tuple(out)


# The events a date written right beside it belongs to (2021年12月才成立的MiniMax: the founding;
# 成立于1993年; 2026年1月上市): those of `_EVENTS` a thing has once (not 开始 / 结束, which begin
# and end anything), and a listing and a release.
_DATED_EVENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    *(
        (name, re.compile(pattern, re.I))
        for a, ra, b, rb in _EVENTS
        if a in ("founded", "opened", "born")
        for name, pattern in ((a, ra), (b, rb))
    ),
    (
        "listed",
        re.compile(r"上市|挂牌|\bIPO\b|\b(?:listed|went public|go(?:es|ing)? public)\b", re.I),
    ),
    ("released", re.compile(r"发布|推出|发行|上映|问世|\b(?:released|launched)\b", re.I)),
)
_A_DATE = re.compile(
    r"(?<!\d)\d{3,4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*[日号])?|(?<!\d)\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?"
)
# what stands between a date and the event it dates: 才, 就, 已, 正式, 被, 首次 (2021年12月才成立)
_DATE_TO_EVENT = re.compile(r"^(?:才|就|便|已经?|正式|被|首次|起|时)")
_EVENT_TO_DATE = re.compile(r"(?:于|在|是|为|时间为|日期为)\s*$")
# ... and a clause that makes the dated event a time for what follows it (1890年建立殖民地后，……开始
# 使用法国发行的货币: the date is when that began, too)
_AFTER_IT = re.compile(r"(?:后|之后|以后|以来|时|期间)$")
_CLAUSE_END = re.compile(r"[，,。；;：:]")


def events_of_dates(text: str) -> list[set[str]]:
    """For each date a Chinese text writes, the events of `_DATED_EVENTS` written right beside it
    (after it, or before it with 于: 成立于1993年), or an empty set where none is, or where its
    clause makes the event a time for what follows (1890年建立殖民地后，)."""
    out = []
    for m in _A_DATE.finditer(text):
        clause = _CLAUSE_END.split(text[m.end() :], maxsplit=1)[0]
        after = _DATE_TO_EVENT.sub("", clause, count=1)
        before = text[max(0, m.start() - 12) : m.start()]
        lead = _EVENT_TO_DATE.search(before)
        head = before[: lead.start()] if lead else ""
        events = {
            name
            for name, pattern in _DATED_EVENTS
            if pattern.match(after) is not None
            or (head and any(h.end() == len(head) for h in pattern.finditer(head)))
        }
        out.append(set() if _AFTER_IT.search(clause) else events)
    return out


def dated_events(question: str) -> frozenset[str]:
    """The events of `_DATED_EVENTS` a question asks about (its words and their Chinese)."""
    return frozenset(name for name, pattern in _DATED_EVENTS if pattern.search(question))


def dates_only_other_events(asked: frozenset[str], text: str) -> bool:
    """Whether every date `text` writes dates an event other than the `asked` ones (`dated_events`):
    2021年12月才成立的MiniMax dates the founding, not the listing of "When did MiniMax go public?".
    False where the text writes no date, or a date beside no event."""
    dated = events_of_dates(text)
    return bool(dated) and all(events and not events & asked for events in dated)


def end_of_event(events: Sequence[tuple[int, int]]) -> str | None:
    """ "open" where the question's dated events (`events_dated`) are a founding or an opening
    (成立, 开通), "close" where they are a dissolution or a closing (解散, 停赛): the event a span
    of time the sentence writes begins or ends with (从2005年到2014年，洛杉矶有两支球队: 2014 for
    哪一年一支停赛了)."""
    sides = {(_EVENTS[i][0], side) for i, side in events}
    opens = bool(sides & {("founded", 0), ("opened", 0)})
    closes = bool(sides & {("founded", 1), ("opened", 1)})
    return None if opens == closes else "open" if opens else "close"


def events_dated(question: str) -> tuple[tuple[int, int], ...]:
    """The events of `events_asked` the question's predicate names, not a word that only
    describes its subject (停赛的球队预计什么时候回归: 停赛 says which team; 回归 is asked)."""
    return tuple(
        (i, side)
        for i, side in events_asked(question)
        if i < _FIRST_SPAN_EVENT
        and any(
            not question[m.end() :].startswith("的")
            for m in (_EXCLUDING_RE[i][1] if side == 0 else _EXCLUDING_RE[i][3]).finditer(question)
        )
    )


def states_event(asked: Sequence[tuple[int, int]], text: str) -> bool:
    """Whether `text` states an event the question asks about (`events_asked`: 成立, 开通, 解散,
    出生 / 去世), by the looser words a page writes it with (交付运营 for 投入使用); not a start or an
    end, which any span of time writes, nor an attribute."""
    return any(
        _EXCLUDING_STATED[i][side].search(text) for i, side in asked if i < _FIRST_SPAN_EVENT
    )


def opposite_event(
    asked: Sequence[tuple[int, int]], sentence: str, passages: str
) -> tuple[str, str] | None:
    """(asked, stated) where the question asks about an event (`events_asked`: 解散, closed,
    died) that `passages` (what was retrieved of the sentence's document) do not state, while the
    sentence states its opposite (成立于1993年): the topic is there, the fact asked for is not.
    None otherwise."""
    for i, side in asked:
        a, b = _EXCLUDING_RE[i][0], _EXCLUDING_RE[i][2]
        ra, rb = _EXCLUDING_STATED[i]
        name, r_asked, stated, r_stated = (a, ra, b, rb) if side == 0 else (b, rb, a, ra)
        if r_stated.search(sentence) and not r_asked.search(passages):
            return name, stated
    return None


# Ordinals: 第五次, 第5届, fifth, 5th; 首次 / 首位 / first are 1. Not the 20th century, the second
# half or hand, a fraction (a third, two fifths), nor 第二天 / 第二年 (the day or year after).
_ORDINAL_ZH = re.compile(r"第([一二两三四五六七八九十]{1,3}|\d{1,3})(?![\d十天日年])")
_FIRST = re.compile(r"首[次位个届任场部]|\bfirst\b", re.I)
# birth order: 二孩 / 三胎 is the second / third child (对生育二孩、三孩的家庭: not a fourth)
_BIRTH_ORDER = re.compile(
    r"(?<![一二两三四五六七八九十\d])([二三四五六七八九十]|[2-9])(?:孩|胎)(?!子)"
)
_ORDINAL_WORDS = {
    w: i + 2
    for i, w in enumerate(
        "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
    )
}
_ORDINAL_EN = re.compile(
    rf"(?<!\ba )(?<!\bone )(?<!\btwo )(?<!\bthree )"
    rf"\b(?:({'|'.join(_ORDINAL_WORDS)})|(\d{{1,3}})(?:st|nd|rd|th))\b"
    r"(?![\s-]*(?:centur|half|halves|hand))",
    re.I,
)


def _ordinals(text: str, english: bool = False) -> set[int]:
    """The ordinals `text` writes (第五 = 5, 首次 or first = 1, 三孩 = the third child; with
    `english`, fifth and 5th too)."""
    out: set[int] = set()
    for m in (*_ORDINAL_ZH.finditer(text), *_BIRTH_ORDER.finditer(text)):
        value = int(m.group(1)) if m.group(1).isdigit() else chinese_numeral(m.group(1))
        if value is not None:
            out.add(int(value))
    if _FIRST.search(text):
        out.add(1)
    for m in _ORDINAL_EN.finditer(text) if english else ():
        out.add(_ORDINAL_WORDS[m.group(1).lower()] if m.group(1) else int(m.group(2)))
    return out


def ordinals_asked(question: str) -> frozenset[int]:
    """The ordinals N >= 2 the question asks about (第五次, fifth, 5th; not the 20th century)."""
    return frozenset(n for n in _ordinals(question, english=True) if n >= 2)


def another_ordinal(asked: frozenset[int], sentence: str, passages: str) -> tuple[int, int] | None:
    """(asked, stated) where the question asks about the Nth of something (`ordinals_asked`:
    第五次, fifth) that `passages` (of the sentence's document) never write: the fifth test is not
    one the documents describe. `stated`: another ordinal the sentence writes (第一, 首次), or 0.
    None otherwise."""
    if not asked or asked & _ordinals(passages):
        return None
    stated = sorted(_ordinals(sentence) - asked)
    return min(asked), stated[0] if stated else 0


# -- measures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """What a figure is a figure of. `forms`: how a text names it, in either language; forms of
    one measure are its synonyms, and a more specific measure is its own entry. `reported_by`,
    for the metrics a question asks for by name: the words a Chinese sentence that reports it
    uses (a loss answers a profit question). `claims`: whether a claim naming it must find it
    named in its source (a measure asked about only, such as a loss, which polarity checks)."""

    name: str
    forms: str
    reported_by: str = ""
    claims: bool = True
    # more ways a source states it, too loose to read a question or a claim by (长达 4.5公里 is a
    # length, but 波长达到 and 增长达 are not)
    stated_by: str = ""
    # whether a question for a date names it as the event dated (when did he die: a death, not a
    # death toll), so a date question is not checked for it
    event: bool = False


# a figure of distance as Chinese writes it before 长 / 宽 / 高 / 深 (100至400公尺深, 30米宽)
_DISTANCE = r"\d\s*(?:公尺|米|公里|千米|英尺|英里|尺)"
# ... and as English writes it before long / wide / deep (3 m wide, 36 km long)
_DISTANCE_EN = r"\d\s*(?:km|kilomet(?:er|re)s?|met(?:er|re)s?|miles?|feet|ft)"

# The one table of measures: a claim naming a measure its source never names reports a figure the
# source does not give (`measure_problems`), a question naming one its best sentence never names
# is not answered by it (`qa.policy.measure_not_given`), and a question asking for a metric is not
# answered by a sentence that does not report it (`qa.evidence.metric_mismatch`).
MEASURES: tuple[Measure, ...] = (
    Measure(
        "construction cost",
        r"造价|建设费用|建设成本|建造费用|建造成本|投资额|总投资|construction costs?|cost to build",
    ),
    Measure(
        "operating cost",
        r"运营费用|运营成本|营运成本|运行费用|维护费用|operating costs?|running costs?",
    ),
    Measure(
        "goods trade", r"货物贸易|货物进出口|商品贸易|trade in goods|goods trade|merchandise trade"
    ),
    Measure("services trade", r"服务贸易|服务进出口|trade in services|services trade"),
    # users counted as a whole, and the kinds a page counts apart (新用户数达1.04亿户 is no user count);
    # users as a whole only own a figure: a page says 客户, 开发者 or 用户 of the same people, so a
    # question or claim naming users needs no sentence that writes 用户
    Measure("new users", r"新用户|新增用户|\bnew (?:users?|sign-?ups?)\b"),
    Measure("paying users", r"付费用户|\bpaying (?:users?|customers?)\b|\bpaid users?\b"),
    Measure(
        "active users", r"活跃用户|月活|日活|\bMAU\b|\bDAU\b|\b(?:monthly |daily )?active users?\b"
    ),
    Measure("users", r"用户数|用户|\busers?\b", claims=False),
    Measure(
        "cash burn",
        r"现金消耗|消耗现金|烧钱|烧[掉了]*(?:多少|几多)钱|cash burn|burn rate|\bburns?\b",
        r"现金消耗|消耗|烧",
    ),
    # what a company holds, not what it spends (现金消耗 above)
    Measure(
        "cash balance",
        r"现金余额|现金结余|现金储备|现金及现金等价物|(?:账上|持有|拥有|在手)现金"
        r"|cash (?:balance|reserves?|holdings|position|on hand|pile)|cash and (?:cash )?equivalents"
        r"|\b(?:had|has|have|holds?|held)\b(?:(?!\.\s)[^;。]){0,30}\bin cash\b"
        r"|\bhow much cash\b(?=[^?？]*\b(?:have|has|had|hold|holds|held|on hand)\b)",
    ),
    Measure("net current liabilities", r"流动负债净额|net current liabilities"),
    Measure("current liabilities", r"流动负债|current liabilities"),
    Measure("total liabilities", r"(?<!流动)负债总额|(?<!流动)总负债|total liabilities"),
    Measure(
        "debt ratio",
        r"资产负债率|debt(?:-to-asset)? ratio",
        r"资产负债率|负债率",
        claims=False,
    ),
    Measure("unemployment rate", r"失业率|unemployment rate"),
    Measure("population", r"人口|population"),
    Measure(
        "area",
        r"面积|平方公里|平方千米|公顷|亩|surface area|land area|total area|square kilomet|hectares|acres",
    ),
    Measure(
        "deaths",
        r"死亡|遇难|丧生|罹难|身亡|死者|死于|去世|逝世|病逝|致死|"
        r"\b(?:(?<!black )deaths?|died|dead|killed|death toll|fatalities)\b",
        # a source's 在他死后 is the death `after his death` translates; a question's 成吉思汗死后
        # dates what it asks, and asks for no death
        stated_by=r"死后|死前|之死",
        event=True,
    ),
    Measure("injuries", r"受伤|伤者|伤员|\b(?:injured|injuries|wounded)\b", event=True),
    Measure("subsidy", r"补贴|补助|津贴|subsid(?:y|ies)|allowances?"),
    Measure(
        "places",
        r"托位|床位|名额|(?:childcare|nursery|school|kindergarten) places|hospital beds",
    ),
    Measure("graduates", r"毕业生|graduates"),
    # how many people work there (研发人员有多少: not the R&D spending), stated also by hiring
    # them (雇用3000人, employs 3,000), not by a plan to hire (招聘150名研究人员)
    Measure(
        "headcount",
        r"员工|雇员|职工|职员|研发人员|工作人员|从业人员|\bstaff\b|\bemployees?\b|\bheadcount\b|"
        r"\bworkforce\b",
        stated_by=r"雇用|雇佣|聘用|工人|\bemploy(?:s|ed|ing)?\b|\bworkers?\b",
    ),
    # what someone is paid (CEO年薪), not what the company takes in
    Measure(
        "pay",
        # not share-based compensation (股份支付) or compensation for damages (赔偿)
        r"年薪|月薪|薪酬|薪水|薪资|工资|\bsalar(?:y|ies)\b|\bwages?\b|\bexecutive (?:compensation|pay)\b",
    ),
    # the price shares were first sold at, not what they trade at since (报752.5港元/股)
    Measure(
        "offer price",
        r"发行价|发售价|招股价|\bIPO price|\boffer(?:ing)? price|\bissue price",
        # 开启招股,拟以116.20港元向全球发售; not the prospectus (招股书, 招股说明书)
        stated_by=r"招股(?!书|说明书)|发售|发行",
    ),
    Measure("share price", r"(?<!招)股价|收盘价|\b(?:share|stock) price"),
    Measure(
        "ARR",
        r"\bARR\b|annual recurring revenue|年度经常性收入",
        r"ARR|经常性收入",
        claims=False,
    ),
    Measure(
        "revenue",
        r"营收|营业收入|总收入|收入|营业额|revenues?|\bsales\b(?! (?:and|&) marketing)|turnover",
    ),
    Measure(
        "R&D expenses",
        r"研发(?:费用|投入|支出|开支|经费|成本|开销|投资)|研究开发费|R&D|research and development",
    ),
    Measure(
        "selling expenses",
        r"销售费用|销售开支|selling expenses|(?:sales|selling) (?:and|&) marketing expenses",
    ),
    Measure(
        "administrative expenses",
        r"管理费用|行政(?:费用|开支|支出|开销)|administrative expenses|G&A",
    ),
    Measure("gross profit", r"毛利(?!率)|gross profit", r"毛利(?!率)"),
    Measure(
        "profit",
        r"净利润|净利|盈利|(?<!毛)利润|(?<!gross )\bprofit(?:s|able)?\b|net (?:profit|income)",
        r"利润|净利|盈利|亏",
    ),
    # a loss a claim states must be one its source states (MiniMax "lost US$20.079 million" from
    # 全年毛利仅2007.9万美元, its gross profit); "lost" only before money (not lost 3 games)
    Measure(
        "loss",
        rf"净亏损|亏损|net loss|\bloss(?:es)?\b|{_LOST_MONEY}",
        r"亏",
        stated_by=r"亏",
    ),
    Measure("gross margin", r"毛利率|gross margin", r"毛利率"),
    Measure("valuation", r"估值|\bvaluation|valued at", r"估值|估价"),
    Measure("market value", r"市值|market (?:cap|capitali[sz]ation|value)", r"市值"),
    Measure("exports", r"出口|\bexports?\b"),
    Measure("imports", r"进口|\bimports?\b"),
    Measure(
        "growth rate",
        r"增速|增长率|增幅|growth rate",
        # a change given as a share (同比大幅增长158.9%, 下降0.3%, up 12%)
        stated_by=r"(?:增长|增加|上升|上涨|提升|下降|减少|下滑)了?\s*(?:约|近|超过?|逾)?\s*\d+(?:\.\d+)?\s*[%％]"
        r"|\b(?:up|down|grew|rose|fell|increased|decreased) (?:by )?\d+(?:\.\d+)?\s*%",
    ),
    # Physical dimensions, named as questions and pages name them (多宽, 宽约30米, 3 m wide), not by
    # words that also mean something else (高达 is "as much as"; long, deep and age have other
    # senses in English prose).
    Measure(
        "length",
        r"长度|全长|总长|\blength\b|"
        rf"{_DISTANCE_EN}\s+long\b",
        # not the 长 of 增长 (growth: 增长0.6%), 成长, 延长, 生长
        stated_by=rf"(?<![增成延生])长[达约为]|(?<![增成延生])长\d|{_DISTANCE}\s*长",
    ),
    Measure(
        "width",
        r"宽度|宽约|宽达|宽为|宽\d|多宽|\bwidth\b|\bhow wide\b|"
        rf"{_DISTANCE_EN}\s+wide\b",
        stated_by=rf"{_DISTANCE}\s*宽",
    ),
    Measure(
        "height",
        r"的高度|高度[为是达约有：:\d]|身高|海拔|多高|\bheight\b|\baltitude\b|\belevation\b|"
        r"\bhow tall\b",
        stated_by=rf"高度|高\d|高约|{_DISTANCE}\s*高",
    ),
    Measure(
        "depth",
        r"深度|水深|多深|深约|深达|深\d|\bdepth\b|\bhow deep\b|"
        rf"{_DISTANCE_EN}\s+deep\b",
        stated_by=rf"{_DISTANCE}\s*深",
    ),
    Measure("weight", r"重量|体重|重约|重达|多重|\bweigh(?:s|ed|ing|t)?\b|\bhow heavy\b"),
    Measure(
        "speed",
        r"速度|时速|航速|车速|风速|速率|多快|\bspeed\b|\bvelocity\b|\bhow fast\b|km/h|\bmph\b|公里每小时",
        stated_by=r"率|每[年月天日时分秒]|/\s*[年月天日时分秒h]|\bper (?:year|month|day|hour|second)\b",
    ),
    Measure("temperature", r"温度|气温|水温|体温|°C|℃|摄氏|华氏|\btemperatures?\b"),
    Measure("humidity", r"湿度|\bhumidity\b"),
    Measure(
        "age",
        r"年龄|岁数|年纪|几岁|\d\s*岁|\byears old\b|\baged \d|\bat the age of\b|\bhow old\b",
        # a thing's age is how long ago it was: 距今5.15亿年, 2700-1700万年前, 300 years ago (not
        # the 2025年前9月 of the first nine months of 2025)
        stated_by=r"距今|(?:\d\s*[万亿]|(?<!\d)\d{1,3}\s*)年前(?!\s*\d)|\byears ago\b|历史",
    ),
)
_FORMS = [re.compile(m.forms, re.I) for m in MEASURES]  # each measure's names, compiled once
# how a source states each measure: its forms and the looser `stated_by`
_STATED = [_widened(r, m.stated_by) for m, r in zip(MEASURES, _FORMS, strict=True)]
_MEASURE_RE = [(m.name, r) for m, r in zip(MEASURES, _FORMS, strict=True) if m.claims]
_STATED_RE = [(m.name, r) for m, r in zip(MEASURES, _STATED, strict=True) if m.claims]
# (how a question names a metric, how a Chinese sentence that reports it does)
METRICS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (r, re.compile(m.reported_by)) for m, r in zip(MEASURES, _FORMS, strict=True) if m.reported_by
)


def synonyms_of(words: Sequence[str]) -> re.Pattern[str] | None:
    """How a text may state the measure that one of `words` is, whole (营收: 营业收入, 总收入,
    收入, revenue...; 长度: 全长, 长达); None when none of them is a measure of the table."""
    return next(
        (st for r, st in zip(_FORMS, _STATED, strict=True) if any(r.fullmatch(w) for w in words)),
        None,
    )


def _alternatives(pattern: str) -> list[str]:
    """A regular expression's top-level alternatives (研发(?:费用|投入)|R&D: two, not three)."""
    out, cur, depth, in_class, i = [], "", 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur += pattern[i : i + 2]
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            out.append(cur)
            cur, i = "", i + 1
            continue
        cur += ch
        i += 1
    return [*out, cur]


@dataclass(frozen=True)
class NamedMeasure:
    """A measure a question names: its name in the table, the words that name it, the Chinese
    words the table writes it with, and how a Chinese page states it."""

    name: str
    said: str
    chinese: frozenset[str]
    stated: re.Pattern[str]


_PLAIN_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")
# each measure's Chinese names, written plainly in its table entry (现金消耗, 消耗现金, 烧钱)
_CHINESE_NAMES = [
    frozenset(a for a in _alternatives(m.forms) if _PLAIN_HAN.fullmatch(a)) for m in MEASURES
]


def measures_said(text: str) -> list[NamedMeasure]:
    """The measures a question names and the words it names each by (`How much cash does MiniMax
    burn`: the cash burn, named by `burn`; 每年烧多少钱: by 烧多少钱). Where two names overlap,
    the one the table lists first is read (net current liabilities, not current liabilities)."""
    out: list[NamedMeasure] = []
    for m, r, stated, chinese in zip(MEASURES, _FORMS, _STATED, _CHINESE_NAMES, strict=True):
        found = r.search(text)
        if found is None or not found.group().strip():
            continue
        out.append(NamedMeasure(m.name, found.group(), chinese, stated))
        text = text[: found.start()] + " " * len(found.group()) + text[found.end() :]
    return out


# what makes a measure a part of itself: 来自前五大客户的收入, 客户F作为客户产生的收入 (revenue from
# some customers), not the company's revenue; or the base of a share (分别占总收入的60.5%), whose
# figure the sentence does not give
_PART_OF = re.compile(
    r"(?:来自|源自|源于)[^，,。；;：:]{1,20}?的\s*$|产生的\s*$|占(?:其|公司)?\s*$"
)


def how_named(name: str, text: str) -> str:
    """How `text` names the measure `name`: "" not at all, "part" only as a part of it, a
    narrower measure of the table or the base of a share (MiniMax来自前五大客户的收入: revenue from
    some customers; 新用户数: new users, not users; 占总收入的60.5%), else "whole". 总收入 is
    revenue itself: a wider name of the same measure narrows nothing."""
    i = next((k for k, m in enumerate(MEASURES) if m.name == name), None)
    found = [] if i is None else list(_FORMS[i].finditer(text))
    if not found:
        return ""
    others = [  # where the other measures of the table are named
        (w.start(), w.end())
        for k, r in enumerate(_FORMS)
        if k != i
        for w in r.finditer(text)
        if w.group().strip()
    ]

    def narrowed(m: re.Match[str]) -> bool:
        if _PART_OF.search(text[max(0, m.start() - 24) : m.start()]):
            return True
        # another measure's name around it or reaching into it (新用户数: new users)
        return any(
            a < m.end() and m.start() < b and (a < m.start() or b > m.end()) for a, b in others
        )

    return "part" if all(narrowed(m) for m in found) else "whole"


def names_a_measure(text: str) -> bool:
    """Whether the text names some measure of the table (现金消耗, 营收, population...)."""
    return any(r.search(text) for r in _FORMS)


def measures_named(text: str) -> set[str]:
    """The measures a text names."""
    return {name for name, r in _MEASURE_RE if r.search(text)}


# the measures a question for a date names as the event it dates
EVENT_MEASURES = frozenset(m.name for m in MEASURES if m.event)


def stated_patterns(names: Sequence[str]) -> list[re.Pattern[str]]:
    """What states each of the measures `names` (as `measures_stated` reads them)."""
    wanted = set(names)
    return [r for name, r in _STATED_RE if name in wanted]


def measure_mentions(names: Sequence[str], text: str) -> list[re.Match[str]]:
    """Where `text` names any of the measures `names` by the table's own words (not the looser
    ones a page may state it with)."""
    wanted = set(names)
    return [m for name, r in _MEASURE_RE if name in wanted for m in r.finditer(text)]


def measures_stated(text: str) -> set[str]:
    """The measures a source text states, named or in looser words (长达4.5公里: a length)."""
    return {name for name, r in _STATED_RE if r.search(text)}


def measure_problems(claim: str, source: str) -> list[str]:
    """Measures the claim names that its source never names."""
    src = measures_stated(source)
    return [f"the source does not give the {name}" for name in sorted(measures_named(claim) - src)]


# A figure with its counter or unit (3个出入口, 3 分 08 秒, 10号线: 3个, 3分, 10号), not part of a
# range (3到5万) and not a date (a year has `period_problems`)
_COUNTED = re.compile(
    r"(?<![\d.,:\-–])(\d+(?:\.\d+)?)\s{0,2}("
    + units.alternation(
        u for u in (*units.COUNTERS, *units.FAMILY, "号") if u not in ("年", "月", "日", "世纪")
    )
    + ")"
)
# a number on its own: no counter after it, and not a side of a score or a range (24-10)
_BARE_NUMBER = re.compile(r"(?<![\d.,\-–:])\d+(?:\.\d+)?(?![\d.,])(?!\s{0,2}[\-–:])")


def count_problems(claim: str, source: str) -> list[str]:
    """Figures the claim counts in a counter or unit (10个出入口) that its source writes, but never
    as such a count, while it counts another figure in that one (10号线……共设3个出入口; 24-10 ……
    还剩3分08秒 for 还剩10分08秒). Not where the source also writes the number bare (擒抱 (118)),
    which the claim may count."""
    counted: dict[str, set[str]] = {}
    counted_at: set[int] = set()
    for m in _COUNTED.finditer(source):
        counted.setdefault(m.group(2), set()).add(m.group(1))
        counted_at.add(m.start(1))
    written: set[str] = set(re.findall(r"\d+(?:\.\d+)?", source))
    bare = {m.group() for m in _BARE_NUMBER.finditer(source) if m.start() not in counted_at}
    out = []
    for m in _COUNTED.finditer(claim):
        number, unit = m.group(1), m.group(2)
        given = counted.get(unit)
        if given and number not in given and number in written and number not in bare:
            out.append(f"the source counts {'/'.join(sorted(given))}{unit}, not {number}{unit}")
    return out


# Clauses for placing a figure by its measure: an enumeration comma does not break one
# (营收、净利润分别为X、Y names both measures for both figures), nor a thousands separator.
FIGURE_CLAUSE_BREAK = re.compile(r"[，；;。：:]|,(?!\d{3}(?!\d))")


def _measure_of_figure(source: str, at: int) -> str | None:
    """The measure the source names last before the figure at `at`, in the figure's own clause
    (其中流动负债净额13.82亿美元: the net current liabilities); the table's more specific name
    where two overlap, as `measures_said` reads them. None where the clause names none."""
    start = max((m.end() for m in FIGURE_CLAUSE_BREAK.finditer(source, 0, at)), default=0)
    clause = source[start:at]
    best: tuple[int, str] | None = None
    for m, r in zip(MEASURES, _FORMS, strict=True):
        for found in r.finditer(clause):
            if found.group().strip() and (best is None or found.end() > best[0]):
                best = (found.end(), m.name)
        clause = r.sub(lambda x: " " * len(x.group()), clause)
    return best[1] if best else None


def _measurable(q: Quantity) -> bool:
    """An amount, a share, or a count of ten thousand or more written with its magnitude
    (1.04亿户, 104 million users): a figure some measure owns, not a year or a small count."""
    return q.kind != "number" or (q.value >= 10_000 and not q.text.strip().isdigit())


def figure_measure_problems(claim: str, source: str) -> list[str]:
    """An amount or share the claim gives as one measure that its source gives, in the figure's
    own clause, as another (截至2025年9月30日,MiniMax流动负债总额达24.34亿美元,其中流动负债净额
    13.82亿美元: "total current liabilities were US$1.382 billion" gives the net figure). Only
    where the claim names a measure, and every place the source writes the figure names another."""
    said = {m.name for m in measures_said(claim)}
    if not said:
        return []
    src = [q for q in parse_quantities(source) if _measurable(q)]
    out = []
    for q in parse_quantities(claim):
        if not _measurable(q):
            continue  # years, small counts: `count_problems`, `year_problems`
        owners = {_measure_of_figure(source, s.start) for s in src if supported(q, [s])}
        if owners and None not in owners and not owners & said:
            out.append(
                f"the source gives {q.text.strip()} as the {'/'.join(sorted(o for o in owners if o))}, "
                f"not the {'/'.join(sorted(said))}"
            )
    return out


def support_problems(claim: str, sources: Sequence[str], cited: str | None = None) -> list[str]:
    """Every unit, count, period, polarity and measure objection to a claim from its cited texts
    (`cited`: the cited sentences alone, where `sources` also hold the text before them)."""
    joined = "\n".join(sources)
    return (
        unit_problems(claim, joined)
        + count_problems(claim, joined)
        + period_problems(claim, joined)
        + basis_problems(claim, joined)
        + year_problems(claim, joined)
        + event_problems(claim, joined)
        + day_problems(claim, joined)
        + polarity_problems(claim, joined, cited)
        + measure_problems(claim, joined)
        + figure_measure_problems(claim, joined if cited is None else cited)
    )


__all__ = [
    "basis_problems",
    "chinese_names",
    "FIGURE_CLAUSE_BREAK",
    "converted_numbers",
    "figure_measure_problems",
    "measure_problems",
    "measured",
    "name_problems",
    "measures_named",
    "measures_stated",
    "period_problems",
    "year_problems",
    "day_problems",
    "polarity_problems",
    "support_problems",
    "unit_problems",
]


# -- names ------------------------------------------------------------------------------------
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,}$")
_NAME_TAGS = frozenset({"nr", "ns", "nt"})


def chinese_names(text: str) -> list[str]:
    """Person, place and organisation names jieba tags in a Chinese text (two characters or more)."""
    return list(_chinese_names(text))


@lru_cache(maxsize=4096)
def _chinese_names(text: str) -> tuple[str, ...]:
    if not _HAN.search(text):
        return ()
    from corpus.segment import default_segmenter

    tags = default_segmenter().tag(text)
    return tuple(dict.fromkeys(w for w, t in tags if t in _NAME_TAGS and _HAN_NAME.match(w)))


def name_problems(claim: str, source: str) -> list[str]:
    """Chinese names the claim gives that its source (with the context the caller includes: the
    text before the sentence, the document's title) never writes: another subject's figure."""
    return [f"name not in the source: {n}" for n in chinese_names(claim) if n not in source]


def names_elsewhere(claim: str, others: Sequence[str], source: str, asked: str) -> list[str]:
    """Names the other passages shown to the engine write (`others`: the evidence the claim does
    not cite) that the claim writes too, while its source (with its context) never does, nor the
    question (`asked`): the subject of another passage, as a model mixes them up (福润公司 for
    高盛公司). Read as substrings of the claim, where jieba reads a name glued to its neighbours
    (肖特队, 南特派) as no name at all."""
    seen = dict.fromkeys(n for o in others for n in chinese_names(o))
    return [n for n in seen if n in claim and n not in source and n not in asked]


# -- another entity of the same kind ------------------------------------------------------------
# Kinds of named thing a question often asks a figure of, and a sentence often compares with
# another of the same kind (泸定地震 vs 汶川地震, 清华大学 vs 北京大学).
_KINDS = re.compile(
    r"地震|大学|学院|中学|小学|公司|集团|银行|医院|机场|大桥|铁路|高铁|战役|战争|会议|奥运会|世界杯|"
    r"运动会|博物馆|体育场|火车站|港口|水库|电站|工程|台风|洪水|飓风"
)


def _named(text: str) -> list[tuple[str, str]]:
    """(modifier, kind) for each `X地震` / `X大学`... in the text: X is the word before the kind,
    past a magnitude or a year (汶川8.0级地震, 泸定6.8级地震)."""
    from corpus.segment import cut

    out = []
    for m in _KINDS.finditer(text):
        if m.start() == 0 or not _HAN.match(text[m.start() - 1]):
            continue
        words = cut(text[max(0, m.start() - 12) : m.start()])
        while words and (_MAGNITUDE_WORD.fullmatch(words[-1]) or not words[-1].strip()):
            words.pop()
        if words and len(words[-1]) >= 2 and all(_HAN.match(c) for c in words[-1]):
            out.append((words[-1], m.group()))
    return out


_MAGNITUDE_WORD = re.compile(r"[\d.]+|级|年|里氏|\d+(?:\.\d+)?级")


# A question word or a count before the kind (哪个机场, 什么公司, 一家公司, 几期工程) names nothing.
_NOT_A_NAME = re.compile(r"[哪什几第一二两三这那该此每各某其本全]")


def named_things(question: str) -> tuple[tuple[str, str], ...]:
    """The (name, kind) pairs a question asks about (泸定, 地震 of 泸定地震造成多少人遇难), not a
    question word or a count before the kind (哪个机场, 一家公司)."""
    return tuple((x, kind) for x, kind in _named(question) if not _NOT_A_NAME.search(x))


def another_subject(asked: Sequence[tuple[str, str]], sentence: str) -> str | None:
    """`X地震` asked about (`asked`: the question's `named_things`) while the sentence names
    another by its proper name, `Y地震` (汶川, a place jieba tags), and never X: the sentence gives
    another one's figure. A generic word before the kind (支线机场, 国际机场) names nothing else.
    Returns 'Y地震, not X地震' or None."""
    for x, kind in asked:
        if x in sentence:
            continue
        names = _proper_words(sentence)
        others = [
            y for y, k in _named(sentence) if k == kind and y != x and any(y in n for n in names)
        ]
        if others:
            return f"{others[0]}{kind}, not {x}{kind}"
    return None


def _proper_words(text: str) -> set[str]:
    from corpus.segment import default_segmenter

    return {w for w, t in default_segmenter().tag(text) if t in ("nr", "ns", "nt", "nz")}
