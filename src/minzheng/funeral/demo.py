"""A plausible year of funeral and burial work in the demo city (docs/DOMAIN.md §14).

Jingmen (about 2.9 million people) records about 6.5 deaths per 1,000 people a year; the demo's
20,000 people so have about 130 deaths a year, about 120 by early December. The registry's deaths
of this year are topped up to that pace, each through the people module: about a third recorded
by the registry first (a township's update, later matched by the cremation), the rest reported by
the funeral home's cremation (the cremation sets the death date). Three mountain townships are
burial-reform areas (their deaths are not cremated and count in no cremation rate). In cremation
areas all but a few recent deaths are cremated (a rate a little under 98 %, the recent ones on
the city home's workbench). Most of the cremated are buried, about 8 % in eco burials (below the
plan's 10 %). 沙洋县 built 14 village eco-cemeteries this year (the plan: 20). The providers are
the city's funeral home, one per county that has its own (京山, 沙洋, 钟祥), a cemetery company
and a service station; one of six is not yet assessed this year. The recipients of 低保 and 特困
among the dead had their basic services exempted; last month's exemptions of the city's home are
claimed from 东宝区 (awaiting the county), this month's are still to be claimed, and the 特困
deaths' funeral grants wait for the county. A second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.payments.models import Entitlement
from minzheng.people import services as people_services
from minzheng.people.models import HouseholdMember, Person
from minzheng.regions.models import Region

from . import services
from .models import (
    AreaKind,
    AreaSetting,
    Assessment,
    Cemetery,
    Claim,
    Cremation,
    PriceStandard,
    Provider,
    ProviderStaff,
    ServiceItem,
    ServiceLine,
)

CITY = "420800"
DEATHS_PER_THOUSAND = 6.5
# Standard prices and the funeral grant, in fen [assumed; a county may set its own].
PRICES = {
    ServiceItem.TRANSPORT: 20_000,
    ServiceItem.STORAGE: 15_000,
    ServiceItem.CREMATION: 40_000,
    ServiceItem.ASH_STORAGE: 10_000,
    PriceStandard.GRANT: 200_000,
}
# Mountain townships kept as burial-reform areas in the demo (by county code and name).
REFORM_TOWNSHIPS = (("京山", "三阳镇"), ("京山", "绿林镇"), ("钟祥", "客店镇"))
SHAYANG = "420822"
ECO_CEMETERIES_THIS_YEAR = 14
ECO_CEMETERIES_EARLIER = 3


def _draw(key: str, n: int = 100) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % n


def _admin():
    return User.objects.filter(is_superuser=True).order_by("id").first()


def _county(code_or_name: str) -> Region | None:
    qs = Region.objects.filter(level=Region.Level.COUNTY)
    return qs.filter(code=code_or_name).first() or qs.filter(name__contains=code_or_name).first()


def seed_demo_funeral() -> dict:
    if Provider.objects.exists():
        return {"providers": Provider.objects.count(), "cremations": Cremation.objects.count()}
    today = timezone.localdate()
    with transaction.atomic():
        homes = _providers(today)
    with transaction.atomic():
        _areas()
        cemeteries = _cemeteries(homes, today)
    deaths = _deaths(today)
    cremations = _cremations(homes, deaths, today)
    burials = _burials(homes, cemeteries, cremations, today)
    with transaction.atomic():
        _claims(homes["city"], today)
    return {
        "providers": Provider.objects.count(),
        "deaths": len(deaths),
        "cremations": len(cremations),
        "burials": burials,
    }


def _providers(today: dt.date) -> dict:
    city = Region.objects.get(code=CITY)
    for item, fen in PRICES.items():
        PriceStandard.objects.create(
            item=item, region=city, amount_fen=fen, effective_from=dt.date(2016, 1, 1)
        )
    valid = today.replace(year=today.year + 3)
    rows = [
        ("city", "荆门市殡仪馆", Provider.Kind.FUNERAL_HOME, CITY, "鄂殡许字（2015）001号"),
        ("京山", "京山县殡仪馆", Provider.Kind.FUNERAL_HOME, "京山", "鄂殡许字（2015）011号"),
        ("沙洋", "沙洋县殡仪馆", Provider.Kind.FUNERAL_HOME, SHAYANG, "鄂殡许字（2015）012号"),
        ("钟祥", "钟祥市殡仪馆", Provider.Kind.FUNERAL_HOME, "钟祥", "鄂殡许字（2015）013号"),
        (
            "company",
            "荆门市仙居公墓有限公司",
            Provider.Kind.CEMETERY,
            "420802",
            "鄂墓许字（2014）002号",
        ),
        (
            "station",
            "掇刀区殡葬服务站",
            Provider.Kind.SERVICE_STATION,
            "420804",
            "鄂殡许字（2016）021号",
        ),
    ]
    homes = {}
    for key, name, kind, where, licence in rows:
        region = Region.objects.get(code=CITY) if where == CITY else _county(where)
        homes[key] = Provider.objects.create(
            name=name,
            kind=kind,
            region=region,
            licence_number=licence,
            licence_valid_until=valid,
            address=f"{region.name}殡葬服务园区",
            phone="0724-" + str(2300000 + _draw(name, 99999)),
        )
    account = User.objects.filter(username="funeral_home").first()
    if account is not None:
        ProviderStaff.objects.update_or_create(user=account, defaults={"provider": homes["city"]})
    # This year's standardisation: all but the service station assessed, one below standard.
    assessed_on = today.replace(month=min(today.month, 10), day=15)
    for key, home in homes.items():
        if key == "station":
            continue
        passed = key != "company"
        Assessment.objects.create(
            provider=home,
            year=today.year,
            assessed_on=assessed_on,
            score=92 - _draw(key, 8) if passed else 71,
            passed=passed,
            note="" if passed else "服务价格未按规定公示，限期整改",
        )
    return homes


def _areas() -> None:
    for county_name, township in REFORM_TOWNSHIPS:
        county = _county(county_name)
        region = (
            Region.objects.filter(
                level=Region.Level.TOWNSHIP, name=township, path__startswith=county.path
            ).first()
            if county
            else None
        )
        if region is not None:
            AreaSetting.objects.create(
                region=region, kind=AreaKind.REFORM, reason="山区乡镇，省政府批准为土葬改革区"
            )


def _cemeteries(homes: dict, today: dt.date) -> dict:
    made: dict[str, list[Cemetery]] = {"city": [], "京山": [], "沙洋": [], "钟祥": [], "eco": []}
    city_township = Region.objects.filter(
        level=Region.Level.TOWNSHIP, path__startswith=homes["company"].region.path
    ).order_by("code")
    t = city_township.first()
    made["city"].append(
        Cemetery.objects.create(
            name="荆门市仙居公墓",
            kind=Cemetery.Kind.COMMERCIAL,
            region=t,
            operator=homes["company"],
            capacity=6000,
            used=4210,
            built_on=dt.date(2003, 4, 1),
        )
    )
    made["city"].append(
        Cemetery.objects.create(
            name="荆门市殡仪馆骨灰堂",
            kind=Cemetery.Kind.ASH_HALL,
            region=t,
            operator=homes["city"],
            capacity=3000,
            used=1880,
            built_on=dt.date(2008, 9, 1),
        )
    )
    made["city"].append(
        Cemetery.objects.create(
            name="荆门市城乡公益性公墓",
            kind=Cemetery.Kind.PUBLIC,
            region=t,
            operator=homes["city"],
            capacity=4000,
            used=2650,
            built_on=dt.date(2012, 5, 1),
        )
    )
    for key in ("京山", "沙洋", "钟祥"):
        home = homes[key]
        township = (
            Region.objects.filter(level=Region.Level.TOWNSHIP, path__startswith=home.region.path)
            .order_by("code")
            .first()
        )
        made[key].append(
            Cemetery.objects.create(
                name=f"{home.region.name}公益性公墓",
                kind=Cemetery.Kind.PUBLIC,
                region=township,
                operator=home,
                capacity=3000,
                used=1500 + _draw(key, 600),
                built_on=dt.date(2010, 10, 1),
            )
        )
    # 沙洋's village eco-cemeteries: a few from earlier years and this year's, in different
    # villages spread over the county's townships.
    villages = list(
        Region.objects.filter(
            level=Region.Level.VILLAGE,
            path__startswith=homes["沙洋"].region.path,
            urban_rural=Region.UrbanRural.RURAL,
        )
        .order_by("code")
        .values_list("pk", flat=True)
    )
    step = max(1, len(villages) // (ECO_CEMETERIES_THIS_YEAR + ECO_CEMETERIES_EARLIER))
    chosen = villages[::step][: ECO_CEMETERIES_THIS_YEAR + ECO_CEMETERIES_EARLIER]
    elapsed = (today - today.replace(month=1, day=1)).days
    for i, region_id in enumerate(chosen):
        region = Region.objects.get(pk=region_id)
        if i < ECO_CEMETERIES_EARLIER:
            built = dt.date(today.year - 1 - i, 11, 20)
        else:
            built = today.replace(month=1, day=1) + dt.timedelta(
                days=elapsed * (i - ECO_CEMETERIES_EARLIER + 1) // (ECO_CEMETERIES_THIS_YEAR + 1)
            )
        made["eco"].append(
            Cemetery.objects.create(
                name=f"{region.name}生态公墓",
                kind=Cemetery.Kind.VILLAGE_ECO,
                region=region,
                operator=homes["沙洋"],
                capacity=300 + 100 * _draw(region.code, 5),
                used=0,
                built_on=built,
            )
        )
    return made


def _deaths(today: dt.date) -> list[tuple[Person, dt.date, bool]]:
    """This year's deaths to the registry's pace: (person, death date, registry first?). The
    registry's existing deaths of the year are kept; new ones are older residents (and a few
    recipients of 低保 and 特困), deterministic by person."""
    start = today.replace(month=1, day=1)
    elapsed = (today - start).days + 1
    population = Person.objects.filter(death_date__isnull=True).count()
    target = round(population * DEATHS_PER_THOUSAND / 1000 * elapsed / 365)
    existing = list(
        Person.objects.filter(death_date__gte=start, death_date__lte=today).order_by("pk")
    )
    missing = max(0, target - len(existing))
    cutoff = today.replace(year=today.year - 70)
    # Recipients first (a few), then the oldest half of the elderly by a stable draw.
    recipients = list(
        Entitlement.objects.filter(
            status=Entitlement.Status.ACTIVE, programme="tekun", person__death_date__isnull=True
        ).values_list("person_id", flat=True)[:2]
    )
    dibao_households = Entitlement.objects.filter(
        status=Entitlement.Status.ACTIVE, programme__in=["dibao_urban", "dibao_rural"]
    ).values("household_id")
    dibao_members = list(
        HouseholdMember.objects.filter(
            household_id__in=dibao_households,
            until__isnull=True,
            person__death_date__isnull=True,
            person__birth_date__lte=cutoff,
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)[:6]
    )
    elderly = list(
        Person.objects.filter(death_date__isnull=True, birth_date__lte=cutoff)
        .exclude(pk__in=recipients + dibao_members)
        .exclude(entitlements__status=Entitlement.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    elderly.sort(key=lambda pk: _draw(f"death-{pk}", 1_000_000))
    picked = (recipients + dibao_members + elderly)[:missing]
    admin = _admin()
    deaths = [(p, p.death_date, True) for p in existing]
    people = {p.pk: p for p in Person.objects.filter(pk__in=picked).select_related("hukou_region")}
    for i, pk in enumerate(picked):
        # Spread over the year; the recipients die in the last weeks (their grants and claims
        # are on the workbench).
        if i < len(recipients) + len(dibao_members):
            day = today - dt.timedelta(days=3 + 4 * i)
        else:
            day = start + dt.timedelta(days=(elapsed - 1) * (i + 1) // (len(picked) + 1))
        person = people[pk]
        registry_first = _draw(f"first-{pk}") < 35 or i < len(recipients)
        if registry_first:
            with transaction.atomic():
                people_services.update_person(user=admin, person=person, death_date=day)
        deaths.append((person, day, registry_first))
    return deaths


def _home_for(homes: dict, person: Person) -> Provider:
    for key in ("京山", "沙洋", "钟祥"):
        if person.hukou_region.path.startswith(homes[key].region.path):
            return homes[key]
    return homes["city"]


def _cremations(homes: dict, deaths: list, today: dt.date) -> list[Cremation]:
    from .selectors import area_kind_by_path, area_kind_of

    by_path = area_kind_by_path()
    city_account = User.objects.filter(username="funeral_home").first()
    made = []
    # The most recent deaths in the city home's area wait for their cremation record.
    waiting = {
        p.pk
        for p, day, _first in sorted(deaths, key=lambda d: d[1], reverse=True)
        if _home_for(homes, p) == homes["city"]
        and day >= today - dt.timedelta(days=30)
        and p.entitlements.count() == 0
    }
    waiting = set(sorted(waiting)[:3])
    for person, day, _first in deaths:
        if person.pk in waiting:
            continue
        if area_kind_of(person.hukou_region.path, by_path) != AreaKind.CREMATION:
            continue
        home = _home_for(homes, person)
        cremated_on = min(today, day + dt.timedelta(days=2 + _draw(f"c-{person.pk}", 3)))
        with transaction.atomic():
            made.append(
                services.cremate(
                    home=home,
                    recorded_by=city_account if home == homes["city"] else None,
                    id_number=person.id_number,
                    name=person.name,
                    death_date=day,
                    cremated_on=cremated_on,
                    family_contact=person.name[0] + "家属",
                    family_phone="",
                )
            )
    return made


def _burials(homes: dict, cemeteries: dict, cremations: list, today: dt.date) -> int:
    count = 0
    eco_kinds = ("tree", "flower", "lawn", "wall", "scattering")
    for c in cremations:
        if c.cremated_on > today - dt.timedelta(days=7):
            continue  # ashes of the last week are still with the family or the home
        draw = _draw(f"b-{c.person_id}")
        if draw >= 88:
            continue  # kept at home or buried elsewhere
        home = c.home
        key = next((k for k, v in homes.items() if v == home), "city")
        if draw < 7:
            kind = eco_kinds[draw % len(eco_kinds)]
            if key == "沙洋":
                pool = [e for e in cemeteries["eco"] if e.built_on <= c.cremated_on]
                cemetery = pool[draw % len(pool)] if pool else cemeteries["沙洋"][0]
            else:
                cemetery = cemeteries[key if key in cemeteries else "city"][-1]
        elif draw < 25:
            kind = "ash_storage"
            cemetery = cemeteries["city"][1] if key == "city" else cemeteries[key][0]
        else:
            kind = "grave"
            if key == "沙洋":
                pool = [e for e in cemeteries["eco"] if e.built_on <= c.cremated_on]
                cemetery = pool[draw % len(pool)] if pool and draw % 2 else cemeteries["沙洋"][0]
            else:
                cemetery = cemeteries[key][0] if key in cemeteries else cemeteries["city"][2]
        with transaction.atomic():
            services.bury(
                provider=cemetery.operator,
                recorded_by=None,
                id_number=c.person.id_number,
                name=c.person.name,
                kind=kind,
                buried_on=min(today, c.cremated_on + dt.timedelta(days=1 + draw % 5)),
                cemetery=cemetery,
            )
        count += 1
    return count


def _claims(home: Provider, today: dt.date) -> None:
    """Last month's exemptions of the city's home, per county, claimed and awaiting the county;
    this month's left to claim (the home's workbench)."""
    this_month = today.replace(day=1)
    lines = ServiceLine.objects.filter(
        cremation__home=home, exempt=True, claim__isnull=True, cremation__cremated_on__lt=this_month
    ).select_related("cremation__region")
    by_county: dict[tuple[int, dt.date], list[ServiceLine]] = {}
    for line in lines:
        county = services.county_of(line.cremation.region)
        month = line.cremation.cremated_on.replace(day=1)
        by_county.setdefault((county.pk, month), []).append(line)
    for (county_id, month), group in by_county.items():
        claim = Claim.objects.create(
            home=home,
            county_id=county_id,
            month=month,
            total_fen=sum(line.price_fen for line in group),
            lines=len(group),
        )
        ServiceLine.objects.filter(pk__in=[line.pk for line in group]).update(claim=claim)
