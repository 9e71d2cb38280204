"""PDF to paragraphs, each knowing its page; tables as tables; pages without a text layer by OCR.

pdfplumber (on pdfminer.six) reads each page's text and finds its ruled tables in one parse;
the text inside a table's box is left to the table (`corpus.tables`), so a row is not read twice.
A page whose text layer is empty (a scan) is rendered by pdfium and read by OCR (`corpus.ocr`).
Ingest finds those pages first (`scanned_pages`, by pdfium, which is quicker than a second
pdfplumber parse) and reads them one call at a time (`corpus.ocr.ocr_pdf_page`), so each page has
its own time budget and progress line; `extract_pdf` takes their results, and OCRs any page it is
not given (`docqa clean`, a library caller).
"""

from __future__ import annotations

import io
import logging
from typing import Any

from corpus.boilerplate import drop_repeated, normalize_space
from corpus.errors import DecodeError, FileTooLargeError
from corpus.html import Extracted
from corpus.ocr import OcrPage, ocr_pdf_page
from corpus.tables import Table, looks_like_caption, make_table

_TITLE_ABOVE = 80  # points above a table searched for its caption line
_PLACEHOLDER_TITLES = {"untitled", "untitled document", "(anonymous)", "anonymous", "none", "title"}
_SENTENCE_END = '。！？!?；;…:：」』”）)."'


