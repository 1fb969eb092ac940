"""News from the web: article URLs, RSS/Atom feeds, news sitemaps and lists of URLs as :class:`SourceDocument`s.

:func:`load_sources` takes what ``rag index`` and ``rag watch`` are given,
files, folders and ``http(s)`` URLs, and returns one :class:`LoadResult`, as
:func:`rag._loading.load_paths` does, so ingestion is unchanged:

- an **article** page: its main text and metadata extracted by trafilatura
  (:func:`rag._loading.extract_html`): title, date, outlet (``og:site_name``,
  else the host), author and canonical URL;
- an **RSS or Atom feed** (feedparser): every entry is an article, from the
  entry's own full content when the feed carries it, else from its linked
  page; the entry's date and author fill in what the page lacks, and an
  entry's ``updated`` date later than the page's is the document's date;
- a **news sitemap** (``<urlset>``, with ``news:`` dates and titles; a
  sitemap index is followed one level) and a **list of URLs** (a ``text/plain``
  URL, or a local ``.txt`` file given directly whose lines are all URLs).

A document's id and source come from its canonical URL, so indexing it again
updates it instead of adding a copy. A canonical URL on another host is not
believed (a page could otherwise claim another outlet's article and replace
it); the fetched URL is used then.

:class:`WebState` (``sources.json`` in the index folder, written atomically)
keeps each URL's ``ETag``/``Last-Modified`` and a fingerprint of each entry,
so polling again sends conditional requests and fetches only new or changed
entries. Validators are kept only when every entry of that poll was read,
so an entry that failed is tried again next time.

Trade-offs: a failure (refused, unreachable, malformed) is one
:class:`Skipped` line for that URL or entry; documents from URLs are never
pruned, so a feed that fails, or drops an old entry, loses nothing indexed.

Example:
    >>> from rag._fetch import Fetcher, FetchLimits
    >>> result = load_sources(["https://example.com/feed.xml"], fetcher=Fetcher(FetchLimits()))  # doctest: +SKIP
    >>> [d.outlet for d in result.loaded.documents]  # doctest: +SKIP
    ['Example News', 'Example News']
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
import re
import urllib.parse
from collections.abc import Container, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ._atomic import write_atomic
from ._dates import parse_date
from ._exceptions import FetchError
from ._fetch import Fetcher, Response
from ._loading import LoadResult, Meta, Skipped, Unusable, extract_html, load_paths, make_document
from ._text import one_line
from ._types import SourceDocument

__all__ = ["STATE_FILE", "WATCHABLE", "WatchedSource", "WebLoad", "WebState", "is_web_url", "load_sources", "web_id"]

log = logging.getLogger("rag")

STATE_FILE = "sources.json"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FULL_CONTENT_WORDS = 40  # fewer words in an entry's content is a summary: the page is fetched instead
_URL_LIST_BYTES = 1024 * 1024
WATCHABLE = ("feed", "sitemap", "list")  # kinds of source that name further articles: worth polling again


def is_web_url(text: str | Path) -> bool:
    """Whether ``text`` is a URL (``scheme://…``; anything else is a path). Only http(s) is fetched: the
    fetcher refuses the other schemes with one line, instead of a "no such file" for ``ftp://…``.

    Example:
        >>> is_web_url("https://example.com/feed.xml"), is_web_url("ftp://example.com/a"), is_web_url("articles/")
        (True, True, False)
    """
    return isinstance(text, str) and re.match(r"(?i)[a-z][a-z0-9+.-]*://", text.strip()) is not None


def normalized(url: str) -> str:
    """``url`` without its fragment, default port or ``www.``-case noise: what makes an id stable."""
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def web_id(url: str) -> str:
    """The document id of an article URL: readable host and path, and a hash of the whole URL.

    Example:
        >>> web_id("https://www.example.com/news/2026/harbour-reopens?ref=rss")
        'example-com-news-2026-harbour-reopens-7e6d76ff'
    """
    url = normalized(url)
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    host = host[4:] if host.startswith("www.") else host
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host}{parts.path}".lower()).strip("-")[:60].strip("-")
    return f"{slug or 'web'}-{hashlib.sha1(url.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class WatchedSource:
    """One URL source as polling last recorded it: what :meth:`WebState.listing` gives (the UI's index panel).

    Attributes:
        url: The source's URL (``file:<path>`` for a local list of URLs).
        kind: ``feed``, ``sitemap``, ``list`` or ``article``; ``None`` when it never answered.
        watched: Whether ``rag watch`` polls it without being told (added with "Add feed URL", or ``watch=True``).
        checked: When it was last polled (ISO 8601, UTC), or ``None``.
        added / updated / unchanged / failed: Its articles at that poll.
        documents: Its articles known to the index.
        error: Why the last poll of the source itself failed, or ``None``.

    Example:
        >>> WatchedSource("https://example.com/feed.xml", "feed", True, None).counts()
        '0 added, 0 updated, 0 unchanged, 0 failed'
    """

    url: str
    kind: str | None
    watched: bool
    checked: str | None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    documents: int = 0
    error: str | None = None

    def counts(self) -> str:
        """``3 added, 1 updated, 5 unchanged, 0 failed``: the last poll's outcome, as ``rag watch`` prints a cycle's."""
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"


@dataclass
class WebState:
    """What polling remembers per source URL: validators, entry fingerprints, kind, last check and counts.

    It is the one record of an index's URL sources (``sources.json``):
    ``rag index`` and ``rag watch`` write it after each build, the UI's
    "Add feed URL" marks a feed ``watch``, and ``rag watch`` polls the
    sources so marked besides those it is given.

    Example:
        >>> state = WebState()
        >>> state.sources["https://example.com/feed.xml"] = {"etag": '"v1"', "entries": {}}
        >>> WebState.from_json(state.to_json()).sources["https://example.com/feed.xml"]["etag"]
        '"v1"'
    """

    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> WebState:
        """The state at ``path``; empty when there is none or it can't be read (it is only a cache)."""
        try:
            return cls.from_json(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as error:
            log.warning("%s: unreadable, polling starts afresh (%s)", path, error)
            return cls()

    @classmethod
    def from_json(cls, text: str) -> WebState:
        data = json.loads(text)
        sources = data.get("sources") if isinstance(data, dict) else None
        if not isinstance(sources, dict):
            raise ValueError("no 'sources' object")
        return cls({str(k): v for k, v in sources.items() if isinstance(v, dict)})

    def to_json(self) -> str:
        return json.dumps({"version": 1, "sources": self.sources}, indent=1, sort_keys=True)

    def save(self, path: Path) -> None:
        """Write the state atomically: a crash leaves the old file or the new one."""
        write_atomic(path, self.to_json())

    def save_sources(self, path: Path, keys: Iterable[str]) -> None:
        """Write this state's records of ``keys`` into the file at ``path``, keeping every other record there.

        A build polls some sources; another process (``rag watch``, the UI)
        may have recorded others meanwhile. Only the polled ones are
        replaced, so no writer drops what another recorded; a ``watch`` mark
        set by either stays.
        """
        latest = WebState.load(path)
        for key in keys:
            record = self.sources.get(key)
            if record is None:
                continue
            if latest.sources.get(key, {}).get("watch"):
                record = {**record, "watch": True}
            latest.sources[key] = record
        latest.save(path)

    @staticmethod
    def forget_sources(path: Path, keys: Iterable[str]) -> None:
        """Remove the records of ``keys`` from the file at ``path``, keeping every other record there."""
        latest = WebState.load(path)
        dropped = [key for key in keys if latest.sources.pop(key, None) is not None]
        if dropped:
            latest.save(path)

    def watched_urls(self) -> list[str]:
        """The URLs marked ``watch``: those ``rag watch`` polls besides the sources it is given.

        Example:
            >>> WebState({"https://a.org/feed": {"watch": True}, "https://b.org/x": {}}).watched_urls()
            ['https://a.org/feed']
        """
        return [url for url, record in self.sources.items() if record.get("watch") and is_web_url(url)]

    def listing(self) -> list[WatchedSource]:
        """Every recorded source, watched ones first, then by URL.

        Example:
            >>> state = WebState({"https://a.org/feed": {"kind": "feed", "watch": True, "checked": "2026-12-02T21:40:00+00:00",
            ...                                          "added": 2, "unchanged": 3, "documents": 5}})
            >>> [(s.url, s.kind, s.watched, s.counts()) for s in state.listing()]
            [('https://a.org/feed', 'feed', True, '2 added, 0 updated, 3 unchanged, 0 failed')]
        """

        def number(record: dict[str, Any], name: str) -> int:
            value = record.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        found = [
            WatchedSource(url, record.get("kind") if isinstance(record.get("kind"), str) else None, bool(record.get("watch")),
                          record.get("checked") if isinstance(record.get("checked"), str) else None,
                          number(record, "added"), number(record, "updated"), number(record, "unchanged"),
                          number(record, "failed"), number(record, "documents"),
                          record.get("error") if isinstance(record.get("error"), str) else None)
            for url, record in self.sources.items()
        ]
        return sorted(found, key=lambda s: (not s.watched, s.url))

    def tally(self, keys: Iterable[str], added: Container[str], updated: Container[str], *, watch: bool = False) -> None:
        """Count each polled source's articles by what the build did with them, and mark feeds ``watch``.

        Args:
            keys: The sources polled this time (:attr:`WebLoad.polled`).
            added / updated: Document ids the build added and updated; the
                source's other readable articles count as unchanged.
            watch: Mark the polled feeds, sitemaps and lists of URLs for
                ``rag watch`` (a single article page is indexed, not watched).
        """
        for key in keys:
            record = self.sources.get(key)
            if record is None:
                continue
            ids = [e.get("id") for e in (record.get("entries") or {}).values() if isinstance(e, dict)]
            record["added"] = sum(1 for i in ids if i in added)
            record["updated"] = sum(1 for i in ids if i in updated)
            record["unchanged"] = len(ids) - record["added"] - record["updated"]
            if watch and record.get("kind") in WATCHABLE:
                record["watch"] = True


@dataclass
class WebLoad:
    """What :func:`load_sources` found.

    Attributes:
        loaded: The documents and skips, for :func:`rag._ingest.build_index`.
        unchanged: Ids of indexed documents whose entries had not changed (not fetched again).
        state: The polling state to save once the documents are indexed.
        polled: The keys of ``state.sources`` this load polled (the others are as earlier polls left them).
    """

    loaded: LoadResult
    unchanged: list[str]
    state: WebState
    polled: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    """One article a feed, sitemap or list names."""

    url: str
    key: str
    fingerprint: str = ""
    title: str = ""
    published: str | None = None
    updated: str | None = None
    author: str | None = None
    content: str | None = None  # the full text's HTML, when the feed carries it


def load_sources(
    sources: Iterable[str | Path],
    *,
    fetcher: Fetcher | None,
    max_file_bytes: int | None = None,
    state: WebState | None = None,
    indexed: Container[str] = frozenset(),
) -> WebLoad:
    """Load files, folders and URLs into one result.

    Args:
        sources: Paths (as :func:`rag._loading.load_paths` takes) and ``http(s)`` URLs.
        fetcher: Fetches the URLs (``None`` when there are none).
        max_file_bytes: The size limit of files (default: load_paths's).
        state: What earlier polls recorded (not changed; the new state is returned).
        indexed: Ids the index holds: an entry recorded as seen whose
            document is not there is fetched again, and no validators are sent.

    Returns:
        A :class:`WebLoad`.
    """
    state = WebState(copy.deepcopy(state.sources)) if state else WebState()
    paths: list[str | Path] = []
    lists: list[tuple[str, list[_Entry]]] = []
    urls: list[str] = []
    for source in sources:
        if is_web_url(source):
            urls.append(str(source).strip())
            continue
        listed = _url_list_file(Path(source))
        if listed is None:
            paths.append(source)
        else:
            lists.append((f"file:{Path(source).resolve()}", listed))
    loaded = load_paths(paths) if max_file_bytes is None else load_paths(paths, max_file_bytes=max_file_bytes)
    out = WebLoad(loaded, [], state)
    if not urls and not lists:
        return out
    if fetcher is None:
        raise FetchError("URLs were given but no fetcher: pass Fetcher(FetchLimits(...))")
    poller = _Poller(fetcher, out, indexed)
    for key, entries in lists:
        poller.entries(key, entries, validators=None, kind="list")
    for url in urls:
        poller.source(url)
    return out


def _url_list_file(path: Path) -> list[_Entry] | None:
    """The entries of a local ``.txt`` file whose every line is a URL; ``None`` for any other path."""
    try:
        if path.suffix.lower() != ".txt" or not path.is_file() or path.stat().st_size > _URL_LIST_BYTES:
            return None
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return None  # load_paths says why
    return _url_lines(text)


def _url_lines(text: str) -> list[_Entry] | None:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines or not all(re.match(r"(?i)https?://\S+$", line) for line in lines):
        return None
    return [_Entry(url=line, key=normalized(line)) for line in dict.fromkeys(lines)]


class _Poller:
    """Reads URL sources into one :class:`WebLoad`, recording their state."""

    def __init__(self, fetcher: Fetcher, out: WebLoad, indexed: Container[str]):
        self.fetcher, self.out, self.indexed = fetcher, out, indexed
        self.ids = {doc.id for doc in out.loaded.documents}

    def source(self, url: str) -> None:
        prior = self.out.state.sources.get(url, {})
        entries = prior.get("entries") or {}
        complete = all(isinstance(e, dict) and e.get("id") in self.indexed for e in entries.values())
        try:
            response = self.fetcher.get(url, etag=prior.get("etag") if complete else None,
                                        last_modified=prior.get("last_modified") if complete else None)
            if response.status == 304:
                self.out.unchanged.extend(e["id"] for e in entries.values())
                self._record(url, prior, entries, response, failed=0, unchanged=len(entries), kind=prior.get("kind"))
                return
            kind = _kind(response)
            if kind == "article":
                self.entries(url, [_Entry(url=url, key=normalized(url))], validators=response, page=response, kind=kind)
                return
            partial = False  # a sitemap index's sitemap failed: its validators must not hide it next time
            if kind == "sitemap":
                found, partial = self._sitemap_entries(response)
            else:
                found = _feed_entries(response) if kind == "feed" else _url_lines(response.text())
            if found is None:
                raise Unusable(f"not a feed, sitemap, list of URLs or HTML page (content type {response.content_type or 'unknown'})")
        except (FetchError, Unusable) as error:
            self._fail(url, str(error))
            self._record(url, prior, entries, None, failed=1, unchanged=0, error=_reason(url, str(error)),
                         kind=prior.get("kind"))
            return
        limit = self.fetcher.limits.max_articles
        if len(found) > limit:  # a bound on one source's cost: said like any value a load lost
            line = f"{url}: {len(found)} entries, read the first {limit} only (the fetcher's max_articles)"
            self.out.loaded.warnings.append(line)
            log.warning("%s", line)
        self.entries(url, found[:limit], validators=None if partial else response, kind=kind)

    def entries(self, source: str, entries: list[_Entry], *, validators: Response | None,
                page: Response | None = None, kind: str | None = None) -> None:
        """Read every new or changed entry of ``source``; record the state (validators only if none failed)."""
        prior = self.out.state.sources.get(source, {})
        seen = prior.get("entries") or {}
        kept: dict[str, dict[str, str]] = {}
        failed = unchanged = 0
        for entry in entries:
            before = seen.get(entry.key)
            if (page is None and isinstance(before, dict) and before.get("fp") == entry.fingerprint
                    and before.get("id") in self.indexed):
                kept[entry.key] = before
                self.out.unchanged.append(before["id"])
                unchanged += 1
                continue
            try:
                doc = _entry_document(entry, page or self._page(entry))
            except (FetchError, Unusable) as error:
                self._fail(entry.url, str(error))
                failed += 1
                continue
            except Exception as error:  # noqa: BLE001 - a parser's own failure costs this entry only
                self._fail(entry.url, f"could not be read ({type(error).__name__}: {one_line(error)})")
                failed += 1
                continue
            kept[entry.key] = {"fp": entry.fingerprint, "id": doc.id}
            if doc.id not in self.ids:  # the same article through two feeds is read once
                self.ids.add(doc.id)
                self.out.loaded.documents.append(doc)
        self._record(source, prior, kept, validators if not failed else None, failed=failed, unchanged=unchanged,
                     kind=kind)

    def _page(self, entry: _Entry) -> Response | None:
        """The entry's page, or ``None`` when the feed carries its full text."""
        if entry.content and len(_fragment_text(entry.content).split()) >= _FULL_CONTENT_WORDS:
            return None
        if not entry.url:
            raise Unusable("the entry has no link and no full content")
        return self.fetcher.get(entry.url)

    def _sitemap_entries(self, response: Response) -> tuple[list[_Entry], bool]:
        """A sitemap's entries (a sitemap index's sitemaps read, one level), and whether one of those failed."""
        entries, children = _sitemap(response.body)
        failed = False
        for child in children[:10]:  # a sitemap index: one level, a few sitemaps
            try:
                entries.extend(_sitemap(self.fetcher.get(child).body)[0])
            except (FetchError, Unusable) as error:
                self._fail(child, str(error))
                failed = True
        return entries, failed

    def _fail(self, url: str, message: str) -> None:
        skipped = Skipped(url, _reason(url, message))
        self.out.loaded.skipped.append(skipped)
        log.warning("%s", skipped)

    def _record(self, source: str, prior: dict[str, Any], entries: dict[str, Any], response: Response | None, *,
                failed: int, unchanged: int, error: str | None = None, kind: str | None = None) -> None:
        if source not in self.out.polled:
            self.out.polled.append(source)
        self.out.state.sources[source] = {
            "kind": kind,
            "watch": bool(prior.get("watch")),
            "etag": response.etag if response else None,
            "last_modified": response.last_modified if response else None,
            "entries": entries,
            "checked": datetime.now(UTC).isoformat(timespec="seconds"),
            "documents": len(entries),
            "unchanged": unchanged,
            "failed": failed,
            "error": error,
            "added_at": prior.get("added_at") or datetime.now(UTC).isoformat(timespec="seconds"),
        }


def _reason(url: str, message: str) -> str:
    """A fetch error's message without the URL the skip line names already."""
    return message.removeprefix(f"{url}: ")


def _kind(response: Response) -> str:
    """``feed``, ``sitemap``, ``list`` or ``article``, from the body's first element and the content type."""
    head = response.body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    head = re.sub(rb"<\?xml[^>]*\?>|<!--.*?-->|<!doctype[^>]*>|<\?xml-stylesheet[^>]*\?>|\s+", b" ", head, flags=re.S).strip()
    if re.match(rb"<(?:rss|feed|rdf:rdf)\b", head):
        return "feed"
    if re.match(rb"<(?:urlset|sitemapindex)\b", head):
        return "sitemap"
    kind = response.content_type
    if kind == "text/plain":
        return "list"
    if kind in _HTML_TYPES or head.startswith(b"<html") or (not kind and b"<html" in head):
        return "article"
    if "rss" in kind or "atom" in kind or kind.endswith("xml"):
        return "feed"  # a malformed feed: feedparser says what is wrong
    return "other"


def _struct_date(value: Any) -> str | None:
    """A feedparser ``*_parsed`` time tuple as ``YYYY-MM-DD``; ``None`` when missing or impossible."""
    try:
        return date(*value[:3]).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def _feed_entries(response: Response) -> list[_Entry]:
    import feedparser

    # A file-like object, never a string: feedparser fetches a URL string and opens a path string itself.
    parsed = feedparser.parse(io.BytesIO(response.body), response_headers={
        "content-location": response.url, "content-type": f"{response.content_type}; charset={response.charset}"
        if response.charset else response.content_type or "application/xml"})
    # A broken feed still yields what feedparser recovered; an entry with neither link nor content is no article.
    usable = [item for item in parsed.entries if item.get("link") or item.get("content")]
    if not usable:
        problem = parsed.get("bozo_exception")
        detail = one_line(problem) if problem else "no entry with a link or content"
        raise Unusable(f"not a readable feed ({detail})")
    entries = []
    for item in usable:
        link = urllib.parse.urljoin(response.url, item.get("link") or "") if item.get("link") else ""
        contents = item.get("content") or []
        content = max((c.get("value") or "" for c in contents), key=len, default="") or None
        title = _plain(item.get("title") or "")
        published = _struct_date(item.get("published_parsed")) or parse_date(item.get("published"))
        updated = _struct_date(item.get("updated_parsed")) or parse_date(item.get("updated"))
        fingerprint = hashlib.sha256(json.dumps(
            [link, title, item.get("updated") or item.get("published") or "", content or item.get("summary") or ""]
        ).encode()).hexdigest()[:16]
        key = str(item.get("id") or link or title)
        entries.append(_Entry(url=link, key=key, fingerprint=fingerprint, title=title, published=published,
                              updated=updated if updated != published else None,
                              author=_plain(item.get("author") or "") or None, content=content))
    return entries


def _sitemap(body: bytes) -> tuple[list[_Entry], list[str]]:
    """A sitemap's articles (with ``news:`` title and date) and, for a sitemap index, its sitemaps."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise Unusable(f"not a readable sitemap ({one_line(error)})") from None

    def text(node: Any, path: str) -> str:
        found = node.find(path)
        return (found.text or "").strip() if found is not None else ""

    children = [text(s, "{*}loc") for s in root.iter("{*}sitemap") if text(s, "{*}loc")]
    entries = []
    for node in root.iter("{*}url"):
        loc = text(node, "{*}loc")
        if not loc:
            continue
        published = parse_date(text(node, "{*}news/{*}publication_date"))
        lastmod = text(node, "{*}lastmod")
        entries.append(_Entry(url=loc, key=normalized(loc), fingerprint=lastmod or (published or ""),
                              title=_plain(text(node, "{*}news/{*}title")), published=published,
                              updated=parse_date(lastmod) if parse_date(lastmod) != published else None))
    return entries, children


def _plain(markup: str) -> str:
    """Text of a title or name that may hold markup or entities, on one line."""
    if "<" in markup or "&" in markup:
        markup = _fragment_text(markup)
    return " ".join(markup.split())


def _fragment_text(fragment: str) -> str:
    """The text of an HTML fragment, a paragraph per block."""
    import lxml.html
    from lxml.etree import ParserError

    marked = re.sub(r"(?i)<br\s*/?>|</(?:p|div|h[1-6]|li|blockquote|tr)>", "\n\n", fragment)
    try:
        return lxml.html.fragment_fromstring(marked, create_parent="div").text_content()
    except (ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", fragment)


def _same_site(canonical: str | None, fetched: str) -> str:
    """``canonical`` when it is on the fetched URL's host (``www.`` aside), else ``fetched``."""

    def host(url: str) -> str:
        name = (urllib.parse.urlsplit(url).hostname or "").lower()
        return name[4:] if name.startswith("www.") else name

    if canonical and re.match(r"(?i)https?://", canonical) and host(canonical) == host(fetched):
        return canonical
    return fetched


def _entry_document(entry: _Entry, page: Response | None) -> SourceDocument:
    """The document of an entry: its page's text and metadata, the entry filling in what the page lacks."""
    if page is None:  # the feed carries the full text
        url = normalized(entry.url) if entry.url else f"{entry.key}"
        text = _fragment_text(entry.content or "")
        meta = Meta(url=entry.url or None, published=entry.updated or entry.published, author=entry.author)
        return make_document(web_id(url), entry.title, url, f"{entry.title}\n\n{text}" if entry.title else text, meta)
    if page.content_type not in _HTML_TYPES and not page.body.lstrip()[:100].lower().startswith((b"<!doctype html", b"<html")):
        raise Unusable(f"not an HTML page (content type {page.content_type or 'unknown'})")
    title, text, meta = extract_html(page.text())
    url = normalized(_same_site(meta.url, page.url))
    dated = [d for d in (meta.published, entry.updated) if d]
    meta = replace(meta, url=url, published=max(dated) if dated else entry.published,
                   author=meta.author or entry.author)
    return make_document(web_id(url), title or entry.title, url, text, meta)
