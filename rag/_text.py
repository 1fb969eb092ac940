"""Text cleaning, sentence splitting and the small lexical helpers shared by stages.

Trade-offs: the sentence splitter is rule-based (punctuation, a closing quote
or bracket, whitespace, then an opening capital, digit or quote), with a list
of common abbreviations and initials that never end a sentence. It is fast
(pure regex, no model, no download) and keeps exact character offsets; it
misses sentence ends that need syntax to see, which only makes a chunk or a
quote a sentence longer. Line breaks always end a sentence, because news text
puts headlines, datelines and paragraphs on lines of their own.

Example:
    >>> [text[s:e] for text in ["Hi there. The U.S. Army came."] for s, e in split_sentences(text)]
    ['Hi there.', 'The U.S. Army came.']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = [
    "NUMBER_WORDS",
    "STOPWORDS",
    "bm25_terms",
    "clean_text",
    "content_terms",
    "neutral_markers",
    "numbers_in",
    "one_line",
    "split_sentences",
    "stem",
    "strip_markers",
    "tokenize_words",
]

# Zero-width characters, and control characters other than tab and newline (a terminal would obey them).
_ZERO_WIDTH = dict.fromkeys(
    [*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), *range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), *range(0x7F, 0xA0)], None
)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")

# Boilerplate blocks that news sites append after the article body. A block is
# cut only when it starts in the second half of the text, so an article that
# merely mentions "subscribe" keeps its words.
_TRAILER = re.compile(
    r"^(?:A Message from .{0,60}:|Dear readers,?|Support (?:our|independent) journalism|"
    r"Subscribe to our newsletter|Sign up for our newsletter|Related (?:articles|stories):?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def clean_text(raw: str) -> str:
    """Normalize raw article text into the form the index stores.

    Unicode NFC, Unix newlines, no zero-width characters, single spaces inside
    lines, at most one blank line between paragraphs, no trailing site
    boilerplate (donation appeals, newsletter prompts).

    Args:
        raw: Text as read from the file.

    Returns:
        The cleaned text; every offset in the index points into this string.
    """
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_ZERO_WIDTH)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    for match in _TRAILER.finditer(text):
        if match.start() >= len(text) / 2:
            text = text[: match.start()].rstrip()
            break
    return text


_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt gen col lt sgt capt cmdr adm gov sen rep rev fr
    inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec no vs etc approx
    dept est fig al e.g i.e u.s u.k u.n u.s.a a.m p.m d.c""".split()
)
# Letters joined by dots ("N.V.", "H.W.", "S.W.A.T."): initials or an abbreviation, never a sentence's last word
# but at the end of a line (which always ends one). Splitting there cut quotes off from their subjects ("(EADS)
# have unexpectedly defeated Boeing" from "... Company EADS N.V.").
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
# A candidate end: terminal punctuation, optional closing quotes/brackets, whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]*[\"'”’)\]]*$")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentence spans.

    Args:
        text: The full text (offsets are into it).
        start: Where to begin.
        end: Where to stop (defaults to the end of ``text``).

    Returns:
        ``(start, end)`` pairs, trimmed of surrounding whitespace, in order.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    line_start = start
    for line in text[start:end].split("\n"):
        line_end = line_start + len(line)
        _split_line(text, line_start, line_end, spans)
        line_start = line_end + 1
    return spans


def _split_line(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    cursor = start
    for match in _END.finditer(text, start, end):
        before = _WORD_BEFORE.search(text, cursor, match.end())
        word = before.group(1).lower().rstrip(".") if before else ""
        is_initial = len(word) == 1 and word.isalpha()
        if word in _ABBREVIATIONS or is_initial or _DOTTED.fullmatch(word):
            continue
        _append_trimmed(text, cursor, match.end(), spans)
        cursor = match.end()
    _append_trimmed(text, cursor, end, spans)


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """a an the and or but if then else of at by for with about against between into through
    during before after above below to from up down in out on off over under again further once
    here there when where why how all any both each few more most other some such no nor not only
    own same so than too very s t can will just don should now is are was were be been being have
    has had having do does did doing i me my myself we our ours you your he him his she her it its
    they them their what which who whom this that these those am would could might must shall may
    also as many much long often tell say says said happen happened happens mean means know take
    took taken make made get got give gave go went come came use used there's it's what's who's
    according""".split()
)


_MARKER_LIKE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKER_EDGES = re.compile(r"^\s*\d+(?:\s*,\s*\d+)*\]|\[\d+(?:\s*,\s*\d+)*\s*$")  # half a mark, cut at a span's edge


