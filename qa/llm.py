"""Generative engines as LangChain chat models.

- `local`: a GGUF instruct model run in-process by llama-cpp-python (default: Qwen2.5-Coder-1.5B
  Q4_K_M from `docqa models fetch`; `DOCQA_LOCAL_MODEL` or `--model` for any other GGUF).
- `openai`: any OpenAI-compatible endpoint via langchain-openai (`DOCQA_OPENAI_BASE_URL`,
  `DOCQA_OPENAI_API_KEY`, `DOCQA_OPENAI_MODEL`): DeepSeek, DashScope, Moonshot, vLLM, Ollama,
  llama.cpp's server...

Models load on first use and are cached per process.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, SecretStr

from corpus.errors import DocqaError
from corpus.settings import current
from index.model_store import MODELS, QWEN_CODER


class LLMError(DocqaError, RuntimeError):
    """The answer model is missing, unreachable or failed."""

    http_status = 503


def local_model_path() -> Path:
    return current().local_model or MODELS[QWEN_CODER].path


def local_model_installed() -> bool:
    return local_model_path().is_file()


_LOCKS: dict[str, threading.Lock] = {}
_ROLE = {"human": "user", "ai": "assistant", "system": "system"}


def chat_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as the role/content dicts llama.cpp's chat template reads: what the local
    engine sends, and what the model's judgement (`qa.model_judge`) must format the same way to
    share its prompt."""
    return [{"role": _ROLE.get(m.type, "user"), "content": str(m.content)} for m in messages]


_LOAD_LOCK = threading.Lock()


def _load_llama(path: str, n_ctx: int, n_threads: int) -> Any:
    """The model, loaded once per process (one load at a time, so a prefetch and a first
    question never load it twice)."""
    with _LOAD_LOCK:
        return _load_llama_once(path, n_ctx, n_threads)


def prefetch_llama(path: str, n_ctx: int, n_threads: int) -> None:
    """Start loading the model in the background: a fresh `docqa ask` reads the GGUF while it
    loads the embedder and retrieves (errors surface when the model is first used)."""

    def load() -> None:
        with contextlib.suppress(Exception):  # reported by the first real use
            _load_llama(path, n_ctx, n_threads)

    threading.Thread(target=load, name="docqa-llm-prefetch", daemon=True).start()


@lru_cache(maxsize=2)
def _load_llama_once(path: str, n_ctx: int, n_threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise LLMError(
            "the local engine needs llama-cpp-python: pip install llama-cpp-python"
        ) from exc
    if not Path(path).is_file():
        raise LLMError(f"no GGUF model at {path}; run: docqa models fetch {QWEN_CODER}")
    _keep_output_streams()
    # Flash attention reads a 300-token prompt about 5% faster on 2 cores (94 -> 99 tokens/s).
    # llama-cpp-python passes False as "disabled", not llama.cpp's own "auto", so it is asked for.
    return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, flash_attn=True, verbose=False)


class _NoRedirect:
    def __init__(self, disable: bool = True) -> None:
        pass

    def __enter__(self) -> _NoRedirect:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _keep_output_streams() -> None:
    """llama-cpp-python quiets a model load by pointing file descriptors 1 and 2 at /dev/null for
    the whole process. Loaded by `prefetch_llama`'s thread, that swallowed whatever the command
    printed meanwhile: `docqa ask ""` with the local model installed exited 2 with no message.
    Its log callback already drops everything below an error when `verbose=False`, and the load
    writes nothing else, so the redirection is turned off."""
    import llama_cpp._internals
    import llama_cpp.llama

    llama_cpp.llama.suppress_stdout_stderr = _NoRedirect  # type: ignore[assignment,misc]
    llama_cpp._internals.suppress_stdout_stderr = _NoRedirect  # type: ignore[assignment,misc]


