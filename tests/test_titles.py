"""Who holds an office (qa.titles): which office a who-question asks about, whether a text writes
it, and whether a sentence names its holder; and the refusal before the engine that reads them."""

from __future__ import annotations

import pytest

from qa.policy import office_not_given
from qa.question import analyse
from qa.titles import holder_named, writes_office

MINIMAX = (
    "业绩电话会上,创始人闫俊杰强调,公司下一阶段的核心战略,是从大模型公司向AI时代的平台型公司迈进。\n"
    "智谱、MiniMax同属于Pureplay大模型“独立技术派”,但两家公司所讲的商业变现故事略有差异。"
)


@pytest.mark.parametrize(
    ("question", "office"),
    [
        ("MiniMax的创始人是谁？", "founder"),
        ("谁创立了智谱？", "founder"),
        ("Who founded Zhipu?", "founder"),
        ("Who is the founder of MiniMax?", "founder"),
        ("智谱的CEO是谁？", "CEO"),
        ("Who is the chief executive of Zhipu?", "CEO"),
        ("Who is the CFO of MiniMax?", "CFO"),
        ("MiniMax的董事长是谁？", "chairman"),
        ("Who is the chair of the IPCC?", "chairman"),
        ("野马队的总经理是谁？", "general manager"),
    ],
)
def test_a_who_question_about_an_office_names_it(question: str, office: str) -> None:
    asked = analyse(question).asks.office
    assert asked is not None and asked.label == office


@pytest.mark.parametrize(
    "question",
    [
        "智谱何时成立？",  # when, not who
        "MiniMax的创始人毕业于哪所大学？",  # which university, not who
        "Who led the committee established by Seaman?",  # the committee was established
        "MiniMax的营收是多少？",
    ],
)
def test_a_question_that_does_not_ask_who_holds_an_office_names_none(question: str) -> None:
    assert analyse(question).asks.office is None


def test_an_office_is_written_in_any_of_its_forms() -> None:
    ceo = analyse("Who is the CEO of Zhipu?").asks.office
    assert ceo is not None
    for text in ("公司首席执行官张鹏表示", "行政总裁张鹏", "CEO张鹏", "ceo 张鹏"):
        assert writes_office(ceo, text), text
    assert not writes_office(ceo, "公司董事会由七名董事组成")


@pytest.mark.parametrize(
    ("question", "sentence", "holder"),
    [
        (
            "MiniMax的创始人是谁？",
            "业绩电话会上,创始人闫俊杰强调,公司将向平台型公司迈进。",
            "闫俊杰",
        ),
        ("谁是星河科技的董事长？", "2020年起公司由张伟担任董事长。", "张伟"),
        ("Who is the CEO of OpenAI?", "OpenAI CEO Sam Altman表示，公司将继续投入。", "Sam Altman"),
        ("谁是俱乐部的创始人？", "俱乐部创始人约翰·埃尔维说，球队会更好。", "约翰·埃尔维"),
        # the office written, its holder not named
        ("MiniMax的创始人是谁？", "这也是闫俊杰辞去副总裁职务后创立MiniMax的最大动力。", None),
        ("Who is the CEO of Zhipu?", "公司CEO的薪酬未在年报中披露。", None),
    ],
)
def test_a_sentence_names_the_holder_of_the_office(
    question: str, sentence: str, holder: str | None
) -> None:
    office = analyse(question).asks.office
    assert office is not None
    assert holder_named(office, sentence) == holder


def test_an_office_no_passage_writes_or_the_best_sentence_does_not_is_no_answer() -> None:
    best = "智谱、MiniMax同属于Pureplay大模型“独立技术派”,但两家公司所讲的商业变现故事略有差异。"
    why = office_not_given(analyse("MiniMax的CFO是谁？"), best, MINIMAX)
    assert why == "no retrieved passage names the CFO"
    # another company's founder is written; the best sentence for 智谱 says nothing of one
    why = office_not_given(analyse("智谱的创始人是谁？"), best, MINIMAX)
    assert why == "the best sentence does not say who the founder is"
    founder = MINIMAX.splitlines()[0]
    assert office_not_given(analyse("MiniMax的创始人是谁？"), founder, MINIMAX) is None
    assert office_not_given(analyse("MiniMax的营收是多少？"), best, MINIMAX) is None
