"""Files to `Document`s: pick the reader by extension, decode, extract, clean, assemble offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.encoding import declared_charset, decode_bytes
from corpus.errors import CorpusError, FileTooLargeError, NoTextError, UnsupportedFormatError
from corpus.footnotes import strip_reference_marks
from corpus.formats import extract_csv, extract_docx, extract_markdown, extract_xlsx
from corpus.html import Extracted, extract_html
from corpus.lang import detect_lang
from corpus.ocr import OcrPage
from corpus.pdf import check_ocr_pages, extract_pdf, scanned_pages
from corpus.records import Document, Span, content_id
from corpus.tables import Cell, Table, row_statements, statement_separator
from corpus.textdump import extract_text

FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".webp": "image",
}
PAGED = ("pdf", "image")  # formats whose chunks know their page
DEFAULT_MAX_FILE_MB = 50


def max_file_bytes() -> int:
    """The largest file docqa reads, for ingest and uploads alike (DOCQA_MAX_FILE_MB, default 50)."""
    from corpus.settings import current

    return current().max_file_bytes


def _over_limit(size: int, limit: int) -> str:
    """`file is X MiB; the limit is Y MiB`, with as many decimals as it takes for X to read larger
    than Y (a 50.1 MiB file is never told "50 MiB; the limit is 50 MiB")."""
    for digits in range(0, 7):
        x, y = f"{size / 2**20:.{digits}f}", f"{limit / 2**20:.{digits}f}"
        if float(x) > float(y) and (digits or limit % 2**20 == 0):
            return f"file is {x} MiB; the limit is {y} MiB"
    return f"file is {size:,} bytes; the limit is {limit:,} bytes"


def supported(path: str | Path) -> bool:
    return Path(path).suffix.lower() in FORMATS


def format_of(path: str | Path) -> str | None:
    """The reader a file name calls for, or None for a format docqa does not read."""
    return FORMATS.get(Path(path).suffix.lower())


def read_document(
    path: str | Path, data: bytes | None = None, ocr: dict[int, OcrPage] | None = None
) -> Document:
    """Read and clean one file. Raises a `CorpusError` subclass that names the problem. `ocr`:
    pages already read by OCR (0-based page -> result), so they are not read again."""
    p = Path(path)
    fmt = format_of(p)
    if fmt is None:
        kinds = ", ".join(sorted(FORMATS))
        raise UnsupportedFormatError(
            str(p), f"unsupported format '{p.suffix or '(none)'}'; docqa reads {kinds}"
        )
    limit = max_file_bytes()
    if data is None:
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise CorpusError(str(p), f"cannot read file ({exc.strerror})") from exc
        if size > limit:
            raise FileTooLargeError(
                str(p),
                f"{_over_limit(size, limit)} (DOCQA_MAX_FILE_MB)",
            )
        data = p.read_bytes()
    elif len(data) > limit:
        raise FileTooLargeError(str(p), _over_limit(len(data), limit))
    return parse_bytes(data, fmt, str(p), ocr)


def parse_bytes(
    data: bytes, fmt: str, path: str | None = None, ocr: dict[int, OcrPage] | None = None
) -> Document:
    """Bytes of a known format to a cleaned `Document`."""
    encoding: str | None = None
    if fmt == "pdf":
        extracted = extract_pdf(data, path, ocr)
    elif fmt == "image":
        extracted = extract_image(data, path, ocr)
    elif fmt == "docx":
        extracted = extract_docx(data, path)
    elif fmt == "xlsx":
        extracted = extract_xlsx(data, path)
    else:
        decoded = decode_bytes(data, path, declared_charset(data) if fmt == "html" else None)
        encoding = decoded.encoding
        if fmt == "html":
            extracted = extract_html(decoded.text)
        elif fmt == "md":
            extracted = extract_markdown(decoded.text)
        elif fmt == "csv":
            extracted = extract_csv(decoded.text, path)
        else:
            extracted = extract_text(decoded.text)
    return build_document(extracted, path=path, fmt=fmt, encoding=encoding)


def ocr_targets(path: str, data: bytes | None = None) -> list[int]:
    """The pages (0-based) of a file that OCR will read: a PDF's pages without a text layer, an
    image's frames; [] for other formats. Raises when there are more than DOCQA_MAX_OCR_PAGES."""
    fmt = format_of(path)
    if fmt not in PAGED:
        return []
    if data is None:
        data = Path(path).read_bytes()
    if fmt == "pdf":
        pages = scanned_pages(data, path)
    else:
        from corpus.ocr import image_frames

        pages = list(range(image_frames(data, path)))
    check_ocr_pages(len(pages), path)
    return pages


