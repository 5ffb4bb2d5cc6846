"""Entitlements: amounts worked by hand for each programme, the start month (the month after
approval, December → January), the county approval hook, changes with reasons, and periodic
reviews proposing to keep, increase, decrease or stop."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.cases.models import Case
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.payments import months, selectors, services
from minzheng.payments.models import Entitlement, EntitlementChange, Review
from minzheng.people import services as people_services
from tests.fixtures.payments import approved_case, entitle, member, setup_world

from .conftest import make_id

D = dt.date.fromisoformat
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(jingmen, users, people):
    return setup_world(jingmen, users, people)


# ---------------------------------------------------------------- amounts worked by hand


def _zhang_li(world, zhang: dict, li: dict):
    p = world["people"]
    return {"members": [member(p["zhang"], **zhang), member(p["li"], "spouse", **li)]}


AMOUNT_CASES = [
    # 张三 36 and 李梅 34 in 东宝区 (480 元): (480 × 2 − 600) = 360.00, nobody vulnerable.
    (
        "dongbao couple with wages",
        "dibao_urban",
        "dongbao",
        "zhang",
        lambda w: _zhang_li(w, {"income": {"wage": "600.00"}}, {}),
        36000,
    ),
    # No income, 李梅 seriously ill: 960.00 + 20 % × 480 = 96.00 → 1056.00.
    (
        "dongbao couple, one seriously ill",
        "dibao_urban",
        "dongbao",
        "zhang",
        lambda w: _zhang_li(w, {}, {"serious_illness": True}),
        105600,
    ),
    # Old-age allowance is not countable: (480 × 2 − 300) = 660.00.
    (
        "excluded income is not counted",
        "dibao_urban",
        "dongbao",
        "zhang",
        lambda w: _zhang_li(w, {"income": {"wage": "300.00", "old_age_allowance": "200.00"}}, {}),
        66000,
    ),
    # 王五 41 alone in 钟祥市 (400 元), support 150: 250.00.
    (
        "zhongxiang single",
        "dibao_urban",
        "zhongxiang",
        "wang",
        lambda w: {"members": [member(w["people"]["wang"], income={"support": "150.00"})]},
        25000,
    ),
    # 赵大爷 76 in 栗溪村, rural 2800 元/year = 233.333…/month, pension 100:
    # base 233.333… − 100 = 133.333… → 133.33; elderly 10 % × 233.333… = 23.333… → 23.33; 156.66.
    (
        "rural elderly, yearly standard",
        "dibao_rural",
        "rural",
        "zhao",
        lambda w: {"members": [member(w["people"]["zhao"], income={"pension": "100.00"})]},
        15666,
    ),
    # 孙奶奶 70, urban 特困 in 东宝区: 1.3 × 480 = 624.00 + care 1500 ÷ 12 = 125.00 → 749.00.
    (
        "urban tekun, self-care",
        "tekun",
        "alone",
        "sun",
        lambda w: {"members": [member(w["people"]["sun"])]},
        74900,
    ),
    # Two items she cannot do: partial loss, care 2500 ÷ 12 = 208.333… → 624 + 208.333… = 832.33.
    (
        "urban tekun, partial loss",
        "tekun",
        "alone",
        "sun",
        lambda w: {
            "members": [member(w["people"]["sun"], self_care_unable=["bathing", "dressing"])]
        },
        83233,
    ),
    # 赵大爷, rural 五保: 80 % × 9803 (Hubei 2015) = 7842.40 + 1500 = 9342.40 a year ÷ 12 = 778.533… → 778.53.
    (
        "rural tekun",
        "tekun",
        "rural",
        "zhao",
        lambda w: {"members": [member(w["people"]["zhao"])]},
        77853,
    ),
]


@pytest.mark.parametrize(
    "label, programme, household, applicant, facts, expected",
    AMOUNT_CASES,
    ids=[c[0] for c in AMOUNT_CASES],
)
def test_entitlement_amounts_worked_by_hand(
    world, label, programme, household, applicant, facts, expected
):
    entitlement = entitle(
        world,
        household=household,
        applicant=applicant,
        programme=programme,
        facts=facts(world),
        approved_on="2016-10-20",
    )
    assert entitlement.status == Entitlement.Status.ACTIVE and entitlement.amount_basis == "rules"
    assert entitlement.monthly_amount_fen == expected
    assert selectors.amount_for_month(entitlement, D("2016-11-01")) == expected
    assert (
        selectors.amount_for_month(entitlement, D("2016-10-01")) == 0
    )  # not before the start month
    # Frozen: the facts (ages on the approval date), the standards read and the trace.
    assert entitlement.rule_version and entitlement.trace[-1]["step"] == "total"
    assert {s["key"] for s in entitlement.standards} >= {"income_excluded_types"}
    assert entitlement.basis is not None
    if programme in ("tekun",):
        assert (
            entitlement.person == world["people"][applicant]
            and entitlement.beneficiary_key == f"p{entitlement.person_id}"
        )
    else:
        assert (
            entitlement.person is None
            and entitlement.beneficiary_key == f"h{entitlement.household_id}"
        )


def test_ages_in_the_frozen_facts_are_those_on_the_approval_date(world):
    p = world["people"]
    # 张三 was born 1980-01-01: 36 on 2016-10-20, 37 on 2017-01-05.
    first = entitle(
        world,
        household="dongbao",
        applicant="zhang",
        facts={"members": [member(p["zhang"])]},
        approved_on="2016-10-20",
    )
    assert first.facts["members"][0]["age"] == 36 and first.facts["members"][0]["sex"] == "M"
    assert "id_number" not in str(first.facts)


@pytest.mark.parametrize(
    "approved_on, start",
    [
        ("2016-10-20", "2016-11-01"),
        ("2016-10-01", "2016-11-01"),
        ("2016-10-31", "2016-11-01"),
        ("2016-12-01", "2017-01-01"),
        ("2016-12-31", "2017-01-01"),
    ],
)
def test_payment_starts_the_month_after_approval(world, approved_on, start):
    p = world["people"]
    entitlement = entitle(
        world,
        household="dongbao",
        applicant="zhang",
        facts={"members": [member(p["zhang"])]},
        approved_on=approved_on,
    )
    assert entitlement.start_month == D(start) == entitlement.amount_since
    assert entitlement.computed_on == D(approved_on)
    created = entitlement.changes.get(kind="create")
    assert (created.effective_month, created.until_month, created.new_amount_fen) == (
        D(start),
        None,
        48000,
    )


def test_month_helpers():
    assert months.next_month(D("2016-12-15")) == D("2017-01-01")
    assert months.add_months(D("2016-01-01"), -1) == D("2015-12-01")
    assert months.first_full_month(D("2017-01-01")) == D("2017-01-01")
    assert months.first_full_month(D("2017-01-15")) == D("2017-02-01")
    assert months.months_between(D("2016-11-01"), D("2017-02-01")) == 4
    assert months.parse("2016-10") == D("2016-10-01")
    with pytest.raises(ValueError):
        months.parse("2016-10-02")


def test_one_off_programmes_get_no_entitlement_and_the_hook_is_idempotent(world):
    p = world["people"]
    assert (
        services.on_case_approved(
            approved_case(world, household="dongbao", applicant="zhang", programme="temporary")
        )
        is None
    )
    case = approved_case(
        world, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]}
    )
    first = services.on_case_approved(case)
    assert services.on_case_approved(case) == first
    assert (
        Entitlement.objects.count() == 1
        and EntitlementChange.objects.filter(kind="create").count() == 1
    )
    event = AuditEvent.objects.filter(object_type="payments.entitlement", action="create").get()
    assert event.region_code == "420802001001" and case.number in event.note


def test_county_decision_amount_wins_and_an_uncomputable_case_is_suspended_for_the_clerk(world):
    p = world["people"]
    # Per capita income 500 ≥ 480: the rules refuse, but the county decided 300.00.
    facts = {"members": [member(p["zhang"], income={"wage": "1000.00"}), member(p["li"], "spouse")]}
    decided = entitle(world, household="dongbao", applicant="zhang", facts=facts, amount_fen=30000)
    assert (decided.status, decided.monthly_amount_fen, decided.amount_basis, decided.basis) == (
        "active",
        30000,
        "decided",
        None,
    )
    decided.status = "terminated"
    decided.save()
    # The same without a decided amount: nothing can be paid until a clerk settles it.
    pending = entitle(world, household="dongbao", applicant="zhang", facts=facts)
    assert (pending.status, pending.monthly_amount_fen) == ("suspended", 0)
    assert pending.review_reason and pending.next_review_on is not None
    assert (
        "income_above_standard" not in pending.changes.get(kind="flag").reason
    )  # the message, not the code
    assert "不低于低保标准" in pending.changes.get(kind="flag").reason


def test_a_second_live_entitlement_for_the_same_household_and_programme_is_refused(world):
    p = world["people"]
    entitle(world, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]})
    with pytest.raises(ServiceError) as exc:
        entitle(
            world, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]}
        )
    assert exc.value.status == 409 and "programme" in exc.value.errors


def test_county_approval_through_the_cases_service_creates_the_entitlement(world, monkeypatch):
    from minzheng.cases import clock
    from minzheng.cases import services as case_services

    monkeypatch.setattr(clock, "today", lambda: D("2016-12-20"))
    p = world["people"]
    case = approved_case(
        world,
        household="dongbao",
        applicant="zhang",
        facts={"members": [member(p["zhang"], income={"wage": "100.00"})]},
    )
    Case.objects.filter(pk=case.pk).update(
        state="county_review", closed_on=None, stage_started_on=D("2016-12-10")
    )
    case.decisions.all().delete()
    approver, case = world["users"]["dongbao_approver"], Case.objects.get(pk=case.pk)
    # The rules' amount is the default; a blank amount for an eligible household is refused.
    with pytest.raises(ServiceError) as exc:
        case_services.county_decision(user=approver, case=case, approve=True, on=D("2016-12-20"))
    assert "380.00" in exc.value.errors["amount_fen"][0]
    case = case_services.county_decision(
        user=approver, case=case, approve=True, amount_fen=38000, on=D("2016-12-20")
    )
    entitlement = Entitlement.objects.get(case=case)
    # Approved in December: paid from January, (480 − 100) = 380.00.
    assert (entitlement.start_month, entitlement.monthly_amount_fen, entitlement.amount_basis) == (
        D("2017-01-01"),
        38000,
        "rules",
    )
    assert entitlement.changes.get(kind="create").by == world["users"]["dongbao_approver"]


# ---------------------------------------------------------------- changes with reasons


def test_suspend_resume_change_terminate_with_reasons_and_roles(world):
    u, p = world["users"], world["people"]
    entitlement = entitle(
        world, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]}
    )
    clerk = u["dongbao_clerk"]
    with pytest.raises(ServiceError) as exc:
        services.suspend_entitlement(user=clerk, entitlement=entitlement, reason=" ")
    assert "reason" in exc.value.errors
    with pytest.raises(NotFoundOrOutOfScope):
        services.suspend_entitlement(
            user=u["zhongxiang_clerk"], entitlement=entitlement, reason="外出务工"
        )
    with pytest.raises(PermissionDeniedError):
        services.suspend_entitlement(user=u["leader"], entitlement=entitlement, reason="外出务工")
    with pytest.raises(PermissionDeniedError):
        services.suspend_entitlement(
            user=u["dongbao_village"], entitlement=entitlement, reason="外出务工"
        )

    services.suspend_entitlement(user=clerk, entitlement=entitlement, reason="外出务工，收入待核实")
    entitlement.refresh_from_db()
    assert entitlement.status == "suspended"
    with pytest.raises(ServiceError):
        services.suspend_entitlement(user=clerk, entitlement=entitlement, reason="again")
    services.resume_entitlement(user=clerk, entitlement=entitlement, reason="已核实")
    services.change_amount(
        user=u["dongbao_approver"],
        entitlement=entitlement,
        amount_fen=40000,
        from_month="2017-02",
        reason="县级复议",
    )
    entitlement.refresh_from_db()
    assert (entitlement.monthly_amount_fen, entitlement.amount_since, entitlement.amount_basis) == (
        40000,
        D("2017-02-01"),
        "decided",
    )
    assert selectors.amount_for_month(entitlement, D("2017-01-01")) == 48000
    assert selectors.amount_for_month(entitlement, D("2017-02-01")) == 40000
    # An earlier change supersedes the later one from its month on, and keeps it in the history.
    services.change_amount(
        user=u["dongbao_approver"],
        entitlement=entitlement,
        amount_fen=45000,
        from_month="2016-12",
        reason="更正",
    )
    assert [
        selectors.amount_for_month(entitlement, D(m))
        for m in ("2016-11-01", "2016-12-01", "2017-03-01")
    ] == [48000, 45000, 45000]
    services.terminate_entitlement(
        user=clerk, entitlement=entitlement, last_month="2017-03", reason="收入超过标准"
    )
    entitlement.refresh_from_db()
    assert (entitlement.status, entitlement.end_month, entitlement.next_review_on) == (
        "terminated",
        D("2017-03-01"),
        None,
    )
    kinds = list(entitlement.changes.order_by("id").values_list("kind", flat=True))
    assert kinds == ["create", "suspend", "resume", "change", "change", "terminate"]
    assert all(c.reason for c in entitlement.changes.all())
    assert (
        AuditEvent.objects.filter(
            object_type="payments.entitlement", object_id=str(entitlement.pk), action="update"
        ).count()
        == 5
    )


# ---------------------------------------------------------------- periodic review


def test_review_classes_and_due_dates(world):
    p = world["people"]
    # An able member of working age with wages: class C, urban quarterly.
    c = entitle(
        world,
        household="dongbao",
        applicant="zhang",
        facts={"members": [member(p["zhang"], income={"wage": "100"})]},
        approved_on="2016-10-20",
    )
    assert (c.review_class, c.next_review_on) == ("C", D("2017-01-20"))
    # Rural class C: half-yearly.
    rural_young = people_services.register_person(
        user=world["users"]["admin"],
        id_number=make_id("420802", "19900101", 61),
        name="赵小",
        hukou_region=world["regions"]["lixi_village"],
        hukou_type="rural",
    )
    people_services.add_member(
        user=world["users"]["admin"],
        household=world["households"]["rural"],
        person=rural_young,
        relation="child",
        since=D("2010-01-01"),
    )
    r = entitle(
        world,
        household="rural",
        applicant="zhao",
        programme="dibao_rural",
        facts={
            "members": [member(p["zhao"]), member(rural_young, "child", income={"business": "50"})]
        },
        approved_on="2016-10-31",
    )
    assert (r.review_class, r.next_review_on) == ("C", D("2017-04-30"))
    # Nobody able to work: class A, yearly.
    a = entitle(
        world,
        household="alone",
        applicant="sun",
        programme="tekun",
        facts={"members": [member(p["sun"])]},
        approved_on="2016-10-20",
    )
    assert (a.review_class, a.next_review_on) == ("A", D("2017-10-20"))
    clerk = world["users"]["dongbao_clerk"]
    assert list(selectors.due_reviews_for(clerk, D("2017-01-19"))) == []
    assert list(selectors.due_reviews_for(clerk, D("2017-01-20"))) == [c]
    assert (
        list(selectors.due_reviews_for(world["users"]["zhongxiang_clerk"], D("2018-01-01"))) == []
    )
    services.set_review_class(user=clerk, entitlement=c, review_class="B", reason="收入已稳定")
    c.refresh_from_db()
    assert (c.review_class, c.next_review_on) == ("B", D("2017-10-20"))


REVIEW_CASES = [
    # Stored wage 600 → (960 − 600) = 360.00; at review the clerk records:
    ("wage fell to 200: increase", {"wage": "200.00"}, "increase", 76000, True),
    ("unchanged", {"wage": "600.00"}, "no_change", 36000, True),
    ("wage rose to 800: decrease", {"wage": "800.00"}, "decrease", 16000, True),
    ("wage 1000 ≥ 2 × 480: stop", {"wage": "1000.00"}, "stop", 0, False),
]


@pytest.mark.parametrize(
    "label, income, proposal, proposed, eligible", REVIEW_CASES, ids=[c[0] for c in REVIEW_CASES]
)
def test_review_proposes_from_the_rules_on_current_facts(
    world, label, income, proposal, proposed, eligible
):
    clerk = world["users"]["dongbao_clerk"]
    entitlement = entitle(
        world,
        household="dongbao",
        applicant="zhang",
        facts=_zhang_li(world, {"income": {"wage": "600.00"}}, {}),
    )
    assert entitlement.monthly_amount_fen == 36000
    facts = _zhang_li(world, {"income": income}, {})
    review = services.start_review(
        user=clerk, entitlement=entitlement, facts=facts, on=D("2017-01-20")
    )
    assert (
        review.proposal,
        review.proposed_amount_fen,
        review.current_amount_fen,
        review.eligible,
    ) == (proposal, proposed, 36000, eligible)
    assert review.effective_month == D("2017-02-01") and review.status == "proposed"
    # Ages are those on the review date: 张三 37 now.
    assert review.facts["members"][0]["age"] == 37
    services.confirm_review(user=clerk, review=review, accept=True)
    entitlement.refresh_from_db()
    if proposal == "stop":
        assert (entitlement.status, entitlement.end_month) == ("terminated", D("2017-01-01"))
    else:
        assert entitlement.monthly_amount_fen == proposed and entitlement.status == "active"
        assert selectors.amount_for_month(entitlement, D("2017-01-01")) == 36000
        assert selectors.amount_for_month(entitlement, D("2017-02-01")) == proposed
        # Class C in town: next review three months after this one.
        assert entitlement.next_review_on == D("2017-04-20") and entitlement.facts == review.facts
    review.refresh_from_db()
    assert review.status == "confirmed" and review.decided_by == clerk


def test_review_can_be_rejected_with_reasons_and_a_new_one_supersedes_the_open_one(world):
    p, clerk = world["people"], world["users"]["dongbao_clerk"]
    entitlement = entitle(
        world, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]}
    )
    first = services.start_review(user=clerk, entitlement=entitlement, on=D("2017-01-10"))
    # Nothing changed in the stored facts: keep.
    assert first.proposal == "no_change" and first.proposed_amount_fen == 48000
    second = services.start_review(user=clerk, entitlement=entitlement, on=D("2017-01-11"))
    first.refresh_from_db()
    assert first.status == "superseded" and selectors.open_review(entitlement) == second
    with pytest.raises(ServiceError) as exc:
        services.confirm_review(user=clerk, review=second, accept=False)
    assert "reason" in exc.value.errors
    services.confirm_review(
        user=clerk, review=second, accept=False, reason="入户核实情况与申报不符，重新调查"
    )
    second.refresh_from_db()
    assert second.status == "rejected"
    with pytest.raises(ServiceError):
        services.confirm_review(user=clerk, review=second, accept=True)
    with pytest.raises(NotFoundOrOutOfScope):
        services.start_review(user=world["users"]["zhongxiang_clerk"], entitlement=entitlement)


def test_review_after_a_member_died_drops_them(world):
    p, clerk, admin = world["people"], world["users"]["dongbao_clerk"], world["users"]["admin"]
    entitlement = entitle(
        world, household="dongbao", applicant="zhang", facts=_zhang_li(world, {}, {})
    )
    assert entitlement.monthly_amount_fen == 96000
    people_services.update_person(user=admin, person=p["li"], death_date=D("2016-12-05"))
    review = services.start_review(user=clerk, entitlement=entitlement, on=D("2017-01-05"))
    # One member left, no income: 480.00.
    assert (review.proposal, review.proposed_amount_fen, len(review.facts["members"])) == (
        "decrease",
        48000,
        1,
    )
    assert Review.objects.count() == 1
