"""The local model's own judgement of whether the evidence answers the question.

The local GGUF model (the one the local engine answers with, loaded once) reads the answering
prompt itself (its system prompt, the evidence sentences and the question), with a yes/no ask after
the question; the probability of "yes" against "no" in its first token is the judgement. Only the
prompt is evaluated, with no generation, and the context keeps it: the answer that follows shares
everything up to the question, so it reads a few tokens more, not its whole prompt again. A judged
question's first token comes about as soon as an unjudged one's. `Policy.model_refusal` decides.

Why a yes/no question and not the answering prompt's own NOT_FOUND: on 160 dev questions
(benchmarks/model_judge.py), the first-token probability of NOT_FOUND separated same-topic
unanswerable questions from answerable ones with AUC 0.91 (zh) / 0.83 (en); the yes/no share with
0.97 / 0.90. The trained judge (`qa.judge`) reached 0.84 on its calibration fold.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from qa.engines import ChatEngine, Engine, Request, build_messages
from qa.glossary import Glossary, load_glossary

ASK = {
    "zh": "资料是否明确给出了这个问题的答案？只回答“是”或“否”。",
    "en": "Do the passages state the answer to this question? Answer only Yes or No.",
}
YES = ("是", "Yes", "yes", "YES")
NO = ("否", "No", "no", "NO")


def judge_messages(req: Request, glossary: Glossary, style: str = "short") -> list[dict[str, str]]:
    """The yes/no prompt: the answering prompt itself (`build_messages`: its system prompt, its
    passages and the question, as the engine sends them), with the yes/no ask after the question.
    Everything up to the question is the answer's own prompt, so the answer that follows finds it
    evaluated already and reads only the few tokens after it."""
    from qa.llm import chat_dicts

    messages = chat_dicts(build_messages(req, glossary, style))
    messages[-1]["content"] += "\n\n" + ASK[req.language]
    return messages


class ModelJudge:
    """Yes/no answerability from a local GGUF model's first-token probabilities."""

    def __init__(
        self,
        model_path: str,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        glossary: Glossary | None = None,
        style: str = "short",
    ) -> None:
        self.model_path = model_path
        self.style = style  # the answering prompt's (`ChatEngine.style`), whose prefix is shared
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.glossary = glossary or load_glossary()
        self._ids: tuple[list[int], list[int]] | None = None

    def answerable_batch(self, requests: Sequence[Request]) -> list[float]:
        """For each request with evidence, the model's probability that its passages answer its
        question (yes / (yes + no) of the first token); 1.0 where there is no evidence to judge."""
        return [self._one(r) if r.evidence else 1.0 for r in requests]

    def _one(self, req: Request) -> float:
        from qa.llm import _LOCKS, _load_llama

        llm = _load_llama(self.model_path, self.n_ctx, self.n_threads)
        tokens = llm.tokenize(
            _chat_prompt(llm, judge_messages(req, self.glossary, self.style)).encode("utf-8"),
            add_bos=False,
            special=True,
        )
        with _LOCKS.setdefault(self.model_path, threading.Lock()):
            probs = _next_token_probs(llm, tokens)
        yes_ids, no_ids = self._answer_ids(llm)
        yes, no = float(probs[yes_ids].sum()), float(probs[no_ids].sum())
        return yes / (yes + no) if yes + no > 0 else 0.5

    def _answer_ids(self, llm: Any) -> tuple[list[int], list[int]]:
        """The first tokens of the yes and the no words (each a token of its own in Qwen2.5)."""
        if self._ids is None:

            def first(words: Sequence[str]) -> list[int]:
                ids = {
                    llm.tokenize(w.encode("utf-8"), add_bos=False, special=False)[0] for w in words
                }
                return sorted(ids)

            yes, no = first(YES), first(NO)
            self._ids = (yes, [i for i in no if i not in yes])
        return self._ids


def _chat_prompt(llm: Any, messages: list[dict[str, str]]) -> str:
    """The messages in the model's own chat template (as `create_chat_completion` formats them),
    ending where the assistant's answer begins; ChatML where the model has none."""
    template = llm.metadata.get("tokenizer.chat_template")
    if template:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        def token(i: int) -> str:
            return llm.detokenize([i], special=True).decode("utf-8", "replace") if i >= 0 else ""

        fmt = Jinja2ChatFormatter(template, token(llm.token_eos()), token(llm.token_bos()))
        return str(fmt(messages=cast(Any, messages)).prompt)
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"


def _next_token_probs(llm: Any, tokens: list[int]) -> np.ndarray:
    """The distribution of the token after `tokens`. Only what differs from what the model's
    context already holds is evaluated (the system prompt, from the previous answer), and the
    context keeps the whole prompt afterwards: the answer that follows shares all of it up to the
    question, so its own prompt costs a few tokens (about 250 fewer, some 2-3 s on 2 cores)."""
    import llama_cpp

    held = llm.input_ids[: llm.n_tokens]
    # at least two tokens are evaluated: llama.cpp multiplies a batch of one token by another
    # kernel, whose logits differ from a batched evaluation's (by 0.68 in a logit with the AVX2
    # build of 0.3.36), so the same prompt would be judged differently when all of it but its
    # last token was held
    keep = 0
    while keep < min(len(held), len(tokens) - 2) and held[keep] == tokens[keep]:
        keep += 1
    llm.n_tokens = keep
    llm.eval(tokens[keep:])
    logits = np.ctypeslib.as_array(
        llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)
    ).astype(np.float64)
    p = np.exp(logits - logits.max())
    return p / p.sum()


def model_judge_for(engine: Engine, setting: str | None = None) -> ModelJudge | None:
    """The judge for an engine. `auto` (DOCQA_MODEL_JUDGE's default): the local engine's own
    model, when it is the shipped Qwen2.5 model the policy's thresholds were chosen for. `on`: the
    local engine's model whatever it is, and for the other engines the local model (DOCQA_LOCAL_MODEL or the shipped one) where it
    is installed (the extractive engine then takes about 2 s more a question). `off`: none."""
    from corpus.settings import current

    setting = setting or current().model_judge
    if setting == "off" or (setting == "auto" and not isinstance(engine, ChatEngine)):
        return None  # qa.llm (and LangChain, about 1 s) stays unimported for an extractive answer
    from index.model_store import MODELS, QWEN_CODER
    from qa.llm import LlamaCppChat, local_model_installed, local_model_path

    if isinstance(engine, ChatEngine) and isinstance(engine.chat_model, LlamaCppChat):
        chat = engine.chat_model
        if setting == "on" or Path(chat.model_path).name == MODELS[QWEN_CODER].path.name:
            return ModelJudge(chat.model_path, chat.n_ctx, chat.n_threads, style=engine.style)
        return None
    if setting == "on" and local_model_installed():
        return ModelJudge(str(local_model_path()))
    return None
