"""A figure never answers "who" or "which city", and words without one never "how many": the kind of thing asked.

The reader finds the words that answer best in a sentence it believes
answers, and on news it sometimes takes a year or a date for a name: "Who
is the lead actress in La La Land?" read against "La La Land (2016) cast
and crew credits, including actors, actresses, directors …" gives "2016";
"Which city hosted the Olympic Games in 2008?" against "… to host the 2004
Summer Olympics …" gives "2004". A careful reader sees that a year is no
person and no city. :func:`asks_a_name` gives the kinds of name a question
asks for (none when a figure or a time could answer it);
:func:`only_a_figure` says whether an answer's words are only a figure, a
year or a date.

Of SQuAD 1.1 dev's 1,096 "who" questions, no gold answer is only a figure
or a date; of its 520 "where" and "which city / country …" questions, one
is a rank ("9th"). "Where" questions are left alone: news asks where a
market closed, which a figure answers.

The other way round, "How big a stake in Chrysler does Fiat have?" read
against "… Chrysler should have cars designed by Fiat out on the market by
2011" gave "cars". :func:`asks_a_figure` says a question asks a count or a
size, and :func:`no_figure` that words state none: no digit, number word or
word of quantity ("several", "half", "twice", "none").

Example:
    >>> sorted(asks_a_name("Who is the lead actress in La La Land?"))
    ['NORP', 'ORG', 'PERSON']
    >>> asks_a_name("When did La La Land open?"), asks_a_name("How many awards did it win?")
    (frozenset(), frozenset())
    >>> only_a_figure("2016"), only_a_figure("Emma Stone"), only_a_figure("9th")
    (True, False, False)
"""

from __future__ import annotations

import re

from ._dates import MONTH_WORDS
from ._entities import thing_labels
from ._text import NUMBER_WORDS

__all__ = [
    "a_pronoun_unnamed", "asks_a_figure", "asks_a_name", "asks_a_score", "no_figure", "only_a_description", "only_a_figure",
    "score_spans",
]

_MONTH = rf"(?:{MONTH_WORDS})\.?"  # the names and abbreviations rag._dates reads
# Numbers, months and the small words between them ("April 29", "the 1990s", "2004 and 2008", "June 21-27").
_FIGURE = re.compile(
    rf"(?:\d[\d,.:/]*(?:st|nd|rd|th|s)?|{_MONTH}|the|in|on|of|and|to|mid|early|late|[\s,()'’–—-])+",
    re.IGNORECASE,
)
_RANK = re.compile(r"\s*\d+(?:st|nd|rd|th)\s*")
# Only a question that opens with "who" or "which/what <kind of name>" is judged: "Where" asks a place, but news
# also asks where a figure stood ("Where did the Dow close?", "Where does Warsaw rank?"), and a "who" later in a
# question may be a name ("What was the date of the first episode of Doctor Who?").
_WHO = re.compile(r"\s*(?:who|whom|whose)\b", re.IGNORECASE)
_WHICH = re.compile(r"\s*(?:(?:in|of|for|to|from|at|by)\s+)?(?:which|what)\b", re.IGNORECASE)
_PEOPLE = frozenset({"PERSON", "ORG", "NORP"})


def asks_a_name(question: str) -> frozenset[str]:
    """The kinds of name ``question`` asks for (spaCy labels), or none when a figure or a time may answer it.

    Only questions that open with "who", "whom" or "whose" (a person, an
    organisation or a group) or with "which/what <kind of name>" (a city, a
    company, a player: :func:`rag._entities.thing_labels`).

    Example:
        >>> sorted(asks_a_name("Which city hosted the Olympic Games in 2008?"))
        ['GPE', 'LOC']
        >>> asks_a_name("What year did Beijing host the Olympics?"), asks_a_name("Where did the Nikkei close?")
        (frozenset(), frozenset())
        >>> asks_a_name("What was the date of the first episode of Doctor Who?")  # "Who" is a name here
        frozenset()
    """
    if _WHO.match(question):
        return _PEOPLE
    if _WHICH.match(question):
        return thing_labels(question)
    return frozenset()


def only_a_figure(words: str) -> bool:
    """Whether ``words`` are only a figure, a year or a date (with a digit), never a rank alone ("9th").

    Example:
        >>> only_a_figure("April 29, 2015"), only_a_figure("the 1990s"), only_a_figure("April")
        (True, True, False)
    """
    return (any(c.isdigit() for c in words) and _FIGURE.fullmatch(words) is not None
            and _RANK.fullmatch(words) is None)


# Words that may open a description without naming anything: "The", "Her", "This".
_OPENERS = frozenset({"the", "a", "an", "his", "her", "their", "its", "this", "that", "these", "those", "our", "my",
                      "your", "some", "one", "another", "each", "every", "both", "all", "such"})
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def only_a_description(words: str) -> bool:
    """Whether ``words`` name nothing: words with no capital but an opening article or pronoun, and no digit.

    "Who won the 2017 French presidential election?" is not answered "the
    clearest failed attempt", nor "Which movie won Best Picture?" "love".
    A demonym or a place is a name ("Austrian author", "Las Vegas").

    Example:
        >>> only_a_description("the clearest failed attempt"), only_a_description("Her innovative approach")
        (True, True)
        >>> only_a_description("Austrian author"), only_a_description("the 2019 winner"), only_a_description("")
        (False, False, False)
    """
    found = _WORD.findall(words)
    if not found or any(c.isdigit() for c in words):
        return False
    first, rest = found[0], found[1:]
    return (first[0].islower() or first.lower() in _OPENERS) and not any(w[0].isupper() for w in rest)


