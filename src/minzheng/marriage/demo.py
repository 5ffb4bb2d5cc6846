"""Demo marriage registrations on the synthetic city, in proportion to it: the real city of 2.9
million registers about 20,000 marriages a year, so a city of 20,000 persons about 138 (one
per 145 persons), and divorces about a third as many (the national ratio of recent years).
Deterministic (seed 2016); set-based writes; a second run adds nothing.

- A year of marriages (the last 365 days, working days) between unmarried residents of one
  county (men 23–40, women 21–38, never two of one household), registered at their county's
  registry and numbered per registry and year like the service numbers them.
- Divorces by agreement registered in the year, of couples the population registry shows as
  head and spouse (their marriage registered years before, 2000–2018, is on record too).
- In 东宝区 (the demo `marriage_registrar`): four appointments today, one divorce application
  past its cooling-off and due for confirmation, one still in its cooling-off.
- Quality checks of most of this year's records by the county approver, a few failed with the
  defect found, so target 10.1 stands a little below the plan's 100 %.
- The electronic archive of the three latest registrations in 东宝区: the couple's signed
  declaration and their ID cards, small one-page PDFs standing in for the scans, encrypted at rest
  like every kept upload (added on their own when a city set up before had none).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import HouseholdMember, Person, Relation
from minzheng.regions.models import Region

from . import rules
from .models import (
    Appointment,
    ArchiveFile,
    ArchiveKind,
    Certificate,
    CertificateKind,
    Divorce,
    DivorceStatus,
    Marriage,
    MarriageStatus,
    QualityCheck,
)

PERSONS_PER_MARRIAGE = 145
DIVORCE_SHARE = 0.33
DEMO_REGISTRY = "420802"
DEFECTS = (
    "声明书缺少当事人签名",
    "合影照片不符合要求",
    "身份证件复印件缺页",
    "登记审查处理表未填写完整",
)


def _working_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _years_ago(today: dt.date, years: int) -> dt.date:
    return today.replace(year=today.year - years, day=28 if today.day == 29 else today.day)


def _singles(today: dt.date) -> dict[str, dict[str, list[tuple[int, int | None]]]]:
    """Unmarried candidates by county and sex: (person id, current household id)."""
    with_spouse = HouseholdMember.objects.filter(
        until__isnull=True, relation=Relation.SPOUSE
    ).values("household_id")
    married = HouseholdMember.objects.filter(until__isnull=True).filter(
        Q(relation=Relation.SPOUSE) | Q(relation=Relation.HEAD, household_id__in=with_spouse)
    )
    household = dict(
        HouseholdMember.objects.filter(until__isnull=True).values_list("person_id", "household_id")
    )
    out: dict[str, dict[str, list]] = defaultdict(lambda: {"M": [], "F": []})
    ranges = {"M": (23, 40), "F": (21, 38)}
    for sex, (young, old) in ranges.items():
        rows = (
            Person.objects.filter(
                sex=sex,
                death_date__isnull=True,
                birth_date__lte=_years_ago(today, young),
                birth_date__gt=_years_ago(today, old),
            )
            .exclude(pk__in=married.values("person_id"))
            .order_by("id")
            .values_list("id", "hukou_region__code")
        )
        for pk, code in rows:
            out[code[:6]][sex].append((pk, household.get(pk)))
    return out


def _couples_of_record() -> dict[str, list[tuple[int, int]]]:
    """Head and spouse of the population registry (man, woman), by county."""
    spouses = dict(
        HouseholdMember.objects.filter(
            until__isnull=True, relation=Relation.SPOUSE, person__sex="F"
        ).values_list("household_id", "person_id")
    )
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for household_id, man, code in (
        HouseholdMember.objects.filter(
            until__isnull=True,
            relation=Relation.HEAD,
            person__sex="M",
            person__death_date__isnull=True,
            household_id__in=list(spouses),
        )
        .order_by("household_id")
        .values_list("household_id", "person_id", "person__hukou_region__code")
    ):
        out[code[:6]].append((man, spouses[household_id]))
    return out


class _Numbers:
    """Sequence numbers per registry, kind and year, as the service draws them."""

    def __init__(self):
        self.last: dict[tuple, int] = defaultdict(int)

    def next(self, registry: Region, kind: str, year: int) -> tuple[int, str]:
        self.last[(registry.pk, kind, year)] += 1
        seq = self.last[(registry.pk, kind, year)]
        return seq, f"{kind}{registry.code}-{year}-{seq:06d}"


def seed_demo_marriage(*, today: dt.date | None = None) -> dict:
    """Needs the region tree and the synthetic city. Returns what it added."""
    today = today or timezone.localdate()
    if Marriage.objects.exists():
        return _seed_archive()
    counties = {
        r.code: r
        for r in Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY)
    }
    persons = Person.objects.count()
    if not counties or persons == 0:
        return {}
    rng = random.Random(2016)
    singles = _singles(today)
    couples = _couples_of_record()
    total = max(1, round(persons / PERSONS_PER_MARRIAGE))
    weights = {c: len(singles[c]["M"]) + len(singles[c]["F"]) for c in counties}
    pool = sum(weights.values()) or 1
    numbers = _Numbers()
    planned: list[tuple] = []  # (registry, man, woman, day)
    today_couples: list[tuple[int, int]] = []
    for code in sorted(counties):
        men, women = list(singles[code]["M"]), list(singles[code]["F"])
        rng.shuffle(men)
        rng.shuffle(women)
        n = round(total * weights[code] / pool)
        if code == DEMO_REGISTRY:
            n += 4  # four more couples wait with an appointment today
        pairs = []
        while men and women and len(pairs) < n:
            man, woman = men.pop(), women.pop()
            if man[1] is not None and man[1] == woman[1]:
                women.insert(0, woman)
                continue
            pairs.append((man[0], woman[0]))
        if code == DEMO_REGISTRY:
            today_couples, pairs = pairs[:4], pairs[4:]
        for man, woman in pairs:
            day = _working_day(today - dt.timedelta(days=rng.randint(1, 365)))
            planned.append((counties[code], man, woman, day))
    planned.sort(key=lambda row: (row[3], row[0].code, row[1]))

    # Divorces in the year, of couples of record whose marriage was registered long ago.
    divorce_total = round(total * DIVORCE_SHARE)
    historical: list[tuple] = []  # (registry, man, woman, married_on, divorced_on | None, applied)
    for code in sorted(counties):
        if not couples[code]:
            continue
        share = round(divorce_total * len(couples[code]) / max(1, sum(map(len, couples.values()))))
        chosen = rng.sample(couples[code], min(len(couples[code]), share + 2))
        for i, (man, woman) in enumerate(chosen):
            married_on = dt.date(rng.randint(2000, 2018), rng.randint(1, 12), rng.randint(1, 28))
            if i < share:
                divorced = _working_day(today - dt.timedelta(days=rng.randint(1, 330)))
                applied = divorced - dt.timedelta(days=rng.randint(31, 55))
                historical.append((counties[code], man, woman, married_on, divorced, applied))
            elif code == DEMO_REGISTRY and i == share:
                historical.append(
                    (counties[code], man, woman, married_on, None, today - dt.timedelta(days=35))
                )
            elif code == DEMO_REGISTRY:
                historical.append(
                    (counties[code], man, woman, married_on, None, today - dt.timedelta(days=10))
                )
    historical.sort(key=lambda row: (row[3], row[0].code, row[1]))

    with transaction.atomic():
        marriages = []
        for registry, man, woman, day in planned:
            _seq, number = numbers.next(registry, CertificateKind.MARRIAGE, day.year)
            marriages.append(
                Marriage(
                    registry=registry,
                    man_id=man,
                    woman_id=woman,
                    registered_on=day,
                    certificate_no=number,
                    registered_by_name="婚姻登记员",
                )
            )
        for registry, man, woman, married_on, divorced, _applied in historical:
            _seq, number = numbers.next(registry, CertificateKind.MARRIAGE, married_on.year)
            marriages.append(
                Marriage(
                    registry=registry,
                    man_id=man,
                    woman_id=woman,
                    registered_on=married_on,
                    certificate_no=number,
                    status=MarriageStatus.DIVORCED if divorced else MarriageStatus.MARRIED,
                    ended_on=divorced,
                    registered_by_name="婚姻登记员",
                )
            )
        Marriage.objects.bulk_create(marriages, batch_size=500)
        saved = {m.certificate_no: m for m in Marriage.objects.all()}
        certificates = [
            Certificate(
                registry=m.registry,
                kind=CertificateKind.MARRIAGE,
                year=m.registered_on.year,
                sequence=int(m.certificate_no.rsplit("-", 1)[1]),
                number=m.certificate_no,
                marriage=saved[m.certificate_no],
                issued_on=m.registered_on,
                issued_by_name="婚姻登记员",
            )
            for m in marriages
        ]
        by_couple = {(m.man_id, m.woman_id): saved[m.certificate_no] for m in marriages}
        divorces = []
        for registry, man, woman, _married_on, divorced, applied in historical:
            marriage = by_couple[(man, woman)]
            number = ""
            if divorced:
                _seq, number = numbers.next(registry, CertificateKind.DIVORCE, divorced.year)
            divorces.append(
                Divorce(
                    marriage=marriage,
                    registry=registry,
                    applied_on=applied,
                    cooling_ends_on=rules.cooling_ends_on(applied),
                    confirm_by=rules.confirm_by(applied),
                    children_agreement="子女由女方抚养，男方按月支付抚养费",
                    property_agreement="夫妻共同财产按协议分割",
                    debts_agreement="无共同债务",
                    status=DivorceStatus.REGISTERED if divorced else DivorceStatus.COOLING,
                    registered_on=divorced,
                    certificate_no=number,
                    handled_by_name="婚姻登记员",
                )
            )
        Divorce.objects.bulk_create(divorces)
        for d in Divorce.objects.filter(status=DivorceStatus.REGISTERED).select_related("registry"):
            certificates.append(
                Certificate(
                    registry=d.registry,
                    kind=CertificateKind.DIVORCE,
                    year=d.registered_on.year,
                    sequence=int(d.certificate_no.rsplit("-", 1)[1]),
                    number=d.certificate_no,
                    marriage_id=d.marriage_id,
                    divorce=d,
                    issued_on=d.registered_on,
                    issued_by_name="婚姻登记员",
                )
            )
        Certificate.objects.bulk_create(certificates, batch_size=500)

        registry = counties.get(DEMO_REGISTRY)
        names = dict(
            Person.objects.filter(pk__in=[w for _m, w in today_couples]).values_list("pk", "name")
        )
        slots = ("09:00", "09:00", "10:00", "14:30")
        Appointment.objects.bulk_create(
            [
                Appointment(
                    registry=registry,
                    kind="marriage",
                    day=today,
                    slot=slot,
                    person_id=man,
                    partner_id=woman,
                    partner_name=names[woman],
                )
                for (man, woman), slot in zip(today_couples, slots, strict=False)
            ]
        )

        # Quality checks: about four in five of this year's records, one in forty failed.
        checks = []
        for m in Marriage.objects.filter(registered_on__year=today.year).order_by(
            "registered_on", "id"
        ):
            checked = m.registered_on + dt.timedelta(days=rng.randint(7, 45))
            if checked > today or rng.random() > 0.8:
                continue
            failed = rng.random() < 0.025
            checks.append(
                QualityCheck(
                    marriage=m,
                    registry_id=m.registry_id,
                    checked_on=checked,
                    passed=not failed,
                    defect=rng.choice(DEFECTS) if failed else "",
                    checked_by_name="县级审批员",
                )
            )
        if checks and all(c.passed for c in checks):
            checks[len(checks) // 2].passed = False
            checks[len(checks) // 2].defect = DEFECTS[0]
        QualityCheck.objects.bulk_create(checks)
        city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="marriage.demo",
            object_repr="婚姻登记演示数据",
            region_code=city.code if city else "",
            after={
                "marriages": len(marriages),
                "divorces": len(divorces),
                "appointments": len(today_couples),
                "checks": len(checks),
            },
            note="演示数据：婚姻登记",
        )
    return {
        "marriages": len(marriages),
        "divorces": len(divorces),
        "appointments": len(today_couples),
        "checks": len(checks),
        **_seed_archive(),
    }


ARCHIVED_MARRIAGES = 3


def scan_pdf(title: str, rows: list[tuple[str, str]]) -> bytes:
    """A one-page A4 PDF standing in for a scanned document, in the embedded CJK font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from minzheng.core.pdf import cjk_font

    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    pdf.setTitle(title)
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 90, title)
    pdf.setFont(font, 12)
    y = height - 150
    for label, value in rows:
        pdf.drawString(80, y, f"{label}：{value}")
        y -= 28
    pdf.setFont(font, 9)
    pdf.drawCentredString(width / 2, 50, "扫描件（演示）")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _seed_archive() -> dict:
    """The declaration and the ID cards of the latest registrations at the demo registry, once."""
    if ArchiveFile.objects.exists():
        return {}
    latest = list(
        Marriage.objects.filter(registry__code=DEMO_REGISTRY, status=MarriageStatus.MARRIED)
        .select_related("man", "woman", "registry")
        .order_by("-registered_on", "-id")[:ARCHIVED_MARRIAGES]
    )
    if not latest:
        return {}
    added = 0
    with transaction.atomic():
        for m in latest:
            day = m.registered_on.strftime("%Y年%m月%d日")
            documents = [
                (
                    ArchiveKind.DECLARATION,
                    f"申请结婚登记声明书-{m.certificate_no}.pdf",
                    scan_pdf(
                        "申请结婚登记声明书",
                        [
                            ("男方", f"{m.man.name}  {m.man.id_masked}"),
                            ("女方", f"{m.woman.name}  {m.woman.id_masked}"),
                            ("声明", "本人与对方均无配偶，没有直系血亲和三代以内旁系血亲关系"),
                            ("声明日期", day),
                            ("登记机关", f"{m.registry.name}民政局婚姻登记处"),
                        ],
                    ),
                ),
                (
                    ArchiveKind.ID_CARD,
                    f"身份证件-{m.certificate_no}.pdf",
                    scan_pdf(
                        "居民身份证（复印件）",
                        [
                            ("男方", f"{m.man.name}  {m.man.id_masked}"),
                            ("女方", f"{m.woman.name}  {m.woman.id_masked}"),
                            ("核验日期", day),
                        ],
                    ),
                ),
            ]
            for kind, name, content in documents:
                archive = ArchiveFile(
                    marriage=m,
                    kind=kind,
                    original_name=name,
                    content_type="application/pdf",
                    extension=".pdf",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    uploaded_by_name="婚姻登记员",
                )
                archive.file.save("upload", ContentFile(content), save=False)
                archive.save()
                added += 1
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="marriage.demo",
            object_repr="婚姻登记电子档案演示数据",
            region_code=DEMO_REGISTRY,
            after={"archive": added},
            note="演示数据：婚姻登记电子档案",
        )
    return {"archive": added}
