"""The server's front door: a bearer key on every route (the chat UI included) and a cap on request bodies.

Both are plain ASGI middleware, so they cover every route, mounted apps
(the Gradio UI at ``/``, anything mounted later such as ``/mcp``) and
streamed responses alike. The key is compared with
:func:`hmac.compare_digest`, so the time a wrong key takes tells nothing
about the right one.

Example:
    >>> app.add_middleware(BearerKey, key="s3cret", show_paths=False)  # doctest: +SKIP
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import ApiError, error_response

__all__ = ["BearerKey", "BodyLimit"]


class BearerKey:
    """Refuse (401, one JSON error) every HTTP request without ``Authorization: Bearer KEY``; close such websockets.

    Args:
        app: The application behind it.
        key: The key clients must send.
        show_paths: Passed on to the error's message (it names no path).
    """

    def __init__(self, app: ASGIApp, key: str, show_paths: bool = False):
        self.app = app
        self._key = key.encode("utf-8")
        self._show_paths = show_paths

    def _allowed(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self._key)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # policy violation
            return
        message = "missing or wrong API key: send the header `Authorization: Bearer KEY` with the key the server was started with"
        response = error_response(scope.get("path", "/"), ApiError(401, "unauthorized", message), self._show_paths,
                                  headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


class BodyLimit:
    """Refuse (413) a request whose declared ``Content-Length`` is over ``max_bytes``, before its body is read."""

    def __init__(self, app: ASGIApp, max_bytes: int, show_paths: bool = False):
        self.app = app
        self.max_bytes = max_bytes
        self._show_paths = show_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers", ())).get(b"content-length", b"0")
            if length.isdigit() and int(length) > self.max_bytes:
                mb = self.max_bytes / (1024 * 1024)
                error = ApiError(413, "too_large", f"the request is {int(length) / (1024 * 1024):.1f} MB: send at most "
                                                   f"{mb:g} MB at a time (fewer files per upload)")
                await error_response(scope.get("path", "/"), error, self._show_paths)(scope, receive, send)
                return
        await self.app(scope, receive, send)