# "How many", "how big a stake", "what percentage": a count or a size, never "how much" (which a degree answers:
# "very little", "free") nor "how often" ("each year", "annually").
_A_FIGURE = re.compile(r"\bhow\s+(?:many|big|large)\b|\bwhat\s+(?:number|percentage|proportion|share)\s+of\b", re.IGNORECASE)
_QUESTION_WORD = re.compile(r"\b(?:how|what|which|who|whom|whose|when|where|why)\b", re.IGNORECASE)
# A figure or a word of quantity: digits, number words, "dozens", "several", "none", "twice", "half".
_AMOUNT = re.compile(
    rf"\d|\b(?:{NUMBER_WORDS}|zero|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|sixty|seventy|"
    r"eighty|ninety|dozens?|hundreds?|thousands?|millions?|billions?|trillions?|scores?|several|few|many|multiple|"
    r"numerous|countless|no|none|nobody|all|both|most|half|quarters?|thirds?|fifths?|percent|once|twice|thrice|single|"
    r"double|triple|a (?:number|lot|handful))\b",
    re.IGNORECASE,
)


def asks_a_figure(question: str) -> bool:
    """Whether ``question`` asks a count or a size ("how many", "how big a stake", "what percentage of").

    Example:
        >>> asks_a_figure("How big a stake in Chrysler does Fiat have?"), asks_a_figure("How much does entry cost?")
        (True, False)
        >>> asks_a_figure("The receptors must bind to how many complexes?"), asks_a_figure("How was it decided how many sit?")
        (True, False)
    """
    # The first question word asks it: "How was it decided how many would sit?" asks a way, not a count.
    first = _QUESTION_WORD.search(question)
    return first is not None and _A_FIGURE.match(question, first.start()) is not None


def no_figure(words: str) -> bool:
    """Whether ``words`` state no figure: no digit and no word that counts ("cars", not "a dozen cars" or "half").

    Of SQuAD 1.1 dev's 891 questions asking how many, how much, how far or
    how big, 25 gold answers are no figure. Of those
    :func:`asks_a_figure` judges (689; it leaves out "how much", a degree: "very
    little", "free", and "how far"), two: "unmanned" for "How many people
    were on the test flight?" and "letters" for a "how many" inside a
    "what" question.

    Example:
        >>> no_figure("cars"), no_figure("20 percent"), no_figure("a dozen"), no_figure("twice")
        (True, False, False, False)
    """
    return _AMOUNT.search(words) is None


# "What was the (final) score …?" asks a game's result, which news writes "3-2", "24–10", "6-4".
_ASKS_SCORE = re.compile(r"^\s*what\s+(?:was|is|were|will\s+be)\s+the\s+(?:final\s+|full-time\s+|half-time\s+)?score\b",
                         re.IGNORECASE)
_SCORE = re.compile(r"(?<![\d,.:/])\b\d{1,3}\s*[-–—]\s*\d{1,3}\b(?![-–—/:]?\d|\s*(?:percent|%))")
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\s*$", re.IGNORECASE)


def asks_a_score(question: str) -> bool:
    """Whether ``question`` asks a game's score ("What was the final score of Super Bowl 50?").

    Example:
        >>> asks_a_score("What was the final score of Super Bowl 50?"), asks_a_score("Who scored the winner?")
        (True, False)
    """
    return _ASKS_SCORE.match(question) is not None


def score_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` gives a score ("beat the Owls 3-2": "3-2"), never a range of days ("June 21-27").

    Every "What was the (final) score …" question of SQuAD 1.1 dev (8) has a
    gold answer of this form.

    Example:
        >>> text = "The Hawks beat the Owls 3-2 on June 21-27 in the 2023-24 season."
        >>> [text[a:b] for a, b in score_spans(text)]
        ['3-2']
    """
    return [(m.start(), m.end()) for m in _SCORE.finditer(text) if not _MONTH_BEFORE.search(text[: m.start()])]


_PRONOUN = frozenset("he she they him her them it we us i you".split())
_SUBJECT = frozenset("he she they it we i".split())


def a_pronoun_unnamed(words: str) -> bool:
    """Whether a short answer is a pronoun that names no one: the pronoun alone, or a clause it opens.

    The short answer is made after a pronoun or a description has been
    replaced by the name in the sentence before or the title, where there is
    one; one still left names no one ("he wrote and directed Titanic"). A
    possessive opening a noun phrase names a relation, which can answer
    ("his mother").

    Example:
        >>> a_pronoun_unnamed("He"), a_pronoun_unnamed("he wrote and directed Titanic")
        (True, True)
        >>> a_pronoun_unnamed("his mother"), a_pronoun_unnamed("James Cameron"), a_pronoun_unnamed("US")
        (False, False, False)
    """
    tokens = words.split()
    if not tokens:
        return False
    first = tokens[0].strip(".,;:!?\"'“”‘’()")
    if len(first) > 1 and first.isupper():  # "US", "IT": initials, not "us" or "it"
        return False
    first = first.lower()
    return (len(tokens) == 1 and first in _PRONOUN) or (len(tokens) > 1 and first in _SUBJECT)

