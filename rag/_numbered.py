"""Numbered names: "A400M", "G7", "COP26", "iPhone 4", "Boeing 787", "Super Bowl 50".

News tells apart things of one family by a number: the A400M is not the
A380, the G7 summit is not the G20's, Diablo 4 is not Diablo 3, Apollo 12
is not Apollo 11. A sentence about another member of the family the
question names is worded much like the answer ("When did the A400M first
fly?" against "the A380 made its first flight on …") and scores high as
evidence, yet it never answers. :func:`names_another` tells such a sentence:
it names a member of a family the question names, and not the asked member.

Three forms are read: letters joined to a number, with or without a hyphen
("A400M", "F-35", "GPT-3", "COP26"), a capitalised word followed by a small
number ("iPhone 4", "Boeing 787", "Season 17", "Super Bowl 50"), and a year
("the 2021 US Open"). A three-digit model number is also a member of the
family of bare model numbers, which news writes as "the 787" or "the 777"
(not "the 155 planes", a count). Decades, amounts and units are not names
("1970s", "$7 billion", "40 km"). A sentence that names the asked member
under any family ("the Boeing 777 and the 787") names it.

Example:
    >>> sorted(numbered_names("Airbus A400M and the Boeing 787"))
    [('#', '787'), ('a', '400m'), ('boeing', '787')]
    >>> names_another("When did the A400M first fly?", "The A380 made its first flight in 2005.")
    True
    >>> names_another("When did the A400M first fly?", "The A400M, unlike the A380, flew in 2009.")
    False
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["Names", "names_another", "names_asked", "numbered_names"]

# What reads a family's members out of a text: numbered_names here, rag._events.event_names for named events.
Names = Callable[[str], frozenset[tuple[str, str]]]

# Letters joined to a number: "A400M", "G7", "F-35", "GPT-3", "Su-30SM".
_JOINED = re.compile(r"\b([A-Za-z]{1,4})-?(\d{1,4}[A-Za-z]{0,3})\b")
# A capitalised word (or "iPhone", "iPad") then a number of at most three digits that is not an amount or a measure.
_SPACED = re.compile(
    r"\b([A-Z][A-Za-z]+|i[A-Z][a-z]+) (\d{1,3}[A-Za-z]?)\b"
    r"(?![.,]\d|\s*(?:percent|per|%|thousand|million|billion|trillion|years?|days?|weeks?|months?|hours?|minutes?|points?))"
)
# A year names a member of the family of years: the 2021 Nobel Prize is not the 2020 one.
_YEAR = re.compile(r"(?<![\d,.$£€])\b(19\d\d|20\d\d)\b(?![,.]\d)(?!['’]?s\b)")
# A bare three-digit model number after "the", "its", "a" ("the 777 first flew", "the 777-200LR", "its 1,000th
# 777", "the first 787s"), not a count ("the 155 planes", "a 500-seat hall").
_BARE = re.compile(
    r"\b(?:[Tt]he|[Ii]ts|[Tt]heir|[Aa]n?)\s+(?:(?:[\d,]+(?:st|nd|rd|th)|first|last|final|new|latest)\s+)?"
    r"(\d{3})(?:-\d{1,3}[A-Za-z]{0,3}|s)?\b(?![.,]\d|-[a-z])"
    r"(?!\s+(?:[a-z]{3,}s|percent|per|km|kg|mph|miles?|feet|foot|metres?|meters?|people|staff|jobs|workers)\b)"
)
_MODELS = "#"  # the family of bare model numbers
# A question about what is to come: its year is when, not which ("What will open in 2024?": reports from 2023
# speak of it, naming their own year).
_FUTURE = re.compile(r"\b(?:will|going to|expected|scheduled|due|plan(?:s|ned)?|upcoming|next)\b", re.IGNORECASE)
# A question that asks a time: its answer is a date, often in another year than the one it names ("In 2013-14, NBC
# finished first for the first time since when?").
_ASKS_TIME = re.compile(r"^\s*when\b|\bsince when\b|\b(?:what|which)\b(?:\s+\w+){0,3}?\s+(?:year|date|day|month|time)\b|\bhow long ago\b",
                        re.IGNORECASE)
# Letters before a figure that do not name a family: "mid-1990", "No. 5", "x2".
_NOT_PREFIXES = frozenset({"mid", "no", "x", "us"})
_MONTH_WORDS = frozenset(
    "january february march april may june july august september october november december jan feb mar apr jun jul "
    "aug sep sept oct nov dec".split()
)
# Words before a figure that make it a date, a count or a reference rather than a member of a family.
_NOT_FAMILIES = _MONTH_WORDS | frozenset(
    "the a an in on at by of and or to for from after before since about over under than "
    "with page number no chapter top".split()
)
# The words a date stamp holds besides its figures: months, weekdays, times and zones, "published", "updated".
_STAMP_WORDS = _MONTH_WORDS | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun published updated posted last modified on at am pm a m p gmt utc et est edt ct cst cdt pt pst pdt bst "
    "cet cest ist jst th st nd rd".split()
)


def numbered_names(text: str) -> frozenset[tuple[str, str]]:
    """The numbered names of ``text``, each as (family, member), lower-case: "A400M" is ``("a", "400m")``."""
    found: set[tuple[str, str]] = set()
    for match in _JOINED.finditer(text):
        family, member = match.group(1).lower(), _singular(match.group(2))
        if member and family not in _NOT_PREFIXES:
            found.add((family, member))
    for match in _SPACED.finditer(text):
        family, member = match.group(1).lower(), _singular(match.group(2))
        if member and family not in _NOT_FAMILIES:
            found.add((family, member))
            if len(member) == 3 and member.isdigit():  # "Boeing 787" is also "the 787"
                found.add((_MODELS, member))
    found.update((_MODELS, member) for member in _BARE.findall(text))
    found.update(("year", year) for year in _YEAR.findall(text))
    return frozenset(found)


def _singular(member: str) -> str:
    """A member named in the plural as itself, lower-case: "A380s", "787s", "F-4Es"; "" for a decade ("1970s").

    A short number's "s" names a model of its own ("iPhone 5s" is not the iPhone 5).
    """
    figure = member[:-1]
    if member.endswith("s") and ((figure.isdigit() and len(figure) >= 3) or figure[-1:].isupper()):
        if len(figure) == 4 and figure.isdigit():
            return ""
        member = figure
    return member.lower()


def names_another(question: str, sentence: str, before: str = "",
                  names: Names = numbered_names) -> bool:
    """Whether ``sentence`` names another member of a family ``question`` names, and not the asked one.

    "The A380 made its first flight" names another member of the A-family
    than "When did the A400M first fly?"; a sentence that also names the
    A400M may be comparing them, and a sentence naming no member may speak
    of it as "the plane", so neither is flagged. Nor is a sentence whose
    sentence ``before`` names the asked member: news names the thing once
    and compares it after ("The drought of 2010 was the worst. It covered
    1.2 million square miles, against 734,000 in 2005."), unless that
    sentence is only the date the page was published ("Oct 29, 2019 ..."):
    a stamp says when a report was written, not which one it is. The year of a
    question about what is to come ("Where will the plant open in 2024?")
    is when it happens, not which one: reports from the year before name
    their own. Nor is a year judged when the question asks a time: its
    answer may well be another year. ``names`` reads the families; another
    kind of names of the same shape (:func:`rag._events.event_names`) is
    compared the same way.
    """
    asked = names(question)
    if _FUTURE.search(question) or _ASKS_TIME.search(question):
        asked = frozenset(name for name in asked if name[0] != "year")
    if not asked:
        return False
    named = names(sentence)
    said = {member for _, member in named}
    flagged = False
    for family in {family for family, _ in asked}:
        members = {member for f, member in named if f == family}
        if members and not said & {member for f, member in asked if f == family}:
            flagged = True
    if not flagged or not before or _is_a_stamp(before):
        return flagged
    return not {member for _, member in names(before)} & {member for _, member in asked}


def _is_a_stamp(text: str) -> bool:
    """Whether ``text`` is only a date stamp ("Oct 29, 2019 ...", "Updated 3:15 PM ET, Tue May 4, 2021").

    Pages copied from the web and search results open with the day they were
    published. That day says when the report was written, not which year's
    event it speaks of, so it never stands for the sentence after it.

    Example:
        >>> _is_a_stamp("Oct 29, 2019 ..."), _is_a_stamp("Updated 3:15 PM ET, Tue May 4, 2021")
        (True, True)
        >>> _is_a_stamp("The drought of 2010 was the worst."), _is_a_stamp("2019")
        (False, False)
    """
    words = [word.lower() for word in re.findall(r"[A-Za-z]+", text)]
    # A month, for a year alone may be a heading over the year's winners ("2019. Joe Burrow, LSU").
    return bool(_YEAR.search(text)) and any(w in _MONTH_WORDS for w in words) and all(w in _STAMP_WORDS for w in words)


def names_asked(question: str, text: str, names: Names = numbered_names) -> bool:
    """Whether ``text`` names a member the question names ("the 787" for "When did the Boeing 787 first fly?")."""
    asked = {member for _, member in names(question)}
    return bool(asked & {member for _, member in names(text)})
