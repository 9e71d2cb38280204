"""Answers you can trust: questions whose topic is in the library but whose fact is not are
refused, and a claim is verified only when its source supports it (subject, measure, period, unit,
polarity). Real questions over real pages written for the tests, and the demo's cash-burn claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest import ingest
from index.search import HybridSearcher
from index.store import load_snapshot
from qa.citations import check_claim
from qa.engines import ExtractiveEngine, postprocess
from qa.pipeline import QAPipeline
from qa.policy import gives_no_duration, span_problem
from qa.question import analyse, asks_for
from qa.translate import check_fidelity
from tests.conftest import ScriptedEngine
from ui.render import answer_markdown

PAGES = {
    "bridge.txt": (
        "青岛海湾大桥通车运营\n\n"
        "青岛海湾大桥全长36.48公里，于2011年6月30日正式通车。"
        "大桥总投资约100亿元，其中主体工程造价约90亿元。"
        "大桥通车后，青岛市区到黄岛的车程缩短了30分钟，日均车流量超过3万辆。\n"
    ),
    "trade.txt": (
        "海关总署发布2023年全年进出口数据\n\n"
        "2023年，我国货物贸易进出口总值41.76万亿元，同比增长0.2%。"
        "其中，出口23.77万亿元，增长0.6%；进口17.99万亿元，下降0.3%。"
        "民营企业进出口22.36万亿元，占比提升至53.5%。\n"
    ),
    "quake.txt": (
        "四川泸定发生6.8级地震\n\n"
        "2022年9月5日12时52分，四川甘孜州泸定县发生6.8级地震，震源深度16公里。"
        "地震发生后，当地迅速启动一级应急响应，救援队伍连夜赶赴震中磨西镇。"
        "专家指出，2008年汶川8.0级地震共造成69227人遇难，此次地震的震级明显较小。\n"
    ),
    "jobs.txt": (
        "今年城镇就业形势总体稳定\n\n"
        "国家统计局表示，今年以来城镇调查失业率保持在较低水平，就业形势总体稳定。"
        "前三季度城镇新增就业1022万人，完成全年目标任务的85%。"
        "高校毕业生就业工作稳步推进，各地出台了一系列稳岗措施。\n"
    ),
    "tigers.txt": (
        "东北虎保护区通报\n\n"
        "保护区通报，去年冬季区内有3只野生东北虎因疾病死亡。"
        "目前保护区监测到的野生东北虎数量为27只。"
        "该海域巡逻船的续航距离达1200海里，可连续执行任务20天。"
        "保护区新增核心区面积1500亩。\n"
    ),
    "results.txt": (
        "星河科技发布2024年年报\n\n"
        "数据显示，星河科技2024年全年实现总收入12.6亿元，同比增长35%。"
        "其中，云服务收入8.2亿元，占总营收的65%；硬件收入4.4亿元，同比增长12%。"
        "公司全年净利润1.3亿元，较上年扭亏为盈。\n"
    ),
    "funding.txt": (
        "云帆科技的融资之路\n\n"
        "对此，云帆科技方面解释称，核心原因是公司估值持续增加，导致优先股录得重大重新计量亏损，"
        "全年该项亏损达15.9亿元。"
        "成立以来，云帆科技累计进行7轮融资，合计获得投资15.55亿元。"
        "不到五年，公司估值从2亿元暴涨至42.4亿元，翻了20多倍。\n"
    ),
    "museum.txt": (
        "城南美术馆简介\n\n"
        "城南美术馆成立于1998年，2005年起对公众开放，馆藏书画作品3000余件。"
        "首任馆长李文华是当地知名画家。\n"
    ),
    "pharma.txt": (
        "晨光制药发布发展规划\n\n"
        "晨光制药表示，公司将继续加大研发投入，加快新药上市步伐。"
        "新药获批后，公司计划在华东地区新建两条生产线。\n"
    ),
    "society.txt": ("城东书画社简介\n\n城东书画社创立于1862年，1911年解散，社员多为当地画家。\n"),
    "leaders.txt": (
        "星河科技管理层介绍\n\n"
        "创始人张建国于2015年在杭州创立星河科技，目前担任公司董事长。"
        "公司首席财务官王丽负责融资与投资者关系。\n"
    ),
}

# the demo's sentence of two figures of one measure (流动负债), each named in its own clause
LIABILITIES = (
    "截至2025年9月30日,MiniMax流动负债总额达24.34亿美元,其中流动负债净额13.82亿美元;"
    "可用流动资金的现金结余为10.46亿美元。"
)


def pages_searcher(d: Path, embedder: str) -> HybridSearcher:
    """PAGES written under `d` and indexed with `embedder`."""
    docs = d / "docs"
    docs.mkdir()
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    ingest(sorted(docs.iterdir()), d / "idx", embedder)
    return HybridSearcher(load_snapshot(d / "idx"))


@pytest.fixture(scope="module")
def pages_pipeline(tmp_path_factory: pytest.TempPathFactory) -> QAPipeline:
    return QAPipeline(
        pages_searcher(tmp_path_factory.mktemp("trust"), "e5-small"), ExtractiveEngine()
    )


@pytest.mark.parametrize(
    "question",
    [
        "青岛海湾大桥每年的运营费用是多少？",  # a construction cost is there, not an operating cost
        "2023年我国服务贸易进出口总额是多少？",  # goods trade is there, not services
        "泸定地震造成多少人遇难？",  # the toll given is 汶川地震's
        "What is the annual operating cost of the Qingdao Jiaozhou Bay Bridge?",
        "青岛海湾大桥的宽度是多少？",  # its length is there, not its width
        "How wide is the Qingdao Jiaozhou Bay Bridge?",
        "晨光制药的研发投入是多少？",  # R&D is named, with no figure, and no page gives one
        "星河科技2024年上半年的总收入是多少？",  # the page gives the whole year, not its first half
        "How much revenue did Xinghe Technology make in the first quarter of 2024?",
        # the pages share only the company's name with it: no page writes 员工 or 总部
        "星河科技有多少员工？",
        "星河科技的总部在哪里？",
    ],
)
def test_same_topic_questions_the_pages_do_not_answer_are_refused(
    pages_pipeline: QAPipeline, question: str
) -> None:
    a = pages_pipeline.ask(question)
    assert a.refused, a.text
    assert not a.citations
    assert any(n.startswith("refused:") for n in a.notes)


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("青岛海湾大桥的主体工程造价是多少？", "90亿元"),
        ("2023年我国货物贸易进出口总值是多少？", "41.76万亿元"),
        ("泸定地震的震源深度是多少？", "16公里"),
        ("青岛海湾大桥的长度是多少？", "36.48公里"),
        ("汶川地震造成多少人遇难？", "69227"),
        # the total revenue says 总收入; the part's sentence says 营收 (of 总营收) word for word
        ("星河科技的营收是多少？", "12.6亿元"),
        # the sentence that names the valuation first gives a loss's figure, not the valuation's
        ("云帆科技的估值是多少？", "42.4亿元"),
        # the part of a year asked is the one the page gives
        ("前三季度城镇新增就业多少人？", "1022万人"),
    ],
)
def test_the_same_pages_still_answer_what_they_say(
    pages_pipeline: QAPipeline, question: str, gold: str
) -> None:
    a = pages_pipeline.ask(question)
    assert not a.refused and gold in a.text, (a.text, a.notes)
    assert a.citations and all(c.verified for c in a.citations)


def _cite(pipe: QAPipeline, question: str, reply: str):  # noqa: ANN202 - an Answer
    return QAPipeline(pipe.searcher, ScriptedEngine(reply), scorer=pipe.scorer).ask(question)


@pytest.mark.parametrize(
    ("question", "wrong"),
    [
        # an inverted fact: died is not alive
        ("保护区去年冬季有几只东北虎死亡？", "保护区去年冬季仍有3只野生东北虎存活[1]。"),
        # a changed unit: 海里 are not kilometres
        ("巡逻船的续航距离是多少？", "巡逻船的续航距离为1200公里[1]。"),
        ("How far can the patrol boat go?", "The patrol boat has a range of 1,200 kilometers [1]."),
        # 亩 are not acres
        ("保护区新增了多大面积的核心区？", "The core area grew by 1,500 acres [1]."),
        # another measure's number: the construction cost is not an operating cost
        ("青岛海湾大桥的主体工程造价是多少？", "大桥每年的运营费用约90亿元[1]。"),
        # another subject, in a span that ends with a full stop (the claim it implies is checked
        # whole, not cut at that stop)
        ("城南美术馆是哪一年成立的？", "城东书画社1998年成立[1]。"),
    ],
)
def test_a_wrong_claim_from_a_model_is_never_shown_as_verified(
    pages_pipeline: QAPipeline, question: str, wrong: str
) -> None:
    a = _cite(pages_pipeline, question, wrong)
    wrong_words = wrong.split("[")[0]
    shown_as_written = wrong_words in a.text
    assert not (shown_as_written and any(c.verified for c in a.citations)), (a.text, a.citations)


def test_a_model_answer_may_take_the_asked_year_from_the_text_before_its_sentence(
    pages_pipeline: QAPipeline,
) -> None:
    """A sentence answer is checked with its citation's context (the text before the cited
    sentence and the title), as a copied span is and as `benchmarks/claims.py` measures the
    checks: the year the question gives may be the one the text before the cited clause writes.
    The demo's `MiniMax's gross margin in 2025 was 25.4% [1]` over 毛利率也从2024年12.2%提升至
    25.4% (the clause before: MiniMax2025年全年……) had given way to the source."""
    reply = "Its cloud revenue was RMB 820 million in 2024 [2]."
    a = _cite(pages_pipeline, "What was Xinghe Technology's cloud revenue in 2024?", reply)
    assert a.text.startswith("Its cloud revenue was RMB 820 million in 2024"), (a.text, a.notes)
    assert [c.quote for c in a.citations] == ["其中，云服务收入8.2亿元，占总营收的65%；"]
    assert all(c.verified for c in a.citations) and not a.notes


def test_a_miscounted_citation_moves_to_the_best_sentence_with_the_question_s_own_names(
    pages_pipeline: QAPipeline,
) -> None:
    """A model that cites [2] for what the best sentence [1] says, repeating the question's own
    Latin name (which the page writes as 青岛海湾大桥, and no dictionary gives), is cited to [1]:
    the name stands there as it does for any answer citing the sentence docqa answers with."""
    question = "When did the Qingdao Jiaozhou Bay Bridge open to traffic?"
    a = _cite(
        pages_pipeline, question, "The Qingdao Jiaozhou Bay Bridge opened on June 30, 2011 [2]."
    )
    assert a.text.startswith("The Qingdao Jiaozhou Bay Bridge opened on June 30, 2011[1]"), a.text
    assert [c.quote for c in a.citations] == [
        "青岛海湾大桥全长36.48公里，于2011年6月30日正式通车。"
    ]
    assert all(c.verified for c in a.citations) and not a.notes, a.notes


@pytest.mark.parametrize(
    ("question", "reply", "shown"),
    [
        ("泸定地震的震源深度是多少？", "16[1]", "16公里[1]"),  # the figure gets its unit back
        ("保护区去年冬季有几只东北虎死亡？", "3[1]", "3只[1]"),
        ("汶川地震造成多少人遇难？", "69227人[1]", "69227人[1]"),
        ("青岛海湾大桥是哪天通车的？", "6月30日[1]", "2011年6月30日[1]"),  # and a day its year
        # the words that only repeat the question go (磨西镇的震中 for 哪个镇的震中)
        ("泸定地震后，救援队伍连夜赶赴哪个镇的震中？", "磨西镇的震中[1]", "磨西镇[1]"),
    ],
)
def test_a_span_answer_keeps_its_unit_and_is_verified_as_the_claim_it_answers(
    pages_pipeline: QAPipeline, question: str, reply: str, shown: str
) -> None:
    """The local engine answers a Chinese question with the span it copies (DOCQA_ANSWER_STYLE
    short), checked as the question it answers (泸定地震的震源深度是16公里。), and shown above
    the sentence it comes from."""
    a = _cite(pages_pipeline, question, reply)
    assert a.text.startswith(shown + "\n\n> ") and not a.notes, (a.text, a.notes)
    assert a.short == shown.split("[")[0]
    assert a.citations and all(c.verified for c in a.citations)
    assert a.text.endswith(a.citations[0].quote)  # the sentence it was copied from, shown below
    md = answer_markdown(a, 0)  # the web app: the span in bold, the sentence as a quote
    assert md.startswith(f"**{a.short}[") and "\n\n> " in md


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("How deep was the Luding earthquake?", "The depth of the earthquake is[1]."),
        ("泸定地震的震源深度是多少？", "泸定地震的震源深度是[1]。"),
    ],
)
def test_an_answer_that_breaks_off_gives_way_to_its_source(
    pages_pipeline: QAPipeline, question: str, reply: str
) -> None:
    """A small model's answer that stops before it says anything (`The passage number is[1].`, a
    public XQuAD answer) is not shown as the answer: the source is."""
    a = _cite(pages_pipeline, question, reply)
    assert reply.split("[")[0] not in a.text, a.text
    assert any("breaks off" in n for n in a.notes), a.notes
    assert not a.refused and "16公里" in a.text  # the sentence itself, or its translation


def test_an_english_answer_that_only_restates_the_question_gives_way_to_its_source(
    pages_pipeline: QAPipeline,
) -> None:
    """`Victoria soon losing manufacturing plants[1].` (the local engine, for the XQuAD question
    `What type of manufacturing plant is Victoria soon losing?`) was shown, verified: nothing in
    it is false, and nothing in it answers. The source is shown instead; a yes-no question may
    still be answered in its own words."""
    a = _cite(
        pages_pipeline,
        "What level of emergency response did Luding launch?",
        "Luding launched an emergency response [2].",
    )
    assert any("only restates the question" in n for n in a.notes), a.notes
    assert "一级应急响应" in a.text, a.text
    a = _cite(
        pages_pipeline,
        "Did Luding launch an emergency response?",
        "Luding launched an emergency response [2].",
    )
    assert not any("restates" in n for n in a.notes), a.notes
    # a figure the question gives is no answer either (the demo: `The M2.5 model topped the
    # leaderboard[1].` for `Which leaderboard did the M2.5 model top?`)
    a = _cite(
        pages_pipeline,
        "What level of emergency response did the 6.8-magnitude Luding quake trigger?",
        "The 6.8-magnitude Luding quake triggered an emergency response [2].",
    )
    assert any("only restates the question" in n for n in a.notes), a.notes


