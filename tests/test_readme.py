"""The README's examples run: its Python doctests, and every `rag` command it shows, against copies of the indexes.

A ``$ rag …`` example in a ``text`` block must print the lines shown under
it (``...`` stands for the rest, as in doctests); the ``rag ask``,
``rag timeline`` and ``rag info`` lines of the command-line block must
succeed, and its dated questions must be answered, not refused.
"""

from __future__ import annotations

import doctest
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from rag import Answer, Assistant, MiniLMEmbeddings, sample_news_dir
from rag.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_readme_examples_run(demo_index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples load the default index; here it is the session's demo index, already built.
    monkeypatch.setenv("RAG_INDEX_DIR", str(demo_index_dir))
    result = doctest.testfile(str(README), module_relative=False, optionflags=FLAGS, report=True)
    assert result.attempted >= 10, "the README's LangChain example is a doctest"
    assert result.failed == 0, "a README example failed: see the doctest output above"


def shown_examples() -> list[tuple[str, str]]:
    """Each ``$ rag …`` line of the README's ``text`` blocks, with the output shown under it."""
    examples = []
    for block in re.findall(r"```text\n(.*?)```", README.read_text(), flags=re.S):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            if chunk.startswith("$ rag "):
                command, _, output = chunk.partition("\n")
                examples.append((command[2:], output))
    return examples


def command_lines() -> list[str]:
    """The read-only `rag` lines (ask, timeline, info) of the README's "Command line" block."""
    section = README.read_text().split("### Command line", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S)
    assert block is not None, "the README's Command line section has its bash block"
    return [line for line in block.group(1).splitlines() if re.match(r"rag (ask|timeline|info)\b", line)]


@pytest.fixture(scope="module")
def readme_dir(tmp_path_factory: pytest.TempPathFactory, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> Path:
    """A folder holding what the README's commands read: index/default (the demo) and index/sample-news."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(demo_index_dir, root / "index" / "default")
    Assistant(root / "index" / "sample-news", embeddings=embedder).index([sample_news_dir()])
    return root


def run_rag(command: str, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """``command`` (``rag …``, as the README writes it) run in ``folder``; what it printed."""
    monkeypatch.chdir(folder)
    monkeypatch.delenv("RAG_INDEX_DIR", raising=False)
    capsys.readouterr()
    status = main(shlex.split(command, comments=True)[1:])
    out, err = capsys.readouterr()
    assert status == 0, f"{command}: exit {status}: {err[-500:]}"
    return out


@pytest.mark.parametrize(("command", "shown"), shown_examples(), ids=[c for c, _ in shown_examples()])
def test_each_shown_command_prints_what_the_readme_shows(
    command: str, shown: str, readme_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = run_rag(command, readme_dir, monkeypatch, capsys)
    checker = doctest.OutputChecker()
    if not checker.check_output(shown, printed, FLAGS):
        example = doctest.Example(command, shown)
        pytest.fail(f"README drift for `{command}`:\n{checker.output_difference(example, printed, FLAGS)}")


def test_the_shown_examples_are_found() -> None:
    commands = [c for c, _ in shown_examples()]
    assert 'rag ask "How many troops?"' in commands and len(commands) >= 6
    assert any(c.startswith("rag timeline") for c in commands)


@pytest.mark.parametrize("line", command_lines())
def test_each_command_line_example_runs(
    line: str, readme_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = run_rag(line, readme_dir, monkeypatch, capsys)
    assert printed.strip()
    if line.startswith("rag ask") and "--json" in line:
        listed = re.search(r"Answer\.to_dict\(\): (.*)$", line)
        assert listed is not None, "the --json line lists the keys it prints"
        keys = [k.strip() for k in listed.group(1).split(",")]
        assert keys == list(json.loads(printed)) == list(Answer("q", "", True).to_dict()), "the README's --json keys"
    elif line.startswith("rag ask"):
        assert "don't contain the answer" not in printed and "No article" not in printed, printed
    elif line.startswith("rag timeline"):
        assert re.match(r"\d{4}-\d{2}-\d{2}  \[1\] ", printed), printed
