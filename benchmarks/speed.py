"""Index build speed, search latency and peak memory at 1k / 10k / 100k chunks, docqa vs the
LangChain baseline (BM25Retriever with jieba + FAISS vector store in an EnsembleRetriever).

Large corpora are synthesized from real text: XQuAD and CMRC paragraphs plus the demo chunks,
perturbed (sentences rotated, a serial number appended) until there are N distinct chunks.
Embedding 100k chunks with e5-small on 2 cores would take hours, so the encoder's throughput is
measured on a real sample and reported on its own; index vectors are the real vectors of the base
texts plus small noise. Query latency includes encoding the query with the real embedder.
Each size runs in a fresh subprocess so its peak RSS is its own.

Answer latency (docqa only): the whole extractive pipeline (retrieval, evidence selection with
dense sentence scores, refusal checks, citation verification) over the same synthesized library,
with the evidence-sentence vectors stored as ingest stores them (real vectors of the base
sentences; a rotated copy's sentences reuse them). Only the question is embedded per answer.

    python benchmarks/speed.py [--sizes 1000,10000,100000] [--queries 100] [--embedder e5-small]
                               [--answers 50] [--engine extractive|local]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QA = ROOT.parent / "shared" / "eval" / "qa"
CACHE = ROOT / "benchmarks" / "results" / "cache"


def base_texts() -> tuple[list[str], list[str]]:
    from corpus.chunking import chunk_document
    from corpus.demo import demo_paths
    from corpus.readers import read_document

    texts = []
    for name in ("xquad_corpus.jsonl", "cmrc_corpus.jsonl"):
        texts += [json.loads(line)["text"][:400] for line in (QA / name).open(encoding="utf-8")]
    for p in demo_paths():
        texts += [c.text for c in chunk_document(read_document(p))]
    questions = [
        json.loads(line)["question"]
        for line in (QA / "cmrc_questions.jsonl").open(encoding="utf-8")
    ]
    return texts, questions


def synthesize(texts: list[str], n: int) -> list[str]:
    out = []
    i = 0
    while len(out) < n:
        t = texts[i % len(texts)]
        k = i // len(texts)
        if k:
            parts = t.split("。")
            t = "。".join(parts[k % len(parts) :] + parts[: k % len(parts)]) + f"（第{k}版）"
        out.append(t)
        i += 1
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sentence_store(corpus: list[str], emb, cache_dir: Path):  # type: ignore[no-untyped-def]
    """The evidence-sentence vectors of the synthesized library, as ingest would store them: the
    base texts' sentences are embedded for real (cached on disk); a sentence of a rotated copy
    that differs only by its serial number reuses its base sentence's vector."""
    import re

    from corpus.sentences import evidence_sentences
    from index.sentences import SentenceVectors

    texts = list(dict.fromkeys(s.text for t in corpus for s in evidence_sentences(t)))
    serial = re.compile(r"（第\d+版）$")
    base = list(dict.fromkeys(serial.sub("", t) for t in texts))
    cache = cache_dir / f"speed-sentences-{emb.name}-{len(base)}.npy"
    if cache.exists():
        vecs = np.load(cache)
    else:
        vecs = np.vstack([emb.encode_passages(base[i : i + 64]) for i in range(0, len(base), 64)])
        np.save(cache, vecs)
    row = {t: i for i, t in enumerate(base)}
    return SentenceVectors(texts, vecs[[row[serial.sub("", t)] for t in texts]].astype(np.float16))


