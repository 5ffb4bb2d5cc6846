"""The stages between acceptance and the county: verification, investigation, democratic
appraisal, township review, publicity, objections and the county spot-check draw."""

from __future__ import annotations

import datetime as dt
import math
import random
from fractions import Fraction

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.regions.models import Region

from .. import working_days
from ..models import (
    Appraisal,
    Case,
    CaseEvent,
    Decision,
    Investigation,
    Objection,
    ObjectionOutcome,
    Publicity,
    SpotCheck,
    State,
)
from ..params import ratio_text, workflow_param
from .guards import (
    CLERK,
    VERIFIER,
    VILLAGE,
    _act_date,
    _event,
    _guard,
    _locked,
    _names,
    _record,
    _refuse,
    _require_state,
    _text,
    _today,
    _transition,
)

# ---------------------------------------------------------------- verification, investigation, appraisal


# Plain atomic: verification records its outcome through it inside its own transaction.
@transaction.atomic
def record_verification(
    *,
    user,
    case: Case,
    passed: bool,
    report_ref: str = "",
    reasons: str = "",
    on: dt.date | None = None,
) -> Case:
    """Result of the economic-status verification. A failure is a written refusal without a home visit."""
    _guard(user, case, VERIFIER)
    case = _locked(case)
    _require_state(case, (State.VERIFYING,), _("信息核对"))
    on = _act_date(case, on)
    data = {"report_ref": (report_ref or "").strip()}
    if passed:
        return _transition(
            case,
            "pass_verification",
            _("信息核对"),
            user=user,
            action="verification",
            on=on,
            note=_("信息核对通过"),
            data=data,
        )
    reasons = _text(reasons, "reasons", _("核对不通过时须写明不予批准的理由"))
    return _refuse(
        case,
        level=Decision.Level.VERIFICATION,
        stage_label=_("信息核对"),
        action="verification",
        note=_("信息核对不通过：%(r)s"),
        reasons=reasons,
        user=user,
        on=on,
        data=data,
    )


