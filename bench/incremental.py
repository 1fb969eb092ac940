"""What adding a few articles to a local index costs against the index's size (issue #25).

    python -m bench.incremental                         # 500 and 5,000 documents, add 10, 3 repeats
    python -m bench.incremental --sizes 300 3000 --repeats 1
    python -m bench.incremental --code /other/checkout --label before   # another checkout's ``rag``

Documents are the unique SQuAD 1.1 train paragraphs (``shared/data/squad1``)
in file order, with deterministic ids (``squad-00042``) and publication
dates spread over ten years. A base index of the first N is built once and
cached (``--cache``, default ``/tmp/rag-incr``); each measured add copies
it and adds the file's last 10 paragraphs (the same 10 for every size) in
a fresh process, as a store writer's ``add`` does (``build_index`` with
``prune=False``). That process loads the model and warms it first, then
resets its peak-RSS counter (``/proc/self/clear_refs``), so "add peak RSS"
is the high-water mark of the add itself; "process peak" includes the
model. Phases are timed by wrapping the build's own functions: loading the
old index, embedding the new texts, assembling the rows, copy grouping,
and writing the generation (of which FAISS and BM25 are timed apart).

Writes ``bench/results/incremental-<label>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "data" / "squad1" / "train-v1.1.json"
RESULTS = ROOT / "bench" / "results"


def squad_documents(path: Path = SQUAD) -> list[dict[str, Any]]:
    """Every unique SQuAD train paragraph as a document record, in file order."""
    squad = json.loads(path.read_text(encoding="utf-8"))
    records: dict[str, str] = {}
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            records.setdefault(paragraph["context"].strip(), article["title"].replace("_", " "))
    start = datetime.date(2015, 1, 1)
    return [
        {"id": f"squad-{i:05d}", "title": title, "source": f"squad/{i:05d}", "text": text,
         "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
         "published": (start + datetime.timedelta(days=(i * 7919) % 3650)).isoformat()}  # spread over ten years
        for i, (text, title) in enumerate(records.items())
    ]


# --- the measured process (runs with ``--code``'s ``rag``) -------------------------------------------------------


def _child(mode: str, index_dir: Path, docs_path: Path) -> dict[str, Any]:
    import resource

    from rag import MiniLMEmbeddings, Settings, TokenChunker
    from rag._loading import LoadResult
    from rag._types import SourceDocument

    settings = Settings()
    embeddings = MiniLMEmbeddings(backend=settings.embed_backend, batch_size=settings.embed_batch_size, show_progress=False)
    embeddings.encode(["warm up the model"])
    chunker = TokenChunker(settings.chunk_tokens, settings.chunk_overlap)
    documents = [SourceDocument(**json.loads(line)) for line in docs_path.read_text("utf-8").splitlines()]
    times = _timed_phases() if mode == "add" else {}
    import rag._ingest as ingest

    reset = _reset_peak()
    rss_before = _status_kb("VmRSS")
    started = time.perf_counter()
    report = ingest.build_index(index_dir, LoadResult(documents=documents), embeddings=embeddings, chunker=chunker,
                                prune=False, sentence_vectors=settings.sentence_vectors, chunk_vectors=settings.chunk_vectors)
    seconds = time.perf_counter() - started
    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    return {
        "seconds": round(seconds, 3),
        "phases_s": {name: round(value, 3) for name, value in times.items()},
        "rss_before_mb": round(rss_before / 1024, 1),
        "add_peak_rss_mb": round(_status_kb("VmHWM") / 1024, 1) if reset else None,
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "added": len(report.added), "n_documents": manifest["n_documents"], "n_chunks": manifest["n_chunks"],
        "n_sentences": manifest["n_sentences"], "rag": str(Path(ingest.__file__).resolve().parent),
    }


def _timed_phases() -> dict[str, float]:
    """Wrap the build's steps (names both the old and the new code have) to add up their time."""
    import bm25s

    import rag._ingest as ingest
    import rag.stores._local as local

    times: dict[str, float] = {}

    def wrap(owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                times[label] = times.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)

    for owner, name, label in [
        (ingest, "load_index", "load old index"),
        (ingest, "_assemble", "assemble (incl. embedding, copy groups)"),
        (ingest, "_embed_chunks_and_sentences", "embed new texts"),
        (ingest, "copy_groups", "copy groups"),
        (ingest, "write_generation", "write generation (incl. FAISS, BM25)"),
        (local, "build_dense_index", "FAISS build"),
        (local, "bm25_terms", "BM25 tokenising"),
        (bm25s.BM25, "index", "BM25 indexing"),
    ]:
        wrap(owner, name, label)
    return times


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# --- the driver ----------------------------------------------------------------------------------------------------


