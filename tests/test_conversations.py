"""Stored conversations and feedback: the SQLite store under real concurrent processes and kill -9,
the API (`conversation` on /api/ask, list/open/rename/delete/export, feedback) and the CLI."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ui.cli import cli
from ui.conversations import ConversationError, ConversationStore, to_markdown
from ui.server import build_app
from ui.service import DocqaService

ROOT = Path(__file__).resolve().parents[1]
ANSWER = {"answer": "收入7903.8万美元。[1]", "refused": False, "citations": [], "hits": []}

WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[4])
    from pathlib import Path
    from ui.conversations import ConversationStore
    store = ConversationStore(Path(sys.argv[1]), "default")
    for i in range(int(sys.argv[3])):
        store.append(sys.argv[2], f"{sys.argv[5]} question {i}", {"answer": "x" * 2000, "i": i})
        print(i, flush=True)
    """
)


def _writer(db: Path, conv: str, n: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), conv, str(n), str(ROOT), tag],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_two_processes_append_to_one_conversation_and_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "conversations.sqlite"
    store = ConversationStore(db, "default")
    conv = store.create("shared")
    writers = [_writer(db, conv.id, 40, tag) for tag in ("a", "b")]
    for w in writers:
        assert w.wait(120) == 0
    got = store.get(conv.id)
    assert [m.seq for m in got.messages] == list(range(1, 81))
    for tag in ("a", "b"):
        mine = [m.question for m in got.messages if m.question.startswith(tag)]
        assert mine == [f"{tag} question {i}" for i in range(40)]  # each writer's order kept


def test_kill_9_mid_write_leaves_every_committed_message(tmp_path: Path) -> None:
    db = tmp_path / "conversations.sqlite"
    store = ConversationStore(db, "default")
    conv = store.create("killed")
    w = _writer(db, conv.id, 100_000, "k")
    assert w.stdout is not None
    seen = [int(w.stdout.readline()) for _ in range(50)]  # 50 committed, more under way
    w.send_signal(signal.SIGKILL)
    w.wait(30)
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    got = store.get(conv.id)
    assert len(got.messages) >= len(seen)
    assert [m.seq for m in got.messages] == list(range(1, len(got.messages) + 1))
    assert [m.answer["i"] for m in got.messages] == list(range(len(got.messages)))
    store.append(conv.id, "after the crash", ANSWER)  # the store takes writes again
    assert store.get(conv.id).messages[-1].question == "after the crash"


