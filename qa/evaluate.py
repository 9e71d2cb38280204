"""Batch evaluation: question sets in, predictions and metrics out, through the same pipeline as
`docqa ask`. Resumable: predictions are appended one line per question and a rerun skips the ids
already there.

Question sets: JSONL or CSV with `question` and optional `id`, `answers`, `evidence`, `doc_id`,
`answerable`, `type`; or SQuAD-format JSON (XQuAD, CMRC 2018), read directly.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError
from corpus.lang import detect_lang
from corpus.segment import cut
from index.filters import Filters
from qa.conversation import Turn
from qa.pipeline import QAPipeline
from qa.scoring import judge, normalize


class QuestionSetError(DocqaError, ValueError):
    """A question set that cannot be read."""


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except json.JSONDecodeError:
            pass
    return [v.strip() for v in text.split("|") if v.strip()]


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("false", "0", "no", "n")


def _row(raw: dict[str, Any], n: int, where: str) -> dict[str, Any]:
    q = str(raw.get("question") or "").strip()
    if not q:
        raise QuestionSetError(f"{where}: question {n} has no 'question'")
    return {
        "id": str(raw.get("id") or f"q{n:05d}"),
        "question": q,
        "answers": _as_list(raw.get("answers")),
        "evidence": _as_list(raw.get("evidence")),
        "doc_id": raw.get("doc_id") or None,
        "answerable": _as_bool(raw.get("answerable", True)),
        "type": raw.get("type") or None,
        "lang": raw.get("lang") or detect_lang(q),
    }


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Rows with id, question, answers, evidence, doc_id, answerable, type, lang."""
    if not path.is_file():
        raise QuestionSetError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise QuestionSetError(f"{path}: the question set is empty")
    suffix = path.suffix.lower()
    rows: list[dict[str, Any]] = []
    if suffix == ".csv":
        for n, raw in enumerate(csv.DictReader(text.splitlines()), 1):
            rows.append(_row(raw, n, str(path)))
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{path}: not valid JSON ({exc})") from exc
        if not isinstance(data, dict) or "data" not in data:
            raise QuestionSetError(
                f"{path}: a .json question set must be SQuAD format (a 'data' list)"
            )
        n = 0
        for article in data["data"]:
            for para in article.get("paragraphs", []):
                for qa in para.get("qas", []):
                    n += 1
                    answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                    rows.append(
                        _row(
                            {
                                "id": qa.get("id"),
                                "question": qa.get("question"),
                                "answers": answers,
                                "evidence": [a for a in answers if a in para.get("context", "")][
                                    :1
                                ],
                                "answerable": not qa.get("is_impossible", False),
                            },
                            n,
                            str(path),
                        )
                    )
    elif suffix in (".jsonl", ".ndjson"):
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QuestionSetError(f"{path}: line {n} is not JSON ({exc.msg})") from exc
            rows.append(_row(raw, n, str(path)))
    else:
        raise QuestionSetError(
            f"{path}: unsupported question set format '{suffix}'; use .jsonl, .csv or SQuAD .json"
        )
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise QuestionSetError(f"{path}: question ids are not unique")
    return rows


def _tokens(text: str) -> list[str]:
    return [t for t in cut(normalize(text)) if t.strip()]


def _best_f1(answer: list[str], golds: Sequence[list[str]]) -> float:
    """The best F1 of the answer's units against any gold's."""
    best = 0.0
    for gt in golds:
        common = sum(min(answer.count(t), gt.count(t)) for t in set(gt))
        if common:
            p, r = common / len(answer), common / len(gt)
            best = max(best, 2 * p * r / (p + r))
    return best


def token_f1(answer: str, golds: Sequence[str]) -> float:
    """Best token F1 against any gold (jieba tokens, so it works for Chinese)."""
    return _best_f1(_tokens(answer), [_tokens(g) for g in golds])


_SPAN_UNITS = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+(?:\.\d+)?")
_LABEL = re.compile(r"\((?:translated from the sources?)\)|\[\d{1,2}\]")


def _span_units(text: str) -> list[str]:
    """SQuAD-style units: each Chinese character, each Latin word (lower-cased), each number."""
    return [u.lower() for u in _SPAN_UNITS.findall(_LABEL.sub(" ", text))]


def span_f1(answer: str, golds: Sequence[str]) -> float:
    """Answer-span F1 as SQuAD and CMRC score it: characters for Chinese, words for English
    (citation markers and the translation label left out); the best over the golds. A whole
    sentence that contains the gold scores low: the point of a span is to be short."""
    return _best_f1(_span_units(answer), [_span_units(g) for g in golds])


def gold_rank(hits: Sequence[dict[str, Any]], row: dict[str, Any]) -> int | None:
    """Rank of the first hit that holds the gold passage (by evidence text, else by doc id)."""
    for h in hits:
        if row["evidence"] and any(e in h["text"] for e in row["evidence"]):
            return int(h["rank"])
        if not row["evidence"] and row.get("doc_id") and h["doc_id"] == row["doc_id"]:
            return int(h["rank"])
    return None


