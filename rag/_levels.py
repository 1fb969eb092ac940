"""Where a market index stands: whether a question asks a level, and where a text gives one.

"Where did the Nikkei close on Thursday?" asks a level ("8,962"); "fell
another 1.4% Thursday" gives a change, and "the Dow lost 300 points" a
change too. The answerer quotes a read sentence's level, or lets another
sentence lead (``ExtractiveAnswerer`` in :mod:`rag._answering`), as it does
for amounts of money (:mod:`rag._money`).

Example:
    >>> asks_level("Where did the Dow end the day on Monday?")
    True
    >>> asks_level("Where did the 787 make its first flight?")
    False
    >>> text = "The Dow gained 39 points, or half a percent, ending the day at 8,017."
    >>> [text[a:b] for a, b in level_spans(text)]
    ['8,017']
"""

from __future__ import annotations

import re

__all__ = ["asks_level", "level_spans"]

_ASKS_LEVEL = re.compile(
    r"^\s*(?:(?:what|which) level|where)\b.*\b(?:close|closed|end|ended|finish|finished|settle|settled|stand|stood|"
    r"(?:fall|fell|drop|dropped|sink|sank|slide|slid|rise|rose|climb|climbed|jump|jumped)\s+to)\b",
    re.IGNORECASE)
# What has a level: a market index, a share, a currency, a commodity or a price ("Where did the Huguenots settle?" has none).
_MARKET = re.compile(
    r"\b(?:index|indexes|indices|average|Dow|Nasdaq|S&P|FTSE|Nikkei|Hang\s+Seng|DAX|CAC|Kospi|Sensex|Nifty|TSX|ASX|"
    r"Stoxx|Euro\s+Stoxx|stocks?|shares?|market|markets|oil|crude|gold|silver|copper|yen|dollar|euro|pound|sterling|"
    r"yuan|bitcoin|price|prices|yield|yields|rate|bonds?|futures|Brent)\b",
    re.IGNORECASE,
)
# A figure that can be a level: thousands with a comma, three or more digits, or a decimal ("8,017", "9505.96").
_FIGURE = re.compile(r"(?<![\d.,])[$€£]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{3,}(?:\.\d+)?|\d+\.\d+)(?![\d,]*\d)")
_CHANGE_AFTER = re.compile(r"\s*(?:%|percent\b|per\s+cent\b|pc\b)", re.IGNORECASE)
_POINTS_AFTER = re.compile(r"\s*points?\b", re.IGNORECASE)
# Words right before a figure that make "N points" the level reached, not the change: "closed at 11,489.30 points".
_AT_BEFORE = re.compile(r"\b(?:at|to|of|above|below|near|around|under|over)\s+$", re.IGNORECASE)
# The word after a level, if any: "points", or one that starts the rest of the clause ("at 8,017 on Friday").
_WORD_AFTER = re.compile(r"\s+([A-Za-z]+)")
_LEVEL_WORDS = frozenset("points point mark level on in after before and as at by for with when while its the a an "
                         "amid following".split())
_LOWER_AFTER = re.compile(r"\s+(?:lower|higher|down|up)\b", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_NAME_BEFORE = re.compile(r"(?-i:[A-Z][\w&]*)\s$")


def asks_level(question: str) -> bool:
    """Whether ``question`` asks the level something closed, ended or fell to ("Where did the Dow close?").

    Example:
        >>> asks_level("What level did the FTSE 100 drop to this week?")
        True
        >>> asks_level("Where did the Huguenot colonists settle?")  # nothing with a level
        False
        >>> asks_level("How much did the Dow fall?")
        False
    """
    return _ASKS_LEVEL.match(question) is not None and _MARKET.search(question) is not None


def level_spans(text: str) -> list[tuple[int, int]]:
    """The offsets of each figure of ``text`` that can be a level: not a percentage, a year or a change in points.

    Example:
        >>> text = ("Japan's Nikkei 225 fell 406.51 points to 16764, and closed at 11,489.30 points in 2008; "
        ...         "the FTSE fell to 52.9 points lower after a 9.0 magnitude quake.")
        >>> [text[a:b] for a, b in level_spans(text)]
        ['16764', '11,489.30']
    """
    found = []
    for m in _FIGURE.finditer(text):
        if _YEAR.match(m.group()) or _CHANGE_AFTER.match(text, m.end()):
            continue
        if m.group().isdigit() and _NAME_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue  # "Nikkei 225", "FTSE 100": the index's name
        unit = _WORD_AFTER.match(text, m.end())
        if unit is not None and unit.group(1).lower() not in _LEVEL_WORDS:
            continue  # "a 9.0 magnitude earthquake", "76.25 to a dollar": a figure of something else
        points = _POINTS_AFTER.match(text, m.end())
        if points is not None and (not _AT_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
                                   or _LOWER_AFTER.match(text, points.end())):
            continue  # "lost 484.68 points", "to 52.9 points lower": the change
        found.append((m.start(), m.end()))
    return found
