"""Quote widening and short answers: what a statement's lead quotes, and the answer's own words in it.

The reader's span gives the short answer, widened to whole words, a figure
with the qualifier before it ("More than 10,000"), whole names and whole
lists of names (:mod:`rag._entities`). When the span lies in the sentence
before, or the quote names its answer only through a pronoun or a
description, the citation grows to start at the sentence before
(:func:`expand`); a headline before the quote is never cited.

Example:
    >>> answer_words("More than 10,000 troops took part.", 10, 16)
    'More than 10,000'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ._counting import asks_how_many
from ._dates import MONTH_WORDS, dates_in
from ._entities import (
    NAMED,
    Entity,
    EntityRecognizer,
    asked_labels,
    complete,
    completion_labels,
    first_name,
    full_name,
    is_description,
    name_labels,
    next_to_a_name,
)
from ._index import IndexData
from ._kinds import asks_a_figure, no_figure
from ._levels import asks_level
from ._money import CURRENCY_SIGNS
from ._quotable import quotable
from ._reader import Span
from ._scoring import ScoredSentence
from ._text import NUMBER_WORDS, content_terms
from ._types import Citation

__all__ = [
    "answer_words", "answers_nothing", "asks_about_time", "asks_what_happened", "asks_yes_no", "bounds", "change_of",
    "expand", "level_of", "only_when", "successor_of", "unquotable_span", "winner_of",
]


_PRONOUNS = frozenset("he she they it him her them we".split())
_REFERRING = frozenset("the his her its their this that these those".split())


# An auxiliary verb first asks yes or no ("Did Russia send fighter jets?"); "Is there any …" asks what there is.
_YES_NO = re.compile(
    r"^(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might|must)(?:n't)?\b"
    r"(?!\s+there\b)",
    re.IGNORECASE,
)


def asks_yes_no(question: str) -> bool:
    """Whether ``question`` asks yes or no, so that no words of a quote answer it.

    The quote is the evidence, but its span would be read as the answer:
    "Did Russia send fighter jets?" answered "The Russian military". A
    choice ("Is it rising or falling?") names its answers, and "Is there
    any …" asks what there is: both keep their short answers.

    Example:
        >>> asks_yes_no("Did Russia send fighter jets?"), asks_yes_no("Were the tests a failure or a success?")
        (True, False)
        >>> asks_yes_no("Are there any regions it excludes?"), asks_yes_no("Who sent fighter jets?")
        (False, False)
        >>> asks_yes_no("Can you tell me how many troops took part?")  # a question word: more than yes or no
        False
    """
    text = question.strip()
    # "Can you tell me who won?", "Do you know how many died?": a question word asks more than yes or no
    return bool(_YES_NO.match(text)) and not re.search(r"\b(?:or|who|whom|whose|what|which|when|where|why|how)\b",
                                                       text, re.IGNORECASE)


# "What happened?", "What happened: <a headline>?" (the UI's examples); not "What happened to the lab?",
# which the reader answers in a few words ("torn down": SQuAD has 52 such questions).
_HAPPENED = re.compile(r"^\s*what(?:'s|’s| has)? happened\s*(?:[:?!.]|$)", re.IGNORECASE)


# What a time phrase holds besides its dates: "on Monday evening", "from early to mid-August", "by Friday".
_TIME_OF_DAY = re.compile(r"\b(?:on|at|in|the|this|that|last|early|late|mid|morning|afternoon|evening|night|overnight|"
                          r"midday|noon|midnight|local|time|to|from|until|till|through|and|between|around|about|"
                          r"by|before|after|since)\b", re.IGNORECASE)


_TIME_ASKED = re.compile(r"\b(?:when|whenever|date|dates|day|days|year|years|month|months|week|weeks|time|times|hour|"
                         r"hours|season|century|decade|period|era|age|deadline|schedule|scheduled|how long|since|until)\b",
                         re.IGNORECASE)


def asks_about_time(question: str) -> bool:
    """Whether ``question`` asks or names a time, so that a time can be its short answer.

    Broader than :func:`rag._entities.asked_labels` on purpose: "What was
    the date of the first episode?" is answered "23 November 1963".

    Example:
        >>> asks_about_time("What was the date of the first episode?"), asks_about_time("What did officials say?")
        (True, False)
    """
    return bool(_TIME_ASKED.search(question))


def only_when(words: str, published: str | None = None) -> bool:
    """Whether a short answer's ``words`` say only when ("Monday evening", "last Thursday", "June 4").

    Used where the question asks no time: "What did officials say?"
    answered "Monday evening", the reader's words in "…, officials said on
    Monday evening". A bare year is not caught ("What happened in 1901?"
    is answered by an event, and "1901" would not be the reader's words).

    Example:
        >>> only_when("Monday evening"), only_when("last Thursday"), only_when("on June 4")
        (True, True, True)
        >>> only_when("12 people"), only_when("1998"), only_when("Monday's earthquake")
        (False, False, False)
    """
    found = dates_in(words, published or "2000-01-03")  # any day: only whether the words are a date matters
    if not found:
        return False
    rest = words
    for date_found in sorted(found, key=lambda d: d.start, reverse=True):
        rest = rest[: date_found.start] + " " + rest[date_found.end :]
    return not _TIME_OF_DAY.sub(" ", rest).strip(" ,.;:-–—")


def asks_what_happened(question: str) -> bool:
    """Whether ``question`` asks what happened, which a whole sentence answers and no words inside it do.

    "What happened: Carmaker recalls 300,000 SUVs?" (the UI's example
    questions) was answered "last Thursday", the reader's words in the quote.

    Example:
        >>> asks_what_happened("What happened: Carmaker recalls 300,000 SUVs?"), asks_what_happened("What happened?")
        (True, True)
        >>> asks_what_happened("What happened to the lab?"), asks_what_happened("What did officials say happened?")
        (False, False)
    """
    return bool(_HAPPENED.match(question))

def answers_nothing(question: str, words: str, published: str | None = None) -> bool:
    """Whether a short answer's ``words`` answer nothing of ``question``, so the answer shows none (the quote stays).

    Words with no content ("at", "it", "of the"); any words for a question
    asking yes or no (:func:`asks_yes_no`: the quote is the evidence) or what
    happened (:func:`asks_what_happened`: the whole sentence is the account);
    a time (:func:`only_when`) for a question that asks none ("What did
    officials say?" is not answered "Monday evening"); words that state no
    amount for a "how many", "how big" or "what percentage" question
    ("overwhelming Apple and AT&T", :func:`rag._kinds.no_figure`),
    words that name no time for a "when" question ("GM"), and a who/which
    answer that only repeats the question ("Steve Jobs" for "Who replaced
    Steve Jobs as CEO?").
    ``published`` is the quote's article's date.

    Example:
        >>> answers_nothing("Who was there?", "at"), answers_nothing("What did officials say?", "Monday evening")
        (True, True)
        >>> answers_nothing("When did it strike?", "Monday evening"), answers_nothing("Who won?", "France")
        (False, False)
        >>> answers_nothing("How many orders?", "overwhelming demand"), answers_nothing("How many orders?", "dozens")
        (True, False)
        >>> answers_nothing("When will GM decide?", "GM"), answers_nothing("When will GM decide?", "by March 31")
        (True, False)
        >>> answers_nothing("When will the final be played?", "May"), answers_nothing("When will it be?", "may")
        (False, True)
        >>> answers_nothing("Who replaced Steve Jobs?", "Steve Jobs"), answers_nothing("Who replaced Steve Jobs?", "Tim Cook")
        (True, False)
    """
    # "May" is a stopword to the term list (the verb), but capitalised in an answer it is the month.
    return ((not content_terms(words) and not _THE_MONTH_MAY.search(words)) or asks_yes_no(question)
            or asks_what_happened(question)
            or (not asks_about_time(question) and only_when(words, published))
            or ((asks_how_many(question) or asks_a_figure(question)) and no_figure(words))
            or (asked_labels(question) == _WHEN and not _WHEN_CLAUSE.match(question) and not _A_TIME.search(words))
            or _repeats_who(question, words))


# "Who", "whom", "whose" and "which" ask for someone or something the question does not name already; "or" offers
# the choice in the question itself ("Which is larger, Ford or GM?").
_WHO_WHICH = re.compile(r"^\s*(?:who|whom|whose|which)\b(?![^?]*\bor\b)", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def _repeats_who(question: str, words: str) -> bool:
    """Whether a who/which short answer only repeats the question's words ("Who replaced Steve Jobs?": "Steve Jobs")."""
    said = {w.lower() for w in _WORD.findall(words)} - {"the", "a", "an", "of"}
    return bool(said) and bool(_WHO_WHICH.match(question)) and said <= {w.lower() for w in _WORD.findall(question)}


_THE_MONTH_MAY = re.compile(r"\bMay\b")
_WHEN = frozenset({"DATE", "TIME"})  # what "when", "what year" and "on what day" ask for (rag._entities.asked_labels)
# "When B cells begin to replicate, what do they become?": a clause of time, then the question
_WHEN_CLAUSE = re.compile(r"^\s*when\b[^?]*,\s*(?:what|who|whom|which|where|why|how)\b", re.IGNORECASE)
# What names a time: a figure, a month or a day, a word of time or of a time's place in a sequence, an epoch.
_A_TIME = re.compile(
    rf"\d|\b(?:{MONTH_WORDS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|yesterday|"
    r"tomorrow|morning|afternoon|evening|night|noon|midnight|dawn|dusk|hours?|minutes?|days?|weeks?|weekends?|"
    r"months?|years?|decades?|century|centuries|millenni(?:um|a)|seasons?|spring|summer|autumn|fall|winter|era|age|"
    r"period|dynasty|reign|war|ago|later|earlier|before|after|during|since|until|till|by|within|when|while|once|"
    r"now|then|soon|early|late|mid|first|last|next|previous|recent(?:ly)?|time|times|annual(?:ly)?|daily|weekly|"
    r"monthly|yearly|bce?|ad|ce|christmas|easter|ramadan|thanksgiving|halloween|hanukkah|passover|diwali|\w+cene)\b",
    re.IGNORECASE,
)


def expand(
    item: ScoredSentence,
    index: IndexData,
    cited: list[Citation],
    question: str = "",
    entities: EntityRecognizer | None = None,
) -> tuple[ScoredSentence, str | None]:
    """The quote of a statement's lead and its short answer (whole words and whole names of the quote).

    When the reader's span lies in the sentence before, or is a pronoun or a
    definite description opening the quote ("The president's son will plead
    guilty…"), the quote names its answer only through the sentence before,
    so the citation starts there (unless that sentence is already cited);
    offsets stay exact because both sentences are contiguous in the stored
    text.

    With ``entities``, the short answer never starts or ends inside a name
    and keeps a list of names whole (:func:`rag._entities.complete`). When
    it is a pronoun or a description ("the tech giant", anywhere in the
    quote) and the question asks who or which, it becomes the first name of
    the asked kind in the sentence before (which the citation then covers)
    or, failing that, in the title (the citation stays the quote). A
    person's surname alone ("Musk") becomes the full name the article gave
    earlier ("Elon Musk"; the citation stays the quote).
    """
    span = item.span
    if span is None or span.piece == "title":
        return item, None
    doc = index.documents[item.doc_i]
    text = doc.text
    row = index.neighbour(item.row, -1)
    if row is not None and not quotable(text, int(index.sentence_rows[row, 1]), int(index.sentence_rows[row, 2]), doc.title):
        # A headline or a caption before the quote: nothing a citation may rest on. Its words count
        # only where the quote says them too ("Carmaker recalls 1.2 million vehicles" above "... is
        # recalling 1.2 million vehicles ...").
        if span.piece == "before":
            span = _in_quote(text, int(index.sentence_rows[row, 1]), span, item)
            if span is None:
                return item, None
        row = None
    before_start = int(index.sentence_rows[row, 1]) if row is not None else -1
    named = None  # a name the description refers to, from the sentence before
    if span.piece == "sentence":
        start, end = bounds(text, item.start + span.start, item.start + span.end, item.start)
        words = text[start:end].strip(" ,;:") or None
        lead = text[item.start : item.start + span.start].strip().lower()
        # "The" before a capitalised word opens a name ("The Harbor City Hawks"), not a description.
        plain = (lead in _REFERRING and not (lead == "the" and _opens_with_a_capitalised_word(words))) or (words or "").lower() in _PRONOUNS
        labels = name_labels(question) if entities is not None else frozenset()
        widen = completion_labels(question) if entities is not None else frozenset()
        opening = (words or "").split()[:1]
        # A description that is the quote's subject ("The tech giant said…"), or a pronoun.
        maybe = bool(words and labels) and (plain or (not lead and opening[0].lower() in _REFERRING))
        found: list[Entity] = []
        if maybe or (widen and next_to_a_name(text, start, end, item.start, item.end)):  # the recognizer only where it can matter
            found = _entities_at(entities, text, item.start, item.end)
            start, end = bounds(text, item.start + span.start, item.start + span.end, item.start, found, widen, question)
            words = text[start:end].strip(" ,;:") or None
        described = maybe and is_description(words or "", text, start, found, lead)
        if not (plain or described):
            chosen = (winner_of(question, text, start, end, item.start, entities)
                      or successor_of(question, text, start, end, item.start, item.end, entities)
                      or change_of(question, text, start, item.start) or level_of(question, text, start, end))
            if chosen is None and words and "PERSON" in labels and entities is not None:
                chosen = _person_named(question, text, start, end, (item.start, item.end), found, entities)
            return item, (text[chosen[0] : chosen[1]] if chosen else words)
        # The answer is a pronoun or a description ("The president's son"): the name it refers to
        # is in the sentence before, so the citation includes it; or in the title, and the quote's
        # article is what the citation cites.
        if described and entities is not None:
            if row is not None:
                before = text[before_start : int(index.sentence_rows[row, 2])]
                named = first_name(question, before, entities.find([before])[0], labels)
            if named is None and doc.title:
                in_title = first_name(question, doc.title, entities.find([doc.title])[0], labels)
                if in_title is not None or not plain:
                    return item, in_title or words
            words = named or words
    elif row is None:
        return item, None
    else:
        before_end = int(index.sentence_rows[row, 2])
        start, end = bounds(text, before_start + span.start, before_start + span.end, before_start)
        widen = completion_labels(question) if entities is not None else frozenset()
        found = []
        if widen and next_to_a_name(text, start, end, before_start, before_end):
            found = _entities_at(entities, text, before_start, before_end)
            start, end = bounds(text, before_start + span.start, before_start + span.end, before_start, found, widen, question)
        words = text[start:end].strip(" ,;:") or None
        if words and entities is not None and "PERSON" in name_labels(question):
            person = _person_named(question, text, start, end, (before_start, before_end), found, entities)
            words = text[person[0] : person[1]] if person else words
    if row is None:
        return item, None
    if any(c.doc_id == doc.id and c.start < item.start and c.end > before_start for c in cited):
        return item, named  # the sentence before is cited already: its name is in the answer
    return replace(item, start=before_start), words


def _opens_with_a_capitalised_word(words: str | None) -> bool:
    """Whether ``words`` open with a capitalised word that is not all capitals ("Harbor", not "CEO")."""
    return bool(words) and len(words) > 1 and words[0].isupper() and words[1].islower()


def _person_named(question: str, text: str, start: int, end: int, sentence: tuple[int, int], found: list[Entity],
                  entities: EntityRecognizer) -> tuple[int, int] | None:
    """Where a "who" short answer ``text[start:end]`` names its person better, else ``None``.

    The person alone after a label set off by a comma (:func:`_the_person`),
    then in full when only the surname is there (:func:`_in_full`).
    ``sentence`` bounds the sentence the words are in, whose entities
    ``found`` are when already read.
    """
    if "," in text[start:end] and not found:  # a label set off before the name: only then read the names
        found = _entities_at(entities, text, *sentence)
    chosen = _the_person(text, start, end, found)
    return _in_full(question, text, *(chosen or (start, end)), entities) or chosen


def _the_person(text: str, start: int, end: int, found: Sequence[Entity]) -> tuple[int, int] | None:
    """The one person a "who" short answer ends with, without the words before that only describe them, else ``None``.

    The reader's words can open with a label or a clause set off by a
    comma: "Player of the Year, Baker Mayfield" answers "Who won the
    award?" with "Baker Mayfield", and "DaimlerChrysler, would split,
    chairman Dieter Zetsche" answers "Who …?" with "chairman Dieter
    Zetsche". What follows the last comma stays: a title ("President Joe
    Biden") is part of how the person is named.
    """
    people = [e for e in found if e.label == "PERSON" and start <= e.start and e.end <= end]
    if len(people) != 1 or text[people[0].end : end].strip(" ,;:."):
        return None
    person = people[0]
    comma = text.rfind(",", start, person.start)
    if comma < 0:
        return None
    after = comma + 1
    while after < person.start and text[after].isspace():
        after += 1
    return after, person.end


def _in_full(question: str, text: str, start: int, end: int, entities: EntityRecognizer) -> tuple[int, int] | None:
    """The person's full name from earlier in the article when the short answer is a surname alone, else ``None``.

    "Who is Tesla's chief executive?" read in "Musk, the founder and CEO
    of SpaceX and Tesla, …" answers "Musk"; the article named him "Elon
    Musk" before (:func:`rag._entities.full_name`). A surname the question
    itself says is left alone: it is the question's own person.
    """
    words = text[start:end].strip(" ,;:")
    if " " in words or words.lower() in {w.lower() for w in re.findall(r"[\w'’-]+", question)}:
        return None
    at = text.find(words, start, end)
    return full_name(text, at, at + len(words), entities)


def unquotable_span(item: ScoredSentence, index: IndexData) -> bool:
    """Whether the reader's words in ``item`` lie where its quote cannot show them.

    That is the title, or a headline or caption before the quote whose words
    the quote does not repeat: :func:`expand` then gives no short answer.
    """
    span = item.span
    if span is None or span.piece == "sentence":
        return False
    if span.piece == "title":
        return True
    row = index.neighbour(item.row, -1)
    if row is None:
        return False
    doc = index.documents[item.doc_i]
    start, end = int(index.sentence_rows[row, 1]), int(index.sentence_rows[row, 2])
    return not quotable(doc.text, start, end, doc.title) and _in_quote(doc.text, start, span, item) is None


def _in_quote(text: str, before_start: int, span: Span, item: ScoredSentence) -> Span | None:
    """The reader's span in the sentence before, found again in the quote itself (same words, any case), or ``None``."""
    words = text[before_start + span.start : before_start + span.end].strip()
    at = text.lower().find(words.lower(), item.start, item.end) if words else -1
    return Span("sentence", at - item.start, at - item.start + len(words), span.score) if at >= 0 else None


_WHO_WON = re.compile(r"^\s*who\s+(?:won|wins|beat|beats|defeated|triumphed|prevailed)\b", re.IGNORECASE)
# What a sentence says just before the side that lost: "after defeating Croatia", "have beaten the Netherlands".
_BEATING = re.compile(
    r"\b(?:defeat(?:ed|ing|s)?|beat(?:s|en|ing)?|edg(?:ed|ing)(?:\s+out)?|overc(?:ame|oming)|upset(?:ting)?|"
    r"oust(?:ed|ing)|eliminat(?:ed|ing)|knock(?:ed|ing)\s+out|rout(?:ed|ing)|thrash(?:ed|ing)|crush(?:ed|ing)|"
    r"(?:win|won|victory|triumph)\s+(?:over|against))\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_SIDES = frozenset({"PERSON", "ORG", "GPE", "NORP"})  # who can win: a person, a team or club, a country


def winner_of(question: str, text: str, start: int, end: int, floor: int,
              entities: EntityRecognizer | None) -> tuple[int, int] | None:
    """Where the winner is named when "who won" is answered with the side that lost, else ``None``.

    The reader reads "France captured its second World Cup title after
    defeating Croatia 4-2" for "Who won the World Cup Final in 2018?" and
    takes "Croatia", the name nearest the question's words. When the short
    answer ``text[start:end]`` follows a word of beating ("defeating",
    "have beaten the", "victory over"), the winner is the name before that
    word in the same sentence (from ``floor``): the nearest one of the
    loser's kind, else the nearest person, organisation, place or group.
    """
    if entities is None or not _WHO_WON.match(question):
        return None
    beaten = _BEATING.search(text, floor, start)
    if beaten is None or beaten.end() != start:
        return None
    found = _entities_at(entities, text, floor, end)
    loser = next((e.label for e in found if e.start <= start < e.end or start <= e.start < end), None)
    before = [e for e in found if e.end <= beaten.start() and e.label in _SIDES]
    alike = [e for e in before if e.label == loser]
    chosen = (alike or before or [None])[-1]
    return (chosen.start, chosen.end) if chosen is not None else None


# "Who is GM's chief executive?", "Who will run Chrysler?": the one who holds the post, unless the question asks
# about the one who left it ("Who did Henderson replace?", "Who was the previous CEO?", "Who resigned?").
_WHO_HOLDS = re.compile(r"^\s*who\b", re.IGNORECASE)
_ASKS_LEAVER = re.compile(
    r"\b(?:replac|succeed|succession|predecessor|former|previous|prior|preced|ousted|outgoing|step(?:s|ped)?\s+down|"
    r"resign|quit|fired|sacked|left|leav|depart|retir|before|was\s+(?:the\s+)?\w+\s+until)\w*", re.IGNORECASE)
# What follows the one who left: "Rick Wagoner was replaced Sunday with Fritz Henderson", "… will be succeeded by …".
_REPLACED_BY = re.compile(
    r"^,?\s+(?:was|were|is|are|will\s+be|would\s+be|has\s+been|had\s+been|is\s+being|is\s+to\s+be)\s+"
    r"(?:replaced|succeeded)\b(?:\s+(?!by\b|with\b)[\w'-]+){0,3}\s+(?:by|with)\s+(?:the\s+)?",
    re.IGNORECASE,
)
# What precedes the one who left: "Fritz Henderson replaced Rick Wagoner", "… takes over from …", "succeeding".
_REPLACING = re.compile(
    r"\b(?:replac(?:ed|es|ing)|succeed(?:ed|s|ing)|took\s+over\s+from|takes?\s+over\s+from|taking\s+over\s+from)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_HOLDERS = frozenset({"PERSON", "ORG"})  # who can hold a post: a person, or a company taking over a role


def successor_of(question: str, text: str, start: int, end: int, floor: int, ceil: int,
                 entities: EntityRecognizer | None) -> tuple[int, int] | None:
    """Where the successor is named when "who is …" is answered with the one replaced, else ``None``.

    The reader reads "General Motor's chief executive Rick Wagoner was
    replaced Sunday with Fritz Henderson" for "Who is GM's chief
    executive?" and takes "Rick Wagoner", the name beside the question's
    words. When the short answer ``text[start:end]`` is followed by "was
    replaced (…) with / by" or "will be succeeded by", the answer is the
    first person or organisation after it; when it follows "replaced",
    "succeeds" or "took over from", the nearest one before that word. Both
    within the sentence (``floor`` to ``ceil``). A question about the one who
    left ("Who did Henderson replace?", "Who was the previous CEO?") is
    left alone.
    """
    if entities is None or not _WHO_HOLDS.match(question) or _ASKS_LEAVER.search(question):
        return None
    after = _REPLACED_BY.match(text[end:ceil])
    replacing = _REPLACING.search(text, floor, start)
    if after is None and (replacing is None or replacing.end() != start):
        return None
    found = [e for e in _entities_at(entities, text, floor, ceil) if e.label in _HOLDERS]
    if after is not None:
        chosen = next((e for e in found if e.start >= end + after.end()), None)
    else:
        chosen = next((e for e in reversed(found) if e.end <= replacing.start()), None)
    return (chosen.start, chosen.end) if chosen is not None else None


# "How far did the FTSE fall?", "How much did shares rise?": the change asked, not the level reached.
_ASKS_CHANGE = re.compile(
    r"^\s*how (?:far|much|many points)\b.*\b(?:fall|fell|drop|declin|slid|sink|sank|plung|tumbl|rise|rose|gain|climb|"
    r"jump|increas|surg|slump|sli[dp])\w*", re.IGNORECASE)
# "… fell 232.90 points to ": a move, its size, then the level the short answer gives.
_MOVE_THEN_LEVEL = re.compile(
    r"\b(?:fell|falls?|falling|dropped|drops?|dropping|declined|declines?|slid|slides?|sank|sinks?|plunged|plunges?|"
    r"tumbled|tumbles?|lost|loses?|rose|rises?|rising|gained|gains?|climbed|climbs?|jumped|jumps?|increased|"
    r"surged|slumped|slipped|added|shed)\s+(?:by\s+)?(?:(?:about|almost|nearly|more than|over|some)\s+)?"
    r"(?P<change>[$€£]?\d[\d,.]*\s*(?:%|percent|per cent|points?|pts)?)(?:\s*\([^()]{0,30}\))?"
    r"(?:,?\s+(?:or|and)\s+[\d,.]+\s*(?:%|percent|per cent|points?))?,?\s+to\s+(?:close\s+at\s+|end\s+at\s+)?$",
    re.IGNORECASE)


def change_of(question: str, text: str, start: int, floor: int) -> tuple[int, int] | None:
    """Where the size of a move is written when "how far did it fall" is answered with the level reached.

    "The FTSE-100 index fell 232.90 points to 6038.30" read for "How far
    did the FTSE 100 fall today?" gives "6038.30", the level after "to";
    the move's size, "232.90 points", is what was asked.

    Example:
        >>> s = "The FTSE-100 index fell 232.90 points to 6038.30, and the Nikkei fell."
        >>> found = change_of("How far did the FTSE 100 fall today?", s, s.index("6038"), 0)
        >>> s[found[0]:found[1]]
        '232.90 points'
        >>> change_of("What level did the FTSE 100 fall to?", s, s.index("6038"), 0) is None
        True
    """
    if not _ASKS_CHANGE.match(question):
        return None
    move = _MOVE_THEN_LEVEL.search(text, floor, start)
    if move is None:
        return None
    return move.start("change"), move.start("change") + len(move.group("change").rstrip())


# "What level did the FTSE drop to?", "Where did the Dow close?": the level reached, one figure.
_LEVEL_FIGURE = re.compile(r"[$€£]?\d[\d,]*(?:\.\d+)?(?:\s*(?:%|percent|points?))?")


def level_of(question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """The last figure of a short answer holding several, when the question asks the level reached.

    "What level did the FTSE 100 drop to this week?" read in "… to below
    the 5000 mark at 4907.20" gives "below the 5000 mark at 4907.20": the
    level is its last figure.

    Example:
        >>> s = "It dropped 118.40 points, to below the 5000 mark at 4907.20."
        >>> found = level_of("What level did the FTSE 100 drop to?", s, s.index("below"), s.index("20.") + 2)
        >>> s[found[0]:found[1]]
        '4907.20'
    """
    if not asks_level(question):
        return None
    figures = list(_LEVEL_FIGURE.finditer(text, start, end))
    if len(figures) < 2:
        return None
    return figures[-1].start(), figures[-1].end()


def _entities_at(entities: EntityRecognizer | None, text: str, start: int, end: int) -> list[Entity]:
    """The entities of ``text[start:end]`` with offsets into ``text`` (none without a recognizer)."""
    if entities is None:
        return []
    return [Entity(e.label, start + e.start, start + e.end) for e in entities.find([text[start:end]])[0]]


# Words that change what a figure claims: "more than 10,000" is not "10,000".
_QUALIFIER = re.compile(
    r"\b(?:more|less|fewer|greater|higher|lower) than\s+$|\b(?:at least|at most|up to|as (?:many|much|few|little) as|"
    r"(?:just |well )?(?:over|under)|nearly|almost|about|around|approximately|roughly|some|close to|upwards of|"
    r"an estimated|estimated)\s+$",
    re.IGNORECASE,
)
# Footnote marks an article may put between a qualifier and its figure: "more than [4] 4,000".
_TRAILING_MARKS = re.compile(r"(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+$")
_FIGURE_START = re.compile(
    rf"[$€£¥]?\d|(?:{NUMBER_WORDS}|a dozen|dozens|hundreds?|thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)


def answer_words(text: str, start: int, end: int, floor: int = 0) -> str | None:
    """``text[start:end]`` widened to whole words (the reader's span ends on word pieces).

    A figure keeps the qualifier just before it, within ``text[floor:]``
    (the quoted sentence): a short answer "10,000" for "More than 10,000
    troops" would claim what the article does not.

    Example:
        >>> answer_words("More than 10,000 troops took part.", 10, 16)
        'More than 10,000'
        >>> answer_words("At least 12 people were killed.", 9, 11)
        'At least 12'
        >>> answer_words("The floods displaced more than [4] 4,000 families.", 35, 40)  # a footnote mark between
        'more than [4] 4,000'
        >>> answer_words("The toll rose to 31 people.", 17, 19)  # "to" claims nothing more
        '31'
        >>> answer_words("More than half of them stayed, said Wei Fenghe.", 36, 46)  # not a figure
        'Wei Fenghe'
        >>> answer_words("It aims to “combat terror” and more.", 11, 25)  # a quotation mark is closed
        '“combat terror”'
        >>> answer_words("The drill (the largest yet) began.", 10, 22)  # or, unclosed in the text, left out
        'the largest'
    """
    start, end = bounds(text, start, end, floor)
    return text[start:end].strip(" ,;:") or None


def bounds(
    text: str, start: int, end: int, floor: int = 0, entities: Sequence[Entity] = (), labels: frozenset[str] = NAMED,
    asked: str = "",
) -> tuple[int, int]:
    """The offsets :func:`answer_words` takes, then widened to whole names of ``entities`` (offsets into ``text``) with ``labels``.

    A pair of names joins only where the other is not the question's (``asked``; :func:`rag._entities.complete`).

    Example:
        >>> text = "Fans cheered as LeBron James scored."
        >>> text[slice(*bounds(text, 23, 26, 0, [Entity("PERSON", 16, 28)]))]
        'LeBron James'
    """
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    start, end = _whole_figure(text, start, end)
    if _FIGURE_START.match(text, start):
        qualifier = _QUALIFIER.search(_TRAILING_MARKS.sub("", text[floor:start]))
        if qualifier is not None:
            start = floor + qualifier.start()
    start, end = complete(text, start, end, entities, labels, asked) if entities else (start, end)
    year = _YEAR_AFTER.match(text, end) if _DAY_OF_MONTH.search(text, start, end) else None
    if year is not None:  # "July 29" of "July 29, 2021": the date whole
        end = year.end()
    return _balanced(text, start, end)


def _whole_figure(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` widened over a figure cut at its decimal point or thousands comma, and to its currency sign.

    The reader's word pieces split "$15.5" into "$", "15", "." and "5", so a
    span may start or end inside the figure: "5 million" of "$15.5 million"
    claims another amount.

    Example:
        >>> text = "a total revenue of $15.5 million."
        >>> text[slice(*_whole_figure(text, 23, 32))]
        '$15.5 million'
        >>> text = "Sales reached 12,400 units."
        >>> text[slice(*_whole_figure(text, 14, 16))]
        '12,400'
    """
    while start > 1 and text[start].isdigit() and text[start - 1] in ".," and text[start - 2].isdigit():
        start -= 2
        while start > 0 and text[start - 1].isdigit():
            start -= 1
    while end + 1 < len(text) and text[end - 1].isdigit() and text[end] in ".," and text[end + 1].isdigit():
        end += 2
        while end < len(text) and text[end].isdigit():
            end += 1
    if start > 0 and text[start].isdigit() and text[start - 1] in CURRENCY_SIGNS:
        start -= 1
        # "US$10", "HK$5": the country's letters belong to the sign
        sign = re.search(r"\b[A-Z]{1,3}$", text[max(0, start - 3) : start])
        if sign is not None:
            start -= len(sign.group())
    return start, end


_MONTH_WORD = rf"(?:{MONTH_WORDS})\.?"
# A day of a month ending the words ("July 29", "29th of July"), and the year right after it (", 2021").
_DAY_OF_MONTH = re.compile(rf"(?:\b{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD})$",
                           re.IGNORECASE)
_YEAR_AFTER = re.compile(r",?\s+(?:19|20)\d\d\b")


# Marks that open and close: a short answer never shows one without the other ("“combat terrorist forces").
# Single quotes are left alone: "’" is also the apostrophe of "China’s".
_OPENERS = {"“": "”", '"': '"', "(": ")", "[": "]"}
_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}


def _unpaired(words: str, opener: str, closer: str) -> set[int]:
    """Positions in ``words`` of the marks ``opener``/``closer`` that have no partner (paired left to right)."""
    if opener == closer:  # straight quotes pair in order: an odd one out is the last
        marks = [i for i, c in enumerate(words) if c == opener]
        return {marks[-1]} if len(marks) % 2 else set()
    waiting: list[int] = []
    lone: set[int] = set()
    for i, c in enumerate(words):
        if c == opener:
            waiting.append(i)
        elif c == closer:
            if waiting:
                waiting.pop()
            else:
                lone.add(i)
    return lone | set(waiting)


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` with a quotation mark or bracket at either edge matched: its partner next door joins, else it goes."""
    if start < end and text[start] in _OPENERS:
        closer = _OPENERS[text[start]]
        if 0 in _unpaired(text[start:end], text[start], closer):
            if end < len(text) and text[end] == closer:
                end += 1
            else:
                start += 1
                while start < end and text[start].isspace():
                    start += 1
    if start < end and text[end - 1] in _CLOSERS:
        opener = _CLOSERS[text[end - 1]]
        if end - 1 - start in _unpaired(text[start:end], opener, text[end - 1]):
            if start > 0 and text[start - 1] == opener:
                start -= 1
            else:
                end -= 1
                while end > start and text[end - 1].isspace():
                    end -= 1
    return start, end
