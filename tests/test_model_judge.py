"""The local model's yes/no answerability judgement (`qa.model_judge`): first-token probabilities
from a real GGUF model, which engines get it, and a refusal it decides through the whole pipeline.
SmolLM2 (tiny, in the test dependencies) for the plumbing; the shipped Qwen2.5 model, where it is
installed, for a same-topic question the demo documents do not answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.model_store import MODELS, QWEN_CODER
from index.search import HybridSearcher
from index.store import load_snapshot
from qa.engines import ChatEngine, ExtractiveEngine, Request, build_messages
from qa.glossary import load_glossary
from qa.llm import LlamaCppChat, _load_llama, chat_dicts
from qa.model_judge import ModelJudge, _chat_prompt, judge_messages, model_judge_for
from qa.pipeline import QAPipeline
from qa.policy import POLICY
from qa.records import Evidence

SENTENCE = "MiniMax 2025年全年总收入为7,900万美元，同比增长170%。"


def request(question: str, language: str = "zh", sentences: int = 1) -> Request:
    ev = tuple(
        Evidence(i + 1, "c1", "d1", "MiniMax", 0, len(SENTENCE), SENTENCE, 1.0, 1)
        for i in range(sentences)
    )
    return Request(question, language, ev)


def test_the_prompt_is_the_answering_prompt_with_the_yes_no_ask_after_the_question() -> None:
    req = request("MiniMax 2025年的总收入是多少？", sentences=4)
    messages = judge_messages(req, load_glossary())
    answer = build_messages(req, load_glossary())
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == answer[0].content  # the answer's own system prompt
    user = messages[1]["content"]
    assert user.startswith(str(answer[-1].content))  # its passages (all four) and question
    assert user.count(SENTENCE) == 4 and user.rstrip().endswith("只回答“是”或“否”。")
    en = judge_messages(request("What was MiniMax's 2025 revenue?", "en"), load_glossary())
    assert "Answer only Yes or No." in en[1]["content"]


def test_a_real_model_gives_a_probability_and_reuses_its_context(smollm_path: Path) -> None:
    judge = ModelJudge(str(smollm_path), n_ctx=2048)
    reqs = [
        request("MiniMax 2025年的总收入是多少？"),
        request("MiniMax 2025年的净利润是多少？"),
        Request("没有资料的问题？", "zh", ()),
    ]
    first = judge.answerable_batch(reqs)
    assert all(0.0 <= p <= 1.0 for p in first) and first[2] == 1.0
    # the same question again, after another: the same judgement (the shared prefix is reused,
    # the rest evaluated anew)
    again = judge.answerable_batch(reqs[:1])
    assert again[0] == pytest.approx(first[0], abs=1e-3)


def test_the_answer_after_the_judgement_reads_only_what_follows_the_question(
    smollm_path: Path,
) -> None:
    """The context keeps the judged prompt: the answering prompt that follows shares all of it up
    to the question, so only its last few tokens are evaluated, and the answer's next-token
    logits match a fresh evaluation of its whole prompt."""
    import llama_cpp

    judge = ModelJudge(str(smollm_path), n_ctx=2048)
    llm = _load_llama(judge.model_path, judge.n_ctx, judge.n_threads)
    req = request("MiniMax 2025年的净利润是多少？", sentences=3)
    messages = chat_dicts(build_messages(req, load_glossary()))
    answer = llm.tokenize(_chat_prompt(llm, messages).encode(), add_bos=False, special=True)

    def logits_after(tokens: list[int]) -> np.ndarray:
        llm.eval(tokens)
        return np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)
        ).copy()

    llm.reset()
    judge.answerable_batch([req])
    held = list(llm.input_ids[: llm.n_tokens])
    shared = next(i for i, (a, b) in enumerate(zip(held, answer, strict=False)) if a != b)
    assert len(answer) - shared <= 12  # the end of the question and the assistant's turn
    llm.n_tokens = shared
    after_judge = logits_after(answer[shared:])
    llm.reset()
    fresh = logits_after(answer)
    assert int(after_judge.argmax()) == int(fresh.argmax())
    # With flash attention, evaluating the last tokens on the kept context and the whole prompt
    # at once round differently: up to 0.6 in a logit here. A context that lost 8 of its tokens
    # moves them by 1.7-2.2.
    assert np.allclose(after_judge, fresh, atol=1.0)


def test_which_engines_are_judged(smollm_path: Path) -> None:
    smol = ChatEngine("local", LlamaCppChat(model_path=str(smollm_path)))
    # auto: only the shipped model, whose thresholds the policy holds
    assert model_judge_for(smol, "auto") is None
    assert isinstance(model_judge_for(smol, "on"), ModelJudge)
    assert model_judge_for(smol, "off") is None
    assert model_judge_for(ExtractiveEngine(), "auto") is None
    shipped = ChatEngine("local", LlamaCppChat(model_path=str(MODELS[QWEN_CODER].path)))
    assert isinstance(model_judge_for(shipped, "auto"), ModelJudge)


def test_a_no_from_the_model_refuses_with_its_reason(demo_index: Path, smollm_path: Path) -> None:
    """Through the whole pipeline: the rules let the question through, the model's judgement is
    below the policy's bar (set above any probability here), so docqa refuses and says why."""
    engine = ChatEngine("local", LlamaCppChat(model_path=str(smollm_path), max_tokens=24))
    pipe = QAPipeline(
        HybridSearcher(load_snapshot(demo_index)),
        engine,
        policy=replace(POLICY, model_judge_below=1.01, model_judge_overruled_at=1.01),
    )
    pipe.model_judge = ModelJudge(str(smollm_path), n_ctx=4096)
    answer = pipe.ask("MiniMax 2025年全年总收入是多少？")
    assert answer.refused and not answer.citations
    assert any("local model judges" in n for n in answer.notes)
    assert "judge" in answer.timings
    # with the policy's own bar nothing is refused that the rules let through, unless the model
    # says no: the decision is the policy's, from the same probability
    assert POLICY.model_refusal("zh", 0.99).action == "answer"
    assert POLICY.model_refusal("zh", 0.10).action == "refuse"
    # ... unless the best sentence states most of the question: there the model's no is overruled
    assert POLICY.model_refusal("zh", 0.10, coverage=0.9).action == "answer"
    assert POLICY.model_refusal("zh", 0.10, coverage=0.5).action == "refuse"


