"""OpenAI-compatible chat under ``/v1``: any OpenAI client or chat front end (Open WebUI) asks the articles.

``GET /v1/models`` lists ``rag-news`` (the extractive answerer) and, when
the server was started with ``--llm``, ``rag-news-llm`` (the configured LLM
backend, exactly as ``ask(use_llm=True)``). ``POST /v1/chat/completions``
takes the last user message as the question and the earlier user turns as
its history. The reply's text carries the ``[n]`` markers and a plain
"Sources" block, so any chat client shows the citations; the structured
citations (quote, offsets, title, outlet, date) are also in the extra
top-level field ``citations`` of the response and of the last stream chunk.
A refusal is an ordinary assistant message. Options of ``ask()`` ride in
the body as extra fields (``top_k``, ``since``, ``until``, ``as_of``,
``include_undated``, ``reader``: the ``openai`` client's ``extra_body``).

A stream sends the role at once, then the checked text in pieces, then a
chunk with ``finish_reason`` and the citations, then ``data: [DONE]``. An
LLM's raw tokens are not streamed: its citation check may remove sentences,
and a client cannot take back text it has shown.

Example:
    >>> from openai import OpenAI  # doctest: +SKIP
    >>> client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="unused")  # doctest: +SKIP
    >>> client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": "How many troops?"}])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag import Answer, Assistant, InputError

from .errors import ApiError, classify, error_body
from .exposure import exposed, exposed_message
from .messages import message_text, reply_text
from .rest import MODEL, MODEL_LLM, models
from .schemas import MAX_TOP_K

__all__ = ["ChatMessage", "ChatRequest", "openai_router", "reply_text"]

_PIECES = 8  # chunks the text of a streamed reply is sent in


class ChatMessage(BaseModel):
    """One message of the conversation (other fields a client sends are ignored)."""

    model_config = ConfigDict(extra="ignore")
    role: str
    content: str | list[Any] | None = None


class ChatRequest(BaseModel):
    """OpenAI's chat request; sampling options (temperature, ...) are accepted and ignored: answers are quoted."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(examples=[MODEL])
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K)
    since: str | None = None
    until: str | None = None
    as_of: str | None = None
    include_undated: bool = False
    reader: str | None = None


def openai_router(assistant: Assistant, *, show_paths: bool = False) -> APIRouter:
    """The ``/v1`` routes over ``assistant`` (see the module docstring)."""
    router = APIRouter()

    @router.get("/models", summary="The answerers, as OpenAI models")
    def list_models() -> dict[str, Any]:
        return {"object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "rag-news"} for name in models(assistant)]}

    @router.post("/chat/completions", summary="Chat completion (OpenAI-compatible), whole or streamed")
    async def chat(request: ChatRequest) -> Any:
        if request.model not in models(assistant):
            hint = "" if request.model != MODEL_LLM else " (start the server with --llm to offer it)"
            return _error(ApiError(404, "model_not_found",
                                   f"model {request.model!r} does not exist{hint}: use one of {', '.join(models(assistant))}"))
        users = [m for m in request.messages if m.role == "user"]
        if request.messages[-1].role != "user":
            raise InputError("the last message must be the user's question: end messages with {'role': 'user', ...}")
        question = message_text(users[-1].content)
        history = [message_text(m.content) for m in users[:-1]]
        events = assistant.stream(question, top_k=request.top_k, history=history, use_llm=request.model == MODEL_LLM,
                                  reader=request.reader, since=request.since, until=request.until, as_of=request.as_of,
                                  include_undated=request.include_undated)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            answer = await run_in_threadpool(_final, events)
            return JSONResponse({
                "id": completion_id, "object": "chat.completion", "created": created, "model": request.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply_text(answer)},
                             "finish_reason": "stop"}],
                "citations": citations(answer),
            })
        first = await run_in_threadpool(next, events)  # a bad question is an ordinary error response, not a stream
        head = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": request.model}
        return StreamingResponse(_chunks(head, first, events), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    def citations(answer: Answer) -> list[dict[str, Any]]:
        return exposed([c.to_dict() for c in answer.citations], show_paths)

    async def _chunks(head: dict[str, Any], first: Any, events: Iterator[Any]) -> AsyncIterator[str]:
        """The stream's ``data:`` lines; only the answering goes to the threadpool, not each chunk (a hop each)."""
        yield _data({**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
        try:
            answer = first.answer or await run_in_threadpool(_final, events)
        except Exception as error:  # noqa: BLE001 - the status is sent: the error is the stream's last message
            found = classify(error)
            yield _data(error_body("/v1/", ApiError(found.status, found.type, exposed_message(found.message, show_paths))))
            yield "data: [DONE]\n\n"
            return
        for piece in _pieces(reply_text(answer)):
            yield _data({**head, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
        yield _data({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "citations": citations(answer)})
        yield "data: [DONE]\n\n"

    def _error(error: ApiError) -> JSONResponse:
        return JSONResponse(error_body("/v1/", error), status_code=error.status)

    return router


def _final(events: Iterator[Any]) -> Answer:
    """The final answer of an answer's events (raw LLM tokens are skipped: see the module docstring)."""
    answer = None
    for event in events:
        answer = event.answer or answer
    if answer is None:  # the pipeline always ends with a final event
        raise RuntimeError("the answer stream ended without an answer")
    return answer


def _pieces(text: str) -> list[str]:
    """``text`` in about :data:`_PIECES` pieces, cut after whitespace (joined, they are ``text`` again)."""
    words = re.findall(r"\S+\s*|\s+", text)
    step = max(1, -(-len(words) // _PIECES))
    return ["".join(words[i:i + step]) for i in range(0, len(words), step)]


def _data(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
