"""A short answer's own words (rag/_quotes.py): whole words, a figure's qualifier, quotation marks in pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings
from rag._quotes import (
    answer_words,
    answers_nothing,
    asks_what_happened,
    asks_yes_no,
    bounds,
    change_of,
    level_of,
    only_when,
    successor_of,
    winner_of,
)
from tests.helpers import LEAGUE_FINAL, indexed, wikinews


def _words(text: str, span: str, floor: str = "") -> str | None:
    """``answer_words`` over the first ``span`` in ``text``, the quote starting at ``floor`` (the text's start by default)."""
    start = text.index(span)
    return answer_words(text, start, start + len(span), text.index(floor) if floor else 0)


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # The reader's word pieces widened to whole words, on both sides, up to the text's own ends.
        ("Fans cheered as LeBron James scored.", "Bron Jam", "LeBron James"),
        ("Biden", "ide", "Biden"),
        ("Biden won", "Bid", "Biden"),
        ("He met Biden", "den", "Biden"),
        # A figure keeps its qualifier; a word that claims nothing more is not one.
        ("More than 10,000 troops took part.", "10,000", "More than 10,000"),
        ("At least 12 people were killed.", "12", "At least 12"),
        ("The toll rose to 31 people.", "31", "31"),
        ("The floods displaced more than [4] 4,000 families.", "4,000", "more than [4] 4,000"),  # a footnote mark between
        ("Biden, the president, spoke.", "Biden,", "Biden"),  # the punctuation after a word is not the answer
        # A figure cut at its decimal point or thousands comma is taken whole, with its currency sign.
        ("ABC had a total revenue of $15.5 million, a third.", "5 million", "$15.5 million"),
        ("ABC had a total revenue of $15.5 million, a third.", "$15", "$15.5"),
        ("Sales reached 12,400 units.", "12", "12,400"),
        ("Sales reached 12,400 units.", "400 units", "12,400 units"),
        ("Edison offered a US$10 a week raise.", "10", "US$10"),
        ("It cost 4.5 euros. 3 more came.", "4.5 euros", "4.5 euros"),  # a sentence's full stop is not a decimal point
        ("In 1885, 40 men left.", "40", "40"),  # a comma and a space between figures: two figures
        # Quotation marks and brackets in pairs: the partner next to the span joins, a lone one goes.
        ("It aims to “combat terror” and more.", "“combat terror", "“combat terror”"),
        ("It aims to “combat terror” and more.", "combat terror”", "“combat terror”"),
        ("It aims to “combat terror”", "“combat terror", "“combat terror”"),
        ("“combat terror” was the aim.", "combat terror”", "“combat terror”"),
        ('He said "no way" twice.', '"no way', '"no way"'),
        ('He said "no way" twice.', 'no way"', '"no way"'),
        ('He said "no way', '"no way', "no way"),
        ("The drill (the largest yet) began.", "(the largest", "the largest"),
        ("The drill ( the largest yet) began.", "( the largest", "the largest"),
        ("The largest ) drill began.", "largest )", "largest"),
        ("terror” and more", "terror”", "terror"),
        ("terror” and more “", "terror”", "terror"),
        ("The drill [a first] began.", "[a first]", "[a first]"),
        # The odd one out is inside, not at an edge: the edges stay (they pair with each other's partners).
        ('Both "yes" and "no', '"yes" and "no', '"yes" and "no'),
        ("Both “yes” and “no", "“yes” and “no", "“yes” and “no"),
        ("yes” and no” said", "yes” and no”", "yes” and no"),
    ],
)
def test_the_short_answers_own_words(text: str, span: str, expected: str) -> None:
    assert _words(text, span) == expected


def test_a_quote_opening_the_text_is_the_default() -> None:
    assert answer_words("More than 10,000 troops took part.", 10, 16) == "More than 10,000"


def test_the_qualifier_is_looked_for_only_inside_the_quote() -> None:
    text = "Officials said more than 40 died. 10,000 troops came."
    assert _words(text, "10,000", floor="10,000") == "10,000"  # "more than" lies in the sentence before
    assert _words(text, "40", floor="Officials") == "more than 40"


@pytest.mark.parametrize(("question", "yes_no"), [
    ("Did Russia send fighter jets?", True),
    ("Is the drill aimed at the United States?", True),
    ("Hasn't the toll risen?", True),
    ("  was it cancelled?", True),
    ("Were the tests a failure or a success?", False),  # a choice names its answers
    ("Are there any regions it excludes?", False),  # what there is
    ("Is there a deadline?", False),
    ("Who sent fighter jets?", False),
    ("Island nations were hit hardest?", False),  # "Island" is no "is"
    ("Can you tell me how many troops took part?", False),  # polite wh-questions keep their short answers
    ("Do you know who won the election?", False),
])
def test_questions_that_ask_yes_or_no(question: str, yes_no: bool) -> None:
    assert asks_yes_no(question) is yes_no


