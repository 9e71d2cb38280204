"""Wrong claims marked verified, and correct paraphrases that still pass: the citation check
(`qa.citations.check_claim`) on claims built from public QA data.

- **A true claim** is the question with its question word replaced by the gold answer
  (黑豹队的防守丢了多少分？ + 308 -> 黑豹队的防守丢了308分。): a paraphrase of the gold sentence,
  in the question's words, as a model writes an answer. It must pass against the gold sentence
  (with the context a citation gets: the 120 characters before it and the document's title).
- **Wrong claims** are edits of a true claim that its gold sentence no longer supports:
  - `number`: the answer's first number changed;
  - `unit`: a unit swapped for another of the same dimension, same number (公里 -> 海里);
  - `period`: a part of the year added to a year (2015年 -> 2015年上半年), or a year changed;
  - `polarity`: a direction turned over (增长 -> 下降, 死亡 -> 存活, 胜 -> 负);
  - `measure`: a measure swapped for a related one (人口 -> 面积, 出口 -> 进口);
  - `subject`: a person, place or organisation swapped for another of the same article that the
    gold sentence and its context do not name.
  A wrong claim marked verified is a failure.
- **What the engine saw.** Each claim is checked as the pipeline checks it: beside the sentences
  the question retrieves from the public index (`answers_public.py`'s, EmbeddingGemma int8), the
  evidence an engine is shown, so that a name only another of them writes is caught as another
  passage's subject. Retrieved once and cached (benchmarks/results/cache/claims-evidence-*.json);
  `--no-evidence` checks each claim against its own sentence alone.
- Data: XQuAD zh (gold sentence from the answer offset) and CMRC 2018 dev (where the answer occurs
  once in its paragraph). Split as `answers_public.py`: even XQuAD articles and CMRC contexts are
  dev, odd ones test.

    python benchmarks/claims.py [--json OUT] [--show KIND] [--no-evidence]

Chinese claims only: English claims against Chinese sources are checked through numbers, names
and the measure and polarity words above, which this script's edits do not build in English.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.sentences import split_sentences  # noqa: E402
from qa.citations import check_claim, implied_claim  # noqa: E402
from qa.numbers import with_unit  # noqa: E402
from qa.policy import span_problem  # noqa: E402
from qa.question import analyse  # noqa: E402
from qa.support import chinese_names, converted_numbers  # noqa: E402

QA = ROOT.parent / "shared" / "eval" / "qa"
CONTEXT_CHARS = 120

_UNIT_SWAPS = [
    ("平方公里", "平方英里"),
    ("平方米", "平方英尺"),
    ("公里", "海里"),
    ("千米", "英里"),
    ("海里", "公里"),
    ("英里", "公里"),
    ("公顷", "亩"),
    ("亩", "英亩"),
    ("英亩", "公顷"),
    ("厘米", "英寸"),
    ("英寸", "厘米"),
    ("英尺", "米"),
    ("米", "英尺"),
    ("公斤", "磅"),
    ("千克", "斤"),
    ("吨", "斤"),
]
_POLARITY_SWAPS = [
    ("增长", "下降"),
    ("增加", "减少"),
    ("上升", "下降"),
    ("提高", "降低"),
    ("扩大", "缩小"),
    ("下降", "增长"),
    ("减少", "增加"),
    ("死亡", "存活"),
    ("去世", "健在"),
    ("战胜", "输给"),
    ("击败", "输给"),
    ("获胜", "落败"),
    ("超过", "不到"),
    ("盈利", "亏损"),
]
_MEASURE_SWAPS = [
    ("人口", "面积"),
    ("面积", "人口"),
    ("出口", "进口"),
    ("进口", "出口"),
    ("营收", "净利润"),
    ("收入", "利润"),
    ("死亡", "受伤"),
    ("造价", "运营费用"),
    ("货物贸易", "服务贸易"),
    ("补贴", "托位"),
    ("毕业生", "招生"),
]
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"((?:1[5-9]|20)\d{2})年")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def gold_sentence(text: str, start: int) -> tuple[str, int] | None:
    for s in split_sentences(text):
        if s.start <= start < s.end:
            return s.text, s.start
    return None


def _swap(claim: str, pairs: list[tuple[str, str]]) -> str | None:
    for a, b in pairs:
        if a in claim:
            return claim.replace(a, b, 1)
    return None


def wrong_claims(claim: str, answer: str, article: str, context: str) -> dict[str, str]:
    """Edits of a true claim that its gold sentence (and context) no longer supports."""
    out: dict[str, str] = {}
    m = _NUMBER.search(answer)
    if m and m.group() in claim:
        n = m.group()
        changed = str(int(float(n)) + 7) if "." not in n else f"{float(n) * 2:g}"
        out["number"] = claim.replace(n, changed, 1)
    for a, b in _UNIT_SWAPS:  # a unit right after a number (米 of 约塞米蒂 is not one)
        u = re.search(r"\d\s*(?:万|亿|千)?\s*(" + a + ")", claim)
        if u:
            out["unit"] = claim[: u.start(1)] + b + claim[u.end(1) :]
            break
    y = _YEAR.search(claim)
    if y and "半年" not in claim and "季度" not in claim:
        out["period"] = claim[: y.end()] + "上半年" + claim[y.end() :]
    if p := _swap(claim, _POLARITY_SWAPS):
        out["polarity"] = p
    if (ms := _swap(claim, _MEASURE_SWAPS)) and not any(
        b in context for a, b in _MEASURE_SWAPS if a in claim
    ):
        out["measure"] = ms
    names = [n for n in chinese_names(claim) if n in context]
    if names:
        others = [o for o in chinese_names(article) if o not in context and len(o) >= 2]
        if others:
            out["subject"] = claim.replace(names[0], others[0], 1)
    return out


def build() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    paras = {p["id"]: p for p in read_jsonl(QA / "xquad_corpus.jsonl")}
    paras |= {p["id"]: p for p in read_jsonl(QA / "cmrc_corpus.jsonl")}
    articles: dict[str, str] = defaultdict(str)
    for pid, p in paras.items():
        articles[pid.rsplit("-", 1)[0] if pid.startswith("xquad") else pid] += p["text"]
    items = []
    for q in read_jsonl(QA / "xquad_questions.jsonl"):
        art = int(q["context_id"].split("-")[2])
        items.append(
            (
                q["context_id"],
                q["question_zh"],
                q["answers_zh"][0],
                q["answer_starts_zh"][0],
                "dev" if art % 2 == 0 else "test",
                q.get("title", ""),
            )
        )
    for q in read_jsonl(QA / "cmrc_questions.jsonl"):
        text = paras[q["context_id"]]["text"]
        a = q["answers"][0]
        if text.count(a) != 1:
            continue
        n = int(q["context_id"].split("_")[1])
        items.append(
            (
                q["context_id"],
                q["question"],
                a,
                text.index(a),
                "dev" if n % 2 == 0 else "test",
                q.get("title", ""),
            )
        )
    for pid, question, answer, start, split, title in items:
        text = paras[pid]["text"]
        got = gold_sentence(text, start)
        if not got:
            continue
        sentence, s0 = got
        context = f"{title}\n{text[max(0, s0 - CONTEXT_CHARS) : s0]}"
        article = articles[pid.rsplit("-", 1)[0] if pid.startswith("xquad") else pid]
        claim = implied_claim(question, answer)
        rows.append(
            {
                "split": split,
                "question": question,
                "kind": "paraphrase",
                "claim": claim,
                "source": sentence,
                "context": context,
                "ok": True,
            }
        )
        # a copied span: the gold answer itself, and another figure of the same sentence (the
        # wrong part of the right sentence, which a small model picks: 7.4% for the share of 19.3%)
        if _NUMBER.search(answer):
            base = {"split": split, "source": sentence, "context": context, "question": question}
            # as the pipeline shows a span: a bare figure with its unit from the sentence
            right = with_unit(answer, [sentence])
            rows.append(
                {
                    **base,
                    "kind": "span",
                    "span": right,
                    "claim": implied_claim(question, right),
                    "ok": True,
                }
            )
            others = (
                with_unit(m.group(), [sentence[m.start() :]])
                for m in _NUMBER.finditer(sentence)
                if m.group() not in answer
            )
            # not the same amount in another unit (953平方公里 for 368平方英里)
            other = next((f for f in others if not converted_numbers(f, right)), None)
            if other:
                rows.append(
                    {
                        **base,
                        "kind": "span-figure",
                        "span": other,
                        "claim": implied_claim(question, other),
                        "ok": False,
                    }
                )
        for kind, wrong in wrong_claims(claim, answer, article, context + sentence).items():
            rows.append(
                {
                    "split": split,
                    "question": question,
                    "kind": kind,
                    "claim": wrong,
                    "source": sentence,
                    "context": context,
                    "ok": False,
                }
            )
    return rows


EMBEDDER = "embeddinggemma-int8"


def shown_evidence(questions: list[str]) -> dict[str, list[str]]:
    """The evidence sentences an engine is shown for each question, through the pipeline over the
    public index (built by `answers_public.py`, once), cached."""
    cache = ROOT / "benchmarks" / "results" / "cache" / f"claims-evidence-{EMBEDDER}.json"
    seen: dict[str, list[str]] = (
        json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    )
    todo = [q for q in dict.fromkeys(questions) if q not in seen]
    if todo:
        from answers_public import build_sets, public_index

        from qa.pipeline import QAPipeline

        pipe = QAPipeline.from_index(public_index(build_sets(600)[0], EMBEDDER), "extractive")
        for i in range(0, len(todo), 64):
            batch = todo[i : i + 64]
            for q, p in zip(batch, pipe.prepare_batch(batch), strict=True):
                seen[q] = [e.text for e in p.request.evidence]
            print(f"evidence: {min(i + 64, len(todo))}/{len(todo)} questions", file=sys.stderr)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(seen, ensure_ascii=False), encoding="utf-8")
    return seen


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--json", type=Path)
    ap.add_argument("--show", help="print the claims of one kind that the check gets wrong")
    ap.add_argument(
        "--no-evidence",
        action="store_true",
        help="check each claim against its own sentence only, not beside the retrieved evidence",
    )
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    rows = build()
    shown = {} if args.no_evidence else shown_evidence([r["question"] for r in rows])
    table: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))

    def check(r: dict[str, Any]) -> list[str]:
        others = [e for e in shown.get(r["question"], []) if e != r["source"]]
        return check_claim(
            r["claim"], [r["source"]], context=r["context"], others=others, asked=r["question"]
        )

    for r in rows:
        verified = not check(r)
        if "span" in r:  # and what the pipeline adds for a span answer
            verified = (
                verified and span_problem(analyse(r["question"]), r["span"], r["source"]) is None
            )
        table[r["kind"]][r["split"]].append(verified)
        if args.show == r["kind"] and verified != r["ok"]:
            problems = check(r)
            print(f"{r['claim']}\n    <- {r['source']!r}\n    {problems}\n")
    print(f"{'claims':28} {'dev':>14} {'test':>14}")
    out: dict[str, Any] = {}
    for kind in (
        "paraphrase",
        "number",
        "unit",
        "period",
        "polarity",
        "measure",
        "subject",
        "span",
        "span-figure",
    ):
        cells = []
        for split in ("dev", "test"):
            xs = table[kind][split]
            rate = sum(xs) / len(xs) if xs else None
            out.setdefault(kind, {})[split] = {"verified": rate, "n": len(xs)}
            cells.append(f"{rate:.3f} ({len(xs)})" if rate is not None else "-")
        label = {
            "paraphrase": "correct paraphrases verified",
            "span": "right spans verified",
            "span-figure": "span, another figure: verified",
        }.get(kind, f"wrong {kind}: verified")
        print(f"{label:28} {cells[0]:>14} {cells[1]:>14}")
    wrong = {
        s: [v for k, t in table.items() if k not in ("paraphrase", "span") for v in t[s]]
        for s in ("dev", "test")
    }
    cells = [f"{sum(w) / len(w):.3f} ({len(w)})" for w in wrong.values()]
    print(f"{'all wrong claims: verified':28} {cells[0]:>14} {cells[1]:>14}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
