"""Retrieval: RRF arithmetic, modes, merging of overlapping hits, the LangChain seam."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from rag import (
    Assistant,
    ConfigError,
    HybridSearcher,
    MiniLMEmbeddings,
    PassageRetriever,
    Settings,
    bundled_articles_dir,
    rrf_fuse,
)
from rag._dates import DateRange
from rag._evidence import QuestionTerms, sentence_evidence
from rag._index import IndexData
from rag._retrieval import MODES, chunk_filter
from rag._search import ChunkFilter, ChunkSearch, Hit
from rag._text import bm25_terms
from rag._types import Passage


def test_rrf_hand_computed() -> None:
    fused = dict(rrf_fuse([[10, 20, 30], [30, 10]], k=60))
    assert fused[10] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[30] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[20] == pytest.approx(1 / 62)
    assert [i for i, _ in rrf_fuse([[10, 20, 30], [30, 10]], k=60)] == [10, 30, 20]


def test_rrf_edge_cases() -> None:
    assert rrf_fuse([]) == []
    assert rrf_fuse([[], []]) == []
    assert [i for i, _ in rrf_fuse([[1, 2], []])] == [1, 2]
    # k=0 gives the plain reciprocal rank.
    assert dict(rrf_fuse([[5]], k=0))[5] == pytest.approx(1.0)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_modes_find_the_troops_passage(assistant: Assistant, embedder: MiniLMEmbeddings, mode: str) -> None:
    searcher = HybridSearcher(assistant.snapshot()[0], embedder, mode=mode)
    passages = searcher.search("how many troops are taking part?", top_k=3)
    assert passages and passages[0].rank == 1
    assert any("10,000 troops" in p.text or "ten thousand troops" in p.text for p in passages)
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))
    assert all(p.dense_score is not None for p in passages) or mode == "bm25"


def test_passages_do_not_overlap_and_match_documents(assistant: Assistant) -> None:
    passages = assistant.ask("Russia China joint military drill troops Afghanistan", top_k=10).passages
    for p in passages:
        assert assistant.document(p.doc_id).text[p.start : p.end] == p.text
    for a in passages:
        for b in passages:
            if a is not b and a.doc_id == b.doc_id:
                assert a.end <= b.start or b.end <= a.start, "overlapping chunks must be merged"


def test_merging_overlapping_chunks_into_one_passage(make_assistant, articles_copy: Path) -> None:  # type: ignore[no-untyped-def]
    small = make_assistant("small", Settings(chunk_tokens=100, chunk_overlap=45))
    small.index([articles_copy])
    searcher = small.snapshot()[1]
    passages = searcher.search("Tajikistan border Afghanistan Taliban control refugees", top_k=10)
    merged = [p for p in passages if len(p.chunk_ids) > 1]
    assert merged, "neighbouring overlapping chunks should merge"
    for p in merged:
        assert small.document(p.doc_id).text[p.start : p.end] == p.text


def test_duplicate_text_in_two_documents_is_returned_once(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dup"
    folder.mkdir()
    text = "Wire story\nThe central bank raised interest rates by half a point on Thursday."
    (folder / "a.txt").write_text(text)
    (folder / "b.txt").write_text(text)
    (folder / "c.txt").write_text("Other\nThe football club signed a new striker.")
    assistant = make_assistant("dup")
    assistant.index([folder])
    passages = assistant.snapshot()[1].search("interest rates central bank", top_k=3)
    assert sum("interest rates" in p.text for p in passages) == 1


def test_unknown_mode_is_config_error(assistant: Assistant, embedder: MiniLMEmbeddings) -> None:
    with pytest.raises(ConfigError, match="unknown retrieval mode"):
        HybridSearcher(assistant.snapshot()[0], embedder, mode="semantic")


def test_langchain_retriever_interface(assistant: Assistant) -> None:
    retriever = PassageRetriever(searcher=assistant.snapshot()[1], top_k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("why Tajikistan?")
    assert 1 <= len(docs) <= 2
    assert "Tajikistan" in " ".join(d.page_content for d in docs)
    meta = docs[0].metadata
    assert {"doc_id", "title", "source", "start", "end", "score"} <= set(meta)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_passage_carries_its_documents_title_source_and_scores(assistant: Assistant, embedder: MiniLMEmbeddings,
                                                                    mode: str) -> None:
    """The scores a passage reports are its mode's: dense mode ranks by cosine, bm25 by its BM25 score."""
    index = assistant.snapshot()[0]
    passages = HybridSearcher(index, embedder, mode=mode).search("how many troops are taking part?", top_k=3)
    for p in passages:
        doc = assistant.document(p.doc_id)
        assert (p.title, p.source) == (doc.title, doc.source)
        assert isinstance(p.score, float) and p.score > 0
        if mode == "dense":
            assert p.score == p.dense_score and p.lexical_score is None
        elif mode == "bm25":
            assert p.score == p.lexical_score and p.dense_score is None
    if mode != "dense":
        assert any(p.lexical_score is not None and p.lexical_score > 0 for p in passages)
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)


