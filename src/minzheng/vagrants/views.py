"""The relief station's pages, made for a phone or tablet at the station's door: the list of
stays with the limit and schooling filters, the intake form, and a stay's page with one small
form per action (consent, belongings, extension, referral, family contact, exit, schooling,
follow-up). Each action posts to the services; an error comes back next to its form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.core.money import parse_yuan
from minzheng.people.selectors import masked_name
from minzheng.web.views.base import page, paginate

from . import selectors, services
from .models import Arrival, ContactChannel, ExitKind, SchoolStatus, Sex, Stay
from .permissions import may_see, may_write, sees_identity

vagrants_page = page(check=may_see)
writer_page = page(check=may_write, message=gettext_lazy("只有救助管理站工作人员可以办理"))

LIMITS = (
    ("", gettext_lazy("全部")),
    ("over_or_near", gettext_lazy("超期或临近期限")),
    ("over", gettext_lazy("已超期")),
    ("near", gettext_lazy("临近期限")),
    ("school", gettext_lazy("未成年人待跟踪返校")),
)


class Invalid(Exception):
    def __init__(self, errors):
        self.errors = errors


def _date(post, name: str, errors: dict, *, required=True) -> dt.date | None:
    text = (post.get(name) or "").strip()
    if not text:
        if required:
            errors[name] = [_("请填写日期")]
        return None
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if value is None:
        errors[name] = [_("日期格式应为 YYYY-MM-DD")]
    return value


def _int(post, name: str, errors: dict, *, label: str, default=None) -> int | None:
    text = (post.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 6:
        errors[name] = [_("%(f)s应为整数") % {"f": label}]
        return None
    return int(text)


def _fen(post, name: str, errors: dict) -> int:
    text = (post.get(name) or "").strip()
    if not text:
        return 0
    try:
        return parse_yuan(text)
    except (ValueError, ServiceError):
        errors[name] = [_("金额格式应为元，如 120.50")]
        return 0


def _shown_name(stay: Stay, user) -> str:
    name = stay.display_name
    return name if sees_identity(user) else masked_name(name)


@vagrants_page
def index(request):
    user = request.user
    state = request.GET.get("state", "")
    state = state if state in Stay.State.values else ""
    limit = request.GET.get("limit", "")
    limit = limit if limit in dict(LIMITS) else ""
    minor = {"1": True, "0": False}.get(request.GET.get("minor", ""))
    today = timezone.localdate()
    rows = paginate(
        request,
        selectors.filtered(user, state=state, limit=limit, minor=minor).order_by(
            "-arrived_on", "-id"
        ),
    )
    for stay in rows:
        stay.shown_name = _shown_name(stay, user)
        stay.over = stay.state == Stay.State.STAYING and stay.ends_on < today
    return render(
        request,
        "vagrants/index.html",
        {
            "rows": rows,
            "counts": selectors.counts(user),
            "state": state,
            "limit": limit,
            "minor": request.GET.get("minor", ""),
            "states": Stay.State.choices,
            "limits": LIMITS,
            "may_write": may_write(user),
        },
    )


def _intake_values(post) -> dict:
    keys = (
        "arrived_on",
        "arrival",
        "health_on_arrival",
        "id_number",
        "name",
        "birth_date",
        "sex",
        "apparent_age",
        "description",
        "hometown",
        "belongings",
    )
    return {k: post.get(k, "") for k in keys}


def _belongings(text: str) -> list[tuple[str, int]]:
    """One item a line, "物品 × 数量" or "物品 数量" (quantity 1 when left out)."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        what, quantity = line, 1
        for sep in ("×", "x", "X", "*", " "):
            head, _sep, tail = line.rpartition(sep)
            if head.strip() and tail.strip().isdigit():
                what, quantity = head.strip(), int(tail.strip())
                break
        items.append((what, quantity))
    return items


@writer_page
def intake(request):
    errors: dict = {}
    values = {"arrived_on": timezone.localdate().isoformat(), "arrival": "self"}
    if request.method == "POST":
        values = _intake_values(request.POST)
        arrived_on = _date(request.POST, "arrived_on", errors)
        birth_date = _date(request.POST, "birth_date", errors, required=False)
        age = _int(request.POST, "apparent_age", errors, label=_("估计年龄"))
        if not errors:
            try:
                stay = services.register_intake(
                    user=request.user,
                    arrived_on=arrived_on,
                    arrival=values["arrival"],
                    health_on_arrival=values["health_on_arrival"],
                    id_number=values["id_number"],
                    name=values["name"],
                    birth_date=birth_date,
                    sex=values["sex"],
                    apparent_age=age,
                    description=values["description"],
                    hometown=values["hometown"],
                    photo=request.FILES.get("photo"),
                    belongings=_belongings(values["belongings"]),
                )
            except ServiceError as exc:
                errors = exc.errors
            else:
                if stay.person_id:
                    messages.success(request, _("已在人口信息库中找到该人员，登记完成"))
                else:
                    messages.success(request, _("人口信息库中未找到该人员，已按身份未核实人员登记"))
                return redirect("vagrants:detail", pk=stay.pk)
    return render(
        request,
        "vagrants/intake.html",
        {
            "values": values,
            "errors": errors,
            "arrivals": Arrival.choices,
            "sexes": Sex.choices,
        },
    )


