"""The public API is pinned: adding or removing a name is a deliberate change."""

import rag

EXPECTED = {
    "REFUSAL_TEXT", "Answer", "AnswerEvent", "Assistant", "BuildReport", "Chunk", "Citation", "ConfigError", "Copy",
    "Disagreement", "DocumentNotFoundError", "EmbeddingError", "FetchError", "FetchLimits", "Fetcher", "MentionedDate", "TimeScope", "Timeline", "TimelineEvent",
    "EmptyQuestionError", "ExtractiveAnswerer", "GoldFileError", "HybridSearcher", "IndexCorruptError",
    "IndexError_", "IndexMismatchError", "IndexNotFoundError", "IndexWriteError", "InputError", "LLMError", "LoadError", "LoadResult",
    "MiniLMEmbeddings", "Passage", "PassageRetriever", "RagError", "Reader", "ReaderError", "ReaderInput", "ReaderOutput", "Sentence", "Settings", "Skipped",
    "SourceDocument", "StoreError", "TokenChunker", "ask", "build_index", "bundled_articles_dir", "default_index_dir",
    "load_index", "load_paths", "redact", "rrf_fuse", "sample_news_dir", "SUPPORTED_SUFFIXES",
}


def test_public_names_are_pinned() -> None:
    assert set(rag.__all__) == EXPECTED
    for name in rag.__all__:
        assert getattr(rag, name) is not None


EVALUATION = {"Evidence", "GoldExample", "LangChainRecipe", "answer_contained", "answer_scores", "evaluate", "load_eval_set",
              "percentile", "refusal_scores", "write_atomic"}
COMPONENTS = {"COMBINE", "EF_SEARCH", "MIN_SIMILARITY", "POSTINGS_PER_TERM", "READERS", "READER_DIR", "CountChecker",
              "DateRange", "RayEmbeddings", "answer_probability", "asks_how_many", "bm25_terms", "build_dense_index", "date_range",
              "reader_folder", "search_one", "shipped_calibration", "split_sentences", "word_similarity"}


MCP = {"MAX_TOP_K", "AskResult", "DocumentResult", "SearchResult", "TimelineResult", "mcp_http_app", "mcp_server"}


def test_evaluation_component_and_mcp_names_are_pinned() -> None:
    import rag.components
    import rag.evaluation
    import rag.mcp

    for module, expected in ((rag.evaluation, EVALUATION), (rag.components, COMPONENTS), (rag.mcp, MCP)):
        assert set(module.__all__) == expected
        for name in module.__all__:
            assert getattr(module, name) is not None


def _private_rag_imports(folder: str) -> set[tuple[str, str]]:
    """(file, module) for each import of a private rag module by the folder's Python files."""
    import ast
    from pathlib import Path

    found = set()
    for path in sorted((Path(__file__).resolve().parents[1] / folder).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.split(".")[0] == "rag" and any(part.startswith("_") for part in name.split(".")):
                    found.add((path.name, name))
    return found


def test_benchmarks_import_only_public_modules() -> None:
    """bench/ measures what people use: it imports rag, rag.evaluation, rag.components, rag.stores, never a private module.

    The one exception is bench/incremental.py's phase timer, which wraps the build's private steps to time each.
    """
    exempt = {("incremental.py", "rag._ingest"), ("incremental.py", "rag.stores._local"), ("incremental.py", "rag._building")}
    assert _private_rag_imports("bench") == exempt


def test_front_ends_import_only_public_modules() -> None:
    """ui/ (the chat, REST, OpenAI and MCP server) is built on the same public API as anyone's front end."""
    assert _private_rag_imports("ui") == set()


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
