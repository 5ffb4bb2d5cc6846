"""Working days on the national holiday calendar, with dates worked out by hand.

The published arrangements 2004 onwards come from the `chinese-calendar` package through
`cases.holidays.load_calendar`; the 2016 arrangement is also seeded by a migration.

2016 arrangement (国办发明电〔2015〕18号): 元旦 1.1–1.3; 春节 2.7–2.13 off, Sat 2.6 and Sun 2.14
worked; 清明 4.2–4.4; 劳动节 4.30–5.2; 端午 6.9–6.11 off, Sun 6.12 worked; 中秋 9.15–9.17 off,
Sun 9.18 worked; 国庆 10.1–10.7 off, Sat 10.8 and Sun 10.9 worked.
"""

import datetime as dt
import importlib
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from minzheng.cases.holidays import load_calendar, package_years, years_without_arrangement
from minzheng.cases.models import Holiday, HolidaySource
from minzheng.cases.working_days import (
    Calendar,
    add_working_days,
    is_working_day,
    working_days_between,
)
from minzheng.core.models import AuditEvent

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


# ---------------------------------------------------------------- the published arrangements


@pytest.fixture
def published(db):
    """2004 to this year (and later years the package has) loaded from the package."""
    return load_calendar()


def package_rows(years) -> set[tuple[dt.date, bool]]:
    return {(day, False) for day in chinese_calendar.holidays if day.year in years} | {
        (day, True) for day in chinese_calendar.workdays if day.year in years
    }


def table_rows(first: int, last: int) -> set[tuple[dt.date, bool]]:
    return set(
        Holiday.objects.filter(
            date__gte=dt.date(first, 1, 1), date__lte=dt.date(last, 12, 31)
        ).values_list("date", "is_working_day")
    )


def test_the_load_covers_2004_to_this_year(published):
    this_year = timezone.localdate().year
    assert published.years == package_years()
    assert published.years[0] == 2004 and published.years[-1] >= 2026  # package 1.11 has 2026
    # A year the package does not have yet is reported, not silently skipped.
    assert published.years + published.missing == list(
        range(2004, max(this_year, published.years[-1]) + 1)
    )


