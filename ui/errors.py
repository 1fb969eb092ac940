"""Every error of ``rag serve`` as one JSON object, with its HTTP status, decided in one place.

The REST API answers ``{"error": {"type": ..., "message": ...}}``; the
OpenAI-compatible routes (under ``/v1/``) answer OpenAI's shape,
``{"error": {"message", "type", "param", "code"}}``, so its clients show the
message. Messages are the library's one-line messages, which name the fix;
an unexpected error says its kind and that the server log has the
traceback, which never goes into a response.

Example:
    >>> from rag import EmptyQuestionError
    >>> classify(EmptyQuestionError("the question is empty: type a question"))
    ApiError(status=400, type='empty_question', message='the question is empty: type a question')
    >>> error_body("/v1/chat/completions", ApiError(401, "unauthorized", "send a key"))["error"]["type"]
    'authentication_error'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag import (
    DocumentNotFoundError,
    EmptyQuestionError,
    IndexError_,
    IndexNotFoundError,
    InputError,
    LLMError,
    LoadError,
    RagError,
    redact,
)

from .exposure import exposed_message
from .uploads import ReadOnlyError, UploadTooLargeError

__all__ = ["ApiError", "classify", "error_body", "error_response", "install_error_handlers"]

log = logging.getLogger("rag.serve")

# The first class an error is an instance of decides: subclasses come before their bases.
STATUSES: tuple[tuple[type[RagError], int, str], ...] = (
    (EmptyQuestionError, 400, "empty_question"),
    (DocumentNotFoundError, 404, "document_not_found"),
    (UploadTooLargeError, 413, "too_large"),
    (ReadOnlyError, 403, "read_only"),
    (InputError, 400, "invalid_input"),
    (LoadError, 400, "nothing_loaded"),
    (LLMError, 502, "llm_unavailable"),  # the configured LLM server is down or refuses: a bad gateway
    (IndexNotFoundError, 503, "index_not_found"),
    (IndexError_, 503, "index_unavailable"),
    (RagError, 500, "server_error"),
)
# OpenAI's error types, by status.
_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "invalid_request_error",
                 405: "invalid_request_error", 413: "invalid_request_error", 422: "invalid_request_error"}


@dataclass(frozen=True)
class ApiError:
    """An error as a response: HTTP status, a short machine-readable type, the one-line message."""

    status: int
    type: str
    message: str


def classify(error: BaseException) -> ApiError:
    """The status, type and message of an error (500 ``internal_error`` for one the library did not raise on purpose)."""
    for kind, status, name in STATUSES:
        if isinstance(error, kind):
            return ApiError(status, name, redact(str(error)))
    return ApiError(500, "internal_error",
                    f"unexpected {type(error).__name__}: the server log has the details; report it if it repeats")


def error_body(path: str, error: ApiError) -> dict[str, Any]:
    """The JSON body of ``error`` for a request to ``path``: OpenAI's shape under ``/v1/``, else the REST API's."""
    if path.startswith("/v1/") or path == "/v1":
        kind = _OPENAI_TYPES.get(error.status, "server_error" if error.status >= 500 else "invalid_request_error")
        return {"error": {"message": error.message, "type": kind, "param": None, "code": error.type}}
    return {"error": {"type": error.type, "message": error.message}}


def error_response(path: str, error: ApiError, show_paths: bool, headers: dict[str, str] | None = None) -> JSONResponse:
    """``error`` as a JSON response, its message without server paths unless ``show_paths``."""
    shown = ApiError(error.status, error.type, exposed_message(error.message, show_paths))
    return JSONResponse(error_body(path, shown), status_code=error.status, headers=headers)


def _validation_message(error: RequestValidationError) -> str:
    """Pydantic's complaints as one line naming each field: ``top_k (in body): Input should be ...``."""
    parts = []
    for item in error.errors()[:3]:
        where = [str(x) for x in item.get("loc", ())]
        place = f" (in {where[0]})" if where and where[0] in ("body", "query", "path") else ""
        field = ".".join(where[1:] if place else where) or "the request"
        parts.append(f"{field}{place}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) + ": fix the request as /docs describes it"


def install_error_handlers(app: FastAPI, show_paths: bool) -> None:
    """Make every error of ``app``'s routes one JSON object (see the module docstring)."""

    async def rag_error(request: Request, error: Exception) -> JSONResponse:
        found = classify(error)
        if found.status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, error, exc_info=error)
        return error_response(request.url.path, found, show_paths)

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        message = _validation_message(error) if isinstance(error, RequestValidationError) else str(error)
        return error_response(request.url.path, ApiError(422, "invalid_request", message), show_paths)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        status = error.status_code if isinstance(error, HTTPException) else 500
        if status == 404:
            found = ApiError(404, "not_found", f"no route {request.method} {request.url.path}: see /docs for the routes")
        elif status == 405:
            found = ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}: see /docs")
        else:
            found = ApiError(status, "http_error", str(getattr(error, "detail", "")) or "the request failed")
        return error_response(request.url.path, found, show_paths, getattr(error, "headers", None))

    app.add_exception_handler(RagError, rag_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, rag_error)  # anything else: 500, logged with its traceback, none in the body
