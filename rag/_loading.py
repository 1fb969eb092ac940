"""Loading articles from files and folders into :class:`SourceDocument` objects.

Supported: ``.txt``, ``.md``, ``.html``/``.htm`` (main text extracted by
trafilatura), ``.pdf`` (pypdf) and ``.json``/``.jsonl`` records with
``title``, ``text`` or ``body``, and optional ``id``, ``url``, ``published``.

Trade-offs: a file that can't be used (unsupported type, binary, empty,
oversized, unreadable, or one its parser fails on in any way, e.g. JSON
nested too deeply) is skipped with one reason line and never aborts the
run, because one bad file in a folder of thousands should not cost the rest.
Each skip names the file it concerns, so a re-index can keep that file's
earlier documents instead of treating it as deleted.
Document ids come from the path relative to the folder that was given (or
the file name), so the same folder gives the same ids on every machine; a
clash between two sources is broken by a short hash of the source path.

Example:
    >>> result = load_paths(["rag/data/articles"])  # doctest: +SKIP
    >>> [d.id for d in result.documents]  # doctest: +SKIP
    ['russia-china-drill-report', 'zapad-interaction-2021-begins']
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._text import clean_text
from ._types import SourceDocument

__all__ = ["DEFAULT_MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "LoadResult", "Skipped", "load_paths"]

log = logging.getLogger("rag")

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".jsonl")
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
_TITLE_CHARS = 120


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not loaded, and why.

    Attributes:
        source: The file, or ``"<file>:<record number>"`` for a record.
        reason: Why, in one line.
        file: The existing file this concerns (the ``source`` of its
            documents); ``None`` for a path that does not exist.
    """

    source: str
    reason: str
    file: str | None = None

    def __str__(self) -> str:
        return f"skipped {self.source}: {self.reason}"


@dataclass
class LoadResult:
    """What :func:`load_paths` found: documents and skipped sources.

    Attributes:
        documents: Loaded documents, in a stable (sorted path) order.
        skipped: One entry per file or record that could not be used.
        roots: The resolved paths that were given, for scoping removals.
    """

    documents: list[SourceDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)


class _Skip(Exception):
    """Internal: a file can't be used; the message is the reason."""


