"""What a question sends to PostgreSQL: the largest SQL parameter list and the search SQL time (issue #25).

    python -m bench.pg_params --url postgresql://rag@127.0.0.1:55433/rag             # build once, then measure
    python -m bench.pg_params --url postgresql://rag@127.0.0.1:55433/rag --no-build  # measure another checkout on it

An index of ``--docs`` real SQuAD dev paragraphs (``squad-dev-v1.1.json``),
dated over 2019-2024, plus ``--copies`` paragraphs indexed a second time
under another id and outlet, so the archive holds syndicated copy groups (a
news archive always does). Then ``--questions`` SQuAD questions are searched
(:class:`rag._retrieval.HybridSearcher`, hybrid mode, top 5; query vectors
computed beforehand, so only the search is timed) under three filters:
none, one year (2021), one month (June 2021). Every statement is observed
by wrapping the store's ``_Connections.fetch``: the longest list parameter
(a vector is one value, not counted) of the statements on the postings
(BM25), on the chunks (dense search, and the chunk vectors fetched by row)
and on the sentences (the rerank's vectors, bounded by the passages), and
the p50 milliseconds of the BM25 and dense statements per question.

The database is built by the checkout that runs with ``--build`` (default);
with ``--no-build`` another checkout (e.g. ``main``) measures the same
tables, which is how the before/after figures in docs/benchmarks.md were
taken. Writes ``bench/results/pg-params.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from rag.evaluation import percentile

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FILTERS = {
    "none": None,
    "2021": (date(2021, 1, 1), date(2021, 12, 31)),
    "June 2021": (date(2021, 6, 1), date(2021, 6, 30)),
}


def _corpus(squad: Path, docs: int, copies: int) -> tuple[list[Any], list[str]]:
    from rag.evaluation import load_eval_set

    eval_set = load_eval_set(squad)
    corpus = list(eval_set.corpus or [])[:docs]
    start = date(2019, 1, 1)
    dated = [dataclasses.replace(d, published=(start + timedelta(days=(i * 37) % 2190)).isoformat(), outlet=f"outlet-{i % 8}")
             for i, d in enumerate(corpus)]
    step = max(1, len(dated) // max(1, copies))
    extra = [dataclasses.replace(d, id=f"{d.id}-copy", outlet="wire", published=(date.fromisoformat(d.published) + timedelta(days=1))
                                 .isoformat()) for d in dated[::step][:copies]]
    ids = {d.id for d in corpus}
    questions = [e.question for e in eval_set.examples if set(e.relevant) & ids]
    return dated + extra, questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_params", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL database (scripts/pg.sh start prints one)")
    parser.add_argument("--squad", type=Path, default=SHARED / "squad-dev-v1.1.json")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--no-build", dest="build", action="store_false", help="measure the index already in --url")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pg-params.json")
    args = parser.parse_args(argv)

    from rag import Assistant, LoadResult
    from rag.components import DateRange
    from rag.stores import _pgvector

    corpus, questions = _corpus(args.squad, args.docs, args.copies)
    questions = questions[:: max(1, len(questions) // args.questions)][: args.questions]
    if args.build:
        started = time.perf_counter()
        Assistant(args.url).index_loaded(LoadResult(documents=corpus))
        print(f"built {len(corpus)} documents in {time.perf_counter() - started:.0f} s", flush=True)
    assistant = Assistant.load(args.url)
    index, searcher = assistant.snapshot()
    vectors = [searcher.embed_query(q) for q in questions]

    calls: list[tuple[str, int, float]] = []
    real = _pgvector._Connections.fetch

    def observed(self: Any, sql: str, params: Any = None) -> list[Any]:
        values = list(params.values()) if isinstance(params, dict) else list(params or ())
        longest = max((len(p) for p in values if isinstance(p, (list, tuple))), default=0)
        t0 = time.perf_counter()
        rows = real(self, sql, params)
        calls.append((sql, longest, (time.perf_counter() - t0) * 1000))
        return rows

    _pgvector._Connections.fetch = observed  # type: ignore[method-assign]
    result: dict[str, Any] = {"label": args.label, "documents": len(index.documents), "chunks": index.n_chunks,
                              "copies": int(index.n_copies), "questions": len(questions), "filters": {}}
    for name, bounds in FILTERS.items():
        dates = None if bounds is None else DateRange(since=bounds[0], until=bounds[1])
        for q, v in list(zip(questions, vectors))[:3]:
            searcher.search(q, 5, query_vector=v, dates=dates)  # warm
        longest: dict[str, list[int]] = {"bm25": [], "chunks": [], "sentences": [], "any": []}
        bm25_ms, dense_ms, db_ms = [], [], []
        for q, v in zip(questions, vectors):
            calls.clear()
            searcher.search(q, 5, query_vector=v, dates=dates)
            # BM25: statements on the postings; chunks: dense search and chunk-vector lookups; sentences: the rerank's.
            kinds = {"bm25": [c for c in calls if "_postings" in c[0]],
                     "chunks": [c for c in calls if "_chunks" in c[0] and "_postings" not in c[0]],
                     "sentences": [c for c in calls if "_sentences" in c[0]], "any": calls}
            for kind, picked in kinds.items():
                longest[kind].append(max((n for _, n, _ in picked), default=0))
            bm25_ms.append(sum(ms for _, _, ms in kinds["bm25"]))
            dense_ms.append(sum(ms for sql, _, ms in kinds["chunks"] if "<#>" in sql or "count(*)" in sql or "= ANY" in sql))
            db_ms.append(sum(ms for _, _, ms in calls))
        result["filters"][name] = {
            **{f"largest_list_{kind}": max(values) for kind, values in longest.items()},
            "bm25_ms_p50": round(percentile(bm25_ms, 50), 2), "dense_ms_p50": round(percentile(dense_ms, 50), 2),
            "db_ms_p50": round(percentile(db_ms, 50), 2), "db_ms_mean": round(float(np.mean(db_ms)), 2),
        }
        f = result["filters"][name]
        print(f"{name:>10}: largest list: BM25 {f['largest_list_bm25']}, chunks {f['largest_list_chunks']}, sentences "
              f"{f['largest_list_sentences']}; p50 ms BM25 {f['bm25_ms_p50']}, dense {f['dense_ms_p50']}, all SQL {f['db_ms_p50']}",
              flush=True)
    _pgvector._Connections.fetch = real  # type: ignore[method-assign]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
