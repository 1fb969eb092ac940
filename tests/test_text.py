"""Cleaning, sentence splitting and number reading, over their edge cases."""

import pytest

from rag._text import clean_text, content_terms, neutral_markers, numbers_in, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("The U.S. Army came. It left.", ["The U.S. Army came.", "It left."]),
        ("Mr. Smith met Dr. Jones. Then he left!", ["Mr. Smith met Dr. Jones.", "Then he left!"]),
        ("He said “stop.” Then it ended.", ["He said “stop.”", "Then it ended."]),
        ("Headline without stop\nBody sentence here.", ["Headline without stop", "Body sentence here."]),
        ("Prices rose 3.5 percent. Bonds fell.", ["Prices rose 3.5 percent.", "Bonds fell."]),
        ("U.S.-led forces withdrew. Others stayed.", ["U.S.-led forces withdrew.", "Others stayed."]),
        ("J. R. R. Tolkien wrote books. They sold.", ["J. R. R. Tolkien wrote books.", "They sold."]),
        ("Is it? Yes. 2021 was hard.", ["Is it?", "Yes.", "2021 was hard."]),
        ("", []),
        ("   \n\n  ", []),
        ("no punctuation at all", ["no punctuation at all"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_offsets_point_into_text() -> None:
    text = "  First one.   Second one?\n\nThird!  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end] in {"First one.", "Second one?", "Third!"}


def test_clean_text_normalizes_and_keeps_paragraphs() -> None:
    raw = "Title\r\n\r\n\r\n\r\nA\u00a0 line\u200b with   spaces. \nNext\tline."
    assert clean_text(raw) == "Title\n\nA line with spaces.\nNext line."


def test_clean_text_drops_trailing_appeal_but_not_early_mentions() -> None:
    body = "Dear readers, this article is about ports. " + "Ships sail daily. " * 20
    assert clean_text(body).startswith("Dear readers")
    appeal = body + "\nA Message from The Daily Example:\nDear readers,\nPlease donate.\nRemind me later."
    assert clean_text(appeal) == clean_text(body)


def test_clean_text_keeps_an_article_under_a_leading_boilerplate_line() -> None:
    """A trailer line in the first half of the text is not a trailer: the article after it is kept whole."""
    body = "The harbour reopened on Tuesday after the storm. " * 6
    for line in ["Subscribe to our newsletter", "Related articles:", "Dear readers,"]:
        assert clean_text(f"{line}\n{body}") == f"{line}\n{body.strip()}"
    # The same line after the article is cut, with everything below it.
    assert clean_text(f"{body}\nSubscribe to our newsletter\nGet the news first.") == body.strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("More than ten thousand troops", {10000}),
        ("More than 10,000 troops", {10000}),
        ("10 thousand people", {10000}),
        ("one hundred and five", {105}),
        ("twenty-five ships", {25}),
        ("1.5 million; one hundred", {1_500_000, 100}),
        ("in 2014 and two thirds", {2014, 2}),
        ("a dozen eggs", {12}),
        ("no figures here", set()),
    ],
)
def test_numbers_in(text: str, expected: set[float]) -> None:
    assert numbers_in(text) == frozenset(float(n) for n in expected)


def test_content_terms_drop_question_words_and_stem() -> None:
    assert content_terms("How many ships took part in the drills?") == ["ship", "part", "drill"]
    assert content_terms("Why Tajikistan?") == ["tajikistan"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("rose [1] and fell [2, 3].", "rose (1) and fell (2, 3)."),
        ("a list [a] and [ 1 ] stay", "a list [a] and [ 1 ] stay"),
        ("no marks here", "no marks here"),
    ],
)
def test_neutral_markers(text: str, expected: str) -> None:
    assert neutral_markers(text) == expected
