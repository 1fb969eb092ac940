"""Calibrate the answerer's refusal threshold on RGB (news questions with positive and negative passages).

    python -m bench.refusal [--rgb ../shared/data/rgb-en-fact.jsonl]

Every question is asked twice over its own passages only: once with its
positive and negative passages (answerable), once with the negatives alone
(unanswerable: RGB's negatives are on-topic but lack the answer). For each
threshold it reports how often the answerable case is answered correctly (the
gold answer appears in the answer) and how often the unanswerable case is
refused. Writes ``bench/results/refusal.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from rag import Assistant, IndexMismatchError, Settings
from rag._loading import LoadResult
from rag._metrics import answer_contained
from rag._types import SourceDocument

ROOT = Path(__file__).resolve().parents[1]


def load_rgb(path: Path) -> tuple[list[dict], list[SourceDocument]]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    docs = []
    for row in rows:
        for kind in ("positive", "negative"):
            for i, text in enumerate(row[kind]):
                doc_id = f"q{row['id']}-{kind[:3]}{i}"
                docs.append(SourceDocument(doc_id, doc_id, f"rgb#{doc_id}", text, hashlib.sha256(text.encode()).hexdigest()))
    return rows, docs


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.refusal")
    parser.add_argument("--rgb", type=Path, default=ROOT.parent / "shared" / "data" / "rgb-en-fact.jsonl")
    parser.add_argument("--index", type=Path, default=ROOT / "index" / "eval-rgb")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    rows, docs = load_rgb(args.rgb)
    assistant = Assistant(args.index, settings=Settings())
    try:
        assistant.index_loaded(LoadResult(documents=docs), progress=True)
    except IndexMismatchError:  # its own cache, built with other settings
        assistant.index_loaded(LoadResult(documents=docs), rebuild=True, progress=True)
    index, searcher = assistant._ready()
    searcher.candidates = index.n_chunks
    cases = []  # (answerable, best score, gold answer contained in the answer)
    for row in rows:
        answers = row["answer"] if isinstance(row["answer"], list) else [row["answer"]]
        answers = [a if isinstance(a, str) else " ".join(a) for a in answers]
        vector = searcher.embed_query(row["query"])
        ranked = searcher.search(row["query"], top_k=index.n_chunks, query_vector=vector)
        for answerable, kinds in ((True, ("pos", "neg")), (False, ("neg",))):
            allowed = [p for p in ranked if p.doc_id.split("-")[1][:3] in kinds and p.doc_id.startswith(f"q{row['id']}-")]
            passages = allowed[: assistant.settings.top_k]
            scored = assistant.answerer.score_sentences(row["query"], passages, index, vector)
            best = scored[0].score if scored else 0.0
            forced = assistant.answerer.__class__(min_score=-1.0).answer(row["query"], passages, index, vector)
            cases.append((answerable, best, bool(answer_contained(forced.text, answers))))
    sweep = []
    for threshold in np.arange(0.25, 0.61, 0.01):
        answered_right = np.mean([c[1] >= threshold and c[2] for c in cases if c[0]])
        refused_right = np.mean([c[1] < threshold for c in cases if not c[0]])
        sweep.append({"threshold": round(float(threshold), 2), "answerable_answered_correctly": round(float(answered_right), 3),
                      "unanswerable_refused": round(float(refused_right), 3),
                      "balanced": round(float((answered_right + refused_right) / 2), 3)})
    best = max(sweep, key=lambda r: r["balanced"])
    current = min(sweep, key=lambda r: abs(r["threshold"] - assistant.settings.min_score))
    ceiling = np.mean([c[2] for c in cases if c[0]])
    result = {"questions": len(rows), "answer_ceiling_without_refusal": round(float(ceiling), 3), "best": best,
              "current_min_score": current, "sweep": sweep}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refusal.json").write_text(json.dumps(result, indent=2))
    for r in sweep:
        print(f"{r['threshold']:.2f}  answered correctly {r['answerable_answered_correctly']:.3f}  "
              f"refused unanswerable {r['unanswerable_refused']:.3f}  balanced {r['balanced']:.3f}")
    print(f"best: {best}\ncurrent ({assistant.settings.min_score}): {current}\nceiling: {ceiling:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
