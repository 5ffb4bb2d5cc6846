"""Old-age allowance (高龄津贴): eligibility from the birth date, the monthly enrolment scan,
the township's confirmation, and the monthly amount by age band.

Payment is the payroll's (minzheng.payments): a confirmed enrolment becomes a per-person
`Entitlement` of programme `old_age_allowance` whose amount periods the payroll reads, so the
allowance is paid in the same idempotent monthly run as assistance and stopped by the same death
scan, with payments for months after death flagged for recovery.

Rules (parameters of programme `old_age_allowance`, by region and date):
- a person is proposed the month in which they reach `min_age` (by the month's last day);
- eligible from that month plus `start_month_offset` (0: the birthday month, 1: the next);
- the band of a month is the age reached by the last day of (month − offset): below
  `band_2_age` band 1, below `band_3_age` band 2, else band 3, each with its amount;
- payment starts from the eligible month, but not before the month the township confirms
  (months before confirmation are not paid by the payroll);
- a rejected person is not proposed again by the scan.

Everything that touches many people is set-based, on PostgreSQL and SQLite alike: the scan is
one `INSERT … SELECT` per rule group; the confirmation of a township's list works the amounts
out by the rules in Python, puts them in a temporary table and writes the entitlements, their
first amount periods and the enrolments with one statement each; the monthly reconciliation of
amounts (birthdays crossing a band, standards changed) writes only the differences.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.assistance.selectors import StandardsTable, standards_table
from minzheng.core import audit
from minzheng.core.bulk import insert_rows
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope, scope_q
from minzheng.payments import months
from minzheng.payments.models import Entitlement, EntitlementChange
from minzheng.payments.params import ENTITLEMENT_WRITERS
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region

from .models import AllowanceEnrolment

PROGRAMME = "old_age_allowance"
RULE_VERSION = "old_age_allowance/2016.1"
Progress = Callable[[int, int, str], None] | None
BATCH = 5000


# ---------------------------------------------------------------- pure rules


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone `years` old on `day` (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birthday_month(birth: dt.date, age: int) -> dt.date:
    """The month in which someone born on `birth` reaches `age` (29 Feb birthdays: February)."""
    return dt.date(birth.year + age, birth.month, 1)


def _value(standards: dict, key: str):
    resolved = standards.get(PROGRAMME, {}).get(key)
    value = getattr(resolved, "value", None)
    if value is None:
        raise ServiceError({"standard": [_("没有生效的高龄津贴标准：%(key)s") % {"key": key}]})
    return value


def band_for(birth: dt.date, month: dt.date, standards: dict) -> int:
    """0 when not (yet) eligible for the month, else the band 1–3."""
    offset = _value(standards, "start_month_offset")
    age = age_on(birth, month_end(months.add_months(month, -offset)))
    if age < _value(standards, "min_age"):
        return 0
    if age < _value(standards, "band_2_age"):
        return 1
    if age < _value(standards, "band_3_age"):
        return 2
    return 3


def amount_for(birth: dt.date, month: dt.date, standards: dict) -> tuple[int, int]:
    """(band, monthly amount in fen) for the month under the standards in force for it."""
    band = band_for(birth, month, standards)
    return band, (_value(standards, f"amount_band_{band}") if band else 0)


def eligible_from(birth: dt.date, standards: dict) -> dt.date:
    return months.add_months(
        birthday_month(birth, _value(standards, "min_age")), _value(standards, "start_month_offset")
    )


def _standards_used(standards: dict, keys: list[str]) -> list[dict]:
    programme = standards.get(PROGRAMME, {})
    return [programme[k].as_detail() for k in keys if k in programme]


# ---------------------------------------------------------------- permissions


def may_decide(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or user.role in ENTITLEMENT_WRITERS)
        and user.can_write
    )


def _guard(user, region) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if not may_decide(user):
        raise PermissionDeniedError(_("只有乡镇（街道）经办人员或县级审批人员可以确认高龄津贴"))


def enrolments_for(user):
    qs = AllowanceEnrolment.objects.select_related("person", "region", "household", "entitlement")
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def get_enrolment(user, pk: int) -> AllowanceEnrolment:
    enrolment = enrolments_for(user).filter(pk=pk).first()
    if enrolment is None:
        raise NotFoundOrOutOfScope()
    return enrolment


# ---------------------------------------------------------------- set-based plumbing


def _tables() -> dict[str, str]:
    return {
        "enrol": AllowanceEnrolment._meta.db_table,
        "person": Person._meta.db_table,
        "member": HouseholdMember._meta.db_table,
        "household": Household._meta.db_table,
        "ent": Entitlement._meta.db_table,
        "change": EntitlementChange._meta.db_table,
    }


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _fetch(query, date_columns: tuple[int, ...]) -> list[tuple]:
    """The rows of a values_list() query through a plain cursor: Django's per-value converters
    cost more than the rules applied to them when there are 100,000 rows. SQLite returns dates
    as ISO text, converted here."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if _postgres() or not rows:
        return rows
    to_date = dt.date.fromisoformat
    return [
        tuple(
            to_date(v) if i in date_columns and isinstance(v, str) else v for i, v in enumerate(row)
        )
        for row in rows
    ]


