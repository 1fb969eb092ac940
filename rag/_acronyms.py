"""Initials and the names they stand for: "GM" and "General Motors".

A news report names a company or body in full once and by its initials
after ("General Motors reported a 49% decline … GM's shares"), and a
question may use either form. Word-overlap evidence counts neither as the
other, so "How much did GM's sales fall?" missed the sentence that says
"General Motors". These helpers let the evidence score count them as one
term, in both directions:

- :func:`spelled_out`: the question's initials ("GM"), each with a pattern
  for a run of capitalised words with those initials ("General Motors",
  "Bank of America" for "BA": small words such as "of" are skipped);
- :func:`initials_of`: the question's multi-word names ("General Motors"),
  each with its initials as a term ("gm").

Example:
    >>> [(term, bool(p.search("General Motors said so"))) for term, p in spelled_out("Did GM's sales fall?")]
    [('gm', True)]
    >>> initials_of("How much did General Motors lose?")
    (('gm', ('general', 'motor')),)
"""

from __future__ import annotations

import re

from ._text import STOPWORDS, stem

__all__ = ["initials_of", "spelled_out"]

# Two to six capitals standing alone ("GM", "GAO", "WWDC"), possibly with a possessive; not a word of a
# shouted headline, where every word is in capitals (checked in spelled_out).
_INITIALS = re.compile(r"\b[A-Z]{2,6}\b")
# Small words a name's initials skip: "Bank of America", "Food and Drug Administration".
_FILLER = r"(?:of|and|the|for|on|de|&)"
# A run of two or more capitalised words, small words allowed between them but not "and", which in a
# question more often joins two names ("Bank of America and Citigroup") than runs inside one.
_NAME = re.compile(r"\b[A-Z][\w-]*(?:(?:\s+(?:of|the|for|on|de))*\s+[A-Z][\w-]*)+")


def spelled_out(question: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The question's initials, each as its term and a pattern for the name they stand for."""
    words = question.split()
    if sum(w.isupper() for w in words) > len(words) / 2:  # a question in capitals has no initials to tell apart
        return ()
    out: dict[str, re.Pattern[str]] = {}
    for found in _INITIALS.findall(question):
        term = stem(found.lower())
        if term in out or found.lower() in STOPWORDS:
            continue
        gap = rf"(?:\s+{_FILLER})*\s+"
        out[term] = re.compile(r"\b" + gap.join(rf"{c}[a-z][\w-]*" for c in found) + r"\b")
    return tuple(out.items())


def initials_of(question: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The question's names of two or more capitalised words, each as its initials' term and its own terms."""
    out: dict[str, tuple[str, ...]] = {}
    for match in _NAME.finditer(question):
        capitals = [w for w in re.split(r"\s+", match.group(0)) if w[:1].isupper()]
        while capitals and capitals[0].lower() in STOPWORDS:  # "How", "Which", "The" opening the question
            capitals = capitals[1:]
        if len(capitals) < 2:
            continue
        words = [re.sub(r"['’]s$", "", w) for w in capitals]
        initials = "".join(w[0] for w in words).lower()
        out.setdefault(initials, tuple(stem(w.lower()) for w in words))
    return tuple(out.items())