def test_a_yes_no_question_gets_its_quote_and_no_short_answer(assistant: Assistant) -> None:
    answer = assistant.ask("Did Russia send fighter jets?")
    # Before, the reader's span gave "The Russian military" as the answer to a yes/no question.
    assert not answer.refused and answer.short_answer is None
    assert "dispatched Su-30SM fighters" in answer.citations[0].quote
    assert assistant.ask("Who dispatched Su-30SM fighters?").short_answer == "The Russian military"  # "who" keeps its words


@pytest.mark.parametrize(("question", "happened"), [
    ("What happened: Carmaker recalls 300,000 SUVs over brake fault?", True),  # the UI's example questions
    ("What happened?", True),
    ("what's happened", True),
    ("What happened to the lab?", False),  # "torn down": a few words answer it (SQuAD)
    ("What happened in 1901?", False),
    ("What did officials say happened?", False),
])
def test_questions_that_ask_what_happened(question: str, happened: bool) -> None:
    assert asks_what_happened(question) is happened


def test_the_ui_example_question_gets_its_quote_and_no_short_answer(news: Assistant) -> None:
    answer = news.ask("What happened: Carmaker recalls 300,000 SUVs over brake fault?")
    # Before, the short answer was "last Thursday": the reader's words in the quote, not what happened.
    assert not answer.refused and answer.short_answer is None
    assert answer.citations[0].quote.startswith("The carmaker is recalling 300,000 vehicles")


@pytest.mark.parametrize(("words", "when"), [
    ("Monday evening", True), ("last Thursday", True), ("on June 4", True), ("early to mid-August", True),
    ("12 people", False), ("1998", False), ("Monday's earthquake", False), ("the geological survey", False),
])
def test_words_that_say_only_when(words: str, when: bool) -> None:
    assert only_when(words, "2026-06-04") is when


def test_a_time_is_no_short_answer_to_a_question_that_asks_no_time(news: Assistant) -> None:
    said = news.ask("What did officials say?")
    # Before: "Answer: Monday evening", from "…, officials said on Monday evening."
    assert not said.refused and said.short_answer is None
    assert news.ask("When did the earthquake strike?").short_answer == "Monday"  # asked when: the day is the answer


@pytest.mark.parametrize(("words", "nothing"), [
    # The reader's words from "Pre-orders of the iPhone 4 began Tuesday, overwhelming Apple and AT&T." (Wikinews)
    ("overwhelming Apple and AT&T", True), ("the company", True),
    ("600,000", False), ("More than ten thousand", False), ("dozens of people", False), ("several", False),
    ("twice", False), ("none", False), ("a handful", False), ("eighty", False),
])
def test_a_how_many_short_answer_states_an_amount(words: str, nothing: bool) -> None:
    assert answers_nothing("How many iPhone 4 pre-orders did Apple get?", words) is nothing
    assert not answers_nothing("Who got the pre-orders?", words)  # only "how many" asks for an amount


@pytest.mark.parametrize(("question", "words", "nothing"), [
    ("When will GM decide on bankruptcy?", "GM", True),  # the reader's words from a sentence naming no time
    ("When did Khan establish the Great Yuan?", "Mongolian Borjigin", True),  # (SQuAD)
    ("When will GM decide on bankruptcy?", "by March 31", False),
    ("When will GM decide on bankruptcy?", "next month", False),
    ("What time did a river system develop?", "the Miocene", False),  # an epoch (SQuAD)
    ("In what year were the first experiments conducted?", "2nd century BCE", False),
    ("When did the festival start?", "at Christmas", False),
    ("When will the Hawks play in the national cup?", "May", False),  # the month, not the verb "may"
    ("When will the Hawks play in the national cup?", "in May", False),
    # a clause of time, then another question: not a "when" question (SQuAD)
    ("When B cells begin to replicate, what do some of their offspring cells become?", "long-lived memory cells", False),
])
def test_a_when_short_answer_names_a_time(question: str, words: str, nothing: bool) -> None:
    assert answers_nothing(question, words) is nothing


