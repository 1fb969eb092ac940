"""How often the "what a figure counts" check (rag/_counting.py) would reject a right answer.

    python -m bench.counting                 # SQuAD 1.1 dev's "how many" questions (about a minute)
    python -m bench.counting --loose         # without the "names the asked thing elsewhere" condition

Each "how many" question of SQuAD 1.1 dev is checked against its *gold*
answer in the sentence that holds it: every answer judged as counting
another thing is a right answer the check would demote. Reports the share,
the parse time per sentence, and the judged cases, so a change to the rule
can be read case by case. Writes ``bench/results/counting.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rag import MiniLMEmbeddings
from rag.components import MIN_SIMILARITY, CountChecker, asks_how_many, split_sentences, word_similarity
from rag.evaluation import write_atomic

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.counting", description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SHARED / "squad-dev-v1.1.json")
    parser.add_argument("--loose", action="store_true", help="judge even when the sentence never names the asked thing")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    checker = CountChecker()
    similarity = word_similarity(MiniLMEmbeddings().load())
    judged: list[dict] = []
    asked = 0
    parse = 0.0
    for article in json.loads(args.squad.read_text("utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = split_sentences(context)
            for qa in paragraph["qas"]:
                if not asks_how_many(qa["question"]):
                    continue
                gold = qa["answers"][0]
                start = gold["answer_start"]
                end = start + len(gold["text"])
                s0, s1 = next(((a, b) for a, b in spans if a <= start < b), (0, len(context)))
                asked += 1
                t = time.perf_counter()
                other = checker.counts_other(qa["question"], context[s0:s1], start - s0, min(end, s1) - s0, similarity,
                                             elsewhere=not args.loose)
                parse += time.perf_counter() - t
                if other:
                    judged.append({"question": qa["question"], "answer": gold["text"], "sentence": context[s0:s1]})
    result = {"command": "python -m bench.counting " + " ".join(argv if argv is not None else sys.argv[1:]),
              "how_many_questions": asked, "gold_answers_rejected": len(judged),
              "rejected_share": round(len(judged) / max(1, asked), 4), "min_similarity": MIN_SIMILARITY,
              "ms_per_question": round(1000 * parse / max(1, asked), 2), "rejected": judged}
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "counting.json", json.dumps(result, indent=2))
    print(f"{asked} 'how many' questions; gold answers judged as counting another thing: {len(judged)} "
          f"({result['rejected_share']:.3f}); {result['ms_per_question']} ms a question (both parses, first one loading)")
    for case in judged:
        print(f"  {case['question']!r} -> {case['answer']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
