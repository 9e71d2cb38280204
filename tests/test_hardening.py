"""Faults and concurrency with real processes: two writers, kill -9, a server plus a CLI, damaged
index files; each case asserts the exact outcome and that no stored document is lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import post_json, upload_text

from index.ingest import ingest
from index.lock import writer_lock
from index.store import load_snapshot, snapshot_version

FAKE = "hash:64"  # a model-free embedder: these tests are about the store, not the vectors
ROOT = Path(__file__).resolve().parents[1]


def write_docs(folder: Path, prefix: str, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"{prefix}-{i:03d}.txt"
        p.write_text(
            f"{prefix}集团第{i}号工厂年度报告\n\n"
            f"{prefix}集团第{i}号工厂2025年产量为{i * 7 + 3}万吨，同比增长{i + 1}%。\n"
            f"该工厂员工人数为{i * 13 + 5}人，位于第{i}工业园区。\n",
            encoding="utf-8",
        )
        out.append(p)
    return out


def docqa(
    index: Path, *args: str, wait: bool = True, env: dict[str, str] | None = None
) -> subprocess.Popen[str] | subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "DOCQA_HOME": str(index.parent / "home"),
        "DOCQA_INDEX": str(index),
        **(env or {}),
    }
    full.pop("DOCQA_EMBEDDER", None)
    cmd = [sys.executable, "-m", "ui.cli", *args]
    if wait:
        return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=300, cwd=ROOT)
    return subprocess.Popen(
        cmd, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )


def titles(index: Path) -> set[str]:
    return {e.doc.title or "" for e in load_snapshot(index).docs}


class Lines:
    """Collect a child's stderr lines in a thread, so a test can wait for one of them."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        self.thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self.thread.start()

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while not any(text in line for line in self.lines):
            if time.time() > deadline:
                raise AssertionError(f"no {text!r} in {self.lines}")
            time.sleep(0.05)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """An index of 5 documents (A-*)."""
    idx = tmp_path / "idx"
    ingest(write_docs(tmp_path / "a", "甲", 5), idx, FAKE)
    return idx


def test_two_writers_prepared_on_the_same_snapshot_lose_nothing(tmp_path: Path, base: Path) -> None:
    b = write_docs(tmp_path / "b", "乙", 12)
    c = write_docs(tmp_path / "c", "丙", 12)
    # Hold the lock, so both writers prepare against the same 5-document snapshot and then queue.
    with writer_lock(base, "test"):
        p1 = docqa(base, "ingest", str(b[0].parent), wait=False)
        p2 = docqa(base, "ingest", str(c[0].parent), wait=False)
        l1, l2 = Lines(p1), Lines(p2)  # type: ignore[arg-type]
        l1.wait_for("waiting for another writer")
        l2.wait_for("waiting for another writer")
    assert p1.wait(120) == 0 and p2.wait(120) == 0  # type: ignore[union-attr]
    got = titles(base)
    assert len(got) == 29
    assert {t[:2] for t in got} == {"甲集", "乙集", "丙集"}


def test_two_writers_running_freely_lose_nothing(tmp_path: Path, base: Path) -> None:
    b = write_docs(tmp_path / "b", "乙", 15)
    c = write_docs(tmp_path / "c", "丙", 15)
    p1 = docqa(base, "ingest", str(b[0].parent), "--json", wait=False)
    time.sleep(0.5)
    p2 = docqa(base, "ingest", str(c[0].parent), "--json", wait=False)
    out1, _ = p1.communicate(timeout=300)  # type: ignore[union-attr]
    out2, _ = p2.communicate(timeout=300)  # type: ignore[union-attr]
    assert p1.returncode == 0 and p2.returncode == 0
    assert len(json.loads(out1)["new"]) == 15 and len(json.loads(out2)["new"]) == 15
    assert len(load_snapshot(base).docs) == 35


def test_a_writer_waits_then_gives_up_with_one_line(tmp_path: Path, base: Path) -> None:
    b = write_docs(tmp_path / "b", "乙", 2)
    before = snapshot_version(base)
    with writer_lock(base, "test"):
        r = docqa(base, "ingest", str(b[0].parent), env={"DOCQA_LOCK_TIMEOUT": "1"})
    assert r.returncode == 2  # type: ignore[union-attr]
    err = r.stderr.strip().splitlines()  # type: ignore[union-attr]
    assert err[0].startswith("waiting for another writer") and "pid" in err[0]
    assert err[-1].startswith("error: ") and "locked by another writer" in err[-1]
    assert "Traceback" not in r.stderr and snapshot_version(base) == before  # type: ignore[union-attr]


