"""Which way a figure moved, and that a move the other way never answers "how much did it fall / rise"."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._moves import asked_direction, move_of, moves
from tests.helpers import wikinews


@pytest.mark.parametrize(
    ("question", "direction"),
    [
        ("How far did the FTSE 100 fall today?", "down"),
        ("How much have Bank of America and Citigroup shares fallen this year?", "down"),
        ("By how much did Japan's economy shrink between April and June?", "down"),
        ("How many points did the Dow fall on Thursday this week?", "down"),
        ("How much did Ford's US sales rise last month?", "up"),
        ("From 1947 to 1967, how much did the price of oil increase?", "up"),
        ("How much did Ford lose in 2008?", None),  # a loss of money
        ("What percentage of farmland grows wheat?", None),  # no move asked
        ("How much of Victoria's farmland grows hay?", None),
        ("How much Saharan dust falls over the Amazon basin each year?", None),
        ("How much does it cost to gain entry to a parliament meeting?", None),
        ("How much free storage will iCloud offer when it launches in the fall of 2011?", None),
        ("How much of the population ended up seeing the images?", None),
        ("How much did the company end up paying?", None),  # a particle, not a move
        ("How much did the shares close down?", None),
        ("How much did the shares end higher?", None),
        ("How much did the index close lower?", None),
        ("How much has the bank lost this year?", None),  # a loss of money, in each form
        ("HOW MUCH HAS THE BANK LOST?", None),
        ("How much does the club lose each year?", None),
        ("How much do the owners expect the club will be losing?", None),
        ("How much do analysts think the airline loses a day?", None),
    ],
)
def test_asked_direction(question: str, direction: str | None) -> None:
    assert asked_direction(question) == direction


@pytest.mark.parametrize(
    ("text", "figure", "direction"),
    [
        ("Bank of America shares rose by 3.2%, whilst Citigroup gained 9.7%.", "3.2%", "up"),
        ("Bank of America shares rose by 3.2%, whilst Citigroup gained 9.7%.", "9.7%", "up"),
        ("Citigroup, which fell 13.8% to US$2.51 a share", "13.8%", "down"),
        ("The Nikkei lost another 1.4% on Thursday.", "1.4%", "down"),
        ("Chrysler was hardest hit, with a plunge of 55%.", "55%", "down"),
        ("Sales were up 4% in May.", "4%", "up"),
        ("The index closed 2.1 percent lower.", "2.1", "down"),
        ("The company reported a 12% rise in revenue.", "12%", "up"),
        ("Citigroup, which fell 13.8% to US$2.51 a share", "2.51", None),  # the price it fell to
        ("Sales reached 4,000 cars in May.", "4,000", None),
    ],
)
def test_move_of(text: str, figure: str, direction: str | None) -> None:
    start = text.index(figure)
    assert move_of(text, start, start + len(figure)) == direction


def test_moves() -> None:
    text = "Bank of America shares rose by 3.2%, whilst Citigroup fell 9.7% and Ford was flat."
    assert [text[a:b] for a, b in moves(text, "down")] == ["9.7%"]
    assert [text[a:b] for a, b in moves(text, "up")] == ["3.2%"]
    text = "Sales were 4% higher in May and 2% lower in June."  # the direction written after the figure
    assert [text[a:b] for a, b in moves(text, "up")] == ["4%"]
    assert [text[a:b] for a, b in moves(text, "down")] == ["2%"]


def test_the_move_may_open_the_text() -> None:
    assert move_of("Fell 5% on the day.", 5, 7) == "down"


def test_a_rise_never_answers_how_much_shares_fell(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Two real Wikinews reports: without the check, "How much did Citigroup shares fall?" was answered "9.7%", a gain."""
    assistant = wikinews(tmp_path, embedder, "us-stock-markets-fall-to-lowest-levels-since-1997",
                         "dow-jones-industrial-average-closes-at-lowest-level-in-six-years")
    fell = assistant.ask("How much did Citigroup shares fall?")
    assert not fell.refused and fell.short_answer is not None and fell.short_answer.startswith("13.8%")
    rose = assistant.ask("How much did Citigroup shares rise?")  # the gain answers a question about the gain
    assert not rose.refused and rose.short_answer == "9.7%"
