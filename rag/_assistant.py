"""The assistant: loads the model and index once, answers many questions.

:class:`Assistant` is the one object the CLI, the UI and Python callers use.
It wires the stages together (embedding, retrieval, answering) and holds
no logic of its own beyond that, plus a lock so an index update (an upload
in the UI) swaps in a complete new index between questions, never during one.

Example:
    >>> assistant = Assistant.load()  # doctest: +SKIP
    >>> answer = assistant.ask("How many troops?")  # doctest: +SKIP
    >>> answer.citations[0].quote  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ._answering import ExtractiveAnswerer
from ._building import open_store
from ._chunking import TokenChunker
from ._config import Settings, default_index_dir
from ._embedding import MiniLMEmbeddings, model_name_of
from ._exceptions import ConfigError, DocumentNotFoundError, IndexNotFoundError, InputError, LoadError
from ._index import IndexData
from ._ingest import BuildReport
from ._loading import LoadResult, load_paths
from ._pipeline import Answerers, Pipeline
from ._query import Query
from ._ray import check_runner
from ._retrieval import HybridSearcher
from ._timeline import Timeline
from ._types import Answer, AnswerEvent, Passage, SourceDocument, TimeScope
from .stores import location_key

__all__ = ["Assistant", "ask", "bundled_articles_dir"]


def bundled_articles_dir() -> Path:
    """The folder of the demo articles shipped inside the package."""
    return Path(str(resources.files("rag") / "data" / "articles"))


class Assistant:
    """Question answering over one index, with models kept loaded.

    Use :meth:`load` to get a ready assistant; the constructor loads nothing.

    Args:
        index_dir: The index folder (default: ``$RAG_INDEX_DIR`` or ``index/default``),
            or a PostgreSQL URL (``postgresql://user@host:port/db``): the index is
            then served from the database (built in a local workspace, published
            in one transaction; see :mod:`rag.stores`).
        settings: Tunables; defaults are sensible for news articles.
        embeddings: A LangChain ``Embeddings``; defaults to packaged MiniLM.

    Example:
        >>> assistant = Assistant.load("index/default")  # doctest: +SKIP
        >>> assistant.ask("Why Tajikistan?").text  # doctest: +SKIP
    """

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
    ):
        self.settings = settings or Settings()
        self.embeddings = embeddings or MiniLMEmbeddings(
            backend=self.settings.embed_backend, batch_size=self.settings.embed_batch_size
        )
        self.chunker = TokenChunker(self.settings.chunk_tokens, self.settings.chunk_overlap)
        location = index_dir if index_dir is not None else default_index_dir()
        # The store is chosen once, here, by its location; the rest of the assistant only calls it.
        self._store = open_store(location, embeddings=self.embeddings, chunker=self.chunker,
                                 sentence_vectors=self.settings.sentence_vectors, chunk_vectors=self.settings.chunk_vectors)
        self._demo = location_key(location) == location_key(default_index_dir())  # built from the bundled articles if missing
        self._answerers = Answerers(self.settings)
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._llm_answerer: Any = None
        self._pipeline: Pipeline | None = None

    @property
    def index_dir(self) -> Path:
        """The local folder of the index: the index itself, or a database's build workspace."""
        return self._store.index_dir

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The extractive answerer of the settings' reader."""
        return self._answerers.default

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        progress: bool = False,
    ) -> Assistant:
        """Load the model and the index, building the demo index if it is the missing default.

        Raises:
            IndexNotFoundError: A non-default ``index_dir`` has no index.
            IndexCorruptError, IndexMismatchError: The index can't be used.
        """
        assistant = cls(index_dir, settings=settings, embeddings=embeddings)
        assistant.warm_up(progress=progress)
        return assistant

    def warm_up(self, *, progress: bool = False) -> None:
        """Load the index, the embedding model and the reader (idempotent).

        The index is read first, so a missing or corrupt index fails fast.
        """
        with self._lock:
            ready = self._pipeline is not None
        if not ready:  # load (or build) outside the lock; index() takes the build lock itself
            try:
                self._swap(self._store.open(model_name=model_name_of(self.embeddings)))
            except IndexNotFoundError:
                if not self._demo:
                    raise
                self.index([bundled_articles_dir()], progress=progress)
        if isinstance(self.embeddings, MiniLMEmbeddings):
            self.embeddings.load()
        self._answerers.warm_up()

    def _swap(self, index: IndexData) -> None:
        searcher = HybridSearcher(
            index,
            self.embeddings,
            mode=self.settings.retrieval,
            candidates=self.settings.candidates,
            rrf_k=self.settings.rrf_k,
        )
        pipeline = Pipeline(index, searcher, self.settings, self._answerers, self._llm)
        with self._lock:
            self._pipeline = pipeline

    def pipeline(self) -> Pipeline:
        """The question pipeline over the current index (loading it on first use).

        What evaluation and benchmarks run: an upload swapping in a new index
        later does not change a pipeline already taken.
        """
        with self._lock:
            pipeline = self._pipeline
        if pipeline is None:
            self.warm_up()
            with self._lock:
                pipeline = self._pipeline
        if pipeline is None:
            where = self._store.shown
            raise IndexNotFoundError(f"no index at {where}: build one with `rag index PATH --index {where}`")
        return pipeline

    def snapshot(self) -> tuple[IndexData, HybridSearcher]:
        """The current index and its searcher, as one consistent pair (see :meth:`pipeline`)."""
        pipeline = self.pipeline()
        return pipeline.index, pipeline.searcher

    def index(
        self,
        paths: Iterable[str | Path],
        *,
        rebuild: bool = False,
        prune: bool = True,
        progress: bool = False,
        runner: str = "local",
    ) -> BuildReport:
        """Index (or re-index) files and folders into this assistant's index.

        Args:
            paths: Files and folders to load.
            rebuild: Start from scratch (needed after changing model or chunker).
            prune: Drop indexed documents that vanished under the given folders.
            progress: Show progress bars.
            runner: ``local`` (default), ``ray`` (the embedding fanned out over a
                local Ray on 127.0.0.1) or ``ray://host:port`` (an existing
                cluster); the vectors are the same (:mod:`rag._ray`).

        Raises:
            LoadError: Nothing could be loaded and the index would be empty.
            ConfigError: An unknown runner, or Ray that can't be used.
        """
        check_runner(runner)
        loaded = load_paths(paths, max_file_bytes=int(self.settings.max_file_mb * 1024 * 1024))
        return self.index_loaded(loaded, rebuild=rebuild, prune=prune, progress=progress, runner=runner)

    def index_loaded(
        self, loaded: LoadResult, *, rebuild: bool = False, prune: bool = True, progress: bool = False,
        runner: str = "local",
    ) -> BuildReport:
        """Index documents already loaded (e.g. an evaluation set's corpus); see :meth:`index`."""
        # Builds are serialized by their own lock; questions keep using the
        # current index until the finished one is swapped in.
        with self._build_lock:
            has_index = self._pipeline is not None or self._store.exists()
            if not loaded.documents and not has_index:
                reasons = "; ".join(str(s) for s in loaded.skipped[:3]) or "no supported files found"
                raise LoadError(f"nothing to index ({reasons}): give .txt, .md, .html, .pdf or .json files")
            report = self._store.build(loaded, embeddings=self._build_embeddings(runner), rebuild=rebuild, prune=prune,
                                       progress=progress)
            self._swap(self._store.open())
        return report

    def _build_embeddings(self, runner: str) -> Embeddings:
        """The embeddings a build uses: this assistant's, or the same model on Ray."""
        if check_runner(runner) == "local":
            return self.embeddings
        if not isinstance(self.embeddings, MiniLMEmbeddings):
            raise ConfigError("--runner ray embeds with the packaged MiniLM: use it, or the local runner for other embeddings")
        if self.settings.sentence_vectors == "contextual":
            raise ConfigError('--runner ray needs sentence_vectors = "separate" (contextual vectors come from a local pass)')
        from ._ray import RayEmbeddings

        return RayEmbeddings(runner, backend=self.settings.embed_backend, batch_size=self.settings.embed_batch_size)

    def add(self, paths: Iterable[str | Path], *, progress: bool = False) -> BuildReport:
        """Add or update documents without removing any (used by uploads)."""
        return self.index(paths, prune=False, progress=progress)

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        history: Sequence[str] = (),
        use_llm: bool | None = None,
        reader: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        as_of: str | date | None = None,
        include_undated: bool = False,
    ) -> Answer:
        """Answer a question with citations, or refuse.

        Args:
            question: The question.
            top_k: Passages to retrieve (default from settings).
            history: Earlier questions of the conversation, oldest first; a
                follow-up ("and how many aircraft?") is made standalone first.
            use_llm: Override the settings: ``False`` quotes (extractive),
                ``True`` uses the configured LLM backend.
            reader: Override the settings' reader for this question: ``model`` or ``fast``.
            since / until: Only articles published in this range (ISO
                ``YYYY-MM-DD`` or ``datetime.date``; both ends included).
            as_of: Answer as a reader on that date would: later articles do
                not exist, "this week" or "last year" count from it, and the
                newest report by then leads (how things stood on that date).
            include_undated: Keep articles of unknown date when a date
                bound is set (they are left out by default).

        Time words in the question ("latest", "in 2021", "last year", "since
        March 2020") narrow the range or prefer the newest (or first) report;
        asked ``as_of`` a date, the newest report by then is preferred unless
        the words ask otherwise. :attr:`Answer.time_scope` says what they
        resolved to. Ranges from time words keep articles of unknown date,
        which they cannot judge. They never refuse on their own: when nothing
        in their range answers, the answer comes from the range
        ``since``/``until``/``as_of`` allow (hard limits), from the articles
        nearest in date, and its text and ``time_scope.note`` say so. With an
        LLM, which streams as it reads, only a range holding no passage widens.

        Raises:
            EmptyQuestionError: The question is blank.
            InputError: The question is too long or not text, an argument
                has the wrong type (a date not ``YYYY-MM-DD``), or the reader is unknown.
        """
        query = Query.of(question, top_k=top_k, history=history, use_llm=use_llm, reader=reader, since=since,
                         until=until, as_of=as_of, include_undated=include_undated)
        return self.pipeline().answer(query)

    def stream(
        self,
        question: str,
        *,
        top_k: int | None = None,
        history: Sequence[str] = (),
        use_llm: bool | None = None,
        reader: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        as_of: str | date | None = None,
        include_undated: bool = False,
    ) -> Iterator[AnswerEvent]:
        """Like :meth:`ask`, as events: ``sources`` first, then ``token`` pieces (LLM only), then ``final``.

        Raises:
            EmptyQuestionError, InputError: Bad question or top_k.
            LLMError: The configured LLM backend cannot be used.
        """
        # A generator, so a bad argument raises where the events are read, as the first event would.
        query = Query.of(question, top_k=top_k, history=history, use_llm=use_llm, reader=reader, since=since,
                         until=until, as_of=as_of, include_undated=include_undated)
        yield from self.pipeline().run(query)

    def timeline(
        self,
        query: str,
        *,
        top_k: int | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        as_of: str | date | None = None,
        include_undated: bool = False,
    ) -> Timeline:
        """The dated events of the articles ``query`` retrieves, oldest first, each cited.

        Args:
            query: What the timeline is about ("Zapad/Interaction 2021 drill").
            top_k: Passages to draw events from (default: twice the settings' ``top_k``).
            since / until / as_of / include_undated: As in :meth:`ask`.

        Raises:
            EmptyQuestionError, InputError: Bad query, top_k or date.
        """
        return self.pipeline().timeline(Query.of(query, top_k=top_k, since=since, until=until, as_of=as_of,
                                                 include_undated=include_undated))

    def search(
        self,
        question: str,
        *,
        top_k: int | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        as_of: str | date | None = None,
        include_undated: bool = False,
    ) -> tuple[tuple[Passage, ...], TimeScope | None]:
        """The passages a question retrieves, best first, with their scores: retrieval without an answer.

        The same pipeline as :meth:`ask` up to its search (time words and
        dates narrow the range; nothing is read or answered).

        Args:
            question: What to search for.
            top_k: Passages to return (default from settings).
            since / until / as_of / include_undated: As in :meth:`ask`.

        Returns:
            The passages and the time scope searched (``None`` when neither
            time words nor dates set one).

        Raises:
            EmptyQuestionError, InputError: Bad question, top_k or date.

        Example:
            >>> passages, _ = assistant.search("How many troops?", top_k=3)  # doctest: +SKIP
            >>> passages[0].doc_id, round(passages[0].score, 3)  # doctest: +SKIP
        """
        query = Query.of(question, top_k=top_k, since=since, until=until, as_of=as_of, include_undated=include_undated)
        passages, scope = self.pipeline().search(query)
        return tuple(passages), scope

    def remove(self, doc_ids: Iterable[str]) -> BuildReport:
        """Remove indexed documents by id, through the store's incremental writer (a new generation, swapped in).

        Questions keep using the current index until the new one is swapped in.

        Raises:
            DocumentNotFoundError: An id is not indexed (nothing is removed).
        """
        ids = list(dict.fromkeys(doc_ids))
        self.pipeline()  # loaded before the build lock: loading may itself build (the demo index)
        with self._build_lock:
            with self._lock:
                index = self._pipeline.index if self._pipeline is not None else self._store.open()
            unknown = [doc_id for doc_id in ids if index.doc_index.get(doc_id) is None]
            if unknown:
                raise DocumentNotFoundError(f"no document with id {unknown[0]!r}: see `rag info` for the indexed documents")
            writer = self._store.writer()
            writer.delete(ids)
            report = writer.commit()
            self._swap(self._store.open())
        return report

    def _llm(self) -> Any:
        """The LLM answerer; its backend is probed when a question first needs it."""
        with self._lock:
            if self._llm_answerer is None:
                from ._generative import LLMAnswerer
                from ._llm import LLMConfig, make_chat_model

                settings = self.settings
                config = LLMConfig(
                    settings.llm, settings.llm_model, settings.llm_base_url or None,
                    settings.llm_context_tokens, settings.llm_max_tokens,
                )
                self._llm_answerer = LLMAnswerer(
                    lambda: make_chat_model(config), context_tokens=config.context_tokens, max_tokens=config.max_tokens,
                    min_score=settings.min_score,
                )
            return self._llm_answerer

    def document(self, doc_id: str) -> SourceDocument:
        """The indexed document with its stored text.

        Raises:
            DocumentNotFoundError: No document has that id (an :class:`InputError`).
        """
        index, _ = self.snapshot()
        position = index.doc_index.get(doc_id)
        if position is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}: see `rag info` for the indexed documents")
        return index.documents[position]

    def documents(self) -> Sequence[SourceDocument]:
        """All indexed documents, in index order.

        A sequence read as it is indexed: from a database, the documents a
        slice names are fetched (``documents()[:50]``), not the whole archive.
        """
        index, _ = self.snapshot()
        return index.documents

    def info(self) -> dict[str, Any]:
        """Counts, model and size of the loaded index."""
        index, _ = self.snapshot()
        manifest = index.manifest
        return {
            "index_dir": self._store.shown,
            "documents": len(index.documents),
            "chunks": index.n_chunks,
            "sentences": int(len(index.sentence_rows)),
            "embedding_model": manifest.get("embedding_model"),
            "dimension": manifest.get("dimension"),
            "chunker": manifest.get("chunker"),
            "updated_at": manifest.get("updated_at"),
            "size_bytes": self._store.size_bytes(),
        }


