"""Retrieval: RRF arithmetic, modes, merging of overlapping hits, the LangChain seam."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.retrievers import BaseRetriever

from rag import Assistant, ConfigError, HybridSearcher, MiniLMEmbeddings, PassageRetriever, Settings, rrf_fuse


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
