"""The one question pipeline: a checked, frozen Query in; every way of asking goes through Pipeline.run."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from rag import Assistant, InputError
from rag._evaluation import evaluate
from rag._goldsets import load_eval_set
from rag._query import Query

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("arguments", "message"), [
    ({"top_k": "5"}, "top_k must be a whole number"),
    ({"top_k": 0}, "top_k must be at least 1"),
    ({"history": "how many troops?"}, "history must be a list"),
    ({"use_llm": "yes"}, "use_llm must be True, False or None"),
    ({"since": "2021-13-01"}, "since"),
    ({"since": "2021-09-01", "until": "2021-08-01"}, "since 2021-09-01 is after until 2021-08-01"),
    ({"reader": "oracle"}, "reader 'oracle' is unknown: use model or large or fast"),
])
def test_query_of_names_the_bad_argument(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        Query.of("How many troops?", **arguments)  # type: ignore[arg-type]


def test_a_query_is_checked_once_and_frozen() -> None:
    query = Query.of("  How many troops?  ", history=["Where is the drill?"], as_of="2021-08-09", top_k=3)
    assert (query.question, query.history, query.top_k, str(query.dates.as_of)) == (
        "How many troops?", ("Where is the drill?",), 3, "2021-08-09")
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.question = "Why Tajikistan?"  # type: ignore[misc]


def test_final_event_reports_every_passage_retrieved_to_the_querys_depth(assistant: Assistant) -> None:
    events = list(assistant.pipeline().run(Query("How many troops?", top_k=1, depth=3)))
    sources, final = events[0], events[-1]
    assert [e.kind for e in events] == ["sources", "final"]
    assert len(final.passages) == 3 and [p.rank for p in final.passages] == [1, 2, 3]
    assert final.answer is not None and final.answer.passages == sources.passages
    assert {p.chunk_ids for p in final.answer.passages} <= {final.passages[0].chunk_ids}  # the answer read the first only
    plain = assistant.ask("How many troops?", top_k=1)
    assert plain.text == final.answer.text  # reading deeper for the ranking changes nothing the answer reads


def test_rag_eval_answers_as_ask_does(assistant: Assistant) -> None:
    eval_set = load_eval_set(ROOT / "rag" / "data" / "gold.jsonl")
    eval_set = dataclasses.replace(eval_set, examples=eval_set.examples[:8])
    result = evaluate(assistant, eval_set, modes=["hybrid"], ks=[1], top_k=assistant.settings.top_k)["hybrid"]
    for example in result.examples:
        asked = assistant.ask(example.question)
        assert (example.answer, example.refused) == (asked.text, asked.refused), example.question


def test_only_the_pipeline_embeds_and_answers_a_question() -> None:
    # The pipeline is written once: no other module of the product embeds a question and answers from it.
    calls = re.compile(r"searcher\.embed_query\(|\bscoped\(|\banswer_scoped\(|\banswer_preferring\(")
    allowed = {ROOT / "rag" / "_pipeline.py", ROOT / "rag" / "_retrieval.py"}
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("rag", "ui")
        for path in sorted((ROOT / folder).rglob("*.py")) if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if calls.search(line) and not line.lstrip().startswith(("#", ">>>"))
    ]
    assert offenders == []
