"""Standard changes: recomputing every affected entitlement from the change's effective month
(按标施保), and the simulator that answers "what if" before a change is put in force.

Both read the standards in force once (`standards_table`), resolve them once per village, and
compute amounts with the programme calculators (`calculators.py`) where the changed parameter is
one they model, or with the full rules otherwise. Recomputation writes set-based: the new amounts
go into a temporary table and four statements close the old amount periods, open the new ones,
record the history and update the entitlements, whatever their number.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.assistance.models import Standard
from minzheng.assistance.params import PROGRAMME_BY_CODE, from_display, normalise_value, spec_for
from minzheng.assistance.rules.base import display_value
from minzheng.assistance.selectors import (
    _ROW_FIELDS,
    StandardsTable,
    _statistics_rows,
    standards_table,
    zones_by_member,
)
from minzheng.cases.models import OPEN_STATES
from minzheng.cases.selectors import cases_for
from minzheng.core import audit, jobs
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import Job
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from . import calculators, months, selectors
from .evaluation import current_facts, evaluate
from .models import Entitlement, EntitlementChange
from .params import SIMULATOR_ROLES

Progress = Callable[[int, int, str], None] | None
RECOMPUTE_JOB = "payments.recompute"
LISTED = 200  # households listed by name in a simulation; the counts cover all


@contextmanager
def _bulk_objects():
    """Reading and computing 100,000 rows allocates several hundred thousand small objects, each
    batch of which would set off the cyclic garbage collector over the whole heap; none of them
    form cycles, so collection waits until the batch is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _subtree_q(region: Region, field: str = "region__path") -> Q:
    """The region's subtree; for a functional zone, the subtrees of its member townships."""
    paths = [region.path] + ([m.path for m in region.members.all()] if region.is_zone else [])
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _live(month: dt.date):
    return Entitlement.objects.exclude(status=Entitlement.Status.TERMINATED).filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month)
    )


def region_resolver(
    table: StandardsTable, extra_codes: tuple[str, ...] = ()
) -> Callable[[str], dict]:
    """`table.for_path`, resolved once per distinct *relevant* chain instead of once per village.

    What a region resolves to depends only on the codes along its chain (each unit followed by
    its zones) that carry a standard or a statistic, in order; the thousands of villages of a
    city share a handful of such chains, so a recomputation resolves a handful of times."""
    from minzheng.assistance.models import Statistic
    from minzheng.assistance.selectors import chain_for_path

    relevant = (
        set(Standard.objects.values_list("region__code", flat=True).distinct())
        | set(Statistic.objects.values_list("region__code", flat=True).distinct())
        | set(extra_codes)
    )
    by_chain: dict[tuple[str, ...], dict] = {}
    by_path: dict[str, dict] = {}

    def for_path(path: str) -> dict:
        found = by_path.get(path)
        if found is None:
            chain = tuple(code for code in chain_for_path(path, table.zones_of) if code in relevant)
            found = by_chain.get(chain)
            if found is None:
                found = by_chain[chain] = table.for_path(path)
            by_path[path] = found
        return found

    return for_path


class _Amounts:
    """Eligibility and amount of entitlements under one standards table."""

    def __init__(
        self,
        table: StandardsTable,
        on: dt.date,
        changed: tuple[str, str],
        extra_codes: tuple[str, ...] = (),
    ):
        self.table, self.on, self.changed = table, on, changed
        self.for_path = region_resolver(table, extra_codes)
        self.slow = 0

    def fast_applies(self, programme: str, basis) -> bool:
        return basis is not None and calculators.modelled(
            calculators.for_programme(programme), *self.changed
        )

    def compute(
        self, programme: str, path: str, basis, facts_loader: Callable[[], tuple[dict, str]]
    ) -> tuple[bool, int] | None:
        standards = self.for_path(path)
        if self.fast_applies(programme, basis):
            try:
                return calculators.for_programme(programme).amount(basis, standards)
            except LookupError:
                return None
        self.slow += 1
        facts, region_code = facts_loader()
        result = evaluate(
            programme,
            facts,
            region=SimpleNamespace(code=region_code),
            on=self.on,
            standards=standards,
        )
        if not result.computed:
            return None
        return result.eligible, result.amount_fen


