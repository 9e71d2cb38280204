"""Retrieval quality and search latency of the same library on each backend, side by side:
the local store, Milvus Lite on a `.db` file and `milvus-lite server` over gRPC (started here on a
free 127.0.0.1 port).

The XQuAD and CMRC paragraphs go in as one chunk each, with the vectors benchmarks/retrieval.py
cached (same embedder, same vectors everywhere), through the production write paths
(`build_snapshot`, `MilvusLibrary.write`); the production `HybridSearcher` ranks.

    python benchmarks/backends.py [--embedder e5-small] [--sets xquad-zh,xquad-en,cmrc]

At scale (`--scale 10000,100000`): a synthesized library of N chunks (benchmarks/speed.py's: real
paragraph vectors plus noise, rotated sentences) is written to each backend in a fresh process
(and a fresh `milvus-lite server`), and reports the write speed (chunks/s, embedding excluded),
hybrid search p50 / p95 over CMRC questions, and peak RSS (this process, plus the server's).

    python benchmarks/backends.py --scale 10000 [--backends local,lite,server]
"""

from __future__ import annotations

import argparse
import shutil
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


def _hwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("milvus-lite"), "server", "--data-dir", str(data_dir)]
        + ["--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)
    return server, port


def scale_one(backend: str, n: int, address: str, embedder: str, n_queries: int) -> dict:
    """Write a synthesized library of `n` chunks to one backend and search it (this process)."""
    from speed import base_texts, synthesize, synthetic_records, synthetic_vectors

    from corpus.chunking import ChunkingConfig
    from index.store import build_snapshot

    emb = make_embedder(embedder)
    texts, questions = base_texts()
    vecs = synthetic_vectors(emb, texts, n)
    queries = questions[:n_queries]
    qvecs = emb.encode_queries(queries)
    entries, chunks = synthetic_records(synthesize(texts, n))
    t0 = time.perf_counter()
    snap = build_snapshot(
        entries, chunks, vecs, emb.name, emb.dim, ChunkingConfig(max_chars=100000)
    )
    lib = snap if backend == "local" else milvus_copy(snap, address, f"scale{n}")
    write_s = time.perf_counter() - t0
    searcher = HybridSearcher(lib, emb)
    searcher.search_with_vectors(queries[:1], qvecs[:1], 5)  # warm
    lat = []
    for q, v in zip(queries, qvecs, strict=True):
        t = time.perf_counter()
        searcher.search_with_vectors([q], v[None, :], 5)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {
        "backend": backend,
        "chunks": n,
        "write_chunks_per_s": n / write_s,
        "p50_ms": statistics.median(lat),
        "p95_ms": lat[int(0.95 * (len(lat) - 1))],
        "rss_mb": _hwm_mb(),
    }


def scale(sizes: list[int], backends: list[str], embedder: str, n_queries: int) -> None:
    import json

    print(f"{'backend':12} {'chunks':>7}  write chunks/s  search p50 / p95    peak RSS (+ server)")
    for n in sizes:
        for backend in backends:
            tmp = Path(tempfile.mkdtemp())
            server = None
            if backend == "server":
                server, port = start_server(tmp / "srv")
                address = f"milvus://127.0.0.1:{port}"
            else:
                address = f"milvus://{tmp / 'lite.db'}"
            try:
                proc = subprocess.run(
                    [sys.executable, __file__, "--one", backend, str(n), address]
                    + ["--embedder", embedder, "--latency-queries", str(n_queries)],
                    capture_output=True,
                    text=True,
                )
                server_mb = _hwm_mb(server.pid) if server else 0.0
            finally:
                if server:
                    server.terminate()
                    server.wait(10)
                shutil.rmtree(tmp, ignore_errors=True)  # a 100k library is about 1 GB
            if proc.returncode:
                print(f"{backend} at {n}: failed\n{proc.stderr[-1500:]}", file=sys.stderr)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            extra = f" + {server_mb:.0f} MB" if server else ""
            print(
                f"{backend:12} {n:>7}  {r['write_chunks_per_s']:14.0f}  "
                f"{r['p50_ms']:7.1f} / {r['p95_ms']:7.1f} ms  {r['rss_mb']:6.0f} MB{extra}",
                flush=True,
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--sets", default="xquad-zh,xquad-en,cmrc")
    ap.add_argument("--latency-queries", type=int, default=100)
    ap.add_argument("--scale", help="sizes in chunks, e.g. 10000,100000")
    ap.add_argument("--backends", default="local,lite,server")
    ap.add_argument("--one", nargs=3, metavar=("BACKEND", "N", "ADDRESS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    if args.one:
        import json

        backend, n, address = args.one
        print(json.dumps(scale_one(backend, int(n), address, args.embedder, args.latency_queries)))
        return 0
    if args.scale:
        sizes = [int(x) for x in args.scale.split(",")]
        scale(sizes, args.backends.split(","), args.embedder, args.latency_queries)
        return 0
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
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
