"""The `rag` command: real subprocesses for the user's view, in-process for the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag import Answer, AnswerEvent, Citation
from rag._generative import UNSUPPORTED_TEXT
from rag.cli import _print_answer, main
from tests.helpers import make_pdf

RAG = [sys.executable, "-m", "rag.cli"]
ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH: this checkout's rag, whatever folder an editable install points at.
    environment = {**os.environ, "RAG_INDEX_DIR": "", "PYTHONPATH": str(ROOT), **env}
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
        (["index", "missing-folder"], "error: nothing to index: missing-folder does not exist (check the path"),
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


def llm_events(raw: str, final: Answer) -> list[AnswerEvent]:
    """The shape of an LLM answer stream: sources, raw token pieces, the checked answer."""
    tokens = [AnswerEvent("token", text=piece) for piece in raw.split(" ")]
    return [AnswerEvent("sources"), *tokens, AnswerEvent("final", answer=final)]


def test_llm_stream_prints_only_the_checked_answer(capsys: pytest.CaptureFixture[str]) -> None:
    raw = "One million troops are taking part [1]."
    withheld = Answer("how many troops?", UNSUPPORTED_TEXT, True, supported=0.0)
    assert _print_answer(llm_events(raw, withheld)) == 0
    out = capsys.readouterr()
    assert "million" not in out.out and "million" not in out.err  # the raw draft is never shown
    assert UNSUPPORTED_TEXT in out.out and "Checked answer" in out.out
    assert "LLM is writing" in out.err


def test_llm_stream_prints_kept_text_with_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    quote = "More than 10,000 troops are taking part."
    citation = Citation(1, "drill", "Zapad drill", "drill.txt", 0, len(quote), quote)
    kept = Answer("how many troops?", "More than 10,000 troops are taking part. [1]", False, (citation,), supported=0.5)
    assert _print_answer(llm_events("More than 10,000 troops are taking part [1]. Also a parade on the moon [1].", kept)) == 0
    out = capsys.readouterr().out
    assert "moon" not in out  # the sentence the check removed
    assert out.index("Checked answer") < out.index(kept.text) < out.index("Sources:") < out.index(f"“{quote}”")


def test_llm_stream_as_json_is_only_the_checked_answer(capsys: pytest.CaptureFixture[str]) -> None:
    withheld = Answer("how many troops?", UNSUPPORTED_TEXT, True, supported=0.0)
    assert _print_answer(llm_events("One million troops [1].", withheld), as_json=True) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["answer"] == UNSUPPORTED_TEXT and out.err == ""


def test_extractive_stream_has_no_llm_header(capsys: pytest.CaptureFixture[str]) -> None:
    answer = Answer("q?", "The articles don't contain the answer to this question.", True)
    assert _print_answer([AnswerEvent("sources"), AnswerEvent("final", answer=answer)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == answer.text and out.err == ""


# Issue #13, "nothing lost, nothing let in": what reaches the terminal is one line per problem, and only text.

FAST = ["--reader", "fast"]
ESCAPES = ("\x1b[2J", "\x1b]0;owned\x07", "\x9b31m")


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of one article whose title and body hold terminal escape sequences."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "docs").mkdir()
    (root / "docs" / "storm.txt").write_text(
        f"Storm {ESCAPES[0]}hits coast{ESCAPES[2]}\n\n"
        f"The storm hit the coast on Monday {ESCAPES[1]}with winds of 140 km/h.\n", encoding="utf-8"
    )
    result = run(["index", str(root / "docs"), "--index", str(root / "index")], root)
    assert result.returncode == 0, result.stderr
    (root / "fast.toml").write_text('[rag]\nreader = "fast"\n')  # `rag info` has no --reader option
    return root


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_invalid_utf8_question_is_one_clear_error(hostile_index: Path) -> None:
    question = b"\xff troops".decode("utf-8", "surrogateescape")  # what Python makes of $'\xff troops' in argv
    result = subprocess.run(
        [*RAG, "ask", question, *FAST, "--index", str(hostile_index / "index")],
        cwd=hostile_index, capture_output=True, text=True, env={**os.environ, "RAG_INDEX_DIR": ""}, timeout=300,
    )
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        "error: the question is not valid text (invalid UTF-8 or a lone surrogate at character 1): retype it"
    ]
    assert "Traceback" not in result.stderr and "TypeError" not in result.stderr


def test_escape_sequences_in_articles_never_reach_the_terminal(hostile_index: Path) -> None:
    index = str(hostile_index / "index")
    info = run(["info", "--index", index, "--config", "fast.toml"], hostile_index)
    assert info.returncode == 0, info.stderr
    assert "storm: Storm [2Jhits coast31m" in info.stdout  # the title is shown, its control characters are not
    answer = run(["ask", "when did the storm hit the coast?", "--index", index, *FAST], hostile_index)
    assert answer.returncode == 0, answer.stderr
    assert "Monday" in answer.stdout and "Sources:" in answer.stdout
    for out in (info.stdout, answer.stdout):
        assert not any(c in out for c in "\x1b\x07\x9b"), out

    as_json = run(["ask", "when did the storm hit the coast?", "--index", index, *FAST, "--json"], hostile_index)
    assert as_json.returncode == 0, as_json.stderr
    assert not any(c in as_json.stdout for c in "\x1b\x07\x9b")  # json escapes them: \u001b, \u0007, \u009b
    data = json.loads(as_json.stdout)
    assert data["citations"][0]["title"] == f"Storm {ESCAPES[0]}hits coast{ESCAPES[2]}"  # the data itself is intact
    listing = run(["info", "--index", index, "--config", "fast.toml", "--json"], hostile_index)
    assert "\x9b" not in listing.stdout and json.loads(listing.stdout)["documents_list"][0]["title"].endswith("\x9b31m")


def test_password_in_llm_url_is_never_printed(hostile_index: Path) -> None:
    args = ["ask", "when did the storm hit?", "--index", str(hostile_index / "index"), *FAST,
            "--llm", "openai", "--base-url", "http://user:s3cret@127.0.0.1:9/v1", "--model", "x"]
    result = run(args, hostile_index, OPENAI_API_KEY="dummy")
    assert result.returncode == 2
    assert "s3cret" not in result.stderr + result.stdout
    (line,) = error_lines(result.stderr)
    assert line.startswith("error: LLM backend openai at http://***@127.0.0.1:9/v1 is unreachable")
    assert "Connection refused" in line  # the URL's userinfo no longer passes for part of the host name


def test_an_unexpected_error_quoting_a_credentialed_url_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's last resort: an error no layer expected (so none redacted it) still never prints a password or key."""
    from rag import Assistant

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("could not reach postgresql://reader:s3cret@db.example:5432/news, api_key=sk-abcdefghijklmnop")

    monkeypatch.setattr(Assistant, "load", broken)
    monkeypatch.delenv("RAG_DEBUG", raising=False)
    assert main(["ask", "when did the storm hit?", "--index", str(tmp_path / "index")]) == 1
    out, err = capsys.readouterr()
    assert "s3cret" not in out + err and "abcdefghijklmnop" not in out + err
    assert err.strip() == ("error: unexpected OSError: could not reach postgresql://***@db.example:5432/news"
                           ", api_key=*** (set RAG_DEBUG=1 for details)")


