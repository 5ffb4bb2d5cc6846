"""The booking request path stays lean (issue 6: the booking API under concurrent load): one
scoped lookup of the elderly person, and a fixed number of queries per request that does not
grow with the registry or with the bookings already made."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minzheng.accounts.models import ApiToken

API = "/api/v1/eldercare"

# Booking create through the API, per statement (the test runs inside a transaction, so the
# service's own transaction shows as a savepoint):
#   token lookup (its last-use is written at most once a minute, fresh here)        1
#   savepoint; the person through the caller's scope (with household address);
#   the item with its provider and service area; booking insert; its number;
#   the "create" event                                                              6
#   audit append: PostgreSQL takes the seq and inserts, without a lock or a read of the
#   chain (sealed after the commit); SQLite seals at once: savepoint, head, insert,
#   release                                                                   2 (SQLite 4)
#   release                                                                         1
CREATE_QUERIES = {"postgresql": 13, "sqlite": 15}
# Read back: token lookup, the booking in scope, its events, its complaints.
READ_QUERIES = 4


def _body(care, hours: int) -> dict:
    return {
        "person_id": care["mother"].pk,
        "item_id": care["items"]["cleaning"].pk,
        "quantity": 1,
        "scheduled_at": (timezone.now() + dt.timedelta(hours=hours)).isoformat(),
    }


def _statements(captured, table: str) -> int:
    return sum(
        1
        for q in captured.captured_queries
        if f'FROM "{table}"' in q["sql"] and q["sql"].startswith("SELECT")
    )


@pytest.mark.parametrize("earlier_bookings", [0, 5])
def test_booking_create_and_read_cost_a_fixed_number_of_queries(api_client, care, earlier_bookings):
    family = api_client.login("chen_da")
    for n in range(earlier_bookings):
        assert family.post(f"{API}/bookings", _body(care, 3 + n)).status_code == 201
    ApiToken.objects.update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as create:
        r = family.post(f"{API}/bookings", _body(care, 2))
    assert r.status_code == 201, r.content
    assert (r.json()["channel"], r.json()["gross"], r.json()["address"]) == (
        "family",
        "40.00",
        care["mother"].memberships.get().household.address,
    )
    assert len(create) == CREATE_QUERIES[connection.vendor], [
        q["sql"][:80] for q in create.captured_queries
    ]
    assert _statements(create, "people_person") == 1  # one scoped lookup, not one per check
    with CaptureQueriesContext(connection) as read:
        assert family.get(f"{API}/bookings/{r.json()['id']}").status_code == 200
    assert len(read) == READ_QUERIES, [q["sql"][:80] for q in read.captured_queries]


@pytest.mark.parametrize(
    "username, lookups",
    [
        ("provider_a", 0),  # a provider's reach holds no elderly person: not even a lookup
        ("zhongxiang_clerk", 1),  # another county's clerk: the one scoped lookup finds nobody
    ],
)
def test_out_of_scope_person_is_404_without_writes(api_client, care, username, lookups):
    caller = api_client.login(username)
    with CaptureQueriesContext(connection) as refused:
        assert caller.post(f"{API}/bookings", _body(care, 2)).status_code == 404
    writes = [
        q["sql"]
        for q in refused.captured_queries
        if q["sql"].startswith(("INSERT", 'UPDATE "eldercare'))
    ]
    assert writes == [] and _statements(refused, "people_person") == lookups
