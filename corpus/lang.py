"""Language of a text: Chinese, English or mixed, by script counts (no model needed)."""

from __future__ import annotations

import re

# English month names, capitalised as prose writes them (not "may")
MONTHS = (
    "January February March April May June July August September October November December"
).split()
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def detect_lang(text: str) -> str:
    """'zh', 'en' or 'mixed'. A Chinese character weighs about as much as an English word."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk == 0 and words == 0:
        return "zh"
    share = cjk / (cjk + words)
    if share >= 0.7:
        return "zh"
    if share <= 0.2:
        return "en"
    return "mixed"


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ZH_ASKS = re.compile(r"什么|哪|谁|多少|几|吗|呢|如何|怎么|怎样|为什么|为何|何时|是否")
_EN_GRAMMAR = frozenset(
    "what who whom whose which when where why how is are was were do does did has have had can "
    "could will would should the of in to for a an".split()
)


def question_lang(text: str) -> str:
    """`detect_lang` for a question, which may write a name in the other script: an English
    question around a Chinese name ("What is 智谱's valuation?", "What did 路德 call the mass?") is
    English, each run of Chinese characters counting as one word, when it has English grammar
    words and the Chinese in it asks nothing (no 什么, 多少, 吗...)."""
    lang = detect_lang(text)
    if lang != "mixed":
        return lang
    runs = _HAN_RUN.findall(text)
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if (
        len(words) >= 3
        and len(runs) <= 0.25 * (len(runs) + len(words))
        and not any(_ZH_ASKS.search(r) for r in runs)
        and any(w in _EN_GRAMMAR for w in words)
    ):
        return "en"
    return lang


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


# -- Chinese left in English prose --------------------------------------------------------------
# A small model writing English from Chinese sources leaves some Chinese behind: a name it cannot
# write glued to the word before it (`is伊斯梅尔·埃尔·吉周里`, `the塞拉高速公路`), or a word it
# translated only in part (`Water cold内衣`, `The Black豹's defense`).
_GLUE_WORDS = (
    "a an the is was are were be been as of by to in on at and or from with for called named "
    "known than that which who whom into about including"
).split()
_GLUED_NAME = re.compile(rf"\b({'|'.join(_GLUE_WORDS)})(?=[\u3400-\u9fff])", re.I)
_GLOSSED = re.compile(r"\([^()]*\)|（[^（）]*）|“[^“”]*”|\"[^\"]*\"")
_HALF = re.compile(r"[A-Za-z]+[\u3400-\u9fff]+[A-Za-z']*|[\u3400-\u9fff]+[A-Za-z]+")


def spaced_names(text: str) -> str:
    """English text with a space between a Chinese name and the short word glued before it
    (`is伊斯梅尔` -> `is 伊斯梅尔`)."""
    return _GLUED_NAME.sub(r"\1 ", text)


def chinese_in_english(text: str) -> tuple[list[str], list[str]]:
    """(half, left): words of English prose half in Chinese (`cold内衣`: a broken translation), and
    Chinese words on their own (`伊斯梅尔·埃尔·吉周里 is…`: a name the writer could not render).
    What brackets or quotes give beside the English (`Zhipu (智谱)`) is neither."""
    prose = _GLOSSED.sub(" ", spaced_names(text))
    half = _HALF.findall(prose)
    left = [w for w in _HAN_RUN.findall(prose) if not any(w in h for h in half)]
    return half, left


_NAME_TAGS = ("nr", "ns", "nt", "nz")
_NAME_DOT = re.compile(r"[·•‧・]")
# a run of Han characters with the dots that join a foreign name's parts (伊斯梅尔·埃尔·吉周里)
_DOTTED_RUN = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff·•‧・]*")


_QUOTED = re.compile(r"“([^“”]*)”|\"([^\"]*)\"|「([^「」]*)」")
_ZH_CLAUSE = re.compile(r"[\u3400-\u9fff]{8}|[\u3400-\u9fff][，。、；：！？]")


def chinese_quotes(text: str) -> list[str]:
    """The Chinese passages English prose quotes as they are (`The passage states that
    "在某些情况下，热源是核反应堆…"`): a clause (eight Han characters in a row, or Chinese
    punctuation after one) an English reader cannot read. A quoted name (“萨克森花园”) is none."""
    quoted = (next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text))
    return [q for q in quoted if _ZH_CLAUSE.search(q)]


def untranslated_words(text: str) -> list[str]:
    """The Chinese words English prose leaves on their own that are no name (`non-rational and
    落后的`, `administration, military, and 监察`): a name the writer could not render
    (伊斯梅尔·埃尔·吉周里, 杰克逊维尔, 皮克特族) may stay, an ordinary word may not. A run reads as
    a name when a dot joins its parts or jieba tags its first word a name."""
    from corpus.segment import default_segmenter

    left = set(chinese_in_english(text)[1])  # not part of a word half in Chinese
    out = []
    for run in _DOTTED_RUN.findall(_GLOSSED.sub(" ", spaced_names(text))):
        if _NAME_DOT.search(run) or run not in left:
            continue
        tags = [flag for w, flag in default_segmenter().tag(run) if w.strip()]
        if tags and not tags[0].startswith(_NAME_TAGS):
            out.append(run)
    return out
