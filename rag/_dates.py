"""Dates: an article's publication date, dates inside its sentences, and a question's time scope.

Three jobs, all rule-based and offline:

- :func:`parse_date` reads one date as metadata writes it (ISO 8601,
  RFC 2822, "August 9, 2021", "9 Aug 2021", PDF's ``D:20210809…``, a URL's
  ``/2021/08/09/``) into an ISO ``YYYY-MM-DD`` string; :func:`text_date`
  finds a dateline or a "Published …" line near the top of a text.
- :func:`dates_in` finds the dates a sentence mentions and resolves the
  relative ones ("last Thursday", "Monday", "this month") against the
  article's publication date, for citations and timelines.
- :func:`question_scope` turns time words of a question ("latest", "in
  2021", "last year", "since March 2020") into a :class:`TimeScope`: a date
  range and a recency preference, resolved against ``as_of`` or today, as
  news readers mean them: "this week" is the seven days up to that date,
  "last week" the seven before and the previous calendar week, and a year
  after it is the event's ("will open in 2024"), not a filter.

Trade-offs: rules, not a learned tagger. A bare weekday ("the ministry
announced Monday") is taken as the latest such day on or before
publication, as news writes of the past; a bare month as the latest such
month on or before it. Dates a rule does not know ("the day after the
election") are left alone rather than guessed. The file's modification
time is never a publication date: a copied folder would date every article
to the copy.

Example:
    >>> parse_date("Mon, 09 Aug 2021 10:00:00 GMT")
    '2021-08-09'
    >>> [(d.phrase, d.iso) for d in dates_in("It was announced last Thursday.", "2021-08-03")]
    [('last Thursday', '2021-07-29')]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ._exceptions import InputError
from ._types import MentionedDate, TimeScope

__all__ = [
    "MONTH_WORDS",
    "DateRange",
    "dateline_end",
    "dateline_outlet",
    "dates_in",
    "fuller_date",
    "parse_date",
    "question_scope",
    "text_date",
    "to_date",
    "url_date",
]

_MONTH_NAMES = (  # each month's full name first, then its abbreviations
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names}
_WEEKDAYS = {name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
# Every month's name and abbreviation, longest first, as a regular-expression alternation (short answers' dates).
MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH = r"(?P<month>" + MONTH_WORDS + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# A day of a month either way round: "March 5", "5 March", "5th of March".
_MONTH_AND_DAY = (r"(?:" + _MONTH + r"\s+" + _DAY + r"|" + _DAY.replace("day>", "day2>") + r"\s+(?:of\s+)?"
                  + _MONTH.replace("month>", "month2>") + r")")

_ISO = re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)(?![\d])")
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"(?<![\d/.])(?P<first>[0-3]?\d)[/.](?P<second>[0-3]?\d)[/.](?P<year>(?:19|20)\d\d)(?![\d])")
_COMPACT = re.compile(r"(?:D:)?(?P<year>(?:19|20)\d\d)(?P<month>[01]\d)(?P<day>[0-3]\d)")
_SLASHED = re.compile(r"(?P<year>(?:19|20)\d\d)[/.](?P<month>[01]?\d)[/.](?P<day>[0-3]?\d)(?![\d])")
_MDY = re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.IGNORECASE)
_DMY = re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b", re.IGNORECASE)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_of(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def parse_date(value: Any) -> str | None:
    """The ISO date (``YYYY-MM-DD``) a metadata value names, or ``None``.

    Accepts ``date``/``datetime`` objects and strings in the common metadata
    forms; a string holding no full date (day, month and year) is ``None``.

    Example:
        >>> parse_date("2021-08-09T14:30:00+03:00"), parse_date("9 August 2021"), parse_date("soon")
        ('2021-08-09', '2021-08-09', None)
        >>> parse_date("17/06/2022"), parse_date("06/17/2022"), parse_date("05/02/2024")  # the last: which is the day?
        ('2022-06-17', '2022-06-17', None)
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in (_ISO, _SLASHED, _MDY, _DMY):
        found = pattern.search(text)
        if found:
            month = found.group("month")
            parsed = _valid(int(found.group("year")), int(month) if month.isdigit() else _month_of(month), int(found.group("day")))
            if parsed:
                return parsed.isoformat()
    found = _COMPACT.match(text)
    if found:
        parsed = _valid(int(found.group("year")), int(found.group("month")), int(found.group("day")))
        if parsed:
            return parsed.isoformat()
    found = _DAY_FIRST_OR_MONTH_FIRST.search(text)
    if found:
        # "17/06/2022" or "06/17/2022": only a figure over 12 tells the day from the month ("05/02/2024" is
        # May 2 in the US and 5 February elsewhere, so it names no day here)
        first, second, year = int(found.group("first")), int(found.group("second")), int(found.group("year"))
        day_month = (first, second) if first > 12 >= second else (second, first) if second > 12 >= first else None
        parsed = _valid(year, day_month[1], day_month[0]) if day_month else None
        if parsed:
            return parsed.isoformat()
    return None


_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)[/-](?P<month>[01]?\d)[/-](?P<day>[0-3]?\d)(?:/|-|$)")


