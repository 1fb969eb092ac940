"""The MCP server through the real ``mcp`` SDK client: over stdio (``rag mcp``) and streamable HTTP (uvicorn on loopback).

Each transport runs one client session per module that lists the tools and
calls each of them (good and bad arguments); the tests read its results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

from rag import Assistant
from rag._mcp import MAX_TOP_K, mcp_http_app, mcp_server
from tests.conftest import ROOT, free_port

QUESTION = "How many people were killed in the earthquake?"
QUAKE = "magnitude 7.4 earthquake in the port city"
TOOLS = {
    "ask": {"question", "history", "since", "until", "as_of", "reader", "top_k", "include_undated"},
    "search": {"query", "top_k", "since", "until", "as_of", "include_undated"},
    "timeline": {"query", "since", "until", "as_of", "top_k", "include_undated"},
    "get_document": {"doc_id"},
}


async def exchange(session: ClientSession) -> dict[str, Any]:
    """What one client sees: the tool list and a call of each tool, with good and bad arguments."""
    await session.initialize()
    results: dict[str, Any] = {"tools": (await session.list_tools()).tools}
    calls = {
        "ask": ("ask", {"question": QUESTION}),
        "recent": ("ask", {"question": "How many vehicles were recalled this week?", "as_of": "2026-11-28"}),
        "refused": ("ask", {"question": "How many ships took part in the naval parade?"}),
        "follow_up": ("ask", {"question": "and how many buildings were damaged?", "history": [QUESTION],
                              "reader": "fast"}),
        "empty": ("ask", {"question": "   "}),
        "bad_date": ("ask", {"question": QUESTION, "since": "August 2021"}),
        "bad_reader": ("ask", {"question": QUESTION, "reader": "slow"}),
        "search": ("search", {"query": QUAKE, "top_k": 3}),
        "too_many": ("search", {"query": QUESTION, "top_k": MAX_TOP_K + 1}),
        "timeline": ("timeline", {"query": QUAKE}),
        "unknown": ("get_document", {"doc_id": "no-such-article"}),
    }
    for key, (tool, arguments) in calls.items():
        results[key] = await session.call_tool(tool, arguments)
    cited = {c["doc_id"] for c in results["ask"].structured_content["citations"]}
    cited |= {e["citation"]["doc_id"] for e in results["timeline"].structured_content["events"]}
    results["documents"] = {
        doc_id: (await session.call_tool("get_document", {"doc_id": doc_id})).structured_content for doc_id in cited
    }
    return results


def over_stdio(index_dir: Path) -> dict[str, Any]:
    """:func:`exchange` with ``rag mcp --index INDEX`` started as a subprocess, as a desktop assistant starts it."""
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "rag.cli", "mcp", "--index", str(index_dir)], cwd=ROOT,
        # The client passes on only a safe few variables: this checkout's rag, and the session's model cache.
        env={"PYTHONPATH": str(ROOT), "RAG_CACHE_DIR": os.environ["RAG_CACHE_DIR"]},
    )

    async def run() -> dict[str, Any]:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            return await exchange(session)

    return anyio.run(run)


@asynccontextmanager
async def _http_session(url: str) -> Any:
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
        yield session


def over_http(url: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with _http_session(url) as session:
            return await exchange(session)

    return anyio.run(run)


@contextmanager
def serving(app: ASGIApp) -> Iterator[int]:
    """``app`` served by uvicorn on a free loopback port in a thread (lifespan included); yields the port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module", params=["stdio", "http"])
def seen(request: pytest.FixtureRequest, news: Assistant) -> Iterator[dict[str, Any]]:
    """What a client sees over each transport, asking about the dated articles (rag/data/sample-news)."""
    if request.param == "stdio":
        yield over_stdio(news.index_dir)
        return
    with serving(mcp_http_app(news)) as port:
        yield over_http(f"http://127.0.0.1:{port}/mcp")


def test_lists_the_four_tools_with_described_inputs_and_output_schemas(seen: dict[str, Any]) -> None:
    tools = {tool.name: tool for tool in seen["tools"]}
    assert set(tools) == set(TOOLS)
    for name, fields in TOOLS.items():
        schema = tools[name].input_schema
        assert set(schema["properties"]) == fields, name
        assert all(schema["properties"][f].get("description") for f in fields), name
        assert tools[name].output_schema and tools[name].output_schema["type"] == "object"
        assert tools[name].description and tools[name].annotations.read_only_hint
    assert tools["ask"].input_schema["required"] == ["question"]
    assert tools["get_document"].input_schema["required"] == ["doc_id"]


def test_ask_answers_with_citations_whose_offsets_quote_the_document(seen: dict[str, Any]) -> None:
    result = seen["ask"]
    assert not result.is_error
    answer = result.structured_content
    assert answer["refused"] is False and answer["question"] == QUESTION and answer["short_answer"] == "31"
    # The text content is the [n] answer, then the quotes the markers point at.
    text = result.content[0].text
    assert text.startswith(answer["answer"]) and "\nSources:\n[1] " in text
    cited = {c["doc_id"]: c for c in answer["citations"]}
    assert set(cited) == {"quake-update", "quake-wire"}
    for c in answer["citations"]:
        assert f"[{c['n']}]" in answer["answer"] and f"“{c['quote']}”" in text
        document = seen["documents"][c["doc_id"]]
        assert document["text"][c["start"]:c["end"]] == c["quote"]
        assert (c["title"], c["outlet"], c["published"], c["url"]) == (
            document["title"], document["outlet"], document["published"], document["url"])
    wire = cited["quake-wire"]
    assert (wire["outlet"], wire["published"], wire["source"]) == ("Wire Service", "2026-06-02", "quake-wire.json")
    assert wire["url"] == "https://wire.example.com/world/2026/06/02/quake-coast"
    assert wire["also_published"] == ["Regional Times, 2026-06-03"]
    assert answer["disagreements"] == [{"kind": "number", "values": ["31", "At least 12"], "citations": [1, 2]}]
    assert answer["time_scope"] is None


