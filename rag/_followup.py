"""Turning a follow-up question into a standalone one, transparently.

With no LLM, follow-ups are rewritten by a visible rule. A question is a
follow-up if it

* starts with a continuation lead ("and", "also", "what about"…), or
* refers back with a pronoun, "there" or "then" ("why did they do it?"), or
* names no subject of its own: a fragment with no question word and at most
  one content word ("the navy?"), or a question whose only content word is
  the thing it asks about ("how many aircraft?", "why?") asked right after a
  question of the same form ("how many troops took part in the drill?").

A question that opens with a question word or auxiliary ("why", "who",
"is", "did"…) and names a subject beyond its focus word stands alone
("Why Tajikistan?", "Where is the drill?") and is never rewritten; so does
"How many troops?" after "Why Tajikistan?", which asks something else. For
a follow-up, the subject of the previous question is carried over: its
content words, except the thing it asked about ("troops" in "how many
troops?"), which the follow-up replaces, and words that name no subject
("took part", "happened"). When the previous question was itself a
follow-up, its subject is the one it carried, so a chain of follow-ups
keeps the conversation's subject. The result is shown to the user as
``standalone_question``.

Trade-offs: it never resolves a pronoun to an entity from the previous
*answer*, it may carry a word that no longer applies, and a complete
question whose only subject is a weak word ("how many aircraft took part?")
stands alone; it is predictable and costs nothing, which is what the
default, LLM-free path needs.

Example:
    >>> standalone_question("and how many aircraft?", ["how many troops took part in the drill?"])
    'how many aircraft? (drill)'
    >>> standalone_question("Why Tajikistan?", ["What did the Taliban claim?"])
    'Why Tajikistan?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._text import STOPWORDS, content_terms, stem, tokenize_words

__all__ = ["is_follow_up", "standalone_question"]

_LEAD = re.compile(r"^\s*(?:and|also|so|but|what about|how about|and what about)\b[\s,]*", re.IGNORECASE)
# Words that name no subject: carried over, they pull in passages about anything ("took part", "happened").
_WEAK = frozenset("""part place take takes took taken taking happen happens happened happening do does did done
    get gets got make makes made thing things way lot kind sort number say says said""".split())
_REFERS_BACK = frozenset("there it its they them their that this those these he she his her him then".split())
_FOCUS = re.compile(r"^\s*(?:how many|how much|which|what)\s+([\w-]+)", re.IGNORECASE)
# Words that open a complete question (wh-words, auxiliaries) or request.
_QUESTION_WORDS = frozenset(
    """what which who whom whose where when why how is are was were am do does did can could will would
    should shall may might must has have had describe explain list name summarize summarise tell""".split()
)


def _focus_word(question: str) -> str | None:
    """The thing a "how many X"/"which X"/"what X" question asks about, lower-cased."""
    match = _FOCUS.match(question)
    return match.group(1).lower() if match else None


def is_follow_up(question: str, previous: str = "") -> bool:
    """Whether ``question`` leans on an earlier one.

    Args:
        question: The new question.
        previous: The question asked before it ("" if none): a question
            whose only content word is its focus ("how many aircraft?") is a
            follow-up only after a question of the same form.

    Returns:
        True if it starts with a continuation lead, refers back with a
        pronoun/"there"/"then", or names no subject of its own (see the
        module docstring); False for a complete question.

    Example:
        >>> is_follow_up("how many aircraft?", "how many troops took part?"), is_follow_up("How many troops?", "Why Tajikistan?")
        (True, False)
    """
    words = tokenize_words(question)
    if _LEAD.match(question) or _REFERS_BACK & set(words):
        return True
    terms = content_terms(question)
    if not words or words[0] not in _QUESTION_WORDS:
        return len(terms) <= 1  # a fragment: "the navy?", "aircraft?"
    # A question word opens it: it stands alone if it names something besides
    # what it asks about ("Why Tajikistan?" yes, "how many aircraft?" no).
    focus = _focus_word(question)
    if [t for t in terms if focus is None or t != stem(focus)]:
        return False
    if focus is None:
        return True  # "why?", "when?": nothing but the question word
    # "how many aircraft?" continues "how many troops took part?", but after "Why Tajikistan?" it asks anew.
    return previous == "" or _opening(previous) == _opening(question)


def _opening(question: str) -> str | None:
    """The form of a focus question ("how many", "which", …), lower-cased; ``None`` for another question."""
    match = _FOCUS.match(question)
    return " ".join(match.group(0).lower().split()[:-1]) if match else None


def standalone_question(question: str, history: Sequence[str]) -> str:
    """Rewrite a follow-up using the subject of the previous question of ``history``.

    Args:
        question: The new question.
        history: Earlier questions, oldest first.

    Returns:
        ``question`` unchanged if it stands alone (or there is no history),
        else the question with the previous question's subject words appended.
    """
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not is_follow_up(question, earlier[-1]):
        return question
    current = _LEAD.sub("", question).strip() or question.strip()
    if current:
        current = current[0].upper() + current[1:] if question[:1].isupper() else current
    have = set(tokenize_words(current))
    carried = [w for w in _subject(earlier) if w not in have]
    return f"{current} ({' '.join(carried)})" if carried else current


def _subject(history: list[str]) -> list[str]:
    """The subject words of the last question of ``history``: what a follow-up to it carries over.

    A follow-up's subject is the one it carried from before it (its own words
    are what it asked about); a question standing alone gives its content
    words, less its focus word and words that name no subject.
    """
    last = history[-1]
    if len(history) > 1 and is_follow_up(last, history[-2]):
        return _subject(history[:-1])
    focus = _focus_word(last)
    words = [w for w in tokenize_words(last) if w not in STOPWORDS and w not in _WEAK and w != focus and len(w) > 1]
    return list(dict.fromkeys(words))
