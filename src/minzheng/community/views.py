"""Pages of points-based management (phone friendly: the village worker at the shop, the
resident on the phone), the township's confirmations, the community-building registers and the
workbench cards."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services
from .models import CHECKLIST, AwardStatus, RedemptionStatus
from .permissions import (
    is_resident,
    may_accept,
    may_confirm,
    may_keep_points,
    may_keep_registers,
    may_read_points,
    may_read_registers,
    may_use_community,
    points_names,
    role_of,
)

community_page = page(check=lambda u: may_use_community(u) or is_resident(u))
points_page = page(check=lambda u: may_read_points(u) or is_resident(u))
staff_points_page = page(check=may_read_points)
resident_page = page(check=is_resident, message=_("仅居民本人可使用"))
register_page = page(check=may_read_registers)


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def _name(user, name: str) -> str:
    return name if points_names(user) else masked_name(name)


@community_page
def index(request):
    user = request.user
    if is_resident(user):
        return redirect("community:me")
    if role_of(user) == "village_worker" and user.region and user.region.level == "village":
        return redirect("community:village", user.region.code)
    today = timezone.localdate()
    context = {"may_points": may_read_points(user), "may_registers": may_read_registers(user)}
    if context["may_points"]:
        villages = selectors.villages_for(user).filter(
            pk__in=selectors.awards_for(user).values("region_id")
        )
        context["villages"] = paginate(request, villages.order_by("code"))
        context["pending"] = selectors.pending_confirmations(user).count()
        context["may_confirm"] = may_confirm(user)
    if context["may_registers"]:
        context["sites"] = selectors.sites_for(user, year=today.year).count()
        context["year"] = today.year
    return render(request, "community/index.html", context)


# ---------------------------------------------------------------- a village's points


def _award_form(village, data=None, files=None):
    form = forms.AwardForm(data, files)
    form.fields["person_id"].choices = [("", "—")] + [
        (p.pk, f"{p.name}（{p.id_masked}）") for p in selectors.residents_of(village)[:1000]
    ]
    form.fields["rule_id"].choices = [("", "—")] + [
        (r.pk, f"{r.name}（{r.signed_points:+d}）") for r in selectors.rules_of(village)
    ]
    return form


@points_page
def village(request, code: str):
    user = request.user
    village = selectors.get_village(user, code)
    if is_resident(user):
        return redirect("community:me")
    keeper = may_keep_points(user)
    award_form = _award_form(village) if keeper else None
    rule_form = forms.RuleForm() if keeper else None
    status = 200
    if request.method == "POST":
        if not keeper:
            raise Http404()
        if request.POST.get("form") == "rule":
            rule_form = forms.RuleForm(request.POST)
            if rule_form.is_valid():
                try:
                    services.create_rule(user=user, village=village, **rule_form.cleaned_data)
                except ServiceError as exc:
                    apply_service_error(rule_form, exc)
                else:
                    messages.success(request, _("已添加积分项目"))
                    return redirect("community:village", code)
        else:
            award_form = _award_form(village, request.POST, request.FILES)
            if award_form.is_valid():
                try:
                    award = services.award_points(
                        user=user, village=village, **award_form.cleaned_data
                    )
                except ServiceError as exc:
                    apply_service_error(award_form, exc)
                else:
                    if award.status == AwardStatus.PENDING:
                        messages.success(request, _("已登记，待乡镇（街道）确认后生效"))
                    else:
                        messages.success(request, _("已登记积分"))
                    return redirect("community:village", code)
        status = 422
    awards = list(selectors.awards_for(user, village=village).order_by("-awarded_on", "-id")[:20])
    for a in awards:
        a.shown_name = _name(user, a.person.name)
    return render(
        request,
        "community/village.html",
        {
            "village": village,
            "rules": selectors.rules_of(village),
            "awards": awards,
            "award_form": award_form,
            "rule_form": rule_form,
            "revise_form": forms.ReviseForm(),
            "keeper": keeper,
            "waiting": selectors.redemptions_for(
                user, village=village, status=RedemptionStatus.RESERVED
            ).count(),
        },
        status=status,
    )


@staff_points_page
@require_POST
def rule_action(request, pk: int, action: str):
    rule = selectors.get_rule(request.user, pk)
    try:
        if action == "revise":
            form = forms.ReviseForm(request.POST)
            if not form.is_valid():
                raise ServiceError({k: list(v) for k, v in form.errors.items()})
            services.revise_rule(user=request.user, rule=rule, **form.cleaned_data)
        elif action == "retire":
            services.retire_rule(user=request.user, rule=rule)
        else:
            raise Http404()
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已保存"))
    return redirect("community:village", rule.region.code)


@points_page
def award_detail(request, pk: int):
    user = request.user
    award = selectors.get_award(user, pk)
    forms_by_action = {
        "decide": forms.DecideForm(prefix="decide"),
        "reverse": forms.ReverseForm(prefix="reverse"),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in forms_by_action or is_resident(user):
            raise Http404()
        form = {"decide": forms.DecideForm, "reverse": forms.ReverseForm}[action](
            request.POST, prefix=action
        )
        forms_by_action[action] = form
        if form.is_valid():
            try:
                if action == "decide":
                    services.decide_award(user=user, award=award, **form.cleaned_data)
                else:
                    services.reverse_award(user=user, award=award, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                if not form.errors:
                    form.add_error(None, _errors_text(exc))
            else:
                messages.success(request, _("已保存"))
                return redirect("community:award_detail", pk)
        status = 422
        award = selectors.get_award(user, pk)
    award.shown_name = (
        award.person.name if user.person_id == award.person_id else _name(user, award.person.name)
    )
    reversal = getattr(award, "reversal", None) if hasattr(award, "reversal") else None
    return render(
        request,
        "community/award_detail.html",
        {
            "award": award,
            "reversal": reversal,
            "may_decide": may_confirm(user) and award.status == AwardStatus.PENDING,
            "may_reverse": may_keep_points(user)
            and award.status == AwardStatus.EFFECTIVE
            and award.reverses_id is None
            and reversal is None,
            "decide_form": forms_by_action["decide"],
            "reverse_form": forms_by_action["reverse"],
        },
        status=status,
    )


@points_page
def award_photo(request, pk: int):
    award = selectors.get_award(request.user, pk)
    if not award.photo:
        raise Http404()
    audit.record("view", obj=award, note=_("查看积分佐证照片"))
    content_type = "image/png" if award.photo_extension == ".png" else "image/jpeg"
    return FileResponse(award.photo.open("rb"), content_type=content_type)


@points_page
def board(request, code: str):
    village = selectors.get_village(request.user, code)
    year = timezone.localdate().year
    rows = [
        {"rank": i, "name": masked_name(r["person__name"], keep_last=True), "points": r["total"]}
        for i, r in enumerate(selectors.board(village, year=year), 1)
    ]
    return render(request, "community/board.html", {"village": village, "rows": rows, "year": year})


@staff_points_page
def confirmations(request):
    rows = list(selectors.pending_confirmations(request.user)[:100])
    for a in rows:
        a.shown_name = _name(request.user, a.person.name)
    return render(request, "community/confirmations.html", {"rows": rows})


# ---------------------------------------------------------------- shop


def _redeem_form(village, data=None):
    form = forms.RedeemForm(data)
    form.fields["person_id"].choices = [("", "—")] + [
        (p.pk, f"{p.name}（{p.id_masked}）") for p in selectors.residents_of(village)[:1000]
    ]
    form.fields["item_id"].choices = [("", "—")] + [
        (
            i.pk,
            _("%(name)s（%(price)s分，库存%(stock)s）")
            % {"name": i.name, "price": i.price, "stock": i.stock},
        )
        for i in selectors.shop_of(village)
    ]
    return form


def _shop_choices(user, village):
    regions = Region.objects.filter(selectors.region_scope_q(user))
    return [(r.code, r.name) for r in regions.filter(pk__in=selectors.shop_regions(village))]


@staff_points_page
def shop(request, code: str):
    user = request.user
    village = selectors.get_village(user, code)
    keeper = may_keep_points(user)
    redeem_form = _redeem_form(village) if keeper else None
    item_form = None
    if keeper:
        item_form = forms.ItemForm()
        item_form.fields["region_code"].choices = _shop_choices(user, village)
    status = 200
    if request.method == "POST":
        if not keeper:
            raise Http404()
        if request.POST.get("form") == "item":
            item_form = forms.ItemForm(request.POST)
            item_form.fields["region_code"].choices = _shop_choices(user, village)
            if item_form.is_valid():
                try:
                    services.add_item(user=user, **item_form.cleaned_data)
                except ServiceError as exc:
                    apply_service_error(item_form, exc)
                else:
                    messages.success(request, _("已上架"))
                    return redirect("community:shop", code)
        else:
            redeem_form = _redeem_form(village, request.POST)
            if redeem_form.is_valid():
                try:
                    services.redeem(user=user, village=village, **redeem_form.cleaned_data)
                except ServiceError as exc:
                    apply_service_error(redeem_form, exc)
                else:
                    messages.success(request, _("已兑换"))
                    return redirect("community:shop", code)
        status = 422
    waiting = list(
        selectors.redemptions_for(user, village=village, status=RedemptionStatus.RESERVED)[:50]
    )
    for r in waiting:
        r.shown_name = _name(user, r.person.name)
    return render(
        request,
        "community/shop.html",
        {
            "village": village,
            "items": selectors.shop_of(village, active_only=False),
            "waiting": waiting,
            "redeem_form": redeem_form,
            "item_form": item_form,
            "keeper": keeper,
        },
        status=status,
    )


@points_page
@require_POST
def redemption_action(request, pk: int, action: str):
    user = request.user
    row = selectors.get_redemption(user, pk)
    try:
        if action == "hand-over" and not is_resident(user):
            services.hand_over(user=user, redemption=row)
        elif action == "cancel":
            services.cancel_redemption(user=user, redemption=row)
        else:
            raise Http404()
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已领取") if action == "hand-over" else _("已取消，积分已退回"))
    if is_resident(user):
        return redirect("community:me")
    return redirect("community:shop", row.region.code)


# ---------------------------------------------------------------- the resident


@resident_page
def me(request):
    user = request.user
    villages = list(selectors.villages_for(user))
    balances = {b.region_id: b for b in selectors.my_balances(user)}
    cards = []
    for v in villages:
        cards.append(
            {
                "village": v,
                "balance": balances.get(v.pk),
                "rules": selectors.rules_of(v),
                "shop": selectors.shop_of(v),
            }
        )
    return render(
        request,
        "community/me.html",
        {
            "cards": cards,
            "history": selectors.awards_for(user).order_by("-awarded_on", "-id")[:50],
            "redemptions": selectors.redemptions_for(user)[:20],
        },
    )


@resident_page
@require_POST
def me_redeem(request, code: str):
    user = request.user
    village = selectors.get_village(user, code)
    item_id = request.POST.get("item_id", "")
    quantity = request.POST.get("quantity", "1")
    try:
        services.redeem(
            user=user,
            village=village,
            item_id=int(item_id) if item_id.isdigit() else None,
            quantity=int(quantity) if quantity.isdigit() else None,
        )
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已提交兑换，请到村（社区）积分超市领取"))
    return redirect("community:me")


# ---------------------------------------------------------------- registers


@register_page
def registers(request):
    user = request.user
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    keeper = may_keep_registers(user)
    acceptor = may_accept(user)
    site_form = forms.SiteForm(initial={"year": year}) if keeper else None
    difficult_form = forms.DifficultForm(initial={"year": year}) if keeper else None
    task_form = None
    if acceptor:
        task_form = forms.StandardTaskForm(initial={"year": year})
        task_form.fields["region_code"].choices = [
            (r.code, r.name)
            for r in Region.objects.filter(selectors.region_scope_q(user), level="county").order_by(
                "code"
            )
        ]
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        form = {"site": site_form, "difficult": difficult_form, "task": task_form}.get(which)
        if form is None:
            raise Http404()
        form = type(form)(request.POST)
        if which == "task":
            form.fields["region_code"].choices = task_form.fields["region_code"].choices
        if form.is_valid():
            call = {
                "site": services.designate_site,
                "difficult": services.list_difficult,
                "task": services.add_standard_task,
            }[which]
            try:
                call(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
        if which == "site":
            site_form = form
        elif which == "difficult":
            difficult_form = form
        else:
            task_form = form
        status = 422
    sites = paginate(request, selectors.sites_for(user, year=year).order_by("region__path"))
    for s in sites:
        s.items = [(code, label, bool(s.checklist.get(code))) for code, label in CHECKLIST]
    difficult = (
        selectors.difficult_for(user, year=year)
        .prefetch_related("tasks")
        .order_by("region__path")[:200]
    )
    tasks = selectors.tasks_for(user, year=year).order_by("region__code", "due_on")[:200]
    return render(
        request,
        "community/registers.html",
        {
            "year": year,
            "years": list(range(today.year, 2015, -1)),
            "sites": sites,
            "difficult": difficult,
            "tasks": tasks,
            "site_form": site_form,
            "difficult_form": difficult_form,
            "task_form": task_form,
            "keeper": keeper,
            "acceptor": acceptor,
            "accept_form": forms.AcceptForm(),
            "task_item_form": forms.TaskForm(),
        },
        status=status,
    )


@register_page
@require_POST
def register_action(request, kind: str, pk: int, action: str):
    user = request.user
    year = ""
    try:
        if kind == "site":
            site = selectors.get_site(user, pk)
            year = site.year
            if action == "checklist":
                services.update_checklist(user=user, site=site, done=request.POST.getlist("done"))
            elif action == "accept":
                form = forms.AcceptForm(request.POST)
                if not form.is_valid():
                    raise ServiceError({k: list(v) for k, v in form.errors.items()})
                services.accept_site(user=user, site=site, **form.cleaned_data)
            else:
                raise Http404()
        elif kind == "difficult":
            village = selectors.get_difficult(user, pk)
            year = village.year
            if action == "task":
                form = forms.TaskForm(request.POST)
                if not form.is_valid():
                    raise ServiceError({k: list(v) for k, v in form.errors.items()})
                services.add_remediation_task(user=user, village=village, **form.cleaned_data)
            elif action == "done" and request.POST.get("task", "").isdigit():
                task = village.tasks.filter(pk=int(request.POST["task"])).first()
                if task is None:
                    raise Http404()
                services.complete_remediation_task(user=user, task=task)
            elif action == "accept":
                services.accept_difficult(
                    user=user, village=village, note=request.POST.get("note", "")
                )
            else:
                raise Http404()
        elif kind == "task" and action == "complete":
            task = selectors.get_task(user, pk)
            year = task.year
            services.complete_standard_task(user=user, task=task, note=request.POST.get("note", ""))
        else:
            raise Http404()
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已保存"))
    return redirect(f"/community/registers/?year={year}")


# ---------------------------------------------------------------- workbench cards


def village_widget_context(user):
    """The village worker: award points, redemptions waiting for hand-over."""
    if role_of(user) != "village_worker" or not may_keep_points(user) or user.region is None:
        return None
    village = user.region
    if village.level != "village":
        return None
    waiting = selectors.redemptions_for(user, village=village, status=RedemptionStatus.RESERVED)
    pending = selectors.awards_for(user, village=village, status=AwardStatus.PENDING).count()
    return {"village": village, "waiting": waiting.count(), "pending": pending}


def confirm_widget_context(user):
    """The township clerk: awards waiting for confirmation."""
    if role_of(user) != "township_clerk" or not may_confirm(user):
        return None
    qs = selectors.pending_confirmations(user)
    rows = list(qs[:5])
    for a in rows:
        a.shown_name = a.person.name
    return {"rows": rows, "count": qs.count()}


def register_widget_context(user):
    """The county: demonstration sites and difficult villages waiting for acceptance."""
    if role_of(user) != "county_approver":
        return None
    year = timezone.localdate().year
    sites = selectors.sites_for(user).filter(status="designated")
    ready = sum(
        1
        for s in sites.select_related(None).only("checklist")
        if all(s.checklist.values()) and s.checklist
    )
    difficult = selectors.difficult_for(user).filter(status="listed")
    tasks = selectors.tasks_for(user, year=year)
    return {
        "sites": sites.count(),
        "ready": ready,
        "difficult": difficult.count(),
        "tasks_open": tasks.filter(completed_on__isnull=True).count(),
        "tasks_late": tasks.filter(
            completed_on__isnull=True, due_on__lt=timezone.localdate()
        ).count(),
        "year": year,
    }


def resident_widget_context(user):
    if not is_resident(user):
        return None
    balances = list(selectors.my_balances(user))
    return {
        "balance": sum(b.balance for b in balances),
        "reserved": selectors.redemptions_for(user, status=RedemptionStatus.RESERVED).count(),
    }
