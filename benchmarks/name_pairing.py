"""Western names in English answers given with the Chinese text's own form (`qa.names.with_originals`).

XQuAD's parallel gold answers, split by article as elsewhere: for every answerable English
question whose English gold names something (a capitalised word) and whose Chinese gold is in
Chinese, the English gold is written as an answer (`The answer is James Dewar.`) and checked
against the Chinese sentence holding the Chinese gold. Each lands in one row:

- supported: the name needs no original (the glossary, CC-CEDICT or pinyin confirm it);
- right: paired with the Chinese gold (`James Dewar (詹姆斯·杜瓦)`);
- wrong: paired with another name of the sentence, which a reader would take as verified;
- none: no pairing (the sounds do not match, or two names could be meant): left unverified.

    python benchmarks/name_pairing.py [--show wrong|none]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answers_public import QA, build_sets  # noqa: E402

from corpus.sentences import split_sentences  # noqa: E402
from qa.names import with_originals  # noqa: E402

_NAME = re.compile(r"\b[A-Z][a-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--show", choices=("wrong", "none", "right"), help="print the rows of a kind")
    args = ap.parse_args()
    if not QA.is_dir():
        print(f"no benchmark data at {QA}", file=sys.stderr)
        return 2
    paras, rows = build_sets(600)
    texts = [p["text"] for p in paras]
    counts: Counter[tuple[str, str]] = Counter()
    for r in rows:
        if r["type"] != "xquad-en" or not r["answerable"] or len(r["answers"]) < 2:
            continue
        zh, en = r["answers"][0], r["answers"][1]
        if not _NAME.search(en) or not _HAN.search(zh):
            continue
        paragraph = next((t for t in texts if zh in t), "")
        sentence = next((s.text for s in split_sentences(paragraph) if zh in s.text), None)
        if sentence is None:
            continue
        answer = f"The answer is {en}."
        shown = with_originals(answer, sentence)
        if shown is None:
            kind = "none"
        elif shown == answer:
            kind = "supported"
        else:
            originals = re.findall(r"\(([^()]*)\)", shown)
            kind = "right" if any(o in zh or zh in o for o in originals) else "wrong"
        counts[(r["split"], kind)] += 1
        if args.show == kind:
            print(f"{r['split']}: {en} | {zh} | {shown}")
    print(f"{'English gold names':22} {'dev':>6} {'test':>6}")
    for kind in ("supported", "right", "wrong", "none"):
        print(f"{kind:22} {counts[('dev', kind)]:>6} {counts[('test', kind)]:>6}")
    for split in ("dev", "test"):
        paired = counts[(split, "right")] + counts[(split, "wrong")] + counts[(split, "none")]
        if paired:
            print(
                f"{split}: of {paired} names needing an original, paired right "
                f"{counts[(split, 'right')] / paired:.2f}, wrong {counts[(split, 'wrong')] / paired:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
