"""The local store: an index in a folder of immutable segments (FAISS, raw term frequencies, documents, spans).

Layout of ``index/<name>/``::

    manifest.json        format version, embedding model, dimension, chunker
                         settings, live counts, copy groups, this build's
                         name (``generation``) and the live segments in
                         order, each with its file sizes, FAISS structure,
                         tombstones and refreshed metadata
    gen-<stamp>/         one segment: the documents one build added (or a
                         merge rewrote), immutable once written:
        documents.jsonl  one document per line, with its stored text
        chunks.npy       int32 rows: doc, start, end, first sentence, end sentence, tokens
                         (documents and sentences numbered within the segment)
        sentences.npy    int32 rows: doc, start, end
        chunk_vectors.npy                         float32 unit vectors
        sentence_vectors.npy                      float16 unit vectors (half the disk; a
                                                  cosine moves by < 1e-3, scored in float32)
        dense.faiss      FAISS inner-product index over the segment's chunk vectors
                         (exact while small, IVF-SQ8 when large: see rag/_ann.py)
        terms.json       the segment's vocabulary of stemmed terms (term id = position)
        term_offsets.npy int64: where each term's postings begin (one more than terms)
        postings.npy     int32 rows: chunk, tf; grouped by term, chunks ascending
        lengths.npy      int32 per chunk: its number of terms (BM25's document length)
        signatures.npy   uint64 MinHash signature per document (rag/_syndication.py)

A manifest entry's ``deleted`` lists the segment's documents that a later
build removed or replaced (tombstones), and ``refreshed`` the new title,
date or outlet of documents whose text did not change, by position in the
segment. The live index is the segments' live documents in manifest order;
:func:`load_index` stitches them into one :class:`rag._index.IndexData`
(rows renumbered), so nothing above the store sees segments.

Writing: a first build, ``--rebuild``, or an update of a damaged or
old-format index writes one segment (:func:`write_generation`). An update
(:func:`write_update`) writes one new segment with only the documents it
adds (its chunks tokenised, its vectors in a FAISS index of their own),
tombstones what it removes, and rewrites nothing else; when the newest
segments are no bigger together than the one before them, or there are more
than :data:`MAX_SEGMENTS`, or a segment is more than :data:`DELETED_SHARE`
tombstones, that run of segments is merged into one (Lucene's tiered merge,
simplified: a document is rewritten about log2(archive / batch) times in
all, from stored vectors and postings, never re-embedded or re-tokenised).
Either way the new ``manifest.json`` is swapped in with an atomic rename, so
a reader sees the old index or the new one; the segments of the manifest it
replaced stay until the next build, for readers still on them.

Searching: BM25 is scored when asked from the postings, with global ``N``,
``df`` and average length over live chunks and bm25s' exact arithmetic
(rag/_bm25.py), so an added chunk changes nothing stored for the others.
Each segment's FAISS index is searched (its tombstoned chunks excluded by an
ID selector) and the hits merged by score (ties by row); one segment with no
tombstones is searched exactly as a single index.
Indexes of format 1 (one generation folder with a bm25s index and
``terms.json`` of document frequencies) load and answer as before; the first
update rewrites them as one segment.

Example:
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
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .._ann import build_dense_index, configure_loaded, search_one_scored
from .._atomic import write_atomic
from .._bm25 import bm25_idf, length_norms, posting_scores
from .._exceptions import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IndexWriteError
from .._index import IndexData
from .._search import ChunkFilter, Hit, allowed_documents
from .._syndication import count_copies
from .._text import bm25_terms
from .._types import SourceDocument

__all__ = [
    "DELETED_SHARE", "FORMAT_VERSION", "MANIFEST", "MAX_SEGMENTS", "Layout", "Parts", "Postings", "check_compatible",
    "check_index_path", "count_terms", "index_size_bytes", "kept_rows", "load_index", "locked", "read_manifest",
    "segmented", "write_error", "write_generation", "write_update",
]


FORMAT_VERSION = 2  # 1: one generation folder with a bm25s index (still read; the first update rewrites it)


_READABLE = (1, FORMAT_VERSION)


MANIFEST = "manifest.json"


MAX_SEGMENTS = 8  # more than this and the newest ones are merged


DELETED_SHARE = 1 / 3  # a segment with more of its chunks tombstoned is rewritten (Lucene's deletesPctAllowed)


_FILES_V1 = (
    "documents.jsonl",
    "chunks.npy",
    "sentences.npy",
    "chunk_vectors.npy",
    "sentence_vectors.npy",
    "dense.faiss",
    "terms.json",
)


_OPTIONAL_FILES_V1 = ("signatures.npy", "copies.npy")  # absent in indexes built before copies were grouped


# A segment's files, in the order they are checked: documents first, so a folder replaced by a file is named by it.
_SEGMENT_FILES = (
    "documents.jsonl",
    "chunks.npy",
    "sentences.npy",
    "chunk_vectors.npy",
    "sentence_vectors.npy",
    "dense.faiss",
    "terms.json",
    "term_offsets.npy",
    "postings.npy",
    "lengths.npy",
    "signatures.npy",
)


_GENERATION = re.compile(r"gen-[0-9A-Za-z]+-[0-9a-f]{6}")  # never a path: a manifest must not lead outside the index


_NAME_MAX = 255  # bytes in one file name on Linux and macOS file systems


def _shown(path: Path) -> str:
    """A path as it can be printed on one line: undecodable bytes as escapes, a long one shortened."""
    text = ascii(str(path))[1:-1] if not _is_utf8(path) else str(path)
    return text if len(text) <= 120 else text[:60] + "…" + text[-40:]


def _is_utf8(path: Path) -> bool:
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_index_path(index_dir: str | Path) -> None:
    """Refuse an index path the stores can't use, before anything is read or created there.

    FAISS writes through a UTF-8 path only, and a name over the file
    system's limit fails deep inside a build; both are named here in one
    line instead, and no folder is left behind.

    Raises:
        IndexWriteError: A name in the path is too long, or the path is not valid UTF-8.
    """
    path = Path(index_dir)
    if not _is_utf8(path):
        raise IndexWriteError(f"the index path {_shown(path)} is not valid UTF-8 (the vector index can't be written "
                              "there): pass a folder name of plain text with --index")
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > _NAME_MAX:
            raise IndexWriteError(f"the index path {_shown(path)} has a name of {size} bytes, over the file system's "
                                  f"limit of {_NAME_MAX}: pass a shorter name with --index")


def read_manifest(index_dir: str | Path) -> dict[str, Any]:
    """Parse ``manifest.json``, with clear errors for a missing or corrupt index."""
    check_index_path(index_dir)
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
        segments = manifest.get("segments", [])
        if not isinstance(segments, list) or not all(
                isinstance(s, dict) and isinstance(s.get("name"), str) and _GENERATION.fullmatch(s["name"]) for s in segments):
            raise ValueError("'segments' is not a list of segment folder names")
    except (ValueError, OSError) as error:
        raise IndexCorruptError(
            f"index at {index_dir} is corrupt ({MANIFEST}: {error}): rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        ) from error
    if manifest.get("format_version") not in _READABLE:
        raise IndexMismatchError(
            f"index at {index_dir} has format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}: "
            f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        )
    return manifest


def check_compatible(
    manifest: dict[str, Any],
    index_dir: str | Path,
    model_name: str,
    chunker_settings: dict[str, Any] | None,
    sentence_vectors: str | None = None,
    chunk_vectors: str | None = None,
) -> None:
    """Raise :class:`IndexMismatchError` if the index was built differently.

    Args:
        manifest: The index's manifest.
        index_dir: Where it is, as error messages show it.
        model_name: The embedding model the caller uses.
        chunker_settings: The caller's ``TokenChunker.settings()`` (plain values, so the store needs no
            chunker), or ``None`` not to compare them.
        sentence_vectors / chunk_vectors: The caller's vector layout, or ``None`` not to compare it.
    """
    built = manifest.get("embedding_model")
    if built != model_name:
        raise IndexMismatchError(
            f"index at {index_dir} was built with embedding model {built!r}, not {model_name!r}: "
            f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
        )
    if chunker_settings is not None and manifest.get("chunker") != chunker_settings:
        raise IndexMismatchError(
            f"index at {index_dir} was built with chunker {manifest.get('chunker')}, not {chunker_settings}: "
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

    A build that swaps in a new manifest while this reads can remove a
    segment being read; the load is then retried on the new manifest, so a
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


# numpy and bm25s parse each file's header with ``ast.literal_eval``; CPython 3.11's AST
# constructor keeps its recursion depth per interpreter, not per thread, so two threads
# reading at once can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). Loads in one process take turns; they are rare and short.
_READING = threading.Lock()


_DAMAGE = (OSError, ValueError, KeyError, RuntimeError, TypeError, IndexError)


def _load_generation(index_dir: Path, manifest: dict[str, Any], model_name: str | None) -> IndexData:
    if model_name is not None:
        check_compatible(manifest, index_dir, model_name, None)
    fix = f"rebuild it with `rag index PATH --index {index_dir} --rebuild`"
    try:
        if manifest.get("format_version") == 1:
            return _load_v1(index_dir, manifest)
        segments = [_read_segment(index_dir / entry["name"], entry) for entry in manifest["segments"]]
        return _stitched(index_dir, manifest, segments)
    except _DAMAGE as error:
        raise IndexCorruptError(f"index at {index_dir} is corrupt ({error}): {fix}") from error


def _check_sizes(folder: Path, names: Sequence[str], sizes: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` (or ``OSError`` for a missing file) unless each file has the size the manifest recorded."""
    for name in names:
        expected = sizes.get(name)
        actual = (folder / name).stat().st_size
        if expected is not None and expected != actual:
            raise ValueError(f"{name} is {actual} bytes, manifest says {expected}")


