"""The public API is pinned: adding or removing a name is a deliberate change."""

import rag

EXPECTED = {
    "REFUSAL_TEXT", "Answer", "AnswerEvent", "Assistant", "BuildReport", "Chunk", "Citation", "ConfigError", "Copy",
    "Disagreement", "DocumentNotFoundError", "EmbeddingError", "FetchError", "FetchLimits", "Fetcher", "MentionedDate", "TimeScope", "Timeline", "TimelineEvent",
    "EmptyQuestionError", "ExtractiveAnswerer", "GoldFileError", "HybridSearcher", "IndexCorruptError",
    "IndexError_", "IndexMismatchError", "IndexNotFoundError", "IndexWriteError", "InputError", "LLMError", "LoadError", "LoadResult",
    "MiniLMEmbeddings", "Passage", "PassageRetriever", "RagError", "Reader", "ReaderError", "ReaderInput", "ReaderOutput", "Sentence", "Settings", "Skipped",
    "SourceDocument", "StoreError", "TokenChunker", "ask", "build_index", "bundled_articles_dir", "default_index_dir",
    "load_index", "load_paths", "rrf_fuse", "sample_news_dir",
}


def test_public_names_are_pinned() -> None:
    assert set(rag.__all__) == EXPECTED
    for name in rag.__all__:
        assert getattr(rag, name) is not None


def test_exceptions_share_one_base() -> None:
    for name in ("ConfigError", "InputError", "EmptyQuestionError", "DocumentNotFoundError", "GoldFileError", "LoadError",
                 "EmbeddingError", "FetchError", "ReaderError", "IndexNotFoundError", "IndexCorruptError", "IndexMismatchError", "IndexWriteError", "StoreError"):
        assert issubclass(getattr(rag, name), rag.RagError)
    assert issubclass(rag.EmptyQuestionError, rag.InputError)
    assert issubclass(rag.DocumentNotFoundError, rag.InputError)
    assert issubclass(rag.IndexCorruptError, rag.IndexError_)


def test_import_loads_no_model() -> None:
    import subprocess
    import sys

    code = "import sys, rag; print('sentence_transformers' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
