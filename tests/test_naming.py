"""What a thing is called: which questions ask a name, which names a sentence gives a kind of thing, and the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._naming import asked_name, is_a_name, names_of
from tests.helpers import indexed


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is the name of the drill?", "drill"),
        ("What was the name of the French colony established in 1564?", "colony"),
        ("What is the name of the bridge that joins parts of the campus?", "bridge"),
        ("What was the name of the contest sponsored by QuickBooks?", "contest"),  # a participle ends the thing
        ("What is the first major bend in the Rhine called?", "bend"),
        ("What was Tesla's device called?", "device"),
        ("What are the cities along the coast known as?", "cities"),
        ("What is the exercise called?", "exercise"),
        ("What is the name of the ox?", None),  # too short to tell a kind
        ("What was the name of the ship Endeavour?", None),
        ("What is the name of the dog?", "dog"),  # a short word
        ("What was the name of the company held by the family?", "company"),  # a participle ends the thing
        ("What was the name of the team managed by Smith?", "team"),
        ("What was the upgraded Saturn I called?", None),  # a named thing's other name, not a kind's
        ("Who announced the drill?", None),
        ("What is the drill for?", None),
    ],
)
def test_asked_name(question: str, kind: str | None) -> None:
    assert asked_name(question) == kind


@pytest.mark.parametrize(
    ("sentence", "kind", "names"),
    [
        ("The “Zapad/Interaction 2021” drill is expected to take place in August.", "drill", ["Zapad/Interaction 2021"]),
        ("More than 10,000 troops are taking part in the five-day Zapad/Interaction 2021 drills.", "drill",
         ["Zapad/Interaction 2021"]),
        ("The game was played at Levi's Stadium in Santa Clara.", "stadium", ["Levi's Stadium"]),
        ("Its first major bend is known as the Rhine Knee.", "bend", ["Rhine Knee"]),
        ("The company built a device, dubbed “Egg of Columbus”, to show the field.", "device", ["Egg of Columbus"]),
        ("According to Wu Qian, this joint military drill shows a new era.", "drill", []),  # spoken of, not named
        ("Refugees crossed the Mexican border.", "border", []),  # a people's adjective
        ("Vaginal secretions are commonly called ink.", "secretion", []),  # a word capitalised where a sentence opens
        ("The European Union agency patrols the coast.", "agency", []),  # the question's own words
        ("He met Watt’s partner in 1775.", "partner", []),  # "Watt's" is the question's, whatever its apostrophe
        ("Guards from the Frontex agency patrol the coast.", "agency", ["Frontex"]),  # one word, not a people's
        ("They toured the Twin Cities and two other cities.", "city", ["Twin Cities"]),  # a kind's plural in -ies
        ("The first major bend, known as the Rhine Knee and the start of the gorge, is wide.", "bend", ["Rhine Knee"]),
        ("A bend called the Rhine Knee bend and the Binger Loch bend follow.", "bend", ["Rhine Knee", "Binger Loch"]),
        ("The aid was paid by a fund known as Aid U.S.", "fund", ["Aid U.S."]),  # an abbreviation keeps its stop
        ("The rescue fund known as Harbor Relief Trust.", "fund", ["Harbor Relief Trust"]),  # a full stop is not the name's
        ("The fund called Harbor Relief for the poor opened.", "fund", ["Harbor Relief"]),
        ("Its first bend, known as Rhine Knee Bend Park, is wide.", "bend", ["Rhine Knee Bend Park"]),  # the longest
        ("A bank named Bank of the West opened a branch.", "bank", ["Bank of the West"]),
        ("In Harbor Shield exercises, sailors trained.", "exercise", ["Harbor Shield"]),  # "In" names nothing
        ("Harbor Shield exercises began.", "exercise", ["Harbor Shield"]),  # two words opening a sentence: a name
        ("In Levi's Stadium, fans cheered.", "stadium", ["Levi's Stadium"]),
        ("The navy held a drill dubbed “The Long Watch” in May.", "drill", ["The Long Watch"]),
        ("The sailors call it the “Following Sea” exercise.", "exercise", ["Following Sea"]),  # quoted: kept whole
        ("“Bluefin” exercises began on Monday.", "exercise", ["Bluefin"]),
    ],
)
def test_names_of(sentence: str, kind: str, names: list[str]) -> None:
    known = "What is the name of the European Union agency that Watt's partner paid?"
    assert [sentence[a:b] for a, b in names_of(sentence, kind, known=known)] == names


@pytest.mark.parametrize(
    ("words", "kind", "name"),
    [
        ("Afranji", "castle", True),
        ("the 50 fund", "fund", True),  # the kind's word
        ("Rhine Knee", "bend", True),
        ("combat terrorist forces", "drill", False),
        ("guardians of the tradition", "interpretation", False),
        ("sparse Aboriginal inhabitants", "inhabitants", True),
        ("O'Neill's", "stadium", True),
        ("d'Artagnan", "musketeer", False),  # a capital inside a word is not one
    ],
)
def test_is_a_name(words: str, kind: str, name: bool) -> None:
    assert is_a_name(words, kind) is name


EXERCISE = {
    "id": "exercise", "title": "Navies to train together off the coast", "published": "2025-05-02", "outlet": "Wire",
    "text": "The defence ministry announced on Thursday that the two navies would hold a joint exercise in the Pelan Sea "
            "this month. The “Harbor Shield 2025” exercise is expected to take place near the port of Vessa from early to "
            "mid-June. More than 4,000 sailors will take part, along with ships and aircraft. According to Admiral Rhea "
            "Tonn, this joint naval exercise, ostensibly to “deter piracy” and keep the sea lanes open, shows a “new era” "
            "of partnership between the two countries. Fishing groups said they feared the exercise would close their "
            "waters for weeks.",
}


def test_the_name_answers_what_the_thing_is_called(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the rule the reader quoted the admiral's sentence about "this joint naval exercise": "deter piracy"."""
    assistant = indexed(tmp_path, embedder, [EXERCISE])
    answer = assistant.ask("What is the naval exercise called?")
    assert not answer.refused and answer.short_answer == "Harbor Shield 2025"
    assert answer.citations[0].quote.startswith("The “Harbor Shield 2025” exercise")
    # A name the reader gives itself stands.
    assert assistant.ask("What is the name of the admiral?").short_answer == "Admiral Rhea Tonn"
