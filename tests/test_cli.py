"""The `rag` command: real subprocesses for the user's view, in-process for the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import main

RAG = [sys.executable, "-m", "rag.cli"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "RAG_INDEX_DIR": "", **env}
    return subprocess.run(RAG + args, cwd=cwd, capture_output=True, text=True, env=environment, timeout=300)


def test_first_ask_builds_the_demo_index_and_answers_as_json(tmp_path: Path) -> None:
    result = run(["ask", "how many troops?", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["refused"] is False
    assert "ten thousand" in data["answer"] or "10,000" in data["answer"]
    assert {c["doc_id"] for c in data["citations"]} == {"russia-china-drill-report", "zapad-interaction-2021-begins"}
    assert set(data) >= {"question", "answer", "refused", "citations", "passages", "timings_ms"}
    assert (tmp_path / "index" / "default" / "manifest.json").exists()
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "error: the question is empty"),
        (["ask", "troops?", "--index", "no/such/index"], "error: no index at no/such/index"),
        (["index", "missing-folder"], "error: nothing to index"),
        (["ask", "troops?", "--config", "missing.toml"], "error: config file missing.toml does not exist"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_misspelled_setting_in_config_is_named(tmp_path: Path) -> None:
    (tmp_path / "rag.toml").write_text("[rag]\ntop_kk = 3\n")
    result = run(["ask", "troops?", "--config", "rag.toml"], tmp_path)
    assert result.returncode == 2
    assert "unknown setting 'top_kk': did you mean 'top_k'?" in result.stderr


def test_index_ask_info_in_process(tmp_path: Path, articles_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = str(tmp_path / "cli-index")
    (articles_copy / "bad.bin").write_bytes(b"\x00\x01")
    assert main(["index", str(articles_copy), "--index", index]) == 0
    out = capsys.readouterr()
    assert "2 added, 0 updated, 0 removed, 0 unchanged, 1 skipped" in out.out
    assert "bad.bin" in out.err  # one warning line for the skipped file

    assert main(["index", str(articles_copy), "--index", index]) == 0
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in capsys.readouterr().out

    assert main(["ask", "Why Tajikistan?", "--index", index]) == 0
    out = capsys.readouterr().out
    assert "Tajikistan asked" in out and "Sources:" in out and "[1]" in out

    assert main(["ask", "how many ships took part?", "--index", index]) == 0
    assert "don't contain the answer" in capsys.readouterr().out

    assert main(["info", "--index", index, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["documents"] == 2 and info["embedding_model"].startswith("sentence-transformers/all-MiniLM-L6-v2")
    assert info["size_bytes"] > 0 and len(info["documents_list"]) == 2
