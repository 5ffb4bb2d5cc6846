"""A household applies at the township window and is paid what the rules give: the clerk finds
the household, records every member's income and the property with the same facts component as
the online form, the case goes through every stage, the township reviewer and the county
approver see the rules' amount with its trace, the approval takes that amount (another needs a
written reason, a blank one is refused), the entitlement carries it and the next month's payroll
pays it. Amounts are worked by hand below, for urban 低保, rural 低保 and 特困. Also: duplicate
applications refused with 409 and a Chinese message."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.cases.models import Case
from minzheng.payments import payroll
from minzheng.payments.models import Entitlement, EntitlementChange, PayrollRun
from tests.fixtures.cases import PDF_BYTES, SCENARIOS, Api, field_errors, member, ok

pytestmark = pytest.mark.usefixtures("media_root")

BASE = "/api/v1/assistance/cases"
PAY = "/api/v1/assistance/payments"
D = dt.date.fromisoformat


@pytest.fixture
def api(client):
    return Api(client)


def walk_to_county_review(api, set_today, window, case_id: int, clerk: str, village: str) -> dict:
    """Accept (authorisation on file), verification, home visit, appraisal, township review with
    the rules' amount on the page, seven days' publicity. Returns the case at county review."""
    signers = ["申请家庭成员"]
    set_today("2016-09-26")
    scan = ok(api.as_(clerk).upload(case_id, "authorisation", PDF_BYTES, "授权书.pdf"), 201)
    ok(
        api.post(
            f"{BASE}/{case_id}/authorisation",
            {"document_id": scan["id"], "signed_on": "2016-09-26", "signed_by": signers},
        )
    )
    assert (
        ok(api.post(f"{BASE}/{case_id}/accept", {"missing_materials": []}))["state"] == "verifying"
    )
    set_today("2016-10-10")
    assert (
        ok(
            api.as_("verifier").post(
                f"{BASE}/{case_id}/verification", {"passed": True, "report_ref": "HD2016-0100"}
            )
        )["state"]
        == "investigating"
    )
    set_today("2016-10-12")
    ok(
        api.as_(clerk).post(
            f"{BASE}/{case_id}/investigation",
            {
                "investigators": ["刘强", "陈芳"],
                "visited_on": "2016-10-12",
                "findings": "与申报一致",
            },
        )
    )
    set_today("2016-10-14")
    case = ok(
        api.as_(village).post(
            f"{BASE}/{case_id}/appraisal",
            {
                "held_on": "2016-10-14",
                "invitees": 9,
                "attendees": 7,
                "votes_for": 7,
                "votes_against": 0,
            },
        )
    )
    assert case["state"] == "township_review"
    set_today("2016-10-17")
    ok(
        api.as_(clerk).post(
            f"{BASE}/{case_id}/township-review", {"decision": "approve", "reasons": "符合条件"}
        )
    )
    set_today("2016-10-24")
    case = ok(api.post(f"{BASE}/{case_id}/close-publicity", {}))
    assert case["state"] == "county_review"
    return case


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_window_application_is_paid_the_rules_amount_through_the_api(
    window, api, set_today, scenario
):
    programme, household_key, applicant_key, clerk, village, facts, expected = SCENARIOS[scenario]
    people, household = window["people"], window["households"][household_key]
    set_today("2016-09-26")
    # At the window: the clerk names the household and the applicant; members the facts leave
    # out would be added from the register.
    case = ok(
        api.as_(clerk).post(
            BASE,
            {
                "programme": programme,
                "household_id": household.pk,
                "applicant_id": people[applicant_key].pk,
                "reason": "家庭困难",
                "facts": facts(people),
            },
        ),
        201,
    )
    assert case["channel"] == "window"
    assert {m.get("person_id") for m in case["facts"]["members"]} == set(
        household.memberships.values_list("person_id", flat=True)
    )
    assert case["assessment"] is None  # shown from the township review on
    case = walk_to_county_review(api, set_today, window, case["id"], clerk, village)

    # The county approver reads the rules' amount and its trace, in words.
    set_today("2016-10-26")
    approver = "dongbao_approver"
    case = ok(api.as_(approver).get(f"{BASE}/{case['id']}"))
    assessment = case["assessment"]
    assert (
        assessment["eligible"] is True
        and assessment["amount_fen"] == expected
        and not assessment["error"]
    )
    labels = [row["label"] for row in assessment["trace"]]
    assert any("月保障金合计" in label or "月供养金合计" in label for label in labels)
    shown = str(assessment["trace"])
    assert "true" not in shown and "false" not in shown and "extreme_hardship" not in shown
    if case["spot_check"] is not None:
        ok(
            api.post(
                f"{BASE}/{case['id']}/spot-check",
                {
                    "checked_on": "2016-10-26",
                    "investigators": ["王敏", "赵磊"],
                    "findings": "情况属实",
                },
            )
        )
    url = f"{BASE}/{case['id']}/county-decision"
    # A blank or zero amount for an eligible household is refused next to the field.
    for body in ({"decision": "approve"}, {"decision": "approve", "amount_fen": 0}):
        r = api.post(url, body)
        assert r.status_code == 422 and field_errors(r) == {"amount_fen"}
        assert f"{expected // 100}.{expected % 100:02d}" in r.json()["errors"][0]["message"]
    # Another amount needs a written reason.
    r = api.post(url, {"decision": "approve", "amount_fen": expected + 1000})
    assert r.status_code == 422 and field_errors(r) == {"amount_reason"}
    case = ok(api.post(url, {"decision": "approve", "amount_fen": expected}))
    assert case["state"] == "approved"
    decision = case["decisions"][-1]
    assert (decision["amount_fen"], decision["rules_amount_fen"], decision["amount_reason"]) == (
        expected,
        expected,
        "",
    )

    # The entitlement takes the rules' amount, built from every member, from November.
    entitlement = Entitlement.objects.get(case_id=case["id"])
    assert (entitlement.status, entitlement.monthly_amount_fen, entitlement.amount_basis) == (
        "active",
        expected,
        "rules",
    )
    assert entitlement.start_month == D("2016-11-01")
    assert (
        len(entitlement.facts["members"])
        == household.memberships.filter(until__isnull=True).count()
    )
    assert not entitlement.changes.filter(kind=EntitlementChange.Kind.FLAG).exists()

    # November's payroll for 东宝区 pays it.
    r = ok(api.as_(approver).post(f"{PAY}/payrolls", {"county": "420802", "month": "2016-11"}), 201)
    payroll.compute_payroll(run=PayrollRun.objects.get(pk=r["id"]))
    lines = ok(api.get(f"{PAY}/payrolls/{r['id']}/lines"))["items"]
    line = next(line for line in lines if line["entitlement_id"] == entitlement.pk)
    assert (line["month"], line["amount"]) == ("2016-11", f"{expected // 100}.{expected % 100:02d}")


def test_an_approver_may_change_the_amount_with_a_reason_and_the_entitlement_says_so(
    window, api, set_today
):
    programme, household_key, applicant_key, clerk, village, facts, expected = SCENARIOS[
        "urban dibao"
    ]
    people = window["people"]
    set_today("2016-09-26")
    case = ok(
        api.as_(clerk).post(
            BASE,
            {
                "programme": programme,
                "household_id": window["households"][household_key].pk,
                "applicant_id": people[applicant_key].pk,
                "facts": facts(people),
            },
        ),
        201,
    )
    case = walk_to_county_review(api, set_today, window, case["id"], clerk, village)
    set_today("2016-10-26")
    api.as_("dongbao_approver")
    if case["spot_check"] is not None:
        ok(
            api.post(
                f"{BASE}/{case['id']}/spot-check",
                {"checked_on": "2016-10-26", "investigators": ["王敏", "赵磊"], "findings": "属实"},
            )
        )
    case = ok(
        api.post(
            f"{BASE}/{case['id']}/county-decision",
            {
                "decision": "approve",
                "amount_fen": 50000,
                "amount_reason": "入户抽查发现医疗支出较大，酌情增发",
            },
        )
    )
    decision = case["decisions"][-1]
    assert (decision["amount_fen"], decision["rules_amount_fen"], decision["amount_reason"]) == (
        50000,
        expected,
        "入户抽查发现医疗支出较大，酌情增发",
    )
    entitlement = Entitlement.objects.get(case_id=case["id"])
    assert (entitlement.monthly_amount_fen, entitlement.amount_basis) == (50000, "decided")


# ---------------------------------------------------------------- facts always list the members


def test_an_entitlement_from_facts_without_members_is_built_from_the_household(window, set_today):
    """The fault seen at the window: facts without members gave a 0.00 suspended entitlement, a
    raw validation error in its log and a review proposing to stop for a household of the living."""
    from minzheng.payments import services as payment_services

    hh = window["households"]["urban"]
    case = Case.objects.create(
        number="420802201600999",
        programme="dibao_urban",
        applicant=window["people"]["zhang"],
        household=hh,
        region=hh.region,
        channel="window",
        facts={},
        applied_on=D("2016-09-26"),
        stage_started_on=D("2016-10-20"),
        state="approved",
        closed_on=D("2016-10-20"),
    )
    entitlement = payment_services.on_case_approved(case)
    # Two living members, no income: 480 × 2 = 960.00.
    assert (entitlement.status, entitlement.monthly_amount_fen) == ("active", 96000)
    assert len(entitlement.facts["members"]) == 2
    review = payment_services.start_review(
        user=window["users"]["dongbao_clerk"], entitlement=entitlement, on=D("2016-12-01")
    )
    assert review.eligible and review.proposal == "no_change"
    assert "家庭已无在世成员" not in str(review.reasons)


def test_unreadable_facts_are_logged_in_words_never_as_a_raw_validation_error(window):
    from minzheng.payments import services as payment_services

    hh = window["households"]["urban"]
    entitlement = payment_services.create_entitlement(
        user=None,
        programme="dibao_urban",
        household=hh,
        region=hh.region,
        approved_on=D("2016-10-20"),
        facts={"members": [{"relation": "nephew-in-law", "age": 30}]},
    )
    flag = entitlement.changes.get(kind=EntitlementChange.Kind.FLAG).reason
    assert entitlement.status == "suspended"
    assert "取值无效" in flag and "Input should be" not in flag and "facts." not in flag


# ---------------------------------------------------------------- duplicates


def _apply(api, clerk, programme, household, applicant):
    return api.as_(clerk).post(
        BASE, {"programme": programme, "household_id": household.pk, "applicant_id": applicant.pk}
    )


def test_a_duplicate_or_exclusive_application_is_refused_with_409(window, api, set_today):
    set_today("2016-09-26")
    people, households = window["people"], window["households"]
    first = ok(
        _apply(api, "dongbao_clerk", "dibao_urban", households["urban"], people["zhang"]), 201
    )
    # The same programme while one is open.
    r = _apply(api, "dongbao_clerk", "dibao_urban", households["urban"], people["li"])
    assert r.status_code == 409 and field_errors(r) == {"programme"}
    assert (
        r.json()["detail"]
        == f"该家庭已有正在办理的城市最低生活保障申请（编号 {first['number']}），不能重复申请"
    )
    # 特困 excludes 低保: refused too, saying why.
    r = _apply(api, "dongbao_clerk", "tekun", households["urban"], people["zhang"])
    assert r.status_code == 409 and "与所申请项目不能同时享受" in r.json()["detail"]
    # A programme that goes with 低保 is not a duplicate.
    ok(_apply(api, "dongbao_clerk", "medical", households["urban"], people["li"]), 201)
    # English with Accept-Language: en.
    r = api.client.post(
        BASE,
        {
            "programme": "dibao_urban",
            "household_id": households["urban"].pk,
            "applicant_id": people["li"].pk,
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **api.headers,
    )
    assert r.status_code == 409


def test_a_household_already_receiving_is_refused(window, api, set_today):
    from minzheng.payments import services as payment_services

    set_today("2016-12-01")
    people, hh = window["people"], window["households"]["alone"]
    payment_services.create_entitlement(
        user=None,
        programme="tekun",
        household=hh,
        region=hh.region,
        person=people["sun"],
        approved_on=D("2016-10-20"),
        facts={"members": [member(people["sun"])]},
    )
    for programme in ("tekun", "dibao_urban"):
        r = _apply(api, "dongbao_clerk", programme, hh, people["sun"])
        assert r.status_code == 409
    assert r.json()["detail"] == "该家庭正在享受特困人员救助供养，与所申请项目不能同时享受"
    assert not Case.objects.filter(household=hh).exists()
    # Once the entitlement ends, the household may apply again.
    Entitlement.objects.filter(household=hh).update(status="terminated")
    ok(_apply(api, "dongbao_clerk", "dibao_urban", hh, people["sun"]), 201)


def test_the_openapi_declares_the_conflict_and_validation_answers(client):
    spec = client.get("/api/openapi.json").json()
    create = spec["paths"][BASE]["post"]["responses"]
    decide = spec["paths"][f"{BASE}/{{case_id}}/county-decision"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(create) and {"200", "409", "422"} <= set(decide)
