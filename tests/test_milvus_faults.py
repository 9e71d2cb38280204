"""Faults on Milvus with real processes, as on the local store (tests/test_hardening.py): kill -9 at
several moments of the first ingest, a later ingest and a remove, on Milvus Lite (a `.db` file)
and on `milvus-lite server`; two replicas creating one library at the same moment. After each
fault every listed document must have all its chunks (be searchable), and the next command must
repair what the killed one left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_backends import milvus_server  # noqa: F401 - the fixture
from test_hardening import write_docs

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

ROOT = Path(__file__).resolve().parents[1]
FAKE = "hash:64"

# Run in a child process: a Lite file serves one process at a time, so the test never opens it.
CHECK = """
import json, sys
from index.milvus import MilvusLibrary
lib = MilvusLibrary(sys.argv[1], sys.argv[2])
out = {"exists": lib.exists(), "docs": [], "short": [], "stray": 0, "intents": len(lib.intents)}
if out["exists"]:
    counts = {}
    for r in lib._all(lib.chunks_coll, ["doc_id"], 'id != ""'):
        counts[r["doc_id"]] = counts.get(r["doc_id"], 0) + 1
    listed = {e.doc.id for e in lib.docs}
    out["docs"] = sorted(e.doc.title for e in lib.docs)
    out["short"] = [e.doc.title for e in lib.docs if counts.get(e.doc.id, 0) < e.n_chunks]
    out["stray"] = sum(n for d, n in counts.items() if d not in listed)
    from index.keyword import terms
    hits = lib.keyword_top(terms("第7号工厂2025年产量"), 5) if lib.docs else []
    out["hit_titles"] = [lib.doc(lib.chunk(c).doc_id).doc.title for c, _ in hits]
print(json.dumps(out, ensure_ascii=False))
"""


def run(address: str, home: Path, *args: str, library: str = "default"):
    env = {
        **os.environ,
        "DOCQA_HOME": str(home),
        "DOCQA_INDEX": address,
        "DOCQA_LIBRARY": library,
        "DOCQA_EMBEDDER": FAKE,
    }
    cmd = [sys.executable, "-m", "ui.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


def kill_at(address: str, home: Path, point: int, *args: str, library: str = "default") -> int:
    """Run a command that stops after each Milvus write (index.milvus._FaultPoints) and kill -9
    it, with Lite's own server process, right after its `point`-th write. Returns how many
    writes it made (fewer than `point` when it finished first)."""
    env = {
        **os.environ,
        "DOCQA_HOME": str(home),
        "DOCQA_INDEX": address,
        "DOCQA_LIBRARY": library,
        "DOCQA_EMBEDDER": FAKE,
        "DOCQA_FAULT_POINTS": "1",
    }
    p = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert p.stdin is not None and p.stderr is not None
    n = 0
    for line in p.stderr:
        if line.startswith("fault-point "):
            n += 1
            if n == point:
                os.killpg(p.pid, signal.SIGKILL)
                break
            p.stdin.write("\n")
            p.stdin.flush()
    p.wait(60)
    time.sleep(0.3)
    return n


def state(address: str, library: str = "default") -> dict:
    r = subprocess.run(
        [sys.executable, "-c", CHECK, address, library],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def consistent(s: dict) -> None:
    """Every listed document has all its chunks; a search finds a listed document's text."""
    assert s["short"] == [], f"listed but not searchable: {s['short']}"
    for t in s["docs"]:
        if "第7号" in t:
            assert t in s["hit_titles"], "a listed document is not found by its words"


def repaired(s: dict) -> None:
    consistent(s)
    assert s["stray"] == 0 and s["intents"] == 0, s


@pytest.fixture(params=["lite", "server"])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "lite":
        return f"milvus://{tmp_path / 'lib.db'}"
    server: str = request.getfixturevalue("milvus_server")
    return server


def _library(request: pytest.FixtureRequest) -> str:
    return "t" + str(abs(hash(request.node.name)) % 10**8)  # one per test on the shared server


# A remove of 10 documents writes: 1 its intent, 2-11 each record, 12 their chunks, 13 the intent
# gone, 14 the version stamp, then flushes.
@pytest.mark.parametrize("point", [1, 6, 12, 13])
def test_kill_9_during_remove_leaves_every_listed_document_searchable(
    tmp_path: Path, address: str, point: int, request: pytest.FixtureRequest
) -> None:
    home, lib = tmp_path / "home", _library(request)
    files = write_docs(tmp_path / "a", "甲", 20)
    assert run(address, home, "ingest", str(files[0].parent), library=lib).returncode == 0
    ids = json.loads(run(address, home, "docs", "--json", library=lib).stdout)["documents"]
    victims = [d["id"] for d in ids if "第7号" not in d["title"]][:10]
    assert kill_at(address, home, point, "remove", *victims, library=lib) == point
    s = state(address, lib)
    consistent(s)
    assert 10 <= len(s["docs"]) <= 20
    # the next command finishes or undoes what the killed one left; the files go back in
    r = run(address, home, "ingest", str(files[0].parent), "--json", library=lib)
    assert r.returncode == 0, r.stderr
    s = state(address, lib)
    repaired(s)
    assert len(s["docs"]) == 20


