"""The old-age allowance: enrolments, the monthly scan and reconciliation, proposals."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from minzheng.core.apitypes import Id
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.pagination import Listing, paginated
from minzheng.payments import months

from .. import allowance, selectors
from .outputs import enrolment_out
from .schemas import EldercareReasonIn, EnrolmentConfirmIn, EnrolmentItemOut, MonthIn

router = Router()


class EnrolmentFilter(Schema):
    status: str = ""
    region: str = ""


@router.get("/allowance/enrolments", response=list[EnrolmentItemOut])
@paginated()
def list_enrolments(request, filters: Query[EnrolmentFilter]):
    qs = allowance.enrolments_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.region:
        qs = qs.filter(region__path__contains=f"{filters.region}/")
    return Listing(qs.order_by("region__code", "id"), enrolment_out)


def _may_run_allowance(user) -> None:
    from minzheng.core.errors import PermissionDeniedError

    if not (
        user.is_superuser
        or (user.role in ("county_approver", "city_section", "admin") and user.can_write)
    ):
        raise PermissionDeniedError(_("只有县级以上业务人员可以运行高龄津贴月度扫描"))


@router.post("/allowance/scan")
def scan(request, payload: MonthIn):
    """Propose everyone reaching the allowance age by the end of the month (idempotent)."""
    _may_run_allowance(request.user)
    return allowance.scan_enrolments(month=months.parse(payload.month))


@router.post("/allowance/reconcile")
def reconcile(request, payload: MonthIn):
    """Bring every live allowance to the month's band and standard before the payroll (idempotent)."""
    _may_run_allowance(request.user)
    return allowance.reconcile_amounts(month=months.parse(payload.month), user=request.user)


@router.post("/allowance/enrolments/confirm")
def confirm_enrolments(request, payload: EnrolmentConfirmIn):
    """The township confirms proposals; each becomes an entitlement the payroll pays."""
    qs = allowance.enrolments_for(request.user).filter(pk__in=payload.ids)
    if not qs.exists():
        raise NotFoundOrOutOfScope()
    return allowance.confirm_enrolments(user=request.user, enrolments=qs, reason=payload.reason)


@router.post("/allowance/enrolments/{enrolment_id}/reject")
def reject_enrolment(request, enrolment_id: Id, payload: EldercareReasonIn):
    e = allowance.reject_enrolment(
        user=request.user,
        enrolment=allowance.get_enrolment(request.user, enrolment_id),
        reason=payload.reason,
    )
    return enrolment_out(e)


@router.post("/allowance/propose/{person_id}", response={201: dict})
def propose(request, person_id: Id):
    person = selectors.get_elderly(request.user, person_id)
    return Status(201, enrolment_out(allowance.propose_enrolment(user=request.user, person=person)))
