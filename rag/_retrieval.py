"""Hybrid retrieval: dense search plus BM25, fused by reciprocal rank, then reranked.

Trade-offs: reciprocal-rank fusion (RRF, ``1 / (k + rank)`` summed over the
lists) needs no score calibration between cosine and BM25, which live on
different scales; it ignores how far apart scores are, which matters little
once both lists agree on the head. Overlapping chunks of one document are
merged into one passage, and a chunk whose text repeats one already taken
(a syndicated copy) is dropped, so ``top_k`` passages are ``top_k``
different pieces of evidence. Syndicated copies (:mod:`rag._syndication`)
are searched once: only the group's first member that the date filter
allows (the canonical one, else the earliest allowed) is searched, so
copies never take the slots of other articles. A :class:`DateRange` keeps
only articles published in it. Both rules reach the store as data (a
:class:`rag._search.ChunkFilter`) through its two searches
(:class:`rag._search.ChunkSearch`): the local store masks FAISS and BM25
results, the database store filters in SQL. Hybrid mode then reranks the top
``rerank_depth`` passages by their best sentence's evidence score, from the
stored sentence vectors: a factual question is usually answered by one
sentence, which a chunk-level score dilutes. ``dense`` and ``bm25`` modes
are left pure, for ablations.

Example:
    >>> searcher = HybridSearcher(index_data, embeddings)  # doctest: +SKIP
    >>> [p.doc_id for p in searcher.search("how many troops?", top_k=3)]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ._dates import DateRange
from ._embedding import embed_array
from ._evidence import QuestionTerms, sentence_evidence
from ._exceptions import ConfigError
from ._index import IndexData
from ._query import validate_question
from ._search import UNKNOWN_DAY, ChunkFilter, ChunkSearch, allowed_documents
from ._text import bm25_terms
from ._types import Passage, SourceDocument

__all__ = ["MODES", "HybridSearcher", "PassageRetriever", "chunk_filter", "passage_document", "rrf_fuse"]

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[str, ...] = ("hybrid", "dense", "bm25")


def rrf_fuse(rankings: list[list[int]], k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked id lists by reciprocal rank.

    Args:
        rankings: Each list holds ids, best first.
        k: The RRF constant; larger flattens the head's advantage.

    Returns:
        ``(id, score)`` pairs, best first; ties keep first-seen order.

    Example:
        >>> [i for i, _ in rrf_fuse([[1, 2, 3], [3, 1]])]
        [1, 3, 2]
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


@dataclass
class _Span:
    doc_i: int
    start: int
    end: int
    score: float
    rows: list[int]


class HybridSearcher:
    """Searches one loaded index, returning merged :class:`Passage` objects.

    Args:
        index: The loaded index.
        embeddings: The model the index was built with (for the query).
        mode: ``"hybrid"`` (default), ``"dense"`` or ``"bm25"``.
        candidates: How many hits each list contributes before fusion.
        rrf_k: The RRF constant.
        rerank_depth: Hybrid mode reranks this many fused passages by their
            best sentence's evidence score (:mod:`rag._evidence`).
    """

    def __init__(
        self,
        index: IndexData,
        embeddings: Embeddings,
        *,
        mode: str = "hybrid",
        candidates: int = 50,
        rrf_k: int = 60,
        rerank_depth: int = 20,
    ):
        if mode not in MODES:
            raise ConfigError(f"unknown retrieval mode {mode!r}: use one of {', '.join(MODES)}")
        self.index = index
        self.embeddings = embeddings
        self.mode = mode
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.rerank_depth = rerank_depth
        if index.search is None:
            raise ConfigError("the index was opened without its store's searches (open it with rag.stores.open_index)")
        self._search: ChunkSearch = index.search

    def allowed_documents(self, dates: DateRange | None) -> np.ndarray:
        """Per document, whether a search with ``dates`` sees it (in range, and its copy group's representative)."""
        index = self.index
        return allowed_documents(index.published_days(), index.copy_groups().values(), chunk_filter(dates))

    def keeps_undated(self, dates: DateRange | None) -> bool:
        """Whether a search with ``dates`` still sees some article of unknown date."""
        return bool((self.allowed_documents(dates) & (self.index.published_days() == UNKNOWN_DAY)).any())

    def embed_query(self, question: str) -> np.ndarray:
        """The question's unit vector."""
        return embed_array(self.embeddings, [question], query=True)[0]

    def search(
        self, question: str, top_k: int = 5, query_vector: np.ndarray | None = None, dates: DateRange | None = None
    ) -> list[Passage]:
        """Retrieve up to ``top_k`` passages for ``question``.

        Args:
            question: The (standalone) question.
            top_k: Passages to return.
            query_vector: The question's vector, if already computed.
            dates: Keep only articles published in this range.
        """
        index = self.index
        if index.n_chunks == 0 or top_k <= 0:
            return []
        where = chunk_filter(dates)
        if where.bounded and not self.allowed_documents(dates).any():
            return []
        n = min(max(self.candidates, top_k * 4), index.n_chunks)
        dense_rows: list[int] = []
        lexical: dict[int, float] = {}
        if self.mode in ("hybrid", "dense"):
            vector = self.embed_query(question) if query_vector is None else query_vector
            dense_rows = [hit.row for hit in self._search.dense_search(vector, n, where)]
        if self.mode in ("hybrid", "bm25"):
            lexical = {hit.row: hit.score for hit in self._search.lexical_search(bm25_terms(question), n, where)}
        if self.mode == "dense":
            fused = [(row, 0.0) for row in dense_rows]
        elif self.mode == "bm25":
            fused = sorted(lexical.items(), key=lambda pair: -pair[1])
        else:
            fused = rrf_fuse([dense_rows, list(lexical)], self.rrf_k)
        if query_vector is None and self.mode != "bm25":
            query_vector = self.embed_query(question)
        if self.mode == "hybrid" and query_vector is not None:
            spans = self._rerank(question, self._merge(fused, max(top_k, self.rerank_depth)), query_vector)[:top_k]
        else:
            spans = self._merge(fused, top_k)
        similarity: dict[int, float] = {}
        if query_vector is not None and spans:  # one lookup for every passage's chunks (one round trip for a database)
            rows = sorted({row for span in spans for row in span.rows})
            similarity = dict(zip(rows, (np.asarray(index.chunk_vectors[rows], dtype=np.float32) @ query_vector).tolist()))
        return [self._passage(rank, span, similarity, lexical) for rank, span in enumerate(spans, start=1)]

    def _rerank(self, question: str, spans: list[_Span], query_vector: np.ndarray) -> list[_Span]:
        """Order fused candidates by their best sentence's evidence score (ties keep fused order)."""
        index = self.index
        terms = QuestionTerms.of(question, index)
        rows_of = [list(index.sentences_in(s.doc_i, s.start, s.end)) for s in spans]
        evidence = sentence_evidence([r for rows in rows_of for r in rows], terms, query_vector, index)
        best: list[float] = []
        cursor = 0
        for rows in rows_of:
            scores = [e.score for e in evidence[cursor : cursor + len(rows)]]
            cursor += len(rows)
            best.append(max(scores, default=0.0))
        order = sorted(range(len(spans)), key=lambda i: (-best[i], i))
        for i in order:
            spans[i].score = best[i]
        return [spans[i] for i in order]

    def _merge(self, fused: list[tuple[int, float]], top_k: int) -> list[_Span]:
        index = self.index
        spans: list[_Span] = []
        seen_texts: set[str] = set()
        for row, score in fused:
            doc_i, start, end = (int(v) for v in index.chunk_rows[row, :3])
            text = index.chunk_text(row)
            if text in seen_texts:
                continue
            seen_texts.add(text)
            for span in spans:
                if span.doc_i == doc_i and start < span.end and end > span.start:
                    span.start, span.end = min(span.start, start), max(span.end, end)
                    span.rows.append(row)
                    break
            else:
                if len(spans) >= top_k:
                    continue
                spans.append(_Span(doc_i, start, end, score, [row]))
        return spans

    def _passage(self, rank: int, span: _Span, similarity: dict[int, float], lexical: dict[int, float]) -> Passage:
        index = self.index
        doc = index.documents[span.doc_i]
        dense_score = max(similarity[row] for row in span.rows) if similarity else None
        lexical_scores = [lexical[row] for row in span.rows if row in lexical]
        chunk_ids = tuple(index.chunk_id(row) for row in span.rows)
        score = (dense_score or 0.0) if self.mode == "dense" else span.score
        return Passage(
            rank=rank,
            doc_id=doc.id,
            title=doc.title,
            source=doc.source,
            start=span.start,
            end=span.end,
            text=doc.text[span.start : span.end],
            score=float(score),
            dense_score=dense_score,
            lexical_score=max(lexical_scores) if lexical_scores else None,
            chunk_ids=chunk_ids,
        )


def chunk_filter(dates: DateRange | None) -> ChunkFilter:
    """The store-side filter of a question's date range (the copy-group rule always applies).

    Example:
        >>> from datetime import date
        >>> chunk_filter(DateRange(since=date(2021, 8, 1))).since == date(2021, 8, 1).toordinal()
        True
    """
    if dates is None or not dates.bounded:
        return ChunkFilter()
    return ChunkFilter.between(dates.since, dates.last, include_undated=dates.include_undated)


class PassageRetriever(BaseRetriever):
    """LangChain retriever over a :class:`HybridSearcher`.

    Each ``Document`` holds a passage's text (``document.text[start:end]``
    of its article). Its ``id`` is the passage's chunk id (``doc#ordinal``,
    stable while the article is unchanged; ``doc#2+doc#3`` when neighbouring
    chunks were merged into one passage). Its metadata holds the article's
    ``doc_id``, ``title``, ``source`` (the file name, never an absolute
    path), ``outlet`` and ``published`` (ISO date, ``None`` when unknown),
    ``author`` and ``url`` when known, and the passage's ``start``/``end``
    offsets, ``rank``, ``score``, ``dense_score``, ``lexical_score`` and
    ``chunk_ids``.

    Args:
        searcher: The searcher, or a callable returning the current one on
            each call (what :meth:`rag.Assistant.as_retriever` passes, so the
            retriever follows the assistant's index across updates).
        top_k: Passages per query.
        dates: Only articles published in this range (see
            :func:`rag._query.date_range`); the filter reaches the store as
            a :class:`rag._search.ChunkFilter`, as a question's does.

    Example:
        >>> retriever = PassageRetriever(searcher=searcher, top_k=4)  # doctest: +SKIP
        >>> retriever.invoke("why Tajikistan?")[0].metadata["doc_id"]  # doctest: +SKIP
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: HybridSearcher | Callable[[], HybridSearcher]
    top_k: int = 5
    dates: DateRange | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        searcher = self.searcher if isinstance(self.searcher, HybridSearcher) else self.searcher()
        # The index the passages came from, so a concurrent update never mixes two snapshots.
        index = searcher.index
        passages = searcher.search(validate_question(query), self.top_k, dates=self.dates)
        return [passage_document(p, index.documents[index.doc_index[p.doc_id]]) for p in passages]


def passage_document(passage: Passage, doc: SourceDocument) -> Document:
    """The LangChain ``Document`` of a passage of ``doc`` (see :class:`PassageRetriever`).

    Example:
        >>> doc = SourceDocument(id="a", title="A", source="/srv/news/a.txt", text="Hi there.", sha256="x")
        >>> d = passage_document(Passage(1, "a", "A", doc.source, 0, 3, "Hi ", 0.5, chunk_ids=("a#0",)), doc)
        >>> d.id, d.metadata["source"], d.metadata["published"], "author" in d.metadata
        ('a#0', 'a.txt', None, False)
    """
    chunk_ids = sorted(passage.chunk_ids, key=_ordinal)  # in document order, so the id does not depend on hit order
    metadata: dict[str, object] = {
        "doc_id": doc.id, "title": doc.title, "source": doc.source_name, "outlet": doc.outlet,
        "published": doc.published, "start": passage.start, "end": passage.end, "rank": passage.rank,
        "score": passage.score, "dense_score": passage.dense_score, "lexical_score": passage.lexical_score,
        "chunk_ids": chunk_ids,
    }
    # Absent rather than None: most articles name no author or URL, and a key that is there means one is known.
    metadata.update({k: v for k, v in (("author", doc.author), ("url", doc.url)) if v})
    return Document(page_content=passage.text, metadata=metadata, id="+".join(chunk_ids) or None)


def _ordinal(chunk_id: str) -> int:
    """The position of ``doc#ordinal`` in its document."""
    return int(chunk_id.rpartition("#")[2])