def _facts_by_id(ids: list[int]) -> dict[int, tuple[dict, str]]:
    found = {}
    for start in range(0, len(ids), 5000):
        for pk, facts, code in Entitlement.objects.filter(
            pk__in=ids[start : start + 5000]
        ).values_list("pk", "facts", "region__code"):
            found[pk] = (facts, code)
    return found


def _plain_rows(query, names: tuple[str, ...]) -> list[dict]:
    """The rows of a values_list() query read through a plain cursor: Django's per-value
    converters cost more than the arithmetic done with them when there are 100,000 rows. The
    JSON column comes back as text on both databases, dates as dates (PostgreSQL) or ISO text."""
    sql, params = query.query.sql_with_params()
    loads, to_date = json.loads, dt.date.fromisoformat
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    for values in fetched:
        row = dict(zip(names, values))
        if isinstance(row.get("basis"), str):
            row["basis"] = loads(row["basis"])
        if isinstance(row.get("amount_since"), str):
            row["amount_since"] = to_date(row["amount_since"])
        rows.append(row)
    return rows


def _amounts_in_force(rows: list[dict], month: dt.date) -> None:
    """rows[i]["old"]: the amount in force for `month` (the current one unless a later change exists)."""
    later = [r["pk"] for r in rows if r["amount_since"] > month]
    periods = {}
    if later:
        for start in range(0, len(later), 5000):
            qs = (
                EntitlementChange.objects.filter(
                    entitlement_id__in=later[start : start + 5000],
                    new_amount_fen__isnull=False,
                    effective_month__lte=month,
                )
                .filter(Q(until_month__isnull=True) | Q(until_month__gt=month))
                .values_list("entitlement_id", "new_amount_fen")
            )
            periods.update(dict(qs))
    for r in rows:
        r["old"] = periods.get(r["pk"], 0) if r["amount_since"] > month else r["amount"]


# ---------------------------------------------------------------- recompute


def recompute_after_standard_change(
    *, standard: Standard, user=None, progress: Progress = None
) -> dict:
    """Recompute every live entitlement the standard can affect, from the first month the standard
    is in force for whole (its effective date's month when it starts on the 1st, else the next).
    One transaction; idempotent (a second run finds nothing to change). Entitlements the new
    standard would make ineligible keep their amount and are put up for review; amounts decided
    by hand are put up for review too."""
    report = progress or (lambda done, total, message: None)
    standard = Standard.objects.select_related("programme", "region").get(pk=standard.pk)
    programme, key, region = standard.programme.code, standard.key, standard.region
    from_month = months.first_full_month(standard.effective_from)
    affected = calculators.programmes_affected_by(programme)
    report(0, 0, _("读取待遇"))
    with _bulk_objects():
        changed, ineligible, decided, errors, total, amounts = _recompute_rows(
            programme, key, region, from_month, affected, report
        )
    report(total, total, _("写入"))
    value = display_value(
        spec_for(programme, key).unit if spec_for(programme, key) else "",
        _stored_value(standard, region, from_month, amounts.table),
    )
    reason = _("%(p)s“%(k)s”自 %(d)s 起调整为 %(v)s，按新标准重新核定") % {
        "p": PROGRAMME_BY_CODE[programme].name if programme in PROGRAMME_BY_CODE else programme,
        "k": spec_for(programme, key).label if spec_for(programme, key) else key,
        "d": standard.effective_from.isoformat(),
        "v": value,
    }
    snapshot = {
        "standard_id": standard.pk,
        "programme": programme,
        "key": key,
        "region": region.code,
        "effective_from": standard.effective_from.isoformat(),
        "value": value,
    }
    with transaction.atomic():
        if changed:
            write_amounts(
                changed,
                from_month=from_month,
                kind=EntitlementChange.Kind.RECOMPUTE,
                reason=str(reason),
                snapshot=snapshot,
                standard_id=standard.pk,
                user=user,
            )
        flag_reason = _("按调整后的标准不再符合条件，请复核")
        _flag_for_review(ineligible, from_month, flag_reason, user, standard.pk, snapshot)
        _flag_for_review(
            decided,
            from_month,
            _("救助标准已调整，金额为审批核定，请复核"),
            user,
            standard.pk,
            snapshot,
        )
        result = {
            "standard_id": standard.pk,
            "from_month": months.label(from_month),
            "checked": total,
            "changed": len(changed),
            "ineligible": len(ineligible),
            "decided": len(decided),
            "errors": errors,
            "slow_path": amounts.slow,
            "monthly_difference_fen": sum(new - old for _pk, old, new in changed),
        }
        audit.record(
            "update",
            object_type="payments.entitlement",
            object_repr=_("按标准调整重算待遇"),
            region_code=region.code,
            after=result,
            note=_("重算 %(checked)s 项待遇：调整金额 %(changed)s 项，提示复核 %(ineligible)s 项")
            % result,
        )
    report(total, total, _("调整金额 %(changed)s 项，提示复核 %(ineligible)s 项") % result)
    return result