@transaction.atomic(durable=True)
def record_investigation(
    *,
    user,
    case: Case,
    investigators: list[str],
    visited_on: dt.date,
    findings: str,
    on: dt.date | None = None,
) -> Investigation:
    """Home investigation (入户调查) by at least the required number of investigators."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.INVESTIGATING,), _("入户调查"))
    if visited_on > _today() or visited_on < case.stage_started_on:
        raise ServiceError({"visited_on": [_("入户日期应在本阶段开始之后、登记之日之前")]})
    on = _act_date(case, on or visited_on)
    names = _names(investigators, "investigators")
    minimum = workflow_param(
        "workflow.min_investigators", case.region, visited_on, programme=case.programme
    )
    if len(names) < minimum:
        raise ServiceError({"investigators": [_("入户调查人员不得少于 %(n)s 人") % {"n": minimum}]})
    if visited_on > on or visited_on < case.stage_started_on:
        raise ServiceError({"visited_on": [_("入户日期应在本阶段开始之后、登记之日之前")]})
    findings = _text(findings, "findings", _("请填写入户调查情况"))
    investigation = Investigation.objects.create(
        case=case, investigators=names, visited_on=visited_on, findings=findings, recorded_by=user
    )
    _transition(
        case,
        "complete_investigation",
        _("入户调查"),
        user=user,
        action="investigation",
        on=on,
        note=_("入户调查：%(names)s") % {"names": "、".join(names)},
        data={"investigation_id": investigation.pk},
    )
    return investigation


@transaction.atomic(durable=True)
def record_appraisal(
    *,
    user,
    case: Case,
    held_on: dt.date,
    invitees: int,
    attendees: int,
    votes_for: int,
    votes_against: int,
    note: str = "",
    on: dt.date | None = None,
) -> Appraisal:
    """Democratic appraisal (民主评议). Without a quorum the meeting is void and nothing is recorded."""
    _guard(user, case, CLERK | VILLAGE)
    case = _locked(case)
    _require_state(case, (State.APPRAISING,), _("民主评议"))
    if held_on > _today() or held_on < case.stage_started_on:
        raise ServiceError({"held_on": [_("评议日期应在本阶段开始之后、登记之日之前")]})
    on = _act_date(case, on or held_on)
    if held_on > on or held_on < case.stage_started_on:
        raise ServiceError({"held_on": [_("评议日期应在本阶段开始之后、登记之日之前")]})
    if invitees < 1:
        raise ServiceError({"invitees": [_("应到人数至少为1人")]})
    if attendees > invitees:
        raise ServiceError({"attendees": [_("实到人数不能多于应到人数")]})
    if votes_for < 0 or votes_against < 0 or votes_for + votes_against > attendees:
        raise ServiceError({"votes_for": [_("同意票与反对票之和不能多于实到人数")]})
    quorum = workflow_param(
        "workflow.appraisal_quorum_ratio", case.region, held_on, programme=case.programme
    )
    approval = workflow_param(
        "workflow.appraisal_approval_ratio", case.region, held_on, programme=case.programme
    )
    if Fraction(attendees, invitees) < quorum:
        raise ServiceError(
            {
                "attendees": [
                    _("实到 %(a)s 人，未达到应到 %(i)s 人的 %(q)s，评议无效，请重新组织评议")
                    % {"a": attendees, "i": invitees, "q": ratio_text(quorum)}
                ]
            }
        )
    approved = attendees > 0 and Fraction(votes_for, attendees) >= approval
    appraisal = Appraisal.objects.create(
        case=case,
        held_on=held_on,
        invitees=invitees,
        attendees=attendees,
        votes_for=votes_for,
        votes_against=votes_against,
        quorum_ratio=ratio_text(quorum),
        approval_ratio=ratio_text(approval),
        approved=approved,
        note=(note or "").strip(),
        recorded_by=user,
    )
    result = _("通过") if approved else _("未通过")
    _transition(
        case,
        "complete_appraisal",
        _("民主评议"),
        user=user,
        action="appraisal",
        on=on,
        note=_("民主评议%(r)s：应到%(i)s人，实到%(a)s人，同意%(f)s票，反对%(g)s票")
        % {"r": result, "i": invitees, "a": attendees, "f": votes_for, "g": votes_against},
        data={"appraisal_id": appraisal.pk, "approved": approved},
    )
    return appraisal


# ---------------------------------------------------------------- township review and publicity


@transaction.atomic(durable=True)
def township_review(
    *,
    user,
    case: Case,
    approve: bool,
    reasons: str = "",
    publicity_starts_on: dt.date | None = None,
    on: dt.date | None = None,
) -> Case:
    """Township review (乡镇审核). Approval starts the publicity; a refusal carries written reasons.
    After an objection is upheld during publicity the township may still refuse."""
    _guard(user, case, CLERK)
    case = _locked(case)
    on = _act_date(case, on)
    if not approve:
        _require_state(case, (State.TOWNSHIP_REVIEW, State.PUBLICITY), _("乡镇审核"))
        if (
            case.state == State.PUBLICITY
            and not case.objections.filter(outcome=ObjectionOutcome.UPHELD).exists()
        ):
            raise ServiceError(
                {"decision": [_("公示期间仅在异议成立时可作出不予批准的审核")]}, status=409
            )
        reasons = _text(reasons, "reasons", _("不予批准时须写明理由"))
        return _refuse(
            case,
            level=Decision.Level.TOWNSHIP,
            stage_label=_("乡镇审核"),
            action="township_review",
            note=_("乡镇审核不同意：%(r)s"),
            reasons=reasons,
            user=user,
            on=on,
        )
    _require_state(case, (State.TOWNSHIP_REVIEW,), _("乡镇审核"))
    reasons = (reasons or "").strip()
    last_appraisal = case.appraisals.order_by("-id").first()
    if last_appraisal is not None and not last_appraisal.approved and not reasons:
        raise ServiceError({"reasons": [_("民主评议未通过，同意时须写明理由")]})
    starts_on = publicity_starts_on or on
    if starts_on < on:
        raise ServiceError({"publicity_starts_on": [_("公示开始日期不能早于审核日期")]})
    days = workflow_param(
        "workflow.publicity_days", case.region, starts_on, programme=case.programme
    )
    ends_on = starts_on + dt.timedelta(days=days)
    Decision.objects.create(
        case=case,
        level=Decision.Level.TOWNSHIP,
        outcome=Decision.Outcome.APPROVE,
        reasons=reasons,
        decided_on=on,
        decided_by=user,
    )
    publicity = Publicity.objects.create(case=case, starts_on=starts_on, ends_on=ends_on)
    return _transition(
        case,
        "start_publicity",
        _("乡镇审核"),
        user=user,
        action="township_review",
        on=on,
        due=publicity.ends_on,
        note=_("乡镇审核同意，公示 %(s)s 至 %(e)s")
        % {"s": starts_on.isoformat(), "e": publicity.last_day.isoformat()},
        data={"publicity_starts_on": starts_on, "publicity_last_day": publicity.last_day},
    )


@transaction.atomic(durable=True)
def file_objection(
    *, user, case: Case, content: str, objector: str = "", filed_on: dt.date | None = None
) -> Objection:
    """An objection raised during the publicity, to be resolved within the objection deadline."""
    _guard(user, case, CLERK | VILLAGE)
    case = _locked(case)
    _require_state(case, (State.PUBLICITY,), _("登记公示异议"))
    filed_on = _act_date(None, filed_on, "filed_on")
    publicity = case.publicity
    if not publicity.starts_on <= filed_on <= publicity.last_day:
        raise ServiceError(
            {
                "filed_on": [
                    _("异议应在公示期内（%(s)s 至 %(e)s）提出")
                    % {"s": publicity.starts_on.isoformat(), "e": publicity.last_day.isoformat()}
                ]
            }
        )
    content = _text(content, "content", _("请填写异议内容"))
    days = workflow_param(
        "workflow.objection_working_days", case.region, filed_on, programme=case.programme
    )
    objection = Objection.objects.create(
        case=case,
        objector=(objector or "").strip()[:64],
        content=content,
        filed_on=filed_on,
        due_on=working_days.add_working_days(filed_on, days),
        recorded_by=user,
    )
    _record(
        case,
        user=user,
        action="objection",
        on=filed_on,
        obj=objection,
        note=_("登记公示异议，应于 %(d)s 前办结") % {"d": objection.due_on.isoformat()},
        data={"objection_id": objection.pk},
    )
    return objection


@transaction.atomic(durable=True)
def resolve_objection(
    *,
    user,
    case: Case,
    objection: Objection,
    outcome: str,
    resolution: str,
    on: dt.date | None = None,
) -> Objection:
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.PUBLICITY,), _("办结公示异议"))
    objection = Objection.objects.select_for_update().get(pk=objection.pk, case=case)
    if objection.resolved_on is not None:
        raise ServiceError({"objection": [_("该异议已办结")]}, status=409)
    if outcome not in ObjectionOutcome.values:
        raise ServiceError({"outcome": [_("请选择异议是否成立")]})
    resolution = _text(resolution, "resolution", _("请填写核查处理情况"))
    on = _act_date(None, on)
    if on < objection.filed_on:
        raise ServiceError({"on": [_("办结日期不能早于异议提出日期")]})
    with audit.audited(
        objection,
        object_repr=f"{case.number} {_('公示异议')}",
        region_code=case.audit_region_code,
    ):
        objection.outcome, objection.resolution, objection.resolved_on, objection.resolved_by = (
            outcome,
            resolution,
            on,
            user,
        )
        objection.save()
        _event(
            case,
            user=user,
            action="objection_resolved",
            on=on,
            from_state=case.state,
            note=_("异议办结：%(o)s。%(r)s")
            % {"o": objection.get_outcome_display(), "r": resolution},
            data={"objection_id": objection.pk},
        )
    return objection


def spot_check_draw(number: str) -> float:
    """The case's fixed random number in [0, 1): the same case number always draws the same."""
    return random.Random(f"spot-check:{number}").random()