def _run_child(code: Path, mode: str, index_dir: Path, docs_path: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", mode, str(index_dir), str(docs_path)],
                          cwd=code, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{mode} of {index_dir} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_docs(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def measure(sizes: list[int], n_add: int, repeats: int, code: Path, cache: Path) -> dict[str, Any]:
    records = squad_documents()
    added = records[-n_add:]
    if max(sizes) > len(records) - n_add:
        raise SystemExit(f"at most {len(records) - n_add} documents")
    cache.mkdir(parents=True, exist_ok=True)
    added_path = _write_docs(cache / f"added-{n_add}.jsonl", added)
    rows = []
    for n in sizes:
        base = cache / f"base-{n}"
        if not (base / "manifest.json").exists():  # built once, with this checkout's code; the format is shared
            shutil.rmtree(base, ignore_errors=True)
            print(f"building the base index of {n:,} documents ...", file=sys.stderr)
            built = _run_child(ROOT, "base", base, _write_docs(cache / f"base-{n}.jsonl", records[:n]))
            print(f"  {built['seconds']} s", file=sys.stderr)
        runs = []
        for r in range(repeats):
            work = cache / f"work-{os.getpid()}-{n}-{r}"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(base, work)
            try:
                runs.append(_run_child(code, "add", work, added_path))
            finally:
                shutil.rmtree(work, ignore_errors=True)
            print(f"size {n:,} add {r + 1}: {runs[-1]['seconds']} s, add peak {runs[-1]['add_peak_rss_mb']} MB", file=sys.stderr)
        median = statistics.median(run["seconds"] for run in runs)
        phases = {name: round(statistics.median(run["phases_s"].get(name, 0.0) for run in runs), 3)
                  for name in runs[0]["phases_s"]}
        rows.append({
            "base_documents": n, "n_chunks": runs[0]["n_chunks"], "n_sentences": runs[0]["n_sentences"],
            "add_seconds_median": round(median, 3),
            "add_seconds_without_embedding": round(median - phases.get("embed new texts", 0.0), 3),
            "phases_s_median": phases,
            "add_peak_rss_mb": max(run["add_peak_rss_mb"] or 0 for run in runs),
            "add_rss_growth_mb": round(max((run["add_peak_rss_mb"] or 0) - run["rss_before_mb"] for run in runs), 1),
            "process_peak_rss_mb": max(run["process_peak_rss_mb"] for run in runs),
            "runs": runs,
        })
    small, large = rows[0], rows[-1]

    def ratio(key: str) -> float:
        return round(large[key] / small[key], 2) if small[key] else float("nan")

    return {
        "sizes": sizes, "added": n_add, "repeats": repeats, "rag": runs[0]["rag"], "rows": rows,
        "ratios_large_over_small": {key: ratio(key) for key in (
            "add_seconds_median", "add_seconds_without_embedding", "add_peak_rss_mb", "add_rss_growth_mb", "process_peak_rss_mb")},
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(_child(argv[1], Path(argv[2]), Path(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.incremental")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--add", type=int, default=10, help="documents added to each base index")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose rag runs the adds")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rag-incr"))
    parser.add_argument("--label", default="latest")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = measure(sorted(args.sizes), args.add, args.repeats, args.code.resolve(), args.cache)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"incremental-{args.label}.json").write_text(json.dumps(result, indent=2))
    for row in result["rows"]:
        print(f"{row['base_documents']:>6,} docs ({row['n_chunks']:,} chunks, {row['n_sentences']:,} sentences): "
              f"add {row['add_seconds_median']} s ({row['add_seconds_without_embedding']} s without embedding), "
              f"add peak RSS {row['add_peak_rss_mb']} MB (+{row['add_rss_growth_mb']} MB)")
        for name, value in row["phases_s_median"].items():
            print(f"    {name}: {value} s")
    print("large / small:", json.dumps(result["ratios_large_over_small"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
