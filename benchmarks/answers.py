"""Answer quality per engine on the shipped bilingual dev set (qa/data/dev_questions.jsonl, 75 questions
over the demo corpus: 35 Chinese and 30 English answerable, 10 unanswerable).

Reports, per engine and language: answer accuracy, refusal accuracy on the unanswerable questions,
false refusals, citation verification rate, whether a citation points at the gold evidence, and
median / p95 latency (and time to first token for generative engines).

    python benchmarks/answers.py --engines extractive,local [--embedder e5-small] [--index DIR] [--details]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.demo import demo_paths  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.store import index_exists  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402
from qa.scoring import judge  # noqa: E402

DEV = ROOT / "qa" / "data" / "dev_questions.jsonl"


def pct(xs: list[bool]) -> str:
    return f"{sum(xs) / len(xs):.3f} ({sum(xs)}/{len(xs)})" if xs else "-"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--engines", default="extractive")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument(
        "--index", type=Path, help="an index of the demo corpus (built in a temp folder if absent)"
    )
    ap.add_argument("--questions", type=Path, default=DEV)
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.questions.open(encoding="utf-8")]
    tmp = None
    index_dir = args.index
    if index_dir is None or not index_exists(index_dir):
        tmp = tempfile.TemporaryDirectory()
        index_dir = index_dir or Path(tmp.name) / "idx"
        ingest(demo_paths(), index_dir, args.embedder)
    summary = {}
    for engine in args.engines.split(","):
        pipe = QAPipeline.from_index(index_dir, engine)
        pipe.ask("warm up")
        results = []
        for row in rows:
            t = time.perf_counter()
            first = None
            answer = None
            for event in pipe.stream(row["question"]):
                if isinstance(event, str):
                    if first is None:
                        first = time.perf_counter() - t
                else:
                    answer = event
            assert answer is not None
            latency = time.perf_counter() - t
            a = answer.to_json()
            verdict = judge(a, row)
            results.append(
                {
                    **verdict,
                    "id": row["id"],
                    "lang": row["lang"],
                    "latency": latency,
                    "first_token": first,
                    "answer": a["answer"],
                    "support": a["support"],
                }
            )
            if args.details:
                mark = "ok " if verdict["correct"] else "BAD"
                unverified = sum(not c["verified"] for c in a["citations"])
                flag = f" UNVERIFIED {unverified}" if unverified else ""
                print(
                    f"{mark} {row['id']:6} {latency:5.2f}s support {a['support']:.2f}{flag} {a['answer'][:150]!r}",
                    flush=True,
                )
        by = {}
        for lang in ("zh", "en"):
            ans = [r for r in results if r["lang"] == lang and r["answerable"]]
            by[lang] = {
                "accuracy": sum(r["correct"] for r in ans) / len(ans),
                "false_refusals": sum(r["refused"] for r in ans) / len(ans),
                "n": len(ans),
            }
        unans = [r for r in results if not r["answerable"]]
        shown = sum(r["citations"] for r in results)
        verified = sum(r["citations_verified"] for r in results)
        lat = sorted(r["latency"] for r in results)
        firsts = sorted(r["first_token"] for r in results if r["first_token"] is not None)
        summary[engine] = {
            "accuracy_zh": by["zh"]["accuracy"],
            "accuracy_en": by["en"]["accuracy"],
            "false_refusals_zh": by["zh"]["false_refusals"],
            "false_refusals_en": by["en"]["false_refusals"],
            "refusal_accuracy": sum(r["refused"] for r in unans) / len(unans),
            "citations_shown": shown,
            "citations_verified": verified,
            "citation_verification_rate": verified / shown if shown else None,
            "cites_gold_evidence": sum(1 for r in results if r["cited_gold"])
            / max(1, sum(1 for r in results if r["answerable"])),
            "latency_p50_s": statistics.median(lat),
            "latency_p95_s": lat[int(0.95 * (len(lat) - 1))],
            "first_token_p50_s": statistics.median(firsts) if firsts else None,
        }
        s = summary[engine]
        print(f"\nengine {engine} (index embedder {args.embedder}), {len(rows)} questions")
        print(
            f"  accuracy zh {pct([r['correct'] for r in results if r['lang'] == 'zh' and r['answerable']])}, "
            f"en {pct([r['correct'] for r in results if r['lang'] == 'en' and r['answerable']])}"
        )
        print(
            f"  unanswerable refused {pct([r['refused'] for r in unans])}; false refusals zh {s['false_refusals_zh']:.3f} en {s['false_refusals_en']:.3f}"
        )
        rate = f"{s['citation_verification_rate']:.3f}" if shown else "-"
        print(
            f"  citations shown {shown}, verified {verified} ({rate}); a citation quotes the gold evidence in {s['cites_gold_evidence']:.3f} of answerable questions"
        )
        ft = (
            f", first token p50 {s['first_token_p50_s']:.2f} s"
            if s["first_token_p50_s"] is not None
            else ""
        )
        print(
            f"  latency p50 {s['latency_p50_s'] * 1000:.0f} ms, p95 {s['latency_p95_s'] * 1000:.0f} ms{ft}",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
