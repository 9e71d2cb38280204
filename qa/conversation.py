"""Follow-up questions made standalone with the chat history, deterministically (no model), before
anything is searched. The previous question is first made standalone itself, so a chain of
follow-ups keeps its subject.

- **Ellipsis** (`那MiniMax呢？`, `那2024年呢？`, `净利润呢？`, "What about Talkie?", "And in
  2024?", "And the year before?"): what the follow-up names replaces the same kind of thing in the
  previous question: a name its subject, a year its year; anything else (a measure, an attribute)
  is asked of the previous question's subject and years.
- **Pronouns** (它, 该公司, 他, 其; it, its, they, the company): a pronoun that comes before any
  name of the question's own becomes the previous question's subject.
- A question with its own subject and no follow-up form is left as it is. So is any question when
  the previous one names no subject to carry over, except that an ellipsis is then searched
  together with the previous question.

The result is `Answer.query`, shown with the answer as "understood as". Where the rules find
nothing to carry over, a generative engine's model may rewrite the follow-up instead
(`QAPipeline.standalone`, checked by `plausible_rewrite`). The LLM engines also see the last turns
themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from corpus.lang import detect_lang, question_lang
from qa.question import COMMON_WORD_FREQ, PROPER_TAGS, YEAR, is_common_english


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


_PREV_YEAR = re.compile(
    r"(the )?(year|one) before|previous year|prior year|前一年|上一年|去年", re.I
)
_NEXT_YEAR = re.compile(
    r"(the )?(year|one) after|following year|next year|后一年|下一年|次年", re.I
)
# A question word: a fragment holding one is a whole question (那它的净利润是多少？).
_WH_ZH = re.compile(r"多少|什么|谁|哪|几|如何|怎么|怎样|为什么|为何|是否|吗|何时|何地|何种")
_WH_EN = re.compile(
    r"^(what|who|whom|whose|which|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"has|have|had|will|would|should)\b",
    re.I,
)
_WH_ANY_EN = re.compile(r"\b(?:what|who|whom|whose|which|when|where|why|how)\b", re.I)
_ZH_ELLIPSIS = re.compile(
    r"^(?P<lead>那么?|还有|然后|另外|那个)?\s*(?P<x>.*?)\s*"
    r"(?P<tail>呢|怎么样|如何|又如何|又怎样)?\s*[?？。]?\s*$"
)
_ZH_LEAD = re.compile(r"^(?:那么?|还有|然后|另外)\s*[，,]?\s*")
_EN_ELLIPSIS = re.compile(
    r"^(?P<lead>and what about|what about|how about|and how about|what of|and|also|then)\s+"
    r"(?P<x>.+?)\s*[?.]?\s*$",
    re.I,
)
_EN_LEAD = re.compile(r"^(?:and|also|then|so)\s*,?\s+", re.I)
_ZH_PRONOUN = re.compile(
    r"它们|它|该公司|这家公司|这个公司|此公司|该机构|该组织|该国|这个国家|该市|这座城市|该城市|"
    r"他们|她们|(?<![其吉])他|她|(?<![尤及与极])其(?![中实他余次它后间])"
)
_EN_PRONOUN = re.compile(
    r"\b(?:its|their|they|them|his|he|him|her|she|the company|this company|the firm|"
    # not the "it" of "how long does it take", "what is it called", "it can be considered"
    r"it(?!\s+(?:takes?|took|called|means?|meant|common|possible|necessary|important|true|"
    r"likely|clear|can|could|may|might|be|is|was|determined|considered|known|said|believed)\b))\b",
    re.I,
)
_EN_POSSESSIVE = frozenset({"its", "their", "his", "her"})
_EN_NOT_NAMES = frozenset(
    "What Who Whom Whose Which When Where Why How Is Are Was Were Do Does Did Can Could Has Have "
    "Had Will Would Should And Also Then So The A An In On Of For At By To From With About I "
    "It Its They Their Them He His Him She Her This That These Those".split()
)
_EN_NAME = re.compile(
    r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9'’.&＆-]*(?:\s+(?:of|de|von|van|the)?\s*[A-Z][A-Za-z0-9'’.&＆-]*)*"
)
_ZH_WH_TAIL = re.compile(
    r"(是多少|有多少|为多少|多少|是什么|是谁|是哪[\u4e00-\u9fff]?|在哪里?|几[\u4e00-\u9fff]?)[?？]?$"
)


@lru_cache(maxsize=4096)
def subjects(text: str) -> tuple[str, ...]:
    """The proper names a question is about, as they are written in it: Latin-script names (not
    question words, pronouns or a capitalised dictionary word opening the question), then runs of
    words jieba tags as names."""
    return tuple(name for name, _ in _names(text))


_PERSON_TAGS = frozenset({"nr", "nrt", "nrfg"})
# a locative jieba glues to the name before it (雨林中, tagged nr)
_PLACE_AFTER = frozenset("中内里上")


@lru_cache(maxsize=4096)
def _names(text: str) -> tuple[tuple[str, bool], ...]:
    """`subjects`, each with whether jieba tags it as a person's name (Latin names: unknown,
    False)."""
    names: list[tuple[str, bool]] = []
    for m in _EN_NAME.finditer(text):
        words = m.group().replace("’s", "").replace("'s", "").split()
        while words and words[0] in _EN_NOT_NAMES:
            words = words[1:]
        if (
            m.start() == 0
            and words
            and words[0][1:].islower()
            and is_common_english(words[0].lower())
        ):
            words = words[1:]  # "After rejecting...", "Prior to...": capitalised as a first word
            # (only so written: AT&T and USA are names wherever they stand)
            while words and words[0] in ("of", "de", "von", "van", "the"):
                words = words[1:]  # "Before the French came": the French
        if words:
            names.append((" ".join(words), False))
    from corpus.segment import default_segmenter

    seg = default_segmenter()
    runs: list[list[tuple[str, str]]] = [[]]
    for word, flag in seg.tag(text):
        han = bool(re.search(r"[\u4e00-\u9fff]", word))
        if (han and flag in PROPER_TAGS) or (runs[-1] and word in "·•"):
            runs[-1].append((word, flag))
        elif runs[-1]:
            runs.append([])
    for run in runs:
        last = run[-1][0] if run else ""
        if len(last) > 2 and last[-1] in _PLACE_AFTER and seg.frequency(last[:-1]) > 0:
            run[-1] = (last[:-1], run[-1][1])  # 亚马逊|雨林中: the place, not 雨林中
        # 贾|里德, 卢克|·|坎克利: a run of name tokens is one name; a lone common word is none
        if len(run) > 1 or (
            run and len(run[0][0]) > 1 and seg.frequency(run[0][0]) <= COMMON_WORD_FREQ
        ):
            name = "".join(w for w, _ in run)
            names.append((name, any(f in _PERSON_TAGS for _, f in run)))
    seen: dict[str, bool] = {}
    for name, person in names:
        if name and name not in seen:
            seen[name] = person
    return tuple(seen.items())


_ZH_PERSONAL = re.compile(r"他们|她们|他|她")


def _antecedent(prev: str, pronoun: str, question: str = "") -> str | None:
    """The name of the previous question a pronoun stands for: its first name, or for 他/她 its
    first person's name when it has one (谁前往威腾博格去听路德的演讲？ then 他 is 路德, not the
    place 威腾). Not a name `question` writes itself, in either language: "When was he elected by
    Nixon?" after 他是什么时候被尼克松任命的? has him elected by Nixon, so he is not 尼克松."""
    names = tuple(n for n in _names(prev) if not names_itself(question, n[0]))
    if not names:
        return None
    if _ZH_PERSONAL.fullmatch(pronoun):
        return next((n for n, person in names if person), names[0][0])
    if _EN_PRONOUN.fullmatch(pronoun):
        # "Prior to the arrival of the French, the area now known as Jacksonville ..." then
        # "What historical figure was it named after?": a people or a region written as "the"
        # and one dictionary word (the French, the West) is a weaker name than the others
        return next((n for n, _ in names if not _the_common_word(prev, n)), names[0][0])
    return names[0][0]


