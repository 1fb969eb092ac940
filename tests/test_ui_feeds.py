"""Issues #27 and #29 in the chat UI: the index panel's feeds (listed with their counts, added by URL) and load warnings.

A real HTTP server on 127.0.0.1 (tests/helpers.py's NewsSite) serves RSS
feeds and their article pages; the real Gradio app is served on loopback
and driven in headless Chromium, or through its API with Gradio's client.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import NewsSite, article_page

from rag import Assistant, Fetcher, FetchLimits, InputError, MiniLMEmbeddings, bundled_articles_dir
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, rag_ui_process, serve_ui

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
KEY = "feeds-key-71c3"
LIMITS = FetchLimits(allow_hosts=frozenset({"127.0.0.1"}), min_interval_s=0.0, timeout_s=5)  # as --allow-host 127.0.0.1
FERRY = [
    "The new electric ferry on Lake Orvan carried 2,400 passengers in its first week of service, the operator said "
    "on Monday, twice the number the council had forecast.",
    "The ferry crosses the lake every forty minutes between Orvan harbour and the island of Selk, and its batteries "
    "are charged overnight from the town's solar park.",
]
LIBRARY = [
    "The city library in Marrow opened its new reading room on Saturday after two years of renovation that cost "
    "4.5 million euros, the mayor said at the opening.",
    "The reading room holds 60,000 books and 120 desks, and it will stay open until ten in the evening on weekdays "
    "from next month.",
]
MUSEUM = [
    "The harbour museum of Tessel reopened on Sunday with a new hall for its collection of seventeen wooden boats, "
    "the museum's director said.",
    "About 3,000 visitors came on the first day, and entry will stay free until the end of the month.",
]
QUESTION = "How many passengers did the electric ferry on Lake Orvan carry in its first week?"


def _rss(base: str, title: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(f"<item><title>{t}</title><link>{base}{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"
                      for t, link, date in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'


@dataclass(frozen=True)
class Served:
    url: str
    assistant: Assistant
    site: NewsSite
    root: Path


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    site = NewsSite()
    site.route("/news/ferry", article_page("Electric ferry carries 2,400 in first week", FERRY, date="2026-05-04",
                                           site="Lake Courier"))
    site.route("/news/library", article_page("Marrow library opens new reading room", LIBRARY, date="2026-05-02",
                                             site="Lake Courier"))
    site.route("/news/museum", article_page("Harbour museum reopens", MUSEUM, date="2026-04-26", site="Tessel Post"))
    site.route("/feed.xml", _rss(site.url, "Lake Courier", [
        ("Electric ferry carries 2,400 in first week", "/news/ferry", "Mon, 04 May 2026 09:00:00 GMT"),
        ("Marrow library opens new reading room", "/news/library", "Sat, 02 May 2026 09:00:00 GMT"),
    ]), "application/rss+xml", etag='"courier-1"')
    site.route("/tessel.xml", _rss(site.url, "Tessel Post", [
        ("Harbour museum reopens", "/news/museum", "Sun, 26 Apr 2026 09:00:00 GMT"),
    ]), "application/rss+xml", etag='"tessel-1"')
    yield site
    site.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings, site: NewsSite) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ui-feeds")
    for url, assistant in serve_ui(root, bundled_articles_dir(), embedder, fetch_limits=LIMITS):
        yield Served(url, assistant, site, root)


def test_a_url_that_is_not_a_web_address_is_one_line() -> None:
    from ui.feeds import check_url

    for text in ("", "   ", "example.com/feed.xml", "file:///etc/passwd", "ftp://example.com/feed", "http://", "http://a b/"):
        with pytest.raises(InputError) as error:
            check_url(text)
        assert "\n" not in str(error.value)
    with pytest.raises(InputError, match="at most 2048"):
        check_url("https://example.com/" + "x" * 3000)
    assert check_url(" https://example.com/feed.xml\n") == "https://example.com/feed.xml"


def test_feed_lines_and_the_sources_list_keep_feed_text_inert(tmp_path: Path) -> None:
    """A feed's error text, a URL and a warning are shown as written: no image, link or tag reaches the markdown."""
    import json

    from ui.app import render_feed_report, render_watched
    from ui.feeds import FeedReport

    planted = "![p](http://evil.example/p.png) <img src=x onerror=alert(1)> [click](http://evil.example/)"
    report = FeedReport(url="http://a.example/feed.xml?x=[y](http://evil.example/)", added=("a",), watched=True,
                        failed=(f"http://a.example/1: not a readable feed ({planted})",), warnings=(planted,),
                        notes=(planted,))
    index = tmp_path / "index"
    index.mkdir()
    (index / "sources.json").write_text(json.dumps({"version": 1, "sources": {
        "http://a.example/feed.xml": {"kind": "feed", "watch": True, "checked": "2026-12-02T21:40:00+00:00",
                                      "error": planted, "entries": {}}}}), encoding="utf-8")
    shown = render_feed_report(report) + "\n" + render_watched(Assistant(index))
    for live in ("![", "](", "<img", "http://", "[click]"):
        assert live not in shown, live
    assert "watched feed · checked 2026-12-02 21:40:00 UTC" in shown


