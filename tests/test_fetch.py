"""The polite fetcher (rag/_fetch.py) against a real HTTP server on loopback: how it introduces itself, robots.txt,
its pace per host, its size limits and how it decodes text. Feeds and pages built from fetches: tests/test_feeds.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib import metadata

import pytest
from helpers import NewsSite

from rag import FetchError
from rag._fetch import Fetcher, FetchLimits, Response, user_agent

LOOPBACK = frozenset({"127.0.0.1"})


@pytest.fixture()
def site() -> Iterator[NewsSite]:
    site = NewsSite()  # a server of its own per test: robots.txt and request counts differ between tests
    yield site
    site.close()


def fetcher(**limits: object) -> Fetcher:
    return Fetcher(FetchLimits(**{"allow_hosts": LOOPBACK, "min_interval_s": 0.0, "timeout_s": 2.0, **limits}))  # type: ignore[arg-type]


def test_every_request_names_the_product_asks_for_gzip_and_ignores_proxies(site: NewsSite,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would see (and could redirect) what the address check let through.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    page = site.route("/page", "<p>hello</p>")
    with fetcher() as f:
        assert f.get(page).status == 200
    assert user_agent() == f"rag-news/{metadata.version('rag-news')}"
    assert site.headers[-1]["user-agent"] == user_agent()
    assert site.headers[-1]["accept-encoding"] == "gzip, deflate"  # what it can undo itself, no more


def test_robots_txt_is_read_once_per_host_and_obeyed_for_this_agent(site: NewsSite) -> None:
    site.route("/robots.txt", "User-agent: rag-news\nDisallow: /members/\n\nUser-agent: *\nDisallow:\n", "text/plain")
    site.route("/members/page", "<p>members only</p>")
    site.route("/open", "<p>open</p>")
    with fetcher() as f:
        with pytest.raises(FetchError, match="robots.txt disallows fetching it"):
            f.get(f"{site.url}/members/page")
        assert f.get(f"{site.url}/open").status == 200
        assert f.get(f"{site.url}/open").status == 200
        # robots.txt itself is always fetched, whatever it says about itself
        assert f.get(f"{site.url}/robots.txt").status == 200
    assert site.counts["/members/page"] == 0 and site.counts["/open"] == 2
    assert site.counts["/robots.txt"] == 2  # once for the checks (kept for an hour), once asked for by name
    with fetcher(robots=False) as f:
        assert f.get(f"{site.url}/members/page").status == 200  # robots=False reads no robots.txt


def test_robots_txt_that_forbids_everything_still_lets_itself_be_read(site: NewsSite) -> None:
    site.route("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
    with fetcher() as f:
        assert b"Disallow: /" in f.get(f"{site.url}/robots.txt").body
        with pytest.raises(FetchError, match="robots.txt disallows"):
            f.get(f"{site.url}/anything")


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_robots_txt_that_is_not_there_allows_everything_whatever_its_error_page_says(site: NewsSite, status: int) -> None:
    # RFC 9309: a 4xx means no rules. The error page's words are not rules either.
    site.route("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain", status=status)
    site.route("/open", "<p>open</p>")
    with fetcher() as f:
        assert f.get(f"{site.url}/open").status == 200


def test_a_robots_txt_that_fails_stops_everything_on_that_host(site: NewsSite) -> None:
    site.route("/robots.txt", "boom", "text/plain", status=503)
    site.route("/open", "<p>open</p>")
    with fetcher() as f, pytest.raises(FetchError, match=r"robots.txt could not be read, so nothing is fetched"):
        f.get(f"{site.url}/open")
    assert site.counts["/open"] == 0


def test_requests_to_one_host_keep_their_distance(site: NewsSite) -> None:
    site.route("/a", "<p>a</p>")
    with fetcher(min_interval_s=0.25, robots=False) as f:
        started = time.monotonic()
        for _ in range(3):
            f.get(f"{site.url}/a")
        waited = time.monotonic() - started
    assert waited >= 0.5  # three requests, two gaps of at least 0.25 s (a lower bound: sleeping never ends early)


@pytest.mark.parametrize("limit, size, shown", [(100_000, 150_000, "146 KB is over the 97.7 KB limit"),
                                                (2**20, 3 * 2**20, "3 MB is over the 1 MB limit")])
def test_a_body_over_the_limit_is_named_with_both_sizes(site: NewsSite, limit: int, size: int, shown: str) -> None:
    page = site.route("/big", b"x" * size, "text/plain")
    with fetcher(max_bytes=limit, robots=False) as f, pytest.raises(FetchError) as failed:
        f.get(page)
    assert str(failed.value) == f"{page}: {shown}"


def test_text_is_decoded_in_its_declared_charset_else_utf8_and_never_fails() -> None:
    assert Response("u", 200, "café".encode("latin-1"), "text/html", "latin-1").text() == "café"
    assert Response("u", 200, "café".encode(), "text/html", None).text() == "café"
    assert Response("u", 200, "café".encode(), "text/html", "x-no-such-charset").text() == "café"
    assert Response("u", 200, b"caf\xff", "text/html", None).text() == "caf\ufffd"
    assert Response("u", 200, b"caf\xff", "text/html", "x-no-such-charset").text() == "caf\ufffd"
