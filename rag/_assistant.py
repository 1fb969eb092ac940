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
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._answering import ExtractiveAnswerer
from ._building import build
from ._chunking import TokenChunker
from ._config import Settings, default_index_dir
from ._dates import DateRange, question_scope, to_date
from ._embedding import MiniLMEmbeddings, model_name_of
from ._exceptions import ConfigError, EmptyQuestionError, IndexNotFoundError, InputError, LoadError
from ._followup import is_follow_up, standalone_question
from ._index import IndexData
from ._ingest import BuildReport
from ._loading import LoadResult, load_paths
from ._onnx import cache_dir
from ._ray import check_runner
from ._reader import Reader
from ._retrieval import HybridSearcher
from ._text import clean_text
from ._timeline import Timeline, build_timeline
from ._types import Answer, AnswerEvent, Passage, SourceDocument, TimeScope
from .stores import is_url, open_index, shown_url, size_bytes, workspace
from .stores._local import index_size_bytes

__all__ = [
    "AS_OF_LEAD_SHARE", "MAX_QUESTION_CHARS", "Assistant", "Search", "answer_preferring", "answer_scoped", "ask",
    "bundled_articles_dir", "date_range", "make_answerer", "reading_question", "scoped", "validate_question",
]

MAX_QUESTION_CHARS = 2000


def bundled_articles_dir() -> Path:
    """The folder of the demo articles shipped inside the package."""
    return Path(str(resources.files("rag") / "data" / "articles"))


def make_answerer(settings: Settings) -> ExtractiveAnswerer:
    """The extractive answerer the settings describe (its reader, if any, loads in ``warm_up()``)."""
    return ExtractiveAnswerer(
        min_score=settings.min_score,
        max_statements=settings.max_statements,
        reader=Reader() if settings.reader == "model" else None,
        min_probability=settings.min_probability,
        reader_candidates=settings.reader_candidates,
    )


def date_range(since: object, until: object, as_of: object, include_undated: object = False) -> DateRange:
    """The :class:`DateRange` of ``ask()``'s date arguments, each checked (one-line :class:`InputError`)."""
    if not isinstance(include_undated, bool):
        raise InputError(f"include_undated must be True or False, got {type(include_undated).__name__}")
    dates = DateRange(to_date(since, "since"), to_date(until, "until"), to_date(as_of, "as_of"), include_undated)
    if dates.since and dates.last and dates.since > dates.last:
        raise InputError(f"since {dates.since} is after {'until' if dates.last == dates.until else 'as_of'} {dates.last}: "
                         "give a range whose start is not after its end")
    return dates


def scoped(question: str, requested: DateRange, *, answering: bool = True) -> tuple[DateRange, TimeScope | None]:
    """The range a question searches and the :class:`TimeScope` it reports.

    The question's time words narrow the requested range; a range from time
    words alone keeps articles of unknown date (they can't be judged). Asked
    ``as_of`` a date, a question whose words set no preference of their own
    ("latest", "first reported") prefers the newest report by that date
    (``TimeScope.implied``; :func:`answer_preferring` says how far), and the
    scope's phrase ends with "as of …", which set it. ``answering=False`` (a
    timeline, which lists every report by date) leaves that out.

    Example:
        >>> scoped("Who is the chief executive?", DateRange(as_of=date(2013, 12, 11)))[1].describe()
        '“as of 2013-12-11” → published … to 2013-12-11, newest article first'
    """
    scope = question_scope(question, requested.as_of)
    dates = requested
    if scope.since or scope.until:
        words = DateRange(
            date.fromisoformat(scope.since) if scope.since else None,
            date.fromisoformat(scope.until) if scope.until else None,
        )
        dates = replace(requested.narrowed(words.since, words.until),
                        include_undated=requested.include_undated if requested.bounded else True)
    if not scope and requested.bounded:
        bounds = [f"since {requested.since}" if requested.since else "", f"until {requested.until}" if requested.until else "",
                  f"as of {requested.as_of}" if requested.as_of else ""]
        scope = TimeScope(phrase=", ".join(b for b in bounds if b), since=_iso(requested.since), until=_iso(requested.last),
                          reference=_iso(requested.as_of))
    elif scope and not (dates.since and dates.last and dates.since > dates.last):
        scope = replace(scope, since=_iso(dates.since), until=_iso(dates.last))
    # else the words' range lies outside the explicit one: it is reported as asked, holds no article, and widens
    if answering and scope and requested.as_of is not None and not scope.prefer:
        # A reader asking as of a date wants how things stood on it: "Who runs the company?" is
        # answered by the newest report that answers, not by a better-worded one from years before.
        as_of = f"as of {requested.as_of}"
        phrase = scope.phrase if scope.phrase.endswith(as_of) else f"{scope.phrase}, {as_of}"
        # the preference's words come last, as question_scope puts them
        scope = replace(scope, phrase=phrase, prefer="newest", implied=True)
    return dates, (scope or None)