@pytest.mark.parametrize(("question", "words", "nothing"), [
    ("Who replaced Steve Jobs as Apple CEO?", "Steve Jobs", True),  # the reader's words from the wrong sentence
    ("Who replaced Steve Jobs as Apple CEO?", "the Apple CEO", True),
    ("Which company bought Saturn?", "Saturn", True),
    ("Who replaced Steve Jobs as Apple CEO?", "the CEO of Apple", True),  # small words the question lacks count not
    ("Who replaced Steve Jobs as Apple CEO?", "an Apple CEO", True),
    ("Who is the chairman of Ford?", "a chairman of Ford", True),
    ("Who replaced Steve Jobs as Apple CEO?", "Tim Cook", False),
    ("Who replaced Steve Jobs as Apple CEO?", "Jobs's deputy Tim Cook", False),
    ("Which Saturn was used for Apollo 8?", "Saturn V", False),  # the asked one names more (SQuAD)
    ("Which is larger, Ford or GM?", "GM", False),  # a choice offered in the question
    ("What channel did ABC propose to compete with cable news?", "ABC Cable News", False),  # only who and which
])
def test_a_who_short_answer_names_someone_the_question_does_not(question: str, words: str, nothing: bool) -> None:
    assert answers_nothing(question, words) is nothing


@pytest.mark.parametrize(("question", "sentence", "loser", "winner"), [
    ("Who won the World Cup Final in 2018?",
     "France captured its second World Cup title after defeating Croatia 4-2 in the 2018 final at Luzhniki Stadium.",
     "Croatia", "France"),
    ("Who won the World Cup Final in 2010?",
     "Spain have beaten the Netherlands to win the World Cup 2010 final.", "Netherlands", "Spain"),
    ("Who won the men's final?",  # the nearest name of the loser's kind, not the tournament
     "Novak Djokovic won his seventh Wimbledon title after defeating Nick Kyrgios in four sets.", "Nick Kyrgios",
     "Novak Djokovic"),
])
def test_who_won_is_answered_with_the_winner_not_the_side_beaten(question: str, sentence: str, loser: str,
                                                                 winner: str) -> None:
    from rag._entities import SHARED_RECOGNIZER

    start = sentence.index(loser)
    found = winner_of(question, sentence, start, start + len(loser), 0, SHARED_RECOGNIZER)
    assert found is not None and sentence[found[0] : found[1]] == winner


@pytest.mark.parametrize(("question", "sentence", "left", "successor"), [
    ("Who is GM's chief executive?", "General Motor's chief executive Rick Wagoner was replaced Sunday with Fritz "
     "Henderson, the current chief operating officer.", "Rick Wagoner", "Fritz Henderson"),
    ("Who runs Apple?", "Tim Cook replaced Steve Jobs as chief executive in August.", "Steve Jobs", "Tim Cook"),
    ("Who will lead the bank?", "Jane Fraser will take over from Michael Corbat, the bank said.", "Michael Corbat",
     "Jane Fraser"),
    ("Who will lead the bank?", "Michael Corbat will be succeeded by Jane Fraser in February.", "Michael Corbat",
     "Jane Fraser"),
])
def test_who_holds_a_post_is_answered_with_the_successor_not_the_one_replaced(question: str, sentence: str, left: str,
                                                                              successor: str) -> None:
    from rag._entities import SHARED_RECOGNIZER

    start = sentence.index(left)
    found = successor_of(question, sentence, start, start + len(left), 0, len(sentence), SHARED_RECOGNIZER)
    assert found is not None and sentence[found[0] : found[1]] == successor


@pytest.mark.parametrize(("question", "sentence", "words"), [
    ("Who did Henderson replace?", "Rick Wagoner was replaced Sunday with Fritz Henderson.", "Rick Wagoner"),
    ("Who was the previous CEO?", "Rick Wagoner was replaced Sunday with Fritz Henderson.", "Rick Wagoner"),
    ("Who resigned?", "Rick Wagoner, who resigned, was replaced with Fritz Henderson.", "Rick Wagoner"),
    ("Who is GM's CEO?", "Rick Wagoner said the plan was sound.", "Rick Wagoner"),  # no replacing words
    ("What did GM's CEO say?", "Rick Wagoner was replaced with Fritz Henderson.", "Rick Wagoner"),  # not "who"
    ("Who is GM's CEO?", "Fritz Henderson replaced Rick Wagoner.", "Fritz Henderson"),  # already the successor
    # no one named on the other side, in this sentence (the next one's name is not the successor)
    ("Who is GM's CEO?", "Rick Wagoner was replaced with a new chief. Fritz Henderson spoke.", "Rick Wagoner"),
    ("Who is GM's CEO?", "Shareholders replaced Rick Wagoner.", "Rick Wagoner"),
])
def test_other_answers_about_a_post_are_left_alone(question: str, sentence: str, words: str) -> None:
    from rag._entities import SHARED_RECOGNIZER

    start = sentence.index(words)
    ceil = sentence.find(". ") + 1 or len(sentence)  # the first sentence's end
    assert successor_of(question, sentence, start, start + len(words), 0, ceil, SHARED_RECOGNIZER) is None


