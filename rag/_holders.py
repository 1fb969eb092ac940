"""Who holds a title, and of what: "Facebook CEO Mark Zuckerberg" does not answer "Who is Nintendo's CEO?".

News names people by their posts ("Apple CEO Tim Cook", "Abigail Johnson,
the chief executive of Fidelity"), and a sentence on the asked topic often
names the holder of the asked post at *another* body: the LEGO Foundation's
chief for the LEGO Group's, the players' union president for the league's,
a partner company's chief beside the asked one. A careful reader also knows
that "Eric Schmidt, former CEO of Google" does not say who runs Google now.

:func:`asked_post` reads the post and the body a question asks about;
:func:`post_held` the post and body a sentence gives right next to a name
(before it, "Facebook CEO Mark Zuckerberg", or after it, "Musk, the founder
and CEO of SpaceX and Tesla"); :func:`holds_another` says when the second
cannot answer the first. Only proper names are compared: "Who was the
president of the university?" names no body to compare.

Example:
    >>> question = "Who is the CEO of Lego in 2021?"
    >>> sentence = "Anne-Birgitte Albrectsen is the CEO of The LEGO Foundation."
    >>> holds_another(question, sentence, 0, 24)
    True
    >>> holds_another(question, "Niels B. Christiansen, CEO of the LEGO Group, spoke.", 0, 21)
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Asked", "Held", "asked_holder", "asked_post", "holds_another", "implied_holder", "post_held"]

_POST = (
    r"(?:chief\s+executive(?:\s+officer)?|CEO|president|chairman|chairwoman|chairperson|chair|director|"
    r"managing\s+director|head|leader|founder|co-founder|head\s+coach|coach|general\s+manager|manager|owner|"
    r"commissioner|secretary|minister|governor|mayor|editor(?:-in-chief)?|chief)"
)
# Words before a post that say who held it, or will: a former holder does not answer "who is".
_FORMER = r"(?:former|ex-|outgoing|previous|then|late|departing|retired|one-time|erstwhile)"
_TIME_WORDS = r"(?:new|current|incoming|interim|acting|longtime|long-time|global|founding|first|next|newly\s+named)"
# A proper name: capitalised words, with "of", "and", "&" and "for" between them ("Bank of America").
_NAME = r"(?-i:[A-Z][\w.&'’-]*)(?:\s+(?:(?-i:[A-Z][\w.&'’-]*)|of|and|for|&)){0,5}"
_BE = r"(?:is|was|will\s+be|would\s+be|became|has\s+been|had\s+been|'s|’s|are|were)"

_ASKED_OF = re.compile(
    rf"^\s*who(?:\s+{_BE}|['’]s)\s+(?:the\s+)?(?:(?P<former>{_FORMER})\s+|{_TIME_WORDS}\s+)?(?P<post>{_POST})\s+(?:of|at|for)\s+"
    rf"(?:the\s+)?(?P<body>{_NAME})",
    re.IGNORECASE,
)
_ASKED_POSSESSIVE = re.compile(
    rf"^\s*who(?:\s+{_BE}|['’]s)\s+(?:the\s+)?(?P<body>{_NAME})(?:['’]s?)?\s+(?:(?P<former>{_FORMER})\s+|{_TIME_WORDS}\s+)?"
    rf"(?P<post>{_POST})\b",
    re.IGNORECASE,
)
# "Who coaches the Hawks?", "Who runs Tesla?": a post asked by its verb.
_ASKED_VERB = re.compile(
    rf"^\s*who\s+(?:now\s+|currently\s+)?(?P<post>coaches|leads|runs|heads|chairs|manages|owns|captains|directs|"
    rf"edits|governs)\s+(?:the\s+)?(?P<body>{_NAME})",
    re.IGNORECASE,
)
# "Facebook CEO Mark Zuckerberg", "Nintendo's CEO Doug Bowser", "former Google chief Eric Schmidt".
_HELD_BEFORE = re.compile(
    rf"(?:(?P<former>{_FORMER})\s+)?(?P<body>{_NAME})(?:['’]s)?\s+(?:(?P<former2>{_FORMER})\s+|{_TIME_WORDS}\s+)?"
    rf"(?:{_POST})(?:\s+(?:and|&|/)\s+(?:{_POST}))?,?\s+$",
    re.IGNORECASE,
)
# "Musk, the founder and CEO of SpaceX and Tesla", "Abigail Johnson is the new CEO of Fidelity Investments".
_HELD_AFTER = re.compile(
    rf"\s*,?\s*(?:who\s+(?:is|was)\s+|is\s+|was\s+|as\s+|became\s+|serves\s+as\s+|served\s+as\s+|has\s+been\s+)?"
    rf"(?:the\s+|its\s+|a\s+)?(?:(?P<former>{_FORMER})\s+|{_TIME_WORDS}\s+)?(?:{_POST})"
    rf"(?:\s*(?:and|&|/)\s*(?:{_POST}))*\s+(?:of|at)\s+(?:the\s+)?(?P<body>{_NAME})",
    re.IGNORECASE,
)
# One word naming a people ("Australian", "Chinese", "Danish", "Israeli"): a post's nationality, or a country's post.
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:an|ese|ish|i)$")
# Words a body's name may carry or drop without naming another body ("the LEGO Group" is LEGO).
_SUFFIXES = frozenset(
    "the of and for inc inc. co co. corp corp. corporation company companies group holdings plc llc ltd ltd. sa ag "
    "nv se limited".split()
)
# Words that name a body of its own beside the asked one ("the LEGO Foundation", "the NFL Players Association").
_OTHER_BODY = frozenset(
    "foundation association union federation council institute museum trust society fund players committee "
    "commission board authority agency club academy party".split()
)


@dataclass(frozen=True)
class Asked:
    """The post and the body a question asks about ("Who is the CEO of Lego?": ``post`` "CEO", ``body`` "Lego").

    Attributes:
        present: The question asks who holds it now ("who is"), so a former holder does not answer.
    """

    post: str
    body: str
    present: bool


@dataclass(frozen=True)
class Held:
    """The body whose post a sentence gives a name ("Facebook" of "Facebook CEO Mark Zuckerberg"), and whether it was held before."""

    body: str
    former: bool


def asked_post(question: str) -> Asked | None:
    """The post and body ``question`` asks about, or ``None`` (no post of a named body asked).

    Example:
        >>> asked_post("Who is Nintendo's CEO?")
        Asked(post='CEO', body='Nintendo', present=True)
        >>> asked_post("Who was the president of the university in 1900?") is None  # no proper name
        True
        >>> asked_post("Who coaches the Lakeside Owls?")
        Asked(post='coaches', body='Lakeside Owls', present=True)
    """
    verb = _ASKED_VERB.search(question)
    if verb is not None:  # "who coaches" asks who does now
        body = _trim(verb.group("body"))
        return Asked(verb.group("post").lower(), body, True) if body else None
    found = _ASKED_OF.search(question) or _ASKED_POSSESSIVE.search(question)
    if found is None or found.group("former"):
        return None
    body = _trim(found.group("body"))
    if not body:
        return None
    present = re.match(r"^\s*who(?:\s+(?:is|are)\b|['’]s\b)", question, re.IGNORECASE) is not None
    return Asked(re.sub(r"\s+", " ", found.group("post")), body, present)


def post_held(sentence: str, start: int, end: int) -> Held | None:
    """The body whose post ``sentence`` gives the name at ``sentence[start:end]``, right before or right after it.

    Example:
        >>> post_held("Facebook CEO Mark Zuckerberg should step down.", 13, 28)
        Held(body='Facebook', former=False)
        >>> post_held("Eric Schmidt, former CEO of Google, spoke.", 0, 12)
        Held(body='Google', former=True)
        >>> post_held("Mark Zuckerberg spoke on Monday.", 0, 15) is None
        True
    """
    before = _HELD_BEFORE.search(sentence[max(0, start - 120) : start])
    if before is not None and _trim(before.group("body")):
        return Held(_trim(before.group("body")), bool(before.group("former") or before.group("former2")))
    after = _HELD_AFTER.match(sentence, end)
    if after is not None and _trim(after.group("body")):
        return Held(_trim(after.group("body")), bool(after.group("former")))
    return None


def holds_another(question: str, sentence: str, start: int, end: int) -> bool:
    """Whether the name at ``sentence[start:end]`` holds the asked post at another body, or held it before.

    A sentence that names the asked body's post elsewhere too is given no
    verdict: another of its names may hold it. Bodies are the same when one's
    words hold the other's, less company
    suffixes ("the LEGO Group" is "Lego"), unless the longer one adds a
    word for a body of its own ("the LEGO Foundation"); or when one is the
    other's initials ("GM", "General Motors").

    Example:
        >>> holds_another("Who is GM's chief executive?", "General Motors CEO Mary Barra spoke.", 19, 29)
        False
        >>> holds_another("Who is the president of the NFL?",
        ...               "Players re-elected JC Tretter as president of the NFL Players Association.", 19, 29)
        True
        >>> holds_another("Who is Google's CEO?", "Eric Schmidt, former CEO of Google, spoke.", 0, 12)
        True
        >>> holds_another("Who is the director of the Assassin's Creed movie?",
        ...               "It is the boldest film yet from the Australian director Justin Kurzel.", 56, 69)
        False
    """
    asked = asked_post(question)
    if asked is None:
        return False
    held = post_held(sentence, start, end)
    if held is None:
        return False
    # The asked post of the asked body named elsewhere in the sentence: its holder is another name there
    # ("Microsoft CEO Satya Nadella, Oracle Corporation founder … Larry Ellison"), which the short answer may find.
    if any(_same_body(asked.body, body) for body in _posts_named(sentence[:start] + " " * (end - start) + sentence[end:])
           if body != held.body):
        return False
    if held.former and asked.present:
        return True
    if _DEMONYM.match(held.body):  # "the Australian director": a nationality, not a body (unless it is the asked one)
        return False
    return not any(_same_body(asked.body, part) for part in re.split(r"\s+(?:and|&)\s+|,\s*", held.body) if part)


# A person's name: two to four capitalised words ("Daniel Okoro", "Mary T. Barra").
# Never a post's own word: "Apple Chief Executive Officer" names no "Executive Officer".
_PERSON_WORD = rf"\b(?!(?:{_POST}|executive|officer|vice)\b)(?-i:[A-Z][\w'’-]*\.?)"
_PERSON = rf"{_PERSON_WORD}(?:\s+{_PERSON_WORD}){{1,3}}"
# A name right after a post is that post's holder ("Microsoft CEO Satya Nadella, Oracle founder Larry Ellison").
_AFTER_A_POST = re.compile(rf"\b(?:{_POST})\s*$", re.IGNORECASE)
# A body's name that holds no post's word: "Former Skyforge CEO Ann Lee and Skyforge CEO Daniel Okoro" names two.
_BODY_WORD = rf"(?!(?:{_POST})\b)(?-i:[A-Z][\w.&'’-]*)"
_BODY = rf"{_BODY_WORD}(?:\s+(?:{_BODY_WORD}|of|and|for|&)){{0,5}}"
# "Skyforge CEO Daniel Okoro", "Nintendo's president Doug Bowser"; "Daniel Okoro, the chief executive of Skyforge".
_HOLDER_AFTER_POST = re.compile(
    rf"(?:(?P<former>{_FORMER})\s+)?(?P<body>{_BODY})(?:['’]s)?\s+(?:(?P<former2>{_FORMER})\s+|{_TIME_WORDS}\s+)?"
    rf"(?P<post>{_POST})\s+(?P<name>{_PERSON})",
    re.IGNORECASE,
)
# "Daniel Okoro, the chief executive of Skyforge", "Steve Jobs, the Apple Chief Executive Officer".
_HOLDER_BEFORE_POST = re.compile(
    rf"(?P<name>{_PERSON})\s*,\s*(?:the\s+|its\s+)?(?:(?P<former>{_FORMER})\s+|{_TIME_WORDS}\s+)?(?:(?P<post>{_POST})"
    rf"\s+(?:of|at)\s+(?:the\s+)?(?P<body>{_BODY})|(?P<body2>{_BODY})(?:['’]s)?\s+(?P<post2>{_POST})\b)",
    re.IGNORECASE,
)
# "Veltrix named Priya Natarajan as its new chief executive", "… has appointed Daniel Okoro CEO".
_HOLDER_NAMED = re.compile(
    rf"(?P<body>{_BODY})\s+(?:has\s+|have\s+|on\s+\w+\s+)?(?:named|appointed|hired|picked|chose|tapped|elected|promoted)\s+"
    rf"(?P<name>{_PERSON})\s*,?\s+(?:as\s+)?(?:its\s+|the\s+|their\s+)?(?:{_TIME_WORDS}\s+)?(?P<post>{_POST})\b",
    re.IGNORECASE,
)
# A post with no body before it, its holder after it: "Chief Executive Laura Mendes told analysts …".
_BARE_POST = re.compile(
    rf"(?:^|(?<=[\s\"“(—–-]))(?:(?P<former>{_FORMER})\s+|{_TIME_WORDS}\s+)?(?P<post>{_POST})\s+(?P<name>{_PERSON})",
    re.IGNORECASE,
)
# The words of one post: "CEO" is the chief executive, "coaches" asks the coach.
_SAME_POST = {
    "ceo": "ceo", "chief executive": "ceo", "chief executive officer": "ceo", "chief": "ceo", "runs": "ceo",
    "chairman": "chair", "chairwoman": "chair", "chairperson": "chair", "chair": "chair", "chairs": "chair",
    "head coach": "coach", "coach": "coach", "coaches": "coach", "head": "head", "heads": "head", "leads": "leader",
    "leader": "leader", "manager": "manager", "general manager": "manager", "manages": "manager", "owner": "owner",
    "owns": "owner", "director": "director", "directs": "director", "managing director": "director",
    "editor": "editor", "editor-in-chief": "editor", "edits": "editor", "governor": "governor", "governs": "governor",
}


def _name_at(sentence: str, found: re.Match[str]) -> tuple[int, int]:
    """The offsets of ``found``'s name, less a full stop ending the sentence ("Laura Mendes." but "Ford Jr.")."""
    start, end = found.start("name"), found.end("name")
    if sentence[end - 1] == "." and len(sentence[start:end].split()[-1]) > 3:
        end -= 1
    return start, end


