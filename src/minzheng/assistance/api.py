"""Social-assistance API: quotes (compute without saving) and the standards in force."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.core.apitypes import Date
from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str
from minzheng.regions.selectors import get_region

from . import quotes, selectors, services
from .models import Programme, Standard
from .params import PROGRAMME_BY_CODE, PROGRAMMES, REGISTRY, from_display, spec_for
from .rules.base import display_value
from .schemas import QuoteIn, QuoteOut, StandardHistoryOut, StandardIn, StandardsOut

router = Router(tags=["assistance"])


@router.post("/quote", response=QuoteOut)
def quote(request, payload: QuoteIn):
    """Eligibility and amount for a described household under the standards in force on `date`
    in `region`, with a trace of every standard and figure used. Nothing is saved."""
    result, region = quotes.quote(user=request.user, payload=payload)
    spec = PROGRAMME_BY_CODE[payload.programme]
    return {
        "programme": spec.code,
        "programme_name": spec.name,
        "region": {"code": region.code, "name": region.name},
        "date": payload.date,
        "eligible": result.eligible,
        "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
        "amount_kind": spec.kind,
        "monthly_amount": yuan_str(result.monthly_amount_fen),
        "one_off_amount": yuan_str(result.one_off_amount_fen),
        "members": [
            {
                "index": m.index,
                "relation": m.relation,
                "age": m.age,
                "covered": m.covered,
                "excluded_reason": m.excluded_reason,
                "countable_income": yuan_str(m.countable_income_fen),
                "excluded_income": yuan_str(m.excluded_income_fen),
                "amount": yuan_str(m.amount_fen),
                "detail": m.detail,
            }
            for m in result.members
        ],
        "trace": [
            {"step": t.step, "label": t.label, "value": t.value, "detail": t.detail}
            for t in result.trace
        ],
        "rule_version": result.rule_version,
        "extras": result.extras,
    }


class StandardsFilter(Schema):
    region: str = Field(min_length=6, max_length=12)
    programme: str = ""
    on: Date | None = None


@router.get("/standards", response=StandardsOut)
def standards(request, filters: Query[StandardsFilter]):
    """Every parameter of the programme(s) in force for the region on the date, with the region
    and version it comes from and how a derived value was computed."""
    region = get_region(request.user, filters.region)
    if filters.programme and filters.programme not in REGISTRY:
        raise ServiceError({"programme": [_("救助项目不存在")]})
    on = filters.on or dt.date.today()
    in_force = selectors.all_standards_in_force(region, on)
    items = []
    for programme in PROGRAMMES:
        if filters.programme and programme.code != filters.programme:
            continue
        for key, spec in REGISTRY.get(programme.code, {}).items():
            resolved = in_force.get(programme.code, {}).get(key)
            described = spec.as_dict()
            raw = resolved.value if resolved else None
            items.append(
                {
                    "programme": programme.code,
                    "key": key,
                    "label": described["label"],
                    "unit": spec.unit,
                    "unit_label": described["unit_label"],
                    "description": described["description"],
                    "value": resolved.display()
                    if resolved and resolved.value is not None
                    else None,
                    "raw": sorted(raw)
                    if isinstance(raw, frozenset)
                    else (str(raw) if raw is not None and spec.unit == "ratio" else raw),
                    "region": resolved.region_code if resolved else None,
                    "effective_from": resolved.effective_from if resolved else None,
                    "version": resolved.version if resolved else None,
                    "standard_id": resolved.standard_id if resolved else None,
                    "derivation": resolved.derivation if resolved else None,
                    "set_by": resolved.set_by if resolved else "",
                    "reason": resolved.reason if resolved else "",
                }
            )
    return {"region": {"code": region.code, "name": region.name}, "on": on, "items": items}


def _history_out(standard: Standard) -> dict:
    spec = spec_for(standard.programme.code, standard.key)
    derivation = None
    if standard.derive_kind == Standard.Derivation.STATISTIC:
        derivation = {
            "kind": "statistic",
            "statistic": standard.statistic_key,
            "year_offset": standard.statistic_year_offset,
            "ratio": format(standard.ratio.normalize(), "f"),
            "rounding": standard.rounding,
        }
    elif standard.derive_kind == Standard.Derivation.STANDARD:
        derivation = {
            "kind": "standard",
            "programme": standard.base_programme.code,
            "key": standard.base_key,
            "factor": format(standard.ratio.normalize(), "f"),
            "rounding": standard.rounding,
        }
    value = standard.value
    if spec is not None and value is not None:
        value = display_value(spec.unit, frozenset(value) if spec.unit == "set" else value)
    return {
        "id": standard.pk,
        "programme": standard.programme.code,
        "key": standard.key,
        "region": standard.region.code,
        "effective_from": standard.effective_from,
        "version": standard.version,
        "value": None if value is None else str(value),
        "derivation": derivation,
        "set_by": standard.set_by_name,
        "reason": standard.reason,
        "created_at": standard.created_at,
    }


@router.post("/standards", response={201: StandardHistoryOut})
def set_standard(request, payload: StandardIn):
    """Put a new value (or derivation) of a parameter in force from a date. City business
    section and administrators only; the reason is required and audited."""
    region = get_region(request.user, payload.region)
    spec = spec_for(payload.programme, payload.key)
    if spec is None:
        raise ServiceError({"key": [_("该项目没有此参数")]})
    value = None
    if payload.value is not None:
        try:
            value = from_display(spec, payload.value)
        except ValueError as exc:
            raise ServiceError({"value": [str(exc)]}) from None
    derive_from = None
    if payload.derive_from is not None:
        d = payload.derive_from
        if d.statistic:
            derive_from = {
                "statistic": d.statistic,
                "ratio": d.ratio,
                "year_offset": d.year_offset,
                "rounding": d.rounding,
            }
        else:
            derive_from = {
                "programme": d.programme,
                "key": d.key,
                "factor": d.factor,
                "rounding": d.rounding,
            }
    standard = services.set_standard(
        user=request.user,
        programme=Programme.objects.get(code=payload.programme),
        key=payload.key,
        region=region,
        effective_from=payload.effective_from,
        value=value,
        derive_from=derive_from,
        reason=payload.reason,
    )
    return Status(201, _history_out(standard))


class HistoryFilter(Schema):
    programme: str = Field(min_length=1, max_length=32)
    key: str = Field(min_length=1, max_length=64)
    region: str = ""


@router.get("/standards/history", response=list[StandardHistoryOut])
def standard_history(request, filters: Query[HistoryFilter]):
    """Every version ever set of one parameter, newest first, with who set it and why."""
    region = get_region(request.user, filters.region) if filters.region else None
    if spec_for(filters.programme, filters.key) is None:
        raise ServiceError({"key": [_("该项目没有此参数")]})
    return [
        _history_out(s) for s in selectors.standard_history(filters.programme, filters.key, region)
    ]


@router.get("/parameters")
def parameters(request):
    """The parameter registry: each programme's keys with Chinese label, unit and description."""
    return [
        {
            "code": p.code,
            "name": p.name,
            "kind": p.kind,
            "parameters": [spec.as_dict() for spec in REGISTRY.get(p.code, {}).values()],
        }
        for p in PROGRAMMES
    ]
