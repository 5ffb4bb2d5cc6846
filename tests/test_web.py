"""The HTML interface: every page renders in scope, out-of-scope records are 404, read-only and
unmasking rules hold, form errors sit next to their fields, and English works."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from minzheng.accounts.models import Role
from minzheng.core.models import AuditEvent, Job
from minzheng.people import services
from minzheng.people.models import HouseholdMember, Person
from minzheng.regions.models import Region
from minzheng.web.selectors import registry_counts
from tests.fixtures.web import (
    BANK_ACCOUNT,
    LI_SI,
    WANG_WU,
    ZHANG_SAN,
    ZHAO_LIU,
    ZHOU_QI,
    World,
    build_world,
    create_user,
    make_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def login(client, user):
    client.force_login(user)
    return client


def field_block(html: str, name: str) -> str:
    """The <div class="field"> that holds the input named `name` (errors render inside it)."""
    for block in re.findall(r'<div class="field[^"]*">(.*?)\n</div>', html, re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no form field {name!r} on the page")


# ------------------------------------------------------------------ every page renders


def _pages(w: World, job: Job):
    return [
        (reverse("web:workbench"), ["您好，刘受理", "乡镇（街道）受理员", "龙泉街道"]),
        (reverse("web:region_detail", args=["420802001"]), ["龙泉社区", "月亮湖社区"]),
        (reverse("web:region_detail", args=["420802"]), ["龙泉街道"]),
        (reverse("web:person_list"), ["张三", "李四", "张小明"]),
        (reverse("web:person_list") + "?q=zs", ["张三"]),
        (
            reverse("web:person_detail", args=[w.zhang.pk]),
            ["张三", w.zhang.id_masked, w.household.number],
        ),
        (reverse("web:person_create"), ['name="id_number"', "登记人员"]),
        (reverse("web:person_edit", args=[w.zhang.pk]), ['value="张三"']),
        (reverse("web:household_list"), [w.household.number, "张三"]),
        (
            reverse("web:household_detail", args=[w.household.pk]),
            ["李四", "配偶", "张小明", "子女", w.li.id_masked],
        ),
        (reverse("web:household_create"), ['name="head_id_number"', "龙泉社区"]),
        (reverse("web:job_list"), [job.title]),
        (reverse("web:job_detail", args=[job.pk]), [job.title, "错误明细"]),
    ]


def test_every_page_renders_for_a_township_clerk(client, world):
    job = Job.objects.create(
        kind="people.import",
        title="导入人员：名单.csv",
        created_by=world.clerk,
        status=Job.Status.SUCCEEDED,
        result={
            "mode": "good_rows",
            "rows": 2,
            "created_people": 1,
            "created_households": 0,
            "existing": 0,
            "written": True,
            "errors": [{"row": 3, "column": "姓名", "value": "", "message": "姓名不能为空"}],
            "error_count": 1,
        },
    )
    login(client, world.clerk)
    for url, expected in _pages(world, job):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<meta charset="utf-8">' in html and 'name="viewport"' in html
        for text in expected:
            assert text in html, (url, text)


def test_region_index_redirects_to_the_users_own_region(client, world):
    response = login(client, world.clerk).get(reverse("web:region_index"))
    assert response.status_code == 302 and response.url == reverse(
        "web:region_detail", args=["420802001"]
    )


def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get(reverse("web:person_list"))
    assert response.status_code == 302 and response.url.startswith("/login/?next=")
    # A poll from a page whose session expired redirects the whole page, not the fragment.
    job = Job.objects.create(
        kind="people.import", title="运行中", created_by=world.clerk, status=Job.Status.RUNNING
    )
    poll = client.get(
        reverse("web:job_status", args=[job.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/jobs/{job.pk}/",
    )
    assert poll["HX-Redirect"] == f"/login/?next=/jobs/{job.pk}/"


def test_login_page_signs_in_and_logout_is_post_only(client, world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world.clerk.set_password("correct-horse-1")
    world.clerk.save()
    page = client.get(reverse("web:login"))
    assert page.status_code == 200 and "民政综合业务平台" in page.content.decode()
    bad = client.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
    assert bad.status_code == 200 and "用户名" in bad.content.decode()
    ok = client.post(reverse("web:login"), {"username": "clerk", "password": "correct-horse-1"})
    assert ok.status_code == 302 and ok.url == reverse("web:workbench")
    assert AuditEvent.objects.filter(action="login", actor=world.clerk).count() == 1
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:workbench")).status_code == 302


# ------------------------------------------------------------------ scope


def test_out_of_scope_records_are_404_and_never_listed(client, world):
    login(client, world.county)
    # In scope: the 东宝区 user sees 东宝 people (so the refusals below are about scope, not a broken page).
    assert client.get(reverse("web:person_detail", args=[world.zhang.pk])).status_code == 200
    assert client.get(reverse("web:person_detail", args=[world.wang.pk])).status_code == 404
    assert (
        client.get(reverse("web:household_detail", args=[world.zx_household.pk])).status_code == 404
    )
    assert client.get(reverse("web:person_edit", args=[world.wang.pk])).status_code == 404
    assert client.get(reverse("web:region_detail", args=["420881"])).status_code == 404
    listing = client.get(reverse("web:person_list"))
    assert "张三" in listing.content.decode() and "王五" not in listing.content.decode()
    for query in ("王五", "wangwu", "ww", WANG_WU):
        page = client.get(reverse("web:person_list"), {"q": query}).context["page_obj"]
        assert page.paginator.count == 0, query
    households = client.get(reverse("web:household_list")).content.decode()
    assert world.household.number in households and world.zx_household.number not in households
    assert client.post(reverse("web:person_reveal_id", args=[world.wang.pk])).status_code == 404


def test_search_by_full_id_name_and_initials(client, world):
    login(client, world.clerk)

    def names(query):
        page = client.get(reverse("web:person_list"), {"q": query}).context["page_obj"]
        return sorted(p.name for p in page)

    assert names(LI_SI) == ["李四"]
    assert names("张") == ["张三", "张小明"]
    assert names("zxm") == ["张小明"]
    assert names(ZHANG_SAN[:10]) == []  # a partial ID is not an ID search and matches no name


def test_region_browser_counts_zones_and_members(client, world):
    login(client, world.admin)
    html = client.get(reverse("web:region_detail", args=["420802001"])).content.decode()
    rows = client.get(reverse("web:region_detail", args=["420802001"])).context["rows"]
    assert [(r.region.name, r.people, r.households) for r in rows] == [
        ("龙泉社区", 3, 1),
        ("月亮湖社区", 0, 0),
    ]
    city = {
        r.region.code: (r.people, r.households)
        for r in client.get(reverse("web:region_detail", args=["420800"])).context["rows"]
    }
    # 东宝区: 3 in 龙泉 + 周七 in 漳河镇; 钟祥: 王五; 漳河新区 rolls up its member 漳河镇 (东宝) and 420804004.
    assert (
        city["420802"] == (4, 1)
        and city["420881"] == (1, 1)
        and city["4208Z1"] == (1, 0)
        and city["420804"] == (0, 0)
    )
    township = client.get(reverse("web:region_detail", args=["420802102"])).content.decode()
    assert "漳河新区" in township and reverse("web:region_detail", args=["4208Z1"]) in township
    zone = client.get(reverse("web:region_detail", args=["4208Z1"]))
    assert [r.region.code for r in zone.context["rows"]] == ["420802102", "420804004"]
    assert zone.context["total"].people == 1
    assert "龙泉街道" in html


def test_region_browser_is_scoped_for_a_township_clerk(client, world):
    login(client, world.clerk)
    county = client.get(reverse("web:region_detail", args=["420802"]))
    assert [r.region.name for r in county.context["rows"]] == ["龙泉街道"]
    assert (county.context["total"].people, county.context["total"].households) == (
        3,
        1,
    )  # 周七 is outside 龙泉
    crumbs = [
        r.name
        for r in client.get(reverse("web:region_detail", args=["420802001001"])).context["crumbs"]
    ]
    assert crumbs == ["湖北省", "荆门市", "东宝区", "龙泉街道"]


def test_registry_counts_take_one_aggregate_query_whatever_the_number_of_rows(
    world, django_assert_num_queries
):
    city_children = list(Region.objects.filter(parent__code="420800").prefetch_related("members"))
    assert len(city_children) >= 7
    # One UNION query counts people and households, one more reads the paths of the counted regions.
    with django_assert_num_queries(2):
        rows = registry_counts(world.admin, city_children)
    assert sum(r.people for r in rows if not r.region.is_zone) == 5


# ------------------------------------------------------------------ read-only and unmasking


def test_leader_sees_no_write_buttons_and_gets_403_on_writes(client, world):
    login(client, world.leader)
    detail = client.get(reverse("web:person_detail", args=[world.zhang.pk])).content.decode()
    assert reverse("web:person_edit", args=[world.zhang.pk]) not in detail
    assert "显示完整号码" not in detail
    listing = client.get(reverse("web:person_list")).content.decode()
    assert "张三" in listing and reverse("web:person_create") not in listing
    household = client.get(
        reverse("web:household_detail", args=[world.household.pk])
    ).content.decode()
    assert "李四" in household and "迁出" not in household and "添加成员" not in household
    workbench = client.get(reverse("web:workbench")).content.decode()
    assert (
        reverse("web:person_create") not in workbench
        and reverse("web:person_import") not in workbench
    )
    members_before = HouseholdMember.objects.count()
    posts = [
        (
            reverse("web:person_create"),
            {
                "id_number": ZHAO_LIU,
                "name": "赵六",
                "hukou_region": "420802001001",
                "hukou_type": "urban",
            },
        ),
        (
            reverse("web:person_edit", args=[world.zhang.pk]),
            {"name": "张叁", "hukou_region": "420802001001", "hukou_type": "urban"},
        ),
        (
            reverse("web:member_add", args=[world.household.pk]),
            {"id_number": ZHOU_QI, "relation": "other", "since": "2024-01-01"},
        ),
        (
            reverse(
                "web:member_end",
                args=[world.household.pk, world.household.memberships.get(person=world.li).pk],
            ),
            {"until": "2024-01-01"},
        ),
        (
            reverse("web:bank_account_edit", args=[world.household.pk]),
            {"bank_name": "x", "bank_account": ""},
        ),
        (reverse("web:household_create"), {"region": "420802001002", "head_id_number": ZHOU_QI}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("web:person_create")).status_code == 403
    assert client.post(reverse("web:person_reveal_id", args=[world.zhang.pk])).status_code == 403
    assert not Person.objects.filter(name__in=["赵六", "张叁"]).exists()
    assert HouseholdMember.objects.count() == members_before


def test_clerk_sees_masked_id_and_reveal_is_audited(client, world):
    login(client, world.clerk)
    detail = client.get(reverse("web:person_detail", args=[world.zhang.pk])).content.decode()
    assert world.zhang.id_masked in detail and ZHANG_SAN not in detail and "显示完整号码" in detail
    response = client.post(
        reverse("web:person_reveal_id", args=[world.zhang.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert ZHANG_SAN in response.content.decode() and "<html" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(
        action="unmask", object_type="people.person", object_id=str(world.zhang.pk)
    )
    assert event.actor == world.clerk and event.note == "id_number"
    # The unmasking shows up in the person's own log.
    assert (
        "查看完整信息"
        in client.get(reverse("web:person_detail", args=[world.zhang.pk])).content.decode()
    )


def test_bank_account_is_masked_and_reveal_is_audited(client, world):
    login(client, world.clerk)
    detail = client.get(reverse("web:household_detail", args=[world.household.pk])).content.decode()
    assert world.household.bank_account_masked in detail and BANK_ACCOUNT not in detail
    response = client.post(
        reverse("web:household_reveal_bank", args=[world.household.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and BANK_ACCOUNT in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="unmask", object_type="people.household", note="bank_account", actor=world.clerk
        ).count()
        == 1
    )


def test_village_worker_may_not_reveal(client, world):
    login(client, world.village_worker)
    detail = client.get(reverse("web:person_detail", args=[world.zhang.pk])).content.decode()
    assert world.zhang.id_masked in detail and "显示完整号码" not in detail
    response = client.post(
        reverse("web:person_reveal_id", args=[world.zhang.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403 and ZHANG_SAN not in response.content.decode()
    assert "无权查看完整身份证号码" in response.content.decode()
    assert (
        client.post(reverse("web:household_reveal_bank", args=[world.household.pk])).status_code
        == 403
    )
    assert not AuditEvent.objects.filter(action="unmask").exists()


# ------------------------------------------------------------------ forms


def test_person_form_errors_are_chinese_and_next_to_their_fields(client, world):
    login(client, world.clerk)
    bad_check = ZHAO_LIU[:-1] + ("0" if ZHAO_LIU[-1] != "0" else "1")
    response = client.post(
        reverse("web:person_create"),
        {
            "id_number": bad_check,
            "name": "赵六",
            "hukou_region": "420802001001",
            "hukou_type": "urban",
            "disability_type": "physical",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["id_number"] == ["身份证号码校验码错误"]
    assert form.errors["disability_grade"] == ["残疾类别和残疾等级应同时填写"]
    html = response.content.decode()
    assert "身份证号码校验码错误" in field_block(html, "id_number")
    assert "残疾类别和残疾等级应同时填写" in field_block(html, "disability_grade")
    assert "校验码" not in field_block(html, "name")
    # Fields the form itself requires get Django's Chinese message, again beside the field.
    empty = client.post(
        reverse("web:person_create"), {"id_number": ZHAO_LIU, "hukou_type": "urban"}
    ).content.decode()
    assert "这个字段是必填项。" in field_block(empty, "name")
    assert "这个字段是必填项。" in field_block(empty, "hukou_region")
    assert not Person.objects.filter(name="赵六").exists()


@pytest.mark.parametrize(
    "name, phone, errors",
    [
        ("赵" * 65, "13800000000", {"name"}),  # over-long: refused, never cut to 64
        ("赵六", "1380000000", {"phone"}),  # 10 digits
        ("赵六", "23800000000", {"phone"}),  # not a mobile prefix
        ("赵六", "138-0000-0000x", {"phone"}),
        ("赵六", "0724-12345", {"phone"}),  # landline too short
        ("赵六", "0724-2345678", set()),
        ("赵六", "138 0000 0000", set()),  # spaces are tidied away
        ("赵" * 64, "", set()),
    ],
)
def test_over_long_names_and_invalid_phones_get_a_field_error(client, world, name, phone, errors):
    login(client, world.clerk)
    response = client.post(
        reverse("web:person_create"),
        {
            "id_number": ZHAO_LIU,
            "name": name,
            "hukou_region": "420802001001",
            "hukou_type": "urban",
            "phone": phone,
        },
    )
    if errors:
        assert response.status_code == 200 and set(response.context["form"].errors) == errors
        assert not Person.objects.filter(id_hash__isnull=False, name__startswith="赵").exists()
        if "phone" in errors:
            assert "联系电话格式不正确，应为11位手机号码" in field_block(
                response.content.decode(), "phone"
            )
    else:
        assert response.status_code == 302
        assert Person.objects.get(name=name).phone == phone.replace(" ", "")


def test_duplicate_id_links_to_the_existing_record(client, world):
    login(client, world.clerk)
    response = client.post(
        reverse("web:person_create"),
        {
            "id_number": ZHANG_SAN,
            "name": "张三丰",
            "hukou_region": "420802001001",
            "hukou_type": "urban",
        },
    )
    html = response.content.decode()
    assert "该身份证号码已登记" in field_block(html, "id_number")
    assert f'href="/people/{world.zhang.pk}/"' in html


def test_register_and_edit_a_person_through_the_forms(client, world):
    login(client, world.clerk)
    created = client.post(
        reverse("web:person_create"),
        {
            "id_number": ZHAO_LIU,
            "name": "赵六",
            "hukou_region": "420802001002",
            "hukou_type": "rural",
            "phone": "13800000000",
        },
    )
    person = Person.objects.get(name="赵六")
    assert created.status_code == 302 and created.url == reverse(
        "web:person_detail", args=[person.pk]
    )
    assert (person.sex, person.birth_date, person.hukou_region.code) == (
        "M",
        dt.date(1990, 2, 2),
        "420802001002",
    )
    out_of_scope = client.post(
        reverse("web:person_edit", args=[person.pk]),
        {
            "name": "赵六",
            "hukou_region": "420881001001",
            "hukou_type": "rural",
        },
    )
    assert out_of_scope.status_code == 200 and out_of_scope.context["form"].errors["hukou_region"]
    edited = client.post(
        reverse("web:person_edit", args=[person.pk]),
        {
            "name": "赵陆",
            "hukou_region": "420802001002",
            "hukou_type": "rural",
        },
    )
    assert edited.status_code == 302
    detail = client.get(reverse("web:person_detail", args=[person.pk])).content.decode()
    assert "赵六 → 赵陆" in detail and "农村" in detail


def test_household_create_add_and_end_members(client, world):
    login(client, world.clerk)
    zhao = services.register_person(
        user=world.clerk,
        id_number=ZHAO_LIU,
        name="赵六",
        hukou_region=world.village2,
        hukou_type="urban",
    )
    missing = client.post(
        reverse("web:household_create"),
        {"region": "420802001002", "head_id_number": make_id("420802", "19700101", "019")},
    )
    assert "未找到该身份证号码对应的人员" in field_block(missing.content.decode(), "head_id_number")
    busy = client.post(
        reverse("web:household_create"), {"region": "420802001002", "head_id_number": LI_SI}
    )
    assert "已在家庭" in field_block(busy.content.decode(), "head_id_number")
    not_village = client.post(
        reverse("web:household_create"), {"region": "420802001", "head_id_number": ZHAO_LIU}
    )
    assert not_village.context["form"].errors["region"]
    created = client.post(
        reverse("web:household_create"),
        {
            "region": "420802001002",
            "head_id_number": ZHAO_LIU,
            "address": "月亮湖路8号",
            "bank_account": "123",
        },
    )
    assert "银行账号应为12至30位数字" in field_block(created.content.decode(), "bank_account")
    created = client.post(
        reverse("web:household_create"),
        {"region": "420802001002", "head_id_number": ZHAO_LIU, "address": "月亮湖路8号"},
    )
    household = zhao.headed_households.get()
    assert created.status_code == 302 and created.url == reverse(
        "web:household_detail", args=[household.pk]
    )

    # 李四 moves out of the 张 household and into 赵六's.
    li_membership = world.household.memberships.get(person=world.li, until__isnull=True)
    ended = client.post(
        reverse("web:member_end", args=[world.household.pk, li_membership.pk]),
        {"until": "2024-06-30"},
    )
    assert ended.status_code == 302
    li_membership.refresh_from_db()
    assert li_membership.until == dt.date(2024, 6, 30)
    added = client.post(
        reverse("web:member_add", args=[household.pk]),
        {"id_number": LI_SI, "relation": "spouse", "since": "2024-07-01"},
    )
    assert added.status_code == 302
    assert household.memberships.filter(
        person=world.li, until__isnull=True, relation="spouse"
    ).exists()
    again = client.post(
        reverse("web:member_add", args=[household.pk]),
        {"id_number": LI_SI, "relation": "spouse", "since": "2024-07-01"},
    )
    assert again.status_code == 422 and "已是本家庭成员" in field_block(
        again.content.decode(), "id_number"
    )
    # A member of another household cannot be ended through this household's URL.
    other = world.household.memberships.get(person=world.zhang)
    assert (
        client.post(
            reverse("web:member_end", args=[household.pk, other.pk]), {"until": "2024-06-30"}
        ).status_code
        == 404
    )


# ------------------------------------------------------------------ workbench and jobs


def test_workbench_lists_open_duplicates_and_own_jobs(client, world):
    twin = services.register_person(  # same name and birth date as 张三, another ID
        user=world.admin,
        id_number=make_id("420802", "19800101", "035"),
        name="张三",
        hukou_region=world.village,
        hukou_type="urban",
    )
    running = Job.objects.create(
        kind="people.import",
        title="导入人员：运行中",
        created_by=world.clerk,
        status=Job.Status.RUNNING,
    )
    Job.objects.create(
        kind="people.import",
        title="导入人员：已完成",
        created_by=world.clerk,
        status=Job.Status.SUCCEEDED,
    )
    Job.objects.create(
        kind="people.import",
        title="导入人员：别人的",
        created_by=world.village_worker,
        status=Job.Status.FAILED,
    )
    html = login(client, world.clerk).get(reverse("web:workbench")).content.decode()
    assert reverse("web:person_detail", args=[twin.pk]) in html and "待核查的疑似重复登记" in html
    assert (
        running.title in html and "导入人员：已完成" not in html and "导入人员：别人的" not in html
    )
    worker_page = login(client, world.village_worker).get(reverse("web:workbench")).content.decode()
    assert "待核查的疑似重复登记" not in worker_page and "导入人员：别人的" in worker_page


def test_resident_workbench_shows_own_household(client, world):
    resident = create_user("resident", Role.RESIDENT, None, person=world.li)
    html = login(client, resident).get(reverse("web:workbench")).content.decode()
    assert world.household.number in html and "张小明" in html
    assert client.get(reverse("web:person_detail", args=[world.wang.pk])).status_code == 404
    assert client.get(reverse("web:region_index")).status_code == 403


def test_job_progress_polls_while_running_and_rerun_only_when_failed(
    client, world, django_capture_on_commit_callbacks
):
    running = Job.objects.create(
        kind="people.import",
        title="运行中",
        created_by=world.clerk,
        status=Job.Status.RUNNING,
        done=25,
        total=100,
        heartbeat_at=dt.datetime.now(dt.UTC),
    )
    login(client, world.clerk)
    partial = client.get(reverse("web:job_status", args=[running.pk])).content.decode()
    assert (
        'hx-trigger="every 1s"' in partial
        and 'aria-valuenow="25"' in partial
        and "<html" not in partial
    )
    assert "重新运行" not in partial
    assert client.post(reverse("web:job_rerun", args=[running.pk])).status_code == 403
    failed = Job.objects.create(
        kind="people.import",
        title="失败",
        created_by=world.clerk,
        status=Job.Status.FAILED,
        message="文件无法读取",
    )
    page = client.get(reverse("web:job_detail", args=[failed.pk])).content.decode()
    assert "hx-trigger" not in page and "重新运行" in page and "文件无法读取" in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("web:job_rerun", args=[failed.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    failed.refresh_from_db()
    assert failed.status == Job.Status.QUEUED
    # Someone else's job is invisible.
    assert (
        login(client, world.village_worker)
        .get(reverse("web:job_detail", args=[failed.pk]))
        .status_code
        == 404
    )
    assert client.get(reverse("web:job_detail", args=[uuid.uuid4()])).status_code == 404


def test_import_page_uploads_and_redirects_to_the_job(
    client, world, django_capture_on_commit_callbacks, settings, tmp_path
):
    imports = pytest.importorskip("minzheng.people.imports")
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    login(client, world.clerk)
    page = client.get(reverse("web:person_import")).content.decode()
    assert "全部正确才导入" in page and "只导入正确的行" in page
    # The navigation marks the most specific section: 批量导入, not 人员 (/people/).
    assert re.findall(r'aria-current="page">([^<]+)<', page) == ["批量导入"]
    template = client.get(reverse("web:person_import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    wrong_type = client.post(
        reverse("web:person_import"),
        {"file": SimpleUploadedFile("名单.txt", b"x"), "mode": "good_rows"},
    )
    assert "只支持 CSV 或 .xlsx 文件" in field_block(wrong_type.content.decode(), "file")
    bad_id = ZHOU_QI[:-1] + ("0" if ZHOU_QI[-1] != "0" else "1")
    csv = f"身份证号码,姓名,户籍地区划代码,户口性质\n{ZHAO_LIU},赵六,420802001001,城镇\n{bad_id},钱八,420802001001,城镇\n".encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("web:person_import"),
            {"file": SimpleUploadedFile("名单.csv", csv), "mode": "good_rows"},
        )
    job = Job.objects.get(kind="people.import")
    assert response.status_code == 302 and response.url == reverse("web:job_detail", args=[job.pk])
    assert (
        job.created_by == world.clerk and job.params["mode"] == "good_rows" and len(callbacks) == 1
    )
    # Run the import in this thread (the queued one would run on commit) and show its result.
    report = imports.run_import(
        user=world.clerk, path=Path(job.params["path"]), mode="good_rows", reference=str(job.pk)
    )
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED, result=report.as_result(), done=2, total=2
    )
    html = client.get(reverse("web:job_detail", args=[job.pk])).content.decode()
    assert "数据已写入" in html and "hx-trigger" not in html
    errors = re.search(r'<table data-testid="import-errors">(.*?)</table>', html, re.S).group(1)
    assert (
        re.search(r'<td class="num">3</td><td>身份证号码</td>', errors)
        and "身份证号码校验码错误" in errors
    )
    assert (
        Person.objects.filter(name="赵六").exists()
        and not Person.objects.filter(name="钱八").exists()
    )
    assert client.get(reverse("web:person_import")).status_code == 200
    assert login(client, world.leader).get(reverse("web:person_import")).status_code == 403


# ------------------------------------------------------------------ English


def test_pages_come_out_in_english_on_request(client, world):
    login(client, world.clerk)
    # A browser asking for English still gets Chinese pages: the language switch decides.
    chinese = client.get(
        reverse("web:person_detail", args=[world.zhang.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "工作台" in chinese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    detail = client.get(reverse("web:person_detail", args=[world.zhang.pk])).content.decode()
    assert 'lang="en"' in detail
    for text in (
        "Civil Affairs",
        "Workbench",
        "Basic information",
        "Date of birth",
        "Show full number",
    ):
        assert text in detail, text
    assert "工作台" not in detail and "显示完整号码" not in detail
    errors = client.post(
        reverse("web:person_create"),
        {
            "id_number": ZHAO_LIU[:-1] + ("0" if ZHAO_LIU[-1] != "0" else "1"),
            "hukou_region": "420802001001",
            "hukou_type": "urban",
        },
    ).content.decode()
    assert "This field is required." in field_block(errors, "name")
    assert "check character" in field_block(errors, "id_number").lower()


def test_language_switch_sets_the_cookie(client, world):
    login(client, world.clerk)
    assert "工作台" in client.get(reverse("web:workbench")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get(reverse("web:workbench")).content.decode()
    assert "Workbench" in english and "工作台" not in english
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get(reverse("web:workbench")).content.decode()


def test_person_form_applies_the_shared_phone_and_name_rules(client, world):
    # The form goes through the same service as the API and the importer.
    login(client, world.clerk)
    response = client.post(
        reverse("web:person_create"),
        {
            "id_number": ZHAO_LIU,
            "name": "赵\u202e六",
            "hukou_region": "420802001001",
            "hukou_type": "urban",
            "phone": "12345",
        },
    )
    html = response.content.decode()
    assert "不能包含控制字符或不可见的格式字符" in field_block(html, "name")
    assert "联系电话格式不正确" in field_block(html, "phone")
    assert not Person.objects.filter(id_hash__isnull=False, name__startswith="赵").exists()


def test_a_nul_in_a_page_query_is_a_400_not_a_database_error(client, world):
    login(client, world.clerk)
    assert client.get("/people/", {"q": "张\x00"}).status_code == 400
