"""Reads of the region tree, scoped: a user sees the regions in their subtree and the chain of
ancestors above it (for breadcrumbs), never a sibling subtree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_paths

from .models import Region
from .services import resolve_code


def regions_for(user) -> QuerySet[Region]:
    paths = scope_paths(user)
    qs = Region.objects.select_related("parent")
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    ancestor_codes = {code for p in paths for code in p.strip("/").split("/")}
    q = Q(code__in=ancestor_codes)
    for p in paths:
        q |= Q(path__startswith=p)
    return qs.filter(q)


def get_region(user, code: str) -> Region:
    region = resolve_code(code)
    if region is None or not regions_for(user).filter(pk=region.pk).exists():
        raise NotFoundOrOutOfScope()
    return region


def children_of(user, region: Region) -> QuerySet[Region]:
    return regions_for(user).filter(parent=region).order_by("code")


def ancestors(region: Region) -> list[Region]:
    codes = region.path.strip("/").split("/")[:-1]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]
