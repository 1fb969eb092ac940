"""The store contract, the same tests over every store: a local folder and PostgreSQL + pgvector (started for real)."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import threading
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
import pytest

from rag import (
    Assistant,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
    MiniLMEmbeddings,
    SourceDocument,
    StoreError,
    TokenChunker,
    build_index,
    bundled_articles_dir,
)
from rag._building import IndexStore
from rag._dates import DateRange
from rag._evaluation import evaluate
from rag._goldsets import load_eval_set
from rag._index import IndexData
from rag._loading import LoadResult
from rag._query import Query
from rag._search import ChunkFilter, Hit, day_number
from rag._text import bm25_terms
from rag.cli import main
from rag.stores import open_index
from rag.stores._local import (
    _by_score,
    _check_rows,
    check_compatible,
    check_index_path,
    index_size_bytes,
    kept_rows,
    load_index,
    read_manifest,
    write_error,
)
from tests.conftest import ROOT, free_port
from tests.test_index import HashingEmbeddings, hashing_build

GOLD = ROOT / "rag" / "data" / "gold.jsonl"


def _fresh_db(pg_url: str) -> str:
    """A new, empty database on the test server: each test gets its own."""
    name = "t_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["local", "pg"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "index")
    return _fresh_db(request.getfixturevalue("pg_url"))


@pytest.fixture(autouse=True)
def _private_workspaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))


def _fingerprint(location: str) -> list[tuple[str, str]]:
    return [(d.id, d.sha256) for d in open_index(location).documents]


def test_fingerprints_after_upsert_and_delete(location: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = Assistant(location, embeddings=embedder)
    assistant.index([articles_copy])
    first = _fingerprint(location)
    assert [i for i, _ in first] == ["russia-china-drill-report", "zapad-interaction-2021-begins"]
    (articles_copy / "harbour.txt").write_text("Harbour reopens\nThe harbour reopened on Tuesday after the storm.")
    assistant.index([articles_copy])
    assert [i for i, _ in _fingerprint(location)] == [i for i, _ in first] + ["harbour"]
    (articles_copy / "harbour.txt").unlink()
    assistant.index([articles_copy])
    assert _fingerprint(location) == first


def test_a_reader_opened_before_a_commit_sees_the_old_view(location: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    Assistant(location, embeddings=embedder).index([articles_copy])
    before = Assistant.load(location, embeddings=embedder)
    taken = before.pipeline()  # what a question in flight holds
    (articles_copy / "harbour.txt").write_text("Harbour reopens\nThe harbour reopened on Tuesday after forty ships waited.")
    Assistant(location, embeddings=embedder).index([articles_copy])
    assert len(taken.index.documents) == 2 and not taken.answer(Query.of("How many troops?")).refused  # still its generation
    after = Assistant.load(location, embeddings=embedder)
    assert len(after.documents()) == 3 and "forty ships" in after.ask("How many ships waited?").text


def test_a_running_assistant_answers_from_what_another_process_published(
    location: str, articles_copy: Path, embedder: MiniLMEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A UI or server (one assistant) sees what `rag index` (another) published, at its next question."""
    writer = Assistant(location, embeddings=embedder)
    writer.index([articles_copy])
    server = Assistant.load(location, embeddings=embedder)
    question = "How many ships waited before the harbour reopened?"
    assert server.ask(question).refused
    (articles_copy / "harbour.txt").write_text("Harbour reopens\nThe harbour reopened on Tuesday after forty ships waited.")
    writer.index([articles_copy])
    monkeypatch.setattr(Assistant, "GENERATION_CHECK_S", 0.0)  # the check's throttle (1 s) is not what is tested
    assert "forty ships" in server.ask(question).text and len(server.documents()) == 3
    calls = []
    monkeypatch.setattr(IndexStore, "open", lambda *_args, **_options: calls.append(1))
    server.ask(question)  # nothing new published: nothing is loaded again
    assert calls == []