def test_a_passage_becomes_a_langchain_document_with_its_metadata() -> None:
    from rag._retrieval import passage_document
    from rag._types import Passage, SourceDocument

    doc = SourceDocument(id="a", title="A", source="/srv/news/a.txt", text="Hi there. " * 30, sha256="x",
                         published="2021-08-09", outlet="Wire", author="Lee Park", url="https://x/a")
    passage = Passage(2, "a", "A", doc.source, 0, 9, "Hi there.", 0.03, dense_score=0.8, lexical_score=4.5,
                      chunk_ids=("a#10", "a#2"))
    document = passage_document(passage, doc)
    assert document.id == "a#2+a#10"  # chunks in document order, not as strings
    assert document.page_content == "Hi there."
    assert document.metadata == {
        "doc_id": "a", "title": "A", "source": "a.txt", "outlet": "Wire", "published": "2021-08-09", "start": 0,
        "end": 9, "rank": 2, "score": 0.03, "dense_score": 0.8, "lexical_score": 4.5, "chunk_ids": ["a#2", "a#10"],
        "author": "Lee Park", "url": "https://x/a",
    }


# --- search, fusion and reranking, checked against the store's own two searches -------------------------------


class RecordingSearch:
    """The store's real searches, recording what retrieval asked of each (which search, ``k``, the filter)."""

    def __init__(self, inner: ChunkSearch) -> None:
        self.inner = inner
        self.calls: list[tuple[str, int, ChunkFilter]] = []

    def dense_search(self, vector: np.ndarray, k: int, where: ChunkFilter) -> list[Hit]:
        self.calls.append(("dense", k, where))
        return self.inner.dense_search(vector, k, where)

    def lexical_search(self, terms: Sequence[str], k: int, where: ChunkFilter) -> list[Hit]:
        self.calls.append(("lexical", k, where))
        return self.inner.lexical_search(terms, k, where)


def bundled_in_chunks(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings, name: str,
                      chunk_tokens: int, chunk_overlap: int) -> IndexData:
    """The bundled articles indexed with these chunk settings."""
    index_dir = tmp_path_factory.mktemp(name) / "index"
    settings = Settings(chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap)
    built = Assistant(index_dir, embeddings=embedder, settings=settings)
    built.index([bundled_articles_dir()])
    return built.snapshot()[0]


