"""Named events of a kind: which names are read, and that another event of the asked kind never answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._events import event_names, mentions_asked
from rag._scoring import about_another, asked_families
from tests.helpers import indexed


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("2019 CFDA Awards winners: Brandon Maxwell, Rick Owens take top honors.", {("award", "cfda")}),
        ("Who is the Maxwell Award winner in 2019?", {("award", "maxwell")}),
        ("Who won the women's singles at the U.S. Open?", {("division", "women"), ("open", "us")}),
        ("The men's final of the FIFA World Cup", {("division", "men"), ("cup", "world")}),
        ("He won the Monaco Grand Prix and the Heisman Trophy.", {("grand prix", "monaco"), ("trophy", "heisman")}),
        ("the Nobel Peace Prize, not the Nobel Prize in Literature", {("prize", "peace"), ("prize", "nobel")}),
        ("at the Winter Olympic Games", {("games", "olympic")}),
        ("the girls' race and the boys' race", {("division", "women"), ("division", "men")}),
        ("the King’s Cup and the Queen's Cup", {("cup", "king"), ("cup", "queen")}),  # possessives, both apostrophes
        ("the Monaco Grand  Prix", {("grand prix", "monaco")}),  # any space inside the kind
        ("The Ford open day came before the Monaco Grand Prix.", {("grand prix", "monaco")}),  # a verb, then an event
        ("He won The Open and the Ryder Cup.", {("cup", "ryder")}),  # "The" names nothing, then an event
        ("Microsoft Open Source licences", set()),  # the kind's word followed by another name
        ("Ford will open two plants.", set()),  # a verb
        ("He won The Open.", set()),  # no name before the kind
        ("Serena Williams won Wimbledon in 2019.", set()),
    ],
)
def test_event_names(text: str, names: set[tuple[str, str]]) -> None:
    assert event_names(text) == names


@pytest.mark.parametrize(
    ("question", "text", "mentions"),
    [
        ("How many Grammy Awards has Lady Gaga won?", "Six-time Grammy winner Lady Gaga sang.", True),
        ("Who won the US Open?", "The US champion was crowned.", True),
        ("Who won the US Open?", "He told us about the French Open.", False),  # "us" is a common word
        ("Who is the Maxwell Award winner?", "CFDA Awards winners: Brandon Maxwell, Rick Owens.", False),  # inside a name
        ("Who won the French Open?", "The French Open final was played on Sunday.", True),
        ("Who won the French Open?", "Nothing at all.", False),
        ("Who won the French Open?", "The french champion spoke.", True),  # any case for a longer word
        ("Who won The Open?", "The champion spoke.", False),  # "The" names nothing
        ("Did the winner of The Open also win the Ryder Cup?", "The Ryder captain spoke.", True),
        ("Did the Ford open day come before the Monaco Grand Prix?", "Monaco fans waited.", True),
        ("Who won the Maxwell Award?", "Maxwell House coffee sponsors it.", False),  # a word of another name
        ("Who won the Queen’s Cup?", "The Queen was there.", True),
        ("Who won the U.S. Open?", "The U.S. champion spoke.", True),
    ],
)
def test_mentions_asked(question: str, text: str, mentions: bool) -> None:
    assert mentions_asked(question, text) is mentions


@pytest.mark.parametrize(
    ("question", "sentence", "another"),
    [
        ("Who won the US Open in 2021?", "Osaka won the Australian Open.", True),
        ("Who won the women's singles?", "Djokovic won the men's singles.", True),
        ("Who won the women's singles?", "Barty won the women's singles and Djokovic the men's.", False),
        ("Who is the Maxwell Award winner in 2019?", "2019 CFDA Awards winners: Brandon Maxwell take top honors.", True),
        ("How many Grammy Awards has Lady Gaga won?", "Six-time Grammy winner and Academy Award nominee Lady Gaga sang.",
         False),
        ("Who won the US Open in 2021?", "Raducanu won the US Open final.", False),
        ("Who won the US Open in 2021?", "Raducanu won on Saturday.", False),  # names no event: may speak of it
    ],
)
def test_about_another(question: str, sentence: str, another: bool) -> None:
    assert about_another(question, sentence, "", asked_families(question)) is another


def test_another_events_winner_never_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check, the Australian Open's champion answered who won the US Open's women's title."""
    records = [
        {"id": "melbourne-final", "title": "Osaka wins in Melbourne", "published": "2021-02-20", "outlet": "Wire",
         "text": "Naomi Osaka won the women's singles title at the Australian Open on Saturday, beating Jennifer Brady "
                 "in straight sets. It was her fourth major title. The men's final is on Sunday."},
        {"id": "new-york-preview", "title": "Raducanu reaches the last four in New York", "published": "2021-09-08",
         "outlet": "Wire",
         "text": "Emma Raducanu reached the semi-finals of the US Open on Wednesday without dropping a set. "
                 "The qualifier will play Maria Sakkari next. The final will be played on Saturday."},
    ]
    assistant = indexed(tmp_path, embedder, records)
    assert assistant.ask("Who won the women's singles title at the US Open?").refused
    own = assistant.ask("Who won the women's singles title at the Australian Open?")
    assert not own.refused and own.short_answer == "Naomi Osaka"
