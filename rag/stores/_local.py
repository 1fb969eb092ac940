"""The local store: an index in a folder (FAISS vectors, bm25s, documents, chunks and sentences).

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._ann import build_dense_index, configure_loaded, search_one_scored
from .._atomic import write_atomic
from .._exceptions import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IndexWriteError
from .._index import IndexData
from .._search import ChunkFilter, Hit, allowed_documents
from .._syndication import count_copies
from .._text import bm25_terms
from .._types import SourceDocument

__all__ = [
    "FORMAT_VERSION", "MANIFEST", "Layout", "Parts", "check_compatible", "check_index_path", "index_size_bytes", "load_index",
    "locked",
    "read_manifest", "write_error", "write_generation",
]


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


# numpy and bm25s parse each file's header with ``ast.literal_eval``; CPython 3.11's AST
# constructor keeps its recursion depth per interpreter, not per thread, so two threads
# reading at once can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). Loads in one process take turns; they are rare and short.
_READING = threading.Lock()


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
        with _READING:
            chunk_rows = np.load(gen / "chunks.npy")
            sentence_rows = np.load(gen / "sentences.npy")
            _check_rows(chunk_rows, sentence_rows, [len(doc.text) for doc in documents])
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


class LocalSearch:
    """The local store's searches: FAISS and bm25s, the filter applied as a numpy mask over chunk rows.

    The mask is computed per question from the documents' publication days
    and copy groups (vectorised), and cached for the unbounded filter, which
    every undated question uses.

    Args:
        index: The loaded index (its ``dense`` and ``bm25``, documents and copy groups).

    Example:
        >>> hits = load_index("index/demo").search.lexical_search(["troop"], 3, ChunkFilter())  # doctest: +SKIP
        >>> hits[0].row, hits[0].score  # doctest: +SKIP
        (4, 2.31)
    """

    def __init__(self, index: IndexData):
        self._index = index
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

    def dense_search(self, vector: np.ndarray, k: int, where: ChunkFilter) -> list[Hit]:
        """FAISS's hits that the filter allows; an exact search over the allowed chunks when too few survive."""
        index = self._index
        k = min(k, index.n_chunks)
        mask = self._mask(where)
        if k <= 0 or (mask is not None and not mask.any()):
            return []
        vector = np.asarray(vector, dtype=np.float32)
        if mask is None:
            ids, scores = search_one_scored(index.dense, vector, k)
            return _by_score([Hit(int(i), float(s)) for i, s in zip(ids, scores) if i >= 0])
        wanted = min(k, int(mask.sum()))
        ids, scores = search_one_scored(index.dense, vector, min(index.n_chunks, k * 4))
        hits = [Hit(int(i), float(s)) for i, s in zip(ids, scores) if i >= 0 and mask[i]][:wanted]
        if len(hits) < wanted:  # the filter left too few of FAISS's hits: search the allowed chunks exactly
            allowed = np.flatnonzero(mask)
            exact = np.asarray(index.chunk_vectors[allowed], dtype=np.float32) @ vector
            top = np.argsort(-exact, kind="stable")[:wanted]
            hits = [Hit(int(allowed[i]), float(exact[i])) for i in top]
        return _by_score(hits)

    def lexical_search(self, terms: Sequence[str], k: int, where: ChunkFilter) -> list[Hit]:
        """bm25s' scores, masked by the filter; only positive scores, best first, ties by row."""
        bm25 = self._index.bm25
        vocab = getattr(bm25, "vocab_dict", None) or {}
        known = [t for t in terms if t in vocab]
        k = min(k, self._index.n_chunks)
        mask = self._mask(where)
        if not known or k <= 0 or (mask is not None and not mask.any()):
            return []
        scores = bm25.get_scores(known, weight_mask=None if mask is None else mask.astype(np.float32))
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


def write_generation(
    index_dir: Path,
    parts: Parts,
    model_name: str,
    chunker_settings: dict[str, Any],
    layout: Layout,
    previous: str | None,
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
        "chunker": chunker_settings,
        "sentence_vectors": layout.sentence_vectors,
        "chunk_vectors": layout.chunk_vectors,
        "dense_index": dense_info,
        "n_documents": len(parts.documents),
        "n_chunks": int(len(parts.chunk_rows)),
        "n_sentences": int(len(parts.sentence_rows)),
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {name: (index_dir / generation / name).stat().st_size for name in _FILES + _OPTIONAL_FILES},
        "n_copies": count_copies(parts.copy_of),
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