# UTF-8 lead bytes of U+3000-U+9FFF: CJK punctuation, kana and the Han characters.
_CJK_LEAD_BYTES = frozenset(range(0xE3, 0xEA))


@lru_cache(maxsize=2)
def _cjk_tokens(path: str, n_ctx: int, n_threads: int) -> Any:
    """A mask over the model's vocabulary: the tokens whose bytes begin a CJK character (a whole
    character, or the first bytes of one that byte-level BPE splits). Built once per model."""
    import numpy as np

    llm = _load_llama(path, n_ctx, n_threads)
    return np.array(
        [
            any(b in _CJK_LEAD_BYTES for b in llm.detokenize([i], special=True))
            for i in range(llm.n_vocab())
        ],
        dtype=bool,
    )


def english_only(chat_model: BaseChatModel) -> dict[str, Any]:
    """The keyword arguments that keep a chat model's output free of Chinese script, for an
    English answer or translation: a small model otherwise leaves words half-translated
    (`Black豹's`, `since国有ization`), which no check can pass. The local engine masks those
    tokens out; an OpenAI-compatible server has no such switch (nothing to pass)."""
    return {"no_cjk": True} if isinstance(chat_model, LlamaCppChat) else {}


def copy_only(chat_model: BaseChatModel, text: str) -> dict[str, Any]:
    """The keyword arguments that hold a chat model's output to a stretch of `text`, copied as
    written: a GBNF grammar for the local engine (`substring_grammar`); an OpenAI-compatible
    server has none (nothing to pass: the caller checks the copy)."""
    return {"copy_from": text} if isinstance(chat_model, LlamaCppChat) else {}


_GBNF_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def substring_grammar(text: str) -> str:
    """A GBNF grammar whose sentences are the stretches of `text` (not starting with a space):
    one rule per character, each optionally followed by the next (`s3 ::= "量" s4?`), so its size
    grows with the text, not with the number of its stretches."""
    starts = [f"s{i}" for i, c in enumerate(text) if not c.isspace()]
    lines = [f"root ::= {' | '.join(starts)}"]
    for i, c in enumerate(text):
        tail = f" s{i + 1}?" if i + 1 < len(text) else ""
        lit = _GBNF_ESCAPES.get(c) or (f"\\x{ord(c):02X}" if ord(c) < 0x20 else c)
        lines.append(f's{i} ::= "{lit}"{tail}')
    return "\n".join(lines)


