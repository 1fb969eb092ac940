"""Ingestion: turning loaded documents into an index update, incrementally.

:func:`build_index` plans (which documents are new, changed, unchanged,
gone, or kept because their file failed to load), chunks and embeds only
what changed, groups syndicated copies, and writes the result through the
local store (``rag/stores/_local.py``): a segment of the new documents plus
tombstones, or the whole index as one segment on a first build or
``--rebuild``, swapped in atomically. A database index is updated in place instead:
:func:`plan_update` makes the same decisions against the stored documents'
short columns and embeds only the new ones, and the database store appends
them (``rag/stores/_pgvector.py``).

Trade-offs: unchanged documents keep their stored vectors (matched by id
and content hash), so they are never embedded twice, and an update writes
only the change (nothing when nothing changed); copy groups are still
recomputed over every document's signature (numpy, small).

Example:
    >>> report = build_index("index/demo", load_paths(["rag/data/articles"]),  # doctest: +SKIP
    ...                      embeddings=MiniLMEmbeddings(), chunker=TokenChunker())
    >>> report.summary()  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._chunking import TokenChunker
from ._embedding import MiniLMEmbeddings, embed_array, model_name_of
from ._exceptions import IndexCorruptError
from ._index import IndexData
from ._loading import LoadResult, Skipped
from ._syndication import copy_groups, signatures
from ._types import SourceDocument
from .stores._local import (
    MANIFEST,
    Layout,
    Parts,
    check_compatible,
    kept_rows,
    load_index,
    locked,
    segmented,
    write_error,
    write_generation,
    write_update,
)

__all__ = [
    "SHORT_SENTENCES", "UNIT_CHARS", "BuildReport", "BuildRequest", "NewRows", "Update", "build_folder", "build_index",
    "embedding_units", "plan_update",
]


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
        embedded_chunks / embedded_sentences: Texts embedded by this build (chunks; sentences, a group of short
            sentences counting once: ``rag._ingest.embedding_units``).
        warnings: Lines about loaded documents that lost a value (an invalid date: the file and the value).
        notes: Lines for people about what the build decided (e.g. that the
            default index's demo articles were replaced).
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
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
            "date filters skip them unless --include-undated; add (or fix, where a warning names one) `published:` front matter "
            "or a 'published' field"
        )


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
    remove: frozenset[str] = frozenset(),
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
        remove: Ids of indexed documents to delete (a store writer's ``delete``).
        chunk_vectors: ``"pooled"`` (the default, as in ``Settings``: the
            normalized mean of its separate sentence vectors, one embedding
            pass instead of two) or ``"embedded"`` (each chunk embedded whole).

    Returns:
        A :class:`BuildReport`.
    """
    return build_folder(index_dir, BuildRequest(
        loaded, embeddings=embeddings, chunker=chunker, rebuild=rebuild, prune=prune, progress=progress,
        sentence_vectors=sentence_vectors, chunk_vectors=chunk_vectors, remove=remove))


@dataclass(frozen=True)
class BuildRequest:
    """One build as a value: what to index and how, whichever store runs it.

    :func:`build_index` makes one for a folder; the store seam
    (:mod:`rag._building`) hands the same value to the folder's executor
    (:func:`build_folder`) or the database's. The fields are
    :func:`build_index`'s arguments.

    Example:
        >>> request = BuildRequest(load_paths(["articles/"]), embeddings=MiniLMEmbeddings(),  # doctest: +SKIP
        ...                        chunker=TokenChunker(), prune=False)
        >>> build_folder("index/demo", request).summary()  # doctest: +SKIP
        'index/demo: 2 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; 2 documents, 9 chunks (1.2s)'
    """

    loaded: LoadResult
    embeddings: Embeddings = field(kw_only=True)
    chunker: TokenChunker = field(kw_only=True)
    rebuild: bool = field(default=False, kw_only=True)
    prune: bool = field(default=True, kw_only=True)
    progress: bool = field(default=False, kw_only=True)
    sentence_vectors: str = field(default="separate", kw_only=True)
    chunk_vectors: str = field(default="pooled", kw_only=True)
    remove: frozenset[str] = field(default=frozenset(), kw_only=True)


