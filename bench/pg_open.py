"""What opening a PostgreSQL index costs the client, at two archive sizes (issue #25: records over rows).

    python -m bench.pg_open build --url URL --docs 300 3000       # local indexes + one database per size (once)
    python -m bench.pg_open measure --url URL --docs 300 3000     # each size in a fresh process; prints JSON

``build`` indexes the first ``N`` of a fixed shuffle of SQuAD 1.1 train
paragraphs (``/work/shared/data/squad1/train-v1.1.json``; the smaller set
is a prefix of the larger) into a local folder under ``--work`` and into the
database ``pgopen_<N>`` of the server at ``--url``.

``measure`` runs, per size, a child process that imports everything first,
then opens the database index with :func:`rag.stores.open_index` and
reports:

* ``open_s`` and ``open_rss_mb``: the open's wall time and the process's
  resident-set growth across it (``/proc/self/statm``, after a
  ``gc.collect()``);
* ``open_rows`` / ``open_bytes``: the rows (and field bytes) the server
  returned to open it, counted on every ``psycopg.Connection.execute``;
* ``ask_rows`` / ``ask_bytes``: the same for 10 questions asked through a
  freshly loaded :class:`rag.Assistant` (after one warm-up question);
* ``ask_p50_ms``: warm ``ask()`` p50 over the first 20 questions (not
  counted; the first 10 again, so partly cached), for the database
  and for the local folder the database was published from, and whether
  their answers and citations are identical.

The questions are SQuAD's for the smaller set's paragraphs, so both sizes
ask the same ones. To measure another checkout (e.g. main before the
change), copy this file into its ``bench/`` and run ``measure`` from there.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SQUAD = Path("/work/shared/data/squad1/train-v1.1.json")
WORK = Path("/tmp/rag-news-pg-open")
SEED = 25


def _corpus(docs: int) -> tuple[list[Any], list[str]]:
    """The first ``docs`` paragraphs of the fixed shuffle, and the questions of the first 300 of them."""
    from rag.evaluation import load_eval_set

    eval_set = load_eval_set(SQUAD)
    corpus = list(eval_set.corpus or [])
    random.Random(SEED).shuffle(corpus)
    small = {d.id for d in corpus[:300]}
    questions = [e.question for e in eval_set.examples if set(e.relevant) & small]
    random.Random(SEED).shuffle(questions)
    return corpus[:docs], questions[:21]


def _database(url: str, docs: int) -> str:
    return url.rsplit("/", 1)[0] + f"/pgopen_{docs}"


def build(url: str, sizes: list[int], work: Path) -> None:
    """A local index per size, and the same documents indexed into a database of its own."""
    import psycopg

    from rag import Assistant, LoadResult

    for docs in sizes:
        corpus, _ = _corpus(docs)
        folder = work / f"local-{docs}"
        started = time.perf_counter()
        Assistant(folder).index_loaded(LoadResult(documents=corpus))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS pgopen_{docs}")
            conn.execute(f"CREATE DATABASE pgopen_{docs}")
        Assistant(_database(url, docs)).index_loaded(LoadResult(documents=corpus))
        print(f"{docs} documents: built in both stores in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Counter:
    """Rows and field bytes every ``psycopg.Connection.execute`` result brings back."""

    def __init__(self) -> None:
        import psycopg

        self.rows = self.bytes = 0
        self.on = True
        real = psycopg.Connection.execute

        def counted(conn: Any, *args: Any, **kw: Any) -> Any:
            cursor = real(conn, *args, **kw)
            result = cursor.pgresult
            if self.on and result is not None and result.ntuples:
                self.rows += result.ntuples
                self.bytes += sum(len(result.get_value(r, c) or b"") for r in range(result.ntuples) for c in range(result.nfields))
            return cursor

        psycopg.Connection.execute = counted  # type: ignore[method-assign]

    def take(self) -> tuple[int, int]:
        out = (self.rows, self.bytes)
        self.rows = self.bytes = 0
        return out


def _asks(assistant: Any, questions: list[str]) -> tuple[list[float], list[Any]]:
    times, got = [], []
    for q in questions:
        t0 = time.perf_counter()
        answer = assistant.ask(q)
        times.append((time.perf_counter() - t0) * 1000)
        got.append((answer.text, [(c.doc_id, c.start, c.end) for c in answer.citations]))
    return times, got


def measure_one(url: str, docs: int, work: Path) -> dict[str, Any]:
    """One size, in this (fresh) process."""
    import psycopg  # noqa: F401  (imported before the baseline, as a running client has it)
    from pgvector.psycopg import register_vector  # noqa: F401

    from rag import Assistant
    from rag.evaluation import percentile
    from rag.stores import current_generation, open_index

    database = _database(url, docs)
    counter = _Counter()
    current_generation(database)  # connect once (not open: that would pre-grow the heap the open then reuses)
    gc.collect()
    counter.take()
    before = _rss_mb()
    started = time.perf_counter()
    index = open_index(database)
    open_s = time.perf_counter() - started
    gc.collect()
    open_rss = _rss_mb() - before
    open_rows, open_bytes = counter.take()
    out: dict[str, Any] = {"documents": len(index.documents), "chunks": int(index.n_chunks),
                           "sentences": int(len(index.sentence_rows)), "open_s": round(open_s, 3),
                           "open_rss_mb": round(open_rss, 2), "open_rows": open_rows, "open_bytes": open_bytes}
    del index
    gc.collect()
    _, questions = _corpus(300)  # after the open: parsing SQuAD leaves a freed heap that an open would reuse unseen
    assistant = Assistant.load(database)
    assistant.ask(questions[-1])  # models loaded, warm
    counter.take()
    _, got_pg = _asks(assistant, questions[:10])
    out["ask_rows"], out["ask_bytes"] = counter.take()
    counter.on = False  # counting costs time: not while timing
    times_pg, more = _asks(assistant, questions[:20])
    local = Assistant.load(work / f"local-{docs}")
    local.ask(questions[-1])
    times_local, got_local = _asks(local, questions[:20])
    out["ask_p50_ms"] = {"pg": round(percentile(times_pg, 50), 1), "local": round(percentile(times_local, 50), 1)}
    out["ask_p50_ratio"] = round(out["ask_p50_ms"]["pg"] / out["ask_p50_ms"]["local"], 2)
    out["identical_answers"] = f"{sum(a == b for a, b in zip(more, got_local))}/20"
    out["rss_after_asks_mb"] = round(_rss_mb(), 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_open", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "measure", "one"])
    parser.add_argument("--url", required=True, help="a server's URL (postgresql://user@host:port/database)")
    parser.add_argument("--docs", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--work", type=Path, default=WORK, help="where the local indexes are built")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.url, args.docs, args.work)
    elif args.command == "one":
        print(json.dumps(measure_one(args.url, args.docs[0], args.work)))
    else:
        results = []
        for docs in args.docs:  # a fresh process per size: resident memory starts from the same place
            done = subprocess.run([sys.executable, "-m", "bench.pg_open", "one", "--url", args.url, "--docs", str(docs),
                                   "--work", str(args.work)], capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if len(results) >= 2:
            first, last = results[0], results[-1]
            results.append({"growth": {
                "documents": round(last["documents"] / first["documents"], 1),
                "open_rss": round((last["open_rss_mb"] or 0.01) / (first["open_rss_mb"] or 0.01), 2),
                "open_rows": round(last["open_rows"] / max(first["open_rows"], 1), 2),
                "ask_rows": round(last["ask_rows"] / max(first["ask_rows"], 1), 2),
                "open_plus_ask_rows": round((last["open_rows"] + last["ask_rows"]) / max(first["open_rows"] + first["ask_rows"], 1), 2),
            }})
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
