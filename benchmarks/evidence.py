"""Evidence-sentence selection on held-out data: XQuAD (Wikipedia, zh paragraphs), questions in
Chinese and in English. For each question the pipeline retrieves 5 paragraphs from all 240 and
ranks their sentences; a hit is the gold answer inside the top-1 / top-4 sentences (4 is what the
LLM sees). Swept over the share of dense similarity in the sentence score.

    python benchmarks/evidence.py --embedder e5-small [--limit 400] [--shares 0.8:0.4,0.4:0.3]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrieval import QA, cached_encode, paragraph_snapshot, read_jsonl  # noqa: E402

from index.embedders import make_embedder  # noqa: E402
from index.search import HybridSearcher  # noqa: E402
from qa.engines import ExtractiveEngine  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402
from qa.policy import POLICY  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--limit", type=int, default=400, help="questions (every n-th, for speed)")
    ap.add_argument("--shares", default="0.8:0.4,0.6:0.4,0.4:0.3,0.3:0.2")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not (QA / "xquad_corpus.jsonl").exists():
        print(f"no XQuAD data under {QA}", file=sys.stderr)
        return 1
    corpus = read_jsonl(QA / "xquad_corpus.jsonl")
    qs = read_jsonl(QA / "xquad_questions.jsonl")
    qs = qs[:: max(1, len(qs) // args.limit)][: args.limit]
    embedder = make_embedder(args.embedder)
    vectors = cached_encode(embedder, [p["text"] for p in corpus], False)
    pipe = QAPipeline(
        HybridSearcher(paragraph_snapshot(corpus, vectors, embedder), embedder),
        ExtractiveEngine(),
    )
    results = {}
    for pair in args.shares.split(","):
        cross, same = (float(x) for x in pair.split(":"))
        w = replace(POLICY.weights(embedder.name), dense_cross=cross, dense_same=same)
        pipe.policy = replace(POLICY, rank={**POLICY.rank, embedder.name: w})
        row = {}
        for lang in ("zh", "en"):
            top1 = top4 = 0
            for q in qs:
                p = pipe.prepare_batch([q[f"question_{lang}"]])[0]
                sents = [e.text for e in p.request.evidence]
                golds = q["answers_zh"]
                top1 += bool(sents) and any(g in sents[0] for g in golds)
                top4 += any(g in s for s in sents[:4] for g in golds)
            row[lang] = {"top1": top1 / len(qs), "top4": top4 / len(qs)}
        results[pair] = row
        print(
            f"dense share cross {cross} / same {same}: "
            + "  ".join(
                f"{lang}->zh top1 {v['top1']:.3f} top4 {v['top4']:.3f}" for lang, v in row.items()
            ),
            flush=True,
        )
    if args.json:
        args.json.write_text(
            json.dumps({"embedder": args.embedder, "n": len(qs), "results": results}, indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
