"""Follow-up questions on public data: does a question that leans on the one before find the same
answer as when it is asked on its own?

Built from XQuAD (`dropped-cmrc`: from CMRC 2018): two consecutive questions about one paragraph (Q1, Q2) that share a name. Q2 is
rewritten to lean on Q1, and asked with Q1 as the history:

- `pronoun-zh`: the shared name in the Chinese Q2 becomes 它 (贾里德在……擒杀？ -> 它在……擒杀？);
- `pronoun-en`: the same in English (it / its);
- `switch`: Q1 asked in Chinese, the English Q2 with its pronoun (a change of language mid-chat);
- `dropped-zh`: the shared name is dropped from the Chinese Q2 (Chinese often leaves the subject
  out); the rules do not rewrite these (they look standalone), but the pipeline reads them with
  the previous subject where its passages say so (`qa.policy.reads_with_subject`);
- `dropped-lead`: those of `dropped-zh` whose name opened the question, so that what is left is
  still a sentence (翻译了什么？, 是哪一年去世的？); taking a name out of the middle of a question
  often leaves none (谁带领队擒杀？);
- `dropped-cmrc`: the same as `dropped-zh`, from consecutive CMRC 2018 questions about one
  paragraph (added 2026-12-07: about 550 rows a half, against XQuAD's 95);
- `after`: the reverse check, standalone questions that name no subject, asked after the question
  before them in the data: reading them with that question's subject must not cost accuracy, and
  how many are so read counts against "left unchanged";
- `adversarial`: the same pronoun rewrite of the benchmarks/adversarial.py edit of Q2 (the article
  is indexed but lacks the fact): these must be refused.

Reported per split (dev = even articles, test = odd): accuracy of the follow-ups beside the same
questions asked standalone, refusal of the unanswerable ones, and how many standalone questions the
rewrite step leaves unchanged (every XQuAD and CMRC question, with the question before it in the
data as the history). Uses benchmarks/answers_public.py's index and predictions.

    python benchmarks/followups.py [--embedder embeddinggemma-int8] [--engines extractive]
                                   [--limit N] [--json OUT]
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

from answers_public import (  # noqa: E402
    CACHE,
    QA,
    build_sets,
    cmrc_row,
    public_index,
    read_jsonl,
)

from qa.conversation import Turn, context_subject, standalone_question, subjects  # noqa: E402
from qa.evaluate import predict, score  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402

KINDS = (
    "pronoun-zh",
    "pronoun-en",
    "switch",
    "dropped-zh",
    "dropped-lead",
    "dropped-cmrc",
    "after",
)


def _shared_name(q1: str, q2: str) -> str | None:
    for name in subjects(q2):
        if name in q1:
            return name
    return None


_SUBJECT_BEFORE = re.compile(
    r"(?:^|\b(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could|when|where|why)\s+)$",
    re.I,
)


def _pronoun_zh(q1: str, q2: str, name: str) -> str:
    """The name, with up to two characters after it that both questions share (黑豹 -> 黑豹队),
    as 它."""
    at, end = q2.find(name), q2.find(name) + len(name)
    while end < len(q2) and end - at - len(name) < 2 and q2[at : end + 1] in q1 and q2[end] != "的":
        end += 1
    return q2[:at] + "它" + q2[end:]


def _pronoun_en(q: str, name: str) -> str | None:
    """The name (with its article) as it / its / they / them / their; None where the name runs on
    into a number or another capitalised word (`Super Bowl 50`: "when he played it 50" is no
    question a person asks)."""
    m = re.search(r"(?:\bthe\s+)?" + re.escape(name) + r"(?P<pos>'s|’s|['’](?=\s))?", q)
    if not m:
        return q
    if not m.group("pos") and re.match(r"\s*(?:\d|[A-Z])", q[m.end() :]):
        return None
    plural = name.endswith("s") and not name.endswith("ss")
    if m.group("pos"):
        word = "their" if plural else "its"
    elif _SUBJECT_BEFORE.search(q[: m.start()]):
        word = "they" if plural else "it"
    else:
        word = "them" if plural else "it"
    if m.start() == 0:
        word = word.capitalize()
    return q[: m.start()] + word + q[m.end() :]


def follow_up_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Follow-up rows (with `history`, `kind` and `standalone`: the id of the same question asked
    on its own) from consecutive XQuAD questions about one paragraph."""
    questions = read_jsonl(QA / "xquad_questions.jsonl")
    by_id = {r["id"]: r for r in rows}
    by_para: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        by_para[q["context_id"]].append(q)
    adversarial = defaultdict(list)
    for r in rows:
        if r["type"].startswith("adv-"):
            adversarial[r["id"].split("-", 2)[2]].append(r)
    out: list[dict[str, Any]] = []

    context = ""

    def add(
        kind: str, base: str, question: str, history: str, answerable: bool = True, name: str = ""
    ) -> None:
        row = by_id[base]
        out.append(
            {
                **row,
                "id": f"fu-{kind}-{base}",
                "question": question,
                "history": [{"question": history, "answer": ""}],
                "kind": kind,
                "standalone": base,
                "context": context,
                "name": name,
                "answerable": answerable,
                "type": f"fu-{kind}",
            }
        )

    for para in by_para.values():
        for q1, q2 in zip(para, para[1:], strict=False):
            context = q2["context_id"]
            zh, en = f"xq-zh-{q2['id']}", f"xq-en-{q2['id']}"
            if zh not in by_id or not by_id[zh]["answerable"]:
                continue
            name = _shared_name(q1["question_zh"], q2["question_zh"])
            if name:
                add(
                    "pronoun-zh",
                    zh,
                    _pronoun_zh(q1["question_zh"], q2["question_zh"], name),
                    q1["question_zh"],
                    name=name,
                )
                dropped = q2["question_zh"].replace(name, "", 1).lstrip("的，, ")
                add("dropped-zh", zh, dropped, q1["question_zh"], name=name)
                if q2["question_zh"].startswith(name):  # the subject left out whole
                    add("dropped-lead", zh, dropped, q1["question_zh"], name=name)
                for adv in adversarial.get(zh, []):
                    if name in adv["question"]:
                        add(
                            "adversarial",
                            adv["id"],
                            _pronoun_zh(q1["question_zh"], adv["question"], name),
                            q1["question_zh"],
                            answerable=False,
                        )
            name_en = _shared_name(q1["question_en"], q2["question_en"])
            leaning = _pronoun_en(q2["question_en"], name_en) if name_en else None
            if leaning:
                add("pronoun-en", en, leaning, q1["question_en"], name=name_en)
                add("switch", en, leaning, q1["question_zh"], name=name or "")
    return out


