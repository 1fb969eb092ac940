"""Cost against corpus size for the dense index the project builds (rag/_ann.py).

    python -m bench.scale                      # 10k, 100k and 1M synthetic chunks
    python -m bench.scale --sizes 10000 100000

Synthetic unit vectors drawn around 2,000 random centres (real embeddings are
clustered; uniform random vectors would be a worst case no corpus shows).
For each size: build time, single-query p50/p95, index memory (its serialized
size, which is what it occupies in RAM), and recall@10 against exact search.
Writes ``bench/results/scale.json`` and ``scale.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from rag.components import build_dense_index, search_one
from rag.evaluation import percentile

RESULTS = Path(__file__).resolve().parent / "results"
DIM = 384


def synthetic(n: int, n_queries: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    def draw(count: int) -> np.ndarray:
        out = np.empty((count, DIM), dtype=np.float32)
        for lo in range(0, count, 100_000):
            hi = min(count, lo + 100_000)
            block = centres[rng.integers(0, len(centres), hi - lo)] + 0.06 * rng.standard_normal((hi - lo, DIM), dtype=np.float32)
            out[lo:hi] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return out

    return draw(n), draw(n_queries)


def measure(n: int, n_queries: int) -> dict:
    import faiss

    vectors, queries = synthetic(n, n_queries)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    del exact
    started = time.perf_counter()
    index, info = build_dense_index(vectors)
    build_s = time.perf_counter() - started
    latencies = []
    found = []
    for q in queries:
        t0 = time.perf_counter()
        ids = search_one(index, q, 10)  # the product's query path
        latencies.append((time.perf_counter() - t0) * 1000)
        found.append(ids)
    recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
    memory = len(faiss.serialize_index(index))
    return {"n": n, "structure": info, "build_s": round(build_s, 2),
            "query_p50_ms": round(percentile(latencies, 50), 3), "query_p95_ms": round(percentile(latencies, 95), 3),
            "index_mb": round(memory / 2**20, 1), "recall_at_10_vs_exact": round(recall, 4)}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["n"] for r in rows]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
    for ax, key, label in zip(axes, ["build_s", "query_p50_ms", "index_mb", "recall_at_10_vs_exact"],
                              ["build (s)", "query p50 (ms)", "index memory (MiB)", "recall@10 vs exact"]):
        ax.plot(sizes, [r[key] for r in rows], marker="o")
        ax.set_xscale("log")
        ax.set_title(label)
        ax.set_xlabel("chunks")
        ax.grid(alpha=0.3)
    axes[3].set_ylim(0.9, 1.005)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        print(f"size {n:,} ...", file=sys.stderr)
        rows.append(measure(n, args.queries))
        print(json.dumps(rows[-1]), file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps(rows, indent=2))
    plot(rows, args.out / "scale.png")
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