def one_line(message: object, limit: int = 160) -> str:
    """A message (a library's error, say) on one line, cut at ``limit`` characters, where "…" marks the cut.

    Example:
        >>> one_line("bad byte   at  offset 7 ")
        'bad byte at offset 7'
        >>> one_line("x" * 10, limit=4)
        'xxxx…'
    """
    line = " ".join(str(message).split())
    return line if len(line) <= limit else line[:limit].rstrip() + "…"


def neutral_markers(text: str) -> str:
    """Article text with ``[1]``-like footnote marks shown as ``(1)``.

    An answer's ``[n]`` markers are the citations; a literal ``[1]`` inside
    a quoted sentence would look exactly like one (and could point at the
    wrong source), so quoted text never carries that shape. Citation quotes
    themselves stay exact; only the answer text and prompts use this.

    Example:
        >>> neutral_markers("Prices rose [1] and fell [2, 3].")
        'Prices rose (1) and fell (2, 3).'
    """
    return _MARKER_LIKE.sub(r"(\1)", text)


def strip_markers(text: str | None) -> str | None:
    """``text`` without ``[1]``-like marks (and the spaces they leave), or ``None`` when nothing else is left.

    A short answer is shown beside the answer's own ``[n]`` citations; a
    footnote mark the article itself carries ("42 [1][2]") would read as
    one of them, so it is dropped there.

    Example:
        >>> strip_markers("42 [1][2]")
        '42'
        >>> strip_markers("More than [3, 4] 10,000"), strip_markers("3] more than 4,000 [5"), strip_markers("[1]")
        ('More than 10,000', 'more than 4,000', None)
    """
    if text is None:
        return None
    text = _MARKER_EDGES.sub(" ", _MARKER_LIKE.sub(" ", text))  # a span may start or end inside a mark: "3] more than"
    return " ".join(text.split()).strip(" ,;:") or None


def tokenize_words(text: str) -> list[str]:
    """Lower-cased word and number tokens of ``text``."""
    return [m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text)]


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: Snowball in C

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=131072)
def stem(word: str) -> str:
    """Snowball (Porter2) stem of a lower-cased word; the same stemmer BM25 uses."""
    return str(_stemmer().stemWord(word.replace("'", "")))


def bm25_terms(text: str) -> list[str]:
    """Stemmed, stopword-free terms of ``text``, repeats kept (BM25 counts them)."""
    return [stem(word) for word in tokenize_words(text) if word not in STOPWORDS]


def content_terms(text: str) -> list[str]:
    """Stemmed words of ``text`` that carry meaning (stopwords dropped), in order, unique.

    A possessive is its word: "GM's" is the term of "GM" (stemmed whole it
    would be "gms", since Snowball strips no "s" after a word without a vowel).

    Example:
        >>> content_terms("GM's sales fell as GM cut prices")
        ['gm', 'sale', 'fell', 'cut', 'price']
    """
    seen: dict[str, None] = {}
    for word in tokenize_words(text):
        if word.endswith("'s"):
            word = word[:-2]
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        seen.setdefault(stem(word), None)
    return list(seen)


# Number words a figure may be written in, as a regular-expression alternation (quotes, claims).
NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def numbers_in(text: str) -> frozenset[float]:
    """The numbers a text states, written in digits or in words.

    ``"ten thousand"``, ``"10,000"`` and ``"10 thousand"`` all give ``10000``,
    so two sentences that state one figure differently can be matched.
    """
    found: set[float] = set()
    current: float | None = None  # the figure being read
    in_words = False  # whether ``current`` was written in words ("twenty five")
    previous_end = 0
    for match in list(_WORD.finditer(text)) + [None]:
        word = match.group(0).lower() if match else ""
        if match and current is not None and text[previous_end : match.start()].strip(" -"):
            found.add(current)  # punctuation between words ends a figure
            current = None
        previous_end = match.end() if match else previous_end
        if word and word[0].isdigit():
            if current is not None:
                found.add(current)
            try:
                current, in_words = float(word.replace(",", "")), False
            except ValueError:
                current = None
        elif word in _NUMBER_WORDS:
            value = float(_NUMBER_WORDS[word])
            tens_open = current is not None and current % 100 >= 20 and current % 10 == 0 and value < 10
            hundreds_open = current is not None and current >= 100 and current % 100 == 0 and value < 100
            if current is not None and in_words and (tens_open or hundreds_open):
                current += value
            else:
                if current is not None:
                    found.add(current)
                current, in_words = value, True
        elif word in _SCALES:
            current = (1.0 if current is None else current) * _SCALES[word]
            in_words = True
        elif word == "and" and current is not None and in_words and current >= 100:
            continue
        elif current is not None:
            found.add(current)
            current = None
    return frozenset(found)