def test_an_english_answer_to_how_long_that_gives_an_amount_gives_way_to_its_source(
    pages_pipeline: QAPipeline,
) -> None:
    """Asked of the demo, `How long can MiniMax's cash reserves last?` was answered `MiniMax's
    cash reserves can last approximately 1.05 billion US dollars[1].`, verified: the figure is
    the cited sentence's, and answers how much, not how long. The source is shown instead; an
    answer in time or length stands."""
    question = "How long did it take for Yunfan's valuation to grow to 4.24 billion yuan?"
    a = _cite(pages_pipeline, question, "Yunfan's valuation grew to 4.24 billion yuan [1].")
    assert any("gives no time or length" in n for n in a.notes), a.notes
    asks = asks_for(question)
    assert gives_no_duration(asks, "The reserves last about 1.05 billion US dollars[1].")
    for answer in (
        "It took less than five years[1].",
        "It took under 5 years[1].",
        "The Rhine is 1,230 km long[1].",
        "It lasted from 1939 to 1945[1].",
        "It took a long time[1].",  # no figure: nothing to check
    ):
        assert not gives_no_duration(asks, answer), answer
    assert not gives_no_duration(
        asks_for("How much is it worth?"), "It is worth 4.24 billion yuan[1]."
    )


@pytest.mark.parametrize(
    "reply",
    [
        "2022年9月5日，四川甘孜州泸定县发生6.8级地震，震源深度为16公里，当地启动了一级应急响应[2]。",
        "The focal depth was 16 kilometers [2].",
    ],
)
def test_an_answer_written_as_a_sentence_is_no_span(pages_pipeline: QAPipeline, reply: str) -> None:
    a = _cite(pages_pipeline, "泸定地震的震源深度是多少？", reply)
    assert a.short == "" and "\n\n> " not in a.text, (a.text, a.notes)


