"""The PostgreSQL + pgvector store: an index served from a database.

Layout (every table name carries its generation, ``rag_<gen>_…``)::

    rag_meta(key, value)        'current': the live generation's manifest; 'previous': the one it replaced
    rag_<gen>_documents         pos, the SourceDocument as JSON, its copy group's canonical position,
                                publication day (-1: unknown), rank in its copy group's canonical order,
                                id (indexed), its sentence rows [s_first, s_end) and first chunk row
    rag_<gen>_chunks            row, doc, start, end, first/end sentence, tokens, publication day, whether its
                                document is first in its copy group, embedding vector(d) + HNSW index
    rag_<gen>_sentences         row, doc, start, end, embedding vector(d)
    rag_<gen>_postings          term id, chunk row, BM25 score (bm25s' own per-term score), the chunk's day
                                and first-in-group flag (so a filtered BM25 reads nothing else)
    rag_<gen>_terms             term, term id, chunk document frequency

A build is made locally (``rag/_ingest.py``, in a workspace folder keyed by
the URL, so it stays incremental) and *published* in one transaction: the
new generation's tables are filled, its HNSW index built, and the
``current`` pointer moved, so a reader sees the old index or the new one,
never half of one. The generation it replaced is dropped by the next
publish, so a reader still on it can finish its work.

Reading (:func:`open_pg`) keeps the heavy parts in the database: vectors
(dense search is ``ORDER BY embedding <#> q`` on the HNSW index, with
``hnsw.iterative_scan`` so a date filter still fills ``k``), BM25 (a
``SUM`` over the postings of the query's terms, scored exactly as bm25s
scores them, since the postings *are* bm25s' per-term scores) and the
vectors of the sentences an answer reads (one batched ``SELECT`` per
question). Searches (:class:`PgSearch`) take the question's filter as data
and send it as SQL predicates on the day and copy-group columns, never as
lists of rows. Opening reads the manifest and the copy groups with more than
one member, nothing per row (:class:`PgIndexData`): documents (with their
sentence spans), ids, chunk rows and term frequencies are fetched by the
rows a question reads, batched (a search fetches its hits' chunk rows and
documents in two queries) and kept in bounded LRU caches; publication days
are read as one array the first time a date filter needs them.

Publishes take an advisory lock, so two at once queue instead of one
dropping the other's tables. Trade-offs: a question's first read of an
article is a round trip (a few per question, batched); listing every
document (``rag info``, the UI's list) reads them a page at a time. A build's workspace
records the generation it last published (``synced.json``); when the
database's live generation is another (a build from another machine), the
workspace is first rebuilt from the database, so no machine's documents
are lost. A reader still on a generation two publishes old gets a one-line
error to reopen (the local store's mmapped files outlive their deletion;
dropped tables do not).
HNSW is approximate (recall@10 against exact in docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import json
import operator
import re
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, overload

import numpy as np

from .._exceptions import IndexCorruptError, IndexNotFoundError, StoreError, redact
from .._index import IndexData
from .._search import ChunkFilter, Hit
from .._types import SourceDocument

__all__ = [
    "EF_SEARCH", "PgDocIndex", "PgDocuments", "PgIndexData", "PgRecords", "PgRows", "PgTerms", "connect", "current_generation",
    "is_pg_url", "open_pg", "publish", "shown_url", "size_bytes", "workspace", "writer_lock",
]

_SCHEMES = ("postgresql://", "postgres://")
_PUBLISH_LOCK = 0x7261676E  # pg_advisory_xact_lock key of publishes ("ragn")
_WRITER_LOCK = 0x72616777  # pg_advisory_lock key held by a whole build, from its first read to its publish ("ragw")
_TABLE = re.compile(r"rag_g[0-9a-z]+_[0-9a-f]{6}_(?:documents|chunks|sentences|postings|terms)")
EF_SEARCH = 200  # HNSW candidates per query: recall ≥ 0.99 at 100k chunks (docs/benchmarks.md)
POSTINGS_PER_TERM = 2000  # BM25: each query term's best postings summed (top-10 overlap with bm25s in docs/benchmarks.md)


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
        raise StoreError(f"--index {shown} is not a valid PostgreSQL URL ({_first_line(_secret_free(str(error), url))}): "
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


def _first_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())[:200]


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
    return f"cannot connect to PostgreSQL at {where} ({_first_line(message)}): check --index {shown}"


def _prefix(generation: str) -> str:
    if not re.fullmatch(r"gen-[0-9A-Za-z]+-[0-9a-f]{6}", generation):
        raise IndexCorruptError(f"generation {generation[:60]!r} is not a generation name: republish the index")
    return "rag_" + generation.replace("gen-", "g").replace("-", "_").lower()


def _manifest(conn: Any, key: str = "current") -> dict[str, Any] | None:
    """The manifest under ``key``; ``None`` when the database holds no index (readers never create tables)."""
    if conn.execute("SELECT to_regclass('rag_meta')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT value FROM rag_meta WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


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


def publish(url: str, index: Any) -> None:
    """Copy a built local index (:class:`rag._index.IndexData`) into the database as its new live generation.

    One transaction: a reader sees the previous generation until it commits.
    """
    conn = connect(url)
    try:
        manifest = {**index.manifest, "store": "pgvector"}
        generation = str(manifest["generation"])
        p = _prefix(generation)
        dim = int(manifest["dimension"])
        conn.execute("CREATE TABLE IF NOT EXISTS rag_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PUBLISH_LOCK,))  # one publisher at a time
            previous = _manifest(conn)
            if previous is not None and previous.get("generation") == generation:
                return  # nothing new since the last publish
            conn.execute(f"CREATE TABLE {p}_documents (pos int PRIMARY KEY, data jsonb NOT NULL, copy_of int NOT NULL, "
                         f"pub_day int NOT NULL, copy_rank int NOT NULL, id text NOT NULL, s_first int NOT NULL, "
                         f"s_end int NOT NULL, c_first int NOT NULL)")
            conn.execute(f"CREATE TABLE {p}_chunks (row int PRIMARY KEY, doc int NOT NULL, start_ int NOT NULL, end_ int NOT NULL, "
                         f"s0 int NOT NULL, s1 int NOT NULL, n_tokens int NOT NULL, pub_day int NOT NULL, is_first bool NOT NULL, "
                         f"embedding vector({dim}) NOT NULL)")
            conn.execute(f"CREATE TABLE {p}_sentences (row int PRIMARY KEY, doc int NOT NULL, start_ int NOT NULL, "
                         f"end_ int NOT NULL, embedding vector({dim}) NOT NULL)")
            conn.execute(f"CREATE TABLE {p}_postings (tid int NOT NULL, row int NOT NULL, score real NOT NULL, "
                         f"pub_day int NOT NULL, is_first bool NOT NULL)")
            conn.execute(f"CREATE TABLE {p}_terms (term text PRIMARY KEY, tid int, df int NOT NULL)")
            # The filter's columns (rag/_search.py): publication day, and the rank in the copy group's canonical order.
            days = index.published_days()
            rank = np.zeros(len(index.documents), dtype=np.int64)
            for members in index.copy_groups().values():
                rank[members] = np.arange(len(members))
            chunk_days = days[index.chunk_rows[:, 0]].tolist() if index.n_chunks else []
            chunk_first = (rank[index.chunk_rows[:, 0]] == 0).tolist() if index.n_chunks else []
            # Each document's rows (chunk and sentence rows are sorted by document), so a reader fetches a record by id.
            positions = np.arange(len(index.documents) + 1)
            s_bounds = np.searchsorted(np.asarray(index.sentence_rows)[:, 0], positions, side="left").tolist()
            c_first = np.searchsorted(np.asarray(index.chunk_rows)[:, 0], positions, side="left").tolist()
            with conn.cursor().copy(f"COPY {p}_documents (pos, data, copy_of, pub_day, copy_rank, id, s_first, s_end, c_first) "
                                    f"FROM STDIN") as copy:
                for pos, doc in enumerate(index.documents):
                    copy.write_row((pos, json.dumps(doc.__dict__, ensure_ascii=False), index.canonical(pos), int(days[pos]),
                                    int(rank[pos]), doc.id, s_bounds[pos], s_bounds[pos + 1], c_first[pos]))
            chunk_vectors = np.asarray(index.chunk_vectors, dtype=np.float32)
            with conn.cursor().copy(f"COPY {p}_chunks FROM STDIN") as copy:
                for row, (values, vector) in enumerate(zip(index.chunk_rows.tolist(), chunk_vectors)):
                    copy.write_row((row, *values, chunk_days[row], chunk_first[row], _vector_text(vector)))
            sentence_vectors = np.asarray(index.sentence_vectors, dtype=np.float32)
            with conn.cursor().copy(f"COPY {p}_sentences FROM STDIN") as copy:
                for row, (values, vector) in enumerate(zip(index.sentence_rows.tolist(), sentence_vectors)):
                    copy.write_row((row, *values, _vector_text(vector)))
            vocab: dict[str, int] = dict(getattr(index.bm25, "vocab_dict", None) or {})
            if index.bm25 is not None:
                scores = index.bm25.scores  # bm25s' sparse (term → chunks) matrix of per-term scores
                data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
                with conn.cursor().copy(f"COPY {p}_postings FROM STDIN") as copy:
                    for tid in range(len(indptr) - 1):
                        for k in range(int(indptr[tid]), int(indptr[tid + 1])):
                            row = int(indices[k])
                            copy.write_row((tid, row, float(data[k]), chunk_days[row], chunk_first[row]))
            with conn.cursor().copy(f"COPY {p}_terms FROM STDIN") as copy:
                for term in sorted(set(index.term_df) | set(vocab)):
                    copy.write_row((term, vocab.get(term), int(index.term_df.get(term, 0))))
            conn.execute(f"CREATE INDEX ON {p}_postings (tid, score DESC) INCLUDE (row, pub_day, is_first)")
            conn.execute(f"CREATE INDEX ON {p}_chunks (pub_day)")
            conn.execute(f"CREATE INDEX ON {p}_documents (copy_of, copy_rank)")
            conn.execute(f"CREATE INDEX ON {p}_documents (id)")
            conn.execute(f"CREATE INDEX ON {p}_chunks USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 128)")
            if previous is not None:
                conn.execute("INSERT INTO rag_meta VALUES ('previous', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                             (json.dumps(previous),))
            conn.execute("INSERT INTO rag_meta VALUES ('current', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                         (json.dumps(manifest),))
            # Still under the lock: nobody publishes between choosing what to keep and dropping the rest.
            _drop_stale(conn, keep={_prefix(generation), *([_prefix(str(previous["generation"]))] if previous else [])})
    finally:
        conn.close()


def _vector_text(vector: np.ndarray) -> str:
    return "[" + ",".join(repr(float(v)) for v in vector) + "]"


def _drop_stale(conn: Any, keep: set[str]) -> None:
    """Drop the tables of generations other than ``keep`` (only tables named as this store names them)."""
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'rag\\_g%%'").fetchall()]
    for table in tables:
        if _TABLE.fullmatch(table) and not any(table.startswith(prefix + "_") for prefix in keep):
            conn.execute(f'DROP TABLE IF EXISTS "{table}"')


def size_bytes(url: str) -> int:
    """Bytes the live generation's tables and indexes take in the database."""
    conn = connect(url)
    try:
        manifest = _manifest(conn)
        if manifest is None:
            return 0
        p = _prefix(str(manifest["generation"]))
        row = conn.execute("SELECT COALESCE(SUM(pg_total_relation_size(quote_ident(tablename))), 0) FROM pg_tables "
                           "WHERE schemaname = current_schema() AND tablename LIKE %s", (p.replace("_", "\\_") + "\\_%",)).fetchone()
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
                                     f"({_first_line(_secret_free(str(error), self.url))}): check the server") from None
            except psycopg.errors.UndefinedTable:
                raise StoreError(f"the index generation this process opened in {shown_url(self.url)} was replaced by newer "
                                 "builds and removed: reopen the index (restart rag ui)") from None
            except psycopg.Error as error:
                raise StoreError(f"PostgreSQL at {_where(self.url)} failed a query "
                                 f"({_first_line(_secret_free(str(error), self.url))})") from None
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
    ``k`` and the date bounds, whatever the archive's size. The predicate
    on a chunk (or posting) row ``x``: its ``pub_day`` in the range (or
    unknown, when undated articles count), and, for the copy-group rule,
    ``x.is_first`` (the first member in canonical order), or else no earlier
    member of its group in the range (a ``NOT EXISTS``, reached only for the
    rare later members).

    Dense search is ``ORDER BY embedding <#> q LIMIT k`` on the HNSW index
    with the predicate in ``WHERE`` (``hnsw.iterative_scan`` keeps scanning
    until ``k`` rows pass), or an exact scan of the rows the date range
    allows when they are few (at most ``EXACT_BELOW``, counted on the
    ``pub_day`` index first). BM25 sums each query term's best
    ``POSTINGS_PER_TERM`` allowed postings (bm25s' own per-term scores).

    Example:
        >>> search = PgSearch(_Connections("postgresql://rag@127.0.0.1:54329/rag"), "rag_g1_abcdef")  # doctest: +SKIP
        >>> search.lexical_search(["troop"], 5, ChunkFilter())[0]  # doctest: +SKIP
        Hit(row=4, score=2.31)
    """

    EXACT_BELOW = 10_000  # chunks the date range allows: at or below, an exact scan beats walking the graph

    def __init__(self, connections: _Connections, prefix: str, records: PgRecords | None = None):
        self._connections, self._p, self._records = connections, prefix, records

    def _fetched(self, hits: list[Hit]) -> list[Hit]:
        """The hits, their chunk rows and documents fetched in a batch first (fusion reads every candidate's text)."""
        if self._records is not None:
            self._records.prefetch_chunks([hit.row for hit in hits])
        return hits

    def _predicate(self, alias: str, where: ChunkFilter, *, copies: bool = True) -> str:
        """SQL that is true for the rows of ``alias`` (chunks or postings) the filter allows; binds ``lo`` and ``hi``."""
        conditions = []
        in_range = "{x}.pub_day BETWEEN %(lo)s AND %(hi)s" + (" OR {x}.pub_day < 0" if where.include_undated else "")
        if where.bounded:
            conditions.append("(" + in_range.format(x=alias) + ")")
        if copies and where.one_per_copy_group:
            if not where.bounded:
                conditions.append(f"{alias}.is_first")
            else:  # a later member counts when no earlier member of its group is in range
                conditions.append(
                    f"({alias}.is_first OR NOT EXISTS (SELECT 1 FROM {self._p}_chunks c2 JOIN {self._p}_documents d "
                    f"ON d.pos = c2.doc JOIN {self._p}_documents e ON e.copy_of = d.copy_of AND e.copy_rank < d.copy_rank "
                    f"WHERE c2.row = {alias}.row AND (" + in_range.format(x="e") + ")))")
        return " AND ".join(conditions) or "TRUE"

    @staticmethod
    def _bounds(where: ChunkFilter) -> dict[str, int]:
        return {"lo": where.since if where.since is not None else 0,
                "hi": where.until if where.until is not None else 2**31 - 1}

    def dense_search(self, vector: np.ndarray, k: int, where: ChunkFilter) -> list[Hit]:
        """The ``k`` allowed chunks nearest ``vector``, best first (ties by row)."""
        if k <= 0:
            return []
        params: dict[str, Any] = {**self._bounds(where), "v": np.asarray(vector, dtype=np.float32).reshape(-1), "k": int(k)}
        chunks, allowed = f"{self._p}_chunks", self._predicate("c", where)
        exact = f"SELECT c.row, -(c.embedding <#> %(v)s) FROM {chunks} c WHERE {allowed} ORDER BY (c.embedding <#> %(v)s) + 0 LIMIT %(k)s"
        if where.bounded:
            in_range = self._connections.fetch(
                f"SELECT count(*) FROM (SELECT 1 FROM {chunks} c WHERE {self._predicate('c', where, copies=False)} "
                f"LIMIT {self.EXACT_BELOW + 1}) n", params)[0][0]
            if in_range <= self.EXACT_BELOW:  # few rows: scan them all, exactly, through the pub_day index
                return self._fetched(_hits(self._connections.fetch(exact, params)))
        rows = self._connections.fetch(
            f"SELECT c.row, -(c.embedding <#> %(v)s) FROM {chunks} c WHERE {allowed} ORDER BY c.embedding <#> %(v)s LIMIT %(k)s",
            params)
        if len(rows) < k:  # the graph walk gave up before k rows passed: exact over the allowed rows
            rows = self._connections.fetch(exact, params)
        return self._fetched(_hits(rows))

    def lexical_search(self, terms: Sequence[str], k: int, where: ChunkFilter) -> list[Hit]:
        """BM25 over ``terms`` (repeats counted, unknown terms ignored): the allowed chunks' sums, best first (ties by row)."""
        if not terms or k <= 0:
            return []
        # Each term contributes its best POSTINGS_PER_TERM allowed chunks (an index scan on (tid, score DESC)): a
        # chunk outside every one of its terms' heads cannot reach a top k that the heads fill.
        sql = (f"SELECT p.row, SUM(p.score) AS s FROM unnest(%(terms)s::text[]) AS q(term) "
               f"JOIN {self._p}_terms t ON t.term = q.term CROSS JOIN LATERAL "
               f"(SELECT p.row, p.score FROM {self._p}_postings p WHERE p.tid = t.tid AND {self._predicate('p', where)} "
               f"ORDER BY p.score DESC LIMIT {POSTINGS_PER_TERM}) p GROUP BY p.row ORDER BY s DESC, p.row LIMIT %(k)s")
        rows = self._connections.fetch(sql, {**self._bounds(where), "terms": list(terms), "k": int(k)})
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
    """Records of one generation fetched by position or id, batched by the caller's lists and cached (LRU).

    What :class:`PgIndexData`'s lazy tables read through. Fetching a document
    also fetches its sentence rows (in the same query): whoever reads a
    document's text reads its sentences next. Caches are bounded in
    entries, so the client's memory does not grow with the archive.

    Example:
        >>> records = PgRecords(_Connections("postgresql://rag@127.0.0.1:54329/rag"), "rag_g1_abcdef", 3, 6, 20)  # doctest: +SKIP
        >>> records.records([0, 2])[2].document.title  # doctest: +SKIP
        'Troops leave Kabul'
    """

    PAGE = 1_000  # documents per query when a caller lists them all

    def __init__(self, connections: _Connections, prefix: str, n_documents: int, n_chunks: int, n_sentences: int,
                 *, cache_documents: int = 2_000, cache_rows: int = 200_000, cache_terms: int = 50_000):
        self.connections, self.prefix = connections, prefix
        self.n_documents, self.n_chunks, self.n_sentences = n_documents, n_chunks, n_sentences
        self._documents = _Lru(cache_documents)
        self._ids = _Lru(cache_rows)
        self._rows = {"chunks": _Lru(cache_rows), "sentences": _Lru(cache_rows)}
        self._terms = _Lru(cache_terms)
        self._days: np.ndarray | None = None
        self._lock = threading.Lock()

    def records(self, positions: Sequence[int]) -> dict[int, _Record]:
        """The records at ``positions`` (one query for those not cached, their sentence rows included)."""
        wanted = list(dict.fromkeys(int(p) for p in positions))
        found: dict[int, _Record] = self._documents.take(wanted)
        missing = [p for p in wanted if p not in found]
        if missing:
            p = self.prefix
            # A document's sentence spans come with it, as one array (a range scan on the primary key).
            rows = self.connections.fetch(
                f"SELECT pos, data, s_first, s_end, c_first, (SELECT array_agg(ARRAY[s.start_, s.end_] ORDER BY s.row) "
                f"FROM {p}_sentences s WHERE s.row >= d.s_first AND s.row < d.s_end) FROM {p}_documents d "
                f"WHERE pos = ANY(%s)", (missing,))
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
        if not 0 <= position < self.n_documents:
            raise IndexError(f"document position {position} out of range")
        return self.records([position])[position]

    def position(self, doc_id: str) -> int | None:
        """The position of the document with id ``doc_id`` (the last one, as a dict built in order keeps)."""
        found = self._ids.take([doc_id])
        if doc_id in found:
            return int(found[doc_id])
        rows = self.connections.fetch(f"SELECT pos FROM {self.prefix}_documents WHERE id = %s ORDER BY pos DESC LIMIT 1",
                                      (doc_id,))
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
                       self.connections.fetch(f"SELECT row, {columns} FROM {self.prefix}_{table} WHERE row = ANY(%s)", (missing,))}
            cache.put(fetched)
            found.update(fetched)
        return found

    def prefetch_chunks(self, rows: Sequence[int]) -> None:
        """Fetch the chunk rows a search returned and their documents in a few batched queries (fusion reads them all)."""
        if rows:
            chunks = self.rows("chunks", _CHUNK_COLUMNS, rows)
            self.records(sorted({values[0] for values in chunks.values()}))

    def df(self, term: str) -> int | None:
        """A term's chunk document frequency (``None``: not in the index); cached, unknown terms too."""
        found = self._terms.take([term])
        if term not in found:
            rows = self.connections.fetch(f"SELECT df FROM {self.prefix}_terms WHERE term = %s AND df > 0", (term,))
            found[term] = int(rows[0][0]) if rows else None
            self._terms.put({term: found[term]})
        return found[term]

    def published_days(self) -> np.ndarray:
        """Per document, its publication day (one aggregated row, read the first time a date filter needs it)."""
        with self._lock:
            if self._days is None:
                rows = self.connections.fetch(f"SELECT array_agg(pub_day ORDER BY pos) FROM {self.prefix}_documents")
                self._days = np.asarray(rows[0][0] or [], dtype=np.int64)
            return self._days

    def pages(self, query: str) -> Iterator[Any]:
        """The rows of ``query`` (with ``%(lo)s``/``%(hi)s`` bounds on ``pos``), a page of documents at a time."""
        for lo in range(0, self.n_documents, self.PAGE):
            yield from self.connections.fetch(query, {"lo": lo, "hi": lo + self.PAGE})


_CHUNK_COLUMNS = "doc, start_, end_, s0, s1, n_tokens"
_SENTENCE_COLUMNS = "doc, start_, end_"


class PgDocuments(Sequence[SourceDocument]):
    """The documents of a database index as a read-only sequence: each fetched by position when read, then cached.

    Listing them all (``list(documents)``) reads them a page at a time without caching them.

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
        n = len(self)
        if isinstance(i, slice):
            positions = range(*i.indices(n))
            found = self._records.records(positions)
            return [found[pos].document for pos in positions]
        pos = operator.index(i)
        return self._records.record(pos + n if pos < 0 else pos).document

    def __iter__(self) -> Iterator[SourceDocument]:
        for (data,) in self._records.pages(f"SELECT data FROM {self._records.prefix}_documents "
                                           f"WHERE pos >= %(lo)s AND pos < %(hi)s ORDER BY pos"):
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
        for (doc_id,) in self._records.pages(f"SELECT id FROM {self._records.prefix}_documents "
                                             f"WHERE pos >= %(lo)s AND pos < %(hi)s ORDER BY pos"):
            yield doc_id


class PgTerms(Mapping[str, int]):
    """Chunk document frequency per term, looked up one term at a time when a question uses it (cached).

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

    def __len__(self) -> int:
        if self._n is None:
            self._n = int(self._connections.fetch(f"SELECT count(*) FROM {self._records.prefix}_terms WHERE df > 0")[0][0])
        return self._n

    def __iter__(self) -> Iterator[str]:
        for (term,) in self._connections.fetch(f"SELECT term FROM {self._records.prefix}_terms WHERE df > 0 ORDER BY term"):
            yield term


class PgRows:
    """A row table (chunk or sentence spans) in the database, indexed like the local store's ``(n, k)`` int32 array.

    ``rows[r]``, ``rows[r, c]``, ``rows[r, :3]``, ``rows[lo:hi, c]`` and
    ``rows[[r1, r2]]`` fetch just those rows (cached); ``np.asarray(rows)``
    reads the whole table (only copying an index down to a workspace does).

    Example:
        >>> sentences = PgRows(records, "sentences", _SENTENCE_COLUMNS)  # doctest: +SKIP
        >>> sentences[41, 1], sentences.shape  # doctest: +SKIP
        (np.int32(230), (20000, 3))
    """

    ndim = 2

    def __init__(self, records: PgRecords, table: str, columns: str):
        self._records, self._table, self._columns = records, table, columns
        self._n = records.n_chunks if table == "chunks" else records.n_sentences
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
        rows = self._records.connections.fetch(f"SELECT {self._columns} FROM {self._records.prefix}_{self._table} ORDER BY row")
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

    def fingerprints(self) -> dict[str, str]:
        # Two short columns per document, never the articles' text.
        p = self._pg().prefix
        return {str(i): str(h) for i, h in self._pg().connections.fetch(f"SELECT id, data->>'sha256' FROM {p}_documents")}

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
    """The live generation of the database at ``url``, read lazily (:class:`PgIndexData`).

    Reads the manifest and the copy groups with more than one member; the
    rest is fetched by the rows questions read.

    Raises:
        StoreError: The database can't be reached or used.
        IndexNotFoundError: It holds no index yet.
        IndexCorruptError: It was published by an older version (republish it) or is damaged.
    """
    import psycopg

    connections = _Connections(url)
    conn = connections.get()
    try:
        manifest = _manifest(conn)
    except psycopg.Error as error:
        raise StoreError(f"cannot read the index in {shown_url(url)} ({_first_line(_secret_free(str(error), url))}): "
                         "check the user's rights on the database") from None
    if manifest is None:
        raise IndexNotFoundError(f"no index in {shown_url(url)}: build one with `rag index PATH --index {shown_url(url)}`")
    p = _prefix(str(manifest["generation"]))
    try:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND "
            "((table_name = %s AND column_name IN ('pub_day', 'is_first')) OR "
            "(table_name = %s AND column_name IN ('id', 's_first', 's_end', 'c_first')))",
            (f"{p}_postings", f"{p}_documents")).fetchone()[0]
        if found < 6:
            raise IndexCorruptError(f"the index in {shown_url(url)} was published by an older version (no filter or record "
                                    f"columns): republish it with `rag index PATH --index {shown_url(url)} --rebuild`")
        counts = [manifest.get(key) for key in ("n_documents", "n_chunks", "n_sentences")]
        if not all(isinstance(c, int) for c in counts):  # a manifest without counts: ask the tables
            counts = [int(conn.execute(f"SELECT count(*) FROM {p}_{table}").fetchone()[0])
                      for table in ("documents", "chunks", "sentences")]
        # Copy groups with more than one member, each in canonical order (the copy_rank publish wrote).
        groups = {int(c): [int(m) for m in members] for c, members in conn.execute(
            f"SELECT copy_of, array_agg(pos ORDER BY copy_rank) FROM {p}_documents GROUP BY copy_of HAVING count(*) > 1")}
    except psycopg.OperationalError as error:
        raise StoreError(f"lost the connection to PostgreSQL at {_where(url)} "
                         f"({_first_line(_secret_free(str(error), url))}): check the server") from None
    except (psycopg.Error, TypeError, ValueError) as error:
        raise IndexCorruptError(f"the index in {shown_url(url)} is damaged ({_first_line(_secret_free(str(error), url))}): "
                                f"rebuild it with `rag index PATH --index {shown_url(url)} --rebuild`") from None
    n_documents, n_chunks, n_sentences = (int(c) for c in counts)
    copy_of = np.arange(n_documents, dtype=np.int32)  # 4 bytes a document: canonical() and citations read it
    for canonical, members in groups.items():
        copy_of[members] = canonical
    records = PgRecords(connections, p, n_documents, n_chunks, n_sentences)
    dim = int(manifest["dimension"])
    return PgIndexData(
        Path(shown_url(url)),
        manifest,
        PgDocuments(records),
        PgRows(records, "chunks", _CHUNK_COLUMNS),  # indexed like the local store's arrays
        PgRows(records, "sentences", _SENTENCE_COLUMNS),
        PgVectors(connections, f"{p}_chunks", n_chunks, dim),
        PgVectors(connections, f"{p}_sentences", n_sentences, dim),
        None,
        None,
        PgTerms(connections, records),
        copy_of=copy_of,
        search=PgSearch(connections, p, records),
        records=records,
        groups=groups,
    )


def current_generation(url: str) -> str | None:
    """The live generation's name in the database, or ``None`` when it holds no index."""
    conn = connect(url)
    try:
        manifest = _manifest(conn)
        return str(manifest["generation"]) if manifest else None
    finally:
        conn.close()


def workspace(url: str, root: Path) -> Path:
    """The local folder where builds for ``url`` are made before they are published (keyed by the URL, password left out)."""
    import hashlib

    key = hashlib.sha256(shown_url(url).encode("utf-8")).hexdigest()[:16]
    return root / f"pg-{key}"
