"""A question analysed once into a typed record that evidence ranking, refusal and verification
all read: its language, the concepts it asks about (with their translations when it crosses
languages), the years it names and the kind of answer it wants.

Concepts depend on the retrieved passages (a Latin word counts as a name when the passages contain
it), so the record is made after retrieval, from the standalone question and the hits' text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from corpus.lang import detect_lang
from corpus.mentions import LibraryTerms, says, without, written_at
from index.bilingual import chinese_for, finance_chinese_terms, translate_terms
from index.keyword import word_terms
from qa import units
from qa.support import (
    METRICS,
    dated_events,
    end_of_event,
    events_asked,
    events_dated,
    measures_named,
    measures_said,
    named_things,
    ordinals_asked,
    synonyms_of,
)
from qa.titles import Office, office_asked, office_words

# Question words and generic terms that say nothing about where the answer is.
QUESTION_WORDS = frozenset(
    "多少 什么 哪 哪些 哪个 哪家 哪里 哪天 哪年 哪一年 谁 几 何时 如何 怎么 怎样 为什么 是否 吗 呢 是 的 了 年 月 日 "
    "公司 有 在 从 到 被 对 将 及 与 和 了 过 给 多 少 个 几代 哪几代 之前 之后 以前 以后 当时 目前 "
    # the frame of a question, not what it is about: 什么时候, 叫什么名字, 什么类型, 除了...之外
    "时候 什么样 这个 这位 那个 叫做 名字 名称 类型 种类 地方 时间 方式 原因 特点 特征 之外 除了 还有 任何".split()
)
# 几 / 多 / 哪 with a measure word or adjective ask for something (几级 "what magnitude", 多久 "how
# long", 哪国 "which country"): the answer never contains them, so they are not concepts to cover.
# Listed, not patterned: 几乎, 几何, 多元, 多数, 多年 are words.
ASK_WORDS = re.compile(
    r"几[个级岁次年天名家位种条部本场届轮代月号层人只座所项倍张台辆周支]|"
    r"多[久长大高远重深宽厚快]|哪一?[国位所座种条部本场届个家年天里些省市州支]"
)
# A year a text writes: 1900-2099 as they stand; an earlier one only where it reads as a year
# (1527年, in 1527, since 1066): 1500人 and 1200 meters are no years.
_OLD_YEAR_BEFORE = "|".join(
    f"(?<=\\b{w} )" for w in ("in", "In", "of", "by", "since", "Since", "year", "until", "around")
)
# (a decade, the 1970s or 1970年代, is no year: a page writes it 70年代 or 20世纪70年代)
YEAR = re.compile(
    rf"(?<!\d)(?:(?:19|20)\d{{2}}|1[0-8]\d{{2}}(?=\s*年)|(?:{_OLD_YEAR_BEFORE})1[0-8]\d{{2}})(?!\d)"
    r"(?!(?<=0)(?:['’]?s\b|\s*年代))"
)
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*")
WANTS_NUMBER = re.compile(
    r"多少|(?<!哪)几[个家名次轮代]?|比例|占比|百分之|多大|how (much|many)|what (percentage|share|proportion)|"
    r"\bmarket shares?\b|\bpercentages?\b|\bproportions?\b|\brates?\b|"
    r"\b(?:revenues?|loss(?:es)?|profits?|prices?|values?|valued|ratios?|margins?|cash|"
    r"liabilit(?:y|ies)|valuations?|rais(?:e|es|ed|ing)|spen(?:d|ds|t|ding)|burn(?:s|ed|t|ing)?)\b",
    re.I,
)
WANTS_DATE = re.compile(
    r"哪天|哪年|哪一年|何时|什么时候|几月|\bwhen\b|what (year|date|month)", re.I
)
# "多少" with no measure word after it asks for an amount (累计融资多少？ 新用户数是多少？), as does
# "how much"; a count of events (7轮, 3 rounds) or a date does not answer it.
WANTS_AMOUNT = re.compile(r"多少(?![\u4e00-\u9fff])|多少(?:钱|资金|金额)|\bhow much\b", re.I)
# "Adjusted" figures (经调整净亏损, non-IFRS) sit beside the reported ones in Chinese financial news.
ASKS_ADJUSTED = re.compile(r"adjust|经调整|调整后|非国际财务报告准则|non-ifrs|non-gaap", re.I)
ASKS_FULL_YEAR = re.compile(r"全年|整年|full[- ]year|whole year|for the (?:whole|full) year", re.I)


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: any of `forms` in a sentence counts as covering it."""

    forms: frozenset[str]
    label: str
    name: bool = False  # a proper name or acronym, not a word that was translated
    # translated by the glossary or the finance phrase list, not CC-CEDICT; of a subject: a name
    # the glossary has or the documents give in both scripts, not one jieba's tagger guessed
    curated: bool = False
    # a measure's other names (营收 is also 营业收入, 总收入, revenue: qa.support's table); a
    # sentence that names it so covers the concept too
    synonyms: re.Pattern[str] | None = None