def _read_documents(path: Path) -> list[SourceDocument]:
    documents = [_doc_from_json(line) for line in path.read_text("utf-8").splitlines()]
    for doc in documents:  # the stored text is what every citation's offsets point into
        if hashlib.sha256(doc.text.encode("utf-8")).hexdigest() != doc.sha256:
            raise ValueError(f"document {doc.id!r} does not match its stored sha256")
    return documents


def _rows_and_vectors(folder: Path, documents: list[SourceDocument], dense_info: dict[str, Any]) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """A folder's chunk and sentence rows (checked against ``documents``), its vectors (memory-mapped) and FAISS index.

    The caller holds ``_READING``.
    """
    import faiss

    chunk_rows = np.load(folder / "chunks.npy")
    sentence_rows = np.load(folder / "sentences.npy")
    _check_rows(chunk_rows, sentence_rows, [len(doc.text) for doc in documents])
    chunk_vectors = np.load(folder / "chunk_vectors.npy", mmap_mode="r")
    sentence_vectors = np.load(folder / "sentence_vectors.npy", mmap_mode="r")
    dense = configure_loaded(
        faiss.read_index(str(folder / "dense.faiss"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY), dense_info)
    return chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, dense


def _load_v1(index_dir: Path, manifest: dict[str, Any]) -> IndexData:
    """An index of format 1: one generation folder with a bm25s index, searched as it was built."""
    import bm25s

    gen = index_dir / str(manifest["generation"])
    files = manifest.get("files", {})
    _check_sizes(gen, _FILES_V1 + tuple(n for n in _OPTIONAL_FILES_V1 if n in files), files)
    documents = _read_documents(gen / "documents.jsonl")
    with _READING:
        chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, dense = _rows_and_vectors(
            gen, documents, manifest.get("dense_index", {"type": "flat"}))
        bm25 = bm25s.BM25.load(str(gen / "bm25"), mmap=False, show_progress=False, verbosity=0) if chunk_rows.size else None
        term_df = json.loads((gen / "terms.json").read_text("utf-8"))
        optional = {name: np.load(gen / name) for name in _OPTIONAL_FILES_V1 if (gen / name).exists()}
    if any(len(v) != len(documents) for v in optional.values()):
        raise ValueError("per-document tables and documents.jsonl disagree")
    if not (len(chunk_rows) == len(chunk_vectors) == dense.ntotal and len(sentence_rows) == len(sentence_vectors)):
        raise ValueError("row counts of chunks, vectors and FAISS disagree")
    data = IndexData(
        index_dir, manifest, documents, chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, dense, bm25, term_df,
        signatures=optional.get("signatures.npy"), copy_of=optional.get("copies.npy", np.zeros(0, dtype=np.int32)),
    )
    data.search = LocalSearch(data)
    return data


def _check_rows(chunk_rows: np.ndarray, sentence_rows: np.ndarray, text_lengths: list[int]) -> None:
    """Raise ``ValueError`` unless every chunk and sentence row points inside its document and the sentence table.

    A damaged table of the right size passes the size check, and an
    out-of-range row would otherwise surface later as an ``IndexError`` in
    the middle of answering.
    """
    lengths = np.asarray(text_lengths, dtype=np.int64)
    for name, rows, width in (("chunks.npy", chunk_rows, 6), ("sentences.npy", sentence_rows, 3)):
        if rows.ndim != 2 or rows.shape[1] != width or not np.issubdtype(rows.dtype, np.integer):
            raise ValueError(f"{name} holds a {rows.dtype} table of shape {rows.shape}, not {width} integer columns")
        if not len(rows):
            continue
        doc, start, end = (rows[:, i].astype(np.int64) for i in range(3))
        bad = (doc < 0) | (doc >= len(lengths))
        if not bad.any():
            bad = (start < 0) | (start > end) | (end > lengths[doc])
        if name == "chunks.npy" and not bad.any():
            first, last = rows[:, 3].astype(np.int64), rows[:, 4].astype(np.int64)
            bad = (first < 0) | (first > last) | (last > len(sentence_rows))
        if bad.any():
            raise ValueError(f"{name} row {int(np.argmax(bad))} points outside the documents or sentences")


@dataclass
class Postings:
    """Raw term frequencies of a segment's chunks, term-major (what BM25 is scored from when asked).

    Attributes:
        terms: The vocabulary; a term's id is its position.
        offsets: ``(len(terms) + 1,)`` int64: term ``t``'s postings are ``postings[offsets[t]:offsets[t + 1]]``.
        postings: ``(n, 2)`` int32 rows of chunk row, tf; grouped by term, chunk rows ascending within a term.
        lengths: Per chunk row, its number of terms.
    """

    terms: list[str]
    offsets: np.ndarray
    postings: np.ndarray
    lengths: np.ndarray


def _postings(terms: list[str], term_ids: np.ndarray, rows: np.ndarray, tfs: np.ndarray, lengths: np.ndarray) -> Postings:
    """Postings from parallel (term id, chunk row, tf) arrays in any order; terms without a posting are dropped."""
    term_ids = np.asarray(term_ids, dtype=np.int64)
    counts = np.bincount(term_ids, minlength=len(terms))
    present = counts > 0
    if not present.all():  # a merge keeps no term that only tombstoned chunks held
        term_ids = (np.cumsum(present) - 1)[term_ids]
        terms = [t for t, p in zip(terms, present.tolist()) if p]
        counts = counts[present]
    order = np.lexsort((rows, term_ids))
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    table = np.empty((len(order), 2), dtype=np.int32)
    table[:, 0] = np.asarray(rows)[order]
    table[:, 1] = np.asarray(tfs)[order]
    return Postings(terms, offsets, table, np.asarray(lengths, dtype=np.int32))


def count_terms(texts: Sequence[str]) -> Postings:
    """Tokenise chunk texts (:func:`rag._text.bm25_terms`, as bm25s was given them) and count each term per chunk."""
    vocab: dict[str, int] = {}
    term_ids: list[int] = []
    rows: list[int] = []
    tfs: list[int] = []
    lengths: list[int] = []
    for row, text in enumerate(texts):
        terms = bm25_terms(text)
        lengths.append(len(terms))
        for term, tf in Counter(terms).items():
            term_ids.append(vocab.setdefault(term, len(vocab)))
            rows.append(row)
            tfs.append(tf)
    return _postings(list(vocab), np.asarray(term_ids, dtype=np.int64), np.asarray(rows, dtype=np.int64),
                     np.asarray(tfs, dtype=np.int64), np.asarray(lengths, dtype=np.int64))


def _merge_postings(sources: list[tuple[Postings, np.ndarray]], n_rows: int) -> Postings:
    """One segment's postings from several, each with its map of chunk rows to new rows (``-1``: dropped)."""
    vocab: dict[str, int] = {}
    term_ids: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    lengths = np.zeros(n_rows, dtype=np.int32)
    for postings, row_map in sources:
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in postings.terms), dtype=np.int64, count=len(postings.terms))
        term_of = np.repeat(ids, np.diff(postings.offsets))
        table = np.asarray(postings.postings)
        new_rows = row_map[table[:, 0]] if len(table) else np.zeros(0, dtype=np.int64)
        alive = new_rows >= 0
        term_ids.append(term_of[alive])
        rows.append(new_rows[alive])
        tfs.append(table[alive, 1])
        kept = np.flatnonzero(row_map >= 0)
        lengths[row_map[kept]] = np.asarray(postings.lengths)[kept]
    return _postings(list(vocab), np.concatenate(term_ids) if term_ids else np.zeros(0, np.int64),
                     np.concatenate(rows) if rows else np.zeros(0, np.int64),
                     np.concatenate(tfs) if tfs else np.zeros(0, np.int64), lengths)


