"""Reads of target management, always region-scoped, and only from the snapshot tables: no page
computes an indicator.

Scope: a user sees the plans and targets of their regions and the targets above them that
theirs were split from (for context), but values, evaluations, scores, reports and supervision
cases only for regions inside their scope. A 东宝区 account reads nothing of 钟祥市.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, reduce
from operator import or_

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import Count, Q, QuerySet

from minzheng.accounts.models import STAFF_ROLES, User
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import region_in_scope, scope_paths, scope_q
from minzheng.regions.models import Region
from minzheng.regions.services import resolve_code

from . import indicators, permissions
from .models import (
    Evaluation,
    Evidence,
    IndicatorValue,
    Plan,
    ReportedValue,
    SnapshotRun,
    SupervisionCase,
    SupervisionNote,
    Target,
    TargetStatus,
    UnitScore,
    WorkItem,
)

BASE_FIGURES = (
    "pop_total",
    "pop_60_plus",
    "pop_80_plus",
    "share_60_plus",
    "pop_community",
    "units_townships",
    "units_communities",
    "units_villages",
)


def _context_q(user, field: str) -> Q:
    """The user's regions plus the chain of ancestors above them."""
    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    ancestors = {code for p in paths for code in p.strip("/").split("/")}
    return reduce(or_, [Q(**{f"{field}__path__startswith": p}) for p in paths]) | Q(
        **{f"{field}__code__in": ancestors}
    )


def plans_for(user) -> QuerySet[Plan]:
    if not permissions.may_view(user):
        return Plan.objects.none()
    return Plan.objects.filter(_context_q(user, "region")).select_related("region")


def get_plan(user, pk) -> Plan:
    plan = plans_for(user).filter(pk=pk).first()
    if plan is None:
        raise NotFoundOrOutOfScope()
    return plan


def default_plan(user, plans: list[Plan] | None = None) -> Plan | None:
    """The newest plan in force, else the newest plan."""
    plans = plans if plans is not None else list(plans_for(user).order_by("-year"))
    return next((p for p in plans if p.status == Plan.Status.ACTIVE), plans[0] if plans else None)


def targets_for(user, plan: Plan | None = None) -> QuerySet[Target]:
    if not permissions.may_view(user):
        return Target.objects.none()
    qs = Target.objects.filter(_context_q(user, "region")).select_related(
        "region", "work_item", "work_item__section", "plan", "parent"
    )
    return qs.filter(plan=plan) if plan is not None else qs


def get_target(user, pk) -> Target:
    # With what its page shows (the plan and its region, the chain of targets it was split from
    # with their regions), and nothing else: a wide join costs more to build than it saves.
    target = (
        targets_for(user)
        .select_related(None)
        .select_related("region", "plan__region", "parent__region", "parent__parent__region")
        .filter(pk=pk)
        .first()
    )
    if target is None:
        raise NotFoundOrOutOfScope()
    return target


def values_for(user) -> QuerySet[IndicatorValue]:
    if not permissions.may_view(user):
        return IndicatorValue.objects.none()
    return IndicatorValue.objects.filter(scope_q(user, "region"))


def evaluations_for(user) -> QuerySet[Evaluation]:
    if not permissions.may_view(user):
        return Evaluation.objects.none()
    return Evaluation.objects.filter(scope_q(user, "target__region"))


def scores_for(user) -> QuerySet[UnitScore]:
    if not permissions.may_view(user):
        return UnitScore.objects.none()
    return UnitScore.objects.filter(scope_q(user, "region")).select_related("region", "org_unit")


def cases_for(user) -> QuerySet[SupervisionCase]:
    if not permissions.may_view(user):
        return SupervisionCase.objects.none()
    return SupervisionCase.objects.filter(scope_q(user, "region")).select_related(
        "region", "target", "owner", "plan"
    )


def get_case(user, pk) -> SupervisionCase:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise NotFoundOrOutOfScope()
    return case


