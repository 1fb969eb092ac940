"""Facts of a text: its figures and names, which of them another text does not state, and whether it contradicts it.

Used to check an LLM's sentence against its citations ("One million troops
[1]" against "more than 10,000 troops"). Tried as a fifth feature of the
reader's calibrated probability (the share of a question's facts a
candidate leaves out): the fit gave it no useful weight (docs/evaluation.md).

Trade-offs: a name is any capitalised word (after a sentence-opening
stopword), matched by word, stem or prefix ("Russian" for "Russia"); a
figure is any number, in digits or words. No entity linking: "the
president" is not a name, and "Biden" and "the president" do not match.

A claim contradicts its quotes (:func:`contradicts`) when one says no and
the other does not ("No troops are taking part" against "More than 10,000
troops are taking part"), or when it states a figure the quotes state
otherwise. Negation is a word ("no", "not", "never", "none", "n't", ...), not
a parse: a quote that merely contains a "not" elsewhere ("not counting the
air force") makes a positive claim on it unsupported (removed, never shown
wrong), and a double negative is read as a negative.

Example:
    >>> missing_facts("One million troops took part", ["More than 10,000 troops are taking part"])
    ['1000000']
    >>> contradicts("No troops are taking part", ["More than 10,000 troops are taking part"])
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._text import STOPWORDS, numbers_in, stem, tokenize_words

__all__ = ["contradicts", "missing_facts", "negated"]

_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_LONE_ONE = re.compile(r"\b1\b")
_NEGATIONS = frozenset("no not never none nobody nothing neither nor without cannot zero".split())
_NOT_A_NEGATION = re.compile(r"\bnot only\b|\bno doubt\b", re.IGNORECASE)  # "not only ... but also" affirms


def _bare(word: str) -> str:
    """A lower-cased word without a possessive: "Russia’s" -> "russia"."""
    word = word.lower().replace("’", "'")
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


def _names_in(sentence: str) -> list[str]:
    """Capitalized words of ``sentence`` (names, places, months), lower-cased and unique.

    The first word is capitalized anyway, so it counts only when it is not a
    stopword ("The", "More", "May" as a verb); a name often opens a sentence.
    """
    names: dict[str, None] = {}
    for i, match in enumerate(_NAME_WORD.finditer(sentence)):
        word = match.group(0)
        if not word[0].isupper() or len(word) < 2 or (i == 0 and _bare(word) in STOPWORDS) or numbers_in(word):
            continue  # lower case, a stopword opening the sentence, or a figure ("Ten"), checked as one
        names.setdefault(_bare(word), None)
    return list(names)


def _name_found(name: str, words: set[str], stems: set[str]) -> bool:
    if name in words or stem(name) in stems:
        return True
    # "Russian" for "Russia", "Taliban" for "Talibans": one is a prefix of the other.
    return any((name.startswith(w) and len(w) >= 4) or (w.startswith(name) and len(name) >= 4) for w in words)


def _figures(sentence: str) -> set[float]:
    """The numbers of ``sentence``; a lone "one" is a pronoun ("one of the drills"), not a figure."""
    numbers = set(numbers_in(sentence))
    if not _LONE_ONE.search(sentence):
        numbers.discard(1.0)
    return numbers


def negated(text: str) -> bool:
    """Whether ``text`` says no: it holds a negation word or an "n't".

    Example:
        >>> [negated(t) for t in ("Troops aren't taking part", "None of them left", "Troops took part")]
        [True, True, False]
    """
    words = tokenize_words(_NOT_A_NEGATION.sub(" ", text))
    return any(w in _NEGATIONS or w.endswith("n't") for w in words)


def contradicts(sentence: str, quotes: Sequence[str]) -> bool:
    """Whether ``sentence`` says other than the quotes it rests on.

    It does when it negates what they state, or states as so what one of
    them negates, or states a figure none of them states while they state figures
    (so "five troops [1]" fails on a quote of "10,000 troops", even when
    "five" is elsewhere in the passage).

    Args:
        sentence: An answer sentence, without its ``[n]`` markers.
        quotes: The sentences its citations quote.

    Example:
        >>> contradicts("Troops never took part", ["Troops took part"]), contradicts("5 took part", ["10,000 took part"])
        (True, True)
        >>> contradicts("No troops took part", ["No troops took part in 2020"])
        False
    """
    if not quotes:
        return False
    if negated(sentence) != any(map(negated, quotes)):
        return True
    stated = set().union(*map(_figures, quotes))
    return bool(stated) and bool(_figures(sentence) - stated)


def missing_facts(sentence: str, cited: Sequence[str]) -> list[str]:
    """The figures and names of ``sentence`` that none of its cited texts states.

    Args:
        sentence: An answer sentence, without its ``[n]`` markers.
        cited: The texts of the passages it cites.

    Returns:
        The missing facts, numbers first (``"1000000"``), then names
        (lower-cased); empty if every fact is in the cited text.
    """
    source = " ".join(cited)
    missing = [str(int(n)) if n.is_integer() else str(n) for n in sorted(_figures(sentence) - numbers_in(source))]
    words = {_bare(w) for w in tokenize_words(source)}
    stems = {stem(w) for w in words}
    missing += [name for name in _names_in(sentence) if not _name_found(name, words, stems)]
    return missing

