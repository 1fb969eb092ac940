"""The ``rag`` command line.

Commands::

    rag index PATH|URL... [--index DIR|URL] [--rebuild] [--no-prune] [--runner local|ray|ray://host:port]
              [--allow-host HOST] [--timeout SECONDS]
    rag watch [SOURCE...] [--every 15m] [--index DIR|URL] [--allow-host HOST] [--timeout SECONDS]
    rag ask "QUESTION" [--json] [--index DIR] [--top-k N] [--reader model|large|fast]
            [--since DATE] [--until DATE] [--as-of DATE] [--include-undated]
    rag timeline "QUERY" [--json] [--since DATE] [--until DATE] [--as-of DATE] [--include-undated]
    rag info [--index DIR] [--json]
    rag eval GOLD [--index DIR] [--k ...] [--compare dense,bm25,hybrid] [--compare-readers model,large,fast] [--out DIR] [--limit N]
    rag ui [--host H] [--port P] [--share] [--api-key KEY] [--read-only] [--allow-host HOST] [--timeout SECONDS]
    rag mcp [--index DIR|URL] [--show-paths]
    rag serve [--host 127.0.0.1] [--port 8000] [--api-key KEY] [--read-only] [--cors-origin ORIGIN ...] [--show-paths]
              [--llm [BACKEND]] [--allow-host HOST] [--timeout SECONDS]

Every error exits non-zero with one readable line (set ``RAG_DEBUG=1`` to
see a traceback). Heavy imports happen inside the commands, so ``rag --help``
is instant.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NoReturn

from ._config import READERS, Settings
from ._exceptions import ConfigError, InputError, LoadError, RagError, redact

if TYPE_CHECKING:
    from ._types import AnswerEvent

__all__ = ["main"]

# C0 controls but tab and newline, DEL, C1 controls: what a terminal would obey (ESC, CSI, OSC, BEL, ...).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
# What ``json.dumps(ensure_ascii=False)`` leaves raw inside strings: DEL, C1 controls, lone surrogates.
_JSON_RAW = re.compile(r"[\x7f-\x9f\ud800-\udfff]")


def _safe(text: object, *, one_line: bool = False) -> str:
    """``text`` fit for a terminal: control characters (escape sequences, bells) removed.

    Titles, quotes and answers come from the indexed files, so they may hold
    ``ESC [2J`` or an OSC title change; printed raw, the terminal would obey
    them. Tabs and newlines are kept unless ``one_line`` is set, which turns
    every line break into a space. Lone surrogates (undecodable file names)
    are shown escaped instead of failing the print.
    """
    text = str(text)
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    text = _CONTROL.sub("", text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json(data: object) -> str:
    """``data`` as indented JSON that a terminal prints as it is (C1 controls and lone surrogates escaped)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _named(data: object) -> object:
    """JSON-ready ``data`` with every file ``source`` shown by its name, the path kept under ``source_path``.

    ``source`` means the same in every output (the REST API, MCP, the
    retriever's metadata): the article's file name. Only this command line,
    run by the machine's own user, adds where the file lies, under a key that
    says so. A URL source stays as it is.

    Example:
        >>> _named({"citations": [{"source": "/srv/news/a.txt"}, {"source": "https://x.org/a"}]})
        {'citations': [{'source': 'a.txt', 'source_path': '/srv/news/a.txt'}, {'source': 'https://x.org/a'}]}
    """
    from ._types import shown_source

    if isinstance(data, list):
        return [_named(v) for v in data]
    if not isinstance(data, dict):
        return data
    named = {k: _named(v) for k, v in data.items()}
    source = named.get("source")
    if isinstance(source, str) and "://" not in source:
        named["source"] = shown_source(source)
        named["source_path"] = source
    return named


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_file(args.config) if getattr(args, "config", None) else Settings()
    llm = getattr(args, "llm", None)
    return base.updated(
        top_k=getattr(args, "top_k", None),
        retrieval=getattr(args, "retrieval", None),
        reader=getattr(args, "reader", None),
        llm=None if llm == _CONFIGURED else llm,
        llm_model=getattr(args, "model", None),
        llm_base_url=getattr(args, "base_url", None),
    )


def _assistant(args: argparse.Namespace, *, progress: bool = True):  # type: ignore[no-untyped-def]
    from ._assistant import Assistant

    return Assistant.load(args.index, settings=_settings(args), progress=progress)


def _fetch_limits(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The limits of ``--allow-host`` and ``--timeout``: the one place the fetch limits are set (index, watch, ui, serve)."""
    from ._fetch import FetchLimits

    return FetchLimits(timeout_s=args.timeout, allow_hosts=frozenset(args.allow_host or ()))


def _fetcher(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A fetcher within :func:`_fetch_limits`."""
    from ._fetch import Fetcher

    return Fetcher(_fetch_limits(args))


def _cmd_index(args: argparse.Namespace) -> int:
    from ._assistant import Assistant
    from ._web import is_web_url

    # A mistyped path alone is an error, not "0 added": beside paths that exist it is one warning line.
    missing = [p for p in args.paths if not is_web_url(p) and not os.path.lexists(os.path.expanduser(p))]
    if missing and len(missing) == len(args.paths):
        raise LoadError(f"nothing to index: {missing[0]} does not exist (check the path, or give a URL with http://)")
    assistant = Assistant(args.index, settings=_settings(args))
    with _fetcher(args) as fetcher:
        report = assistant.index(args.paths, rebuild=args.rebuild, prune=not args.no_prune, progress=True,
                                 runner=args.runner, fetcher=fetcher)
    for skipped in report.skipped:
        print(f"warning: {_message(skipped)}", file=sys.stderr)  # a URL's key or password masked
    for line in report.warnings:
        print(f"warning: {_message(line)}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {_safe(note, one_line=True)}", file=sys.stderr)
    undated = report.date_warning()
    if undated:
        print(f"warning: {undated}", file=sys.stderr)
    print(report.summary())
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    from ._assistant import Assistant
    from ._watch import WatchPlan, watch

    assistant = Assistant(args.index, settings=_settings(args))
    if not args.sources and not assistant.watched().watched_urls():
        raise InputError("nothing to watch: give folders or URLs (rag watch articles/ https://example.com/feed.xml), "
                         "or add a feed with the UI's Add feed URL first")
    with _fetcher(args) as fetcher:
        return watch(assistant, WatchPlan(tuple(args.sources), every_s=args.every), fetcher)


def _every(text: str) -> float:
    """``--every``'s duration in seconds (argparse turns the ValueError into its one-line error)."""
    from ._watch import parse_every

    try:
        return parse_every(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 3600:
        raise argparse.ArgumentTypeError(f"invalid timeout {text!r}: use seconds, more than 0 and under 3600")
    return value


def _cmd_ask(args: argparse.Namespace) -> int:
    from ._query import validate_question

    validate_question(args.question)  # fail before loading anything
    dates = _dates(args)
    assistant = _assistant(args)
    return _print_answer(assistant.stream(args.question, top_k=args.top_k, **dates), as_json=args.json)


def _dates(args: argparse.Namespace) -> dict[str, object]:
    """The date options as ``ask()`` keywords, checked before anything loads."""
    from ._query import date_range

    dates = {"since": args.since, "until": args.until, "as_of": args.as_of, "include_undated": args.include_undated}
    date_range(**dates)
    return dates


def _cmd_timeline(args: argparse.Namespace) -> int:
    from ._query import validate_question

    validate_question(args.query)
    dates = _dates(args)
    timeline = _assistant(args).timeline(args.query, top_k=args.top_k, **dates)  # type: ignore[arg-type]
    if args.json:
        print(_json(_named(timeline.to_dict())))
        return 0
    if timeline.time_scope:
        print(f"Time scope: {_safe(timeline.time_scope.describe(), one_line=True)}\n")
    if not timeline.events:
        print("No dated events found in the retrieved articles.")
        return 0
    for event in timeline.events:
        c = event.citation
        how = "publication date" if event.how == "published" else f"{event.how}: “{_safe(event.phrase or '', one_line=True)}”"
        print(f"{event.date}  [{c.n}] {_safe(c.quote, one_line=True)}")
        print(f"            {_safe(c.label(), one_line=True)} · {how} · chars {c.start}-{c.end} of {_safe(c.doc_id, one_line=True)}")
    return 0


def _print_answer(events: Iterable[AnswerEvent], *, as_json: bool = False) -> int:
    """Consume an answer stream and print only its final, checked answer.

    An LLM's raw tokens are never printed: the citation check may withhold
    some or all of that text, and a terminal can't take back what it showed.
    While the model writes, one note goes to stderr so the wait is explained.

    Args:
        events: :meth:`rag.Assistant.stream` events, ending with ``final``.
        as_json: Print the answer as JSON instead of text.

    Returns:
        The exit status (0).
    """
    answer = None
    generated = False
    for event in events:
        if event.kind == "token" and not generated:
            generated = True
            if not as_json:
                print("(the LLM is writing; its answer is shown once its citations are checked)", file=sys.stderr, flush=True)
        answer = event.answer or answer
    if answer is None:  # pragma: no cover - stream() always ends with a final event
        raise RuntimeError("no answer")
    if generated and not as_json:
        print("Checked answer (unsupported sentences removed, citations verified):")
    if as_json:
        print(_json(_named(answer.to_dict())))
        return 0
    if answer.short_answer:
        print(f"Answer: {_safe(answer.short_answer)}\n")
    print(_safe(answer.text))
    if answer.time_scope:
        print(f"\nTime scope: {_safe(answer.time_scope.describe(), one_line=True)}")
    for d in answer.disagreements:
        values = " vs ".join(f"{v} [{n}]" for v, n in zip(d.values, d.citations))
        print(f"\nSources differ ({d.kind}): {_safe(values, one_line=True)}")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"  [{c.n}] {_safe(c.title, one_line=True)} ({_safe(c.doc_id, one_line=True)}, chars {c.start}-{c.end}; "
                  f"{_safe(c.about(), one_line=True)})"
                  f"\n      “{_safe(c.quote, one_line=True)}”")
            if c.dates:
                resolved = ", ".join(f"{d.phrase} → {d.iso}" for d in c.dates if d.how != "explicit")
                if resolved:
                    print(f"      dates: {_safe(resolved, one_line=True)}")
            if c.also_published:
                print(f"      also published by: {_safe('; '.join(x.describe() for x in c.also_published), one_line=True)}")
    elif answer.passages:
        print("\nRetrieved passages:")
        for p in answer.passages[:3]:
            print(f"  - {_safe(p.title, one_line=True)} ({_safe(p.doc_id, one_line=True)}, score {p.score:.3f})")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    info = assistant.info()
    if args.json:
        info["documents_list"] = [
            _named({"id": d.id, "title": d.title, "source": d.source, "published": d.published, "outlet": d.outlet,
                    "author": d.author, "url": d.url})
            for d in assistant.documents()
        ]
        print(_json(info))
        return 0
    print(f"index:     {_safe(info['index_dir'], one_line=True)}  ({info['size_bytes'] / 1024:.1f} KiB, updated {info['updated_at']})")
    print(f"model:     {info['embedding_model']} ({info['dimension']} dims)")
    print(f"chunker:   {info['chunker']}")
    print(f"documents: {info['documents']}   chunks: {info['chunks']}   sentences: {info['sentences']}")
    for doc in assistant.documents():
        about = ", ".join(x for x in (doc.outlet, doc.published or "date unknown") if x)
        print(f"  - {_safe(doc.id, one_line=True)}: {_safe(doc.title, one_line=True)} ({_safe(about, one_line=True)})")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from ._evaluation import run_eval_command

    return run_eval_command(args, _settings(args))


def _cmd_ui(args: argparse.Namespace) -> int:
    key = _api_key(args)
    if key is not None:
        if args.share:
            raise ConfigError("--share and --api-key don't go together: Gradio's public link can't send the key; "
                              "leave out --share and put the UI behind your own TLS proxy (docs/deploy.md)")
        # With a key, the UI goes through `rag serve`'s front door (ui.guard's BearerKey), alone.
        from ui.server import ServeConfig, serve

        serve(ServeConfig(host=args.host, port=args.port, api_key=key, show_paths=True, read_only=args.read_only,
                          ui_only=True, fetch_limits=_fetch_limits(args)), index_dir=args.index, settings=_settings(args))
        return 0
    # The one import of ui.app from rag (pyproject.toml's rag-ui contract names it): only `rag ui` loads the UI.
    from ui.app import launch

    launch(index_dir=args.index, settings=_settings(args), host=args.host, port=args.port, share=args.share,
           read_only=args.read_only, fetch_limits=_fetch_limits(args))
    return 0


def _api_key(args: argparse.Namespace) -> str | None:
    """The key of ``--api-key`` or ``$RAG_API_KEY`` (``None``: none); an empty one is an error."""
    from ui.server import API_KEY_ENV

    key = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV) or None
    if key is not None and not key.strip():
        raise ConfigError(f"the API key is empty: give --api-key KEY (or ${API_KEY_ENV}), or leave both out")
    return key


def _cmd_mcp(args: argparse.Namespace) -> int:
    from ._mcp import mcp_server

    # stdout is the protocol: anything loading prints (a demo build's progress) goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        server = mcp_server(_assistant(args, progress=False), show_paths=args.show_paths)
    server.run("stdio")  # until the client closes stdin
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    # Like `rag ui`, the server's modules (FastAPI, Gradio) load inside this subcommand only.
    from ui.server import ServeConfig, serve

    settings = _settings(args)
    if args.llm == _CONFIGURED and settings.llm == "none":
        raise ConfigError("--llm without a backend needs one in --config (llm = \"openai\"): "
                          "or name it, e.g. --llm openai --model gpt-4o-mini")
    config = ServeConfig(host=args.host, port=args.port, api_key=_api_key(args), cors_origins=tuple(args.cors_origin),
                         show_paths=args.show_paths, read_only=args.read_only, fetch_limits=_fetch_limits(args))
    serve(config, index_dir=args.index, settings=settings)
    return 0


_CONFIGURED = "configured"  # `rag serve --llm` with no backend named: the one --config sets


def _given(text: str) -> str:
    """A date option's value, which may not be blank (argparse turns the error into its one-line error).

    The library reads ``""`` as "no date"; typed on the command line
    (``--since "$START"`` with ``START`` unset) it would silently drop the filter.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError("the date is empty: give YYYY-MM-DD, e.g. 2021-08-01, or leave the option out")
    return text


def _port(text: str) -> int:
    """A TCP port number for ``--port`` (argparse turns the ValueError into its one-line error)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: use a number 1-65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range: use 1-65535")
    return port


def _count(text: str) -> int:
    """A number of things, at least 1 (``--limit 0`` would evaluate nothing and still report success)."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {count}")
    return count


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the problem and where the help is (argparse's own adds a usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {_safe(message, one_line=True)} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rag", description="Cited answers from a folder of news articles.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", metavar="DIR|URL", default=None,
                       help="index folder (default: index/default) or postgresql://user@host:port/db")
        p.add_argument("--config", metavar="FILE", default=None, help="TOML file of settings")

    def reader_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--reader", choices=list(READERS), default=None,
                       help="model: the trained reader picks quotes and refuses (default); large: the 12-layer reader does (slower); "
                            "fast: evidence score only")

    def date_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", metavar="YYYY-MM-DD", type=_given, default=None,
                       help="only articles published on or after this date")
        p.add_argument("--until", metavar="YYYY-MM-DD", type=_given, default=None,
                       help="only articles published on or before this date")
        p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_given, default=None,
                       help="answer as a reader on that date would: later articles don't exist yet")
        p.add_argument("--include-undated", action="store_true", help="keep articles of unknown date when a date is given")

    def llm_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--llm", choices=["none", "openai", "ollama", "llamacpp"], default=None,
                       help="answer with an LLM instead of quoting (default: none, the extractive answerer)")
        p.add_argument("--model", default=None, help="LLM model name, or GGUF path for --llm llamacpp")
        p.add_argument("--base-url", default=None, help="OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)")

    def exposure_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--api-key", default=None, metavar="KEY",
                       help="require `Authorization: Bearer KEY` on every route, the UI included (or set $RAG_API_KEY)")
        p.add_argument("--read-only", action="store_true",
                       help="serve without uploads or removals: whoever reaches it can ask, not change the index")

    def fetch_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--allow-host", action="append", metavar="HOST", default=[],
                       help="fetch from this host although it is loopback or private (repeatable)")
        p.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS",
                       help="seconds to wait for a web server (default 10)")

    p = sub.add_parser("index", help="index files, folders and URLs: articles, RSS/Atom feeds, sitemaps (incremental)")
    p.add_argument("paths", nargs="+", metavar="PATH|URL")
    common(p)
    fetch_options(p)
    p.add_argument("--rebuild", action="store_true", help="start from scratch (after a model or chunker change)")
    p.add_argument("--no-prune", action="store_true", help="keep documents that vanished from the given folders")
    p.add_argument("--runner", default="local", metavar="RUNNER",
                   help="local (default), ray (embed on a local Ray, 127.0.0.1) or ray://host:port (an existing cluster)")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("watch", help="keep an index current: folders on change, feeds and URLs every --every, until Ctrl-C")
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="folders, files and URLs; the feeds the index records as watched (the UI's Add feed URL) are polled too")
    common(p)
    p.add_argument("--every", type=_every, default=900.0, metavar="DURATION",
                   help="how often URLs are polled: 30s, 15m (default), 2h")
    fetch_options(p)
    p.set_defaults(func=_cmd_watch)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    common(p)
    p.add_argument("--top-k", type=int, default=None, help="passages to retrieve (default 5)")
    p.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default=None)
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    date_options(p)
    reader_option(p)
    llm_options(p)
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("timeline", help="the dated events of what a query retrieves, in order, each cited")
    p.add_argument("query")
    common(p)
    p.add_argument("--top-k", type=int, default=None, help="passages to draw events from (default 10)")
    p.add_argument("--json", action="store_true", help="print the timeline as JSON")
    date_options(p)
    p.set_defaults(func=_cmd_timeline)

    p = sub.add_parser("info", help="show what the index holds")
    common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("eval", help="evaluate against a gold Q&A set, SQuAD or BEIR")
    p.add_argument("gold", metavar="GOLD")
    common(p)
    p.add_argument("--k", type=int, nargs="+", default=[1, 3, 5, 10], help="cut-offs for hit@k and recall@k")
    p.add_argument("--compare", default=None, help="comma-separated retrieval modes, e.g. dense,bm25,hybrid")
    p.add_argument("--out", metavar="DIR", default=None, help="write metrics.json and report.md here")
    p.add_argument("--limit", type=_count, default=None, help="evaluate a seeded sample of N questions")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default=None)
    reader_option(p)
    p.add_argument("--compare-readers", default=None, metavar="READERS",
                   help="run each mode once per reader, e.g. model,fast (columns named hybrid+model, hybrid+fast)")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("ui", help="start the browser chat")
    common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=7860)
    p.add_argument("--share", action="store_true", help="ask Gradio for a public link (needs internet)")
    exposure_options(p)
    fetch_options(p)  # the Index panel's Add feed URL fetches as `rag index URL` does
    reader_option(p)
    llm_options(p)
    p.set_defaults(func=_cmd_ui)

    p = sub.add_parser("mcp", help="serve the index to MCP clients (desktop assistants) over stdio")
    common(p)
    p.add_argument("--show-paths", action="store_true",
                   help="show each source's full path on this machine (default: its file name)")
    p.set_defaults(func=_cmd_mcp)
    p = sub.add_parser("serve", help="serve the chat UI, a REST API and an OpenAI-compatible API on one port")
    common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8000)
    exposure_options(p)
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="allow browser pages of this origin to call the API (repeatable; default: CORS off)")
    p.add_argument("--show-paths", action="store_true", help="show server file paths in responses (default: file names)")
    fetch_options(p)
    reader_option(p)
    p.add_argument("--llm", nargs="?", const=_CONFIGURED, choices=[_CONFIGURED, "openai", "ollama", "llamacpp"],
                   default=None, metavar="BACKEND",
                   help="also offer the model rag-news-llm, answered by an LLM: openai, ollama or llamacpp "
                        "(alone: the backend --config sets)")
    p.add_argument("--model", default=None, help="LLM model name, or GGUF path for --llm llamacpp")
    p.add_argument("--base-url", default=None, help="OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)")
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    logging.getLogger("rag").setLevel(logging.ERROR)  # the CLI prints skipped files itself
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit:  # --help: what argparse printed must reach the pipe here, where a closed one is caught
            sys.stdout.flush()
            raise
    except BrokenPipeError:  # `rag --help | head -1`
        return _pipe_closed()
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # here, where a closed pipe can still be caught, not at exit
        return status
    except BrokenPipeError:
        return _pipe_closed()
    except RagError as error:
        print(f"error: {_message(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the index on disk is unchanged unless a build finished", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the CLI promises one line, not a traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"error: unexpected {type(error).__name__}: {_message(error)} (set RAG_DEBUG=1 for details)", file=sys.stderr)
        return 1


def _pipe_closed() -> int:
    """``rag … | head`` stopped reading: end quietly, as Unix tools do, with 141 (128 + SIGPIPE).

    What is still buffered can't be written; stdout is pointed at
    ``/dev/null`` so that Python's own flush at exit doesn't report the
    broken pipe either.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141


def _message(error: object) -> str:
    """An error (or a skipped file's line) as one safe line: credentials masked, no control characters or line breaks."""
    return _safe(redact(str(error)), one_line=True)


if __name__ == "__main__":
    sys.exit(main())
