"""A figure never answers "who" or "where": which questions ask a name, which words are only a figure, and through ask()."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._kinds import asks_a_name, only_a_figure
from tests.helpers import indexed


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Who is the lead actress in La La Land?", {"PERSON", "ORG", "NORP"}),
        ("Which city hosted the Olympic Games in 2008?", {"GPE", "LOC"}),
        ("Where will the drill be held?", set()),  # "where" may ask a level: "Where did the Dow close?"
        ("Where did the Nikkei close on Thursday?", set()),
        ("In which country was the drill held?", {"GPE", "LOC"}),
        ("Which company bought Twitter?", {"ORG"}),
        ("When did the games open?", set()),  # a date answers
        ("How many medals did Norway win?", set()),  # a figure answers
        ("What year did Beijing host the Olympics?", set()),
        ("Why did Tajikistan join?", set()),  # no kind asked
        ("What was the date of the very first episode of Doctor Who?", set()),  # "Who" is a name here
        ("What years did the original Doctor Who series run?", set()),
        ("Whose film won Best Picture?", {"PERSON", "ORG", "NORP"}),
        ("In which city was the treaty signed?", {"GPE", "LOC"}),
    ],
)
def test_asks_a_name(question: str, kinds: set[str]) -> None:
    assert asks_a_name(question) == kinds


@pytest.mark.parametrize(
    ("words", "figure"),
    [
        ("2016", True),
        ("April 29, 2015", True),
        ("the 1990s", True),
        ("June 21-27", True),
        ("2004 and 2008", True),
        ("Dec. 6th", True),
        ("9th", False),  # a rank: "Where does Warsaw rank?"
        ("April", False),  # no digit: a name can be a month's word
        ("Emma Stone", False),
        ("Apollo 11", False),
        ("Studio 54", False),
        ("", False),
    ],
)
def test_only_a_figure(words: str, figure: bool) -> None:
    assert only_a_figure(words) is figure


def test_a_year_never_names_who(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check the credits page answered "Who is the lead actress in Harbor Lights?" with "2016"."""
    page = {"id": "credits", "title": "Harbor Lights cast and crew", "published": "2023-01-05", "outlet": "Wire",
            "text": "Harbor Lights (2016) cast and crew credits, including actors, actresses, directors, writers and "
                    "more. The film was shot over six weeks on the coast of Maine."}
    assistant = indexed(tmp_path, embedder, [page])
    who = assistant.ask("Who is the lead actress in Harbor Lights?")
    assert who.refused or not only_a_figure(who.short_answer or "")
    when = assistant.ask("When was Harbor Lights made?")  # a figure still answers a question asking one
    assert not when.refused and "2016" in when.text
