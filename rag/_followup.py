"""Turning a follow-up question into a standalone one, transparently.

With no LLM, follow-ups are rewritten by a visible rule: if the question
looks like a follow-up (starts with "and"/"what about", refers back with
"there"/"it"/"they"…, or names at most one content word), the content words
of the previous question are carried over, except the thing the previous
question asked about ("troops" in "how many troops?"), which the follow-up
replaces. The result is shown to the user as ``standalone_question``.

Trade-offs: it never resolves a pronoun to an entity from the previous
*answer*, and it may carry a word that no longer applies; it is predictable
and costs nothing, which is what the default, LLM-free path needs.

Example:
    >>> standalone_question("and how many aircraft?", ["how many troops took part in the drill?"])
    'how many aircraft? (part drill)'
    >>> standalone_question("why Tajikistan?", [])
    'why Tajikistan?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._text import STOPWORDS, content_terms, tokenize_words

__all__ = ["is_follow_up", "standalone_question"]

_LEAD = re.compile(r"^\s*(?:and|also|so|but|what about|how about|and what about)\b[\s,]*", re.IGNORECASE)
_REFERS_BACK = frozenset("there it its they them their that this those these he she his her him then".split())
_FOCUS = re.compile(r"^\s*(?:how many|how much|which|what)\s+([\w-]+)", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """Whether ``question`` leans on an earlier one."""
    words = tokenize_words(question)
    return bool(_LEAD.match(question)) or bool(_REFERS_BACK & set(words)) or len(content_terms(question)) <= 1


def standalone_question(question: str, history: Sequence[str]) -> str:
    """Rewrite a follow-up using the previous question of ``history``.

    Args:
        question: The new question.
        history: Earlier questions, oldest first.

    Returns:
        ``question`` unchanged if it stands alone (or there is no history),
        else the question with the previous question's subject words appended.
    """
    previous = next((h.strip() for h in reversed(history) if h and h.strip()), "")
    if not previous or not is_follow_up(question):
        return question
    current = _LEAD.sub("", question).strip() or question.strip()
    if current:
        current = current[0].upper() + current[1:] if question[:1].isupper() else current
    focus = _FOCUS.match(previous)
    skip = {focus.group(1).lower()} if focus else set()
    have = set(tokenize_words(current))
    carried = [
        w for w in tokenize_words(previous) if w not in STOPWORDS and w not in skip and w not in have and len(w) > 1
    ]
    carried = list(dict.fromkeys(carried))
    return f"{current} ({' '.join(carried)})" if carried else current