def url_date(url: str | None) -> str | None:
    """The date in a news URL's path (``/2021/08/09/``), or ``None``."""
    found = _URL_DATE.search(url or "")
    if not found:
        return None
    parsed = _valid(int(found.group("year")), int(found.group("month")), int(found.group("day")))
    return parsed.isoformat() if parsed else None


_PUBLISHED_LINE = re.compile(
    r"^\s*(?:\(?(?:published|posted|first published|updated|last updated|date|dated|publication date|"
    r"date published|release date)\b[^\n]{0,12}?[:\-–—]?\s*|"
    r"(?:by|source:?)\s+[^\n|•·]{2,60}[|•·,]\s*)(?P<rest>[^\n]{6,80})$",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Za-z .'-]{1,40},\s+(?P<rest>[^\n]{3,40}?)\s*(?:\((?P<outlet>[A-Z][\w .&'-]{1,30})\))?\s*[-–—]\s"
)


def _dateline_date(rest: str) -> bool:
    """Whether a dateline's date part is a date, with or without its year ("Aug. 9, 2021", "Aug. 9")."""
    rest = rest.strip(" ,")
    return bool(parse_date(rest)) or bool(re.fullmatch(r"(?i)" + _MONTH + r"\s+" + _DAY, rest))


def _head(text: str, lines: int) -> list[str]:
    """The first ``lines`` non-empty lines of a text: where a dateline or a byline stands."""
    return [line for line in text.splitlines()[: lines * 3] if line.strip()][:lines]


def dateline_end(sentence: str) -> int:
    """Where a wire dateline opening ``sentence`` ends ("PORT CITY, June 4, 2026 (Herald) –"), else 0."""
    found = _DATELINE.match(sentence[:120])
    return found.end() if found and _dateline_date(found.group("rest")) else 0


def dateline_outlet(text: str, *, lines: int = 6) -> str | None:
    """The outlet a wire dateline names ("MOSCOW, Aug. 9, 2021 (Reuters) –" gives "Reuters"), or ``None``."""
    for line in _head(text, lines):
        found = _DATELINE.match(line[:120])
        if found and found.group("outlet") and _dateline_date(found.group("rest")):
            return found.group("outlet").strip()
    return None


# The words a line that is only a date may hold besides its figures: month and weekday names, short or
# long, and a time's "am", "pm" and zone ("GMT", "UTC", "BST", "CEST").
_DATE_LINE_WORDS = re.compile(
    r"(?i)\b(?:" + "|".join(_MONTHS) + "|" + "|".join(_WEEKDAYS)
    + r"|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun|am|pm|gmt|utc|[a-z]{2,4}t)\b")
# A page's "Updated 2 hours ago" beside the date it was published (the date is the publication's).
_UPDATED_AGO = re.compile(r"(?i)\bupdated\s+(?:an?|\d+)\s+(?:minute|hour|day)s?\s+ago\b")
# The most letters a line that is only a date holds: the longest weekday and month, "at", "am" and a
# four-letter zone ("Wednesday, September 29, 2021 at 10:30 am CEST").
_DATE_LINE_LETTERS = len("wednesday" "september" "at" "am" "cest")


def text_date(text: str, *, lines: int = 6) -> str | None:
    """A publication date written near the top of a text, or ``None``.

    Looks at the first ``lines`` non-empty lines for a "Published …" /
    "Updated …" / "By … | date" line, a dateline ("MOSCOW, Aug. 9, 2021
    (Reuters) –") or a line that is only a date. A date inside ordinary
    prose is not a publication date and is not taken.

    Example:
        >>> text_date("Storm hits coast\\nPublished: August 9, 2021\\nThe storm ...")
        '2021-08-09'
    """
    for line in _head(text, lines):
        found = _DATELINE.match(line[:120])  # a dateline opens the first paragraph, however long
        if found:
            parsed = parse_date(found.group("rest"))
            if parsed:
                return parsed
        if len(line) > 200:
            continue
        found = _PUBLISHED_LINE.match(line)
        if found:
            parsed = parse_date(found.group("rest"))
            if parsed:
                return parsed
        stripped = _UPDATED_AGO.sub("", line).strip(" \t()[]|•·/")
        parsed = parse_date(stripped)
        if parsed and len(re.sub(r"[\W\d_]+", "", stripped)) <= _DATE_LINE_LETTERS:
            # only a date (perhaps with a weekday and a time): "Monday, 9 August 2021 14:30", "Wed 29 Sep 2021 10.30 BST"
            if not re.search(r"[A-Za-z]{3,}", _DATE_LINE_WORDS.sub("", stripped)):
                return parsed
    return None