def reports_for(user) -> QuerySet[ReportedValue]:
    if not permissions.may_view(user):
        return ReportedValue.objects.none()
    return ReportedValue.objects.filter(scope_q(user, "region")).select_related(
        "region", "org_unit", "submitted_by", "reviewed_by"
    )


def get_report(user, pk) -> ReportedValue:
    report = reports_for(user).filter(pk=pk).first()
    if report is None:
        raise NotFoundOrOutOfScope()
    return report


def pending_reviews(user) -> list[ReportedValue]:
    """Reports waiting for this user's approval (the level above)."""
    waiting = (
        reports_for(user)
        .filter(status=ReportedValue.Status.SUBMITTED)
        .exclude(submitted_by=user)
        .order_by("as_of", "id")
    )
    return [r for r in waiting[:500] if permissions.may_review(user, r)]


def visible_region(user, code: str) -> Region:
    """A region the user may read values of (in their scope), by code."""
    region = resolve_code(code) if code else None
    if region is None or not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    return region


def home_region(user, plan: Plan) -> Region:
    if user.region_id and region_in_scope(user, user.region):
        return user.region
    return plan.region


# Page parts and reads drawn from the snapshots change only when a refresh writes one, and what
# pages show of plans and targets only when a plan or one of its targets is edited. Every refresh
# sets its date's computed_at in its own transaction, and every change of a plan or of its targets
# sets the plan's updated_at (services.touch_plan); so the count and the latest stamp of each name
# their state ("generation"): one small read per page, and whatever is kept under a key holding it
# (in the cache, per process by default) is never out of date.
CACHE_SECONDS = 3600
_GENERATION_SQL = (
    f"SELECT (SELECT count(*) FROM {SnapshotRun._meta.db_table}),"
    f" (SELECT max(computed_at) FROM {SnapshotRun._meta.db_table}),"
    f" (SELECT count(*) FROM {Plan._meta.db_table}),"
    f" (SELECT max(updated_at) FROM {Plan._meta.db_table})"
)


def cache_generation() -> str:
    """The state of the snapshots and of the plans, for cache keys: changes with every refresh
    and every edit of a plan or its targets."""
    with connection.cursor() as cur:
        cur.execute(_GENERATION_SQL)
        state = repr(cur.fetchone())
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def _cached(key: str, build):
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value


def scope_key(user) -> str:
    paths = scope_paths(user)
    return "*" if paths is None else hashlib.sha256("|".join(paths).encode()).hexdigest()[:20]


def plans_for_page(user, *, generation: str) -> list[Plan]:
    """`plans_for(user)`, newest first, kept until a plan changes."""
    if not permissions.may_view(user):
        return []
    return _cached(
        f"targets:plans:{scope_key(user)}:{generation}",
        lambda: list(plans_for(user).order_by("-year")),
    )


def in_context(user, region: Region) -> bool:
    """Whether `_context_q` lets the user see a record of this region: their regions, and the
    chain of units above them."""
    paths = scope_paths(user)
    if paths is None:
        return True
    above = {code for p in paths for code in p.strip("/").split("/")}
    return any(region.path.startswith(p) for p in paths) or region.code in above


def target_for_page(user, pk: int, *, generation: str) -> Target:
    """`get_target`, kept until its plan changes (every change of a target touches its plan);
    the scope is checked on every call."""
    if not permissions.may_view(user):
        raise NotFoundOrOutOfScope()

    def read():
        return (
            Target.objects.select_related(
                "region", "plan__region", "parent__region", "parent__parent__region"
            )
            .filter(pk=pk)
            .first()
        ) or False

    target = _cached(f"targets:target:{pk}:{generation}", read)
    if not target or not in_context(user, target.region):
        raise NotFoundOrOutOfScope()
    return target


