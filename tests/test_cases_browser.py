"""The application pages: the resident's mobile online application and "my cases", the clerk's
list with overdue highlighting and the detail page with its action forms — through Django's test
client, and once in headless Chromium (a resident applies online, a clerk accepts)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minzheng.cases.models import Case, State
from tests.fixtures.cases import PDF_BYTES, PNG_BYTES, to_stage, upload

from .conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def world(case_world):
    return case_world


def at_path(pattern: str):
    """A URL predicate on the path alone (a login page's ?next= must not match)."""
    return lambda url: re.fullmatch(pattern, urlsplit(url).path) is not None


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


# ---------------------------------------------------------------- pages through the test client


def test_resident_applies_online_with_documents_and_follows_the_case(world, client, set_today):
    set_today("2016-09-26")
    login(client, "zhang_resident")
    page = client.get(reverse("cases:apply"))
    assert page.status_code == 200
    html = page.content.decode()
    people = world["people"]
    # One fieldset per member of the household, with the income types and the property.
    assert (
        'name="viewport"' in html
        and "<legend>张三（户主）</legend>" in html
        and "<legend>李梅（配偶）</legend>" in html
    )
    assert f'name="income_{people["li"].pk}_pension"' in html and 'name="financial_assets"' in html
    r = client.post(
        reverse("cases:apply"),
        {
            "programme": "dibao_urban",
            "reason": "失业",
            "phone": "13800000000",
            f"income_{people['zhang'].pk}_wage": "350.50",
            f"income_{people['li'].pk}_wage": "",
            "homes": "1",
            "non_residential": "0",
            "able_supporters": "0",
            "care_mode": "dispersed",
            "id_card": SimpleUploadedFile("身份证.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.channel == "online" and case.facts["members"] == [
        {"relation": "head", "person_id": people["zhang"].pk, "income": {"wage": "350.50"}},
        {"relation": "spouse", "person_id": people["li"].pk},
    ]
    assert case.facts["property"]["homes"] == 1
    assert [d.kind for d in case.documents.all()] == ["id_card"]
    mine = client.get(reverse("cases:mine")).content.decode()
    assert case.number in mine and 'aria-current="step"' in mine and "待受理" in mine
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    # The resident may upload and withdraw, nothing else.
    assert (
        'id="action-upload"' in detail
        and 'id="action-withdraw"' in detail
        and 'id="action-accept"' not in detail
    )
    # A bad upload is refused on the form, next to its field, and nothing is created.
    r = client.post(
        reverse("cases:apply"),
        {
            "programme": "medical",
            "reason": "住院",
            "hukou_book": SimpleUploadedFile("a.gif", b"GIF89a...."),
        },
    )
    assert r.status_code == 422 and "只接受 PDF、JPG 或 PNG" in r.content.decode()
    assert Case.objects.count() == 1


def test_a_village_worker_files_on_behalf_through_the_page(world, client, set_today):
    set_today("2016-09-26")
    people = world["people"]
    login(client, "dongbao_village")
    # The household is found from a member's ID number or the household number, in scope only.
    page = client.post(
        reverse("cases:apply"), {"lookup": people["hh_zhongxiang"].number}
    ).content.decode()
    assert "未找到该身份证号码或家庭编号对应的家庭" in page and 'name="programme"' not in page
    found = client.post(reverse("cases:apply"), {"lookup": people["li"].id_number})
    # Answered with a redirect to the household and member, so the ID number is in no address.
    assert found.status_code == 302 and people["li"].id_number not in found["Location"]
    page = client.get(found["Location"]).content.decode()
    assert (
        people["hh_dongbao"].number in page
        and people["li"].id_number not in page
        and people["li"].id_masked in page
    )
    assert (
        client.post(reverse("cases:apply"), {"lookup": people["hh_dongbao"].number})["Location"]
        == f"{reverse('cases:apply')}?household={people['hh_dongbao'].pk}"
    )

    assert re.search(rf'<option value="{people["li"].pk}" selected>李梅', page)
    form = {
        "programme": "temporary",
        "reason": "火灾",
        "requested_amount": "800",
        "is_emergency": "on",
        "household": people["hh_dongbao"].pk,
        "applicant": people["li"].pk,
        "homes": "1",
        "non_residential": "0",
        "able_supporters": "0",
        "care_mode": "dispersed",
        "relative_relation": "申请人之兄为龙泉社区居委会主任",
    }
    r = client.post(reverse("cases:apply"), form | {"household": people["hh_zhongxiang"].pk})
    assert r.status_code == 422 and "请先按身份证号码或家庭编号查找申请家庭" in r.content.decode()
    r = client.post(reverse("cases:apply"), form)
    case = Case.objects.get()
    assert r.status_code == 302
    assert (case.channel, case.filed_by.username, case.applicant, case.requested_amount_fen) == (
        "on_behalf",
        "dongbao_village",
        people["li"],
        80000,
    )
    assert case.is_emergency and case.relative_of_staff
    # The township clerk sees the emergency path first.
    client.logout()
    login(client, "dongbao_clerk")
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="action-emergency_grant"' in detail and "已先行救助，待补办手续" in detail


def test_clerk_list_highlights_overdue_cases_and_acts_from_the_detail_page(
    world, client, set_today
):
    case = to_stage(world, set_today, State.INVESTIGATING)  # due 2016-10-20
    set_today("2016-10-21")
    login(client, "dongbao_clerk")
    html = client.get(reverse("cases:list")).content.decode()
    row = re.search(rf'<tr class="overdue" data-case="{case.number}">.*?</tr>', html, re.S)
    assert row and "已超期" in row.group(0)
    assert "超期 1 件" in html
    assert case.number in client.get(reverse("cases:list") + "?overdue=1").content.decode()
    # The investigation form: one investigator is refused next to the field, two are accepted.
    url = reverse("cases:action", args=[case.pk, "investigation"])
    r = client.post(
        url,
        {
            "investigation-investigators": "刘强",
            "investigation-visited_on": "2016-10-21",
            "investigation-findings": "家中无劳动力",
        },
    )
    assert r.status_code == 422 and "入户调查人员不得少于 2 人" in r.content.decode()
    r = client.post(
        url,
        {
            "investigation-investigators": "刘强、陈芳",
            "investigation-visited_on": "2016-10-21",
            "investigation-findings": "家中无劳动力",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.APPRAISING and case.investigations.get().investigators == [
        "刘强",
        "陈芳",
    ]
    # An action the stage does not allow comes back as a message, not a change.
    r = client.post(reverse("cases:action", args=[case.pk, "close_publicity"]), {}, follow=True)
    assert "不能办理" in r.content.decode()
    assert Case.objects.get(pk=case.pk).state == State.APPRAISING


def test_pages_are_scoped(world, client, set_today):
    case = to_stage(world, set_today, State.SUBMITTED)
    document = upload(world["users"]["resident"], case)
    login(client, "zhongxiang_clerk")
    assert case.number not in client.get(reverse("cases:list")).content.decode()
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:action", args=[case.pk, "accept"]), {}).status_code == 404
    assert client.get(reverse("cases:document", args=[case.pk, document.pk])).status_code == 404
    client.logout()
    login(client, "wang_resident")
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    # Leaders read but do not act.
    client.logout()
    login(client, "leader")
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert case.number in detail and 'id="action-' not in detail


def test_refusal_reasons_and_notice_on_the_page(world, client, set_today):
    case = to_stage(world, set_today, State.VERIFYING)
    set_today("2016-10-10")
    login(client, "verifier")
    r = client.post(
        reverse("cases:action", args=[case.pk, "verification"]),
        {"verification-passed": "0", "verification-reasons": ""},
    )
    assert r.status_code == 422 and "核对不通过时须写明不予批准的理由" in r.content.decode()
    client.post(
        reverse("cases:action", args=[case.pk, "verification"]),
        {"verification-passed": "0", "verification-reasons": "名下有商业用房"},
    )
    client.logout()
    login(client, "zhang_resident")
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "名下有商业用房" in detail and "不予批准通知书" in detail
    r = client.get(reverse("cases:notice_pdf", args=[case.pk]))
    assert (
        r.status_code == 200
        and r["Content-Type"] == "application/pdf"
        and r.content.startswith(b"%PDF-")
    )


def test_overdue_widget_renders_for_the_workbench(world, rf, set_today):
    from django.template.loader import render_to_string

    from minzheng.cases.selectors import overdue_widget_context

    case = to_stage(world, set_today, State.INVESTIGATING)
    set_today("2016-10-21")
    clerk = world["users"]["dongbao_clerk"]
    html = render_to_string("cases/_overdue_widget.html", {"widget": overdue_widget_context(clerk)})
    assert (
        case.number in html and "已超期" in html and reverse("cases:detail", args=[case.pk]) in html
    )


# ---------------------------------------------------------------- headless Chromium


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_applies_online_on_a_phone_and_a_clerk_accepts(
    world, live_server, tmp_path, browser
):
    scan = tmp_path / "身份证.png"
    scan.write_bytes(PNG_BYTES)
    authorisation = tmp_path / "授权书.pdf"
    authorisation.write_bytes(PDF_BYTES)
    people = world["people"]

    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/login/?next=/cases/mine/")
    page.fill("input[name=username]", "zhang_resident")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(at_path(r"/cases/mine/"))
    page.click("text=网上申请救助")
    page.wait_for_url(at_path(r"/cases/apply/"))
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.select_option("select[name=programme]", "dibao_urban")
    page.fill("textarea[name=reason]", "本人失业，配偶患病")
    page.fill(f"input[name=income_{people['zhang'].pk}_wage]", "300")
    page.set_input_files("input[name=id_card]", str(scan))
    page.click("button:has-text('提交申请')")
    page.wait_for_url(at_path(r"/cases/\d+/"))
    assert "申请已提交" in page.content()
    assert page.inner_text("[data-testid=case-state]") == "待受理"
    case = Case.objects.get()
    assert case.channel == "online" and case.documents.count() == 1

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.goto(f"{live_server.url}/login/?next=/cases/")
    page.fill("input[name=username]", "dongbao_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(at_path(r"/cases/"))
    page.click(f"text={case.number}")
    page.wait_for_url(at_path(rf"/cases/{case.pk}/"))
    # Register the household's signed authorisation, then accept with the materials complete.
    page.click("#action-authorisation summary")
    page.set_input_files("input[name=authorisation-scan]", str(authorisation))
    page.fill("input[name=authorisation-signed_on]", case.applied_on.isoformat())
    page.fill("input[name=authorisation-signed_by]", "张三、李梅")
    page.click("#action-authorisation button[type=submit]")
    page.wait_for_selector("text=已办理：登记核对授权书")
    page.click("#action-accept button[type=submit]")
    page.wait_for_selector("text=已办理：受理")
    assert page.inner_text("[data-testid=case-state]") == "信息核对"
    case.refresh_from_db()
    assert case.state == State.VERIFYING and case.authorisation.signed_by == [
        "张三",
        "李梅",
    ]


def test_during_publicity_the_page_states_the_last_day_and_hides_the_review_form(
    world, client, set_today
):
    case = to_stage(world, set_today, State.PUBLICITY)  # 10-17 through 10-23
    login(client, "dongbao_clerk")
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "本阶段应于 2016-10-24 前办结" in html and "2016-10-17 至 2016-10-23" in html
    assert 'id="action-township_review"' not in html and 'id="action-close_publicity"' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_progress_steps_are_not_clipped_on_a_phone(
    world, set_today, live_server, language, browser
):
    case = to_stage(world, set_today, State.PUBLICITY)
    phone = browser.new_context(
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN" if language == "zh-hans" else "en-US",
    )
    phone.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = phone.new_page()
    page.goto(f"{live_server.url}/login/?next=/cases/{case.pk}/")
    page.fill("input[name=username]", "dongbao_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(at_path(rf"/cases/{case.pk}/"))
    page.screenshot(path=f"var/screenshots/case-steps-375-{language}.png", full_page=True)
    sizes = page.evaluate("""(() => { const s = document.querySelector('.steps'), c = s.closest('.card');
        const r = c.getBoundingClientRect();
        return {steps: s.scrollWidth <= s.clientWidth, page: document.documentElement.scrollWidth <= innerWidth,
                inside: [...s.children].every(li => { const b = li.getBoundingClientRect();
                           return b.left >= r.left && b.right <= r.right && li.scrollWidth <= li.clientWidth + 1 })} })()""")
    assert sizes == {"steps": True, "page": True, "inside": True}, sizes
    assert page.locator(".steps li").count() >= 7


def _field_errors(html: str) -> dict[str, str]:
    """Each field in error on a page: its label as shown → its error text."""
    found = {}
    for block in re.findall(r'<div class="field has-error.*?</ul>', html, re.S):
        label = (
            re.search(r'(?:<label[^>]*>|<span class="label[^"]*">)([^<]+)', block).group(1).strip()
        )
        found[label] = " ".join(re.findall(r"<li>(.*?)</li>", block))
    return found


@pytest.mark.parametrize(
    "form, label, name",
    [
        # label as shown on the window form, and the name its error must use (the label without its unit)
        ({"programme": "temporary", "requested_amount": ""}, "申请救助金额（元）", "申请救助金额"),
        ({"applied_on": "2016-09-27"}, "申请日期", "申请日期"),
    ],
)
def test_window_form_errors_name_the_field_as_labelled(world, client, set_today, form, label, name):
    set_today("2016-09-26")
    people = world["people"]
    login(client, "dongbao_clerk")
    base = {
        "programme": "dibao_urban",
        "reason": "失业",
        "household": people["hh_dongbao"].pk,
        "applicant": people["zhang"].pk,
        "homes": "1",
        "non_residential": "0",
        "able_supporters": "0",
        "care_mode": "dispersed",
    }
    r = client.post(reverse("cases:apply"), base | form)
    errors = _field_errors(r.content.decode())
    assert r.status_code == 422 and list(errors) == [label], errors
    assert name in errors[label], errors


def test_county_decision_errors_name_the_field_as_labelled(world, client, set_today):
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    login(client, "dongbao_approver")
    r = client.post(
        reverse("cases:action", args=[case.pk, "county_decision"]),
        {"county_decision-decision": "approve", "county_decision-amount": ""},
    )
    errors = _field_errors(r.content.decode())
    assert r.status_code == 422 and list(errors) == ["核定救助金额（元/月）"], errors
    assert (
        "须填写核定救助金额" in errors["核定救助金额（元/月）"]
        or "请填写核定救助金额" in errors["核定救助金额（元/月）"]
    ), errors
