"""Hostile files, made here with real tools: an XML entity bomb and zip bombs in DOCX (and XLSX),
a 1 MB line of text, a file that takes too long to clean, control characters in file names. Each
is one line naming the problem, the rest of the batch goes in, and a server keeps answering while
it reads them."""

from __future__ import annotations

import io
import json
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import post_json, upload_request
from test_hardening import docqa, titles, write_docs

from corpus.readers import read_document
from corpus.sandbox import Sandbox

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)


def docx_with(document_xml: bytes) -> bytes:
    """A real DOCX (python-docx's own template) whose main part is replaced."""
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = document_xml if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def one_text_node(mib: int) -> bytes:
    return (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>"
        + b"a" * (mib * 2**20)
        + b"</w:t></w:r></w:p></w:body></w:document>"
    )


def xlsx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<c>" + "1" * (300 * 2**20) + "</c>")
    return out.getvalue()


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    d = tmp_path / "hostile"
    d.mkdir()
    (d / "laughs.docx").write_bytes(docx_with(LAUGHS.encode()))
    (d / "one-node-bomb.docx").write_bytes(docx_with(one_text_node(300)))
    (d / "book.xlsx").write_bytes(xlsx_bomb())
    return d


def test_bombs_are_one_line_each_and_the_batch_goes_on(tmp_path: Path, hostile: Path) -> None:
    sizes = {p.name: p.stat().st_size for p in hostile.iterdir()}
    assert sizes["one-node-bomb.docx"] < 2 * 2**20  # 300 MiB of text in under 2 MiB
    good = write_docs(hostile, "甲", 2)
    idx = tmp_path / "idx"
    r = docqa(idx, "ingest", str(hostile), "--json", env={"DOCQA_EMBEDDER": "hash:64"})
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr  # type: ignore[union-attr]
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]  # type: ignore[union-attr]
    assert len(errors) == 3, r.stderr  # the two DOCX and the XLSX
    by_name = {Path(e.split(": ")[1]).name: e for e in errors}
    assert "bad XML" in by_name["laughs.docx"] and "amplification" in by_name["laughs.docx"]
    assert "refused as a zip bomb" in by_name["one-node-bomb.docx"]
    assert "refused as a zip bomb" in by_name["book.xlsx"]
    assert len(titles(idx)) == len(good)
    with pytest.raises(Exception, match="refused as a zip bomb"):
        read_document(hostile / "book.xlsx")


def test_an_upload_of_a_bomb_is_a_json_error_per_file(live_server: str, hostile: Path) -> None:
    req = upload_request(
        live_server,
        [(n, (hostile / n).read_bytes()) for n in ("laughs.docx", "one-node-bomb.docx")],
        wait=True,
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=120)
    assert err.value.code == 422
    answer = json.loads(err.value.read())  # JSON, never a plain-text 500
    reasons = {f["name"]: f["error"] for f in answer["files"]}
    assert "bad XML" in reasons["laughs.docx"]
    assert "zip bomb" in reasons["one-node-bomb.docx"]


