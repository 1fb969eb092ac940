"""Uploaded articles: the checks, the kept copy and the incremental indexing, for the chat UI and the REST API alike.

Uploads are kept in one folder (``<index>/uploads`` by default) and never
replace a file there: a different article with a taken name is stored under
a new name (so it gets a new document id), an identical one is reported as
already indexed. A file the loader rejects is not kept, so the folder holds
what the index holds. Nothing already indexed is lost: a build that fails
leaves the previous index as it was.

Example:
    >>> report = add_uploads(assistant, [("report.txt", Path("/tmp/x/report.txt"))], Path("index/default/uploads"))  # doctest: +SKIP
    >>> report.added, report.rejected  # doctest: +SKIP
    (('report',), ())
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rag import SUPPORTED_SUFFIXES, Assistant, InputError, RagError

__all__ = ["MAX_FILES", "READ_ONLY_FLAG", "ReadOnlyError", "StoreOutcome", "UploadReport", "UploadTooLargeError",
           "add_uploads", "check_count", "check_writable", "file_problem", "size_problem", "store_upload"]

MAX_FILES = 100  # files in one upload: an upload is one build, and one build should stay minutes, not hours
READ_ONLY_FLAG = "--read-only"  # the option of `rag ui` and `rag serve` that turns uploads and removals off

StoreOutcome = Literal["new", "renamed", "same"]


class UploadTooLargeError(InputError):
    """An upload holds too many files, or a file over the size limit (HTTP 413)."""


class ReadOnlyError(InputError):
    """The index is served read-only (``--read-only``): no upload or removal (HTTP 403)."""


def check_writable(read_only: bool) -> None:
    """Raise :class:`ReadOnlyError` when the index is served read-only.

    Example:
        >>> check_writable(True)
        Traceback (most recent call last):
        ...
        ui.uploads.ReadOnlyError: the index is served read-only (--read-only): uploads and removals are off; change it with `rag index`, or restart without --read-only
    """
    if read_only:
        raise ReadOnlyError(f"the index is served read-only ({READ_ONLY_FLAG}): uploads and removals are off; "
                            f"change it with `rag index`, or restart without {READ_ONLY_FLAG}")


@dataclass(frozen=True)
class UploadReport:
    """What an upload did.

    Attributes:
        added: Ids of the documents added or updated; searchable now.
        notes: One line per file that was renamed or was already indexed, and the build's notes.
        rejected: One line per file (or build) that was refused, ``"name: reason"``.
        warnings: The build's load warnings, as ``rag index`` prints them (a value a file lost, e.g. a
            ``published`` that names no day), each naming the file as uploaded.

    Example:
        >>> UploadReport(added=("a",), notes=(), rejected=("b.png: unsupported type .png",)).added
        ('a',)
    """

    added: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def check_count(n_files: int) -> None:
    """Raise :class:`UploadTooLargeError` for more than :data:`MAX_FILES` files in one upload."""
    if n_files > MAX_FILES:
        raise UploadTooLargeError(f"{n_files} files in one upload: send at most {MAX_FILES} at a time")


def file_problem(name: str, size_bytes: int, max_mb: float) -> str | None:
    """Why a file can't be uploaded (``"name: reason"``: its name, type or size), or ``None`` when it can.

    A name starting with a dot is a hidden file: kept in the uploads folder,
    a later ``rag index`` of that folder would skip it.

    Example:
        >>> file_problem("photo.png", 10, 20)
        'photo.png: unsupported type .png; use .txt, .md, .markdown, .html, .htm, .pdf, .json, .jsonl, .csv'
        >>> file_problem("a.txt", 30 * 1024 * 1024, 20)
        'a.txt: 30.0 MB is over the 20 MB limit'
        >>> file_problem(".notes.txt", 10, 20)
        '.notes.txt: a name starting with a dot is a hidden file; rename it (e.g. notes.txt) and upload it again'
    """
    if name.startswith("."):
        return (f"{name}: a name starting with a dot is a hidden file; rename it (e.g. {name.lstrip('.') or 'notes.txt'}) "
                "and upload it again")
    suffix = Path(name).suffix
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"{name}: unsupported type {suffix or '(none)'}; use {', '.join(SUPPORTED_SUFFIXES)}"
    return size_problem(name, size_bytes, max_mb)


def size_problem(name: str, size_bytes: int, max_mb: float) -> str | None:
    """``"name: 30.0 MB is over the 20 MB limit"`` for a file over ``max_mb``, else ``None``."""
    size_mb = size_bytes / (1024 * 1024)
    return f"{name}: {size_mb:.1f} MB is over the {max_mb:g} MB limit" if size_mb > max_mb else None


def add_uploads(assistant: Assistant, files: Sequence[tuple[str, Path]], uploads: Path) -> UploadReport:
    """Check, keep and index uploaded files, incrementally (``Assistant.add``: nothing else is removed).

    Args:
        assistant: The assistant whose index the files go into.
        files: ``(name as uploaded, file on disk)`` pairs; the file's own name is the one kept.
        uploads: The folder uploads are kept in.

    Raises:
        UploadTooLargeError: More than :data:`MAX_FILES` files.
    """
    check_count(len(files))
    stored: list[tuple[str, Path, StoreOutcome]] = []  # (name as uploaded, file in uploads/, outcome)
    rejected: list[str] = []
    for name, path in files:
        problem = file_problem(name, path.stat().st_size, assistant.settings.max_file_mb)
        if problem:
            rejected.append(problem)
            continue
        stored.append((name, *store_upload(path, uploads)))
    if not stored:
        return UploadReport(rejected=tuple(rejected))
    added: list[str] = []
    notes: list[str] = []
    warnings: list[str] = []
    build_notes: list[str] = []
    # Identical files go in too: unchanged ones cost a hash, and one never indexed gets indexed.
    try:
        report = assistant.add([target for _, target, _ in stored])
    except RagError as error:
        rejected.append(str(error))
    else:
        rejected.extend(f"{Path(s.source).name}: {s.reason}" for s in report.skipped)
        added = report.added + report.updated
        warnings = [_as_uploaded(line, stored) for line in report.warnings]
        build_notes = list(report.notes)
    ids_of: dict[str, list[str]] = {}
    with contextlib.suppress(RagError):  # no index at all: nothing of these files is indexed
        for doc in assistant.documents():
            ids_of.setdefault(doc.source, []).append(doc.id)
    for name, target, outcome in stored:
        ids = ids_of.get(str(target.resolve()), [])
        if not ids and outcome != "same":
            target.unlink(missing_ok=True)  # not indexed: keep uploads/ to what the index holds
        elif ids and outcome == "renamed":
            notes.append(f"{name}: a different article with this name exists; added as {', '.join(ids)}")
        elif ids and outcome == "same" and not set(ids) & set(added):
            notes.append(f"{name}: already indexed (the same file was uploaded before); not added again")
    notes.extend(build_notes)  # e.g. the default index's sample articles made way for these
    return UploadReport(tuple(added), tuple(notes), tuple(rejected), tuple(warnings))


def _as_uploaded(line: str, stored: list[tuple[str, Path, StoreOutcome]]) -> str:
    """A build's line about a kept upload, naming the file as it was uploaded rather than where it is kept."""
    for name, target, _ in stored:
        for form in (str(target.resolve()), str(target)):
            if line.startswith(form + ":"):
                return name + line[len(form):]
    return line


