"""The summary kept for fast reads (docs/DOMAIN.md §11.1), refreshed set-based:

1. every volunteer's total hours (attended service records) and star, in one UPDATE … FROM over
   the records grouped by volunteer, touching only the rows that changed;
2. per urban community (村级区划, 城镇) and per street or township above them: registered residents
   alive, approved volunteers registered there and how many hold each star: the table is emptied
   and filled again by two INSERT … SELECT (communities, then their parents).

The same SQL runs on PostgreSQL and SQLite (≥ 3.33, for UPDATE … FROM)."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from minzheng.people.models import Person
from minzheng.regions.models import Region

from .models import STAR_HOURS, RegionSummary, ServiceRecord, Status, Volunteer


def _star_case(column: str) -> str:
    whens = " ".join(
        f"WHEN {column} >= {hours * 60} THEN {star}"
        for star, hours in reversed(list(enumerate(STAR_HOURS, start=1)))
    )
    return f"CASE {whens} ELSE 0 END"


def refresh_volunteers() -> int:
    """Totals and stars of every volunteer; the number of rows changed."""
    v, r = Volunteer._meta.db_table, ServiceRecord._meta.db_table
    star = _star_case("s.m")
    # The records are summed per volunteer first (one pass, hashed) and only then joined to the
    # volunteers: joining first made PostgreSQL walk the records by index once per volunteer.
    sql = f"""
        UPDATE {v} SET total_minutes = s.m, star = {star}
        FROM (
            SELECT v2.id AS vid, COALESCE(a.m, 0) AS m
            FROM {v} v2 LEFT JOIN (
                SELECT volunteer_id, SUM(minutes) AS m FROM {r}
                WHERE attended = %s GROUP BY volunteer_id
            ) a ON a.volunteer_id = v2.id
        ) s
        WHERE {v}.id = s.vid AND ({v}.total_minutes <> s.m OR {v}.star <> {star})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [True])
        return cursor.rowcount


def refresh_regions() -> int:
    """Rows of urban communities and of their streets and townships; the number of rows."""
    s, reg = RegionSummary._meta.db_table, Region._meta.db_table
    p, v = Person._meta.db_table, Volunteer._meta.db_table
    now = timezone.now()
    stars = ", ".join(f"SUM(CASE WHEN star = {k} THEN 1 ELSE 0 END) AS s{k}" for k in range(1, 6))
    star_cols = ", ".join(f"star{k}" for k in range(1, 6))
    village = f"""
        INSERT INTO {s} (region_id, residents, volunteers, {star_cols}, refreshed_at)
        SELECT g.id, COALESCE(pp.n, 0), COALESCE(vv.n, 0),
               {", ".join(f"COALESCE(vv.s{k}, 0)" for k in range(1, 6))}, %s
        FROM {reg} g
        LEFT JOIN (
            SELECT hukou_region_id AS rid, COUNT(*) AS n FROM {p}
            WHERE death_date IS NULL GROUP BY hukou_region_id
        ) pp ON pp.rid = g.id
        LEFT JOIN (
            SELECT region_id AS rid, COUNT(*) AS n, {stars} FROM {v}
            WHERE status = %s GROUP BY region_id
        ) vv ON vv.rid = g.id
        WHERE g.level = 'village' AND g.kind = 'statutory' AND g.urban_rural = 'urban'
          AND (pp.n IS NOT NULL OR vv.n IS NOT NULL)
    """
    parents = f"""
        INSERT INTO {s} (region_id, residents, volunteers, {star_cols}, refreshed_at)
        SELECT g.parent_id, SUM(x.residents), SUM(x.volunteers),
               {", ".join(f"SUM(x.star{k})" for k in range(1, 6))}, %s
        FROM {s} x JOIN {reg} g ON g.id = x.region_id
        WHERE g.parent_id IS NOT NULL
        GROUP BY g.parent_id
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {s}")
        cursor.execute(village, [now, Status.APPROVED])
        cursor.execute(parents, [now])
    return RegionSummary.objects.count()


# Enough memory for the per-volunteer sums to stay one in-memory hash on PostgreSQL (the default
# 4 MB spills a city's volunteers to disk and sorts them); for this transaction only.
SUMMARY_WORK_MEM = "64MB"


def refresh() -> dict:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [SUMMARY_WORK_MEM])
        changed = refresh_volunteers()
        rows = refresh_regions()
    return {"volunteers_changed": changed, "region_rows": rows}
