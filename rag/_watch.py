"""Keeping an index current until stopped: ``rag watch``.

Folders are watched with watchdog's file events: after a change, once the
folder has been quiet for :attr:`WatchPlan.debounce_s`, the folder is
indexed again (only new and changed files are embedded; removed files are
removed). URL sources (feeds, sitemaps, articles) are polled every
:attr:`WatchPlan.every_s` with conditional requests (:mod:`rag._web`):
those given, and those the index records as watched (a feed added with the
UI's "Add feed URL"; ``sources.json`` is read again before each poll, so a
feed added while this runs is polled at the next one). Each cycle prints
one progress line (added, updated, removed, unchanged, failed), one line per
failure and the build's load warnings (a value an input lost, a feed cut to
``max_articles``), as ``rag index`` does; a failed cycle never stops the loop.

The first Ctrl-C (SIGINT) stops after the cycle under way; a second one
interrupts it. Either way the index stays intact: a build writes a complete
new generation and swaps it in atomically, or leaves the old one.

Trade-off: a changed folder is loaded whole again (the build embeds only
what changed, but every file is read and parsed), which keeps removals and
renames right at the cost of re-reading a large folder.

Example:
    >>> plan = WatchPlan(sources=("articles/", "https://example.com/feed.xml"), every_s=900)  # doctest: +SKIP
    >>> watch(Assistant("index/default"), plan, Fetcher(FetchLimits()))  # doctest: +SKIP
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TextIO

from ._assistant import Assistant
from ._exceptions import RagError, redact
from ._fetch import Fetcher
from ._ingest import BuildReport
from ._text import one_line
from ._web import is_web_url

__all__ = ["WatchPlan", "parse_every", "watch"]


@dataclass(frozen=True)
class WatchPlan:
    """What to watch and how often.

    Attributes:
        sources: Folders, files and URLs.
        every_s: Seconds between two polls of the URL sources.
        debounce_s: Quiet seconds after a folder's last file event before it is indexed.

    Example:
        >>> WatchPlan(("news/",), every_s=parse_every("15m")).every_s
        900.0
    """

    sources: tuple[str, ...]
    every_s: float = 900.0
    debounce_s: float = 1.0


def parse_every(text: str) -> float:
    """Seconds in ``90``, ``30s``, ``15m``, ``2h`` or ``1d``.

    Raises:
        ValueError: Not a positive duration (the message says the forms).

    Example:
        >>> parse_every("15m"), parse_every("0.5s"), parse_every("90")
        (900.0, 0.5, 90.0)
    """
    units = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    value = text.strip().lower()
    scale = units.get(value[-1:], None)
    number = value[:-1] if scale else value
    try:
        seconds = float(number) * (scale or 1.0)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 15m, 2h or a number of seconds")
    return seconds


class _Changes:
    """Folders with file events, and when each last changed (filled by watchdog's thread)."""

    def __init__(self, ignored: list[Path]):
        self._ignored = ignored
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.wake = threading.Event()

    def mark(self, folder: str, path: str) -> None:
        changed = Path(path)
        if any(part.startswith(".") for part in changed.parts[len(Path(folder).parts):]):
            return  # hidden files: editors' swap files, the index's own temporary files
        if any(changed == i or i in changed.parents for i in self._ignored):
            return  # the index writing itself must not start another cycle
        with self._lock:
            self._last[folder] = time.monotonic()
        self.wake.set()

    def take_quiet(self, quiet_s: float) -> list[str]:
        """The folders whose last event is ``quiet_s`` old, removed from the pending set."""
        now = time.monotonic()
        with self._lock:
            ready = [f for f, t in self._last.items() if now - t >= quiet_s]
            for folder in ready:
                del self._last[folder]
            return ready

    def next_due(self, quiet_s: float) -> float | None:
        with self._lock:
            return min(self._last.values()) + quiet_s if self._last else None


def _observe(folders: list[str], changes: _Changes) -> object | None:
    """A started watchdog observer for ``folders`` (inotify, else polling); ``None`` with no folders."""
    if not folders:
        return None
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class Handler(FileSystemEventHandler):
        def __init__(self, folder: str):
            self.folder = folder

        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return  # reads change nothing
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    changes.mark(self.folder, str(path))

    for kind in (Observer, PollingObserver):
        observer = kind()
        try:
            for folder in folders:
                observer.schedule(Handler(folder), folder, recursive=True)
            observer.start()
            return observer
        except OSError:  # e.g. the inotify watch limit: polling works everywhere
            continue
    return None


def watch(
    assistant: Assistant,
    plan: WatchPlan,
    fetcher: Fetcher,
    *,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Index ``plan.sources`` now, then keep the index current until ``stop`` is set or SIGINT; returns 0.

    Besides ``plan.sources``, every poll takes the URLs the index records as
    watched (:meth:`rag.Assistant.watched`).

    Args:
        assistant: The assistant whose index is kept current.
        plan: The sources and timings.
        fetcher: Fetches the URL sources (its limits are the run's).
        out: Where progress lines go (default: stdout; failures go to stderr).
        stop: Set it to stop after the current cycle (SIGINT sets it too,
            when called from the main thread).
    """
    out = out or sys.stdout
    stop = stop or threading.Event()
    folders = [str(Path(s).expanduser().resolve()) for s in plan.sources if not is_web_url(s) and Path(s).is_dir()]
    others = [s for s in plan.sources if is_web_url(s) or not Path(s).is_dir()]
    changes = _Changes([assistant.index_dir.resolve()])
    observer = _observe(folders, changes)
    restore = _on_sigint(stop, changes.wake, out)

    def say(line: str, *, failure: bool = False) -> None:
        print(redact(line), file=sys.stderr if failure else out, flush=True)  # URLs may carry a key or password

    try:
        next_poll = 0.0  # the first cycle reads everything
        first = True
        while not stop.is_set():
            now = time.monotonic()
            due_folders = folders if first else changes.take_quiet(plan.debounce_s)
            polling = now >= next_poll
            due_urls = _with_watched(assistant, others) if polling else []
            if polling:  # with no URL at all too: else the wait below is never positive and the loop spins
                next_poll = now + plan.every_s
            if due_folders or due_urls:
                _cycle(assistant, [*due_folders, *due_urls], fetcher, say)
                first = False
            pending = changes.next_due(plan.debounce_s)
            wait = min(next_poll, pending if pending is not None else next_poll) - time.monotonic()
            changes.wake.clear()
            if wait > 0 and not stop.is_set():
                changes.wake.wait(min(wait, 1.0))  # a file event or SIGINT wakes it early
    finally:
        restore()
        if observer is not None:
            observer.stop()  # type: ignore[attr-defined]
            observer.join(timeout=5)  # type: ignore[attr-defined]
    try:
        documents = len(assistant.fingerprints())
        say(f"stopped; the index is intact ({documents} documents)")
    except RagError as error:
        say(f"stopped; the index could not be read back: {error}", failure=True)
    return 0


def _with_watched(assistant: Assistant, given: list[str]) -> list[str]:
    """``given``, then the URLs the index records as watched that are not among them (an unreadable record: none)."""
    return [*given, *(url for url in assistant.watched().watched_urls() if url not in given)]


def _cycle(assistant: Assistant, sources: list[str], fetcher: Fetcher, say: Callable[..., None]) -> None:
    """One build over ``sources``: a progress line, a line per failure; an error costs this cycle only."""
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        report = assistant.index(sources, prune=True, fetcher=fetcher)
    except RagError as error:
        say(f"{stamp}: error: {error}; the index is unchanged, trying again next cycle", failure=True)
        return
    except Exception as error:  # noqa: BLE001 - one line, and the loop goes on
        say(f"{stamp}: error: unexpected {type(error).__name__}: {one_line(error, 200)}; the index is unchanged", failure=True)
        return
    for skipped in report.skipped:
        say(f"warning: {' '.join(str(skipped).split())}", failure=True)
    for line in report.warnings:  # what `rag index` prints too: a value an input lost, a feed cut to max_articles
        say(f"warning: {' '.join(line.split())}", failure=True)
    for note in report.notes:
        say(f"note: {' '.join(note.split())}", failure=True)
    undated = report.date_warning()
    if undated and (report.added or report.updated):  # once per cycle that changed something, not every quiet poll
        say(f"warning: {undated}", failure=True)
    say(_progress(stamp, report))


def _progress(stamp: str, report: BuildReport) -> str:
    removed = f"{len(report.removed)} removed, " if report.removed else ""
    return (f"{stamp}: {len(report.added)} added, {len(report.updated)} updated, {removed}"
            f"{len(report.unchanged)} unchanged, {len(report.skipped)} failed; {report.n_documents} documents")


def _on_sigint(stop: threading.Event, wake: threading.Event, out: TextIO) -> Callable[[], None]:
    """First SIGINT: stop after this cycle; second: interrupt. Returns the undo (no-op off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        wake.set()
        print("stopping after this cycle (Ctrl-C again to stop now; the index stays intact either way)",
              file=out, flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    return lambda: signal.signal(signal.SIGINT, previous)
