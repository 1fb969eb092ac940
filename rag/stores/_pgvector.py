"""The PostgreSQL + pgvector store: an index served from, and updated in, a database.

Layout (one set of tables, updated in place; ``LAYOUT`` in the manifest)::

    rag_meta(key, value)     'current': the live manifest (its ``seq``, counts, BM25 statistics and where each
                             table's positions end); 'previous': the one it replaced
    rag_documents            pos, id, sha256, source, digest (of the whole record), the SourceDocument as JSON,
                             its copy group's canonical position and its rank in the group's canonical order,
                             publication day (-1: unknown), its sentence rows [s_first, s_end) and chunk rows
                             [c_first, c_end), MinHash signature, ``died`` (the seq that removed it)
    rag_chunks               row, doc, start, end, first/end sentence, tokens, BM25 length (terms), publication
                             day, whether its document is first in its copy group, died, embedding + HNSW index
    rag_sentences            row, doc, start, end, died, embedding
    rag_postings             term id, chunk row, raw term frequency, chunk length, head order (the term's
                             BM25 weight when written), the chunk's day and first-in-group flag, died
    rag_terms                term, term id
    rag_df                   term id, seq, chunk document frequency from that seq on
    rag_bands                LSH band keys of each document's signature (finding an incoming copy's group)

Positions and rows only grow: an update appends its documents' rows after
the last ones and marks removed rows ``died``, so rows keep their relative
order (ties are broken by it, as in the local store) and an update writes
only what it changes. Each update is one transaction that also moves the
``current`` manifest (``seq`` + 1), so a reader sees the old index or the
new one. A reader keeps the view of the manifest it opened: rows at or past
its ends, or dead at its ``seq``, are not its. Rows removed two updates ago
are deleted by the next update (a reader still on them gets a one-line error
to reopen). Copy-group flags and a refreshed document's title or date are
updated in place: a reader on the previous view sees them at once.

BM25 is computed when asked, from raw term frequencies: postings hold
``tf`` and the chunk's length, ``rag_df`` the document frequencies, the
manifest N and the total length, so adding a document inserts its postings
and bumps ``df`` (a removal lowers it) instead of rescoring the archive.
Each posting's score is bm25s' own arithmetic (Lucene BM25, ``k1`` 1.5,
``b`` 0.75: :func:`bm25_idf`, and the term-frequency part in float64 then
rounded to float32) and a chunk's score sums its terms in query order in
float32, so scores, ties and ranks are those of the local store.

Reading (:func:`open_pg`) keeps the heavy parts in the database: vectors
(dense search is ``ORDER BY embedding <#> q`` on the HNSW index, with
``hnsw.iterative_scan`` so a date filter still fills ``k``), BM25 (each query
term's best ``POSTINGS_PER_TERM`` postings, scored and summed in SQL) and the
vectors of the sentences an answer reads. Searches (:class:`PgSearch`) take
the question's filter as data and send it as SQL predicates on the day and
copy-group columns, never as lists of rows. Opening reads the manifest and
the copy groups with more than one member, nothing per row
(:class:`PgIndexData`): documents, ids, chunk rows and term statistics are
fetched by the rows a question reads, batched and kept in bounded LRU
caches.

Writing (:func:`apply_update`) takes an update planned and embedded by
ingestion against :func:`catalog` (the stored documents' short columns),
under the writer lock (:func:`writer_lock`), so two writers on two machines
take turns and neither loses the other's documents. No local copy of the
index is kept. A database published by an older version (one table set per
generation) is refused with a line naming ``--rebuild``.
HNSW is approximate (recall@10 against exact in docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, overload

import numpy as np

from .._bm25 import K1, B, bm25_idf
from .._bm25 import tf_weight as _tf_weight
from .._exceptions import IndexCorruptError, IndexNotFoundError, StoreError, redact
from .._index import IndexData
from .._search import NO_DOCUMENT, ChunkFilter, Hit
from .._syndication import band_keys, copy_groups
from .._text import bm25_terms, one_line
from .._types import SourceDocument

__all__ = [
    "EF_SEARCH", "LAYOUT", "PgDocIndex", "PgDocuments", "PgIndexData", "PgRecords", "PgRows", "PgTerms", "StoredDocument",
    "apply_update", "bm25_idf", "catalog", "connect", "current_generation", "document_digest", "is_pg_url", "open_pg",
    "shown_url", "size_bytes", "writer_lock",
]

_SCHEMES = ("postgresql://", "postgres://")
_PUBLISH_LOCK = 0x7261676E  # pg_advisory_xact_lock key of updates ("ragn")
_WRITER_LOCK = 0x72616777  # pg_advisory_lock key held by a whole build, from its first read to its commit ("ragw")
_OLD_TABLE = re.compile(r"rag_g[0-9a-z]+_[0-9a-f]{6}_(?:documents|chunks|sentences|postings|terms)")  # layout 1
_TABLES = ("rag_documents", "rag_chunks", "rag_sentences", "rag_postings", "rag_terms", "rag_df", "rag_bands")
LAYOUT = 2  # the manifest's "layout": tables updated in place, BM25 from raw term frequencies
ALIVE = 2**31 - 1  # ``died`` of a row no update has removed
EF_SEARCH = 200  # HNSW candidates per query: recall ≥ 0.99 at 100k chunks (docs/benchmarks.md)
POSTINGS_PER_TERM = 2000  # BM25: each query term's best postings summed (top-10 overlap with bm25s in docs/benchmarks.md)
# K1, B, bm25_idf and the term-frequency part are rag/_bm25.py's, shared with the local store.


def document_digest(doc: SourceDocument) -> str:
    """A hash of the whole record (text and metadata): an update compares it to see a changed title or date."""
    return hashlib.sha256(json.dumps(doc.__dict__, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def is_pg_url(location: object) -> bool:
    """Whether an ``--index`` value names a PostgreSQL database rather than a folder."""
    return isinstance(location, str) and location.lower().startswith(_SCHEMES)


def shown_url(url: str) -> str:
    """The URL for messages: a password, in the userinfo or as ``?password=``, masked; never raises."""
    try:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            if ":" in userinfo:
                netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
        query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return redact(url)


def _secret_free(message: str, url: str) -> str:
    """A driver message with the URL's password (and any credentials) taken out."""
    try:
        password = urllib.parse.urlsplit(url).password
    except ValueError:
        password = None
    query_password = re.search(r"(?i)(?:^|[?&])password=([^&]*)", url)
    for secret in (password, query_password.group(1) if query_password else None):
        if secret:
            message = message.replace(secret, "***").replace(urllib.parse.unquote(secret), "***")
    return redact(message)


