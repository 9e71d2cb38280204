"""Every supported format through the reader, and the CLI on good and bad batches."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.demo import demo_paths
from corpus.errors import UnsupportedFormatError
from corpus.readers import read_document
from tests.conftest import make_pdf
from ui.cli import cli


def test_markdown(tmp_path: Path) -> None:
    p = tmp_path / "note.md"
    p.write_text(
        "# 年报摘要\n\nMiniMax的**营收**增长158.9%。\n\n- 海外收入占七成\n- 净亏损扩大\n\n## 风险\n\n现金消耗较快。\n",
        encoding="utf-8",
    )
    doc = read_document(p)
    assert doc.title == "年报摘要"
    assert doc.paragraph_texts() == [
        "MiniMax的营收增长158.9%。",
        "海外收入占七成",
        "净亏损扩大",
        "风险",
        "现金消耗较快。",
    ]


def test_docx(tmp_path: Path) -> None:
    from docx import Document as Docx

    d = Docx()
    d.core_properties.author = "胡世鑫"
    d.add_heading("MiniMax年报", level=1)
    d.add_paragraph("公司2025年总收入7903.8万美元。")
    d.add_paragraph("毛利率提升。")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "ARR", "1.5亿美元"
    buf = io.BytesIO()
    d.save(buf)
    p = tmp_path / "r.docx"
    p.write_bytes(buf.getvalue())
    doc = read_document(p)
    assert doc.title == "MiniMax年报" and doc.author == "胡世鑫"
    assert doc.paragraph_texts() == [
        "公司2025年总收入7903.8万美元。",
        "毛利率提升。",
        "ARR | 1.5亿美元",
    ]


def test_pdf(tmp_path: Path) -> None:
    p = tmp_path / "r.pdf"
    p.write_bytes(
        make_pdf(
            [
                "Revenue grew 158.9 percent in 2025, driven by",
                "overseas users.",
                "Net loss widened.",
            ]
        )
    )
    doc = read_document(p)
    assert doc.title == "A test report" and doc.author == "Jane Doe"
    assert doc.paragraph_texts() == [
        "Revenue grew 158.9 percent in 2025, driven by overseas users.",
        "Net loss widened.",
    ]
    assert doc.lang == "en"


def test_unknown_format_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match="unsupported format '.xyz'"):
        read_document(tmp_path / "a.xyz")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    for name in ("bad.pdf", "bad.docx"):
        with pytest.raises(ValueError, match="not a readable"):
            read_document(tmp_path / name)


def test_cli_clean_json_on_demo() -> None:
    res = CliRunner().invoke(cli, ["clean", "--json", str(demo_paths()[1])])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.output)
    assert set(obj) >= {"title", "date", "source", "author", "text", "paragraphs"}
    assert obj["text"] == "\n".join(obj["paragraphs"])
    assert obj["date"] == "2026-04-17T16:39:53"


def test_cli_chunks_json_offsets_match_clean_text() -> None:
    runner = CliRunner()
    path = str(demo_paths()[0])
    text = json.loads(runner.invoke(cli, ["clean", "--json", path]).output)["text"]
    res = runner.invoke(cli, ["chunks", "--json", "--max-chars", "200", path])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert len(rows) > 20
    assert all(text[r["start"] : r["end"]] == r["text"] for r in rows)


def test_cli_batch_reports_each_bad_file_and_processes_the_rest(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "latin.txt").write_bytes("这是正常的中文文本，讲述了公司的经营。".encode("gb18030"))
    res = CliRunner().invoke(
        cli,
        [
            "clean",
            "--json",
            *(str(tmp_path / n) for n in ["empty.txt", "binary.txt", "photo.jpg", "latin.txt"]),
        ],
    )
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert "empty.txt: the file is empty" in errors[0]
    assert "binary.txt" in errors[1] and "binary" in errors[1]
    assert "photo.jpg: not a readable image (not PNG, JPEG" in errors[2]
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(docs) == 1 and "正常的中文文本" in docs[0]["text"]


def test_cli_demo_builds_the_index_and_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_INDEX", str(tmp_path / "idx"))
    monkeypatch.setenv("DOCQA_EMBEDDER", "e5-small")
    res = CliRunner().invoke(cli, ["demo", "--json", "--llm", "extractive"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert len(obj["documents"]) == 2 and all(d["chunks"] > 5 for d in obj["documents"])
    assert "building one from the demo corpus" in res.stderr
    zh, en = obj["answers"]
    assert "7903.8万美元" in zh["answer"] and zh["citations"][0]["verified"]
    assert "US$20.079 million" in en["answer"]
