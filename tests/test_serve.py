"""`rag serve` for real: a subprocess on a free loopback port, driven by the `openai` client and httpx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from rag import Assistant, MiniLMEmbeddings, bundled_articles_dir
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port

DATED = ROOT / "rag" / "data" / "sample-news"
KEY = "test-key-8f2c"
HARBOUR = b"""Harbour reopens after storm
published: 2026-05-05

The city harbour of Port Elsmere reopened on Tuesday after a three-day closure caused by the storm.
Port officials said that forty-two cargo ships had waited offshore during the closure.
"""


@dataclass(frozen=True)
class Server:
    url: str
    index_dir: Path
    process: subprocess.Popen[str]


def _start(root: Path, embedder: MiniLMEmbeddings, *extra: str, env: dict[str, str] | None = None) -> Server:
    """Index the demo and dated articles into ``root/index`` and serve it with `rag serve` until /api/v1/health answers."""
    index_dir = root / "index"
    Assistant(index_dir, embeddings=embedder).index([bundled_articles_dir(), DATED])
    # A small upload limit, so the oversize test sends 60 KB, not 20 MB.
    config = root / "rag.toml"
    config.write_text("max_file_mb = 0.05\n", encoding="utf-8")
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--index", str(index_dir), "--port", str(port), "--config", str(config),
         *extra],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    key = environment.get("RAG_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rag serve exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{url}/api/v1/health", headers=headers, timeout=2).status_code == 200:
                return Server(url, index_dir, process)
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    pytest.fail("rag serve did not answer /api/v1/health within 180 s")


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Iterator[Server]:
    started = _start(tmp_path_factory.mktemp("serve"), embedder)
    try:
        yield started
    finally:
        _stop(started)


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Iterator[Server]:
    # The exposed setup docs/deploy.md recommends: a key, and read-only.
    started = _start(tmp_path_factory.mktemp("serve-key"), embedder, "--cors-origin", "http://allowed.example",
                     "--read-only", env={"RAG_API_KEY": KEY})
    try:
        yield started
    finally:
        _stop(started)


def _events(body: str) -> list[tuple[str, dict]]:
    """Server-sent events as (name, data) pairs."""
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_openai_client_gets_cited_answers_whole_and_streamed(server: Server) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{server.url}/v1", api_key="unused")
    assert [m.id for m in client.models.list()] == ["rag-news"]
    reply = client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": "How many troops?"}])
    text = reply.choices[0].message.content or ""
    assert "troops" in text and "[1]" in text and "\n\nSources:\n[1] " in text
    citations = reply.model_extra["citations"]
    assert citations and {"quote", "start", "end", "title", "outlet", "published", "doc_id"} <= set(citations[0])
    assert f"“{citations[0]['quote']}”" in text  # the Sources block quotes it
    document = httpx.get(f"{server.url}/api/v1/documents/{citations[0]['doc_id']}").json()
    assert document["text"][citations[0]["start"]:citations[0]["end"]] == citations[0]["quote"]

    chunks = list(client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": "How many troops?"}],
                                                 stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"] == citations

    # Earlier user turns are the history: the follow-up is answered as ask() answers it with that history.
    follow = client.chat.completions.create(model="rag-news", messages=[
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "How many troops took part?"},
        {"role": "assistant", "content": text}, {"role": "user", "content": [{"type": "text", "text": "and how many aircraft?"}]},
    ])
    asked = httpx.post(f"{server.url}/api/v1/ask", json={"question": "and how many aircraft?",
                                                         "history": ["How many troops took part?"]}).json()
    assert asked["standalone_question"] != asked["question"]  # it was a follow-up
    assert asked["answer"] in (follow.choices[0].message.content or "")
    refusal = client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": "How many ships took part?"}])
    assert "don't contain the answer" in (refusal.choices[0].message.content or "")
    assert refusal.choices[0].message.role == "assistant" and refusal.model_extra["citations"] == []


def test_openai_errors_have_openais_shape(server: Server) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused")
    with pytest.raises(openai.BadRequestError, match="the question is empty"):
        client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": "  "}])
    with pytest.raises(openai.BadRequestError, match="the question is empty"):
        client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": ""}], stream=True)
    with pytest.raises(openai.NotFoundError, match="start the server with --llm"):
        client.chat.completions.create(model="rag-news-llm", messages=[{"role": "user", "content": "How many troops?"}])
    response = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "rag-news", "messages": []})
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    assert "messages" in response.json()["error"]["message"]


def test_rest_ask_stream_search_and_timeline(server: Server) -> None:
    api = f"{server.url}/api/v1"
    answer = httpx.post(f"{api}/ask", json={"question": "How many troops?"}, timeout=30).json()
    assert answer["short_answer"] and not answer["refused"] and answer["citations"][0]["quote"] in answer["passages"][0]["text"] + answer["passages"][1]["text"]
    with httpx.stream("POST", f"{api}/ask/stream", json={"question": "How many troops?"}, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.read().decode())
    assert [name for name, _ in events] == ["sources", "final"]
    assert events[0][1]["passages"] and events[-1][1]["answer"] == answer["answer"]

    dated = httpx.post(f"{api}/ask", json={"question": "How many vehicles were recalled?", "as_of": "2023-12-31"}).json()
    assert dated["citations"] and all(c["published"] <= "2023-12-31" for c in dated["citations"])

    found = httpx.post(f"{api}/search", json={"question": "earthquake death toll", "top_k": 3}).json()
    assert len(found["passages"]) == 3 and "answer" not in found
    first = found["passages"][0]
    assert first["score"] > 0 and first["doc_id"].startswith("quake") and first["published"].startswith("2026-06")
    assert [p["rank"] for p in found["passages"]] == [1, 2, 3]
    ranged = httpx.post(f"{api}/search", json={"question": "earthquake", "until": "2026-06-02"}).json()
    assert ranged["time_scope"]["until"] == "2026-06-02" and all(p["published"] <= "2026-06-02" for p in ranged["passages"])

    timeline = httpx.post(f"{api}/timeline", json={"query": "earthquake in the port city"}).json()
    dates = [e["date"] for e in timeline["events"]]
    assert dates and dates == sorted(dates) and timeline["events"][0]["citation"]["quote"]


def test_rest_documents_info_and_health(server: Server) -> None:
    api = f"{server.url}/api/v1"
    assert httpx.get(f"{api}/health").json() == {"status": "ok", "documents": 9}
    info = httpx.get(f"{api}/info").json()
    assert info["documents"] == 9 and info["models"] == ["rag-news"] and info["index_dir"] == "index"
    listing = httpx.get(f"{api}/documents").json()
    assert listing["total"] == 9 and {d["id"] for d in listing["documents"]} >= {"quake-wire", "zapad-interaction-2021-begins"}
    auto = httpx.get(f"{api}/documents", params={"outlet": "auto daily"}).json()
    assert [d["id"] for d in auto["documents"]] == ["recall-2023"]
    june = httpx.get(f"{api}/documents", params={"since": "2026-06-01", "until": "2026-06-30"}).json()
    assert {d["id"] for d in june["documents"]} == {"quake-wire", "quake-update", "quake-reprint"}
    assert all("2026-06" <= d["published"] < "2026-07" for d in june["documents"])
    page = httpx.get(f"{api}/documents", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 9 and len(page["documents"]) == 2
    doc = httpx.get(f"{api}/documents/quake-wire").json()
    assert doc["outlet"] == "Wire Service" and "A magnitude 7.4 earthquake struck" in doc["text"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind", "words"),
    [
        ("POST", "/api/v1/ask", {"question": "   "}, 400, "empty_question", "the question is empty"),
        ("POST", "/api/v1/ask", {"question": "troops?", "since": "last week"}, 400, "invalid_input", "use YYYY-MM-DD"),
        ("POST", "/api/v1/ask", {"question": "troops?", "since": "2021-09-01", "until": "2021-08-01"}, 400, "invalid_input",
         "start is not after its end"),
        ("POST", "/api/v1/ask", {"question": "troops?", "top_k": "many"}, 422, "invalid_request", "top_k"),
        ("POST", "/api/v1/ask", {"question": "troops?", "topk": 3}, 422, "invalid_request", "topk"),
        ("POST", "/api/v1/ask", {"question": "troops?", "reader": "slow"}, 400, "invalid_input", "use model or large or fast"),
        ("POST", "/api/v1/ask/stream", {"question": ""}, 400, "empty_question", "type a question"),
        ("POST", "/api/v1/search", {"question": "x", "as_of": "2021-13-01"}, 400, "invalid_input", "YYYY-MM-DD"),
        ("POST", "/api/v1/timeline", {"query": ""}, 400, "empty_question", "the question is empty"),
        ("GET", "/api/v1/documents?since=soon", None, 400, "invalid_input", "YYYY-MM-DD"),
        ("GET", "/api/v1/documents/no-such-doc", None, 404, "document_not_found", "no document with id 'no-such-doc'"),
        ("DELETE", "/api/v1/documents/no-such-doc", None, 404, "document_not_found", "rag info"),
        ("GET", "/api/v1/nothing-here", None, 404, "not_found", "see /docs"),
        ("GET", "/api/v1/ask", None, 405, "method_not_allowed", "GET is not allowed"),
    ],
)
def test_bad_requests_get_one_json_error_naming_the_fix(
    server: Server, method: str, path: str, body: dict | None, status: int, kind: str, words: str,
) -> None:
    response = httpx.request(method, server.url + path, json=body, timeout=30)
    assert response.status_code == status, response.text
    assert response.json() == {"error": {"type": kind, "message": response.json()["error"]["message"]}}
    assert words in response.json()["error"]["message"]
    assert "Traceback" not in response.text


def test_upload_then_delete_keeps_everything_else(server: Server, tmp_path: Path) -> None:
    api = f"{server.url}/api/v1"
    before = httpx.get(f"{api}/documents").json()["total"]
    added = httpx.post(f"{api}/documents", files=[("files", ("harbour.txt", HARBOUR, "text/plain"))], timeout=120)
    assert added.status_code == 200, added.text
    assert added.json()["added"] == ["harbour"] and added.json()["documents"] == before + 1
    answer = httpx.post(f"{api}/ask", json={"question": "How many cargo ships waited offshore?"}, timeout=30).json()
    assert "forty-two" in answer["answer"] and answer["citations"][0]["doc_id"] == "harbour"
    assert (server.index_dir / "uploads" / "harbour.txt").exists()

    again = httpx.post(f"{api}/documents", files=[("files", ("harbour.txt", HARBOUR, "text/plain"))], timeout=120).json()
    assert again["added"] == [] and "already indexed" in again["notes"][0]

    bad = httpx.post(f"{api}/documents", files=[("files", ("photo.png", b"\x89PNG\r\n", "image/png"))], timeout=60)
    assert bad.status_code == 400 and "photo.png: unsupported type .png" in bad.json()["error"]["message"]
    big = httpx.post(f"{api}/documents", files=[("files", ("big.txt", b"word " * 12_000, "text/plain"))], timeout=60)
    assert big.status_code == 413 and big.json()["error"]["type"] == "too_large"
    assert "over the 0.05 MB limit" in big.json()["error"]["message"]
    assert httpx.get(f"{api}/documents").json()["total"] == before + 1  # the bad uploads lost nothing

    removed = httpx.delete(f"{api}/documents/harbour", timeout=120)
    assert removed.json() == {"removed": ["harbour"], "documents": before}
    assert httpx.get(f"{api}/documents/harbour").status_code == 404
    assert not (server.index_dir / "uploads" / "harbour.txt").exists()
    gone = httpx.post(f"{api}/ask", json={"question": "How many cargo ships waited offshore?"}, timeout=30).json()
    assert all(c["doc_id"] != "harbour" for c in gone["citations"])
    assert httpx.post(f"{api}/ask", json={"question": "How many troops?"}).json()["short_answer"]


def test_concurrent_requests_get_their_own_answers(server: Server) -> None:
    questions = ["How many troops?", "Why Tajikistan?", "Who is Wei Fenghe?", "What is the SCO?",
                 "How many people were killed in the earthquake?", "How many ships took part?"] * 2

    def ask(question: str) -> str:
        return httpx.post(f"{server.url}/api/v1/ask", json={"question": question}, timeout=60).json()["answer"]

    alone = {q: ask(q) for q in set(questions)}
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        together = list(pool.map(ask, questions))
    assert together == [alone[q] for q in questions]


def test_no_response_shows_a_server_path(server: Server) -> None:
    api = f"{server.url}/api/v1"
    bodies = [
        httpx.post(f"{api}/ask", json={"question": "How many people were killed in the earthquake?"}).text,
        httpx.post(f"{api}/ask/stream", json={"question": "How many troops?"}).text,
        httpx.post(f"{api}/search", json={"question": "troops"}).text,
        httpx.post(f"{api}/timeline", json={"query": "earthquake"}).text,
        httpx.get(f"{api}/documents").text,
        httpx.get(f"{api}/documents/quake-wire").text,
        httpx.get(f"{api}/info").text,
        httpx.post(f"{server.url}/v1/chat/completions",
                   json={"model": "rag-news", "messages": [{"role": "user", "content": "How many troops?"}]}).text,
        httpx.get(f"{server.url}/").text,
        httpx.get(f"{server.url}/config").text,  # the UI's initial state: its index panel
    ]
    assert "zapad-interaction-2021-begins.txt" in bodies[2] and "quake-wire.json" in bodies[5]  # by name
    for body in bodies:
        for path in (server.index_dir.parent, bundled_articles_dir(), DATED, ROOT):
            assert str(path) not in body


def test_every_route_needs_the_key(keyed: Server) -> None:
    routes = [("GET", "/"), ("GET", "/config"), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/api/v1/health"),
              ("GET", "/api/v1/info"), ("GET", "/api/v1/documents"), ("GET", "/api/v1/documents/quake-wire"),
              ("DELETE", "/api/v1/documents/quake-wire"), ("POST", "/api/v1/ask"), ("POST", "/api/v1/ask/stream"),
              ("POST", "/api/v1/search"), ("POST", "/api/v1/timeline"), ("POST", "/api/v1/documents"),
              ("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("POST", "/mcp"), ("GET", "/mcp")]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"Authorization": f"Basic {KEY}"}):
        for method, path in routes:
            response = httpx.request(method, keyed.url + path, headers=headers, json={"question": "How many troops?"})
            assert response.status_code == 401, (method, path, headers)
            error = response.json()["error"]
            assert "Authorization: Bearer KEY" in error["message"]
            assert (error["code"] if path.startswith("/v1/") else error["type"]) == "unauthorized"
    assert httpx.get(f"{keyed.url}/api/v1/documents/quake-wire").status_code == 401  # the delete above never ran
    good = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{keyed.url}/", headers=good).status_code == 200
    assert httpx.get(f"{keyed.url}/api/v1/documents/quake-wire", headers=good).json()["id"] == "quake-wire"

    import openai

    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="wrong").models.list()
    client = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key=KEY)
    reply = client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": "Why Tajikistan?"}])
    assert "Tajikistan" in (reply.choices[0].message.content or "")
    assert _mcp_ask(f"{keyed.url}/mcp", good)["citations"], "the MCP tools answer behind the key too"


def test_read_only_refuses_uploads_and_removals_naming_the_flag(keyed: Server) -> None:
    good = {"Authorization": f"Bearer {KEY}"}
    api = f"{keyed.url}/api/v1"
    for response in (
        httpx.post(f"{api}/documents", headers=good, files=[("files", ("harbour.txt", HARBOUR, "text/plain"))], timeout=60),
        httpx.delete(f"{api}/documents/quake-wire", headers=good, timeout=60),
    ):
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["type"] == "read_only" and "--read-only" in error["message"]
    assert httpx.get(f"{api}/documents/quake-wire", headers=good).status_code == 200
    assert httpx.get(f"{api}/documents/harbour", headers=good).status_code == 404
    endpoints = httpx.get(f"{keyed.url}/gradio_api/info", headers=good, timeout=10).json()["named_endpoints"]
    assert "/chat" in endpoints and "/upload" not in endpoints  # no upload box, no upload API


def _mcp_ask(url: str, headers: dict[str, str] | None = None) -> dict:
    """The MCP SDK's client over streamable HTTP: list the tools, then call ``ask``; its structured content."""
    import anyio
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def run() -> dict:
        async with httpx2.AsyncClient(headers=headers or {}, timeout=60) as http, \
                streamable_http_client(url, http_client=http) as (read, write, *_), ClientSession(read, write) as session:
            await session.initialize()
            tools = {tool.name for tool in (await session.list_tools()).tools}
            assert tools == {"ask", "search", "timeline", "get_document"}
            result = await session.call_tool("ask", {"question": "Why Tajikistan?"})
            assert not result.is_error
            return result.structured_content

    return anyio.run(run)


