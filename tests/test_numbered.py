"""A sentence about another member of the asked family never answers (rag._numbered, rag._answering)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._numbered import names_another, names_asked, numbered_names
from tests.helpers import indexed


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Airbus A400M", {("a", "400m")}),
        ("the G7 summit", {("g", "7")}),
        ("When was GPT-3 released?", {("gpt", "3")}),
        ("COP26 in Glasgow", {("cop", "26")}),
        ("Su-30SM fighters", {("su", "30sm")}),
        ("two A380s", {("a", "380")}),  # a plural is the same member
        ("60 Boeing 787s", {("boeing", "787"), ("#", "787")}),
        ("two F-4Es and four Su-30SMs", {("f", "4e"), ("su", "30sm")}),
        ("Pixel 5a", {("pixel", "5a")}),
        ("the iPhone 5s and the iPhone 4S", {("iphone", "5s"), ("iphone", "4s")}),  # models of their own
        ("the 787s delivered", {("#", "787")}),
        ("Boeing delivered its 1,000th 777", {("#", "777")}),
        ("a 500-seat hall", set()),
        ("the iPhone 4", {("iphone", "4")}),
        ("Grey's Anatomy Season 17", {("season", "17")}),
        ("Boeing 737-800", {("boeing", "737"), ("#", "737")}),  # a model number is also "the 737"
        ("the 777-200LR will fly", {("#", "777")}),
        ("The 717 had suffered from slow sales", {("#", "717")}),
        ("the 2021 US Open", {("year", "2021")}),
        ("Q1 2023", {("q", "1"), ("year", "2023")}),
        # not names: counts, amounts, measures, decades, dates, references
        ("the 155 planes ordered", set()),
        ("the 230 jets and the 500 km", set()),
        ("in the mid-1970s and the 1990s", set()),
        ("the pre-1970s and post-1990s cars", set()),
        ("US$7.3 billion, 1,950 troops", set()),
        ("on May 21 and in Chapter 11", set()),
        ("Ryanair has 91 aircraft", set()),
        ("rose 40 percent", set()),
    ],
)
def test_numbered_names(text: str, names: set[tuple[str, str]]) -> None:
    assert numbered_names(text) == names


def test_a_sentence_after_one_naming_the_asked_member_may_compare() -> None:
    question = "How large was the area hit by the 2010 drought?"
    sentence = "It covered 1,160,000 square miles, against 734,000 in 2005."
    assert names_another(question, sentence)
    assert not names_another(question, sentence, "The drought of 2010 was the worst on record.")
    assert names_another(question, sentence, "The drought of 2009 was the worst on record.")
    assert not names_another(question, "It covered 1,160,000 square miles.", "The drought of 2009 was the worst.")


@pytest.mark.parametrize(
    "stamp", ["Oct 29, 2019 ...", "Updated 3:15 PM ET, Tue Oct 29, 2019", "Published: 29 October 2019", "Posted Oct. 29th, 2019"]
)
def test_a_date_stamp_before_names_no_member(stamp: str) -> None:
    """A page's publication stamp says when it was written, not which year's award the next sentence is about."""
    question = "Who is the Maxwell Award winner in 2019?"
    sentence = "Headlining the list of semifinalists is 2018 Maxwell Award winner Tua Tagovailoa."
    assert names_another(question, sentence, stamp)
    # A sentence that speaks of the asked year does, as does a year heading with no month (a list of winners).
    assert not names_another(question, sentence, "On Oct 29, 2019, the 2019 semifinalists were named.")
    assert not names_another(question, sentence, "2019")


@pytest.mark.parametrize(
    ("question", "sentence", "another"),
    [
        ("When did the A400M first fly?", "The A380 first flew in April 2005.", True),
        ("When did the A400M first fly?", "The A400M, unlike the A380, flew in 2009.", False),  # names the asked one too
        ("When did the A400M first fly?", "The plane made its maiden flight on 11 December.", False),  # names no member
        ("How large was the area hit by the 2010 drought?", "It covered 1,160,000 square miles, against 734,000 in 2005.", True),
        ("When did the Boeing 787 first fly?", "The first flight of the 777 was in 1994.", True),
        ("When did the Boeing 787 first fly?", "The Boeing 777 and the 787 share a cockpit.", False),
        ("When did the 787 first fly?", "The first A380 flew in 2005.", False),  # another family
        ("Who won the men's singles U.S. Open 2021?", "The 2022 US Open draws will be revealed on Thursday.", True),
        ("Who won the men's singles U.S. Open 2021?", "Medvedev won the 2021 US Open.", False),
        ("What was Tesla's revenue in Q1 2021?", "Tesla's Q1 2023 revenue was $23.3 billion.", True),  # the same quarter, another year
        ("What was Tesla's revenue in Q1 2021?", "Tesla's revenue in the first quarter was $10.4 billion.", False),
        ("When was Pixel 6 announced?", "Google announced the Pixel 5 in October 2020.", True),
        ("How did the Dow do?", "The A380 first flew in 2005.", False),  # the question names no member
        ("Where will Tesla open a factory in 2024?", "In 2023, Tesla said it would open a plant in Texas.", False),
        ("Where did Tesla open a factory in 2024?", "In 2023, Tesla opened a plant in Texas.", True),
        ("In 2013-14, NBC finished first for the first time since when?", "NBC had last led in 2003-04.", False),
        ("When did the A400M of 2009 fly?", "The A380 first flew in 2005.", True),  # the model is still judged
    ],
)
def test_a_sentence_about_another_member(question: str, sentence: str, another: bool) -> None:
    assert names_another(question, sentence) is another


def test_names_asked() -> None:
    assert names_asked("When did the Boeing 787 first fly?", "Boeing has 850 orders for the 787.")
    assert not names_asked("When did the Boeing 787 first fly?", "The first flight of the 777 was in 1994.")
    assert not names_asked("When did the Boeing 787 first fly?", "The Dreamliner's wing was redesigned.")


def test_another_models_first_flight_never_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The 777's first flight was the answer to "When did the Boeing 787 first fly?" before; it answers only the 777's."""
    records = [
        {"id": "triple-seven", "title": "Boeing delivers its 1,000th 777", "published": "2011-03-02", "outlet": "Wire",
         "text": "Boeing delivered its 1,000th 777 to Emirates on Wednesday. The first flight of the 777 was in June 1994, "
                 "and the jet entered service with United Airlines a year later. The 777 is the world's largest twin-engine jet."},
        {"id": "dreamliner", "title": "Boeing's 787 Dreamliner delayed again", "published": "2009-06-23", "outlet": "Wire",
         "text": "Boeing has postponed the maiden flight of the 787 Dreamliner, citing a problem with the wing. "
                 "The company said a new date for the flight would be set within weeks. Boeing has 850 orders for the 787."},
    ]
    assistant = indexed(tmp_path, embedder, records)
    for question in ("When did the Boeing 787 first fly?", "When was the 787's first flight?"):
        assert assistant.ask(question).refused, question
    own = assistant.ask("When did the 777 first fly?")
    assert not own.refused and own.short_answer == "June 1994"
    orders = assistant.ask("How many orders does Boeing have for the 787?")  # a sentence naming the asked one answers
    assert not orders.refused and orders.short_answer == "850"
