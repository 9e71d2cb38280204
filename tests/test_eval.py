"""docqa eval: question-set formats, resumable predictions, metrics, reports, comparison; and the
shipped dev set through the extractive engine as a regression guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ASK_JSON_KEYS

from index.search import HybridSearcher
from index.store import load_snapshot
from qa.engines import ExtractiveEngine
from qa.evaluate import QuestionSetError, load_questions, predict, score, token_f1
from qa.pipeline import QAPipeline
from qa.report import write_reports
from ui.cli import cli

DEV = Path(__file__).resolve().parents[1] / "qa" / "data" / "dev_questions.jsonl"


@pytest.fixture(scope="module")
def e5_index(demo_index: Path) -> Path:
    return demo_index  # the session's demo index (e5-small); read only here


def test_question_set_formats(tmp_path: Path) -> None:
    jl = tmp_path / "q.jsonl"
    jl.write_text(
        '{"question": "营收多少？", "answers": ["7903.8万美元"], "answerable": true}\n'
        '{"id": "u1", "question": "CEO年薪？", "answerable": false}\n',
        encoding="utf-8",
    )
    rows = load_questions(jl)
    assert [r["id"] for r in rows] == ["q00001", "u1"] and rows[1]["answerable"] is False
    cs = tmp_path / "q.csv"
    cs.write_text(
        "id,question,answers,answerable\na,What was revenue?,US$79.038 million|7903.8万美元,true\nb,CEO pay?,,false\n",
        encoding="utf-8",
    )
    rows = load_questions(cs)
    assert (
        rows[0]["answers"] == ["US$79.038 million", "7903.8万美元"]
        and rows[1]["answerable"] is False
    )
    sq = tmp_path / "squad.json"
    sq.write_text(
        json.dumps(
            {
                "data": [
                    {
                        "paragraphs": [
                            {
                                "context": "黑豹队的防守只丢了308分。",
                                "qas": [
                                    {
                                        "id": "x1",
                                        "question": "黑豹队丢了多少分？",
                                        "answers": [{"text": "308", "answer_start": 9}],
                                    }
                                ],
                            }
                        ]
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    rows = load_questions(sq)
    assert rows == [
        {
            "id": "x1",
            "question": "黑豹队丢了多少分？",
            "answers": ["308"],
            "evidence": ["308"],
            "doc_id": None,
            "answerable": True,
            "type": None,
            "lang": "zh",
        }
    ]


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("e.jsonl", "", "empty"),
        ("b.jsonl", "{not json\n", "line 1 is not JSON"),
        ("n.jsonl", '{"id": "a"}\n', "has no 'question'"),
        ("d.jsonl", '{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n', "not unique"),
        ("q.txt", "question\n", "unsupported question set format"),
        ("s.json", "[1, 2]", "SQuAD format"),
    ],
)
def test_bad_question_sets_are_clear_errors(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionSetError, match=message):
        load_questions(p)


def test_token_f1_uses_jieba_tokens() -> None:
    assert token_f1("闫俊杰", ["闫俊杰"]) == 1.0
    assert 0 < token_f1("创始人是闫俊杰", ["闫俊杰"]) < 1
    assert token_f1("商汤", ["闫俊杰"]) == 0.0


def test_predictions_resume_and_reports(tmp_path: Path, e5_index: Path) -> None:
    pipe = QAPipeline(HybridSearcher(load_snapshot(e5_index)), ExtractiveEngine())
    rows = load_questions(DEV)[:6]
    out = tmp_path / "run"
    predict(pipe, rows[:3], out)
    # an interrupted run: a half-written last line is redone, finished ones are kept
    with (out / "predictions.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "zh-04", "quest')
    calls = []
    preds = predict(pipe, rows, out, progress=lambda i, n: calls.append((i, n)))
    assert [p["id"] for p in preds] == [r["id"] for r in rows]
    assert calls[0] == (3, 6)  # started after the three finished predictions
    lines = [
        json.loads(x)
        for x in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
        if x.endswith("}")
    ]
    assert len({x["id"] for x in lines}) == 6
    assert set(preds[0]) >= {"id", *ASK_JSON_KEYS}
    result = score(rows, preds)
    assert result["overall"]["questions"] == 6 and result["overall"]["accuracy"] is not None
    rows[0]["question"] = "<script>alert(1)</script>" + rows[0]["question"]
    write_reports(score(rows, preds), out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script>" not in page
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# docqa evaluation")
    assert json.loads((out / "metrics.json").read_text())["overall"]["questions"] == 6


def test_dev_set_with_extractive_engine_and_compare(tmp_path: Path, e5_index: Path) -> None:
    runner = CliRunner()

    def run_eval(out: Path, *extra: str):  # type: ignore[no-untyped-def]
        args = ["eval", str(DEV), "--llm", "extractive", "--index", str(e5_index)]
        return runner.invoke(cli, [*args, "--out", str(out), *extra])

    res = run_eval(tmp_path / "a", "--json")
    assert res.exit_code == 0, res.output
    m = json.loads(res.stdout)
    zh, en = m["by_language"]["zh"], m["by_language"]["en"]
    assert zh["questions"] == 40 and en["questions"] == 35
    # Regression guards at the measured level (README): zh 0.857 with e5-small, citations all verified.
    assert zh["accuracy"] >= 0.8
    # English refusal trades recall for false refusals at the held-out calibration (qa/policy.py:
    # 8% false refusals on the XQuAD dev half); on the demo that refuses 2 of 5 English questions.
    assert zh["refusal_recall"] >= 0.8 and en["refusal_recall"] >= 0.4
    assert m["overall"]["language_match"] == 1.0 and m["overall"]["hit@5"] >= 0.9
    res2 = run_eval(tmp_path / "b", "--k", "3")
    assert res2.exit_code == 0 and "report.html" in res2.stdout
    cmp = runner.invoke(cli, ["eval", "--compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert cmp.exit_code == 0 and "| accuracy |" in cmp.stdout and "Flipped questions" in cmp.stdout


def test_span_f1_scores_characters_for_chinese_and_words_for_english() -> None:
    from qa.evaluate import span_f1

    assert span_f1("308[1]", ["308"]) == 1.0
    # a whole sentence holding the gold is not a concise answer
    assert span_f1("黑豹队的防守只丢了308分，在联赛中排名第六。[1]", ["308分"]) < 0.3
    assert span_f1("丹佛野马队", ["野马队"]) == pytest.approx(2 * 0.6 * 1 / 1.6)
    assert span_f1(
        "The Denver Broncos [1] (translated from the source)", ["Denver Broncos"]
    ) == pytest.approx(0.8)
    assert span_f1("", ["308"]) == 0.0
