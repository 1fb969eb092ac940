"""The MCP server: questions, searches, timelines and documents as Model Context Protocol tools.

Desktop assistants (Claude Desktop and others) start ``rag mcp`` and talk to
it over stdio; ``rag serve`` mounts :func:`mcp_http_app` at ``/mcp``
(streamable HTTP). Both serve :func:`mcp_server`, whose four tools call the
assistant's public methods (:meth:`~rag.Assistant.ask`,
:meth:`~rag.Assistant.search`, :meth:`~rag.Assistant.timeline`,
:meth:`~rag.Assistant.document`), so a question asked over MCP runs the one
pipeline every other way in runs:

- ``ask``: a cited answer, or a refusal;
- ``search``: the passages a question retrieves, with their scores, no answer;
- ``timeline``: the dated events of what a query retrieves, each cited;
- ``get_document``: an indexed article's stored text (citation offsets index it).

Every argument is described in the tools' JSON-schema inputs; every tool has
an output schema and fills ``structuredContent``. ``ask``'s text content is
the answer with its ``[n]`` markers, then the quotes they point at. A bad
argument (an empty question, a date not ``YYYY-MM-DD``, an unknown document
id) is a tool error (``isError``) carrying the library's one-line message,
never a traceback. A source is shown by its file name, not its path on the
server, unless ``show_paths``.

Mounting the HTTP app at ``/mcp`` of a FastAPI app: the MCP session manager
runs in the lifespan of the Starlette app :func:`mcp_http_app` returns, and an
app reached through another app's route gets no lifespan of its own, so the
outer app runs it::

    from contextlib import asynccontextmanager
    from fastapi import FastAPI

    mcp_app = mcp_http_app(assistant)     # one per outer app: its session manager runs once

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        async with mcp_app.router.lifespan_context(mcp_app):
            yield

    api = FastAPI(lifespan=lifespan)
    api.add_route("/mcp", mcp_app)        # GET/POST/DELETE /mcp, path unchanged: no /mcp -> /mcp/ redirect

Example:
    >>> server = mcp_server(assistant)  # doctest: +SKIP
    >>> server.run("stdio")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from starlette.applications import Starlette

from ._assistant import Assistant
from ._config import READERS
from ._exceptions import InputError, RagError, redact
from ._types import Answer, Citation, TimeScope, shown_source

__all__ = [
    "MAX_TOP_K", "AskResult", "DocumentResult", "SearchResult", "TimelineResult", "mcp_http_app", "mcp_server",
]

# A remote caller's top_k is capped: a model asking for 10,000 passages would get a reply too large to read.
MAX_TOP_K = 50

INSTRUCTIONS = (
    "Answers questions about the indexed news articles with exact quotes, each cited [n] with its outlet and "
    "publication date. Use `ask` for a question (a refused answer means the articles don't contain it: say so, "
    "don't guess), `search` for the passages a question finds, `timeline` for the dated events of a topic, and "
    "`get_document` for an article's full text (citation offsets index it). Dates are YYYY-MM-DD."
)

# The tools only read the index: clients may call them without asking the user each time.
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

# The arguments the tools share, described once.
_TopK = Annotated[int | None, Field(description=f"Passages to read or return, 1 to {MAX_TOP_K} (default: the server's)")]
_Since = Annotated[str | None, Field(description="Only articles published on or after this date, YYYY-MM-DD")]
_Until = Annotated[str | None, Field(description="Only articles published on or before this date, YYYY-MM-DD")]
_AsOf = Annotated[str | None, Field(description=(
    "Answer as a reader on this date (YYYY-MM-DD) would: later articles don't exist yet, and the newest report "
    "by then leads"))]
_Undated = Annotated[bool, Field(description="Keep articles of unknown date when a date bound is set")]


class Scope(BaseModel):
    """What the question's time words and the date arguments resolved to."""

    summary: str = Field(description="One line for people: “latest” → newest article first")
    phrase: str = Field(description="The words or bounds that set it ('in 2021', 'since 2021-08-01')")
    since: str | None = Field(description="First publication date searched (YYYY-MM-DD)")
    until: str | None = Field(description="Last publication date searched (YYYY-MM-DD)")
    prefer: str | None = Field(description="'newest' or 'oldest': which report leads when sources differ")
    widened: bool = Field(description="Nothing in the asked range answered: the answer comes from nearer articles")
    note: str | None = Field(description="What the widening means, as the answer's text opens with it")

    @classmethod
    def of(cls, scope: TimeScope | None) -> Scope | None:
        if scope is None:
            return None
        data = scope.to_dict()
        return cls(summary=scope.describe(), phrase=data["phrase"], since=data["since"], until=data["until"],
                   prefer=data["prefer"], widened=data["widened"], note=data["note"])


