"""Copy detection's signatures: stable values, since indexes store them and compare new articles against them."""

from __future__ import annotations

import numpy as np
import pytest

from rag._syndication import NUM_PERM, signature, signatures


# Pinned from this version: a PostgreSQL index keeps each document's signature and its LSH band keys, and a
# later build groups an incoming copy by comparing its signature with the stored ones. A change of hash scheme,
# seed, permutation count, shingle size or text normalisation would silently stop old and new copies matching.
@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("Troops from Russia and China began a joint drill in Ningxia on Monday.",
         [347144179, 928434716, 257410476], 817454032),
        ("Joint drill", [4099048653, 3789781190, 3835471636], 692847542),  # shorter than one shingle
        ("", [2747688399, 1767364624, 2099376490], 2803897212),  # no words at all
    ],
)
def test_a_signature_is_the_same_in_every_version(text: str, first: list[int], last: int) -> None:
    values = signature(text)
    assert values.dtype == np.uint64 and values.shape == (NUM_PERM,)
    assert [int(v) for v in values[:3]] == first and int(values[-1]) == last


def test_case_and_punctuation_do_not_change_a_signature() -> None:
    text = "Troops from Russia and China began a joint drill in Ningxia on Monday."
    assert np.array_equal(signature(text.upper()), signature(text))
    assert np.array_equal(signature("troops -- from Russia, and China: began a joint drill; in Ningxia on Monday"),
                          signature(text))


def test_signatures_of_no_texts_is_an_empty_table_of_the_right_width() -> None:
    table = signatures([])
    assert table.shape == (0, NUM_PERM) and table.dtype == np.uint64


def test_signatures_stack_one_row_per_text_in_order() -> None:
    texts = ["Joint drill", "", "Troops from Russia and China began a joint drill in Ningxia on Monday."]
    table = signatures(texts)
    assert table.shape == (3, NUM_PERM) and table.dtype == np.uint64
    for row, text in zip(table, texts):
        assert np.array_equal(row, signature(text))
