"""Translation fidelity on the demo corpus: the key passages of each article translated to English by
an LLM engine; how many pass the fidelity checks before and after repair, and seconds per passage.

    python benchmarks/translation.py [--engine local] [--key 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.demo import demo_paths  # noqa: E402
from corpus.readers import read_document  # noqa: E402
from qa.llm import make_chat_model  # noqa: E402
from qa.translate import Translator, key_passages  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--engine", default="local")
    ap.add_argument("--key", type=int, default=5)
    ap.add_argument("--key-only", action="store_true", help="only measure key-passage selection")
    args = ap.parse_args()
    # Key passages vs the facts people ask about: share of key passages holding a dev-set gold evidence.
    import json

    dev = [
        json.loads(line)
        for line in (ROOT / "qa" / "data" / "dev_questions.jsonl").open(encoding="utf-8")
    ]
    gold = [e for r in dev for e in r["evidence"]]
    keys = [s for p in demo_paths() for s in key_passages(read_document(p), args.key)]
    hit = sum(any(g in s.text for g in gold) for s in keys)
    print(
        f"key passages ({args.key} per article): {hit}/{len(keys)} hold a fact asked about in the dev set"
    )
    if args.key_only:
        return 0
    with tempfile.TemporaryDirectory() as cache:  # measure real generations, not the cache
        tr = Translator(make_chat_model(args.engine), args.engine, cache_dir=Path(cache))
        results = []
        for path in demo_paths():
            for s in key_passages(read_document(path), args.key):
                r = tr.translate(s.text, "en")
                results.append(r)
                state = (
                    "ok" if r.fidelity_before.ok else ("repaired" if r.fidelity.ok else "FLAGGED")
                )
                print(f"{state:9} {r.seconds:5.1f}s {s.text[:40]} -> {r.text[:80]}", flush=True)
                for p in r.fidelity.problems:
                    print(f"          problem: {p}")
    n = len(results)
    before = sum(r.fidelity_before.ok for r in results)
    after = sum(r.fidelity.ok for r in results)
    secs = [r.seconds for r in results]
    print(
        f"\n{n} key passages, engine {args.engine}: pass fidelity checks {before}/{n} before repair, {after}/{n} after; "
        f"{statistics.mean(secs):.1f} s per passage (median {statistics.median(secs):.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
