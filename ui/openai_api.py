"""The OpenAI-compatible API: `GET /v1/models` and `POST /v1/chat/completions`, streamed or not,
so that Open WebUI, Cherry Studio, ChatBox, LobeChat, the `openai` SDK and LangChain's `ChatOpenAI`
can talk to docqa.

- Each library is a model, `docqa:<library>`; plain `docqa` is the server's default library.
- The messages are the conversation: the last one is the question, the user/assistant pairs before
  it the history that follow-ups lean on. System messages are ignored (docqa answers from its
  documents, with its own instructions).
- Document filters are `filters` in the body, as in /api/ask.
- The engine is `engine` in the body (`extra_body={"engine": "local"}` in the SDK); default: the
  server's.
- The content keeps docqa's `[n]` markers. The message (or, streamed, the last chunk) carries
  `references` (each cited sentence: document, title, source, date, page, quote, offsets, verified),
  `refused`, `notes`, `understood_as` (the question made standalone, when it was rewritten) and
  `short` (the concise answer the engine copied from the documents, when it gave one).
- Streamed, the content is the engine's draft as it is written. docqa then checks it against the
  documents; when the checked answer differs from the draft (a claim dropped, the source sentence
  shown instead, a refusal), the last content chunk says so and gives the checked answer, which is
  also the last chunk's `answer`. A draft that is a refusal is never shown as text.
- Errors are OpenAI's error object, `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from corpus.errors import DocqaError
from index.filters import Filters
from qa.conversation import Turn
from qa.engines import NOT_FOUND
from qa.records import Answer
from ui.libraries import Libraries
from ui.render import show_file
from ui.service import DocqaService, ServiceError
from ui.streaming import AnswerStream, sse_headers

PREFIX = "/v1"
MODEL = "docqa"  # plain `docqa` is the default library; `docqa:<name>` any library
MAX_MESSAGES = 100
log = logging.getLogger("docqa.openai")
MAX_ANSWER_CHARS = 20_000  # of an earlier answer in the history

_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_exceeded"}
_CODES = {401: "invalid_api_key", 404: "not_found", 413: "request_too_large"}


def openai_error_body(
    status: int, message: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {
        "error": {
            "message": message,
            "type": kind,
            "param": param,
            "code": code or _CODES.get(status),
        }
    }


def openai_error(
    status: int, message: str, code: str | None = None, param: str | None = None
) -> JSONResponse:
    return JSONResponse(openai_error_body(status, message, code, param), status_code=status)


class ModelError(ServiceError):
    def __init__(self, model: str) -> None:
        super().__init__(f"the model {model!r} does not exist; GET /v1/models lists them", 404)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatIn(BaseModel):
    """OpenAI's chat request; fields docqa has no use for (temperature, max_tokens, tools...) are
    accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(description="docqa:<library> (GET /v1/models), or docqa for the default")
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    n: int | None = Field(default=None, description="docqa gives one answer: 1")
    engine: Literal["auto", "extractive", "local", "openai"] | None = Field(
        default=None, description="docqa's answer engine; default: the server's"
    )
    filters: dict[str, Any] | None = Field(
        default=None,
        description="docqa's document filters, as in /api/ask (extra_body={'filters': {...}})",
    )


def text_of(message: ChatMessage) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if message.content is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    texts = []
    for part in message.content:
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        else:
            raise ServiceError(f"docqa reads text; a message part of type {kind!r} is not read")
    return "\n".join(texts)


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last message, the user's) and the turns before it."""
    if messages[-1].role != "user":
        raise ServiceError(
            f"the last message must be the user's question, not {messages[-1].role!r}"
        )
    question = text_of(messages[-1])
    turns: list[Turn] = []
    pending: str | None = None
    for m in messages[:-1]:
        if m.role == "user":
            pending = text_of(m)
        elif m.role == "assistant" and pending is not None:
            turns.append(Turn(pending, text_of(m)[:MAX_ANSWER_CHARS]))
            pending = None
    return question, turns[-20:]


def model_library(model: str, libraries: Libraries) -> str | None:
    if model == MODEL:
        return None
    name = model.removeprefix(MODEL + ":")
    if name == model or name not in libraries.names():
        raise ModelError(model)
    return name


def references(answer: Answer, service: DocqaService) -> list[dict[str, Any]]:
    snap = service.snapshot
    out = []
    for c in answer.citations:
        entry = snap.doc(c.doc_id)
        doc = entry.doc if entry else None
        out.append(
            {
                "n": c.n,
                "doc_id": c.doc_id,
                "chunk_id": c.chunk_id,
                "title": c.title or (doc.title if doc else None),
                "source": doc.source if doc else None,
                "file": show_file(doc.path) if doc else None,
                "date": doc.date if doc else None,
                "page": c.page,
                "quote": c.quote,
                "start": c.start,
                "end": c.end,
                "verified": c.verified,
                "check": c.check,
                "problems": list(c.problems),
            }
        )
    return out