def narrows(dates: DateRange, requested: DateRange) -> bool:
    """Whether the question's time words narrowed ``requested``: then a wider range is left to answer from."""
    return (dates.since, dates.last) != (requested.since, requested.last)


def nearest_first(passages: list[Passage], asked: DateRange, index: IndexData) -> list[Passage]:
    """``passages`` by how many days their article lies outside ``asked``, nearest first (ties keep their rank)."""
    return sorted(passages, key=lambda p: asked.days_outside(index.documents[index.doc_index[p.doc_id]].published))


@dataclass(frozen=True)
class Search:
    """One question's search: the index snapshot it reads, the words searched, their vector, how many passages."""

    index: IndexData
    searcher: HybridSearcher
    read: str
    vector: np.ndarray
    top_k: int

    def passages(self, dates: DateRange) -> list[Passage]:
        return self.searcher.search(self.read, self.top_k, query_vector=self.vector, dates=dates)


def nearest_answer(answerer: ExtractiveAnswerer, search: Search, passages: list[Passage], asked: DateRange) -> Answer:
    """The answer from the articles of ``passages`` nearest in date to ``asked`` among those that answer.

    Only they are quoted: a farther report is what the question did not ask
    for, and quoted beside them it would lead as the newest when they differ.
    """
    index = search.index
    scored = answerer.rank(search.read, passages, index, search.vector)
    distance = [asked.days_outside(index.documents[s.doc_i].published) for s in scored]
    nearest = min((d for s, d in zip(scored, distance) if s.score >= answerer.threshold), default=None)
    if nearest is not None:
        scored = [s for s, d in zip(scored, distance) if d == nearest]
    return answerer.compose(search.read, scored, nearest_first(passages, asked, index), index)


# How close to the best statement a newer one must score to lead when only ``as_of`` prefers the newest,
# as a share of the best's score. With no floor but the answerer's, a weak off-subject sentence could
# lead (bench.dates: another carmaker's recall, at a tenth of the best); newer reports of the asked thing
# scored 0.26 to 0.89 of the best on bench.news_dated, where 0.15 to 0.2 keep every gain (docs/evaluation.md).
AS_OF_LEAD_SHARE = 0.2


def answer_preferring(
    answerer: ExtractiveAnswerer, question: str, passages: list[Passage], index: IndexData, vector: np.ndarray,
    scope: TimeScope | None,
) -> Answer:
    """The quoted answer from ``passages`` with the preference ``scope`` sets.

    The question's own words ("latest", "first reported") let the newest (or
    oldest) answering statement lead. A preference only ``as_of`` implies
    does so among the statements that score at least
    :data:`AS_OF_LEAD_SHARE` of the best one's: a newer report of the same
    thing, not any newer sentence that barely answers.
    """
    prefer = scope.prefer if scope else ""
    if scope is None or not scope.implied:
        return answerer.answer(question, passages, index, vector, prefer=prefer)
    scored = answerer.rank(question, passages, index, vector)
    # Below the answerer's threshold the best still refuses; above it, the floor only narrows who may lead.
    floor = max(answerer.threshold, AS_OF_LEAD_SHARE * scored[0].score) if scored else None
    return answerer.compose(question, scored, passages, index, threshold=floor, prefer=prefer)


def answer_in_range(answerer: ExtractiveAnswerer, search: Search, passages: list[Passage], dates: DateRange,
                    scope: TimeScope | None = None) -> Answer:
    """The quoted answer from ``passages`` (searched in ``dates``), or the refusal that says no article lies in it."""
    if dates.bounded and not passages and not search.searcher.allowed_documents(dates).any():
        return Answer(search.read, no_articles_text(dates, search.index), refused=True)
    return answer_preferring(answerer, search.read, passages, search.index, search.vector, scope)


