"""Every error the library raises on purpose, in one hierarchy.

Each message is one line that names the problem and the fix, so the CLI and
the UI can show ``str(error)`` as it is::

    RagError
    ├── ConfigError          a misspelled or invalid setting
    │   └── LLMError         the LLM backend is unreachable or misconfigured
    ├── InputError           bad input from the user
    │   ├── EmptyQuestionError
    │   ├── DocumentNotFoundError  no indexed document has that id
    │   └── GoldFileError    a malformed evaluation file (names the line)
    ├── LoadError            no readable document in what was given
    ├── FetchError           a URL can't be fetched (refused, unreachable, too big, robots.txt)
    ├── EmbeddingError       the embedding model cannot be loaded or used
    ├── ReaderError          the reader model is missing or damaged
    └── IndexError_          base of the index problems
        ├── IndexNotFoundError
        ├── IndexCorruptError
        ├── IndexMismatchError  built with another embedding model or chunker
        ├── IndexWriteError     the index folder cannot be written (full disk, read-only, not a folder)
        └── StoreError          the index server can't be used (bad URL, down, refused, no pgvector)

Example:
    >>> from rag import RagError
    >>> try:
    ...     raise EmptyQuestionError("the question is empty: type a question")
    ... except RagError as error:
    ...     print(error)
    the question is empty: type a question
"""

from __future__ import annotations

import re

__all__ = [
    "ConfigError",
    "DocumentNotFoundError",
    "EmbeddingError",
    "EmptyQuestionError",
    "FetchError",
    "GoldFileError",
    "IndexCorruptError",
    "IndexError_",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexWriteError",
    "InputError",
    "LLMError",
    "LoadError",
    "RagError",
    "ReaderError",
    "StoreError",
    "redact",
]

# ``scheme://user:password@host``: the userinfo part, up to the last "@" before the path.
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^\s/?#@]*(?:@[^\s/?#@]*)*@")
# ``api_key=...``, ``OPENAI_API_KEY: ...``, ``"password": "..."``, ``client_secret=...``.
_SECRET_FIELD = re.compile(
    r"(?i)\b([\w-]*(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|secret|password|passwd))"
    r"([\"']?\s*[=:]\s*)([\"']?)[^\s\"'&,;]+"
)
# ``Authorization: Basic ...`` (any scheme), ``Bearer ...`` anywhere, OpenAI-style ``sk-...`` keys anywhere.
_AUTHORIZATION = re.compile(r"(?i)\b(authorization[\"']?\s*[=:]\s*[\"']?)((?:basic|bearer|token)\s+)?[^\s\"',;]+")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}")
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_-]{12,}")
# A URL's query parameters that carry a credential by their plain name: ``?key=...``, ``&token=...``, ``&sig=...``.
_QUERY_SECRET = re.compile(r"(?i)([?&](?:key|token|sig|signature|auth|pass|pwd|code|session)=)[^&\s#\"':;,)]+")


def redact(text: str) -> str:
    """``text`` with credentials masked, for messages that may quote a URL or a header.

    Masks the userinfo of URLs (``//user:pass@host`` becomes ``//***@host``),
    ``api_key=...``-style fields, ``Authorization`` values, ``Bearer``
    tokens, ``sk-...`` keys and URL query parameters named ``key``, ``token``,
    ``sig`` and the like. Everything else is left as it is.

    Example:
        >>> redact("LLM backend openai at http://me:s3cret@host/v1 is unreachable")
        'LLM backend openai at http://***@host/v1 is unreachable'
        >>> redact("sent api_key=abc123 and Authorization: Basic dXNlcjpwYXNz")
        'sent api_key=*** and Authorization: Basic ***'
        >>> redact("skipped https://news.example/feed.xml?key=abc123&lang=en")
        'skipped https://news.example/feed.xml?key=***&lang=en'
    """
    text = _USERINFO.sub(r"\1***@", text)
    text = _SECRET_FIELD.sub(r"\1\2\3***", text)
    text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}***", text)
    text = _BEARER.sub(r"\1 ***", text)
    text = _QUERY_SECRET.sub(r"\1***", text)
    return _KEY_LIKE.sub("sk-***", text)


class RagError(Exception):
    """Base of every error this library raises on purpose."""


class ConfigError(RagError):
    """A setting is unknown, misspelled or out of range."""


class LLMError(ConfigError):
    """The configured LLM backend cannot be used (unreachable, unknown model, bad key)."""


class InputError(RagError):
    """The user's input cannot be used as it is."""


class EmptyQuestionError(InputError):
    """The question is empty or only whitespace."""


class DocumentNotFoundError(InputError):
    """No indexed document has the given id."""


class GoldFileError(InputError):
    """An evaluation file is malformed; the message names the line."""


class LoadError(RagError):
    """Nothing readable was found in the given paths."""


class FetchError(RagError):
    """A URL can't be fetched: not http(s), a refused address, robots.txt, a timeout, an HTTP error, too big.

    The message is one line that names the URL's problem; nothing indexed is lost.
    """


class EmbeddingError(RagError):
    """The embedding model could not be loaded or used."""


class ReaderError(RagError):
    """The trained reader model is missing or damaged; the message says how to retrain."""


class IndexError_(RagError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """Base of the errors about a built index."""


class IndexNotFoundError(IndexError_):
    """No index exists at the given directory."""


class IndexCorruptError(IndexError_):
    """The index exists but its files are unreadable or inconsistent."""


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model or chunker."""


class IndexWriteError(IndexError_):
    """The index folder cannot be written: full disk, no permission, read-only, or a path that is not a folder.

    The previous generation of the index is left as it was.
    """


class StoreError(IndexError_):
    """The index server (PostgreSQL) can't be used: a bad URL, a server that is down, refused credentials, no pgvector.

    Messages name the setting (``--index``) and the fix; a password in the URL is never shown.
    """