class Source(BaseModel):
    """The article a quote or passage comes from."""

    doc_id: str = Field(description="The document's id: get_document's argument")
    title: str
    outlet: str | None = Field(description="The publisher, when the article states it")
    published: str | None = Field(description="The article's publication date (YYYY-MM-DD), or null when unknown")
    url: str | None = Field(description="The article's URL, when known")
    source: str = Field(description="The file it was indexed from (its name)")


class Quote(Source):
    """One ``[n]`` citation: an exact quote of a document."""

    n: int = Field(description="The [n] marker in the text")
    quote: str = Field(description="The exact words cited: get_document(doc_id).text[start:end]")
    start: int = Field(description="Character offset of the quote in the document's text")
    end: int = Field(description="Character offset one past the quote's end")
    also_published: list[str] = Field(description="Other outlets that printed the same story ('Reuters, 2021-08-09')")


class Disagreement(BaseModel):
    """Cited statements that give different values for the same thing."""

    kind: str = Field(description="'number', 'date' or 'name'")
    values: list[str] = Field(description="The differing values, in the order of citations")
    citations: list[int] = Field(description="The [n] of each statement, newest first")


class AskResult(BaseModel):
    """A cited answer, or a refusal."""

    question: str
    standalone_question: str = Field(description="The question as searched (a follow-up made standalone)")
    answer: str = Field(description="The answer text with [n] markers (the refusal text when refused)")
    short_answer: str | None = Field(description="The answer's own words inside the first quote ('10,000'), if found")
    refused: bool = Field(description="True when the articles don't contain the answer")
    citations: list[Quote]
    disagreements: list[Disagreement] = Field(description="Sources that give different values, each cited")
    time_scope: Scope | None = Field(description="What time words and date arguments resolved to, if any")


class Hit(Source):
    """One retrieved passage."""

    rank: int = Field(description="1-based rank")
    score: float = Field(description="Fused retrieval score (higher is better)")
    dense_score: float | None = Field(description="Cosine similarity of the best embedding hit")
    lexical_score: float | None = Field(description="BM25 score of the best keyword hit")
    start: int = Field(description="Character offset of the passage in the document's text")
    end: int = Field(description="Character offset one past the passage's end")
    chunk_ids: list[str] = Field(description="The index chunks merged into the passage")
    text: str = Field(description="The passage: get_document(doc_id).text[start:end]")


class SearchResult(BaseModel):
    """The passages a query retrieves, best first."""

    query: str
    passages: list[Hit]
    time_scope: Scope | None = Field(description="What time words and date arguments resolved to, if any")


class Event(BaseModel):
    """One dated event of a timeline."""

    date: str = Field(description="YYYY-MM-DD, or YYYY-MM / YYYY when the text is no more precise")
    how: str = Field(description="'explicit', 'partial' (year from the publication date), 'relative' or 'published'")
    phrase: str | None = Field(description="The words that gave the date ('last Thursday'), null for 'published'")
    citation: Quote


class TimelineResult(BaseModel):
    """The dated events of what a query retrieves, oldest first."""

    query: str
    events: list[Event]
    time_scope: Scope | None = Field(description="What time words and date arguments resolved to, if any")


class DocumentResult(Source):
    """An indexed article with its stored text."""

    author: str | None = Field(description="The byline, when the article states it")
    text: str = Field(description="The stored (cleaned) text that citation and passage offsets index")


