"""Demo charity on the synthetic city, in proportion to its 20,000 persons (Jingmen's plan asks
600 万元 of donations of 2.9 million people: about 4 万元 here). Deterministic (seed 2016); a few
set-based writes; a second run adds nothing.

- 荆门市慈善总会 (the city charity federation, registered by the city's registry, public
  fundraising) is put on the social-organisation register through socialorgs' demo helper and the
  demo account `charity` is bound to it; a charitable foundation of the register in 京山 (or the
  first county with one) is recognised as the county charity.
- Last year's donations of both (the income the annual 70 % check compares with), and this year's
  up to today: the one-day drive (慈善一日捐) with a dozen units, individual donors (masked on the
  public page, some chose anonymity), anonymous gifts, in-kind goods valued, and three directed
  donations (pupils, medical, elderly) partly used. About 3.4 万元 this year: a gap to the target.
- Uses this year: a pupils' aid project for a few school-age pupils of the registry from the
  directed donation, elderly care from the other, relief for poor households and units, charity
  payments on a few settled medical-assistance bills (never above what remains after the earlier
  payers), management costs. The county charity spends too little and too much on management, so
  the city section's annual checks show both outcomes.
- Work waiting on the charity's workbench: the latest donations have no receipt yet, the latest
  uses are not yet published.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from minzheng.cases import medical_selectors
from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import Person
from minzheng.regions.models import Region
from minzheng.socialorgs.demo import bind_account, register_organisation
from minzheng.socialorgs.models import (
    Organisation,
    OrganisationField,
    OrganisationKind,
    OrganisationStatus,
)

from . import rules
from .models import (
    Campaign,
    CampaignKind,
    Channel,
    Charity,
    Donation,
    DonationForm,
    DonorKind,
    Purpose,
    Receipt,
    ReceiptCounter,
    Use,
    UseCategory,
)

CITY_CHARITY = "荆门市慈善总会"
UNITS = [
    "荆门市民政局",
    "荆门市教育局",
    "荆门市卫生和计划生育委员会",
    "荆门市财政局",
    "东宝区人民政府",
    "掇刀区人民政府",
    "荆门市第一人民医院",
    "荆门市龙泉中学",
    "中国农业银行荆门分行",
    "国网荆门供电公司",
    "荆门市公共交通有限公司",
    "荆门日报社",
]
_GOODS = [
    ("棉被（1.5米）", 40, "床", 360_00),
    ("大米（25公斤装）", 60, "袋", 240_00),
    ("学生书包及文具套装", 30, "套", 180_00),
]


def seed_demo_charity(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    if city is None:
        return {}
    seat = (
        Region.objects.filter(parent=city, level=Region.Level.COUNTY, kind="statutory")
        .order_by("code")
        .first()
    )
    township = (
        Region.objects.filter(parent=seat, level=Region.Level.TOWNSHIP).order_by("code").first()
        if seat
        else None
    )
    if township is None:
        return {}
    organisation = register_organisation(
        name=CITY_CHARITY,
        kind=OrganisationKind.SOCIAL_GROUP,
        field=OrganisationField.CHARITY,
        registry=city,
        region=township,
        registered_on=dt.date(2005, 3, 18),
        purpose="弘扬人道主义精神，募集慈善款物，开展扶贫济困、助学助医、扶老助残等慈善活动。",
        capital_fen=300_000_00,
    )
    bind_account("charity", organisation)
    reports = seed_demo_welfare_reports(city=city, today=today)
    if Charity.objects.filter(organisation=organisation).exists():
        return {"added": 0, "reports": reports}
    county_org = (
        Organisation.objects.filter(
            field=OrganisationField.CHARITY,
            kind=OrganisationKind.FOUNDATION,
            status=OrganisationStatus.REGISTERED,
            registry__level=Region.Level.COUNTY,
        )
        .exclude(registry=seat)
        .order_by("registry__code", "id")
        .first()
    )
    rng = random.Random(2016)
    with transaction.atomic():
        charities = [
            Charity.objects.create(
                organisation=organisation,
                recognised_on=dt.date(2016, 9, 1),
                public_fundraising=True,
            )
        ]
        if county_org is not None:
            charities.append(
                Charity.objects.create(
                    organisation=county_org,
                    recognised_on=dt.date(2017, 3, 10),
                    public_fundraising=True,
                )
            )
        counts = {"charities": len(charities), "donations": 0, "uses": 0, "receipts": 0}
        for i, charity in enumerate(charities):
            scale = 1.0 if i == 0 else 0.3
            made = _seed_books(charity, rng=rng, today=today, scale=scale, full=i == 0)
            for key, value in made.items():
                counts[key] += value
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="charity.demo",
            object_repr="慈善演示数据",
            region_code=city.code,
            after=counts,
            note="演示数据：慈善组织的捐赠、票据和善款使用",
        )
    counts["reports"] = reports
    return counts


# Jingmen's welfare-lottery sales and the rehabilitation hospital's revenue, 万元 a month: the
# lottery centre's sales system and the hospital's accounts, not the platform's (reported at the
# city's real scale, as the plan's 43,000 and 14,000 万元 are).
_MONTHLY = {"lottery_sales": 3350, "rehab_hospital_revenue": 1120}


def seed_demo_welfare_reports(*, city: Region, today: dt.date) -> int:
    """Monthly reports of 12.1 lottery_sales and 11.1 rehab_hospital_revenue for this year, each
    the year-to-date figure at a month's end with the body's statement as evidence: filed by the
    city section, approved by the administrator, the last month's waiting for review."""
    from django.core.files.base import ContentFile

    from minzheng.accounts.models import User
    from minzheng.targets.models import ReportedValue
    from minzheng.targets.services import review_report, submit_report

    if ReportedValue.objects.filter(indicator__in=list(_MONTHLY)).exists():
        return 0
    section = User.objects.filter(username="city_section").first()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if section is None or admin is None:
        return 0
    month_ends = [
        dt.date(today.year, m + 1, 1) - dt.timedelta(days=1) for m in range(1, today.month)
    ]
    made = 0
    for code, per_month in _MONTHLY.items():
        total = 0
        for n, end in enumerate(month_ends):
            total += per_month + (n * 37) % 180 - 90
            statement = _statement_pdf(code, end, total)
            report = submit_report(
                user=section,
                indicator=code,
                region=city,
                as_of=end,
                value=str(total),
                note=f"{end:%Y年%m月}累计（{'福彩中心销售系统' if code == 'lottery_sales' else '市康复医院财务报表'}）",
                files=[ContentFile(statement, name=f"{code}-{end:%Y%m}.pdf")],
            )
            if n < len(month_ends) - 1:
                review_report(user=admin, report=report, approve=True)
            made += 1
    return made


