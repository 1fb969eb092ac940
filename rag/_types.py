"""Frozen dataclasses passed between the pipeline stages.

Loading produces :class:`SourceDocument`; chunking produces :class:`Chunk`
and :class:`Sentence`; retrieval produces :class:`Passage`; answering
produces :class:`Answer` with its :class:`Citation` list. Offsets are always
character offsets into the document's stored (cleaned) text, so
``document.text[c.start:c.end] == c.quote`` holds for every citation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ._dates import MentionedDate, TimeScope

__all__ = [
    "Answer", "AnswerEvent", "Chunk", "Citation", "Copy", "Disagreement", "Passage", "Sentence", "SourceDocument",
]


@dataclass(frozen=True)
class SourceDocument:
    """One loaded article with its cleaned text.

    ``published`` is the article's own publication date as an ISO
    ``YYYY-MM-DD`` string (from its metadata, front matter or dateline; never
    the file's time), or ``None`` when unknown. ``outlet`` is the publisher
    (metadata, else the URL's host) and ``author`` the byline, when known.

    Example:
        >>> doc = SourceDocument(id="a", title="A", source="a.txt", text="Hi.", sha256="x")
        >>> doc.text
        'Hi.'
    """

    id: str
    title: str
    source: str
    text: str
    sha256: str
    url: str | None = None
    published: str | None = None
    outlet: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence span of a document (offsets into its stored text)."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A token-bounded run of whole sentences from one document.

    Attributes:
        id: ``"<doc_id>#<ordinal>"``, stable while the document is unchanged.
        doc_id: The document the chunk comes from.
        start: Offset of the first character in the document's text.
        end: Offset one past the last character.
        text: ``document.text[start:end]``.
        n_tokens: Token count of ``text`` under the chunker's tokenizer.
        sentences: The sentence spans the chunk covers, in order.
    """

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    n_tokens: int
    sentences: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class Passage:
    """A retrieved span of a document, with its scores.

    Attributes:
        rank: 1-based rank after fusion.
        score: Fused reciprocal-rank score (higher is better).
        dense_score: Cosine similarity of the best dense hit, if any.
        lexical_score: BM25 score of the best lexical hit, if any.
        chunk_ids: The chunks merged into this passage.
    """

    rank: int
    doc_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    chunk_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["chunk_ids"] = list(self.chunk_ids)
        return data


@dataclass(frozen=True)
class Copy:
    """Another outlet's copy of a cited article (a syndicated or near-duplicate reprint)."""

    doc_id: str
    title: str
    source: str
    outlet: str | None = None
    published: str | None = None

    def describe(self) -> str:
        """``"Reuters, 2021-08-09"`` (or the document id when neither is known)."""
        return ", ".join(x for x in (self.outlet, self.published) if x) or self.doc_id


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` marker of an answer, pointing at an exact quote.

    ``document.text[start:end] == quote`` always holds. ``published`` and
    ``outlet`` are the cited article's; ``also_published`` lists the other
    outlets that printed the same story; ``dates`` are the dates the quote
    mentions, relative ones ("last Thursday") resolved against
    ``published`` (the quote itself is never changed).
    """

    n: int
    doc_id: str
    title: str
    source: str
    start: int
    end: int
    quote: str
    score: float = 0.0
    published: str | None = None
    outlet: str | None = None
    also_published: tuple[Copy, ...] = ()
    dates: tuple[MentionedDate, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["also_published"] = [asdict(c) for c in self.also_published]
        data["dates"] = [d.to_dict() for d in self.dates]
        return data

    def about(self) -> str:
        """``"Outlet, 2021-08-09"`` (``"date unknown"`` when the article has no date)."""
        return ", ".join(x for x in (self.outlet, self.published or "date unknown") if x)

    def label(self) -> str:
        """``"Title (Outlet, 2021-08-09)"``: how people see the source."""
        return f"{self.title} ({self.about()})"


@dataclass(frozen=True)
class Disagreement:
    """Statements of an answer that give different values for the same thing.

    Attributes:
        kind: ``number``, ``date`` or ``name``.
        values: The differing values, in the order of ``citations``.
        citations: The ``[n]`` numbers of the statements, newest first.
    """

    kind: str
    values: tuple[str, ...]
    citations: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": list(self.values), "citations": list(self.citations)}


@dataclass(frozen=True)
class Answer:
    """The result of a question: text with ``[n]`` markers, or a refusal.

    ``supported`` is the share of an LLM answer's sentences that its cited
    passages support (``None`` for extractive answers, which only quote).
    ``short_answer`` is the answer's own words as the reader found them
    inside the first citation's quote ("more than 10,000"), or ``None``.
    ``time_scope`` is what the question's time words and date filters
    resolved to; ``disagreements`` lists statements whose sources give
    different values (each cited with its outlet and date).

    Example:
        >>> a = Answer(question="q?", text="The articles don't say.", refused=True)
        >>> a.to_dict()["refused"]
        True
    """

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    standalone_question: str | None = None
    supported: float | None = None
    short_answer: str | None = None
    time_scope: TimeScope | None = None
    disagreements: tuple[Disagreement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape printed by ``rag ask --json``."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "short_answer": self.short_answer,
            "answer": self.text,
            "refused": self.refused,
            "supported": self.supported,
            "time_scope": self.time_scope.to_dict() if self.time_scope else None,
            "disagreements": [d.to_dict() for d in self.disagreements],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class AnswerEvent:
    """One step of a streamed answer.

    Attributes:
        kind: ``sources`` (passages known, before any token), ``token``
            (a piece of raw model text) or ``final`` (the checked answer).
    """

    kind: str
    passages: tuple[Passage, ...] = ()
    text: str = ""
    answer: Answer | None = None