def cmrc_follow_up_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`dropped-cmrc` follow-ups: the shared name left out of the second of two consecutive CMRC
    2018 questions about one paragraph (every CMRC paragraph is indexed), and the standalone rows
    (the second question as written) they are compared with. Five times as many rows as XQuAD
    gives for a left-out subject, and from other articles."""
    by_para: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in read_jsonl(QA / "cmrc_questions.jsonl"):
        by_para[q["context_id"]].append(q)
    fus: list[dict[str, Any]] = []
    alone: list[dict[str, Any]] = []
    for para in by_para.values():
        for q1, q2 in zip(para, para[1:], strict=False):
            name = _shared_name(q1["question"], q2["question"])
            if not name or name[-1] in "·•":  # a name cut at its dot is no name left out
                continue
            dropped = q2["question"].replace(name, "", 1).lstrip("的，, ")
            if len(dropped) < 4:
                continue
            base = {**cmrc_row(q2), "evidence": [], "doc_id": None}
            alone.append(base)
            fus.append(
                {
                    **base,
                    "id": f"fu-dropped-cmrc-{q2['id']}",
                    "question": dropped,
                    "history": [{"question": q1["question"], "answer": ""}],
                    "kind": "dropped-cmrc",
                    "standalone": base["id"],
                    "context": q2["context_id"],
                    "name": name,
                    "type": "fu-dropped-cmrc",
                }
            )
    return fus, alone


def unchanged_rate(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Standalone questions (answerable XQuAD zh/en and CMRC) left as they are when the question
    before them in the data is the history."""
    out = {}
    for split in ("dev", "test"):
        qs = [
            r
            for r in rows
            if r["split"] == split and r["answerable"] and not r["type"].startswith("adv-")
        ]
        kept = 0
        for prev, r in zip(qs, qs[1:], strict=False):
            kept += (
                standalone_question(r["question"], [Turn(prev["question"], "")]) == r["question"]
            )
        out[split] = kept / max(1, len(qs) - 1)
        kept_pairs[split] = max(1, len(qs) - 1)
    return out


