"""Both trained readers on the same candidates: each alone, a cascade, and an ensemble, on the refusal sets.

    python -m bench.cascade                    # 800 SQuAD withheld questions + RGB (a few minutes)
    python -m bench.cascade --questions 200    # quicker

Asks whether the 12-layer reader (``reader = "large"``) could cost less
without losing what it gains. For every question of
:mod:`training.refusal_sets`' sets, the same 6 candidate sentences (best
evidence first, as the answerer picks them) are read by both readers once,
and each way of combining them is then scored offline:

- ``small``/``large``: one reader reads all 6 (what ships today);
- ``cascade k``: the 6-layer reader reads all 6 and the 12-layer one
  re-reads only its best ``k`` (by the shipped 6-layer combination): about
  ``k``/6 of the large reader's cost;
- ``ensemble``: one logistic combination over both readers' outputs;
- ``reorder k`` (``large_rereads = k``, the setting): the 6-layer reader reads
  all 6 and decides every refusal; when it answers, the 12-layer reader
  re-reads its best ``k`` and the one it scores best leads. Refusal is the
  6-layer reader's; the accuracy is the 12-layer reader's choice among ``k``;
- ``band lo..hi``: the 6-layer reader reads all 6 and decides alone unless
  its best combined score (a logit) falls in ``[lo, hi]``; only then does the
  12-layer reader read all 6 and decide. Its cost is the share of questions
  sent on (``escalated``), so a band sending fewer than half keeps the p50 at
  the 6-layer reader's.

Each combination is fitted two-fold (one half's questions score the other's,
as ``bench.refusal``'s "all questions" figures are), and two figures are
reported per set: refusal recall within 10% false refusals, and
answer-sentence accuracy (of the answerable questions whose candidates hold
the answer, the share whose best-scored candidate is one of them).
Prints a table; writes ``bench/results/cascade.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag import ExtractiveAnswerer, Reader
from rag.components import reader_folder, shipped_calibration
from rag.evaluation import answer_contained, write_atomic
from training.calibrate import logistic_fit, threshold_within
from training.refusal_sets import ROOT, SHARED, Case, rgb, squad_withheld

SETS = ("squad_withheld", "rgb", "rgb_clean")
CANDIDATES = 6


@dataclass(frozen=True)
class Read:
    """One candidate as both readers saw it."""

    small_p: float
    small_margin: float
    large_p: float
    large_margin: float
    evidence: float
    holds_answer: bool


@dataclass(frozen=True)
class Question:
    """One question of one set, with its candidates in evidence order."""

    answerable: bool
    calibration: bool
    reads: tuple[Read, ...]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


FEATURES: dict[str, Callable[[Read], list[float]]] = {
    "small": lambda r: [_logit(r.small_p), r.small_margin, r.evidence],
    "large": lambda r: [_logit(r.large_p), r.large_margin, r.evidence],
    "ensemble": lambda r: [_logit(r.small_p), r.small_margin, _logit(r.large_p), r.large_margin, r.evidence],
}
# (label, features, candidates the scoring reader reads: 6 = all, k < 6 = the 6-layer reader's best k)
VARIANTS = (("small, all 6", "small", 6), ("large, all 6", "large", 6), ("cascade 4", "large", 4),
            ("cascade 3", "large", 3), ("cascade 2", "large", 2), ("ensemble, all 6", "ensemble", 6),
            ("ensemble, cascade 3", "ensemble", 3))


def collect(squad: Path, rgb_file: Path, questions: int, seed: int) -> dict[str, list[Question]]:
    """Read every question's candidates with both readers once: the sets by name."""
    small = Reader(reader_folder("model")).warm_up()
    large = Reader(reader_folder("large")).warm_up()
    reads: dict[int, tuple[Read, ...]] = {}

    def judge(answerer: ExtractiveAnswerer, question: str, passages: list, index, vector,  # type: ignore[no-untyped-def]
              answers: list[str], answerable: bool, calibration: bool) -> Case:
        # The answerer is the evidence-only one: its ranking is the quotable sentences, best evidence first.
        ranked = answerer.rank(question, passages, index, vector)[:CANDIDATES]
        items = [answerer.reader_input(question, s, index) for s in ranked]
        pairs = zip(small.read(items), large.read(items)) if items else iter(())
        case = Case(answerable, 0.0, False, calibration, question=question)
        reads[id(case)] = tuple(
            Read(a.probability, a.margin, b.probability, b.margin, s.score,
                 bool(answers) and bool(answer_contained(index.documents[s.doc_i].text[s.start:s.end], answers)))
            for s, (a, b) in zip(ranked, pairs)
        )
        return case

    cases = {"squad_withheld": squad_withheld(squad, questions, seed, ("fast",), judge=judge)["fast"],
             **{name: by_reader["fast"] for name, by_reader in rgb(rgb_file, ("fast",), judge=judge).items()}}
    return {name: [Question(c.answerable, c.calibration, reads[id(c)]) for c in found] for name, found in cases.items()}


def shortlisted(question: Question, keep: int) -> tuple[Read, ...]:
    """The candidates the scoring reader reads: all, or the 6-layer reader's best ``keep`` (shipped combination)."""
    if keep >= len(question.reads):
        return question.reads
    a, m, b, *_, c = shipped_calibration("model").combine
    score = [a * _logit(r.small_p) + m * r.small_margin + b * r.evidence + c for r in question.reads]
    best = sorted(sorted(range(len(score)), key=lambda i: -score[i])[:keep])
    return tuple(question.reads[i] for i in best)