def test_ask_reports_its_time_scope(seen: dict[str, Any]) -> None:
    recent = seen["recent"].structured_content
    assert recent["short_answer"] == "300,000" and recent["citations"][0]["doc_id"] == "recall-2026"
    scope = recent["time_scope"]
    assert (scope["since"], scope["until"], scope["prefer"], scope["widened"]) == ("2026-11-22", "2026-11-28", "newest", False)
    assert scope["summary"].startswith("“this week, as of 2026-11-28”")


def test_ask_refuses_and_follows_up(seen: dict[str, Any]) -> None:
    refused = seen["refused"].structured_content
    assert refused["refused"] is True and refused["citations"] == []
    assert seen["refused"].content[0].text == refused["answer"]
    follow = seen["follow_up"].structured_content
    assert not seen["follow_up"].is_error and follow["standalone_question"] != follow["question"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("empty", "the question is empty"),
        ("bad_date", "since 'August 2021' is not a date: use YYYY-MM-DD"),
        ("bad_reader", "reader 'slow' is unknown: use model or large or fast"),
        ("too_many", f"top_k must be at most {MAX_TOP_K}"),
        ("unknown", "no document with id 'no-such-article': pass a doc_id from the results of ask, search or timeline"),
    ],
)
def test_bad_input_is_a_one_line_tool_error(seen: dict[str, Any], call: str, message: str) -> None:
    result = seen[call]
    assert result.is_error
    text = result.content[0].text
    assert message in text and "\n" not in text and "Traceback" not in text


def test_search_returns_passages_without_an_answer(seen: dict[str, Any]) -> None:
    found = seen["search"].structured_content
    assert found["query"] == QUAKE and "answer" not in found and found["time_scope"] is None
    passages = found["passages"]
    assert 1 <= len(passages) <= 3 and [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    assert {p["doc_id"] for p in passages} & {"quake-update", "quake-wire"}
    for p in passages:
        assert p["end"] > p["start"] and p["text"] and p["chunk_ids"] and p["published"] and "/" not in p["source"]
        assert p["score"] > 0
    # The unstructured text is the same result as JSON, for clients that read only text.
    assert json.loads(seen["search"].content[0].text) == found


def test_timeline_lists_dated_cited_events_in_order(seen: dict[str, Any]) -> None:
    events = seen["timeline"].structured_content["events"]
    assert events and [e["date"] for e in events] == sorted(e["date"] for e in events)
    assert "relative" in {e["how"] for e in events}
    for event in events:
        c = event["citation"]
        assert seen["documents"][c["doc_id"]]["text"][c["start"]:c["end"]] == c["quote"]
    monday = [e for e in events if e["phrase"] == "Monday"]
    assert monday and {e["date"] for e in monday} == {"2026-06-01"}


def test_get_document_returns_the_article_without_server_paths(seen: dict[str, Any], news_dir: Path) -> None:
    document = seen["documents"]["quake-wire"]
    assert (document["doc_id"], document["outlet"], document["published"]) == ("quake-wire", "Wire Service", "2026-06-02")
    assert document["author"] == "Lee Park" and document["source"] == "quake-wire.json" and document["text"]
    # No path of this machine in anything the client saw.
    everything = json.dumps([r.structured_content for k, r in seen.items() if k not in {"tools", "documents"}]
                            + list(seen["documents"].values()))
    assert str(news_dir) not in everything and str(ROOT) not in everything and "pytest-" not in everything


def test_show_paths_shows_the_full_source_path(news: Assistant, news_dir: Path) -> None:
    async def run() -> Any:
        return await mcp_server(news, show_paths=True).call_tool("get_document", {"doc_id": "quake-wire"})

    assert anyio.run(run).structured_content["source"] == str(news_dir / "quake-wire.json")


def test_a_fastapi_app_mounts_it_at_mcp_as_the_module_docstring_says(news: Assistant) -> None:
    from fastapi import FastAPI

    mcp_app = mcp_http_app(news)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> Any:
        async with mcp_app.router.lifespan_context(mcp_app):
            yield

    api = FastAPI(lifespan=lifespan)

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    api.add_route("/mcp", mcp_app)

    async def run(url: str) -> Any:
        async with _http_session(url) as session:
            await session.initialize()
            return await session.call_tool("ask", {"question": QUESTION, "reader": "fast"})

    with serving(api) as port:
        result = anyio.run(run, f"http://127.0.0.1:{port}/mcp")
    assert not result.is_error and {c["doc_id"] for c in result.structured_content["citations"]} == {"quake-update", "quake-wire"}


def rag_mcp(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    """``rag mcp ARGS`` as a subprocess, fed ``stdin`` (then closed, which ends the session)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "rag.cli", "mcp", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_stdout_carries_only_the_protocol(news: Assistant) -> None:
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}}
    result = rag_mcp(["--index", str(news.index_dir)], json.dumps(hello) + "\n")
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]  # every line is a JSON-RPC message
    assert [r["id"] for r in replies] == [1] and replies[0]["result"]["serverInfo"]["name"] == "rag-news"
    assert "Traceback" not in result.stderr


def test_a_missing_index_is_one_line_on_stderr(tmp_path: Path) -> None:
    result = rag_mcp(["--index", str(tmp_path / "none")], "")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: no index at ") and result.stderr.count("\n") == 1
