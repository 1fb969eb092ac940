"""rag: cited answers from a folder of news articles, offline.

Public API (everything else lives in private modules and may change)::

    from rag import ask, Assistant
    answer = ask("How many troops?")
    print(answer.text)             # "... [1][2]"
    for c in answer.citations:     # exact quotes with offsets
        print(c.n, c.title, c.quote)

Stages, one module each: loading -> chunking -> embedding -> index ->
retrieval -> reading -> answering; see ``docs/architecture.md``.
"""

from ._answering import REFUSAL_TEXT, ExtractiveAnswerer
from ._assistant import Assistant, ask, bundled_articles_dir, sample_news_dir
from ._chunking import TokenChunker
from ._config import Settings, default_index_dir
from ._embedding import MiniLMEmbeddings
from ._exceptions import (
    ConfigError,
    DocumentNotFoundError,
    EmbeddingError,
    EmptyQuestionError,
    FetchError,
    GoldFileError,
    IndexCorruptError,
    IndexError_,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
    InputError,
    LLMError,
    LoadError,
    RagError,
    ReaderError,
    StoreError,
    redact,
)
from ._fetch import Fetcher, FetchLimits
from ._ingest import BuildReport, build_index
from ._loading import SUPPORTED_SUFFIXES, LoadResult, Skipped, load_paths
from ._reader import Reader, ReaderInput, ReaderOutput
from ._retrieval import HybridSearcher, PassageRetriever, rrf_fuse
from ._timeline import Timeline, TimelineEvent
from ._types import (
    Answer,
    AnswerEvent,
    Chunk,
    Citation,
    Copy,
    Disagreement,
    MentionedDate,
    Passage,
    Sentence,
    SourceDocument,
    TimeScope,
)
from .stores._local import load_index

__version__ = "0.1.0"

__all__ = [
    "REFUSAL_TEXT",
    "SUPPORTED_SUFFIXES",
    "Answer",
    "AnswerEvent",
    "Assistant",
    "BuildReport",
    "Chunk",
    "Citation",
    "Copy",
    "Disagreement",
    "ConfigError",
    "DocumentNotFoundError",
    "EmbeddingError",
    "EmptyQuestionError",
    "ExtractiveAnswerer",
    "FetchError",
    "FetchLimits",
    "Fetcher",
    "GoldFileError",
    "HybridSearcher",
    "IndexCorruptError",
    "IndexError_",
    "IndexMismatchError",
    "IndexWriteError",
    "IndexNotFoundError",
    "InputError",
    "LLMError",
    "LoadError",
    "LoadResult",
    "MentionedDate",
    "MiniLMEmbeddings",
    "Passage",
    "PassageRetriever",
    "RagError",
    "Reader",
    "ReaderError",
    "ReaderInput",
    "ReaderOutput",
    "Sentence",
    "Settings",
    "Skipped",
    "SourceDocument",
    "StoreError",
    "TimeScope",
    "Timeline",
    "TimelineEvent",
    "TokenChunker",
    "ask",
    "build_index",
    "bundled_articles_dir",
    "default_index_dir",
    "load_index",
    "load_paths",
    "redact",
    "rrf_fuse",
    "sample_news_dir",
]
