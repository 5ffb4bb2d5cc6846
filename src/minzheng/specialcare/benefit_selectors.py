"""Who sees and does what with the special-care benefits, and the scoped reads (every read goes
through the user's region scope: a record of another county is a 404).

Readers: the township clerk, the county approver, the city section, the administrators (and the
leader, counts only through the targets). The county approver (and an administrator) confirms
pensions, issues the conscript-family benefits and decides one-off grants; the township clerk and
the county record medical guarantees.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role, role_of
from minzheng.core.scope import scope_q
from minzheng.payments.models import Entitlement

from .models import ConscriptBenefit, MedicalGuarantee, OneOffGrant, Pension, Recipient

READERS = (Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
CONFIRMERS = (Role.COUNTY_APPROVER, Role.ADMIN)
GUARANTEE_WRITERS = (Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.ADMIN)


def may_see(user) -> bool:
    return role_of(user) in READERS


def may_confirm(user) -> bool:
    return role_of(user) in CONFIRMERS and user.can_write


def may_record_guarantee(user) -> bool:
    return role_of(user) in GUARANTEE_WRITERS and user.can_write


def recipients(user):
    if not may_see(user):
        return Recipient.objects.none()
    return Recipient.objects.filter(scope_q(user, "region")).select_related("person", "region")


def get_recipient(user, pk) -> Recipient:
    try:
        return recipients(user).get(pk=pk)
    except (Recipient.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrOutOfScope() from None


def pensions(user):
    if not may_see(user):
        return Pension.objects.none()
    return Pension.objects.filter(scope_q(user, "recipient__region")).select_related(
        "recipient__person", "recipient__region", "entitlement"
    )


def live_pensions(user):
    return pensions(user).exclude(entitlement__status=Entitlement.Status.TERMINATED)


def with_pension_flag(queryset):
    live = Pension.objects.filter(recipient=OuterRef("pk")).exclude(
        entitlement__status=Entitlement.Status.TERMINATED
    )
    return queryset.annotate(has_pension=Exists(live))


def conscript_benefits(user):
    if not may_see(user):
        return ConscriptBenefit.objects.none()
    return ConscriptBenefit.objects.filter(scope_q(user, "region")).select_related(
        "recipient__person", "region", "payable"
    )


def guarantees(user):
    if not may_see(user):
        return MedicalGuarantee.objects.none()
    return MedicalGuarantee.objects.filter(scope_q(user, "region")).select_related(
        "recipient__person", "region"
    )


def grants(user):
    if not may_see(user):
        return OneOffGrant.objects.none()
    return OneOffGrant.objects.filter(scope_q(user, "region")).select_related(
        "recipient__person", "region", "payable"
    )
