"""audit.audited and audit.record_created: the one way services record a change to a record."""

import datetime as dt

import pytest
from django.db import transaction

from minzheng.core import audit, crypto, idcard
from minzheng.core.models import AuditEvent
from minzheng.people.models import Household, Person

pytestmark = pytest.mark.django_db


def _set(instance, changes: dict) -> None:
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.save()


@pytest.mark.parametrize(
    ("changes", "before", "after"),
    [
        pytest.param({"phone": "13800000001"}, {"phone": ""}, {"phone": "13800000001"}, id="one"),
        pytest.param(
            {"phone": "13800000001", "death_date": dt.date(2024, 3, 1)},
            {"phone": "", "death_date": None},
            {"phone": "13800000001", "death_date": "2024-03-01"},
            id="two",
        ),
        pytest.param({"disability_grade": 2}, {"disability_grade": None}, {"disability_grade": 2}),
        # The same value again, and save-time bookkeeping (updated_at, name_pinyin) are no change.
        pytest.param({"phone": ""}, {}, {}, id="same-value"),
        pytest.param({}, {}, {}, id="nothing"),
        pytest.param({"name_pinyin": "x"}, {}, {}, id="noise-only"),
    ],
)
def test_update_event_holds_exactly_the_changed_fields(people, changes, before, after):
    person = Person.objects.get(pk=people["zhang"].pk)
    count = AuditEvent.objects.count()
    with audit.audited(person) as change:
        _set(person, changes)
    # Nothing changed still leaves the (empty) event: the attempt is on record.
    assert AuditEvent.objects.count() == count + 1
    event = AuditEvent.objects.latest("seq")
    assert change.event == event
    assert (event.action, event.object_type, event.object_id) == (
        "update",
        "people.person",
        str(person.pk),
    )
    assert (event.before, event.after) == (before, after)
    assert event.region_code == person.hukou_region.code and event.object_repr == str(person)


def test_secrets_never_enter_the_event(people):
    household = Household.objects.get(pk=people["hh_dongbao"].pk)
    with audit.audited(household):
        household.bank_account_cipher = crypto.encrypt("6222000011112222333")
        household.bank_account_masked = idcard.mask("6222000011112222333")
        household.save()
    event = AuditEvent.objects.latest("seq")
    assert set(event.after) == {"bank_account_masked"} and set(event.before) == set(event.after)
    assert "6222000011112222333" not in str(event.after)


def test_note_object_repr_and_region_are_passed_and_the_note_may_be_set_late(people):
    person = Person.objects.get(pk=people["zhang"].pk)
    with audit.audited(person, note="early", object_repr="张三 档案", region_code="420800") as ch:
        _set(person, {"phone": "13800000002"})
        ch.note = "late"
    event = AuditEvent.objects.latest("seq")
    assert (event.note, event.object_repr, event.region_code) == ("late", "张三 档案", "420800")


def test_other_actions_keep_the_whole_snapshots(people):
    person = Person.objects.get(pk=people["zhang"].pk)
    with audit.audited(person, "transition"):
        _set(person, {"phone": "13800000003"})
    event = AuditEvent.objects.latest("seq")
    assert event.action == "transition"
    assert event.before["phone"] == "" and event.after["phone"] == "13800000003"
    assert event.before["name"] == event.after["name"] == "张三"
    assert not any(k.endswith(("_cipher", "_hash")) for k in [*event.before, *event.after])


def test_a_new_instance_is_a_create_without_before(people, jingmen):
    household = Household(number="H-TEST-1", region=jingmen["longquan_community"])
    with audit.audited(household, note="新登记"):
        household.save()
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.before, event.note) == ("create", None, "新登记")
    assert event.after["number"] == "H-TEST-1" and "bank_account_cipher" not in event.after

    # created=True: a row get_or_create has just inserted is also a create.
    other, created = Household.objects.get_or_create(
        number="H-TEST-2", defaults={"region": jingmen["longquan_community"]}
    )
    with audit.audited(other, created=created):
        other.address = "龙泉路3号"
        other.save()
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.before, event.after["address"]) == ("create", None, "龙泉路3号")


def test_an_exception_in_the_block_records_nothing(people):
    person = Person.objects.get(pk=people["zhang"].pk)
    count = AuditEvent.objects.count()
    with transaction.atomic():
        with pytest.raises(ValueError), audit.audited(person):
            _set(person, {"phone": "13800000004"})
            raise ValueError("refused")
        # Counted inside the transaction, before its rollback could hide an event.
        assert AuditEvent.objects.count() == count


def test_record_created_snapshots_the_new_record_plus_extra(people, jingmen):
    household = Household.objects.create(
        number="H-TEST-3",
        region=jingmen["longquan_community"],
        bank_account_cipher=crypto.encrypt("6222000011112222444"),
        bank_account_masked=idcard.mask("6222000011112222444"),
    )
    event = audit.record_created(household, note="n", extra={"members": [1, 2]})
    assert (event.action, event.before, event.note) == ("create", None, "n")
    assert event.after == audit.snapshot(household) | {"members": [1, 2]}
    assert "bank_account_cipher" not in event.after and event.after["number"] == "H-TEST-3"
    assert audit.verify_chain().ok
