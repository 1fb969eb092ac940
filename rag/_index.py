"""The on-disk index: FAISS vectors, BM25, documents, chunks and sentences.

Layout of ``index/<name>/``::

    manifest.json        format version, embedding model, dimension, chunker
                         settings, counts, and the live generation's folder
    gen-<stamp>/         one complete, immutable build:
        documents.jsonl  one document per line, with its stored text
        chunks.npy       int32 rows: doc, start, end, first sentence, end sentence, tokens
        sentences.npy    int32 rows: doc, start, end
        chunk_vectors.npy                         float32 unit vectors
        sentence_vectors.npy                      float16 unit vectors (half the disk; a
                                                  cosine moves by < 1e-3, scored in float32)
        dense.faiss      FAISS inner-product index over the chunk vectors (exact
                         while small, IVF-SQ8 when large: see rag/_ann.py)
        bm25/            bm25s index over the chunk texts
        terms.json       chunk document frequency of each stemmed term
        signatures.npy   uint64 MinHash signature per document (rag/_syndication.py)
        copies.npy       int32 per document: the position of its copy group's
                         canonical member (itself when it has no copies)

Trade-offs: a build writes a whole new generation folder and then swaps
``manifest.json`` with an atomic rename, so a reader or an interrupted build
always sees one complete index; the cost is writing every file per build
(none when nothing changed) and keeping the replaced generation until the
next build, for readers still on it.
The vectors are kept beside the FAISS index because re-indexing reuses the
vectors of unchanged documents (matched by content hash), so unchanged
content is never embedded twice. Sentence vectors are stored so answering
needs no embedding beyond the question.

Example:
    >>> report = build_index("index/demo", load_paths(["rag/data/articles"]),  # doctest: +SKIP
    ...                      embeddings=MiniLMEmbeddings(), chunker=TokenChunker())
    >>> data = load_index("index/demo")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._ann import build_dense_index, configure_loaded
from ._chunking import TokenChunker
from ._embedding import MiniLMEmbeddings, embed_array, model_name_of
from ._exceptions import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IndexWriteError
from ._loading import LoadResult, Skipped
from ._syndication import copy_groups, signatures
from ._text import bm25_terms, content_terms
from ._types import Chunk, Sentence, SourceDocument

__all__ = ["FORMAT_VERSION", "BuildReport", "IndexData", "build_index", "load_index", "write_atomic", "write_copy"]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_FILES = (
    "documents.jsonl",
    "chunks.npy",
    "sentences.npy",
    "chunk_vectors.npy",
    "sentence_vectors.npy",
    "dense.faiss",
    "terms.json",
)
_OPTIONAL_FILES = ("signatures.npy", "copies.npy")  # absent in indexes built before copies were grouped
_GENERATION = re.compile(r"gen-[0-9A-Za-z]+-[0-9a-f]{6}")  # never a path: a manifest must not lead outside the index


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so readers see the old or the new content, never a mix.

    The file gets the mode a plain ``open()`` would give it (0666 less the
    umask): ``mkstemp``'s private 0600 would make an index written by one
    user unreadable to the others, who would be told it is corrupt.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass
class IndexData:
    """A loaded index, read-only in use.

    Attributes:
        manifest: The parsed ``manifest.json``.
        documents: Documents in index order.
        chunk_rows: ``(n, 6)`` int32: doc, start, end, sentence range, tokens.
        sentence_rows: ``(m, 3)`` int32: doc, start, end.
        chunk_vectors / sentence_vectors: Unit vectors, row-aligned (a
            :class:`rag.stores._protocol.VectorTable`: numpy arrays here,
            database tables in the PostgreSQL store).
        dense: The FAISS index over ``chunk_vectors`` (a ``DenseIndex``).
        bm25: The bm25s index over the chunk texts (a ``LexicalIndex``).
        term_df: Chunk document frequency per stemmed term.
        signatures: MinHash signature per document (``None`` in old indexes).
        copy_of: Per document, its copy group's canonical position.
    """

    path: Path
    manifest: dict[str, Any]
    documents: list[SourceDocument]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    dense: Any
    bm25: Any
    term_df: dict[str, int]
    signatures: np.ndarray | None = None
    copy_of: np.ndarray | None = None
    doc_index: dict[str, int] = field(init=False)

    _doc_sentences: np.ndarray = field(init=False, repr=False)
    _sentence_terms: dict[int, frozenset[str]] = field(init=False, repr=False, default_factory=dict)

    def sentence_vectors_of(self, rows: list[int]) -> np.ndarray:
        """Float32 vectors of the given sentence rows (stored as float16)."""
        return np.asarray(self.sentence_vectors[rows], dtype=np.float32)

    def sentence_text(self, row: int) -> str:
        """The text of a sentence row."""
        doc_i, start, end = (int(v) for v in self.sentence_rows[row])
        return self.documents[doc_i].text[start:end]

    def sentence_terms(self, row: int) -> frozenset[str]:
        """Content terms of a sentence, cached: retrieval and answering score the same sentences."""
        terms = self._sentence_terms.get(row)
        if terms is None:
            if len(self._sentence_terms) > 200_000:  # bound the memory on huge indexes
                self._sentence_terms.clear()
            terms = self._sentence_terms[row] = frozenset(content_terms(self.sentence_text(row)))
        return terms

    def __post_init__(self) -> None:
        self.doc_index = {doc.id: i for i, doc in enumerate(self.documents)}
        if self.copy_of is None or len(self.copy_of) != len(self.documents):
            self.copy_of = np.arange(len(self.documents), dtype=np.int32)
        bounds = np.arange(len(self.documents) + 1)
        self._doc_sentences = np.searchsorted(self.sentence_rows[:, 0], bounds, side="left")

    def copies(self, doc_i: int) -> list[int]:
        """The other members of document ``doc_i``'s copy group (syndicated copies), canonical first."""
        copy_of = self.copy_of if self.copy_of is not None else np.arange(len(self.documents))
        group = int(copy_of[doc_i])
        members = [int(i) for i in np.flatnonzero(copy_of == group) if i != doc_i]
        return sorted(members, key=lambda i: (i != group, self.documents[i].published or "9999", i))

    def neighbour(self, row: int, step: int) -> int | None:
        """The sentence row ``step`` rows from ``row`` (-1: the one before), if it is in the same document."""
        other = row + step
        if 0 <= other < len(self.sentence_rows) and self.sentence_rows[other, 0] == self.sentence_rows[row, 0]:
            return other
        return None

    def sentences_in(self, doc_i: int, start: int, end: int) -> range:
        """Rows of the sentences of document ``doc_i`` lying inside ``[start, end)``."""
        lo, hi = int(self._doc_sentences[doc_i]), int(self._doc_sentences[doc_i + 1])
        starts = self.sentence_rows[lo:hi, 1]
        ends = self.sentence_rows[lo:hi, 2]
        first = lo + int(np.searchsorted(starts, start, side="left"))
        last = lo + int(np.searchsorted(ends, end, side="right"))
        return range(first, max(first, last))

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_rows.shape[0])

    def chunk_id(self, row: int) -> str:
        """``"<doc_id>#<ordinal>"`` of a chunk row (its ordinal within its document)."""
        doc_i = int(self.chunk_rows[row, 0])
        ordinal = row - int(np.searchsorted(self.chunk_rows[:, 0], doc_i, side="left"))
        return f"{self.documents[doc_i].id}#{ordinal}"

    def chunk(self, row: int) -> Chunk:
        """Rebuild the :class:`Chunk` of a row."""
        doc_i, start, end, s0, s1, n_tokens = (int(v) for v in self.chunk_rows[row])
        doc = self.documents[doc_i]
        sentences = tuple(self.sentence(i) for i in range(s0, s1))
        return Chunk(self.chunk_id(row), doc.id, start, end, doc.text[start:end], n_tokens, sentences)

    def sentence(self, row: int) -> Sentence:
        doc_i, start, end = (int(v) for v in self.sentence_rows[row])
        return Sentence(self.documents[doc_i].id, start, end)

    def chunk_text(self, row: int) -> str:
        doc_i, start, end = (int(v) for v in self.chunk_rows[row, :3])
        return self.documents[doc_i].text[start:end]


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        added / updated / removed / unchanged: Document ids per outcome.
        kept: Ids of documents kept as they were because their file still
            exists but could not be loaded this time (its skip says so).
        skipped: Files or records that could not be loaded.
        n_undated: Documents with no publication date ("date unknown").
        n_copies: Documents grouped as syndicated copies of another.
        embedded_chunks / embedded_sentences: Texts embedded by this build.
    """

    index_dir: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    n_documents: int = 0
    n_chunks: int = 0
    n_undated: int = 0
    n_copies: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        kept = f"{len(self.kept)} kept, " if self.kept else ""
        copies = f", {self.n_copies} syndicated copies grouped" if self.n_copies else ""
        return (
            f"{self.index_dir}: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged, {kept}{len(self.skipped)} skipped; "
            f"{self.n_documents} documents, {self.n_chunks} chunks{copies} ({self.seconds:.1f}s)"
        )

    def date_warning(self) -> str | None:
        """The warning line for documents with no publication date, or ``None`` when all are dated."""
        if not self.n_undated:
            return None
        return (
            f"{self.n_undated} of {self.n_documents} documents have no publication date (date unknown): "
            "date filters skip them unless --include-undated; add `published:` front matter or a 'published' field"
        )


# ---------------------------------------------------------------- loading


def read_manifest(index_dir: str | Path) -> dict[str, Any]:
    """Parse ``manifest.json``, with clear errors for a missing or corrupt index."""
    path = Path(index_dir) / MANIFEST
    if Path(index_dir).is_file():
        raise IndexNotFoundError(f"the index path {index_dir} is a file, not an index folder: pass the folder with --index")
    if not path.exists():
        raise IndexNotFoundError(f"no index at {index_dir}: build one with `rag index PATH --index {index_dir}`")
    try:
        manifest = json.loads(path.read_text("utf-8"))
        if not isinstance(manifest, dict) or "generation" not in manifest:
            raise ValueError("missing 'generation'")
        if not isinstance(manifest["generation"], str) or not _GENERATION.fullmatch(manifest["generation"]):
            raise ValueError(f"'generation' {str(manifest['generation'])[:60]!r} is not a generation folder name")
    except (ValueError, OSError) as error:
        raise IndexCorruptError(
            f"index at {index_dir} is corrupt ({MANIFEST}: {error}): rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        ) from error
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}: "
            f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        )
    return manifest


def check_compatible(
    manifest: dict[str, Any],
    index_dir: str | Path,
    model_name: str,
    chunker: TokenChunker | None,
    sentence_vectors: str | None = None,
    chunk_vectors: str | None = None,
) -> None:
    """Raise :class:`IndexMismatchError` if the index was built differently."""
    built = manifest.get("embedding_model")
    if built != model_name:
        raise IndexMismatchError(
            f"index at {index_dir} was built with embedding model {built!r}, not {model_name!r}: "
            f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        )
    if chunker is not None and manifest.get("chunker") != chunker.settings():
        raise IndexMismatchError(
            f"index at {index_dir} was built with chunker {manifest.get('chunker')}, not {chunker.settings()}: "
            f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        )
    # Indexes from before chunk_vectors existed embedded their chunks.
    for kind, wanted, missing in (("sentence", sentence_vectors, None), ("chunk", chunk_vectors, "embedded")):
        built_as = manifest.get(f"{kind}_vectors", missing)
        if wanted is not None and built_as != wanted:
            raise IndexMismatchError(
                f"index at {index_dir} has {built_as} {kind} vectors, not {wanted}: "
                f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
            )


def load_index(index_dir: str | Path, *, model_name: str | None = None) -> IndexData:
    """Load a built index.

    A build that swaps in a new generation while this reads can remove the
    generation being read; the load is then retried on the new one, so a
    reader never reports a healthy index as corrupt.

    Args:
        index_dir: The index folder (holds ``manifest.json``).
        model_name: If given, the embedding model the caller will query with;
            a different one raises :class:`IndexMismatchError`.

    Raises:
        IndexNotFoundError, IndexCorruptError, IndexMismatchError.
    """
    index_dir = Path(index_dir)
    for attempt in range(3):
        manifest = read_manifest(index_dir)
        try:
            return _load_generation(index_dir, manifest, model_name)
        except IndexCorruptError:
            try:
                swapped = read_manifest(index_dir).get("generation") != manifest.get("generation")
            except (IndexCorruptError, IndexNotFoundError):
                swapped = False
            if not swapped or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _load_generation(index_dir: Path, manifest: dict[str, Any], model_name: str | None) -> IndexData:
    import bm25s
    import faiss

    if model_name is not None:
        check_compatible(manifest, index_dir, model_name, None)
    gen = index_dir / str(manifest["generation"])
    fix = f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
    try:
        for name in _FILES + tuple(n for n in _OPTIONAL_FILES if n in manifest.get("files", {})):
            expected = manifest.get("files", {}).get(name)
            actual = (gen / name).stat().st_size
            if expected is not None and expected != actual:
                raise ValueError(f"{name} is {actual} bytes, manifest says {expected}")
        documents = [_doc_from_json(line) for line in (gen / "documents.jsonl").read_text("utf-8").splitlines()]
        for doc in documents:  # the stored text is what every citation's offsets point into
            if hashlib.sha256(doc.text.encode("utf-8")).hexdigest() != doc.sha256:
                raise ValueError(f"document {doc.id!r} does not match its stored sha256")
        chunk_rows = np.load(gen / "chunks.npy")
        sentence_rows = np.load(gen / "sentences.npy")
        chunk_vectors = np.load(gen / "chunk_vectors.npy", mmap_mode="r")
        sentence_vectors = np.load(gen / "sentence_vectors.npy", mmap_mode="r")
        dense = configure_loaded(
            faiss.read_index(str(gen / "dense.faiss"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY),
            manifest.get("dense_index", {"type": "flat"}),
        )
        bm25 = bm25s.BM25.load(str(gen / "bm25"), mmap=False, show_progress=False, verbosity=0) if chunk_rows.size else None
        term_df = json.loads((gen / "terms.json").read_text("utf-8"))
        optional = {name: np.load(gen / name) for name in _OPTIONAL_FILES if (gen / name).exists()}
        if any(len(v) != len(documents) for v in optional.values()):
            raise ValueError("per-document tables and documents.jsonl disagree")
        if not (len(chunk_rows) == len(chunk_vectors) == dense.ntotal and len(sentence_rows) == len(sentence_vectors)):
            raise ValueError("row counts of chunks, vectors and FAISS disagree")
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as error:
        raise IndexCorruptError(f"index at {index_dir} is corrupt ({error}): {fix}") from error
    return IndexData(
        index_dir, manifest, documents, chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, dense, bm25, term_df,
        signatures=optional.get("signatures.npy"), copy_of=optional.get("copies.npy"),
    )


def _doc_from_json(line: str) -> SourceDocument:
    data = json.loads(line)
    return SourceDocument(**data)


# ---------------------------------------------------------------- building


def _write_error(error: OSError, index_dir: Path) -> IndexWriteError:
    """The one-line :class:`IndexWriteError` for an OS error met while writing ``index_dir``.

    Every write of a build goes to a new generation folder and is published
    by one rename at the end, so whatever failed, the previous index is intact.
    """
    unchanged = "the previous index is unchanged"
    lock = index_dir / ".lock"
    if index_dir.exists() and not index_dir.is_dir():
        return IndexWriteError(f"the index path {index_dir} is a file, not a folder: pass a folder with --index")
    if lock.is_dir():
        return IndexWriteError(f"{lock} is a folder, but it must be the index's lock file: remove that folder and retry")
    code = error.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return IndexWriteError(f"the disk is full while writing the index at {index_dir}: free some space and retry ({unchanged})")
    if code == errno.EROFS:
        return IndexWriteError(f"the index folder {index_dir} is on a read-only file system: pass a writable folder with --index ({unchanged})")
    if code in (errno.EACCES, errno.EPERM):
        return IndexWriteError(f"no permission to write the index folder {index_dir}: fix its permissions or pass another --index ({unchanged})")
    if code in (errno.ENOTDIR, errno.EEXIST):
        return IndexWriteError(f"a part of the index path {index_dir} is a file, not a folder: pass a folder with --index")
    return IndexWriteError(f"cannot write the index at {index_dir} ({error.strerror or error}): check the folder and retry ({unchanged})")


@contextlib.contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _within(source: str, roots: list[str]) -> bool:
    return any(source == root or source.startswith(root.rstrip("/") + "/") for root in roots)


def build_index(
    index_dir: str | Path,
    loaded: LoadResult,
    *,
    embeddings: Embeddings,
    chunker: TokenChunker,
    rebuild: bool = False,
    prune: bool = True,
    progress: bool = False,
    sentence_vectors: str = "separate",
    chunk_vectors: str = "pooled",
) -> BuildReport:
    """Create or incrementally update the index at ``index_dir``.

    Documents whose content hash is unchanged keep their stored vectors;
    new and changed ones are chunked and embedded. With ``prune``, indexed
    documents whose source lies under one of ``loaded.roots`` but was not
    loaded this time, or whose source file is gone, are removed; but a file
    that still exists and failed to load (unreadable, unparsable, oversized,
    or some of its records unusable) keeps its earlier documents, listed in
    ``report.kept`` and noted on that file's skip line, so a damaged file
    never loses what was indexed from it.

    Args:
        index_dir: Target folder.
        loaded: The documents to index (from :func:`load_paths`).
        embeddings: The embedding model.
        chunker: The chunker.
        rebuild: Ignore the existing index (required after a model change).
        prune: Remove documents that disappeared under the given roots
            (never those of a file that exists but failed to load).
        progress: Show progress bars.
        sentence_vectors: ``"contextual"`` (pooled from the chunk's forward
            pass; MiniLM only) or ``"separate"`` (each sentence embedded alone).
        chunk_vectors: ``"pooled"`` (the default, as in ``Settings``: the
            normalized mean of its separate sentence vectors, one embedding
            pass instead of two) or ``"embedded"`` (each chunk embedded whole).

    Returns:
        A :class:`BuildReport`.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    model_name = model_name_of(embeddings)
    report = BuildReport(str(index_dir), skipped=list(loaded.skipped))
    try:
        with _locked(index_dir):
            old: IndexData | None = None
            if not rebuild and (index_dir / MANIFEST).exists():
                old = load_index(index_dir)
                check_compatible(old.manifest, index_dir, model_name, chunker, sentence_vectors, chunk_vectors)
            plan = _plan(old, loaded, report, prune)
            layout = _Layout(sentence_vectors, chunk_vectors)
            if old is not None and _unchanged(old, plan):  # nothing to write: no second copy of the index on disk
                report.n_documents, report.n_chunks = len(old.documents), old.n_chunks
                report.n_undated = sum(1 for d in old.documents if not d.published)
                report.n_copies = int((old.copy_of != np.arange(len(old.documents))).sum()) if old.copy_of is not None else 0
                report.seconds = time.perf_counter() - started
                return report
            parts = _assemble(old, plan, embeddings, chunker, report, progress, layout)
            _write_generation(index_dir, parts, model_name, chunker, layout, str(old.manifest["generation"]) if old else None)
    except OSError as error:  # backend errors become one line here, for every caller
        raise _write_error(error, index_dir) from error
    report.n_documents = len(parts.documents)
    report.n_chunks = len(parts.chunk_rows)
    report.n_undated = sum(1 for d in parts.documents if not d.published)
    report.n_copies = int((parts.copy_of != np.arange(len(parts.copy_of))).sum())
    report.seconds = time.perf_counter() - started
    return report