def _temp_table(cursor, name: str, columns: list[tuple[str, str, str]], rows: list[tuple]) -> None:
    """A temporary table (dropped at commit on PostgreSQL, by `_drop_temp` on SQLite) filled
    with COPY on PostgreSQL and executemany on SQLite. Columns: (name, PostgreSQL type, SQLite type).
    One left by an earlier call in the same transaction is replaced."""
    if _postgres():
        spec = ", ".join(f"{c} {pg}" for c, pg, _lite in columns)
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({spec}) ON COMMIT DROP")
        insert_rows(cursor, name, [c for c, _pg, _lite in columns], rows)
        cursor.execute(f"ANALYZE {name}")
    else:
        cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
        cursor.execute(
            f"CREATE TEMP TABLE {name} ({', '.join(f'{c} {lite}' for c, _pg, lite in columns)})"
        )
        insert_rows(cursor, name, [c for c, _pg, _lite in columns], rows)


def _rows_written(cursor) -> int:
    """Rows the last statement wrote (Python's sqlite3 reports none for a statement that starts
    with WITH, so SQLite is asked)."""
    if _postgres():
        return max(cursor.rowcount, 0)
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def _tune_for_bulk(cursor) -> None:
    """PostgreSQL, for the rest of the transaction: sort and hash 100,000 rows in memory, and no
    JIT compilation (the per-row subqueries make the estimated cost look like an analytical
    query's, and compiling took longer than running the whole scan)."""
    if _postgres():
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")


def _drop_temp(cursor, *names: str) -> None:
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {'pg_temp' if _postgres() else 'temp'}.{name}")


# ---------------------------------------------------------------- scan


def _min_age_groups(
    table: StandardsTable, region_paths: dict[int, str]
) -> dict[tuple[int, int], list[int]]:
    """(min_age, offset) -> region ids, so that a city with one rule is one statement."""
    from minzheng.payments.recompute import region_resolver

    for_path = region_resolver(table)  # resolves once per distinct chain, not per village
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for region_id, path in region_paths.items():
        standards = for_path(path)
        try:
            groups[(_value(standards, "min_age"), _value(standards, "start_month_offset"))].append(
                region_id
            )
        except ServiceError:
            continue  # no allowance standard for this region: nobody there is proposed
    return groups


