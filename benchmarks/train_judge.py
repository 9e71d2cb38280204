"""Train the answerability judge (`qa.judge`): the recipe, reproducible on 2 CPU cores.

The base model, the default embedder's int8 EmbeddingGemma graph, stays frozen: each (question,
sentence) pair is read by it once and its final token states are cached (`features`); a small head
(one transformer layer over a 192-wide projection, an answer score and a span) is then trained on
the cache in minutes (`train`) and written to `qa/data/judge.npz`.

Data (public; nothing of the test halves):
- CMRC 2018 trial (`../shared/eval/qa/train/cmrc2018_trial.json`), all questions;
- DRCD test (Traditional Chinese, converted to Simplified with OpenCC), the first `--drcd`;
- the dev halves of XQuAD (Chinese and English questions over the Chinese paragraphs) and of
  CMRC 2018 dev, *less a calibration fold* (XQuAD articles 0, 4, 8...; CMRC contexts DEV_0,
  DEV_4..., of which DEV_0, DEV_12... are measured on) that the head never sees: the threshold is set on it (`answers_public.py`, dev rows of
  that fold) and the head's own figures below are measured on it.

Pairs for each question: its gold sentence (positive, with the answer's span); the other sentence
of its paragraph most like the question (character bigrams) and one at random (negatives: the
topic is there, the fact is not); and the question edited by `adversarial.edit` (another year,
measure or ordinal the article never states) against its gold sentence (negative).

    python benchmarks/train_judge.py features     # about 25 min on 2 cores, resumable
    python benchmarks/train_judge.py train        # a few minutes; prints the calibration fold
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adversarial import edit  # noqa: E402

from corpus.sentences import evidence_sentences  # noqa: E402
from index.embedders import make_embedder  # noqa: E402
from qa.judge import BASE, WEIGHTS, JudgeHead, PairEncoder  # noqa: E402

QA = ROOT.parent / "shared" / "eval" / "qa"
WORK = ROOT / "benchmarks" / "results" / "judge"
SEED = 13


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def fold(split_key: int) -> str:
    """train | calib | test for an XQuAD article number or a CMRC context number."""
    if split_key % 2:
        return "test"
    return "calib" if split_key % 4 == 0 else "train"


def squad_items(path: Path, convert: Any = None) -> Iterator[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for article in data:
        for para in article["paragraphs"]:
            ctx = para["context"]
            if convert:
                c2 = convert(ctx)
                if len(c2) != len(ctx):
                    continue
                ctx = c2
            for qa in para["qas"]:
                ans = qa["answers"][0]
                q = convert(qa["question"]) if convert else qa["question"]
                text = ctx[ans["answer_start"] : ans["answer_start"] + len(ans["text"])]
                yield {
                    "question": q,
                    "lang": "zh",
                    "context": ctx,
                    "article": ctx,
                    "start": ans["answer_start"],
                    "answer": text,
                }


def questions(drcd: int) -> list[dict[str, Any]]:
    """Every question with its context, answer offset, article text and fold."""
    out: list[dict[str, Any]] = []
    for it in squad_items(QA / "train" / "cmrc2018_trial.json"):
        out.append({**it, "fold": "train", "source": "cmrc-trial"})
    import opencc

    t2s = opencc.OpenCC("t2s")
    for n, it in enumerate(squad_items(QA / "train" / "drcd_test.json", t2s.convert)):
        if n >= drcd:
            break
        out.append({**it, "fold": "train", "source": "drcd"})
    paras = {p["id"]: p["text"] for p in read_jsonl(QA / "xquad_corpus.jsonl")}
    articles: dict[str, str] = {}
    for pid, text in paras.items():
        key = pid.rsplit("-", 1)[0]
        articles[key] = articles.get(key, "") + text
    for q in read_jsonl(QA / "xquad_questions.jsonl"):
        f = fold(int(q["context_id"].split("-")[2]))
        if f == "test":
            continue
        ctx = paras[q["context_id"]]
        start = q["answer_starts_zh"][0]
        art = articles[q["context_id"].rsplit("-", 1)[0]]
        for lang in ("zh", "en"):
            out.append(
                {
                    "question": q[f"question_{lang}"],
                    "lang": lang,
                    "context": ctx,
                    "article": art,
                    "start": start,
                    "answer": q["answers_zh"][0],
                    "fold": f,
                    "source": f"xquad-{lang}",
                }
            )
    cmrc_ctx = {p["id"]: p["text"] for p in read_jsonl(QA / "cmrc_corpus.jsonl")}
    for q in read_jsonl(QA / "cmrc_questions.jsonl"):
        n = int(q["context_id"].split("_")[1])
        f = fold(n)
        ctx = cmrc_ctx.get(q["context_id"], "")
        ans = next((a for a in q["answers"] if a in ctx), None)
        if f == "test" or ans is None or (f == "calib" and n % 12):
            continue  # a third of the CMRC calibration fold is enough to measure on
        out.append(
            {
                "question": q["question"],
                "lang": "zh",
                "context": ctx,
                "article": ctx,
                "start": ctx.index(ans),
                "answer": ans,
                "fold": f,
                "source": "cmrc",
            }
        )
    return out


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def pairs(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """(question, sentence, label, answer span in the sentence) rows; see the module text."""
    rng = random.Random(SEED)
    out = []
    for it in items:
        sents = evidence_sentences(it["context"])
        a, b = it["start"], it["start"] + len(it["answer"])
        gold = next((s for s in sents if s.start <= a and b <= s.end), None)
        if gold is None or not it["answer"]:
            continue
        base = {"fold": it["fold"], "source": it["source"], "lang": it["lang"]}
        q = it["question"]
        out.append(
            {
                **base,
                "question": q,
                "sentence": gold.text,
                "label": 1,
                "kind": "gold",
                "span": (a - gold.start, b - gold.start),
            }
        )
        others = [s for s in sents if s is not gold and it["answer"] not in s.text]
        if others:
            qb = _bigrams(q)
            hard = max(others, key=lambda s: len(qb & _bigrams(s.text)))
            out.append(
                {
                    **base,
                    "question": q,
                    "sentence": hard.text,
                    "label": 0,
                    "kind": "other-similar",
                    "span": None,
                }
            )
            rest = [s for s in others if s is not hard]
            if rest:
                out.append(
                    {
                        **base,
                        "question": q,
                        "sentence": rng.choice(rest).text,
                        "label": 0,
                        "kind": "other",
                        "span": None,
                    }
                )
        for kind, edited in edit(q, it["lang"], it["article"])[:1]:
            out.append(
                {
                    **base,
                    "question": edited,
                    "sentence": gold.text,
                    "label": 0,
                    "kind": f"edit-{kind}",
                    "span": None,
                }
            )
    return out


def features(args: argparse.Namespace) -> None:
    """Token states of every pair, cached in shards (resumable)."""
    WORK.mkdir(parents=True, exist_ok=True)
    rows = pairs(questions(args.drcd))
    rng = random.Random(SEED)
    rng.shuffle(rows)
    (WORK / "pairs.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    counts: dict[str, int] = {}
    for r in rows:
        counts[f"{r['fold']}/{r['kind']}"] = counts.get(f"{r['fold']}/{r['kind']}", 0) + 1
    print(len(rows), "pairs", json.dumps(counts, sort_keys=True), flush=True)
    emb = make_embedder(BASE)
    if not getattr(emb, "has_token_states", False):
        sys.exit("the int8 EmbeddingGemma lacks token states: run `docqa models fetch`")
    sp = emb.manifest.get("sentencepiece") or {}
    enc = PairEncoder(emb.path / "tokenizer.model", sp.get("bos", 2), sp.get("eos", 1))
    t0 = time.time()
    for k in range(0, len(rows), args.shard):
        path = WORK / f"states-{k // args.shard:04d}.npz"
        if path.is_file():
            continue
        chunk = rows[k : k + args.shard]
        encoded = [enc.encode(r["question"], r["sentence"]) for r in chunk]
        states = emb.token_states([p.ids for p in encoded])
        lengths = np.array([len(s) for s in states])
        np.savez(
            path,
            states=np.concatenate(states).astype(np.float16),
            lengths=lengths,
            qtokens=np.array([p.question_tokens for p in encoded]),
        )
        done = min(k + args.shard, len(rows))
        rate = done / (time.time() - t0)
        print(f"{done}/{len(rows)} pairs, {rate:.1f}/s", flush=True)


def load_cache() -> tuple[list[dict[str, Any]], list[np.ndarray], list[int]]:
    rows = json.loads((WORK / "pairs.json").read_text(encoding="utf-8"))
    states: list[np.ndarray] = []
    qtok: list[int] = []
    for path in sorted(WORK.glob("states-*.npz")):
        with np.load(path) as z:
            cut = np.cumsum(z["lengths"])[:-1]
            states += np.split(z["states"], cut)
            qtok += [int(x) for x in z["qtokens"]]
    return rows[: len(states)], states, qtok


def build_head(torch: Any, dim: int = 768, width: int = 192, heads: int = 4) -> Any:
    nn = torch.nn

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.heads = heads
            self.ln0 = nn.LayerNorm(dim)
            self.proj = nn.Linear(dim, width)
            self.seg = nn.Embedding(2, width)
            self.ln1 = nn.LayerNorm(width)
            self.attn = nn.MultiheadAttention(width, heads, dropout=0.1, batch_first=True)
            self.ln2 = nn.LayerNorm(width)
            self.ff1 = nn.Linear(width, 2 * width)
            self.ff2 = nn.Linear(2 * width, width)
            self.lnf = nn.LayerNorm(width)
            self.drop = nn.Dropout(0.1)
            self.cls = nn.Linear(3 * width, 1)
            self.start = nn.Linear(width, 1, bias=False)
            self.end = nn.Linear(width, 1, bias=False)

        def forward(self, x: Any, seg: Any, pad: Any) -> tuple[Any, Any, Any]:
            """x (B, L, dim); seg (B, L) 0 question 1 sentence 2 end mark or padding; pad (B, L)
            True where padding."""
            h = self.proj(self.ln0(x)) + self.seg(seg.clamp(max=1))
            a = self.ln1(h)
            h = h + self.drop(self.attn(a, a, a, key_padding_mask=pad, need_weights=False)[0])
            h = h + self.drop(
                self.ff2(torch.nn.functional.gelu(self.ff1(self.ln2(h)), approximate="tanh"))
            )
            h = self.lnf(h)
            q = (seg == 0).unsqueeze(-1)
            s = (seg == 1).unsqueeze(-1)
            qmean = (h * q).sum(1) / q.sum(1)
            smean = (h * s).sum(1) / s.sum(1).clamp(min=1)
            smax = h.masked_fill(~s, -1e4).max(1).values
            logit = self.cls(self.drop(torch.cat([qmean, smean, smax], -1))).squeeze(-1)
            neg = torch.where(s.squeeze(-1), 0.0, -1e4)
            return logit, self.start(h).squeeze(-1) + neg, self.end(h).squeeze(-1) + neg

    return Head()


def export(head: Any) -> dict[str, np.ndarray]:
    t = {k: v.detach().numpy() for k, v in head.state_dict().items()}
    return {
        "heads": np.array([head.heads]),
        "ln0.g": t["ln0.weight"], "ln0.b": t["ln0.bias"],
        "proj.w": t["proj.weight"].T, "proj.b": t["proj.bias"],
        "seg": t["seg.weight"],
        "ln1.g": t["ln1.weight"], "ln1.b": t["ln1.bias"],
        "attn.in.w": t["attn.in_proj_weight"].T, "attn.in.b": t["attn.in_proj_bias"],
        "attn.out.w": t["attn.out_proj.weight"].T, "attn.out.b": t["attn.out_proj.bias"],
        "ln2.g": t["ln2.weight"], "ln2.b": t["ln2.bias"],
        "ff1.w": t["ff1.weight"].T, "ff1.b": t["ff1.bias"],
        "ff2.w": t["ff2.weight"].T, "ff2.b": t["ff2.bias"],
        "lnf.g": t["lnf.weight"], "lnf.b": t["lnf.bias"],
        "cls.w": t["cls.weight"][0], "cls.b": t["cls.bias"],
        "start.w": t["start.weight"][0], "end.w": t["end.weight"][0],
    }  # fmt: skip


def _span_tokens(enc: PairEncoder, row: dict[str, Any]) -> tuple[int, int]:
    """The first and last sentence token of a positive's answer span (-1, -1 when cut off)."""
    p = enc.encode(row["question"], row["sentence"])
    a, b = row["span"]
    first = next((i for i, (s, e) in enumerate(p.offsets) if e > a), -1)
    last = next((i for i in range(len(p.offsets) - 1, -1, -1) if p.offsets[i][0] < b), -1)
    return (first, last) if 0 <= first <= last else (-1, -1)


