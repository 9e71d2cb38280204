"""Names a document gives in both scripts, found at ingest, so English questions about names the
shipped glossary lacks still retrieve and verify.

- Parallel mentions: `海螺AI(Hailuo AI)`, `英伟达（NVIDIA）`, `Warner Bros.（华纳兄弟）`.
- Person names jieba tags (nr), transliterated with pypinyin: 张伟 -> Zhang Wei, 李明华 -> Li Minghua
  (surname first, given name as one word, the way Mandarin names are written in English).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

_ZH = r"[\u4e00-\u9fff]"
_EN = r"[A-Za-z][A-Za-z0-9&'.\- ]{0,38}[A-Za-z0-9.]|[A-Za-z]"
# Chinese, then English in brackets: 英伟达（NVIDIA）
_ZH_EN = re.compile(rf"({_ZH}[\u4e00-\u9fffA-Za-z0-9]{{0,11}})\s*[（(]\s*({_EN})\s*[)）]")
# English, then Chinese in brackets: NVIDIA（英伟达）
_EN_ZH = re.compile(rf"(?<![A-Za-z])({_EN})\s*[（(]\s*({_ZH}{{2,12}})\s*[)）]")
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤".split()
)
_NOT_NAMES = re.compile(r"^(?:和|与|及|的|在|是|为|或)")
# jieba tags many common words as person names (明星, 顾问): a name must start with a surname.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝"
)
# jieba's dictionary counts common words that it also tags as names (明星 2130, 顾问 1697);
# real names sit far lower (李明华 3, 周杰伦 89) or are absent (张伟).
COMMON_WORD_FREQ = 120
_PARTICLES = frozenset("的和与在是了及为将对从由被把向或并也就都而")
_DETERMINERS = frozenset("该 这 那 本 其 此 各 每 这个 那个 这家 该国 新 一届".split())
_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9&]{1,7}")


def _is_acronym(en: str) -> bool:
    """IPCC, UDP, GPhC: one word of mostly capitals (not McKinsey)."""
    letters = [c for c in en if c.isalpha()]
    return bool(_ACRONYM.fullmatch(en)) and sum(c.isupper() for c in letters) * 2 > len(letters)


def parallel_mentions(text: str) -> list[tuple[str, str]]:
    """(Chinese, English) pairs the text writes side by side, in order of first appearance."""
    from corpus.segment import default_segmenter

    seg = default_segmenter()
    out: dict[tuple[str, str], None] = {}
    for m in _ZH_EN.finditer(text):
        en = m.group(2).strip()
        if not _worth(en):
            continue
        words = seg.cut(m.group(1))
        if not words:
            continue
        # the name is the last word before the bracket (two when it is short: 海螺 + ai)
        zh, rest = words[-1], words[:-1]
        # as many words as the English name has (华纳 + 兄弟 = Warner Bros.; 海螺 + AI)
        for _ in range(min(len(en.split()), 4) - 1):
            if rest and rest[-1] not in _PARTICLES and len(zh) + len(rest[-1]) <= 8:
                zh = rest.pop() + zh
        if _is_acronym(en):
            # an acronym stands for the whole term (政府间气候变化专门委员会 (IPCC), 用户数据电报协议
            # (UDP)), not its last word (委员会, 协议)
            while (
                rest
                and re.fullmatch(f"{_ZH}+", rest[-1])
                and rest[-1] not in _PARTICLES
                and rest[-1] not in _DETERMINERS
                and len(zh) + len(rest[-1]) <= 12
            ):
                zh = rest.pop() + zh
        if rest and (len(zh) < 2 or zh.isascii()):
            zh = rest.pop() + zh
        # a name split into single characters (英 + 伟达): take them back
        while (
            rest
            and len(rest[-1]) == 1
            and rest[-1] not in _PARTICLES
            and rest[-1] not in _DETERMINERS
            and len(zh) < 6
        ):
            zh = rest.pop() + zh
        zh = _original(m.group(1), zh)
        if zh and re.search(_ZH, zh):
            out[(zh, en)] = None
    for m in _EN_ZH.finditer(text):
        en, zh = m.group(1).strip(), m.group(2)
        if _worth(en) and not _NOT_NAMES.match(zh):
            out[(zh, en)] = None
    return list(out)


def _worth(en: str) -> bool:
    """An English name worth keeping: a capital letter, not a lone letter or a unit."""
    return len(en) >= 2 and any(c.isupper() for c in en) and not en.isdigit()


def _original(span: str, word: str) -> str:
    """The segmenter lower-cases Latin letters; take the word as the text spells it."""
    i = span.lower().rfind(word)
    return span[i : i + len(word)] if i >= 0 else word


@lru_cache(maxsize=65536)
def pinyin_name(name: str) -> str:
    """张伟 -> Zhang Wei; 欧阳修 -> Ouyang Xiu; 李明华 -> Li Minghua."""
    from pypinyin import lazy_pinyin

    n = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    surname = "".join(lazy_pinyin(name[:n], errors="ignore"))
    given = "".join(lazy_pinyin(name[n:], errors="ignore"))
    return " ".join(p.capitalize() for p in (surname, given) if p)


def pinyin_spellings(text: str, max_chars: int = 4) -> set[str]:
    """Every run of 2..max_chars Chinese characters of `text` spelled in toneless pinyin, lower
    case and without spaces (张伟 -> zhangwei): what a Latin name can be checked against."""
    from pypinyin import lazy_pinyin

    out: set[str] = set()
    for run in re.findall(f"{_ZH}+", text):
        syl = lazy_pinyin(run)
        for i in range(len(syl)):
            for n in range(2, max_chars + 1):
                if i + n <= len(syl):
                    out.add("".join(syl[i : i + n]))
    return out


def person_names(text: str) -> list[tuple[str, str]]:
    """(Chinese name, its pinyin) for the 2-4 character person names jieba tags in the text."""
    from corpus.segment import USER_DICT, default_segmenter

    seg = default_segmenter()
    seen: dict[str, None] = {}
    for word, flag in seg.tag(text):
        if (
            flag in ("nr", "nrfg")
            and (seg.frequency(word) <= COMMON_WORD_FREQ or word in _user_words(str(USER_DICT)))
            and 2 <= len(word) <= 4
            and re.fullmatch(f"{_ZH}+", word)
            and (word[0] in _SURNAMES or word[:2] in _COMPOUND_SURNAMES)
        ):
            seen[word] = None
    return [(w, pinyin_name(w)) for w in seen]


def user_dictionary_words() -> frozenset[str]:
    """The words of docqa's jieba user dictionary (the names and terms it ships)."""
    from corpus.segment import USER_DICT

    return _user_words(str(USER_DICT))


