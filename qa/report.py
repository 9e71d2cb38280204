"""Evaluation reports: metrics.json, report.md and a self-contained report.html (inline SVG charts,
no scripts, every document-derived string escaped)."""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

METRIC_ORDER = [
    "questions",
    "accuracy",
    "token_f1",
    "span_f1",
    "hit@1",
    "hit@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "refusal_precision",
    "refusal_recall",
    "language_match",
    "latency_p50",
    "latency_p95",
]


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def metrics_table(result: dict[str, Any]) -> list[list[str]]:
    langs = list(result["by_language"])
    rows = [["metric", "overall", *langs]]
    for m in METRIC_ORDER:
        rows.append(
            [
                m,
                _fmt(result["overall"].get(m)),
                *(_fmt(result["by_language"][lang].get(m)) for lang in langs),
            ]
        )
    return rows


def _groups(items: list[dict[str, Any]], key: str) -> dict[str, float]:
    out = {}
    for value in sorted({str(i[key]) for i in items if i["answerable"]}):
        group = [i for i in items if i["answerable"] and str(i[key]) == value]
        out[value] = sum(i["correct"] for i in group) / len(group)
    return out


def _rank_counts(items: list[dict[str, Any]]) -> dict[str, float]:
    ranked = [i for i in items if i["answerable"] and i["has_gold_passage"]]
    c = Counter(str(i["gold_rank"]) if i["gold_rank"] else "not found" for i in ranked)
    return {
        k: float(c.get(k, 0))
        for k in ["1", "2", "3", "4", "5", "not found"]
        if k in c or k in "12345"
    }


def _latency_bins(items: list[dict[str, Any]]) -> dict[str, float]:
    edges = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30]
    labels = [f"<{e}s" for e in edges] + [">=30s"]
    c: Counter[str] = Counter()
    for i in items:
        idx = next((k for k, e in enumerate(edges) if i["latency"] < e), len(edges))
        c[labels[idx]] += 1
    return {lab: float(c.get(lab, 0)) for lab in labels if c.get(lab)}


def svg_bars(
    data: dict[str, float], title: str, max_value: float | None = None, percent: bool = False
) -> str:
    """A horizontal bar chart as inline SVG."""
    if not data:
        return f"<p><em>{html.escape(title)}: no data</em></p>"
    top = max_value or max(data.values()) or 1.0
    row_h, label_w, bar_w = 22, 120, 320
    h = row_h * len(data) + 30
    parts = [
        f'<svg role="img" aria-label="{html.escape(title)}" width="{label_w + bar_w + 80}" height="{h}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for k, (label, value) in enumerate(data.items()):
        y = 24 + k * row_h
        w = int(bar_w * value / top)
        shown = f"{value * 100:.1f}%" if percent else f"{value:g}"
        parts.append(f'<text x="0" y="{y + 14}">{html.escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{row_h - 6}" fill="#3b7dd8"/>'
        )
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 14}">{shown}</text>')
    parts.append("</svg>")
    return "".join(parts)


def failures(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in result["per_item"] if not i["correct"]]


def charts_svg(result: dict[str, Any]) -> list[str]:
    """The report's charts (inline SVG, every label escaped)."""
    items = result["per_item"]
    return [
        svg_bars(
            {
                k: v["accuracy"] or 0.0
                for k, v in result["by_language"].items()
                if v["accuracy"] is not None
            },
            "Accuracy by language",
            1.0,
            percent=True,
        ),
        svg_bars(_groups(items, "type"), "Accuracy by question type", 1.0, percent=True),
        svg_bars(_latency_bins(items), "Latency distribution (questions)"),
        svg_bars(_rank_counts(items), "Retrieval rank of the gold passage (questions)"),
    ]


def write_reports(result: dict[str, Any], out_dir: Path, title: str = "docqa evaluation") -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    slim = {k: v for k, v in result.items() if k != "per_item"}
    slim["per_item"] = [
        {k: v for k, v in i.items() if k != "citation_list"} for i in result["per_item"]
    ]
    (out_dir / "metrics.json").write_text(
        json.dumps(slim, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    table = metrics_table(result)
    md = [f"# {title}", "", "| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    md += ["| " + " | ".join(r) + " |" for r in table[1:]]
    fails = failures(result)
    md += [
        "",
        f"## Failures ({len(fails)})",
        "",
        "| id | question | answer | gold | citations |",
        "|---|---|---|---|---|",
    ]
    for f in fails:
        cites = "; ".join(f"[{c['n']}] {c['quote'][:60]}" for c in f["citation_list"])
        md.append(
            "| "
            + " | ".join(
                x.replace("|", "\\|").replace("\n", " ")
                for x in [
                    f["id"],
                    f["question"],
                    f["answer"][:200],
                    " / ".join(f["gold"]) or "(unanswerable)",
                    cites,
                ]
            )
            + " |"
        )
    (out_dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")

    charts = charts_svg(result)
    e = html.escape
    rows_html = "".join(
        "<tr>"
        + "".join(f"<{'th' if n == 0 else 'td'}>{e(c)}</{'th' if n == 0 else 'td'}>" for c in r)
        + "</tr>"
        for n, r in enumerate(table)
    )
    fail_rows = "".join(
        f"<tr><td>{e(f['id'])}</td><td>{e(f['question'])}</td><td>{e(f['answer'])}</td>"
        f"<td>{e(' / '.join(f['gold']) or '(unanswerable)')}</td><td>"
        + "<br>".join(
            f"[{c['n']}] {e(c['quote'])}" + ("" if c["verified"] else " <b>(unverified)</b>")
            for c in f["citation_list"]
        )
        + "</td></tr>"
        for f in fails
    )
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse;width:100%;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}}th{{background:#f0f0f0}}.charts svg{{margin:0 2em 1em 0}}</style>
</head><body><h1>{e(title)}</h1><table>{rows_html}</table><div class="charts">{"".join(charts)}</div>
<h2>Failures ({len(fails)})</h2><table><tr><th>id</th><th>question</th><th>answer</th><th>gold</th><th>citations</th></tr>{fail_rows}</table>
</body></html>"""
    (out_dir / "report.html").write_text(page, encoding="utf-8")


def comparison_markdown(cmp: dict[str, Any]) -> str:
    lines = ["| metric | A | B | delta |", "|---|---|---|---|"]
    for k, d in cmp["deltas"].items():
        lines.append(f"| {k} | {_fmt(d['a'])} | {_fmt(d['b'])} | {d['delta']:+.3f} |")
    lines += ["", f"Flipped questions: {len(cmp['flipped'])}"]
    for f in cmp["flipped"]:
        lines.append(
            f"- {f['id']}: {'wrong -> right' if f['b'] else 'right -> wrong'}: {f['question']}"
        )
    return "\n".join(lines)
