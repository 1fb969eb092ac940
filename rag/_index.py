"""The read model of an index: what retrieval, the answerer and citations read, whatever the store.

:class:`IndexData` holds the documents, the chunk and sentence spans (row
tables), the vectors, the dense and lexical search structures and the term
statistics. The local store (``rag/stores/_local.py``) fills it from a
folder; the PostgreSQL store (``rag/stores/_pgvector.py``) with
database-backed vectors and searches of the same shape
(``rag/stores/_protocol.py``). Builds are ``rag/_ingest.py``.

The tables need only be indexable like numpy arrays and lists: the
PostgreSQL store passes lazy ones that fetch the rows a question reads, and
overrides the few methods that read a whole table here
(:meth:`IndexData.sentence_range`, :meth:`IndexData.first_chunk`,
:meth:`IndexData.published_days`, :meth:`IndexData.copy_groups`).

Example:
    >>> from rag.stores import open_index
    >>> data = open_index("index/default")  # doctest: +SKIP
    >>> data.sentence_text(0)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._search import ChunkSearch, day_number
from ._syndication import count_copies
from ._text import content_terms
from ._types import Chunk, Sentence, SourceDocument

__all__ = ["IndexData"]


@dataclass
class IndexData:
    """A loaded index, read-only in use.

    Attributes:
        manifest: The parsed ``manifest.json``.
        documents: Documents in index order (a list here; a lazy sequence in the database store).
        chunk_rows: ``(n, 6)`` int32: doc, start, end, sentence range, tokens (rows sorted by doc).
        sentence_rows: ``(m, 3)`` int32: doc, start, end (rows sorted by doc).
        chunk_vectors / sentence_vectors: Unit vectors, row-aligned (a
            :class:`rag.stores._protocol.VectorTable`: numpy arrays here,
            database tables in the PostgreSQL store).
        dense: The local store's FAISS index over ``chunk_vectors`` when it has one segment without tombstones
            (``None`` otherwise, its ``search`` merges the segments'; ``None`` in the database store).
        bm25: A format-1 local index's bm25s index over the chunk texts (``None`` for segments, scored from raw
            term frequencies, and in the database store).
        term_df: Chunk document frequency per stemmed term (read with ``.get``).
        signatures: MinHash signature per document (``None`` in old indexes).
        copy_of: Per document, its copy group's canonical position (empty
            or missing in old indexes: every document its own group).
        search: The store's dense and lexical searches, filtered as data
            (:class:`rag._search.ChunkSearch`); set by the store that opened the index.
        doc_index: Document id to position.

    Example:
        >>> import numpy as np
        >>> from rag._types import SourceDocument
        >>> doc = SourceDocument(id="a", title="A", source="a.txt", text="One. Two.", sha256="x")
        >>> data = IndexData(Path("x"), {}, [doc], np.array([[0, 0, 9, 0, 2, 3]], np.int32),
        ...                  np.array([[0, 0, 4], [0, 5, 9]], np.int32), np.zeros((1, 2)), np.zeros((2, 2)), None, None, {})
        >>> data.chunk_id(0), data.sentence_text(1), data.neighbour(1, -1), data.neighbour(1, 1)
        ('a#0', 'Two.', 0, None)
    """

    path: Path
    manifest: dict[str, Any]
    documents: Sequence[SourceDocument]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    dense: Any
    bm25: Any
    term_df: Mapping[str, int]
    signatures: np.ndarray | None = None
    copy_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    search: ChunkSearch | None = None
    doc_index: Mapping[str, int] = field(init=False)

    _doc_sentences: np.ndarray = field(init=False, repr=False)
    _groups: dict[int, list[int]] | None = field(init=False, repr=False, default=None)
    _days: np.ndarray | None = field(init=False, repr=False, default=None)
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
        if len(self.copy_of) != len(self.documents):
            self.copy_of = np.arange(len(self.documents), dtype=np.int32)
        bounds = np.arange(len(self.documents) + 1)
        self._doc_sentences = np.searchsorted(self.sentence_rows[:, 0], bounds, side="left")

    def canonical(self, doc_i: int) -> int:
        """The position of the canonical member of document ``doc_i``'s copy group (``doc_i`` when it has no copies)."""
        return int(self.copy_of[doc_i])

    def copy_groups(self) -> dict[int, list[int]]:
        """The copy groups with more than one member, by canonical position, each canonical first, then by date.

        Computed once per loaded index: citations and searches ask for them often.
        """
        if self._groups is None:
            members: dict[int, list[int]] = {}
            for i, canonical in enumerate(self.copy_of.tolist()):
                members.setdefault(int(canonical), []).append(i)
            self._groups = {
                c: sorted(group, key=lambda i, c=c: (i != c, self.documents[i].published or "9999", i))
                for c, group in members.items() if len(group) > 1
            }
        return self._groups

    def fingerprints(self) -> dict[str, str]:
        """Each document's id and content hash (what a build compares to decide what to embed)."""
        return {d.id: d.sha256 for d in self.documents}

    def published_days(self) -> np.ndarray:
        """Per document, its publication day number (:func:`rag._search.day_number`, ``-1``: unknown); computed once."""
        if self._days is None:
            self._days = np.array([day_number(d.published) for d in self.documents], dtype=np.int64)
        return self._days

    def copies(self, doc_i: int) -> list[int]:
        """The other members of document ``doc_i``'s copy group (syndicated copies), canonical first."""
        return [i for i in self.copy_groups().get(self.canonical(doc_i), []) if i != doc_i]

    @property
    def n_copies(self) -> int:
        """Documents grouped as a copy of another."""
        return count_copies(self.copy_of)

    def sentence_range(self, doc_i: int) -> tuple[int, int]:
        """The sentence rows ``[lo, hi)`` of document ``doc_i``."""
        return int(self._doc_sentences[doc_i]), int(self._doc_sentences[doc_i + 1])

    def first_chunk(self, doc_i: int) -> int:
        """The first chunk row of document ``doc_i``."""
        return int(np.searchsorted(self.chunk_rows[:, 0], doc_i, side="left"))

    def neighbour(self, row: int, step: int) -> int | None:
        """The sentence row ``step`` rows from ``row`` (-1: the one before), if it is in the same document."""
        other = row + step
        lo, hi = self.sentence_range(int(self.sentence_rows[row, 0]))  # rows are sorted by document
        return other if lo <= other < hi else None

    def sentences_in(self, doc_i: int, start: int, end: int) -> range:
        """Rows of the sentences of document ``doc_i`` lying inside ``[start, end)``."""
        lo, hi = self.sentence_range(doc_i)
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
        ordinal = row - self.first_chunk(doc_i)
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
