"""The ``rag`` command line.

Commands::

    rag index PATH... [--index DIR] [--rebuild] [--no-prune]
    rag ask "QUESTION" [--json] [--index DIR] [--top-k N]
    rag info [--index DIR] [--json]
    rag eval GOLD [--index DIR] [--k ...] [--compare dense,bm25,hybrid] [--out DIR] [--limit N]
    rag ui [--host H] [--port P] [--share]

Every error exits non-zero with one readable line (set ``RAG_DEBUG=1`` to
see a traceback). Heavy imports happen inside the commands, so ``rag --help``
is instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from ._config import Settings
from ._exceptions import RagError

__all__ = ["main"]


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_file(args.config) if getattr(args, "config", None) else Settings()
    return base.updated(
        top_k=getattr(args, "top_k", None),
        retrieval=getattr(args, "retrieval", None),
        llm=getattr(args, "llm", None),
        llm_model=getattr(args, "model", None),
        llm_base_url=getattr(args, "base_url", None),
    )


def _assistant(args: argparse.Namespace, *, progress: bool = True):  # type: ignore[no-untyped-def]
    from ._assistant import Assistant

    return Assistant.load(args.index, settings=_settings(args), progress=progress)


def _cmd_index(args: argparse.Namespace) -> int:
    from ._assistant import Assistant

    assistant = Assistant(args.index, settings=_settings(args))
    report = assistant.index(args.paths, rebuild=args.rebuild, prune=not args.no_prune, progress=True)
    for skipped in report.skipped:
        print(f"warning: {skipped}", file=sys.stderr)
    print(report.summary())
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from ._assistant import validate_question

    validate_question(args.question)  # fail before loading anything
    assistant = _assistant(args)
    answer = None
    streamed = False
    for event in assistant.stream(args.question, top_k=args.top_k):
        if event.kind == "token" and not args.json:
            print(event.text, end="", flush=True)
            streamed = True
        answer = event.answer or answer
    if answer is None:  # pragma: no cover - stream() always ends with a final event
        raise RuntimeError("no answer")
    if streamed:
        print("\n\nChecked answer (unsupported sentences removed, citations verified):")
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"  [{c.n}] {c.title} ({c.doc_id}, chars {c.start}-{c.end})\n      “{c.quote}”")
    elif answer.passages:
        print("\nRetrieved passages:")
        for p in answer.passages[:3]:
            print(f"  - {p.title} ({p.doc_id}, score {p.score:.3f})")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    info = assistant.info()
    if args.json:
        info["documents_list"] = [{"id": d.id, "title": d.title, "source": d.source} for d in assistant.documents()]
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"index:     {info['index_dir']}  ({info['size_bytes'] / 1024:.1f} KiB, updated {info['updated_at']})")
    print(f"model:     {info['embedding_model']} ({info['dimension']} dims)")
    print(f"chunker:   {info['chunker']}")
    print(f"documents: {info['documents']}   chunks: {info['chunks']}   sentences: {info['sentences']}")
    for doc in assistant.documents():
        print(f"  - {doc.id}: {doc.title}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from ._evaluation import run_eval_command

    return run_eval_command(args, _settings(args))


def _cmd_ui(args: argparse.Namespace) -> int:
    from ui.app import launch

    launch(index_dir=args.index, settings=_settings(args), host=args.host, port=args.port, share=args.share)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers from a folder of news articles.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", metavar="DIR", default=None, help="index folder (default: index/default)")
        p.add_argument("--config", metavar="FILE", default=None, help="TOML file of settings")

    def llm_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--llm", choices=["none", "openai", "ollama", "llamacpp"], default=None,
                       help="answer with an LLM instead of quoting (default: none, the extractive answerer)")
        p.add_argument("--model", default=None, help="LLM model name, or GGUF path for --llm llamacpp")
        p.add_argument("--base-url", default=None, help="OpenAI-compatible or Ollama server URL (keys from $OPENAI_API_KEY)")

    p = sub.add_parser("index", help="index files and folders (incremental)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    common(p)
    p.add_argument("--rebuild", action="store_true", help="start from scratch (after a model or chunker change)")
    p.add_argument("--no-prune", action="store_true", help="keep documents that vanished from the given folders")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    common(p)
    p.add_argument("--top-k", type=int, default=None, help="passages to retrieve (default 5)")
    p.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default=None)
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    llm_options(p)
    p.set_defaults(func=_cmd_ask)

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
    p.add_argument("--limit", type=int, default=None, help="evaluate a seeded sample of N questions")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default=None)
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("ui", help="start the browser chat")
    common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="ask Gradio for a public link (needs internet)")
    llm_options(p)
    p.set_defaults(func=_cmd_ui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    logging.getLogger("rag").setLevel(logging.ERROR)  # the CLI prints skipped files itself
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RagError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the index on disk is unchanged unless a build finished", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the CLI promises one line, not a traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"error: unexpected {type(error).__name__}: {error} (set RAG_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
