"""Who holds a post, and of what: the holder of the asked post at another body never answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._holders import Asked, Held, asked_post, holds_another, post_held
from tests.helpers import indexed


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Who is Nintendo's CEO?", Asked("CEO", "Nintendo", True)),
        ("Who is the CEO of Lego in 2021?", Asked("CEO", "Lego", True)),
        ("Who is the chief executive of General Motors?", Asked("chief executive", "General Motors", True)),
        ("Who was the founder of the Oracle Corporation?", Asked("founder", "Oracle Corporation", False)),
        ("Who is the new head coach of the Denver Broncos?", Asked("head coach", "Denver Broncos", True)),
        ("Who is the Tesla CEO?", Asked("CEO", "Tesla", True)),
        ("Who was RCA president in 1942?", Asked("president", "RCA", False)),
        ("Who is the president of the university?", None),  # no proper name to compare
        ("WHO IS THE CEO OF APPLE?", Asked("CEO", "APPLE", True)),
        ("Who’s the chief   executive of Apple?", Asked("chief executive", "Apple", True)),
        ("Who was Apple's CEO in 2010?", Asked("CEO", "Apple", False)),
        ("Who was the former CEO of Google?", None),  # a former holder is what is asked
        ("Who won the 2018 World Cup?", None),
        ("Who replaced Steve Jobs as Apple's CEO?", None),
        # a post asked by its verb: who holds it now
        ("Who coaches the Lakeside Owls?", Asked("coaches", "Lakeside Owls", True)),
        ("Who runs Tesla?", Asked("runs", "Tesla", True)),
        ("Who currently heads the World Bank?", Asked("heads", "World Bank", True)),
        ("Who runs the company?", None),  # no proper name
        ("Who scored the winner for the Hawks?", None),
    ],
)
def test_asked_post(question: str, asked: Asked | None) -> None:
    assert asked_post(question) == asked


@pytest.mark.parametrize(
    ("sentence", "name", "held"),
    [
        ("Facebook CEO Mark Zuckerberg should step down.", "Mark Zuckerberg", Held("Facebook", False)),
        ("Nintendo's CEO Doug Bowser travelled to Venezuela.", "Doug Bowser", Held("Nintendo", False)),
        ("Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt", Held("Google", True)),
        ("Musk, the founder and CEO of SpaceX and Tesla, sold shares.", "Musk", Held("SpaceX and Tesla", False)),
        ("Abigail Johnson is the new CEO of Fidelity Investments.", "Abigail Johnson", Held("Fidelity Investments", False)),
        ("Players re-elected JC Tretter as president of the NFL Players Association.", "JC Tretter",
         Held("NFL Players Association", False)),
        ("New Vanguard CEO Tim Buckley warned investors.", "Tim Buckley", Held("Vanguard", False)),
        ("Mark Zuckerberg spoke on Monday.", "Mark Zuckerberg", None),
        ("Former Google chief executive Eric Schmidt spoke.", "Eric Schmidt", Held("Google", True)),
        ("Bank of America's CEO Brian Moynihan spoke.", "Brian Moynihan", Held("Bank of America", False)),
        ("Google’s former chief executive Eric Schmidt spoke.", "Eric Schmidt", Held("Google", True)),
        ("Tim Cook, the chief executive of Apple Inc., spoke.", "Tim Cook", Held("Apple Inc", False)),
        ("The chief executive, Mary Barra, spoke.", "Mary Barra", None),
    ],
)
def test_post_held(sentence: str, name: str, held: Held | None) -> None:
    start = sentence.index(name)
    assert post_held(sentence, start, start + len(name)) == held


@pytest.mark.parametrize(
    ("question", "sentence", "name", "another"),
    [
        # another body, or a body of its own beside the asked one
        ("Who is Nintendo's CEO?", "Facebook CEO Mark Zuckerberg should step down.", "Mark Zuckerberg", True),
        ("Who is the CEO of Lego in 2021?", "Anne-Birgitte Albrectsen is the CEO of The LEGO Foundation.",
         "Anne-Birgitte Albrectsen", True),
        ("Who is the president of the NFL?", "Players re-elected JC Tretter as president of the NFL Players Association.",
         "JC Tretter", True),
        # a former holder does not say who holds it now, but answers what was
        ("Who is Google's CEO?", "Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt", True),
        ("Who was Google's CEO in 2005?", "Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt", False),
        # the same body: its suffix, its initials, its people, one of a list
        ("Who is the CEO of Lego in 2021?", "Niels B. Christiansen, CEO of the LEGO Group, spoke.", "Niels B. Christiansen",
         False),
        ("Who is GM's chief executive?", "General Motors CEO Mary Barra spoke.", "Mary Barra", False),
        ("Who is the chief executive of General Motors?", "GM chief executive Rick Wagoner resigned.", "Rick Wagoner",
         False),
        ("Who is the President of Egypt?", "Egyptian President Anwar Sadat spoke.", "Anwar Sadat", False),
        ("Who is the CEO of Tesla?", "Musk, the founder and CEO of SpaceX and Tesla, sold shares.", "Musk", False),
        ("Who is the CEO of Fidelity?", "Abigail Johnson is the new CEO of Fidelity Investments.", "Abigail Johnson", False),
        ("Who is the president of Egypt?", "Egyptian Football Association president Hany Abo Rida spoke.",
         "Hany Abo Rida", True),  # the country's word, then a body of its own
        ("Who is the CEO of IBM?", "International Business Machines CEO Arvind Krishna spoke.", "Arvind Krishna", False),
        ("Who is the chief executive of International Business Machines?", "IBM chief executive Arvind Krishna spoke.",
         "Arvind Krishna", False),
        ("Who is the CEO of the New York Times?", "New York Times chief executive Meredith Kopit Levien spoke.",
         "Meredith Kopit Levien", False),
        ("Who is the CEO of the Bank of America?", "Wells Fargo CEO Charlie Scharf spoke.", "Charlie Scharf", True),
        ("Who is the chairman of Toyota?", "Akio Toyoda, chairman of Toyota Motor Corp., spoke.", "Akio Toyoda", False),
        ("Who is the head of China's central bank?", "Chinese central bank head Yi Gang spoke.", "Yi Gang", False),
        ("Who is the president of the China Football Association?",
         "Chinese Football Association president Chen Xuyuan spoke.", "Chen Xuyuan", False),  # a people's word
        ("Who is the CEO of IBM?", "Hewlett Packard Enterprise CEO Antonio Neri spoke.", "Antonio Neri", True),
        ("Who is the CEO of Hewlett Packard Enterprise?", "IBM CEO Arvind Krishna spoke.", "Arvind Krishna", True),
        ("Who is the CEO of GM?", "General Motors Co. CEO Mary Barra spoke.", "Mary Barra", False),  # suffix left out
        # a nationality is no body
        ("Who is the director of the Assassin's Creed movie?",
         "It is the boldest film yet from the Australian director Justin Kurzel.", "Justin Kurzel", False),
        # the asked body's post named elsewhere in the sentence: another name there may hold it
        ("Who was the founder of the Oracle Corporation?",
         "Alumni include Microsoft CEO Satya Nadella, Oracle Corporation founder Larry Ellison and others.",
         "Satya Nadella", False),
        # a post asked by its verb
        ("Who coaches the Southern League champions?", '"I am proud of them," Hawks coach Martin Reyes said.',
         "Martin Reyes", True),
        ("Who coaches the Hawks?", '"I am proud of them," Hawks coach Martin Reyes said.', "Martin Reyes", False),
        ("Who runs Tesla?", "Musk, the founder and CEO of SpaceX and Tesla, sold shares.", "Musk", False),
        # no post next to the name, or no post asked
        ("Who is Nintendo's CEO?", "Mark Zuckerberg spoke on Monday.", "Mark Zuckerberg", False),
        ("Who spoke on Monday?", "Facebook CEO Mark Zuckerberg spoke on Monday.", "Mark Zuckerberg", False),
    ],
)
def test_holds_another(question: str, sentence: str, name: str, another: bool) -> None:
    start = sentence.index(name)
    assert holds_another(question, sentence, start, start + len(name)) is another


def test_another_bodys_chief_never_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check, Niantic's chief answered for Nintendo's, and the LEGO Foundation's for the LEGO Group's."""
    records = [
        {"id": "niantic-game", "title": "Niantic and Nintendo team up on a mobile game", "published": "2021-03-23",
         "outlet": "Wire",
         "text": "Niantic and Nintendo announced a new mobile game on Tuesday. Niantic chief executive John Hanke said the "
                 "game would launch in the spring. The companies did not say what the game would cost to play."},
        {"id": "lego-foundation", "title": "The LEGO Foundation names a new chief", "published": "2021-07-14",
         "outlet": "Wire",
         "text": "Anne-Birgitte Albrectsen is the new chief executive of the LEGO Foundation, the charity that owns a "
                 "quarter of the LEGO Group. She will oversee its research into learning through play."},
    ]
    assistant = indexed(tmp_path, embedder, records)
    assert assistant.ask("Who is Nintendo's chief executive?").refused
    assert assistant.ask("Who is the CEO of Lego?").refused
    own = assistant.ask("Who is Niantic's chief executive?")  # the holder of the asked body's post still answers
    assert not own.refused and own.short_answer == "John Hanke"
    foundation = assistant.ask("Who is the LEGO Foundation's chief executive?")
    assert not foundation.refused and foundation.short_answer == "Anne-Birgitte Albrectsen"
