"""Sentences, segmentation and chunking: offsets are exact and numbers stay whole."""

from __future__ import annotations

import pytest

from corpus.chunking import ChunkingConfig, chunk_document
from corpus.demo import demo_paths
from corpus.html import Extracted
from corpus.readers import build_document, read_document
from corpus.segment import Segmenter, cut
from corpus.sentences import split_sentences


def _sentences(text: str) -> list[str]:
    """The sentences' texts, each checked against its offsets in `text`."""
    for s in split_sentences(text, offset=5):
        assert text[s.start - 5 : s.end - 5] == s.text
    return [s.text for s in split_sentences(text)]


def test_chinese_and_english_sentences_keep_decimals() -> None:
    text = "总收入7903.8万美元，同比增长158.9%；毛利2007.9万美元。他说：“好！”然后呢？好的……English here. Dr. Smith paid US$1.5 million! Right"
    assert _sentences(text) == [
        "总收入7903.8万美元，同比增长158.9%；",
        "毛利2007.9万美元。",
        "他说：“好！”",
        "然后呢？",
        "好的……",
        "English here.",
        "Dr. Smith paid US$1.5 million!",
        "Right",
    ]


def test_a_semicolon_inside_brackets_or_a_colons_list_ends_no_sentence() -> None:
    """Cut there, a quote says less than its sentence: 历任主席为：A；B；C。 cut after A reads as if A
    were the only chair, and 三点要素：一是……； gives one element of three."""
    text = (
        "IPCC 历任主席为：拉津德·帕乔里，于2002年任职；罗伯特·沃森，于1997年任职；伯特·布林，于1988年任职。"
        "亚马逊雨林（葡萄牙语：Amazônia；荷兰语：Amazoneregenwoud）是一片阔叶林。"
        "营收增长；亏损扩大。"
    )
    assert _sentences(text) == [
        "IPCC 历任主席为：拉津德·帕乔里，于2002年任职；罗伯特·沃森，于1997年任职；伯特·布林，于1988年任职。",
        "亚马逊雨林（葡萄牙语：Amazônia；荷兰语：Amazoneregenwoud）是一片阔叶林。",
        "营收增长；",
        "亏损扩大。",
    ]
    # a list too long to read as one sentence is cut at its items again
    items = "；".join(f"第{i}项：" + "很长的内容" * 8 for i in range(12)) + "。"
    assert len(split_sentences(items)) > 1


def test_each_table_cell_statement_is_a_sentence() -> None:
    """A row's cell statements (`corpus.tables.row_statements`) are joined by `；`, and each has a
    colon before its value: that colon opens no list. Read as one sentence, a row's cells hid the
    one empty cell asked about (`2023年Vertex的营业收入是多少？` was answered with the 毛利 row, whose
    sentence went on past the 营业收入 row's cells before it)."""
    row = "Vertex主要财务数据 · 毛利 · 2023年: 71372.7万元；Vertex主要财务数据 · 毛利 · 2024年: 33921.1万元"
    assert _sentences(row) == [
        "Vertex主要财务数据 · 毛利 · 2023年: 71372.7万元；",
        "Vertex主要财务数据 · 毛利 · 2024年: 33921.1万元",
    ]
    english = "Revenue · 2023: 120; Revenue · 2024: 150"
    assert _sentences(english) == ["Revenue · 2023: 120;", "Revenue · 2024: 150"]


def test_half_width_question_marks_in_chinese() -> None:
    assert [s.text for s in split_sentences("用户付费情况如何?新用户数大幅下滑!")] == [
        "用户付费情况如何?",
        "新用户数大幅下滑!",
    ]


def test_segmentation_keeps_names_numbers_and_units_whole() -> None:
    toks = cut("MiniMax2025年全年总收入7903.8万美元,M2.5模型登顶OpenRouter,闫俊杰称ARR超1.5亿美元")
    for whole in [
        "minimax",
        "2025年",
        "7903.8万美元",
        "m2.5",
        "openrouter",
        "闫俊杰",
        "arr",
        "1.5亿美元",
    ]:
        assert whole in toks, whole


def test_traditional_chinese_is_folded_with_offsets() -> None:
    text = "日本企業信心5月保持穩定，製造業景氣判斷指數維持。"
    seg = Segmenter()
    toks = seg.tokenize(text)
    assert "企业" in [t.text for t in toks]
    for t in toks:
        assert t.end - t.start == len(t.text) or t.text.isascii()
        assert text[t.start : t.end]  # surface exists at the recorded span


def test_user_words_can_be_added() -> None:
    seg = Segmenter()
    assert "稀宇科技" in seg.cut("上海稀宇科技有限公司")
    seg.add_word("小满工作室")
    assert "小满工作室" in seg.cut("深网·腾讯新闻小满工作室")


@pytest.mark.parametrize("max_chars,overlap", [(400, 0), (200, 60), (80, 30), (40, 0)])
def test_chunks_are_exact_bounded_and_cover_the_text(max_chars: int, overlap: int) -> None:
    for path in demo_paths():
        doc = read_document(path)
        chunks = chunk_document(doc, ChunkingConfig(max_chars, overlap))
        assert [c.index for c in chunks] == list(range(len(chunks)))
        assert len({c.id for c in chunks}) == len(chunks)
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert len(c.text) <= max_chars
            assert c.doc_id == doc.id
        # Nothing is lost: every non-space character is inside some chunk.
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())
        if overlap:
            assert any(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))
        else:
            assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:], strict=False))


def test_ids_are_content_hashes() -> None:
    a = build_document(Extracted(["同样的内容。", "第二段。"]), path="a.txt", fmt="txt")
    b = build_document(Extracted(["同样的内容。", "第二段。"]), path="b.txt", fmt="txt")
    c = build_document(Extracted(["不同的内容。"]), path="a.txt", fmt="txt")
    assert a.id == b.id != c.id
    assert [x.id for x in chunk_document(a)] == [x.id for x in chunk_document(b)]


def test_bad_chunking_config_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="max_chars must be at least 20"):
        ChunkingConfig(max_chars=5)
    with pytest.raises(ValueError, match="overlap"):
        ChunkingConfig(max_chars=100, overlap=80)


def test_default_overlap_is_about_one_sentence_and_scales_down() -> None:
    assert ChunkingConfig() == ChunkingConfig(400, 120)
    assert ChunkingConfig(max_chars=60).overlap == 20  # a third of small chunks
    assert ChunkingConfig(max_chars=400, overlap=0).overlap == 0


def test_threads_tagging_at_once_all_get_the_user_dictionarys_tags() -> None:
    """A server's warm-up thread and its first question tag at once: each must see 智谱 as an
    organisation (the user dictionary's tag), which a second, racing tagger used to lose."""
    import threading

    from corpus.segment import Segmenter

    seg = Segmenter()
    start = threading.Barrier(6)
    tags: list[str] = []

    def tag() -> None:
        start.wait()
        tags.append(dict(seg.tag("智谱的估值是多少？"))["智谱"])

    threads = [threading.Thread(target=tag) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tags == ["nt"] * 6
