"""`rag watch`, the real command in a subprocess: a folder and a feed followed, stopped cleanly with SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import NewsSite, article_page

from rag import MiniLMEmbeddings, load_index
from rag._watch import parse_every

ROOT = Path(__file__).resolve().parents[1]
STORY = ("The river ferry resumed service on Friday after the council approved emergency repairs to the landing. "
         "Officials said 600 commuters use the crossing each day.")


def _rss(base: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(f"<item><title>{t}</title><link>{base}{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"
                      for t, link, date in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>River News</title>{entries}</channel></rss>'


def _wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rag watch exited early ({process.returncode}) waiting for {what}: {process.stderr.read() if process.stderr else ''}")
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001, S112 - the index may not exist yet
            pass
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def _documents(index: Path) -> dict[str, tuple[str | None, str]]:
    return {d.id: (d.published, d.text) for d in load_index(index).documents}


def test_watch_follows_a_folder_and_a_feed_and_stops_cleanly(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    # embedder: the session's ONNX cache is built before the subprocess, which inherits RAG_CACHE_DIR
    site = NewsSite()
    try:
        site.route("/news/ferry", article_page("Ferry resumes", [STORY], date="2026-04-03"))
        site.route("/feed.xml", _rss(site.url, [("Ferry resumes", "/news/ferry", "Fri, 03 Apr 2026 09:00:00 GMT")]),
                   "application/rss+xml", etag='"v1"')
        folder = tmp_path / "articles"
        folder.mkdir()
        (folder / "dam.txt").write_text("Dam inspection finds cracks\n\nInspectors found cracks in the spillway of the "
                                        "northern dam on Monday and ordered the reservoir lowered by two metres.\n")
        index = tmp_path / "index"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "watch", str(folder), f"{site.url}/feed.xml", "--every", "1s",
             "--index", str(index), "--allow-host", "127.0.0.1", "--timeout", "5"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            _wait_for(lambda: len(_documents(index)) == 2, "the first cycle", process)
            polls = site.counts["/feed.xml"]
            _wait_for(lambda: site.counts["/feed.xml"] >= polls + 2, "two more polls", process)
            assert site.counts["/news/ferry"] == 1  # an unchanged feed: no page fetched again

            (folder / "dam.txt").unlink()
            (folder / "fire.md").write_text("# Warehouse fire contained\n\nFirefighters contained a warehouse fire "
                                            "in the port district overnight; no one was hurt.\n")
            site.route("/news/ferry", article_page("Ferry resumes", [STORY, "Update: service is hourly."], date="2026-04-05"))
            site.route("/feed.xml", _rss(site.url, [("Ferry resumes", "/news/ferry", "Sun, 05 Apr 2026 09:00:00 GMT")]),
                       "application/rss+xml", etag='"v2"')

            def followed() -> bool:
                docs = _documents(index)
                ferry = next(v for k, v in docs.items() if k.startswith("127-0-0-1-news-ferry"))
                return "fire" in docs and "dam" not in docs and ferry[0] == "2026-04-05" and "hourly" in ferry[1]

            _wait_for(followed, "the folder and the feed to be followed", process)
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "stopped; the index is intact (2 documents)" in out
        assert "Traceback" not in err
        lines = [line for line in out.splitlines() if " added, " in line]
        assert lines and all("failed" in line and "unchanged" in line for line in lines)
        assert len(_documents(index)) == 2
    finally:
        site.close()


def test_a_failing_feed_is_one_line_per_cycle_and_the_loop_goes_on(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    from io import StringIO
    from threading import Event, Thread

    from rag import Assistant
    from rag._fetch import Fetcher, FetchLimits
    from rag._watch import WatchPlan, watch

    site = NewsSite()
    try:
        feed = site.route("/feed.xml", "boom", "text/plain", status=500)
        folder = tmp_path / "articles"
        folder.mkdir()
        (folder / "a.txt").write_text("Bridge closed\n\nThe old bridge closed for repairs on Monday, the council said.\n")
        out, stop = StringIO(), Event()
        assistant = Assistant(tmp_path / "index", embeddings=embedder)
        with Fetcher(FetchLimits(allow_hosts=frozenset({"127.0.0.1"}), min_interval_s=0, timeout_s=2)) as fetcher:
            thread = Thread(target=watch, args=(assistant, WatchPlan((str(folder), feed), every_s=0.3), fetcher),
                            kwargs={"out": out, "stop": stop})
            thread.start()
            deadline = time.monotonic() + 60
            while out.getvalue().count(" added, ") < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            thread.join(timeout=60)
        cycles = [line for line in out.getvalue().splitlines() if " added, " in line]
        assert len(cycles) >= 2 and "1 failed" in cycles[1]
        assert len(assistant.fingerprints()) == 1
    finally:
        site.close()


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900.0), ("30s", 30.0), ("2h", 7200.0), ("45", 45.0)])
def test_every_reads_durations(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5m", "0", "nan", "inf"])
def test_every_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_every(text)


def test_watch_polls_the_feeds_the_index_records_as_watched_and_prints_load_warnings(
    tmp_path: Path, embedder: MiniLMEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed added from the UI (recorded as watched) is polled though not given; each cycle prints its load warnings."""
    from io import StringIO
    from threading import Event, Thread

    from rag import Assistant
    from rag._fetch import Fetcher, FetchLimits
    from rag._watch import WatchPlan, watch

    site = NewsSite()
    try:
        site.route("/news/ferry", article_page("Ferry resumes", [STORY], date="2026-04-03"))
        feed = site.route("/feed.xml", _rss(site.url, [("Ferry resumes", "/news/ferry", "Fri, 03 Apr 2026 09:00:00 GMT")]),
                          "application/rss+xml", etag='"v1"')
        folder = tmp_path / "articles"
        folder.mkdir()
        (folder / "dam.txt").write_text("---\npublished: 2026-02-30\n---\nDam inspection finds cracks\n\nInspectors "
                                        "found cracks in the spillway of the northern dam and ordered the reservoir lowered.\n")
        assistant = Assistant(tmp_path / "index", embeddings=embedder)
        limits = FetchLimits(allow_hosts=frozenset({"127.0.0.1"}), min_interval_s=0, timeout_s=2)
        with Fetcher(limits) as fetcher:
            assistant.index([feed], fetcher=fetcher, watch=True)  # what the UI's Add feed URL does
            assert site.counts["/feed.xml"] == 1
            out, stop = StringIO(), Event()
            thread = Thread(target=watch, args=(assistant, WatchPlan((str(folder),), every_s=0.3), fetcher),
                            kwargs={"out": out, "stop": stop})
            thread.start()
            deadline = time.monotonic() + 60
            while (site.counts["/feed.xml"] < 3 or " added, " not in out.getvalue()) and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            thread.join(timeout=60)
        errors = capsys.readouterr().err  # failure and warning lines go to stderr
        assert site.counts["/feed.xml"] >= 3  # the watched feed, polled though only the folder was given
        assert site.counts["/news/ferry"] == 1  # unchanged: no page fetched again
        warnings = [line for line in errors.splitlines() if "published" in line]
        assert warnings and warnings[0].startswith("warning: ") and "dam.txt: published" in warnings[0]
        assert "is not a date" in warnings[0]
        assert len(assistant.fingerprints()) == 2
    finally:
        site.close()