def batch(torch: Any, idx: list[int], states: list[np.ndarray], qtok: list[int]) -> Any:
    n = max(len(states[i]) for i in idx)
    x = torch.zeros(len(idx), n, states[idx[0]].shape[1])
    seg = torch.full((len(idx), n), 2, dtype=torch.long)
    for j, i in enumerate(idx):
        st = states[i]
        x[j, : len(st)] = torch.as_tensor(st, dtype=torch.float32)
        seg[j, : qtok[i]] = 0
        seg[j, qtok[i] : len(st) - 1] = 1
    pad = torch.ones(len(idx), n, dtype=torch.bool)
    for j, i in enumerate(idx):
        pad[j, : len(states[i])] = False
    return x, seg, pad


def train(args: argparse.Namespace) -> None:
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rows, states, qtok = load_cache()
    emb = make_embedder(BASE)
    sp = emb.manifest.get("sentencepiece") or {}
    enc = PairEncoder(emb.path / "tokenizer.model", sp.get("bos", 2), sp.get("eos", 1))
    spans = [_span_tokens(enc, r) if r["label"] else (-1, -1) for r in rows]
    tr = [i for i, r in enumerate(rows) if r["fold"] == "train"]
    ca = [i for i, r in enumerate(rows) if r["fold"] == "calib"]
    print(f"{len(tr)} training pairs, {len(ca)} calibration pairs", flush=True)
    head = build_head(torch)
    opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * (len(tr) // args.batch + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps)
    rng = random.Random(SEED)
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss(ignore_index=-1)
    for epoch in range(args.epochs):
        head.train()
        rng.shuffle(tr)
        total, t0 = 0.0, time.time()
        for k in range(0, len(tr), args.batch):
            idx = tr[k : k + args.batch]
            x, seg, pad = batch(torch, idx, states, qtok)
            y = torch.tensor([float(rows[i]["label"]) for i in idx])
            logit, s_log, e_log = head(x, seg, pad)
            loss = bce(logit, y)
            # span targets are sentence-token positions: shift them to sequence positions
            pos_s = torch.tensor([qtok[i] + spans[i][0] if spans[i][0] >= 0 else -1 for i in idx])
            pos_e = torch.tensor([qtok[i] + spans[i][1] if spans[i][1] >= 0 else -1 for i in idx])
            if (pos_s >= 0).any():
                loss = loss + 0.5 * (ce(s_log, pos_s) + ce(e_log, pos_e))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(
            f"epoch {epoch + 1}: loss {total / len(tr):.4f} ({time.time() - t0:.0f} s)", flush=True
        )
        report(torch, head, rows, states, qtok, spans, ca)
    weights = export(head)
    WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        WEIGHTS,
        **{k: v.astype(np.float16 if v.size > 64 else np.float32) for k, v in weights.items()},
    )
    check(torch, head, states, qtok, ca[:20])
    print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size / 1e6:.1f} MB)")


