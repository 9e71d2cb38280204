"""The offices and roles a who-question asks the holder of (MiniMax的CEO是谁？, Who founded
Zhipu?, 第一大股东是谁？), the words a Chinese text writes each in, and whether a sentence names its holder.

A who-question about an office is answered only by a sentence that can say who holds it: one that
writes the office (or, for a founder, a founding verb beside a name: 由……徐根宝个人三方出资).
智谱的创始人是谁？ is not answered by a sentence comparing 智谱 with another company, and where no
retrieved passage writes CEO (nor 首席执行官, 行政总裁...) the documents do not say. A sentence
that names the holder (创始人闫俊杰) answers however little else of the question it shares.
`qa.policy` and `qa.evidence` read these; each office's words are wide (a CEO is 总裁 in many
pages) so that a page naming the holder in other words is not refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Office:
    """One office: how it is shown (`label`), the nouns Chinese text names it by (`nouns`), the
    verbs it says who took it with (`verbs`: 创立 of a founder, which `states_holder` counts only
    beside a name), and how a question writes it in Chinese (`asked_zh`) and English (`asked_en`)."""

    label: str
    nouns: tuple[str, ...]
    asked_zh: str
    asked_en: str
    verbs: tuple[str, ...] = ()


OFFICES: tuple[Office, ...] = (
    Office(
        "founder",
        ("创始人", "创办人", "创建人", "创立者", "创建者", "创办者", "奠基人", "缔造者"),
        r"创始人|创办人|创建人|创立者|创建者|创办者|奠基人|缔造者|创立|创办|创建",
        r"\b(?:co-?)?founders?\b|\bwho (?:co-?)?founded\b|\bwho established\b|\bfounded by whom\b",
        # the verbs a page says who founded something with (由……出资, 发起成立)
        (
            "创立",
            "创办",
            "创建",
            "创设",
            "成立",
            "建立",
            "组建",
            "设立",
            "开办",
            "兴办",
            "筹建",
            "发起",
            "出资",
        ),
    ),
    Office(
        "CEO",
        ("CEO", "首席执行官", "行政总裁", "执行长", "总裁", "总经理"),
        r"CEO|首席执行官|行政总裁|执行长",
        r"\bCEO\b|\bchief executive\b",
    ),
    Office(
        "CFO",
        ("CFO", "首席财务官", "财务总监", "财务官", "财务负责人"),
        r"CFO|首席财务官|财务总监|财务负责人",
        r"\bCFO\b|\bchief financial officer\b|\bfinance director\b",
    ),
    Office(
        "CTO",
        ("CTO", "首席技术官", "技术总监", "技术负责人"),
        r"CTO|首席技术官|技术总监|技术负责人",
        r"\bCTO\b|\bchief technology officer\b",
    ),
    Office(
        "COO",
        ("COO", "首席运营官", "运营总监"),
        r"COO|首席运营官|运营总监",
        r"\bCOO\b|\bchief operating officer\b",
    ),
    Office(
        "chairman",
        ("董事长", "董事会主席", "董事局主席", "主席"),
        r"董事长|董事会主席|董事局主席",
        r"\bchair(?:man|woman|person)?\b",
    ),
    Office(
        "largest shareholder",
        ("第一大股东", "最大股东", "控股股东", "大股东", "实际控制人"),
        r"第一大股东|最大股东|控股股东|大股东|实际控制人",
        r"\b(?:largest|biggest|controlling|major) shareholders?\b",
    ),
    Office(
        "general manager",
        ("总经理", "总裁", "CEO", "首席执行官"),
        r"总经理",
        r"\bgeneral manager\b|\bmanaging director\b",
    ),
)

_ASKED_ZH = [(o, re.compile(o.asked_zh)) for o in OFFICES]
_ASKED_EN = [(o, re.compile(o.asked_en, re.I)) for o in OFFICES]


def office_asked(question: str, asks_person: bool) -> Office | None:
    """The office a who-question asks the holder of (MiniMax的CEO是谁？, Who founded Zhipu?), or
    None: none named, or the question does not ask who (智谱何时成立？)."""
    if not asks_person:
        return None
    for office, asked in (*_ASKED_ZH, *_ASKED_EN):
        if asked.search(question):
            return office
    return None


def office_mention(question: str, office: Office) -> tuple[int, int] | None:
    """Where the question writes the office (the CFO of `MiniMax的CFO是谁？`), or None."""
    for asked in (p for o, p in (*_ASKED_ZH, *_ASKED_EN) if o is office):
        if m := asked.search(question):
            return m.span()
    return None


def office_words(term: str) -> frozenset[str]:
    """All the nouns of the office a question's word names (cfo: CFO, 首席财务官, 财务总监...), so
    that a sentence naming it in other words covers the word; empty for any other word."""
    for office, asked in _ASKED_ZH:
        if asked.fullmatch(term) or asked.fullmatch(term.upper()):
            return frozenset(office.nouns)
    return frozenset()


def writes_office(office: Office, text: str) -> bool:
    """Whether `text` writes the office, by a noun (CEO, 首席执行官, 行政总裁) or a verb (创立)."""
    return _pattern(office.nouns + office.verbs).search(text) is not None


def states_holder(office: Office, sentence: str, subjects: Iterable[str] = ()) -> bool:
    """Whether `sentence` can say who holds the office: it names the office (创始人, CEO), or says
    who took it with a verb beside a name other than the question's `subjects` (闫俊杰……创立MiniMax;
    由……徐根宝个人三方出资), not the subject's own founding alone (成立以来，云帆科技累计融资7轮)."""
    if _pattern(office.nouns).search(sentence):
        return True
    if not office.verbs or not _pattern(office.verbs).search(sentence):
        return False
    from corpus.segment import default_segmenter

    own = [s.lower() for s in subjects]
    for word, tag in default_segmenter().tag(sentence):
        w = word.strip()
        named = (tag in _NAME_TAGS and len(w) >= 2) or _LATIN_WORD.fullmatch(w) is not None
        if named and not any(w.lower() in s or s in w.lower() for s in own):
            return True
    return False


