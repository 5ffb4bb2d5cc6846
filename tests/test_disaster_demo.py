"""The demo step of disaster relief on the small test city: the 2016 flood with its reports and
relief paid through one-off payables, teams, drills and assessments; a second run adds nothing."""

import datetime as dt

import pytest

from minzheng.disaster.demo import FLOOD_NAME, seed_demo_disaster
from minzheng.disaster.models import DisasterEvent, ReliefDecision
from minzheng.payments.models import OneOffPayable

pytestmark = pytest.mark.django_db


def test_demo_is_set_based_consistent_and_idempotent(jingmen, users, people):
    first = seed_demo_disaster(today=dt.date(2026, 12, 7))
    assert first["events"] == 1 and first["households"] == 1  # 张三's household in 龙泉街道
    assert first["teams"] == 5 and first["drills"] == 6
    event = DisasterEvent.objects.get(name=FLOOD_NAME)
    kinds = [(r.kind, r.covers_on.day, r.late) for r in event.reports.order_by("submitted_at")]
    assert kinds == [
        ("initial", 1, False),
        ("continuing", 2, False),
        ("continuing", 3, False),
        ("continuing", 4, True),
        ("continuing", 5, False),
        ("continuing", 6, False),
        ("verified", 6, False),
    ]
    assert event.reports.get(kind="verified").mismatches == []
    approved = ReliefDecision.objects.filter(status="approved")
    payables = OneOffPayable.objects.filter(source_kind="disaster_relief")
    assert payables.count() == approved.count() > 0
    assert {p.amount_fen for p in payables} <= {d.amount_fen for d in approved}
    second = seed_demo_disaster(today=dt.date(2026, 12, 7))
    assert second == {k: 0 for k in first}
    assert OneOffPayable.objects.filter(source_kind="disaster_relief").count() == payables.count()