@dataclass
class _Segment:
    """A segment's tables as stored (rows numbered within it), which of its documents are live, and its entry.

    Attributes:
        documents: Its documents, refreshed metadata applied.
        live: Per document, whether it is live (not tombstoned).
        dense: Its FAISS index (``None`` for one not written yet).
        entry: Its manifest entry (empty for one not written yet).
    """

    documents: list[SourceDocument]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    signatures: np.ndarray
    postings: Postings
    live: np.ndarray
    dense: Any = None
    entry: dict[str, Any] = field(default_factory=dict)

    def live_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The live documents, then the live chunk rows and each live document's chunk count, the same for
        sentences, and each live document's first sentence row (see :func:`kept_rows`)."""
        keep = np.flatnonzero(self.live)
        chunks, chunk_counts, _ = kept_rows(self.chunk_rows[:, 0], len(self.documents), keep)
        sentences, sentence_counts, first_sentence = kept_rows(self.sentence_rows[:, 0], len(self.documents), keep)
        return keep, chunks, chunk_counts, sentences, sentence_counts, first_sentence

    def n_live_chunks(self) -> int:
        return int(self.live[self.chunk_rows[:, 0]].sum()) if len(self.chunk_rows) else 0


def kept_rows(doc_of: np.ndarray, n_documents: int, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the kept documents' rows are in a row table, found in one pass over its document column.

    Args:
        doc_of: The table's document column (each row's document position).
        n_documents: How many documents the table's index has.
        keep: Old positions of the kept documents, in their new order.

    Returns:
        The old positions of the kept documents' rows (each document's rows
        in table order, the documents in ``keep`` order: what masking
        ``doc_of == position`` for each kept document in turn gives), each
        kept document's row count, and the old position of its first row
        (0 when it has none).
    """
    doc_of = np.asarray(doc_of, dtype=np.int64)
    keep = np.asarray(keep, dtype=np.int64)
    # A build writes each document's rows together and in document order; sort only a table that is not so.
    order = None if bool(np.all(doc_of[1:] >= doc_of[:-1])) else np.argsort(doc_of, kind="stable")
    counts = np.bincount(doc_of, minlength=n_documents)[:n_documents]
    starts = np.cumsum(counts) - counts  # where each document's rows begin (in ``order``)
    lengths = counts[keep]
    before = np.cumsum(lengths) - lengths  # where each kept document's rows begin among the kept rows
    positions = np.repeat(starts[keep] - before, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    first = np.zeros(len(keep), dtype=np.int64)
    has_rows = lengths > 0
    first[has_rows] = starts[keep[has_rows]]
    if order is not None:
        positions, first[has_rows] = order[positions], order[first[has_rows]]
    return positions, lengths, first


def _read_segment(folder: Path, entry: dict[str, Any]) -> _Segment:
    """Read and check one segment (its sizes, documents, rows and counts), its tombstones and refreshes applied."""
    _check_sizes(folder, _SEGMENT_FILES, entry.get("files", {}))
    documents = _read_documents(folder / "documents.jsonl")
    with _READING:
        chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, dense = _rows_and_vectors(
            folder, documents, entry.get("dense_index", {"type": "flat"}))
        terms = json.loads((folder / "terms.json").read_text("utf-8"))
        offsets = np.load(folder / "term_offsets.npy")
        table = np.load(folder / "postings.npy", mmap_mode="r")
        lengths = np.load(folder / "lengths.npy")
        signatures = np.load(folder / "signatures.npy")
    if not (len(chunk_rows) == len(chunk_vectors) == dense.ntotal == len(lengths) and len(sentence_rows) == len(sentence_vectors)):
        raise ValueError("row counts of chunks, vectors and FAISS disagree")
    if len(signatures) != len(documents):
        raise ValueError("per-document tables and documents.jsonl disagree")
    if not (isinstance(terms, list) and offsets.shape == (len(terms) + 1,) and offsets[0] == 0
            and offsets[-1] == len(table) and bool(np.all(np.diff(offsets) >= 0))
            and table.ndim == 2 and table.shape[1] == 2 and (not len(table) or 0 <= table[:, 0].min() <= table[:, 0].max() < len(chunk_rows))):
        raise ValueError("postings.npy, term_offsets.npy and terms.json disagree")
    live = np.ones(len(documents), dtype=bool)
    deleted = entry.get("deleted", [])
    if not all(isinstance(i, int) and 0 <= i < len(documents) for i in deleted):
        raise ValueError(f"{MANIFEST} tombstones documents that {entry['name']} does not hold")
    live[deleted] = False
    for key, meta in entry.get("refreshed", {}).items():
        stored = documents[int(key)]
        if meta.get("id") != stored.id or meta.get("sha256") != stored.sha256:
            raise ValueError(f"{MANIFEST} refreshes document {key} of {entry['name']} with another document")
        documents[int(key)] = SourceDocument(**{**meta, "text": stored.text})
    return _Segment(documents, chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, signatures,
                    Postings(terms, offsets, table, lengths), live, dense, entry)


@dataclass
class _Shard:
    """A segment as searched: its FAISS index and postings, and where its live chunks are among the index's rows.

    Attributes:
        base: The index row of its first live chunk.
        rows: Per chunk of the segment, its index row (``-1``: tombstoned); ``None``: ``base`` plus its own row.
        n_dead: Its tombstoned chunks.
    """

    dense: Any
    base: int
    rows: np.ndarray | None
    n_dead: int
    postings: Postings | None = None
    term_ids: dict[str, int] = field(default_factory=dict)
    dense_info: dict[str, Any] = field(default_factory=dict)
    _skip: tuple[Any, ...] = field(default=(), init=False, repr=False)

    def to_rows(self, local: np.ndarray) -> np.ndarray:
        """Index rows of some of its chunks (``-1``: tombstoned)."""
        return local.astype(np.int64) + self.base if self.rows is None else self.rows[local]

    def __post_init__(self) -> None:
        if self.rows is not None and self.dense is not None:
            import faiss

            # Tombstoned chunks are excluded inside FAISS, so a segment with many of them is not searched for k
            # plus all of them. Built once, at load; kept together, as FAISS holds only pointers to the selectors.
            dead = np.ascontiguousarray(np.flatnonzero(self.rows < 0), dtype=np.int64)
            batch = faiss.IDSelectorBatch(dead)
            live = faiss.IDSelectorNot(batch)
            params = (faiss.SearchParametersIVF(sel=live, nprobe=int(self.dense_info["nprobe"]))
                      if self.dense_info.get("type") == "ivf-sq8" else faiss.SearchParameters(sel=live))
            self._skip = (dead, batch, live, params)

    def nearest(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS's ``k`` nearest of its live chunks (its own ids, ``-1`` pads) and their inner products, on one thread."""
        if not self._skip:
            return search_one_scored(self.dense, vector, k)
        import faiss

        faiss.omp_set_num_threads(1)  # as search_one_scored: one question, one thread
        scores, ids = self.dense.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k, params=self._skip[3])
        return ids[0], scores[0]


