"""Names from the user's own library: parallel mentions and pinyin of person names, found at ingest,
so English questions about names the shipped glossary lacks retrieve, answer and verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ScriptedEngine

from corpus.mentions import library_terms, parallel_mentions, pinyin_name
from corpus.sandbox import InProcess
from index.ingest import ingest
from index.search import HybridSearcher
from index.store import load_snapshot
from qa.engines import ExtractiveEngine
from qa.pipeline import QAPipeline

ARTICLE = (
    "星河科技年度报告\n\n"
    "2019年，张伟在杭州创立了星河科技，专注于工业机器人。\n"
    "李明华于2021年加入星河科技，担任首席技术官，负责视觉算法团队。\n"
    "2024年，华纳兄弟（Warner Bros.）与星河科技签订了影视特效合作协议，合同金额为1.2亿元。\n"
    "星河科技旗下的星尘AI(Stardust AI)平台已服务300家工厂。\n"
)


@pytest.mark.parametrize(
    ("name", "pinyin"), [("张伟", "Zhang Wei"), ("李明华", "Li Minghua"), ("欧阳修", "Ouyang Xiu")]
)
def test_mandarin_names_in_pinyin(name: str, pinyin: str) -> None:
    assert pinyin_name(name) == pinyin


def test_parallel_mentions_and_person_names_are_found() -> None:
    assert parallel_mentions("与英伟达（NVIDIA）合作，旗下海螺AI(Hailuo AI)上线") == [
        ("英伟达", "NVIDIA"),
        ("海螺AI", "Hailuo AI"),
    ]
    assert parallel_mentions("NVIDIA（英伟达）") == [("英伟达", "NVIDIA")]
    terms = library_terms(ARTICLE)
    for pair in [
        ("张伟", "Zhang Wei"),
        ("李明华", "Li Minghua"),
        ("华纳兄弟", "Warner Bros."),
        ("星尘AI", "Stardust AI"),
    ]:
        assert pair in terms
    # jieba tags common words as names too (明星, 顾问): they are not kept
    assert library_terms("这位明星请了一位顾问。") == []


@pytest.mark.parametrize(
    ("claim", "source", "verified"),
    [
        # a Western name the text writes in Chinese, through the dictionary's senses
        ("A deterministic Turing machine needs time.", "确定型图灵机器所需的时间", True),
        # (the source says 去年: a claim's "last year" is a period the source must give)
        ("Last year Tencent invested in Zhipu.", "去年腾讯投资了智谱。", True),
        ("It was founded by Huguenots.", "它由胡格诺派建立。", False),  # no dictionary entry
        # the name must be the one the text writes: another company is not verified
        ("Last year Tencent invested in Zhipu.", "阿里巴巴投资了智谱。", False),
        ("The carmaker Tesla sued Alibaba.", "特斯拉起诉了腾讯。", False),
        # a Roman numeral is not a name
        ("It was built after World War II.", "它建于第二次世界大战之后。", True),
    ],
)
def test_western_names_written_in_chinese(claim: str, source: str, verified: bool) -> None:
    from qa.citations import check_claim

    problems = check_claim(claim, [source])
    assert (not problems) is verified, problems


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> QAPipeline:
    d = tmp_path_factory.mktemp("lib")
    f = d / "xinghe.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    ingest([f], d / "idx", "e5-small")
    return QAPipeline(HybridSearcher(load_snapshot(d / "idx")), ExtractiveEngine())


def test_the_index_keeps_the_library_glossary(library: QAPipeline, tmp_path: Path) -> None:
    terms = library.searcher.snapshot.terms
    assert ("李明华", "Li Minghua") in terms and ("华纳兄弟", "Warner Bros.") in terms


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("When did Li Minghua join Xinghe?", "2021年"),
        ("In which city did Zhang Wei found the company?", "杭州"),
        ("How much is the contract with Warner Bros. worth?", "1.2亿元"),
    ],
)
def test_english_questions_about_library_names_are_answered(
    library: QAPipeline, question: str, fact: str
) -> None:
    a = library.ask(question)
    assert not a.refused and fact in a.text
    assert a.citations and all(c.verified for c in a.citations)


def test_a_model_answer_with_a_pinyin_name_verifies(library: QAPipeline) -> None:
    pipe = QAPipeline(
        library.searcher,
        ScriptedEngine("Li Minghua joined Xinghe in 2021 as its chief technology officer [1]."),
        scorer=library.scorer,
    )
    a = pipe.ask("When did Li Minghua join Xinghe?")
    assert not a.refused and a.text.startswith("Li Minghua joined")
    assert a.citations and all(c.verified for c in a.citations)


def test_library_terms_are_looked_up_like_a_scan() -> None:
    """The index gives what a scan of every pair with `says` / `in` gives, in the pairs' order."""
    from corpus.mentions import LibraryTerms, says

    pairs = library_terms(ARTICLE) + [("英伟达", "NVIDIA"), ("M2.5模型", "M2.5"), ("伟达", "Vida")]
    lib = LibraryTerms(pairs)
    for text in [
        "When did Li Minghua and Zhang Wei join? NVIDIA's M2.5 too, and warner bros. deals",
        "Li Minghuang is not Li Minghua's twin; ZhangWei is not a word boundary",
        "英伟达与张伟、李明华在星尘AI开会",
    ]:
        assert lib.in_english_text(text) == [p for p in pairs if says(text, p[1])]
        assert lib.in_chinese_text(text) == [p for p in pairs if p[0] in text]