def _read_snapshot_dates(plan: Plan) -> list[dt.date]:
    dates = list(
        UnitScore.objects.filter(plan=plan, region_id=plan.region_id, org_unit__isnull=True)
        .order_by("on_date")
        .values_list("on_date", flat=True)
    )
    return dates or sorted(
        set(UnitScore.objects.filter(plan=plan).values_list("on_date", flat=True))
    )


def snapshot_dates(plan: Plan, *, generation: str | None = None) -> list[dt.date]:
    """The dates the plan was assessed on. The plan's own unit is scored on every one of them
    whenever it carries targets (read through the (plan, region, date) unique index). With a
    `cache_generation`, kept in the cache until the next refresh."""
    if generation is None:
        return _read_snapshot_dates(plan)
    return _cached(f"targets:dates:{plan.pk}:{generation}", lambda: _read_snapshot_dates(plan))


def latest_date(plan: Plan) -> dt.date | None:
    return (
        UnitScore.objects.filter(plan=plan)
        .order_by("-on_date")
        .values_list("on_date", flat=True)
        .first()
    )


def last_run() -> SnapshotRun | None:
    return SnapshotRun.objects.order_by("-computed_at").first()


def resolve_date(
    plan: Plan, requested: dt.date | None, *, generation: str | None = None
) -> tuple[dt.date | None, list[dt.date]]:
    """The snapshot date to show (the requested one if it exists, else the latest before it, else
    the latest) and all the plan's snapshot dates."""
    dates = snapshot_dates(plan, generation=generation)
    if requested in dates:
        return requested, dates
    earlier = [d for d in dates if requested is None or d <= requested]
    return (earlier[-1] if earlier else (dates[-1] if dates else None)), dates


def snapshot_stamp(on_date: dt.date | None) -> str:
    """When the snapshot of a date was last rebuilt."""
    if on_date is None:
        return "-"
    stamp = (
        SnapshotRun.objects.filter(on_date=on_date).values_list("computed_at", flat=True).first()
    )
    return stamp.isoformat() if stamp else "-"


def crumbs_for(region: Region) -> list[Region]:
    """The units above a region, for the links at the top of a page (names only: kept a while,
    like the page parts, whose expiry bounds what a renamed region leaves)."""
    from minzheng.regions.selectors import ancestors

    return _cached(
        f"targets:crumbs:{region.path}",
        lambda: [r for r in ancestors(region) if r.level != Region.Level.PROVINCE],
    )


def _scope_sql(user, path_column: str) -> tuple[str, list] | None:
    """`scope_q` as SQL over a region path column: ("" when the user sees everything), or None
    when the user sees nothing."""
    if not permissions.may_view(user):
        return None
    paths = scope_paths(user)
    if paths is None:
        return "", []
    if not paths:
        return None
    like = " OR ".join(f"{path_column} LIKE %s ESCAPE '\\'" for _ in paths)
    return f" AND ({like})", [connection.ops.prep_for_like_query(p) + "%" for p in paths]


@lru_cache(maxsize=16)
def _columns_of(model, alias: str):
    """A model's concrete columns (as `t.col, ...`), attribute names, and the ORM's converters
    of each column (dates on SQLite, encrypted fields), worked out once per process."""
    conn = connections[alias]
    fields = model._meta.concrete_fields
    columns = ", ".join(f"t.{conn.ops.quote_name(f.column)}" for f in fields)
    converters = []
    for index, f in enumerate(fields):
        col = f.get_col("t")
        found = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
        if found:
            converters.append((index, found, col))
    return columns, [f.attname for f in fields], converters


def _instances(model, sql: str, params: list, extra: int = 0) -> list:
    """Model instances from a prepared statement that selects `{columns}` of `model` aliased as
    `t` first (then `extra` more columns, left on each instance as `_extra`): what a page reads
    on every request, without compiling an ORM query each time."""
    alias = connection.alias
    columns, names, converters = _columns_of(model, alias)
    with connection.cursor() as cur:
        cur.execute(sql.replace("{columns}", columns), params)
        rows = cur.fetchall()
    instances = []
    n = len(names)
    for row in rows:
        values = list(row[:n])
        for index, found, col in converters:
            for converter in found:
                values[index] = converter(values[index], col, connection)
        instance = model.from_db(alias, names, values)
        instance._extra = row[n:]
        instances.append(instance)
    return instances