def test_an_answer_cited_to_the_wrong_sentence_cites_the_best_one_that_states_it(
    pages_pipeline: QAPipeline,
) -> None:
    """A small model miscounts its passages: the depth is in [1], the model cites [3]. The best
    sentence states every figure of the answer, so the answer stands, cited to it."""
    a = _cite(
        pages_pipeline,
        "How deep was the Luding earthquake?",
        "The focal depth of the Luding earthquake was 16 kilometers [3].",
    )
    assert "16 kilometers" in a.text and not a.notes, (a.text, a.notes)
    assert [c.verified for c in a.citations] == [True]
    assert "震源深度16公里" in a.citations[0].quote


def test_a_miscited_figure_is_only_moved_to_the_best_sentence(pages_pipeline: QAPipeline) -> None:
    """8.2亿元 is in the second-best sentence, not the best one, and the answer cites a third: it
    is not moved to whichever sentence happens to hold its figure."""
    a = _cite(
        pages_pipeline,
        "星河科技2024年的云服务收入是多少？",
        "星河科技2024年云服务收入为8.2亿元[4]。",
    )
    assert not ("8.2亿元[" in a.text and any(c.verified for c in a.citations)), (
        a.text,
        a.citations,
    )


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("巡逻船可以连续执行任务多少天？", "1200[1]"),  # a length for a number of days
        ("青岛海湾大桥的主体工程造价是多少？", "约100亿元[1]"),  # the total investment, not 造价
        ("保护区去年冬季有几只东北虎存活？", "3只[1]"),  # died is not alive
    ],
)
def test_a_span_that_is_the_wrong_part_of_its_sentence_is_not_shown_as_verified(
    pages_pipeline: QAPipeline, question: str, reply: str
) -> None:
    """Every figure of the span is in the cited sentence, so a number check passes it; what the
    span claims (the question, answered) is not what the sentence says."""
    a = _cite(pages_pipeline, question, reply)
    span = reply.split("[")[0]
    assert a.refused or not (a.text.startswith(span) and any(c.verified for c in a.citations)), (
        a.text,
        a.citations,
    )


def test_the_source_shown_for_the_wrong_part_of_a_sentence_is_that_sentence(
    pages_pipeline: QAPipeline,
) -> None:
    """The demo's `MiniMax 2024年的收入是多少？`: the model cited 收入分别为346万美元、3052.3万美元……
    and copied 2023's figure. The source shown instead is the sentence it cited, which answers,
    not the best-ranked one; a citation that fails for a name or number it lacks moves nothing."""
    from qa.records import Citation

    p = pages_pipeline.prepare_batch(["星河科技2024年的硬件收入是多少？"])[0]
    evidence = p.request.evidence
    second = evidence[1]

    def cited(*problems: str) -> list[Citation]:
        return [
            Citation(
                1,
                second.chunk_id,
                second.doc_id,
                None,
                second.text,
                second.start,
                second.end,
                False,
                problems,
            )
        ]

    moved = QAPipeline._cited_first(
        p, cited("the sentence gives 8.2 for what the question asks about")
    )
    assert moved.request.evidence[0] == second and len(moved.request.evidence) == len(evidence)
    # another end of a change, another subject's figure: the wrong part of the cited sentence too
    changed = "两地之间的行车时间由原来的90分钟缩短至20分钟。"
    two = "Zentrix的新用户数从800万跌至600万,Quorva则从300万腰斩至150万。"
    for problem in (
        span_problem(analyse("通车后两地之间要多少分钟？"), "90分钟", changed),
        span_problem(analyse("Quorva的新用户数从多少下降到多少？"), "800万跌至600万", two),
    ):
        assert problem
        assert QAPipeline._cited_first(p, cited(problem)).request.evidence[0] == second
    assert QAPipeline._cited_first(p, cited("number not in the cited text: 9.9")) is p
    assert QAPipeline._cited_first(p, cited()) is p


def test_a_model_that_refuses_in_its_own_words_is_a_refusal_citing_nothing(
    pages_pipeline: QAPipeline,
) -> None:
    text, refused = postprocess("资料中没有提供MiniMax的CEO年薪。[1]", "zh")
    assert refused
    a = _cite(pages_pipeline, "青岛海湾大桥的设计师是谁？", "资料中没有提供大桥设计师的信息。[1]")
    assert a.refused and not a.citations


CASH = (
    "对此,MiniMax方面解释称,核心原因是公司估值持续增加,导致优先股录得重大重新计量亏损,"
    "这部分非现金开支计入金融负债公允价值亏损,全年该项亏损达15.9亿美元。"
)


def test_the_cash_burn_claim_is_not_verified_by_a_non_cash_loss() -> None:
    problems = check_claim("MiniMax burns US$1.59 billion per year.", [CASH])
    assert any("cash burn" in p for p in problems)
    # the same figure stated as what the sentence says passes
    assert not check_claim("全年该项亏损达15.9亿美元。", [CASH])


