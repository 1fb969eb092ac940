"""Refusal on unanswerable sets built from real data, for both readers: the curve and the calibrated threshold.

    python -m bench.refusal                   # 800 SQuAD questions + RGB's 300, both readers (a few minutes)
    python -m bench.refusal --questions 200   # quicker
    python -m bench.refusal --dump build/refusal-cases.jsonl   # also each question's out-of-fold score and best quote
    python -m bench.refusal --compare build/old-cases.jsonl    # this model reader against an earlier --dump, paired
    python -m bench.refusal --entity-flag --compare build/old-cases.jsonl   # with the entity flag in the combination

The sets are :mod:`training.refusal_sets`' (SQuAD withheld, RGB, RGB clean:
unanswerable questions built from real data, none written by hand; even
articles or questions calibrate, odd ones are held out). The model reader's
combination and threshold are fitted on the calibration halves as
``python -m training.calibrate`` fits them (:func:`training.calibrate.fitted_sets`),
and both readers are measured with them on the held-out halves. This command
writes no calibration: ``python -m training.calibrate`` writes it to
``rag/data/reader/calibration.json``, and this one reports the fit beside
the shipped values. The curve is refusal recall (unanswerable refused)
against the false-refusal rate (answerable refused); "answered correctly"
counts answerable questions answered with the gold answer in the text. The
calibrated threshold is the highest whose false-refusal rate on both
calibration halves together stays at or below ``--max-false-refusal`` (10%).
Writes ``bench/results/refusal.json`` and ``refusal.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag import Settings
from rag.components import COMBINE, answer_probability
from rag.evaluation import write_atomic
from training.calibrate import (
    CALIBRATED_ON,
    add_fit_arguments,
    calibrate,
    fit_combination,
    fitted_sets,
    threshold_within,
)
from training.refusal_sets import ROOT, Case


def at_threshold(cases: list[Case], threshold: float) -> dict[str, float]:
    """Refusal recall, false-refusal rate and answered-correctly share at one threshold."""
    yes = [c for c in cases if c.answerable]
    no = [c for c in cases if not c.answerable]
    return {
        "threshold": round(threshold, 4),
        "refusal_recall": round(float(np.mean([c.best < threshold for c in no])), 4) if no else float("nan"),
        "false_refusal_rate": round(float(np.mean([c.best < threshold for c in yes])), 4) if yes else float("nan"),
        "answered_correctly": round(float(np.mean([c.best >= threshold and c.correct for c in yes])), 4) if yes else float("nan"),
    }


def curve(cases: list[Case], points: int = 41) -> list[dict[str, float]]:
    scores = sorted({c.best for c in cases})
    grid = np.quantile(scores, np.linspace(0, 1, points)) if scores else []
    return [at_threshold(cases, float(t)) for t in grid]


def cross_fitted(sets: dict[str, list[Case]], fit_on: tuple[str, ...] = ("squad_withheld", "rgb")) -> dict[str, list[Case]]:
    """Every question rescored by a combination fitted on the other half only (two-fold cross-fitting).

    The held-out figures above use half the questions; here the calibration
    half is scored by a combination fitted on the held-out half and the
    held-out half by one fitted on the calibration half, so every question is
    out of fold once and a figure rests on twice the questions. Each fit
    pools ``fit_on``'s questions of its half, as the shipped one does.
    """
    pooled = [c for name in fit_on for c in sets[name]]
    fits = {half: fit_combination([c for c in pooled if c.calibration is half]) for half in (True, False)}
    return {name: [replace(c, best=_best(c, fits[not c.calibration])) for c in cases] for name, cases in sets.items()}


def _best(case: Case, combine: tuple[float, ...]) -> float:
    """The question's best score under ``combine``: its top read sentence, as the answerer would rank them."""
    return max((answer_probability(p, e, m, combine, flag) for (p, e, m, _), flag in zip(case.candidates, case.flags())),
               default=0.0)


def recall_within_budget(cases: list[Case], max_false_refusal: float, *, rounds: int = 2000, seed: int = 13) -> dict[str, float]:
    """Refusal recall at the highest threshold within the false-refusal budget, with a 95% bootstrap interval.

    Answerable and unanswerable questions are resampled separately and the
    threshold is chosen again on each resample, so the interval includes the
    threshold's own noise. With 50 unanswerable questions it spans about
    ±0.13; two figures whose intervals overlap that much are not different.

    Example:
        >>> cases = [Case(True, s, True, False) for s in (0.5, 0.6, 0.7, 0.8)] + [Case(False, s, False, False) for s in (0.1, 0.9)]
        >>> r = recall_within_budget(cases, 0.0)
        >>> r["refusal_recall"], r["threshold"]
        (0.5, 0.5)
    """
    point = at_threshold(cases, calibrate(cases, max_false_refusal))
    yes = np.array([c.best for c in cases if c.answerable])
    no = np.array([c.best for c in cases if not c.answerable])
    rng = np.random.default_rng(seed)
    draws = [_resampled_recall(rng, yes, no, max_false_refusal) for _ in range(rounds)] if len(yes) and len(no) else [float("nan")]
    return {**point, "interval": _interval(draws), "answerable": int(len(yes)), "unanswerable": int(len(no))}