kept_pairs: dict[str, int] = {}  # how many standalone questions `unchanged_rate` asked, by split


def carried_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Standalone questions (as in `unchanged_rate`) that name no subject of their own, asked after
    the question before them in the data: the search also carries that question's subject
    (`qa.conversation.context_subject`). They must stay as accurate as when asked alone."""
    out = []
    for split in ("dev", "test"):
        qs = [
            r
            for r in rows
            if r["split"] == split and r["answerable"] and not r["type"].startswith("adv-")
        ]
        for prev, r in zip(qs, qs[1:], strict=False):
            history = [Turn(prev["question"], "")]
            if standalone_question(r["question"], history) != r["question"]:
                continue
            if context_subject(r["question"], history):
                out.append(
                    {
                        **r,
                        "id": f"fu-after-{r['id']}",
                        "history": [{"question": prev["question"], "answer": ""}],
                        "kind": "after",
                        "standalone": r["id"],
                        "name": "",
                        "type": "fu-after",
                    }
                )
    return out


def retrieval_table(
    pipe: QAPipeline, fus: list[dict[str, Any]], by_id: dict[str, dict[str, Any]], k: int = 5
) -> dict[str, Any]:
    """Gold paragraph in the top k for the follow-up as the engine makes it standalone (rules, or
    the engine's model with the rules as fallback) against the standalone question."""

    def hit(query: str, context: str) -> bool:
        return any(Path(h.path or "").stem == context for h in pipe.searcher.search(query, k))

    table: dict[str, Any] = {}
    for f in fus:
        if not f["answerable"]:
            continue
        history = [Turn(t["question"], t.get("answer", "")) for t in f["history"]]
        query = pipe.standalone(f["question"], history)
        key = f"{f['kind']}/{f['split']}"
        row = table.setdefault(
            key, {"n": 0, "follow_up": 0, "standalone": 0, "model": 0, "named": 0}
        )
        row["n"] += 1
        row["named"] += bool(f["name"]) and f["name"] in query  # the name left out is back
        row["follow_up"] += hit(query, f["context"])
        row["standalone"] += hit(by_id[f["standalone"]]["question"], f["context"])
        rules = standalone_question(f["question"], history)
        row["model"] += query != rules  # the model's rewrite was taken
    for row in table.values():
        for key in ("follow_up", "standalone", "model", "named"):
            row[key] = row[key] / row["n"]
    return table


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--embedder", default="embeddinggemma-int8")
    ap.add_argument("--engines", default="extractive")
    ap.add_argument("--cmrc", type=int, default=600)
    ap.add_argument("--limit", type=int, default=0, help="at most N follow-ups (a quick look)")
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--retrieval",
        action="store_true",
        help="only whether the rewritten follow-up finds its paragraph (top 5): fast, and for a "
        "generative engine the measure of its rewrites",
    )
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    paras, rows = build_sets(args.cmrc)
    fus = follow_up_rows(rows) + carried_rows(rows)
    cmrc_fus, cmrc_alone = cmrc_follow_up_rows()
    fus += cmrc_fus
    if args.limit:
        fus = fus[:: max(1, len(fus) // args.limit)][: args.limit]
    kept = unchanged_rate(rows)
    by_id = {r["id"]: r for r in rows}
    extra = {r["id"]: r for r in cmrc_alone if r["id"] not in by_id}  # not in the 600 sampled
    by_id.update(extra)
    idx = public_index(paras, args.embedder)
    out: dict[str, Any] = {"embedder": args.embedder, "unchanged": kept, "engines": {}}
    print(f"standalone questions left unchanged: dev {kept['dev']:.3f}, test {kept['test']:.3f}")
    for engine in args.engines.split(","):
        pipe = QAPipeline.from_index(idx, engine)
        name = pipe.engine.name
        if args.retrieval:
            rt = retrieval_table(pipe, fus, by_id)
            out["engines"][name] = {"retrieval": rt}
            print(f"\n{name} engine: gold paragraph in the top 5 ({args.embedder} index)")
            print(
                f"{'kind/split':18} {'n':>4} {'follow-up':>10} {'standalone':>10} {'model':>6} "
                f"{'named':>6}"
            )
            for key in sorted(rt):
                r = rt[key]
                print(
                    f"{key:18} {r['n']:4} {r['follow_up']:10.3f} {r['standalone']:10.3f} "
                    f"{r['model']:6.2f} {r['named']:6.2f}"
                )
            continue
        alone_ids = list(dict.fromkeys(f["standalone"] for f in fus))
        sampled = [by_id[i] for i in alone_ids if i not in extra]
        more = [by_id[i] for i in alone_ids if i in extra]
        alone = predict(pipe, sampled, CACHE / f"public-run-{args.embedder}-{name}")
        alone += predict(pipe, more, CACHE / f"followups-alone-{args.embedder}-{name}")
        alone_ids = [r["id"] for r in sampled + more]
        leaning = predict(pipe, fus, CACHE / f"followups-run-{args.embedder}-{name}")
        alone_items = {i["id"]: i for i in score([by_id[i] for i in alone_ids], alone)["per_item"]}
        items = score(fus, leaning)["per_item"]
        table: dict[str, Any] = {}
        print(f"\n{name} engine, {args.embedder} index")
        print(f"{'follow-up kind':14} {'split':5} {'n':>4} {'follow-up':>10} {'standalone':>10}")
        for kind in (*KINDS, "adversarial"):
            for split in ("dev", "test"):
                got = [
                    (i, f)
                    for i, f in zip(items, fus, strict=True)
                    if f["kind"] == kind and f["split"] == split
                ]
                if not got:
                    continue
                if kind == "adversarial":
                    fu = sum(i["refused"] for i, _ in got) / len(got)
                    base = sum(alone_items[f["standalone"]]["refused"] for _, f in got) / len(got)
                    label = "refused"
                else:
                    fu = sum(i["correct"] for i, _ in got) / len(got)
                    base = sum(alone_items[f["standalone"]]["correct"] for _, f in got) / len(got)
                    label = "correct"
                table[f"{kind}/{split}"] = {"n": len(got), "follow_up": fu, "standalone": base}
                print(f"{kind:14} {split:5} {len(got):4} {fu:10.3f} {base:10.3f}   ({label})")
                if kind == "after":  # read with the previous subject: not left as asked
                    read = sum(
                        p["query"] != f["question"]
                        for p, f in zip(leaning, fus, strict=True)
                        if f["kind"] == kind and f["split"] == split
                    )
                    table[f"{kind}/{split}"]["read_with_subject"] = read
                    pairs = kept_pairs[split]
                    table[f"{kind}/{split}"]["unchanged_with_reading"] = kept[split] - read / pairs
                    print(
                        f"{'':14} {split:5} {read:4} read with the previous subject: "
                        f"standalone questions left as asked {kept[split] - read / pairs:.3f}"
                    )
        out["engines"][name] = table
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