def mcp_server(assistant: Assistant, *, show_paths: bool = False) -> MCPServer:
    """The MCP server of ``assistant``: tools ``ask``, ``search``, ``timeline`` and ``get_document``.

    Args:
        assistant: A loaded assistant (:meth:`rag.Assistant.load`); the tools
            run in worker threads, as its questions may.
        show_paths: Show each source's full path on this machine instead of
            its file name.

    Example:
        >>> server = mcp_server(Assistant.load("index/default"))  # doctest: +SKIP
        >>> server.run("stdio")  # doctest: +SKIP
    """
    server = MCPServer("rag-news", instructions=INSTRUCTIONS, log_level="WARNING")
    shown = _Shown(assistant, show_paths)

    @server.tool(annotations=_READ_ONLY, description=(
        "Answer a question about the indexed news articles with exact quotes, each cited [n] with its outlet and "
        "date, or refuse when the articles don't contain the answer. Time words in the question ('latest', "
        "'in 2021', 'last week') narrow the dates too. 'What's the latest on X?' or 'What happened this week?' "
        "gets the opening sentences of the newest articles about it; 'How has X changed?' those of its oldest, a "
        "middle and its newest dated article, oldest first."))
    def ask(
        question: Annotated[str, Field(description="The question, e.g. 'How many troops took part?'")],
        history: Annotated[list[str] | None, Field(description=(
            "Earlier questions of the conversation, oldest first: a follow-up ('and how many aircraft?') is made "
            "standalone"))] = None,
        since: _Since = None,
        until: _Until = None,
        as_of: _AsOf = None,
        reader: Annotated[str | None, Field(description=(
            f"{' or '.join(READERS)}: the trained reader picks quotes and refuses (model), or the evidence score "
            "alone (fast); default: the server's"))] = None,
        top_k: _TopK = None,
        include_undated: _Undated = False,
    ) -> Annotated[CallToolResult, AskResult]:
        _check_top_k(top_k)
        with _tool_errors():
            answer = assistant.ask(question, history=history or (), since=since, until=until, as_of=as_of,
                                   reader=reader, top_k=top_k, include_undated=include_undated)
        result = shown.answer(answer)
        return CallToolResult(content=[TextContent(type="text", text=_answer_text(answer))],
                              structured_content=result.model_dump(mode="json"))

    @server.tool(annotations=_READ_ONLY, description=(
        "The passages of the indexed news articles that a query retrieves, best first, with their scores, "
        "documents and character offsets; no answer is composed."))
    def search(
        query: Annotated[str, Field(description="What to search for, e.g. 'troops Zapad drill'")],
        top_k: _TopK = None,
        since: _Since = None,
        until: _Until = None,
        as_of: _AsOf = None,
        include_undated: _Undated = False,
    ) -> SearchResult:
        _check_top_k(top_k)
        with _tool_errors():
            passages, scope = assistant.search(query, top_k=top_k, since=since, until=until, as_of=as_of,
                                               include_undated=include_undated)
            hits = [Hit(rank=p.rank, score=p.score, dense_score=p.dense_score, lexical_score=p.lexical_score,
                        start=p.start, end=p.end, chunk_ids=list(p.chunk_ids), text=p.text,
                        **shown.source(p.doc_id, p.title, p.source))
                    for p in passages]
        return SearchResult(query=query, passages=hits, time_scope=Scope.of(scope))

    @server.tool(annotations=_READ_ONLY, description=(
        "The dated events of the articles a query retrieves, oldest first, each with its exact quote and how "
        "its date was found."))
    def timeline(
        query: Annotated[str, Field(description="What the timeline is about, e.g. 'Zapad/Interaction 2021 drill'")],
        since: _Since = None,
        until: _Until = None,
        as_of: _AsOf = None,
        top_k: _TopK = None,
        include_undated: _Undated = False,
    ) -> TimelineResult:
        _check_top_k(top_k)
        with _tool_errors():
            found = assistant.timeline(query, top_k=top_k, since=since, until=until, as_of=as_of,
                                       include_undated=include_undated)
            events = [Event(date=e.date, how=e.how, phrase=e.phrase, citation=shown.quote(e.citation))
                      for e in found.events]
        return TimelineResult(query=found.query, events=events, time_scope=Scope.of(found.time_scope))

    @server.tool(annotations=_READ_ONLY, description=(
        "An indexed article: title, outlet, publication date, URL and its stored text, which the start/end "
        "offsets of citations and passages index."))
    def get_document(
        doc_id: Annotated[str, Field(description="A doc_id from the results of ask, search or timeline")],
    ) -> DocumentResult:
        try:
            doc = assistant.document(doc_id)
        except InputError:
            # The library's message points at `rag info`, a command the client can't run.
            raise ToolError(f"no document with id {doc_id[:200]!r}: pass a doc_id from the results of "
                            "ask, search or timeline") from None
        return DocumentResult(author=doc.author, text=doc.text, **shown.source(doc.id, doc.title, doc.source))

    return server


