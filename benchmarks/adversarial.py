"""Adversarial unanswerable questions, SQuAD 2.0 style: the topic is in the index, the fact is not.

Each is an answerable XQuAD or CMRC question edited so that its article no longer answers it, while
the paragraph it was asked of stays indexed:

- `period`: the year asked about moved to one the article never mentions;
- `measure`: what is measured swapped for a related measure the article never names
  (人口 -> 面积, born -> died, 出口 -> 进口);
- `attribute`: an ordinal or superlative turned to one the article never states
  (第一 -> 第五, 最大 -> 最小, largest -> smallest).

"Never mentions" is checked on the Chinese text of the whole article (every paragraph of it), for
English questions too: the index is Chinese. Used by `answers_public.py`, which asks them through
the same path as every other question and reports the share refused, by split, language and edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# (kind, pattern in the question, replacement, Chinese forms whose absence from the article makes
# the edited question unanswerable)
_ZH: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("measure", "人口", "面积", ("面积",)),
    ("measure", "面积", "人口", ("人口",)),
    ("measure", "出生", "去世", ("去世", "逝世", "死于", "卒")),
    ("measure", "去世", "出生", ("出生", "生于")),
    ("measure", "成立", "解散", ("解散",)),
    ("measure", "建立", "废除", ("废除",)),
    ("measure", "创立", "解散", ("解散",)),
    ("measure", "开始", "结束", ("结束",)),
    ("measure", "开放", "关闭", ("关闭",)),
    ("measure", "死亡", "受伤", ("受伤", "伤者")),
    ("measure", "出口", "进口", ("进口",)),
    ("measure", "进口", "出口", ("出口",)),
    ("measure", "收入", "利润", ("利润",)),
    ("measure", "冠军", "亚军", ("亚军",)),
    ("measure", "长度", "宽度", ("宽度", "宽")),
    ("measure", "高度", "深度", ("深度", "深")),
    ("measure", "温度", "湿度", ("湿度",)),
    ("measure", "速度", "重量", ("重量",)),
    ("measure", "年龄", "身高", ("身高",)),
    ("measure", "北部", "南部", ("南部",)),
    ("measure", "东部", "西部", ("西部",)),
    ("attribute", "第一", "第五", ("第五",)),
    ("attribute", "第二", "第六", ("第六",)),
    ("attribute", "第三", "第七", ("第七",)),
    ("attribute", "首次", "最后一次", ("最后一次",)),
    ("attribute", "最大", "最小", ("最小",)),
    ("attribute", "最高", "最低", ("最低",)),
    ("attribute", "最长", "最短", ("最短",)),
    ("attribute", "最早", "最晚", ("最晚", "最迟")),
    ("attribute", "最多", "最少", ("最少",)),
)
_EN: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("measure", r"\bpopulation\b", "area", ("面积",)),
    ("measure", r"\barea\b", "population", ("人口",)),
    ("measure", r"\bborn\b", "die", ("去世", "逝世", "死于")),
    ("measure", r"\bdied\b", "born", ("出生", "生于")),
    ("measure", r"\b(?:founded|established)\b", "dissolved", ("解散",)),
    ("measure", r"\bbegin\b|\bbegan\b|\bstart(?:ed)?\b", "end", ("结束",)),
    ("measure", r"\bopened\b", "closed", ("关闭",)),
    ("measure", r"\bexports?\b", "imports", ("进口",)),
    ("measure", r"\btemperature\b", "humidity", ("湿度",)),
    ("measure", r"\bnorth\b", "south", ("南部", "南方")),
    ("measure", r"\beast\b", "west", ("西部", "西方")),
    ("attribute", r"\bfirst\b", "fifth", ("第五",)),
    ("attribute", r"\bsecond\b", "sixth", ("第六",)),
    ("attribute", r"\blargest\b", "smallest", ("最小",)),
    ("attribute", r"\bhighest\b", "lowest", ("最低",)),
    ("attribute", r"\blongest\b", "shortest", ("最短",)),
    ("attribute", r"\bearliest\b", "latest", ("最晚", "最迟")),
    ("attribute", r"\bmost\b", "fewest", ("最少",)),
)
_YEAR_ZH = re.compile(r"(?<!\d)((?:1[5-9]|20)\d{2})(?=年)")
_YEAR_EN = re.compile(r"\b((?:1[5-9]|20)\d{2})\b")


def _other_year(year: str, article: str) -> str | None:
    """A year near the asked one that the article never mentions."""
    for step in (7, -7, 13, -13, 21, -21):
        y = str(int(year) + step)
        if y not in article and int(y) <= 2030:
            return y
    return None


def edit(question: str, lang: str, article: str) -> list[tuple[str, str]]:
    """(kind, edited question) for each edit that makes the question unanswerable by `article`
    (its Chinese text): at most one edit of each kind."""
    out: list[tuple[str, str]] = []
    year = (_YEAR_ZH if lang == "zh" else _YEAR_EN).search(question)
    if year and (other := _other_year(year.group(1), article)):
        out.append(("period", question[: year.start(1)] + other + question[year.end(1) :]))
    seen: set[str] = set()
    for kind, pattern, new, absent in _ZH if lang == "zh" else _EN:
        if kind in seen or any(a in article for a in absent):
            continue
        if lang == "zh" and pattern in question:
            out.append((kind, question.replace(pattern, new, 1)))
            seen.add(kind)
        elif lang == "en" and (m := re.search(pattern, question, re.I)):
            out.append((kind, question[: m.start()] + new + question[m.end() :]))
            seen.add(kind)
    return out


def adversarial_rows(
    rows: Iterable[dict[str, Any]], articles: dict[str, str]
) -> list[dict[str, Any]]:
    """Unanswerable rows edited from answerable ones; `articles`: row id -> its article's Chinese
    text."""
    out = []
    for r in rows:
        if not r["answerable"] or r["id"] not in articles:
            continue
        for kind, q in edit(r["question"], r["lang"], articles[r["id"]]):
            out.append(
                {
                    "id": f"adv-{kind}-{r['id']}",
                    "question": q,
                    "answers": [],
                    "answerable": False,
                    "lang": r["lang"],
                    "type": f"adv-{r['lang']}",
                    "edit": kind,
                    "split": r["split"],
                    "evidence": [],
                    "doc_id": None,
                }
            )
    return out
