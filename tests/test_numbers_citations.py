"""Chinese numbers in English, citation verification, follow-up questions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qa.citations import attach_citations, check_claim, implied_claim, resolve_citations
from qa.conversation import (
    Turn,
    context_subject,
    is_follow_up,
    off_the_topic,
    other_readings,
    standalone_question,
    subjects,
)
from qa.numbers import (
    counted_in_words,
    english_amount,
    english_figures,
    english_number_words,
    parse_quantities,
    to_english,
    unsupported_numbers,
    with_bound,
    with_unit,
    with_year,
)
from qa.policy import reads_as_span, span_problem
from qa.question import analyse
from qa.records import Evidence
from qa.scoring import matches_gold, normalize


@pytest.mark.parametrize(
    "zh,en",
    [
        ("7903.8万美元", "US$79.038 million"),
        ("18.72亿美元", "US$1.872 billion"),
        ("55.4亿港元", "HK$5.54 billion"),
        ("2.51亿美元", "US$251 million"),
        ("2360亿港元", "HK$236 billion"),
        ("1.5亿美元", "US$150 million"),
        ("92.29亿元", "RMB 9.229 billion"),
        ("1.68万次", "16,800次"),
        ("9686.9万户", "96.869 million户"),
        ("3741.95万股", "37.4195 million股"),
        ("7500万美元", "US$75 million"),
        ("158.9%", "158.9%"),
    ],
)
def test_chinese_amounts_in_english(zh: str, en: str) -> None:
    assert to_english(zh) == en


def test_conversion_is_exact_decimal() -> None:
    q = parse_quantities("总收入7903.8万美元")[0]
    assert q.value == Decimal("79038000") and q.kind == "money:US$"
    assert english_amount(Decimal("1872000000"), "money:US$") == "US$1.872 billion"
    assert (
        to_english("他说“收入7903.8万美元”，净亏损18.72亿美元")
        == "他说“收入7903.8万美元”，净亏损US$1.872 billion"
    )


def test_number_support_allows_unit_conversion_and_rounding_only() -> None:
    src = "MiniMax2025年全年实现总收入7903.8万美元,同比大幅增长158.9%;净亏损达18.72亿美元"
    assert unsupported_numbers("Revenue was US$79.038 million in 2025, up 158.9%.", src) == []
    assert unsupported_numbers("Revenue was about US$79 million.", src) == []
    assert unsupported_numbers("Net loss was $1.87 billion.", src) == []
    assert unsupported_numbers("Revenue was US$7.9 billion.", src) == ["US$7.9 billion"]
    assert unsupported_numbers("Revenue was HK$79.038 million.", src) == ["HK$79.038 million"]
    assert unsupported_numbers("Revenue grew 160.5%.", src) == ["160.5%"]
    assert unsupported_numbers("总收入7903.8万美元", src) == []
    assert unsupported_numbers("总收入7903万美元", src) != []


def _ev(n: int, text: str) -> Evidence:
    # ranked as numbered, each clearly below the one before (two that score alike are quoted
    # together: `qa.policy.quotes_runner_up`)
    return Evidence(n, f"c{n}", "d1", "T", 100 * n, 100 * n + len(text), text, 1.2 - 0.2 * n, n)


EVIDENCE = [
    _ev(1, "数据显示,MiniMax2025年全年实现总收入7903.8万美元,同比大幅增长158.9%;"),
    _ev(2, "数据显示,MiniMax2025年年内净亏损达18.72亿美元。"),
    _ev(3, "业绩电话会上,创始人闫俊杰强调,公司下一阶段的核心战略是平台化。"),
]


def test_a_chinese_decade_is_the_year_english_names_it_by() -> None:
    src = "自 20 世纪 90 年代以来，公众对特斯拉的兴趣再度升温。"
    assert [(q.value, q.text) for q in parse_quantities(src)] == [
        (Decimal(1990), "20 世纪 90 年代")
    ]
    assert unsupported_numbers("Interest rose again in the 1990s.", src) == []
    assert unsupported_numbers("Interest rose again in the 1980s.", src) == ["1980"]
    assert unsupported_numbers("It rose in 1995.", src) == ["1995"]


def test_citations_are_verified_renumbered_and_bounded_to_evidence() -> None:
    text, cits = resolve_citations(
        "Net loss was US$1.872 billion [2]. Revenue was US$79.038 million [1][7].", EVIDENCE
    )
    assert text == "Net loss was US$1.872 billion[1]. Revenue was US$79.038 million[2]."
    assert [(c.n, c.chunk_id, c.verified) for c in cits] == [(1, "c2", True), (2, "c1", True)]
    assert cits[0].quote == EVIDENCE[1].text and cits[0].start == 200


def test_a_name_of_the_english_question_stands_only_in_the_sentence_docqa_answers_with() -> None:
    """What was the score when the Broncos won the divisional round? The page writes 野马队; the
    model's `The Broncos won 23–16 [1]` repeats the reader's own name, citing the
    sentence docqa answers that question with: verified. The same name citing a sentence ranked
    lower (`The Panthers defense surrendered 11 points [2]`, 11 being the Broncos' figure) is
    still a name the cited text lacks; and a name the model adds still needs its source."""
    from qa.policy import names_the_reader_gave

    ev = [
        _ev(1, "野马队在分区轮以23–16击败了匹兹堡钢人队，在比赛的最后三分钟拿下11分。"),
        _ev(2, "黑豹队的防守只丢了308分，在联赛中排名第六。"),
    ]
    q = analyse("What was the score when the Broncos won the divisional round?", "zh")
    own = names_the_reader_gave(q)
    assert "Broncos" in own
    _, cits = resolve_citations("The Broncos won 23–16 [1].", ev, own_names=own, chosen={1})
    assert cits[0].verified, cits[0].problems
    _, cits = resolve_citations("The Broncos won 23–16 [1].", ev)
    assert not cits[0].verified and "Broncos" in cits[0].problems[0]
    _, cits = resolve_citations(
        "The Broncos beat the Colts 23–16 [1].", ev, own_names=own, chosen={1}
    )
    assert not cits[0].verified and "Colts" in " ".join(cits[0].problems)
    panthers = names_the_reader_gave(
        analyse("How many points did the Panthers defense surrender?", "zh")
    )
    _, cits = resolve_citations(
        "The Panthers defense surrendered 11 points [1].", ev[::-1], own_names=panthers, chosen={2}
    )
    assert not cits[0].verified and "Panthers" in cits[0].problems[0]
    # the plural of the reader's name is the reader's name (Huguenot settlers: Huguenots)
    hug = names_the_reader_gave(
        analyse("In what English colony were Huguenot settlers promised land?", "zh")
    )
    _, cits = resolve_citations(
        "In 1700, hundreds of French Huguenots migrated to Virginia [1].",
        [_ev(1, "1700年，数百名法国胡格诺派教徒移民到弗吉尼亚。")],
        own_names=hug,
        chosen={1},
    )
    assert cits[0].verified, cits[0].problems
    # a Chinese question's names are the text's own: nothing is given
    assert names_the_reader_gave(analyse("MiniMax的创始人是谁？", "zh")) == ()
    # the model's own name beside it is still given with the text's form where they pair up:
    # the reader's name no longer stops the pairing
    from qa.names import with_originals

    src = "过去的记录是由约翰·埃尔维保持的，他目前担任野马队的总经理。"
    answer = "The General Manager for the Broncos is John Elway [1]."
    assert with_originals(answer, src) is None
    assert with_originals(answer, src, own=("Broncos",)) == (
        "The General Manager for the Broncos is John Elway (约翰·埃尔维) [1]."
    )
    # and the reader's own name too is given with the text's form where it pairs up
    own = names_the_reader_gave(analyse("When did Carl Wilhelm Scheele discover oxygen?", "zh"))
    assert (
        with_originals(
            "Carl Wilhelm Scheele discovered oxygen in 1773 [1].",
            "1773年，卡尔·威尔海姆·舍勒发现了氧气。",
            own=own,
        )
        == "Carl Wilhelm Scheele (卡尔·威尔海姆·舍勒) discovered oxygen in 1773 [1]."
    )


def test_wrong_number_or_name_is_marked_unverified() -> None:
    _, cits = resolve_citations("Net loss was US$15.9 billion [2].", EVIDENCE)
    assert not cits[0].verified and "US$15.9 billion" in cits[0].problems[0]
    _, cits = resolve_citations("The founder is Zhou Hongyi [3].", EVIDENCE)
    assert not cits[0].verified and "Zhou" in cits[0].problems[0]
    pairs = [("闫俊杰", "Yan Junjie")]
    _, cits = resolve_citations("The founder is Yan Junjie [3].", EVIDENCE, names_ok=pairs)
    assert cits[0].verified
    # a name the reader may use stands only where the cited text writes it (seen on the demo: the
    # founder's name cited to a sentence about MiniMax's platform, verified)
    _, cits = resolve_citations("MiniMax's founder is Yan Junjie [1].", EVIDENCE, names_ok=pairs)
    assert not cits[0].verified and "Yan" in cits[0].problems[0]
    # ... or where its document names it (`named_in`: its title, its opening, the text before it)
    _, cits = resolve_citations(
        "MiniMax's founder is Yan Junjie [1].", EVIDENCE, names_ok=pairs, named_in={1: "闫俊杰专访"}
    )
    assert cits[0].verified
    # without the glossary, the name still verifies as the pinyin of 闫俊杰
    _, cits = resolve_citations("The founder is Yan Junjie [3].", EVIDENCE)
    assert cits[0].verified


def test_a_comma_between_markers_is_no_claim_of_its_own() -> None:
    """`... [1], [2]`: both cite the sentence before; the `,` between them is no claim that
    [2] supports by quoting it."""
    _, cits = resolve_citations("Net loss was US$15.9 billion. [1], [2]", EVIDENCE)
    assert [(c.n, c.verified) for c in cits] == [(1, False), (2, False)]
    assert all(c.check == "supported" for c in cits)


def test_a_name_only_another_passage_writes_is_not_the_cited_sentences_subject() -> None:
    """A small model mixes up the subjects of the passages it is shown. jieba reads no name in
    `福润公司` of the claim (nor `肖特` of `肖特队`), so the claim's own names cannot catch it; the
    passage beside the cited one names it."""
    evidence = [
        _ev(1, "雨润集团于2010年受到美国高盛公司收购。"),
        _ev(2, "福润公司是雨润集团旗下的肉制品企业。"),
    ]
    asked = "雨润集团被哪家公司收购了？"
    _, cits = resolve_citations("雨润集团被福润公司收购了[1]。", evidence, asked=asked)
    assert not cits[0].verified and cits[0].problems == ("name of another passage: 福润",)
    _, cits = resolve_citations("雨润集团被美国高盛公司收购了[1]。", evidence, asked=asked)
    assert cits[0].verified
    # a name the question writes is the subject checks' to judge, not this one's
    _, cits = resolve_citations(
        "雨润集团被福润公司收购了[1]。", evidence, asked="雨润集团和福润公司是什么关系？"
    )
    assert cits[0].verified
    # the names of the passages the claim cites are its own
    _, cits = resolve_citations("雨润集团被福润公司收购了[1][2]。", evidence, asked=asked)
    assert all(c.verified for c in cits)


def test_answers_without_markers_get_the_supporting_sentence() -> None:
    text = attach_citations("MiniMax 2025年总收入为7903.8万美元。净亏损18.72亿美元。", EVIDENCE)
    assert text == "MiniMax 2025年总收入为7903.8万美元。[1]净亏损18.72亿美元。[2]"
    assert attach_citations("Revenue was US$5 billion.", EVIDENCE) == "Revenue was US$5 billion."


def test_follow_up_questions_become_standalone() -> None:
    h = [Turn("MiniMax 2025年的净亏损是多少？", "18.72亿美元")]
    assert standalone_question("那2024年呢?", h) == "MiniMax 2024年的净亏损是多少？"
    h_en = [Turn("What was MiniMax's net loss in 2025?", "US$1.872 billion")]
    assert (
        standalone_question("And the year before?", h_en) == "What was MiniMax's net loss in 2024?"
    )
    assert standalone_question("What about Talkie?", h_en) == "What was Talkie's net loss in 2025?"
    assert (
        standalone_question("谁是MiniMax的创始人，他之前在哪家公司工作？", h)
        == "谁是MiniMax的创始人，他之前在哪家公司工作？"
    )
    assert not is_follow_up("What was MiniMax's total revenue in 2025?")
    assert standalone_question("那2024年呢?", []) == "那2024年呢?"
    # "it" cannot stand for a name in the plural that comes before it, so it still leans back
    afc = [Turn("What was the final score of the AFC Championship Game?", "")]
    assert (
        standalone_question("How much time was left when the Broncos clinched it?", afc)
        == "How much time was left when the Broncos clinched AFC Championship Game?"
    )
    # ... but a name of several words may be one thing
    setanta = [Turn("Setanta Sports什么时候宣布推出？", "")]
    q = "When did Setanta Sports say it would launch?"
    assert standalone_question(q, setanta) == q
    # a people written as "the French" is not what "it" stands for when a place is named too
    jax = [Turn("Before the French came, who lived in what is now Jacksonville?", "")]
    assert (
        standalone_question("What historical figure was it named after?", jax)
        == "What historical figure was Jacksonville named after?"
    )


def test_follow_ups_carry_the_subject_years_and_measure_over() -> None:
    zhipu = [Turn("智谱的估值是多少？", "518亿港元")]
    # another subject: it replaces the previous one, it is not searched beside it
    assert standalone_question("那MiniMax呢？", zhipu) == "MiniMax的估值是多少？"
    assert standalone_question("What about MiniMax?", zhipu) == "MiniMax的估值是多少？"
    # another measure: asked of the same subject and year
    revenue = [Turn("MiniMax 2025年全年总收入是多少？", "7903.8万美元")]
    assert standalone_question("净亏损呢？", revenue) == "MiniMax 2025年的净亏损是多少？"
    assert standalone_question("那2024年的净亏损呢？", revenue) == "MiniMax 2024年的净亏损是多少？"
    # a whole question with a pronoun: the pronoun becomes the subject; its own year stays
    revenue_en = [Turn("What was MiniMax's total revenue in 2025?", "US$79 million")]
    assert (
        standalone_question("And what was its net loss in 2025?", revenue_en)
        == "what was MiniMax's net loss in 2025?"
    )
    assert standalone_question("它的创始人是谁？", zhipu) == "智谱的创始人是谁？"
    assert (
        standalone_question("What about its revenue?", zhipu) == "What about the revenue of 智谱?"
    )
    # a chain: the second follow-up leans on the first one made standalone
    chain = [*zhipu, Turn("那MiniMax呢？", "…")]
    assert standalone_question("它的创始人是谁？", chain) == "MiniMax的创始人是谁？"
    # names jieba cuts in pieces are carried whole
    h = [Turn("贾里德在职业生涯中有多少次擒杀？", "136")]
    assert standalone_question("他效力于哪支球队？", h) == "贾里德效力于哪支球队？"
    # 他 / 她 stand for a person: the first person's name, not a place named before it
    h = [Turn("谁前往威腾博格去听路德的演讲？", "")]
    assert (
        standalone_question("生涯的哪个阶段是他最高产的？", h) == "生涯的哪个阶段是路德最高产的？"
    )


def test_standalone_questions_are_left_as_they_are() -> None:
    h = [Turn("智谱的估值是多少？", "518亿港元")]
    for q in (
        "谁是闫俊杰？",
        "MiniMax 2025年全年总收入是多少？",
        "谁是MiniMax的创始人，他之前在哪家公司工作？",
        "How many tackles did Luke Kuechly register?",
        "What was MiniMax's total revenue in 2025?",
        "黑豹队的防守丢了多少分？",
        "Cydippids are not what?",  # short, but a whole question
    ):
        assert standalone_question(q, h) == q, q


def test_a_pronoun_its_own_question_gives_a_subject_for_is_left_as_it_is() -> None:
    h = [Turn("MiniMax的估值是多少？", "")]
    for q in (
        "神秘博士说他是最后一位领主的时候是哪一年？",  # after a verb of saying
        "2005年，神秘博士认为他的母星怎么了？",  # a possessive
        "特许学校要求它们的教师达到什么要求才能符合资格？",
        "什么学校可能不要求它的教师获得资格证书？",
        "当神秘博士的身体受到致命伤害时，他会怎么做？",  # opening the main clause
    ):
        assert standalone_question(q, h) == q, q
    # an object is someone else, and so is the pronoun of a who-question or a bare one
    norway = [Turn("In 1972, did Norway end up joining the European Union?", "")]
    assert "Norway" in standalone_question("哪个国家在1985年签署了一项条约给予它特殊地位？", norway)
    assert standalone_question("谁创立了它？", h) == "谁创立了MiniMax？"
    assert standalone_question("它的创始人是谁？", h) == "MiniMax的创始人是谁？"


def test_a_name_the_question_writes_itself_is_not_what_its_pronoun_stands_for() -> None:
    # he is elected by Nixon, so he is not 尼克松, the previous question's only name
    nixon = [Turn("他是什么时候被尼克松任命的?", "")]
    assert standalone_question("When was he elected by Nixon?", nixon) == (
        "When was he elected by Nixon?"
    )
    # an English question that names the Chinese subject in English has a subject of its own
    chloro = [Turn("叶绿体有多少种谱系？", "")]
    assert context_subject("How many chloroplast lineages are there?", chloro) is None
    coalition = [Turn("联合政府持续了多久？", "")]
    assert context_subject("How long would this coalition last?", coalition) is None
    # ... but "the university" is any university, not the one of 芝加哥大学
    uni = [Turn("芝加哥大学的校长是谁？", "")]
    assert context_subject("How many students does the university have?", uni) == "芝加哥大学"


def test_the_conversations_subject_is_offered_only_to_a_question_without_one() -> None:
    h = [Turn("智谱的估值是多少？", "518亿港元")]
    assert context_subject("上市时间是哪一年？", h) == "智谱"
    assert context_subject("上市时间是哪一年？", []) is None
    assert context_subject("MiniMax的上市时间是哪一年？", h) is None  # a subject of its own
    assert context_subject("那MiniMax呢？", h) is None  # a follow-up: the rules rewrite it
    # a question that opens with its verb leaves its subject out: what it names is said of it
    rain = [Turn("在亚马逊雨林中能找到多少种树木？", "")]
    assert context_subject("是哪种雨林？", rain) == "亚马逊雨林"  # not 雨林中, as jieba tags it
    assert context_subject("刚果雨林是哪种？", rain) is None  # a name of its own
    # a question that points back at the thing by its noun: the noun after the name, or the one
    # the name ends with, opening the question or after a demonstrative
    avenue = [Turn("科尔尼大道两旁种着什么树？", "")]
    assert context_subject("大道上哪两条街之间曾经住着富有的非洲裔美国人？", avenue) == "科尔尼"
    assert context_subject("弗雷斯诺大道有多长？", avenue) is None  # another avenue
    uni = [Turn("芝加哥大学的校长是谁？", "")]
    assert context_subject("那所大学有多少学生？", uni) == "芝加哥大学"
    assert context_subject("大学有多少学生？", uni) == "芝加哥大学"
    assert context_subject("有多少学生上大学？", uni) == "芝加哥大学"  # no subject of its own
    assert context_subject("哈佛大学有多少学生？", uni) is None


def test_a_passage_off_the_conversations_topic_shares_none_of_its_words() -> None:
    prev = "特斯拉创立公司后，首先获得了什么？"
    armour = "FV 603撒拉森装甲车是阿尔维斯汽车公司生产的装甲车。"
    assert off_the_topic(armour, prev, "公司生产了什么？")  # 公司 is the question's own word
    assert not off_the_topic("该公司安装了由特斯拉设计的电弧灯。", prev, "公司生产了什么？")
    # across languages, by whole word: a name written in both counts, "in" inside a word does not
    english = "Along with the CISCE, what is a notable Examination Board in Indian states?"
    assert not off_the_topic("30个考试委员会，包括CISCE。", english, "印度有多少个考试委员会?")
    assert off_the_topic(
        "Eutelsat 33C orbiting at 28.5°E.", "Which satellite is in orbit?", "它在哪？"
    )
    # a question before the passage in the other language: its words say nothing either way,
    # but a word of the passage's own script that it lacks does
    assert not off_the_topic(
        "华沙是波兰的首都。", "What is the population of Warsaw?", "首都是哪里？"
    )
    assert not off_the_topic("Warsaw is the capital.", "华沙的人口是多少？", "What is the capital?")
    assert off_the_topic("Kraków is a city.", "华沙 Warsaw 的人口是多少？", "What is the capital?")
    assert not off_the_topic("什么都行", "What is in it?", "卫星在哪里？")  # no word to share
    # a Latin name glued to a year is still written there
    assert not off_the_topic(
        "MiniMax2025年毛利率为25.4%", "MiniMax的创始人是谁？", "毛利率是多少？"
    )


def test_names_joined_by_an_ampersand_are_one_name() -> None:
    assert subjects("V＆A在哪一年收到了塔尔博特·休斯的收藏品？") == ("V＆A", "塔尔博特·休斯")
    assert subjects("AT&T的总部在哪？") == ("AT&T",)  # all capitals: a name, opening or not
    assert subjects("After rejecting the offer, what did Tesla do?") == ("Tesla",)


def test_a_pronoun_is_also_read_as_each_other_name_of_the_previous_question() -> None:
    h = [Turn("谁前往威腾堡去听路德的演讲？", "")]
    assert standalone_question("它生涯的哪个阶段是他最高产的？", h).startswith("威腾堡生涯")
    assert other_readings("它生涯的哪个阶段是他最高产的？", h) == (
        "路德生涯的哪个阶段是他最高产的？",
    )
    h_en = [Turn("Who went to Wittenberg to hear Luther speak?", "")]
    assert other_readings("What part of its career was his most productive?", h_en) == (
        "What part of Luther's career was his most productive?",
    )
    # no pronoun to read, an ellipsis, no history, a previous question with one name
    assert other_readings("路德生涯的哪个阶段是他最高产的？", h) == ()
    assert other_readings("那2024年呢？", h) == ()
    assert other_readings("它生涯的哪个阶段是他最高产的？", []) == ()
    assert other_readings("它的估值是多少？", [Turn("智谱的估值是多少？", "")]) == ()


def test_gold_matching_normalizes_width_spaces_and_units() -> None:
    assert normalize("ＭｉｎｉＭａｘ 的 收入") == "minimax的收入"
    assert matches_gold("Revenue was US$79.038 million [1].", ["7903.8万美元"])
    assert matches_gold("总收入7903.8万美元[1]", ["7903.8万美元"])
    assert not matches_gold("Revenue was US$79.5 million.", ["7903.8万美元"])
    assert matches_gold("The founder is 闫俊杰.", ["Yan Junjie", "闫俊杰"])


def test_a_gold_count_in_chinese_numerals_matches_the_figure() -> None:
    assert matches_gold("9个国家[1]", ["九个"])
    assert matches_gold("这一地区包括属于 九个 国家的领土。", ["九个"])
    assert not matches_gold("8个国家[1]", ["九个"])
    assert not matches_gold("9", ["九个"])  # a bare figure says nothing about what it counts
    # a count by value, in English too: the gold `nine` / 九个 and `There are 9 nations`
    assert matches_gold("There are 9 nations that control this region.[1]", ["九个", "nine"])
    assert matches_gold("Nine nations control it.", ["九个"])
    assert not matches_gold("It was founded in 1990 by 8 nations.", ["九个", "nine"])
    assert not matches_gold("9 [1]", ["nine"])


def test_a_gold_answers_latin_gloss_is_optional() -> None:
    """XQuAD's Chinese golds keep the translator's gloss: 铁壁威廉 (William Iron Arm)."""
    assert matches_gold("谁是梅尔菲伯爵？铁壁威廉[1]", ["铁壁威廉 (William Iron Arm)"])
    assert matches_gold("郡或县[1]", ["郡 (county) 或县 (powiat)"])
    assert matches_gold("……郡 (county) 或县 (powiat)所享有的权利[1]", ["郡 (county) 或县 (powiat)"])
    assert not matches_gold("威廉[1]", ["铁壁威廉 (William Iron Arm)"])
    assert not matches_gold("DTIME(f)", ["DTIME(f(n))"])  # not a gloss of Chinese words


def test_a_percentage_in_chinese_words_is_a_number() -> None:
    """百分之七十 is 70%: an English answer or translation saying 70% is supported by it."""
    source = "百分之七十的以前亚马逊的森林区域，以及从1970年以来 91% 被砍伐的土地，都被用作了牧场。"
    assert unsupported_numbers("70% of the former Amazon forest is pasture.", source) == []
    assert unsupported_numbers("75% of the former Amazon forest is pasture.", source) == ["75%"]
    assert [(q.value, q.kind) for q in parse_quantities("百分之九十九点五，百分之30")] == [
        (Decimal("99.5"), "percent"),
        (Decimal("30"), "percent"),
    ]


def test_a_quote_with_the_pages_own_reference_marks_cites_only_its_evidence() -> None:
    """An index built before ingest removed them: the page's [3] must not become citation [3]."""
    from qa.engines import ExtractiveEngine, Request

    ev = [
        _ev(1, "雄安新区由雄县、容城县、安新县及其周边部分地区组成[3]，于2017年4月1日正式成立。"),
        _ev(2, "雄安新区将规划形成“一主、五辅、多节点”的新区城乡空间布局。"),
        _ev(3, "规划范围共1770平方公里。"),
    ]
    for lang in ("zh", "en"):
        answer = ExtractiveEngine().answer(Request("雄安新区何时成立？", lang, tuple(ev)))
        text, cits = resolve_citations(answer, ev)
        assert "[3]" not in answer and "组成，于2017年" in answer
        assert [(c.n, c.start, c.verified) for c in cits] == [(1, 100, True)]


def test_an_amount_of_more_than_keeps_its_currency() -> None:
    """人民币5.26亿余元 is more than RMB 526 million: not 人民币526 million余元, and not US$."""
    src = "非法收受财物共计折合人民币5.26亿余元。"
    assert to_english(src) == "非法收受财物共计折合more than RMB 526 million。"
    assert english_figures("罚款10多万元") == ["10多万元 = more than RMB 100,000"]
    assert unsupported_numbers("He took more than RMB 526 million in bribes.", src) == []
    assert unsupported_numbers("He took US$526 million in bribes.", src) == ["US$526 million"]


def test_a_span_answer_claims_the_question_it_answers() -> None:
    assert implied_claim("黑豹队的防守丢了多少分？", "308分") == "黑豹队的防守丢了308分。"
    assert implied_claim("谁演唱了国歌？", "女神卡卡") == "女神卡卡演唱了国歌。"
    assert implied_claim("胡格诺派为何迁往美洲", "躲避迫害") == "胡格诺派为何迁往美洲：躲避迫害。"
    assert reads_as_span("1985年", "zh") and reads_as_span("刘秉忠和姚枢[1]", "zh")
    assert not reads_as_span("大桥于2011年通车。此后车程缩短了30分钟", "zh")
    assert not reads_as_span("1985", "en")


def test_a_bare_figure_gets_the_unit_its_source_gives_it() -> None:
    assert with_unit("1985", ["学院成立于 1985 年。"]) == "1985年"
    assert with_unit("3.5万", ["新增3.5万亩耕地"]) == "3.5万亩"
    assert with_unit("5", ["15年后，又过了5年"]) == "5年"  # not the 5 of 15
    assert with_unit("12", ["编号12345"]) == "12"
    assert with_unit("张三", ["张三年"]) == "张三"
    assert with_unit("45", ["比赛进行了45分钟。"]) == "45分钟"  # the whole unit, not 分
    # a list that gives its unit once, after its last figure
    assert with_unit("130万", ["收入分别为130万、940万、780万美元。"]) == "130万美元"
    assert with_unit("940万", ["收入分别为130万、940万和780万美元。"]) == "940万美元"
    assert with_unit("37.2", ["分别占总收入的37.2%、30.9%。"]) == "37.2%"
    # ... but not the next clause's year (the demo's user count had been shown as 1.15亿年)
    assert with_unit("1.15亿", ["增至2024年的1.15亿,2025年9月底已增至2.12亿户。"]) == "1.15亿"


def test_a_bare_month_gets_the_year_its_source_writes_before_it() -> None:
    assert with_year("12月", ["若一切顺利,2021年12月才成立的MiniMax"]) == "2021年12月"
    assert with_year("6月30日", ["于2011年6月30日正式通车"]) == "2011年6月30日"
    assert with_year("12月", ["每年12月举行"]) == "12月"  # no year to give
    assert with_year("2021年12月", ["2021年12月"]) == "2021年12月"


@pytest.mark.parametrize(
    ("question", "span", "sentence", "wrong"),
    [
        (
            "巡逻船可以连续执行任务多少天？",
            "1200海里",
            "续航距离达1200海里，可连续执行任务20天。",
            True,
        ),
        ("黑豹队的防守丢了多少分？", "24次", "防守只丢了 308分，同时也以 24 次拦截领先。", True),
        (
            "大桥的主体工程造价是多少？",
            "约100亿元",
            "大桥总投资约100亿元，其中主体工程造价约90亿元。",
            True,
        ),
        (
            "这些移居者于何时被归化？",
            "148名",
            "1705年5月12日，议会通过法案，将148名信徒归化。",
            True,
        ),
        (
            "漠河机场的投资金额是多少？",
            "2006年",
            "于2006年6月21日动工，总投资2.38亿元人民币。",
            True,
        ),
        (
            "大桥的主体工程造价是多少？",
            "约90亿元",
            "大桥总投资约100亿元，其中主体工程造价约90亿元。",
            False,
        ),
        ("画廊在哪一年开放？", "1991", "画廊在 1991 开幕，展出近16,000件藏品。", False),
        # a magnitude before the unit asked for: 多少万人 asks for people
        ("游行有多少万人参加？", "30万人", "游行共有30万人参加，历时5小时。", False),
        ("公司有多少辆巴士？", "30家", "公司有7辆巴士，在30家车站停靠。", True),
        ("大曲车站设站于几几年？", "1935年", "1935年初设站时，原本只是个号志站。", False),
        (
            "嘉诺撒圣家学校的面积是多大？",
            "3000平方米",
            "学校的面积为3000平方米，设有18个课室。",
            False,
        ),
        # a figure the question itself gives is no answer to it (but a name's digits are not one)
        ("埃尔维在 38 岁时赢得了哪一届超级碗？", "38岁", "他在38岁时赢得第33届超级碗。", True),
        ("M1911在哪一年被美国陆军采用？", "1911年", "M1911于1911年被美国陆军采用。", False),
        # a question for a thing (what, which, where, why) is not answered by a bare figure
        ("嘉诺撒圣家学校的地址是哪里？", "1954年", "学校于1954年迁至九龙道5号。", True),
        ("国际联盟由哪些联盟合并而成？", "3个", "国际联盟由3个联盟合并而成：甲、乙、丙。", True),
        ("学校在哪一年迁址？", "1954年", "学校于1954年迁至九龙道5号。", False),
        # a season by its two years is a time, and a clause that only says when is the next one's
        (
            "跑马地锦标在什么时间段内是首关赛事？",
            "1993/1994至1998/1999",
            "首届跑马地锦标于1993年11月10日举行，当时是一项三级赛，于1993/1994至1998/1999马季期间，"
            "这项杯赛是速度系列首关赛事。",
            False,
        ),
        # an event word that only describes the subject (停赛的球队) is not the event asked
        ("停赛的球队预计什么时候回归？", "2018年", "该队于2014年停赛，预计2018年回归。", False),
        # the event asked dated in its own words, whatever else the sentence opens later
        (
            "青禾书店创立于哪一年？",
            "1997年",
            "青禾书店于1997年创立，并自2006年起拓展国内业务。",
            False,
        ),
        # a year or a figure of the sentence for another event than the one asked about; the
        # right ones, of pairs, in the test below
        ("会堂是什么时候建成的？", "1940年", "1937年，会堂开始筹建，1940年建成。", False),
        (
            "学校开办第一年有多少学生？",
            "400余位",
            "开办第一年的学校仅有90位教职员、400余位学生。",
            False,
        ),
        (
            "电视台哪一年停用四音符？",
            "2015年",
            "在2015年秋，电视台停用了其1998-2002年的四音符。",
            False,
        ),
        (
            "丹佛领先24-10时还剩多少时间？",
            "3分08秒",
            "丹佛把比分提高到24-10时，还剩3分08秒。",
            False,
        ),
        # a number the sentence writes only inside a name or a power of ten is no figure of its
        # own; the whole figure, or a name the span writes whole, is
        (
            "哪颗卫星让公司推出数字服务？",
            "33",
            "此后又应用了 Eurobird 1 (现在是 Eutelsat 33C)。",
            True,
        ),
        ("亚马逊森林储存了多少碳？", "1.1公吨", "生态系统碳储量的10%——约1.1 × 1011 公吨碳。", True),
        (
            "亚马逊森林储存了多少碳？",
            "1.1 × 1011公吨",
            "生态系统碳储量的10%——约1.1 × 1011 公吨碳。",
            False,
        ),
        ("高清内容使用什么标准？", "DVB-S2", "大部分高清内容使用 DVB-S2 标准。", False),
        # where / who / which is answered by no amount, in figures or in Chinese numerals; a
        # what-question may be (获得了什么: 500万美元)
        (
            "朱载圳的封地是哪里？",
            "四万顷",
            "因而获得景王朱载圳的封地多至四万顷、当地食盐管理权利。",
            True,
        ),
        ("谁领导了进攻？", "500人", "于1754年4月5日从韦南戈堡率领500人向南行进。", True),
        ("他获得了什么奖励？", "500万美元", "他因此获得了500万美元的奖励。", False),
        ("封地有多大？", "四万顷", "因而获得景王朱载圳的封地多至四万顷、当地食盐管理权利。", False),
        # a lifespan in brackets is no attribute: its first year is the birth
        ("术赤哪一年出生？", "1185", "术赤（1185-1226）于1206年受封，是成吉思汗的长子。", False),
        # a place in a ranking is no count (the demo's 超10万家 企业, copied for 排名第几)
        (
            "MiniMax在全球大模型公司中排名第几？",
            "超10万家",
            "MiniMax的AI原生产品累计服务超2亿用户、超10万家企业与开发者。",
            True,
        ),
        (
            "MiniMax在全球大模型公司中排名第几？",
            "第十",
            "MiniMax是全球第十的大模型技术公司。",
            False,
        ),
        ("文周王是百济第多少代国王？", "22代", "文周王（）百济第22代国王。", False),
    ],
)
def test_a_span_of_another_kind_than_asked_is_the_wrong_part_of_its_sentence(
    question: str, span: str, sentence: str, wrong: bool
) -> None:
    assert (span_problem(analyse(question), span, sentence) is not None) == wrong


@pytest.mark.parametrize(
    "question,sentence,right,wrong",
    [
        # a dimension the question names: a length is no weight; a score has two sides
        ("紫冠雉的体长大约是多少？", "体长约70厘米，重约1.7公斤。", "70厘米", "1.7公斤"),
        ("比赛的最终比分是多少？", "野马队以23-16获胜，最后三分钟拿下11分。", "23-16", "11分"),
        # a year the sentence gives for another event than the one asked about
        (
            "舍勒于何时发现氧气？",
            "舍勒于1773年发现氧气，普利斯特里于1774年独立发现了它。",
            "1773年",
            "1774年",
        ),
        # both clauses say what is asked (发现氧气): the one that names the question's subject
        (
            "约瑟夫·普利斯特里在哪一年发现氧气？",
            "1773年卡尔·舍勒在乌普萨拉独立发现氧气，而约瑟夫·普利斯特里在1774年也独立发现了氧气。",
            "1774年",
            "1773年",
        ),
        # a range is one date of its own where the question asks when, not which year
        (
            "香港杜鹃第一次被发现是在什么时候？",
            "于1847年－1850年间在香港岛首次发现，直至1930年才正式冠以为香港命名的新品种。",
            "1847年－1850年间",
            "1930年",
        ),
        # ... and an attribute where it asks which year (其1998-2002年的四音符)
        (
            "美国广播公司在哪一年停止使用四音符做促销？",
            "在2015年的秋季，美国广播公司已经停止使用其1998-2002年的四音符用作促销。",
            "2015年",
            "1998",
        ),
        (
            "瞿希贤哪一年毕业于上海国立音乐专科学校作曲系？",
            "瞿希贤于1944年毕业于上海圣约翰大学英文系，1948年毕业于上海国立音乐专科学校作曲系。",
            "1948年",
            "1944年",
        ),
        # the subject opens the sentence for both years: what the question says of it after its
        # question word (建成) dates the event
        (
            "天津犹太会堂是什么时候建成的？",
            "1937年，天津犹太会堂开始筹建，1940年建成。",
            "1940年",
            "1937年",
        ),
        # ... and where the subject's words are with every year, the word asked about before the
        # question word (设站, 电影) tells them apart; 几几年 asks one year, not two ends
        (
            "青山车站设站于几几年？",
            "青山车站是一个小站，1921年初设站时只是信号所，并于1930年时升格为车站。",
            "1921年",
            "1930年",
        ),
        (
            "《雾中城》第一次被改编成电影是什么时候？",
            "《雾中城》是王默1950年的小说，曾二度（1962年、1988年）被改编为电影。",
            "1962年",
            "1950年",
        ),
        # when something stopped or was founded dates the end of a span that the sentence writes
        (
            "哪一年两支球队中的一支停赛了？",
            "从2005年到2014年，这座城市有两支职业足球队。",
            "2014年",
            "2005年",
        ),
        # 什么时间 asks when; the subject a sentence opens with is every date's, the event asked
        # (结束) tells them apart
        ("他在什么时间宣布退役？", "1977年，宣布退役，1985年进入篮球名人堂。", "1977年", "1985年"),
        (
            "第二届联合内阁在什么时间结束？",
            "第二届联合内阁成立于民国9年（1920年）8月9日，结束于民国10年（1921年）5月14日。",
            "民国10年（1921年）5月14日",
            "民国9年（1920年）8月9日",
        ),
        # the event asked, in the words the page writes it with (投入使用: 交付运营)
        (
            "青山站什么时候投入使用？",
            "青山站于2004年4月2日开工，2008年6月30日交付运营。",
            "2008年6月30日",
            "2004年4月2日",
        ),
        # a term in brackets after what it is of: the year of another role is no answer
        (
            "张伟任青年商会创会会长是在哪一年？",
            "曾任青年商会创会会长（1977年）、区议员（1980年 - 1991年）、立法局议员（1992年 - 1995年）。",
            "1977年",
            "1980年",
        ),
        (
            "李明在哪一年获得了金奖？",
            "王强和李明分别在1995年和1998年获得了金奖。",
            "1998年",
            "1995年",
        ),
        # a share of the amount asked for is no amount
        (
            "铁路项目投资总额约为多少？",
            "铁路项目投资总额约为28亿元，其中铁总出资60％，山东省出资40％。",
            "28亿元",
            "60％",
        ),
        # another figure in the span's unit that holds more of what the question says
        ("雌蛇体长约是多少？", "雄蛇约有13英寸长，而雌蛇则普遍只有10英寸长。", "10英寸", "13英寸"),
        (
            "她多少岁时入围了金钟奖？",
            "她7岁出道，参与电视剧演出，13岁时入围金钟奖。",
            "13岁",
            "7岁",
        ),
        (
            "2010年该市的白人人口是多少？",
            "白人人口从1970年的75.8%降至2010年的55.1%。",
            "55.1%",
            "75.8%",
        ),
        # the figure a word of the question follows is the count asked for
        (
            "学院成立时有多少学生？",
            "学院成立时仅有35位教师、三个系和600余位学生。",
            "600余位",
            "35位",
        ),
        # a line's number is no date, but 几号 with a word after it asks for one such number
        (
            "该线路是什么时候开通的？",
            "2021年12月28日，随着地铁8号线三期工程一同开通。",
            "2021年12月28日",
            "8号",
        ),
        ("他在球队身披几号球衣？", "2015年他加盟球队，身披23号球衣。", "23号", "2015年"),
        # a decade is a date: no answer to which thing
        ("哪一条河被改造成了运河？", "在1960年代整治时，北河被改造成了运河。", "北河", "1960年代"),
        # a bare number: another clause says what the question asks of its own figure
        (
            "宝山镇所跨的纬度范围是多少？",
            "宝山镇所跨经度范围为东经123°40′—123°57′，所跨纬度范围为北纬40°15′—40°30′。",
            "40",
            "123",
        ),
        # a figure's share in brackets is part of it, and a number the question gives is none
        (
            "有多少户有不到18岁的孩子？",
            "那里有158,349户，其中68,511 (43.3%)户有不到18岁的孩子，69,284(43.8%)户是夫妇。",
            "68,511",
            "69,284",
        ),
        # a span of time: the question asks where it began, or where it ended
        (
            "这座窑址从何时开始烧制瓷器？",
            "这座窑址从距今900年开始烧制瓷器，一直延续到大约300年前才停烧。",
            "900年",
            "300年",
        ),
        (
            "这座窑址的烧制在何时结束？",
            "这座窑址从距今900年开始烧制瓷器，一直延续到大约300年前才停烧。",
            "300年",
            "900年",
        ),
        (
            "该联赛是从哪一年开始的？",
            "该联赛始于1996年，而在2001年广州举办的联赛有来自30所学校的学生参加。",
            "1996年",
            "2001年",
        ),
        (
            "第一届内阁何时结束？",
            "第一届内阁成立于民国5年（1916年）6月，结束于民国6年（1917年）7月。",
            "1917年",
            "1916年",
        ),
        # a change: what it came to, unless the question asks what it was before
        (
            "大桥通车后，两地之间要多少分钟？",
            "大桥通车将两地之间的行车时间由原来的90分钟缩短至20分钟。",
            "20分钟",
            "90分钟",
        ),
        # the demo's 资产负债率从2024年的187.8%飙升至2025年的343.3%: the figure now, unless the
        # question gives the year
        (
            "该公司的资产负债率是多少？",
            "数据显示，该公司资产负债率从2023年的95.2%飙升至2024年的210.6%。",
            "210.6%",
            "95.2%",
        ),
        (
            "该公司2023年的资产负债率是多少？",
            "数据显示，该公司资产负债率从2023年的95.2%飙升至2024年的210.6%。",
            "95.2%",
            "210.6%",
        ),
        (
            "大桥通车前，两地之间原来要多少分钟？",
            "大桥通车将两地之间的行车时间由原来的90分钟缩短至20分钟。",
            "90分钟",
            "20分钟",
        ),
    ],
)
def test_of_two_figures_of_a_sentence_the_one_asked_about_is_the_answer(
    question: str, sentence: str, right: str, wrong: str
) -> None:
    q = analyse(question)
    assert span_problem(q, right, sentence) is None
    assert span_problem(q, wrong, sentence) is not None


def test_a_figure_the_question_dates_is_not_taken_for_a_count_of_another_year() -> None:
    """The count a word of the question follows does not overrule the year the question gives:
    2020年有1830人 answers 2020年有多少人参加 though 参加 follows 1500人."""
    q = analyse("比赛在2020年有多少人参加？")
    assert span_problem(q, "1830人", "2019年有1500人参加，2020年有1830人。") is None


def test_a_figure_of_another_extent_than_asked_is_the_wrong_part_of_its_sentence() -> None:
    """宽12.5米 does not answer 多长 where the sentence writes 全长 before another figure."""
    q = analyse("隧道有多长？")
    assert span_problem(q, "12.5米", "隧道宽12.5米，全长3860米，于2019年通车。") is not None


def test_what_a_question_asks_of_its_subject_tells_two_figures_of_it_apart() -> None:
    """锅炉的出口压力大约是多少 asks the 出口压力 of the 锅炉: the clause that names the boiler
    but gives its 进口压力 holds more of the question's words, and is still not the answer."""
    sentence = "在这类机组中，锅炉进口压力通常为 25 兆帕，出口压力约为 18 兆帕。"
    q = analyse("锅炉的出口压力大约是多少？")
    assert span_problem(q, "18", sentence) is None
    assert span_problem(q, "25", sentence) is not None


@pytest.mark.parametrize(
    ("year", "right"), [("2022", "120万元"), ("2023", "860万元"), ("2024", "1530万元")]
)
def test_a_respectively_list_pairs_each_year_with_its_figure(year: str, right: str) -> None:
    """The demo's `MiniMax 2025年前9月的收入是多少？`: 5343.7万美元, right, failed for 346万美元,
    the first figure of 2023年、2024年及2025年前9月,收入分别为346万美元、3052.3万美元、5343.7万美元
    (its clause holds every year). A 分别 list pairs years and figures by position."""
    sentence = "2022年、2023年及2024年前9月,该公司收入分别为120万元、860万元、1530万元。"
    q = analyse(f"该公司{year}年的收入是多少？")
    for span in ("120万元", "860万元", "1530万元"):
        assert (span_problem(q, span, sentence) is None) == (span == right), span


def test_a_result_with_its_working_from_two_figures_of_the_source_is_supported() -> None:
    """The demo's `MiniMax的资产负债率上升了多少？` was answered `343.3% - 187.8% = 155.5%[1]`, right,
    and replaced by the source: 155.5% is in no sentence. A result written with its working from
    two figures the source gives is checked by its arithmetic, to the last digit written."""
    source = "数据显示,该公司资产负债率从2024年的187.8%飙升至2025年的343.3%。"
    assert unsupported_numbers("343.3% - 187.8% = 155.5%", source) == []
    assert unsupported_numbers("343.3% - 187.8% = 150.5%", source) == ["150.5%"]
    assert unsupported_numbers("343.3% - 100.8% = 242.5%", source) == ["100.8%", "242.5%"]
    assert unsupported_numbers("It rose by 155.5 percentage points", source)  # no working


def test_a_copied_figure_keeps_the_word_that_bounds_it() -> None:
    """The demo's `MiniMax的视频模型生成了多少视频？` was answered `6亿个视频` for 累计生成超6亿个视频:
    a span that drops 超 (or 不到, 近, 约) states more than its source. The word is given back,
    and it changes nothing of which figure the span is."""
    source = (
        "截至2025年底,其视频模型帮助全球创作者累计生成超6亿个视频,语音模型累计生成超2亿小时语音。"
    )
    assert with_bound("6亿个视频", [source]) == "超6亿个视频"
    assert with_bound("5年", ["仅能支撑公司不到5年的运营。"]) == "不到5年"
    assert with_bound("2790万美元", ["每月现金消耗为2790万美元。"]) == "2790万美元"
    assert with_bound("5亿美元", ["合计投资15.5亿美元。"]) == "5亿美元"  # not part of a number
    assert with_bound("5元", ["每单节约5元。"]) == "5元"  # 节约 saves: no 约 of about
    # ... and after it: "In the source: 五成" beside `50% of the greenhouse effect` (五成以上)
    greenhouse = "计算表明温室效应增强的原因 五成以上 要归咎于二氧化碳。"
    assert with_bound("五成", [greenhouse]) == "五成以上"
    assert with_bound("3000万元", ["总投资3000万元左右。"]) == "3000万元左右"
    assert with_bound("一半", ["占地球现存雨林的一半以上。"]) == "一半以上"
    assert with_bound("五成", ["十五成以上"]) == "五成"  # part of another numeral
    assert with_bound("三年", ["最近三年来"]) == "三年"  # 最近: no 近 of nearly
    assert (
        span_problem(analyse("温室效应增强的原因多少要归咎于二氧化碳？"), "五成以上", greenhouse)
        is None
    )
    q = analyse("语音模型累计生成了多少小时语音？")
    assert span_problem(q, "超2亿小时", source) is None
    assert span_problem(q, "超6亿个视频", source) is not None


def test_a_count_of_rounds_is_no_rival_to_the_amount_asked() -> None:
    """The demo's `MiniMax累计融资多少？`: 合计投资15.55亿美元, right, failed because the clause that
    names 融资 (累计进行7轮融资) writes a digit. For a how-much question a count of rounds or a date
    there is no other answer; an amount there still is."""
    sentence = "该公司累计进行5轮融资，合计获得投资8.6亿元。"
    q = analyse("该公司累计融资多少？")
    assert span_problem(q, "8.6亿元", sentence) is None
    rival = "该公司累计融资12亿元，其中投资机构出资8.6亿元。"
    assert span_problem(q, "8.6亿元", rival) is not None


def test_a_share_answers_how_much_something_changed() -> None:
    """The demo's `MiniMax的经调整净亏损比2024年增加了多少？`: 同比增加2.7%, right, failed as a share
    given for an amount. A change is told by a share as well as by an amount; the amount itself
    still does not answer how much it changed."""
    sentence = "该公司2024年经调整净亏损为3.2亿元,较2023年的2.9亿元同比增加10.3%。"
    q = analyse("该公司的经调整净亏损比2023年增加了多少？")
    assert span_problem(q, "10.3%", sentence) is None
    assert span_problem(analyse("该公司2024年的经调整净亏损是多少？"), "10.3%", sentence)


def test_a_price_by_what_it_is_paid_for_answers_a_price_whatever_its_clause_names() -> None:
    """The demo's `MiniMax的股价是多少？`: 报752.5港元/股 was failed because 股价 stands in the
    clause before it (股价累计涨幅最高超413%). A price per share answers 股价; the market value
    of the same sentence still does not."""
    sentence = (
        "自上市以来,该公司股价累计涨幅最高超200%,截至3月2日收盘,报86.4港元/股,总市值达520亿港元。"
    )
    q = analyse("该公司的股价是多少？")
    assert span_problem(q, "86.4港元/股", sentence) is None
    assert span_problem(q, "520亿港元", sentence) is not None


def test_a_count_in_a_counter_the_question_names_is_asked_for_in_that_counter() -> None:
    """多少组 asks for groups: 15平方公里, the area of the same sentence, is no answer (组, 批,
    套, 颗, 站 and the like are counters as 个 and 次 are)."""
    sentence = "共发现岩画分布面积15平方公里，岩画3000多组。"
    q = analyse("一共发现了多少组岩画？")
    assert span_problem(q, "3000多组", sentence) is None
    assert span_problem(q, "15平方公里", sentence) is not None


def test_a_figure_of_a_clause_that_opens_with_someone_else_is_theirs() -> None:
    """The demo's `MiniMax的新客户数量从多少下降到多少？` was answered with Talkie's figures from
    Talkie的新用户数从……跌至……,MiniMax则从……腰斩至……, verified. A name inside a clause is what its
    subject acts on, and a clause that opens with no name may be anyone's: both pass."""
    sentence = "但2025年前9月,Zentrix的新用户数从上年同期的800万跌至600万,Quorva则从上年同期的300万腰斩至150万。"
    q = analyse("Quorva的新用户数从多少下降到多少？")
    assert span_problem(q, "800万跌至600万", sentence) is not None
    assert span_problem(q, "600万", sentence) is not None
    assert span_problem(q, "300万腰斩至150万", sentence) is None
    # both ends asked: either end alone is not the other end's figure
    assert span_problem(q, "150万", sentence) is None
    assert span_problem(q, "300万", sentence) is None
    # what it came to, for a question that asks only that
    q = analyse("Quorva的新用户数下降到多少？")
    assert span_problem(q, "150万", sentence) is None
    assert span_problem(q, "300万", sentence) is not None
    acted_on = "Zentrix在比赛还剩 17 秒时拦截了Quorva的传球。"
    assert span_problem(analyse("Zentrix拦截传球时比赛还剩多少秒？"), "17 秒", acted_on) is None
    # a clause may open with 随后 / 之后 before its subject
    then = "Zentrix的声明发表于2013年5月，随后Quorva在同年12月做出决定，工厂将于2016年10月关闭。"
    q = analyse("Zentrix何时宣布的将关闭工厂？")
    assert span_problem(q, "12月", then) is not None
    assert span_problem(q, "2013年5月", then) is None


def test_an_event_word_that_describes_the_subject_is_not_the_event_asked() -> None:
    """停赛的球队预计什么时候回归 asks when the team returns: 停赛 says which team, so the question
    asks neither the close of a span nor the date of a closing."""
    from qa.question import asks_for

    asks = asks_for("停赛的球队预计什么时候回归？")
    assert asks.end is None and not asks.events
    asks = asks_for("哪一年两支球队中的一支停赛了？")
    assert asks.end == "close" and asks.by_event and asks.events


def test_a_figure_the_question_gives_is_no_other_end_of_the_count_asked() -> None:
    """至2008年赛季结束 closes the period the count is of; the question gives 2008 and asks a
    count, so 2008年 is no other answer to it."""
    q = analyse("他至2008年赛季结束时共获得多少个冠军？")
    assert span_problem(q, "9个", "至2008年赛季结束，他共获得9个冠军。") is None


def test_english_answers_write_dates_as_english_prose_does() -> None:
    """A small model writes `1967-01-27`, or copies `1967年1月27日`, into an English answer; the
    date shown is `January 27, 1967`, which the citation check still finds in its source."""
    from qa.numbers import english_dates

    assert english_dates("The test occurred on 1967-01-27.[1]") == (
        "The test occurred on January 27, 1967.[1]"
    )
    assert english_dates("He resigned in 2015 年 2 月, after 1967年1月27日.") == (
        "He resigned in February 2015, after January 27, 1967."
    )
    assert english_dates("In the 1950年代 and 1960年代, in 1967年") == (
        "In the 1950s and the 1960s, in 1967"
    )
    # impossible dates, fiscal years and quotations stay as written
    assert english_dates("13月5日, 2023年度, “1967年”") == "13月5日, 2023年度, “1967年”"
    source = "拔除插头测试于 1967年1月27日 上午开始。"
    assert not check_claim(english_dates("The test began on 1967-01-27."), [source])


def test_a_century_is_supported_by_a_year_of_it() -> None:
    """`the 15th century` from `雅克·勒费弗（约1455-1536）`: an English answer replaced by the
    Chinese quote as "number not in the cited text: 15"; another century, or a count, is not."""
    source = "改革宗的其他先驱包括罗马天主教徒，比如雅克·勒费弗（约1455-1536）。"
    assert not check_claim("Jacques Lefèvre, of the 15th century, was one.", [source])
    assert not check_claim("比如15世纪的雅克·勒费弗。", [source])
    assert check_claim("Jacques Lefèvre, of the 17th century, was one.", [source])
    assert check_claim("There were 15 such Catholics.", [source])


def test_a_count_the_source_writes_in_chinese_numerals_supports_the_figure() -> None:
    """`9个国家[3]`, copied from `属于 九个 国家`, was replaced by the source as "number not in
    the cited text: 9". Only the source's words count: an answer's 一个 is "a", no figure."""
    source = "这一地区包括属于 九个 国家的领土。"
    assert not check_claim("亚马逊盆地有9个国家。", [source])
    assert not check_claim("The basin spans nine countries.", [source])
    assert check_claim("亚马逊盆地有8个国家。", [source])
    assert not check_claim("这是一个重要的地区。", ["该地区很重要。"])
    counted = [
        (q.text, q.value) for q in counted_in_words("第一次会议有三十二位代表，开了两次，十分重要")
    ]
    assert counted == [("三十二", 32), ("两", 2)]


def test_a_share_the_source_writes_in_tenths_supports_the_percentage() -> None:
    """`五成以上` is over 50%: a right English answer went to the Chinese quote as "number not in
    the cited text: 50%". 一成不变 (unchanging) and 八成是 (most likely) are no shares."""
    from qa.numbers import tenths_in_words

    source = "计算表明温室效应增强的原因五成以上要归咎于二氧化碳。"
    assert not check_claim("Over 50% of the increase is due to carbon dioxide.", [source])
    assert check_claim("Over 60% of the increase is due to carbon dioxide.", [source])
    found = [(q.text, q.value) for q in tenths_in_words("七成五的用户，两成，一成不变，八成是他")]
    assert found == [("七成五", 75), ("两成", 20)]


@pytest.mark.parametrize(
    "claim,source,verified",
    [
        # the number is in the source, but as a line's number; it counts another figure of 出入口
        (
            "10号线巴沟站有10个出入口。",
            "10号线巴沟站共设3个出入口：西北A口、东北B口、东南C口。",
            False,
        ),
        (
            "10号线巴沟站有3个出入口。",
            "10号线巴沟站共设3个出入口：西北A口、东北B口、东南C口。",
            True,
        ),
        # a side of the score is no time left
        (
            "比赛还剩10分08秒时丹佛领先。",
            "帮助丹佛在比赛还剩 3 分 08 秒时以 24-10 领先。",
            False,
        ),
        # a number the source writes bare, the claim may count
        (
            "坎克利贡献了118次擒抱。",
            "戴维斯完成了5次擒杀，而坎克利在擒抱 (118) 中迫使两次掉球。",
            True,
        ),
    ],
)
def test_a_number_the_source_counts_as_something_else_is_not_the_claims_count(
    claim: str, source: str, verified: bool
) -> None:
    assert (not check_claim(claim, [source])) == verified


def test_a_year_is_not_rounded() -> None:
    """2000 may be 1,993 rounded, but the year 2000 is not 1993 (a CMRC claim, `城巴12M线是2000年
    9月1日交于城巴接办的`, passed against `1993年9月1日` by rounding)."""
    assert check_claim("城巴是2000年9月1日接办的。", ["1993年9月1日，运输署把本线交由城巴接办。"])
    assert check_claim("It was taken over in 2000.", ["1993年，城巴接办本线。"])
    assert not check_claim("It was taken over in 1993.", ["1993年，城巴接办本线。"])
    # a count is still read as rounded
    assert not check_claim("About 2000 people came.", ["共有1993人参加。"])


def test_a_number_the_question_gives_may_come_from_the_text_before_the_cited_clause() -> None:
    """`4月份猪肉价格同比上涨1.4%` (the question `4月份猪肉价格同比上涨多少？` answered) against its
    clause `其中猪肉价格上涨1.4%`: the month is the question's, and its sentence's first clause
    writes it. A number the question does not give must be in the cited text itself."""
    clause = "畜肉类价格下降3.2%，影响CPI下降约0.10个百分点，其中猪肉价格上涨1.4%；"
    before = "4月份，各类商品价格同比变动如下。食品中，蛋类价格下降10.6%；"
    asked = "4月份猪肉价格同比上涨多少？"
    claim = "4月份猪肉价格同比上涨1.4%。"
    assert not check_claim(claim, [clause], context=before, asked=asked)
    assert check_claim(claim, [clause], asked=asked)  # no text before: the 4 is nowhere
    # 10.6 is written before, but the question does not give it
    assert check_claim("4月份猪肉价格同比上涨10.6%。", [clause], context=before, asked=asked)
    # the sentence's opening turns another item over (食品烟酒类……同比下降): not the pork clause
    opening = "4月份，食品烟酒类价格同比下降1.4%。食品中，蛋类价格下降10.6%；"
    assert not check_claim(claim, [clause], context=opening, asked=asked)
    # ... while the cited text itself turning it over still fails
    assert check_claim(claim, ["4月份，猪肉价格同比下降1.4%。"], asked=asked)


def test_a_number_written_in_english_words_must_be_in_the_source() -> None:
    """`The Far Eastern collections are represented by ten countries or regions, including Japan,
    China, and Korea [1]` (the local engine, an XQuAD English question) was verified against
    `远东收藏品包括超过70,000来自东亚国家的艺术品，例如中国，日本和韩国`: `ten` was no number to the check."""
    source = ["远东收藏品包括 超过70,000 来自东亚国家的艺术品，例如 中国，日本和韩国 。"]
    assert check_claim("The Far Eastern collections come from ten countries.", source)
    assert check_claim("The collections hold ten thousand works.", source)
    assert not check_claim("The collections hold over 70,000 works.", source)
    assert not check_claim("The collections hold over seventy thousand works.", source)
    # a count the source writes, in figures or Chinese numerals
    assert not check_claim("Tesla partnered with two businessmen.", ["特斯拉与两位商人合作。"])
    assert not check_claim("They won twenty-one games.", ["他们赢了21场比赛。"])
    assert check_claim("They won twenty-two games.", ["他们赢了21场比赛。"])
    # a span of years in Chinese numerals is a count; a year written in them is not
    certificate = ["教师资格证一般为期三年，但是也可以获得长达 十年 的证书。"]
    assert not check_claim("A certificate is good for at most ten years.", certificate)
    assert check_claim("A certificate is good for at most twelve years.", certificate)
    assert [q.value for q in counted_in_words("二〇一〇年，一九九三年，二十五年")] == [25]
    # a small count Chinese writes inside a word (三权分立, 两分转换): the numeral is there
    assert not check_claim("It split government into three powers.", ["采取三权分立之法。"])
    assert check_claim("It split government into 3 powers.", ["采取三权分立之法。"])
    # no count: a name, a fraction, `one of`, a vague plural
    for claim in (
        "The Ten Commandments are a list.",
        "Two-thirds of the members voted.",
        "It is one of the oldest cities.",
        "Hundreds of people came.",
    ):
        assert not unsupported_numbers(claim, "十诫是一份清单。"), claim
    assert [
        (q.text, int(q.value)) for q in english_number_words("two hundred and fifty men, a million")
    ] == [
        ("two hundred and fifty", 250),
        ("a million", 1_000_000),
    ]
