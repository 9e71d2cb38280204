"""Ingest speed and retrieval quality of embedders, in one run: is the faster one as good?

For each embedder: a real `ingest` of the first N XQuAD Chinese paragraphs into a fresh index
(chunks and evidence sentences embedded, as users run it; the model and dictionaries loaded
beforehand, since a large ingest pays for them once) gives chunks/s for the whole ingest and for
embedding the chunks alone; then XQuAD zh->zh and en->zh R@1 / R@5 (dense alone and docqa hybrid) over
all 240 paragraphs gives the quality at that speed.

    python benchmarks/ingest_speed.py [--embedders embeddinggemma,embeddinggemma-int8] [--docs 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval import QA, cached_encode, load_sets, metrics, paragraph_snapshot  # noqa: E402

from corpus.segment import default_segmenter  # noqa: E402
from index.embedders import make_embedder  # noqa: E402
from index.ingest import embed_chunks, ingest  # noqa: E402
from index.search import HybridSearcher, SearchConfig  # noqa: E402
from index.store import load_snapshot  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def xquad_docs(n: int, folder: Path) -> list[dict]:
    """The first `n` XQuAD Chinese paragraphs as text files (title, blank line, text) in
    `folder`; returns their rows ([] without the benchmark data)."""
    corpus = QA / "xquad_corpus.jsonl"
    if not corpus.exists():
        return []
    rows = [json.loads(line) for line in corpus.open(encoding="utf-8")][:n]
    folder.mkdir(parents=True, exist_ok=True)
    for r in rows:
        (folder / f"{r['id']}.txt").write_text(r["title"] + "\n\n" + r["text"], encoding="utf-8")
    return rows


def speed(name: str, n_docs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        xquad_docs(n_docs, docs)
        emb = make_embedder(name)
        emb.encode_passages(["warm up"])  # loading the model and dictionaries is paid once,
        default_segmenter().tag("预热")  # not per chunk: keep it out of the throughput
        t = time.perf_counter()
        report = ingest([docs], Path(tmp) / "idx", name, embedder=emb)
        total = time.perf_counter() - t
        snap = load_snapshot(Path(tmp) / "idx")
    t = time.perf_counter()
    embed_chunks(emb, snap.chunks, {e.doc.id: e.doc for e in snap.docs})
    chunks_s = time.perf_counter() - t
    return {
        "chunks": report.chunks_embedded,
        "sentences": report.sentences_embedded,
        "ingest_chunks_per_s": report.chunks_embedded / total,
        "chunk_embedding_per_s": report.chunks_embedded / chunks_s,
    }


def quality(name: str) -> dict[str, dict[str, float]]:
    emb = make_embedder(name)
    out = {}
    for set_name, (paragraphs, questions, gold) in load_sets(["xquad-zh", "xquad-en"]).items():
        pvecs = cached_encode(emb, [p["text"] for p in paragraphs], False)
        qvecs = cached_encode(emb, questions, True)
        snap = paragraph_snapshot(paragraphs, pvecs, emb)
        for mode in ("dense", "hybrid"):
            hits = HybridSearcher(snap, emb, SearchConfig(mode=mode)).search_with_vectors(
                questions, qvecs, 10
            )
            m = metrics([[h.chunk.id for h in hs] for hs in hits], gold)
            out[f"{set_name} {mode}"] = {"R@1": m["R@1"], "R@5": m["R@5"]}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embedders", default="embeddinggemma,embeddinggemma-int8")
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--json", type=Path, default=RESULTS / "ingest-speed.json")
    args = ap.parse_args()
    if not (QA / "xquad_corpus.jsonl").exists():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    results = {}
    for name in args.embedders.split(","):
        print(f"{name}: ingesting {args.docs} paragraphs", file=sys.stderr)
        results[name] = {"speed": speed(name, args.docs), "quality": quality(name)}
    print(f"\n{'embedder':22} {'chunks/s (chunks)':>18} {'chunks/s (ingest)':>18}  R@1 / R@5")
    for name, r in results.items():
        s = r["speed"]
        q = "  ".join(f"{k} {v['R@1']:.3f}/{v['R@5']:.3f}" for k, v in r["quality"].items())
        print(f"{name:22} {s['chunk_embedding_per_s']:18.2f} {s['ingest_chunks_per_s']:18.2f}  {q}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"docs": args.docs, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