class _Rows:
    """Several segments' row-aligned tables (memory-mapped) read as one, live rows only, indexed like an array.

    Only the rows asked for are read, so an index of many segments costs no
    more memory to open than one.
    """

    def __init__(self, parts: list[tuple[np.ndarray, np.ndarray | None]], width: int, dtype: Any):
        self._parts = parts  # each table with its live rows in order (``None``: all, in order)
        counts = [len(table) if rows is None else len(rows) for table, rows in parts]
        self._ends = np.cumsum(counts, dtype=np.int64)
        self.dtype = np.dtype(dtype)
        self.shape = (int(self._ends[-1]) if parts else 0, width)
        self.ndim = 2

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            return self[np.array([key])][0]
        if isinstance(key, slice):
            wanted = np.arange(*key.indices(len(self)), dtype=np.int64)
        else:
            wanted = np.asarray(key)
            wanted = np.flatnonzero(wanted) if wanted.dtype == bool else wanted.astype(np.int64).reshape(-1)
        wanted = np.where(wanted < 0, wanted + len(self), wanted)
        if len(wanted) and (wanted.min() < 0 or wanted.max() >= len(self)):
            raise IndexError(f"row out of range for a table of {len(self)} rows")
        out = np.empty((len(wanted), self.shape[1]), dtype=self.dtype)
        part_of = np.searchsorted(self._ends, wanted, side="right")
        for part in np.unique(part_of).tolist():
            table, rows = self._parts[part]
            take = np.flatnonzero(part_of == part)
            local = wanted[take] - (self._ends[part - 1] if part else 0)
            out[take] = table[local if rows is None else rows[local]]
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[slice(None)]
        return out if dtype is None else out.astype(dtype)


