"""Latin names in an English answer, checked against the Chinese text it cites.

A name is supported when the cited text or the reader's name list (glossary, library terms) has
it, when it is the pinyin of the text's characters (Zhang Wei = 张伟), or when CC-CEDICT's senses
of a run of the text's characters give it (图灵 = Turing). A Western name the text transliterates
(詹姆斯·杜瓦) has none of these; a model's English for it (James Dewar) is shown with the text's own
form beside it, `James Dewar (詹姆斯·杜瓦)`, when the pairing is unambiguous, and a name given so is
supported by that form. A name a translation renders by meaning or knowledge (Broncos for
野马队) pairs by no sound: the model that wrote it may be asked for the source's form of it, which
is shown only where it can be that name's (`source_form_agrees`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence

from qa.markers import MARKER
from qa.question import HAN_NAME, PROPER_TAGS, is_common_english

LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*\b")
# World War II, Henry VIII: a numeral, not a name (the number check does not read them either)
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_COMMON_CAPS = frozenset(
    "The In On At By For And But According It Its This That As A An Of From To With US HK RMB NT "
    "JP Yes No However Meanwhile Also I What When Which Who Their They He She".split()
)
# A name of several words: capitalised words, joined by spaces or hyphens, with the particles
# Western names carry (Claude-Pierre Pécaudy de Contrecœur, Hassan al-Turabi).
_WORD = r"[A-Z](?:[\w'’]|\.(?=\w))*(?:-(?:[\w'’]|\.(?=\w))+)*"
_WORD_RE = re.compile(_WORD)
_NAME_GROUP = re.compile(
    rf"{_WORD}(?:[ \-](?:(?:de|da|di|du|van|von|der|al|la|le|bin)[ \-])?{_WORD})*"
)
# The source's own form right after a name: `James Dewar (詹姆斯·杜瓦)`.
_ORIGINAL = re.compile(rf"\s{{0,3}}[（(]({HAN_NAME})[)）]")
# At most this many names are paired in one text: a list of names is left to the Chinese quote.
MAX_PAIRS = 3


def _pinyin_name_at(claim: str, m: re.Match[str]) -> str | None:
    """'Zhang Wei' as one spelling (zhangwei) when the match is part of a two-word name."""
    two = re.compile(r"\b([A-Z][a-z]+) ([A-Z][a-z]+)\b")
    for t in two.finditer(claim):
        if t.start() <= m.start() < t.end():
            return (t.group(1) + t.group(2)).lower()
    return None


def _is_name(word: str, sentence_initial: bool) -> bool:
    """MiniMax, IPO, M2.5 always; a capitalized word only mid-sentence and when it is not an
    ordinary English word."""
    if any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word):
        return True
    if sentence_initial:
        return False
    from index.bilingual import name_only_words

    # Wilson, Lincoln: a name the dictionary has is still a name (Benjamin Wilson for 本杰明·威尔)
    return not is_common_english(word.lower()) or word.lower() in name_only_words()


# Titles and heads a translation puts around a name (Emperor Wu, Mitchell Tower): not part of
# the name a transliteration gives.
_HEADS = frozenset(
    "Emperor Empress King Queen Prince Princess Duke Lord Lady Sir Saint St Ste Mt Ft Pope "
    "President General Governor Mount Lake River Tower Hall University College School Museum "
    "Garden Park Street Square Church Palace Castle Bridge Island Company Corporation Award "
    "Awards Prize Party Dynasty Empire Kingdom Republic Theatre Theater Center Centre Institute "
    "Academy Parliament Law Act Treaty Assembly Council Committee Army Navy State Province "
    "County City Sea Ocean Mountains Valley Basin Desert Revolution War Society Association "
    "Union League Club Group Bank Hospital Station Airport Port Library".split()
)


# Heads a name abbreviates, with what a Chinese text writes for them (St. Augustine: 圣奥古斯丁)
_ABBREVIATED_HEADS = {"St": "圣", "Ste": "圣", "Mt": "山", "Ft": "堡"}


# What may open a name's span without being part of the name: a title or head, or a capitalised
# word that is no name (The, According)
_LEADS = _HEADS | _COMMON_CAPS


def _group_at(text: str, pos: int) -> tuple[int, int]:
    """The span of the several-word name that the word at `pos` belongs to, without the titles
    and heads at its ends (Emperor Wu -> Wu, Mitchell Tower -> Mitchell) or a capitalised word
    before it that is no name (The Saxon Garden -> Saxon)."""
    for g in _NAME_GROUP.finditer(text):
        if g.start() <= pos < g.end():
            words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text, g.start(), g.end())]
            while words and words[0][1] <= pos and text[slice(*words[0])] in _LEADS:
                words.pop(0)
            while words and words[-1][0] > pos and text[slice(*words[-1])] in _HEADS:
                words.pop()
            return words[0][0], words[-1][1]
    return pos, pos


def unsupported_names(claim: str, source: str, names_ok: Sequence[str] = ()) -> list[str]:
    """The Latin names of `claim` that `source` (the cited Chinese or English text) does not
    support, in order."""
    lowered = source.lower() + " " + " ".join(names_ok).lower()
    spelled: set[str] | None = None
    senses: set[str] | None = None
    out: list[str] = []
    for m in LATIN_NAME.finditer(claim):
        name = m.group()
        if (
            name in _COMMON_CAPS
            or len(name) < 2
            or not _is_name(name, sentence_initial=not claim[: m.start()].strip(" “\"'("))
        ):
            continue
        if name.lower() in lowered or _ROMAN.fullmatch(name):
            continue
        if _ABBREVIATED_HEADS.get(name, "\0") in source:  # St. of 圣奥古斯丁 is 圣, no name
            continue
        # given with the source's own form: James Dewar (詹姆斯·杜瓦)
        original = _ORIGINAL.match(claim, _group_at(claim, m.start())[1])
        if original and original.group(1) in source:
            continue
        # a Mandarin name in pinyin (Xinghe = 星河, Zhang Wei = 张伟) the glossary lacks
        if spelled is None:
            from corpus.mentions import pinyin_spellings

            spelled = pinyin_spellings(source)
        whole = _pinyin_name_at(claim, m)
        if name.lower() in spelled or (whole and whole in spelled):
            continue
        # a name the text writes in Chinese whose dictionary senses give it (图灵 = Turing)
        from index.bilingual import dictionary_words

        if senses is None:
            senses = dictionary_words(source)
        if _in_senses(name, senses) or _ordinary_plural_in(name, source):
            continue
        out.append(name)
    return out


def _ordinary_plural_in(name: str, source: str) -> bool:
    """Whether `name` is the plural of an ordinary English word, capitalised in a title (the
    International System of Units), and `source` writes a Chinese word of two characters or more
    for that word (单位). Not a team (Broncos: 野马队, which is not bronco's Chinese)."""
    from index.bilingual import dictionary_lemma

    low = name.lower()
    return low.endswith("s") and dictionary_lemma(low) != low and ordinary_word_in(name, source)


def ordinary_word_in(name: str, source: str) -> bool:
    """Whether `name` is an ordinary English word, capitalised in a title (the Saxon Garden), and
    `source` writes a Chinese word of two characters or more for it (花园)."""
    from index.bilingual import chinese_for, dictionary_lemma

    lemma = dictionary_lemma(name.lower())
    return (
        lemma.islower()
        and is_common_english(lemma)
        and any(len(zh) >= 2 and zh in source for zh in chinese_for(lemma))
    )


def _in_senses(name: str, senses: set[str]) -> bool:
    """Whether dictionary senses of a text's Chinese words give the Latin name (图灵 = Turing,
    欧盟 = EU, 罗马 = Rome for Roman)."""
    from index.bilingual import word_forms

    return bool(word_forms(name) & senses) or _people_of(name, senses)


def named_in_chinese(name: str, text: str) -> bool:
    """Whether `text` writes the Latin name `name` in Chinese: its pinyin (Xinghe = 星河) or a
    word whose dictionary senses give it (美国广播公司 = ABC, 罗马天主教徒 for Roman)."""
    from corpus.mentions import pinyin_spellings
    from index.bilingual import dictionary_words

    return name.lower() in pinyin_spellings(text) or _in_senses(name, dictionary_words(text))


_DEMONYM = re.compile(r"(?:ian|ean|an|ese)$")


# Peoples and languages whose names do not begin as their place's does (Scottish: Scotland, the
# 苏格兰 of 苏格兰国家美术馆; Polish: Poland): the dictionary gives the place only.
_PEOPLE_PLACES = {
    "scottish": "Scotland",
    "scots": "Scotland",
    "english": "England",
    "british": "Britain",
    "irish": "Ireland",
    "welsh": "Wales",
    "polish": "Poland",
    "spanish": "Spain",
    "danish": "Denmark",
    "swedish": "Sweden",
    "finnish": "Finland",
    "turkish": "Turkey",
    "dutch": "Netherlands",
    "french": "France",
    "swiss": "Switzerland",
    "greek": "Greece",
    "thai": "Thailand",
    "flemish": "Flanders",
}


def _people_of(name: str, senses: set[str]) -> bool:
    """A name of a people or its language (Roman, Italian, Chinese) whose place the dictionary
    senses name (Rome, Italy, China; a proper name, capitalised there): the place begins with the
    name less its ending and adds at most two letters (Austrian: Austria, not Australia), or is
    the one `_PEOPLE_PLACES` gives (Scottish: Scotland)."""
    if _PEOPLE_PLACES.get(name.lower()) in senses:
        return True
    stem = _DEMONYM.sub("", name.lower())
    if stem == name.lower() or len(stem) < 3:
        return False
    return any(
        s[:1].isupper() and s.lower().startswith(stem) and len(s) - len(stem) <= 2 for s in senses
    )


# A single character jieba splits off the end of a transliterated name (麦特 琳, 多克托罗 夫) is
# taken into it when tagged as a name or a noun; a verb or adverb (都, 说) ends the name.
_NAME_END_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nz", "n", "ng"})
_NOT_NAME_START = frozenset("由在是被和与及对从向把将给让为于以跟同")
_DOT = re.compile(r"\s?[·•‧・]\s?")


def original_of(text: str, name: str) -> str | None:
    """The source form `text` gives right after the name that contains the word `name`
    (`James Dewar (詹姆斯·杜瓦)`: 詹姆斯·杜瓦 for Dewar), or None."""
    for m in re.finditer(rf"\b{re.escape(name)}\b", text, re.I):
        original = _ORIGINAL.match(text, _group_at(text, m.start())[1])
        if original:
            return original.group(1)
    return None


def chinese_names(source: str) -> list[str]:
    """The names `source` writes in Chinese, in order: names joined by a middle dot (詹姆斯·杜瓦,
    the last part with the name-like single characters jieba splits off it: 麦特 琳), and runs of
    words jieba tags as a person, place, organisation or other proper noun (杰克逊 维尔)."""
    from corpus.segment import default_segmenter

    tokens = default_segmenter().tag(source)

    def han(i: int) -> bool:
        return 0 <= i < len(tokens) and bool(re.fullmatch(r"[\u4e00-\u9fff]+", tokens[i][0]))

    def proper(i: int) -> bool:
        return han(i) and tokens[i][1] in PROPER_TAGS

    def dot(i: int) -> bool:
        return 0 <= i < len(tokens) and bool(_DOT.fullmatch(tokens[i][0]))

    names: list[str] = []
    i = 0
    while i < len(tokens):
        if han(i) and dot(i + 1) and han(i + 2):
            j = i  # the name's last token
            while dot(j + 1) and han(j + 2):
                j += 2
                while proper(j + 1) or (
                    han(j + 1) and len(tokens[j + 1][0]) == 1 and tokens[j + 1][1] in _NAME_END_TAGS
                ):
                    j += 1
            name = "".join(w for w, _ in tokens[i : j + 1])
            # jieba glues a preposition onto the first part (由约翰·埃尔维): not part of the name
            if len(tokens[i][0]) >= 3 and name[0] in _NOT_NAME_START:
                name = name[1:]
            names.append(name)
            i = j + 1
        elif proper(i):
            j = i
            while proper(j + 1):
                j += 1
            word = "".join(w for w, _ in tokens[i : j + 1])
            if len(word) >= 2:
                names.append(word)
            i = j + 1
        else:
            i += 1
    return names


def _rendered(name: str, text: str, pairs: Sequence[tuple[str, str]], words: set[str]) -> bool:
    """Whether `text` already gives `name` (a Chinese name) in English: by a known pair
    (glossary, library), or each of its dotted parts by dictionary sense (`words`: the word forms
    of the text's Latin names) or pinyin."""
    from corpus.mentions import pinyin_spellings
    from index.bilingual import dictionary_words

    low = text.lower()
    if any((zh in name or name in zh) and en.lower() in low for zh, en in pairs):
        return True
    squeezed = re.sub(r"[^a-z]", "", low)
    for part in _DOT.split(name):
        if dictionary_words(part) & words:
            continue
        if any(s in squeezed for s in pinyin_spellings(part)):
            continue
        return False
    return True


# The Latin sounds a syllable of a transliteration may stand for, by its pinyin initial ("V": a
# vowel; "č": the ch of Charles): 詹 zhan = J(ames), 西 xi = S(imon), 科 ke = C(ole) -> k.
_LIKE = {
    "zh": "jzgč",
    "ch": "čktsj",
    "sh": "szč",
    "b": "bp",
    "p": "pb",
    "m": "mn",
    "f": "fw",
    "d": "dt",
    "t": "td",
    "n": "nm",
    "l": "lr",
    "r": "rl",
    "g": "gkj",
    "k": "kg",
    "h": "hVfw",
    "j": "jgzyč",
    "q": "kjč",
    "x": "sz",
    "z": "zstj",
    "c": "ztsk",
    "s": "szt",
    "y": "yVj",
    "w": "wVh",
    "V": "Vhrlwy",
}
# Latin spellings as sounds, in this order (ch before c; c before e, i, y is an s).
_LATIN_SOUNDS = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"wh"), "w"),
    (re.compile(r"^kn"), "n"),
    (re.compile(r"ck|qu|q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"ch"), "č"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"g(?=[eiy])"), "j"),
    (re.compile(r"v"), "w"),
)


def _latin_onsets(word: str) -> tuple[str, str]:
    """The first sound of a Latin word ("V" for a vowel) and the consonant sounds that follow it,
    up to its second consonant cluster (Carnot -> k, rn; Philip -> f, l; Scott -> s, ktt)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    for pattern, sound in _LATIN_SOUNDS:
        w = pattern.sub(sound, w)
    clusters = re.findall(r"[^aeiouy]+|[aeiouy]+", w)
    if not clusters:
        return "", ""
    if clusters[0][0] in "aeiouy":
        following = [c for c in clusters[1:] if c[0] not in "aeiouy"]
        return "V", following[0] if following else ""
    # Scott -> s, then k (苏格 su-ge: a vowel goes between the consonants) and tt
    following = [c for c in clusters[2:3] if c[0] not in "aeiouy"]
    return clusters[0][0], clusters[0][1:] + (following[0] if following else "")


def _pinyin_onset(char: str) -> str:
    from pypinyin import lazy_pinyin

    syllable = lazy_pinyin(char)[0].lower()
    if not syllable or not syllable[0].isalpha():
        return ""
    if syllable[0] in "aeiou":
        return "V"
    return next((i for i in ("zh", "ch", "sh") if syllable.startswith(i)), syllable[0])


def _word_like(word: str, part: str) -> bool:
    """A Latin word against one part of a transliteration: its first sound, and its next
    consonants against the second syllable's initial (Dewar ~ 杜瓦 d-w; Pittsburgh !~ 弗雷 f-l)."""
    first, cluster = _latin_onsets(word)
    onset = _pinyin_onset(part[0])
    if not first or not onset or first not in _LIKE.get(onset, ""):
        return False
    if len(part) < 2 or not cluster:
        return True
    second = _pinyin_onset(part[1])
    if second in ("", "V"):  # 尔 er, 阿 a: the r or l a syllable ends with, or a vowel
        return True
    return any(ch in _LIKE.get(second, "") for ch in cluster)


def _sounds_like(latin: str, chinese: str) -> bool:
    """Whether a Latin name could be the English of a transliteration, word by part (William Simon
    ~ 威廉·西蒙; Emperor Wu !~ 永熙). A guard on pairing names, not a proof that they match."""
    words = [w for w in re.findall(r"[A-Za-z]+", latin) if w[0].isupper()]
    parts = [p for p in _DOT.split(chinese) if p]
    if not words or not parts or any(len(w) > 1 and w.isupper() for w in words):
        return False  # an acronym (MPEG, DVB) is not a transliteration
    if len(words) == len(parts):
        return all(_word_like(w, p) for w, p in zip(words, parts, strict=True))
    # one word for a name of several parts (Kaka for 卡·卡): first and last; several words for
    # fewer parts (Roman Catholic Protestants for 罗马) would give the words one original
    return len(words) == 1 and _word_like(words[0], parts[0]) and _word_like(words[0], parts[-1])


def with_originals(
    text: str,
    source: str,
    pairs: Sequence[tuple[str, str]] = (),
    own: Sequence[str] = (),
    pair_by: Callable[[Sequence[str]], dict[str, str]] | None = None,
) -> str | None:
    """`text` (English about `source`, Chinese) with the source's own form after each name it
    does not support: `James Dewar (詹姆斯·杜瓦)`. `pairs`: the (Chinese, English) names the reader
    knows for `source` (glossary, library). Each unsupported name (at most `MAX_PAIRS`) is paired
    with the one name of the source, not yet rendered in English, whose sounds it matches; when
    there is not exactly one, None. The text unchanged when every name is supported. `own`: names
    the reader gave (the question's), which need no original: given one where they pair up, left
    as they are where not. `pair_by`: asked, where given, for the source's form of the names that
    pair by no sound (a model's reading: Broncos -> 野马队); a form it gives counts where
    `source_form_agrees`, and a name left without one makes the result None."""
    bare = MARKER.sub("", text)
    missing = unsupported_names(bare, source, [en for _, en in pairs])
    if not missing:
        return text
    groups: list[tuple[int, int]] = []
    for m in LATIN_NAME.finditer(text):
        if m.group() in missing:
            g = _group_at(text, m.start())
            if g not in groups:
                groups.append(g)
    # one name written several times is one name: each time it is given with its original
    unique = list(dict.fromkeys(text[a:b] for a, b in groups))
    needed = [
        u for u in unique if any(w in missing and w not in own for w in LATIN_NAME.findall(u))
    ]
    if not unique or len(unique) > MAX_PAIRS:
        return None if needed else text
    from index.bilingual import chinese_to_english, word_forms

    words = {f for w in LATIN_NAME.findall(text) for f in word_forms(w)}
    dictionary = chinese_to_english()
    originals = [
        n for n in dict.fromkeys(chinese_names(source)) if not _rendered(n, text, pairs, words)
    ]

    def could_be(name: str, zh: str) -> bool:
        # a word the dictionary has is the English its senses begin like (罗马: Roman, from
        # Rome), not whatever sounds alike (城市, which jieba tags as a place: Jacksonville)
        senses = dictionary.get(zh)
        return _sounds_like(name, zh) and (
            senses is None or _begins_like(re.findall(r"[a-z]+", name.lower()), senses)
        )

    paired: dict[str, str] = {}
    unpaired: list[str] = []
    for name in unique:
        alike = [zh for zh in originals if could_be(name, zh) and zh not in paired.values()]
        shortest = min(alike, key=len, default="")
        if len(alike) > 1 and all(shortest in zh for zh in alike):
            # one name, and jieba's longer cut of it (杰克逊维尔 and 杰克逊维尔大都 of 杰克逊维尔大都市区)
            alike = [shortest]
        if len(alike) != 1:
            if name in needed:
                unpaired.append(name)
            continue
        paired[name] = alike[0]
    if unpaired and pair_by is not None:
        for name, zh in pair_by(unpaired).items():
            if (
                name in unpaired
                and zh not in paired.values()
                and source_form_agrees(name, zh, source)
            ):
                paired[name] = zh
    if any(name not in paired for name in unpaired):
        return None
    out, last = [], 0
    for a, b in groups:
        if text[a:b] in paired:
            out.append(text[last:b] + f" ({paired[text[a:b]]})")
            last = b
    return "".join(out) + text[last:]


_HAN_RUN = re.compile(HAN_NAME)


def _begins_like(words: Iterable[str], senses: Collection[str]) -> bool:
    """Whether an English word (lower case) begins like a dictionary sense, both 4 letters or
    more: Roman for 罗马's rome, not whatever sounds alike."""
    return any(len(w) >= 4 and len(s) >= 4 and w[:3] == s[:3] for w in words for s in senses)


# The longest source form a name is given (a name, not a clause: 匹兹堡钢人队 is 6).
MAX_FORM_CHARS = 12


def source_form_agrees(name: str, zh: str, source: str) -> bool:
    """Whether `zh`, a stretch of `source` a model gave as the source's form of the English
    `name`, may be shown beside it (`Broncos (野马队)`, `Lunar Module Pilot (月球模块飞行员)`):
    Chinese script of 2-12 characters, in the source; not a word whose dictionary senses name
    something else (更新世 is the Pleistocene, never the Holocene); and, where it holds a name the
    text transliterates (jieba's tags), one the English sounds like (Schirn: 沙里宁; not Kacey:
    卡卡 of 女神卡卡, nor Okayama: 福山市)."""
    from index.bilingual import chinese_to_english, word_forms

    if not (2 <= len(zh) <= MAX_FORM_CHARS and _HAN_RUN.fullmatch(zh) and zh in source):
        return False
    words = {f for w in LATIN_NAME.findall(name) for f in word_forms(w)}
    senses = chinese_to_english().get(zh)
    if senses:
        return bool(words & senses) or _begins_like(words, senses)
    return all(
        _sounds_like(name, n)
        or _sounds_like(name, zh)
        or words & chinese_to_english().get(n, frozenset())
        for n in chinese_names(source)
        if n in zh or zh in n
    )


def with_english_names(text: str, pairs: Sequence[tuple[str, str]]) -> str:
    """`text` (English) with each Chinese name it left untranslated given in English first, from
    the reader's (Chinese, English) name pairs: `Ding Junhui's wife is张元元.` -> `... is Zhang
    Yuanyuan (张元元).` Only a whole run of Chinese characters that is a known name; a name
    already given after its English form (`James Dewar (詹姆斯·杜瓦)`) stays as it is."""
    english = {zh: en for zh, en in pairs if zh and en}
    if not english:
        return text
    out, last = [], 0
    for m in _HAN_RUN.finditer(text):
        en = english.get(m.group())
        if en is None:
            continue
        before = text[: m.start()].rstrip()
        if before.endswith(("(", "（")) or en.lower() in before[-len(en) - 3 :].lower():
            continue
        gap = (
            " "
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ",.;:")
            else ""
        )
        out.append(text[last : m.start()] + f"{gap}{en} ({m.group()})")
        last = m.end()
    return "".join(out) + text[last:]


__all__ = [
    "chinese_names",
    "ordinary_word_in",
    "source_form_agrees",
    "original_of",
    "unsupported_names",
    "with_english_names",
    "with_originals",
]
