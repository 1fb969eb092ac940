"""UI under load: concurrent chat users against the real app on loopback, with gradio_client.

    python -m bench.ui_load                      # 20 users x 5 questions, the bundled demo index
    python -m bench.ui_load --users 5 --questions 2 --reader fast

Starts the app in this process on a free 127.0.0.1 port over the demo index
(built into ``index/bench-ui`` on first use), with the queue settings of
``rag ui`` (``ui.app.CONCURRENCY`` requests at once), then runs ``--users`` threads,
each its own ``gradio_client.Client``, asking ``--questions`` questions in
turn from a fixed list (each user starts at a different place in it). Every
request is bounded (``--timeout`` seconds) and so is the whole run, and the
traffic never leaves loopback.

It reports, per request, the wall time from submit to the final update, and
checks each answer for its own expected words: a wrong one is *cross-talk*
(another user's answer), a failed request an *error*. ``--concurrency N``
measures other queue settings (written to ``ui_load-cN.json``). The single-user
latency is measured first in the same run, so the load figures read as a
ratio to it as well (the machine is shared and noisy). Writes
``bench/results/ui_load.json``.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rag import Assistant, Settings, bundled_articles_dir
from rag.evaluation import percentile, write_atomic

ROOT = Path(__file__).resolve().parents[1]

# Each question with words only its own answer contains (a refusal has its own text).
QUESTIONS = [
    ("How many troops?", "troops"),
    ("Why Tajikistan?", "Tajikistan"),
    ("What weapons will Russian troops use?", "Chinese-made weapons"),
    ("Who is Wei Fenghe?", "Wei Fenghe"),
    ("How many warships took part?", "don't contain the answer"),
    ("What is the SCO?", "Shanghai Cooperation Organization"),
    ("What did the Taliban claim?", "Taliban"),
    ("How long is Tajikistan's border with Afghanistan?", "843-mile"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(reader: str, concurrency: int, config: Path | None = None) -> tuple[str, object]:
    from ui.app import build_app, launch_options

    index_dir = ROOT / "index" / "bench-ui"
    settings = Settings.from_file(config) if config is not None else Settings()
    assistant = Assistant(index_dir, settings=settings.updated(reader=reader))
    assistant.index([bundled_articles_dir()])
    app = build_app(assistant, upload_dir=index_dir.parent / "bench-ui-uploads")
    port = _free_port()
    app.queue(default_concurrency_limit=concurrency).launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options()
    )
    return f"http://127.0.0.1:{port}/", app


def _user(url: str, user: int, questions: int, timeout: float, reader_label: str) -> list[dict]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    out = []
    for k in range(questions):
        question, expected = QUESTIONS[(user + k) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            job = client.submit(question, [], 5, "Extractive (quotes)", reader_label, api_name="/chat")
            _, history, sources = job.result(timeout=timeout)
            text = str(history[-1]["content"])
            out.append({"seconds": time.perf_counter() - started, "ok": expected in text + str(sources), "error": None})
        except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
            out.append({"seconds": time.perf_counter() - started, "ok": False, "error": f"{type(error).__name__}: {error}"})
    return out


def _summary(rows: list[dict]) -> dict:
    seconds = [r["seconds"] for r in rows if r["error"] is None]
    return {
        "requests": len(rows),
        "errors": sum(r["error"] is not None for r in rows),
        "cross_talk": sum(r["error"] is None and not r["ok"] for r in rows),
        "p50_s": round(percentile(seconds, 50), 3) if seconds else None,
        "p95_s": round(percentile(seconds, 95), 3) if seconds else None,
        "max_s": round(max(seconds), 3) if seconds else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui_load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per user")
    parser.add_argument("--reader", choices=("model", "fast"), default="model")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one request may take")
    parser.add_argument("--concurrency", type=int, default=None, help="requests the queue runs at once (default: rag ui's)")
    parser.add_argument("--config", type=Path, default=None, help="a TOML file of settings for the served assistant")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 50 and 1 <= args.questions <= 20):
        parser.error("--users must be 1..50 and --questions 1..20 (the run is bounded)")
    from ui.app import CONCURRENCY, READERS

    label = next(k for k, v in READERS.items() if v == args.reader)
    concurrency = args.concurrency or CONCURRENCY
    url, app = _serve(args.reader, concurrency, args.config)
    try:
        _user(url, 0, 2, args.timeout, label)  # warm-up: first-request costs are not load
        alone = _summary(_user(url, 0, len(QUESTIONS), args.timeout, label))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.users) as pool:
            runs = list(pool.map(lambda u: _user(url, u, args.questions, args.timeout, label), range(args.users)))
        wall = time.perf_counter() - started
    finally:
        app.close()  # type: ignore[attr-defined]
    loaded = _summary([r for run in runs for r in run])
    result = {
        "command": "python -m bench.ui_load " + " ".join(argv if argv is not None else sys.argv[1:]),
        "users": args.users, "questions_per_user": args.questions, "reader": args.reader, "config": str(args.config) if args.config else None, "concurrency": concurrency,
        "alone": alone, "loaded": loaded, "wall_s": round(wall, 2),
        "p95_ratio_to_alone": round(loaded["p95_s"] / alone["p50_s"], 2) if loaded["p95_s"] and alone["p50_s"] else None,
    }
    name = "ui_load.json" if concurrency == CONCURRENCY else f"ui_load-c{concurrency}.json"
    if args.config is not None:
        name = name.replace(".json", f"-{args.config.stem}.json")
    write_atomic(args.out / name, json.dumps(result, indent=2) + "\n")
    print(f"one user alone:  p50 {alone['p50_s']} s, p95 {alone['p95_s']} s ({alone['requests']} requests)")
    print(f"{args.users} users x {args.questions}: p50 {loaded['p50_s']} s, p95 {loaded['p95_s']} s, max {loaded['max_s']} s, "
          f"errors {loaded['errors']}, cross-talk {loaded['cross_talk']}, {wall:.1f} s in all")
    return 0 if loaded["errors"] == 0 and loaded["cross_talk"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