def build_folder(index_dir: str | Path, request: BuildRequest) -> BuildReport:
    """Run ``request`` against the folder ``index_dir`` (what :func:`build_index` does)."""
    loaded, embeddings, chunker = request.loaded, request.embeddings, request.chunker
    rebuild, prune, progress, remove = request.rebuild, request.prune, request.progress, request.remove
    sentence_vectors, chunk_vectors = request.sentence_vectors, request.chunk_vectors
    started = time.perf_counter()
    index_dir = Path(index_dir)
    model_name = model_name_of(embeddings)
    report = BuildReport(str(index_dir), skipped=list(loaded.skipped), warnings=list(loaded.warnings))
    try:
        with locked(index_dir):
            old: IndexData | None = None
            if not rebuild and (index_dir / MANIFEST).exists():
                old = _readable(index_dir, report)
            if old is not None:
                check_compatible(old.manifest, index_dir, model_name, chunker.settings(), sentence_vectors, chunk_vectors)
            plan = _plan(old.documents if old is not None else None, loaded, report, prune, remove)
            layout = Layout(sentence_vectors, chunk_vectors)
            if old is not None and _unchanged(old, plan):  # nothing to write: no second copy of the index on disk
                report.n_documents, report.n_chunks = len(old.documents), old.n_chunks
                report.n_undated = sum(1 for d in old.documents if not d.published)
                report.n_copies = old.n_copies
                report.seconds = time.perf_counter() - started
                return report
            if old is not None and segmented(old):  # only the change: a segment of the new documents, tombstones
                added = _added(old, plan, embeddings, chunker, report, progress, layout)
                documents = [plan.refresh.get(i, old.documents[i]) for i in plan.keep] + plan.embed
                sigs = np.concatenate([np.asarray(old.signatures)[np.asarray(plan.keep, dtype=np.int64)], added.signatures])
                copy_of = np.asarray(copy_groups(None, [d.published for d in documents], sigs), dtype=np.int32)
                manifest = write_update(index_dir, old, plan.keep, plan.refresh, added, copy_of, model_name,
                                        chunker.settings(), layout)
            else:  # a first build, --rebuild, or a damaged or format-1 index: the whole index as one segment
                parts = _assemble(old, plan, embeddings, chunker, report, progress, layout)
                manifest = write_generation(index_dir, parts, model_name, chunker.settings(), layout)
    except OSError as error:  # backend errors become one line here, for every caller
        raise write_error(error, index_dir) from error
    report.n_documents = int(manifest["n_documents"])
    report.n_chunks = int(manifest["n_chunks"])
    report.n_undated = int(manifest["n_undated"])
    report.n_copies = int(manifest["n_copies"])
    report.seconds = time.perf_counter() - started
    return report


def _added(
    old: IndexData,
    plan: _Plan,
    embeddings: Embeddings,
    chunker: TokenChunker,
    report: BuildReport,
    progress: bool,
    layout: Layout,
) -> Parts:
    """The plan's new and changed documents chunked and embedded, numbered from 0: the segment an update adds."""
    new = _chunk_and_embed(plan.embed, 0, 0, embeddings, chunker, report, progress, layout)
    dim = int(old.manifest.get("dimension") or _dimension(embeddings, []))
    return _parts(
        list(plan.embed), new.chunk_rows, new.sentence_rows,
        _vectors(None, np.zeros(0, np.int64), new.chunk_vectors, dim, np.float32),
        _vectors(None, np.zeros(0, np.int64), new.sentence_vectors, dim, np.float16),
        signatures([d.text for d in plan.embed]),
        np.zeros(0, dtype=np.int32),  # the groups are the whole index's: write_update is given them
    )


