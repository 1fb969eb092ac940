"""Dates: metadata parsing, datelines, dates inside quotes, and question time words (rag._dates)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rag import InputError, MiniLMEmbeddings
from rag._dates import (
    DateRange,
    dateline_outlet,
    dates_in,
    fuller_date,
    parse_date,
    question_scope,
    text_date,
    to_date,
    url_date,
)
from rag._query import date_range
from rag._types import TimeScope
from tests.helpers import written


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-08-09", "2021-08-09"),
        ("2021-08-09T14:30:00+03:00", "2021-08-09"),
        ("Mon, 09 Aug 2021 10:00:00 GMT", "2021-08-09"),
        ("August 9, 2021", "2021-08-09"),
        ("Aug. 9, 2021", "2021-08-09"),
        ("9 August 2021", "2021-08-09"),
        ("9th of August, 2021", "2021-08-09"),
        ("2021/08/09", "2021-08-09"),
        ("D:20210809120000Z", "2021-08-09"),
        (date(2021, 8, 9), "2021-08-09"),
        ("2021-02-30", None),  # not a day
        ("August 2021", None),  # no day: not a publication date
        ("soon", None),
        (None, None),
    ],
)
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_url_date() -> None:
    assert url_date("https://news.example.com/world/2021/08/09/drill-begins.html") == "2021-08-09"
    assert url_date("https://news.example.com/world/drill-begins") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Storm hits coast\nPublished: August 9, 2021\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nUpdated 9 Aug 2021, 10:04 GMT\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nBy Jane Doe | August 9, 2021\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nMonday, 9 August 2021 14:30 GMT\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nPublication date: 2021-08-09\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nDate published: August 9, 2021\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nSource: Reuters | August 9, 2021\nThe storm hit.", "2021-08-09"),
        ("Storm hits coast\nLast updated: 19/08/2021\nThe storm hit.", "2021-08-19"),  # 19 is no month: day first
        ("Storm hits coast\nLast updated: 08/19/2021\nThe storm hit.", "2021-08-19"),  # month first
        ("Storm hits coast\nLast updated: 08/09/2021\nThe storm hit.", None),  # August 9 or 8 September?
        ("MOSCOW, Aug. 9, 2021 (Reuters) - Russia said on Monday " + "that the drills began. " * 12, "2021-08-09"),
        # A date in ordinary prose is what the article is about, not when it was published.
        ("Storm hits coast\nThe war began on August 9, 2021 when troops crossed the border.\nMore.", None),
        ("Storm hits coast\nThe storm hit.", None),
    ],
)
def test_text_date(text: str, expected: str | None) -> None:
    assert text_date(text) == expected


def test_dateline_names_the_outlet() -> None:
    assert dateline_outlet("MOSCOW, Aug. 9, 2021 (Reuters) – Russia said…") == "Reuters"
    assert dateline_outlet("The storm hit, officials said (Reuters) - more") is None


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("The ministry announced last Thursday that…", "2021-08-03", [("last Thursday", "2021-07-29", "relative")]),
        ("The ministry announced Monday that…", "2021-08-11", [("Monday", "2021-08-09", "relative")]),
        ("It was confirmed yesterday.", "2021-08-11", [("yesterday", "2021-08-10", "relative")]),
        ("Drills are planned this month.", "2021-08-11", [("this month", "2021-08", "relative")]),
        ("According to a July 8 Reuters report…", "2021-08-11", [("July 8", "2021-07-08", "partial")]),
        ("The count began on Dec. 28.", "2022-01-05", [("Dec. 28", "2021-12-28", "partial")]),  # last year's December
        ("In early July, Tajikistan asked for help.", "2021-08-11", [("July", "2021-07", "partial")]),
        ("The treaty was signed on August 9, 2001.", "2021-08-11", [("August 9, 2001", "2001-08-09", "explicit")]),
        ("The treaty was signed on August 9, 2001.", None, [("August 9, 2001", "2001-08-09", "explicit")]),
        ("The ministry announced last Thursday that…", None, []),  # unknown publication date: left alone
    ],
)
def test_dates_in(text: str, published: str | None, expected: list[tuple[str, str, str]]) -> None:
    found = dates_in(text, published)
    assert [(d.phrase, d.iso, d.how) for d in found] == expected
    for d in found:
        assert text[d.start : d.end] == d.phrase


REF = date(2026, 11, 28)  # a Saturday


@pytest.mark.parametrize(
    ("question", "since", "until", "prefer", "read"),
    [
        ("How many vehicles were recalled this week?", "2026-11-22", "2026-11-28", "", "How many vehicles were recalled?"),
        ("What happened last year?", "2025-01-01", "2025-12-31", "", "What happened?"),
        ("Who won in 2021?", "2021-01-01", "2021-12-31", "", "Who won?"),
        ("Who has led since March 2020?", "2020-03-01", None, "", "Who has led?"),
        ("How many died before 2021?", None, "2020-12-31", "", "How many died?"),
        ("What is the latest death toll?", None, None, "newest", "What is the latest death toll?"),
        ("What was the first reported death toll?", None, None, "oldest", "What was the first reported death toll?"),
        # a month named alone after "since": the latest one that has begun (REF is in November)
        ("What has changed since January?", "2026-01-01", None, "", "What has changed?"),
        ("What has changed since December?", "2025-12-01", None, "", "What has changed?"),
        # that day and the next; a month ago ±7 days, a year ago ±15
        ("What happened the day before yesterday?", "2026-11-26", "2026-11-27", "", "What happened?"),
        ("What happened a month ago?", "2026-10-22", "2026-11-05", "", "What happened?"),
        ("What happened two months ago?", "2026-09-22", "2026-10-06", "", "What happened?"),
        ("What happened a year ago?", "2025-11-13", "2025-12-13", "", "What happened?"),
    ],
)
def test_question_scope(question: str, since: str | None, until: str | None, prefer: str, read: str) -> None:
    scope = question_scope(question, REF)
    assert scope and (scope.since, scope.until, scope.prefer) == (since, until, prefer)
    assert scope.question == read
    assert scope.reference == REF.isoformat()


@pytest.mark.parametrize("question", ["Who was the first president?", "How many troops are taking part?", "Why Tajikistan?"])
def test_questions_without_time_words_have_no_scope(question: str) -> None:
    assert not question_scope(question, REF)


def test_date_range() -> None:
    dates = DateRange(since=date(2021, 8, 1), until=date(2021, 8, 31), as_of=date(2021, 8, 15))
    assert dates.allows("2021-08-15") and not dates.allows("2021-08-16") and not dates.allows("2021-07-31")
    assert not dates.allows(None) and DateRange(since=date(2021, 8, 1), include_undated=True).allows(None)
    assert DateRange().allows(None)


@pytest.mark.parametrize("value", ["2021-13-01", "2021-1-1", "yesterday", "09/08/2021"])
def test_malformed_dates_are_one_line_errors(value: str) -> None:
    with pytest.raises(InputError) as caught:
        to_date(value, "since")
    message = str(caught.value)
    assert "\n" not in message and "YYYY-MM-DD" in message and value in message


def test_to_date_takes_dates_and_iso_strings() -> None:
    assert to_date("2021-08-09", "since") == date(2021, 8, 9) == to_date(date(2021, 8, 9), "since")
    assert to_date(None, "since") is None
    with pytest.raises(InputError, match="must be a date, got int"):
        to_date(20210809, "until")


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [  # found in review: each was wrong before
        ("The law takes effect Jan. 1.", "2023-12-20", [("Jan. 1", "2024-01-01", "partial")]),  # next month, next year
        ("Cuts start in January.", "2023-12-20", [("January", "2024-01", "partial")]),
        ("On Monday, August 2, 2021, talks began.", "2021-08-11", [("August 2, 2021", "2021-08-02", "explicit")]),
        ("Veterans will march 20 miles to the capital.", "2021-08-11", []),  # a verb, not March 20
        ("Residents must leave by Friday.", "2021-08-11", [("Friday", "2021-08-13", "relative")]),  # deadlines look ahead
        ("The exhibition runs until Thursday.", "2021-08-11", [("Thursday", "2021-08-12", "relative")]),
        ("The dam cracked last night and was closed tonight.", "2021-08-11",
         [("last night", "2021-08-10", "relative"), ("tonight", "2021-08-11", "relative")]),
        ("Three days ago the dam cracked; two weeks ago it was inspected.", "2021-08-11",
         [("Three days ago", "2021-08-08", "relative"), ("two weeks ago", "2021-07-28", "relative")]),
        ("It was the last night of the fair.", "2021-08-11", []),  # a night of the fair, not the one before
        ("It opened less than two weeks ago.", "2021-08-11", []),  # a bound, not a day
    ],
)
def test_dates_in_edge_cases(text: str, published: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(d.phrase, d.iso, d.how) for d in dates_in(text, published)] == expected


def test_datelines_without_a_year_name_their_outlet() -> None:
    from rag._dates import dateline_end

    line = "MOSCOW, Aug. 9 (Reuters) - Russia said on Monday that the drills began."
    assert dateline_outlet(line) == "Reuters" and line[: dateline_end(line)] == "MOSCOW, Aug. 9 (Reuters) - "
    assert dateline_end("MOSCOW, 2021-08-09 (Reuters) - Russia said") > 0


@pytest.mark.parametrize(
    ("question", "since", "until", "prefer"),
    [
        ("What happened after 2020?", "2021-01-01", None, ""),
        ("Who led after March 2020?", "2020-04-01", None, ""),
        ("Who won the election from 2019 to 2021?", "2019-01-01", "2021-12-31", ""),
        ("What happened in the past week?", "2026-11-21", "2026-11-28", ""),
        ("What is the situation today?", None, None, "newest"),  # a preference, not a one-day filter
    ],
)
def test_question_scope_edge_cases(question: str, since: str | None, until: str | None, prefer: str) -> None:
    scope = question_scope(question, REF)
    assert (scope.since, scope.until, scope.prefer) == (since, until, prefer)
    assert "the?" not in scope.question


def test_a_count_is_not_a_year() -> None:
    assert not question_scope("How many of 2000 workers were laid off?", REF)


@pytest.mark.parametrize(
    ("words", "since", "until"),
    [  # weeks roll, as news readers mean them; asked on Saturday 2026-11-28
        ("this week", "2026-11-22", "2026-11-28"),  # the seven days up to the day, not Monday on
        ("last week", "2026-11-15", "2026-11-22"),  # the seven before those, and Monday to Sunday of the week before
        ("the previous week", "2026-11-15", "2026-11-22"),
        ("the past week", "2026-11-21", "2026-11-28"),
        ("this past week", "2026-11-21", "2026-11-28"),  # "this" goes with it, not left in what is searched
        ("this month", "2026-11-01", "2026-11-28"),  # months and years stay the calendar's, to date
        ("this year", "2026-01-01", "2026-11-28"),
    ],
)
def test_weeks_roll_and_months_keep_the_calendar(words: str, since: str, until: str) -> None:
    scope = question_scope(f"How many vehicles were recalled {words}?", REF)
    assert (scope.since, scope.until) == (since, until) and scope.question == "How many vehicles were recalled?"


@pytest.mark.parametrize(
    ("asked", "since", "until"),
    [  # "last week": the seven days before this week's and the previous calendar week (Monday to Sunday)
        ("2026-11-30", "2026-11-17", "2026-11-29"),  # Monday: up to yesterday, so last Friday (11-27) is in
        ("2026-12-02", "2026-11-19", "2026-11-29"),  # Wednesday: rolling 11-19..11-25, calendar 11-23..11-29
        ("2026-11-28", "2026-11-15", "2026-11-22"),  # Saturday: rolling 11-15..11-21, calendar 11-16..11-22
        ("2026-11-29", "2026-11-16", "2026-11-22"),  # Sunday: both readings are the same Monday-to-Sunday week
        ("2024-01-01", "2023-12-19", "2023-12-31"),  # a Monday across the new year
        ("2024-03-04", "2024-02-20", "2024-03-03"),  # a Monday across a leap February
    ],
)
def test_last_week_is_the_rolling_and_the_calendar_week(asked: str, since: str, until: str) -> None:
    for words in ("last week", "the previous week"):
        scope = question_scope(f"What did the carmaker recall {words}?", date.fromisoformat(asked))
        assert (scope.since, scope.until) == (since, until) and scope.question == "What did the carmaker recall?"


@pytest.mark.parametrize(
    ("asked", "since", "until"),
    [  # "last month" stays the calendar month, whichever day it is asked
        ("2026-12-02", "2026-11-01", "2026-11-30"),
        ("2026-12-31", "2026-11-01", "2026-11-30"),
        ("2026-01-05", "2025-12-01", "2025-12-31"),
        ("2024-03-01", "2024-02-01", "2024-02-29"),
    ],
)
def test_last_month_is_the_calendar_month(asked: str, since: str, until: str) -> None:
    scope = question_scope("How many cars were sold last month?", date.fromisoformat(asked))
    assert (scope.since, scope.until) == (since, until)


def test_an_article_of_the_previous_sunday_is_in_this_week_asked_on_saturday() -> None:
    scope = question_scope("What was recalled this week?", REF)
    week = DateRange(to_date(scope.since, "since"), to_date(scope.until, "until"))
    assert week.allows("2026-11-22") and not week.allows("2026-11-21")  # Sunday in, the Saturday before out


WEDNESDAY, SATURDAY, MONDAY = date(2024, 5, 15), date(2024, 5, 18), date(2024, 5, 20)


@pytest.mark.parametrize(
    ("words", "asked", "since", "until"),
    [
        ("last night", WEDNESDAY, "2024-05-14", "2024-05-15"),  # reported last evening or this morning
        ("in the past 24 hours", WEDNESDAY, "2024-05-14", "2024-05-15"),
        ("in the past 48 hours", WEDNESDAY, "2024-05-13", "2024-05-15"),
        ("in the last 3 days", WEDNESDAY, "2024-05-12", "2024-05-15"),
        ("over the past few days", WEDNESDAY, "2024-05-12", "2024-05-15"),
        ("over the last couple of days", WEDNESDAY, "2024-05-13", "2024-05-15"),
        ("in the past two weeks", WEDNESDAY, "2024-05-01", "2024-05-15"),
        ("over the past six months", WEDNESDAY, "2023-11-17", "2024-05-15"),
        ("over the past two years", WEDNESDAY, "2022-05-16", "2024-05-15"),
        ("in the past 50 hours", WEDNESDAY, "2024-05-12", "2024-05-15"),  # part of a day counts as a day
        ("three days ago", WEDNESDAY, "2024-05-12", "2024-05-13"),  # that day, and the next when it was reported
        ("a day ago", WEDNESDAY, "2024-05-14", "2024-05-15"),
        ("two weeks ago", WEDNESDAY, "2024-04-28", "2024-05-04"),  # fourteen days back, three days either side
        ("a week ago", MONDAY, "2024-05-10", "2024-05-16"),
        ("a few days ago", WEDNESDAY, "2024-05-12", "2024-05-13"),  # the "a" is the count's, not left in the question
        ("a couple of weeks ago", WEDNESDAY, "2024-04-28", "2024-05-04"),
        ("earlier this year", WEDNESDAY, "2024-01-01", "2024-05-15"),  # this year up to the day asked
        ("earlier this month", WEDNESDAY, "2024-05-01", "2024-05-15"),
        ("in the last week", WEDNESDAY, "2024-05-08", "2024-05-15"),  # rolling, as "in the past week"
        ("in the last month", WEDNESDAY, "2024-04-15", "2024-05-15"),
        ("over the last year", WEDNESDAY, "2023-05-16", "2024-05-15"),
        ("late last week", WEDNESDAY, "2024-05-02", "2024-05-12"),  # last week's both readings; "late" not searched
        # A weekend: its Saturday to the Monday after, when its news is reported.
        ("over the weekend", WEDNESDAY, "2024-05-11", "2024-05-13"),
        ("last weekend", WEDNESDAY, "2024-05-11", "2024-05-13"),
        ("last weekend", MONDAY, "2024-05-18", "2024-05-20"),
        ("last weekend", SATURDAY, "2024-05-11", "2024-05-13"),  # during a weekend: the one before
        ("over the weekend", SATURDAY, "2024-05-18", "2024-05-18"),  # this one, so far
        ("this weekend", MONDAY, "2024-05-18", "2024-05-20"),
        ("this weekend", SATURDAY, "2024-05-18", "2024-05-18"),
        ("this past weekend", WEDNESDAY, "2024-05-11", "2024-05-13"),
        # A month without its year: this year's, once it has begun.
        ("in March", WEDNESDAY, "2024-03-01", "2024-03-31"),
        ("in early May", WEDNESDAY, "2024-05-01", "2024-05-31"),
        ("during January", WEDNESDAY, "2024-01-01", "2024-01-31"),
        # Seasons as northern news counts them: spring from March, summer from June, fall from September, winter from December
        ("this summer", date(2023, 10, 10), "2023-06-01", "2023-08-31"),  # the one just past
        ("this summer", date(2023, 7, 4), "2023-06-01", "2023-07-04"),  # under way: to the day asked
        ("last summer", date(2023, 7, 4), "2022-06-01", "2022-08-31"),  # under way: last is the year before's
        ("last summer", date(2023, 10, 10), "2023-06-01", "2023-08-31"),
        ("this past fall", date(2024, 1, 20), "2023-09-01", "2023-11-30"),
        ("last winter", date(2024, 3, 5), "2023-12-01", "2024-02-29"),  # across the new year, to a leap day
        ("this winter", date(2024, 1, 20), "2023-12-01", "2024-01-20"),
        ("during the past spring", date(2024, 1, 20), "2023-03-01", "2023-05-31"),
        ("last autumn", date(2024, 1, 20), "2023-09-01", "2023-11-30"),
        # recent days, weeks, months: rolling, to the day asked
        ("in recent days", WEDNESDAY, "2024-05-08", "2024-05-15"),
        ("in recent weeks", WEDNESDAY, "2024-04-15", "2024-05-15"),
        ("over recent months", WEDNESDAY, "2023-11-15", "2024-05-15"),
    ],
)
def test_news_time_words_count_back_from_the_day_asked(words: str, asked: date, since: str, until: str) -> None:
    scope = question_scope(f"How many people were evacuated {words}?", asked)
    assert (scope.since, scope.until, scope.phrase) == (since, until, words)
    assert scope.question == "How many people were evacuated?"  # the time words are not searched for


@pytest.mark.parametrize(
    ("question", "asked", "since", "until", "phrase"),
    [  # a weekday is the latest one (on the day asked, that day); its reports run from it to the day asked
        ("Where did the Nikkei close on Thursday?", WEDNESDAY, "2024-05-09", "2024-05-15", "on Thursday"),
        ("Where did the Nikkei close on Wednesday?", WEDNESDAY, "2024-05-15", "2024-05-15", "on Wednesday"),
        ("What did the minister say Tuesday?", WEDNESDAY, "2024-05-14", "2024-05-15", "Tuesday"),  # news style, no "on"
        ("Which team won Sunday's final?", WEDNESDAY, "2024-05-12", "2024-05-15", "Sunday"),
        ("What did the court rule last Wednesday?", WEDNESDAY, "2024-05-08", "2024-05-15", "last Wednesday"),
        ("What did the court rule last Friday?", SATURDAY, "2024-05-17", "2024-05-18", "last Friday"),
        ("What has the union done since Monday?", WEDNESDAY, "2024-05-13", "2024-05-15", "since Monday"),
        # inside a week, the day of that week
        ("How far did the Dow fall on Thursday last week?", MONDAY, "2024-05-16", "2024-05-19", "last week, on Thursday"),
        ("How far did the Dow fall on Thursday this week?", SATURDAY, "2024-05-16", "2024-05-18", "this week, on Thursday"),
        # a month's day: the latest such day (last year's when this year's is still to come), and the week after it
        ("What did the senate pass on May 2?", WEDNESDAY, "2024-05-02", "2024-05-09", "on May 2"),
        ("What did the senate pass on 10 May?", WEDNESDAY, "2024-05-10", "2024-05-15", "on 10 May"),
        ("What happened on December 30?", WEDNESDAY, "2023-12-30", "2024-01-06", "on December 30"),
        ("What happened on March 5, 2021?", WEDNESDAY, "2021-03-05", "2021-03-12", "on March 5, 2021"),
        ("What did the company say on Monday, March 4?", WEDNESDAY, "2024-03-04", "2024-03-11", "on Monday, March 4"),
    ],
)
def test_a_named_day_is_the_latest_one_and_its_reports(question: str, asked: date, since: str, until: str, phrase: str) -> None:
    scope = question_scope(question, asked)
    assert (scope.since, scope.until, scope.phrase, scope.day) == (since, until, phrase, since)
    assert scope.prefer == ""
    if "week" not in question:  # articles name the day too ("fell 1.4% Thursday"): its words are searched
        assert scope.question == question


@pytest.mark.parametrize(("question", "asked"), [("Where will the festival be held this summer?", date(2024, 3, 5)),
                                                 ("Where will the festival be held this summer?", date(2023, 12, 20)),
                                                 ("Will it snow this winter?", date(2023, 10, 10))])
def test_a_season_to_come_sets_no_range(question: str, asked: date) -> None:
    assert not question_scope(question, asked)


@pytest.mark.parametrize("words", ["lately", "overnight", "this afternoon", "this evening"])
def test_words_of_the_last_hours_prefer_the_newest_report(words: str) -> None:
    scope = question_scope(f"What did the ministry say {words}?", WEDNESDAY)
    assert scope.prefer == "newest" and scope.since is None and words in scope.phrase


@pytest.mark.parametrize(
    "question",
    [  # a day still to come, a habit, a day's name in another name, a day in a longer period: no day
        "What will the Fed decide on Wednesday?",
        "Where is the summit expected to open on Monday?",
        "Who speaks next Tuesday?",
        "What happens every Monday?",
        "Who signed the Good Friday agreement?",
        "How much was spent on Black Friday?",
        "Who won on Super Tuesday?",
        "What happened on Monday in 2021?",
        "What opened on Mondays?",
        "When did Sunday Night Football premiere?",  # a name
        "What is shown on Saturday afternoons?",  # a habit
        "Which comedies were on the new Wednesday lineup?",  # a kind of thing
        "Where did Luther go on 17 July 1505?",  # a year before 1900 is no "latest July 17"
    ],
)
def test_a_day_to_come_or_in_a_name_is_not_a_day_asked(question: str) -> None:
    assert question_scope(question, WEDNESDAY).day is None


def test_a_named_day_widens_with_its_words() -> None:
    note = question_scope("Where did the Nikkei close on Thursday?", WEDNESDAY).widen(["2024-05-01"]).note
    assert note == "No article from Thursday (2024-05-09 to 2024-05-15); from 2024-05-01"


@pytest.mark.parametrize(
    ("question", "asked"),
    [  # time still to come, or a word that only looks like a month: no range, and the words stay
        ("Where will the festival be held this weekend?", WEDNESDAY),  # Tuesday to Friday: the coming weekend
        ("Where will the festival be held this weekend?", date(2024, 5, 14)),
        ("Where will the festival be held this weekend?", date(2024, 5, 17)),
        ("What happened in march?", WEDNESDAY),
        ("Where will the plant open in December?", WEDNESDAY),  # a month later this year is the event's
        ("Why did they march in protest?", WEDNESDAY),
        ("What happened in may?", WEDNESDAY),  # "may" is a month only capitalised
        ("Who played on the last night of the festival?", WEDNESDAY),
    ],
)
def test_time_still_to_come_or_no_month_sets_no_range(question: str, asked: date) -> None:
    scope = question_scope(question, asked)
    assert not scope and scope.question == ""


@pytest.mark.parametrize(
    ("question", "reference"),
    [  # the year (or month) of a future event: no filter, and its words stay in what is searched
        ("Where will the plant open in 2024?", date(2023, 5, 1)),
        ("Who has promised new jobs since 2024?", date(2023, 5, 1)),
        ("Will the bridge reopen in March 2025?", date(2025, 1, 15)),  # later in the same year: no article yet either
        ("Who will build the line between 2025 and 2027?", date(2024, 6, 1)),
        ("What will change after 2026?", REF),  # from 2027 on: nothing published yet
        ("Will the mine close before 2027?", REF),
    ],
)
def test_a_future_year_names_the_event_not_a_filter(question: str, reference: date) -> None:
    scope = question_scope(question, reference)
    assert not scope and scope.since is None and scope.until is None


def test_a_future_year_keeps_other_time_words() -> None:
    scope = question_scope("What is the latest on where the plant will open in 2024?", date(2023, 5, 1))
    assert (scope.phrase, scope.since, scope.until, scope.prefer) == ("latest", None, None, "newest")
    assert "in 2024" in scope.question


@pytest.mark.parametrize(
    ("question", "reference", "since", "until"),
    [  # a past or the current year still filters publication
        ("How many were recalled in 2023?", date(2023, 5, 1), "2023-01-01", "2023-12-31"),
        ("How many were recalled in 2022?", date(2023, 5, 1), "2022-01-01", "2022-12-31"),
        ("Who has led since 2024?", date(2024, 2, 1), "2024-01-01", None),
        ("What happened in March 2025?", date(2025, 6, 1), "2025-03-01", "2025-03-31"),
        ("Who won between 2023 and 2025?", date(2024, 6, 1), "2023-01-01", "2025-12-31"),
        ("How many died before 2021?", date(2023, 5, 1), None, "2020-12-31"),
        ("How many were recalled in 2025?", date(2025, 1, 1), "2025-01-01", "2025-12-31"),  # its first day: begun
        ("Who won between 2025 and 2027?", date(2025, 1, 1), "2025-01-01", "2027-12-31"),
    ],
)
def test_a_past_or_current_year_filters(question: str, reference: date, since: str | None, until: str | None) -> None:
    scope = question_scope(question, reference)
    assert scope and (scope.since, scope.until) == (since, until)


@pytest.mark.parametrize(
    ("question", "note"),
    [
        ("How many were recalled this week?", "No article from this week (2026-11-22 to 2026-11-28); from 2026-11-19"),
        ("What is the latest recall this week?", "No article from this week (2026-11-22 to 2026-11-28); from 2026-11-19"),
        ("How many were recalled in 2023?", "No article from 2023 (2023-01-01 to 2023-12-31); from 2026-11-19"),
        ("Who has led since March 2020?", "No article since March 2020 (2020-03-01 to …); from 2026-11-19"),
        ("How many died before 2021?", "No article before 2021 (… to 2020-12-31); from 2026-11-19"),
    ],
)
def test_a_widened_scope_says_so(question: str, note: str) -> None:
    scope = question_scope(question, REF).widen(["2026-11-19", "2026-11-19"])
    assert scope.note == note and scope.widened
    assert scope.to_dict()["widened"] is True and scope.to_dict()["note"] == note
    assert scope.describe().endswith("; widened: none there answers, from 2026-11-19")
    assert not question_scope(question, REF).widened and question_scope(question, REF).to_dict()["note"] is None


def test_a_widened_scope_names_each_date_once() -> None:
    scope = TimeScope(phrase="this week", since="2026-11-22", until="2026-11-28").widen(["2026-11-19", None, "2026-11-19"])
    assert scope.note.endswith("; from 2026-11-19 and an article of unknown date")


@pytest.mark.parametrize(("published", "days"), [("2026-11-19", 3), ("2026-11-22", 0), ("2026-11-28", 0), ("2026-12-01", 3), (None, float("inf"))])
def test_days_outside_a_range(published: str | None, days: float) -> None:
    assert DateRange(since=date(2026, 11, 22), until=date(2026, 11, 30), as_of=REF).days_outside(published) == days


@pytest.mark.parametrize(
    ("since", "until", "as_of", "needle"),
    [("2021-09-01", "2021-08-01", None, "since 2021-09-01 is after until 2021-08-01"),
     ("2021-09-01", None, "2021-08-01", "since 2021-09-01 is after as_of 2021-08-01"),
     (date(2021, 9, 1), date(2021, 8, 31), "2021-12-01", "since 2021-09-01 is after until 2021-08-31")],
)
def test_since_after_until_is_a_one_line_error(since: object, until: object, as_of: object, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        date_range(since, until, as_of)
    assert needle in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("words", ["last week", "last month", "last year", "past year", "this week"])
def test_time_words_past_the_calendar_are_one_input_error(words: str) -> None:
    """Issue #29 R8: "last week" as of 0001-01-02 was an unexpected OverflowError."""
    from rag import InputError
    from rag._dates import question_scope

    with pytest.raises(InputError, match="outside the calendar") as caught:
        question_scope(f"How many troops {words}?", date(1, 1, 2))
    assert "\n" not in str(caught.value)
    assert question_scope(f"How many troops {words}?", date(2, 6, 1)).since is not None  # a year in: fine


