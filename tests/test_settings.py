"""One settings record resolved at the edge, and one error family translated at each edge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.demo import demo_paths
from corpus.errors import CorpusError, DocqaError
from corpus.settings import Settings, SettingsError, current, use
from index.embedders import EmbedderError
from index.errors import BadNameError, IndexBusyError, NotFoundError
from qa.llm import LLMError
from qa.pipeline import QuestionError
from ui.cli import cli
from ui.service import ServiceError


def test_settings_from_the_environment_with_defaults_and_options(tmp_path: Path) -> None:
    s = Settings.from_env({"DOCQA_HOME": str(tmp_path), "OPENAI_MODEL": "m", "DOCQA_PORT": "8000"})
    assert s.home == tmp_path and s.models == tmp_path / "models"
    assert s.index == str(tmp_path / "index") and s.library == "default" and s.llm == "auto"
    assert s.max_file_bytes == 50 * 1024 * 1024 and s.port == 8000
    assert s.openai_model == "m"  # the OPENAI_* names are read when DOCQA_* are unset
    assert s.answer_style == "short"
    o = s.with_options(index="milvus://127.0.0.1:19530", llm=None, library="news")
    assert o.index == "milvus://127.0.0.1:19530" and o.llm == "auto" and o.library == "news"
    for env, named in (
        ({"DOCQA_MAX_FILE_MB": "lots"}, "DOCQA_MAX_FILE_MB='lots': not a number"),
        ({"DOCQA_MAX_FILE_MB": "-1"}, "DOCQA_MAX_FILE_MB='-1': must be between"),
        ({"DOCQA_LLM": "gpt"}, "DOCQA_LLM='gpt': use one of auto, extractive, local, openai"),
        ({"DOCQA_PORT": "99999"}, "DOCQA_PORT='99999'"),
        ({"DOCQA_ANSWER_STYLE": "long"}, "DOCQA_ANSWER_STYLE='long': use one of short, sentence"),
    ):
        with pytest.raises(SettingsError, match=named.replace("(", r"\(")):
            Settings.from_env(env)


def test_installed_settings_win_until_removed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCQA_HOME", str(tmp_path / "env"))
    assert current().home == tmp_path / "env"
    use(Settings.from_env({"DOCQA_HOME": str(tmp_path / "edge")}))
    try:
        monkeypatch.setenv("DOCQA_HOME", str(tmp_path / "later"))
        assert current().home == tmp_path / "edge"  # resolved once, at the edge
    finally:
        use(None)
    assert current().home == tmp_path / "later"


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli, ["docs", "--index", str(tmp_path / "i")], env={"DOCQA_MAX_FILE_MB": "fifty"}
    )
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: DOCQA_MAX_FILE_MB='fifty': not a number"


def test_every_user_error_is_a_docqa_error_with_its_exit_code_and_status() -> None:
    expected = {
        CorpusError("a.txt", "empty"): 422,
        QuestionError("the question is empty"): 400,
        NotFoundError("no document matches 'x'"): 404,
        BadNameError("library name '../x'"): 400,
        IndexBusyError("busy"): 503,
        EmbedderError("not installed"): 503,
        LLMError("no model"): 503,
        ServiceError("too many files", 413): 413,
    }
    for exc, status in expected.items():
        assert isinstance(exc, DocqaError) and exc.http_status == status and exc.exit_code == 2


def test_the_index_address_comes_from_the_environment_too(tmp_path: Path) -> None:
    """DOCQA_INDEX may be a milvus:// address; no --index needed (it used to be read as a
    folder name when the option was left out)."""
    pytest.importorskip("milvus_lite")
    env = {"DOCQA_INDEX": f"milvus://{tmp_path / 'lib.db'}", "DOCQA_HOME": str(tmp_path)}
    runner = CliRunner()
    res = runner.invoke(
        cli, ["ingest", str(demo_paths()[0]), "--embedder", "hash:64", "--json"], env=env
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["docs", "--json"], env=env)
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["index"].startswith("milvus://") and len(body["documents"]) == 1
    assert not (tmp_path / "milvus:").exists()
