"""Statements: the answering sentences grouped by what they say.

A statement is a lead sentence and the sentences of other articles that
say the same thing (high cosine, or the same figure for a "how many"
question): they are quoted as one, with every citation. Two sentences that
each give a figure the other lacks never say the same thing, whatever the
question, and for a question asking for a number a sentence sharing none of
the lead's figures never joins it: a citation must hold the quote's figures.

Example:
    >>> sorted(figures("More than 10,000 troops in 2021, 3.5 km away"))
    [3.5, 10000.0]
"""

from __future__ import annotations

from ._index import IndexData
from ._scoring import ScoredSentence, question_type
from ._text import numbers_in

__all__ = ["figures", "group_statements"]


def figures(text: str) -> frozenset[float]:
    """Numbers that can identify a claim: years are left out, most articles name one."""
    return frozenset(n for n in numbers_in(text) if not (n.is_integer() and 1800 <= n <= 2100))


def group_statements(
    question: str,
    scored: list[ScoredSentence],
    index: IndexData,
    threshold: float,
    *,
    max_statements: int,
    runner_up: float,
    merge_similarity: float,
) -> list[list[ScoredSentence]]:
    """The statements of an answer: each a lead sentence and the sentences of other articles that say the same.

    A lead scores at least ``threshold`` and ``runner_up`` of the best
    score; another article's sentence joins it at sentence cosine
    ``merge_similarity`` (or 0.5 with the same figure, when the question
    asks for a number; never when each gives a figure the other lacks,
    whatever the question asks).
    Near-copies within one article (cosine 0.95) are
    left out, and so is a further lead whose reader's words lie in the
    sentence before when that one is quoted already. At most ``max_statements``.
    """
    wants_number = question_type(question) == "number"
    floor = max(threshold, scored[0].score * runner_up)
    vectors = index.sentence_vectors_of([s.row for s in scored])
    similarity = vectors @ vectors.T  # every pair once, for merging and for near-copies
    values = [figures(index.sentence_text(s.row)) for s in scored]
    used: set[int] = set()
    groups: list[list[ScoredSentence]] = []
    for i, lead in enumerate(scored):
        if lead.score < floor or len(groups) >= max_statements:
            break
        if lead.row in used:
            continue
        # A further statement whose reader's words lie in the sentence before, when that sentence is quoted
        # already, says nothing more: "Skyforge CEO Daniel Okoro will join …", read for "Who is the CEO of
        # Veltrix?" with "Veltrix Chief Executive Priya Natarajan said …" before it, was quoted second.
        if groups and lead.span is not None and lead.span.piece == "before" and index.neighbour(lead.row, -1) in used:
            continue
        group = [lead]
        used.add(lead.row)
        for j, other in enumerate(scored):
            if other.row in used or any(other.doc_i == g.doc_i for g in group):
                continue
            mine, theirs = values[i], values[j]
            # Two sentences that each give a figure the other lacks never say the same, however alike their
            # words ("recalling 120,000 vehicles" and "recalling 150,000 vehicles"), whatever the question asks
            # and whatever else they share: a quote of "40,000 visitors over three days" must not cite the
            # article saying "52,000 visitors over three days". One giving fewer of the same figures may join.
            if mine and theirs and not (mine <= theirs or theirs <= mine):
                continue
            # A figure's support gives that figure: for a question asking for a number, a sentence sharing
            # none of the lead's figures ("The carmaker opened a plant in Ohio" for "$7.1 billion") never joins.
            if wants_number and mine and not mine & theirs:
                continue
            same_figure = bool(mine & theirs)
            if similarity[i, j] >= merge_similarity or (wants_number and same_figure and similarity[i, j] >= 0.5):
                group.append(other)
                used.add(other.row)
        # Near-copies within one article add nothing: mark them used.
        for j, other in enumerate(scored):
            if other.row not in used and similarity[i, j] >= 0.95:
                used.add(other.row)
        groups.append(group)
    return groups
