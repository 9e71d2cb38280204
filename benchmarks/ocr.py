"""OCR quality, speed and memory on Chinese pages with a known text.

The gold main texts of ../shared/eval/html/zh are typeset onto A4 page images at 150 dpi (Noto
Sans CJK, 10.5 pt), then read by docqa's OCR (`corpus.ocr`: RapidOCR, reading order, paragraphs):
- clean: the page as rendered;
- degraded: rotated 2 degrees, blurred (Gaussian, radius 1) and saved as JPEG at quality 40;
- english: XQuAD's English contexts (../shared/eval/qa/xquad_corpus_en.jsonl), clean, so that
  narrower Latin letters and numbers are measured too.

Reported per kind: character accuracy, 1 - CER (Levenshtein distance over characters, whitespace
ignored, divided by the gold length), and seconds per page. With --memory N, a scanned PDF of N
such pages is ingested by `docqa ingest` in a fresh process, and the peak resident memory of that
process and its reading child together is sampled from /proc.

    python benchmarks/ocr.py [--pages 20] [--memory 100] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hostile_files import run_measured  # noqa: E402  (benchmarks/)

from corpus.ocr import ocr_pil  # noqa: E402

GOLD = ROOT.parent / "shared" / "eval" / "html" / "zh"
ENGLISH = ROOT.parent / "shared" / "eval" / "qa" / "xquad_corpus_en.jsonl"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DPI = 150
A4 = (1241, 1754)  # pixels at 150 dpi
MARGIN = 110
FONT_PX = 22  # 10.5 pt at 150 dpi
LINE_PX = 36


def gold_texts() -> list[str]:
    out = []
    for f in sorted(GOLD.glob("*.txt")):
        text = re.sub(r"\s*\n\s*", "", f.read_text(encoding="utf-8"))  # fragments of one article
        text = re.sub(r"[ \t\u3000]+", " ", text).strip()
        if len(text) >= 200:
            out.append(text)
    return out


def typeset(text: str, font: Any) -> list[list[str]]:
    """Lines of `text` wrapped to the page width, grouped into pages."""
    width = A4[0] - 2 * MARGIN
    per_page = (A4[1] - 2 * MARGIN) // LINE_PX
    lines: list[str] = []
    line = ""
    for ch in text:
        if font.getlength(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    if line:
        lines.append(line)
    return [lines[i : i + per_page] for i in range(0, len(lines), per_page)]


def render(lines: list[str], font: Any) -> Any:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", A4, "white")
    d = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        d.text((MARGIN, MARGIN + i * LINE_PX), line, fill="black", font=font)
    return img


def degrade(img: Any) -> Any:
    from PIL import Image, ImageFilter

    img = img.rotate(2, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    img = img.filter(ImageFilter.GaussianBlur(1))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=40)
    return Image.open(io.BytesIO(buf.getvalue()))


def distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions) between two strings."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages(n: int, font: Any) -> list[list[str]]:
    out: list[list[str]] = []
    for text in gold_texts():
        for page in typeset(text, font)[:2]:  # at most two pages an article: many articles
            out.append(page)
            if len(out) >= n:
                return out
    return out


def english_pages(n: int, font: Any) -> list[list[str]]:
    """The first page of every 20th English XQuAD context (one context a topic)."""
    if not ENGLISH.is_file():
        return []
    rows = [json.loads(x) for x in ENGLISH.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [typeset(r["text"], font)[0] for r in rows[::20]][:n]


def accuracy(n: int) -> dict[str, Any]:
    from PIL import ImageFont

    font = ImageFont.truetype(FONT, FONT_PX)
    todo = pages(n, font)
    english = english_pages(n, font)
    result: dict[str, Any] = {"pages": len(todo)}
    ocr_pil(render(["预热"], font), 0)  # load the engine outside the timings
    for kind in ("clean", "degraded", "english"):
        if kind == "english" and not english:
            continue
        errors = chars = 0
        seconds = 0.0
        worst = 1.0
        per_page = []
        for lines in english if kind == "english" else todo:
            img = render(lines, font)
            if kind == "degraded":
                img = degrade(img)
            t = time.perf_counter()
            read = ocr_pil(img, 1)
            seconds += time.perf_counter() - t
            gold, got = _bare("".join(lines)), _bare("".join(read.paragraphs))
            e = distance(gold, got)
            errors += e
            chars += len(gold)
            worst = min(worst, 1 - e / max(1, len(gold)))
            per_page.append(round(1 - e / max(1, len(gold)), 4))
        result[kind] = {
            "char_accuracy": round(1 - errors / max(1, chars), 4),
            "worst_page": round(worst, 4),
            "seconds_per_page": round(seconds / max(1, len(per_page)), 3),
            "seconds_per_1000_chars": round(seconds / max(1, chars) * 1000, 3),
            "chars": chars,
            "per_page": per_page,
        }
        print(
            f"{kind:9} char accuracy {result[kind]['char_accuracy']:.4f} (worst page "
            f"{worst:.4f})  {result[kind]['seconds_per_page']:.2f} s/page, "
            f"{result[kind]['seconds_per_1000_chars']:.2f} s per 1000 characters  "
            f"({len(per_page)} pages, {chars / max(1, len(per_page)):.0f} characters a page)",
            flush=True,
        )
    return result


def memory(n: int) -> dict[str, Any]:
    """Ingest an N-page scanned PDF with `docqa ingest`; peak RSS of the process tree."""
    from PIL import ImageFont

    font = ImageFont.truetype(FONT, FONT_PX)
    todo = pages(n, font)
    while len(todo) < n:
        todo += todo[: n - len(todo)]
    with tempfile.TemporaryDirectory() as tmp:
        scan = Path(tmp) / "scan.pdf"
        images = [render(lines, font).convert("L") for lines in todo]
        images[0].save(scan, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
        del images
        env = {
            **os.environ,
            "DOCQA_EMBEDDER": "hash:64",
            "DOCQA_HOME": tmp,
            "PYTHONPATH": str(ROOT),
        }
        cmd = [sys.executable, "-m", "ui.cli", "ingest", "--index", f"{tmp}/idx", str(scan)]
        run = run_measured(cmd, env, timeout=6 * 3600)
    out = {
        "pages": n,
        "peak_rss_mb": run["peak_mb"],
        "seconds": run["seconds"],
        "seconds_per_page": round(run["seconds"] / n, 2),
        "exit": run["exit"],
        "error": run["error"],
    }
    print(
        f"{n}-page scan through docqa ingest: peak {out['peak_rss_mb']} MB (process + reading "
        f"child), {out['seconds']:.0f} s ({out['seconds_per_page']} s/page), exit {out['exit']}",
        flush=True,
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pages", type=int, default=20, help="pages read for accuracy and speed")
    ap.add_argument("--memory", type=int, default=0, help="pages of the scan ingested (0: skip)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not GOLD.is_dir():
        print(f"no gold texts at {GOLD}", file=sys.stderr)
        return 2
    result: dict[str, Any] = {"dpi": DPI, "font_px": FONT_PX}
    if args.pages:
        result["accuracy"] = accuracy(args.pages)
    if args.memory:
        result["memory"] = memory(args.memory)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
