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


# ------------------------------------------------------------------------------ live parts


def test_dashboard_shows_a_case_opened_or_closed_at_once(client, world, users):  # noqa: F811
    login(client, "leader")
    url = "/targets/?region=420802"
    assert "东宝区床位督办" not in client.get(url).content.decode()  # page parts cached now
    case = services.open_case(
        user=users["city_section"],
        plan=world["plan"],
        region=world["dongbao"],
        reason="behind",
        target=world["dongbao_beds"],
        title="东宝区床位督办",
        owner=users["dongbao_approver"],
        opened_on=ON,
    )
    page = client.get(url).content.decode()
    assert "东宝区床位督办" in page and f"/targets/supervision/{case.pk}/" in page
    assert "dongbao_approver" in page  # the owner, read with the case
    target_page = client.get(f"/targets/t/{world['dongbao_beds'].pk}/").content.decode()
    assert "督办中" in target_page and "东宝区床位督办" in target_page
    services.close_case(user=users["city_section"], case=case, note="已整改")
    assert "东宝区床位督办" not in client.get(url).content.decode()
    assert (
        "东宝区床位督办"
        not in client.get(f"/targets/t/{world['dongbao_beds'].pk}/").content.decode()
    )


def test_a_case_outside_the_scope_stays_hidden(client, world):  # noqa: F811
    # 钟祥市's open case (the world's) is on the city's dashboard, never on 东宝区's.
    login(client, "leader")
    assert world["zx_case"].title in client.get("/targets/").content.decode()
    login(client, "dongbao_approver")
    assert world["zx_case"].title not in client.get("/targets/").content.decode()
    assert client.get("/targets/?region=420881").status_code == 404


def test_target_page_shows_a_report_and_its_review_at_once(client, world, users):  # noqa: F811
    login(client, "dongbao_approver")
    url = f"/targets/t/{world['dongbao_beds'].pk}/"
    before = client.get(url).content.decode()
    assert before.count('<td><a href="/targets/reports/') == 1  # the approved 14 of May
    report = services.submit_report(
        user=users["dongbao_approver"],
        indicator="elderly_care_beds",
        region=world["dongbao"],
        as_of=ON,
        value=23,
    )
    page = client.get(url).content.decode()
    assert f"/targets/reports/{report.pk}/" in page and "待审核" in page
    # Sent back (approving would need evidence): the row stays, with its new state.
    services.review_report(
        user=users["city_section"], report=report, approve=False, note="数值有误"
    )
    page = client.get(url).content.decode()
    assert f"/targets/reports/{report.pk}/" in page and "待审核" not in page and "已退回" in page


def test_shared_page_parts_keep_each_user_and_language_apart(client, world):  # noqa: F811
    login(client, "leader")
    city = client.get("/targets/").content.decode()
    assert 'class="user-name">leader<' in city and "荆门市" in city
    login(client, "dongbao_approver")
    own = client.get("/targets/").content.decode()
    assert 'class="user-name">dongbao_approver<' in own
    assert 'class="user-name">leader<' not in own
    # The plans and the crumbs above the board are the same cached part only for the same scope.
    assert own.count('<option value="') <= city.count('<option value="')
    client.cookies["django_language"] = "en"
    english = client.get("/targets/").content.decode()
    assert ">Indicators<" in english and ">指标说明<" not in english
    client.cookies["django_language"] = "zh-hans"
    assert ">指标说明<" in client.get("/targets/").content.decode()


def test_a_deleted_session_ends_at_once(client, world):  # noqa: F811
    from django.contrib.sessions.models import Session

    login(client, "leader")
    assert client.get("/targets/").status_code == 200
    Session.objects.all().delete()  # what logout does, on whichever worker
    response = client.get("/targets/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_user_is_read_as_the_orm_reads_it(world, users, django_assert_num_queries):  # noqa: F811
    from minzheng.accounts.backends import PlatformBackend
    from minzheng.accounts.models import User

    backend = PlatformBackend()
    for name in ("leader", "dongbao_clerk", "admin"):
        expected = User.objects.select_related("region").get(username=name)
        with django_assert_num_queries(1):
            user = backend.get_user(expected.pk)
            region_name = user.region.name if user.region_id else None
        assert {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
        }
        assert region_name == (expected.region.name if expected.region_id else None)
    assert backend.get_user(999999) is None
    User.objects.filter(username="leader").update(is_active=False)
    assert backend.get_user(users["leader"].pk) is None