def report(
    torch: Any,
    head: Any,
    rows: list[dict[str, Any]],
    states: list[np.ndarray],
    qtok: list[int],
    spans: list[tuple[int, int]],
    idx: list[int],
) -> None:
    """The calibration fold: AUC, accuracy at 0.5 by kind, and span exact/overlap."""
    head.eval()
    probs = np.zeros(len(idx))
    hit = []
    with torch.no_grad():
        for k in range(0, len(idx), 64):
            part = idx[k : k + 64]
            x, seg, pad = batch(torch, part, states, qtok)
            logit, s_log, e_log = head(x, seg, pad)
            probs[k : k + len(part)] = torch.sigmoid(logit).numpy()
            for j, i in enumerate(part):
                if spans[i][0] >= 0:
                    ps, pe = int(s_log[j].argmax()) - qtok[i], int(e_log[j].argmax()) - qtok[i]
                    gs, ge = spans[i]
                    inter = max(0, min(pe, ge) - max(ps, gs) + 1)
                    f1 = (
                        0.0
                        if inter == 0 or pe < ps
                        else 2 * inter / ((pe - ps + 1) + (ge - gs + 1))
                    )
                    hit.append(f1)
    labels = np.array([rows[i]["label"] for i in idx])
    from sklearn.metrics import roc_auc_score

    by: dict[str, list[bool]] = {}
    for p, i in zip(probs, idx, strict=True):
        r = rows[i]
        by.setdefault(f"{r['lang']}/{r['kind']}", []).append((p >= 0.5) == bool(r["label"]))
    kinds = " ".join(f"{k} {np.mean(v):.3f}" for k, v in sorted(by.items()))
    print(
        f"  calib AUC {roc_auc_score(labels, probs):.4f}; right at 0.5: {kinds}; span token F1 {np.mean(hit):.3f}",
        flush=True,
    )


