"""Every regular expression docqa runs on document or question text, timed on hostile inputs at
two sizes: a pattern whose time grows faster than its input (backtracking) is listed.

    python benchmarks/regex_audit.py [--size 20000] [--json out.json]

Patterns are collected two ways: every compiled pattern held by a module of corpus/, index/ and
qa/, and every pattern written inline (`re.sub(r"...", ...)`) in their source. Each is run with `findall` (a scan from
every position: the worst case of `search`, `sub` and `split`) over inputs made to make
backtracking patterns slow: long lines of Chinese prose without a line break, dots and words
without braces (CSS-like), digits, spaces, punctuation, and each pattern's own literal
characters repeated. Growth is the time at 4x the size over the time at 1x: about 4 for a linear
pattern, 16 for a quadratic one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROSE = "据统计，该公司2025年全年营业收入为7903.8万美元，同比增长17.5%。"


def hostile(n: int, pattern: str) -> dict[str, str]:
    """Inputs of about `n` characters that make backtracking patterns slow."""
    literal = "".join(
        dict.fromkeys(ch for ch in pattern if ch.isprintable() and ch not in "\\()[]{}?*+|^$")
    )
    return {
        "prose": (PROSE * (n // len(PROSE) + 1))[:n],
        "prose-no-punct": ("该公司全年营业收入同比增长" * n)[:n],
        "dots": ("a.b#c@d " * n)[:n],
        "dots-brace": ("a.b-c " * n)[: n - 1] + "{",
        "digits": ("1234567890" * n)[:n],
        "digits-dots": ("1.2.3,4 " * n)[:n],
        "spaces": " " * (n - 1) + "x",
        "words": ("word " * n)[:n],
        "latin-caps": ("John Smith " * n)[:n],
        "brackets": ("[1][a]（注" * n)[:n],
        "cjk-punct": ("，、。；：" * n)[:n],
        "own-literals": ((literal or "a") * n)[:n],
    }


def modules() -> list[str]:
    names = []
    for pkg in ("corpus", "index", "qa", "ui"):
        mod = importlib.import_module(pkg)
        names += [f"{pkg}.{m.name}" for m in pkgutil.iter_modules(mod.__path__)]
    return names


def inline_patterns() -> dict[str, tuple[str, int]]:
    """Patterns written inline (`re.sub(r"...", ...)`) in docqa's own source, found by parsing it,
    with their flags when given as `re.X` names."""
    import ast

    out: dict[str, tuple[str, int]] = {}
    for pkg in ("corpus", "index", "qa", "ui"):
        for path in sorted((ROOT / pkg).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "re"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    continue
                flags = 0
                for kw in node.keywords:
                    if kw.arg == "flags" and isinstance(kw.value, ast.Attribute):
                        flags |= getattr(re, kw.value.attr, 0)
                where = f"{pkg}.{path.stem}:{node.lineno}"
                out.setdefault(node.args[0].value, (where, flags))
    return out


def collect() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for name in modules():
        try:
            mod = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that needs an optional package
            continue
        for attr, value in vars(mod).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.setdefault(value.pattern, value)
                _WHERE.setdefault(value.pattern, f"{name}.{attr}")
    for pat, (where, flags) in inline_patterns().items():
        if pat not in found:
            found[pat] = re.compile(pat, flags)
            _WHERE[pat] = where
    return found


_WHERE: dict[str, str] = {}


def timed(p: re.Pattern[str], text: str) -> float:
    t0 = time.perf_counter()
    p.findall(text)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=5_000)
    ap.add_argument("--json")
    args = ap.parse_args()
    patterns = collect()
    rows = []
    for pat, compiled in sorted(patterns.items(), key=lambda kv: _WHERE.get(kv[0], "")):
        worst = (0.0, 1.0, "")
        for kind, text in hostile(args.size, pat).items():
            small = timed(compiled, text)
            if small > 1.0:
                worst = max(worst, (small, float("inf"), kind))
                continue
            big_text = hostile(args.size * 4, pat)[kind]
            big = timed(compiled, big_text)
            growth = big / max(small, 1e-4)
            if big > 0.02 and growth > worst[1] or big > worst[0] and worst[1] < 6:
                worst = max(worst, (big, growth, kind), key=lambda w: (w[1] > 6, w[0]))
        if worst[1] == float("inf") or worst[1] > 8 and worst[0] > 0.05:
            print(f"  slow: {_WHERE.get(pat, '?')} {pat[:70]!r} on {worst[2]}", flush=True)
        rows.append(
            {
                "where": _WHERE.get(pat, "?"),
                "pattern": pat[:90],
                "seconds_4x": round(worst[0], 4),
                "growth": round(worst[1], 1) if worst[1] != float("inf") else None,
                "input": worst[2],
            }
        )
    bad = [r for r in rows if r["growth"] is None or (r["growth"] > 8 and r["seconds_4x"] > 0.05)]
    print(f"{len(rows)} patterns; input {args.size:,} and {args.size * 4:,} characters")
    print(f"{'where':<42} {'4x s':>8} {'growth':>7}  input")
    for r in sorted(rows, key=lambda r: -(r["seconds_4x"]))[:15]:
        g = "inf" if r["growth"] is None else f"{r['growth']:.1f}"
        print(f"{r['where'][:42]:<42} {r['seconds_4x']:>8.4f} {g:>7}  {r['input']}")
    print(f"super-linear (growth > 8 and over 0.05 s at 4x): {len(bad)}")
    for r in bad:
        print(f"  {r['where']}: {r['pattern']!r} on {r['input']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"patterns": rows, "super_linear": bad}, indent=1))


if __name__ == "__main__":
    main()