def ocr_page(path: str, index: int) -> OcrPage:
    """OCR page `index` (0-based) of a scanned PDF or an image file."""
    from corpus.ocr import ocr_image_page, ocr_pdf_page

    data = Path(path).read_bytes()
    if format_of(path) == "pdf":
        return ocr_pdf_page(data, path, index)
    return ocr_image_page(data, path, index)


def extract_image(
    data: bytes, path: str | None, ocr: dict[int, OcrPage] | None = None
) -> Extracted:
    """An image file as a scanned document: each frame a page, read by OCR."""
    from corpus.ocr import image_frames, ocr_image_page

    n = image_frames(data, path)
    check_ocr_pages(n, path)
    paragraphs: list[str] = []
    pages: list[int] = []
    confidences: list[tuple[int, float]] = []
    tables: list[tuple[int, Table]] = []
    for i in range(n):
        read = (ocr or {}).get(i) or ocr_image_page(data, path, i)
        confidences.append((i + 1, read.confidence))
        tables += [(len(paragraphs) + at, t) for at, t in read.tables]
        paragraphs.extend(read.paragraphs)
        pages.extend([i + 1] * len(read.paragraphs))
    if not paragraphs and not tables:
        raise NoTextError(path, "no text found in the image by OCR")
    title = Path(path).stem if path else None  # a scan has no metadata: its file name says most
    return Extracted(paragraphs, title=title, pages=pages, ocr=confidences, tables=tables)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def build_document(
    extracted: Extracted, path: str | None, fmt: str, encoding: str | None = None
) -> Document:
    """Join paragraphs with newlines and record each paragraph's span (and page, for paged
    formats). Control characters (NUL bytes deep inside a text file, PDF form feeds) and
    encyclopedia reference marks (`组成[3]，`) are removed, never indexed. Each table's rows are
    placed before the paragraph it was found before, one paragraph a row (`corpus.tables`), and
    the table records where each cell's statement lies."""
    pages_in = extracted.pages or [0] * len(extracted.paragraphs)
    tables_at: dict[int, list[Table]] = {}
    for at, table in extracted.tables:
        if table.title is None and extracted.title:
            table = replace(table, title=extracted.title)
        tables_at.setdefault(min(at, len(extracted.paragraphs)), []).append(table)
    texts: list[str] = []
    spans: list[Span] = []
    pages: list[int] = []
    placed: list[Table] = []
    pos = 0

    def add(text: str, page: int) -> int:
        nonlocal pos
        start = pos
        texts.append(text)
        spans.append(Span(start, start + len(text)))
        pages.append(page)
        pos += len(text) + 1
        return start

    def add_tables(at: int, page: int) -> None:
        for table in tables_at.pop(at, []):
            sep = statement_separator(table)
            cells: list[Cell] = []
            for r, statements in enumerate(row_statements(table)):
                if not statements:
                    continue
                clean = [(col, _CONTROL.sub("", st)) for col, st in statements]
                start = add(sep.join(st for _, st in clean), table.page or page)
                for col, st in clean:
                    cells.append(Cell(r, col, start, start + len(st)))
                    start += len(st) + len(sep)
            if cells:
                placed.append(replace(table, cells=tuple(cells)))

    last_page = 0
    for i, (raw, page) in enumerate(zip(extracted.paragraphs, pages_in, strict=True)):
        add_tables(i, page)
        para = strip_reference_marks(_CONTROL.sub("", raw)).strip()
        if para:
            add(para, page)
        last_page = page
    for at in sorted(tables_at):
        add_tables(at, last_page)
    if not texts:
        raise NoTextError(path, "no article text found after removing boilerplate")
    text = "\n".join(texts)
    return Document(
        id=content_id(text),
        text=text,
        paragraphs=tuple(spans),
        title=extracted.title,
        date=extracted.date,
        source=extracted.source,
        author=extracted.author,
        path=path,
        format=fmt,
        encoding=encoding,
        lang=detect_lang(text),
        pages=tuple(pages) if extracted.pages is not None else (),
        tables=tuple(placed),
        ocr=tuple(extracted.ocr),
    )


@dataclass(frozen=True)
class ReadResult:
    """One file of a batch: a document, or the error that names its problem."""

    path: str
    document: Document | None = None
    error: CorpusError | None = None


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders walked for supported names, in a stable order. A name that is no
    regular file (a broken or looping link, a pipe, a link to a device) is listed too, so the
    reader reports it instead of skipping it without a word."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(
                    f for f in p.rglob("*") if supported(f) and (f.is_symlink() or not f.is_dir())
                )
            )
        else:
            out.append(p)
    return out


def read_documents(paths: Iterable[str | Path]) -> Iterator[ReadResult]:
    """Read a batch; a bad file yields its error and the rest go on."""
    for p in expand_paths(paths):
        try:
            yield ReadResult(str(p), document=read_document(p))
        except CorpusError as exc:
            yield ReadResult(str(p), error=exc)
