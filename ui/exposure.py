"""What a response may show of the server's files: absolute paths become file names, unless ``--show-paths``.

Documents, passages and citations carry the ``source`` file they were
loaded from, and ``info`` the index folder; served to anyone who can reach
the port, those absolute paths would tell them the server's layout. Every
response of ``rag serve`` passes through :func:`exposed` (structured
fields, by key) and error messages through :func:`exposed_message`, so this
is the one place that decides.

Example:
    >>> exposed({"source": "/srv/news/a.txt", "quote": "in /srv"}, show_paths=False)
    {'source': 'a.txt', 'quote': 'in /srv'}
    >>> exposed_message("no index at /tmp/index: build one (see /api/v1/docs)", show_paths=False)
    'no index at index: build one (see /api/v1/docs)'
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath
from typing import Any

__all__ = ["PATH_KEYS", "exposed", "exposed_message", "shown_path"]

PATH_KEYS = frozenset({"source", "index_dir"})  # the fields that hold a server path; article text is never touched
# The folders of an absolute path in a message ("/srv/rag/" of "/srv/rag/index"); not "//host/" of a URL.
# Only folders that exist on this machine are removed: "/api/v1/" in "no route GET /api/v1/x" stays.
_FOLDERS = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"`()<>]+/)+")


def shown_path(value: str, show_paths: bool = False) -> str:
    """``value``'s file name when it is an absolute path and paths are not shown; anything else as it is.

    Example:
        >>> shown_path("/srv/news/a.txt"), shown_path("postgresql://rag@db/rag"), shown_path("/srv/a.txt", True)
        ('a.txt', 'postgresql://rag@db/rag', '/srv/a.txt')
    """
    if show_paths or not value.startswith("/"):
        return value
    return PurePosixPath(value).name or value


def exposed(data: Any, show_paths: bool) -> Any:
    """JSON-ready ``data`` with every :data:`PATH_KEYS` value shown by :func:`shown_path`, at any depth."""
    if show_paths:
        return data
    if isinstance(data, dict):
        return {k: shown_path(v) if k in PATH_KEYS and isinstance(v, str) else exposed(v, show_paths)
                for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [exposed(v, show_paths) for v in data]
    return data


def exposed_message(text: str, show_paths: bool) -> str:
    """An error message with the folders of its absolute paths removed (``/srv/rag/index`` becomes ``index``)."""
    return text if show_paths else _FOLDERS.sub(lambda m: "" if os.path.isdir(m.group()) else m.group(), text)
