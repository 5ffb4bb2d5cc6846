"""The demo city's verification runs wait for departments whose requests are in every state a
clerk meets: answered on time, answered late, awaiting within the deadline, and overdue."""

from __future__ import annotations

from collections import Counter

from minzheng.verification import exchange
from minzheng.verification.models import DepartmentRequest, Run


def test_the_demo_runs_have_requests_answered_late_on_time_awaiting_and_overdue(demo_city):
    states = Counter(exchange.state_of(r) for r in DepartmentRequest.objects.all())
    assert states["on_time"] and states["late"] and states["awaiting"] and states["overdue"]
    runs = Run.objects.filter(requests__isnull=False).distinct()
    assert runs.count() == 2 and {r.status for r in runs} == {Run.Status.AWAITING}
    assert {exchange.run_exchange_state(r) for r in runs} == {"awaiting", "overdue"}
    # Every request names the people of an authorised household.
    assert all(r.members > 0 and r.households == 1 for r in DepartmentRequest.objects.all())