def check(torch: Any, head: Any, states: list[np.ndarray], qtok: list[int], idx: list[int]) -> None:
    """The numpy head (as served) against torch, on a few pairs."""
    head.eval()
    with np.load(WEIGHTS) as z:
        numpy_head = JudgeHead({k: z[k] for k in z.files})
    worst = 0.0
    with torch.no_grad():
        for i in idx:
            x, seg, pad = batch(torch, [i], states, qtok)
            logit = float(head(x, seg, pad)[0][0])
            got = numpy_head.forward(states[i].astype(np.float32), qtok[i])[0]
            worst = max(worst, abs(logit - got))
    print(f"numpy head vs torch: largest logit difference {worst:.4f} (float16 weights)")


def record_fold(rid: str, xq: dict[str, str], cmrc: dict[str, str]) -> str:
    """The fold of an `answers_public.py` row id (adversarial rows: the row they were edited
    from)."""
    if rid.startswith("adv-"):
        rid = rid.split("-", 2)[2]
    if rid.startswith("xq-"):
        return fold(int(xq[rid.split("-", 2)[2]].split("-")[2]))
    return fold(int(cmrc[rid.split("-", 1)[1]].split("_")[1]))


def calibrate(args: argparse.Namespace) -> None:
    """Judge the top `--top` evidence sentences of every question in the policy features cache
    (`calibrate_policy.py`, the current ranking), calibration fold and test half; cache the
    probabilities; print refusal and accuracy for thresholds, with the judge replacing the fitted
    refusal model or beside it, and with and without reordering by the judge."""
    from qa.judge import Judge

    feats = ROOT / "benchmarks" / "results" / "cache" / f"policy-features-{BASE}.jsonl"
    recs = read_jsonl(feats)
    xq = {q["id"]: q["context_id"] for q in read_jsonl(QA / "xquad_questions.jsonl")}
    cm = {q["id"]: q["context_id"] for q in read_jsonl(QA / "cmrc_questions.jsonl")}
    for r in recs:
        r["fold"] = record_fold(r["id"], xq, cm)
    recs = [r for r in recs if r["fold"] in ("calib", "test")]
    out = WORK / f"verdicts-{WEIGHTS.stat().st_mtime_ns}.jsonl"
    done = (
        {json.loads(line)["id"]: json.loads(line)["p"] for line in out.open()}
        if out.is_file()
        else {}
    )
    judge = Judge(make_embedder(BASE))
    with out.open("a", encoding="utf-8") as f:
        for n, r in enumerate(recs):
            if r["id"] in done or not r["texts"]:
                continue
            ps = judge.judge(r["question"], r["texts"][: args.top])
            done[r["id"]] = ps
            f.write(json.dumps({"id": r["id"], "p": ps}) + "\n")
            if n % 100 == 0:
                print(f"{n}/{len(recs)}", flush=True)
    for r in recs:
        r["p"] = done.get(r["id"], [])
    for top in range(1, args.top + 1):
        for fold_name in ("calib", "test"):
            rows = [r for r in recs if r["fold"] == fold_name]
            print(
                f"\n{fold_name}, top {top}: threshold, mode -> adversarial zh/en refused, held-out refused, false refusals, top sentence gold (answerable)"
            )
            for mode in ("beside", "instead"):
                for t in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5):
                    print(f"  {t:.2f} {mode:7} " + figures_for(rows, top, t, mode))