def mcp_http_app(assistant: Assistant, *, show_paths: bool = False, path: str = "/mcp",
                 host: str = "127.0.0.1") -> Starlette:
    """The streamable-HTTP ASGI app of :func:`mcp_server`, answering at ``path``.

    Served alone (``uvicorn.run(mcp_http_app(assistant), ...)``), its lifespan
    runs the MCP session manager. Reached through another app, that app must
    run it: see the module docstring for mounting at ``/mcp`` of FastAPI.
    Each call makes a new app, whose lifespan runs once.

    Args:
        assistant: A loaded assistant.
        show_paths: As in :func:`mcp_server`.
        path: Where the endpoint answers (GET, POST and DELETE).
        host: The host it is served on. On a loopback host (the default,
            ``localhost``, ``::1``) requests whose ``Host`` or ``Origin`` is not
            loopback are refused (DNS rebinding protection); on others the
            app checks neither (put it behind your own checks).

    Example:
        >>> import uvicorn  # doctest: +SKIP
        >>> uvicorn.run(mcp_http_app(Assistant.load()), host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    return mcp_server(assistant, show_paths=show_paths).streamable_http_app(streamable_http_path=path, host=host)


class _Shown:
    """How the library's values look to a client: sources by file name, each with its article's outlet, date and URL."""

    def __init__(self, assistant: Assistant, show_paths: bool):
        self._assistant = assistant
        self._show_paths = show_paths

    def source(self, doc_id: str, title: str, source: str) -> dict[str, str | None]:
        """The fields of :class:`Source` for a document (its outlet, date and URL read from the index)."""
        doc = self._assistant.document(doc_id)
        return {"doc_id": doc_id, "title": title, "outlet": doc.outlet, "published": doc.published, "url": doc.url,
                "source": shown_source(source, show_paths=self._show_paths)}

    def quote(self, c: Citation) -> Quote:
        return Quote(n=c.n, quote=c.quote, start=c.start, end=c.end,
                     also_published=[copy.describe() for copy in c.also_published],
                     **self.source(c.doc_id, c.title, c.source))

    def answer(self, answer: Answer) -> AskResult:
        return AskResult(
            question=answer.question, standalone_question=answer.standalone_question or answer.question,
            answer=answer.text, short_answer=answer.short_answer, refused=answer.refused,
            citations=[self.quote(c) for c in answer.citations],
            disagreements=[Disagreement(kind=d.kind, values=list(d.values), citations=list(d.citations))
                           for d in answer.disagreements],
            time_scope=Scope.of(answer.time_scope),
        )


def _answer_text(answer: Answer) -> str:
    """``ask``'s text content: the answer with its ``[n]`` markers, then what each marker quotes.

    A client that shows the model only the text (not ``structuredContent``)
    still has every quote with its outlet and date to cite.
    """
    if not answer.citations:
        return answer.text
    sources = "\n".join(f"[{c.n}] {c.label()}: “{c.quote}”" for c in answer.citations)
    return f"{answer.text}\n\nSources:\n{sources}"


def _check_top_k(top_k: int | None) -> None:
    if top_k is not None and top_k > MAX_TOP_K:
        raise ToolError(f"top_k must be at most {MAX_TOP_K}, got {top_k}: ask for fewer passages")


@contextmanager
def _tool_errors() -> Iterator[None]:
    """The library's own errors as tool errors: their one-line message reaches the client (``isError``)."""
    try:
        yield
    except RagError as error:
        raise ToolError(redact(str(error))) from None
