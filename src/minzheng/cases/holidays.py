"""The national holiday arrangement (国务院办公厅关于部分节假日安排的通知) from 2004 on, as
published in the `chinese-calendar` package (MIT), loaded into the editable `Holiday` table.

The package lists, per year, the days off (including the weekend days the notice adds to a
holiday) and the weekend days worked in exchange (调休上班); the table stores the same days with
`source = package`. The load is set-based and idempotent: one read of the years' rows, then bulk
inserts, updates and deletes of the published rows that differ, so a second load changes nothing.
Rows an administrator entered or corrected (`source = manual`) are never touched: to override
the published arrangement, edit the day; deleting a published day only lasts until the next load.

The State Council publishes the next year's arrangement in November or December; once the
package carries it (upgrade it), `minzheng calendar load --year Y` adds that year. Until then an
administrator can enter the year by hand, and the load leaves those entries alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit

from .models import Holiday, HolidaySource

FIRST_YEAR = 2004  # the first year the package covers, and the first the platform needs

# The package's short names, as the notices write them.
_FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
_NAME_LENGTH = Holiday._meta.get_field("name").max_length


def _name(label: str) -> str:
    try:
        chinese = chinese_calendar.Holiday(label).chinese
    except ValueError:  # a holiday newer than this module's names: keep the package's label
        chinese = label
    return _FULL_NAMES.get(chinese, chinese)[:_NAME_LENGTH]


def package_version() -> str:
    return chinese_calendar.__version__


def package_years() -> list[int]:
    """The years the installed package has an arrangement for."""
    return sorted({day.year for day in chinese_calendar.holidays})


def published_days(years: Iterable[int]) -> dict[dt.date, tuple[bool, str]]:
    """Day → (is a working day, holiday name) of the published arrangement for these years."""
    years = set(years)
    days = {
        day: (False, _name(label))
        for day, label in chinese_calendar.holidays.items()
        if day.year in years
    }
    days.update(
        (day, (True, _name(label)))
        for day, label in chinese_calendar.workdays.items()
        if day.year in years
    )
    return days


def default_years(today: dt.date | None = None) -> list[int]:
    """2004 to the current year, and any later year the package already knows."""
    today = today or timezone.localdate()
    return list(range(FIRST_YEAR, max([today.year, *package_years()]) + 1))


@dataclass
class LoadResult:
    years: list[int] = field(default_factory=list)  # loaded from the package
    missing: list[int] = field(default_factory=list)  # asked for, not in the package
    created: int = 0
    updated: int = 0
    removed: int = 0
    manual: int = 0  # administrator's rows in the loaded years, left as they are

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


def _checksum(days: dict[dt.date, tuple[bool, str]]) -> str:
    text = json.dumps(
        [[day.isoformat(), working, name] for day, (working, name) in sorted(days.items())],
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def load_calendar(*, years: Iterable[int] | None = None) -> LoadResult:
    """Bring the published rows of these years (default: `default_years()`) in line with the
    package; one audit event for the batch when anything changed."""
    requested = sorted(set(default_years() if years is None else years))
    known = set(package_years())
    result = LoadResult(
        years=[y for y in requested if y in known], missing=[y for y in requested if y not in known]
    )
    if not result.years:
        return result
    loaded = set(result.years)
    wanted = published_days(loaded)
    existing = {
        row.date: row
        for row in Holiday.objects.select_for_update()
        .filter(date__gte=dt.date(min(loaded), 1, 1), date__lte=dt.date(max(loaded), 12, 31))
        .only("pk", "date", "is_working_day", "name", "source")
        if row.date.year in loaded
    }
    create, update = [], []
    for day, (working, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            create.append(
                Holiday(date=day, is_working_day=working, name=name, source=HolidaySource.PACKAGE)
            )
        elif row.source == HolidaySource.PACKAGE and (row.is_working_day, row.name) != (
            working,
            name,
        ):
            row.is_working_day, row.name = working, name
            update.append(row)
    remove = [
        row.pk
        for day, row in existing.items()
        if row.source == HolidaySource.PACKAGE and day not in wanted
    ]
    result.manual = sum(1 for row in existing.values() if row.source == HolidaySource.MANUAL)
    # A day an administrator enters while this runs wins: the insert skips a date that exists.
    Holiday.objects.bulk_create(create, ignore_conflicts=True)
    Holiday.objects.bulk_update(update, ["is_working_day", "name"])
    Holiday.objects.filter(pk__in=remove, source=HolidaySource.PACKAGE).delete()
    result.created, result.updated, result.removed = len(create), len(update), len(remove)
    if result.changed:
        first, last = min(loaded), max(loaded)
        audit.record(
            "import",
            object_type="cases.holiday",
            object_id=f"{first}-{last}",
            object_repr=_("国务院节假日安排 %(first)s–%(last)s 年")
            % {"first": first, "last": last},
            after={
                "years": result.years,
                "created": result.created,
                "updated": result.updated,
                "removed": result.removed,
                "manual_kept": result.manual,
                "package": f"chinese-calendar {package_version()}",
                "checksum": _checksum(wanted),
            },
            note=_("按国务院办公厅公布的节假日安排更新"),
        )
    return result


def years_without_arrangement(today: dt.date) -> list[int]:
    """Years whose deadlines would be counted Monday to Friday because the calendar holds none
    of their days: this year, and from November, when cases start running into it, the next."""
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    held = set(
        Holiday.objects.filter(date__year__in=years).values_list("date__year", flat=True).distinct()
    )
    return [year for year in years if year not in held]
