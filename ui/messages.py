"""Chat messages' text: reading it whatever shape it has, an answer as plain text (Gradio's chat and OpenAI's
API share them), and article text written into markdown as inert text.

Example:
    >>> message_text([{"type": "text", "text": "how many "}, {"type": "image_url"}, "troops?"])
    'how many troops?'
    >>> inert("![p](http://x/p.png)")
    '!&#91;p&#93;(http&#58;//x/p.png)'
"""

from __future__ import annotations

import re
from typing import Any

from rag import Answer

__all__ = ["inert", "message_text", "reply_text"]

# What gives text a meaning in markdown, GFM or HTML, written as numeric character references: a parser takes
# a reference for text (it never opens a link, an image, emphasis, a table, math or a tag), and the browser
# shows the character. Brackets and angle brackets are enough to stop links, images and tags; "://", "www."
# and "@" would still be autolinked, and a line opening with "-", "+", "=", "1." or "1)" would be a list, a
# rule or a heading.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>[]\\`*_|~$#@"})
_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=//)|(?<=\bwww)\.")
_LINE_START = re.compile(r"(?m)^([ \t]*)([-+=]|\d+[.)])")


def message_text(content: Any) -> str:
    """The text of a chat message's content.

    Gradio 6's Chatbot hands each message's content to the function as a
    list of parts (``[{"type": "text", "text": "..."}]``), as OpenAI's chat
    API allows; older versions and the history the UI builds itself use a
    plain string. Files, images and other non-text parts carry no question
    text and are skipped.

    Args:
        content: A string, a dict with ``"text"``, or a list of strings and
            such dicts.

    Returns:
        The text parts joined by spaces (``""`` if there are none).
    """
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, dict):
        text = content.get("text")
        return text.strip() if isinstance(text, str) else ""
    if isinstance(content, (list, tuple)):
        return " ".join(part for part in map(message_text, content) if part)
    return ""


def reply_text(answer: Answer) -> str:
    """The reply as a chat shows it: short answer, text with ``[n]``, time scope, disagreements, then "Sources".

    Example:
        >>> reply_text(Answer(question="q?", text="The articles don't say.", refused=True))
        "The articles don't say."
    """
    parts = []
    if answer.short_answer:
        parts.append(f"Answer: {answer.short_answer}")
    parts.append(answer.text)
    notes = []
    if answer.time_scope:
        notes.append(f"Time scope: {answer.time_scope.describe()}")
    for d in answer.disagreements:
        notes.append(f"Sources differ ({d.kind}): " + " vs ".join(f"{v} [{n}]" for v, n in zip(d.values, d.citations)))
    if notes:
        parts.append("\n".join(notes))
    if answer.citations:
        parts.append("Sources:\n" + "\n".join(f"[{c.n}] {c.label()}: “{c.quote}”" for c in answer.citations))
    return "\n\n".join(parts)


def inert(text: str) -> str:
    """``text`` (an article's, or anything else not ours) for a markdown message: shown as it is, never rendered.

    Gradio's chat and markdown panels render markdown and (sanitized) HTML: an
    article holding ``![p](http://attacker/p.png)`` would make every reader's
    browser fetch that URL, and ``[click](http://evil)`` would become a link.
    Each character that gives markdown, autolinks or HTML a meaning becomes a
    numeric character reference, which the parser leaves alone and the browser
    shows as the character; the rest (most of a news text) is left as it is,
    so the Gradio API's text stays readable.

    Example:
        >>> inert("<img src=x onerror=alert(1)> [click](http://evil) **42**")
        '&#60;img src=x onerror=alert(1)&#62; &#91;click&#93;(http&#58;//evil) &#42;&#42;42&#42;&#42;'
        >>> inert("- 10,000 troops at www.example.com")
        '&#45; 10,000 troops at www&#46;example.com'
    """
    text = _AUTOLINK.sub(lambda m: f"&#{ord(m.group())};", text.translate(_INERT))
    return _LINE_START.sub(lambda m: m.group(1) + "".join(f"&#{ord(c)};" for c in m.group(2)), text)
