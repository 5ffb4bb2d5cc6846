"""Shared fixtures: the Jingmen tree, a village in 东宝区 and one in 钟祥市, staff of each role."""

import datetime as dt
import os

# Worker subprocesses inherit this, so concurrent test runs sharing one Redis never take each
# other's jobs. Set before the job module is imported.
os.environ.setdefault("MINZHENG_QUEUE", f"minzheng-test-{os.getpid()}")

import pytest
from django.utils import translation

from minzheng.accounts.models import Role, User
from minzheng.core import idcard
from minzheng.people import services as people_services
from minzheng.regions.models import Region
from tests.fixtures.regions import load_region_tree

PASSWORD = "pass-word-123"

# Fixtures shared by several modules (tests/fixtures/); a module never imports another's fixtures.
pytest_plugins = [
    "tests.fixtures.browser",
    "tests.fixtures.cases",
    "tests.fixtures.children",
    "tests.fixtures.database",
    "tests.fixtures.demo",
    "tests.fixtures.depots",
    "tests.fixtures.disaster",
    "tests.fixtures.eldercare",
    "tests.fixtures.funeral",
    "tests.fixtures.installs",
    "tests.fixtures.jobs",
    "tests.fixtures.payments",
    "tests.fixtures.placement",
    "tests.fixtures.targets",
    "tests.fixtures.vagrants",
    "tests.fixtures.verification",
]


def pytest_addoption(parser):
    parser.addoption(
        "--without",
        action="append",
        default=[],
        metavar="MARKER",
        help="leave out the tests with this marker (repeatable): scripts/test.sh runs the tests "
        "whose outcome cannot depend on the database in one of its two passes only",
    )
    parser.addoption(
        "--keep",
        action="append",
        default=[],
        metavar="MARKER",
        help="keep the tests with this marker even when --without names another of theirs "
        "(repeatable): scripts/test.sh runs a few browser tests in its PostgreSQL pass",
    )


def pytest_configure():
    from django.conf import settings

    # A fast hasher: the suite logs in hundreds of times; production keeps Django's PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """The tests that use the run's one browser last (once it runs, Playwright's event loop stays
    in this thread), and none of those carrying a marker named by --without unless they carry one
    named by --keep."""
    items.sort(key=lambda item: "browser" in item.fixturenames)  # stable: the order otherwise kept
    without, keep = config.getoption("--without"), config.getoption("--keep")
    left_out = [
        item
        for item in items
        if any(item.get_closest_marker(m) for m in without)
        and not any(item.get_closest_marker(m) for m in keep)
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        gone = set(left_out)
        items[:] = [item for item in items if item not in gone]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a page the test client fetched in English
    leaves English active in this thread, and the next test would read English messages."""
    yield
    translation.deactivate()


def make_id(address: str, birth: str, seq: int) -> str:
    """A valid resident ID for tests: address code, YYYYMMDD, 3-digit sequence, check char."""
    first17 = f"{address}{birth}{seq:03d}"
    return first17 + idcard.check_char(first17)


@pytest.fixture
def jingmen(db):
    load_region_tree()
    longquan = Region.objects.get(code="420802001")
    yingzhong = Region.objects.get(code="420881001")
    lixi = Region.objects.get(code="420802100")
    return {
        "city": Region.objects.get(code="420800"),
        "dongbao": Region.objects.get(code="420802"),
        "zhongxiang": Region.objects.get(code="420881"),
        "longquan": longquan,
        "yingzhong": yingzhong,
        "longquan_community": Region.objects.create(
            code="420802001001",
            name="龙泉社区",
            level="village",
            parent=longquan,
            urban_rural="urban",
        ),
        "yingzhong_community": Region.objects.create(
            code="420881001001",
            name="郢中社区",
            level="village",
            parent=yingzhong,
            urban_rural="urban",
        ),
        "lixi_village": Region.objects.create(
            code="420802100200", name="栗溪村", level="village", parent=lixi, urban_rural="rural"
        ),
    }


def make_user(username, role, region=None, **extra):
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, region=region, **extra
    )


@pytest.fixture
def users(jingmen):
    return {
        "admin": make_user("admin", Role.ADMIN, None, is_superuser=True, is_staff=True),
        "dongbao_clerk": make_user("dongbao_clerk", Role.TOWNSHIP_CLERK, jingmen["longquan"]),
        "dongbao_approver": make_user("dongbao_approver", Role.COUNTY_APPROVER, jingmen["dongbao"]),
        "dongbao_village": make_user(
            "dongbao_village", Role.VILLAGE_WORKER, jingmen["longquan_community"]
        ),
        "zhongxiang_clerk": make_user(
            "zhongxiang_clerk", Role.TOWNSHIP_CLERK, jingmen["yingzhong"]
        ),
        "leader": make_user("leader", Role.LEADER, jingmen["city"]),
        "city_section": make_user("city_section", Role.CITY_SECTION, jingmen["city"]),
    }


@pytest.fixture
def people(jingmen, users):
    """One household in 东宝区 龙泉社区 and one in 钟祥市 郢中社区, registered through the services."""
    clerk_d, clerk_z = users["dongbao_clerk"], users["zhongxiang_clerk"]
    zhang = people_services.register_person(
        user=clerk_d,
        id_number=make_id("420802", "19800101", 11),
        name="张三",
        hukou_region=jingmen["longquan_community"],
        hukou_type="urban",
    )
    li = people_services.register_person(
        user=clerk_d,
        id_number=make_id("420802", "19820202", 22),
        name="李梅",
        hukou_region=jingmen["longquan_community"],
        hukou_type="urban",
    )
    wang = people_services.register_person(
        user=clerk_z,
        id_number=make_id("420881", "19750505", 33),
        name="王五",
        hukou_region=jingmen["yingzhong_community"],
        hukou_type="urban",
    )
    hh_d = people_services.create_household(
        user=clerk_d,
        region=jingmen["longquan_community"],
        head=zhang,
        address="龙泉路1号",
        bank_name="农商银行",
        bank_account="6217000012345678901",
        members=[(li, "spouse")],
        since=dt.date(2020, 1, 1),
    )
    hh_z = people_services.create_household(
        user=clerk_z,
        region=jingmen["yingzhong_community"],
        head=wang,
        address="郢中路2号",
        bank_name="农商银行",
        bank_account="6217000098765432109",
        since=dt.date(2020, 1, 1),
    )
    return {"zhang": zhang, "li": li, "wang": wang, "hh_dongbao": hh_d, "hh_zhongxiang": hh_z}


@pytest.fixture
def api_client(client):
    """A test client that logs in through POST /api/v1/auth/token and sends the bearer token."""

    class ApiClient:
        def __init__(self):
            self.token = None

        def login(self, username, password=PASSWORD):
            r = client.post(
                "/api/v1/auth/token",
                {"username": username, "password": password},
                content_type="application/json",
            )
            assert r.status_code == 200, r.content
            self.token = r.json()["token"]
            return self

        def _headers(self, lang):
            h = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
            if lang:
                h["HTTP_ACCEPT_LANGUAGE"] = lang
            return h

        def get(self, url, lang=None, **params):
            return client.get(url, params, **self._headers(lang))

        def post(self, url, data=None, lang=None):
            return client.post(
                url, data or {}, content_type="application/json", **self._headers(lang)
            )

        def patch(self, url, data=None, lang=None):
            return client.patch(
                url, data or {}, content_type="application/json", **self._headers(lang)
            )

    return ApiClient()
