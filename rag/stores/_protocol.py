"""The seam every store fills: what retrieval and answering read of an index, as typing protocols.

:class:`rag._index.IndexData` is the read model both stores produce. Its
small tables (documents, chunk and sentence spans, term statistics) are
plain values. Its vectors are :class:`VectorTable` objects (numpy arrays
in the local store, database tables in the PostgreSQL store), read by the
rows of the passages a question uses. Its searches are one
:class:`rag._search.ChunkSearch` (``index.search``): ``dense_search`` and
``lexical_search``, each taking the question's filter as data (a
:class:`rag._search.ChunkFilter`) and giving :class:`rag._search.Hit`
objects. The local store answers them with FAISS and BM25 (scored from its
segments' raw term frequencies) under a numpy mask, the PostgreSQL store in SQL with the filter as predicates
(``rag/stores/_pgvector.py``). Retrieval (:mod:`rag._retrieval`) and the
answerer call nothing else, so they are the same code for every store.
:class:`Store` and :class:`Writer` are the write side (``rag._building.open_store``):
fingerprints, a snapshot, upsert / delete / commit.

Example:
    >>> import numpy as np
    >>> isinstance(np.zeros((2, 3), dtype=np.float32), VectorTable)
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["Store", "VectorTable", "Writer"]


@runtime_checkable
class VectorTable(Protocol):
    """Unit vectors addressed by row: ``table[rows]`` is a ``(len(rows), dim)`` array, in the order asked."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, rows: Any) -> np.ndarray: ...

    def __len__(self) -> int: ...


@runtime_checkable
class Writer(Protocol):
    """Staged changes to a store: :meth:`commit` applies them as one new generation (readers see all or none)."""

    def upsert(self, documents: Sequence[Any]) -> None: ...

    def delete(self, doc_ids: Iterable[str]) -> None: ...

    def commit(self) -> Any: ...


@runtime_checkable
class Store(Protocol):
    """A place an index lives (``rag._building.open_store``): what it holds, its live view, and a writer."""

    location: str

    def fingerprints(self) -> dict[str, str]: ...

    def snapshot(self) -> Any: ...

    def writer(self) -> Writer: ...

    def close(self) -> None: ...