_assistants: dict[Path | str, Assistant] = {}
_assistants_lock = threading.Lock()


def ask(
    question: str,
    *,
    index_dir: str | Path | None = None,
    top_k: int | None = None,
    history: Sequence[str] = (),
    since: str | date | None = None,
    until: str | date | None = None,
    as_of: str | date | None = None,
    include_undated: bool = False,
) -> Answer:
    """Answer one question; loads (and caches) an :class:`Assistant` on first use.

    ``since``, ``until``, ``as_of`` and ``include_undated`` are as in
    :meth:`Assistant.ask`.

    On first use with the default index, the demo index is built from the
    bundled articles if it is missing.

    Example:
        >>> from rag import ask
        >>> ask("how many troops?").text  # doctest: +SKIP
        'More than ten thousand troops will be dispatched, ... [1][2]'
    """
    Query.of(question, top_k=top_k, history=history, since=since, until=until, as_of=as_of,
             include_undated=include_undated)  # checked before anything loads
    if index_dir is not None and not isinstance(index_dir, (str, os.PathLike)):
        raise InputError(f"index_dir must be a path, got {type(index_dir).__name__}: pass e.g. index_dir='index/default'")
    key = location_key(index_dir if index_dir is not None else default_index_dir())
    with _assistants_lock:
        assistant = _assistants.get(key)
        if assistant is None:
            assistant = _assistants[key] = Assistant.load(key if index_dir is not None else None)
    return assistant.ask(question, top_k=top_k, history=history, since=since, until=until, as_of=as_of,
                         include_undated=include_undated)
