"""Working days on the 2016 national holiday calendar, with dates worked out by hand.

2016 arrangement (国办发明电〔2015〕18号): 元旦 1.1–1.3; 春节 2.7–2.13 off, Sat 2.6 and Sun 2.14
worked; 清明 4.2–4.4; 劳动节 4.30–5.2; 端午 6.9–6.11 off, Sun 6.12 worked; 中秋 9.15–9.17 off,
Sun 9.18 worked; 国庆 10.1–10.7 off, Sat 10.8 and Sun 10.9 worked.
"""

import datetime as dt
import importlib

import pytest

from minzheng.cases.models import Holiday
from minzheng.cases.working_days import add_working_days, is_working_day, working_days_between

D = dt.date.fromisoformat


@pytest.fixture
def calendar_2016(db):
    """The seeded 2016 calendar (re-seeded in case a transactional test emptied the table)."""
    from django.apps import apps

    seed = importlib.import_module("minzheng.cases.migrations.0002_holidays_2016").seed
    seed(apps, None)


def test_2016_calendar_is_seeded_by_the_migration(calendar_2016):
    off = Holiday.objects.filter(date__year=2016, is_working_day=False)
    worked = Holiday.objects.filter(date__year=2016, is_working_day=True)
    # 3 + 7 + 3 + 3 + 3 + 3 + 7 days off, 2 + 1 + 1 + 2 weekend days worked.
    assert off.count() == 29
    assert sorted(worked.values_list("date", flat=True)) == [
        D("2016-02-06"),
        D("2016-02-14"),
        D("2016-06-12"),
        D("2016-09-18"),
        D("2016-10-08"),
        D("2016-10-09"),
    ]


@pytest.mark.parametrize(
    "day, working",
    [
        ("2016-09-30", True),  # Friday before National Day
        ("2016-10-01", False),  # National Day, Saturday
        ("2016-10-03", False),  # Monday, but a holiday
        ("2016-10-07", False),  # Friday, holiday
        ("2016-10-08", True),  # Saturday, make-up working day
        ("2016-10-09", True),  # Sunday, make-up working day
        ("2016-10-15", False),  # ordinary Saturday
        ("2016-10-17", True),  # ordinary Monday
        ("2016-02-06", True),  # Saturday before Spring Festival, worked
        ("2016-02-08", False),  # 春节, Monday
        ("2016-06-12", True),  # Sunday after 端午, worked
        ("2016-04-04", False),  # 清明, Monday
        ("2016-05-02", False),  # 劳动节, Monday
    ],
)
def test_is_working_day(calendar_2016, day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(
    "start, n, expected",
    [
        # 10 working days from Friday 30 September: 10-1..10-7 off; Sat 10-8 (1), Sun 10-9 (2),
        # Mon 10-10 (3) .. Fri 10-14 (7), Mon 10-17 (8), Tue 10-18 (9), Wed 10-19 (10).
        ("2016-09-30", 10, "2016-10-19"),
        ("2016-09-30", 1, "2016-10-08"),
        ("2016-09-30", 2, "2016-10-09"),
        ("2016-09-30", 3, "2016-10-10"),
        # An ordinary weekend: Friday 2016-10-21 + 1 → Monday 10-24; + 5 → Friday 10-28.
        ("2016-10-21", 1, "2016-10-24"),
        ("2016-10-21", 5, "2016-10-28"),
        # Starting on a Saturday counts from the following Monday.
        ("2016-10-22", 1, "2016-10-24"),
        # Spring Festival: Fri 2016-02-05 + 1 → Sat 02-06 (worked); + 2 → Sun 02-14 (worked); + 3 → Mon 02-15.
        ("2016-02-05", 1, "2016-02-06"),
        ("2016-02-05", 2, "2016-02-14"),
        ("2016-02-05", 3, "2016-02-15"),
        # Mid-Autumn: Wed 2016-09-14 + 1 → Sun 09-18 (worked); + 2 → Mon 09-19.
        ("2016-09-14", 1, "2016-09-18"),
        ("2016-09-14", 2, "2016-09-19"),
        # 20 working days for an objection filed Tue 2016-10-18 → Tue 2016-11-15.
        ("2016-10-18", 20, "2016-11-15"),
        # Zero days is the day itself.
        ("2016-10-01", 0, "2016-10-01"),
    ],
)
def test_add_working_days(calendar_2016, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2016-09-30", "2016-10-19", 10),
        ("2016-09-30", "2016-10-07", 0),  # the whole holiday week
        ("2016-10-14", "2016-10-17", 1),  # Friday to Monday
        ("2016-10-17", "2016-10-14", -1),
        # 366 days − 105 weekend days (53 Saturdays, 52 Sundays) − 17 weekday holidays + 6 worked weekend days.
        ("2016-01-01", "2016-12-31", 250),
    ],
)
def test_working_days_between(calendar_2016, start, end, expected):
    assert working_days_between(D(start), D(end)) == expected


def test_adding_then_counting_round_trips(calendar_2016):
    start = D("2016-01-01")
    for n in range(0, 60, 7):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_a_year_without_a_calendar_follows_the_plain_week(db):
    # Fri 2031-01-03 + 1 working day is Monday 2031-01-06 when no holidays are entered.
    assert add_working_days(D("2031-01-03"), 1) == D("2031-01-06")


def test_an_administrator_entry_changes_the_count(calendar_2016):
    Holiday.objects.create(date=D("2031-01-06"), name="测试", is_working_day=False)
    assert add_working_days(D("2031-01-03"), 1) == D("2031-01-07")


def test_negative_days_are_refused(db):
    with pytest.raises(ValueError):
        add_working_days(D("2016-10-10"), -1)
