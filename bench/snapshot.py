"""Every answer the product gives on the bundled sets, written out so a refactor can prove it changed none.

    python -m bench.snapshot --out /tmp/now.json                 # local store, about a minute
    python -m bench.snapshot --check bench/results/snapshot.json  # exit 1 and list what differs
    python -m bench.snapshot --check bench/results/snapshot.json --check bench/results/snapshot-avx2.json
    python -m bench.snapshot --store postgresql://rag@127.0.0.1:5433/rag --check bench/results/snapshot.json

What it records, all through public calls (:class:`rag.Assistant`, ``rag eval``'s metrics):

- the bundled gold set (``rag/data/gold.jsonl``, over the demo articles):
  each question asked with each reader (``model`` and ``fast``), and as a
  follow-up of the question before it; the answer's JSON (``rag ask
  --json``) without its timings; then ``rag eval``'s metrics for
  ``hybrid`` with both readers;
- the dated Wikinews set (``bench/data/news-dated/``): each question asked
  as of its date on the full index (and the withheld index for its
  withheld questions), which goes through the time words, the preference
  for the newest report and the widening to the nearest articles;
- the timelines of a few queries over that set.

Questions asked with no date are left out: their time words count from
today, so their answers change with the calendar, not with the code.

``--store URL`` builds the indexes in that PostgreSQL database instead of
folders (each set in a schema of its own); the answers must be the same.
Scores are compared to six significant digits or 0.005: pgvector sums an
inner product in another order than FAISS (BM25 scores are the same to the
bit), and the models' float kernels differ between CPUs.

**One snapshot per kind of CPU.** The int8 products are exact on every CPU
(``rag/_int8.py``), but the float parts of the models (softmax, GELU, layer
norm) round differently with AVX-512 than with AVX2, and a near tie, such
as where a short answer ends, can fall the other way. So the answers are
recorded once per kind of CPU seen: ``bench/results/snapshot.json`` on a CPU
with AVX-512 and VNNI, ``bench/results/snapshot-avx2.json`` on one with AVX2
alone (a 2-core AMD EPYC). ``--check`` may be given more than once: the run
passes when it equals one of them, and otherwise lists what differs from the
nearest. A change of answers re-records the file of the CPU it was made on
and says so, and carries the same change into the other files, where
they agreed with the old answers (``--carry``):

    python -m bench.snapshot --out /tmp/new.json
    python -m bench.snapshot --carry bench/results/snapshot-avx2.json /tmp/new.json --into bench/results/snapshot.json

A changed value that the other file recorded differently before (a near
tie on that CPU, a score just past the noise) cannot be carried: it is
listed and keeps the other file's old value, which waits for a run on its
kind of CPU.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from rag import Assistant, bundled_articles_dir, load_paths
from rag.evaluation import evaluate, load_eval_set, write_atomic

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "rag" / "data" / "gold.jsonl"
NEWS = ROOT / "bench" / "data" / "news-dated"
TIMELINES = ("Boeing 787 Dreamliner delays", "General Motors bankruptcy", "Apple iPhone sales", "Airbus A380 deliveries")
READERS = ("model", "fast")


def _answer(answer: Any) -> dict[str, Any]:
    """The answer's JSON less what changes from run to run (timings, the folder files were read from).

    A passage keeps its offsets, scores and chunks but not its text (the offsets say which).
    """
    record = answer.to_dict()
    record.pop("timings_ms")
    scope = record.get("time_scope")
    if scope and scope.get("reference") == datetime.date.today().isoformat():
        scope["reference"] = "today"  # a question asked with no date counts from the day it is asked

    for citation in record["citations"]:
        citation.pop("source")
    for passage in record["passages"]:
        passage.pop("source")
        passage.pop("text")
    return record


def _location(work: Path, store: str | None, name: str) -> str | Path:
    if store is None:
        return work / name
    import psycopg

    schema = name.replace("-", "_")
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in store else "?"
    # The schema is new and empty, so the build starts from nothing.
    return f"{store}{separator}options=-csearch_path%3D{schema}%2Cpublic"


def gold_answers(location: str | Path) -> dict[str, Any]:
    """The gold set's answers with each reader, as follow-ups, and its ``rag eval`` metrics."""
    eval_set = load_eval_set(GOLD)
    Assistant(location).index([bundled_articles_dir()])
    assistant = Assistant.load(location)
    answers: dict[str, Any] = {}
    previous = None
    for example in eval_set.examples:
        entry = {reader: _answer(assistant.ask(example.question, reader=reader)) for reader in READERS}
        if previous is not None:
            entry["follow_up"] = _answer(assistant.ask(example.question, history=[previous]))
        answers[example.id] = entry
        previous = example.question
    results = evaluate(assistant, eval_set, modes=["hybrid"], ks=[1, 3, 5], top_k=assistant.settings.top_k, readers=READERS)
    metrics = {name: result.metrics for name, result in results.items()}
    for values in metrics.values():
        values.pop("latency_ms", None)
    return {"answers": answers, "metrics": metrics}