def answer_scoped(
    answerer: ExtractiveAnswerer, search: Search, passages: list[Passage], dates: DateRange, wider: DateRange | None,
    scope: TimeScope | None,
) -> tuple[Answer, TimeScope | None]:
    """The quoted answer from ``passages`` (searched in ``dates``), and the scope it reports.

    When none answers there and ``wider`` (the explicit dates alone, given
    when the question's words narrowed them) does, the answer comes from
    its articles nearest in date to ``dates`` that answer, and says so. When
    neither answers, the wider range's refusal stands: the words alone never
    cause one.
    """
    answer = answer_in_range(answerer, search, passages, dates, scope)
    if not answer.refused or wider is None or scope is None:
        return answer, scope
    wide = search.passages(wider)
    if not wide:
        return answer_in_range(answerer, search, wide, wider), scope
    fallback = nearest_answer(answerer, search, wide, dates)
    return (fallback, scope) if fallback.refused else widened(fallback, scope)


def widened(answer: Answer, scope: TimeScope) -> tuple[Answer, TimeScope]:
    """An answer from outside the asked range, opened by the note that says so (also kept on the scope)."""
    scope = scope.widen([c.published for c in answer.citations])
    return replace(answer, text=f"{scope.note}: {answer.text}"), scope


def reading_question(question: str, scope: TimeScope | None, dates: DateRange, searcher: HybridSearcher) -> str:
    """What is searched and read: the question without the time words that became a filter.

    Only when the filter decides alone: if articles of unknown date remain in
    range, the words are all they can be judged by, so they stay.
    """
    if not (scope and scope.question and scope.question != question):
        return question
    return question if searcher.keeps_undated(dates) else scope.question


def no_articles_text(dates: DateRange, index: IndexData) -> str:
    """The refusal when no indexed article lies in the date range: which range, and what would widen it."""
    bounds = " ".join(b for b in (f"since {dates.since}" if dates.since else "",
                                  f"until {dates.last}" if dates.last else "") if b)
    undated = sum(1 for d in index.documents if not d.published)
    hint = ""
    if undated and not dates.include_undated:
        hint = f"; {undated} article(s) have no known date: include them with --include-undated (include_undated=True)"
    return f"No indexed article was published {bounds}{hint}."


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def validate_question(question: str) -> str:
    """The question stripped of surrounding whitespace.

    Raises:
        EmptyQuestionError: It is blank.
        InputError: It is not a ``str``, not valid text (a lone surrogate,
            as Python makes of invalid UTF-8 in a command line), or longer
            than ``MAX_QUESTION_CHARS``.
    """
    question = _text(question, "question must be a str", "pass the question as text", "the question", "retype it").strip()
    if not clean_text(question):  # only control or zero-width characters: nothing was typed
        question = ""
    if not question:
        raise EmptyQuestionError("the question is empty: type a question, e.g. 'how many troops?'")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long: keep it under {MAX_QUESTION_CHARS}")
    return question


def _check_options(top_k: object, history: object) -> None:
    """Raise a one-line :class:`InputError` for a ``top_k`` or ``history`` of the wrong type."""
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)):
        raise InputError(f"top_k must be a whole number, got {type(top_k).__name__}: pass e.g. top_k=5")
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise InputError(
            f"history must be a list of earlier questions, got {type(history).__name__}: pass e.g. history=['how many troops?']"
        )
    for number, turn in enumerate(history, start=1):
        _text(turn, "history must hold questions as str", "pass the earlier questions as text",
              f"earlier question {number} in history", "pass it as text")