def one_megabyte_line() -> str:
    """Ordinary Chinese sentences on one line, full of dots (7903.8万美元) and no braces: what
    made the old CSS pattern rescan the rest of the line from every dot."""
    sentence = "该公司2025年实现收入7903.8万美元，同比增长17.5%，毛利率为23.4%。"
    return "公司年报摘要\n" + sentence * (2**20 // len(sentence.encode()))


@pytest.fixture
def hash_server(tmp_path: Path) -> Iterator[str]:
    """`docqa serve` over the demo corpus embedded with the model-free `hash:64`: these tests
    are about reading and responsiveness, and e5-small embeds the 1,742 chunks of a 1 MB text at
    3 a second on 2 cores."""
    from corpus.demo import demo_paths
    from index.ingest import ingest
    from ui.server import spawn

    home = tmp_path / "serve-home"
    ingest(demo_paths(), home / "index", "hash:64")
    proc, url = spawn(home / "index", home, "extractive", log_path=tmp_path / "serve.log")
    yield url
    proc.terminate()
    proc.wait(10)


def test_a_one_megabyte_line_is_cleaned_and_a_server_answers_meanwhile(
    hash_server: str,
) -> None:
    live_server = hash_server
    text = one_megabyte_line()
    req = upload_request(live_server, [("line.txt", text.encode())])
    with urllib.request.urlopen(req, timeout=60) as r:
        job = json.load(r)["job"]["id"]
    slowest = 0.0
    answered = None
    state = "queued"
    deadline = time.time() + 300
    while state in ("queued", "running") and time.time() < deadline:
        t0 = time.monotonic()
        with urllib.request.urlopen(live_server + "/api/health", timeout=30) as r:
            assert r.status == 200
        slowest = max(slowest, time.monotonic() - t0)
        if answered is None:
            answered = post_json(
                live_server + "/api/ask", {"question": "MiniMax 2025年全年总收入是多少？"}
            )
        with urllib.request.urlopen(f"{live_server}/api/jobs/{job}", timeout=30) as r:
            done = json.load(r)
        state = done["state"]
        time.sleep(0.2)
    assert state == "done", done
    # answered (the hash embedder's random vectors make the policy refuse; what counts here is
    # that the answer came while the upload was read and embedded)
    assert answered is not None and set(answered) >= {"answer", "refused", "citations"}
    # a generous bound for a busy machine: the goal (1 s) is measured by benchmarks/hostile_files.py
    assert slowest < 10, slowest
    f = done["result"]["files"][0]
    assert f["status"] in ("new", "failed"), f  # indexed, or one line naming the problem
    if f["status"] == "failed":
        assert "line.txt" in f["error"] and "\n" not in f["error"]


def test_a_file_over_the_time_budget_is_one_line_and_the_next_is_read(tmp_path: Path) -> None:
    good = write_docs(tmp_path, "乙", 1)[0]
    slow = tmp_path / "slow.txt"
    slow.write_text("x", encoding="utf-8")
    with Sandbox("time.sleep", timeout=0.5) as box:  # a reader that never finishes in time
        with pytest.raises(Exception, match="took over 0.5 s to read and clean"):
            box.call(5.0)  # type: ignore[arg-type]
        box.target = "corpus.readers.read_document"
        box.timeout = 60  # the fresh child's start is not what is timed here (a busy machine)
        assert box.call(str(good)).title == "乙集团第0号工厂年度报告"  # a fresh child reads on


def test_control_characters_in_file_names_never_reach_the_terminal(tmp_path: Path) -> None:
    d = tmp_path / "names"
    d.mkdir()
    (d / "red\x1b[31mALERT.txt").write_bytes(b"\x00\x01\x02")
    (d / "two\nlines.txt").write_bytes(b"")
    r = docqa(tmp_path / "idx", "ingest", str(d), env={"DOCQA_EMBEDDER": "hash:64"})
    err = r.stderr  # type: ignore[union-attr]
    assert "\x1b" not in err and "red\\x1b[31mALERT.txt" in err
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 2 and any("two\\nlines.txt" in e for e in errors), err


def test_links_pipes_and_devices_in_a_folder_are_reported(tmp_path: Path) -> None:
    import os

    d = tmp_path / "odd"
    write_docs(d, "丙", 1)
    (d / "gone.txt").symlink_to(d / "nowhere.txt")
    (d / "loop.txt").symlink_to(d / "loop.txt")
    os.mkfifo(d / "pipe.txt")
    (d / "zero.txt").symlink_to("/dev/zero")
    r = docqa(tmp_path / "idx", "ingest", str(d), env={"DOCQA_EMBEDDER": "hash:64"})
    assert r.returncode == 1, r.stderr  # type: ignore[union-attr]
    errors = sorted(ln for ln in r.stderr.splitlines() if ln.startswith("error:"))  # type: ignore[union-attr]
    assert len(errors) == 4, r.stderr  # type: ignore[union-attr]
    assert sum("broken or looping symbolic link" in e for e in errors) == 2
    assert sum("not a regular file" in e for e in errors) == 2
    assert len(titles(tmp_path / "idx")) == 1


def test_a_pdf_of_one_page_repeated_keeps_one_copy(tmp_path: Path) -> None:
    from conftest import make_pdf
    from pypdf import PdfReader, PdfWriter

    one = PdfReader(io.BytesIO(make_pdf(["Annual revenue rose to 12.5 billion yuan in 2025."])))
    writer = PdfWriter()
    for _ in range(300):
        writer.add_page(one.pages[0])
    path = tmp_path / "same.pdf"
    with path.open("wb") as f:
        writer.write(f)
    doc = read_document(path)
    assert doc.text.count("Annual revenue rose") == 1


def test_a_broken_pdf_is_one_line_without_pypdf_noise(tmp_path: Path) -> None:
    bad = tmp_path / "cut.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    r = docqa(tmp_path / "idx", "ingest", str(bad), env={"DOCQA_EMBEDDER": "hash:64"})
    lines = r.stderr.strip().splitlines()  # type: ignore[union-attr]
    assert lines[0].startswith("error: ") and "cut.pdf" in lines[0], lines
    assert not any("EOF marker" in ln and not ln.startswith("error") for ln in lines), lines
