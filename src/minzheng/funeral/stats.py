"""The funeral figures by county (the bureau's page and its spreadsheet export): the same counts
as the targets (indicators.py), for the counties of the user's scope and the city."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from minzheng.regions.models import Region
from minzheng.targets.indicators import rollup_sum

from .indicators import burial_counts, cremation_counts, eco_cemeteries_built


def _rate(top: Decimal, bottom: Decimal) -> Decimal | None:
    if not bottom:
        return None
    return (top / bottom * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def county_rows(user, on: dt.date) -> list[dict]:
    regions = list(Region.objects.filter(kind=Region.Kind.STATUTORY).prefetch_related("members"))
    cremated, deaths = cremation_counts(on)
    eco, burials = burial_counts(on)
    cremated_r, deaths_r = rollup_sum(cremated, regions), rollup_sum(deaths, regions)
    eco_r, burials_r = rollup_sum(eco, regions), rollup_sum(burials, regions)
    built = eco_cemeteries_built(regions, on)
    shown = (
        Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY])
        .filter(scope_filter(user))
        .order_by("path")
    )
    rows = []
    for r in shown:
        rows.append(
            {
                "region": r,
                "deaths": int(deaths_r.get(r.code, 0)),
                "cremated": int(cremated_r.get(r.code, 0)),
                "cremation_rate": _rate(cremated_r.get(r.code, 0), deaths_r.get(r.code, 0)),
                "burials": int(burials_r.get(r.code, 0)),
                "eco": int(eco_r.get(r.code, 0)),
                "eco_share": _rate(eco_r.get(r.code, 0), burials_r.get(r.code, 0)),
                "eco_cemeteries": int(built.get(r.code, 0)),
            }
        )
    return rows


def scope_filter(user):
    from django.db.models import Q

    from minzheng.core.scope import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    return q


def header() -> list[str]:
    return [
        _("区域"),
        _("火化区死亡人数"),
        _("已火化"),
        _("火化率（%）"),
        _("安葬总数"),
        _("生态安葬"),
        _("生态安葬比例（%）"),
        _("当年建成村级生态公墓"),
    ]


def as_cells(row: dict) -> list:
    return [
        row["region"].name,
        row["deaths"],
        row["cremated"],
        float(row["cremation_rate"]) if row["cremation_rate"] is not None else "",
        row["burials"],
        row["eco"],
        float(row["eco_share"]) if row["eco_share"] is not None else "",
        row["eco_cemeteries"],
    ]
