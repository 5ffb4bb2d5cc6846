"""Writes of adoption registration: check role and scope, lock, transition and audit in one
transaction; refusals are ServiceErrors naming their field in Chinese (docs/DOMAIN.md §12.2)."""

from __future__ import annotations

import datetime as dt
import io

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Person
from minzheng.people.selectors import presented_or_error
from minzheng.regions.models import Region

from . import rules, selectors, signals
from .models import NOTICE_SITUATIONS, Adoption, QualityCheck, Situation, Status
from .permissions import is_checker, is_registrar


def _today() -> dt.date:
    return timezone.localdate()


def _require(check, user, message: str = "") -> None:
    if not check(user):
        raise PermissionDeniedError(message or _("当前账号无权办理收养登记业务"))


def _raise(errors: dict) -> None:
    if errors:
        raise ServiceError(errors)


def _person(id_number: str, name: str, *, field: str) -> Person:
    """The person an ID document names, matched with the name on the population registry."""
    return presented_or_error(id_number, name, field=field)


def registry_of(user, registry_code: str = "") -> Region:
    region = getattr(user, "region", None)
    if region is not None and region.level == "county" and not registry_code:
        return region
    found = Region.objects.filter(code=(registry_code or "").strip(), level="county").first()
    if found is None or not region_in_scope(user, found):
        raise ServiceError({"registry_code": [_("请选择县（市、区）民政局")]})
    return found


@transaction.atomic
def apply(
    *,
    user,
    child_id_number: str,
    child_name: str,
    adopter_id_number: str,
    adopter_name: str,
    situation: str,
    placing_party: str,
    spouse_id_number: str = "",
    spouse_name: str = "",
    registry_code: str = "",
    on: dt.date | None = None,
) -> Adoption:
    """Receive an application at the county bureau. A child whose parents cannot be found waits
    for the notice first; any other application is due for a decision 30 days on."""
    _require(is_registrar, user)
    registry = registry_of(user, registry_code)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    people: dict[str, Person] = {}
    parties = [("child", child_id_number, child_name), ("adopter", adopter_id_number, adopter_name)]
    if (spouse_id_number or "").strip() or (spouse_name or "").strip():
        parties.append(("spouse", spouse_id_number, spouse_name))
    for key, number, name in parties:
        try:
            people[key] = _person(number, name, field=f"{key}_id_number")
        except ServiceError as exc:
            errors.update(exc.errors)
    if situation not in Situation.values:
        errors["situation"] = [_("请选择被收养人情况")]
    placing_party = (placing_party or "").strip()
    if not placing_party:
        errors["placing_party"] = [_("请填写送养人（社会福利机构或监护人）")]
    elif len(placing_party) > 100:
        errors["placing_party"] = [_("内容过长，最多%(n)s字") % {"n": 100}]
    child, adopter, spouse = people.get("child"), people.get("adopter"), people.get("spouse")
    if child is not None and rules.age_on(child.birth_date, on) >= 18:
        errors["child_id_number"] = [_("被收养人应为未成年人")]
    if adopter is not None:
        age = rules.age_on(adopter.birth_date, on)
        if age < rules.ADOPTER_MIN_AGE:
            errors["adopter_id_number"] = [
                _("收养人应年满%(n)s周岁，申请日为%(age)s周岁")
                % {"n": rules.ADOPTER_MIN_AGE, "age": age}
            ]
        elif (
            spouse is None
            and child is not None
            and adopter.sex != child.sex
            and rules.age_on(adopter.birth_date, child.birth_date) < rules.SINGLE_OPPOSITE_SEX_GAP
        ):
            errors["adopter_id_number"] = [
                _("无配偶者收养异性子女的，收养人与被收养人的年龄应当相差四十周岁以上")
            ]
    if (
        child is not None
        and adopter is not None
        and child.pk in (adopter.pk, getattr(spouse, "pk", 0))
    ):
        errors["child_id_number"] = [_("被收养人不能是收养人本人")]
    _raise(errors)
    needs_notice = situation in NOTICE_SITUATIONS
    adoption = Adoption(
        registry=registry,
        child=child,
        adopter=adopter,
        adopter_spouse=spouse,
        situation=situation,
        placing_party=placing_party,
        applied_on=on,
        status=Status.NOTICE_DUE if needs_notice else Status.PENDING,
        decision_due_on=None if needs_notice else rules.decision_due(on),
        handled_by_name=actor_name(user),
    )
    try:
        with transaction.atomic():
            adoption.save()
    except IntegrityError:
        raise ServiceError(
            {"child_id_number": [_("该儿童已有未办结或已登记的收养")]}, status=409
        ) from None
    audit.record_created(adoption, note=str(adoption.get_situation_display()))
    return adoption


def _locked(user, adoption: Adoption, *states) -> Adoption:
    _require(is_registrar, user)
    adoption = selectors.get_adoption(user, adoption.pk)
    adoption = Adoption.objects.select_for_update().get(pk=adoption.pk)
    if adoption.status not in states:
        raise ServiceError(
            {
                "status": [
                    _("该申请当前为“%(s)s”，不能办理此项") % {"s": adoption.get_status_display()}
                ]
            },
            status=409,
        )
    return adoption


@transaction.atomic
def publish_notice(*, user, adoption: Adoption, on: dt.date | None = None) -> Adoption:
    """The notice seeking the child's birth parents is published; it runs 60 days."""
    adoption = _locked(user, adoption, Status.NOTICE_DUE)
    on = on or _today()
    if on < adoption.applied_on:
        raise ServiceError({"on": [_("公告日期不能早于申请日期")]})
    with audit.audited(adoption, note=_("发布查找生父母公告")):
        adoption.status = Status.UNDER_NOTICE
        adoption.notice_published_on = on
        adoption.notice_ends_on = rules.notice_ends(on)
        adoption.save()
    return adoption