@pytest.mark.parametrize(
    ("claim", "source", "what"),
    [
        ("There are still 5 tigers alive.", "保护区有5只老虎死亡。", "died, not alive"),
        ("营收下降20%。", "营收同比增长20%。", "rose, not fell"),
        ("野马队在分区轮输给了钢人队。", "野马队在分区轮以23–16击败了钢人队。", "won, not lost"),
        # the one beaten is another team: no retelling from the loser's side
        ("钢人队输给了野马队。", "野马队击败了雄鹰队，钢人队也参加了比赛。", "won, not lost"),
        ("巡航距离1200公里。", "巡航距离达1200海里。", "unit"),
        ("The reserve covers 1,500 acres.", "保护区面积1500亩。", "unit"),
        ("上半年净亏损18.72亿美元。", "2025年年内净亏损达18.72亿美元。", "first half"),
        # a year stated alone, from a source that gives only part of it (the demo's 2025年前9月)
        (
            "MiniMax made US$53.437 million in 2025.",
            "2023年、2024年及2025年前9月,MiniMax收入分别为346万美元、3052.3万美元、5343.7万美元。",
            "first three quarters",
        ),
        ("Revenue was US$10 million in 2025.", "Revenue in H1 2025 was US$10 million.", "2025"),
        # a day the source does not give: its 1 is the month (the demo's listing date)
        ("MiniMax listed on January 1, 2026.", "MiniMax也将在2026年1月上市。", "January 1"),
        ("MiniMax于2026年1月1日上市。", "MiniMax也将在2026年1月上市。", "January 1"),
        # a figure the source gives as what the year's own figure rose to, or for another year
        (
            "MiniMax's gross margin in 2024 was 25.4%.",
            "毛利率也从2024年12.2%提升至25.4%,翻一倍有余。",
            "changed to, not for 2024",
        ),
        (
            "MiniMax's debt-to-asset ratio in 2024 was 343.3%.",
            "MiniMax资产负债率从2024年的187.8%飙升至2025年的343.3%。",
            "for 2025, not 2024",
        ),
        # an event the source does not state: 智谱's losses over 2022-2024 say nothing of its founding
        (
            "Zhipu was founded in 2022.",
            "2022年至2024年,智谱、MiniMax分别累亏38.87亿、56.53亿元。",
            "does not say founded",
        ),
        # a change against the month before is not a change against the year before
        ("4月份农村居民消费价格同比上涨0.1%。", "4月份，全国居民消费价格环比上涨0.1%。", "环比"),
        ("Prices rose 0.3% month on month in April.", "4月份居民消费价格同比上涨0.3%。", "同比"),
        ("大桥每年运营费用90亿元。", "主体工程造价约90亿元。", "operating cost"),
        # a change given as a share is a growth rate; 增长 is no length
        ("The bridge is 158.9 km long.", "总收入同比大幅增长158.9%。", "length"),
        ("服务贸易总额41.76万亿元。", "货物贸易进出口总值41.76万亿元。", "services trade"),
        ("每孩每月100个托位。", "每孩每月补贴100元。", "places"),
        # what a company holds is not what it spends (the demo's monthly cash burn)
        (
            "MiniMax had US$27.9 million in cash at the end of 2025.",
            "截至2025年12月31日,MiniMax预期每月现金消耗为2790万美元。",
            "cash balance",
        ),
        # another figure of the sentence, which its own clause gives as another measure (the demo:
        # "What were MiniMax's total current liabilities as of September 30, 2025?")
        (
            "MiniMax's total current liabilities as of September 30, 2025, were US$1.382 billion.",
            LIABILITIES,
            "as the net current liabilities",
        ),
        # a gross profit is no loss (the demo: "How much did MiniMax lose in 2025?")
        (
            "MiniMax lost US$20.079 million in 2025.",
            "2025年,MiniMax全年毛利仅2007.9万美元,而同期研发开支高达2.53亿美元。",
            "loss",
        ),
        # the source writes the amount in the claim's unit (340), so 550 km converts to no 347
        (
            "杰克逊维尔离迈阿密有347英里。",
            "杰克逊维尔位于迈阿密以北约340英里（550公里）处。",
            "347",
        ),
        # new users are no user count (the demo: "How many users does MiniMax have?")
        (
            "MiniMax had 104 million users in 2024.",
            "2024年,公司新用户数达1.04亿户,较2023年的1100多万户翻了近十倍。",
            "as the new users",
        ),
    ],
)
def test_support_checks_catch_each_kind_of_wrong_claim(claim: str, source: str, what: str) -> None:
    problems = check_claim(claim, [source])
    assert any(what in p for p in problems), problems


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("The reserve covers 100 hectares.", "保护区面积1500亩。"),  # 1500亩 = 100 ha
        ("巡航距离约2222公里。", "巡航距离达1200海里。"),  # 1200 nmi = 2222.4 km
        ("杰克逊维尔离迈阿密有550公里。", "杰克逊维尔位于迈阿密以北约340英里（550公里）处。"),
        (
            "Jacksonville is 340 miles north of Miami.",
            "杰克逊维尔位于迈阿密以北约340英里（550公里）处。",
        ),
        ("营收增长了20%。", "营收同比增长20%。"),
        ("MiniMax lost about US$1.9 billion in 2025.", "MiniMax2025年亏了约19亿美元。"),
        ("MiniMax's total current liabilities were US$2.434 billion.", LIABILITIES),
        ("MiniMax's net current liabilities were US$1.382 billion.", LIABILITIES),
        ("The team lost 3 games in a row.", "该队连输3场比赛。"),  # lost money only is a loss
        ("Prices rose 0.3% year on year in April.", "4月份居民消费价格同比上涨0.3%。"),
        ("Prices rose 0.1% from the previous month.", "4月份居民消费价格环比上涨0.1%。"),
        # the same result told from the loser's side
        ("钢人队在分区轮输给了野马队。", "野马队在分区轮以23–16击败了钢人队。"),
        (
            "MiniMax's revenue for the full year 2025 was US$79.038 million.",
            "MiniMax2025年全年实现总收入7903.8万美元。",
        ),
        ("黑豹队的防守丢了308分。", "黑豹队的防守只丢了308分，在联盟中排名第六。"),
        # 开支 is 支出 (expenditure), for R&D as for administration
        (
            "MiniMax's R&D expenses were US$253 million in 2025.",
            "2025年，MiniMax研发开支高达2.53亿美元，行政开支3681.3万美元。",
        ),
        ("MiniMax的管理费用为3681.3万美元。", "MiniMax行政开支3681.3万美元。"),
        (
            "MiniMax had US$1.05 billion in cash at the end of 2025.",
            "截至2025年12月31日,MiniMax现金及现金等价物等合计现金余额为10.5亿美元。",
        ),
        # a day as English writes it, and a month without a day
        ("The test began on January 27, 1967.", "拔除插头测试于1967年1月27日上午开始。"),
        ("The test began on 27 January 1967.", "拔除插头测试于1967年1月27日上午开始。"),
        ("MiniMax listed in January 2026.", "MiniMax也将在2026年1月上市。"),
        # each year's own figure of a change, the change itself, and a span the change runs over
        ("MiniMax's gross margin in 2024 was 12.2%.", "MiniMax毛利率从2024年12.2%提升至25.4%。"),
        (
            "The gross margin rose from 12.2% in 2024 to 25.4%.",
            "毛利率也从2024年12.2%提升至25.4%。",
        ),
        ("The ratio was 343.3% in 2025.", "资产负债率从2024年的187.8%飙升至2025年的343.3%。"),
        (
            "到2000年，亚马逊森林消失总面积上升到587,000平方公里。",
            "在1991到2000年之间，亚马逊森林消失总面积从415,000平方公里上升到587,000平方公里。",
        ),
        ("In 2023 the company had 1000 employees.", "2023年，成立于2015年的该公司员工达1000人。"),
        (
            "Revenue grew at a rate of 158.9% in 2025.",
            "2025年总收入7903.8万美元,同比大幅增长158.9%。",
        ),
        ("The museum reopened the following year.", "博物馆次年重新开放。"),
        (
            "MiniMax was founded in December 2021.",
            "2021年12月才成立的MiniMax将成为最快上市的AI公司。",
        ),
        ("Tesla was born in 1856 and died in 1943.", "特斯拉1856年出生，1943年在纽约逝世。"),
        # a whole year of the same list, and a part of a year claimed as that part
        (
            "MiniMax made US$30.523 million in 2024.",
            "2023年、2024年及2025年前9月,MiniMax收入分别为346万美元、3052.3万美元、5343.7万美元。",
        ),
        (
            "MiniMax made US$53.437 million in the first nine months of 2025.",
            "2023年、2024年及2025年前9月,MiniMax收入分别为346万美元、3052.3万美元、5343.7万美元。",
        ),
        # the kind of users the source counts, named so
        (
            "The company had 104 million new users in 2024.",
            "2024年,公司新用户数达1.04亿户,较2023年的1100多万户翻了近十倍。",
        ),
        (
            "MiniMax had 115 million users in 2024.",
            "MiniMax用户数从2023年的1114.4万增至2024年的1.15亿。",
        ),
    ],
)
def test_correct_paraphrases_and_conversions_pass(claim: str, source: str) -> None:
    assert not check_claim(claim, [source])


