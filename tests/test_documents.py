"""The documents people have: text and scanned PDFs, screenshots, office files with tables,
spreadsheets; pages in citations; filters. Files are made with real tools (tests/docfiles.py),
read by the real readers and OCR, and answered by the real pipeline."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from docfiles import (
    finance_docx,
    png_header_only,
    scanned_pdf,
    screenshot_png,
    text_pdf,
    workbook,
)

from corpus.errors import CorpusError
from corpus.readers import read_document
from index.filters import FilterError, Filters
from index.ingest import ingest
from index.search import HybridSearcher
from index.store import load_snapshot
from qa.engines import ExtractiveEngine
from qa.pipeline import QAPipeline
from ui.cli import cli
from ui.render import source_card, source_views

REPORT_PAGES = [
    ["MiniMax年度报告", "公司于2021年成立，总部位于上海，是一家通用人工智能公司。"],
    [
        "MiniMax主要财务数据（单位：万美元）",
        "下表列出公司近三年的主要财务数据。",
    ],
    ["第三页：公司员工总数在2025年底达到385人。"],
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    (d / "report.pdf").write_bytes(text_pdf(REPORT_PAGES, table_on=2, title="MiniMax年度报告"))
    scan_src = text_pdf([["海湾大桥于2011年6月30日通车。", "大桥全长36.48公里，总投资约90亿元。"]])
    (d / "scan.pdf").write_bytes(scanned_pdf(scan_src))
    (d / "shot.png").write_bytes(
        screenshot_png(
            ["泸定县位于四川省甘孜州。", "The county has a population of 8.6 万 people."]
        )
    )
    finance_docx(d / "prospectus.docx")
    workbook(d / "company.xlsx")
    (d / "cities.csv").write_bytes(
        "城市,人口（万）,面积\n上海,2487,6340\n北京,2185,16410\n".encode("gbk")
    )
    return d


def test_a_text_pdf_keeps_its_pages_and_its_table(files: Path) -> None:
    doc = read_document(files / "report.pdf")
    assert doc.title == "MiniMax年度报告"
    by_page = {p: [] for p in (1, 2, 3)}
    for text, page in zip(doc.paragraph_texts(), doc.pages, strict=True):
        by_page[page].append(text)
    assert any("2021年成立" in t for t in by_page[1])
    assert any("385人" in t for t in by_page[3])
    (table,) = doc.tables
    assert table.page == 2 and table.header == ("项目", "2023年", "2024年", "2025年")
    assert table.title == "MiniMax主要财务数据（单位：万美元）"
    # each cell a statement naming its table, row and column, with the declared unit
    assert "MiniMax主要财务数据 · 毛利 · 2024年: 373万美元" in doc.text
    # the empty cell states nothing
    assert "毛利 · 2023年" not in doc.text
    for cell in table.cells:
        stated = doc.text[cell.start : cell.end]
        assert stated.endswith(table.rows[cell.row][cell.col] + "万美元")
        assert doc.page_at(cell.start) == 2
    # the table's text is not read a second time as loose lines
    assert "毛利 - 373" not in doc.text


def test_a_scanned_pdf_is_read_by_ocr_with_its_confidence(files: Path) -> None:
    doc = read_document(files / "scan.pdf")
    assert "海湾大桥于2011年6月30日通车" in doc.text
    assert "36.48公里" in doc.text
    assert doc.pages and set(doc.pages) == {1}
    ((page, confidence),) = doc.ocr
    assert page == 1 and 0.8 < confidence <= 1.0


def test_a_screenshot_is_a_document(files: Path) -> None:
    doc = read_document(files / "shot.png")
    assert "泸定县位于四川省甘孜州" in doc.text
    assert doc.format == "image" and doc.title == "shot" and doc.pages == (1, 1)


def test_docx_xlsx_and_csv_tables_become_statements(files: Path) -> None:
    doc = read_document(files / "prospectus.docx")
    assert "MiniMax主要财务数据 · 毛利 · 2024年: 373万美元" in doc.text
    assert "MiniMax主要财务数据 · 净亏损 · 2023年: 26900万美元" in doc.text
    assert doc.paragraph_texts()[-1] == "以上数据来自公司招股说明书。"  # the table stays in place
    book = read_document(files / "company.xlsx")
    assert [t.sheet for t in book.tables] == ["利润表", "员工"]  # one table a sheet
    assert "利润表 · 收入 · 2025年: 7903.8" in book.text
    assert "员工 · 李娜 · 入职年份: 2022" in book.text
    csv = read_document(files / "cities.csv")
    assert csv.encoding == "gb18030" and "cities · 北京 · 面积: 16410" in csv.text


def test_a_large_sheet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    workbook(path, rows=10_000)
    doc = read_document(path)
    staff = doc.tables[1]
    assert len(staff.rows) == 10_002
    assert "员工 · 员工09999 · 部门: 研发" in doc.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cut.png", b"\x89PNG\r\n\x1a\n\x00\x00", "not a readable image"),
        ("bomb.png", png_header_only(20_000, 20_000), "image is 20,000 x 20,000 pixels"),
        ("empty.xlsx", b"PK\x05\x06" + b"\x00" * 18, "not a readable XLSX file"),
        ("one.csv", "只有一行\n".encode(), "no table"),
    ],
)
def test_bad_files_are_one_line_each(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=message) as err:
        read_document(path)
    assert "\n" not in str(err.value)


def test_a_scan_over_the_page_limit_is_refused(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    three = scanned_pdf(text_pdf([["第一页。"], ["第二页。"], ["第三页。"]]))
    path = tmp_path / "long.pdf"
    path.write_bytes(three)
    monkeypatch.setenv("DOCQA_MAX_OCR_PAGES", "2")
    res = CliRunner().invoke(cli, ["ingest", "--index", str(tmp_path / "idx"), str(path)])
    assert res.exit_code != 0
    line = [x for x in res.stderr.splitlines() if x.startswith("error:")][0]
    assert "3 pages have no text layer" in line and "DOCQA_MAX_OCR_PAGES" in line


@pytest.fixture(scope="module")
def library(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    idx = tmp_path_factory.mktemp("lib") / "idx"
    seen: list[str] = []
    report = ingest(
        sorted(files.iterdir()), idx, "e5-small", progress=lambda i, n, what: seen.append(what)
    )
    assert not report.failed, report.failed
    # OCR reports each page of a scan as it goes
    assert any("scan.pdf · OCR page 1 of 1" in s for s in seen)
    assert any("shot.png · OCR page 1 of 1" in s for s in seen)
    return idx


@pytest.fixture(scope="module")
def pipeline(library: Path) -> QAPipeline:
    return QAPipeline(HybridSearcher(load_snapshot(library)), ExtractiveEngine())


@pytest.mark.parametrize(
    ("question", "expected", "doc_format"),
    [
        ("2024年MiniMax的毛利是多少？", "373", "docx"),
        ("What was MiniMax's net loss in 2023?", "26900", "docx"),
        ("海湾大桥全长多少公里？", "36.48", "pdf"),
    ],
)
def test_questions_about_tables_and_scans_are_answered_and_cited(
    pipeline: QAPipeline, question: str, expected: str, doc_format: str
) -> None:
    filters = Filters(types=(doc_format,))
    answer = pipeline.ask(question, filters=filters)
    assert not answer.refused, answer.notes
    assert expected in answer.citations[0].quote
    assert answer.citations[0].verified


def test_a_citation_into_a_pdf_names_its_page_and_the_card_shows_the_cell(
    pipeline: QAPipeline,
) -> None:
    answer = pipeline.ask("2025年MiniMax的收入是多少？", filters=Filters(types=("pdf",)))
    assert not answer.refused
    cite = answer.citations[0]
    assert "7903.8" in cite.quote and cite.page == 2
    snap = pipeline.searcher.snapshot
    doc = snap.doc(cite.doc_id).doc  # type: ignore[union-attr]
    assert doc.page_at(cite.start) == 2
    (view,) = [v for v in source_views(answer, 0, snap) if v.n == cite.n]
    html = source_card(view)
    assert "p. 2" in html
    assert '<td class="docqa-cell-hit"><mark>7903.8</mark></td>' in html
    assert '<th class="docqa-col-hit">2025年</th>' in html


def test_an_empty_cell_is_refused(pipeline: QAPipeline) -> None:
    answer = pipeline.ask("2023年MiniMax的毛利是多少？", filters=Filters(types=("docx",)))
    assert answer.refused, answer.text


def test_search_json_gives_pages(library: Path) -> None:
    res = CliRunner().invoke(
        cli, ["search", "--index", str(library), "员工总数", "--filter", "type=pdf", "--json"]
    )
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)["hits"]
    assert hits[0]["page"] == 3 and "385人" in hits[0]["text"]


def test_filters_never_return_another_document_and_still_fill_k(library: Path) -> None:
    snap = load_snapshot(library)
    searcher = HybridSearcher(snap)
    ids = {e.doc.format: e.doc.id for e in snap.docs}
    for kind in ("pdf", "xlsx", "image"):
        hits = searcher.search("MiniMax 毛利 收入 员工", 5, Filters(types=(kind,)))
        assert hits and all(snap.doc(h.chunk.doc_id).doc.format == kind for h in hits)  # type: ignore[union-attr]
    one = Filters(documents=("company.xlsx",))
    hits = searcher.search("上海", 3, one)
    assert {h.chunk.doc_id for h in hits} == {ids["xlsx"]}
    # the pdf filter holds two documents with several chunks: k of them come back
    pdf_chunks = [c for c in snap.chunks if snap.doc(c.doc_id).doc.format == "pdf"]  # type: ignore[union-attr]
    hits = searcher.search("大桥", min(3, len(pdf_chunks)), Filters(types=("pdf",)))
    assert len(hits) == min(3, len(pdf_chunks))
    assert searcher.search("大桥", 5, Filters(title=("没有这个标题",))) == []


@pytest.mark.parametrize(
    ("exprs", "message"),
    [
        (["typ=pdf"], "unknown filter field 'typ'"),
        (["type=pptx"], "unknown file type 'pptx'"),
        (["after=2025-13"], "no month 13"),
        (["after=2025-02-30"], "has no day 30"),
        (["after=yesterday"], "not a date"),
        (["after=2026", "before=2025"], "the date range is empty"),
        (["type"], "is not field=value"),
    ],
)
def test_bad_filters_are_one_line_errors(exprs: list[str], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        Filters.parse(exprs)


def test_date_filters_take_years_months_and_days() -> None:
    f = Filters.parse(["after=2025", "before=2025-02"])
    assert (f.after, f.before) == ("2025-01-01", "2025-02-28")
    assert Filters.from_json({"after": "2024-02-29"}).after == "2024-02-29"
    with pytest.raises(FilterError, match="unknown filter field 'when'"):
        Filters.from_json({"when": "2025"})


def test_a_scan_uploaded_to_the_server_reports_its_pages_and_is_cited_by_page(
    live_server: str,
) -> None:
    """A background upload job of a two-page scan says which page OCR is on, and an answer
    from it through the API cites the page the quote is on."""
    import time
    import urllib.error
    import urllib.request

    from conftest import post_json, upload_request

    scan = scanned_pdf(
        text_pdf([["星河港口年度报告。"], ["星河港口2025年的集装箱吞吐量为4321万标准箱。"]])
    )
    with urllib.request.urlopen(upload_request(live_server, [("星河港口.pdf", scan)])) as r:
        job = json.load(r)["job"]["id"]
    seen: set[str] = set()
    deadline = time.time() + 300
    while time.time() < deadline:
        with urllib.request.urlopen(f"{live_server}/api/jobs/{job}") as r:
            body = json.load(r)
        seen.add(body["progress"]["current"] or "")
        if body["state"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert body["state"] == "done", body
    assert any("OCR page" in s for s in seen), seen
    answer = post_json(
        f"{live_server}/api/ask",
        {"question": "星河港口2025年的集装箱吞吐量是多少？", "filters": {"type": "pdf"}},
    )
    assert not answer["refused"] and "4321" in answer["answer"]
    assert answer["citations"][0]["page"] == 2
    bad = urllib.request.Request(
        f"{live_server}/api/ask",
        data=json.dumps({"question": "吞吐量？", "filters": {"kind": "pdf"}}).encode(),
        headers={"content-type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(bad)
    assert err.value.code == 422
    assert "unknown filter field 'kind'" in json.loads(err.value.read())["error"]


def test_two_columns_are_read_left_column_first(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 24)
    img = Image.new("RGB", (1240, 900), "white")
    d = ImageDraw.Draw(img)
    d.text((80, 40), "双栏排版测试报告：港口与城市的基本情况对照", fill="black", font=font)
    left = "左栏第一句讲的是港口的历史和最早的码头。左栏第二句讲的是港口的规模和泊位数量。左栏第三句讲的是港口的航线和主要贸易伙伴。"
    right = "右栏第一句讲的是城市的人口和年龄结构。右栏第二句讲的是城市的面积和行政区划。右栏第三句讲的是城市的交通和地铁线路。"
    for x, text in ((80, left), (660, right)):  # columns of prose, 20 characters a line
        for i in range(0, len(text), 20):
            d.text((x, 120 + i // 20 * 50), text[i : i + 20], fill="black", font=font)
    path = tmp_path / "columns.png"
    img.save(path)
    text = read_document(path).text.replace(" ", "")
    assert text.index("左栏第三句") < text.index("右栏第一句"), text
    assert text.index("双栏排版") < text.index("左栏第一句")
    assert "左栏第二句讲的是港口的规模和泊位数量" in text  # lines joined back into sentences


def test_a_page_read_with_low_confidence_is_flagged_on_its_card() -> None:
    from ui.render import SourceView

    view = SourceView(
        0, 1, "d", "c", 0, 4, "扫描件", None, None, "scan.pdf", "", "一段文字", "",
        True, (), "quoted", page=3, ocr_confidence=0.71,
    )  # fmt: skip
    html = source_card(view)
    assert "p. 3" in html and "low confidence (0.71)" in html
    clear = source_card(SourceView(**{**view.__dict__, "ocr_confidence": 0.99}))
    assert "low confidence" not in clear


def test_english_lines_and_numbers_are_read_exactly(tmp_path: Path) -> None:
    """Narrow glyphs (1, i, l, commas) and English lines, which the line-orientation classifier
    used to turn upside down, are read letter for letter."""
    lines = [
        "Revenue rose to 1,100,000 dollars in 2011, up 11.1% on 2010.",
        "The Mississippi Valley Authority filled 3,333 illuminated lots.",
        "毛利由2023年的-1,111万美元增至2024年的2007.9万美元。",
        "截至2011年11月11日，累计投资111,111,111元。",
        "In 2000, ABC launched a web-based promotional campaign focused around its circle logo.",
    ]
    path = tmp_path / "numbers.png"
    path.write_bytes(screenshot_png(lines, size=22))
    text = read_document(path).text
    for line in lines:
        assert line.replace(" ", "") in text.replace(" ", ""), text


def test_a_page_scanned_upside_down_is_read_turned_round(tmp_path: Path) -> None:
    from PIL import Image

    lines = ["海湾大桥于2011年6月30日通车，全长36.48公里。", "The bridge cost 9 billion yuan."]
    img = Image.open(io.BytesIO(screenshot_png(lines, size=26))).rotate(180)
    path = tmp_path / "turned.png"
    img.save(path)
    doc = read_document(path)
    assert "海湾大桥于2011年6月30日通车" in doc.text, doc.text
    assert doc.ocr[0][1] > 0.9


def test_an_evaluation_from_the_web_app_searches_only_the_filtered_documents(
    library: Path, tmp_path: Path
) -> None:
    from ui.app import eval_filters
    from ui.evals import evaluate
    from ui.service import DocqaService

    qs = tmp_path / "qs.jsonl"
    row = {"question": "海湾大桥全长多少公里？", "answers": ["36.48公里"], "answerable": True}
    qs.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    service = DocqaService(library, llm="extractive", warm_up=False)
    for where, cited in (("type=pdf", True), ("type=xlsx,csv", False)):
        result, out = evaluate(service, qs, "extractive", evals_dir=tmp_path / where,
                               filters=eval_filters(where))  # fmt: skip
        (pred,) = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
        files = {Path(h["source"]).name for h in pred["hits"]}
        assert ("scan.pdf" in files) is cited, files
        assert files <= ({"scan.pdf", "report.pdf"} if cited else {"company.xlsx", "cities.csv"})
        assert where.split("=")[1].split(",")[0] in (out / "report.html").read_text()
    assert eval_filters("  ") is None
    with pytest.raises(FilterError, match="unknown filter field 'typ'"):
        eval_filters("typ=pdf")
    with pytest.raises(FilterError, match="No closing quotation"):
        eval_filters('title="年报')


def test_the_ocr_planner_finds_the_pages_without_text_and_names_bad_pdfs() -> None:
    from pypdf import PdfReader, PdfWriter

    from corpus.pdf import scanned_pages

    text = text_pdf([["第一页有文字。"], ["第二页也有文字。"]])
    scan = scanned_pdf(text_pdf([["扫描页。"]]))
    mixed = PdfWriter()
    for data in (text, scan):
        mixed.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    mixed.write(out)
    assert scanned_pages(text) == [] and scanned_pages(out.getvalue()) == [2]
    locked = PdfWriter()
    locked.append(PdfReader(io.BytesIO(text)))
    locked.encrypt("secret")
    out = io.BytesIO()
    locked.write(out)
    with pytest.raises(CorpusError, match="the PDF is encrypted; decrypt it first"):
        scanned_pages(out.getvalue(), "locked.pdf")
    with pytest.raises(CorpusError, match="not a readable PDF"):
        scanned_pages(b"%PDF-1.4\nnot really a pdf", "broken.pdf")


def test_a_rows_cells_are_answered_one_by_one(tmp_path: Path) -> None:
    """Each cell's statement is a sentence of its own: an empty cell is refused, not answered
    with the next row's cells (the row's `；`-joined statements had read as one sentence, since
    each has a colon before its value), and a filled one is quoted alone, not with the cell of
    the year beside it, nor with the next row's first cell where the values carry no unit."""
    (tmp_path / "acme.csv").write_text(
        "项目,2022年,2023年,2024年,2025年\n"
        "营业收入,89464,-,74274.6,-\n"
        "毛利,-,71372.7,33921.1,76649.7\n"
        "净利润,63997,79688.8,16619.1,15315\n",
        encoding="utf-8",
    )
    idx = tmp_path / "idx"
    assert not ingest([tmp_path / "acme.csv"], idx, "e5-small").failed
    pipe = QAPipeline(HybridSearcher(load_snapshot(idx)), ExtractiveEngine())
    for question in (
        "2023年的营业收入是多少？",
        "What was the revenue in 2025?",
        "2022年的毛利是多少？",
    ):
        answer = pipe.ask(question)
        assert answer.refused, (question, answer.text)
    answer = pipe.ask("2024年的毛利是多少？")
    assert not answer.refused, answer.notes
    assert [c.quote for c in answer.citations] == ["acme · 毛利 · 2024年: 33921.1；"], answer.text