# Published on a Wednesday: weekdays named in the article resolve around it as a reader of that day reads them.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next Monday", [("next Monday", "2021-08-16")]),
        ("next Wednesday", [("next Wednesday", "2021-08-18")]),  # "next" never means today
        ("by Wednesday", [("Wednesday", "2021-08-11")]),  # a deadline may be today
        ("by Friday", [("Friday", "2021-08-13")]),
        ("until Tuesday", [("Tuesday", "2021-08-17")]),
        ("this Friday", [("this Friday", "2021-08-13")]),  # later this week
        ("this Wednesday", [("this Wednesday", "2021-08-11")]),
        ("last Wednesday", [("last Wednesday", "2021-08-04")]),
        ("on Tuesday", [("Tuesday", "2021-08-10")]),  # a plain weekday is the latest one
        ("Monday, August 2, 2021 and on Friday", [("August 2, 2021", "2021-08-02"), ("Friday", "2021-08-06")]),
        ("8 July", [("8 July", "2021-07-08")]),
        ("they march 20 miles; on July 8 talks", [("July 8", "2021-07-08")]),  # "march" lower-case is a verb
        ("August 9, 2021 and July 8", [("August 9, 2021", "2021-08-09"), ("July 8", "2021-07-08")]),
        ("this past Monday", [("this past Monday", "2021-08-09")]),
        ("this past Wednesday", [("this past Wednesday", "2021-08-04")]),  # never the publication day itself
        ("today", [("today", "2021-08-11")]),
        ("tomorrow", [("tomorrow", "2021-08-12")]),
        ("yesterday", [("yesterday", "2021-08-10")]),
        ("next week", [("next week", "2021-08-16")]),
        ("last month", [("last month", "2021-07")]),
        ("this year", [("this year", "2021")]),
    ],
)
def test_dates_in_resolves_weekdays_and_day_months_around_the_publication_date(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(d.phrase, d.iso) for d in dates_in(text, "2021-08-11")] == expected


