"""Evaluation runs: score configurations of the assistant on an evaluation set.

One run loads the index once and evaluates each configuration (retrieval
mode ``hybrid``/``dense``/``bm25``, or ``langchain``, the tutorial recipe as
a retrieval-only baseline; and for each mode, each reader ``model``/``fast``
given with ``--reader``) on the same questions. It reports retrieval
(hit@k, recall@k, MRR@10, nDCG@10 over documents), answers (exact match,
answer-contained, token F1), citations (precision, recall), refusals
(precision, recall) and latency (p50, p95), plus the worst failures.

Trade-offs: retrieval metrics are computed over the ranked *documents* of
the retrieved passages (first appearance), for ours and the baseline alike,
so a system is not rewarded for returning one document twice. Each question
retrieves once at the depth the metrics need and answers from the first
``top_k`` passages, which are exactly the passages ``ask`` would use.

Example:
    >>> results = evaluate(assistant, load_eval_set("rag/data/gold.jsonl"), modes=["hybrid"])  # doctest: +SKIP
    >>> results["hybrid"].metrics["answer"]["contained"]  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._assistant import Assistant
from ._atomic import write_atomic
from ._config import READERS, Settings
from ._exceptions import ConfigError, IndexMismatchError, IndexNotFoundError
from ._goldsets import EvalSet, GoldExample, load_eval_set, without_articles
from ._loading import LoadResult
from ._metrics import (
    answer_contained,
    exact_match,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    refusal_scores,
    spans_overlap,
    token_f1,
    unique,
)
from ._query import Query, date_range
from ._reader import trained_articles
from ._retrieval import MODES
from ._types import Answer
from .stores import open_index

__all__ = ["ConfigResult", "ExampleResult", "answer_scores", "evaluate", "run_eval_command"]

BASELINE = "langchain"


@dataclass
class ExampleResult:
    """One question's outcome under one configuration."""

    id: str
    question: str
    answerable: bool
    expected: list[str]
    ranked_docs: list[str]
    answer: str | None
    refused: bool | None
    latency_ms: float
    scores: dict[str, float | None] = field(default_factory=dict)


@dataclass
class ConfigResult:
    """Aggregated metrics and per-question results of one configuration."""

    name: str
    metrics: dict[str, Any]
    examples: list[ExampleResult]


def evaluate(
    assistant: Assistant,
    eval_set: EvalSet,
    *,
    modes: list[str],
    ks: list[int],
    top_k: int,
    readers: Sequence[str] = (),
    progress: bool = False,
) -> dict[str, ConfigResult]:
    """Evaluate each configuration in ``modes`` on ``eval_set``.

    Args:
        assistant: A loaded assistant whose index holds the set's corpus.
        eval_set: The questions.
        modes: Retrieval modes and/or ``"langchain"``.
        ks: Cut-offs for hit@k and recall@k.
        top_k: Passages the answerer sees (as in ``ask``).
        readers: Readers to compare (``("model", "fast")``); each mode is then
            run once per reader, named ``mode+reader``. Default: the
            assistant's own reader, named by the mode alone.
        progress: Show a progress bar.
    """
    for mode in modes:
        if mode not in (*MODES, BASELINE):
            raise ConfigError(f"unknown configuration {mode!r} in --compare: use {', '.join((*MODES, BASELINE))}")
    depth = max(max(ks), 10)
    results: dict[str, ConfigResult] = {}
    for mode in modes:
        if mode == BASELINE:
            results[mode] = _evaluate_baseline(assistant, eval_set, ks, depth, progress)
        elif not readers:
            results[mode] = _evaluate_mode(assistant, None, eval_set, mode, ks, depth, top_k, progress)
        else:
            for name in readers:
                results[f"{mode}+{name}"] = _evaluate_mode(
                    assistant, name, eval_set, mode, ks, depth, top_k, progress, label=f"{mode}+{name}"
                )
    return results


def _progress(items: list[GoldExample], desc: str, progress: bool) -> Any:
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, leave=False)


