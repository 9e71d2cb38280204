"""Reference marks copied out of encyclopedia pages: `组成[3]，于2017年` (Wikipedia), `[1-2]`
(Baidu Baike), `[注 1]`, `[来源请求]`, a section heading's `[编辑]` link.

They are noise for reading and worse for answering: docqa's own citations are `[n]`, so a quote
holding `[3]` of the page would read as a citation of evidence 3. A mark is removed only where it
is attached to the text before it (no space), so `[0, 1]` of a formula stays; after a Latin letter
or digit only in text that holds Chinese and before punctuation or a space (`arr[0]` of an English
code sample and `list[0]返回` stay).
"""

from __future__ import annotations

import re

_NUMERIC = r"\d{1,3}(?:\s*[-–—,，]\s*\d{1,3})*"
_NOTE = r"(?:注|註|note|n|nb)\s*\d{1,3}|[a-z]"
_TAGS = (
    r"来源请求|來源請求|需要引用|需要來源|需要来源|失效链接|失效連結|查证请求|查證請求|"
    r"谁？|誰？|何时？|何時？|哪个？|哪個？|编辑|編輯|citation needed|edit"
)
_MARK = rf"\[(?:{_NUMERIC}|{_NOTE}|{_TAGS})\]"
# after Chinese characters, punctuation, a closing quote or bracket: always a reference mark
_AFTER_TEXT = re.compile(rf"(?<=[^\sA-Za-z0-9_\[])(?:{_MARK})+", re.I)
# after a Latin letter or digit: only in text that holds Chinese, and before a space, punctuation
# or the end (`Amazonia[3]，` goes, `list[0]返回` stays)
_AFTER_WORD = re.compile(
    rf"(?<=[A-Za-z0-9])(?:{_MARK})+(?=[\s，。、；：！？）」』”,.;:!?)]|$)", re.I
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def strip_reference_marks(text: str) -> str:
    """`text` without the encyclopedia reference marks attached to it."""
    if "[" not in text:
        return text
    text = _AFTER_TEXT.sub("", text)
    if _HAN.search(text):
        text = _AFTER_WORD.sub("", text)
    return text