def news_answers(location_full: str | Path, location_withheld: str | Path, work: Path) -> dict[str, Any]:
    """The dated set's answers as of each question's date, and a few timelines."""
    from bench.news_dated import load_questions, withheld_docs

    questions = load_questions()
    partial = work / "articles-withheld"
    partial.mkdir(parents=True, exist_ok=True)
    held = withheld_docs(questions)
    for doc in load_paths([NEWS / "articles"]).documents:
        if doc.id not in held:
            shutil.copy2(doc.source, partial / Path(doc.source).name)
    Assistant(location_full).index([NEWS / "articles"])
    Assistant(location_withheld).index([partial])
    full, withheld = Assistant.load(location_full), Assistant.load(location_withheld)
    answers = {}
    for q in questions:
        assistant = withheld if q.unanswerable == "withheld" else full
        answers[q.id] = _answer(assistant.ask(q.question, as_of=q.as_of))
    timelines = {query: full.timeline(query, until="2013-12-31").to_dict() for query in TIMELINES}
    for timeline in timelines.values():
        for event in timeline["events"]:
            event["citation"].pop("source")
    return {"answers": answers, "timelines": timelines}


def snapshot(store: str | None = None) -> dict[str, Any]:
    """Everything this module records (see its docstring)."""
    with tempfile.TemporaryDirectory(prefix="rag-snapshot-") as tmp:
        work = Path(tmp)
        return {
            "gold": gold_answers(_location(work, store, "snap-gold")),
            "news_dated": news_answers(_location(work, store, "snap-news-full"),
                                       _location(work, store, "snap-news-withheld"), work),
        }


_SCORE_NOISE = 0.005


def differences(expected: Any, got: Any, path: str = "") -> list[str]:
    """Where ``got`` differs from ``expected``, as ``path: expected != got`` lines."""
    if isinstance(expected, dict) and isinstance(got, dict):
        found = []
        for key in sorted(set(expected) | set(got), key=str):
            if key not in got or key not in expected:
                found.append(f"{path}/{key}: {'missing' if key not in got else 'unexpected'}")
            else:
                found += differences(expected[key], got[key], f"{path}/{key}")
        return found
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [line for i, (e, g) in enumerate(zip(expected, got)) for line in differences(e, g, f"{path}[{i}]")]
    if isinstance(expected, float) and isinstance(got, float) and math.isclose(expected, got, rel_tol=1e-6, abs_tol=_SCORE_NOISE):
        # pgvector's inner products differ from FAISS's in the seventh digit, and the models' float kernels
        # (softmax, GELU, layer norm) from one CPU to another in the third: never the answer, and never a metric,
        # whose smallest step on the gold set (one of 39 questions) is 0.026.
        return []
    return [] if expected == got else [f"{path}: {json.dumps(expected)[:200]} != {json.dumps(got)[:200]}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.snapshot", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the snapshot here")
    parser.add_argument("--check", type=Path, action="append",
                        help="compare with this snapshot (repeatable: pass when one of them equals this run); "
                             "exit 1 when anything differs")
    parser.add_argument("--store", help="a PostgreSQL URL to build the indexes in (default: folders)")
    parser.add_argument("--carry", type=Path, nargs=2, metavar=("OLD", "NEW"),
                        help="with --into: carry the change from snapshot OLD to NEW into another CPU's snapshot")
    parser.add_argument("--into", type=Path, help="the snapshot --carry updates in place")
    args = parser.parse_args(argv)
    if bool(args.carry) != bool(args.into):
        parser.error("--carry OLD NEW and --into FILE go together")
    if args.carry:
        old, new, other = (json.loads(p.read_text(encoding="utf-8")) for p in (*args.carry, args.into))
        result, conflicts = carried(old, new, other)
        write_atomic(args.into, json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"carried {len(differences(old, new)) - len(conflicts)} change(s) into {args.into}")
        for line in conflicts[:50]:
            print(f"  not carried, {args.into.name} recorded it differently before: {line}")
        if conflicts:
            print(f"{len(conflicts)} change(s) wait for a run on that file's kind of CPU")
        return 0
    got = json.loads(json.dumps(snapshot(args.store)))  # as it reads back from disk
    if args.out:
        write_atomic(args.out, json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"wrote {args.out}")
    if args.check:
        path, found = nearest(got, args.check)
        for line in found[:50]:
            print(line)
        print(f"{len(found)} difference(s) from {path}")
        return 1 if found else 0
    return 0


def carried(old: Any, new: Any, other: Any, path: str = "") -> tuple[Any, list[str]]:
    """``other`` (another CPU's snapshot of ``old``'s code) with the change from ``old`` to ``new``.

    Where ``other`` equals ``old`` (within :func:`differences`' noise) it takes
    ``new``'s value; where nothing changed it keeps its own. A change at a
    place where ``other`` already differed from ``old`` is a conflict: its
    path is returned, and its value stays ``other``'s.
    """
    if not differences(old, new):
        return other, []
    if not differences(old, other):
        return new, []
    if all(isinstance(v, dict) for v in (old, new, other)) and set(old) == set(new) == set(other):
        keys, step = list(old), "/{}"
    elif all(isinstance(v, list) for v in (old, new, other)) and len(old) == len(new) == len(other):
        keys, step = list(range(len(old))), "[{}]"
    else:
        return other, [path or "/"]
    parts, conflicts = [], []
    for key in keys:
        part, found = carried(old[key], new[key], other[key], path + step.format(key))
        parts.append(part)
        conflicts += found
    return (dict(zip(keys, parts)) if isinstance(old, dict) else parts), conflicts


def nearest(got: Any, paths: list[Path]) -> tuple[Path, list[str]]:
    """The recorded snapshot among ``paths`` that ``got`` differs least from, and how it differs."""
    compared = [(path, differences(json.loads(path.read_text(encoding="utf-8")), got)) for path in paths]
    return min(compared, key=lambda pair: len(pair[1]))


if __name__ == "__main__":
    sys.exit(main())