# Everyone of the group's regions who has reached the age by the cutoff, is alive, and has
# neither an open or rejected proposal nor a live allowance; then, for those found only, the
# current household and what stands in the way of paying them. The candidates are materialised
# first because the planner cannot tell that the anti-joins remove nearly everyone in a month
# after the first (it would join 100,000 households to keep a thousand). The open-proposal
# unique constraint makes concurrent scans add each person once.
_SCAN_SQL = """
WITH candidate AS MATERIALIZED (
    SELECT p.id, p.hukou_region_id, p.birth_date,
           (SELECT m.household_id FROM {member} m WHERE m.person_id = p.id AND m.until IS NULL) AS household_id
    FROM {person} p
    WHERE p.birth_date <= %s AND p.death_date IS NULL{regions}
      AND NOT EXISTS (SELECT 1 FROM {enrol} x WHERE x.person_id = p.id AND x.status IN ('proposed', 'rejected'))
      AND NOT EXISTS (SELECT 1 FROM {ent} x WHERE x.person_id = p.id AND x.programme = %s AND x.status <> 'terminated')
)
INSERT INTO {enrol} (person_id, region_id, status, eligible_from, proposed_on, household_id, problem, reason)
SELECT p.id, p.hukou_region_id, 'proposed', {eligible_from}, %s, p.household_id,
       CASE WHEN p.household_id IS NULL THEN %s
            WHEN COALESCE((SELECT h.bank_account_cipher FROM {household} h WHERE h.id = p.household_id), '') = '' THEN %s
            ELSE '' END, ''
FROM candidate p
WHERE true
ORDER BY p.id
ON CONFLICT DO NOTHING
"""


def _eligible_from_sql() -> str:
    """SQL of `eligible_from` for birth date p.birth_date; parameters: min_age, offset."""
    if _postgres():
        return (
            "(date_trunc('month', p.birth_date) + make_interval(years => %s, months => %s))::date"
        )
    return "date(p.birth_date, 'start of month', %s, %s)"


def _region_condition(
    region_ids: list[int], region_paths: dict[int, str], zone_ids: list[int]
) -> tuple[str, list[int]]:
    """The group's regions as the shorter of "in these" and "not in the others": a rule for the
    whole city then names only the few units outside it, and the birth-date index leads the plan."""
    others = sorted(set(region_paths) - set(region_ids)) + zone_ids
    if len(others) < len(region_ids):
        if not others:
            return "", []
        return f" AND p.hukou_region_id NOT IN ({', '.join(['%s'] * len(others))})", others
    return f" AND p.hukou_region_id IN ({', '.join(['%s'] * len(region_ids))})", region_ids


def scan_enrolments(*, month: dt.date, progress: Progress = None) -> dict:
    """Propose everyone who reaches the allowance age by the end of `month`, is alive, has no
    proposal, rejection or live allowance. Idempotent: a second scan of the month adds nothing.
    One `INSERT … SELECT` per rule group (one for a city with a single rule), one transaction."""
    report = progress or (lambda done, total, message: None)
    month = months.month_start(month)
    table = standards_table(month)
    ops = connection.ops
    today = ops.adapt_datefield_value(timezone.localdate())
    # Every unit people can be registered in (a few thousand rows, not the registry).
    region_paths = dict(Region.objects.exclude(kind=Region.Kind.ZONE).values_list("pk", "path"))
    zone_ids = list(Region.objects.filter(kind=Region.Kind.ZONE).values_list("pk", flat=True))
    no_household, no_account = str(_("未登记在任何家庭，无法发放")), str(_("家庭未登记银行账户"))
    proposed = 0
    report(0, 0, _("查找年满高龄津贴年龄的老年人"))
    with transaction.atomic(), connection.cursor() as cursor:
        _tune_for_bulk(cursor)
        for (min_age, offset), region_ids in _min_age_groups(table, region_paths).items():
            cutoff = ops.adapt_datefield_value(years_before(month_end(month), min_age))
            ages = [min_age, offset] if _postgres() else [f"+{min_age} years", f"+{offset} months"]
            regions, region_params = _region_condition(region_ids, region_paths, zone_ids)
            sql = _SCAN_SQL.format(eligible_from=_eligible_from_sql(), regions=regions, **_tables())
            cursor.execute(
                sql, [cutoff, *region_params, PROGRAMME, *ages, today, no_household, no_account]
            )
            proposed += _rows_written(cursor)
        result = {"month": months.label(month), "proposed": proposed}
        if proposed:
            audit.record(
                "create",
                object_type="eldercare.allowanceenrolment",
                object_repr=_("高龄津贴纳入建议"),
                after=result,
                note=_("%(month)s 高龄津贴到龄扫描：新增纳入建议 %(proposed)s 人") % result,
            )
    report(proposed, proposed, _("生成高龄津贴纳入建议"))
    return result