def test_dates_in_reads_a_publication_timestamp_as_its_day() -> None:
    assert [d.iso for d in dates_in("on Monday", "2021-08-11T10:00:00+00:00")] == ["2021-08-09"]


@pytest.mark.parametrize(
    ("published", "text", "expected"),
    [
        ("2021-12-20", "on January 3 talks", "2022-01-03"),  # next month is ahead, across the new year
        ("2021-02-05", "on January 3 talks", "2021-01-03"),
        ("2021-01-05", "on February 3 talks", "2021-02-03"),
        ("2021-05-05", "on June 3 talks", "2021-06-03"),
        ("2021-05-05", "on July 3 talks", "2020-07-03"),  # two months ahead: last year's
        ("2021-01-05", "on December 28 talks", "2020-12-28"),
    ],
)
def test_a_month_named_without_a_year_is_the_nearest_one(published: str, text: str, expected: str) -> None:
    assert [d.iso for d in dates_in(text, published)] == [expected]


@pytest.mark.parametrize(
    ("question", "since", "until"),
    [
        ("What happened yesterday?", "2026-11-24", "2026-11-24"),
        ("What was recalled in the past week?", "2026-11-18", "2026-11-25"),
        ("What was recalled in the past month?", "2026-10-26", "2026-11-25"),
        ("What was recalled in the past year?", "2025-11-25", "2026-11-25"),
        ("What was recalled last week?", "2026-11-12", "2026-11-22"),  # rolling start, calendar end
        ("What was recalled last month?", "2026-10-01", "2026-10-31"),
        ("What happened this month?", "2026-11-01", "2026-11-25"),
        ("What happened this year?", "2026-01-01", "2026-11-25"),
        ("What happened last year?", "2025-01-01", "2025-12-31"),
    ],
)
def test_relative_periods_asked_on_a_wednesday(question: str, since: str, until: str) -> None:
    scope = question_scope(question, date(2026, 11, 25))
    assert (scope.since, scope.until) == (since, until)
    assert scope.question.endswith("?") and scope.phrase.lower() not in scope.question.lower()


