"""BM25 from raw term frequencies, with bm25s' exact arithmetic: what both stores score with.

Lucene's BM25 with bm25s' defaults (``k1`` 1.5, ``b`` 0.75). A posting's
score is the term's idf (rounded to float32, as bm25s stores it) times the
term-frequency part, computed in float64 and rounded to float32; a chunk's
score adds its terms' posting scores in query order in float32. That is how
bm25s builds and sums its precomputed score matrix, so a store that keeps
only raw ``tf``, chunk lengths and document frequencies, and scores when
asked, gives bm25s' scores to the bit (and so its ranks and ties) while an
added chunk changes nothing stored for the others.

Example:
    >>> import numpy as np
    >>> round(bm25_idf(1, 10), 6)
    1.99243
    >>> posting_scores(bm25_idf(1, 10), np.array([2]), length_norms(np.array([4]), 4.0)).dtype
    dtype('float32')
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["B", "K1", "bm25_idf", "length_norms", "posting_scores", "tf_weight"]

K1, B = 1.5, 0.75  # bm25s' defaults


def bm25_idf(df: int, n: int) -> float:
    """A term's BM25 idf exactly as bm25s stores it (Lucene's formula, rounded to float32).

    Args:
        df: Chunks holding the term.
        n: Chunks in the index.
    """
    return float(np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5))))


def tf_weight(tf: int, dl: int, avgdl: float) -> float:
    """The term-frequency part of one posting's score (float64; what orders a term's postings for its head)."""
    return tf / (K1 * ((1 - B) + B * dl / avgdl) + tf)


def length_norms(lengths: np.ndarray, avgdl: float) -> np.ndarray:
    """Per chunk, ``k1 * (1 - b + b * dl / avgdl)`` in float64: the part of :func:`tf_weight` that is the chunk's own.

    Computed once per loaded index (the same operations in the same order as
    :func:`tf_weight`, so the float64 results are identical).
    """
    return K1 * ((1 - B) + B * np.asarray(lengths, dtype=np.int64) / avgdl)


def posting_scores(idf: float, tf: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Float32 scores of a term's postings: ``idf * tf / (norm + tf)`` in float64, then rounded.

    Args:
        idf: The term's :func:`bm25_idf`.
        tf: Its frequency in each posting's chunk.
        norms: Each posting's chunk's :func:`length_norms` value.
    """
    tf = np.asarray(tf, dtype=np.float64)
    return (idf * (tf / (norms + tf))).astype(np.float32)