def _unchanged(old: IndexData, plan: _Plan) -> bool:
    """Whether the plan keeps the old index exactly (and it already has every per-document table)."""
    return (not plan.embed and not plan.refresh and plan.keep == list(range(len(old.documents)))
            and old.signatures is not None)


@dataclass
class _Plan:
    keep: list[int]  # old document positions to keep (their vectors are reused)
    embed: list[SourceDocument]  # new or changed documents
    refresh: dict[int, SourceDocument] = field(default_factory=dict)  # kept positions whose metadata changed


def _plan(old: IndexData | None, loaded: LoadResult, report: BuildReport, prune: bool) -> _Plan:
    new_by_id = {doc.id: doc for doc in _distinct_ids(old, loaded.documents)}
    # Files that exist but (partly) failed to load: "not loaded" must not read as "deleted".
    failed = {s.file for s in loaded.skipped if s.file is not None}
    kept_of: dict[str, int] = {}
    keep: list[int] = []
    refresh: dict[int, SourceDocument] = {}
    if old is not None:
        for position, doc in enumerate(old.documents):
            incoming = new_by_id.get(doc.id)
            if incoming is not None:
                if incoming.sha256 == doc.sha256:
                    keep.append(position)
                    report.unchanged.append(doc.id)
                    new_by_id.pop(doc.id)
                    if incoming != doc:  # same text, new title, date or outlet: no re-embedding
                        refresh[position] = incoming
                else:
                    report.updated.append(doc.id)
            elif prune and doc.source in failed and _source_exists(doc.source):
                keep.append(position)
                report.kept.append(doc.id)
                kept_of[doc.source] = kept_of.get(doc.source, 0) + 1
            elif prune and (_within(doc.source, loaded.roots) or not _source_exists(doc.source)):
                report.removed.append(doc.id)
            else:
                keep.append(position)
    updated = set(report.updated)
    report.added.extend(doc_id for doc_id in new_by_id if doc_id not in updated)
    report.skipped = _note_kept(report.skipped, kept_of)
    return _Plan(keep, list(new_by_id.values()), refresh)