@dataclass
class _Joined:
    """Segments' live rows as one index's: row tables renumbered, and where each segment's rows went."""

    documents: list[SourceDocument]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray
    chunk_parts: list[tuple[np.ndarray, np.ndarray | None]]  # each segment's vectors and live rows (``None``: all)
    sentence_parts: list[tuple[np.ndarray, np.ndarray | None]]
    signatures: np.ndarray
    shards: list[_Shard]


def _join(segments: list[_Segment]) -> _Joined:
    """The live documents of ``segments``, in order, numbered as one index (one vectorised pass per segment)."""
    documents: list[SourceDocument] = []
    chunk_rows: list[np.ndarray] = [np.zeros((0, 6), np.int32)]
    sentence_rows: list[np.ndarray] = [np.zeros((0, 3), np.int32)]
    chunk_parts: list[tuple[np.ndarray, np.ndarray | None]] = []
    sentence_parts: list[tuple[np.ndarray, np.ndarray | None]] = []
    signatures: list[np.ndarray] = [np.zeros((0, 128), np.uint64)]
    shards: list[_Shard] = []
    n_chunks = n_sentences = 0
    for segment in segments:
        keep, chunks, chunk_counts, sentences, sentence_counts, first_sentence = segment.live_rows()
        new_docs = len(documents) + np.arange(len(keep), dtype=np.int64)
        rows = np.array(segment.chunk_rows[chunks], dtype=np.int32).reshape(-1, 6)
        rows[:, 0] = np.repeat(new_docs, chunk_counts)
        # A chunk's sentence range moves by where its document's sentences now begin minus where they began.
        shift = n_sentences + np.cumsum(sentence_counts) - sentence_counts - first_sentence
        rows[:, 3:5] += np.repeat(shift, chunk_counts)[:, None]
        s_rows = np.array(segment.sentence_rows[sentences], dtype=np.int32).reshape(-1, 3)
        s_rows[:, 0] = np.repeat(new_docs, sentence_counts)
        chunk_rows.append(rows)
        sentence_rows.append(s_rows)
        whole_chunks = np.array_equal(chunks, np.arange(len(segment.chunk_rows)))
        whole_sentences = np.array_equal(sentences, np.arange(len(segment.sentence_rows)))
        chunk_parts.append((segment.chunk_vectors, None if whole_chunks else chunks))
        sentence_parts.append((segment.sentence_vectors, None if whole_sentences else sentences))
        row_of: np.ndarray | None = None
        if not whole_chunks:
            row_of = np.full(len(segment.chunk_rows), -1, dtype=np.int64)
            row_of[chunks] = n_chunks + np.arange(len(chunks), dtype=np.int64)
        shards.append(_Shard(segment.dense, n_chunks, row_of, len(segment.chunk_rows) - len(chunks), segment.postings,
                             {t: i for i, t in enumerate(segment.postings.terms)}, segment.entry.get("dense_index", {})))
        documents.extend(segment.documents[i] for i in keep.tolist())
        signatures.append(np.asarray(segment.signatures)[keep])
        n_chunks += len(chunks)
        n_sentences += len(sentences)
    return _Joined(documents, np.concatenate(chunk_rows), np.concatenate(sentence_rows), chunk_parts, sentence_parts,
                   np.concatenate(signatures), shards)


def _stitched(index_dir: Path, manifest: dict[str, Any], segments: list[_Segment]) -> IndexData:
    """The live documents of the segments, in order, as one :class:`IndexData` (rows renumbered)."""
    joined = _join(segments)
    n_documents = len(joined.documents)
    copy_of = np.arange(n_documents, dtype=np.int32)
    for doc, canonical in manifest.get("copies", []):
        if not (0 <= doc < n_documents and 0 <= canonical < n_documents):
            raise ValueError(f"{MANIFEST} groups copies of documents the index does not hold")
        copy_of[doc] = canonical
    dim = int(manifest.get("dimension", 0))
    single = len(segments) == 1 and joined.chunk_parts[0][1] is None and joined.sentence_parts[0][1] is None
    if single:  # one whole segment: its memory-mapped tables as they are, as a single-generation index had them
        chunk_vectors, sentence_vectors = segments[0].chunk_vectors, segments[0].sentence_vectors
    else:
        chunk_vectors = _Rows(joined.chunk_parts, dim, np.float32)  # type: ignore[assignment]
        sentence_vectors = _Rows(joined.sentence_parts, dim, np.float16)  # type: ignore[assignment]
    lexical = _Lexical(joined.shards, len(joined.chunk_rows))
    data = IndexData(
        index_dir, manifest, joined.documents, joined.chunk_rows, joined.sentence_rows, chunk_vectors, sentence_vectors,
        segments[0].dense if single else None, None, lexical.df, signatures=joined.signatures, copy_of=copy_of,
    )
    data.search = LocalSearch(data, joined.shards, lexical, segments)
    return data


class _Lexical:
    """BM25 over the shards' postings, scored when asked: global ``N``, ``df`` and average length of live chunks.

    Args:
        shards: The index's segments as searched.
        n_chunks: Live chunks in the index.
    """

    def __init__(self, shards: list[_Shard], n_chunks: int):
        self._shards = shards
        self.n = n_chunks
        self.df: dict[str, int] = {}
        total_length = 0
        lengths: list[tuple[np.ndarray, np.ndarray]] = []  # index rows and lengths of each shard's live chunks
        for shard in shards:
            postings = shard.postings
            if postings is None:
                continue
            local = np.arange(len(postings.lengths), dtype=np.int64)
            rows = shard.to_rows(local)
            alive = rows >= 0
            lengths.append((rows[alive], postings.lengths[alive]))
            total_length += int(postings.lengths[alive].sum(dtype=np.int64))
            counts = np.diff(postings.offsets)
            if shard.rows is not None:  # tombstoned chunks' postings do not count
                table = np.asarray(postings.postings)
                term_of = np.repeat(np.arange(len(postings.terms), dtype=np.int64), counts)
                counts = np.bincount(term_of[shard.rows[table[:, 0]] >= 0], minlength=len(postings.terms))
            for term, count in zip(postings.terms, counts.tolist()):
                if count:
                    self.df[term] = self.df.get(term, 0) + count
        self._norms = np.zeros(n_chunks, dtype=np.float64)
        if n_chunks:
            avgdl = total_length / n_chunks  # as bm25s: the mean over chunks, in float64
            for rows, values in lengths:
                self._norms[rows] = length_norms(values, avgdl)

    def scores(self, terms: Sequence[str]) -> np.ndarray | None:
        """Float32 BM25 of every chunk for ``terms`` (repeats counted, unknown ignored); ``None``: no term known."""
        known = [t for t in terms if t in self.df]
        if not known or not self.n:
            return None
        scores = np.zeros(self.n, dtype=np.float32)
        for term in known:  # in query order, each term's postings added in float32: bm25s' sum
            idf = bm25_idf(self.df[term], self.n)
            for shard in self._shards:
                tid = shard.term_ids.get(term)
                if tid is None:
                    continue
                postings = shard.postings
                if postings is None:
                    continue
                table = np.asarray(postings.postings[postings.offsets[tid]:postings.offsets[tid + 1]])
                rows = shard.to_rows(table[:, 0])
                tf = table[:, 1]
                if shard.rows is not None:
                    alive = rows >= 0
                    rows, tf = rows[alive], tf[alive]
                scores[rows] += posting_scores(idf, tf, self._norms[rows])
        return scores