def _recompute_rows(
    programme: str, key: str, region: Region, from_month: dt.date, affected: set[str], report
):
    """New amounts of the live entitlements of `affected` programmes under `region`."""
    query = (
        _live(from_month)
        .filter(_subtree_q(region), programme__in=affected)
        .values_list(
            "pk",
            "programme",
            "region__path",
            "basis",
            "monthly_amount_fen",
            "amount_since",
            "amount_basis",
        )
        .order_by("pk")
    )
    rows = _plain_rows(
        query,
        ("pk", "programme", "region__path", "basis", "amount", "amount_since", "amount_basis"),
    )
    _amounts_in_force(rows, from_month)
    table = standards_table(from_month)
    amounts = _Amounts(table, from_month, (programme, key))
    slow_ids = [
        r["pk"]
        for r in rows
        if r["amount_basis"] == Entitlement.AmountBasis.RULES
        and not amounts.fast_applies(r["programme"], r["basis"])
    ]
    facts = _facts_by_id(slow_ids)
    changed, ineligible, decided, errors = [], [], [], 0
    total = len(rows)
    for done, r in enumerate(rows, start=1):
        if r["amount_basis"] != Entitlement.AmountBasis.RULES:
            decided.append(r["pk"])
            continue
        outcome = amounts.compute(
            r["programme"], r["region__path"], r["basis"], lambda pk=r["pk"]: facts[pk]
        )
        if outcome is None:
            errors += 1
        elif not outcome[0]:
            ineligible.append(r["pk"])
        elif outcome[1] != r["old"]:
            changed.append((r["pk"], r["old"], outcome[1]))
        if done % 10000 == 0:
            report(done, total, _("计算新金额"))
    return changed, ineligible, decided, errors, total, amounts


def _stored_value(standard: Standard, region: Region, on: dt.date, table: StandardsTable):
    resolved = table.for_path(region.path).get(standard.programme.code, {}).get(standard.key)
    return resolved.value if resolved is not None else standard.value


def _flag_for_review(
    ids: list[int], from_month: dt.date, reason: str, user, standard_id: int, snapshot: dict
) -> None:
    if not ids:
        return
    now = timezone.now()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        Entitlement.objects.filter(pk__in=chunk).update(review_reason=reason[:200])
        Entitlement.objects.filter(pk__in=chunk).filter(
            Q(next_review_on__isnull=True) | Q(next_review_on__gt=from_month)
        ).update(next_review_on=from_month)
    EntitlementChange.objects.bulk_create(
        [
            EntitlementChange(
                entitlement_id=pk,
                kind=EntitlementChange.Kind.FLAG,
                effective_month=from_month,
                reason=reason,
                standard_id=standard_id,
                snapshot=snapshot,
                by=user if getattr(user, "pk", None) else None,
                by_name=(user.get_username() if user else "system"),
                at=now,
            )
            for pk in ids
        ],
        batch_size=2000,
    )


