"""Two reader recipes compared over several trainings each: refusal within 10% false refusals, paired by question.

    python -m bench.refusal --dump build/base-13.jsonl        # once per trained reader, its files in rag/data/reader/
    python -m bench.seeds --baseline build/base-13.jsonl build/base-14.jsonl --variant build/six-13.jsonl build/six-14.jsonl

One training of a recipe can refuse RGB's unanswerables 0.08 better or
worse than another training of the same recipe (docs/evaluation.md), as
much as any change of recipe measured, so a recipe is judged by its mean
over trainings. Prints, for each set, both means, the change with its
paired 95% interval and each group's lowest and highest training; writes
``bench/results/seeds.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.refusal import compare_groups, read_dump
from rag.evaluation import write_atomic

ROOT = Path(__file__).resolve().parents[1]


def _rows(path: Path) -> list[dict]:
    if not path.is_file():
        raise SystemExit(f"error: {path} not found: write it with python -m bench.refusal --dump {path}")
    try:
        return read_dump(path)
    except json.JSONDecodeError as error:
        raise SystemExit(f"error: {path} is not a bench.refusal --dump ({error}): write it again") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seeds", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, nargs="+", required=True, help="bench.refusal --dump files, one per training")
    parser.add_argument("--variant", type=Path, nargs="+", required=True, help="the same for the other recipe")
    parser.add_argument("--reader", choices=("model", "large"), default="model", help="whose rows of the dumps to compare")
    parser.add_argument("--max-false-refusal", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "seeds.json")
    args = parser.parse_args(argv)
    result = compare_groups([_rows(p) for p in args.baseline], [_rows(p) for p in args.variant], args.max_false_refusal,
                            reader=args.reader)
    if not result:
        print("error: the dumps share no set with both answerable and unanswerable questions: take them with the same "
              "--questions and --seed", file=sys.stderr)
        return 2
    record = {"command": "python -m bench.seeds " + " ".join(argv if argv is not None else sys.argv[1:]),
              "baseline": [str(p) for p in args.baseline], "variant": [str(p) for p in args.variant], "sets": result}
    write_atomic(args.out, json.dumps(record, indent=2) + "\n")
    for name, r in result.items():
        print(f"{name:15s} refusal recall within {args.max_false_refusal:.0%}: baseline {r['baseline']:.3f} "
              f"({r['spread']['baseline'][0]:.3f}-{r['spread']['baseline'][1]:.3f}, {r['trainings'][0]} trainings) -> "
              f"variant {r['variant']:.3f} ({r['spread']['variant'][0]:.3f}-{r['spread']['variant'][1]:.3f}, "
              f"{r['trainings'][1]}); change {r['change']:+.3f}, paired 95% {r['interval'][0]:+.2f} to {r['interval'][1]:+.2f}, "
              f"{r['questions']} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
