"""Evaluation sets: our gold JSONL, SQuAD v1.1 JSON and BEIR folders, detected by shape.

Gold JSONL (one question per line)::

    {"id": "troops-1", "question": "How many troops?",
     "answers": ["more than ten thousand", "10,000"],
     "evidence": [{"doc_id": "zapad-interaction-2021-begins", "quote": "More than 10,000 troops ..."}],
     "answerable": true}

``answers`` and ``evidence`` are empty for unanswerable questions. A line
may carry ``"as_of": "YYYY-MM-DD"``: the question is asked as on that date
(later articles don't exist for it), as ``rag ask --as-of`` does. A
malformed line is a :class:`GoldFileError` naming the line and the field.

SQuAD and BEIR sets bring their own corpus; the evaluator indexes it
(``corpus`` below) and treats the gold paragraph (SQuAD) or the qrels
documents (BEIR, graded) as the relevant documents.

Example:
    >>> eval_set = load_eval_set("rag/data/gold.jsonl")  # doctest: +SKIP
    >>> eval_set.kind, len(eval_set.examples)  # doctest: +SKIP
    ('gold', 48)
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._dates import parse_date
from ._exceptions import GoldFileError
from ._text import clean_text
from ._types import SourceDocument

__all__ = ["EvalSet", "Evidence", "GoldExample", "load_eval_set", "without_articles"]


@dataclass(frozen=True)
class Evidence:
    """A gold supporting quote in a document."""

    doc_id: str
    quote: str


@dataclass(frozen=True)
class GoldExample:
    """One evaluation question.

    Attributes:
        relevant: Relevant document ids with graded relevance (> 0).
    """

    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    answerable: bool
    relevant: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    as_of: str | None = None


@dataclass
class EvalSet:
    """Questions, and for SQuAD/BEIR the corpus to index.

    Attributes:
        kind: ``gold``, ``squad`` or ``beir``.
        has_answers: Whether answer and citation metrics apply.
    """

    name: str
    kind: str
    examples: list[GoldExample]
    corpus: list[SourceDocument] | None = None
    has_answers: bool = True

    def sample(self, limit: int | None, seed: int) -> EvalSet:
        """A seeded random subset of ``limit`` examples (all if ``limit`` is None)."""
        if limit is None or limit >= len(self.examples):
            return self
        chosen = random.Random(seed).sample(range(len(self.examples)), limit)
        examples = [self.examples[i] for i in sorted(chosen)]
        return EvalSet(self.name, self.kind, examples, self.corpus, self.has_answers)


def load_eval_set(path: str | Path) -> EvalSet:
    """Load an evaluation set, detecting its format by shape.

    Raises:
        GoldFileError: Unknown shape or malformed content (names the line).
    """
    path = Path(path)
    if path.is_dir():
        if (path / "corpus.jsonl").exists() and (path / "queries.jsonl").exists():
            return _load_beir(path)
        raise GoldFileError(f"{path} is a folder but not a BEIR set: it needs corpus.jsonl, queries.jsonl, qrels/test.tsv")
    if not path.exists():
        raise GoldFileError(f"{path} does not exist: give a gold .jsonl, a SQuAD .json or a BEIR folder")
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise GoldFileError(f"{path}: not valid JSON ({error})") from error
        except RecursionError as error:
            raise GoldFileError(f"{path}: JSON nested too deeply to read; a SQuAD file is a few levels deep") from error
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            return _load_squad(path, data)
        raise GoldFileError(f"{path}: a .json set must be SQuAD v1.1 (a top-level 'data' list)")
    return _load_gold(path)


def _load_gold(path: Path) -> EvalSet:
    examples: list[GoldExample] = []
    seen: set[str] = set()
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise GoldFileError(f"{path}: not UTF-8 text ({error})") from error
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise GoldFileError(f"{where}: invalid JSON ({error.msg}); each line must be one JSON object") from error
        except RecursionError as error:
            raise GoldFileError(f"{where}: JSON nested too deeply; each line must be one flat JSON object") from error
        example = _gold_example(record, where)
        if example.id in seen:
            raise GoldFileError(f"{where}: duplicate id {example.id!r}; ids must be unique")
        seen.add(example.id)
        examples.append(example)
    if not examples:
        raise GoldFileError(f"{path}: no questions found; write one JSON object per line")
    return EvalSet(path.stem, "gold", examples)


def _gold_example(record: Any, where: str) -> GoldExample:
    if not isinstance(record, dict):
        raise GoldFileError(f"{where}: expected a JSON object with id, question, answers, evidence, answerable")
    for key, kind in (("id", str), ("question", str), ("answerable", bool)):
        if not isinstance(record.get(key), kind):
            raise GoldFileError(f"{where}: field {key!r} must be a {kind.__name__}")
    answers = record.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise GoldFileError(f"{where}: field 'answers' must be a list of non-empty strings")
    evidence_raw = record.get("evidence", [])
    if not isinstance(evidence_raw, list):
        raise GoldFileError(f"{where}: field 'evidence' must be a list of {{doc_id, quote}} objects")
    evidence = []
    for item in evidence_raw:
        if not (isinstance(item, dict) and isinstance(item.get("doc_id"), str) and isinstance(item.get("quote"), str)):
            raise GoldFileError(f"{where}: each evidence item needs string 'doc_id' and 'quote'")
        evidence.append(Evidence(item["doc_id"], item["quote"]))
    if record["answerable"] and not (answers and evidence):
        raise GoldFileError(f"{where}: an answerable question needs 'answers' and 'evidence'")
    if not record["answerable"] and (answers or evidence):
        raise GoldFileError(f"{where}: an unanswerable question must have empty 'answers' and 'evidence'")
    unknown = set(record) - {"id", "question", "answers", "evidence", "answerable", "notes", "as_of"}
    if unknown:
        raise GoldFileError(
            f"{where}: unknown field(s) {sorted(unknown)}; allowed: id, question, answers, evidence, answerable, notes, as_of"
        )
    as_of = record.get("as_of")
    if as_of is not None and not (isinstance(as_of, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of) and parse_date(as_of) == as_of):
        raise GoldFileError(f"{where}: field 'as_of' must be a date as YYYY-MM-DD, e.g. 2021-08-10")
    relevant = {e.doc_id: 1.0 for e in evidence}
    return GoldExample(record["id"], record["question"], tuple(answers), tuple(evidence), record["answerable"], relevant, as_of)


def without_articles(eval_set: EvalSet, titles: list[str]) -> tuple[EvalSet, int]:
    """The set without the questions of SQuAD articles ``titles`` (their paragraphs stay in the corpus), and how many went."""
    prefixes = tuple(_slug(t.replace("_", " ")) + "-" for t in titles)
    if not prefixes or eval_set.kind != "squad":
        return eval_set, 0
    kept = [e for e in eval_set.examples if not any(d.startswith(prefixes) for d in e.relevant)]
    return replace(eval_set, examples=kept), len(eval_set.examples) - len(kept)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _doc(doc_id: str, title: str, body: str, source: str) -> SourceDocument:
    text = clean_text(f"{title}\n\n{body}" if title and not body.startswith(title) else body)
    return SourceDocument(doc_id, title or text[:80], source, text, hashlib.sha256(text.encode()).hexdigest())


def _load_squad(path: Path, data: dict[str, Any]) -> EvalSet:
    corpus: list[SourceDocument] = []
    examples: list[GoldExample] = []
    try:
        for article in data["data"]:
            title = str(article["title"]).replace("_", " ")
            for p_i, paragraph in enumerate(article["paragraphs"]):
                doc_id = f"{_slug(title)}-{p_i}"
                context = paragraph["context"]
                corpus.append(_doc(doc_id, "", context, f"{path.name}#{doc_id}"))
                for qa in paragraph["qas"]:
                    answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                    spans = [(a["answer_start"], a["answer_start"] + len(a["text"])) for a in qa["answers"]]
                    evidence = tuple(Evidence(doc_id, _sentence_around(context, s, e)) for s, e in spans[:1])
                    examples.append(GoldExample(qa["id"], qa["question"], answers, evidence, True, {doc_id: 1.0}))
    except (KeyError, TypeError) as error:
        raise GoldFileError(f"{path}: not SQuAD v1.1 shaped (missing {error}); expected data[].paragraphs[].qas[]") from error
    return EvalSet(path.stem, "squad", examples, corpus)


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start) + 2, 0) if text.rfind(". ", 0, start) >= 0 else 0
    right = text.find(". ", end)
    return text[left : (right + 1 if right >= 0 else len(text))].strip()


def _load_beir(path: Path) -> EvalSet:
    qrels_path = path / "qrels" / "test.tsv"
    if not qrels_path.exists():
        raise GoldFileError(f"{path}: BEIR set has no qrels/test.tsv")
    corpus: list[SourceDocument] = []
    for line_no, line in enumerate((path / "corpus.jsonl").read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                corpus.append(_doc(str(row["_id"]), row.get("title", ""), row["text"], f"corpus.jsonl#{row['_id']}"))
            except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as error:
                raise GoldFileError(f"{path / 'corpus.jsonl'}:{line_no}: bad corpus record ({type(error).__name__})") from error
    queries = {}
    for line_no, line in enumerate((path / "queries.jsonl").read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                queries[str(row["_id"])] = row["text"]
            except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as error:
                raise GoldFileError(f"{path / 'queries.jsonl'}:{line_no}: bad query record ({type(error).__name__})") from error
    qrels: dict[str, dict[str, float]] = {}
    with open(qrels_path, encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if line_no == 1 and row and not row[-1].strip().lstrip("-").isdigit():
                continue  # header
            try:
                query_id, doc_id, score = row[0], row[1], float(row[2])
            except (IndexError, ValueError) as error:
                raise GoldFileError(f"{qrels_path}:{line_no}: expected query-id, corpus-id, score") from error
            if score > 0:
                qrels.setdefault(query_id, {})[doc_id] = score
    examples = [
        GoldExample(qid, queries[qid], (), (), True, rel) for qid, rel in sorted(qrels.items()) if qid in queries
    ]
    return EvalSet(path.name, "beir", examples, corpus, has_answers=False)
