"""What a figure counts: a "how many X" answer must count X, not something else the sentence counts.

"How many aircraft took part in the drill?" read against "More than ten
thousand troops will be dispatched, along with various types of aircraft"
gets the span "More than ten thousand" from the reader: the sentence names
aircraft and gives a number, but the number counts troops. The check parses
the question and the sentence with spaCy's tagger and parser (the same
installed ``en_core_web_sm`` as :mod:`rag._entities`, its other components):

* the question's counted thing is the noun "many" modifies ("aircraft"; in
  "how many tree species" the phrase "tree species");
* the answer's counted thing is the noun its first number modifies
  ("troops");
* the answer counts *another* thing when that noun is not in the question's
  phrase, the question's noun appears elsewhere in the sentence (so the
  sentence could have counted it and didn't), and the two words are not
  near-synonyms (the caller's similarity below ``min_similarity``:
  "soldiers" and "troops" are the same thing counted).

Questions about times, years or shares ("how many times", "how many
percent") and answers whose number modifies no noun are never judged. On
SQuAD 1.1 dev's 642 "how many" questions, 8 gold answers (1.3%) are
judged as counting another thing (``python -m bench.counting``; without
the "names the asked thing elsewhere" condition, 55, 8.6%); parsing costs
about 4 ms a sentence on 2 cores, and only "how many" questions pay it.

Example:
    >>> checker = CountChecker()  # doctest: +SKIP
    >>> checker.counts_other("how many aircraft took part?", "More than 10,000 troops and some aircraft will go.", 0, 16, similar)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._entities import PACKAGE, load_pipeline

__all__ = ["MIN_SIMILARITY", "SHARED_CHECKER", "CountChecker", "asks_how_many", "word_similarity"]

_HOW_MANY = re.compile(r"\bhow\s+many\b", re.IGNORECASE)
# Counted things no sentence names apart from the number: "how many times", "how many years", a share.
_GENERIC = frozenset({"time", "year", "percent", "%", "day", "month", "week", "hour", "minute", "second"})
# The entity recognizer has its own pipeline (rag._entities); this one is the tagger, parser and lemmatizer.
_EXCLUDE = ("ner", "senter")
MIN_SIMILARITY = 0.45  # word-vector cosine at which two counted nouns are the same thing ("soldiers", "troops": 0.87)


def asks_how_many(question: str) -> bool:
    """Whether ``question`` asks "how many".

    Example:
        >>> asks_how_many("How many troops took part?"), asks_how_many("Why Tajikistan?")
        (True, False)
    """
    return bool(_HOW_MANY.search(question))


def word_similarity(embeddings: Embeddings, cache_size: int = 4096) -> Callable[[str, str], float]:
    """Cosine of two words' vectors from ``embeddings`` (each word embedded once, then cached).

    Example:
        >>> similar = word_similarity(MiniLMEmbeddings())  # doctest: +SKIP
        >>> round(similar("soldier", "troop"), 1) > round(similar("aircraft", "troop"), 1)  # doctest: +SKIP
        True
    """

    @functools.lru_cache(maxsize=cache_size)
    def vector(word: str) -> np.ndarray:
        v = np.asarray(embeddings.embed_documents([word])[0], dtype=np.float32)
        return v / (float(np.linalg.norm(v)) or 1.0)

    def similarity(a: str, b: str) -> float:
        return float(vector(a) @ vector(b))

    return similarity


@dataclass(frozen=True)
class _Counted:
    lemma: str
    phrase: frozenset[str]
    fates: frozenset[str] = frozenset()  # what befell them, as the question asks ("died": dead)


class CountChecker:
    """Parses questions and sentences (loaded once, shared between threads) to tell what a figure counts.

    Args:
        package: The installed spaCy model package.
        cache_size: Parsed texts kept (least recently used dropped first).

    Example:
        >>> checker = CountChecker(package="no_such_model")
        >>> checker.counts_other("Why?", "It rained.", 0, 2, lambda a, b: 1.0)  # not "how many": never parsed
        False
    """

    def __init__(self, package: str = PACKAGE, cache_size: int = 1024):
        self.package = package
        self.cache_size = cache_size
        self._nlp: Any = None
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def _parse(self, text: str) -> Any:
        with self._lock:  # spaCy's vocabulary grows as it reads: one reader at a time
            if self._nlp is None:
                self._nlp = load_pipeline(self.package, _EXCLUDE)
            doc = self._cache.get(text)
            if doc is None:
                doc = self._cache[text] = self._nlp(text)
            self._cache.move_to_end(text)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return doc

    def asked(self, question: str) -> _Counted | None:
        """The thing a "how many" question counts: its noun and the words of its phrase; ``None`` if it asks none."""
        if not asks_how_many(question):
            return None
        doc = self._parse(question)
        for token in doc:
            if token.lower_ == "many" and token.head.pos_ in ("NOUN", "PROPN") and token.head.i != token.i:
                head = token.head
                phrase = frozenset(_lemma(t) for t in head.subtree if t.pos_ in ("NOUN", "PROPN", "ADJ"))
                return None if _lemma(head) in _GENERIC else _Counted(_lemma(head), phrase, _fates(doc))
        return None

    def counts_other(
        self, question: str, sentence: str, start: int, end: int, similarity: Callable[[str, str], float],
        min_similarity: float = MIN_SIMILARITY, *, elsewhere: bool = True,
    ) -> bool:
        """Whether the figure at ``sentence[start:end]`` counts something other than what ``question`` asks.

        Args:
            question: The question ("how many …"; any other is never judged).
            sentence: The sentence the answer is quoted from.
            start: Where the answer's words begin in ``sentence``.
            end: Where they end.
            similarity: Cosine of two words' vectors (near-synonyms count the same thing).
            min_similarity: The cosine at which two counted nouns are the same thing.
            elsewhere: Judge only a sentence that names the asked thing apart
                from the figure (``False``: any sentence; ``python -m
                bench.counting --loose`` measures that rule).
        """
        asked = self.asked(question)
        if asked is None:
            return False
        doc = self._parse(sentence)
        numbers = [t for t in doc if start <= t.idx < end and t.like_num]
        if not numbers:
            return False
        # The first figure ("at least one course every three years" counts courses), read to its last
        # word: in "ten thousand troops" "ten" modifies "thousand", which modifies "troops".
        number = numbers[0]
        while number.i + 1 < len(doc) and doc[number.i + 1].like_num and doc[number.i + 1].idx < end:
            number = doc[number.i + 1]
        head = _counted_noun(number)
        if head is None:
            return False
        counted = _lemma(head)
        if _another_fate(asked, head):  # "killing at least 42 people" counts no missing, nor "hire 2,000" cuts
            return True
        if _counts_asked(asked, head):
            return False
        if counted in _GENERIC or not counted.isalpha():
            return False
        # The sentence names the asked thing elsewhere: it could have counted it, and counted another.
        named = any(_lemma(t) == asked.lemma and t.pos_ in ("NOUN", "PROPN") and t.i != head.i for t in doc)
        return (named or not elsewhere) and similarity(asked.lemma, counted) < min_similarity

    def asked_figure(self, question: str, sentence: str, near: int) -> tuple[int, int] | None:
        """Where ``sentence`` gives a figure of the very thing ``question`` counts, nearest ``near``; ``None`` if nowhere.

        When the reader's words count another thing ("677 orders from 47
        customers", span "47"), the sentence may still give the asked figure:
        the answer quotes it rather than dropping the sentence. Only a figure
        whose noun is the asked one (or in its phrase, or compounded with it,
        or the asked noun follows it within three modifying words, for the
        parser's misreadings) counts; near-synonyms are left out, as a figure
        beside the wrong one would be a guess.

        Example:
            >>> checker = CountChecker()  # doctest: +SKIP
            >>> s = "That brings the total to 677 orders from 47 customers."
            >>> checker.asked_figure("How many orders does Boeing have?", s, s.index("47"))  # doctest: +SKIP
            (25, 28)
        """
        asked = self.asked(question)
        if asked is None:
            return None
        doc = self._parse(sentence)
        figures = []
        for token in doc:
            # The last word of each figure ("ten thousand": "thousand"), which modifies the noun it counts.
            if not token.like_num or (token.i + 1 < len(doc) and doc[token.i + 1].like_num):
                continue
            head = _counted_noun(token)
            if (head is None or not _counts_asked(asked, head)) and not _names_asked_next(asked, doc, token) \
                    and not (head is None and _elided_with_asked_fate(asked, token)):
                continue
            if _another_fate(asked, head if head is not None else token):
                continue
            first = token
            while first.i > 0 and doc[first.i - 1].like_num:
                first = doc[first.i - 1]
            figures.append((first.idx, token.idx + len(token.text)))
        return min(figures, key=lambda f: (abs(f[0] - near), f[0]), default=None)


def _lemma(token: Any) -> str:
    """A word's lemma, lower case; a model's plural is its model ("A380s" is "a380", as "787s" is "787").

    The tagger leaves such plurals whole, so "How many A350s did Qatar order?" never matched "ordered 80 A350
    jets" and the check passed over every figure.
    """
    lemma = str(token.lemma_).lower()
    if len(lemma) > 2 and lemma.endswith("s") and any(c.isdigit() for c in lemma):
        return lemma[:-1].rstrip("'’")
    return lemma


def _counted_noun(number: Any) -> Any:
    """The noun a figure's last word counts ("troops" in "ten thousand troops"), or ``None`` when it modifies none."""
    head = number.head
    if number.dep_ not in ("nummod", "quantmod", "compound", "amod") or head.pos_ not in ("NOUN", "PROPN") \
            or head.i == number.i:
        return None
    while head.dep_ in ("quantmod", "nummod") and head.head.pos_ in ("NOUN", "PROPN") and head.head.i != head.i:
        head = head.head
    return head


def _names_asked_next(asked: _Counted, doc: Any, number: Any, reach: int = 3) -> bool:
    """Whether the asked noun follows the figure within ``reach`` words, only modifiers between.

    The parser misreads some figures ("149 confirmed orders" parsed with
    "149" as the subject of "confirmed"); the words themselves still say what
    is counted.
    """
    for token in doc[number.i + 1 : number.i + 1 + reach]:
        if _lemma(token) == asked.lemma and token.pos_ in ("NOUN", "PROPN"):
            return True
        if token.pos_ not in ("ADJ", "VERB", "NOUN", "PROPN", "NUM", "ADV") or token.is_punct:
            return False
    return False


def _counts_asked(asked: _Counted, head: Any) -> bool:
    """Whether the noun ``head`` is what the question counts: in its phrase, or compounded with its noun."""
    # "10,000 job cuts" counts jobs too: the nouns compounded with the counted one belong to what it counts.
    compounds = {_lemma(t) for t in head.children if t.dep_ == "compound"}
    return _lemma(head) in asked.phrase or asked.lemma in compounds


# Words that say what befell the people a figure counts (lemmas; "missing" is lemmatized "miss"): news counts the
# dead, the hurt, the missing, the arrested, the evacuated and the rescued of one event in one sentence, and the
# jobs cut beside those added.
_FATES = {
    **dict.fromkeys("die dead death kill fatality toll perish life drown".split(), "dead"),
    **dict.fromkeys("injure injured injury wound wounded hurt hospitalize hospitalise".split(), "hurt"),
    **dict.fromkeys("miss missing unaccounted disappear".split(), "missing"),
    **dict.fromkeys("arrest detain jail imprison custody".split(), "held"),
    **dict.fromkeys("evacuate flee displace relocate homeless".split(), "moved"),
    **dict.fromkeys("rescue save survive survivor".split(), "saved"),
    # and the jobs a company cuts or adds
    # (with the forms the tagger leaves whole in a question: "How many jobs is GM cutting?")
    **dict.fromkeys("cut cutting eliminate eliminating slash slashing shed shedding axe layoff lay furlough".split(),
                    "cut"),
    **dict.fromkeys("hire hiring recruit recruiting create creating".split(), "hired"),
}


# "forcing 12,000 people to leave their homes", "lost their homes": moved, though "leave" and "lose" alone are not.
_HOMES = frozenset({"home", "homes", "house", "houses"})


def _fates(tokens: Any) -> frozenset[str]:
    """The fates (:data:`_FATES`) the words of ``tokens`` name."""
    found = set()
    for t in tokens:
        fate = _FATES.get(_lemma(t)) or _FATES.get(t.lower_)
        if fate is None and _lemma(t) in ("leave", "lose", "flee") and any(c.lower_ in _HOMES for c in t.children):
            fate = "moved"
        if fate:
            found.add(fate)
    return frozenset(found)


def _fate_of(head: Any) -> frozenset[str]:
    """What befell the thing ``head`` names: the fates of the clause that governs it, less the clauses joined to it.

    "…, killing at least 42 people and injuring more than 300": the people of "42" were killed (the clause of
    "killing"), not hurt ("injuring …" is a clause joined to it).
    """
    verb = head.head
    while verb.pos_ not in ("VERB", "AUX", "ADJ") and verb.head.i != verb.i:
        verb = verb.head
    joined = {t.i for child in verb.children if child.dep_ == "conj" for t in child.subtree}
    return _fates(t for t in verb.subtree if t.i not in joined)


def _elided_with_asked_fate(asked: _Counted, number: Any) -> bool:
    """Whether a figure with no noun is what a verb of the asked fate did ("… and injuring more than 300": people)."""
    return bool(asked.fates) and number.dep_ in ("dobj", "nsubj", "nsubjpass") and bool(_fate_of(number) & asked.fates)


def _another_fate(asked: _Counted, head: Any) -> bool:
    """Whether the figure's things met another fate than the question asks: both are named and none is shared."""
    if not asked.fates:
        return False
    fates = _fate_of(head)
    return bool(fates) and not fates & asked.fates


# The process's one checker (loaded when a "how many" question first needs it), shared by every answerer.
SHARED_CHECKER = CountChecker()