def _evaluate_mode(
    assistant: Assistant,
    reader: str | None,
    eval_set: EvalSet,
    mode: str,
    ks: list[int],
    depth: int,
    top_k: int,
    progress: bool,
    *,
    label: str | None = None,
) -> ConfigResult:
    pipeline = assistant.pipeline()
    candidates = max(assistant.settings.candidates, depth * 3)  # deep enough to rank depth * 2 passages
    examples: list[ExampleResult] = []
    for example in _progress(eval_set.examples, label or mode, progress):
        started = time.perf_counter()
        # Asked as `ask()` asks it: the line's as_of and the question's time words set the dates.
        query = Query(example.question, dates=date_range(None, None, example.as_of), top_k=top_k, reader=reader,
                      use_llm=False, mode=mode, depth=depth * 2, candidates=candidates)
        final = list(pipeline.run(query))[-1]
        answer = final.answer
        if answer is None:  # run() ends with the final event
            raise RuntimeError("the pipeline ended without an answer")
        latency = (time.perf_counter() - started) * 1000
        ranked = unique(p.doc_id for p in final.passages)
        # Sets without gold answers (BEIR) are scored on retrieval only; the answer is timed, not judged.
        judged = eval_set.has_answers
        result = ExampleResult(
            example.id, example.question, example.answerable, list(example.answers), ranked,
            answer.text if judged else None, answer.refused if judged else None, latency,
        )
        result.scores = _retrieval_scores(ranked, example, ks)
        if eval_set.has_answers:
            result.scores.update(answer_scores(answer, example, assistant))
        examples.append(result)
    return ConfigResult(label or mode, _aggregate(examples, ks, eval_set.has_answers), examples)


def _evaluate_baseline(assistant: Assistant, eval_set: EvalSet, ks: list[int], depth: int, progress: bool) -> ConfigResult:
    from ._baseline import LangChainRecipe

    index, _ = assistant.snapshot()
    recipe = LangChainRecipe().build(index.documents)
    examples: list[ExampleResult] = []
    for example in _progress(eval_set.examples, BASELINE, progress):
        started = time.perf_counter()
        ranked = unique(recipe.search(example.question, k=depth * 2))
        latency = (time.perf_counter() - started) * 1000
        result = ExampleResult(example.id, example.question, example.answerable, list(example.answers), ranked, None, None, latency)
        result.scores = _retrieval_scores(ranked, example, ks)
        examples.append(result)
    metrics = _aggregate(examples, ks, has_answers=False)
    metrics["note"] = f"LangChain recipe: RecursiveCharacterTextSplitter(1000, 200), {recipe.n_chunks} chunks; retrieval only"
    return ConfigResult(BASELINE, metrics, examples)


def _retrieval_scores(ranked: list[str], example: GoldExample, ks: list[int]) -> dict[str, float | None]:
    if not example.relevant:
        return {}
    scores: dict[str, float | None] = {}
    for k in ks:
        scores[f"hit@{k}"] = hit_at_k(ranked, example.relevant, k)
        scores[f"recall@{k}"] = recall_at_k(ranked, example.relevant, k)
    scores["mrr@10"] = mrr_at_k(ranked, example.relevant, 10)
    scores["ndcg@10"] = ndcg_at_k(ranked, example.relevant, 10)
    return scores


def answer_scores(answer: Answer, example: GoldExample, assistant: Assistant) -> dict[str, float | None]:
    """``rag eval``'s answer metrics of one answer: EM, contained, F1 (of the text and the short answer), citation precision and recall.

    Empty for an unanswerable example (refusals are scored over the set).
    """
    scores: dict[str, float | None] = {}
    if not example.answerable:
        return scores
    text = "" if answer.refused else answer.text
    scores["em"] = exact_match(text, example.answers)
    scores["contained"] = answer_contained(text, example.answers)
    scores["f1"] = token_f1(text, example.answers)
    short = "" if answer.refused else (answer.short_answer or answer.text)
    scores["short_em"] = exact_match(short, example.answers)
    scores["short_f1"] = token_f1(short, example.answers)
    spans = _evidence_spans(example, assistant)
    supported = 0
    covered: set[int] = set()
    for citation in answer.citations:
        hits = {i for i, (doc_id, span) in enumerate(spans) if doc_id == citation.doc_id and (
            span is None or spans_overlap(span, (citation.start, citation.end)))}
        covered |= hits
        if hits or answer_contained(citation.quote, example.answers):
            supported += 1
    scores["citation_precision"] = supported / len(answer.citations) if answer.citations else None
    scores["citation_recall"] = len(covered) / len(spans) if spans else None
    return scores


def _evidence_spans(example: GoldExample, assistant: Assistant) -> list[tuple[str, tuple[int, int] | None]]:
    spans: list[tuple[str, tuple[int, int] | None]] = []
    index, _ = assistant.snapshot()
    for evidence in example.evidence:
        position = index.doc_index.get(evidence.doc_id)
        start = index.documents[position].text.find(evidence.quote) if position is not None else -1
        spans.append((evidence.doc_id, (start, start + len(evidence.quote)) if start >= 0 else None))
    return spans


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