@pytest.fixture(scope="module")
def fine(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> IndexData:
    """The bundled articles in small chunks that share no sentence (so each hit is its own passage)."""
    return bundled_in_chunks(tmp_path_factory, embedder, "fine", 40, 0)


def recorded(index: IndexData) -> tuple[IndexData, RecordingSearch]:
    """The same index, its searches recorded."""
    assert index.search is not None
    recording = RecordingSearch(index.search)
    return dataclasses.replace(index, search=recording), recording


def test_a_searchers_defaults_are_the_documented_ones(news: Assistant, embedder: MiniLMEmbeddings) -> None:
    searcher = HybridSearcher(news.snapshot()[0], embedder)
    settings = Settings()
    assert (searcher.mode, searcher.candidates, searcher.rrf_k, searcher.rerank_depth) == (
        settings.retrieval, settings.candidates, settings.rrf_k, 20)
    assert (searcher.mode, searcher.candidates, searcher.rrf_k) == ("hybrid", 50, 60)
    assert len(searcher.search("what did officials say?", top_k=6)) == 6
    assert len(searcher.search("what did officials say?")) == 5  # top_k defaults to five
    assert dict(rrf_fuse([[7, 8]]))[7] == pytest.approx(1 / 61)  # the RRF constant defaults to 60


def test_configuration_errors_say_what_to_do(assistant: Assistant, embedder: MiniLMEmbeddings) -> None:
    index = assistant.snapshot()[0]
    with pytest.raises(ConfigError) as error:
        HybridSearcher(index, embedder, mode="semantic")
    assert str(error.value) == "unknown retrieval mode 'semantic': use one of hybrid, dense, bm25"
    with pytest.raises(ConfigError) as error:
        HybridSearcher(dataclasses.replace(index, search=None), embedder)
    assert str(error.value) == (
        "the index was opened without its store's searches (open it with rag.stores.open_index)")


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_top_k_counts_passages_and_nothing_is_returned_for_none(assistant: Assistant, embedder: MiniLMEmbeddings,
                                                                 mode: str) -> None:
    index, recording = recorded(assistant.snapshot()[0])
    searcher = HybridSearcher(index, embedder, mode=mode)
    question = "Russia China joint military drill troops"
    assert len(searcher.search(question, top_k=1)) == 1
    assert len(searcher.search(question, top_k=2)) == 2
    recording.calls.clear()
    assert searcher.search(question, top_k=0) == []
    assert searcher.search(question, top_k=-1) == []
    assert recording.calls == []  # nothing asked of the store for no passages


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_an_index_of_one_chunk_returns_that_chunk(make_assistant, tmp_path: Path, embedder: MiniLMEmbeddings,  # type: ignore[no-untyped-def]
                                                   mode: str) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "rates.txt").write_text("Rates rise\nThe central bank raised interest rates by half a point.")
    one = make_assistant("one")
    one.index([folder])
    index = one.snapshot()[0]
    assert index.n_chunks == 1
    passages = HybridSearcher(index, embedder, mode=mode).search("central bank interest rates", top_k=5)
    assert [(p.doc_id, p.chunk_ids, p.rank) for p in passages] == [("rates", ("rates#0",), 1)]


@pytest.mark.parametrize(("mode", "top_k", "candidates", "asked"), [
    ("hybrid", 2, 3, 8), ("hybrid", 1, 6, 6), ("dense", 3, 1, 12), ("bm25", 1, 2, 4), ("bm25", 1000, 1, None),
])
def test_each_list_brings_the_larger_of_candidates_and_four_per_passage(
        fine: IndexData, embedder: MiniLMEmbeddings, mode: str, top_k: int, candidates: int,
        asked: int | None) -> None:
    """Each search the mode needs is asked once, for max(candidates, 4 * top_k) hits, at most every chunk."""
    index, recording = recorded(fine)
    assert index.n_chunks > 12
    HybridSearcher(index, embedder, mode=mode, candidates=candidates).search("troops taking part in the drill", top_k)
    k = index.n_chunks if asked is None else asked
    searches = {"hybrid": ["dense", "lexical"], "dense": ["dense"], "bm25": ["lexical"]}[mode]
    assert recording.calls == [(name, k, ChunkFilter()) for name in searches]


def test_a_given_query_vector_is_searched_instead_of_the_questions(assistant: Assistant,
                                                                   embedder: MiniLMEmbeddings) -> None:
    searcher = HybridSearcher(assistant.snapshot()[0], embedder, mode="dense")
    asked = searcher.search("how many troops are taking part?", top_k=3)
    vector = searcher.embed_query("how many troops are taking part?")
    given = searcher.search("Tajikistan border with Afghanistan", top_k=3, query_vector=vector)
    assert [(p.doc_id, p.chunk_ids, p.dense_score) for p in given] == [
        (p.doc_id, p.chunk_ids, p.dense_score) for p in asked]
    other = searcher.search("Tajikistan border with Afghanistan", top_k=3)
    assert [p.chunk_ids for p in other] != [p.chunk_ids for p in asked]


class QueryPrefixed(Embeddings):
    """An asymmetric model (as E5's are): a question is embedded as ``"query: " + text``, a document as is."""

    def __init__(self, model: MiniLMEmbeddings) -> None:
        self.model = model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_documents(["query: " + text])[0]


