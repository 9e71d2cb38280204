"""The index: persistence, incremental ingest, removal, atomic writes, hybrid search, LangChain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import index.ingest
from corpus.demo import demo_paths
from corpus.sandbox import InProcess
from index import store as store_mod
from index.embedders import EmbedderError, make_embedder
from index.ingest import ingest
from index.keyword import terms
from index.search import FusionWeights, HybridSearcher, fuse, query_terms
from index.store import IndexError_, load_snapshot, remove_documents

FAKE = "hash:64"


def test_ingest_persists_manifest_and_plain_files(tmp_path: Path, corpus_dir: Path) -> None:
    idx = tmp_path / "idx"
    report = ingest([corpus_dir], idx, FAKE)
    assert (
        report.written
        and len(report.new) == 2
        and report.chunks_embedded == report.chunks_total > 10
    )
    cur = (idx / "current").resolve()
    manifest = json.loads((cur / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["embedder"] == {"name": FAKE, "dim": 64}
    assert manifest["chunking"] == {"max_chars": 400, "overlap": 120}
    assert {d["title"] for d in manifest["documents"]} >= {
        "亏损超90亿,流动负债超百亿,MiniMax“命悬一线”"
    }
    assert all(len(d["file_sha256"]) == 64 for d in manifest["documents"])
    assert "built_at" in manifest
    for name in ["documents.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "bm25"]:
        assert (cur / name).exists(), name
    snap = load_snapshot(idx)
    for c in snap.chunks:
        entry = snap.doc(c.doc_id)
        assert entry is not None and entry.doc.text[c.start : c.end] == c.text
    assert snap.vectors.shape == (len(snap.chunks), 64)


def test_unchanged_files_embed_nothing_and_changed_files_replace_chunks(
    tmp_path: Path, corpus_dir: Path
) -> None:
    idx = tmp_path / "idx"
    first = ingest([corpus_dir], idx, FAKE)
    again = ingest([corpus_dir], idx, FAKE)
    assert again.unchanged and not again.new and not again.updated
    assert again.chunks_embedded == 0 and not again.written
    target = corpus_dir / demo_paths()[0].name
    target.write_text(
        target.read_text(encoding="utf-8")
        + "\n\n新增的一段：公司宣布了新的合作伙伴计划，预计明年完成。\n",
        encoding="utf-8",
    )
    changed = ingest([corpus_dir], idx, FAKE)
    assert len(changed.updated) == 1 and len(changed.unchanged) == 1
    assert (
        0 < changed.chunks_embedded < first.chunks_total
    )  # only the changed document's new chunks
    snap = load_snapshot(idx)
    assert len(snap.docs) == 2
    texts = [c.text for c in snap.chunks]
    assert any("新的合作伙伴计划" in t for t in texts)
    ids = {e.doc.id for e in snap.docs}
    assert {c.doc_id for c in snap.chunks} == ids  # no orphan chunks of the old version


def test_reread_updates_files_an_older_cleaner_read(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade of the cleaning, `ingest --reread` updates the documents whose cleaned
    text changed, and only those; a plain ingest leaves byte-identical files alone."""
    from click.testing import CliRunner

    import corpus.readers
    from ui.cli import cli

    wiki = corpus_dir / "wiki.txt"
    wiki.write_text(
        "雄安新区\n\n雄安新区由雄县、容城县、安新县及其周边部分地区组成[3]，于2017年4月1日正式成立。\n"
        "规划范围共1770平方公里[29][8]。\n",
        encoding="utf-8",
    )
    idx = tmp_path / "idx"
    with monkeypatch.context() as m:  # the cleaner of an earlier release kept reference marks
        m.setattr(corpus.readers, "strip_reference_marks", lambda text: text)
        m.setattr(index.ingest, "Sandbox", InProcess)  # read here, where the patch is
        ingest([corpus_dir], idx, FAKE)
    old = next(e for e in load_snapshot(idx).docs if "雄安" in e.doc.text)
    assert "组成[3]" in old.doc.text
    plain = ingest([corpus_dir], idx, FAKE)
    assert len(plain.unchanged) == 3 and not plain.written
    res = CliRunner().invoke(
        cli, ["ingest", "--index", str(idx), "--reread", "--json", str(corpus_dir)]
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert [Path(p).name for p in report["updated"]] == ["wiki.txt"]
    assert len(report["unchanged"]) == 2 and not report["new"]
    snap = load_snapshot(idx)
    new = next(e for e in snap.docs if "雄安" in e.doc.text)
    assert "组成，于2017年" in new.doc.text and "[29]" not in new.doc.text
    assert {c.doc_id for c in snap.chunks} == {e.doc.id for e in snap.docs}


def test_remove_deletes_everywhere(tmp_path: Path, corpus_dir: Path) -> None:
    idx = tmp_path / "idx"
    ingest([corpus_dir], idx, FAKE)
    snap = load_snapshot(idx)
    victim = next(e for e in snap.docs if "命悬一线" in (e.doc.title or ""))
    gone = remove_documents(idx, [victim.doc.id[:8]])
    assert [e.doc.id for e in gone] == [victim.doc.id]
    after = load_snapshot(idx)
    assert all(c.doc_id != victim.doc.id for c in after.chunks)
    assert after.dense.index.ntotal == len(after.chunks) == after.vectors.shape[0]
    hits = HybridSearcher(after, make_embedder(FAKE)).search("对赌赎回压力 流动负债", 10)
    assert hits and all(h.chunk.doc_id != victim.doc.id for h in hits)
    with pytest.raises(IndexError_, match="no document matches"):
        remove_documents(idx, ["nonexistent"])


def test_other_embedder_is_a_clear_error(tmp_path: Path, corpus_dir: Path) -> None:
    idx = tmp_path / "idx"
    ingest([corpus_dir], idx, FAKE)
    with pytest.raises(IndexError_, match="built with embedder 'hash:64', not 'e5-small'"):
        load_snapshot(idx, expect_embedder="e5-small")
    with pytest.raises(IndexError_, match="uses embedder 'hash:64'"):
        ingest([corpus_dir], idx, "e5-small")
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embedder("word2vec")


def test_crash_mid_write_leaves_previous_index_usable(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idx = tmp_path / "idx"
    ingest([demo_paths()[0]], idx, FAKE)
    before = load_snapshot(idx)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_mod.np, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        ingest([corpus_dir], idx, FAKE)
    monkeypatch.undo()
    after = load_snapshot(idx)
    assert [e.doc.id for e in after.docs] == [e.doc.id for e in before.docs]
    assert len(after.chunks) == len(before.chunks)
    # and the next ingest works and cleans up the half-written folder
    report = ingest([corpus_dir], idx, FAKE)
    assert len(load_snapshot(idx).docs) == 2
    # the copy of the already-ingested article is recognized by its content hash
    assert [Path(p).name for p, _ in report.duplicates] == [demo_paths()[0].name]
    assert not [p for p in (idx / "snapshots").iterdir() if p.name.startswith(".tmp")]


def test_bad_file_in_batch_is_reported_and_rest_ingested(tmp_path: Path, corpus_dir: Path) -> None:
    (corpus_dir / "empty.txt").write_bytes(b"")
    (corpus_dir / "blob.html").write_bytes(b"\x00\x01" * 500)
    report = ingest([corpus_dir], tmp_path / "idx", FAKE)
    assert len(report.new) == 2
    assert sorted(Path(p).name for p, _ in report.failed) == ["blob.html", "empty.txt"]
    assert any("empty" in e for _, e in report.failed)


def test_keyword_terms_and_cross_lingual_query_terms() -> None:
    ts = terms("总收入7903.8万美元，同比增长158.9%")
    assert "7903.8万美元" in ts and "7903.8" in ts and "158.9%" in ts and "158.9" in ts

    class Vocab:  # the index.backend.Library method query_terms uses
        def has_term(self, term: str) -> bool:
            return term in {"minimax", "2025", "收入", "营收", "创始人", "公司"}

    vocab = Vocab()
    q = query_terms("What was MiniMax's revenue in 2025?", "en", "zh", vocab)
    assert "minimax" in q and "2025" in q and ("收入" in q or "营收" in q)
    assert "what" not in q and "revenue" not in q
    assert query_terms("MiniMax的营收", "zh", "zh", vocab) == terms("MiniMax的营收")


def test_fusion_is_a_convex_combination_of_normalized_scores() -> None:
    rows = np.array([10, 11, 12])
    dense = np.array([0.9, 0.5, 0.1])
    keyword = np.array([0.0, 10.0, 2.0])
    assert [r for r, _ in fuse(rows, dense, keyword, FusionWeights(dense=0.7))] == [10, 11, 12]
    assert [r for r, _ in fuse(rows, dense, keyword, FusionWeights(dense=0.3))] == [11, 10, 12]
    only_dense = fuse(rows, dense, None, FusionWeights(dense=0.3))
    assert [r for r, _ in only_dense] == [10, 11, 12] and only_dense[0][1] == pytest.approx(1.0)
    assert fuse(rows, None, None, FusionWeights()) == []


def test_k_must_be_positive(tmp_path: Path) -> None:
    ingest([demo_paths()[1]], tmp_path / "idx", FAKE)
    with pytest.raises(ValueError, match="k must be between 1 and 50, got 0"):
        HybridSearcher(load_snapshot(tmp_path / "idx")).search("营收", 0)
