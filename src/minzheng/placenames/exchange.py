"""The census exchange format (docs/PLACENAMES.md): one record a row, CSV or Excel, with Chinese
column headers; GeoJSON for maps. Import is set-based: every row is checked in memory (fields,
region, spelling), the keys already in the database are read in one query per county set, and the
new rows are written with `bulk_create` in chunks, so the database sees a few statements per
thousand rows. Re-running the same file adds nothing: the natural key is (region, class, standard
name), kept unique by the database as well."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from minzheng.accounts.models import actor_name
from minzheng.core import audit, sheets
from minzheng.core.errors import ServiceError
from minzheng.core.scope import scope_paths
from minzheng.regions.models import Region

from .models import PlaceName, Status
from .services import clean_fields

# (key, header): the exchange columns in order. Export adds the read-only columns below.
COLUMNS: list[tuple[str, str]] = [
    ("code", gettext_lazy("地名代码")),
    ("standard_name", gettext_lazy("标准名称")),
    ("aliases", gettext_lazy("别名")),
    ("short_name", gettext_lazy("简称")),
    ("romanised", gettext_lazy("罗马字母拼写")),
    ("place_class", gettext_lazy("类别代码")),
    ("subclass", gettext_lazy("小类代码")),
    ("region_code", gettext_lazy("行政区划代码")),
    ("lon", gettext_lazy("经度")),
    ("lat", gettext_lazy("纬度")),
    ("meaning", gettext_lazy("含义")),
    ("history", gettext_lazy("历史沿革")),
    ("description", gettext_lazy("地理实体描述")),
    ("registrar_name", gettext_lazy("登记人")),
    ("registered_on", gettext_lazy("登记日期")),
]
EXPORT_EXTRA: list[tuple[str, str]] = [
    ("pronunciation", gettext_lazy("读音")),
    ("suggested", gettext_lazy("建议拼写")),
    ("status", gettext_lazy("审核状态")),
]
REQUIRED = ("standard_name", "place_class", "subclass", "region_code")
CHUNK = 2000
JOB_KIND = "placenames.import"
# Keys of the job's result, kept in Chinese and translated where they are shown.
RESULT_ROWS = gettext_noop("数据行数")
RESULT_CREATED = gettext_noop("新增地名")
RESULT_EXISTING = gettext_noop("已有（未重复写入）")
RESULT_ERRORS = gettext_noop("错误行数")


def _keys() -> dict[str, str]:
    keys = {}
    for key, header in COLUMNS:
        keys[sheets.header_key(str(header))] = key
        keys[key] = key
    return keys


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_result(self) -> dict:
        # The job page lists the scalar entries by their keys: they are the Chinese labels.
        return {
            RESULT_ROWS: self.rows,
            RESULT_CREATED: self.created,
            RESULT_EXISTING: self.existing,
            RESULT_ERRORS: len(self.errors),
            "errors": self.errors[:2000],
        }


def _region_index(user) -> dict[str, tuple[int, int | None]]:
    """code → (region id, county id) of the statutory regions in the user's scope."""
    qs = Region.objects.filter(
        kind=Region.Kind.STATUTORY,
        level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE],
    )
    paths = scope_paths(user)
    rows = list(qs.values_list("id", "code", "path", "level"))
    counties = {code: pk for pk, code, _p, level in rows if level == Region.Level.COUNTY}
    index = {}
    for pk, code, path, _level in rows:
        if paths is not None and not any(path.startswith(p) for p in paths):
            continue
        county = next((counties[c] for c in path.strip("/").split("/") if c in counties), None)
        index[code] = (pk, county)
    return index


def _cell(cells: list, position: int | None) -> str:
    """A cell as trimmed text; plain CSV text straight, anything else through core.sheets."""
    if position is None or position >= len(cells):
        return ""
    value = cells[position]
    if type(value) is str and value[:1] != "'" and "\u3000" not in value:
        return value.strip()
    return sheets.cell_text(value)


