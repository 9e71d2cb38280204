"""The UI in a real browser: Debian's headless Chromium driven by Playwright, against `docqa serve`
(extractive engine, demo index). `make test` installs chromium when it is missing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("DOCQA_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

XSS_DOC = (
    "安全测试公司年报\n\n"
    "安全测试公司2025年营业收入为12.5亿元，同比增长30%。<script>window.__pwned=1</script>\n\n"
    '公司总部位于杭州，员工人数为3200人。<img src=x onerror="window.__pwned=2">\n\n'
    '详情见<a href="javascript:window.__pwned=3">官网链接</a>。\n'
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    # waits are on states the server reports (an answer's footer, a job's result); the bound is
    # one a machine busy with other work still meets
    pg.set_default_timeout(180_000)
    pg.goto(live_server + "/")
    pg.wait_for_selector("#docqa-question textarea")
    yield pg
    ctx.close()


def ask(page: Any, question: str) -> Any:
    n = page.locator("#docqa-chat .message-row").count()
    page.fill("#docqa-question textarea", question)
    page.click("#docqa-ask")
    # done when the new answer (the last row) is the checked one: its footer names the engine
    page.wait_for_function(
        """n => {
          const rows = document.querySelectorAll('#docqa-chat .message-row');
          if (rows.length < n + 2) return false;
          const last = rows[rows.length - 1];
          const subs = [...last.querySelectorAll('sub')].map(x => x.innerText).join(' ');
          return (/extractive/.test(subs) && !last.innerText.includes('▌'))
            || last.innerText.includes('⚠️');
        }""",
        arg=n,
    )
    return page.locator("#docqa-chat .message-row").last


def test_chinese_question_cited_and_citation_highlights_the_passage(page: Any) -> None:
    msg = ask(page, "MiniMax 2025年全年总收入是多少？")
    assert "7903.8万美元" in msg.inner_text()
    link = msg.locator("a[href*='docqa-src-']").first
    assert link.inner_text() == "[1]"
    link.click()
    card = page.locator(".docqa-source.docqa-active")
    assert card.count() == 1
    assert "7903.8万美元" in card.locator("mark").inner_text()
    # the extractive answer quotes its source, and the badge says so (not a bare "verified")
    assert card.locator(".docqa-ok").inner_text() == "quoted ✓"
    assert page.url.rstrip("/").endswith(str(page.url.split("/")[2]))  # no navigation


def test_english_question_gets_a_cited_answer_and_a_follow_up(page: Any) -> None:
    msg = ask(page, "What was MiniMax's total revenue in 2025?")
    assert msg.locator("a[href*='docqa-src-']").count() >= 1
    assert "79.038" in msg.inner_text() or "7903.8" in msg.inner_text()
    assert page.locator(".docqa-source").count() >= 1
    follow = ask(page, "And the year before?")
    follow.locator("a[href*='docqa-src-1-']").first.click()
    card = page.locator(".docqa-source.docqa-active")
    assert "2024" in card.inner_text()


def test_translate_a_passage(page: Any) -> None:
    ask(page, "MiniMax 2025年全年总收入是多少？")
    page.locator(".docqa-translate").first.click()
    tr = page.locator(".docqa-translation").first
    tr.wait_for()
    assert "US$79.038 million" in tr.inner_text()


def test_upload_then_ask_and_xss_document_stays_text(page: Any, tmp_path: Path) -> None:
    f = tmp_path / "安全测试.txt"
    f.write_text(XSS_DOC, encoding="utf-8")
    page.get_by_role("tab", name="Library · 文档库").click()
    page.set_input_files("#docqa-upload input[type=file]", str(f))
    page.wait_for_timeout(500)
    page.click("#docqa-add")
    page.wait_for_selector("#docqa-upload-result >> text=/1 added/")
    assert "安全测试公司年报" in page.inner_text("#docqa-docs")
    # open the cleaned document: the markup shows as text
    page.click("#docqa-pick input")
    page.get_by_role("option", name="安全测试公司年报").first.click()
    page.wait_for_selector("#docqa-doc article")
    assert "<script>window.__pwned=1</script>" in page.inner_text("#docqa-doc")
    assert '<img src=x onerror="window.__pwned=2">' in page.inner_text("#docqa-doc")
    # ask about it: answer and sources show the markup as text, nothing ran
    page.get_by_role("tab", name="Chat · 问答").click()
    msg = ask(page, "安全测试公司2025年营业收入是多少？")
    assert "12.5亿元" in msg.inner_text()
    sources = page.inner_text("#docqa-sources")
    assert "<script>window.__pwned=1</script>" in sources
    ask(page, "安全测试公司总部在哪里？员工人数是多少？")
    ask(page, "详情见哪个链接？")
    assert (
        page.locator("#docqa-chat img[src=x], #docqa-sources img, a[href^='javascript:']").count()
        == 0
    )
    assert page.evaluate("window.__pwned") is None


def test_run_a_small_evaluation(page: Any, tmp_path: Path) -> None:
    qs = tmp_path / "qs.jsonl"
    rows = [
        {"id": "a", "question": "MiniMax 2025年全年总收入是多少？", "answers": ["7903.8万美元"]},
        {"id": "b", "question": "What was MiniMax's total revenue in 2025?", "answers": ["79.038"]},
        {"id": "c", "question": "特斯拉2025年卖了多少辆车？", "answerable": False},
    ]
    qs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    page.get_by_role("tab", name="Evaluate · 评测").click()
    page.set_input_files("#docqa-ev-file input[type=file]", str(qs))
    page.wait_for_timeout(500)
    page.fill("#docqa-ev-filter textarea", "typ=html")  # a bad filter is one line, no run
    page.click("#docqa-ev-go")
    page.wait_for_selector("#docqa-ev-status >> text=/unknown filter field 'typ'/")
    page.fill("#docqa-ev-filter textarea", "type=html,txt,md")  # the demo's formats
    page.click("#docqa-ev-go")
    page.wait_for_selector("#docqa-ev-status >> text=/3 questions/")
    page.wait_for_selector("#docqa-ev-out svg")  # the report follows on the next tick
    out = page.inner_text("#docqa-ev-out")
    assert "accuracy" in out and "refusal_recall" in out
    assert page.locator("#docqa-ev-out svg").count() >= 2
    link = page.locator("#docqa-ev-files a[href*='report.html']").first
    report = page.request.get(link.get_attribute("href"))
    assert report.ok and "docqa evaluation" in report.text()


def test_an_evaluation_keeps_running_through_a_reload_and_can_be_cancelled(
    page: Any, tmp_path: Path
) -> None:
    dev = Path(__file__).resolve().parents[1] / "qa" / "data" / "dev_questions.jsonl"
    rows = [json.loads(x) for x in dev.read_text(encoding="utf-8").splitlines() if x.strip()]
    many = [{**r, "id": f"{r['id']}-{i}"} for i in range(6) for r in rows]  # 450 questions
    qs = tmp_path / "long.jsonl"
    qs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in many), encoding="utf-8")
    page.get_by_role("tab", name="Evaluate · 评测").click()
    page.set_input_files("#docqa-ev-file input[type=file]", str(qs))
    page.wait_for_timeout(500)
    page.click("#docqa-ev-go")
    page.wait_for_selector("#docqa-ev-status [data-state=running]")
    page.reload()
    page.wait_for_selector("#docqa-question textarea")
    page.get_by_role("tab", name="Evaluate · 评测").click()
    # the page finds the run the server is still answering: progress, ETA, one bar
    page.wait_for_selector("#docqa-ev-status [data-state=running] >> text=/left/")
    assert page.locator("#docqa-ev-status progress").count() == 1
    page.click("#docqa-ev-cancel")
    page.wait_for_selector("#docqa-ev-status [data-state=cancelled]")
    assert "of 450 questions" in page.inner_text("#docqa-ev-status")


def test_library_picker_keeps_questions_within_one_library(page: Any, tmp_path: Path) -> None:
    f = tmp_path / "库测试.txt"
    f.write_text("星河测试公司年报\n\n星河测试公司2025年净利润为8.8亿元。\n", encoding="utf-8")
    page.get_by_role("tab", name="Library · 文档库").click()
    page.fill("#docqa-new-library textarea, #docqa-new-library input", "galaxy")
    page.click("#docqa-create-library")
    page.wait_for_selector("#docqa-upload-result >> text=/Created library/")
    assert "0 documents" in page.inner_text("#docqa-status")
    page.set_input_files("#docqa-upload input[type=file]", str(f))
    page.wait_for_timeout(500)
    page.click("#docqa-add")
    page.wait_for_selector("#docqa-upload-result >> text=/1 added/")
    assert "1 documents" in page.inner_text("#docqa-status")
    page.get_by_role("tab", name="Chat · 问答").click()
    assert "8.8亿元" in ask(page, "星河测试公司2025年净利润是多少？").inner_text()
    # back to the default library: the other library's document is not there to cite
    page.click("#docqa-library input")
    page.get_by_role("option", name="default").click()
    page.wait_for_function(
        "!document.querySelector('#docqa-status').innerText.includes(' 1 documents')"
    )
    assert "8.8亿元" not in ask(page, "星河测试公司2025年净利润是多少？").inner_text()


def test_a_conversation_survives_a_reload_and_exports_with_footnotes(
    page: Any, live_server: str
) -> None:
    ask(page, "MiniMax 2025年全年总收入是多少？")
    follow = ask(page, "净亏损呢？")
    assert "understood as" in follow.inner_text() and "18.72" in follow.inner_text()
    with page.expect_download() as got:
        page.click("#docqa-export")
    md = Path(got.value.path()).read_text(encoding="utf-8")
    assert "**Q:** 净亏损呢？" in md and "[^2-1]: " in md and "18.72" in md
    # a reload: the chat is empty, and the conversation is in the list to reopen
    page.reload()
    page.wait_for_selector("#docqa-question textarea")
    assert page.locator("#docqa-chat .message-row").count() == 0
    page.click("#docqa-past input")
    page.get_by_role("option", name="MiniMax 2025年全年总收入是多少？").first.click()
    page.wait_for_function("document.querySelectorAll('#docqa-chat .message-row').length >= 4")
    assert "18.72" in page.inner_text("#docqa-chat")
    assert "18.72" in page.inner_text("#docqa-sources")
    # and it goes on where it stopped: the follow-up leans on the reopened turns
    again = ask(page, "那2024年呢？")
    assert "理解为: MiniMax 2024年的净亏损是多少？" in again.inner_text()


def test_feedback_buttons_store_a_rating_and_a_comment(page: Any, live_server: str) -> None:
    ask(page, "智谱上市首日股价表现如何？")
    page.locator("#docqa-chat button[aria-label='Dislike']").last.click()
    page.wait_for_selector("#docqa-fb-note >> text=/not helpful/")
    page.fill("#docqa-fb-comment textarea", "想知道收盘价")
    page.click("#docqa-fb-send")
    page.wait_for_selector("#docqa-fb-note >> text=/Comment saved/")
    rows = page.request.get(live_server + "/api/feedback?rating=down").json()["feedback"]
    assert any(
        r["question"] == "智谱上市首日股价表现如何？" and r["comment"] == "想知道收盘价"
        for r in rows
    )


def test_an_upload_through_the_api_shows_after_a_reload(
    page: Any, live_server: str, tmp_path: Path
) -> None:
    from conftest import upload_text

    before = page.inner_text("#docqa-status")
    upload_text(
        live_server, "重载测试.txt", "重载测试公司年报\n\n重载测试公司2025年营收为3.3亿元。\n"
    )
    page.reload()
    page.wait_for_selector("#docqa-question textarea")
    page.wait_for_function(
        "b => document.querySelector('#docqa-status').innerText !== b", arg=before
    )
    page.get_by_role("tab", name="Library · 文档库").click()
    page.wait_for_selector("#docqa-docs >> text=重载测试公司年报")


def test_deleting_a_document_asks_first_and_cards_show_file_names(
    page: Any, live_server: str
) -> None:
    from conftest import upload_text

    upload_text(
        live_server, "删除测试.txt", "删除测试公司年报\n\n删除测试公司2025年营收为4.4亿元。\n"
    )
    page.reload()
    page.wait_for_selector("#docqa-question textarea")
    card_meta = None
    ask(page, "删除测试公司2025年营收是多少？")
    card_meta = page.locator(".docqa-source .docqa-meta").first.inner_text()
    assert "删除测试.txt" in card_meta and "/" not in card_meta.split("·")[-2]
    page.get_by_role("tab", name="Library · 文档库").click()
    page.click("#docqa-pick input")
    page.get_by_role("option", name="删除测试公司年报").first.click()
    page.click("#docqa-delete")
    page.wait_for_selector("#docqa-confirm-doc >> text=/cannot be undone/")
    page.click("#docqa-delete-no")
    page.wait_for_selector("#docqa-confirm-doc", state="hidden")
    assert "删除测试公司年报" in page.inner_text("#docqa-docs")  # Cancel deleted nothing
    page.click("#docqa-delete")
    page.click("#docqa-delete-yes")
    page.wait_for_selector("#docqa-upload-result >> text=/Deleted/")
    assert "删除测试公司年报" not in page.inner_text("#docqa-docs")


def test_the_library_reads_on_a_phone_width_screen(browser: Any, live_server: str) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(live_server + "/")
        pg.wait_for_selector("#docqa-question textarea")
        pg.get_by_role("tab", name="Library · 文档库").click()
        listing = pg.locator("#docqa-docs-list li").first
        listing.wait_for()
        box = listing.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
        text = listing.inner_text()
        assert "chunks" in text and ".txt" in text and "/" not in text.split("·")[-2]
        assert not pg.locator("#docqa-docs").is_visible()  # the wide table gives way to the list
    finally:
        ctx.close()


def test_a_table_answer_shows_its_cell_and_the_filter_bar_limits_the_documents(
    page: Any, tmp_path: Path
) -> None:
    from docx import Document

    d = Document()
    d.add_paragraph("星云科技是一家位于杭州的软件公司。")
    d.add_paragraph("星云科技主要财务数据（单位：万元）")
    grid = [["项目", "2023年", "2024年"], ["营业收入", "1200", "2650"], ["毛利", "-", "981"]]
    t = d.add_table(rows=3, cols=3)
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            t.cell(i, j).text = cell
    f = tmp_path / "星云科技.docx"
    d.save(f)
    page.get_by_role("tab", name="Library · 文档库").click()
    page.set_input_files("#docqa-upload input[type=file]", str(f))
    page.wait_for_timeout(500)
    page.click("#docqa-add")
    page.wait_for_selector("#docqa-upload-result >> text=/1 added/")
    page.get_by_role("tab", name="Chat · 问答").click()
    msg = ask(page, "2024年星云科技的毛利是多少？")
    assert "981" in msg.inner_text()
    cell = page.locator("#docqa-sources td.docqa-cell-hit").last
    assert cell.inner_text() == "981"
    # only spreadsheets: the docx is out of reach, and the answer says why
    page.click("#docqa-filters")
    page.locator("#docqa-filter-types").get_by_label("xlsx").check()
    msg = ask(page, "2024年星云科技的毛利是多少？")
    text = msg.inner_text()
    assert "981" not in text and "searched only documents with type xlsx" in text
    page.locator("#docqa-filter-types").get_by_label("xlsx").uncheck()
    page.fill("#docqa-filter-after textarea, #docqa-filter-after input", "2025-13")
    msg = ask(page, "2024年星云科技的毛利是多少？")
    assert "no month 13" in msg.inner_text()
