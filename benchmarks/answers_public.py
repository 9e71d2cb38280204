"""Held-out answer quality on public data, through the same path as `docqa eval`.

- XQuAD: the same questions asked in Chinese (zh->zh) and in English (en->zh) over the Chinese
  paragraphs. A correct answer contains a gold answer after normalisation (Chinese or English gold
  for English questions; numbers by value).
- CMRC 2018 dev: a sample of `--cmrc` questions (every k-th), any of the annotators' answers.
- Unanswerable, SQuAD 2.0 style: the last paragraph of every XQuAD article is held out of the index
  and its questions are asked anyway; the article's other paragraphs stay indexed, so these are
  hard negatives. Reported: refusal recall on them, false refusals on answerable questions.
- Split by article: dev half = XQuAD articles 0, 2, 4... and CMRC contexts DEV_0, DEV_2...; test
  half = the odd ones. Tune on dev, report test.

The index (every paragraph but the held-out ones, as plain-text files through `index.ingest`) is
built once per embedder and cached under benchmarks/results/cache/; predictions are resumable.

    python benchmarks/answers_public.py [--embedder e5-small] [--engines extractive]
                                        [--cmrc 600] [--limit N] [--split dev|test]
                                        [--lang zh|en] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adversarial import adversarial_rows  # noqa: E402

from index.ingest import ingest  # noqa: E402
from index.store import index_exists, load_snapshot  # noqa: E402
from qa.engines import ChatEngine  # noqa: E402
from qa.evaluate import predict, score  # noqa: E402
from qa.pipeline import IN_THE_SOURCE, QAPipeline  # noqa: E402
from qa.scoring import matches_gold  # noqa: E402

QA = ROOT.parent / "shared" / "eval" / "qa"
CACHE = ROOT / "benchmarks" / "results" / "cache"
_HAN = re.compile(r"[\u4e00-\u9fff]")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def xquad_parts(pid: str) -> tuple[int, int]:
    """(article, paragraph) of an XQuAD paragraph id like xquad-zh-07-03."""
    _, _, a, p = pid.split("-")
    return int(a), int(p)


def cmrc_row(q: dict[str, Any]) -> dict[str, Any]:
    """A CMRC 2018 question as a row (dev: even paragraphs, test: odd)."""
    n = int(q["context_id"].split("_")[1])
    return {
        "id": f"cmrc-{q['id']}",
        "question": q["question"],
        "answers": list(dict.fromkeys(q["answers"] + q.get("answers_all", []))),
        "answerable": True,
        "lang": "zh",
        "type": "cmrc",
        "split": "dev" if n % 2 == 0 else "test",
    }


def build_sets(n_cmrc: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The paragraphs to index and the question rows (with split, set and answerable)."""
    xq_paras = read_jsonl(QA / "xquad_corpus.jsonl")
    last = {}
    for p in xq_paras:
        a, i = xquad_parts(p["id"])
        last[a] = max(last.get(a, -1), i)
    held = {p["id"] for p in xq_paras if xquad_parts(p["id"])[1] == last[xquad_parts(p["id"])[0]]}
    paras = [p for p in xq_paras if p["id"] not in held]
    paras += read_jsonl(QA / "cmrc_corpus.jsonl")
    rows: list[dict[str, Any]] = []
    for q in read_jsonl(QA / "xquad_questions.jsonl"):
        article = xquad_parts(q["context_id"])[0]
        split = "dev" if article % 2 == 0 else "test"
        answerable = q["context_id"] not in held
        rows.append(
            {
                "id": f"xq-zh-{q['id']}",
                "question": q["question_zh"],
                "answers": q["answers_zh"],
                "answerable": answerable,
                "lang": "zh",
                "type": "xquad-zh",
                "split": split,
            }
        )
        rows.append(
            {
                "id": f"xq-en-{q['id']}",
                "question": q["question_en"],
                "answers": list(dict.fromkeys(q["answers_zh"] + q["answers_en"])),
                "answerable": answerable,
                "lang": "en",
                "type": "xquad-en",
                "split": split,
            }
        )
    cmrc = read_jsonl(QA / "cmrc_questions.jsonl")
    cmrc_context = {f"cmrc-{q['id']}": q["context_id"] for q in cmrc}
    stride = max(1, len(cmrc) // n_cmrc) if n_cmrc else len(cmrc) + 1
    for q in cmrc[::stride][:n_cmrc]:
        rows.append(cmrc_row(q))
    for r in rows:
        r.setdefault("evidence", [])
        r.setdefault("doc_id", None)
    # adversarial unanswerables: the same questions edited so their (indexed) article lacks the fact
    article_text: dict[str, str] = {}
    for p in xq_paras:
        key = p["id"].rsplit("-", 1)[0]
        article_text[key] = article_text.get(key, "") + p["text"]
    cmrc_text = {p["id"]: p["text"] for p in read_jsonl(QA / "cmrc_corpus.jsonl")}
    by_question = {q["id"]: q for q in read_jsonl(QA / "xquad_questions.jsonl")}
    articles = {}
    for r in rows:
        if r["type"].startswith("xquad"):
            ctx = by_question[r["id"].split("-", 2)[2]]["context_id"]
            articles[r["id"]] = article_text[ctx.rsplit("-", 1)[0]]
        else:
            articles[r["id"]] = cmrc_text[cmrc_context[r["id"]]]
    rows += adversarial_rows(rows, articles)
    return paras, rows


def public_index(paras: list[dict[str, Any]], embedder: str) -> Path:
    """Every paragraph as a plain-text file, ingested once per embedder."""
    docs = CACHE / "public-docs"
    docs.mkdir(parents=True, exist_ok=True)
    for p in paras:
        f = docs / f"{p['id']}.txt"
        if not f.exists():
            f.write_text(p["text"].strip() + "\n", encoding="utf-8")
    idx = CACHE / f"public-index-{embedder}"
    if not index_exists(idx) or len(load_snapshot(idx).docs) < len(paras) * 0.95:
        print(f"indexing {len(paras)} paragraphs with {embedder} (once)...", file=sys.stderr)
        report = ingest([docs / f"{p['id']}.txt" for p in paras], idx, embedder)
        print(
            f"indexed: {report.documents_total} documents, {report.chunks_total} chunks, "
            f"{report.sentences_embedded} sentences, {report.seconds:.0f} s",
            file=sys.stderr,
        )
    return idx


def _rate(xs: Iterable[bool]) -> float | None:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


def _mean(xs: Iterable[float]) -> float | None:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


def measures(
    items: list[dict[str, Any]],
    rows: dict[str, dict[str, Any]],
    notes: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The issue's table for one engine and one split. `notes`: each answer's notes, to count the
    answers shown as the engine wrote them (not replaced by the source or its translation)."""
    notes = notes or {}
    answered = [i for i in items if not i["refused"]]

    def of(kind: str) -> list[dict[str, Any]]:
        return [i for i in items if rows[i["id"]]["type"] == kind]

    ans = [i for i in items if i["answerable"]]
    adversarial = [i for i in items if rows[i["id"]]["type"].startswith("adv-")]
    unans = [i for i in items if not i["answerable"] and i not in adversarial]
    en_answered = [i for i in of("xquad-en") if not i["refused"] and i["answer"]]

    def prose(i: dict[str, Any]) -> str:
        # an English answer's own text, without the source's words quoted after it
        return str(i["answer"]).split(IN_THE_SOURCE)[0]

    def in_english(i: dict[str, Any]) -> bool:
        return len(_HAN.findall(prose(i))) < 0.15 * max(1, len(prose(i)))

    shown = sum(i["citations"] for i in items)
    verified = sum(sum(1 for c in i["citation_list"] if c["verified"]) for i in items)
    return {
        "xquad_zh_accuracy": _rate(i["correct"] for i in of("xquad-zh") if i["answerable"]),
        "xquad_en_accuracy": _rate(i["correct"] for i in of("xquad-en") if i["answerable"]),
        # the "in English prose": a correct answer a reader of English can read (a
        # Chinese quote holding the Chinese gold counts above, not here; nor do the source's
        # words quoted after an English answer)
        "xquad_en_accuracy_in_english": _rate(
            i["correct"]
            and not i["refused"]
            and in_english(i)
            and matches_gold(prose(i), i["gold"])
            for i in of("xquad-en")
            if i["answerable"]
        ),
        "cmrc_accuracy": _rate(i["correct"] for i in of("cmrc")),
        "xquad_zh_span_f1": _mean(i["span_f1"] for i in of("xquad-zh") if i["answerable"]),
        "xquad_en_span_f1": _mean(i["span_f1"] for i in of("xquad-en") if i["answerable"]),
        "cmrc_span_f1": _mean(i["span_f1"] for i in of("cmrc")),
        "refusal_adversarial_zh": _rate(i["refused"] for i in adversarial if i["lang"] == "zh"),
        "refusal_adversarial_en": _rate(i["refused"] for i in adversarial if i["lang"] == "en"),
        **{
            f"refusal_adversarial_{kind}": _rate(
                i["refused"] for i in adversarial if rows[i["id"]]["edit"] == kind
            )
            for kind in ("period", "measure", "attribute")
        },
        "refusal_recall_heldout": _rate(i["refused"] for i in unans),
        "false_refusals": _rate(i["refused"] for i in ans),
        "refusal_recall_zh": _rate(i["refused"] for i in unans if i["lang"] == "zh"),
        "refusal_recall_en": _rate(i["refused"] for i in unans if i["lang"] == "en"),
        "false_refusals_zh": _rate(i["refused"] for i in ans if i["lang"] == "zh"),
        "false_refusals_en": _rate(i["refused"] for i in ans if i["lang"] == "en"),
        "english_answers_in_english": _rate(in_english(i) for i in en_answered),
        "citations_verified": verified / shown if shown else None,
        "shown_as_generated": _rate(
            not any("instead" in n or "showing" in n for n in notes.get(i["id"], []))
            for i in answered
        ),
        "questions": len(items),
        "unanswerable": len(unans),
        "adversarial": len(adversarial),
    }


GOALS = {
    "xquad_zh_accuracy": ">= 0.85",
    "xquad_en_accuracy": ">= 0.80",
    "xquad_en_accuracy_in_english": ">= 0.80 (LLM engines)",
    "cmrc_accuracy": ">= 0.85",
    "xquad_zh_span_f1": "report; local >= 0.70",
    "xquad_en_span_f1": "report",
    "cmrc_span_f1": "report; local >= 0.70",
    "refusal_adversarial_zh": ">= 0.80",
    "refusal_adversarial_en": ">= 0.75",
    "refusal_adversarial_period": "",
    "refusal_adversarial_measure": "",
    "refusal_adversarial_attribute": "",
    "refusal_recall_heldout": ">= 0.85",
    "false_refusals": "<= 0.08",
    "refusal_recall_zh": "",
    "refusal_recall_en": "",
    "false_refusals_zh": "",
    "false_refusals_en": "",
    "english_answers_in_english": ">= 0.95 (LLM engines)",
    "citations_verified": "1.00",
    "shown_as_generated": ">= 0.80 (LLM engines)",
}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--engines", default="extractive")
    ap.add_argument("--cmrc", type=int, default=600, help="CMRC questions in the sample")
    ap.add_argument("--limit", type=int, default=0, help="at most N questions (a quick look)")
    ap.add_argument("--split", choices=("dev", "test", "both"), default="both")
    # a --limit sample takes every k-th row, and XQuAD rows alternate zh / en: an even k samples
    # one language only (the 80-row local test sample held no English question), so ask for one
    ap.add_argument("--lang", choices=("zh", "en", "both"), default="both")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    paras, rows = build_sets(args.cmrc)
    if args.split != "both":
        rows = [r for r in rows if r["split"] == args.split]
    if args.lang != "both":
        rows = [r for r in rows if r["lang"] == args.lang]
    if args.limit:
        rows = rows[:: max(1, len(rows) // args.limit)][: args.limit]
    idx = public_index(paras, args.embedder)
    by_id = {r["id"]: r for r in rows}
    out: dict[str, Any] = {"embedder": args.embedder, "engines": {}}
    for engine in args.engines.split(","):
        pipe = QAPipeline.from_index(idx, engine)
        judged = "-judge" if pipe.judge is not None else ""  # the answerability judge on
        judged += "-model-judge" if pipe.model_judge is not None else ""  # qa.model_judge on
        # a generative engine's answer style (DOCQA_ANSWER_STYLE) changes its Chinese answers
        style = f"-{pipe.engine.style}" if isinstance(pipe.engine, ChatEngine) else ""
        run_dir = CACHE / f"public-run-{args.embedder}-{pipe.engine.name}{style}{judged}"
        preds = predict(pipe, rows, run_dir)
        items = score(rows, preds)["per_item"]
        notes = {p["id"]: p.get("notes", []) for p in preds}
        table = {
            split: measures([i for i in items if by_id[i["id"]]["split"] == split], by_id, notes)
            for split in ("dev", "test")
            if any(by_id[i["id"]]["split"] == split for i in items)
        }
        out["engines"][pipe.engine.name] = table
        print(
            f"\n{pipe.engine.name} engine, {args.embedder} index ({len(paras)} paragraphs indexed, "
            f"{len(rows)} questions)"
        )
        print(f"{'measure':30} {'dev':>7} {'test':>7}   goal")
        for key, goal in GOALS.items():
            cells = [table[s][key] if s in table else None for s in ("dev", "test")]
            shown = [f"{c:7.3f}" if c is not None else f"{'-':>7}" for c in cells]
            print(f"{key:30} {shown[0]} {shown[1]}   {goal}")
        print(
            f"{'questions (held-out+adversarial)':30} "
            + " ".join(
                f"{table[s]['questions']:>4} ({table[s]['unanswerable']}+{table[s]['adversarial']})"
                for s in ("dev", "test")
                if s in table
            )
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
