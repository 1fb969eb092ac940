"""The `rag` command: real subprocesses for the user's view, in-process for the rest."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

# Loaded at collection (`rag ui` and `rag serve` import them): a mutation run forks each mutant's session from the
# collected one, so they load once, not once per mutant.
import ui.app
import ui.server
from rag import Answer, AnswerEvent, Assistant, Citation, LoadError
from rag._generative import UNSUPPORTED_TEXT
from rag.cli import _print_answer, main
from tests.helpers import make_pdf, write_two_articles
from ui.server import API_KEY_ENV

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
    assert out.out == f"Checked answer (unsupported sentences removed, citations verified):\n{UNSUPPORTED_TEXT}\n"
    assert out.err == "(the LLM is writing; its answer is shown once its citations are checked)\n"


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


# In-process tests of every command's wiring and printing (issue #30): mutmut's trampolines see only code run in
# this process, and these run in about a second each, against one index of the sample news per module.


@pytest.fixture(scope="module")
def news_index(news: Assistant) -> str:
    """The index of the dated sample articles (rag/data/sample-news), as ``--index`` takes it."""
    return str(news.index_dir)


def test_ask_prints_the_answer_its_sources_their_dates_copies_and_disagreements(
    news_index: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "How many people were killed in the earthquake?", "--index", news_index, *FAST]) == 0
    out = capsys.readouterr().out
    toll = ("PORT CITY, June 4, 2026 (City Herald) – The death toll from Monday's magnitude 7.4 earthquake rose to 31 "
            "people killed, rescue officials said on Wednesday, as crews searched collapsed buildings in the port city.")
    wire = ("At least 12 people were killed and hundreds of buildings were damaged in the port city, officials said on "
            "Monday evening.")
    assert out == (
        f"The sources differ. City Herald, 2026-06-04: {toll} [1] Wire Service, 2026-06-02: {wire} [2]\n"
        "\nSources differ (number): 31, 4, 7.4 [1] vs 12 [2]\n"
        "\nSources:\n"
        "  [1] Quake death toll rises to 31 (quake-update, chars 30-241; City Herald, 2026-06-04)\n"
        f"      “{toll}”\n"
        "      dates: Monday → 2026-06-01, Wednesday → 2026-06-03\n"
        "  [2] Magnitude 7.4 quake strikes off the coast (quake-wire, chars 130-251; Wire Service, 2026-06-02)\n"
        f"      “{wire}”\n"
        "      dates: Monday → 2026-06-01\n"
        "      also published by: Regional Times, 2026-06-03\n"
    )


def test_ask_with_a_date_prints_the_time_scope(news_index: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "How many vehicles were recalled?", "--as-of", "2024-01-01", "--index", news_index, *FAST]) == 0
    out = capsys.readouterr().out
    assert "\n\nTime scope: “as of 2024-01-01” → published … to 2024-01-01, newest article first\n\nSources:\n" in out
    assert "(recall-2023, chars 59-185; Auto Daily, 2023-03-14)" in out and "recall-2026" not in out
    # --since and --until reach the search: only 2026's recall is in range.
    assert main(["ask", "How many vehicles were recalled?", "--since", "2026-01-01", "--until", "2026-12-31",
                 "--index", news_index, *FAST]) == 0
    out = capsys.readouterr().out
    assert "“since 2026-01-01, until 2026-12-31” → published 2026-01-01 to 2026-12-31" in out
    assert "recall-2026" in out and "recall-2023" not in out


def test_a_refusal_lists_the_three_closest_passages(news_index: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "How many ships sank?", "--index", news_index, *FAST, "--top-k", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["The articles don't contain the answer to this question.", "", "Retrieved passages:"]
    assert len(lines) == 6
    for line in lines[3:]:
        assert re.fullmatch(r"  - [A-Z][^()]+ \([a-z0-9-]+, score 0\.\d{3}\)", line), line


def test_ask_checks_the_question_and_the_dates_before_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "no-index")  # loading it would fail with "no index at ..."
    assert main(["ask", "  ", "--index", missing]) == 2
    assert capsys.readouterr().err.startswith("error: the question is empty")
    assert main(["ask", "troops?", "--since", "2021-13-01", "--index", missing]) == 2
    assert capsys.readouterr().err == "error: since '2021-13-01' is not a date: use YYYY-MM-DD, e.g. 2021-08-01\n"
    assert main(["timeline", "", "--index", missing]) == 2
    assert capsys.readouterr().err.startswith("error: the question is empty")
    assert main(["timeline", "drill", "--as-of", "June", "--index", missing]) == 2
    assert capsys.readouterr().err.startswith("error: as_of 'June' is not a date")
    assert main(["ask", "troops?", "--index", missing]) == 2
    assert capsys.readouterr().err.startswith(f"error: no index at {missing}")


def test_timeline_prints_each_event_with_how_its_date_was_found(
    news_index: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["timeline", "carmaker recall", "--index", news_index]) == 0
    assert capsys.readouterr().out == (
        "2023-03-14  [1] The carmaker said on Tuesday it is recalling 1.2 million vehicles because the passenger "
        "airbags may fail to deploy in a crash.\n"
        "            Carmaker recalls 1.2 million vehicles over faulty airbags (Auto Daily, 2023-03-14) · relative: "
        "“Tuesday” · chars 59-185 of recall-2023\n"
        "2026-11-19  [2] The carmaker is recalling 300,000 vehicles because a brake line can leak fluid and lengthen "
        "stopping distances, the company said last Thursday.\n"
        "            Carmaker recalls 300,000 SUVs over brake fault (Motor News, 2026-11-24) · relative: "
        "“last Thursday” · chars 48-191 of recall-2026\n"
    )
    assert main(["timeline", "carmaker recall", "--since", "2026-01-01", "--index", news_index]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Time scope: “since 2026-01-01” → published 2026-01-01 to …\n\n2026-11-19  [1] The carmaker is")
    assert "recall-2023" not in out
    assert main(["timeline", "quake", "--until", "2020-01-01", "--index", news_index]) == 0
    assert capsys.readouterr().out == ("Time scope: “until 2020-01-01” → published … to 2020-01-01\n\n"
                                       "No dated events found in the retrieved articles.\n")


def test_timeline_as_json_gives_each_source_its_file_name(news_index: str, news_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", "carmaker recall", "--json", "--top-k", "3", "--index", news_index]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "carmaker recall" and data["time_scope"] is None
    assert [(e["date"], e["how"], e["phrase"]) for e in data["events"]] == [
        ("2023-03-14", "relative", "Tuesday"), ("2026-11-19", "relative", "last Thursday")]
    citation = data["events"][0]["citation"]
    assert citation["source"] == "recall-2023.md" and citation["source_path"] == str(news_dir / "recall-2023.md")


def test_info_lists_the_index_and_each_article(news_index: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--index", news_index]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(rf"index:     {re.escape(news_index)}  \(\d+\.\d KiB, updated 20\d\d-\d\d-\d\dT[\d:]+Z\)", lines[0])
    assert lines[1:] == [
        "model:     sentence-transformers/all-MiniLM-L6-v2 (onnx-int8) (384 dims)",
        "chunker:   {'chunk_tokens': 200, 'overlap_tokens': 40, 'encoding': 'cl100k_base'}",
        "documents: 7   chunks: 7   sentences: 28",
        "  - festival-2024: Harbour festival draws record crowd (2024-08-12)",
        "  - festival-2025: Harbour festival grows again (2025-08-11)",
        "  - quake-reprint: Magnitude 7.4 quake strikes off the coast (Regional Times, 2026-06-03)",
        "  - quake-update: Quake death toll rises to 31 (City Herald, 2026-06-04)",
        "  - quake-wire: Magnitude 7.4 quake strikes off the coast (Wire Service, 2026-06-02)",
        "  - recall-2023: Carmaker recalls 1.2 million vehicles over faulty airbags (Auto Daily, 2023-03-14)",
        "  - recall-2026: Carmaker recalls 300,000 SUVs over brake fault (Motor News, 2026-11-24)",
    ]
    kib = float(lines[0].split("  (")[1].split(" KiB")[0])
    assert main(["info", "--index", news_index, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert round(info["size_bytes"] / 1024, 1) == kib and info["documents"] == 7 and info["chunks"] == 7


def test_info_as_json_lists_each_article_with_its_metadata(
    news_index: str, news_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "--json", "--index", news_index]) == 0
    listed = {d["id"]: d for d in json.loads(capsys.readouterr().out)["documents_list"]}
    assert len(listed) == 7
    assert listed["quake-wire"] == {
        "id": "quake-wire", "title": "Magnitude 7.4 quake strikes off the coast", "source": "quake-wire.json",
        "source_path": str(news_dir / "quake-wire.json"), "published": "2026-06-02", "outlet": "Wire Service",
        "author": "Lee Park", "url": "https://wire.example.com/world/2026/06/02/quake-coast",
    }
    assert listed["festival-2025"]["outlet"] is None and listed["festival-2025"]["published"] == "2025-08-11"


def test_index_reports_each_problem_and_obeys_rebuild_and_no_prune(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "harbour.txt").write_text("Harbour reopens\nPublished: 2024-08-12\nThe harbour reopened on Monday.")
    (news / "bridge.txt").write_text("Bridge closes\n\nThe old bridge closed for repairs.")  # no date
    (news / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    index = str(tmp_path / "index")
    assert main(["index", str(news), "typo/", "--index", index]) == 0
    out, err = capsys.readouterr()
    assert re.fullmatch(rf"{re.escape(index)}: 2 added, 0 updated, 0 removed, 0 unchanged, 2 skipped; 2 documents, "
                        r"2 chunks \(\d+\.\ds\)\n", out)
    assert err.splitlines() == [
        f"warning: skipped {news / 'photo.png'}: unsupported file type .png; use one of .txt, .md, .markdown, .html, "
        ".htm, .pdf, .json, .jsonl, .csv",
        "warning: skipped typo: no such file or folder",
        "warning: 1 of 2 documents have no publication date (date unknown): date filters skip them unless "
        "--include-undated; add (or fix, where a warning names one) `published:` front matter or a 'published' field",
    ]
    (news / "bridge.txt").unlink()
    assert main(["index", str(news), "--index", index, "--no-prune"]) == 0
    assert ": 0 added, 0 updated, 0 removed, 1 unchanged, 1 skipped; 2 documents" in capsys.readouterr().out
    assert main(["index", str(news), "--index", index]) == 0
    assert ": 0 added, 0 updated, 1 removed, 1 unchanged, 1 skipped; 1 documents" in capsys.readouterr().out
    assert main(["index", str(news), "--index", index, "--rebuild"]) == 0
    assert ": 1 added, 0 updated, 0 removed, 0 unchanged, 1 skipped; 1 documents" in capsys.readouterr().out
    assert main(["index", str(news), "--index", index, "--runner", "spark"]) == 2
    assert capsys.readouterr().err == (
        "error: unknown runner 'spark': use local, ray, or ray://host:port for an existing cluster\n")
    assert main(["index", "typo/", "gone.txt", "--index", index]) == 2
    assert capsys.readouterr().err == ("error: nothing to index: typo/ does not exist (check the path, or give a URL "
                                       "with http://)\n")


def test_index_with_a_config_file_uses_its_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "harbour.txt").write_text("Harbour reopens\nPublished: 2024-08-12\n" + "The harbour reopened on Monday. " * 60)
    (tmp_path / "small.toml").write_text("[rag]\nchunk_tokens = 64\nchunk_overlap = 8\n")
    index = str(tmp_path / "index")
    assert main(["index", str(news), "--index", index, "--config", str(tmp_path / "small.toml")]) == 0
    assert main(["info", "--index", index, "--json"]) == 0
    info = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert info["chunker"]["chunk_tokens"] == 64 and info["chunks"] > 1


def test_watch_indexes_its_sources_until_interrupted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rag watch FOLDER URL --every 1s`: both indexed with the --config settings, the URL polled again, Ctrl-C ends it."""
    import _thread
    import threading
    import time

    from tests.helpers import NewsSite, article_page

    news = tmp_path / "news"
    news.mkdir()
    (news / "harbour.txt").write_text("Harbour reopens\nPublished: 2024-08-12\nThe harbour reopened on Monday.")
    (tmp_path / "small.toml").write_text("[rag]\nchunk_tokens = 64\nchunk_overlap = 8\n")
    site = NewsSite()
    site.route("/ferry", article_page("Ferry carries 2,400", ["The new ferry carried 2,400 passengers in its first week."],
                                      date="2026-05-04", site="Lake Courier"))
    index = tmp_path / "index"

    def interrupt_once_polled_twice() -> None:
        deadline = time.monotonic() + 20
        while site.counts["/ferry"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        _thread.interrupt_main()  # Ctrl-C

    threading.Thread(target=interrupt_once_polled_twice, daemon=True).start()
    try:
        assert main(["watch", str(news), f"{site.url}/ferry", "--index", str(index), "--every", "1s",
                     "--allow-host", "127.0.0.1", "--config", str(tmp_path / "small.toml")]) == 0
    finally:
        site.close()
    out = capsys.readouterr().out
    assert re.search(r": 2 added, 0 updated, 0 unchanged, 0 failed; 2 documents\n", out), out
    assert re.search(r": 0 added, 0 updated, 1 unchanged, 0 failed; 2 documents\n", out), out  # the URL, a second later
    assert out.endswith("stopped; the index is intact (2 documents)\n")
    assert Assistant.load(index).info()["chunker"]["chunk_tokens"] == 64


def test_watch_without_sources_or_watched_feeds_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--index", str(tmp_path / "index")]) == 2
    assert capsys.readouterr().err == (
        "error: nothing to watch: give folders or URLs (rag watch articles/ https://example.com/feed.xml), "
        "or add a feed with the UI's Add feed URL first\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "q?", "--since", " "], "argument --since: the date is empty: give YYYY-MM-DD, e.g. 2021-08-01, or leave "
                                         "the option out"),
        (["timeline", "q", "--until", ""], "argument --until: the date is empty: give YYYY-MM-DD, e.g. 2021-08-01, or "
                                           "leave the option out"),
        (["ask", "q?", "--as-of", ""], "argument --as-of: the date is empty"),
        (["index", "a", "--timeout", "0"], "argument --timeout: invalid timeout '0': use seconds, more than 0 and under 3600"),
        (["index", "a", "--timeout", "3600"], "argument --timeout: invalid timeout '3600': use seconds"),
        (["index", "a", "--timeout", "soon"], "argument --timeout: invalid timeout 'soon': use seconds"),
        (["ui", "--port", "0"], "argument --port: port 0 is out of range: use 1-65535"),
        (["serve", "--port", "65536"], "argument --port: port 65536 is out of range: use 1-65535"),
        (["ui", "--port", "http"], "argument --port: invalid port 'http': use a number 1-65535"),
        (["eval", "gold.json", "--limit", "0"], "argument --limit: must be at least 1, got 0"),
        (["eval", "gold.json", "--limit", "ten"], "argument --limit: invalid int value: 'ten'"),
        (["watch", "--every", "soon"], "argument --every: invalid duration 'soon': use e.g. 30s, 15m, 2h or a number "
                                       "of seconds"),
        (["ask", "q?", "--reader", "huge"], "argument --reader: invalid choice: 'huge'"),
        (["ask", "q?", "--retrieval", "sparse"], "argument --retrieval: invalid choice: 'sparse'"),
        (["ask", "q?", "--llm", "gpt"], "argument --llm: invalid choice: 'gpt'"),
        (["serve", "--llm", "none"], "argument --llm: invalid choice: 'none'"),
        ([], "the following arguments are required: COMMAND"),
        (["index"], "the following arguments are required: PATH|URL"),
        (["ask", "a\nb?", "--bogus"], "unrecognized arguments: --bogus"),  # the top parser's error: `rag --help`
        (["info", "extra\nline"], "unrecognized arguments: extra line"),  # argv is shown raw: on one line
    ],
)
def test_a_bad_option_is_one_line_naming_the_help(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:  # a bad option that got through would serve until killed
        raise AssertionError("the command ran")

    monkeypatch.setattr(ui.server, "serve", never)
    monkeypatch.setattr(ui.app, "launch", never)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    command = f"rag {args[0]}" if args and "unrecognized" not in message else "rag"
    assert out == "" and err.startswith(f"error: {message}") and err.endswith(f" (see `{command} --help`)\n"), err
    assert err.count("\n") == 1


def test_timeouts_and_ports_in_range_are_taken(capsys: pytest.CaptureFixture[str]) -> None:
    from rag.cli import _parser

    parser = _parser()
    assert parser.parse_args(["index", "a", "--timeout", "0.5"]).timeout == 0.5
    assert parser.parse_args(["index", "a", "--timeout", "3599.9"]).timeout == 3599.9
    assert parser.parse_args(["ui", "--port", "1"]).port == 1 and parser.parse_args(["ui", "--port", "65535"]).port == 65535
    assert parser.parse_args(["eval", "g", "--limit", "1"]).limit == 1
    assert parser.parse_args(["watch", "--every", "30s"]).every == 30.0
    assert parser.parse_args(["ask", "q", "--since", "2021-08-01"]).since == "2021-08-01"


# What each command takes, and its defaults: the parsed namespace of a minimal command line, in full.
DEFAULTS = {
    "index": (["index", "news/"], {
        "paths": ["news/"], "index": None, "config": None, "allow_host": [], "timeout": 10.0, "rebuild": False,
        "no_prune": False, "runner": "local"}),
    "watch": (["watch"], {
        "sources": [], "index": None, "config": None, "every": 900.0, "allow_host": [], "timeout": 10.0}),
    "ask": (["ask", "q?"], {
        "question": "q?", "index": None, "config": None, "top_k": None, "retrieval": None, "json": False, "since": None,
        "until": None, "as_of": None, "include_undated": False, "reader": None, "llm": None, "model": None,
        "base_url": None}),
    "timeline": (["timeline", "q"], {
        "query": "q", "index": None, "config": None, "top_k": None, "json": False, "since": None, "until": None,
        "as_of": None, "include_undated": False}),
    "info": (["info"], {"index": None, "config": None, "json": False}),
    "eval": (["eval", "gold.json"], {
        "gold": "gold.json", "index": None, "config": None, "k": [1, 3, 5, 10], "compare": None, "out": None,
        "limit": None, "seed": 13, "top_k": None, "retrieval": None, "reader": None, "compare_readers": None}),
    "ui": (["ui"], {
        "index": None, "config": None, "host": "127.0.0.1", "port": 7860, "share": False, "api_key": None,
        "read_only": False, "allow_host": [], "timeout": 10.0, "reader": None, "llm": None, "model": None,
        "base_url": None}),
    "mcp": (["mcp"], {"index": None, "config": None, "show_paths": False}),
    "serve": (["serve"], {
        "index": None, "config": None, "host": "127.0.0.1", "port": 8000, "api_key": None, "read_only": False,
        "cors_origin": [], "show_paths": False, "allow_host": [], "timeout": 10.0, "reader": None, "llm": None,
        "model": None, "base_url": None}),
}


@pytest.mark.parametrize("command", list(DEFAULTS))
def test_each_command_parses_to_its_defaults(command: str) -> None:
    from rag import cli

    args, expected = DEFAULTS[command]
    parsed = vars(cli._parser().parse_args(args))
    assert parsed.pop("func") is getattr(cli, f"_cmd_{command}") and parsed.pop("command") == command
    assert parsed == expected


def test_every_option_is_parsed_into_its_own_setting(tmp_path: Path) -> None:
    from rag.cli import _parser, _settings

    args = _parser().parse_args([
        "ask", "q?", "--index", "idx", "--top-k", "3", "--retrieval", "bm25", "--json", "--since", "2021-01-01",
        "--until", "2021-12-31", "--as-of", "2022-01-01", "--include-undated", "--reader", "large", "--llm", "ollama",
        "--model", "llama3", "--base-url", "http://localhost:11434"])
    assert (args.index, args.top_k, args.json, args.since, args.until, args.as_of, args.include_undated) == (
        "idx", 3, True, "2021-01-01", "2021-12-31", "2022-01-01", True)
    settings = _settings(args)
    assert (settings.top_k, settings.retrieval, settings.reader, settings.llm, settings.llm_model, settings.llm_base_url) == (
        3, "bm25", "large", "ollama", "llama3", "http://localhost:11434")
    (tmp_path / "rag.toml").write_text('[rag]\ntop_k = 7\nreader = "fast"\nllm = "openai"\nllm_model = "gpt-4o-mini"\n')
    config = str(tmp_path / "rag.toml")
    from_file = _settings(_parser().parse_args(["ask", "q?", "--config", config]))
    assert (from_file.top_k, from_file.reader, from_file.llm, from_file.llm_model) == (7, "fast", "openai", "gpt-4o-mini")
    overridden = _settings(_parser().parse_args(["ask", "q?", "--config", config, "--top-k", "2", "--reader", "model"]))
    assert (overridden.top_k, overridden.reader, overridden.llm) == (2, "model", "openai")
    # `rag serve --llm` alone: the backend of --config.
    assert _settings(_parser().parse_args(["serve", "--config", config, "--llm"])).llm == "openai"
    assert _settings(_parser().parse_args(["serve", "--llm", "llamacpp", "--model", "m.gguf"])).llm == "llamacpp"
    served_llm = _settings(_parser().parse_args(["serve", "--llm", "ollama", "--model", "llama3", "--base-url", "http://h:1"]))
    assert (served_llm.llm, served_llm.llm_model, served_llm.llm_base_url) == ("ollama", "llama3", "http://h:1")
    assert _settings(_parser().parse_args(["serve", "--llm", "openai", "--model", "gpt"])).llm == "openai"
    assert _settings(_parser().parse_args(["ui", "--llm", "openai", "--model", "gpt", "--base-url", "http://h:2"])).llm_base_url == "http://h:2"
    evaluated = _parser().parse_args(["eval", "g.json", "--top-k", "4", "--retrieval", "dense", "--reader", "fast"])
    assert (evaluated.top_k, evaluated.retrieval, evaluated.reader) == (4, "dense", "fast")
    parsed = _parser().parse_args(["eval", "g.json", "--k", "1", "2", "--compare", "dense,bm25", "--out", "o", "--limit", "5",
                                   "--seed", "7", "--compare-readers", "model,fast"])
    assert (parsed.k, parsed.compare, parsed.out, parsed.limit, parsed.seed, parsed.compare_readers) == (
        [1, 2], "dense,bm25", "o", 5, 7, "model,fast")
    served = _parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--cors-origin", "http://a",
                                   "--cors-origin", "http://b", "--show-paths", "--read-only", "--allow-host", "h1",
                                   "--allow-host", "h2", "--timeout", "3", "--api-key", "k"])
    assert (served.host, served.port, served.cors_origin, served.show_paths, served.read_only, served.allow_host,
            served.timeout, served.api_key) == ("0.0.0.0", 9000, ["http://a", "http://b"], True, True, ["h1", "h2"], 3.0, "k")


