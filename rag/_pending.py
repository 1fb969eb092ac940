"""A result still to come: a sentence saying the winner "will be announced" names no winner.

News previews say who is in the running and when the result comes: "The
winner of the 2019 Maxwell Award will be announced as part of the Home Depot
College Football Awards Show". Read for "Who is the Maxwell Award winner in
2019?", the reader takes a name from such a sentence ("Home Depot College
Football", or a finalist), though the sentence says the winner is not known
yet. :func:`asks_a_result` finds the questions that ask who won, was chosen
or received something; :func:`pending` the sentences whose result is still
to come.

Example:
    >>> asks_a_result("Who is the Maxwell Award winner in 2019?"), asks_a_result("Who runs Tesla?")
    (True, False)
    >>> pending("The winner of the 2019 Maxwell Award will be announced on December 12.")
    True
    >>> pending("Joe Burrow won the 2019 Maxwell Award on December 12.")
    False
"""

from __future__ import annotations

import re

__all__ = ["asks_a_result", "pending"]

_RESULT_ASKED = re.compile(
    r"^\s*(?:who|which|what)\b.*\b(?:won|wins?|winners?|champions?|awarded|received?|receives|named|chosen|selected|"
    r"elected|picked|recipients?|victors?|laureates?)\b",
    re.IGNORECASE,
)

# Who or what the result is about, then a result that is to come: "the 2012 Heisman winner will be announced",
# "one of the finalists will be named", "the recipient has yet to be chosen", "a successor is expected to be named".
_ROLE = (r"\b(?:winners?|recipients?|champions?|successors?|honou?rees?|laureates?|nominees?|finalists?|victors?|"
         r"picks?|choices?|replacements?|results?|outcome)\b")
_TO_COME = (r"\b(?:will|would|is to|are to|is set to|are set to|is expected to|are expected to|is scheduled to|"
            r"are scheduled to|is due to|are due to|has yet to|have yet to|is yet to|are yet to|has not yet|have not yet|"
            r"has not|have not|hasn't|haven't)\s+(?:be|been)\s+(?:officially\s+)?"
            r"(?:announced|revealed|unveiled|named|decided|determined|chosen|selected|crowned|known|declared|picked)\b")
_PENDING = re.compile(_ROLE + r"[^.;!?]{0,80}?" + _TO_COME, re.IGNORECASE)


def asks_a_result(question: str) -> bool:
    """Whether ``question`` asks who or what won, was chosen, named or awarded.

    Example:
        >>> asks_a_result("Who won the French Open?"), asks_a_result("Which film was awarded the Palme d'Or?")
        (True, True)
        >>> asks_a_result("Who announced the drill?"), asks_a_result("When will the winner be announced?")
        (False, False)
    """
    return bool(_RESULT_ASKED.search(question))


def pending(sentence: str) -> bool:
    """Whether ``sentence`` says a winner, a choice or a result is still to come ("will be announced", "has yet to be named").

    Example:
        >>> pending("One of the finalists will be named the 2020 National Teacher of the Year in the spring.")
        True
        >>> pending("Smith will be named chief executive on Monday, the board said.")  # the choice is made: Smith
        False
    """
    return bool(_PENDING.search(sentence))