def write_amounts(
    changed: list[tuple[int, int, int]],
    *,
    from_month: dt.date,
    kind: str,
    reason: str,
    snapshot: dict,
    standard_id: int | None,
    user,
) -> None:
    """Set-based: new amount periods from `from_month` for (entitlement id, old, new) rows."""
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    tmp = "payments_new_amounts"
    change, ent = EntitlementChange._meta.db_table, Entitlement._meta.db_table
    month = ops.adapt_datefield_value(from_month)
    now = ops.adapt_datetimefield_value(timezone.now())
    by_id = user.pk if getattr(user, "pk", None) else None
    by_name = user.get_username() if user is not None else "system"
    snapshot_json = json.dumps(audit.jsonable(snapshot), ensure_ascii=False)
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                f"CREATE TEMP TABLE {tmp} (entitlement_id bigint PRIMARY KEY, old_amount bigint, new_amount bigint) ON COMMIT DROP"
            )
            with cursor.cursor.copy(
                f"COPY {tmp} (entitlement_id, old_amount, new_amount) FROM STDIN"
            ) as copy:
                for row in changed:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {tmp}")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{tmp}")
            cursor.execute(
                f"CREATE TEMP TABLE {tmp} (entitlement_id integer PRIMARY KEY, old_amount integer, new_amount integer)"
            )
            cursor.executemany(f"INSERT INTO {tmp} VALUES (%s, %s, %s)", changed)
        members = f"entitlement_id IN (SELECT entitlement_id FROM {tmp})"
        cursor.execute(
            f"UPDATE {change} SET until_month = %s WHERE {members} AND new_amount_fen IS NOT NULL AND effective_month < %s "
            f"AND (until_month IS NULL OR until_month > %s)",
            [month, month, month],
        )
        cursor.execute(
            f"UPDATE {change} SET until_month = effective_month WHERE {members} AND new_amount_fen IS NOT NULL "
            f"AND effective_month >= %s AND (until_month IS NULL OR until_month > effective_month)",
            [month],
        )
        json_param = "%s::jsonb" if postgres else "%s"
        cursor.execute(
            f"INSERT INTO {change} (entitlement_id, kind, effective_month, until_month, old_amount_fen, new_amount_fen, old_status, "
            f"new_status, reason, standard_id, snapshot, by_id, by_name, at) "
            f"SELECT entitlement_id, %s, %s, NULL, old_amount, new_amount, '', '', %s, %s, {json_param}, %s, %s, %s FROM {tmp}",
            [kind, month, reason, standard_id, snapshot_json, by_id, by_name, now],
        )
        if postgres:
            cursor.execute(
                f"UPDATE {ent} e SET monthly_amount_fen = t.new_amount, amount_since = %s, updated_at = %s "
                f"FROM {tmp} t WHERE e.id = t.entitlement_id",
                [month, now],
            )
        else:
            cursor.execute(
                f"UPDATE {ent} SET monthly_amount_fen = (SELECT new_amount FROM {tmp} t WHERE t.entitlement_id = {ent}.id), "
                f"amount_since = %s, updated_at = %s WHERE id IN (SELECT entitlement_id FROM {tmp})",
                [month, now],
            )
            cursor.execute(f"DROP TABLE temp.{tmp}")


def start_recompute(*, user, standard: Standard) -> Job:
    """Queue the recomputation for a standard (the city's section or an administrator)."""
    _guard_simulator(user, standard.region, write=True)
    return jobs.enqueue(
        RECOMPUTE_JOB,
        params={"standard_id": standard.pk},
        user=user,
        region=standard.region,
        title=_("按调整后的标准重算待遇：%(s)s") % {"s": str(standard)},
    )


def apply_standard_change(
    *, user, programme: str, key: str, region: Region, effective_from: dt.date, value, reason: str
) -> tuple[Standard, Job]:
    """Put a simulated change in force (through the assistance module, which checks who may set
    standards) and queue the recomputation of the entitlements it affects."""
    from minzheng.assistance.services import set_standard

    spec = spec_for(programme, key)
    if spec is None:
        raise ServiceError({"key": [_("该项目没有此参数")]})
    stored = _stored(spec, value)
    with transaction.atomic():
        standard = set_standard(
            user=user,
            programme=programme,
            key=key,
            region=region,
            effective_from=effective_from,
            value=stored,
            reason=reason,
        )
        job = start_recompute(user=user, standard=standard)
    return standard, job


# ---------------------------------------------------------------- simulator


def _guard_simulator(user, region: Region, *, write: bool = False) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    allowed = user.is_superuser or user.role in SIMULATOR_ROLES
    if write:
        from minzheng.assistance.services import can_set_standards

        allowed = can_set_standards(user)
    if not allowed:
        raise PermissionDeniedError(_("当前账号无权使用救助标准调整测算"))


def may_simulate(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in SIMULATOR_ROLES)
    )


def _stored(spec, value):
    try:
        return normalise_value(spec, from_display(spec, value))
    except ValueError as exc:
        raise ServiceError({"value": [str(exc)]}) from None


