"""What adding a few articles to a local index costs against the index's size (issue #25).

    python -m bench.incremental                         # 500 and 5,000 documents, add 10, 3 repeats
    python -m bench.incremental --sizes 300 3000 --repeats 1
    python -m bench.incremental --code /other/checkout --label before   # another checkout's ``rag``
    python -m bench.incremental --store pg --url postgresql://rag@127.0.0.1:55435/rag   # the same adds into PostgreSQL
    python -m bench.incremental --dated --url postgresql://rag@127.0.0.1:55435/rag      # ask() with dates, both stores

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

With ``--store pg --url URL`` the cached local base index of each size is
written once into a database (``incr_base_<N>`` on the server at ``URL``,
its rows and vectors through the store's own ``apply_update``, so nothing
is embedded twice), and each add goes through the product's
public path, ``Assistant(url).index_loaded(..., prune=False)`` (what
``Assistant.add`` and ``rag index`` do), in a fresh process against a copy
of that database (``CREATE DATABASE ... TEMPLATE``). The database is
updated in place (no local copy of the index: "state folder created" says
whether anything was written on the client's disk). Phases are timed by
wrapping ``rag._building``'s steps: reading the stored documents' short
columns, planning and embedding, and applying the update in one
transaction. Writes ``incremental-pg-<label>.json``.

``--dated --url URL`` asks ~30 SQuAD questions of the largest size's local
index and of its database (the same documents), warm, with no date, with
a one-year ``since``/``until`` range and with ``as_of``, and reports
``ask()`` p50/p95 per store and whether the answers are identical.
Writes ``incremental-dated-<label>.json``.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

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

    import rag
    from rag import LoadResult, MiniLMEmbeddings, Settings, SourceDocument, TokenChunker, build_index

    settings = Settings()
    embeddings = MiniLMEmbeddings(backend=settings.embed_backend, batch_size=settings.embed_batch_size, show_progress=False)
    embeddings.encode(["warm up the model"])
    chunker = TokenChunker(settings.chunk_tokens, settings.chunk_overlap)
    documents = [SourceDocument(**json.loads(line)) for line in docs_path.read_text("utf-8").splitlines()]
    times = _timed_phases() if mode == "add" else {}
    reset = _reset_peak()
    rss_before = _status_kb("VmRSS")
    started = time.perf_counter()
    report = build_index(index_dir, LoadResult(documents=documents), embeddings=embeddings, chunker=chunker,
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
        "n_sentences": manifest["n_sentences"], "rag": str(Path(rag.__file__).resolve().parent),
    }


def _wrap(times: dict[str, float], owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its time to ``times[label]``."""
    inner = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            times[label] = times.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, timed)


def _timed_phases() -> dict[str, float]:
    """Wrap the build's steps to add up their time (a step the measured code does not have is left out)."""
    import bm25s

    import rag._ingest as ingest
    import rag.stores._local as local

    times: dict[str, float] = {}
    for owner, name, label in [
        (ingest, "load_index", "load old index"),
        (ingest, "_assemble", "assemble (incl. embedding, copy groups)"),
        (ingest, "_embed_chunks_and_sentences", "embed new texts"),
        (ingest, "copy_groups", "copy groups"),
        (ingest, "write_generation", "write generation (incl. FAISS, BM25)"),
        (ingest, "write_update", "write update: a segment of the added documents, tombstones, manifest"),
        (local, "_merged", "merge segments"),
        (local, "build_dense_index", "FAISS build"),
        (local, "bm25_terms", "BM25 tokenising"),
        (bm25s.BM25, "index", "BM25 indexing"),
    ]:
        if hasattr(owner, name):  # segments (write_update) are this checkout's; bm25s indexing is the one before
            _wrap(times, owner, name, label)
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


