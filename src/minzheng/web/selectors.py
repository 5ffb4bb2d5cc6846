"""Page-level reads built on the scoped selectors: counts for the region browser, household
search, region pickers and record timelines. Nothing here starts from an unscoped queryset of
people or households."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, F, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.models import AuditEvent
from minzheng.core.scope import scope_paths
from minzheng.people.models import Household, Person
from minzheng.people.selectors import households_for, people_for
from minzheng.regions.models import Region

# ---------------------------------------------------------------- regions


def regions_in_scope(user) -> QuerySet[Region]:
    """Statutory regions the user administers (their subtree, not the ancestors above it)."""
    paths = scope_paths(user)
    qs = Region.objects.filter(kind=Region.Kind.STATUTORY, valid_to__isnull=True)
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    return qs.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def region_choices(user, levels: list[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for a picker; a village is labelled with its township for clarity."""
    regions = list(
        regions_in_scope(user).filter(level__in=levels).select_related("parent").order_by("code")
    )
    choices = []
    for region in regions:
        if region.level == Region.Level.VILLAGE and region.parent_id:
            label = f"{region.parent.name} / {region.name}"
        else:
            label = region.name
        choices.append((region.code, f"{label}（{region.code}）"))
    return choices


def filter_regions(user) -> list[tuple[str, str]]:
    """Choices for the region filter of lists: the user's own region and the level below it."""
    region = user.region
    if region is None:
        return region_choices(user, [Region.Level.COUNTY, Region.Level.TOWNSHIP])
    if region.is_zone:
        units = list(region.members.order_by("code"))
    else:
        units = [region, *region.children.filter(kind=Region.Kind.STATUTORY).order_by("code")]
    return [(r.code, f"{r.name}（{r.code}）") for r in units]


@dataclass
class RegionRow:
    region: Region
    people: int = 0
    households: int = 0


def _prefixes(region: Region) -> list[str]:
    # A zone rolls up its member townships, which stay filed under their statutory county.
    return [m.path for m in region.members.all()] if region.is_zone else [region.path]


def registry_counts(user, regions: list[Region]) -> list[RegionRow]:
    """People (by place of household registration) and households under each region, scoped to
    the user. One aggregate query (a UNION of two GROUP BYs over region ids) does the counting;
    the roll-up to each listed region happens here, through the region paths."""
    rows = [RegionRow(r) for r in regions]
    prefixes_by_row = [_prefixes(r) for r in regions]
    all_prefixes = sorted({p for ps in prefixes_by_row for p in ps})
    if not all_prefixes:
        return rows
    subtree = Region.objects.filter(reduce(or_, (Q(path__startswith=p) for p in all_prefixes)))
    people = (
        people_for(user)
        .filter(hukou_region__in=subtree.values("pk"))
        .order_by()
        .values(rid=F("hukou_region_id"))
        .annotate(kind=Value("p"), n=Count("pk"))
    )
    households = (
        households_for(user)
        .filter(region__in=subtree.values("pk"))
        .order_by()
        .values(rid=F("region_id"))
        .annotate(kind=Value("h"), n=Count("pk"))
    )
    counts = list(people.union(households, all=True))
    if not counts:
        return rows
    paths = dict(Region.objects.filter(pk__in={c["rid"] for c in counts}).values_list("pk", "path"))
    for row, prefixes in zip(rows, prefixes_by_row):
        for c in counts:
            path = paths.get(c["rid"], "")
            if any(path.startswith(p) for p in prefixes):
                if c["kind"] == "p":
                    row.people += c["n"]
                else:
                    row.households += c["n"]
    return rows


# ---------------------------------------------------------------- households


def search_households(user, query: str = "", *, region_code: str = "") -> QuerySet[Household]:
    """Households in scope by number or head's name, optionally within one region's subtree."""
    qs = households_for(user)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(number__icontains=query) | Q(head__name__contains=query) | Q(address__contains=query)
        )
    return qs.order_by("number")


def age_on(birth_date: dt.date, on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# ---------------------------------------------------------------- timelines


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    kind: str
    changes: list[Change] = field(default_factory=list)


_HISTORY_TYPES = {"+": gettext_lazy("新建"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}
_SKIP_FIELDS = {"updated_at", "created_at", "name_pinyin"}


def _display(model_field, value, region_names: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if model_field.is_relation and model_field.related_model is Region:
        return region_names.get(value, str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def record_history(instance, limit: int = 50) -> list[HistoryEntry]:
    """Field-by-field changes from the simple-history table, newest first."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(instance)
    region_ids = set()
    pairs = []
    for newer, older in zip(records, records[1:] + [None]):
        if len(pairs) == limit:
            break
        changes = newer.diff_against(older).changes if older is not None else []
        changes = [c for c in changes if c.field not in _SKIP_FIELDS]
        for c in changes:
            f = model._meta.get_field(c.field)
            if f.is_relation and f.related_model is Region:
                region_ids.update(v for v in (c.old, c.new) if v)
        pairs.append((newer, changes))
    region_names = (
        dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "name"))
        if region_ids
        else {}
    )
    entries = []
    for rec, changes in pairs:
        who = rec.history_user.get_username() if rec.history_user else _("系统")
        entries.append(
            HistoryEntry(
                at=rec.history_date,
                who=who,
                kind=str(_HISTORY_TYPES.get(rec.history_type, rec.history_type)),
                changes=[
                    Change(
                        label=str(model._meta.get_field(c.field).verbose_name),
                        old=_display(model._meta.get_field(c.field), c.old, region_names),
                        new=_display(model._meta.get_field(c.field), c.new, region_names),
                    )
                    for c in changes
                ],
            )
        )
    return entries


_CHANNEL_LABELS = {
    "web": gettext_lazy("网页"),
    "api": gettext_lazy("接口"),
    "cli": gettext_lazy("命令行"),
    "job": gettext_lazy("后台任务"),
    "system": gettext_lazy("系统"),
}
_NOTE_LABELS = {"id_number": gettext_lazy("身份证号码"), "bank_account": gettext_lazy("银行账号")}


def audit_trail(object_type: str, object_ids: list, limit: int = 50) -> list[AuditEvent]:
    """Audit events about records the caller has already fetched through a scoped selector."""
    events = list(
        AuditEvent.objects.filter(
            object_type=object_type, object_id__in=[str(i) for i in object_ids]
        ).order_by("-seq")[:limit]
    )
    for event in events:
        event.note_display = (
            str(_NOTE_LABELS[event.note]) if event.note in _NOTE_LABELS else event.note
        )
        event.channel_display = str(_CHANNEL_LABELS.get(event.channel, event.channel))
        event.actor_display = (
            _("系统")
            if event.actor_id is None and event.actor_name == "system"
            else event.actor_name
        )
    return events


def person_audit_trail(person: Person) -> list[AuditEvent]:
    return audit_trail("people.person", [person.pk])


def household_audit_trail(household: Household) -> list[AuditEvent]:
    member_ids = list(household.memberships.values_list("pk", flat=True))
    events = audit_trail("people.household", [household.pk]) + audit_trail(
        "people.householdmember", member_ids
    )
    return sorted(events, key=lambda e: e.seq, reverse=True)[:50]
