"""The assistant's parts, one at a time, for benchmarks, experiments and front ends that use a part alone.

Using the assistant needs none of this (:mod:`rag` has it all); a benchmark
that times the dense index, the reader, the count check or the database's
search settings does, and so does a front end that checks a request's dates
before it filters a listing (:func:`date_range`). Each name is the one the assistant itself uses, so a
benchmark measures what ships. The list is pinned by ``tests/test_api.py``.

Example:
    >>> from rag.components import split_sentences
    >>> split_sentences("Troops arrived. The drill began.")
    [(0, 15), (16, 32)]
"""

from ._ann import build_dense_index, search_one
from ._answering import COMBINE, answer_probability
from ._calibration import reader_folder, shipped_calibration
from ._config import READERS
from ._counting import MIN_SIMILARITY, CountChecker, asks_how_many, word_similarity
from ._dates import DateRange
from ._query import date_range
from ._ray import RayEmbeddings
from ._reader import READER_DIR
from ._text import bm25_terms, split_sentences
from .stores._pgvector import EF_SEARCH, POSTINGS_PER_TERM

__all__ = [
    "COMBINE",
    "EF_SEARCH",
    "MIN_SIMILARITY",
    "POSTINGS_PER_TERM",
    "READERS",
    "READER_DIR",
    "CountChecker",
    "DateRange",
    "RayEmbeddings",
    "answer_probability",
    "asks_how_many",
    "bm25_terms",
    "build_dense_index",
    "date_range",
    "reader_folder",
    "search_one",
    "shipped_calibration",
    "split_sentences",
    "word_similarity",
]
