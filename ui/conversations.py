"""Conversations that last: each library's chats, their messages (the question and the whole
answer object: text, citations, engine, timings, notes) and the feedback given on them, in SQLite
(`conversations.sqlite` beside the library, WAL).

Every call opens its own short connection, so threads of one server, several servers and CLIs on
one home share the file. A message is appended in one `BEGIN IMMEDIATE` transaction that numbers it
after the last one, so two writers on one conversation lose nothing and never share a number, and
a process killed mid-write leaves the file as it was before that transaction.

Exports: Markdown (each citation a footnote: title, source, quote) and JSON; feedback as JSON
lines a user can turn into an evaluation set (`docqa feedback export`).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError
from qa.conversation import Turn
from ui.sqlite import Connection, create

MAX_TITLE_CHARS = 120
MAX_COMMENT_CHARS = 2000
MAX_TURNS_USED = 20  # the most recent turns a follow-up leans on
_ID = re.compile(r"^[0-9a-f]{12}$")


class ConversationError(DocqaError, ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass
class Message:
    seq: int
    question: str
    answer: dict[str, Any]  # the `docqa ask --json` object
    created: float
    feedback: str | None = None  # "up" | "down"
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "question": self.question,
            "answer": self.answer,
            "created": round(self.created, 3),
            "feedback": self.feedback,
            "comment": self.comment,
        }


@dataclass
class Conversation:
    id: str
    library: str
    title: str
    created: float
    updated: float
    count: int = 0
    messages: list[Message] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "library": self.library,
            "title": self.title,
            "created": round(self.created, 3),
            "updated": round(self.updated, 3),
            "messages": self.count,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "messages": [m.to_json() for m in self.messages]}

    def turns(self) -> list[Turn]:
        return [Turn(m.question, m.answer.get("answer", "")) for m in self.messages][
            -MAX_TURNS_USED:
        ]


def title_of(question: str) -> str:
    """A new conversation's title: its first question, on one line, cut short."""
    one = " ".join(question.split())
    return one if len(one) <= 60 else one[:59] + "…"


