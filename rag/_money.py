"""Amounts of money: whether a question asks for one, and where a text gives one.

A careful reader answers "How much did Edison offer Tesla?" with "fifty
thousand dollars", never with "1885" or "Tesla", and "What was Tesla's
revenue in Q1 2021?" with a sum, not "184,877 vehicles". The reader model
sometimes takes the other figure; the answerer uses this module to quote the
sentence's amount instead, or to let another sentence lead
(``ExtractiveAnswerer`` in :mod:`rag._answering`).

Only questions whose asked thing is money count: "How much did the Dow
fall?", "How much of Chrysler will Fiat own?" and "How much did the Fed raise
rates?" ask for a change or a share, which is often a percentage.

Example:
    >>> asks_money("How much did Edison offer Tesla to redesign a motor?")
    True
    >>> asks_money("What was Tesla's revenue in Q1 2021?")
    True
    >>> asks_money("How much did revenue fall last quarter?")
    False
    >>> text = "Edison said there was fifty thousand dollars in it, and later offered a US$10 raise."
    >>> [text[a:b] for a, b in money_spans(text)]
    ['fifty thousand dollars', 'US$10']
"""

from __future__ import annotations

import re

from ._text import NUMBER_WORDS

__all__ = ["CURRENCY_SIGNS", "asks_money", "money_spans"]

# What is paid, earned or owed: "how much … cost", "how much revenue".
_MONEY_WORDS = (
    r"money|cost|costs|costing|pay|pays|paid|paying|spend|spends|spent|spending|earn|earns|earned|earning|earnings|"
    r"make|makes|made|raise|raises|raised|worth|revenues?|profits?|income|sell\s+for|sold\s+for|sells\s+for|"
    r"charges?|charged|fines?|fined|budget|invest|invests|invested|investment|owe|owes|owed|donate|donates|"
    r"donated|donation|prices?|priced|salary|salaries|wages?|funding|funds?|funded|loans?|lend|lent|borrow|"
    r"borrowed|grants?|bail|ransom|bonus|compensation|bid|bids|offer|offers|offered|dollars?|euros?|pounds|"
    r"yen|yuan|valuation|valued|fee|fees|bailout|payout|settlement|damages|tuition|prize|award|awarded"
)
# "How much did X rise?": a change, a share or a rate is asked, most often a percentage.
_NOT_AN_AMOUNT = re.compile(
    r"\b(?:rise|rises|rose|risen|fall|falls|fell|fallen|grow|grows|grew|grown|growth|increase[sd]?|decrease[sd]?|"
    r"drop|drops|dropped|decline[sd]?|jump|jumps|jumped|climb|climbs|climbed|surge[sd]?|plunge[sd]?|gain|gains|"
    r"gained|shrink|shrank|shrunk|cut|cuts|slump|slumped|soar|soared|tumble[sd]?|percent|percentage|share|"
    r"shares|stake|rates?|time|long|weight|weigh)\b|\bhow\s+much\s+of\b",
    re.IGNORECASE,
)
_HOW_MUCH = re.compile(rf"\bhow\s+much\b.*\b(?:{_MONEY_WORDS})\b|\bhow\s+many\s+(?:dollars|euros|pounds|yen|yuan)\b",
                       re.IGNORECASE)
# "What was Tesla's revenue in Q1 2021?", "What is the price of gold?": the money noun is what is asked.
_WHAT_IS = re.compile(
    r"^\s*what(?:'s|’s|\s+(?:is|was|were|are|will\s+be|would\s+be|has\s+been))\s+(?:(?:the|a|an|its|his|her|their|"
    r"this|that|total|annual|average|estimated|net|gross|starting|median|quarterly|yearly|monthly|weekly|expected|"
    r"final|current|new|overall|combined|projected|reported|retail|asking|sale|purchase|list|ticket|base|record|"
    r"[\w.&-]+['’]s?|(?-i:[A-Z][\w.&-]*)|[\w-]*\d[\w-]*|\w+-\w+)\s+){0,5}?"
    r"(?:revenues?|profits?|income|earnings|price|cost|budget|salary|valuation|net\s+worth|fine|bail|ransom|"
    r"market\s+value|market\s+cap(?:italization)?)\s*(?:\?|$|\b(?:of|for|in|at|on|from|during|by|this|last|per|"
    r"as|after|before|when|since)\b)",
    re.IGNORECASE,
)

