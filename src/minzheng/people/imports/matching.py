"""Matching a file's rows with the registry: IDs registered outside the user's regions, and people
the file puts in a household who already live in another one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from minzheng.core.scope import region_in_scope

from .. import services
from ..models import HouseholdMember, Person, Relation
from ..selectors import people_for
from .rows import ImportRow, Unit

if TYPE_CHECKING:
    from .validation import Validator


def check_registry(validator: Validator, units: list[Unit]) -> None:
    """Conflicts with people already registered: someone the file puts in a household who
    already lives in another one."""
    hashes = [r.id_hash for u in units for r in u.rows if r.id_hash]
    current: dict[str, HouseholdMember] = {}
    for start in range(0, len(hashes), 500):
        batch = hashes[start : start + 500]
        members = HouseholdMember.objects.filter(
            person__id_hash__in=batch, until__isnull=True
        ).select_related("household__region", "person")
        current.update({m.person.id_hash: m for m in members})
    for unit in units:
        if not unit.key:
            continue
        head = unit.head
        target_id = None
        head_membership = (
            current.get(head.id_hash)
            if head and head.id_hash and head.id_hash not in validator.elsewhere
            else None
        )
        if head_membership is not None:
            visible = region_in_scope(validator.user, head_membership.household.region)
            if not visible:
                validator.error(head, "id_number", services.registered_elsewhere_message())
            elif head_membership.relation != Relation.HEAD:
                validator.error(
                    head,
                    "relation",
                    _("该人员已是家庭%(no)s的成员，不能作为新家庭的户主")
                    % {"no": head_membership.household.number},
                )
            else:
                target_id = head_membership.household_id
        for row in unit.rows:
            if row is head or not row.id_hash or row.id_hash in validator.elsewhere:
                continue
            membership = current.get(row.id_hash)
            if membership is not None and membership.household_id != target_id:
                if region_in_scope(validator.user, membership.household.region):
                    validator.error(
                        row,
                        "id_number",
                        _("该人员已在家庭%(no)s中，请先办理迁出")
                        % {"no": membership.household.number},
                    )
                else:
                    validator.error(row, "id_number", services.registered_elsewhere_message())


def check_elsewhere(validator: Validator, rows: list[ImportRow]) -> None:
    """A row whose ID is registered outside the user's regions gets the neutral message and
    is never written: the importer learns no more than "registered elsewhere"."""
    hashes = [r.id_hash for r in rows if r.id_hash]
    for start in range(0, len(hashes), 500):
        batch = hashes[start : start + 500]
        known = set(Person.objects.filter(id_hash__in=batch).values_list("id_hash", flat=True))
        if known:
            visible = set(
                people_for(validator.user)
                .filter(id_hash__in=known)
                .values_list("id_hash", flat=True)
            )
            validator.elsewhere |= known - visible
    for row in rows:
        if row.id_hash in validator.elsewhere:
            validator.error(row, "id_number", services.registered_elsewhere_message())