def names_itself(question: str, name: str) -> bool:
    """Whether a question writes a name itself: as it is, or a Chinese name by its English words
    (`says_in_english`: "How many chloroplast lineages are there?" names 叶绿体)."""
    if not question or not name:
        return False
    if name in question:
        return True
    if question_lang(question) == "en" and not name.isascii():
        from index.bilingual import says_in_english

        return says_in_english(question, name)
    return False


def _the_common_word(text: str, name: str) -> bool:
    return (
        " " not in name
        and is_common_english(name.lower())
        and re.search(r"\bthe\s+" + re.escape(name) + r"\b", text) is not None
    )


def _years(text: str) -> list[str]:
    return [m.group() for m in YEAR.finditer(text)]


def _fragment(question: str) -> str | None:
    """What an elliptical follow-up names (`那MiniMax呢？` -> MiniMax), or None for a whole
    question."""
    q = question.strip()
    if question_lang(q) == "en":
        m = _EN_ELLIPSIS.match(q)
        if m:
            x = m.group("x")
            return None if _WH_EN.match(x) else x
        words = q.rstrip("?. ").split()
        # "Cypiddids are not what?" asks its own question
        if (
            len(words) <= 4
            and not _WH_EN.match(q)
            and not _EN_PRONOUN.search(q)
            and not _WH_ANY_EN.search(q)
        ):
            return q.rstrip("?. ")
        return None
    m = _ZH_ELLIPSIS.match(q)
    if not m:
        return None
    x = m.group("x").strip("，, ")
    if _WH_ZH.search(x) or not x:
        return None
    if m.group("lead") or m.group("tail") == "呢":
        return x  # 那X呢？ 那X如何？ X呢？; but 特斯拉的声誉如何？ is a whole question
    return x if len(x) <= 6 and not _ZH_PRONOUN.search(x) else None


