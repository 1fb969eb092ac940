"""The search seam: which chunks a search may return, as data, and the two searches every store answers.

Retrieval (:mod:`rag._retrieval`) never hands a store a list of allowed
rows. It describes them with a :class:`ChunkFilter` (a publication day
range, whether articles of unknown date count, and the copy-group rule)
and asks the store's :class:`ChunkSearch` for the best ``k``
:class:`Hit` objects. The local store applies the filter as a numpy mask
over its FAISS and BM25 results; the PostgreSQL store as SQL predicates
on stored columns, so what a question sends grows with ``k`` and its
terms, never with the archive.

The copy-group rule: syndicated copies (:mod:`rag._syndication`) are
searched once. Among the members of a copy group that the date range
allows, only the first in canonical order (the canonical member, then by
date, then by position: :meth:`rag._index.IndexData.copy_groups`) may be
returned, so copies never take the slots of other articles.

Example:
    >>> from datetime import date
    >>> f = ChunkFilter.between(date(2021, 1, 1), date(2021, 12, 31))
    >>> f.bounded, f.allows_day(day_number("2021-06-01")), f.allows_day(-1)
    (True, True, False)
    >>> ChunkFilter().allows_day(-1)
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["NO_DOCUMENT", "UNKNOWN_DAY", "ChunkFilter", "ChunkSearch", "Hit", "allowed_documents", "day_number"]

UNKNOWN_DAY = -1  # the day number of an article of unknown date
NO_DOCUMENT = -2  # the day number of a position no document holds (a removed one, in the database store): never allowed


def day_number(published: str | None) -> int:
    """An ISO date (or date-time) as a day number (proleptic ordinal), ``-1`` when unknown.

    Example:
        >>> day_number("2021-06-01T10:00:00"), day_number(None)
        (737942, -1)
    """
    if not published:
        return -1
    return date.fromisoformat(published[:10]).toordinal()


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk row of the index and its score (higher is better).

    Example:
        >>> Hit(row=3, score=0.82)
        Hit(row=3, score=0.82)
    """

    row: int
    score: float


@dataclass(frozen=True)
class ChunkFilter:
    """Which chunks a search may return, as data a store can turn into a mask or a SQL predicate.

    Attributes:
        since: First publication day allowed (:func:`day_number`), ``None``: no lower bound.
        until: Last publication day allowed, ``None``: no upper bound.
        include_undated: Whether articles of unknown date pass a bounded range (an unbounded
            filter passes every article).
        one_per_copy_group: Only the first allowed member of each copy group, in canonical order.

    Example:
        >>> ChunkFilter(since=737942).bounded, ChunkFilter().bounded
        (True, False)
    """

    since: int | None = None
    until: int | None = None
    include_undated: bool = False
    one_per_copy_group: bool = True

    @classmethod
    def between(cls, since: date | None, until: date | None, *, include_undated: bool = False) -> ChunkFilter:
        """A filter for the dates ``since`` to ``until`` (both included; ``None``: open)."""
        return cls(since.toordinal() if since else None, until.toordinal() if until else None, include_undated)

    @property
    def bounded(self) -> bool:
        """Whether the date range excludes anything."""
        return self.since is not None or self.until is not None

    def allows_day(self, day: int) -> bool:
        """Whether the date range allows an article published on ``day`` (``-1``: unknown)."""
        if not self.bounded:
            return True
        if day < 0:
            return self.include_undated
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def allowed_documents(days: np.ndarray, groups: Iterable[Sequence[int]], where: ChunkFilter) -> np.ndarray:
    """Per document, whether a search under ``where`` may return it (vectorised over the documents).

    Args:
        days: Per document position, its publication day number (``-1``: unknown, :data:`NO_DOCUMENT`: no
            document there, never allowed).
        groups: The copy groups with more than one member, each in canonical order.
        where: The filter.

    Example:
        >>> allowed_documents(np.array([5, 7, -1]), [[1, 0]], ChunkFilter(since=6)).tolist()
        [False, True, False]
        >>> allowed_documents(np.array([5, 7, -1]), [[1, 0]], ChunkFilter()).tolist()
        [False, True, True]
        >>> allowed_documents(np.array([5, NO_DOCUMENT, -1]), [], ChunkFilter(include_undated=True, since=1)).tolist()
        [True, False, True]
    """
    n = len(days)
    if not where.bounded:
        ok = np.ones(n, dtype=bool)
    else:
        known = days >= 0
        ok = days == UNKNOWN_DAY if where.include_undated else np.zeros(n, dtype=bool)
        lo = where.since if where.since is not None else -1
        hi = where.until if where.until is not None else np.iinfo(np.int64).max
        ok |= known & (days >= lo) & (days <= hi)
    ok &= days != NO_DOCUMENT
    if where.one_per_copy_group:
        for members in groups:  # members in canonical order: the first allowed one stands for all
            allowed = [m for m in members if ok[m]]
            for m in allowed[1:]:
                ok[m] = False
    return ok


@runtime_checkable
class ChunkSearch(Protocol):
    """The two searches of an index's chunks, both honouring a :class:`ChunkFilter`.

    Each returns at most ``k`` hits, best first, equal scores by chunk row (so both stores order ties alike).
    """

    def dense_search(self, vector: np.ndarray, k: int, where: ChunkFilter) -> list[Hit]:
        """Chunks nearest ``vector`` (a unit vector) by inner product."""
        ...

    def lexical_search(self, terms: Sequence[str], k: int, where: ChunkFilter) -> list[Hit]:
        """Chunks by BM25 over ``terms`` (stemmed, repeats counted; unknown terms ignored); only positive scores."""
        ...