@lru_cache(maxsize=4)
def _user_words(path: str) -> frozenset[str]:
    from pathlib import Path

    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip())


def library_terms(text: str) -> list[tuple[str, str]]:
    """Every (Chinese, English) pair a document gives or implies: parallel mentions first."""
    pairs = parallel_mentions(text)
    named = {zh for zh, _ in pairs}
    return pairs + [(zh, en) for zh, en in person_names(text) if zh not in named]


def says(text: str, name: str) -> bool:
    """`name` is written in `text` as whole words (no Latin letter on either side), in any case,
    except that an acronym must be in capitals: WHO is not "Who", IT is not "it"."""
    return bool(_name_pattern(name).search(text))


def written_at(text: str, name: str) -> Iterator[re.Match[str]]:
    """Each place `text` writes `name` as whole words (as `says` finds it)."""
    return _name_pattern(name).finditer(text)


def without(text: str, name: str) -> str:
    """`text` with every whole-word `name` blanked out."""
    return _name_pattern(name).sub(" ", text)


@lru_cache(maxsize=65536)
def _name_pattern(name: str) -> re.Pattern[str]:
    acronym = name.isupper() and len(name) <= 6
    return re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", 0 if acronym else re.I)


_LETTERS = re.compile(r"[A-Za-z]+")


class LibraryTerms:
    """A library's (Chinese, English) names, indexed so that finding the ones a question or a
    sentence contains costs the same for 10 names or 100,000 (answering looks them up several
    times per question). Results keep the names' order. `accept` judges a pair when a lookup
    first finds it (so a check that needs a dictionary costs nothing until a question meets a
    doubtful pair); pairs it rejects are never returned."""

    def __init__(
        self,
        pairs: Iterable[tuple[str, str]] = (),
        accept: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._accept = accept
        self._verdict: dict[tuple[str, str], bool] = {}
        self._all = tuple(dict.fromkeys(pairs))
        self._order = {p: i for i, p in enumerate(self._all)}
        self._by_zh: dict[str, list[tuple[str, str]]] = {}
        self._by_word: dict[str, list[tuple[str, str]]] = {}
        for zh, en in self._all:
            if zh:
                self._by_zh.setdefault(zh, []).append((zh, en))
            first = _LETTERS.search(en)
            if first:
                self._by_word.setdefault(first.group().lower(), []).append((zh, en))
        self._zh_lengths = sorted({len(zh) for zh in self._by_zh})

    def _ok(self, pair: tuple[str, str]) -> bool:
        if self._accept is None:
            return True
        if pair not in self._verdict:
            self._verdict[pair] = self._accept(*pair)
        return self._verdict[pair]

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(p for p in self._all if self._ok(p))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __bool__(self) -> bool:
        """Whether there are names to look up at all (judging none of them)."""
        return bool(self._all)

    def in_english_text(self, text: str) -> list[tuple[str, str]]:
        """The pairs whose English name `text` writes as whole words (see `says`)."""
        words = {w.lower() for w in _LETTERS.findall(text)}
        found = {p for w in words for p in self._by_word.get(w, ()) if says(text, p[1])}
        return sorted((p for p in found if self._ok(p)), key=self._order.__getitem__)

    def in_chinese_text(self, text: str) -> list[tuple[str, str]]:
        """The pairs whose Chinese name occurs in `text`."""
        found: set[tuple[str, str]] = set()
        for n in self._zh_lengths:
            for i in range(len(text) - n + 1):
                found.update(self._by_zh.get(text[i : i + n], ()))
        return sorted((p for p in found if self._ok(p)), key=self._order.__getitem__)
