"""Calibrate the answer policy (qa/policy.py) on the dev half of the public held-out sets, and show
what it gives on the test half.

1. Every question of benchmarks/answers_public.py (XQuAD zh->zh and en->zh, CMRC sample, held-out
   paragraphs' questions as hard negatives) goes through retrieval and evidence selection with the
   current policy; the features of each question and of each candidate sentence are cached.
2. Evidence ranking: a grid over the rank-score weights, scored by how often the top sentence
   holds a gold answer on the dev half.
3. Refusal: a logistic model per question language (coverage, standardised similarity, share and
   count of terms no passage mentions), fitted on the dev half with both classes weighted equally;
   the threshold is the highest that keeps dev false refusals within the goal (8%).
4. Prints dev and test figures and the `Policy(...)` values to paste.

    python benchmarks/calibrate_policy.py [--embedder e5-small] [--refresh]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answers_public import CACHE, QA, build_sets, public_index  # noqa: E402

from qa import units  # noqa: E402
from qa.engines import ExtractiveEngine  # noqa: E402
from qa.evidence import _HAS_DATE  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402
from qa.policy import POLICY, RefusalModel, Support, metric_mismatch  # noqa: E402
from qa.scoring import matches_gold  # noqa: E402

FALSE_REFUSAL_GOAL = 0.08


def dump(embedder: str, path: Path) -> list[dict[str, Any]]:
    paras, rows = build_sets(600)
    pipe = QAPipeline.from_index(public_index(paras, embedder), "extractive")
    out = []
    with path.open("w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            p = pipe.prepare_batch([r["question"]])[0]
            early = pipe._refuse_early(p)
            s = p.support
            rec: dict[str, Any] = {
                "id": r["id"],
                "split": r["split"],
                "type": r["type"],
                "lang": p.language,
                "answerable": r["answerable"],
                "why": early,
                "support": [
                    s.coverage,
                    s.similarity,
                    s.concepts,
                    s.absent,
                    s.absent_names,
                    s.focus_absent,
                ],
                "gold_top": bool(p.request.evidence)
                and matches_gold(ExtractiveEngine().answer(p.request), r["answers"]),
                "rule": _rule(pipe, p),
            }
            # candidates for the ranking grid (the top 40 by the current score are plenty)
            cands = p.selection.candidates
            rec["cands"] = [
                [
                    round(c.coverage, 4),
                    round(c.similarity, 5) if c.similarity is not None else None,
                    c.hit.rank,
                    bool(p.info.wants_number and units.states_amount(c.sentence.text)),
                    bool(p.info.wants_date and _HAS_DATE.search(c.sentence.text)),
                    metric_mismatch(p.info, c.sentence.text),
                    c.adjusted,
                    matches_gold(c.sentence.text, r["answers"]),
                    c.off_subject,
                ]
                for c in cands[:40]
            ]
            rec["question"] = r["question"]
            rec["texts"] = [c.sentence.text for c in cands[:40]]  # for trying new features
            rec["crosses"] = p.info.crosses
            rec["curated"] = any(c.curated for c in p.info.concepts)
            rec["wants_adjusted"] = p.info.wants_adjusted
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.append(rec)
            if i % 250 == 0:
                print(f"{i}/{len(rows)} questions", file=sys.stderr, flush=True)
    return out


def _rule(pipe: QAPipeline, p: Any) -> str | None:
    """Which non-statistical rule would refuse (years, glossary names, metric, part-year)."""
    from dataclasses import replace

    neutral = replace(p, support=Support(1.0, 5.0, 1, 0, 0))
    return pipe._refuse_early(neutral)


def top_gold(
    recs: list[dict[str, Any]],
    same: float,
    cross: float,
    curated: float,
    prior: float,
    number: float,
    date: float,
    metric: float,
    subject: float,
) -> float:
    hits = 0
    for r in recs:
        cands = r["cands"]
        if not cands:
            continue
        sims = [c[1] for c in cands if c[1] is not None]
        lo, hi = (min(sims), max(sims)) if sims else (0.0, 0.0)
        share = (curated if r["curated"] else cross) if r["crosses"] else same
        best, best_gold = -1e9, False
        for cov, sim, rank, num, dat, mis, adj, gold, off in cands:
            if adj and not r["wants_adjusted"]:
                continue
            d = (sim - lo) / (hi - lo) if sim is not None and hi > lo else 0.0
            s = (1 - share) * cov + share * d + number * num + date * dat - metric * mis
            s -= subject * off
            s += prior / rank
            if s > best:
                best, best_gold = s, gold
        hits += best_gold
    return hits / max(1, len(recs))


def support(r: dict[str, Any]) -> Support:
    """The question's support features; the similarity is the top-ranked sentence's (the first
    candidate that is not an adjusted figure, unless one was asked for)."""
    cov, _, concepts, absent, names = r["support"][:5]
    focus = r["support"][5] if len(r["support"]) > 5 else 0
    sims = [c[1] for c in r["cands"] if r["wants_adjusted"] or not c[6]] or [None]
    return Support(cov, sims[0], concepts, absent, names, focus)


def fit_refusal(recs: list[dict[str, Any]], dense: bool) -> RefusalModel:
    """Equal-weight logistic regression on the support features (numpy, gradient descent). The
    threshold is the highest that keeps false refusals on these (dev) questions within the goal:
    a wrong refusal hides an answer the documents hold, while a weak answer still shows its
    cited source."""

    def feats(r: dict[str, Any]) -> list[float]:
        s = support(r)
        sim = (s.similarity or 0.0) if dense else 0.0
        return [s.coverage, sim, s.absent_share, min(s.absent, 4), min(s.focus_absent, 2)]

    x = np.array([feats(r) for r in recs], dtype=float)
    y = np.array([r["answerable"] for r in recs], dtype=float)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.c_[(x - mu) / sd, np.ones(len(x))]
    cw = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(z.shape[1])
    for _ in range(4000):
        p = 1 / (1 + np.exp(-z @ w))
        w -= 0.5 * (z.T @ ((p - y) * cw) / len(y) + 1e-3 * w)
    raw = w[:-1] / sd
    if not dense:
        raw[1] = 0.0
    bias = w[-1] - float((w[:-1] * mu / sd).sum())
    c, sim, share, absent, focus = (float(v) for v in raw)
    model = RefusalModel(float(bias), c, sim, share, absent, 0.5, focus)
    probs = np.array([model.probability(support(r)) for r in recs])
    th = float(np.quantile(probs[y == 1], FALSE_REFUSAL_GOAL))
    return RefusalModel(*(round(v, 4) for v in (float(bias), c, sim, share, absent, th, focus)))


def figures(recs: list[dict[str, Any]], refuse: Any) -> dict[str, float]:
    ans = [r for r in recs if r["answerable"]]
    un = [r for r in recs if not r["answerable"]]
    out = {
        "refusal_recall": sum(map(refuse, un)) / max(1, len(un)),
        "false_refusals": sum(map(refuse, ans)) / max(1, len(ans)),
    }
    adv = [r for r in un if r["type"].startswith("adv-")]
    held = [r for r in un if not r["type"].startswith("adv-")]
    out["adversarial"] = sum(map(refuse, adv)) / max(1, len(adv))
    out["held_out"] = sum(map(refuse, held)) / max(1, len(held))
    for lang in ("zh", "en"):
        a = [r for r in ans if (r["lang"] == "en") == (lang == "en")]
        u = [r for r in un if (r["lang"] == "en") == (lang == "en")]
        out[f"rr-{lang}"] = sum(map(refuse, u)) / max(1, len(u))
        out[f"fr-{lang}"] = sum(map(refuse, a)) / max(1, len(a))
    for t in ("xquad-zh", "xquad-en", "cmrc"):
        a = [r for r in ans if r["type"] == t]
        out[t] = sum(1 for r in a if not refuse(r) and r["gold_top"]) / max(1, len(a))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--refresh", action="store_true", help="recompute the cached features")
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    path = CACHE / f"policy-features-{args.embedder}.jsonl"
    if path.exists() and not args.refresh:
        recs = [json.loads(line) for line in path.open(encoding="utf-8")]
    else:
        recs = dump(args.embedder, path)
    dev = [r for r in recs if r["split"] == "dev"]
    test = [r for r in recs if r["split"] == "test"]

    pol = POLICY
    w = pol.weights(args.embedder)
    now = (
        w.dense_same,
        w.dense_cross,
        w.dense_cross_curated,
        w.rank_prior,
        pol.number_fit,
        pol.date_fit,
        pol.metric_penalty,
        pol.subject_penalty,
    )
    answerable_dev = [r for r in dev if r["answerable"]]
    print(
        f"ranking, top sentence holds the gold (dev): current {top_gold(answerable_dev, *now):.3f}"
    )
    grid = itertools.product(
        (0.1, 0.2, 0.4),  # dense share, same language
        (0.5, 0.6, 0.8),  # dense share, across languages
        (0.4,),  # ... with curated translations
        (0.05, 0.1, 0.2),  # rank prior
        (0.0, 0.15),  # amount fit
        (0.0, 0.15),  # date fit
        (0.0, 0.2),  # metric penalty
        (0.0, 0.15, 0.3, 0.5),  # subject penalty
    )
    best = max(grid, key=lambda g: top_gold(answerable_dev, *g))
    answerable_test = [r for r in test if r["answerable"]]
    print(
        f"best on dev {best}: dev {top_gold(answerable_dev, *best):.3f}, "
        f"test {top_gold(answerable_test, *best):.3f} (current on test "
        f"{top_gold(answerable_test, *now):.3f})"
    )

    models = {}
    for lang in ("zh", "en"):
        rs = [r for r in dev if (r["lang"] == "en") == (lang == "en") and r["support"][2]]
        models[f"{args.embedder}/{lang}"] = fit_refusal(rs, dense=True)
        models[f"*/{lang}"] = fit_refusal(rs, dense=False)

    def refuse_with(key: str) -> Any:
        def refuse(r: dict[str, Any]) -> bool:
            if r["rule"]:
                return True
            m = models[key.replace("LANG", "en" if r["lang"] == "en" else "zh")]
            return m.probability(support(r)) < m.threshold

        return refuse

    def current(r: dict[str, Any]) -> bool:
        return r["why"] is not None

    print(
        f"\n{'':28}{'refusal recall':>15}{'false refusals':>15}{'zh RR/FR':>12}{'en RR/FR':>12}"
        f"{'xq-zh':>8}{'xq-en':>8}{'cmrc':>8}{'held-out':>9}{'advers.':>8}"
    )
    runs = (
        ("policy as running", current),
        ("refitted", refuse_with(f"{args.embedder}/LANG")),
        ("refitted, lexical only", refuse_with("*/LANG")),
    )
    for name, rule in runs:
        for split, rs in (("dev", dev), ("test", test)):
            f = figures(rs, rule)
            print(
                f"{name + ' / ' + split:34}{f['refusal_recall']:15.3f}{f['false_refusals']:15.3f}"
                f"{f['rr-zh']:6.2f}/{f['fr-zh']:.2f}{f['rr-en']:7.2f}/{f['fr-en']:.2f}"
                f"{f['xquad-zh']:8.3f}{f['xquad-en']:8.3f}{f['cmrc']:8.3f}"
                f"{f['held_out']:9.3f}{f['adversarial']:8.3f}"
            )
    print("\n(accuracy here = the top evidence sentence holds a gold answer and is not refused)")
    print("\nrefusal models to paste into qa/policy.py:")
    for key, m in models.items():
        values = ", ".join(
            str(v)
            for v in (
                m.bias,
                m.coverage,
                m.similarity,
                m.absent_share,
                m.absent,
                m.threshold,
                m.focus_absent,
            )
        )
        print(f'    "{key}": RefusalModel({values}),')
    return 0


if __name__ == "__main__":
    sys.exit(main())
