"""The Chinese words a figure is counted or measured in, in one place: currencies, date parts,
measures by dimension, and counters (classifiers). `qa.numbers` gives a cut-off figure its unit
back, `qa.evidence` tells an amount from a bare number, and `qa.policy` compares the unit a
question asks for with the one an answer gives; all three read these lists. Conversion sizes
(亩 to hectares, 海里 to kilometres, in both languages) are `qa.support`'s, which checks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAGNITUDES = ("万亿", "千亿", "百亿", "亿", "千万", "百万", "十万", "万", "千")
CURRENCIES = (
    "元人民币",
    "人民币",
    "美元",
    "美金",
    "港元",
    "港币",
    "欧元",
    "日元",
    "英镑",
    "新台币",
    "元",
)
# Parts of a date or a time of day: a figure with one is a when, not an amount (1985年, 3月, 5时).
DATE_PARTS = ("年代", "年", "月", "日", "号", "时", "世纪")

# Units of one dimension: an answer in another dimension than the question's unit answers
# something else (多少天 answered 1200海里).
FAMILY: dict[str, str] = {
    **dict.fromkeys(
        ("公里", "千米", "米", "厘米", "毫米", "海里", "英里", "英尺", "英寸", "码"), "length"
    ),
    **dict.fromkeys(
        ("平方公里", "平方千米", "平方米", "平方英里", "公顷", "顷", "亩", "英亩"), "area"
    ),
    **dict.fromkeys(("吨", "公斤", "千克", "斤", "克", "磅", "盎司"), "mass"),
    **dict.fromkeys(("升", "公升", "立方米"), "volume"),
    **dict.fromkeys(("年", "个月", "月", "周", "天", "日", "小时", "分钟", "秒", "世纪"), "time"),
    **dict.fromkeys(("人", "名", "位", "人次"), "people"),
    **dict.fromkeys(CURRENCIES, "money"),
    **dict.fromkeys(("%", "％"), "percent"),
    **dict.fromkeys(("岁", "周岁"), "age"),
}
# Counters of no dimension (次, 届, 分: minutes or points): the answer's must be the one asked for.
COUNTERS = (
    "次", "届", "分", "个", "只", "支", "座", "家", "所", "条", "项", "种", "部", "本", "场",
    "倍", "度", "户", "辆", "架", "艘", "台", "件", "张", "集", "层", "册", "卷", "篇", "首",
    "块", "头", "匹", "株", "棵", "枚", "组", "批", "套", "颗", "根", "幅", "份", "门",
    "节", "款", "站",
)  # fmt: skip

UNITS = (*FAMILY, *COUNTERS, "号", "时", "年代")
# What an amount is stated in (3万吨, 37岁, 7辆): every unit but the parts of a date, and a bare
# magnitude (3万, 5亿).
AMOUNT_UNITS = (*(u for u in UNITS if u not in DATE_PARTS), "万", "亿")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, the longest first (分钟 before 分, 平方公里 before 公里)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# The words a question asks a figure in and a span gives it in (多少天, 1200海里), a bare magnitude
# (多少亿) among them, and the magnitude that may stand before one (13万吨).
MEASURED_IN = alternation((*FAMILY, *COUNTERS, "亿", "万"))
MAGNITUDE = r"(?:万亿|亿|万|千)?"


# A number with a unit or measure word: what "how much / how many / how old" is answered with
# (5600吨原油, 37岁, 935线的7辆巴士), not a bare number (a year, a clause number). It starts only at
# a number's first digit: from every digit of a long run it rescanned the run
# (benchmarks/regex_audit.py).
AMOUNT = re.compile(rf"(?<![\d.,])\d[\d.,]*\s{{0,3}}(?:{alternation(AMOUNT_UNITS)})")


# A count with no unit, as a sentence gives a population or a total (人口为 1,345,596): written
# with thousands separators or in five digits or more, so no year or ordinal; and not before a
# part of a date, after it or after the range it opens (距今70000年, 距今29000-24000年: whens).
BARE_COUNT = re.compile(
    r"(?<![\d.,A-Za-z])(?:\d{1,3}(?:,\d{3})+|\d{5,})(?![\d.,]*\d|[A-Za-z])"
    rf"(?!(?:\s*[-–—~～至到]\s*[\d,]+)?\s*(?:{alternation(DATE_PARTS)}))"
)


def states_amount(text: str) -> bool:
    """Whether the text gives an amount: a figure with its unit (15.55亿美元, 37岁) or a bare count."""
    return bool(AMOUNT.search(text) or BARE_COUNT.search(text))


# Lengths as Taiwan and Hong Kong write them (公分 a centimetre, 公尺 a metre), for telling a
# sentence that gives a length from one that does not. Not in `FAMILY`: there 分 stays a counter
# (points, minutes), which the checks of an answer's unit were chosen with.
_REGIONAL_LENGTHS = {"公分": "length", "公尺": "length", "公厘": "length"}
_DIMENSION_OF = {**FAMILY, **_REGIONAL_LENGTHS}
_UNIT_OF = re.compile(
    rf"(?<![\d.,])\d[\d.,]*\s{{0,3}}(?:{MAGNITUDE})({alternation(_DIMENSION_OF)})"
)


def gives_dimension(text: str, dimension: str) -> bool:
    """Whether the text gives a figure in a unit of `dimension` (length: 22.4公分, 13.23米)."""
    return any(_DIMENSION_OF.get(m.group(1)) == dimension for m in _UNIT_OF.finditer(text))


# A span of time: a count of years, months, weeks, days or hours (不到5年, 长达十年, 3个多月), not a
# date (2025年末: a year is no count of years).
_DURATION = re.compile(
    r"(?<!第)(?:(?<![\d.])\d{1,3}(?:\.\d+)?|[一二两三四五六七八九十百半几数]+)\s*(?:多|余)?\s*"
    r"(?:年(?![\d代级初末底中前后内])|个多?月|周(?!年)|星期|天|小时|个小时)"
)


def states_duration(text: str) -> bool:
    """Whether `text` gives a span of time (不到5年的运营, 长达十年, 3个月)."""
    return bool(_DURATION.search(text))