# The help a user reads: every command and option says what it is for (whitespace as argparse wraps it aside).
HELP = {
    "": ["COMMAND ... Cited answers from a folder of news articles. positional arguments:",
         "index index files, folders and URLs: articles, RSS/Atom feeds, sitemaps (incremental)",
         "watch keep an index current: folders on change, feeds and URLs every --every, until Ctrl-C",
         "ask answer a question with citations",
         "timeline the dated events of what a query retrieves, in order, each cited",
         "info show what the index holds", "eval evaluate against a gold Q&A set, SQuAD or BEIR",
         "ui start the browser chat", "mcp serve the index to MCP clients (desktop assistants) over stdio",
         "serve serve the chat UI, a REST API and an OpenAI-compatible API on one port"],
    "index": ["--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db",
              "--config FILE TOML file of settings",
              "--allow-host HOST fetch from this host although it is loopback or private (repeatable)",
              "--timeout SECONDS seconds to wait for a web server (default 10)",
              "--rebuild start from scratch (after a model or chunker change)",
              "--no-prune keep documents that vanished from the given folders",
              "--runner RUNNER local (default), ray (embed on a local Ray, 127.0.0.1) or ray://host:port (an existing "
              "cluster)", "PATH|URL [PATH|URL ...]"],
    "watch": ["SOURCE folders, files and URLs; the feeds the index records as watched (the UI's Add feed URL) are "
              "polled too", "--every DURATION how often URLs are polled: 30s, 15m (default), 2h"],
    "ask": ["--top-k TOP_K passages to retrieve (default 5)", "--retrieval {hybrid,dense,bm25}",
            "--json print the answer as JSON",
            "--since YYYY-MM-DD only articles published on or after this date",
            "--until YYYY-MM-DD only articles published on or before this date",
            "--as-of YYYY-MM-DD answer as a reader on that date would: later articles don't exist yet",
            "--include-undated keep articles of unknown date when a date is given",
            "--reader {model,large,fast} model: the trained reader picks quotes and refuses (default); large: the "
            "12-layer reader does (slower); fast: evidence score only",
            "--llm {none,openai,ollama,llamacpp} answer with an LLM instead of quoting (default: none, the extractive "
            "answerer)", "--model MODEL LLM model name, or GGUF path for --llm llamacpp",
            "--base-url BASE_URL OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)"],
    "timeline": ["--top-k TOP_K passages to draw events from (default 10)", "--json print the timeline as JSON"],
    "eval": ["--k K [K ...] cut-offs for hit@k and recall@k",
             "--compare COMPARE comma-separated retrieval modes, e.g. dense,bm25,hybrid",
             "--out DIR write metrics.json and report.md here",
             "--limit LIMIT evaluate a seeded sample of N questions", "--seed SEED", "positional arguments: GOLD options:", "--top-k TOP_K",
             "--retrieval {hybrid,dense,bm25}", "--reader {model,large,fast} model: the trained reader",
             "--compare-readers READERS run each mode once per reader, e.g. model,fast (columns named hybrid+model, "
             "hybrid+fast)"],
    "ui": ["--host HOST --port PORT --share ask Gradio for a public link (needs internet)",
           "--api-key KEY require `Authorization: Bearer KEY` on every route, the UI included (or set $RAG_API_KEY)",
           "--read-only serve without uploads or removals: whoever reaches it can ask, not change the index"],
    "mcp": ["--show-paths show each source's full path on this machine (default: its file name)"],
    "serve": ["--host HOST address to bind (default 127.0.0.1: this machine only)", "--port PORT",
              "--model MODEL LLM model name, or GGUF path for --llm llamacpp",
              "--base-url BASE_URL OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)",
              "--reader {model,large,fast} model: the trained reader", "--api-key KEY require", "--read-only serve",
              "--allow-host HOST fetch", "--timeout SECONDS seconds",
              "--cors-origin ORIGIN allow browser pages of this origin to call the API (repeatable; default: CORS off)",
              "--show-paths show server file paths in responses (default: file names)",
              "--llm [BACKEND] also offer the model rag-news-llm, answered by an LLM: openai, ollama or llamacpp "
              "(alone: the backend --config sets)"],
}