def answer_latency(snap, emb, questions: list[str], cache_dir: Path, engine: str) -> dict:  # type: ignore[no-untyped-def]
    """p50 / p95 of whole answers over the snapshot (sentence vectors stored) with `engine`."""
    from index.search import HybridSearcher
    from qa.engines import make_engine
    from qa.pipeline import QAPipeline

    t0 = time.perf_counter()
    snap.sentences = sentence_store([c.text for c in snap.chunks], emb, cache_dir)
    store_s = time.perf_counter() - t0
    pipe = QAPipeline(HybridSearcher(snap, emb), make_engine(engine)[0])
    pipe.ask(questions[0])  # dictionaries and models loaded
    lat = []
    for q in questions:
        t = time.perf_counter()
        pipe.ask(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {
        "answer_p50_ms": statistics.median(lat),
        "answer_p95_ms": lat[int(0.95 * (len(lat) - 1))],
        "answer_engine": engine,
        "sentences": len(snap.sentences),
        "sentence_store_s": store_s,
    }


def synthetic_vectors(emb, texts: list[str], n: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Vectors for `synthesize(texts, n)`: each base text's real vector (embedded once, cached on
    disk) plus a little noise, normalized."""
    cache = CACHE / f"speed-{emb.name}-{len(texts)}.npy"
    if cache.exists():
        base_vecs = np.load(cache)
    else:
        base_vecs = emb.encode_passages(texts)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, base_vecs)
    rng = np.random.default_rng(0)
    vecs = base_vecs[np.arange(n) % len(texts)] + rng.normal(0, 0.01, (n, emb.dim)).astype(
        np.float32
    )
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs


def synthetic_records(corpus: list[str]) -> tuple[list, list]:
    """One document and one whole-text chunk per synthesized text."""
    from corpus.html import Extracted
    from corpus.readers import build_document
    from corpus.records import Chunk
    from index.store import DocEntry

    entries, chunks = [], []
    for i, t in enumerate(corpus):
        doc = build_document(Extracted([t]), path=str(i), fmt="txt")
        entries.append(DocEntry(doc, str(i), 1, ""))
        chunks.append(Chunk(str(i), doc.id, 0, doc.text, 0, len(doc.text)))
    return entries, chunks


def run_one(
    system: str,
    n: int,
    n_queries: int,
    embedder_name: str,
    n_answers: int = 0,
    engine: str = "extractive",
) -> dict:
    """Build and query one system at one size (in this process)."""
    from index.embedders import make_embedder

    texts, questions = base_texts()
    corpus = synthesize(texts, n)
    emb = make_embedder(embedder_name)
    vecs = synthetic_vectors(emb, texts, n)
    queries = questions[:n_queries]
    emb.encode_queries(["warm up"])
    mem0 = peak_mb()
    t0 = time.perf_counter()
    if system == "docqa":
        from corpus.chunking import ChunkingConfig
        from index.search import HybridSearcher
        from index.store import build_snapshot

        entries, chunks = synthetic_records(corpus)
        snap = build_snapshot(
            entries, chunks, vecs, emb.name, emb.dim, ChunkingConfig(max_chars=100000)
        )
        build_s = time.perf_counter() - t0
        searcher = HybridSearcher(snap, emb)

        def ask(q: str) -> None:
            searcher.search(q, 5)

        answers = (
            answer_latency(snap, emb, questions[:n_answers], CACHE, engine) if n_answers else {}
        )
    else:
        answers = {}
        import jieba
        from langchain_classic.retrievers import EnsembleRetriever
        from langchain_community.retrievers import BM25Retriever
        from langchain_community.vectorstores import FAISS
        from langchain_core.embeddings import Embeddings

        class Wrap(Embeddings):
            def embed_documents(self, ts: list[str]) -> list[list[float]]:
                return emb.encode_passages(ts).tolist()

            def embed_query(self, text: str) -> list[float]:
                return emb.encode_queries([text])[0].tolist()

        bm25 = BM25Retriever.from_texts(corpus, preprocess_func=jieba.lcut, k=5)
        store = FAISS.from_embeddings(list(zip(corpus, vecs.tolist(), strict=True)), Wrap())
        ens = EnsembleRetriever(
            retrievers=[bm25, store.as_retriever(search_kwargs={"k": 5})], weights=[0.5, 0.5]
        )
        build_s = time.perf_counter() - t0

        def ask(q: str) -> None:
            ens.invoke(q)

    lat = []
    for q in queries:
        t = time.perf_counter()
        ask(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {
        "system": system,
        "chunks": n,
        "build_s": build_s,
        "build_chunks_per_s": n / build_s,
        "p50_ms": statistics.median(lat),
        "p95_ms": lat[int(0.95 * (len(lat) - 1))],
        "peak_rss_mb": peak_mb(),
        "rss_growth_mb": peak_mb() - mem0,
        **answers,
    }


def encoder_throughput(embedder_name: str) -> float:
    from index.embedders import make_embedder

    texts, _ = base_texts()
    emb = make_embedder(embedder_name)
    emb.encode_passages(["warm up"])
    sample = texts[:128]
    t = time.perf_counter()
    emb.encode_passages(sample)
    return len(sample) / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--systems", default="docqa,langchain")
    ap.add_argument("--one", nargs=2, metavar=("SYSTEM", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--answers", type=int, default=50, help="questions for answer latency; 0: skip")
    ap.add_argument("--engine", default="extractive", help="answer engine: extractive or local")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.one:
        row = run_one(
            args.one[0], int(args.one[1]), args.queries, args.embedder, args.answers, args.engine
        )
        print(json.dumps(row))
        return 0
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    rows = []
    for n in map(int, args.sizes.split(",")):
        for system in args.systems.split(","):
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    system,
                    str(n),
                    "--queries",
                    str(args.queries),
                    "--embedder",
                    args.embedder,
                    "--answers",
                    str(args.answers),
                    "--engine",
                    args.engine,
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(f"{system} at {n}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{system:10} {n:>7} chunks: build {row['build_chunks_per_s']:8.0f} chunks/s, "
                f"search p50 {row['p50_ms']:7.1f} ms p95 {row['p95_ms']:7.1f} ms, peak RSS {row['peak_rss_mb']:6.0f} MB"
                + (
                    f", {args.engine} answer p50 {row['answer_p50_ms']:7.1f} ms p95 {row['answer_p95_ms']:7.1f} ms"
                    if "answer_p50_ms" in row
                    else ""
                ),
                flush=True,
            )
    enc = encoder_throughput(args.embedder)
    print(
        f"\nencoder {args.embedder}: {enc:.1f} passages/s (the bound on ingest speed; build figures above exclude it)"
    )
    print(
        "\nratios docqa / langchain (build speed: higher is better; latency and memory: lower is better)"
    )
    for n in map(int, args.sizes.split(",")):
        d = next((r for r in rows if r["system"] == "docqa" and r["chunks"] == n), None)
        lc = next((r for r in rows if r["system"] == "langchain" and r["chunks"] == n), None)
        if d and lc:
            print(
                f"{n:>7}: build x{d['build_chunks_per_s'] / lc['build_chunks_per_s']:.2f}, "
                f"p50 x{d['p50_ms'] / lc['p50_ms']:.2f}, p95 x{d['p95_ms'] / lc['p95_ms']:.2f}, "
                f"peak RSS x{d['peak_rss_mb'] / lc['peak_rss_mb']:.2f}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"embedder": args.embedder, "encoder_passages_per_s": enc, "rows": rows}, indent=1
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