def store_upload(src: Path, uploads: Path) -> tuple[Path, StoreOutcome]:
    """Copy an uploaded file into ``uploads`` without ever replacing a file there.

    Document ids come from file names, so replacing ``report.txt`` would
    silently replace the article indexed from it. A different file with a
    taken name is stored as ``report-2.txt`` (then ``-3``, ...); an identical
    one is not stored again. The copy is written to an exclusively created
    hidden temp file and then hard-linked into place, which fails rather
    than overwrite a name taken meanwhile; a symlink at a name is never
    read, followed or replaced.

    Args:
        src: The uploaded file (a temp copy, named as the person's file).
        uploads: The folder uploads are kept in (created if needed).

    Returns:
        The stored file and the outcome: ``"new"`` (under its own name),
        ``"renamed"`` (a different file had the name) or ``"same"`` (a file
        with the same bytes already has the name or one of its ``-n`` names;
        that file is returned and nothing is written).
    """
    uploads.mkdir(parents=True, exist_ok=True)
    stem, suffix = os.path.splitext(src.name)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{src.name}.", suffix=".tmp", dir=uploads)  # hidden: never indexed
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, open(src, "rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        for n in itertools.count(1):
            target = uploads / (src.name if n == 1 else f"{stem}-{n}{suffix}")
            if target.is_symlink():
                continue  # never follow or replace a link planted in the folder
            if target.exists():
                if target.is_file() and _sha256(target) == digest.hexdigest():
                    return target, "same"
                continue
            try:
                os.link(tmp, target)  # atomic and exclusive: fails if the name was taken since the check
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: rename, just checked to be free
                os.replace(tmp, target)
            return target, "new" if n == 1 else "renamed"
        raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
