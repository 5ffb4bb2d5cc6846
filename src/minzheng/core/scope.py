"""Region scope: the one place that decides which records a user may see or change.

Every selector filters through `scope_q`; HTML views, the API, the admin, exports and search all
call selectors, so no interface can bypass it.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from .roles import Role


def scope_paths(user) -> list[str] | None:
    """Region path prefixes the user may see; None means everything (system administrator)."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser or (user.role == Role.ADMIN and user.region_id is None):
        return None
    region = user.region
    if region is None:
        return []
    if region.is_zone:
        # A functional zone sees the subtrees of its member townships, which keep their statutory parent.
        return [region.path] + [m.path for m in region.members.all()]
    return [region.path]


def scope_q(user, *region_fields: str) -> Q:
    """A Q object limiting a queryset to the user's regions through any of `region_fields`
    (each a lookup to a Region foreign key, e.g. "hukou_region" or "household__region")."""
    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    terms = [Q(**{f"{field}__path__startswith": p}) for field in region_fields for p in paths]
    return reduce(or_, terms)


def region_in_scope(user, region) -> bool:
    paths = scope_paths(user)
    if paths is None:
        return True
    return any(region.path.startswith(p) for p in paths)
