"""The demo seed: entitlements for households of a small synthetic city, computed through the
rules, and last month's payroll; running it again adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.assistance.services import load_default_standards
from minzheng.payments import selectors
from minzheng.payments.demo import seed_demo_beneficiaries
from minzheng.payments.models import Entitlement, PayrollLine, PayrollRun
from minzheng.regions.services import load_jingmen
from minzheng.synth.generator import generate_city
from minzheng.synth.loader import load_city

D = dt.date.fromisoformat
ON = D("2017-03-15")


@pytest.mark.django_db
def test_demo_beneficiaries_and_last_months_payroll(tmp_path):
    load_jingmen()
    load_default_standards()
    generate_city(persons=3_000, seed=5, out_dir=tmp_path / "city", as_of=D("2017-01-01"))
    load_city(src_dir=tmp_path / "city")
    result = seed_demo_beneficiaries(count=40, on=ON)
    entitlements = list(Entitlement.objects.all())
    assert result["created"] == len(entitlements) == 40
    assert {e.programme for e in entitlements} <= {"dibao_urban", "dibao_rural", "tekun"}
    assert all(
        e.status == "active" and e.monthly_amount_fen > 0 and e.source == "demo" and e.trace
        for e in entitlements
    )
    assert all(
        e.start_month <= D("2017-02-01") for e in entitlements
    )  # approved at least 62 days before
    # Each amount is what the rules give on the approval date (the creation period's snapshot).
    for e in entitlements:
        assert selectors.amount_for_month(e, e.start_month) == e.monthly_amount_fen
    runs = PayrollRun.objects.filter(month=D("2017-02-01"))
    assert sum(r.line_count for r in runs) == len(entitlements) == PayrollLine.objects.count()
    assert {r.status for r in runs} == {"computed"} and [
        p["month"] for p in result["payrolls"]
    ] == ["2017-02"] * runs.count()
    again = seed_demo_beneficiaries(count=40, on=ON)
    assert (
        again["created"] == 0
        and Entitlement.objects.count() == len(entitlements) == PayrollLine.objects.count()
    )