# The first ingest of 30 one-chunk documents writes: 1 the docs collection, 2 the manifest, 3 the
# sentences collection, 4 the chunks collection (the library exists from here), 5 the intent,
# 6 the chunks, 7 the sentence vectors, 8-37 each record, 38 the intent gone, 39 the stamp.
@pytest.mark.parametrize("point", [1, 2, 3, 5, 6, 8, 20, 38])
def test_kill_9_during_the_first_ingest_never_breaks_the_library(
    tmp_path: Path, point: int
) -> None:
    address = f"milvus://{tmp_path / 'lib.db'}"
    home = tmp_path / "home"
    files = write_docs(tmp_path / "a", "甲", 30)
    assert kill_at(address, home, point, "ingest", str(files[0].parent)) == point
    s = state(address)
    consistent(s)
    r = run(address, home, "docs")  # listed, or "no library ...": one line, never a traceback
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) <= 1, r.stderr
    for args in (["ingest", str(files[0].parent)], ["docs", "--json"]):
        r = run(address, home, *args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert len(json.loads(r.stdout)["documents"]) == 30
    repaired(state(address))


@pytest.mark.parametrize("point", [2, 8])
def test_kill_9_during_a_later_ingest_that_replaces_documents(
    tmp_path: Path, address: str, point: int, request: pytest.FixtureRequest
) -> None:
    """Three changed files replace their earlier versions (new ids) and ten are new: killed at
    its 2nd write (chunks stored, nothing listed) or 8th (some records stored), the library
    lists each file once or not at all, and `docqa repair` leaves no stray chunk or intent."""
    home, lib = tmp_path / "home", _library(request)
    a = write_docs(tmp_path / "a", "甲", 5)
    assert run(address, home, "ingest", str(a[0].parent), library=lib).returncode == 0
    for f in a[:3]:
        f.write_text(f.read_text(encoding="utf-8") + "该工厂2026年计划扩产。\n", encoding="utf-8")
    write_docs(tmp_path / "a", "乙", 10)
    assert kill_at(address, home, point, "ingest", str(a[0].parent), library=lib) == point
    s = state(address, lib)
    consistent(s)
    assert len(s["docs"]) == len(set(s["docs"])) or len(s["docs"]) <= 18
    r = run(address, home, "repair", library=lib)
    assert r.returncode == 0 and "consistent" in r.stdout, r.stderr
    repaired(state(address, lib))
    r = run(address, home, "ingest", str(a[0].parent), "--json", library=lib)
    assert r.returncode == 0, r.stderr
    s = state(address, lib)
    repaired(s)
    assert len(s["docs"]) == 15 and len(set(s["docs"])) == 15  # each file once, the new version


def test_repair_on_milvus_says_what_it_did(tmp_path: Path) -> None:
    """A library whose documents lost their chunks (what a remove killed under the old order
    left) is repaired: the chunkless documents are unlisted, so the next ingest puts them back."""
    address = f"milvus://{tmp_path / 'lib.db'}"
    home = tmp_path / "home"
    files = write_docs(tmp_path / "a", "甲", 6)
    assert run(address, home, "ingest", str(files[0].parent)).returncode == 0
    damage = (
        "import sys\nfrom index.milvus import MilvusLibrary\n"
        "lib = MilvusLibrary(sys.argv[1])\nd = lib.docs[0].doc.id\n"
        "lib.client.delete(lib.chunks_coll, filter=f'doc_id == \"{d}\"')\n"
    )
    subprocess.run([sys.executable, "-c", damage, address], check=True, cwd=ROOT, timeout=120)
    assert state(address)["short"]  # listed, not searchable: the damage the issue saw
    r = run(address, home, "repair")
    assert r.returncode == 0, r.stderr
    assert "unlisted 1 document(s) whose chunks were missing" in r.stderr
    s = state(address)
    consistent(s)
    assert len(s["docs"]) == 5
    r = run(address, home, "ingest", str(files[0].parent), "--json")
    assert json.loads(r.stdout)["new"] and len(state(address)["docs"]) == 6


def test_two_replicas_start_together_on_an_empty_milvus(
    tmp_path: Path,
    milvus_server: str,  # noqa: F811
) -> None:
    """Two `docqa serve` processes started at the same moment on one new library (a deployment
    with 2 replicas): both race to create its collections, and both come up on one library."""
    from ui.server import spawn

    procs = []
    env_before = dict(os.environ)
    os.environ["DOCQA_LIBRARY"] = "replicas"
    os.environ["DOCQA_EMBEDDER"] = FAKE
    try:
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(
                    spawn,
                    milvus_server,
                    tmp_path / f"home{i}",
                    "extractive",
                    None,
                    tmp_path / f"serve{i}.log",
                )
                for i in range(2)
            ]
            for f in futures:
                procs.append(f.result())
        for _proc, url in procs:
            with urllib.request.urlopen(url + "/api/health") as r:
                h = json.load(r)
            assert h["status"] == "ok" and h["documents"] == 0  # a new library starts empty
        with urllib.request.urlopen(procs[0][1] + "/api/libraries") as r:
            assert [x["name"] for x in json.load(r)["libraries"]].count("replicas") == 1
        for i in range(2):
            assert "Traceback" not in (tmp_path / f"serve{i}.log").read_text()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
        for proc, _ in procs:
            proc.terminate()
            proc.wait(10)
