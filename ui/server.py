"""One server for the UI and the API: FastAPI app = /api/* + Gradio at /, behind two small ASGI
guards: a request-size limit and, when a token is set, a token check for everything."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import FastAPI

from corpus.settings import current
from ui.api import error_body
from ui.libraries import Libraries
from ui.service import DocqaService

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "docqa_token"


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[Any] | None = None
) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class SizeLimit:
    """413 for a request body over `max_bytes`, by Content-Length or by counting a streamed body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit_mb = self.max_bytes // 1024 // 1024
        message = f"the request is larger than the {limit_mb} MB limit"
        for k, v in scope.get("headers", []):
            if k == b"content-length" and v.isdigit() and int(v) > self.max_bytes:
                await _send_json(send, 413, error_body(scope.get("path", ""), 413, message))
                return
        seen = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise _TooLarge()
            return msg

        async def guarded_send(msg: Message) -> None:
            # Once the body is over the limit, whatever the app answers (a form parser turns our
            # exception into a 400) is dropped: the client gets the 413 below.
            nonlocal started
            if exceeded:
                return
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, guarded_send)
        if exceeded and not started:
            await _send_json(send, 413, error_body(scope.get("path", ""), 413, message))


class _TooLarge(Exception):
    pass


class JsonErrors:
    """A 404 or 405 that the UI's router answers with `{"detail": ...}` (an unknown path) becomes
    the documented `{"error", "status"}`. Gradio's own API (/gradio_api/) keeps its shape, which
    its client reads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/gradio_api/"):
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def rewriting_send(msg: Message) -> None:
            nonlocal held
            if msg["type"] == "http.response.start" and msg["status"] in (404, 405):
                kinds = [v for k, v in msg.get("headers", []) if k.lower() == b"content-type"]
                if kinds and kinds[0].startswith(b"application/json"):
                    held = msg  # wait for the body
                    return
            if held is not None and msg["type"] == "http.response.body":
                status = int(held["status"])
                try:
                    detail = json.loads(msg.get("body", b"") or b"{}").get("detail")
                except (ValueError, AttributeError):
                    detail = None
                if isinstance(detail, str) and not msg.get("more_body"):
                    text = "no such page or endpoint" if status == 404 else "method not allowed"
                    await _send_json(send, status, error_body(path, status, f"{text}: {path}"))
                    return
                await send(held)
                held = None
            await send(msg)

        await self.app(scope, receive, rewriting_send)


class TokenGuard:
    """Everything needs the token: `Authorization: Bearer T`, or the cookie a `?token=T` visit
    sets (so the browser UI works after opening the link once). /api/health stays open."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    def _ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        auth = headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        cookie = SimpleCookie(headers.get("cookie", ""))
        from_cookie = cookie[COOKIE].value if COOKIE in cookie else None
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from_query = query.get("token", [None])[0]
        path = scope.get("path", "")
        if scope["type"] == "http" and self._ok(from_query):
            # trade the token in the URL for a cookie, and drop it from the address bar
            rest = {k: v for k, v in query.items() if k != "token"}
            # a path of this server only: `//host/x` or `/\\host/x` would send the browser away
            local = quote("/" + path.lstrip("/\\"), safe="/")
            location = local + ("?" + urlencode(rest, doseq=True) if rest else "")
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [
                        (b"location", location.encode()),
                        (
                            b"set-cookie",
                            f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode(),
                        ),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/api/health" or self._ok(bearer) or self._ok(from_cookie):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _send_json(
            send,
            401,
            error_body(
                path,
                401,
                "this docqa server needs its token: send 'Authorization: Bearer <DOCQA_TOKEN>' "
                "(an OpenAI client's API key), or open the UI once as /?token=<DOCQA_TOKEN>",
            ),
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, cors_origins: tuple[str, ...] = ()) -> None:
    """Beyond loopback only with a token; any web page (CORS `*`) only with a token."""
    if not is_loopback(host) and not token:
        raise ValueError(
            f"binding to {host} exposes docqa beyond this machine: set DOCQA_TOKEN or --token"
        )
    if "*" in cors_origins and not token:
        raise ValueError(
            "DOCQA_CORS_ORIGINS='*' lets any web page you visit read your documents: "
            "set DOCQA_TOKEN too, or name the origins"
        )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_app(
    served: DocqaService | Libraries,
    token: str | None = None,
    max_request_mb: int | None = None,
    cors_origins: tuple[str, ...] | None = None,
) -> ASGIApp:
    """The API and the UI over every library of the index; a `DocqaService` serves as the
    default library."""
    import gradio as gr

    from ui.api import api_router, install_error_handlers
    from ui.app import build_ui
    from ui.openai_api import openai_router
    from ui.render import CSS, HEAD

    app = FastAPI(
        title="docqa",
        version="0.1.0",
        description="Bilingual (Chinese/English) document QA with verified citations.",
    )
    libraries = served if isinstance(served, Libraries) else Libraries.around(served)
    install_error_handlers(app)
    app.include_router(api_router(libraries))
    app.include_router(openai_router(libraries))
    blocks = build_ui(libraries)
    blocks.queue(default_concurrency_limit=4)
    max_mb = max_request_mb or int(current().max_request_mb)
    gr.mount_gradio_app(
        app,
        blocks,
        path="",
        css=CSS,
        head=HEAD,
        ssr_mode=False,
        max_file_size=f"{max_mb}mb",
        footer_links=["api"],
        allowed_paths=[str(libraries.evals_dir)],  # evaluation reports for download
    )
    guarded: ASGIApp = SizeLimit(JsonErrors(app), max_mb * 1024 * 1024)
    if token:
        guarded = TokenGuard(guarded, token)
    origins = current().cors_origins if cors_origins is None else cors_origins
    if origins:
        # outermost: a browser's preflight (OPTIONS, no credentials) is answered here; the
        # request that follows carries the token like any other
        from starlette.middleware.cors import CORSMiddleware

        guarded = CORSMiddleware(
            guarded,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    return guarded


def serve(
    service: DocqaService | Libraries,
    host: str = "127.0.0.1",
    port: int = 7860,
    token: str | None = None,
    log_level: str = "warning",
) -> None:
    import uvicorn

    check_bind(host, token, current().cors_origins)
    app = build_app(service, token)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=2)


def spawn(
    index_dir: str | os.PathLike[str],
    home: str | os.PathLike[str],
    llm: str = "extractive",
    port: int | None = None,
    log_path: str | os.PathLike[str] | None = None,
    timeout: float = 180.0,
) -> tuple[Any, str]:
    """Start `docqa serve` in a child process on loopback and wait until /api/health answers;
    returns (process, base URL). For tests and benchmarks: the server exactly as a user runs it."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = port or free_port()
    env = {**os.environ, "DOCQA_HOME": str(home), "DOCQA_INDEX": str(index_dir)}
    env.pop("DOCQA_TOKEN", None)
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 - the child writes it until it ends
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--llm", llm],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            where = f"; see {log_path}" if log_path else ""
            raise RuntimeError(f"docqa serve did not start within {timeout:.0f} s{where}")
        time.sleep(0.5)
