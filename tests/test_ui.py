"""The Gradio app, served for real on loopback: headless Chromium and gradio_client."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings, bundled_articles_dir
from tests.conftest import ARTIFACTS

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
HARBOUR = """Harbour reopens after storm
The city harbour of Port Elsmere reopened on Tuesday after a three-day closure caused by the storm.
Port officials said that forty-two cargo ships had waited offshore during the closure.
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Iterator[tuple[str, Assistant]]:
    """The real app on a loopback port, over a writable copy of the demo index."""
    from ui.app import build_app, launch_options

    root = tmp_path_factory.mktemp("ui")
    assistant = Assistant(root / "index", embeddings=embedder)
    assistant.index([bundled_articles_dir()])
    app = build_app(assistant, upload_dir=root / "uploads")
    port = free_port()
    app.queue(default_concurrency_limit=4).launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options()
    )
    try:
        yield f"http://127.0.0.1:{port}/", assistant
    finally:
        app.close()


def test_concurrent_chat_requests_each_get_their_own_answer(served: tuple[str, Assistant]) -> None:
    from gradio_client import Client

    url, _ = served
    cases = {
        "How many troops?": "ten thousand troops",
        "Why Tajikistan?": "Tajikistan asked",
        "What weapons will Russian troops use?": "Chinese-made weapons",
        "Who is Wei Fenghe?": "Wei Fenghe",
        "How many ships took part?": "don't contain the answer",
        "What is the SCO?": "Shanghai Cooperation Organization",
    }

    def ask(question: str) -> str:
        client = Client(url, verbose=False)
        _, history, sources = client.predict(question, [], 5, "Extractive (quotes)", api_name="/chat")
        return str(history[-1]["content"]) + "\n" + str(sources)

    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        results = dict(zip(cases, pool.map(ask, cases)))
    for question, expected in cases.items():
        assert expected in results[question], (question, results[question][:300])


@pytest.mark.browser
def test_browser_ask_cite_upload(served: tuple[str, Assistant], tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    url, assistant = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.goto(url, wait_until="domcontentloaded")

        # Ask, and check the answer and its citation links.
        page.locator("#question textarea").fill("How many troops?")
        page.keyboard.press("Enter")
        links = page.locator("#chat a[href^='#src-']")
        expect(links.nth(1)).to_be_visible(timeout=30_000)
        answer = page.locator("#chat .message").last
        expect(answer).to_contain_text("ten thousand troops", timeout=30_000)
        assert links.count() >= 2

        # Open a citation: its card flashes and shows the highlighted quote.
        links.first.click()
        card = page.locator("#src-1-1")
        expect(card).to_have_class("src-card flash", timeout=5_000)
        expect(card.locator("mark")).to_have_text(
            "More than ten thousand troops will be dispatched, along with various types of aircraft, artillery and armored equipment."
        )
        assert card.is_visible()
        page.screenshot(path=str(ARTIFACTS / "ui-troops.png"))

        # A refusal is shown as such.
        page.get_by_role("button", name="How many soldiers took part?").click()
        expect(page.locator("#chat a[href^='#src-2-']").first).to_be_visible(timeout=30_000)
        page.locator("#question textarea").fill("How many ships took part?")
        page.keyboard.press("Enter")
        expect(page.locator("#chat")).to_contain_text("don't contain the answer", timeout=30_000)

        # Upload a new article, then ask what only it answers.
        article = tmp_path / "harbour-storm.txt"
        article.write_text(HARBOUR)
        page.get_by_text("Add articles").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        expect(page.locator("#upload-status")).to_contain_text("Added 1 document", timeout=60_000)
        page.locator("#question textarea").fill("How many cargo ships waited offshore?")
        page.keyboard.press("Enter")
        expect(page.locator("#chat .message").last).to_contain_text("forty-two cargo ships", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "ui-upload.png"))

        # A bad upload gets its message and loses nothing.
        before = len(assistant.documents())
        bad = tmp_path / "photo.png"
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
        page.locator("#upload input[type=file]").set_input_files(str(bad))
        expect(page.locator("#upload-status")).to_contain_text("Rejected photo.png: unsupported type .png", timeout=30_000)
        binary = tmp_path / "notes.txt"
        binary.write_bytes(b"\x00\x01\x02binary")
        page.locator("#upload input[type=file]").set_input_files(str(binary))
        expect(page.locator("#upload-status")).to_contain_text("Rejected notes.txt: binary file", timeout=30_000)
        assert len(assistant.documents()) == before
        page.screenshot(path=str(ARTIFACTS / "ui-rejected.png"))
        browser.close()
    shutil.copyfile(ARTIFACTS / "ui-troops.png", ARTIFACTS / "ui-latest.png")