@pytest.mark.parametrize("today", [date(2026, 11, day) for day in range(23, 30)])  # Monday to Sunday
def test_last_week_covers_both_readings_on_every_weekday(today: date) -> None:
    """The seven days before this week's seven, and Monday to Sunday of the previous calendar week."""
    from datetime import timedelta

    scope = question_scope("What was recalled last week?", today)
    since, until = date.fromisoformat(scope.since or ""), date.fromisoformat(scope.until or "")
    monday = today - timedelta(days=today.weekday() + 7)
    assert since <= today - timedelta(days=13) and since <= monday
    assert until >= today - timedelta(days=7) and until >= monday + timedelta(days=6)
    assert until < today - timedelta(days=today.weekday())  # never this calendar week


def test_a_question_that_is_only_a_time_phrase_keeps_its_words() -> None:
    assert question_scope("this week?", date(2026, 11, 25)).question == "this week?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A dateline opens the first paragraph, so a first line of any length is read for one.
        ("PORT CITY, June 4, 2026 (Herald) - " + "The council met and voted. " * 12, "2026-06-04"),
        # Any other line that long is prose: a "Published" phrase inside it is not the publication line.
        ("Storm hits coast\nPublished: August 9, 2021 " + "and the storm hit the coast hard " * 6, None),
        ("Storm hits coast\nPublished: August 9, 2021, and the coast was hit", "2021-08-09"),
        # A line that is only a date, with a long weekday, a time and a zone, is the date line.
        ("Storm hits coast\nWednesday, 11 August 2021 09:15 BST\nThe storm hit.", "2021-08-11"),
        ("Storm hits coast\n(September 9, 2021)\nThe storm hit.", "2021-09-09"),
        ("Storm hits coast\nWednesday, September 29, 2021, 10:30 am EDT\nThe storm hit.", "2021-09-29"),
        ("Storm hits coast\nThursday 9 September 2021 at 10:30 BST\nThe storm hit.", "2021-09-09"),
        ("Storm hits coast\nWednesday, September 29, 2021 at 10:30 am CEST\nThe storm hit.", "2021-09-29"),
        # Weekdays and months as a page abbreviates them (The Guardian's "Wed 29 Sep 2021 10.30 BST").
        ("Storm hits coast\nWed 29 Sep 2021 10.30 BST\nThe storm hit.", "2021-09-29"),
        ("Storm hits coast\nThu 30 Sep 2021 08.00 BST\nThe storm hit.", "2021-09-30"),
        ("Storm hits coast\nTues 28 Sep 2021\nThe storm hit.", "2021-09-28"),
        ("Storm hits coast\nWed 29 Sep 2021 the storm hit\nMore.", None),
        # An "Updated … ago" beside it is the page's clock, not prose.
        ("Storm hits coast\nSeptember 29, 2021 / 10:30 AM / Updated 2 hours ago\nThe storm hit.", "2021-09-29"),
        ("Storm hits coast\nSeptember 29, 2021 / 10:30 AM / Updated 12 minutes ago\nThe storm hit.", "2021-09-29"),
        ("Storm hits coast\nSeptember 29, 2021 / Updated an hour ago\nThe storm hit.", "2021-09-29"),
        # Short words after it make it a fragment of prose, however short each word.
        ("Storm hits coast\nWednesday, September 29, 2021 at 10:30 am CEST as it is in my\nMore.", None),
        # A short line with a date and a few more words is a sentence, not a date line.
        ("Storm hits coast\nStorms hit Wales on 9 August 2021\nThe storm hit.", None),
        ("Storm hits coast\nRescue crews arrived August 9, 2021\nThe storm hit.", None),
        # Only the first six non-empty lines are looked at.
        ("Storm\n" + "A line of text.\n" * 5 + "Published: August 9, 2021\nMore.", None),
        ("Storm\n" + "A line of text.\n" * 4 + "Published: August 9, 2021\nMore.", "2021-08-09"),
    ],
)
def test_text_date_limits(text: str, expected: str | None) -> None:
    assert text_date(text) == expected