# -- what kind of answer a Chinese question asks for (`Asks`), from its words ---------------------
_ASKED_UNIT = re.compile(rf"(?:多少|几){units.MAGNITUDE}({units.MEASURED_IN})")
# What a figure with 号 names when a word follows it (10号线, 3号楼, 10号球衣): no date
LABELLED = r"线|楼|站|馆|院|门|口|机|车|舰|井|台|库|厅|房|码|球衣|公路|大街"
_ASKS_TIME = re.compile(
    r"几几年|何时|什么时候|哪一?年|哪个?时期|什么时期|哪一?天|几月|"
    rf"几号(?!{LABELLED})|多少时间|什么时间|多久|多长时间"
)
# how long a time, which a span of time answers (不到5年, 长达十年), not a date
_ASKS_DURATION = re.compile(
    r"多久|多长时间|多少年(?!前|后|代)|(?<![几那这头前近])几年(?!前|后|级)|多少个月|几个月|多少天|几天|"
    r"\bhow long\b(?! (?:is|was|are|were) (?:the|a|an|its|their)\b)",
    re.I,
)
_ASKS_SHARE = re.compile(r"比例|百分比|百分之多少|几成|占多少")
_ASKS_AGE = re.compile(r"几岁|多少岁|年龄|多大年纪|多大岁数|(?:时|的时候)多大")
_ASKS_YEAR = re.compile(r"哪一?年|何年|几几年")
_ASKS_AMOUNT = re.compile(
    rf"多少(?!{units.MEASURED_IN})|(?<!几)几(?!几|{units.MEASURED_IN})|金额|价格|售价|人口"
)
# a figure the question writes, not the digits of a name (M1911, SR99)
_FIGURE_IN = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![A-Za-z\d])")
# A question that asks who, where, why or which thing (什么标准, 哪场比赛, 地址是哪里), and
# words that ask for a figure, a time or an ordinal (多少, 何时, 哪一年, 第几, 几号, 什么时间).
_ASKS_THING = re.compile(r"什么|哪|谁|为什么|为何")
_ASKS_FIGURE = re.compile(
    rf"{_ASKS_TIME.pattern}|{_ASKS_SHARE.pattern}|{_ASKS_YEAR.pattern}|多少|几|多[大长高久远重宽深]|"
    r"时间|年份|日期|年代|时期|世纪|季节|第|届|号|型号|编号|代号|号码|数字|分数|比分|成绩|排名|名次|"
    r"纪录|记录|价|率|数|量|额|面积|人口|温度|高度|长度|距离|速度|年龄|岁|版本|频道|大小"
)
# A dimension the question names (体长约是多少: a length), which a span's unit must be of.
_ASKED_DIMENSION = (
    ("area", re.compile(r"面积|占地")),
    (
        "length",
        re.compile(
            r"长度|体长|身长|全长|多长(?!时间)|高度|身高|多高|距离|多远|宽度|多宽|深度|多深"
        ),
    ),
    ("mass", re.compile(r"重量|体重|多重|质量")),
)
# ... and the extent it asks by one character (多长, 长度, 全长, 身高: 长 or 高), which a sentence
# writes before the figure it gives for each (宽4.6米，全长13.23米)
_ASKED_EXTENT = re.compile(r"多([长高宽深厚])(?!时间)|([长高宽深厚])度|[全体身]([长高])")
_ASKS_SCORE = re.compile(r"比分(?:是|为)?(?:多少|什么|几比几)|什么比分|几比几")
# a place in a ranking or a series (排名第几, 第几届, what rank), which an amount does not give
_ASKS_RANK = re.compile(r"第几|第多少|排名多少|名次|\bwhat (?:rank|place|position)\b", re.I)
_ASKS_ORIGIN = re.compile(
    r"哪里人|什么地方的?人|籍贯|祖籍|哪国人|哪个国家的人|哪一?省人|出生地|出生于哪|生于哪|在哪里?出生|出生在哪"
)
# what someone does for a living (邹游的职业是什么？, 从事什么职业, 是做什么的): 职业 there is the
# frame of the question, not a word to find (职业足球生涯 says nothing of what he does)
_ASKS_OCCUPATION = re.compile(
    r"(?:什么|哪种|何种|哪些)职业|职业(?:是|为|都有|有)?(?:什么|啥|哪些|何)|职业是？|做什么的"
)
# why; and who or what is so now
_ASKS_REASON = re.compile(r"为什么|为何|什么原因|原因是什么|\bwhy\b|\bfor what reason\b", re.I)
_ASKS_CURRENT = re.compile(r"现任|现在|目前|如今|当前|\bcurrent(?:ly)?\b", re.I)
# (who in lower case, or opening the question: Doctor Who is a name)
_ASKS_PERSON = re.compile(r"谁|哪一?位|什么人|\bwho(?:m|se)?\b|^\W*(?i:who(?:m|se)?)\b")
# what something looks like or is like, or how two differ (有什么特征, 外表上有什么特点, 有什么不同):
# a description, often a run of sentences
_ASKS_DESCRIPTION = re.compile(
    r"什么(?:样的|[\u4e00-\u9fff]{0,2})(?:特征|特点|不同|区别)|(?:特征|特点)是什么|外形|外表|外观|"
    r"长什么样"
)
# what something is, its kind, or its other names: what a page's defining sentence answers
_ASKS_KIND = re.compile(
    r"是(?:一种|一个)?什么(?!时候|时间|时期|年代)|什么是|哪一?(?:个|种|类)?(?:科|属|类|种|目|纲|门)|学名|俗名|别名|"
    r"又名|又称|简称|全称|英文名|叫什么|叫啥|称为|名字|名称|属于|"
    r"\bwhat (?:is|are|was|were)\b|\bwhich (?:family|genus|order|class)\b|\b(?:kind|type) of\b|"
    r"\balso (?:known|called)\b|\bother name",
    re.I,
)
# The term a question asks to define, to name or to place in a kind: 什么是进化枝, 扬子克拉通又叫什么,
# 弗雷斯诺西侧的另一个名字, 回回是什么, 阿贝歇属于哪个国家; not what something is like (是什么样的).
_DEFINED = (
    re.compile(r"什么是(?P<t>[^？?，,的]+)"),
    re.compile(
        r"(?P<t>[^？?，,的]+)的?(?:另一个|其他|别的)?(?:名字|名称|别名|别称|英文名|全称|学名|俗名)"
    ),
    re.compile(r"(?P<t>[^？?，,的]+)(?:又叫|又名|又称|也叫|也称|俗称|简称)"),
    re.compile(
        r"(?P<t>[^？?，,的]+)(?:是|属于)(?:一种|一个)?(?:什么|哪)(?!样|时候|时间|时期|年代)"
    ),
)
# which end of a span of time or of a change it asks (when did it start / end), whether it asks
# what a change started from (原来, 之前), and how much something changed (增加了多少)
_ASKS_OPENING = re.compile(
    r"开始|始于|起始|起于|最早|从何|从哪|自何|自哪|\b(?:start|started|begin|began|beginning)\b",
    re.I,
)
_ASKS_CLOSING = re.compile(
    r"结束|终止|终结|止于|截止|到何时|到哪|至何时|直到|\b(?:end|ended|finish|finished|until)\b",
    re.I,
)
_ASKS_BEFORE_A_CHANGE = re.compile(r"原|之前|以前|此前|起初|最初|以往|过去|before|original", re.I)
# a question that asks how much something changed, which a share answers (增加了多少, 下降多少)
_ASKS_A_CHANGE = re.compile(
    r"(?:增加|增长|上涨|上升|提高|提升|扩大|下降|下跌|减少|降低|缩小|缩减|回落|涨|跌|降|增)了?(?:多少|几)"
)
# the measures reported both as they are and adjusted (经调整净亏损, non-IFRS profit), which a
# question asks of without saying adjusted
_ADJUSTABLE = re.compile(
    r"亏损|净亏|亏了|利润|净利|盈利|收益|毛利|EBITDA|\b(?:loss(?:es)?|profits?|earnings|income|lost)\b",
    re.I,
)
# who, where or which (哪场比赛, 谁, 何地): no bare figure answers it
_ASKS_WHO_WHERE_WHICH = re.compile(r"哪|谁|何处|何地|何人|什么地方")
# an English how-long question, of a time or of a length
_HOW_LONG = re.compile(r"\bhow long\b", re.I)
# a year as a sentence writes one, from 1000 (1773年) to 2099: unlike `YEAR`, not only 19xx/20xx
ANY_YEAR = re.compile(r"(?<!\d)(?:1\d|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class Asks:
    """What kind of answer the question asks for, read once from its words: what a copied span
    must be to answer it (`qa.policy.span_problem`)."""

    unit: str | None = None  # 多少天: 天; 几届: 届
    time: bool = False  # 何时, 哪一年, 多久
    year: bool = False  # 哪一年
    share: bool = False  # 比例
    age: bool = False  # 几岁
    amount: bool = False  # 多少 with no unit after it, 价格, 人口
    score: bool = False  # 比分是多少
    thing: bool = False  # who, where, why or which thing, and no figure (地址是哪里)
    dimension: str | None = None  # a length, area or mass the question names (体长)
    figures: frozenset[str] = frozenset()  # the figures it writes (38 of 在38岁时)
    years: frozenset[str] = frozenset()  # the years it writes (2010 of 2010年的白人人口)
    person: bool = False  # who (谁, 哪位, who, whom)
    origin: bool = False  # where someone is from (哪里人, 籍贯)
    extent: str | None = None  # the extent asked, by its character (多长: 长)
    kind: bool = False  # what something is, its kind or other names (是什么, 属于哪一科, 又名)
    description: bool = False  # what something is like, or how two differ (有什么特征, 有什么不同)
    defined: str = ""  # the term whose meaning, kind or other name is asked (回回 of 回回是什么？)
    duration: bool = False  # how long a time (多久, 多长时间, 几年, how long ... last)
    how_long: bool = False  # how long, in English, of a time or a length
    end: str | None = None  # the end of a span or change asked: open (何时开始) or close (到何时)
    by_event: bool = False  # `end` from an event's word (成立, 停赛), not 开始 / 结束
    both_ends: bool = False  # two question words (从多少下降到多少)
    before_change: bool = False  # what it was before a change (原来, 之前)
    change: bool = False  # how much something changed (增加了多少), which a share answers
    who_where_which: bool = False  # 哪, 谁, 何地: no bare figure answers it
    profit_or_loss: bool = False  # a measure also reported adjusted (净亏损, profit)
    events: tuple[tuple[int, int], ...] = ()  # the events whose date it asks (`events_dated`)
    office: Office | None = None  # the office a who-question asks the holder of (CEO, 创始人)
    rank: bool = False  # a place in a ranking or series (排名第几, 第几届)
    reason: bool = False  # why (为什么, 为何, 什么原因, why)
    current: bool = False  # who or what is so now (现任, 现在, 目前, currently)
    occupation: bool = False  # what someone does for a living (职业是什么, 做什么的)


def asks_for(question: str) -> Asks:
    events = events_dated(question) if _ASKS_TIME.search(question) else ()
    unit = _ASKED_UNIT.search(question)
    extent = _ASKED_EXTENT.search(question)
    return Asks(
        unit.group(1) if unit else None,
        bool(_ASKS_TIME.search(question)),
        bool(_ASKS_YEAR.search(question)),
        bool(_ASKS_SHARE.search(question)),
        bool(_ASKS_AGE.search(question)),
        bool(_ASKS_AMOUNT.search(question)),
        bool(_ASKS_SCORE.search(question)),
        bool(_ASKS_THING.search(question)) and not _ASKS_FIGURE.search(question),
        next((d for d, words in _ASKED_DIMENSION if words.search(question)), None),
        frozenset(_FIGURE_IN.findall(re.sub(r"\s+", "", question))),
        frozenset(ANY_YEAR.findall(question)),
        bool(_ASKS_PERSON.search(question)),
        bool(_ASKS_ORIGIN.search(question)),
        next((g for g in extent.groups() if g), None) if extent else None,
        bool(_ASKS_KIND.search(question)),
        bool(_ASKS_DESCRIPTION.search(question)),
        next(
            (
                m.group("t")
                for p in _DEFINED
                if (m := p.search(question)) and not _ASKS_THING.search(m.group("t"))
            ),
            "",
        ),
        bool(_ASKS_DURATION.search(question)),
        bool(_HOW_LONG.search(question)),
        *_end_asked(question, events),
        len(WH_ZH.findall(question.replace("几几", "几"))) > 1,  # 几几年 asks one year
        bool(_ASKS_BEFORE_A_CHANGE.search(question)),
        bool(_ASKS_A_CHANGE.search(question)),
        bool(_ASKS_WHO_WHERE_WHICH.search(question)),
        bool(_ADJUSTABLE.search(question)),
        events,
        office_asked(question, bool(_ASKS_PERSON.search(question))),
        bool(_ASKS_RANK.search(question)),
        bool(_ASKS_REASON.search(question)),
        bool(_ASKS_CURRENT.search(question)),
        bool(_ASKS_OCCUPATION.search(question)),
    )


def _end_asked(question: str, events: tuple[tuple[int, int], ...]) -> tuple[str | None, bool]:
    """The end of a span asked (open, close or None), and whether an event's word says it (成立,
    停赛: the question's dated `events`, `qa.support.end_of_event`) rather than 开始 / 结束; an
    event's only for a question that asks its date (通车后要多久 asks how long after it, not when)."""
    opening, closing = _ASKS_OPENING.search(question), _ASKS_CLOSING.search(question)
    if opening or closing:
        return ("open" if opening else "close") if bool(opening) != bool(closing) else None, False
    end = None if _ASKS_DURATION.search(question) else end_of_event(events)
    return end, end is not None


@dataclass(frozen=True)
class Question:
    text: str  # the standalone question (follow-ups already rewritten)
    language: str  # detected: zh | en | mixed
    corpus_lang: str
    concepts: tuple[Concept, ...]
    years: tuple[str, ...]
    wants_number: bool
    wants_date: bool
    wants_amount: bool
    wants_adjusted: bool
    asks_full_year: bool
    # Who or what the question is about (people, companies, places, products): an answer about
    # another subject does not answer it, whatever its numbers.
    subjects: tuple[Concept, ...] = ()
    # What is asked about the subject: the concepts next to a Chinese question word (设计师 in
    # 大桥的设计师是谁); none for English questions or when no concept is next to it.
    focus: tuple[Concept, ...] = ()
    # The metrics the question names that a sentence must report to answer it (IPO price, profit,
    # revenue...): indexes into `qa.support.METRICS`, read by `qa.policy.metric_mismatch`.
    metrics: tuple[int, ...] = ()
    # What kind of answer it asks for (a unit, a time, a share...): `asks_for`.
    asks: Asks = Asks()
    # The measures it names (运营费用, 服务贸易: `qa.support.measures_named`), and the things it
    # names by a name and a kind (泸定 地震: `qa.support.named_things`).
    measures: frozenset[str] = frozenset()
    named: tuple[tuple[str, str], ...] = ()
    # The events or attributes it asks about that exclude another (解散, not 成立; 最低, not 最高:
    # `qa.support.events_asked`), and the Nth of a series it asks about (第五次: N >= 2).
    events: tuple[tuple[int, int], ...] = ()
    ordinals: frozenset[int] = frozenset()
    # What a how-many question counts (How many patents…: 专利; 有多少项专利: 专利): `counted`.
    counted: tuple[Concept, ...] = ()
    # The events a date may belong to that it asks about, in its words or their Chinese (listed
    # for "When did MiniMax go public?", founded for 成立于哪一年): `qa.support.dated_events`.
    dated_events: frozenset[str] = frozenset()

    @property
    def crosses(self) -> bool:
        """An English question over documents in another language."""
        return self.language == "en" and self.corpus_lang != "en"


def analyse(
    question: str,
    corpus_lang: str = "zh",
    passages: str = "",
    library_terms: LibraryTerms | None = None,
    language: str | None = None,
) -> Question:
    """`library_terms`: the index's own (Chinese, English) names (`Snapshot.terms`); `language`:
    the question's, where the caller knows better than its text (`query_language`)."""
    lang = language or detect_lang(question)
    concepts = question_concepts(question, corpus_lang, passages, lang, library_terms)
    subjects = question_subjects(question, lang, corpus_lang, library_terms)
    if lang == "en" and corpus_lang != "en":
        # MiniMax, M2.5: Latin names the passages contain (capitalised: "teachers" is not one)
        subjects += [
            c for c in concepts if c.name and not c.curated and any(ch.isupper() for ch in c.label)
        ]
    known = {f for c in subjects for f in c.forms}
    subjects += [c for c in latin_names(question, lang, passages) if c.label.lower() not in known]
    focus = focus_concept(question, lang, concepts, subjects)
    return Question(
        question,
        lang,
        corpus_lang,
        tuple(concepts),
        tuple(m.group() for m in YEAR.finditer(question)),
        bool(WANTS_NUMBER.search(question)),
        bool(WANTS_DATE.search(question)),
        bool(WANTS_AMOUNT.search(question)),
        bool(ASKS_ADJUSTED.search(question)),
        bool(ASKS_FULL_YEAR.search(question)),
        tuple(subjects),
        focus,
        tuple(i for i, (asked, _) in enumerate(METRICS) if asked.search(question)),
        asks_for(question),
        frozenset(measures_named(question)),
        named_things(question),
        events_asked(question),
        ordinals_asked(question),
        counted(question, lang, concepts, focus),
        dated_events(" ".join([question, *(f for c in concepts for f in c.forms)])),
    )


# how many of what: the one or two words after it, up to the verb (How many patents does…; how
# many data centers does…)
_COUNTED_EN = re.compile(
    r"\bhow many ((?:(?!(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could)\b)"
    r"[a-z][a-z-]*\s*){1,2})",
    re.I,
)
# counts of anything, which a page writes in words no dictionary sense of them gives (times: 次,
# not 泰晤士报; people: 人)
_COUNTED_ANY = frozenset(
    "times time people persons years months days hours minutes seconds weeks ways kinds types "
    "parts things members points percent more".split()
)
_COUNT_ZH = re.compile(r"(?:多少|几)[\u4e00-\u9fff]?$")


def counted_as_asked(question: str) -> str:
    """The words an English how-many question counts by (data centers), or ""."""
    m = _COUNTED_EN.search(question)
    return m.group(1).strip() if m else ""


def counted(
    question: str, lang: str, concepts: Sequence[Concept], focus: Sequence[Concept]
) -> tuple[Concept, ...]:
    """What a how-many question counts, as the concepts that name it: the words after `how many`
    (patents: 专利), or the focus right after 多少 / 几 and a measure word (有多少项专利: 专利)."""
    if lang == "en":
        words = counted_as_asked(question).split()
        if not words or any(w.lower() in _COUNTED_ANY for w in words):
            return ()
        senses = {w for group in translate_terms(" ".join(words)) for w in group}
        return tuple(c for c in concepts if not c.name and c.forms & senses)
    out = []
    for c in focus:
        at = question.find(c.label)
        if at > 0 and _COUNT_ZH.search(question[max(0, at - 3) : at]):
            out.append(c)
    return tuple(out)


WH_ZH = re.compile(
    r"多少|几|什么|哪|谁|何时|何地|何处|何人|多久|多长|多大|多高|多远|多重|如何|怎么|怎样|为什么|为何"
)


def focus_concept(
    question: str, lang: str, concepts: Sequence[Concept], subjects: Sequence[Concept]
) -> tuple[Concept, ...]:
    """The concepts next to a Chinese question word: what is asked about the subject (大桥的设计师是谁
    -> 设计师; 造成多少人遇难 -> 造成, 遇难). Names are subjects and are skipped. English questions
    have none: their concepts are the Chinese translations of their words, which cannot be placed."""
    wh = WH_ZH.search(question)
    if lang == "en" or not wh:
        return ()
    out = []
    for c in concepts:
        if c.name or c in subjects:
            continue
        at = question.find(c.label)
        if at < 0:
            continue
        end = at + len(c.label)
        if 0 <= wh.start() - end <= 1 or 0 <= at - wh.end() <= 1:
            out.append(c)
    return tuple(out)


PROPER_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
# Who a question is about: people, organisations, other proper nouns. Places (ns) are left out:
# jieba tags common words as places (上市), and a place is more often the setting than the subject.
_SUBJECT_TAGS = {"nr", "nrt", "nrfg", "nt", "nz"}
# jieba also tags common words as names (明星 2130, 顾问 1697 in its dictionary); names sit lower.
COMMON_WORD_FREQ = 1000


def question_subjects(
    question: str,
    qlang: str,
    corpus_lang: str = "zh",
    library_terms: LibraryTerms | None = None,
) -> list[Concept]:
    """The proper names of the question, each with the forms the documents may use: glossary
    names (both scripts), words jieba tags as person, place, organisation or other proper noun,
    and Latin names that are not ordinary English words."""
    from corpus.segment import default_segmenter
    from qa.glossary import load_glossary

    glossary = load_glossary()
    out: dict[str, Concept] = {}
    if qlang == "en" and corpus_lang != "en":
        for zh, en in glossary.in_english_text(question):
            if zh != en and is_proper_name(zh):
                out.setdefault(
                    zh, Concept(frozenset({zh, en.lower()}), en, name=True, curated=True)
                )
        for zh, en in library_terms.in_english_text(question) if library_terms else ():
            if within_longer_name(question, en) or written_as_word(question, en):
                continue
            out.setdefault(
                zh, Concept(frozenset({zh, en.lower()}), en, name=True, curated=_given(zh, en))
            )
        return list(out.values())
    for zh, en in glossary.in_text(question):
        if is_proper_name(zh):
            out.setdefault(zh, Concept(frozenset({zh, en.lower()}), zh, name=True, curated=True))
    for zh, en in library_terms.in_chinese_text(question) if library_terms else ():
        out.setdefault(
            zh, Concept(frozenset({zh, en.lower()}), zh, name=True, curated=_given(zh, en))
        )
    seg = default_segmenter()
    # a company named by a word and what kind of company it is (星河科技, 晨光制药), which jieba
    # cuts into ordinary words (星河 | 科技); a page may write it whole or by its first word
    for m in _ORGANISATION.finditer(question):
        whole, short = m.group(), m.group(1)
        if _NOT_A_NAME.search(short) or any(
            whole in c.label or c.label in whole for c in out.values()
        ):
            continue
        # by its first word too, where that is no common word (星河, not 中国 of 中国银行)
        common = seg.frequency(short) > COMMON_WORD_FREQ
        forms = frozenset({whole} if common else {whole, short})
        out.setdefault(whole, Concept(forms, whole, name=True))
    for word, flag in seg.tag(question):
        w = word.strip()
        if len(w) < 2 or any(w in c.forms or w in c.label for c in out.values()):
            continue
        if (flag in _SUBJECT_TAGS and seg.frequency(w) <= COMMON_WORD_FREQ) or (
            flag == "eng" and not _is_english_word(w.lower()) and not w.isupper()
        ):
            out.setdefault(w, Concept(frozenset({w, w.lower()}), w, name=True))
    return list(out.values())


# A company's name as Chinese writes it: two to four characters and the kind of company it is,
# opening the question or after a word that cannot end a name (的, 和, 与, 对, 在...)
_ORGANISATION = re.compile(
    r"(?:(?<=^)|(?<=[的和与及对在由向从比为、，,]))([\u4e00-\u9fff]{2,4}?)"
    r"(科技|集团|银行|控股|制药|药业|证券|保险|汽车|电子|地产|传媒|实业|股份|网络|软件|能源)"
    r"(?=[的是有在和与及、，,？?])"
)
# ... which no demonstrative or question word opens (这家, 该, 哪个)
_NOT_A_NAME = re.compile(r"[这那该此本其某谁哪何]|什么")


def _given(zh: str, en: str) -> bool:
    """Whether a library pair is a name the documents give in both scripts (英伟达（NVIDIA）): not a
    person name jieba tagged and pypinyin spelled (胡天 = Hu Tian, often a piece of a longer name),
    nor a common word written before a parenthesis (公司 (Alvis))."""
    from corpus.mentions import pinyin_name
    from corpus.segment import default_segmenter

    return en != pinyin_name(zh) and default_segmenter().frequency(zh) <= COMMON_WORD_FREQ


@lru_cache(maxsize=4096)
def is_proper_name(term: str) -> bool:
    """A glossary term that names someone or something (智谱, 阿里巴巴, MiniMax), not a word of
    the trade (毛利率 = gross margin): jieba tags it as a proper noun, or it has Latin letters."""
    from corpus.segment import default_segmenter

    if re.search(r"[A-Za-z]", term):
        return True
    tags = default_segmenter().tag(term)
    return len(tags) == 1 and tags[0][1] in PROPER_TAGS


def subject_missing(q: Question, context: str) -> list[Concept]:
    """The question's subjects that `context` (a cited sentence, the text just before it and its
    document's title) never names."""
    low = context.lower()
    return [c for c in q.subjects if not any(_names(f.lower(), low) for f in c.forms)]


def _names(form: str, text: str) -> bool:
    """Whether `text` names `form`: a Latin name as a whole word (Arbor is not in Harbor)."""
    if form.isascii() and form[:1].isalpha():
        return re.search(rf"(?<![a-z]){re.escape(form)}(?![a-z])", text) is not None
    return form in text


def covers(concept: Concept, sentence_terms: set[str], sentence: str) -> bool:
    return any(f in sentence_terms or (len(f) >= 2 and f in sentence) for f in concept.forms) or (
        concept.synonyms is not None and concept.synonyms.search(sentence) is not None
    )


def absent_concepts(q: Question, passages: str) -> list[Concept]:
    """Concepts of the question that no retrieved passage mentions at all."""
    terms_in = set(word_terms(passages))
    return [c for c in q.concepts if not covers(c, terms_in, passages)]


def question_concepts(
    question: str,
    corpus_lang: str = "zh",
    corpus_text: str = "",
    qlang: str | None = None,
    library_terms: LibraryTerms | None = None,
) -> list[Concept]:
    """What the question asks about. For an English question over Chinese text: glossary names
    (Alibaba -> 阿里巴巴), Latin names and numbers the text itself contains (MiniMax, IPO, M2.5,
    2025), and dictionary translations of the remaining English words; English words with no
    translation are dropped rather than counted as unmatched."""
    qlang = qlang or detect_lang(question)
    if not (qlang == "en" and corpus_lang != "en"):
        own = [
            Concept(frozenset({t}) | office_words(t), t, synonyms=synonyms_of([t]))
            for t in word_terms(question)
            if t not in QUESTION_WORDS
            and not ASK_WORDS.fullmatch(t)
            and not (t == "职业" and _ASKS_OCCUPATION.search(question))
            and (len(t) > 1 or t.isdigit())
        ]
        # a measure named in words too short to be concepts (每年烧多少钱: the cash burn)
        for measure in measures_said(question):
            said = measure.said
            if measure.chinese and not any(said in f or f in said for c in own for f in c.forms):
                own.append(Concept(measure.chinese, measure.said, synonyms=measure.stated))
        return own
    from qa.glossary import load_glossary

    concepts: list[Concept] = []
    rest = question
    lowered_text = corpus_text.lower()
    for zh, en in load_glossary().entries:
        if zh != en and says(rest, en):
            concepts.append(Concept(frozenset({zh}), en, name=True, curated=True))
            rest = without(rest, en)
    # the library's own names: Zhang Wei -> 张伟 (re-checked: an earlier name may have taken it)
    for zh, en in library_terms.in_english_text(rest) if library_terms else ():
        if (
            zh != en
            and says(rest, en)
            and not within_longer_name(rest, en)
            and not written_as_word(rest, en)
        ):
            concepts.append(Concept(frozenset({zh}), en, name=True, curated=True))
            rest = without(rest, en)
    # a Chinese name written into the English question ("What did 路德 call the mass?", as a
    # follow-up's pronoun becomes the previous Chinese question's name): searched as written
    for m in _HAN_RUN.finditer(rest):
        if len(name := m.group().strip("·•‧・")) >= 2:
            concepts.append(Concept(frozenset({name}), m.group(), name=True))
    rest = _HAN_RUN.sub(" ", rest)
    for t in word_terms(rest):
        if t.isascii() and not t.isalpha() and any(ch.isdigit() for ch in t):
            concepts.append(Concept(frozenset({t}), t))
    for m in _LATIN.finditer(rest):
        word = m.group()
        if len(word) < 2:
            continue
        if (word.lower() in lowered_text and not _is_english_word(word.lower())) or word.isupper():
            # an acronym the dictionary writes in Chinese too (ABC: 美国广播公司, EU: 欧盟)
            chinese = chinese_for(word.lower())[:3] if word.isupper() else ()
            # an office's acronym, in every word a text writes it in (CFO: 首席财务官, 财务总监)
            chinese = (*chinese, *office_words(word))
            concepts.append(Concept(frozenset({word.lower(), *chinese}), word, name=True))
            rest = rest.replace(word, " ")
    curated_zh = finance_chinese_terms()
    # a measure the question names in words whose dictionary senses miss it stands for the
    # table's Chinese names of it as well (burn: 燃烧, and 现金消耗 where cash is burned; total
    # revenue is 总收入 already)
    groups = translate_terms(rest)
    translated = {w for group in groups for w in group}
    for measure in measures_said(rest):
        if measure.chinese & translated:
            continue
        rest = rest.replace(measure.said, " ", 1)
        groups = []  # its words are read as the measure: the rest is translated again below
        senses = {w for group in translate_terms(measure.said) for w in group if len(w) > 1}
        if named := measure.chinese | senses:
            curated = any(w in curated_zh for w in senses)  # as the phrase list translates it
            concepts.append(Concept(named, measure.name, curated=curated, synonyms=measure.stated))
    for group in groups or translate_terms(rest):
        curated = any(c in curated_zh for c in group)
        # a curated term is matched whole (每月现金消耗, 现金消耗): its words alone are other
        # measures (现金 of 现金余额 is a cash balance, not a cash burn)
        forms = (
            set()
            if curated
            else {
                w
                for cand in group
                for w in word_terms(cand)
                if w not in QUESTION_WORDS and len(w) > 1
            }
        )
        forms |= {cand for cand in group if len(cand) > 1}
        if forms:
            # the measure of the best translation only (revenue: 收入), not of a loose one
            # (people: 人口 is a population)
            synonyms = synonyms_of([group[0]])
            concepts.append(Concept(frozenset(forms), group[0], curated=curated, synonyms=synonyms))
    return concepts


# A name as Chinese text writes it: Han characters, the parts of a foreign one joined by a dot
# (qa.names reads names with it too).
HAN_NAME = r"[\u4e00-\u9fff][\u4e00-\u9fff·•‧・]*"
_HAN_RUN = re.compile(HAN_NAME)


def latin_names(question: str, lang: str, passages: str) -> list[Concept]:
    """Latin-script names of a question that the passages write the same way, even when they are
    English words too (Keystone, Harbor): in a Chinese question any Latin word (2024年Arbor的毛利);
    in an English one a capitalised word that does not open the question. Over Chinese passages
    a Latin word they contain is a name; over English ones this says nothing."""
    if lang == "en" and detect_lang(passages) == "en":
        return []
    from index.bilingual import STOPWORDS

    out: list[Concept] = []
    for m in _LATIN.finditer(question):
        word = m.group()
        if len(word) < 2:
            continue
        # a stop word is no name: a question word (Which, In) or a title's first word ("The Tesla")
        if lang == "en" and (m.start() == 0 or not word[0].isupper() or word.lower() in STOPWORDS):
            continue
        if word not in passages:
            continue
        out.append(Concept(frozenset({word.lower()}), word, name=True))
    return out


_TITLE_WORD = re.compile(r"[A-Z][a-z]+")


def within_longer_name(text: str, name: str) -> bool:
    """`name` is written in `text` only as part of a longer name: next to another capitalised
    word that is no stop word (Dudley Simpson, the composer, is not the town of Dudley a library
    pairs with 达德利). For the library's learned pairs, which are often places."""
    from index.bilingual import STOPWORDS

    seen = False
    for m in written_at(text, name):
        seen = True
        before = re.search(r"([A-Za-z]+)\s+$", text[: m.start()])
        after = re.match(r"\s+([A-Za-z]+)", text[m.end() :])
        if not any(
            x and _TITLE_WORD.fullmatch(x.group(1)) and x.group(1).lower() not in STOPWORDS
            for x in (before, after)
        ):
            return False
    return seen


def written_as_word(text: str, name: str) -> bool:
    """`name` is an ordinary English word that `text` writes only in lower case: "What town was
    granted…" names no "Town", though a library paired 第1大镇 with it (the library's learned
    pairs include Gold, Pope, Windows, Sunday)."""
    return (
        " " not in name
        and _is_english_word(name.lower())
        and all(m.group() == m.group().lower() for m in written_at(text, name))
    )


def is_common_english(word: str) -> bool:
    """A lower-case English word of the dictionary (not a name): `after`, `prior`, `along`."""
    return _is_english_word(word)


def _is_english_word(t: str) -> bool:
    from index.bilingual import STOPWORDS, english_to_chinese, name_headwords

    return t in STOPWORDS or (t in english_to_chinese() and t not in name_headwords())
