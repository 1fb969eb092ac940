"""Follow-up questions become standalone by a visible rule."""

import pytest

from rag import Assistant
from rag._followup import is_follow_up, standalone_question


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("why Tajikistan?", [], "why Tajikistan?"),
        ("and how many aircraft?", ["how many troops took part in the drill?"], "how many aircraft? (drill)"),
        ("how many aircraft?", ["how many troops took part in the drill?"], "how many aircraft? (drill)"),
        # Asked after a question of another form, a focus question asks anew: no stray word appended.
        ("How many troops?", ["Why are Russian ships in the Pacific?"], "How many troops?"),
        ("How many troops?", ["Why Tajikistan?", "what about the navy?"], "How many troops?"),
        # A chain of follow-ups keeps the conversation's subject, taken from the latest question that stood alone.
        ("and tanks?", ["how many troops took part in the drill?", "and aircraft?"], "tanks? (drill)"),
        ("and tanks?", ["Why Tajikistan?", "how many troops took part in the drill?", "and aircraft?"], "tanks? (drill)"),
        ("why there?", ["Who met in Dushanbe?", "where is the Zapad drill held?"], "why there? (zapad drill held)"),
        ("What about China?", ["Who announced the drill in Russia?"], "China? (announced drill russia)"),
        ("why there?", ["where is the Zapad drill held?"], "why there? (zapad drill held)"),
        ("Who leads the Russian defence ministry?", ["how many troops?"], "Who leads the Russian defence ministry?"),
        ("and why?", ["", "  "], "and why?"),
        # Whether a focus question continues is judged against the latest question, not the oldest.
        ("how many aircraft?", ["how many troops took part in the drill?", "Why Tajikistan?"], "how many aircraft?"),
        ("how many aircraft?", ["Why Tajikistan?", "how many troops took part in the drill?"], "how many aircraft? (drill)"),
        # "how much" is not "how many": another form of question, asked anew.
        ("how much money?", ["how many troops took part in the drill?"], "how much money?"),
        ("which units?", ["how many troops took part in the drill?"], "which units?"),
        # A capital survives the lead's removal; nothing carried, no empty brackets.
        ("And how many aircraft?", ["how many troops took part in the drill?"], "How many aircraft? (drill)"),
        ("and the drill?", ["how many troops took part in the drill?"], "the drill?"),
        # A focus question that asked anew carries its own subject only (here none), never the one before it.
        ("and tanks?", ["Why Tajikistan?", "how many troops?"], "tanks?"),
        # Two-letter names are subjects; single letters are not.
        ("and why?", ["What did the EU decide?"], "why? (eu decide)"),
        ("and why?", ["What is plan B?"], "why? (plan)"),
    ],
)
def test_standalone_question(question: str, history: list[str], expected: str) -> None:
    assert standalone_question(question, history) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Why Tajikistan?",
        "why Tajikistan?",
        "Who is Russia's defence minister?",
        "Where is the drill?",
        "When did the Zapad drill start?",
        "What did the Taliban claim?",
        "Is Belarus taking part?",
        "Did Shoigu visit Dushanbe?",
        "How many troops joined the Zapad drill?",
        "How many aircraft took part in the drill?",
        "Russian troops in Belarus",  # no question word, but two content words
        "Belarus troops?",
    ],
)
def test_complete_question_stands_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert standalone_question(question, ["What did the Taliban claim?"]) == question


@pytest.mark.parametrize(
    "question",
    [
        "and how many aircraft?",  # continuation lead
        "what about aircraft?",
        "also the navy?",
        "how many were there?",  # refers back
        "why did they do it?",
        "what happened then?",
        "Who did they meet in Dushanbe?",  # a pronoun, even with a subject of its own
        "and aircraft?",  # fragments: no question word, one content word at most
        "the navy?",
        "how many aircraft?",  # a question word, but only its focus word
        "which units?",
        "why?",
    ],
)
def test_follow_up_detected(question: str) -> None:
    assert is_follow_up(question)


def test_complete_question_not_rewritten_with_previous_subject() -> None:
    # The bug: "Why Tajikistan?" borrowed the Taliban question's words, so the
    # answer was about the Taliban.
    rewritten = standalone_question("Why Tajikistan?", ["What did the Taliban claim?"])
    assert rewritten == "Why Tajikistan?"
    assert "taliban" not in rewritten.lower()


def test_fragment_borrows_previous_subject() -> None:
    assert standalone_question("the navy?", ["how many troops took part in the drill?"]) == "the navy? (drill)"


def test_follow_up_through_ask(assistant: Assistant) -> None:
    answer = assistant.ask("why there?", history=["what did Wei Fenghe and Shoigu do in Tajikistan?"])
    assert answer.standalone_question and "tajikistan" in answer.standalone_question.lower()
    assert answer.to_dict()["standalone_question"] == answer.standalone_question
