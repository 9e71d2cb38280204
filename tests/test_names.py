"""Western names a Chinese text transliterates: an English answer gives the model's English for
them with the text's own form beside it (James Dewar (詹姆斯·杜瓦)), and only when the pairing is
unambiguous."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import ScriptedEngine

from index.ingest import ingest
from index.search import HybridSearcher
from index.store import load_snapshot
from qa.citations import check_claim
from qa.engines import ExtractiveEngine
from qa.names import (
    chinese_names,
    named_in_chinese,
    original_of,
    unsupported_names,
    with_english_names,
    with_originals,
)
from qa.pipeline import QAPipeline
from qa.question import question_concepts

DEWAR = "1891年，苏格兰化学家詹姆斯·杜瓦成功制造出足够数量的液氧进行研究。"


def test_a_transliterated_name_is_given_with_its_original() -> None:
    text = "In 1891, Scottish chemist James Dewar produced enough liquid oxygen for research."
    # Scottish is supported by 苏格兰 (Scotland); the transliterated name is not
    assert check_claim(text, [DEWAR]) == ["name not in the cited text: Dewar"]
    shown = with_originals(text, DEWAR)
    assert shown == (
        "In 1891, Scottish chemist James Dewar (詹姆斯·杜瓦) produced enough liquid "
        "oxygen for research."
    )
    assert check_claim(shown, [DEWAR]) == []


def test_a_name_written_twice_gets_its_original_each_time() -> None:
    source = "杰克逊维尔的人口增长了。根据2010年的普查，杰克逊维尔人口为 1,345,596。"
    text = "The population of Jacksonville grew. By the 2010 census, Jacksonville had 1,345,596."
    assert with_originals(text, source) == text.replace("Jacksonville", "Jacksonville (杰克逊维尔)")


def test_a_common_word_or_a_longer_cut_of_the_name_leaves_the_pairing_clear() -> None:
    """城市 (a city, which jieba tags as a place) is no transliteration, and 杰克逊维尔大都 (jieba's
    cut of 杰克逊维尔大都市区) is the same name: Jacksonville was left unverified, so a right
    English answer was replaced by the Chinese quote."""
    source = "杰克逊维尔是杰克逊维尔大都市区的主要城市，2010年人口为 1,345,596。"
    text = "The population of Jacksonville in 2010 was 1,345,596.[1]"
    assert with_originals(text, source) == text.replace("Jacksonville", "Jacksonville (杰克逊维尔)")
    # 牛津大学 (Oxford University, by the dictionary) was paired with Magdalen on an XQuAD sentence
    assert with_originals("It is Magdalen Tower.", "牛津大学的莫德林塔很高。") == (
        "It is Magdalen (莫德林) Tower."
    )


@pytest.mark.parametrize(
    ("text", "source"),
    [
        # the sounds do not match: an era name is not Emperor Wu
        ("In 290, when Emperor Wu of Jin was crowned.", "至永熙元年（290年）晋惠帝即位。"),
        # several words for one original: the words would share it
        ("Roman Catholic Protestants such as him.", "支持改革的罗马天主教徒。"),
        # two originals sound alike: which one is meant is not known
        ("It was Peyton Manning who won.", "培顿·曼宁赢了，佩顿·曼宁输了。"),
        # an acronym is not a transliteration
        ("It was DVB and MPEG.", "德语赢了。"),
    ],
)
def test_no_original_is_given_when_the_pairing_is_not_clear(text: str, source: str) -> None:
    assert with_originals(text, source) is None


def test_an_original_the_text_lacks_does_not_support_a_name() -> None:
    assert unsupported_names("James Dewar (詹姆斯·杜瓦) did it.", DEWAR) == []
    assert original_of("James Dewar (詹姆斯·杜瓦) did it.", "Dewar") == "詹姆斯·杜瓦"
    assert unsupported_names("James Dewar (詹姆斯·杜瓦) did it.", "苏格兰化学家成功制造液氧。") == [
        "Dewar"
    ]


def test_an_abbreviated_head_is_no_name_where_the_text_writes_it() -> None:
    """St. of St. Augustine is 圣 (圣奥古斯丁), Mt. 山: a translation that wrote them had failed
    `name not in the cited text: St`. The name after it is still checked."""
    colony = "一支来自附近西班牙殖民地圣奥古斯丁的西班牙军队袭击了卡洛琳堡。"
    assert "St" not in unsupported_names("An army from St. Augustine attacked.", colony)
    assert "St" in unsupported_names(
        "An army from St. Augustine attacked.", "西班牙军队袭击了卡洛琳堡。"
    )
    assert unsupported_names("He climbed Mt. Tai.", "他登上了泰山。") == []


def test_names_the_text_writes_in_chinese() -> None:
    assert chinese_names("多年来，苏丹在哈桑·阿卜杜拉·图拉比的领导下建立了伊斯兰政权。") == [
        "苏丹",
        "哈桑·阿卜杜拉·图拉",  # 比 (tagged a preposition) is left out
        "伊斯兰",
    ]
    assert "杰克逊维尔" in chinese_names("郊区的发展使得杰克逊维尔的人口比以前少了很多。")
    # jieba glues 由 onto 约翰
    assert "约翰·埃尔维" in chinese_names("过去的记录是由约翰·埃尔维保持的。")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> QAPipeline:
    d = tmp_path_factory.mktemp("names")
    f = d / "oxygen.txt"
    f.write_text(
        "液氧的历史\n\n"
        + DEWAR
        + "\n液氧是一种淡蓝色的液体。\n1877年，两位科学家首次得到了少量液氧。\n",
        encoding="utf-8",
    )
    ingest([f], d / "idx", "e5-small")
    return QAPipeline(HybridSearcher(load_snapshot(d / "idx")), ExtractiveEngine())


def test_a_model_answer_naming_a_transliterated_person_is_shown_as_written(
    library: QAPipeline,
) -> None:
    pipe = QAPipeline(library.searcher, ScriptedEngine(""), scorer=library.scorer)
    p = pipe.prepare_batch(
        ["In what year did the Scottish chemist Dewar produce enough liquid oxygen for research?"]
    )[0]
    n = next(e.n for e in p.request.evidence if "杜瓦" in e.text)
    a = pipe.finish(p, f"James Dewar produced liquid oxygen in 1891 [{n}].", time.perf_counter())
    assert not a.refused and a.text.startswith("James Dewar (詹姆斯·杜瓦) produced liquid oxygen")
    assert a.citations and all(c.verified for c in a.citations)
    assert not any("instead" in note for note in a.notes)
    # a name whose original is not in the cited sentence is still not verified
    b = pipe.finish(
        p, f"Kamerlingh Onnes produced liquid oxygen in 1891 [{n}].", time.perf_counter()
    )
    assert "Kamerlingh" not in b.text and any("instead" in note for note in b.notes)


def test_a_chinese_name_left_in_an_english_answer_is_given_in_english_first() -> None:
    pairs = [("张元元", "Zhang Yuanyuan"), ("英伟达", "NVIDIA")]
    assert with_english_names("Ding Junhui's wife is张元元.[1]", pairs) == (
        "Ding Junhui's wife is Zhang Yuanyuan (张元元).[1]"
    )
    assert with_english_names("It buys 英伟达 chips [1].", pairs) == (
        "It buys NVIDIA (英伟达) chips [1]."
    )
    # already given with its English, or not a known name: unchanged
    for text in ("Zhang Yuanyuan (张元元) is his wife.", "It is 张元 [1]."):
        assert with_english_names(text, pairs) == text


def test_an_english_answer_naming_a_person_in_chinese_reads_in_english(
    tmp_path: Path,
) -> None:
    f = tmp_path / "snooker.txt"
    f.write_text(
        "丁俊晖的家庭\n\n丁俊晖是一位了不起的斯诺克球员。\n"
        "身后也少不了妻子张元元的默默支持，这位43岁的贤内助来自南京。\n",
        encoding="utf-8",
    )
    ingest([f], tmp_path / "idx", "e5-small")
    pipe = QAPipeline(HybridSearcher(load_snapshot(tmp_path / "idx")), ScriptedEngine(""))
    p = pipe.prepare_batch(["Who is Ding Junhui's wife?"])[0]
    n = next(e.n for e in p.request.evidence if "张元元" in e.text)
    a = pipe.finish(p, f"Ding Junhui's wife is张元元 [{n}].", time.perf_counter())
    assert a.text.startswith("Ding Junhui's wife is Zhang Yuanyuan (张元元)")
    assert a.citations and all(c.verified for c in a.citations)


def test_a_people_is_supported_by_its_place() -> None:
    """`Roman Catholic` of `罗马天主教徒` (CC-CEDICT: 罗马 = Rome): an English answer was replaced
    by the Chinese quote as "name not in the cited text: Roman". A place that only begins alike
    (Australia for Austrian) supports nothing."""
    assert unsupported_names("He was a Roman Catholic.", "他是罗马天主教徒。") == []
    assert unsupported_names("He was Austrian.", "他来自澳大利亚。") == ["Austrian"]
    # a people named unlike its place: `the Scottish National Museum` translated from
    # 苏格兰国家美术馆 (a checked translation of an XQuAD source had failed on it)
    gallery = "如苏格兰国家美术馆扩建。"
    assert unsupported_names("The expansion of the Scottish National Gallery.", gallery) == []
    assert unsupported_names(
        "The expansion of the Scottish National Gallery.", "如爱尔兰国家美术馆扩建。"
    ) == ["Scottish"]


def test_a_latin_name_written_in_chinese_is_named() -> None:
    assert named_in_chinese("ABC", "2000年，美国广播公司发起了一个网络宣传活动。")
    assert named_in_chinese("Roman", "支持改革的罗马天主教徒。")
    assert not named_in_chinese("ABC", "2000年，全国广播公司发起了一个网络宣传活动。")


def test_a_long_name_and_a_long_acronym_are_found_in_the_dictionary() -> None:
    """CC-CEDICT gives 联合国教科文组织 (8 characters) as UNESCO (6 letters): both were past what
    the lookup read, so a right English answer naming UNESCO went to the Chinese quote."""
    sentence = "这段莱茵河（被称为浪漫的莱茵河）在2002年被列入联合国教科文组织世界遗产。"
    claim = "The section recognized by UNESCO is called the Romantic Rhine."
    assert unsupported_names(claim, sentence) == []
    assert named_in_chinese("NASA", "成为美国国家航空航天局任务模式决策的转折点。")
    assert unsupported_names(claim, "这段莱茵河在2002年被列为世界遗产。") == ["UNESCO"]


def test_an_english_acronym_covers_its_chinese_name() -> None:
    concepts = question_concepts(
        "What did ABC start in 2000?", "zh", "2000年，美国广播公司……", "en"
    )
    abc = next(c for c in concepts if c.label == "ABC")
    assert {"abc", "美国广播公司"} <= abc.forms


def test_a_name_the_dictionary_lists_is_still_checked_as_a_name() -> None:
    """CC-CEDICT lists 威尔逊 as "Wilson", so Wilson read as an ordinary English word and went
    unchecked: a local answer's invented `Benjamin Wilson` for 本杰明·威尔 was shown as verified.
    A word the dictionary also writes in lower case (Lane, Brown) or whose common Chinese is no
    name (March: 三月) stays a word."""
    from index.bilingual import name_only_words

    source = "1886年，特斯拉与两位商人罗伯特·莱恩和本杰明·威尔合作。"
    assert unsupported_names("Tesla partnered with Robert Lane and Benjamin Wilson.", source) == [
        "Wilson"
    ]
    assert unsupported_names("Tesla partnered with Robert Lane in 1886.", source) == []
    assert {"wilson", "lincoln", "victoria"} <= name_only_words()
    assert not {"lane", "brown", "march", "parliament", "tesla"} & name_only_words()


def test_an_ordinary_plural_in_a_title_is_supported_by_its_chinese_word() -> None:
    """`the International System of Units` for a sentence about SI 单位: Units is the plural of
    an ordinary word the sentence writes in Chinese, not a name; a team named by an ordinary
    plural is still checked against the sentence's own Chinese for it."""
    tesla = "1960年，国际度量衡大会将SI磁通量密度单位命名为特斯拉 (tesla)。"
    claim = "The International System of Units unit of magnetic flux density is the tesla."
    assert unsupported_names(claim, tesla) == []
    assert unsupported_names("The Giants won.", "巨人队赢了。") == []
    assert unsupported_names("The Giants won.", "野马队赢了。") == ["Giants"]
    assert unsupported_names("The Broncos won.", "黑豹队赢了。") == ["Broncos"]


