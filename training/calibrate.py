"""Fit the answerer's refusal calibration and write it beside the reader's weights.

    python -m training.calibrate                  # 800 SQuAD questions + RGB's 300: rag/data/reader/calibration.json
    python -m training.calibrate --questions 200 --out /tmp/calibration.json   # quicker, elsewhere
    python -m training.calibrate --entity-flag    # the entity flag in the combination too
    python -m training.calibrate --reader large   # the 12-layer reader's: rag/data/reader_large/calibration.json

The model reader's score is fitted on the calibration halves of the sets of
:mod:`training.refusal_sets` (SQuAD withheld and RGB, news and Wikipedia
alike): a logistic model over every read sentence,
``σ(a·logit(reader probability) + m·span margin + b·evidence score + x·no entity + c)``
≈ P(the sentence holds the gold answer), where "no entity" (``--entity-flag``;
else its weight is 0) is 1 when the question asks for a kind of entity and
the sentence names none but the question's own (:mod:`rag._entities`). Both
sets are then read again with those weights, and the threshold is the
highest whose false-refusal rate on both calibration halves together stays
at or below ``--max-false-refusal`` (10%). Weights and threshold are written
atomically to ``calibration.json``, which the runtime reads
(:mod:`rag._calibration`: :data:`rag._answering.COMBINE` and the
``min_probability`` default); nothing is copied by hand. Retrain the reader,
recalibrate: the file is fitted to the weights beside it.

``python -m bench.refusal`` runs the same fit (:func:`fitted_sets`) and
measures both readers on the held-out halves.
"""

from __future__ import annotations

import argparse
import datetime
import math
import sys
from pathlib import Path

import numpy as np

from rag._atomic import write_atomic
from rag._calibration import (
    CALIBRATION_FILE,
    READER_FOLDERS,
    Calibration,
    load_calibration,
    reader_folder,
    shipped_calibration,
)

from .refusal_sets import SHARED, Case, rgb, squad_withheld

__all__ = ["CALIBRATED_ON", "add_fit_arguments", "calibrate", "calibration_of", "fit_combination", "fitted_sets", "logistic_fit", "main",
           "threshold_within", "write_calibration"]

# The sets whose calibration halves are fitted on; RGB clean is reported beside them, never fitted on.
CALIBRATED_ON = ("squad_withheld", "rgb")


def fit_combination(cases: list[Case], steps: int = 4000, l2: float = 1e-3) -> tuple[float, float, float, float, float]:
    """Logistic regression over read sentences: ``σ(a·logit(p) + m·margin + b·evidence + x·no entity + c)`` ≈ P(sentence holds the answer).

    Cases without entity flags (all 0) fit ``x = 0``: the combination without the flag.
    """
    rows = [(math.log(max(p, 1e-6) / max(1 - p, 1e-6)), m, e, flag, float(y))
            for c in cases for (p, e, m, y), flag in zip(c.candidates, c.flags())]
    if not rows:
        return 1.0, 0.0, 0.0, 0.0, 0.0
    data = np.asarray(rows)
    (a_, m_, b_, x_), bias = logistic_fit(data[:, :4], data[:, 4], steps, l2)
    return float(a_), float(m_), float(b_), float(x_), bias


def logistic_fit(x: np.ndarray, y: np.ndarray, steps: int = 4000, l2: float = 1e-3) -> tuple[np.ndarray, float]:
    """A logistic regression on standardised features: the weights and bias of ``σ(x @ weights + bias)`` ≈ y.

    Plain gradient descent (a handful of features, a few thousand rows); a
    constant feature gets weight 0.

    Example:
        >>> weights, bias = logistic_fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0.0, 0.0, 1.0, 1.0]))
        >>> bool(weights[0] > 0)
        True
    """
    mean, scale = x.mean(0), x.std(0) + 1e-9
    scale[x.std(0) == 0] = np.inf  # a constant feature (no flags) gets weight 0
    z = (x - mean) / scale
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        g = 1 / (1 + np.exp(-(z @ w + b))) - y
        w -= 0.5 * (z.T @ g / len(y) + l2 * w)
        b -= 0.5 * g.mean()
    weights = w / scale
    return weights, float(b - weights @ mean)


def calibrate(cases: list[Case], max_false_refusal: float) -> float:
    """The highest threshold whose false-refusal rate on ``cases`` stays within ``max_false_refusal``."""
    return threshold_within([c.best for c in cases if c.answerable], max_false_refusal)


