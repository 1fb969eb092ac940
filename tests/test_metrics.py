"""Each metric on tiny cases computed by hand."""

import math

import pytest

from rag._metrics import (
    answer_contained,
    exact_match,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    normalize_answer,
    percentile,
    recall_at_k,
    refusal_scores,
    spans_overlap,
    token_f1,
)

RANKED = ["d1", "d2", "d3", "d2", "d4"]  # d2 repeats: counted once, at its first rank
RELEVANT = {"d2": 1.0, "d4": 1.0}


@pytest.mark.parametrize(("k", "hit", "recall"), [(1, 0.0, 0.0), (2, 1.0, 0.5), (3, 1.0, 0.5), (4, 1.0, 1.0), (10, 1.0, 1.0)])
def test_hit_and_recall(k: int, hit: float, recall: float) -> None:
    assert hit_at_k(RANKED, RELEVANT, k) == hit
    assert recall_at_k(RANKED, RELEVANT, k) == recall


def test_mrr() -> None:
    assert mrr_at_k(RANKED, RELEVANT) == 0.5
    assert mrr_at_k(RANKED, RELEVANT, k=1) == 0.0
    assert mrr_at_k(["x"], {}) == 0.0


def test_ndcg_binary_by_hand() -> None:
    # Unique ranking d1, d2, d3, d4: relevant at ranks 2 and 4.
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, RELEVANT) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["d2", "d4"], RELEVANT) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], {}) == 0.0


def test_ndcg_graded() -> None:
    relevant = {"a": 2.0, "b": 1.0}
    dcg = 1 / math.log2(2) + 2 / math.log2(3)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(["b", "a"], relevant) == pytest.approx(dcg / idcg)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        # Plain SQuAD cases: case, punctuation, articles, whitespace.
        ("The Denver Broncos!", "denver broncos"),
        ("  an   Apple pie. ", "apple pie"),
        ("More than 10,000 [1][2]", "more than 10000"),  # citation markers and thousands separators go
        ("“A” and—an", "and"),
        # Punctuation becomes a space, so words are never glued together.
        ("101-year-old", "101 year old"),
        ("Apple’s", "apple"),  # possessive dropped first, curly apostrophe
        ("Apple's CEO", "apple ceo"),
        ("APPLE'S", "apple"),
        ("the troops’ base", "troops base"),  # plural possessive: the apostrophe is just punctuation
        ("Moscow–Minsk ‘Zapad’ drill…", "moscow minsk zapad drill"),
        ("Shoigu [12] said", "shoigu said"),
        ("3.5 million", "35 million"),  # SQuAD also deletes a decimal point
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize_answer(text) == normalized


@pytest.mark.parametrize(
    ("prediction", "gold"),
    [
        ("Apple’s shares fell [1].", "Apple"),
        ("A 101-year-old veteran.", "101 year old"),
        ("A 101-year-old veteran.", "101-year-old"),
        ("More than 10,000 troops", "10000"),
        ("Russia’s defence minister Shoigu", "Russia"),
    ],
)
def test_contained_across_punctuation(prediction: str, gold: str) -> None:
    assert answer_contained(prediction, [gold]) == 1.0
    assert token_f1(prediction, [gold]) > 0.0


def test_exact_contained_f1() -> None:
    assert exact_match("the Denver Broncos", ["Denver Broncos"]) == 1.0
    assert exact_match("Denver", ["Denver Broncos"]) == 0.0
    assert answer_contained("More than ten thousand troops. [1]", ["ten thousand"]) == 1.0
    assert answer_contained("tenth", ["ten"]) == 0.0  # word boundaries
    assert token_f1("ten thousand troops", ["ten thousand"]) == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert token_f1("nothing here", ["ten"]) == 0.0
    assert token_f1("a b", ["x", "a b"]) == 1.0


def test_refusal_scores() -> None:
    refused = [True, True, False, False, True]
    answerable = [False, True, True, False, False]
    scores = refusal_scores(refused, answerable)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["false_refusal_rate"] == pytest.approx(1 / 2)
    assert refusal_scores([False], [True])["precision"] is None


def test_spans_and_percentile() -> None:
    assert spans_overlap((0, 5), (4, 9)) and not spans_overlap((0, 5), (5, 9))
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10.0], 95) == 10.0
    assert percentile([], 50) == 0.0
    assert percentile(list(range(101)), 95) == 95
