"""The MCP server over an assistant, for people who serve it themselves (``rag serve`` mounts it at ``/mcp``).

:func:`mcp_server` is the SDK's server with the assistant's ``ask``,
``search``, ``timeline`` and ``get_document`` tools (stdio: ``rag mcp``);
:func:`mcp_http_app` the same over streamable HTTP as an ASGI app
(docs/mcp.md). The list is pinned by ``tests/test_api.py``.

Example:
    >>> import uvicorn  # doctest: +SKIP
    >>> from rag import Assistant
    >>> from rag.mcp import mcp_http_app
    >>> uvicorn.run(mcp_http_app(Assistant.load("index/default")), port=8000)  # doctest: +SKIP
"""

from ._mcp import MAX_TOP_K, AskResult, DocumentResult, SearchResult, TimelineResult, mcp_http_app, mcp_server

__all__ = ["MAX_TOP_K", "AskResult", "DocumentResult", "SearchResult", "TimelineResult", "mcp_http_app", "mcp_server"]
