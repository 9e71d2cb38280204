"""Files to `Document`s: pick the reader by extension, decode, extract, clean, assemble offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.encoding import declared_charset, decode_bytes
from corpus.errors import CorpusError, FileTooLargeError, NoTextError, UnsupportedFormatError
from corpus.footnotes import strip_reference_marks
from corpus.formats import extract_docx, extract_markdown, extract_pdf
from corpus.html import Extracted, extract_html
from corpus.lang import detect_lang
from corpus.records import Document, Span, content_id
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
}
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


def read_document(path: str | Path, data: bytes | None = None) -> Document:
    """Read and clean one file. Raises a `CorpusError` subclass that names the problem."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
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
    return parse_bytes(data, fmt, str(p))


def parse_bytes(data: bytes, fmt: str, path: str | None = None) -> Document:
    """Bytes of a known format to a cleaned `Document`."""
    encoding: str | None = None
    if fmt == "pdf":
        extracted = extract_pdf(data, path)
    elif fmt == "docx":
        extracted = extract_docx(data, path)
    else:
        decoded = decode_bytes(data, path, declared_charset(data) if fmt == "html" else None)
        encoding = decoded.encoding
        if fmt == "html":
            extracted = extract_html(decoded.text)
        elif fmt == "md":
            extracted = extract_markdown(decoded.text)
        else:
            extracted = extract_text(decoded.text)
    return build_document(extracted, path=path, fmt=fmt, encoding=encoding)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def build_document(
    extracted: Extracted, path: str | None, fmt: str, encoding: str | None = None
) -> Document:
    """Join paragraphs with newlines and record each paragraph's span. Control characters (NUL
    bytes deep inside a text file, PDF form feeds) and encyclopedia reference marks (`组成[3]，`)
    are removed, never indexed."""
    paragraphs = [strip_reference_marks(_CONTROL.sub("", p)).strip() for p in extracted.paragraphs]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise NoTextError(path, "no article text found after removing boilerplate")
    spans: list[Span] = []
    pos = 0
    for para in paragraphs:
        spans.append(Span(pos, pos + len(para)))
        pos += len(para) + 1
    text = "\n".join(paragraphs)
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