def _where(url: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "localhost"
        return f"[{host}]:{parts.port or 5432}" if ":" in host else f"{host}:{parts.port or 5432}"
    except ValueError:
        return shown_url(url)


def connect(url: str) -> Any:
    """A psycopg connection with pgvector's types, or a one-line :class:`StoreError` naming the setting and the fix."""
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError as error:
        raise StoreError(f"the PostgreSQL store needs the pg extra ({error.name} is missing): pip install -e '.[pg]'") from None
    shown, where = shown_url(url), _where(url)
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises on a port that is not a number
        if not parts.path.strip("/"):
            raise ValueError("no database name")
    except ValueError as error:
        raise StoreError(f"--index {shown} is not a valid PostgreSQL URL ({error}): use postgresql://user@host:port/database") from None
    try:
        conn = psycopg.connect(url, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as error:
        raise StoreError(_connect_failure(_secret_free(str(error), url), shown, where, parts)) from None
    except psycopg.ProgrammingError as error:
        raise StoreError(f"--index {shown} is not a valid PostgreSQL URL ({one_line(_secret_free(str(error), url), 200)}): "
                         "use postgresql://user@host:port/database") from None
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error:
        pass  # no right to create it: fine if it exists, checked next
    row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
    if row is None:
        conn.close()
        database = parts.path.strip("/")
        raise StoreError(f"PostgreSQL at {where} has no 'vector' extension in database {database!r}: install pgvector on the "
                         f"server and run CREATE EXTENSION vector there (as a superuser), or use scripts/pg.sh")
    register_vector(conn)
    return conn


def _connect_failure(message: str, shown: str, where: str, parts: urllib.parse.SplitResult) -> str:
    text = message.lower()
    user = parts.username or "(default user)"
    database = parts.path.strip("/")
    if "password authentication failed" in text or "no password supplied" in text:
        return f"PostgreSQL at {where} refused user {user!r} (password authentication failed): check the user and password in --index"
    if "role" in text and "does not exist" in text:
        return f"PostgreSQL at {where} has no user {user!r}: check the user in --index {shown}"
    if "database" in text and "does not exist" in text:
        return f"PostgreSQL at {where} has no database {database!r}: create it (createdb {database}) or fix --index {shown}"
    if "connection refused" in text or "could not connect" in text or "timeout" in text or "no route" in text:
        return (f"cannot reach PostgreSQL at {where} (connection refused or timed out): start it "
                f"(bash scripts/pg.sh start) or fix the host and port in --index {shown}")
    if "could not translate host name" in text or "name or service not known" in text:
        return f"cannot resolve the host of --index {shown}: fix the host name"
    return f"cannot connect to PostgreSQL at {where} ({one_line(message, 200)}): check --index {shown}"


def _manifest(conn: Any, key: str = "current") -> dict[str, Any] | None:
    """The manifest under ``key``; ``None`` when the database holds no index (readers never create tables)."""
    if conn.execute("SELECT to_regclass('rag_meta')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT value FROM rag_meta WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


def _old_layout(url: str) -> IndexCorruptError:
    shown = shown_url(url)
    return IndexCorruptError(f"the index in {shown} was published by an older version (one table set per generation): "
                             f"rebuild it with `rag index PATH --index {shown} --rebuild`")


def _check_layout(manifest: dict[str, Any], url: str) -> None:
    if manifest.get("layout") != LAYOUT:
        raise _old_layout(url)


class _View(NamedTuple):
    """What one reader sees: the manifest's ``seq`` and where each table's positions ended then."""

    seq: int
    documents: int
    chunks: int
    sentences: int

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> _View:
        ends = manifest.get("ends", {})
        return cls(int(manifest["seq"]), int(ends["documents"]), int(ends["chunks"]), int(ends["sentences"]))

    def params(self) -> dict[str, int]:
        """The bind parameters of :func:`_visible` predicates."""
        return {"g": self.seq, "de": self.documents, "re": self.chunks}


def _visible(alias: str, end: str = "re", column: str = "row") -> str:
    """SQL true for rows of ``alias`` in the reader's view (binds ``g`` and the end ``end``)."""
    return f"{alias}.{column} < %({end})s AND {alias}.died > %(g)s"


def _create_tables(conn: Any, dim: int) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS rag_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
    conn.execute(f"CREATE TABLE IF NOT EXISTS rag_documents (pos int PRIMARY KEY, id text NOT NULL, sha256 text NOT NULL, "
                 f"source text NOT NULL, digest text NOT NULL, data jsonb NOT NULL, copy_of int NOT NULL, "
                 f"copy_rank int NOT NULL, pub_day int NOT NULL, s_first int NOT NULL, s_end int NOT NULL, "
                 f"c_first int NOT NULL, c_end int NOT NULL, sig bytea NOT NULL, died int NOT NULL DEFAULT {ALIVE})")
    conn.execute(f"CREATE TABLE IF NOT EXISTS rag_chunks (row int PRIMARY KEY, doc int NOT NULL, start_ int NOT NULL, "
                 f"end_ int NOT NULL, s0 int NOT NULL, s1 int NOT NULL, n_tokens int NOT NULL, dl int NOT NULL, "
                 f"pub_day int NOT NULL, is_first bool NOT NULL, died int NOT NULL DEFAULT {ALIVE}, "
                 f"embedding vector({dim}) NOT NULL)")
    conn.execute(f"CREATE TABLE IF NOT EXISTS rag_sentences (row int PRIMARY KEY, doc int NOT NULL, start_ int NOT NULL, "
                 f"end_ int NOT NULL, died int NOT NULL DEFAULT {ALIVE}, embedding vector({dim}) NOT NULL)")
    conn.execute(f"CREATE TABLE IF NOT EXISTS rag_postings (tid int NOT NULL, row int NOT NULL, tf int NOT NULL, "
                 f"dl int NOT NULL, w real NOT NULL, pub_day int NOT NULL, is_first bool NOT NULL, "
                 f"died int NOT NULL DEFAULT {ALIVE})")
    conn.execute("CREATE TABLE IF NOT EXISTS rag_terms (term text PRIMARY KEY, tid int GENERATED BY DEFAULT AS IDENTITY UNIQUE)")
    conn.execute("CREATE TABLE IF NOT EXISTS rag_df (tid int NOT NULL, seq int NOT NULL, df int NOT NULL, PRIMARY KEY (tid, seq))")
    conn.execute("CREATE TABLE IF NOT EXISTS rag_bands (band smallint NOT NULL, key bytea NOT NULL, pos int NOT NULL)")
    for statement in (
        "CREATE INDEX IF NOT EXISTS rag_postings_head ON rag_postings (tid, w DESC) INCLUDE (row, tf, dl, pub_day, is_first, died)",
        "CREATE INDEX IF NOT EXISTS rag_postings_row ON rag_postings (row)",
        "CREATE INDEX IF NOT EXISTS rag_chunks_day ON rag_chunks (pub_day)",
        "CREATE INDEX IF NOT EXISTS rag_documents_group ON rag_documents (copy_of, copy_rank)",
        "CREATE INDEX IF NOT EXISTS rag_documents_copies ON rag_documents (copy_of) WHERE copy_rank > 0",
        "CREATE INDEX IF NOT EXISTS rag_documents_id ON rag_documents (id)",
        f"CREATE INDEX IF NOT EXISTS rag_documents_dead ON rag_documents (died) WHERE died < {ALIVE}",
        "CREATE INDEX IF NOT EXISTS rag_bands_key ON rag_bands (band, key)",
        "CREATE INDEX IF NOT EXISTS rag_bands_pos ON rag_bands (pos)",
    ):
        conn.execute(statement)


_HNSW = "CREATE INDEX IF NOT EXISTS rag_chunks_hnsw ON rag_chunks USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 128)"


def _drop_all(conn: Any) -> None:
    """Drop this store's tables, both layouts' (a rebuild), and only tables named as this store names them."""
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'rag\\_%%'").fetchall()]
    for table in tables:
        if _OLD_TABLE.fullmatch(table) or table in _TABLES:
            conn.execute(f'DROP TABLE IF EXISTS "{table}"')
    if conn.execute("SELECT to_regclass('rag_meta')").fetchone()[0] is not None:
        conn.execute("DELETE FROM rag_meta WHERE key IN ('current', 'previous')")


@contextlib.contextmanager
def writer_lock(url: str) -> Iterator[None]:
    """Hold the database's writer lock: one build at a time, on any machine, from its first read to its publish.

    A build reads the live generation, adds to it and publishes the result;
    two at once would each publish what the other has not seen, and the
    second would drop the first's documents. The lock (a session advisory
    lock, released when this exits or the connection drops) makes the
    second wait and then start from what the first published.

    Example:
        >>> with writer_lock("postgresql://rag@127.0.0.1:54329/rag"):  # doctest: +SKIP
        ...     pass  # read, build, publish
    """
    conn = connect(url)
    try:
        conn.execute("SELECT pg_advisory_lock(%s)", (_WRITER_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_WRITER_LOCK,))
    finally:
        conn.close()


class StoredDocument(NamedTuple):
    """What an update plans with, per stored document: its place, id, content hash, source and record digest."""

    pos: int
    id: str
    sha256: str
    source: str
    digest: str


def catalog(url: str, *, rebuild: bool = False, ids: Sequence[str] | None = None,
            sources: Sequence[str] = ()) -> tuple[dict[str, Any] | None, list[StoredDocument]]:
    """The live manifest and the stored documents' short columns, in index order (never their texts).

    Args:
        url: The database.
        rebuild: An index of an older layout reads as none (the update replaces it) instead of raising.
        ids / sources: Only the documents with one of these ids or sources (what an update that prunes
            nothing can touch: an add reads a few rows, not one per stored document); ``None``: all.

    Raises:
        IndexCorruptError: The index was published by an older version (rebuild it).
    """
    conn = connect(url)
    try:
        manifest = _manifest(conn)
        if manifest is None:
            return None, []
        if manifest.get("layout") != LAYOUT:
            if rebuild:
                return None, []
            raise _old_layout(url)
        only = "" if ids is None else " AND (id = ANY(%(ids)s) OR source = ANY(%(sources)s))"
        rows = conn.execute(f"SELECT pos, id, sha256, source, digest FROM rag_documents WHERE died = {ALIVE}{only} "
                            f"ORDER BY pos", {"ids": list(ids or ()), "sources": list(sources)}).fetchall()
        return manifest, [StoredDocument(int(p), i, h, s, d) for p, i, h, s, d in rows]
    finally:
        conn.close()


def _copy_rows(conn: Any, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def apply_update(
    url: str,
    settings: dict[str, Any],
    *,
    remove: Sequence[int] = (),
    refresh: Mapping[int, SourceDocument] | None = None,
    documents: Sequence[SourceDocument] = (),
    chunk_rows: np.ndarray | None = None,
    sentence_rows: np.ndarray | None = None,
    chunk_vectors: np.ndarray | None = None,
    sentence_vectors: np.ndarray | None = None,
    signatures: np.ndarray | None = None,
    rebuild: bool = False,
) -> dict[str, Any]:
    """Apply one update to the database's index in one transaction, writing only what changes; the new manifest.

    Removed documents' rows are marked dead (and ``df`` lowered), refreshed
    ones get their new record, the new documents' rows are appended after the
    last ones (postings with raw term frequencies, ``df`` raised, vectors
    inserted into the HNSW index), and the copy groups an update touches are
    recomputed (:mod:`rag._syndication`: the groups of removed, refreshed and
    similar documents), so copy flags and dates stay right. Rows removed two
    updates ago are deleted. Readers see the old index until it commits.

    Args:
        url: The database.
        settings: The index's settings for the manifest: ``embedding_model``, ``dimension``, ``chunker``,
            ``sentence_vectors``, ``chunk_vectors``.
        remove: Positions (``StoredDocument.pos``) of the documents to remove.
        refresh: Positions of kept documents with their new record (same text).
        documents: The new documents.
        chunk_rows / sentence_rows: Their row tables (``rag._index.IndexData``'s columns), documents numbered
            from 0 in ``documents`` and sentences from 0 in ``sentence_rows``.
        chunk_vectors / sentence_vectors: Their vectors, row-aligned.
        signatures: Their MinHash signatures.
        rebuild: Drop whatever the database holds first (either layout).
    """
    refresh = dict(refresh or {})
    dim = int(settings["dimension"])
    chunk_rows = np.zeros((0, 6), np.int32) if chunk_rows is None else np.asarray(chunk_rows, dtype=np.int64)
    sentence_rows = np.zeros((0, 3), np.int32) if sentence_rows is None else np.asarray(sentence_rows, dtype=np.int64)
    conn = connect(url)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PUBLISH_LOCK,))  # one writer at a time
            if rebuild:
                _drop_all(conn)
            previous = _manifest(conn)
            if previous is not None and previous.get("layout") != LAYOUT:
                raise _old_layout(url)
            if previous is not None and int(previous.get("dimension", dim)) != dim:
                raise IndexCorruptError(f"the index in {shown_url(url)} holds {previous.get('dimension')}-dimensional vectors: "
                                        f"rebuild it with `rag index PATH --index {shown_url(url)} --rebuild`")
            _create_tables(conn, dim)
            state = _Writer(conn, previous)
            state.remove([int(p) for p in remove])
            state.refresh(refresh)
            state.append(list(documents), chunk_rows, sentence_rows, chunk_vectors, sentence_vectors, signatures)
            manifest = state.finish(settings)
            if previous is not None:
                conn.execute("INSERT INTO rag_meta VALUES ('previous', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                             (json.dumps(previous),))
            conn.execute("INSERT INTO rag_meta VALUES ('current', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                         (json.dumps(manifest),))
        return manifest
    finally:
        conn.close()


class _Writer:
    """One update's work inside its transaction (:func:`apply_update`), in the order it must happen."""

    def __init__(self, conn: Any, previous: dict[str, Any] | None):
        self.conn = conn
        self.previous = previous or {}
        self.seq = int(self.previous.get("seq", 0)) + 1
        ends = self.previous.get("ends", {})
        self.ends = {name: int(ends.get(name, 0)) for name in ("documents", "chunks", "sentences")}
        self.empty = self.ends["chunks"] == 0  # a first build: the HNSW index is built once, after the rows
        counts = ("n_documents", "n_chunks", "n_sentences", "n_copies", "n_undated", "bm25_length")
        self.counts = {name: int(self.previous.get(name, 0)) for name in counts}
        self.df_delta: Counter[int] = Counter()
        self.regroup: set[int] = set()  # canonical positions of the copy groups to recompute
        self.copies_before = 0  # grouped copies among the documents removed or regrouped, before
        self.new: list[dict[str, Any]] = []  # the new documents' columns, for the copy groups

    def remove(self, positions: list[int]) -> None:
        if not positions:
            return
        conn, seq = self.conn, self.seq
        gone = conn.execute(f"UPDATE rag_documents SET died = %s WHERE pos = ANY(%s) AND died = {ALIVE} "
                            f"RETURNING pos, copy_of, pub_day, c_first, c_end, s_first, s_end", (seq, positions)).fetchall()
        if not gone:
            return
        lo = [int(r[3]) for r in gone]
        hi = [int(r[4]) for r in gone]
        ranges = "unnest(%s::int[], %s::int[]) AS r(lo, hi)"
        dls = conn.execute(f"UPDATE rag_chunks c SET died = %s FROM {ranges} WHERE c.row >= r.lo AND c.row < r.hi "
                           f"RETURNING c.dl", (seq, lo, hi)).fetchall()
        for (tid, n) in conn.execute(
                f"WITH d AS (UPDATE rag_postings p SET died = %s FROM {ranges} WHERE p.row >= r.lo AND p.row < r.hi "
                f"RETURNING p.tid) SELECT tid, count(*) FROM d GROUP BY tid", (seq, lo, hi)).fetchall():
            self.df_delta[int(tid)] -= int(n)
        sentences = conn.execute(f"UPDATE rag_sentences s SET died = %s FROM {ranges} WHERE s.row >= r.lo AND s.row < r.hi",
                                 (seq, [int(r[5]) for r in gone], [int(r[6]) for r in gone])).rowcount
        self.counts["n_documents"] -= len(gone)
        self.counts["n_chunks"] -= len(dls)
        self.counts["bm25_length"] -= sum(int(d[0]) for d in dls)
        self.counts["n_sentences"] -= int(sentences)
        self.counts["n_undated"] -= sum(1 for r in gone if int(r[2]) < 0)
        self.copies_before += sum(1 for r in gone if int(r[1]) != int(r[0]))
        self.regroup.update(int(r[1]) for r in gone)

    def refresh(self, documents: dict[int, SourceDocument]) -> None:
        """New records (title, date, outlet) for kept documents; their days on their chunks and postings too."""
        from .._search import day_number

        conn = self.conn
        for pos, doc in documents.items():
            row = conn.execute(f"UPDATE rag_documents d SET data = %s, digest = %s, pub_day = %s, source = %s "
                               f"FROM rag_documents o WHERE d.pos = %s AND o.pos = d.pos AND d.died = {ALIVE} "
                               f"RETURNING d.copy_of, o.pub_day, d.c_first, d.c_end",
                               (json.dumps(doc.__dict__, ensure_ascii=False), document_digest(doc), day_number(doc.published),
                                doc.source, pos)).fetchone()
            if row is None:
                continue
            copy_of, old_day, lo, hi = (int(v) for v in row)
            day = day_number(doc.published)
            if day != old_day:
                for table in ("rag_chunks", "rag_postings"):
                    conn.execute(f"UPDATE {table} SET pub_day = %s WHERE row >= %s AND row < %s", (day, lo, hi))
                self.counts["n_undated"] += int(day < 0) - int(old_day < 0)
            self.regroup.add(copy_of)  # its date orders its copy group

    def append(self, documents: list[SourceDocument], chunk_rows: np.ndarray, sentence_rows: np.ndarray,
               chunk_vectors: np.ndarray | None, sentence_vectors: np.ndarray | None, signatures: np.ndarray | None) -> None:
        from .._search import day_number

        if not documents:
            return
        conn = self.conn
        pos0, row0, srow0 = self.ends["documents"], self.ends["chunks"], self.ends["sentences"]
        n_docs = len(documents)
        sigs = np.asarray(signatures if signatures is not None else np.zeros((n_docs, 0)), dtype=np.uint64)
        c_doc = chunk_rows[:, 0] if len(chunk_rows) else np.zeros(0, np.int64)
        s_doc = sentence_rows[:, 0] if len(sentence_rows) else np.zeros(0, np.int64)
        bounds = np.arange(n_docs + 1)
        c_bounds = (np.searchsorted(c_doc, bounds, side="left") + row0).tolist()
        s_bounds = (np.searchsorted(s_doc, bounds, side="left") + srow0).tolist()
        days = [day_number(d.published) for d in documents]
        # BM25 statistics of the new chunks: their terms, lengths and the archive's new length.
        texts = [documents[d].text[a:b] for d, a, b in chunk_rows[:, :3].tolist()]
        counted = [Counter(bm25_terms(text)) for text in texts]
        lengths = [sum(c.values()) for c in counted]
        self.counts["n_chunks"] += len(texts)
        self.counts["bm25_length"] += sum(lengths)
        avgdl = self.counts["bm25_length"] / self.counts["n_chunks"] if self.counts["n_chunks"] else 1.0
        terms = sorted({t for c in counted for t in c})
        if terms:
            conn.execute("INSERT INTO rag_terms (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING", (terms,))
        tid_of = dict(conn.execute("SELECT term, tid FROM rag_terms WHERE term = ANY(%s)", (terms,)).fetchall()) if terms else {}
        # Copy groups: the new documents' flags are set once their groups are known (finish); written first as
        # their own group, then corrected with the groups of documents they are similar to.
        keys = band_keys(sigs) if len(sigs) and sigs.shape[1] else [[] for _ in documents]
        self.new = [{"pos": pos0 + k, "published": documents[k].published, "sig": sigs[k] if sigs.shape[1] else None}
                    for k in range(n_docs)]
        _copy_rows(conn, "rag_documents", "pos, id, sha256, source, digest, data, copy_of, copy_rank, pub_day, s_first, s_end, "
                   "c_first, c_end, sig",
                   ((pos0 + k, d.id, d.sha256, d.source, document_digest(d), json.dumps(d.__dict__, ensure_ascii=False),
                     pos0 + k, 0, days[k], s_bounds[k], s_bounds[k + 1], c_bounds[k], c_bounds[k + 1],
                     sigs[k].tobytes() if sigs.shape[1] else b"") for k, d in enumerate(documents)))
        _copy_rows(conn, "rag_bands", "band, key, pos",
                   ((band, key, pos0 + k) for k, doc_keys in enumerate(keys) for band, key in enumerate(doc_keys)))
        if self.empty:  # a first build: insert the vectors, then build the graph once
            conn.execute("DROP INDEX IF EXISTS rag_chunks_hnsw")
        vectors = np.asarray(chunk_vectors if chunk_vectors is not None else np.zeros((0, 1)), dtype=np.float32)
        _copy_rows(conn, "rag_chunks", "row, doc, start_, end_, s0, s1, n_tokens, dl, pub_day, is_first, embedding",
                   ((row0 + i, pos0 + d, a, b, s0 + srow0, s1 + srow0, n, lengths[i], days[d], True, _vector_text(vectors[i]))
                    for i, (d, a, b, s0, s1, n) in enumerate(chunk_rows.tolist())))
        s_vectors = np.asarray(sentence_vectors if sentence_vectors is not None else np.zeros((0, 1)), dtype=np.float32)
        _copy_rows(conn, "rag_sentences", "row, doc, start_, end_, embedding",
                   ((srow0 + i, pos0 + d, a, b, _vector_text(s_vectors[i])) for i, (d, a, b) in enumerate(sentence_rows.tolist())))
        _copy_rows(conn, "rag_postings", "tid, row, tf, dl, w, pub_day, is_first",
                   ((tid_of[t], row0 + i, tf, lengths[i], _tf_weight(tf, lengths[i], avgdl), days[int(c_doc[i])], True)
                    for i, c in enumerate(counted) for t, tf in c.items()))
        for c in counted:
            for t in c:
                self.df_delta[int(tid_of[t])] += 1
        if self.empty:
            conn.execute(_HNSW)
        self.counts["n_documents"] += n_docs
        self.counts["n_sentences"] += len(sentence_rows)
        self.counts["n_undated"] += sum(1 for day in days if day < 0)
        self.ends = {"documents": pos0 + n_docs, "chunks": row0 + len(chunk_rows), "sentences": srow0 + len(sentence_rows)}
        # The groups of stored documents the new ones may be copies of: those sharing an LSH band with them.
        if any(keys):
            bands = [band for doc_keys in keys for band in range(len(doc_keys))]
            flat = [key for doc_keys in keys for key in doc_keys]
            self.regroup.update(int(r[0]) for r in conn.execute(
                f"SELECT DISTINCT d.copy_of FROM unnest(%s::smallint[], %s::bytea[]) AS q(band, key) JOIN rag_bands b "
                f"ON b.band = q.band AND b.key = q.key JOIN rag_documents d ON d.pos = b.pos "
                f"WHERE d.died = {ALIVE} AND d.pos < %s", (bands, flat, pos0)).fetchall())

    def _groups(self) -> None:
        """Recompute the copy groups this update touched, over their members and the new documents only.

        A group no removed, refreshed or new document touches keeps its
        members and order (its similarity pairs are unchanged), so the
        groups of ``regroup``'s members and the new documents, grouped
        anew, are what grouping every document would give.
        """
        conn = self.conn
        members = conn.execute(f"SELECT pos, sig, data->>'published', copy_of, copy_rank, c_first, c_end FROM rag_documents "
                               f"WHERE died = {ALIVE} AND copy_of = ANY(%s) AND pos < %s ORDER BY pos",
                               (sorted(self.regroup), self.new[0]["pos"] if self.new else self.ends["documents"])).fetchall()
        self.copies_before += sum(1 for m in members if int(m[3]) != int(m[0]))
        stored = [{"pos": int(m[0]), "sig": np.frombuffer(m[1], dtype=np.uint64) if m[1] else None, "published": m[2],
                   "copy_of": int(m[3]), "rank": int(m[4]), "c": (int(m[5]), int(m[6]))} for m in members]
        subset = stored + [{**n, "copy_of": n["pos"], "rank": 0, "c": None} for n in self.new]
        if not subset:
            return
        if any(item["sig"] is None for item in subset):
            canonical = list(range(len(subset)))
        else:
            canonical = copy_groups(None, [item["published"] for item in subset], np.stack([item["sig"] for item in subset]))
        groups: dict[int, list[int]] = {}
        for i, c in enumerate(canonical):
            groups.setdefault(c, []).append(i)
        after = 0
        for c, group in groups.items():
            ordered = sorted(group, key=lambda i, c=c: (i != c, subset[i]["published"] or "9999", i))
            for rank, i in enumerate(ordered):
                item = subset[i]
                copy_of = subset[c]["pos"]
                after += int(copy_of != item["pos"])
                if (copy_of, rank) == (item["copy_of"], item["rank"]):
                    continue
                conn.execute("UPDATE rag_documents SET copy_of = %s, copy_rank = %s WHERE pos = %s", (copy_of, rank, item["pos"]))
                if (rank == 0) != (item["rank"] == 0):
                    lo, hi = item["c"] if item["c"] is not None else _chunk_range(conn, item["pos"])
                    for table in ("rag_chunks", "rag_postings"):
                        conn.execute(f"UPDATE {table} SET is_first = %s WHERE row >= %s AND row < %s", (rank == 0, lo, hi))
        self.counts["n_copies"] += after - self.copies_before

    def _df(self) -> None:
        """Each touched term's new document frequency, as of this ``seq`` (earlier values stay for readers on them)."""
        changed = {tid: delta for tid, delta in self.df_delta.items() if delta}
        if not changed:
            return
        tids = sorted(changed)
        latest = dict(self.conn.execute("SELECT DISTINCT ON (tid) tid, df FROM rag_df WHERE tid = ANY(%s) "
                                        "ORDER BY tid, seq DESC", (tids,)).fetchall())
        _copy_rows(self.conn, "rag_df", "tid, seq, df",
                   ((tid, self.seq, int(latest.get(tid, 0)) + changed[tid]) for tid in tids))
        # Values no reader can still use: older than the last one before this seq.
        self.conn.execute("DELETE FROM rag_df d USING (SELECT tid, max(seq) AS kept FROM rag_df WHERE tid = ANY(%s) "
                          "AND seq < %s GROUP BY tid) k WHERE d.tid = k.tid AND d.seq < k.kept", (tids, self.seq))

    def _vacuum(self) -> None:
        """Delete the rows of documents removed before this update (neither its view nor the previous one holds them)."""
        conn = self.conn
        dead = conn.execute("DELETE FROM rag_documents WHERE died < %s RETURNING pos, c_first, c_end, s_first, s_end",
                            (self.seq,)).fetchall()
        if not dead:
            return
        ranges = "unnest(%s::int[], %s::int[]) AS r(lo, hi)"
        c_lo, c_hi = [int(r[1]) for r in dead], [int(r[2]) for r in dead]
        for table in ("rag_postings", "rag_chunks"):
            conn.execute(f"DELETE FROM {table} t USING {ranges} WHERE t.row >= r.lo AND t.row < r.hi", (c_lo, c_hi))
        conn.execute(f"DELETE FROM rag_sentences t USING {ranges} WHERE t.row >= r.lo AND t.row < r.hi",
                     ([int(r[3]) for r in dead], [int(r[4]) for r in dead]))
        conn.execute("DELETE FROM rag_bands WHERE pos = ANY(%s)", ([int(r[0]) for r in dead],))

    def finish(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Copy groups, document frequencies and the clean-up; the new manifest."""
        if self.regroup or self.new:
            self._groups()
        self._df()
        self._vacuum()
        return {
            "store": "pgvector", "layout": LAYOUT, "format_version": 1, "seq": self.seq,
            "generation": f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}",
            **{key: settings[key] for key in ("embedding_model", "dimension", "chunker", "sentence_vectors", "chunk_vectors")},
            **self.counts, "ends": self.ends, "bm25": {"k1": K1, "b": B},
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }


def _chunk_range(conn: Any, pos: int) -> tuple[int, int]:
    row = conn.execute("SELECT c_first, c_end FROM rag_documents WHERE pos = %s", (pos,)).fetchone()
    return int(row[0]), int(row[1])


def _vector_text(vector: np.ndarray) -> str:
    return "[" + ",".join(repr(float(v)) for v in vector) + "]"


def size_bytes(url: str) -> int:
    """Bytes the index's tables and indexes take in the database."""
    conn = connect(url)
    try:
        if _manifest(conn) is None:
            return 0
        row = conn.execute("SELECT COALESCE(SUM(pg_total_relation_size(to_regclass(t))), 0) FROM unnest(%s::text[]) AS t",
                           (list(_TABLES),)).fetchone()
        return int(row[0])
    finally:
        conn.close()


class _Connections:
    """One connection per thread (the UI answers several questions at once); queries through :meth:`fetch`."""

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = connect(self.url)
            conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
        return conn

    def fetch(self, sql: str, params: Any = None) -> list[Any]:
        """Rows of a query; a dropped connection is reopened once, other failures are one-line StoreErrors."""
        import psycopg

        for attempt in (1, 2):
            try:
                return self.get().execute(sql, params).fetchall()
            except psycopg.OperationalError as error:
                self._local.conn = None
                if attempt == 2:
                    raise StoreError(f"lost the connection to PostgreSQL at {_where(self.url)} "
                                     f"({one_line(_secret_free(str(error), self.url), 200)}): check the server") from None
            except psycopg.errors.UndefinedTable:
                raise StoreError(f"the index generation this process opened in {shown_url(self.url)} was replaced by newer "
                                 "builds and removed: reopen the index (restart rag ui)") from None
            except psycopg.Error as error:
                raise StoreError(f"PostgreSQL at {_where(self.url)} failed a query "
                                 f"({one_line(_secret_free(str(error), self.url), 200)})") from None
        raise AssertionError("unreachable")  # pragma: no cover


class PgVectors:
    """A row-addressed vector table in the database, indexed like the local store's numpy array.

    Rows fetched are cached (a generation never changes; at most
    ``cache_rows``): the rerank and the answerer read the same sentences.
    """

    def __init__(self, connections: _Connections, table: str, n: int, dim: int, cache_rows: int = 50_000):
        self._connections, self._table, self._n, self._dim = connections, table, n, dim
        self._cache: dict[int, np.ndarray] = {}
        self._cache_rows = cache_rows
        self._lock = threading.Lock()

    @property
    def shape(self) -> tuple[int, int]:
        return self._n, self._dim

    def with_cache(self, cache_rows: int) -> PgVectors:
        """The same table read through a cache of another size (and empty)."""
        return PgVectors(self._connections, self._table, self._n, self._dim, cache_rows=cache_rows)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, rows: Any) -> np.ndarray:
        picked = np.arange(self._n)[rows] if not isinstance(rows, (list, tuple)) else np.asarray(rows, dtype=np.int64)
        picked = np.atleast_1d(picked).astype(np.int64)
        if picked.size == 0:
            return np.zeros((0, self._dim), dtype=np.float32)
        wanted = [int(r) for r in dict.fromkeys(picked.tolist())]
        with self._lock:  # this call's rows, taken from the cache before anything can evict them
            by_row = {r: self._cache[r] for r in wanted if r in self._cache}
        missing = [r for r in wanted if r not in by_row]
        if missing:
            found = {int(r): _array(v) for r, v in
                     self._connections.fetch(f"SELECT row, embedding FROM {self._table} WHERE row = ANY(%s)", (missing,))}
            by_row.update(found)
            with self._lock:
                if len(self._cache) + len(found) > self._cache_rows:
                    self._cache.clear()
                if len(found) <= self._cache_rows:
                    self._cache.update(found)
        return np.stack([by_row[int(r)] for r in picked])


def _array(value: Any) -> np.ndarray:
    """A pgvector value as float32 (pgvector's ``Vector`` type, or a plain sequence)."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


class PgSearch:
    """Dense and BM25 search in SQL, the filter as predicates on stored columns (never a list of rows).

    Every statement's parameters are the query (a vector, or its terms),
    ``k``, the date bounds and the reader's view, whatever the archive's
    size. The predicate on a chunk (or posting) row ``x``: in the view (row
    before its end, not dead at its ``seq``), its ``pub_day`` in the range
    (or unknown, when undated articles count), and, for the copy-group rule,
    ``x.is_first`` (the first member in canonical order), or else no earlier
    member of its group in the range (a ``NOT EXISTS``, reached only for the
    rare later members).

    Dense search is ``ORDER BY embedding <#> q LIMIT k`` on the HNSW index
    with the predicate in ``WHERE`` (``hnsw.iterative_scan`` keeps scanning
    until ``k`` rows pass), or an exact scan of the rows the date range
    allows when they are few (at most ``EXACT_BELOW``, counted on the
    ``pub_day`` index first). BM25 scores each query term's best
    ``POSTINGS_PER_TERM`` allowed postings from their raw term frequencies
    and sums them per chunk in query order, as bm25s does.

    Example:
        >>> search = PgSearch(_Connections("postgresql://rag@127.0.0.1:54329/rag"), records)  # doctest: +SKIP
        >>> search.lexical_search(["troop"], 5, ChunkFilter())[0]  # doctest: +SKIP
        Hit(row=4, score=2.31)
    """

    EXACT_BELOW = 10_000  # chunks the date range allows: at or below, an exact scan beats walking the graph

    def __init__(self, connections: _Connections, records: PgRecords):
        self._connections, self._records = connections, records
        self._view = records.view

    def _fetched(self, hits: list[Hit]) -> list[Hit]:
        """The hits, their chunk rows and documents fetched in a batch first (fusion reads every candidate's text)."""
        self._records.prefetch_chunks([hit.row for hit in hits])
        return hits

    def _predicate(self, alias: str, where: ChunkFilter, *, copies: bool = True) -> str:
        """SQL true for the rows of ``alias`` (chunks or postings) the view and the filter allow; binds the view and bounds."""
        conditions = [_visible(alias)]
        in_range = "{x}.pub_day BETWEEN %(lo)s AND %(hi)s" + (" OR {x}.pub_day = -1" if where.include_undated else "")
        if where.bounded:
            conditions.append("(" + in_range.format(x=alias) + ")")
        if copies and where.one_per_copy_group:
            if not where.bounded:
                conditions.append(f"{alias}.is_first")
            else:  # a later member counts when no earlier member of its group is in range
                conditions.append(
                    f"({alias}.is_first OR NOT EXISTS (SELECT 1 FROM rag_chunks c2 JOIN rag_documents d "
                    f"ON d.pos = c2.doc JOIN rag_documents e ON e.copy_of = d.copy_of AND e.copy_rank < d.copy_rank "
                    f"WHERE c2.row = {alias}.row AND {_visible('e', 'de', 'pos')} AND (" + in_range.format(x="e") + ")))")
        return " AND ".join(conditions)

    def _bounds(self, where: ChunkFilter) -> dict[str, int]:
        return {"lo": where.since if where.since is not None else 0,
                "hi": where.until if where.until is not None else 2**31 - 1, **self._view.params()}

    def dense_search(self, vector: np.ndarray, k: int, where: ChunkFilter) -> list[Hit]:
        """The ``k`` allowed chunks nearest ``vector``, best first (ties by row)."""
        if k <= 0:
            return []
        params: dict[str, Any] = {**self._bounds(where), "v": np.asarray(vector, dtype=np.float32).reshape(-1), "k": int(k)}
        allowed = self._predicate("c", where)
        exact = f"SELECT c.row, -(c.embedding <#> %(v)s) FROM rag_chunks c WHERE {allowed} ORDER BY (c.embedding <#> %(v)s) + 0 LIMIT %(k)s"
        if where.bounded:
            in_range = self._connections.fetch(
                f"SELECT count(*) FROM (SELECT 1 FROM rag_chunks c WHERE {self._predicate('c', where, copies=False)} "
                f"LIMIT {self.EXACT_BELOW + 1}) n", params)[0][0]
            if in_range <= self.EXACT_BELOW:  # few rows: scan them all, exactly, through the pub_day index
                return self._fetched(_hits(self._connections.fetch(exact, params)))
        rows = self._connections.fetch(
            f"SELECT c.row, -(c.embedding <#> %(v)s) FROM rag_chunks c WHERE {allowed} ORDER BY c.embedding <#> %(v)s LIMIT %(k)s",
            params)
        if len(rows) < k:  # the graph walk gave up before k rows passed: exact over the allowed rows
            rows = self._connections.fetch(exact, params)
        return self._fetched(_hits(rows))

    def lexical_search(self, terms: Sequence[str], k: int, where: ChunkFilter) -> list[Hit]:
        """BM25 over ``terms`` (repeats counted, unknown terms ignored): the allowed chunks' sums, best first (ties by row)."""
        if not terms or k <= 0:
            return []
        stats = self._records.term_stats(terms)
        known = [t for t in terms if t in stats]
        n, length = self._records.n_chunks, self._records.bm25_length
        if not known or not n:
            return []
        tids = [stats[t][0] for t in known]
        idfs = [bm25_idf(stats[t][1], n) for t in known]
        # Each term scores its best POSTINGS_PER_TERM allowed postings (an index scan on (tid, w DESC)): a chunk
        # outside every one of its terms' heads cannot reach a top k that the heads fill. A posting's score is
        # bm25s' (float64, then float32), and a chunk's sum adds them in query order in float32, as bm25s does.
        sql = (f"SELECT p.row, sum(p.s ORDER BY p.ord)::float8 AS s FROM unnest(%(tids)s::int[], %(idfs)s::float8[]) "
               f"WITH ORDINALITY AS q(tid, idf, ord) CROSS JOIN LATERAL "
               f"(SELECT p.row, q.ord, (q.idf * (p.tf::float8 / (%(k1)s * (%(omb)s + %(b)s * p.dl::float8 / %(avgdl)s) "
               f"+ p.tf::float8)))::real AS s FROM rag_postings p WHERE p.tid = q.tid AND {self._predicate('p', where)} "
               f"ORDER BY p.w DESC LIMIT {POSTINGS_PER_TERM}) p GROUP BY p.row ORDER BY s DESC, p.row LIMIT %(k)s")
        params = {**self._bounds(where), "tids": tids, "idfs": idfs, "k": int(k), "k1": K1, "b": B, "omb": 1 - B,
                  "avgdl": length / n}
        rows = self._connections.fetch(sql, params)
        return self._fetched([hit for hit in _hits(rows, resort=False) if hit.score > 0])


def _hits(rows: list[Any], *, resort: bool = True) -> list[Hit]:
    """Rows of ``(row, score)`` as hits, best first with ties by row (the iterative HNSW scan may return them out of order)."""
    hits = [Hit(int(row), float(score)) for row, score in rows]
    return sorted(hits, key=lambda h: (-h.score, h.row)) if resort else hits


class _Lru:
    """A bounded, thread-safe map that forgets its least recently used entries (the UI answers questions at once)."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, keys: Iterable[Any]) -> dict[Any, Any]:
        """The cached entries among ``keys`` (each marked as just used)."""
        with self._lock:
            found = {}
            for key in keys:
                if key in self._items:
                    self._items.move_to_end(key)
                    found[key] = self._items[key]
            return found

    def put(self, items: dict[Any, Any]) -> None:
        with self._lock:
            self._items.update(items)
            for key in items:
                self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class _Record(NamedTuple):
    """A document and where its rows are: sentence rows ``[s_first, s_end)``, first chunk row."""

    document: SourceDocument
    s_first: int
    s_end: int
    c_first: int


class PgRecords:
    """Records of one view of the index fetched by position or id, batched by the caller's lists and cached (LRU).

    What :class:`PgIndexData`'s lazy tables read through. Fetching a document
    also fetches its sentence rows (in the same query): whoever reads a
    document's text reads its sentences next. Caches are bounded in
    entries, so the client's memory does not grow with the archive.

    Example:
        >>> records = PgRecords(_Connections("postgresql://rag@127.0.0.1:54329/rag"), manifest)  # doctest: +SKIP
        >>> records.records([0, 2])[2].document.title  # doctest: +SKIP
        'Troops leave Kabul'
    """

    PAGE = 1_000  # document positions per query when a caller lists them all

    def __init__(self, connections: _Connections, manifest: dict[str, Any],
                 *, cache_documents: int = 2_000, cache_rows: int = 200_000, cache_terms: int = 50_000):
        self.connections = connections
        self.view = _View.of(manifest)
        self.n_documents, self.n_chunks = int(manifest["n_documents"]), int(manifest["n_chunks"])
        self.n_sentences, self.bm25_length = int(manifest["n_sentences"]), int(manifest["bm25_length"])
        self._documents = _Lru(cache_documents)
        self._ids = _Lru(cache_rows)
        self._rows = {"chunks": _Lru(cache_rows), "sentences": _Lru(cache_rows)}
        self._terms = _Lru(cache_terms)
        self._days: np.ndarray | None = None
        self._lock = threading.Lock()

    def _gone(self) -> StoreError:
        return StoreError(f"the index generation this process opened in {shown_url(self.connections.url)} was replaced by "
                          "newer builds and removed: reopen the index (restart rag ui)")

    def records(self, positions: Sequence[int]) -> dict[int, _Record]:
        """The records at ``positions`` (one query for those not cached, their sentence rows included)."""
        wanted = list(dict.fromkeys(int(p) for p in positions))
        found: dict[int, _Record] = self._documents.take(wanted)
        missing = [p for p in wanted if p not in found]
        if missing:
            # A document's sentence spans come with it, as one array (a range scan on the primary key).
            rows = self.connections.fetch(
                "SELECT pos, data, s_first, s_end, c_first, (SELECT array_agg(ARRAY[s.start_, s.end_] ORDER BY s.row) "
                "FROM rag_sentences s WHERE s.row >= d.s_first AND s.row < d.s_end) FROM rag_documents d "
                "WHERE pos = ANY(%s)", (missing,))
            if len(rows) < len(missing):
                raise self._gone()
            fetched: dict[int, _Record] = {}
            sentences: dict[int, tuple[int, ...]] = {}
            for pos, data, s0, s1, c0, spans in rows:
                fetched[int(pos)] = _Record(SourceDocument(**data), int(s0), int(s1), int(c0))
                sentences.update({int(s0) + i: (int(pos), int(a), int(b)) for i, (a, b) in enumerate(spans or [])})
            self._rows["sentences"].put(sentences)
            self._ids.put({record.document.id: pos for pos, record in fetched.items()})
            self._documents.put(fetched)
            found.update(fetched)
        return found

    def record(self, position: int) -> _Record:
        if not 0 <= position < self.view.documents:
            raise IndexError(f"document position {position} out of range")
        return self.records([position])[position]

    def position(self, doc_id: str) -> int | None:
        """The position of the document with id ``doc_id`` in this view (the last one, as a dict built in order keeps)."""
        found = self._ids.take([doc_id])
        if doc_id in found:
            return int(found[doc_id])
        rows = self.connections.fetch(f"SELECT pos FROM rag_documents d WHERE id = %(id)s AND {_visible('d', 'de', 'pos')} "
                                      f"ORDER BY pos DESC LIMIT 1", {"id": doc_id, **self.view.params()})
        if not rows:
            return None
        self._ids.put({doc_id: int(rows[0][0])})
        return int(rows[0][0])

    def rows(self, table: str, columns: str, rows: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """Rows of the chunk or sentence table (``columns`` after ``row``), one query for those not cached."""
        cache = self._rows[table]
        wanted = list(dict.fromkeys(rows))
        found: dict[int, tuple[int, ...]] = cache.take(wanted)
        missing = [r for r in wanted if r not in found]
        if missing:
            fetched = {int(r[0]): tuple(int(v) for v in r[1:]) for r in
                       self.connections.fetch(f"SELECT row, {columns} FROM rag_{table} WHERE row = ANY(%s)", (missing,))}
            if len(fetched) < len(missing):
                raise self._gone()
            cache.put(fetched)
            found.update(fetched)
        return found

    def prefetch_chunks(self, rows: Sequence[int]) -> None:
        """Fetch the chunk rows a search returned and their documents in a few batched queries (fusion reads them all)."""
        if rows:
            chunks = self.rows("chunks", _CHUNK_COLUMNS, rows)
            self.records(sorted({values[0] for values in chunks.values()}))

    def term_stats(self, terms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Term id and chunk document frequency in this view of each known term (one query for those not cached)."""
        wanted = list(dict.fromkeys(t for t in terms if isinstance(t, str)))
        found = self._terms.take(wanted)
        missing = [t for t in wanted if t not in found]
        if missing:
            fetched: dict[str, tuple[int, int] | None] = dict.fromkeys(missing)
            # With the live seq: an update keeps the frequencies of its own view and the one before, no older.
            for live, term, tid, df in self.connections.fetch(
                    "SELECT (SELECT (value->>'seq')::int FROM rag_meta WHERE key = 'current'), t.term, t.tid, d.df "
                    "FROM (SELECT 1) one LEFT JOIN (rag_terms t CROSS JOIN LATERAL (SELECT df FROM rag_df f "
                    "WHERE f.tid = t.tid AND f.seq <= %(g)s ORDER BY f.seq DESC LIMIT 1) d) ON t.term = ANY(%(terms)s)",
                    {"terms": missing, "g": self.view.seq}):
                if live is None or int(live) > self.view.seq + 1:
                    raise self._gone()
                if term is not None:
                    fetched[term] = (int(tid), int(df)) if df > 0 else None
            self._terms.put(fetched)
            found.update(fetched)
        return {t: v for t, v in found.items() if v is not None}

    def df(self, term: str) -> int | None:
        """A term's chunk document frequency (``None``: not in the index); cached, unknown terms too."""
        stats = self.term_stats([term]).get(term)
        return stats[1] if stats else None

    def published_days(self) -> np.ndarray:
        """Per document position, its publication day (:data:`rag._search.NO_DOCUMENT` where none is); read once."""
        with self._lock:
            if self._days is None:
                days = np.full(self.view.documents, NO_DOCUMENT, dtype=np.int64)
                rows = self.connections.fetch(f"SELECT array_agg(pos), array_agg(pub_day) FROM rag_documents d "
                                              f"WHERE {_visible('d', 'de', 'pos')}", self.view.params())
                if rows and rows[0][0]:
                    days[np.asarray(rows[0][0], dtype=np.int64)] = np.asarray(rows[0][1], dtype=np.int64)
                self._days = days
            return self._days

    def pages(self, columns: str) -> Iterator[Any]:
        """``columns`` of this view's documents in position order, a page of positions at a time."""
        for lo in range(0, self.view.documents, self.PAGE):
            yield from self.connections.fetch(
                f"SELECT {columns} FROM rag_documents d WHERE {_visible('d', 'de', 'pos')} AND pos >= %(lo)s AND pos < %(hi)s "
                f"ORDER BY pos", {"lo": lo, "hi": lo + self.PAGE, **self.view.params()})


_CHUNK_COLUMNS = "doc, start_, end_, s0, s1, n_tokens"
_SENTENCE_COLUMNS = "doc, start_, end_"


class PgDocuments(Sequence[SourceDocument]):
    """The documents of a database index as a read-only sequence: each fetched by position when read, then cached.

    ``len()`` counts the documents; an index is a position (positions left
    by removed documents hold none). Listing them all (``list(documents)``)
    reads them a page at a time without caching them.

    Example:
        >>> documents = PgDocuments(records)  # doctest: +SKIP
        >>> len(documents), documents[3].title  # doctest: +SKIP
        (3000, 'Troops leave Kabul')
    """

    def __init__(self, records: PgRecords):
        self._records = records

    def __len__(self) -> int:
        return self._records.n_documents

    @overload
    def __getitem__(self, i: int) -> SourceDocument: ...

    @overload
    def __getitem__(self, i: slice) -> list[SourceDocument]: ...

    def __getitem__(self, i: int | slice) -> SourceDocument | list[SourceDocument]:
        n = self._records.view.documents
        if isinstance(i, slice):
            positions = range(*i.indices(n))
            found = self._records.records(positions)
            return [found[pos].document for pos in positions]
        pos = operator.index(i)
        return self._records.record(pos + n if pos < 0 else pos).document

    def __iter__(self) -> Iterator[SourceDocument]:
        for (data,) in self._records.pages("data"):
            yield SourceDocument(**data)


class PgDocIndex(Mapping[str, int]):
    """Document id to position, looked up in the database (``WHERE id = …`` on its index) and cached.

    Example:
        >>> PgDocIndex(records).get("kabul-airlift")  # doctest: +SKIP
        17
    """

    def __init__(self, records: PgRecords):
        self._records = records

    def __getitem__(self, doc_id: str) -> int:
        position = self._records.position(doc_id) if isinstance(doc_id, str) else None
        if position is None:
            raise KeyError(doc_id)
        return position

    def __len__(self) -> int:
        return self._records.n_documents

    def __iter__(self) -> Iterator[str]:
        for (doc_id,) in self._records.pages("id"):
            yield doc_id


class PgTerms(Mapping[str, int]):
    """Chunk document frequency per term in the reader's view, looked up when a question uses the term (cached).

    Example:
        >>> PgTerms(records).get("troop", 0)  # doctest: +SKIP
        12
    """

    def __init__(self, connections: _Connections, records: PgRecords):
        self._connections, self._records = connections, records
        self._n: int | None = None

    def __getitem__(self, term: str) -> int:
        df = self._records.df(term) if isinstance(term, str) else None
        if df is None:
            raise KeyError(term)
        return df

    def _all(self, columns: str) -> str:
        return (f"SELECT {columns} FROM rag_terms t CROSS JOIN LATERAL (SELECT df FROM rag_df f WHERE f.tid = t.tid "
                f"AND f.seq <= %(g)s ORDER BY f.seq DESC LIMIT 1) d WHERE d.df > 0")

    def __len__(self) -> int:
        if self._n is None:
            self._n = int(self._connections.fetch(self._all("count(*)"), {"g": self._records.view.seq})[0][0])
        return self._n

    def __iter__(self) -> Iterator[str]:
        for (term,) in self._connections.fetch(self._all("t.term") + " ORDER BY t.term", {"g": self._records.view.seq}):
            yield term


class PgRows:
    """A row table (chunk or sentence spans) in the database, indexed like the local store's ``(n, k)`` int32 array.

    ``rows[r]``, ``rows[r, c]``, ``rows[r, :3]``, ``rows[lo:hi, c]`` and
    ``rows[[r1, r2]]`` fetch just those rows (cached); its length is where
    the view's rows end (rows of removed documents leave gaps, which no
    search returns); ``np.asarray(rows)`` reads the view's rows.

    Example:
        >>> sentences = PgRows(records, "sentences", _SENTENCE_COLUMNS)  # doctest: +SKIP
        >>> sentences[41, 1], sentences.shape  # doctest: +SKIP
        (np.int32(230), (20000, 3))
    """

    ndim = 2

    def __init__(self, records: PgRecords, table: str, columns: str):
        self._records, self._table, self._columns = records, table, columns
        self._n = records.view.chunks if table == "chunks" else records.view.sentences
        self._k = len(columns.split(","))

    @property
    def shape(self) -> tuple[int, int]:
        return self._n, self._k

    def __len__(self) -> int:
        return self._n

    def _row(self, row: Any) -> int:
        r = operator.index(row)
        r = r + self._n if r < 0 else r
        if not 0 <= r < self._n:
            raise IndexError(f"row {row} is out of range for {self._n} {self._table} rows")
        return r

    def __getitem__(self, key: Any) -> Any:
        rows_key, columns = key if isinstance(key, tuple) else (key, slice(None))
        if isinstance(rows_key, (int, np.integer)):
            r = self._row(rows_key)
            return np.asarray(self._records.rows(self._table, self._columns, [r])[r], dtype=np.int32)[columns]
        if isinstance(rows_key, slice):
            rows = list(range(*rows_key.indices(self._n)))
        else:
            rows = [self._row(r) for r in np.asarray(rows_key, dtype=np.int64).reshape(-1).tolist()]
        found = self._records.rows(self._table, self._columns, rows)
        table = np.array([found[r] for r in rows], dtype=np.int32).reshape(-1, self._k)
        return table[:, columns]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        end = "re" if self._table == "chunks" else "se"
        rows = self._records.connections.fetch(
            f"SELECT {self._columns} FROM rag_{self._table} x WHERE {_visible('x', end)} ORDER BY row",
            {**self._records.view.params(), "se": self._records.view.sentences})
        return np.array(rows, dtype=dtype or np.int32).reshape(-1, self._k)


@dataclass
class PgIndexData(IndexData):
    """The read model of a database index, lazy: opening it reads the manifest and the copy groups, nothing per row.

    Documents, ids, chunk and sentence spans and term statistics are
    :class:`PgDocuments`, :class:`PgDocIndex`, :class:`PgRows` and
    :class:`PgTerms` over one :class:`PgRecords` (fetched by the rows a
    question reads, batched, cached); publication days are read the first
    time a date filter asks for them. Retrieval, answering and citations
    read it as they read the local store's arrays.

    Example:
        >>> index = open_pg("postgresql://rag@127.0.0.1:54329/rag")  # doctest: +SKIP
        >>> index.sentence_text(41)  # doctest: +SKIP
        'The last troops left Kabul on 30 August.'
    """

    records: PgRecords | None = field(default=None, repr=False)
    groups: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Nothing over every row here: ids, spans and days come from the database when asked for.
        self.doc_index = PgDocIndex(self._pg())

    def _pg(self) -> PgRecords:
        if self.records is None:
            raise IndexCorruptError("a database index was opened without its records")
        return self.records

    @property
    def n_chunks(self) -> int:
        """The chunks in this view (rows of removed documents are not counted)."""
        return self._pg().n_chunks

    def fingerprints(self) -> dict[str, str]:
        # Two short columns per document, never the articles' text.
        return {str(i): str(h) for i, h in self._pg().pages("id, sha256")}

    def sentence_range(self, doc_i: int) -> tuple[int, int]:
        record = self._pg().record(int(doc_i))
        return record.s_first, record.s_end

    def first_chunk(self, doc_i: int) -> int:
        return self._pg().record(int(doc_i)).c_first

    def published_days(self) -> np.ndarray:
        return self._pg().published_days()

    def copy_groups(self) -> dict[int, list[int]]:
        return self.groups


def open_pg(url: str) -> PgIndexData:
    """The live index of the database at ``url``, read lazily in the view of its current manifest (:class:`PgIndexData`).

    Reads the manifest and the copy groups with more than one member; the
    rest is fetched by the rows questions read.

    Raises:
        StoreError: The database can't be reached or used.
        IndexNotFoundError: It holds no index yet.
        IndexCorruptError: It was published by an older version (rebuild it) or is damaged.
    """
    import psycopg

    connections = _Connections(url)
    conn = connections.get()
    try:
        manifest = _manifest(conn)
    except psycopg.Error as error:
        raise StoreError(f"cannot read the index in {shown_url(url)} ({one_line(_secret_free(str(error), url), 200)}): "
                         "check the user's rights on the database") from None
    if manifest is None:
        raise IndexNotFoundError(f"no index in {shown_url(url)}: build one with `rag index PATH --index {shown_url(url)}`")
    _check_layout(manifest, url)
    try:
        view = _View.of(manifest)
        # Copy groups with more than one member, each in canonical order (copy_rank): found through their later
        # members (a partial index), so opening reads the copies, not every document.
        groups = {int(c): [int(m) for m in members] for c, members in conn.execute(
            f"SELECT copy_of, array_agg(pos ORDER BY copy_rank) FROM rag_documents d WHERE {_visible('d', 'de', 'pos')} "
            f"AND copy_of IN (SELECT copy_of FROM rag_documents c WHERE copy_rank > 0 AND {_visible('c', 'de', 'pos')}) "
            f"GROUP BY copy_of HAVING count(*) > 1", view.params())}
        records = PgRecords(connections, manifest)
    except psycopg.OperationalError as error:
        raise StoreError(f"lost the connection to PostgreSQL at {_where(url)} "
                         f"({one_line(_secret_free(str(error), url), 200)}): check the server") from None
    except (psycopg.Error, TypeError, ValueError, KeyError) as error:
        raise IndexCorruptError(f"the index in {shown_url(url)} is damaged ({one_line(_secret_free(str(error), url), 200)}): "
                                f"rebuild it with `rag index PATH --index {shown_url(url)} --rebuild`") from None
    copy_of = np.arange(view.documents, dtype=np.int32)  # 4 bytes a position: canonical() and citations read it
    for canonical, members in groups.items():
        copy_of[members] = canonical
    dim = int(manifest["dimension"])
    return PgIndexData(
        Path(shown_url(url)),
        manifest,
        PgDocuments(records),
        PgRows(records, "chunks", _CHUNK_COLUMNS),  # indexed like the local store's arrays
        PgRows(records, "sentences", _SENTENCE_COLUMNS),
        PgVectors(connections, "rag_chunks", view.chunks, dim),
        PgVectors(connections, "rag_sentences", view.sentences, dim),
        None,
        None,
        PgTerms(connections, records),
        copy_of=copy_of,
        search=PgSearch(connections, records),
        records=records,
        groups=groups,
    )


def current_generation(url: str) -> str | None:
    """The live manifest's generation name in the database, or ``None`` when it holds no index."""
    conn = connect(url)
    try:
        manifest = _manifest(conn)
        return str(manifest["generation"]) if manifest else None
    finally:
        conn.close()
