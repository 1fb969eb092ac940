"""Chat text: a message's text, whatever shape its content has, and an answer as plain text (the UI's chat and
OpenAI's API share them).

Example:
    >>> message_text([{"type": "text", "text": "how many "}, {"type": "image_url"}, "troops?"])
    'how many troops?'
"""

from __future__ import annotations

from typing import Any

from rag import Answer

__all__ = ["message_text", "reply_text"]


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