@pytest.mark.parametrize(
    ("sentence", "dateline"),
    [
        ("PORT CITY, June 4, 2026 (Herald) – The council voted.", "PORT CITY, June 4, 2026 (Herald) – "),
        ("PORT CITY, June 4 - The council voted.", "PORT CITY, June 4 - "),
        ("Washington, Aug. 9, 2021 — Lawmakers met.", "Washington, Aug. 9, 2021 — "),
        # A place and a dash without a date is not a dateline: nothing is cut.
        ("Paris, the capital - and its suburbs - voted.", ""),
        ("The council voted on June 4.", ""),
    ],
)
def test_dateline_end_is_where_the_story_starts(sentence: str, dateline: str) -> None:
    from rag._dates import dateline_end

    assert sentence[: dateline_end(sentence)] == dateline


def test_a_range_narrowed_keeps_the_later_start_the_earlier_end_and_its_settings() -> None:
    year = DateRange(since=date(2024, 1, 1), until=date(2024, 12, 31), as_of=date(2025, 2, 1), include_undated=True)
    assert year.narrowed(date(2024, 3, 1), None) == DateRange(date(2024, 3, 1), date(2024, 12, 31), date(2025, 2, 1), True)
    assert year.narrowed(date(2023, 3, 1), date(2024, 6, 30)) == DateRange(date(2024, 1, 1), date(2024, 6, 30), date(2025, 2, 1), True)
    assert year.narrowed(None, None) == year
    open_range = DateRange()
    assert open_range.narrowed(None, date(2024, 6, 30)) == DateRange(None, date(2024, 6, 30))
    assert open_range.narrowed(date(2024, 3, 1), None) == DateRange(date(2024, 3, 1), None)