def test_a_question_is_embedded_on_the_models_query_side(assistant: Assistant, embedder: MiniLMEmbeddings) -> None:
    searcher = HybridSearcher(assistant.snapshot()[0], QueryPrefixed(embedder))
    vector = searcher.embed_query("how many troops?")
    expected = embedder.encode(["query: how many troops?"])[0]
    assert vector == pytest.approx(expected, abs=1e-5)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert float(vector @ embedder.encode(["how many troops?"])[0]) < 0.999


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_a_date_range_keeps_its_articles_and_the_first_allowed_copy(news: Assistant, embedder: MiniLMEmbeddings,
                                                                     mode: str) -> None:
    """quake-wire (2 June 2026) and quake-reprint (3 June) are one story: searched once, as the range allows."""
    index, recording = recorded(news.snapshot()[0])
    searcher = HybridSearcher(index, embedder, mode=mode)
    question = "magnitude 7.4 earthquake struck off the coast port city killed"
    everywhere = {p.doc_id for p in searcher.search(question, top_k=10)}
    assert "quake-wire" in everywhere and "quake-reprint" not in everywhere
    dates = DateRange(since=date(2026, 6, 3))
    recording.calls.clear()
    passages = searcher.search(question, top_k=10, dates=dates)
    assert "quake-reprint" in {p.doc_id for p in passages} and "quake-wire" not in {p.doc_id for p in passages}
    assert all(news.document(p.doc_id).published >= "2026-06-03" for p in passages)
    assert {where for _, _, where in recording.calls} == {chunk_filter(dates)}
    recording.calls.clear()
    assert searcher.search(question, top_k=10, dates=DateRange(since=date(2030, 1, 1))) == []
    assert recording.calls == []  # known to be empty before the store is asked (a round trip saved on a database)


def test_the_langchain_retriever_follows_its_searcher_and_date_range(news: Assistant) -> None:
    calls: list[HybridSearcher] = []

    def current() -> HybridSearcher:
        calls.append(news.snapshot()[1])
        return calls[-1]

    question = "How many people were killed by the earthquake?"
    retriever = PassageRetriever(searcher=current, top_k=10, dates=DateRange(since=date(2026, 6, 3)))
    documents = retriever.invoke(question)
    assert len(calls) == 1 and documents
    assert {d.metadata["doc_id"] for d in documents} >= {"quake-reprint"}
    assert all(d.metadata["published"] >= "2026-06-03" for d in documents)
    unbounded = {d.metadata["doc_id"] for d in PassageRetriever(searcher=current, top_k=10).invoke(question)}
    assert "quake-wire" in unbounded and "quake-reprint" not in unbounded


def fused_by_hand(index: IndexData, question: str, vector: np.ndarray, n: int, k: int) -> list[int]:
    """Chunk rows by sum of 1 / (k + rank) over the store's dense and BM25 lists of ``n`` hits; ties first seen."""
    assert index.search is not None
    dense = [hit.row for hit in index.search.dense_search(vector, n, ChunkFilter())]
    lexical = [hit.row for hit in index.search.lexical_search(bm25_terms(question), n, ChunkFilter())]
    score: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, row in enumerate(ranking, start=1):
            score[row] = score.get(row, 0.0) + 1 / (k + rank)
    return sorted(score, key=lambda row: -score[row])


def best_evidence(index: IndexData, question: str, vector: np.ndarray, doc_id: str, start: int, end: int) -> float:
    """The best evidence score (rag._evidence) of the sentences of ``doc_id`` inside ``[start, end)``."""
    rows = list(index.sentences_in(index.doc_index[doc_id], start, end))
    assert rows
    return max(e.score for e in sentence_evidence(rows, QuestionTerms.of(question, index), vector, index))


def rows_of(index: IndexData, passages: list[Passage]) -> list[int]:
    assert all(len(p.chunk_ids) == 1 for p in passages)  # no chunk of `fine` overlaps another
    return [index.first_chunk(index.doc_index[p.doc_id]) + int(p.chunk_ids[0].rpartition("#")[2]) for p in passages]


