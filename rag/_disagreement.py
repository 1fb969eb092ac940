"""Sources that disagree: answering statements of other articles that give another value for the same thing.

"More than 10,000" against "13,000" troops: both answer, talk about the
same thing (sentence cosine at least 0.5), count the same thing (for
figures, a question word around each) and give disjoint values. They are
never merged as one claim; the answer cites each with its outlet and date,
newest first (:mod:`rag._answering`). Copies of one story never disagree.

Example:
    >>> same_claim({"2021-08": frozenset()}, {"2021-08-09": frozenset()})
    True
"""

from __future__ import annotations

import re

from ._acronyms import Aliases
from ._dates import dates_in
from ._index import IndexData
from ._scoring import ScoredSentence, question_type
from ._statements import figures
from ._text import NUMBER_WORDS, content_terms
from ._types import Citation

__all__ = ["by_date", "claims", "day", "find_rivals", "question_names", "same_claim", "source_label", "terms_with_title"]


def day(index: IndexData, item: ScoredSentence) -> str:
    """The statement's publication date for ordering (unknown dates sort as the oldest)."""
    return index.documents[item.doc_i].published or ""


def source_label(citation: Citation) -> str:
    """``"Reuters, 2021-08-09"``: who said it and when (the title when the outlet is unknown)."""
    return f"{citation.outlet or citation.title}, {citation.published or 'date unknown'}"


_FIGURE = re.compile(
    rf"\b(?:\d[\d,.]*\d|\d|{NUMBER_WORDS}|"
    r"hundred|thousand|million|billion)(?:[\s-]+(?:hundred|thousand|million|billion))*\b",
    re.IGNORECASE,
)
_NOUN_WINDOW = 3  # words around a figure that say what it counts ("31 people killed", "a budget of $498 million")


def _counted(text: str, start: int, end: int) -> frozenset[str]:
    """Content words just before ``start`` and after ``end``: what the figure between counts."""
    before = re.findall(r"[A-Za-z]+", text[max(0, start - 60) : start])[-_NOUN_WINDOW:]
    after = re.findall(r"[A-Za-z]+", text[end : end + 60])[:_NOUN_WINDOW]
    return frozenset(content_terms(" ".join(before + after)))


def claims(item: ScoredSentence, index: IndexData, kind: str) -> dict[str, frozenset[str]]:
    """The values a statement gives for the question's thing, each with the words that say what it is.

    From the reader's span when it has one in the sentence, else from the
    whole sentence. Numbers carry the words around them ("31 people
    killed", "a budget of $498 million"), so "12 people killed" and
    "hundreds of buildings" are not one thing; dates and names carry nothing (the question says what they are).
    """
    doc = index.documents[item.doc_i]
    sentence = doc.text[item.start : item.end]
    span = item.span
    lo, hi = (span.start, span.end) if span is not None and span.piece == "sentence" else (0, len(sentence))
    text = sentence[lo:hi]
    if kind == "number":
        claims: dict[str, frozenset[str]] = {}
        for m in _FIGURE.finditer(text):
            for value in figures(m.group(0)):
                key = str(int(value)) if value.is_integer() else repr(value)  # "1234567", never "1.23457e+06"
                claims[key] = _counted(sentence, lo + m.start(), lo + m.end())
        return claims
    if kind == "date":
        return {d.iso: frozenset() for d in dates_in(text, doc.published)}
    if span is None or span.piece != "sentence" or not text[:1].isupper():
        return {}
    words = text.split()
    if len(words) > 1 and not any(w[:1].isupper() for w in words[1:]):
        return {}  # capitalised only as the sentence opens ("More than 10,000 troops", "The tech giant"): no name
    return {term: frozenset() for term in content_terms(text)}


def question_names(question: str) -> frozenset[str]:
    """Content terms of the question's capitalised words after its first (its named subject)."""
    words = re.findall(r"[A-Za-z][\w'’-]*", question)[1:]
    return frozenset(content_terms(" ".join(w for w in words if w[0].isupper())))


def terms_with_title(item: ScoredSentence, index: IndexData, aliases: Aliases | None = None) -> frozenset[str]:
    """The terms of ``item``'s sentence and its article's title, with the question's that they have as ``aliases``."""
    doc = index.documents[item.doc_i]
    terms = index.sentence_terms(item.row) | frozenset(content_terms(doc.title))
    return aliases.found(terms, f"{doc.title}\n{index.sentence_text(item.row)}") if aliases else terms


def by_date(items: list[ScoredSentence], index: IndexData, prefer: str) -> list[ScoredSentence]:
    """``items`` newest first (``prefer="oldest"``: oldest first), undated ones last either way; ties keep their order."""
    dated = [s for s in items if day(index, s)]
    undated = [s for s in items if not day(index, s)]
    return sorted(dated, key=lambda s: day(index, s), reverse=prefer != "oldest") + undated


def same_claim(mine: dict[str, frozenset[str]], theirs: dict[str, frozenset[str]]) -> bool:
    """Whether two statements share a value; dates match at the coarser precision ("2021-08" and "2021-08-09")."""
    return any(a == b or a.startswith(b + "-") or b.startswith(a + "-") for a in mine for b in theirs)


def find_rivals(
    question: str, lead: ScoredSentence, answering: list[ScoredSentence], index: IndexData
) -> list[tuple[ScoredSentence, str]]:
    """Answering sentences of other articles that give a different value than ``lead``, with the kind of value.

    Both must answer (``answering``: at the threshold) and talk about the
    same thing (sentence cosine at least 0.5), and their values must be disjoint: "more than 10,000" against
    "13,000" troops; numbers must also count the same thing, the one the
    question asks about (a question word among the words around each
    figure). Copies of one story never disagree. One per article, best first.
    """
    qtype = question_type(question)
    kind = {"number": "number", "time": "date"}.get(qtype)
    if kind is None:
        if not re.match(r"\s*(?:who|which)\b", question, re.IGNORECASE):
            return []
        kind = "name"
    mine = claims(lead, index, kind)
    if not mine:
        return []
    # Numbers must count what the question asks about: "how many people…" against "31 people killed".
    mine_counted = frozenset().union(*mine.values()) & frozenset(content_terms(question))
    floor = 0.5
    lead_vector = index.sentence_vectors_of([lead.row])[0]
    found: list[tuple[ScoredSentence, str]] = []
    seen = {index.canonical(lead.doc_i)}
    for other in answering:
        if index.canonical(other.doc_i) in seen:
            continue
        theirs = claims(other, index, kind)
        if not theirs or same_claim(mine, theirs):
            continue
        if kind == "number" and not (frozenset().union(*theirs.values()) & mine_counted):
            continue  # different figures of different things: "31 people killed", "hundreds of buildings"
        if float(index.sentence_vectors_of([other.row])[0] @ lead_vector) >= floor:
            seen.add(index.canonical(other.doc_i))
            found.append((other, kind))
    return found