def test_mcp_is_served_at_mcp(server: Server) -> None:
    answer = _mcp_ask(f"{server.url}/mcp")
    assert "Tajikistan" in answer["answer"] and answer["citations"]
    quote = answer["citations"][0]
    assert not quote["source"].startswith("/"), "a server path by name only"


def test_cors_is_off_unless_an_origin_is_named(server: Server, keyed: Server) -> None:
    preflight = {"Origin": "http://allowed.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = httpx.options(f"{keyed.url}/api/v1/ask", headers=preflight)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "http://allowed.example"
    other = httpx.options(f"{keyed.url}/api/v1/ask", headers={**preflight, "Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    plain = httpx.get(f"{server.url}/api/v1/health", headers={"Origin": "http://allowed.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_serve_binds_loopback_by_default() -> None:
    usage = subprocess.run([sys.executable, "-m", "rag.cli", "serve", "--help"], cwd=ROOT, capture_output=True, text=True,
                           timeout=60, check=True).stdout
    assert "default 127.0.0.1" in usage and "--api-key" in usage and "CORS off" in usage


@pytest.mark.browser
def test_the_docs_page_renders_with_no_cdn(server: Server) -> None:
    """/docs loads Swagger UI from the server itself: with every other host blocked, the operations still show."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    elsewhere: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()

        def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        page.goto(f"{server.url}/docs", wait_until="domcontentloaded")
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/ask").first).to_be_visible(timeout=20_000)
        assert page.locator(".opblock").count() >= 11
        browser.close()
    assert elsewhere == []


def test_docs_list_every_route(server: Server) -> None:
    paths = set(httpx.get(f"{server.url}/openapi.json").json()["paths"])
    assert paths == {"/api/v1/ask", "/api/v1/ask/stream", "/api/v1/search", "/api/v1/timeline", "/api/v1/documents",
                     "/api/v1/documents/{doc_id}", "/api/v1/health", "/api/v1/info", "/v1/models", "/v1/chat/completions"}
