"""Small real files for loader tests (no mocks: real PDF bytes, real HTML), and real news reports indexed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from rag import Assistant, MiniLMEmbeddings

# The dated Wikinews reports of bench.news_dated (CC BY 2.5, Wikinews contributors; bench/data/news-dated/README.md).
WIKINEWS = Path(__file__).resolve().parents[1] / "bench" / "data" / "news-dated" / "articles"


def wikinews(tmp_path: Path, embedder: MiniLMEmbeddings, *names: str) -> Assistant:
    """An assistant over the named real Wikinews reports (file names without ``.md``), indexed under ``tmp_path``."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in names:
        shutil.copy(WIKINEWS / f"{name}.md", folder)
    Assistant(tmp_path / "ix", embeddings=embedder).index([folder])
    return Assistant.load(tmp_path / "ix", embeddings=embedder)


def write_records(folder: Path, records: list[dict[str, str]]) -> Path:
    """Article records written for a test into ``folder`` (made if missing): one JSON file each, named by its id."""
    folder.mkdir(exist_ok=True)
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    return folder


def indexed(tmp_path: Path, embedder: MiniLMEmbeddings, records: list[dict[str, str]]) -> Assistant:
    """An assistant over article records written for a test (:func:`write_records` into ``tmp_path / "articles"``)."""
    folder = write_records(tmp_path / "articles", records)
    assistant = Assistant(tmp_path / "ix", embeddings=embedder)
    assistant.index([folder])
    return assistant


def written(tmp_path: Path, embedder: MiniLMEmbeddings, articles: dict[str, str], *, topic: str,
            published: str) -> Assistant:
    """An assistant over texts written for a test: one record each (id ``name``, title "``topic`` ``name``")."""
    records = [{"id": name, "title": f"{topic} {name}", "published": published, "outlet": "Wire", "text": text}
               for name, text in articles.items()]
    return indexed(tmp_path, embedder, records)


def make_pdf(lines: list[str], title: str = "", info: dict[str, str] | None = None) -> bytes:
    """A valid one-page PDF whose text layer holds ``lines`` (Helvetica); ``info`` adds document-information entries."""
    text_ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text_ops.append(f"({escaped}) Tj T*")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1")
    entries = {"Title": title, **(info or {})} if title else dict(info or {})
    info_dict = ("<< " + " ".join(f"/{k} ({v})" for k, v in entries.items()) + " >>").encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info_dict,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


ARTICLE_HTML = """<!doctype html>
<html><head><title>Harbour reopens after storm</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour reopens after storm</h1>
<p>The city harbour reopened on Tuesday after a three-day closure caused by the storm.
Port officials said that forty-two cargo ships had waited offshore during the closure.</p>
<p>Repairs to the northern pier are expected to cost about 3 million euros, the mayor said,
and work will begin next month once engineers have inspected the damaged pilings.</p>
<p>Fishermen welcomed the decision but warned that the fish market would need another week
before it could operate at full capacity again.</p>
</article>
<footer>Copyright 2026 Example News. All rights reserved. Cookie settings.</footer>
</body></html>
"""


