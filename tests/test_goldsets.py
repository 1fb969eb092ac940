"""Gold, SQuAD and BEIR loaders on small fixtures; malformed files name the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import Assistant, GoldFileError
from rag._goldsets import load_eval_set

BUNDLED_GOLD = Path(__file__).resolve().parents[1] / "rag" / "data" / "gold.jsonl"


def test_bundled_gold_set_is_well_formed_and_quotes_are_exact(assistant: Assistant) -> None:
    gold = load_eval_set(BUNDLED_GOLD)
    assert gold.kind == "gold" and len(gold.examples) >= 40
    assert sum(not e.answerable for e in gold.examples) >= 8
    questions = {e.question.lower() for e in gold.examples}
    assert {"how many troops?", "why tajikistan?"} <= questions
    both = [e for e in gold.examples if len({ev.doc_id for ev in e.evidence}) == 2]
    assert len(both) >= 3, "some questions are answered by both articles"
    for example in gold.examples:
        for evidence in example.evidence:
            assert evidence.quote in assistant.document(evidence.doc_id).text, example.id


def write(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines))
    return path


GOOD = {"id": "q1", "question": "How many?", "answers": ["3"], "evidence": [{"doc_id": "d", "quote": "3 of them"}],
        "answerable": True}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{oops", ":2: invalid JSON"),
        ([1, 2], ":2: expected a JSON object"),
        ({**GOOD, "id": 5}, ":2: field 'id' must be a str"),
        ({**GOOD, "id": "q2", "answerable": "yes"}, ":2: field 'answerable' must be a bool"),
        ({**GOOD, "id": "q2", "answers": "3"}, ":2: field 'answers' must be a list"),
        ({**GOOD, "id": "q2", "evidence": [{"doc": "d"}]}, ":2: each evidence item needs"),
        ({**GOOD, "id": "q2", "evidence": []}, ":2: an answerable question needs"),
        ({**GOOD, "id": "q2", "answerable": False}, ":2: an unanswerable question must have empty"),
        ({**GOOD, "id": "q2", "answer": ["x"]}, ":2: unknown field(s) ['answer']"),
        (GOOD, ":2: duplicate id 'q1'"),
    ],
)
def test_malformed_gold_lines_name_the_line(tmp_path: Path, bad: object, message: str) -> None:
    path = write(tmp_path, [GOOD, bad])
    with pytest.raises(GoldFileError) as error:
        load_eval_set(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(GoldFileError, match="no questions"):
        load_eval_set(write(tmp_path, ["", "  "]))
    with pytest.raises(GoldFileError, match="does not exist"):
        load_eval_set(tmp_path / "nope.jsonl")
    (tmp_path / "x.json").write_text('{"not": "squad"}')
    with pytest.raises(GoldFileError, match="SQuAD"):
        load_eval_set(tmp_path / "x.json")
    (tmp_path / "folder").mkdir()
    with pytest.raises(GoldFileError, match="not a BEIR set"):
        load_eval_set(tmp_path / "folder")


def test_squad_fixture(tmp_path: Path) -> None:
    data = {"version": "1.1", "data": [{"title": "Super_Bowl", "paragraphs": [
        {"context": "The game was played in Santa Clara. Denver won the title.",
         "qas": [{"id": "a", "question": "Who won?", "answers": [{"answer_start": 36, "text": "Denver"}] * 2}]},
        {"context": "Tickets were expensive.", "qas": []},
    ]}]}
    (tmp_path / "squad.json").write_text(json.dumps(data))
    squad = load_eval_set(tmp_path / "squad.json")
    assert squad.kind == "squad" and len(squad.corpus or []) == 2
    (example,) = squad.examples
    assert example.answers == ("Denver",) and example.relevant == {"super-bowl-0": 1.0}
    assert example.evidence[0].quote == "Denver won the title."


def test_beir_fixture(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "10", "title": "Aspirin", "text": "It reduces fever."}) + "\n"
        + json.dumps({"_id": "11", "title": "", "text": "Water boils at 100 C."}) + "\n"
    )
    (tmp_path / "queries.jsonl").write_text(json.dumps({"_id": "1", "text": "does aspirin reduce fever"}) + "\n")
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\t10\t2\n1\t11\t0\n")
    beir = load_eval_set(tmp_path)
    assert beir.kind == "beir" and not beir.has_answers
    assert beir.examples[0].relevant == {"10": 2.0}
    assert beir.corpus[0].text == "Aspirin\n\nIt reduces fever."  # type: ignore[index]
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\tbroken\n")
    with pytest.raises(GoldFileError, match=r"test.tsv:2: expected query-id"):
        load_eval_set(tmp_path)


def test_sample_is_seeded(tmp_path: Path) -> None:
    lines = [{**GOOD, "id": f"q{i}"} for i in range(30)]
    gold = load_eval_set(write(tmp_path, lines))
    a, b = gold.sample(5, seed=1), gold.sample(5, seed=1)
    assert [e.id for e in a.examples] == [e.id for e in b.examples] and len(a.examples) == 5
    assert gold.sample(None, seed=1) is gold


def test_squad_questions_of_articles_the_reader_trained_on_are_left_out(tmp_path: Path) -> None:
    from rag._goldsets import without_articles

    squad = {"version": "1.1", "data": [
        {"title": "Super_Bowl_50", "paragraphs": [{"context": "The game was played in Santa Clara.", "qas": [
            {"id": "a", "question": "Where was the game played?", "answers": [{"text": "Santa Clara", "answer_start": 23}]}]}]},
        {"title": "Normans", "paragraphs": [{"context": "The Normans came from Normandy.", "qas": [
            {"id": "b", "question": "Where did the Normans come from?", "answers": [{"text": "Normandy", "answer_start": 22}]}]}]},
    ]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad))
    eval_set = load_eval_set(path)
    kept, dropped = without_articles(eval_set, ["Normans"])
    assert dropped == 1 and [e.id for e in kept.examples] == ["a"] and len(kept.corpus or []) == 2  # the corpus stays
    assert without_articles(eval_set, []) == (eval_set, 0)
