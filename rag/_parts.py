"""A model file kept in git as hashed parts under 50 MB, joined once into the cache when it is loaded.

A reader larger than the repository's per-file limit is written as
``NAME.001``, ``NAME.002``, … beside a ``parts.json`` that records each part's
sha256 and the whole file's. :func:`joined` gives the whole file: the folder's
own copy if there is one (a freshly trained model), else the parts joined
into the cache under the whole file's hash, checked before use. Nothing is
downloaded; a missing or changed part is a one-line :class:`ReaderError`
naming the fix.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "model.onnx").write_bytes(b"weights" * 10)
    >>> [p.name for p in split(folder / "model.onnx", part_bytes=32)]
    ['model.onnx.001', 'model.onnx.002', 'model.onnx.003']
    >>> (folder / "model.onnx").unlink()
    >>> joined(folder / "model.onnx", cache=folder / "cache").read_bytes() == b"weights" * 10
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ._exceptions import ReaderError

__all__ = ["MAX_PART_BYTES", "PARTS_FILE", "joined", "split"]

MAX_PART_BYTES = 45 * 1024 * 1024  # under the repository's 50 MB per file
PARTS_FILE = "parts.json"
_RESTORE = "restore the folder from git (git checkout -- {folder}) or retrain it with `python -m training.train_reader`"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split(path: Path, *, part_bytes: int = MAX_PART_BYTES) -> list[Path]:
    """Write ``path`` as parts of at most ``part_bytes`` beside it, with ``parts.json``; the whole file stays."""
    data = path.read_bytes()
    parts, hashes = [], []
    for i, start in enumerate(range(0, len(data), part_bytes), start=1):
        part = path.with_name(f"{path.name}.{i:03d}")
        piece = data[start : start + part_bytes]
        part.write_bytes(piece)
        parts.append(part)
        hashes.append(_digest(piece))  # of the bytes in hand, not read back from disk
    record = {"file": path.name, "sha256": _digest(data), "bytes": len(data),
              "parts": [{"name": p.name, "sha256": h} for p, h in zip(parts, hashes)]}
    (path.parent / PARTS_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return parts


def joined(path: Path, *, cache: Path) -> Path:
    """``path`` itself if it exists, else its parts joined (once) into ``cache``, hash-checked.

    Raises:
        ReaderError: Neither the file nor a parts record exists, a part is
            missing, or a part or the whole does not match its sha256.
    """
    if path.is_file():
        return path
    folder = path.parent
    record_path = folder / PARTS_FILE
    if not record_path.is_file():
        raise ReaderError(f"the reader model file {path} is missing: {_RESTORE.format(folder=folder)}")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    target = cache / f"{record['sha256'][:16]}-{record['file']}"
    if target.is_file() and target.stat().st_size == record["bytes"]:
        return target
    chunks = []
    for part in record["parts"]:
        part_path = folder / part["name"]
        if not part_path.is_file():
            raise ReaderError(f"the reader model part {part_path} is missing: {_RESTORE.format(folder=folder)}")
        data = part_path.read_bytes()
        if _digest(data) != part["sha256"]:
            raise ReaderError(f"the reader model part {part_path} does not match its recorded sha256: "
                              f"{_RESTORE.format(folder=folder)}")
        chunks.append(data)
    whole = b"".join(chunks)
    if _digest(whole) != record["sha256"]:
        raise ReaderError(f"the parts in {folder} do not join into the recorded model: {_RESTORE.format(folder=folder)}")
    cache.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache, suffix=".partial")
    with os.fdopen(handle, "wb") as out:
        out.write(whole)
    os.replace(temporary, target)  # whole or not at all
    return target
