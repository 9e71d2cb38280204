"""Quick first answers: a fresh-process `docqa ask` and the first question after `docqa serve`.

Builds the demo index once (e5-small) in a temporary DOCQA_HOME, then
1. runs `docqa ask QUESTION --llm extractive --json` in fresh processes and reports wall time;
2. starts `docqa serve` (extractive), asks one question one second after /api/health answers, and
   compares it with the median of warm answers.

    python benchmarks/startup.py [--runs 3]
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
from ui.server import spawn  # noqa: E402

QUESTIONS = [
    "MiniMax 2025年全年总收入是多少？",
    "What was MiniMax's gross profit in 2025?",
    "智谱什么时候在港股上市？",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, idx = Path(tmp), Path(tmp) / "index"
        ingest(demo_paths(), idx, "e5-small")
        env = {**os.environ, "DOCQA_HOME": str(home), "DOCQA_INDEX": str(idx)}
        walls = []
        for _ in range(args.runs):
            t = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "qa.cli",
                    "ask",
                    QUESTIONS[0],
                    "--llm",
                    "extractive",
                    "--json",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
            walls.append(time.perf_counter() - t)
            inside = json.loads(out)["timings"]["total"]
            print(f"fresh docqa ask: {walls[-1]:.2f} s wall (the answer itself {inside:.2f} s)")
        proc, url = spawn(idx, home, "extractive")
        try:
            time.sleep(1.0)
            ok, first = ask(url, QUESTIONS[0])
            results = [ask(url, q) for q in QUESTIONS * 3]
            if not ok or not all(r[0] for r in results):
                print("an answer failed", file=sys.stderr)
                return 1
            warm = [secs for _, secs in results]
        finally:
            proc.terminate()
            proc.wait(10)
    w = statistics.median(warm)
    print(
        f"docqa serve: first answer 1 s after start {first * 1000:.0f} ms, warm p50 {w * 1000:.0f} ms "
        f"({first / w:.1f}x); fresh docqa ask median {statistics.median(walls):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