def _current_households(person_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """person id -> (current household id, has a bank account)."""
    found: dict[int, tuple[int, bool]] = {}
    for start in range(0, len(person_ids), 20000):
        for pid, hid, cipher in HouseholdMember.objects.filter(
            person_id__in=person_ids[start : start + 20000], until__isnull=True
        ).values_list("person_id", "household_id", "household__bank_account_cipher"):
            found[pid] = (hid, bool(cipher))
    return found


def _problem(household: tuple[int, bool] | None) -> str:
    if household is None:
        return _("未登记在任何家庭，无法发放")
    if not household[1]:
        return _("家庭未登记银行账户")
    return ""


# ---------------------------------------------------------------- decisions

_STANDARD_KEYS = [
    "min_age",
    "band_2_age",
    "band_3_age",
    "amount_band_1",
    "amount_band_2",
    "amount_band_3",
    "start_month_offset",
]

_CONFIRM_COLUMNS = [
    ("enrolment_id", "bigint", "integer"),
    ("person_id", "bigint", "integer"),
    ("household_id", "bigint", "integer"),
    ("region_id", "bigint", "integer"),
    ("start_month", "date", "text"),
    ("amount", "bigint", "integer"),
    ("facts", "jsonb", "text"),
    ("basis", "jsonb", "text"),
    ("trace", "jsonb", "text"),
    ("standards_id", "integer", "integer"),
    ("change_reason", "text", "text"),
]
_CONFIRM_STANDARDS_COLUMNS = [("id", "integer", "integer"), ("standards", "jsonb", "text")]

_INSERT_ENTITLEMENTS_SQL = """
INSERT INTO {ent} (programme, household_id, person_id, beneficiary_key, region_id, status, start_month, end_month,
                   monthly_amount_fen, amount_since, amount_basis, facts, basis, standards, trace, rule_version, computed_on,
                   review_class, next_review_on, review_reason, case_id, source, created_at, updated_at)
SELECT %s, t.household_id, t.person_id, 'p' || t.person_id, t.region_id, 'active', t.start_month, NULL,
       t.amount, t.start_month, 'rules', t.facts, t.basis, s.standards, t.trace, %s, %s,
       'A', NULL, '', NULL, 'enrolment', %s, %s
FROM eldercare_confirm t JOIN eldercare_confirm_standards s ON s.id = t.standards_id
ORDER BY t.enrolment_id
"""

# The first amount period of each new allowance, shaped as payments.services.create_entitlement
# shapes it: its snapshot repeats the entitlement's facts, standards and trace.
_INSERT_CHANGES_SQL = """
INSERT INTO {change} (entitlement_id, kind, effective_month, until_month, old_amount_fen, new_amount_fen, old_status, new_status,
                      reason, standard_id, snapshot, by_id, by_name, at)
SELECT e.id, 'create', e.start_month, NULL, NULL, e.monthly_amount_fen, '', 'active', t.change_reason, NULL, {snapshot}, %s, %s, %s
FROM eldercare_confirm t JOIN {ent} e ON e.person_id = t.person_id AND e.programme = %s AND e.status <> 'terminated'
ORDER BY e.id
"""

_SNAPSHOT_SQL = {
    "postgresql": "jsonb_build_object('facts', e.facts, 'standards', e.standards, 'trace', e.trace, 'rule_version', %s::text, "
    "'basis', e.basis, 'computed_on', %s::text, 'eligible', true)",
    "sqlite": "json_object('facts', json(e.facts), 'standards', json(e.standards), 'trace', json(e.trace), 'rule_version', %s, "
    "'basis', json(e.basis), 'computed_on', %s, 'eligible', json('true'))",
}

# Each enrolment points at its person's new allowance; only proposals still open are decided,
# so a proposal decided meanwhile by someone else shows in the count.
_DECIDE_SQL = """
UPDATE {enrol} SET status = 'confirmed', entitlement_id = e.id, decided_by_id = %s, decided_at = %s, reason = %s, problem = ''
FROM eldercare_confirm t JOIN {ent} e ON e.person_id = t.person_id AND e.programme = %s AND e.status <> 'terminated'
WHERE {enrol}.id = t.enrolment_id AND {enrol}.status = 'proposed'
"""


def _proposals_to_confirm(user, enrolments) -> tuple[list[tuple], list[int] | None]:
    """(rows, requested ids or None for a queryset): the caller's open proposals among
    `enrolments` with the person's birth and death, the region path and the current household."""
    requested = None
    qs = enrolments_for(user).filter(status=AllowanceEnrolment.Status.PROPOSED)
    if hasattr(enrolments, "values_list"):
        qs = qs.filter(pk__in=enrolments.order_by().values("pk"))
    else:
        requested = [e.pk for e in enrolments]
        qs = qs.filter(pk__in=requested)
    household = HouseholdMember.objects.filter(
        person_id=OuterRef("person_id"), until__isnull=True
    ).values("household_id")[:1]
    query = (
        qs.annotate(current_household=Subquery(household))
        .values_list(
            "pk",
            "person_id",
            "person__birth_date",
            "person__death_date",
            "region_id",
            "region__path",
            "current_household",
        )
        .order_by("pk")
    )
    return _fetch(query, date_columns=(2, 3)), requested


def confirm_enrolments(*, user, enrolments, on: dt.date | None = None, reason: str = "") -> dict:
    """Confirm proposed enrolments (one, or a township's whole list) and create their
    entitlements. Proposals that cannot be paid (dead meanwhile, no household) are left proposed
    and reported. One transaction; the amounts are worked out here by the rules, the writes are
    set-based (a temporary table, then one statement each for the entitlements, their first
    amount periods and the enrolments), whatever the number of people."""
    if not may_decide(user):
        raise PermissionDeniedError(_("只有乡镇（街道）经办人员或县级审批人员可以确认高龄津贴"))
    on = on or timezone.localdate()
    decision_month = months.month_start(on)
    with transaction.atomic():
        with connection.cursor() as cursor:
            _tune_for_bulk(cursor)
        rows, requested = _proposals_to_confirm(user, enrolments)
        if not rows and (len(requested) if requested is not None else enrolments.count()) == 1:
            raise ServiceError({"status": [_("该纳入建议已处理或不在管辖范围内")]}, status=409)
        confirm_rows, standards_rows, skipped = _work_out(rows, decision_month, reason)
        confirmed = _write_confirmation(
            confirm_rows, standards_rows, user=user, on=on, reason=reason
        )
        result = {"confirmed": confirmed, "skipped": skipped}
        if confirmed:
            ids = [r[0] for r in confirm_rows]
            audit.record(
                "transition",
                object_type="eldercare.allowanceenrolment",
                object_repr=_("确认高龄津贴纳入"),
                region_code=user.region.code if user.region_id else "",
                before={"status": "proposed"},
                after={"status": "confirmed", "count": confirmed, "ids": ids[:200]},
                note=reason or _("确认纳入高龄津贴 %(n)s 人") % {"n": confirmed},
            )
    return result


def _work_out(
    rows: list[tuple], decision_month: dt.date, reason: str
) -> tuple[list[tuple], list[tuple], list[dict]]:
    """Each payable proposal's start month, band and amount under the standards in force, as rows
    of the confirmation's temporary table; the standards cited, once per distinct set.

    A city's villages share a handful of standards sets and its elderly a few thousand birth
    dates, so every rule is applied once per (birth date, standards set) and every JSON text
    written once per distinct value, not once per person."""
    from minzheng.payments.recompute import region_resolver

    resolvers: dict[dt.date, Callable[[str], dict]] = {}

    def standards_for(month: dt.date, path: str) -> dict:
        if month not in resolvers:
            resolvers[month] = region_resolver(standards_table(month))
        return resolvers[month](path)

    note = reason or _("确认纳入高龄津贴")
    band_label = str(_("年龄档次"))
    cited: dict[int, int] = {}  # id(standards) -> standards_id
    cited_texts: dict[str, int] = {}
    worked: dict[tuple, tuple] = {}  # (birth, id(standards)) -> outcome
    traces: dict[tuple[int, dt.date], str] = {}
    change_reasons: dict[dt.date, str] = {}
    confirm_rows, skipped = [], []
    for pk, person_id, birth, death, region_id, path, household_id in rows:
        if death is not None:
            skipped.append({"id": pk, "reason": _("已死亡")})
            continue
        if household_id is None:
            skipped.append({"id": pk, "reason": _("未登记在任何家庭，无法发放")})
            continue
        standards = standards_for(decision_month, path)
        key = (birth, id(standards))
        outcome = worked.get(key)
        if outcome is None:
            outcome = worked[key] = _outcome(birth, decision_month, standards, standards_for, path)
        if isinstance(outcome, str):
            skipped.append({"id": pk, "reason": outcome})
            continue
        start, band, amount, start_standards, facts = outcome
        standards_id = cited.get(id(start_standards))
        if standards_id is None:
            text = json.dumps(
                audit.jsonable(_standards_used(start_standards, _STANDARD_KEYS)), ensure_ascii=False
            )
            standards_id = cited[id(start_standards)] = cited_texts.setdefault(
                text, len(cited_texts) + 1
            )
        trace = traces.get((band, start))
        if trace is None:
            trace = traces[(band, start)] = json.dumps(
                [
                    {
                        "step": "band",
                        "label": band_label,
                        "value": band,
                        "detail": {"month": months.label(start)},
                    }
                ],
                ensure_ascii=False,
            )
        if start not in change_reasons:
            change_reasons[start] = f"{note}，{_('自%(m)s起发放') % {'m': months.label(start)}}"
        confirm_rows.append(
            (
                pk,
                person_id,
                household_id,
                region_id,
                start,
                amount,
                facts,
                f'{{"band": {band}}}',
                trace,
                standards_id,
                change_reasons[start],
            )
        )
    return confirm_rows, [(i, text) for text, i in cited_texts.items()], skipped


def _outcome(birth: dt.date, decision_month: dt.date, standards: dict, standards_for, path: str):
    """(start month, band, amount, standards of the start month, facts as JSON), or why not."""
    try:
        start = max(eligible_from(birth, standards), decision_month)
    except ServiceError as exc:
        return exc.errors["standard"][0]
    start_standards = standards_for(start, path)
    band, amount = amount_for(birth, start, start_standards)
    if not band:
        return _("尚未达到高龄津贴年龄")
    facts = json.dumps({"birth_date": birth.isoformat(), "age": age_on(birth, month_end(start))})
    return start, band, amount, start_standards, facts


def _write_confirmation(
    confirm_rows: list[tuple], standards_rows: list[tuple], *, user, on: dt.date, reason: str
) -> int:
    """Entitlements, their first amount periods and the decided enrolments, in three statements."""
    if not confirm_rows:
        return 0
    ops = connection.ops
    postgres = _postgres()
    if not postgres:
        confirm_rows = [(*r[:4], ops.adapt_datefield_value(r[4]), *r[5:]) for r in confirm_rows]
    now = timezone.now()
    db_now, db_on = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(on)
    by_id = user.pk if getattr(user, "pk", None) else None
    by_name = actor_name(user, nobody="system")
    tables = _tables()
    with connection.cursor() as cursor:
        _temp_table(cursor, "eldercare_confirm", _CONFIRM_COLUMNS, confirm_rows)
        _temp_table(
            cursor, "eldercare_confirm_standards", _CONFIRM_STANDARDS_COLUMNS, standards_rows
        )
        try:
            with transaction.atomic():
                cursor.execute(
                    _INSERT_ENTITLEMENTS_SQL.format(**tables),
                    [PROGRAMME, RULE_VERSION, db_on, db_now, db_now],
                )
        except IntegrityError:
            raise ServiceError(
                {"status": [_("其中有人已在享受高龄津贴，不能重复纳入")]}, status=409
            ) from None
        snapshot = _SNAPSHOT_SQL["postgresql" if postgres else "sqlite"]
        cursor.execute(
            _INSERT_CHANGES_SQL.format(snapshot=snapshot, **tables),
            [RULE_VERSION, on.isoformat(), by_id, by_name, db_now, PROGRAMME],
        )
        cursor.execute(_DECIDE_SQL.format(**tables), [by_id, db_now, reason[:500], PROGRAMME])
        decided = cursor.rowcount
        _drop_temp(cursor, "eldercare_confirm", "eldercare_confirm_standards")
    if decided != len(confirm_rows):
        # Someone else decided some of these proposals meanwhile: undo everything (the caller's
        # transaction rolls back) rather than leave allowances without their enrolment.
        raise ServiceError({"status": [_("部分纳入建议已被他人处理，请刷新后重试")]}, status=409)
    return decided


@transaction.atomic
def reject_enrolment(*, user, enrolment: AllowanceEnrolment, reason: str) -> AllowanceEnrolment:
    _guard(user, enrolment.region)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("请填写不予纳入的原因")]})
    enrolment = AllowanceEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != AllowanceEnrolment.Status.PROPOSED:
        raise ServiceError({"status": [_("该纳入建议已处理")]}, status=409)
    with audit.audited(enrolment, "transition", note=reason):
        enrolment.status = AllowanceEnrolment.Status.REJECTED
        enrolment.decided_by, enrolment.decided_at, enrolment.reason = (
            user,
            timezone.now(),
            reason[:500],
        )
        enrolment.save()
    return enrolment