@lru_cache(maxsize=4096)
def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def run_import(
    *,
    user,
    data: bytes,
    source: str = "",
    progress: Callable | None = None,
) -> ImportReport:
    report = ImportReport()
    labels = dict(COLUMNS)
    try:
        table = sheets.read_table(
            data, keys=_keys(), required=REQUIRED, labels={k: str(v) for k, v in labels.items()}
        )
    except sheets.SheetError as exc:
        report.errors.append({"row": exc.row, "column": "", "value": "", "message": str(exc)})
        return report
    regions = _region_index(user)
    today = timezone.localdate()
    now = timezone.now()
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    registrar = actor_name(user)
    report.rows = len(table.rows)
    total = report.rows
    if progress:
        progress(0, total, _("正在检查"))
    positions = [(key, table.columns.get(key)) for key, _h in COLUMNS]
    candidates: list[tuple] = []
    seen: dict[tuple, int] = {}
    for number, cells in table.rows:
        text = {key: _cell(cells, position) for key, position in positions}

        def bad(column: str, message: str, value: str = "", number=number) -> None:
            report.errors.append(
                {
                    "row": number,
                    "column": str(labels.get(column, "")),
                    "value": value[:100],
                    "message": message,
                }
            )

        region = regions.get(text["region_code"])
        if region is None:
            bad(
                "region_code",
                _("行政区划代码不存在或不在您的管辖范围内"),
                text["region_code"],
            )
            continue
        try:
            registered_on = _date(text["registered_on"]) or today
        except ValueError:
            bad("registered_on", _("日期格式应为 年-月-日，如 2016-05-01"), text["registered_on"])
            continue
        if registered_on > today:
            bad("registered_on", _("登记日期不能晚于今天"), text["registered_on"])
            continue
        try:
            values, _check = clean_fields(
                standard_name=text["standard_name"],
                place_class=text["place_class"],
                subclass=text["subclass"],
                romanised=text["romanised"],
                lon=text["lon"],
                lat=text["lat"],
                aliases=text["aliases"],
                short_name=text["short_name"],
                meaning=text["meaning"],
                history=text["history"],
                description=text["description"],
                code=text["code"],
            )
        except ServiceError as exc:
            for key, messages in exc.errors.items():
                for message in messages:
                    bad(key, message, text.get(key, ""))
            continue
        key = (region[0], values["place_class"], values["standard_name"])
        if key in seen:
            bad(
                "standard_name",
                _("与第%(n)s行重复（同一行政区、同一类别、同一名称）") % {"n": seen[key]},
                values["standard_name"],
            )
            continue
        seen[key] = number
        candidates.append(
            (
                values["code"],
                region[0],
                region[1],
                values["standard_name"],
                values["aliases"],
                values["short_name"],
                values["romanised"],
                values["suggested"],
                values["spelling_ok"],
                values["pronunciation"],
                values["place_class"],
                values["subclass"],
                values["meaning"],
                values["history"],
                values["description"],
                values["lon"],
                values["lat"],
                user_id,
                text["registrar_name"][:64] or registrar,
                registered_on,
                Status.ENTERED,
                0,
                "",
                source[:64],
                values["search_text"],
                now,
                now,
            )
        )
    if progress:
        progress(0, total, _("正在写入"), force=True)
    county_ids = {row[2] for row in candidates}
    existing = set(
        PlaceName.objects.filter(county_id__in=county_ids).values_list(
            "region_id", "place_class", "standard_name"
        )
    )
    fresh = [row for row in candidates if (row[1], row[10], row[3]) not in existing]
    report.existing = len(candidates) - len(fresh)
    done = report.existing + len(report.errors)
    for start in range(0, len(fresh), CHUNK):
        chunk = fresh[start : start + CHUNK]
        with transaction.atomic():
            report.created += insert_rows(chunk)
        done += len(chunk)
        if progress:
            progress(done, total, _("已写入 %(n)s 条") % {"n": report.created})
    audit.record(
        "import",
        object_type="placenames.placename",
        object_id=source or "import",
        object_repr=str(_("地名批量导入")),
        after={
            "rows": report.rows,
            "created": report.created,
            "existing": report.existing,
            "errors": len(report.errors),
        },
        note=_("地名批量导入"),
    )
    if progress:
        progress(total, total, summary(report), force=True)
    return report


