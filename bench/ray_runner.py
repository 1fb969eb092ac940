"""The Ray runner against the local runner on this machine: build time and identical vectors.

    python -m bench.ray_runner              # 300 SQuAD paragraphs
    python -m bench.ray_runner --docs 40    # quicker

Both build the same paragraphs into fresh folders, in this process; Ray
(``num_cpus`` = this machine's) is started before timing, so its start-up
is reported apart. On one machine the runner can only add overhead (task
scheduling, moving texts and vectors through Ray's object store); it is
for clusters. Writes ``bench/results/ray.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ray_runner", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    from rag import Assistant, LoadResult, load_index
    from rag.components import RayEmbeddings
    from rag.evaluation import load_eval_set, write_atomic

    corpus = random.Random(args.seed).sample(load_eval_set(SHARED / "squad-dev-v1.1.json").corpus or [], args.docs)
    started = time.perf_counter()
    RayEmbeddings("ray", num_cpus=os.cpu_count()).encode(["start Ray and its workers"])
    ray_start = time.perf_counter() - started
    result: dict = {"command": "python -m bench.ray_runner " + " ".join(argv if argv is not None else sys.argv[1:]),
                    "documents": args.docs, "cpus": os.cpu_count(), "ray_start_s": round(ray_start, 1)}
    with tempfile.TemporaryDirectory() as tmp:
        Assistant(Path(tmp) / "warm").index_loaded(LoadResult(documents=corpus[:2]))  # model export, untimed
        for runner in ("local", "ray"):
            started = time.perf_counter()
            Assistant(Path(tmp) / runner).index_loaded(LoadResult(documents=corpus), runner=runner)
            result[runner] = {"build_s": round(time.perf_counter() - started, 2)}
        local, on_ray = load_index(Path(tmp) / "local"), load_index(Path(tmp) / "ray")
        result["identical_vectors"] = bool(
            np.array_equal(np.asarray(local.sentence_vectors), np.asarray(on_ray.sentence_vectors))
            and np.array_equal(np.asarray(local.chunk_vectors), np.asarray(on_ray.chunk_vectors)))
    import ray

    ray.shutdown()
    result["ray_over_local_build_time"] = round(result["ray"]["build_s"] / result["local"]["build_s"], 3)
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "ray.json", json.dumps(result, indent=2) + "\n")
    print(f"{args.docs} paragraphs on {result['cpus']} CPUs: local {result['local']['build_s']} s, Ray {result['ray']['build_s']} s "
          f"({result['ray_over_local_build_time']}x), Ray start {result['ray_start_s']} s, identical vectors "
          f"{result['identical_vectors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
