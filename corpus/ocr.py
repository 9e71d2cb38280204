"""Reading page images offline: RapidOCR (PP-OCR models shipped inside the `rapidocr` wheel, run
by onnxruntime; nothing is downloaded), then lines put back in reading order and joined into
paragraphs.

Why RapidOCR: it is what Langchain-Chatchat and Open WebUI use for Chinese scans, its Chinese and
English models come inside the wheel, and it runs on onnxruntime, which docqa already ships for the
int8 embedder. The engine is loaded on the first page read, once per process (the reading child of
`corpus.sandbox`), never at import.

Reading order: OCR finds text lines in no useful order across columns. Lines are grouped into
columns by a vertical gutter no line crosses (found again inside each column, so three columns
work too); a line that spans the gutter (a title over both columns) closes the block above it.
Within a column, boxes on one visual line are joined left to right, and a line starts a new
paragraph after a gap, after a sentence end, or when the line before it stopped short.

Orientation: a page is read as it stands, with no line-by-line orientation classifier (it turned
English lines upside down); a page whose confidence says it was read upside down is read again
turned round.

Bad input is one line each: an image that cannot be decoded, one larger than `MAX_PIXELS` (a
decompression bomb is refused before it is decoded), a scan with more pages than
`DOCQA_MAX_OCR_PAGES`.
"""

from __future__ import annotations

import io
import logging
import statistics
import threading
from dataclasses import dataclass
from typing import Any

from corpus.errors import CorpusError, DecodeError, FileTooLargeError
from corpus.tables import Table, looks_like_caption, make_table

MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 megapixels
MAX_SIDE = 3508  # larger images are scaled down to this (A4 at 300 dpi) before OCR
PDF_DPI = 150  # scanned PDF pages are rendered at this resolution
# Text read upside down comes back at about 0.5-0.6 confidence, upright print at 0.95 or more.
UPSIDE_DOWN_BELOW = 0.75
_SENTENCE_END = "。！？!?；;…:：」』”"

_engine: Any = None
_engine_lock = threading.Lock()


@dataclass(frozen=True)
class OcrLine:
    """One recognised text box: its text, recognition score and bounding box in pixels."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class OcrPage:
    """What OCR read on one page: paragraphs in reading order and the page's confidence."""

    page: int
    paragraphs: tuple[str, ...]
    confidence: float  # recognition score averaged over characters, 0..1 (1.0: nothing read)
    seconds: float = 0.0
    # tables found in the scan's layout: (index of the paragraph each comes before, table)
    tables: tuple[tuple[int, Table], ...] = ()


def engine() -> Any:
    """The RapidOCR engine of this process, loaded on first use (about 2 s)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr import RapidOCR

            # no line-orientation classifier: it turned whole English lines upside down (a
            # page of benchmarks/ocr.py's English fell to 0.62 character accuracy); a page
            # scanned upside down is caught by its confidence instead (ocr_pil)
            # one line a recognition batch: batches of 6 lines (the default) padded to the
            # widest and held 675 MB of activations for 0.19 s a line; one line, 233 MB, 0.17 s
            _engine = RapidOCR(
                params={
                    "Global.log_level": "error",
                    "Global.use_cls": False,
                    "Rec.rec_batch_num": 1,
                }
            )
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        return _engine


def open_image(data: bytes, path: str | None = None) -> Any:
    """A PIL image, header checked before any pixel is decoded: a corrupt file or one larger
    than `MAX_PIXELS` is a one-line error. A multi-page TIFF keeps its frames (`n_frames`)."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own limit below, with a message that names the file
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise DecodeError(
            path, "not a readable image (not PNG, JPEG, TIFF or WebP data, or cut short)"
        ) from exc
    except (OSError, ValueError) as exc:
        raise DecodeError(path, f"not a readable image ({_first_line(exc)})") from exc
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise FileTooLargeError(
            path,
            f"image is {w:,} x {h:,} pixels ({w * h / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS / 1e6:.0f} megapixels (a decompression bomb, or a scan at too high a "
            "resolution: scan at 300 dpi)",
        )
    return img


def image_frames(data: bytes, path: str | None = None) -> int:
    """How many pages an image file holds (a multi-page TIFF has several)."""
    return int(getattr(open_image(data, path), "n_frames", 1))


def ocr_image_page(data: bytes, path: str | None, frame: int = 0) -> OcrPage:
    """OCR one frame (page) of an image file."""
    img = open_image(data, path)
    try:
        img.seek(frame)
        img.load()
    except (OSError, EOFError, ValueError) as exc:
        raise DecodeError(path, f"not a readable image ({_first_line(exc)})") from exc
    return ocr_pil(img, frame + 1)


