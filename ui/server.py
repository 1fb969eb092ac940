"""``rag serve``: the chat UI, the REST API and the OpenAI-compatible API in one ASGI process (FastAPI on uvicorn).

Routes: the Gradio chat at ``/``; REST under ``/api/v1`` (:mod:`ui.rest`),
documented at ``/docs`` and ``/openapi.json``; OpenAI-compatible chat under
``/v1`` (:mod:`ui.openai_api`); MCP over streamable HTTP at ``/mcp``
(:mod:`rag._mcp`: the tools ``ask``, ``search``, ``timeline`` and
``get_document``). Safe by default: it binds 127.0.0.1, CORS is off until
origins are named, server file paths are shown by name only, and with an
API key every route (the UI and MCP included) needs ``Authorization:
Bearer KEY``; read-only, nothing can upload or remove articles. ``rag ui``
with a key runs the chat UI alone through the same front door
(``ServeConfig(ui_only=True)``).

Example:
    >>> config = ServeConfig(port=8000, api_key="s3cret")
    >>> config.host
    '127.0.0.1'
    >>> app = create_app(Assistant.load(), config)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import importlib.resources
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match

from rag import Assistant, FetchLimits, Settings, __version__
from rag.mcp import mcp_http_app

from .app import CONCURRENCY, app_options, build_app, own_temp_dir
from .errors import install_error_handlers
from .guard import BearerKey, BodyLimit
from .openai_api import openai_router
from .rest import rest_router
from .uploads import MAX_FILES

__all__ = ["API_KEY_ENV", "ServeConfig", "create_app", "serve"]

API_KEY_ENV = "RAG_API_KEY"  # the key, when not given as --api-key (which shows in the process list)


@dataclass(frozen=True)
class ServeConfig:
    """How ``rag serve`` runs; built once, at the edge (the command line).

    Attributes:
        host: The address to bind; loopback unless told otherwise.
        port: The TCP port.
        api_key: When set, every request needs ``Authorization: Bearer <api_key>``.
        cors_origins: Browser origins allowed to call the API from their pages (none: CORS off).
        show_paths: Show server file paths (articles' ``source``, the index folder) in responses.
        uploads: Where uploaded articles are kept (default ``<index>/uploads``, as for the chat UI).
        read_only: No upload box in the UI; the REST API's uploads and removals answer 403.
        ui_only: Serve the chat UI alone, without the REST, OpenAI and MCP routes (``rag ui --api-key``).
        fetch_limits: How the UI's "Add feed URL" fetches (``--allow-host``, ``--timeout``; default: the
            fetcher's defaults, which refuse loopback and private addresses).

    Example:
        >>> ServeConfig(cors_origins=("http://localhost:3000",)).show_paths
        False
    """

    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    show_paths: bool = False
    uploads: Path | None = None
    read_only: bool = False
    ui_only: bool = False
    fetch_limits: FetchLimits | None = None


def create_app(assistant: Assistant, config: ServeConfig | None = None) -> FastAPI:
    """The ASGI app of ``rag serve`` (or, with ``config.ui_only``, of ``rag ui --api-key``) over a loaded assistant.

    Args:
        assistant: The loaded assistant every route calls.
        config: How to serve (defaults: :class:`ServeConfig`'s).
    """
    config = config or ServeConfig()
    uploads = config.uploads or assistant.index_dir / "uploads"
    app = _ui_only_app() if config.ui_only else _api_app(assistant, config, uploads)
    install_error_handlers(app, config.show_paths)
    blocks = build_app(assistant, upload_dir=uploads, show_paths=config.show_paths, read_only=config.read_only,
                       fetch_limits=config.fetch_limits)
    blocks.queue(default_concurrency_limit=CONCURRENCY)
    app = gr.mount_gradio_app(app, blocks, path="/", **app_options(assistant.settings.max_file_mb))
    # Middleware added last runs first: CORS answers a browser's preflight (which carries no key), then the
    # key is checked, then the size of the body.
    app.add_middleware(BodyLimit, max_bytes=int((MAX_FILES * assistant.settings.max_file_mb + 1) * 1024 * 1024),
                       show_paths=config.show_paths)
    if config.api_key:
        app.add_middleware(BearerKey, key=config.api_key, show_paths=config.show_paths)
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])
    return app


def _ui_only_app() -> FastAPI:
    """The app ``rag ui --api-key`` mounts the chat UI on: no API routes, no API docs."""
    return FastAPI(title="rag-news", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)


def _api_app(assistant: Assistant, config: ServeConfig, uploads: Path) -> FastAPI:
    """The app of ``rag serve``: REST under /api/v1, OpenAI-compatible chat under /v1, MCP at /mcp."""
    mcp = mcp_http_app(assistant, show_paths=config.show_paths, host=config.host)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with mcp.router.lifespan_context(mcp):  # MCP's session manager runs while the server does
            yield

    app = FastAPI(
        title="rag-news", version=__version__, docs_url=None, redoc_url=None, openapi_url="/openapi.json",
        description="Cited answers from a folder of news articles. REST under /api/v1, OpenAI-compatible chat under "
                    "/v1, MCP at /mcp, the chat UI at /. Errors are one JSON object whose message names the fix.",
        lifespan=lifespan,
    )
    _offline_docs(app)
    app.include_router(rest_router(assistant, uploads=uploads, show_paths=config.show_paths, read_only=config.read_only),
                       prefix="/api/v1", tags=["rest"])
    app.include_router(openai_router(assistant, show_paths=config.show_paths), prefix="/v1", tags=["openai"])
    for prefix in ("/api/v1", "/v1"):
        # Unknown API paths get the API's error, not the UI's page: the UI at "/" would take them otherwise.
        app.add_api_route(prefix + "/{rest:path}", _no_route, methods=_METHODS, include_in_schema=False)
    # Before the UI, which answers every path not taken before it; a route, not a mount, so /mcp is not redirected.
    app.add_route("/mcp", mcp, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    return app


DOCS_ASSETS = "/docs-assets"


def _offline_docs(app: FastAPI) -> None:
    """The OpenAPI page at ``/docs``, its script and styles served from here, not from a CDN.

    FastAPI's own page loads Swagger UI from jsDelivr, which leaves it blank on
    a machine that reaches no CDN; the same Swagger UI 5 files ship in the
    ``fastapi-offline`` package.
    """
    assets = Path(str(importlib.resources.files("fastapi_offline") / "static"))
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    def docs_page() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="rag-news API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")

    app.add_api_route("/docs", docs_page, methods=["GET"], include_in_schema=False)


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _no_route(request: Request) -> None:
    """404 for a path no API route has; 405 for one that has it with other methods."""
    other_method = any(route.matches(request.scope)[0] == Match.PARTIAL for route in request.app.router.routes)
    raise HTTPException(405 if other_method else 404)


def serve(config: ServeConfig, *, index_dir: str | Path | None = None, settings: Settings | None = None) -> None:
    """Load the assistant and serve until interrupted (``rag serve``)."""
    import uvicorn

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    own_temp_dir()
    assistant = Assistant.load(index_dir, settings=settings, progress=True)
    app = create_app(assistant, config)
    base = f"http://{config.host}:{config.port}"
    routes = "" if config.ui_only else (f", {base}/api/v1 (REST, docs at {base}/docs), {base}/v1 (OpenAI-compatible), "
                                        f"{base}/mcp (MCP)")
    print(f"serving on {base}/ (chat UI){routes}"
          + ("; every request needs Authorization: Bearer KEY" if config.api_key else "")
          + ("; read-only" if config.read_only else ""), flush=True)
    logging.getLogger("rag.serve").setLevel(logging.INFO)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", access_log=False)
