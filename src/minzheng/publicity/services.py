"""Writes of publicity: a county or unit files a submission; the bureau office counts it or rejects
it with a reason. Each service checks who acts, validates with field-level Chinese messages, locks
the row it changes and records the audit event in one transaction."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.validators import gathered_past_date

from .models import OFFICE_UNIT, Kind, Status, Submission
from .permissions import files_as_county, files_as_unit, may_review, may_submit

ATTACHMENT_EXTENSIONS = {".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png", ".ofd", ".txt"}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@transaction.atomic
def submit(
    *,
    user,
    title: str,
    kind: str,
    submitted_on,
    outlet: str = "",
    adopted: bool = False,
    adopted_on=None,
    link: str = "",
    attachment=None,
) -> Submission:
    """File one submission for the account's county or unit."""
    if not may_submit(user):
        raise PermissionDeniedError(
            _("只有县（市、区）民政部门、市局科室和局属单位可以报送宣传信息")
        )
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > 200:
        errors["title"] = [_("标题不能超过200个字")]
    if kind not in Kind.values:
        errors["kind"] = [_("请选择类别")]
    unit = user.unit if files_as_unit(user) else None
    if kind == Kind.CAMPAIGN and getattr(unit, "code", "") != OFFICE_UNIT:
        errors["kind"] = [_("集中采访宣传活动由市局办公室登记")]
    day = gathered_past_date(submitted_on, "submitted_on", errors, today=today)
    adopted_day = None
    if adopted:
        adopted_day = gathered_past_date(adopted_on, "adopted_on", errors, today=today)
        if adopted_day and day and adopted_day < day:
            errors.setdefault("adopted_on", []).append(_("采用日期不能早于报送日期"))
    elif kind in (Kind.TV, Kind.PRESS):
        errors.setdefault("adopted", []).append(_("该类别登记已采用的稿件，请填写采用日期"))
    link = (link or "").strip()
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors["link"] = [_("请填写以 http:// 或 https:// 开头的网址")]
    content = b""
    name = ""
    if attachment is not None:
        name = Path(getattr(attachment, "name", "file")).name[:200]
        extension = Path(name).suffix.lower()
        content = attachment.read()
        if extension not in ATTACHMENT_EXTENSIONS:
            errors["attachment"] = [_("不支持的文件类型（可上传 PDF、Word、图片、OFD、文本）")]
        elif not content:
            errors["attachment"] = [_("文件为空")]
        elif len(content) > MAX_ATTACHMENT_BYTES:
            errors["attachment"] = [_("文件超过20MB")]
    if not link and attachment is None:
        errors.setdefault("link", []).append(_("请填写链接或上传附件"))
    if errors:
        raise ServiceError(errors)
    region = unit.region if unit is not None else user.region
    item = Submission(
        title=title,
        kind=kind,
        region=region,
        unit=unit,
        submitted_on=day,
        outlet=(outlet or "").strip()[:100],
        adopted=bool(adopted),
        adopted_on=adopted_day,
        link=link,
        submitted_by=user,
    )
    if content:
        item.sha256 = hashlib.sha256(content).hexdigest()
        item.extension = Path(name).suffix.lower()[:10]
        item.attachment_name = name
        item.attachment.save(
            f"{item.sha256[:16]}{item.extension}", ContentFile(content), save=False
        )
    item.save()
    audit.record_created(item, note=_("报送宣传信息"))
    return item


@transaction.atomic
def review(*, user, submission: Submission, count: bool, reason: str = "") -> Submission:
    """The bureau office counts a submission or rejects it with a reason; once only."""
    if not may_review(user):
        raise PermissionDeniedError(_("宣传信息由市局办公室审核"))
    item = Submission.objects.select_for_update().select_related("region").get(pk=submission.pk)
    if item.status != Status.SUBMITTED:
        raise ServiceError({"status": [_("该信息已审核")]}, status=409)
    reason = (reason or "").strip()
    if not count and not reason:
        raise ServiceError({"reason": [_("不予计数时请写明原因")]})
    if len(reason) > 200:
        raise ServiceError({"reason": [_("原因不能超过200个字")]})
    with audit.audited(item, "transition", note=reason or _("计数")):
        item.status = Status.COUNTED if count else Status.REJECTED
        item.reject_reason = "" if count else reason
        item.reviewed_by = user
        item.reviewed_at = timezone.now()
        item.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    return item


def side_of(user) -> str:
    """Who the account files for, as shown on the form."""
    if files_as_unit(user):
        return user.unit.name
    if files_as_county(user):
        return user.region.name
    return ""
