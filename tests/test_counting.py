"""What a figure counts: a "how many X" answer must count X (rag/_counting.py)."""

import json
from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings
from rag._counting import CountChecker, asks_how_many, word_similarity

DRILL = "More than ten thousand troops will be dispatched, along with various types of aircraft, artillery and armored equipment."


@pytest.fixture(scope="module")
def similarity():  # type: ignore[no-untyped-def]
    return word_similarity(MiniLMEmbeddings().load())


@pytest.mark.parametrize(
    ("question", "sentence", "figure", "counts_other"),
    [
        # The sentence names aircraft, but its figure counts troops.
        ("How many aircraft took part in the drill?", DRILL, "More than ten thousand", True),
        ("How many troops took part in the drill?", DRILL, "More than ten thousand", False),
        # A near-synonym counts the same thing.
        ("How many soldiers took part in the drill?", "More than 10,000 troops and some soldiers' families came.", "More than 10,000", False),
        # The asked noun inside a longer phrase: "tree species" is counted by "species".
        ("How many tree species grow there?", "Some 1,100 tree species grow there, and birds too.", "1,100", False),
        # The first figure of a span, read to its last word, counts the courses.
        ("How many courses must a servant take?", "They must complete at least one advanced course every three years.",
         "at least one advanced course every three years", False),
        # A compound counts its nouns too: "10,000 job cuts" answers "how many jobs … cut".
        ("How many jobs did Airbus say it will cut?", "Airbus has announced 10,000 job cuts over the next four years.",
         "10,000", False),
        # "677 orders from 47 customers": 47 counts customers, not orders.
        ("How many orders does Boeing have?", "That brings the total to 677 orders from 47 customers.", "47", True),
        # A sentence that never names the asked thing is not judged (paraphrases would fail).
        ("How many aircraft took part?", "More than 10,000 troops are taking part.", "More than 10,000", False),
        # Times, years and shares are never judged.
        ("How many times did they meet?", "They met 3 leaders in 2020 at several times.", "3", False),
        ("Why did they go?", DRILL, "More than ten thousand", False),
    ],
)
def test_what_a_figure_counts(similarity, question: str, sentence: str, figure: str, counts_other: bool) -> None:  # type: ignore[no-untyped-def]
    start = sentence.index(figure)
    assert CountChecker().counts_other(question, sentence, start, start + len(figure), similarity) is counts_other


@pytest.mark.parametrize(
    ("question", "sentence", "near", "figure"),
    [
        ("How many orders does Boeing have?", "That brings the total to 677 orders from 47 customers.", "47", "677"),
        # Of two figures of the asked thing, the one nearest the reader's words.
        ("How many orders does Boeing have?",
         "Boeing announced 35 new orders, bringing the total to 677 orders from 47 customers.", "47", "677"),
        ("How many orders does Boeing have?",
         "Boeing announced 35 new orders, bringing the total to 677 orders from 47 customers.", "Boeing", "35"),
        # A figure in words, whole; a compound noun counts its nouns.
        ("How many troops were sent?", "It sent 40 tanks and ten thousand troops.", "40", "ten thousand"),
        ("How many jobs will Airbus cut?", "Airbus will close 2 plants and cut 10,000 job positions.", "2", "10,000"),
        # The parser takes "149" for the subject of "confirmed"; the words still say it counts orders.
        ("How many orders does the A380 have?", "To date, 149 confirmed orders for the aircraft have been received.",
         "To", "149"),
        ("How many costumes were in the collection?", "In 2002, the Museum acquired the Costiff collection of 178 "
         "Vivienne Westwood costumes.", "2002", "178"),
        # Only modifiers between: "of" ends the reach, so 40 counts years, not orders.
        ("How many orders does Boeing have?", "Boeing took 40 years of orders to build up.", "40", None),
        # No figure of the asked thing: nothing to quote instead (the sentence drops).
        ("How many aircraft took part in the drill?", DRILL, "More", None),
        ("Why did they go?", DRILL, "More", None),
    ],
)
def test_the_asked_figure_nearest_the_readers_words(question: str, sentence: str, near: str, figure: str | None) -> None:
    found = CountChecker().asked_figure(question, sentence, sentence.index(near))
    assert (sentence[found[0] : found[1]] if found else None) == figure


def test_a_sentence_read_for_another_figure_is_quoted_for_the_asked_one(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The reader reads "47" (customers) for "how many orders": the answer is the sentence's 677 orders, not a refusal."""
    folder = tmp_path / "articles"
    folder.mkdir()
    record = {"id": "dreamliner", "title": "Boeing unveils new 787 Dreamliner", "published": "2007-07-09", "outlet": "Wire",
              "text": "Aircraft manufacturer Boeing have unveiled their new 787 Dreamliner at their Everett Factory near Seattle. "
                      "On Saturday, Boeing announced 35 new orders from German airline Air Berlin and ALAFCO Aviation Lease & "
                      "Finance of Kuwait, bringing the total to 677 orders from 47 customers. The first flight is expected in August."}
    (folder / "dreamliner.json").write_text(json.dumps(record))
    assistant = Assistant(tmp_path / "ix", embeddings=embedder)
    assistant.index([folder])
    orders = assistant.ask("How many orders does Boeing have for the 787 Dreamliner?")
    assert not orders.refused and orders.short_answer == "677" and "677 orders" in orders.citations[0].quote
    customers = assistant.ask("How many customers have ordered the 787?")  # the reader's own figure stands
    assert not customers.refused and customers.short_answer == "47"


def test_asks_how_many() -> None:
    assert asks_how_many("and how many aircraft?") and asks_how_many("Approximately HOW  MANY people?")
    assert not asks_how_many("How much did it cost?")


def test_a_follow_up_the_articles_cannot_answer_is_refused(assistant: Assistant) -> None:
    """The README's follow-up: the bundled articles count the troops, never the aircraft."""
    follow = assistant.ask("and how many aircraft?", history=["how many troops took part in the drill?"])
    assert follow.standalone_question == "how many aircraft? (drill)"
    assert follow.refused, follow.text
    troops = assistant.ask("How many troops took part in the drill?")
    assert not troops.refused and "10,000" in (troops.short_answer or "") + troops.text
