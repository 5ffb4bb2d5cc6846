"""The application procedure through /api/v1/assistance/cases: the full workflow end to end,
the refusal notice with its reasons, scope (404 outside the user's regions on every endpoint),
masking, and the status codes of refusals by role, by stage and by input."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.cases.models import Case, Document, SpotCheck, State
from minzheng.cases.services import spot_check_draw
from minzheng.core.models import AuditEvent
from tests.fixtures.cases import (
    PDF_BYTES,
    PNG_BYTES,
    Api,
    field_errors,
    fonts_embedded,
    ok,
    pdf_fonts,
    pdf_text,
    to_stage,
)

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def world(case_world):
    return case_world


BASE = "/api/v1/assistance/cases"
D = dt.date.fromisoformat


# ---------------------------------------------------------------- helpers


@pytest.fixture
def api(client):
    return Api(client)


# ---------------------------------------------------------------- the full workflow


def test_full_workflow_end_to_end(world, api, set_today):
    people = world["people"]
    zhang_id = people["zhang"].id_number

    # A resident applies online for their household (Monday 2016-09-26).
    set_today("2016-09-26")
    facts = {
        "members": [
            {
                "relation": "head",
                "person_id": people["zhang"].pk,
                "age": 36,
                "sex": "M",
                "income": {"wage": "600.00"},
            },
            {
                "relation": "spouse",
                "person_id": people["li"].pk,
                "age": 34,
                "sex": "F",
                "serious_illness": True,
            },
        ],
        "property": {"homes": 1, "cars": []},
    }
    case = ok(
        api.as_("zhang_resident").post(
            BASE,
            {
                "programme": "dibao_urban",
                "reason": "本人失业，配偶患病",
                "phone": "13800000000",
                "facts": facts,
            },
        ),
        201,
    )
    cid = case["id"]
    assert (case["state"], case["channel"], case["stage_due_on"]) == (
        "submitted",
        "online",
        "2016-09-29",
    )
    assert case["applicant"]["id_number_masked"] == "4208**********0114"
    assert case["facts"] == facts
    assert zhang_id not in str(case)

    # The clerk accepts with the one-time list of missing materials.
    set_today("2016-09-27")
    case = ok(
        api.as_("dongbao_clerk").post(
            f"{BASE}/{cid}/accept", {"missing_materials": ["户口簿", "收入证明"]}
        )
    )
    assert case["state"] == "awaiting_materials"
    assert case["missing_materials"]["items"] == ["户口簿", "收入证明"]

    # The resident uploads them from the phone; the clerk registers the signed authorisation.
    set_today("2016-09-28")
    ok(api.as_("zhang_resident").upload(cid, "hukou_book", PNG_BYTES, "户口簿.png"), 201)
    ok(api.upload(cid, "income_proof"), 201)
    r = api.as_("dongbao_clerk").post(f"{BASE}/{cid}/complete-materials", {})
    assert r.status_code == 422 and "authorisation" in field_errors(r)
    scan = ok(api.upload(cid, "authorisation", PDF_BYTES, "授权书.pdf"), 201)
    ok(
        api.post(
            f"{BASE}/{cid}/authorisation",
            {"document_id": scan["id"], "signed_on": "2016-09-28", "signed_by": ["张三", "李梅"]},
        )
    )
    case = ok(api.post(f"{BASE}/{cid}/complete-materials", {}))
    # Verification: 10 working days from Wed 9-28 skip the National Day week → Mon 10-17.
    assert (case["state"], case["stage_due_on"]) == ("verifying", "2016-10-17")
    assert sorted(d["kind"] for d in case["documents"]) == [
        "authorisation",
        "hukou_book",
        "income_proof",
    ]

    # Verification passes (recorded by the verification centre).
    set_today("2016-10-10")
    case = ok(
        api.as_("verifier").post(
            f"{BASE}/{cid}/verification", {"passed": True, "report_ref": "HD2016-0042"}
        )
    )
    assert (case["state"], case["stage_due_on"]) == ("investigating", "2016-10-20")

    # Home investigation: one investigator is refused, two are accepted.
    set_today("2016-10-12")
    api.as_("dongbao_clerk")
    r = api.post(
        f"{BASE}/{cid}/investigation",
        {"investigators": ["刘强"], "visited_on": "2016-10-12", "findings": "家中无劳动力"},
    )
    assert r.status_code == 422 and field_errors(r) == {"investigators"}
    assert "不得少于 2 人" in r.json()["errors"][0]["message"]
    case = ok(
        api.post(
            f"{BASE}/{cid}/investigation",
            {
                "investigators": ["刘强", "陈芳"],
                "visited_on": "2016-10-12",
                "findings": "家中无劳动力",
            },
        )
    )
    assert (case["state"], case["stage_due_on"]) == ("appraising", "2016-10-19")

    # Democratic appraisal: 5 of 9 is no quorum; 6 of 9 with 4 of 6 in favour passes.
    set_today("2016-10-14")
    api.as_("dongbao_village")
    r = api.post(
        f"{BASE}/{cid}/appraisal",
        {
            "held_on": "2016-10-14",
            "invitees": 9,
            "attendees": 5,
            "votes_for": 5,
            "votes_against": 0,
        },
    )
    assert r.status_code == 422 and field_errors(r) == {"attendees"}
    case = ok(
        api.post(
            f"{BASE}/{cid}/appraisal",
            {
                "held_on": "2016-10-14",
                "invitees": 9,
                "attendees": 6,
                "votes_for": 4,
                "votes_against": 2,
            },
        )
    )
    assert case["state"] == "township_review" and case["appraisals"][0]["approved"] is True

    # Township review starts the 7-day publicity.
    set_today("2016-10-17")
    case = ok(
        api.as_("dongbao_clerk").post(
            f"{BASE}/{cid}/township-review", {"decision": "approve", "reasons": "符合条件"}
        )
    )
    assert case["state"] == "publicity"
    # Seven days, 10-17 through 10-23 (objections through the last day); due and closable the day after.
    assert case["publicity"] == {
        "starts_on": "2016-10-17",
        "last_day": "2016-10-23",
        "closed_on": None,
    }
    assert case["stage_due_on"] == "2016-10-24"
    listed = ok(api.get(f"{BASE}/publicity", region="420802"))
    assert [(row["case_id"], row["id_number_masked"]) for row in listed] == [
        (cid, "4208**********0114")
    ]

    # An objection comes in and must be resolved (within 20 working days) before the county stage.
    set_today("2016-10-18")
    case = ok(
        api.as_("dongbao_village").post(
            f"{BASE}/{cid}/objections", {"content": "听说其有门面出租", "objector": "村民甲"}
        ),
        201,
    )
    objection = case["objections"][0]
    assert objection["due_on"] == "2016-11-15"
    set_today("2016-10-21")
    r = api.as_("dongbao_clerk").post(f"{BASE}/{cid}/close-publicity", {})
    assert (
        r.status_code == 409
        and "2016-10-23" in r.json()["detail"]
        and "2016-10-24" not in r.json()["detail"]
    )
    set_today("2016-10-24")
    r = api.post(f"{BASE}/{cid}/close-publicity", {})
    assert r.status_code == 409 and "异议" in r.json()["detail"]
    ok(
        api.post(
            f"{BASE}/{cid}/objections/{objection['id']}/resolve",
            {"outcome": "dismissed", "resolution": "经查门面为其兄所有"},
        )
    )

    # 备案 as a relative of staff before it reaches the county: a spot check becomes certain.
    ok(
        api.post(
            f"{BASE}/{cid}/staff-relative", {"relation": "申请人配偶之兄为龙泉街道民政办工作人员"}
        )
    )
    case = ok(api.post(f"{BASE}/{cid}/close-publicity", {}))
    # County approval within 10 working days of Mon 10-24 → Mon 11-07.
    assert (case["state"], case["stage_due_on"]) == ("county_review", "2016-11-07")
    assert case["spot_check"]["reason"] == "relative" and case["spot_check"]["checked_on"] is None

    # The county cannot approve before the spot check is recorded.
    set_today("2016-10-26")
    api.as_("dongbao_approver")
    r = api.post(f"{BASE}/{cid}/county-decision", {"decision": "approve", "amount_fen": 48000})
    assert r.status_code == 409 and "抽查" in r.json()["detail"]
    ok(
        api.post(
            f"{BASE}/{cid}/spot-check",
            {"checked_on": "2016-10-26", "investigators": ["王敏", "赵磊"], "findings": "情况属实"},
        )
    )
    case = ok(
        api.post(f"{BASE}/{cid}/county-decision", {"decision": "approve", "amount_fen": 48000})
    )
    assert (case["state"], case["closed_on"]) == ("approved", "2016-10-26")
    assert case["timeline"][-1] == {
        "state": "approved",
        "label": "已批准",
        "status": "done",
        "on": "2016-10-26",
    }

    # The published approval list and the approval notice.
    rows = ok(
        api.get(f"{BASE}/approved", region="420802", date_from="2016-10-01", date_to="2016-10-31")
    )
    assert [(r["case_id"], r["id_number_masked"], r["amount_fen"], r["members"]) for r in rows] == [
        (cid, "4208**********0114", 48000, 2)
    ]
    assert (
        ok(
            api.get(
                f"{BASE}/approved", region="420802", date_from="2016-11-01", date_to="2016-11-30"
            )
        )
        == []
    )
    r = api.get(
        f"{BASE}/approved.pdf", region="420802", date_from="2016-10-01", date_to="2016-10-31"
    )
    text = pdf_text(r.content)
    assert (
        r["Content-Type"] == "application/pdf"
        and "批准对象名单" in text
        and "4208**********0114" in text
        and zhang_id not in text
    )
    # Another county's staff see neither the list entry nor the name on the printout.
    api.as_("zhongxiang_clerk")
    assert ok(api.get(f"{BASE}/approved", date_from="2016-10-01", date_to="2016-10-31")) == []
    assert "张三" not in pdf_text(
        api.get(f"{BASE}/approved.pdf", date_from="2016-10-01", date_to="2016-10-31").content
    )
    r = api.as_("zhang_resident").get(f"{BASE}/{cid}/notice.pdf")
    text = pdf_text(r.content)
    assert (
        "批准通知书" in text and "不予" not in text and "480.00" in text and "东宝区民政局" in text
    )
    # The Chinese font travels with the document, so it prints the same in every viewer.
    assert fonts_embedded(r.content), pdf_fonts(r.content)

    # The history: every transition once, in order, each with one audit event.
    events = ok(api.get(f"{BASE}/{cid}/events"))
    transitions = [
        (e["from_state"], e["to_state"]) for e in events if e["from_state"] != e["to_state"]
    ]
    assert transitions == [
        ("", "submitted"),
        ("submitted", "awaiting_materials"),
        ("awaiting_materials", "verifying"),
        ("verifying", "investigating"),
        ("investigating", "appraising"),
        ("appraising", "township_review"),
        ("township_review", "publicity"),
        ("publicity", "county_review"),
        ("county_review", "approved"),
    ]
    audits = AuditEvent.objects.filter(
        action="transition", object_type="cases.case", object_id=str(cid)
    ).order_by("seq")
    assert [(a.before["state"], a.after["state"]) for a in audits] == transitions[1:]
    assert audits.last().actor_name == "dongbao_approver" and audits.last().channel == "api"


# ---------------------------------------------------------------- refusal


def test_a_refusal_keeps_its_reasons_in_the_record_and_the_notice(world, api, set_today):
    case = to_stage(world, set_today, State.VERIFYING)
    set_today("2016-10-10")
    api.as_("verifier")
    r = api.post(f"{BASE}/{case.pk}/verification", {"passed": False})
    assert r.status_code == 422 and field_errors(r) == {"reasons"}
    reasons = "经核对，家庭成员名下登记小型轿车一辆（购置价12万元），不符合低保财产条件。"
    detail = ok(api.post(f"{BASE}/{case.pk}/verification", {"passed": False, "reasons": reasons}))
    assert detail["state"] == "refused" and detail["refusal_reasons"] == reasons
    assert detail["investigations"] == []
    # A refused case cannot be reopened by any action; the reasons stay.
    r = api.as_("dongbao_clerk").post(f"{BASE}/{case.pk}/withdraw", {"reason": "撤回"})
    assert r.status_code == 409
    detail = ok(api.as_("zhang_resident").get(f"{BASE}/{case.pk}"))
    assert detail["refusal_reasons"] == reasons
    text = pdf_text(api.get(f"{BASE}/{case.pk}/notice.pdf").content)
    assert "不予批准通知书" in text and reasons.replace("，", "") in text.replace("，", "")
    assert "行政复议" in text and "行政诉讼" in text and "龙泉街道办事处" in text


# ---------------------------------------------------------------- status codes


def test_wrong_role_wrong_stage_and_invalid_input(world, api, set_today):
    case = to_stage(world, set_today, State.INVESTIGATING)
    url = f"{BASE}/{case.pk}"
    set_today("2016-10-12")
    # Wrong role: 403 with a Chinese message.
    r = api.as_("dongbao_village").post(
        f"{url}/investigation",
        {"investigators": ["甲", "乙"], "visited_on": "2016-10-12", "findings": "x"},
    )
    assert r.status_code == 403 and "无权" in r.json()["detail"]
    r = api.as_("leader").post(f"{url}/withdraw", {"reason": "x"})
    assert r.status_code == 403
    # Wrong stage: 409 naming the current stage.
    r = api.as_("dongbao_approver").post(f"{url}/county-decision", {"decision": "approve"})
    assert (
        r.status_code == 409
        and "入户调查" in r.json()["detail"]
        and "县级审批" in r.json()["detail"]
    )
    # Invalid input: 422 naming the field, in Chinese.
    api.as_("dongbao_clerk")
    r = api.post(f"{url}/investigation", {"visited_on": "2016-10-12", "findings": "x"})
    assert (
        r.status_code == 422
        and field_errors(r) == {"investigators"}
        and r.json()["errors"][0]["message"] == "此项为必填项"
    )
    r = api.post(
        f"{url}/investigation",
        {"investigators": ["甲", "乙"], "visited_on": "2016-13-01", "findings": "x"},
    )
    assert r.status_code == 422 and field_errors(r) == {"visited_on"}
    r = api.post(
        f"{url}/investigation",
        {
            "investigators": ["甲", "乙"],
            "visited_on": "2016-10-12",
            "findings": "x",
            "on": "2016-10-13",
        },
    )
    assert r.status_code == 422 and field_errors(r) == {"on"}  # the day after the clock's today
    r = api.post(
        BASE,
        {
            "programme": "pension",
            "household_id": world["people"]["hh_dongbao"].pk,
            "applicant_id": world["people"]["zhang"].pk,
        },
    )
    assert r.status_code == 422 and "programme" in field_errors(r)
    r = api.upload(case.pk, "id_card", b"GIF89a not accepted", "x.gif")
    assert r.status_code == 422 and field_errors(r) == {"file"}
    r = api.get(BASE, state="nonsense")
    assert r.status_code == 422 and field_errors(r) == {"state"}
    assert api.client.get(BASE).status_code == 401


# ---------------------------------------------------------------- scope


def test_a_clerk_of_another_county_gets_404_on_every_endpoint(world, api, set_today):
    case = to_stage(world, set_today, State.PUBLICITY)
    set_today("2016-10-18")
    objection = ok(
        api.as_("dongbao_village").post(f"{BASE}/{case.pk}/objections", {"content": "有异议"}), 201
    )["objections"][0]
    document = Document.objects.filter(case=case).first()
    url = f"{BASE}/{case.pk}"
    gets = [url, f"{url}/events", f"{url}/notice.pdf", f"{url}/documents/{document.pk}"]
    posts = {
        "accept": {"missing_materials": []},
        "complete-materials": {},
        "verification": {"passed": True},
        "investigation": {
            "investigators": ["甲", "乙"],
            "visited_on": "2016-10-18",
            "findings": "x",
        },
        "appraisal": {
            "held_on": "2016-10-18",
            "invitees": 3,
            "attendees": 3,
            "votes_for": 3,
            "votes_against": 0,
        },
        "township-review": {"decision": "refuse", "reasons": "x"},
        "objections": {"content": "x"},
        f"objections/{objection['id']}/resolve": {"outcome": "dismissed", "resolution": "x"},
        "close-publicity": {},
        "spot-check": {"checked_on": "2016-10-18", "investigators": ["甲", "乙"], "findings": "x"},
        "county-decision": {"decision": "approve"},
        "withdraw": {"reason": "x"},
        "staff-relative": {"relation": "x"},
        "emergency-grant": {"amount_fen": 100, "method": "cash"},
        "emergency-paperwork": {},
        "authorisation": {
            "document_id": document.pk,
            "signed_on": "2016-10-18",
            "signed_by": ["甲"],
        },
    }
    for username in ("zhongxiang_clerk", "zhongxiang_approver", "wang_resident"):
        api.as_(username)
        for target in gets:
            assert api.get(target).status_code == 404, (username, target)
        for action, body in posts.items():
            r = api.post(f"{url}/{action}", body)
            assert r.status_code == 404, (username, action, r.content)
        assert api.upload(case.pk, "other").status_code == 404
        assert ok(api.get(BASE))["count"] == 0
        assert ok(api.get(f"{BASE}/publicity")) == []
    # Nothing changed.
    case.refresh_from_db()
    assert (
        case.state == State.PUBLICITY
        and case.documents.count() == 1
        and case.objections.count() == 1
    )
    # The same requests from 东宝区 staff do see it.
    assert api.as_("dongbao_approver").get(url).status_code == 200
    assert ok(api.get(BASE))["count"] == 1


def test_residents_see_their_own_cases_only(world, api, set_today):
    set_today("2016-09-26")
    mine = ok(api.as_("zhang_resident").post(BASE, {"programme": "medical"}), 201)
    theirs = ok(api.as_("wang_resident").post(BASE, {"programme": "medical"}), 201)
    assert [c["id"] for c in ok(api.get(BASE))["items"]] == [theirs["id"]]
    assert api.get(f"{BASE}/{mine['id']}").status_code == 404
    # A resident cannot apply for another household.
    r = api.post(BASE, {"programme": "tekun", "household_id": world["people"]["hh_dongbao"].pk})
    assert r.status_code == 422 and field_errors(r) == {"household_id"}
    # Nor take a staff action on their own case.
    assert api.post(f"{BASE}/{theirs['id']}/accept", {}).status_code == 403
    # The spouse sees the household's case.
    from minzheng.accounts.models import Role

    from .conftest import make_user

    make_user("li_resident", Role.RESIDENT, None, person=world["people"]["li"])
    assert [c["id"] for c in ok(api.as_("li_resident").get(BASE))["items"]] == [mine["id"]]


# ---------------------------------------------------------------- masking


def test_full_id_numbers_never_leave_the_api(world, api, set_today):
    people = world["people"]
    full_ids = [people["zhang"].id_number, people["li"].id_number]
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    if SpotCheck.objects.filter(case=case).exists():
        assert spot_check_draw(case.number) < 0.3 or case.relative_of_staff
        ok(
            api.as_("dongbao_approver").post(
                f"{BASE}/{case.pk}/spot-check",
                {"checked_on": "2016-10-24", "investigators": ["甲", "乙"], "findings": "属实"},
            )
        )
    set_today("2016-10-25")
    ok(
        api.as_("dongbao_approver").post(
            f"{BASE}/{case.pk}/county-decision", {"decision": "approve", "amount_fen": 48000}
        )
    )
    bodies = []
    for username in ("dongbao_clerk", "dongbao_approver", "zhang_resident", "city_section"):
        api.as_(username)
        bodies += [
            api.get(BASE).content,
            api.get(f"{BASE}/{case.pk}").content,
            api.get(f"{BASE}/{case.pk}/events").content,
        ]
        bodies.append(
            api.get(f"{BASE}/approved", date_from="2016-10-01", date_to="2016-10-31").content
        )
        bodies.append(pdf_text(api.get(f"{BASE}/{case.pk}/notice.pdf").content).encode())
        bodies.append(
            pdf_text(
                api.get(
                    f"{BASE}/approved.pdf", date_from="2016-10-01", date_to="2016-10-31"
                ).content
            ).encode()
        )
    text = b"\n".join(bodies).decode()
    assert "4208**********0114" in text
    for full in full_ids:
        assert full not in text


def test_publicity_list_pdf_is_chinese_and_masked(world, api, set_today):
    case = to_stage(world, set_today, State.PUBLICITY)
    r = api.as_("dongbao_clerk").get(f"{BASE}/publicity.pdf", region="420802001", on="2016-10-18")
    text = pdf_text(r.content)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "龙泉街道社会救助对象公示名单" in text
    assert (
        "张三" in text and case.applicant.id_masked in text and case.applicant.id_number not in text
    )
    assert "2016-10-17 至 2016-10-23" in text


def test_uploaded_documents_are_kept_and_served_only_in_scope(world, api, set_today):
    case = to_stage(world, set_today, State.SUBMITTED)
    doc = ok(api.as_("zhang_resident").upload(case.pk, "id_card", PNG_BYTES, "身份证.png"), 201)
    assert (doc["kind"], doc["size"], doc["content_type"]) == (
        "id_card",
        len(PNG_BYTES),
        "image/png",
    )
    r = api.as_("dongbao_clerk").get(f"{BASE}/{case.pk}/documents/{doc['id']}")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG_BYTES
    assert r["Content-Type"] == "image/png"
    assert (
        api.as_("zhongxiang_clerk").get(f"{BASE}/{case.pk}/documents/{doc['id']}").status_code
        == 404
    )
    event = Case.objects.get(pk=case.pk).events.filter(action="document").last()
    assert event.data == {"document_id": doc["id"]}
