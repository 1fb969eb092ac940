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

__all__ = ["Answer", "AnswerEvent", "Chunk", "Citation", "Passage", "Sentence", "SourceDocument"]


@dataclass(frozen=True)
class SourceDocument:
    """One loaded article with its cleaned text.

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
class Citation:
    """One ``[n]`` marker of an answer, pointing at an exact quote.

    ``document.text[start:end] == quote`` always holds.
    """

    n: int
    doc_id: str
    title: str
    source: str
    start: int
    end: int
    quote: str
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The result of a question: text with ``[n]`` markers, or a refusal.

    ``supported`` is the share of an LLM answer's sentences that its cited
    passages support (``None`` for extractive answers, which only quote).
    ``short_answer`` is the answer's own words as the reader found them
    inside the first citation's quote ("more than 10,000"), or ``None``.

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

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape printed by ``rag ask --json``."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "short_answer": self.short_answer,
            "answer": self.text,
            "refused": self.refused,
            "supported": self.supported,
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
