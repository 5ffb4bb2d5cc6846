"""The disaster-relief pages: events with their reports and timeline, affected households,
relief decisions and their publicity, rescue teams with training, drills and model communities.
Every write goes through services (check, lock, transition, audit); a ServiceError's messages
are shown next to their fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db.models import Case, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import parse_yuan
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region
from minzheng.web.views.base import page, paginate

from . import imports, selectors, services
from .models import (
    DecisionStatus,
    DisasterType,
    EventStatus,
    HouseLoss,
    ModelLevel,
    ModelResult,
    Publicity,
    ReliefForm,
    ReliefKind,
    ReportKind,
    ResponseLevel,
)
from .permissions import may_approve, may_enter, may_report, may_see

disaster_page = page(check=may_see)
FIGURES = services.REPORT_FIGURES


class Input:
    """Reads a POST into typed values, collecting field-level messages."""

    def __init__(self, data):
        self.data, self.errors = data, {}

    def text(self, field: str) -> str:
        return (self.data.get(field) or "").strip()

    def count(self, field: str, *, high: int = services.MAX_COUNT) -> int:
        text = self.text(field) or "0"
        if not text.isdigit() or int(text) > high:
            self.errors[field] = [_("须为不小于零的整数")]
            return 0
        return int(text)

    def fen(self, field: str, *, required: bool = False) -> int:
        text = self.text(field)
        if not text and not required:
            return 0
        try:
            value = parse_yuan(text)
            if value < 0:
                raise ValueError
            return value
        except ValueError:
            self.errors[field] = [_("请填写金额（元，最多两位小数）")]
            return 0

    def decimal(self, field: str) -> Decimal:
        try:
            return Decimal(self.text(field) or "0")
        except InvalidOperation:
            return Decimal("-1")  # the service names the field

    def date(self, field: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.text(field))
        except ValueError:
            self.errors[field] = [_("请填写日期")]
            return None

    def moment(self, field: str) -> dt.datetime | None:
        try:
            value = dt.datetime.fromisoformat(self.text(field))
        except ValueError:
            self.errors[field] = [_("请填写日期和时间")]
            return None
        return timezone.make_aware(value) if timezone.is_naive(value) else value

    def region(self, field: str, level: str) -> Region | None:
        region = Region.objects.filter(code=self.text(field), level=level).first()
        if region is None:
            self.errors[field] = [_("请选择区划")]
        return region

    def check(self):
        if self.errors:
            raise ServiceError(self.errors)


def _attempt(request, action, success: str):
    """Run a write; on success a message and None, on a ServiceError its field messages."""
    try:
        action()
    except ServiceError as exc:
        return exc.errors
    messages.success(request, success)
    return None


def _counties(user):
    return [
        r
        for r in Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY)
        if region_in_scope(user, r)
    ]


# ---------------------------------------------------------------- events


@disaster_page
def index(request):
    errors = None
    if request.method == "POST":
        form = Input(request.POST)

        def create():
            county = form.region("county", Region.Level.COUNTY)
            started = form.moment("started_at")
            areas = list(
                Region.objects.filter(code__in=request.POST.getlist("areas")).exclude(code="")
            )
            form.check()
            event = services.create_event(
                user=request.user,
                name=form.text("name"),
                disaster_type=form.text("disaster_type"),
                county=county,
                started_at=started,
                areas=areas,
                response_level=form.text("response_level"),
                description=form.text("description"),
            )
            request.created_event = event

        errors = _attempt(request, create, _("灾害事件已登记"))
        if errors is None:
            return redirect("disaster:event", request.created_event.pk)
    status = request.GET.get("status", "")
    events = selectors.events_for(request.user)
    if status in EventStatus.values:
        events = events.filter(status=status)
    counties = _counties(request.user)
    townships = Region.objects.filter(
        parent__in=counties, level=Region.Level.TOWNSHIP
    ).select_related("parent")
    return render(
        request,
        "disaster/index.html",
        {
            "events": paginate(request, events),
            "status": status,
            "statuses": EventStatus.choices,
            "may_report": may_report(request.user),
            "types": DisasterType.choices,
            "levels": ResponseLevel.choices,
            "counties": counties,
            "townships": townships,
            "errors": errors or {},
            "posted": request.POST if errors else {},
        },
    )


def _timeline(event, reports):
    items = [
        {"at": event.started_at, "text": _("灾害发生"), "kind": "start"},
    ]
    for change in event.levels.all():
        items.append(
            {
                "at": change.changed_at,
                "text": (change.get_level_display() if change.level else _("终止应急响应"))
                + (f"：{change.note}" if change.note else ""),
                "kind": "level",
            }
        )
    for report in reports:
        items.append(
            {
                "at": report.submitted_at,
                "text": _("报送%(k)s") % {"k": report.get_kind_display()},
                "kind": "report",
                "late": report.late,
            }
        )
    if event.ended_at:
        items.append({"at": event.ended_at, "text": _("灾情结束"), "kind": "end"})
    return sorted(items, key=lambda item: item["at"])


@disaster_page
def event(request, pk: int):
    event = selectors.get_event(request.user, pk)
    errors, form_name = None, request.POST.get("form", "")
    if request.method == "POST":
        if not (may_approve if form_name == "publish" else may_report)(request.user):
            raise PermissionDeniedError()
        form = Input(request.POST)

        def report():
            kind = form.text("kind")
            covers = form.date("covers_on") if kind == ReportKind.CONTINUING else None
            figures = {f: form.count(f) for f in FIGURES}
            loss = form.fen("direct_loss")
            if "direct_loss" in form.errors:
                form.errors["direct_loss_fen"] = form.errors.pop("direct_loss")
            form.check()
            services.submit_report(
                user=request.user,
                event_id=event.pk,
                kind=kind,
                covers_on=covers,
                crop_area_ha=form.decimal("crop_area_ha"),
                direct_loss_fen=loss,
                note=form.text("note"),
                **figures,
            )

        def level():
            services.change_level(
                user=request.user,
                event_id=event.pk,
                level=form.text("level"),
                note=form.text("note"),
            )

        def end():
            ended = form.moment("ended_at")
            form.check()
            services.end_event(user=request.user, event_id=event.pk, ended_at=ended)

        def publish():
            township = form.region("township", Region.Level.TOWNSHIP)
            starts, ends = form.date("starts_on"), form.date("ends_on")
            form.check()
            services.publish(
                user=request.user,
                event_id=event.pk,
                township=township,
                starts_on=starts,
                ends_on=ends,
            )

        actions = {
            "report": (report, _("报告已报送")),
            "level": (level, _("应急响应级别已调整")),
            "end": (end, _("已登记灾情结束")),
            "publish": (publish, _("公示已发布")),
        }
        if form_name not in actions:
            raise NotFoundOrOutOfScope()
        action, success = actions[form_name]
        errors = _attempt(request, action, success)
        if errors is None:
            return redirect("disaster:event", event.pk)
        event = selectors.get_event(request.user, pk)
    status = selectors.report_status(event)
    totals = selectors.household_totals(event, request.user)
    today = timezone.localdate()
    return render(
        request,
        "disaster/event.html",
        {
            "event": event,
            "status": status,
            "timeline": _timeline(event, status["reports"]),
            "totals": totals,
            "kinds": ReportKind.choices,
            "levels": ResponseLevel.choices,
            "figures": [(f, services.REPORT_LABELS[f]) for f in FIGURES],
            "may_report": may_report(request.user) and event.status != EventStatus.VERIFIED,
            "may_publish": may_approve(request.user),
            "publicities": selectors.publicities_for(request.user, event),
            "townships": [a for a in event.areas.all() if a.level == Region.Level.TOWNSHIP]
            or list(Region.objects.filter(parent=event.county, level=Region.Level.TOWNSHIP)),
            "today": today,
            "errors": errors or {},
            "form_name": form_name if errors else "",
            "posted": request.POST if errors else {},
        },
    )


# ---------------------------------------------------------------- households


@disaster_page
def households(request, pk: int):
    event = selectors.get_event(request.user, pk)
    errors, result = None, None
    if request.method == "POST":
        if not may_enter(request.user):
            raise PermissionDeniedError()
        form = Input(request.POST)
        form_name = request.POST.get("form", "")

        def add_one():
            household, _person = people_selectors.find_household(
                request.user, form.text("household")
            )
            if household is None:
                form.errors["household"] = [_("管辖范围内没有这个家庭编号或身份证号码")]
            values = {f: form.count(f, high=100) for f in ("affected_people", "evacuated")}
            values["property_loss_fen"] = form.fen("property_loss")
            form.check()
            services.add_affected(
                user=request.user,
                event_id=event.pk,
                household=household,
                house_loss=form.text("house_loss") or HouseLoss.NONE,
                need_emergency=bool(request.POST.get("need_emergency")),
                need_transitional=bool(request.POST.get("need_transitional")),
                need_winter_spring=bool(request.POST.get("need_winter_spring")),
                need_rebuild=bool(request.POST.get("need_rebuild")),
                **values,
            )

        def add_village():
            village = form.region("village", Region.Level.VILLAGE)
            form.check()
            request.added = services.add_village(
                user=request.user,
                event_id=event.pk,
                village=village,
                house_loss=form.text("house_loss") or HouseLoss.NONE,
                need_emergency=bool(request.POST.get("need_emergency")),
            )

        if form_name == "import":
            upload = request.FILES.get("file")
            try:
                result = imports.import_households(
                    user=request.user,
                    event_id=event.pk,
                    data=upload.read() if upload else b"",
                    name=upload.name if upload else "",
                )
            except ServiceError as exc:
                errors = exc.errors
        elif form_name == "village":
            errors = _attempt(request, add_village, _("已按村登记受灾户"))
            if errors is None:
                messages.info(request, _("新登记 %(n)s 户") % {"n": request.added})
                return redirect("disaster:households", event.pk)
        else:
            errors = _attempt(request, add_one, _("受灾户已登记"))
            if errors is None:
                return redirect("disaster:households", event.pk)
    rows = selectors.households_for(request.user, event)
    villages = Region.objects.filter(
        level=Region.Level.VILLAGE, path__startswith=event.county.path
    ).order_by("code")
    villages = [v for v in villages if region_in_scope(request.user, v)]
    return render(
        request,
        "disaster/households.html",
        {
            "event": event,
            "rows": paginate(request, rows),
            "totals": selectors.household_totals(event, request.user),
            "may_enter": may_enter(request.user) and event.status != EventStatus.VERIFIED,
            "losses": HouseLoss.choices,
            "villages": villages,
            "headers": imports.template_headers(),
            "errors": errors or {},
            "result": result,
            "posted": request.POST if errors else {},
        },
    )


# ---------------------------------------------------------------- decisions


@disaster_page
def decisions(request, pk: int):
    event = selectors.get_event(request.user, pk)
    errors = None
    affected = None
    if request.GET.get("affected", "").isdigit():
        affected = selectors.get_affected(request.user, int(request.GET["affected"]))
    if request.method == "POST":
        form = Input(request.POST)
        form_name = request.POST.get("form", "")

        def propose():
            amount = form.fen("amount", required=True)
            if "amount" in form.errors:
                form.errors["amount_fen"] = form.errors.pop("amount")
            target = request.POST.get("affected", "")
            if not target.isdigit():
                raise NotFoundOrOutOfScope()
            form.check()
            services.propose_relief(
                user=request.user,
                affected_id=int(target),
                kind=form.text("kind"),
                form=form.text("relief_form"),
                amount_fen=amount,
                items=form.text("items"),
            )

        def decide():
            decision_id = request.POST.get("decision", "")
            if not decision_id.isdigit():
                raise NotFoundOrOutOfScope()
            services.decide_relief(
                user=request.user,
                decision_id=int(decision_id),
                approve=form_name == "approve",
                reason=form.text("reason"),
            )

        def handover():
            decision_id = request.POST.get("decision", "")
            if not decision_id.isdigit():
                raise NotFoundOrOutOfScope()
            on = form.date("handed_over_on")
            form.check()
            services.hand_over_goods(user=request.user, decision_id=int(decision_id), on=on)

        if form_name == "handover":
            errors = _attempt(request, handover, _("已登记实物发放"))
        elif form_name == "propose":
            errors = _attempt(request, propose, _("救助已提出，待县级审批"))
        elif form_name in ("approve", "refuse"):
            success = (
                _("已批准，已转入一次性救助待发放") if form_name == "approve" else _("已不予批准")
            )
            errors = _attempt(request, decide, success)
        else:
            raise NotFoundOrOutOfScope()
        if errors is None:
            return redirect("disaster:decisions", event.pk)
    status = request.GET.get("status", "")
    rows = selectors.decisions_for(
        request.user, event, status=status if status in DecisionStatus.values else ""
    )
    return render(
        request,
        "disaster/decisions.html",
        {
            "event": event,
            "rows": paginate(request, rows.order_by(_proposed_first, "-id")),
            "status": status,
            "statuses": DecisionStatus.choices,
            "affected": affected,
            "kinds": ReliefKind.choices,
            "forms": ReliefForm.choices,
            "may_enter": may_enter(request.user),
            "may_approve": may_approve(request.user),
            "today": timezone.localdate(),
            "errors": errors or {},
            "posted": request.POST if errors else {},
        },
    )


# The decisions waiting for the county come first.
_proposed_first = Case(When(status=DecisionStatus.PROPOSED, then=0), default=1)


def _publicity_context(item) -> dict:
    rows = list(selectors.publicity_rows(item))
    return {
        "publicity": item,
        "rows": [
            {
                "name": people_selectors.masked_name(d.affected.household.head.name, keep_last=True)
                if d.affected.household.head
                else "",
                "id_masked": d.affected.household.head.id_masked
                if d.affected.household.head
                else "",
                "decision": d,
            }
            for d in rows
        ],
        "total": sum(d.amount_fen for d in rows),
    }


@disaster_page
def publicity(request, pk: int):
    item = selectors.get_publicity(request.user, pk)
    return render(
        request,
        "disaster/publicity.html",
        _publicity_context(item) | {"staff": True, "today": timezone.localdate()},
    )


def public_publicity(request, pk: int):
    """The public list, open to anyone without signing in, during its publicity period only;
    names and ID numbers masked. Outside the period it does not exist."""
    today = timezone.localdate()
    item = (
        Publicity.objects.select_related("event", "township")
        .filter(pk=pk, starts_on__lte=today, ends_on__gte=today)
        .first()
    )
    if item is None:
        raise Http404()
    return render(request, "disaster/publicity.html", _publicity_context(item))


# ---------------------------------------------------------------- preparedness


@disaster_page
def teams(request):
    errors = None
    if request.method == "POST":
        if not may_report(request.user):
            raise PermissionDeniedError()
        form = Input(request.POST)

        def create():
            county = form.region("county", Region.Level.COUNTY)
            form.check()
            services.create_team(user=request.user, name=form.text("name"), county=county)

        errors = _attempt(request, create, _("队伍已登记"))
        if errors is None:
            return redirect("disaster:teams")
    rows = selectors.teams_for(request.user).select_related("county")
    from django.db.models import Count, Q

    rows = rows.annotate(
        member_count=Count("members", distinct=True),
        trained=Count("sessions__results", distinct=True),
        passed=Count("sessions__results", filter=Q(sessions__results__passed=True), distinct=True),
    )
    return render(
        request,
        "disaster/teams.html",
        {
            "teams": rows,
            "counties": _counties(request.user),
            "may_report": may_report(request.user),
            "errors": errors or {},
            "posted": request.POST if errors else {},
        },
    )


@disaster_page
def team(request, pk: int):
    item = selectors.get_team(request.user, pk)
    errors = None
    if request.method == "POST":
        if not may_report(request.user):
            raise PermissionDeniedError()
        form = Input(request.POST)
        form_name = request.POST.get("form", "")

        def member():
            text = form.text("member")
            person = (
                people_selectors.search_people(request.user, text).first()
                if len(text) >= 15
                else None
            )
            account = None
            if person is None:
                from minzheng.accounts.models import User

                account = User.objects.filter(username=text).select_related("region").first()
            if person is None and account is None:
                form.errors["member"] = [_("管辖范围内没有这个身份证号码或账号")]
            form.check()
            services.add_member(user=request.user, team_id=item.pk, person=person, account=account)

        def training():
            held = form.date("held_on")
            results = {}
            for m in item.members.all():
                if request.POST.get(f"trained_{m.pk}"):
                    results[m.pk] = bool(request.POST.get(f"passed_{m.pk}"))
            form.check()
            services.record_training(
                user=request.user,
                team_id=item.pk,
                held_on=held,
                subject=form.text("subject"),
                results=results,
            )

        action = {"member": (member, _("队员已增加")), "training": (training, _("培训已登记"))}.get(
            form_name
        )
        if action is None:
            raise NotFoundOrOutOfScope()
        errors = _attempt(request, *action)
        if errors is None:
            return redirect("disaster:team", item.pk)
    sessions = item.sessions.prefetch_related("results__member__person", "results__member__account")
    return render(
        request,
        "disaster/team.html",
        {
            "team": item,
            "members": item.members.select_related("person", "account"),
            "sessions": sessions,
            "may_report": may_report(request.user),
            "today": timezone.localdate(),
            "errors": errors or {},
            "posted": request.POST if errors else {},
        },
    )


@disaster_page
def drills(request):
    errors = None
    if request.method == "POST":
        if not may_report(request.user):
            raise PermissionDeniedError()
        form = Input(request.POST)

        def record():
            county = form.region("county", Region.Level.COUNTY)
            held = form.date("held_on")
            meets = request.POST.get("meets_standard", "")
            if meets not in ("yes", "no"):
                form.errors["meets_standard"] = [_("请选择是否达标")]
            form.check()
            services.record_drill(
                user=request.user,
                county=county,
                held_on=held,
                title=form.text("title"),
                meets_standard=meets == "yes",
                note=form.text("note"),
            )

        errors = _attempt(request, record, _("演练已登记"))
        if errors is None:
            return redirect("disaster:drills")
    counties = _counties(request.user)
    passed = set(
        selectors.drills_for(request.user)
        .filter(meets_standard=True)
        .values_list("county_id", flat=True)
    )
    return render(
        request,
        "disaster/drills.html",
        {
            "drills": paginate(request, selectors.drills_for(request.user)),
            "counties": counties,
            "passed": len([c for c in counties if c.pk in passed]),
            "may_report": may_report(request.user),
            "errors": errors or {},
            "posted": request.POST if errors else {},
        },
    )


@disaster_page
def communities(request):
    errors = None
    if request.method == "POST":
        if not may_report(request.user):
            raise PermissionDeniedError()
        form = Input(request.POST)

        def record():
            community = Region.objects.filter(
                code=form.text("community"), level=Region.Level.VILLAGE
            ).first()
            if community is None:
                form.errors["community"] = [_("请填写社区（村）的区划代码")]
            assessed = form.date("assessed_on")
            form.check()
            services.record_assessment(
                user=request.user,
                community=community,
                year=assessed.year,
                level=form.text("level"),
                result=form.text("result"),
                assessed_on=assessed,
            )

        errors = _attempt(request, record, _("评定已登记"))
        if errors is None:
            return redirect("disaster:communities")
    return render(
        request,
        "disaster/communities.html",
        {
            "rows": paginate(request, selectors.assessments_for(request.user)),
            "levels": ModelLevel.choices,
            "results": ModelResult.choices,
            "may_report": may_report(request.user),
            "errors": errors or {},
            "posted": request.POST if errors else {},
        },
    )
