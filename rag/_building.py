"""Building an index into a store: ingestion on top, the store underneath.

:meth:`IndexStore.run` runs one :class:`rag._ingest.BuildRequest`: into a folder
with :func:`rag._ingest.build_folder`, or, for a database, plans the update
against the stored documents' short columns, embeds only what is new
(:func:`rag._ingest.plan_update`) and applies it in place in one transaction
(:func:`rag.stores.apply_update`): no local copy of the index, no rewrite of
what is unchanged. :func:`open_store` is the write side of
:mod:`rag.stores._protocol` (``Store``/``Writer``) over the
same build.

This sits above both ingestion and :mod:`rag.stores`, so a store never calls
ingestion: ingestion writes through the store, and this module wires the two.

Example:
    >>> store = open_store("index/demo", embeddings=MiniLMEmbeddings(), chunker=TokenChunker())  # doctest: +SKIP
    >>> writer = store.writer(); writer.upsert(docs); writer.commit()  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ._chunking import TokenChunker
from ._embedding import model_name_of
from ._exceptions import IndexCorruptError, IndexNotFoundError
from ._index import IndexData
from ._ingest import BuildReport, BuildRequest, build_folder, plan_update
from ._loading import LoadResult
from ._onnx import cache_dir
from ._types import SourceDocument
from .stores import (
    apply_update,
    catalog,
    check_compatible,
    check_location,
    current_generation,
    document_digest,
    index_size_bytes,
    is_url,
    live_generation,
    open_index,
    shown_url,
    size_bytes,
    writer_lock,
)

__all__ = ["IndexStore", "StoreWriter", "open_store", "state_folder"]


def state_folder(url: str, root: Path) -> Path:
    """The local folder of a database index's polling state (``sources.json``), keyed by the URL (password left out).

    Only ``rag index`` of URLs and feeds writes there; the index itself lives in the database alone.
    """
    key = hashlib.sha256(shown_url(url).encode("utf-8")).hexdigest()[:16]
    return root / f"pg-{key}"


def _update_database(url: str, request: BuildRequest) -> BuildReport:
    """Update a database index in place: plan against its documents' short columns, embed what is new, apply.

    Without pruning (a writer's ``upsert``/``delete``, ``rag watch``, an
    upload) only the stored documents sharing an id or a source with the
    change are read, so an add reads and writes rows in proportion to itself.

    The database's writer lock (:func:`rag.stores.writer_lock`) is held from
    reading what it holds to the commit, so two writers on two machines take
    turns and neither drops what the other added.
    """
    loaded, embeddings, chunker = request.loaded, request.embeddings, request.chunker
    rebuild, prune, progress, remove = request.rebuild, request.prune, request.progress, request.remove
    sentence_vectors, chunk_vectors = request.sentence_vectors, request.chunk_vectors
    import time

    started = time.perf_counter()
    shown = shown_url(url)
    model_name = model_name_of(embeddings)
    with writer_lock(url):  # one writer at a time, on any machine: none commits over what it has not read
        # Without pruning, only stored documents sharing an id or a source with the change can be touched.
        few = not prune and not rebuild
        manifest, stored = catalog(url, rebuild=rebuild, ids=[*(d.id for d in loaded.documents), *remove] if few else None,
                                   sources=[d.source for d in loaded.documents])
        if manifest is not None and not rebuild:
            check_compatible(manifest, shown, model_name, chunker.settings(), sentence_vectors, chunk_vectors)
        planned = None if rebuild else stored
        digests = [entry.digest for entry in stored]
        update = plan_update(planned, loaded, embeddings=embeddings, chunker=chunker, prune=prune, remove=remove,
                             progress=progress, sentence_vectors=sentence_vectors, chunk_vectors=chunk_vectors,
                             differs=lambda place, incoming: document_digest(incoming) != digests[place], index_dir=shown)
        report = update.report
        removed = [entry.pos for entry in stored] if rebuild else [stored[place].pos for place in update.remove]
        if update.changes or removed or rebuild:
            vectors = update.rows.chunk_vectors
            dimension = int(vectors.shape[1]) if vectors is not None and vectors.size else int(
                (manifest or {}).get("dimension") or getattr(embeddings, "dimension", 0) or len(embeddings.embed_query("dimension probe")))
            chunks = [r for r in update.rows.chunk_rows if len(r)]
            sentences = [r for r in update.rows.sentence_rows if len(r)]
            manifest = apply_update(
                url,
                {"embedding_model": model_name, "dimension": dimension, "chunker": chunker.settings(),
                 "sentence_vectors": sentence_vectors, "chunk_vectors": chunk_vectors},
                remove=removed, refresh={stored[place].pos: doc for place, doc in update.refresh.items()},
                documents=update.documents,
                chunk_rows=np.concatenate(chunks) if chunks else None,
                sentence_rows=np.concatenate(sentences) if sentences else None,
                chunk_vectors=vectors, sentence_vectors=update.rows.sentence_vectors, signatures=update.signatures,
                rebuild=rebuild)
    manifest = manifest or {}
    report.n_documents, report.n_chunks = int(manifest.get("n_documents", 0)), int(manifest.get("n_chunks", 0))
    report.n_undated, report.n_copies = int(manifest.get("n_undated", 0)), int(manifest.get("n_copies", 0))
    report.seconds = time.perf_counter() - started
    return report


class StoreWriter:
    """Staged changes to a store, applied together by :meth:`commit` (one new generation, swapped in atomically)."""

    def __init__(self, store: IndexStore):
        self._store = store
        self._upserts: dict[str, SourceDocument] = {}
        self._deletes: set[str] = set()

    def upsert(self, documents: Sequence[SourceDocument]) -> None:
        """Add documents, or replace those with the same id (unchanged text is not embedded again)."""
        for doc in documents:
            self._upserts[doc.id] = doc
            self._deletes.discard(doc.id)

    def delete(self, doc_ids: Iterable[str]) -> None:
        """Remove documents by id (unknown ids are ignored)."""
        for doc_id in doc_ids:
            self._deletes.add(doc_id)
            self._upserts.pop(doc_id, None)

    def commit(self) -> BuildReport:
        """Apply the staged changes; a reader opened before sees the old view until it reopens."""
        store = self._store
        report = store.run(BuildRequest(
            LoadResult(documents=list(self._upserts.values())), embeddings=store.embeddings, chunker=store.chunker,
            prune=False, remove=frozenset(self._deletes), sentence_vectors=store.sentence_vectors,
            chunk_vectors=store.chunk_vectors))
        self._upserts.clear()
        self._deletes.clear()
        return report


class IndexStore:
    """One store, local or PostgreSQL, chosen by its location (``open_store``).

    Example:
        >>> store = open_store("index/demo", embeddings=MiniLMEmbeddings(), chunker=TokenChunker())  # doctest: +SKIP
        >>> writer = store.writer(); writer.upsert(docs); writer.commit()  # doctest: +SKIP
        >>> store.fingerprints()  # doctest: +SKIP
        {'drill': '5f2c…'}
    """

    def __init__(self, location: str | Path, *, embeddings: Embeddings, chunker: TokenChunker,
                 sentence_vectors: str = "separate", chunk_vectors: str = "pooled", workspace_root: Path | None = None):
        check_location(location)  # before anything is created: a mysql:// URL is no folder
        self.location = str(location)
        # The one place that asks "folder or database?": everything below reads these two.
        self._url = self.location if is_url(location) else None
        self.index_dir = state_folder(self.location, workspace_root or cache_dir() / "stores") if self._url else Path(location)
        self.embeddings, self.chunker = embeddings, chunker
        self.sentence_vectors, self.chunk_vectors = sentence_vectors, chunk_vectors

    @property
    def shown(self) -> str:
        """The location for messages: the folder, or the URL with its password masked."""
        return shown_url(self._url) if self._url else str(self.index_dir)

    def exists(self) -> bool:
        """Whether the store holds an index (a folder's manifest; a database's live generation)."""
        return current_generation(self._url) is not None if self._url else (self.index_dir / "manifest.json").exists()

    def generation(self) -> str | None:
        """The live generation's name (``None``: no index); cheap, see :func:`rag.stores.live_generation`."""
        return live_generation(self._url or self.index_dir)

    def open(self, model_name: str | None = None) -> IndexData:
        """The live index; with ``model_name``, checked to be built with that embedding model.

        Raises:
            IndexNotFoundError, IndexCorruptError, IndexMismatchError, StoreError.
        """
        return open_index(self._url or self.index_dir, model_name=model_name)

    def build(
        self,
        loaded: LoadResult,
        *,
        embeddings: Embeddings | None = None,
        rebuild: bool = False,
        prune: bool = True,
        progress: bool = False,
    ) -> BuildReport:
        """Index ``loaded`` into this store (with ``embeddings`` instead of the store's, e.g. on Ray); see :meth:`run`."""
        return self.run(BuildRequest(
            loaded, embeddings=embeddings or self.embeddings, chunker=self.chunker, rebuild=rebuild, prune=prune,
            progress=progress, sentence_vectors=self.sentence_vectors, chunk_vectors=self.chunk_vectors))

    def run(self, request: BuildRequest) -> BuildReport:
        """Run one build: into the folder (:func:`rag._ingest.build_folder`), or in place in the database.

        Every write goes through here: :meth:`build`, and a writer's :meth:`StoreWriter.commit`.
        """
        if self._url:
            return _update_database(self._url, request)
        return build_folder(self.index_dir, request)

    def size_bytes(self) -> int:
        """Bytes the live index takes (on disk, or in the database's tables)."""
        return size_bytes(self._url) if self._url else index_size_bytes(self.index_dir)

    def fingerprints(self) -> dict[str, str]:
        """Each indexed document's id and content hash (empty for a store that holds no index yet)."""
        try:
            return self.open().fingerprints()
        except (IndexNotFoundError, IndexCorruptError):  # a damaged index is rebuilt by the next build
            return {}

    def snapshot(self) -> IndexData:
        """The live index, as one consistent read model."""
        return self.open()

    def writer(self) -> StoreWriter:
        """A writer whose staged changes :meth:`StoreWriter.commit` applies."""
        return StoreWriter(self)

    def close(self) -> None:
        """Nothing to release: snapshots hold their own connections, and a writer none between commits."""


def open_store(
    location: str | Path,
    *,
    embeddings: Embeddings,
    chunker: TokenChunker,
    sentence_vectors: str = "separate",
    chunk_vectors: str = "pooled",
    workspace_root: Path | None = None,
) -> IndexStore:
    """The store at a folder or a ``postgresql://`` URL.

    Args:
        location: An index folder or a ``postgresql://`` URL.
        embeddings: The embedding model builds use.
        chunker: The chunker builds use.
        sentence_vectors / chunk_vectors: The index's vector layout (as in ``Settings``).
        workspace_root: Where a database index's polling state lives (default: the cache's ``stores`` folder).
    """
    return IndexStore(location, embeddings=embeddings, chunker=chunker, sentence_vectors=sentence_vectors,
                      chunk_vectors=chunk_vectors, workspace_root=workspace_root)