_CASE_REGION = ("id", "code", "name", "path", "level", "kind")
_CASE_OWNER = ("id", "username", "first_name", "last_name")


def _open_cases(user, where: str, params: list) -> list[SupervisionCase]:
    """The open supervision cases in the user's scope matching `where` (over `t`, the case, and
    `r`, its region), soonest deadline first, each with its region and owner (the fields the
    pages show; any other is read on first use). One prepared statement: the pages that show
    them are read far more often than cases change, and compiling the ORM query with its joins
    cost more CPU than the database spends answering it."""
    scope = _scope_sql(user, "r.path")
    if scope is None:
        return []
    q = connection.ops.quote_name
    extra = [f"r.{q(f)}" for f in _CASE_REGION] + [f"o.{q(f)}" for f in _CASE_OWNER]
    cases = _instances(
        SupervisionCase,
        f"SELECT {{columns}}, {', '.join(extra)} FROM {q(SupervisionCase._meta.db_table)} t"
        f" JOIN {q(Region._meta.db_table)} r ON r.id = t.region_id"
        f" LEFT JOIN {q(User._meta.db_table)} o ON o.id = t.owner_id"
        f" WHERE t.status = %s AND {where}{scope[0]} ORDER BY t.deadline, t.id LIMIT 50",
        [SupervisionCase.Status.OPEN, *params, *scope[1]],
    )
    alias = connection.alias
    k = len(_CASE_REGION)
    for case in cases:
        case.region = Region.from_db(alias, list(_CASE_REGION), list(case._extra[:k]))
        case.owner = (
            User.from_db(alias, list(_CASE_OWNER), list(case._extra[k:]))
            if case.owner_id is not None
            else None
        )
    return cases


def open_cases_under(user, plan: Plan, region: Region) -> list[SupervisionCase]:
    """Open supervision cases of the region and the units below it (live on every page)."""
    subtrees = [m.path for m in region.members.all()] if region.is_zone else [region.path]
    terms = ["r.path LIKE %s ESCAPE '\\'" for _ in subtrees]
    params: list = [connection.ops.prep_for_like_query(p) + "%" for p in subtrees]
    if region.is_zone:
        terms.append("t.region_id = %s")
        params.append(region.pk)
    return _open_cases(user, f"t.plan_id = %s AND ({' OR '.join(terms)})", [plan.pk, *params])


def child_units(user, region: Region) -> list[Region]:
    """The units one level down that the user may see: statutory children, and for a unit with
    functional zones under it, the zones too; a zone's children are its member units."""
    if region.is_zone:
        units = list(region.members.order_by("code"))
    else:
        units = list(Region.objects.filter(parent=region).order_by("kind", "code"))
    return [u for u in units if region_in_scope(user, u)]


# ------------------------------------------------------------------------------ page reads


def plans_by_year(user) -> list[Plan]:
    """The user's plans, the latest year first."""
    return list(plans_for(user).order_by("-year"))


def plan_outline(user, plan: Plan) -> tuple[list[tuple[WorkItem, list[Target]]], int]:
    """The plan's work items in order, each with the user's top-level targets under it (each
    with `shares`, how many allocations it has), and how many of the plan's targets the user sees."""
    visible = targets_for(user, plan)
    by_item: dict[int, list] = {}
    for target in (
        visible.filter(parent__isnull=True).annotate(shares=Count("children")).order_by("id")
    ):
        by_item.setdefault(target.work_item_id, []).append(target)
    items = [
        (item, by_item.get(item.pk, []))
        for item in plan.work_items.select_related("section").order_by("number")
    ]
    return items, visible.count()


