"""One system's benchmark in a process of its own (so its peak RSS is its own).

Usage: python -m bench.run_one {ours,baseline} --docs N --questions M --workdir DIR --out FILE.json [--config TOML]
Prints nothing; writes build throughput, warm query latencies, peak RSS and index size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

SQUAD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "squad-dev-v1.1.json"


def squad_sample(path: Path, n_docs: int, n_questions: int, seed: int = 13) -> tuple[list, list[str]]:
    from rag.evaluation import load_eval_set

    squad = load_eval_set(path)
    docs = squad.corpus[:n_docs] if n_docs else squad.corpus  # type: ignore[index]
    ids = {d.id for d in docs}
    questions = [e.question for e in squad.examples if next(iter(e.relevant)) in ids]
    random.Random(seed).shuffle(questions)
    return docs, questions[:n_questions]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_ours(docs: list, questions: list[str], workdir: Path, config: Path | None) -> dict:
    from rag import Assistant, LoadResult, Settings

    settings = Settings.from_file(config) if config else Settings()
    assistant = Assistant(workdir / "ours", settings=settings)
    assistant.embeddings.load()  # model load is not indexing work; both systems load first
    started = time.perf_counter()
    report = assistant.index_loaded(LoadResult(documents=docs))
    build_s = time.perf_counter() - started
    by_reader = {}
    for reader in (settings.reader, *({"model", "fast"} - {settings.reader})):  # the configured reader first
        assistant.ask(questions[0], reader=reader)  # warm
        latencies = []
        for question in questions:
            t0 = time.perf_counter()
            assistant.ask(question, reader=reader)
            latencies.append((time.perf_counter() - t0) * 1000)
        by_reader[reader] = latencies
    return {"build_s": build_s, "chunks": report.n_chunks, "latencies_ms": by_reader[settings.reader],
            "latencies_by_reader_ms": by_reader, "index_bytes": dir_size(workdir / "ours")}


def run_baseline(docs: list, questions: list[str], workdir: Path, config: Path | None) -> dict:
    from rag.evaluation import LangChainRecipe

    recipe = LangChainRecipe()
    recipe.build(docs[:1])  # load the model outside the timed build, as for ours
    started = time.perf_counter()
    recipe.build(docs)
    build_s = time.perf_counter() - started
    recipe.search(questions[0])
    latencies = []
    for question in questions:
        t0 = time.perf_counter()
        recipe.search(question, k=4)
        latencies.append((time.perf_counter() - t0) * 1000)
    recipe.store.save_local(str(workdir / "baseline"))
    return {"build_s": build_s, "chunks": recipe.n_chunks, "latencies_ms": latencies,
            "index_bytes": dir_size(workdir / "baseline")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["ours", "baseline"])
    parser.add_argument("--docs", type=int, default=0)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None, help="settings TOML for ours")
    args = parser.parse_args()
    docs, questions = squad_sample(args.squad, args.docs, args.questions)
    result = (run_ours if args.system == "ours" else run_baseline)(docs, questions, args.workdir, args.config)
    result["documents"] = len(docs)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