def _parts(
    documents: list[SourceDocument],
    chunk_rows: list[np.ndarray],
    sentence_rows: list[np.ndarray],
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sigs: np.ndarray,
    copy_of: np.ndarray,
) -> Parts:
    """``Parts`` of ``documents`` from their row tables (one per document, stacked here) and their vectors."""
    chunks = (np.concatenate(chunk_rows) if chunk_rows else np.zeros((0, 6), np.int32)).astype(np.int32)
    return Parts(
        documents=documents,
        chunk_rows=chunks,
        sentence_rows=(np.concatenate(sentence_rows) if sentence_rows else np.zeros((0, 3), np.int32)).astype(np.int32),
        chunk_vectors=chunk_vectors,
        sentence_vectors=sentence_vectors,
        chunk_texts=[documents[d].text[s:e] for d, s, e in chunks[:, :3].tolist()],
        signatures=sigs,
        copy_of=copy_of,
    )


def _readable(index_dir: Path, report: BuildReport) -> IndexData | None:
    """The index to update, or ``None`` when it is damaged: then this build rebuilds it from the given sources.

    A damaged generation can't be updated, and refusing would leave the
    index broken until someone thinks of ``--rebuild``; the note says what
    happened and that sources not given this time must be indexed again.
    """
    try:
        return load_index(index_dir)
    except IndexCorruptError as error:
        reason = " ".join(str(error.__cause__ or error).split())  # the damage itself, without the advice to rebuild
        report.notes.append(f"the index at {index_dir} was damaged ({reason}): rebuilt it from the sources given; "
                            "index any other folders or URLs it held again")
        return None


@dataclass
class Update:
    """An update planned against a store's list of documents, its new documents chunked and embedded.

    What a store that writes in place applies (the database store): it
    removes and refreshes stored documents by their place in the list it
    gave, and appends the new ones with their rows.

    Attributes:
        report: What the update does, per id (the counts are the store's to fill after it commits).
        remove: Places, in the stored list, of the documents to remove (an updated document's old version too).
        refresh: Places of kept documents whose title, date or outlet changed, with their new version.
        documents: The new documents, in the order their rows are numbered (from 0).
        rows: Their chunk and sentence rows and vectors (sentence vectors rounded as a folder stores them).
        signatures: Their MinHash signatures (:mod:`rag._syndication`).
    """

    report: BuildReport
    remove: list[int]
    refresh: dict[int, SourceDocument]
    documents: list[SourceDocument]
    rows: NewRows
    signatures: np.ndarray

    @property
    def changes(self) -> bool:
        """Whether applying it changes anything."""
        return bool(self.remove or self.refresh or self.documents)


def plan_update(
    stored: Sequence[Any] | None,
    loaded: LoadResult,
    *,
    embeddings: Embeddings,
    chunker: TokenChunker,
    differs: Callable[[int, SourceDocument], bool],
    prune: bool = True,
    remove: frozenset[str] = frozenset(),
    progress: bool = False,
    sentence_vectors: str = "separate",
    chunk_vectors: str = "pooled",
    index_dir: str = "",
) -> Update:
    """Plan an update of a stored index and embed only what is new, touching nothing stored.

    The same decisions as :func:`build_index` (ids, unchanged text reused,
    pruning, kept documents of files that failed to load), made on the
    store's list of documents, so a database index is updated by inserting
    the new rows instead of rebuilding the whole index.

    Args:
        stored: The stored documents, in index order: anything with ``id``, ``sha256`` and ``source``
            (``None``: an empty store).
        loaded: What to index.
        embeddings / chunker: The models.
        differs: Whether the stored document at a place differs from an incoming one of the same text.
        prune / remove / progress / sentence_vectors / chunk_vectors: As for :func:`build_index`.
        index_dir: The location, as the report names it.
    """
    report = BuildReport(index_dir, skipped=list(loaded.skipped), warnings=list(loaded.warnings))
    plan = _plan(stored, loaded, report, prune, remove, differs)
    kept = set(plan.keep)
    removed = [place for place in range(len(stored or ())) if place not in kept]
    layout = Layout(sentence_vectors, chunk_vectors)
    rows = _chunk_and_embed(plan.embed, 0, 0, embeddings, chunker, report, progress, layout)
    if rows.sentence_vectors is not None:  # as a folder stores them (float16), so both stores read the same numbers
        rows.sentence_vectors = np.asarray(rows.sentence_vectors, dtype=np.float32).astype(np.float16).astype(np.float32)
    return Update(report, removed, plan.refresh, list(plan.embed), rows,
                  signatures([d.text for d in plan.embed]))


