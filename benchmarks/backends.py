"""Retrieval quality and search latency of the same library on each backend, side by side:
the local store, Milvus Lite on a `.db` file and `milvus-lite server` over gRPC (started here on a
free 127.0.0.1 port).

The XQuAD and CMRC paragraphs go in as one chunk each, with the vectors benchmarks/retrieval.py
cached (same embedder, same vectors everywhere), through the production write paths
(`build_snapshot`, `MilvusLibrary.write`); the production `HybridSearcher` ranks.

    python benchmarks/backends.py [--embedder e5-small] [--sets xquad-zh,xquad-en,cmrc]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval import QA, cached_encode, load_sets, metrics, paragraph_snapshot  # noqa: E402

from index.embedders import make_embedder  # noqa: E402
from index.milvus import MilvusLibrary  # noqa: E402
from index.search import HybridSearcher  # noqa: E402
from index.store import _keyword_text  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def milvus_copy(snap, address: str, library: str):  # type: ignore[no-untyped-def]
    lib = MilvusLibrary(address, library)
    lib.drop()
    lib.create(snap.embedder_name, snap.vectors.shape[1], {"max_chars": 100000, "overlap": 0})
    docs = {e.doc.id: e.doc for e in snap.docs}
    for i in range(0, len(snap.docs), 200):
        entries = snap.docs[i : i + 200]
        ids = {e.doc.id for e in entries}
        rows = [j for j, c in enumerate(snap.chunks) if c.doc_id in ids]
        chunks = [snap.chunks[j] for j in rows]
        lib.write(
            entries,
            chunks,
            snap.vectors[rows],
            [_keyword_text(c, docs[c.doc_id]) for c in chunks],
            {},
        )
    return lib


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--sets", default="xquad-zh,xquad-en,cmrc")
    ap.add_argument("--latency-queries", type=int, default=100)
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    emb = make_embedder(args.embedder)
    tmp = Path(tempfile.mkdtemp())
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("milvus-lite"), "server", "--data-dir", str(tmp / "srv")]
        + ["--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        addresses = {
            "milvus lite": f"milvus://{tmp / 'lite.db'}",
            "lite server": f"milvus://127.0.0.1:{port}",
        }
        print(f"{'set':10} {'backend':12} {'R@1':>6} {'R@5':>6} {'MRR':>6}  search p50 / p95")
        for name, (paragraphs, questions, gold) in load_sets(args.sets.split(",")).items():
            pvecs = cached_encode(emb, [p["text"] for p in paragraphs], False)
            qvecs = cached_encode(emb, questions, True)
            snap = paragraph_snapshot(paragraphs, pvecs, emb)
            libs = {"local": snap}
            for backend, address in addresses.items():
                libs[backend] = milvus_copy(snap, address, name.replace("-", "_"))
            for backend, lib in libs.items():
                searcher = HybridSearcher(lib, emb)
                hits = searcher.search_with_vectors(questions, qvecs, 10)
                m = metrics([[h.chunk.id for h in hs] for hs in hits], gold)
                lat = []
                for q, v in zip(questions[: args.latency_queries], qvecs, strict=False):
                    t = time.perf_counter()
                    searcher.search_with_vectors([q], v[None, :], 5)
                    lat.append((time.perf_counter() - t) * 1000)
                lat.sort()
                print(
                    f"{name:10} {backend:12} {m['R@1']:6.3f} {m['R@5']:6.3f} {m['MRR']:6.3f}  "
                    f"{statistics.median(lat):6.1f} / {lat[int(0.95 * (len(lat) - 1))]:6.1f} ms",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