class ConversationStore:
    """One library's conversations in one SQLite file."""

    def __init__(self, path: Path, library: str) -> None:
        self.path = path  # created with the first conversation
        self.library = library
        self._ready = False

    def _db(self) -> Connection:
        # set up once; again if the library was deleted and made anew by another process
        if not self._ready or not self.path.exists():
            create(
                self.path,
                "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, library TEXT, "
                "title TEXT, created REAL, updated REAL);"
                "CREATE TABLE IF NOT EXISTS messages (conversation TEXT NOT NULL, seq INTEGER "
                "NOT NULL, question TEXT, answer TEXT, created REAL, feedback TEXT, comment "
                "TEXT, feedback_at REAL, PRIMARY KEY (conversation, seq));",
            )
            self._ready = True
        return Connection(self.path)

    # -- conversations ---------------------------------------------------------------------
    def create(self, title: str | None = None) -> Conversation:
        now = time.time()
        conv = Conversation(uuid.uuid4().hex[:12], self.library, _title(title or ""), now, now)
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations (id, library, title, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                (conv.id, conv.library, conv.title, conv.created, conv.updated),
            )
        return conv

    def recent(self, limit: int = 200) -> list[Conversation]:
        if not self.path.exists():
            return []
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.library, c.title, c.created, c.updated, "
                "(SELECT COUNT(*) FROM messages m WHERE m.conversation = c.id) "
                "FROM conversations c ORDER BY c.updated DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Conversation(*r) for r in rows]

    def get(self, conv_id: str) -> Conversation:
        if not _ID.match(conv_id) or not self.path.exists():
            raise _missing(conv_id)
        with self._db() as db:
            row = db.execute(
                "SELECT id, library, title, created, updated FROM conversations WHERE id = ?",
                (conv_id,),
            ).fetchone()
            if row is None:
                raise _missing(conv_id)
            msgs = db.execute(
                "SELECT seq, question, answer, created, feedback, comment FROM messages "
                "WHERE conversation = ? ORDER BY seq",
                (conv_id,),
            ).fetchall()
        conv = Conversation(*row)
        conv.messages = [Message(s, q, json.loads(a), c, f, m) for s, q, a, c, f, m in msgs]
        conv.count = len(conv.messages)
        return conv

    def rename(self, conv_id: str, title: str) -> Conversation:
        if not title.strip():
            raise ConversationError("the title is empty")
        self.get(conv_id)
        with self._db() as db:
            db.execute(
                "UPDATE conversations SET title = ?, updated = ? WHERE id = ?",
                (_title(title), time.time(), conv_id),
            )
        return self.get(conv_id)

    def delete(self, conv_id: str) -> Conversation:
        conv = self.get(conv_id)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM messages WHERE conversation = ?", (conv_id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (conv_id,))
            db.execute("COMMIT")
        return conv

    # -- messages --------------------------------------------------------------------------
    def append(self, conv_id: str, question: str, answer: dict[str, Any]) -> Message:
        """Add a question and its answer object as the conversation's next message."""
        now = time.time()
        body = json.dumps(answer, ensure_ascii=False)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT title FROM conversations WHERE id = ?", (conv_id,)
                ).fetchone()
                if row is None:
                    raise _missing(conv_id)
                (seq,) = db.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation = ?",
                    (conv_id,),
                ).fetchone()
                db.execute(
                    "INSERT INTO messages (conversation, seq, question, answer, created) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (conv_id, seq, question, body, now),
                )
                title = row[0] or title_of(question)
                db.execute(
                    "UPDATE conversations SET updated = ?, title = ? WHERE id = ?",
                    (now, title, conv_id),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Message(seq, question, answer, now)

    def feedback(
        self, conv_id: str, seq: int, rating: str | None, comment: str | None = None
    ) -> Message:
        """Thumbs up or down (or None to take it back) and an optional comment on one answer."""
        if rating not in ("up", "down", None):
            raise ConversationError(f"feedback is 'up' or 'down', not {rating!r}")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise ConversationError(
                f"the comment is {len(comment)} characters; the limit is {MAX_COMMENT_CHARS}"
            )
        self.get(conv_id)
        with self._db() as db:
            done = db.execute(
                "UPDATE messages SET feedback = ?, comment = ?, feedback_at = ? "
                "WHERE conversation = ? AND seq = ?",
                (rating, comment or None, time.time(), conv_id, seq),
            ).rowcount
        if not done:
            raise ConversationError(f"conversation {conv_id!r} has no message {seq}", 404)
        return next(m for m in self.get(conv_id).messages if m.seq == seq)

    def feedback_rows(self, rating: str | None = None) -> list[dict[str, Any]]:
        """Every answer with feedback (or only `rating`), oldest first: one eval-set row each."""
        if not self.path.exists():
            return []
        query = (
            "SELECT m.conversation, m.seq, m.question, m.answer, m.feedback, m.comment, "
            "m.feedback_at FROM messages m WHERE m.feedback IS NOT NULL"
        )
        args: tuple[Any, ...] = ()
        if rating:
            query += " AND m.feedback = ?"
            args = (rating,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY m.feedback_at", args).fetchall()
        out = []
        for conv, seq, question, answer, rating_, comment, at in rows:
            a = json.loads(answer)
            out.append(
                {
                    "id": f"{conv}-{seq}",
                    "question": question,
                    "query": a.get("query", question),
                    "answer_given": a.get("answer", ""),
                    "refused": a.get("refused"),
                    "engine": a.get("engine"),
                    "citations": [
                        {k: c.get(k) for k in ("doc_id", "title", "quote", "start", "end")}
                        for c in a.get("citations", [])
                    ],
                    "feedback": rating_,
                    "comment": comment,
                    "library": self.library,
                    "conversation": conv,
                    "at": round(at, 3),
                }
            )
        return out


def _title(title: str) -> str:
    one = " ".join(title.split())
    if len(one) > MAX_TITLE_CHARS:
        raise ConversationError(
            f"the title is {len(one)} characters; the limit is {MAX_TITLE_CHARS}"
        )
    return one


def _missing(conv_id: str) -> ConversationError:
    return ConversationError(f"no conversation {conv_id!r}", 404)


def to_markdown(conv: Conversation) -> str:
    """The conversation as Markdown, each citation a footnote (title, source, quote)."""
    lines = [f"# {conv.title or 'Conversation'}", ""]
    lines.append(
        f"docqa · library `{conv.library}` · {time.strftime('%Y-%m-%d %H:%M', time.localtime(conv.created))}"
    )
    notes: list[str] = []
    for m in conv.messages:
        a = m.answer
        lines += ["", f"**Q:** {m.question}", ""]
        if a.get("query") and a["query"].strip() != m.question.strip():
            lines += [f"_understood as: {a['query']}_", ""]
        text = a.get("answer", "")
        sources = {h.get("doc_id"): h for h in a.get("hits", [])}
        for c in a.get("citations", []):
            label = f"{m.seq}-{c['n']}"
            text = text.replace(f"[{c['n']}]", f"[^{label}]")
            hit = sources.get(c.get("doc_id"), {})
            where = ", ".join(
                str(x)
                for x in (
                    c.get("title") or c.get("doc_id"),
                    hit.get("publisher"),
                    Path(hit["source"]).name if hit.get("source") else None,
                    hit.get("date"),
                    f"p. {c['page']}" if c.get("page") else None,
                )
                if x
            )
            mark = "verified" if c.get("verified") else "not verified"
            notes.append(f"[^{label}]: {where} ({mark}): “{c.get('quote', '')}”")
        lines.append(f"**A:** {text}" + (" _(not in the documents)_" if a.get("refused") else ""))
        if m.feedback:
            lines += ["", f"_feedback: {m.feedback}{': ' + m.comment if m.comment else ''}_"]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
