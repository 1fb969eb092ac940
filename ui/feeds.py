"""Adding a feed or article URL from the UI: the path ``rag index URL`` takes, and the feed recorded as watched.

The URL goes to :meth:`rag.Assistant.index` with a fetcher of the server's
own limits (``rag ui --allow-host HOST --timeout S``, as ``rag index`` and
``rag watch`` take them), so the fetcher's rules hold: only http(s), private
and loopback addresses refused unless allowed, robots.txt, size and time
caps. A feed (or sitemap, or list of URLs) is marked watched in the index's
``sources.json``, the one record of its URL sources: the Index panel lists
it, and ``rag watch`` on the index polls it without being told. A URL that
could not be read at all is not kept there (the person is told why, in one
line). Nothing indexed is removed (``prune=False``), as for uploads.

Example:
    >>> report = add_url(assistant, "https://example.com/feed.xml", FetchLimits())  # doctest: +SKIP
    >>> report.added, report.watched  # doctest: +SKIP
    (('example-com-news-harbour-1a2b3c4d',), True)
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from rag import Assistant, Fetcher, FetchLimits, InputError, redact

__all__ = ["MAX_URL_CHARS", "FeedReport", "add_url", "check_url"]

MAX_URL_CHARS = 2048


@dataclass(frozen=True)
class FeedReport:
    """What adding a URL did.

    Attributes:
        url: The URL as added (credentials masked).
        added: Ids of the articles added or updated; searchable now.
        unchanged: How many of its articles the index held already, unchanged.
        failed: One line per article or source that could not be read (``"URL: reason"``).
        warnings: The build's load warnings, as ``rag index`` prints them (e.g. a feed cut to ``max_articles``).
        notes: The build's notes (e.g. that the default index's sample articles made way).
        watched: Whether the URL is now recorded as watched (a feed, sitemap or list of URLs).
    """

    url: str
    added: tuple[str, ...] = ()
    unchanged: int = 0
    failed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    watched: bool = False


def check_url(text: str) -> str:
    """``text`` stripped, when it is an ``http(s)`` URL with a host; else :class:`rag.InputError` in one line.

    Example:
        >>> check_url("  https://example.com/feed.xml ")
        'https://example.com/feed.xml'
        >>> check_url("example.com/feed.xml")
        Traceback (most recent call last):
        ...
        rag._exceptions.InputError: not a web address: 'example.com/feed.xml'; give a feed or article URL starting with http:// or https://
    """
    url = (text or "").strip()
    if not url:
        raise InputError("no URL given: paste a feed or article URL, e.g. https://example.com/feed.xml")
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"the URL is {len(url)} characters long; at most {MAX_URL_CHARS}")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a port that is no number, an unclosed [IPv6 bracket
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in url):
        shown = redact(url if len(url) <= 80 else url[:80] + "…")
        raise InputError(f"not a web address: {shown!r}; give a feed or article URL starting with http:// or https://")
    return url


def add_url(assistant: Assistant, text: str, limits: FetchLimits) -> FeedReport:
    """Index the feed, sitemap, list of URLs or article at ``text`` as ``rag index URL`` does; mark a feed watched.

    Args:
        assistant: The assistant whose index the articles go into.
        text: The URL as typed.
        limits: The server's fetch limits (``--allow-host``, ``--timeout``).

    Raises:
        InputError: ``text`` is not an http(s) URL.
        RagError: The build failed (e.g. nothing could be fetched and there is no index yet); the index is unchanged.
    """
    url = check_url(text)
    known = url in assistant.watched().sources
    with Fetcher(limits) as fetcher:
        report = assistant.index([url], prune=False, fetcher=fetcher, watch=True)
    record = assistant.watched().sources.get(url, {})
    if not known and record.get("error"):  # never read: the person sees why; the panel's list does not keep it
        assistant.forget_sources([url])
    added = tuple(dict.fromkeys([*report.added, *report.updated]))
    return FeedReport(
        url=redact(url),
        added=added,
        unchanged=len([i for i in dict.fromkeys(report.unchanged) if i not in added]),
        failed=tuple(redact(f"{s.source}: {s.reason}") for s in report.skipped),
        warnings=tuple(redact(line) for line in report.warnings),
        notes=tuple(report.notes),
        watched=bool(record.get("watch")),
    )