def _text(value: object, not_str: str, type_fix: str, what: str, text_fix: str) -> str:
    """``value`` if it is a ``str`` that encodes as UTF-8, else a one-line :class:`InputError`."""
    if not isinstance(value, str):
        raise InputError(f"{not_str}, got {type(value).__name__}: {type_fix}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            f"{what} is not valid text (invalid UTF-8 or a lone surrogate at character {error.start + 1}): {text_fix}"
        ) from None
    return value


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
        # A database index is built in a local workspace folder; ``index_dir`` is that folder then.
        self.location: str | None = str(index_dir) if is_url(index_dir) else None
        if self.location is not None:
            self.index_dir = workspace(self.location, cache_dir() / "stores")
        else:
            self.index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        self.settings = settings or Settings()
        self.embeddings = embeddings or MiniLMEmbeddings(
            backend=self.settings.embed_backend, batch_size=self.settings.embed_batch_size
        )
        self.chunker = TokenChunker(self.settings.chunk_tokens, self.settings.chunk_overlap)
        self.answerer = make_answerer(self.settings)
        self._other_answerers: dict[str, ExtractiveAnswerer] = {}
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._llm_answerer: Any = None
        self._index: IndexData | None = None
        self._searcher: HybridSearcher | None = None

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
            ready = self._index is not None
        if not ready:  # load (or build) outside the lock; index() takes the build lock itself
            try:
                self._swap(open_index(self.location or self.index_dir, model_name=model_name_of(self.embeddings)))
            except IndexNotFoundError:
                if self.location is not None or self.index_dir.resolve() != default_index_dir().resolve():
                    raise
                self.index([bundled_articles_dir()], progress=progress)
        if isinstance(self.embeddings, MiniLMEmbeddings):
            self.embeddings.load()
        self.answerer.warm_up()

    def _swap(self, index: IndexData) -> None:
        searcher = HybridSearcher(
            index,
            self.embeddings,
            mode=self.settings.retrieval,
            candidates=self.settings.candidates,
            rrf_k=self.settings.rrf_k,
        )
        with self._lock:
            self._index, self._searcher = index, searcher

    def snapshot(self) -> tuple[IndexData, HybridSearcher]:
        """The current index and its searcher, as one consistent pair (loading them on first use).

        What evaluation and benchmarks read: an upload swapping in a new index
        later does not change a snapshot already taken.
        """
        with self._lock:
            index, searcher = self._index, self._searcher
        if index is None or searcher is None:
            self.warm_up()
            with self._lock:
                index, searcher = self._index, self._searcher
        if index is None or searcher is None:
            where = shown_url(self.location) if self.location else self.index_dir
            raise IndexNotFoundError(f"no index at {where}: build one with `rag index PATH --index {where}`")
        return index, searcher

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
            has_index = self._index is not None or (self.index_dir / "manifest.json").exists()
            if not loaded.documents and not has_index:
                reasons = "; ".join(str(s) for s in loaded.skipped[:3]) or "no supported files found"
                raise LoadError(f"nothing to index ({reasons}): give .txt, .md, .html, .pdf or .json files")
            report = build(
                self.location or self.index_dir,
                self.index_dir,
                loaded,
                embeddings=self._build_embeddings(runner),
                chunker=self.chunker,
                rebuild=rebuild,
                prune=prune,
                progress=progress,
                sentence_vectors=self.settings.sentence_vectors,
                chunk_vectors=self.settings.chunk_vectors,
            )
            self._swap(open_index(self.location or self.index_dir))
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
        final: Answer | None = None
        for event in self.stream(question, top_k=top_k, history=history, use_llm=use_llm, reader=reader,
                                 since=since, until=until, as_of=as_of, include_undated=include_undated):
            final = event.answer or final
        assert final is not None  # stream() always ends with a final event
        return final

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
        started = time.perf_counter()
        question = validate_question(question)
        _check_options(top_k, history)
        if use_llm is not None and not isinstance(use_llm, bool):
            raise InputError(f"use_llm must be True, False or None, got {type(use_llm).__name__}: pass e.g. use_llm=False")
        top_k = self.settings.top_k if top_k is None else top_k
        if top_k < 1:
            raise InputError(f"top_k must be at least 1, got {top_k}")
        if use_llm and self.settings.llm == "none":
            raise InputError("no LLM backend is configured: start with --llm openai|ollama|llamacpp")
        requested = date_range(since, until, as_of, include_undated)
        answerer = self._answerer(reader)
        index, searcher = self.snapshot()
        llm = self.settings.llm != "none" if use_llm is None else use_llm
        standalone = self._standalone(question, history, llm)
        dates, scope = scoped(standalone, requested)
        read = reading_question(standalone, scope, dates, searcher)
        t0 = time.perf_counter()
        vector = searcher.embed_query(read)
        t1 = time.perf_counter()
        search = Search(index, searcher, read, vector, top_k)
        passages = search.passages(dates)
        t2 = time.perf_counter()
        wider = requested if scope is not None and narrows(dates, requested) else None
        if not llm:
            answer, scope = answer_scoped(answerer, search, passages, dates, wider, scope)
            yield AnswerEvent("sources", passages=answer.passages)
        else:
            answer, scope = yield from self._llm_answer(standalone, search, passages, dates, wider, scope)
        t3 = time.perf_counter()
        timings = {
            "embed": (t1 - t0) * 1000,
            "retrieve": (t2 - t1) * 1000,
            "answer": (t3 - t2) * 1000,
            "total": (t3 - started) * 1000,
        }
        yield AnswerEvent("final", answer=replace(
            answer, question=question, timings_ms=timings, standalone_question=standalone if standalone != question else None,
            time_scope=scope,
        ))

    def _llm_answer(
        self, question: str, search: Search, passages: list[Passage], dates: DateRange, wider: DateRange | None,
        scope: TimeScope | None,
    ) -> Generator[AnswerEvent, None, tuple[Answer, TimeScope | None]]:
        """The LLM's events (``sources``, then ``token`` pieces); returns its answer and the scope it reports.

        The LLM streams as it reads, so only a range that holds no passage
        widens (to ``wider``, nearest articles first), and before it starts.
        """
        widen = False
        if wider is not None and scope is not None and not passages:
            passages, dates, widen = nearest_first(search.passages(wider), dates, search.index), wider, True
        if dates.bounded and not passages and not search.searcher.allowed_documents(dates).any():
            yield AnswerEvent("sources")
            return Answer(question, no_articles_text(dates, search.index), refused=True), scope
        answer = None
        for event in self._llm().stream(question, passages, search.index, search.vector):
            if event.kind == "final":
                answer = event.answer
            else:
                yield event
        assert answer is not None  # the LLM answerer always ends with a final event
        if widen and scope is not None and not answer.refused:
            return widened(answer, scope)
        return answer, scope

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
        query = validate_question(query)
        _check_options(top_k, ())
        requested = date_range(since, until, as_of, include_undated)
        top_k = 2 * self.settings.top_k if top_k is None else top_k
        if top_k < 1:
            raise InputError(f"top_k must be at least 1, got {top_k}")
        index, searcher = self.snapshot()
        dates, scope = scoped(query, requested, answering=False)
        read = reading_question(query, scope, dates, searcher)
        vector = searcher.embed_query(read)
        passages = searcher.search(read, top_k, query_vector=vector, dates=dates)
        timeline = build_timeline(read, passages, index, vector, self.answerer)
        return replace(timeline, query=query, time_scope=scope)

    def _answerer(self, reader: str | None) -> ExtractiveAnswerer:
        """The settings' answerer, or one with the other reader (made once, on first use)."""
        if reader is None or reader == self.settings.reader:
            return self.answerer
        if reader not in ("model", "fast"):
            raise InputError(f"reader {reader!r} is unknown: use model or fast")
        with self._lock:
            answerer = self._other_answerers.get(reader)
            if answerer is None:
                answerer = self._other_answerers[reader] = make_answerer(self.settings.updated(reader=reader)).warm_up()
        return answerer

    def _standalone(self, question: str, history: Sequence[str], llm: bool) -> str:
        """The follow-up made standalone: by the LLM when one answers, else by the visible heuristic."""
        earlier = [h for h in history if h and h.strip()]
        if llm and earlier and is_follow_up(question):
            rewritten = self._llm().rewrite(question, earlier)
            if rewritten:
                return rewritten
        return standalone_question(question, history)

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
            InputError: No document has that id.
        """
        index, _ = self.snapshot()
        position = index.doc_index.get(doc_id)
        if position is None:
            raise InputError(f"no document with id {doc_id!r}: see `rag info` for the indexed documents")
        return index.documents[position]

    def documents(self) -> list[SourceDocument]:
        """All indexed documents, in index order."""
        index, _ = self.snapshot()
        return list(index.documents)

    def info(self) -> dict[str, Any]:
        """Counts, model and size of the loaded index."""
        index, _ = self.snapshot()
        manifest = index.manifest
        return {
            "index_dir": shown_url(self.location) if self.location else str(self.index_dir),
            "documents": len(index.documents),
            "chunks": index.n_chunks,
            "sentences": int(len(index.sentence_rows)),
            "embedding_model": manifest.get("embedding_model"),
            "dimension": manifest.get("dimension"),
            "chunker": manifest.get("chunker"),
            "updated_at": manifest.get("updated_at"),
            "size_bytes": size_bytes(self.location) if self.location else index_size_bytes(self.index_dir),
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
    validate_question(question)  # before loading anything
    _check_options(top_k, history)
    date_range(since, until, as_of, include_undated)
    if index_dir is not None and not isinstance(index_dir, (str, os.PathLike)):
        raise InputError(f"index_dir must be a path, got {type(index_dir).__name__}: pass e.g. index_dir='index/default'")
    key: Path | str = str(index_dir) if is_url(index_dir) else (Path(index_dir) if index_dir is not None else default_index_dir()).resolve()
    with _assistants_lock:
        assistant = _assistants.get(key)
        if assistant is None:
            assistant = _assistants[key] = Assistant.load(key if index_dir is not None else None)
    return assistant.ask(question, top_k=top_k, history=history, since=since, until=until, as_of=as_of,
                         include_undated=include_undated)