def _county_of(region: Region) -> Region | None:
    codes = region.path.strip("/").split("/")
    prefixes = ["/".join(codes[: n + 1]) + "/" for n in range(len(codes))]
    return Region.objects.filter(level=Region.Level.COUNTY, path__in=prefixes).first()


def _below_quota(case: Case, on: dt.date, ratio: Fraction) -> bool:
    """Whether the county's spot checks of the year would fall below the ratio of the files that
    reached county review (this one included), in whole files, without selecting this one. The
    county row is locked so that two cases reaching review at once are counted one at a time."""
    county = _county_of(case.region)
    if county is None:
        return False
    Region.objects.select_for_update().filter(pk=county.pk).exists()
    in_county = {"case__region__path__startswith": county.path}
    reached = (
        CaseEvent.objects.filter(to_state=State.COUNTY_REVIEW, on__year=on.year, **in_county)
        .values("case")
        .distinct()
        .count()
    )
    checked = SpotCheck.objects.filter(selected_on__year=on.year, **in_county).count()
    return checked < math.floor(ratio * reached)


def _select_for_spot_check(case: Case, on: dt.date) -> SpotCheck | None:
    """Home spot checks of at least the ratio of the files (DOMAIN §3.1): each case draws a fixed
    random number, and a case is also selected when the county's checks of the year would
    otherwise fall below the ratio (rounded down to whole files: the first three files of a
    year at 30 % need none); every relative of staff is checked."""
    ratio = workflow_param("workflow.spot_check_ratio", case.region, on, programme=case.programme)
    draw = spot_check_draw(case.number)
    if case.relative_of_staff:
        reason = SpotCheck.Reason.RELATIVE
    elif Fraction(draw) < ratio:
        reason = SpotCheck.Reason.RANDOM
    elif _below_quota(case, on, ratio):
        reason = SpotCheck.Reason.QUOTA
    else:
        return None
    return SpotCheck.objects.create(
        case=case, reason=reason, draw=draw, ratio=ratio_text(ratio), selected_on=on
    )


