"""What a thing is called: "What is the name of the drill?" is answered by the name the article gives the drill.

News names a thing where it first mentions it ("The “Zapad/Interaction 2021”
drill is expected to take place …") and then speaks of it by its kind ("this
joint military drill", "the drill ground"). Asked for the name, the reader
often prefers a later sentence that says more about the thing and names it
not at all ("According to PLA Senior Colonel Wu Qian, this joint military
drill, ostensibly to “combat terrorist forces” …"). :func:`asked_name` reads
the kind of thing whose name a question asks; :func:`names_of` the names a
sentence attaches to a thing of that kind: a quoted or capitalised name just
before the word ("the Zapad/Interaction 2021 drills"), a name that ends in the
word ("Levi's Stadium"), or one the sentence says it is called ("a bend known
as the Rheinknie").

Example:
    >>> asked_name("What is the name of the drill?"), asked_name("What was Tesla's device called?")
    ('drill', 'device')
    >>> sentence = "The “Zapad/Interaction 2021” drill is expected to take place in August."
    >>> [sentence[a:b] for a, b in names_of(sentence, "drill")]
    ['Zapad/Interaction 2021']
    >>> names_of("According to Wu Qian, this joint military drill shows a new era.", "drill")
    []
"""

from __future__ import annotations

import re

__all__ = ["asked_name", "is_a_name", "names_of"]

# Words that end the phrase naming the thing: a clause, a place or time, a participle's complement.
_PHRASE_END = (r"(?:that|which|who|whom|whose|where|when|in|on|at|for|from|by|with|of|to|during|after|before|"
               r"between|under|over|about|along|across|near|around|inside|outside|within|into|through|behind|beyond|"
               r"among|against|like|as|than|used|made|created|established|built|given|founded|known|released|"
               r"developed|located|called|named|is|was|are|were|also|originally|first|commonly|often|now|later)")
_DETERMINER = r"(?:(?:the|a|an|this|that|these|those|its|their|his|her|our|your)\s+)?"
_NAME_OF = re.compile(
    rf"^\s*what\s+(?:is|was|were|are|will\s+be)\s+the\s+(?:official\s+|full\s+|new\s+|original\s+)?names?\s+of\s+"
    rf"{_DETERMINER}(?P<phrase>.+?)(?:\s+{_PHRASE_END}\b.*)?\s*\??\s*$",
    re.IGNORECASE,
)
_CALLED = re.compile(
    rf"^\s*what\s+(?:is|was|were|are|will\s+be)\s+{_DETERMINER}(?P<phrase>.+?)(?:\s+{_PHRASE_END}\b.*?)?"
    r"\s+(?:(?:also|originally|first|commonly|often|now|later|formally|officially)\s+)?(?:called|named|known\s+as)\s*\??\s*$",
    re.IGNORECASE,
)
_AFTER_THE_THING = {"held", "built", "made", "given", "known", "grown", "seen", "run", "set", "shown", "taken", "found"}
_POSSESSOR = re.compile(r"^.*?['’]s?\s+")

# A capitalised word of a name, or a figure inside one ("Interaction 2021"); "of", "and", "the" may join its words.
_WORD = r"(?:(?-i:[A-Z][\w.&'’/-]*|[0-9][\w/-]*))"
# Lower-case words that may join a name's words ("Bank of the West"), though never end one.
_JOINERS = ("of", "and", "the", "for")
_NAME = rf"(?-i:[A-Z][\w.&'’/-]*)(?:\s+(?:{_WORD}|{'|'.join(_JOINERS)})(?=\s|$|[,.;:!?])){{0,6}}"
# Capitalised words that open a sentence or a phrase without naming anything.
_NOT_A_NAME = {
    "the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "our", "in", "on", "at",
    "as", "for", "from", "by", "with", "after", "before", "during", "and", "but", "or", "if", "when", "while",
    "according", "following", "last", "next", "first", "new", "one", "two", "some", "many", "both", "each", "every",
}
# A name in quotes: curly double or single quotes, or straight double ones (a straight single one is an apostrophe).
_QUOTED = r"(?:“([^”\"]{2,80})”|\"([^”\"]{2,80})\"|‘([^’]{2,80})’)"
_CALLED_AFTER = r",?\s+(?:(?:is|was|are|were|has\s+been|had\s+been|will\s+be)\s+)?(?:(?:also|originally|first|commonly|often|now|later|formally|officially)\s+)?(?:called|named|dubbed|known\s+as|titled|nicknamed|code-named|codenamed)\s+(?:the\s+)?"


def asked_name(question: str) -> str | None:
    """The word for the kind of thing whose name ``question`` asks for, lower-cased; ``None`` if it asks for no name.

    "What is the name of the French colony established in 1564?" asks the
    name of a "colony"; "What is the first major bend in the Rhine called?"
    of a "bend".

    Example:
        >>> asked_name("What is the name of the French colony established in 1564?")
        'colony'
        >>> asked_name("What is the first major bend in the Rhine called?"), asked_name("Who won?")
        ('bend', None)
    """
    match = _NAME_OF.match(question) or _CALLED.match(question)
    if match is None:
        return None
    phrase = _POSSESSOR.sub("", match.group("phrase"))
    words = re.findall(r"[A-Za-z][\w-]*", phrase)
    # A participle or an adverb after the first word starts what is said of the thing ("the contest sponsored by").
    for i, word in enumerate(words[1:], 1):
        if re.search(r"(?:ed|ly|ible|able)$", word.lower()) or word.lower() in _AFTER_THE_THING:
            words = words[:i]
            break
    # A capitalised last word asks what a named thing is called ("the upgraded Saturn I"), not its name.
    if not words or len(words[-1]) < 3 or words[-1][0].isupper():
        return None
    return words[-1].lower()


