"""Marriage registration: each legal ground of refusal on hand-worked dates and household
records, the kinship rule's table, divorce by agreement through the cooling-off (dates worked by
hand from Civil Code art. 1077), certificate numbering per registry and year and supplementary
certificates, annulment, archive upload validation, appointment booking, scope (another county
reads 404, the leader statistics only), audit events, target 10.1 by hand, and the verification
engine's marriage source fed from the records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.accounts.models import Role
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.marriage import feeds, indicators, rules, selectors, services
from minzheng.marriage.models import (
    Appointment,
    ArchiveFile,
    Certificate,
    DivorceStatus,
    Marriage,
    MarriageStatus,
)
from minzheng.people import services as people_services
from tests.conftest import make_id, make_user

D = dt.date
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def mw(jingmen, users, people):
    registrar = make_user("db_registrar", Role.MARRIAGE_REGISTRAR, jingmen["dongbao"])
    zx_registrar = make_user("zx_registrar", Role.MARRIAGE_REGISTRAR, jingmen["zhongxiang"])
    seq = iter(range(100, 999))

    def person(name, birth: str, sex: str, region="longquan_community"):
        n = next(seq)
        # GB 11643: the 17th digit is odd for a man, even for a woman.
        n = n if (n % 2 == 1) == (sex == "M") else n + 1
        next(seq)
        code = "420802" if region != "yingzhong_community" else "420881"
        return people_services.register_person(
            user=users["admin"],
            id_number=make_id(code, birth, n),
            name=name,
            hukou_region=jingmen[region],
            hukou_type="urban",
        )

    return {**jingmen, **users, **people, "registrar": registrar, "zx": zx_registrar, "p": person}


def _marry(w, man, woman, on=D(2026, 6, 1), user=None, **over):
    data = {
        "man_id_number": man.id_number,
        "man_name": man.name,
        "woman_id_number": woman.id_number,
        "woman_name": woman.name,
        "free_will_man": True,
        "free_will_woman": True,
    }
    data.update(over)
    return services.register_marriage(user=user or w["registrar"], on=on, **data)


def _household(w, head, members):
    return people_services.create_household(
        user=w["admin"],
        region=w["longquan_community"],
        head=head,
        members=members,
        since=D(2010, 1, 1),
    )


# ---------------------------------------------------------------- the rules as functions


@pytest.mark.parametrize(
    "birth, day, age",
    [
        (D(2004, 6, 1), D(2026, 6, 1), 22),  # the birthday itself
        (D(2004, 6, 2), D(2026, 6, 1), 21),  # the day before it
        (D(2004, 2, 29), D(2026, 2, 28), 21),  # a leap-day birth is of age on 1 March
        (D(2004, 2, 29), D(2026, 3, 1), 22),
    ],
)
def test_age_on(birth, day, age):
    assert rules.age_on(birth, day) == age


@pytest.mark.parametrize(
    "a, b, kin",
    [
        ("head", "child", rules.DIRECT),
        ("head", "grandparent", rules.DIRECT),
        ("parent", "grandparent", rules.DIRECT),
        ("parent", "parent", ""),  # the head's father and mother
        ("child", "child", rules.COLLATERAL),  # siblings
        ("grandchild", "grandchild", rules.COLLATERAL),  # siblings or first cousins
        ("child", "grandchild", rules.EITHER),
        ("sibling", "head", rules.COLLATERAL),
        ("sibling", "child", rules.COLLATERAL),  # aunt/uncle and niece/nephew
        ("sibling", "parent", rules.DIRECT),
        ("sibling", "grandchild", ""),  # common ancestor four generations up
        ("spouse", "child", ""),  # not blood of the head: nothing implied
        ("child_in_law", "child", ""),
        ("other", "head", ""),
    ],
)
def test_kinship_table(a, b, kin):
    assert rules.prohibited_kinship(a, b) == str(kin)
    assert rules.prohibited_kinship(b, a) == str(kin)


def test_divorce_dates_worked_by_hand():
    # Received 5 January 2026: may withdraw 6 Jan – 4 Feb; both confirm 5 Feb – 6 Mar.
    assert rules.cooling_ends_on(D(2026, 1, 5)) == D(2026, 2, 4)
    assert rules.confirm_by(D(2026, 1, 5)) == D(2026, 3, 6)


# ---------------------------------------------------------------- refusals, one per ground


def _setup_under_age_man(w):
    return w["p"]("赵男", "20040602", "M"), w["p"]("钱女", "19990101", "F"), D(2026, 6, 1)


def _setup_of_age_man(w):
    return w["p"]("赵男", "20040601", "M"), w["p"]("钱女", "19990101", "F"), D(2026, 6, 1)


def _setup_under_age_woman(w):
    return w["p"]("孙男", "19990101", "M"), w["p"]("李女", "20060602", "F"), D(2026, 6, 1)


def _setup_of_age_woman(w):
    return w["p"]("孙男", "19990101", "M"), w["p"]("李女", "20060601", "F"), D(2026, 6, 1)


def _setup_leap_day(w):
    return w["p"]("周男", "20040229", "M"), w["p"]("吴女", "19990101", "F"), D(2026, 2, 28)


def _setup_married_here(w):
    man, woman = w["p"]("郑男", "19900101", "M"), w["p"]("王女", "19920101", "F")
    _marry(w, man, w["p"]("冯女", "19910101", "F"), on=D(2020, 5, 20))
    return man, woman, D(2026, 6, 1)


def _setup_registry_spouse(w):
    # 李梅 is recorded as the spouse of 张三's household in the population registry.
    return w["p"]("陈男", "19900101", "M"), w["li"], D(2026, 6, 1)


def _setup_siblings(w):
    head = w["p"]("褚父", "19600101", "M")
    son, daughter = w["p"]("褚子", "19900101", "M"), w["p"]("褚女", "19920101", "F")
    _household(w, head, [(son, "child"), (daughter, "child")])
    return son, daughter, D(2026, 6, 1)


def _setup_uncle_niece(w):
    head = w["p"]("卫户主", "19650101", "M")
    uncle, niece = w["p"]("卫叔", "19700101", "M"), w["p"]("卫侄女", "19950101", "F")
    _household(w, head, [(uncle, "sibling"), (niece, "child")])
    return uncle, niece, D(2026, 6, 1)


def _setup_cousins(w):
    head = w["p"]("蒋祖", "19450101", "M")
    a, b = w["p"]("蒋孙", "19980101", "M"), w["p"]("蒋孙女", "19990101", "F")
    _household(w, head, [(a, "grandchild"), (b, "grandchild")])
    return a, b, D(2026, 6, 1)


def _setup_great_uncle(w):
    head = w["p"]("沈户主", "19500101", "M")
    great_uncle, grand_niece = w["p"]("沈叔祖", "19580101", "M"), w["p"]("沈孙女", "19990101", "F")
    _household(w, head, [(great_uncle, "sibling"), (grand_niece, "grandchild")])
    return great_uncle, grand_niece, D(2026, 6, 1)


def _setup_dead(w):
    man = w["p"]("韩男", "19900101", "M")
    man.death_date = D(2025, 1, 1)
    man.save()
    return man, w["p"]("杨女", "19920101", "F"), D(2026, 6, 1)


@pytest.mark.parametrize(
    "setup, field, fragment",
    [
        (_setup_under_age_man, "man_id_number", "男方须年满22周岁，登记日为21周岁"),
        (_setup_of_age_man, None, None),
        (_setup_under_age_woman, "woman_id_number", "女方须年满20周岁，登记日为19周岁"),
        (_setup_of_age_woman, None, None),
        (_setup_leap_day, "man_id_number", "登记日为21周岁"),
        (_setup_married_here, "man_id_number", "已有登记在册的婚姻"),
        (_setup_registry_spouse, "woman_id_number", "户籍登记显示此人已有配偶"),
        (_setup_siblings, "kinship", "三代以内旁系血亲"),
        (_setup_uncle_niece, "kinship", "三代以内旁系血亲"),
        (_setup_cousins, "kinship", "三代以内旁系血亲"),
        (_setup_great_uncle, None, None),
        (_setup_dead, "man_id_number", "已死亡"),
    ],
)
def test_refusal_grounds(mw, setup, field, fragment):
    man, woman, day = setup(mw)
    if field is None:
        m = _marry(mw, man, woman, on=day)
        assert m.status == MarriageStatus.MARRIED
        assert selectors.current_marriage(man) == m == selectors.current_marriage(woman)
        return
    with pytest.raises(ServiceError) as exc:
        _marry(mw, man, woman, on=day)
    assert fragment in " ".join(exc.value.errors[field])
    assert not Marriage.objects.filter(man=man, woman=woman).exists()


def test_free_will_of_each_party_and_wrong_sex(mw):
    man, woman = mw["p"]("朱男", "19900101", "M"), mw["p"]("秦女", "19920101", "F")
    with pytest.raises(ServiceError) as exc:
        _marry(mw, man, woman, free_will_woman=False)
    assert set(exc.value.errors) == {"free_will_woman"}
    assert "女方未当面声明自愿" in exc.value.errors["free_will_woman"][0]
    with pytest.raises(ServiceError) as exc:
        _marry(mw, woman, man)
    assert exc.value.errors["man_id_number"] == ["男方应为男性"]
    assert exc.value.errors["woman_id_number"] == ["女方应为女性"]
    with pytest.raises(ServiceError) as exc:
        _marry(mw, man, woman, man_name="别人")
    assert "身份证号码与姓名不符" in exc.value.errors["man_id_number"][0]


def test_spouses_of_one_household_may_register(mw):
    # 张三 and 李梅 share a household as head and spouse: the registry shows no other spouse.
    m = _marry(mw, mw["zhang"], mw["li"])
    assert m.certificate_no == "J420802-2026-000001"


# ---------------------------------------------------------------- divorce by agreement


def _divorce(w, m, on):
    return services.apply_divorce(
        user=w["registrar"],
        marriage=m,
        children_agreement="女儿由女方抚养，男方每月支付抚养费1500元",
        property_agreement="住房归女方，存款平分",
        debts_agreement="无共同债务",
        free_will_man=True,
        free_will_woman=True,
        on=on,
    )


def test_divorce_cooling_off_confirm_and_lapse(mw):
    man, woman = mw["p"]("许男", "19900101", "M"), mw["p"]("何女", "19920101", "F")
    m = _marry(mw, man, woman, on=D(2020, 1, 1))
    d = _divorce(mw, m, D(2026, 1, 5))
    assert (d.cooling_ends_on, d.confirm_by) == (D(2026, 2, 4), D(2026, 3, 6))
    with pytest.raises(ServiceError) as exc:
        _divorce(mw, m, D(2026, 1, 6))
    assert "冷静期内" in exc.value.errors["marriage"][0]
    confirm = {"user": mw["registrar"], "divorce": d, "confirmed_man": True}
    with pytest.raises(ServiceError) as exc:
        services.confirm_divorce(**confirm, confirmed_woman=True, on=D(2026, 2, 4))
    assert "2026-02-04届满" in exc.value.errors["on"][0]
    with pytest.raises(ServiceError) as exc:
        services.confirm_divorce(**confirm, confirmed_woman=False, on=D(2026, 2, 5))
    assert exc.value.errors == {"confirmed_woman": ["须女方本人到场确认"]}
    d = services.confirm_divorce(**confirm, confirmed_woman=True, on=D(2026, 2, 5))
    assert d.status == DivorceStatus.REGISTERED and d.certificate_no == "L420802-2026-000001"
    m.refresh_from_db()
    assert (m.status, m.ended_on) == (MarriageStatus.DIVORCED, D(2026, 2, 5))
    assert selectors.current_marriage(man) is None
    # After the divorce each may marry again.
    _marry(mw, man, mw["p"]("吕女", "19930101", "F"), on=D(2026, 2, 6))

    # A second couple: withdrawn during the cooling-off; a third lapses after 6 March.
    m2 = _marry(mw, mw["p"]("施男", "19900101", "M"), mw["p"]("张女", "19920101", "F"))
    d2 = _divorce(mw, m2, D(2026, 1, 5))
    with pytest.raises(ServiceError):
        services.withdraw_divorce(
            user=mw["registrar"], divorce=d2, party_name="张女", on=D(2026, 2, 5)
        )
    d2 = services.withdraw_divorce(
        user=mw["registrar"], divorce=d2, party_name="张女", on=D(2026, 2, 4)
    )
    assert d2.status == DivorceStatus.WITHDRAWN
    d3 = _divorce(mw, m2, D(2026, 1, 5))
    assert services.lapse_overdue(today=D(2026, 3, 6)) == 0
    assert services.lapse_overdue(today=D(2026, 3, 7)) == 1
    assert AuditEvent.objects.filter(
        object_type="marriage.divorce", object_id=str(d3.pk), note__contains="视为撤回"
    ).exists()
    d3.refresh_from_db()
    assert d3.status == DivorceStatus.LAPSED
    m2.refresh_from_db()
    assert m2.status == MarriageStatus.MARRIED
    with pytest.raises(ServiceError) as exc:
        services.confirm_divorce(
            user=mw["registrar"], divorce=d3, confirmed_man=True, confirmed_woman=True
        )
    assert exc.value.status == 409


def test_divorce_needs_the_written_agreement(mw):
    m = _marry(mw, mw["p"]("孔男", "19900101", "M"), mw["p"]("曹女", "19920101", "F"))
    with pytest.raises(ServiceError) as exc:
        services.apply_divorce(
            user=mw["registrar"],
            marriage=m,
            children_agreement="",
            property_agreement="平分",
            debts_agreement=" ",
            free_will_man=True,
            free_will_woman=False,
        )
    assert set(exc.value.errors) == {"children_agreement", "debts_agreement", "free_will_woman"}


# ---------------------------------------------------------------- certificates


def test_certificate_numbers_per_registry_and_year_and_supplementary(mw):
    p = mw["p"]
    m1 = _marry(mw, p("严男", "19900101", "M"), p("华女", "19920101", "F"), on=D(2026, 3, 1))
    m2 = _marry(mw, p("金男", "19900101", "M"), p("魏女", "19920101", "F"), on=D(2026, 3, 2))
    m3 = _marry(mw, p("陶男", "19900101", "M"), p("姜女", "19920101", "F"), on=D(2027, 1, 4))
    zx = _marry(
        mw,
        p("戚男", "19900101", "M", "yingzhong_community"),
        p("谢女", "19920101", "F", "yingzhong_community"),
        on=D(2026, 3, 1),
        user=mw["zx"],
    )
    assert [m.certificate_no for m in (m1, m2, m3, zx)] == [
        "J420802-2026-000001",
        "J420802-2026-000002",
        "J420802-2027-000001",
        "J420881-2026-000001",
    ]
    copy = services.reissue_certificate(
        user=mw["registrar"], marriage=m1, reason="结婚证遗失", on=D(2026, 8, 1)
    )
    assert copy.number == "BJ420802-2026-000001"
    assert copy.replaces.number == "J420802-2026-000001"
    second = services.reissue_certificate(
        user=mw["registrar"], marriage=m1, reason="再次遗失", on=D(2026, 9, 1)
    )
    assert (second.number, second.replaces_id) == ("BJ420802-2026-000002", copy.pk)
    m1.refresh_from_db()
    assert m1.certificate_no == "J420802-2026-000001"  # the registration keeps its number
    pdf = services.certificate_pdf(second)
    assert pdf.startswith(b"%PDF")
    with pytest.raises(ServiceError) as exc:
        services.reissue_certificate(user=mw["registrar"], marriage=m1, reason="  ")
    assert exc.value.errors == {"reason": ["请填写此项"]}


# ---------------------------------------------------------------- annulment


def test_annulment_by_court_ruling(mw):
    man, woman = mw["p"]("邹男", "19900101", "M"), mw["p"]("喻女", "19920101", "F")
    m = _marry(mw, man, woman, on=D(2025, 5, 1))
    base = {
        "user": mw["registrar"],
        "marriage": m,
        "court": "荆门市东宝区人民法院",
        "ruling_no": "（2026）鄂0802民初123号",
        "ruling_date": D(2026, 3, 2),
    }
    with pytest.raises(ServiceError) as exc:
        services.record_annulment(**base, kind="void", ground="coercion")
    assert "婚姻无效的事由只有" in exc.value.errors["ground"][0]
    with pytest.raises(ServiceError) as exc:
        services.record_annulment(
            **{**base, "ruling_date": D(2025, 4, 1)}, kind="revoked", ground="coercion"
        )
    assert exc.value.errors["ruling_date"] == ["裁判日期不能早于结婚登记日期"]
    services.record_annulment(**base, kind="revoked", ground="coercion")
    m.refresh_from_db()
    assert (m.status, m.ended_on) == (MarriageStatus.REVOKED, D(2026, 3, 2))
    assert selectors.current_marriage(woman) is None
    with pytest.raises(ServiceError) as exc:
        services.record_annulment(**base, kind="revoked", ground="coercion")
    assert exc.value.errors["kind"] == ["该婚姻已记载无效或撤销"]
    # A revoked marriage never had legal effect: the verification source leaves it out.
    assert feeds.marriage_rows(D(2026, 12, 31)).num_rows == 0


# ---------------------------------------------------------------- archive


def test_archive_upload_validation(mw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    m = _marry(mw, mw["p"]("柏男", "19900101", "M"), mw["p"]("水女", "19920101", "F"))
    up = {"user": mw["registrar"], "marriage": m}
    cases = [
        ("id_card", SimpleUploadedFile("a.txt", b"hello", "text/plain"), "file", "只接受 PDF"),
        ("id_card", SimpleUploadedFile("a.pdf", b"", "application/pdf"), "file", "文件为空"),
        (
            "id_card",
            SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "application/pdf"),
            "file",
            "不能超过 10 MB",
        ),
        ("passport", SimpleUploadedFile("a.pdf", TINY_PDF, "application/pdf"), "kind", "材料类型"),
    ]
    for kind, file, field, fragment in cases:
        with pytest.raises(ServiceError) as exc:
            services.upload_archive(**up, kind=kind, uploaded_file=file)
        assert fragment in exc.value.errors[field][0]
    a = services.upload_archive(
        **up, kind="declaration", uploaded_file=SimpleUploadedFile("张三声明.pdf", TINY_PDF)
    )
    assert (a.content_type, a.size) == ("application/pdf", len(TINY_PDF))
    stored = (tmp_path / a.file.name).read_bytes()
    assert not stored.startswith(b"%PDF")  # encrypted at rest
    assert "张三" not in a.file.name
    assert a.file.open("rb").read() == TINY_PDF


def test_archive_opened_in_scope_decrypted_and_audited(mw, api_client, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    m = _marry(mw, mw["p"]("雷男", "19900101", "M"), mw["p"]("贺女", "19920101", "F"))
    api = api_client.login("db_registrar")
    r = client.post(  # multipart, with the registrar's bearer token
        f"/api/v1/marriage/marriages/{m.pk}/archive",
        {"kind": "declaration", "file": SimpleUploadedFile("雷男贺女声明书.pdf", TINY_PDF)},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert r.status_code == 201, r.content
    a = r.json()
    assert (a["name"], a["content_type"]) == ("雷男贺女声明书.pdf", "application/pdf")
    assert [x["id"] for x in api.get(f"/api/v1/marriage/marriages/{m.pk}/archive").json()] == [
        a["id"]
    ]
    url = f"/api/v1/marriage/marriages/{m.pk}/archive/{a['id']}"
    before = AuditEvent.objects.filter(action="view").count()
    got = api.get(url)
    assert got.status_code == 200 and got.content == TINY_PDF  # decrypted
    assert got["Content-Type"] == "application/pdf"
    # The original (Chinese) name, RFC 6266 encoded.
    assert got["Content-Disposition"] == (
        "inline; filename*=utf-8''%E9%9B%B7%E7%94%B7%E8%B4%BA%E5%A5%B3"
        "%E5%A3%B0%E6%98%8E%E4%B9%A6.pdf"
    )
    event = AuditEvent.objects.filter(action="view").latest("seq")
    assert AuditEvent.objects.filter(action="view").count() == before + 1
    assert (event.object_type, event.object_id) == ("marriage.archivefile", str(a["id"]))
    assert event.actor_id == mw["registrar"].pk and event.region_code == "420802"
    # The county approver and the city section read the registration, so its archive.
    assert api_client.login("dongbao_approver").get(url).status_code == 200
    assert api_client.login("city_section").get(url).status_code == 200
    # Another county, the leader, a wrong marriage id: not found, and nothing audited.
    views = AuditEvent.objects.filter(action="view").count()
    zx = api_client.login("zx_registrar")
    assert zx.get(url).status_code == 404
    assert zx.get(f"/api/v1/marriage/marriages/{m.pk}/archive").status_code == 404
    assert api_client.login("leader").get(url).status_code == 404
    other = _marry(mw, mw["p"]("甘男", "19900101", "M"), mw["p"]("滕女", "19920101", "F"))
    wrong = f"/api/v1/marriage/marriages/{other.pk}/archive/{a['id']}"
    assert api.get(wrong).status_code == 404
    assert AuditEvent.objects.filter(action="view").count() == views

    page_url = f"/marriage/{m.pk}/archive/{a['id']}/"
    client.force_login(mw["registrar"])
    assert page_url in client.get(f"/marriage/{m.pk}/").content.decode()
    got = client.get(page_url)
    assert got.status_code == 200 and got.content == TINY_PDF
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("inline; filename*=utf-8''")
    assert AuditEvent.objects.filter(action="view").count() == views + 1
    client.force_login(mw["zx"])
    assert client.get(page_url).status_code == 404
    # A file gone from the storage reads as not found, never a server error.
    (tmp_path / ArchiveFile.objects.get(pk=a["id"]).file.name).unlink()
    assert api.get(url).status_code == 404


# ---------------------------------------------------------------- appointments


def _next_weekday(after: dt.date, weekday: int) -> dt.date:
    day = after + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def test_appointment_booking_api(mw, api_client, client):
    from django.utils import timezone

    resident = make_user("zhang_resident", Role.RESIDENT, mw["longquan_community"])
    resident.person = mw["zhang"]
    resident.save()
    today = timezone.localdate()
    tuesday = _next_weekday(today, 1)
    saturday = _next_weekday(today, 5)
    api = api_client.login("zhang_resident")
    body = {
        "registry_code": "420802",
        "kind": "marriage",
        "day": saturday.isoformat(),
        "slot": "09:00",
        "partner_id_number": mw["li"].id_number,
        "partner_name": "李梅",
    }
    r = api.post("/api/v1/marriage/appointments", body)
    assert r.status_code == 422
    assert "周六、周日" in r.json()["errors"][0]["message"]
    r = api.post("/api/v1/marriage/appointments", {**body, "day": tuesday.isoformat()})
    assert r.status_code == 201, r.content
    booked = r.json()
    assert (booked["slot"], booked["status"]) == ("09:00", "booked")
    r = api.post("/api/v1/marriage/appointments", {**body, "day": tuesday.isoformat()})
    assert r.status_code == 409  # one open appointment per person
    # Fill the slot: three more couples, then a fifth is refused.
    for i in range(3):
        a = mw["p"](f"预约男{i}", "19900101", "M")
        services.book_appointment(
            user=mw["registrar"],
            person=a,
            registry_code="420802",
            kind="marriage",
            day=tuesday,
            slot="09:00",
            partner_id_number=mw["p"](f"预约女{i}", "19920101", "F").id_number,
            partner_name=f"预约女{i}",
        )
    with pytest.raises(ServiceError) as exc:
        services.book_appointment(
            user=mw["registrar"],
            person=mw["p"]("迟男", "19900101", "M"),
            registry_code="420802",
            kind="marriage",
            day=tuesday,
            slot="09:00",
            partner_id_number=mw["wang"].id_number,
            partner_name="王五",
        )
    assert exc.value.status == 409 and "约满" in exc.value.errors["slot"][0]
    slots = api.get("/api/v1/marriage/slots", registry_code="420802", day=tuesday.isoformat())
    assert dict((s["slot"], s["places"]) for s in slots.json())["09:00"] == 0
    # The registrar of 东宝区 sees the day's list; 钟祥市's cannot touch it.
    reg = api_client.login("db_registrar")
    rows = reg.get("/api/v1/marriage/appointments", day=tuesday.isoformat()).json()["items"]
    assert len(rows) == 4
    zx = api_client.login("zx_registrar")
    assert zx.post(f"/api/v1/marriage/appointments/{booked['id']}/cancel").status_code == 404
    me = api_client.login("zhang_resident")
    r = me.post(f"/api/v1/marriage/appointments/{booked['id']}/cancel")
    assert r.json()["status"] == "cancelled"
    assert AuditEvent.objects.filter(
        object_type="marriage.appointment", object_id=str(booked["id"]), action="update"
    ).exists()


# ---------------------------------------------------------------- API, scope and audit


def test_register_through_api_scope_and_audit(mw, api_client, client):
    man, woman = mw["p"]("鲁男", "19900101", "M"), mw["p"]("韦女", "19920101", "F")
    api = api_client.login("db_registrar")
    body = {
        "man_id_number": man.id_number,
        "man_name": man.name,
        "woman_id_number": woman.id_number,
        "woman_name": woman.name,
        "free_will_man": True,
        "free_will_woman": False,
    }
    r = api.post("/api/v1/marriage/marriages", body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "free_will_woman"
    r = api.post("/api/v1/marriage/marriages", {**body, "free_will_woman": True})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["man_id_masked"] == man.id_masked and man.id_number not in r.content.decode()
    pk, cert = out["id"], out["certificates"][0]
    assert AuditEvent.objects.filter(
        object_type="marriage.marriage", object_id=str(pk), action="create"
    ).exists()
    assert AuditEvent.objects.filter(
        object_type="marriage.certificate", object_id=str(cert["id"]), action="create"
    ).exists()
    pdf = api.get(f"/api/v1/marriage/certificates/{cert['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    r = api.post(
        f"/api/v1/marriage/marriages/{pk}/divorce",
        {
            "children_agreement": "无子女",
            "property_agreement": "各自所有",
            "debts_agreement": "无",
            "free_will_man": True,
            "free_will_woman": True,
        },
    )
    assert r.status_code == 201 and r.json()["status"] == "cooling"

    zx = api_client.login("zx_registrar")
    assert zx.get(f"/api/v1/marriage/marriages/{pk}").status_code == 404
    assert zx.get(f"/api/v1/marriage/certificates/{cert['id']}/pdf").status_code == 404
    assert (
        zx.post(f"/api/v1/marriage/marriages/{pk}/reissue", {"reason": "遗失"}).status_code == 404
    )
    assert zx.get("/api/v1/marriage/marriages").json()["count"] == 0
    # The leader reads statistics only.
    leader = api_client.login("leader")
    assert leader.get(f"/api/v1/marriage/marriages/{pk}").status_code == 404
    stats = leader.get(
        "/api/v1/marriage/statistics",
        year=2026 if out["registered_on"].startswith("2026") else int(out["registered_on"][:4]),
    )
    assert stats.status_code == 200 and stats.json()["total_marriages"] == 1
    xlsx = leader.get("/api/v1/marriage/statistics.xlsx", year=int(out["registered_on"][:4]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    client.force_login(mw["zx"])
    assert client.get(f"/marriage/{pk}/").status_code == 404
    client.force_login(mw["leader"])
    assert client.get(f"/marriage/{pk}/").status_code == 403
    assert client.get("/marriage/statistics/").status_code == 200
    client.force_login(mw["registrar"])
    page = client.get(f"/marriage/{pk}/").content.decode()
    assert out["certificate_no"] in page and man.id_number not in page


# ---------------------------------------------------------------- target 10.1 and the source


def test_target_10_1_by_hand(mw):
    from minzheng.regions.models import Region

    p = mw["p"]
    marriages = [
        _marry(mw, p(f"检男{i}", "19900101", "M"), p(f"检女{i}", "19920101", "F"), on=D(2026, 2, 1))
        for i in range(4)
    ]
    zx = _marry(
        mw,
        p("检男Z", "19900101", "M", "yingzhong_community"),
        p("检女Z", "19920101", "F", "yingzhong_community"),
        on=D(2026, 2, 1),
        user=mw["zx"],
    )
    checker, city = mw["dongbao_approver"], mw["city_section"]
    for m, passed in zip(marriages, (True, True, True, False), strict=True):
        services.record_check(
            user=checker,
            marriage=m,
            passed=passed,
            defect="" if passed else "缺少合影照片",
            on=D(2026, 5, 1),
        )
    services.record_check(user=city, marriage=zx, passed=True, on=D(2026, 5, 2))
    # A check of the year before is not counted in 2026.
    services.record_check(
        user=city, marriage=zx, passed=False, defect="签名不全", on=D(2025, 12, 30)
    )
    with pytest.raises(ServiceError) as exc:
        services.record_check(user=checker, marriage=marriages[0], passed=False, defect="")
    assert exc.value.errors == {"defect": ["请填写此项"]}
    regions = Region.objects.all()
    values = indicators.marriage_registration_pass_rate(regions, D(2026, 6, 30))
    # 东宝区 3 of 4 = 75 %; 钟祥市 1 of 1 = 100 %; the city 4 of 5 = 80 %.
    assert values["420802"] == 75
    assert values["420881"] == 100
    assert values["420800"] == 80
    assert "420804" not in values  # no check, no rate


def test_verification_source_fed_from_records(mw):
    from minzheng.verification import platform

    assert "marriage" in platform.provided_sources()
    # No record yet: no batch, the source stays missing until records or a delivery exist.
    assert "marriage" not in platform.provided_batches(D(2026, 12, 31))
    man, woman = mw["p"]("源男", "19900101", "M"), mw["p"]("源女", "19920101", "F")
    m = _marry(mw, man, woman, on=D(2020, 5, 20))
    d = _divorce(mw, m, D(2026, 1, 5))
    services.confirm_divorce(
        user=mw["registrar"], divorce=d, confirmed_man=True, confirmed_woman=True, on=D(2026, 2, 10)
    )
    before = feeds.marriage_rows(D(2025, 12, 31)).to_pylist()
    assert [(r["id_masked"], r["spouse_masked"], r["event"]) for r in before] == [
        (man.id_masked, woman.id_masked, "marriage"),
        (woman.id_masked, man.id_masked, "marriage"),
    ]
    after = feeds.marriage_rows(D(2026, 12, 31)).to_pylist()
    assert [(r["event"], r["event_date"]) for r in after] == [
        ("marriage", D(2020, 5, 20)),
        ("marriage", D(2020, 5, 20)),
        ("divorce", D(2026, 2, 10)),
        ("divorce", D(2026, 2, 10)),
    ]
    from minzheng.verification import keys

    assert after[0]["id_key"] == keys.key_of_number(man.id_number)
    batch = platform.provided_batches(D(2026, 12, 31))["marriage"]
    assert (batch.source, batch.rows_total) == ("marriage", 4)
    # One batch per content and date: asking again reuses it.
    assert platform.provided_batches(D(2026, 12, 31))["marriage"].pk == batch.pk


def test_verification_does_not_import_marriage():
    from pathlib import Path

    import minzheng.verification as verification

    for path in Path(verification.__file__).parent.rglob("*.py"):
        assert "minzheng.marriage" not in path.read_text(), path


def test_page_flow_register_from_appointment(mw, client):
    from django.utils import timezone

    man, woman = mw["p"]("页男", "19900101", "M"), mw["p"]("页女", "19920101", "F")
    appointment = Appointment.objects.create(
        registry=mw["dongbao"],
        kind="marriage",
        day=timezone.localdate(),
        slot="09:00",
        person=man,
        partner=woman,
        partner_name=woman.name,
    )
    client.force_login(mw["registrar"])
    home = client.get("/").content.decode()
    assert f"/marriage/register/?appointment={appointment.pk}" in home
    form = client.get(f"/marriage/register/?appointment={appointment.pk}").content.decode()
    assert 'value="页男"' in form
    data = {
        "appointment": appointment.pk,
        "man_name": man.name,
        "man_id_number": man.id_number,
        "woman_name": woman.name,
        "woman_id_number": woman.id_number,
        "free_will_man": "on",
    }
    r = client.post("/marriage/register/", data)
    assert r.status_code == 200 and "女方未当面声明自愿" in r.content.decode()
    r = client.post("/marriage/register/", {**data, "free_will_woman": "on"})
    assert r.status_code == 302
    m = Marriage.objects.get(man=man)
    appointment.refresh_from_db()
    assert appointment.status == "attended" and m.appointment_id == appointment.pk
    cert = Certificate.objects.get(marriage=m)
    assert client.get(f"/marriage/certificates/{cert.pk}.pdf").content.startswith(b"%PDF")