def test_a_gross_profit_is_no_profit_a_loss_in_the_text_before_can_turn_over() -> None:
    """The demo's `MiniMax's gross profit in 2025 was US$20.079 million [1]` over 2025年,MiniMax全年
    毛利仅2007.9万美元, checked with the text before it (……核心经营层面的亏损不仅没有收窄): a gross
    profit is a measure, not the profit of profit-or-loss, as 毛利 is not 利润."""
    context = "即便剥离会计处理的影响,公司核心经营层面的亏损不仅没有收窄,反而仍在小幅扩大。"
    source = "2025年,MiniMax全年毛利仅2007.9万美元,而同期研发开支高达2.53亿美元。"
    claim = "MiniMax's gross profit in 2025 was US$20.079 million."
    assert check_claim(claim, [source], context=context) == []
    # a profit the claim states still meets the loss its source states
    assert check_claim("MiniMax made a profit in 2025.", ["MiniMax2025年净亏损18.72亿美元。"])


def test_translation_fidelity_flags_a_changed_period_and_measure() -> None:
    from qa.glossary import load_glossary

    g = load_glossary()
    period = check_fidelity(
        "MiniMax2025年年内净亏损达18.72亿美元。",
        "MiniMax's net loss in the first half of 2025 reached US$1.872 billion.",
        "en",
        g,
    )
    assert any("first half" in p for p in period.problems)
    measure = check_fidelity(
        "截至2025年9月30日,MiniMax流动负债总额达24.34亿美元。",
        "As of September 30, 2025, MiniMax had total liabilities of US$2.434 billion.",
        "en",
        g,
    )
    assert any("total liabilities" in p for p in measure.problems)
    # 当年分别带来收入270.2万、75.8万美元: two products' revenue in one year, not one the next year
    moved = check_fidelity(
        "2023年5、6月,开放平台、Talkie开始创收,当年分别带来收入270.2万、75.8万美元。",
        "In May and June of 2023, the open platform and Talkie began generating revenue: "
        "US$2.702 million that year and US$758,000 the following year.",
        "en",
        g,
    )
    assert any("the following year" in p for p in moved.problems), moved.problems
    right = check_fidelity(
        "截至2025年9月30日,MiniMax流动负债总额达24.34亿美元。",
        "As of September 30, 2025, MiniMax's total current liabilities were US$2.434 billion.",
        "en",
        g,
    )
    assert not right.problems, right.problems
    # a quarterback is no quarter of a year
    player = check_fidelity(
        "培顿·曼宁成为史上首位带领两支不同球队多次进入超级碗的四分卫。",
        "Peyton Manning became the first quarterback to lead two different teams to multiple "
        "Super Bowls.",
        "en",
        g,
    )
    assert not player.problems, player.problems


@pytest.mark.parametrize(
    "question",
    [
        "城南美术馆是哪一年关闭的？",  # it opened; no page says it closed
        "城南美术馆解散于哪一年？",  # it was founded; another page says another society dissolved
        "1868年创立的书画社叫什么名字？",  # an old year no page mentions
    ],
)
def test_a_question_about_the_opposite_event_of_the_one_stated_is_refused(
    pages_pipeline: QAPipeline, question: str
) -> None:
    a = pages_pipeline.ask(question)
    assert a.refused, a.text


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("城南美术馆是哪一年开放的？", "2005年"),
        ("城南美术馆成立于哪一年？", "1998年"),
        ("城东书画社解散于哪一年？", "1911年"),
        ("1862年创立的书画社叫什么名字？", "城东书画社"),
    ],
)
def test_the_event_the_page_states_is_still_answered(
    pages_pipeline: QAPipeline, question: str, gold: str
) -> None:
    a = pages_pipeline.ask(question)
    assert not a.refused and gold in a.text, (a.text, a.notes)


def test_a_date_belongs_to_the_event_written_beside_it() -> None:
    """2021年12月才成立的 dates a founding: no date a when-question about a listing asks."""
    from qa.policy import dates_what_is_asked
    from qa.support import events_of_dates

    founded = "若一切顺利，2021年12月才成立的星云智能，将成为从成立到IPO历时最短的AI公司。"
    assert events_of_dates(founded) == [{"founded"}]
    assert events_of_dates("该馆成立于1993年，2001年关闭。") == [{"founded"}, {"closed"}]
    assert events_of_dates("星云智能于2026年1月在港交所上市。") == [set()]  # 在港交所 between
    assert events_of_dates("星云智能也将在2026年1月上市。") == [{"listed"}]
    # a dated event that is the time of what follows it: the date is that one's too
    assert events_of_dates("1890年建立殖民地后，几内亚开始使用法国发行的货币。") == [set()]
    listed = analyse("When did 星云智能 go public?")  # go public: 上市, IPO
    assert listed.dated_events == {"listed"}
    assert not dates_what_is_asked(listed, founded)
    assert dates_what_is_asked(listed, "星云智能也将在2026年1月上市。")
    assert dates_what_is_asked(listed, "3月2日，星云智能发布了首份业绩。")  # a date beside no event
    assert dates_what_is_asked(analyse("星云智能成立于哪一年？"), founded)
    assert dates_what_is_asked(analyse("When was 星云智能 founded?"), founded)
    # a question that asks no such event: a founding date dates something else still
    assert not dates_what_is_asked(analyse("星云智能什么时候来到北京？"), founded)


def test_a_question_about_who_holds_a_post_now_gives_way_from_those_who_held_it() -> None:
    """IPCC 现任主席是谁？ ranked IPCC 历任主席为：…… (the former chairs) first: the next sentence
    of its page that says who holds it now, or at least nothing of before, leads instead."""
    from qa.policy import current_gives_way

    former = "星云智能历任首席执行官为：张伟，于2019年任职；李强，于2021年任职。"
    now = "经济学家王芳自2024年3月起担任星云智能首席执行官。"
    other_page = "经济学家赵敏担任远航科技首席执行官。"
    ranked = [("a", former), ("b", other_page), ("a", "公司的主要产品是语音助手。"), ("a", now)]
    assert current_gives_way(analyse("星云智能现任首席执行官是谁？"), ranked) == 3
    assert current_gives_way(analyse("Who is the current CEO of 星云智能?"), ranked) == 3
    assert current_gives_way(analyse("星云智能历任首席执行官有哪些人？"), ranked) is None
    assert (
        current_gives_way(analyse("星云智能现任首席执行官是谁？"), [("a", now), ("a", former)])
        is None
    )
    said_now = [("a", former), ("a", now), ("a", "目前星云智能的首席执行官是王芳。")]
    assert current_gives_way(analyse("星云智能现任首席执行官是谁？"), said_now) == 2


def test_a_when_question_is_not_answered_with_the_date_of_another_event(tmp_path: Path) -> None:
    docs = {
        "xingyun.txt": "星云智能是一家人工智能公司。若一切顺利，2021年12月才成立的星云智能，将成为从"
        "成立到IPO历时最短的AI公司。星云智能于2026年1月在港交所上市，IPO募资约55亿港元。"
        "公司的主要产品是语音助手。",
    }
    (tmp_path / "xingyun.txt").write_text(docs["xingyun.txt"], encoding="utf-8")
    ingest([tmp_path / "xingyun.txt"], tmp_path / "idx", "e5-small")
    pipe = QAPipeline(HybridSearcher(load_snapshot(tmp_path / "idx")), ExtractiveEngine())
    listed = pipe.ask("When did 星云智能 go public?")
    assert not listed.refused and "2026年1月" in listed.citations[0].quote
    founded = pipe.ask("星云智能成立于哪一年？")
    assert not founded.refused and "2021年12月" in founded.citations[0].quote