def test_a_titles_first_word_is_no_name_of_the_question() -> None:
    """`What was named "The Tesla" in his honor?`: The, capitalised inside the quote and written
    in some retrieved passage, is no subject an answer must name."""
    from qa.question import analyse

    passages = "The Horns of Nimon。将SI磁通量密度单位命名为特斯拉 (tesla)。"
    q = analyse('What was named "The Tesla" in his honor?', "zh", passages, None, "en")
    assert "The" not in [c.label for c in q.subjects]


@pytest.mark.parametrize(
    ("name", "form", "shown"),
    [
        ("Denver Broncos", "野马队", True),  # by meaning: no name of the text, no dictionary word
        ("Lunar Module Pilot", "月球模块飞行员", True),
        ("Schirn", "沙里宁", True),  # a transliterated name the English sounds like
        ("Kacey", "卡卡", False),  # 卡卡 of 女神卡卡: a name the English does not sound like
        ("Okayama Prefecture", "福山市", False),
        ("Holocene", "更新世", False),  # the dictionary's 更新世 is the Pleistocene
        ("Denver Broncos", "丹佛的橄榄球运营执行副总裁兼总经理", False),  # no name: a title
        ("Broncos", "猛龙队", False),  # not in the text
    ],
)
def test_a_models_source_form_of_a_name_is_shown_only_where_it_can_be_the_names(
    name: str, form: str, shown: bool
) -> None:
    from qa.names import source_form_agrees

    source = (
        "野马队在分区轮以 23–16 击败了匹兹堡钢人队。Block II的机组人员职位包括月球模块飞行员。"
        "1955 年， 埃罗·沙里宁 签署合约。女神卡卡献唱了国歌。出生于广岛县福山市。"
        "最后一次冰河期持续到更新世结束。目前担任丹佛的橄榄球运营执行副总裁兼总经理。"
    )
    assert source_form_agrees(name, form, source) is shown