def _statement_pdf(code: str, month_end: dt.date, total: int) -> bytes:
    import io

    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    from minzheng.core.pdf import cjk_font

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A5)
    pdf.setFont(cjk_font(), 12)
    title = "荆门市福利彩票销售月报" if code == "lottery_sales" else "荆门市康复医院业务收入月报"
    pdf.drawString(40, 520, title)
    pdf.drawString(40, 490, f"截至 {month_end.isoformat()} 本年累计：{total} 万元")
    pdf.save()
    return buffer.getvalue()


def _people(region: Region, today: dt.date, *, ages: tuple[int, int], limit: int) -> list[Person]:
    return list(
        Person.objects.filter(
            hukou_region__path__startswith=region.path,
            birth_date__lte=_years_before(today, ages[0]),
            birth_date__gt=_years_before(today, ages[1] + 1),
            death_date__isnull=True,
        ).order_by("pk")[:limit]
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _day(rng: random.Random, year: int, today: dt.date, *, months: tuple[int, int] = (1, 12)):
    start = dt.date(year, months[0], 1)
    end = min(today - dt.timedelta(days=1), dt.date(year, months[1], 28))
    if end < start:
        return today
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _seed_books(charity: Charity, *, rng, today: dt.date, scale: float, full: bool) -> dict:
    org = charity.organisation
    county = org.region if org.region.level == Region.Level.COUNTY else org.region.parent
    donors = _people(county, today, ages=(25, 70), limit=60)
    year = today.year
    rows: list[Donation] = []

    def add(**kw):
        kw.setdefault("channel", Channel.BANK)
        kw.setdefault("form", DonationForm.MONEY)
        rows.append(Donation(charity=charity, **kw))

    # Last year's income: the base of this year's 70 % check.
    for k in range(int(24 * scale) or 1):
        add(
            donor_kind=DonorKind.UNIT,
            donor_unit=UNITS[k % len(UNITS)],
            amount_fen=int(rng.choice([800, 1000, 1200, 1500]) * 100),
            received_on=_day(rng, year - 1, today),
        )
    # The one-day drive of this year: the units of the city, in spring.
    drive = Campaign.objects.create(
        charity=charity,
        kind=CampaignKind.ONE_DAY,
        year=year,
        name=f"{year}年慈善一日捐",
    )
    units = UNITS if full else UNITS[4:8]
    for unit in units:
        add(
            donor_kind=DonorKind.UNIT,
            donor_unit=unit,
            amount_fen=int(rng.choice([300, 450, 600, 800, 1000]) * 100),
            received_on=_day(rng, year, today, months=(4, 5)),
            campaign=drive,
        )
    # Individual donors (some chose not to be named in public) and anonymous gifts.
    for k in range(int(20 * scale) or 1):
        person = donors[k % len(donors)] if donors else None
        add(
            donor_kind=DonorKind.PERSON if person else DonorKind.ANONYMOUS,
            donor_person=person,
            public_anonymous=rng.random() < 0.2,
            amount_fen=int(rng.choice([50, 100, 200, 300, 500]) * 100),
            received_on=_day(rng, year, today),
            channel=rng.choice([Channel.BANK, Channel.ONLINE, Channel.CASH]),
        )
    for _k in range(int(6 * scale) or 1):
        add(
            donor_kind=DonorKind.ANONYMOUS,
            amount_fen=int(rng.choice([100, 200, 500]) * 100),
            received_on=_day(rng, year, today),
            channel=Channel.CASH,
        )
    directed = []
    if full:
        for description, quantity, unit, value in _GOODS:
            add(
                donor_kind=DonorKind.UNIT,
                donor_unit=rng.choice(UNITS[6:]),
                form=DonationForm.GOODS,
                goods_description=description,
                goods_quantity=quantity,
                goods_unit=unit,
                amount_fen=value * quantity // 10,
                received_on=_day(rng, year, today, months=(1, 2)),
                channel=Channel.IN_KIND,
                purpose=Purpose.POVERTY,
            )
        for unit, purpose, amount, note in [
            ("荆门市龙泉中学", Purpose.EDUCATION, 6000_00, "资助东宝区家庭困难中小学生"),
            ("中国农业银行荆门分行", Purpose.MEDICAL, 5000_00, "大病患者医疗救助后的慈善救助"),
            ("荆门市公共交通有限公司", Purpose.ELDERLY, 3000_00, "慰问农村特困老人"),
        ]:
            add(
                donor_kind=DonorKind.UNIT,
                donor_unit=unit,
                amount_fen=amount,
                received_on=_day(rng, year, today, months=(2, 3)),
                purpose=purpose,
                purpose_note=note,
                directed=True,
            )
            directed.append(rows[-1])
    rows.sort(key=lambda d: d.received_on)
    # The latest donations of this year wait for their receipt.
    Donation.objects.bulk_create(rows, batch_size=500)
    waiting = {d.pk for d in rows[-4:]} if full else set()
    receipts, serials = [], {}
    for d in rows:
        if d.pk in waiting:
            continue
        on = min(today, d.received_on + dt.timedelta(days=1))
        serials[on.year] = serials.get(on.year, 0) + 1
        receipts.append(
            Receipt(
                donation=d,
                number=rules.receipt_number(
                    charity_id=charity.pk, year=on.year, serial=serials[on.year]
                ),
                issued_on=on,
                issued_by_name=charity.organisation.name,
            )
        )
    Receipt.objects.bulk_create(receipts, batch_size=500)
    ReceiptCounter.objects.bulk_create(
        [ReceiptCounter(charity=charity, year=y, last=n) for y, n in serials.items()]
    )
    uses = _seed_uses(charity, rng=rng, today=today, full=full, directed=directed)
    return {"donations": len(rows), "receipts": len(receipts), "uses": uses}


def _seed_uses(charity: Charity, *, rng, today: dt.date, full: bool, directed: list) -> int:
    org = charity.organisation
    county = org.region if org.region.level == Region.Level.COUNTY else org.region.parent
    year = today.year
    uses: list[Use] = []

    def use(**kw):
        kw.setdefault("category", UseCategory.CHARITABLE)
        uses.append(Use(charity=charity, **kw))

    poor = _people(county, today, ages=(60, 90), limit=12)
    if full:
        pupils = _people(county, today, ages=(8, 15), limit=3)
        education, medical, elderly = directed
        for pupil in pupils:
            use(
                project=f"{year}年春蕾助学",
                beneficiary_person=pupil,
                amount_fen=1500_00,
                used_on=_day(rng, year, today, months=(3, 4)),
                purpose=Purpose.EDUCATION,
                donation=education,
            )
        education.used_fen = 1500_00 * len(pupils)
        for person in poor[:4]:
            use(
                project="特困老人节日慰问",
                beneficiary_person=person,
                amount_fen=500_00,
                used_on=_day(rng, year, today, months=(9, 10)),
                purpose=Purpose.ELDERLY,
                donation=elderly,
            )
        elderly.used_fen = 500_00 * len(poor[:4])
        # Charity payments after medical assistance: part of what remains, from the medical gift.
        room = medical.amount_fen
        for bill in list(medical_selectors.referred_to_charity(org.registry)[:4]):
            amount = min(room, (bill.charity_fen or 0) * 3 // 10, 1500_00)
            if amount <= 0:
                continue
            use(
                project="大病患者慈善救助",
                beneficiary_person=bill.person,
                amount_fen=amount,
                used_on=min(today, max(bill.decided_on, dt.date(year, 1, 2))),
                purpose=Purpose.MEDICAL,
                donation=medical,
                medical_bill=bill,
            )
            room -= amount
        medical.used_fen = medical.amount_fen - room
        Donation.objects.bulk_update(directed, ["used_fen"])
        for unit in ["东宝区社会福利院", "掇刀区敬老院", "东宝区龙泉街道社区服务中心"]:
            use(
                project="冬季送温暖（棉被、大米）",
                beneficiary_unit=unit,
                amount_fen=rng.choice([2500_00, 3000_00, 3500_00]),
                used_on=_day(rng, year, today, months=(1, 2)),
                purpose=Purpose.POVERTY,
            )
        for person in poor[4:12]:
            use(
                project="春节慰问困难群众",
                beneficiary_person=person,
                amount_fen=1000_00,
                used_on=_day(rng, year, today, months=(1, 2)),
                purpose=Purpose.POVERTY,
            )
        use(
            project="募捐宣传和票据印制",
            category=UseCategory.MANAGEMENT,
            amount_fen=1500_00,
            used_on=_day(rng, year, today, months=(5, 6)),
            purpose=Purpose.GENERAL,
        )
    else:
        for person in poor[:3]:
            use(
                project="困难群众临时救助",
                beneficiary_person=person,
                amount_fen=1000_00,
                used_on=_day(rng, year, today, months=(3, 9)),
                purpose=Purpose.POVERTY,
            )
        use(
            project="办公经费",
            category=UseCategory.MANAGEMENT,
            amount_fen=800_00,
            used_on=_day(rng, year, today, months=(6, 6)),
            purpose=Purpose.GENERAL,
        )
    uses.sort(key=lambda u: u.used_on)
    # Never beyond the unrestricted funds: drop the unrestricted uses that would overdraw them.
    income = charity.donations.filter(directed=False).aggregate(s=Sum("amount_fen"))["s"] or 0
    kept, spent = [], 0
    for u in uses:
        if u.donation is None:
            if spent + u.amount_fen > income:
                continue
            spent += u.amount_fen
        kept.append(u)
    for k, u in enumerate(kept):
        # Published the month after; the last three wait for publicity.
        if full and k >= len(kept) - 3:
            continue
        u.published_on = min(today, u.used_on + dt.timedelta(days=20))
    Use.objects.bulk_create(kept, batch_size=500)
    return len(kept)