def test_the_model_is_not_asked_where_its_no_would_be_overruled(
    demo_index: Path, smollm_path: Path
) -> None:
    """Where the best sentence states most of the question, the model's "no" would not refuse,
    so its prompt is not read at all: the answer starts about 2 s sooner on 2 cores."""
    engine = ChatEngine("local", LlamaCppChat(model_path=str(smollm_path), max_tokens=24))
    pipe = QAPipeline(
        HybridSearcher(load_snapshot(demo_index)),
        engine,
        policy=replace(POLICY, model_judge_below=1.01),  # any judgement it gave would refuse
    )
    pipe.model_judge = ModelJudge(str(smollm_path), n_ctx=4096)
    p = pipe.prepare_batch(["MiniMax 2025年全年总收入是多少？"])[0]
    assert p.coverage >= POLICY.model_judge_overruled_at
    assert pipe._refuse_early(p) is None and "judge" not in p.timings
    assert POLICY.model_judgement_wanted(0.5) and not POLICY.model_judgement_wanted(0.9)


@pytest.mark.skipif(
    not MODELS[QWEN_CODER].path.is_file(), reason="the local model is not installed"
)
def test_the_shipped_model_refuses_a_same_topic_question_the_documents_do_not_answer(
    demo_index: Path,
) -> None:
    """The demo has MiniMax's revenue and losses, not its CEO's pay (a browser-seen miss)."""
    pipe = QAPipeline(HybridSearcher(load_snapshot(demo_index)), ExtractiveEngine())
    pipe.model_judge = model_judge_for(ExtractiveEngine(), "on")
    assert pipe.model_judge is not None
    assert pipe.ask("MiniMax的CEO年薪是多少？").refused
    assert not pipe.ask("MiniMax 2025年全年总收入是多少？").refused