@pytest.mark.parametrize("command", list(HELP))
def test_help_says_what_each_command_and_option_is_for(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"] if command else ["--help"])
    assert exit_info.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert shown.startswith(f"usage: rag {command}".strip() + " ")
    for line in HELP[command]:
        assert line in shown, line


def test_every_option_has_a_help_line() -> None:
    """An option without help shows as a bare flag in ``--help``: each one says what it does (bar a few plain ones)."""
    import argparse

    from rag.cli import _parser

    plain = {("ask", "--retrieval"), ("info", "--json"), ("eval", "--seed"), ("eval", "--top-k"), ("eval", "--retrieval"),
             ("ui", "--host"), ("ui", "--port"), ("serve", "--port")}
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if action.option_strings and (name, action.option_strings[-1]) not in plain:
                assert action.help, (name, action.option_strings)


class Recorder:
    """Stands in for a server that would serve until Ctrl-C: keeps what it was started with."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

    def __call__(self, *args: object, **kwargs: object) -> None:
        self.calls.append((args, kwargs))


def test_rag_serve_starts_the_server_with_every_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag import FetchLimits

    serve = Recorder()
    monkeypatch.setattr(ui.server, "serve", serve)
    monkeypatch.delenv("RAG_API_KEY", raising=False)
    assert main(["serve", "--index", "idx", "--host", "0.0.0.0", "--port", "9000", "--api-key", "k3y", "--read-only",
                 "--cors-origin", "http://a", "--cors-origin", "http://b", "--show-paths", "--allow-host", "feeds.lan",
                 "--timeout", "4", "--reader", "fast"]) == 0
    (config,), kwargs = serve.calls[0]
    assert config == ui.server.ServeConfig(
        host="0.0.0.0", port=9000, api_key="k3y", cors_origins=("http://a", "http://b"), show_paths=True, read_only=True,
        fetch_limits=FetchLimits(timeout_s=4.0, allow_hosts=frozenset({"feeds.lan"})))
    assert kwargs["index_dir"] == "idx" and kwargs["settings"].reader == "fast"  # type: ignore[attr-defined]

    monkeypatch.setenv("RAG_API_KEY", "from-env")
    assert main(["serve"]) == 0
    (config,), kwargs = serve.calls[1]
    assert config == ui.server.ServeConfig(fetch_limits=FetchLimits(timeout_s=10.0), api_key="from-env")
    assert kwargs["index_dir"] is None
    assert main(["serve", "--api-key", "given"]) == 0 and serve.calls[2][0][0].api_key == "given"  # type: ignore[attr-defined]
    monkeypatch.setenv("RAG_API_KEY", "")
    assert main(["serve"]) == 0 and serve.calls[3][0][0].api_key is None  # type: ignore[attr-defined]
    capsys.readouterr()

    assert main(["serve", "--api-key", " "]) == 2
    assert capsys.readouterr().err == ("error: the API key is empty: give --api-key KEY (or $RAG_API_KEY), or leave "
                                       "both out\n")
    assert main(["serve", "--llm"]) == 2  # no --config to name the backend
    assert capsys.readouterr().err == ('error: --llm without a backend needs one in --config (llm = "openai"): or name '
                                       "it, e.g. --llm openai --model gpt-4o-mini\n")
    assert len(serve.calls) == 4


def test_rag_ui_launches_the_app_or_serves_it_behind_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag import FetchLimits

    launch, serve = Recorder(), Recorder()
    monkeypatch.setattr(ui.app, "launch", launch)
    monkeypatch.setattr(ui.server, "serve", serve)
    monkeypatch.delenv("RAG_API_KEY", raising=False)
    assert main(["ui", "--index", "idx", "--host", "0.0.0.0", "--port", "7000", "--share", "--read-only",
                 "--allow-host", "feeds.lan", "--timeout", "2.5", "--reader", "large"]) == 0
    ((), kwargs), = launch.calls
    settings = kwargs.pop("settings")
    assert kwargs == {"index_dir": "idx", "host": "0.0.0.0", "port": 7000, "share": True, "read_only": True,
                      "fetch_limits": FetchLimits(timeout_s=2.5, allow_hosts=frozenset({"feeds.lan"}))}
    assert settings.reader == "large"  # type: ignore[attr-defined]
    assert main(["ui"]) == 0
    assert {k: v for k, v in launch.calls[1][1].items() if k != "settings"} == {
        "index_dir": None, "host": "127.0.0.1", "port": 7860, "share": False, "read_only": False,
        "fetch_limits": FetchLimits(timeout_s=10.0)}
    assert serve.calls == []

    assert main(["ui", "--index", "idx", "--port", "7001", "--api-key", "k3y", "--read-only", "--allow-host", "h",
                 "--timeout", "3", "--reader", "fast"]) == 0
    (config,), kwargs = serve.calls[0]
    assert config == ui.server.ServeConfig(
        host="127.0.0.1", port=7001, api_key="k3y", show_paths=True, read_only=True, ui_only=True,
        fetch_limits=FetchLimits(timeout_s=3.0, allow_hosts=frozenset({"h"})))
    assert kwargs["index_dir"] == "idx" and kwargs["settings"].reader == "fast" and len(launch.calls) == 2  # type: ignore[attr-defined]
    monkeypatch.setenv("RAG_API_KEY", "env-key")
    assert main(["ui", "--host", "0.0.0.0"]) == 0
    assert serve.calls[1][0][0] == ui.server.ServeConfig(  # type: ignore[comparison-overlap]
        host="0.0.0.0", port=7860, api_key="env-key", show_paths=True, ui_only=True, fetch_limits=FetchLimits())
    capsys.readouterr()
    assert main(["ui", "--share"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --share and --api-key don't go together: Gradio's public link can't send the key; leave out --share "
        "and put the UI behind your own TLS proxy (docs/deploy.md)")
    assert len(serve.calls) == 2 and len(launch.calls) == 2


def test_rag_mcp_serves_the_loaded_index_over_stdio(
    news_index: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rag._mcp

    built: list[tuple[object, bool]] = []

    class Server:
        def run(self, transport: str) -> None:
            built.append((transport, True))

    def mcp_server(assistant: Assistant, *, show_paths: bool = False) -> Server:
        print("loading")  # what a demo build would print: never on stdout, the protocol's channel
        built.append((len(assistant.documents()), show_paths))
        return Server()

    monkeypatch.setattr(rag._mcp, "mcp_server", mcp_server)
    assert main(["mcp", "--index", news_index, "--show-paths"]) == 0
    assert main(["mcp", "--index", news_index]) == 0
    assert built == [(7, True), ("stdio", True), (7, False), ("stdio", True)]
    out, err = capsys.readouterr()
    assert out == "" and err == "loading\nloading\n"


def test_eval_runs_with_the_command_lines_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rag._evaluation

    seen = []

    def run_eval_command(args: object, settings: object) -> int:
        seen.append((args.gold, settings.top_k))  # type: ignore[attr-defined]
        return 3

    monkeypatch.setattr(rag._evaluation, "run_eval_command", run_eval_command)
    assert main(["eval", "gold.json", "--top-k", "4"]) == 3
    assert seen == [("gold.json", 4)]


@pytest.mark.parametrize(
    ("raised", "status", "message"),
    [
        (KeyboardInterrupt(), 130, "error: interrupted; the index on disk is unchanged unless a build finished\n"),
        (LoadError("no index at x\x1b[2J\nnext line"), 2, "error: no index at x[2J next line\n"),
        (ValueError("bad\tvalue"), 1, "error: unexpected ValueError: bad value (set RAG_DEBUG=1 for details)\n"),
        (BrokenPipeError(), 141, ""),
    ],
)
def test_each_kind_of_failure_has_its_exit_status(
    raised: BaseException, status: int, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag import Assistant as Loaded

    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(Loaded, "load", fail)
    monkeypatch.delenv("RAG_DEBUG", raising=False)
    assert main(["info"]) == status
    assert capsys.readouterr().err == message


def test_rag_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import Assistant as Loaded

    def fail(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(Loaded, "load", fail)
    monkeypatch.setenv("RAG_DEBUG", "1")
    with pytest.raises(ValueError, match="boom"):
        main(["info"])


def test_output_into_a_closed_pipe_returns_141_with_stdout_at_devnull(
    news_index: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rag info | head -0` in process: the flush fails, 141 is returned, and what Python would flush at exit goes nowhere."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone
    with open(write, "w") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        assert main(["info", "--index", news_index]) == 141
        pointed, devnull = os.fstat(write), os.stat(os.devnull)
        assert (pointed.st_dev, pointed.st_ino, pointed.st_rdev) == (devnull.st_dev, devnull.st_ino, devnull.st_rdev)
        monkeypatch.undo()


def test_help_into_a_closed_pipe_returns_141(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class Closed(io.StringIO):
        """A pipe whose reader is gone: writes are buffered, the flush fails."""

        def flush(self) -> None:
            raise BrokenPipeError()

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["--help"]) == 141


def test_printed_text_loses_control_characters_and_json_escapes_them() -> None:
    from rag.cli import _json, _named, _safe

    hostile = "a\x1b[2Jb\x07c\x9b31m\td\ne\r\x85f\u2028g\x7f" + b"\xff".decode("utf-8", "surrogateescape")
    assert _safe(hostile) == "a[2Jbc31m\td\nef\u2028g\\udcff"  # tab and newline kept, CR and NEL dropped
    assert _safe(hostile, one_line=True) == "a[2Jbc31m d e f g\\udcff"
    assert _safe(42) == "42"
    assert _json({"t": "x\x9by\x7f\udcff\x1b", "n": [1, "é"]}) == (
        '{\n  "t": "x\\u009by\\u007f\\udcff\\u001b",\n  "n": [\n    1,\n    "é"\n  ]\n}')
    assert _named([{"source": "/srv/a.txt", "x": [{"source": "b/c.md"}]}, {"source": "https://x.org/a"}, {"source": 3}, 5]) == [
        {"source": "a.txt", "source_path": "/srv/a.txt", "x": [{"source": "c.md", "source_path": "b/c.md"}]},
        {"source": "https://x.org/a"}, {"source": 3}, 5]


def test_an_answer_prints_its_short_answer_scope_and_at_most_three_passages(capsys: pytest.CaptureFixture[str]) -> None:
    from rag import Disagreement, MentionedDate, Passage, TimeScope
    from rag._types import Copy

    quote = "The storm\x1b[2J hit\non Monday."
    dated = (MentionedDate(10, 16, "Mon\nday", "2024-08-12", "relative"), MentionedDate(0, 4, "2024", "2024", "explicit"))
    copies = (Copy("b", "Storm", "b.txt", "Wire\x07\n", "2024-08-13"), Copy("c", "Storm", "c.txt"))
    cited = Citation(2, "a\nb", "Storm\nhits", "a.txt", 5, 30, quote, outlet="Daily\nNews", published="2024-08-12",
                     dates=dated, also_published=copies)
    scope = TimeScope("lat\nest\x1b", prefer="newest")
    answer = Answer("When?", "It hit on Monday. [2]", False, (cited,), short_answer="Monday\x07",
                    time_scope=scope, disagreements=(Disagreement("date", ("Monday", "Tuesday\n"), (2, 3)),))
    assert _print_answer([AnswerEvent("final", answer=answer)]) == 0
    assert capsys.readouterr().out == (
        "Answer: Monday\n\nIt hit on Monday. [2]\n"
        "\nTime scope: “lat est” → newest article first\n"
        "\nSources differ (date): Monday [2] vs Tuesday  [3]\n"
        "\nSources:\n"
        "  [2] Storm hits (a b, chars 5-30; Daily News, 2024-08-12)\n"
        "      “The storm[2J hit on Monday.”\n"
        "      dates: Mon day → 2024-08-12\n"
        "      also published by: Wire , 2024-08-13; c\n"
    )
    passages = tuple(Passage(i, f"d\n{i}", f"T{i}\n", f"d{i}.txt", 0, 5, "text", 1 / i) for i in range(1, 5))
    only_explicit = replace(cited, dates=dated[1:], also_published=())
    refused = Answer("q?", "The articles don't contain the answer to this question.", True, passages=passages)
    assert _print_answer([AnswerEvent("final", answer=refused)]) == 0
    assert capsys.readouterr().out == (
        "The articles don't contain the answer to this question.\n\nRetrieved passages:\n"
        "  - T1  (d 1, score 1.000)\n  - T2  (d 2, score 0.500)\n  - T3  (d 3, score 0.333)\n")
    plain = Answer("q?", "Text [1]", False, (only_explicit,), passages)
    assert _print_answer([AnswerEvent("final", answer=plain)]) == 0
    out = capsys.readouterr().out
    assert "dates:" not in out and "also published" not in out and "Retrieved passages" not in out

    with pytest.raises(RuntimeError, match="^no answer$"):  # a stream cut short: never printed as if answered
        _print_answer([AnswerEvent("sources", passages=passages)])


def test_ask_as_json_takes_top_k_and_the_timeline_too(news_index: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "How many ships sank?", "--json", "--top-k", "2", "--index", news_index, *FAST]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["refused"] is True and len(answer["passages"]) == 2
    assert main(["timeline", "carmaker recall", "--top-k", "1", "--index", news_index]) == 0
    assert capsys.readouterr().out.count("  [") == 1  # one passage, so one event


class _Gone(io.StringIO):
    """A stdout already closed: its file number can't be read."""

    def fileno(self) -> int:
        raise ValueError("I/O operation on closed file")


class _Bad(io.StringIO):
    """A stdout whose file number is no open file."""

    def fileno(self) -> int:
        return -1


@pytest.mark.parametrize("stdout", [_Gone, _Bad])
def test_a_closed_pipe_on_an_unusual_stdout_still_ends_quietly(
    stdout: type[io.StringIO], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError()

    monkeypatch.setattr(Assistant, "load", fail)
    monkeypatch.setattr(sys, "stdout", stdout())
    assert main(["info"]) == 141
    assert capsys.readouterr().err == ""



@pytest.fixture(scope="module")
def broken_lines_index(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> str:
    """An index (in a folder whose name holds a line break) of JSON articles whose id, title and outlet hold line breaks."""
    root = tmp_path_factory.mktemp("lines")
    (root / "news").mkdir()
    records = [
        {"id": "storm\nx", "title": "Storm\nhits", "text": "The storm hit the coast on Monday.", "published": "2024-08-12",
         "outlet": "Daily\nNews"},
        {"id": "calm", "title": "Calm sea", "text": "The sea was calm all week and the boats went out."},
    ]
    (root / "news" / "wire.json").write_text(json.dumps(records), encoding="utf-8")
    index = root / "idx\nline"
    Assistant(index, embeddings=embedder).index([root / "news"])  # type: ignore[arg-type]
    return str(index)


def test_info_and_timeline_keep_each_entry_on_its_line(broken_lines_index: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A line break in an article's id, title or outlet, or in the index's path, can't start a line of its own."""
    assert main(["info", "--index", broken_lines_index]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"index:     {broken_lines_index.replace(chr(10), ' ')}  (")
    assert lines[4:] == ["  - storm x: Storm hits (Daily News, 2024-08-12)", "  - calm: Calm sea (date unknown)"]
    assert main(["timeline", "storm on the coast", "--index", broken_lines_index]) == 0
    assert capsys.readouterr().out == (
        "2024-08-12  [1] The storm hit the coast on Monday.\n"
        "            Storm hits (Daily News, 2024-08-12) · relative: “Monday” · chars 12-46 of storm x\n")  # after the title


def test_a_sentence_without_a_date_is_dated_by_its_publication(news_index: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", "aid agencies tents", "--top-k", "1", "--index", news_index]) == 0
    assert capsys.readouterr().out == (
        "2026-06-04  [1] Aid agencies said about 4,000 people were sleeping in tents after aftershocks damaged more "
        "homes.\n"
        "            Quake death toll rises to 31 (City Herald, 2026-06-04) · publication date · chars 243-340 of "
        "quake-update\n")


def test_index_warns_of_a_value_a_file_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "harbour.md").write_text("---\npublished: someday\n---\nHarbour reopens\n\nThe harbour reopened on Monday.\n")
    assert main(["index", str(news), "--index", str(tmp_path / "index")]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f'warning: {news / "harbour.md"}: published "someday" is not a date (give a real day, e.g. published: '
        "2024-05-01); indexed without a date",
        "warning: 1 of 1 documents have no publication date (date unknown): date filters skip them unless "
        "--include-undated; add (or fix, where a warning names one) `published:` front matter or a 'published' field",
    ]


def test_index_fetches_a_url_within_the_fetch_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import NewsSite, article_page

    site = NewsSite()
    site.route("/ferry", article_page("Ferry carries 2,400", ["The new ferry carried 2,400 passengers in its first week."],
                                      date="2026-05-04", site="Lake Courier"))
    index = str(tmp_path / "index")
    try:
        assert main(["index", f"{site.url}/ferry", "--index", index]) == 2  # loopback: refused without --allow-host
        refused = capsys.readouterr()
        assert main(["index", f"{site.url}/ferry", "--index", index, "--allow-host", "127.0.0.1", "--timeout", "5"]) == 0
        fetched = capsys.readouterr()
    finally:
        site.close()
    assert refused.err.startswith("error: ") and "127.0.0.1" in refused.err and site.counts["/ferry"] == 1
    assert re.fullmatch(rf"{re.escape(index)}: 1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; 1 documents, 1 chunks "
                        r"\(\d+\.\ds\)\n", fetched.out), fetched


def test_the_cli_prints_rags_warnings_itself_and_silences_only_rags_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A skipped file is one warning line from the CLI, not that line and the library's log record of it."""
    import logging

    monkeypatch.setattr(logging.getLogger("rag"), "level", logging.NOTSET)
    root = logging.getLogger().level
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "news" / "a.txt").write_text("Harbour\nPublished: 2024-08-12\nThe harbour reopened on Monday.")
    assert main(["index", str(tmp_path / "news"), "--index", str(tmp_path / "index")]) == 0
    assert logging.getLogger("rag").level == logging.ERROR and logging.getLogger().level == root
    assert not [r for r in caplog.records if r.name.startswith("rag") and r.levelno >= logging.WARNING]


# ---------------------------------------------------------------- in-process and unit-sized (issue #30: mutation)
# What `scripts/mutation.sh cli` runs for every mutant of rag/cli.py: no subprocess (mutmut can't see into one), a
# tiny index built once per module, the fast reader.

# `rag [COMMAND] --help` as printed on a terminal wide enough not to wrap, each line with its runs of spaces as one:
# the options, their values and what the help says of each, the command's whole interface.
HELP = {
    "": [
        'usage: rag [-h] COMMAND ...',
        'Cited answers from a folder of news articles.',
        'positional arguments:',
        'COMMAND',
        'index index files, folders and URLs: articles, RSS/Atom feeds, sitemaps (incremental)',
        'watch keep an index current: folders on change, feeds and URLs every --every, until Ctrl-C',
        'ask answer a question with citations',
        'timeline the dated events of what a query retrieves, in order, each cited',
        'info show what the index holds',
        'eval evaluate against a gold Q&A set, SQuAD or BEIR',
        'ui start the browser chat',
        'mcp serve the index to MCP clients (desktop assistants) over stdio',
        'serve serve the chat UI, a REST API and an OpenAI-compatible API on one port',
        'options:',
        '-h, --help show this help message and exit',
    ],
    "index": [
        'usage: rag index [-h] [--index DIR|URL] [--config FILE] [--allow-host HOST] [--timeout SECONDS] [--rebuild] [--no-prune] [--runner RUNNER] PATH|URL [PATH|URL ...]',
        'positional arguments:',
        'PATH|URL',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--allow-host HOST fetch from this host although it is loopback or private (repeatable)',
        '--timeout SECONDS seconds to wait for a web server (default 10)',
        '--rebuild start from scratch (after a model or chunker change)',
        '--no-prune keep documents that vanished from the given folders',
        '--runner RUNNER local (default), ray (embed on a local Ray, 127.0.0.1) or ray://host:port (an existing cluster)',
    ],
    "watch": [
        'usage: rag watch [-h] [--index DIR|URL] [--config FILE] [--every DURATION] [--allow-host HOST] [--timeout SECONDS] [SOURCE ...]',
        'positional arguments:',
        "SOURCE folders, files and URLs; the feeds the index records as watched (the UI's Add feed URL) are polled too",
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--every DURATION how often URLs are polled: 30s, 15m (default), 2h',
        '--allow-host HOST fetch from this host although it is loopback or private (repeatable)',
        '--timeout SECONDS seconds to wait for a web server (default 10)',
    ],
    "ask": [
        'usage: rag ask [-h] [--index DIR|URL] [--config FILE] [--top-k TOP_K] [--retrieval {hybrid,dense,bm25}] [--json] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--as-of YYYY-MM-DD] [--include-undated] [--reader {model,large,fast}] [--llm {none,openai,ollama,llamacpp}] [--model MODEL] [--base-url BASE_URL] question',
        'positional arguments:',
        'question',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--top-k TOP_K passages to retrieve (default 5)',
        '--retrieval {hybrid,dense,bm25}',
        '--json print the answer as JSON',
        '--since YYYY-MM-DD only articles published on or after this date',
        '--until YYYY-MM-DD only articles published on or before this date',
        "--as-of YYYY-MM-DD answer as a reader on that date would: later articles don't exist yet",
        '--include-undated keep articles of unknown date when a date is given',
        '--reader {model,large,fast}',
        'model: the trained reader picks quotes and refuses (default); large: the 12-layer reader does (slower); fast: evidence score only',
        '--llm {none,openai,ollama,llamacpp}',
        'answer with an LLM instead of quoting (default: none, the extractive answerer)',
        '--model MODEL LLM model name, or GGUF path for --llm llamacpp',
        '--base-url BASE_URL OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)',
    ],
    "timeline": [
        'usage: rag timeline [-h] [--index DIR|URL] [--config FILE] [--top-k TOP_K] [--json] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--as-of YYYY-MM-DD] [--include-undated] query',
        'positional arguments:',
        'query',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--top-k TOP_K passages to draw events from (default 10)',
        '--json print the timeline as JSON',
        '--since YYYY-MM-DD only articles published on or after this date',
        '--until YYYY-MM-DD only articles published on or before this date',
        "--as-of YYYY-MM-DD answer as a reader on that date would: later articles don't exist yet",
        '--include-undated keep articles of unknown date when a date is given',
    ],
    "info": [
        'usage: rag info [-h] [--index DIR|URL] [--config FILE] [--json]',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--json',
    ],
    "eval": [
        'usage: rag eval [-h] [--index DIR|URL] [--config FILE] [--k K [K ...]] [--compare COMPARE] [--out DIR] [--limit LIMIT] [--seed SEED] [--top-k TOP_K] [--retrieval {hybrid,dense,bm25}] [--reader {model,large,fast}] [--compare-readers READERS] GOLD',
        'positional arguments:',
        'GOLD',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--k K [K ...] cut-offs for hit@k and recall@k',
        '--compare COMPARE comma-separated retrieval modes, e.g. dense,bm25,hybrid',
        '--out DIR write metrics.json and report.md here',
        '--limit LIMIT evaluate a seeded sample of N questions',
        '--seed SEED',
        '--top-k TOP_K',
        '--retrieval {hybrid,dense,bm25}',
        '--reader {model,large,fast}',
        'model: the trained reader picks quotes and refuses (default); large: the 12-layer reader does (slower); fast: evidence score only',
        '--compare-readers READERS',
        'run each mode once per reader, e.g. model,fast (columns named hybrid+model, hybrid+fast)',
    ],
    "ui": [
        'usage: rag ui [-h] [--index DIR|URL] [--config FILE] [--host HOST] [--port PORT] [--share] [--api-key KEY] [--read-only] [--allow-host HOST] [--timeout SECONDS] [--reader {model,large,fast}] [--llm {none,openai,ollama,llamacpp}] [--model MODEL] [--base-url BASE_URL]',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--host HOST',
        '--port PORT',
        '--share ask Gradio for a public link (needs internet)',
        '--api-key KEY require `Authorization: Bearer KEY` on every route, the UI included (or set $RAG_API_KEY)',
        '--read-only serve without uploads or removals: whoever reaches it can ask, not change the index',
        '--allow-host HOST fetch from this host although it is loopback or private (repeatable)',
        '--timeout SECONDS seconds to wait for a web server (default 10)',
        '--reader {model,large,fast}',
        'model: the trained reader picks quotes and refuses (default); large: the 12-layer reader does (slower); fast: evidence score only',
        '--llm {none,openai,ollama,llamacpp}',
        'answer with an LLM instead of quoting (default: none, the extractive answerer)',
        '--model MODEL LLM model name, or GGUF path for --llm llamacpp',
        '--base-url BASE_URL OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)',
    ],
    "mcp": [
        'usage: rag mcp [-h] [--index DIR|URL] [--config FILE] [--show-paths]',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        "--show-paths show each source's full path on this machine (default: its file name)",
    ],
    "serve": [
        'usage: rag serve [-h] [--index DIR|URL] [--config FILE] [--host HOST] [--port PORT] [--api-key KEY] [--read-only] [--cors-origin ORIGIN] [--show-paths] [--allow-host HOST] [--timeout SECONDS] [--reader {model,large,fast}] [--llm [BACKEND]] [--model MODEL] [--base-url BASE_URL]',
        'options:',
        '-h, --help show this help message and exit',
        '--index DIR|URL index folder (default: index/default) or postgresql://user@host:port/db',
        '--config FILE TOML file of settings',
        '--host HOST address to bind (default 127.0.0.1: this machine only)',
        '--port PORT',
        '--api-key KEY require `Authorization: Bearer KEY` on every route, the UI included (or set $RAG_API_KEY)',
        '--read-only serve without uploads or removals: whoever reaches it can ask, not change the index',
        '--cors-origin ORIGIN allow browser pages of this origin to call the API (repeatable; default: CORS off)',
        '--show-paths show server file paths in responses (default: file names)',
        '--allow-host HOST fetch from this host although it is loopback or private (repeatable)',
        '--timeout SECONDS seconds to wait for a web server (default 10)',
        '--reader {model,large,fast}',
        'model: the trained reader picks quotes and refuses (default); large: the 12-layer reader does (slower); fast: evidence score only',
        '--llm [BACKEND] also offer the model rag-news-llm, answered by an LLM: openai, ollama or llamacpp (alone: the backend --config sets)',
        '--model MODEL LLM model name, or GGUF path for --llm llamacpp',
        '--base-url BASE_URL OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)',
    ],
}


@pytest.mark.parametrize("command", list(HELP))
def test_cli_help_of_each_command_in_full(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"] if command else ["--help"])
    assert exited.value.code == 0
    printed = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert [line for line in printed if line] == HELP[command]


def _parsed(argv: list[str]) -> dict[str, object]:
    from rag.cli import _parser

    args = vars(_parser().parse_args(argv))
    return {**args, "func": args["func"].__name__}


_COMMON = {"index": None, "config": None}
_DATES = {"since": None, "until": None, "as_of": None, "include_undated": False}
_LLM = {"llm": None, "model": None, "base_url": None}
_FETCH = {"allow_host": [], "timeout": 10.0}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["index", "a", "b"], {"command": "index", "paths": ["a", "b"], **_COMMON, **_FETCH, "rebuild": False,
                               "no_prune": False, "runner": "local", "func": "_cmd_index"}),
        (["index", "a", "--index", "ix", "--config", "c.toml", "--allow-host", "h1", "--allow-host", "h2", "--timeout",
          "2.5", "--rebuild", "--no-prune", "--runner", "ray"],
         {"command": "index", "paths": ["a"], "index": "ix", "config": "c.toml", "allow_host": ["h1", "h2"],
          "timeout": 2.5, "rebuild": True, "no_prune": True, "runner": "ray", "func": "_cmd_index"}),
        (["watch"], {"command": "watch", "sources": [], **_COMMON, "every": 900.0, **_FETCH, "func": "_cmd_watch"}),
        (["watch", "a", "--every", "30s"], {"command": "watch", "sources": ["a"], **_COMMON, "every": 30.0, **_FETCH,
                                           "func": "_cmd_watch"}),
        (["ask", "q?"], {"command": "ask", "question": "q?", **_COMMON, "top_k": None, "retrieval": None, "json": False,
                         **_DATES, "reader": None, **_LLM, "func": "_cmd_ask"}),
        (["ask", "q?", "--top-k", "3", "--retrieval", "bm25", "--json", "--since", "2021-01-01", "--until", "2021-12-31",
          "--as-of", "2022-01-01", "--include-undated", "--reader", "fast", "--llm", "ollama", "--model", "m",
          "--base-url", "http://x"],
         {"command": "ask", "question": "q?", **_COMMON, "top_k": 3, "retrieval": "bm25", "json": True,
          "since": "2021-01-01", "until": "2021-12-31", "as_of": "2022-01-01", "include_undated": True, "reader": "fast",
          "llm": "ollama", "model": "m", "base_url": "http://x", "func": "_cmd_ask"}),
        (["timeline", "t", "--top-k", "4", "--json"], {"command": "timeline", "query": "t", **_COMMON, "top_k": 4,
                                                       "json": True, **_DATES, "func": "_cmd_timeline"}),
        (["info"], {"command": "info", **_COMMON, "json": False, "func": "_cmd_info"}),
        (["eval", "g.jsonl"], {"command": "eval", "gold": "g.jsonl", **_COMMON, "k": [1, 3, 5, 10], "compare": None,
                               "out": None, "limit": None, "seed": 13, "top_k": None, "retrieval": None, "reader": None,
                               "compare_readers": None, "func": "_cmd_eval"}),
        (["eval", "g", "--k", "2", "4", "--limit", "1", "--seed", "7", "--top-k", "2", "--compare", "dense,bm25",
          "--compare-readers", "model,fast", "--out", "o"],
         {"command": "eval", "gold": "g", **_COMMON, "k": [2, 4], "compare": "dense,bm25", "out": "o", "limit": 1,
          "seed": 7, "top_k": 2, "retrieval": None, "reader": None, "compare_readers": "model,fast", "func": "_cmd_eval"}),
        (["ui"], {"command": "ui", **_COMMON, "host": "127.0.0.1", "port": 7860, "share": False, "api_key": None,
                  "read_only": False, **_FETCH, "reader": None, **_LLM, "func": "_cmd_ui"}),
        (["ui", "--port", "1", "--share", "--read-only", "--api-key", "k"],
         {"command": "ui", **_COMMON, "host": "127.0.0.1", "port": 1, "share": True, "api_key": "k", "read_only": True,
          **_FETCH, "reader": None, **_LLM, "func": "_cmd_ui"}),
        (["mcp", "--show-paths"], {"command": "mcp", **_COMMON, "show_paths": True, "func": "_cmd_mcp"}),
        (["serve"], {"command": "serve", **_COMMON, "host": "127.0.0.1", "port": 8000, "api_key": None, "read_only": False,
                     "cors_origin": [], "show_paths": False, **_FETCH, "reader": None, **_LLM, "func": "_cmd_serve"}),
        (["serve", "--llm", "--port", "65535", "--cors-origin", "http://a", "--cors-origin", "http://b"],
         {"command": "serve", **_COMMON, "host": "127.0.0.1", "port": 65535, "api_key": None, "read_only": False,
          "cors_origin": ["http://a", "http://b"], "show_paths": False, **_FETCH, "reader": None, "llm": "configured",
          "model": None, "base_url": None, "func": "_cmd_serve"}),
        (["serve", "--llm", "openai"], {"command": "serve", **_COMMON, "host": "127.0.0.1", "port": 8000, "api_key": None,
                                        "read_only": False, "cors_origin": [], "show_paths": False, **_FETCH,
                                        "reader": None, "llm": "openai", "model": None, "base_url": None,
                                        "func": "_cmd_serve"}),
    ],
)
def test_cli_parses_each_commands_options_and_defaults(argv: list[str], expected: dict[str, object]) -> None:
    assert _parsed(argv) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ui", "--port", "0"], "error: argument --port: port 0 is out of range: use 1-65535 (see `rag ui --help`)"),
        (["serve", "--port", "65536"], "error: argument --port: port 65536 is out of range: use 1-65535 (see `rag serve --help`)"),
        (["ui", "--port", "80a"], "error: argument --port: invalid port '80a': use a number 1-65535 (see `rag ui --help`)"),
        (["index", "a", "--timeout", "0"],
         "error: argument --timeout: invalid timeout '0': use seconds, more than 0 and under 3600 (see `rag index --help`)"),
        (["index", "a", "--timeout", "3600"],
         "error: argument --timeout: invalid timeout '3600': use seconds, more than 0 and under 3600 (see `rag index --help`)"),
        (["index", "a", "--timeout", "soon"],
         "error: argument --timeout: invalid timeout 'soon': use seconds, more than 0 and under 3600 (see `rag index --help`)"),
        (["eval", "g", "--limit", "0"], "error: argument --limit: must be at least 1, got 0 (see `rag eval --help`)"),
        (["eval", "g", "--limit", "x1"], "error: argument --limit: invalid int value: 'x1' (see `rag eval --help`)"),
        (["ask", "q", "--since", " "],
         "error: argument --since: the date is empty: give YYYY-MM-DD, e.g. 2021-08-01, or leave the option out "
         "(see `rag ask --help`)"),
        (["timeline", "q", "--as-of", ""],
         "error: argument --as-of: the date is empty: give YYYY-MM-DD, e.g. 2021-08-01, or leave the option out "
         "(see `rag timeline --help`)"),
        (["ask"], "error: the following arguments are required: question (see `rag ask --help`)"),
        ([], "error: the following arguments are required: COMMAND (see `rag --help`)"),
        (["ask", "q", "--reader", "slow"],
         "error: argument --reader: invalid choice: 'slow' (choose from 'model', 'large', 'fast') (see `rag ask --help`)"),
    ],
)
def test_cli_option_errors_are_one_line_with_where_the_help_is(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    out = capsys.readouterr()
    assert out.err == message + "\n" and out.out == ""


def test_cli_option_values_at_their_limits_are_accepted() -> None:
    assert _parsed(["ui", "--port", "65535"])["port"] == 65535 and _parsed(["ui", "--port", "1"])["port"] == 1
    assert _parsed(["index", "a", "--timeout", "3599.5"])["timeout"] == 3599.5
    assert _parsed(["index", "a", "--timeout", "0.001"])["timeout"] == 0.001
    assert _parsed(["eval", "g", "--limit", "1"])["limit"] == 1
    assert _parsed(["ask", "q", "--since", " 2021-01-01"])["since"] == " 2021-01-01"  # kept as typed; ask() reads it
    with pytest.raises(SystemExit):
        _parsed(["watch", "--every", "often"])


def test_cli_every_refuses_a_duration_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    from rag._watch import parse_every

    with pytest.raises(ValueError) as caught:
        parse_every("often")
    with pytest.raises(SystemExit):
        main(["watch", "--every", "often"])
    assert capsys.readouterr().err == f"error: argument --every: {caught.value} (see `rag watch --help`)\n"


def test_cli_safe_text_drops_controls_and_can_join_lines() -> None:
    from rag.cli import _safe

    assert _safe("a\x1b[2Jb\x07c\x9bd\x7fe\x00f\x08g\x0eh\x1fi\x80j\x9fk\xa0l") == "a[2Jbcdefghijk\xa0l"
    assert _safe("tab\there\nnext\x0bx\x0cy\rz") == "tab\there\nnextxyz"  # only tab and newline stay
    assert _safe("one\ntwo\r\n\tthree\x85four\u2028five\u2029six\x0bseven\x0ceight", one_line=True) == (
        "one two three four five six seven eight")
    assert _safe("lone \ud800 surrogate") == "lone \\ud800 surrogate" and _safe(42) == "42"
    assert _safe("no\x1bbreaks\nhere", one_line=False) == "nobreaks\nhere"


def test_cli_json_escapes_what_a_terminal_would_obey() -> None:
    from rag.cli import _json

    assert _json({"t": "é\x1b\x9b\x7f\ud800", "n": [1]}) == '{\n  "t": "é\\u001b\\u009b\\u007f\\ud800",\n  "n": [\n    1\n  ]\n}'
    assert _json("\xa0ü") == '"\xa0ü"'


def test_cli_named_sources_keep_their_paths_under_source_path() -> None:
    from rag.cli import _named

    data = {"source": "/srv/news/a.txt", "citations": [{"source": "rel/b.md", "n": 1}, {"source": "https://x.org/c"}],
            "passages": [[{"source": "/srv/feed.jsonl:3"}]], "other": {"source": 7}, "title": "t"}
    assert _named(data) == {
        "source": "a.txt", "source_path": "/srv/news/a.txt",
        "citations": [{"source": "b.md", "n": 1, "source_path": "rel/b.md"}, {"source": "https://x.org/c"}],
        "passages": [[{"source": "feed.jsonl:3", "source_path": "/srv/feed.jsonl:3"}]], "other": {"source": 7}, "title": "t",
    }
    assert _named([1, "x"]) == [1, "x"] and _named("s") == "s"


def test_cli_settings_come_from_the_config_file_then_the_options(tmp_path: Path) -> None:
    from rag import Settings
    from rag.cli import _CONFIGURED, _parser, _settings

    (tmp_path / "rag.toml").write_text('[rag]\ntop_k = 7\nreader = "fast"\nllm = "ollama"\nllm_model = "m1"\n')
    args = _parser().parse_args(["ask", "q", "--config", str(tmp_path / "rag.toml"), "--retrieval", "dense"])
    settings = _settings(args)
    assert (settings.top_k, settings.reader, settings.retrieval, settings.llm, settings.llm_model) == (
        7, "fast", "dense", "ollama", "m1")
    args = _parser().parse_args(["ask", "q", "--config", str(tmp_path / "rag.toml"), "--top-k", "2", "--reader", "large",
                                 "--llm", "openai", "--model", "m2", "--base-url", "http://h:1/v1"])
    settings = _settings(args)
    assert (settings.top_k, settings.reader, settings.llm, settings.llm_model, settings.llm_base_url) == (
        2, "large", "openai", "m2", "http://h:1/v1")
    serve = _parser().parse_args(["serve", "--llm", "--config", str(tmp_path / "rag.toml")])
    assert serve.llm == _CONFIGURED and _settings(serve).llm == "ollama"  # `--llm` alone: the configured backend
    assert _settings(_parser().parse_args(["info"])) == Settings()


def _answer_with_everything() -> Answer:
    from rag._types import Copy, Disagreement, MentionedDate, Passage, TimeScope

    quote = "Officials said \x1b[2J120,000\nvehicles were recalled last Thursday."
    first = Citation(1, "recall-wire", "Carmaker \x07recalls", "/srv/news/wire.txt", 10, 10 + len(quote), quote,
                     outlet="Wire", published="2024-03-08",
                     also_published=(Copy("recall-post", "Recall", "post.txt", outlet="Post", published="2024-03-09"),
                                     Copy("recall-x", "Recall", "x.txt")),
                     dates=(MentionedDate(50, 63, "last Thursday", "2024-02-29", "relative"),
                            MentionedDate(0, 10, "8 March 2024", "2024-03-08", "explicit")))
    second = Citation(2, "recall-daily", "Recall update", "daily.txt", 0, 30, "About 150,000 vehicles are affected.")
    scope = TimeScope(phrase="latest", prefer="newest")
    return Answer("How many cars?", "Officials said 120,000 vehicles were recalled [1]. About 150,000 [2].", False,
                  (first, second), (Passage(1, "recall-wire", "Carmaker recalls", "wire.txt", 0, 90, "text", 0.5),),
                  short_answer="120,000\x1b", time_scope=scope,
                  disagreements=(Disagreement("number", ("120,000", "150,000"), (1, 2)),))


def test_cli_prints_an_answer_with_its_short_answer_scope_disagreements_and_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = _answer_with_everything()
    assert _print_answer([AnswerEvent("final", answer=answer)]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out == (
        "Answer: 120,000\n\n"
        "Officials said 120,000 vehicles were recalled [1]. About 150,000 [2].\n"
        "\nTime scope: “latest” → newest article first\n"
        "\nSources differ (number): 120,000 [1] vs 150,000 [2]\n"
        "\nSources:\n"
        "  [1] Carmaker recalls (recall-wire, chars 10-74; Wire, 2024-03-08)\n"
        "      “Officials said [2J120,000 vehicles were recalled last Thursday.”\n"
        "      dates: last Thursday → 2024-02-29\n"
        "      also published by: Post, 2024-03-09; recall-x\n"
        "  [2] Recall update (recall-daily, chars 0-30; date unknown)\n"
        "      “About 150,000 vehicles are affected.”\n"
    )


def test_cli_prints_a_refusal_with_the_best_three_passages(capsys: pytest.CaptureFixture[str]) -> None:
    from rag._types import Passage

    passages = tuple(Passage(i, f"d{i}", f"Title\n{i}", "a.txt", 0, 5, "text", 1 / i) for i in range(1, 5))
    refusal = Answer("q?", "The articles don't contain the answer to this question.", True, passages=passages)
    assert _print_answer([AnswerEvent("sources", passages=passages), AnswerEvent("final", answer=refusal)]) == 0
    assert capsys.readouterr().out == (
        "The articles don't contain the answer to this question.\n"
        "\nRetrieved passages:\n"
        "  - Title 1 (d1, score 1.000)\n"
        "  - Title 2 (d2, score 0.500)\n"
        "  - Title 3 (d3, score 0.333)\n"
    )
    bare = Answer("q?", "No.", True)
    assert _print_answer([AnswerEvent("final", answer=bare)]) == 0
    assert capsys.readouterr().out == "No.\n"


def test_cli_prints_the_checked_llm_answer_once_and_its_json(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _answer_with_everything()
    tokens = [AnswerEvent("token", text="Officials"), AnswerEvent("token", text=" said")]
    assert _print_answer([AnswerEvent("sources"), *tokens, AnswerEvent("final", answer=answer)]) == 0
    out = capsys.readouterr()
    assert out.err == "(the LLM is writing; its answer is shown once its citations are checked)\n"
    assert out.out.startswith("Checked answer (unsupported sentences removed, citations verified):\nAnswer: 120,000\n\n")
    assert _print_answer([*tokens, AnswerEvent("final", answer=answer)], as_json=True) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert out.err == "" and data["short_answer"] == "120,000\x1b" and "\\u001b" in out.out and "\x1b" not in out.out
    assert data["citations"][0]["source"] == "wire.txt" and data["citations"][0]["source_path"] == "/srv/news/wire.txt"
    assert data["citations"][1]["source"] == "daily.txt" and data["citations"][1]["source_path"] == "daily.txt"
    assert data["passages"][0]["source"] == "wire.txt"


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-article index built by `rag index` in process (the folder beside it; reader `fast` in its fast.toml)."""
    root = tmp_path_factory.mktemp("cli")
    write_two_articles(root / "docs")
    (root / "fast.toml").write_text('[rag]\nreader = "fast"\n')
    assert main(["index", str(root / "docs"), "--index", str(root / "index")]) == 0
    return root


def test_cli_index_reports_its_warnings_notes_and_summary(
    cli_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(cli_index / "docs", docs)
    (docs / "bad.bin").write_bytes(b"\x00\x01")
    (docs / "dated.md").write_text("---\ntitle: Dated\npublished: someday\n---\nThe parade went ahead on Sunday.\n")
    capsys.readouterr()
    assert main(["index", str(docs), "typo/", "--index", str(tmp_path / "ix")]) == 0
    out = capsys.readouterr()
    err = out.err.splitlines()
    assert err[0] == (f"warning: skipped {docs / 'bad.bin'}: unsupported file type .bin; use one of .txt, .md, "
                      ".markdown, .html, .htm, .pdf, .json, .jsonl, .csv")
    assert err[1] == "warning: skipped typo: no such file or folder"
    assert err[2] == (f'warning: {docs / "dated.md"}: published "someday" is not a date (give a real day, e.g. '
                      "published: 2024-05-01); indexed without a date")
    assert err[3] == ("warning: 2 of 3 documents have no publication date (date unknown): date filters skip them unless "
                      "--include-undated; add (or fix, where a warning names one) `published:` front matter or a "
                      "'published' field")
    assert len(err) == 4
    assert re.fullmatch(rf"{re.escape(str(tmp_path / 'ix'))}: 3 added, 0 updated, 0 removed, 0 unchanged, 2 skipped; "
                        r"3 documents, 3 chunks \(\d+\.\ds\)\n", out.out)


def test_cli_index_of_nothing_that_exists_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(tmp_path / "nope"), "~/surely-not-here-42", "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == (f"error: nothing to index: {tmp_path / 'nope'} does not exist (check the path, "
                                       "or give a URL with http://)\n")
    assert not (tmp_path / "ix").exists()


def test_cli_index_notes_that_the_demo_articles_were_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_index: Path
) -> None:
    from rag import bundled_articles_dir

    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "default"))
    assert main(["index", str(bundled_articles_dir())]) == 0
    capsys.readouterr()
    assert main(["index", str(cli_index / "docs" / "harbour.txt")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("note: ") and err.count("\n") == 1 and "held only the bundled sample articles" in err


def test_cli_ask_prints_the_libraries_answer(cli_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag import Assistant

    index = str(cli_index / "index")
    capsys.readouterr()
    question = "How many cargo ships waited offshore?"
    assert main(["ask", question, "--index", index, "--reader", "fast", "--top-k", "1"]) == 0
    out = capsys.readouterr()
    expected = Assistant.load(index).ask(question, top_k=1)  # (the config's reader is the option's, fast)
    assert out.err == "" and out.out.startswith(f"{expected.text}\n\nSources:\n  [1] Harbour reopens (harbour, chars ")
    assert "“Forty-two cargo ships had waited offshore.”" in out.out
    assert main(["ask", question, "--index", index, "--reader", "fast", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == question and data["citations"][0]["source"] == "harbour.txt"
    assert data["citations"][0]["source_path"] == str(cli_index / "docs" / "harbour.txt")
    # The date options reach the question: nothing was published in 2030.
    assert main(["ask", question, "--index", index, "--reader", "fast", "--since", "2030-01-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["refused"] and data["citations"] == [] and data["time_scope"]["since"] == "2030-01-01"


def test_cli_ask_checks_the_question_and_dates_before_loading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "no-index")
    assert main(["ask", "  ", "--index", missing]) == 2
    assert capsys.readouterr().err.startswith("error: the question is empty")
    assert main(["ask", "q?", "--index", missing, "--since", "2021-02-30"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "2021-02-30" in err and "no index" not in err
    assert main(["timeline", "q?", "--index", missing, "--until", "yesterday-ish"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "yesterday-ish" in err and "no index" not in err
    assert main(["timeline", "", "--index", missing]) == 2
    assert capsys.readouterr().err.startswith("error: the question is empty")
    assert main(["info", "--index", missing]) == 2
    assert capsys.readouterr().err == f"error: no index at {missing}: build one with `rag index PATH --index {missing}`\n"


def test_cli_timeline_prints_each_event_with_its_source(cli_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag import Assistant

    index = str(cli_index / "index")
    capsys.readouterr()
    assert main(["timeline", "bridge repairs", "--index", index, "--config", str(cli_index / "fast.toml")]) == 0
    out = capsys.readouterr().out
    timeline = Assistant.load(index).timeline("bridge repairs")
    assert timeline.events  # the bridge's "3 March 2024" at least
    lines = []
    for event in timeline.events:
        c = event.citation
        how = "publication date" if event.how == "published" else f"{event.how}: “{event.phrase}”"
        lines += [f"{event.date}  [{c.n}] {c.quote}", f"            {c.label()} · {how} · chars {c.start}-{c.end} of {c.doc_id}"]
    assert out == "\n".join(lines) + "\n"
    assert out.startswith("2024-03-03  [1] The old bridge closed for repairs on 3 March 2024, the council said.\n"
                          "            Bridge closes (date unknown) · explicit: “3 March 2024” · chars 15-83 of bridge\n")
    assert main(["timeline", "bridge repairs", "--index", index, "--json", "--top-k", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "bridge repairs" and data["events"][0]["citation"]["source"] == "bridge.txt"
    assert main(["timeline", "bridge repairs", "--index", index, "--since", "2030-01-01"]) == 0
    out = capsys.readouterr().out
    assert out == ("Time scope: “since 2030-01-01” → published 2030-01-01 to …\n\n"
                   "No dated events found in the retrieved articles.\n")


def test_cli_info_lists_the_index_and_its_documents(cli_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag import Assistant

    index = str(cli_index / "index")
    capsys.readouterr()
    assert main(["info", "--index", index, "--config", str(cli_index / "fast.toml")]) == 0
    out = capsys.readouterr().out.splitlines()
    info = Assistant.load(index).info()
    assert out[0] == f"index:     {index}  ({info['size_bytes'] / 1024:.1f} KiB, updated {info['updated_at']})"
    assert out[1] == "model:     sentence-transformers/all-MiniLM-L6-v2 (onnx-int8) (384 dims)"
    assert out[2] == f"chunker:   {info['chunker']}"
    assert out[3] == f"documents: 2   chunks: 2   sentences: {info['sentences']}"
    assert out[4:] == ["  - bridge: Bridge closes (date unknown)", "  - harbour: Harbour reopens (2024-03-05)"]
    assert main(["info", "--index", index, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["documents"] == 2 and data["documents_list"] == [
        {"id": "bridge", "title": "Bridge closes", "source": "bridge.txt", "published": None, "outlet": None,
         "author": None, "url": None, "source_path": str(cli_index / "docs" / "bridge.txt")},
        {"id": "harbour", "title": "Harbour reopens", "source": "harbour.txt", "published": "2024-03-05", "outlet": None,
         "author": None, "url": None, "source_path": str(cli_index / "docs" / "harbour.txt")},
    ]


def test_cli_serving_options_that_cannot_work_are_refused_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert API_KEY_ENV == "RAG_API_KEY"
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    index = str(tmp_path / "none")
    assert main(["ui", "--share", "--api-key", "k", "--index", index]) == 2
    assert capsys.readouterr().err == (
        "error: --share and --api-key don't go together: Gradio's public link can't send the key; leave out --share "
        "and put the UI behind your own TLS proxy (docs/deploy.md)\n")
    for command in (["ui"], ["serve"]):
        assert main([*command, "--api-key", " ", "--index", index]) == 2
        assert capsys.readouterr().err == (
            "error: the API key is empty: give --api-key KEY (or $RAG_API_KEY), or leave both out\n")
    monkeypatch.setenv(API_KEY_ENV, "  ")
    assert main(["serve", "--index", index]) == 2
    assert "the API key is empty" in capsys.readouterr().err
    monkeypatch.setenv(API_KEY_ENV, "")  # set but empty: no key
    assert main(["serve", "--llm", "--index", index]) == 2
    assert capsys.readouterr().err == (
        "error: --llm without a backend needs one in --config (llm = \"openai\"): or name it, e.g. --llm openai "
        "--model gpt-4o-mini\n")
    monkeypatch.setenv(API_KEY_ENV, "s3cret")
    assert main(["ui", "--share", "--index", index]) == 2  # the key from the environment counts too
    assert "--share and --api-key don't go together" in capsys.readouterr().err


def test_cli_watch_with_nothing_to_watch_says_what_to_give(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == (
        "error: nothing to watch: give folders or URLs (rag watch articles/ https://example.com/feed.xml), or add a "
        "feed with the UI's Add feed URL first\n")


def test_cli_errors_end_with_their_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag import Assistant, IndexCorruptError

    def fail(error: BaseException):  # type: ignore[no-untyped-def]
        def load(*args: object, **kwargs: object) -> None:
            raise error
        return load

    index = str(tmp_path / "ix")
    monkeypatch.delenv("RAG_DEBUG", raising=False)
    monkeypatch.setattr(Assistant, "load", fail(KeyboardInterrupt()))
    assert main(["info", "--index", index]) == 130
    assert capsys.readouterr().err == "error: interrupted; the index on disk is unchanged unless a build finished\n"
    monkeypatch.setattr(Assistant, "load", fail(IndexCorruptError("index at x is corrupt\n(\x1b[2J): rebuild")))
    assert main(["info", "--index", index]) == 2
    assert capsys.readouterr().err == "error: index at x is corrupt ([2J): rebuild\n"
    monkeypatch.setattr(Assistant, "load", fail(ValueError("bad\nvalue")))
    assert main(["info", "--index", index]) == 1
    assert capsys.readouterr().err == "error: unexpected ValueError: bad value (set RAG_DEBUG=1 for details)\n"
    monkeypatch.setenv("RAG_DEBUG", "1")
    with pytest.raises(ValueError, match="bad"):
        main(["info", "--index", index])
    monkeypatch.setattr(Assistant, "load", fail(BrokenPipeError()))
    monkeypatch.setattr(os, "dup2", lambda fd, fd2: fd2)  # keep pytest's stdout: only the status is checked here
    assert main(["info", "--index", index]) == 141
    assert capsys.readouterr().err == ""
