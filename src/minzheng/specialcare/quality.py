"""The data-quality rules over the special-care roster (plan item 15: ID-card authentication,
information accuracy, data completeness and dynamic management, all 100 %).

A rule names the active records that fail it on a date, as one queryset (set-based); the roster
module registers its own rules here and other modules add theirs from their AppConfig.ready()
(e.g. the benefits' check of the pension band against the disability grade), so the quality page
and targets 15.2–15.5 count every rule without importing its module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise


class Dimension:
    ID = "id"  # 15.2 ID-card authentication
    ACCURACY = "accuracy"  # 15.3 information accuracy
    COMPLETENESS = "completeness"  # 15.4 data completeness
    DYNAMIC = "dynamic"  # 15.5 dynamic management


@dataclass(frozen=True)
class Rule:
    code: str
    dimension: str
    label: str | Promise
    # The active `Recipient` records failing the rule on a date (a queryset of Recipient).
    failing: Callable[[dt.date], QuerySet]


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> None:
    _RULES.setdefault(rule.code, rule)


def rules(dimension: str | None = None) -> list[Rule]:
    return [r for r in _RULES.values() if dimension is None or r.dimension == dimension]


# ---------------------------------------------------------------- the roster's own rules

# Dynamic management: a change is to be approved within this many working days of the event (the
# death, the assessment, the move), on the working-day calendar (cases.working_days); a death in
# the population registry is to be on the roster (recorded as a death change, approved) within the
# same time. Late changes count for a year after their event.
DYNAMIC_WORKING_DAYS = 20
# Region paths are "province/city/county/township/village/" with 6-digit codes down to the county
# ("420000/420800/420802/…"), so a path's first 21 characters name its county, 14 its city.
COUNTY_PATH_LENGTH = 21
CITY_PATH_LENGTH = 14
DYNAMIC_WINDOW_DAYS = 365


def dynamic_working_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "SPECIALCARE_DYNAMIC_WORKING_DAYS", DYNAMIC_WORKING_DAYS))


def due_date(event_on: dt.date) -> dt.date:
    """The last day to approve a change whose event happened on `event_on`."""
    from minzheng.cases.working_days import add_working_days

    return add_working_days(event_on, dynamic_working_days())


def overdue_event_cutoff(on: dt.date) -> dt.date:
    """The latest event date whose deadline (N working days later) has passed by `on`: events on
    or before it are overdue on `on`. Found once per check by walking back the calendar."""
    from minzheng.cases.working_days import Calendar

    calendar = Calendar()
    n = dynamic_working_days()
    day = on - dt.timedelta(days=1)  # the deadline day itself must be before `on`
    while n:
        if calendar.is_working_day(day):
            n -= 1
        day -= dt.timedelta(days=1)
    # `day + 1` is the N-th working day back from on - 1; an event before it has its N-th
    # working day on or before on - 1.
    return day


def _active():
    from .models import Recipient, RecipientStatus

    return Recipient.objects.filter(status=RecipientStatus.ACTIVE)


# An 18-character GB 11643 number as the registry shows it masked (4208**********123X). The
# checksum itself is verified by core.idcard.parse whenever a number enters the registry or is
# typed on the roster; the registry keeps the number encrypted, so the set-based rule checks the
# form it can read: an 18-character number (a 15-digit legacy number left unconverted fails).
ID_MASKED_18 = r"^[0-9]{4}[*]{10}[0-9]{3}[0-9X]$"


def _id_invalid(on):
    return _active().exclude(person__id_masked__regex=ID_MASKED_18)


def _id_unauthenticated(on):
    from django.db.models import Q

    from .models import IdCheckMethod

    return _active().filter(
        Q(id_checked_on__isnull=True)
        | Q(id_checked_on__gt=on)
        | ~Q(id_check_method__in=IdCheckMethod.values)
    )


def _missing_certificate(on):
    return _active().filter(certificate_no="")


def _missing_service(on):
    from django.db.models import Q

    from .models import VETERAN_CATEGORIES

    return _active().filter(
        Q(enlisted_on__isnull=True) | Q(discharged_on__isnull=True) | Q(service_unit=""),
        category__in=list(VETERAN_CATEGORIES),
    )


def _missing_disability(on):
    from django.db.models import Q

    from .models import Category

    return _active().filter(
        Q(disability_grade__isnull=True) | Q(disability_cause=""),
        category=Category.DISABLED_VETERAN,
    )


def _missing_family(on):
    from django.db.models import Q

    from .models import FAMILY_CATEGORIES, Category

    bereaved = [c for c in FAMILY_CATEGORIES if c != Category.SERVING_FAMILY]
    return _active().filter(
        Q(category__in=list(FAMILY_CATEGORIES), soldier_name="")
        | Q(category__in=list(FAMILY_CATEGORIES), relation="")
        | Q(category__in=bereaved, soldier_died_on__isnull=True)
        | Q(category=Category.SERVING_FAMILY, service_kind="")
    )


def _late_changes(on):
    from django.db.models import Exists, F, OuterRef, Q

    from .models import ChangeKind, ChangeStatus, RecipientChange

    late = RecipientChange.objects.filter(
        Q(status=ChangeStatus.APPROVED, decided_at__date__gt=F("due_on"))
        | Q(status=ChangeStatus.PENDING, due_on__lt=on),
        recipient=OuterRef("pk"),
        event_on__gt=on - dt.timedelta(days=DYNAMIC_WINDOW_DAYS),
        event_on__lte=on,
    ).exclude(kind=ChangeKind.REGISTER)
    return _active().filter(Exists(late))


def _registry_death_unrecorded(on):
    return _active().filter(person__death_date__lte=overdue_event_cutoff(on))


def _dead_but_active(on):
    return _active().filter(person__death_date__lte=on)


def _county_mismatch(on):
    from django.db.models import F
    from django.db.models.functions import Substr

    return (
        _active()
        .annotate(
            record_county=Substr(F("region__path"), 1, COUNTY_PATH_LENGTH),
            hukou_county=Substr(F("person__hukou_region__path"), 1, COUNTY_PATH_LENGTH),
        )
        .exclude(record_county=F("hukou_county"))
    )


def _attributes_of_other_category(on):
    from django.db.models import Q

    from .models import FAMILY_CATEGORIES, VETERAN_CATEGORIES, Category

    return _active().filter(
        (Q(disability_grade__isnull=False) | ~Q(disability_cause=""))
        & ~Q(category=Category.DISABLED_VETERAN)
        | Q(category__in=list(VETERAN_CATEGORIES)) & ~Q(soldier_name="")
        | Q(category__in=list(FAMILY_CATEGORIES)) & ~Q(service_unit="")
    )


def _service_dates_impossible(on):
    from django.db.models import F, Q

    return _active().filter(
        Q(discharged_on__lt=F("enlisted_on"))
        | Q(enlisted_on__lte=F("person__birth_date"))
        | Q(enlisted_on__gt=on)
        | Q(discharged_on__gt=on)
    )


def register_roster_rules() -> None:
    from django.utils.translation import gettext_lazy as _

    for rule in (
        Rule("id_number_invalid", Dimension.ID, _("身份证号码不是18位标准号码"), _id_invalid),
        Rule("id_unauthenticated", Dimension.ID, _("未做二代身份证认证"), _id_unauthenticated),
        Rule(
            "missing_certificate", Dimension.COMPLETENESS, _("缺少证件编号"), _missing_certificate
        ),
        Rule(
            "missing_service",
            Dimension.COMPLETENESS,
            _("退役军人缺少入伍、退役日期或服役部队"),
            _missing_service,
        ),
        Rule(
            "missing_disability",
            Dimension.COMPLETENESS,
            _("残疾军人缺少残疾等级或致残性质"),
            _missing_disability,
        ),
        Rule(
            "missing_family",
            Dimension.COMPLETENESS,
            _("遗属或军属缺少军人姓名、关系、牺牲日期或服役类别"),
            _missing_family,
        ),
        Rule(
            "late_change",
            Dimension.DYNAMIC,
            _("变更未在规定工作日内审批"),
            _late_changes,
        ),
        Rule(
            "registry_death_unrecorded",
            Dimension.DYNAMIC,
            _("人口库已登记死亡，超过规定工作日未办理注销"),
            _registry_death_unrecorded,
        ),
        Rule("dead_but_active", Dimension.ACCURACY, _("人口库已死亡但仍在册"), _dead_but_active),
        Rule(
            "county_mismatch",
            Dimension.ACCURACY,
            _("户籍所在县与优抚对象所在县不一致"),
            _county_mismatch,
        ),
        Rule(
            "attributes_of_other_category",
            Dimension.ACCURACY,
            _("登记了其他类别的信息（如非残疾军人有残疾等级）"),
            _attributes_of_other_category,
        ),
        Rule(
            "service_dates_impossible",
            Dimension.ACCURACY,
            _("服役日期不合理（退役早于入伍、入伍早于出生或晚于今天）"),
            _service_dates_impossible,
        ),
    ):
        register(rule)


def get_rule(code: str) -> Rule | None:
    return _RULES.get(code)


def failing_any(on: dt.date, dimension: str | None = None):
    """One Q naming the records failing any rule (of a dimension): the rules as subqueries."""
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    terms = [Q(pk__in=r.failing(on).values("pk")) for r in rules(dimension)]
    return reduce(or_, terms) if terms else Q(pk__in=[])


DIMENSION_INDICATORS = {
    Dimension.ID: "pc_id_authentication_rate",
    Dimension.ACCURACY: "pc_info_accuracy_rate",
    Dimension.COMPLETENESS: "pc_data_completeness_rate",
    Dimension.DYNAMIC: "pc_dynamic_management_rate",
}