def render_pdf_page(data: bytes, index: int, dpi: int = PDF_DPI) -> Any:
    """Page `index` (0-based) of a PDF as a PIL image, rendered by pdfium."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        w, h = page.get_size()
        scale = dpi / 72
        if w * h * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (w * h)) ** 0.5
        return page.render(scale=scale).to_pil()
    finally:
        pdf.close()


def ocr_pdf_page(data: bytes, path: str | None, index: int) -> OcrPage:
    """OCR page `index` (0-based) of a PDF that has no text layer there."""
    try:
        img = render_pdf_page(data, index)
    except Exception as exc:  # noqa: BLE001 - pdfium's errors are one kind for the user
        raise DecodeError(
            path, f"page {index + 1} cannot be rendered ({_first_line(exc)})"
        ) from exc
    return ocr_pil(img, index + 1)


def ocr_pil(img: Any, page: int) -> OcrPage:
    """OCR a PIL image: paragraphs in reading order and the confidence. A page read with a
    confidence under `UPSIDE_DOWN_BELOW` is read again turned round, and the better read kept."""
    import time

    t0 = time.perf_counter()
    img = img.convert("RGB")
    if max(img.size) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE))
    lines = _recognise(img, page)
    confidence = _confidence(lines)
    if confidence < UPSIDE_DOWN_BELOW:
        turned = _recognise(img.rotate(180), page)
        turned_confidence = _confidence(turned)
        if turned_confidence > confidence + 0.1:
            lines, confidence = turned, turned_confidence
    paras, tables = layout(lines, page)
    return OcrPage(
        page, tuple(paras), round(confidence, 4), time.perf_counter() - t0, tuple(tables)
    )


def _recognise(img: Any, page: int) -> list[OcrLine]:
    """The text boxes OCR finds on an RGB image."""
    import numpy as np

    try:
        result = engine()(np.asarray(img))
    except Exception as exc:  # noqa: BLE001 - onnxruntime's errors carry a traceback as text
        said = [x.strip() for x in str(exc).splitlines() if x.strip()]
        raise CorpusError(None, f"OCR failed on page {page} ({(said or ['?'])[-1][:160]})") from exc
    lines: list[OcrLine] = []
    boxes = result.boxes if result.boxes is not None else []
    for box, text, score in zip(boxes, result.txts or (), result.scores or (), strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        text = text.strip()
        if text:
            lines.append(OcrLine(text, float(score), min(xs), min(ys), max(xs), max(ys)))
    return lines


def _confidence(lines: list[OcrLine]) -> float:
    """Recognition score averaged over characters (1.0 when nothing was read)."""
    chars = sum(len(x.text) for x in lines)
    return sum(x.score * len(x.text) for x in lines) / chars if chars else 1.0


def paragraphs(lines: list[OcrLine]) -> list[str]:
    """Lines in reading order (columns first), joined into paragraphs (tables as text rows)."""
    return layout(lines, None, tables=False)[0]


def layout(
    lines: list[OcrLine], page: int | None, tables: bool = True
) -> tuple[list[str], list[tuple[int, Table]]]:
    """Paragraphs in reading order, and the tables among them: runs of lines whose boxes stand
    apart like cells become a `Table` (cells placed in columns by where they sit, so an empty
    cell stays empty), anchored where they stood."""
    out: list[str] = []
    found: list[tuple[int, Table]] = []
    for column in _columns(lines):
        for block in _column_blocks(column):
            if isinstance(block, str):
                out.append(block)
                continue
            caption = next((p for p in reversed(out[-2:]) if looks_like_caption(p)), None)
            table = _grid_table(block, caption, page) if tables else None
            if table is not None:
                found.append((len(out), table))
            else:
                out.extend(_join_boxes(r) for r in block)
    return out, found


def _grid_table(rows: list[list[OcrLine]], caption: str | None, page: int | None) -> Table | None:
    """Cells of consecutive table-like lines put into columns: the line with the most cells
    sets the columns, and each box goes to the column whose centre is nearest its own."""
    if len(rows) < 2:
        return None
    widest = max(rows, key=len)
    if len(widest) < 2:
        return None
    centres = [(b.x0 + b.x1) / 2 for b in widest]
    grid = []
    for r in rows:
        cells = [""] * len(centres)
        for b in r:
            j = min(range(len(centres)), key=lambda k: abs(centres[k] - (b.x0 + b.x1) / 2))
            cells[j] = (cells[j] + " " + b.text).strip()
        grid.append(cells)
    return make_table(grid, caption, page=page)


def _columns(lines: list[OcrLine], depth: int = 0) -> list[list[OcrLine]]:
    """Blocks of lines in reading order: top to bottom, and inside a block that has a gutter,
    the left column before the right one."""
    if len(lines) < 6 or depth > 3:
        return [sorted(lines, key=lambda x: (x.y0, x.x0))] if lines else []
    gutter = _gutter(lines)
    if gutter is None:
        return [sorted(lines, key=lambda x: (x.y0, x.x0))]
    out: list[list[OcrLine]] = []
    section: list[OcrLine] = []
    for line in sorted(lines, key=lambda x: x.y0):
        if line.x0 < gutter < line.x1:  # spans both columns: a title, a full-width paragraph
            out.extend(_split_section(section, gutter, depth))
            out.append([line])
            section = []
        else:
            section.append(line)
    out.extend(_split_section(section, gutter, depth))
    return out


def _split_section(section: list[OcrLine], gutter: float, depth: int) -> list[list[OcrLine]]:
    left = [x for x in section if x.x1 <= gutter]
    right = [x for x in section if x.x0 >= gutter]
    return _columns(left, depth + 1) + _columns(right, depth + 1)


def _gutter(lines: list[OcrLine]) -> float | None:
    """An x that no line of a column crosses, with at least three lines on each side, in the
    middle of the text's width; None for a single-column block. Lines wider than 60% of the block
    (titles) are not asked to respect it."""
    x0 = min(x.x0 for x in lines)
    x1 = max(x.x1 for x in lines)
    width = x1 - x0
    if width <= 0:
        return None
    narrow = [x for x in lines if x.x1 - x.x0 < 0.6 * width]
    if len(narrow) < 6:
        return None
    # coverage of x by narrow lines, in 1% steps
    steps = 100
    covered = [0] * steps
    for line in narrow:
        a = int((line.x0 - x0) / width * steps)
        b = int((line.x1 - x0) / width * steps)
        for i in range(max(a, 0), min(b + 1, steps)):
            covered[i] += 1
    best: tuple[int, int] | None = None  # (run length, centre step)
    i = 20
    while i < 80:
        if covered[i] == 0:
            j = i
            while j < 80 and covered[j] == 0:
                j += 1
            if best is None or j - i > best[0]:
                best = (j - i, (i + j) // 2)
            i = j
        i += 1
    if best is None:
        return None
    g = x0 + best[1] / steps * width
    left = [x for x in narrow if x.x1 <= g]
    right = [x for x in narrow if x.x0 >= g]
    if len(left) < 3 or len(right) < 3:
        return None
    # columns of prose have long lines (a good part of the block wide, or many characters in a
    # newspaper's narrow columns); a table's cells are short, and a table is read row by row
    for side in (left, right):
        wide = statistics.median(x.x1 - x.x0 for x in side) >= 0.25 * width
        wordy = statistics.median(len(x.text) for x in side) >= 8
        if not (wide or wordy):
            return None
    return g


def _visual_lines(column: list[OcrLine]) -> list[list[OcrLine]]:
    """Boxes on the same visual line (vertical centres within half a line height), left to right."""
    rows: list[list[OcrLine]] = []
    for box in sorted(column, key=lambda x: (x.y0, x.x0)):
        if rows:
            last = rows[-1]
            h = statistics.median(x.height for x in last)
            if abs(box.cy - statistics.mean(x.cy for x in last)) < 0.5 * max(h, box.height):
                last.append(box)
                continue
        rows.append([box])
    return [sorted(r, key=lambda x: x.x0) for r in rows]


def _join_boxes(boxes: list[OcrLine]) -> str:
    """Boxes of one visual line: Chinese split by OCR with no real gap joins without a space;
    apart by more than a character (table cells, columns of a form), with one."""
    out = boxes[0].text
    for prev, b in zip(boxes, boxes[1:], strict=False):
        close = b.x0 - prev.x1 < 0.8 * max(prev.height, b.height)
        cjk = not out[-1].isascii() and not b.text[0].isascii()
        out += ("" if close and cjk else " ") + b.text
    return out


def _column_blocks(column: list[OcrLine]) -> list[str | list[list[OcrLine]]]:
    """A column's paragraphs (strings) and runs of table-like lines (lists of rows of boxes)."""
    rows = _visual_lines(column)
    if not rows:
        return []
    right = max(b.x1 for r in rows for b in r)
    heights = [statistics.median(b.height for b in r) for r in rows]
    h = statistics.median(heights)
    out: list[str | list[list[OcrLine]]] = []
    current = ""
    prev_bottom: float | None = None
    prev_short = False
    for row in rows:
        text = _join_boxes(row)
        top = min(b.y0 for b in row)
        space = top - prev_bottom if prev_bottom is not None else 0.0
        gap = space > 0.9 * h
        prev_bottom = max(b.y1 for b in row)
        # boxes far apart on one line are cells of a table or a form: the line stands alone
        if any(b.x0 - a.x1 > 1.5 * h for a, b in zip(row, row[1:], strict=False)):
            if current:
                out.append(current)
                current = ""
            last = out[-1] if out else None
            if isinstance(last, list) and space < 2.5 * h:
                last.append(row)
            else:
                out.append([row])
            prev_short = True
            continue
        if current and (gap or prev_short or current[-1] in _SENTENCE_END):
            out.append(current)
            current = ""
        if current and current[-1].isascii() and text[0].isascii():
            current += " "
        current += text
        prev_short = right - max(b.x1 for b in row) > 2.5 * h
    if current:
        out.append(current)
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


__all__ = [
    "MAX_PIXELS",
    "OcrPage",
    "engine",
    "image_frames",
    "ocr_image_page",
    "ocr_pdf_page",
    "ocr_pil",
    "open_image",
    "paragraphs",
    "render_pdf_page",
]
