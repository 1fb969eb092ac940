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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Required

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict
from typing_extensions import TypedDict

from ._answering import ExtractiveAnswerer
from ._building import open_store
from ._chunking import TokenChunker
from ._config import Settings, default_index_dir
from ._embedding import MiniLMEmbeddings, model_name_of
from ._exceptions import ConfigError, DocumentNotFoundError, IndexNotFoundError, InputError, LoadError, RagError
from ._fetch import Fetcher
from ._index import IndexData
from ._ingest import BuildReport
from ._loading import LoadResult, load_paths
from ._pipeline import Answerers, Pipeline
from ._query import Query, check_top_k, date_range
from ._ray import check_runner
from ._retrieval import HybridSearcher, PassageRetriever
from ._timeline import Timeline
from ._types import Answer, AnswerEvent, Passage, SourceDocument, TimeScope
from ._web import STATE_FILE, WebState, is_web_url, load_sources
from .stores import location_key

__all__ = ["Assistant", "AssistantRunnable", "QuestionInput", "ask", "bundled_articles_dir", "sample_news_dir"]


def bundled_articles_dir() -> Path:
    """The folder of the demo articles shipped inside the package."""
    return Path(str(resources.files("rag") / "data" / "articles"))


def sample_news_dir() -> Path:
    """The folder of the shipped sample news: seven short, dated, fictional articles in every format.

    The quake, recall and festival stories are made up (their URLs are on
    ``example.com``/``example.org``); they exist to show dates, "as of",
    "latest", disagreeing sources, syndicated copies and timelines, which
    the two undated demo articles can't (``scripts/demo.sh`` indexes them
    into ``index/sample-news``).

    Example:
        >>> sorted(p.name for p in sample_news_dir().iterdir())[:2]
        ['festival-2024.txt', 'festival-2025.txt']
    """
    return Path(str(resources.files("rag") / "data" / "sample-news"))