class LlamaCppChat(BaseChatModel):
    """A minimal LangChain chat model over `llama_cpp.Llama.create_chat_completion` (with streaming)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    model_path: str
    n_ctx: int = 4096
    n_threads: int = max(1, os.cpu_count() or 1)
    temperature: float = 0.0
    max_tokens: int = 256

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(
            str(chunk.message.content)
            for chunk in self._stream(messages, stop, run_manager, **kwargs)
        )
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llm = _load_llama(self.model_path, self.n_ctx, self.n_threads)
        processors = None
        if kwargs.get("no_cjk"):
            from llama_cpp import LogitsProcessorList

            mask = _cjk_tokens(self.model_path, self.n_ctx, self.n_threads)

            def no_cjk(_ids: Any, scores: Any) -> Any:
                scores[mask] = -float("inf")
                return scores

            processors = LogitsProcessorList([no_cjk])
        grammar = None
        if kwargs.get("copy_from", "").strip():
            from llama_cpp import LlamaGrammar

            grammar = LlamaGrammar.from_string(
                substring_grammar(kwargs["copy_from"]), verbose=False
            )
        with _LOCKS.setdefault(
            self.model_path, threading.Lock()
        ):  # one context, one generation at a time
            for part in llm.create_chat_completion(
                messages=chat_dicts(messages),
                temperature=self.temperature,
                stop=stop,
                stream=True,
                logits_processor=processors,
                grammar=grammar,
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
            ):
                token = part["choices"][0]["delta"].get("content") or ""
                if not token:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk


MAX_ANSWER_TOKENS = 256


@lru_cache(maxsize=1)
def _chat_openai() -> Any:
    """langchain-openai's ChatOpenAI, made to stop on any OpenAI-compatible server.

    - **The limit.** ChatOpenAI sends `max_completion_tokens`, which llama-cpp-python's server
      (0.3.x) and older llama.cpp servers ignore: they generate until the context is full.
      `max_tokens` is read by llama.cpp, Ollama, vLLM, DeepSeek, DashScope, Moonshot and OpenAI's
      chat models, so it is sent instead; a server that refuses it (OpenAI's reasoning models) is
      asked again, once, with `max_completion_tokens`.
    - **The deadline.** A whole answer gets `deadline_s` (DOCQA_OPENAI_DEADLINE), not only each
      read: past it the stream is closed (the server sees the client go) and LLMError says so.
    Built on first use, so the extractive engine never imports langchain-openai."""
    import time

    import openai
    from langchain_openai import ChatOpenAI

    class DocqaChatOpenAI(ChatOpenAI):
        deadline_s: float = 120.0
        token_field: str = "max_tokens"

        def _get_request_payload(self, input_: Any, *, stop: Any = None, **kwargs: Any) -> dict:
            payload = super()._get_request_payload(input_, stop=stop, **kwargs)
            limit = payload.pop("max_completion_tokens", None) or payload.pop("max_tokens", None)
            if limit:
                payload[self.token_field] = limit
            return payload

        def _retry_with_other_field(self, exc: openai.BadRequestError) -> bool:
            if self.token_field == "max_tokens" and "max_tokens" in str(exc):
                self.token_field = "max_completion_tokens"
                return True
            return False

        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            try:
                return super()._generate(*args, **kwargs)
            except openai.BadRequestError as exc:
                if not self._retry_with_other_field(exc):
                    raise
                return super()._generate(*args, **kwargs)

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            start = time.monotonic()
            parts = super()._stream(*args, **kwargs)
            try:
                first = next(parts, None)
            except openai.BadRequestError as exc:
                if not self._retry_with_other_field(exc):
                    raise
                parts = super()._stream(*args, **kwargs)
                first = next(parts, None)
            if first is None:
                return
            yield first
            try:
                for chunk in parts:
                    yield chunk
                    if time.monotonic() - start > self.deadline_s:
                        raise LLMError(
                            f"the openai server was still answering after {self.deadline_s:g} s; "
                            "stopped (DOCQA_OPENAI_DEADLINE sets the limit)"
                        )
            finally:
                close = getattr(parts, "close", None)
                if close:
                    close()

    return DocqaChatOpenAI


def make_chat_model(engine: str, model: str | None = None) -> BaseChatModel:
    """The LangChain chat model behind `local` or `openai`."""
    if engine == "local":
        path = Path(model) if model else local_model_path()
        if not path.is_file():
            raise LLMError(f"no GGUF model at {path}; run: docqa models fetch {QWEN_CODER}")
        chat = LlamaCppChat(model_path=str(path))
        prefetch_llama(chat.model_path, chat.n_ctx, chat.n_threads)
        return chat
    if engine == "openai":
        settings = current()
        base_url = settings.openai_base_url
        name = model or settings.openai_model
        key = settings.openai_api_key or "not-needed"
        if not base_url or not name:
            raise LLMError(
                "the openai engine needs DOCQA_OPENAI_BASE_URL and DOCQA_OPENAI_MODEL (and DOCQA_OPENAI_API_KEY if the server wants one)"
            )
        return _chat_openai()(
            base_url=base_url,
            api_key=SecretStr(key),
            model=name,
            temperature=0,
            max_tokens=MAX_ANSWER_TOKENS,
            timeout=120,
            max_retries=1,
            deadline_s=settings.openai_deadline_s,
        )
    raise LLMError(f"unknown LLM engine '{engine}'")
