"""Orphan basic living allowance (孤儿基本生活费, docs/DOMAIN.md §6.1), paid by the payroll.

An orphan on the register whom the county child-protection officer confirms becomes a per-person
`payments.Entitlement` of programme `orphan_allowance`, from the month after the confirmation
(as every entitlement the platform creates) to the month before the 18th birthday's month
[assumed], so the allowance is paid in the same idempotent
monthly payroll as assistance and stopped by the same death scan. The monthly amount is the
standard of the orphan's care type in force for the child's village: `amount_institutional`
(机构养育) or `amount_dispersed` (散居), parameters of the programme by region and date (defaults
1,000 and 600 元 a month, [local]/[assumed], in assistance/defaults.py). The entitlement's basis
is the care type, and the calculator registered here lets the payroll's standard-change
recomputation move every orphan to a new figure from the month it takes effect.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.assistance.selectors import all_standards_in_force
from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.payments import months
from minzheng.payments import services as payment_services
from minzheng.payments.models import Entitlement
from minzheng.people.selectors import current_household

from .models import Category, ChildRecord
from .permissions import may_confirm_allowance
from .selectors import get_record

PROGRAMME = "orphan_allowance"
RULE_VERSION = "orphan_allowance/2016.1"
KEYS = {"institutional": "amount_institutional", "dispersed": "amount_dispersed"}


def amount_for(care_type: str, standards: dict) -> int:
    """The monthly amount in fen for a care type under the resolved standards of a region."""
    key = KEYS.get(care_type)
    resolved = standards.get(PROGRAMME, {}).get(key) if key else None
    value = getattr(resolved, "value", None)
    if value is None:
        raise LookupError(f"{PROGRAMME}.{key}")
    return value


@transaction.atomic
def confirm_orphan(*, user, record: ChildRecord, on: dt.date | None = None) -> Entitlement:
    """The county confirms an orphan: the allowance is paid from the next month."""
    record = get_record(user, record.pk)
    if not may_confirm_allowance(user):
        raise PermissionDeniedError(_("只有县级儿童保护专干可以确认孤儿基本生活费"))
    record = (
        ChildRecord.objects.select_for_update(of=("self",))
        .select_related("person", "region")
        .get(pk=record.pk)
    )
    on = on or timezone.localdate()
    if record.category != Category.ORPHAN:
        raise ServiceError({"category": [_("只有孤儿可以享受孤儿基本生活费")]})
    if record.care_type not in KEYS:
        raise ServiceError({"care_type": [_("请先登记孤儿的养育方式")]})
    if record.entitlement_id:
        raise ServiceError({"category": [_("该孤儿已在发放孤儿基本生活费")]}, status=409)
    person = record.person
    if not person.is_alive:
        raise ServiceError({"category": [_("该儿童已死亡")]})
    household = current_household(person)
    if household is None:
        raise ServiceError(
            {"household": [_("该儿童没有登记家庭户，无法发放；请先在人口库中登记家庭")]}
        )
    start = months.next_month(on)
    # Paid until the child comes of age: the last month paid is the one before the month of the
    # 18th birthday [assumed].
    end = months.add_months(dt.date(person.birth_date.year + 18, person.birth_date.month, 1), -1)
    if end < start:
        raise ServiceError({"category": [_("该儿童下月即满18周岁，不再发放孤儿基本生活费")]})
    standards = all_standards_in_force(record.region, start)
    try:
        amount = amount_for(record.care_type, standards)
    except LookupError:
        raise ServiceError({"care_type": [_("所在地区没有生效的孤儿基本生活费标准")]}) from None
    note = _("县级确认孤儿，自%(m)s起发放孤儿基本生活费") % {"m": months.label(start)}
    entitlement = payment_services.open_person_entitlement(
        user=user,
        programme=PROGRAMME,
        person_id=person.pk,
        household_id=household.pk,
        region_id=record.region_id,
        on=on,
        start_month=start,
        end_month=end,
        amount_fen=amount,
        basis={"care_type": record.care_type},
        standard_detail=standards[PROGRAMME][KEYS[record.care_type]],
        rule_version=RULE_VERSION,
        note=note,
        duplicate_error={"category": [_("该儿童已有在享的孤儿基本生活费待遇")]},
    )
    before = audit.snapshot(record)
    record.allowance_confirmed_on = on
    record.entitlement = entitlement
    record.save(update_fields=["allowance_confirmed_on", "entitlement", "updated_at"])
    audit.record("update", obj=record, before=before, after=audit.snapshot(record), note=note)
    return entitlement


def register_calculator() -> None:
    """Let the payroll's standard-change recomputation compute orphan allowances: the basis is
    the care type, the amount that type's standard."""
    from minzheng.payments import calculators

    def amount(basis: dict, standards) -> tuple[bool, int]:
        care = (basis or {}).get("care_type")
        if care not in KEYS:
            return False, 0
        return True, amount_for(care, standards)

    calculators.register(
        calculators.Calculator(
            programme=PROGRAMME,
            depends_on=frozenset({PROGRAMME}),
            reads=frozenset({(PROGRAMME, key) for key in KEYS.values()}),
            basis=lambda result, facts: None,
            amount=amount,
        )
    )