def load_paths(paths: Iterable[str | Path], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadResult:
    """Load every supported file under ``paths``.

    Args:
        paths: Files and folders; folders are walked recursively, hidden
            entries ignored.
        max_file_bytes: Files larger than this are skipped.

    Returns:
        The documents, the skipped files with reasons, and the roots.
    """
    result = LoadResult()
    seen_ids: set[str] = set()
    for root, path in _walk(paths, result):
        try:
            docs = list(_load_file(path, _base_id(root, path), max_file_bytes, result))
        except _Skip as skip:
            reason = str(skip)
        except Exception as error:  # noqa: BLE001 - see below
            # Parsers fail in their own ways (RecursionError on deep nesting,
            # a library's ValueError, MemoryError): that costs this file only.
            # KeyboardInterrupt and SystemExit are not Exceptions, so they still stop the run.
            reason = _parse_failure(error)
        else:
            reason = ""
        if reason:
            result.skipped.append(Skipped(str(path), reason, str(path)))
            log.warning("skipped %s: %s", path, reason)
            continue
        for doc in docs:
            doc_id = doc.id
            if doc_id in seen_ids:
                doc_id = f"{doc.id}-{hashlib.sha1(doc.source.encode()).hexdigest()[:6]}"
            suffix = 2
            while doc_id in seen_ids:
                doc_id, suffix = f"{doc.id}-{suffix}", suffix + 1
            seen_ids.add(doc_id)
            result.documents.append(doc if doc_id == doc.id else replace(doc, id=doc_id))
    return result


def _walk(paths: Iterable[str | Path], result: LoadResult) -> Iterator[tuple[Path, Path]]:
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            result.skipped.append(Skipped(str(path), "no such file or folder"))
            continue
        resolved = path.resolve()
        result.roots.append(str(resolved))
        if resolved.is_file():
            yield resolved.parent, resolved
            continue
        for child in sorted(resolved.rglob("*")):
            relative = child.relative_to(resolved)
            if any(part.startswith(".") for part in relative.parts) or not child.is_file():
                continue
            yield resolved, child


def _base_id(root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    slug = re.sub(r"[^a-z0-9]+", "-", relative.as_posix().lower()).strip("-")
    return slug or "document"


def _load_file(path: Path, base_id: str, max_bytes: int, result: LoadResult) -> Iterator[SourceDocument]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _Skip(f"unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _Skip(f"file is {_mb(size)} MB, over the {_mb(max_bytes)} MB limit (raise max_file_mb)")
        data = path.read_bytes()
    except OSError as error:
        raise _Skip(f"cannot read: {error.strerror or error}") from error
    source = str(path)
    if suffix == ".pdf":
        title, text = _pdf(data)
        yield _document(base_id, title, source, text)
    elif suffix in (".html", ".htm"):
        title, text = _html(_decode(data))
        yield _document(base_id, title, source, text)
    elif suffix in (".json", ".jsonl"):
        yield from _records(_decode(data), suffix, base_id, source, result)
    else:
        text = _decode(data)
        first_line = text.strip().split("\n", 1)[0].lstrip("#").strip() if text.strip() else ""
        yield _document(base_id, first_line, source, text)


def _mb(n_bytes: int) -> str:
    """Megabytes as ``max_file_mb`` counts them (2**20 bytes), with enough digits for a small limit."""
    return f"{round(n_bytes / 2**20, 3):g}"


def _parse_failure(error: Exception) -> str:
    """One line for an unexpected parser failure: what broke and what to do."""
    if isinstance(error, RecursionError):
        problem = "nested too deeply to parse"
    elif isinstance(error, MemoryError):
        problem = "too large to parse in memory"
    else:
        detail = " ".join(str(error).split())
        detail = detail if len(detail) <= 160 else detail[:160].rstrip() + "…"
        problem = f"could not be parsed ({type(error).__name__}{': ' + detail if detail else ''})"
    return f"{problem}; fix or remove the file"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise _Skip("binary file (contains NUL bytes), not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Skip("not valid UTF-8 or Windows-1252 text")


def _document(
    doc_id: str, title: str, source: str, raw: str, url: str | None = None, published: str | None = None
) -> SourceDocument:
    text = clean_text(raw)
    if not text:
        raise _Skip("no text after cleaning (empty file)")
    title = " ".join(title.split()) or text.split("\n", 1)[0]
    if len(title) > _TITLE_CHARS:
        title = title[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return SourceDocument(id=doc_id, title=title, source=source, text=text, sha256=sha, url=url, published=published)


def _pdf(data: bytes) -> tuple[str, str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "")
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise _Skip(f"unreadable PDF ({error})") from error
    return title, "\n\n".join(pages)


def _html(markup: str) -> tuple[str, str]:
    import trafilatura

    text = trafilatura.extract(markup, include_comments=False, include_tables=True, favor_precision=True)
    if not text:
        text = trafilatura.extract(markup, include_comments=False, favor_recall=True) or ""
    metadata = trafilatura.extract_metadata(markup)
    title = (metadata.title if metadata and metadata.title else "") or ""
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return title, text


def _records(
    raw: str, suffix: str, base_id: str, source: str, result: LoadResult
) -> Iterator[SourceDocument]:
    items: list[tuple[int, Any]] = []
    if suffix == ".jsonl":
        for line_no, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    items.append((line_no, json.loads(line)))
                except json.JSONDecodeError as error:
                    _skip_record(result, source, line_no, f"invalid JSON ({error.msg})")
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise _Skip(f"invalid JSON at line {error.lineno} ({error.msg})") from error
        records = data if isinstance(data, list) else [data]
        items = [(i, record) for i, record in enumerate(records, start=1)]
    for number, record in items:
        if not isinstance(record, dict):
            _skip_record(result, source, number, "record is not a JSON object")
            continue
        body = record.get("text", record.get("body"))
        if not isinstance(body, str) or not body.strip():
            _skip_record(result, source, number, "record has no 'text' or 'body' string")
            continue
        title = str(record.get("title") or "")
        text = body if not title or body.lstrip().startswith(title) else f"{title}\n\n{body}"
        doc_id = str(record["id"]) if record.get("id") not in (None, "") else (
            base_id if len(items) == 1 else f"{base_id}-{number}"
        )
        try:
            yield _document(doc_id, title, source, text, _opt(record, "url"), _opt(record, "published"))
        except _Skip as skip:
            _skip_record(result, source, number, str(skip))
    if not items:
        raise _Skip("no records found")


def _opt(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return None if value in (None, "") else str(value)


def _skip_record(result: LoadResult, source: str, number: int, reason: str) -> None:
    where = f"{source}:{number}"
    result.skipped.append(Skipped(where, reason, source))
    log.warning("skipped %s: %s", where, reason)