class Assistant:
    """Question answering over one index, with models kept loaded.

    Use :meth:`load` to get a ready assistant; the constructor loads nothing.

    Args:
        index_dir: The index folder (default: ``$RAG_INDEX_DIR`` or ``index/default``),
            or a PostgreSQL URL (``postgresql://user@host:port/db``): the index is
            then served from and updated in the database (one transaction per
            update, no local copy; see :mod:`rag.stores`).
        settings: Tunables; defaults are sensible for news articles.
        embeddings: A LangChain ``Embeddings``; defaults to packaged MiniLM.
        llm: A LangChain chat model (any ``BaseChatModel``) for the LLM
            answerer, instead of a backend named by ``settings.llm``: questions
            then use it by default (``use_llm=False`` quotes). The answerer holds
            it to the same checks as a named backend (refusal before any call,
            every ``[n]`` checked, exact-offset citations); ``llm_context_tokens``
            and ``llm_max_tokens`` still size the prompt.

    A generation published by another process (``rag index``, another
    machine's build into the same database) is swapped in before the next
    question, at most :attr:`GENERATION_CHECK_S` seconds after it is live.

    Example:
        >>> assistant = Assistant.load("index/default")  # doctest: +SKIP
        >>> assistant.ask("Why Tajikistan?").text  # doctest: +SKIP
    """

    GENERATION_CHECK_S = 1.0  # how often a question looks for a generation another process published

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        llm: BaseChatModel | None = None,
    ):
        self.settings = settings or Settings()
        if llm is not None and not isinstance(llm, BaseChatModel):
            raise ConfigError(f"llm must be a LangChain chat model (BaseChatModel), got {type(llm).__name__}: "
                              "name a backend with Settings(llm='openai'|'ollama'|'llamacpp') instead")
        if llm is not None and self.settings.llm != "none":
            raise ConfigError(f"both settings.llm={self.settings.llm!r} and a chat model were given: pass one of them")
        # The one seam of the LLM answerer: the chat model given, else the settings' backend, else none.
        self._chat_model = llm
        self.embeddings = embeddings or MiniLMEmbeddings(
            backend=self.settings.embed_backend, batch_size=self.settings.embed_batch_size
        )
        self.chunker = TokenChunker(self.settings.chunk_tokens, self.settings.chunk_overlap)
        location = index_dir if index_dir is not None else default_index_dir()
        # The store is chosen once, here, by its location; the rest of the assistant only calls it.
        self._store = open_store(location, embeddings=self.embeddings, chunker=self.chunker,
                                 sentence_vectors=self.settings.sentence_vectors, chunk_vectors=self.settings.chunk_vectors)
        self._demo = location_key(location) == location_key(default_index_dir())  # built from the bundled articles if missing
        self._answerers = Answerers(self.settings, words=self.embeddings)
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._llm_answerer: Any = None
        self._pipeline: Pipeline | None = None
        self._checked_at = 0.0  # when the store's live generation was last compared with the loaded one

    @property
    def index_dir(self) -> Path:
        """The local folder of the index: the index itself, or a database index's polling state (``sources.json``)."""
        return self._store.index_dir

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The extractive answerer of the settings' reader."""
        return self._answerers.default

    @property
    def llm_name(self) -> str | None:
        """The LLM answers come from, for people: ``"openai gpt-4o-mini"``, a chat model's class, or ``None``.

        Example:
            >>> Assistant("index/x", settings=Settings(llm="openai", llm_model="gpt-4o-mini")).llm_name  # doctest: +SKIP
            'openai gpt-4o-mini'
        """
        if self._chat_model is not None:
            return type(self._chat_model).__name__
        if self.settings.llm == "none":
            return None
        return f"{self.settings.llm} {self.settings.llm_model}".strip()

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        llm: BaseChatModel | None = None,
        progress: bool = False,
    ) -> Assistant:
        """Load the model and the index, building the demo index if it is the missing default.

        Raises:
            IndexNotFoundError: A non-default ``index_dir`` has no index.
            IndexCorruptError, IndexMismatchError: The index can't be used.
        """
        assistant = cls(index_dir, settings=settings, embeddings=embeddings, llm=llm)
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
        pipeline = Pipeline(index, searcher, self.settings, self._answerers, self._llm if self.llm_name else None)
        with self._lock:
            self._pipeline = pipeline
            self._checked_at = time.monotonic()

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
        return self._latest(pipeline)

    def _latest(self, pipeline: Pipeline) -> Pipeline:
        """``pipeline``, or one over the generation another process published since it was loaded.

        One manifest read (a folder) or one row (a database) at most every
        :attr:`GENERATION_CHECK_S` seconds; the load runs in the question's
        thread, once: questions arriving meanwhile use the loaded pipeline.
        """
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < self.GENERATION_CHECK_S:
                return pipeline
            self._checked_at = now
        if not self._build_lock.acquire(blocking=False):  # a build or a reload here: it swaps in what it made
            return pipeline
        try:
            live = self._store.generation()
            if live is not None and live != pipeline.index.manifest.get("generation"):
                self._swap(self._store.open(model_name=model_name_of(self.embeddings)))
        except RagError:  # unreadable for now (a build mid-swap, a database restarting): answer from what is loaded
            return pipeline
        finally:
            self._build_lock.release()
        with self._lock:
            return self._pipeline or pipeline

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
        fetcher: Fetcher | None = None,
        watch: bool = False,
    ) -> BuildReport:
        """Index (or re-index) files, folders and URLs into this assistant's index.

        Args:
            paths: Files and folders to load, and ``http(s)`` URLs of articles,
                RSS/Atom feeds, news sitemaps or lists of URLs (:mod:`rag._web`).
            rebuild: Start from scratch (needed after changing model or chunker).
            prune: Drop indexed documents that vanished under the given folders
                (never documents from URLs).
            progress: Show progress bars.
            runner: ``local`` (default), ``ray`` (the embedding fanned out over a
                local Ray on 127.0.0.1) or ``ray://host:port`` (an existing
                cluster); the vectors are the same (:mod:`rag._ray`).
            fetcher: Fetches the URLs within its limits (default: a
                :class:`rag._fetch.Fetcher` with the default limits).
            watch: Also mark the feeds, sitemaps and lists of URLs among
                ``paths`` as watched, so ``rag watch`` on this index polls them
                without being told (the UI's "Add feed URL"); see :meth:`watched`.

        URLs are polled with what ``sources.json`` in the index folder
        recorded: conditional requests, and only new or changed feed entries
        fetched; once the build has succeeded, each polled source's record
        (last check; articles added, updated, unchanged, failed) is written
        there, beside what other writers recorded.

        Raises:
            LoadError: Nothing could be loaded and the index would be empty.
            ConfigError: An unknown runner, or Ray that can't be used.
        """
        check_runner(runner)
        sources = list(paths)
        fresh = not rebuild and self._holds_only_samples(sources)
        rebuild = rebuild or fresh
        # A local .txt file may be a list of URLs (rag._web reads it so): it needs the fetcher and the state too.
        web = any(is_web_url(p) or str(p).lower().endswith(".txt") for p in sources)
        state_path = self.index_dir / STATE_FILE
        state = WebState.load(state_path) if web and not rebuild else WebState()
        indexed = self._store.fingerprints() if web and not rebuild else {}
        own = Fetcher() if web and fetcher is None else None
        try:
            found = load_sources(sources, fetcher=fetcher or own, state=state, indexed=indexed,
                                 max_file_bytes=int(self.settings.max_file_mb * 1024 * 1024))
        finally:
            if own is not None:
                own.close()
        report = self.index_loaded(found.loaded, rebuild=rebuild, prune=prune, progress=progress, runner=runner)
        if fresh:
            report.notes.append(f"{self._store.shown} held only the bundled sample articles: it now holds yours alone "
                                "(index them with --index DIR to keep both apart)")
        if found.polled:
            found.state.tally(found.polled, set(report.added), set(report.updated), watch=watch)
            if rebuild:  # from scratch: the records of sources not given are of documents the index no longer holds
                found.state.save(state_path)
            else:
                found.state.save_sources(state_path, found.polled)
            done = {*report.added, *report.updated, *report.unchanged}
            report.unchanged.extend(i for i in dict.fromkeys(found.unchanged) if i not in done)
        return report

    def _holds_only_samples(self, sources: list[str | Path]) -> bool:
        """Whether this is the default index, holding bundled articles alone, and ``sources`` are the user's own.

        The default index is built from the bundled demo articles on first
        use; the first articles a user indexes into it then replace them
        instead of being mixed with two articles about a 2021 drill (or
        the fictional sample news). Indexing a bundled folder adds to it.
        """
        if not self._demo:
            return False
        bundled = [bundled_articles_dir().resolve(), sample_news_dir().resolve()]
        for source in sources:
            if not is_web_url(source) and any(Path(source).resolve().is_relative_to(root) for root in bundled):
                return False
        indexed = self.fingerprints()
        if not indexed:
            return False
        samples = {d.id: d.sha256 for d in load_paths(bundled).documents}
        return all(samples.get(doc_id) == sha for doc_id, sha in indexed.items())

    def fingerprints(self) -> dict[str, str]:
        """Each indexed document's id and content hash, without loading any model (empty with no index)."""
        return self._store.fingerprints()

    def watched(self) -> WebState:
        """What polling recorded for each URL source of this index (``sources.json``): kind, last check and counts.

        ``watched().listing()`` gives them as :class:`rag._web.WatchedSource`
        rows; ``watched().watched_urls()`` the ones ``rag watch`` polls
        without being told.
        """
        return WebState.load(self.index_dir / STATE_FILE)

    def forget_sources(self, urls: Iterable[str]) -> None:
        """Forget what polling recorded of these URL sources (``sources.json``): ``rag watch`` no longer polls them
        unless given them, and the next poll of one fetches it whole. Their documents stay indexed."""
        WebState.forget_sources(self.index_dir / STATE_FILE, [str(url) for url in urls])

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
                raise LoadError(f"nothing to index ({reasons}): give .txt, .md, .html, .pdf or .json files, or article, feed or sitemap URLs")
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
            reader: Override the settings' reader for this question: ``model``, ``large`` or ``fast``.
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
        """The LLM answerer; its chat model is connected (a named backend probed) when a question first needs it."""
        with self._lock:
            if self._llm_answerer is None:
                from ._generative import LLMAnswerer
                from ._llm import LLMConfig, make_chat_model

                settings = self.settings
                chat_model = self._chat_model
                if chat_model is None:
                    config = LLMConfig(settings.llm, settings.llm_model, settings.llm_base_url or None,
                                       settings.llm_context_tokens, settings.llm_max_tokens)
                    connect: Callable[[], BaseChatModel] = lambda: make_chat_model(config)  # noqa: E731
                else:
                    connect = lambda: chat_model  # noqa: E731
                self._llm_answerer = LLMAnswerer(
                    connect, context_tokens=settings.llm_context_tokens, max_tokens=settings.llm_max_tokens,
                    min_score=settings.min_score,
                )
            return self._llm_answerer

    def as_retriever(
        self,
        *,
        k: int | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        as_of: str | date | None = None,
        include_undated: bool = False,
    ) -> PassageRetriever:
        """This assistant's retrieval as a LangChain retriever (:class:`rag.PassageRetriever`).

        It searches the assistant's current index on every call, so articles
        added later (:meth:`add`) are found by a retriever made before. The
        date arguments are :meth:`ask`'s, applied by the same filter; time
        words in the query are searched as words (only :meth:`ask` resolves them).

        Args:
            k: Passages per query (default: the settings' ``top_k``).
            since / until / as_of / include_undated: As in :meth:`ask`.

        Raises:
            InputError: ``k`` is not a whole number of at least 1, or a date is not ``YYYY-MM-DD``.

        Example:
            >>> retriever = assistant.as_retriever(k=3, since="2021-08-01")  # doctest: +SKIP
            >>> [d.metadata["published"] for d in retriever.invoke("How many troops?")]  # doctest: +SKIP
        """
        check_top_k(k, "k")
        dates = date_range(since, until, as_of, include_undated)
        return PassageRetriever(searcher=lambda: self.pipeline().searcher, top_k=k or self.settings.top_k, dates=dates)

    def as_runnable(self) -> AssistantRunnable:
        """This assistant as a LangChain ``Runnable``: a question in, an :class:`Answer` out.

        See :class:`AssistantRunnable` for its input and how it streams.

        Example:
            >>> from langchain_core.runnables import RunnableLambda  # doctest: +SKIP
            >>> chain = assistant.as_runnable() | RunnableLambda(lambda a: a.text)  # doctest: +SKIP
            >>> chain.invoke({"question": "How many troops?", "since": "2021-08-01"})  # doctest: +SKIP
        """
        return AssistantRunnable(assistant=self)

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


