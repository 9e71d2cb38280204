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


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))
