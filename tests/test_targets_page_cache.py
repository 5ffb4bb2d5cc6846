"""What the dashboard and target pages keep between requests: the snapshot dates, the plans, the
targets and the page parts drawn from the snapshots, under a key that changes with every refresh
and every edit of a plan or its targets. Pages show the change at once; scope is checked on every
request; and a page reads a handful of rows, not the snapshot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.targets import refresh, selectors, services
from tests.conftest import PASSWORD
from tests.test_targets_scope import ON, world  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def _tables(captured) -> list[str]:
    """The table (or the generation read) each statement of a request reads."""
    names = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if "count(*) FROM targets_snapshotrun" in sql:
            names.append("generation")
        else:
            names.append(sql.split(" FROM ", 1)[1].split()[0].strip('"'))
    return names


def test_warm_pages_read_only_what_is_live(client, world):  # noqa: F811
    login(client, "leader")
    target = world["beds"]
    pages = {
        "/targets/": [
            "django_session",
            "accounts_user",  # with its region
            "generation",
            "targets_supervisioncase",  # open cases: live
        ],
        "/targets/?region=420802": [
            "django_session",
            "accounts_user",
            "generation",
            "regions_region",  # the region asked for, checked against the scope
            "targets_supervisioncase",
        ],
        f"/targets/t/{target.pk}/": [
            "django_session",
            "accounts_user",
            "generation",
            "targets_reportedvalue",  # the target's reports: live
            "targets_supervisioncase",  # its open case: live
        ],
    }
    for url, expected in pages.items():
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert _tables(captured) == expected, (url, _tables(captured))


def test_generation_changes_with_refreshes_and_plan_edits(world, users):  # noqa: F811
    first = selectors.cache_generation()
    assert selectors.cache_generation() == first
    refresh.refresh(on_date=ON, plans=[world["plan"]])
    second = selectors.cache_generation()
    assert second != first
    target = world["plan"].targets.get(code="12.1")
    services.update_target(user=users["city_section"], target=target, weight=5)
    assert selectors.cache_generation() not in (first, second)


def test_target_page_shows_an_edit_at_once(client, world, users):  # noqa: F811
    login(client, "city_section")
    target = world["plan"].targets.get(code="12.1")
    url = f"/targets/t/{target.pk}/"
    assert client.get(url).status_code == 200  # cached now
    services.update_target(user=users["city_section"], target=target, value=45678)
    page = client.get(url).content.decode()
    assert "45,678" in page or "45678" in page


def test_dashboard_shows_a_new_snapshot_at_once(client, world):  # noqa: F811
    login(client, "leader")
    before = client.get("/targets/").content.decode()
    new_date = ON + dt.timedelta(days=31)
    assert f'<option value="{new_date.isoformat()}"' not in before
    refresh.refresh(on_date=new_date, plans=[world["plan"]])
    after = client.get("/targets/").content.decode()
    assert f'<option value="{new_date.isoformat()}" selected>' in after


def test_a_cached_target_is_still_out_of_scope(client, world):  # noqa: F811
    zx_target, dongbao_target = world["zx_target"], world["dongbao_beds"]
    login(client, "leader")  # the city: caches both targets
    assert client.get(f"/targets/t/{zx_target.pk}/").status_code == 200
    assert client.get(f"/targets/t/{dongbao_target.pk}/").status_code == 200
    login(client, "dongbao_approver")
    assert client.get(f"/targets/t/{zx_target.pk}/").status_code == 404
    assert client.get(f"/targets/t/{dongbao_target.pk}/").status_code == 200
    # The city's target above 东宝区's is context for it, as with the uncached read.
    assert client.get(f"/targets/t/{world['beds'].pk}/").status_code == 200
    assert client.get("/targets/t/999999/").status_code == 404