def test_hybrid_fuses_by_reciprocal_rank_then_orders_by_best_sentence(fine: IndexData,
                                                                     embedder: MiniLMEmbeddings) -> None:
    """Without reranking depth, the top_k fused chunks are the passages, ordered by their best sentence's evidence.

    The RRF constant decides which chunks those are: for this question k=1 and k=60 pick different pairs.
    """
    question = "when does the exercise end?"
    vector = HybridSearcher(fine, embedder).embed_query(question)
    picked = {}
    for k in (1, 60):
        passages = HybridSearcher(fine, embedder, candidates=8, rrf_k=k, rerank_depth=0).search(question, top_k=2)
        fused = fused_by_hand(fine, question, vector, 8, k)
        rows = rows_of(fine, passages)
        assert sorted(rows) == sorted(fused[:2])
        picked[k] = set(rows)
        evidence = [best_evidence(fine, question, vector, p.doc_id, p.start, p.end) for p in passages]
        assert [p.score for p in passages] == pytest.approx(evidence, abs=1e-6)
        assert evidence == sorted(evidence, reverse=True)
        assert [p.dense_score for p in passages] == pytest.approx(
            [float(np.asarray(fine.chunk_vectors[[row]], dtype=np.float32)[0] @ vector) for row in rows], abs=1e-6)
    assert picked[1] != picked[60]


def test_reranking_looks_at_rerank_depth_fused_passages(fine: IndexData, embedder: MiniLMEmbeddings) -> None:
    """The top_k passages are the best by evidence among the first max(top_k, rerank_depth) fused ones."""
    question = "when does the exercise end?"
    vector = HybridSearcher(fine, embedder).embed_query(question)
    fused = fused_by_hand(fine, question, vector, 8, 1)
    evidence = {row: best_evidence(fine, question, vector, *fine_span(fine, row)) for row in fused}
    found = {}
    for depth in (0, 2, 5, 20):
        searcher = HybridSearcher(fine, embedder, candidates=8, rrf_k=1, rerank_depth=depth)
        candidates = fused[:max(3, depth)]
        expected = sorted(candidates, key=lambda row: (-evidence[row], candidates.index(row)))[:3]
        found[depth] = rows_of(fine, searcher.search(question, top_k=3))
        assert found[depth] == expected
    assert found[0] != found[20]


def fine_span(index: IndexData, row: int) -> tuple[str, int, int]:
    doc_i, start, end = (int(v) for v in index.chunk_rows[row, :3])
    return index.documents[doc_i].id, start, end


def test_passages_of_equal_evidence_keep_their_fused_order(make_assistant, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           embedder: MiniLMEmbeddings) -> None:
    """Two articles whose only matching sentence is the same sentence tie on evidence: fusion decides."""
    folder = tmp_path / "ferry"
    folder.mkdir()
    sentence = ("The passenger ferry sank near the island early on Monday after striking rocks in a heavy storm, "
                "the coast guard said.")  # long enough to be embedded alone (rag._ingest.embedding_units)
    for name, title in (("alpha", "Alpha weekly digest"), ("beta", "Beta morning roundup")):
        (folder / f"{name}.txt").write_text(f"{title}\n\n{sentence}")
    (folder / "other.txt").write_text("Markets\n\nShares closed higher on Friday.")
    ferry = make_assistant("ferry")
    ferry.index([folder])
    index = ferry.snapshot()[0]
    question = "where did the ferry sink?"
    searcher = HybridSearcher(index, embedder)
    vector = searcher.embed_query(question)
    passages = [p for p in searcher.search(question, top_k=3) if p.doc_id in ("alpha", "beta")]
    assert len(passages) == 2 and passages[0].score == passages[1].score
    fused = [index.documents[int(index.chunk_rows[row, 0])].id for row in fused_by_hand(index, question, vector, 50, 60)]
    assert [p.doc_id for p in passages] == [d for d in fused if d in ("alpha", "beta")]


