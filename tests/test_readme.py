"""The README's Python examples written as doctests (``>>>``) run, against the demo index."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run(demo_index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples load the default index; here it is the session's demo index, already built.
    monkeypatch.setenv("RAG_INDEX_DIR", str(demo_index_dir))
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(README), module_relative=False, optionflags=flags, report=True)
    assert result.attempted >= 10, "the README's LangChain example is a doctest"
    assert result.failed == 0, "a README example failed: see the doctest output above"