class LocalSearch:
    """The local store's searches: FAISS and BM25, the filter applied as a numpy mask over chunk rows.

    The mask is computed per question from the documents' publication days
    and copy groups (vectorised), and cached for the unbounded filter, which
    every undated question uses. Each segment's FAISS index is searched and
    the hits merged by score, ties by row; BM25 is scored from the segments'
    postings (an index of format 1: by its bm25s index).

    Args:
        index: The loaded index (its documents and copy groups; its ``dense`` and ``bm25`` when no shards are given).
        shards: The segments as searched (``None``: ``index.dense`` alone, its rows the index's).
        lexical: BM25 over the shards' postings (``None``: ``index.bm25``).
        segments: The segments as read, for the next update (``None``: an index of format 1).

    Example:
        >>> hits = load_index("index/demo").search.lexical_search(["troop"], 3, ChunkFilter())  # doctest: +SKIP
        >>> hits[0].row, hits[0].score  # doctest: +SKIP
        (4, 2.31)
    """

    def __init__(self, index: IndexData, shards: list[_Shard] | None = None, lexical: _Lexical | None = None,
                 segments: list[_Segment] | None = None):
        self._index = index
        self._shards = shards if shards is not None else [_Shard(index.dense, 0, None, 0)]
        self._lexical = lexical
        self.segments = segments
        self._unbounded: dict[ChunkFilter, np.ndarray | None] = {}

    def _mask(self, where: ChunkFilter) -> np.ndarray | None:
        """Per chunk row, whether it may be returned; ``None`` when all may."""
        if not where.bounded and where in self._unbounded:
            return self._unbounded[where]
        index = self._index
        ok = allowed_documents(index.published_days(), index.copy_groups().values(), where)
        if ok.all():
            mask = None
        else:
            mask = ok[index.chunk_rows[:, 0]] if index.n_chunks else np.zeros(0, dtype=bool)
        if not where.bounded:
            self._unbounded[where] = mask
        return mask

    def _nearest(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Index rows (``-1`` pads) and inner products of FAISS's ``k`` nearest live chunks, best first.

        One segment without tombstones is FAISS's answer as it is; otherwise
        each segment is asked for its ``k`` nearest live chunks and the hits
        are merged by score, ties by row.
        """
        if len(self._shards) == 1 and self._shards[0].rows is None:
            return search_one_scored(self._shards[0].dense, vector, k)
        rows: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for shard in self._shards:
            live = int(shard.dense.ntotal) - shard.n_dead
            if live <= 0:
                continue
            ids, found = shard.nearest(vector, min(live, k))
            ids, found = ids[ids >= 0], found[ids >= 0]
            mapped = shard.to_rows(ids)
            rows.append(mapped[mapped >= 0])
            scores.append(found[mapped >= 0])
        all_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        all_scores = np.concatenate(scores) if scores else np.zeros(0, dtype=np.float32)
        best = np.lexsort((all_rows, -all_scores))[:k]
        return all_rows[best], all_scores[best]

    def dense_search(self, vector: np.ndarray, k: int, where: ChunkFilter) -> list[Hit]:
        """FAISS's hits that the filter allows; an exact search over the allowed chunks when too few survive."""
        index = self._index
        k = min(k, index.n_chunks)
        mask = self._mask(where)
        if k <= 0 or (mask is not None and not mask.any()):
            return []
        vector = np.asarray(vector, dtype=np.float32)
        if mask is None:
            ids, scores = self._nearest(vector, k)
            return _by_score([Hit(int(i), float(s)) for i, s in zip(ids, scores) if i >= 0])
        wanted = min(k, int(mask.sum()))
        ids, scores = self._nearest(vector, min(index.n_chunks, k * 4))
        hits = [Hit(int(i), float(s)) for i, s in zip(ids, scores) if i >= 0 and mask[i]][:wanted]
        if len(hits) < wanted:  # the filter left too few of FAISS's hits: search the allowed chunks exactly
            allowed = np.flatnonzero(mask)
            exact = np.asarray(index.chunk_vectors[allowed], dtype=np.float32) @ vector
            top = np.argsort(-exact, kind="stable")[:wanted]
            hits = [Hit(int(allowed[i]), float(exact[i])) for i in top]
        return _by_score(hits)

    def _bm25_scores(self, terms: Sequence[str], mask: np.ndarray | None) -> np.ndarray | None:
        """Every chunk's BM25 for ``terms``, zero where the mask forbids; ``None`` when no term is known."""
        weight = None if mask is None else mask.astype(np.float32)
        if self._lexical is not None:
            scores = self._lexical.scores(terms)
            return scores if scores is None or weight is None else scores * weight  # as bm25s applies its weight mask
        bm25 = self._index.bm25
        vocab = getattr(bm25, "vocab_dict", None) or {}
        known = [t for t in terms if t in vocab]
        return bm25.get_scores(known, weight_mask=weight) if known else None

    def lexical_search(self, terms: Sequence[str], k: int, where: ChunkFilter) -> list[Hit]:
        """BM25 scores (bm25s' own), masked by the filter; only positive scores, best first, ties by row."""
        k = min(k, self._index.n_chunks)
        mask = self._mask(where)
        if k <= 0 or (mask is not None and not mask.any()):
            return []
        scores = self._bm25_scores(terms, mask)
        if scores is None:
            return []
        # The k best, ties by row (as the database store orders them): every row scoring at least the k-th
        # best score, then a stable sort; vectorised, and the sort sees only those rows.
        kth = np.partition(scores, len(scores) - k)[len(scores) - k] if k < len(scores) else 0.0
        candidates = np.flatnonzero((scores >= kth) & (scores > 0))
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
        return [Hit(int(i), float(scores[i])) for i in top]


def _by_score(hits: list[Hit]) -> list[Hit]:
    """Best first, equal scores by row (identical chunk texts tie exactly; FAISS leaves their order open)."""
    return sorted(hits, key=lambda h: (-h.score, h.row))


def _doc_from_json(line: str) -> SourceDocument:
    data = json.loads(line)
    return SourceDocument(**data)


def write_error(error: OSError, index_dir: Path) -> IndexWriteError:
    """The one-line :class:`IndexWriteError` for an OS error met while writing ``index_dir``.

    Every write of a build goes to a new segment folder or a temporary
    manifest, published by one rename at the end, so whatever failed, the
    previous index is intact.
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
def locked(index_dir: Path) -> Iterator[None]:
    check_index_path(index_dir)  # before the folder and its .lock are created
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Layout:
    """How the vectors were made; recorded in the manifest and checked on update."""

    sentence_vectors: str
    chunk_vectors: str


@dataclass
class Parts:
    documents: list[SourceDocument]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    chunk_texts: list[str]
    signatures: np.ndarray
    copy_of: np.ndarray


def _new_name() -> str:
    return f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def _write_segment(index_dir: Path, name: str, segment: _Segment) -> dict[str, Any]:
    """Write a segment (every document of it live) as a new folder (all files fsynced, then one rename); its entry."""
    import faiss

    tmp = index_dir / f".{name}.tmp"
    tmp.mkdir(parents=True)
    try:
        with open(tmp / "documents.jsonl", "w", encoding="utf-8") as handle:
            for doc in segment.documents:
                handle.write(json.dumps(doc.__dict__, ensure_ascii=False) + "\n")
        np.save(tmp / "chunks.npy", np.asarray(segment.chunk_rows, dtype=np.int32))
        np.save(tmp / "sentences.npy", np.asarray(segment.sentence_rows, dtype=np.int32))
        np.save(tmp / "signatures.npy", segment.signatures)
        chunk_vectors = np.ascontiguousarray(segment.chunk_vectors, dtype=np.float32)
        np.save(tmp / "chunk_vectors.npy", chunk_vectors)
        np.save(tmp / "sentence_vectors.npy", np.ascontiguousarray(segment.sentence_vectors, dtype=np.float16))
        dense, dense_info = build_dense_index(chunk_vectors)  # exact while small (every added segment), IVF when large
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        postings = segment.postings
        (tmp / "terms.json").write_text(json.dumps(postings.terms, ensure_ascii=False), "utf-8")
        np.save(tmp / "term_offsets.npy", postings.offsets)
        np.save(tmp / "postings.npy", postings.postings)
        np.save(tmp / "lengths.npy", postings.lengths)
        for path in tmp.iterdir():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        os.rename(tmp, index_dir / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {
        "name": name, "n_documents": len(segment.documents), "n_chunks": int(len(segment.chunk_rows)),
        "n_sentences": int(len(segment.sentence_rows)), "dense_index": dense_info,
        "files": {n: (index_dir / name / n).stat().st_size for n in _SEGMENT_FILES}, "deleted": [], "refreshed": {},
    }


def _publish(index_dir: Path, generation: str, entries: list[dict[str, Any]], documents: Sequence[SourceDocument],
             copy_of: np.ndarray, counts: tuple[int, int], identity: dict[str, Any]) -> dict[str, Any]:
    """Swap in the manifest listing ``entries`` (atomic rename), then remove segments no manifest since the last one lists."""
    previous: set[str] = set()
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):  # a damaged manifest lists nothing to keep
        old = json.loads((index_dir / MANIFEST).read_text("utf-8"))
        previous = {str(old.get("generation"))} | {str(s.get("name")) for s in old.get("segments", [])}
    manifest = {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        **identity,
        "dense_index": entries[0]["dense_index"],  # the first (largest) segment's; each segment records its own
        "n_documents": len(documents),
        "n_chunks": counts[0],
        "n_sentences": counts[1],
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "segments": entries,
        "copies": [[i, c] for i, c in enumerate(np.asarray(copy_of).tolist()) if i != c],
        "n_copies": count_copies(np.asarray(copy_of)),
        "n_undated": sum(1 for d in documents if not d.published),
    }
    write_atomic(index_dir / MANIFEST, json.dumps(manifest, indent=2))
    # Segments of older manifests and leftovers of interrupted builds go; those of the manifest just replaced stay
    # until the next build, so a reader that opened it a moment ago can finish reading them.
    keep = previous | {entry["name"] for entry in entries}
    for stale in index_dir.iterdir():
        if stale.is_dir() and stale.name not in keep and stale.name.startswith(("gen-", ".gen-")):
            shutil.rmtree(stale, ignore_errors=True)
    return manifest


def _identity(model_name: str, dimension: int, chunker_settings: dict[str, Any], layout: Layout) -> dict[str, Any]:
    return {"embedding_model": model_name, "dimension": dimension, "chunker": chunker_settings,
            "sentence_vectors": layout.sentence_vectors, "chunk_vectors": layout.chunk_vectors}


def write_generation(
    index_dir: Path, parts: Parts, model_name: str, chunker_settings: dict[str, Any], layout: Layout,
) -> dict[str, Any]:
    """Write ``parts`` as the whole index: one segment (a first build, ``--rebuild``, a damaged or format-1 index).

    Returns:
        The new manifest.
    """
    name = _new_name()
    segment = _Segment(parts.documents, parts.chunk_rows, parts.sentence_rows, parts.chunk_vectors, parts.sentence_vectors,
                       parts.signatures, count_terms(parts.chunk_texts), np.ones(len(parts.documents), dtype=bool))
    entry = _write_segment(index_dir, name, segment)
    return _publish(index_dir, name, [entry], parts.documents, parts.copy_of,
                    (int(len(parts.chunk_rows)), int(len(parts.sentence_rows))),
                    _identity(model_name, int(parts.chunk_vectors.shape[1]), chunker_settings, layout))


def segmented(index: IndexData) -> bool:
    """Whether ``index`` was loaded from segments (format 2), so :func:`write_update` can add to it."""
    return isinstance(index.search, LocalSearch) and index.search.segments is not None


def write_update(
    index_dir: Path,
    old: IndexData,
    keep: Sequence[int],
    refresh: Mapping[int, SourceDocument],
    added: Parts,
    copy_of: np.ndarray,
    model_name: str,
    chunker_settings: dict[str, Any],
    layout: Layout,
) -> dict[str, Any]:
    """Update a segmented index with only the change: a segment of the added documents, tombstones, refreshes.

    The documents afterwards are ``old``'s at the ``keep`` positions (in
    order, those in ``refresh`` with their new metadata), then ``added``'s,
    exactly as a build writing the whole index would order them. The newest
    segments are merged when :func:`_merge_start` says so.

    Args:
        index_dir: The index folder (its lock held by the caller).
        old: The index as loaded (:func:`segmented`).
        keep: Positions of ``old``'s documents that stay, ascending.
        refresh: Kept positions whose title, date or outlet changed, with their new version.
        added: The new documents with their rows (numbered from 0), vectors, chunk texts and signatures.
        copy_of: Per document afterwards, its copy group's canonical position.
        model_name / chunker_settings / layout: As recorded in the manifest.

    Returns:
        The new manifest.
    """
    segments = _tombstoned(old, keep, refresh)
    if added.documents:
        segments.append(_Segment(added.documents, added.chunk_rows, added.sentence_rows, added.chunk_vectors,
                                 added.sentence_vectors, added.signatures, count_terms(added.chunk_texts),
                                 np.ones(len(added.documents), dtype=bool)))
    segments = [s for s in segments if s.live.any()]  # a segment whose every document went is dropped, not rewritten
    start = _merge_start(segments)
    generation = _new_name()
    entries = [s.entry for s in segments[:start]]
    run = segments[start:]
    if len(run) == 1 and run[0].entry and not _wasteful(run[0]):  # an old segment alone: kept as it is
        entries.append(run[0].entry)
    elif run:  # the added documents alone, or a run merged with them
        entries.append(_write_segment(index_dir, generation, run[0] if len(run) == 1 and not run[0].entry else _merged(run)))
    dimension = int(old.manifest.get("dimension", 0))
    if not entries:  # nothing left: an empty segment keeps the folder an index of the model's dimension
        empty = np.zeros((0, dimension), dtype=np.float32)
        entries.append(_write_segment(index_dir, generation, _Segment(
            [], np.zeros((0, 6), np.int32), np.zeros((0, 3), np.int32), empty, empty, np.zeros((0, 128), np.uint64),
            count_terms([]), np.zeros(0, dtype=bool))))
    documents = [refresh.get(i, old.documents[i]) for i in keep] + list(added.documents)
    n_chunks = sum(s.n_live_chunks() for s in segments)
    n_sentences = sum(int(s.live[s.sentence_rows[:, 0]].sum()) if len(s.sentence_rows) else 0 for s in segments)
    return _publish(index_dir, generation, entries, documents, copy_of, (n_chunks, n_sentences),
                    _identity(model_name, dimension, chunker_settings, layout))


def _tombstoned(old: IndexData, keep: Sequence[int], refresh: Mapping[int, SourceDocument]) -> list[_Segment]:
    """``old``'s segments with the documents not kept tombstoned and the refreshed ones' metadata replaced.

    Copies: the loaded index (perhaps still answering questions) is not changed.
    """
    loaded = old.search.segments if isinstance(old.search, LocalSearch) else None
    if loaded is None:
        raise ValueError("write_update needs an index loaded from segments (format 2)")
    kept = np.zeros(len(old.documents), dtype=bool)
    kept[np.asarray(list(keep), dtype=np.int64)] = True
    out: list[_Segment] = []
    base = 0
    for segment in loaded:
        live_docs = np.flatnonzero(segment.live)
        live = segment.live.copy()
        live[live_docs[~kept[base:base + len(live_docs)]]] = False
        documents = segment.documents
        refreshed = dict(segment.entry.get("refreshed", {}))
        mine = [(p, doc) for p, doc in refresh.items() if base <= p < base + len(live_docs)]
        if mine:
            documents = list(documents)
            for position, doc in mine:
                local = int(live_docs[position - base])
                documents[local] = doc
                refreshed[str(local)] = {k: v for k, v in doc.__dict__.items() if k != "text"}
        entry = {**segment.entry, "deleted": np.flatnonzero(~live).tolist(), "refreshed": refreshed}
        out.append(replace(segment, documents=documents, live=live, entry=entry))
        base += len(live_docs)
    return out


def _wasteful(segment: _Segment) -> bool:
    """Whether more than :data:`DELETED_SHARE` of a segment's chunks are tombstoned (then it is rewritten)."""
    total = len(segment.chunk_rows)
    return total - segment.n_live_chunks() > DELETED_SHARE * total