def _pg_child(url: str, docs_path: Path) -> dict[str, Any]:
    """One add into the database at ``url`` through ``Assistant.index_loaded`` (what ``add`` and ``rag index`` do)."""
    import resource

    import rag._building as building
    from rag import Assistant, LoadResult, SourceDocument

    assistant = Assistant(url)
    assistant.embeddings.encode(["warm up the model"])
    documents = [SourceDocument(**json.loads(line)) for line in docs_path.read_text("utf-8").splitlines()]
    times = _timed_phases()
    for owner, name, label in [
        (building, "catalog", "read the stored documents' short columns"),
        (building, "plan_update", "plan, chunk and embed the new documents"),
        (building, "apply_update", "apply the update (one transaction)"),
        (assistant._store, "open", "open the new index"),
    ]:
        _wrap(times, owner, name, label)
    reset = _reset_peak()
    rss_before = _status_kb("VmRSS")
    started = time.perf_counter()
    report = assistant.index_loaded(LoadResult(documents=documents), prune=False)
    seconds = time.perf_counter() - started
    manifest = assistant._store.open().manifest
    return {
        "seconds": round(seconds, 3), "state_folder_created": assistant.index_dir.exists(),
        "phases_s": {name: round(value, 3) for name, value in times.items()},
        "rss_before_mb": round(rss_before / 1024, 1),
        "add_peak_rss_mb": round(_status_kb("VmHWM") / 1024, 1) if reset else None,
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "added": len(report.added), "n_documents": manifest["n_documents"], "n_chunks": manifest["n_chunks"],
        "n_sentences": manifest["n_sentences"], "rag": str(Path(building.__file__).resolve().parent),
    }


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


def _base(cache: Path, records: list[dict[str, Any]], n: int) -> Path:
    """The cached local index of the first ``n`` documents (built once, with this checkout's code)."""
    base = cache / f"base-{n}"
    if not (base / "manifest.json").exists():
        shutil.rmtree(base, ignore_errors=True)
        print(f"building the base index of {n:,} documents ...", file=sys.stderr)
        built = _run_child(ROOT, "base", base, _write_docs(cache / f"base-{n}.jsonl", records[:n]))
        print(f"  {built['seconds']} s", file=sys.stderr)
    return base


def _database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


def _base_database(url: str, base: Path, n: int) -> tuple[str, float | None]:
    """``incr_base_<n>``: the cached local base index written into a database once (a template for each add's copy).

    Its rows and vectors go in through the store's own update
    (:func:`rag.stores.apply_update`, as one update of ``n`` new
    documents), so the base is not embedded twice. Returns the database's
    name and the seconds it took (``None``: it was there).
    """
    import psycopg

    from rag.stores import apply_update, open_index

    name = f"incr_base_{n}"
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        try:
            if open_index(_database(url, name)).manifest.get("n_documents") == n:
                return name, None
        except Exception:  # noqa: BLE001 - an older or half-built base: written again below
            pass
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    local = open_index(base)
    manifest = local.manifest
    started = time.perf_counter()
    apply_update(
        _database(url, name),
        {key: manifest[key] for key in ("embedding_model", "dimension", "chunker", "sentence_vectors", "chunk_vectors")},
        documents=list(local.documents), chunk_rows=np.asarray(local.chunk_rows), sentence_rows=np.asarray(local.sentence_rows),
        chunk_vectors=np.asarray(local.chunk_vectors, dtype=np.float32),
        sentence_vectors=np.asarray(local.sentence_vectors, dtype=np.float32), signatures=local.signatures)
    return name, round(time.perf_counter() - started, 3)


def _pg_add(url: str, template: str, added_path: Path, n: int) -> dict[str, Any]:
    """One add, in a fresh process, into a fresh copy of ``template``."""
    import psycopg

    name = f"incr_work_{n}"
    target = _database(url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "pg", target, str(added_path)],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"add into {name} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")