def allocated_values(target: Target) -> dict[int, Decimal]:
    """The values already allocated to the units below the target, by region id."""
    return {c.region_id: c.value for c in target.children.filter(org_unit__isnull=True)}


def unit_shares(target: Target, *, generation: str | None = None) -> list[Target]:
    """The shares of the target held by units (bureau sections, affiliated units, pilot sites);
    with a `cache_generation`, kept until its plan changes."""

    def read():
        return list(
            target.children.filter(org_unit__isnull=False)
            .select_related("org_unit")
            .order_by("org_unit__order", "org_unit__code")
        )

    return (
        read()
        if generation is None
        else _cached(f"targets:unit-shares:{target.pk}:{generation}", read)
    )


def target_reports(user, target: Target, codes: list[str]) -> list[ReportedValue]:
    """The latest reports (24 at most) of these indicators for the target's region (one region:
    in scope or not as a whole; read by a prepared statement, live on every page)."""
    if not codes or not permissions.may_view(user) or not region_in_scope(user, target.region):
        return []
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(codes))
    # A unit's target is measured by the unit's own reports, a region's by the region's.
    holder = "t.org_unit_id = %s" if target.org_unit_id else "t.org_unit_id IS NULL"
    return _instances(
        ReportedValue,
        f"SELECT {{columns}} FROM {q(ReportedValue._meta.db_table)} t WHERE t.region_id = %s"
        f" AND {holder} AND t.indicator IN ({marks}) ORDER BY t.as_of DESC, t.id DESC LIMIT 24",
        [target.region_id, *([target.org_unit_id] if target.org_unit_id else []), *codes],
    )


def open_case_of(user, target: Target) -> SupervisionCase | None:
    """The target's open supervision case, if any (live)."""
    cases = _open_cases(user, "t.target_id = %s", [target.pk])
    return cases[0] if cases else None


def latest_evaluation(user, target: Target) -> Evaluation | None:
    return evaluations_for(user).filter(target=target).order_by("-on_date").first()


def reports_newest_first(user) -> QuerySet[ReportedValue]:
    return reports_for(user).order_by("-submitted_at", "-id")


def report_regions(user) -> list[Region]:
    """The regions a user may report for: every city, county and zone for a platform
    administrator; otherwise their own region and the units directly below it."""
    if permissions.is_platform_admin(user):
        return list(
            Region.objects.filter(
                level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.ZONE]
            ).order_by("level", "code")
        )
    if user.region is None:
        return []
    region = user.region
    below = (
        list(region.members.order_by("code"))
        if region.is_zone
        else list(region.children.order_by("code"))
    )
    return [region, *below]


def get_evidence(user, pk) -> Evidence:
    """A piece of evidence, readable by whoever may read its report."""
    evidence = Evidence.objects.select_related("report__region").filter(pk=pk).first()
    if evidence is None:
        raise NotFoundOrOutOfScope()
    get_report(user, evidence.report_id)
    return evidence


def cases_by_status(user, status: str) -> QuerySet[SupervisionCase]:
    """The user's supervision cases with this status (all of them for an unknown status)."""
    cases = cases_for(user)
    if status in SupervisionCase.Status.values:
        cases = cases.filter(status=status)
    return cases.order_by("status", "deadline", "id")


def case_notes(case: SupervisionCase) -> QuerySet[SupervisionNote]:
    return case.notes.order_by("at")


def owner_candidates(region: Region) -> list[User]:
    """Active staff of the region and below who may own a supervision case (200 at most)."""
    return list(
        User.objects.filter(
            region__path__startswith=region.path, role__in=list(STAFF_ROLES), is_active=True
        )
        .select_related("region")
        .order_by("region__path", "username")[:200]
    )


def user_by_id(pk) -> User | None:
    return User.objects.filter(pk=pk).first()