@transaction.atomic
def close_notice(
    *, user, adoption: Adoption, parents_claimed: bool = False, on: dt.date | None = None
) -> Adoption:
    """The notice has run its 60 days: unclaimed, the child counts as one whose parents cannot
    be found and the 30 days to decide start; claimed, the application cannot proceed."""
    adoption = _locked(user, adoption, Status.UNDER_NOTICE)
    on = on or _today()
    if on < adoption.notice_ends_on and not parents_claimed:
        raise ServiceError(
            {
                "on": [
                    _("公告期至%(d)s届满，届满前不能结束公告")
                    % {"d": adoption.notice_ends_on.isoformat()}
                ]
            }
        )
    with audit.audited(adoption, note=_("公告结束")):
        adoption.notice_closed_on = on
        adoption.parents_claimed = bool(parents_claimed)
        if parents_claimed:
            adoption.status = Status.REFUSED
            adoption.refusal_reason = _("公告期间生父母或其他监护人认领，不符合收养条件")
            adoption.decided_on = on
            adoption.decided_by_name = actor_name(user)
        else:
            adoption.status = Status.PENDING
            adoption.decision_due_on = rules.decision_due(max(on, adoption.notice_ends_on))
        adoption.save()
    return adoption


def _next_certificate(registry: Region, year: int) -> int:
    Region.objects.select_for_update().filter(pk=registry.pk).first()
    last = Adoption.objects.filter(registry=registry, certificate_year=year).aggregate(
        m=Max("certificate_seq")
    )["m"]
    return (last or 0) + 1


@transaction.atomic
def decide(
    *, user, adoption: Adoption, approve: bool, reason: str = "", on: dt.date | None = None
) -> Adoption:
    """准予登记 issues certificate SY<registry>-<year>-<sequence>; 不予登记 needs a reason. Blocked
    while a notice has not ended."""
    if adoption.status in (Status.NOTICE_DUE, Status.UNDER_NOTICE):
        _require(is_registrar, user)
        selectors.get_adoption(user, adoption.pk)
        raise ServiceError(
            {"status": [_("须先发布查找生父母公告并待公告期满（60日）后才能作出决定")]},
            status=409,
        )
    adoption = _locked(user, adoption, Status.PENDING)
    on = on or _today()
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError({"reason": [_("不予登记须说明理由")]})
    if len(reason) > 500:
        raise ServiceError({"reason": [_("内容过长，最多%(n)s字") % {"n": 500}]})
    with audit.audited(adoption, note=_("准予登记") if approve else _("不予登记")):
        adoption.decided_on = on
        adoption.decided_by_name = actor_name(user)
        if approve:
            seq = _next_certificate(adoption.registry, on.year)
            adoption.status = Status.APPROVED
            adoption.certificate_year, adoption.certificate_seq = on.year, seq
            adoption.certificate_no = f"SY{adoption.registry.code}-{on.year}-{seq:06d}"
        else:
            adoption.status = Status.REFUSED
            adoption.refusal_reason = reason
        adoption.save()
    if approve:
        signals.adoption_registered.send(sender=Adoption, adoption=adoption)
    return adoption


@transaction.atomic
def record_check(
    *, user, adoption: Adoption, passed: bool, defect: str = "", on: dt.date | None = None
) -> QualityCheck:
    _require(is_checker, user, _("只有县级审批员或市局业务科室可以检查收养登记档案"))
    adoption = selectors.get_adoption(user, adoption.pk)
    if adoption.status != Status.APPROVED:
        raise ServiceError({"adoption": [_("只检查已登记的收养")]}, status=409)
    defect = (defect or "").strip()
    if not passed and not defect:
        raise ServiceError({"defect": [_("请填写此项")]})
    check = QualityCheck.objects.create(
        adoption=adoption,
        registry=adoption.registry,
        checked_on=on or _today(),
        passed=bool(passed),
        defect="" if passed else defect[:200],
        checked_by_name=actor_name(user),
    )
    audit.record_created(check, note=_("合格") if passed else defect[:200])
    return check


def certificate_pdf(adoption: Adoption) -> bytes:
    """收养登记证 as a PDF with the embedded CJK font (ID numbers masked)."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfgen import canvas

    from minzheng.core.pdf import cjk_font

    if adoption.status != Status.APPROVED:
        raise ServiceError({"status": [_("该收养尚未登记，没有收养登记证")]}, status=409)
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A5))
    width, height = landscape(A5)
    pdf.setTitle("收养登记证")
    pdf.setFont(font, 24)
    pdf.drawCentredString(width / 2, height - 60, "收养登记证")
    adopters = adoption.adopter.name + (
        f"、{adoption.adopter_spouse.name}" if adoption.adopter_spouse_id else ""
    )
    rows = [
        ("字号", adoption.certificate_no),
        ("收养人", adopters),
        ("被收养人", f"{adoption.child.name}  {adoption.child.id_masked}"),
        ("送养人", adoption.placing_party),
        ("登记机关", f"{adoption.registry.name}民政局"),
        ("登记日期", adoption.decided_on.strftime("%Y年%m月%d日")),
    ]
    pdf.setFont(font, 12)
    y = height - 110
    for label, value in rows:
        pdf.drawString(70, y, f"{label}：")
        pdf.drawString(170, y, value)
        y -= 26
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
