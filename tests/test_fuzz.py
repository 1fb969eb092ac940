"""Fuzz suite (#13): distinct bad inputs across files, CLI questions and options, API calls, UI questions,
uploads, gold files and index folders.

For every input it asserts the exit code or exception type, exactly one
readable line about it (no traceback, no line breaks inside), and that no
indexed document is lost (the document count before and after). The cases
are listed in tables so that a new bad input is one more row;
``test_the_suite_has_at_least_150_distinct_inputs`` keeps the count honest.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import Assistant, ConfigError, InputError, RagError, Settings
from rag.cli import main
from tests.helpers import make_pdf

MODEL_READER = "Model (reads each candidate; short answers)"
GOOD = "Council vote\n\nThe council approved the new bridge on Friday by nine votes to two.\n"


def _lines_about(stderr: str, marker: str) -> list[str]:
    return [line for line in stderr.splitlines() if marker in line]


def _no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


def _documents(index_dir: Path) -> int:
    return len(Assistant.load(index_dir, settings=Settings(reader="fast")).documents())


# ------------------------------------------------------------------------------------------- files

def _nested_json(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


BAD_FILES: dict[str, tuple[str, bytes | None]] = {
    # name: (file name, content; None for the special makers below)
    "empty txt": ("empty.txt", b""),
    "whitespace only": ("blank.txt", b"   \n\n\t \n"),
    "binary with NULs": ("scan.txt", b"\x00\x01\x02\x03binary\x00" * 50),
    "png renamed txt": ("photo.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    "gzip renamed txt": ("archive.txt", gzip.compress(b"Hello there. " * 50)),
    "not utf-8 nor windows-1252": ("latin.txt", b"Caf\x81\x8d\x8f\x90\x9d" * 40),
    "only zero-width characters": ("zw.txt", "\u200b\u200c\u200d\ufeff".encode() * 20),
    "only a BOM": ("bom.txt", b"\xef\xbb\xbf"),
    "only punctuation": ("dots.md", b"... --- *** ,,, !!!\n"),
    "md front matter only": ("front.md", b"---\ntitle: x\n---\n"),
    "deeply nested json": ("deep.json", _nested_json(100_000)),
    "deeply nested object": ("deepobj.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    "json syntax error": ("broken.json", b'{"title": "x", "text": '),
    "json null": ("null.json", b"null"),
    "json number": ("number.json", b"42"),
    "json boolean": ("true.json", b"true"),
    "json string": ("string.json", b'"just a string"'),
    "json empty list": ("emptylist.json", b"[]"),
    "json list of numbers": ("numbers.json", b"[1, 2, 3]"),
    "json object without text": ("notext.json", b'{"title": "Only a title"}'),
    "json text is a number": ("textnum.json", b'{"title": "x", "text": 12345}'),
    "json text is a list": ("textlist.json", b'{"title": "x", "text": ["a", "b"]}'),
    "json text is empty": ("textempty.json", b'{"title": "x", "text": ""}'),
    "json text is null": ("textnull.json", b'{"title": "x", "text": null}'),
    "json text of control characters": ("ctrl.json", b'{"text": "\\u0001\\u0002\\u001b"}'),
    "json with NaN": ("nan.json", b'{"text": NaN}'),
    "json empty file": ("empty.json", b""),
    "jsonl all lines broken": ("broken.jsonl", b"{nope\n{also nope\n"),
    "jsonl only blank lines": ("blank.jsonl", b"\n" * 1000),
    "jsonl records without text": ("notext.jsonl", b'{"title": "a"}\n{"title": "b"}\n'),
    "jsonl deeply nested line": ("deep.jsonl", _nested_json(100_000) + b"\n"),
    "html empty": ("empty.html", b""),
    "html no body text": ("nobody.html", b"<html><head><title>T</title></head><body></body></html>"),
    "html only script": ("script.html", b"<html><body><script>var a = 1;</script></body></html>"),
    "html binary garbage": ("garbage.html", bytes(range(256)) * 8),
    "htm deeply nested tags": ("deep.htm", b"<div>" * 20_000 + b"x" + b"</div>" * 20_000),
    "pdf garbage": ("garbage.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 100),
    "pdf truncated": ("truncated.pdf", None),
    "pdf not a pdf": ("text.pdf", b"This is plain text pretending to be a PDF."),
    "pdf empty": ("empty.pdf", b""),
    "pdf without text": ("blank.pdf", None),
    "unsupported docx": ("report.docx", b"PK\x03\x04 not really a docx"),
    "unsupported png": ("image.png", b"\x89PNG\r\n\x1a\n"),
    "unsupported no suffix": ("README", b"Plain text without a suffix."),
    "utf-16 without BOM": ("utf16.txt", "Hello council".encode("utf-16-le")),
    "control characters only": ("ctrl.txt", bytes(range(1, 9)) * 30),
    "name with a newline": ("bad\nname.txt", b""),
    "name with an escape sequence": ("esc\x1b[2Jname.txt", b""),
    "a folder named like a file holding junk": ("folder.txt", None),
    "dangling symlink": ("dangling.txt", None),
    "symlink loop": ("loop.txt", None),
    "fifo": ("pipe.txt", None),
    "symlink to a file outside the folder": ("outside.txt", None),
}


def _make_bad_file(folder: Path, name: str, content: bytes | None) -> Path:
    path = folder / name
    if content is not None:
        path.write_bytes(content)
    elif name == "truncated.pdf":
        path.write_bytes(make_pdf(["Council approves bridge", "It will cost 12 million."])[:120])
    elif name == "blank.pdf":
        path.write_bytes(make_pdf([]))
    elif name == "folder.txt":
        path.mkdir()
        (path / "junk.txt").write_bytes(b"\x00\x01junk")
    elif name == "dangling.txt":
        path.symlink_to(folder / "does-not-exist.txt")
    elif name == "loop.txt":
        path.symlink_to(folder / "loop.txt")
    elif name == "outside.txt":  # a readable article, but not one of the folder's
        (folder.parent / "outside-notes.txt").write_text("Private notes\n\nThe safe code is 1234.\n")
        path.symlink_to(folder.parent / "outside-notes.txt")
    elif name == "pipe.txt":
        os.mkfifo(path)
    return path


@pytest.fixture()
def good_index(tmp_path: Path, embedder) -> Path:  # type: ignore[no-untyped-def]
    """``tmp_path/articles`` with one good article, indexed in ``tmp_path/index``."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "council.txt").write_text(GOOD, encoding="utf-8")
    Assistant(tmp_path / "index", embeddings=embedder).index([tmp_path / "articles"])
    return tmp_path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_one_warning_line_and_loses_nothing(
    case: str, good_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles, index_dir = good_index / "articles", good_index / "index"
    before = _documents(index_dir)
    name, content = BAD_FILES[case]
    _make_bad_file(articles, name, content)
    capsys.readouterr()
    assert main(["index", str(articles), "--index", str(index_dir)]) == 0
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    shown = name.split("\n")[0].split("\x1b")[0]
    about = [line for line in _lines_about(err, "warning:") if shown in line]
    if name.endswith((".docx", ".png")) or name == "README":
        assert about == [] or len(about) == 1  # an unsupported type in a folder is ignored or named once
    else:
        assert len(about) == 1, err
        assert "\x1b" not in about[0]
    assert _documents(index_dir) == before


BAD_DATES: dict[str, tuple[str, bytes, str]] = {
    # name: (file name, content, the value as the warning shows it); issue #29 R11
    "front matter day that does not exist": ("feb30.md", b"---\npublished: 2026-02-30\n---\nBridge\n\nThe council met.\n", '"2026-02-30"'),
    "front matter zero date": ("zero.txt", b"---\ndate: 0000-00-00\n---\nBridge\n\nThe council met.\n", '"0000-00-00"'),
    "json date a number": ("number.json", b'{"title": "Bridge", "text": "The council met.", "published": 1714521600}', "1714521600"),
    "json date an object": ("object.json", b'{"title": "Bridge", "text": "The council met.", "date": {"y": 2024}}', '{"y": 2024}'),
    "jsonl date a word": ("feed.jsonl", b'{"title": "Bridge", "text": "The council met.", "published": "soon"}\n', '"soon"'),
}


@pytest.mark.parametrize("case", sorted(BAD_DATES))
def test_invalid_date_is_one_warning_naming_file_and_value(
    case: str, good_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The article is indexed undated, and one line says which file has which bad value (not just "add a date")."""
    articles, index_dir = good_index / "articles", good_index / "index"
    before = _documents(index_dir)
    name, content, shown = BAD_DATES[case]
    (articles / name).write_bytes(content)
    capsys.readouterr()
    assert main(["index", str(articles), "--index", str(index_dir)]) == 0
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    about = [line for line in _lines_about(err, "warning:") if name in line]
    assert len(about) == 1 and f" {shown} is not a date" in about[0] and "indexed without a date" in about[0], err
    assert _documents(index_dir) == before + 1


# ------------------------------------------------------------------------------ CLI questions/options

CLI_ERRORS: dict[str, tuple[list[str], str]] = {
    # name: (arguments after `rag`, expected start of the error line)
    "empty question": (["ask", ""], "error: the question is empty"),
    "whitespace question": (["ask", "   \t "], "error: the question is empty"),
    "newline-only question": (["ask", "\n\n"], "error: the question is empty"),
    "invalid utf-8 question": (["ask", b"\xff troops".decode("utf-8", "surrogateescape")], "error: the question is not valid text"),
    "lone surrogate in question": (["ask", "how many \ud800 troops?"], "error: the question is not valid text"),
    "top-k not a number": (["ask", "troops?", "--top-k", "abc"], "error: argument --top-k: invalid int value"),
    "top-k zero": (["ask", "troops?", "--top-k", "0"], "error: setting top_k must be"),
    "top-k negative": (["ask", "troops?", "--top-k", "-3"], "error: setting top_k must be"),
    "top-k float": (["ask", "troops?", "--top-k", "2.5"], "error: argument --top-k: invalid int value"),
    "unknown reader": (["ask", "troops?", "--reader", "bert"], "error: argument --reader: invalid choice"),
    "unknown retrieval": (["ask", "troops?", "--retrieval", "magic"], "error: argument --retrieval: invalid choice"),
    "unknown llm": (["ask", "troops?", "--llm", "gpt9"], "error: argument --llm: invalid choice"),
    "unknown option": (["ask", "troops?", "--topk", "3"], "error: unrecognized arguments"),
    "unknown command": (["launch"], "error: argument COMMAND: invalid choice: 'launch'"),
    "no command": ([], "error: the following arguments are required"),
    "ask without a question": (["ask"], "error: the following arguments are required"),
    "index without a path": (["index"], "error: the following arguments are required"),
    "index a missing path": (["index", "/nonexistent/articles", "--index", "{tmp}/idx"], "error: nothing to index"),
    "missing config file": (["ask", "troops?", "--config", "/nonexistent/rag.toml"], "error: config file /nonexistent/rag.toml does not exist: check the path"),
    "ask on a missing index": (["ask", "troops?", "--index", "{tmp}/no-index"], "error: no index at"),
    "info on a missing index": (["info", "--index", "{tmp}/no-index"], "error: no index at"),
    "eval a missing file": (["eval", "{tmp}/missing.jsonl"], "error: {tmp}/missing.jsonl does not exist: give a gold .jsonl"),
    "eval k zero": (["eval", "{gold}", "--k", "0"], "error: --k values must be at least 1"),
    "eval k not a number": (["eval", "{gold}", "--k", "x"], "error: argument --k: invalid int value"),
    "eval limit zero": (["eval", "{gold}", "--limit", "0"], "error: argument --limit: must be at least 1, got 0"),
    "eval unknown compare mode": (["eval", "{gold}", "--compare", "hybrid,psychic"], "error: unknown configuration 'psychic' in --compare: use hybrid, dense, bm25, langchain"),
    "eval unknown reader to compare": (["eval", "{gold}", "--compare-readers", "model,oracle"], "error: unknown reader 'oracle' in --compare-readers: use model,large,fast"),
    "ui port out of range": (["ui", "--port", "99999"], "error: argument --port: port 99999 is out of range: use 1-65535"),
    "ui port not a number": (["ui", "--port", "http"], "error: argument --port: invalid port 'http'"),
    "llm without model": (["ask", "troops?", "--llm", "openai", "--index", "{tmp}/no-index"], "error: no index at {tmp}/no-index: build one with"),
    # Issue #29: a database URL that is not PostgreSQL is no folder, and a URL's key or password is never printed.
    "mysql index location": (["info", "--index", "mysql://bob:hunter2@db.example/news"],
                             "error: the index location mysql://***@db.example/news is a mysql URL"),
    "key in a source URL": (["index", "http://127.0.0.1:9/feed.xml?key=SeCrEt123", "--index", "{tmp}/idx"],
                            "error: nothing to index (skipped http://127.0.0.1:9/feed.xml?key=***: "),
    "empty since": (["ask", "troops?", "--since", ""], "error: argument --since: the date is empty"),
    "blank as-of": (["timeline", "drill", "--as-of", " "], "error: argument --as-of: the date is empty"),
    # Issue #29 R9: OS errors that were "unexpected" one-liners.
    "config is a folder": (["ask", "troops?", "--config", "{tmp}"], "error: config file {tmp} is a folder, not a TOML file"),
    "index name too long": (["info", "--index", "{tmp}/" + "x" * 300], "error: the index path "),
    "index path not utf-8": (["ask", "troops?", "--index", "{tmp}/idx" + b"\xff".decode("utf-8", "surrogateescape")],
                             "error: the index path {tmp}/idx\\udcff is not valid UTF-8"),
}

CONFIG_FILES: dict[str, tuple[str, str]] = {
    # name: (rag.toml content, expected in the error line)
    "config misspelled setting": ("top_kk = 3\n", "did you mean 'top_k'"),
    "config wrong type": ('top_k = "five"\n', "top_k"),
    "config invalid toml": ("top_k = = 3\n", "rag.toml"),
    "config unknown reader": ('reader = "bert"\n', "reader"),
    "config negative threshold": ("min_probability = -1\n", "min_probability"),
    "config zero chunk size": ("chunk_tokens = 0\n", "chunk_tokens"),
    "config unknown table key": ("[rag]\nbogus = 1\n", "bogus"),
    "config binary": ("\x00\x01\x02", "rag.toml"),
}


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_text(json.dumps({"id": "q", "question": "How many troops?", "answers": ["10,000"],
                                "evidence": [{"doc_id": "zapad", "quote": "More than 10,000 troops"}], "answerable": True}) + "\n")
    return path


@pytest.mark.parametrize("case", sorted(CLI_ERRORS))
def test_cli_error_is_one_line(case: str, tmp_path: Path, small_gold: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args, expected = CLI_ERRORS[case]
    args = [a.replace("{tmp}", str(tmp_path)).replace("{gold}", str(small_gold)) for a in args]
    expected = expected.replace("{tmp}", str(tmp_path))
    with _exit_code() as code:
        code.value = main(args)
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code.value == 2 and len(lines) == 1, (code.value, err)
    assert lines[0].startswith(expected), lines[0]


@pytest.mark.parametrize("case", sorted(CONFIG_FILES))
def test_bad_config_file_is_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "rag.toml"
    content, expected = CONFIG_FILES[case]
    config.write_text(content, encoding="utf-8", errors="surrogateescape")
    with _exit_code() as code:
        code.value = main(["ask", "troops?", "--config", str(config), "--index", str(tmp_path / "none")])
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code.value == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert expected in lines[0], lines[0]


class _Code:
    value: int | None = None


class _exit_code:  # noqa: N801 - used as a context manager like pytest.raises
    """Catches argparse's SystemExit so both paths give an exit code."""

    def __enter__(self) -> _Code:
        self.code = _Code()
        return self.code

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> bool:
        if kind is SystemExit:
            self.code.value = int(error.code or 0)
            return True
        return False


# ------------------------------------------------------------------------------------------- the API

LONE = b"\xff troops".decode("utf-8", "surrogateescape")

API_CALLS: dict[str, tuple[Callable[[Assistant], Any], type[RagError], str]] = {
    "ask int": (lambda a: a.ask(7), InputError, "question must be a str"),
    "ask float": (lambda a: a.ask(1.5), InputError, "question must be a str"),
    "ask None": (lambda a: a.ask(None), InputError, "question must be a str"),
    "ask bytes": (lambda a: a.ask(b"troops"), InputError, "question must be a str"),
    "ask list": (lambda a: a.ask(["troops"]), InputError, "question must be a str"),
    "ask dict": (lambda a: a.ask({"q": "troops"}), InputError, "question must be a str"),
    "ask empty": (lambda a: a.ask(""), InputError, "the question is empty"),
    "ask blank": (lambda a: a.ask(" \n\t"), InputError, "the question is empty"),
    "ask lone surrogate": (lambda a: a.ask(LONE), InputError, "the question is not valid text"),
    "ask top_k str": (lambda a: a.ask("troops?", top_k="5"), InputError, "top_k must be a whole number"),
    "ask top_k float": (lambda a: a.ask("troops?", top_k=2.5), InputError, "top_k must be a whole number"),
    "ask top_k bool": (lambda a: a.ask("troops?", top_k=True), InputError, "top_k must be a whole number"),
    "ask top_k list": (lambda a: a.ask("troops?", top_k=[5]), InputError, "top_k must be a whole number"),
    "ask history str": (lambda a: a.ask("troops?", history="earlier"), InputError, "history must be a list"),
    "ask history int": (lambda a: a.ask("troops?", history=3), InputError, "history must be a list"),
    "ask history None item": (lambda a: a.ask("troops?", history=[None]), InputError, "history must hold questions as str"),
    "ask history bytes item": (lambda a: a.ask("troops?", history=[b"x"]), InputError, "history must hold questions as str"),
    "ask history surrogate": (lambda a: a.ask("troops?", history=[LONE]), InputError, "earlier question 1 in history"),
    "ask use_llm str": (lambda a: a.ask("troops?", use_llm="yes"), InputError, "use_llm must be True, False or None"),
    "ask use_llm int": (lambda a: a.ask("troops?", use_llm=1), InputError, "use_llm must be True, False or None"),
    "stream int": (lambda a: list(a.stream(7)), InputError, "question must be a str"),
    "stream top_k str": (lambda a: list(a.stream("troops?", top_k="x")), InputError, "top_k must be a whole number"),
    "stream history str": (lambda a: list(a.stream("troops?", history="x")), InputError, "history must be a list"),
}

SETTINGS: dict[str, tuple[dict[str, Any], str]] = {
    "misspelled setting": ({"top_kk": 3}, "did you mean 'top_k'"),
    "top_k zero": ({"top_k": 0}, "top_k"),
    "top_k negative": ({"top_k": -1}, "top_k"),
    "unknown reader": ({"reader": "bert"}, "reader"),
    "unknown retrieval": ({"retrieval": "magic"}, "retrieval"),
    "unknown llm": ({"llm": "gpt9"}, "llm"),
    "max_file_mb zero": ({"max_file_mb": 0}, "max_file_mb"),
    "max_file_mb negative": ({"max_file_mb": -5}, "max_file_mb"),
    "unknown embed backend": ({"embed_backend": "tpu"}, "embed_backend"),
    "llm_max_tokens zero": ({"llm_max_tokens": 0}, "llm_max_tokens"),
    "llm_max_tokens over the context": ({"llm_max_tokens": 8192}, "llm_max_tokens"),
    "min_score above 1": ({"min_score": 2.0}, "min_score"),
    "min_score not a number": ({"min_score": float("nan")}, "min_score"),
    "chunk_tokens zero": ({"chunk_tokens": 0}, "chunk_tokens"),
    "chunk_tokens huge": ({"chunk_tokens": 1_000_000}, "chunk_tokens"),
    "max_file_mb infinite": ({"max_file_mb": float("inf")}, "max_file_mb"),
}


@pytest.mark.parametrize("case", sorted(API_CALLS))
def test_api_call_is_one_line_error_before_loading(case: str, tmp_path: Path) -> None:
    call, kind, message = API_CALLS[case]
    assistant = Assistant(tmp_path / "no-index", settings=Settings(reader="fast"))
    with pytest.raises(kind) as caught:
        call(assistant)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert assistant._pipeline is None  # nothing was loaded for a rejected call


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_bad_setting_is_one_line_config_error(case: str) -> None:
    values, name = SETTINGS[case]
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping(values)
    assert name in str(caught.value) and "\n" not in str(caught.value)


# ----------------------------------------------------------------------------------- gold files

GOLD_FILES: dict[str, tuple[str, str]] = {
    # name: (file content, expected part of the error line)
    "not json": ("not json\n", "gold.jsonl:1: invalid JSON"),
    "json list line": ("[1, 2]\n", "gold.jsonl:1:"),
    "missing question": ('{"id": "a", "answers": [], "evidence": [], "answerable": false}\n', "gold.jsonl:1: field 'question'"),
    "question not a string": ('{"id": "a", "question": 5, "answers": [], "evidence": [], "answerable": false}\n', "gold.jsonl:1: field 'question'"),
    "answers not a list": ('{"id": "a", "question": "q?", "answers": "x", "evidence": [], "answerable": true}\n', "gold.jsonl:1: field 'answers'"),
    "answers with empty string": ('{"id": "a", "question": "q?", "answers": [""], "evidence": [], "answerable": true}\n', "gold.jsonl:1: field 'answers'"),
    "answerable not bool": ('{"id": "a", "question": "q?", "answers": [], "evidence": [], "answerable": "no"}\n', "gold.jsonl:1: field 'answerable'"),
    "unknown field": ('{"id": "a", "question": "q?", "answers": [], "evidence": [], "answerable": false, "colour": 1}\n', "gold.jsonl:1:"),
    "duplicate id": ('{"id": "a", "question": "q?", "answers": [], "evidence": [], "answerable": false}\n' * 2, "gold.jsonl:2:"),
    "evidence not a list": ('{"id": "a", "question": "q?", "answers": ["x"], "evidence": "x", "answerable": true}\n', "gold.jsonl:1: field 'evidence'"),
    "evidence item without quote": ('{"id": "a", "question": "q?", "answers": ["x"], "evidence": [{"doc_id": "d"}], "answerable": true}\n', "gold.jsonl:1:"),
    "empty file": ("", "no questions found"),
    "blank lines only": ("\n\n\n", "no questions found"),
    "second line broken": ('{"id": "a", "question": "q?", "answers": [], "evidence": [], "answerable": false}\n{broken\n', "gold.jsonl:2: invalid JSON"),
    "id not a string": ('{"id": 3, "question": "q?", "answers": [], "evidence": [], "answerable": false}\n', "gold.jsonl:1: field 'id'"),
    "deeply nested line": ("[" * 100_000 + "]" * 100_000 + "\n", "gold.jsonl:1:"),
    "invalid utf-8": ("\udcff\udcfe\n", "gold.jsonl"),
}


@pytest.mark.parametrize("case", sorted(GOLD_FILES))
def test_bad_gold_file_is_one_line_naming_the_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(GOLD_FILES[case][0], encoding="utf-8", errors="surrogateescape")
    assert main(["eval", str(gold), "--index", str(tmp_path / "none")]) == 2
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and GOLD_FILES[case][1] in lines[0], err


# --------------------------------------------------------------------------------- index folders

def _damage(index_dir: Path, how: str) -> None:
    manifest = index_dir / "manifest.json"
    generation = next(p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-"))
    if how == "manifest not json":
        manifest.write_text("{not json")
    elif how == "manifest empty":
        manifest.write_text("")
    elif how == "manifest a list":
        manifest.write_text("[]")
    elif how == "manifest format from the future":
        data = json.loads(manifest.read_text())
        data["format_version"] = 999
        manifest.write_text(json.dumps(data))
    elif how == "manifest names a missing generation":
        data = json.loads(manifest.read_text())
        data["generation"] = "gen-missing"
        manifest.write_text(json.dumps(data))
    elif how == "manifest other model":
        data = json.loads(manifest.read_text())
        data["embedding_model"] = "some/other-model"
        manifest.write_text(json.dumps(data))
    elif how == "manifest binary":
        manifest.write_bytes(b"\x00\xff" * 20)
    elif how.startswith("truncate "):
        victim = generation / how.split(" ", 1)[1]
        victim.write_bytes(victim.read_bytes()[: max(1, victim.stat().st_size // 3)])
    elif how.startswith("delete "):
        (generation / how.split(" ", 1)[1]).unlink()
    elif how == "documents garbage":
        (generation / "documents.jsonl").write_bytes(b"\x00garbage\n" * 10)
    elif how.startswith("rows out of range "):  # the same size, so only a check of the rows' values finds it
        victim = generation / how.rsplit(" ", 1)[1]
        rows = np.load(victim)
        rows[-1, 0] = 10**6
        np.save(victim, rows)
    elif how == "generation is a file":
        shutil.rmtree(generation)
        generation.write_text("x")


# What each damage must say after "error: index at INDEX ": the specific reason, as a regex ({index}: the folder).
_CORRUPT = r"is corrupt \({}\)"
INDEX_DAMAGE: dict[str, str] = {
    "manifest not json": _CORRUPT.format(r"manifest\.json: Expecting property name enclosed in double quotes: .*"),
    "manifest empty": _CORRUPT.format(r"manifest\.json: Expecting value: line 1 column 1 \(char 0\)"),
    "manifest a list": _CORRUPT.format(r"manifest\.json: missing 'generation'"),
    "manifest format from the future": r"has format 999, this version reads \d+",
    "manifest names a missing generation": _CORRUPT.format(r"manifest\.json: 'generation' 'gen-missing' is not a generation folder name"),
    "manifest other model": r"was built with embedding model 'some/other-model', not '[^']+'",
    "manifest binary": _CORRUPT.format(r"manifest\.json: 'utf-8' codec can't decode byte 0xff in position \d+: .*"),
    "truncate documents.jsonl": _CORRUPT.format(r"documents\.jsonl is \d+ bytes, manifest says \d+"),
    "truncate chunks.npy": _CORRUPT.format(r"chunks\.npy is \d+ bytes, manifest says \d+"),
    "truncate sentence_vectors.npy": _CORRUPT.format(r"sentence_vectors\.npy is \d+ bytes, manifest says \d+"),
    "truncate dense.faiss": _CORRUPT.format(r"dense\.faiss is \d+ bytes, manifest says \d+"),
    "truncate terms.json": _CORRUPT.format(r"terms\.json is \d+ bytes, manifest says \d+"),
    "delete documents.jsonl": _CORRUPT.format(r"\[Errno 2\] No such file or directory: '{index}/gen-[^/']+/documents\.jsonl'"),
    "delete chunk_vectors.npy": _CORRUPT.format(r"\[Errno 2\] No such file or directory: '{index}/gen-[^/']+/chunk_vectors\.npy'"),
    "delete dense.faiss": _CORRUPT.format(r"\[Errno 2\] No such file or directory: '{index}/gen-[^/']+/dense\.faiss'"),
    "documents garbage": _CORRUPT.format(r"documents\.jsonl is \d+ bytes, manifest says \d+"),
    "generation is a file": _CORRUPT.format(r"\[Errno 20\] Not a directory: '{index}/gen-[^/']+/documents\.jsonl'"),
    # Issue #29: a damaged row table was an "unexpected IndexError" at the first question.
    "rows out of range chunks.npy": _CORRUPT.format(r"chunks\.npy row \d+ points outside the documents or sentences"),
    "rows out of range sentences.npy": _CORRUPT.format(r"sentences\.npy row \d+ points outside the documents or sentences"),
}


@pytest.mark.parametrize("how", INDEX_DAMAGE)
def test_damaged_index_is_one_line(how: str, good_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each damage gets its own reason and the rebuild command, never just any line that mentions the index."""
    index_dir = good_index / "index"
    _damage(index_dir, how)
    capsys.readouterr()
    assert main(["ask", "What did the council approve?", "--index", str(index_dir)]) == 2
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("Loading", "Batches"))]
    assert len(lines) == 1, err
    index = re.escape(str(index_dir))
    expected = (f"error: index at {index} " + INDEX_DAMAGE[how].replace("{index}", index)
                + f": rebuild it with `rag index PATH --index {index} --rebuild`")
    assert re.fullmatch(expected, lines[0]), lines[0]


@pytest.mark.parametrize("how", ["rows out of range chunks.npy", "manifest not json", "truncate dense.faiss"])
def test_rag_index_repairs_a_damaged_index(how: str, good_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue #29: `rag index` over a damaged generation rebuilds it from the sources (with a note) instead of failing forever."""
    articles, index_dir = good_index / "articles", good_index / "index"
    _damage(index_dir, how)
    capsys.readouterr()
    assert main(["index", str(articles), "--index", str(index_dir)]) == 0
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    notes = _lines_about(err, "note: ")
    assert len(notes) == 1 and "was damaged" in notes[0] and "rebuilt it from the sources given" in notes[0], err
    assert _documents(index_dir) == 1
    assert main(["ask", "What did the council approve?", "--index", str(index_dir)]) == 0
    assert "bridge" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["x" * 300, "idx" + b"\xff".decode("utf-8", "surrogateescape")])
def test_unusable_index_path_is_one_line_and_leaves_nothing(
    name: str, good_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #29 R9: a name over the file system's limit or not UTF-8 is refused before a folder or ``.lock`` is made."""
    capsys.readouterr()
    assert main(["index", str(good_index / "articles"), "--index", str(good_index / name)]) == 2
    out, err = capsys.readouterr()
    _no_traceback(out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the index path ") and "--index" in lines[0], err
    assert "unexpected" not in lines[0]
    assert sorted(p.name for p in good_index.iterdir()) == ["articles", "index"]


# ------------------------------------------------------------------------------ UI questions, uploads

UI_QUESTIONS: dict[str, tuple[str, str]] = {
    # name: (question, expected in the reply)
    "zero-width characters only": ("\u200b\u200b\ufeff", "the question is empty"),
    "empty": ("", "the question is empty"),
    "blank": ("   ", "the question is empty"),
    "NUL characters": ("\x00\x00\x00", "the question is empty"),
    "script tag": ("<script>alert(1)</script>", "The articles don't contain the answer"),
    "html image injection": ("<img src=x onerror=alert(1)>", "The articles don't contain the answer"),
    "markdown link injection": ("[click](javascript:alert(1))", "The articles don't contain the answer"),
    "100k characters": ("troops " * 15_000, ""),
    "only emoji": ("🚀🚀🚀", "The articles don't contain the answer"),
    "right-to-left text": ("\u202ekcatta", "The articles don't contain the answer"),
    "escape sequences": ("\x1b[2J\x1b]0;owned\x07 troops?", ""),
    "fake citation markers": ("[1][2][3] [99]", "The articles don't contain the answer"),
}


@pytest.mark.parametrize("case", sorted(UI_QUESTIONS))
def test_ui_question_gets_one_readable_reply(case: str, served: tuple[str, Assistant]) -> None:
    from gradio_client import Client

    url, assistant = served
    before = len(assistant.documents())
    question, expected = UI_QUESTIONS[case]
    _, history, _ = Client(url, verbose=False).predict(question, [], 5, "Extractive (quotes)", MODEL_READER, api_name="/chat")
    reply = str(history[-1]["content"])
    _no_traceback(reply)
    assert expected in reply and "Something went wrong" not in reply, reply[:300]
    if reply.startswith("⚠️"):
        assert "\n" not in reply
    assert "<script>" not in reply and "onerror=" not in reply
    assert len(assistant.documents()) == before


UPLOADS: dict[str, tuple[str, bytes, str]] = {
    # name: (file name, content, expected in the status)
    "binary txt": ("scan.txt", b"\x00\x01\x02binary" * 20, "binary file"),
    "empty txt": ("empty.txt", b"", "empty"),
    "unsupported png": ("photo.png", b"\x89PNG\r\n\x1a\n", "unsupported type .png"),
    "unsupported exe": ("setup.exe", b"MZ\x90\x00", "unsupported type .exe"),
    "no suffix": ("notes", b"Some notes.", "unsupported type (none)"),
    "deeply nested json": ("deep.json", _nested_json(100_000), "deep.json"),
    "json without text": ("notext.json", b'{"title": "x"}', "notext.json"),
    "broken jsonl": ("feed.jsonl", b"{nope\n", "feed.jsonl"),
    "garbage pdf": ("scan.pdf", b"%PDF-1.4\n\x00garbage", "scan.pdf"),
    "html without text": ("page.html", b"<html><body></body></html>", "page.html"),
    "invalid utf-8 text": ("latin.txt", b"\xff\xfe\xfd" * 100 + b"\x00", "latin.txt"),
    "name with spaces and quotes": ("my \"odd\" 'name'.txt", b"", "empty"),
    "hidden name": (".notes.txt", b"Notes\nMeeting moved to Tuesday.", "a name starting with a dot is a hidden file"),
}


@pytest.mark.parametrize("case", sorted(UPLOADS))
def test_bad_upload_is_one_rejection_line_and_loses_nothing(case: str, served: tuple[str, Assistant], tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    url, assistant = served
    before = sorted(d.id for d in assistant.documents())
    name, content, expected = UPLOADS[case]
    path = tmp_path / name
    path.write_bytes(content)
    status, *_ = Client(url, verbose=False).predict([handle_file(str(path))], api_name="/upload")
    _no_traceback(status)
    rejected = [line for line in status.split("\n\n") if line.startswith("**Rejected**")]
    assert len(rejected) == 1 and expected in rejected[0] and "\n" not in rejected[0], status
    assert sorted(d.id for d in assistant.documents()) == before


def test_the_suite_has_at_least_150_distinct_inputs() -> None:
    tables = [BAD_FILES, BAD_DATES, CLI_ERRORS, CONFIG_FILES, API_CALLS, SETTINGS, GOLD_FILES, UI_QUESTIONS, UPLOADS]
    total = sum(len(t) for t in tables) + len(set(INDEX_DAMAGE))
    assert total >= 150, total


def test_reliability_doc_counts_match_the_tables() -> None:
    """docs/reliability.md's fuzz table states each entry point's count; it must say what this file holds."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text(encoding="utf-8")
    expected = {
        "files in a folder given to `rag index`": len(BAD_FILES), "invalid dates in articles": len(BAD_DATES),
        "CLI questions and options": len(CLI_ERRORS),
        "`rag.toml` files": len(CONFIG_FILES), "Python API calls": len(API_CALLS), "`Settings` values": len(SETTINGS),
        "gold files for `rag eval`": len(GOLD_FILES), "damaged index folders": len(INDEX_DAMAGE),
        "UI questions (gradio_client)": len(UI_QUESTIONS), "UI uploads (gradio_client)": len(UPLOADS),
    }
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in doc.splitlines() if line.startswith("| ")}
    for entry, count in expected.items():
        assert rows[entry].split(" ")[0] == str(count), (entry, rows[entry], count)
    assert f"({sum(expected.values())} now)" in doc
