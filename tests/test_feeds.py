"""URLs, feeds and sitemaps into documents, through a real HTTP server on loopback (tests/helpers.py's NewsSite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import NewsSite, article_page

from rag import Assistant
from rag._fetch import Fetcher, FetchLimits
from rag._web import WebState, load_sources, web_id

HARBOUR = [
    "The city harbour reopened on Tuesday after a three-day closure caused by the storm. Port officials said that "
    "forty-two cargo ships had waited offshore during the closure.",
    "Repairs to the northern pier are expected to cost about 3 million euros, the mayor said, and work will begin "
    "next month once engineers have inspected the damaged pilings.",
    "Fishermen welcomed the decision but warned that the fish market would need another week before it could "
    "operate at full capacity again.",
]
BRIDGE = [
    "The new rail bridge over the estuary carried its first passengers on Monday, three years after construction "
    "began. The operator said 1,200 people crossed on the first day.",
    "Engineers had delayed the opening twice because of corrosion found in the steel cables, which were replaced "
    "at a cost of 12 million euros according to the regional transport authority.",
]
FULL_TEXT = (
    "<p>Council members voted nine to two on Wednesday to extend the night bus network to the eastern suburbs, "
    "ending a two-year campaign by residents who said they had no way home after late shifts.</p>"
    "<p>The extension will add four routes and thirty stops, and the first buses will run in June, the transport "
    "committee said. The cost, about 800,000 euros a year, will come from the parking levy.</p>"
)


def _rss(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Harbour Times</title><link>{base}/</link><description>Local news</description>
<item><title>Harbour &amp; port reopen after storm</title><link>/news/harbour</link>
  <guid>harbour-1</guid><pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate><description>Short summary.</description></item>
<item><title>Rail bridge opens</title><link>{base}/news/bridge</link><guid>bridge-1</guid>
  <pubDate>yesterday-ish</pubDate><dc:creator>Jo Lee</dc:creator></item>
<item><title>Night buses for the east</title><link>/news/buses</link><guid>buses-1</guid>
  <content:encoded><![CDATA[{FULL_TEXT}]]></content:encoded></item>
</channel></rss>"""


def _atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Estuary Post</title><id>urn:estuary</id>
<updated>2026-03-05T08:00:00Z</updated><link href="{base}/"/>
<entry><title type="html">Buses &lt;b&gt;east&lt;/b&gt;</title><id>urn:buses</id><link href="{base}/atom/buses"/>
  <updated>2026-03-05T08:00:00Z</updated><author><name>Sam Ruiz</name></author>
  <content type="html">{FULL_TEXT.replace("<", "&lt;").replace(">", "&gt;")}</content></entry>
</feed>"""


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    site = NewsSite()
    site.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.route("/news/harbour", article_page("Harbour reopens after storm", HARBOUR, author="Ana Diaz",
                                             canonical=f"{site.url}/news/harbour"))
    # no date of its own: the entry's date and author fill in
    site.route("/news/bridge", article_page("Rail bridge opens", BRIDGE, site="Estuary Post"))
    site.route("/feed.xml", _rss(site.url), "application/rss+xml; charset=utf-8", etag='"rss-1"')
    site.route("/atom.xml", _atom(site.url), "application/atom+xml")
    site.route("/gz/feed.xml", _rss(site.url), "application/rss+xml", gzip=True)
    site.route("/broken.xml", "<rss><channel><item><title>never closed", "application/rss+xml")
    site.route("/slow", article_page("Slow", HARBOUR), delay=1.5)
    site.route("/loop-a", location="/loop-b")
    site.route("/loop-b", location="/loop-a")
    site.route("/big", article_page("Big", HARBOUR * 1000))
    site.route("/error", "boom", "text/plain", status=500)
    site.route("/private/memo", article_page("Memo", HARBOUR))
    site.route("/to-private", location="http://10.0.0.1/news")
    site.route("/elsewhere", article_page("Claims another outlet", BRIDGE, canonical="https://other.example/news/x"))
    site.route("/sitemap.xml", f"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{site.url}/news/bridge</loc><news:news><news:publication><news:name>Estuary Post</news:name></news:publication>
<news:publication_date>2026-03-02</news:publication_date><news:title>Rail bridge opens</news:title></news:news></url>
</urlset>""", "application/xml")
    site.route("/urls.txt", f"{site.url}/news/harbour\n\n{site.url}/news/bridge\n", "text/plain")
    yield site
    site.close()