# The signs written before an amount ("$15.5 million", "US$10", "€2.5bn").
CURRENCY_SIGNS = "$€£¥₹"
_SCALE = r"(?:\s*(?:hundred|thousand|million|billion|trillion|bn|mn|m|k)\b)?"
_AMOUNT = (
    rf"(?:\d[\d,]*(?:\.\d+)?|(?:{NUMBER_WORDS}|a|one|several|a\s+few|hundreds\s+of|thousands\s+of|millions\s+of|"
    rf"billions\s+of|a\s+hundred|a\s+thousand|a\s+million|a\s+billion)(?:[\s-]+(?:{NUMBER_WORDS}))?)"
    rf"(?:\s+(?:hundred|thousand|million|billion|trillion))*"
)
_CURRENCY_WORD = (
    r"(?:(?:U\.S\.|US|American|Canadian|Australian|Hong\s+Kong|Singapore|New\s+Zealand|Taiwan)\s+)?"
    r"(?:dollars?|euros?|pounds?(?:\s+sterling)?|yen|yuan|renminbi|rupees?|francs?|pesos?|(?:Deutsche\s+)?marks|"
    r"cents?|pence|bucks|rubles?|roubles?|lire|lira|kronor|kroner|krona|shekels?|rand|dinars?|dirhams?|riyals?|"
    r"USD|EUR|GBP|JPY|CNY|RMB|INR|CHF|CAD|AUD)\b"
)
_MONEY = re.compile(
    rf"(?:\b[A-Z]{{1,3}})?[{re.escape(CURRENCY_SIGNS)}]\s?\d[\d,]*(?:\.\d+)?{_SCALE}"
    rf"|\b(?:USD|EUR|GBP|JPY|CNY|RMB|INR|CHF|Rs\.?)\s?\d[\d,]*(?:\.\d+)?{_SCALE}"
    rf"|\b{_AMOUNT}\s+{_CURRENCY_WORD}",
    re.IGNORECASE,
)


def asks_money(question: str) -> bool:
    """Whether ``question`` asks for an amount of money (not a change, a share or a rate).

    Example:
        >>> asks_money("How much money was spent on the festivities?")
        True
        >>> asks_money("What was Apple's total revenue in fiscal 2008?")
        True
        >>> asks_money("What is used to decide a teacher's salary?")
        False
        >>> asks_money("How much of Chrysler will Fiat own?")
        False
        >>> asks_money("How much did the Fed raise interest rates?")
        False
    """
    if _NOT_AN_AMOUNT.search(question) and not re.search(r"\bhow\s+much\s+money\b", question, re.IGNORECASE):
        return False
    return bool(_HOW_MUCH.search(question) or _WHAT_IS.search(question))


# A sum given as a share of one: "fined up to 4% of their global turnover", "10 percent of annual revenue".
_SHARE_OF_MONEY = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:%|percent\b|per\s+cent\b)\s+of\s+(?:(?:the|their|its|his|her|a|an|each|every|one's)\s+)?"
    r"(?:(?:global|worldwide|annual|yearly|monthly|total|gross|net|group|company's|firm's)\s+){0,2}"
    r"(?:turnover|revenues?|sales|income|profits?|earnings|salary|salaries|pay|wages?)\b",
    re.IGNORECASE,
)


def money_spans(text: str) -> list[tuple[int, int]]:
    """The offsets of each amount of money ``text`` gives ("$15.5 million", "fifty thousand dollars", "3 pence").

    A share of a sum counts too ("up to 4% of their global turnover"): a fine
    or a fee is often set that way.

    Example:
        >>> text = "Revenue was $6.04 billion; it sold 90,650 cars for 20 million euros."
        >>> [text[a:b] for a, b in money_spans(text)]
        ['$6.04 billion', '20 million euros']
        >>> text = "It would have fined platforms up to 4% of their global turnover; sales rose 4%."
        >>> [text[a:b] for a, b in money_spans(text)]
        ['4% of their global turnover']
    """
    found = [(m.start(), m.end()) for m in _MONEY.finditer(text)]
    found += [(m.start(), m.end()) for m in _SHARE_OF_MONEY.finditer(text)]
    return sorted(found)
