"""Dated real news (Wikinews): each question asked as of its date, and again without any date.

    python -m bench.news_dated             # 150 questions over 120 articles (a minute or two)
    python -m bench.news_dated --limit 12  # a seeded subset, a quarter of it unanswerable
    python -m bench.news_dated --config rag.toml   # with other settings (as `rag --config`)

The set is ``bench/data/news-dated/``: 120 English Wikinews articles
(2004-2013; Airbus and Boeing, the US carmakers, stock markets, Apple), each
with its publication date, outlet and URL as front matter, and
``questions.jsonl``: questions a reader asks on a date ("this week",
"recently", "latest", "last month", "by 2012" about a coming event, or no time
word at all), each with its ``as_of``, its gold answers, the quotes that give
them and the article they come from. Its README says how it was built.

Every question is asked twice with :meth:`rag.Assistant.ask`: with
``as_of`` set to the question's date, and with no date (time words then
count from today, as a user who gives no date gets). Two indexes are built
from the same articles:

- the **full** index, for the answerable questions and for the unanswerable
  ones of the ``before`` kind: their answer is in an article published after
  ``as_of`` (same question, asked before the news existed);
- the **withheld** index, the same articles less those that answer the
  unanswerable questions of the ``withheld`` kind (on-topic articles remain,
  the answer does not).

Reported per arm, with ``rag eval``'s metrics (:mod:`rag.evaluation`):
answer contained and short-answer EM / F1 (answerable questions; a refusal
scores 0), citation precision (answered answerable questions: a citation
counts when it overlaps a gold quote or holds a gold answer), refusal recall
(unanswerable refused) and false refusals (answerable refused); then the
paired difference, question by question, with a bootstrap interval, and
which questions the dates made worse. Writes ``bench/results/news_dated.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench._answering_options import add_answering_options, built, settings_of
from rag import Settings, SourceDocument, load_paths
from rag.evaluation import Evidence, GoldExample, answer_contained, answer_scores, refusal_scores, write_atomic

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "news-dated"
ARMS = ("with_dates", "without_dates")
CUES = ("this week", "last week", "today", "recently", "latest", "this year", "last year", "last month", "in year",
        "future year", "plain")
KINDS = ("before", "withheld")


@dataclass(frozen=True)
class Question:
    """One question of the set (a line of ``questions.jsonl``).

    Attributes:
        doc: The article that answers it (for an unanswerable one: the article
            that would, were it published by ``as_of`` or indexed).
        unanswerable: ``None`` (answerable), ``"before"`` or ``"withheld"``.
        withheld_answers: What that article says, for an unanswerable one; no
            article the question can see may say it (:func:`check_set`).
    """

    id: str
    question: str
    as_of: str
    cue: str
    answerable: bool
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    doc: str
    unanswerable: str | None = None
    withheld_answers: tuple[str, ...] = ()

    def gold(self) -> GoldExample:
        """The question as ``rag eval`` scores it."""
        return GoldExample(self.id, self.question, self.answers, self.evidence, self.answerable,
                           {e.doc_id: 1.0 for e in self.evidence}, self.as_of)


_FIELDS = {"id", "question", "as_of", "cue", "answerable", "answers", "evidence", "doc", "unanswerable", "withheld_answers"}


def load_questions(path: Path = DATA / "questions.jsonl") -> list[Question]:
    """The questions of ``path``; a malformed line is a ``ValueError`` naming it."""
    questions: list[Question] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        where = f"{path.name}:{n}"
        if set(row) - _FIELDS or not {"id", "question", "as_of", "cue", "answerable", "doc"} <= set(row):
            raise ValueError(f"{where}: fields must be among {sorted(_FIELDS)}, with id, question, as_of, cue, answerable, doc")
        if row["cue"] not in CUES:
            raise ValueError(f"{where}: cue {row['cue']!r} is not one of {CUES}")
        date.fromisoformat(row["as_of"])
        answerable = row["answerable"] is True
        kind = row.get("unanswerable")
        if answerable == (kind is not None) or (kind is not None and kind not in KINDS):
            raise ValueError(f"{where}: an answerable question has no 'unanswerable'; an unanswerable one has one of {KINDS}")
        answers, evidence = tuple(row.get("answers", [])), tuple(Evidence(e["doc_id"], e["quote"]) for e in row.get("evidence", []))
        if answerable != bool(answers and evidence) or answerable == bool(row.get("withheld_answers")):
            raise ValueError(f"{where}: answerable questions need answers and evidence, unanswerable ones withheld_answers")
        questions.append(Question(row["id"], row["question"], row["as_of"], row["cue"], answerable, answers, evidence,
                                  row["doc"], kind, tuple(row.get("withheld_answers", []))))
    if len({q.id for q in questions}) != len(questions):
        raise ValueError(f"{path.name}: question ids must be unique")
    return questions


def withheld_docs(questions: list[Question]) -> set[str]:
    """The articles the withheld index leaves out: those that answer the ``withheld`` questions."""
    return {q.doc for q in questions if q.unanswerable == "withheld"}


def check_set(questions: list[Question], documents: list[SourceDocument]) -> list[str]:
    """What is wrong with the set, by question (an empty list when nothing is).

    Answerable: every evidence quote is in its article, which is published by
    ``as_of``, and a quote holds a gold answer. ``before``: the article is
    published after ``as_of`` and says what was withheld, and no article
    published by ``as_of`` says it. ``withheld``: the article is published by
    ``as_of`` and says it, and no article of the withheld index says it.
    """
    by_id = {d.id: d for d in documents}
    withheld = withheld_docs(questions)
    problems = []
    for q in questions:
        doc = by_id.get(q.doc)
        if doc is None or not doc.published:
            problems.append(f"{q.id}: article {q.doc!r} is not in the set or has no date")
            continue
        if q.answerable:
            for e in q.evidence:
                source = by_id.get(e.doc_id)
                if source is None or e.quote not in source.text:
                    problems.append(f"{q.id}: quote not in {e.doc_id}: {e.quote[:60]!r}")
                elif (source.published or "9999") > q.as_of:
                    problems.append(f"{q.id}: {e.doc_id} is published {source.published}, after as_of {q.as_of}")
            if not any(answer_contained(e.quote, q.answers) for e in q.evidence):
                problems.append(f"{q.id}: no quote holds a gold answer")
            continue
        if not answer_contained(doc.text, q.withheld_answers):
            problems.append(f"{q.id}: {q.doc} does not say {q.withheld_answers}")
        if q.unanswerable == "before":
            if doc.published <= q.as_of:
                problems.append(f"{q.id}: {q.doc} is published {doc.published}, not after as_of {q.as_of}")
            seen = [d for d in documents if d.published and d.published <= q.as_of]
        else:
            if doc.published > q.as_of:
                problems.append(f"{q.id}: {q.doc} is published {doc.published}, after as_of {q.as_of}")
            seen = [d for d in documents if d.id not in withheld]
        problems += [f"{q.id}: {d.id} says {q.withheld_answers}" for d in seen if answer_contained(d.text, q.withheld_answers)]
    return problems


def sample(questions: list[Question], limit: int | None, seed: int) -> list[Question]:
    """A seeded subset of ``limit`` questions, a quarter of them unanswerable (all when ``limit`` is None)."""
    if limit is None or limit >= len(questions):
        return questions
    rng = random.Random(seed)
    no = [q for q in questions if not q.answerable]
    yes = [q for q in questions if q.answerable]
    n_no = min(len(no), max(1, round(limit / 4)))
    chosen = {q.id for q in rng.sample(no, n_no) + rng.sample(yes, min(len(yes), limit - n_no))}
    return [q for q in questions if q.id in chosen]


def ask_all(questions: list[Question], articles: Path, work: Path, reader: str | None = None,
            settings: Settings | None = None) -> list[dict[str, Any]]:
    """Each question asked in both arms; one record per question with both outcomes."""
    partial = work / "articles-withheld"
    partial.mkdir(parents=True)
    held = withheld_docs(questions)
    for doc in load_paths([articles]).documents:
        if doc.id not in held:
            shutil.copy2(doc.source, partial / Path(doc.source).name)
    settings = settings or Settings()
    assistants = {"full": built(work / "index-full", articles, settings),
                  "withheld": built(work / "index-withheld", partial, settings)}
    records = []
    for q in questions:
        assistant = assistants["withheld" if q.unanswerable == "withheld" else "full"]
        record: dict[str, Any] = {"id": q.id, "cue": q.cue, "answerable": q.answerable, "kind": q.unanswerable}
        for arm in ARMS:
            answer = assistant.ask(q.question, as_of=q.as_of if arm == "with_dates" else None, reader=reader)
            scores = answer_scores(answer, q.gold(), assistant)
            record[arm] = {
                "refused": answer.refused,
                "contained": scores.get("contained"),
                "short_answer": answer.short_answer,
                "short_em": scores.get("short_em"),
                "short_f1": scores.get("short_f1"),
                "citation_precision": scores.get("citation_precision"),
                "cited": [c.doc_id for c in answer.citations],
                "answer": answer.text[:240],
                "time_scope": answer.time_scope.phrase if answer.time_scope else "",
            }
        records.append(record)
    return records


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def arm_metrics(records: list[dict[str, Any]], arm: str) -> dict[str, Any]:
    """Answer contained, short-answer EM and F1, citation precision, refusal recall and false refusals of one arm."""
    answerable = [r for r in records if r["answerable"]]
    refusals = refusal_scores([r[arm]["refused"] for r in records], [r["answerable"] for r in records])
    precision = [r[arm]["citation_precision"] for r in answerable if r[arm]["citation_precision"] is not None]
    return {
        "answer_contained": _mean([r[arm]["contained"] for r in answerable]),
        # A refusal's short answer scores 0, as in `rag eval`.
        "short_em": _mean([r[arm]["short_em"] or 0.0 for r in answerable]),
        "short_f1": _mean([r[arm]["short_f1"] or 0.0 for r in answerable]),
        "citation_precision": _mean(precision),
        "answered": len(precision),
        "refusal_recall": None if refusals["recall"] is None else round(refusals["recall"], 4),
        "false_refusals": None if refusals["false_refusal_rate"] is None else round(refusals["false_refusal_rate"], 4),
    }


def _outcome(record: dict[str, Any], arm: str) -> float:
    """1.0 when the arm got the question right: the gold answer contained, or an unanswerable one refused."""
    return float(record[arm]["contained"]) if record["answerable"] else float(record[arm]["refused"])


def paired(records: list[dict[str, Any]], *, rounds: int = 2000, seed: int = 13) -> dict[str, Any]:
    """With dates minus without, question by question: mean difference, a 95% bootstrap interval, and counts."""
    out: dict[str, Any] = {}
    rng = np.random.default_rng(seed)
    for name, subset in (("answer_contained", [r for r in records if r["answerable"]]),
                         ("refusal_recall", [r for r in records if not r["answerable"]]),
                         ("right", records)):
        diffs = np.array([_outcome(r, "with_dates") - _outcome(r, "without_dates") for r in subset])
        if not len(diffs):
            continue
        draws = [float(rng.choice(diffs, len(diffs)).mean()) for _ in range(rounds)]
        out[name] = {"questions": len(diffs), "difference": round(float(diffs.mean()), 4),
                     "interval_95": [round(float(np.percentile(draws, 2.5)), 4), round(float(np.percentile(draws, 97.5)), 4)],
                     "better": int((diffs > 0).sum()), "worse": int((diffs < 0).sum())}
    both = [(r["with_dates"]["citation_precision"], r["without_dates"]["citation_precision"]) for r in records
            if r["answerable"] and None not in (r["with_dates"]["citation_precision"], r["without_dates"]["citation_precision"])]
    if both:
        out["citation_precision"] = {"questions": len(both), "difference": round(float(np.mean([a - b for a, b in both])), 4)}
    return out


def breakdown(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Share right in each arm, by time cue (answerable) and by how the unanswerable ones were built."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(f"answerable: {r['cue']}" if r["answerable"] else f"unanswerable: {r['kind']}", []).append(r)
    return {name: {"questions": len(group), **{arm: _mean([_outcome(r, arm) for r in group]) for arm in ARMS}}
            for name, group in sorted(groups.items())}


def _commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
        return done.stdout.strip() if done.returncode == 0 else ""
    return {"commit": git("rev-parse", "HEAD") or None,
            "uncommitted_changes_in_rag": bool(git("status", "--porcelain", "--", "rag"))}


def run(questions: list[Question], articles: Path, reader: str | None = None,
        settings: Settings | None = None) -> dict[str, Any]:
    """Check the set, ask every question in both arms and summarise."""
    documents = load_paths([articles]).documents
    problems = check_set(questions, documents)
    if problems:
        raise ValueError("the question set is inconsistent:\n  " + "\n  ".join(problems[:20]))
    with tempfile.TemporaryDirectory() as tmp:
        records = ask_all(questions, articles, Path(tmp), reader, settings)
    worse = [r for r in records if _outcome(r, "with_dates") < _outcome(r, "without_dates")]
    return {
        "articles": len(documents),
        "withheld_articles": len(withheld_docs(questions)),
        "questions": {"all": len(records), "answerable": sum(r["answerable"] for r in records),
                      "unanswerable": dict(Counter(r["kind"] for r in records if not r["answerable"])),
                      "by_cue": dict(Counter(r["cue"] for r in records))},
        "arms": {arm: arm_metrics(records, arm) for arm in ARMS},
        "paired": paired(records),
        "breakdown": breakdown(records),
        "worse_with_dates": [{"id": r["id"], **{arm: r[arm]["answer"][:160] for arm in ARMS}} for r in worse],
        "per_question": records,
    }


def _row(name: str, values: dict[str, Any], key: str) -> str:
    def fmt(v: Any) -> str:
        return "   —  " if v is None else f"{v:6.3f}"
    return f"  {name:30s} {fmt(values['with_dates'][key])}  {fmt(values['without_dates'][key])}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.news_dated", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with articles/ and questions.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="a seeded subset of this many questions")
    parser.add_argument("--seed", type=int, default=13)
    add_answering_options(parser)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    settings = settings_of(parser, args)
    questions = sample(load_questions(args.data / "questions.jsonl"), args.limit, args.seed)
    result = {"command": " ".join(["python -m bench.news_dated", *(argv if argv is not None else sys.argv[1:])]),
              **_commit(), **run(questions, args.data / "articles", args.reader, settings)}
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "news_dated.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    q = result["questions"]
    print(f"{result['articles']} articles, {q['all']} questions: {q['answerable']} answerable, unanswerable {q['unanswerable']}")
    print(f"  {'':30s} {'as of':>6s}  {'no date':>7s}")
    arms = result["arms"]
    for label, key in (("answer contained", "answer_contained"), ("short answer EM", "short_em"),
                       ("short answer F1", "short_f1"), ("citation precision", "citation_precision"),
                       ("refusal recall", "refusal_recall"), ("false refusals", "false_refusals")):
        print(_row(label, {arm: arms[arm] for arm in ARMS}, key))
    for name, row in result["paired"].items():
        interval = f" [{row['interval_95'][0]:+.3f}, {row['interval_95'][1]:+.3f}]" if "interval_95" in row else ""
        counts = f", {row['better']} better, {row['worse']} worse" if "better" in row else ""
        print(f"  paired {name}: {row['difference']:+.3f}{interval} over {row['questions']} questions{counts}")
    print("by cue / kind (share right, as of / no date):")
    for name, row in result["breakdown"].items():
        print(f"  {name:30s} {row['questions']:4d}  {row['with_dates']:.3f}  {row['without_dates']:.3f}")
    print(f"worse with dates: {', '.join(r['id'] for r in result['worse_with_dates']) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
