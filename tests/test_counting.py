"""What a figure counts: a "how many X" answer must count X (rag/_counting.py)."""

import json
from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings
from rag._counting import MIN_SIMILARITY, CountChecker, asks_how_many, word_similarity
from tests.helpers import news_pages

DRILL = "More than ten thousand troops will be dispatched, along with various types of aircraft, artillery and armored equipment."
EMIRATES = "The order brings Emirates to 43 A380 jets, alongside 150 Boeing 777 aircraft."
QUAKE = ("A magnitude 6.8 earthquake struck southern Peru on Tuesday, killing at least 42 people and injuring more than "
         "300, officials said.")


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
        ("How many workers lost their jobs?", "About 5 percent of workers lost their jobs.", "5", False),
        # A model's name counted ("12 A380s") is not a word to compare: never judged.
        ("How many orders does Qantas have?", "Qantas has orders for 12 A380s.", "12", False),
        # A model asked in the plural is the model: "A380s" is counted by "43 A380 jets", not by "150 … aircraft".
        ("How many A380s has Emirates ordered?", EMIRATES, "150", True),
        ("How many A380s has Emirates ordered?", EMIRATES, "43", False),
        # A figure that modifies no noun, words with no figure, a figure ending the text: nothing to judge.
        ("How many orders does Boeing have?", "Orders rose to 500.", "500", False),
        ("How many troops were sent?", "The troops were sent along with many tanks.", "tanks", False),
        ("How many troops were sent?", "The troops sent numbered 500", "500", False),
        ("Why did they go?", DRILL, "More than ten thousand", False),
        # The asked people, but another fate: the dead are not the missing, nor the arrested.
        ("How many people are missing after the quake?", QUAKE, "at least 42", True),
        ("How many people were arrested?", QUAKE, "at least 42", True),
        ("How many people died in the earthquake?", QUAKE, "at least 42", False),
        ("How many people were killed?", QUAKE, "at least 42", False),
        ("How many people died?", "The death toll rose to 42 people.", "42", False),
        ("How many people were hurt?", "The blast left 12 people injured and two dead.", "12", False),
        # The fate of the figure's own clause, up through "were" and "to", less the clause joined by "and".
        ("How many people were hurt?", "Officials said 42 people were dead and 300 were hurt.", "42", True),
        ("How many people were injured?", "The death toll rose to 42 people.", "42", True),
        # Another fate whatever the noun: the hired are not the jobs cut, the hurt residents not the dead.
        ("How many jobs is Eastline cutting?", "Eastline said it would hire 2,000 workers for a new plant.", "2,000",
         True),
        ("How many people died?", "The storm injured 30 residents.", "30", True),
        ("How many jobs is Northwind cutting?", "Northwind said it would cut 4,500 jobs.", "4,500", False),
        ("How many workers were laid off?", "The firm laid off 300 workers.", "300", False),
        ("How many workers will Eastline hire?", "Eastline said it would hire 2,000 workers.", "2,000", False),
        # Leaving or losing one's home is being moved; "leave" alone is no fate.
        ("How many people died in the fire?", "The fire spread, forcing about 12,000 people to leave their homes.",
         "about 12,000", True),
        ("How many people had to leave their homes?", "The fire spread, forcing about 12,000 people to leave their homes.",
         "about 12,000", False),
        ("How many people were evacuated?", "The floods left 900 people who lost their homes.", "900", False),
        ("How many people died?", "About 300 workers will leave the company.", "About 300", False),
        # A question naming no fate, or a figure whose clause names none: not judged on fate.
        ("How many people live in the region?", QUAKE, "at least 42", False),
        ("How many people are missing?", "Rescuers searched for 15 people overnight.", "15", False),
    ],
)
def test_what_a_figure_counts(similarity, question: str, sentence: str, figure: str, counts_other: bool) -> None:  # type: ignore[no-untyped-def]
    start = sentence.index(figure)
    assert CountChecker().counts_other(question, sentence, start, start + len(figure), similarity) is counts_other