def test_an_acronym_is_a_name_only_in_capitals() -> None:
    """世界卫生组织（WHO） in a library must not make every "Who ..." question about the WHO (it
    refused 71 of 499 answerable English dev questions on the public held-out set)."""
    from corpus.mentions import LibraryTerms, says
    from qa.question import question_concepts, question_subjects

    assert not says("Who founded the company?", "WHO") and says("What did the WHO say?", "WHO")
    assert says("what did minimax earn?", "MiniMax")  # other names: any case
    lib = LibraryTerms([("世界卫生组织", "WHO")])
    q = "Who founded the company in 2019?"
    assert not lib.in_english_text(q)
    assert "WHO" not in {c.label for c in question_concepts(q, "zh", "", "en", lib)}
    assert not question_subjects(q, "en", "zh", lib)
    assert lib.in_english_text("When did the WHO declare it?") == [("世界卫生组织", "WHO")]


def test_a_library_name_inside_a_longer_name_is_not_the_question_subject() -> None:
    """A library that pairs 达德利（Dudley）, the town, must not make a question about the composer
    Dudley Simpson about the town: the answer about 辛普森 was refused as 'not about Dudley'."""
    from corpus.mentions import LibraryTerms
    from qa.question import question_concepts, question_subjects

    lib = LibraryTerms([("达德利", "Dudley")])
    q = "What was the last Doctor Who episode that Dudley Simpson wrote music for?"
    assert not question_subjects(q, "en", "zh", lib)
    assert "Dudley" not in {c.label for c in question_concepts(q, "zh", "", "en", lib)}
    for q in ("What is the population of Dudley?", "When did Dudley become a borough?"):
        assert [c.label for c in question_subjects(q, "en", "zh", lib)] == ["Dudley"]


def test_an_ordinary_english_word_in_lower_case_is_no_library_name() -> None:
    """A library that pairs 第1大镇 with "Town" (its pages' learned pairs include Gold, Pope,
    Windows) must not make "What town was granted…" about a name no passage mentions: it was
    refused for that."""
    from corpus.mentions import LibraryTerms
    from qa.question import question_concepts, question_subjects

    lib = LibraryTerms([("第1大镇", "Town")])
    q = "What town was actually granted to the settlers on arrival?"
    assert not question_subjects(q, "en", "zh", lib)
    assert "Town" not in {c.label for c in question_concepts(q, "zh", "", "en", lib)}
    # written as a name, it still is one
    assert [c.label for c in question_subjects("Who founded Town?", "en", "zh", lib)] == ["Town"]


def test_only_names_the_documents_give_in_both_scripts_are_trusted_subjects(
    library: QAPipeline,
) -> None:
    """A claim about the wrong subject is refused only for a trusted name: the glossary's, or one
    the documents give in both scripts (华纳兄弟（Warner Bros.）); a person name jieba tagged and
    pypinyin spelled at ingest (李明华 = Li Minghua) is as much a guess as at question time."""
    from qa.question import analyse

    terms = library.searcher.snapshot.terms
    for question, name, trusted in [
        ("李明华是什么时候加入星河科技的？", "李明华", False),
        ("When did Li Minghua join Xinghe?", "李明华", False),
        ("华纳兄弟的合同金额是多少？", "华纳兄弟", True),
        ("How much is the contract with Warner Bros. worth?", "华纳兄弟", True),
    ]:
        subjects = {s.label: s for s in analyse(question, "zh", "", terms).subjects}
        subject = next(s for s in subjects.values() if name in s.forms)
        assert subject.curated is trusted, question