def _unchanged(old: IndexData, plan: _Plan) -> bool:
    """Whether the plan keeps the old index exactly (and it already has every per-document table)."""
    return (not plan.embed and not plan.refresh and plan.keep == list(range(len(old.documents)))
            and old.signatures is not None)


@dataclass
class _Plan:
    keep: list[int]  # old document positions to keep (their vectors are reused)
    embed: list[SourceDocument]  # new or changed documents
    refresh: dict[int, SourceDocument] = field(default_factory=dict)  # kept positions whose metadata changed


def _plan(old: Sequence[Any] | None, loaded: LoadResult, report: BuildReport, prune: bool,
          remove: frozenset[str] = frozenset(), differs: Callable[[int, SourceDocument], bool] | None = None) -> _Plan:
    """Which stored documents stay, which incoming ones are embedded, and which kept ones get new metadata.

    Args:
        old: The stored documents in index order (anything with ``id``, ``sha256`` and ``source``), ``None``: none.
        loaded: What was loaded this time.
        report: Filled with the outcome per id.
        prune: Remove documents whose files are gone from the given roots.
        remove: Ids to delete.
        differs: Whether the stored document at a position differs from an incoming one with the same text
            (default: ``!=`` on the stored :class:`SourceDocument`).
    """
    differs = differs or (lambda position, incoming: incoming != old[position])  # type: ignore[index]
    new_by_id = {doc.id: doc for doc in _distinct_ids(old, loaded.documents)}
    # Files that exist but (partly) failed to load: "not loaded" must not read as "deleted".
    failed = {s.file for s in loaded.skipped if s.file is not None}
    kept_of: dict[str, int] = {}
    keep: list[int] = []
    refresh: dict[int, SourceDocument] = {}
    if old is not None:
        for position, doc in enumerate(old):
            if doc.id in remove and doc.id not in new_by_id:
                report.removed.append(doc.id)
                continue
            incoming = new_by_id.get(doc.id)
            if incoming is not None:
                if incoming.sha256 == doc.sha256:
                    keep.append(position)
                    report.unchanged.append(doc.id)
                    new_by_id.pop(doc.id)
                    if differs(position, incoming):  # same text, new title, date or outlet: no re-embedding
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


def _distinct_ids(old: Sequence[Any] | None, documents: list[SourceDocument]) -> list[SourceDocument]:
    """Rename incoming documents whose id is taken by another source, so nothing is overwritten.

    An indexed document never changes id: the loader breaks a clash between
    two files of one name (``council.txt`` and a new ``council.md``) by file
    order alone, so a file that gave one document before and gives one now
    gets its old id back here, and the newcomer is the one renamed.
    """
    if old is None:
        return documents
    source_of = {doc.id: doc.source for doc in old}
    old_ids: dict[str, list[str]] = {}
    for doc in old:
        old_ids.setdefault(doc.source, []).append(doc.id)
    per_source: dict[str, int] = {}
    for doc in documents:
        per_source[doc.source] = per_source.get(doc.source, 0) + 1
    out = []
    for doc in documents:
        before = old_ids.get(doc.source, [])
        # Only a suffixed form of its old id (the loader's "-<hash>" or "-2"), never an id the file itself chose anew.
        if len(before) == 1 and per_source[doc.source] == 1 and doc.id.startswith(before[0] + "-"):
            doc = replace(doc, id=before[0])
        taken_by = source_of.get(doc.id)
        if taken_by is not None and taken_by != doc.source:
            doc = replace(doc, id=f"{doc.id}-{hashlib.sha1(doc.source.encode()).hexdigest()[:6]}")
        out.append(doc)
    return out


def _source_exists(source: str) -> bool:
    return not source.startswith("/") or Path(source).exists()


