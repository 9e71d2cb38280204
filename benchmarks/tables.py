"""Questions about table cells: answered right, and empty or absent cells refused.

Generated financial tables (one company a file, measures by year, some cells empty), written as
the files people have: DOCX, XLSX, CSV, HTML and text PDF (reportlab, a CJK font), in rotation.
Each is ingested through `index.ingest` and asked through `QAPipeline`, as `docqa ask` does:
- cells with a value, asked in Chinese ("2024年Nebula的毛利是多少？") and in English ("What was
  Nebula's gross profit in 2024?"): right when the answer is not refused and gives the value;
- empty cells (`-`) and years the table does not have: right when refused.
Companies are split in two: the dev half (even) for tuning, the test half (odd) reported.

    python benchmarks/tables.py [--embedder embeddinggemma-int8] [--companies 30] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.ingest import ingest  # noqa: E402
from index.search import HybridSearcher  # noqa: E402
from index.store import load_snapshot  # noqa: E402
from qa.engines import ExtractiveEngine  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402

NAMES = [
    "Nebula", "Aurora", "Vertex", "Quanta", "Helix", "Orbital", "Lumen", "Cobalt", "Zenith",
    "Polaris", "Tessera", "Kinetix", "Solace", "Arbor", "Ionix", "Meridian", "Cascade", "Ember",
    "Fathom", "Glacier", "Harbor", "Juniper", "Keystone", "Lattice", "Monarch", "Nimbus",
    "Onyx", "Pinnacle", "Quarry", "Radiant",
]  # fmt: skip
MEASURES = [  # (Chinese row label, English name in questions)
    ("营业收入", "revenue"),
    ("毛利", "gross profit"),
    ("净利润", "net profit"),
    ("研发费用", "R&D expenses"),
    ("销售费用", "selling expenses"),
]
YEARS = ["2022年", "2023年", "2024年", "2025年"]
FORMATS = ["docx", "xlsx", "csv", "html", "pdf"]


def make_table(rng: random.Random) -> list[list[str]]:
    header = ["项目", *YEARS]
    rows = [header]
    for zh, _ in MEASURES:
        cells = [zh]
        for _ in YEARS:
            value = round(rng.uniform(50, 99000), rng.choice([0, 1]))
            cells.append("-" if rng.random() < 0.15 else f"{value:g}")
        rows.append(cells)
    return rows


def write(fmt: str, path: Path, name: str, grid: list[list[str]]) -> Path:
    caption = f"{name}公司主要财务数据（单位：万元）"
    intro = f"{name}是一家总部位于深圳的科技公司，主要从事软件和硬件产品的研发与销售。"
    path = path.with_suffix("." + fmt)
    if fmt == "docx":
        from docx import Document

        d = Document()
        d.add_paragraph(intro)
        d.add_paragraph(caption)
        t = d.add_table(rows=len(grid), cols=len(grid[0]))
        for i, row in enumerate(grid):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
        d.save(path)
    elif fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = caption
        for row in grid:
            ws.append(row)
        wb.save(path)
    elif fmt == "csv":
        path = path.with_name(caption.replace("（单位：万元）", "（万元）") + ".csv")
        path.write_text("\n".join(",".join(r) for r in grid) + "\n", encoding="utf-8")
    elif fmt == "html":
        rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in grid)
        path.write_text(
            f"<html><head><title>{name}公司年报摘要</title></head><body><article>"
            f"<h1>{name}公司年报摘要</h1><p>{intro}</p><p>{caption}</p><table>{rows}</table>"
            "<p>以上数据来自公司年度报告。</p></article></body></html>",
            encoding="utf-8",
        )
    else:
        path.write_bytes(pdf_bytes(intro, caption, grid))
    return path


def pdf_bytes(intro: str, caption: str, grid: list[list[str]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("STSong-Light", 11)
    c.drawString(60, 780, intro)
    c.drawString(60, 750, caption)
    top = 720
    for r, row in enumerate(grid):
        for j, cell in enumerate(row):
            c.drawString(66 + j * 95, top - r * 20, cell)
    for r in range(len(grid) + 1):
        c.line(60, top + 14 - r * 20, 60 + 95 * len(grid[0]), top + 14 - r * 20)
    for j in range(len(grid[0]) + 1):
        c.line(60 + j * 95, top + 14, 60 + j * 95, top + 14 - len(grid) * 20)
    c.showPage()
    c.save()
    return buf.getvalue()


def questions(name: str, grid: list[list[str]], rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cells = [(i, j) for i in range(1, len(grid)) for j in range(1, len(grid[0]))]
    filled = [(i, j) for i, j in cells if grid[i][j] != "-"]
    empty = [(i, j) for i, j in cells if grid[i][j] == "-"]
    for i, j in rng.sample(filled, min(3, len(filled))):
        zh, en = MEASURES[i - 1]
        year = YEARS[j - 1]
        value = grid[i][j]
        out.append({"kind": "cell", "lang": "zh", "q": f"{year}{name}的{zh}是多少？", "a": value})
        out.append(
            {
                "kind": "cell",
                "lang": "en",
                "q": f"What was {name}'s {en} in {year[:4]}?",
                "a": value,
            }
        )
    for i, j in empty[:1]:
        zh, en = MEASURES[i - 1]
        year = YEARS[j - 1]
        out.append({"kind": "empty", "lang": "zh", "q": f"{year}{name}的{zh}是多少？", "a": None})
        out.append(
            {
                "kind": "empty",
                "lang": "en",
                "q": f"What was {name}'s {en} in {year[:4]}?",
                "a": None,
            }
        )
    zh, en = MEASURES[rng.randrange(len(MEASURES))]
    out.append({"kind": "absent", "lang": "zh", "q": f"2019年{name}的{zh}是多少？", "a": None})
    out.append({"kind": "absent", "lang": "en", "q": f"What was {name}'s {en} in 2019?", "a": None})
    return out


def right(row: dict[str, Any], answer: Any) -> bool:
    if row["a"] is None:
        return bool(answer.refused)
    return not answer.refused and row["a"] in answer.text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--companies", type=int, default=30)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rng = random.Random(28)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for n, name in enumerate(NAMES[: args.companies]):
            grid = make_table(rng)
            write(FORMATS[n % len(FORMATS)], docs / f"{name}", name, grid)
            half = "dev" if n % 2 == 0 else "test"
            for q in questions(name, grid, rng):
                rows.append({**q, "half": half, "format": FORMATS[n % len(FORMATS)]})
        report = ingest(sorted(docs.iterdir()), Path(tmp) / "idx", args.embedder)
        if report.failed:
            print("failed to ingest:", report.failed, file=sys.stderr)
            return 1
        pipe = QAPipeline(HybridSearcher(load_snapshot(Path(tmp) / "idx")), ExtractiveEngine())
        for row in rows:
            answer = pipe.ask(row["q"])
            row["ok"] = right(row, answer)
            row["got"] = answer.text[:120]
    result: dict[str, Any] = {"embedder": args.embedder, "companies": args.companies}
    for half in ("dev", "test"):
        part = [r for r in rows if r["half"] == half]
        stats: dict[str, Any] = {}
        for kind in ("cell", "empty", "absent"):
            for lang in ("zh", "en"):
                xs = [r["ok"] for r in part if r["kind"] == kind and r["lang"] == lang]
                if xs:
                    stats[f"{kind}_{lang}"] = round(sum(xs) / len(xs), 3)
                    stats[f"{kind}_{lang}_n"] = len(xs)
        refusals = [r["ok"] for r in part if r["kind"] != "cell"]
        stats["refused_empty_or_absent"] = round(sum(refusals) / max(1, len(refusals)), 3)
        result[half] = stats
        print(f"{half}: " + "  ".join(f"{k} {v}" for k, v in stats.items() if not k.endswith("_n")))
    misses = [r for r in rows if r["half"] == "dev" and not r["ok"]]
    for r in misses[:12]:
        print(f"  dev miss [{r['kind']} {r['lang']} {r['format']}] {r['q']} -> {r['got']!r}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result["rows"] = rows
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