def test_the_opposite_event_rule_reads_both_languages() -> None:
    from qa.support import events_asked, opposite_event

    sentence = "城南美术馆成立于1998年，2005年起对公众开放。"
    assert opposite_event(events_asked("城南美术馆解散于哪一年？"), sentence, sentence) == (
        "dissolved",
        "founded",
    )
    assert opposite_event(events_asked("When did the museum close?"), sentence, sentence) == (
        "closed",
        "opened",
    )
    # the event asked about is stated somewhere in what was retrieved: not this rule's to refuse
    assert (
        opposite_event(
            events_asked("城南美术馆解散于哪一年？"), sentence, sentence + "2020年解散。"
        )
        is None
    )
    assert opposite_event(events_asked("城南美术馆成立于哪一年？"), sentence, sentence) is None
    # a stretch from its start to its end states both
    ice = "最后一次冰河期从距今74000年持续到更新世（距今11600年）结束。"
    assert opposite_event(events_asked("最后一次冰河期从何时开始？"), ice, ice) is None
    assert opposite_event(events_asked("When did the last glacial start?"), ice, ice) is None
    # "ended up" is no end, "close to" no closing
    treaty = "推动欧盟形成的主要条约从《煤钢共同体条约》开始。"
    assert (
        opposite_event(events_asked("Which treaties ended up forming the EU?"), treaty, treaty)
        is None
    )
    assert (
        opposite_event(events_asked("What town is close to the museum?"), sentence, sentence)
        is None
    )


def test_an_opposite_attribute_or_another_of_a_series_is_no_answer() -> None:
    """最低 is not answered by 最高; the fifth of a series not by the first, where no retrieved
    passage writes the one asked about."""
    from qa.question import analyse
    from qa.support import another_ordinal, events_asked, opposite_event, ordinals_asked

    hq = "陆军总司令部是国防军陆军部队的最高指挥机构。"
    assert opposite_event(events_asked("陆军总司令部是哪个部队的最低指挥机构？"), hq, hq) == (
        "lowest",
        "highest",
    )
    assert opposite_event(events_asked("陆军总司令部是哪个部队的最高指挥机构？"), hq, hq) is None
    assert (
        opposite_event(
            events_asked("Which team needs at least three wins?"), "最多的一队", "最多的一队"
        )
        is None
    )
    # a page states "most" in looser words (领先, 最频繁, 大部分) and "earliest" as 最初
    led = "黑豹队的防守以24次拦截领先联盟。"
    assert opposite_event(events_asked("Which team had the fewest interceptions?"), led, led) == (
        "fewest",
        "most",
    )
    bird = "剃刀嘴凤冠雉最初是由德国自然学家所描述。"
    assert opposite_event(events_asked("剃刀嘴凤冠雉最晚是由谁所描述？"), bird, bird) == (
        "latest",
        "earliest",
    )
    won = "他在38岁时带领野马队赢得第33届超级碗。"
    assert opposite_event(events_asked("第33届超级碗亚军是哪支球队？"), won, won) == (
        "runner-up",
        "champion",
    )
    # ... and 少量 may say which has the fewest
    rain = "雨林的大部分位于巴西，其次是秘鲁，苏里南也有少量。"
    assert opposite_event(events_asked("Which country has the fewest of it?"), rain, rain) is None
    # 最少需要 is "at least", no superlative asked about
    assert not events_asked("公立学校老师最少需要拥有什么？")
    assert not events_asked("每人最多能带几件行李？")
    test = "1967年1月27日上午开始了第一次全面测试。"
    assert another_ordinal(ordinals_asked("第五次全面测试在何时进行？"), test, test) == (5, 1)
    assert another_ordinal(ordinals_asked("When was the fifth test run?"), test, test) == (5, 1)
    assert (
        another_ordinal(ordinals_asked("第二次测试在何时？"), test, test + "第二次测试于2月进行。")
        is None
    )
    # birth order: 二孩 and 三孩 are the second and third child, no fourth (Hohhot's childcare
    # allowance), and 孩子 is no ordinal
    grant = "对生育二孩、三孩的呼和浩特市户籍家庭，发放一次性育儿津贴5000元。"
    assert another_ordinal(ordinals_asked("对生育四孩的家庭发放多少津贴？"), grant, grant) == (4, 2)
    assert another_ordinal(ordinals_asked("对生育三孩的家庭发放多少津贴？"), grant, grant) is None
    assert not ordinals_asked("每个孩子每月补贴多少？")
    # a century is no member of a series
    assert another_ordinal(ordinals_asked("What changed in the 20th century?"), test, test) is None
    # a page that names no ordinal does not say which is the fifth
    plain = "拔除插头测试于1967年1月27日上午开始，但立刻问题不断。"
    assert another_ordinal(ordinals_asked("宇航员遇到的第五个问题是什么？"), plain, plain) == (5, 0)
    # nor are these ordinals: the second half, a fraction, the day after
    for q in ("What happened in the second half?", "Why did a third of them leave?", "第二天呢？"):
        assert not ordinals_asked(q), q
    # read once, with the rest of the question
    q = analyse("第五次全面测试在何时进行？")
    assert q.ordinals == {5} and analyse("陆军总司令部是哪个部队的最低指挥机构？").events == (
        events_asked("最低")
    )


def test_a_measure_written_with_a_synonym_is_stated() -> None:
    from qa.support import measures_named, measures_stated

    # 开支 is 支出 (expenditure): the demo page writes 研发开支 and 行政开支
    source = "2025年，MiniMax研发开支高达2.53亿美元，行政开支3681.3万美元。"
    assert {"R&D expenses", "administrative expenses"} <= measures_stated(source)
    assert "R&D expenses" in measures_named("How much did MiniMax spend on R&D in 2025?")
    assert "R&D expenses" not in measures_stated("MiniMax训练相关的云服务开支为1.42亿美元。")
    # what a company holds, asked in English, is not what it spends
    assert measures_named("How much cash did MiniMax have at the end of 2025?") == {"cash balance"}
    assert measures_named("How much cash does MiniMax burn each month?") == {"cash burn"}
    assert "cash balance" not in measures_stated("公司预期每月现金消耗为2790万美元。")
    # an age is how long ago: 300年前, not the 2025年前9月 of the first nine months of 2025
    # (MiniMax的员工平均年龄是多少？ was answered with paying customers' average spending)
    assert "age" in measures_stated("这座窑址一直延续到大约300年前才停烧。")
    assert "age" in measures_stated("化石在2700-1700万年前的地层中被发现。")
    assert "age" not in measures_stated("从2023年、2024年的6美元下滑至2025年前9月的5美元。")


def test_a_word_that_merely_contains_a_measure_names_none() -> None:
    """`important` is no import, `evaluation` no valuation, `Memphis` no speed in mph: a right
    English answer was sent to the Chinese quote for "the source does not give the imports"."""
    from qa.support import measures_named

    claim = "The main reason is that human capital has become increasingly important. [1]"
    assert measures_named(claim) == set()
    assert (
        check_claim(
            "The main reason is that human capital has become increasingly important.",
            ["收入不平等会损害经济增长的观点已经变得越来越普遍，原因是人力资本在发展中日益重要。"],
        )
        == []
    )
    for text in ("its importance", "an evaluation", "Memphis", "lymphocytes", "an exporter"):
        assert measures_named(text) == set(), text
    assert measures_named("China's imports and exports") == {"imports", "exports"}
    assert measures_named("a valuation of $5 billion") == {"valuation"}
    assert measures_named("at 60 mph") == {"speed"}


