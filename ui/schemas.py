"""The REST API's request and response models (pydantic), which FastAPI checks and shows at ``/docs``.

Requests are checked here for shape (a misspelled field is a 422 naming it);
their values (an empty question, a date not ``YYYY-MM-DD``) are checked
once, by the library's ``Query.of``, whose one-line messages the API returns.
Responses are the library's own ``to_dict()`` shapes; their models document
them (the routes return them as built, without validating them again).

Example:
    >>> AskRequest(question="How many troops?", since="2021-08-01").top_k is None
    True
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnswerOut", "AskRequest", "CitationOut", "DeleteOut", "DocumentList", "DocumentOut", "DocumentSummary", "ErrorOut",
    "HealthOut", "InfoOut", "PassageOut", "SearchOut", "SearchRequest", "TimelineOut", "TimelineRequest", "UploadOut",
]

MAX_TOP_K = 50  # passages per request: a bound on one request's work


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelled field is an error that names it, not a silent default


class _Dates(_Request):
    since: str | None = Field(None, description="only articles published on or after (YYYY-MM-DD)", examples=["2021-08-01"])
    until: str | None = Field(None, description="only articles published on or before (YYYY-MM-DD)")
    as_of: str | None = Field(None, description="answer as a reader on that date would: later articles don't exist yet")
    include_undated: bool = Field(False, description="keep articles of unknown date when a date is given")


class AskRequest(_Dates):
    """A question, as ``Assistant.ask`` takes it."""

    question: str = Field(description="the question", examples=["How many troops?"])
    history: list[str] = Field(default_factory=list, description="earlier questions of the conversation, oldest first")
    reader: str | None = Field(None, description="model (default) or fast")
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="passages to read (default 5)")
    use_llm: bool | None = Field(None, description="true: the configured LLM writes the answer (rag serve --llm); "
                                                   "false: quotes; null: the server's default")


class SearchRequest(_Dates):
    """A search: passages with their scores, no answer."""

    question: str = Field(examples=["How many troops?"])
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="passages to return (default 5)")


class TimelineRequest(_Dates):
    """What a timeline is about."""

    query: str = Field(examples=["Zapad/Interaction 2021 drill"])
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="passages to draw events from (default 10)")


class CopyOut(BaseModel):
    doc_id: str
    title: str
    source: str
    outlet: str | None
    published: str | None


class DateOut(BaseModel):
    phrase: str
    date: str
    how: str


class CitationOut(BaseModel):
    """One ``[n]``: ``document.text[start:end] == quote``."""

    n: int
    doc_id: str
    title: str
    source: str = Field(description="the article's file, by name unless rag serve --show-paths")
    start: int
    end: int
    quote: str
    score: float
    published: str | None
    outlet: str | None
    also_published: list[CopyOut]
    dates: list[DateOut]
    url: str | None = Field(None, description="the article's URL, when it states one")


class PassageOut(BaseModel):
    rank: int
    doc_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    score: float
    dense_score: float | None
    lexical_score: float | None
    chunk_ids: list[str]


class SearchPassageOut(PassageOut):
    published: str | None = None
    outlet: str | None = None
    url: str | None = None


class TimeScopeOut(BaseModel):
    phrase: str
    since: str | None
    until: str | None
    prefer: str | None
    reference: str | None
    question: str | None
    widened: bool
    note: str | None
    day: str | None = None


class DisagreementOut(BaseModel):
    kind: str
    values: list[str]
    citations: list[int]


class AnswerOut(BaseModel):
    """``Answer.to_dict()``: the answer text with ``[n]`` markers, or a refusal."""

    question: str
    standalone_question: str
    short_answer: str | None
    answer: str
    refused: bool
    supported: float | None
    time_scope: TimeScopeOut | None
    disagreements: list[DisagreementOut]
    citations: list[CitationOut]
    passages: list[PassageOut]
    timings_ms: dict[str, float]


class SearchOut(BaseModel):
    question: str
    time_scope: TimeScopeOut | None
    passages: list[SearchPassageOut]


class EventOut(BaseModel):
    date: str
    how: str
    phrase: str | None
    citation: CitationOut


class TimelineOut(BaseModel):
    query: str
    time_scope: TimeScopeOut | None
    events: list[EventOut]


class DocumentSummary(BaseModel):
    id: str
    title: str
    source: str
    url: str | None
    published: str | None
    outlet: str | None
    author: str | None


class DocumentOut(DocumentSummary):
    text: str
    sha256: str


class DocumentList(BaseModel):
    total: int = Field(description="documents matching the filters")
    offset: int
    limit: int
    documents: list[DocumentSummary]


class UploadOut(BaseModel):
    added: list[str] = Field(description="ids of the documents added or updated; searchable now")
    notes: list[str] = Field(description="files renamed, or already indexed")
    rejected: list[str] = Field(description="files refused, each with its reason")
    warnings: list[str] = Field(default_factory=list, description="what `rag index` warns of: a value a file lost "
                                "(e.g. a `published` that names no day), each naming the file")
    documents: int = Field(description="documents in the index now")


class DeleteOut(BaseModel):
    removed: list[str]
    documents: int


class HealthOut(BaseModel):
    status: str
    documents: int


class InfoOut(BaseModel):
    index_dir: str
    documents: int
    chunks: int
    sentences: int
    embedding_model: str | None
    dimension: int | None
    chunker: Any
    updated_at: Any
    size_bytes: int
    llm: str
    models: list[str]


class _ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    """Every error: one object whose message names the fix."""

    error: _ErrorDetail