def _replace_years(prev: str, years: Sequence[str]) -> str:
    found = _years(prev)
    for old, new in zip(found, years, strict=False):
        prev = prev.replace(old, new, 1)
    return prev


def _relative_year(prev: str, fragment: str) -> str | None:
    if not YEAR.search(prev):
        return None
    delta = -1 if _PREV_YEAR.search(fragment) else 1 if _NEXT_YEAR.search(fragment) else 0
    if not delta:
        return None
    return _replace_years(prev, [str(int(y) + delta) for y in _years(prev)])


def _rest(fragment: str, names: Sequence[str], years: Sequence[str]) -> str:
    """The fragment without its names, years and filler: a measure or an attribute, or ''."""
    x = fragment
    for part in [*names, *years]:
        x = x.replace(part, " ")
    x = re.sub(
        r"年[度份]?|的|在|于|\bin\b|\bfor\b|\bthe\b|\bof\b|[?？，,。.'’s]", " ", x, flags=re.I
    )
    return " ".join(x.split())


def _ask_of(prev: str, measure: str, lang: str) -> str:
    """The previous question's subject and years, asked about `measure` instead."""
    names, years = subjects(prev), _years(prev)
    if lang == "zh" and detect_lang(prev) == "zh":
        m = re.search(r"的([^的，,]{1,12}?)" + _ZH_WH_TAIL.pattern, prev)
        if m:  # 智谱的估值是多少？ + 净利润 -> 智谱的净利润是多少？
            return prev[: m.start(1)] + measure + prev[m.end(1) :]
        tail = _ZH_WH_TAIL.search(prev)
        who = " ".join([*names[:1], *(f"{y}年" for y in years)])
        return f"{who}的{measure}{tail.group(1) if tail else ''}？"
    where = " ".join([*names[:1], *years])
    return f"What about the {measure} of {where}?" if where else f"What about {measure}? {prev}"


def _ellipsis(prev: str, fragment: str, lang: str) -> str:
    pronoun = _EN_PRONOUN if lang == "en" else _ZH_PRONOUN
    fragment = " ".join(pronoun.sub(" ", fragment).split())  # what about its revenue: the same one
    moved = _relative_year(prev, fragment)
    if moved:
        return moved
    names, years = subjects(fragment), _years(fragment)
    out = prev
    if years and YEAR.search(out):
        out = _replace_years(out, years)
    prev_names = subjects(prev)
    if names and prev_names:
        out = out.replace(prev_names[0], names[0], 1)
    elif names:
        out = f"{names[0]} {out}"
    rest = _rest(fragment, names, years)
    if rest:
        return _ask_of(out, rest, lang)
    if out == prev:  # nothing to carry over: search both together
        return f"{prev} {fragment}"
    return out


