"""The storage seam on real engines: the local store, Milvus Lite on a `.db` file, and
`milvus-lite server` over gRPC on 127.0.0.1 (started here on a free port, stopped by its PID).
The same CLI commands run on each: ingest (incremental, replace on change), docs, search, ask,
remove, and libraries kept apart."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.demo import demo_paths
from ui.cli import cli

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

EMBEDDER = "hash:64"  # where the storage is under test, not the model


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    data = tmp_path_factory.mktemp("milvus-server")
    exe = shutil.which("milvus-lite") or str(Path(sys.executable).with_name("milvus-lite"))
    proc = subprocess.Popen(
        [exe, "server", "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("milvus-lite server exited at start")
            time.sleep(0.2)
    yield f"milvus://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(params=["local", "lite", "server"])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "index")
    if request.param == "lite":
        return f"milvus://{tmp_path / 'lib.db'}"
    server: str = request.getfixturevalue("milvus_server")
    return server


def _run(*args: str) -> dict:
    res = CliRunner().invoke(cli, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_ingest_search_ask_remove_on_every_backend(
    address: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    lib = ["--index", address, "--library", f"t{abs(hash(request.node.name)) % 10**8}"]
    docs_dir = tmp_path / "docs"
    docs_dir.mkdir()
    for p in demo_paths():
        shutil.copy(p, docs_dir / p.name)
    rep = _run("ingest", *lib, "--embedder", "e5-small", str(docs_dir))
    assert len(rep["new"]) == 2 and rep["chunks_embedded"] > 10 and rep["sentences_embedded"] > 10
    again = _run("ingest", *lib, str(docs_dir))
    assert again["new"] == [] and len(again["unchanged"]) == 2 and again["chunks_embedded"] == 0

    listed = _run("docs", *lib)["documents"]
    assert len(listed) == 2 and all(d["chunks"] > 0 for d in listed)
    hits = _run("search", *lib, "总收入7903.8万美元", "--k", "3")["hits"]
    assert any("7903.8万美元" in h["text"] for h in hits), [h["text"][:30] for h in hits]
    answer = _run("ask", *lib, "MiniMax 2025年全年总收入是多少？", "--llm", "extractive")
    assert "7903.8" in answer["answer"] and answer["citations"]
    assert all(c["verified"] for c in answer["citations"])
    tr = _run("translate", *lib, "--chunk", hits[0]["chunk_id"], "--llm", "extractive")
    assert tr["translations"] and tr["translations"][0]["source"] == hits[0]["text"]
    qs = tmp_path / "q.jsonl"
    qs.write_text(
        json.dumps({"question": "MiniMax 2025年全年总收入是多少？", "answers": ["7903.8万美元"]}),
        encoding="utf-8",
    )
    ev = CliRunner().invoke(
        cli, ["eval", str(qs), *lib, "--llm", "extractive", "--out", str(tmp_path / "ev")]
    )
    assert ev.exit_code == 0, ev.output
    assert json.loads((tmp_path / "ev" / "metrics.json").read_text())["overall"]["accuracy"] == 1.0

    # A changed file replaces its old chunks; nothing else is re-embedded.
    first = sorted(docs_dir.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n\n补充：测试段落。", encoding="utf-8")
    upd = _run("ingest", *lib, str(docs_dir))
    assert len(upd["updated"]) == 1 and len(upd["unchanged"]) == 1
    listed = _run("docs", *lib)["documents"]
    assert len(listed) == 2

    removed = _run("remove", *lib, listed[0]["id"])["removed"]
    assert [r["id"] for r in removed] == [listed[0]["id"]]
    assert len(_run("docs", *lib)["documents"]) == 1


def test_libraries_are_kept_apart(address: str, tmp_path: Path) -> None:
    a, b = demo_paths()[:2]
    _run("ingest", "--index", address, "--library", "alpha", "--embedder", EMBEDDER, str(a))
    _run("ingest", "--index", address, "--library", "beta", "--embedder", EMBEDDER, str(b))
    alpha = _run("docs", "--index", address, "--library", "alpha")["documents"]
    beta = _run("docs", "--index", address, "--library", "beta")["documents"]
    assert len(alpha) == 1 and len(beta) == 1 and alpha[0]["id"] != beta[0]["id"]
    res = CliRunner().invoke(cli, ["docs", "--index", address, "--library", "no-such!"])
    assert res.exit_code == 2 and "library name" in res.stderr
    res = CliRunner().invoke(
        cli, ["libraries", "--index", address, "create", "gamma", "--embedder", EMBEDDER]
    )
    assert res.exit_code == 0 and "created library gamma" in res.output, res.output
    assert _run("docs", "--index", address, "--library", "gamma")["documents"] == []
    listed = _run("libraries", "--index", address)["libraries"]
    assert {"alpha", "beta", "gamma"} <= set(listed)
    res = CliRunner().invoke(cli, ["libraries", "--index", address, "delete", "beta"])
    assert res.exit_code == 0, res.output
    assert "beta" not in _run("libraries", "--index", address)["libraries"]
    res = CliRunner().invoke(cli, ["docs", "--index", address, "--library", "beta"])
    assert res.exit_code == 2 and "beta" in res.stderr


def test_a_lite_file_open_in_another_process_is_a_clear_error(tmp_path: Path) -> None:
    address = f"milvus://{tmp_path / 'held.db'}"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from index.milvus import client_for; client_for(sys.argv[1]);"
            " print('open', flush=True); time.sleep(60)",
            address,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        res = subprocess.run(
            [sys.executable, "-m", "ui.cli", "docs", "--index", address],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[1],
        )
        assert res.returncode == 2
        assert "serves one process at a time" in res.stderr and "milvus-lite server" in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr  # no Lite traceback first
    finally:
        holder.kill()
        holder.wait(10)


def test_migrate_round_trip_keeps_vectors_and_answers(tmp_path: Path, milvus_server: str) -> None:
    """local -> Milvus Lite -> milvus-lite server -> local: the same documents and search results
    at every step, and the vectors copied, not re-embedded: the scores after the round trip equal
    the ones before."""
    src = str(tmp_path / "local")
    _run("ingest", "--index", src, "--embedder", "e5-small", *map(str, demo_paths()))
    query = ["search", "总收入7903.8万美元", "--k", "3"]
    before = [(h["chunk_id"], round(h["score"], 4)) for h in _run(*query, "--index", src)["hits"]]
    lite = f"milvus://{tmp_path / 'm.db'}"
    steps = [
        (src, lite, "default", "moved"),
        (lite, milvus_server, "moved", "served"),
        (milvus_server, str(tmp_path / "back"), "served", "default"),
    ]
    for a, b, lib_a, lib_b in steps:
        rep = _run("migrate", a, b, "--library", lib_a, "--to-library", lib_b)
        assert rep["documents"] == 2 and rep["embedder"] == "e5-small" and rep["sentences"] > 10
        docs = _run("docs", "--index", b, "--library", lib_b)
        assert len(docs["documents"]) == 2 and docs["embedder"] == "e5-small"
        hits = _run(*query, "--index", b, "--library", lib_b)["hits"]
        assert any("7903.8万美元" in h["text"] for h in hits)
    after = [
        (h["chunk_id"], round(h["score"], 4))
        for h in _run(*query, "--index", str(tmp_path / "back"))["hits"]
    ]
    assert after == before
    res = CliRunner().invoke(cli, ["migrate", src, lite, "--to-library", "moved"])
    assert res.exit_code == 2 and "not empty" in res.stderr


def test_two_servers_share_one_milvus(
    tmp_path: Path, milvus_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two `docqa serve` replicas on one Milvus: a document uploaded through one is cited by the
    other's next answer, without a restart."""
    from conftest import post_json, upload_text

    from ui.server import spawn

    monkeypatch.setenv("DOCQA_EMBEDDER", "e5-small")
    monkeypatch.setenv("DOCQA_LIBRARY", "replicas")
    a_proc, a_url = spawn(milvus_server, tmp_path / "a", "extractive", log_path=tmp_path / "a.log")
    try:
        b_proc, b_url = spawn(
            milvus_server, tmp_path / "b", "extractive", log_path=tmp_path / "b.log"
        )
        try:
            with urllib.request.urlopen(b_url + "/api/health", timeout=30) as r:
                health = json.load(r)
            assert health["library"] == "replicas" and health["index"].startswith(milvus_server)
            got = upload_text(
                a_url,
                "星河.txt",
                "星河电池公司年度报告\n\n星河电池公司2025年营业收入为88.6亿元，同比增长41%。\n",
            )
            assert got["files"][0]["status"] == "new", got
            doc_id = got["files"][0]["doc_id"]
            deadline = time.time() + 20
            while True:
                answer = post_json(
                    b_url + "/api/ask", {"question": "星河电池公司2025年营业收入是多少？"}
                )
                if "88.6亿元" in answer["answer"]:
                    break
                assert time.time() < deadline, f"replica B never used A's upload: {answer}"
                time.sleep(0.5)
            assert answer["citations"][0]["doc_id"] == doc_id and answer["citations"][0]["verified"]
        finally:
            b_proc.terminate()
            b_proc.wait(10)
    finally:
        a_proc.terminate()
        a_proc.wait(10)


