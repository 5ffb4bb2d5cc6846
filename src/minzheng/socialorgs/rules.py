"""The registry's rules as pure functions and small dated tables (docs/DOMAIN.md §10): the name
check, the minimum registered capital, the legal deadlines, the annual report's deadlines, the
rating's two-year rule and grade thresholds, and the unified social credit code.

The minimums and thresholds are few, change rarely and are the same in every region of the city,
so they are a table of (effective from, values) rows here rather than `Standard` rows of the
assistance programmes' parameter registry (which holds a programme's amounts by region and date
and is edited in the assistance settings); a new row with a later date changes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from minzheng.cases.working_days import add_working_days

from .models import Grade, OrganisationKind

# ---------------------------------------------------------------- names

# A name ends with the organisational-form word of its kind [law: 社会团体登记管理条例 Art. 10,
# 民办非企业单位名称管理暂行规定 Art. 8, 基金会名称管理规定 Art. 5; the lists are assumed].
FORM_WORDS = {
    OrganisationKind.SOCIAL_GROUP: (
        "协会",
        "学会",
        "商会",
        "研究会",
        "促进会",
        "联合会",
        "联谊会",
        "同学会",
        "总会",
    ),
    OrganisationKind.SERVICE_ORG: (
        "中心",
        "院",
        "学校",
        "园",
        "所",
        "站",
        "社",
        "馆",
    ),
    OrganisationKind.FOUNDATION: ("基金会",),
}
# Words a local organisation may not use [law: the name rules reserve 中国/中华/全国/国际 for
# national organisations; the rest assumed].
FORBIDDEN_WORDS = ("中国", "中华", "全国", "国家", "国际", "世界", "亚洲", "政府", "党委", "法轮")


def region_prefixes(registry) -> tuple[str, ...]:
    """荆门市 and 荆门 for the city's registry; 钟祥市 and 钟祥 for a county's [law: a local
    organisation's name begins with the name of its registry's administrative division]."""
    name = registry.name
    short = name[:-1] if len(name) >= 3 and name[-1] in "市区县" else ""
    return (name, short) if short else (name,)


def name_errors(name: str, *, kind: str, registry) -> list[str]:
    """What is wrong with a proposed name, apart from its uniqueness (a query: services)."""
    errors = []
    name = (name or "").strip()
    if not name:
        return [_("请填写组织名称")]
    if len(name) > 50:
        errors.append(_("名称过长，最多%(n)s字") % {"n": 50})
    if registry is not None and not name.startswith(region_prefixes(registry)):
        errors.append(
            _("名称应冠以登记管理机关所在行政区划名称“%(r)s”") % {"r": region_prefixes(registry)[0]}
        )
    words = FORM_WORDS.get(kind, ())
    if words and (
        not name.endswith(words)
        or (kind == OrganisationKind.SOCIAL_GROUP and name.endswith("基金会"))
    ):
        errors.append(
            _("名称应以与组织类型相符的组织形式结尾（%(w)s）") % {"w": "、".join(words[:5])}
        )
    found = [w for w in FORBIDDEN_WORDS if w in name]
    if found:
        errors.append(_("名称不得使用“%(w)s”等字词") % {"w": "、".join(found)})
    return errors


# ---------------------------------------------------------------- capital


@dataclass(frozen=True)
class CapitalRow:
    since: dt.date
    minimum_fen: dict  # (kind, registry level) -> fen


CAPITAL_TABLE = (
    CapitalRow(
        since=dt.date(1998, 10, 25),
        minimum_fen={
            # [law: 社会团体登记管理条例 Art. 10(5)] a local social group: 30,000 yuan.
            (OrganisationKind.SOCIAL_GROUP, "city"): 30_000_00,
            (OrganisationKind.SOCIAL_GROUP, "county"): 30_000_00,
            # [assumed: the province's rule for social service organisations] 30,000 yuan at the
            # city, 10,000 yuan at a county.
            (OrganisationKind.SERVICE_ORG, "city"): 30_000_00,
            (OrganisationKind.SERVICE_ORG, "county"): 10_000_00,
            # [law: 基金会管理条例 Art. 8] a local foundation: 2,000,000 yuan (the 4,000,000 of a
            # local public-fundraising foundation is not modelled: under the Charity Law public
            # fundraising is a qualification granted after registration).
            (OrganisationKind.FOUNDATION, "city"): 2_000_000_00,
            (OrganisationKind.FOUNDATION, "county"): 2_000_000_00,
        },
    ),
)


def minimum_capital_fen(kind: str, registry_level: str, on: dt.date) -> int:
    rows = [r for r in CAPITAL_TABLE if r.since <= on] or [CAPITAL_TABLE[0]]
    return rows[-1].minimum_fen.get((kind, registry_level), 0)


# ---------------------------------------------------------------- deadlines

REGISTRATION_WORKING_DAYS = 60  # [law: 社会团体登记管理条例 Art. 12; counted in working days]
REQUEST_WORKING_DAYS = 30  # changes and deregistration [assumed]
COMPLAINT_WORKING_DAYS = 30  # investigation and written reply [assumed]


def registration_due(applied_on: dt.date) -> dt.date:
    return add_working_days(applied_on, REGISTRATION_WORKING_DAYS)


def request_due(filed_on: dt.date) -> dt.date:
    return add_working_days(filed_on, REQUEST_WORKING_DAYS)


def complaint_due(received_on: dt.date) -> dt.date:
    return add_working_days(received_on, COMPLAINT_WORKING_DAYS)


# ---------------------------------------------------------------- annual reports


def supervisor_deadline(year: int) -> dt.date:
    """The report of `year` reaches the supervising unit by 31 March of the next year [local]."""
    return dt.date(year + 1, 3, 31)


def registry_deadline(year: int) -> dt.date:
    """… and the registry by 31 May of the next year [local]."""
    return dt.date(year + 1, 5, 31)


def due_a_report(registered_on: dt.date | None, ended_on: dt.date | None, year: int) -> bool:
    """Registered by the end of `year` and not ended before the registry's deadline."""
    return (
        registered_on is not None
        and registered_on <= dt.date(year, 12, 31)
        and (ended_on is None or ended_on > registry_deadline(year))
    )