def _post(words: str) -> str:
    words = re.sub(r"\s+", " ", words.lower())
    return _SAME_POST.get(words, words)


def asked_holder(question: str, sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` names the holder of the post and body ``question`` asks about, now; else ``None``.

    The reader may take its words from the sentence before, or another name
    of the sentence, when the sentence itself says who holds the asked post:
    "Skyforge CEO Daniel Okoro will join Veltrix's board" answers "Who is
    the CEO of Skyforge?".

    Example:
        >>> sentence = "Skyforge CEO Daniel Okoro will join Veltrix's board."
        >>> start, end = asked_holder("Who is the CEO of Skyforge?", sentence)
        >>> sentence[start:end]
        'Daniel Okoro'
        >>> asked_holder("Who is Veltrix's chief executive?", sentence) is None
        True
        >>> asked_holder("Who is Google's CEO?", "Eric Schmidt, former CEO of Google, spoke.") is None
        True
    """
    asked = asked_post(question)
    if asked is None:
        return None
    for pattern in (_HOLDER_AFTER_POST, _HOLDER_BEFORE_POST, _HOLDER_NAMED):
        for found in pattern.finditer(sentence):
            former = found.groupdict().get("former") or found.groupdict().get("former2")
            if former and asked.present:
                continue
            if pattern is _HOLDER_BEFORE_POST and _AFTER_A_POST.search(sentence, 0, found.start("name")):
                continue
            body = _trim(found.group("body") or found.groupdict().get("body2") or "")
            post = found.group("post") or found.groupdict().get("post2") or ""
            if body and _post(post) == _post(asked.post) and _same_body(asked.body, body) \
                    and _same_body(body, asked.body):
                return _name_at(sentence, found)
    return None


def implied_holder(question: str, sentence: str, context: str) -> tuple[int, int] | None:
    """Where ``sentence`` names the holder of the asked post with no body, its article naming the asked one.

    News names a body once, then its people by their posts alone: "Chief
    Executive Laura Mendes told analysts …" in a report whose headline or
    lead (``context``) is about Northwind Motors answers "Who is the CEO of
    Northwind Motors?". Only when the sentence names no body's post and
    ``context`` names the asked body.

    Example:
        >>> implied_holder("Who is the CEO of Northwind Motors?", "Chief Executive Laura Mendes told analysts.",
        ...                "Northwind Motors to cut 4,500 jobs")
        (16, 28)
        >>> implied_holder("Who is the CEO of Eastline?", "Chief Executive Laura Mendes told analysts.",
        ...                "Northwind Motors to cut 4,500 jobs") is None
        True
    """
    asked = asked_post(question)
    if asked is None or _posts_named(sentence):
        return None
    if not any(_same_body(asked.body, body) and _same_body(body, asked.body)
               for body in (_trim(m.group(0)) for m in re.finditer(_NAME, context)) if _words(body)):
        return None
    for found in _BARE_POST.finditer(sentence):
        if found.group("former") and asked.present:
            continue
        if _post(found.group("post")) == _post(asked.post):
            return _name_at(sentence, found)
    return None


# A post named with its body anywhere in a sentence: "Oracle Corporation founder", "president of the NFL".
_BODY_POST = re.compile(rf"(?P<body>{_NAME})(?:['’]s)?\s+(?:{_TIME_WORDS}\s+)?(?:{_POST})\b", re.IGNORECASE)
_POST_OF_BODY = re.compile(rf"\b(?:{_POST})\s+(?:of|at)\s+(?:the\s+)?(?P<body>{_NAME})", re.IGNORECASE)


def _posts_named(sentence: str) -> list[str]:
    """The bodies ``sentence`` names a post of, wherever it names them."""
    found = [m.group("body") for m in _BODY_POST.finditer(sentence)] + [m.group("body") for m in _POST_OF_BODY.finditer(sentence)]
    return [body for body in (_trim(b) for b in found) if body]


def _trim(body: str) -> str:
    """``body`` without a leading "The", "New" or "Former" and a trailing possessive or small word."""
    words = body.replace("’", "'").rstrip(".,;:").split()
    while words and words[0].lower() in {"the", "new", "former", "a", "an"}:
        words = words[1:]
    while words and words[-1].lower() in {"of", "and", "for", "&"}:
        words = words[:-1]
    if words and words[-1].endswith("'s"):
        words[-1] = words[-1][:-2]
    return " ".join(words)


def _words(body: str) -> set[str]:
    return {w.strip(".,'’").lower() for w in body.split()} - _SUFFIXES - {""}


def _same_word(a: str, b: str) -> bool:
    """One word, or a place and its people's word ("Egypt" and "Egyptian", "China" and "Chinese")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    if long.startswith(short) and len(long) - len(short) <= 3:
        return True
    stem = short[:4]
    return long.startswith(stem) and re.search(r"(?:ian|an|ese|ish|i|n)$", long) is not None and len(long) - len(short) <= 3


def _initials(body: str) -> str:
    return "".join(w[0] for w in body.split() if w[:1].isupper() and w.lower() not in _SUFFIXES).lower()


def _same_body(asked: str, held: str) -> bool:
    a, h = _words(asked), _words(held)
    if not a or not h:
        return True  # nothing to compare: no verdict
    a_in_h = all(any(_same_word(x, y) for y in h) for x in a)
    h_in_a = all(any(_same_word(y, x) for x in a) for y in h)
    if a_in_h or h_in_a:
        extra = {y for y in h if not any(_same_word(x, y) for x in a)} | {x for x in a if not any(_same_word(x, y) for y in h)}
        return not extra & _OTHER_BODY
    single_a, single_h = asked.replace(".", "").strip(), held.replace(".", "").strip()
    if (single_a.isupper() and single_a.lower() == _initials(held)) or (single_h.isupper() and single_h.lower() == _initials(asked)):
        return True
    return False
