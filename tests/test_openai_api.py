"""The OpenAI-compatible API (/v1) and streaming on /api/ask, through real clients: the `openai`
package, LangChain's ChatOpenAI, curl -N and httpx, against `docqa serve` in its own process."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient

from ui.server import build_app
from ui.service import DocqaService

REVENUE = "MiniMax 2025年全年总收入是多少？"
REFERENCE_KEYS = {"doc_id", "title", "source", "date", "page", "quote", "start", "end", "verified"}


def sse_events(lines: Iterator[str]) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body."""
    out, name, data = [], "message", []
    for line in lines:
        if line == "":
            if data:
                out.append((name, "\n".join(data)))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        out.append((name, "\n".join(data)))
    return out


def test_the_openai_client_lists_libraries_and_gets_cited_answers(live_server: str) -> None:
    client = openai.OpenAI(base_url=live_server + "/v1", api_key="unused", max_retries=0)
    assert "docqa:default" in [m.id for m in client.models.list()]
    assert client.models.retrieve("docqa:default").id == "docqa:default"

    reply = client.chat.completions.create(
        model="docqa:default", messages=[{"role": "user", "content": REVENUE}]
    )
    message = reply.choices[0].message
    assert reply.object == "chat.completion" and reply.choices[0].finish_reason == "stop"
    assert "[1]" in (message.content or "") and "7903.8" in (message.content or "")
    extra = message.model_extra or {}
    assert extra["refused"] is False and extra["engine"] == "extractive"
    refs = extra["references"]
    assert refs and set(refs[0]) >= REFERENCE_KEYS and refs[0]["verified"] is True
    assert refs[0]["n"] == 1 and refs[0]["quote"] in (message.content or "")

    # streamed: chat.completion.chunk frames whose content adds up to the same checked answer;
    # the references come with the last chunk
    chunks = list(
        client.chat.completions.create(
            model="docqa", messages=[{"role": "user", "content": REVENUE}], stream=True
        )
    )
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1].model_extra or {}
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert text == message.content == last["answer"]
    assert [r["quote"] for r in last["references"]] == [r["quote"] for r in refs]


def test_a_question_the_documents_do_not_answer_is_a_refusal_field(live_server: str) -> None:
    client = openai.OpenAI(base_url=live_server + "/v1", api_key="unused", max_retries=0)
    for stream in (False, True):
        got = client.chat.completions.create(
            model="docqa:default",
            messages=[{"role": "user", "content": "MiniMax的CEO年薪是多少？"}],
            stream=stream,
        )
        if stream:
            chunks = list(got)  # type: ignore[arg-type]
            text = "".join(c.choices[0].delta.content or "" for c in chunks)
            extra = chunks[-1].model_extra or {}
        else:
            text = got.choices[0].message.content or ""  # type: ignore[union-attr]
            extra = got.choices[0].message.model_extra or {}  # type: ignore[union-attr]
        assert extra["refused"] is True and extra["references"] == []
        assert "NOT_FOUND" not in text and text == extra.get("answer", text)


def test_openai_errors_are_openai_error_objects(live_server: str) -> None:
    client = openai.OpenAI(base_url=live_server + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": REVENUE}]
        )
    assert missing.value.code == "not_found" and "GET /v1/models" in missing.value.message
    with pytest.raises(openai.BadRequestError) as last:
        client.chat.completions.create(
            model="docqa", messages=[{"role": "assistant", "content": "hello"}]
        )
    assert "last message must be the user's question" in last.value.message
    with pytest.raises(openai.BadRequestError) as long:
        client.chat.completions.create(
            model="docqa", messages=[{"role": "user", "content": "问" * 10_000}]
        )
    assert long.value.code is None and "question" in long.value.message
    r = httpx.post(live_server + "/v1/chat/completions", json={"model": "docqa"}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]["param"] == "messages"
    r = httpx.get(live_server + "/v1/embeddings", timeout=30)
    assert r.status_code == 404 and r.json()["error"]["type"] == "invalid_request_error"


def test_langchain_chatopenai_talks_to_docqa(live_server: str) -> None:
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        base_url=live_server + "/v1", api_key="unused", model="docqa:default", max_retries=0
    )
    reply = llm.invoke(REVENUE)
    assert "[1]" in str(reply.content)
    streamed = "".join(str(c.content) for c in llm.stream(REVENUE))
    assert streamed == reply.content