class NewsSite:
    """A real HTTP server on 127.0.0.1 serving routes set by a test, counting requests per path.

    ``site.route("/feed.xml", body, "application/rss+xml", etag='"v1"')`` serves ``body``; a route may
    instead be a status (``status=404``), a redirect (``location=``), slow (``delay=``) or gzipped.

    Example:
        >>> site = NewsSite(); url = site.route("/a", "<p>hi</p>"); site.close()
    """

    def __init__(self) -> None:
        import http.server
        import threading
        from collections import Counter

        self.routes: dict[str, dict[str, object]] = {}
        self.counts: Counter[str] = Counter()
        self.hosts: list[str] = []  # each request's Host header, in order
        self.ports: list[int] = []  # each request's client port: one per connection
        self.headers: list[dict[str, str]] = []  # each request's headers, names in lower case
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                import gzip
                import time

                path = self.path.split("?", 1)[0]
                site.counts[path] += 1
                site.hosts.append(self.headers.get("Host", ""))
                site.ports.append(int(self.client_address[1]))
                site.headers.append({k.lower(): v for k, v in self.headers.items()})
                route = site.routes.get(path)
                if route is None:
                    return self._send(404, b"not found", "text/plain", {})
                if route.get("delay"):
                    time.sleep(float(route["delay"]))  # type: ignore[arg-type]
                etag = route.get("etag")
                if etag and self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", None, {"ETag": str(etag)})
                if route.get("location"):
                    return self._send(int(route["status"] or 302), b"", None, {"Location": str(route["location"])})  # type: ignore[call-overload]
                body = route.get("body", b"")
                data = body.encode("utf-8") if isinstance(body, str) else bytes(body)  # type: ignore[call-overload]
                headers = {"ETag": str(etag)} if etag else {}
                if route.get("gzip"):
                    data = gzip.compress(data)
                    headers["Content-Encoding"] = "gzip"
                self._send(int(route["status"] or 200), data, str(route.get("type", "text/html; charset=utf-8")), headers)  # type: ignore[call-overload]

            def _send(self, status: int, data: bytes, kind: str | None, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    if kind:
                        self.send_header("Content-Type", kind)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if data:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def route(self, path: str, body: str | bytes = b"", kind: str = "text/html; charset=utf-8", *, status: int | None = None,
              etag: str | None = None, location: str | None = None, delay: float = 0.0, gzip: bool = False) -> str:
        """Serve ``body`` at ``path`` (or a status, redirect, delay, gzip); returns the full URL."""
        self.routes[path] = {"body": body, "type": kind, "status": status, "etag": etag, "location": location,
                             "delay": delay, "gzip": gzip}
        return self.url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def article_page(title: str, paragraphs: list[str], *, date: str | None = None, site: str | None = "Harbour Times",
                 author: str | None = None, canonical: str | None = None) -> str:
    """A realistic article page: navigation, an ``<article>``, a footer, and the metadata given."""
    meta = [f'<meta property="og:title" content="{title}">']
    if date:
        meta.append(f'<meta property="article:published_time" content="{date}">')
    if site:
        meta.append(f'<meta property="og:site_name" content="{site}">')
    if author:
        meta.append(f'<meta name="author" content="{author}">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{canonical}">')
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (f"<!doctype html><html><head><title>{title}</title>{''.join(meta)}</head><body>"
            f'<nav><a href="/">Home</a> | <a href="/world">World</a></nav>'
            f"<article><h1>{title}</h1>\n{body}</article>"
            f"<footer>Copyright 2026. All rights reserved. Cookie settings.</footer></body></html>")


class RecordedLLM:
    """An OpenAI-compatible chat server on 127.0.0.1 that replays recorded model replies (stdlib ``http.server``).

    ``GET /v1/models`` lists ``model``; ``POST /v1/chat/completions`` answers with ``answer`` (streamed as
    server-sent events when the request asks to stream, in word-sized pieces as a real server sends them), or
    with ``rewrite`` when the system message asks for a follow-up to be rewritten. Every request body is kept in
    ``requests`` so a test can see what the model was shown.

    Example:
        >>> llm = RecordedLLM("More than 10,000 troops are taking part [1]."); url = llm.url; llm.close()
    """

    def __init__(self, answer: str, rewrite: str = "", model: str = "recorded") -> None:
        import http.server
        import json
        import threading

        self.answer, self.rewrite, self.model = answer, rewrite, model
        self.requests: list[dict[str, object]] = []
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.rstrip("/").endswith("/models"):
                    return self._json({"object": "list", "data": [{"id": replay.model, "object": "model", "owned_by": "test"}]})
                self._json({"error": {"message": "not found"}}, 404)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                replay.requests.append(body)
                system = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system")
                text = replay.rewrite if "Rewrite the user's follow-up" in system else replay.answer
                base = {"id": "chatcmpl-recorded", "created": 1700000000, "model": replay.model}
                if not body.get("stream"):
                    return self._json({**base, "object": "chat.completion", "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
                pieces = [{"role": "assistant", "content": ""}] + [{"content": p} for p in _pieces(text)]
                events = [{**base, "object": "chat.completion.chunk",
                           "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in pieces]
                events.append({**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                data = "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"
                self._send(200, data, "text/event-stream")

            def _json(self, payload: object, status: int = 200) -> None:
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pieces(text: str) -> list[str]:
    """``text`` in the word-sized pieces a streaming server sends (each word with the space before it)."""
    import re

    return re.findall(r"\s*\S+", text)


def write_two_articles(folder: Path) -> Path:
    """Two short articles in ``folder`` (created): a dated harbour story and an undated bridge story; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "harbour.txt").write_text(
        "Harbour reopens\nPublished: 2024-03-05\n\nThe city harbour reopened on Tuesday after the storm. "
        "Forty-two cargo ships had waited offshore.\n", encoding="utf-8")
    (folder / "bridge.txt").write_text(
        "Bridge closes\n\nThe old bridge closed for repairs on 3 March 2024, the council said.\n", encoding="utf-8")
    return folder


# A local paper's report of a league final as copied from the web: headline, section line, date line, "Advertisement".
LEAGUE_FINAL = {
    "id": "final", "title": "Hawks edge Owls in overtime to win first league title", "published": "2024-03-03",
    "outlet": "Herald",
    "text": "Hawks edge Owls in overtime to win first league title\n\nSports | Harbor City Herald\n"
            "Sunday, March 3, 2024\n\nThe Harbor City Hawks beat the Lakeside Owls 3-2 in overtime on Saturday "
            "night to win the Northern League championship for the first time in the club's 48-year history.\n\n"
            "Defender Maya Okafor scored the winner in the 104th minute, heading in a corner from captain Jess "
            "Doyle.\n\nA crowd of 18,250 filled Riverside Stadium, a record for the league final.\n\nAdvertisement"
            "\n\nThe Owls, who won the title last season, led 2-1 until the 88th minute, when Doyle equalized "
            "from the penalty spot.",
}


PAGES = Path(__file__).resolve().parents[1] / "bench" / "data" / "news-pages" / "pages"


def news_pages(tmp_path: Path, embedder: MiniLMEmbeddings, *names: str) -> Assistant:
    """An assistant over some of the news pages of ``bench/data/news-pages`` (``names``: their files, no ``.txt``)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in names:
        shutil.copy(PAGES / f"{name}.txt", folder / f"{name}.txt")
    Assistant(tmp_path / "ix", embeddings=embedder).index([folder])
    return Assistant.load(tmp_path / "ix", embeddings=embedder)
