"""Streamed answers and stored conversations against `docqa serve` (a real server in a child
process, the demo index):

- time to the first streamed token (`POST /api/ask` with `"stream": true`, warm server), p50 and
  p95, for each engine asked for (`--engines extractive,local`);
- `--concurrency` (20) streamed requests at once: how many complete, and the slowest first token
  (one stream must not wait for another to finish);
- what storing the turn in a conversation adds to an answer: `ConversationStore.append` on its own,
  and `/api/ask` with `"conversation"` against the same questions without.

    python benchmarks/streaming.py [--engines extractive,local] [--embedder embeddinggemma-int8]
                                   [--concurrency 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api_load import QUESTIONS, pct  # noqa: E402  (benchmarks/ is the script's folder)

from corpus.demo import demo_paths  # noqa: E402
from corpus.settings import current  # noqa: E402
from index.ingest import ingest  # noqa: E402
from ui.conversations import ConversationStore  # noqa: E402
from ui.server import spawn  # noqa: E402


def streamed(url: str, question: str, llm: str, **extra: Any) -> dict[str, Any]:
    """First-token and total seconds of one streamed answer."""
    t = time.perf_counter()
    first = None
    ok = False
    body = {"question": question, "stream": True, "llm": llm, **extra}
    with httpx.stream("POST", url + "/api/ask", json=body, timeout=600) as r:
        for line in r.iter_lines():
            if line.startswith("event:") and first is None:
                first = time.perf_counter() - t  # a token, or the answer itself (a refusal)
            if line.startswith("event: answer"):
                ok = True
    total = time.perf_counter() - t
    return {"first": first if first is not None else total, "total": total, "ok": ok}


def summary(xs: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(xs), 3),
        "p95": round(pct(xs, 0.95), 3),
        "max": round(max(xs), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engines", default="extractive")
    ap.add_argument("--embedder", default="embeddinggemma-int8")
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--local-questions", type=int, default=8, help="questions for the local engine")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    out: dict[str, Any] = {"embedder": args.embedder, "first_token": {}}
    # the server gets a home of its own; the models stay where they are installed
    os.environ.setdefault("DOCQA_MODELS", str(current().models))
    home = Path(tempfile.mkdtemp(prefix="docqa-stream-"))
    try:
        ingest(demo_paths(), home / "index", args.embedder)
        proc, url = spawn(home / "index", home, "extractive", log_path=home / "serve.log")
        try:
            for engine in args.engines.split(","):
                streamed(url, QUESTIONS[0], engine)  # warm-up: the model loaded once
                n = len(QUESTIONS) if engine == "extractive" else args.local_questions
                runs = [streamed(url, q, engine) for q in QUESTIONS[:n]]
                first = summary([r["first"] for r in runs])
                total = summary([r["total"] for r in runs])
                out["first_token"][engine] = {"questions": n, "first": first, "total": total}
                print(
                    f"{engine}: first token p50 {first['p50']} s, p95 {first['p95']} s; "
                    f"whole answer p50 {total['p50']} s ({n} questions, one at a time)"
                )
            qs = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.concurrency)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                runs = list(pool.map(lambda q: streamed(url, q, "extractive"), qs))
            wall = time.perf_counter() - t0
            out["concurrent"] = {
                "requests": len(runs),
                "completed": sum(r["ok"] for r in runs),
                "wall_s": round(wall, 3),
                "first": summary([r["first"] for r in runs]),
                "total": summary([r["total"] for r in runs]),
            }
            c = out["concurrent"]
            print(
                f"{c['requests']} concurrent streams (extractive): {c['completed']} completed in "
                f"{c['wall_s']} s; first token p50 {c['first']['p50']} s, max {c['first']['max']} s; "
                f"whole answer max {c['total']['max']} s"
            )
            # what a stored conversation adds: the same questions, with and without one
            plain = [streamed(url, q, "extractive")["total"] for q in QUESTIONS[:20]]
            conv = httpx.post(url + "/api/conversations", json={"title": "bench"}).json()["id"]
            kept = [
                streamed(url, q, "extractive", conversation=conv)["total"] for q in QUESTIONS[:20]
            ]
        finally:
            proc.terminate()
            proc.wait(10)
        store = ConversationStore(home / "bench.sqlite", "default")
        c = store.create("bench")
        # an answer object of a usual size: text, three citations, five hits
        answer = {
            "answer": "x" * 400,
            "citations": [{"quote": "y" * 200}] * 3,
            "hits": [{"text": "z" * 600}] * 5,
        }
        times = []
        for i in range(200):
            t = time.perf_counter()
            store.append(c.id, f"question {i}", answer)
            times.append(time.perf_counter() - t)
        out["storage"] = {
            "append_ms": summary([x * 1000 for x in times]),
            "ask_without_ms_p50": round(statistics.median(plain) * 1000, 1),
            "ask_with_ms_p50": round(statistics.median(kept) * 1000, 1),
        }
        s = out["storage"]
        print(
            f"storing a turn: append p50 {s['append_ms']['p50']} ms, p95 {s['append_ms']['p95']} ms; "
            f"/api/ask p50 {s['ask_without_ms_p50']} ms without a conversation, "
            f"{s['ask_with_ms_p50']} ms with one"
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