class ReportState:
    NOT_DUE = "not_due"
    OPEN = "open"  # not filed, deadline to come
    SUPERVISOR_LATE = "supervisor_late"  # past 31 March, not with the supervising unit
    OVERDUE = "overdue"  # past 31 May, not filed
    FILED = "filed"
    FILED_LATE = "filed_late"


def report_state(
    *,
    registered_on: dt.date | None,
    ended_on: dt.date | None,
    has_supervisor: bool,
    year: int,
    filed_on: dt.date | None,
    supervisor_on: dt.date | None,
    today: dt.date,
) -> str:
    if not due_a_report(registered_on, ended_on, year):
        return ReportState.NOT_DUE
    if filed_on is not None and filed_on <= today:
        return ReportState.FILED if filed_on <= registry_deadline(year) else ReportState.FILED_LATE
    if today > registry_deadline(year):
        return ReportState.OVERDUE
    if has_supervisor and supervisor_on is None and today > supervisor_deadline(year):
        return ReportState.SUPERVISOR_LATE
    return ReportState.OPEN


# ---------------------------------------------------------------- ratings

RATING_VALID_YEARS = 5  # [law: 社会组织评估管理办法 Art. 27]
RATING_MIN_YEARS = 2  # registered two full years [law: 社会组织评估管理办法 Art. 8]
MAX_SCORE = 1000


@dataclass(frozen=True)
class GradeRow:
    since: dt.date
    thresholds: tuple  # (grade, lowest score), highest grade first


# [assumed: the Ministry's measures leave the scores to the evaluating bodies]
GRADE_TABLE = (
    GradeRow(
        since=dt.date(2011, 3, 1),
        thresholds=(
            (Grade.A5, 900),
            (Grade.A4, 800),
            (Grade.A3, 700),
            (Grade.A2, 600),
            (Grade.A1, 500),
        ),
    ),
)


def grade_for(score: int, on: dt.date) -> str:
    rows = [r for r in GRADE_TABLE if r.since <= on] or [GRADE_TABLE[0]]
    for grade, lowest in rows[-1].thresholds:
        if score >= lowest:
            return grade
    return Grade.NONE


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def may_be_rated(registered_on: dt.date | None, applied_on: dt.date) -> bool:
    """Two full years: registered on 2014-03-01, first eligible on 2016-03-01."""
    return registered_on is not None and add_years(registered_on, RATING_MIN_YEARS) <= applied_on


def rating_valid_until(decided_on: dt.date) -> dt.date:
    return add_years(decided_on, RATING_VALID_YEARS) - dt.timedelta(days=1)


# ---------------------------------------------------------------- credit codes

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CATEGORY = {
    OrganisationKind.SOCIAL_GROUP: "1",
    OrganisationKind.SERVICE_ORG: "2",
    OrganisationKind.FOUNDATION: "3",
}


def check_character(body: str) -> str:
    total = sum(_ALPHABET.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def credit_code(*, kind: str, registry_code: str, serial: int) -> str:
    """A unified social credit code of a civil-affairs registration (GB 32100): department 5,
    category by kind, the registry's 6-digit division code, a 9-digit body, the check character."""
    body = f"5{_CATEGORY[kind]}{registry_code[:6]}{serial:09d}"
    return body + check_character(body)