def test_two_time_phrases_both_bound_the_range_and_leave_the_question() -> None:
    scope = question_scope("Who led since 2019 the company before 2021?", REF)
    assert (scope.since, scope.until) == ("2019-01-01", "2020-12-31")
    assert scope.question == "Who led the company?"  # each phrase cut where it stood


def test_a_long_line_before_the_date_line_is_passed_over() -> None:
    text = "Storm hits coast\n" + "The storm hit the coast and flooded the streets of the town. " * 4 + "\nPublished: 2021-08-09\nMore."
    assert text_date(text) == "2021-08-09"


@pytest.mark.parametrize(
    ("words", "sentence", "full"),
    [
        ("July", "It was released on July 21, 2017, to good reviews.", "July 21, 2017"),
        ("slated for July", "It came out on 21 July 2017.", "21 July 2017"),
        ("Thursday, Nov. 12", "The season premieres Nov 12, 2020 on ABC.", "Nov 12, 2020"),
        ("19th October", "The event was held on October 19, 2021.", "October 19, 2021"),
        ("August 2021", "Google announced it on August 17, 2021.", "August 17, 2021"),
        ("December 1963", "Kenya became independent on 12 December 1963.", "12 December 1963"),
        ("July 22", "It was released on July 21, 2017.", None),  # another day
        ("July 2016", "It was released on July 21, 2017.", None),  # another year
        ("June", "It was released on July 21, 2017.", None),  # another month
        ("July 21, 2017", "It was released on July 21, 2017.", None),  # already whole
        ("2017", "It was released on July 21, 2017.", None),  # a year alone names no month to complete
        ("may be late", "It was released on May 21, 2017.", None),  # "may" is a verb
        ("July", "It will be released in July 2017.", None),  # no day: not whole either
    ],
)
def test_fuller_date(words: str, sentence: str, full: str | None) -> None:
    found = fuller_date(words, sentence)
    assert (sentence[found[0] : found[1]] if found else None) == full