def _merge_start(segments: list[_Segment]) -> int:
    """Where the run of segments to merge into one begins (``len - 1``: merge nothing).

    Tiered, as Lucene merges: the newest segments are merged while the one
    before them is no bigger than they are together, so sizes fall at least
    by half from the oldest segment to the newest, each document is
    rewritten about log2(archive / batch) times in all, and an update of a
    few documents to a large archive usually rewrites only a few small
    segments. A segment more than :data:`DELETED_SHARE` tombstones is
    rewritten to reclaim them, and at most :data:`MAX_SEGMENTS` remain.
    """
    if not segments:
        return 0
    sizes = [s.n_live_chunks() for s in segments]
    start = len(segments) - 1
    while start > 0 and sizes[start - 1] <= sum(sizes[start:]):
        start -= 1
    for i, segment in enumerate(segments[:start]):
        if _wasteful(segment):
            start = i
            break
    return min(start, MAX_SEGMENTS - 1)


def _merged(run: list[_Segment]) -> _Segment:
    """The live documents of a run of segments as one segment, from their stored rows, vectors and postings."""
    joined = _join(run)
    sources = [(segment.postings, shard.to_rows(np.arange(len(segment.chunk_rows), dtype=np.int64)))
               for segment, shard in zip(run, joined.shards)]
    dim = int(run[0].chunk_vectors.shape[1])
    return _Segment(
        joined.documents, joined.chunk_rows, joined.sentence_rows,
        _Rows(joined.chunk_parts, dim, np.float32)[:], _Rows(joined.sentence_parts, dim, np.float16)[:],
        joined.signatures, _merge_postings(sources, len(joined.chunk_rows)), np.ones(len(joined.documents), dtype=bool))


def index_size_bytes(index_dir: str | Path) -> int:
    """Bytes on disk of the live segments (or a format-1 index's generation) plus the manifest."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    folders = [s["name"] for s in manifest["segments"]] if "segments" in manifest else [manifest["generation"]]
    return sum(p.stat().st_size for name in folders for p in (index_dir / name).rglob("*") if p.is_file()) + (
        index_dir / MANIFEST).stat().st_size