def predict(
    pipeline: QAPipeline,
    rows: Sequence[dict[str, Any]],
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    filters: Filters | None = None,
) -> list[dict[str, Any]]:
    """Answer every row not already in out_dir/predictions.jsonl, appending as it goes. A row's
    own `filters` (the API's shape) replace the run's `filters` for that question."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "predictions.jsonl"
    done: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by an interruption is simply redone
            done[rec["id"]] = rec
    todo = [r for r in rows if r["id"] not in done]
    if path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        with path.open("a", encoding="utf-8") as f:
            f.write("\n")  # end the line an interruption cut, so the next record starts clean
    with path.open("a", encoding="utf-8") as f:
        for i, row in enumerate(todo):
            if progress:
                progress(len(done) + i, len(rows))
            # a row may carry the conversation before it: [{"question", "answer"}, ...]
            history = [Turn(t["question"], t.get("answer", "")) for t in row.get("history", [])]
            own = row.get("filters")
            answer = pipeline.ask(
                row["question"], history, Filters.from_json(own) if own else filters
            )
            rec = {"id": row["id"], **answer.to_json()}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            f.flush()
            done[row["id"]] = rec
    if progress:
        progress(len(rows), len(rows))
    return [done[r["id"]] for r in rows]


def _rate(xs: Iterable[bool]) -> float | None:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


def _pct(xs: Sequence[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def score(rows: Sequence[dict[str, Any]], preds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metrics overall and per language, plus a per-item record for reports and comparisons."""
    items = []
    for row, pred in zip(rows, preds, strict=True):
        v = judge(pred, row)
        rank = (
            gold_rank(pred["hits"], row)
            if row["answerable"] and (row["evidence"] or row.get("doc_id"))
            else None
        )
        cites = pred["citations"]
        answer_lang = detect_lang(pred["answer"].split("“")[0]) if pred["answer"] else row["lang"]
        items.append(
            {
                "id": row["id"],
                "question": row["question"],
                "lang": row["lang"],
                "type": row.get("type") or "-",
                "answerable": row["answerable"],
                "answer": pred["answer"],
                "gold": row["answers"],
                "refused": v["refused"],
                "correct": v["correct"],
                "f1": token_f1(pred["answer"], row["answers"])
                if row["answers"] and not v["refused"]
                else 0.0,
                # the concise answer when the engine gave one (`short`), else the whole text
                "span_f1": span_f1(pred.get("short") or pred["answer"], row["answers"])
                if row["answers"] and not v["refused"]
                else 0.0,
                "gold_rank": rank,
                "has_gold_passage": bool(row["evidence"] or row.get("doc_id")),
                "citations": len(cites),
                "citations_good": sum(
                    1
                    for c in cites
                    if c["verified"]
                    and (not row["evidence"] or any(e in c["quote"] for e in row["evidence"]))
                ),
                "cited_gold": v["cited_gold"],
                "language_match": (answer_lang == row["lang"]) or (row["lang"] == "mixed"),
                "latency": pred["timings"].get("total", 0.0),
                "citation_list": cites,
            }
        )
    return {
        "overall": _metrics(items),
        "by_language": {
            lang: _metrics([i for i in items if i["lang"] == lang])
            for lang in sorted({i["lang"] for i in items})
        },
        "per_item": items,
    }


def _metrics(items: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [i for i in items if i["answerable"]]
    ranked = [i for i in ans if i["has_gold_passage"]]
    refused = [i for i in items if i["refused"]]
    unans = [i for i in items if not i["answerable"]]
    cites = sum(i["citations"] for i in items)
    lat = [i["latency"] for i in items]
    return {
        "questions": len(items),
        "hit@1": _rate(i["gold_rank"] == 1 for i in ranked),
        "hit@5": _rate(i["gold_rank"] is not None and i["gold_rank"] <= 5 for i in ranked),
        "mrr": (sum(1 / i["gold_rank"] for i in ranked if i["gold_rank"]) / len(ranked))
        if ranked
        else None,
        "accuracy": _rate(i["correct"] for i in ans),
        "token_f1": statistics.mean(i["f1"] for i in ans) if ans else None,
        "span_f1": statistics.mean(i["span_f1"] for i in ans) if ans else None,
        "citation_precision": sum(i["citations_good"] for i in items) / cites if cites else None,
        "citation_recall": _rate(bool(i["cited_gold"]) for i in ans if i["cited_gold"] is not None),
        "refusal_precision": _rate(not i["answerable"] for i in refused),
        "refusal_recall": _rate(i["refused"] for i in unans),
        "language_match": _rate(i["language_match"] for i in items),
        "latency_p50": _pct(lat, 0.5),
        "latency_p95": _pct(lat, 0.95),
    }


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas (b - a) and the questions whose correctness flipped."""
    deltas = {}
    for k, va in a["overall"].items():
        vb = b["overall"].get(k)
        if isinstance(va, int | float) and isinstance(vb, int | float):
            deltas[k] = {"a": va, "b": vb, "delta": vb - va}
    ia = {i["id"]: i for i in a["per_item"]}
    flipped = [
        {
            "id": i["id"],
            "question": i["question"],
            "a": ia[i["id"]]["correct"],
            "b": i["correct"],
            "answer_a": ia[i["id"]]["answer"],
            "answer_b": i["answer"],
        }
        for i in b["per_item"]
        if i["id"] in ia and ia[i["id"]]["correct"] != i["correct"]
    ]
    return {"deltas": deltas, "flipped": flipped}