def _quiet() -> None:
    # pdfminer and pypdf log what they repair; docqa says what matters in its own one line
    for name in ("pdfminer", "pypdf", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _open(data: bytes, path: str | None) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    _quiet()
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages  # pages are parsed lazily; a broken page tree fails here
    except PDFPasswordIncorrect as exc:
        raise DecodeError(path, "the PDF is encrypted; decrypt it first") from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds for a broken file
        raise DecodeError(path, f"not a readable PDF ({_first_line(exc)})") from exc
    return pdf


def _has_text(page: Any) -> bool:
    return any(c.get("text", "").strip() for c in page.chars)


def scanned_pages(data: bytes, path: str | None = None) -> list[int]:
    """The pages (0-based) without a text layer, to be read by OCR. pdfium answers this without
    laying the text out, several times faster than pdfplumber (whose one full parse is left to
    `extract_pdf`); a file pdfium cannot open is asked of pdfplumber, which says why."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DecodeError(path, "the PDF is encrypted; decrypt it first") from exc
        return _scanned_pages_plumber(data, path)
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            text = page.get_textpage()
            try:
                if not text.get_text_range().strip():
                    out.append(i)
            finally:
                text.close()
                page.close()
        return out
    finally:
        pdf.close()


def _scanned_pages_plumber(data: bytes, path: str | None) -> list[int]:
    pdf = _open(data, path)
    try:
        return [i for i, page in enumerate(pdf.pages) if not _has_text_safe(page, path)]
    finally:
        pdf.close()


def _has_text_safe(page: Any, path: str | None) -> bool:
    try:
        return _has_text(page)
    except Exception as exc:  # noqa: BLE001
        raise DecodeError(path, f"not a readable PDF ({_first_line(exc)})") from exc


def check_ocr_pages(n: int, path: str | None) -> None:
    from corpus.settings import current

    limit = current().max_ocr_pages
    if n > limit:
        raise FileTooLargeError(
            path,
            f"{n} pages have no text layer and would need OCR (about 7 s a page on 2 cores); the limit is "
            f"{limit} pages (DOCQA_MAX_OCR_PAGES): split the scan, or raise the limit",
        )


def extract_pdf(
    data: bytes, path: str | None = None, ocr: dict[int, OcrPage] | None = None
) -> Extracted:
    """Paragraphs of every page with their page numbers, the tables found on text pages, and
    the OCR'd text of pages without a text layer (from `ocr`, 0-based page -> result, or read
    here)."""
    pdf = _open(data, path)
    lines: list[tuple[int, str]] = []  # (page, line); "" marks a paragraph break
    tables: list[tuple[int, Table]] = []  # (page, table)
    confidences: list[tuple[int, float]] = []
    try:
        info = pdf.metadata or {}
        scans = 0
        for i, page in enumerate(pdf.pages):
            number = i + 1
            if not _has_text_safe(page, path):
                scans += 1
                check_ocr_pages(scans, path)
                read = (ocr or {}).get(i) or ocr_pdf_page(data, path, i)
                confidences.append((number, read.confidence))
                tables += [(number, t) for _, t in read.tables]
                for para in read.paragraphs:
                    lines += [(number, para), (number, "")]
                continue
            try:
                found = page.find_tables()
                text_part = page
                for t in found:
                    table = make_table(t.extract(), _caption(page, t.bbox), page=number)
                    if table is not None:
                        tables.append((number, table))
                        text_part = text_part.outside_bbox(t.bbox)
                text = text_part.extract_text() or ""
            except Exception as exc:  # noqa: BLE001 - a broken page is the file's problem
                raise DecodeError(path, f"not a readable PDF ({_first_line(exc)})") from exc
            lines += [(number, ln) for ln in text.splitlines()]
            lines.append((number, ""))
    finally:
        pdf.close()
    paragraphs, pages = _paragraphs(lines)
    anchors: list[tuple[int, Table]] = []
    for number, table in tables:
        # a table goes after its page's paragraphs
        at = next((k for k, p in enumerate(pages) if p > number), len(pages))
        anchors.append((at, table))
    title = _meta(info, "Title")
    return Extracted(
        paragraphs,
        title=title,
        author=_meta(info, "Author"),
        pages=pages,
        tables=anchors,
        ocr=confidences,
    )


def _meta(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = normalize_space(str(value)) if value else ""
    if text.lower() in _PLACEHOLDER_TITLES:
        return None  # what a PDF writer puts when it was given no title
    return text or None


def _caption(page: Any, bbox: tuple[float, float, float, float]) -> str | None:
    """The nearest line above a table that reads as a caption (short, ending no sentence)."""
    x0, top, x1, _ = bbox
    try:
        above = page.crop((0, max(0.0, top - _TITLE_ABOVE), page.width, top)).extract_text()
    except ValueError:
        return None
    lines = [normalize_space(x) for x in (above or "").splitlines() if x.strip()]
    return next((x for x in reversed(lines) if looks_like_caption(x)), None)


def _paragraphs(lines: list[tuple[int, str]]) -> tuple[list[str], list[int]]:
    """Layout lines to paragraphs that never cross a page; a line repeated on many pages (a
    running header or footer, the same page many times over) keeps one copy."""
    kept = drop_repeated([normalize_space(t) for _, t in lines if t.strip()])
    # drop_repeated keeps lines in order: walk both lists to know which of ours it kept
    keep_flags: list[bool] = []
    k = 0
    for _, t in lines:
        text = normalize_space(t)
        if not text:
            keep_flags.append(True)
        elif k < len(kept) and kept[k] == text:
            keep_flags.append(True)
            k += 1
        else:
            keep_flags.append(False)
    paragraphs: list[str] = []
    pages: list[int] = []
    current, current_page = "", 0
    for (page, raw), keep in zip(lines, keep_flags, strict=True):
        line = normalize_space(raw)
        if not keep:
            continue
        if current and (not line or page != current_page):
            paragraphs.append(current)
            pages.append(current_page)
            current = ""
        if not line:
            continue
        if current and _latin_join(current, line):
            current += " " + line
        else:
            current += line
        current_page = page
        if line[-1] in _SENTENCE_END:
            paragraphs.append(current)
            pages.append(page)
            current = ""
    if current:
        paragraphs.append(current)
        pages.append(current_page)
    return paragraphs, pages


def _latin_join(current: str, line: str) -> bool:
    return (line[0].isascii() and line[0].isalnum()) and (
        current[-1].isascii() and (current[-1].isalnum() or current[-1] == ",")
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


__all__ = ["check_ocr_pages", "extract_pdf", "scanned_pages"]