def test_a_model_mismatch_is_an_error(location: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    Assistant(location, embeddings=embedder).index([articles_copy])
    with pytest.raises(IndexMismatchError, match="built with embedding model"):
        open_index(location, model_name="some-other-model")


def test_the_same_answers_and_citations_as_the_local_store_on_the_gold_set(
    pg_url: str, tmp_path: Path, embedder: MiniLMEmbeddings
) -> None:
    results = {}
    answers = {}
    for name, location in (("local", str(tmp_path / "index")), ("pg", _fresh_db(pg_url))):
        assistant = Assistant(location, embeddings=embedder)
        assistant.index([bundled_articles_dir()])
        assistant = Assistant.load(location, embeddings=embedder)
        results[name] = evaluate(assistant, load_eval_set(GOLD), modes=["hybrid"], ks=[1, 3, 5], top_k=5)["hybrid"]
        answers[name] = [(e.answer, e.ranked_docs) for e in results[name].examples]
    assert answers["pg"] == answers["local"]
    assert results["pg"].metrics == results["local"].metrics or _same_but_latency(results["pg"].metrics, results["local"].metrics)


def _same_but_latency(a: dict, b: dict) -> bool:
    strip = lambda m: {k: v for k, v in m.items() if "latency" not in k}  # noqa: E731
    return strip(a) == strip(b)


def test_rag_index_and_ask_with_a_url(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = _fresh_db(pg_url)
    assert main(["index", str(bundled_articles_dir()), "--index", url]) == 0
    assert "2 added" in capsys.readouterr().out
    assert main(["ask", "How many troops?", "--index", url]) == 0
    assert "10,000" in capsys.readouterr().out
    assert main(["info", "--index", url]) == 0
    assert url in capsys.readouterr().out


def test_a_new_workspace_starts_from_what_the_database_holds(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    url = _fresh_db(pg_url)
    Assistant(url, embeddings=embedder).index([articles_copy])
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "other-machine"))  # no workspace: another machine
    other = tmp_path / "more"
    other.mkdir()
    (other / "harbour.txt").write_text("Harbour reopens\nThe harbour reopened on Tuesday.")
    report = Assistant(url, embeddings=embedder).index([other])
    assert report.added == ["harbour"] and report.embedded_chunks == 1  # nothing lost, nothing re-embedded
    assert len(open_index(url).documents) == 3


def _error(location: str) -> str:
    with pytest.raises(StoreError) as caught:
        open_index(location)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_server_that_is_down_is_one_line() -> None:
    message = _error(f"postgresql://rag:s3cret@127.0.0.1:{free_port()}/rag")
    assert "cannot reach PostgreSQL at 127.0.0.1" in message and "scripts/pg.sh start" in message
    assert "s3cret" not in message


def test_a_bad_url_is_one_line() -> None:
    assert "is not a valid PostgreSQL URL" in _error("postgresql://rag@127.0.0.1:notaport/rag")
    assert "is not a valid PostgreSQL URL" in _error("postgresql://rag@127.0.0.1:5432")


def test_unknown_user_and_database_are_one_line(pg_url: str) -> None:
    host = pg_url.split("@", 1)[1].split("/", 1)[0]
    assert "has no user 'nobody_here'" in _error(f"postgresql://nobody_here:pw@{host}/rag")
    assert "has no database 'missing_db'" in _error(f"postgresql://rag@{host}/missing_db")


def test_a_database_without_pgvector_is_one_line(pg_url: str) -> None:
    name = "plain_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    host = pg_url.split("@", 1)[1].split("/", 1)[0]
    message = _error(f"postgresql://{name}@{host}/{name}")
    assert "has no 'vector' extension" in message and "CREATE EXTENSION vector" in message


def test_cli_errors_for_a_url_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "How many troops?", "--index", f"postgresql://rag:s3cret@127.0.0.1:{free_port()}/rag"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot reach PostgreSQL" in err and "s3cret" not in err


def test_the_server_listens_on_loopback_only(pg_url: str) -> None:
    port = pg_url.rsplit(":", 1)[1].split("/", 1)[0]
    listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    assert listening.strip() and all("127.0.0.1:" in line for line in listening.strip().splitlines())


def test_both_stores_fill_the_same_protocols(location: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    from rag._search import ChunkSearch
    from rag.stores._protocol import VectorTable

    Assistant(location, embeddings=embedder).index([articles_copy])
    index = open_index(location)
    assert isinstance(index.chunk_vectors, VectorTable) and isinstance(index.sentence_vectors, VectorTable)
    assert isinstance(index.search, ChunkSearch)
    rows = [3, 0, 2]
    assert index.sentence_vectors_of(rows).shape == (3, 384)
    local_like = index.sentence_vectors_of(rows)
    assert abs(float(local_like[0] @ local_like[0]) - 1.0) < 1e-3


def test_a_store_writer_upserts_deletes_and_commits(location: str, embedder: MiniLMEmbeddings) -> None:
    from rag import TokenChunker, load_paths
    from rag._building import open_store
    from rag.stores._protocol import Store, Writer

    store = open_store(location, embeddings=embedder, chunker=TokenChunker())
    assert isinstance(store, Store) and store.fingerprints() == {}
    docs = load_paths([bundled_articles_dir()]).documents
    writer = store.writer()
    assert isinstance(writer, Writer)
    writer.upsert(docs)
    report = writer.commit()
    assert sorted(report.added) == sorted(d.id for d in docs)
    assert store.fingerprints() == {d.id: d.sha256 for d in docs}
    before = store.snapshot()
    writer.delete([docs[0].id])
    assert writer.commit().removed == [docs[0].id]
    assert store.fingerprints() == {docs[1].id: docs[1].sha256}
    assert len(before.documents) == 2  # a snapshot taken before the commit keeps its view
    writer.upsert([docs[1]])  # the same text again: nothing to embed
    assert writer.commit().embedded_chunks == 0
    store.close()


# ---------------------------------------------------------------- found in review


def test_machines_building_one_database_keep_each_others_documents(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, articles_copy: Path, embedder: MiniLMEmbeddings
) -> None:
    url = _fresh_db(pg_url)
    a, b = tmp_path / "machine-a", tmp_path / "machine-b"
    for name in ("bridge", "harbour"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(f"{name.title()} news\nThe {name} reopened on Tuesday.")
    monkeypatch.setenv("RAG_CACHE_DIR", str(a))
    Assistant(url, embeddings=embedder).index([articles_copy])
    monkeypatch.setenv("RAG_CACHE_DIR", str(b))
    Assistant(url, embeddings=embedder).index([tmp_path / "bridge"])
    monkeypatch.setenv("RAG_CACHE_DIR", str(a))  # machine A's workspace is now behind the database
    Assistant(url, embeddings=embedder).index([tmp_path / "harbour"])
    assert {i for i, _ in _fingerprint(url)} == {"russia-china-drill-report", "zapad-interaction-2021-begins", "bridge", "harbour"}


def test_two_writers_at_once_on_two_machines_lose_nothing(pg_url: str, tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    # Two machines (two workspaces) commit at the same moment: the writer lock makes the second wait
    # and start from what the first published, so each one's documents survive the other's publish.
    from rag import TokenChunker
    from rag._building import open_store

    url = _fresh_db(pg_url)
    texts = {name: f"The {name} reopened on Tuesday after {n} weeks of repairs."
             for n, name in enumerate(("bridge", "harbour", "tunnel", "station"), start=1)}
    docs = {name: SourceDocument(name, f"{name.title()} news", f"{name}.txt", text, hashlib.sha256(text.encode()).hexdigest())
            for name, text in texts.items()}
    stores = [open_store(url, embeddings=embedder, chunker=TokenChunker(), workspace_root=tmp_path / f"machine-{m}")
              for m in "ab"]
    first = stores[0].writer()  # a first generation both machines start from
    first.upsert([docs["bridge"]])
    first.commit()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def commit(store: object, names: tuple[str, ...]) -> None:
        writer = store.writer()  # type: ignore[attr-defined]
        writer.upsert([docs[n] for n in names])
        start.wait()
        try:
            writer.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=commit, args=(store, names))
               for store, names in zip(stores, (("harbour",), ("tunnel", "station")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert {i for i, _ in _fingerprint(url)} == set(docs)


def test_a_reader_two_publishes_behind_gets_one_line(pg_url: str, articles_copy: Path, embedder: MiniLMEmbeddings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = _fresh_db(pg_url)
    Assistant(url, embeddings=embedder).index([articles_copy])
    # A reader that has not looked for newer generations yet (they are looked for at most once a
    # second): whether the publishes below took more than that is not what is tested.
    monkeypatch.setattr(Assistant, "GENERATION_CHECK_S", math.inf)
    old = Assistant.load(url, embeddings=embedder)
    for i in range(2):
        (articles_copy / f"note{i}.txt").write_text(f"Note {i}\nThe council met for the {i}th time.")
        Assistant(url, embeddings=embedder).index([articles_copy])
    with pytest.raises(StoreError, match="was replaced by newer builds") as caught:
        old.ask("How many troops?")
    assert "\n" not in str(caught.value)


def test_publishing_leaves_other_tables_alone(pg_url: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    url = _fresh_db(pg_url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE rag_glossary (term text)")
    for i in range(3):
        (articles_copy / f"n{i}.txt").write_text(f"Note {i}\nThe council met again on day {i}.")
        Assistant(url, embeddings=embedder).index([articles_copy])
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('rag_glossary')").fetchone()[0] is not None


def test_a_read_only_user_can_open_the_index(pg_url: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    url = _fresh_db(pg_url)
    Assistant(url, embeddings=embedder).index([articles_copy])
    role = "reader_" + uuid.uuid4().hex[:6]
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT CONNECT ON DATABASE {database} TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    host = url.split("@", 1)[1].split("/", 1)[0]
    answer = Assistant.load(f"postgresql://{role}@{host}/{database}", embeddings=embedder).ask("How many troops?")
    assert "10,000" in answer.text or "ten thousand" in answer.text


def test_the_vector_cache_never_loses_rows_it_is_asked_for(pg_url: str, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    url = _fresh_db(pg_url)
    Assistant(url, embeddings=embedder).index([articles_copy])
    small = open_index(url).sentence_vectors.with_cache(10)
    first = small[list(range(8))]
    again = small[[0, 1, 8, 9, 10]]
    assert np.array_equal(again[:2], first[:2]) and again.shape == (5, 384)


@pytest.mark.parametrize("url", ["postgresql://rag@127.0.0.1:abc/rag", "postgresql://rag@[::1/rag",
                                 "postgresql://rag@127.0.0.1:5432/rag?password=hunter2"])
def test_shown_urls_never_raise_or_show_a_password(url: str) -> None:
    from rag.stores import shown_url

    shown = shown_url(url)
    assert "hunter2" not in shown


def _dated_article(i: int, topic: str, published: str | None) -> SourceDocument:
    text = " ".join(f"Report {k} on the {topic} says {k * 7 + i} crews worked near the {topic} site on day {k}."
                    for k in range(3))
    return SourceDocument(id=f"a{i}", title=f"The {topic}", source=f"wire/a{i}", text=text,
                          sha256=hashlib.sha256(text.encode()).hexdigest(), published=published)


TOPICS = ["harbour", "railway", "election", "flood", "bridge", "museum", "vaccine", "airport", "strike", "wildfire",
          "tunnel", "dam", "festival", "court", "mine", "port", "school", "market", "storm", "library"]


def _dated_corpus_in_both_stores(pg_url: str, tmp_path: Path, embedder: MiniLMEmbeddings) -> tuple[IndexData, IndexData]:
    """The dated TOPICS articles (one undated) and two syndicated copies, indexed locally and in a fresh database."""
    from rag._loading import LoadResult

    docs = [_dated_article(i, topic, None if i == 7 else f"{2019 + i % 5}-{1 + i % 12:02d}-15") for i, topic in enumerate(TOPICS)]
    # Syndicated copies: one dated before its canonical member, one inside 2021 while the canonical is not.
    docs.append(replace(docs[2], id="a2-copy", source="wire/a2-copy", published="2021-03-01"))
    docs.append(replace(docs[5], id="a5-copy", source="wire/a5-copy", published="2018-12-01"))
    indexes = []
    for location in (str(tmp_path / "index"), _fresh_db(pg_url)):
        Assistant(location, embeddings=embedder).index_loaded(LoadResult(documents=docs))
        indexes.append(open_index(location))
    return indexes[0], indexes[1]


def test_search_filters_reach_the_database_as_predicates_never_as_row_lists(
    pg_url: str, tmp_path: Path, embedder: MiniLMEmbeddings
) -> None:
    """Both stores give the same hits under every filter, and no SQL parameter grows with the archive (issue #25)."""
    from rag._retrieval import HybridSearcher, chunk_filter
    from rag._search import ChunkFilter
    from rag._text import bm25_terms

    local, pg = _dated_corpus_in_both_stores(pg_url, tmp_path, embedder)
    assert pg.n_copies == 2 and pg.n_chunks == len(TOPICS) + 2  # one chunk per article, the two copies included

    sent: list[object] = []
    connections = pg.search._connections
    real_fetch = connections.fetch

    def recording(sql: str, params: object = None) -> list:
        sent.extend((params or {}).values() if isinstance(params, dict) else (params or ()))
        return real_fetch(sql, params)

    connections.fetch = recording  # this one object: every statement of these searches passes through it
    k = 5
    filters = [ChunkFilter(), ChunkFilter(one_per_copy_group=False),
               chunk_filter(DateRange(since=date(2021, 1, 1), until=date(2021, 12, 31))),
               chunk_filter(DateRange(since=date(2021, 1, 1), until=date(2021, 12, 31), include_undated=True)),
               chunk_filter(DateRange(until=date(2019, 6, 30))), chunk_filter(DateRange(since=date(2030, 1, 1)))]
    for question in ("How many crews worked near the harbour?", "election site crews", "flood report day 2"):
        vector = np.asarray(embedder.embed_query(question), dtype=np.float32)
        terms = bm25_terms(question)
        for where in filters:
            for search in ("dense_search", "lexical_search"):
                query = vector if search == "dense_search" else terms
                want, got = getattr(local.search, search)(query, k, where), getattr(pg.search, search)(query, k, where)
                assert [h.row for h in got] == [h.row for h in want], (search, where, question)
                assert np.allclose([h.score for h in got], [h.score for h in want], rtol=1e-4, atol=1e-5)
            lists = [len(p) for p in sent if isinstance(p, (list, tuple))]
            assert max(lists, default=0) <= max(k, len(terms)), (where, lists)
            sent.clear()
    # A whole search (fusion, rerank, similarities) reads vectors only of the passages it keeps.
    searcher = HybridSearcher(pg, embedder, candidates=k, rerank_depth=3)
    for dates in (None, DateRange(since=date(2021, 1, 1), until=date(2021, 12, 31))):
        assert searcher.search("How many crews worked near the harbour?", top_k=2, dates=dates)
        lists = [len(p) for p in sent if isinstance(p, (list, tuple))]
        assert 0 < max(lists) <= 3 * 3 < pg.n_chunks  # 3 reranked passages of 3 sentences
        sent.clear()


def test_the_database_read_model_is_lazy_and_reads_as_the_local_one(
    pg_url: str, tmp_path: Path, embedder: MiniLMEmbeddings
) -> None:
    """Opening a database index reads no document or row; what is read on demand equals the local arrays (issue #25)."""
    local, pg = _dated_corpus_in_both_stores(pg_url, tmp_path, embedder)
    assert not isinstance(pg.documents, list) and len(pg.documents) == len(local.documents)
    assert len(pg.records._documents) == 0 and pg.records._days is None  # nothing per document read at open

    assert pg.copy_groups() == local.copy_groups() and pg.copy_of.tolist() == local.copy_of.tolist()
    for i, doc in enumerate(local.documents):
        assert pg.documents[i] == doc and pg.doc_index[doc.id] == i and pg.sentence_range(i) == local.sentence_range(i)
        assert pg.copies(i) == local.copies(i)
    assert pg.documents[-1] == local.documents[-1] and pg.documents[1:4] == local.documents[1:4]
    assert pg.doc_index.get("no-such-id") is None and "a2-copy" in pg.doc_index
    assert list(pg.documents) == list(local.documents) and list(pg.doc_index) == list(local.doc_index)
    assert pg.published_days().tolist() == local.published_days().tolist()
    for row in range(local.n_chunks):
        assert pg.chunk(row) == local.chunk(row) and pg.chunk_text(row) == local.chunk_text(row)
        assert pg.chunk_rows[row, :3].tolist() == local.chunk_rows[row, :3].tolist()
    for row in range(len(local.sentence_rows)):
        assert pg.sentence_text(row) == local.sentence_text(row)
        assert [pg.neighbour(row, s) for s in (-1, 1)] == [local.neighbour(row, s) for s in (-1, 1)]
    rows = [3, 0, 3, len(local.sentence_rows) - 1]
    assert pg.sentence_rows[rows].tolist() == local.sentence_rows[rows].tolist()
    assert pg.sentence_rows[2:5, 1].tolist() == local.sentence_rows[2:5, 1].tolist()
    assert np.array_equal(np.asarray(pg.chunk_rows), local.chunk_rows)
    assert np.array_equal(np.asarray(pg.sentence_rows, dtype=np.int32), local.sentence_rows)
    with pytest.raises(IndexError):
        pg.sentence_rows[len(local.sentence_rows)]
    for term in ["harbour", "crew", "zzz-unknown", *list(local.term_df)[:20]]:
        assert pg.term_df.get(term, 0) == local.term_df.get(term, 0)
    assert len(pg.term_df) == sum(1 for df in local.term_df.values() if df > 0)


# ---------------------------------------------------------------- updates in place (issue #25: no local mirror)


def _same_searches(local: IndexData, pg: IndexData, embedder: MiniLMEmbeddings) -> None:
    """Both stores' searches give the same chunks (by id: a database's rows keep gaps), BM25 scores equal to the bit."""
    from rag._retrieval import chunk_filter
    from rag._search import ChunkFilter
    from rag._text import bm25_terms

    filters = [ChunkFilter(), ChunkFilter(one_per_copy_group=False),
               chunk_filter(DateRange(since=date(2021, 1, 1), until=date(2021, 12, 31))),
               chunk_filter(DateRange(until=date(2020, 6, 30), include_undated=True))]
    for question in ("How many crews worked near the harbour?", "election site crews", "flood report day 2 bridge"):
        vector = np.asarray(embedder.embed_query(question), dtype=np.float32)
        for where in filters:
            want = local.search.lexical_search(bm25_terms(question), 8, where)
            got = pg.search.lexical_search(bm25_terms(question), 8, where)
            assert [(local.chunk_id(h.row), h.score) for h in want] == [(pg.chunk_id(h.row), h.score) for h in got]
            want, got = local.search.dense_search(vector, 5, where), pg.search.dense_search(vector, 5, where)
            assert [local.chunk_id(h.row) for h in want] == [pg.chunk_id(h.row) for h in got], (question, where)


def _groups_by_id(index: IndexData) -> list[list[str]]:
    return sorted([[index.documents[m].id for m in members] for members in index.copy_groups().values()])


def test_updates_in_place_give_what_a_folder_gives(pg_url: str, tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Adds, a copy that becomes canonical, removals, a re-add of an id with new text and a new date: both stores alike."""
    from rag._building import open_store
    from rag._chunking import TokenChunker

    docs = [_dated_article(i, topic, None if i == 7 else f"{2019 + i % 5}-{1 + i % 12:02d}-15") for i, topic in enumerate(TOPICS)]
    stores = [open_store(location, embeddings=embedder, chunker=TokenChunker(), workspace_root=tmp_path / "state")
              for location in (str(tmp_path / "index"), _fresh_db(pg_url))]
    steps = [
        ("upsert", docs[:12]),
        ("upsert", docs[12:] + [replace(docs[2], id="a2-copy", source="wire/a2-copy", published="2018-03-01")]),
        ("delete", ["a2", "a9"]),  # a2-copy's canonical goes, and one in the middle
        ("upsert", [_dated_article(9, "volcano", "2021-05-15"), replace(docs[5], published="2022-02-02")]),  # re-add, refresh
        ("upsert", [replace(docs[4], id="a4-copy", source="wire/a4-copy")]),
        ("delete", ["a4"]),
    ]
    for action, items in steps:
        for store in stores:
            writer = store.writer()
            getattr(writer, action)(items)
            writer.commit()
        local, pg = (store.open() for store in stores)
        assert list(pg.documents) == list(local.documents) and pg.n_chunks == local.n_chunks
        assert _groups_by_id(pg) == _groups_by_id(local) and pg.n_copies == local.n_copies
        assert sorted(pg.term_df.items()) == sorted(local.term_df.items())
        assert [pg.documents[p].id for p in np.flatnonzero(pg.published_days() == -1)] == \
            [local.documents[p].id for p in np.flatnonzero(local.published_days() == -1)]
        _same_searches(local, pg, embedder)
        manifest = pg.manifest
        assert (manifest["n_documents"], manifest["n_copies"], manifest["n_undated"]) == (
            len(local.documents), local.n_copies, sum(1 for d in local.documents if not d.published))
    assert "volcano" in pg.documents[pg.doc_index["a9"]].text and pg.documents[pg.doc_index["a5"]].published == "2022-02-02"
    assert not (tmp_path / "state").exists()  # nothing of the index is kept on this machine


def test_an_add_writes_only_its_own_rows(pg_url: str, embedder: MiniLMEmbeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a document reads no stored document, inserts its rows and its terms' frequencies, rewrites nothing."""
    import rag._building as building
    from rag._loading import LoadResult

    url = _fresh_db(pg_url)
    docs = [_dated_article(i, topic, f"{2019 + i % 5}-{1 + i % 12:02d}-15") for i, topic in enumerate(TOPICS)]
    Assistant(url, embeddings=embedder).index_loaded(LoadResult(documents=docs), prune=False)
    tables = ("rag_documents", "rag_chunks", "rag_sentences", "rag_postings", "rag_df")

    def versions() -> dict[str, set[tuple[str, ...]]]:
        with psycopg.connect(url) as conn:
            return {t: {tuple(map(str, r)) for r in conn.execute(f"SELECT ctid, xmin FROM {t}")} for t in tables}

    before = versions()
    read: list[int] = []
    real_catalog = building.catalog

    def counting(*args: object, **options: object) -> tuple:
        manifest, stored = real_catalog(*args, **options)  # type: ignore[arg-type]
        read.append(len(stored))
        return manifest, stored

    monkeypatch.setattr(building, "catalog", counting)
    report = Assistant(url, embeddings=embedder).index_loaded(
        LoadResult(documents=[_dated_article(40, "glacier", "2024-03-03")]), prune=False)
    after = versions()
    assert report.added == ["a40"] and report.n_documents == len(TOPICS) + 1
    assert read == [0]  # no stored document shares its id or source: none was read to plan the add
    for table in tables:
        assert before[table] <= after[table], table  # every stored row version is still there, untouched
    added = {t: len(after[t] - before[t]) for t in tables}
    with psycopg.connect(url) as conn:
        terms = conn.execute("SELECT count(*) FROM rag_postings WHERE row = (SELECT max(row) FROM rag_chunks)").fetchone()[0]
    assert added["rag_documents"] == 1 and added["rag_chunks"] == 1 and added["rag_postings"] == terms
    assert added["rag_sentences"] == 3 and added["rag_df"] == terms  # one new frequency per term of the new chunk


def test_a_reader_during_writes_sees_the_old_index_or_the_new_one(pg_url: str, embedder: MiniLMEmbeddings) -> None:
    from rag._loading import LoadResult
    from rag._search import ChunkFilter

    url = _fresh_db(pg_url)
    docs = [_dated_article(i, topic, f"{2019 + i % 5}-{1 + i % 12:02d}-15") for i, topic in enumerate(TOPICS)]
    Assistant(url, embeddings=embedder).index_loaded(LoadResult(documents=docs[:10]), prune=False)
    done = threading.Event()
    seen: list[tuple[int, int, int, bool]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not done.is_set():
                index = open_index(url)
                hits = index.search.lexical_search(["crew"], 50, ChunkFilter())
                ids = [index.chunk_id(h.row).split("#")[0] for h in hits]
                seen.append((len(index.documents), len(list(index.documents)), len(hits), len(set(ids)) == len(hits)))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        writer = Assistant(url, embeddings=embedder)
        for k in range(10, len(TOPICS), 5):
            writer.index_loaded(LoadResult(documents=docs[k : k + 5]), prune=False)
        writer.remove(["a0", "a1"])
    finally:
        done.set()
        reader.join(timeout=120)
    assert not errors and seen
    states = {10, 15, 20, 18}
    for n, listed, hits, distinct in seen:  # each view is whole: its count, its list and its search agree
        assert n in states and listed == n and hits == n and distinct, (n, listed, hits)


def test_a_database_of_the_older_layout_says_rebuild_in_one_line(pg_url: str, articles_copy: Path, embedder: MiniLMEmbeddings,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    url = _fresh_db(pg_url)
    with psycopg.connect(url, autocommit=True) as conn:  # what a publish of the previous version left
        conn.execute("CREATE TABLE rag_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute("CREATE TABLE rag_g20250101t000000_abcdef_documents (pos int)")
        conn.execute("INSERT INTO rag_meta VALUES ('current', %s)",
                     ('{"generation": "gen-20250101T000000-abcdef", "embedding_model": "x", "dimension": 384}',))
    message = _error_of(url)
    assert "older version" in message and "--rebuild" in message and "\n" not in message
    assert main(["index", str(articles_copy), "--index", url]) == 2
    err = capsys.readouterr().err.strip()
    assert "older version" in err and "--rebuild" in err and "\n" not in err
    assert main(["index", str(articles_copy), "--index", url, "--rebuild"]) == 0
    assert len(open_index(url).documents) == 2
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('rag_g20250101t000000_abcdef_documents')").fetchone()[0] is None


def _error_of(location: str) -> str:
    from rag import IndexCorruptError

    with pytest.raises(IndexCorruptError) as caught:
        open_index(location)
    return str(caught.value)


# ---------------------------------------------------------------- the local store alone, unit-sized (issue #30: mutation)
# A folder index of six one-sentence articles, embedded with the lexical hashing model of tests/test_index.py (no
# model to load): these are what `scripts/mutation.sh stores` runs for every mutant of rag/stores/_local.py.


_LOCAL_TEXTS = [
    ("harbour", "The harbour reopened after the storm.", "2024-03-01"),
    ("harbour-copy", "The harbour reopened after the storm.", "2024-03-05"),  # a syndicated copy of the first
    ("bridge", "The old bridge closed for repairs.", "2024-04-10"),
    ("ferry", "The ferry to the harbour returned to service.", None),
    ("museum", "The museum opened a new wing.", "2024-05-20"),
    ("bridge-two", "The old bridge closed for repairs.", "2024-06-01"),  # the same text as "bridge": its copy
]


def _local_doc(doc_id: str, text: str, published: str | None) -> SourceDocument:
    return SourceDocument(id=doc_id, title=doc_id.title(), source=f"wire/{doc_id}", text=text,
                          sha256=hashlib.sha256(text.encode()).hexdigest(), published=published)


@pytest.fixture(scope="module")
def local_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("local-store") / "index"
    docs = [_local_doc(*row) for row in _LOCAL_TEXTS]
    hashing_build(index_dir, LoadResult(documents=docs))
    return index_dir


def _exact_dense(index: IndexData, vector: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
    """The oracle: every allowed chunk scored by numpy, best first, ties by row."""
    scores = np.asarray(index.chunk_vectors, dtype=np.float32) @ vector
    rows = sorted(np.flatnonzero(allowed).tolist(), key=lambda r: (-float(scores[r]), r))[:k]
    return [(r, float(scores[r])) for r in rows]


def test_local_store_layout_and_manifest_of_a_build(local_index_dir: Path) -> None:
    manifest = read_manifest(local_index_dir)
    index = load_index(local_index_dir)
    assert [d.id for d in index.documents] == [row[0] for row in _LOCAL_TEXTS]
    assert manifest["format_version"] == 2 and manifest["embedding_model"] == "hashing-64" and manifest["dimension"] == 64
    assert manifest["chunker"] == TokenChunker(120, 30).settings()
    assert manifest["sentence_vectors"] == "separate" and manifest["chunk_vectors"] == "pooled"
    assert (manifest["n_documents"], manifest["n_chunks"], manifest["n_sentences"]) == (6, 6, 6)
    assert manifest["n_undated"] == 1 and manifest["n_copies"] == index.n_copies == 2  # harbour-copy and bridge-two
    assert manifest["copies"] == [[1, 0], [5, 2]]  # documents grouped as a copy, with their group's canonical
    assert manifest["dense_index"] == {"type": "flat"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["updated_at"])
    assert re.fullmatch(r"gen-\d{8}T\d{6}-[0-9a-f]{6}", manifest["generation"])
    (segment,) = manifest["segments"]  # a first build: one segment, named after the build
    gen = local_index_dir / manifest["generation"]
    assert segment["name"] == manifest["generation"] and segment["dense_index"] == {"type": "flat"}
    assert (segment["n_documents"], segment["n_chunks"], segment["n_sentences"]) == (6, 6, 6)
    assert segment["deleted"] == [] and segment["refreshed"] == {}
    assert segment["files"] == {name: (gen / name).stat().st_size for name in (
        "documents.jsonl", "chunks.npy", "sentences.npy", "chunk_vectors.npy", "sentence_vectors.npy", "dense.faiss",
        "terms.json", "term_offsets.npy", "postings.npy", "lengths.npy", "signatures.npy")}
    assert sorted(p.name for p in gen.iterdir()) == sorted(segment["files"])
    assert index.chunk_vectors.dtype == np.float32 and index.sentence_vectors.dtype == np.float16
    assert index.copy_of.tolist() == [0, 0, 2, 3, 4, 2] and index.signatures.shape == (6, 128)
    assert index.term_df["harbour"] == 3  # chunks holding the term
    # Raw term frequencies, term-major: each term's chunks and counts, and each chunk's length in terms.
    terms = json.loads((gen / "terms.json").read_text("utf-8"))
    offsets, postings, lengths = (np.load(gen / n) for n in ("term_offsets.npy", "postings.npy", "lengths.npy"))
    harbour = terms.index("harbour")
    assert postings[offsets[harbour]:offsets[harbour + 1]].tolist() == [[0, 1], [1, 1], [3, 1]]
    assert lengths.tolist() == [len(bm25_terms(text)) for _, text, _ in _LOCAL_TEXTS] and offsets[-1] == len(postings)
    stored = [json.loads(line) for line in (gen / "documents.jsonl").read_text("utf-8").splitlines()]
    assert stored[3] == {"id": "ferry", "title": "Ferry", "source": "wire/ferry", "text": _LOCAL_TEXTS[3][1],
                         "sha256": index.documents[3].sha256, "url": None, "published": None, "outlet": None, "author": None}
    size = sum(p.stat().st_size for p in gen.rglob("*") if p.is_file()) + (local_index_dir / "manifest.json").stat().st_size
    assert index_size_bytes(local_index_dir) == size and index_size_bytes(str(local_index_dir)) == size


def test_local_store_dense_search_is_the_exact_search_of_the_allowed_chunks(local_index_dir: Path) -> None:
    index = load_index(local_index_dir)
    vector = np.asarray(HashingEmbeddings().embed_query("the harbour storm bridge"), dtype=np.float32)
    search = index.search
    everything = np.ones(6, dtype=bool)
    unbounded_all = ChunkFilter(one_per_copy_group=False)
    for k in (1, 3, 6, 50):
        hits = search.dense_search(vector, k, unbounded_all)
        assert [(h.row, round(h.score, 5)) for h in hits] == [
            (r, round(s, 5)) for r, s in _exact_dense(index, vector, k, everything)]
    # Copies are searched once: the harbour copy (row 1) and the second bridge (row 5) go, every time (the mask of
    # an unbounded filter is kept for the next question).
    for _ in range(2):
        hits = search.dense_search(vector, 6, ChunkFilter())
        assert [h.row for h in hits] == [r for r, _ in _exact_dense(index, vector, 6, np.array([1, 0, 1, 1, 1, 0], bool))]
        assert [h.row for h in search.lexical_search(["bridg"], 5, ChunkFilter())] == [2]
    assert search.dense_search(vector, 0, ChunkFilter()) == [] and search.dense_search(vector, -1, ChunkFilter()) == []
    # A date range: April to May 2024 allows the bridge (row 2) and the museum (row 4), found by the exact fallback
    # when FAISS's best few are all outside it.
    spring = ChunkFilter(since=day_number("2024-04-01"), until=day_number("2024-05-31"))
    allowed = np.array([0, 0, 1, 0, 1, 0], bool)
    for k in (1, 2, 5):
        assert [h.row for h in search.dense_search(vector, k, spring)] == [r for r, _ in _exact_dense(index, vector, k, allowed)]
    # Only the harbour (row 0) is allowed, and it is fifth for the museum question: not among FAISS's best 4 * k.
    museum = np.asarray(HashingEmbeddings().embed_query("the museum opened a new wing"), dtype=np.float32)
    assert [r for r, _ in _exact_dense(index, museum, 6, everything)].index(0) == 4
    top = search.dense_search(museum, 1, ChunkFilter(since=day_number("2024-01-01"), until=day_number("2024-03-31")))
    assert [h.row for h in top] == [0] and top[0].score == pytest.approx(float(index.chunk_vectors[0] @ museum), abs=1e-5)
    # The harbour (row 0) allowed beside the bridge, and the best: FAISS's first hit, kept.
    march_april = ChunkFilter(since=day_number("2024-03-01"), until=day_number("2024-04-30"))
    harbour = np.asarray(HashingEmbeddings().embed_query("harbour"), dtype=np.float32)
    assert [h.row for h in search.dense_search(harbour, 1, march_april)] == [0]
    assert [h.row for h in search.dense_search(harbour, 2, march_april)] == [0, 2]
    # Two allowed chunks, both past FAISS's best four: the exact search ranks them (the ferry above the museum).
    away = np.asarray(index.chunk_vectors[0] + index.chunk_vectors[2], dtype=np.float32)
    assert [r for r, _ in _exact_dense(index, away, 6, everything)] == [0, 1, 2, 5, 3, 4]
    may = ChunkFilter(since=day_number("2024-05-01"), until=day_number("2024-05-31"), include_undated=True,
                      one_per_copy_group=False)  # the museum (row 4) and the undated ferry (row 3)
    assert [h.row for h in search.dense_search(away, 1, may)] == [3]
    assert [h.row for h in search.dense_search(away, 2, may)] == [3, 4]
    nearer_museum = away - np.asarray(index.chunk_vectors[3], dtype=np.float32)  # now the museum ranks above the ferry
    assert [r for r, _ in _exact_dense(index, nearer_museum, 6, everything)] == [2, 5, 0, 1, 4, 3]
    assert [h.row for h in search.dense_search(nearer_museum, 1, may)] == [4]
    undated = ChunkFilter(since=day_number("2030-01-01"), include_undated=True)
    bridge = np.asarray(HashingEmbeddings().embed_query("the old bridge closed for repairs"), dtype=np.float32)
    assert [r for r, _ in _exact_dense(index, bridge, 6, everything)].index(3) == 4
    for k in (1, 3):
        assert [h.row for h in search.dense_search(bridge, k, undated)] == [3]  # the ferry, of unknown date
    assert search.dense_search(vector, 3, ChunkFilter(since=day_number("2030-01-01"))) == []


def test_local_store_lexical_search_orders_ties_by_row_and_keeps_positive_scores(local_index_dir: Path) -> None:
    search = load_index(local_index_dir).search
    everything = ChunkFilter(one_per_copy_group=False)
    hits = search.lexical_search(["bridg"], 5, everything)  # stemmed: "bridge"; rows 2 and 5 hold the same text
    assert [h.row for h in hits] == [2, 5] and hits[0].score == hits[1].score > 0
    assert [h.row for h in search.lexical_search(["bridg"], 1, everything)] == [2]  # the k-th best score's tie: by row
    assert [h.row for h in search.lexical_search(["bridg"], 5, ChunkFilter())] == [2]  # one per copy group
    harbour = search.lexical_search(["harbour"], 6, everything)
    assert [h.row for h in harbour][:2] == [0, 1] and {h.row for h in harbour} == {0, 1, 3}  # no zero scores
    assert harbour[0].score == harbour[1].score > harbour[2].score > 0
    assert [h.row for h in search.lexical_search(["harbour", "unknownword"], 2, everything)] == [0, 1]
    assert search.lexical_search(["unknownword"], 3, everything) == []
    assert search.lexical_search(["harbour"], 0, everything) == []
    assert search.lexical_search(["bridg"], 3, ChunkFilter(since=day_number("2030-01-01"))) == []
    spring = ChunkFilter(since=day_number("2024-05-01"), one_per_copy_group=False)  # the museum and the second bridge
    assert {h.row for h in search.lexical_search(["bridg", "museum"], 5, spring)} == {4, 5}


def test_local_store_by_score_is_best_first_ties_by_row() -> None:
    hits = [Hit(4, 0.5), Hit(1, 0.9), Hit(2, 0.5), Hit(0, 0.1)]
    assert _by_score(hits) == [Hit(1, 0.9), Hit(2, 0.5), Hit(4, 0.5), Hit(0, 0.1)]


def test_local_store_manifest_errors_name_the_problem_and_the_fix(tmp_path: Path, local_index_dir: Path) -> None:
    fix = f"rebuild it with `rag index PATH --index {tmp_path / 'ix'} --rebuild`"
    with pytest.raises(IndexNotFoundError) as caught:
        read_manifest(tmp_path / "ix")
    assert str(caught.value) == f"no index at {tmp_path / 'ix'}: build one with `rag index PATH --index {tmp_path / 'ix'}`"
    (tmp_path / "notes").write_text("x")
    with pytest.raises(IndexNotFoundError) as caught:
        read_manifest(tmp_path / "notes")
    assert str(caught.value) == f"the index path {tmp_path / 'notes'} is a file, not an index folder: pass the folder with --index"
    (tmp_path / "ix").mkdir()
    manifest = json.loads((local_index_dir / "manifest.json").read_text())
    cases = [
        ("[1, 2]", "missing 'generation'"),
        (json.dumps({"format_version": 1}), "missing 'generation'"),
        (json.dumps({**manifest, "generation": "g" * 70}), f"'generation' {'g' * 60!r} is not a generation folder name"),
        (json.dumps({**manifest, "generation": 7}), "'generation' '7' is not a generation folder name"),
        (json.dumps({**manifest, "generation": "gen-x-abcdeg"}), "'generation' 'gen-x-abcdeg' is not a generation folder name"),
    ]
    for text, reason in cases:
        (tmp_path / "ix" / "manifest.json").write_text(text)
        with pytest.raises(IndexCorruptError) as caught:
            read_manifest(tmp_path / "ix")
        assert str(caught.value) == f"index at {tmp_path / 'ix'} is corrupt (manifest.json: {reason}): {fix}"
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps({**manifest, "format_version": 0}))
    with pytest.raises(IndexMismatchError) as caught:
        read_manifest(tmp_path / "ix")
    assert str(caught.value) == f"index at {tmp_path / 'ix'} has format 0, this version reads 2: {fix}"
    for segments in ("gen-x", [{"name": "../elsewhere"}], ["gen-2024T1-abcdef"]):  # never a path, always entries
        (tmp_path / "ix" / "manifest.json").write_text(json.dumps({**manifest, "segments": segments}))
        with pytest.raises(IndexCorruptError) as caught:
            read_manifest(tmp_path / "ix")
        assert str(caught.value) == (f"index at {tmp_path / 'ix'} is corrupt (manifest.json: 'segments' is not a list of "
                                     f"segment folder names): {fix}")
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps({**manifest, "generation": "gen-2024T1-abcdef"}))
    assert read_manifest(tmp_path / "ix")["generation"] == "gen-2024T1-abcdef"


def test_local_store_index_paths_it_cannot_use_are_refused_in_one_line(tmp_path: Path) -> None:
    undecodable = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))
    with pytest.raises(IndexWriteError) as caught:
        check_index_path(undecodable)
    assert str(caught.value) == (f"the index path {tmp_path}/caf\\udce9 is not valid UTF-8 (the vector index can't be "
                                 "written there): pass a folder name of plain text with --index")
    check_index_path(tmp_path / ("é" * 127))  # 254 bytes
    check_index_path(tmp_path / ("a" * 255))
    with pytest.raises(IndexWriteError) as caught:
        check_index_path(Path("index") / ("é" * 128))
    shown = "index/" + "é" * 54 + "…" + "é" * 40  # 134 characters: the first 60 and the last 40 shown
    assert str(caught.value) == (f"the index path {shown} has a name of 256 bytes, over the file system's limit of 255: "
                                 "pass a shorter name with --index")
    with pytest.raises(IndexWriteError, match="has a name of 300 bytes"):
        check_index_path(Path("a" * 300) / "index")
    for name, shown in [("x" * 114, "x" * 114 + "\\udcff"),  # 120 characters: shown whole
                        ("x" * 115, "x" * 60 + "…" + "x" * 34 + "\\udcff")]:  # 121: the first 60 and the last 40
        with pytest.raises(IndexWriteError) as caught:
            check_index_path(Path(os.fsdecode(name.encode() + b"\xff")))
        assert str(caught.value).startswith(f"the index path {shown} is not valid UTF-8")
    long_path = Path(os.fsdecode(("x" * 100 + "/" + "y" * 20).encode() + b"\xff"))  # shown as 127 characters
    with pytest.raises(IndexWriteError) as caught:
        check_index_path(long_path)
    assert str(caught.value).startswith(f"the index path {'x' * 60}…{'x' * 13}/{'y' * 20}\\udcff is not valid UTF-8")
    assert not (tmp_path / "ix").exists()


def test_local_store_check_compatible_names_what_differs(tmp_path: Path) -> None:
    manifest = {"embedding_model": "m1", "chunker": {"chunk_tokens": 120}, "sentence_vectors": "separate"}
    fix = "rebuild it with `rag index PATH --index ix --rebuild`"
    check_compatible(manifest, "ix", "m1", {"chunk_tokens": 120}, "separate", "embedded")  # no chunk_vectors: embedded
    check_compatible(manifest, "ix", "m1", None)
    check_compatible(manifest, "ix", "m1", None, None, None)
    errors = [
        (("m2", None), f"index at ix was built with embedding model 'm1', not 'm2': {fix}"),
        (("m1", {"chunk_tokens": 64}), f"index at ix was built with chunker {{'chunk_tokens': 120}}, not {{'chunk_tokens': 64}}: {fix}"),
        (("m1", None, "contextual"), f"index at ix has separate sentence vectors, not contextual: {fix}"),
        (("m1", None, None, "pooled"), f"index at ix has embedded chunk vectors, not pooled: {fix}"),
    ]
    for args, message in errors:
        with pytest.raises(IndexMismatchError) as caught:
            check_compatible(manifest, "ix", *args)
        assert str(caught.value) == message
    with pytest.raises(IndexMismatchError, match="has None sentence vectors, not separate"):
        check_compatible({"embedding_model": "m1"}, "ix", "m1", None, "separate")


def test_local_store_row_tables_must_point_inside_the_documents() -> None:
    good_chunks = np.array([[0, 0, 10, 0, 2, 5], [1, 3, 8, 2, 3, 2]], dtype=np.int32)
    good_sentences = np.array([[0, 0, 4], [0, 5, 10], [1, 3, 8]], dtype=np.int32)
    _check_rows(good_chunks, good_sentences, [10, 8])
    _check_rows(np.zeros((0, 6), np.int32), np.zeros((0, 3), np.int32), [])
    with pytest.raises(ValueError, match="sentences.npy row 1 points outside"):  # no chunks: the sentences still checked
        _check_rows(np.zeros((0, 6), np.int32), np.array([[0, 0, 4], [0, 5, 11]], np.int32), [10])
    bad = [
        (good_chunks[:, :5], good_sentences, "chunks.npy holds a int32 table of shape (2, 5), not 6 integer columns"),
        (good_chunks.astype(np.float32), good_sentences, "chunks.npy holds a float32 table of shape (2, 6), not 6 integer columns"),
        (good_chunks[0], good_sentences, "chunks.npy holds a int32 table of shape (6,), not 6 integer columns"),
        (good_chunks, good_sentences[:, :2], "sentences.npy holds a int32 table of shape (3, 2), not 3 integer columns"),
    ]
    for chunks, sentences, message in bad:
        with pytest.raises(ValueError) as caught:
            _check_rows(chunks, sentences, [10, 8])
        assert str(caught.value) == message

    def row_error(table: str, row: int, column: int, value: int) -> str:
        chunks, sentences = good_chunks.copy(), good_sentences.copy()
        (chunks if table == "chunks" else sentences)[row, column] = value
        with pytest.raises(ValueError) as caught:
            _check_rows(chunks, sentences, [10, 8])
        return str(caught.value)

    outside = "points outside the documents or sentences"
    assert row_error("chunks", 1, 0, 2) == f"chunks.npy row 1 {outside}"  # no document 2
    assert row_error("chunks", 1, 0, -1) == f"chunks.npy row 1 {outside}"
    assert row_error("chunks", 0, 1, -1) == f"chunks.npy row 0 {outside}"
    assert row_error("chunks", 1, 1, 9) == f"chunks.npy row 1 {outside}"  # start after end
    assert row_error("chunks", 1, 2, 9) == f"chunks.npy row 1 {outside}"  # past its document's 8 characters
    assert row_error("chunks", 0, 3, -1) == f"chunks.npy row 0 {outside}"
    assert row_error("chunks", 1, 3, 4) == f"chunks.npy row 1 {outside}"  # first sentence after the end one
    assert row_error("chunks", 1, 4, 4) == f"chunks.npy row 1 {outside}"  # past the 3 sentence rows
    assert row_error("sentences", 2, 0, 2) == f"sentences.npy row 2 {outside}"
    assert row_error("sentences", 1, 2, 11) == f"sentences.npy row 1 {outside}"
    for table, row, column, value in [("chunks", 1, 1, 8), ("chunks", 1, 2, 8), ("chunks", 1, 4, 3), ("chunks", 1, 3, 3),
                                      ("sentences", 2, 1, 0), ("chunks", 0, 0, 1)]:
        chunks, sentences = good_chunks.copy(), good_sentences.copy()
        (chunks if table == "chunks" else sentences)[row, column] = value
        _check_rows(chunks, sentences, [10, 10])  # at the edges: still inside


def test_local_store_damaged_generations_are_corrupt_with_the_reason(tmp_path: Path, local_index_dir: Path) -> None:
    def damaged(change, source: Path = local_index_dir) -> str:  # type: ignore[no-untyped-def]
        ix = tmp_path / f"ix-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(source, ix)
        manifest = json.loads((ix / "manifest.json").read_text())
        change(ix / manifest["generation"], manifest.get("segments", [manifest])[0], manifest)
        (ix / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(IndexCorruptError) as caught:
            load_index(ix)
        message = str(caught.value)
        fix = f": rebuild it with `rag index PATH --index {ix} --rebuild`"
        assert message.startswith(f"index at {ix} is corrupt (") and message.endswith(fix)
        return message[len(f"index at {ix} is corrupt ("): -len(fix) - 1]

    def resize(name: str, size: int):  # type: ignore[no-untyped-def]
        return lambda gen, entry, manifest: entry["files"].__setitem__(name, size)

    sizes = json.loads((local_index_dir / "manifest.json").read_text())["segments"][0]["files"]
    for name in ("terms.json", "postings.npy", "term_offsets.npy", "lengths.npy", "signatures.npy"):
        assert damaged(resize(name, 3)) == f"{name} is {sizes[name]} bytes, manifest says 3"

    def save(gen: Path, entry: dict, name: str, table: np.ndarray) -> None:  # a table of another size, its size unrecorded
        np.save(gen / name, table)
        entry["files"].pop(name)

    assert damaged(lambda g, e, m: save(g, e, "signatures.npy", np.zeros((5, 128), np.uint64))) == (
        "per-document tables and documents.jsonl disagree")
    for name, table in [("sentence_vectors.npy", np.zeros((5, 64), np.float16)), ("chunk_vectors.npy", np.zeros((5, 64), np.float32)),
                        ("lengths.npy", np.zeros(5, np.int32))]:
        assert damaged(lambda g, e, m, name=name, table=table: save(g, e, name, table)) == (
            "row counts of chunks, vectors and FAISS disagree")
    postings_disagree = "postings.npy, term_offsets.npy and terms.json disagree"
    assert damaged(lambda g, e, m: save(g, e, "term_offsets.npy", np.load(g / "term_offsets.npy")[:-1])) == postings_disagree
    assert damaged(lambda g, e, m: save(g, e, "postings.npy", np.load(g / "postings.npy") + [[6, 0]])) == postings_disagree

    def bad_row(gen: Path, entry: dict, manifest: dict) -> None:
        rows = np.load(gen / "chunks.npy")
        rows[4, 0] = 9
        np.save(gen / "chunks.npy", rows)

    assert damaged(bad_row) == "chunks.npy row 4 points outside the documents or sentences"

    def tampered(gen: Path, entry: dict, manifest: dict) -> None:  # the same size, another text
        stored = (gen / "documents.jsonl").read_text("utf-8")
        (gen / "documents.jsonl").write_text(stored.replace("new wing", "new wink"), "utf-8")

    assert damaged(tampered) == "document 'museum' does not match its stored sha256"
    assert damaged(lambda gen, entry, manifest: (gen / "terms.json").unlink()).startswith("[Errno 2] No such file")
    # The manifest's own tables: tombstones, refreshes and copy groups must name documents the segments hold.
    name = json.loads((local_index_dir / "manifest.json").read_text())["generation"]
    assert damaged(lambda g, e, m: e.__setitem__("deleted", [6])) == f"manifest.json tombstones documents that {name} does not hold"
    assert damaged(lambda g, e, m: e.__setitem__("refreshed", {"2": {"id": "museum"}})) == (
        f"manifest.json refreshes document 2 of {name} with another document")
    assert damaged(lambda g, e, m: m.__setitem__("copies", [[6, 0]])) == "manifest.json groups copies of documents the index does not hold"

    def no_files_listed(gen: Path, entry: dict, manifest: dict) -> None:  # sizes unrecorded: row counts still checked
        entry.pop("files")
        np.save(gen / "chunk_vectors.npy", np.zeros((5, 64), dtype=np.float32))

    assert damaged(no_files_listed) == "row counts of chunks, vectors and FAISS disagree"
    # An index of format 1 (one generation, bm25s, copies.npy) is checked as it always was.
    old = _format_1_copy(local_index_dir, tmp_path / "format-1")
    old_sizes = json.loads((old / "manifest.json").read_text())["files"]
    assert damaged(resize("copies.npy", 3), old) == f"copies.npy is {old_sizes['copies.npy']} bytes, manifest says 3"

    def fewer_copies(gen: Path, entry: dict, manifest: dict) -> None:
        np.save(gen / "copies.npy", np.zeros(5, dtype=np.int32))
        manifest["files"].pop("copies.npy")

    assert damaged(fewer_copies, old) == "per-document tables and documents.jsonl disagree"


def _format_1_copy(source: Path, target: Path) -> Path:
    """The index at ``source`` as the store wrote it before segments (format 1): one generation, bm25s, terms.json of df."""
    import bm25s

    index = load_index(source)
    (segment,) = read_manifest(source)["segments"]
    gen = target / segment["name"]
    gen.mkdir(parents=True)
    for name in ("documents.jsonl", "chunks.npy", "sentences.npy", "chunk_vectors.npy", "sentence_vectors.npy",
                 "dense.faiss", "signatures.npy"):
        shutil.copy(source / segment["name"] / name, gen / name)
    np.save(gen / "copies.npy", index.copy_of)
    corpus = [bm25_terms(index.chunk_text(row)) for row in range(index.n_chunks)]
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    bm25.save(str(gen / "bm25"), show_progress=False)
    (gen / "terms.json").write_text(json.dumps(dict(index.term_df)), "utf-8")
    manifest = {key: value for key, value in index.manifest.items() if key not in ("segments", "copies")}
    manifest.update(format_version=1, files={p.name: p.stat().st_size for p in gen.iterdir() if p.is_file()})
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return target


def test_local_store_loads_an_index_without_the_optional_tables(tmp_path: Path, local_index_dir: Path) -> None:
    ix = _format_1_copy(local_index_dir, tmp_path / "old")
    manifest = json.loads((ix / "manifest.json").read_text())
    for name in ("signatures.npy", "copies.npy"):
        (ix / manifest["generation"] / name).unlink()
        manifest["files"].pop(name)
    (ix / "manifest.json").write_text(json.dumps(manifest))
    index = load_index(ix, model_name="hashing-64")
    assert index.signatures is None and index.copy_of.tolist() == [0, 1, 2, 3, 4, 5] and index.n_copies == 0
    assert len(index.documents) == 6 and index.copy_groups() == {}
    with pytest.raises(IndexMismatchError) as caught:
        load_index(ix, model_name="other")
    assert str(caught.value) == (f"index at {ix} was built with embedding model 'hashing-64', not 'other': "
                                 f"rebuild it with `rag index PATH --index {ix} --rebuild`")
    # A manifest without recorded file sizes: nothing to compare, the tables are read as they are.
    manifest.pop("files")
    (ix / "manifest.json").write_text(json.dumps(manifest))
    assert len(load_index(ix).documents) == 6
    # A manifest from before the dense index's type was recorded: a flat index.
    manifest.pop("dense_index")
    (ix / "manifest.json").write_text(json.dumps(manifest))
    vector = np.asarray(index.chunk_vectors[4], dtype=np.float32)
    assert load_index(ix).search.dense_search(vector, 1, ChunkFilter())[0].row == 4


def test_local_store_loads_quietly_what_it_stored(
    local_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    index = load_index(local_index_dir)
    assert capsys.readouterr() == ("", "")  # no progress bar or message of bm25s
    assert index.path == local_index_dir and index.manifest == read_manifest(local_index_dir)
    assert index.term_df["harbour"] == 3 and index.term_df["bridg"] == 2 and index.term_df["museum"] == 1
    assert isinstance(index.chunk_vectors, np.memmap) and isinstance(index.sentence_vectors, np.memmap)  # read on demand
    assert index.documents[3].published is None and index.documents[0].text == _LOCAL_TEXTS[0][1]


def test_local_store_write_errors_are_one_line_per_cause(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    same = "the previous index is unchanged"
    cases = [
        (errno.ENOSPC, f"the disk is full while writing the index at {ix}: free some space and retry ({same})"),
        (errno.EDQUOT, f"the disk is full while writing the index at {ix}: free some space and retry ({same})"),
        (errno.EROFS, f"the index folder {ix} is on a read-only file system: pass a writable folder with --index ({same})"),
        (errno.EACCES, f"no permission to write the index folder {ix}: fix its permissions or pass another --index ({same})"),
        (errno.EPERM, f"no permission to write the index folder {ix}: fix its permissions or pass another --index ({same})"),
        (errno.ENOTDIR, f"a part of the index path {ix} is a file, not a folder: pass a folder with --index"),
        (errno.EEXIST, f"a part of the index path {ix} is a file, not a folder: pass a folder with --index"),
        (errno.EIO, f"cannot write the index at {ix} (Input/output error): check the folder and retry ({same})"),
    ]
    for code, message in cases:
        error = write_error(OSError(code, os.strerror(code)), ix)
        assert isinstance(error, IndexWriteError) and str(error) == message
    assert str(write_error(OSError("odd"), ix)) == f"cannot write the index at {ix} (odd): check the folder and retry ({same})"
    (ix / ".lock").mkdir(parents=True)
    assert str(write_error(OSError(errno.EISDIR, "Is a directory"), ix)) == (
        f"{ix / '.lock'} is a folder, but it must be the index's lock file: remove that folder and retry")
    (tmp_path / "file").write_text("x")
    assert str(write_error(OSError(errno.ENOSPC, "full"), tmp_path / "file")) == (
        f"the index path {tmp_path / 'file'} is a file, not a folder: pass a folder with --index")


def test_local_store_keeps_the_live_and_the_replaced_generation_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time
    from datetime import UTC, datetime

    from rag.stores._local import Layout, Parts, write_generation

    ix = tmp_path / "ix"
    docs = [_local_doc(*row) for row in _LOCAL_TEXTS[:2]]
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the manifest's time is UTC whatever the machine's zone
    time.tzset()
    try:
        hashing_build(ix, LoadResult(documents=docs))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert capsys.readouterr().err == ""  # no progress bars of bm25s
    text = (ix / "manifest.json").read_text()
    assert text.startswith('{\n  "format_version": 2,\n  "generation": "gen-')  # indented for people
    updated = datetime.strptime(json.loads(text)["updated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - updated).total_seconds()) < 600
    first = read_manifest(ix)["generation"]
    (ix / ".gen-20000101T000000-abcdef.tmp").mkdir()  # an interrupted build's leftover
    (ix / "gen-20000101T000000-abcdef").mkdir()  # an old generation
    (ix / "notes").mkdir()  # not ours: stays
    empty = Parts([], np.zeros((0, 6), np.int32), np.zeros((0, 3), np.int32), np.zeros((0, 8), np.float32),
                  np.zeros((0, 8), np.float32), [], np.zeros((0, 128), np.uint64), np.zeros(0, np.int32))
    write_generation(ix, empty, "m", {"chunk_tokens": 1}, Layout("separate", "pooled"))
    second = read_manifest(ix)["generation"]
    assert sorted(p.name for p in ix.iterdir() if p.is_dir()) == sorted(["notes", first, second])
    assert np.load(ix / second / "postings.npy").shape == (0, 2)  # no chunks: no postings
    index = load_index(ix)
    assert index.bm25 is None and index.n_chunks == 0 and index.manifest["dimension"] == 8
    assert index.sentence_vectors.dtype == np.float16 and index.chunk_vectors.dtype == np.float32  # as documented
    assert index.search.lexical_search(["harbour"], 3, ChunkFilter()) == []
    assert index.search.dense_search(np.ones(8, np.float32), 3, ChunkFilter()) == []
    write_generation(ix, empty, "m", {"chunk_tokens": 1}, Layout("contextual", "embedded"))
    manifest = read_manifest(ix)
    assert sorted(p.name for p in ix.iterdir() if p.is_dir()) == sorted(["notes", second, manifest["generation"]])
    assert (manifest["sentence_vectors"], manifest["chunk_vectors"], manifest["n_undated"]) == ("contextual", "embedded", 0)


def test_local_store_lock_is_exclusive_while_held(tmp_path: Path) -> None:
    """A build holds ``<index>/.lock`` exclusively: a second writer (another open file) waits until it is released."""
    import fcntl

    from rag.stores._local import locked

    ix = tmp_path / "new" / "ix"
    with locked(ix):
        assert (ix / ".lock").is_file()
        with open(ix / ".lock") as other:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_SH | fcntl.LOCK_NB)
    with open(ix / ".lock") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
        fcntl.flock(other, fcntl.LOCK_UN)
    with pytest.raises(IndexWriteError, match="has a name of 300 bytes"):
        with locked(tmp_path / ("a" * 300)):
            pass
    assert os.listdir(tmp_path) == ["new"]  # refused before anything is created


def test_local_store_a_failed_write_leaves_no_partial_generation(tmp_path: Path, local_index_dir: Path) -> None:
    from rag.stores._local import Layout, Parts, write_generation

    ix = tmp_path / "ix"
    shutil.copytree(local_index_dir, ix)
    before = (ix / "manifest.json").read_text()
    broken = replace(_local_doc("x", "Some text.", None), published=object())  # type: ignore[arg-type]
    parts = Parts([broken], np.zeros((0, 6), np.int32), np.zeros((0, 3), np.int32), np.zeros((0, 8), np.float32),
                  np.zeros((0, 8), np.float32), [], np.zeros((1, 128), np.uint64), np.zeros(1, np.int32))
    with pytest.raises(TypeError, match="is not JSON serializable"):
        write_generation(ix, parts, "m", {}, Layout("separate", "pooled"))
    assert (ix / "manifest.json").read_text() == before
    assert sorted(p.name for p in ix.iterdir() if p.is_dir()) == [json.loads(before)["generation"]]
    assert load_index(ix).documents[0].id == "harbour"


def test_local_store_a_reader_follows_a_build_that_lands_while_it_reads(
    tmp_path: Path, local_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that swaps the generation between the reader's manifest and its files: read again, at most three times."""
    from rag.stores import _local

    ix = tmp_path / "ix"
    shutil.copytree(local_index_dir, ix)
    real = _local._load_generation
    calls: list[str] = []
    builds = {"left": 1}

    def build_meanwhile(index_dir: Path, manifest: dict, model_name: str | None) -> IndexData:
        calls.append(manifest["generation"])
        if builds["left"]:  # two builds: the generation this reader opened is swept away
            builds["left"] -= 1
            for n in (1, 2):
                docs = [_local_doc(*row) for row in _LOCAL_TEXTS[: 2 + n]]
                hashing_build(ix, LoadResult(documents=docs),
                            rebuild=True)
        return real(index_dir, manifest, model_name)

    monkeypatch.setattr(_local, "_load_generation", build_meanwhile)
    index = load_index(ix)
    assert [d.id for d in index.documents] == ["harbour", "harbour-copy", "bridge", "ferry"]
    assert len(calls) == 2 and calls[0] != calls[1] == read_manifest(ix)["generation"]
    # The index removed while it was read: the damage is what is reported, not the missing manifest.
    gone = tmp_path / "gone"
    shutil.copytree(local_index_dir, gone)

    def removed_meanwhile(index_dir: Path, manifest: dict, model_name: str | None) -> IndexData:
        shutil.rmtree(gone)
        return real(index_dir, manifest, model_name)

    monkeypatch.setattr(_local, "_load_generation", removed_meanwhile)
    with pytest.raises(IndexCorruptError, match="No such file"):
        load_index(gone)
    monkeypatch.setattr(_local, "_load_generation", build_meanwhile)
    # Damage without a swap is reported at once; three swaps in a row, after the third.
    calls.clear()
    generation = read_manifest(ix)["generation"]
    (ix / generation / "terms.json").write_text("{")
    with pytest.raises(IndexCorruptError):
        load_index(ix)
    assert calls == [generation]
    calls.clear()
    builds["left"] = 3
    with pytest.raises(IndexCorruptError):
        load_index(ix)
    assert len(calls) == 3 and len(set(calls)) == 3


# ---------------------------------------------------------------- segments: an update writes only the change (issue #25)


def _news_documents() -> list[SourceDocument]:
    from rag import load_paths

    return load_paths([ROOT / "bench" / "data" / "news-dated"]).documents


def _answers(index_dir: Path, questions: list[dict]) -> list[dict]:
    from rag import Assistant, Settings

    assistant = Assistant(index_dir, embeddings=HashingEmbeddings(), settings=Settings(reader="fast"))
    out = []
    for q in questions:
        record = assistant.ask(q["question"], as_of=q["as_of"]).to_dict()
        record.pop("timings_ms")
        out.append(record)
    return out


def test_local_store_incremental_updates_answer_as_a_rebuild_of_the_same_documents(tmp_path: Path) -> None:
    """Adds in three batches (segments, then merged), a removal and a refreshed date answer what one build of the same
    documents answers: the same rows, vectors, BM25 scores to the bit, passages and citations."""
    docs = _news_documents()
    base, batches = docs[:70], [docs[70:90], docs[90:95], docs[95:]]

    def build(index_dir: Path, documents: list[SourceDocument], **kw: object) -> None:
        hashing_build(index_dir, LoadResult(documents=documents),
                    prune=False, **kw)  # type: ignore[arg-type]

    build(tmp_path / "inc", base)
    names = []
    for batch in batches:
        build(tmp_path / "inc", batch)
        names.append([s["name"] for s in read_manifest(tmp_path / "inc")["segments"]])
    assert [len(n) for n in names] == [2, 3, 2]  # 70+20, then +5, then the two small ones merged with the third batch
    assert names[1][:2] == names[0] and names[2][0] == names[0][0]  # the first segment was never rewritten
    refreshed = replace(docs[3], published="2012-01-01")  # same text: stored in the manifest, not re-embedded
    build(tmp_path / "inc", [refreshed], remove=frozenset({docs[5].id, docs[80].id}))
    manifest = read_manifest(tmp_path / "inc")
    assert manifest["segments"][0]["deleted"] == [5] and manifest["segments"][0]["refreshed"]["3"]["published"] == "2012-01-01"
    final = [refreshed if d.id == docs[3].id else d for d in docs if d.id not in (docs[5].id, docs[80].id)]
    build(tmp_path / "fresh", final)
    inc, fresh = load_index(tmp_path / "inc"), load_index(tmp_path / "fresh")
    assert inc.documents == fresh.documents == final and len(read_manifest(tmp_path / "fresh")["segments"]) == 1
    for name in ("chunk_rows", "sentence_rows", "chunk_vectors", "sentence_vectors", "signatures", "copy_of"):
        assert np.array_equal(np.asarray(getattr(inc, name)), np.asarray(getattr(fresh, name))), name
    assert inc.term_df == fresh.term_df
    rows = [0, 7, inc.n_chunks // 2, inc.n_chunks - 1]
    assert np.array_equal(inc.sentence_vectors[rows], fresh.sentence_vectors[rows])  # read through the segments
    for question in ["Airbus A380 orders", "General Motors bankruptcy filing", "iPhone sales quarter"]:
        terms = bm25_terms(question)
        assert np.array_equal(inc.search._lexical.scores(terms), fresh.search._lexical.scores(terms))  # type: ignore[union-attr]
        vector = np.asarray(HashingEmbeddings().embed_query(question), np.float32)
        for where in (ChunkFilter(), ChunkFilter(since=day_number("2008-01-01"), until=day_number("2009-12-31"))):
            assert inc.search.dense_search(vector, 10, where) == fresh.search.dense_search(vector, 10, where)
            assert inc.search.lexical_search(terms, 10, where) == fresh.search.lexical_search(terms, 10, where)
    questions = [json.loads(line) for line in (ROOT / "bench" / "data" / "news-dated" / "questions.jsonl").read_text().splitlines()]
    asked = questions[1:40:6]
    assert _answers(tmp_path / "inc", asked) == _answers(tmp_path / "fresh", asked)


def test_local_store_a_format_1_index_answers_and_its_first_update_rewrites_it_as_one_segment(
    tmp_path: Path, local_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _format_1_copy(local_index_dir, tmp_path / "old")
    capsys.readouterr()
    index = load_index(old)
    assert capsys.readouterr() == ("", "")  # bm25s loads without a progress bar or a message
    assert index.bm25 is not None and read_manifest(old)["format_version"] == 1 and index.path == old
    fresh = load_index(local_index_dir)
    # Every table reads back as the segment layout holds it: documents, rows, vectors, copies, term counts.
    assert index.documents == fresh.documents and index.term_df == fresh.term_df and index.manifest["format_version"] == 1
    for name in ("chunk_rows", "sentence_rows", "chunk_vectors", "sentence_vectors", "signatures", "copy_of"):
        assert np.array_equal(np.asarray(getattr(index, name)), np.asarray(getattr(fresh, name))), name
    assert index.signatures is not None and index.copy_groups() == fresh.copy_groups()
    folder = old / read_manifest(old)["generation"]  # with its bm25s folder
    assert index_size_bytes(old) == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) + (
        old / "manifest.json").stat().st_size
    vector = np.asarray(HashingEmbeddings().embed_query("the harbour bridge"), np.float32)
    for terms in (["harbour"], ["bridg", "harbour", "harbour"], ["nowher"]):
        assert index.search.lexical_search(terms, 6, ChunkFilter()) == fresh.search.lexical_search(terms, 6, ChunkFilter())
    assert index.search.dense_search(vector, 6, ChunkFilter()) == fresh.search.dense_search(vector, 6, ChunkFilter())
    report = build_index(old, LoadResult(documents=[_local_doc("pier", "The pier reopened too.", "2024-07-01")]),
                         embeddings=HashingEmbeddings(), chunker=TokenChunker(120, 30), prune=False)
    manifest = read_manifest(old)
    assert report.added == ["pier"] and manifest["format_version"] == 2 and len(manifest["segments"]) == 1
    assert [d.id for d in load_index(old).documents] == [row[0] for row in _LOCAL_TEXTS] + ["pier"]
    assert folder.is_dir()  # the format-1 generation stays for a reader that opened it, until the next build
    live = old / manifest["segments"][0]["name"]  # the one segment now; a folder left from before is not counted
    (old / "leftover").mkdir()
    (old / "leftover" / "x.npy").write_bytes(b"0" * 4096)
    assert index_size_bytes(old) == sum(p.stat().st_size for p in live.rglob("*") if p.is_file()) + (
        old / "manifest.json").stat().st_size


def test_local_store_a_format_1_ivf_index_searches_with_its_recorded_nprobe(tmp_path: Path, local_index_dir: Path) -> None:
    """An IVF index searches with the nprobe its manifest records, even where its file says otherwise."""
    import faiss

    old = _format_1_copy(local_index_dir, tmp_path / "old")
    manifest = json.loads((old / "manifest.json").read_text())
    gen = old / manifest["generation"]
    vectors = np.ascontiguousarray(np.load(gen / "chunk_vectors.npy"), dtype=np.float32)
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    ivf = faiss.IndexIVFScalarQuantizer(quantizer, vectors.shape[1], 2, faiss.ScalarQuantizer.QT_8bit,
                                        faiss.METRIC_INNER_PRODUCT)
    ivf.train(np.repeat(vectors, 20, axis=0))  # enough points for two centroids
    ivf.add(vectors)
    faiss.write_index(ivf, str(gen / "dense.faiss"))
    manifest["files"]["dense.faiss"] = (gen / "dense.faiss").stat().st_size
    manifest["dense_index"] = {"type": "ivf-sq8", "nprobe": 2}
    (old / "manifest.json").write_text(json.dumps(manifest))
    index = load_index(old)
    assert faiss.extract_index_ivf(index.dense).nprobe == 2  # the file says 1 of the 2 lists (written before it was set)
    lists = faiss.extract_index_ivf(index.dense).invlists
    assert min(lists.list_size(i) for i in range(2)) > 0  # both lists hold chunks
    flat = load_index(local_index_dir)
    for row in (0, index.n_chunks - 1):  # both lists probed: the same chunks as the exact index finds, all of them
        hits = index.search.dense_search(np.asarray(vectors[row]), index.n_chunks, ChunkFilter())
        exact = flat.search.dense_search(np.asarray(vectors[row]), index.n_chunks, ChunkFilter())
        assert sorted(h.row for h in hits) == sorted(h.row for h in exact)


def test_local_store_a_format_1_index_whose_tables_disagree_is_corrupt_in_one_line(tmp_path: Path, local_index_dir: Path) -> None:
    """Tables of the recorded sizes that do not agree with each other (one vector short) name the rebuild."""
    rows = "row counts of chunks, vectors and FAISS disagree"
    reasons = {"chunk_vectors.npy": rows, "sentence_vectors.npy": rows,
               "copies.npy": "per-document tables and documents.jsonl disagree"}
    for table, reason in reasons.items():
        old = _format_1_copy(local_index_dir, tmp_path / table)
        manifest = json.loads((old / "manifest.json").read_text())
        path = old / manifest["generation"] / table
        np.save(path, np.load(path)[:-1])  # a row short, and the manifest says so: only the row counts can tell
        manifest["files"][table] = path.stat().st_size
        (old / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(IndexCorruptError) as caught:
            load_index(old)
        assert str(caught.value).startswith(f"index at {old} is corrupt ({reason})") and "--rebuild" in str(caught.value)


def test_local_store_merges_keep_few_segments_and_reclaim_tombstones(tmp_path: Path) -> None:
    from rag.stores._local import DELETED_SHARE, MAX_SEGMENTS

    ix = tmp_path / "ix"
    docs = [_local_doc(f"d{i:02d}", f"Story {i} about the harbour number {i * 37}.", "2024-03-01") for i in range(40)]
    hashing_build(ix, LoadResult(documents=docs[:20]))
    counts = []
    for doc in docs[20:]:  # twenty adds of one document: a binary counter of segments, never more than MAX_SEGMENTS
        hashing_build(ix, LoadResult(documents=[doc]), prune=False)
        counts.append(len(read_manifest(ix)["segments"]))
    assert max(counts) <= MAX_SEGMENTS and counts[:4] == [2, 2, 3, 2]
    assert [s["n_documents"] for s in read_manifest(ix)["segments"]] == [20, 16, 4]  # sizes halve, oldest to newest
    assert [d.id for d in load_index(ix).documents] == [d.id for d in docs]
    # Removing over a third of the first segment's documents rewrites it; fewer stay as tombstones.
    hashing_build(ix, LoadResult(), remove=frozenset({"d00", "d01"}))
    assert read_manifest(ix)["segments"][0]["deleted"] == [0, 1]
    gone = frozenset(d.id for d in docs[2:2 + int(DELETED_SHARE * 20)])
    hashing_build(ix, LoadResult(), remove=gone)
    manifest = read_manifest(ix)
    assert all(s["deleted"] == [] for s in manifest["segments"]) and manifest["n_documents"] == 40 - 2 - len(gone)
    index = load_index(ix)
    assert [d.id for d in index.documents] == [d.id for d in docs if d.id not in gone | {"d00", "d01"}]
    assert index.search.lexical_search(["harbour"], 3, ChunkFilter())[0].row == 0


def test_local_store_a_rewritten_segment_scores_words_as_a_fresh_build(tmp_path: Path) -> None:
    """A segment rewritten without its deleted documents (its last one among them) keeps each chunk's own length."""
    from rag.stores._local import DELETED_SHARE

    docs = [_local_doc(f"d{i:02d}", f"Story {i} about the harbour." + " The tide came in again." * (i % 5), "2024-03-01")
            for i in range(30)]
    ix = tmp_path / "ix"
    hashing_build(ix, LoadResult(documents=docs[:20]))
    hashing_build(ix, LoadResult(documents=docs[20:]), prune=False)
    # Over the share of the newest segment, its last document included: rewritten, the dropped rows mapped to -1.
    gone = frozenset(d.id for d in docs[29 - int(DELETED_SHARE * 10):30])
    hashing_build(ix, LoadResult(), remove=gone)
    assert all(s["deleted"] == [] for s in read_manifest(ix)["segments"])  # rewritten, not tombstoned
    live = [d for d in docs if d.id not in gone]
    hashing_build(tmp_path / "fresh", LoadResult(documents=live))
    index, fresh = load_index(ix), load_index(tmp_path / "fresh")
    assert [d.id for d in index.documents] == [d.id for d in live]
    for question in ("harbour", "the tide came in", "story 11", "story 24 tide"):
        terms = bm25_terms(question)
        assert np.allclose(index.search._lexical.scores(terms), fresh.search._lexical.scores(terms)), question  # type: ignore[union-attr]


def test_local_store_an_update_removing_every_document_leaves_an_empty_index_that_grows_again(tmp_path: Path) -> None:
    docs = [_local_doc(f"d{i}", f"Story {i} about the harbour and bridge {i}.", "2024-03-01") for i in range(4)]
    ix = tmp_path / "ix"
    hashing_build(ix, LoadResult(documents=docs))
    hashing_build(ix, LoadResult(), remove=frozenset(d.id for d in docs))
    manifest = read_manifest(ix)
    assert manifest["n_documents"] == 0 and [(s["n_documents"], s["n_chunks"]) for s in manifest["segments"]] == [(0, 0)]
    index = load_index(ix)
    vector = np.asarray(HashingEmbeddings().embed_query("harbour"), np.float32)
    assert index.documents == [] and index.n_chunks == 0 and index.chunk_vectors.shape == (0, 64)
    assert index.search.dense_search(vector, 5, ChunkFilter()) == [] and index.search.lexical_search(["harbour"], 5, ChunkFilter()) == []
    hashing_build(ix, LoadResult(documents=docs[:2]), prune=False)
    index = load_index(ix)
    assert [d.id for d in index.documents] == ["d0", "d1"] and read_manifest(ix)["n_documents"] == 2
    assert [h.row for h in index.search.lexical_search(bm25_terms("bridge 1"), 1, ChunkFilter())] == [1]
    assert index.search.dense_search(np.asarray(index.chunk_vectors[1], np.float32), 1, ChunkFilter())[0].row == 1


def test_local_store_segments_a_build_replaces_stay_until_the_next_build(tmp_path: Path) -> None:
    """A reader that opened the manifest just replaced can still read its segments; the build after removes them."""
    from rag.stores._local import DELETED_SHARE

    docs = [_local_doc(f"d{i:02d}", f"Story {i} about the harbour and bridge {i}.", "2024-03-01") for i in range(22)]
    ix = tmp_path / "ix"
    hashing_build(ix, LoadResult(documents=docs[:20]))
    hashing_build(ix, LoadResult(documents=docs[20:21]), prune=False)
    first, second = (s["name"] for s in read_manifest(ix)["segments"])
    reader = load_index(ix)
    gone = frozenset(d.id for d in docs[: int(DELETED_SHARE * 20) + 1])  # over the share: the first is rewritten
    hashing_build(ix, LoadResult(), remove=gone)
    names = [s["name"] for s in read_manifest(ix)["segments"]]
    assert first not in names and second not in names  # rewritten, with the small one merged in
    assert (ix / first).is_dir() and (ix / second).is_dir()  # listed by the replaced manifest: kept
    assert [h.row for h in reader.search.lexical_search(bm25_terms("bridge 0"), 1, ChunkFilter())] == [0]
    assert np.array_equal(reader.chunk_vectors[[0, 20]], np.asarray(reader.chunk_vectors)[[0, 20]])  # still readable
    hashing_build(ix, LoadResult(documents=docs[21:]), prune=False)
    assert not (ix / first).exists() and not (ix / second).exists()
    assert all((ix / s["name"]).is_dir() for s in read_manifest(ix)["segments"])


def test_local_store_metadata_refreshed_in_any_segment_is_kept_across_updates(tmp_path: Path) -> None:
    """Same text, new metadata: recorded in its own segment's entry (never the text), applied at load, kept later."""
    docs = [_local_doc(f"d{i:02d}", f"Story {i} about the harbour and bridge {i}.", "2024-03-01") for i in range(23)]
    ix = tmp_path / "ix"
    hashing_build(ix, LoadResult(documents=docs[:20]))
    for doc in docs[20:]:
        hashing_build(ix, LoadResult(documents=[doc]), prune=False)
    assert [s["n_documents"] for s in read_manifest(ix)["segments"]] == [20, 2, 1]
    # The first document of each segment: positions 0, 20 and 22 of the index.
    changed = {i: replace(docs[i], published=f"2011-0{n + 1}-05", title=f"Updated {i}") for n, i in enumerate((0, 20, 22))}
    hashing_build(ix, LoadResult(documents=list(changed.values())), prune=False)
    entries = read_manifest(ix)["segments"]
    assert [sorted(e["refreshed"]) for e in entries] == [["0"], ["0"], ["0"]]
    assert entries[1]["refreshed"]["0"] == {k: v for k, v in changed[20].__dict__.items() if k != "text"}
    later = replace(docs[21], published=None)  # its date withdrawn: one undated document now
    hashing_build(ix, LoadResult(documents=[later]), prune=False)
    manifest = read_manifest(ix)
    entries = manifest["segments"]
    assert sorted(entries[1]["refreshed"]) == ["0", "1"] and entries[2]["refreshed"]["0"]["published"] == "2011-03-05"
    assert (manifest["n_documents"], manifest["n_undated"]) == (23, 1)
    expected = [changed.get(i, later if i == 21 else d) for i, d in enumerate(docs)]
    assert load_index(ix).documents == expected


def test_local_store_a_segment_exactly_a_third_tombstoned_stays_as_it_is(tmp_path: Path) -> None:
    docs = [_local_doc(f"d{i}", f"Story {i} about the harbour.", "2024-03-01") for i in range(3)]  # a chunk each
    ix = tmp_path / "ix"
    hashing_build(ix, LoadResult(documents=docs))
    name = read_manifest(ix)["segments"][0]["name"]
    hashing_build(ix, LoadResult(), remove=frozenset({"d1"}))
    (entry,) = read_manifest(ix)["segments"]
    assert (entry["name"], entry["deleted"], entry["n_chunks"]) == (name, [1], 3)  # a third: a tombstone
    hashing_build(ix, LoadResult(), remove=frozenset({"d2"}))
    (entry,) = read_manifest(ix)["segments"]
    assert entry["name"] != name and (entry["deleted"], entry["n_chunks"]) == ([], 1)  # two thirds: rewritten


def test_local_store_builds_over_a_manifest_damaged_in_any_way(tmp_path: Path) -> None:
    docs = [_local_doc(f"d{i}", f"Story {i} about the harbour.", "2024-03-01") for i in range(2)]
    for n, damage in enumerate(("{", "[]", '{"segments": [1]}', '{"segments": 5}', "\udcff")):
        ix = tmp_path / f"ix{n}"
        hashing_build(ix, LoadResult(documents=docs))
        (ix / "manifest.json").write_bytes(damage.encode("utf-8", "surrogateescape"))
        hashing_build(ix, LoadResult(documents=docs))
        assert [d.id for d in load_index(ix).documents] == ["d0", "d1"], damage


def test_local_store_kept_rows_match_a_mask_per_document() -> None:
    """The one-pass grouping gives what masking every row per kept document gave, sorted tables or not."""
    rng = np.random.default_rng(3)
    tables = (np.sort(rng.integers(0, 12, 80)), rng.integers(0, 12, 80), np.zeros(0, dtype=np.int32),
              np.array([0, 0, 2, 2, 3, 7, 7, 8, 11, 11]),  # sorted; documents 1, 4-6, 9 and 10 have no rows
              np.array([0, 7, 3, 2, 11, 8, 0, 2]),  # unsorted, although no row is below the first
              np.array([11, 8, 8, 7, 3, 2, 0]))  # descending
    for doc_of in tables:
        keep = np.array([0, 2, 3, 7, 8, 11, 1, 10], dtype=np.int64)
        rows, counts, first = kept_rows(doc_of, 12, keep)
        masks = [doc_of == k for k in keep]
        assert rows.tolist() == [i for mask in masks for i in np.flatnonzero(mask).tolist()]
        assert counts.tolist() == [int(mask.sum()) for mask in masks]
        assert first.tolist() == [int(np.argmax(mask)) if mask.any() else 0 for mask in masks]


def test_local_store_dense_search_over_whole_and_tombstoned_segments_is_the_exact_search(tmp_path: Path) -> None:
    """Each segment is asked for its own nearest (whole ones straight from FAISS) and the hits merge by score, then row."""
    docs = [_local_doc(f"d{i:02d}", f"Story {i} about harbour {i * 37} and bridge {i % 7}.", "2024-03-01") for i in range(21)]
    ix = tmp_path / "ix"
    hashing_build(ix, LoadResult(documents=docs[:20]))
    hashing_build(ix, LoadResult(documents=docs[20:]), prune=False)
    assert [s["n_chunks"] for s in read_manifest(ix)["segments"]] == [20, 1]  # the second: one chunk, searched too
    for removed in (frozenset(), frozenset({"d03"})):  # two whole segments, then the first with a tombstone
        if removed:
            hashing_build(ix, LoadResult(), remove=removed)
        assert [s["deleted"] for s in read_manifest(ix)["segments"]] == ([[], []] if not removed else [[3], []])
        index = load_index(ix)
        live = [d for d in docs if d.id not in removed]
        hashing_build(tmp_path / "fresh", LoadResult(documents=live))
        fresh = load_index(tmp_path / "fresh")  # one whole segment: FAISS's answer as it is
        counts = ("n_documents", "n_chunks", "n_sentences", "n_undated", "n_copies")
        assert [read_manifest(ix)[c] for c in counts] == [read_manifest(tmp_path / "fresh")[c] for c in counts]
        every_chunk = ChunkFilter(one_per_copy_group=False)

        def ranked(hits: list[Hit]) -> list[tuple[int, float]]:  # equal scores in row order on both sides
            return sorted(((h.row, round(h.score, 5)) for h in hits), key=lambda hit: (-hit[1], hit[0]))

        for vector in np.random.default_rng(7).normal(size=(3, 64)).astype(np.float32):  # no equal scores
            for k in (1, 4, index.n_chunks):
                hits = index.search.dense_search(vector, k, every_chunk)
                assert len(hits) == k and ranked(hits) == ranked(fresh.search.dense_search(vector, k, every_chunk)), (
                    removed, k)
        for question in ("harbour", "story 0", "story 20 harbour", "bridge 3 story 4"):  # row 0 lives in the tombstoned one
            terms = bm25_terms(question)
            assert np.allclose(index.search._lexical.scores(terms), fresh.search._lexical.scores(terms)), question  # type: ignore[union-attr]
        # The tables read like the one-segment build's arrays, whichever segment a row lives in.
        for name in ("chunk_vectors", "sentence_vectors"):
            table, same = getattr(index, name), np.asarray(getattr(fresh, name))
            n = len(same)
            assert len(table) == n and table.shape == same.shape and table.ndim == 2 and table.dtype == same.dtype
            for key in (0, -1, n - 1, slice(None), slice(-3, None), slice(1, None, 2), np.array([2, -1, 0]),
                        np.arange(n) % 3 == 0, [n - 2, 1]):
                assert np.array_equal(table[key], same[key]), (name, key)
            wide = np.asarray(table, dtype=np.float16)  # converted when asked
            assert wide.dtype == np.float16 and np.array_equal(wide, same.astype(np.float16))
            for key in (n, -n - 1, np.array([0, n])):
                with pytest.raises(IndexError) as caught:
                    table[key]
                assert str(caught.value) == f"row out of range for a table of {n} rows"
        shutil.rmtree(tmp_path / "fresh")
        assert [d.id for d in index.documents] == [d.id for d in docs if d.id not in removed]
        manifest = read_manifest(ix)
        assert index_size_bytes(ix) == (ix / "manifest.json").stat().st_size + sum(
            p.stat().st_size for s in manifest["segments"] for p in (ix / s["name"]).rglob("*") if p.is_file())


def test_local_store_tombstoned_chunks_are_skipped_inside_faiss_flat_or_ivf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment's tombstones never come back from its FAISS index (an ID selector), exact or IVF-SQ8."""
    import functools

    from rag.stores import _local

    docs = [_local_doc(f"d{i:02d}", f"Story {i} about harbour {i * 37} and bridge {i % 7}.", "2024-03-01") for i in range(60)]
    for exact_limit in (100_000, 10):  # flat, then IVF-SQ8 (nprobe covers every cell: the same hits, quantized scores)
        monkeypatch.setattr(_local, "build_dense_index", functools.partial(_local.build_dense_index, exact_limit=exact_limit))
        ix = tmp_path / f"ix-{exact_limit}"
        hashing_build(ix, LoadResult(documents=docs))
        if exact_limit < 60:  # a whole IVF segment searches with the nprobe its entry recorded
            import faiss

            (entry,) = read_manifest(ix)["segments"]
            assert faiss.extract_index_ivf(load_index(ix).dense).nprobe == entry["dense_index"]["nprobe"] > 1
        gone = frozenset(d.id for d in docs[::5])  # 12 of 60: under a third, so they stay tombstones
        hashing_build(ix, LoadResult(), remove=gone)
        (segment,) = read_manifest(ix)["segments"]
        assert len(segment["deleted"]) == 12 and segment["dense_index"]["type"] == ("flat" if exact_limit > 60 else "ivf-sq8")
        index = load_index(ix)
        vector = np.asarray(index.chunk_vectors[7], dtype=np.float32)
        hits = index.search.dense_search(vector, 10, ChunkFilter(one_per_copy_group=False))
        exact = _exact_dense(index, vector, 10, np.ones(index.n_chunks, dtype=bool))
        assert len(hits) == 10 and hits[0].row == 7
        if exact_limit > 60:  # exact: the oracle's scores (their ties may fall in another order)
            assert [round(h.score, 4) for h in hits] == [round(score, 4) for _, score in exact]
        (shard,) = index.search._shards  # type: ignore[attr-defined]
        ids, _ = shard.nearest(vector, 48)  # every live chunk: none of the tombstoned
        assert sorted(ids.tolist()) == np.flatnonzero(shard.rows >= 0).tolist()
        assert [d.id for d in index.documents] == [d.id for d in docs if d.id not in gone]