def _resolve_pronouns(question: str, name: str) -> str:
    if question_lang(question) == "en":

        def sub(m: re.Match[str]) -> str:
            return f"{name}'s" if m.group().lower() in _EN_POSSESSIVE else name

        return _EN_PRONOUN.sub(sub, _EN_LEAD.sub("", question), count=1)
    return _ZH_PRONOUN.sub(name, _ZH_LEAD.sub("", question), count=1)


def _leans_on_before(question: str, pronoun: re.Pattern[str]) -> bool:
    """A pronoun before any name of the question's own: 它的创始人是谁？, "How many of its players
    ...the Pro Bowl?"; not 谁是MiniMax的创始人，他……? (he is the founder just named)."""
    m = pronoun.search(question)
    if not m:
        return False
    names = subjects(question)
    if m.group().lower() in ("it", "its"):
        # "...when the Broncos made the interception that clinched it?": it is not the Broncos
        names = tuple(n for n in names if not _PLURAL_EN.search(n))
    own = [p for p in (question.find(n) for n in names) if p >= 0]
    if own and m.start() > min(own):
        return False
    return not _bound_by_its_subject(question, m)


# a pronoun that may stand for the subject of its own question: after a verb of saying or
# thinking (神秘博士说他是……), or opening a clause (教会指出，作为基督徒，他们知道……)
_SAYS_ZH = re.compile(r"(?:说|认为|指出|表示|声称|宣称|相信|觉得|知道|承认|坚称|称)\s*$")
_PERSONAL_ZH = frozenset({"他", "她", "它", "他们", "她们", "它们", "其"})
_NOUN_TAGS = frozenset({"n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "nl", "ng", "vn"})
_WHICH_ZH = frozenset({"什么", "哪位", "哪个", "哪些", "哪家", "哪所", "哪种", "哪一个", "哪一位"})


def _bound_by_its_subject(question: str, m: re.Match[str]) -> bool:
    """A Chinese personal pronoun that the question's own subject, a noun, may be what it stands
    for: the question opens (after a time) with a noun phrase and its verb, and the pronoun is a
    possessive (特许学校要求它们的教师……, 哪位著名作家同样喜欢在他的作品中……), follows a verb of
    saying or thinking (神秘博士说他是……) or opens a clause (当神秘博士的身体受到致命伤害时，他会
    ……). Not an object (哪个国家……给予它特殊地位: a country gives status to another), and not a
    question that opens with 谁 (谁带领它……), whose pronoun is someone else."""
    if question_lang(question) == "en" or m.group() not in _PERSONAL_ZH:
        return False
    from corpus.segment import default_segmenter

    words = list(default_segmenter().tag(question[: m.start()]))
    i = 0
    # a time or a clause of time before the subject (2005年，; 当……时，is the clause itself)
    while i < len(words) and (words[i][1] in ("m", "t", "x") or words[i][0] in "年月日"):
        i += 1
    if i < len(words) and words[i][0] in _WHICH_ZH:
        i += 1
    start = i
    while i < len(words) and (
        words[i][1] in _NOUN_TAGS
        or words[i][1] in ("a", "b", "uj")
        or (words[i][1] == "d" and i == start)
    ):
        i += 1
    head = [w for w, f in words[start:i] if f in _NOUN_TAGS]
    if not head or i >= len(words) or not words[i][1].startswith(("v", "d")):
        return False
    before, after = question[: m.start()], question[m.end() :]
    return (
        m.group() == "其"
        or after.startswith("的")
        or _SAYS_ZH.search(before) is not None
        or before.rstrip().endswith(("，", ","))
    )


# A one-word English name in the plural (the Broncos, the Mongols), which "it" cannot stand for
# (a name of several words may be one thing: Setanta Sports, General Motors).
_PLURAL_EN = re.compile(r"^[A-Z][a-z]*[a-rt-z]s$")


def is_follow_up(question: str) -> bool:
    """Whether the question leans on an earlier one: an ellipsis, or a pronoun with no subject."""
    q = question.strip()
    if _fragment(q) is not None:
        return True
    return _leans_on_before(q, _EN_PRONOUN if question_lang(q) == "en" else _ZH_PRONOUN)


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question to search for, given the previous turns (most recent last)."""
    return rewrite_by_rules(question, history)[0]


def rewrite_by_rules(question: str, history: Sequence[Turn]) -> tuple[str, bool]:
    """(the question to search for, whether the rules resolved it). False for a follow-up whose
    previous question names nothing to carry over: it is searched together with that question,
    and a model may do better (`needs_a_model`)."""
    if not history:
        return question, True
    q = question.strip()
    prev = standalone_question(history[-1].question, history[:-1]).strip()
    fragment = _fragment(q)
    if fragment is not None:
        out = _ellipsis(prev, fragment, question_lang(q))
        return out, out != f"{prev} {fragment}"
    pronoun = _leaning_pronoun(q)
    if pronoun:
        name = _antecedent(prev, pronoun, q)
        if name:
            return _resolve_pronouns(q, name), True
        if _names(prev):  # every name it has, the question writes itself: nothing to carry over
            return question, True
        return f"{q} {prev}", False
    return question, True


def _leaning_pronoun(q: str) -> str | None:
    """The pronoun a question (no ellipsis) leans on the previous one with, as written, or
    None."""
    pattern = _EN_PRONOUN if question_lang(q) == "en" else _ZH_PRONOUN
    m = pattern.search(q)
    return m.group() if m and _leans_on_before(q, pattern) else None


def other_readings(question: str, history: Sequence[Turn], most: int = 2) -> tuple[str, ...]:
    """A follow-up whose pronoun the rules resolved, read with each other name of the previous
    question instead (at most `most`), for the pipeline to weigh against the rules' reading:
    `_antecedent` takes the first name (or person), and a pronoun may stand for another
    (它生涯的哪个阶段是他最高产的？ after a question naming the town 威腾 and 路德). Empty for
    anything else."""
    q = question.strip()
    pronoun = _leaning_pronoun(q) if history and _fragment(q) is None else None
    if not pronoun:
        return ()
    prev = standalone_question(history[-1].question, history[:-1]).strip()
    chosen = _antecedent(prev, pronoun, q)
    if chosen is None:
        return ()
    others = [
        n for n, _ in _names(prev) if chosen not in n and n not in chosen and not names_itself(q, n)
    ]
    return tuple(_resolve_pronouns(q, n) for n in others[:most])


def query_language(query: str, asked_in: str) -> str:
    """The language a standalone question is read in: its own, except that a follow-up whose
    pronoun became a name in the other script ("What kinds of trees is 伯尔尼 lined with?",
    detected as mixed) keeps `asked_in`, the language the user asked in."""
    lang = question_lang(query)
    return asked_in if lang == "mixed" else lang


# a Chinese question that opens with its verb (是哪种雨林？): what it names is what is said of a
# subject it leaves out
_ZH_NO_SUBJECT = re.compile(r"是(?![\u4e00-\u9fff]*是)")


def opens_with_its_verb(question: str) -> bool:
    """A Chinese question that opens with its verb (是哪种雨林？ after a question about 亚马逊雨林):
    it leaves its subject out, and whatever it names is what is said of that subject."""
    return bool(_ZH_NO_SUBJECT.match(question.strip()))


def context_subject(question: str, history: Sequence[Turn]) -> str | None:
    """The conversation's subject, for a question the rules leave as it is that names no subject
    of its own (Chinese drops a subject the conversation has already given: 1901年的人口是多少？
    after 华沙的人口是多少？). Not a rewrite: the question stays as asked, and the search also
    looks for it together with this subject (`QAPipeline.prepare_batch`), so that a question that
    is really standalone still finds its own passages."""
    if not history or is_follow_up(question):
        return None
    prev = standalone_question(history[-1].question, history[:-1])
    named = named_by_its_noun(question, prev)
    if named:
        return named
    if subjects(question) and not opens_with_its_verb(question):
        return None
    names = [n for n in subjects(prev) if not names_itself(question, n)]
    return names[0] if names else None


def off_the_topic(passage: str, previous: str, question: str) -> bool:
    """Whether a passage shares nothing with the conversation: none of the words of the question
    before (two characters or more) that the question itself does not write. 公司生产了什么？
    after 特斯拉创立公司后，首先获得了什么？, answered as asked from an armoured car's maker (公司
    is the question's own word; 特斯拉, 创立, 首先 and 获得 are not in that passage). English
    words are looked for whole (`says`: MiniMax2025年 writes MiniMax). A passage is judged only by the words of its own script that it
    lacks: a Chinese page never writes Warsaw for 华沙, nor an English page 华沙 for Warsaw, so a
    question before it in the other language says nothing either way, unless one of its words (a
    Latin name) is found there."""
    from corpus.mentions import says
    from index.bilingual import STOPWORDS
    from index.keyword import word_terms

    own = {w.lower() for w in word_terms(question)}
    words = {w.lower() for w in word_terms(previous) if len(w) > 1} - own - STOPWORDS
    if any(says(passage, w) if w.isascii() else w in passage for w in words):
        return False
    chinese_page = _HAN_ONLY.search(passage) is not None
    return any(w.isascii() != chinese_page for w in words)


# the question's own way to point back at a thing by its noun: 这条大道, 该公司, 那所大学
_DEMONSTRATIVE = re.compile(r"(?:这|那|该|此)[\u4e00-\u9fff]?$")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def named_by_its_noun(question: str, prev: str) -> str | None:
    """A name of the previous question that the question points back at by its noun: the noun
    written after the name there (大道上哪两条街之间……？ after 科尔尼大道两旁种着什么树？: the avenue
    is 科尔尼大道), or the noun the name ends with (大学有多少学生？ after a question about
    芝加哥大学). The noun must open the question or follow a demonstrative (这 / 那 / 该 / 此), so
    that another thing of that kind, named in the question (弗雷斯诺大道), is not read as this one.
    None when the question writes the name itself."""
    from corpus.segment import default_segmenter

    seg = default_segmenter()
    q = question.strip()
    word_at: dict[int, tuple[str, str]] = {}  # prev's tagged words by where they start
    pos = 0
    for word, flag in seg.tag(prev):
        word_at[pos] = (word, flag)
        pos += len(word)
    for name in subjects(prev):
        if name in q:
            return None
        at = prev.find(name)
        if at < 0:
            continue
        end = at + len(name)
        after = [word_at[end]] if end in word_at else []
        tails = [seg.tag(name[-k:]) for k in (3, 2) if len(name) > k]
        for noun, flag in after + [t[0] for t in tails if len(t) == 1]:
            if not (flag.startswith("n") and len(noun) >= 2 and _HAN_ONLY.fullmatch(noun)):
                continue
            i = q.find(noun)
            if i == 0 or (i > 0 and _DEMONSTRATIVE.search(q[:i])):
                return name
    return None


def _content(text: str) -> set[str]:
    """The words (English) or characters (Chinese) of a question that carry its content."""
    text = _EN_PRONOUN.sub(" ", _ZH_PRONOUN.sub(" ", text)).lower()
    words = set(re.findall(r"[a-z0-9]{3,}", text)) - {
        "what",
        "which",
        "when",
        "where",
        "who",
        "how",
    }
    return words | set(re.findall(r"[\u4e00-\u9fff]", _WH_ZH.sub(" ", text)))


def plausible_rewrite(question: str, history: Sequence[Turn], rewritten: str | None) -> bool:
    """Whether a model's standalone version of a follow-up can be searched: one short line, a
    question that leans on nothing any more, that keeps what the follow-up names (its names and
    years) and most of its own words, and is not the previous question again. A 1.5B model on the
    dev follow-ups often gave back the previous question, answered it, or kept the pronoun."""
    if not rewritten or "\n" in rewritten.strip() or "NOT_FOUND" in rewritten:
        return False
    r = rewritten.strip()
    if len(r) > max(3 * len(question), len(question) + 120):
        return False
    if history and r == history[-1].question.strip() and r != question.strip():
        return False
    if question.strip().endswith(("?", "？")) and not r.endswith(("?", "？")):
        return False  # an answer, not a question
    if is_follow_up(r):
        return False
    own = _content(question)
    if own and len(own & _content(r)) < 0.6 * len(own):
        return False
    kept = [*subjects(question), *_years(question)]
    return all(k in r for k in kept)
