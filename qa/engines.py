"""Answer engines behind one interface, chosen by a string: extractive, local, openai, auto.

An engine turns (question, language, numbered evidence sentences, history) into answer text with
inline `[n]` markers, or a refusal. Citation checking happens after, in the pipeline, the same way
for every engine.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus.footnotes import strip_reference_marks
from corpus.lang import spaced_names
from corpus.settings import current
from qa.conversation import Turn
from qa.glossary import Glossary, load_glossary
from qa.markers import MARKER
from qa.numbers import english_dates, english_figures, to_english
from qa.policy import neighbours, quotes_runner_up
from qa.records import Evidence

if TYPE_CHECKING:  # LangChain is imported by the engines that use it, not by every question
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import BaseMessage

REFUSAL = {
    "zh": "根据现有文档，无法回答这个问题：文档中没有相关信息。",
    "en": "The documents do not say; I cannot answer this from them.",
}
NOT_FOUND = "NOT_FOUND"
# Sentences in a generative prompt: enough to hold the answer (the evidence ranker puts the gold
# sentence in its top 4 for most dev questions), few enough that a 1.5B model on 2 cores starts fast.
MAX_PROMPT_SENTENCES = 4


def answer_lang(question_lang: str) -> str:
    return "en" if question_lang == "en" else "zh"


@dataclass(frozen=True)
class Request:
    question: str
    language: str  # zh | en (the answer's language)
    evidence: tuple[Evidence, ...]
    history: tuple[Turn, ...] = ()
    # Whether the engine may answer NOT_FOUND: only where docqa would honour it (the answer
    # policy overrides a model's refusal of evidence that covers the question well enough).
    refusable: bool = True


class Engine(ABC):
    name: str

    @abstractmethod
    def stream(self, req: Request) -> Iterator[str]:
        """Answer text, piece by piece. `NOT_FOUND` alone means: the evidence does not answer it."""

    def answer(self, req: Request) -> str:
        return "".join(self.stream(req))

    def rewrite(
        self, question: str, history: Sequence[Turn], language: str | None = None
    ) -> str | None:
        """A follow-up made standalone by the engine's model; None leaves it to the rules of
        `qa.conversation` (the extractive engine has no model). `language`: the question's, as
        the pipeline detected it (detected here when not given)."""
        return None


def plain(e: Evidence) -> str:
    """An evidence sentence as an answer or a prompt shows it: without reference marks of its page
    (`组成[3]，`) that would read as docqa's own citations. Indexes built before ingest removed them
    still hold some."""
    return strip_reference_marks(e.text)


def answered_by(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The sentences the ranking answers with: the best, and the second where it is of the best's
    document and all but as good (`qa.policy.quotes_runner_up`). Neighbours read as one passage,
    in the document's order; two sentences apart stay best first (asked about pork, the pork
    figure leads, not the national one written above it)."""
    if len(evidence) > 1 and quotes_runner_up(evidence[0], evidence[1]):
        pair = [evidence[0], evidence[1]]
        return sorted(pair, key=lambda e: e.start) if neighbours(*pair) else pair
    return list(evidence[:1])


