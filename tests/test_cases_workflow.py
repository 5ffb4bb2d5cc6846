"""The application procedure at the service level: rules of each stage, refusals keeping their
written reasons, withdrawal, the emergency path, spot-check sampling, overdue flags, and 20
concurrent approvals of one case making exactly one transition.

Dates are in October 2016 so deadlines cross the National Day week (10-1..10-7 off, Sat 10-8
and Sun 10-9 worked); the procedure's clock (`minzheng.cases.clock.today`) is set per step.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client

from minzheng.cases import selectors, services
from minzheng.cases.models import (
    Case,
    CaseEvent,
    Decision,
    DocumentKind,
    Programme,
    SpotCheck,
    State,
)
from minzheng.cases.params import DEFAULTS, workflow_param
from minzheng.cases.services import stages
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from tests.fixtures.cases import (
    PDF_BYTES,
    PNG_BYTES,
    apply_as_clerk,
    authorise,
    to_stage,
    upload,
)

from .conftest import PASSWORD, make_id

D = dt.date.fromisoformat
pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def world(case_world):
    return case_world


def transition_audits(case) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="transition", object_type="cases.case", object_id=str(case.pk)
        ).order_by("seq")
    )


# ---------------------------------------------------------------- parameters


def test_workflow_parameters_default_to_the_domain_rules(world):
    village = world["regions"]["longquan_community"]
    on = D("2016-10-10")
    expected = {
        "workflow.publicity_days": 7,
        "workflow.investigation_days": 10,
        "workflow.appraisal_working_days": 5,
        "workflow.county_approval_working_days": 10,
        "workflow.objection_working_days": 20,
        "workflow.spot_check_ratio": Fraction(3, 10),
        "workflow.appraisal_quorum_ratio": Fraction(2, 3),
        "workflow.appraisal_approval_ratio": Fraction(2, 3),
        "workflow.min_investigators": 2,
    }
    for key, value in expected.items():
        assert workflow_param(key, village, on) == value, key
    assert set(expected) <= set(DEFAULTS)
    with pytest.raises(KeyError):
        workflow_param("workflow.no_such_rule", village, on)


# ---------------------------------------------------------------- application


def test_a_resident_applies_for_their_own_household_only(world, set_today):
    set_today("2016-09-26")
    u, p = world["users"], world["people"]
    case = services.apply(user=u["resident"], programme=Programme.DIBAO_URBAN, reason="失业")
    assert (case.channel, case.applicant, case.household, case.region) == (
        "online",
        p["zhang"],
        p["hh_dongbao"],
        p["hh_dongbao"].region,
    )
    assert case.state == State.SUBMITTED and case.filed_by is None
    # Acceptance within 3 working days: Mon 9-26 → Thu 9-29.
    assert case.stage_due_on == D("2016-09-29")
    assert case.number == "420802201600001"  # county code, year, sequence
    with pytest.raises(ServiceError) as exc:
        services.apply(
            user=u["resident"], programme=Programme.MEDICAL, household=p["hh_zhongxiang"]
        )
    assert "household_id" in exc.value.errors
    # One open application per household and programme.
    with pytest.raises(ServiceError) as exc:
        services.apply(user=u["resident"], programme=Programme.DIBAO_URBAN)
    assert exc.value.status == 409 and "programme" in exc.value.errors


def test_a_village_worker_files_on_behalf_within_their_village(world, set_today):
    set_today("2016-09-26")
    u, p = world["users"], world["people"]
    case = services.apply(
        user=u["dongbao_village"],
        programme=Programme.DIBAO_URBAN,
        household=p["hh_dongbao"],
        applicant=p["li"],
    )
    assert (
        case.channel == "on_behalf"
        and case.filed_by == u["dongbao_village"]
        and case.applicant == p["li"]
    )
    with pytest.raises(ServiceError) as exc:
        services.apply(
            user=u["dongbao_village"],
            programme=Programme.TEKUN,
            household=p["hh_zhongxiang"],
            applicant=p["wang"],
        )
    assert "household_id" in exc.value.errors
    # The applicant must live in the household.
    with pytest.raises(ServiceError) as exc:
        services.apply(
            user=u["dongbao_village"],
            programme=Programme.TEKUN,
            household=p["hh_dongbao"],
            applicant=p["wang"],
        )
    assert "applicant_id" in exc.value.errors
    with pytest.raises(PermissionDeniedError):
        services.apply(
            user=u["leader"],
            programme=Programme.TEKUN,
            household=p["hh_dongbao"],
            applicant=p["zhang"],
        )


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"programme": "pension"}, "programme"),
        ({"is_emergency": True}, "is_emergency"),
        ({"programme": Programme.TEMPORARY}, "requested_amount_fen"),
        ({"relative_of_staff": True}, "relative_relation"),
        ({"facts": ["not", "an", "object"]}, "facts"),
        ({"on": "2016-09-27"}, "applied_on"),  # after the clock's today
    ],
)
def test_invalid_applications_name_the_field(world, set_today, extra, field):
    set_today("2016-09-26")
    with pytest.raises(ServiceError) as exc:
        apply_as_clerk(world, **extra)
    assert field in exc.value.errors


def test_id_numbers_in_the_facts_are_replaced_by_the_person_age_and_sex(world, set_today):
    set_today("2016-09-26")
    p = world["people"]
    outsider = make_id("420802", "20100615", 41)  # a child not yet registered in the household
    facts = {
        "members": [
            {"relation": "head", "id_number": p["zhang"].id_number, "income": {"wage": "600.00"}},
            {"relation": "child", "id_number": outsider},
        ],
        "property": {"homes": 1},
    }
    case = apply_as_clerk(world, facts=facts)
    assert case.facts == {
        "members": [
            # 张三 born 1980-01-01 is 36 on 2016-09-26; the child born 2010-06-15 is 6.
            {
                "relation": "head",
                "person_id": p["zhang"].pk,
                "age": 36,
                "sex": "M",
                "income": {"wage": "600.00"},
            },
            {"relation": "child", "age": 6, "sex": "M"},
            # Members the facts left out are listed from the household register.
            {"relation": "spouse", "person_id": p["li"].pk},
        ],
        "property": {"homes": 1},
    }
    assert p["zhang"].id_number not in str(case.facts) and outsider not in str(case.facts)
    with pytest.raises(ServiceError) as exc:
        apply_as_clerk(
            world,
            programme=Programme.MEDICAL,
            facts={"members": [{"relation": "head"}, {"id_number": "420802201006150410"}]},
        )
    assert "facts.members.1.id_number" in exc.value.errors


# ---------------------------------------------------------------- acceptance


def test_acceptance_needs_the_signed_authorisation_and_the_list_is_one_time(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.SUBMITTED)
    with pytest.raises(ServiceError) as exc:
        services.accept(user=u["dongbao_clerk"], case=case)
    assert "authorisation" in exc.value.errors
    with pytest.raises(PermissionDeniedError):
        services.accept(user=u["dongbao_village"], case=case, missing_materials=["户口簿"])
    with pytest.raises(NotFoundOrOutOfScope):
        services.accept(user=u["zhongxiang_clerk"], case=case, missing_materials=["户口簿"])
    case = services.accept(
        user=u["dongbao_clerk"], case=case, missing_materials=["户口簿", " 收入证明 ", "户口簿", ""]
    )
    assert case.state == State.AWAITING_MATERIALS and case.stage_due_on is None
    assert case.missing_materials.items == ["户口簿", "收入证明"]
    # A second list cannot be issued: acceptance is over.
    with pytest.raises(ServiceError) as exc:
        services.accept(user=u["dongbao_clerk"], case=case, missing_materials=["结婚证"])
    assert exc.value.status == 409
    with pytest.raises(ServiceError) as exc:
        services.complete_materials(user=u["dongbao_clerk"], case=case)
    assert "authorisation" in exc.value.errors
    authorise(world, case)
    set_today("2016-09-28")
    case = services.complete_materials(user=u["dongbao_clerk"], case=case)
    # Verification within 10 working days of Wed 9-28: 9-29, 9-30, 10-8, 10-9, 10-10 … 10-14, 10-17.
    assert case.state == State.VERIFYING and case.stage_due_on == D("2016-10-17")
    assert case.missing_materials.completed_on == D("2016-09-28")


def test_documents_are_checked_by_content_and_size(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.SUBMITTED)
    doc = upload(u["resident"], case, DocumentKind.HUKOU_BOOK, PNG_BYTES, "户口簿.png")
    assert (doc.content_type, doc.size, doc.file.name.endswith(".png")) == (
        "image/png",
        len(PNG_BYTES),
        True,
    )
    assert doc.file.read() == PNG_BYTES
    assert "户口簿" not in doc.file.name  # the stored name never carries the uploaded one
    for content, name in [(b"MZ\x90\x00 executable", "a.pdf"), (b"", "empty.pdf")]:
        with pytest.raises(ServiceError) as exc:
            upload(u["resident"], case, DocumentKind.ID_CARD, content, name)
        assert "file" in exc.value.errors
    with pytest.raises(ServiceError) as exc:
        upload(
            u["resident"],
            case,
            DocumentKind.ID_CARD,
            PDF_BYTES + b"0" * services.MAX_DOCUMENT_BYTES,
        )
    assert "file" in exc.value.errors
    with pytest.raises(ServiceError) as exc:
        upload(u["resident"], case, "passport")
    assert "kind" in exc.value.errors
    with pytest.raises(NotFoundOrOutOfScope):
        upload(u["wang_resident"], case)


def test_an_application_and_its_scans_are_kept_together_or_not_at_all(world, set_today):
    set_today("2016-09-26")
    clerk, people = world["users"]["dongbao_clerk"], world["people"]
    application = {
        "user": clerk,
        "programme": Programme.DIBAO_URBAN,
        "household": people["hh_dongbao"],
        "applicant": people["zhang"],
        "applied_on": D("2016-09-26"),
    }
    with pytest.raises(ServiceError) as exc:
        services.submit_application(
            **application,
            documents=[
                (DocumentKind.ID_CARD, SimpleUploadedFile("id.pdf", PDF_BYTES)),
                (DocumentKind.HUKOU_BOOK, SimpleUploadedFile("hukou.pdf", b"MZ\x90\x00")),
            ],
        )
    # The refused scan is named by its kind, and neither the case nor the first scan remains.
    assert list(exc.value.errors) == [DocumentKind.HUKOU_BOOK]
    assert not Case.objects.filter(household=people["hh_dongbao"]).exists()
    case = services.submit_application(
        **application,
        documents=[(DocumentKind.ID_CARD, SimpleUploadedFile("id.pdf", PDF_BYTES))],
    )
    assert [d.kind for d in case.documents.all()] == [DocumentKind.ID_CARD]


def test_an_authorisation_is_registered_with_its_scan_or_not_at_all(world, set_today):
    case = to_stage(world, set_today, State.SUBMITTED)
    clerk = world["users"]["dongbao_clerk"]
    signed = {"signed_on": D("2016-09-26"), "signed_by": ["张三", "李梅"]}
    with pytest.raises(ServiceError) as exc:
        services.record_authorisation_scan(
            user=clerk,
            case=case,
            scan=SimpleUploadedFile("a.pdf", PDF_BYTES),
            signed_on=D("2016-09-26"),
            signed_by=[],
        )
    assert "signed_by" in exc.value.errors
    assert not case.documents.exists()
    authorisation = services.record_authorisation_scan(
        user=clerk, case=case, scan=SimpleUploadedFile("a.pdf", PDF_BYTES), **signed
    )
    assert authorisation.document.kind == DocumentKind.AUTHORISATION
    assert authorisation.signed_by == ["张三", "李梅"]


def test_a_use_case_is_its_own_transaction_and_refuses_to_be_nested(world, set_today):
    case = to_stage(world, set_today, State.SUBMITTED)
    authorise(world, case)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.accept(user=world["users"]["dongbao_clerk"], case=case)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


# ---------------------------------------------------------------- investigation and appraisal


def test_investigation_needs_two_distinct_investigators(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.INVESTIGATING)
    # Home investigation within 10 calendar days of 10-10.
    assert case.stage_due_on == D("2016-10-20")
    set_today("2016-10-12")
    for names in (["刘强"], ["刘强", " 刘强 "], ["", "刘强"]):
        with pytest.raises(ServiceError) as exc:
            services.record_investigation(
                user=u["dongbao_clerk"],
                case=case,
                investigators=names,
                visited_on=D("2016-10-12"),
                findings="见面",
            )
        assert "investigators" in exc.value.errors
    services.record_investigation(
        user=u["dongbao_clerk"],
        case=case,
        investigators=["刘强", "陈芳"],
        visited_on=D("2016-10-11"),
        findings="见面",
    )
    case.refresh_from_db()
    # The stage ends on the day of the visit; appraisal within 5 working days of Tue 10-11:
    # 12, 13, 14, 17, 18.
    assert case.state == State.APPRAISING and case.stage_started_on == D("2016-10-11")
    assert case.stage_due_on == D("2016-10-18")


@pytest.mark.parametrize(
    "invitees, attendees, votes_for, votes_against, outcome",
    [
        (9, 6, 4, 2, True),  # 6/9 = 2/3 quorum met exactly; 4/6 = 2/3 approval met exactly
        (9, 6, 3, 3, False),  # quorum met, 3/6 < 2/3
        (3, 2, 2, 0, True),  # 2/3 and 2/2
        (9, 9, 5, 4, False),  # 5/9 < 2/3
        (9, 5, 5, 0, "attendees"),  # 5/9 < 2/3: no quorum, the meeting is void
        (10, 6, 6, 0, "attendees"),  # 6/10 < 2/3
        (9, 10, 5, 0, "attendees"),  # more present than invited
        (9, 7, 5, 3, "votes_for"),  # 8 votes from 7 people
        (0, 0, 0, 0, "invitees"),
    ],
)
def test_appraisal_quorum_and_approval(
    world, set_today, invitees, attendees, votes_for, votes_against, outcome
):
    case = to_stage(world, set_today, State.APPRAISING)
    set_today("2016-10-14")
    call = dict(
        user=world["users"]["dongbao_village"],
        case=case,
        held_on=D("2016-10-14"),
        invitees=invitees,
        attendees=attendees,
        votes_for=votes_for,
        votes_against=votes_against,
    )
    if isinstance(outcome, str):
        with pytest.raises(ServiceError) as exc:
            services.record_appraisal(**call)
        assert outcome in exc.value.errors
        assert (
            Case.objects.get(pk=case.pk).state == State.APPRAISING and not case.appraisals.exists()
        )
    else:
        appraisal = services.record_appraisal(**call)
        assert appraisal.approved is outcome
        assert (appraisal.quorum_ratio, appraisal.approval_ratio) == ("2/3", "2/3")
        case.refresh_from_db()
        # Township review within 5 working days of Fri 10-14: 17, 18, 19, 20, 21.
        assert case.state == State.TOWNSHIP_REVIEW and case.stage_due_on == D("2016-10-21")


def test_approving_after_a_failed_appraisal_needs_written_reasons(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.APPRAISING)
    set_today("2016-10-14")
    services.record_appraisal(
        user=u["dongbao_village"],
        case=case,
        held_on=D("2016-10-14"),
        invitees=9,
        attendees=9,
        votes_for=3,
        votes_against=6,
    )
    with pytest.raises(ServiceError) as exc:
        services.township_review(user=u["dongbao_clerk"], case=case, approve=True)
    assert "reasons" in exc.value.errors
    case = services.township_review(
        user=u["dongbao_clerk"],
        case=case,
        approve=True,
        reasons="评议受邻里纠纷影响，经核实符合条件",
    )
    assert case.state == State.PUBLICITY


# ---------------------------------------------------------------- publicity


def test_publicity_runs_its_days_and_objections_must_be_resolved(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.PUBLICITY)
    # Seven calendar days, Mon 10-17 through Sun 10-23; the stage is due the day after.
    assert (case.publicity.starts_on, case.publicity.last_day, case.stage_due_on) == (
        D("2016-10-17"),
        D("2016-10-23"),
        D("2016-10-24"),
    )
    set_today("2016-10-18")
    objection = services.file_objection(
        user=u["dongbao_village"], case=case, content="其子有车", objector=""
    )
    # 20 working days from Tue 10-18.
    assert objection.due_on == D("2016-11-15")
    with pytest.raises(ServiceError) as exc:
        services.file_objection(
            user=u["dongbao_village"], case=case, content="迟到的异议", filed_on=D("2016-10-16")
        )
    assert "filed_on" in exc.value.errors
    set_today("2016-10-21")
    with pytest.raises(ServiceError) as exc:
        services.close_publicity(user=u["dongbao_clerk"], case=case)
    assert exc.value.status == 409 and exc.value.errors["on"] == [
        "公示期至 2016-10-23 届满，次日起方可报送县级审批"
    ]
    # Refusing during publicity needs an upheld objection; the form is not offered before.
    assert "township_review" not in selectors.allowed_actions(u["dongbao_clerk"], case)
    with pytest.raises(ServiceError) as exc:
        services.township_review(
            user=u["dongbao_clerk"], case=case, approve=False, reasons="无异议也想不予批准"
        )
    assert exc.value.status == 409 and "decision" in exc.value.errors
    set_today("2016-10-24")
    with pytest.raises(ServiceError) as exc:
        services.close_publicity(user=u["dongbao_clerk"], case=case)
    assert exc.value.status == 409 and "objections" in exc.value.errors
    services.resolve_objection(
        user=u["dongbao_clerk"],
        case=case,
        objection=objection,
        outcome="upheld",
        resolution="经查其子名下有小型轿车一辆",
    )
    assert "township_review" in selectors.allowed_actions(u["dongbao_clerk"], case)
    with pytest.raises(ServiceError) as exc:
        services.close_publicity(user=u["dongbao_clerk"], case=case)
    assert "objections" in exc.value.errors
    case = services.township_review(
        user=u["dongbao_clerk"],
        case=case,
        approve=False,
        reasons="经公示异议核查，家庭成员名下有机动车，不符合条件",
    )
    assert case.state == State.REFUSED
    assert selectors.refusal(case).reasons == "经公示异议核查，家庭成员名下有机动车，不符合条件"


@pytest.mark.parametrize(
    "on, closes", [("2016-10-22", False), ("2016-10-23", False), ("2016-10-24", True)]
)
def test_publicity_closes_the_day_after_its_last_day(world, set_today, on, closes):
    """Objections may be filed through the last day (10-23), so it cannot close before 10-24."""
    u = world["users"]
    case = to_stage(world, set_today, State.PUBLICITY)
    set_today(on)
    if closes:
        case = services.close_publicity(user=u["dongbao_clerk"], case=case)
        assert case.state == State.COUNTY_REVIEW and case.publicity.closed_on == D(on)
    else:
        with pytest.raises(ServiceError) as exc:
            services.close_publicity(user=u["dongbao_clerk"], case=case)
        assert exc.value.status == 409


# ---------------------------------------------------------------- refusals keep their reasons


def test_a_refused_application_keeps_its_written_reasons(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.VERIFYING)
    set_today("2016-10-10")
    with pytest.raises(ServiceError) as exc:
        services.record_verification(user=u["verifier"], case=case, passed=False, reasons="  ")
    assert "reasons" in exc.value.errors
    reasons = "核对发现家庭成员李梅名下有商业用房一处，家庭财产超过规定标准。"
    case = services.record_verification(
        user=u["verifier"], case=case, passed=False, reasons=reasons
    )
    assert case.state == State.REFUSED and case.closed_on == D("2016-10-10")
    assert not case.investigations.exists()  # no home visit after a failed verification
    # Nothing can change a closed case, and the reasons stay.
    for call in (
        lambda: services.withdraw(user=u["dongbao_clerk"], case=case, reason="申请人撤回"),
        lambda: services.county_decision(user=u["dongbao_approver"], case=case, approve=True),
        lambda: services.record_investigation(
            user=u["dongbao_clerk"],
            case=case,
            investigators=["甲", "乙"],
            visited_on=D("2016-10-10"),
            findings="x",
        ),
    ):
        with pytest.raises(ServiceError) as exc:
            call()
        assert exc.value.status == 409
    case.refresh_from_db()
    assert case.state == State.REFUSED
    assert selectors.refusal(case).reasons == reasons
    assert [(d.level, d.outcome, d.reasons) for d in case.decisions.all()] == [
        ("verification", "refuse", reasons)
    ]
    # The database itself refuses a refusal without reasons.
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            case=case, level="county", outcome="refuse", reasons="", decided_on=D("2016-10-10")
        )


def test_county_refusal_needs_reasons(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    set_today("2016-10-26")
    with pytest.raises(ServiceError) as exc:
        services.county_decision(user=u["dongbao_approver"], case=case, approve=False)
    assert "reasons" in exc.value.errors
    case = services.county_decision(
        user=u["dongbao_approver"], case=case, approve=False, reasons="人均收入高于当地低保标准"
    )
    assert case.state == State.REFUSED and selectors.refusal(case).level == Decision.Level.COUNTY


# ---------------------------------------------------------------- withdrawal


def test_withdrawal_by_the_applicant_or_the_clerk_at_an_open_stage(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.SUBMITTED)
    services.accept(user=u["dongbao_clerk"], case=case, missing_materials=["户口簿"])
    with pytest.raises(NotFoundOrOutOfScope):
        services.withdraw(user=u["wang_resident"], case=case)
    with pytest.raises(PermissionDeniedError):
        services.withdraw(user=u["dongbao_village"], case=case, reason="x")
    case = services.withdraw(user=u["resident"], case=case)
    assert case.state == State.WITHDRAWN and case.closed_on == D("2016-09-26")
    assert case.events.last().note.startswith("撤回申请")

    other = apply_as_clerk(world, programme=Programme.MEDICAL)
    with pytest.raises(ServiceError) as exc:
        services.withdraw(user=u["dongbao_clerk"], case=other)
    assert "reason" in exc.value.errors
    other = services.withdraw(user=u["dongbao_clerk"], case=other, reason="申请人书面申请撤回")
    assert other.state == State.WITHDRAWN


# ---------------------------------------------------------------- emergency path


def test_emergency_temporary_assistance_pays_first_and_the_county_confirms(world, set_today):
    u = world["users"]
    set_today("2016-09-30")
    case = apply_as_clerk(
        world,
        programme=Programme.TEMPORARY,
        on="2016-09-30",
        is_emergency=True,
        requested_amount_fen=300000,
        reason="火灾",
    )
    with pytest.raises(ServiceError) as exc:  # over the township's 1,000 元 delegation
        services.grant_emergency(
            user=u["dongbao_clerk"], case=case, amount_fen=100001, method="cash"
        )
    assert "amount_fen" in exc.value.errors and "1000.00" in exc.value.errors["amount_fen"][0]
    with pytest.raises(PermissionDeniedError):
        services.grant_emergency(
            user=u["dongbao_approver"], case=case, amount_fen=80000, method="cash"
        )
    payment = services.grant_emergency(
        user=u["dongbao_clerk"], case=case, amount_fen=80000, method="cash", note="现场发放"
    )
    case.refresh_from_db()
    # Paperwork within 5 working days of Fri 9-30: 10-8, 10-9, 10-10, 10-11, 10-12.
    assert case.state == State.EMERGENCY_GRANTED and case.stage_due_on == D("2016-10-12")
    set_today("2016-10-10")
    with pytest.raises(ServiceError) as exc:
        services.complete_emergency_paperwork(user=u["dongbao_clerk"], case=case)
    assert "authorisation" in exc.value.errors
    authorise(world, case, signed_on="2016-10-09")
    case = services.complete_emergency_paperwork(user=u["dongbao_clerk"], case=case)
    assert case.state == State.COUNTY_REVIEW
    if SpotCheck.objects.filter(case=case).exists():
        services.record_spot_check(
            user=u["dongbao_approver"],
            case=case,
            checked_on=D("2016-10-10"),
            investigators=["王", "赵"],
            findings="属实",
        )
    case = services.county_decision(
        user=u["dongbao_approver"], case=case, approve=True, amount_fen=80000
    )
    assert case.state == State.APPROVED
    assert payment.paid_on < selectors.approval(case).decided_on
    assert [e.to_state for e in case.events.all() if e.is_transition] == [
        State.SUBMITTED,
        State.EMERGENCY_GRANTED,
        State.COUNTY_REVIEW,
        State.APPROVED,
    ]


def test_only_emergency_temporary_cases_take_the_emergency_path(world, set_today):
    case = to_stage(world, set_today, State.SUBMITTED)
    with pytest.raises(ServiceError) as exc:
        services.grant_emergency(
            user=world["users"]["dongbao_clerk"], case=case, amount_fen=1000, method="cash"
        )
    assert exc.value.status == 409


# ---------------------------------------------------------------- spot checks


def test_spot_check_draws_are_fixed_per_number_and_near_the_ratio():
    numbers = [f"4208022016{i:05d}" for i in range(1, 3001)]
    draws = [services.spot_check_draw(n) for n in numbers]
    assert draws == [services.spot_check_draw(n) for n in numbers]
    share = sum(d < 0.3 for d in draws) / len(draws)
    assert 0.27 < share < 0.33


def test_a_relative_of_staff_is_always_spot_checked_and_approval_waits_for_it(world, set_today):
    u = world["users"]
    case = to_stage(
        world,
        set_today,
        State.COUNTY_REVIEW,
        relative_of_staff=True,
        relative_relation="申请人之弟为龙泉街道民政办工作人员",
    )
    check = case.spot_check
    assert check.reason == SpotCheck.Reason.RELATIVE and check.ratio == "3/10"
    # The selection is the system's, not the approver's.
    selected = CaseEvent.objects.get(case=case, action="spot_check_selected")
    assert selected.by_id is None and selected.by_name == ""
    set_today("2016-10-26")
    with pytest.raises(ServiceError) as exc:
        services.county_decision(user=u["dongbao_approver"], case=case, approve=True)
    assert exc.value.status == 409 and "spot_check" in exc.value.errors
    with pytest.raises(ServiceError) as exc:
        services.record_spot_check(
            user=u["dongbao_approver"],
            case=case,
            checked_on=D("2016-10-26"),
            investigators=["王"],
            findings="属实",
        )
    assert "investigators" in exc.value.errors
    services.record_spot_check(
        user=u["dongbao_approver"],
        case=case,
        checked_on=D("2016-10-26"),
        investigators=["王", "赵"],
        findings="属实",
    )
    case = services.county_decision(
        user=u["dongbao_approver"], case=case, approve=True, amount_fen=48000
    )
    assert case.state == State.APPROVED


def test_random_selection_follows_the_draw(world, set_today):
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    selected = SpotCheck.objects.filter(case=case).exists()
    assert selected == (services.spot_check_draw(case.number) < 0.3)
    # 备案 after reaching the county stage selects the case at once.
    if not selected:
        services.declare_staff_relative(
            user=world["users"]["dongbao_approver"], case=case, relation="村委会主任之女"
        )
        assert case.spot_check.reason == SpotCheck.Reason.RELATIVE


def _history(world, *, reached: int, checked: int, on: dt.date) -> None:
    """`reached` earlier files of 东宝区 that reached county review in `on`'s year, `checked` of
    them spot-checked: closed copies of one application, one event each."""
    template = apply_as_clerk(world, on=on.isoformat())
    for n in range(reached):
        earlier = Case.objects.create(
            number=f"HIST-{n}",
            programme=template.programme,
            household=template.household,
            applicant=template.applicant,
            region=template.region,
            channel=template.channel,
            applied_on=on,
            stage_started_on=on,
            state=State.WITHDRAWN,
        )
        CaseEvent.objects.create(
            case=earlier, action="close_publicity", to_state=State.COUNTY_REVIEW, on=on
        )
        if n < checked:
            SpotCheck.objects.create(
                case=earlier, reason=SpotCheck.Reason.RANDOM, draw=0.1, ratio="30%", selected_on=on
            )
    template.delete()


@pytest.mark.parametrize(
    "reached_before, checked_before, quota_selects",
    [
        (0, 0, False),  # 1st file: floor(0.3 × 1) = 0 checks owed
        (2, 0, False),  # 3rd: floor(0.9) = 0
        (3, 0, True),  # 4th: floor(1.2) = 1 > 0 checked
        (3, 1, False),  # 4th: 1 owed, 1 done
        (6, 1, True),  # 7th: floor(2.1) = 2 > 1
        (9, 3, False),  # 10th: floor(3.0) = 3, 3 done
        (9, 2, True),  # 10th: 3 owed, 2 done
    ],
)
def test_spot_checks_never_fall_below_the_ratio_of_the_years_files(
    world, set_today, monkeypatch, reached_before, checked_before, quota_selects
):
    _history(world, reached=reached_before, checked=checked_before, on=D("2016-03-01"))
    # A draw above the ratio: only the quota can select this case.
    monkeypatch.setattr(stages, "spot_check_draw", lambda number: 0.99)
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    check = SpotCheck.objects.filter(case=case).first()
    assert (check is not None) == quota_selects
    if quota_selects:
        assert check.reason == SpotCheck.Reason.QUOTA


def test_files_of_another_year_or_county_do_not_count_towards_the_quota(
    world, set_today, monkeypatch
):
    _history(world, reached=9, checked=0, on=D("2015-12-31"))
    monkeypatch.setattr(stages, "spot_check_draw", lambda number: 0.99)
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    assert not SpotCheck.objects.filter(case=case).exists()


# ---------------------------------------------------------------- overdue and due today


def test_overdue_and_due_today(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.INVESTIGATING)  # due 2016-10-20
    clerk = u["dongbao_clerk"]
    assert list(selectors.due_today_for(clerk, today=D("2016-10-20"))) == [case]
    assert not selectors.overdue_cases_for(clerk, today=D("2016-10-20")).exists()
    assert list(selectors.overdue_cases_for(clerk, today=D("2016-10-21"))) == [case]
    assert list(selectors.overdue_cases_for(u["dongbao_approver"], today=D("2016-10-21"))) == [case]
    assert not selectors.overdue_cases_for(u["zhongxiang_clerk"], today=D("2016-10-21")).exists()
    widget = selectors.overdue_widget_context(clerk, today=D("2016-10-21"))
    assert widget["overdue_count"] == 1 and widget["overdue_cases"] == [case]
    assert selectors.overdue_widget_context(u["resident"]) is None


def test_an_unresolved_objection_past_its_deadline_flags_the_case(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.PUBLICITY)
    set_today("2016-10-18")
    services.file_objection(user=u["dongbao_village"], case=case, content="有异议")
    # Push the stage's own deadline out so only the objection's (2016-11-15) is in play.
    Case.objects.filter(pk=case.pk).update(stage_due_on=D("2016-12-31"))
    assert not selectors.overdue_cases_for(u["dongbao_clerk"], today=D("2016-11-15")).exists()
    assert list(selectors.overdue_cases_for(u["dongbao_clerk"], today=D("2016-11-16"))) == [case]


# ---------------------------------------------------------------- audit


def test_every_transition_is_audited_with_its_states(world, set_today):
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    audits = transition_audits(case)
    expected = [
        (State.SUBMITTED, State.VERIFYING),
        (State.VERIFYING, State.INVESTIGATING),
        (State.INVESTIGATING, State.APPRAISING),
        (State.APPRAISING, State.TOWNSHIP_REVIEW),
        (State.TOWNSHIP_REVIEW, State.PUBLICITY),
        (State.PUBLICITY, State.COUNTY_REVIEW),
    ]
    assert [(a.before["state"], a.after["state"]) for a in audits] == expected
    assert {a.region_code for a in audits} == {"420802001001"}
    events = [(e.from_state, e.to_state) for e in case.events.all() if e.is_transition]
    assert events == [("", State.SUBMITTED)] + expected


# ---------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_make_exactly_one_transition(world, set_today):
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    SpotCheck.objects.filter(case=case).delete()  # the race is about the approval itself
    set_today("2016-10-26")
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": "dongbao_approver", "password": PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )
    url = f"/api/v1/assistance/cases/{case.pk}/county-decision"
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def approve():
        try:
            client = Client()
            barrier.wait()
            r = client.post(
                url,
                {"decision": "approve", "amount_fen": 48000},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            with lock:
                statuses.append(r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(statuses) == [200] + [409] * 19
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert CaseEvent.objects.filter(case=case, to_state=State.APPROVED).count() == 1
    assert Decision.objects.filter(case=case, level="county", outcome="approve").count() == 1
    approvals = [a for a in transition_audits(case) if a.after == {"state": State.APPROVED}]
    assert len(approvals) == 1


@pytest.mark.django_db
def test_workflow_parameters_are_standards_an_administrator_can_set(jingmen, users):
    """A county sets its own publicity period and an exact two-thirds quorum through the standards."""
    import datetime as dt
    from fractions import Fraction

    from minzheng.assistance.services import load_default_standards, set_standard
    from minzheng.cases.params import workflow_param

    load_default_standards()
    on = dt.date(2016, 6, 1)
    assert (
        workflow_param("workflow.publicity_days", jingmen["longquan"], on, programme="dibao_urban")
        == 7
    )
    set_standard(
        user=users["admin"],
        programme="dibao_urban",
        key="workflow.publicity_days",
        region=jingmen["dongbao"],
        effective_from=dt.date(2016, 5, 1),
        value=10,
        reason="区政府文件",
    )
    set_standard(
        user=users["admin"],
        programme="dibao_urban",
        key="workflow.appraisal_quorum_ratio",
        region=jingmen["dongbao"],
        effective_from=dt.date(2016, 5, 1),
        value="2/3",
        reason="区政府文件",
    )
    assert (
        workflow_param("workflow.publicity_days", jingmen["longquan"], on, programme="dibao_urban")
        == 10
    )
    assert workflow_param(
        "workflow.appraisal_quorum_ratio", jingmen["longquan"], on, programme="dibao_urban"
    ) == Fraction(2, 3)
    # before its effective date, and in another county, the default still holds
    assert (
        workflow_param(
            "workflow.publicity_days",
            jingmen["longquan"],
            dt.date(2016, 4, 30),
            programme="dibao_urban",
        )
        == 7
    )
    assert (
        workflow_param("workflow.publicity_days", jingmen["yingzhong"], on, programme="dibao_urban")
        == 7
    )


def test_on_time_indicator_counts_decided_cases_whose_stages_all_met_their_deadlines(
    world, set_today
):
    """Two 东宝区 decisions in 2016: one verified on 10-10 (due 10-13, on time), one on 10-20 (late).
    On-time rate = 1 / 2 = 50 % in the community, the district and the city; 钟祥市 has none."""
    from minzheng.cases.indicators import cases_within_deadline
    from minzheng.regions.models import Region

    u = world["users"]
    first = to_stage(world, set_today, State.VERIFYING)
    assert first.stage_due_on == D("2016-10-13")
    set_today("2016-10-10")
    services.record_verification(
        user=u["verifier"], case=first, passed=False, reasons="名下有商业用房"
    )
    second = to_stage(world, set_today, State.VERIFYING)
    set_today("2016-10-20")
    services.record_verification(
        user=u["verifier"], case=second, passed=False, reasons="名下有商业用房"
    )
    transitions = [
        e.data["left_stage_late"]
        for e in CaseEvent.objects.filter(case=second).order_by("id")
        if "left_stage_late" in e.data
    ]
    assert transitions == [False, True]  # accepted on the day; verified a week past its deadline
    values = cases_within_deadline(Region.objects.prefetch_related("members"), D("2016-12-31"))
    assert values["420802001001"] == values["420802"] == values["420800"] == Decimal(50)
    assert "420881" not in values
    # before the second decision only the first counts
    assert cases_within_deadline(Region.objects.prefetch_related("members"), D("2016-10-15"))[
        "420802"
    ] == Decimal(100)