def _note_kept(skipped: list[Skipped], kept_of: dict[str, int]) -> list[Skipped]:
    """Say on the first skip of each such file how many earlier documents were kept, so its one warning line tells all."""
    out = []
    for skip in skipped:
        count = kept_of.pop(skip.file, 0) if skip.file is not None else 0
        if count:
            name = Path(skip.file or skip.source).name
            skip = replace(
                skip,
                reason=f"{skip.reason}; kept the {count} document(s) indexed from {name} before "
                "(fix the file to update them, or delete it to remove them)",
            )
        out.append(skip)
    return out


def _distinct_ids(old: IndexData | None, documents: list[SourceDocument]) -> list[SourceDocument]:
    """Rename incoming documents whose id is taken by another source, so nothing is overwritten."""
    if old is None:
        return documents
    source_of = {doc.id: doc.source for doc in old.documents}
    out = []
    for doc in documents:
        taken_by = source_of.get(doc.id)
        if taken_by is not None and taken_by != doc.source:
            doc = replace(doc, id=f"{doc.id}-{hashlib.sha1(doc.source.encode()).hexdigest()[:6]}")
        out.append(doc)
    return out


def _source_exists(source: str) -> bool:
    return not source.startswith("/") or Path(source).exists()


@dataclass(frozen=True)
class _Layout:
    """How the vectors were made; recorded in the manifest and checked on update."""

    sentence_vectors: str
    chunk_vectors: str


