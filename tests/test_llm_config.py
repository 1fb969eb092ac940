"""Credentials never reach an error message (issue #13)."""

from __future__ import annotations

import pytest

from rag import LLMError
from rag._exceptions import redact
from rag._llm import LLMConfig, make_chat_model


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at http://user:s3cret@127.0.0.1:9/v1 is down", "at http://***@127.0.0.1:9/v1 is down"),
        ("https://me:p@ss@host:8/x", "https://***@host:8/x"),  # an unescaped "@" in the password
        ("https://token@host/v1", "https://***@host/v1"),
        ("GET /v1?api_key=abc123&q=1", "GET /v1?api_key=***&q=1"),
        ("OPENAI_API_KEY=sk-abcdefghijklmnop1234 was set", "OPENAI_API_KEY=*** was set"),
        ('{"password": "hunter2", "user": "me"}', '{"password": "***", "user": "me"}'),
        ("client_secret: xyz", "client_secret: ***"),
        ("headers {'Authorization': 'Basic dXNlcjpwYXNz'}", "headers {'Authorization': 'Basic ***'}"),
        ("sent Bearer abc.def-ghi123", "sent Bearer ***"),
        ("Incorrect API key provided: sk-abc123456789xyz.", "Incorrect API key provided: sk-***."),
    ],
)
def test_redact_masks_credentials(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "LLM backend openai at http://127.0.0.1:9/v1 is unreachable: check --base-url",
        "set OPENAI_API_KEY, or drop --llm to use the extractive answerer",
        "llm context_tokens=100 is too small: use at least 256",
        "Basic information about the storm",
    ],
)
def test_redact_leaves_ordinary_messages_alone(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "config",
    [
        LLMConfig("openai", "m", "http://user:s3cret@127.0.0.1:9/v1"),
        LLMConfig("ollama", "llama3", "http://user:s3cret@127.0.0.1:9"),
    ],
)
def test_password_in_base_url_is_not_in_the_error(config: LLMConfig) -> None:
    with pytest.raises(LLMError, match="unreachable") as error:  # port 9: nothing listens, connection refused
        make_chat_model(config)
    message = str(error.value)
    assert "s3cret" not in message and "user:" not in message
    assert "at http://***@127.0.0.1:9" in message and "\n" not in message