LOOPBACK = frozenset({"127.0.0.1"})


def limits(allow_hosts: frozenset[str] = LOOPBACK) -> FetchLimits:
    """The test limits: loopback allowed, no per-host wait, a short timeout."""
    return FetchLimits(allow_hosts=allow_hosts, min_interval_s=0.0, timeout_s=0.5, max_bytes=200_000)


def load(sources: list[str], state: WebState | None = None, indexed: frozenset[str] = frozenset(),
         allow_hosts: frozenset[str] = LOOPBACK):  # type: ignore[no-untyped-def]
    with Fetcher(limits(allow_hosts)) as fetcher:
        return load_sources(sources, fetcher=fetcher, state=state, indexed=indexed)


def test_an_rss_feed_gives_one_article_per_entry_with_its_dates_outlets_and_authors(site: NewsSite) -> None:
    found = load([f"{site.url}/feed.xml"])
    docs = {d.source: d for d in found.loaded.documents}
    assert not found.loaded.skipped
    harbour = docs[f"{site.url}/news/harbour"]  # a relative link, resolved against the feed
    assert harbour.title == "Harbour reopens after storm" and "forty-two cargo ships" in harbour.text
    assert (harbour.published, harbour.outlet, harbour.author) == ("2026-03-03", "Harbour Times", "Ana Diaz")
    assert harbour.id == web_id(harbour.url or "")
    bridge = docs[f"{site.url}/news/bridge"]  # a malformed entry date and a page without one: date unknown
    assert (bridge.published, bridge.outlet, bridge.author) == (None, "Estuary Post", "Jo Lee")
    buses = docs[f"{site.url}/news/buses"]  # full content in the feed: its page is never fetched
    assert "nine to two" in buses.text and buses.title == "Night buses for the east"
    assert site.counts["/news/buses"] == 0


def test_an_atom_feed_with_full_content_and_markup_in_its_title(site: NewsSite) -> None:
    (doc,) = load([f"{site.url}/atom.xml"]).loaded.documents
    assert doc.title == "Buses east" and doc.published == "2026-03-05" and doc.author == "Sam Ruiz"
    assert "thirty stops" in doc.text and site.counts["/atom/buses"] == 0


def test_a_gzipped_feed_a_news_sitemap_and_lists_of_urls(site: NewsSite, tmp_path: Path) -> None:
    assert len(load([f"{site.url}/gz/feed.xml"]).loaded.documents) == 3
    (bridge,) = load([f"{site.url}/sitemap.xml"]).loaded.documents
    assert bridge.published == "2026-03-02" and bridge.title == "Rail bridge opens"
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# to read\n{site.url}/news/harbour\n{site.url}/news/bridge\n")
    for source in (f"{site.url}/urls.txt", str(listed)):
        assert sorted(d.title for d in load([source]).loaded.documents) == ["Harbour reopens after storm", "Rail bridge opens"]


def test_a_canonical_url_on_another_host_is_not_believed(site: NewsSite) -> None:
    (doc,) = load([f"{site.url}/elsewhere"]).loaded.documents
    assert doc.source == f"{site.url}/elsewhere" and "other.example" not in doc.id


@pytest.mark.parametrize(("path", "expected"), [
    ("/broken.xml", "not a readable feed"),
    ("/missing", "HTTP 404"),
    ("/error", "HTTP 500"),
    ("/slow", "timed out after 0.5s"),
    ("/loop-a", "redirect loop"),
    ("/big", "limit"),
    ("/private/memo", "robots.txt disallows"),
    ("/to-private", "10.0.0.1 is a loopback, private or link-local address; refused before connecting"),
])
def test_each_failure_is_one_clear_line(site: NewsSite, path: str, expected: str) -> None:
    found = load([site.url + path])
    assert not found.loaded.documents
    (skipped,) = found.loaded.skipped
    line = str(skipped)
    assert expected in line and "\n" not in line and "Traceback" not in line, line
    assert line.startswith(f"skipped {site.url}")