def answer_fields(answer: Answer, service: DocqaService) -> dict[str, Any]:
    """What docqa adds to OpenAI's message: references, refusal, notes, the standalone question."""
    return {
        "references": references(answer, service),
        "refused": answer.refused,
        "notes": list(answer.notes),
        "understood_as": answer.understood_as,
        "engine": answer.engine,
        "short": answer.short,
    }


CHECKED = {"zh": "核对后的回答：", "en": "Checked against the documents:"}


def correction(draft: str, answer: Answer) -> str:
    """What to append to a streamed draft so that the client ends with the checked answer."""
    if not draft.strip():
        return answer.text
    rest = _after(draft, answer.text)
    if rest is not None:  # the draft, its spaces aside (`billion [1].` checked as `billion[1].`)
        return rest.rstrip() if rest.strip() else ""
    return f"\n\n---\n{CHECKED.get(answer.language, CHECKED['en'])} {answer.text}"


def _after(draft: str, text: str) -> str | None:
    """The rest of `text` after a start that reads as `draft` but for whitespace; None where
    `text` does not start so."""
    want = "".join(draft.split())
    i = got = 0
    while got < len(want) and i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] != want[got]:
            return None
        i, got = i + 1, got + 1
    return text[i:] if got == len(want) else None


def _could_be_refusal(text: str) -> bool:
    t = text.strip()
    return NOT_FOUND.startswith(t.upper()) if t else True


def openai_router(libraries: Libraries) -> APIRouter:
    r = APIRouter(prefix=PREFIX)
    started = int(time.time())

    def model_card(name: str) -> dict[str, Any]:
        return {"id": f"{MODEL}:{name}", "object": "model", "created": started, "owned_by": "docqa"}

    @r.get("/models", summary="The libraries, as OpenAI models (docqa:<library>)")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [model_card(n) for n in libraries.names()]}

    @r.get("/models/{model_id}", summary="One library as an OpenAI model")
    def model(model_id: str) -> dict[str, Any]:
        name = model_library(model_id, libraries) or libraries.default
        return {**model_card(name), "id": model_id}

    @r.post(
        "/chat/completions",
        summary="Answer the last user message from a library's documents, with references; "
        "streamed as chat.completion.chunk events when stream is true",
    )
    async def chat(body: ChatIn) -> Any:
        if body.n not in (None, 1):
            raise ServiceError("docqa gives one answer per request: n must be 1")
        library = model_library(body.model, libraries)
        question, history = conversation(body.messages)
        filters = Filters.from_json(body.filters)
        service = await run_in_threadpool(libraries.get, library)
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if not body.stream:
            answer = await run_in_threadpool(service.ask, question, history, body.engine, filters)
            return {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": answer.text,
                            **answer_fields(answer, service),
                        },
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
            }
        stream = AnswerStream(
            await run_in_threadpool(service.stream, question, history, body.engine, filters)
        )
        first = await stream.start()

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            return json.dumps(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": body.model,
                    "choices": [
                        {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
                    ],
                    **extra,
                },
                ensure_ascii=False,
            )

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            held, shown = "", ""
            answer: Answer | None = None
            try:
                pieces = [first] if first is not None else []
                async for item in _chain(pieces, stream.rest()):
                    if isinstance(item, Answer):
                        answer = item
                        continue
                    held += item
                    if _could_be_refusal(held):
                        continue  # NOT_FOUND is never shown; what follows it decides
                    shown += held
                    yield chunk({"content": held})
                    held = ""
            except DocqaError as exc:
                yield _json_line(openai_error_body(exc.http_status, str(exc)))
                return
            except Exception as exc:  # the stream has begun: the error goes as an event
                log.exception("the answer failed mid-stream")
                yield _json_line(openai_error_body(500, f"the answer failed: {exc}"))
                return
            if answer is None:
                yield _json_line(openai_error_body(500, "the answer ended without a result"))
                return
            tail = correction(shown, answer)
            if tail:
                yield chunk({"content": tail})
            yield chunk(
                {},
                "stop",
                answer=answer.text,
                **answer_fields(answer, service),
            )
            yield "[DONE]"

        return EventSourceResponse(events(), headers=sse_headers(), sep="\n", ping=15)

    @r.api_route(
        "/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown(request: Request, rest: str) -> JSONResponse:
        path = request.url.path
        if path.rstrip("/") in (PREFIX + "/models", PREFIX + "/chat/completions"):
            return openai_error(405, f"{request.method} is not allowed on {path}")
        return openai_error(
            404, f"docqa serves /v1/models and /v1/chat/completions, not {path}", "unknown_url"
        )

    return r


def _json_line(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


async def _chain(first: list[Any], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for item in first:
        yield item
    async for item in rest:
        yield item