def test_store_errors_are_one_line_and_feedback_round_trips(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite", "default")
    assert store.recent() == []
    with pytest.raises(ConversationError, match="no conversation 'nope'"):
        store.get("nope")
    conv = store.create()
    msg = store.append(conv.id, "MiniMax 2025年全年总收入是多少？", ANSWER)
    assert store.get(conv.id).title == "MiniMax 2025年全年总收入是多少？"  # titled by its question
    with pytest.raises(ConversationError, match="'up' or 'down'"):
        store.feedback(conv.id, msg.seq, "meh")
    with pytest.raises(ConversationError, match="no message 9"):
        store.feedback(conv.id, 9, "up")
    store.feedback(conv.id, msg.seq, "down", "wrong year")
    rows = store.feedback_rows("down")
    assert (
        rows[0]["question"] == "MiniMax 2025年全年总收入是多少？"
        and rows[0]["comment"] == "wrong year"
    )
    assert store.feedback_rows("up") == []
    with pytest.raises(ConversationError, match="title is empty"):
        store.rename(conv.id, "  ")


@pytest.fixture
def client(
    tmp_path: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    with TestClient(build_app(DocqaService(index, llm="extractive"))) as c:
        yield c


def test_api_stores_conversations_that_follow_ups_lean_on(client: TestClient) -> None:
    first = client.post(
        "/api/ask", json={"question": "智谱的估值是多少？", "conversation": "new"}
    ).json()
    conv_id = first["conversation"]["id"]
    assert first["conversation"]["seq"] == 1
    # the stored turns are the history: the follow-up is made standalone from them
    follow = client.post(
        "/api/ask", json={"question": "那MiniMax呢？", "conversation": conv_id}
    ).json()
    assert follow["query"] == "MiniMax的估值是多少？" and follow["conversation"]["seq"] == 2
    assert all("智谱" not in c["quote"] for c in follow["citations"])
    # streamed answers are stored too
    with client.stream(
        "POST",
        "/api/ask",
        json={
            "question": "MiniMax 2025年全年总收入是多少？",
            "conversation": conv_id,
            "stream": True,
        },
    ) as r:
        body = "".join(r.iter_text())
    assert '"seq": 3' in body

    listed = client.get("/api/conversations").json()["conversations"]
    assert listed[0]["id"] == conv_id and listed[0]["messages"] == 3
    assert listed[0]["title"] == "智谱的估值是多少？"
    opened = client.get(f"/api/conversations/{conv_id}").json()
    assert [m["question"] for m in opened["messages"]] == [
        "智谱的估值是多少？",
        "那MiniMax呢？",
        "MiniMax 2025年全年总收入是多少？",
    ]
    assert opened["messages"][2]["answer"]["citations"][0]["verified"] is True

    r = client.put(
        f"/api/conversations/{conv_id}/messages/2/feedback",
        json={"rating": "down", "comment": "not MiniMax's valuation"},
    )
    assert r.status_code == 200 and r.json()["feedback"] == "down"
    assert (
        client.get("/api/feedback?rating=down").json()["feedback"][0]["question"] == "那MiniMax呢？"
    )

    md = client.get(f"/api/conversations/{conv_id}?format=markdown")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert "[^3-1]" in md.text and "\n[^3-1]: " in md.text and "7903.8" in md.text
    assert "feedback: down: not MiniMax's valuation" in md.text
    as_json = client.get(f"/api/conversations/{conv_id}?format=json").json()
    assert len(as_json["messages"]) == 3

    assert (
        client.patch(f"/api/conversations/{conv_id}", json={"title": "估值"}).json()["title"]
        == "估值"
    )
    assert client.delete(f"/api/conversations/{conv_id}").status_code == 200
    missing = client.get(f"/api/conversations/{conv_id}")
    assert missing.status_code == 404 and "no conversation" in missing.json()["error"]
    r = client.post("/api/ask", json={"question": "那呢？", "conversation": "0123456789ab"})
    assert r.status_code == 404


def test_cli_chat_is_stored_resumed_and_exported(
    tmp_path: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    run = CliRunner().invoke
    args = ["--index", str(index), "--llm", "extractive"]
    r = run(cli, ["chat", *args], input="MiniMax 2025年全年总收入是多少？\n")
    assert r.exit_code == 0, r.output
    listed = json.loads(run(cli, ["conversations", "list", "--index", str(index), "--json"]).output)
    conv_id = listed["conversations"][0]["id"]
    assert f"docqa chat --resume {conv_id}" in r.output
    r = run(cli, ["chat", *args, "--resume", conv_id], input="净亏损呢？\n")
    assert r.exit_code == 0 and "understood as: MiniMax 2025年的净亏损是多少？" in r.output
    shown = json.loads(
        run(cli, ["conversations", "show", conv_id, "--index", str(index), "--json"]).output
    )
    assert len(shown["messages"]) == 2
    out = tmp_path / "chat.md"
    r = run(cli, ["conversations", "export", conv_id, "--index", str(index), "--out", str(out)])
    assert r.exit_code == 0 and "[^1-1]: " in out.read_text()
    r = run(cli, ["conversations", "show", "nope", "--index", str(index)])
    assert r.exit_code == 2 and "no conversation 'nope'" in r.output
    store = ConversationStore(index / "conversations.sqlite", "default")
    assert store.path.exists()
    store.feedback(conv_id, 1, "up")
    r = run(cli, ["feedback", "export", "--index", str(index)])
    assert json.loads(r.output.splitlines()[0])["feedback"] == "up"
    assert to_markdown(store.get(conv_id)).startswith("# MiniMax 2025年全年总收入是多少？")
