"""A result still to come: which questions ask a result, which sentences say it is to come, and that they never answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._pending import asks_a_result, pending
from tests.helpers import indexed, write_records


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who is the Maxwell Award winner in 2019?", True),
        ("Who won the French Open?", True),
        ("Which film was awarded the Palme d'Or?", True),
        ("Who was named the 2020 National Teacher of the Year?", True),
        ("What team is the champion?", True),
        ("Who announced the drill?", False),
        ("When will the winner be announced?", False),  # asks when, not who
        ("How many awards did she win?", False),
        ("Who runs Tesla?", False),
    ],
)
def test_asks_a_result(question: str, asks: bool) -> None:
    assert asks_a_result(question) is asks


@pytest.mark.parametrize(
    ("sentence", "to_come"),
    [
        ("The winner of the 2019 Maxwell Award will be announced as part of the Home Depot College Football Awards Show.",
         True),
        ("The 2012 Heisman winner will be announced at 7 p.m. on Saturday.", True),
        ("One of the finalists will be named the 2020 National Teacher of the Year in the spring.", True),
        ("A successor has yet to be chosen, the board said.", True),
        ("The recipient has not been announced.", True),
        ("Joe Burrow won the 2019 Maxwell Award on December 12.", False),
        ("Smith will be named chief executive on Monday, the board said.", False),  # the choice is made
        ("The winner, Joe Burrow, was announced on Thursday.", False),  # announced: done
        ("The winner will receive $10,000.", False),  # nothing about whether it is known
    ],
)
def test_pending(sentence: str, to_come: bool) -> None:
    assert pending(sentence) is to_come


def test_a_preview_never_names_the_winner(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check the preview answered "Three quarterbacks"; with the result's report, the sources "differed"."""
    preview = {"id": "preview", "title": "Kestrel Award finalists named", "published": "2024-11-20", "outlet": "Wire",
               "text": "Three quarterbacks are finalists for this year's Kestrel Award, given to the best college player. "
                       "The winner of the 2024 Kestrel Award will be announced as part of the Harbor Bank College "
                       "Football Awards Show on December 12."}
    assistant = indexed(tmp_path, embedder, [preview])
    assert assistant.ask("Who won the 2024 Kestrel Award?").refused
    when = assistant.ask("When will the Kestrel Award winner be announced?")  # the preview still answers when
    assert not when.refused and when.short_answer == "December 12"

    result = {"id": "result", "title": "Whitfield wins Kestrel Award", "published": "2024-12-13", "outlet": "Wire",
              "text": "Dana Whitfield of Lakeshore State won the 2024 Kestrel Award on Thursday night, beating two other "
                      "quarterbacks."}
    assistant.index([write_records(tmp_path / "articles", [result])])
    answer = assistant.ask("Who is the Kestrel Award winner in 2024?")
    assert not answer.refused and answer.short_answer == "Dana Whitfield"
    assert not answer.disagreements and len({c.doc_id for c in answer.citations}) == 1
