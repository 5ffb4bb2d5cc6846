"""Page-level reads built on the scoped selectors: counts for the region browser, household
search, region pickers and record timelines. Nothing here starts from an unscoped queryset of
people or households."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.apps import apps
from django.db.models import Count, F, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.models import AuditEvent
from minzheng.core.scope import scope_paths
from minzheng.people.models import Household, Person
from minzheng.people.selectors import households_for, people_for, pinyin_query
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
    """Households in scope by number, address or head's name (in characters or pinyin, as people
    are found), optionally within one region's subtree."""
    qs = households_for(user)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    query = (query or "").strip()
    if query:
        match = (
            Q(number__icontains=query) | Q(head__name__contains=query) | Q(address__contains=query)
        )
        if key := pinyin_query(query):
            match |= Q(head__name_pinyin__contains=key)
        qs = qs.filter(match)
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


# Never shown, whatever an event holds: ciphertexts and lookup hashes (audit snapshots leave them
# out already), and bookkeeping that says nothing about the change.
_HIDDEN_SUFFIXES = ("_cipher", "_hash")
_HIDDEN_KEYS = {"id", "password", "created_at", "updated_at", "name_pinyin"}
_CHANNEL_LABELS = {
    "web": gettext_lazy("网页"),
    "api": gettext_lazy("接口"),
    "cli": gettext_lazy("命令行"),
    "job": gettext_lazy("后台任务"),
    "system": gettext_lazy("系统"),
}
_NOTE_LABELS = {"id_number": gettext_lazy("身份证号码"), "bank_account": gettext_lazy("银行账号")}


def _shown(key: str) -> bool:
    return key not in _HIDDEN_KEYS and not key.endswith(_HIDDEN_SUFFIXES)


def _fields_by_attname(object_type: str) -> dict:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return {f.attname: f for f in model._meta.concrete_fields}


def _changed_keys(event: AuditEvent) -> list[str]:
    """Fields an event changed: those of an update's diff, or those differing between the before
    and after of another action on an existing record. A creation lists none (it is the record)."""
    before, after = event.before, event.after
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [k for k in after if _shown(k) and (k not in before or before[k] != after[k])]


def _value_text(model_field, value, names: dict) -> str:
    if value in (None, ""):
        return "—"
    if model_field is None:
        return str(value)
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _attach_changes(events: list[AuditEvent]) -> None:
    """Give each event `changes`: field label, old and new value as text (related records by
    name, choices by label). Related records are read in one query per model."""
    fields = {t: _fields_by_attname(t) for t in {e.object_type for e in events}}
    wanted: dict = {}
    for event in events:
        event.changed_keys = _changed_keys(event)
        for key in event.changed_keys:
            model_field = fields[event.object_type].get(key)
            if model_field is not None and model_field.is_relation:
                for value in (event.before.get(key), event.after.get(key)):
                    if value not in (None, ""):
                        wanted.setdefault(model_field.related_model, set()).add(value)
    names = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(list(ids)).items():
            names[(model, pk)] = getattr(obj, "name", "") or str(obj)
    for event in events:
        event.changes = []
        for key in event.changed_keys:
            model_field = fields[event.object_type].get(key)
            event.changes.append(
                Change(
                    label=str(model_field.verbose_name) if model_field is not None else key,
                    old=_value_text(model_field, event.before.get(key), names),
                    new=_value_text(model_field, event.after.get(key), names),
                )
            )


def audit_trail(object_type: str, object_ids: list, limit: int = 50) -> list[AuditEvent]:
    """Audit events about records the caller has already fetched through a scoped selector,
    newest first, each with its field changes (`changes`) ready to show."""
    events = list(
        AuditEvent.objects.filter(
            object_type=object_type, object_id__in=[str(i) for i in object_ids]
        ).order_by("-seq")[:limit]
    )
    _decorate(events)
    return events


def _decorate(events: list[AuditEvent]) -> None:
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
        event.subject = ""
    _attach_changes(events)


def person_audit_trail(person: Person) -> list[AuditEvent]:
    """The person's history: every audited change and access to the record."""
    return audit_trail("people.person", [person.pk])


def household_audit_trail(household: Household, limit: int = 50) -> list[AuditEvent]:
    """The household's history: its own events and those of its memberships, each membership
    event naming the member."""
    members = dict(household.memberships.values_list("pk", "person__name").order_by())
    events = AuditEvent.objects.filter(
        Q(object_type="people.household", object_id=str(household.pk))
        | Q(object_type="people.householdmember", object_id__in=[str(pk) for pk in members])
    ).order_by("-seq")[:limit]
    events = list(events)
    _decorate(events)
    for event in events:
        if event.object_type == "people.householdmember":
            event.subject = f"{_('成员')} {members.get(int(event.object_id), '')}".strip()
    return events
