"""The verification parameters page (核对参数): the look-back windows and lists the rules read,
in force for a region and programme today, and for the city's business section or an
administrator a form to put a new value in force from a date. Values are ordinary standards of the
assistance registry (`minzheng.verification.params.standard_specs`), set through
`assistance.services.set_standard`, which checks the setter's role and region and audits the
change; a run resolves them on its reference date, so a change affects the runs started after it
and never a finished run."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.assistance.params import PROGRAMME_BY_CODE, Unit, spec_for
from minzheng.assistance.selectors import standards_in_force
from minzheng.assistance.services import can_set_standards, set_standard
from minzheng.core.errors import ServiceError
from minzheng.regions.models import Region
from minzheng.regions.selectors import get_region, regions_for

from .params import REQUIRED_SOURCES_DEFAULT, STANDARD_KEYS
from .views import verification_page

PROGRAMMES = tuple(REQUIRED_SOURCES_DEFAULT)


def _regions(user) -> list[Region]:
    """Where a standard is set: the city, a county or a functional zone."""
    return list(
        regions_for(user)
        .filter(level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.ZONE])
        .order_by("code")
    )


def _shown(spec, value) -> str:
    if value is None:
        return _("尚未设定")
    if spec.unit == Unit.SET:
        labels = [str((spec.choices or {}).get(code, code)) for code in sorted(value)]
        return "、".join(labels) if labels else _("（无）")
    return f"{value} {Unit.LABELS[spec.unit]}"


def _rows(programme: str, region: Region) -> list[dict]:
    in_force = standards_in_force(programme, region, timezone.localdate())
    rows = []
    for key in STANDARD_KEYS:
        spec = spec_for(programme, key)
        resolved = in_force.get(key)
        value = resolved.value if resolved is not None else None
        rows.append(
            {
                "key": key,
                "spec": spec,
                "value": value,
                "shown": _shown(spec, value),
                "unit_label": Unit.LABELS[spec.unit],
                "effective_from": resolved.effective_from if resolved else None,
                "region_code": resolved.region_code if resolved else "",
                "choices": [
                    {"code": code, "label": label, "checked": code in (value or ())}
                    for code, label in (spec.choices or {}).items()
                ],
            }
        )
    return rows


@verification_page
def parameters(request):
    user = request.user
    regions = _regions(user)
    region_code = request.GET.get("region") or (regions[0].code if regions else "")
    programme = request.GET.get("programme", "dibao_urban")
    if programme not in PROGRAMMES:
        programme = "dibao_urban"
    region = get_region(user, region_code) if region_code else None
    rows = _rows(programme, region) if region is not None else []
    names = {
        r.code: r.name for r in Region.objects.filter(code__in={r["region_code"] for r in rows})
    }
    for row in rows:
        row["region_name"] = names.get(row["region_code"], "")
    may_set = can_set_standards(user)
    editing = next((r for r in rows if r["key"] == request.GET.get("edit")), None)
    return render(
        request,
        "verification/parameters.html",
        {
            "regions": regions,
            "region": region,
            "programmes": [(code, gettext(PROGRAMME_BY_CODE[code].name)) for code in PROGRAMMES],
            "programme": programme,
            "rows": rows,
            "may_set": may_set,
            "editing": editing if may_set else None,
            "today": timezone.localdate(),
        },
    )


def _value_from(post, spec):
    if spec.unit == Unit.SET:
        return post.getlist("value")
    raw = post.get("value", "").strip()
    if not raw.isdigit():
        raise ServiceError({"value": [_("应为非负整数")]})
    return int(raw)


@require_POST
@verification_page
def set_parameter(request):
    user = request.user
    post = request.POST
    programme, key = post.get("programme", ""), post.get("key", "")
    back = {"region": post.get("region", ""), "programme": programme}
    try:
        spec = spec_for(programme, key) if key in STANDARD_KEYS else None
        if programme not in PROGRAMMES or spec is None:
            raise ServiceError({"key": [_("该项目没有此参数")]})
        try:
            effective_from = dt.date.fromisoformat(post.get("effective_from", ""))
        except ValueError:
            raise ServiceError({"effective_from": [_("生效日期无效")]}) from None
        region = get_region(user, post.get("region", ""))
        set_standard(
            user=user,
            programme=programme,
            key=key,
            region=region,
            effective_from=effective_from,
            value=_value_from(post, spec),
            reason=post.get("reason", ""),
        )
    except ServiceError as exc:
        for field_messages in exc.errors.values():
            for message in field_messages:
                messages.error(request, message)
        back["edit"] = key
    else:
        messages.success(
            request,
            _("已登记“%(label)s”的新参数，自 %(date)s 起适用于此后发起的核对；已完成的核对不受影响")
            % {"label": spec.label, "date": effective_from.isoformat()},
        )
    return redirect(f"{reverse('verification:parameters')}?{urlencode(back)}")