# ------------------------------------------------------------------------------ dashboard read model


@dataclass
class TargetRow:
    target: Target
    evaluation: Evaluation | None
    indicator: indicators.Indicator
    # The day the figure speaks for: the snapshot date, or the period a unit's report covers.
    as_of: dt.date | None = None

    @property
    def anomaly(self) -> bool:
        return self.status == TargetStatus.ANOMALY

    @property
    def status(self) -> str:
        return self.evaluation.status if self.evaluation else TargetStatus.NO_DATA

    @property
    def status_label(self) -> str:
        return str(TargetStatus(self.status).label)

    @property
    def attainment_pct(self) -> Decimal | None:
        e = self.evaluation
        return (
            (e.attainment * 100).quantize(Decimal("0.1"))
            if e and e.attainment is not None
            else None
        )

    @property
    def expected_pct(self) -> Decimal | None:
        return (
            (self.evaluation.expected * 100).quantize(Decimal("0.1")) if self.evaluation else None
        )

    @property
    def flagged(self) -> bool:
        return bool(self.evaluation and self.evaluation.flagged)


@dataclass
class SectionSummary:
    code: str
    title: str
    rows: list[TargetRow] = field(default_factory=list)

    @property
    def score(self) -> Decimal:
        from .calculations import Scored, unit_score

        return unit_score(
            [
                Scored(r.target.weight, r.evaluation.attainment if r.evaluation else None)
                for r in self.rows
            ]
        )

    @property
    def scored(self) -> int:
        return sum(1 for r in self.rows if r.evaluation and r.evaluation.attainment is not None)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


@dataclass
class UnitRow:
    region: Region
    score: UnitScore | None
    figures: dict[str, Decimal]


@dataclass
class Dashboard:
    plan: Plan
    region: Region
    on_date: dt.date | None
    dates: list[dt.date]
    score: UnitScore | None
    sections: list[SectionSummary]
    units: list[UnitRow]
    lagging: list[Evaluation]
    cases: list[SupervisionCase]
    figures: dict[str, Decimal]
    score_trend: list[tuple[dt.date, Decimal]]
    crumbs: list[Region]

    @property
    def rows(self) -> list[TargetRow]:
        return [r for s in self.sections for r in s.rows]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        return [(s.value, str(s.label), self.count(s.value)) for s in TargetStatus]

    @property
    def overdue_reports(self) -> int:
        return sum(1 for r in self.rows if r.evaluation and r.evaluation.report_overdue)

    @property
    def with_data(self) -> int:
        """Targets whose score counts: a plausible value on the snapshot date."""
        return sum(1 for r in self.rows if r.evaluation and r.evaluation.attainment is not None)