# a name right after the office (创始人闫俊杰, CEO Sam Altman, 首席执行官 唐杰), or before it with the
# verb that gives it (闫俊杰担任董事长, 由唐杰出任CEO)
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:\s[A-Z][a-z]+){1,2}")
_LATIN_WORD = re.compile(r"[A-Z][A-Za-z]+")
_GIVEN_BY = frozenset({"担任", "出任", "兼任", "接任", "任", "为", "是"})
_PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
# a person or an organisation (上海有线电视台), as jieba tags them
_NAME_TAGS = _PERSON_TAGS | {"nt", "nz"}
_DOT = frozenset("·•‧・")


@lru_cache(maxsize=32)
def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    longest_first = sorted(forms, key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in longest_first) or r"(?!)", re.I)


def holder_named(office: Office, sentence: str) -> str | None:
    """The person a sentence names as the office's holder (`创始人闫俊杰强调`: 闫俊杰; `由张伟担任董事长`:
    张伟), or None. A Chinese name counts where jieba tags it as a person's."""
    from corpus.segment import default_segmenter

    seg = default_segmenter()
    for m in _pattern(office.nouns).finditer(sentence):
        after = sentence[m.end() :].lstrip(" 、:：")
        if latin := _LATIN_NAME.match(after):
            return latin.group()
        tokens = seg.tag(after[:16])
        if tokens and tokens[0][1] in _PERSON_TAGS and len(tokens[0][0]) >= 2:
            name = tokens[0][0]
            for (dot, _), (part, _) in zip(tokens[1::2], tokens[2::2], strict=False):
                if dot not in _DOT:
                    break
                name += dot + part
            return name
        before = [t for t in seg.tag(sentence[max(0, m.start() - 16) : m.start()]) if t[0].strip()]
        if len(before) >= 2 and before[-1][0] in _GIVEN_BY and before[-2][1] in _PERSON_TAGS:
            return before[-2][0]
    return None
