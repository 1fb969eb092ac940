"""Loading articles from files and folders into :class:`SourceDocument` objects.

Supported: ``.txt``, ``.md``, ``.html``/``.htm`` (main text extracted by
trafilatura), ``.pdf`` (pypdf) and ``.json``/``.jsonl`` records with
``title``, ``text`` or ``body``, and optional ``id``, ``url``, ``published``
(or ``date``), ``outlet`` (or ``source``) and ``author``. Text is UTF-8, or
the East Asian encoding charset detection finds, or Windows-1252.

Every document carries its publication date, outlet and author where the
file says them (:class:`Meta`): HTML metadata (trafilatura/htmldate: meta
tags, JSON-LD, URL), a JSON record's fields, a text file's front matter or
its dateline/"Published …" line, a PDF's metadata. The outlet falls back to
the URL's host, the date to the URL's ``/2021/08/09/``. Never the file's
modification time.

Trade-offs: a file that can't be used (unsupported type, binary, empty,
oversized, unreadable, or one its parser fails on in any way, e.g. JSON
nested too deeply) is skipped with one reason line and never aborts the
run, because one bad file in a folder of thousands should not cost the rest.
Each skip names the file it concerns, so a re-index can keep that file's
earlier documents instead of treating it as deleted.
Document ids come from the path relative to the folder that was given (or
the file name), so the same folder gives the same ids on every machine; a
clash between two sources is broken by a short hash of the source path (and
on update, a document already indexed keeps its id: ``rag._ingest``).

Example:
    >>> result = load_paths(["rag/data/articles"])  # doctest: +SKIP
    >>> [d.id for d in result.documents]  # doctest: +SKIP
    ['russia-china-drill-report', 'zapad-interaction-2021-begins']
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import io
import json
import logging
import re
import stat
import urllib.parse
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._dates import dateline_outlet, parse_date, text_date, url_date
from ._text import clean_text, one_line
from ._types import SourceDocument

__all__ = [
    "DEFAULT_MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "LoadResult", "Meta", "Skipped", "Unusable", "cut_title", "extract_html",
    "load_paths", "make_document",
]

log = logging.getLogger("rag")

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".jsonl", ".csv")
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
_TITLE_CHARS = 120


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not loaded, and why.

    Attributes:
        source: The file, or ``"<file>:<record number>"`` for a record.
        reason: Why, in one line.
        file: The existing file this concerns (the ``source`` of its
            documents); ``None`` for a path that does not exist.
    """

    source: str
    reason: str
    file: str | None = None

    def __str__(self) -> str:
        # A file name may hold a newline or an escape sequence: quote it, so one skip stays one line
        # and can't pass for a line of its own ("evil\nwarning: fake.txt").
        return f"skipped {_shown_path(self.source)}: {_escape_controls(self.reason)}"


def _shown_path(path: str) -> str:
    """``path`` as it is if it prints plainly on one line, else Python-quoted (``'evil\\nname.txt'``)."""
    return path if path.isprintable() and path == path.strip() else repr(path)