def test_curl_sees_raw_sse_frames_and_done(live_server: str) -> None:
    body = json.dumps(
        {"model": "docqa", "stream": True, "messages": [{"role": "user", "content": REVENUE}]}
    )
    out = subprocess.run(
        [
            "curl",
            "-sN",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            live_server + "/v1/chat/completions",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    frames = [d for _, d in sse_events(iter(out.splitlines()))]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[-1]["references"] and chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_api_ask_streams_tokens_then_the_answer_object(live_server: str) -> None:
    whole = httpx.post(live_server + "/api/ask", json={"question": REVENUE}, timeout=120).json()
    for how in (
        {"json": {"question": REVENUE, "stream": True}},
        {"json": {"question": REVENUE}, "headers": {"Accept": "text/event-stream"}},
    ):
        with httpx.stream("POST", live_server + "/api/ask", timeout=120, **how) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            events = sse_events(r.iter_lines())
        names = [n for n, _ in events]
        assert names[-1] == "answer" and set(names[:-1]) == {"token"}
        final = json.loads(events[-1][1])
        assert final["answer"] == whole["answer"] and final["citations"] == whole["citations"]
    # an error before the stream starts is an HTTP error, not an event
    r = httpx.post(
        live_server + "/api/ask", json={"question": REVENUE, "stream": True, "library": "nope"}
    )
    assert r.status_code == 404 and "nope" in r.json()["error"]


@pytest.fixture
def token_client(tmp_path: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    with TestClient(build_app(DocqaService(index, llm="extractive"), token="s3cret")) as c:
        yield c


def test_the_api_key_is_the_servers_token(token_client: TestClient) -> None:
    wrong = openai.OpenAI(
        base_url="http://testserver/v1", api_key="nope", http_client=token_client, max_retries=0
    )
    with pytest.raises(openai.AuthenticationError) as denied:
        wrong.models.list()
    assert denied.value.code == "invalid_api_key" and "token" in denied.value.message
    right = openai.OpenAI(
        base_url="http://testserver/v1", api_key="s3cret", http_client=token_client, max_retries=0
    )
    assert [m.id for m in right.models.list()] == ["docqa:default"]


def test_a_client_that_goes_away_stops_the_local_model(
    tmp_path: Path, demo_index: Path, smollm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.server import spawn

    monkeypatch.setenv("DOCQA_LOCAL_MODEL", str(smollm_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    log = tmp_path / "serve.log"
    proc, url = spawn(index, tmp_path, "local", log_path=log)
    try:
        body = {"question": "What was MiniMax's net loss in 2025?", "stream": True}
        with httpx.stream("POST", url + "/api/ask", json=body, timeout=300) as r:
            for line in r.iter_lines():
                if line.startswith("event: token"):
                    break  # the first token: hang up
        deadline = time.time() + 60
        while "client went away" not in log.read_text() and time.time() < deadline:
            time.sleep(0.5)
        assert "the answer was stopped" in log.read_text()
        # the server goes on answering
        r2 = httpx.post(url + "/api/ask", json={"question": REVENUE, "llm": "extractive"})
        assert r2.status_code == 200 and r2.json()["citations"]
    finally:
        proc.terminate()
        proc.wait(10)


def test_cors_lets_only_the_named_origins_call_the_api(
    tmp_path: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.server import check_bind

    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    app = build_app(
        DocqaService(index, llm="extractive"),
        token="s3cret",
        cors_origins=("http://localhost:3210",),
    )
    with TestClient(app) as c:
        pre = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        }
        ok = c.options("/v1/chat/completions", headers={"Origin": "http://localhost:3210", **pre})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "http://localhost:3210"
        other = c.options("/v1/chat/completions", headers={"Origin": "https://evil.example", **pre})
        assert "access-control-allow-origin" not in other.headers
        # the request itself still needs the token
        r = c.get("/v1/models", headers={"Origin": "http://localhost:3210"})
        assert r.status_code == 401
        r = c.get(
            "/v1/models",
            headers={"Origin": "http://localhost:3210", "Authorization": "Bearer s3cret"},
        )
        assert (
            r.status_code == 200
            and r.headers["access-control-allow-origin"] == "http://localhost:3210"
        )
    with pytest.raises(ValueError, match="any web page"):
        check_bind("127.0.0.1", None, ("*",))


def test_a_streamed_draft_is_corrected_only_by_what_the_check_added() -> None:
    """The streamed draft `...billion [1].` is checked as `...billion[1].` followed by the
    source's words: the client gets only those words, not the whole answer again."""
    from qa.records import Answer
    from ui.openai_api import correction

    checked = "Zhipu's valuation was HK$51.8 billion[1].\n\n> In the source: 518亿港元"
    a = Answer("What was Zhipu's valuation?", "en", checked, False, "local", (), (), "q")
    assert correction("Zhipu's valuation was HK$51.8 billion [1].", a) == (
        "\n\n> In the source: 518亿港元"
    )
    assert correction("Zhipu's valuation was HK$51.8 billion[1].", a) == (
        "\n\n> In the source: 518亿港元"
    )
    # a draft the check changed is followed by the whole checked answer, marked
    other = correction("Zhipu's valuation was HK$99 billion [1].", a)
    assert other.startswith("\n\n---\n") and other.endswith(checked)
    same = Answer("q", "en", "Yes [1].", False, "local", (), (), "q")
    assert correction("Yes [1].  ", same) == ""