def to_date(value: Any, what: str) -> date | None:
    """A user-given date (ISO ``YYYY-MM-DD`` string or ``date``) as a ``date``; ``None`` stays ``None``.

    Raises:
        InputError: Anything else, in one line naming ``what`` and the format.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        found = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", value)
        if found:
            parsed = _valid(int(found.group(1)), int(found.group(2)), int(found.group(3)))
            if parsed:
                return parsed
        raise InputError(f"{what} {value!r} is not a date: use YYYY-MM-DD, e.g. 2021-08-01")
    raise InputError(f"{what} must be a date, got {type(value).__name__}: pass 'YYYY-MM-DD' or a datetime.date")


@dataclass(frozen=True)
class DateRange:
    """Which publication dates a question may draw on.

    ``as_of`` also caps the range: an article published after it does not
    exist yet for a reader on that date. Articles of unknown date are kept
    only when ``include_undated`` (or when no bound is set).

    Example:
        >>> DateRange(since=date(2021, 8, 1)).allows("2021-08-09"), DateRange(since=date(2021, 8, 1)).allows(None)
        (True, False)
    """

    since: date | None = None
    until: date | None = None
    as_of: date | None = None
    include_undated: bool = False

    @property
    def bounded(self) -> bool:
        return any(d is not None for d in (self.since, self.until, self.as_of))

    @property
    def last(self) -> date | None:
        """The latest date allowed (``until`` or ``as_of``, whichever is earlier)."""
        bounds = [d for d in (self.until, self.as_of) if d is not None]
        return min(bounds) if bounds else None

    def allows(self, published: str | None) -> bool:
        """Whether an article published on ``published`` (ISO, or ``None`` if unknown) is in range."""
        if not self.bounded:
            return True
        if not published:
            return self.include_undated
        day = date.fromisoformat(published[:10])
        last = self.last
        return (self.since is None or day >= self.since) and (last is None or day <= last)

    def days_outside(self, published: str | None) -> float:
        """How many days ``published`` lies outside this range: 0 inside it, infinite when unknown.

        Example:
            >>> DateRange(since=date(2024, 5, 6), until=date(2024, 5, 12)).days_outside("2024-05-02")
            4
        """
        if not published:
            return math.inf
        day, last = date.fromisoformat(published[:10]), self.last
        if self.since is not None and day < self.since:
            return (self.since - day).days
        return (day - last).days if last is not None and day > last else 0

    def narrowed(self, since: date | None, until: date | None) -> DateRange:
        """This range intersected with ``[since, until]``."""
        new_since = max((d for d in (self.since, since) if d is not None), default=None)
        new_until = min((d for d in (self.until, until) if d is not None), default=None)
        return DateRange(new_since, new_until, self.as_of, self.include_undated)


_RECENT = re.compile(
    r"\b(?:latest|most recent(?:ly)?|newest|recently|lately|currently|current|now|so far|to date|as of now|still|"
    r"this (?:morning|afternoon|evening)|overnight|tonight|today)\b", re.I)  # "today" prefers the newest report: a one-day filter would leave most archives empty
_OLDEST = re.compile(r"\b(?:first|earliest|originally|initially|at first|oldest)\b", re.I)
_MONTH_OR_YEAR = r"(?:(?P<month>" + "|".join(_MONTHS) + r")\.?\s+)?(?P<year>(?:19|20)\d\d)\b"
_BETWEEN = re.compile(r"\b(?:from|between)\s+(?P<first>(?:19|20)\d\d)\s+(?:to|and|until|-|–)\s+(?P<last>(?:19|20)\d\d)\b", re.I)
_IN_YEAR = re.compile(r"\b(?:in|during|throughout)\s+(?:the\s+year\s+)?(?:(?P<month>" + "|".join(_MONTHS) + r")\.?\s+)?(?P<year>(?:19|20)\d\d)\b", re.I)
_SINCE = re.compile(r"\b(?:since|from)\s+(?:(?P<month>" + "|".join(_MONTHS) + r")\.?\s+)?(?P<year>(?:19|20)\d\d)\b", re.I)
_SINCE_MONTH = re.compile(r"\bsince\s+(?:(?:early|mid|late)[\s-]+)?(?P<month>" + "|".join(names[0] for names in _MONTH_NAMES)
                          + r")\b(?!,?\s*\d)", re.I)
_AFTER = re.compile(r"\b(?:after)\s+" + _MONTH_OR_YEAR, re.I)
_BEFORE = re.compile(r"\b(?:before|until|till|prior to|up to)\s+(?:(?P<month>" + "|".join(_MONTHS) + r")\.?\s+)?(?P<year>(?:19|20)\d\d)\b", re.I)
# How many a question's count word stands for ("the past few days", "two weeks ago").
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "couple": 2, "couple of": 2, "few": 3, "several": 5,
           "a couple": 2, "a couple of": 2, "a few": 3}  # "a few days ago": the "a" is the count's own
_COUNT = r"(?P<count>\d{1,3}|" + "|".join(sorted(_COUNTS, key=len, reverse=True)) + r")"
# A month named without a year or a day ("in March", "during early June"): this year's, when it has begun.
_IN_MONTH = re.compile(r"\b(?:in|during|throughout)\s+(?:(?:early|mid|late)[\s-]+)?(?P<month>"
                       + "|".join(names[0] for names in _MONTH_NAMES)
                       + r")\b(?!,?\s*\d)", re.I)
_RELATIVE_SPAN = re.compile(
    r"(?:\b(?:in|during|over)\s+)?(?P<the>\bthe\s+)?(?:\b(?:earlier|late|early)\s+(?=this\b|last\b))?"
    r"\b(?P<which>this\s+past|this|last|past|previous)\s+(?P<unit>week|month|year)\b(?!\s+of\b)"
    r"|\bthe\s+(?P<day_before>day\s+before\s+yesterday)\b"
    r"|\b(?P<day>yesterday|(?<!the )last night)\b"  # not "the last night of the festival"
    r"|(?:\b(?:in|during|over|within)\s+)?\bthe\s+(?:past|last)\s+" + _COUNT + r"\s+(?P<span_unit>hours?|days?|weeks?|months?|years?)\b"
    r"|\b" + _COUNT.replace("count>", "ago_count>") + r"\s+(?P<ago_unit>days?|weeks?|months?|years?)\s+ago\b"
    r"|(?:\b(?:over|during|on|at)\s+)?\b(?P<weekend>this past|this|last|the)\s+weekend\b"
    r"|\b(?:in|during|over)\s+(?:the\s+)?recent\s+(?P<recent_unit>days|weeks|months)\b",
    re.I)
# A season, as the northern hemisphere's news counts them: spring from March, summer from June, fall from
# September, winter from December, three months each.
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
_SEASON = re.compile(r"(?:\b(?:in|during|over)\s+)?(?:\bthe\s+)?\b(?P<which>this\s+past|this|last|past)\s+"
                     r"(?P<season>" + "|".join(_SEASONS) + r")\b", re.I)
# How long after its end "this summer" still names the season just past, not the coming one.
_SEASON_PAST_DAYS = 92


# A day the question names: a weekday ("on Thursday", "last Friday", "Sunday's final", "what did she say
# Tuesday") or a month's day ("on March 5", "on 5 March 2021"). A weekday is the latest one by the date
# asked, and its news is what was published from it to that date (at most a week); a month's day (the
# latest such day when it has no year) is reported within the week after it.
_ASKED_WEEKDAY = re.compile(
    r"(?:\b(?P<mod>on|last|this past|since)\s+)?\b(?P<weekday>" + "|".join(_WEEKDAYS) + r")(?:['’]s)?\b(?!-)", re.I)
_ASKED_DAY = re.compile(
    r"\b(?P<mod>on|since)\s+(?:(?:" + "|".join(_WEEKDAYS) + r"),?\s+)?" + _MONTH_AND_DAY
    + r"(?![a-z])(?:,?\s+" + _YEAR + r"\b|(?!,?\s*\d))", re.I)  # "on 17 July 1505": no
# Words that put the day ahead, the event's time rather than its reports' ("What will the Fed decide on
# Wednesday?"), and words that make a weekday a habit or a name ("every Sunday", "Black Friday").
_TO_COME = re.compile(r"\b(?:will|won['’]t|going to|next|scheduled|expected to|upcoming|set to|until)\b", re.I)
_NOT_A_DAY = re.compile(r"\b(?:every|each|on|a|one|the|black|cyber|good|ash|palm|easter|super|bloody|holy|"
                        r"giving|small business|shrove|maundy)\s*$", re.I)
# What may follow a bare weekday that is a day asked: the question's end, or a preposition, conjunction or part
# of the day ("What did she say Tuesday about taxes?", "Monday night").
_AFTER_A_DAY = ("about|after|against|amid|and|as|at|before|by|during|for|from|in|into|morning|afternoon|evening|"
                "night|of|on|over|that|to|when|while|with|despite|following")
REPORTED_DAYS = 7  # a named day's news: that day's articles and the next week's


def _asked_day(question: str, today: date) -> tuple[re.Match[str], _Span] | None:
    """The day a question asks about and the reports of it ("on Thursday": from that Thursday to ``today``).

    ``None`` when it names none, or a day still to come (the event's time).

    Example:
        >>> found, (first, last) = _asked_day("Where did the Nikkei close on Thursday?", date(2011, 3, 19))
        >>> found.group(0), str(first), str(last)
        ('on Thursday', '2011-03-17', '2011-03-19')
    """
    if _TO_COME.search(question):
        return None
    named = _ASKED_DAY.search(question)
    if named:
        month = _month_of(named.group("month") or named.group("month2"))
        day = int(named.group("day") or named.group("day2"))
        year = int(named.group("year")) if named.group("year") else today.year
        first = _valid(year, month, day)
        if first is not None and first > today and not named.group("year"):
            first = _valid(year - 1, month, day)  # "on December 30" asked in January: last year's
        if first is None or first > today:
            return None
        last = today if named.group("mod").lower() == "since" else min(today, first + timedelta(days=REPORTED_DAYS))
        return named, (first, last)
    for found in _ASKED_WEEKDAY.finditer(question):
        mod = " ".join((found.group("mod") or "").lower().split())
        before = question[: found.start()]
        after = question[found.end():]
        if not mod and (_NOT_A_DAY.search(before) or re.search(r"[A-Z][\w'’-]*\s+$", before)):
            continue  # "Black Friday", "Super Bowl Sunday", "every Monday", a name before it
        if re.match(r"\s+(?:[A-Z]|(?:morning|afternoon|evening|night)s\b)", after):
            continue  # a name ("Sunday Night Football") or a habit ("on Saturday afternoons")
        if not mod and not found.group(0).endswith("s") and not re.match(r"\s*(?:$|[^\w\s]|(?:" + _AFTER_A_DAY + r")\b)", after):
            continue  # a weekday before a noun is a kind of thing ("the new Wednesday lineup"), not a day
        return found, (_latest_weekday(today, _WEEKDAYS[found.group("weekday").lower()], strictly_before=mod == "last"), today)
    return None


def _month_range(year: int, month: int | None) -> tuple[date, date]:
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


_Span = tuple[date | None, date | None]


def _a_month(word: str) -> bool:
    """Whether a month's name found alone is the month: "may" and "march" are words too, months only capitalised."""
    return word[0].isupper() or word.lower() not in ("may", "march")


def _named_periods(question: str, today: date) -> list[tuple[re.Match[str], _Span]]:
    """The publication ranges named years or months set ("in 2021", "since March 2020"), each with its words.

    A period that begins after ``today`` (or, for "after 2026", whose range
    does) is left out: it is the event's time, not the reports' ("Where will
    the plant open in 2024?" asked in 2023), and as a filter it would leave
    no article that could exist yet.
    """
    between = _BETWEEN.search(question)
    if between:
        first = date(int(between.group("first")), 1, 1)
        return [] if first > today else [(between, (first, date(int(between.group("last")), 12, 31)))]
    periods = []
    month_alone = _IN_MONTH.search(question)
    if month_alone and _a_month(month_alone.group("month")):
        month = _month_of(month_alone.group("month"))
        if month <= today.month:  # a month still to come this year is the event's ("will open in December")
            periods.append((month_alone, _month_range(today.year, month)))
    since_month = _SINCE_MONTH.search(question)
    if since_month and not _SINCE.search(question) and _a_month(since_month.group("month")):
        # "since January": the latest January that has begun (this year's, or last year's asked before it)
        month = _month_of(since_month.group("month"))
        periods.append((since_month, (date(today.year - (month > today.month), month, 1), None)))
    for pattern in (_IN_YEAR, _SINCE, _AFTER, _BEFORE):
        found = pattern.search(question)
        if not found:
            continue
        month = _month_of(found.group("month")) if found.group("month") else None
        named, last = _month_range(int(found.group("year")), month)
        span: _Span = {_IN_YEAR: (named, last), _SINCE: (named, None), _AFTER: (last + timedelta(days=1), None),
                       _BEFORE: (None, named - timedelta(days=1))}[pattern]
        if (span[0] or named) <= today:
            periods.append((found, span))
    return periods


def _count(word: str) -> int:
    """The number a count word of a question stands for ("48", "two", "a couple of")."""
    return int(word) if word.isdigit() else _COUNTS[" ".join(word.lower().split())]


def _days_ago(count: str, unit: str) -> int:
    """How many days back "``count`` ``unit`` ago" is ("three days", "two weeks", "a month": 3, 14, 30)."""
    return _count(count) * {"d": 1, "w": 7, "m": 30, "y": 365}[unit.lower()[0]]


# How far either side of the day "… ago" names a report may lie: a day's is that day and the next (its
# reports), a week's ±3 days, a month's ±7, a year's ±15 ("a year ago" is that time of year, not one day).
_AGO_SLACK = {"d": 0, "w": 3, "m": 7, "y": 15}


def _relative_period(found: re.Match[str], today: date) -> _Span | None:
    """The range of "this week", "last month", "past year", "yesterday", counted back from ``today``.

    Also "last night" (yesterday and today), "the past 48 hours" / "the last
    few days" / "the past two weeks" (rolling, up to ``today``), "three days
    ago" (that day and the next, when it is reported), "two weeks ago" (that
    day ±3), and "the weekend" / "last weekend" (the latest Saturday to the
    Monday after it). ``None`` when the words name a time still to come:
    "this weekend" asked Tuesday to Friday.

    A week is read both ways news readers mean it: "this week" is the seven
    days up to ``today`` (which holds the calendar week to date), and "last
    week" both the seven days before those and the previous calendar week,
    Monday to Sunday: on a Monday, last Friday is "last week" (the rolling
    reading alone would call it "this week"). Months and years are the
    calendar's ("this month" is the month to date).

    Example:
        >>> s = question_scope("What was recalled last week?", date(2026, 11, 30))  # a Monday
        >>> s.since, s.until
        ('2026-11-17', '2026-11-29')
    """
    if found.group("day_before"):  # two days back, and the next day (its reports), as "two days ago"
        return today - timedelta(days=2), today - timedelta(days=1)
    if found.group("day"):  # yesterday; last night's news is reported today or was yesterday evening
        return today - timedelta(days=1), today - timedelta(days=found.group("day").lower() == "yesterday")
    if found.group("span_unit"):  # "the past 48 hours", "the last few days", "the past two weeks": rolling, to today
        count, unit = _count(found.group("count")), found.group("span_unit").lower().rstrip("s")
        days = {"hour": -(-count // 24), "day": count, "week": 7 * count, "month": 30 * count, "year": 365 * count}[unit]
        return today - timedelta(days=days), today
    if found.group("ago_unit"):  # "three days ago": that day and the next (its reports); weeks, months, years: ± slack
        back = _days_ago(found.group("ago_count"), found.group("ago_unit"))
        days = found.group("ago_unit").lower().startswith("day")
        slack = _AGO_SLACK[found.group("ago_unit").lower()[0]]
        return today - timedelta(days=back + slack), min(today, today - timedelta(days=back - slack - days))
    if found.group("recent_unit"):  # "in recent days / weeks / months": rolling, like "the past week / month / six months"
        return today - timedelta(days={"days": 7, "weeks": 30, "months": 182}[found.group("recent_unit").lower()]), today
    if found.group("weekend"):
        # The latest Saturday and Sunday, and the Monday after them, when weekend news is reported; "last
        # weekend" asked during a weekend is the one before. "This weekend" asked Tuesday to Friday is the
        # coming one, an event's time: no range.
        which = found.group("weekend").lower()
        if which == "this" and 1 <= today.weekday() <= 4:
            return None
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        if which == "last" and today.weekday() >= 5:
            saturday -= timedelta(days=7)
        return saturday, min(today, saturday + timedelta(days=2))
    unit, which = found.group("unit").lower(), " ".join(found.group("which").lower().split())
    if which == "last" and found.group("the"):  # "in the last week" is the past seven days, as "in the past week"
        which = "past"
    if which in ("past", "this past"):  # the last 7, 30 or 365 days, to the day
        return today - timedelta(days={"week": 7, "month": 30, "year": 365}[unit]), today
    if unit == "week":
        if which == "this":
            return today - timedelta(days=6), today
        # Both readings at once: the rolling seven days before this week's (13 to 7 days back), and
        # Monday to Sunday of the calendar week before this one. The rolling reading always starts
        # first (that Monday is at most 13 days back) and the calendar one always ends last (that
        # Sunday is at least 7 days back), so together they run from 13 days back to last Sunday;
        # asked on a Sunday, the two are the same week.
        last_sunday = today - timedelta(days=today.weekday() + 1)
        return today - timedelta(days=13), last_sunday
    if unit == "month":
        # "Last month" stays the calendar month. Its figures, reported early in this one, are
        # what the nearest-article fallback answers from when nothing in the month does; reaching
        # into this month would also take in this month's own news.
        previous = today.replace(day=1) - timedelta(days=1)
        return (today.replace(day=1), today) if which == "this" else _month_range(previous.year, previous.month)
    return (date(today.year, 1, 1), today) if which == "this" else _month_range(today.year - 1, None)


def _season_period(found: re.Match[str], today: date) -> _Span | None:
    """The range of "this summer", "last winter", "this past fall", counted from ``today``.

    "This" season is the one under way (to ``today``), or the one just
    past; asked more than :data:`_SEASON_PAST_DAYS` after it ended ("this
    summer" asked in March) it is the coming one, an event's time: ``None``.
    "Last" (and "this past") season is the latest one that has ended.

    Example:
        >>> [str(d) for d in _season_period(_SEASON.search("last winter"), date(2024, 5, 15))]
        ['2023-12-01', '2024-02-29']
    """
    month = _SEASONS[found.group("season").lower()]
    start, end = _season_range(today.year - (month > today.month), month)  # the latest that has begun
    which = " ".join(found.group("which").lower().split())
    if which == "this":
        if today <= end:
            return start, today
        return (start, end) if (today - end).days <= _SEASON_PAST_DAYS else None
    if today <= end:  # under way: "last summer" is the year before's
        return _season_range(start.year - 1, month)
    return start, end


def _season_range(year: int, month: int) -> tuple[date, date]:
    """The three months from ``month`` of ``year`` (winter runs into the next year)."""
    last = month + 2
    return date(year, month, 1), _month_range(year + (last > 12), (last - 1) % 12 + 1)[1]


def _preference(question: str) -> tuple[str, str]:
    """``("newest", "latest")``, ``("oldest", "first")`` or ``("", "")``: which report a question wants first, and its word."""
    recent, oldest = _RECENT.search(question), _OLDEST.search(question)
    if recent and not oldest:
        return "newest", recent.group(0)  # its words stay in what is read: "the latest on the drill" needs "latest"
    if oldest and not recent and re.search(r"\b(?:first|earliest|initially|originally)\s+(?:report|reported|said|announced|claimed|estimated|count|figure|toll)", question, re.I):
        return "oldest", oldest.group(0)  # "first reported": the earliest account, not "the first person to…"
    return "", ""


def question_scope(question: str, reference: date | None = None) -> TimeScope:
    """The time scope a question's words set, resolved against ``reference`` (default today).

    A year or month that begins after ``reference`` is the event's ("Where
    will the plant open in 2024?" asked in 2023): it sets no range and its
    words stay in the question.

    Example:
        >>> question_scope("Who won the election in 2021?").since
        '2021-01-01'
        >>> question_scope("What is the latest death toll?").prefer
        'newest'
        >>> s = question_scope("What was recalled this week?", date(2026, 11, 28))
        >>> s.since, s.until, s.question
        ('2026-11-22', '2026-11-28', 'What was recalled?')
        >>> bool(question_scope("Where will the plant open in 2024?", date(2023, 5, 1)))  # the event's year
        False
    """
    today = reference or date.today()
    phrases: list[str] = []
    spans: list[tuple[int, int]] = []
    named: list[tuple[int, int]] = []  # the spans of a month named without a year: articles name it too
    since: date | None = None
    until: date | None = None
    day: date | None = None
    try:
        for found, (first, last) in _named_periods(question, today):  # "since 2019 … before 2021": both bounds
            since, until = first or since, last or until
            phrases.append(found.group(0).strip())
            spans.append(found.span())
            if not re.search(r"\d", found.group(0)):  # a month alone; a year read again refuses another year's report
                named.append(found.span())
        relative = _RELATIVE_SPAN.search(question)
        period = _relative_period(relative, today) if relative else None
        if relative and period:  # None: the words name an event's coming time ("this weekend" on a Wednesday)
            since, until = period
            phrases.append(relative.group(0))
            spans.append(relative.span())
        season = _SEASON.search(question)
        period = _season_period(season, today) if season and since is None and until is None else None
        if season and period:
            since, until = period
            phrases.append(season.group(0))
            spans.append(season.span())
        # A day narrows a week that holds it: "Thursday last week" is the latest Thursday in last week (in a
        # month or a year, "on Monday" is no one day). Its words stay in what is searched, since articles
        # name the day too ("fell 1.4% Thursday").
        week = since is None and until is None or since is not None and until is not None and (until - since).days <= 14
        asked = _asked_day(question, min(until, today) if until else today) if week else None
        if asked and (since is None or since <= asked[1][0]):
            since, until = asked[1]
            day = since
            phrases.append(re.sub(r"['’]s$", "", asked[0].group(0)))
    except (OverflowError, ValueError):  # "last week" as of 0001-01-02 is before the calendar begins
        raise InputError(f"the question's time words reach outside the calendar (years 1 to 9999) counted from "
                         f"{today.isoformat()}: give an as-of date at least a year from either end") from None
    prefer, word = _preference(question)
    if word:
        phrases.append(word)
    if not phrases:
        return TimeScope()
    rest, outside = _without(question, spans), _without(question, [s for s in spans if s not in named])
    return TimeScope(
        phrase=", ".join(dict.fromkeys(phrases)),
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        prefer=prefer,
        reference=today.isoformat(),
        question=rest if re.search(r"\w", rest) else question,
        day=day.isoformat() if day else None,
        outside=outside if re.search(r"\w", outside) else question,
    )


def _without(question: str, spans: list[tuple[int, int]]) -> str:
    """``question`` with the words at ``spans`` taken out."""
    rest = question
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return re.sub(r"\s+([?.!,])", r"\1", " ".join(rest.split()))


_WEEKDAY_PHRASE = re.compile(r"\b(?:(?P<mod>last|this past|this|next|on|by|from|since|until)\s+)?(?P<weekday>" + "|".join(_WEEKDAYS) + r")\b", re.I)
_RELATIVE_WORD = re.compile(
    r"\b(?P<word>yesterday|today|tomorrow|(?<!the )last night|tonight)\b|\b(?P<which>this|last|next)\s+(?P<unit>week|month|year)\b"
    # "less than two weeks ago" is a bound, not a day
    r"|(?<!than )\b" + _COUNT + r"\s+(?P<ago_unit>days?|weeks?)\s+ago\b", re.I
)
_DAY_MONTH = re.compile(
    r"\b" + _MONTH_AND_DAY + r"\b(?!,?\s+(?:19|20)\d\d)",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(r"\b(?:in|early|mid|late|since|from|by|until|during)[\s-]+" + _MONTH + r"(?:\s+" + _YEAR + r")?\b", re.I)


def _year_of(month: int, reference: date) -> int:
    """The year of a month named without one in an article of ``reference``: the nearest such month.

    Next month is ahead ("Jan. 1" in a December article is next year); a
    month more than one ahead is last year's ("Dec. 28" in a January one).
    """
    if reference.month == 12 and month == 1:
        return reference.year + 1
    return reference.year - (month > reference.month + 1)


def _latest_weekday(reference: date, weekday: int, strictly_before: bool) -> date:
    back = (reference.weekday() - weekday) % 7
    if back == 0 and strictly_before:
        back = 7
    return reference - timedelta(days=back)


def dates_in(text: str, published: str | None) -> list[MentionedDate]:
    """The dates ``text`` mentions, resolved against ``published`` where they are relative.

    Full dates ("August 9, 2021") need no publication date; relative ones
    ("last Thursday", "yesterday", "this month") and day-month ones ("July
    8") are resolved only when it is known.

    Example:
        >>> [(d.phrase, d.iso, d.how) for d in dates_in("On July 8, the Taliban advanced; on Monday talks began.", "2021-08-11")]
        [('July 8', '2021-07-08', 'partial'), ('Monday', '2021-08-09', 'relative')]
    """
    found: list[MentionedDate] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, iso: str, how: str) -> None:
        if any(start < e and end > s for s, e in taken):
            return
        taken.append((start, end))
        found.append(MentionedDate(start, end, text[start:end], iso, how))

    for pattern in (_ISO, _MDY, _DMY):
        for m in pattern.finditer(text):
            iso = parse_date(m.group(0))
            if iso:
                add(m.start(), m.end(), iso, "explicit")
    reference = date.fromisoformat(published[:10]) if published else None
    if reference is not None:
        for m in _DAY_MONTH.finditer(text):
            name = m.group("month") or m.group("month2")
            if not name[0].isupper():
                continue  # "march 20 miles", "may 5": verbs, not months
            month = _month_of(name)
            day = int(m.group("day") or m.group("day2"))
            year = _year_of(month, reference)
            parsed = _valid(year, month, day)
            if parsed:
                add(m.start(), m.end(), parsed.isoformat(), "partial")
        for m in _WEEKDAY_PHRASE.finditer(text):
            mod = (m.group("mod") or "").lower()
            weekday = _WEEKDAYS[m.group("weekday").lower()]
            after = m.end() + len(re.match(r",?\s*", text[m.end():]).group(0))  # type: ignore[union-attr]
            if any(start == after for start, _ in taken):
                continue  # "Monday, August 2, 2021": the full date says it
            if mod in ("next", "by", "until"):  # deadlines and plans look ahead
                back = (weekday - reference.weekday()) % 7
                day = reference + timedelta(days=back if mod != "next" else (back or 7))
            elif mod in ("this",) and weekday > reference.weekday():
                day = reference + timedelta(days=weekday - reference.weekday())
            else:
                day = _latest_weekday(reference, weekday, strictly_before=mod in ("last", "this past"))
            start = m.start("mod") if mod in ("last", "this past", "this", "next") else m.start("weekday")
            add(start, m.end(), day.isoformat(), "relative")
        for m in _RELATIVE_WORD.finditer(text):
            word = (m.group("word") or "").lower()
            if word:
                day = reference + timedelta(days={"yesterday": -1, "last night": -1, "today": 0, "tonight": 0, "tomorrow": 1}[word])
                add(m.start(), m.end(), day.isoformat(), "relative")
                continue
            if m.group("ago_unit"):  # "three days ago", "two weeks ago"
                back = _days_ago(m.group("count"), m.group("ago_unit"))
                add(m.start(), m.end(), (reference - timedelta(days=back)).isoformat(), "relative")
                continue
            which, unit = m.group("which").lower(), m.group("unit").lower()
            step = {"this": 0, "last": -1, "next": 1}[which]
            if unit == "year":
                iso = str(reference.year + step)
            elif unit == "month":
                month_index = reference.year * 12 + reference.month - 1 + step
                iso = f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
            else:
                monday = reference - timedelta(days=reference.weekday()) + timedelta(days=7 * step)
                iso = monday.isoformat()
            add(m.start(), m.end(), iso, "relative")
        for m in _MONTH_YEAR.finditer(text):
            if not m.group("month")[0].isupper():
                continue
            month = _month_of(m.group("month"))
            year = int(m.group("year")) if m.group("year") else _year_of(month, reference)
            add(m.start("month"), m.end(), f"{year:04d}-{month:02d}", "explicit" if m.group("year") else "partial")
    found.sort(key=lambda d: d.start)
    return found


# A month named in a short answer, capitalised ("may" is a verb), with a day beside it either way round.
_NAMED_MONTH = re.compile(r"\b(?P<month>" + "|".join(n.capitalize() for n in sorted(_MONTHS, key=len, reverse=True))
                          + r")\b\.?")
_BESIDE = r"[0-3]?\d(?:st|nd|rd|th)?"


def _date_parts(words: str) -> tuple[int | None, int, int | None] | None:
    """The year, month and day a short answer's words name (``None`` for a part they leave out); ``None`` without a month."""
    month = _NAMED_MONTH.search(words)
    if month is None:
        return None
    day = (re.match(r"\s+(" + _BESIDE + r")\b", words[month.end() :])
           or re.search(r"\b(" + _BESIDE + r")\s+(?:of\s+)?$", words[: month.start()]))
    year = re.search(r"\b((?:19|20)\d\d)\b", words)
    return (int(year.group(1)) if year else None, _month_of(month.group("month")),
            int(re.match(r"\d+", day.group(1)).group(0)) if day else None)  # type: ignore[union-attr]


def fuller_date(words: str, sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` gives in full the date that ``words`` give in part; ``None`` if it does not.

    A short answer "July" or "December 10" (no year) or "August 2021" (no
    day) is completed by a date in another sentence that has day, month and
    year and agrees with every part the words give.

    Example:
        >>> s = "It was released on July 21, 2017, to good reviews."
        >>> s[slice(*fuller_date("slated for July", s))], s[slice(*fuller_date("21st July", s))]
        ('July 21, 2017', 'July 21, 2017')
        >>> fuller_date("July 22", s), fuller_date("July 2016", s), fuller_date("July 21, 2017", s)
        (None, None, None)
    """
    parts = _date_parts(words)
    if parts is None or (parts[0] is not None and parts[2] is not None):
        return None
    year, month, day = parts
    for found in dates_in(sentence, None):
        full = found.iso.split("-")
        if len(full) != 3:
            continue
        y, m, d = (int(v) for v in full)
        if m == month and (day is None or d == day) and (year is None or y == year):
            return found.start, found.end
    return None

