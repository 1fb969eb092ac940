"""Bad input through the Python API: one-line InputErrors, never a raw TypeError (issue #13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import rag
from rag import Assistant, EmptyQuestionError, InputError, Settings
from rag._query import validate_question

LONE_SURROGATE = b"\xff troops".decode("utf-8", "surrogateescape")  # how Python reads $'\xff troops' from argv


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (LONE_SURROGATE, r"^the question is not valid text \(invalid UTF-8 or a lone surrogate at character 1\): retype it$"),
        ("how many \ud800 troops?", r"lone surrogate at character 10\): retype it$"),
        (123, r"^question must be a str, got int: pass the question as text$"),
        (None, r"^question must be a str, got NoneType: pass the question as text$"),
        (b"troops?", r"^question must be a str, got bytes: pass the question as text$"),
        (["troops?"], r"^question must be a str, got list"),
    ],
)
def test_validate_question_rejects_what_is_not_text(question: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        validate_question(question)
    assert "\n" not in str(error.value)


def test_validate_question_still_accepts_and_strips_text() -> None:
    assert validate_question("  Wie viele Soldaten? 🚀 ") == "Wie viele Soldaten? 🚀"
    with pytest.raises(EmptyQuestionError):
        validate_question(" \n ")


@pytest.fixture()
def unloaded(tmp_path: Path) -> Assistant:
    """An assistant on an index that does not exist: the checks must fail before anything is loaded."""
    return Assistant(tmp_path / "no-index", settings=Settings(reader="fast"))


@pytest.mark.parametrize(
    ("question", "options", "message"),
    [
        (123, {}, "question must be a str, got int: pass the question as text"),
        (None, {}, "question must be a str, got NoneType"),
        (LONE_SURROGATE, {}, "the question is not valid text"),
        ("troops?", {"top_k": "5"}, "top_k must be a whole number, got str: pass e.g. top_k=5"),
        ("troops?", {"top_k": 2.5}, "top_k must be a whole number, got float"),
        ("troops?", {"top_k": True}, "top_k must be a whole number, got bool"),
        ("troops?", {"history": "abc"}, "history must be a list of earlier questions, got str: pass e.g. history="),
        ("troops?", {"history": 5}, "history must be a list of earlier questions, got int"),
        ("troops?", {"history": [None]}, "history must hold questions as str, got NoneType"),
        ("troops?", {"history": ["ok", LONE_SURROGATE]}, "earlier question 2 in history is not valid text"),
        ("troops?", {"use_llm": "yes"}, "use_llm must be True, False or None, got str"),
    ],
)
def test_wrong_argument_types_are_one_line_input_errors(
    unloaded: Assistant, question: Any, options: dict[str, Any], message: str
) -> None:
    for call in (unloaded.ask, lambda q, **o: list(unloaded.stream(q, **o))):
        with pytest.raises(InputError) as error:
            call(question, **options)
        assert str(error.value).startswith(message) and "\n" not in str(error.value)
    assert unloaded._pipeline is None  # failed before loading the index or any model


@pytest.mark.parametrize(
    ("question", "options", "message"),
    [
        (123, {}, "question must be a str, got int"),
        (LONE_SURROGATE, {}, "the question is not valid text"),
        ("troops?", {"top_k": "5"}, "top_k must be a whole number, got str"),
        ("troops?", {"history": "abc"}, "history must be a list of earlier questions, got str"),
        ("troops?", {"index_dir": 7}, "index_dir must be a path, got int"),
    ],
)
def test_module_level_ask_checks_before_loading(question: Any, options: dict[str, Any], message: str) -> None:
    cached = dict(rag._assistant._assistants)
    with pytest.raises(InputError) as error:
        rag.ask(question, **options)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    assert rag._assistant._assistants == cached  # nothing was loaded or cached for a rejected call
