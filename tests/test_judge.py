"""The answerability judge (qa.judge): the served numpy head is the trained torch head, the policy's
decisions on its probabilities, and, with the int8 EmbeddingGemma installed, same-topic questions a
page does not answer refused over real pages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.judge import JudgeHead
from qa.policy import POLICY, Policy

ROOT = Path(__file__).resolve().parents[1]


def _train_module():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("train_judge", ROOT / "benchmarks/train_judge.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_served_numpy_head_computes_what_the_trained_torch_head_does() -> None:
    torch = pytest.importorskip("torch")
    train = _train_module()
    torch.manual_seed(0)
    head = train.build_head(torch, dim=32, width=16, heads=4).eval()
    served = JudgeHead(train.export(head))
    rng = np.random.default_rng(0)
    for q_tokens, length in ((3, 9), (5, 20)):
        states = rng.normal(size=(length, 32)).astype(np.float32)
        x, seg, pad = train.batch(torch, [0], [states], [q_tokens])
        with torch.no_grad():
            logit, start, end = head(x, seg, pad)
        got, s2, e2 = served.forward(states, q_tokens)
        assert abs(float(logit[0]) - got) < 1e-4
        # span logits over the sentence tokens (after the question's, before the end mark)
        assert np.allclose(start[0, q_tokens : length - 1].numpy(), s2, atol=1e-4)
        assert np.allclose(end[0, q_tokens : length - 1].numpy(), e2, atol=1e-4)


def test_the_judge_refuses_below_its_threshold_and_orders_by_probability() -> None:
    policy = Policy(judge_refuse_below=0.3, judge_refuse_below_en=0.5)
    assert policy.judge_refusal("zh", ()) is None  # no judge: nothing to say
    assert policy.judge_refusal("zh", (0.2, 0.31)) is None
    why = policy.judge_refusal("en", (0.2, 0.31))
    assert why and "2 best retrieved sentences" in why and "31%" in why
    assert Policy(judge_reorders=True).judge_order((0.1, 0.9, 0.5)) == [1, 2, 0]
    assert Policy(judge_reorders=False).judge_order((0.1, 0.9)) == [0, 1]
    assert 0.0 < POLICY.judge_refuse_below < 1.0
    assert not POLICY.judge_replaces_refusal_model and not POLICY.judge_reorders


def _judge_model_installed() -> bool:
    from index.model_store import onnx_installed

    return onnx_installed("embeddinggemma-int8")


needs_model = pytest.mark.skipif(
    not _judge_model_installed(), reason="needs the int8 EmbeddingGemma (docqa models fetch)"
)


@pytest.fixture(scope="module")
def judged_pipeline(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import os

    from corpus.settings import Settings, use
    from qa.engines import ExtractiveEngine
    from qa.pipeline import QAPipeline
    from tests.test_trust import pages_searcher

    searcher = pages_searcher(tmp_path_factory.mktemp("judge"), "embeddinggemma-int8")
    assert QAPipeline(searcher, ExtractiveEngine()).judge is None  # off unless asked for
    use(Settings.from_env({**os.environ, "DOCQA_JUDGE": "on"}))
    try:
        pipe = QAPipeline(searcher, ExtractiveEngine())
    finally:
        use(None)
    assert pipe.judge is not None
    return pipe


@needs_model
def test_with_the_judge_on_pages_still_answer_what_they_say_and_it_reads_the_best_sentences(
    judged_pipeline,  # type: ignore[no-untyped-def]
) -> None:
    a = judged_pipeline.ask("青岛海湾大桥的主体工程造价是多少？")
    assert not a.refused and "90亿元" in a.text, (a.text, a.notes)
    assert "judge" in a.timings
    p = judged_pipeline.prepare_batch(["泸定地震的震源深度是多少？"])[0]
    assert len(p.judged) == 2 and all(0.0 <= x <= 1.0 for x in p.judged)
    # the sentence that answers is judged more likely to than the one after it
    assert "16公里" in p.request.evidence[0].text and p.judged[0] > p.judged[1]


@needs_model
def test_with_the_judge_on_a_same_topic_question_is_refused(judged_pipeline) -> None:  # type: ignore[no-untyped-def]
    a = judged_pipeline.ask("青岛海湾大桥每年的运营费用是多少？")
    assert a.refused and not a.citations