def test_the_successor_answers_through_the_assistant(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """A real report: "Rick Wagoner was replaced Sunday with Fritz Henderson" answers who is GM's chief executive."""
    assistant = wikinews(tmp_path, embedder, "gm-and-chrysler-receive-canadian-loans-amid-us-restructuring-ultimata")
    answer = assistant.ask("Who is GM's chief executive?")
    assert answer.short_answer == "Fritz Henderson"
    assert "Rick Wagoner was replaced" in answer.citations[0].quote


@pytest.mark.parametrize(("question", "sentence", "words"), [
    ("Who lost the World Cup Final in 2018?", "France won after defeating Croatia 4-2.", "Croatia"),  # asked who lost
    ("Who won the World Cup Final in 2018?", "France won the final against Croatia on Sunday.", "France"),  # the winner
    ("Who won the World Cup Final in 2018?", "Croatia were beaten by France 4-2.", "France"),  # beaten *by*: no rule
])
def test_other_answers_to_who_won_are_left_alone(question: str, sentence: str, words: str) -> None:
    from rag._entities import SHARED_RECOGNIZER

    start = sentence.index(words)
    assert winner_of(question, sentence, start, start + len(words), 0, SHARED_RECOGNIZER) is None


@pytest.mark.parametrize(("text", "span", "expected"), [
    ("The draft was held on July 29, 2021, at Barclays Center.", "July 29", "July 29, 2021"),  # the year right after
    ("It opened on 3rd of March 1999 in Paris.", "3rd of March", "3rd of March 1999"),
    ("It opened on Jan. 5 2020 downtown.", "Jan. 5", "Jan. 5 2020"),
    ("It opened on July 29 in 2021.", "July 29", "July 29"),  # "in 2021" is not the date's own year
    ("Sales fell 29, 2021 was worse.", "29", "29"),  # a figure, not a day of a month
])
def test_a_day_of_a_month_keeps_the_year_that_follows_it(text: str, span: str, expected: str) -> None:
    start = text.index(span)
    assert text[slice(*bounds(text, start, start + len(span)))] == expected


@pytest.mark.parametrize(("question", "sentence", "level", "expected"), [
    ("How far did the FTSE 100 fall today?", "The FTSE-100 index fell 232.90 points to 6038.30, and the Nikkei fell.",
     "6038.30", "232.90 points"),
    ("How much did the Dow rise on Friday?", "The Dow rose 1.2% to close at 10,020.", "10,020", "1.2%"),
    ("How much did shares drop?", "Shares dropped by about 5 percent (40 cents) to $7.90.", "$7.90", "5 percent"),
    ("What level did the FTSE 100 fall to?", "The FTSE-100 index fell 232.90 points to 6038.30.", "6038.30", None),
    ("How far did the FTSE 100 fall today?", "The FTSE-100 index closed at 6038.30.", "6038.30", None),
])
def test_how_far_it_fell_is_the_move_not_the_level_reached(question: str, sentence: str, level: str,
                                                           expected: str | None) -> None:
    found = change_of(question, sentence, sentence.index(level), 0)
    assert (sentence[found[0] : found[1]] if found else None) == expected


@pytest.mark.parametrize(("question", "words", "expected"), [
    ("What level did the FTSE 100 drop to this week?", "below the 5000 mark at 4907.20", "4907.20"),
    ("Where did the Dow close on Friday?", "up 39 points at 8,017", "8,017"),
    ("Where did the Dow close on Friday?", "8,017", None),  # one figure: already the level
    ("How far did the FTSE 100 drop?", "below the 5000 mark at 4907.20", None),  # the move is asked, not the level
    ("Where did the drill take place?", "at base 72 near Route 9", None),  # no close, end or fall to
])
def test_the_level_reached_is_the_last_figure_of_a_longer_answer(question: str, words: str, expected: str | None) -> None:
    found = level_of(question, words, 0, len(words))
    assert (words[found[0] : found[1]] if found else None) == expected


def test_the_before_a_capitalised_word_opens_a_name(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The date line before the lead is never quoted; the short answer was dropped as a description referring to it."""
    assistant = indexed(tmp_path, embedder, [LEAGUE_FINAL])
    won = assistant.ask("Who won the Northern League championship?")
    assert not won.refused and won.short_answer is not None and "Harbor City Hawks" in won.short_answer