def test_the_table_agrees_with_the_package_for_every_day(published, django_assert_max_num_queries):
    first, last = published.years[0], published.years[-1]
    assert table_rows(first, last) == package_rows(set(published.years))
    assert not Holiday.objects.filter(date__year__gte=first, date__year__lte=last).exclude(
        source=HolidaySource.PACKAGE
    )
    days = [
        dt.date(first, 1, 1) + dt.timedelta(days=i)
        for i in range((dt.date(last, 12, 31) - dt.date(first, 1, 1)).days + 1)
    ]
    calendar = Calendar()
    with django_assert_max_num_queries(len(days) // 100):  # windows of rows, not a query a day
        ours = {day for day in days if calendar.is_working_day(day)}
    assert ours == {day for day in days if chinese_calendar.is_workday(day)}


def test_holiday_names_are_the_notices_names(published):
    names = set(Holiday.objects.values_list("name", flat=True))
    assert {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"} <= names
    assert Holiday.objects.get(date=D("2015-09-03")).name.startswith("中国人民抗日战争")
    assert Holiday.objects.get(date=D("2020-01-31")).name == "春节"  # the extension


def test_a_load_writes_one_audit_event_and_a_second_load_changes_nothing(db):
    events = AuditEvent.objects.count()
    first = load_calendar()
    assert first.created > 600
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.object_type) == ("import", "cases.holiday")
    assert event.after["created"] == first.created and event.after["years"] == first.years
    table = list(Holiday.objects.values_list("pk", "date", "is_working_day", "name", "source"))

    again = load_calendar()
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert list(Holiday.objects.values_list("pk", "date", "is_working_day", "name", "source")) == (
        table
    )
    assert AuditEvent.objects.count() == events + 1


def test_published_rows_follow_the_package(published):
    # What a corrected package looks like to the table: a published row that no longer matches,
    # a published day missing, and a published day the package no longer lists.
    Holiday.objects.filter(date=D("2020-10-10")).update(is_working_day=False)
    Holiday.objects.filter(date=D("2020-10-01")).delete()
    Holiday.objects.bulk_create(
        [Holiday(date=D("2020-03-02"), name="春节", source=HolidaySource.PACKAGE)]
    )
    result = load_calendar(years=[2020])
    assert (result.years, result.created, result.updated, result.removed) == ([2020], 1, 1, 1)
    assert table_rows(2020, 2020) == package_rows({2020})


def test_an_administrators_edit_survives_a_reload(published, users, client):
    client.force_login(users["admin"])
    # Through the admin page: the published Monday 2024-10-07 made a working day, and a local
    # day off the package does not list.
    row = Holiday.objects.get(date=D("2024-10-07"))
    assert row.source == HolidaySource.PACKAGE and not row.is_working_day
    response = client.post(
        f"/admin/cases/holiday/{row.pk}/change/", {"name": "国庆节", "is_working_day": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post("/admin/cases/holiday/add/", {"date": "2024-03-08", "name": "本地安排"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(
        Holiday.objects.filter(source=HolidaySource.MANUAL).values_list(
            "date", "is_working_day", "name"
        )
    ) == {(D("2024-10-07"), True, "国庆节"), (D("2024-03-08"), False, "本地安排")}

    result = load_calendar()
    assert (result.created, result.updated, result.removed, result.manual) == (0, 0, 0, 2)
    assert Holiday.objects.get(date=D("2024-10-07")).is_working_day
    assert Holiday.objects.get(date=D("2024-03-08")).name == "本地安排"
    # The deadlines follow the administrator: Mon 2024-09-30 + 1 is now Mon 10-07, not Tue 10-08.
    assert add_working_days(D("2024-09-30"), 1) == D("2024-10-07")
    # Everything else still agrees with the package.
    assert table_rows(2024, 2024) ^ package_rows({2024}) == {
        (D("2024-10-07"), True),
        (D("2024-10-07"), False),
        (D("2024-03-08"), False),
    }


def test_years_the_package_lacks_are_reported(db):
    result = load_calendar(years=[2003, 2016])
    assert (result.years, result.missing) == ([2016], [2003])
    assert table_rows(2003, 2003) == set()


def test_the_yearly_command(db):
    out = StringIO()
    call_command("calendar", "load", "--year", "2020", stdout=out)
    assert table_rows(2020, 2020) == package_rows({2020})
    assert table_rows(2019, 2019) == set() and table_rows(2021, 2021) == set()
    assert "2020" in out.getvalue()
    with pytest.raises(CommandError, match="2003"):
        call_command("calendar", "load", "--year", "2003")


@pytest.mark.parametrize(
    "start, n, expected",
    [
        # National Day 2016: Fri 09-30; 10-1..10-7 off; Sat 10-8 (1), Sun 10-9 (2), Mon 10-10 (3),
        # Tue 10-11 (4), Wed 10-12 (5).
        ("2016-09-30", 5, "2016-10-12"),
        # Spring Festival 2020, extended by the State Council to 02-02: Thu 01-23; Fri 01-24 to
        # Sun 02-02 off; Mon 02-03 (1) .. Fri 02-07 (5).
        ("2020-01-23", 1, "2020-02-03"),
        ("2020-01-23", 5, "2020-02-07"),
        # Its make-up day before: Fri 2020-01-17 + 1 is Sunday 01-19.
        ("2020-01-17", 1, "2020-01-19"),
        # 中秋 and 国庆 2023 together, 09-29..10-06 off; Sat 10-07 and Sun 10-08 worked.
        ("2023-09-28", 1, "2023-10-07"),
        ("2023-09-28", 2, "2023-10-08"),
        ("2023-09-28", 3, "2023-10-09"),
        # The 70th anniversary of the victory, 2015: Thu 09-03 and Fri 09-04 off, Sat 09-05 a
        # weekend, Sun 09-06 worked.
        ("2015-09-02", 1, "2015-09-06"),
        ("2015-09-02", 2, "2015-09-07"),
        # Spring Festival 2024: Fri 02-09 (除夕) is a working day; 02-10..02-17 off; Sun 02-18 worked.
        ("2024-02-08", 1, "2024-02-09"),
        ("2024-02-08", 2, "2024-02-18"),
        ("2024-02-08", 3, "2024-02-19"),
        # New Year 2026: 01-01..01-03 off, Sun 01-04 worked.
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        # National Day 2025 (with 中秋): Sun 09-28 worked before it.
        ("2025-09-26", 1, "2025-09-28"),
        ("2025-09-26", 2, "2025-09-29"),
    ],
)
def test_deadlines_across_published_holidays(published, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)
    assert working_days_between(D(start), D(expected)) == n


# ---------------------------------------------------------------- a missing year is announced


@pytest.mark.parametrize(
    "held, today, missing",
    [
        ({2016}, "2016-06-01", []),
        ({2016}, "2016-10-31", []),  # the next year only matters from November
        ({2016}, "2016-11-01", [2017]),
        ({2016, 2017}, "2016-12-06", []),
        (set(), "2016-12-06", [2016, 2017]),
        ({2017}, "2017-03-01", []),
    ],
)
def test_years_without_arrangement(db, held, today, missing):
    Holiday.objects.all().delete()
    for year in held:
        Holiday.objects.create(date=dt.date(year, 1, 1), name="元旦")
    assert years_without_arrangement(D(today)) == missing


def test_administrators_see_a_missing_year_on_the_workbench(db, users, client, set_today):
    Holiday.objects.all().delete()
    Holiday.objects.create(date=D("2016-01-01"), name="元旦")
    set_today("2016-12-06")
    client.force_login(users["admin"])
    html = client.get("/").content.decode()
    assert 'data-testid="calendar-missing"' in html and "没有 2017 年的节假日安排" in html
    client.force_login(users["dongbao_clerk"])
    assert 'data-testid="calendar-missing"' not in client.get("/").content.decode()
    Holiday.objects.create(date=D("2017-01-01"), name="元旦")
    client.force_login(users["admin"])
    assert 'data-testid="calendar-missing"' not in client.get("/").content.decode()