def test_a_date_given_in_part_is_answered_with_the_whole_date(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the rule the short answer was "July", from the preview the reader ranks first."""
    articles = {
        "preview": "Nintendo says the Skyward Racer 2 release date is slated for July. The sequel adds online races.",
        "review": ("Skyward Racer 2 review: a faster, fuller sequel. It was released on July 21, 2017, for the Switch. "
                   "Critics praised its tracks."),
    }
    assistant = written(tmp_path, embedder, articles, topic="Skyward Racer 2", published="2017-08-01")
    answer = assistant.ask("What is the release date of Skyward Racer 2?")
    assert not answer.refused and answer.short_answer == "July 21, 2017"
    assert "released on July 21, 2017" in answer.citations[0].quote


@pytest.mark.parametrize(
    ("question", "read", "outside"),
    [
        ("What was inflation in October?", "What was inflation?", "What was inflation in October?"),
        # a year is not: read again, it would refuse the nearest year's report ("No article from 2024; from 2023: …")
        ("Who won the election in 2021?", "Who won the election?", "Who won the election?"),
        ("What was inflation in October 2026?", "What was inflation?", "What was inflation?"),
        # "last month" in an article is that article's month: never read outside the range
        ("How much did sales fall last month?", "How much did sales fall?", "How much did sales fall?"),
        ("What was recalled this week in May?", "What was recalled?", "What was recalled in May?"),
    ],
)
def test_outside_its_range_a_question_keeps_the_month_or_year_it_names(question: str, read: str, outside: str) -> None:
    scope = question_scope(question, date(2026, 11, 20))
    assert (scope.question, scope.outside) == (read, outside)
