"""One open application per household and programme, held by the database, and case numbers from
a locked counter: concurrent applications (threads, each with its own connection) create one case
and answer the rest with a clean 409, and numbers never collide. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from minzheng.cases import clock, services
from minzheng.cases.models import Case, CaseNumberCounter, Channel, Programme, State
from minzheng.core.errors import ServiceError
from minzheng.people import services as people_services

from .conftest import PASSWORD, make_id

D = dt.date.fromisoformat
APPLIED = "2016-09-26"
CASES_URL = "/api/v1/assistance/cases"


@pytest.fixture
def calendar(db, monkeypatch):
    from django.apps import apps

    importlib.import_module("minzheng.cases.migrations.0002_holidays_2016").seed(apps, None)
    monkeypatch.setattr(clock, "today", lambda: D(APPLIED))


def token_for(username: str) -> str:
    return (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": username, "password": PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )


def post_concurrently(token: str, payloads: list[dict]) -> list:
    """POST each payload from its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(payloads))
    answers: list = [None] * len(payloads)

    def post(i: int):
        try:
            client = Client()
            barrier.wait()
            answers[i] = client.post(
                CASES_URL,
                payloads[i],
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def application(household, applicant) -> dict:
    return {
        "programme": Programme.DIBAO_URBAN,
        "household_id": household.pk,
        "applicant_id": applicant.pk,
        "reason": "失业",
        "applied_on": APPLIED,
    }


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_applications_of_one_household_make_one_case(people, users, calendar):
    answers = post_concurrently(
        token_for("dongbao_clerk"), [application(people["hh_dongbao"], people["zhang"])] * 8
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7, [
        a.content[:300] for a in answers
    ]
    refusals = [a.json() for a in answers if a.status_code == 409]
    # A loser that waited for the winner's lock is told which case is open; one that met the index
    # is told the same fact without the number.
    assert all([e["field"] for e in r["errors"]] == ["programme"] for r in refusals), refusals
    assert all(r["errors"][0]["message"].startswith("该家庭已有正在办理的") for r in refusals), (
        refusals
    )
    case = Case.objects.get(household=people["hh_dongbao"])
    assert case.number == "420802201600001"
    assert (
        CaseNumberCounter.objects.get(pk="4208022016").last == 1
    )  # refused applications gave their number back


@pytest.mark.django_db(transaction=True)
def test_concurrent_applications_of_eight_households_take_consecutive_numbers(
    jingmen, users, calendar
):
    clerk, village = users["dongbao_clerk"], jingmen["longquan_community"]
    payloads = []
    for i in range(8):
        head = people_services.register_person(
            user=clerk,
            id_number=make_id("420802", "19700101", 100 + i),
            name=f"申请人{i}",
            hukou_region=village,
            hukou_type="urban",
        )
        household = people_services.create_household(
            user=clerk, region=village, head=head, address=f"龙泉路{i}号", since=dt.date(2020, 1, 1)
        )
        payloads.append(application(household, head))
    answers = post_concurrently(token_for("dongbao_clerk"), payloads)
    assert [a.status_code for a in answers] == [201] * 8, [a.content[:300] for a in answers]
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"4208022016{n:05d}" for n in range(1, 9)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "first_state, second_state, allowed",
    [
        (State.SUBMITTED, State.SUBMITTED, False),
        (State.COUNTY_REVIEW, State.SUBMITTED, False),
        (State.EMERGENCY_GRANTED, State.VERIFYING, False),
        (State.APPROVED, State.SUBMITTED, True),  # a closed case leaves room for a new application
        (State.REFUSED, State.SUBMITTED, True),
        (State.WITHDRAWN, State.SUBMITTED, True),
        (State.APPROVED, State.REFUSED, True),  # closed cases never collide
    ],
)
def test_the_database_holds_one_open_case_per_household_and_programme(
    people, first_state, second_state, allowed
):
    household, zhang = people["hh_dongbao"], people["zhang"]

    def insert(number: str, state: str, programme: str = Programme.DIBAO_URBAN):
        Case.objects.create(
            number=number,
            programme=programme,
            applicant=zhang,
            household=household,
            region=household.region,
            channel=Channel.WINDOW,
            state=state,
            applied_on=D(APPLIED),
            stage_started_on=D(APPLIED),
        )

    insert("A1", first_state)
    insert("B1", State.SUBMITTED, programme=Programme.MEDICAL)  # another programme never collides
    if allowed:
        insert("A2", second_state)
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            insert("A2", second_state)


@pytest.mark.django_db
def test_losing_the_open_case_slot_at_insert_answers_409(people, users, calendar):
    """What a concurrent loser meets on PostgreSQL, made deterministic: the check before the insert
    saw nothing, the insert hits the constraint."""
    first = services.apply(
        user=users["dongbao_clerk"],
        programme=Programme.DIBAO_URBAN,
        household=people["hh_dongbao"],
        applicant=people["zhang"],
        applied_on=D(APPLIED),
    )
    twin = Case(
        programme=first.programme,
        applicant=first.applicant,
        household=first.household,
        region=first.region,
        channel=Channel.WINDOW,
        state=State.SUBMITTED,
        applied_on=first.applied_on,
        stage_started_on=first.applied_on,
        number="420802201699999",
    )
    with pytest.raises(ServiceError) as exc:
        services.intake._insert_case(twin)
    assert exc.value.status == 409 and exc.value.errors == {
        "programme": ["该家庭已有正在办理的同类申请"]
    }
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_numbers_continue_after_those_given_before_counters(people, users, calendar):
    household, zhang = people["hh_dongbao"], people["zhang"]
    Case.objects.create(
        number="420802201600041",
        programme=Programme.MEDICAL,
        applicant=zhang,
        household=household,
        region=household.region,
        channel=Channel.WINDOW,
        state=State.APPROVED,
        applied_on=D(APPLIED),
        stage_started_on=D(APPLIED),
    )
    case = services.apply(
        user=users["dongbao_clerk"],
        programme=Programme.DIBAO_URBAN,
        household=household,
        applicant=zhang,
        applied_on=D(APPLIED),
    )
    assert case.number == "420802201600042"
    assert services.next_case_number(household.region, 2017) == "420802201700001"
