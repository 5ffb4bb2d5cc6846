"""Exports of the registry: scoped like every other read, masked, and audited."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core import audit, sheets

from .selectors import search_people

MAX_EXPORT_ROWS = 100_000


def export_people_xlsx(*, user, query: str = "", region_code: str = "") -> bytes:
    """The people a search finds, as an Excel sheet. IDs are always masked in exports."""
    qs = (
        search_people(user, query, region_code=region_code)
        .select_related("hukou_region")
        .order_by("id")
    )
    wb = sheets.workbook(write_only=True)
    ws = wb.create_sheet(_("人员"))
    sheets.append(
        ws,
        [
            _("姓名"),
            _("身份证号码"),
            _("性别"),
            _("出生日期"),
            _("户籍地"),
            _("户籍地区划代码"),
            _("户口性质"),
            _("残疾类别"),
            _("残疾等级"),
            _("死亡日期"),
        ],
    )
    count = 0
    for p in qs.iterator(chunk_size=2000):
        if count >= MAX_EXPORT_ROWS:
            break
        sheets.append(
            ws,
            [
                p.name,
                p.id_masked,
                p.get_sex_display(),
                p.birth_date,
                p.hukou_region.name,
                p.hukou_region.code,
                p.get_hukou_type_display(),
                p.get_disability_type_display(),
                p.disability_grade,
                p.death_date,
            ],
        )
        count += 1
    body = sheets.xlsx_bytes(wb)
    audit.record(
        "export",
        object_type="people.person",
        object_repr=_("人员导出（%(n)s 条）") % {"n": count},
        region_code=user.region.code if user.region_id else "",
        after={"query": query, "region": region_code, "rows": count},
    )
    return body