def test_filters_hold_on_every_backend(address: str, tmp_path: Path) -> None:
    """Every hit passes the filter (type, date, publisher, document, title), on the local store
    and in Milvus alike, and k hits still come back when the chosen documents have k chunks."""
    docs_dir = tmp_path / "docs"
    docs_dir.mkdir()
    for i, (year, site) in enumerate([("2024", "新华网"), ("2025", "人民网"), ("2026", "新华网")]):
        body = "".join(
            f"<p>第{j}段：{year}年上海的人工智能公司营收增长，发布了新的模型和产品，用户数量持续上升。</p>"
            for j in range(40)
        )
        (docs_dir / f"news{i}.html").write_text(
            f'<html><head><title>{year}年人工智能报道</title><meta name="author" content="记者">'
            f'<meta property="article:published_time" content="{year}-05-01">'
            f'<meta property="og:site_name" content="{site}"></head>'
            f"<body><article><h1>{year}年人工智能报道</h1>{body}</article></body></html>",
            encoding="utf-8",
        )
    (docs_dir / "note.txt").write_text(
        "上海的人工智能公司在2025年营收增长，这是一份没有日期的笔记。" * 8, encoding="utf-8"
    )
    from docfiles import finance_docx, text_pdf

    (docs_dir / "report.pdf").write_bytes(
        text_pdf([["第一页：公司简介。"], ["第二页：2025年员工总数达到385人。"]])
    )
    finance_docx(docs_dir / "prospectus.docx")
    lib = ["--index", address, "--library", "filters"]
    _run("ingest", *lib, "--embedder", EMBEDDER, str(docs_dir))
    # pages and tables are kept on every backend
    hit = _run("search", *lib, "员工总数385人", "--filter", "type=pdf", "--k", "1")["hits"][0]
    assert hit["page"] == 2 and "385人" in hit["text"]
    cell = _run(
        "ask", *lib, "2024年MiniMax的毛利是多少？", "--llm", "extractive", "--filter", "type=docx"
    )
    assert "373万美元" in cell["answer"], cell
    listed = {d["file"]: d for d in _run("docs", *lib)["documents"]}
    assert listed["news1.html"]["date"].startswith("2025-05-01")

    def files(*filters: str, k: int = 8) -> list[str]:
        args = [x for f in filters for x in ("--filter", f)]
        hits = _run("search", *lib, "上海人工智能公司营收增长", "--k", str(k), *args)["hits"]
        return [Path(h["source"]).name for h in hits]

    assert len(set(files())) > 1  # unfiltered, several documents answer
    assert set(files("after=2000")) <= {"news0.html", "news1.html", "news2.html"}
    got = files("type=txt")
    assert got and set(got) == {"note.txt"}
    got = files("after=2025", "before=2025-12", k=4)
    assert len(got) == 4 and set(got) == {"news1.html"}  # k chunks from the one document
    assert set(files("source=新华网")) == {"news0.html", "news2.html"}
    assert set(files("type=html", "after=2026-01-01")) == {"news2.html"}
    assert set(files("document=news0.html,note.txt")) == {"news0.html", "note.txt"}
    assert set(files("title=2024年")) == {"news0.html"}
    assert files("after=2030") == []
    ask = _run(
        "ask",
        *lib,
        "2025年上海人工智能公司营收怎样？",
        "--llm",
        "extractive",
        "--filter",
        "type=txt",
    )
    assert all(Path(h["source"]).name == "note.txt" for h in ask["hits"])
    assert "searched only documents with type txt" in ask["notes"]