def _county_finder(counties: list[Region]):
    by_path = {c.path: c for c in counties}
    cache: dict[str, Region | None] = {}

    def county(path: str) -> Region | None:
        if path not in cache:
            found = None
            prefix = ""
            for code in path.strip("/").split("/"):
                prefix += code + "/"
                if prefix in by_path:
                    found = by_path[prefix]
                    break
            cache[path] = found
        return cache[path]

    return county


def simulate_standard_change(
    *, user, programme: str, key: str, region: Region, value, effective_from: dt.date
) -> dict:
    """What the change would do, without saving anything: for each county in the region, the
    monthly (and, ×12, yearly) cost of current beneficiaries before and after, the beneficiaries
    who would no longer qualify, and the pending applications that would start (or stop)
    qualifying. Amounts in fen."""
    with _bulk_objects():
        return _simulate(
            user=user,
            programme=programme,
            key=key,
            region=region,
            value=value,
            effective_from=effective_from,
        )


def _simulate(
    *, user, programme: str, key: str, region: Region, value, effective_from: dt.date
) -> dict:
    _guard_simulator(user, region)
    spec = spec_for(programme, key)
    if programme not in PROGRAMME_BY_CODE:
        raise ServiceError({"programme": [_("救助项目不存在")]})
    if spec is None:
        raise ServiceError({"key": [_("该项目没有此参数")]})
    if not isinstance(effective_from, dt.date):
        raise ServiceError({"effective_from": [_("生效日期无效")]})
    stored = _stored(spec, value)
    on = effective_from
    month = months.first_full_month(on)
    rows = list(Standard.objects.filter(effective_from__lte=on).values(*_ROW_FIELDS))
    statistics, zones = _statistics_rows(), zones_by_member()
    before = StandardsTable(on, rows, statistics, zones)
    hypothetical = {
        "id": None,
        "programme__code": programme,
        "key": key,
        "region__code": region.code,
        "effective_from": on,
        "version": 1
        + max(
            [
                r["version"]
                for r in rows
                if (r["programme__code"], r["key"], r["region__code"], r["effective_from"])
                == (programme, key, region.code, on)
            ],
            default=0,
        ),
        "value": stored,
        "derive_kind": "",
        "statistic_key": "",
        "statistic_year_offset": -1,
        "base_programme__code": None,
        "base_key": "",
        "ratio": None,
        "rounding": "fen",
        "set_by_name": user.get_username(),
        "reason": "simulation",
    }
    after = StandardsTable(on, rows + [hypothetical], statistics, zones)
    affected = calculators.programmes_affected_by(programme)
    counties = list(
        selectors.counties_for(user).filter(
            _subtree_q(region, "path") | Q(pk__in=_ancestor_county_ids(region))
        )
    )
    county_of = _county_finder(counties)
    totals: dict[str, dict] = defaultdict(
        lambda: {
            "beneficiaries": 0,
            "monthly_before": 0,
            "monthly_after": 0,
            "becoming_ineligible": 0,
            "pending_becoming_eligible": 0,
            "pending_becoming_ineligible": 0,
            "pending_monthly_after": 0,
        }
    )
    entitlements = list(
        selectors.entitlements_for(user)
        .filter(_subtree_q(region), programme__in=affected, status=Entitlement.Status.ACTIVE)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .values(
            "pk",
            "programme",
            "region__path",
            "region__name",
            "basis",
            "monthly_amount_fen",
            "amount_basis",
            "household__number",
        )
        .order_by("pk")
    )
    old_amounts = _Amounts(before, on, (programme, key))
    new_amounts = _Amounts(after, on, (programme, key), extra_codes=(region.code,))
    slow_ids = [
        e["pk"]
        for e in entitlements
        if e["amount_basis"] == Entitlement.AmountBasis.RULES
        and not old_amounts.fast_applies(e["programme"], e["basis"])
    ]
    facts = _facts_by_id(slow_ids)
    ineligible = []
    for e in entitlements:
        county = county_of(e["region__path"])
        if county is None:
            continue
        bucket = totals[county.code]
        bucket["beneficiaries"] += 1
        if e["amount_basis"] != Entitlement.AmountBasis.RULES:
            was, now = (True, e["monthly_amount_fen"]), (True, e["monthly_amount_fen"])
        else:
            loader = lambda pk=e["pk"]: facts[pk]  # noqa: E731
            was = old_amounts.compute(e["programme"], e["region__path"], e["basis"], loader) or (
                True,
                e["monthly_amount_fen"],
            )
            now = new_amounts.compute(e["programme"], e["region__path"], e["basis"], loader) or was
        bucket["monthly_before"] += was[1] if was[0] else 0
        bucket["monthly_after"] += now[1] if now[0] else 0
        if was[0] and not now[0]:
            bucket["becoming_ineligible"] += 1
            if len(ineligible) < LISTED:
                ineligible.append(
                    {
                        "entitlement_id": e["pk"],
                        "household": e["household__number"],
                        "region": e["region__name"],
                        "county": county.name,
                        "programme": e["programme"],
                        "before_fen": was[1],
                    }
                )
    pending = _simulate_pending(user, region, affected, before, after, on, county_of, totals)
    table = []
    for county in sorted(counties, key=lambda c: c.code):
        bucket = totals.get(county.code)
        if bucket is None:
            continue
        table.append(
            {
                "code": county.code,
                "name": county.name,
                **bucket,
                "yearly_before": 12 * bucket["monthly_before"],
                "yearly_after": 12 * bucket["monthly_after"],
                "monthly_difference": bucket["monthly_after"] - bucket["monthly_before"],
            }
        )
    summary = {
        k: sum(row[k] for row in table)
        for k in (
            "beneficiaries",
            "monthly_before",
            "monthly_after",
            "yearly_before",
            "yearly_after",
            "monthly_difference",
            "becoming_ineligible",
            "pending_becoming_eligible",
            "pending_becoming_ineligible",
            "pending_monthly_after",
        )
    }
    current = before.for_path(region.path).get(programme, {}).get(key)
    return {
        "programme": programme,
        "programme_name": _(PROGRAMME_BY_CODE[programme].name),
        "key": key,
        "key_label": str(spec.label),
        "unit": spec.unit,
        "region": {"code": region.code, "name": region.name},
        "effective_from": on,
        "from_month": month,
        "value": display_value(
            spec.unit, after.for_path(region.path).get(programme, {}).get(key).value
        ),
        "current_value": current.display() if current is not None else "",
        "counties": table,
        "totals": summary,
        "becoming_ineligible": ineligible,
        "pending_becoming_eligible": pending["eligible"],
        "pending_becoming_ineligible": pending["ineligible"],
        "full_rules_evaluations": old_amounts.slow + new_amounts.slow,
    }