@transaction.atomic
def propose_enrolment(*, user, person: Person, on: dt.date | None = None) -> AllowanceEnrolment:
    """A township proposing one person by hand (e.g. again after a rejection was corrected)."""
    _guard(user, person.hukou_region)
    on = on or timezone.localdate()
    if person.death_date is not None:
        raise ServiceError({"person": [_("该人员已死亡")]})
    standards = standards_table(months.month_start(on)).for_path(person.hukou_region.path)
    if band_for(person.birth_date, months.month_start(on), standards) == 0 and birthday_month(
        person.birth_date, _value(standards, "min_age")
    ) > months.month_start(on):
        raise ServiceError({"person": [_("尚未达到高龄津贴年龄")]})
    if (
        Entitlement.objects.filter(person=person, programme=PROGRAMME)
        .exclude(status=Entitlement.Status.TERMINATED)
        .exists()
    ):
        raise ServiceError({"person": [_("该人员已在享受高龄津贴")]}, status=409)
    household = _current_households([person.pk]).get(person.pk)
    try:
        with transaction.atomic():
            enrolment = AllowanceEnrolment.objects.create(
                person=person,
                region=person.hukou_region,
                eligible_from=eligible_from(person.birth_date, standards),
                proposed_on=on,
                household_id=household[0] if household else None,
                problem=_problem(household),
            )
    except IntegrityError:
        raise ServiceError({"person": [_("该人员已有待确认的纳入建议")]}, status=409) from None
    audit.record_created(enrolment, note=_("手工提出高龄津贴纳入建议"))
    return enrolment


