"""The one question pipeline: a :class:`~rag._query.Query` in, answer events out.

:meth:`Pipeline.run` is the only place a question is answered. ``ask()``,
:meth:`rag.Assistant.stream`, the UI, ``rag eval`` and the benchmarks all
call it; :meth:`Pipeline.timeline` runs the same first steps for a
timeline. The steps, in order:

1. a follow-up is made standalone (:mod:`rag._followup`, or the LLM);
2. the question's time words and the explicit dates become the searched
   range and the reported :class:`~rag._dates.TimeScope` (:func:`scoped`);
3. the words that became a filter are taken out of what is searched
   (:func:`reading_question`), which is embedded once and searched;
4. the extractive answerer (or the LLM) answers from the passages; when
   nothing answers in the range the time words set, the answer comes from
   the nearest articles the explicit dates allow, and says so
   (:func:`answer_scoped`). An overview question ("What's the latest on
   X?", "What happened this week?") is searched by its topic alone and
   answered, without an LLM, with the newest articles' opening sentences
   about it (:func:`overview_scoped`, :mod:`rag._overview`).

A pipeline reads one index snapshot: an update builds a new index and a new
pipeline, and a question already running finishes on the old one.

Example:
    >>> pipeline = assistant.pipeline()  # doctest: +SKIP
    >>> pipeline.answer(Query.of("How many troops?")).short_answer  # doctest: +SKIP
    'More than ten thousand'
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._answering import ExtractiveAnswerer
from ._calibration import reader_folder, shipped_calibration
from ._config import Settings
from ._counting import word_similarity
from ._dates import DateRange, question_scope
from ._exceptions import InputError
from ._followup import is_follow_up, standalone_question
from ._index import IndexData
from ._overview import change, change_topic, follow_up_topic, overview, overview_topic, topic_terms
from ._query import Query
from ._reader import Reader
from ._retrieval import HybridSearcher
from ._search import UNKNOWN_DAY
from ._timeline import Timeline, build_timeline
from ._types import Answer, AnswerEvent, Passage, TimeScope

__all__ = [
    "AS_OF_LEAD_SHARE", "NEWEST_READ", "Answerers", "Pipeline", "Search", "answer_preferring", "answer_scoped",
    "make_answerer", "reading_question", "scoped",
]


def make_answerer(
    settings: Settings, words: Embeddings | None = None, readers: dict[str, Reader] | None = None
) -> ExtractiveAnswerer:
    """The extractive answerer the settings describe (its reader, if any, loads in ``warm_up()``).

    A trained reader comes with the refusal calibration fitted to it (the
    ``calibration.json`` beside its weights); ``fast`` has no reader. With
    ``words`` (the index's embeddings), a "how many X" answer must count X
    (:mod:`rag._counting`); without, that check is off. ``readers`` shares
    loaded readers by name between answerers (the 12-layer reader behind the
    default is the one ``reader = "large"`` reads with: one copy in memory).
    """
    shared = readers if readers is not None else {}

    def reader(name: str) -> Reader:
        if name not in shared:
            shared[name] = Reader(reader_folder(name))
        return shared[name]

    if settings.reader == "fast":
        return ExtractiveAnswerer(min_score=settings.min_score, max_statements=settings.max_statements, reader=None)
    large = settings.reader == "large"
    return ExtractiveAnswerer(
        min_score=settings.min_score,
        max_statements=settings.max_statements,
        reader=reader(settings.reader),
        min_probability=settings.large_min_probability if large else settings.min_probability,
        reader_candidates=settings.reader_candidates,
        combine=shipped_calibration(settings.reader).combine,
        similarity=word_similarity(words) if words is not None else None,
        span_reader=reader("large") if not large and settings.short_answer_reader == "large" else None,
        rereads=settings.large_rereads,
        span_combine=shipped_calibration("large").combine,
    )


class Answerers:
    """The extractive answerer of each reader: the settings' one now, another on first use.

    Example:
        >>> answerers = Answerers(Settings(reader="fast"))
        >>> answerers.get(None) is answerers.default
        True
    """

    def __init__(self, settings: Settings, words: Embeddings | None = None):
        self._settings = settings
        self._words = words
        self._readers: dict[str, Reader] = {}  # one loaded copy of each trained reader, whichever answerers use it
        self.default = make_answerer(settings, words, self._readers)
        self._others: dict[str, ExtractiveAnswerer] = {}
        self._lock = threading.Lock()

    def get(self, reader: str | None) -> ExtractiveAnswerer:
        """The answerer of ``reader`` (``None``: the settings'), warmed up."""
        if reader is None or reader == self._settings.reader:
            return self.default
        with self._lock:
            answerer = self._others.get(reader)
            if answerer is None:
                answerer = self._others[reader] = make_answerer(self._settings.updated(reader=reader), self._words,
                                                                self._readers).warm_up()
        return answerer

    def warm_up(self) -> None:
        """Load the settings' reader (idempotent)."""
        self.default.warm_up()


class Pipeline:
    """Answers questions over one index snapshot.

    Args:
        index: The snapshot's index.
        searcher: Its searcher, set up as the settings say.
        settings: The defaults a query leaves open (``top_k``, retrieval).
        answerers: The extractive answerers, by reader.
        llm: Makes (once) the LLM answerer, when a query uses the LLM; ``None``
            when no LLM is configured. Given, questions use it unless they say
            ``use_llm=False``.

    Example:
        >>> events = list(pipeline.run(Query.of("Why Tajikistan?")))  # doctest: +SKIP
        >>> [e.kind for e in events]  # doctest: +SKIP
        ['sources', 'final']
    """

    def __init__(self, index: IndexData, searcher: HybridSearcher, settings: Settings, answerers: Answerers,
                 llm: Callable[[], Any] | None):
        self.index = index
        self.searcher = searcher
        self._settings = settings
        self._answerers = answerers
        self._llm = llm
        self._searchers: dict[tuple[str, int], HybridSearcher] = {(searcher.mode, searcher.candidates): searcher}
        self._lock = threading.Lock()

    @property
    def embeddings(self) -> Embeddings:
        """The model questions are embedded with (the index's)."""
        return self.searcher.embeddings

    def answer(self, query: Query) -> Answer:
        """The final answer of :meth:`run`."""
        final: Answer | None = None
        for event in self.run(query):
            final = event.answer or final
        if final is None:  # run() always ends with a final event
            raise RuntimeError("the pipeline ended without an answer")
        return final

    def run(self, query: Query) -> Iterator[AnswerEvent]:
        """The events of answering ``query``: ``sources``, ``token`` pieces (LLM only), then ``final``.

        The ``final`` event carries the answer and, as its ``passages``, every
        passage retrieved, best first (``query.depth`` of them when set).

        Raises:
            InputError: The query asks for an LLM and none is configured.
            LLMError: The configured LLM backend cannot be used.
        """
        started = time.perf_counter()
        settings = self._settings
        llm = self._llm is not None if query.use_llm is None else query.use_llm
        if query.use_llm and self._llm is None:
            raise InputError("no LLM backend is configured: start with --llm openai|ollama|llamacpp "
                             "(in Python: Settings(llm=...) or Assistant(llm=chat_model))")
        top_k = settings.top_k if query.top_k is None else query.top_k
        answerer = self._answerers.get(query.reader)
        searcher = self._searcher(query)
        standalone = self._standalone(query.question, query.history, llm)
        dates, scope = scoped(standalone, query.dates)
        read = reading_question(standalone, scope, dates, searcher)
        # an LLM answers "What's the latest on X?" itself; "and the earthquake?" after one is another overview
        # "How has X changed?", or "and Y?" after one
        changed = None if llm else change_topic(standalone) or follow_up_topic(query.question, query.history, change_topic)
        topic = changed or (None if llm else follow_up_topic(query.question, query.history) or overview_topic(standalone))
        if topic:
            read = topic  # "What's the latest on" is no word of the news
        t0 = time.perf_counter()
        vector = searcher.embed_query(read)
        t1 = time.perf_counter()
        search = Search(self.index, searcher, read, vector, top_k)
        retrieved = searcher.search(read, max(query.depth or top_k, top_k), query_vector=vector, dates=dates)
        retrieved = of_the_year(retrieved, scope, dates, self.index)
        passages = retrieved[:top_k]
        t2 = time.perf_counter()
        wider = query.dates if scope is not None and narrows(dates, query.dates) else None
        if not llm:
            summed = None if topic is None else overview_scoped(standalone, topic, search, passages, dates, wider, scope,
                                                                summary=change if changed else overview)
            if summed is not None:
                answer, scope = summed
            else:
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
        yield AnswerEvent("final", passages=tuple(retrieved), answer=replace(
            answer, question=query.question, timings_ms=timings,
            standalone_question=standalone if standalone != query.question else None, time_scope=scope,
        ))

    def timeline(self, query: Query) -> Timeline:
        """The dated events of the articles ``query`` retrieves (``top_k``: twice the settings'), oldest first.

        When the question's time words leave no event, the events come from
        the range the explicit dates allow, and ``time_scope.note`` says so.
        """
        top_k = 2 * self._settings.top_k if query.top_k is None else query.top_k
        search, dates, scope = self._retrieval(query, top_k)
        timeline = build_timeline(search.read, search.passages(dates), self.index, search.vector)
        if not timeline.events and scope is not None and narrows(dates, query.dates):
            # As for an answer, the time words alone never leave a timeline empty: it comes from the
            # range the explicit dates allow, and its scope says so.
            wider = build_timeline(search.read, search.passages(query.dates), self.index, search.vector)
            if wider.events:
                timeline = wider
                scope = scope.widen(sorted({e.citation.published for e in wider.events}, key=lambda d: d or ""))
        return replace(timeline, query=query.question, time_scope=scope)

    def search(self, query: Query) -> tuple[list[Passage], TimeScope | None]:
        """The passages ``query`` retrieves (``top_k``: the settings'), best first, with no answer.

        The same first steps as :meth:`run` and :meth:`timeline` (time words
        and dates become the searched range, the words that became a filter
        are not searched); returns the passages and the time scope searched.
        """
        top_k = self._settings.top_k if query.top_k is None else query.top_k
        search, dates, scope = self._retrieval(query, top_k)
        return search.passages(dates), scope

    def _retrieval(self, query: Query, top_k: int) -> tuple[Search, DateRange, TimeScope | None]:
        """The search of a query that is not answered (a timeline, a search): range, words searched, their vector."""
        searcher = self._searcher(query)
        dates, scope = scoped(query.question, query.dates, answering=False)
        read = reading_question(query.question, scope, dates, searcher)
        return Search(self.index, searcher, read, searcher.embed_query(read), top_k), dates, scope

    def _searcher(self, query: Query) -> HybridSearcher:
        """The snapshot's searcher, or one with the query's own mode and candidates (made once)."""
        key = (query.mode or self.searcher.mode, query.candidates or self.searcher.candidates)
        with self._lock:
            searcher = self._searchers.get(key)
            if searcher is None:
                searcher = self._searchers[key] = HybridSearcher(
                    self.index, self.searcher.embeddings, mode=key[0], candidates=key[1], rrf_k=self.searcher.rrf_k,
                    rerank_depth=self.searcher.rerank_depth,
                )
        return searcher

    def _standalone(self, question: str, history: tuple[str, ...], llm: bool) -> str:
        """The follow-up made standalone: by the LLM when one answers, else by the visible heuristic."""
        earlier = [h.strip() for h in history if h and h.strip()]
        if llm and earlier and is_follow_up(question, earlier[-1]):
            rewritten = self._llm().rewrite(question, earlier)
            if rewritten:
                return rewritten
        return standalone_question(question, history)

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
            for window in widening(dates, wider):  # the nearest range that holds a passage; the last is ``wider``
                passages = search.passages(window)
                if passages:
                    break
            passages, dates, widen = nearest_first(passages, dates, search.index), window, True
        if dates.bounded and not passages and not search.searcher.allowed_documents(dates).any():
            yield AnswerEvent("sources")
            return Answer(question, no_articles_text(dates, search.index), refused=True), scope
        answer = None
        for event in self._llm().stream(question, passages, search.index, search.vector):
            if event.kind == "final":
                answer = event.answer
            else:
                yield event
        if answer is None:  # the LLM answerer always ends with a final event
            raise RuntimeError("the LLM answerer ended without an answer")
        if widen and scope is not None and not answer.refused:
            return widened(answer, scope)
        return answer, scope


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
    later = None
    if scope.since or scope.until:
        words = DateRange(
            date.fromisoformat(scope.since) if scope.since else None,
            date.fromisoformat(scope.until) if scope.until else None,
        )
        dates = replace(requested.narrowed(words.since, words.until),
                        include_undated=requested.include_undated if requested.bounded else True)
        later = reported_later(words, requested) if answering else None
    if not scope and requested.bounded:
        bounds = [f"since {requested.since}" if requested.since else "", f"until {requested.until}" if requested.until else "",
                  f"as of {requested.as_of}" if requested.as_of else ""]
        scope = TimeScope(phrase=", ".join(b for b in bounds if b), since=_iso(requested.since), until=_iso(requested.last),
                          reference=_iso(requested.as_of))
    elif scope and not (dates.since and dates.last and dates.since > dates.last):
        scope = replace(scope, since=_iso(dates.since), until=_iso(dates.last))
        if later is not None:  # the year is what was asked and is reported; its later reports are searched too
            dates = replace(dates, until=later)
    # else the words' range lies outside the explicit one: it is reported as asked, holds no article, and widens
    if answering and scope and requested.as_of is not None and not scope.prefer and scope.day is None:
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


# A past year's figures come out in the weeks after it (annual results, year-end counts): "in 2006" asked on
# 2007-01-19 also searches the 45 days after December 31, where a report counts only if it names the year
# (:func:`of_the_year`). Without that condition, the next January's report of the next event of the same
# kind competed with the year's own (bench.dates, docs/evaluation.md).
YEAR_REPORTED_DAYS = 45


def reported_later(words: DateRange, requested: DateRange) -> date | None:
    """The last day to search for reports of the whole past year ``words`` names, or ``None`` when it names none.

    Example:
        >>> reported_later(DateRange(date(2006, 1, 1), date(2006, 12, 31)), DateRange(as_of=date(2007, 1, 19)))
        datetime.date(2007, 2, 14)
        >>> reported_later(DateRange(date(2006, 3, 1), date(2006, 3, 31)), DateRange()) is None  # a month
        True
    """
    since, until = words.since, words.until
    if since is None or until is None or (since.month, since.day, until.month, until.day) != (1, 1, 12, 31) \
            or since.year != until.year:
        return None
    later = until + timedelta(days=YEAR_REPORTED_DAYS)
    return min(later, requested.until) if requested.until is not None else later


# Words by which a report of the weeks after a year speaks of that year without naming it: "last year", and
# the year's figures ("a $14.6 billion annual loss", "full-year profit", "year-end sales").
_PAST_YEAR = re.compile(r"\blast year\b|\bannual (?:loss|profit|revenue|sales|results|earnings|income)\b"
                        r"|\bfull[- ]year\b|\byear-end\b", re.I)


def of_the_year(passages: list[Passage], scope: TimeScope | None, dates: DateRange, index: IndexData) -> list[Passage]:
    """``passages`` less those published after the asked year that never name it ("2006", or "last year" in 2007)."""
    if scope is None or scope.until is None or dates.until is None or dates.until <= date.fromisoformat(scope.until):
        return passages
    year = date.fromisoformat(scope.until).year
    named = re.compile(rf"\b{year}\b")
    kept = []
    for p in passages:
        published = published_of(index, p)
        if not published or published[:10] <= scope.until or named.search(p.text) \
                or published[:4] == str(year + 1) and _PAST_YEAR.search(p.text):
            kept.append(p)
    return kept


def nearest_first(passages: list[Passage], asked: DateRange, index: IndexData) -> list[Passage]:
    """``passages`` by how many days their article lies outside ``asked``, nearest first (ties keep their rank)."""
    return sorted(passages, key=lambda p: days_outside(asked, index, p))


def days_outside(asked: DateRange, index: IndexData, passage: Passage) -> float:
    """How many days the article of ``passage`` lies outside ``asked`` (0 inside it, infinite when undated)."""
    return asked.days_outside(published_of(index, passage))


def published_of(index: IndexData, passage: Passage) -> str | None:
    """The publication date of the article ``passage`` comes from (ISO), or ``None`` when unknown."""
    return index.documents[index.doc_index[passage.doc_id]].published


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


def nearest_answer(answerer: ExtractiveAnswerer, search: Search, passages: list[Passage], asked: DateRange,
                   *, nearest: bool = True) -> Answer:
    """The answer from the articles of ``passages`` nearest in date to ``asked`` among those that answer.

    Only they are quoted: a farther report is what the question did not ask
    for, and quoted beside them it would lead as the newest when they differ.
    ``nearest=False`` (the fallback's last step, past a year either side)
    quotes the best answering article's instead: that far out, which report
    lies nearer no longer tells which one was meant, and the nearest that
    barely answers led over one that answers well (docs/evaluation.md).
    """
    index = search.index
    scored = answerer.rank(search.read, passages, index, search.vector)
    distance = [asked.days_outside(index.documents[s.doc_i].published) for s in scored]
    answering = [d for s, d in zip(scored, distance) if s.score >= answerer.threshold]
    if answering:
        # scored is best first, so the best answering article's distance is the first
        chosen = min(answering) if nearest else answering[0]
        scored = [s for s, d in zip(scored, distance) if d == chosen]
    return answerer.compose(search.read, scored, nearest_first(passages, asked, index), index)


# How close to the best statement a newer one must score to lead when only ``as_of`` prefers the newest,
# as a share of the best's score. With no floor but the answerer's, a weak off-subject sentence could
# lead (bench.dates: another carmaker's recall, at a tenth of the best); newer reports of the asked thing
# scored 0.26 to 0.89 of the best on bench.news_dated, where 0.15 to 0.2 keep every gain (docs/evaluation.md).
AS_OF_LEAD_SHARE = 0.2
# When the newest report is to lead, its article's best sentences by evidence are read besides the reader's
# usual candidates: worded less like the question than older reports, it was often never read, so an older
# figure led as "the latest report" (bench.news_dated, docs/evaluation.md).
NEWEST_READ = 2


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
    newest = NEWEST_READ if prefer == "newest" else 0
    scored = answerer.rank(question, passages, index, vector, newest=newest)
    floor = None  # the answerer's own threshold
    if scope is not None and scope.implied and scored:
        # Below the answerer's threshold the best still refuses; above it, the floor only narrows who may lead.
        floor = max(answerer.threshold, AS_OF_LEAD_SHARE * scored[0].score)
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
    its articles nearest in date to ``dates`` that answer, and says so: the
    range grows a week, a month, then a year either side (:func:`widening`)
    before all of ``wider`` is searched. When
    neither answers, the wider range's refusal stands: the words alone never
    cause one.

    Outside the asked range a month the question names filters nothing, so
    there its words are searched and read again (``scope.outside``): "What
    was inflation in October?" finds "inflation, which stood at 6.2% in
    October" in a November report by its month, which the words without it
    ("What was inflation?") read too weakly to answer. Relative words stay
    out ("last month" in an article is its own), and so does a year: read
    again, it makes the nearest year's report another year's, which the
    read checks refuse.
    """
    answer = answer_in_range(answerer, search, passages, dates, scope)
    if not answer.refused or wider is None or scope is None:
        return answer, scope
    if scope.outside and scope.outside != search.read:
        search = Search(search.index, search.searcher, scope.outside, search.searcher.embed_query(scope.outside),
                        search.top_k)
    fallback = answer
    for window in widening(dates, wider):
        wide = search.passages(window)
        if window != wider and not any(days_outside(dates, search.index, p) for p in wide):
            continue  # nothing new from outside the asked range: it would refuse again
        if not wide:
            return answer_in_range(answerer, search, wide, wider), scope
        fallback = nearest_answer(answerer, search, wide, dates, nearest=window != wider)
        if not fallback.refused:
            return widened(fallback, scope)
    return fallback, scope


# How far the fallback reaches on either side of the asked range before the next step, in days: a week,
# a month, a year, then all the explicit dates allow. Searched all at once, a wide archive's best passages
# can all come from other years' reports of the same kind (every month has a sales report), and the
# report nearest the asked time, often published just after it ("last month's" figures come out early in
# this one), is not among them.
WIDEN_DAYS = (7, 31, 365)


# An overview ("What's the latest on X?") chooses its articles among those of this many times top_k passages
# found for the topic, newest first: the newest reports of a topic are seldom its best-worded ones.
OVERVIEW_DEPTH = 4
# Without a topic ("What happened this week?"), among this many of the newest articles in range.
OVERVIEW_NEWEST = 50


# How an overview is made from the articles found: (question, topic, candidate positions, index, passages) -> answer.
Summary = Callable[[str, str, Iterable[int], IndexData, Sequence[Passage]], "Answer | None"]


def overview_scoped(
    question: str, topic: str, search: Search, passages: list[Passage], dates: DateRange, wider: DateRange | None,
    scope: TimeScope | None, summary: Summary = overview,
) -> tuple[Answer, TimeScope | None] | None:
    """The overview of an overview question (:mod:`rag._overview`), and the scope it reports; ``None`` when none is about it.

    When no article in ``dates`` is about the topic and ``wider`` (the
    explicit dates alone) holds one, the overview comes from there and
    says so, as an answer does. ``summary`` makes the answer from the
    articles found: :func:`rag._overview.overview` (the newest), or
    :func:`rag._overview.change` for "How has X changed?" (oldest to newest).
    """
    index = search.index

    def candidates(window: DateRange) -> list[int]:
        if topic_terms(topic):
            found = search.searcher.search(search.read, OVERVIEW_DEPTH * search.top_k, query_vector=search.vector,
                                           dates=window)
            return [index.doc_index[p.doc_id] for p in found]
        positions = np.flatnonzero(search.searcher.allowed_documents(window))
        newest = np.argsort(-index.published_days()[positions], kind="stable")  # unknown dates (-1) last
        return positions[newest[:OVERVIEW_NEWEST]].tolist()

    summed = summary(question, topic, candidates(dates), index, passages)
    if summed is not None:
        return summed, scope
    if wider is None or scope is None:
        return None
    summed = summary(question, topic, candidates(wider), index, passages)
    return None if summed is None else widened(summed, scope)


def widening(asked: DateRange, wider: DateRange) -> list[DateRange]:
    """The ranges the fallback searches in turn: ``asked`` widened by :data:`WIDEN_DAYS` either side, then ``wider``.

    Each lies inside ``wider`` (explicit dates stay hard limits).

    Example:
        >>> steps = widening(DateRange(date(2009, 3, 1), date(2009, 3, 31)), DateRange(as_of=date(2009, 4, 2)))
        >>> [(str(s.since), str(s.last)) for s in steps]
        [('2009-02-22', '2009-04-02'), ('2009-01-29', '2009-04-02'), ('2008-03-01', '2009-04-02'), ('None', '2009-04-02')]
    """
    steps: list[DateRange] = []
    for days in WIDEN_DAYS:
        try:
            since = asked.since - timedelta(days=days) if asked.since else None
            until = asked.last + timedelta(days=days) if asked.last else None
        except OverflowError:  # near the calendar's ends: the whole wider range is next
            break
        step = wider.narrowed(since, until)
        if step not in steps and (step.since, step.last) != (wider.since, wider.last):
            steps.append(step)
    return [*steps, wider]


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
    undated = int((index.published_days() == UNKNOWN_DAY).sum())  # a column of day numbers, not every article's text
    hint = ""
    if undated and not dates.include_undated:
        hint = f"; {undated} article(s) have no known date: include them with --include-undated (include_undated=True)"
    return f"No indexed article was published {bounds}{hint}."


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