@pytest.fixture(scope="module")
def overlapping(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> IndexData:
    """The bundled articles in chunks that share about half their sentences with the next one."""
    return bundled_in_chunks(tmp_path_factory, embedder, "overlapping", 100, 45)


def chunk_row(index: IndexData, chunk_id: str) -> int:
    doc_id, _, ordinal = chunk_id.rpartition("#")
    return index.first_chunk(index.doc_index[doc_id]) + int(ordinal)


def cosine(index: IndexData, row: int, vector: np.ndarray) -> float:
    return float(np.asarray(index.chunk_vectors[[row]], dtype=np.float32)[0] @ vector)


@pytest.mark.parametrize(("mode", "question"), [("bm25", "What is Zapad?"), ("dense", "Su-30SM fighters")])
def test_a_full_list_still_takes_in_later_hits_that_overlap_its_passages(overlapping: IndexData,
                                                                          embedder: MiniLMEmbeddings, mode: str,
                                                                          question: str) -> None:
    """top_k=1: the first hit's chunk, widened by each later hit that overlaps it, even after one that does not."""
    index = overlapping
    assert index.search is not None
    searcher = HybridSearcher(index, embedder, mode=mode, candidates=4)
    vector = searcher.embed_query(question)
    if mode == "dense":
        hits = index.search.dense_search(vector, 4, ChunkFilter())
    else:
        hits = index.search.lexical_search(bm25_terms(question), 4, ChunkFilter())
    doc_i, start, end = (int(v) for v in index.chunk_rows[hits[0].row, :3])
    merged, skipped, merged_after_a_skip = [hits[0]], False, False
    for hit in hits[1:]:
        d, s, e = (int(v) for v in index.chunk_rows[hit.row, :3])
        if d == doc_i and s < end and e > start:
            start, end = min(start, s), max(end, e)
            merged.append(hit)
            merged_after_a_skip = skipped
        else:
            skipped = True
    assert merged_after_a_skip  # what this question is for: a hit that does not fit comes before one that merges
    [passage] = searcher.search(question, top_k=1)
    assert (passage.doc_id, passage.start, passage.end) == (index.documents[doc_i].id, start, end)
    assert passage.text == index.documents[doc_i].text[start:end]
    assert passage.chunk_ids == tuple(index.chunk_id(hit.row) for hit in merged)
    if mode == "dense":
        assert passage.dense_score == pytest.approx(max(cosine(index, hit.row, vector) for hit in merged), abs=1e-6)
        assert passage.score == passage.dense_score and passage.lexical_score is None
    else:
        assert passage.lexical_score == max(hit.score for hit in merged) == passage.score
        assert passage.dense_score is None


def test_a_merged_passage_reports_its_best_chunks_scores(overlapping: IndexData, embedder: MiniLMEmbeddings) -> None:
    index = overlapping
    assert index.search is not None
    question = "Tajikistan border Taliban"
    searcher = HybridSearcher(index, embedder)
    vector = searcher.embed_query(question)
    lexical = {hit.row: hit.score for hit in index.search.lexical_search(bm25_terms(question), 50, ChunkFilter())}
    merged = [p for p in searcher.search(question, top_k=3) if len(p.chunk_ids) > 1]
    assert merged
    for p in merged:
        rows = [chunk_row(index, chunk_id) for chunk_id in p.chunk_ids]
        assert p.dense_score == pytest.approx(max(cosine(index, row, vector) for row in rows), abs=1e-6)
        found = [lexical[row] for row in rows if row in lexical]
        assert p.lexical_score == (max(found) if found else None)
        assert p.score == pytest.approx(best_evidence(index, question, vector, p.doc_id, p.start, p.end), abs=1e-6)


def test_a_chunk_two_articles_share_is_one_passage_and_the_next_ones_still_come(
        make_assistant, tmp_path: Path, embedder: MiniLMEmbeddings) -> None:  # type: ignore[no-untyped-def]
    """Two different articles quoting the same paragraph: that chunk is evidence once, and top_k is still filled."""
    folder = tmp_path / "quoted"
    folder.mkdir()
    shared = ("The central bank raised its main interest rate by half a point to 4.5 percent on Thursday, "
              "the largest increase in two decades.")
    (folder / "markets.txt").write_text(
        "Markets\n\nShares in shipping companies fell sharply after the port strike entered its third week, "
        f"and traders expected more losses.\n\n{shared}")
    (folder / "homes.txt").write_text(
        "Homes\n\nHouse prices in the capital rose for the ninth month running, according to the national "
        f"statistics office and estate agents.\n\n{shared}")
    (folder / "sport.txt").write_text("Sport\n\nThe football club signed a new striker from a rival team for a record fee.")
    quoted = make_assistant("quoted", Settings(chunk_tokens=40, chunk_overlap=0))
    quoted.index([folder])
    index = quoted.snapshot()[0]
    texts = [index.chunk_text(row) for row in range(index.n_chunks)]
    assert texts.count(shared) == 2 and index.n_copies == 0  # the same chunk in two articles that are not copies
    for mode in MODES:
        passages = HybridSearcher(index, embedder, mode=mode).search("central bank interest rate increase", top_k=3)
        assert sum(p.text == shared for p in passages) == 1, mode
        if mode != "bm25":  # BM25 finds only the two chunks with the words
            assert len(passages) == 3, mode


def test_a_passage_of_an_article_whose_id_holds_a_hash_is_in_document_order() -> None:
    from rag._retrieval import passage_document
    from rag._types import SourceDocument

    doc = SourceDocument(id="live#blog", title="Live", source="live#blog.txt", text="Update. " * 40, sha256="x")
    passage = Passage(1, doc.id, doc.title, doc.source, 0, 7, "Update.", 0.1, chunk_ids=("live#blog#10", "live#blog#9"))
    document = passage_document(passage, doc)
    assert document.id == "live#blog#9+live#blog#10"
    assert document.metadata["chunk_ids"] == ["live#blog#9", "live#blog#10"]


def test_a_date_range_reaches_the_store_as_day_numbers() -> None:
    assert chunk_filter(None) == chunk_filter(DateRange()) == ChunkFilter()
    june = DateRange(since=date(2026, 6, 1), until=date(2026, 6, 30), as_of=date(2026, 6, 10), include_undated=True)
    assert chunk_filter(june) == ChunkFilter(date(2026, 6, 1).toordinal(), date(2026, 6, 10).toordinal(), True)
    assert chunk_filter(DateRange(until=date(2026, 6, 30))) == ChunkFilter(None, date(2026, 6, 30).toordinal(), False)


def test_articles_of_unknown_date_are_searched_only_when_the_range_keeps_them(
        make_assistant, tmp_path: Path, embedder: MiniLMEmbeddings) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "undated"
    folder.mkdir()
    (folder / "rates.txt").write_text("Rates rise\n\nThe central bank raised interest rates by half a point.")
    (folder / "recall.md").write_text("---\ntitle: Recall\npublished: 2026-03-14\n---\n"
                                      "Recall\n\nThe carmaker is recalling vehicles over faulty airbags.")
    mixed = make_assistant("undated")
    mixed.index([folder])
    searcher = mixed.snapshot()[1]
    spring = DateRange(since=date(2026, 3, 1))
    with_undated = DateRange(since=date(2026, 3, 1), include_undated=True)
    assert searcher.keeps_undated(None) and searcher.keeps_undated(with_undated)
    assert not searcher.keeps_undated(spring)
    assert searcher.allowed_documents(spring).tolist() == [doc.id == "recall" for doc in searcher.index.documents]
    question = "central bank interest rates"
    assert {p.doc_id for p in searcher.search(question, top_k=5, dates=spring)} == {"recall"}
    assert {p.doc_id for p in searcher.search(question, top_k=5, dates=with_undated)} == {"rates", "recall"}


def test_chunks_that_touch_without_overlapping_stay_separate_passages(make_assistant, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     embedder: MiniLMEmbeddings) -> None:
    """Text without spaces (Chinese) is cut exactly where the next piece starts: neighbours touch, none overlap."""
    folder = tmp_path / "cjk"
    folder.mkdir()
    (folder / "quake.txt").write_text("地震\n\n" + "港口城市发生强烈地震造成多人死亡救援队伍连夜搜救被困人员" * 6 + "。")
    cjk = make_assistant("cjk", Settings(chunk_tokens=40, chunk_overlap=0))
    cjk.index([folder])
    index = cjk.snapshot()[0]
    spans = [tuple(int(v) for v in index.chunk_rows[row, 1:3]) for row in range(index.n_chunks)]
    assert index.n_chunks > 4 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    passages = HybridSearcher(index, embedder, mode="dense").search("港口城市地震", top_k=index.n_chunks)
    assert sorted((p.start, p.end) for p in passages) == spans
    assert sorted(p.chunk_ids for p in passages) == sorted((index.chunk_id(row),) for row in range(index.n_chunks))
