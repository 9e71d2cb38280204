"""Real files for the document tests, made with the tools users' files come from: reportlab
(text PDFs, a CJK font), pdfium (the same pages rasterised into a scan), Pillow with Noto CJK
(screenshots), python-docx and openpyxl (office files with tables)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

FINANCE = [
    ["项目", "2023年", "2024年", "2025年"],
    ["收入", "3460", "3050", "7903.8"],
    ["毛利", "-", "373", "2007.9"],
    ["净亏损", "26900", "46500", "-"],
]


def text_pdf(pages: list[list[str]], table_on: int | None = None, title: str = "") -> bytes:
    """A text PDF, one list of lines a page (STSong-Light, a CID font every PDF reader knows);
    `table_on`: the 1-based page that also gets the ruled FINANCE table under its lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    if title:
        c.setTitle(title)
    for n, lines in enumerate(pages, 1):
        c.setFont("STSong-Light", 12)
        y = 780
        for line in lines:
            c.drawString(72, y, line)
            y -= 20
        if n == table_on:
            top = y - 10
            for r, row in enumerate(FINANCE):
                for j, cell in enumerate(row):
                    c.drawString(80 + j * 100, top - r * 20, cell)
            rows = len(FINANCE)
            for r in range(rows + 1):
                c.line(72, top + 14 - r * 20, 472, top + 14 - r * 20)
            for j in range(len(FINANCE[0]) + 1):
                c.line(72 + j * 100, top + 14, 72 + j * 100, top + 14 - rows * 20)
        c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf(pdf: bytes, dpi: int = 150) -> bytes:
    """The pages of a PDF rasterised (pdfium) and saved as an image-only PDF: a scan."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    images = [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
    doc.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def screenshot_png(lines: list[str], size: int = 28) -> bytes:
    """A PNG of Chinese/English text lines, as a screenshot would show them."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(CJK_FONT, size)
    img = Image.new("RGB", (1200, 80 + len(lines) * int(size * 1.8)), "white")
    d = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        d.text((50, 40 + i * int(size * 1.8)), line, fill="black", font=font)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def finance_docx(path: Path) -> None:
    """The issue's DOCX: a paragraph, a caption, the FINANCE table (measures by year)."""
    from docx import Document

    d = Document()
    d.add_heading("MiniMax招股书摘要", 1)
    d.add_paragraph("MiniMax成立于2021年，是一家总部位于上海的通用人工智能公司。")
    d.add_paragraph("MiniMax主要财务数据（单位：万美元）")
    t = d.add_table(rows=len(FINANCE), cols=len(FINANCE[0]))
    for i, row in enumerate(FINANCE):
        for j, cell in enumerate(row):
            t.cell(i, j).text = cell
    d.add_paragraph("以上数据来自公司招股说明书。")
    d.save(path)


def workbook(path: Path, rows: int = 0) -> None:
    """Two sheets (a finance table and a staff list); `rows` more staff rows for a large one."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("利润表")
    for row in FINANCE:
        ws.append([float(x) if x.replace(".", "").isdigit() else x for x in row])
    staff = wb.create_sheet("员工")
    staff.append(["姓名", "部门", "入职年份"])
    staff.append(["张伟", "研发", 2021])
    staff.append(["李娜", "销售", 2022])
    for i in range(rows):
        staff.append([f"员工{i:05d}", ["研发", "销售", "财务"][i % 3], 2000 + i % 25])
    wb.save(path)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that claims `width` x `height` pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