# ---------------------------------------------------------------- monthly amounts


def reconcile_amounts(*, month: dt.date, user=None, progress: Progress = None) -> dict:
    """Bring every live allowance to the amount owed for `month`: a birthday crossing into the
    next band, or a changed amount or band age, opens a new amount period from the month. Run
    before the month's payroll; idempotent (a second run changes nothing). Reads every live
    allowance once; writes only the differences, set-based."""
    from minzheng.payments.recompute import region_resolver, write_amounts

    report = progress or (lambda done, total, message: None)
    month = months.month_start(month)
    table = standards_table(month)
    # The birth date as a per-row subquery: a join would hash the whole registry (3 million
    # people) for 100,000 allowances; the region path comes from the few thousand regions.
    birth = Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("birth_date"))
    query = (
        Entitlement.objects.filter(programme=PROGRAMME, start_month__lte=month)
        .exclude(status=Entitlement.Status.TERMINATED)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .annotate(birth=birth)
        .values_list("pk", "birth", "region_id", "monthly_amount_fen", "amount_since")
        .order_by("pk")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _tune_for_bulk(cursor)
        rows = _fetch(query, date_columns=(1, 4))
    paths = dict(Region.objects.values_list("pk", "path"))
    later = [pk for pk, _b, _p, _a, since in rows if since > month]
    in_force = {}
    for start in range(0, len(later), BATCH):
        in_force.update(
            dict(
                EntitlementChange.objects.filter(
                    entitlement_id__in=later[start : start + BATCH],
                    new_amount_fen__isnull=False,
                    effective_month__lte=month,
                )
                .filter(Q(until_month__isnull=True) | Q(until_month__gt=month))
                .values_list("entitlement_id", "new_amount_fen")
            )
        )
    for_path = region_resolver(table)
    # The rules once per (birth date, standards set): a city's villages share a handful of
    # standards sets and its elderly a few thousand birth dates.
    owed: dict[tuple[dt.date, int], tuple[int, int] | None] = {}
    changed, bands, missing = [], {}, 0
    for done, (pk, birth, region_id, amount, since) in enumerate(rows, start=1):
        old = in_force.get(pk, 0) if since > month else amount
        standards = for_path(paths[region_id])
        key = (birth, id(standards))
        if key not in owed:
            try:
                owed[key] = amount_for(birth, month, standards)
            except ServiceError:
                owed[key] = None
        if owed[key] is None:
            missing += 1
            continue
        band, new = owed[key]
        if band and new != old:
            changed.append((pk, old, new))
            bands[pk] = band
        if done % 20000 == 0:
            report(done, len(rows), _("核对高龄津贴档次"))
    result = {
        "month": months.label(month),
        "checked": len(rows),
        "changed": len(changed),
        "no_standard": missing,
    }
    if changed:
        with transaction.atomic():
            reason = _("%(m)s 起按年龄档次和津贴标准调整高龄津贴") % {"m": months.label(month)}
            write_amounts(
                changed,
                from_month=month,
                kind=EntitlementChange.Kind.CHANGE,
                reason=str(reason),
                snapshot={"rule_version": RULE_VERSION, "month": months.label(month)},
                standard_id=None,
                user=user,
            )
            updates = [Entitlement(pk=pk, basis={"band": band}) for pk, band in bands.items()]
            Entitlement.objects.bulk_update(updates, ["basis"], batch_size=BATCH)
            audit.record(
                "update",
                object_type="payments.entitlement",
                object_repr=_("高龄津贴档次核对"),
                after=result,
                note=_("核对 %(checked)s 项高龄津贴，调整 %(changed)s 项") % result,
            )
    report(len(rows), len(rows), _("调整 %(changed)s 项") % result)
    return result


def register_calculator() -> None:
    """Let the payroll's standard-change recomputation compute allowance amounts: the basis is
    the band, the amount the band's figure."""
    from minzheng.payments import calculators

    def amount(basis: dict, standards) -> tuple[bool, int]:
        band = basis.get("band") if basis else None
        if band not in (1, 2, 3):
            return False, 0
        resolved = standards.get(PROGRAMME, {}).get(f"amount_band_{band}")
        if resolved is None or resolved.value is None:
            raise LookupError(f"{PROGRAMME}.amount_band_{band}")
        return True, resolved.value

    calculators.register(
        calculators.Calculator(
            programme=PROGRAMME,
            depends_on=frozenset({PROGRAMME}),
            reads=frozenset({(PROGRAMME, f"amount_band_{b}") for b in (1, 2, 3)}),
            basis=lambda result, facts: None,
            amount=amount,
        )
    )