def test_kill_9_while_a_writer_waits_to_commit_changes_nothing(tmp_path: Path, base: Path) -> None:
    b = write_docs(tmp_path / "b", "乙", 5)
    before = titles(base)
    with writer_lock(base, "test"):
        p = docqa(base, "ingest", str(b[0].parent), wait=False)
        Lines(p).wait_for("waiting for another writer")  # type: ignore[arg-type]
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    assert titles(base) == before
    r = docqa(base, "remove", "甲-000.txt")  # the dead writer left no lock behind
    assert r.returncode == 0 and len(titles(base)) == 4  # type: ignore[union-attr]


@pytest.mark.parametrize("delay", [0.8, 1.6, 2.4, 3.2])
def test_kill_9_at_any_moment_of_an_ingest_leaves_a_loadable_index(
    tmp_path: Path, base: Path, delay: float
) -> None:
    b = write_docs(tmp_path / "b", "乙", 40)
    p = docqa(base, "ingest", str(b[0].parent), wait=False)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    n = len(load_snapshot(base).docs)
    assert n in (5, 45)  # before or after, never half, never damaged
    r = docqa(base, "ingest", str(b[0].parent), "--json")
    assert r.returncode == 0 and len(load_snapshot(base).docs) == 45  # type: ignore[union-attr]
    assert not list((base / "snapshots").glob(".tmp-*"))  # the dead writer's leftovers are gone


def test_kill_9_during_remove(base: Path) -> None:
    before = titles(base)
    with writer_lock(base, "test"):
        p = docqa(base, "remove", "甲-001.txt", wait=False)
        Lines(p).wait_for("waiting for another writer")  # type: ignore[arg-type]
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    assert titles(base) == before
    p = docqa(base, "remove", "甲-001.txt", wait=False)
    time.sleep(1.0)
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    assert len(load_snapshot(base).docs) in (4, 5)


