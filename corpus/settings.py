"""docqa's settings: every `DOCQA_*` environment variable, its default and its meaning, in one
frozen record. This module is the only one that reads the environment for them.

The edges resolve the settings once and install them: the CLI from the environment and its own
options (`ui.cli`), `docqa serve` the same way, so the service and everything below read one
consistent record. Code used as a library (tests, benchmarks, notebooks) that installs nothing
gets the settings resolved from the environment at each call of `current()`.

| variable | default | meaning |
|---|---|---|
| DOCQA_HOME | ~/.docqa | models, the default index, caches, the user glossary |
| DOCQA_MODELS | HOME/models | installed models |
| DOCQA_INDEX | HOME/index | index folder, or a milvus:// address |
| DOCQA_LIBRARY | default | library within the index |
| DOCQA_EMBEDDER | best installed | embedder for new indexes |
| DOCQA_LLM | auto | answer engine: auto, extractive, local, openai |
| DOCQA_LOCAL_MODEL | the installed Qwen GGUF | GGUF file for the local engine |
| DOCQA_OPENAI_BASE_URL / _MODEL / _API_KEY | (OPENAI_*) | the openai engine's server |
| DOCQA_OPENAI_DEADLINE | 120 | seconds a whole openai-engine answer may take |
| DOCQA_GLOSSARY | HOME/glossary.tsv, else the shipped one | Chinese-English names |
| DOCQA_MAX_FILE_MB | 50 | largest file read, for ingest and uploads alike |
| DOCQA_MAX_REQUEST_MB | 64 | largest HTTP request body |
| DOCQA_LOCK_TIMEOUT | 300 | seconds a writer waits for another |
| DOCQA_CLEAN_SECONDS | 60 | seconds one file may take to read and clean (one page, for pages read by OCR); over it, the file is an error |
| DOCQA_MAX_OCR_PAGES | 200 | most pages of one file read by OCR (about 7 s a page on 2 cores); a longer scan is refused |
| DOCQA_MILVUS_TOKEN | (none) | token for a Milvus server |
| DOCQA_DENSE_EVIDENCE | always | dense evidence scoring: always, cross, never |
| DOCQA_HOST / DOCQA_PORT / DOCQA_TOKEN | 127.0.0.1 / 7860 / (none) | `docqa serve` |
| DOCQA_CORS_ORIGINS | (none) | web origins (comma-separated) whose pages may call the API and /v1; `*` only with a token |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError

ENGINES = ("auto", "extractive", "local", "openai")
DENSE_EVIDENCE = ("always", "cross", "never")
SWITCH = ("on", "off")
MODEL_JUDGE = ("auto", "on", "off")
ANSWER_STYLES = ("short", "sentence")


class SettingsError(DocqaError, ValueError):
    """A setting with a value docqa cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    home: Path
    models: Path
    index: str
    library: str = "default"
    embedder: str | None = None
    llm: str = "auto"
    local_model: Path | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    openai_api_key: str | None = None
    openai_deadline_s: float = 120.0
    glossary: Path | None = None
    max_file_mb: float = 50.0
    max_request_mb: float = 64.0
    lock_timeout_s: float = 300.0
    clean_timeout_s: float = 60.0
    max_ocr_pages: int = 200
    milvus_token: str = ""
    dense_evidence: str = "always"
    # the answerability judge (qa.judge): off by default, it refuses more of both kinds
    judge: str = "off"
    # the local model's yes/no answerability judgement (qa.model_judge): with the local engine
    # (auto), with every engine where the local model is installed (on), or never (off)
    model_judge: str = "auto"
    # how a generative engine answers a Chinese question: the shortest span of the passages that
    # answers it (`short`), or one or two sentences
    answer_style: str = "short"
    host: str = "127.0.0.1"
    port: int = 7860
    token: str | None = None
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env

        def get(name: str, *alternatives: str) -> str | None:
            for n in (name, *alternatives):
                value = e.get(n, "").strip()
                if value:
                    return value
            return None

        home = Path(get("DOCQA_HOME") or Path.home() / ".docqa")
        local = get("DOCQA_LOCAL_MODEL")
        glossary = get("DOCQA_GLOSSARY")
        return cls(
            home=home,
            models=Path(get("DOCQA_MODELS") or home / "models"),
            index=get("DOCQA_INDEX") or str(home / "index"),
            library=get("DOCQA_LIBRARY") or "default",
            embedder=get("DOCQA_EMBEDDER"),
            llm=_choice("DOCQA_LLM", get("DOCQA_LLM") or "auto", ENGINES),
            local_model=Path(local) if local else None,
            openai_base_url=get("DOCQA_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
            openai_model=get("DOCQA_OPENAI_MODEL", "OPENAI_MODEL"),
            openai_api_key=get("DOCQA_OPENAI_API_KEY", "OPENAI_API_KEY"),
            openai_deadline_s=_number("DOCQA_OPENAI_DEADLINE", get("DOCQA_OPENAI_DEADLINE"), 120.0),
            glossary=Path(glossary) if glossary else None,
            max_file_mb=_number("DOCQA_MAX_FILE_MB", get("DOCQA_MAX_FILE_MB"), 50.0),
            max_request_mb=_number("DOCQA_MAX_REQUEST_MB", get("DOCQA_MAX_REQUEST_MB"), 64.0),
            lock_timeout_s=_number("DOCQA_LOCK_TIMEOUT", get("DOCQA_LOCK_TIMEOUT"), 300.0, 0.0),
            clean_timeout_s=_number("DOCQA_CLEAN_SECONDS", get("DOCQA_CLEAN_SECONDS"), 60.0),
            max_ocr_pages=int(
                _number("DOCQA_MAX_OCR_PAGES", get("DOCQA_MAX_OCR_PAGES"), 200, 1, 100_000)
            ),
            milvus_token=get("DOCQA_MILVUS_TOKEN") or "",
            dense_evidence=_choice(
                "DOCQA_DENSE_EVIDENCE", get("DOCQA_DENSE_EVIDENCE") or "always", DENSE_EVIDENCE
            ),
            judge=_choice("DOCQA_JUDGE", get("DOCQA_JUDGE") or "off", SWITCH),
            model_judge=_choice(
                "DOCQA_MODEL_JUDGE", get("DOCQA_MODEL_JUDGE") or "auto", MODEL_JUDGE
            ),
            answer_style=_choice(
                "DOCQA_ANSWER_STYLE", get("DOCQA_ANSWER_STYLE") or "short", ANSWER_STYLES
            ),
            host=get("DOCQA_HOST") or "127.0.0.1",
            port=int(_number("DOCQA_PORT", get("DOCQA_PORT"), 7860, 1, 65535)),
            token=get("DOCQA_TOKEN"),
            cors_origins=tuple(
                o.strip().rstrip("/")
                for o in (get("DOCQA_CORS_ORIGINS") or "").split(",")
                if o.strip()
            ),
        )

    def with_options(self, **options: Any) -> Settings:
        """These settings with the options a user gave on the command line (None: not given)."""
        known = {f.name for f in fields(self)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        given = {k: v for k, v in options.items() if v is not None}
        if "llm" in given:
            _choice("--llm", given["llm"], ENGINES)
        return replace(self, **given)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def _number(
    name: str, raw: str | None, default: float, low: float = 1e-9, high: float = 1e12
) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r}: must be between {low:g} and {high:g}")
    return value


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(f"{name}={value!r}: use one of {', '.join(allowed)}")
    return value


_installed: Settings | None = None


def use(settings: Settings | None) -> None:
    """Install the settings an edge resolved (None: back to reading the environment)."""
    global _installed
    _installed = settings


def current() -> Settings:
    """The settings in force: the installed ones, else the environment's as it is now."""
    return _installed if _installed is not None else Settings.from_env()


__all__ = ["Settings", "SettingsError", "current", "use"]
