"""The HTTP API: JSON in, JSON out, the same shapes as the CLI's `--json`. FastAPI gives the
OpenAPI schema (/openapi.json, /docs); every error is `{"error": message, "status": code}`."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from corpus.errors import DocqaError
from corpus.lang import detect_lang
from index.filters import Filters
from qa.conversation import Turn
from qa.pipeline import MAX_QUESTION_CHARS
from qa.records import Answer
from ui.conversations import MAX_COMMENT_CHARS, MAX_TITLE_CHARS, to_markdown
from ui.libraries import Libraries
from ui.openai_api import PREFIX as OPENAI_PREFIX
from ui.openai_api import openai_error_body
from ui.service import MAX_TRANSLATE_CHARS, MAX_UPLOAD_FILES, ServiceError, Upload
from ui.streaming import AnswerStream, Event, sse_headers

log = logging.getLogger("docqa.api")

LIBRARY_HELP = "the library to use; default: the server's"


class TurnIn(BaseModel):
    question: str = Field(max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=20000)


class AskIn(BaseModel):
    library: str | None = Field(default=None, description=LIBRARY_HELP)
    question: str = Field(description="Chinese or English", max_length=MAX_QUESTION_CHARS)
    history: list[TurnIn] = Field(default_factory=list, max_length=20)
    llm: Literal["auto", "extractive", "local", "openai"] | None = Field(
        default=None, description="Answer engine; default: the server's"
    )
    conversation: str | None = Field(
        default=None,
        description='a stored conversation to continue (its id), or "new" to start one: its '
        "turns are the history, and the question and answer are stored in it",
    )
    stream: bool = Field(
        default=False,
        description="server-sent events: `token` events (the draft as it is written), then one "
        "`answer` event with the checked answer object (or `error`); so does "
        "`Accept: text/event-stream`",
    )
    filters: dict[str, Any] | None = Field(
        default=None,
        description="limit to some documents: document (ids or file names), type (pdf, docx, "
        "xlsx, csv, html, txt, md, image), source (publisher), after / before (2025, 2025-03 or "
        "2025-03-01), title (words); each a string or a list",
    )


class ConversationIn(BaseModel):
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)


class FeedbackIn(BaseModel):
    rating: Literal["up", "down"] | None = Field(description="up, down, or null to take it back")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class SearchIn(BaseModel):
    library: str | None = Field(default=None, description=LIBRARY_HELP)
    query: str = Field(max_length=MAX_QUESTION_CHARS)
    k: int = Field(default=5, ge=1, le=50)
    mode: Literal["hybrid", "dense", "keyword"] = "hybrid"
    filters: dict[str, Any] | None = Field(
        default=None,
        description="limit to some documents: document (ids or file names), type (pdf, docx, "
        "xlsx, csv, html, txt, md, image), source (publisher), after / before (2025, 2025-03 or "
        "2025-03-01), title (words); each a string or a list",
    )


class LibraryIn(BaseModel):
    name: str = Field(description="a letter, then letters, digits or _ (at most 48)")


class TranslateIn(BaseModel):
    library: str | None = Field(default=None, description=LIBRARY_HELP)
    text: str | None = Field(default=None, max_length=MAX_TRANSLATE_CHARS)
    doc_id: str | None = Field(default=None, description="translate this document's key passages")
    chunk_id: str | None = None
    to: Literal["en", "zh"] | None = Field(default=None, description="default: the other language")
    key: int = Field(default=3, ge=1, le=10, description="key passages with doc_id")


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def error_body(path: str, status: int, message: str, param: str | None = None) -> dict[str, Any]:
    """The error shape of the API a path belongs to: OpenAI's error object under /v1, docqa's
    `{"error", "status"}` elsewhere."""
    if path == OPENAI_PREFIX or path.startswith(OPENAI_PREFIX + "/"):
        return openai_error_body(status, message, param=param)
    return {"error": message, "status": status}


def install_error_handlers(app: FastAPI) -> None:
    def answer(req: Request, status: int, message: str, param: str | None = None) -> JSONResponse:
        return JSONResponse(error_body(req.url.path, status, message, param), status_code=status)

    async def known(req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DocqaError)
        return answer(req, exc.http_status, str(exc))

    app.add_exception_handler(DocqaError, known)

    async def invalid(req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        message = f"{where or 'request'}: {first.get('msg', 'invalid request')}"
        if req.url.path.startswith(OPENAI_PREFIX + "/"):
            return answer(req, 400, message, where or None)  # OpenAI's status for a bad request
        return answer(req, 422, message)

    app.add_exception_handler(RequestValidationError, invalid)

    async def http(req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and str(exc.detail).startswith("Too many files"):
            # the multipart parser stops at 1,000 parts: a request too large, like 21 files
            return error(413, f"over 1,000 files in one upload; the limit is {MAX_UPLOAD_FILES}")
        return answer(req, exc.status_code, str(exc.detail))

    app.add_exception_handler(StarletteHTTPException, http)


async def ask_events(
    stream: AnswerStream,
    first: Event | None,
    finish: Callable[[Answer], dict[str, Any]] = Answer.to_json,
) -> AsyncIterator[dict[str, str]]:
    """`token` events, then `answer` (the checked answer object, as `finish` makes it: stored in
    its conversation), or `error` after a failure."""

    def event(name: str, body: dict[str, Any]) -> dict[str, str]:
        return {"event": name, "data": json.dumps(body, ensure_ascii=False)}

    try:
        item = first
        rest = stream.rest()
        while item is not None:
            if isinstance(item, Answer):
                yield event("answer", await run_in_threadpool(finish, item))
            else:
                yield event("token", {"text": item})
            item = await anext(rest, None)
    except DocqaError as exc:
        yield event("error", {"error": str(exc), "status": exc.http_status})
    except Exception as exc:  # the stream has begun: the failure goes as an event
        log.exception("the answer failed mid-stream")
        yield event("error", {"error": f"the answer failed: {exc}", "status": 500})


def api_router(libraries: Libraries) -> APIRouter:
    r = APIRouter(prefix="/api")
    lib_q = Query(default=None, description=LIBRARY_HELP)

    @r.get("/health", summary="Liveness, index size, engine, limits")
    def health(library: str | None = lib_q) -> dict[str, Any]:
        return {**libraries.get(library).health(), "libraries": libraries.names()}

    @r.post(
        "/ask",
        summary="Answer a question with verified citations (= docqa ask --json); streamed as "
        "server-sent events with stream=true",
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask(body: AskIn, request: Request) -> Any:
        history = [Turn(t.question, t.answer) for t in body.history]
        filters = Filters.from_json(body.filters)  # a bad filter: 422 before anything runs
        service = await run_in_threadpool(libraries.get, body.library)
        conv = await run_in_threadpool(service.conversation_for, body.conversation, body.question)
        if conv is not None and not history:
            history = conv.turns()

        def store(answer: Answer) -> dict[str, Any]:
            body_ = answer.to_json()
            if conv is not None:
                msg = service.conversations.append(conv.id, body.question, body_)
                body_["conversation"] = {"id": conv.id, "seq": msg.seq}
            return body_

        streamed = body.stream or "text/event-stream" in request.headers.get("accept", "")
        if not streamed:
            answer = await run_in_threadpool(service.ask, body.question, history, body.llm, filters)
            return await run_in_threadpool(store, answer)
        stream = AnswerStream(
            await run_in_threadpool(service.stream, body.question, history, body.llm, filters)
        )
        first = await stream.start()
        return EventSourceResponse(
            ask_events(stream, first, store), headers=sse_headers(), sep="\n", ping=15
        )

    @r.get("/conversations", summary="The library's stored conversations, latest first")
    def conversations(library: str | None = lib_q) -> dict[str, Any]:
        store = libraries.get(library).conversations
        return {"conversations": [c.summary() for c in store.recent()]}

    @r.post("/conversations", summary="Start an empty conversation (201)", status_code=201)
    def new_conversation(body: ConversationIn, library: str | None = lib_q) -> dict[str, Any]:
        return libraries.get(library).conversations.create(body.title).summary()

    @r.get(
        "/conversations/{conv_id}",
        summary="A conversation with its messages; ?format=markdown or ?format=json (a download)",
    )
    def conversation(
        conv_id: str,
        library: str | None = lib_q,
        format: Literal["json", "markdown"] | None = None,  # noqa: A002 - the query parameter
    ) -> Any:
        conv = libraries.get(library).conversations.get(conv_id)
        if format == "markdown":
            return PlainTextResponse(
                to_markdown(conv),
                media_type="text/markdown; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="docqa-{conv.id}.md"'},
            )
        if format == "json":
            return JSONResponse(
                conv.to_json(),
                headers={"Content-Disposition": f'attachment; filename="docqa-{conv.id}.json"'},
            )
        return conv.to_json()

    @r.patch("/conversations/{conv_id}", summary="Rename a conversation")
    def rename_conversation(
        conv_id: str, body: ConversationIn, library: str | None = lib_q
    ) -> dict[str, Any]:
        return libraries.get(library).conversations.rename(conv_id, body.title or "").summary()

    @r.delete("/conversations/{conv_id}", summary="Delete a conversation and its messages")
    def delete_conversation(conv_id: str, library: str | None = lib_q) -> dict[str, Any]:
        return {"deleted": libraries.get(library).conversations.delete(conv_id).summary()}

    @r.put(
        "/conversations/{conv_id}/messages/{seq}/feedback",
        summary="Thumbs up or down, and a comment, on one answer",
    )
    def feedback(
        conv_id: str, seq: int, body: FeedbackIn, library: str | None = lib_q
    ) -> dict[str, Any]:
        store = libraries.get(library).conversations
        return store.feedback(conv_id, seq, body.rating, body.comment).to_json()

    @r.get("/feedback", summary="Answers with feedback, as eval-set rows (= docqa feedback export)")
    def feedback_export(
        library: str | None = lib_q, rating: Literal["up", "down"] | None = None
    ) -> dict[str, Any]:
        return {"feedback": libraries.get(library).conversations.feedback_rows(rating)}

    @r.post("/search", summary="Ranked passages (= docqa search --json)")
    def search(body: SearchIn) -> dict[str, Any]:
        filters = Filters.from_json(body.filters)
        hits = libraries.get(body.library).search(body.query, body.k, body.mode, filters)
        return {
            "query": body.query,
            **({"filters": filters.to_json()} if not filters.empty else {}),
            "language": detect_lang(body.query),
            "hits": [h.to_json() for h in hits],
        }

    @r.post("/translate", summary="Translate text, a chunk, or a document's key passages")
    def translate(body: TranslateIn) -> dict[str, Any]:
        service = libraries.get(body.library)
        results = service.translate(body.text, body.doc_id, body.chunk_id, body.to, body.key)
        return {"translations": [t.to_json() for t in results]}

    @r.get("/libraries", summary="The libraries of the index (= docqa libraries --json)")
    def list_libraries() -> dict[str, Any]:
        return {"index": libraries.address, "libraries": libraries.listing()}

    @r.post("/libraries", summary="Create an empty library (201; 200 when it exists already)")
    def create_library(body: LibraryIn) -> JSONResponse:
        created = libraries.create(body.name)
        return JSONResponse(
            {"library": body.name, "created": created}, status_code=201 if created else 200
        )

    @r.delete("/libraries/{name}", summary="Delete a library with all its documents")
    def delete_library(name: str) -> dict[str, Any]:
        libraries.delete(name)
        return {"deleted": name}

    @r.get("/documents", summary="The documents in a library (= docqa docs --json)")
    def documents(library: str | None = lib_q) -> dict[str, Any]:
        service = libraries.get(library)
        snap = service.snapshot
        return {
            "index": service.handle.where,
            "library": service.library,
            "embedder": snap.embedder_name,
            "documents": service.documents(),
        }

    @r.get("/documents/{doc_id}", summary="One document: metadata and cleaned text")
    def document(doc_id: str, library: str | None = lib_q) -> dict[str, Any]:
        e = libraries.get(library).document(doc_id)
        return {**e.summary(), "author": e.doc.author, "text": e.doc.text}

    @r.post(
        "/documents",
        summary="Upload files (HTML, TXT, PDF, DOCX, MD): 202 and a job to follow, or with "
        "?wait=true the result itself. A library that does not exist yet is created.",
        status_code=202,
    )
    async def upload(
        files: list[UploadFile] = File(...),  # noqa: B008
        wait: bool = False,
        library: str | None = lib_q,
    ) -> JSONResponse:
        items = [Upload(f.filename or "upload", await f.read()) for f in files]
        service = await run_in_threadpool(libraries.get, library, True)
        if wait:
            result = await run_in_threadpool(service.upload, items)
            return JSONResponse(result.to_json(), status_code=result.status)
        job = await run_in_threadpool(service.submit_upload, items)
        where = f"/api/jobs/{job.id}"
        return JSONResponse(
            {"job": job.to_json(), "status_url": where},
            status_code=202,
            headers={"Location": where},
        )

    @r.get("/jobs", summary="Recent background jobs, newest first (this server's and others')")
    def jobs() -> dict[str, Any]:
        return {"jobs": [j.to_json() for j in libraries.jobs.recent()]}

    @r.get("/jobs/{job_id}", summary="A background job: state, progress, each file's result")
    def job(job_id: str) -> dict[str, Any]:
        found = libraries.jobs.get(job_id)
        if found is None:
            raise ServiceError(f"no job {job_id!r} (finished jobs are kept for a while)", 404)
        body = found.to_json()
        if found.status is not None:
            body["status"] = found.status  # the HTTP status the upload itself would have had
        return body

    @r.delete("/documents/{doc_id}", summary="Delete a document from a library")
    def delete(doc_id: str, library: str | None = lib_q) -> dict[str, Any]:
        return {"removed": libraries.get(library).delete(doc_id).summary()}

    known = {
        "/api" + p
        for p in (
            "/health",
            "/ask",
            "/search",
            "/translate",
            "/documents",
            "/jobs",
            "/libraries",
            "/conversations",
            "/feedback",
        )
    }

    @r.api_route(
        "/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown(request: Request, rest: str) -> JSONResponse:
        """Everything else under /api: the documented JSON error, not the UI's."""
        path = request.url.path.rstrip("/")
        head, _, last = path.rpartition("/")
        # /api/documents/{id} and the like exist for other methods; an id holding a slash
        # (%2F) names no document, job or library, whatever the method
        if path in known or head in (
            "/api/documents",
            "/api/jobs",
            "/api/libraries",
            "/api/conversations",
        ):
            return error(405, f"{request.method} is not allowed on {path}")
        for prefix, what in (
            ("/api/documents/", "document"),
            ("/api/jobs/", "job"),
            ("/api/libraries/", "library"),
            ("/api/conversations/", "conversation"),
        ):
            if path.startswith(prefix):
                return error(404, f"no {what} {path[len(prefix) :]!r}")
        return error(404, f"no API endpoint {request.url.path}; see /docs")

    return r
