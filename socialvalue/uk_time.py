"""Times as people in the UK write and read them: the Europe/London clock (GMT in winter, BST
in summer). Everything is stored and compared in UTC; only forms and pages use the UK clock.

Machine interfaces (the API, OCDS, spreadsheet exports) keep UTC with the offset or column
label saying so.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


class NotAUkTime(ValueError):
    """A wall-clock time that does not exist, or happens twice, when the UK clocks change."""


def from_uk_clock(day: dt.date, time: dt.time) -> dt.datetime:
    """The moment a UK wall clock shows ``time`` on ``day``, as an aware UTC datetime.

    The hour the clocks skip in March does not exist, and the hour they repeat in October
    happens twice; both are refused rather than guessed, because a bid deadline an hour out
    either way lets a late bid in or shuts a punctual one out.
    """
    wall = dt.datetime.combine(day, time)
    first = wall.replace(tzinfo=UK, fold=0)
    second = wall.replace(tzinfo=UK, fold=1)
    if first.astimezone(dt.UTC).astimezone(UK).replace(tzinfo=None) != wall:
        raise NotAUkTime(
            f"There is no {time:%H:%M} on {format_day(day)} in the UK: the clocks go forward "
            "an hour at 1am that night. Enter a time before 01:00 or from 02:00"
        )
    if first.utcoffset() != second.utcoffset():
        raise NotAUkTime(
            f"{time:%H:%M} on {format_day(day)} happens twice in the UK: the clocks go back an "
            "hour at 2am that night. Enter a time before 01:00 or from 02:00"
        )
    return first.astimezone(dt.UTC)


def on_uk_clock(value: dt.datetime) -> dt.datetime:
    """An aware datetime as the UK clock shows it."""
    return value.astimezone(UK)


def format_day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def format_moment(value: dt.datetime) -> str:
    """ "1 July 2027 at 12:00 BST": the UK clock, with GMT or BST so nobody has to guess."""
    local = on_uk_clock(value)
    return f"{format_day(local)} at {local:%H:%M} {local.tzname()}"
