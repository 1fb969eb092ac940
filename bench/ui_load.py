"""UI under load: concurrent chat users against the real app on loopback, with gradio_client.

    python -m bench.ui_load                      # 20 users x 5 questions, the bundled demo index
    python -m bench.ui_load --users 5 --questions 2 --reader fast

Starts the app in a server process of its own on a free 127.0.0.1 port over
the demo index (built into ``index/bench-ui`` on first use), with the queue
settings of ``rag ui`` (``ui.app.CONCURRENCY`` requests at once), then runs
``--users`` threads in this process, each its own ``gradio_client.Client``,
asking ``--questions`` questions in turn from a fixed list (each user starts at
a different place in it). The clients share the machine's cores with the
server but not its interpreter lock, as browsers would share neither. Every
request is bounded (``--timeout`` seconds) and so is the whole run, and the
traffic never leaves loopback.

It reports, per request, the wall time from submit to the final update, and
checks each answer for its own expected words: a wrong one is *cross-talk*
(another user's answer), a failed request an *error*. ``--concurrency N``
measures other queue settings (written to ``ui_load-cN.json``). The single-user
latency is measured first in the same run, so the load figures read as a
ratio to it as well (the machine is shared and noisy). The server process's
CPU time per loaded request is reported too (``server_cpu_ms_per_request``).
Writes ``bench/results/ui_load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gradio_client.utils import apply_diff

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


def _serve(reader: str, concurrency: int, config: Path | None, port: int) -> None:
    """Serve the app until stopped (the server process: ``--serve-port``)."""
    from ui.app import build_app, launch_options

    index_dir = ROOT / "index" / "bench-ui"
    settings = Settings.from_file(config) if config is not None else Settings()
    assistant = Assistant(index_dir, settings=settings.updated(reader=reader))
    assistant.index([bundled_articles_dir()])
    app = build_app(assistant, upload_dir=index_dir.parent / "bench-ui-uploads")
    app.queue(default_concurrency_limit=concurrency).launch(
        server_name="127.0.0.1", server_port=port, **launch_options()
    )


def _start_server(reader: str, concurrency: int, config: Path | None, timeout: float) -> tuple[str, subprocess.Popen]:
    """Start ``_serve`` in its own process and wait until it answers."""
    port = _free_port()
    command = [sys.executable, "-m", "bench.ui_load", "--serve-port", str(port), "--reader", reader,
               "--concurrency", str(concurrency)] + (["--config", str(config)] if config is not None else [])
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"error: the UI server exited with code {server.returncode} before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return url, server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"error: the UI server did not answer within {timeout:.0f} s")


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _BrowserUser:
    """One user as a browser tab is one: a session on one kept-alive connection, speaking Gradio's queue protocol.

    It joins the queue (``POST gradio_api/queue/join``) and reads its session's
    event stream (``GET gradio_api/queue/data``) until the request completes,
    applying the streamed diffs, as Gradio's front end does. ``gradio_client``
    (``--client gradio``) speaks the same protocol but opens a new connection,
    and builds a new SSL context, for every call.
    """

    def __init__(self, url: str, timeout: float) -> None:
        import httpx

        self._http = httpx.Client(base_url=url, timeout=timeout)
        config = self._http.get("config").json()
        chat = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
        kinds = {c["id"]: c["type"] for c in config["components"]}
        self._fn, self._trigger = chat["id"], chat["targets"][0][0]
        self._state = [kinds[i] == "state" for i in chat["inputs"]]
        info = self._http.get("gradio_api/info").json()["named_endpoints"]["/chat"]["parameters"]
        self._defaults = [p.get("parameter_default") for p in info]
        self._session = uuid.uuid4().hex

    def chat(self, *values: object) -> list:
        """The chat's final outputs for these leading inputs (the rest at their defaults)."""
        given = list(values) + self._defaults[len(values):]
        data = [None if state else given.pop(0) for state in self._state]
        joined = self._http.post("gradio_api/queue/join", json={
            "data": data, "fn_index": self._fn, "session_hash": self._session, "event_data": None,
            "trigger_id": self._trigger})
        joined.raise_for_status()
        event = joined.json()["event_id"]
        outputs: list = []
        with self._http.stream("GET", "gradio_api/queue/data", params={"session_hash": self._session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("event_id") != event:
                    continue
                if message["msg"] == "process_generating":
                    data = message["output"]["data"]
                    outputs = data if not outputs else [apply_diff(old, new) for old, new in zip(outputs, data)]
                elif message["msg"] == "process_completed":
                    if not message.get("success", True):
                        raise RuntimeError(f"the app failed: {message['output']}")
                    return message["output"].get("data") or outputs
        raise RuntimeError("the event stream ended before the request completed")


def _user(url: str, user: int, questions: int, timeout: float, reader_label: str, kind: str) -> list[dict]:
    if kind == "gradio":
        from gradio_client import Client

        client = Client(url, verbose=False)

        def chat(*values: object) -> list:
            return list(client.submit(*values, api_name="/chat").result(timeout=timeout))
    else:
        chat = _BrowserUser(url, timeout).chat
    out = []
    for k in range(questions):
        question, expected = QUESTIONS[(user + k) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            _, history, sources = chat(question, [], 5, "Extractive (quotes)", reader_label)[:3]
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
    parser.add_argument("--client", choices=("browser", "gradio"), default="browser",
                        help="browser: one kept-alive connection per user, as a browser tab (default); gradio: gradio_client")
    parser.add_argument("--serve-port", type=int, default=None, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 50 and 1 <= args.questions <= 20):
        parser.error("--users must be 1..50 and --questions 1..20 (the run is bounded)")
    from ui.app import CONCURRENCY, READERS

    label = next(k for k, v in READERS.items() if v == args.reader)
    concurrency = args.concurrency or CONCURRENCY
    if args.serve_port is not None:
        _serve(args.reader, concurrency, args.config, args.serve_port)
        return 0
    url, server = _start_server(args.reader, concurrency, args.config, timeout=300.0)
    try:
        _user(url, 0, 2, args.timeout, label, args.client)  # warm-up: first-request costs are not load
        alone = _summary(_user(url, 0, len(QUESTIONS), args.timeout, label, args.client))
        load_before = os.getloadavg()[0]
        cpu_before = _cpu_seconds(server.pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.users) as pool:
            runs = list(pool.map(lambda u: _user(url, u, args.questions, args.timeout, label, args.client), range(args.users)))
        wall = time.perf_counter() - started
        server_cpu = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    loaded = _summary([r for run in runs for r in run])
    result = {
        "command": "python -m bench.ui_load " + " ".join(argv if argv is not None else sys.argv[1:]),
        "users": args.users, "questions_per_user": args.questions, "reader": args.reader, "client": args.client, "config": str(args.config) if args.config else None, "concurrency": concurrency,
        "alone": alone, "loaded": loaded, "wall_s": round(wall, 2), "load_average_before": round(load_before, 2),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, loaded["requests"]), 1),
        "p95_ratio_to_alone": round(loaded["p95_s"] / alone["p50_s"], 2) if loaded["p95_s"] and alone["p50_s"] else None,
    }
    name = "ui_load.json" if concurrency == CONCURRENCY else f"ui_load-c{concurrency}.json"
    if args.config is not None:
        name = name.replace(".json", f"-{args.config.stem}.json")
    write_atomic(args.out / name, json.dumps(result, indent=2) + "\n")
    print(f"one user alone:  p50 {alone['p50_s']} s, p95 {alone['p95_s']} s ({alone['requests']} requests)")
    print(f"{args.users} users x {args.questions}: p50 {loaded['p50_s']} s, p95 {loaded['p95_s']} s, max {loaded['max_s']} s, "
          f"errors {loaded['errors']}, cross-talk {loaded['cross_talk']}, {wall:.1f} s in all, "
          f"server CPU {result['server_cpu_ms_per_request']} ms a request")
    return 0 if loaded["errors"] == 0 and loaded["cross_talk"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
