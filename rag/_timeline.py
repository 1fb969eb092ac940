"""Cited timelines: the dated events of the articles a query retrieves, in order.

Each sentence of the retrieved passages that is about the query (its
evidence score, :mod:`rag._evidence`, within ``relevance`` of the best) and
is a statement (:mod:`rag._quotable`) becomes an event for every date it
mentions (:func:`rag._dates.dates_in`; a wire dateline's date is the
publication date, not an event, and is left out): a full date written out
(``explicit``), a day and month whose year comes from the publication date
(``partial``), or a relative date resolved against it (``relative``). The
most relevant sentence of a dated article that mentions no date becomes an
event on its publication date (``published``). Every event cites its
sentence with exact offsets.

Trade-offs: an event is a sentence, not an extracted fact, so one sentence
with two dates gives two events quoting the same words. Dates are as
precise as the text: "in early July" is the month ``2021-07`` and sorts
before that month's days.

Example:
    >>> timeline = assistant.timeline("Zapad/Interaction 2021 drill")  # doctest: +SKIP
    >>> [(e.date, e.how) for e in timeline.events]  # doctest: +SKIP
    [('2021-07', 'partial'), ('2021-07-08', 'partial'), ...]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ._citations import cite
from ._dates import dateline_end, dates_in
from ._index import IndexData
from ._quotable import quotable
from ._scoring import score_sentences
from ._types import Citation, Passage, TimeScope

__all__ = ["Timeline", "TimelineEvent", "build_timeline"]


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event.

    Attributes:
        date: ``YYYY-MM-DD``, or ``YYYY-MM``/``YYYY`` when the text is no more precise.
        how: ``explicit``, ``partial``, ``relative`` or ``published`` (see the module docstring).
        phrase: The words that gave the date ("last Thursday"); ``None`` for ``published``.
        citation: The sentence, with its article's outlet and date.
    """

    date: str
    how: str
    phrase: str | None
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "how": self.how, "phrase": self.phrase, "citation": self.citation.to_dict()}


@dataclass(frozen=True)
class Timeline:
    """The events of a query, oldest first."""

    query: str
    events: tuple[TimelineEvent, ...]
    time_scope: TimeScope | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "time_scope": self.time_scope.to_dict() if self.time_scope else None,
            "events": [e.to_dict() for e in self.events],
        }


def build_timeline(
    query: str,
    passages: list[Passage],
    index: IndexData,
    query_vector: np.ndarray,
    *,
    relevance: float = 0.6,
    max_events: int = 30,
) -> Timeline:
    """The timeline of ``query`` from its retrieved ``passages``.

    Args:
        relevance: A sentence is about the query when its evidence score is
            at least this share of the best sentence's.
        max_events: Most events kept (the most relevant sentences win).
    """
    scored = score_sentences(query, passages, index, query_vector)
    if not scored:
        return Timeline(query, ())
    floor = scored[0].score * relevance
    events: list[tuple[str, int, TimelineEvent]] = []
    dated_docs: set[int] = set()
    for rank, s in enumerate(scored):
        if s.score < floor or len(events) >= max_events:
            break
        doc = index.documents[s.doc_i]
        if not quotable(doc.text, s.start, s.end, doc.title):
            continue
        citation = cite(index, 0, s.doc_i, s.start, s.end, round(s.score, 4))
        opening = dateline_end(citation.quote)  # a dateline's date is the publication date, not an event
        mentioned = [d for d in dates_in(citation.quote, doc.published) if d.start >= opening]
        for found in mentioned:
            events.append((found.iso, rank, TimelineEvent(found.iso, found.how, found.phrase, citation)))
        if not mentioned and doc.published and s.doc_i not in dated_docs:
            dated_docs.add(s.doc_i)
            events.append((doc.published, rank, TimelineEvent(doc.published, "published", None, citation)))
    events.sort(key=lambda e: (e[0], e[1]))
    numbered = tuple(replace(e, citation=replace(e.citation, n=n)) for n, (_, _, e) in enumerate(events, start=1))
    return Timeline(query, numbered)
