"""Which way a figure moved: "How much have the shares fallen?" is not answered by "Citigroup gained 9.7%".

Market and sales news gives several moves in one sentence ("Bank of America
shares rose by 3.2%, whilst Citigroup gained 9.7%"), and a question asks for
one direction. :func:`asked_direction` reads the direction a "how much / how
far" question asks; :func:`move_of` the direction a figure of a text moved,
from the verb or noun right next to it ("fell 5.5 percent", "down 5%", "a
4% rise", "a plunge of 55%", "9.7% higher"). A figure whose direction is
not written there gets none, and is left to the reader.

Example:
    >>> asked_direction("How much have Bank of America and Citigroup shares fallen this year?")
    'down'
    >>> text = "Bank of America shares rose by 3.2%, whilst Citigroup gained 9.7%."
    >>> move_of(text, text.index("9.7"), text.index("9.7") + 4)
    'up'
"""

from __future__ import annotations

import re

__all__ = ["asked_direction", "move_of", "moves"]

_DOWN_VERBS = (
    r"fell|fall|falls|fallen|falling|dropped|drop|drops|dropping|declined|decline|declines|declining|slid|slide|slides|"
    r"sliding|sank|sink|sinks|sunk|plunged|plunge|plunges|plunging|tumbled|tumble|tumbles|lost|lose|loses|losing|"
    r"slumped|slump|slumps|slipped|slip|slips|shed|sheds|dipped|dip|dips|decreased|decrease|decreases|eased|eases|"
    r"retreated|plummeted|plummet|plummets|crashed|shrank|shrink|shrinks|shrunk|down|lower"
)
_UP_VERBS = (
    r"rose|rise|rises|risen|rising|gained|gain|gains|gaining|climbed|climb|climbs|climbing|jumped|jump|jumps|"
    r"jumping|increased|increase|increases|increasing|surged|surge|surges|surging|soared|soar|soars|soaring|rallied|"
    r"rally|rallies|added|add|adds|advanced|advance|advances|grew|grow|grows|grown|growing|rebounded|rebound|"
    r"rebounds|spiked|up|higher"
)
_DOWN_NOUNS = r"drop|drops|fall|falls|decline|declines|loss|losses|plunge|slide|slump|dip|decrease|tumble|cut|cuts"
_UP_NOUNS = r"rise|rises|gain|gains|increase|increases|jump|surge|climb|advance|rally|growth|hike|boost"
# Words a move may put between its verb and its figure: "fell by nearly 5%", "lost another 1.4%".
_BETWEEN = (
    r"(?:(?:by|another|a\s+further|further|a|an|about|almost|nearly|more\s+than|over|some|around|roughly|"
    r"approximately|just|only|as\s+much\s+as|close\s+to|at\s+least)\s+)*"
)
_SIGN = r"[$€£]?"
# A verb or noun of a move ending right where the figure starts: "rose by 3.2%", "a plunge of 55%".
_BEFORE = re.compile(
    rf"\b(?:(?P<down>{_DOWN_VERBS})|(?P<up>{_UP_VERBS})|(?P<down_noun>{_DOWN_NOUNS})\s+of|(?P<up_noun>{_UP_NOUNS})\s+of)"
    rf"\s+{_BETWEEN}{_SIGN}$",
    re.IGNORECASE,
)
# After the figure: "9.7% higher", "5 percent lower", "a 4% rise", "a 5.5 percent fall".
_AFTER = re.compile(
    rf"\s*(?:%|percent\b|per\s+cent\b|points?\b|pts\b)?\s*(?:(?P<down>lower|down|{_DOWN_NOUNS})|(?P<up>higher|up|{_UP_NOUNS}))\b",
    re.IGNORECASE,
)
# "How much did <what moved> fall?": the move's verb right after its subject, which is a few words and no clause
# ("How much does it cost to gain entry?" and "How much of the farmland grows hay?" ask no move).
_ASKS = re.compile(
    rf"\b(?:how\s+(?:much|far|many\s+points|many\s+percent)|by\s+how\s+much)\s+"
    rf"(?:did|has|have|had|will|would|could|does|do)\s+"
    rf"(?P<subject>(?:(?!(?:to|when|while|if|after|before|the|a|this|last|next)\s+(?:{_DOWN_VERBS}|{_UP_VERBS})\b)"
    rf"[\w'’&.-]+\s+){{1,7}}?)"
    rf"(?:(?P<down>{_DOWN_VERBS})|(?P<up>{_UP_VERBS}))\b",
    re.IGNORECASE,
)
_NO_MOVE_IN_SUBJECT = re.compile(r"\b(?:to|when|while|if|cost|costs)\b", re.IGNORECASE)
_FIGURE = re.compile(r"[$€£]?\d[\d,]*(?:\.\d+)?(?:\s*(?:%|percent\b|per\s+cent\b|points?\b|pts\b))?")


def asked_direction(question: str) -> str | None:
    """``"down"`` or ``"up"`` for a question asking the size of a move that way, else ``None``.

    Example:
        >>> asked_direction("How far did the FTSE 100 fall today?")
        'down'
        >>> asked_direction("By how much did sales increase last month?")
        'up'
        >>> asked_direction("How much did Ford lose in 2008?")  # a loss of money is no move of a figure
        >>> asked_direction("How many troops took part?")
    """
    found = _ASKS.search(question)
    if found is None or _NO_MOVE_IN_SUBJECT.search(found.group("subject")):
        return None
    verb = found.group("down") or found.group("up")
    if verb.lower() in {"up", "down", "higher", "lower"}:
        return None  # "How much did it end up …": a particle, not a move
    if found.group("down") and found.group("down").lower() in {"lost", "lose", "loses", "losing"}:
        return None
    return "down" if found.group("down") else "up"


def move_of(text: str, start: int, end: int) -> str | None:
    """The direction the figure at ``text[start:end]`` moved, from the words right next to it, else ``None``.

    Example:
        >>> text = "Chrysler was hardest hit, with a plunge of 55%, while Fiat's sales were up 4%."
        >>> move_of(text, text.index("55"), text.index("55") + 3), move_of(text, text.index("4%"), text.index("4%") + 2)
        ('down', 'up')
    """
    before = _BEFORE.search(text[max(0, start - 60) : start])
    if before is not None:
        return "down" if before.group("down") or before.group("down_noun") else "up"
    after = _AFTER.match(text, end)
    if after is not None:
        return "down" if after.group("down") else "up"
    return None


def moves(text: str, direction: str) -> list[tuple[int, int]]:
    """The offsets of each figure of ``text`` that moved in ``direction``.

    Example:
        >>> text = "Bank of America shares rose by 3.2%, whilst Citigroup fell 9.7%."
        >>> [text[a:b] for a, b in moves(text, "down")]
        ['9.7%']
    """
    return [(m.start(), m.end()) for m in _FIGURE.finditer(text) if move_of(text, m.start(), m.end()) == direction]