def figures_for(rows: list[dict[str, Any]], top: int, t: float, mode: str) -> str:
    def refused(r: dict[str, Any]) -> bool:
        ps = r["p"][:top]
        judge_no = not ps or max(ps) < t
        if mode == "beside":
            return bool(r["why"]) or judge_no
        return bool(r["rule"]) or judge_no

    def gold(r: dict[str, Any]) -> bool:
        ps = r["p"][:top]
        if not ps:
            return False
        best = int(np.argmax(ps))
        return bool(r["cands"][best][7])

    adv_zh = [refused(r) for r in rows if r["type"] == "adv-zh"]
    adv_en = [refused(r) for r in rows if r["type"] == "adv-en"]
    held = [refused(r) for r in rows if not r["answerable"] and not r["type"].startswith("adv")]
    ans = [r for r in rows if r["answerable"]]
    false = [refused(r) for r in ans]
    top_gold = [gold(r) for r in ans]
    was = [bool(r["cands"] and r["cands"][0][7]) for r in ans]
    return (
        f"{np.mean(adv_zh):.3f}/{np.mean(adv_en):.3f} ({len(adv_zh)}/{len(adv_en)}), "
        f"{np.mean(held):.3f} ({len(held)}), {np.mean(false):.3f} ({len(false)}), "
        f"{np.mean(top_gold):.3f} (was {np.mean(was):.3f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features")
    f.add_argument("--drcd", type=int, default=800, help="DRCD questions to use")
    f.add_argument("--shard", type=int, default=400)
    t = sub.add_parser("train")
    t.add_argument("--epochs", type=int, default=8)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--lr", type=float, default=2e-3)
    c = sub.add_parser("calibrate")
    c.add_argument("--top", type=int, default=3, help="evidence sentences judged a question")
    args = ap.parse_args()
    {"features": features, "train": train, "calibrate": calibrate}[args.cmd](args)


if __name__ == "__main__":
    main()