def quoted(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The evidence an extractive answer quotes: `answered_by`, or, where the best sentence is a
    fragment (under 25 characters), it and the second one for context."""
    if len(evidence) > 1 and len(evidence[0].text) < 25:
        return [evidence[0], evidence[1]]
    return answered_by(evidence)


class ExtractiveEngine(Engine):
    """No generative model: the best evidence sentence, quoted with its citation. For English
    questions the quote stays Chinese and its amounts are given in English figures."""

    name = "extractive"

    def stream(self, req: Request) -> Iterator[str]:
        if not req.evidence:
            yield NOT_FOUND
            return
        picked = quoted(req.evidence)
        if req.language == "zh":
            yield "".join(f"{plain(e)}[{e.n}]" for e in picked)
            return
        quotes = " ".join(f"“{plain(e)}” [{e.n}]" for e in picked)
        figures = [f for e in picked for f in english_figures(plain(e))]
        text = f"According to the documents: {quotes}"
        if figures:
            text += f" In English figures: {'; '.join(figures)}."
        yield text


SYSTEM = {
    "zh": (
        "你是严谨的文档问答助手。只根据下面编号的资料回答问题，不要使用资料以外的知识。"
        "从资料中原样复制能回答问题的最短片段（一个词、数字或短语；问原因或经过时复制那一小句），"
        "后面用方括号标注资料编号。不要写完整句子，不要解释。{refuse}\n"
        "示例：问题：甲公司2024年收入是多少？ 回答：1234.5万美元[1]\n"
        "示例：问题：谁创立了乙公司？ 回答：张三[2]"
    ),
    "zh-sentence": (
        "你是严谨的文档问答助手。只根据下面编号的资料回答问题，不要使用资料以外的知识。"
        "用中文回答，一到两句话，直接给出答案。每个事实后面用方括号标注资料编号。"
        "数字必须与资料完全一致。{refuse}\n"
        "示例：问题：甲公司2024年收入是多少？ 回答：甲公司2024年收入为1234.5万美元[1]。"
    ),
    "en": (
        "You answer questions using only the numbered passages below, never outside knowledge. "
        "Answer in English, in one or two sentences, giving the answer directly. After each fact put the "
        "passage number in square brackets. Copy numbers and amounts exactly as written.{refuse}\n"
        "Example: Question: What was Company A's 2024 revenue? Answer: Company A's 2024 revenue was "
        "US$12.345 million [1]."
    ),
}
# Chinese answers are the shortest span of the passages that answers (`short`, the default): on
# 30 dev questions (XQuAD zh, CMRC) the 1.5B model's span contained the gold 0.77 of the time,
# span F1 0.82, where its one-or-two-sentence answers scored span F1 about 0.3. `sentence`
# (DOCQA_ANSWER_STYLE) keeps the sentence answers. English answers are prose either way: a span
# would be the Chinese text's.


# Asked for only where the refusal would be honoured (`Request.refusable`). Where the policy would
# override it, a 1.5B model offered the way out took it for English questions docqa's checks had
# let through (24 of 132 on the held-out sample), and the translated source was shown instead.
REFUSE = {
    "zh": "如果资料中没有答案，只输出：NOT_FOUND",
    "en": " If the passages do not contain the answer, output only: NOT_FOUND",
}


def system_prompt(language: str, refusable: bool = True, style: str = "short") -> str:
    key = "zh-sentence" if language == "zh" and style == "sentence" else language
    return SYSTEM[key].format(refuse=REFUSE[language] if refusable else "")


def build_messages(req: Request, glossary: Glossary, style: str = "short") -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    lines = []
    for e in req.evidence[:MAX_PROMPT_SENTENCES]:
        if req.language == "en":
            # Amounts already in English figures, so a small model copies them instead of converting.
            line = f"[{e.n}] {to_english(plain(e))}"
            notes = glossary.notes_for(e.text)
            if notes:
                line += f" ({'; '.join(notes)})"
        else:
            line = f"[{e.n}] {plain(e)}"
        lines.append(line)
    label = "资料" if req.language == "zh" else "Passages"
    q_label = "问题" if req.language == "zh" else "Question"
    messages: list[BaseMessage] = [SystemMessage(system_prompt(req.language, req.refusable, style))]
    for turn in req.history[-2:]:
        messages += [HumanMessage(turn.question), AIMessage(turn.answer)]
    messages.append(
        HumanMessage(f"{label}:\n" + "\n".join(lines) + f"\n\n{q_label}: {req.question}")
    )
    return messages


REWRITE = {
    "zh": (
        "把对话中最后一个问题改写成不看对话也能懂的完整问题：把代词（它、他、该公司）和省略的部分换成"
        "对话里所指的具体名称、年份和指标。问题本身已经完整时原样输出。只输出改写后的问题，一行。\n"
        "示例：对话：问：智谱的估值是多少？ 最后的问题：那MiniMax呢？ 改写：MiniMax的估值是多少？"
    ),
    "en": (
        "Rewrite the last question of the conversation so that it can be understood without it: "
        "replace pronouns (it, its, they) and left-out parts with the names, years and measures "
        "they refer to. If the question is complete already, output it unchanged. Output only the "
        "rewritten question, on one line.\n"
        "Example: Conversation: Q: What was Zhipu's valuation? Last question: What about MiniMax? "
        "Rewritten: What was MiniMax's valuation?"
    ),
}


# The source's own words for an English answer (`ChatEngine.source_words`). Asked in Chinese, as
# what is copied is Chinese; held to the sentence by a grammar on the local engine (asked
# unconstrained, the 1.5B model mostly copied its own English: 33 of 81 copies were in the
# sentence). Where shown, they raised "contains the gold" from 61 to 70 of 121 answerable English
# test rows (54 -> 62 of 123 dev; benchmarks/README.md). A sentence over MAX_COPY_CHARS is not
# asked about, to bound the grammar (a rule per character) and the time it costs.
MAX_COPY_CHARS = 600
SOURCE_WORDS = (
    "下面的英文回答是根据中文资料写的。从资料中原样复制英文回答所给出的答案对应的最短中文片段"
    "（一个词、数字或短语）。只输出这个片段。"
)


# Asked for the source's form of each name a translation gives that docqa cannot pair by sound
# (Broncos for 野马队, Lunar for 月球): the text and its translation first, the name last, so that
# a local model reads the shared prompt once for all of a text's names.
SOURCE_NAMES = (
    "下面的英文是中文资料的译文。从资料中原样复制这个英文名称对应的中文词语。只输出这个词语。"
)


class ChatEngine(Engine):
    """Any LangChain chat model, prompted with the evidence sentences (compact on purpose)."""

    def source_names(self, names: Sequence[str], english: str, source: str) -> dict[str, str]:
        """Each of `names` (written in `english`, a translation of `source`) with the stretch of
        `source` the model gives as its form, copied as written (`Broncos` -> `野马队`); a name
        it copies nothing for is left out. Nothing for a source over `MAX_COPY_CHARS`."""
        from langchain_core.messages import HumanMessage, SystemMessage

        from qa.llm import copy_only

        if len(source) > MAX_COPY_CHARS:
            return {}
        out: dict[str, str] = {}
        for name in names:
            messages = [
                SystemMessage(SOURCE_NAMES),
                HumanMessage(
                    f"资料：{source}\n英文译文：{MARKER.sub('', english).strip()}"
                    f"\n英文名称：{name}\n对应的中文词语："
                ),
            ]
            reply = self.chat_model.invoke(
                messages, stop=["\n"], max_tokens=16, **copy_only(self.chat_model, source)
            )
            text = reply.content if isinstance(reply.content, str) else ""
            form = text.strip().strip("“”\"「」'‘’ 。，,.《》")
            if form and form in source:
                out[name] = form
        return out

    def source_words(self, question: str, answer: str, sentence: str) -> str | None:
        """The stretch of `sentence` (Chinese) that an English `answer` to `question` gives as its
        answer, copied as written (`客流量` for "...is passenger traffic"), or None where the model
        copies nothing of it (an OpenAI-compatible server is not held to the sentence), or the
        sentence is over `MAX_COPY_CHARS`."""
        from langchain_core.messages import HumanMessage, SystemMessage

        from qa.llm import copy_only

        if len(sentence) > MAX_COPY_CHARS:
            return None
        messages = [
            SystemMessage(SOURCE_WORDS),
            HumanMessage(
                f"资料：{sentence}\n问题：{question}\n英文回答：{MARKER.sub('', answer).strip()}"
                "\n对应的原文片段："
            ),
        ]
        reply = self.chat_model.invoke(
            messages, stop=["\n"], max_tokens=32, **copy_only(self.chat_model, sentence)
        )
        text = reply.content if isinstance(reply.content, str) else ""
        span = text.strip().strip("“”\"「」'‘’ 。，,.")
        return span if span and span in sentence else None

    def rewrite(
        self, question: str, history: Sequence[Turn], language: str | None = None
    ) -> str | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        from corpus.lang import detect_lang

        lang = answer_lang(language or detect_lang(question))
        q_label, a_label, last = (
            ("问", "答", "最后的问题") if lang == "zh" else ("Q", "A", "Last question")
        )
        turns = "\n".join(
            f"{q_label}: {t.question}\n{a_label}: {t.answer[:200]}" for t in history[-2:]
        )
        messages = [SystemMessage(REWRITE[lang]), HumanMessage(f"{turns}\n\n{last}: {question}")]
        reply = self.chat_model.invoke(messages, stop=["\n"])
        text = reply.content if isinstance(reply.content, str) else ""
        return re.sub(r"^(改写|Rewritten)\s*[:：]\s*", "", text.strip()) or None

    def __init__(
        self,
        name: str,
        chat_model: BaseChatModel,
        glossary: Glossary | None = None,
        style: str | None = None,
    ) -> None:
        self.name = name
        self.chat_model = chat_model
        self.glossary = glossary or load_glossary()
        self.style = style or current().answer_style

    def stream(self, req: Request) -> Iterator[str]:
        if not req.evidence:
            yield NOT_FOUND
            return
        # An English answer is not held to English script (`qa.llm.english_only`): a word the
        # model leaves half in Chinese (`cell毒性`) shows it did not know the English, and sends
        # the answer to the translated source, which is.
        for chunk in self.chat_model.stream(build_messages(req, self.glossary, self.style)):
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                yield text


# A model that refuses in its own words instead of NOT_FOUND ("资料中没有提供MiniMax的CEO年薪。[1]"):
# a refusal, whatever it cites.
_SAYS_NOT_FOUND = re.compile(
    r"^\W{0,3}(?:根据|在|从)?(?:所?提供的|现有的?|给定的|以上|上述)?(?:资料|文档|文章|文本|段落|材料|信息|内容|证据)中?"
    r"(?:并)?(?:没有|未|无|不)(?:能)?(?:提供|提到|提及|给出|说明|包含|涉及|找到|明确|记载|披露|相关)"
    r"|^\W{0,3}(?:无法|不能)(?:从|根据|在).{0,15}(?:回答|确定|得知|找到|得出)"
    r"|^\W{0,3}(?:根据|从)(?:所?提供的|现有的?|给定的|以上|上述)?(?:资料|文档|文章|文本|段落|材料|信息|内容)"
    r"[，,]?\s*(?:无法|不能|没有|未)(?:确定|回答|得知|找到|提供|提到|提及|给出)"
    r"|^\W{0,3}(?:the )?(?:provided |given )?(?:passages?|documents?|text|context|sources?|evidence)"
    r" (?:do(?:es)?n[o']t|do(?:es)? not|did not|didn't) (?:say|mention|provide|contain|state|specify|give|include)"
    r"|^\W{0,3}(?:I )?(?:cannot|can't|am unable to) (?:answer|determine|find|tell)"
    r"|^\W{0,3}there is no (?:information|mention)",
    re.I,
)


def says_not_found(text: str) -> bool:
    """The answer opens by saying the passages do not answer the question."""
    return bool(_SAYS_NOT_FOUND.search(text.strip()))


def postprocess(text: str, language: str, convert_numbers: bool = True) -> tuple[str, bool]:
    """Clean a generated answer; (text, refused). English answers get Chinese amounts converted.
    A refusal in the model's own words counts as NOT_FOUND: it cites nothing. So does an answer
    with no word in it (`[1]`, `。[1]`: a citation of nothing)."""
    text = text.strip()
    if (
        not re.search(r"\w", MARKER.sub("", text))
        or NOT_FOUND in text[:40]
        or text.upper().startswith(NOT_FOUND)
        or says_not_found(text)
    ):
        return REFUSAL[language], True
    text = text.replace(NOT_FOUND, "").strip()
    if language == "en" and convert_numbers:
        text = spaced_names(english_dates(to_english(text)))
    return text, False


def make_engine(name: str = "auto", model: str | None = None) -> tuple[Engine, list[str]]:
    """The engine a string names, and notes for the user (what `auto` chose and why). The
    extractive engine loads no LLM code (nor LangChain): a fresh `docqa ask` starts faster."""
    name = name or current().llm
    notes: list[str] = []
    if name == "auto":
        from qa.llm import local_model_installed

        try:
            import llama_cpp  # noqa: F401

            has_runtime = True
        except ImportError:
            has_runtime = False
        if (model or local_model_installed()) and has_runtime:
            name = "local"
            notes.append("engine auto: using the local model")
        else:
            name = "extractive"
            notes.append(
                "engine auto: no local model installed (docqa models fetch qwen2.5-coder-1.5b), using extractive"
            )
    if name == "extractive":
        return ExtractiveEngine(), notes
    from qa.llm import LLMError, make_chat_model

    if name in ("local", "openai"):
        return ChatEngine(name, make_chat_model(name, model)), notes
    raise LLMError(f"unknown engine '{name}'; use auto, extractive, local or openai")


__all__ = [
    "REFUSAL",
    "ChatEngine",
    "Engine",
    "ExtractiveEngine",
    "Request",
    "make_engine",
    "postprocess",
]
