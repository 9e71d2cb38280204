"""Upload jobs survive the server: a real `docqa serve` killed with -9 while a background upload
runs, then started again on the same index, resumes the job from its staged files; files a killed
server left in `uploads/` unindexed are indexed at the next start; two files of one upload with one
name are both kept."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import upload_request
from fastapi.testclient import TestClient

from ui.server import build_app, spawn
from ui.service import DocqaService


def report(i: int) -> str:
    return (
        f"第{i}号仓库年度报告\n\n"
        + "".join(
            f"第{i}号仓库{y}年的吞吐量为{i * 100 + y % 100}万吨，仓库位于第{i}物流园区第{y % 7}区。"
            for y in range(2000, 2030)
        )
        + "\n"
    )


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.load(r)  # type: ignore[no-any-return]


def wait_job(url: str, job: str, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = get(f"{url}/api/jobs/{job}")
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"job {job} still {body['state']} after {timeout} s")


@pytest.fixture
def home(tmp_path: Path, demo_index: Path) -> Path:
    h = tmp_path / "home"
    shutil.copytree(demo_index, h / "index", symlinks=True)
    return h


def test_kill_9_of_the_server_during_an_upload_job_resumes_it(home: Path, tmp_path: Path) -> None:
    proc, url = spawn(home / "index", home, "extractive", log_path=tmp_path / "a.log")
    try:
        files = [(f"仓库{i}.txt", report(i)) for i in range(20)]
        req = upload_request(url, [(n, t.encode()) for n, t in files])
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 202
            job = json.load(r)["job"]["id"]
        proc.send_signal(signal.SIGKILL)  # the job was queued or running, never done
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert get_state(home, job) in ("queued", "running")
    proc, url = spawn(home / "index", home, "extractive", log_path=tmp_path / "b.log")
    try:
        done = wait_job(url, job)
        assert done["state"] == "done" and done.get("resumed") == 1, done
        assert sorted(done["result"]["new"]) == sorted(n for n, _ in files)
        assert get(url + "/api/health")["documents"] == 22
        log = (tmp_path / "b.log").read_text()
        assert f"job {job} (upload: 仓库0.txt" in log and "resumed" in log
        staged = home / "index" / "uploads" / ".jobs"
        assert not staged.exists() or not any(staged.iterdir())  # cleaned once done
    finally:
        proc.terminate()
        proc.wait(10)


def get_state(home: Path, job: str) -> str:
    """A job's state as the jobs database holds it (no server running)."""
    from ui.jobs import JobStore

    found = JobStore(home / "index" / "jobs.sqlite").get(job)
    assert found is not None
    return found.state


def test_files_a_killed_server_left_in_uploads_are_indexed_at_start(
    home: Path, tmp_path: Path
) -> None:
    uploads = home / "index" / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "left.txt").write_text(report(7), encoding="utf-8")  # saved, never indexed
    (uploads / "broken.pdf").write_bytes(b"%PDF-1.4 not a pdf")
    proc, url = spawn(home / "index", home, "extractive", log_path=tmp_path / "s.log")
    try:
        log = (tmp_path / "s.log").read_text()
        assert "the uploads folder holds files a stopped server left unindexed" in log
        jobs = get(url + "/api/jobs")["jobs"]
        recovery = next(j for j in jobs if j["kind"] == "recover")
        done = wait_job(url, recovery["id"])
        assert done["result"]["indexed"] == ["left.txt"]
        assert [f["path"] for f in done["result"]["failed"]] == ["broken.pdf"]
        assert (uploads / ".unindexed" / "broken.pdf").is_file()  # kept, never deleted
        assert get(url + "/api/health")["documents"] == 3
    finally:
        proc.terminate()
        proc.wait(10)
    # nothing left to do: the next start submits no job
    proc, url = spawn(home / "index", home, "extractive", log_path=tmp_path / "t.log")
    try:
        assert "uploads folder" not in (tmp_path / "t.log").read_text()
    finally:
        proc.terminate()
        proc.wait(10)


def test_two_files_with_one_name_in_one_upload_are_both_kept(
    tmp_path: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path))
    index = tmp_path / "index"
    shutil.copytree(demo_index, index, symlinks=True)
    with TestClient(build_app(DocqaService(index, llm="extractive"))) as client:
        files = [
            ("files", ("dup.txt", report(1).encode(), "text/plain")),
            ("files", ("dup.txt", report(2).encode(), "text/plain")),
        ]
        body = client.post("/api/documents?wait=true", files=files).json()
        got = body["files"]
        assert [f["status"] for f in got] == ["new", "new"], got
        assert got[0]["doc_id"] != got[1]["doc_id"]
        assert [f["stored_as"] for f in got] == ["dup.txt", "dup-2.txt"]
        docs = client.get("/api/documents").json()["documents"]
        assert {d["title"] for d in docs} >= {"第1号仓库年度报告", "第2号仓库年度报告"}
        for i in (1, 2):
            a = client.post(
                "/api/ask", json={"question": f"第{i}号仓库2005年的吞吐量是多少？"}
            ).json()
            assert f"{i * 100 + 5}万吨" in a["answer"], a["answer"]
    assert os.path.exists(index / "uploads" / "dup-2.txt")