def test_names_no_sound_pairs_are_given_the_form_a_model_reads_for_them() -> None:
    """`with_originals` asks `pair_by` for the names it cannot pair by sound, and gives each the
    form returned where `source_form_agrees`; one it cannot give a form leaves the text to
    verification (None)."""
    source = "野马队在分区轮以 23–16 击败了匹兹堡钢人队，在比赛的最后三分钟拿下 11 分。"
    text = "The Denver Broncos defeated the Pittsburgh Steelers 23-16 in the divisional round."
    asked: list[list[str]] = []

    def pair_by(forms: dict[str, str]) -> Callable[[Sequence[str]], dict[str, str]]:
        def read(names: Sequence[str]) -> dict[str, str]:
            asked.append(list(names))
            return {n: forms[n] for n in names if n in forms}

        return read

    both = {"Denver Broncos": "野马队", "Pittsburgh Steelers": "匹兹堡钢人队"}
    assert with_originals(text, source, pair_by=pair_by(both)) == (
        "The Denver Broncos (野马队) defeated the Pittsburgh Steelers (匹兹堡钢人队) 23-16 in the "
        "divisional round."
    )
    assert asked == [["Denver Broncos", "Pittsburgh Steelers"]]
    assert with_originals(text, source, pair_by=pair_by({"Denver Broncos": "野马队"})) is None
    assert with_originals(text, source) is None  # no model: the Chinese quote, as before
