"""Every error the library raises on purpose, in one hierarchy.

Each message is one line that names the problem and the fix, so the CLI and
the UI can show ``str(error)`` as it is::

    RagError
    ├── ConfigError          a misspelled or invalid setting
    │   └── LLMError         the LLM backend is unreachable or misconfigured
    ├── InputError           bad input from the user
    │   ├── EmptyQuestionError
    │   └── GoldFileError    a malformed evaluation file (names the line)
    ├── LoadError            no readable document in what was given
    ├── EmbeddingError       the embedding model cannot be loaded or used
    └── IndexError_          base of the index problems
        ├── IndexNotFoundError
        ├── IndexCorruptError
        └── IndexMismatchError  built with another embedding model or chunker

Example:
    >>> from rag import RagError
    >>> try:
    ...     raise EmptyQuestionError("the question is empty: type a question")
    ... except RagError as error:
    ...     print(error)
    the question is empty: type a question
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EmbeddingError",
    "EmptyQuestionError",
    "GoldFileError",
    "IndexCorruptError",
    "IndexError_",
    "IndexMismatchError",
    "IndexNotFoundError",
    "InputError",
    "LLMError",
    "LoadError",
    "RagError",
]


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


class GoldFileError(InputError):
    """An evaluation file is malformed; the message names the line."""


class LoadError(RagError):
    """Nothing readable was found in the given paths."""


class EmbeddingError(RagError):
    """The embedding model could not be loaded or used."""


class IndexError_(RagError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """Base of the errors about a built index."""


class IndexNotFoundError(IndexError_):
    """No index exists at the given directory."""


class IndexCorruptError(IndexError_):
    """The index exists but its files are unreadable or inconsistent."""


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model or chunker."""