def test_add_url_respects_the_fetchers_refusal_and_the_allowed_host(served: Served) -> None:
    """Without --allow-host the loopback feed is refused in one line and nothing changes; the panel lists no feed."""
    from ui.feeds import add_url

    before = sorted(d.id for d in served.assistant.documents())
    refused = add_url(served.assistant, f"http://localhost:{served.site.url.rsplit(':', 1)[1]}/feed.xml", LIMITS)
    assert not refused.added and len(refused.failed) == 1 and not refused.watched
    assert "loopback" in refused.failed[0] and "--allow-host localhost" in refused.failed[0]
    assert sorted(d.id for d in served.assistant.documents()) == before
    assert refused.url not in served.assistant.watched().sources  # never read: not kept in the panel's list
    missing = add_url(served.assistant, f"{served.site.url}/missing.xml", LIMITS)  # allowed host, a failing fetch
    assert not missing.added and len(missing.failed) == 1 and "HTTP 404" in missing.failed[0]
    assert sorted(d.id for d in served.assistant.documents()) == before


@pytest.mark.browser
def test_browser_lists_watched_feeds_adds_a_feed_url_and_answers_from_it(served: Served, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    feed, tessel = f"{served.site.url}/feed.xml", f"{served.site.url}/tessel.xml"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(served.url, wait_until="domcontentloaded")
        expect(page.locator("#question textarea")).to_be_visible(timeout=60_000)

        # A feed watched by another process (`rag watch`, another UI) after this page loaded: shown when the panel opens.
        with Fetcher(LIMITS) as fetcher:
            Assistant(served.assistant.index_dir, embeddings=served.assistant.embeddings).index([tessel], fetcher=fetcher,
                                                                                               watch=True)
        page.get_by_text("Index", exact=True).click()
        panel = page.locator("#watched-panel")
        expect(panel).to_contain_text(tessel, timeout=30_000)
        expect(panel).to_contain_text("watched feed")
        expect(panel).to_contain_text("1 added, 0 updated, 0 unchanged, 0 failed")
        expect(page.locator("#index-panel")).to_contain_text("Harbour museum reopens")

        # Add a feed URL: its articles are indexed, it is recorded as watched, the panel shows its counts.
        page.locator("#feed-url textarea, #feed-url input").first.fill(feed)
        page.locator("#add-feed").click()
        status = page.locator("#feed-status")
        expect(status).to_contain_text("Added 2 article(s)", timeout=120_000)
        expect(status).to_contain_text("rag watch")
        expect(panel).to_contain_text(feed)
        expect(panel).to_contain_text("2 added, 0 updated, 0 unchanged, 0 failed")
        assert feed in served.assistant.watched().watched_urls()

        # A question about one of its articles is answered from it, with a citation.
        page.locator("#question textarea").fill(QUESTION)
        page.keyboard.press("Enter")
        answer = page.locator("#chat .message").last
        expect(answer).to_contain_text("2,400", timeout=90_000)
        expect(page.locator("#chat a[href^='#src-1-']").first).to_be_visible()
        card = page.locator("#sources .src-card").first
        expect(card).to_contain_text("Electric ferry carries 2,400 in first week")
        expect(card).to_contain_text("Lake Courier, 2026-05-04")

        # A refused host, and text that is no web address: one readable line each, never a traceback.
        refused = f"http://localhost:{served.site.url.rsplit(':', 1)[1]}/feed.xml"
        page.locator("#feed-url textarea, #feed-url input").first.fill(refused)
        page.locator("#add-feed").click()
        expect(status).to_contain_text("Failed", timeout=60_000)
        expect(status).to_contain_text("--allow-host localhost")
        assert len(status.inner_text().strip().splitlines()) == 1 and "Traceback" not in status.inner_text()
        expect(panel).not_to_contain_text("localhost")
        page.locator("#feed-url textarea, #feed-url input").first.fill("not a url")
        page.locator("#add-feed").click()
        expect(status).to_contain_text("not a web address", timeout=30_000)
        assert len(status.inner_text().strip().splitlines()) == 1

        # An upload whose text triggers a load warning (a date that names no day) shows it, as `rag index` prints it.
        article = tmp_path / "pier.txt"
        article.write_text("---\npublished: 2026-02-30\n---\nPier repairs begin\n\nRepairs to the north pier of "
                           "Tessel began on Monday and will take six weeks, the harbour office said.\n", encoding="utf-8")
        page.get_by_text("Add articles").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        upload_status = page.locator("#upload-status")
        expect(upload_status).to_contain_text("Added 1 document", timeout=60_000)
        expect(upload_status).to_contain_text("Warning pier.txt: published \"2026-02-30\" is not a date")
        page.screenshot(path=str(ARTIFACTS / "ui-feeds.png"), full_page=True)
        browser.close()


@pytest.mark.browser
def test_read_only_has_no_add_feed_control_and_no_api(tmp_path: Path, embedder: MiniLMEmbeddings, site: NewsSite) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    import httpx
    from playwright.sync_api import expect, sync_playwright

    for url, assistant in serve_ui(tmp_path, bundled_articles_dir(), embedder, read_only=True, fetch_limits=LIMITS):
        with Fetcher(LIMITS) as fetcher:
            assistant.index([f"{site.url}/tessel.xml"], fetcher=fetcher, watch=True)
        endpoints = httpx.get(url + "gradio_api/info", timeout=10).json()["named_endpoints"]
        assert "/chat" in endpoints and "/add_feed" not in endpoints and "/upload" not in endpoints
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text("Index", exact=True).click()
            expect(page.locator("#watched-panel")).to_contain_text("1 added, 0 updated, 0 unchanged, 0 failed",
                                                                   timeout=30_000)  # the list is there, read-only too
            assert page.locator("#add-feed").count() == 0 and page.locator("#feed-url").count() == 0
            assert page.get_by_role("button", name="Add feed URL").count() == 0
            browser.close()


def test_rag_ui_with_a_key_guards_add_feed_and_passes_allow_host(tmp_path: Path, embedder: MiniLMEmbeddings,
                                                                 site: NewsSite) -> None:
    """`rag ui --api-key K --allow-host 127.0.0.1`: Add feed URL answers 401 without the key, and fetches with it."""
    import httpx
    from gradio_client import Client

    index_dir = tmp_path / "index"
    Assistant(index_dir, embeddings=embedder).index([bundled_articles_dir()])
    auth = {"Authorization": f"Bearer {KEY}"}
    with rag_ui_process(["--index", str(index_dir), "--allow-host", "127.0.0.1", "--timeout", "5"], KEY) as url:
        unkeyed = httpx.post(url + "/gradio_api/call/add_feed", json={"data": [f"{site.url}/feed.xml"]}, timeout=10)
        assert unkeyed.status_code == 401
        assert not (index_dir / "sources.json").exists()
        status, *_ = Client(url + "/", headers=auth, verbose=False).predict(f"{site.url}/feed.xml", api_name="/add_feed")
        assert status.startswith("**Added** 2 article(s)"), status
        assert f"{site.url}/feed.xml" in Assistant(index_dir).watched().watched_urls()