def test_english_words_are_read_whole_for_units_amounts_and_comparisons() -> None:
    """The same audit as above, for the other patterns that read English: a unit begins a word
    after a figure but must also end it (`3 footballs`, `1990 literature`), a question about
    rational numbers asks for no amount, and `discover` is no `over` before a year."""
    from qa.policy import another_year
    from qa.question import WANTS_NUMBER
    from qa.support import measured

    assert measured("He owned 3 footballs and wrote the 1990 literature review.") == []
    assert [m.text for m in measured("It is 5 feet tall and 3 km long.")] == ["5 feet", "3 km"]
    assert not WANTS_NUMBER.search("What is a rational number?")
    assert not WANTS_NUMBER.search("Which groups were marginalized?")
    assert WANTS_NUMBER.search("How much cash does MiniMax burn?")
    assert WANTS_NUMBER.search("What was its valuation?")
    # 2019 is the year this sentence reports, not one it compares with
    assert another_year(["2020"], "They discover 2019 fossils.") is not None
    assert another_year(["2020"], "Revenue grew over 2019.") is None


def test_a_date_question_still_asks_about_the_measure_it_names() -> None:
    """When was the humidity reconstruction published? is not answered by a sentence about a
    temperature reconstruction; when did he die asks a date, not a death toll."""
    from qa.policy import measure_not_given
    from qa.question import analyse

    graph = "该图表以1999年的论文为基础，被称作千年北半球气温重建。"
    q = analyse("When was the paper published that the humidity reconstruction was based on?")
    assert measure_not_given(q, graph) == "the best sentence does not give the humidity asked about"
    assert (
        measure_not_given(analyse("When was the temperature reconstruction published?"), graph)
        is None
    )
    died = "他于1962年12月10日在安纳波利斯去世。"
    assert (
        measure_not_given(analyse("When did he die?"), "他于1962年12月10日在安纳波利斯。") is None
    )
    assert measure_not_given(analyse("他是哪一年去世的？"), died) is None


def test_how_many_people_work_there_is_not_what_is_spent_on_them() -> None:
    """MiniMax的研发人员有多少？ was answered with the R&D spending: a headcount is a measure of
    its own, which a spending sentence does not give; a page that says how many it employs does."""
    from qa.policy import measure_not_given
    from qa.question import analyse

    spending = "报告期内,MiniMax的研发开支分别是1056万、7000.2万、1.89亿、1.8亿美元。"
    for q in (
        "MiniMax的研发人员有多少？",
        "MiniMax有多少员工？",
        "How many employees does it have?",
    ):
        assert measure_not_given(analyse(q), spending) == (
            "the best sentence does not give the headcount asked about"
        ), q
    assert measure_not_given(analyse("MiniMax有多少员工？"), "MiniMax雇用了约400人。") is None
    assert measure_not_given(analyse("How many staff?"), "该公司有员工385名。") is None
    assert measure_not_given(analyse("MiniMax的研发开支是多少？"), spending) is None


def test_what_someone_is_paid_is_not_what_the_company_takes_in() -> None:
    """MiniMax的CEO年薪是多少？ was answered with the year's revenue: pay is a measure of its own,
    which a revenue sentence does not give."""
    from qa.policy import measure_not_given
    from qa.question import analyse

    revenue = "数据显示,MiniMax2025年全年实现总收入7903.8万美元,同比大幅增长158.9%;"
    for q in ("MiniMax的CEO年薪是多少？", "What is the CEO's salary at MiniMax?"):
        assert measure_not_given(analyse(q), revenue) == (
            "the best sentence does not give the pay asked about"
        ), q
    assert measure_not_given(analyse("他的年薪是多少？"), "他的年薪为120万元。") is None


def test_a_death_named_as_the_time_of_what_is_asked_is_not_the_measure_asked() -> None:
    """去世后被追封为什么 asks his posthumous title: a sentence that gives it need not say he died.
    Where did he die, and how many died afterwards, still ask about the death."""
    from qa.policy import measure_not_given
    from qa.question import analyse

    title = "后来，索靖又被改赠司空，追封安乐亭侯，并获赐谥号为庄。"
    assert measure_not_given(analyse("索靖去世后被追封为什么？"), title) is None
    assert measure_not_given(analyse("What title was he given after his death?"), title) is None
    assert measure_not_given(analyse("索靖去世于哪里？"), title) is not None
    quake = "地震发生后，当地共有3000间房屋倒塌。"
    assert measure_not_given(analyse("地震后死亡多少人？"), quake) is not None


@pytest.mark.parametrize(
    ("page", "question", "shown"),
    [
        (
            "诗人伊克巴勒\n\n伊克巴勒生于锡亚尔科特，曾在英国和德国学习法律和哲学。"
            "他于1908年回到拉合尔，从事法律实践和哲学诗歌创作。他批判奉行世俗主义的国大党。"
            "伊克巴勒的七次讲座于1934年由牛津大学出版社出版。这些讲座详述了宗教在现代政治中的作用。\n",
            "伊克巴勒批判谁？",
            "他批判奉行世俗主义的国大党。[1]伊克巴勒的七次讲座",
        ),
        (
            "亚里士多德的宇宙观\n\n亚里士多德是古希腊哲学家。"
            "在亚里士多德的观点中，地球的球体包含了4种元素，它们在不同的“自然场所”中休憩。"
            "亚里士多德认为，地球上静止的物体主要由土和水元素组成，这些物体处于它们在地面上的自然位置。"
            "他辨明了物体寻找自然位置的固有倾向。\n",
            "亚里士多德认为地球球体由多少个元素组成？",
            "在亚里士多德的观点中，地球的球体包含了4种元素",
        ),
    ],
)
def test_an_extractive_answer_quotes_a_neighbour_the_ranking_barely_tells_apart(
    tmp_path: Path, page: str, question: str, shown: str
) -> None:
    """Two neighbouring sentences score all but the same: the answer quotes both, in the
    document's order, and neither quote is dropped for covering fewer of the question's words
    than the other (4种元素 is the answer; 土和水元素 repeats more of the question) nor for not
    naming 伊克巴勒, whom the quote beside it names."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.txt").write_text(page, encoding="utf-8")
    ingest(sorted(docs.iterdir()), tmp_path / "idx", "e5-small")
    pipe = QAPipeline(HybridSearcher(load_snapshot(tmp_path / "idx")), ExtractiveEngine())
    a = pipe.ask(question)
    assert a.text.startswith(shown), a.text
    assert len(a.citations) == 2 and all(c.verified for c in a.citations), a.citations


def test_only_a_sentence_of_the_same_page_all_but_as_good_is_quoted_beside_the_best() -> None:
    from qa.engines import quoted
    from qa.records import Evidence

    first = "拔除插头测试于1967年1月27日上午开始，但立刻问题不断。"
    nxt = "首先，机组人员注意到他们穿的太空服有一种奇怪的气味，导致舱口密封延迟。"

    def ev(n: int, text: str, start: int, score: float, doc: str = "d1") -> Evidence:
        return Evidence(n, "c1", doc, None, start, start + len(text), text, score, 1)

    best = ev(1, first, 0, 0.90)
    near = ev(2, nxt, len(first), 0.85)
    assert [e.n for e in quoted([best, near])] == [1, 2]
    # the sentence before, in the document's order
    assert [e.n for e in quoted([ev(1, nxt, len(first), 0.9), ev(2, first, 0, 0.85)])] == [2, 1]
    assert [e.n for e in quoted([best, ev(2, nxt, len(first), 0.70)])] == [1]  # far behind
    # not next to it, but on its page and all but as good (a paragraph that says it twice)
    assert [e.n for e in quoted([best, ev(2, nxt, len(first) + 40, 0.85)])] == [1, 2]
    assert [e.n for e in quoted([best, ev(2, nxt, len(first), 0.85, "d2")])] == [1]
    assert [e.n for e in quoted([best, ev(2, nxt * 4, len(first), 0.85)])] == [1]  # too long


VISA = (
    "工作假期签证（Working Holiday Visa），又称打工度假签证，是一种旅行许可，允许旅行者在签证颁发国"
    "受雇工作，以弥补旅行资金。大多数此类签证由相关国家之间的互惠协定保证，用来鼓励双方公民旅行"
    "和进行文化交流。年轻人在国外打工之余，能够体验当地的生活和文化，同时不一定需要提前寻找工作"
    "赞助。申请人的年龄一般须在18至30岁之间。最长可以停留12个月。每份工作最长只能做90天。\n"
)


def test_a_page_that_names_its_subject_at_the_top_is_about_it_all_the_way_down(
    tmp_path: Path,
) -> None:
    """`最长可以停留12个月` is far below the page's opening, `工作假期签证……又称……`: the span copied
    from it answers a question about 工作假期签证, as the extractive engine's quote of it does,
    instead of being refused as a sentence about something else."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "visa.txt").write_text(VISA, encoding="utf-8")
    ingest([docs / "visa.txt"], tmp_path / "idx", "e5-small")
    pipe = QAPipeline(HybridSearcher(load_snapshot(tmp_path / "idx")), ScriptedEngine("12个月[1]"))
    a = pipe.ask("工作假期签证最长可以停留多久？")
    assert not a.refused and a.short == "12个月", (a.text, a.notes)
    assert a.citations and all(c.verified for c in a.citations)


