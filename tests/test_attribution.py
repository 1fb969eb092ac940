"""The source of a report ("according to X") answers only a question about a source."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._attribution import asks_about_a_source, quotes_the_source, source_spans
from tests.helpers import indexed


@pytest.mark.parametrize(
    ("sentence", "sources"),
    [
        ("The fire started Monday, according to the Los Angeles County Fire Department.",
         ["the Los Angeles County Fire Department"]),
        ("Sales fell 5%, according to data from the ministry, and prices rose.", ["data from the ministry"]),
        ("According to police, the driver fled.", ["police"]),
        ("Prices rose, according to a report that was released on Monday.", ["a report"]),
        ("The vote passed (according to officials) on Friday.", ["officials"]),
        ("It rose 3% — according to Reuters — in May; according to the AP, it fell.", ["Reuters", "the AP"]),
        ("The fire started Monday near a hiking trail.", []),
        ("Officials said the fire started Monday.", []),  # a speaker who opens the report: often its subject too
        ("Two firefighters were hurt and 14 homes were destroyed, the department said.", ["the department"]),
        ("The company will cut 500 jobs, a spokesman told Reuters on Monday.", ["a spokesman"]),
        ("Firefighters contained 85% of the fire, officials said Thursday.", ["officials"]),
        ("\u201cWe are turning a corner,\u201d Fire Chief Anthony Marrone told reporters.", []),  # a quotation's speaker
        ("\"We will strike,\" Fain said on Thursday.", []),
        ("The plan, he said, is sound.", []),  # not at the sentence's end
    ],
)
def test_source_spans(sentence: str, sources: list[str]) -> None:
    assert [sentence[a:b] for a, b in source_spans(sentence)] == sources


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("According to whom did sales fall?", True),
        ("Who said the fire started on Monday?", True),
        ("Which agency reported the outbreak?", True),
        ("What newspaper printed the story?", True),
        ("Who estimated the damage?", True),
        ("Which study found a link?", True),
        ("Who started the fire?", False),
        ("Where did the fire start?", False),
        ("Who is the fire chief?", False),
    ],
)
def test_asks_about_a_source(question: str, asks: bool) -> None:
    assert asks_about_a_source(question) is asks


FIRE = "The fire started Monday near a hiking trail, according to the Los Angeles County Fire Department."
CHIEF = "The blaze is 85% contained, according to Fire Chief Anthony Marrone."
DESTROYED = "Two firefighters were hurt and 14 homes were destroyed, the department said."


@pytest.mark.parametrize(
    ("question", "sentence", "words", "source"),
    [
        ("Who started the fire?", FIRE, "the Los Angeles County Fire Department", True),
        ("Who started the fire?", FIRE, "Los Angeles County", True),  # any words inside the source phrase
        ("Where did the fire start?", FIRE, "near a hiking trail", False),  # not in the source phrase
        ("Which department reported where the fire started?", FIRE, "the Los Angeles County Fire Department", False),
        ("Who is the fire chief?", CHIEF, "Anthony Marrone", False),  # the question's words are the source's
        ("How much of the blaze is contained?", CHIEF, "85%", False),
        ("Who contained the blaze?", CHIEF, "Fire Chief Anthony Marrone", True),
        ("Who?", FIRE, "the Los Angeles County Fire Department", False),  # no words to weigh: never judged
        ("Who said the fire started Monday?", FIRE, "the Los Angeles County Fire Department", False),  # who said
        ("Who destroyed 14 homes?", DESTROYED, "the department", True),
        ("Who was hurt?", DESTROYED, "Two firefighters", False),
    ],
)
def test_quotes_the_source(question: str, sentence: str, words: str, source: bool) -> None:
    start = sentence.index(words)
    assert quotes_the_source(question, sentence, start, start + len(words)) is source


def test_no_words_are_no_source() -> None:
    inside = FIRE.index("County")
    assert quotes_the_source("Who started the fire?", FIRE, inside, inside) is False


def test_the_source_never_answers_what_happened(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check "Who started the fire?" was answered with the department that reported where it started.

    The 6-layer reader's words were elsewhere; the 12-layer reader, finding
    the lead's short answer, took the department: the check runs on both.
    """
    report = {"id": "ridge-fire", "title": "Ridge Fire mostly contained", "published": "2023-08-10", "outlet": "Wire",
              "text": "Firefighters have contained most of the Ridge Fire, which burned 12,400 acres north of the city. "
                      "The fire started Monday afternoon near a hiking trail in Santa Clarita, according to the "
                      "Los Angeles County Fire Department. Its cause is under investigation."}
    assistant = indexed(tmp_path, embedder, [report])
    who = assistant.ask("Who started the fire?")
    assert "Department" not in (who.short_answer or "") and "according to" not in who.text
    source = assistant.ask("Which department reported where the fire started?")  # a question about the source
    assert not source.refused and "Fire Department" in (source.short_answer or "")
    where = assistant.ask("Where did the fire start?")  # the sentence still answers what it reports
    assert not where.refused and "hiking trail" in where.text


def test_a_speaker_at_the_end_gives_way_to_the_span_readers_words(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The 6-layer reader took "the department" for who was hurt; the 12-layer reader's "Two firefighters" answers."""
    report = {"id": "ridge-fire", "title": "Ridge Fire mostly contained", "published": "2023-08-10", "outlet": "Wire",
              "text": "Firefighters have contained most of the Ridge Fire, which burned 12,400 acres north of the city. "
                      "Two firefighters suffered minor injuries, and 14 structures were destroyed, the department said."}
    assistant = indexed(tmp_path, embedder, [report])
    hurt = assistant.ask("Who suffered minor injuries?")
    assert not hurt.refused and hurt.short_answer == "Two firefighters"
