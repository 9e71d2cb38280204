"""Retrieval quality on ../shared/eval/qa: R@1, R@5, MRR of the gold paragraph.

Sets: XQuAD Chinese questions -> 240 Chinese paragraphs, XQuAD English questions -> the same
Chinese paragraphs, CMRC 2018 dev questions -> 848 paragraphs. Systems, in the same run:
BM25 alone, dense alone, docqa hybrid (the production `HybridSearcher`), and what a LangChain user
would build (BM25Retriever with jieba + FAISS vector store in an EnsembleRetriever, same vectors).

Embeddings are cached in benchmarks/results/cache/ (keyed by embedder and text hash), so a rerun
measures ranking, not encoding. Speed is measured separately (benchmarks/speed.py).

    python benchmarks/retrieval.py --embedder e5-small [--sets xquad-zh,xquad-en,cmrc] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.chunking import ChunkingConfig  # noqa: E402
from corpus.html import Extracted  # noqa: E402
from corpus.readers import build_document  # noqa: E402
from corpus.records import Chunk  # noqa: E402
from index.embedders import Embedder, make_embedder  # noqa: E402
from index.search import HybridSearcher, SearchConfig  # noqa: E402
from index.store import DocEntry, build_snapshot  # noqa: E402

QA = ROOT.parent / "shared" / "eval" / "qa"
CACHE = ROOT / "benchmarks" / "results" / "cache"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def load_sets(names: list[str]) -> dict[str, tuple[list[dict], list[str], list[str]]]:
    """name -> (paragraphs, questions, gold paragraph ids)."""
    out = {}
    if any(n.startswith("xquad") for n in names):
        corpus = read_jsonl(QA / "xquad_corpus.jsonl")
        qs = read_jsonl(QA / "xquad_questions.jsonl")
        if "xquad-zh" in names:
            out["xquad-zh"] = (
                corpus,
                [q["question_zh"] for q in qs],
                [q["context_id"] for q in qs],
            )
        if "xquad-en" in names:
            out["xquad-en"] = (
                corpus,
                [q["question_en"] for q in qs],
                [q["context_id"] for q in qs],
            )
    if "cmrc" in names:
        corpus = read_jsonl(QA / "cmrc_corpus.jsonl")
        qs = read_jsonl(QA / "cmrc_questions.jsonl")
        out["cmrc"] = (corpus, [q["question"] for q in qs], [q["context_id"] for q in qs])
    return out


def cached_encode(embedder: Embedder, texts: list[str], is_query: bool) -> np.ndarray:
    key = hashlib.sha256(("\x1f".join(texts) + f"|{is_query}").encode()).hexdigest()[:16]
    path = (
        CACHE
        / f"{embedder.name.replace('/', '_').replace(':', '_')}-{'q' if is_query else 'p'}-{key}.npy"
    )
    if path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    batches = []
    step = 64
    for i in range(0, len(texts), step):
        fn = embedder.encode_queries if is_query else embedder.encode_passages
        batches.append(fn(texts[i : i + step]))
        print(
            f"  encoding {'queries' if is_query else 'passages'} {min(i + step, len(texts))}/{len(texts)}",
            end="\r",
            file=sys.stderr,
        )
    vecs = np.vstack(batches)
    print(
        f"  encoded {len(texts)} {'queries' if is_query else 'passages'} in {time.perf_counter() - t0:.0f} s"
        + " " * 20,
        file=sys.stderr,
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def paragraph_snapshot(paragraphs: list[dict], vectors: np.ndarray, embedder: Embedder):  # type: ignore[no-untyped-def]
    """One document and one chunk per paragraph, through the production snapshot builder."""
    entries, chunks = [], []
    for p in paragraphs:
        doc = build_document(Extracted([p["text"]]), path=p["id"], fmt="txt")
        entries.append(DocEntry(doc, p["id"], 1, ""))
        chunks.append(
            Chunk(
                id=p["id"],
                doc_id=doc.id,
                index=0,
                text=doc.text,
                start=0,
                end=len(doc.text),
                lang=doc.lang,
            )
        )
    return build_snapshot(
        entries, chunks, vectors, embedder.name, embedder.dim, ChunkingConfig(max_chars=100000)
    )


def metrics(ranked: list[list[str]], gold: list[str]) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for ids, g in zip(ranked, gold, strict=True):
        if g in ids:
            pos = ids.index(g) + 1
            r1 += pos == 1
            r5 += pos <= 5
            mrr += 1 / pos
    n = len(gold)
    return {"R@1": r1 / n, "R@5": r5 / n, "MRR": mrr / n}


def langchain_ranked(
    paragraphs: list[dict], pvecs: np.ndarray, questions: list[str], qvecs: np.ndarray, k: int
) -> list[list[str]]:
    """BM25Retriever(jieba) + FAISS vector store, EnsembleRetriever with equal weights."""
    import jieba
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_core.embeddings import Embeddings

    qmap = {q: v for q, v in zip(questions, qvecs, strict=True)}

    class Cached(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise NotImplementedError

        def embed_query(self, text: str) -> list[float]:
            return qmap[text].tolist()

    texts = [p["text"] for p in paragraphs]
    metas = [{"id": p["id"]} for p in paragraphs]
    bm25 = BM25Retriever.from_texts(texts, metadatas=metas, preprocess_func=jieba.lcut, k=k)
    store = FAISS.from_embeddings(
        list(zip(texts, pvecs.tolist(), strict=True)), Cached(), metadatas=metas
    )
    ens = EnsembleRetriever(
        retrievers=[bm25, store.as_retriever(search_kwargs={"k": k})], weights=[0.5, 0.5]
    )
    return [[d.metadata["id"] for d in ens.invoke(q)][:k] for q in questions]


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--sets", default="xquad-zh,xquad-en,cmrc")
    ap.add_argument("--systems", default="bm25,dense,hybrid,langchain")
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions of each set")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    embedder = make_embedder(args.embedder)
    systems = args.systems.split(",")
    results: dict[str, dict] = {}
    for name, (paragraphs, questions, gold) in load_sets(args.sets.split(",")).items():
        if args.limit:
            questions, gold = questions[: args.limit], gold[: args.limit]
        print(
            f"{name}: {len(questions)} questions over {len(paragraphs)} paragraphs", file=sys.stderr
        )
        pvecs = cached_encode(embedder, [p["text"] for p in paragraphs], False)
        qvecs = cached_encode(embedder, questions, True)
        snap = paragraph_snapshot(paragraphs, pvecs, embedder)
        res = {}
        for system in systems:
            t0 = time.perf_counter()
            if system == "langchain":
                ranked = langchain_ranked(paragraphs, pvecs, questions, qvecs, 10)
            else:
                mode = {"bm25": "keyword", "dense": "dense", "hybrid": "hybrid"}[system]
                searcher = HybridSearcher(snap, embedder, SearchConfig(mode=mode))
                hits = searcher.search_with_vectors(questions, qvecs, 10)
                ranked = [[h.chunk.id for h in hs] for hs in hits]
            res[system] = {**metrics(ranked, gold), "seconds": time.perf_counter() - t0}
        results[name] = res
    print(f"\nRetrieval, embedder {embedder.name}")
    print(f"{'set':10} {'system':10} {'R@1':>6} {'R@5':>6} {'MRR':>6}")
    for name, res in results.items():
        for system, m in res.items():
            print(f"{name:10} {system:10} {m['R@1']:6.3f} {m['R@5']:6.3f} {m['MRR']:6.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"embedder": embedder.name, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