def test_rag_watch_without_sources_needs_a_watched_feed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "rag.cli", "watch", "--index", str(tmp_path / "index")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "nothing to watch" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_watching_only_a_folder_waits_between_events_instead_of_spinning(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """With no URL to poll, the loop must still sleep until a file event or the next poll (it once spun a core)."""
    from io import StringIO
    from threading import Event, Thread

    from rag import Assistant
    from rag._fetch import Fetcher, FetchLimits
    from rag._watch import WatchPlan, watch

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Bridge closed\n\nThe old bridge closed for repairs on Monday, the council said.\n")
    out, stop = StringIO(), Event()
    with Fetcher(FetchLimits()) as fetcher:
        thread = Thread(target=watch, args=(Assistant(tmp_path / "index", embeddings=embedder),
                                            WatchPlan((str(folder),), every_s=60), fetcher), kwargs={"out": out, "stop": stop})
        thread.start()
        deadline = time.monotonic() + 60
        while " added, " not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert " added, " in out.getvalue()
        cpu = time.process_time()
        time.sleep(2.0)  # idle: no file event, no poll due
        idle_cpu = time.process_time() - cpu
        stop.set()
        thread.join(timeout=30)
    assert idle_cpu < 0.5, f"the idle watch loop used {idle_cpu:.2f} s of CPU in 2 s"
