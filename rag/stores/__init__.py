"""Where an index lives: a local folder (segments: FAISS + raw term frequencies) or a PostgreSQL database (pgvector).

One API over both, chosen by the location alone (qdrant-client's habit)::

    open_index("index/default")                        # rag/stores/_local.py's folder format
    open_index("postgresql://rag@127.0.0.1:54329/rag") # rag/stores/_pgvector.py

Both give the same read model (:class:`rag._index.IndexData`; its heavy
parts follow the protocols of :mod:`rag.stores._protocol`), so fusion,
the rerank, the answerer, refusal and citations are the same code for every
store; only where vectors, BM25 postings and searches live differs. A
database index is updated in place, one transaction per update that writes
only the rows it adds or removes (``apply_update``; no local copy).

This package is below ingestion: it reads and writes index generations but
never loads, chunks or embeds. Building into a store (``build``,
``open_store``) is :mod:`rag._building`, which calls ingestion and then this.

Example:
    >>> is_url("postgresql://rag@127.0.0.1:54329/rag"), is_url("index/default")
    (True, False)
"""

from __future__ import annotations

import re
from pathlib import Path

from .._exceptions import ConfigError, IndexNotFoundError, redact
from .._index import IndexData
from ._local import check_compatible, check_index_path, index_size_bytes, load_index, read_manifest
from ._pgvector import (
    StoredDocument,
    apply_update,
    catalog,
    current_generation,
    document_digest,
    is_pg_url,
    open_pg,
    shown_url,
    size_bytes,
    writer_lock,
)

__all__ = [
    "StoredDocument", "apply_update", "catalog", "check_compatible", "check_location", "current_generation", "document_digest", "index_size_bytes",
    "is_url", "live_generation", "location_key", "open_index", "shown_url", "size_bytes", "writer_lock",
]


def is_url(location: object) -> bool:
    """Whether ``location`` names a database (``postgresql://…``) rather than a folder."""
    return is_pg_url(location)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def check_location(location: str | Path) -> None:
    """Raise :class:`ConfigError` for a URL of a database other than PostgreSQL (``mysql://...``), and
    :class:`IndexWriteError` for a folder path no store can use (:func:`check_index_path`).

    Taken for a folder, ``mysql://user:pw@host/db`` would become the folder
    ``mysql:/user:pw@host/db``, created, and named with its password in
    every message.

    Example:
        >>> check_location("mysql://bob:pw@db.example/news")
        Traceback (most recent call last):
        ...
        rag._exceptions.ConfigError: the index location mysql://***@db.example/news is a mysql URL: give a folder, or a PostgreSQL database as postgresql://HOST:PORT/DATABASE
    """
    text = str(location)
    if not is_url(text) and _SCHEME.match(text):
        scheme = text.split(":", 1)[0].lower()
        raise ConfigError(f"the index location {redact(text)} is a {scheme} URL: "
                          "give a folder, or a PostgreSQL database as postgresql://HOST:PORT/DATABASE")
    if not is_url(text):
        check_index_path(text)  # a name too long or not UTF-8: one line now, not an OSError mid-build


def location_key(location: str | Path) -> str | Path:
    """One key per index: a database's URL as given, a folder's resolved path."""
    return str(location) if is_url(location) else Path(location).resolve()


def live_generation(location: str | Path) -> str | None:
    """The name of the generation live at a folder or database now (``None``: no index), reading nothing else.

    A folder's ``manifest.json`` or a database's one-row pointer: cheap
    enough to ask before every question, so a running UI sees what another
    process published.

    Raises:
        IndexCorruptError, StoreError: The manifest or the database can't be read.
    """
    if is_url(location):
        return current_generation(str(location))
    try:
        return str(read_manifest(location)["generation"])
    except IndexNotFoundError:
        return None


def open_index(location: str | Path, *, model_name: str | None = None) -> IndexData:
    """The live index at a folder or a database URL.

    Raises:
        IndexNotFoundError, IndexCorruptError, IndexMismatchError, StoreError.
    """
    if not is_url(location):
        return load_index(location, model_name=model_name)
    url = str(location)
    index = open_pg(url)
    if model_name is not None:
        check_compatible(index.manifest, shown_url(url), model_name, None)
    return index
