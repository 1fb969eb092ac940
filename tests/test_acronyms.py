"""Initials and the names they stand for count as one term in the evidence score (rag._acronyms)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings
from rag._acronyms import initials_of, spelled_out
from rag._evidence import QuestionTerms, sentence_evidence
from rag._text import content_terms
from tests.helpers import wikinews


@pytest.mark.parametrize(
    ("question", "term", "text", "found"),
    [
        ("How much did GM's sales fall?", "gm", "General Motors reported a 49% decline.", True),
        ("What did the GAO recommend?", "gao", "The Government Accountability Office said the deal should be re-run.", True),
        ("What did the FDA approve?", "fda", "The Food and Drug Administration approved the drug.", True),  # "and" skipped
        ("How much did GM's sales fall?", "gm", "general motors reported a decline.", False),  # names are capitalised
        ("How much did GM's sales fall?", "gm", "Ford reported a decline.", False),
    ],
)
def test_initials_find_the_capitalised_name_they_stand_for(question: str, term: str, text: str, found: bool) -> None:
    assert [t for t, _ in spelled_out(question)] == [term]
    assert term in content_terms(question)  # the term the question's initials already have
    assert bool(spelled_out(question)[0][1].search(text)) is found


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much did General Motors lose?", (("gm", ("general", "motor")),)),
        ("Where will the new Air Force tankers be built?", (("af", ("air", "forc")),)),
        # "and" joins two names here, not words of one
        ("How much have Bank of America and Citigroup shares fallen?", (("ba", ("bank", "america")),)),
        ("Which Ford model will be renamed?", ()),  # "Which" opens the question, one name is left
        ("Who is buying Chrysler?", ()),
    ],
)
def test_names_of_capitalised_words_give_their_initials(question: str, expected: tuple) -> None:
    assert initials_of(question) == expected


def test_a_question_in_capitals_has_no_initials() -> None:
    assert spelled_out("HOW MUCH DID GM LOSE?") == ()
    assert spelled_out("Who met the ANC?") != ()


def _index(tmp_path: Path, embedder: MiniLMEmbeddings, texts: dict[str, str]) -> Assistant:
    folder = tmp_path / "articles"
    folder.mkdir()
    for doc_id, text in texts.items():
        (folder / f"{doc_id}.json").write_text(json.dumps({"id": doc_id, "title": doc_id, "text": text}))
    Assistant(tmp_path / "ix", embeddings=embedder).index([folder])
    return Assistant.load(tmp_path / "ix", embeddings=embedder)


def _lexical(assistant: Assistant, question: str, doc_id: str) -> float:
    """The lexical share (rag._evidence) of the question's terms that the sentence of ``doc_id`` has."""
    index, searcher = assistant.snapshot()
    doc_i = index.doc_index[doc_id]
    rows = [r for r in index.sentences_in(doc_i, 0, len(index.documents[doc_i].text)) if "%" in index.sentence_text(r)]
    evidence = sentence_evidence(rows, QuestionTerms.of(question, index), searcher.embed_query(question), index)
    return evidence[0].lexical


def test_initials_and_names_count_as_each_other_in_the_evidence(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = _index(tmp_path, embedder, {
        "full": "General Motors reported a 49% decline in sales.",
        "short": "GM's sales fall by 49% in January, the carmaker said.",
        "other": "Ford reported a 42% decline in sales.",
    })
    # every term of the question is in the sentence: "GM" as "General Motors", and "General Motors" as "GM's"
    assert _lexical(assistant, "How much did GM's sales decline?", "full") == pytest.approx(1.0)
    assert _lexical(assistant, "How much did General Motors' sales fall?", "short") == pytest.approx(1.0)
    assert _lexical(assistant, "How much did GM's sales decline?", "other") < 0.75


def test_a_report_naming_the_company_by_its_initials_is_about_it(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    # Real Wikinews reports (CC BY 2.5) that give different job cuts. Of disagreeing reports only those naming
    # the asked company as fully as the best one are quoted, and "GM" names General Motors as fully as the
    # name does: Ford's "Ford Motor Company" shares only "Motor" with it, and led before.
    assistant = wikinews(tmp_path, embedder, "gm-chrysler-offer-buyouts-and-early-retirement-to-workers",
                         "ford-motor-company-cutting-30-000-jobs-by-2012", "gm-posts-first-annual-loss-since-1992")
    answer = assistant.ask("How many jobs is General Motors cutting?", as_of="2009-02-19")
    assert "ford-motor-company-cutting-30-000-jobs-by-2012" not in {c.doc_id for c in answer.citations}, answer.text
    assert answer.citations[0].doc_id == "gm-chrysler-offer-buyouts-and-early-retirement-to-workers", answer.text
