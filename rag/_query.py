"""A question as the pipeline receives it: one frozen :class:`Query`, checked once.

Every way in (``ask()``, :meth:`rag.Assistant.stream`, the timeline, ``rag
eval``, the CLI and the UI) turns its arguments into a :class:`Query` with
:meth:`Query.of`, which raises one readable :class:`~rag.InputError` for a
bad argument; the stages after it read the query's fields and check nothing
again.

Example:
    >>> query = Query.of("How many troops?", as_of="2021-08-09")
    >>> query.question, query.dates.as_of.isoformat()
    ('How many troops?', '2021-08-09')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ._config import READERS
from ._dates import DateRange, to_date
from ._exceptions import EmptyQuestionError, InputError
from ._text import clean_text

__all__ = ["MAX_QUESTION_CHARS", "Query", "check_options", "check_top_k", "date_range", "validate_question"]

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Query:
    """One question and how to answer it.

    Attributes:
        question: The question as typed, stripped.
        history: Earlier questions of the conversation, oldest first.
        dates: The explicit date range (``since``/``until``/``as_of``).
        top_k: Passages the answer reads (``None``: the settings').
        reader: ``model`` or ``fast`` (``None``: the settings').
        use_llm: ``True``/``False`` override the settings' LLM choice.
        mode: A retrieval mode other than the settings' (``rag eval --compare``).
        depth: Passages retrieved and reported with the final event, of which
            the answer reads the first ``top_k`` (``rag eval`` ranks them).
        candidates: Hits each search list contributes before fusion, if not the settings'.

    Example:
        >>> Query.of("and how many aircraft?", history=["how many troops?"]).history
        ('how many troops?',)
    """

    question: str
    history: tuple[str, ...] = ()
    dates: DateRange = field(default_factory=DateRange)
    top_k: int | None = None
    reader: str | None = None
    use_llm: bool | None = None
    mode: str | None = None
    depth: int | None = None
    candidates: int | None = None

    @classmethod
    def of(
        cls,
        question: object,
        *,
        top_k: object = None,
        history: object = (),
        use_llm: object = None,
        reader: object = None,
        since: object = None,
        until: object = None,
        as_of: object = None,
        include_undated: object = False,
    ) -> Query:
        """The query of ``ask()``'s arguments, each checked.

        Raises:
            EmptyQuestionError: The question is blank.
            InputError: The question is too long or not text, or another
                argument has the wrong type or value (one line naming the fix).
        """
        text = validate_question(question)
        check_options(top_k, history)
        if use_llm is not None and not isinstance(use_llm, bool):
            raise InputError(f"use_llm must be True, False or None, got {type(use_llm).__name__}: pass e.g. use_llm=False")
        dates = date_range(since, until, as_of, include_undated)
        if reader is not None and reader not in READERS:
            raise InputError(f"reader {reader!r} is unknown: use {' or '.join(READERS)}")
        return cls(text, tuple(history), dates, top_k, reader, use_llm)  # type: ignore[arg-type]  # checked above


def date_range(since: object, until: object, as_of: object, include_undated: object = False) -> DateRange:
    """The :class:`DateRange` of ``ask()``'s date arguments, each checked (one-line :class:`InputError`)."""
    if not isinstance(include_undated, bool):
        raise InputError(f"include_undated must be True or False, got {type(include_undated).__name__}")
    dates = DateRange(to_date(since, "since"), to_date(until, "until"), to_date(as_of, "as_of"), include_undated)
    if dates.since and dates.last and dates.since > dates.last:
        raise InputError(f"since {dates.since} is after {'until' if dates.last == dates.until else 'as_of'} {dates.last}: "
                         "give a range whose start is not after its end")
    return dates


def validate_question(question: object) -> str:
    """The question stripped of surrounding whitespace.

    Raises:
        EmptyQuestionError: It is blank.
        InputError: It is not a ``str``, not valid text (a lone surrogate,
            as Python makes of invalid UTF-8 in a command line), or longer
            than ``MAX_QUESTION_CHARS``.
    """
    question = _text(question, "question must be a str", "pass the question as text", "the question", "retype it").strip()
    if not clean_text(question):  # only control or zero-width characters: nothing was typed
        question = ""
    if not question:
        raise EmptyQuestionError("the question is empty: type a question, e.g. 'how many troops?'")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long: keep it under {MAX_QUESTION_CHARS}")
    return question


def check_options(top_k: object, history: object) -> None:
    """Raise a one-line :class:`InputError` for a ``top_k`` or ``history`` of the wrong type or value."""
    check_top_k(top_k)
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise InputError(
            f"history must be a list of earlier questions, got {type(history).__name__}: pass e.g. history=['how many troops?']"
        )
    for number, turn in enumerate(history, start=1):
        _text(turn, "history must hold questions as str", "pass the earlier questions as text",
              f"earlier question {number} in history", "pass it as text")


def check_top_k(value: object, name: str = "top_k") -> None:
    """Raise a one-line :class:`InputError` unless ``value`` is ``None`` or a whole number of at least 1.

    ``name`` is the argument's name in the message (``k`` for :meth:`rag.Assistant.as_retriever`).

    Example:
        >>> check_top_k(0, "k")
        Traceback (most recent call last):
        ...
        rag._exceptions.InputError: k must be at least 1, got 0
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a whole number, got {type(value).__name__}: pass e.g. {name}=5")
    if value < 1:
        raise InputError(f"{name} must be at least 1, got {value}")


def _text(value: object, not_str: str, type_fix: str, what: str, text_fix: str) -> str:
    """``value`` if it is a ``str`` that encodes as UTF-8, else a one-line :class:`InputError`."""
    if not isinstance(value, str):
        raise InputError(f"{not_str}, got {type(value).__name__}: {type_fix}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            f"{what} is not valid text (invalid UTF-8 or a lone surrogate at character {error.start + 1}): {text_fix}"
        ) from None
    return value