def _escape_controls(text: str) -> str:
    """``text`` with non-printable characters (newlines, escapes) written as ``\\n``-style escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class LoadResult:
    """What :func:`load_paths` found: documents and skipped sources.

    Attributes:
        documents: Loaded documents, in a stable (sorted path) order.
        skipped: One entry per file or record that could not be used.
        roots: The resolved paths that were given, for scoping removals.
        warnings: One line per value a loaded document lost (an invalid
            date), naming the file and the value.
    """

    documents: list[SourceDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Unusable(Exception):
    """A file, record or fetched page can't be used; the message is the reason, in one line.

    Example:
        >>> str(Unusable("no text after cleaning (empty file)"))
        'no text after cleaning (empty file)'
    """


def load_paths(paths: Iterable[str | Path], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadResult:
    """Load every supported file under ``paths``.

    Args:
        paths: Files and folders; folders are walked recursively, hidden
            entries ignored.
        max_file_bytes: Files larger than this are skipped.

    Returns:
        The documents, the skipped files with reasons, and the roots.
    """
    result = LoadResult()
    seen_ids: set[str] = set()
    for root, path in _walk(paths, result):
        try:
            docs = list(_load_file(path, _base_id(root, path), max_file_bytes, result))
        except Unusable as skip:
            reason = str(skip)
        except Exception as error:  # noqa: BLE001 - see below
            # Parsers fail in their own ways (RecursionError on deep nesting,
            # a library's ValueError, MemoryError): that costs this file only.
            # KeyboardInterrupt and SystemExit are not Exceptions, so they still stop the run.
            reason = _parse_failure(error)
        else:
            reason = ""
        if reason:
            skipped = Skipped(str(path), reason, str(path))
            result.skipped.append(skipped)
            log.warning("%s", skipped)
            continue
        for doc in docs:
            doc_id = doc.id
            if doc_id in seen_ids:
                doc_id = f"{doc.id}-{hashlib.sha1(doc.source.encode()).hexdigest()[:6]}"
            suffix = 2
            while doc_id in seen_ids:
                doc_id, suffix = f"{doc.id}-{suffix}", suffix + 1
            seen_ids.add(doc_id)
            result.documents.append(doc if doc_id == doc.id else replace(doc, id=doc_id))
    return result


def _walk(paths: Iterable[str | Path], result: LoadResult) -> Iterator[tuple[Path, Path]]:
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            reason = _not_a_file(path) if path.is_symlink() else None
            _skip_path(result, path, reason or "no such file or folder", exists=False)
            continue
        resolved = path.resolve()
        if resolved.is_dir():
            result.roots.append(str(resolved))
        else:
            reason = _not_a_file(resolved)
            if reason:
                _skip_path(result, resolved, reason, exists=True)
                continue
            result.roots.append(str(resolved))
            yield resolved.parent, resolved
            continue
        indexes = _index_folders(resolved)
        for folder in indexes:
            _skip_path(result, folder, "an index folder, not articles (indexing it would index the index)", exists=False)
        for child in sorted(resolved.rglob("*")):
            relative = child.relative_to(resolved)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if any(folder == child or folder in child.parents for folder in indexes):
                continue
            if child.is_dir() and not child.is_symlink():
                continue  # rglob walks into it
            reason = _not_a_file(child)
            if reason:
                _skip_path(result, child, reason, exists=child.exists())
                continue
            outside = _link_outside(child, resolved)
            if outside:
                # A link in a folder can pull in any file the user can read (/etc/passwd was indexed):
                # only what lies in the folder is indexed from it. Not "exists": what came through it goes.
                _skip_path(result, child, f"symbolic link to {outside}, outside the folder: not followed; "
                           "give that file itself to index it", exists=False)
                continue
            yield resolved, child


def _link_outside(path: Path, root: Path) -> str | None:
    """The target of ``path`` when it is a symbolic link leading outside ``root`` (itself resolved), else ``None``."""
    if not path.is_symlink():
        return None
    target = path.resolve()
    return None if target.is_relative_to(root) else str(target)


def _index_folders(root: Path) -> list[Path]:
    """Index folders under ``root`` (a ``manifest.json`` beside ``gen-*`` folders), or ``root`` itself."""
    found = []
    for manifest in root.rglob("manifest.json"):
        if any(p.name.startswith("gen-") and p.is_dir() for p in manifest.parent.iterdir()):
            found.append(manifest.parent)
    return found


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` can't be read as a file, or ``None`` for a regular file; it is never opened.

    A FIFO is never opened, since reading one waits for a writer forever.
    Symbolic links to folders are not followed inside a folder (that is how
    loops are avoided); give the linked folder itself to index it.
    """
    try:
        mode = path.stat().st_mode  # follows symbolic links
    except OSError as error:
        if path.is_symlink() and error.errno == errno.ELOOP:
            return "symbolic link loop; fix or remove the link"
        if path.is_symlink() and error.errno in (errno.ENOENT, errno.ENOTDIR):
            return "dangling symbolic link (its target does not exist); fix or remove the link"
        return f"cannot read: {error.strerror or error}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "symbolic link to a folder, not followed; give the folder itself to index it"
    kinds = {stat.S_ISFIFO: "FIFO", stat.S_ISSOCK: "socket", stat.S_ISCHR: "character device", stat.S_ISBLK: "block device"}
    kind = next((name for test, name in kinds.items() if test(mode)), "special file")
    return f"not a regular file ({kind}); give regular files only"


def _skip_path(result: LoadResult, path: Path, reason: str, *, exists: bool) -> None:
    skipped = Skipped(str(path), reason, str(path) if exists else None)
    result.skipped.append(skipped)
    log.warning("%s", skipped)


