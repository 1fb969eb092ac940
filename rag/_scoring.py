"""Sentence scoring: each sentence of the retrieved passages, scored as evidence for the question.

The first job of answering (:mod:`rag._answering`) and of a timeline
(:mod:`rag._timeline`): every stored sentence inside the passages gets its
evidence score (question-sentence cosine plus IDF-weighted term overlap,
:mod:`rag._evidence`) and a small share of its passage's similarity. A
question that asks for a figure, a time or a duration (:func:`question_type`)
marks down sentences that state none, and one that names a numbered thing
("the A400M", "the 2021 US Open") marks down sentences about another member
of its family (:mod:`rag._numbered`).

Example:
    >>> question_type("How many troops took part?")
    'number'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ._events import event_names, mentions_asked
from ._evidence import QuestionTerms, sentence_evidence
from ._index import IndexData
from ._numbered import Names, names_another, numbered_names
from ._reader import Span
from ._text import numbers_in
from ._types import Passage

__all__ = ["ANOTHER_MEMBER", "CONTEXT_WEIGHT", "Names", "ScoredSentence", "about_another", "asked_families", "best_first",
           "question_type", "score_sentences", "sentence_before"]

CONTEXT_WEIGHT = 0.10  # the passage's own similarity: a sentence in a relevant passage is likelier evidence
# A sentence about another member of a family the question names ("the A380" for "the A400M", "the 2020 US Open"
# for "the 2021 US Open", rag._numbered) is marked down, so that sentences that may answer are read in its place:
# the answerer drops it once read (docs/evaluation.md).
ANOTHER_MEMBER = 0.6

TIME_WORDS = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"tomorrow|week|month|year|century|decade|spring|summer|autumn|fall|winter|morning|evening|"
    r"night|ago|since|until|day)s?\b",
    re.IGNORECASE,
)


DURATION = re.compile(
    r"\b(?:second|minute|hour|day|night|week|month|year|decade|century|mile|kilomet(?:er|re)|km|meter|metre|foot|feet)s?\b",
    re.IGNORECASE,
)


def question_type(question: str) -> str:
    """Coarse expected-answer type: ``duration``, ``number``, ``time``, ``reason`` or ``other``."""
    q = question.lower()
    if re.search(r"\bhow long\b|\bfor how many (?:days|weeks|months|years|hours)\b", q):
        return "duration"
    if re.search(r"\bhow (?:many|much|far|big|large|old|often)\b|\bwhat (?:number|percentage|share)\b", q):
        return "number"
    if re.search(r"^\s*when\b|\bwhat (?:year|date|day|month|time)\b|\bin which year\b", q):
        return "time"
    if re.search(r"^\s*why\b|\bwhat (?:for|reason)\b", q):
        return "reason"
    return "other"


@dataclass(frozen=True)
class ScoredSentence:
    """One candidate sentence: its index row and offsets, and its score.

    Without the reader, ``score`` is the evidence score. After the reader has
    read it, ``score`` is :func:`answer_probability` of the reader's
    ``probability``, its span ``margin``, the ``evidence`` score and
    ``no_entity`` (1.0 when the question asks for a kind of entity and the
    sentence names none but the question's own), and ``span`` is where the
    reader found the answer's words. ``reread`` marks a sentence a second
    reader has read again (its span is that reader's), or whose span a rule
    chose (a whole date, a full name, a thing's name): either way the span
    is final.
    """

    row: int
    doc_i: int
    start: int
    end: int
    score: float
    dense: float
    passage_rank: int
    span: Span | None = None
    probability: float | None = None
    evidence: float | None = None
    margin: float | None = None
    no_entity: float = 0.0
    reread: bool = False


def best_first(item: ScoredSentence) -> tuple[float, int, int]:
    """The order candidates are ranked in: highest score first, then the better passage, then the earlier sentence."""
    return -item.score, item.passage_rank, item.start


def asked_families(question: str) -> list[Names]:
    """The families ``question`` names a member of: numbered names ("the A400M", "the 2021 US Open"), named events.

    Example:
        >>> asked_families("Who won the US Open in 2021?") == [numbered_names, event_names]
        True
        >>> asked_families("Who runs Tesla?")
        []
    """
    return [names for names in (numbered_names, event_names) if names(question)]


def about_another(question: str, sentence: str, before: str, families: list[Names]) -> bool:
    """Whether ``sentence`` is about another member of a family ``question`` names (numbered names or named events).

    :func:`rag._numbered.names_another` over each of ``families``; a
    sentence that names an asked event by its own word alone ("six-time
    Grammy winner", :func:`rag._events.mentions_asked`) is about it, whatever
    other event it names in full.

    Example:
        >>> about_another("Who won the US Open in 2021?", "Osaka won the Australian Open.", "", [event_names])
        True
    """
    for names in families:
        if names_another(question, sentence, before, names):
            if names is event_names and mentions_asked(question, sentence + " " + before):
                continue
            return True
    return False


def score_sentences(
    question: str, passages: list[Passage], index: IndexData, query_vector: np.ndarray
) -> list[ScoredSentence]:
    """Every sentence of the passages with its evidence score, best first.

    The score is the sentence's evidence (:func:`rag._evidence.sentence_evidence`)
    plus :data:`CONTEXT_WEIGHT` of its passage's similarity; a question asking
    for a figure, a time or a duration marks down (x 0.8) a sentence that states none, and a sentence about
    another member of a numbered family or of a kind of named event the question names is marked down by
    :data:`ANOTHER_MEMBER`.
    """
    qtype = question_type(question)
    families = asked_families(question)
    rows: list[int] = []
    origin: dict[int, Passage] = {}
    for passage in passages:
        doc_i = index.doc_index[passage.doc_id]
        for row in index.sentences_in(doc_i, passage.start, passage.end):
            if row not in origin:
                origin[row] = passage
                rows.append(row)
    scored: list[ScoredSentence] = []
    for evidence in sentence_evidence(rows, QuestionTerms.of(question, index), query_vector, index):
        doc_i, start, end = (int(v) for v in index.sentence_rows[evidence.row])
        passage = origin[evidence.row]
        context = passage.dense_score if passage.dense_score is not None else evidence.dense
        score = evidence.score + CONTEXT_WEIGHT * context
        text = index.documents[doc_i].text[start:end]
        if qtype == "number" and not numbers_in(text):
            score *= 0.8
        elif qtype == "time" and not TIME_WORDS.search(text):
            score *= 0.8
        elif qtype == "duration" and not (DURATION.search(text) and numbers_in(text)):
            score *= 0.8
        if families and about_another(question, text, sentence_before(index, evidence.row), families):
            score *= ANOTHER_MEMBER
        scored.append(ScoredSentence(evidence.row, doc_i, start, end, score, evidence.dense, passage.rank))
    scored.sort(key=best_first)
    return scored


def sentence_before(index: IndexData, row: int) -> str:
    """The text of the sentence before ``row`` in its article ("" for an article's first sentence)."""
    before = index.neighbour(row, -1)
    return index.sentence_text(before) if before is not None else ""