def _aggregate(examples: list[ExampleResult], ks: list[int], has_answers: bool) -> dict[str, Any]:
    def column(key: str) -> list[float | None]:
        return [e.scores.get(key) for e in examples]

    retrieval = {f"hit@{k}": _mean(column(f"hit@{k}")) for k in ks}
    retrieval.update({f"recall@{k}": _mean(column(f"recall@{k}")) for k in ks})
    retrieval["mrr@10"] = _mean(column("mrr@10"))
    retrieval["ndcg@10"] = _mean(column("ndcg@10"))
    latencies = [e.latency_ms for e in examples]
    metrics: dict[str, Any] = {
        "questions": len(examples),
        "retrieval": retrieval,
        "latency_ms": {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)},
    }
    if has_answers:
        metrics["answer"] = {
            "em": _mean(column("em")), "contained": _mean(column("contained")), "f1": _mean(column("f1")),
            "short_em": _mean(column("short_em")), "short_f1": _mean(column("short_f1")),
        }
        metrics["citations"] = {"precision": _mean(column("citation_precision")), "recall": _mean(column("citation_recall"))}
        refusals = refusal_scores([bool(e.refused) for e in examples], [e.answerable for e in examples])
        metrics["refusal"] = {k: (round(v, 4) if v is not None else None) for k, v in refusals.items()}
    return metrics


def worst_failures(result: ConfigResult, limit: int = 10) -> list[dict[str, Any]]:
    """Answerable questions missed (lowest F1 first) and unanswerable ones answered."""
    failures = []
    for e in result.examples:
        if e.answer is None:
            continue
        if e.answerable and not e.scores.get("contained"):
            failures.append((e.scores.get("f1") or 0.0, e, "missed" if not e.refused else "refused"))
        elif not e.answerable and not e.refused:
            failures.append((-1.0, e, "should refuse"))
    failures.sort(key=lambda item: item[0])
    return [
        {"id": e.id, "kind": kind, "question": e.question, "expected": e.expected or ["(refusal)"], "got": e.answer}
        for _, e, kind in failures[:limit]
    ]


# ---------------------------------------------------------------- reports


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def metrics_table(results: dict[str, ConfigResult], ks: list[int]) -> str:
    """A Markdown table, one column per configuration."""
    rows: list[tuple[str, list[Any]]] = []
    names = list(results)
    keys = [("retrieval", f"hit@{k}") for k in ks] + [("retrieval", f"recall@{k}") for k in ks]
    keys += [("retrieval", "mrr@10"), ("retrieval", "ndcg@10")]
    keys += [("answer", "em"), ("answer", "contained"), ("answer", "f1"), ("answer", "short_em"), ("answer", "short_f1"),
             ("citations", "precision"),
             ("citations", "recall"), ("refusal", "precision"), ("refusal", "recall"), ("refusal", "false_refusal_rate"),
             ("latency_ms", "p50"),
             ("latency_ms", "p95")]
    for group, key in keys:
        values = [results[n].metrics.get(group, {}).get(key) for n in names]
        if any(v is not None for v in values):
            label = f"{group.replace('_ms', '')} {key}" + (" (ms)" if group == "latency_ms" else "")
            rows.append((label, values))
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines += [f"| {label} | " + " | ".join(_fmt(v) for v in values) + " |" for label, values in rows]
    return "\n".join(lines)


