"""Frozen dataclasses passed between the pipeline stages.

Loading produces :class:`SourceDocument`; chunking produces :class:`Chunk`
and :class:`Sentence`; retrieval produces :class:`Passage`; answering
produces :class:`Answer` with its :class:`Citation` list; :mod:`rag._dates`
fills :class:`TimeScope` and :class:`MentionedDate`, which live here so that
these values import nothing of the package. Offsets are always
character offsets into the document's stored (cleaned) text, so
``document.text[c.start:c.end] == c.quote`` holds for every citation.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePath
from typing import Any

__all__ = [
    "Answer", "AnswerEvent", "Chunk", "Citation", "Copy", "Disagreement", "MentionedDate", "Passage", "Sentence",
    "SourceDocument", "TimeScope", "shown_source",
]


def shown_source(source: str, *, show_paths: bool = False) -> str:
    """A document's ``source`` as a remote caller sees it: the file name, or the whole path if ``show_paths``.

    A server's folder layout is none of a client's business (and may name
    users or mounts), while the file name is what tells two articles apart.
    A record of a JSON file keeps its number.

    Example:
        >>> shown_source("/srv/news/2021/drill.txt")
        'drill.txt'
        >>> shown_source("/srv/news/feed.jsonl:3")
        'feed.jsonl:3'
        >>> shown_source("/srv/news/feed.jsonl:3", show_paths=True)
        '/srv/news/feed.jsonl:3'
    """
    return source if show_paths else PurePath(source).name


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

    @property
    def source_name(self) -> str:
        """The source as handed to callers: its file name, never the absolute path it was loaded from.

        A path names the machine's folders (a user's home, a server's layout); the
        name is what identifies the file to its reader, as the document id does.

        Example:
            >>> SourceDocument(id="a", title="A", source="/home/me/news/a.txt", text="Hi.", sha256="x").source_name
            'a.txt'
        """
        return shown_source(self.source)


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
class MentionedDate:
    """A date a sentence mentions, with how it was found.

    Attributes:
        start / end: Offsets of the words within the text searched.
        phrase: The words ("last Thursday", "July 8").
        iso: The resolved date (``YYYY-MM-DD``), month (``YYYY-MM``) or year.
        how: ``"explicit"`` (a full date in the text), ``"relative"``
            (resolved against the publication date) or ``"partial"`` (a
            day and month whose year came from the publication date).
    """

    start: int
    end: int
    phrase: str
    iso: str
    how: str = field(default="explicit")

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "date": self.iso, "how": self.how}


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` marker of an answer, pointing at an exact quote.

    ``document.text[start:end] == quote`` always holds. ``published``,
    ``outlet`` and ``url`` are the cited article's, where it states them;
    ``also_published`` lists the other outlets that printed the same story;
    ``dates`` are the dates the quote mentions, relative ones ("last
    Thursday") resolved against ``published`` (the quote itself is never
    changed).

    Example:
        >>> c = Citation(1, "quake", "Quake", "quake.json", 0, 5, "Quake", outlet="Wire", published="2026-06-02",
        ...              url="https://wire.example.com/quake")
        >>> c.label(), c.to_dict()["url"]
        ('Quake (Wire, 2026-06-02)', 'https://wire.example.com/quake')
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
    url: str | None = None  # last, so that positional construction keeps working

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
class TimeScope:
    """What a question's time words asked for, resolved to dates.

    Attributes:
        phrase: The words that set it ("latest", "in 2021"), or ``""``;
            a preference word ("latest") comes last.
        since / until: The range they name (ISO dates), if any.
        prefer: ``"newest"``, ``"oldest"`` or ``""``: which article wins
            when several answer differently.
        reference: The date "this week" and "last year" were counted from
            (``as_of``, else today).
        question: The question without the words that set a range ("How
            many vehicles were recalled?"): what is searched and read once
            they have become a filter.
        note: Set when nothing in that range answered and the answer came
            from the wider range the explicit dates allow ("No article from
            this week (2026-11-22 to 2026-11-28); from 2026-11-19"); the
            answer's text opens with it.
        implied: The preference is not the question's but its ``as_of``
            date's ("as of …" ends the phrase): the newest report by then,
            as :func:`rag._assistant.scoped` sets it.
        day: The day the question names ("on Thursday", "on March 5"), ISO,
            or ``None``. The range holds that day's reports; the best of
            them leads, not the newest (a later day's report is of another day).
        outside: What is searched and read outside that range, when it
            holds no answer: :attr:`question` with a month it names
            without a year put back ("What was inflation in October?": a
            November report says "6.2% in October"). Relative words stay
            out ("last month" in an article is the article's own month), and
            so does a year: read, it would refuse the nearest year's report.
    """

    phrase: str = ""
    since: str | None = None
    until: str | None = None
    prefer: str = ""
    reference: str | None = None
    question: str = ""
    note: str = ""
    implied: bool = False
    day: str | None = None
    outside: str = ""

    def __bool__(self) -> bool:
        return bool(self.phrase)

    def __str__(self) -> str:
        """:meth:`describe`: what ``print(answer.time_scope)`` shows (the repr stays the dataclass's)."""
        return self.describe()

    @property
    def widened(self) -> bool:
        """Whether the answer came from outside the range the question's words asked for."""
        return bool(self.note)

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "since": self.since, "until": self.until, "prefer": self.prefer or None,
                "reference": self.reference, "question": self.question or None, "widened": self.widened,
                "note": self.note or None, "day": self.day}

    def describe(self) -> str:
        """One line for people: ``“latest” → newest article first``.

        Example:
            >>> from datetime import date
            >>> from rag._dates import question_scope
            >>> question_scope("What was recalled this week?", date(2026, 11, 28)).widen(["2026-11-19"]).describe()
            '“this week” → published 2026-11-22 to 2026-11-28; widened: none there answers, from 2026-11-19'
        """
        parts = []
        if self.since or self.until:
            parts.append(f"published {self.since or '…'} to {self.until or '…'}")
        if self.prefer:
            parts.append(f"{self.prefer} article first")
        line = f"“{self.phrase}” → {', '.join(parts)}"
        # the note's last part says where the answer came from: "from 2026-11-19"
        return f"{line}; widened: none there answers, {self.note.rpartition('; ')[2]}" if self.note else line

    def widen(self, published: list[str | None]) -> TimeScope:
        """This scope, noting that the answer came from articles of ``published`` (their dates, cited order).

        Example:
            >>> from datetime import date
            >>> from rag._dates import question_scope
            >>> question_scope("What was recalled this week?", date(2026, 11, 28)).widen(["2026-11-19"]).note
            'No article from this week (2026-11-22 to 2026-11-28); from 2026-11-19'
        """
        days = list(dict.fromkeys(d or "an article of unknown date" for d in published)) or ["the wider range"]
        span = f"{self.since or '…'} to {self.until or '…'}"
        return replace(self, note=f"No article {self._range_words()} ({span}); from {' and '.join(days)}")

    def _range_words(self) -> str:
        """The words that set the range, as they follow "No article": "from this week", "since March 2020"."""
        words = self.phrase.split(", ")
        if self.prefer and len(words) > 1:
            words = words[:-1]  # question_scope appends the preference word ("latest") last
        first = re.sub(r"^(?:in|during|throughout|over|on)\s+", "", words[0], flags=re.I)
        if not re.match(r"(?:since|before|after|until|till|prior to|up to|between|from)\b", first, re.I):
            first = "from " + first
        return ", ".join([first, *words[1:]])


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