def test_an_acronym_is_paired_with_the_whole_term_it_stands_for() -> None:
    """`政府间气候变化专门委员会 (IPCC)`: the acronym stands for the whole term, not its last word
    (委员会), which would make every committee the IPCC; a demonstrative is not part of it."""
    assert parallel_mentions("于新一届政府间气候变化专门委员会 (IPCC) 选举完成") == [
        ("政府间气候变化专门委员会", "IPCC")
    ]
    assert parallel_mentions("必须在 通用药物管理委员会 (GPhC) 注册") == [
        ("通用药物管理委员会", "GPhC")
    ]
    assert parallel_mentions("该委员会（SEC）称") == [("委员会", "SEC")]
    # a name of several capitals is not an acronym: one word, as before
    assert parallel_mentions("创始人麦肯锡（McKinsey）") == [("麦肯锡", "McKinsey")]


def test_a_common_word_before_an_english_name_is_not_its_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`公司 (Alvis)`, `亚洲 (HBO)`: the text names the thing with more words than the miner kept.
    Such pairs are not kept at ingest; an index that holds them (mined by an earlier release) does
    not use them (they made 公司 a subject to check, and put "Alvis (公司)" into English answers),
    and `ingest --reread` drops them without embedding anything again."""
    import index.ingest
    from index.bilingual import plausible_pair

    assert not plausible_pair("公司", "Alvis") and not plausible_pair("亚洲", "HBO")
    for zh, en in [
        ("英伟达", "NVIDIA"),  # rare in jieba's dictionary: a name
        ("世界卫生组织", "WHO"),  # common, but the dictionary's senses give the acronym
        ("林肯", "Lincoln"),
        ("智谱", "Zhipu"),  # docqa's user dictionary
    ]:
        assert plausible_pair(zh, en), zh
    f = tmp_path / "cars.txt"
    f.write_text(
        "阿尔维斯公司 (Alvis) 成立于1919年，曾与英伟达（NVIDIA）合作。\n", encoding="utf-8"
    )
    idx = tmp_path / "idx"
    with monkeypatch.context() as m:  # the miner of an earlier release kept every pair
        m.setattr(index.ingest, "plausible_pair", lambda zh, en: True)
        m.setattr(index.ingest, "Sandbox", InProcess)  # read here, where the patch is
        ingest([f], idx, "hash:64")
    snap = load_snapshot(idx)
    assert ("公司", "Alvis") in snap.docs[0].terms
    assert list(snap.terms) == [("英伟达", "NVIDIA")]
    report = ingest([f], idx, "hash:64", reread=True)
    assert len(report.updated) == 1 and report.chunks_embedded == 0
    assert load_snapshot(idx).docs[0].terms == (("英伟达", "NVIDIA"),)
    assert ingest([f], idx, "hash:64", reread=True).unchanged == [str(f)]


def test_library_names_are_judged_only_when_a_lookup_meets_them() -> None:
    """Judging a doubtful pair needs CC-CEDICT (about a second to load): a question that meets
    no such pair must not pay for it (a fresh `docqa ask` in Chinese loads no dictionary)."""
    from corpus.mentions import LibraryTerms

    judged: list[str] = []

    def accept(zh: str, en: str) -> bool:
        judged.append(zh)
        return zh != "公司"

    lib = LibraryTerms([("英伟达", "NVIDIA"), ("公司", "Alvis")], accept=accept)
    assert lib and not judged
    assert lib.in_chinese_text("英伟达发布了新芯片") == [("英伟达", "NVIDIA")]
    assert judged == ["英伟达"]
    assert lib.in_chinese_text("公司成立于1901年") == [] and lib.in_english_text("Alvis") == []
    assert list(lib) == [("英伟达", "NVIDIA")] and judged == ["英伟达", "公司"]
