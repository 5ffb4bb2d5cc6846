"""Scoped reads of the module (see permissions.py): a record outside the user's regions, or
outside what their role may read, is not found. A resident reads only their own village's rules,
board and shop and their own points and redemptions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import region_in_scope, scope_q
from minzheng.people.models import Person
from minzheng.regions.models import Region

from .models import (
    AwardStatus,
    DemoSite,
    DifficultVillage,
    PointsAward,
    PointsBalance,
    PointsRule,
    Redemption,
    ShopItem,
    StandardTask,
)
from .permissions import is_resident, may_read_points, may_read_registers

# ---------------------------------------------------------------- villages and residents


def region_scope_q(user) -> Q:
    """The user's scope applied to Region rows themselves."""
    from minzheng.core.scope import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return q


def villages_for(user) -> QuerySet[Region]:
    """Villages and communities whose points the user reads."""
    if is_resident(user):
        return Region.objects.filter(pk__in=resident_village_ids(user))
    if not may_read_points(user):
        return Region.objects.none()
    return Region.objects.filter(region_scope_q(user), level="village", kind="statutory")


def resident_village_ids(user) -> list[int]:
    person = user.person
    if person is None:
        return []
    return [pk for pk in (person.hukou_region_id, person.residence_region_id) if pk]


def get_village(user, code: str) -> Region:
    village = villages_for(user).filter(code=code).first()
    if village is None:
        raise NotFoundOrOutOfScope()
    return village


def residents_of(village: Region, *, query: str = "", on: dt.date | None = None):
    """Living people registered (hukou) or living in the village: the only people it awards."""
    on = on or timezone.localdate()
    qs = Person.objects.filter(Q(hukou_region=village) | Q(residence_region=village)).filter(
        Q(death_date__isnull=True) | Q(death_date__gt=on)
    )
    if query:
        qs = qs.filter(name__contains=query)
    return qs.order_by("name", "id")


def resident_of(village: Region, person_id) -> Person | None:
    if not isinstance(person_id, int):
        return None
    return residents_of(village).filter(pk=person_id).first()


# ---------------------------------------------------------------- rules


def rules_of(village: Region, *, on: dt.date | None = None, history: bool = False):
    qs = PointsRule.objects.filter(region=village)
    if not history:
        on = on or timezone.localdate()
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    return qs.order_by("category", "name", "-valid_from")


def get_rule(user, pk: int) -> PointsRule:
    rule = PointsRule.objects.filter(pk=pk, region__in=villages_for(user)).first()
    if rule is None:
        raise NotFoundOrOutOfScope()
    return rule


# ---------------------------------------------------------------- awards and balances


def awards_for(user, *, village: Region | None = None, status: str = "") -> QuerySet[PointsAward]:
    if is_resident(user):
        qs = PointsAward.objects.filter(person_id=user.person_id)
    elif may_read_points(user):
        qs = PointsAward.objects.filter(scope_q(user, "region"))
    else:
        return PointsAward.objects.none()
    if village is not None:
        qs = qs.filter(region=village)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("rule", "person", "region")


def get_award(user, pk: int) -> PointsAward:
    award = awards_for(user).filter(pk=pk).first()
    if award is None:
        raise NotFoundOrOutOfScope()
    return award


def pending_confirmations(user) -> QuerySet[PointsAward]:
    from .permissions import may_confirm

    if not may_confirm(user):
        return PointsAward.objects.none()
    return awards_for(user, status=AwardStatus.PENDING).order_by("awarded_on", "id")


def balances_of(village: Region) -> QuerySet[PointsBalance]:
    return PointsBalance.objects.filter(region=village).select_related("person")


def board(village: Region, *, year: int, limit: int = 20) -> list[dict]:
    """The village's public points board: this year's earned points per resident (effective
    awards, reversals included), highest first."""
    rows = (
        PointsAward.objects.filter(
            region=village, status=AwardStatus.EFFECTIVE, awarded_on__year=year
        )
        .values("person_id", "person__name")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "person_id")[:limit]
    )
    return list(rows)


def my_balances(user) -> QuerySet[PointsBalance]:
    if not is_resident(user):
        return PointsBalance.objects.none()
    return PointsBalance.objects.filter(person_id=user.person_id).select_related("region")


# ---------------------------------------------------------------- shop


def shop_regions(village: Region) -> list[int]:
    """A village redeems at its own shop and at its township's."""
    return [village.pk] + ([village.parent_id] if village.parent_id else [])


def shop_of(village: Region, *, active_only: bool = True) -> QuerySet[ShopItem]:
    qs = ShopItem.objects.filter(region_id__in=shop_regions(village)).select_related("region")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("price", "name")


def get_item(user, pk: int) -> ShopItem:
    item = ShopItem.objects.filter(pk=pk).select_related("region").first()
    if item is None:
        raise NotFoundOrOutOfScope()
    if is_resident(user):
        ids = resident_village_ids(user)
        ok = Region.objects.filter(pk__in=ids, parent_id=item.region_id).exists() or (
            item.region_id in ids
        )
    else:
        ok = may_read_points(user) and region_in_scope(user, item.region)
    if not ok:
        raise NotFoundOrOutOfScope()
    return item


def redemptions_for(
    user, *, village: Region | None = None, status: str = ""
) -> QuerySet[Redemption]:
    if is_resident(user):
        qs = Redemption.objects.filter(person_id=user.person_id)
    elif may_read_points(user):
        qs = Redemption.objects.filter(scope_q(user, "region"))
    else:
        return Redemption.objects.none()
    if village is not None:
        qs = qs.filter(region=village)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("item", "person", "region")


def get_redemption(user, pk: int) -> Redemption:
    row = redemptions_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


# ---------------------------------------------------------------- registers


def sites_for(user, *, year: int | None = None) -> QuerySet[DemoSite]:
    if not may_read_registers(user):
        return DemoSite.objects.none()
    qs = DemoSite.objects.filter(scope_q(user, "region")).select_related("region__parent")
    return qs.filter(year=year) if year else qs


def get_site(user, pk: int) -> DemoSite:
    row = sites_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def difficult_for(user, *, year: int | None = None) -> QuerySet[DifficultVillage]:
    if not may_read_registers(user):
        return DifficultVillage.objects.none()
    qs = DifficultVillage.objects.filter(scope_q(user, "region")).select_related("region__parent")
    return qs.filter(year=year) if year else qs


def get_difficult(user, pk: int) -> DifficultVillage:
    row = difficult_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def tasks_for(user, *, year: int | None = None) -> QuerySet[StandardTask]:
    if not may_read_registers(user):
        return StandardTask.objects.none()
    qs = StandardTask.objects.filter(scope_q(user, "region")).select_related("region")
    return qs.filter(year=year) if year else qs


def get_task(user, pk: int) -> StandardTask:
    row = tasks_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row
