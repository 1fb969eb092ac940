"""Follow-up questions become standalone by a visible rule."""

import pytest

from rag import Assistant
from rag._followup import is_follow_up, standalone_question


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("why Tajikistan?", [], "why Tajikistan?"),
        ("and how many aircraft?", ["how many troops took part in the drill?"], "how many aircraft? (part drill)"),
        ("What about China?", ["Who announced the drill in Russia?"], "China? (announced drill russia)"),
        ("why there?", ["where is the Zapad drill held?"], "why there? (zapad drill held)"),
        ("Who leads the Russian defence ministry?", ["how many troops?"], "Who leads the Russian defence ministry?"),
        ("and why?", ["", "  "], "and why?"),
    ],
)
def test_standalone_question(question: str, history: list[str], expected: str) -> None:
    assert standalone_question(question, history) == expected


def test_is_follow_up() -> None:
    assert is_follow_up("and the aircraft?")
    assert is_follow_up("why did they do it?")
    assert not is_follow_up("How many troops joined the Zapad drill?")


def test_follow_up_through_ask(assistant: Assistant) -> None:
    answer = assistant.ask("why there?", history=["what did Wei Fenghe and Shoigu do in Tajikistan?"])
    assert answer.standalone_question and "tajikistan" in answer.standalone_question.lower()
    assert answer.to_dict()["standalone_question"] == answer.standalone_question