def _best(reads: Sequence[Read], features: str, fit: tuple[np.ndarray, float]) -> tuple[float, Read | None]:
    """The best combined score among ``reads`` under one fitted combination, and that read (``-inf``, ``None``: no reads)."""
    if not reads:
        return -math.inf, None
    weights, bias = fit
    scores = np.asarray([FEATURES[features](r) for r in reads]) @ weights + bias
    return float(scores.max()), reads[int(scores.argmax())]


def _summary(yes: list[float], no: list[float], right: list[bool], questions: int,
             max_false_refusal: float) -> dict[str, float]:
    """Refusal recall within the budget (answerable ``yes``, unanswerable ``no`` best scores) and accuracy of ``right``."""
    threshold = threshold_within(yes, max_false_refusal)
    return {"refusal_within": round(float(np.mean(np.asarray(no) < threshold)), 3),
            "answer_sentence_accuracy": round(float(np.mean(right)), 3), "questions": questions}


def evaluate(sets: dict[str, list[Question]], features: str, keep: int, max_false_refusal: float = 0.10) -> dict[str, dict[str, float]]:
    """Refusal recall within the budget and answer-sentence accuracy per set, fitted two-fold on SQuAD withheld + RGB."""
    fits = _fits(sets, features, keep)
    out = {}
    for name in SETS:
        yes, no, right = [], [], []
        for q in sets[name]:
            score, lead = _best(shortlisted(q, keep), features, fits[not q.calibration])
            (yes if q.answerable else no).append(score)
            if q.answerable and any(r.holds_answer for r in q.reads):
                right.append(lead is not None and lead.holds_answer)
        out[name] = _summary(yes, no, right, len(sets[name]), max_false_refusal)
    return out


BANDS = ((-3.0, -1.0), (-3.0, 0.0), (-2.5, 0.0), (-2.0, 0.5), (-3.0, 1.0))


def _fits(sets: dict[str, list[Question]], features: str, keep: int = CANDIDATES) -> dict[bool, tuple[np.ndarray, float]]:
    """The combination fitted on each calibration half (True: the calibration half's questions)."""
    feature = FEATURES[features]
    fits = {}
    for half in (True, False):
        rows = [(feature(r), r.holds_answer) for name in ("squad_withheld", "rgb") for q in sets[name]
                if q.calibration is half for r in shortlisted(q, keep)]
        fits[half] = logistic_fit(np.asarray([x for x, _ in rows]), np.asarray([y for _, y in rows], dtype=float), steps=3000)
    return fits


def evaluate_band(sets: dict[str, list[Question]], low: float, high: float,
                  max_false_refusal: float = 0.10) -> dict[str, dict[str, float]]:
    """The 6-layer reader decides unless its best score is in ``[low, high]``; then the 12-layer one does."""
    fits = {"small": _fits(sets, "small"), "large": _fits(sets, "large")}
    out = {}
    for name in SETS:
        yes, no, right, escalated = [], [], [], 0
        for q in sets[name]:
            score, read = _best(q.reads, "small", fits["small"][not q.calibration])
            if low <= score <= high:
                score, read = _best(q.reads, "large", fits["large"][not q.calibration])
                escalated += 1
            (yes if q.answerable else no).append(score)
            if q.answerable and any(r.holds_answer for r in q.reads):
                right.append(read is not None and read.holds_answer)
        out[name] = {**_summary(yes, no, right, len(sets[name]), max_false_refusal),
                     "escalated": round(escalated / len(sets[name]), 3)}
    return out


REORDERS = (2, 3)


def evaluate_reorder(sets: dict[str, list[Question]], keep: int,
                     max_false_refusal: float = 0.10) -> dict[str, dict[str, float]]:
    """The 6-layer reader refuses (its best score, all 6 read); the 12-layer one picks among its best ``keep``."""
    small, large = _fits(sets, "small"), _fits(sets, "large", keep)
    out = {}
    for name in SETS:
        yes, no, right = [], [], []
        for q in sets[name]:
            (yes if q.answerable else no).append(_best(q.reads, "small", small[not q.calibration])[0])
            if q.answerable and any(r.holds_answer for r in q.reads):
                _, lead = _best(shortlisted(q, keep), "large", large[not q.calibration])
                right.append(lead is not None and lead.holds_answer)
        out[name] = _summary(yes, no, right, len(sets[name]), max_false_refusal)
    return out


def report(results: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """The table: one row per variant, refusal within 10% / answer-sentence accuracy per set."""
    lines = ["| variant | " + " | ".join(f"{s}: refusal / accuracy" for s in SETS) + " |",
             "|---|" + "---|" * len(SETS)]
    for label, by_set in results.items():
        cells = [f"{by_set[s]['refusal_within']:.3f} / {by_set[s]['answer_sentence_accuracy']:.3f}"
                 + (f" ({by_set[s]['escalated']:.0%} sent on)" if "escalated" in by_set[s] else "") for s in SETS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cascade", description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SHARED / "squad-dev-v1.1.json")
    parser.add_argument("--rgb", type=Path, default=SHARED / "rgb-en-fact.jsonl")
    parser.add_argument("--questions", type=int, default=800, help="SQuAD questions, half answerable, half withheld")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "cascade.json")
    args = parser.parse_args(argv)
    sets = collect(args.squad, args.rgb, args.questions, args.seed)
    results = {label: evaluate(sets, features, keep) for label, features, keep in VARIANTS}
    results.update({f"band {low:g}..{high:g}": evaluate_band(sets, low, high) for low, high in BANDS})
    results.update({f"reorder {keep}": evaluate_reorder(sets, keep) for keep in REORDERS})
    print("\n".join(report(results)))
    write_atomic(args.out, json.dumps({"command": "python -m bench.cascade " + " ".join(argv or sys.argv[1:]),
                                       "results": results}, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
