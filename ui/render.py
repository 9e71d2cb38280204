"""HTML and Markdown for the UI. Every string that comes from a document, a question or a model
passes through `esc` (HTML) or `md_text` (Markdown) here and nowhere else builds markup from it:
a document with `<script>`, `<img onerror=...>` or `javascript:` links shows as text."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from index.backend import Library
from qa.records import Answer
from qa.translate import Translation

CONTEXT_CHARS = 160
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#+\-!|{}~:])")
_MARKER = re.compile(r"\[(\d{1,2})\]")


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def md_text(text: str) -> str:
    """Plain text safe inside Markdown: no emphasis, links, images, code or raw HTML."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def cite_id(turn: int, n: int) -> str:
    return f"docqa-src-{turn}-{n}"


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message: the answer with each `[n]` a link to its source card, a refusal marked as
    one, and the engine that answered."""
    known = {c.n for c in answer.citations}
    text, quote = answer.text, ""
    # a copied span, then the sentence it comes from; or an English answer, then the words of
    # the source it gives (`In the source: 518亿港元`)
    if answer.short and "\n\n> " in text:
        text, quote = text.split("\n\n> ", 1)
    parts = []
    pos = 0
    for m in _MARKER.finditer(text):
        parts.append(md_text(text[pos : m.start()]))
        n = int(m.group(1))
        parts.append(f"[\\[{n}\\]](#{cite_id(turn, n)})" if n in known else md_text(m.group()))
        pos = m.end()
    parts.append(md_text(text[pos:]))
    body = "".join(parts)
    if quote:  # a copied span in bold; an English answer in prose, then the source's words
        span = _MARKER.sub("", text).strip() == answer.short
        body = f"**{body}**" if span else body
        body = f"{body}\n\n> {md_text(quote)}"
    if answer.understood_as:
        body = f"<sub>understood as · 理解为: {esc(answer.understood_as)}</sub>\n\n{body}"
    if answer.refused:
        # a text badge, not an emoji: an emoji is an empty box on machines without an emoji font
        label = "未找到答案" if answer.language == "zh" else "Not in the documents"
        body = f'<span class="docqa-refused">{label}</span>\n\n{body}'
    unverified = [c.n for c in answer.citations if not c.verified]
    footer = f"`{answer.engine}` · {answer.timings.get('total', 0):.1f} s"
    if unverified:
        footer += " · ⚠ unverified: " + ", ".join(f"[{n}]" for n in unverified)
    notes = [n for n in answer.notes if not n.startswith("engine auto")]
    if notes:
        footer += " · " + "; ".join(notes)
    return f"{body}\n\n<sub>{esc(footer)}</sub>"


@dataclass(frozen=True)
class SourceView:
    """A cited sentence with its surroundings in the cleaned document, kept with the chat turn."""

    turn: int
    n: int
    doc_id: str
    chunk_id: str
    start: int
    end: int
    title: str | None
    date: str | None
    publisher: str | None
    path: str | None
    before: str
    quote: str
    after: str
    verified: bool
    problems: tuple[str, ...]
    check: str = "supported"
    page: int | None = None
    ocr_confidence: float | None = None  # the page's, when it was read by OCR
    table_html: str = ""  # the table the quote is a cell of, that cell highlighted
    answer_words: str = ""  # the words of the quote the answer gives (its `short`), in bold


# An OCR'd page read with less confidence than this is flagged on its source cards: a clean
# 150 dpi scan reads at 0.97-0.99, a blurred, tilted, JPEG-damaged one near 0.9 (benchmarks/ocr.py).
LOW_OCR_CONFIDENCE = 0.9
TABLE_WINDOW = 6  # rows shown above and below the cited row of a large table


def source_views(answer: Answer, turn: int, snapshot: Library) -> list[SourceView]:
    out = []
    for c in answer.citations:
        entry = snapshot.doc(c.doc_id)
        text = entry.doc.text if entry else c.quote
        start, end = (c.start, c.end) if entry else (0, len(c.quote))
        # widen the context to whole lines where they are near
        a = max(0, start - CONTEXT_CHARS)
        nl = text.rfind("\n", a, start)
        a = nl + 1 if nl >= 0 else a
        b = min(len(text), end + CONTEXT_CHARS)
        nl = text.find("\n", end, b)
        b = nl if nl >= 0 else b
        out.append(
            SourceView(
                turn,
                c.n,
                c.doc_id,
                c.chunk_id,
                c.start,
                c.end,
                c.title or (entry.doc.title if entry else None),
                entry.doc.date if entry else None,
                entry.doc.source if entry else None,
                entry.doc.path if entry else None,
                ("…" if a > 0 else "") + text[a:start],
                text[start:end],
                text[end:b] + ("…" if b < len(text) else ""),
                c.verified,
                c.problems,
                c.check,
                *_page_and_table(entry.doc if entry else None, c.start, c.end, c.page),
            )
        )
        if answer.short and answer.short in c.quote:
            out[-1] = replace(out[-1], answer_words=answer.short)
    return out


def _quote_html(quote: str, words: str) -> str:
    """The cited sentence, with the words the answer gives from it in bold (its `short`: a copied
    span, or the source's words after an English answer)."""
    at = quote.find(words) if words else -1
    if at < 0:
        return _multiline(quote)
    return (
        f'{_multiline(quote[:at])}<b class="docqa-answer-words">{_multiline(words)}</b>'
        f"{_multiline(quote[at + len(words) :])}"
    )


def _page_and_table(doc: Any, start: int, end: int, page: int | None) -> tuple[Any, ...]:
    """The page of a citation, its OCR confidence, and its table shown with the cell marked."""
    if doc is None:
        return (page, None, "")
    page = doc.page_at(start) if page is None else page
    found = doc.table_at(start, end)
    html = ""
    if found is not None:
        cell = found[1].cell_at(start, end)
        if cell is not None:
            html = table_html(found[1], cell.row, cell.col)
    return (page, doc.ocr_confidence(page), html)


def table_html(table: Any, row: int, col: int) -> str:
    """A table as read, the cited cell marked and its row and column named; a large table shows
    the rows around the cited one."""
    lo = max(0, row - TABLE_WINDOW)
    hi = min(len(table.rows), row + TABLE_WINDOW + 1)
    hit_col = ' class="docqa-col-hit"'
    head = "".join(
        f"<th{hit_col if j == col else ''}>{esc(h)}</th>" for j, h in enumerate(table.header)
    )
    body = []
    if lo > 0:
        body.append(
            f'<tr class="docqa-more"><td colspan="{len(table.header)}">… {lo} rows above</td></tr>'
        )
    for i in range(lo, hi):
        cells = []
        for j, value in enumerate(table.rows[i]):
            if i == row and j == col:
                cells.append(f'<td class="docqa-cell-hit"><mark>{esc(value)}</mark></td>')
            elif i == row and j == 0:
                cells.append(f"<td><b>{esc(value)}</b></td>")
            else:
                cells.append(f"<td>{esc(value)}</td>")
        cls = ' class="docqa-row-hit"' if i == row else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    if hi < len(table.rows):
        body.append(
            f'<tr class="docqa-more"><td colspan="{len(table.header)}">'
            f"… {len(table.rows) - hi} rows below</td></tr>"
        )
    where = " · ".join(
        x for x in (table.title, f"sheet {table.sheet}" if table.sheet else None) if x
    )
    caption = f"<caption>{esc(where)}</caption>" if where else ""
    return (
        f'<div class="docqa-table-wrap"><table class="docqa-table">{caption}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _multiline(text: str) -> str:
    return esc(text).replace("\n", "<br>")


def translation_html(t: Translation) -> str:
    cls = "docqa-gloss" if t.kind == "gloss" else "docqa-translation-text"
    checks = (
        ""
        if t.kind == "gloss" or t.fidelity.ok
        else " ⚠ check against the source: " + "; ".join(t.fidelity.problems)
    )
    return (
        f'<div class="docqa-translation"><div class="{cls}">{_multiline(t.text)}</div>'
        f'<div class="docqa-meta">{esc(t.engine)}{esc(checks)}</div></div>'
    )


# What a verified citation's badge says was checked (`Citation.check`), and its tooltip.
CHECKED = {
    "quoted": ("quoted", "the answer repeats this sentence word for word"),
    "translated": (
        "translation checked",
        "the answer translates this sentence; numbers, names, years, units, periods and measures "
        "were checked against it",
    ),
    "supported": (
        "supported",
        "the answer's numbers, names, units, period, measure and direction are all in this sentence",
    ),
}


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    m, s = divmod(seconds, 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def eval_status_html(run: Any, message: str | None = None) -> str:
    """One evaluation run's state: a progress bar with the ETA while it runs, then its outcome."""
    if run is None:
        return f'<div class="docqa-bad">⚠️ {esc(message or "")}</div>' if message else ""
    what = f"{esc(run.name)} · engine <code>{esc(run.engine)}</code>"
    if run.state == "running":
        eta = run.eta_s()
        left = f" · about {_duration(eta)} left" if eta is not None else ""
        total = run.total or 0
        return (
            f'<div class="docqa-ev-run" data-state="running"><progress value="{run.done}" '
            f'max="{max(total, 1)}"></progress> {run.done} / {total or "?"} questions{left} · '
            f"{what}</div>"
        )
    if run.state == "done":
        o = (run.result or {}).get("overall", {})
        acc = o.get("accuracy")
        acc_s = f" · accuracy {acc:.1%}" if acc is not None else ""
        took = _duration((run.finished or run.started) - run.started)
        return (
            f'<div class="docqa-ev-run" data-state="done">✓ <b>{o.get("questions", run.total)} '
            f"questions</b>{acc_s} · {what} · {took} · report in <code>{esc(run.out)}</code></div>"
        )
    if run.state == "cancelled":
        return (
            f'<div class="docqa-ev-run" data-state="cancelled">Cancelled after {run.done} of '
            f"{run.total} questions · {what}</div>"
        )
    return (
        f'<div class="docqa-ev-run docqa-bad" data-state="failed">⚠️ The evaluation failed: '
        f"{esc(run.error)} · {what}</div>"
    )


def show_date(stamp: str | None) -> str | None:
    """A document's date for people: 2025-03-01 (with the time, 2025-03-01 14:30, when it has
    one), from the ISO stamp that metadata keeps."""
    if not stamp:
        return None
    m = re.match(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?", stamp)
    if not m:
        return stamp
    time_of_day = m.group(2)
    return m.group(1) + (f" {time_of_day}" if time_of_day and time_of_day != "00:00" else "")


def show_file(path: str | None) -> str | None:
    """Where a document came from, without the server's folders: the file name, or the URL."""
    if not path:
        return None
    return path if "://" in path else Path(path).name


def source_card(v: SourceView, translation: Translation | None = None) -> str:
    page = f"p. {v.page}" if v.page else None
    meta = " · ".join(
        esc(x) for x in (show_date(v.date), v.publisher, show_file(v.path), page) if x
    )
    low = v.ocr_confidence is not None and v.ocr_confidence < LOW_OCR_CONFIDENCE
    ocr = (
        f'<div class="docqa-ocr-low">⚠ read by OCR with low confidence '
        f"({v.ocr_confidence:.2f}) on this page: check the quote against the scan</div>"
        if low and v.ocr_confidence is not None
        else ""
    )
    badge = (
        f'<span class="docqa-ok" title="{esc(CHECKED[v.check][1])}">{esc(CHECKED[v.check][0])} ✓</span>'
        if v.verified
        else f'<span class="docqa-bad">unverified: {esc("; ".join(v.problems))}</span>'
    )
    return (
        f'<div class="docqa-source" id="{cite_id(v.turn, v.n)}" data-turn="{v.turn}" data-n="{v.n}">'
        f'<div class="docqa-src-head"><span class="docqa-n">[{v.n}]</span> '
        f'<span class="docqa-title">{esc(v.title or "(untitled)")}</span> {badge}</div>'
        f'<div class="docqa-meta">{meta}{" · " if meta else ""}chars {v.start}–{v.end}</div>'
        + ocr
        + f'<div class="docqa-context">{_multiline(v.before)}'
        f"<mark>{_quote_html(v.quote, v.answer_words)}</mark>"
        f"{_multiline(v.after)}</div>"
        + v.table_html
        + f'<button class="docqa-translate" type="button" data-turn="{v.turn}" data-n="{v.n}">'
        f"Translate · 翻译</button>"
        + (translation_html(translation) if translation else "")
        + "</div>"
    )


def sources_html(turns: Sequence[dict[str, Any]], active: int | None = None) -> str:
    """Every turn's sources; the active turn (default: the last) is shown, the others hidden
    until one of their citations is clicked."""
    if not turns:
        return '<div class="docqa-empty">Cited passages appear here. 引用的段落会显示在这里。</div>'
    active = len(turns) - 1 if active is None else active
    parts = []
    for i, t in enumerate(turns):
        views: list[SourceView] = t["sources"]
        hidden = "" if i == active else " hidden"
        head = f'<div class="docqa-q">Q{i + 1}: {esc(t["question"])}</div>'
        if views:
            cards = "".join(source_card(v, t["translations"].get(v.n)) for v in views)
        else:
            cards = '<div class="docqa-empty">No passage supports an answer.</div>'
        parts.append(f'<section class="docqa-turn" data-turn="{i}"{hidden}>{head}{cards}</section>')
    return '<div class="docqa-sources">' + "".join(parts) + "</div>"


def documents_list_html(docs: Sequence[dict[str, Any]]) -> str:
    """The library as a list, one document a line, for narrow screens: title, then date,
    publisher, file and size."""
    if not docs:
        return '<div class="docqa-empty">No documents yet.</div>'
    items = []
    for d in docs:
        meta = " · ".join(
            esc(x)
            for x in (
                show_date(d.get("date")),
                d.get("publisher"),
                show_file(d.get("source")),
                f"{d.get('chunks')} chunks",
            )
            if x
        )
        items.append(
            f"<li><b>{esc(d.get('title') or '(untitled)')}</b>"
            f'<div class="docqa-meta">{meta}</div></li>'
        )
    return f'<ul class="docqa-doc-list">{"".join(items)}</ul>'


def document_html(entry_json: dict[str, Any], text: str) -> str:
    shown = (
        show_date(entry_json.get("date")),
        entry_json.get("publisher"),
        show_file(entry_json.get("source")),
    )
    meta = " · ".join(esc(x) for x in shown if x)
    paras = "".join(f"<p>{esc(p)}</p>" for p in text.split("\n") if p.strip())
    return (
        f'<article class="docqa-doc"><h3>{esc(entry_json.get("title") or "(untitled)")}</h3>'
        f'<div class="docqa-meta">{meta} · {entry_json.get("chunks")} chunks</div>{paras}</article>'
    )


def side_by_side_html(items: Sequence[Translation]) -> str:
    if not items:
        return ""
    rows = "".join(
        f"<tr><td>{_multiline(t.source)}</td><td>{translation_html(t)}</td></tr>" for t in items
    )
    return (
        '<table class="docqa-sbs"><tr><th>Original · 原文</th><th>Translation · 译文</th></tr>'
        f"{rows}</table>"
    )


def metrics_html(table: Sequence[Sequence[str]], charts: Sequence[str]) -> str:
    rows = "".join(
        "<tr>"
        + "".join(f"<{'th' if i == 0 else 'td'}>{esc(c)}</{'th' if i == 0 else 'td'}>" for c in r)
        + "</tr>"
        for i, r in enumerate(table)
    )
    return f'<table class="docqa-metrics">{rows}</table><div class="docqa-charts">{"".join(charts)}</div>'


CSS = """
.docqa-source{border:1px solid #d0d7de;border-radius:8px;padding:8px 10px;margin:8px 0;background:var(--block-background-fill)}
.docqa-source.docqa-active{border-color:#e36209;box-shadow:0 0 0 2px #ffb86c}
.docqa-src-head{font-weight:600}
.docqa-n{color:#0969da}
.docqa-refused{display:inline-block;font-weight:600;color:#b42318;border:1px solid #b42318;border-radius:4px;padding:0 6px}
.docqa-meta{color:#6e7781;font-size:12px;margin:2px 0 6px}
.docqa-context{line-height:1.6}
.docqa-context mark{background:#fff3b0;color:#000;padding:0 1px}
.docqa-answer-words{background:#ffd54f}
.docqa-table-wrap{overflow-x:auto;margin:6px 0}
.docqa-table{border-collapse:collapse;font-size:.85em}
.docqa-table caption{text-align:left;color:#555;padding-bottom:2px}
.docqa-table th,.docqa-table td{border:1px solid #ccc;padding:2px 6px;text-align:left}
.docqa-table th.docqa-col-hit{background:#f3f0d8}
.docqa-table td.docqa-cell-hit mark{background:#fff3b0;color:#000;font-weight:600}
.docqa-table tr.docqa-more td{color:#777;font-style:italic}
.docqa-ocr-low{color:#8a5a00;font-size:.85em;margin:2px 0}
.docqa-ok{color:#1a7f37;font-size:12px;font-weight:400}
.docqa-bad{color:#cf222e;font-size:12px;font-weight:400}
.docqa-translate{margin-top:6px;font-size:12px;padding:2px 8px;border:1px solid #d0d7de;border-radius:6px;cursor:pointer}
.docqa-translation{margin-top:6px;padding:6px;border-left:3px solid #0969da;background:rgba(9,105,218,.06)}
.docqa-q{font-size:12px;color:#6e7781}
.docqa-empty{color:#6e7781;padding:8px}
.docqa-sbs,.docqa-metrics{border-collapse:collapse;width:100%}
.docqa-sbs td,.docqa-sbs th,.docqa-metrics td,.docqa-metrics th{border:1px solid #d0d7de;padding:6px;vertical-align:top}
.docqa-doc p{margin:0 0 .6em}
.docqa-ev-run{padding:6px 0}
.docqa-ev-run progress{width:40%;vertical-align:middle}
#docqa-docs-list{display:none}
.docqa-doc-list{list-style:none;padding:0;margin:0}
.docqa-doc-list li{padding:6px 0;border-bottom:1px solid #d0d7de}
@media (max-width: 640px){#docqa-docs{display:none !important}#docqa-docs-list{display:block}}
"""

# Clicking an [n] in the chat shows that turn's sources and highlights card n. Links in the chat
# are only ever our own `#docqa-src-T-N` anchors (document text is escaped), so this is the one
# script the page needs.
HEAD = """<script>
document.addEventListener('click', function (ev) {
  var a = ev.target.closest && ev.target.closest('a[href*="#docqa-src-"]');
  if (!a) return;
  ev.preventDefault(); ev.stopPropagation();
  var m = a.getAttribute('href').match(/docqa-src-(\\d+)-(\\d+)/);
  if (!m) return;
  document.querySelectorAll('.docqa-turn').forEach(function (s) {
    s.hidden = s.getAttribute('data-turn') !== m[1];
  });
  document.querySelectorAll('.docqa-source.docqa-active').forEach(function (c) {
    c.classList.remove('docqa-active');
  });
  var card = document.getElementById('docqa-src-' + m[1] + '-' + m[2]);
  if (card) { card.classList.add('docqa-active'); card.scrollIntoView({block: 'nearest'}); }
}, true);
</script>"""