def test_server_and_cli_share_one_index(
    tmp_path: Path, demo_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`docqa ingest` while `docqa serve` runs: the server sees the CLI's document without a
    restart, and the CLI's next write keeps the server's upload."""
    from ui.server import spawn

    home = tmp_path / "home"
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    log = tmp_path / "serve.log"
    proc, url = spawn(index, home, "extractive", log_path=log)
    try:
        cli_doc = tmp_path / "cli" / "星河.txt"
        cli_doc.parent.mkdir()
        cli_doc.write_text(
            "星河电池公司年度报告\n\n星河电池公司2025年营业收入为88.6亿元，同比增长41%。\n",
            encoding="utf-8",
        )
        r = docqa(index, "ingest", str(cli_doc))
        assert r.returncode == 0, r.stderr  # type: ignore[union-attr]

        def ask(question: str) -> dict:
            return post_json(url + "/api/ask", {"question": question})

        # Only asks, no other request: the answering path itself picks up the CLI's commit.
        deadline = time.time() + 15
        while "88.6亿元" not in (answer := ask("星河电池公司2025年营业收入是多少？"))["answer"]:
            assert time.time() < deadline, f"the server never used the CLI's document: {answer}"
            time.sleep(0.5)
        assert answer["citations"][0]["verified"]

        got = upload_text(
            url, "月光.txt", "月光物流公司年度报告\n\n月光物流公司2025年净利润为3.2亿元。\n"
        )
        assert got["files"][0]["status"] == "new"
        other = tmp_path / "cli" / "第二.txt"
        other.write_text(
            "第二份文件的标题行\n\n第二份文件说明2025年的产量为12万吨。\n", encoding="utf-8"
        )
        assert docqa(index, "ingest", str(other)).returncode == 0  # type: ignore[union-attr]
        docs = json.loads(docqa(index, "docs", "--json").stdout)["documents"]  # type: ignore[union-attr]
        got = {d["title"] for d in docs}
        assert {"星河电池公司年度报告", "月光物流公司年度报告", "第二份文件的标题行"} <= got
        assert len(docs) == 5
        assert (index / "uploads" / "月光.txt").is_file()
    finally:
        proc.terminate()
        proc.wait(10)


# ----------------------------------------------------------------------- a damaged index


@pytest.fixture
def two_snapshots(tmp_path: Path, base: Path) -> Path:
    """`base` after a second ingest, so the previous snapshot is kept beside the current one."""
    ingest(write_docs(tmp_path / "b", "乙", 2), base, FAKE)
    return base


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("truncate documents.jsonl", "documents.jsonl"),
        ("break manifest.json", "manifest.json"),
        ("delete vectors.npy", "vectors.npy"),
        ("delete chunks.jsonl", "chunks.jsonl"),
    ],
)
def test_a_damaged_file_is_one_line_naming_it_and_repair_goes_back(
    two_snapshots: Path, damage: str, named: str
) -> None:
    idx = two_snapshots
    cur = (idx / "current").resolve()
    if damage.startswith("truncate"):
        data = (cur / named).read_bytes()
        (cur / named).write_bytes(data[: len(data) // 2])
    elif damage.startswith("break"):
        (cur / named).write_text('{"format_version": 1, "embed', encoding="utf-8")
    else:
        (cur / named).unlink()
    for cmd in (["docs"], ["search", "产量"], ["ingest", str(idx.parent / "a")]):
        r = docqa(idx, *cmd)
        assert r.returncode == 2, (cmd, r.stderr)  # type: ignore[union-attr]
        lines = r.stderr.strip().splitlines()  # type: ignore[union-attr]
        assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr  # type: ignore[union-attr]
        assert named in lines[0] and "docqa repair" in lines[0] and "damaged" in lines[0]
    r = docqa(idx, "repair")
    assert r.returncode == 0 and "5 documents" in r.stdout  # type: ignore[union-attr]
    assert len(load_snapshot(idx).docs) == 5  # the snapshot before the second ingest


def test_a_dangling_current_link_is_damage_never_the_demo(base: Path) -> None:
    real = (base / "current").resolve()
    shutil.rmtree(real)
    r = docqa(base, "docs")
    assert r.returncode == 2 and "damaged" in r.stderr and "demo" not in r.stderr  # type: ignore[union-attr]
    r = docqa(base, "ask", "产量是多少？", "--llm", "extractive")
    assert r.returncode == 2 and "damaged" in r.stderr  # type: ignore[union-attr]
    assert not (base / "current").exists()  # nothing was rebuilt behind the user's back
    assert not list((base / "snapshots").iterdir())


def test_symlink_loop_is_one_file_error_and_the_rest_go_in(tmp_path: Path, base: Path) -> None:
    loop = tmp_path / "loop.txt"
    os.symlink(loop, loop)
    good = write_docs(tmp_path / "b", "乙", 1)[0]
    r = docqa(base, "ingest", str(loop), str(good))
    assert r.returncode == 1 and "Traceback" not in r.stderr  # type: ignore[union-attr]
    assert f"error: {loop}: broken or looping symbolic link" in r.stderr  # type: ignore[union-attr]
    assert len(load_snapshot(base).docs) == 6
    r = docqa(base, "remove", str(loop))
    assert r.returncode == 2 and "no document matches" in r.stderr  # type: ignore[union-attr]
    assert "Traceback" not in r.stderr  # type: ignore[union-attr]


def test_remove_refuses_an_ambiguous_selector(base: Path) -> None:
    r = docqa(base, "remove", "甲-00")
    assert r.returncode == 2  # type: ignore[union-attr]
    assert "matches 5 documents" in r.stderr and "--all-matching" in r.stderr  # type: ignore[union-attr]
    assert len(load_snapshot(base).docs) == 5
    r = docqa(base, "remove", "甲-00", "--all-matching", "--json")
    assert r.returncode == 0 and len(json.loads(r.stdout)["removed"]) == 5  # type: ignore[union-attr]
    assert load_snapshot(base).docs == []


# ----------------------------------------------------------------------- bad input


def _pdf_truncated() -> bytes:
    from conftest import make_pdf

    data = make_pdf(["A test report", "Revenue grew 12 percent."])
    return data[: len(data) // 2]


BAD_FILES = {
    "empty.txt": (b"", "the file is empty"),
    "blank.md": (b"  \n\n \t\n", "the file is empty"),
    "binary.txt": (bytes(range(256)) * 40, "binary file"),
    "truncated.pdf": (_pdf_truncated(), "truncated.pdf: "),
    "junk.docx": (b"PK\x03\x04 this is not a zip archive", "junk.docx: "),
    "menu.html": (
        b"<html><body><nav><a href=/>\xe9\xa6\x96\xe9\xa1\xb5</a></nav>"
        b"<script>var x=1;</script></body></html>",
        "no article text found",
    ),
    "tool.exe": (b"MZ\x90\x00\x03", "unsupported format '.exe'"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_one_line_and_stored_documents_unchanged(
    tmp_path: Path, base: Path, name: str
) -> None:
    data, problem = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    before, version = titles(base), snapshot_version(base)
    r = docqa(base, "ingest", str(bad))
    assert r.returncode == 1 and "Traceback" not in r.stderr  # type: ignore[union-attr]
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]  # type: ignore[union-attr]
    assert len(errors) == 1 and str(bad) in errors[0] and problem in errors[0], r.stderr  # type: ignore[union-attr]
    assert titles(base) == before and snapshot_version(base) == version


def test_oversized_file_is_refused_by_the_one_limit(tmp_path: Path, base: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("巨大的文件标题在这里\n\n" + "很长的正文句子。" * 20000, encoding="utf-8")
    r = docqa(base, "ingest", str(big), env={"DOCQA_MAX_FILE_MB": "0.1"})
    assert r.returncode == 1  # type: ignore[union-attr]
    assert "file is 0.5 MiB; the limit is 0.1 MiB (DOCQA_MAX_FILE_MB)" in r.stderr  # type: ignore[union-attr]
    assert len(load_snapshot(base).docs) == 5
    # just over the limit is never told it is the limit (a 50.1 MiB file, "the limit is 50 MiB")
    big.write_bytes(b"x" * (100 * 1024 + 103))
    r = docqa(base, "ingest", str(big), env={"DOCQA_MAX_FILE_MB": str(100 / 1024)})
    assert "file is 0.0978 MiB; the limit is 0.0977 MiB" in r.stderr  # type: ignore[union-attr]


GOOD_TEXT = "华东纺织公司年度简报\n\n华东纺织公司2025年出口额为6.4亿美元，同比增长18%。\n公司共有员工2100人。\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gbk-no-charset.txt", GOOD_TEXT.encode("gbk")),
        ("utf16le-no-bom.txt", GOOD_TEXT.encode("utf-16-le")),
        ("utf16be-no-bom.txt", GOOD_TEXT.encode("utf-16-be")),
        (
            "lying-charset.html",
            (
                '<html><head><meta charset="gb2312"><title>华东纺织公司年度简报</title></head>'
                "<body><article><p>华东纺织公司2025年出口额为6.4亿美元，同比增长18%。</p>"
                "<p>公司共有员工2100人。</p></article></body></html>"
            ).encode(),
        ),
    ],
)
def test_wrongly_labelled_encodings_are_read_right(tmp_path: Path, name: str, data: bytes) -> None:
    from corpus.readers import read_document

    p = tmp_path / name
    p.write_bytes(data)
    doc = read_document(p)
    assert "出口额为6.4亿美元" in doc.text and "2100人" in doc.text


def test_nul_bytes_past_the_head_are_stripped(tmp_path: Path) -> None:
    from corpus.readers import read_document

    p = tmp_path / "nul.txt"
    body = "正文句子在这里继续展开说明。" * 700  # > 8 KB before the NUL bytes
    p.write_bytes((GOOD_TEXT + body + "\x00\x00尾部句子。\x00\n").encode())
    doc = read_document(p)
    assert "\x00" not in doc.text and "尾部句子。" in doc.text


def test_a_paragraph_repeated_three_times_is_kept_once(tmp_path: Path) -> None:
    from corpus.readers import read_document

    para = "这家公司在2025年完成了新一轮融资，投资方包括多家知名机构，资金将用于研发。"
    p = tmp_path / "repeat.txt"
    p.write_text("\n\n".join([para] * 3) + "\n", encoding="utf-8")
    doc = read_document(p)
    assert doc.text.count(para) == 1


def test_a_ten_thousand_character_question_and_k_bounds(base: Path) -> None:
    r = docqa(base, "ask", "长" * 10_000, "--llm", "extractive")
    assert r.returncode == 2 and "Traceback" not in r.stderr  # type: ignore[union-attr]
    assert r.stderr.strip().startswith("error:") and "10000" in r.stderr  # type: ignore[union-attr]
    for k in ("0", "51", "100000"):
        for cmd in (["search", "产量"], ["ask", "产量是多少？", "--llm", "extractive"]):
            r = docqa(base, *cmd, "--k", k)
            assert r.returncode == 2, (cmd, k)  # type: ignore[union-attr]
            assert r.stderr.strip() == f"error: --k must be between 1 and 50, got {k}"  # type: ignore[union-attr]
