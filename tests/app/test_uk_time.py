"""The UK clock: forms and pages use Europe/London, everything stored is UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from socialvalue.uk_time import NotAUkTime, format_moment, from_uk_clock, on_uk_clock
from socialvalue.views.helpers import format_date


@pytest.mark.parametrize(
    ("day", "time", "utc"),
    [
        (dt.date(2027, 1, 30), dt.time(12, 0), dt.datetime(2027, 1, 30, 12, 0, tzinfo=dt.UTC)),
        (dt.date(2027, 7, 1), dt.time(17, 0), dt.datetime(2027, 7, 1, 16, 0, tzinfo=dt.UTC)),
        # Either side of the hours the clocks change (28 March and 31 October 2027).
        (dt.date(2027, 3, 28), dt.time(0, 59), dt.datetime(2027, 3, 28, 0, 59, tzinfo=dt.UTC)),
        (dt.date(2027, 3, 28), dt.time(2, 0), dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC)),
        (dt.date(2027, 10, 31), dt.time(0, 59), dt.datetime(2027, 10, 30, 23, 59, tzinfo=dt.UTC)),
        (dt.date(2027, 10, 31), dt.time(2, 0), dt.datetime(2027, 10, 31, 2, 0, tzinfo=dt.UTC)),
        # Midnight at the start of a summer day is 23:00 UTC the day before.
        (dt.date(2027, 6, 1), dt.time(0, 0), dt.datetime(2027, 5, 31, 23, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_uk_wall_clock_time_becomes_the_right_utc_moment(
    day: dt.date, time: dt.time, utc: dt.datetime
) -> None:
    moment = from_uk_clock(day, time)
    assert moment == utc and moment.tzinfo is dt.UTC
    back = on_uk_clock(moment)
    assert (back.date(), back.time()) == (day, time)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_the_skipped_hour_in_march_is_refused(minute: int) -> None:
    with pytest.raises(NotAUkTime, match=f"There is no 01:{minute:02d} on 28 March 2027 in the UK"):
        from_uk_clock(dt.date(2027, 3, 28), dt.time(1, minute))


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_the_repeated_hour_in_october_is_refused(minute: int) -> None:
    with pytest.raises(NotAUkTime, match="happens twice in the UK: the clocks go back"):
        from_uk_clock(dt.date(2027, 10, 31), dt.time(1, minute))


def test_moments_are_shown_on_the_uk_clock_with_gmt_or_bst() -> None:
    summer = dt.datetime(2027, 7, 1, 16, 0, tzinfo=dt.UTC)
    winter = dt.datetime(2027, 1, 5, 9, 30, tzinfo=dt.UTC)
    assert format_moment(summer) == "1 July 2027 at 17:00 BST"
    assert format_moment(winter) == "5 January 2027 at 09:30 GMT"
    # The template filter: moments on the UK clock, plain dates as they are.
    assert format_date(summer) == "1 July 2027 at 17:00 BST"
    assert format_date(dt.date(2027, 7, 1)) == "1 July 2027"
    assert format_date(None) == ""
    # The same moment reads the same whatever zone it arrives in.
    assert format_moment(summer.astimezone(dt.timezone(dt.timedelta(hours=-5)))) == (
        "1 July 2027 at 17:00 BST"
    )