def dashboard(
    user, plan: Plan, region: Region, on_date: dt.date | None, *, with_cases: bool = True
) -> Dashboard:
    """Everything a dashboard shows for one unit on one snapshot date. What it lists depends only
    on the region (a user who may see a region may see everything below it), so the page can
    cache it; the open cases are read live unless `with_cases` is False."""
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    on_date, dates = resolve_date(plan, on_date)
    targets = list(
        plan.targets.filter(region=region, org_unit__isnull=True)
        .select_related("work_item__section", "region")
        .order_by("work_item__number", "id")
    )
    evaluations = (
        {
            e.target_id: e
            for e in Evaluation.objects.filter(target__in=[t.pk for t in targets], on_date=on_date)
        }
        if on_date
        else {}
    )
    sections: dict[str, SectionSummary] = {}
    for section in plan.sections.order_by("position", "code"):
        sections[section.code] = SectionSummary(section.code, section.title)
    reported_as_of = (
        dict(
            IndicatorValue.objects.filter(
                on_date=on_date, region=region, indicator__in={t.indicator for t in targets}
            ).values_list("indicator", "reported_as_of")
        )
        if on_date
        else {}
    )
    for target in targets:
        if not indicators.exists(target.indicator):
            continue
        evaluation = evaluations.get(target.pk)
        as_of = (
            (reported_as_of.get(target.indicator) or on_date)
            if evaluation and evaluation.value is not None
            else None
        )
        sections[target.work_item.section.code].rows.append(
            TargetRow(target, evaluation, indicators.get(target.indicator), as_of)
        )
    units = child_units(user, region)
    unit_ids = [u.pk for u in units]
    unit_scores = (
        {
            s.region_id: s
            for s in UnitScore.objects.filter(
                plan=plan, on_date=on_date, region_id__in=unit_ids, org_unit__isnull=True
            )
        }
        if on_date
        else {}
    )
    score = (
        UnitScore.objects.filter(
            plan=plan, on_date=on_date, region=region, org_unit__isnull=True
        ).first()
        if on_date
        else None
    )
    figure_rows = (
        IndicatorValue.objects.filter(
            on_date=on_date,
            indicator__in=BASE_FIGURES,
            region_id__in=[region.pk, *unit_ids],
        ).values_list("region_id", "indicator", "value")
        if on_date
        else []
    )
    figures: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for region_id, code, value in figure_rows:
        figures[region_id][code] = value
    lagging = []
    cases = []
    if on_date:
        subtree = (
            Q(target__region__path__startswith=region.path)
            if not region.is_zone
            else reduce(
                or_,
                [Q(target__region__path__startswith=m.path) for m in region.members.all()]
                or [Q(pk__in=[])],
            )
        )
        lagging = list(
            evaluations_for(user)
            .filter(subtree, target__plan=plan, on_date=on_date)
            .filter(
                Q(status__in=[TargetStatus.BEHIND, TargetStatus.MISSED]) | Q(report_overdue=True)
            )
            .exclude(target__region=region)
            .select_related("target", "target__region")
            .order_by("attainment", "target__code")[:20]
        )
        if with_cases:
            cases = open_cases_under(user, plan, region)
    trend = list(
        UnitScore.objects.filter(plan=plan, region=region, org_unit__isnull=True, scored__gt=0)
        .order_by("on_date")
        .values_list("on_date", "score")
    )
    from minzheng.regions.selectors import ancestors

    crumbs = [r for r in ancestors(region) if r.level != Region.Level.PROVINCE]
    if region.is_zone:
        crumbs = [r for r in crumbs if r.pk != region.pk]
    return Dashboard(
        plan=plan,
        region=region,
        on_date=on_date,
        dates=dates,
        score=score,
        sections=[s for s in sections.values() if s.rows],
        units=[UnitRow(u, unit_scores.get(u.pk), figures.get(u.pk, {})) for u in units],
        lagging=lagging,
        cases=cases,
        figures=figures.get(region.pk, {}),
        score_trend=trend,
        crumbs=crumbs,
    )


# ------------------------------------------------------------------------------ one target


@dataclass
class ChildValue:
    region: Region
    value: IndicatorValue | None
    threshold: Decimal | None
    child_target: Target | None
    evaluation: Evaluation | None

    @property
    def lags(self) -> bool:
        if self.evaluation is not None:
            return self.evaluation.flagged
        if self.value is None or self.threshold is None:
            return False
        return self.value.value < self.threshold


@dataclass
class TargetDetail:
    target: Target
    indicator: indicators.Indicator
    on_date: dt.date | None
    evaluation: Evaluation | None
    history: list[Evaluation]
    children: list[ChildValue]
    reports: list[ReportedValue]
    cases: list[SupervisionCase]
    values_visible: bool