def threshold_within(answerable_scores: list[float] | np.ndarray, max_false_refusal: float) -> float:
    """The highest of the answerable scores that refuses at most ``max_false_refusal`` of them.

    Example:
        >>> threshold_within([0.5, 0.6, 0.7, 0.8], 0.25)
        0.6
    """
    answerable = sorted(float(s) for s in answerable_scores)
    if not answerable:
        return 0.0
    allowed = int(np.floor(max_false_refusal * len(answerable)))
    return answerable[allowed] if allowed < len(answerable) else answerable[-1]

def fitted_sets(
    squad: Path, rgb_file: Path, questions: int, seed: int, readers: tuple[str, ...], entity_flag: bool = False,
    fitted: str = "model",
) -> tuple[tuple[float, float, float, float, float], dict[str, dict[str, list[Case]]]]:
    """Fit the combination of the trained reader ``fitted`` on the calibration halves, then read every set again with it.

    Returns ``(combination, sets)``, ``sets`` by set name (``squad_withheld``,
    ``rgb``, ``rgb_clean``), then by reader (``readers``, which should hold
    ``fitted`` and may hold ``fast``).
    """
    first = [*squad_withheld(squad, questions, seed, (fitted,), entity_flag=entity_flag)[fitted],
             *rgb(rgb_file, (fitted,), entity_flag=entity_flag)["rgb"][fitted]]
    combination = fit_combination([c for c in first if c.calibration])
    sets = {"squad_withheld": squad_withheld(squad, questions, seed, readers, combination, entity_flag),
            **rgb(rgb_file, readers, combination, entity_flag)}
    return combination, sets


def calibration_of(
    combination: tuple[float, ...], sets: dict[str, list[Case]], max_false_refusal: float, fitted_by: str,
) -> Calibration:
    """The calibration to write: the combination and the model reader's threshold, both rounded to four places.

    ``sets`` are the model reader's cases by set name, scored with ``combination``.

    Example:
        >>> cases = [Case(True, s, True, True) for s in (0.5, 0.6, 0.7, 0.8)] + [Case(False, 0.1, False, True)]
        >>> calibration_of((0.3, 0.1, 3.0, 0.0, -3.5), {"squad_withheld": cases, "rgb": []}, 0.25, "doctest").min_probability
        0.6
    """
    calibration = [c for name in CALIBRATED_ON for c in sets[name] if c.calibration]
    return Calibration(tuple(round(v, 4) for v in combination), round(calibrate(calibration, max_false_refusal), 4),
                       fitted_by, datetime.date.today().isoformat())


def write_calibration(calibration: Calibration, path: Path) -> Path:
    """Write ``calibration`` to ``path`` (a file, or a reader folder to hold ``calibration.json``) atomically.

    Returns the file written; :func:`rag._calibration.load_calibration` reads it back.
    """
    path = path / CALIBRATION_FILE if path.is_dir() else path
    write_atomic(path, calibration.to_json())
    return path


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """The fit's inputs as options (the sets, their size and seed, the false-refusal budget, the entity flag).

    Shared by ``python -m training.calibrate``, which writes the fit, and
    ``python -m bench.refusal``, which measures it.
    """
    parser.add_argument("--squad", type=Path, default=SHARED / "squad-dev-v1.1.json")
    parser.add_argument("--rgb", type=Path, default=SHARED / "rgb-en-fact.jsonl")
    parser.add_argument("--questions", type=int, default=800, help="SQuAD questions, half answerable, half withheld")
    parser.add_argument("--max-false-refusal", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--entity-flag", action="store_true",
                        help="fit the combination with the entity flag too (rag/_entities.py; off: its weight is 0)")
    parser.add_argument("--reader", choices=list(READER_FOLDERS), default="model",
                        help="the trained reader to fit: model (rag/data/reader/) or large (rag/data/reader_large/)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.calibrate", description=__doc__.splitlines()[0])
    add_fit_arguments(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="the file to write (default: beside the reader's weights, where the runtime reads it)")
    args = parser.parse_args(argv)
    command = "python -m training.calibrate " + " ".join(argv if argv is not None else sys.argv[1:])
    combination, sets = fitted_sets(args.squad, args.rgb, args.questions, args.seed, (args.reader,), args.entity_flag, args.reader)
    calibration = calibration_of(combination, {name: by_reader[args.reader] for name, by_reader in sets.items()},
                                 args.max_false_refusal, command.strip())
    before = shipped_calibration(args.reader)
    args.out = args.out or reader_folder(args.reader) / CALIBRATION_FILE
    written = write_calibration(calibration, args.out)
    read_back = load_calibration(written)  # as the runtime will read it
    print(f"wrote {written}: combine {read_back.combine} (shipped {before.combine}), "
          f"min_probability {read_back.min_probability} (shipped {before.min_probability})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
