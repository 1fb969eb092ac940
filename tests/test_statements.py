"""Statements: which answering sentences are quoted as one claim (rag/_statements.py), on a hand-built index.

Each document holds one sentence, and the sentence vectors are chosen so that every cosine is known
exactly: the grouping rules are checked against hand-computed groups, not against a model's similarities.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag._index import IndexData
from rag._reader import Span
from rag._scoring import ScoredSentence
from rag._statements import figures, group_statements
from rag._types import SourceDocument

SENTENCES = [
    "Norvik recalled 120,000 cars over three days.",  # 0: the lead
    "Norvik recalled 150,000 cars over three days.",  # 1: another figure (three is shared, 120,000 is not)
    "Norvik recalled 120,000 cars.",  # 2: fewer of the lead's figures
    "The recall covers cars sold in the north.",  # 3: no figure at all
]


def _vectors(cosine_to_lead: list[float]) -> np.ndarray:
    """Unit vectors whose cosine with the first is the given one, and 0.6 between any two of the others."""
    dim = len(cosine_to_lead) + 2
    lead = np.zeros(dim)
    lead[0] = 1.0
    rows = [lead]
    shared = np.zeros(dim)
    shared[1] = 1.0
    for i, c in enumerate(cosine_to_lead[1:], start=2):
        own = np.zeros(dim)
        own[i] = 1.0
        # c along the lead, then a common direction and an own one, so the others meet at a cosine of their own.
        rest = np.sqrt(1 - c * c)
        rows.append(c * lead + rest * (np.sqrt(0.6) * shared + np.sqrt(0.4) * own))
    return np.asarray(rows, dtype=np.float16)


def _index(cosine_to_lead: list[float]) -> IndexData:
    docs = [SourceDocument(id=f"d{i}", title=f"D{i}", source=f"d{i}.txt", text=t, sha256=str(i)) for i, t in enumerate(SENTENCES)]
    sentences = np.array([[i, 0, len(t)] for i, t in enumerate(SENTENCES)], dtype=np.int32)
    chunks = np.array([[i, 0, len(t), i, i + 1, 10] for i, t in enumerate(SENTENCES)], dtype=np.int32)
    return IndexData(Path("statements"), {}, docs, chunks, sentences, np.zeros((len(docs), 2), np.float32),
                     _vectors(cosine_to_lead), None, None, {})


def _scored(index: IndexData, scores: list[float]) -> list[ScoredSentence]:
    return [ScoredSentence(row=i, doc_i=i, start=0, end=len(SENTENCES[i]), score=s, dense=0.0, passage_rank=i + 1)
            for i, s in enumerate(scores)]


def _groups(question: str, index: IndexData, scores: list[float], merge_similarity: float = 0.8) -> list[list[int]]:
    found = group_statements(question, _scored(index, scores), index, 0.1, max_statements=3, runner_up=0.0,
                             merge_similarity=merge_similarity)
    return [[s.row for s in group] for group in found]


def test_figures_leave_out_the_years_an_article_names() -> None:
    assert figures("From 1799 to 1800, then 2100 and 2101 ships, 3.5 km") == frozenset({1799.0, 2101.0, 3.5})
    assert figures("No figure here.") == frozenset()


def test_a_sentence_with_a_figure_the_lead_lacks_never_joins_but_one_with_fewer_of_its_figures_does() -> None:
    index = _index([1.0, 0.9, 0.9, 0.6])
    assert [round(float(v), 2) for v in index.sentence_vectors_of([0, 1, 2, 3]) @ index.sentence_vectors_of([0])[0]] == \
        [1.0, 0.9, 0.9, 0.6]
    # Asked why: 150,000 is as close in words as 120,000, but gives another figure, so it stands alone;
    # the rule goes on past it (the next sentence still joins), and a sentence in a statement never leads again.
    assert _groups("Why did Norvik recall cars?", index, [0.9, 0.85, 0.8, 0.7]) == [[0, 2], [1], [3]]


def test_asked_for_a_number_the_same_figure_lowers_the_bar_and_no_figure_does_not() -> None:
    index = _index([1.0, 0.6, 0.6, 0.6])
    # At a cosine of 0.6 only the sentence with the lead's own figure joins it; one with no figure does not.
    assert _groups("How many cars did Norvik recall?", index, [0.9, 0.85, 0.8, 0.7]) == [[0, 2], [1], [3]]
    # The same sentences for a question that asks for no number: no figure lowers the bar.
    assert _groups("Why did Norvik recall cars?", index, [0.9, 0.85, 0.8, 0.7]) == [[0], [1], [2]]


@pytest.mark.parametrize("cosine, joins", [(0.79, False), (0.81, True)])
def test_worded_alike_is_a_cosine_of_merge_similarity(cosine: float, joins: bool) -> None:
    index = _index([1.0, 0.6, 0.6, cosine])
    groups = _groups("Why did Norvik recall cars?", index, [0.9, 0.85, 0.8, 0.7])
    assert (3 in groups[0]) is joins


def test_the_cosine_bars_are_inclusive() -> None:
    # Cosines with the lead are exact here (the lead is one axis): 0.75 and 0.5 are what the sentences score.
    index = _index([1.0, 0.6, 0.5, 0.75])
    assert _groups("Why did Norvik recall cars?", index, [0.9, 0.85, 0.8, 0.7], merge_similarity=0.75)[0] == [0, 3]
    assert _groups("How many cars did Norvik recall?", index, [0.9, 0.85, 0.8, 0.7])[0] == [0, 2]


def test_asked_for_a_number_a_sentence_without_the_leads_figures_never_joins_however_alike() -> None:
    index = _index([1.0, 0.6, 0.6, 0.9])
    # Worded alike (0.9), but it gives no figure: it cannot support "120,000", so it is a statement of its own.
    assert _groups("How many cars did Norvik recall?", index, [0.9, 0.85, 0.8, 0.7]) == [[0, 2], [1], [3]]
    # Asked why, the same sentence joins the lead.
    assert _groups("Why did Norvik recall cars?", index, [0.9, 0.85, 0.8, 0.7])[0] == [0, 3]


def test_a_further_lead_whose_words_lie_in_the_quoted_sentence_before_says_nothing_more() -> None:
    """Read for "Who is the CEO of Veltrix?", "Skyforge CEO Daniel Okoro will join the board." took its words from
    the sentence before, which led: it was quoted second, a citation that holds no answer."""
    text = "Veltrix Chief Executive Priya Natarajan spoke. Skyforge CEO Daniel Okoro will join the board."
    cut = text.index("Skyforge")
    docs = [SourceDocument(id="d0", title="D0", source="d0.txt", text=text, sha256="0")]
    sentences = np.array([[0, 0, cut - 1], [0, cut, len(text)]], dtype=np.int32)
    chunks = np.array([[0, 0, len(text), 0, 2, 20]], dtype=np.int32)
    vectors = np.eye(2, dtype=np.float16)  # unlike each other: never one claim
    index = IndexData(Path("statements"), {}, docs, chunks, sentences, np.zeros((1, 2), np.float32), vectors, None,
                      None, {})
    name = (text.index("Priya"), text.index(" spoke"))
    lead = ScoredSentence(row=0, doc_i=0, start=0, end=cut - 1, score=0.5, dense=0.0, passage_rank=1,
                          span=Span("sentence", *name, 1.0))
    after = ScoredSentence(row=1, doc_i=0, start=cut, end=len(text), score=0.4, dense=0.0, passage_rank=1,
                           span=Span("before", *name, 1.0))

    def groups(scored: list[ScoredSentence]) -> list[list[int]]:
        found = group_statements("Who is the CEO of Veltrix?", scored, index, 0.1, max_statements=3, runner_up=0.0,
                                 merge_similarity=0.8)
        return [[s.row for s in group] for group in found]

    assert groups([lead, after]) == [[0]]
    own = replace(after, span=Span("sentence", 13, 25, 1.0))  # its own words: a statement of its own
    assert groups([lead, own]) == [[0], [1]]
    assert groups([replace(after, score=0.6), replace(lead, score=0.4)]) == [[1], [0]]  # it leads: quoted first
