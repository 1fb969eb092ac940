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

:class:`Aliases` holds both for one question and adds to a sentence's terms
the question's terms it has in the other form.

Example:
    >>> [(term, bool(p.search("General Motors said so"))) for term, p in spelled_out("Did GM's sales fall?")]
    [('gm', True)]
    >>> initials_of("How much did General Motors lose?")
    (('gm', ('general', 'motor')),)
    >>> sorted(Aliases.of("How much did General Motors lose?").found(frozenset({"gm", "lost"}), "GM lost"))
    ['general', 'gm', 'lost', 'motor']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from ._text import STOPWORDS, stem

__all__ = ["Aliases", "initials_of", "spelled_out"]

# Two to six capitals standing alone ("GM", "GAO", "WWDC"), possibly with a possessive; not a word of a
# shouted headline, where every word is in capitals (checked in spelled_out).
_INITIALS = re.compile(r"\b[A-Z]{2,6}\b")
# Small words a name's initials skip: "Bank of America", "Food and Drug Administration".
_GAP = r"(?:\s+(?:of|and|the|for|on|de|&))*\s+"
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
        out[term] = re.compile(r"\b" + _GAP.join(rf"{c}[a-z][\w-]*" for c in found) + r"\b")
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
        initials = "".join(w[0] for w in capitals).lower()  # a run stops at an apostrophe: no possessive in it
        out.setdefault(initials, tuple(stem(w.lower()) for w in capitals))
    return tuple(out.items())


@dataclass(frozen=True)
class Aliases:
    """A question's initials and names, each countable in the other form (see the module's docstring).

    Example:
        >>> aliases = Aliases.of("Did GM's sales fall?")
        >>> sorted(aliases.found(frozenset({"general", "motor", "sale"}), "General Motors' sales fell"))
        ['general', 'gm', 'motor', 'sale']
    """

    spelled: tuple[tuple[str, re.Pattern[str]], ...] = ()
    initials: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, question: str, terms: Collection[str] | None = None) -> Aliases:
        """The question's aliases; with ``terms`` (the question's own), only initials among them and names' initials not."""
        spelled = tuple((t, p) for t, p in spelled_out(question) if terms is None or t in terms)
        initials = tuple((a, words) for a, words in initials_of(question) if terms is None or a not in terms)
        return cls(spelled, initials)

    def __bool__(self) -> bool:
        return bool(self.spelled or self.initials)

    def found(self, terms: frozenset[str], text: str) -> frozenset[str]:
        """``terms`` (those of ``text``) with the question's terms that ``text`` has in the other form."""
        extra = {t for t, pattern in self.spelled if t not in terms and pattern.search(text)}
        for initials, words in self.initials:
            if initials in terms:
                extra.update(words)
        return terms | extra if extra else terms
