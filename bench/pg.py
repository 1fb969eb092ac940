"""The PostgreSQL + pgvector store against the local store, as same-run ratios (``python -m bench --store pg``).

    python -m bench.pg                    # 300 SQuAD paragraphs, 100 questions; 100k-vector HNSW; 100k-text BM25
    python -m bench.pg --docs 40 --questions 10 --vectors 5000 --texts 5000   # a smoke run

Needs a server: ``--url`` or, by default, one started here with
``scripts/pg.sh`` on a free loopback port (stopped afterwards).

1. **SQuAD paragraphs** indexed into both stores: build throughput
   (documents/s; the PostgreSQL build writes into the database in one transaction),
   then warm ``ask()`` p50/p95 over the same questions, and whether every
   answer and citation is identical.
2. **HNSW at scale**: ``--vectors`` synthetic unit vectors (384 dims,
   clustered, as sentence embeddings are) in a pgvector table with the
   store's HNSW settings (m 16, ef_construction 128, ef_search 200): recall@10
   against exact search, and query p50.
3. **BM25 in SQL at scale**: ``--texts`` real sentences (SQuAD 1.1 train,
   91,254 at most), indexed by bm25s and published as the store's postings
   table, queried as the store queries it (each term's best postings
   summed): top-10 overlap with bm25s and query p50 of both.

Writes ``bench/results/pg.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.evaluation import percentile

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    """A throwaway server from scripts/pg.sh, unless a URL was given."""

    def __init__(self, url: str | None):
        self.url, self.port, self.data = url, None, None

    def __enter__(self) -> str:
        if self.url:
            return self.url
        self.port = _free_port()
        holder = Path(tempfile.mkdtemp(prefix="rag-news-pg-bench-"))
        holder.chmod(0o755)
        self.data = holder / "data"
        done = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "start", "--port", str(self.port), "--dir", str(self.data)],
                              capture_output=True, text=True, check=True)
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def __exit__(self, *exc: object) -> None:
        if self.data is not None:
            subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop", "--port", str(self.port), "--dir", str(self.data),
                            "--delete"], capture_output=True, text=True)


def _database(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def squad_part(url: str, docs: int, questions: int, seed: int) -> dict:
    from rag import Assistant, LoadResult
    from rag.evaluation import load_eval_set

    eval_set = load_eval_set(SHARED / "squad-dev-v1.1.json")
    rng = random.Random(seed)
    corpus = rng.sample(eval_set.corpus or [], docs)
    ids = {d.id for d in corpus}
    asked = [e.question for e in eval_set.examples if set(e.relevant) & ids]
    rng.shuffle(asked)
    asked = asked[:questions]
    out: dict = {"documents": docs, "questions": len(asked)}
    answers: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        Assistant(Path(tmp) / "warm").index_loaded(LoadResult(documents=corpus[:2]))  # model load and export, untimed
        # A database of its own per run, so the build starts from nothing.
        database = _database(url, f"bench_squad_{os.getpid()}_{int(time.time())}")
        for name, location in (("local", str(Path(tmp) / "index")), ("pg", database)):
            started = time.perf_counter()
            Assistant(location).index_loaded(LoadResult(documents=corpus))
            build = time.perf_counter() - started
            assistant = Assistant.load(location)
            for q in asked[:5]:
                assistant.ask(q)  # warm
            times, got = [], []
            for q in asked:
                t0 = time.perf_counter()
                answer = assistant.ask(q)
                times.append((time.perf_counter() - t0) * 1000)
                got.append((answer.text, [(c.doc_id, c.start, c.end) for c in answer.citations]))
            answers[name] = got
            out[name] = {"build_s": round(build, 2), "docs_per_s": round(docs / build, 1),
                         "ask_p50_ms": round(percentile(times, 50), 2), "ask_p95_ms": round(percentile(times, 95), 2)}
    out["identical_answers"] = sum(a == b for a, b in zip(answers["local"], answers["pg"]))
    out["ratios_pg_over_local"] = {
        "build_throughput": round(out["pg"]["docs_per_s"] / out["local"]["docs_per_s"], 3),
        "ask_p50": round(out["pg"]["ask_p50_ms"] / out["local"]["ask_p50_ms"], 3),
        "ask_p95": round(out["pg"]["ask_p95_ms"] / out["local"]["ask_p95_ms"], 3),
    }
    return out


def _clustered(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    centers = rng.normal(size=(max(8, n // 500), dim)).astype(np.float32)
    vectors = centers[rng.integers(0, len(centers), n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def hnsw_part(url: str, n: int, queries: int, seed: int) -> dict:
    import psycopg
    from pgvector.psycopg import register_vector

    from rag.components import EF_SEARCH

    rng = np.random.default_rng(seed)
    vectors = _clustered(n, 384, rng)
    picks = rng.integers(0, n, queries)
    asked = vectors[picks] + 0.3 * rng.normal(size=(queries, 384)).astype(np.float32) / np.sqrt(384)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    with psycopg.connect(_database(url, "bench_hnsw"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute("CREATE TABLE v (row int PRIMARY KEY, embedding vector(384))")
        started = time.perf_counter()
        with conn.cursor().copy("COPY v (row, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "vector"])
            for i, vector in enumerate(vectors):
                copy.write_row((i, vector))
        load_s = time.perf_counter() - started
        conn.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        conn.execute("CREATE INDEX ON v USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 128)")
        index_s = time.perf_counter() - started
        conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
        recalls, times = [], []
        for q in asked:
            exact = set(np.argsort(-(vectors @ q))[:10].tolist())
            t0 = time.perf_counter()
            got = [r for (r,) in conn.execute("SELECT row FROM v ORDER BY embedding <#> %s LIMIT 10", (q,)).fetchall()]
            times.append((time.perf_counter() - t0) * 1000)
            recalls.append(len(exact & set(got)) / 10)
    return {"vectors": n, "queries": queries, "load_s": round(load_s, 1), "hnsw_build_s": round(index_s, 1),
            "recall_at_10": round(float(np.mean(recalls)), 4), "query_p50_ms": round(percentile(times, 50), 2)}


def bm25_part(url: str, n: int, queries: int, seed: int) -> dict:
    import bm25s
    import psycopg

    from rag.components import POSTINGS_PER_TERM, bm25_terms, split_sentences

    squad = json.loads((SHARED / "squad1" / "train-v1.1.json").read_text(encoding="utf-8"))
    texts, questions = [], []
    for article in squad["data"]:
        for par in article["paragraphs"]:
            texts.extend(par["context"][s:e] for s, e in split_sentences(par["context"]))
            questions.extend(q["question"] for q in par["qas"])
    rng = random.Random(seed)
    texts = texts[:n]
    rng.shuffle(questions)
    terms = [bm25_terms(t) for t in texts]
    bm25 = bm25s.BM25()
    bm25.index(terms, show_progress=False)
    vocab = bm25.vocab_dict
    with psycopg.connect(_database(url, "bench_bm25"), autocommit=True) as conn:
        conn.execute("CREATE TABLE postings (tid int NOT NULL, row int NOT NULL, score real NOT NULL)")
        data, indices, indptr = bm25.scores["data"], bm25.scores["indices"], bm25.scores["indptr"]
        with conn.cursor().copy("COPY postings FROM STDIN") as copy:
            for tid in range(len(indptr) - 1):
                for k in range(int(indptr[tid]), int(indptr[tid + 1])):
                    copy.write_row((tid, int(indices[k]), float(data[k])))
        conn.execute("CREATE INDEX ON postings (tid, score DESC) INCLUDE (row)")
        overlaps, sql_ms, local_ms = [], [], []
        for question in questions[:queries]:
            query = [t for t in bm25_terms(question) if t in vocab]
            if not query:
                continue
            t0 = time.perf_counter()
            ids, scores = bm25.retrieve([query], k=10, show_progress=False, n_threads=1)
            local_ms.append((time.perf_counter() - t0) * 1000)
            local = {int(i) for i, s in zip(ids[0], scores[0]) if s > 0}
            t0 = time.perf_counter()
            rows = conn.execute(
                "SELECT p.row, SUM(p.score) AS s FROM unnest(%s::int[]) AS q(tid) CROSS JOIN LATERAL (SELECT row, score "
                f"FROM postings p WHERE p.tid = q.tid ORDER BY p.score DESC LIMIT {POSTINGS_PER_TERM}) p "
                "GROUP BY p.row ORDER BY s DESC, p.row LIMIT 10", ([vocab[t] for t in query],)).fetchall()
            sql_ms.append((time.perf_counter() - t0) * 1000)
            if local:
                overlaps.append(len(local & {int(r) for r, _ in rows}) / len(local))
    return {"texts": len(texts), "queries": len(sql_ms), "top10_overlap_with_bm25s": round(float(np.mean(overlaps)), 4),
            "sql_p50_ms": round(percentile(sql_ms, 50), 2), "bm25s_p50_ms": round(percentile(local_ms, 50), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="an existing server (default: start one with scripts/pg.sh)")
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    from rag.evaluation import write_atomic

    with _Server(args.url) as url:
        result = {
            "command": "python -m bench.pg " + " ".join(argv if argv is not None else sys.argv[1:]),
            "squad": squad_part(url, args.docs, args.questions, args.seed),
            "hnsw": hnsw_part(url, args.vectors, 200, args.seed),
            "bm25": bm25_part(url, args.texts, 200, args.seed),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "pg.json", json.dumps(result, indent=2) + "\n")
    s, h, b = result["squad"], result["hnsw"], result["bm25"]
    print(f"SQuAD {s['documents']} paragraphs, {s['questions']} questions: build {s['local']['docs_per_s']} vs "
          f"{s['pg']['docs_per_s']} docs/s (pg/local {s['ratios_pg_over_local']['build_throughput']}); ask p50 "
          f"{s['local']['ask_p50_ms']} vs {s['pg']['ask_p50_ms']} ms ({s['ratios_pg_over_local']['ask_p50']}x), p95 "
          f"{s['ratios_pg_over_local']['ask_p95']}x; identical answers {s['identical_answers']}/{s['questions']}")
    print(f"HNSW {h['vectors']} vectors: recall@10 {h['recall_at_10']}, query p50 {h['query_p50_ms']} ms (build {h['hnsw_build_s']} s)")
    print(f"BM25 {b['texts']} texts: top-10 overlap with bm25s {b['top10_overlap_with_bm25s']}, p50 SQL {b['sql_p50_ms']} ms vs "
          f"bm25s {b['bm25s_p50_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
