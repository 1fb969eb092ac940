"""A market's level: which questions ask one, which figures can be one, and that a change never answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._levels import asks_level, level_spans
from tests.helpers import wikinews


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Where did the Nikkei close on Thursday?", True),
        ("Where did the Dow Jones finish last week?", True),
        ("What level did the FTSE 100 drop to this week?", True),
        ("Where did Japan's Nikkei average fall to in the latest sell-off?", True),
        ("Where did oil prices settle on Friday?", True),
        ("How much did the Nikkei fall on Thursday?", False),  # a change
        ("Where did the Huguenot colonists settle?", False),  # nothing with a level
        ("Where does the Rhine end?", False),
        ("Where did the 787 Dreamliner make its first flight?", False),
    ],
)
def test_asks_level(question: str, asks: bool) -> None:
    assert asks_level(question) is asks


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("The Dow gained 39 points, or half a percent, ending the day at 8,017.", ["8,017"]),
        ("Stocks were down five percent, or 454 points, but rebounded to close at 8,962 points.", ["8,962"]),
        ("The FTSE 100 fell 118.40 points to below the 5000 mark at 4907.20.", ["5000", "4907.20"]),
        ("Japan's Nikkei 225 fell 406.51 points to 16764 in 2008.", ["16764"]),  # not the name, the change or the year
        ("The Nikkei fell another 1.4% after the 9.0 magnitude earthquake.", []),
        ("The yen rose to 76.25 against the dollar.", []),
        ("The FTSE fell to 52.9 points lower.", []),
        ("The FTSE 100, which closed at 5,210.17, rose.", ["5,210.17"]),
        ("The index rose 2.1% to close at 8,017.", ["8,017"]),  # the change, then the level  # the name's figure, then the level
        ("After a 9.0 magnitude quake the Nikkei closed at 8,962.", ["8,962"]),
    ],
)
def test_level_spans(text: str, levels: list[str]) -> None:
    assert [text[a:b] for a, b in level_spans(text)] == levels


def test_a_change_never_answers_where_a_market_closed(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The real Wikinews report: without the check "Where did the Nikkei close on Thursday?" was answered "1.4%"."""
    assistant = wikinews(tmp_path, embedder, "japanese-stocks-continue-to-fall-after-earthquake")
    closed = assistant.ask("Where did the Nikkei close on Thursday?")
    # The reader's best sentence ("The … Nikkei 225 … fell another 1.4% Thursday") gives no level; the next one does.
    assert not closed.refused and closed.short_answer == "8,962 points"
    assert "rebounded to close at 8,962 points" in closed.citations[0].quote
    fell = assistant.ask("How much did the Nikkei fall on Thursday?")  # the change answers a question about the change
    assert not fell.refused and fell.short_answer == "1.4%"


def test_a_level_in_the_next_sentence_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The real report says the FTSE closed at a year's high in one sentence and gives the level in the next."""
    assistant = wikinews(tmp_path, embedder, "british-ftse-index-reaches-one-year-high-other-european-markets-rise")
    answer = assistant.ask("What level did the FTSE 100 close at, its highest in over a year?")
    assert not answer.refused and answer.short_answer == "5,210.17"
    assert "finish the day at a level of 5,210.17" in answer.citations[0].quote
