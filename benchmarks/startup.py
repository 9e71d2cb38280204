"""Quick first answers: a fresh-process `docqa ask` and the first question after `docqa serve`.

Builds the demo index once (e5-small by default) in a temporary DOCQA_HOME, then for each engine
1. runs `docqa ask QUESTION --llm ENGINE --json` in fresh processes and reports wall time;
2. starts `docqa serve` with that engine, asks one question one second after /api/health answers,
   and compares it with the median of warm answers.

    python benchmarks/startup.py [--runs 3] [--engines extractive,local] [--embedder e5-small]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api_load import ask  # noqa: E402  (benchmarks/: the timed POST /api/ask)

from corpus.demo import demo_paths  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.model_store import models_dir  # noqa: E402
from ui.server import spawn  # noqa: E402

QUESTIONS = [
    "MiniMax 2025年全年总收入是多少？",
    "What was MiniMax's gross profit in 2025?",
    "智谱什么时候在港股上市？",
]


def fresh_asks(env: dict[str, str], engine: str, runs: int) -> list[float]:
    walls = []
    for i in range(runs):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "ui.cli", "ask", QUESTIONS[i % len(QUESTIONS)]]
            + ["--llm", engine, "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        walls.append(time.perf_counter() - t)
        inside = json.loads(out)["timings"]["total"]
        print(
            f"fresh docqa ask --llm {engine}: {walls[-1]:.2f} s wall (the answer itself {inside:.2f} s)",
            flush=True,
        )
    return walls


def first_vs_warm(idx: Path, home: Path, engine: str) -> tuple[float, float]:
    proc, url = spawn(idx, home, engine)
    try:
        time.sleep(1.0)
        ok, first = ask(url, QUESTIONS[0])
        results = [ask(url, q) for q in QUESTIONS * 3]
        if not ok or not all(r[0] for r in results):
            raise RuntimeError("an answer failed")
    finally:
        proc.terminate()
        proc.wait(10)
    return first, statistics.median(secs for _, secs in results)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="extractive,local")
    ap.add_argument("--embedder", default="e5-small")
    args = ap.parse_args()
    os.environ.setdefault(
        "DOCQA_MODELS", str(models_dir())
    )  # the installed models, not the temp home's
    with tempfile.TemporaryDirectory() as tmp:
        home, idx = Path(tmp), Path(tmp) / "index"
        ingest(demo_paths(), idx, args.embedder)
        env = {**os.environ, "DOCQA_HOME": str(home), "DOCQA_INDEX": str(idx)}
        for engine in args.engines.split(","):
            walls = fresh_asks(env, engine, args.runs)
            first, warm = first_vs_warm(idx, home, engine)
            print(
                f"{engine}: docqa serve first answer 1 s after start {first * 1000:.0f} ms, warm "
                f"p50 {warm * 1000:.0f} ms ({first / warm:.1f}x); fresh docqa ask median "
                f"{statistics.median(walls):.2f} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
