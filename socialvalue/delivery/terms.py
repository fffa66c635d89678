"""Contract terms in calendar months: elapsed time, reporting periods and due dates.

Delivery is measured against time in **calendar months**, not days. A 24-month contract from
1 April 2026 to 31 March 2028 is a quarter of the way through at the end of 30 September 2026
(6 of 24 months), even though 183 of its 731 days have passed. Months differ in length, so
counting days would make "a quarter of the way" land on a different date than everyone
expects; buyers and suppliers plan and report by month.

Definitions (all exact, with ``fractions.Fraction``):

* A date ``d`` used as an "as at" date means *the end of that day*: the position in the term is
  the start of the following day.
* ``months_between(a, b)`` is the number of whole calendar months from ``a`` to ``b`` (adding
  ``n`` months to ``a``, clamping the day to the month's end: 31 January + 1 month is 28 or 29
  February) plus, for the part month left over, the days elapsed divided by that month's
  length in days.
* The term runs from ``start`` to ``end`` inclusive; its length is
  ``months_between(start, end + 1 day)``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

ONE_DAY = dt.timedelta(days=1)

#: Reporting frequencies and how many months each period spans.
FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3}

#: A return is due this many days after the end of its period (common UK contract practice for
#: monthly/quarterly KPI returns; the service passes the contract's own setting when it has one).
DEFAULT_DUE_DAYS = 20


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def months_between(start: dt.date, stop: dt.date) -> Fraction:
    """Calendar months from ``start`` to ``stop`` (negative when ``stop`` is before ``start``)."""
    if stop < start:
        return -months_between(stop, start)
    whole = (stop.year - start.year) * 12 + (stop.month - start.month)
    # Step back until the anniversary is not after ``stop`` (clamping can overshoot by one).
    while whole > 0 and add_months(start, whole) > stop:
        whole -= 1
    anchor = add_months(start, whole)
    following = add_months(start, whole + 1)
    part = Fraction((stop - anchor).days, (following - anchor).days)
    return whole + part


def term_months(start: dt.date, end: dt.date) -> Fraction:
    """Length of the term ``start``..``end`` (both inclusive) in calendar months."""
    if end < start:
        raise ValueError("the term ends before it starts")
    return months_between(start, end + ONE_DAY)


def elapsed_share(start: dt.date, end: dt.date, as_at: dt.date) -> Fraction:
    """Share of the term elapsed by the end of ``as_at``: 0 before the start, 1 after the end."""
    total = term_months(start, end)
    elapsed = months_between(start, as_at + ONE_DAY)
    return min(Fraction(1), max(Fraction(0), elapsed / total))


@dataclass(frozen=True)
class Period:
    """One reporting period: ``start``..``end`` inclusive; its return is due on ``due``."""

    number: int
    start: dt.date
    end: dt.date
    due: dt.date

    def label(self) -> str:
        return f"{_long(self.start)} to {_long(self.end)}"

    def is_overdue(self, today: dt.date, returned: bool) -> bool:
        """No return yet and the due date has passed (the due date itself is still on time)."""
        return not returned and today > self.due

    def has_ended(self, today: dt.date) -> bool:
        return self.end < today


def _long(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def reporting_periods(
    start: dt.date, end: dt.date, frequency: str, due_days: int = DEFAULT_DUE_DAYS
) -> tuple[Period, ...]:
    """The term's reporting periods, aligned to the contract start (not the calendar quarter).

    A contract starting 15 May reports quarterly for 15 May-14 August, 15 August-14 November...;
    the last period is cut short at the end of the term.
    """
    if frequency not in FREQUENCY_MONTHS:
        raise ValueError(f"unknown reporting frequency {frequency!r}")
    if end < start:
        raise ValueError("the term ends before it starts")
    step = FREQUENCY_MONTHS[frequency]
    periods = []
    number = 0
    while True:
        period_start = add_months(start, number * step)
        if period_start > end:
            break
        period_end = min(end, add_months(start, (number + 1) * step) - ONE_DAY)
        periods.append(
            Period(
                number=number + 1,
                start=period_start,
                end=period_end,
                due=period_end + dt.timedelta(days=due_days),
            )
        )
        number += 1
    return tuple(periods)


def period_ending(periods: tuple[Period, ...], end: dt.date) -> Period | None:
    """The period that ends on ``end``, or None (a date that is no period's end)."""
    return next((p for p in periods if p.end == end), None)
