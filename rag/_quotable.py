"""Which stored sentences may be quoted as an answer, judged by structure alone.

News pages carry lines that are not statements: the headline, teasers and
sub-headings, photo captions and credits, bylines, gallery counters. They
often share the question's words ("Where is the 2026 World Cup? 2026 World
Cup host cities and stadiums") and so score high on evidence, but they never
answer. The cues, all structural:

- a line with no sentence punctuation at its end (headlines, sub-headings,
  teasers, captions), unless it is long enough to be prose;
- a sentence that asks a question;
- a line that repeats the title (when the title is not itself a sentence);
- a short sentence in title case, every word capitalized or a number but
  for articles, prepositions and conjunctions ("2018 FIFA World Cup
  Russia™.", "Oscars 2020.", "Ashleigh Barty Wins Wimbledon Title ...", a
  search snippet's "Jun 6, 2023 ..."): a headline or a page's label split
  off as a sentence, even when it ends with a period. A verb in lower case
  ("It was 2015.", "Musk resigned.") makes it prose;
- "N of M Photos", bylines ("By Jane Doe"), photo credits ("Photo: …",
  "(AP Photo/…)", "Getty Images").

Trade-offs: a one-line article body with no final period loses its only
sentence (rare in the cleaned text); a caption that ends with a period and
names no credit still passes; a short all-names or all-capitals statement
("Barack Obama Won.", "THE STORM HIT AT NOON.") is taken for a headline.

Example:
    >>> text = "Big Storm Hits Coast\\nThe storm hit at noon."
    >>> quotable(text, 0, 20, "Big Storm Hits Coast"), quotable(text, 21, 43, "Big Storm Hits Coast")
    (False, True)
"""

from __future__ import annotations

import re

__all__ = ["after_headline", "quotable"]

_TERMINAL = re.compile(r"[.!…]['\"”’)\]]*$")
_PROSE_WORDS = 25  # a line this long is prose even without a final period
_PHOTOS = re.compile(r"\b\d+\s+of\s+\d+\s+(?:photos?|images?|pictures?|slides?)\b", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|written by|reporting by|edited by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*[,|]?", re.IGNORECASE)
_CREDIT = re.compile(
    r"(?:^|\()\s*(?:photo|photograph|image|picture|credit|file photo)s?\s*(?:by|:|/)"
    r"|\b(?:AP|AFP|Reuters|EPA|Getty)\s*(?:Photo|Images)\b|\bGetty Images\b|\bShutterstock\b",
    re.IGNORECASE,
)


_TITLE_CASE_WORDS = 12  # longer than a headline: prose, whatever its capitals
_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.:/]*")
# The small words a headline keeps in lower case; any other lower-case word (a verb above all) makes prose.
_HEADLINE_LOWER = frozenset("a an the of in on at for and or nor to vs v via with by from as per".split())


def _title_case(sentence: str) -> bool:
    """A headline-like fragment: at most a dozen words, each capitalized or a number but for small words."""
    words = _WORD.findall(sentence)
    if not words or len(words) > _TITLE_CASE_WORDS:
        return False
    # A word in a script without case (Chinese, Arabic) says nothing of headline style: prose.
    return all(w[0].isupper() or w[0].isdigit() or w in _HEADLINE_LOWER for w in words)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _line(text: str, start: int, end: int) -> str:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    return text[left : right if right >= 0 else len(text)].strip()


def quotable(text: str, start: int, end: int, title: str = "") -> bool:
    """Whether ``text[start:end]`` (one stored sentence) may be quoted as an answer."""
    sentence = text[start:end].strip()
    if not sentence or sentence.rstrip("'\"”’)]").endswith("?"):
        return False
    line = _line(text, start, end)
    if _PHOTOS.search(sentence) or _CREDIT.search(sentence):
        return False
    if _BYLINE.match(line) and len(line.split()) <= 8:
        return False
    if not _TERMINAL.search(line) and len(line.split()) < _PROSE_WORDS:
        return False
    if _title_case(sentence):
        return False
    title_norm = _normal(title)
    return not (title_norm and not _TERMINAL.search(title.strip()) and _normal(sentence) == title_norm)


def after_headline(text: str, start: int, end: int, title: str) -> int:
    """Where ``text[start:end]`` (one stored sentence) begins once a headline glued to its front is skipped.

    A page whose headline and first paragraph reach the text on one line
    ("Storm Batters Coast The storm hit at noon.") stores them as one
    sentence; quoting it from ``start`` would open the citation with the
    headline, and the reader could take its answer from the headline's words.
    Only a title that is not itself a sentence (no final period) is skipped,
    so an article whose title is its first sentence keeps it; and only at
    the very start of the text, before a word that opens a sentence (a
    capital, a digit or a quote), so a first sentence that opens with the
    title's words ("Super Bowl 50 was an American football game …") keeps
    its subject.

    Example:
        >>> text = "Storm Batters Coast The storm hit at noon."
        >>> text[after_headline(text, 0, len(text), "Storm Batters Coast"):]
        'The storm hit at noon.'
        >>> text = "Super Bowl 50 was an American football game."
        >>> text[after_headline(text, 0, len(text), "Super Bowl 50"):]
        'Super Bowl 50 was an American football game.'
    """
    head = title.strip()
    if not head or _TERMINAL.search(head) or text[:start].strip():
        return start
    words = head.split()
    # Whitespace inside the headline may differ (cleaning joins lines and spaces); its words may not.
    glued = re.compile(r"\s+".join(map(re.escape, words)) + r"[\s:|–—-]+(?=\S)")
    found = glued.match(text, start, end)
    if found is None or not any(c.isalnum() for c in text[found.end() : end]):
        return start
    opening = text[found.end()]
    return found.end() if opening.isupper() or opening.isdigit() or opening in "\"'“‘(" else start
