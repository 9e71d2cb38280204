"""Language of a text: Chinese, English or mixed, by script counts (no model needed)."""

from __future__ import annotations

import re

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
