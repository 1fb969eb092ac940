"""Sentence evidence scores: how well each stored sentence matches a question.

Shared by retrieval (hybrid mode reranks its fused candidates by their best
sentence) and the extractive answerer (which picks sentences to quote), so
both judge evidence the same way. Needs no embedding beyond the question:
sentence vectors are stored at index time.

``evidence = 0.55 * dense + 0.35 * lexical`` where ``dense`` is the cosine of
question and sentence and ``lexical`` is the IDF-weighted share of the
question's content terms found in the sentence (neighbouring sentences count
half, since news prose often names the subject one sentence earlier).

Initials and the name they stand for count as one term ("GM" in the
question is found in "General Motors" and the other way round,
:mod:`rag._acronyms`): news names a company in full once and by its
initials after, and a question may use either.

The word after "how" ("how large", "how long", "how old") names the
quantity asked for, not a term the answer repeats: "More than 10,000 troops"
answers "how large is the deployment?". So it is left out of the question's
terms; the answerer's question type already asks for a figure. For the same
reason the verb of "how long did it last?" is left out: it restates the
question type, and in news prose "last" is mostly the adjective of "last
Thursday", a false match.

Trade-offs: the weights were set once for the general case (checked on SQuAD
and the bundled set, not fitted per question). Two further rules were tried
and dropped because SQuAD got worse: marking down sentences that lack the
question's capitalized names, and ignoring framing words like "name". A
cross-encoder would judge better but costs a forward pass per sentence.

Example:
    >>> terms = QuestionTerms.of("How many troops?", index)  # doctest: +SKIP
    >>> sentence_evidence([12, 13], terms, query_vector, index)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ._acronyms import Aliases
from ._index import IndexData
from ._text import content_terms

__all__ = ["DENSE_WEIGHT", "LEXICAL_WEIGHT", "QuestionTerms", "SentenceEvidence", "sentence_evidence"]

_HOW_MEASURE = re.compile(r"\bhow\s+[a-z]+\b", re.IGNORECASE)
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.IGNORECASE)
_LAST = re.compile(r"\blast(?:s|ed|ing)?\b", re.IGNORECASE)

DENSE_WEIGHT = 0.55
LEXICAL_WEIGHT = 0.35


@dataclass(frozen=True)
class QuestionTerms:
    """A question's content terms with their IDF weights in one index."""

    weights: dict[str, float]
    total: float
    # Initials and names that count as each other (rag._acronyms): a sentence saying "General Motors" has
    # the question's "GM", and one saying "GM" has its "General Motors".
    aliases: Aliases = Aliases()

    @classmethod
    def of(cls, question: str, index: IndexData) -> QuestionTerms:
        n = max(index.n_chunks, 1)
        text = _HOW_MEASURE.sub("how", question)
        if _HOW_LONG.search(question):
            text = _LAST.sub(" ", text)
        terms = content_terms(text)
        weights = {t: math.log(1 + (n + 1) / (index.term_df.get(t, 0) + 0.5)) for t in terms}
        return cls(weights, sum(weights.values()) or 1.0, Aliases.of(question, weights))


@dataclass(frozen=True)
class SentenceEvidence:
    """Scores of one sentence (a row of the index's sentence table)."""

    row: int
    dense: float
    lexical: float

    @property
    def score(self) -> float:
        return DENSE_WEIGHT * self.dense + LEXICAL_WEIGHT * self.lexical


def sentence_evidence(rows: list[int], terms: QuestionTerms, query_vector: np.ndarray, index: IndexData) -> list[SentenceEvidence]:
    """Score the given sentence rows against the question (in the given order)."""
    if not rows:
        return []
    dense = (index.sentence_vectors_of(rows) @ query_vector).tolist()
    terms_of = index.sentence_terms
    aliases = terms.aliases
    if aliases:  # each sentence is also a neighbour of two others: look its aliases up once
        seen: dict[int, frozenset[str]] = {}

        def terms_of(row: int) -> frozenset[str]:
            found = seen.get(row)
            if found is None:
                found = seen[row] = aliases.found(index.sentence_terms(row), index.sentence_text(row))
            return found

    out = []
    for row, cosine in zip(rows, dense):
        own = terms_of(row)
        neighbours: frozenset[str] = frozenset()
        for other in (index.neighbour(row, -1), index.neighbour(row, 1)):
            if other is not None:
                neighbours |= terms_of(other)
        lexical = sum(w if t in own else (0.5 * w if t in neighbours else 0.0) for t, w in terms.weights.items())
        out.append(SentenceEvidence(row, float(cosine), lexical / terms.total))
    return out
