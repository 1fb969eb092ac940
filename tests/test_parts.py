"""A model kept in git as hashed parts: joined into the cache once, checked, a one-line error when it can't be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import ReaderError
from rag._parts import PARTS_FILE, joined, split


@pytest.fixture
def parted(tmp_path: Path) -> Path:
    model = tmp_path / "reader" / "reader-int8.onnx"
    model.parent.mkdir()
    model.write_bytes(bytes(range(256)) * 40)
    assert [p.name for p in split(model, part_bytes=4096)] == ["reader-int8.onnx.001", "reader-int8.onnx.002", "reader-int8.onnx.003"]
    assert all(p.stat().st_size <= 4096 for p in model.parent.glob("*.0*"))
    model.unlink()
    return model


def test_parts_join_into_the_cache_once(parted: Path, tmp_path: Path) -> None:
    whole = joined(parted, cache=tmp_path / "cache")
    assert whole.read_bytes() == bytes(range(256)) * 40 and whole.parent == tmp_path / "cache"
    (parted.parent / "reader-int8.onnx.001").unlink()  # joined before: the cached copy serves
    assert joined(parted, cache=tmp_path / "cache") == whole


@pytest.mark.parametrize(
    ("damage", "expected"),
    [("remove", "is missing"), ("change", "does not match its recorded sha256"), ("record", "do not join into the recorded model"),
     ("no record", "reader-int8.onnx is missing")],
)
def test_a_missing_or_changed_part_is_one_line_naming_the_fix(parted: Path, tmp_path: Path, damage: str, expected: str) -> None:
    part = parted.parent / "reader-int8.onnx.002"
    record = parted.parent / PARTS_FILE
    if damage == "remove":
        part.unlink()
    elif damage == "change":
        part.write_bytes(b"x" + part.read_bytes()[1:])
    elif damage == "record":  # every part intact, the whole recorded differently
        data = json.loads(record.read_text())
        record.write_text(json.dumps({**data, "sha256": "0" * 64}))
    else:
        record.unlink()
    with pytest.raises(ReaderError) as error:
        joined(parted, cache=tmp_path / "cache")
    assert expected in str(error.value) and "\n" not in str(error.value) and "git checkout" in str(error.value)
    assert not any((tmp_path / "cache").glob("*"))  # nothing half-joined is left to be trusted later
