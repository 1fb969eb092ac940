"""The REST and OpenAI-compatible APIs under load: a real `rag serve` subprocess, concurrent httpx clients.

    python -m bench.api_load                      # 20 clients x 10 questions of the bundled gold set
    python -m bench.api_load --clients 5 --questions 3

Builds the demo index into ``index/bench-api`` (first use), starts ``rag
serve`` on a free 127.0.0.1 port and waits for ``/api/v1/health``. Then:

1. every question of the run is asked alone (``POST /api/v1/ask``), once to
   warm up and once to record its answer;
2. ``--clients`` threads, each its own ``httpx.Client``, ask ``--questions``
   questions each (each client starts at a different place in the list):
   latency per request, errors, and *cross-talk*, an answer that differs
   from the answer to the same question asked alone;
3. time to first streamed token: ``POST /v1/chat/completions`` with
   ``stream: true``, from sending to the first chunk with text, for each
   question alone, and again with ``--clients`` streams at once.

Every request is bounded (``--timeout``), and the traffic never leaves
loopback. The clients run on the same cores as the server. Writes
``bench/results/api_load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from rag import Assistant, bundled_articles_dir
from rag.evaluation import load_eval_set, percentile, write_atomic

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "rag" / "data" / "gold.jsonl"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(index_dir: Path, config: Path | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    Assistant(index_dir).index([bundled_articles_dir()])
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}
    settings = ["--config", str(config.resolve())] if config is not None else []
    process = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index", str(index_dir), "--port", str(port), *settings],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"rag serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return url, process
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("rag serve did not answer /api/v1/health within 180 s")


def _ask(client: httpx.Client, url: str, question: str, timeout: float) -> tuple[float, str | None, str | None]:
    """Seconds, the answer's text (with its cited documents) and the error, if any."""
    started = time.perf_counter()
    try:
        response = client.post(f"{url}/api/v1/ask", json={"question": question}, timeout=timeout)
        response.raise_for_status()
        answer = response.json()
        text = answer["answer"] + " | " + ",".join(f"{c['doc_id']}:{c['start']}" for c in answer["citations"])
        return time.perf_counter() - started, text, None
    except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
        return time.perf_counter() - started, None, f"{type(error).__name__}: {error}"


def _first_token(url: str, question: str, timeout: float) -> float | None:
    """Seconds from sending a streamed chat completion to its first chunk with text (``None`` on an error)."""
    body = {"model": "rag-news", "stream": True, "messages": [{"role": "user", "content": question}]}
    started = time.perf_counter()
    try:
        with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=timeout) as response:
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    delta = json.loads(line[6:])["choices"][0]["delta"]
                    if delta.get("content"):
                        return time.perf_counter() - started
    except Exception:  # noqa: BLE001 - reported as a missing figure
        return None
    return None


def _stats(seconds: list[float]) -> dict[str, float | None]:
    return {"p50_ms": round(1000 * percentile(seconds, 50), 1) if seconds else None,
            "p95_ms": round(1000 * percentile(seconds, 95), 1) if seconds else None,
            "max_ms": round(1000 * max(seconds), 1) if seconds else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one request may take")
    parser.add_argument("--config", type=Path, default=None, help="a TOML file of settings for rag serve")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 50 and 1 <= args.questions <= 49):
        parser.error("--clients must be 1..50 and --questions 1..49 (the run is bounded)")
    questions = [example.question for example in load_eval_set(GOLD).examples]
    url, process = _serve(ROOT / "index" / "bench-api", args.config)
    try:
        with httpx.Client() as client:
            for question in questions:
                _ask(client, url, question, args.timeout)  # warm-up: first-request costs are not load
            alone_runs = {q: _ask(client, url, q, args.timeout) for q in questions}
        alone = {q: text for q, (_, text, _) in alone_runs.items()}

        def run_client(n: int) -> list[tuple[str, float, str | None, str | None]]:
            with httpx.Client() as client:
                asked = [questions[(n * args.questions + k) % len(questions)] for k in range(args.questions)]
                return [(q, *_ask(client, url, q, args.timeout)) for q in asked]

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            rows = [row for run in pool.map(run_client, range(args.clients)) for row in run]
        wall = time.perf_counter() - started
        ttft_alone = [t for t in (_first_token(url, q, args.timeout) for q in questions[:10]) if t is not None]
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            loaded_ttft = list(pool.map(lambda n: _first_token(url, questions[n % len(questions)], args.timeout),
                                        range(args.clients)))
    finally:
        process.terminate()
        process.wait(timeout=30)
    seconds = [s for _, s, _, error in rows if error is None]
    errors = [error for *_, error in rows if error is not None]
    cross_talk = sum(1 for q, _, text, error in rows if error is None and text != alone[q])
    result: dict[str, Any] = {
        "command": "python -m bench.api_load " + " ".join(argv if argv is not None else sys.argv[1:]),
        "clients": args.clients, "questions_per_client": args.questions, "requests": len(rows),
        "alone": _stats([s for s, _, e in alone_runs.values() if e is None]),
        "loaded": {**_stats(seconds), "errors": len(errors), "cross_talk": cross_talk, "wall_s": round(wall, 2),
                   "requests_per_s": round(len(rows) / wall, 1)},
        "first_token_alone": _stats(ttft_alone),
        "first_token_loaded": {**_stats([t for t in loaded_ttft if t is not None]),
                               "errors": sum(t is None for t in loaded_ttft)},
        "first_errors": errors[:3],
    }
    name = "api_load.json" if args.config is None else f"api_load-{args.config.stem}.json"
    write_atomic(args.out / name, json.dumps(result, indent=2) + "\n")
    a, lo, f, fl = result["alone"], result["loaded"], result["first_token_alone"], result["first_token_loaded"]
    print(f"one request alone:      p50 {a['p50_ms']} ms, p95 {a['p95_ms']} ms ({len(alone_runs)} questions)")
    print(f"{args.clients} clients x {args.questions}: p50 {lo['p50_ms']} ms, p95 {lo['p95_ms']} ms, max {lo['max_ms']} ms, "
          f"errors {lo['errors']}, cross-talk {cross_talk} of {len(rows)}, {lo['requests_per_s']} requests/s")
    if a["p50_ms"] and lo["p95_ms"]:
        print(f"loaded p95 / alone p50: {lo['p95_ms'] / a['p50_ms']:.1f}x")
    print(f"first streamed token:   alone p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms; "
          f"{args.clients} streams at once p50 {fl['p50_ms']} ms, p95 {fl['p95_ms']} ms")
    ok = lo["errors"] == 0 and cross_talk == 0 and fl["errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