def test_a_sentence_that_compares_with_a_year_reports_nothing_before_it() -> None:
    """The demo's `MiniMax 2023年的毛利率是多少？`: the best sentence, 毛利率也从2024年12.2%提升至
    25.4%, names only the year it compares with, so it was not judged, and the model's invented
    34.6% gave way to that sentence. A sentence that compares with 2024 reports 2024 (its
    figure there) and later years, never 2023: the question is refused."""
    from qa.policy import another_year

    s = "毛利率也从2024年12.2%提升至25.4%,翻一倍有余。"
    assert another_year(["2023"], s) is not None
    assert another_year(["2024"], s) is None and another_year(["2025"], s) is None
    assert another_year(["2021"], "营收较2022年增长10%。") is not None
    assert another_year(["2023"], "营收较2022年增长10%。") is None  # the year it reports


def test_a_best_sentence_of_another_year_gives_way_to_its_pages_sentence_of_the_year_asked(
    tmp_path: Path,
) -> None:
    """2001年…标志是什么颜色？ The sentence naming 标志 is about 2000; the one after it, about the
    2001-02 identity, says the logo stayed black and yellow: it leads, and is the answer, where
    the year rule refused. Another page's sentence of that year does not lead."""
    from qa.policy import year_gives_way

    first = "2000年，美国广播公司发起了一个网络宣传活动，围绕其圆形标志，也称为点。"
    second = "该网络聘请了三驾马车设计集团来设计其2001-02年的身份，该集团继续使用黑色和黄色的徽标。"
    assert year_gives_way(["2001"], [("d1", first), ("d1", second)]) == 1
    assert year_gives_way(["2001"], [("d1", first), ("d2", second)]) is None
    assert year_gives_way(["2000"], [("d1", first), ("d1", second)]) is None
    assert year_gives_way([], [("d1", first), ("d1", second)]) is None
    docs = tmp_path / "docs"
    docs.mkdir()
    page = "美国广播公司的标志\n\n" + first + second + "该标志在各种促销和识别点中使用。\n"
    (docs / "abc.txt").write_text(page, encoding="utf-8")
    ingest(sorted(docs.iterdir()), tmp_path / "idx", "e5-small")
    pipe = QAPipeline(HybridSearcher(load_snapshot(tmp_path / "idx")), ExtractiveEngine())
    a = pipe.ask("2001年美国广播公司的标志是什么颜色的？")
    # answered with the 2001 sentence (its 2000 neighbour, barely told apart, quoted beside it)
    assert not a.refused and any("黑色和黄色" in c.quote for c in a.citations), (a.text, a.notes)


CPI = (
    "2024年4月份居民消费价格同比上涨0.3%\n\n"
    "2024年4月份，全国居民消费价格同比上涨0.3%。其中，城市上涨0.3%，农村上涨0.4%；"
    "食品价格下降2.7%，非食品价格上涨0.9%。1—4月平均，全国居民消费价格比上年同期上涨0.1%。\n"
    "4月份，全国居民消费价格环比上涨0.1%。其中，城市上涨0.1%，农村持平。\n"
    "4月份，食品烟酒类价格同比下降1.4%，影响CPI下降约0.39个百分点。食品中，蛋类价格下降10.6%，"
    "影响CPI下降约0.07个百分点；鲜果价格下降9.7%，影响CPI下降约0.22个百分点；畜肉类价格下降3.2%，"
    "影响CPI下降约0.10个百分点，其中猪肉价格上涨1.4%，影响CPI上涨约0.02个百分点。\n"
)


def test_a_sentence_of_parts_and_a_clause_after_a_semicolon_read_what_comes_before(
    tmp_path: Path,
) -> None:
    """`其中，城市上涨0.3%，农村上涨0.4%` gives the parts of the sentence before it (全国居民消费价格
    同比上涨0.3%): it is about that sentence's measure and month, and is quoted with it. A clause
    after a semicolon is about what its sentence's first clause names (4月份 … 同比): the pork
    clause answers for April, year on year, over the national figure that names neither pork nor
    any part. (The National Bureau of Statistics' April 2024 release, shortened.)"""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cpi.txt").write_text(CPI, encoding="utf-8")
    ingest([docs / "cpi.txt"], tmp_path / "idx", "e5-small")
    pipe = QAPipeline(HybridSearcher(load_snapshot(tmp_path / "idx")), ExtractiveEngine())
    a = pipe.ask("4月份农村居民消费价格同比上涨多少？")
    assert not a.refused and "农村上涨0.4%" in a.text, (a.text, a.notes)
    quote = next(c.quote for c in a.citations if "农村上涨0.4%" in c.quote)
    assert quote.startswith("2024年4月份，全国居民消费价格同比上涨0.3%。其中")
    a = pipe.ask("4月份猪肉价格同比上涨多少？")
    assert not a.refused and "猪肉价格上涨1.4%" in a.citations[0].quote, (a.text, a.notes)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        # no page names a CEO, in any of its words (首席执行官, 行政总裁, 总裁)
        ("星河科技的CEO是谁？", "no retrieved passage names the CEO"),
        # 云帆科技's page says since when it raised money, not who founded it
        ("云帆科技的创始人是谁？", "does not say who the founder is"),
        # a CFO is named, on 星河科技's page: not 云帆科技's
        ("云帆科技的首席财务官是谁？", "does not name 云帆"),
    ],
)
def test_who_holds_an_office_the_pages_do_not_name_is_refused(
    pages_pipeline: QAPipeline, question: str, reason: str
) -> None:
    a = pages_pipeline.ask(question)
    assert a.refused and not a.citations, a.text
    assert any(reason in n for n in a.notes), a.notes


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("星河科技的创始人是谁？", "张建国"),
        ("谁是星河科技的董事长？", "张建国"),
        # CFO, written 首席财务官 on the page
        ("星河科技的CFO是谁？", "王丽"),
        ("Who is the CFO of Xinghe Technology?", "王丽"),
    ],
)
def test_who_holds_an_office_the_pages_name_is_answered(
    pages_pipeline: QAPipeline, question: str, holder: str
) -> None:
    a = pages_pipeline.ask(question)
    assert not a.refused and holder in a.citations[0].quote, (a.text, a.notes)