def _base_id(root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    slug = re.sub(r"[^a-z0-9]+", "-", relative.as_posix().lower()).strip("-")
    return slug or "document"


def _load_file(path: Path, base_id: str, max_bytes: int, result: LoadResult) -> Iterator[SourceDocument]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise Unusable(f"unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # replaced since the walk; never open a FIFO
            raise Unusable(_not_a_file(path) or "not a regular file; give regular files only")
        size = status.st_size
        if size > max_bytes:
            raise Unusable(f"file is {_mb(size)} MB, over the {_mb(max_bytes)} MB limit (raise max_file_mb)")
        data = path.read_bytes()
    except OSError as error:
        raise Unusable(f"cannot read: {error.strerror or error}") from error
    source = str(path)
    if suffix == ".pdf":
        title, text, meta = _pdf(data)
        yield make_document(base_id, title, source, text, meta)
    elif suffix in (".html", ".htm"):
        title, text, meta = extract_html(_decode(data))
        yield make_document(base_id, title, source, text, meta)
    elif suffix in (".json", ".jsonl", ".csv"):
        yield from _records(_decode(data), suffix, base_id, source, result)
    else:
        raw, maps, text = _front_fields(_decode(data))
        fields = _front_meta(raw)
        for name in maps:
            line = (f"{_shown_path(source)}: front matter {name} is a map, which is not read; "
                    f"write it as one value ({name}: …) or a list")
            result.warnings.append(line)
            log.warning("%s", line)
        # The first line with a word: a leading rule (---, ***) is no title.
        first_line = next((line.lstrip("#").strip() for line in text.split("\n") if any(c.isalnum() for c in line)), "")
        date_key = next((k for k in ("published", "date") if raw.get(k)), "published")
        meta = Meta(
            url=fields.get("url"),
            published=_checked_date(raw.get(date_key), date_key, source, result) or text_date(text),
            outlet=fields.get("outlet") or dateline_outlet(text),
            author=fields.get("author") or _byline(text),
        )
        yield make_document(base_id, fields.get("title") or first_line, source, text, meta)


@dataclass(frozen=True)
class Meta:
    """What a file says about its article besides the text (each field ``None`` when it says nothing)."""

    url: str | None = None
    published: str | None = None
    outlet: str | None = None
    author: str | None = None


_BYLINE = re.compile(r"^\s*By\s+(?P<name>[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|and|de|van|von|al-\w+)){0,5})\s*(?:[|•·,]|$)")


def _byline(text: str) -> str | None:
    """The author named on a "By …" line among the first lines of a text."""
    for line in [line for line in text.splitlines()[:12] if line.strip()][:5]:
        found = _BYLINE.match(line)
        if found:
            return found.group("name").strip()
    return None


def _host(url: str | None) -> str | None:
    """A URL's host without ``www.``: the outlet when no metadata names one."""
    if not url:
        return None
    host = urllib.parse.urlsplit(url.strip()).hostname or ""
    host = host[4:] if host.startswith("www.") else host
    return host or None


_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n((?:[^\n]*\n){0,40}?)(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
_FRONT_FIELD = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML-style front matter of a .md/.txt file (``---`` … ``---`` at the top): its plain fields and the rest.

    Only ``key: value`` lines and lists (``[a, b]`` or ``- a`` lines, joined
    by ", ") are read (no YAML library: a map is ignored, with a warning
    when a file is loaded); ``title``, ``url``, ``author`` (or ``authors``), ``outlet`` (or ``source``,
    ``publisher``) and ``published`` (or ``date``, in any form
    :func:`rag._dates.parse_date` reads, kept as ``YYYY-MM-DD``) are kept. A block that is not front matter (no
    ``key: value`` line) is left in the text.

    Example:
        >>> front_matter("---\\ntitle: Storm\\ndate: 2024-05-01\\n---\\nThe storm hit.")
        ({'title': 'Storm', 'published': '2024-05-01'}, 'The storm hit.')
    """
    fields, _maps, rest = _front_fields(text)
    return _front_meta(fields), rest


_UNCLOSED = re.compile(r"\A(?:\ufeff)?---[ \t]*\n((?:(?:[A-Za-z_][\w-]*[ \t]*:|[ \t]+\S)[^\n]*\n){1,40})")


def _front_fields(text: str) -> tuple[dict[str, str], list[str], str]:
    """The front matter's fields (keys lower-cased; a list's items joined by ", "), the keys whose value is a
    map (not read), and the text after it.

    A block never closed by ``---`` ends at its first line that is not a field,
    so an unclosed block still gives its fields, not the title ``---``.
    """
    match = _FRONT_MATTER.match(text) or _UNCLOSED.match(text)
    if not match:
        return {}, [], text
    fields: dict[str, str] = {}
    maps: list[str] = []
    key = ""
    items: list[str] = []
    for line in match.group(1).splitlines() + [""]:
        found = _FRONT_FIELD.match(line)
        if (found or not line.strip()) and key:  # the block of the key before ends
            if items:
                fields[key] = ", ".join(items)
            key, items = "", []
        if found:
            name, value = found.group(1).lower(), found.group(2)
            if value.startswith("{"):
                maps.append(name)
            elif value.startswith("[") and value.endswith("]"):  # a flow list: [Ann Lee, "Bo Chan"]
                fields[name] = ", ".join(v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip())
            elif value:
                fields[name] = value.strip("\"'")
            else:
                key = name  # a block list or map follows on indented lines
        elif key and line.lstrip().startswith("- "):
            items.append(line.lstrip()[2:].strip().strip("\"'"))
        elif key and _FRONT_FIELD.match(line.strip()):
            maps.append(key)
            key, items = "", []
    if not fields and not maps:
        return {}, [], text
    return fields, list(dict.fromkeys(maps)), text[match.end():]


def _front_meta(fields: dict[str, str]) -> dict[str, str]:
    """The kept metadata of raw front matter fields (see :func:`front_matter`)."""
    meta = {k: fields[k] for k in ("title", "url", "author") if fields.get(k)}
    if not meta.get("author") and fields.get("authors"):
        meta["author"] = fields["authors"]
    outlet = fields.get("outlet") or fields.get("source") or fields.get("publisher")
    if outlet:
        meta["outlet"] = outlet
    date = parse_date(fields.get("published") or fields.get("date") or "")
    if date:
        meta["published"] = date
    return meta


def _checked_date(value: Any, key: str, where: str, result: LoadResult) -> str | None:
    """The ISO date a file's ``key`` field names; one that names none is dropped with a warning.

    The warning names the file and the value, because the build's summary
    ("add `published:`…") can't tell which file has a date that is wrong.
    """
    if value is None or value == "":
        return None
    parsed = parse_date(value) if isinstance(value, str) else None  # a number or an object is no date
    if parsed is None:
        shown = json.dumps(value, ensure_ascii=False, default=str)
        shown = shown if len(shown) <= 60 else shown[:60] + "…"
        line = (f"{_shown_path(where)}: {key} {_escape_controls(shown)} is not a date (give a real day, e.g. "
                f"{key}: 2024-05-01); indexed without a date")
        result.warnings.append(line)
        log.warning("%s", line)
    return parsed


def _mb(n_bytes: int) -> str:
    """Megabytes as ``max_file_mb`` counts them (2**20 bytes), with enough digits for a small limit."""
    return f"{round(n_bytes / 2**20, 3):g}"


def _parse_failure(error: Exception) -> str:
    """One line for an unexpected parser failure: what broke and what to do."""
    if isinstance(error, RecursionError):
        problem = "nested too deeply to parse"
    elif isinstance(error, MemoryError):
        problem = "too large to parse in memory"
    else:
        detail = one_line(error)
        problem = f"could not be parsed ({type(error).__name__}{': ' + detail if detail else ''})"
    return f"{problem}; fix or remove the file"


# UTF-8 with a BOM needs nothing here: "utf-8-sig" below drops its mark.
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):  # the byte order mark says the encoding (UTF-16 text is full of NUL bytes)
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as error:
                name = encoding.upper().replace("-LE", " LE").replace("-BE", " BE")
                raise Unusable(f"starts with a {name} byte order mark but is not valid {name} (byte {error.start + len(bom)}); "
                            "re-save it as UTF-8") from None
            if "\x00" in text[:8192]:
                raise Unusable("binary file (contains NUL characters), not text")
            return _lines(text)
    if b"\x00" in data[:8192]:
        raise Unusable("binary file (contains NUL bytes), not text")
    try:
        return _lines(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    # Chinese, Japanese and Korean encodings decode as Windows-1252 without an error, into mojibake:
    # ask charset detection first, but trust it only for those (it takes Western text for cp1257 and the like).
    detected = _multibyte_decoding(data)
    if detected is not None:
        return _lines(detected)
    try:
        return _lines(data.decode("cp1252"))
    except UnicodeDecodeError:
        raise Unusable("not valid UTF-8, Windows-1252 or a detected East Asian encoding; re-save it as UTF-8") from None


_MULTIBYTE = frozenset({
    "gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_jis_2004",
    "euc_jisx0213", "euc_kr", "cp949", "johab", "iso2022_jp", "iso2022_kr",
})


def _multibyte_decoding(data: bytes) -> str | None:
    """``data`` decoded as the East Asian encoding charset detection finds, or ``None`` if it finds none."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # a trimmed install: Windows-1252 as before
        return None
    best = from_bytes(data).best()
    if best is None or not best.encoding or codecs.lookup(best.encoding).name not in _MULTIBYTE:
        return None
    return str(best)


def _lines(text: str) -> str:
    """``text`` with Windows (CR LF) and old Mac (CR alone) line ends as ``\n``, so a title line stays a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def make_document(doc_id: str, title: str, source: str, raw: str, meta: Meta | None = None) -> SourceDocument:
    """A document of cleaned ``raw`` text and ``meta``; the date falls back to the URL's, the outlet to its host.

    Raises:
        Unusable: No text (or no words) is left after cleaning.
    """
    text = clean_text(raw)
    if not text:
        raise Unusable("no text after cleaning (empty file)")
    if not any(c.isalnum() for c in text):
        raise Unusable("no words, only punctuation or symbols")
    title = cut_title(" ".join(title.split()) or text.split("\n", 1)[0])
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta = meta or Meta()
    published = meta.published or url_date(meta.url)
    outlet = _one_line(meta.outlet) or _host(meta.url)
    return SourceDocument(
        id=doc_id, title=title, source=source, text=text, sha256=sha, url=meta.url, published=published,
        outlet=outlet, author=_one_line(meta.author),
    )


def _one_line(value: str | None) -> str | None:
    """Metadata text on one line, bounded; ``None`` when empty."""
    if not value:
        return None
    value = " ".join(clean_text(str(value)).split())
    return cut_title(value) or None


def cut_title(title: str) -> str:
    """``title`` if it fits in 120 characters, else cut at the last word that does, with "…".

    The reader takes a title ending in "…" for a line cut short, not a headline.

    Example:
        >>> cut_title("Floods in the valley")
        'Floods in the valley'
    """
    return title[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…" if len(title) > _TITLE_CHARS else title


def _pdf(data: bytes) -> tuple[str, str, Meta]:
    """Title, text and metadata of a PDF; pypdf's own log lines and warnings are silenced, its failure is the one skip line."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs repairs ("EOF marker not found") to stderr and may warn; the
    # skip line, or nothing when it recovered, is all a reader of the output needs.
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.setLevel(logging.ERROR)
    if not pypdf_log.handlers:  # and no fallback printing of its errors to stderr either
        pypdf_log.addHandler(logging.NullHandler())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            pages = [page.extract_text() or "" for page in reader.pages]
            if pages and not any(c.isalnum() for page in pages for c in page):
                # Pages but no characters: a scan or a photo of text, which only OCR can read.
                raise Unusable(f"PDF of {len(pages)} page(s) has no text layer (a scan?): run OCR first "
                               "(e.g. ocrmypdf) and index its output")
            info = reader.metadata or {}
            title = str(info.get("/Title") or "")
            meta = Meta(
                published=parse_date(str(info.get("/CreationDate") or "")),
                author=str(info.get("/Author") or "") or None,
            )
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError, AssertionError) as error:
        detail = one_line(error) or type(error).__name__
        raise Unusable(f"unreadable PDF ({detail}); fix or remove the file") from error
    return title, "\n\n".join(pages), meta


def extract_html(markup: str) -> tuple[str, str, Meta]:
    """Title, main text and metadata of an HTML page (trafilatura; its date comes from htmldate: meta tags, JSON-LD, URL).

    Raises:
        Unusable: The page holds no article text.
    """
    import trafilatura

    text = trafilatura.extract(markup, include_comments=False, include_tables=True, favor_precision=True)
    if not text:
        text = trafilatura.extract(markup, include_comments=False, favor_recall=True) or ""
    if not text.strip():
        raise Unusable("no article text in the HTML (only markup, scripts or a title)")
    metadata = trafilatura.extract_metadata(markup, extensive=False)
    title = (metadata.title if metadata and metadata.title else "") or ""
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    if metadata is None:
        return title, text, Meta(published=text_date(text))
    meta = Meta(
        url=metadata.url or None,
        published=parse_date(metadata.date) or text_date(text),
        outlet=metadata.sitename or metadata.hostname or None,
        author=metadata.author or None,
    )
    return title, text, meta


def _records(
    raw: str, suffix: str, base_id: str, source: str, result: LoadResult
) -> Iterator[SourceDocument]:
    """The documents of a JSON, JSONL or CSV file; unusable records cost one line for the whole file."""
    items: list[tuple[int, Any]] = []
    failures: list[tuple[int, str]] = []
    what = {".jsonl": "line", ".csv": "row"}.get(suffix, "record")
    if suffix == ".csv":
        items = _csv_rows(raw)
    elif suffix == ".jsonl":
        for line_no, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    items.append((line_no, json.loads(line)))
                except json.JSONDecodeError as error:
                    failures.append((line_no, f"invalid JSON ({error.msg})"))
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise Unusable(f"invalid JSON at line {error.lineno} ({error.msg})") from error
        records = data if isinstance(data, list) else _wrapped(data)
        items = [(i, record) for i, record in enumerate(records, start=1)]
    used = 0
    for number, record in items:
        if not isinstance(record, dict):
            failures.append((number, "not a JSON object"))
            continue
        body = _record_text(record)
        if body is None:
            failures.append((number, "no 'text' or 'body' string"))
            continue
        title = _opt(record, "title", "headline") or ""
        text = body if not title or body.lstrip().startswith(title) else f"{title}\n\n{body}"
        doc_id = str(record["id"]) if record.get("id") not in (None, "") else (
            base_id if len(items) == 1 else f"{base_id}-{number}"
        )
        try:
            doc = make_document(doc_id, title, source, text, _record_meta(record, f"{source}:{number}", result))
        except Unusable as skip:
            failures.append((number, str(skip)))
            continue
        used += 1
        yield doc
    parsed = {n for n, _ in items}
    total = len(items) + sum(1 for n, _ in failures if n not in parsed)
    if not total:
        raise Unusable("no records found")
    if failures:
        detail = "; ".join(f"{what} {number}: {reason}" for number, reason in failures[:3])
        if len(failures) > 3:
            detail += f"; and {len(failures) - 3} more"
        if not used:
            raise Unusable(f"none of its {total} record(s) is usable ({detail}); records need a 'text' or 'body' string")
        _skip_file_part(result, source, f"{len(failures)} of {total} records skipped ({detail})")


# The keys news datasets and APIs put an article's parts under, in the order they are tried: this
# project's own first, then NewsAPI (content, publishedAt, source.name), news-please (maintext,
# date_publish, source_domain), newspaper3k and RealTime QA's search results (publish_date), the NYT
# API (web_url, pub_date, headline.main, byline.original, lead_paragraph), schema.org (datePublished)
# and RSS-shaped records (link, pubDate).
TEXT_KEYS = ("text", "body", "content", "maintext", "article", "full_text", "article_text", "story")
# Only a summary: better indexed than skipped (a feed that gives no more), but never over the full text.
SUMMARY_KEYS = ("description", "abstract", "summary", "lead_paragraph")
DATE_KEYS = ("published", "date", "published_at", "publishedAt", "publish_date", "publishDate", "date_publish",
             "datePublished", "date_published", "published_date", "publishedDate", "publication_date", "pub_date",
             "pubDate")
OUTLET_KEYS = ("outlet", "source", "publisher", "site_name", "source_domain", "source_name", "publication",
               "newspaper", "domain")
URL_KEYS = ("url", "link", "web_url", "article_url", "source_url")
AUTHOR_KEYS = ("author", "authors", "byline", "creator")
# A JSON file that is one object holding its records (a NewsAPI response's "articles", the NYT API's
# "response": {"docs": […]}): the list under the first of these keys, one level down at most.
RECORD_LISTS = ("articles", "data", "results", "items", "documents", "docs", "records", "entries", "news", "stories",
                "response")
# NewsAPI cuts "content" at 200 characters and says how much is left: "… [+2345 chars]".
_CUT_MARKER = re.compile(r"\s*(?:…|\.\.\.)?\s*\[\+\d+ chars\]\s*$")


def _record_text(record: dict[str, Any]) -> str | None:
    """The record's article text: the first full-text key with words, else a summary; ``None`` if neither.

    A record with ``"text": null`` and a body is usable, so empty values are passed over.

    Example:
        >>> _record_text({"text": None, "content": "Rates rose again … [+2345 chars]"})
        'Rates rose again'
        >>> _record_text({"description": "A short summary."}), _record_text({"title": "No text"})
        ('A short summary.', None)
    """
    for key in (*TEXT_KEYS, *SUMMARY_KEYS):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return _CUT_MARKER.sub("", value) if key == "content" else value
    return None


def _csv_rows(raw: str) -> list[tuple[int, dict[str, Any]]]:
    r"""A CSV file's rows as records under its header's names, numbered from 1 (the header is no row).

    Each name is also given in lower case ("Title", "Content"), so a
    spreadsheet's headings find the keys JSON records use; cells past the
    header's names are left out.

    Example:
        >>> _csv_rows('Title,Content\nRates rise,"The bank raised rates, again."\n')
        [(1, {'Title': 'Rates rise', 'title': 'Rates rise', 'Content': 'The bank raised rates, again.', 'content': 'The bank raised rates, again.'})]
    """
    # A news article is often longer than the csv module's default cell limit (128 KB); the file size limit still holds.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    rows: list[tuple[int, dict[str, Any]]] = []
    # The csv module reads leniently (an unclosed quote runs to the end): a row it misreads has no text
    # cell and is skipped with its number, as a JSON record without text is.
    for number, row in enumerate(csv.DictReader(io.StringIO(raw, newline="")), start=1):
        record: dict[str, Any] = {}
        for name, value in row.items():
            if isinstance(name, str) and name.strip():
                record.setdefault(name.strip(), value)
                record.setdefault(name.strip().lower(), value)
        rows.append((number, record))
    return rows


def _wrapped(data: Any) -> list[Any]:
    """The records of a JSON file that is one object: the list it holds them under, else the object itself.

    Example:
        >>> _wrapped({"status": "ok", "articles": [{"text": "a"}]})
        [{'text': 'a'}]
        >>> _wrapped({"response": {"docs": [{"text": "b"}]}}), _wrapped({"text": "c"})
        ([{'text': 'b'}], [{'text': 'c'}])
    """
    if not isinstance(data, dict) or _record_text(data) is not None:
        return [data]
    for key in RECORD_LISTS:
        inner = data.get(key)
        if isinstance(inner, dict):  # one level down: {"response": {"docs": [...]}}
            inner = next((inner[k] for k in RECORD_LISTS if isinstance(inner.get(k), list)), None)
        if isinstance(inner, list) and any(isinstance(r, dict) for r in inner):
            return inner
    return [data]


def _opt(record: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` the record has as a non-empty value (a list of names is joined, a
    ``{"name": …}`` object is its name, as NewsAPI writes ``source``; the NYT API's ``headline`` and
    ``byline`` objects give their ``main`` and ``original``)."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("name") or value.get("main") or value.get("original")
        if isinstance(value, list):
            names = (str(v.get("name") or "") if isinstance(v, dict) else str(v) for v in value if v)
            value = ", ".join(name for name in names if name)  # an entry without a name leaves no ", ,"
        if value not in (None, ""):
            return str(value)
    return None


def _record_meta(record: dict[str, Any], where: str, result: LoadResult) -> Meta:
    """A JSON record's metadata: the first of :data:`DATE_KEYS`, :data:`OUTLET_KEYS`, :data:`URL_KEYS` and :data:`AUTHOR_KEYS` it has.

    ``where`` (``"<file>:<record number>"``) names the record in the warning for an invalid date.
    """
    date_key = next((k for k in DATE_KEYS if record.get(k) not in (None, "")), "published")
    return Meta(
        url=_opt(record, *URL_KEYS),
        published=_checked_date(record.get(date_key), date_key, where, result),
        outlet=_opt(record, *OUTLET_KEYS),
        author=_opt(record, *AUTHOR_KEYS),
    )


def _skip_file_part(result: LoadResult, source: str, reason: str) -> None:
    """One line for the records of a file that could not be used (the file's other records are indexed)."""
    skipped = Skipped(source, reason, source)
    result.skipped.append(skipped)
    log.warning("%s", skipped)
