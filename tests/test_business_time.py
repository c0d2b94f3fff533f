"""Business minutes after a moment: hours, weekends, closed days, holidays and DST."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agency.domains.sla.business_time import add_business_minutes

LISBON, NEW_YORK = "Europe/Lisbon", "America/New_York"
WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_minutes_inside_the_day_are_plain_minutes():
    start = local(LISBON, 2026, 5, 4, 10, 0)  # a Monday
    due = add_business_minutes(start, 60, LISBON, WEEKDAYS_9_TO_5)
    assert due == local(LISBON, 2026, 5, 4, 11, 0)
    assert due.tzinfo == UTC


def test_what_the_day_cannot_hold_carries_to_the_next_morning():
    start = local(LISBON, 2026, 5, 4, 16, 30)
    assert add_business_minutes(start, 60, LISBON, WEEKDAYS_9_TO_5) == local(
        LISBON, 2026, 5, 5, 9, 30
    )


def test_a_due_time_at_closing_stays_on_that_day():
    start = local(LISBON, 2026, 5, 4, 16, 0)
    assert add_business_minutes(start, 60, LISBON, WEEKDAYS_9_TO_5) == local(
        LISBON, 2026, 5, 4, 17, 0
    )


def test_before_opening_the_count_starts_at_opening():
    start = local(LISBON, 2026, 5, 4, 7, 0)
    assert add_business_minutes(start, 30, LISBON, WEEKDAYS_9_TO_5) == local(
        LISBON, 2026, 5, 4, 9, 30
    )


def test_the_weekend_is_skipped():
    friday = local(LISBON, 2026, 5, 8, 16, 0)
    assert add_business_minutes(friday, 120, LISBON, WEEKDAYS_9_TO_5) == local(
        LISBON, 2026, 5, 11, 10, 0
    )


def test_a_saturday_start_waits_for_monday():
    saturday = local(LISBON, 2026, 5, 9, 11, 0)
    assert add_business_minutes(saturday, 15, LISBON, WEEKDAYS_9_TO_5) == local(
        LISBON, 2026, 5, 11, 9, 15
    )


def test_holidays_are_skipped():
    friday = local(LISBON, 2026, 5, 8, 16, 0)
    closed = {date(2026, 5, 11), date(2026, 5, 12)}
    assert add_business_minutes(friday, 120, LISBON, WEEKDAYS_9_TO_5, closed) == local(
        LISBON, 2026, 5, 13, 10, 0
    )


def test_a_holiday_on_the_start_day_closes_it_from_the_start():
    monday = local(LISBON, 2026, 5, 11, 10, 0)
    assert add_business_minutes(monday, 60, LISBON, WEEKDAYS_9_TO_5, {date(2026, 5, 11)}) == local(
        LISBON, 2026, 5, 12, 10, 0
    )


def test_a_weekday_without_hours_is_a_closed_day():
    four_days = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu")}
    thursday = local(LISBON, 2026, 5, 7, 16, 0)
    assert add_business_minutes(thursday, 120, LISBON, four_days) == local(
        LISBON, 2026, 5, 11, 10, 0
    )


def test_split_shifts_skip_the_lunch_break():
    hours = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]}
    start = local(LISBON, 2026, 5, 4, 12, 30)
    assert add_business_minutes(start, 60, LISBON, hours) == local(LISBON, 2026, 5, 4, 14, 30)


def test_overlapping_spans_are_not_counted_twice():
    hours = {"mon": [["09:00", "13:00"], ["12:00", "14:00"]], "tue": [["09:00", "17:00"]]}
    start = local(LISBON, 2026, 5, 4, 9, 0)
    assert add_business_minutes(start, 6 * 60, LISBON, hours) == local(LISBON, 2026, 5, 5, 10, 0)


@pytest.mark.parametrize(
    ("zone", "friday", "monday_utc"),
    [
        # Lisbon springs forward on 29 March 2026: Friday is UTC+0, Monday UTC+1.
        (LISBON, (2026, 3, 27, 16, 0), utc(2026, 3, 30, 9, 0)),
        # ... and falls back on 25 October 2026: Friday UTC+1, Monday UTC+0.
        (LISBON, (2026, 10, 23, 16, 0), utc(2026, 10, 26, 10, 0)),
        # New York springs forward on 8 March 2026: Friday UTC-5, Monday UTC-4.
        (NEW_YORK, (2026, 3, 6, 16, 0), utc(2026, 3, 9, 14, 0)),
        # ... and falls back on 1 November 2026: Friday UTC-4, Monday UTC-5.
        (NEW_YORK, (2026, 10, 30, 16, 0), utc(2026, 11, 2, 15, 0)),
    ],
)
def test_opening_hours_follow_the_clocks_across_a_dst_change(zone, friday, monday_utc):
    due = add_business_minutes(local(zone, *friday), 120, zone, WEEKDAYS_9_TO_5)
    assert due == monday_utc
    assert due.astimezone(ZoneInfo(zone)).hour == 10


@pytest.mark.parametrize(
    ("zone", "day", "real_hours"),
    [(LISBON, date(2026, 3, 29), 23), (NEW_YORK, date(2026, 11, 1), 25)],
)
def test_a_day_open_around_the_clock_holds_what_it_really_lasts(zone, day, real_hours):
    midnight = local(zone, day.year, day.month, day.day, 0, 0)
    due = add_business_minutes(midnight, real_hours * 60, zone, ALL_DAY)
    assert due.astimezone(ZoneInfo(zone)) == local(zone, 2026, day.month, day.day + 1, 0, 0)
    assert due - midnight == timedelta(hours=real_hours)


@pytest.mark.parametrize("hours", [None, {}, {"mon": [], "sat": []}])
def test_a_client_without_hours_counts_wall_clock_minutes(hours):
    saturday_night = local(NEW_YORK, 2026, 3, 7, 23, 0)
    due = add_business_minutes(saturday_night, 240, NEW_YORK, hours, {date(2026, 3, 8)})
    assert due - saturday_night == timedelta(minutes=240)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_business_minutes(datetime(2026, 5, 4, 10), 60, LISBON, WEEKDAYS_9_TO_5)
