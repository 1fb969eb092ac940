"""The extractive answerer: cited sentences from the retrieved passages, or a refusal.

Each sentence of the retrieved passages is scored by its evidence score
(:mod:`rag._evidence`: question-sentence cosine plus IDF-weighted term
overlap, computed without embedding anything but the question), plus a
small share of its passage's similarity to the question.

A question that asks for a figure or a time ("how many", "when") marks down
sentences that state none. The answer is the best sentence plus any close
runners-up; sentences of other articles that say the same thing (high
cosine, or the same figure) are merged into that statement with all their
citations.

Trade-offs: it can only quote, never paraphrase or combine facts across
sentences. It refuses when the best sentence scores below ``min_score``. A
question term that appears nowhere in the index keeps its full IDF weight in
the lexical share, so a question about something the articles never mention
("ships") scores low; the price is that a paraphrase the articles word
differently ("begin" for "kicked off") scores lower too.

Example:
    >>> answerer = ExtractiveAnswerer(min_score=0.4)
    >>> answer = answerer.answer(question, passages, index, query_vector)  # doctest: +SKIP
    >>> answer.citations[0].quote  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ._evidence import QuestionTerms, sentence_evidence
from ._index import IndexData
from ._text import numbers_in
from ._types import Answer, Citation, Passage

__all__ = ["REFUSAL_TEXT", "ExtractiveAnswerer", "question_type"]

REFUSAL_TEXT = "The articles don't contain the answer to this question."
CONTEXT_WEIGHT = 0.10  # the passage's own similarity: a sentence in a relevant passage is likelier evidence

_TIME_WORDS = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"tomorrow|week|month|year|century|decade|spring|summer|autumn|fall|winter|morning|evening|"
    r"night|ago|since|until|day)s?\b",
    re.IGNORECASE,
)


_DURATION = re.compile(
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


def _figures(text: str) -> frozenset[float]:
    """Numbers that can identify a claim: years are left out, most articles name one."""
    return frozenset(n for n in numbers_in(text) if not (n.is_integer() and 1800 <= n <= 2100))


@dataclass(frozen=True)
class _Scored:
    row: int
    doc_i: int
    start: int
    end: int
    score: float
    dense: float
    passage_rank: int


class ExtractiveAnswerer:
    """Answers by quoting the retrieved sentences that answer the question.

    Args:
        min_score: Refuse when the best sentence scores below this.
        max_statements: Most statements in one answer.
        runner_up: A further statement needs this share of the best score.
        merge_similarity: Cosine at which two sentences say the same thing.
    """

    def __init__(
        self,
        *,
        min_score: float = 0.42,
        max_statements: int = 3,
        runner_up: float = 0.9,
        merge_similarity: float = 0.8,
    ):
        self.min_score = min_score
        self.max_statements = max_statements
        self.runner_up = runner_up
        self.merge_similarity = merge_similarity

    def answer(
        self,
        question: str,
        passages: list[Passage],
        index: IndexData,
        query_vector: np.ndarray,
    ) -> Answer:
        """Build the cited answer (or refusal) for ``question`` from ``passages``."""
        scored = self.score_sentences(question, passages, index, query_vector)
        best = scored[0] if scored else None
        if best is None or best.score < self.min_score:
            return Answer(question=question, text=REFUSAL_TEXT, refused=True, passages=tuple(passages))
        statements = self._statements(question, scored, index)
        citations: list[Citation] = []
        parts: list[str] = []
        for group in statements:
            markers = []
            for item in group:
                doc = index.documents[item.doc_i]
                citation = Citation(
                    n=len(citations) + 1,
                    doc_id=doc.id,
                    title=doc.title,
                    source=doc.source,
                    start=item.start,
                    end=item.end,
                    quote=doc.text[item.start : item.end],
                    score=round(item.score, 4),
                )
                citations.append(citation)
                markers.append(f"[{citation.n}]")
            lead = group[0]
            parts.append(f"{index.documents[lead.doc_i].text[lead.start:lead.end]} {''.join(markers)}")
        return Answer(
            question=question, text=" ".join(parts), refused=False, citations=tuple(citations), passages=tuple(passages)
        )

    def score_sentences(
        self, question: str, passages: list[Passage], index: IndexData, query_vector: np.ndarray
    ) -> list[_Scored]:
        """Score every sentence of the passages, best first."""
        qtype = question_type(question)
        rows: list[int] = []
        origin: dict[int, Passage] = {}
        for passage in passages:
            doc_i = index.doc_index[passage.doc_id]
            for row in index.sentences_in(doc_i, passage.start, passage.end):
                if row not in origin:
                    origin[row] = passage
                    rows.append(row)
        scored: list[_Scored] = []
        for evidence in sentence_evidence(rows, QuestionTerms.of(question, index), query_vector, index):
            doc_i, start, end = (int(v) for v in index.sentence_rows[evidence.row])
            passage = origin[evidence.row]
            context = passage.dense_score if passage.dense_score is not None else evidence.dense
            score = evidence.score + CONTEXT_WEIGHT * context
            text = index.documents[doc_i].text[start:end]
            if qtype == "number" and not numbers_in(text):
                score *= 0.8
            elif qtype == "time" and not _TIME_WORDS.search(text):
                score *= 0.8
            elif qtype == "duration" and not (_DURATION.search(text) and numbers_in(text)):
                score *= 0.8
            scored.append(_Scored(evidence.row, doc_i, start, end, score, evidence.dense, passage.rank))
        scored.sort(key=lambda s: (-s.score, s.passage_rank, s.start))
        return scored

    def _statements(self, question: str, scored: list[_Scored], index: IndexData) -> list[list[_Scored]]:
        wants_number = question_type(question) == "number"
        floor = max(self.min_score, scored[0].score * self.runner_up)
        vectors = index.sentence_vectors_of([s.row for s in scored])
        similarity = vectors @ vectors.T  # every pair once, for merging and for near-copies
        figures = [_figures(index.sentence_text(s.row)) if wants_number else frozenset() for s in scored]
        used: set[int] = set()
        groups: list[list[_Scored]] = []
        for i, lead in enumerate(scored):
            if lead.score < floor or len(groups) >= self.max_statements:
                break
            if lead.row in used:
                continue
            group = [lead]
            used.add(lead.row)
            for j, other in enumerate(scored):
                if other.row in used or any(other.doc_i == g.doc_i for g in group):
                    continue
                same_figure = bool(figures[i] & figures[j])
                if similarity[i, j] >= self.merge_similarity or (wants_number and same_figure and similarity[i, j] >= 0.5):
                    group.append(other)
                    used.add(other.row)
            # Near-copies within one article add nothing: mark them used.
            for j, other in enumerate(scored):
                if other.row not in used and similarity[i, j] >= 0.95:
                    used.add(other.row)
            groups.append(group)
        return groups