@dataclass
class _Parts:
    documents: list[SourceDocument]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    chunk_texts: list[str]
    signatures: np.ndarray
    copy_of: np.ndarray


def _assemble(
    old: IndexData | None,
    plan: _Plan,
    embeddings: Embeddings,
    chunker: TokenChunker,
    report: BuildReport,
    progress: bool,
    layout: _Layout,
) -> _Parts:
    documents: list[SourceDocument] = []
    chunk_rows: list[np.ndarray] = []
    sentence_rows: list[np.ndarray] = []
    chunk_vec_parts: list[np.ndarray] = []
    sent_vec_parts: list[np.ndarray] = []
    n_sentences = 0
    if old is not None and plan.keep:
        doc_of_chunk = old.chunk_rows[:, 0]
        doc_of_sentence = old.sentence_rows[:, 0]
        for new_i, old_i in enumerate(plan.keep):
            documents.append(plan.refresh.get(old_i, old.documents[old_i]))
            c_mask = doc_of_chunk == old_i
            s_mask = doc_of_sentence == old_i
            rows = old.chunk_rows[c_mask].copy()
            s_rows = old.sentence_rows[s_mask].copy()
            first_sentence = int(np.argmax(s_mask)) if s_mask.any() else 0
            rows[:, 0] = new_i
            rows[:, 3:5] += n_sentences - first_sentence
            s_rows[:, 0] = new_i
            chunk_rows.append(rows)
            sentence_rows.append(s_rows)
            chunk_vec_parts.append(np.asarray(old.chunk_vectors[c_mask]))
            sent_vec_parts.append(np.asarray(old.sentence_vectors[s_mask], dtype=np.float32))
            n_sentences += len(s_rows)
    new_chunk_texts: list[str] = []
    new_chunk_spans: list[list[tuple[int, int]]] = []  # sentence spans relative to each chunk
    new_chunk_sentences: list[list[int]] = []  # their positions among the new sentences
    new_sentence_texts: list[str] = []
    docs_iter: Any = plan.embed
    if progress and plan.embed:
        from tqdm.auto import tqdm

        docs_iter = tqdm(plan.embed, desc="chunking", unit="doc", leave=False, disable=None)
    for doc in docs_iter:
        doc_i = len(documents)
        documents.append(doc)
        chunks = chunker.split(doc)
        sentences = list(dict.fromkeys(s for chunk in chunks for s in chunk.sentences))  # in order, once each
        first_new = len(new_sentence_texts)
        position = {(s.start, s.end): i for i, s in enumerate(sentences)}
        sentence_rows.append(np.array([[doc_i, s.start, s.end] for s in sentences], dtype=np.int32).reshape(-1, 3))
        new_sentence_texts.extend(doc.text[s.start : s.end] for s in sentences)
        rows = []
        for chunk in chunks:
            s0 = position[(chunk.sentences[0].start, chunk.sentences[0].end)]
            rows.append([doc_i, chunk.start, chunk.end, n_sentences + s0, n_sentences + s0 + len(chunk.sentences), chunk.n_tokens])
            new_chunk_texts.append(chunk.text)
            new_chunk_spans.append([(s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences])
            new_chunk_sentences.append([first_new + s0 + k for k in range(len(chunk.sentences))])
        chunk_rows.append(np.array(rows, dtype=np.int32).reshape(-1, 6))
        n_sentences += len(sentences)
    if new_chunk_texts:
        chunk_vectors, sentence_vectors, separately = _embed_chunks_and_sentences(
            embeddings, new_chunk_texts, new_chunk_spans, new_chunk_sentences, new_sentence_texts, progress,
            contextual=layout.sentence_vectors == "contextual", pooled=layout.chunk_vectors == "pooled",
        )
        chunk_vec_parts.append(chunk_vectors)
        sent_vec_parts.append(sentence_vectors)
        report.embedded_sentences = separately
    report.embedded_chunks = len(new_chunk_texts)
    dim = _dimension(embeddings, chunk_vec_parts)
    sigs = _signatures(old, plan, documents)
    all_chunk_rows = np.concatenate(chunk_rows) if chunk_rows else np.zeros((0, 6), np.int32)
    parts = _Parts(
        documents=documents,
        chunk_rows=all_chunk_rows.astype(np.int32),
        sentence_rows=(np.concatenate(sentence_rows) if sentence_rows else np.zeros((0, 3), np.int32)).astype(np.int32),
        chunk_vectors=np.concatenate(chunk_vec_parts) if chunk_vec_parts else np.zeros((0, dim), np.float32),
        sentence_vectors=np.concatenate(sent_vec_parts) if sent_vec_parts else np.zeros((0, dim), np.float32),
        chunk_texts=[documents[d].text[s:e] for d, s, e in all_chunk_rows[:, :3].tolist()],
        signatures=sigs,
        copy_of=np.asarray(copy_groups(None, [d.published for d in documents], sigs), dtype=np.int32),
    )
    return parts


def _signatures(old: IndexData | None, plan: _Plan, documents: list[SourceDocument]) -> np.ndarray:
    """MinHash signatures of the documents: reused for kept ones, computed for the rest."""
    rows: list[np.ndarray | None] = [None] * len(documents)
    if old is not None and old.signatures is not None:
        for new_i, old_i in enumerate(plan.keep):
            rows[new_i] = old.signatures[old_i]
    missing = [i for i, row in enumerate(rows) if row is None]
    for i, row in zip(missing, signatures([documents[i].text for i in missing])):
        rows[i] = row
    return np.stack(rows) if rows else signatures([])  # type: ignore[arg-type]


def _embed_chunks_and_sentences(
    embeddings: Embeddings,
    chunk_texts: list[str],
    chunk_spans: list[list[tuple[int, int]]],
    chunk_sentences: list[list[int]],
    sentence_texts: list[str],
    progress: bool,
    *,
    contextual: bool,
    pooled: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Chunk vectors, sentence vectors, and how many sentences needed a pass of their own.

    ``pooled``: sentences are embedded alone and a chunk's vector is the
    normalized mean of its sentences' (one pass). ``contextual`` (MiniLM): a
    sentence's vector is pooled from the first chunk that holds it whole (one
    pass); other models, and sentences cut off by the model's length limit,
    are embedded sentence by sentence. Otherwise both are embedded.
    """
    if pooled:
        sentence_vectors = embed_array(embeddings, sentence_texts, progress=progress)
        chunk_vectors = np.stack([sentence_vectors[positions].mean(0) for positions in chunk_sentences])
        chunk_vectors /= np.maximum(np.linalg.norm(chunk_vectors, axis=1, keepdims=True), 1e-12)
        return chunk_vectors.astype(np.float32), sentence_vectors, len(sentence_texts)
    if contextual and isinstance(embeddings, MiniLMEmbeddings):
        chunk_vectors, span_vectors = embeddings.encode_with_spans(chunk_texts, chunk_spans, progress=progress)
        found: list[np.ndarray | None] = [None] * len(sentence_texts)
        for positions, vectors in zip(chunk_sentences, span_vectors):
            for position, vector in zip(positions, vectors):
                if found[position] is None and vector is not None:
                    found[position] = vector
        missing = [i for i, vector in enumerate(found) if vector is None]
    else:
        chunk_vectors = embed_array(embeddings, chunk_texts, progress=progress)
        found = [None] * len(sentence_texts)
        missing = list(range(len(sentence_texts)))
    if missing:
        extra = embed_array(embeddings, [sentence_texts[i] for i in missing], progress=progress)
        for i, vector in zip(missing, extra):
            found[i] = vector
    dim = chunk_vectors.shape[1]
    sentence_vectors = np.stack(found) if found else np.zeros((0, dim), np.float32)  # type: ignore[arg-type]
    return chunk_vectors, sentence_vectors.astype(np.float32), len(missing)


def _dimension(embeddings: Embeddings, parts: list[np.ndarray]) -> int:
    for part in parts:
        if part.ndim == 2 and part.shape[0]:
            return int(part.shape[1])
    dim = getattr(embeddings, "dimension", None)
    return int(dim) if dim else len(embeddings.embed_query("dimension probe"))


def _write_generation(
    index_dir: Path, parts: _Parts, model_name: str, chunker: TokenChunker, layout: _Layout, previous: str | None
) -> None:
    import logging

    import bm25s
    import faiss

    logging.getLogger("bm25s").setLevel(logging.ERROR)

    generation = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = index_dir / f".{generation}.tmp"
    tmp.mkdir(parents=True)
    try:
        with open(tmp / "documents.jsonl", "w", encoding="utf-8") as handle:
            for doc in parts.documents:
                handle.write(json.dumps(doc.__dict__, ensure_ascii=False) + "\n")
        np.save(tmp / "chunks.npy", parts.chunk_rows)
        np.save(tmp / "signatures.npy", parts.signatures)
        np.save(tmp / "copies.npy", parts.copy_of)
        np.save(tmp / "sentences.npy", parts.sentence_rows)
        np.save(tmp / "chunk_vectors.npy", np.ascontiguousarray(parts.chunk_vectors, dtype=np.float32))
        np.save(tmp / "sentence_vectors.npy", np.ascontiguousarray(parts.sentence_vectors, dtype=np.float16))
        dense, dense_info = build_dense_index(parts.chunk_vectors)
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        corpus_terms = [bm25_terms(text) for text in parts.chunk_texts]
        df: Counter[str] = Counter()
        for terms in corpus_terms:
            df.update(set(terms))
        (tmp / "terms.json").write_text(json.dumps(df, ensure_ascii=False), "utf-8")
        if corpus_terms:
            bm25 = bm25s.BM25()
            bm25.index(corpus_terms, show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        for path in tmp.rglob("*"):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        os.rename(tmp, index_dir / generation)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest = {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        "embedding_model": model_name,
        "dimension": int(parts.chunk_vectors.shape[1]),
        "chunker": chunker.settings(),
        "sentence_vectors": layout.sentence_vectors,
        "chunk_vectors": layout.chunk_vectors,
        "dense_index": dense_info,
        "n_documents": len(parts.documents),
        "n_chunks": int(len(parts.chunk_rows)),
        "n_sentences": int(len(parts.sentence_rows)),
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {name: (index_dir / generation / name).stat().st_size for name in _FILES + _OPTIONAL_FILES},
        "n_copies": int((parts.copy_of != np.arange(len(parts.copy_of))).sum()),
        "n_undated": sum(1 for d in parts.documents if not d.published),
    }
    write_atomic(index_dir / MANIFEST, json.dumps(manifest, indent=2))
    # Older generations and leftovers of interrupted builds go; the one just replaced stays until the
    # next build, so a reader that opened it a moment ago can finish reading it.
    for stale in index_dir.iterdir():
        if stale.is_dir() and stale.name not in (generation, previous) and stale.name.startswith(("gen-", ".gen-")):
            shutil.rmtree(stale, ignore_errors=True)


def index_size_bytes(index_dir: str | Path) -> int:
    """Bytes on disk of the live generation plus the manifest."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    gen = index_dir / str(manifest["generation"])
    return sum(p.stat().st_size for p in gen.rglob("*") if p.is_file()) + (index_dir / MANIFEST).stat().st_size


def write_copy(index_dir: str | Path, source: IndexData) -> None:
    """Write ``source`` (the read model of any store) as a local index folder, vectors included.

    How a database index gets its build workspace back on a machine that has
    none, so an update starts from what the database holds and loses nothing.
    """
    manifest = source.manifest
    rows = np.arange(source.n_chunks)
    documents = list(source.documents)
    chunk_rows = np.asarray(source.chunk_rows, dtype=np.int32)
    parts = _Parts(
        documents=documents,
        chunk_rows=chunk_rows,
        sentence_rows=np.asarray(source.sentence_rows, dtype=np.int32),
        chunk_vectors=np.asarray(source.chunk_vectors[rows], dtype=np.float32),
        sentence_vectors=np.asarray(source.sentence_vectors[np.arange(len(source.sentence_rows))], dtype=np.float32),
        chunk_texts=[documents[d].text[s:e] for d, s, e in chunk_rows[:, :3].tolist()],
        signatures=signatures([d.text for d in documents]),
        copy_of=np.asarray(source.copy_of if source.copy_of is not None else np.arange(len(documents)), dtype=np.int32),
    )
    chunker = TokenChunker(manifest["chunker"]["chunk_tokens"], manifest["chunker"]["overlap_tokens"],
                           encoding=manifest["chunker"].get("encoding", "cl100k_base"))
    layout = _Layout(manifest.get("sentence_vectors", "separate"), manifest.get("chunk_vectors", "embedded"))
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    _write_generation(index_dir, parts, str(manifest["embedding_model"]), chunker, layout, None)