def _ancestor_county_ids(region: Region) -> list[int]:
    codes = region.path.strip("/").split("/")
    return list(
        Region.objects.filter(code__in=codes, level=Region.Level.COUNTY).values_list(
            "pk", flat=True
        )
    )


def _simulate_pending(user, region, affected, before, after, on, county_of, totals) -> dict:
    """Open applications of the affected programmes, under the rules before and after."""
    found = {"eligible": [], "ineligible": []}
    cases = (
        cases_for(user)
        .filter(state__in=OPEN_STATES, programme__in=affected)
        .filter(_subtree_q(region))
        .select_related("region", "household", "applicant")
    )
    for case in cases:
        county = county_of(case.region.path)
        if county is None or not case.facts:
            continue
        hukou = case.applicant.hukou_type if case.programme == "tekun" else ""
        facts = current_facts(case.facts, on=on, hukou_type=hukou)
        was = evaluate(
            case.programme,
            facts,
            region=case.region,
            on=on,
            standards=before.for_path(case.region.path),
        )
        now = evaluate(
            case.programme,
            facts,
            region=case.region,
            on=on,
            standards=after.for_path(case.region.path),
        )
        if not (was.computed and now.computed):
            continue
        bucket = totals[county.code]
        if now.eligible:
            bucket["pending_monthly_after"] += now.amount_fen
        entry = {
            "case_id": case.pk,
            "number": case.number,
            "household": case.household.number,
            "region": case.region.name,
            "county": county.name,
            "programme": case.programme,
            "before_fen": was.amount_fen,
            "after_fen": now.amount_fen,
        }
        if now.eligible and not was.eligible:
            bucket["pending_becoming_eligible"] += 1
            if len(found["eligible"]) < LISTED:
                found["eligible"].append(entry)
        elif was.eligible and not now.eligible:
            bucket["pending_becoming_ineligible"] += 1
            if len(found["ineligible"]) < LISTED:
                found["ineligible"].append(entry)
    return found