def _assemble(
    old: IndexData | None,
    plan: _Plan,
    embeddings: Embeddings,
    chunker: TokenChunker,
    report: BuildReport,
    progress: bool,
    layout: Layout,
) -> Parts:
    documents: list[SourceDocument] = []
    chunk_rows: list[np.ndarray] = []
    sentence_rows: list[np.ndarray] = []
    n_sentences = 0
    kept_chunks = kept_sentences = np.zeros(0, dtype=np.int64)  # old row positions of the kept documents' rows
    if old is not None and plan.keep:
        # One pass over the row tables for all kept documents, not one scan of every row per document.
        keep = np.asarray(plan.keep, dtype=np.int64)
        documents.extend(plan.refresh.get(old_i, old.documents[old_i]) for old_i in plan.keep)
        kept_chunks, chunk_counts, _ = kept_rows(old.chunk_rows[:, 0], len(old.documents), keep)
        kept_sentences, sentence_counts, first_sentence = kept_rows(old.sentence_rows[:, 0], len(old.documents), keep)
        new_positions = np.arange(len(keep), dtype=np.int64)
        # A chunk's sentence range moves by where its document's sentences now begin minus where they began.
        shift = np.cumsum(sentence_counts) - sentence_counts - first_sentence
        rows = old.chunk_rows[kept_chunks]
        rows[:, 0] = np.repeat(new_positions, chunk_counts)
        rows[:, 3:5] += np.repeat(shift, chunk_counts)[:, None]
        s_rows = old.sentence_rows[kept_sentences]
        s_rows[:, 0] = np.repeat(new_positions, sentence_counts)
        chunk_rows.append(rows)
        sentence_rows.append(s_rows)
        n_sentences = len(s_rows)
    new = _chunk_and_embed(plan.embed, len(documents), n_sentences, embeddings, chunker, report, progress, layout)
    documents.extend(plan.embed)
    chunk_rows.extend(new.chunk_rows)
    sentence_rows.extend(new.sentence_rows)
    new_chunk_vectors, new_sentence_vectors = new.chunk_vectors, new.sentence_vectors
    probe = [old.chunk_vectors[kept_chunks[:1]]] if old is not None and len(kept_chunks) else []
    dim = _dimension(embeddings, probe + ([new_chunk_vectors] if new_chunk_vectors is not None else []))
    sigs = _signatures(old, plan, documents)
    return _parts(
        documents, chunk_rows, sentence_rows,
        _vectors(old.chunk_vectors if old is not None else None, kept_chunks, new_chunk_vectors, dim, np.float32),
        # Float16, as stored: a kept row is copied as it is on disk, not widened to float32 and narrowed back.
        _vectors(old.sentence_vectors if old is not None else None, kept_sentences, new_sentence_vectors, dim, np.float16),
        sigs,
        np.asarray(copy_groups(None, [d.published for d in documents], sigs), dtype=np.int32),
    )


@dataclass
class NewRows:
    """New documents chunked and embedded: their row tables (numbered from where the caller's tables end) and vectors.

    Attributes:
        chunk_rows / sentence_rows: One ``(n, 6)`` / ``(m, 3)`` int32 table per document, documents numbered
            from ``first_document`` and sentence rows from ``first_sentence``.
        chunk_vectors: Float32 unit vectors, one per chunk (``None``: no chunks).
        sentence_vectors: Float32 unit vectors, one per sentence (``None``: no chunks).
    """

    chunk_rows: list[np.ndarray]
    sentence_rows: list[np.ndarray]
    chunk_vectors: np.ndarray | None
    sentence_vectors: np.ndarray | None


