"""Evaluation metrics: retrieval, answers, citations, refusals, latency.

Pure functions over plain values, so each can be checked by hand.

Retrieval metrics take ``ranked`` (document ids, best first, duplicates
ignored after their first appearance) and ``relevant`` (id -> graded
relevance > 0). Answer metrics follow the SQuAD evaluation script's
normalization (lower case, no punctuation, no articles, single spaces), with
one change: punctuation becomes a space instead of vanishing, and a
possessive "'s" is dropped first, so "Apple’s" still contains "Apple" and
"101-year-old" reads "101 year old" rather than "101yearold". Separators
inside a number are still deleted ("10,000" and "10000" match).
Citation precision and recall follow the spirit of ALCE (Gao et al., 2023):
a citation is correct if its quote supports the answer (overlaps gold
evidence, or contains a gold answer); recall is the share of gold evidence
that some citation covers.

Example:
    >>> hit_at_k(["a", "b"], {"b": 1}, 1), hit_at_k(["a", "b"], {"b": 1}, 2)
    (0.0, 1.0)
    >>> round(token_f1("the ten thousand troops", ["10,000 troops", "ten thousand"]), 3)
    0.8
    >>> normalize_answer("Apple’s 101-year-old founder [1]")
    'apple 101 year old founder'
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = [
    "answer_contained",
    "exact_match",
    "hit_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "normalize_answer",
    "percentile",
    "recall_at_k",
    "refusal_scores",
    "spans_overlap",
    "token_f1",
    "unique",
]


def unique(ranked: Iterable[str]) -> list[str]:
    """First appearance of each id, in order."""
    return list(dict.fromkeys(ranked))


def hit_at_k(ranked: Sequence[str], relevant: dict[str, float], k: int) -> float:
    """1.0 if any relevant id is in the top ``k``, else 0.0."""
    return float(any(doc in relevant for doc in unique(ranked)[:k]))


def recall_at_k(ranked: Sequence[str], relevant: dict[str, float], k: int) -> float:
    """Share of relevant ids found in the top ``k``."""
    if not relevant:
        return 0.0
    return len(set(unique(ranked)[:k]) & set(relevant)) / len(relevant)


def mrr_at_k(ranked: Sequence[str], relevant: dict[str, float], k: int = 10) -> float:
    """Reciprocal rank of the first relevant id within the top ``k`` (0 if none)."""
    for rank, doc in enumerate(unique(ranked)[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: dict[str, float], k: int = 10) -> float:
    """Normalized discounted cumulative gain with graded relevance (linear gain, as in BEIR/trec_eval)."""
    dcg = sum(relevant.get(doc, 0.0) / math.log2(rank + 1) for rank, doc in enumerate(unique(ranked)[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_CITATION_MARK = re.compile(r"\[\d+\]")
# "Apple's"/"Apple’s" -> "Apple": the possessive would otherwise leave a stray "s".
_POSSESSIVE = re.compile(r"(?<=\w)['’`]s\b", re.IGNORECASE)
# Thousands separators and decimal points inside a number vanish, as in SQuAD,
# so "10,000" and "10000" stay one token.
_NUMBER_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")


def _is_punctuation(char: str) -> bool:
    # ASCII punctuation plus every Unicode punctuation or symbol (’ “ ” – — € …).
    return char in string.punctuation or unicodedata.category(char)[0] in "PS"


def normalize_answer(text: str) -> str:
    """SQuAD-style normalization that never glues words together.

    Drops ``[n]`` citation markers and possessive "'s", turns punctuation
    (ASCII and Unicode) into spaces, lower-cases, removes the articles
    a/an/the and collapses whitespace.

    Args:
        text: An answer, predicted or gold.

    Returns:
        The normalized answer; words are separated by single spaces.
    """
    text = unicodedata.normalize("NFC", _CITATION_MARK.sub(" ", text))
    text = _NUMBER_SEPARATOR.sub("", _POSSESSIVE.sub("", text)).lower()
    text = "".join(" " if _is_punctuation(char) else char for char in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the normalized prediction equals a normalized gold answer."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(a) for a in answers))


def answer_contained(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if a normalized gold answer occurs (on word boundaries) in the normalized prediction."""
    pred = f" {normalize_answer(prediction)} "
    return float(any(f" {normalize_answer(a)} " in pred for a in answers if normalize_answer(a)))


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best SQuAD token F1 of the prediction against the gold answers."""
    pred_tokens = normalize_answer(prediction).split()
    best = 0.0
    for answer in answers:
        gold_tokens = normalize_answer(answer).split()
        common = Counter(pred_tokens) & Counter(gold_tokens)
        overlap = sum(common.values())
        if overlap == 0:
            continue
        precision, recall = overlap / len(pred_tokens), overlap / len(gold_tokens)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether half-open character spans share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


def refusal_scores(refused: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float | None]:
    """Precision and recall of refusals, taking unanswerable questions as positives.

    Returns ``None`` for a score whose denominator is zero.
    """
    pairs = list(zip(refused, answerable))
    true_pos = sum(1 for r, a in pairs if r and not a)
    refused_n = sum(1 for r, _ in pairs if r)
    unanswerable_n = sum(1 for _, a in pairs if not a)
    answerable_n = len(pairs) - unanswerable_n
    return {
        "precision": true_pos / refused_n if refused_n else None,
        "recall": true_pos / unanswerable_n if unanswerable_n else None,
        "false_refusal_rate": (refused_n - true_pos) / answerable_n if answerable_n else None,
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
