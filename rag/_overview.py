"""Overview questions: "What's the latest on the drill?", "What happened this week?".

A news reader asking these wants the news itself, not one fact, and no
single sentence answers them, so the reader model refuses them or quotes a
sentence that happens to share a word. An overview is answered with the
opening sentence of each of the newest articles about the topic (the
sentence a news story puts its news in), newest first, each cited with its
outlet and date. Without a topic ("What's new?", "What happened this
week?") the newest articles in the searched range are summed up the same
way.

An article is about the topic when it (its title or text) holds every
content term of the topic, or two in three of a longer one; its quoted
sentence is its first quotable one that holds one of them, among its
first :data:`LEAD_SENTENCES`. When no article is about the topic, there is
no overview and the question is answered as any other (which refuses).

Example:
    >>> overview_topic("What's the latest on the drill?")
    'the drill'
    >>> overview_topic("What happened this week?")
    ''
    >>> overview_topic("How many troops?") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from ._citations import cite
from ._index import IndexData
from ._quotable import after_headline, quotable
from ._text import content_terms, neutral_markers
from ._types import Answer, Citation, Passage

__all__ = [
    "LEAD_SENTENCES", "MAX_ARTICLES", "about_topic", "change_topic", "follow_up_topic", "overview", "overview_topic",
    "topic_terms",
]

MAX_ARTICLES = 3  # articles an overview quotes: a reader scans three headlines' worth, not a page
LEAD_SENTENCES = 8  # how far into an article its sentence about the topic is looked for

_ABOUT = r"(?:on|about|with|regarding|concerning|in|from|for|of|around|at|to)"
_POLITE = r"(?:(?:so|and|ok(?:ay)?|hi|hey|please),? )*(?:(?:can|could|would) you (?:please )?)?"
_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # "What's the latest on X?", "What are the latest developments in X?", "What's the latest?"
    rf"^{_POLITE}(?:what(?:'s| is| are)|whats) (?:the )?(?:very )?(?:latest|newest|most recent)"
    rf"(?: (?:news|updates?|developments?|reports?|headlines|stories|word))?(?: {_ABOUT} (?P<topic>.+))?$",
    # "What's the news about X?", "What's new with X?", "What's new?"
    rf"^{_POLITE}(?:what(?:'s| is| are)|whats) (?:the )?(?:news|headlines|top stories|new)(?: {_ABOUT} (?P<topic>.+))?$",
    # "Any news on X?", "Are there any updates about X?"
    rf"^{_POLITE}(?:(?:are|is) there )?any(?: new| recent| fresh| more)? (?:news|updates?|developments?)"
    rf"(?: {_ABOUT} (?P<topic>.+))?$",
    # "Tell me about X", "Fill me in on X", "Catch me up on X", "Brief me on X"
    rf"^{_POLITE}(?:tell me (?:more |the news )?|fill me in |catch me up |update me |brief me )"
    rf"(?:on|about|with) (?P<topic>.+)$",
    # "Give me an update on X", "A summary of X", "An overview of the news about X"
    rf"^{_POLITE}(?:(?:give|show|get) me )?(?:an? |the |some )?(?:quick |short |brief )?"
    rf"(?:update|overview|summary|rundown|recap|roundup|round-up|briefing|digest)"
    rf"(?: (?:of|on) the (?:news|articles|stories|coverage))?(?: {_ABOUT} (?P<topic>.+))?$",
    # "Summarize the news about X", "Summarise X", "Recap the articles"
    rf"^{_POLITE}(?:summari[sz]e|recap|sum up)(?: (?:the )?(?:news|articles|stories|coverage|reports?|headlines))?"
    rf"(?:(?: {_ABOUT})? (?P<topic>.+))?$",
    # "What's going on with X?", "What is happening in X?"
    # ("What is happening to X?" and "What was happening in 1848?" ask about one change or one past time)
    rf"^{_POLITE}(?:what(?:'s| is| has been)|whats) (?:going on|happening)(?: (?:with|in|at|around) (?P<topic>.+))?$",
    # "What do the articles say about X?", "What do we know about X?"
    rf"^{_POLITE}what do (?:the (?:articles|reports|news|sources)|you|we) (?:say|know|report) "
    rf"(?:about|on|regarding|concerning) (?P<topic>.+)$",
    # typed as a search: "latest on the drill", "news about Tesla", "updates on the strike"
    rf"^{_POLITE}(?:the |any )?(?:latest|newest|news|updates?|headlines|developments)(?: (?:news|updates?))?"
    rf" (?:on|about|from|regarding|concerning|for|in|with) (?P<topic>.+)$",
    # "What happened this week?", "What happened today?" (a topic makes it a question about an event)
    r"^(?:so |and )?what(?:'s| has)? happened(?: (?:this|last|past) (?:week|month|year)| today| yesterday"
    r"| recently| lately| overnight| so far)?$",
))
# "How has X changed?": how the reports moved over time, not one fact (the topic is needed: "How has it changed?" is a
# follow-up like any other). "How did X change?" only with "over time": without it, it is mostly another question
# ("How did Luther want people to bring about change?", SQuAD).
_CHANGE_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^(?:so |and )?how (?:has|have) (?P<topic>.+?) (?:changed|evolved|developed|shifted|progressed)"
    r"(?: (?:over|with) time| over the (?:years|months|weeks))?$",
    r"^(?:so |and )?how did (?P<topic>.+?) (?:change|evolve|develop|shift) (?:over|with) time$",
    r"^(?:so |and )?what(?:'s| has) changed (?:with|about|at|for|in|on) (?P<topic>.+)$",
))
# Time words are the time scope's (they filter), not what the articles must be about: left out before matching.
_TIME_WORDS = re.compile(
    r"\b(?:(?:this|last|past|the past|the last) (?:week|month|year|few days)|today|tonight|yesterday|overnight|"
    r"(?:a|an|one|two|three|four|five|six|\d{1,3}) (?:days?|weeks?|months?|years?) ago|"
    r"recently|lately|so far|right now|now|currently|at the moment|these days)(?:'s)?\b",
    re.IGNORECASE,
)


# A question word anywhere in the topic makes it a question: "the latest on where the plant will open",
# "Developments in nanotechnology are being undermined by what type of IP?" (SQuAD).
_ASKS = re.compile(r"\b(?:where|when|who|whom|whose|what|which|why|how|whether)\b", re.IGNORECASE)
# Words that name the news itself, not a topic of it (stemmed as content_terms stems them).
_GENERAL = frozenset(content_terms("news headlines stories updates developments coverage articles reports events world"))


def _normal(question: str) -> str:
    text = question.strip().replace("’", "'").replace("‘", "'")  # the topic keeps its capitals: "the A380"
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(" ?!.")


def overview_topic(question: str) -> str | None:
    """What an overview question asks about (``""``: the news in general), or ``None`` for any other question.

    Example:
        >>> overview_topic("Any news about Russia and China this week?")
        'Russia and China'
        >>> overview_topic("Summarize the articles"), overview_topic("Who won the election?")
        ('', None)
    """
    found = _matched(question, _PATTERNS)
    if found is None:
        return None
    topic = _named(found.groupdict().get("topic") or "")
    if topic is None:
        return None
    return "" if set(content_terms(topic)) <= _GENERAL else topic  # "Recap this week's news": the news in general


def change_topic(question: str) -> str | None:
    """What a question about change over time asks about ("How has X changed?"), or ``None`` for any other question.

    Example:
        >>> change_topic("How has the A380's order book changed over the years?")
        "the A380's order book"
        >>> change_topic("What's changed at GM?"), change_topic("How has it changed?")
        ('GM', None)
    """
    found = _matched(question, _CHANGE_PATTERNS)
    return None if found is None else _named(found.group("topic")) or None


def _matched(question: str, patterns: Sequence[re.Pattern[str]]) -> re.Match[str] | None:
    """The first of ``patterns`` to match the question, typed as people type, without its time words.

    Time words filter ("What's the news today?"): they are not what the articles are about.
    """
    text = _untimed(_normal(question)).strip(" ,")
    return next((found for found in (pattern.match(text) for pattern in patterns) if found is not None), None)


def _untimed(text: str) -> str:
    """``text`` without its time words (they filter; they are not what the articles are about)."""
    return re.sub(r"\s+", " ", _TIME_WORDS.sub(" ", text))


def _named(topic: str) -> str | None:
    """A topic as matched, trimmed of time words and punctuation; ``None`` when it is no topic.

    "it" names nothing ("Tell me more about it": a follow-up about a
    pronoun is a question like any other), and a question word makes it a
    question ("the latest on where the plant will open": one fact, the
    newest report's). An empty topic stays empty: the news in general.
    """
    topic = _untimed(topic).strip(" ,;:-")
    if (topic and not content_terms(topic)) or _ASKS.search(topic):
        return None
    return topic


_ANOTHER = re.compile(r"^(?:and|and what about|what about|how about|now)\s+(?P<topic>.+)$", re.IGNORECASE)


def follow_up_topic(question: str, history: Sequence[str],
                    asked: Callable[[str], str | None] = overview_topic) -> str | None:
    """The topic of a follow-up to an overview ("What's the latest on the recall?", then "and the earthquake?").

    ``None`` unless the last question of ``history`` was an overview (or
    whatever ``asked`` finds a topic in: :func:`change_topic` for "How has
    X changed?") and ``question`` names another topic ("and X?", "what
    about X?").

    Example:
        >>> follow_up_topic("and the earthquake?", ["What's the latest on the recall?"])
        'the earthquake'
        >>> follow_up_topic("and the earthquake?", ["How many cars were recalled?"]) is None
        True
        >>> follow_up_topic("what about Ford?", ["How has GM changed?"], asked=change_topic)
        'Ford'
    """
    earlier = [h for h in history if h and h.strip()]
    if not earlier or asked(earlier[-1]) is None:
        return None
    found = _ANOTHER.match(_normal(question))
    return (_named(found.group("topic")) or None) if found is not None else None


def _shown(topic: str) -> str:
    """The topic as the answer names it: a follow-up's carried words in brackets are searched, not shown.

    Example:
        >>> _shown("it (killed earthquake)"), _shown("the drill (Russia)"), _shown("the drill")
        ('', 'the drill', 'the drill')
    """
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", topic).strip()
    return bare if content_terms(bare) else ""


def topic_terms(topic: str) -> list[str]:
    """The topic's content terms, stemmed (empty for the news in general)."""
    return content_terms(topic)


def about_topic(terms: Sequence[str], covered: Iterable[str]) -> bool:
    """Whether an article whose terms are ``covered`` is about a topic of ``terms``: all of one to three, two in three of more.

    Example:
        >>> about_topic(["drill"], {"drill", "russia"}), about_topic(["mar", "mission"], {"mission"})
        (True, False)
    """
    if not terms:
        return True
    have = set(covered)
    found = sum(t in have for t in terms)
    return found == len(terms) if len(terms) <= 3 else 3 * found >= 2 * len(terms)


def _article_terms(index: IndexData, doc_i: int) -> set[str]:
    lo, hi = index.sentence_range(doc_i)
    terms = set(content_terms(index.documents[doc_i].title))
    for row in range(lo, hi):
        terms |= index.sentence_terms(row)
    return terms


def _lead(index: IndexData, doc_i: int, terms: Sequence[str]) -> tuple[int, int] | None:
    """The span of the article's first quotable sentence that holds a topic term (any, without a topic)."""
    doc = index.documents[doc_i]
    lo, hi = index.sentence_range(doc_i)
    wanted = set(terms)
    for row in range(lo, min(hi, lo + LEAD_SENTENCES)):
        _, start, end = (int(v) for v in index.sentence_rows[row])
        start = after_headline(doc.text, start, end, doc.title)
        if not quotable(doc.text, start, end, doc.title):
            continue
        if not wanted or wanted & index.sentence_terms(row):
            return start, end
    return None


def _newest_first(index: IndexData, docs: Iterable[int]) -> list[int]:
    """Document positions newest first; undated ones last, in the order given."""
    ordered = list(dict.fromkeys(docs))
    dated = sorted((i for i in ordered if index.documents[i].published), key=lambda i: index.documents[i].published or "",
                   reverse=True)
    return dated + [i for i in ordered if not index.documents[i].published]


def _label(citation: Citation) -> str:
    """``"Reuters, 2021-08-09: "``: who reported it and when, as far as known (the citation names the article)."""
    known = [v for v in (citation.outlet, citation.published) if v]
    return f"{', '.join(known)}: " if known else ""


def overview(question: str, topic: str, candidates: Iterable[int], index: IndexData, passages: Sequence[Passage] = (),
             *, max_articles: int = MAX_ARTICLES) -> Answer | None:
    """The overview answer from the articles ``candidates`` (positions, most relevant first), or ``None`` when none is about ``topic``.

    Args:
        question: The question as asked (the answer's ``question``).
        topic: What it asks about (:func:`overview_topic`); ``""`` for the news in general.
        candidates: Document positions to choose from: those a search for the
            topic found, or every article in the searched range.
        index: The index the positions refer to.
        passages: The retrieved passages, kept on the answer.
        max_articles: Most articles quoted.
    """
    terms = topic_terms(topic)
    chosen = _articles(index, _newest_first(index, candidates), terms, max_articles)
    if not chosen:
        return None
    shown = _shown(topic)
    about = f" about {shown}" if shown else ""
    opening = f"The newest reports{about}:" if len(chosen) > 1 else f"The newest report{about}:"
    return _quoted(question, opening, chosen, index, passages)


def change(question: str, topic: str, candidates: Iterable[int], index: IndexData, passages: Sequence[Passage] = (),
           *, max_articles: int = MAX_ARTICLES) -> Answer | None:
    """How the reports about ``topic`` changed: its oldest, middle and newest dated articles, oldest first.

    ``None`` when fewer than two dated articles with different dates are
    about it: one report, or undated ones, show no change over time.

    Args:
        question: The question as asked (the answer's ``question``).
        topic: What it asks about (:func:`change_topic`).
        candidates: Document positions a search for the topic found.
        index: The index the positions refer to.
        passages: The retrieved passages, kept on the answer.
        max_articles: Most articles quoted (at least two: the oldest and the newest).
    """
    dated = [i for i in _newest_first(index, candidates) if index.documents[i].published]
    about = _articles(index, dated, topic_terms(topic), len(dated))[::-1]  # oldest first
    if len({index.documents[i].published for i, _ in about}) < 2:
        return None
    last, most = len(about) - 1, max(max_articles, 2)  # the oldest and the newest at least
    picks = sorted({round(k * last / (most - 1)) for k in range(most)})
    chosen = [about[k] for k in picks]
    shown = _shown(topic)
    return _quoted(question, f"How the reports about {shown} changed, oldest first:", chosen, index, passages)


def _articles(index: IndexData, ordered: Iterable[int], terms: Sequence[str], most: int) -> list[tuple[int, tuple[int, int]]]:
    """Up to ``most`` of the ``ordered`` articles about the topic of ``terms``, each with its sentence about it.

    One copy of a syndicated story counts; without terms every article is about the news in general.
    """
    chosen: list[tuple[int, tuple[int, int]]] = []
    seen: set[int] = set()
    for doc_i in ordered:
        group = index.canonical(doc_i)  # one copy of a syndicated story
        # without a topic every article is about it: its terms are not gathered
        if group in seen or (terms and not about_topic(terms, _article_terms(index, doc_i))):
            continue
        span = _lead(index, doc_i, terms)
        if span is None:
            continue
        seen.add(group)
        chosen.append((doc_i, span))
        if len(chosen) >= most:
            break
    return chosen


def _quoted(question: str, opening: str, chosen: Sequence[tuple[int, tuple[int, int]]], index: IndexData,
            passages: Sequence[Passage]) -> Answer:
    """The answer quoting each chosen article's sentence in order, each cited with its outlet and date."""
    citations: list[Citation] = [cite(index, n, doc_i, start, end) for n, (doc_i, (start, end)) in enumerate(chosen, 1)]
    # an article's own "[1]" would read as one of our citations
    parts = [opening] + [f"{_label(c)}{neutral_markers(c.quote.strip())} [{c.n}]" for c in citations]
    return Answer(question=question, text=" ".join(parts), refused=False, citations=tuple(citations),
                  passages=tuple(passages))