class QuestionInput(TypedDict, total=False):
    """The dict an :class:`AssistantRunnable` takes: ``question`` and :meth:`Assistant.ask`'s options.

    Example:
        >>> QuestionInput(question="How many troops?", since="2021-08-01")["since"]
        '2021-08-01'
    """

    question: Required[str]
    history: Sequence[str]
    since: str | date | None
    until: str | date | None
    as_of: str | date | None
    include_undated: bool
    reader: str | None
    top_k: int | None
    use_llm: bool | None


_INPUT_KEYS = tuple(QuestionInput.__annotations__)


class AssistantRunnable(RunnableSerializable[str | QuestionInput, Answer]):
    """An :class:`Assistant` as a LangChain ``Runnable``, made by :meth:`Assistant.as_runnable`.

    Input: a question ``str``, or a :class:`QuestionInput` dict (``question``,
    ``history``, ``since``, ``until``, ``as_of``, ``include_undated``,
    ``reader``, ``top_k``, ``use_llm``). Output: the :class:`Answer` that
    :meth:`Assistant.ask` gives, through the one question pipeline. Bad input
    raises :meth:`Assistant.ask`'s :class:`InputError` (an unknown key or a
    value that is neither ``str`` nor ``dict`` raises one too).

    ``invoke``, ``batch`` (concurrently, as the UI asks), ``ainvoke`` and
    ``abatch`` work as for any runnable. ``stream`` yields one chunk, the
    final checked :class:`Answer`: an LLM's raw tokens are not yet checked
    (unsupported sentences are removed at the end), so they never flow into
    the next step of a chain, and the step after this one gets an
    ``Answer`` whether the chain is invoked or streamed. The tokens are
    still seen as they come: :meth:`Assistant.stream` yields them as
    events, and the chat model runs as a child of this runnable's run, so
    ``astream_events`` reports them as ``on_chat_model_stream``.

    Example:
        >>> from langchain_core.runnables import RunnableLambda  # doctest: +SKIP
        >>> chain = assistant.as_runnable() | RunnableLambda(lambda a: a.text)  # doctest: +SKIP
        >>> chain.batch(["How many troops?", {"question": "Why Tajikistan?", "top_k": 3}])  # doctest: +SKIP
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Assistant

    def invoke(self, input: str | QuestionInput, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:  # noqa: A002
        """Answer one question (``kwargs`` is the base signature's; nothing reads it)."""
        # Through _call_with_config, so callbacks and tracers see one "chain" run, and the chat model
        # (when the LLM answers) runs as its child.
        return self._call_with_config(self._answer, input, config, run_type="chain")

    def _answer(self, value: str | QuestionInput) -> Answer:
        if isinstance(value, str):
            return self.assistant.ask(value)
        if not isinstance(value, Mapping):
            raise InputError(f"the runnable takes a question str or a dict with 'question', got {type(value).__name__}: "
                             "pass e.g. {'question': 'How many troops?'}")
        unknown = [key for key in value if key not in _INPUT_KEYS]
        if unknown:
            raise InputError(f"unknown key {unknown[0]!r} in the runnable's input: use {', '.join(_INPUT_KEYS)}")
        if "question" not in value:
            raise InputError("the runnable's input has no 'question': pass e.g. {'question': 'How many troops?'}")
        return self.assistant.ask(
            value["question"], top_k=value.get("top_k"), history=value.get("history", ()), use_llm=value.get("use_llm"),
            reader=value.get("reader"), since=value.get("since"), until=value.get("until"), as_of=value.get("as_of"),
            include_undated=value.get("include_undated", False),
        )


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