def measure_pg(sizes: list[int], n_add: int, repeats: int, url: str, cache: Path) -> dict[str, Any]:
    records = squad_documents()
    if max(sizes) > len(records) - n_add:
        raise SystemExit(f"at most {len(records) - n_add} documents")
    cache.mkdir(parents=True, exist_ok=True)
    added_path = _write_docs(cache / f"added-{n_add}.jsonl", records[-n_add:])
    rows = []
    for n in sizes:
        template, build_s = _base_database(url, _base(cache, records, n), n)
        runs = []
        for r in range(repeats):
            runs.append(_pg_add(url, template, added_path, n))
            print(f"size {n:,} add {r + 1}: {runs[-1]['seconds']} s, add peak {runs[-1]['add_peak_rss_mb']} MB, "
                  f"{runs[-1]['phases_s']}", file=sys.stderr)
        phases = {name: round(statistics.median(run["phases_s"].get(name, 0.0) for run in runs), 3)
                  for name in runs[0]["phases_s"]}
        rows.append({
            "base_documents": n, "base_build_s": build_s,
            "n_chunks_after": runs[0]["n_chunks"], "n_sentences_after": runs[0]["n_sentences"],
            "add_seconds_median": round(statistics.median(run["seconds"] for run in runs), 3),
            "apply_seconds_median": phases.get("apply the update (one transaction)", 0.0),
            "phases_s_median": phases,
            "add_peak_rss_mb": max(run["add_peak_rss_mb"] or 0 for run in runs),
            "add_rss_growth_mb": round(max((run["add_peak_rss_mb"] or 0) - run["rss_before_mb"] for run in runs), 1),
            "process_peak_rss_mb": max(run["process_peak_rss_mb"] for run in runs),
            "state_folder_created": any(run["state_folder_created"] for run in runs),
            "runs": runs,
        })
    small, large = rows[0], rows[-1]
    ratios = {}
    for key in ("add_seconds_median", "apply_seconds_median", "add_peak_rss_mb", "add_rss_growth_mb", "process_peak_rss_mb"):
        a, b = small[key], large[key]
        ratios[key] = round(b / a, 2) if a else None
    return {"store": "pg", "sizes": sizes, "added": n_add, "repeats": repeats, "rows": rows, "ratios_large_over_small": ratios}


# --- ask() with dates, local folder and database, at one size ------------------------------------------------------

DATE_FILTERS: dict[str, dict[str, str]] = {
    "no date": {},
    "since/until 2019": {"since": "2019-01-01", "until": "2019-12-31"},
    "as_of 2020-06-30": {"as_of": "2020-06-30"},
}