def _enter_county_review(
    case: Case, method: str, action_label: str, *, user, action: str, on: dt.date, note: str
) -> Case:
    case = _transition(case, method, action_label, user=user, action=action, on=on, note=note)
    check = _select_for_spot_check(case, on)
    if check is not None:
        # The selection is the system's (a draw, or the rule for staff relatives), not the
        # approver's whose action moved the case on: recorded without a user.
        _record(
            case,
            user=None,
            action="spot_check_selected",
            on=on,
            obj=check,
            note=_("抽中县级入户抽查（%(r)s）") % {"r": check.get_reason_display()},
            data={"draw": check.draw, "ratio": check.ratio},
        )
    return case


@transaction.atomic(durable=True)
def close_publicity(*, user, case: Case, on: dt.date | None = None) -> Case:
    """End of publicity: only after the period, with every objection resolved and none upheld."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.PUBLICITY,), _("公示期满报送县级审批"))
    on = _act_date(None, on)
    publicity = case.publicity
    if not publicity.may_close_on(on):
        raise ServiceError(
            {
                "on": [
                    _("公示期至 %(e)s 届满，次日起方可报送县级审批")
                    % {"e": publicity.last_day.isoformat()}
                ]
            },
            status=409,
        )
    objections = list(case.objections.all())
    if any(o.resolved_on is None for o in objections):
        raise ServiceError({"objections": [_("尚有未办结的公示异议，办结后方可报送")]}, status=409)
    if any(o.outcome == ObjectionOutcome.UPHELD for o in objections):
        raise ServiceError(
            {"objections": [_("有异议经核查成立，应由乡镇（街道）作出不予批准的审核意见")]},
            status=409,
        )
    publicity.closed_on = on
    publicity.save(update_fields=["closed_on"])
    return _enter_county_review(
        case,
        "close_publicity",
        _("公示期满报送县级审批"),
        user=user,
        action="close_publicity",
        on=on,
        note=_("公示期满无异议或异议不成立，报送县级审批"),
    )
