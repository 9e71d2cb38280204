"""Concurrent POST /api/ask against `docqa serve` (the real server in a child process, demo index).

    python benchmarks/api_load.py [--concurrency 20] [--rounds 3] [--llm extractive] [--json OUT]

Prints success count, throughput (answers/s) and latency p50/p95/max per round and overall.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.demo import demo_paths  # noqa: E402
from index.ingest import ingest  # noqa: E402
from ui.server import spawn  # noqa: E402

QUESTIONS = [
    json.loads(line)["question"]
    for line in (Path(__file__).resolve().parent.parent / "qa/data/dev_questions.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]


def ask(url: str, question: str) -> tuple[bool, float]:
    t = time.perf_counter()
    req = urllib.request.Request(
        url + "/api/ask",
        data=json.dumps({"question": question}).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            ok = r.status == 200 and "answer" in json.loads(r.read())
    except OSError:
        ok = False
    return ok, time.perf_counter() - t


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--llm", default="extractive")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="docqa-load-"))
    try:
        ingest(demo_paths(), home / "index", args.embedder)
        proc, url = spawn(home / "index", home, args.llm, log_path=home / "serve.log")
        try:
            ask(url, QUESTIONS[0])  # warm-up: models loaded, caches filled once
            rounds = []
            for r in range(args.rounds):
                qs = [
                    QUESTIONS[(r * args.concurrency + i) % len(QUESTIONS)]
                    for i in range(args.concurrency)
                ]
                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    results = list(pool.map(lambda q: ask(url, q), qs))
                wall = time.perf_counter() - t0
                lat = [s for _, s in results]
                row = {
                    "round": r + 1,
                    "requests": len(results),
                    "ok": sum(ok for ok, _ in results),
                    "wall_s": round(wall, 3),
                    "answers_per_s": round(len(results) / wall, 2),
                    "p50_s": round(statistics.median(lat), 3),
                    "p95_s": round(pct(lat, 0.95), 3),
                    "max_s": round(max(lat), 3),
                }
                rounds.append(row)
                print(
                    f"round {row['round']}: {row['ok']}/{row['requests']} ok, {row['answers_per_s']} answers/s, "
                    f"latency p50 {row['p50_s']} s, p95 {row['p95_s']} s, max {row['max_s']} s"
                )
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    total = sum(r["requests"] for r in rounds)
    ok = sum(r["ok"] for r in rounds)
    wall = sum(r["wall_s"] for r in rounds)
    summary = {
        "concurrency": args.concurrency,
        "llm": args.llm,
        "embedder": args.embedder,
        "requests": total,
        "ok": ok,
        "answers_per_s": round(total / wall, 2),
        "rounds": rounds,
    }
    print(
        f"overall: {ok}/{total} ok, {summary['answers_per_s']} answers/s at concurrency {args.concurrency}"
    )
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