def is_a_name(words: str, kind: str) -> bool:
    """Whether an answer's ``words`` name a thing of ``kind`` already: a capitalised word, or the kind's word.

    (A capitalised kind's word is a capitalised word: the kind is looked for as written, in lower case.)

    The reader's own answer stands when it is one ("Afranji", "the 50 fund");
    only words that name nothing ("combat terrorist forces") give way to a
    sentence's name of the thing.

    Example:
        >>> is_a_name("the 50 fund", "fund"), is_a_name("Afranji", "castle"), is_a_name("combat terrorist forces", "drill")
        (True, True, False)
    """
    return re.search(r"(?<![\w'’-])[A-Z]", words) is not None or re.search(rf"\b{re.escape(kind)}", words) is not None


def _kind(word: str, *, capital: bool = False) -> str:
    """The word for a kind and its plural, matched in its case: "drill" matches "drill" and "drills", "city" "cities"."""
    first = word[0].upper() if capital else word[0]
    stem = re.escape(first + word[1:-1]) + "(?:y|ies)" if word.endswith("y") else re.escape(first + word[1:]) + "(?:s|es)?"
    return rf"(?-i:\b{stem}\b)"


def _trimmed(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without capitalised words in front that name nothing ("The", "According"); ``None`` if none is left."""
    words = list(re.finditer(r"\S+", sentence[start:end]))
    while words and words[0].group().lower() in _NOT_A_NAME:
        words.pop(0)
    while words and words[-1].group().lower() in _JOINERS:
        words.pop()
    if not words:
        return None
    end = start + words[-1].end()
    if words[-1].group().endswith(".") and words[-1].group().count(".") == 1:  # a full stop, not "U.S."
        end -= 1
    return start + words[0].start(), end


def _known(name: str, known: str) -> bool:
    """Every word of ``name`` is a word of ``known`` (either apostrophe), so the name is the question's own.

    Close to ``rag._entities._own``, which also leaves "the", "of" and "and"
    out of the name and splits words at hyphens; kept apart so that which
    names count is pinned by this module's tests alone.
    """
    def words(text: str) -> list[str]:
        return [w.lower() for w in re.findall(r"[\w'-]+", text.replace("’", "'"))]
    asked = set(words(known))
    return bool(asked) and all(w in asked for w in words(name))


def _adjective(name: str) -> bool:
    """A single word that reads as a people's or a language's adjective ("Mexican", "French", "Chinese")."""
    return " " not in name and re.search(r"(?:an|ese|ish|ch|ic|i)$", name) is not None


def names_of(sentence: str, kind: str, *, known: str = "") -> list[tuple[int, int]]:
    """The offsets of each name ``sentence`` gives a thing of ``kind`` (a lower-case word), in order.

    A quoted name just before the word ("the “Zapad/Interaction 2021”
    drill"), capitalised words just before it ("the five-day
    Zapad/Interaction 2021 drills"), capitalised words ending in it ("Levi's
    Stadium", the word included), or a name after "called", "named", "known
    as" or "dubbed" ("a bend known as the Rheinknie"). A name whose every
    word is in ``known`` (the question: "the European Union agency" does not
    name the agency) or a single adjective of a people ("the Mexican
    border") is not one.

    Example:
        >>> s = "The game was played at Levi's Stadium in Santa Clara."
        >>> [s[a:b] for a, b in names_of(s, "stadium")]
        ["Levi's Stadium"]
    """
    word, capitalised = _kind(kind), _kind(kind, capital=True)
    found: list[tuple[int, int]] = []
    # Each pattern, and whether its name is trimmed of capitalised words that name nothing: a quoted name is the
    # quote's words, whatever they open with ("the “Following Sea” exercise").
    for pattern, trims in (
        (rf"{_QUOTED}\s+{word}", False),
        (rf"(?<![\w“\"‘'])({_NAME})\s+{word}", True),
        (rf"(?<![\w“\"‘'])({_NAME}\s+{capitalised})", True),
        (rf"{word}{_CALLED_AFTER}{_QUOTED}", False),
        (rf"{word}{_CALLED_AFTER}({_NAME})", True),
    ):
        for match in re.finditer(pattern, sentence):
            group = match.lastindex or 0  # the one group that matched (a quote has three kinds)
            span = _trimmed(sentence, match.start(group), match.end(group)) if trims else (match.start(group), match.end(group))
            if span is None:
                continue
            name = sentence[span[0] : span[1]]
            # One capitalised word opening the sentence is a word capitalised there, not a name ("Vaginal secretions").
            opening = trims and span[0] == len(sentence) - len(sentence.lstrip(" “\"‘'(")) and " " not in name
            if not opening and not _adjective(name) and not _known(name, known):
                found.append(span)
    # A name found by two patterns ("a bend called the Rhine Knee bend") counts once, the longest where they overlap.
    kept: list[tuple[int, int]] = []
    for span in sorted(set(found), key=lambda span: (span[0], -span[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept
