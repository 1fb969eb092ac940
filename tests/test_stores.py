"""The store contract, the same tests over every store: a local folder and PostgreSQL + pgvector (started for real)."""

from __future__ import annotations

import hashlib
import math
import subprocess
import threading
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
import pytest

from rag import Assistant, IndexMismatchError, MiniLMEmbeddings, SourceDocument, StoreError, bundled_articles_dir
from rag._building import IndexStore
from rag._dates import DateRange
from rag._evaluation import evaluate
from rag._goldsets import load_eval_set
from rag._index import IndexData
from rag._query import Query
from rag.cli import main
from rag.stores import open_index
from tests.conftest import ROOT, free_port

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