def _detail_context(request, stay: Stay, *, errors=None, action="", values=None) -> dict:
    user = request.user
    full = sees_identity(user)
    today = timezone.localdate()
    payable = None
    if stay.ticket_fen:
        from minzheng.payments.models import OneOffPayable

        payable = OneOffPayable.objects.filter(
            source_kind=services.PAYABLE_SOURCE, source_id=stay.pk
        ).first()
    return {
        "stay": stay,
        "shown_name": _shown_name(stay, user),
        "full": full,
        "may_write": may_write(user),
        "today": today,
        "today_iso": today.isoformat(),
        "over": stay.state == Stay.State.STAYING and stay.ends_on < today,
        "days_over": stay.days_over(today),
        "belongings": stay.belongings.all(),
        "extensions": stay.extensions.select_related("decided_by"),
        "referrals": stay.referrals.all(),
        "contacts": stay.contacts.all(),
        "follow_ups": stay.follow_ups.all(),
        "payable": payable,
        "errors": errors or {},
        "action": action,
        "values": values or {},
        "exit_kinds": [
            (v, label)
            for v, label in ExitKind.choices
            if (v in services.MINOR_EXITS if stay.is_minor else v != ExitKind.MINOR_CENTRE)
        ],
        "channels": ContactChannel.choices,
        "school_choices": [
            (v, label)
            for v, label in SchoolStatus.choices
            if v != SchoolStatus.PENDING
            and not (v == SchoolStatus.NOT_APPLICABLE and stay.is_school_age)
        ],
        "kept": [b for b in stay.belongings.all() if b.returned_on is None],
    }


@vagrants_page
def detail(request, pk: int):
    stay = selectors.get_stay(request.user, pk)
    return render(request, "vagrants/detail.html", _detail_context(request, stay))


def _run(request, stay: Stay, action: str):
    post, user, errors = request.POST, request.user, {}
    if action == "consent":
        consent = {"yes": True, "no": False}.get(post.get("consent", ""))
        if consent is None:
            errors["consent"] = [_("请选择是否自愿接受救助")]
        on = _date(post, "on", errors)
        if errors:
            raise Invalid(errors)
        services.record_consent(
            user=user,
            stay=stay,
            consent=consent,
            on=on,
            note=post.get("note", ""),
            signed_by=post.get("signed_by", ""),
        )
        return _("已确认自愿接受救助") if consent else _("已记录拒绝救助，救助终止")
    if action == "belonging":
        quantity = _int(post, "quantity", errors, label=_("数量"), default=1)
        if errors:
            raise Invalid(errors)
        services.add_belonging(
            user=user, stay=stay, description=post.get("description", ""), quantity=quantity
        )
        return _("已登记代管物品")
    if action == "extend":
        new_end_on = _date(post, "new_end_on", errors)
        if errors:
            raise Invalid(errors)
        services.extend(user=user, stay=stay, new_end_on=new_end_on, reason=post.get("reason", ""))
        return _("已延长救助期限")
    if action == "referral":
        referred_on = _date(post, "referred_on", errors)
        cost = _fen(post, "cost", errors)
        if errors:
            raise Invalid(errors)
        services.add_referral(
            user=user,
            stay=stay,
            hospital=post.get("hospital", ""),
            referred_on=referred_on,
            result=post.get("result", ""),
            cost_fen=cost,
        )
        return _("已登记送医救治")
    if action == "contact":
        contacted_on = _date(post, "contacted_on", errors)
        if errors:
            raise Invalid(errors)
        services.add_contact(
            user=user,
            stay=stay,
            contacted_on=contacted_on,
            channel=post.get("channel", ""),
            result=post.get("result", ""),
            reached=post.get("reached") == "1",
        )
        return _("已登记寻亲联系")
    if action == "exit":
        exited_on = _date(post, "exited_on", errors)
        ticket = _fen(post, "ticket", errors)
        if errors:
            raise Invalid(errors)
        services.exit_stay(
            user=user,
            stay=stay,
            kind=post.get("kind", ""),
            exited_on=exited_on,
            destination=post.get("destination", ""),
            ticket_fen=ticket,
            signed_by=post.get("signed_by", ""),
            note=post.get("note", ""),
        )
        return _("已办理离站")
    if action == "school":
        returned_on = _date(post, "returned_on", errors, required=False)
        if errors:
            raise Invalid(errors)
        services.record_school(
            user=user,
            stay=stay,
            status=post.get("status", ""),
            school_name=post.get("school_name", ""),
            returned_on=returned_on,
        )
        return _("已登记返校情况")
    if action == "follow_up":
        visited_on = _date(post, "visited_on", errors)
        if errors:
            raise Invalid(errors)
        services.add_follow_up(
            user=user, stay=stay, visited_on=visited_on, result=post.get("result", "")
        )
        return _("已登记离站回访")
    return None


@writer_page
@require_POST
def act(request, pk: int, action: str):
    stay = selectors.get_stay(request.user, pk)
    try:
        done = _run(request, stay, action)
    except (ServiceError, Invalid) as exc:
        stay = selectors.get_stay(request.user, pk)
        context = _detail_context(
            request, stay, errors=exc.errors, action=action, values=request.POST
        )
        status = getattr(exc, "status", 422)
        return render(request, "vagrants/detail.html", context, status=status)
    if done is None:
        from django.http import Http404

        raise Http404(_("没有这项操作"))
    messages.success(request, done)
    return redirect("vagrants:detail", pk=pk)
