"""Demo surveys on the synthetic city, in proportion: a sample (the parameter's 20 %) of the
decided cases, of the served (confirmed) bookings and of this year's paid payroll lines, invited
on their decision, service or payment date; four in five invitations answered, 96 % of the
answers satisfied or basically satisfied (so the plan's ≥ 95 % target shows met, but close).
Invitations the set-up's own services already made stay unanswered (waiting on the residents).
The city social welfare centre (unit `welfare-centre`) calls five of its elderly residents or
their families a month (电话回访, recorded by its staff) in 2016 and this year, each answered, one
answer in 25 dissatisfied: its own share of 23.5 stands near 96 %.
Deterministic (a hash of the subject); set-based; a second run adds nothing (one invitation per
subject)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import F
from django.utils import timezone

from .models import Channel, Invitation, Rating, Service
from .params import sampled


def _h(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def _answer(inv: Invitation, k: int) -> None:
    """The k-th invitation (in a fixed order): four in five answered; of the answers one in 25
    dissatisfied and one in six basically satisfied, so 96 % are satisfied or basically so."""
    if k % 5 == 4:
        return  # not answered
    n = k - k // 5  # the n-th answer
    h = _h(f"answer:{inv.subject_type}:{inv.subject_id}")
    if n % 25 == 24:
        inv.rating = Rating.DISSATISFIED
    elif n % 6 == 5:
        inv.rating = Rating.BASIC
    else:
        inv.rating = Rating.SATISFIED
    inv.comment = "办理时间还可以再短一些" if inv.rating == Rating.DISSATISFIED else ""
    inv.channel = Channel.PAGE if h % 3 else Channel.PHONE
    day = min(inv.invited_on + dt.timedelta(days=1 + h % 5), timezone.localdate())
    inv.answered_at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, h % 60)))


def seed_demo_satisfaction() -> dict:
    from minzheng.cases.models import Case, State
    from minzheng.eldercare.models import Booking
    from minzheng.payments.models import PayrollLine

    rows = []
    for c in (
        Case.objects.filter(state__in=(State.APPROVED, State.REFUSED), closed_on__isnull=False)
        .annotate(unit=F("decisions__decided_by__unit_id"))
        .values("pk", "number", "applicant_id", "region_id", "closed_on", "unit")
        .distinct()
    ):
        if sampled("cases.case", c["pk"]):
            rows.append(
                (
                    Service.CASE,
                    "cases.case",
                    c["pk"],
                    c["number"],
                    c["applicant_id"],
                    c["region_id"],
                    c["unit"],
                    c["closed_on"],
                )
            )
    for b in Booking.objects.filter(
        status=Booking.Status.CONFIRMED, served_on__isnull=False
    ).values("pk", "number", "person_id", "region_id", "served_on"):
        if sampled("eldercare.booking", b["pk"]):
            rows.append(
                (
                    Service.ELDERCARE,
                    "eldercare.booking",
                    b["pk"],
                    b["number"],
                    b["person_id"],
                    b["region_id"],
                    None,
                    b["served_on"],
                )
            )
    year = dt.date(timezone.localdate().year, 1, 1)
    for line in (
        PayrollLine.objects.filter(status="paid", kind="regular", month__gte=year)
        .annotate(head=F("household__head_id"), number=F("household__number"))
        .values("pk", "person_id", "head", "region_id", "month", "number")
        .iterator(chunk_size=5000)
    ):
        if sampled("payments.payrollline", line["pk"]):
            rows.append(
                (
                    Service.PAYMENT,
                    "payments.payrollline",
                    line["pk"],
                    line["number"],
                    line["person_id"] or line["head"],
                    line["region_id"],
                    None,
                    line["month"] + dt.timedelta(days=14),
                )
            )
    invitations = []
    seen = set(Invitation.objects.values_list("subject_type", "subject_id"))
    rows.sort(key=lambda r: (r[7], r[1], r[2]))
    for k, (service, stype, sid, number, person_id, region_id, unit_id, on) in enumerate(rows):
        if not person_id or (stype, str(sid)) in seen:
            continue
        seen.add((stype, str(sid)))
        inv = Invitation(
            service=service,
            subject_type=stype,
            subject_id=str(sid),
            number=str(number or "")[:40],
            person_id=person_id,
            region_id=region_id,
            unit_id=unit_id,
            invited_on=on,
        )
        _answer(inv, k)
        invitations.append(inv)
    invitations += _centre_calls(seen)
    before = Invitation.objects.count()
    Invitation.objects.bulk_create(invitations, batch_size=1000, ignore_conflicts=True)
    return {"invitations": Invitation.objects.count() - before}


CENTRE = "welfare-centre"
CALL_DAYS = (5, 10, 15, 20, 25)


def _centre_calls(seen: set) -> list[Invitation]:
    """The welfare centre's monthly return calls (see the module's docstring): its residents are
    the registry's oldest people, called in turn, on the 5th, 10th … 25th of each past month."""
    from minzheng.accounts.models import User
    from minzheng.people.models import Person
    from minzheng.units.models import Unit

    unit = Unit.objects.filter(code=CENTRE).first()
    if unit is None:
        return []
    today = timezone.localdate()
    days = [
        dt.date(year, month, day)
        for year in sorted({2016, today.year})
        for month in range(1, 13)
        for day in CALL_DAYS
        if dt.date(year, month, day) < today
    ]
    residents = list(
        Person.objects.filter(death_date__isnull=True, birth_date__isnull=False)
        .order_by("birth_date", "id")
        .values_list("pk", flat=True)[:60]
    )
    if not residents:
        return []
    staff = User.objects.filter(unit=unit).order_by("id").first()
    calls = []
    of_year: dict[int, int] = {}
    for n, day in enumerate(days):
        k = of_year[day.year] = of_year.get(day.year, -1) + 1  # the k-th call of its year
        subject = f"{CENTRE}:{day:%Y%m%d}"  # one call a day
        if ("units.unit", subject) in seen:
            continue
        seen.add(("units.unit", subject))
        rating = (
            Rating.DISSATISFIED
            if k % 25 == 24
            else Rating.BASIC
            if k % 6 == 5
            else Rating.SATISFIED
        )
        calls.append(
            Invitation(
                service=Service.ELDERCARE,
                subject_type="units.unit",
                subject_id=subject,
                number=f"HF{day:%Y%m%d}",
                person_id=residents[n % len(residents)],
                region_id=unit.region_id,
                unit=unit,
                invited_on=day,
                rating=rating,
                comment="希望增加康复护理人员" if rating == Rating.DISSATISFIED else "",
                channel=Channel.PHONE,
                answered_at=timezone.make_aware(dt.datetime.combine(day, dt.time(15, n % 60))),
                recorded_by=staff,
            )
        )
    return calls