@pytest.mark.parametrize(
    ("question", "sentence", "near", "figure"),
    [
        ("How many orders does Boeing have?", "That brings the total to 677 orders from 47 customers.", "47", "677"),
        ("How many A380s has Emirates ordered?", EMIRATES, "150", "43"),
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
        # A figure through a counting noun ("5 dozen eggs"); one parsed as counting jobs across a hyphenated word.
        ("How many eggs did they buy?", "They bought 5 dozen eggs.", "They", "5"),
        ("How many jobs will the plant create?", "The plant will create 5,000 well-paid factory jobs.", "plant", "5,000"),
        # A figure in words opening the sentence, whole.
        ("How many troops were sent?", "Ten thousand troops were sent.", "Ten", "Ten thousand"),
        # Another word of the asked phrase counted ("trees" for "tree species").
        ("How many tree species grow in the park?", "The park has 40 trees and 3 ponds.", "ponds", "40"),
        # Modifiers that lead to another noun; a figure ending the text.
        ("How many orders does Boeing have?", "Boeing has 40 big new planes on order.", "Boeing", None),
        ("How many orders does Boeing have?", "Boeing's order count reached 677", "Boeing", None),
        # The asked fate's figure, not the one the reader took ("15 others are missing" names others, not people).
        ("How many people were hurt?", "The blast killed 2 people and injured 12 people.", "2", "12"),
        ("How many people are missing?", QUAKE, "at least", None),
        ("How many people were injured in the quake?", QUAKE, "at least", "300"),  # "injuring more than 300": people
        ("How many people died?", "The fire injured 30 people and 12 died.", "30", "12"),  # "12 died": people
        ("How many people were hurt?", "The quake killed 2 people, and 12 were injured.", "2", "12"),
        ("How many people were hurt?", "Storms destroyed 300 and killed 12 people.", "12", None),  # 300 of what?
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


def test_the_dead_never_answer_how_many_are_missing(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the fate check "How many people are missing after the quake?" was answered "at least 42" (the dead)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    page = (  # a page as copied from the web: headline, byline, dateline, the "Advertisement" between paragraphs
        "Strong quake kills dozens in southern Peru; thousands spend night outdoors\n\nBy Carla Ruiz | Associated Press\n"
        "Published 11:05 AM EST, Tue November 14, 2023\n\nAREQUIPA, Peru (AP) — A magnitude 6.8 earthquake struck "
        "southern Peru before dawn on Tuesday, killing at least 42 people and injuring more than 300, officials said.\n\n"
        "The quake hit at 3:12 a.m. local time about 40 kilometers (25 miles) south of Arequipa, the country's "
        "second-largest city, at a depth of 10 kilometers, the U.S. Geological Survey said.\n\nAdvertisement\n\n"
        "President Dina Castillo declared a 60-day state of emergency in the regions of Arequipa, Moquegua and Tacna.\n\n"
        "Around 1,200 homes were damaged or destroyed, according to the national civil defense institute. More than 40 "
        "aftershocks followed, the strongest a magnitude 5.1.\n\nShare this article\n\nThe last quake of similar "
        "strength in the region, in 2001, killed 74 people."
    )
    record = {"id": "quake", "title": "Strong quake kills dozens in southern Peru", "published": "2023-11-14",
              "outlet": "Wire", "text": page}
    (folder / "quake.json").write_text(json.dumps(record))
    assistant = Assistant(tmp_path / "ix", embeddings=embedder)
    assistant.index([folder])
    missing = assistant.ask("How many people are missing after the quake?")
    assert missing.refused or "42" not in (missing.short_answer or "")
    dead = assistant.ask("How many people died in the earthquake?")  # the figure of the asked fate still answers
    assert not dead.refused and dead.short_answer == "at least 42"
    hurt = assistant.ask("How many people were injured in the quake?")  # "… and injuring more than 300" counts people
    assert not hurt.refused and "300" in (hurt.short_answer or "")


def test_a_figure_the_reader_took_from_the_sentence_before_is_judged_there(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """"How many people died in the fire?" was answered "about 12,000" (the evacuated) twice over: from the lead
    sentence, and, once that was dropped, from the next one, whose reader's words lay in the sentence before."""
    assistant = news_pages(tmp_path, embedder, "wildfire", "rates", "acquisition", "election")
    died = assistant.ask("How many people died in the fire?")
    assert died.refused or "12,000" not in (died.short_answer or ""), died.short_answer
    left = assistant.ask("How many people had to leave their homes?")  # the figure of the asked fate still answers
    assert not left.refused and left.short_answer == "about 12,000"


def test_two_words_as_alike_as_the_threshold_count_the_same_thing() -> None:
    sentence = "That brings the total to 677 orders from 47 customers."
    start = sentence.index("47")
    checker = CountChecker()
    assert checker.counts_other("How many orders does Boeing have?", sentence, start, start + 2, lambda a, b: MIN_SIMILARITY) is False
    assert checker.counts_other("How many orders does Boeing have?", sentence, start, start + 2, lambda a, b: MIN_SIMILARITY - 0.01)


def test_the_counted_thing_is_the_noun_many_modifies() -> None:
    checker = CountChecker()
    found = checker.asked("In the drill, how many troops took part?")  # not "drill", the first noun with a modifier
    assert found is not None and found.lemma == "troop"
    named = checker.asked("How many Dreamliners has ANA ordered?")  # a name counted
    assert named is not None and named.lemma == "dreamliners"
    for question, model in [("How many Boeing 787s will China get?", "787"), ("How many F-16s will Poland buy?", "f-16")]:
        plural = checker.asked(question)  # a model's plural is the model
        assert plural is not None and plural.lemma == model
    assert checker.asked("How many times did they meet?") is None and checker.asked("Why Tajikistan?") is None


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