def target_detail(user, target: Target, on_date: dt.date | None) -> TargetDetail:
    indicator = indicators.get(target.indicator)
    visible = region_in_scope(user, target.region)
    on_date, _dates = resolve_date(target.plan, on_date)
    history = (
        list(evaluations_for(user).filter(target=target).order_by("on_date")) if visible else []
    )
    evaluation = next((e for e in history if e.on_date == on_date), None)
    units = child_units(user, target.region)
    child_targets = {
        c.region_id: c
        for c in target.children.filter(org_unit__isnull=True).select_related("region")
    }
    child_evals = (
        {
            e.target_id: e
            for e in Evaluation.objects.filter(
                target__in=list(child_targets.values()), on_date=on_date
            )
        }
        if on_date
        else {}
    )
    unit_values = (
        {
            v.region_id: v
            for v in values_for(user).filter(
                indicator=target.indicator, on_date=on_date, region__in=units
            )
        }
        if on_date
        else {}
    )
    children = []
    for unit in units:
        child = child_targets.get(unit.pk)
        threshold = (
            child.value
            if child
            else (target.value if indicator.aggregation == indicators.RATE else None)
        )
        children.append(
            ChildValue(
                unit,
                unit_values.get(unit.pk),
                threshold,
                child,
                child_evals.get(child.pk) if child else None,
            )
        )
    inputs = indicators.reported_inputs(target.indicator)
    reports = (
        list(
            reports_for(user)
            .filter(indicator__in=inputs, region=target.region, org_unit=target.org_unit_id)
            .order_by("-as_of", "-id")[:24]
        )
        if visible
        else []
    )
    cases = list(cases_for(user).filter(target=target).order_by("-opened_on"))
    return TargetDetail(
        target, indicator, on_date, evaluation, history, children, reports, cases, visible
    )


# ------------------------------------------------------------------------------ a unit's own page


@dataclass
class ReportingTask:
    indicator: indicators.Indicator
    region: Region
    targets: list[Target]
    last_approved: ReportedValue | None
    pending: ReportedValue | None
    overdue: bool


def unit_tasks(
    user, plan: Plan, region: Region, *, generation: str | None = None
) -> list[ReportingTask]:
    """What a unit has to report under a plan: the reported inputs of its own targets, with the
    last approved value, any report waiting for approval, and whether one is overdue. With a
    `cache_generation`, the targets and the overdue flags (snapshot) are kept until it changes;
    the reports are read live."""
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()

    def read():
        targets = list(plan.targets.filter(region=region, org_unit__isnull=True).order_by("id"))
        date = latest_date(plan) if targets else None
        overdue = (
            set(
                Evaluation.objects.filter(
                    target__in=targets, on_date=date, report_overdue=True
                ).values_list("target_id", flat=True)
            )
            if date
            else set()
        )
        return targets, overdue

    targets, overdue_targets = (
        read()
        if generation is None
        else _cached(f"targets:unit-tasks:{plan.pk}:{region.pk}:{generation}", read)
    )
    by_input: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        if indicators.exists(target.indicator):
            for code in indicators.reported_inputs(target.indicator):
                by_input[code].append(target)
    if not by_input:
        return []
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(by_input))
    reports = _instances(
        ReportedValue,
        f"SELECT {{columns}} FROM {q(ReportedValue._meta.db_table)} t WHERE t.region_id = %s"
        f" AND t.org_unit_id IS NULL AND t.indicator IN ({marks}) AND t.status IN (%s, %s) ORDER BY t.as_of DESC, t.id DESC",
        [
            region.pk,
            *by_input,
            ReportedValue.Status.APPROVED,
            ReportedValue.Status.SUBMITTED,
        ],
    )
    approved: dict[str, ReportedValue] = {}
    pending: dict[str, ReportedValue] = {}
    for report in reports:
        if report.status == ReportedValue.Status.APPROVED:
            approved.setdefault(report.indicator, report)
        elif report.status == ReportedValue.Status.SUBMITTED:
            pending.setdefault(report.indicator, report)
    return [
        ReportingTask(
            indicators.get(code),
            region,
            ts,
            approved.get(code),
            pending.get(code),
            any(t.pk in overdue_targets for t in ts),
        )
        for code, ts in by_input.items()
    ]
