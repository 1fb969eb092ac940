"""Amounts of money: which questions ask for one, where a text gives one, and that nothing else answers them."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._money import asks_money, money_spans
from tests.helpers import indexed, write_records, written


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How much did Edison offer Tesla to redesign a motor and generators?", True),
        ("How much money was spent on other festivities in the Bay area?", True),
        ("What was Tesla's revenue in Q1 2021?", True),
        ("What was Kestrel's first-quarter revenue?", True),
        ("What was Apple's total revenue in fiscal 2008?", True),
        ("What was the price of oil on Monday?", True),
        ("What's the ticket price?", True),
        ("How much is the painting worth?", True),
        ("How many dollars did the charity raise?", True),
        ("How much money did Ford lose?", True),
        ("How much money did investors lose when the shares fell?", True),  # money asked, whatever else moved
        ("HOW MUCH MONEY WAS LOST AS RATES ROSE?", True),
        # a change, a share, a rate or another quantity: most often a percentage or a measure
        ("How much did revenue fall last quarter?", False),
        ("How much did the Fed raise interest rates?", False),
        ("How much of Chrysler will Fiat own?", False),
        ("How much did Hong Kong's Hang Seng index fall on Monday?", False),
        ("How much does the rocket weigh?", False),
        ("How much did Ford lose in 2008?", False),  # a loss may be money or a share of sales: left to the reader
        # the money noun is not what is asked
        ("What is used to decide a teacher's salary?", False),
        ("What was the reason for the price rise?", False),
        ("What is distribution of income from labor due to the differences of?", False),
        ("Who paid for the stadium?", False),
    ],
)
def test_asks_money(question: str, asks: bool) -> None:
    assert asks_money(question) is asks


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("Revenue was $6.04 billion.", ["$6.04 billion"]),
        ("It sold 90,650 cars for 20 million euros.", ["20 million euros"]),
        ("There's fifty thousand dollars in it for you.", ["fifty thousand dollars"]),
        ("Edison offered a US$10 a week raise.", ["US$10"]),
        ("The tax can change by up to 3 pence in the pound.", ["3 pence"]),
        ("The fine was €2.5bn, and the appeal cost £400,000.", ["€2.5bn", "£400,000"]),
        ("A ticket costs USD 45 at the door.", ["USD 45"]),
        ("It raised several million dollars.", ["several million dollars"]),
        ("Tesla delivered 184,877 vehicles in 2021.", []),
        ("Revenue surged 74 percent in 1998.", []),
        # a sum set as a share of one: a fine, a fee
        ("It would have fined platforms up to 4% of their global turnover.", ["4% of their global turnover"]),
        ("The fee is 2.5 percent of annual revenue; sales rose 3 percent of late.", ["2.5 percent of annual revenue"]),
        ("Turnout was 61% of voters.", []),
    ],
)
def test_money_spans(text: str, amounts: list[str]) -> None:
    assert [text[a:b] for a, b in money_spans(text)] == amounts


def test_a_count_never_answers_a_question_about_money(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check the reader answered both questions "184,800" (the vehicles delivered)."""
    text = ("Kestrel Motors delivered 184,800 vehicles in the first quarter, the carmaker said on Monday. "
            "Net income reached a record as revenue surged 74 percent. "
            "The company expects deliveries to grow by half this year.")
    record = {"id": "kestrel-q1", "title": "Kestrel Motors posts record first quarter", "published": "2021-04-27",
              "outlet": "Wire", "text": text}
    assistant = indexed(tmp_path, embedder, [record])
    asked = "What was Kestrel Motors' revenue in the first quarter?"
    assert assistant.ask(asked).refused  # the article gives no sum
    deliveries = assistant.ask("How many vehicles did Kestrel Motors deliver in the first quarter?")
    assert not deliveries.refused and deliveries.short_answer == "184,800"

    record["text"] = text.replace("Net income", "In the quarter the carmaker sold 184,800 cars worth $10.4 billion in all. "
                                                "Net income")
    assistant.index([write_records(tmp_path / "articles", [record])])
    answer = assistant.ask("How much revenue did Kestrel Motors make in the first quarter?")
    assert not answer.refused and answer.short_answer == "$10.4 billion"


def test_an_amount_in_the_next_sentence_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The sentence about the revenue gives no sum and the next one does: without the hand-over the question was refused."""
    text = ("Kestrel Motors reported record revenue for the first quarter on Monday, beating analysts' forecasts. "
            "The total came to $10.4 billion, the carmaker said. Deliveries rose to 184,800 vehicles.")
    assistant = written(tmp_path, embedder, {"quarter": text}, topic="Kestrel Motors posts record", published="2021-04-27")
    answer = assistant.ask("What was Kestrel Motors' revenue in the first quarter?")
    assert not answer.refused and answer.short_answer == "$10.4 billion"
    assert answer.citations[0].quote == "The total came to $10.4 billion, the carmaker said."
