"""Main-text extraction quality on ../shared/eval/html/zh (54 Chinese article pages) and
../shared/eval/html/zh_forum (12 forum, Q&A and blog pages), each with gold main text.

Compares docqa's cleaner with plain `trafilatura.extract` (default settings, and favor_precision)
in the same run: character-level and jieba-token precision / recall / F1 (bag-of-units overlap,
whitespace ignored), macro-averaged over pages, for the whole set and for its dev half (pages
0, 2, 4, ... of index.jsonl: tune on these) and test half (1, 3, 5, ...: report these); pages with
garbled text; throughput of clean + segment + chunk.

    python benchmarks/extraction.py [--eval-dir DIR ...] [--json OUT] [--pages-detail]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.chunking import chunk_document  # noqa: E402
from corpus.demo import demo_paths  # noqa: E402
from corpus.encoding import garble_ratio  # noqa: E402
from corpus.readers import parse_bytes, read_document  # noqa: E402
from corpus.segment import cut  # noqa: E402

DEFAULT_EVAL = [ROOT.parent / "shared" / "eval" / "html" / name for name in ("zh", "zh_forum")]
MOJIBAKE = ("锟斤拷", "Ã", "â€", "Â", "�")


def prf(pred: Counter, gold: Counter) -> tuple[float, float, float]:
    overlap = sum((pred & gold).values())
    p = overlap / max(1, sum(pred.values()))
    r = overlap / max(1, sum(gold.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def chars(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())


def tokens(text: str) -> Counter:
    return Counter(cut(text))


def garbled(text: str) -> bool:
    return garble_ratio(text) > 0 or any(m in text for m in MOJIBAKE)


SYSTEMS = {
    "docqa": lambda data: "\n".join(parse_bytes(data, "html").paragraph_texts()),
    "trafilatura": lambda data: trafilatura.extract(data) or "",
    "trafilatura-precision": lambda data: trafilatura.extract(data, favor_precision=True) or "",
}


def evaluate_set(eval_dir: Path, pages_detail: bool) -> tuple[dict, list]:
    rows = [json.loads(line) for line in (eval_dir / "index.jsonl").open(encoding="utf-8")]
    scores: dict[str, dict[str, list]] = {
        name: {"char": [], "tok": [], "garbled": []} for name in SYSTEMS
    }
    detail = []
    for row in rows:
        data = (eval_dir / row["html"]).read_bytes()
        gold = (eval_dir / row["gt_text"]).read_text(encoding="utf-8")
        gold_chars, gold_toks = chars(gold), tokens(gold)
        line = {"id": row["id"], "domain": row["domain"], "charset": row["declared_charset"]}
        for name, fn in SYSTEMS.items():
            try:
                out = fn(data)
            except Exception as exc:  # a failure is a zero, not a crash of the benchmark
                print(f"{name} failed on {row['id']}: {exc}", file=sys.stderr)
                out = ""
            c, t = prf(chars(out), gold_chars), prf(tokens(out), gold_toks)
            scores[name]["char"].append(c)
            scores[name]["tok"].append(t)
            scores[name]["garbled"].append(garbled(out))
            line[name] = round(c[2], 3)
        detail.append(line)
        if pages_detail:
            print(json.dumps(line, ensure_ascii=False))
    summary: dict = {}
    print(f"\nMain-text extraction on {len(rows)} pages ({eval_dir}), macro-averaged")
    print(
        f"{'system':24} {'char P':>7} {'char R':>7} {'char F1':>8} {'tok F1':>7} {'garbled':>8}"
        f" {'dev F1':>7} {'test F1':>7}"
    )
    for name, s in scores.items():
        cp, cr, cf = (statistics.mean(x[i] for x in s["char"]) for i in range(3))
        tf = statistics.mean(x[2] for x in s["tok"])
        dev = statistics.mean(x[2] for x in s["char"][0::2])
        test = statistics.mean(x[2] for x in s["char"][1::2]) if len(rows) > 1 else dev
        g = sum(s["garbled"])
        summary[name] = {
            "char_p": cp,
            "char_r": cr,
            "char_f1": cf,
            "tok_f1": tf,
            "garbled_pages": g,
            "dev_char_f1": dev,
            "test_char_f1": test,
        }
        print(f"{name:24} {cp:7.3f} {cr:7.3f} {cf:8.3f} {tf:7.3f} {g:8d} {dev:7.3f} {test:7.3f}")
    return summary, detail


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--eval-dir", type=Path, nargs="+", default=DEFAULT_EVAL)
    ap.add_argument("--json", type=Path, help="write all figures here")
    ap.add_argument("--pages-detail", action="store_true", help="print one line per page")
    args = ap.parse_args()
    missing = [d for d in args.eval_dir if not (d / "index.jsonl").exists()]
    if missing:
        print(
            f"no benchmark data at {', '.join(map(str, missing))} (expected ../shared/eval/html/)",
            file=sys.stderr,
        )
        return 2
    sets = {}
    for d in args.eval_dir:
        summary, detail = evaluate_set(d, args.pages_detail)
        sets[d.name] = {"summary": summary, "pages": detail}
    rows = [json.loads(line) for line in (args.eval_dir[0] / "index.jsonl").open(encoding="utf-8")]
    first = args.eval_dir[0]

    # Throughput: clean + segment + chunk, over the eval pages and the demo articles.
    pages = [(first / r["html"]).read_bytes() for r in rows]
    t0 = time.perf_counter()
    n_chars = n_chunks = 0
    for data in pages:
        doc = parse_bytes(data, "html")
        cut(doc.text)
        n_chunks += len(chunk_document(doc))
        n_chars += len(doc.text)
    for path in demo_paths():
        doc = read_document(path)
        cut(doc.text)
        n_chunks += len(chunk_document(doc))
        n_chars += len(doc.text)
    secs = time.perf_counter() - t0
    n_pages = len(pages) + len(demo_paths())
    throughput = {
        "pages": n_pages,
        "seconds": secs,
        "pages_per_s": n_pages / secs,
        "clean_chars_per_s": n_chars / secs,
        "chunks": n_chunks,
    }
    print(
        f"\nclean+segment+chunk: {n_pages} pages in {secs:.2f} s = {n_pages / secs:.1f} pages/s, "
        f"{n_chars / secs:,.0f} cleaned chars/s, {n_chunks} chunks"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"sets": sets, "throughput": throughput},
                ensure_ascii=False,
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