def _chunk_and_embed(
    docs: list[SourceDocument],
    first_document: int,
    first_sentence: int,
    embeddings: Embeddings,
    chunker: TokenChunker,
    report: BuildReport,
    progress: bool,
    layout: Layout,
) -> NewRows:
    """Chunk ``docs`` and embed their chunks and sentences (numbered after the caller's rows; counted in ``report``)."""
    chunk_rows: list[np.ndarray] = []
    sentence_rows: list[np.ndarray] = []
    n_sentences = first_sentence
    new_chunk_texts: list[str] = []
    new_chunk_spans: list[list[tuple[int, int]]] = []  # sentence spans relative to each chunk
    new_chunk_sentences: list[list[int]] = []  # their positions among the new sentences
    new_unit_texts: list[str] = []  # what is embedded for the new sentences: each alone, or short ones in groups
    new_unit_of: list[int] = []  # each new sentence's unit
    docs_iter: Any = docs
    if progress and docs:
        from tqdm.auto import tqdm

        docs_iter = tqdm(docs, desc="chunking", unit="doc", leave=False, disable=None)
    for offset, doc in enumerate(docs_iter):
        doc_i = first_document + offset
        chunks = chunker.split(doc)
        sentences = list(dict.fromkeys(s for chunk in chunks for s in chunk.sentences))  # in order, once each
        first_new = len(new_unit_of)
        position = {(s.start, s.end): i for i, s in enumerate(sentences)}
        sentence_rows.append(np.array([[doc_i, s.start, s.end] for s in sentences], dtype=np.int32).reshape(-1, 3))
        for first, end in embedding_units(len(doc.text), [(s.start, s.end) for s in sentences]):
            new_unit_of.extend([len(new_unit_texts)] * (end - first))
            new_unit_texts.append(doc.text[sentences[first].start : sentences[end - 1].end])
        rows = []
        for chunk in chunks:
            s0 = position[(chunk.sentences[0].start, chunk.sentences[0].end)]
            rows.append([doc_i, chunk.start, chunk.end, n_sentences + s0, n_sentences + s0 + len(chunk.sentences), chunk.n_tokens])
            new_chunk_texts.append(chunk.text)
            new_chunk_spans.append([(s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences])
            new_chunk_sentences.append([first_new + s0 + k for k in range(len(chunk.sentences))])
        chunk_rows.append(np.array(rows, dtype=np.int32).reshape(-1, 6))
        n_sentences += len(sentences)
    new_chunk_vectors: np.ndarray | None = None
    new_sentence_vectors: np.ndarray | None = None
    if new_chunk_texts:
        new_chunk_vectors, new_sentence_vectors, separately = _embed_chunks_and_sentences(
            embeddings, new_chunk_texts, new_chunk_spans, new_chunk_sentences, new_unit_texts, new_unit_of, progress,
            contextual=layout.sentence_vectors == "contextual", pooled=layout.chunk_vectors == "pooled",
        )
        report.embedded_sentences = separately
    report.embedded_chunks = len(new_chunk_texts)
    return NewRows(chunk_rows, sentence_rows, new_chunk_vectors, new_sentence_vectors)


def _vectors(
    stored: np.ndarray | None, rows: np.ndarray, new: np.ndarray | None, dim: int, dtype: type[np.floating[Any]],
    block: int = 8192,
) -> np.ndarray:
    """The kept ``rows`` of ``stored`` followed by the ``new`` vectors, as one ``dtype`` array.

    Filled in place, block by block, so the memory-mapped table is never
    copied whole into a temporary and the result is the only full copy.
    """
    n_new = 0 if new is None else len(new)
    out = np.empty((len(rows) + n_new, dim), dtype=dtype)
    for lo in range(0, len(rows), block):
        hi = min(lo + block, len(rows))
        out[lo:hi] = stored[rows[lo:hi]]  # type: ignore[index]
    if new is not None:
        out[len(rows) :] = new  # the same float32 to float16 rounding the store's writer does
    return out


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
    unit_texts: list[str],
    unit_of: list[int],
    progress: bool,
    *,
    contextual: bool,
    pooled: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Chunk vectors, sentence vectors, and how many texts needed a pass of their own.

    A sentence embedded on its own is embedded as its unit (``unit_texts[unit_of[i]]``,
    :func:`embedding_units`): itself, or the group of short sentences it is in,
    whose vector each of them gets. ``pooled``: units are embedded and a
    chunk's vector is the normalized mean of its sentences' (one pass).
    ``contextual`` (MiniLM): a sentence's vector is pooled from the first
    chunk that holds it whole (one pass); other models, and sentences cut off
    by the model's length limit, are embedded as their units. Otherwise both
    are embedded.
    """
    if pooled:
        unit_vectors = embed_array(embeddings, unit_texts, progress=progress)
        sentence_vectors = unit_vectors[np.asarray(unit_of, dtype=np.int64)]
        chunk_vectors = np.stack([sentence_vectors[positions].mean(0) for positions in chunk_sentences])
        chunk_vectors /= np.maximum(np.linalg.norm(chunk_vectors, axis=1, keepdims=True), 1e-12)
        return chunk_vectors.astype(np.float32), sentence_vectors, len(unit_texts)
    if contextual and isinstance(embeddings, MiniLMEmbeddings):
        chunk_vectors, span_vectors = embeddings.encode_with_spans(chunk_texts, chunk_spans, progress=progress)
        found: list[np.ndarray | None] = [None] * len(unit_of)
        for positions, vectors in zip(chunk_sentences, span_vectors):
            for position, vector in zip(positions, vectors):
                if found[position] is None and vector is not None:
                    found[position] = vector
        missing = [i for i, vector in enumerate(found) if vector is None]
    else:
        chunk_vectors = embed_array(embeddings, chunk_texts, progress=progress)
        found = [None] * len(unit_of)
        missing = list(range(len(unit_of)))
    needed = list(dict.fromkeys(unit_of[i] for i in missing))  # each unit once, however many of its sentences
    if needed:
        vector_of = dict(zip(needed, embed_array(embeddings, [unit_texts[u] for u in needed], progress=progress)))
        for i in missing:
            found[i] = vector_of[unit_of[i]]
    dim = chunk_vectors.shape[1]
    sentence_vectors = np.stack(found) if found else np.zeros((0, dim), np.float32)  # type: ignore[arg-type]
    return chunk_vectors, sentence_vectors.astype(np.float32), len(needed)


SHORT_SENTENCES = 64  # a document whose sentences average fewer characters is embedded in groups of sentences
UNIT_CHARS = 128  # the fewest characters of such a group: about a news sentence, which costs about as much to embed


def embedding_units(text_chars: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Which of a document's sentences are embedded together, as ``(first, end)`` ranges of positions in ``spans``.

    A forward pass costs about the same for two words as for a news
    sentence, so a text of two-word sentences would cost ten times as much
    per byte to index. A document whose sentences average at least
    :data:`SHORT_SENTENCES` characters (news: 80 to 150) has each embedded
    alone; otherwise runs of consecutive sentences of at least
    :data:`UNIT_CHARS` characters are embedded together, and each sentence
    gets its group's vector. Quotes and offsets are still whole sentences;
    only what a sentence's similarity is measured on widens. So any text
    embeds at most one unit per :data:`SHORT_SENTENCES` characters, plus one
    per document.

    Args:
        text_chars: The document's length in characters.
        spans: Its sentences' ``(start, end)`` offsets, in order.

    Example:
        >>> embedding_units(300, [(0, 120), (121, 300)])  # news-like: each alone
        [(0, 1), (1, 2)]
        >>> spans = [(i * 10, i * 10 + 9) for i in range(30)]  # thirty two-word sentences
        >>> embedding_units(300, spans)
        [(0, 13), (13, 26), (26, 30)]
    """
    if len(spans) * SHORT_SENTENCES <= text_chars:
        return [(i, i + 1) for i in range(len(spans))]
    units: list[tuple[int, int]] = []
    first = 0
    for i, (_, end) in enumerate(spans):
        if end - spans[first][0] >= UNIT_CHARS or i == len(spans) - 1:
            units.append((first, i + 1))
            first = i + 1
    return units


def _dimension(embeddings: Embeddings, parts: list[np.ndarray]) -> int:
    for part in parts:
        if part.ndim == 2 and part.shape[0]:
            return int(part.shape[1])
    dim = getattr(embeddings, "dimension", None)
    return int(dim) if dim else len(embeddings.embed_query("dimension probe"))
