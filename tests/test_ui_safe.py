"""Issue #29, "safe to expose": article text reaches every panel of the chat UI as inert text.

An article is planted with markdown images and links, raw HTML and bare
URLs pointing at a loopback HTTP server that counts its hits; the UI is
served for real and driven in headless Chromium.
"""

from __future__ import annotations

import http.server
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, free_port, rag_ui_process

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
QUESTION = "How many cargo ships did the harbour of Port Velna handle?"
KEY = "ui-key-5d1e"


class _Pixel(http.server.BaseHTTPRequestHandler):
    """Counts every request: none may come from a page that shows the article."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Pixel.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass


@dataclass(frozen=True)
class Planted:
    url: str
    pixel: str
    assistant: Assistant


def _article(pixel: str) -> str:
    return (
        f"Port Velna ![t]({pixel}/title.png) harbour report\npublished: 2026-05-06\n\n"
        f"On May 5, 2026, the harbour of Port Velna handled 73 cargo ships ![p]({pixel}/pixel.png) "
        f"<img src={pixel}/raw.png onerror=window.__pwned=1> [click](http://evil.example/) {pixel}/auto "
        "www.evil.example ${7*7} {{7*7}} according to the port authority.\n"
        "The port authority said the new crane would open in June.\n"
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Iterator[Planted]:
    from ui.app import build_app, launch_options

    pixel_server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Pixel)
    threading.Thread(target=pixel_server.serve_forever, daemon=True).start()
    pixel = f"http://127.0.0.1:{pixel_server.server_address[1]}"
    root = tmp_path_factory.mktemp("ui-safe")
    (root / "articles").mkdir()
    (root / "articles" / "velna.txt").write_text(_article(pixel), encoding="utf-8")
    assistant = Assistant(root / "index", embeddings=embedder)
    assistant.index([root / "articles"])
    app = build_app(assistant, upload_dir=root / "uploads")
    port = free_port()
    app.queue(default_concurrency_limit=4).launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                                                  **launch_options())
    try:
        yield Planted(f"http://127.0.0.1:{port}/", pixel, assistant)
    finally:
        app.close()
        pixel_server.shutdown()


def test_render_answer_keeps_article_markdown_inert(planted: Planted) -> None:
    """The chat's markdown holds no image, link or tag of the article's, but our own [n] links and bold answer."""
    from ui.app import render_answer

    answer = planted.assistant.ask(QUESTION)
    shown = render_answer(answer, 1)
    assert shown.startswith("**73**") and "<a href='#src-1-1'>[1]</a>" in shown
    quotes = shown.split("\n\n", 1)[1]
    for live in ("![", "](", "<img", "http://", "www.", "**", "$"):
        assert live not in quotes, live


@pytest.mark.browser
def test_browser_shows_planted_markdown_and_html_as_text_and_fetches_nothing(planted: Planted) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    _Pixel.hits.clear()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.goto(planted.url, wait_until="domcontentloaded")

        page.locator("#question textarea").fill(QUESTION)
        page.keyboard.press("Enter")
        answer = page.locator("#chat .message").last
        expect(answer).to_contain_text("according to the port authority.", timeout=60_000)
        page.wait_for_timeout(1000)
        assert _Pixel.hits == []  # the browser fetched nothing the article names
        expect(answer).to_contain_text(f"![p]({planted.pixel}/pixel.png)")  # shown as the article wrote it
        expect(answer).to_contain_text("[click](http://evil.example/)")
        expect(answer).to_contain_text(f"<img src={planted.pixel}/raw.png onerror=window.__pwned=1>")
        expect(page.locator("#chat a[href='#src-1-1']")).to_be_visible()
        expect(page.locator("#chat strong").last).to_have_text("73")  # our own formatting still renders
        expect(page.locator("#sources mark").first).to_contain_text("${7*7} {{7*7}}")  # the card's quote (again under "More")

        page.get_by_text("Index", exact=True).click()
        expect(page.locator("#index-panel")).to_contain_text(f"Port Velna ![t]({planted.pixel}/title.png) harbour report")

        page.get_by_role("tab", name="Timeline").click()
        page.locator("#timeline-query").get_by_role("textbox").fill("Port Velna harbour")
        page.keyboard.press("Enter")
        expect(page.locator("#timeline")).to_contain_text("2026-05-05", timeout=60_000)
        expect(page.locator("#timeline")).to_contain_text(f"![p]({planted.pixel}/pixel.png)")
        page.get_by_role("tab", name="Chat").click()
        page.wait_for_timeout(1500)  # time for any image or prefetch a panel might start
        page.screenshot(path=str(ARTIFACTS / "ui-safe.png"), full_page=True)

        # Nothing points outside the page: every link of the panels is a card's anchor, no image has a source.
        outside = page.evaluate(
            """() => [...document.querySelectorAll('#chat a, #sources a, #timeline a, #index-panel a, #chat img, '
                     + '#sources img, #timeline img, #index-panel img')]
                     .map(e => e.getAttribute('href') ?? e.getAttribute('src') ?? '')
                     .filter(url => !url.startsWith('#'))"""
        )
        assert outside == []
        anywhere = page.evaluate(
            """(needles) => [...document.querySelectorAll('[src], [href], [srcset]')]
                 .map(e => (e.getAttribute('src') || '') + ' ' + (e.getAttribute('href') || '') + ' '
                           + (e.getAttribute('srcset') || ''))
                 .filter(url => needles.some(n => url.includes(n)))""",
            [planted.pixel, "evil.example"],
        )
        assert anywhere == []
        assert page.evaluate("() => window.__pwned") is None
        assert not re.search(r"\b49\b", page.locator("#sources").inner_text() + page.locator("#timeline").inner_text())
        browser.close()
    assert _Pixel.hits == []


def test_gradios_upload_cache_is_cleaned(planted: Planted, tmp_path: Path) -> None:
    """A file posted to Gradio's upload route and never submitted is deleted once older than the cache's age."""
    import httpx

    from ui.app import UPLOAD_CACHE, build_app, launch_options

    assert build_app(planted.assistant).delete_cache == UPLOAD_CACHE  # what rag ui and rag serve run with
    app = build_app(planted.assistant, delete_cache=(1, 1))
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options())
    try:
        stray = tmp_path / "never-submitted.txt"
        stray.write_text("Posted to the upload route, never indexed.")
        with open(stray, "rb") as handle:
            reply = httpx.post(f"http://127.0.0.1:{port}/gradio_api/upload", files={"files": handle}, timeout=30)
        (cached,) = reply.json()
        assert Path(cached).is_file()
        deadline = time.monotonic() + 20
        while Path(cached).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not Path(cached).exists()
    finally:
        app.close()


def test_own_temp_dir_drops_what_a_killed_process_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.app import own_temp_dir

    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / "rag-news-gradio"
    (folder / "old").mkdir(parents=True)
    (folder / "new").mkdir()
    (folder / "old" / "a.txt").write_text("left by a killed process")
    (folder / "new" / "b.txt").write_text("just uploaded")
    os.utime(folder / "old" / "a.txt", (0, 0))
    assert own_temp_dir(max_age_s=900) == folder.resolve() and os.environ["GRADIO_TEMP_DIR"] == str(folder)
    assert not (folder / "old").exists() and (folder / "new" / "b.txt").exists()


def test_rag_ui_with_a_key_and_read_only(planted: Planted) -> None:
    """`rag ui --api-key K --read-only`: serve's front door in front of the UI, and no upload endpoint."""
    import httpx

    auth = {"Authorization": f"Bearer {KEY}"}
    with rag_ui_process(["--index", str(planted.assistant.index_dir), "--read-only"], KEY) as url:
        assert httpx.get(url + "/", timeout=5).status_code == 401
        assert httpx.post(url + "/gradio_api/upload", files={"files": ("a.txt", b"x")}, timeout=5).status_code == 401
        endpoints = httpx.get(url + "/gradio_api/info", headers=auth, timeout=10).json()["named_endpoints"]
        assert "/chat" in endpoints and "/upload" not in endpoints
        assert httpx.get(url + "/api/v1/health", headers=auth, timeout=5).status_code != 200  # the UI alone


def test_a_dot_name_upload_is_one_readable_line_and_leaves_no_copy(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gradio refuses to pass on a dotfile from a temp folder under the working directory; ours says why instead."""
    from gradio_client import Client, handle_file

    from ui.app import build_app, launch_options

    monkeypatch.chdir(tmp_path)  # `rag ui` started from the temp folder's parent: Gradio's dotfile rule applies
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    before = sorted(d.id for d in planted.assistant.documents())
    app = build_app(planted.assistant, upload_dir=tmp_path / "uploads")
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options())
    try:
        hidden = tmp_path / "in" / ".harbour-notes.txt"
        hidden.parent.mkdir()
        hidden.write_text("Harbour notes\nThe harbour reopened on Tuesday after the storm.")
        status, *_ = Client(f"http://127.0.0.1:{port}/", verbose=False).predict([handle_file(str(hidden))],
                                                                               api_name="/upload")
    finally:
        app.close()
    assert status.startswith("**Rejected** .harbour-notes.txt: ") and "\n" not in status and "rename" in status, status
    assert not list((tmp_path / "gradio").rglob("*harbour-notes*")) and not (tmp_path / "uploads").exists()
    assert sorted(d.id for d in planted.assistant.documents()) == before
