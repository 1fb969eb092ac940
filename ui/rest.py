"""The REST API under ``/api/v1``: ask (whole or as server-sent events), search, timeline, documents, health, info.

Every route calls the one :class:`rag.Assistant`; the answering routes are
plain functions, so FastAPI runs them in its threadpool and a CPU-bound
search never blocks the event loop. The assistant is safe to call from
several threads: each question runs on the pipeline it took (an upload or
a delete builds a new index and swaps it in between questions, under the
assistant's locks), and the models' shared caches and sessions lock
themselves. What a response shows of server paths is decided by
:mod:`ui.exposure`; every error is one JSON object (:mod:`ui.errors`).

Example:
    >>> app.include_router(rest_router(assistant, uploads=Path("index/default/uploads")), prefix="/api/v1")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from rag import AnswerEvent, Assistant, InputError, SourceDocument
from rag.components import date_range

from .errors import ApiError, classify, error_body
from .exposure import exposed, exposed_message
from .schemas import (
    AnswerOut,
    AskRequest,
    DeleteOut,
    DocumentList,
    DocumentOut,
    ErrorOut,
    HealthOut,
    InfoOut,
    SearchOut,
    SearchRequest,
    TimelineOut,
    TimelineRequest,
    UploadOut,
)
from .uploads import UploadTooLargeError, add_uploads, check_count, check_writable, size_problem

__all__ = ["MODEL", "MODEL_LLM", "models", "rest_router", "sse"]

MODEL = "rag-news"  # the extractive answerer, as a model name (the OpenAI-compatible routes and /info)
MODEL_LLM = "rag-news-llm"  # the configured LLM backend, when the server was started with --llm

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 422, 500, 502, 503)
}


def models(assistant: Assistant) -> list[str]:
    """The answerers this server offers, by model name: extractive always, the LLM when one is configured."""
    return [MODEL] + ([MODEL_LLM] if assistant.settings.llm != "none" else [])


def sse(event: str, data: Any) -> str:
    """One server-sent event: its name and one line of JSON."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def rest_router(assistant: Assistant, *, uploads: Path, show_paths: bool = False, read_only: bool = False) -> APIRouter:
    """The ``/api/v1`` routes over ``assistant``.

    Args:
        assistant: The loaded assistant every route calls.
        uploads: Where uploaded articles are kept (``<index>/uploads``, as the chat UI keeps them).
        show_paths: Show server file paths in responses (``rag serve --show-paths``).
        read_only: Refuse uploads and removals with 403 (``rag serve --read-only``).
    """
    router = APIRouter(responses=_ERRORS)

    def shown(data: Any) -> Any:
        return exposed(data, show_paths)

    @router.post("/ask", response_model=AnswerOut, summary="Answer a question with citations, or refuse")
    def ask(request: AskRequest) -> JSONResponse:
        answer = assistant.ask(request.question, top_k=request.top_k, history=request.history, use_llm=request.use_llm,
                               reader=request.reader, since=request.since, until=request.until, as_of=request.as_of,
                               include_undated=request.include_undated)
        return JSONResponse(shown(answer.to_dict()))

    @router.post(
        "/ask/stream", summary="Answer as server-sent events: sources, token (LLM only), final",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "events `sources` (the passages), "
                         "`token` ({text}: raw LLM text, before its citations are checked), `final` (the answer, as "
                         "/ask returns it) or `error` ({error: {type, message}})"}},
    )
    async def ask_stream(request: AskRequest) -> StreamingResponse:
        events = assistant.stream(request.question, top_k=request.top_k, history=request.history,
                                  use_llm=request.use_llm, reader=request.reader, since=request.since,
                                  until=request.until, as_of=request.as_of, include_undated=request.include_undated)
        # The first event is taken before the response starts, so a bad question is an ordinary 400.
        first = await run_in_threadpool(next, events)
        return StreamingResponse(_event_stream(first, events), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _event_stream(first: AnswerEvent, events: Iterator[AnswerEvent]) -> AsyncIterator[str]:
        """The SSE lines of an answer's events; each next event is computed in the threadpool (CPU-bound)."""
        event: AnswerEvent | None = first
        try:
            while event is not None:
                if event.kind == "final" and event.answer is not None:
                    yield sse("final", shown(event.answer.to_dict()))
                elif event.kind == "token":
                    yield sse("token", {"text": event.text})
                else:
                    yield sse(event.kind, {"passages": shown([p.to_dict() for p in event.passages])})
                event = await run_in_threadpool(next, events, None)
        except Exception as error:  # noqa: BLE001 - the status is sent: the error becomes the last event
            found = classify(error)
            yield sse("error", error_body("/api/v1", ApiError(found.status, found.type,
                                                                exposed_message(found.message, show_paths))))

    @router.post("/search", response_model=SearchOut, summary="Passages with scores, ids and metadata; no answer")
    def search(request: SearchRequest) -> JSONResponse:
        passages, scope = assistant.search(request.question, top_k=request.top_k, since=request.since,
                                           until=request.until, as_of=request.as_of,
                                           include_undated=request.include_undated)
        rows = []
        for passage in passages:
            meta = _metadata(assistant, passage.doc_id)
            rows.append({**passage.to_dict(), "published": meta.published, "outlet": meta.outlet, "url": meta.url}
                        if meta else passage.to_dict())
        return JSONResponse(shown({"question": request.question, "time_scope": scope.to_dict() if scope else None,
                                   "passages": rows}))

    @router.post("/timeline", response_model=TimelineOut, summary="The dated events of what a query finds, each cited")
    def timeline(request: TimelineRequest) -> JSONResponse:
        found = assistant.timeline(request.query, top_k=request.top_k, since=request.since, until=request.until,
                                   as_of=request.as_of, include_undated=request.include_undated)
        return JSONResponse(shown(found.to_dict()))

    @router.get("/documents", response_model=DocumentList, summary="The indexed documents, filtered")
    def documents(
        outlet: str | None = Query(None, description="only this outlet (case does not matter)"),  # noqa: B008
        since: str | None = Query(None, description="published on or after (YYYY-MM-DD)"),  # noqa: B008
        until: str | None = Query(None, description="published on or before (YYYY-MM-DD)"),  # noqa: B008
        include_undated: bool = Query(False, description="keep documents of unknown date when a date is given"),  # noqa: B008
        offset: int = Query(0, ge=0),  # noqa: B008
        limit: int = Query(100, ge=1, le=1000),  # noqa: B008
    ) -> JSONResponse:
        dates = date_range(since, until, None, include_undated)  # one readable InputError for a bad date
        wanted = outlet.casefold() if outlet else None
        matching = [d for d in assistant.documents()
                    if dates.allows(d.published) and (wanted is None or (d.outlet or "").casefold() == wanted)]
        page = [_summary(d) for d in matching[offset:offset + limit]]
        return JSONResponse(shown({"total": len(matching), "offset": offset, "limit": limit, "documents": page}))

    @router.get("/documents/{doc_id:path}", response_model=DocumentOut, summary="One document: text and metadata")
    def document(doc_id: str) -> JSONResponse:
        doc = assistant.document(doc_id)
        return JSONResponse(shown({**_summary(doc), "text": doc.text, "sha256": doc.sha256}))

    @router.post("/documents", response_model=UploadOut,
                 summary="Upload articles (.txt, .md, .html, .pdf, .json, .jsonl, .csv), indexed incrementally")
    def upload(files: list[UploadFile] = File(description="the article files")) -> JSONResponse:  # noqa: B008
        check_writable(read_only)
        check_count(len(files))
        max_mb = assistant.settings.max_file_mb
        for item in files:  # every size first: an oversized file refuses the upload before anything is indexed
            problem = size_problem(_name(item) or "a file", _size(item), max_mb)
            if problem:
                raise UploadTooLargeError(f"{problem}: upload files of at most {max_mb:g} MB")
        with tempfile.TemporaryDirectory(prefix="rag-upload-") as scratch:
            named: list[tuple[str, Path]] = []
            unnamed = 0
            for n, item in enumerate(files):
                name = _name(item)
                if not name:
                    unnamed += 1
                    continue
                path = Path(scratch) / str(n) / name  # a folder each: two files may share a name
                path.parent.mkdir()
                with open(path, "wb") as out:
                    shutil.copyfileobj(item.file, out)
                named.append((name, path))
            report = add_uploads(assistant, named, uploads)
        rejected = list(report.rejected) + ["a file without a name: name it with its type, e.g. report.txt"] * unnamed
        if rejected and not report.added and not report.notes:
            raise InputError("nothing was added: " + "; ".join(rejected))
        return JSONResponse(shown({"added": list(report.added), "notes": list(report.notes), "rejected": rejected,
                                   "warnings": [exposed_message(w, show_paths) for w in report.warnings],
                                   "documents": len(assistant.documents())}))

    @router.delete("/documents/{doc_id:path}", response_model=DeleteOut, summary="Remove a document from the index")
    def delete(doc_id: str) -> JSONResponse:
        check_writable(read_only)
        source = assistant.document(doc_id).source
        report = assistant.remove([doc_id])
        _drop_upload(assistant, Path(source), uploads)
        return JSONResponse({"removed": report.removed, "documents": len(assistant.documents())})

    @router.get("/health", response_model=HealthOut, summary="Liveness: the index is loaded")
    def health() -> dict[str, Any]:
        return {"status": "ok", "documents": len(assistant.documents())}

    @router.get("/info", response_model=InfoOut, summary="What the index holds, its model and size")
    def info() -> JSONResponse:
        return JSONResponse(shown({**assistant.info(), "llm": assistant.settings.llm, "models": models(assistant)}))

    return router


def _summary(doc: SourceDocument) -> dict[str, Any]:
    return {"id": doc.id, "title": doc.title, "source": doc.source, "url": doc.url, "published": doc.published,
            "outlet": doc.outlet, "author": doc.author}


def _metadata(assistant: Assistant, doc_id: str) -> SourceDocument | None:
    """The document of a passage, or ``None`` if a delete removed it since the search."""
    with contextlib.suppress(InputError):
        return assistant.document(doc_id)
    return None


def _name(item: UploadFile) -> str:
    """The uploaded file's own name, without any folder a client put in front of it ("" when it has none usable)."""
    name = PurePosixPath((item.filename or "").replace("\\", "/")).name
    return "" if name.startswith(".") or "\x00" in name else name


def _size(item: UploadFile) -> int:
    """Bytes of an uploaded file (Starlette counts them as it parses; else measured)."""
    if item.size is not None:
        return item.size
    item.file.seek(0, 2)
    size = item.file.tell()
    item.file.seek(0)
    return size


def _drop_upload(assistant: Assistant, source: Path, uploads: Path) -> None:
    """Delete a removed document's kept upload when no indexed document comes from it any more (uploads/ = the index)."""
    try:
        if source.parent != uploads.resolve() or any(d.source == str(source) for d in assistant.documents()):
            return
        source.unlink(missing_ok=True)
    except OSError:
        pass  # the index no longer holds it: a file left behind is harmless
