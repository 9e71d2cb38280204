"""Hostile input against real processes: what each costs, and whether the server keeps answering.

    python benchmarks/hostile_files.py [--embedder hash:64] [--json out.json]

1. Each hostile file is ingested alone by `docqa ingest --json` into a fresh index; reported: the
   exit code, the seconds, the peak memory of the whole process tree (docqa and its reading
   child, sampled from /proc every 20 ms), whether a traceback was printed, and the first error.
2. A `docqa serve` (extractive, the demo corpus) gets a 1 MB one-line file and a DOCX bomb as
   background uploads while /api/health is polled every 100 ms and a question is asked every
   second: the slowest health answer and the question latencies are reported.
3. Questions of 2,000 characters (one character repeated, digit strings, mixed scripts) on that
   warm server, each alone, then five at once beside a normal question.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd: list[str], env: dict[str, str], timeout: float = 900) -> dict:
    """Run a command; its exit code, seconds, peak resident memory (with its children) and
    first error line."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate(timeout=timeout)
    done.set()
    t.join()
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    return {
        "exit": proc.returncode,
        "seconds": round(time.monotonic() - t0, 2),
        "peak_mb": round(peak / 2**20),
        "traceback": "Traceback" in err,
        "error": errors[0][:150] if errors else "",
    }


def hostile_files(folder: Path) -> dict[str, Path]:
    from test_hostile_files import LAUGHS, docx_with, one_megabyte_line, one_text_node, xlsx_bomb

    files: dict[str, bytes | str] = {
        "billion-laughs.docx": docx_with(LAUGHS.encode()),
        "one-text-node-300MiB.docx": docx_with(one_text_node(300)),
        "paragraphs-bomb.docx": docx_with(
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body>"
            + b"<w:p><w:r><w:t>para</w:t></w:r></w:p>" * (8 * 2**20)
            + b"</w:body></w:document>"
        ),
        "bomb.xlsx": xlsx_bomb(),
        "one-line-1MB.txt": one_megabyte_line().replace("\n", ""),
        "one-line-1MB.html": "<html><body><p>"
        + one_megabyte_line().replace("\n", "")
        + "</p></body></html>",
        "short-paragraphs-one-line-20MB.html": "<html><body>"
        + "<p>短段落。</p>" * (20 * 2**20 // 22)
        + "</body></html>",
        "binary.txt": os.urandom(2**20),
        "empty.md": b"",
    }
    out = {}
    for name, data in files.items():
        p = folder / name
        if isinstance(data, str):
            p.write_text(data, encoding="utf-8")
        else:
            p.write_bytes(data)
        out[name] = p
    return out


def server_under_uploads(tmp: Path, embedder: str) -> dict:
    from conftest import upload_request
    from test_hostile_files import LAUGHS, docx_with, one_megabyte_line

    from corpus.demo import demo_paths
    from index.ingest import ingest
    from ui.server import spawn

    home = tmp / "serve-home"
    ingest(demo_paths(), home / "index", embedder)
    proc, url = spawn(home / "index", home, "extractive", log_path=tmp / "serve.log")
    try:

        def upload(name: str, data: bytes) -> str:
            with urllib.request.urlopen(upload_request(url, [(name, data)]), timeout=60) as r:
                return str(json.load(r)["job"]["id"])

        def get(path: str) -> dict:
            with urllib.request.urlopen(url + path, timeout=60) as r:
                return json.load(r)  # type: ignore[no-any-return]

        def ask(q: str) -> float:
            t0 = time.monotonic()
            req = urllib.request.Request(
                url + "/api/ask",
                data=json.dumps({"question": q}).encode(),
                headers={"content-type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=600) as r:
                r.read()
            return time.monotonic() - t0

        ask("MiniMax 2025年全年总收入是多少？")  # warm
        jobs = [
            upload("line.txt", one_megabyte_line().encode()),
            upload("laughs.docx", docx_with(LAUGHS.encode())),
        ]
        health, questions = [], []
        last_q = 0.0
        t_start = time.monotonic()
        while any(get(f"/api/jobs/{j}")["state"] in ("queued", "running") for j in jobs):
            t0 = time.monotonic()
            get("/api/health")
            health.append(time.monotonic() - t0)
            if time.monotonic() - last_q > 1:
                questions.append(ask("MiniMax 2025年全年总收入是多少？"))
                last_q = time.monotonic()
            time.sleep(0.1)
        upload_s = time.monotonic() - t_start
        normal = [ask("MiniMax 2025年全年总收入是多少？") for _ in range(5)]
        long_qs = {
            "的 x2000": "的" * 2000,
            "digits x2000": ("1234567890万亿" * 200)[:2000],
            "mixed x2000": ("MiniMax收入revenue 2025年 净亏损net loss " * 80)[:2000],
        }
        alone = {k: round(ask(q), 2) for k, q in long_qs.items()}
        res: list[float] = []
        threads = [
            threading.Thread(target=lambda q=q: res.append(ask(q)))
            for q in list(long_qs.values()) * 2
        ][:5]
        for t in threads:
            t.start()
        time.sleep(0.2)
        beside = ask("MiniMax 2025年全年总收入是多少？")
        for t in threads:
            t.join()
        return {
            "upload_seconds": round(upload_s, 1),
            "health_max_s": round(max(health), 3),
            "health_p95_s": round(sorted(health)[int(0.95 * (len(health) - 1))], 3),
            "health_polls": len(health),
            "question_during_upload_p50_s": round(statistics.median(questions), 2)
            if questions
            else None,
            "question_during_upload_max_s": round(max(questions), 2) if questions else None,
            "question_p50_s": round(statistics.median(normal), 2),
            "long_question_alone_s": alone,
            "normal_beside_5_long_s": round(beside, 2),
            "five_long_max_s": round(max(res), 2),
            "jobs": [get(f"/api/jobs/{j}")["result"]["files"][0]["status"] for j in jobs],
        }
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--embedder", default="hash:64", help="embedder of the indexes (hash:64: no model)"
    )
    ap.add_argument("--json")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="docqa-hostile-"))
    rows = {}
    try:
        files = hostile_files(tmp)
        print(f"{'file':<38} {'MB':>6} {'exit':>4} {'s':>6} {'peak MB':>8} {'tb':>3}  error")
        for name, path in files.items():
            env = {**os.environ, "DOCQA_HOME": str(tmp / "home"), "DOCQA_EMBEDDER": args.embedder}
            idx = tmp / f"idx-{name}"
            r = run_measured(
                [
                    sys.executable,
                    "-m",
                    "ui.cli",
                    "ingest",
                    str(path),
                    "--index",
                    str(idx),
                    "--json",
                ],
                env,
            )
            rows[name] = {"mb": round(path.stat().st_size / 2**20, 2), **r}
            print(
                f"{name:<38} {rows[name]['mb']:>6} {r['exit']:>4} {r['seconds']:>6} {r['peak_mb']:>8} "
                f"{'yes' if r['traceback'] else 'no':>3}  {r['error'][:90]}"
            )
        server = server_under_uploads(tmp, args.embedder)
        print(json.dumps(server, indent=1, ensure_ascii=False))
        if args.json:
            Path(args.json).write_text(json.dumps({"files": rows, "server": server}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
