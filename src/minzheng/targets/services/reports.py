"""Reported values: submission with evidence, review and approval."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.regions.models import Region

from .. import indicators, permissions
from ..models import (
    Evidence,
    ReportedValue,
)
from .common import _deny, _fmt, to_date, to_decimal

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".docx", ".doc", ".ofd"}


def _evidence_rows(report: ReportedValue, files) -> list[Evidence]:
    rows = []
    for upload in files or []:
        name = getattr(upload, "name", "file")
        extension = Path(name).suffix.lower()[:10]
        if extension not in EVIDENCE_EXTENSIONS:
            raise ServiceError(
                {
                    "files": [
                        _("不支持的文件类型：%(name)s（可上传 PDF、图片、Excel、Word、OFD）")
                        % {"name": name}
                    ]
                }
            )
        content = upload.read()
        if len(content) > MAX_EVIDENCE_BYTES:
            raise ServiceError({"files": [_("文件超过20MB：%(name)s") % {"name": name}]})
        if not content:
            raise ServiceError({"files": [_("文件为空：%(name)s") % {"name": name}]})
        digest = hashlib.sha256(content).hexdigest()
        row = Evidence(
            report=report,
            original_name=Path(name).name[:200],
            extension=extension,
            size=len(content),
            sha256=digest,
        )
        row.file.save("evidence", ContentFile(content), save=False)
        row.save()
        rows.append(row)
    return rows


@transaction.atomic(durable=True)
def submit_report(
    *,
    user,
    indicator: str,
    region: Region,
    as_of,
    value=None,
    numerator=None,
    denominator=None,
    note: str = "",
    files=None,
    unit=None,
) -> ReportedValue:
    """A unit reports an indicator's value as of a period end, with evidence; it counts once the
    level above approves it. With `unit` (a units.Unit), the figure is that unit's own, for the
    targets it holds; `region` is then the unit's region."""
    errors: dict[str, list[str]] = {}
    if not indicators.exists(indicator):
        raise ServiceError({"indicator": [_("指标代码不存在：%(code)s") % {"code": indicator}]})
    definition = indicators.get(indicator)
    if definition.kind != "reported":
        raise ServiceError({"indicator": [_("该指标由平台根据业务数据自动计算，无需填报")]})
    if unit is not None:
        if not permissions.may_report_unit(user, unit):
            _deny(_("当前账号无权为该单位填报数据"))
        region = unit.region
    elif not permissions.may_report(user, region):
        _deny(_("当前账号无权为该区域填报数据"))
    as_of = to_date(as_of, "as_of", errors)
    if as_of and as_of > timezone.localdate():
        errors.setdefault("as_of", []).append(_("数据截止日期不能晚于今天"))
    num = to_decimal(numerator, "numerator", errors) if numerator not in (None, "") else None
    den = to_decimal(denominator, "denominator", errors) if denominator not in (None, "") else None
    if (num is None) != (den is None):
        errors.setdefault("denominator", []).append(_("分子和分母应同时填写"))
    number = None
    if num is not None and den is not None:
        if den <= 0:
            errors.setdefault("denominator", []).append(_("分母应大于0"))
        elif num < 0:
            errors.setdefault("numerator", []).append(_("分子不能为负数"))
        else:
            number = num / den * definition_scale(definition)
            if value not in (None, ""):
                given = to_decimal(value, "value", errors)
                if given is not None and abs(given - number) > Decimal("0.01"):
                    errors.setdefault("value", []).append(
                        _("数值与分子÷分母不一致（应为 %(value)s）")
                        % {"value": _fmt(number.quantize(Decimal("0.01")))}
                    )
    else:
        number = to_decimal(value, "value", errors)
    if number is not None and number < 0:
        errors.setdefault("value", []).append(_("数值不能为负数"))
    if number is not None and definition.is_milestone and number not in (0, 1):
        errors.setdefault("value", []).append(_("完成类指标填 1（已完成）或 0（未完成）"))
    if errors:
        raise ServiceError(errors)
    report = ReportedValue.objects.create(
        indicator=indicator,
        region=region,
        org_unit=unit,
        as_of=as_of,
        value=number.quantize(Decimal("0.0001")),
        numerator=num,
        denominator=den,
        note=note.strip(),
        submitted_by=user if user.is_authenticated else None,
    )
    evidence = _evidence_rows(report, files)
    audit.record_created(
        report, note=_("填报指标数据"), extra={"evidence": [e.original_name for e in evidence]}
    )
    return report


def definition_scale(definition: indicators.Indicator) -> Decimal:
    return Decimal(100) if str(definition.unit) == "%" else Decimal(1)


@transaction.atomic(durable=True)
def add_evidence(*, user, report: ReportedValue, files) -> list[Evidence]:
    if report.status != ReportedValue.Status.SUBMITTED:
        raise ServiceError({"files": [_("只能为待审核的填报补充材料")]})
    if report.submitted_by_id != user.pk and not (
        permissions.may_report_unit(user, report.org_unit)
        if report.org_unit_id
        else permissions.may_report(user, report.region)
    ):
        _deny(_("当前账号无权为该填报补充材料"))
    rows = _evidence_rows(report, files)
    if not rows:
        raise ServiceError({"files": [_("请选择要上传的文件")]})
    audit.record(
        "update",
        obj=report,
        object_repr=str(report),
        before={},
        after={"evidence": [e.original_name for e in rows]},
        note=_("补充证明材料"),
    )
    return rows


@transaction.atomic(durable=True)
def review_report(*, user, report: ReportedValue, approve: bool, note: str = "") -> ReportedValue:
    report = ReportedValue.objects.select_for_update().select_related("region").get(pk=report.pk)
    if report.status != ReportedValue.Status.SUBMITTED:
        raise ServiceError({"status": [_("该填报已审核")]})
    if not permissions.may_review(user, report):
        if report.submitted_by_id == user.pk:
            _deny(_("不能审核本人填报的数据"))
        if report.org_unit_id:
            _deny(_("单位填报应由市局业务科室或管理员审核，本单位不能审核"))
        _deny(_("应由上一级单位审核"))
    note = note.strip()
    if not approve and not note:
        raise ServiceError({"note": [_("退回时请写明原因")]})
    if approve and not report.evidence.exists():
        raise ServiceError({"files": [_("该填报没有证明材料，不能审核通过")]})
    with audit.audited(report, "transition", note=note or _("审核通过")):
        if approve:
            previous = ReportedValue.objects.filter(
                indicator=report.indicator,
                region=report.region,
                org_unit=report.org_unit_id,
                as_of=report.as_of,
                status=ReportedValue.Status.APPROVED,
            )
            previous.update(status=ReportedValue.Status.SUPERSEDED)
        report.status = ReportedValue.Status.APPROVED if approve else ReportedValue.Status.REJECTED
        report.reviewed_by = user
        report.reviewed_at = timezone.now()
        report.review_note = note[:500]
        report.save()
    return report
