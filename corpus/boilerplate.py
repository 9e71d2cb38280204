"""Line-level noise removal for Chinese news pages and text dumps.

trafilatura finds the article block; what it lets through on Chinese sites is mostly line-shaped:
share and font widgets, `【纠错】`, editor lines, image-source captions, "related news" lists,
disclaimers and comment sections that follow the article, menus saved one item per line. This module
removes those lines and cuts the text at markers that say the article is over. It also lifts the
author/date/source lines it removes into metadata, so nothing useful is thrown away.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_SEP = r"\s*[丨|｜:：]\s*"
_SENTENCE_END = '。！？!?；;…」』”"’)）】'

# Lines that are never article text.
_NOISE = re.compile(
    "|".join(
        [
            r"^字体[:：]?\s*([小中大]\s*)*$",
            r"^[小中大]$",
            r"^分享到[:：]?",
            r"^【?纠错】?$",
            r"^【?责任编辑[:：].*",
            r"^(责编|编辑|校对|审核|监制|策划|出品|制作|统筹|编审|美编|视频|设计|值班编辑)"
            + _SEP
            + r"\S.{0,40}$",
            r"^(图源|图片来源|图片|图|摄影|供图|配图|题图)" + _SEP + r"\S.{0,40}$",
            r"^[（(【\[].{0,40}(截图|供图|摄|图源.*|图片来源.*|资料图)[)）】\]]$",
            r"^(扫描二维码|扫一扫|点击查看|查看更多|阅读原文|阅读下一篇|返回顶部|打印本页|关闭窗口|收藏本站|投诉举报|举报|播报文章|展开全文|收起)",
            r"^.{0,30}播报文章$",
            r"^(上一篇|下一篇)[:：]?",
            r"^(copyright|©|版权所有)",
            r"^.{0,40}(all rights reserved|版权所有).{0,60}$",
            r"^(来源|发布时间|发布日期|时间|浏览|阅读|点击)[:：]\s*\S{0,40}$",
            r"^(作者|记者|通讯员)" + _SEP + r"\S.{0,30}$",
            r"^(文|撰文)" + _SEP + r"\S.{0,20}$",
            r"^\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$",
            r"^[\W_\d]{0,3}$",
            r"^(倍速|\d(\.\d+)?X)$",
            r"^-\s*\d(\.\d+)?X$",
            r"^(很抱歉，当前视频播放失败|错误代码：|时长：)",
            # site footers: legal lines that are never content, on any kind of page
            r"^.{0,80}\b(registered )?trademarks?\b.{0,120}$",
            r"^.{0,60}(ICP备|ICP证|公网安备).{0,60}$",
            r"^.{0,60}(违法和?不良信息举报|不良信息举报电话).{0,60}$",
        ]
    ),
    re.IGNORECASE,
)

# Lines after which nothing belongs to the article any more.
_END = re.compile(
    r"^(特别声明|免责声明|版权声明|声明：|【责任编辑|责任编辑[:：]|【纠错】|纠错$|相关阅读|相关新闻|相关推荐|相关文章|"
    r"推荐阅读|热门推荐|延伸阅读|网友评论|热门评论|热门跟贴|网易跟贴|猜你喜欢|阅读下一篇|查看更多|更多精彩|"
    r"Copyright|Notice: The content above|本文来源|原文链接|快资讯|诗人简介|赞赏记录)",
    re.IGNORECASE,
)

# A CSS rule: selector, then a block with a declaration. Every part is bounded: unbounded, the
# pattern rescanned the rest of the line from every dot, and a 210 KB line of ordinary sentences
# took 8.9 s (benchmarks/regex_audit.py finds such patterns).
_CSS = re.compile(r"[.#@][\w\-]{1,80}[^{}\n]{0,200}\{[^{}]{0,400}:[^{}]{0,400}\}")


def is_noise(line: str) -> bool:
    return bool(_NOISE.search(line)) or looks_like_css(line)


def looks_like_css(line: str) -> bool:
    if "{" not in line:
        return False
    return line.count("{") >= 3 and line.count(":") >= 3 or len(_CSS.findall(line)) >= 2


def is_end_marker(line: str) -> bool:
    return bool(_END.search(line))


def _has_sentence_punct(line: str) -> bool:
    return any(ch in _SENTENCE_END or ch in "，,、" for ch in line)


def is_menu_like(line: str) -> bool:
    """Short, punctuation-free lines: menu items, tags, counters."""
    return len(line) <= 8 and not _has_sentence_punct(line)


def _is_headline_like(line: str) -> bool:
    return len(line) <= 45 and not any(ch in "。！？!?；;" for ch in line[-2:])


def _drop_runs(lines: list[str], pred, min_run: int) -> list[str]:
    """Drop every run of at least `min_run` consecutive lines satisfying `pred`."""
    out: list[str] = []
    run: list[str] = []
    for line in [*lines, None]:
        if line is not None and pred(line):
            run.append(line)
            continue
        if len(run) < min_run:
            out.extend(run)
        run = []
        if line is not None:
            out.append(line)
    return out


@dataclass(frozen=True)
class Cleaned:
    paragraphs: list[str]
    author: str | None = None


_AUTHOR = re.compile(r"^(?:作者|文|撰文|记者)\s*[丨|｜:：]\s*(\S[^|｜丨]{0,20})$")


def find_author(lines: Iterable[str]) -> str | None:
    for line in lines:
        m = _AUTHOR.match(line.strip())
        if m:
            return m.group(1).strip()
    return None


def clean_lines(
    lines: Iterable[str],
    title: str | None = None,
    cut_at_end: bool = True,
    drop_repeated: bool = True,
) -> Cleaned:
    """Keep the article's paragraphs and headings, in order; drop everything else.

    `drop_repeated` removes lines seen three or more times (headline lists in saved pages), except
    the first copy of a repeated line that reads as prose (a sentence, not a headline); it is off
    for HTML, where trafilatura has already deduplicated and repeats are real (tables, code).
    De-duplication never empties a text: if nothing else would be left, one copy of each stays.
    """
    raw = [normalize_space(x) for x in lines]
    raw = [x for x in raw if x]
    author = find_author(raw)
    kept = raw
    if drop_repeated:
        kept = _drop_repeated(raw)
    if cut_at_end:
        kept = _cut_at_end(kept)
    kept = [x for x in kept if not is_noise(x)]
    kept = _drop_runs(kept, is_menu_like, 3)
    kept = _drop_runs(kept, lambda x: x.startswith(("- ", "• ", "· ")) and _is_headline_like(x), 3)
    kept = _dedupe(kept)
    if title:
        norm_title = normalize_space(title)
        kept = [x for x in kept if x != norm_title]
    return Cleaned(kept, author)


def _is_prose(line: str) -> bool:
    return len(line) >= 30 and line[-1] in _SENTENCE_END and not _is_headline_like(line)


def drop_repeated(lines: list[str]) -> list[str]:
    """Lines seen three or more times (page headers and footers, headline lists, the same page
    many times over) are dropped, except the first copy of one that reads as prose; never down to
    nothing."""
    return _drop_repeated(lines)


def _drop_repeated(lines: list[str]) -> list[str]:
    counts = Counter(x for x in lines if len(x) >= 4)
    seen: set[str] = set()
    kept = []
    for x in lines:
        if counts.get(x, 0) < 3 or (_is_prose(x) and x not in seen):
            kept.append(x)
        seen.add(x)
    if any(not is_noise(x) for x in kept):
        return kept
    return list(dict.fromkeys(lines))  # every line was a repeat: one copy of each, not nothing


def _cut_at_end(lines: list[str]) -> list[str]:
    """Cut at the first end marker that comes after most of the prose."""
    total = sum(len(x) for x in lines) or 1
    seen = 0
    for i, line in enumerate(lines):
        if seen >= 0.3 * total and seen >= 40 and is_end_marker(line):
            return lines[:i]
        seen += len(line)
    return lines


def _dedupe(lines: list[str]) -> list[str]:
    """Drop consecutive duplicates and a line that is a truncated copy of the next (teasers)."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if out and out[-1] == line:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if len(line) >= 20 and nxt != line and nxt.startswith(line.rstrip(",，.。…")):
            continue
        out.append(line)
    return out


_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")


def normalize_space(line: str) -> str:
    return _SPACES.sub(" ", line).strip()