def test_a_private_address_is_refused_before_connecting_unless_allowed(site: NewsSite) -> None:
    found = load([f"{site.url}/news/harbour"], allow_hosts=frozenset())
    assert "127.0.0.1 is a loopback" in str(found.loaded.skipped[0]) and "--allow-host 127.0.0.1" in str(found.loaded.skipped[0])
    assert "refused" in str(load(["http://10.0.0.1/feed.xml"]).loaded.skipped[0])
    assert "only http and https" in str(load(["file:///etc/passwd"]).loaded.skipped[0])


def test_a_request_connects_to_the_address_its_check_let_through(site: NewsSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the HTTP client never resolves the name again, so it cannot reach an address nobody checked."""
    import ipaddress
    import socket
    import traceback

    real = socket.getaddrinfo
    names: list[tuple[str, bool]] = []  # (host looked up, whether the HTTP client looked it up)

    def recording(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        stack = " ".join(f.filename for f in traceback.extract_stack()[:-1])
        names.append((str(host), "httpcore" in stack or "httpx" in stack))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    port = site.url.rsplit(":", 1)[1]
    site.route("/page", article_page("Harbour bridge reopens", ["The bridge reopened on Monday after repairs."]))
    with Fetcher(FetchLimits(allow_hosts=frozenset({"localhost"}), min_interval_s=0.0, timeout_s=2.0)) as fetcher:
        response = fetcher.get(f"http://localhost:{port}/page")
    assert response.status == 200 and response.url == f"http://localhost:{port}/page"
    assert "Harbour bridge reopens" in response.text()
    assert site.hosts[-1] == f"localhost:{port}"  # the name stays in Host; the connection went to its address
    # The fetcher resolved the name; the HTTP client only ever "resolved" the address literal it was handed.
    assert ("localhost", False) in names
    by_client = [host for host, client in names if client]
    assert by_client and all(ipaddress.ip_address(host) for host in by_client)


def test_two_host_names_of_one_address_never_share_a_connection(site: NewsSite) -> None:
    """Connections go to addresses; two sites behind one address (a CDN) must not share one made for the other."""
    port = site.url.rsplit(":", 1)[1]
    site.route("/page", "<p>hello</p>")
    allowed = frozenset({"localhost", "127.0.0.1"})
    with Fetcher(FetchLimits(allow_hosts=allowed, min_interval_s=0.0, timeout_s=2.0, robots=False)) as fetcher:
        for host in ("localhost", "localhost", "127.0.0.1"):
            assert fetcher.get(f"http://{host}:{port}/page").status == 200
    assert site.hosts[-3:] == [f"localhost:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    first, again, other = site.ports[-3:]
    assert first == again and other != first  # one kept-alive connection per name


def test_polling_an_unchanged_feed_again_fetches_no_article_page(site: NewsSite) -> None:
    first = load([f"{site.url}/feed.xml"])
    indexed = frozenset(d.id for d in first.loaded.documents)
    pages = site.counts["/news/harbour"], site.counts["/news/bridge"]
    again = load([f"{site.url}/feed.xml"], state=first.state, indexed=indexed)  # ETag: 304
    assert not again.loaded.documents and sorted(again.unchanged) == sorted(indexed)
    assert (site.counts["/news/harbour"], site.counts["/news/bridge"]) == pages
    # without the feed's validators (lost ETag), unchanged entries are still not fetched
    state = WebState({url: {**s, "etag": None} for url, s in first.state.sources.items()})
    assert not load([f"{site.url}/feed.xml"], state=state, indexed=indexed).loaded.documents
    assert (site.counts["/news/harbour"], site.counts["/news/bridge"]) == pages
    # a document missing from the index (rebuilt, deleted) is fetched again
    assert len(load([f"{site.url}/feed.xml"], state=first.state).loaded.documents) == 3


def test_the_index_follows_a_feed_and_a_failing_source_loses_nothing(site: NewsSite, make_assistant) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = make_assistant()
    wire = article_page("Storm closes harbour", HARBOUR[:2], date="2026-03-01", site="Coast Wire")
    site.route("/wire/a", wire)
    site.route("/copy/a", wire.replace("Coast Wire", "Valley Daily"))
    feed = site.route("/own.xml", _rss(site.url).replace("/news/bridge", "/wire/a").replace("/news/buses", "/copy/a")
                      .replace("<content:encoded>", "<x>").replace("</content:encoded>", "</x>"), "application/rss+xml")
    with Fetcher(limits()) as fetcher:
        report = assistant.index([feed], fetcher=fetcher)
        assert len(report.added) == 3 and report.n_copies == 1  # the wire story, printed by two outlets
        site.route("/own.xml", "boom", "text/plain", status=500)
        failed = assistant.index([feed], fetcher=fetcher)
        assert "HTTP 500" in str(failed.skipped[0]) and failed.n_documents == 3 and not failed.removed
        # the article is updated at its source: same id, new text and date (the module's other tests read the
        # original again, whatever order they run in)
        original = site.routes["/news/harbour"]
        site.route("/news/harbour", article_page("Harbour reopens after storm", [*HARBOUR, "Update: the pier opened."],
                                                 date="2026-03-04", canonical=f"{site.url}/news/harbour"))
        try:
            again = assistant.index([f"{site.url}/news/harbour"], fetcher=fetcher)
        finally:
            site.routes["/news/harbour"] = original
    doc = assistant.document(web_id(f"{site.url}/news/harbour"))
    assert again.updated == [doc.id] and doc.published == "2026-03-04" and "pier opened" in doc.text
    assert len(assistant.documents()) == 3
    assert assistant.watched().sources[feed]["error"] == "HTTP 500 Internal Server Error"


def test_sources_json_records_each_sources_kind_counts_and_watch_mark_beside_other_writers(  # type: ignore[no-untyped-def]
    site: NewsSite, make_assistant
) -> None:
    """One record of an index's URL sources: each poll's counts; a feed marked watched; no writer drops another's."""
    assistant: Assistant = make_assistant()
    feed, page = f"{site.url}/feed.xml", f"{site.url}/news/bridge"
    with Fetcher(limits()) as fetcher:
        assistant.index([feed], fetcher=fetcher, watch=True)
        first = {s.url: s for s in assistant.watched().listing()}[feed]
        assert (first.kind, first.watched, first.added, first.updated, first.unchanged, first.failed) == ("feed", True, 3, 0, 0, 0)
        assert first.checked and first.counts() == "3 added, 0 updated, 0 unchanged, 0 failed"
        # Another writer records a source while this one builds: its record survives this one's save.
        state_file = assistant.index_dir / "sources.json"
        other = WebState.load(state_file)
        other.sources["https://elsewhere.example/feed.xml"] = {"kind": "feed", "watch": True, "entries": {}}
        other.save(state_file)
        assistant.index([page], fetcher=fetcher, watch=True)  # an article page: indexed, not watched
        assistant.index([feed], fetcher=fetcher)  # polled again without watch=True: the mark stays
    listing = {s.url: s for s in assistant.watched().listing()}
    assert set(listing) == {feed, page, "https://elsewhere.example/feed.xml"}
    assert listing[page].kind == "article" and not listing[page].watched
    assert listing[feed].watched and listing[feed].counts() == "0 added, 0 updated, 3 unchanged, 0 failed"
    assert assistant.watched().watched_urls() == [feed, "https://elsewhere.example/feed.xml"]
    assert [s.url for s in assistant.watched().listing()][:2] == sorted([feed, "https://elsewhere.example/feed.xml"])


def test_a_feed_cut_to_max_articles_is_a_load_warning(site: NewsSite, make_assistant) -> None:  # type: ignore[no-untyped-def]
    """rag index prints the build's load warnings: a feed read only in part is one of them, not a silent log line."""
    assistant: Assistant = make_assistant()
    feed = f"{site.url}/feed.xml"
    with Fetcher(FetchLimits(allow_hosts=LOOPBACK, min_interval_s=0.0, timeout_s=0.5, max_articles=2)) as fetcher:
        report = assistant.index([feed], fetcher=fetcher)
    assert len(report.added) == 2
    assert report.warnings == [f"{feed}: 3 entries, read the first 2 only (the fetcher's max_articles)"]
