"""scripts/constraints.txt pins every dependency pyproject.toml names, at versions its ranges allow.

A fresh machine installs with ``-c scripts/constraints.txt``; a dependency missing from it would float to
whatever the registry holds that day (how langchain-core 0.3 once came back), and a pin outside the
declared range would make that install fail.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def body() -> list[str]:
    """The constraints file's lines that are not comments or blank."""
    lines = (ROOT / "scripts" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def pins() -> dict[str, Version]:
    """The constraints file's ``name==version`` lines, by canonical name."""
    found: dict[str, Version] = {}
    for line in body():
        name, _, version = line.partition("==")
        found[canonicalize_name(name)] = Version(version)
    return found


def declared() -> list[Requirement]:
    """Every requirement of pyproject.toml: the core list and each extra (the project itself left out)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    return [r for r in map(Requirement, lines) if canonicalize_name(r.name) != canonicalize_name(project["name"])]


def test_every_line_is_an_exact_pin() -> None:
    lines = body()
    bad = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9._-]+==[0-9][A-Za-z0-9.+!-]*", line)]
    assert lines and bad == []


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pinned = pins()
    missing = [str(r) for r in declared() if canonicalize_name(r.name) not in pinned and r.name != "torch"]
    outside = [
        f"{r} vs {pinned[canonicalize_name(r.name)]}" for r in declared()
        if canonicalize_name(r.name) in pinned and not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)
    ]
    assert missing == [] and outside == []


def test_the_pins_are_what_this_environment_runs() -> None:
    # The suite runs against the pinned set: each declared dependency installed here has the pinned version.
    pinned = pins()
    differ = []
    for r in declared():
        name = canonicalize_name(r.name)
        if name not in pinned:
            continue
        try:
            installed = Version(metadata.version(r.name))
        except metadata.PackageNotFoundError:
            continue  # an extra not installed here
        if installed != pinned[name]:
            differ.append(f"{r.name}: installed {installed}, pinned {pinned[name]}")
    assert differ == []