def _resampled_recall(rng: np.random.Generator, yes: np.ndarray, no: np.ndarray, max_false_refusal: float) -> float:
    no_draw = rng.choice(no, len(no))  # drawn first: the recorded intervals were made in this order
    return _recall_within(rng.choice(yes, len(yes)), no_draw, max_false_refusal)


def _recall_within(answerable: np.ndarray, unanswerable: np.ndarray, max_false_refusal: float) -> float:
    """Share of unanswerable scores under the highest threshold within the budget on the answerable ones."""
    return float(np.mean(unanswerable < threshold_within(answerable, max_false_refusal)))


def _interval(draws: list[float]) -> list[float]:
    """The central 95% of bootstrap draws."""
    low, high = np.percentile(draws, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.refusal", description=__doc__.splitlines()[0])
    add_fit_arguments(parser)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--dump", type=Path, help="also write every question's outcome here (JSON lines), for error analysis")
    parser.add_argument("--compare", type=Path, help="an earlier --dump: the model reader's change against it, with a paired 95%% interval")
    args = parser.parse_args(argv)
    # The trained reader measured (--reader: model or large) is reported as "model", beside the fast one.
    combination, sets = fitted_sets(args.squad, args.rgb, args.questions, args.seed, (args.reader, "fast"), args.entity_flag,
                                    args.reader)
    sets = {name: {("model" if r == args.reader else r): cases for r, cases in by_reader.items()} for name, by_reader in sets.items()}
    settings = Settings()
    result: dict = {"command": "python -m bench.refusal " + " ".join(argv if argv is not None else sys.argv[1:]),
                    "max_false_refusal": args.max_false_refusal, "readers": {}}
    result["fitted_combination"] = [round(v, 4) for v in combination]
    # Every question out of fold once: the model reader's scores cross-fitted, the fast reader's as they are.
    everyone = {"model": cross_fitted({name: by_reader["model"] for name, by_reader in sets.items()}),
                "fast": {name: by_reader["fast"] for name, by_reader in sets.items()}}
    for reader in ("model", "fast"):
        calibration = [c for name in CALIBRATED_ON for c in sets[name][reader] if c.calibration]
        threshold = calibrate(calibration, args.max_false_refusal)
        current = {"model": settings.min_probability, "large": settings.large_min_probability}[args.reader] if reader == "model" \
            else settings.min_score
        entry: dict = {"calibrated_threshold": round(threshold, 4), "current_threshold": current, "sets": {}}
        for name, cases_by_reader in sets.items():
            cases = cases_by_reader[reader]
            held = [c for c in cases if not c.calibration]
            entry["sets"][name] = {
                "answerable": sum(c.answerable for c in held),
                "unanswerable": sum(not c.answerable for c in held),
                "at_calibrated": at_threshold(held, threshold),
                "at_current": at_threshold(held, current),
                "best_recall_within_budget": at_threshold(held, calibrate(held, args.max_false_refusal)),
                "all_questions_within_budget": recall_within_budget(everyone[reader][name], args.max_false_refusal),
                "curve": curve(held),
            }
        result["readers"][reader] = entry
    args.out.mkdir(parents=True, exist_ok=True)
    if args.compare is not None:
        earlier = read_dump(args.compare)
        result["compared_with"] = {"dump": str(args.compare),
                                   "sets": compare(everyone["model"], [r for r in earlier if r["reader"] == "model"], args.max_false_refusal)}
    write_atomic(args.out / "refusal.json", json.dumps(result, indent=2))
    if args.dump is not None:
        _dump(everyone, args.dump)
    _plot(result, args.out / "refusal.png")
    print(f"fitted combination {tuple(result['fitted_combination'])} (shipped {COMBINE}; "
          "python -m training.calibrate writes a fit to rag/data/reader/calibration.json)")
    for reader, entry in result["readers"].items():
        print(f"reader={reader}: calibrated threshold {entry['calibrated_threshold']} (current {entry['current_threshold']})")
        for name, s in entry["sets"].items():
            for label in ("at_calibrated", "at_current", "best_recall_within_budget"):
                r = s[label]
                print(f"  {name:15s} {label:26s} t={r['threshold']:.3f}  refusal recall {r['refusal_recall']:.3f}  "
                      f"false refusals {r['false_refusal_rate']:.3f}  answered correctly {r['answered_correctly']:.3f}")
            r = s["all_questions_within_budget"]
            print(f"  {name:15s} {'all questions, within 10%':26s} t={r['threshold']:.3f}  refusal recall {r['refusal_recall']:.3f} "
                  f"(95% {r['interval'][0]:.2f}-{r['interval'][1]:.2f}, {r['unanswerable']} unanswerable)  "
                  f"false refusals {r['false_refusal_rate']:.3f}")
    for name, r in result.get("compared_with", {}).get("sets", {}).items():
        print(f"  against {args.compare}: {name:15s} refusal recall within 10% {r['earlier']:.3f} -> {r['now']:.3f} "
              f"(change {r['change']:+.3f}, paired 95% {r['interval'][0]:+.2f} to {r['interval'][1]:+.2f}, {r['questions']} questions)")
    return 0


def compare(now: dict[str, list[Case]], earlier: list[dict], max_false_refusal: float, *, rounds: int = 2000,
            seed: int = 13) -> dict[str, dict]:
    """Refusal recall within the budget, now against an earlier dump's model reader, on the questions both asked.

    Paired bootstrap: the same questions are resampled for both (answerable
    and unanswerable separately) and each threshold is chosen again, so the
    interval is that of the change itself, much narrower than two separate
    intervals would suggest. Questions pair by id where both runs have ids
    (:func:`_pairing`).

    Example:
        >>> now = {"s": [Case(True, 0.9, True, False, question="a"), Case(False, 0.1, False, False, question="b")]}
        >>> earlier = [{"set": "s", "question": "a", "answerable": True, "best": 0.9},
        ...            {"set": "s", "question": "b", "answerable": False, "best": 0.95}]
        >>> compare(now, earlier, 0.0, rounds=10)["s"]["change"]
        1.0
    """
    out: dict[str, dict] = {}
    rows = {name: [{"id": c.id, "question": c.question, "answerable": c.answerable, "best": c.best} for c in cases]
            for name, cases in now.items()}
    key = _pairing(earlier, *rows.values())
    for name, current in rows.items():
        before = {key(r): r["best"] for r in earlier if r["set"] == name}
        pairs = [(r["answerable"], r["best"], before[key(r)]) for r in current if key(r) in before]
        yes = np.array([(b, a) for ans, b, a in pairs if ans]).reshape(-1, 2)
        no = np.array([(b, a) for ans, b, a in pairs if not ans]).reshape(-1, 2)
        if not len(yes) or not len(no):
            continue

        # column 0 is now, column 1 earlier: the earlier one is the baseline
        each, changes = _paired_changes(yes[:, ::-1], no[:, ::-1], 1, max_false_refusal, rounds, seed)
        earlier_r, now_r = (float(v) for v in each)
        out[name] = {"now": round(now_r, 4), "earlier": round(earlier_r, 4), "change": round(now_r - earlier_r, 4),
                     "interval": _interval(changes), "questions": len(pairs)}
    return out


def compare_groups(baseline: list[list[dict]], variant: list[list[dict]], max_false_refusal: float, *, reader: str = "model",
                   rounds: int = 2000, seed: int = 13) -> dict[str, dict]:
    """Refusal recall within the budget, averaged over several trainings of each of two recipes, paired by question.

    Each group is a list of ``--dump`` files' rows, one file per training
    (another seed, another machine). One training of a recipe can differ
    from another by as much as two recipes do (docs/evaluation.md), so a
    recipe is judged by the mean over its trainings. The bootstrap resamples
    the questions that every dump asked (answerable and unanswerable
    separately), the same draw for every dump, so the interval is that of
    the change in the means; ``spread`` gives each group's lowest and
    highest training.

    Example:
        >>> a = [{"set": "s", "reader": "model", "question": "q", "answerable": True, "best": 0.9},
        ...      {"set": "s", "reader": "model", "question": "u", "answerable": False, "best": 0.95}]
        >>> b = [dict(a[0]), dict(a[1], best=0.1)]
        >>> compare_groups([a, a], [b, a], 0.0, rounds=10)["s"]["change"]
        0.5
    """
    key = _pairing(*baseline, *variant)

    def scores(rows: list[dict]) -> dict[str, dict[tuple[str, bool], float]]:
        by_set: dict[str, dict[tuple[str, bool], float]] = {}
        for r in rows:
            if r.get("reader", reader) == reader:
                by_set.setdefault(r["set"], {})[key(r)] = r["best"]
        return by_set

    groups = [[scores(rows) for rows in baseline], [scores(rows) for rows in variant]]
    if not groups[0] or not groups[1]:
        raise ValueError("each group needs at least one dump")
    out: dict[str, dict] = {}
    for name in sorted(set.intersection(*(set(d) for g in groups for d in g))):
        keys = sorted(set.intersection(*(set(d[name]) for g in groups for d in g)))
        # one column per dump: the baseline's first, then the variant's
        table = np.array([[d[name][k] for g in groups for d in g] for k in keys]).reshape(len(keys), -1)
        answerable = np.array([k[1] for k in keys], dtype=bool)
        yes, no = table[answerable], table[~answerable]
        if not len(yes) or not len(no):
            continue
        width = len(groups[0])
        each, changes = _paired_changes(yes, no, width, max_false_refusal, rounds, seed)
        base, var = each[:width], each[width:]
        out[name] = {"baseline": round(float(base.mean()), 4), "variant": round(float(var.mean()), 4),
                     "change": round(float(var.mean() - base.mean()), 4), "interval": _interval(changes),
                     "spread": {"baseline": [round(float(base.min()), 4), round(float(base.max()), 4)],
                                "variant": [round(float(var.min()), 4), round(float(var.max()), 4)]},
                     "trainings": [width, len(var)], "questions": len(keys)}
    return out


def _recalls(answerable: np.ndarray, unanswerable: np.ndarray, max_false_refusal: float) -> np.ndarray:
    """Refusal recall within the budget for each column (one training's scores a column)."""
    return np.array([_recall_within(answerable[:, j], unanswerable[:, j], max_false_refusal) for j in range(answerable.shape[1])])


def _paired_changes(yes: np.ndarray, no: np.ndarray, width: int, max_false_refusal: float, rounds: int,
                    seed: int) -> tuple[np.ndarray, list[float]]:
    """Each column's recall, and bootstrap draws of the mean of the columns from ``width`` on less the mean of those before.

    Rows are questions (answerable ones in ``yes``, the rest in ``no``), one
    column per reader; each draw resamples the rows once for every column.
    """
    rng = np.random.default_rng(seed)
    changes = []
    for _ in range(rounds):
        r = _recalls(yes[rng.integers(0, len(yes), len(yes))], no[rng.integers(0, len(no), len(no))], max_false_refusal)
        changes.append(float(r[width:].mean() - r[:width].mean()))
    return _recalls(yes, no, max_false_refusal), changes


def _pairing(*dumps: list[dict]) -> Callable[[dict], tuple[str, bool]]:
    """How rows of different runs are paired: by question id and answerability where every row has an id, else by its text.

    Dumps written before rows carried an id pair by the question's text, so
    a question asked twice in one set (SQuAD withheld has one) collapses to
    one; with ids both copies pair with their own.
    """
    if all(r.get("id") for rows in dumps for r in rows):
        return lambda r: (r["id"], r["answerable"])
    return lambda r: (r["question"], r["answerable"])


def read_dump(path: Path) -> list[dict]:
    """The rows of a ``--dump`` file, one per question, set and reader."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _dump(sets: dict[str, dict[str, list[Case]]], path: Path) -> None:
    """One line per question, set and reader: its id, its out-of-fold best score, its half, whether forcing an answer is right, the quote.

    ``sets`` is by reader, then by set (the cross-fitted scores).
    """
    lines = [
        json.dumps({"set": name, "reader": reader, "id": c.id, "question": c.question, "answerable": c.answerable,
                    "calibration": c.calibration, "best": round(c.best, 4), "correct": c.correct, "quote": c.quote})
        for reader, by_set in sets.items() for name, cases in by_set.items() for c in cases
    ]
    write_atomic(path, "\n".join(lines) + "\n")


def _plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for reader, entry in result["readers"].items():
        for name, s in entry["sets"].items():
            points = sorted((p["false_refusal_rate"], p["refusal_recall"]) for p in s["curve"])
            ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=f"{reader} reader, {name}")
    ax.axvline(result["max_false_refusal"], color="grey", linestyle="--", linewidth=1)
    ax.set(xlabel="false-refusal rate (answerable refused) — lower is better",
           ylabel="refusal recall (unanswerable refused) — higher is better", xlim=(0, 1), ylim=(0, 1.02),
           title="Refusal curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
