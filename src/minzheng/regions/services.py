"""Writes to the region tree: loading Jingmen, adding and retiring units."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError

from .models import Region, RegionAlias

DIVISIONS_CSV = Path(settings.SHARED_DATA_DIR) / "jingmen-divisions-2023.csv"

# 京山 was 420821 京山县 in 2016 and became 420882 京山市 in 2018; its townships kept their
# three-digit suffix. The 2016 code is primary (the plan's year); the later code is an alias.
JINGSHAN_2016, JINGSHAN_2018 = "420821", "420882"
PROVINCE = ("420000", "湖北省")
ZONES = {
    # Functional zones: no GB/T 2260 code of their own, so a local code outside the numeric range.
    "4208Z1": ("漳河新区", ["420802102", "420804004"]),
    "4208Z2": ("屈家岭管理区", ["420821451", "420821452", "420821453", "420821455"]),
}
CENTRAL_CITY = {"420802", "420804"}
_LEVEL_BY_CSV = {
    "city": Region.Level.CITY,
    "county": Region.Level.COUNTY,
    "township": Region.Level.TOWNSHIP,
}


def _code_2016(code: str) -> str:
    return JINGSHAN_2016 + code[6:] if code.startswith(JINGSHAN_2018) else code


def township_urban_rural(code: str, name: str) -> str:
    """Streets (0xx) are urban; towns and townships rural; by GB convention."""
    suffix = code[6:9]
    return (
        Region.UrbanRural.URBAN
        if suffix.startswith("0") or name.endswith("街道")
        else Region.UrbanRural.RURAL
    )


@transaction.atomic
def load_jingmen(*, csv_path: Path = DIVISIONS_CSV) -> int:
    """Load (or refresh) the city, counties, townships and zones. Idempotent."""
    created = 0
    province, _c = Region.objects.get_or_create(
        code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": Region.Level.PROVINCE}
    )
    by_code = {province.code: province}
    with open(csv_path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        code = _code_2016(row["code"])
        parent_code = (
            _code_2016(row["parent_code"]) if row["parent_code"] != "42" else province.code
        )
        name = "京山县" if code == JINGSHAN_2016 else row["name"]
        level = _LEVEL_BY_CSV[row["level"]]
        defaults = {"name": name, "level": level, "parent": by_code[parent_code]}
        if level == Region.Level.TOWNSHIP:
            defaults["urban_rural"] = township_urban_rural(code, name)
        region, was_created = Region.objects.update_or_create(code=code, defaults=defaults)
        created += was_created
        by_code[code] = region
    RegionAlias.objects.update_or_create(
        code=JINGSHAN_2018,
        defaults={
            "region": by_code[JINGSHAN_2016],
            "name": "京山市",
            "note": "2018年撤县设市后的代码",
        },
    )
    city = by_code["420800"]
    for zone_code, (zone_name, member_codes) in ZONES.items():
        zone, was_created = Region.objects.update_or_create(
            code=zone_code,
            defaults={
                "name": zone_name,
                "level": Region.Level.ZONE,
                "kind": Region.Kind.ZONE,
                "parent": city,
            },
        )
        created += was_created
        zone.members.set([by_code[c] for c in member_codes if c in by_code])
    return created


def resolve_code(code: str) -> Region | None:
    """Find a region by its code or by an alias prefix (420882101 -> 420821101)."""
    region = Region.objects.filter(code=code).first()
    if region:
        return region
    for alias in RegionAlias.objects.select_related("region"):
        if code.startswith(alias.code):
            return Region.objects.filter(code=alias.region.code + code[len(alias.code) :]).first()
    return None


@transaction.atomic
def add_region(
    *,
    code: str,
    name: str,
    parent: Region,
    level: str,
    urban_rural: str = "",
    valid_from: dt.date | None = None,
) -> Region:
    errors: dict[str, list[str]] = {}
    if Region.objects.filter(code=code).exists():
        errors["code"] = [_("区划代码已存在")]
    if not code.isdigit() or not code.startswith(parent.code[:6]):
        errors.setdefault("code", []).append(_("区划代码应为数字并以上级县级代码开头"))
    if errors:
        raise ServiceError(errors)
    region = Region.objects.create(
        code=code,
        name=name,
        parent=parent,
        level=level,
        urban_rural=urban_rural,
        valid_from=valid_from,
    )
    audit.record_created(region)
    return region


@transaction.atomic
def retire_region(*, region: Region, valid_to: dt.date) -> Region:
    # The stored row, not `region`: an admin form may already have set valid_to on it in memory.
    stored = Region.objects.get(pk=region.pk)
    with audit.audited(stored, note=_("停用区划")):
        stored.valid_to = valid_to
        stored.save(update_fields=["valid_to"])
    region.valid_to = valid_to
    return region
