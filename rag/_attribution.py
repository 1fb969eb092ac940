"""Who reported it is not what happened: "according to X" names a source, which answers only a question about one.

News ends its sentences with where a fact came from: "The fire started
Monday near a hiking trail, according to the Los Angeles County Fire
Department." Read for "Who started the fire?", the reader takes the source
("the Los Angeles County Fire Department"), the only name of the asked kind
in the sentence, though the sentence says nobody started it. A careful
reader knows the department only reported where the fire started.

:func:`source_spans` finds the source phrases of a sentence (the words after
"according to", up to a comma, a semicolon or the sentence's end);
:func:`quotes_the_source` says whether an answer's words lie inside one while
the question asks about what happened, not about who reported it. A question
asks about the source when it asks who said, reported, published or
estimated something ("Which newspaper printed …?", "According to whom …?"),
or when its words are the source's more than the rest of the sentence's
("Who is the fire chief?" against "…, according to Fire Chief Anthony
Marrone": the question is about the source).

Example:
    >>> s = "The fire started Monday near a trail, according to the county fire department."
    >>> [s[a:b] for a, b in source_spans(s)]
    ['the county fire department']
    >>> quotes_the_source("Who started the fire?", s, s.index("the county"), len(s) - 1)
    True
    >>> quotes_the_source("Which department reported where the fire started?", s, s.index("the county"), len(s) - 1)
    False
"""

from __future__ import annotations

import re

from ._text import content_terms

__all__ = ["asks_about_a_source", "quotes_the_source", "source_spans"]

# The source: "according to" and what follows, up to the clause's end (a comma, a semicolon, a dash, the sentence's
# end) or a clause that says more about it ("according to a report that was released …" keeps "a report").
_SOURCE = re.compile(r"\baccording\s+to\s+([^,;:.!?()\u2013\u2014\"“”]+?)(?=\s+(?:that|which|who)\b|\s*[,;:.!?()\u2013\u2014\"“”]|\s*$)",
                     re.IGNORECASE)

# A report's speaker after it, at the sentence's end: "…, and 14 structures were destroyed, the department said."
# Not after a quotation, whose "we" and "I" are the speaker's own ("'We will strike,' Fain said": Fain's union).
_SAID = re.compile(
    r"(?<![\"”’']),\s+((?:the\s+|a\s+|an\s+)?[^,;:\"“”()]{1,60}?)\s+(?:said|says|told\s+\w+|added|announced|reported|"
    r"stated|confirmed)(?:\s+(?:on|in|late|early)\s+[^,;:\"“”]{1,30}?|\s+\w+day)?\s*[.!?]?\s*$",
    re.IGNORECASE,
)

# A question about a source: who said, told, reported, published, found or estimated something.
_ASKS_SOURCE = re.compile(
    r"\b(?:according|sa(?:y|ys|id|ying)|told|tells?|announc\w*|report\w*|stat(?:e|ed|es|ing|ement)|claim\w*|"
    r"argu\w*|believ\w*|wr[io]te|writ\w*|estimat\w*|predict\w*|forecast\w*|warn\w*|confirm\w*|den(?:y|ied|ies)|"
    r"publish\w*|print\w*|found|finds?|findings?|stud(?:y|ies)|survey\w*|polls?|sources?|cit(?:e|ed|es|ing)|"
    r"quot\w*|reveal\w*|disclos\w*|accus\w*|blam\w*|suggest\w*|describ\w*)\b",
    re.IGNORECASE,
)


def source_spans(sentence: str) -> list[tuple[int, int]]:
    """Where ``sentence`` names a source, as ``(start, end)`` offsets.

    The words after each "according to", and a speaker who closes the
    sentence after a comma ("…, the department said."), unless a quotation
    comes right before (a quotation's "we" is its speaker).

    Example:
        >>> s = "Sales fell 5%, according to data from the ministry, and prices rose."
        >>> [s[a:b] for a, b in source_spans(s)]
        ['data from the ministry']
        >>> s = "Two firefighters were hurt and 14 homes were destroyed, the department said Thursday."
        >>> [s[a:b] for a, b in source_spans(s)]
        ['the department']
    """
    spans = [match.span(1) for match in _SOURCE.finditer(sentence)]
    said = _SAID.search(sentence)
    if said is not None:
        spans.append(said.span(1))
    return spans


def asks_about_a_source(question: str) -> bool:
    """Whether ``question`` asks who said, reported, published or estimated something.

    Example:
        >>> asks_about_a_source("According to whom did sales fall?"), asks_about_a_source("Who started the fire?")
        (True, False)
    """
    return bool(_ASKS_SOURCE.search(question))


def quotes_the_source(question: str, sentence: str, start: int, end: int) -> bool:
    """Whether the answer ``sentence[start:end]`` lies in a source phrase while ``question`` asks about what happened.

    Args:
        question: The question asked.
        sentence: The sentence the answer's words are in.
        start: Where those words begin in ``sentence``.
        end: Where they end.

    Returns:
        ``True`` when the words lie inside a source phrase ("according to the
        department") and the question neither asks about a source nor shares
        more of its words with the source phrase than with the rest of the
        sentence.

    Example:
        >>> s = "The blaze is 85% contained, according to Fire Chief Anthony Marrone."
        >>> quotes_the_source("Who is the fire chief?", s, s.index("Anthony"), len(s) - 1)  # asks about the source
        False
    """
    if start >= end or asks_about_a_source(question):
        return False
    asked = set(content_terms(question))
    for a, b in source_spans(sentence):
        if a <= start and end <= b:
            source = asked & set(content_terms(sentence[a:b]))
            rest = asked & set(content_terms(sentence[:a] + " " + sentence[b:]))
            return len(rest - source) > len(source - rest)
    return False
