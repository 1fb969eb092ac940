"""Building an index into a store: ingestion on top, the store underneath.

:func:`build` runs :func:`rag._ingest.build_index` into a folder (the index
itself, or a database's local workspace) and publishes a database's new
generation; :func:`open_store` is the write side of
:mod:`rag.stores._protocol` (``Store``/``Writer``) over the same build.

This sits above both ingestion and :mod:`rag.stores`, so a store never calls
ingestion: ingestion writes through the store, and this module wires the two.

Example:
    >>> store = open_store("index/demo", embeddings=MiniLMEmbeddings(), chunker=TokenChunker())  # doctest: +SKIP
    >>> writer = store.writer(); writer.upsert(docs); writer.commit()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from ._atomic import write_atomic
from ._chunking import TokenChunker
from ._exceptions import IndexCorruptError, IndexNotFoundError
from ._index import IndexData
from ._ingest import BuildReport, build_index, write_copy
from ._loading import LoadResult
from ._onnx import cache_dir
from ._types import SourceDocument
from .stores import (
    check_location,
    current_generation,
    index_size_bytes,
    is_url,
    live_generation,
    open_index,
    publish,
    shown_url,
    size_bytes,
    workspace,
    writer_lock,
)

__all__ = ["IndexStore", "StoreWriter", "build", "materialize", "open_store"]


def materialize(url: str, index_dir: Path) -> bool:
    """Copy the database's live index into ``index_dir`` (a build workspace); ``False`` when it holds none."""
    try:
        source = open_index(url)
    except IndexNotFoundError:
        return False
    write_copy(index_dir, source)
    return True


def build(
    location: str | Path,
    index_dir: Path,
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
    """Build into ``index_dir`` (the folder itself, or a database's workspace) and publish a database's new generation.

    A database whose workspace is missing or behind (another machine
    built it) is copied into it first, so the update starts from what it
    holds; the database's writer lock (:func:`rag.stores.writer_lock`) is
    held from that read to the publish, so two writers on two machines
    take turns and neither drops what the other added.
    """
    url = str(location) if is_url(location) else None
    if url is None:
        return build_index(index_dir, loaded, embeddings=embeddings, chunker=chunker, rebuild=rebuild, prune=prune,
                           progress=progress, sentence_vectors=sentence_vectors, chunk_vectors=chunk_vectors, remove=remove)
    with writer_lock(url):  # one writer at a time, on any machine: none publishes over what it has not read
        live = current_generation(url)
        synced = index_dir / "synced.json"
        recorded = json.loads(synced.read_text("utf-8")).get("generation") if synced.exists() else None
        if live is None:
            # The database holds no index: a workspace left from before (a dropped database, another
            # schema's run) would bring back documents it no longer has.
            shutil.rmtree(index_dir, ignore_errors=True)
        elif recorded != live or not (index_dir / "manifest.json").exists():
            # Another machine published since this workspace did (or there is none): start from the database.
            shutil.rmtree(index_dir, ignore_errors=True)
            materialize(url, index_dir)
        report = build_index(index_dir, loaded, embeddings=embeddings, chunker=chunker, rebuild=rebuild, prune=prune,
                             progress=progress, sentence_vectors=sentence_vectors, chunk_vectors=chunk_vectors,
                             remove=remove)
        built = open_index(index_dir)
        publish(url, built)
        write_atomic(index_dir / "synced.json", json.dumps({"generation": built.manifest["generation"]}))
    report.index_dir = shown_url(url)
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
        report = build(store.location, store.index_dir, LoadResult(documents=list(self._upserts.values())),
                       embeddings=store.embeddings, chunker=store.chunker, prune=False, remove=frozenset(self._deletes),
                       sentence_vectors=store.sentence_vectors, chunk_vectors=store.chunk_vectors)
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
        self.index_dir = workspace(self.location, workspace_root or cache_dir() / "stores") if self._url else Path(location)
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
        """Index ``loaded`` into this store (with ``embeddings`` instead of the store's, e.g. on Ray); see :func:`build`."""
        return build(self._url or self.index_dir, self.index_dir, loaded, embeddings=embeddings or self.embeddings,
                     chunker=self.chunker, rebuild=rebuild, prune=prune, progress=progress,
                     sentence_vectors=self.sentence_vectors, chunk_vectors=self.chunk_vectors)

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
        workspace_root: Where a database's build workspace lives (default: the cache's ``stores`` folder).
    """
    return IndexStore(location, embeddings=embeddings, chunker=chunker, sentence_vectors=sentence_vectors,
                      chunk_vectors=chunk_vectors, workspace_root=workspace_root)
