"""Cleaning, sentence splitting and number reading, over their edge cases."""

import pytest

from rag._text import (
    bm25_terms,
    clean_text,
    content_terms,
    neutral_markers,
    numbers_in,
    split_sentences,
    strip_markers,
    tokenize_words,
)


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
        # Letters joined by dots are initials or an abbreviation, not a sentence's end (a line's end still is).
        ("Airbus parent EADS N.V. (EADS) defeated Boeing. It won.", ["Airbus parent EADS N.V. (EADS) defeated Boeing.", "It won."]),
        ("George H.W. Bush spoke. He left.", ["George H.W. Bush spoke.", "He left."]),
        ("The S.W.A.T. team came. Nobody was hurt.", ["The S.W.A.T. team came.", "Nobody was hurt."]),
        ("It was sold to Blackstone L.P.\nThe deal closed.", ["It was sold to Blackstone L.P.", "The deal closed."]),
        ("Is it? Yes. 2021 was hard.", ["Is it?", "Yes.", "2021 was hard."]),
        ("", []),
        ("   \n\n  ", []),
        ("no punctuation at all", ["no punctuation at all"]),
        ("One. Two\nThree. Four.", ["One.", "Two", "Three.", "Four."]),  # a line's ends stay in the line
        ("“!” Then it ended.", ["“!”", "Then it ended."]),  # no word before the stop
        ("Last one.   ", ["Last one."]),  # trailing spaces trimmed, the stop kept
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_split_sentences_reads_only_the_slice_asked_for() -> None:
    text = "One. Two. Three."
    assert [text[s:e] for s, e in split_sentences(text, 0, 9)] == ["One.", "Two."]
    assert [text[s:e] for s, e in split_sentences(text, 5)] == ["Two.", "Three."]


def test_sentence_offsets_point_into_text() -> None:
    text = "  First one.   Second one?\n\nThird!  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end] in {"First one.", "Second one?", "Third!"}


def test_clean_text_normalizes_and_keeps_paragraphs() -> None:
    raw = "Title\r\n\r\n\r\n\r\nA\u00a0 line\u200b with   spaces. \nNext\tline."
    assert clean_text(raw) == "Title\n\nA line with spaces.\nNext line."


@pytest.mark.parametrize(("raw", "expected"), [("A\r\nB", "A\nB"), ("A\rB", "A\nB"), ("A\r\n\r\nB", "A\n\nB")])
def test_clean_text_makes_every_line_break_one_newline(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_cuts_a_trailer_from_the_middle_of_the_text_on() -> None:
    """A trailer line is cut when it starts at half the text or later, and kept before that."""
    at_half = "Abcdefghijklmnopqrstuvwxyz\nSubscribe to our newsletter"  # the line starts at 27 of 54 characters
    assert clean_text(at_half) == "Abcdefghijklmnopqrstuvwxyz"
    before_half = "Abcdefghijklmnopq\nSubscribe to our newsletter"  # starts at 18 of 45: kept
    assert clean_text(before_half) == before_half


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
        ("one two three", {1, 2, 3}),  # figures in words that do not add up stay apart
        ("five six", {5, 6}),
        ("one hundred twenty five", {125}),
        ("twenty ten", {20, 10}),
        ("In 1990 five ships", {1990, 5}),  # digits never join the words after them
        ("ten, twenty", {10, 20}),  # punctuation ends a figure
        ("a thousand ships", {1000}),
        ("hundred", {100}),
        ("10 20", {10, 20}),  # two figures in digits side by side
        ("version 1.2.3 shipped", set()),  # not a number
    ],
)
def test_numbers_in(text: str, expected: set[float]) -> None:
    assert numbers_in(text) == frozenset(float(n) for n in expected)


def test_words_read_a_curly_apostrophe_as_a_straight_one() -> None:
    assert tokenize_words("Russia’s army") == ["russia's", "army"] == tokenize_words("Russia's army")


def test_content_terms_keep_two_letter_words_and_digits_but_not_single_letters() -> None:
    assert content_terms("UN troops") == ["un", "troop"]
    assert content_terms("Vitamin D and 5 rings") == ["vitamin", "5", "ring"]


def test_bm25_terms_keep_repeats_and_drop_stopwords() -> None:
    assert bm25_terms("The ships and the ships sailed") == ["ship", "ship", "sail"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42 [1][2]", "42"), ("More than [3, 4] 10,000", "More than 10,000"), ("3] more than 4,000 [5", "more than 4,000"),
     ("[1]", None), (None, None), ("No marks, here;", "No marks, here"), ("X-ray [2]", "X-ray")],
)
def test_strip_markers(text: str | None, expected: str | None) -> None:
    assert strip_markers(text) == expected


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
