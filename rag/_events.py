"""Named events of a kind: "the Maxwell Award" and "the CFDA Awards", "the US Open" and "the French Open".

Sports, awards and festival news names several events of one kind in the
same breath, and a sentence about another one shares most of the question's
words: "2019 CFDA Awards winners: Brandon Maxwell …" for "Who is the Maxwell
Award winner in 2019?", the French Open's champion for the US Open's, the
men's final for the women's. :func:`event_names` reads such names as
``(kind, member)`` pairs, the shape :func:`rag._numbered.names_another`
compares, so a sentence naming only other members of an asked kind is
marked down and cannot lead, as one about another numbered model is.

- ``(kind, member)`` for a capitalised name ending in a word of its kind
  (Award, Prize, Cup, Open, Championship, Trophy, Medal, Games, Grand Prix,
  Bowl, Series, Marathon, Festival): the member is the name's last word
  before it ("FIFA World Cup" and "World Cup" are both the World Cup's,
  "Nobel Peace Prize" is not the "Nobel Prize");
- ``("division", "men")`` / ``("division", "women")`` for "men's" and
  "women's" (and boys' and girls').

Example:
    >>> sorted(event_names("2019 CFDA Awards winners: Brandon Maxwell, Rick Owens take top honors."))
    [('award', 'cfda')]
    >>> sorted(event_names("Who won the women's singles at the U.S. Open in 2021?"))
    [('division', 'women'), ('open', 'us')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["event_names", "mentions_asked"]

_KINDS = {
    "award": "award", "awards": "award", "prize": "prize", "prizes": "prize", "cup": "cup", "open": "open",
    "championship": "championship", "championships": "championship", "trophy": "trophy", "medal": "medal",
    "games": "games", "grand prix": "grand prix", "bowl": "bowl", "series": "series", "marathon": "marathon",
    "festival": "festival",
}
_KIND = "|".join(sorted((re.escape(k).replace(r"\ ", r"\s+") for k in _KINDS), key=len, reverse=True))
# A capitalised word (initials with dots too: "U.S."), then the kind's word, not followed by another capitalised word
# ("Open Source" is no tournament).
_EVENT = re.compile(
    rf"(?P<member>(?-i:[A-Z][\w'’&-]*|(?:[A-Z]\.)+))\s+(?P<kind>{_KIND})\b(?!\s+(?-i:[A-Z]))",
    re.IGNORECASE,
)
# A capitalised word right before or after a word makes it part of another name ("Brandon Maxwell").
_IN_A_NAME = re.compile(r"\b((?-i:[A-Z][a-z'’.]*|[A-Z]+))\s+$")
_NAME_AFTER = re.compile(r"\s+(?-i:[A-Z])")
_KIND_AFTER = re.compile(rf"\s+(?:{_KIND})\b", re.IGNORECASE)
_SMALL = frozenset("the a an this that in at on for of by with from after before as it he she they we".split())
_DIVISION = re.compile(r"\b(?P<who>men|women|boys|girls)['’]s?(?=\s)", re.IGNORECASE)
_DIVISIONS = {"men": "men", "boys": "men", "women": "women", "girls": "women"}
# Words that open a sentence or a headline rather than name the event: "The Open", "This Cup", "Its Awards".
_NOT_A_NAME = frozenset("the a an this that these those its his her their our your my every each annual".split())


def event_names(text: str) -> frozenset[tuple[str, str]]:
    """The named events of ``text`` as ``(kind, member)`` pairs (see the module's docstring).

    Example:
        >>> sorted(event_names("Osaka beat Azarenka in the US Open final; at the Australian Open she lost."))
        [('open', 'australian'), ('open', 'us')]
        >>> sorted(event_names("The men's final of the FIFA World Cup"))
        [('cup', 'world'), ('division', 'men')]
        >>> sorted(event_names("Microsoft Open Source licences"))
        []
    """
    found = {(kind, member.lower()) for kind, _, member in _named_events(text)}
    for m in _DIVISION.finditer(text):
        found.add(("division", _DIVISIONS[m.group("who").lower()]))
    return frozenset(found)


def mentions_asked(question: str, text: str) -> bool:
    """Whether ``text`` names an event ``question`` asks about by its own word alone ("Grammy" for "Grammy Award").

    News writes "six-time Grammy winner" and "the Wimbledon champion": such a
    sentence speaks of the asked event even where it also names another one
    in full. A member of two letters or fewer counts only written as in the
    question ("US", "U.S."): "us" is a common word.

    A word inside another name is not a mention: "Brandon Maxwell" does not
    speak of the Maxwell Award.

    Example:
        >>> mentions_asked("How many Grammy Awards has Lady Gaga won?", "Six-time Grammy winner Lady Gaga sang.")
        True
        >>> mentions_asked("Who won the US Open?", "He told us about the French Open.")
        False
        >>> mentions_asked("Who is the Maxwell Award winner?", "CFDA Awards winners: Brandon Maxwell, Rick Owens.")
        False
    """
    for _, written, member in _named_events(question):
        flags = 0 if len(member) <= 2 else re.IGNORECASE
        for found in re.finditer(rf"\b(?:{re.escape(written)}(?!\w)|{re.escape(member)}\b)", text, flags):
            before = _IN_A_NAME.search(text[: found.start()])
            after = _NAME_AFTER.match(text, found.end())
            if before is not None and before.group(1).lower() in _SMALL:
                before = None  # "The US champion": a sentence's first word
            if after is not None and _KIND_AFTER.match(text, found.end()):
                after = None  # "the French Open final": the event's own name
            if before is None and after is None:
                return True
    return False


def _named_events(text: str) -> Iterator[tuple[str, str, str]]:
    """Each named event of ``text``: its kind, its member as written, and the member without dots or possessive.

    A kind's word in lower case ("Ford open", "a Nobel prize") and a member
    that names nothing ("The Open") are no event's name.
    """
    for m in _EVENT.finditer(text):
        if not m.group("kind")[0].isupper():
            continue
        written = m.group("member")
        member = written.replace(".", "").replace("’", "'")
        member = member[:-2] if member.lower().endswith("'s") else member
        if member and member.lower() not in _NOT_A_NAME:
            yield _KINDS[re.sub(r"\s+", " ", m.group("kind").lower())], written, member
