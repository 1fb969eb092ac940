"""The seam every store fills: what retrieval and answering read of an index, as typing protocols.

:class:`rag._index.IndexData` is the read model both stores produce. Its
small tables (documents, chunk and sentence spans, term statistics) are
plain values; its three heavy parts are objects of these protocols, which
the local store fills with numpy arrays, FAISS and bm25s, and the
PostgreSQL store with database-backed objects of the same shape
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

__all__ = ["DenseIndex", "LexicalIndex", "Store", "VectorTable", "Writer"]


@runtime_checkable
class VectorTable(Protocol):
    """Unit vectors addressed by row: ``table[rows]`` is a ``(len(rows), dim)`` array, in the order asked."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, rows: Any) -> np.ndarray: ...

    def __len__(self) -> int: ...


@runtime_checkable
class DenseIndex(Protocol):
    """Nearest chunks by inner product, in FAISS's shape: ``search(x, k)`` gives ``(scores, ids)``, ``-1`` padding."""

    ntotal: int

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...


@runtime_checkable
class LexicalIndex(Protocol):
    """BM25 over chunks, in bm25s' shape: ``retrieve([terms], k=…, weight_mask=…)`` gives ``(ids, scores)``."""

    vocab_dict: dict[str, int]

    def retrieve(self, queries: list[list[str]], *, k: int, weight_mask: np.ndarray | None = None,
                 **options: Any) -> tuple[np.ndarray, np.ndarray]: ...


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
