"""The local model's yes/no answerability judgement (`qa.model_judge`), measured where it decides:
before the engine runs, beside every other refusal rule.

Questions from `answers_public.py`'s sets, a fixed sample per split, kind and language: answerable
XQuAD zh / en and CMRC questions (`ans`), same-topic unanswerable ones (`adv`, benchmarks/adversarial.py)
and held-out-paragraph ones (`held`). Each goes through retrieval, evidence and the early refusal
rules (extractive pipeline, EmbeddingGemma int8); a question those rules let through is judged by
the local model. Cached per question under benchmarks/results/cache/; the table sweeps the
threshold and marks the policy's. A "no" where the best sentence covers at least
`Policy.model_judge_overruled_at` of the question does not refuse; the last row shows the
policy's bar without that.

    python benchmarks/model_judge.py --split dev [--n 80] [--json out.json]
    python benchmarks/model_judge.py --split test
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answers_public import CACHE, QA, build_sets, public_index  # noqa: E402

from qa.llm import local_model_installed, local_model_path  # noqa: E402
from qa.model_judge import ModelJudge  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402
from qa.policy import POLICY  # noqa: E402

EMBEDDER = "embeddinggemma-int8"


def kind_of(r: dict[str, Any]) -> str:
    if r["type"].startswith("adv-"):
        return "adv"
    return "ans" if r["answerable"] else "held"


def sample(rows: list[dict[str, Any]], split: str, n: int) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r["split"] == split:
            groups.setdefault((kind_of(r), r["lang"]), []).append(r)
    rng = random.Random(0)
    out = []
    for key, g in sorted(groups.items()):
        rng.shuffle(g)
        out += g[: n if key[0] != "held" else n // 2]
    return out


def run(split: str, n: int) -> list[dict[str, Any]]:
    path = CACHE / f"model-judge-{split}.jsonl"
    done = {}
    if path.exists():
        done = {json.loads(line)["id"]: json.loads(line) for line in path.open(encoding="utf-8")}
    paras, rows = build_sets(600)
    todo = [r for r in sample(rows, split, n) if r["id"] not in done]
    if todo:
        pipe = QAPipeline.from_index(public_index(paras, EMBEDDER), "extractive")
        pipe.model_judge = None  # the rules alone first; the model only where they answer
        judge = ModelJudge(str(local_model_path()))
        with path.open("a", encoding="utf-8") as f:
            for i, r in enumerate(todo):
                p = pipe.prepare_batch([r["question"]])[0]
                early = pipe._refuse_early(p)
                rec: dict[str, Any] = {
                    "id": r["id"],
                    "kind": kind_of(r),
                    "lang": r["lang"],
                    "early": early,
                    "yes": None,
                    "coverage": p.coverage,
                }
                if not early:
                    t = time.perf_counter()
                    rec["yes"] = judge.answerable_batch([p.request])[0]
                    rec["seconds"] = time.perf_counter() - t
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                f.flush()
                done[r["id"]] = rec
                print(f"\r{i + 1}/{len(todo)}", end="", file=sys.stderr)
        print(file=sys.stderr)
    wanted = {r["id"] for r in sample(rows, split, n)}
    old = [rec for rec in done.values() if "coverage" not in rec]
    if old:  # cached before the best sentence's coverage was kept: the rules alone give it again
        pipe = QAPipeline.from_index(public_index(paras, EMBEDDER), "extractive")
        by = {r["id"]: r for r in rows}
        for rec in old:
            rec["coverage"] = pipe.prepare_batch([by[rec["id"]]["question"]])[0].coverage
        with path.open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in done.values())
    return [rec for key, rec in done.items() if key in wanted]


def refused(rec: dict[str, Any], below: float | None, overrule: bool = True) -> bool:
    """Refused by the rules, or by the model below `below` where the best sentence covers less of
    the question than the policy lets the model overrule (`Policy.model_judge_overruled_at`)."""
    covered = overrule and rec["coverage"] >= POLICY.model_judge_overruled_at
    return bool(rec["early"]) or (
        below is not None and rec["yes"] is not None and rec["yes"] < below and not covered
    )


def auc(pos: list[float], neg: list[float]) -> float | None:
    if not pos or not neg:
        return None
    return sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--n", type=int, default=80, help="questions per kind and language")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    if not local_model_installed():
        print("the local model is not installed: docqa models fetch", file=sys.stderr)
        return 2
    recs = run(args.split, args.n)
    out: dict[str, Any] = {"split": args.split}
    for lang in ("zh", "en"):
        mine = [r for r in recs if r["lang"] == lang]
        policy = POLICY.model_judge_below_en if lang == "en" else POLICY.model_judge_below
        by = {k: [r for r in mine if r["kind"] == k] for k in ("ans", "adv", "held")}
        judged = {k: [r["yes"] for r in v if r["yes"] is not None] for k, v in by.items()}
        a = auc(judged["ans"], judged["adv"])
        print(
            f"{lang}: questions ans {len(by['ans'])} / adv {len(by['adv'])} / held {len(by['held'])}; "
            f"judged by the model {len(judged['ans'])} / {len(judged['adv'])} / {len(judged['held'])}; "
            f"AUC answerable vs same-topic {a:.3f}"
            if a is not None
            else ""
        )
        print(f"  {'refuse below':>14} {'answerable':>11} {'same-topic':>11} {'held-out':>9}")
        rows_out = {}
        grid = sorted({0.5, 0.6, 0.7, 0.75, 0.78, 0.8, 0.85, 0.9, policy})
        for below in (None, *grid):
            rates = {
                k: sum(refused(r, below) for r in v) / len(v) if v else float("nan")
                for k, v in by.items()
            }
            label = "rules only" if below is None else f"{below:.2f}"
            mark = " <- policy" if below == policy else ""
            rows_out[label] = rates
            print(
                f"  {label:>14} {rates['ans']:>11.3f} {rates['adv']:>11.3f} {rates['held']:>9.3f}{mark}"
            )
        alone = {
            k: sum(refused(r, policy, overrule=False) for r in v) / len(v) if v else float("nan")
            for k, v in by.items()
        }
        print(
            f"  {'(no coverage)':>14} {alone['ans']:>11.3f} {alone['adv']:>11.3f} "
            f"{alone['held']:>9.3f} <- policy's bar, the model's no never overruled"
        )
        rows_out["policy, never overruled"] = alone
        out[lang] = {"auc": a, "policy": policy, "refused": rows_out}
    secs = sorted(r["seconds"] for r in recs if r.get("seconds"))
    if secs:
        print(
            f"model judgement: p50 {secs[len(secs) // 2]:.2f} s, p95 {secs[int(len(secs) * 0.95)]:.2f} s"
        )
        out["seconds_p50"] = secs[len(secs) // 2]
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
