"""Citations: an exact quote with its article's date, outlet, URL, copies and resolved dates.

Both answerers (extractive and LLM) make their :class:`Citation` objects
here, so every ``[n]`` carries the same facts about its source.

Example:
    >>> citation = cite(index, 1, doc_i, start, end, score=0.9)  # doctest: +SKIP
    >>> citation.label()  # doctest: +SKIP
    'Drill begins (Reuters, 2021-08-09)'
"""

from __future__ import annotations

from ._dates import dates_in
from ._index import IndexData
from ._types import Citation, Copy

__all__ = ["cite"]


def cite(index: IndexData, n: int, doc_i: int, start: int, end: int, score: float = 0.0) -> Citation:
    """The :class:`Citation` ``[n]`` of ``document.text[start:end]`` of document position ``doc_i``."""
    doc = index.documents[doc_i]
    quote = doc.text[start:end]
    copies = tuple(
        Copy(other.id, other.title, other.source, other.outlet, other.published)
        for other in (index.documents[i] for i in index.copies(doc_i))
    )
    return Citation(
        n=n, doc_id=doc.id, title=doc.title, source=doc.source, start=start, end=end, quote=quote, score=score,
        published=doc.published, outlet=doc.outlet, also_published=copies, dates=tuple(dates_in(quote, doc.published)),
        url=doc.url,
    )
