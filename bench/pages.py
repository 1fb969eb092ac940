"""News pages as people copy them from the web: is each question answered, or refused, as a careful reader would?

    python -m bench.pages                  # 128 questions over 11 pages (about half a minute)
    python -m bench.pages --reader large   # with the 12-layer reader
    python -m bench.pages --config rag.toml

The set is ``bench/data/news-pages/``: eleven news pages written for this
project about made-up events (an earthquake, job cuts at a carmaker, a league
final, a central bank's rate decision, an acquisition, a presidential
run-off, a wildfire, a court ruling, a football transfer, a phone launch, a
storm), in the form a page takes when it is saved as text:
headline first, then a byline, a date line, "Advertisement", "Share this
article", "Related:" links. ``questions.jsonl`` asks each page what people
ask of such news, answerable and not, one JSON object a line:

- ``page``: the page the question is about (a file in ``pages/``, no suffix);
- ``question``;
- ``answers``: the words a careful reader's short answer holds (any one of
  them), or ``null`` where the pages do not say and the right answer is a
  refusal;
- ``miss`` (optional): why the product gets it wrong today, in a few words.
  Such questions are counted like the rest; the tests leave them out.

All the pages are indexed together, as a folder of news is, so a question
about one page must not be answered from another. A question is right when
an answerable one is answered and its short answer (or, with none, its text)
holds one of the ``answers``, or when an unanswerable one is refused.
Writes ``bench/results/pages.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._answering_options import add_answering_options, built, settings_of
from rag import Answer, Assistant
from rag.evaluation import write_atomic

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "news-pages"


@dataclass(frozen=True)
class PageQuestion:
    """One question of the set; ``answers`` is ``None`` for one the pages do not answer."""

    page: str
    question: str
    answers: tuple[str, ...] | None
    miss: str = ""


def load_questions(path: Path = DATA / "questions.jsonl") -> list[PageQuestion]:
    """The questions of ``path``, checked: each names a page and holds a question."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not row.get("page") or not row.get("question"):
            raise ValueError(f"{path}:{number}: each line needs a page and a question")
        answers = row.get("answers")
        questions.append(PageQuestion(row["page"], row["question"], None if answers is None else tuple(answers),
                                      row.get("miss", "")))
    return questions


def right(answer: Answer, answers: tuple[str, ...] | None) -> bool:
    """Whether ``answer`` is what a careful reader gives: one of ``answers`` in its short answer, or a refusal.

    Example:
        >>> right(Answer("Who won?", "The Hawks won. [1]", refused=False, short_answer="Hawks"), ("Hawks",))
        True
        >>> right(Answer("Who lost?", "No answer.", refused=True), None)
        True
    """
    if answers is None:
        return answer.refused
    if answer.refused:
        return False
    said = (answer.short_answer or answer.text).casefold()
    return any(a.casefold() in said for a in answers)


def ask_all(assistant: Assistant, questions: list[PageQuestion], reader: str | None = None) -> list[dict[str, Any]]:
    """One record per question: what was answered and whether it is right."""
    records = []
    for q in questions:
        answer = assistant.ask(q.question, reader=reader)
        records.append({"page": q.page, "question": q.question, "answerable": q.answers is not None,
                        "right": right(answer, q.answers), "refused": answer.refused,
                        "short_answer": answer.short_answer, "answer": answer.text[:240], "known_miss": bool(q.miss)})
    return records


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of right questions: all, answerable, unanswerable, and those not known to miss."""
    def count(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {"questions": len(rows), "right": sum(r["right"] for r in rows)}
    return {"all": count(records),
            "answerable": count([r for r in records if r["answerable"]]),
            "unanswerable": count([r for r in records if not r["answerable"]]),
            "not_known_misses": count([r for r in records if not r["known_miss"]])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with pages/ and questions.jsonl")
    add_answering_options(parser)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    settings = settings_of(parser, args)
    try:
        questions = load_questions(args.data / "questions.jsonl")
    except (OSError, ValueError) as error:
        parser.error(str(error))
    with tempfile.TemporaryDirectory() as work:
        records = ask_all(built(Path(work) / "index", args.data / "pages", settings), questions, args.reader)
    result = {"command": " ".join(["python -m bench.pages", *(argv if argv is not None else sys.argv[1:])]),
              "summary": summary(records), "questions": records}
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "pages.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for r in records:
        if not r["right"]:
            said = "refused" if r["refused"] else repr(r["short_answer"] or r["answer"][:80])
            print(f"  wrong{' (known)' if r['known_miss'] else ''}: {r['question']} -> {said}")
    for name, row in result["summary"].items():
        print(f"{name:>18s}: {row['right']} of {row['questions']} right")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
