"""The HTTP API and the service behind it, on the real demo index (e5-small, extractive engine)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ASK_JSON_KEYS, post_json
from fastapi.testclient import TestClient

from ui.cli import cli
from ui.server import build_app
from ui.service import DocqaService, Upload, safe_filename

XSS_DOC = (
    "安全测试公司年报\n\n"
    "安全测试公司2025年营业收入为12.5亿元，同比增长30%。<script>window.__pwned=1</script>\n"
    '公司总部位于杭州，员工人数为3200人。<img src=x onerror="window.__pwned=2">\n'
    '详情见<a href="javascript:window.__pwned=3">官网链接</a>。\n'
)


@pytest.fixture
def service(tmp_path: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch) -> DocqaService:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    return DocqaService(index, llm="extractive")


@pytest.fixture
def client(service: DocqaService) -> Iterator[TestClient]:
    with TestClient(build_app(service)) as c:
        yield c


def test_health_and_openapi(client: TestClient) -> None:
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and h["documents"] == 2 and h["engine"] == "extractive"
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/ask", "/api/search", "/api/translate", "/api/documents", "/api/health"):
        assert p in paths
    assert {"get", "post"} <= set(paths["/api/documents"])
    assert "delete" in paths["/api/documents/{doc_id}"]


def test_ask_mirrors_the_cli_json(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "MiniMax 2025年全年总收入是多少？"})
    assert r.status_code == 200
    a = r.json()
    assert set(a) >= ASK_JSON_KEYS
    assert a["language"] == "zh" and not a["refused"] and "7903.8万美元" in a["answer"]
    c = a["citations"][0]
    assert c["verified"] and set(c) >= {"n", "chunk_id", "doc_id", "title", "quote", "start", "end"}
    doc = client.get(f"/api/documents/{c['doc_id']}").json()
    assert doc["text"][c["start"] : c["end"]] == c["quote"]


def test_follow_up_uses_the_history(client: TestClient) -> None:
    first = "MiniMax 2025年全年总收入是多少？"
    a1 = client.post("/api/ask", json={"question": first}).json()
    a2 = client.post(
        "/api/ask",
        json={"question": "那2024年呢？", "history": [{"question": first, "answer": a1["answer"]}]},
    ).json()
    assert "MiniMax" in a2["query"] and "2024" in a2["query"]


def test_errors_are_json_with_status_codes(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "   "})
    assert r.status_code == 400 and "empty" in r.json()["error"]
    r = client.post("/api/ask", json={"question": "长" * 10_000})
    assert r.status_code == 422 and "question" in r.json()["error"]
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["status"] == 422
    r = client.post("/api/search", json={"query": "收入", "k": 0})
    assert r.status_code == 422 and "k" in r.json()["error"]
    assert client.get("/api/documents/nope").status_code == 404
    assert client.delete("/api/documents/nope").json()["error"].startswith("no document")
    assert client.get("/api/nothing-here").status_code == 404
    r = client.post("/api/translate", json={})
    assert r.status_code == 400 and "exactly one" in r.json()["error"]


def test_search_and_translate(client: TestClient) -> None:
    s = client.post("/api/search", json={"query": "智谱 上市", "k": 3}).json()
    assert len(s["hits"]) == 3 and s["language"] == "zh"
    t = client.post(
        "/api/translate", json={"text": "MiniMax2025年全年实现总收入7903.8万美元"}
    ).json()
    tr = t["translations"][0]
    assert tr["kind"] == "gloss" and "US$79.038 million" in tr["text"]
    doc_id = client.get("/api/documents").json()["documents"][0]["id"]
    t = client.post("/api/translate", json={"doc_id": doc_id, "key": 2}).json()
    assert len(t["translations"]) == 2


def test_upload_list_open_delete(client: TestClient, service: DocqaService) -> None:
    files = [
        ("files", ("../../evil/安全 报告.txt", XSS_DOC.encode(), "text/plain")),
        ("files", ("notes.exe", b"MZ\x90\x00", "application/octet-stream")),
        ("files", ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf")),
        ("files", ("empty.md", b"", "text/markdown")),
    ]
    r = client.post("/api/documents?wait=true", files=files)
    assert r.status_code == 200
    body = r.json()
    assert body["new"] == ["../../evil/安全 报告.txt"]  # the name sent, never a server path
    stored = next(f["stored_as"] for f in body["files"] if f["status"] == "new")
    saved = service.upload_dir.resolve() / stored
    assert saved.is_file() and saved.name == "安全 报告.txt"
    assert len(body["failed"]) == 3  # each bad file once, by the name sent
    assert not any(str(service.upload_dir.resolve()) in f["path"] for f in body["failed"])
    errors = {f["path"].split("/")[-1]: f["error"] for f in body["failed"]}
    assert "unsupported format '.exe'" in errors["notes.exe"]
    assert "empty" in errors["empty.md"]
    assert "broken.pdf" in errors and not (service.upload_dir / "broken.pdf").exists()
    docs = client.get("/api/documents").json()["documents"]
    assert len(docs) == 3
    new = next(d for d in docs if d["title"] == "安全测试公司年报")
    a = client.post("/api/ask", json={"question": "安全测试公司2025年营业收入是多少？"}).json()
    assert "12.5亿元" in a["answer"] and a["citations"][0]["doc_id"] == new["id"]
    assert client.delete(f"/api/documents/{new['id']}").json()["removed"]["id"] == new["id"]
    assert len(client.get("/api/documents").json()["documents"]) == 2
    assert not saved.exists()


def test_a_wholly_bad_upload_is_422_and_changes_nothing(client: TestClient) -> None:
    before = client.get("/api/documents").json()
    r = client.post("/api/documents?wait=true", files=[("files", ("x.bin", b"\x00\x01", "x/y"))])
    assert r.status_code == 422 and "unsupported format" in r.json()["failed"][0]["error"]
    assert client.get("/api/documents").json() == before


def test_request_size_limit(service: DocqaService) -> None:
    with TestClient(build_app(service, max_request_mb=1)) as c:
        r = c.post("/api/documents", files=[("files", ("big.txt", b"a" * (2 << 20), "text/plain"))])
        assert r.status_code == 413 and "1 MB" in r.json()["error"]
    with TestClient(build_app(service)) as c:
        many = [("files", (f"f{i}.txt", b"x", "text/plain")) for i in range(2000)]
        r = c.post("/api/documents", files=many)
        assert r.status_code == 413 and "the limit is 20" in r.json()["error"]
        r = c.post("/api/documents", files=many[:21])
        assert r.status_code == 413 and "21 files" in r.json()["error"]


def test_an_id_with_a_slash_is_no_document(client: TestClient) -> None:
    for path in ("/api/documents/a%2Fb", "/api/libraries/x%2Fy", "/api/jobs/a%2F.."):
        r = client.get(path) if "libraries" not in path else client.delete(path)
        assert r.status_code == 404, (path, r.status_code)
    assert client.put("/api/documents/abc").status_code == 405  # a real route, another method


def test_token_guards_ui_and_api(service: DocqaService) -> None:
    with TestClient(build_app(service, token="s3cret"), follow_redirects=False) as c:
        assert c.get("/api/health").status_code == 200
        r = c.post("/api/search", json={"query": "收入"})
        assert r.status_code == 401 and "DOCQA_TOKEN" in r.json()["error"]
        assert c.get("/").status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        assert c.post("/api/search", json={"query": "收入"}, headers=auth).status_code == 200
        assert (
            c.post(
                "/api/search", json={"query": "收入"}, headers={"Authorization": "Bearer x"}
            ).status_code
            == 401
        )
        r = c.get("/?token=s3cret")
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert "docqa_token=s3cret" in r.headers["set-cookie"]
        c.cookies.set("docqa_token", "s3cret")
        assert c.get("/").status_code == 200


def test_serve_refuses_a_public_address_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCQA_TOKEN", raising=False)
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "DOCQA_TOKEN" in r.output


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\win.ini") == "win.ini"
    assert safe_filename(".bashrc") == "bashrc"
    assert safe_filename("a/b/<script>.html") == "script.html"
    assert safe_filename("报告 2025.PDF") == "报告 2025.PDF"
    assert safe_filename("\x00\x01") == "upload"


def test_queries_during_uploads_see_the_old_or_the_new_index(service: DocqaService) -> None:
    """Readers never see a half-written index: every answer comes from 2 or 3 documents."""
    service.open()
    stop = threading.Event()
    seen: set[int] = set()
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                service.search("营业收入", 3)
                seen.add(len(service.snapshot.docs))
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's failure
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        result = service.upload([Upload("安全.txt", XSS_DOC.encode())])
        service.delete(
            next(d["id"] for d in service.documents() if d["title"] == "安全测试公司年报")
        )
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors and len(result.report.new) == 1
    assert seen <= {2, 3}


def test_twenty_concurrent_asks_all_succeed(live_server: str) -> None:
    questions = ["MiniMax 2025年全年总收入是多少？", "What was MiniMax's net loss in 2025?"] * 10

    def ask(q: str) -> dict:
        return post_json(live_server + "/api/ask", {"question": q})

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, questions))
    assert len(answers) == 20
    assert all(a["citations"] and not a["refused"] for a in answers)


def test_first_start_builds_the_demo_index_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    monkeypatch.setenv("DOCQA_EMBEDDER", "e5-small")
    for var in ("DOCQA_MODELS", "DOCQA_LOCAL_MODEL", "DOCQA_LLM"):
        monkeypatch.delenv(var, raising=False)
    service = DocqaService(tmp_path / "fresh", llm="auto", warm_up=False)
    notes = service.open()
    assert any("built one from the demo corpus (2 articles" in n for n in notes)
    # no local model in this DOCQA_HOME: auto answers with the extractive engine
    assert service.engine_name == "extractive" and service.health()["documents"] == 2


def test_long_upload_names_are_shortened_and_every_file_gets_a_result(
    client: TestClient, service: DocqaService
) -> None:
    long_name = "很长的文件名" * 14 + ".html"  # 84 Chinese characters: 257 bytes
    assert len(long_name.encode()) > 255
    html = (
        "<html><head><title>长名字公司年度报告</title></head><body><article>"
        "<p>长名字公司2025年营业收入为9.9亿元，同比增长12%。</p></article></body></html>"
    )
    files = [
        ("files", (long_name, html.encode(), "text/html")),
        (
            "files",
            (
                "short.txt",
                "短名字公司年度报告\n\n短名字公司2025年利润为1.1亿元。\n".encode(),
                "text/plain",
            ),
        ),
        ("files", ("tool.exe", b"MZ", "application/octet-stream")),
    ]
    r = client.post("/api/documents?wait=true", files=files)
    assert r.status_code == 200, r.text
    results = r.json()["files"]
    assert [f["status"] for f in results] == ["new", "new", "failed"]
    assert results[0]["name"] == long_name and len(results[0]["stored_as"].encode()) <= 180
    assert "unsupported format" in results[2]["error"]
    docs = {d["title"]: d for d in client.get("/api/documents").json()["documents"]}
    assert docs["长名字公司年度报告"]["file"] == long_name
    assert "短名字公司年度报告" in docs
    assert safe_filename(long_name) != safe_filename("很长的文件名" * 15 + ".html")


def test_a_file_over_the_size_limit_is_413(service: DocqaService) -> None:
    service.max_file_bytes = 1024
    with TestClient(build_app(service)) as c:
        r = c.post(
            "/api/documents?wait=true", files=[("files", ("big.txt", b"a" * 4096, "text/plain"))]
        )
        assert r.status_code == 413 and "the limit is" in r.json()["files"][0]["error"]


def test_a_chunked_body_over_the_limit_is_413(service: DocqaService) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(3):
            yield b"x" * (1 << 20)

    with TestClient(build_app(service, max_request_mb=1)) as c:
        r = c.post(
            "/api/documents",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=zz"},
        )
        assert r.status_code == 413 and r.json() == {
            "error": "the request is larger than the 1 MB limit",
            "status": 413,
        }


def test_unknown_routes_answer_the_documented_json(client: TestClient) -> None:
    r = client.get("/api/ask")
    assert r.status_code == 405 and r.json() == {
        "error": "GET is not allowed on /api/ask",
        "status": 405,
    }
    r = client.post("/api/nope/deeper", json={})
    assert r.status_code == 404 and r.json()["status"] == 404 and "/docs" in r.json()["error"]
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.json() == {
        "error": "no such page or endpoint: /no-such-page",
        "status": 404,
    }


def test_the_token_redirect_never_leaves_the_server(service: DocqaService) -> None:
    with TestClient(build_app(service, token="s3cret"), follow_redirects=False) as c:
        for path in ("//evil.example/x", "/\\evil.example/x", "///evil.example/x"):
            r = c.get(f"{path}?token=s3cret")
            assert r.status_code == 303
            loc = r.headers["location"]
            assert loc.startswith("/") and not loc.startswith(("//", "/\\")), loc


def test_a_refusal_is_marked_in_text_not_an_emoji(service: DocqaService) -> None:
    from ui.render import answer_markdown

    a = service.ask("火星基地2025年的人口是多少？")
    assert a.refused
    md = answer_markdown(a, 0)
    assert "🚫" not in md and '<span class="docqa-refused">未找到答案</span>' in md


def test_an_upload_is_a_background_job_and_asks_go_on(client: TestClient) -> None:
    paras = [
        f"北辰制药公司第{i}号生产线2025年产量为{i * 3 + 1}万箱，同比增长{i % 9 + 1}%。"
        f"该生产线位于第{i}号厂区，员工人数为{i * 11 + 7}人，主要生产第{i}类药品。"
        for i in range(120)
    ]
    text = "北辰制药公司年度生产报告\n\n" + "\n".join(paras) + "\n"
    r = client.post("/api/documents", files=[("files", ("北辰.txt", text.encode(), "text/plain"))])
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["job"]["state"] in ("queued", "running") and body["job"]["files"] == ["北辰.txt"]
    url = body["status_url"]
    assert r.headers["location"] == url
    a = client.post("/api/ask", json={"question": "MiniMax 2025年全年总收入是多少？"})
    assert a.status_code == 200 and "7903.8万美元" in a.json()["answer"]
    deadline = time.time() + 300
    while (job := client.get(url).json())["state"] in ("queued", "running"):
        assert time.time() < deadline
        assert job["progress"]["total"] == 1
        time.sleep(0.2)
    assert job["state"] == "done" and job["status"] == 200
    assert job["result"]["files"][0]["status"] == "new"
    a = client.post("/api/ask", json={"question": "北辰制药公司第7号生产线2025年产量是多少？"})
    assert "22万箱" in a.json()["answer"]
    assert client.get("/api/jobs/nope").status_code == 404
    r = client.post(
        "/api/documents", files=[("files", (f"f{i}.txt", b"x", "text/plain")) for i in range(21)]
    )
    assert r.status_code == 413  # refused at once, not as a job


def test_libraries_over_the_api(client: TestClient, service: DocqaService) -> None:
    """Libraries are created, listed, written, asked and deleted per request; asking stays
    within one library and the default one is untouched."""
    assert client.get("/api/libraries").json()["libraries"] == [
        {"name": "default", "default": True}
    ]
    r = client.post("/api/libraries", json={"name": "security"})
    assert r.status_code == 201 and r.json()["created"]
    assert client.post("/api/libraries", json={"name": "security"}).status_code == 200
    bad = client.post("/api/libraries", json={"name": "../x"})
    assert bad.status_code == 400 and "library name" in bad.json()["error"]
    assert client.get("/api/documents?library=security").json()["documents"] == []

    # an upload into a library that does not exist yet creates it; its job names it
    up = client.post(
        "/api/documents?library=reports",
        files=[("files", ("report.txt", XSS_DOC.encode(), "text/plain"))],
    )
    assert up.status_code == 202 and up.json()["job"]["library"] == "reports"
    job = service.jobs.wait(service.jobs.get(up.json()["job"]["id"]), timeout=120)
    assert job.state == "done", job.error
    names = [x["name"] for x in client.get("/api/libraries").json()["libraries"]]
    assert names == ["default", "reports", "security"]

    q = "安全测试公司2025年营业收入是多少？"
    a = client.post("/api/ask", json={"question": q, "library": "reports"}).json()
    assert "12.5亿元" in a["answer"] and a["citations"][0]["verified"]
    assert client.post("/api/ask", json={"question": q}).json()["refused"]
    assert client.post("/api/ask", json={"question": q, "library": "security"}).json()["refused"]
    hits = client.post("/api/search", json={"query": "营业收入", "library": "reports"}).json()
    assert {h["title"] for h in hits["hits"]} == {"安全测试公司年报"}
    h = client.get("/api/health?library=reports").json()
    assert h["library"] == "reports" and h["documents"] == 1
    missing = client.post("/api/ask", json={"question": q, "library": "nope"})
    assert missing.status_code == 404 and "no library 'nope'" in missing.json()["error"]

    assert client.delete("/api/libraries/default").status_code == 409
    assert client.delete("/api/libraries/reports").json() == {"deleted": "reports"}
    assert client.get("/api/documents?library=reports").status_code == 404
    assert len(client.get("/api/documents").json()["documents"]) == 2
    assert client.delete("/api/libraries/reports").status_code == 404