# The columns an import writes, in the order of the tuples run_import builds.
INSERT_COLUMNS = (
    "code",
    "region_id",
    "county_id",
    "standard_name",
    "aliases",
    "short_name",
    "romanised",
    "suggested",
    "spelling_ok",
    "pronunciation",
    "place_class",
    "subclass",
    "meaning",
    "history",
    "description",
    "lon",
    "lat",
    "registrar_id",
    "registrar_name",
    "registered_on",
    "status",
    "returns",
    "review_note",
    "source",
    "search_text",
    "created_at",
    "updated_at",
)


def insert_rows(rows: list[tuple]) -> int:
    """Write new records in one statement set, skipping any whose natural key a concurrent
    import wrote meanwhile. PostgreSQL: COPY into a temporary table, then one INSERT … SELECT …
    ON CONFLICT DO NOTHING; SQLite: one executemany of INSERT OR IGNORE. Returns rows written."""
    if not rows:
        return 0
    table = PlaceName._meta.db_table
    columns = ", ".join(INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS placename_import AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY placename_import ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM placename_import "
                "ON CONFLICT DO NOTHING"
            )
            written = cursor.rowcount
            cursor.execute("DELETE FROM placename_import")
            return written
        marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
        ops = connection.ops
        adapt = {
            "lon": lambda v: ops.adapt_decimalfield_value(v, 9, 6),
            "lat": lambda v: ops.adapt_decimalfield_value(v, 9, 6),
            "registered_on": _adapt_date,
            "created_at": ops.adapt_datetimefield_value,
            "updated_at": ops.adapt_datetimefield_value,
        }
        adapted = {i: adapt[c] for i, c in enumerate(INSERT_COLUMNS) if c in adapt}
        stamp = ops.adapt_datetimefield_value(rows[0][-1])
        rows = [
            tuple(
                (stamp if i >= len(row) - 2 else adapted[i](v)) if i in adapted else v
                for i, v in enumerate(row)
            )
            for row in rows
        ]
        cursor.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)
        return cursor.rowcount


@lru_cache(maxsize=4096)
def _adapt_date(value):
    return connection.ops.adapt_datefield_value(value)


def summary(report: ImportReport) -> str:
    return _("共 %(rows)s 行：新增 %(created)s 条，已有 %(existing)s 条，错误 %(errors)s 行") % {
        "rows": report.rows,
        "created": report.created,
        "existing": report.existing,
        "errors": len(report.errors),
    }


# ------------------------------------------------------------------ export


def _row(p: PlaceName) -> list:
    return [
        p.code,
        p.standard_name,
        p.aliases,
        p.short_name,
        p.romanised,
        p.place_class,
        p.subclass,
        p.region.code,
        f"{p.lon}" if p.lon is not None else "",
        f"{p.lat}" if p.lat is not None else "",
        p.meaning,
        p.history,
        p.description,
        p.registrar_name,
        p.registered_on,
        p.pronunciation,
        p.suggested,
        p.get_status_display(),
    ]


def header() -> list[str]:
    return [str(h) for _k, h in COLUMNS + EXPORT_EXTRA]


def export_csv(qs) -> bytes:
    return sheets.csv_bytes((_row(p) for p in qs.iterator(chunk_size=2000)), header=header())


def export_xlsx(qs) -> bytes:
    wb = sheets.workbook(write_only=True)
    ws = wb.create_sheet(str(_("地名")))
    sheets.append(ws, header())
    for p in qs.iterator(chunk_size=2000):
        sheets.append(ws, _row(p))
    return sheets.xlsx_bytes(wb)


def geojson(qs) -> dict:
    """A FeatureCollection of the records with coordinates (RFC 7946: [lon, lat])."""
    features = []
    rows = qs.exclude(lon__isnull=True).values(
        "id",
        "code",
        "standard_name",
        "romanised",
        "place_class",
        "subclass",
        "status",
        "region__code",
        "region__name",
        "lon",
        "lat",
    )
    for r in rows.iterator(chunk_size=2000):
        features.append(
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
                "properties": {
                    "code": r["code"],
                    "name": r["standard_name"],
                    "romanised": r["romanised"],
                    "class": r["place_class"],
                    "subclass": r["subclass"],
                    "status": r["status"],
                    "region_code": r["region__code"],
                    "region": r["region__name"],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_bytes(qs) -> bytes:
    return json.dumps(geojson(qs), ensure_ascii=False).encode("utf-8")