def test_a_file_name_cannot_forge_a_warning_line(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Good title\nPublished: 2021-08-09\nA good sentence about the harbour.")
    (docs / "evil\nwarning: fake.bin").write_bytes(b"x")
    (docs / "broken.pdf").write_bytes(make_pdf(["A page of text."])[:200])  # truncated: pypdf would log its own lines
    result = run(["index", str(docs), "--index", str(tmp_path / "index")], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 2 and all(line.startswith("warning: skipped ") for line in lines), result.stderr
    evil, broken = sorted(lines, key=lambda line: "broken.pdf" in line)
    name = str(docs / "evil\nwarning: fake.bin")
    assert evil.startswith(f"warning: skipped {name!r}: unsupported file type .bin;")  # quoted: \n shown, not obeyed
    assert broken.startswith(f"warning: skipped {docs / 'broken.pdf'}: unreadable PDF (")
    assert "1 added" in result.stdout and "2 skipped" in result.stdout


def test_articles_that_share_a_title_are_told_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An article reusing another's title is cited with its own id and source, in the CLI and in the JSON."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "wire.txt").write_text("Storm update\n\nThe storm closed 40 schools across the region on Monday.\n")
    (folder / "copycat.txt").write_text("Storm update\n\nThe storm closed the regional airport for two days.\n")
    index = str(tmp_path / "index")
    assert main(["index", str(folder), "--index", index]) == 0
    capsys.readouterr()
    assert main(["ask", "What did the storm close?", "--index", index, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    cited = {(c["title"], c["doc_id"], c["source"]) for c in answer["citations"]} | {
        (p["title"], p["doc_id"], p["source"]) for p in answer["passages"]}
    assert {doc_id for _, doc_id, _ in cited} == {"wire", "copycat"}
    assert {title for title, _, _ in cited} == {"Storm update"} and len({source for _, _, source in cited}) == 2
    assert main(["ask", "What did the storm close?", "--index", index]) == 0
    out = capsys.readouterr().out
    assert "(wire, chars" in out or "(copycat, chars" in out  # each source line names the article's own id


def test_json_names_each_source_and_keeps_its_path_under_source_path(
    news_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = str(tmp_path / "index")
    assert main(["index", str(news_dir), "--index", index]) == 0
    capsys.readouterr()
    assert main(["ask", "How many people were killed in the earthquake?", "--index", index, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    for item in answer["citations"] + answer["passages"]:
        assert "/" not in item["source"] and item["source_path"] == str(news_dir / item["source"])
    wire = next(c for c in answer["citations"] if c["doc_id"] == "quake-wire")
    assert wire["url"] == "https://wire.example.com/world/2026/06/02/quake-coast" and wire["outlet"] == "Wire Service"


def test_a_mistyped_path_beside_one_that_exists_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Harbour\nPublished: 2024-08-12\nThe harbour reopened on Monday.")
    result = run(["index", "news", "typo/", "--index", "idx"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert error_lines(result.stderr) == ["warning: skipped typo: no such file or folder"]
    assert "1 added" in result.stdout


# argparse's own printing swallows the broken pipe and exits 0; ours ends with 141, as tools killed by SIGPIPE do.
@pytest.mark.parametrize(("args", "status"), [(["info", "--index", "idx"], 141), (["--help"], 0)])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str], status: int) -> None:
    """`rag … | head`: the reader is gone before anything is written; no BrokenPipeError, no traceback."""
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Harbour\nPublished: 2024-08-12\nThe harbour reopened on Monday.")
    assert main(["index", str(tmp_path / "news"), "--index", str(tmp_path / "idx")]) == 0
    env = {**os.environ, "RAG_INDEX_DIR": "", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(RAG + args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `head` does once it has its lines
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == status and stderr == "", stderr


def test_the_first_articles_indexed_into_the_demo_index_replace_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag import Assistant, bundled_articles_dir

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "harbour.txt").write_text("Harbour reopens\nPublished: 2024-08-12\nThe harbour reopened on Monday.")
    (mine / "bridge.txt").write_text("Bridge closes\nPublished: 2024-09-02\nThe old bridge closed for repairs.")
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "default"))
    assert main(["index", str(bundled_articles_dir())]) == 0  # what the first `rag ask` builds
    capsys.readouterr()
    assert main(["index", str(mine / "harbour.txt")]) == 0
    err = capsys.readouterr().err
    assert "note: " in err and "held only the bundled sample articles" in err
    assert {d.id for d in Assistant.load().documents()} == {"harbour"}
    assert main(["index", str(mine / "bridge.txt")]) == 0  # the user's own index now: it grows
    assert "note:" not in capsys.readouterr().err
    assert {d.id for d in Assistant.load().documents()} == {"harbour", "bridge"}
    # A named index is never replaced, sample articles or not.
    named = str(tmp_path / "named")
    assert main(["index", str(bundled_articles_dir()), "--index", named]) == 0
    assert main(["index", str(mine / "harbour.txt"), "--index", named]) == 0
    assert len(Assistant.load(named).documents()) == 3
