"""`minzheng createsuperuser` makes a system administrator over all regions, who sees people."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from minzheng.accounts.models import Role, User
from minzheng.core.models import AuditEvent
from minzheng.people.selectors import people_for

pytestmark = pytest.mark.django_db


def test_createsuperuser_gives_the_administrator_role_and_sees_every_region(people, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-pass-2016")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "root",
        "--email",
        "root@example.org",
        stdout=io.StringIO(),
    )
    root = User.objects.get(username="root")
    assert (root.role, root.region, root.is_superuser, root.is_staff) == (
        Role.ADMIN,
        None,
        True,
        True,
    )
    assert {p.name for p in people_for(root)} == {"张三", "李梅", "王五"}  # both counties
    assert AuditEvent.objects.filter(
        action="create", object_type="accounts.user", object_id=str(root.pk)
    ).exists()


def test_a_superuser_cannot_be_given_another_role():
    with pytest.raises(ValueError, match="role admin"):
        User.objects.create_superuser(
            "odd", "odd@example.org", "a-long-admin-pass-2016", role=Role.RESIDENT
        )
