"""Reader latency: how long one batched read of 1, 3 and 6 candidates takes, against the shipped reader in the same run.

    python -m bench.reader_latency build/reader-mpnet-l     # a trained reader folder against rag/data/reader
    python -m bench.reader_latency rag/data/reader_large --int8   # its int8 weights unsigned against signed

``--int8`` times the model with its weights stored as uint8 (what
``rag/_int8.py`` opens on an x86 CPU without VNNI) against the same model
with int8 weights, in the same process; on such a CPU the signed one is
timed although its outputs are wrong there.

Each model reads copies of one news sentence (with the sentence before and a
title, about 70 word pieces) 15 times after a warm-up; the p50 is printed with
its ratio to the shipped reader's, measured in the same process (the machine
is shared, so only the ratio means much).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from rag import Reader, ReaderInput
from rag.components import READER_DIR

_ITEM = ReaderInput(
    "How many troops took part in the drill?",
    "More than 10,000 troops are taking part in the five-day Zapad/Interaction 2021 drills in northwestern China's "
    "Ningxia Hui autonomous region, the ministry said.",
    "Russia and China have kicked off joint military exercises as the two countries seek to deepen cooperation.",
    "Russia, China hold joint drills",
)


def p50_ms(reader: Reader, candidates: int, rounds: int = 15) -> float:
    """Median milliseconds of one batched read of ``candidates`` copies."""
    items = [_ITEM] * candidates
    reader.read(items)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        reader.read(items)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reader_latency", description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a reader folder (reader-int8.onnx or its parts, reader.json, tokenizer.json)")
    parser.add_argument("--int8", action="store_true", help="time MODEL with unsigned weights against signed ones")
    args = parser.parse_args(argv)
    if args.int8:
        readers = {}
        for weights in ("signed", "unsigned"):
            os.environ["RAG_INT8_WEIGHTS"] = weights  # read when the model is opened
            readers[weights] = Reader(args.model).warm_up()
        os.environ.pop("RAG_INT8_WEIGHTS")
        for candidates in (1, 3, 6):
            base, mine = p50_ms(readers["signed"], candidates), p50_ms(readers["unsigned"], candidates)
            print(f"{candidates} candidate(s): signed {base:.1f} ms, unsigned {mine:.1f} ms ({mine / base:.2f}x)")
        return 0
    shipped, other = Reader(READER_DIR).warm_up(), Reader(args.model).warm_up()
    for candidates in (1, 3, 6):
        base, mine = p50_ms(shipped, candidates), p50_ms(other, candidates)
        print(f"{candidates} candidate(s): shipped {base:.1f} ms, {args.model} {mine:.1f} ms ({mine / base:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
