"""The text of a chat message, whatever shape its content has (Gradio's chat and OpenAI's API share them).

Example:
    >>> message_text([{"type": "text", "text": "how many "}, {"type": "image_url"}, "troops?"])
    'how many troops?'
"""

from __future__ import annotations

from typing import Any

__all__ = ["message_text"]


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