def write_report(out_dir: Path, eval_set: EvalSet, results: dict[str, ConfigResult], ks: list[int], command: str) -> None:
    """Write ``metrics.json``, ``report.md`` and the plots into ``out_dir`` (atomically, file by file)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "set": eval_set.name,
        "kind": eval_set.kind,
        "command": command,
        "configurations": {name: r.metrics for name, r in results.items()},
        "worst_failures": {name: worst_failures(r) for name, r in results.items()},
    }
    write_atomic(out_dir / "metrics.json", json.dumps(payload, indent=2, ensure_ascii=False))

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        ax.plot(ks, [r.metrics["retrieval"][f"recall@{k}"] or 0 for k in ks], marker="o", label=name)
    ax.set(xlabel="k", ylabel="recall@k", title=f"Recall@k on {eval_set.name}", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _save_figure(fig, out_dir / "recall_at_k.png")
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        ax.hist([e.latency_ms for e in r.examples], bins=30, alpha=0.5, label=name)
    ax.set(xlabel="latency per question (ms)", ylabel="questions", title="Latency")
    ax.legend()
    fig.tight_layout()
    _save_figure(fig, out_dir / "latency.png")
    plt.close("all")

    lines = [f"# Evaluation: {eval_set.name} ({eval_set.kind}, {len(next(iter(results.values())).examples)} questions)",
             "", f"Command: `{command}`", "", metrics_table(results, ks), "",
             "![recall@k](recall_at_k.png)", "", "![latency](latency.png)", ""]
    for name, r in results.items():
        failures = worst_failures(r)
        if failures:
            lines += [f"## Worst failures: {name}", "", "| kind | question | expected | got |", "|---|---|---|---|"]
            for f in failures:
                got = re.sub(r"\s+", " ", f["got"] or "")[:200].replace("|", "\\|")
                lines.append(f"| {f['kind']} | {f['question']} | {'; '.join(f['expected'])[:80]} | {got} |")
            lines.append("")
    write_atomic(out_dir / "report.md", "\n".join(lines))


def _save_figure(fig: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)


# ---------------------------------------------------------------- CLI


def _refuse_foreign_index(index_dir: str, eval_set: EvalSet) -> None:
    """Evaluation never writes into a user's index: a set's corpus goes only where nothing else is indexed.

    Raises:
        ConfigError: ``index_dir`` (a folder or a database) holds documents that are not the set's.
    """
    try:
        theirs = open_index(index_dir).documents
    except IndexNotFoundError:
        return
    # By source as well as id: a copy of a set (a file of some of its questions) names its articles' ids alike,
    # and indexing them beside the original's would add every one again as a copy.
    ours = {(d.id, d.source) for d in eval_set.corpus or []}
    foreign = sorted(d.id for d in theirs if (d.id, d.source) not in ours)
    if foreign:
        raise ConfigError(
            f"--index {index_dir} holds {len(foreign)} document(s) that are not {eval_set.name}'s (e.g. {foreign[0]!r}); "
            f"rag eval indexes the set's own corpus and never into another index: omit --index "
            f"(it uses index/eval-<name>) or give an empty folder"
        )


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    """``rag eval``: load the set, index its corpus if it has one, evaluate, report."""
    eval_set, held_out = without_articles(load_eval_set(args.gold), trained_articles())
    if held_out:  # SQuAD 1.1 dev shares articles with the SQuAD 2.0 dev articles the reader trained on
        print(f"left out {held_out} questions of the {len(trained_articles())} SQuAD articles the reader trained on",
              file=sys.stderr)
    eval_set = eval_set.sample(args.limit, args.seed)
    modes = [m.strip() for m in (args.compare or settings.retrieval).split(",") if m.strip()]
    ks = sorted(set(args.k))
    if any(k < 1 for k in ks):
        raise ConfigError("--k values must be at least 1")
    index_dir = args.index
    if eval_set.corpus is not None and index_dir is None:
        index_dir = str(Path("index") / f"eval-{re.sub(r'[^a-z0-9]+', '-', eval_set.name.lower())}")
    elif eval_set.corpus is not None:
        _refuse_foreign_index(index_dir, eval_set)
    assistant = Assistant(index_dir, settings=settings)
    if eval_set.corpus is not None:
        print(f"indexing {len(eval_set.corpus)} documents of {eval_set.name} into {assistant.index_dir} ...", file=sys.stderr)
        try:
            report = assistant.index_loaded(LoadResult(documents=eval_set.corpus), progress=True)
        except IndexMismatchError:
            if args.index is not None:  # the user's own index: never rebuilt behind their back
                raise
            print(f"{assistant.index_dir} was built with other settings; rebuilding it ...", file=sys.stderr)
            report = assistant.index_loaded(LoadResult(documents=eval_set.corpus), rebuild=True, progress=True)
        print(report.summary(), file=sys.stderr)
    assistant.warm_up(progress=True)
    readers: list[str] = []
    compare_readers = getattr(args, "compare_readers", None)
    if compare_readers:
        readers = [r.strip() for r in compare_readers.split(",") if r.strip()]
        unknown = [r for r in readers if r not in READERS]
        if unknown:
            raise ConfigError(f"unknown reader {unknown[0]!r} in --compare-readers: use {','.join(READERS)}")
    results = evaluate(assistant, eval_set, modes=modes, ks=ks, top_k=settings.top_k, readers=readers, progress=True)
    print(f"{eval_set.name} ({eval_set.kind}): {len(eval_set.examples)} questions\n")
    print(metrics_table(results, ks))
    for name, result in results.items():
        failures = worst_failures(result, limit=5)
        if failures:
            print(f"\nworst failures ({name}):")
            for f in failures:
                got = re.sub(r"\s+", " ", f["got"] or "")[:160]
                print(f"  - [{f['kind']}] {f['question']}\n      expected: {'; '.join(f['expected'])[:120]}\n      got: {got}")
    if args.out:
        command = "rag eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else "rag eval"
        write_report(Path(args.out), eval_set, results, ks, command)
        print(f"\nwrote {Path(args.out) / 'metrics.json'} and {Path(args.out) / 'report.md'}")
    return 0
