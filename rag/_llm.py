"""LLM backends behind LangChain chat models: OpenAI-compatible, Ollama, llama.cpp.

The extractive answerer stays the default; these are switched on with
``--llm``. API keys come only from the environment (``OPENAI_API_KEY``).
Every backend is probed before first use, so a wrong URL, a stopped server
or an unknown model fails with one line naming the setting, not a traceback
in the middle of an answer.

Trade-offs: the OpenAI-compatible client covers OpenAI, vLLM, llama.cpp's
server and most hosted APIs with one code path; Ollama and in-process
llama.cpp need their own LangChain packages, imported only when chosen, so
the extractive path never loads the LLM stack.

Example:
    >>> config = LLMConfig(backend="openai", model="gpt-4o-mini")
    >>> config.context_tokens
    4096
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exceptions import ConfigError, LLMError, redact

__all__ = ["BACKENDS", "LLMConfig", "LLMError", "make_chat_model"]

BACKENDS = ("openai", "ollama", "llamacpp")
_HINT = "or drop --llm to use the extractive answerer"


@dataclass(frozen=True)
class LLMConfig:
    """Which LLM to call and how much it may read.

    Attributes:
        backend: ``openai`` (any OpenAI-compatible server), ``ollama`` or ``llamacpp``.
        model: Model name (OpenAI/Ollama) or GGUF file path (llamacpp).
        base_url: Server URL for ``openai`` and ``ollama``.
        context_tokens: Token budget for the prompt (tiktoken cl100k_base).
        max_tokens: Longest answer.
        timeout_s: Per request.
    """

    backend: str
    model: str = ""
    base_url: str | None = None
    context_tokens: int = 4096
    max_tokens: int = 256
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown LLM backend {self.backend!r}: use one of {', '.join(BACKENDS)}")
        if self.context_tokens < 256:
            raise ConfigError(f"llm context_tokens={self.context_tokens} is too small: use at least 256")


def _get_json(url: str, timeout: float, headers: dict[str, str]) -> Any:
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:  # urllib would take ``user:pass@host`` for the host name; send it as Basic auth
        userinfo, _, host = parts.netloc.rpartition("@")
        url = urllib.parse.urlunsplit(parts._replace(netloc=host))
        if "Authorization" not in headers:
            credentials = base64.b64encode(urllib.parse.unquote(userinfo).encode("utf-8")).decode("ascii")
            headers = {**headers, "Authorization": f"Basic {credentials}"}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL is the user's setting
        return json.loads(response.read().decode("utf-8"))


def _probe_openai(config: LLMConfig, api_key: str) -> None:
    base = (config.base_url or "https://api.openai.com/v1").rstrip("/")
    shown = redact(base)  # a password in the URL never reaches a message
    try:
        listing = _get_json(f"{base}/models", min(config.timeout_s, 10), {"Authorization": f"Bearer {api_key}"})
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise LLMError(f"LLM backend openai at {shown} rejected the API key (HTTP {error.code}): set OPENAI_API_KEY, {_HINT}") from error
        raise LLMError(f"LLM backend openai at {shown} answered HTTP {error.code}: check --base-url, {_HINT}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = redact(str(getattr(error, "reason", error)))
        raise LLMError(f"LLM backend openai at {shown} is unreachable ({reason}): check --base-url, {_HINT}") from error
    names = [m.get("id") for m in listing.get("data", []) if isinstance(m, dict)]
    if config.model and names and config.model not in names:
        raise LLMError(f"LLM backend openai at {shown} has no model {config.model!r} (it has {', '.join(names[:5])}): check --model, {_HINT}")


def _probe_ollama(config: LLMConfig) -> None:
    base = (config.base_url or "http://127.0.0.1:11434").rstrip("/")
    shown = redact(base)  # a password in the URL never reaches a message
    try:
        listing = _get_json(f"{base}/api/tags", min(config.timeout_s, 10), {})
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = redact(str(getattr(error, "reason", error)))
        raise LLMError(f"LLM backend ollama at {shown} is unreachable ({reason}): start `ollama serve`, {_HINT}") from error
    names = [m.get("name") for m in listing.get("models", []) if isinstance(m, dict)]
    if config.model not in names and f"{config.model}:latest" not in names:
        raise LLMError(f"LLM backend ollama has no model {config.model!r}: run `ollama pull {config.model}`, {_HINT}")


def make_chat_model(config: LLMConfig) -> Any:
    """Probe the backend and return a LangChain chat model for it.

    Raises:
        LLMError: Unreachable server, unknown model, rejected key, missing package.
    """
    if config.backend == "openai":
        api_key = os.environ.get("OPENAI_API_KEY") or "not-needed"
        _probe_openai(config, api_key)
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as error:
            raise LLMError(f"the openai backend needs langchain-openai: pip install 'rag-news[llm]', {_HINT}") from error
        return ChatOpenAI(
            model=config.model or "default", base_url=config.base_url, api_key=api_key, temperature=0,
            max_tokens=config.max_tokens, timeout=config.timeout_s, max_retries=0,
        )
    if config.backend == "ollama":
        _probe_ollama(config)
        try:
            from langchain_ollama import ChatOllama
        except ImportError as error:
            raise LLMError(f"the ollama backend needs langchain-ollama: pip install langchain-ollama, {_HINT}") from error
        return ChatOllama(model=config.model, base_url=config.base_url, temperature=0, num_predict=config.max_tokens)
    path = Path(config.model)
    if not path.is_file():
        raise LLMError(f"LLM backend llamacpp: no GGUF file at {config.model!r}: pass --model PATH.gguf, {_HINT}")
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as error:
        raise LLMError(f"the llamacpp backend needs llama-cpp-python and langchain-community, {_HINT}") from error
    try:
        return ChatLlamaCpp(
            # The budget is counted in cl100k tokens; the model's own tokenizer may need up to ~25% more.
            model_path=str(path), n_ctx=int(config.context_tokens * 1.25), max_tokens=config.max_tokens, temperature=0,
            verbose=False, n_threads=max(1, os.cpu_count() or 1),
        )
    except (ValueError, RuntimeError, OSError) as error:
        raise LLMError(f"LLM backend llamacpp cannot load {path}: {redact(str(error))}, {_HINT}") from error
