"""The import contracts of pyproject.toml's [tool.importlinter]: they hold, and an upward import breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The venv's console script; run from a folder, lint-imports checks the packages found there.
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` run in ``cwd`` on its pyproject.toml, without a cache folder."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract", "chain"),
    [
        # a value type reaching up to the assistant
        ("rag/_types.py", "from ._assistant import Assistant", "rag's floors: nothing imports upward BROKEN",
         "rag._types -> rag._assistant"),
        # the store calling ingestion
        ("rag/stores/_local.py", "from .._ingest import build_index", "rag.stores is below ingestion", "rag.stores._local -> rag._ingest"),
        # configuration loading a model library
        ("rag/_config.py", "import torch", "Values and configuration import no models BROKEN", "rag._config -> torch"),
        # a module of rag importing the facade
        ("rag/_text.py", "from rag import Assistant", "no module of rag imports it BROKEN", "rag._text -> rag"),
    ],
)
def test_an_upward_import_breaks_a_contract(tmp_path: Path, module: str, planted: str, contract: str, chain: str) -> None:
    # A copy of the packages' sources and the contracts, with one import planted at the end of a module.
    for path in [*ROOT.glob("rag/**/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("bench/**/*.py"), *ROOT.glob("training/**/*.py")]:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lint_imports(tmp_path).returncode == 0  # the copy alone keeps every contract
    with open(tmp_path / module, "a", encoding="utf-8") as handle:
        handle.write(f"\n{planted}\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert contract in result.stdout and chain in result.stdout, result.stdout
