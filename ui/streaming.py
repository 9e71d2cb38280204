"""An answer as it is written, for the HTTP APIs (docqa's own `/api/ask` and the OpenAI-compatible
`/v1/chat/completions`), framed as server-sent events by sse-starlette.

The pipeline's stream is a plain generator (text pieces, then the checked `Answer`). It runs in
worker threads one piece at a time, so twenty streams share the server without blocking each other.
The first piece is pulled before the response starts: a question the index cannot take (an unknown
library, a broken index) is an HTTP error with its status, not an event inside a 200. When the
client goes away, sse-starlette cancels the task; the generator is then closed, which closes the
engine's own stream, and a GGUF model stops generating.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from fastapi.concurrency import run_in_threadpool

from qa.records import Answer

log = logging.getLogger("docqa.stream")

Event = str | Answer
_DONE = object()


async def _pull(events: Iterator[Event]) -> Event | None:
    item = await run_in_threadpool(next, events, _DONE)
    return None if item is _DONE else item  # type: ignore[return-value]


class AnswerStream:
    """`first = await s.start()` then `async for piece in s.rest()`; `s.close()` in any case."""

    def __init__(self, events: Iterator[Event]) -> None:
        self.events = events
        self.sent = 0
        self.finished = False

    async def start(self) -> Event | None:
        try:
            return await _pull(self.events)
        except BaseException:
            self.finished = True  # failed, not abandoned: the error says why
            self.close()
            raise

    async def rest(self) -> AsyncIterator[Event]:
        try:
            while (item := await _pull(self.events)) is not None:
                self.sent += 1
                yield item
            self.finished = True
        finally:
            self.close()

    def close(self) -> None:
        if not self.finished:
            log.warning("the client went away after %d piece(s): the answer was stopped", self.sent)
            self.finished = True
        # not a generator (no close), or still running in its worker thread (ValueError)
        with contextlib.suppress(AttributeError, ValueError):
            self.events.close()  # type: ignore[attr-defined]


def sse_headers() -> dict[str, str]:
    """No proxy buffering (nginx), no caching: each event reaches the client when it is sent."""
    return {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