def _questions(n_docs: int, count: int, path: Path = SQUAD) -> list[str]:
    """One question of each of ``count`` paragraphs spread evenly over the first ``n_docs`` documents."""
    squad = json.loads(path.read_text(encoding="utf-8"))
    first: dict[str, str] = {}
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            if paragraph["qas"]:
                first.setdefault(paragraph["context"].strip(), paragraph["qas"][0]["question"])
    texts = [r["text"] for r in squad_documents(path)[:n_docs]]
    step = max(1, len(texts) // count)
    return [first[t] for t in texts[::step] if t in first][:count]


def measure_dated(url: str, n: int, count: int, cache: Path) -> dict[str, Any]:
    from rag import Assistant
    from rag.evaluation import percentile

    records = squad_documents()
    base = _base(cache, records, n)
    template, build_s = _base_database(url, base, n)
    questions = _questions(n, count)
    stores = {"local": Assistant.load(base), "pg": Assistant.load(_database(url, template))}
    times: dict[str, dict[str, list[float]]] = {s: {f: [] for f in DATE_FILTERS} for s in stores}
    answers: dict[str, dict[str, list[Any]]] = {s: {f: [] for f in DATE_FILTERS} for s in stores}
    for assistant in stores.values():  # warm: models loaded, each filter's first-use reads done
        for kw in DATE_FILTERS.values():
            assistant.ask(questions[-1], **kw)
    for q in questions:  # interleaved, so the machine's drift falls on both stores alike
        for label, kw in DATE_FILTERS.items():
            for store, assistant in stores.items():
                started = time.perf_counter()
                answer = assistant.ask(q, **kw)
                times[store][label].append((time.perf_counter() - started) * 1000)
                answers[store][label].append((answer.text, answer.refused, [(c.doc_id, c.start, c.end) for c in answer.citations]))
    table = {}
    for label in DATE_FILTERS:
        table[label] = {
            **{f"{store} p50_ms": round(percentile(times[store][label], 50), 1) for store in stores},
            **{f"{store} p95_ms": round(percentile(times[store][label], 95), 1) for store in stores},
            "p50 pg/local": round(percentile(times["pg"][label], 50) / percentile(times["local"][label], 50), 2),
            "answered (local)": sum(not a[1] for a in answers["local"][label]),
            "identical": f"{sum(a == b for a, b in zip(answers['local'][label], answers['pg'][label]))}/{len(questions)}",
        }
    return {"documents": n, "questions": len(questions), "filters": DATE_FILTERS, "database": template,
            "base_build_s": build_s, "results": table}


def measure(sizes: list[int], n_add: int, repeats: int, code: Path, cache: Path) -> dict[str, Any]:
    records = squad_documents()
    added = records[-n_add:]
    if max(sizes) > len(records) - n_add:
        raise SystemExit(f"at most {len(records) - n_add} documents")
    cache.mkdir(parents=True, exist_ok=True)
    added_path = _write_docs(cache / f"added-{n_add}.jsonl", added)
    rows = []
    for n in sizes:
        base = _base(cache, records, n)  # built once, with this checkout's code; the format is shared
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
        if argv[1] == "pg":
            print(json.dumps(_pg_child(argv[2], Path(argv[3]))))
        else:
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
    parser.add_argument("--store", choices=["local", "pg"], default="local")
    parser.add_argument("--url", help="a PostgreSQL server (postgresql://user@host:port/database) for --store pg and --dated")
    parser.add_argument("--dated", action="store_true", help="ask() with and without dates at the largest size, both stores")
    parser.add_argument("--questions", type=int, default=30, help="questions for --dated")
    args = parser.parse_args(argv)
    if (args.store == "pg" or args.dated) and not args.url:
        parser.error("--store pg and --dated need --url")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.dated:
        dated = measure_dated(args.url, max(args.sizes), args.questions, args.cache)
        (args.out / f"incremental-dated-{args.label}.json").write_text(json.dumps(dated, indent=2))
        print(json.dumps(dated["results"], indent=2))
        return 0
    if args.store == "pg":
        pg = measure_pg(sorted(args.sizes), args.add, args.repeats, args.url, args.cache)
        (args.out / f"incremental-pg-{args.label}.json").write_text(json.dumps(pg, indent=2))
        _print(pg, lambda r: f"{r['base_documents']:>6,} docs: add {r['add_seconds_median']} s "
                             f"(apply {r['apply_seconds_median']} s), add peak RSS {r['add_peak_rss_mb']} MB "
                             f"(+{r['add_rss_growth_mb']} MB), state folder created: {r['state_folder_created']}")
        return 0
    result = measure(sorted(args.sizes), args.add, args.repeats, args.code.resolve(), args.cache)
    (args.out / f"incremental-{args.label}.json").write_text(json.dumps(result, indent=2))
    _print(result, lambda r: f"{r['base_documents']:>6,} docs ({r['n_chunks']:,} chunks, {r['n_sentences']:,} sentences): "
                             f"add {r['add_seconds_median']} s ({r['add_seconds_without_embedding']} s without embedding), "
                             f"add peak RSS {r['add_peak_rss_mb']} MB (+{r['add_rss_growth_mb']} MB)")
    return 0


def _print(result: dict[str, Any], headline: Callable[[dict[str, Any]], str]) -> None:
    """Each size's headline and phase medians, then the large / small ratios."""
    for row in result["rows"]:
        print(headline(row))
        for name, value in row["phases_s_median"].items():
            print(f"    {name}: {value} s")
    print("large / small:", json.dumps(result["ratios_large_over_small"]))


if __name__ == "__main__":
    sys.exit(main())
