"""What ingest spends its embedding time on: chunks vs the evidence sentences stored with them.

Ingests the first N XQuAD Chinese paragraphs into a fresh index with the given embedder, then
re-embeds the same chunks and sentences alone to split the time.

    python benchmarks/ingest_cost.py [--embedder e5-small] [--docs 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest_speed import xquad_docs  # noqa: E402  (benchmarks/)

from index.embedders import make_embedder  # noqa: E402
from index.ingest import embed_chunks, ingest  # noqa: E402
from index.sentences import embed_sentences  # noqa: E402
from index.store import load_snapshot  # noqa: E402

QA = ROOT.parent / "shared" / "eval" / "qa"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--docs", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        rows = xquad_docs(args.docs, docs)
        if not rows:
            print(f"no benchmark data at {QA}", file=sys.stderr)
            return 2
        t = time.perf_counter()
        report = ingest([docs], Path(tmp) / "idx", args.embedder)
        total = time.perf_counter() - t
        snap = load_snapshot(Path(tmp) / "idx")
    assert snap.sentences is not None
    emb = make_embedder(args.embedder)
    emb.encode_passages(["warm up"])
    t = time.perf_counter()
    embed_chunks(emb, snap.chunks, {e.doc.id: e.doc for e in snap.docs})
    chunk_s = time.perf_counter() - t
    t = time.perf_counter()
    embed_sentences(emb.encode_passages, snap.sentences.texts)
    sent_s = time.perf_counter() - t
    print(
        f"{len(rows)} documents, {report.chunks_embedded} chunks, {report.sentences_embedded} "
        f"sentences: ingest {total:.1f} s = {report.chunks_embedded / total:.2f} chunks/s overall"
    )
    print(
        f"chunks alone {chunk_s:.1f} s ({len(snap.chunks) / chunk_s:.2f} chunks/s), sentences "
        f"alone {sent_s:.1f} s: sentences take {sent_s / (chunk_s + sent_s):.0%} of embedding time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
